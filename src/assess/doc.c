/* doc.c - the assessment document of interface.md ("schema":
 * "mieruka-assessment/1") with its extensions (docs/ASSESSMENT.md
 * "Assessment document").  Texts come in both languages ({"ja", "en"}); the
 * answers and notes are a person's text and are escaped by the JSON writer. */
#include "assess/engine_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void mk_kb_json_text(struct mk_json *j, const char *key, const struct mk_kb_text *t)
{
	mk_json_key(j, key);
	mk_json_begin_object(j);
	mk_json_key(j, "ja");
	mk_json_string(j, t->ja != NULL ? t->ja : "");
	mk_json_key(j, "en");
	mk_json_string(j, t->en != NULL ? t->en : "");
	mk_json_end_object(j);
}


static void time_or_null(struct mk_json *j, const char *key, uint64_t ns)
{
	mk_json_key(j, key);
	if (ns != 0)
		mk_json_time(j, ns);
	else
		mk_json_null(j);
}

static void level(struct mk_json *j, const char *key, const struct mk_kb_level *l)
{
	mk_json_key(j, key);
	mk_json_string(j, l->id);
}

static void strings(struct mk_json *j, const char *key, const char *const *v, size_t n)
{
	mk_json_key(j, key);
	mk_json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		mk_json_string(j, v[i]);
	mk_json_end_array(j);
}

static void types(struct mk_json *j, const struct mk_kb *kb, unsigned set)
{
	const char *first = NULL;

	for (unsigned t = 0; t < MK_KB_CTYPES; t++)
		if (set & (1u << t)) {
			first = kb->ctypes[t].id;
			break;
		}
	/* interface.md has one type; a measure of two has both in "types". */
	mk_json_key(j, "type");
	mk_json_string(j, first);
	mk_json_key(j, "types");
	mk_json_begin_array(j);
	for (unsigned t = 0; t < MK_KB_CTYPES; t++)
		if (set & (1u << t))
			mk_json_string(j, kb->ctypes[t].id);
	mk_json_end_array(j);
}

/* The evidence object is evidence.c's (mk_ev_json). */
static void suggestion(struct mk_json *j, const struct mk_assessment *as,
                       const struct mk_suggestion *s, const struct mk_answers *a)
{
	const struct mk_answer *cur = s->key != NULL ? mk_answers_get(a, s->key) : NULL;

	mk_json_begin_object(j);
	mk_json_key(j, "question");
	mk_json_string(j, s->key);
	mk_json_key(j, "answer");
	mk_json_string(j, s->value);
	/* What is answered now: the suggestion waits for a person. */
	mk_json_key(j, "current");
	mk_json_string(j, cur != NULL ? cur->value : NULL);
	mk_json_key(j, "evidence");
	mk_ev_json(j, as, s);
	mk_json_end_object(j);
}

void mk_kb_json_cm_ids(struct mk_json *j, const char *key, const struct mk_kb *kb,
                       const size_t *cms, size_t n)
{
	mk_json_key(j, key);
	mk_json_begin_array(j);
	for (size_t k = 0; k < n; k++)
		if (cms[k] < kb->n_cms)
			mk_json_string(j, kb->cms[cms[k]].id);
	mk_json_end_array(j);
}

/* ---- entry points ---- */

static void entry(struct mk_json *j, const struct mk_assessment *as, const struct mk_answers *a,
                  size_t i)
{
	const struct mk_kb *kb = as->kb;
	const struct mk_kb_entry *e = &kb->entries[i];
	const struct mk_entry_result *r = &as->entries[i];

	mk_json_begin_object(j);
	mk_json_key(j, "id");
	mk_json_string(j, e->id);
	mk_json_key(j, "order");
	mk_json_uint(j, e->order);
	mk_kb_json_text(j, "name", &e->name);
	mk_json_key(j, "applicable");
	if (r->applicable < 0)
		mk_json_null(j);
	else
		mk_json_bool(j, r->applicable == 1);
	mk_kb_json_text(j, "threat", &e->threat);
	mk_kb_json_text(j, "question", &e->question);
	mk_json_key(j, "threat_likelihood");
	mk_json_int(j, r->threat);
	mk_json_key(j, "vulnerability");
	mk_json_int(j, r->vulnerability);
	mk_json_key(j, "protected_pct");
	mk_json_int(j, r->protected_pct);
	mk_json_key(j, "mitigated_pct");
	mk_json_int(j, r->mitigated_pct);
	mk_json_key(j, "unknown");
	mk_json_uint(j, r->n_unknown);
	mk_json_key(j, "max_score");
	mk_json_int(j, r->max_score);
	mk_json_key(j, "risks");
	mk_json_begin_array(j);
	for (size_t k = 0; k < r->n_risks; k++) {
		const struct mk_risk_result *rr = &r->risks[k];

		mk_json_begin_object(j);
		level(j, "risk", &kb->risks[rr->risk]);
		mk_json_key(j, "likelihood");
		mk_json_int(j, rr->likelihood);
		mk_json_key(j, "impact");
		mk_json_int(j, rr->impact);
		mk_json_key(j, "level");
		mk_json_string(j, rr->band < kb->n_bands ? kb->bands[rr->band].id : NULL);
		mk_json_key(j, "score");
		mk_json_int(j, rr->score);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "suggestions");
	mk_json_begin_array(j);
	for (size_t k = 0; k < as->n_suggestions; k++)
		if (as->suggestions[k].entry == i)
			suggestion(j, as, &as->suggestions[k], a);
	mk_json_end_array(j);
	mk_kb_json_cm_ids(j, "countermeasures", kb, e->cms, e->n_cms);
	mk_json_end_object(j);
}

/* ---- the catalogue of countermeasures with their answers ---- */

static void countermeasure(struct mk_json *j, const struct mk_kb *kb, const struct mk_answers *a,
                           size_t i)
{
	const struct mk_kb_cm *cm = &kb->cms[i];
	const struct mk_answer *ans = mk_answers_get(a, cm->id);

	mk_json_begin_object(j);
	mk_json_key(j, "id");
	mk_json_string(j, cm->id);
	mk_kb_json_text(j, "title", &cm->title);
	mk_kb_json_text(j, "question", &cm->question);
	level(j, "stage", &kb->stages[cm->stage]);
	types(j, kb, cm->types);
	level(j, "cost", &kb->costs[cm->cost]);
	level(j, "effort", &kb->efforts[cm->effort]);
	mk_json_key(j, "entry_points");
	mk_json_begin_array(j);
	if (cm->all_entry_points)
		mk_json_string(j, "all");
	else
		for (size_t k = 0; k < cm->n_eps; k++)
			mk_json_string(j, kb->entries[cm->eps[k]].id);
	mk_json_end_array(j);
	mk_json_key(j, "answer");
	mk_json_string(j, ans != NULL ? ans->value : NULL);
	strings(j, "meti", cm->meti, cm->n_meti);
	mk_json_key(j, "ipa25");
	mk_json_begin_array(j);
	for (size_t k = 0; k < cm->n_ipa25; k++)
		mk_json_uint(j, cm->ipa25[k]);
	mk_json_end_array(j);
	strings(j, "csf", cm->csf, cm->n_csf);
	strings(j, "iec62443", cm->iec62443, cm->n_iec62443);
	strings(j, "sources", cm->origin.sources, cm->origin.n_sources);
	mk_json_key(j, "confidence");
	if (cm->origin.confidence != 0)
		mk_json_stringn(j, &cm->origin.confidence, 1);
	else
		mk_json_null(j);
	mk_json_end_object(j);
}

/* ---- the plan ---- */

static void plan_item(struct mk_json *j, const struct mk_assessment *as,
                      const struct mk_plan_item *it)
{
	const struct mk_kb *kb = as->kb;
	const struct mk_kb_cm *cm = &kb->cms[it->cm];

	mk_json_begin_object(j);
	mk_json_key(j, "countermeasure");
	mk_json_string(j, cm->id);
	mk_kb_json_text(j, "title", &cm->title);
	level(j, "stage", &kb->stages[cm->stage]);
	types(j, kb, cm->types);
	level(j, "cost", &kb->costs[cm->cost]);
	/* The entry points in use (or not known to be unused) it protects. */
	mk_json_key(j, "entry_points");
	mk_json_begin_array(j);
	for (size_t k = 0; k < cm->n_eps; k++)
		if (as->entries[cm->eps[k]].applicable != 0)
			mk_json_string(j, kb->entries[cm->eps[k]].id);
	mk_json_end_array(j);
	mk_kb_json_text(j, "why", &cm->why);
	mk_kb_json_text(j, "how", &cm->how);
	mk_kb_json_text(j, "who", &cm->who);
	mk_kb_json_text(j, "check", &cm->check);
	level(j, "effort", &kb->efforts[cm->effort]);
	mk_json_key(j, "risk_reduced");
	mk_json_int(j, it->risk_reduced);
	mk_json_key(j, "risk_share");
	mk_json_double(j, round(it->risk_share * 100) / 100);
	mk_json_key(j, "this_week");
	mk_json_bool(j, it->this_week);
	mk_json_key(j, "answer");
	mk_json_string(j, it->answer);
	mk_json_key(j, "progress");
	mk_json_string(j, it->progress == MK_PLAN_OPEN ? "open" : "new");
	time_or_null(j, "first_planned", it->first_planned_ns);
	mk_json_end_object(j);
}

/* ---- checklists ---- */

static void rank(struct mk_json *j, const char *key, const struct mk_kb_rank *ranks, size_t n,
                 size_t i)
{
	mk_json_key(j, key);
	if (i >= n) {
		mk_json_null(j);
		return;
	}
	mk_json_begin_object(j);
	mk_json_key(j, "id");
	mk_json_string(j, ranks[i].id);
	mk_kb_json_text(j, "name", &ranks[i].name);
	mk_json_end_object(j);
}

static void meti(struct mk_json *j, const struct mk_assessment *as)
{
	const struct mk_kb *kb = as->kb;
	const struct mk_meti_result *m = &as->meti;

	mk_json_begin_object(j);
	mk_json_key(j, "score");
	if (m->total >= 0)
		mk_json_int(j, m->total);
	else
		mk_json_null(j);
	rank(j, "rank", kb->meti_ranks, kb->n_meti_ranks, m->rank);
	mk_json_key(j, "categories");
	mk_json_begin_array(j);
	for (size_t g = 0; g < kb->n_meti_categories; g++) {
		const struct mk_kb_meti_category *cat = &kb->meti_categories[g];
		size_t n = 0, na = 0;

		for (size_t i = 0; i < kb->n_meti_items; i++) {
			int ans = m->item_answer != NULL ? m->item_answer[i] : -1;

			if (kb->meti_items[i].category != g || ans < 0)
				continue;
			n++;
			na += kb->answers[ans].flag == MK_ANSWER_NA;
		}
		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, cat->id);
		mk_json_key(j, "order");
		mk_json_uint(j, cat->order);
		mk_kb_json_text(j, "name", &cat->name);
		mk_json_key(j, "weight");
		mk_json_int(j, cat->weight);
		mk_json_key(j, "score");
		if (m->category_score != NULL && m->category_score[g] >= 0)
			mk_json_double(j, round(m->category_score[g] * 10) / 10);
		else
			mk_json_null(j);
		mk_json_key(j, "items");
		mk_json_uint(j, n);
		mk_json_key(j, "na");
		mk_json_uint(j, na);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "items");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_meti_items; i++) {
		const struct mk_kb_meti_item *it = &kb->meti_items[i];
		int ans = m->item_answer != NULL ? m->item_answer[i] : -1;

		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, it->id);
		mk_json_key(j, "category");
		mk_json_string(j, kb->meti_categories[it->category].id);
		mk_kb_json_text(j, "title", &it->title);
		mk_json_key(j, "priority");
		mk_json_int(j, it->priority);
		mk_json_key(j, "answer");
		mk_json_string(j, ans >= 0 ? kb->answers[ans].id : NULL);
		mk_json_key(j, "flagged");
		mk_json_bool(j, m->item_flagged != NULL && m->item_flagged[i]);
		mk_kb_json_cm_ids(j, "countermeasures", kb, it->cms, it->n_cms);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_end_object(j);
}

static void ipa(struct mk_json *j, const struct mk_assessment *as, int unknown_points)
{
	const struct mk_kb *kb = as->kb;
	const struct mk_ipa_result *p = &as->ipa;
	bool any_na = false;

	mk_json_begin_object(j);
	mk_json_key(j, "score");
	mk_json_int(j, p->total);
	rank(j, "band", kb->ipa_bands, kb->n_ipa_bands, p->band);
	mk_json_key(j, "items");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_ipa_items; i++) {
		const struct mk_kb_ipa_item *it = &kb->ipa_items[i];
		bool na = p->item_na != NULL && p->item_na[i];
		int points = p->item_points != NULL ? p->item_points[i] : 0;

		any_na |= na;
		mk_json_begin_object(j);
		mk_json_key(j, "no");
		mk_json_uint(j, it->no);
		mk_json_key(j, "part");
		mk_json_string(j, it->part < kb->n_ipa_parts ? kb->ipa_parts[it->part].id : NULL);
		mk_kb_json_text(j, "title", &it->title);
		mk_json_key(j, "points");
		mk_json_int(j, points);
		mk_json_key(j, "na");
		mk_json_bool(j, na);
		mk_kb_json_cm_ids(j, "countermeasures", kb, it->cms, it->n_cms);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	/* Items to go back and check: their points come from "don't know". */
	mk_json_key(j, "unknown");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_ipa_items; i++)
		if (p->item_points != NULL && !p->item_na[i] && p->item_points[i] == unknown_points)
			mk_json_uint(j, kb->ipa_items[i].no);
	mk_json_end_array(j);
	/* The sheet has no "not applicable": such items were counted as done. */
	mk_json_key(j, "na_counted_as_done");
	mk_json_bool(j, any_na);
	mk_json_end_object(j);
}

/* ---- the document ---- */

int mk_assess_json(FILE *f, const struct mk_assessment *as, const struct mk_answers *a)
{
	const struct mk_kb *kb = as->kb;
	struct mk_answers none = {0};
	struct mk_assess_ctx c;
	struct mk_json j;
	char err[160];
	bool *listed;

	if (a == NULL)
		a = &none;
	if (mk_assess_ctx_init(&c, kb, a, err, sizeof(err)) != 0)
		return -1;
	listed = calloc(kb->n_cms ? kb->n_cms : 1, sizeof(*listed));
	if (listed == NULL) {
		mk_assess_ctx_free(&c);
		return -1;
	}
	mk_json_init(&j, f, true);
	mk_json_begin_object(&j);
	mk_json_key(&j, "schema");
	mk_json_string(&j, "mieruka-assessment/1");
	mk_json_key(&j, "generated");
	mk_json_time(&j, as->at_ns);
	time_or_null(&j, "previous", as->previous_ns);

	mk_json_key(&j, "entry_points");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < kb->n_entries; i++)
		entry(&j, as, a, i);
	mk_json_end_array(&j);

	/* Suggestions that belong to no entry point (general measures). */
	mk_json_key(&j, "suggestions");
	mk_json_begin_array(&j);
	for (size_t k = 0; k < as->n_suggestions; k++)
		if (as->suggestions[k].entry >= kb->n_entries)
			suggestion(&j, as, &as->suggestions[k], a);
	mk_json_end_array(&j);

	mk_json_key(&j, "plan");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < as->n_plan; i++)
		plan_item(&j, as, &as->plan[i]);
	mk_json_end_array(&j);
	mk_json_key(&j, "done_since");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < as->n_done_since; i++) {
		const struct mk_kb_cm *cm = &kb->cms[as->done_since[i]];

		mk_json_begin_object(&j);
		mk_json_key(&j, "countermeasure");
		mk_json_string(&j, cm->id);
		mk_kb_json_text(&j, "title", &cm->title);
		mk_json_end_object(&j);
	}
	mk_json_end_array(&j);

	mk_json_key(&j, "checklists");
	mk_json_begin_object(&j);
	mk_json_key(&j, "meti");
	meti(&j, as);
	mk_json_key(&j, "ipa25");
	ipa(&j, as, kb->answers[c.ans_unknown].ipa);
	mk_json_end_object(&j);

	mk_json_key(&j, "bcp");
	mk_bcp_json(&j, as);

	/* The questions still "don't know" that count: "is it in use?" and the
	 * measures of entry points in use or not known to be unused. */
	mk_json_key(&j, "unknown_answers");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < kb->n_entries; i++) {
		const struct mk_kb_entry *e = &kb->entries[i];
		char key[96];

		if (c.applicable[i] < 0) {
			snprintf(key, sizeof(key), "use.%s", e->id);
			mk_json_string(&j, key);
		}
	}
	for (size_t i = 0; i < kb->n_entries; i++) {
		const struct mk_kb_entry *e = &kb->entries[i];

		if (c.applicable[i] == 0)
			continue;
		for (size_t k = 0; k < e->n_cms; k++) {
			size_t cm = e->cms[k];

			if (!listed[cm] && kb->answers[c.cm_ans[cm]].flag == MK_ANSWER_UNKNOWN) {
				listed[cm] = true;
				mk_json_string(&j, kb->cms[cm].id);
			}
		}
	}
	mk_json_end_array(&j);

	mk_json_key(&j, "answer_choices");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < kb->n_answers; i++) {
		const struct mk_kb_answer *an = &kb->answers[i];

		mk_json_begin_object(&j);
		mk_json_key(&j, "id");
		mk_json_string(&j, an->id);
		mk_kb_json_text(&j, "name", &an->name);
		mk_json_key(&j, "in_place");
		mk_json_bool(&j, mk_assess_in_place(&c, i));
		mk_json_end_object(&j);
	}
	mk_json_end_array(&j);

	mk_json_key(&j, "countermeasures");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < kb->n_cms; i++)
		countermeasure(&j, kb, a, i);
	mk_json_end_array(&j);

	mk_json_key(&j, "answers");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < a->n; i++) {
		const struct mk_answer *an = &a->v[i];

		mk_json_begin_object(&j);
		mk_json_key(&j, "key");
		mk_json_string(&j, an->key);
		mk_json_key(&j, "value");
		mk_json_string(&j, an->value);
		mk_json_key(&j, "note");
		mk_json_string(&j, an->note);
		mk_json_key(&j, "by");
		mk_json_string(&j, an->by);
		time_or_null(&j, "at", an->at_ns);
		mk_json_key(&j, "source");
		mk_json_string(&j, an->source == MK_SRC_FILE ? "file" : "person");
		mk_json_end_object(&j);
	}
	mk_json_end_array(&j);
	mk_json_end_object(&j);
	fputc('\n', f);
	free(listed);
	mk_assess_ctx_free(&c);
	return ferror(f) ? -1 : 0;
}

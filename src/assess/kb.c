/* kb.c - builds and validates the knowledge base (docs/ASSESSMENT.md).
 *
 * The stanzas of kb_parse.c become the typed struct mk_kb.  Everything a
 * later step relies on is checked here, once, with the file and line of the
 * stanza: enum values, numeric ranges, references between items, both
 * languages of every text, and the coverage issue 6 asks for (every entry
 * point has at least five countermeasures of its own covering all four
 * stages and all three types; every checklist item is filled by some
 * countermeasure).  Scoring and rendering then never meet a dangling id. */
#include <stdlib.h>
#include <string.h>

#include "assess/kb_int.h"

static const char *const risk_ids[MK_KB_RISKS] = {"stop", "leak", "tamper", "quality"};
static const char *const stage_ids[MK_KB_STAGES] = {"remove", "protect", "detect", "recover"};
static const char *const ctype_ids[MK_KB_CTYPES] = {"physical", "technical", "organizational"};
static const char *const cost_ids[MK_KB_COSTS] = {"free", "low", "medium", "high"};
static const char *const effort_ids[MK_KB_EFFORTS] = {"day", "month", "project"};
static const char *const answer_ids[] = {"reviewed", "documented", "done", "partial",
                                         "no",       "unknown",    "na"};
static const char *const flag_ids[] = {"none", "unknown", "na"};

const char *mk_kb_risk_id(unsigned r)
{
	return r < MK_KB_RISKS ? risk_ids[r] : "?";
}
const char *mk_kb_stage_id(unsigned s)
{
	return s < MK_KB_STAGES ? stage_ids[s] : "?";
}
const char *mk_kb_ctype_id(unsigned t)
{
	return t < MK_KB_CTYPES ? ctype_ids[t] : "?";
}
const char *mk_kb_cost_id(unsigned c)
{
	return c < MK_KB_COSTS ? cost_ids[c] : "?";
}
const char *mk_kb_effort_id(unsigned e)
{
	return e < MK_KB_EFFORTS ? effort_ids[e] : "?";
}

static const char *const core_kinds[] = {
	"source",      "risk",           "stage",         "ctype",     "cost",
	"effort",      "answer",         "scoring",       "band",      "entry_point",
	"countermeasure", "meti_category", "meti_item",   "meti_rank", "ipa_part",
	"ipa_item",    "ipa_band",
};

static bool core_kind(const char *k)
{
	for (size_t i = 0; i < sizeof(core_kinds) / sizeof(*core_kinds); i++)
		if (!strcmp(k, core_kinds[i]))
			return true;
	return false;
}

static size_t count_kind(const struct mk_kb_doc *doc, const char *kind)
{
	size_t n = 0;
	for (size_t i = 0; i < doc->n; i++)
		n += !strcmp(doc->v[i].kind, kind);
	return n;
}

#define EACH_KIND(doc, which, s)                                                                   \
	for (struct mk_kb_stanza *s = (doc)->v; s < (doc)->v + (doc)->n; s++)                      \
		if (!strcmp(s->kind, which))

static int oom(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of memory loading the knowledge base");
	return -1;
}

/* ---- lookups ---- */

const struct mk_kb_entry *mk_kb_entry_by_id(const struct mk_kb *kb, const char *id)
{
	for (size_t i = 0; i < kb->n_entries; i++)
		if (!strcmp(kb->entries[i].id, id))
			return &kb->entries[i];
	return NULL;
}
const struct mk_kb_cm *mk_kb_cm_by_id(const struct mk_kb *kb, const char *id)
{
	for (size_t i = 0; i < kb->n_cms; i++)
		if (!strcmp(kb->cms[i].id, id))
			return &kb->cms[i];
	return NULL;
}
const struct mk_kb_answer *mk_kb_answer_by_id(const struct mk_kb *kb, const char *id)
{
	for (size_t i = 0; i < kb->n_answers; i++)
		if (!strcmp(kb->answers[i].id, id))
			return &kb->answers[i];
	return NULL;
}
const struct mk_kb_source *mk_kb_source_by_id(const struct mk_kb *kb, const char *id)
{
	for (size_t i = 0; i < kb->n_sources; i++)
		if (!strcmp(kb->sources[i].id, id))
			return &kb->sources[i];
	return NULL;
}

/* ---- builders ---- */

static int build_sources(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	size_t n = count_kind(doc, "source");
	kb->sources = mk_kb_alloc(doc->arena, (n ? n : 1) * sizeof(*kb->sources));
	if (!kb->sources)
		return oom(err, errlen);
	EACH_KIND(doc, "source", s)
	{
		struct mk_kb_source *o = &kb->sources[kb->n_sources++];
		o->id = s->id;
		if (mk_kb_text(s, "title", true, &o->title, err, errlen))
			return -1;
		o->url = mk_kb_get(s, "url");
		o->published = mk_kb_get(s, "published");
		o->note = mk_kb_get(s, "note.en");
	}
	return 0;
}

static int build_levels(struct mk_kb_doc *doc, const char *kind, const char *const *ids, size_t n,
                        struct mk_kb_level *out, bool has_rank, bool has_csf, char *err,
                        size_t errlen)
{
	bool seen[8] = {false};
	EACH_KIND(doc, kind, s)
	{
		size_t k = 0;
		while (k < n && strcmp(ids[k], s->id))
			k++;
		if (k == n)
			return mk_kb_fail(s, err, errlen, "not a %s the program knows", kind);
		struct mk_kb_level *l = &out[k];
		l->id = ids[k];
		if (mk_kb_text(s, "name", true, &l->name, err, errlen))
			return -1;
		if (has_rank) {
			long r;
			if (mk_kb_int(s, "rank", 0, (long)n - 1, false, 0, &r, err, errlen))
				return -1;
			if ((size_t)r != k)
				return mk_kb_fail(s, err, errlen, "rank must be %zu (the order is fixed)", k);
		}
		if (has_csf && !(l->csf = mk_kb_get(s, "csf")))
			return mk_kb_fail(s, err, errlen, "missing csf");
		seen[k] = true;
	}
	for (size_t k = 0; k < n; k++)
		if (!seen[k]) {
			snprintf(err, errlen, "knowledge base: missing [%s %s]", kind, ids[k]);
			return -1;
		}
	return 0;
}

static int cmp_answer(const void *a, const void *b)
{
	const struct mk_kb_answer *x = a, *y = b;
	if (x->flag != y->flag)
		return (int)x->flag - (int)y->flag; /* plain answers, then unknown, then n/a */
	if (x->implemented != y->implemented)
		return y->implemented - x->implemented;
	return y->meti - x->meti;
}

static int build_answers(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	const size_t want = sizeof(answer_ids) / sizeof(*answer_ids);
	kb->answers = mk_kb_alloc(doc->arena, want * sizeof(*kb->answers));
	if (!kb->answers)
		return oom(err, errlen);
	EACH_KIND(doc, "answer", s)
	{
		size_t k = 0;
		while (k < want && strcmp(answer_ids[k], s->id))
			k++;
		if (k == want)
			return mk_kb_fail(s, err, errlen,
			                  "not an answer the program knows (reviewed, documented, done, "
			                  "partial, no, unknown, na)");
		struct mk_kb_answer *a = &kb->answers[kb->n_answers++];
		long v;
		a->id = answer_ids[k];
		if (mk_kb_text(s, "name", true, &a->name, err, errlen))
			return -1;
		if (mk_kb_int(s, "implemented", 0, 100, false, 0, &v, err, errlen))
			return -1;
		a->implemented = (int)v;
		if (mk_kb_int(s, "meti", 0, 100, false, 0, &v, err, errlen))
			return -1;
		a->meti = (int)v;
		if (mk_kb_int(s, "ipa", -1, 4, false, 0, &v, err, errlen))
			return -1;
		a->ipa = (int)v;
		int f = mk_kb_enum(s, "flag", flag_ids, 3, err, errlen);
		if (f < 0)
			return -1;
		a->flag = (enum mk_kb_answer_flag)f;
		bool must_unknown = !strcmp(a->id, "unknown"), must_na = !strcmp(a->id, "na");
		if ((a->flag == MK_ANSWER_UNKNOWN) != must_unknown || (a->flag == MK_ANSWER_NA) != must_na)
			return mk_kb_fail(s, err, errlen, "flag must be %s",
			                  must_unknown ? "unknown" : must_na ? "na" : "none");
	}
	for (size_t k = 0; k < want; k++)
		if (!mk_kb_answer_by_id(kb, answer_ids[k])) {
			snprintf(err, errlen, "knowledge base: missing [answer %s]", answer_ids[k]);
			return -1;
		}
	qsort(kb->answers, kb->n_answers, sizeof(*kb->answers), cmp_answer);
	return 0;
}

static int parse_row(struct mk_kb_stanza *s, struct mk_kb_arena *arena, const char *key, int *row,
                     char *err, size_t errlen)
{
	const char *items[MK_KB_MAX_LIST];
	size_t n;
	if (mk_kb_list(s, arena, key, items, &n, err, errlen))
		return -1;
	if (n != 3)
		return mk_kb_fail(s, err, errlen,
		                  "%s needs three numbers (vulnerability 3, 2, 1), got %zu", key, n);
	for (size_t i = 0; i < 3; i++) {
		if (strlen(items[i]) != 1 || items[i][0] < '1' || items[i][0] > '3')
			return mk_kb_fail(s, err, errlen, "%s: \"%s\" is not 1, 2 or 3", key, items[i]);
		row[3 - i] = items[i][0] - '0'; /* listed for vulnerability 3, 2, 1 */
	}
	return 0;
}

static int build_scoring(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	bool seen = false;
	EACH_KIND(doc, "scoring", s)
	{
		if (strcmp(s->id, "main"))
			return mk_kb_fail(s, err, errlen, "the only scoring stanza is [scoring main]");
		struct mk_kb_scoring *sc = &kb->scoring;
		for (int t = 1; t <= 3; t++) {
			char key[16];
			snprintf(key, sizeof(key), "damage.%d", t);
			if (!mk_kb_get(s, key))
				return mk_kb_fail(s, err, errlen, "missing %s", key);
			if (parse_row(s, doc->arena, key, sc->damage[t], err, errlen))
				return -1;
		}
		long v1, v2, m;
		if (mk_kb_int(s, "vulnerability.1", 1, 100, false, 0, &v1, err, errlen) ||
		    mk_kb_int(s, "vulnerability.2", 1, 100, false, 0, &v2, err, errlen) ||
		    mk_kb_int(s, "mitigation", 1, 100, false, 0, &m, err, errlen))
			return -1;
		if (v2 >= v1)
			return mk_kb_fail(s, err, errlen,
			                  "vulnerability.2 must be lower than vulnerability.1");
		sc->vulnerability1 = (int)v1;
		sc->vulnerability2 = (int)v2;
		sc->mitigation = (int)m;
		seen = true;
	}
	if (!seen) {
		snprintf(err, errlen, "knowledge base: missing [scoring main]");
		return -1;
	}
	return 0;
}

static int cmp_band(const void *a, const void *b)
{
	return ((const struct mk_kb_band *)b)->min - ((const struct mk_kb_band *)a)->min;
}

static int build_bands(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	size_t n = count_kind(doc, "band");
	kb->bands = mk_kb_alloc(doc->arena, (n ? n : 1) * sizeof(*kb->bands));
	if (!kb->bands)
		return oom(err, errlen);
	bool floor = false;
	EACH_KIND(doc, "band", s)
	{
		struct mk_kb_band *b = &kb->bands[kb->n_bands++];
		long v;
		b->id = s->id;
		if (mk_kb_int(s, "min", 1, 9, false, 0, &v, err, errlen))
			return -1;
		b->min = (int)v;
		floor |= v == 1;
		if (mk_kb_text(s, "name", true, &b->name, err, errlen) ||
		    mk_kb_text(s, "action", true, &b->action, err, errlen))
			return -1;
	}
	if (!floor) {
		snprintf(err, errlen, "knowledge base: no [band] with min: 1 (every score needs a band)");
		return -1;
	}
	qsort(kb->bands, kb->n_bands, sizeof(*kb->bands), cmp_band);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return (int)((const struct mk_kb_entry *)a)->order - (int)((const struct mk_kb_entry *)b)->order;
}

static int build_entries(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	size_t n = count_kind(doc, "entry_point");
	kb->entries = mk_kb_alloc(doc->arena, (n ? n : 1) * sizeof(*kb->entries));
	if (!kb->entries)
		return oom(err, errlen);
	EACH_KIND(doc, "entry_point", s)
	{
		struct mk_kb_entry *e = &kb->entries[kb->n_entries++];
		long v;
		e->id = s->id;
		if (mk_kb_int(s, "order", 1, 64, false, 0, &v, err, errlen))
			return -1;
		e->order = (unsigned)v;
		for (size_t i = 0; i + 1 < kb->n_entries; i++)
			if (kb->entries[i].order == e->order)
				return mk_kb_fail(s, err, errlen, "order %ld is also [entry_point %s]", v,
				                  kb->entries[i].id);
		if (mk_kb_text(s, "name", true, &e->name, err, errlen) ||
		    mk_kb_text(s, "alias", false, &e->alias, err, errlen) ||
		    mk_kb_text(s, "threat", true, &e->threat, err, errlen) ||
		    mk_kb_text(s, "question", true, &e->question, err, errlen) ||
		    mk_kb_text(s, "help", false, &e->help, err, errlen))
			return -1;
		if (mk_kb_int(s, "likelihood", 1, 3, false, 0, &v, err, errlen))
			return -1;
		e->likelihood = (int)v;
		bool any = false;
		for (int r = 0; r < MK_KB_RISKS; r++) {
			char key[32];
			snprintf(key, sizeof(key), "impact.%s", risk_ids[r]);
			if (mk_kb_int(s, key, 0, 3, false, 0, &v, err, errlen))
				return -1;
			e->impact[r] = (int)v;
			any |= v > 0;
		}
		if (!any)
			return mk_kb_fail(s, err, errlen, "every impact is 0: it leads to no risk");
		if (mk_kb_origin(s, doc->arena, kb, &e->origin, err, errlen))
			return -1;
	}
	qsort(kb->entries, kb->n_entries, sizeof(*kb->entries), cmp_entry);
	for (size_t i = 0; i < kb->n_entries; i++)
		if (kb->entries[i].order != i + 1) {
			snprintf(err, errlen, "knowledge base: entry point orders must be 1..%zu without gaps "
			         "(%s has %u)", kb->n_entries, kb->entries[i].id, kb->entries[i].order);
			return -1;
		}
	return 0;
}

static int cmp_rank(const void *a, const void *b)
{
	return ((const struct mk_kb_rank *)b)->min - ((const struct mk_kb_rank *)a)->min;
}

static int cmp_ipa(const void *a, const void *b)
{
	return (int)((const struct mk_kb_ipa_item *)a)->no - (int)((const struct mk_kb_ipa_item *)b)->no;
}

static int build_meti(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	size_t nc = count_kind(doc, "meti_category"), ni = count_kind(doc, "meti_item"),
	       nr = count_kind(doc, "meti_rank");
	kb->meti_categories = mk_kb_alloc(doc->arena, (nc ? nc : 1) * sizeof(*kb->meti_categories));
	kb->meti_items = mk_kb_alloc(doc->arena, (ni ? ni : 1) * sizeof(*kb->meti_items));
	kb->meti_ranks = mk_kb_alloc(doc->arena, (nr ? nr : 1) * sizeof(*kb->meti_ranks));
	if (!kb->meti_categories || !kb->meti_items || !kb->meti_ranks)
		return oom(err, errlen);
	EACH_KIND(doc, "meti_category", s)
	{
		struct mk_kb_meti_category *c = &kb->meti_categories[kb->n_meti_categories++];
		long v;
		c->id = s->id;
		if (mk_kb_int(s, "order", 1, 16, false, 0, &v, err, errlen))
			return -1;
		c->order = (unsigned)v;
		if (mk_kb_text(s, "name", true, &c->name, err, errlen))
			return -1;
		if (mk_kb_int(s, "weight", 0, 10, false, 0, &v, err, errlen))
			return -1;
		c->weight = (int)v;
	}
	EACH_KIND(doc, "meti_item", s)
	{
		struct mk_kb_meti_item *it = &kb->meti_items[kb->n_meti_items++];
		const char *cat;
		long v;
		it->id = s->id;
		if (mk_kb_need(s, "category", &cat, err, errlen))
			return -1;
		it->category = (size_t)-1;
		for (size_t k = 0; k < kb->n_meti_categories; k++)
			if (!strcmp(kb->meti_categories[k].id, cat))
				it->category = k;
		if (it->category == (size_t)-1)
			return mk_kb_fail(s, err, errlen, "category: no [meti_category %s]", cat);
		if (mk_kb_int(s, "priority", 1, 4, false, 0, &v, err, errlen))
			return -1;
		it->priority = (int)v;
		if (mk_kb_text(s, "title", true, &it->title, err, errlen) ||
		    mk_kb_origin(s, doc->arena, kb, &it->origin, err, errlen))
			return -1;
	}
	EACH_KIND(doc, "meti_rank", s)
	{
		struct mk_kb_rank *r = &kb->meti_ranks[kb->n_meti_ranks++];
		long v;
		r->id = s->id;
		if (mk_kb_int(s, "min", 0, 100, false, 0, &v, err, errlen))
			return -1;
		r->min = (int)v;
		if (mk_kb_text(s, "name", true, &r->name, err, errlen))
			return -1;
	}
	qsort(kb->meti_ranks, kb->n_meti_ranks, sizeof(*kb->meti_ranks), cmp_rank);
	return 0;
}

static int build_ipa(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	size_t np = count_kind(doc, "ipa_part"), ni = count_kind(doc, "ipa_item"),
	       nb = count_kind(doc, "ipa_band");
	kb->ipa_parts = mk_kb_alloc(doc->arena, (np ? np : 1) * sizeof(*kb->ipa_parts));
	kb->ipa_items = mk_kb_alloc(doc->arena, (ni ? ni : 1) * sizeof(*kb->ipa_items));
	kb->ipa_bands = mk_kb_alloc(doc->arena, (nb ? nb : 1) * sizeof(*kb->ipa_bands));
	if (!kb->ipa_parts || !kb->ipa_items || !kb->ipa_bands)
		return oom(err, errlen);
	EACH_KIND(doc, "ipa_part", s)
	{
		struct mk_kb_ipa_part *p = &kb->ipa_parts[kb->n_ipa_parts++];
		long v;
		p->id = s->id;
		if (mk_kb_int(s, "order", 1, 16, false, 0, &v, err, errlen))
			return -1;
		p->order = (unsigned)v;
		if (mk_kb_text(s, "name", true, &p->name, err, errlen))
			return -1;
	}
	EACH_KIND(doc, "ipa_item", s)
	{
		struct mk_kb_ipa_item *it = &kb->ipa_items[kb->n_ipa_items];
		unsigned long no;
		if (!mk_parse_ulong(s->id, 99, &no) || no == 0)
			return mk_kb_fail(s, err, errlen, "the id of an ipa_item is its number (1-99)");
		for (size_t k = 0; k < kb->n_ipa_items; k++)
			if (kb->ipa_items[k].no == no)
				return mk_kb_fail(s, err, errlen, "item %lu given twice", no);
		kb->n_ipa_items++;
		it->no = (unsigned)no;
		const char *part;
		if (mk_kb_need(s, "part", &part, err, errlen))
			return -1;
		it->part = (size_t)-1;
		for (size_t k = 0; k < kb->n_ipa_parts; k++)
			if (!strcmp(kb->ipa_parts[k].id, part))
				it->part = k;
		if (it->part == (size_t)-1)
			return mk_kb_fail(s, err, errlen, "part: no [ipa_part %s]", part);
		if (mk_kb_text(s, "title", true, &it->title, err, errlen) ||
		    mk_kb_origin(s, doc->arena, kb, &it->origin, err, errlen))
			return -1;
	}
	EACH_KIND(doc, "ipa_band", s)
	{
		struct mk_kb_rank *r = &kb->ipa_bands[kb->n_ipa_bands++];
		long v;
		r->id = s->id;
		if (mk_kb_int(s, "min", -25, 100, false, 0, &v, err, errlen))
			return -1;
		r->min = (int)v;
		if (mk_kb_text(s, "name", true, &r->name, err, errlen))
			return -1;
	}
	qsort(kb->ipa_bands, kb->n_ipa_bands, sizeof(*kb->ipa_bands), cmp_rank);
	qsort(kb->ipa_items, kb->n_ipa_items, sizeof(*kb->ipa_items), cmp_ipa);
	return 0;
}

static int build_cms(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	size_t n = count_kind(doc, "countermeasure");
	kb->cms = mk_kb_alloc(doc->arena, (n ? n : 1) * sizeof(*kb->cms));
	if (!kb->cms)
		return oom(err, errlen);
	EACH_KIND(doc, "countermeasure", s)
	{
		struct mk_kb_cm *c = &kb->cms[kb->n_cms++];
		const char *items[MK_KB_MAX_LIST];
		size_t ni;
		int k;
		long v;
		c->id = s->id;
		if (mk_kb_list(s, doc->arena, "entry_points", items, &ni, err, errlen))
			return -1;
		if (ni == 0)
			return mk_kb_fail(s, err, errlen, "missing entry_points (ids, or all)");
		if (ni == 1 && !strcmp(items[0], "all")) {
			c->all_entry_points = true;
			ni = kb->n_entries;
		}
		c->eps = mk_kb_alloc(doc->arena, (ni ? ni : 1) * sizeof(*c->eps));
		if (!c->eps)
			return oom(err, errlen);
		for (size_t i = 0; i < ni; i++) {
			if (c->all_entry_points) {
				c->eps[c->n_eps++] = i;
				continue;
			}
			const struct mk_kb_entry *e = mk_kb_entry_by_id(kb, items[i]);
			if (!e)
				return mk_kb_fail(s, err, errlen, "entry_points: no [entry_point %s]%s",
				                  items[i], !strcmp(items[i], "all") ? " (all stands alone)" : "");
			for (size_t j = 0; j < c->n_eps; j++)
				if (c->eps[j] == (size_t)(e - kb->entries))
					return mk_kb_fail(s, err, errlen, "entry_points: %s twice", items[i]);
			c->eps[c->n_eps++] = (size_t)(e - kb->entries);
		}
		if ((k = mk_kb_enum(s, "stage", stage_ids, MK_KB_STAGES, err, errlen)) < 0)
			return -1;
		c->stage = (enum mk_kb_stage)k;
		if (mk_kb_list(s, doc->arena, "type", items, &ni, err, errlen))
			return -1;
		if (ni == 0)
			return mk_kb_fail(s, err, errlen, "missing type");
		for (size_t i = 0; i < ni; i++) {
			size_t t = 0;
			while (t < MK_KB_CTYPES && strcmp(ctype_ids[t], items[i]))
				t++;
			if (t == MK_KB_CTYPES)
				return mk_kb_fail(s, err, errlen,
				                  "type: \"%s\" is not physical, technical or organizational",
				                  items[i]);
			c->types |= 1u << t;
		}
		if ((k = mk_kb_enum(s, "cost", cost_ids, MK_KB_COSTS, err, errlen)) < 0)
			return -1;
		c->cost = (enum mk_kb_cost)k;
		if ((k = mk_kb_enum(s, "effort", effort_ids, MK_KB_EFFORTS, err, errlen)) < 0)
			return -1;
		c->effort = (enum mk_kb_effort)k;
		if (mk_kb_int(s, "weight", 1, 5, true, 1, &v, err, errlen))
			return -1;
		c->weight = (int)v;
		if (mk_kb_text(s, "title", true, &c->title, err, errlen) ||
		    mk_kb_text(s, "question", true, &c->question, err, errlen) ||
		    mk_kb_text(s, "why", true, &c->why, err, errlen) ||
		    mk_kb_text(s, "how", true, &c->how, err, errlen) ||
		    mk_kb_text(s, "who", true, &c->who, err, errlen) ||
		    mk_kb_text(s, "check", true, &c->check, err, errlen))
			return -1;
		/* METI items by id */
		if (mk_kb_list(s, doc->arena, "meti", items, &ni, err, errlen))
			return -1;
		c->meti = mk_kb_alloc(doc->arena, (ni ? ni : 1) * sizeof(*c->meti));
		if (!c->meti)
			return oom(err, errlen);
		for (size_t i = 0; i < ni; i++) {
			bool found = false;
			for (size_t j = 0; j < kb->n_meti_items; j++)
				found |= !strcmp(kb->meti_items[j].id, items[i]);
			if (!found)
				return mk_kb_fail(s, err, errlen, "meti: no [meti_item %s]", items[i]);
			c->meti[c->n_meti++] = items[i];
		}
		/* IPA items by number */
		if (mk_kb_list(s, doc->arena, "ipa25", items, &ni, err, errlen))
			return -1;
		c->ipa25 = mk_kb_alloc(doc->arena, (ni ? ni : 1) * sizeof(*c->ipa25));
		if (!c->ipa25)
			return oom(err, errlen);
		for (size_t i = 0; i < ni; i++) {
			unsigned long no;
			bool found = false;
			if (mk_parse_ulong(items[i], 99, &no))
				for (size_t j = 0; j < kb->n_ipa_items; j++)
					found |= kb->ipa_items[j].no == no;
			if (!found)
				return mk_kb_fail(s, err, errlen, "ipa25: no [ipa_item %s]", items[i]);
			c->ipa25[c->n_ipa25++] = (unsigned)no;
		}
		if (mk_kb_list(s, doc->arena, "csf", items, &ni, err, errlen))
			return -1;
		if (ni == 0)
			return mk_kb_fail(s, err, errlen, "missing csf (NIST CSF categories, e.g. PR.AC)");
		c->csf = mk_kb_alloc(doc->arena, ni * sizeof(*c->csf));
		if (!c->csf)
			return oom(err, errlen);
		for (size_t i = 0; i < ni; i++) {
			const char *x = items[i];
			if (strlen(x) < 2 || x[0] < 'A' || x[0] > 'Z' || x[1] < 'A' || x[1] > 'Z')
				return mk_kb_fail(s, err, errlen, "csf: \"%s\" is not a CSF category", x);
			c->csf[c->n_csf++] = x;
		}
		if (mk_kb_list(s, doc->arena, "iec62443", items, &ni, err, errlen))
			return -1;
		c->iec62443 = mk_kb_alloc(doc->arena, (ni ? ni : 1) * sizeof(*c->iec62443));
		if (!c->iec62443)
			return oom(err, errlen);
		for (size_t i = 0; i < ni; i++)
			c->iec62443[c->n_iec62443++] = items[i];
		if (mk_kb_origin(s, doc->arena, kb, &c->origin, err, errlen))
			return -1;
	}
	return 0;
}

/* Each entry point's own and shared measures, each checklist item's measures,
 * and the coverage rules. */
static int link_and_check(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	for (size_t e = 0; e < kb->n_entries; e++) {
		struct mk_kb_entry *ep = &kb->entries[e];
		size_t n = 0, own = 0;
		unsigned stages = 0, types = 0;
		for (size_t c = 0; c < kb->n_cms; c++)
			for (size_t j = 0; j < kb->cms[c].n_eps; j++)
				if (kb->cms[c].eps[j] == e) {
					n++;
					if (!kb->cms[c].all_entry_points) {
						own++;
						stages |= 1u << kb->cms[c].stage;
						types |= kb->cms[c].types;
					}
				}
		ep->cms = mk_kb_alloc(doc->arena, (n ? n : 1) * sizeof(*ep->cms));
		if (!ep->cms)
			return oom(err, errlen);
		for (size_t c = 0; c < kb->n_cms; c++)
			for (size_t j = 0; j < kb->cms[c].n_eps; j++)
				if (kb->cms[c].eps[j] == e)
					ep->cms[ep->n_cms++] = c;
		const char *where = ep->origin.file;
		if (own < 5) {
			snprintf(err, errlen, "%s:%u: entry point %s has %zu countermeasures of its own; "
			         "at least 5 are needed", where, ep->origin.line, ep->id, own);
			return -1;
		}
		for (unsigned st = 0; st < MK_KB_STAGES; st++)
			if (!(stages & (1u << st))) {
				snprintf(err, errlen, "%s:%u: entry point %s has no countermeasure of stage %s",
				         where, ep->origin.line, ep->id, stage_ids[st]);
				return -1;
			}
		for (unsigned t = 0; t < MK_KB_CTYPES; t++)
			if (!(types & (1u << t))) {
				snprintf(err, errlen, "%s:%u: entry point %s has no countermeasure of type %s",
				         where, ep->origin.line, ep->id, ctype_ids[t]);
				return -1;
			}
	}
	for (size_t i = 0; i < kb->n_meti_items; i++) {
		struct mk_kb_meti_item *it = &kb->meti_items[i];
		size_t n = 0;
		for (size_t c = 0; c < kb->n_cms; c++)
			for (size_t j = 0; j < kb->cms[c].n_meti; j++)
				n += !strcmp(kb->cms[c].meti[j], it->id);
		if (n == 0) {
			snprintf(err, errlen, "%s:%u: METI item %s is filled by no countermeasure (meti: %s)",
			         it->origin.file, it->origin.line, it->id, it->id);
			return -1;
		}
		it->cms = mk_kb_alloc(doc->arena, n * sizeof(*it->cms));
		if (!it->cms)
			return oom(err, errlen);
		for (size_t c = 0; c < kb->n_cms; c++)
			for (size_t j = 0; j < kb->cms[c].n_meti; j++)
				if (!strcmp(kb->cms[c].meti[j], it->id))
					it->cms[it->n_cms++] = c;
	}
	for (size_t i = 0; i < kb->n_ipa_items; i++) {
		struct mk_kb_ipa_item *it = &kb->ipa_items[i];
		size_t n = 0;
		for (size_t c = 0; c < kb->n_cms; c++)
			for (size_t j = 0; j < kb->cms[c].n_ipa25; j++)
				n += kb->cms[c].ipa25[j] == it->no;
		if (n == 0) {
			snprintf(err, errlen, "%s:%u: IPA item %u is filled by no countermeasure (ipa25: %u)",
			         it->origin.file, it->origin.line, it->no, it->no);
			return -1;
		}
		it->cms = mk_kb_alloc(doc->arena, n * sizeof(*it->cms));
		if (!it->cms)
			return oom(err, errlen);
		for (size_t c = 0; c < kb->n_cms; c++)
			for (size_t j = 0; j < kb->cms[c].n_ipa25; j++)
				if (kb->cms[c].ipa25[j] == it->no)
					it->cms[it->n_cms++] = c;
	}
	if (kb->n_meti_items && (kb->n_meti_ranks == 0 || kb->meti_ranks[kb->n_meti_ranks - 1].min)) {
		snprintf(err, errlen, "knowledge base: METI items need [meti_rank]s, one with min: 0");
		return -1;
	}
	if (kb->n_ipa_items && (kb->n_ipa_bands == 0 || kb->ipa_bands[kb->n_ipa_bands - 1].min > -25)) {
		snprintf(err, errlen, "knowledge base: IPA items need [ipa_band]s, one with min: -25");
		return -1;
	}
	return 0;
}

static int check_kinds(struct mk_kb_doc *doc, char *err, size_t errlen)
{
	for (size_t i = 0; i < doc->n; i++) {
		struct mk_kb_stanza *s = &doc->v[i];
		if (!core_kind(s->kind) && !mk_ev_kind(s->kind) && !mk_bcp_kind(s->kind)) {
			snprintf(err, errlen, "%s:%u: unknown kind [%s ...]", s->file, (unsigned)s->line,
			         s->kind);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(doc->v[j].kind, s->kind) && !strcmp(doc->v[j].id, s->id)) {
				snprintf(err, errlen, "%s:%u: [%s %s] is already defined at %s:%u", s->file,
				         (unsigned)s->line, s->kind, s->id, doc->v[j].file,
				         (unsigned)doc->v[j].line);
				return -1;
			}
	}
	return 0;
}

int mk_kb_load(const char *dir, struct mk_kb **out, char *err, size_t errlen)
{
	char path[4096];
	*out = NULL;
	if (!dir) {
		if (!mk_data_path("kb", path, sizeof(path))) {
			snprintf(err, errlen, "the knowledge base (data/kb) was not found; set MIERUKA_DATA");
			return -1;
		}
		dir = path;
	}
	struct mk_kb_doc doc = {0};
	struct mk_kb *kb = calloc(1, sizeof(*kb));
	if (!kb)
		return oom(err, errlen);
	int rc = mk_kb_parse_dir(&doc, dir, err, errlen);
	kb->arena = doc.arena;
	if (rc == 0)
		rc = check_kinds(&doc, err, errlen);
	if (rc == 0)
		rc = build_sources(kb, &doc, err, errlen);
	if (rc == 0)
		rc = build_levels(&doc, "risk", risk_ids, MK_KB_RISKS, kb->risks, false, false, err,
		                  errlen);
	if (rc == 0)
		rc = build_levels(&doc, "stage", stage_ids, MK_KB_STAGES, kb->stages, false, true, err,
		                  errlen);
	if (rc == 0)
		rc = build_levels(&doc, "ctype", ctype_ids, MK_KB_CTYPES, kb->ctypes, false, false, err,
		                  errlen);
	if (rc == 0)
		rc = build_levels(&doc, "cost", cost_ids, MK_KB_COSTS, kb->costs, true, false, err,
		                  errlen);
	if (rc == 0)
		rc = build_levels(&doc, "effort", effort_ids, MK_KB_EFFORTS, kb->efforts, true, false,
		                  err, errlen);
	if (rc == 0)
		rc = build_answers(kb, &doc, err, errlen);
	if (rc == 0)
		rc = build_scoring(kb, &doc, err, errlen);
	if (rc == 0)
		rc = build_bands(kb, &doc, err, errlen);
	if (rc == 0)
		rc = build_entries(kb, &doc, err, errlen);
	if (rc == 0)
		rc = build_meti(kb, &doc, err, errlen);
	if (rc == 0)
		rc = build_ipa(kb, &doc, err, errlen);
	if (rc == 0)
		rc = build_cms(kb, &doc, err, errlen);
	if (rc == 0)
		rc = link_and_check(kb, &doc, err, errlen);
	if (rc == 0)
		rc = mk_ev_build(kb, &doc, err, errlen);
	if (rc == 0)
		rc = mk_bcp_tpl_build(kb, &doc, err, errlen);
	for (size_t i = 0; rc == 0 && i < doc.n; i++)
		rc = mk_kb_check_used(&doc.v[i], err, errlen);
	mk_kb_doc_free(&doc);
	if (rc) {
		mk_kb_free(kb);
		return -1;
	}
	*out = kb;
	return 0;
}

void mk_kb_free(struct mk_kb *kb)
{
	if (!kb)
		return;
	mk_ev_free(kb);
	mk_bcp_tpl_free(kb);
	mk_kb_arena_free(kb->arena);
	free(kb);
}

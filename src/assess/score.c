/* score.c - risk per entry point (docs/ASSESSMENT.md "Scoring").
 *
 * For each entry point in use (or not known to be unused, which is flagged)
 * and each risk it leads to: vulnerability 1-3 from how much of its
 * remove/protect measures are in place, likelihood from the damage table
 * (IPA SME guideline / Tokyo material: rows threat likelihood, columns
 * vulnerability), impact lowered by one when its detect/recover measures
 * reach the mitigation share, score = likelihood x impact, band from the
 * scoring data.  All numbers are the knowledge base's (data/kb/scoring.kb). */
#include "assess/engine_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- lookups ---- */

size_t mk_assess_find_entry(const struct mk_kb *kb, const char *id)
{
	const struct mk_kb_entry *e = mk_kb_entry_by_id(kb, id);

	return e != NULL ? (size_t)(e - kb->entries) : MK_NONE;
}

size_t mk_assess_find_cm(const struct mk_kb *kb, const char *id)
{
	const struct mk_kb_cm *cm = mk_kb_cm_by_id(kb, id);

	return cm != NULL ? (size_t)(cm - kb->cms) : MK_NONE;
}

size_t mk_assess_find_answer(const struct mk_kb *kb, const char *id)
{
	const struct mk_kb_answer *an = mk_kb_answer_by_id(kb, id);

	return an != NULL ? (size_t)(an - kb->answers) : MK_NONE;
}

size_t mk_assess_find_risk(const struct mk_kb *kb, const char *id)
{
	for (size_t i = 0; i < MK_KB_RISKS; i++)
		if (kb->risks[i].id != NULL && strcmp(kb->risks[i].id, id) == 0)
			return i;
	return MK_NONE;
}

/* ---- the context ---- */

static size_t find_flag(const struct mk_kb *kb, enum mk_kb_answer_flag flag)
{
	for (size_t i = 0; i < kb->n_answers; i++)
		if (kb->answers[i].flag == flag)
			return i;
	return MK_NONE;
}

int mk_assess_ctx_init(struct mk_assess_ctx *c, const struct mk_kb *kb,
                       const struct mk_answers *a, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->kb = kb;
	c->a = a;
	c->ans_unknown = find_flag(kb, MK_ANSWER_UNKNOWN);
	c->ans_na = find_flag(kb, MK_ANSWER_NA);
	c->ans_done = mk_assess_find_answer(kb, "done");
	c->ans_partial = mk_assess_find_answer(kb, "partial");
	c->ans_worst = MK_NONE;
	for (size_t i = 0; i < kb->n_answers; i++)
		if (kb->answers[i].flag == MK_ANSWER_PLAIN)
			c->ans_worst = i;
	if (c->ans_unknown == MK_NONE || c->ans_na == MK_NONE || c->ans_done == MK_NONE ||
	    c->ans_partial == MK_NONE || c->ans_worst == MK_NONE ||
	    kb->answers[c->ans_done].flag != MK_ANSWER_PLAIN ||
	    kb->answers[c->ans_partial].flag != MK_ANSWER_PLAIN) {
		snprintf(err, errlen, "the knowledge base's answers lack \"done\", \"partial\", a "
		                      "\"don't know\" answer or a \"not applicable\" one");
		return -1;
	}
	c->cm_ans = calloc(kb->n_cms ? kb->n_cms : 1, sizeof(*c->cm_ans));
	c->applicable = calloc(kb->n_entries ? kb->n_entries : 1, sizeof(*c->applicable));
	if (c->cm_ans == NULL || c->applicable == NULL) {
		mk_assess_ctx_free(c);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < kb->n_cms; i++) {
		const struct mk_answer *ans = mk_answers_get(a, kb->cms[i].id);
		size_t k = ans != NULL ? mk_assess_find_answer(kb, ans->value) : MK_NONE;

		c->cm_ans[i] = k != MK_NONE ? k : c->ans_unknown;
	}
	for (size_t i = 0; i < kb->n_entries; i++) {
		char key[96];
		const struct mk_answer *ans;

		snprintf(key, sizeof(key), "use.%s", kb->entries[i].id);
		ans = mk_answers_get(a, key);
		c->applicable[i] = ans == NULL                     ? -1
		                   : strcmp(ans->value, "yes") == 0 ? 1
		                   : strcmp(ans->value, "no") == 0  ? 0
		                                                    : -1;
	}
	return 0;
}

void mk_assess_ctx_free(struct mk_assess_ctx *c)
{
	free(c->cm_ans);
	free(c->applicable);
	c->cm_ans = NULL;
	c->applicable = NULL;
}

bool mk_assess_in_place(const struct mk_assess_ctx *c, size_t answer)
{
	return answer < c->kb->n_answers && c->kb->answers[answer].flag == MK_ANSWER_PLAIN &&
	       answer <= c->ans_done;
}

/* ---- one entry point ---- */

/* An override answer "likelihood.EP" / "impact.EP.RISK", or -1. */
static int level_override(const struct mk_answers *a, const char *key, int max)
{
	const struct mk_answer *ans = mk_answers_get(a, key);
	unsigned long v;

	if (ans == NULL || !mk_parse_ulong(ans->value, (unsigned long)max, &v))
		return -1;
	return (int)v;
}

static size_t band_of(const struct mk_kb *kb, int score)
{
	for (size_t i = 0; i < kb->n_bands; i++)
		if (score >= kb->bands[i].min)
			return i;
	return kb->n_bands ? kb->n_bands - 1 : 0;
}

/* x / w as a whole percentage, rounded down (so "pct >= T" holds exactly
 * when x >= T * w). */
static int pct(long x, long w)
{
	return w > 0 ? (int)(x / w) : 0;
}

void mk_assess_score_entry(const struct mk_assess_ctx *c, size_t entry,
                           struct mk_entry_result *out)
{
	const struct mk_kb *kb = c->kb;
	const struct mk_kb_entry *e = &kb->entries[entry];
	const struct mk_kb_scoring *sc = &kb->scoring;
	long pw = 0, px = 0, mw = 0, mx = 0; /* weights and weighted % in place */
	char key[128];
	int t, vul;
	bool mitigated;

	memset(out, 0, sizeof(*out));
	out->entry = entry;
	out->applicable = c->applicable[entry];
	snprintf(key, sizeof(key), "likelihood.%s", e->id);
	t = level_override(c->a, key, 3);
	out->threat = t >= 1 ? t : e->likelihood;
	if (out->threat < 1 || out->threat > 3)
		out->threat = 3; /* the loader keeps 1..3; the worst otherwise */

	for (size_t i = 0; i < e->n_cms; i++) {
		const struct mk_kb_cm *cm = &kb->cms[e->cms[i]];
		const struct mk_kb_answer *ans = &kb->answers[c->cm_ans[e->cms[i]]];
		long w = cm->weight > 0 ? cm->weight : 1;
		long impl = ans->flag == MK_ANSWER_PLAIN ? ans->implemented : 0;

		if (ans->flag == MK_ANSWER_UNKNOWN)
			out->n_unknown++; /* a gap, counted as nothing in place */
		if (ans->flag == MK_ANSWER_NA)
			continue;
		if (cm->stage == MK_STAGE_REMOVE || cm->stage == MK_STAGE_PROTECT) {
			pw += w;
			px += w * impl;
		} else {
			mw += w;
			mx += w * impl;
		}
	}
	/* No protective measure that applies counts as none in place. */
	out->protected_pct = pct(px, pw);
	out->mitigated_pct = pct(mx, mw);
	vul = pw > 0 && px >= (long)sc->vulnerability1 * pw   ? 1
	      : pw > 0 && px >= (long)sc->vulnerability2 * pw ? 2
	                                                      : 3;
	out->vulnerability = vul;
	mitigated = mw > 0 && mx >= (long)sc->mitigation * mw;
	if (out->applicable == 0)
		return;

	for (unsigned r = 0; r < MK_KB_RISKS; r++) {
		struct mk_risk_result *rr;
		int imp;

		snprintf(key, sizeof(key), "impact.%s.%s", e->id,
		         kb->risks[r].id != NULL ? kb->risks[r].id : "");
		imp = level_override(c->a, key, 3);
		if (imp < 0)
			imp = e->impact[r];
		if (imp <= 0)
			continue;
		if (imp > 3)
			imp = 3;
		if (mitigated && imp > 1)
			imp--;
		rr = &out->risks[out->n_risks++];
		rr->risk = (enum mk_kb_risk)r;
		rr->likelihood = sc->damage[out->threat][vul];
		rr->impact = imp;
		rr->score = rr->likelihood * rr->impact;
		rr->band = band_of(kb, rr->score);
		if (rr->score > out->max_score)
			out->max_score = rr->score;
	}
}

int mk_assess_entry_total(const struct mk_entry_result *r)
{
	int sum = 0;

	for (size_t i = 0; i < r->n_risks; i++)
		sum += r->risks[i].score;
	return sum;
}

/* ---- the whole ---- */

int mk_assess_score(struct mk_assessment *as, const struct mk_answers *a)
{
	const struct mk_kb *kb = as->kb;
	struct mk_assess_ctx c;
	char err[160];
	bool *counted = NULL;

	if (mk_assess_ctx_init(&c, kb, a, err, sizeof(err)) != 0)
		return -1;
	if (as->entries == NULL) {
		as->entries = calloc(kb->n_entries ? kb->n_entries : 1, sizeof(*as->entries));
		if (as->entries == NULL)
			goto fail;
	}
	counted = calloc(kb->n_cms ? kb->n_cms : 1, sizeof(*counted));
	if (counted == NULL)
		goto fail;
	as->n_unknown = 0;
	for (size_t i = 0; i < kb->n_entries; i++) {
		const struct mk_kb_entry *e = &kb->entries[i];

		mk_assess_score_entry(&c, i, &as->entries[i]);
		if (as->entries[i].applicable < 0)
			as->n_unknown++; /* "is it in use?" not answered */
		if (as->entries[i].applicable == 0)
			continue;
		/* Its measures still "don't know", each counted once. */
		for (size_t k = 0; k < e->n_cms; k++) {
			size_t cm = e->cms[k];

			if (!counted[cm] && kb->answers[c.cm_ans[cm]].flag == MK_ANSWER_UNKNOWN) {
				counted[cm] = true;
				as->n_unknown++;
			}
		}
	}
	free(counted);
	mk_assess_ctx_free(&c);
	return 0;
fail:
	free(counted);
	mk_assess_ctx_free(&c);
	return -1;
}

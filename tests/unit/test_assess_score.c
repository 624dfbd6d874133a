/* test_assess_score.c - the scoring tables of docs/ASSESSMENT.md "Scoring"
 * (src/assess/score.c) on a hand-made knowledge base with the scales of
 * data/kb/scoring.kb: every cell of the damage table, the vulnerability
 * thresholds at their boundaries (80 % and 30 %, weighted), the mitigation
 * threshold (50 %), the bands at 1/2/3/4/6/9, the likelihood and impact
 * overrides, "don't know" counted as a gap and flagged, "not applicable"
 * left out, and entry points not in use excluded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/engine_int.h"
#include "support/assess_fixture.h"

#define T0 1700000000000000000ull

static void set(struct mk_answers *a, const struct mk_kb *kb, const char *key, const char *value)
{
	char err[512] = "";

	if (mk_answers_set(a, kb, key, value, NULL, NULL, T0, MK_SRC_PERSON, err, sizeof(err)) != 0)
		fail_msg("set %s=%s: %s", key, value, err);
}

/* Scores entry point ep alone. */
static struct mk_entry_result score(const struct mk_kb *kb, const struct mk_answers *a,
                                    size_t ep)
{
	struct mk_assess_ctx c;
	struct mk_entry_result r;
	char err[256];

	assert_int_equal(mk_assess_ctx_init(&c, kb, a, err, sizeof(err)), 0);
	mk_assess_score_entry(&c, ep, &r);
	mk_assess_ctx_free(&c);
	return r;
}

/* One entry point "ep" (threat likelihood 3, impact: stop 1 only) with one
 * protective measure "ep.p" and one detecting measure "ep.d". */
static struct mk_kb *one_entry(void)
{
	struct mk_kb *kb = fx_kb_new();

	fx_entry(kb, "ep", 3, 1, 0, 0, 0);
	fx_cm(kb, "ep.p", "ep", MK_STAGE_PROTECT, MK_COST_FREE, MK_EFFORT_DAY, 1);
	fx_cm(kb, "ep.d", "ep", MK_STAGE_DETECT, MK_COST_FREE, MK_EFFORT_DAY, 1);
	fx_kb_finish(kb);
	return kb;
}

/* The damage table, rows threat likelihood 3..1, columns vulnerability
 * 3..1 (knowledge-base.md, the IPA SME / Tokyo table):
 *   threat 3: 3 2 1;  threat 2: 2 1 1;  threat 1: 1 1 1.
 * Vulnerability comes from the protective measure's answer: no (0 %) -> 3,
 * partial (50 %) -> 2, done (100 %) -> 1; the threat from likelihood.ep. */
static void test_damage_table(void **state)
{
	static const int want[4][4] = {{0}, {0, 1, 1, 1}, {0, 1, 1, 2}, {0, 1, 2, 3}};
	static const char *const by_vul[4] = {NULL, "done", "partial", "no"};
	struct mk_kb *kb = one_entry();

	(void)state;
	for (int t = 1; t <= 3; t++)
		for (int v = 1; v <= 3; v++) {
			struct mk_answers a = {0};
			struct mk_entry_result r;
			char tv[2] = {(char)('0' + t), 0};

			set(&a, kb, "use.ep", "yes");
			set(&a, kb, "likelihood.ep", tv);
			set(&a, kb, "ep.p", by_vul[v]);
			set(&a, kb, "ep.d", "no");
			r = score(kb, &a, 0);
			assert_int_equal(r.threat, t);
			assert_int_equal(r.vulnerability, v);
			assert_int_equal(r.n_risks, 1);
			assert_int_equal(r.risks[0].risk, MK_RISK_STOP);
			assert_int_equal(r.risks[0].likelihood, want[t][v]);
			assert_int_equal(r.risks[0].impact, 1);
			assert_int_equal(r.risks[0].score, want[t][v]);
			mk_answers_free(&a);
		}
	fx_kb_free(kb);
}

/* Vulnerability 1 from 80 % in place, 2 from 30 %: the boundaries, with the
 * "partial" answer's share changed in the knowledge base. */
static void test_vulnerability_boundaries(void **state)
{
	static const struct {
		int implemented, vul;
	} cases[] = {{100, 1}, {80, 1}, {79, 2}, {31, 2}, {30, 2}, {29, 3}, {0, 3}};
	struct mk_kb *kb = one_entry();
	size_t partial = mk_assess_find_answer(kb, "partial");

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mk_answers a = {0};
		struct mk_entry_result r;

		kb->answers[partial].implemented = cases[i].implemented;
		set(&a, kb, "use.ep", "yes");
		set(&a, kb, "ep.p", "partial");
		r = score(kb, &a, 0);
		assert_int_equal(r.protected_pct, cases[i].implemented);
		if (r.vulnerability != cases[i].vul)
			fail_msg("%d %%: vulnerability %d, want %d", cases[i].implemented,
			         r.vulnerability, cases[i].vul);
		mk_answers_free(&a);
	}
	fx_kb_free(kb);
}

/* The mean is weighted, and compared exactly (no rounding up). */
static void test_vulnerability_weighted(void **state)
{
	struct mk_kb *kb = fx_kb_new();
	size_t partial;
	struct mk_answers a = {0};
	struct mk_entry_result r;

	(void)state;
	fx_entry(kb, "ep", 3, 3, 0, 0, 0);
	fx_cm(kb, "ep.big", "ep", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 4);
	fx_cm(kb, "ep.small", "ep", MK_STAGE_REMOVE, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "ep.na", "ep", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 5);
	fx_kb_finish(kb);
	partial = mk_assess_find_answer(kb, "partial");
	set(&a, kb, "use.ep", "yes");
	/* (4 x 100 + 1 x 0) / 5 = 80 % -> 1; the n/a measure (weight 5) is left out */
	set(&a, kb, "ep.big", "done");
	set(&a, kb, "ep.small", "no");
	set(&a, kb, "ep.na", "na");
	r = score(kb, &a, 0);
	assert_int_equal(r.protected_pct, 80);
	assert_int_equal(r.vulnerability, 1);
	/* (1 x 100 + 4 x 0) / 5 = 20 % -> 3 */
	set(&a, kb, "ep.big", "no");
	set(&a, kb, "ep.small", "done");
	r = score(kb, &a, 0);
	assert_int_equal(r.protected_pct, 20);
	assert_int_equal(r.vulnerability, 3);
	/* (4 x 74 + 1 x 100) / 5 = 79.2 % -> 2 (shown as 79) */
	kb->answers[partial].implemented = 74;
	set(&a, kb, "ep.big", "partial");
	r = score(kb, &a, 0);
	assert_int_equal(r.protected_pct, 79);
	assert_int_equal(r.vulnerability, 2);
	/* (4 x 75 + 1 x 100) / 5 = 80 % exactly -> 1 */
	kb->answers[partial].implemented = 75;
	r = score(kb, &a, 0);
	assert_int_equal(r.protected_pct, 80);
	assert_int_equal(r.vulnerability, 1);
	/* Every protective measure "not applicable": none in place -> 3. */
	set(&a, kb, "ep.big", "na");
	set(&a, kb, "ep.small", "na");
	r = score(kb, &a, 0);
	assert_int_equal(r.protected_pct, 0);
	assert_int_equal(r.vulnerability, 3);
	mk_answers_free(&a);
	fx_kb_free(kb);
}

/* Detect/recover measures at 50 % lower every impact by one, not below 1. */
static void test_mitigation(void **state)
{
	struct mk_kb *kb = fx_kb_new();
	size_t partial;
	struct mk_answers a = {0};
	struct mk_entry_result r;

	(void)state;
	fx_entry(kb, "ep", 3, 3, 1, 2, 0);
	fx_cm(kb, "ep.p", "ep", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "ep.d", "ep", MK_STAGE_DETECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "ep.r", "ep", MK_STAGE_RECOVER, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_kb_finish(kb);
	partial = mk_assess_find_answer(kb, "partial");
	set(&a, kb, "use.ep", "yes");
	set(&a, kb, "ep.p", "no");
	/* detect done, recover no: 50 % -> lowered */
	set(&a, kb, "ep.d", "done");
	set(&a, kb, "ep.r", "no");
	r = score(kb, &a, 0);
	assert_int_equal(r.mitigated_pct, 50);
	assert_int_equal(r.n_risks, 3);
	assert_int_equal(r.risks[0].risk, MK_RISK_STOP);
	assert_int_equal(r.risks[0].impact, 2);   /* 3 - 1 */
	assert_int_equal(r.risks[0].score, 6);    /* 3 x 2 */
	assert_int_equal(r.risks[1].risk, MK_RISK_LEAK);
	assert_int_equal(r.risks[1].impact, 1);   /* 1 stays 1 */
	assert_int_equal(r.risks[2].risk, MK_RISK_TAMPER);
	assert_int_equal(r.risks[2].impact, 1);   /* 2 - 1 */
	/* both partial at 49 %: not lowered */
	kb->answers[partial].implemented = 49;
	set(&a, kb, "ep.d", "partial");
	set(&a, kb, "ep.r", "partial");
	r = score(kb, &a, 0);
	assert_int_equal(r.mitigated_pct, 49);
	assert_int_equal(r.risks[0].impact, 3);
	assert_int_equal(r.risks[0].score, 9);
	assert_int_equal(r.risks[2].impact, 2);
	mk_answers_free(&a);
	fx_kb_free(kb);
}

/* Scores 1, 2, 3, 4, 6, 9 and their bands (low from 1, medium from 3, high
 * from 6): likelihood from the threat override and the vulnerability,
 * impact from the impact override. */
static void test_bands(void **state)
{
	static const struct {
		const char *threat, *p, *impact;
		int score;
		const char *band;
	} cases[] = {
	    {"1", "no", "1", 1, "low"},        /* 1 x 1 */
	    {"3", "partial", "1", 2, "low"},   /* 2 x 1 */
	    {"3", "no", "1", 3, "medium"},     /* 3 x 1 */
	    {"3", "partial", "2", 4, "medium"}, /* 2 x 2 */
	    {"3", "no", "2", 6, "high"},       /* 3 x 2 */
	    {"3", "no", "3", 9, "high"},       /* 3 x 3 */
	};
	struct mk_kb *kb = one_entry();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mk_answers a = {0};
		struct mk_entry_result r;

		set(&a, kb, "use.ep", "yes");
		set(&a, kb, "likelihood.ep", cases[i].threat);
		set(&a, kb, "ep.p", cases[i].p);
		set(&a, kb, "ep.d", "no");
		set(&a, kb, "impact.ep.stop", cases[i].impact);
		r = score(kb, &a, 0);
		assert_int_equal(r.n_risks, 1);
		assert_int_equal(r.risks[0].score, cases[i].score);
		assert_string_equal(kb->bands[r.risks[0].band].id, cases[i].band);
		assert_int_equal(r.max_score, cases[i].score);
		mk_answers_free(&a);
	}
	fx_kb_free(kb);
}

/* likelihood.EP replaces the entry point's threat likelihood; impact.EP.RISK
 * its impact, 0 removing the risk, and a risk with impact 0 in the data
 * appearing when the person gives it one. */
static void test_overrides(void **state)
{
	struct mk_kb *kb = fx_kb_new();
	struct mk_answers a = {0};
	struct mk_entry_result r;

	(void)state;
	fx_entry(kb, "ep", 3, 2, 3, 0, 1);
	fx_cm(kb, "ep.p", "ep", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_kb_finish(kb);
	set(&a, kb, "use.ep", "yes");
	set(&a, kb, "ep.p", "no");
	r = score(kb, &a, 0);
	assert_int_equal(r.threat, 3);
	assert_int_equal(r.n_risks, 3); /* stop 2, leak 3, quality 1 */
	assert_int_equal(r.risks[0].score, 6);
	assert_int_equal(r.risks[1].score, 9);
	assert_int_equal(r.risks[2].risk, MK_RISK_QUALITY);
	assert_int_equal(r.risks[2].score, 3);
	assert_int_equal(r.max_score, 9);

	set(&a, kb, "likelihood.ep", "2");  /* damage[2][3] = 2 */
	set(&a, kb, "impact.ep.leak", "0"); /* not a risk here */
	set(&a, kb, "impact.ep.tamper", "3");
	set(&a, kb, "impact.ep.stop", "1");
	r = score(kb, &a, 0);
	assert_int_equal(r.threat, 2);
	assert_int_equal(r.n_risks, 3);
	assert_int_equal(r.risks[0].risk, MK_RISK_STOP);
	assert_int_equal(r.risks[0].likelihood, 2);
	assert_int_equal(r.risks[0].score, 2);
	assert_int_equal(r.risks[1].risk, MK_RISK_TAMPER);
	assert_int_equal(r.risks[1].score, 6);
	assert_int_equal(r.risks[2].risk, MK_RISK_QUALITY);
	assert_int_equal(r.risks[2].score, 2);
	assert_int_equal(r.max_score, 6);
	mk_answers_free(&a);
	fx_kb_free(kb);
}

/* "Don't know" (or no answer) counts as nothing in place and is counted;
 * an entry point not known to be unused is scored and flagged; one not in
 * use has no risks, and its measures' unknowns do not count; measures for
 * every entry point count in each. */
static void test_unknown_and_not_applicable(void **state)
{
	struct mk_kb *kb = fx_kb_new();
	struct mk_answers a = {0};
	struct mk_assessment *as = NULL;
	char err[256] = "";

	(void)state;
	fx_entry(kb, "a", 3, 3, 0, 0, 0);
	fx_entry(kb, "b", 3, 3, 0, 0, 0);
	fx_entry(kb, "c", 3, 3, 0, 0, 0);
	fx_cm(kb, "a.p", "a", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "a.q", "a", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "b.p", "b", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "c.p", "c", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "g.all", "all", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_kb_finish(kb);
	set(&a, kb, "use.a", "yes");
	set(&a, kb, "use.b", "no");
	/* use.c not answered: scored, flagged */
	set(&a, kb, "a.p", "done");
	set(&a, kb, "a.q", "unknown");  /* a gap */
	set(&a, kb, "g.all", "done");
	/* b.p, c.p unanswered */
	assert_int_equal(mk_assess_run(kb, &a, NULL, NULL, T0, &as, err, sizeof(err)), 0);

	/* a: a.p 100, a.q unknown = 0, g.all 100: 66 % -> 2 */
	assert_int_equal(as->entries[0].applicable, 1);
	assert_int_equal(as->entries[0].protected_pct, 66);
	assert_int_equal(as->entries[0].vulnerability, 2);
	assert_int_equal(as->entries[0].n_unknown, 1);
	assert_int_equal(as->entries[0].max_score, 6);
	/* b: not in use */
	assert_int_equal(as->entries[1].applicable, 0);
	assert_int_equal(as->entries[1].n_risks, 0);
	assert_int_equal(as->entries[1].max_score, 0);
	/* c: not known, scored: c.p 0, g.all 100 -> 50 % -> 2 */
	assert_int_equal(as->entries[2].applicable, -1);
	assert_int_equal(as->entries[2].n_risks, 1);
	assert_int_equal(as->entries[2].vulnerability, 2);
	assert_int_equal(as->entries[2].max_score, 6);
	assert_int_equal(as->entries[2].n_unknown, 1);
	/* unknowns: use.c, a.q, c.p (b.p does not count: b is not in use) */
	assert_int_equal(as->n_unknown, 3);
	mk_assess_free(as);

	/* An answer id the knowledge base no longer has (an older database)
	 * counts as "don't know". */
	{
		struct mk_assess_ctx c;
		struct mk_answer *an = (struct mk_answer *)mk_answers_get(&a, "a.p");

		free(an->value);
		an->value = strdup("perhaps");
		assert_int_equal(mk_assess_ctx_init(&c, kb, &a, err, sizeof(err)), 0);
		assert_string_equal(kb->answers[c.cm_ans[0]].id, "unknown");
		mk_assess_ctx_free(&c);
	}
	mk_answers_free(&a);
	fx_kb_free(kb);
}

/* A knowledge base without "done" or a "don't know" answer is refused with
 * a message, not scored with made-up values. */
static void test_kb_without_answers(void **state)
{
	struct mk_kb *kb = one_entry();
	struct mk_assessment *as = NULL;
	char err[256] = "";

	(void)state;
	kb->answers[5].flag = MK_ANSWER_PLAIN; /* "unknown" no longer flagged */
	assert_int_equal(mk_assess_run(kb, NULL, NULL, NULL, T0, &as, err, sizeof(err)), -1);
	assert_null(as);
	assert_non_null(strstr(err, "don't know"));
	fx_kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_damage_table),
	    cmocka_unit_test(test_vulnerability_boundaries),
	    cmocka_unit_test(test_vulnerability_weighted),
	    cmocka_unit_test(test_mitigation),
	    cmocka_unit_test(test_bands),
	    cmocka_unit_test(test_overrides),
	    cmocka_unit_test(test_unknown_and_not_applicable),
	    cmocka_unit_test(test_kb_without_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_assess_checklist.c - the METI and IPA 25 checklist views
 * (docs/ASSESSMENT.md "Checklist views"; src/assess/checklist.c) on worked
 * examples computed by hand: an item's answer combined from its measures
 * (all in place: the lowest; some: partial; none but unknown: unknown,
 * flagged; all n/a, or of entry points not in use: not applicable), category
 * scores with unknown counted as "no", the half-N/A rule,
 * the weighted total rounded up, the rank; IPA points, total, band, "don't
 * know" as -1 and listed, all-n/a items counted as done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
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

static const char *answer_of(const struct mk_assessment *as, size_t item)
{
	int k = as->meti.item_answer[item];

	return k >= 0 ? as->kb->answers[k].id : "(none)";
}

/* Measures m.a .. m.m of one entry point, named by METI items:
 *
 * organizational (weight 3):
 *   1-1 prio 4: m.a done (60)
 *   1-2 prio 2: m.b documented (80), m.c partial (40)  -> lowest: partial 40
 *   1-3 prio 4: m.d unknown -> unknown, flagged, counted as "no" (20)
 *   score = (4x60 + 2x40 + 4x20) / (4+2+4) = 400 / 10 = 40.0
 * operational (weight 3):
 *   2-1 prio 3: m.e reviewed (90)
 *   2-2 prio 1: m.f na                                  -> not applicable
 *   2-3 prio 2: m.g na, m.h no                          -> no 20 (n/a left out)
 *   1 of 3 not applicable (< half): score = (3x90 + 2x20) / (3+2) = 310 / 5 = 62.0
 * technical (weight 3):
 *   3-1 prio 4: m.i na;  3-2 prio 4: m.j na;  3-3 prio 2: m.k done;  3-4 prio 3: m.l partial
 *   2 of 4 not applicable (half): no score
 * supply chain (weight 1):
 *   4-1 prio 2: m.m documented (80): score 80.0
 * total = ceil((3x40 + 3x62 + 1x80) / (3+3+1)) = ceil(386 / 7 = 55.14) = 56 -> rank C (>= 40)
 */
static struct mk_kb *meti_kb(void)
{
	static const char *const cms[] = {"m.a", "m.b", "m.c", "m.d", "m.e", "m.f", "m.g",
	                                  "m.h", "m.i", "m.j", "m.k", "m.l", "m.m"};
	struct mk_kb *kb = fx_kb_new();
	size_t org, ops, tech, sc;

	fx_entry(kb, "x", 3, 3, 0, 0, 0);
	for (size_t i = 0; i < sizeof(cms) / sizeof(cms[0]); i++)
		fx_cm(kb, cms[i], "x", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_kb_finish(kb);
	org = fx_meti_category(kb, "org", 3);
	ops = fx_meti_category(kb, "ops", 3);
	tech = fx_meti_category(kb, "tech", 3);
	sc = fx_meti_category(kb, "sc", 1);
	fx_meti_item(kb, "1-1", org, 4, "m.a");
	fx_meti_item(kb, "1-2", org, 2, "m.b,m.c");
	fx_meti_item(kb, "1-3", org, 4, "m.d");
	fx_meti_item(kb, "2-1", ops, 3, "m.e");
	fx_meti_item(kb, "2-2", ops, 1, "m.f");
	fx_meti_item(kb, "2-3", ops, 2, "m.g,m.h");
	fx_meti_item(kb, "3-1", tech, 4, "m.i");
	fx_meti_item(kb, "3-2", tech, 4, "m.j");
	fx_meti_item(kb, "3-3", tech, 2, "m.k");
	fx_meti_item(kb, "3-4", tech, 3, "m.l");
	fx_meti_item(kb, "4-1", sc, 2, "m.m");
	fx_meti_rank(kb, "A", 80);
	fx_meti_rank(kb, "B", 60);
	fx_meti_rank(kb, "C", 40);
	fx_meti_rank(kb, "D", 0);
	return kb;
}

static void meti_answers(struct mk_answers *a, const struct mk_kb *kb)
{
	set(a, kb, "use.x", "yes");
	set(a, kb, "m.a", "done");
	set(a, kb, "m.b", "documented");
	set(a, kb, "m.c", "partial");
	set(a, kb, "m.d", "unknown");
	set(a, kb, "m.e", "reviewed");
	set(a, kb, "m.f", "na");
	set(a, kb, "m.g", "na");
	set(a, kb, "m.h", "no");
	set(a, kb, "m.i", "na");
	set(a, kb, "m.j", "na");
	set(a, kb, "m.k", "done");
	set(a, kb, "m.l", "partial");
	set(a, kb, "m.m", "documented");
}

static struct mk_assessment *run(const struct mk_kb *kb, const struct mk_answers *a)
{
	struct mk_assessment *as = NULL;
	char err[256] = "";

	if (mk_assess_run(kb, a, NULL, NULL, T0, &as, err, sizeof(err)) != 0)
		fail_msg("run: %s", err);
	return as;
}

static void test_meti_worked_example(void **state)
{
	static const char *const want_answer[] = {"done", "partial", "unknown", "reviewed", "na", "no",
	                                          "na",   "na",      "done", "partial", "documented"};
	static const bool want_flag[] = {false, false, true,  false, false, false,
	                                 false, false, false, false, false};
	struct mk_kb *kb = meti_kb();
	struct mk_answers a = {0};
	struct mk_assessment *as;

	(void)state;
	meti_answers(&a, kb);
	as = run(kb, &a);
	for (size_t i = 0; i < kb->n_meti_items; i++) {
		if (strcmp(answer_of(as, i), want_answer[i]) != 0)
			fail_msg("%s: %s, want %s", kb->meti_items[i].id, answer_of(as, i),
			         want_answer[i]);
		assert_int_equal(as->meti.item_flagged[i], want_flag[i]);
	}
	assert_true(fabs(as->meti.category_score[0] - 40.0) < 1e-9);
	assert_true(fabs(as->meti.category_score[1] - 62.0) < 1e-9);
	assert_true(as->meti.category_score[2] < 0); /* half not applicable */
	assert_true(fabs(as->meti.category_score[3] - 80.0) < 1e-9);
	assert_int_equal(as->meti.total, 56);
	assert_string_equal(kb->meti_ranks[as->meti.rank].id, "C");
	mk_assess_free(as);

	/* One of the technical n/a measures done: 1 of 4 n/a, scored:
	 * (4x60 + 2x60 + 3x40) / (4+2+3) = 480 / 9 = 53.33;
	 * total = ceil((3x40 + 3x62 + 3x53.33 + 1x80) / 10) = ceil(54.6) = 55 -> C */
	set(&a, kb, "m.j", "done");
	as = run(kb, &a);
	assert_true(fabs(as->meti.category_score[2] - 480.0 / 9.0) < 1e-9);
	assert_int_equal(as->meti.total, 55);
	mk_assess_free(as);

	/* Everything reviewed: every category 90, total 90 exactly (not 91) -> A */
	for (size_t i = 0; i < kb->n_cms; i++)
		set(&a, kb, kb->cms[i].id, "reviewed");
	as = run(kb, &a);
	for (size_t g = 0; g < kb->n_meti_categories; g++)
		assert_true(fabs(as->meti.category_score[g] - 90.0) < 1e-9);
	assert_int_equal(as->meti.total, 90);
	assert_string_equal(kb->meti_ranks[as->meti.rank].id, "A");
	mk_assess_free(as);

	/* Everything not applicable: no category, no total, no rank */
	for (size_t i = 0; i < kb->n_cms; i++)
		set(&a, kb, kb->cms[i].id, "na");
	as = run(kb, &a);
	for (size_t g = 0; g < kb->n_meti_categories; g++)
		assert_true(as->meti.category_score[g] < 0);
	assert_int_equal(as->meti.total, -1);
	assert_true(as->meti.rank == (size_t)-1);
	mk_assess_free(as);
	mk_answers_free(&a);
	fx_kb_free(kb);
}

/* The half rule at its boundary: 1 of 2 n/a is half (no score); 1 of 3 is
 * less (scored); unanswered counts as "no", flagged. */
static void test_meti_half_na(void **state)
{
	struct mk_kb *kb = fx_kb_new();
	struct mk_answers a = {0};
	struct mk_assessment *as;
	size_t cat;

	(void)state;
	fx_entry(kb, "x", 3, 3, 0, 0, 0);
	fx_cm(kb, "p", "x", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "q", "x", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "r", "x", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_kb_finish(kb);
	cat = fx_meti_category(kb, "only", 1);
	fx_meti_item(kb, "1", cat, 1, "p");
	fx_meti_item(kb, "2", cat, 1, "q");
	fx_meti_rank(kb, "D", 0);
	set(&a, kb, "p", "na");
	set(&a, kb, "q", "done");
	as = run(kb, &a);
	assert_true(as->meti.category_score[0] < 0);
	assert_int_equal(as->meti.total, -1);
	mk_assess_free(as);

	fx_meti_item(kb, "3", cat, 2, "r"); /* r unanswered: unknown, flagged, counts as "no" */
	as = run(kb, &a);
	/* (1x60 + 2x20) / 3 = 33.33 -> total 34 */
	assert_true(fabs(as->meti.category_score[0] - 100.0 / 3.0) < 1e-9);
	assert_int_equal(as->meti.total, 34);
	assert_string_equal(answer_of(as, 2), "unknown");
	assert_true(as->meti.item_flagged[2]);
	assert_false(as->meti.item_flagged[1]);
	mk_assess_free(as);
	mk_answers_free(&a);
	fx_kb_free(kb);
}

/* IPA: items 1..6 of part P1:
 *   1: i.a done                 -> 4
 *   2: i.b partial, i.c done    -> partial: 2
 *   3: i.d no                   -> 0
 *   4: i.e unknown, i.d no      -> -1 (none in place, one unknown), listed
 *   5: i.f na, i.g na           -> 4, counted as done (n/a)
 *   6: i.h na, i.i partial      -> 2 (n/a left out)
 * total = 4 + 2 + 0 - 1 + 4 + 2 = 11 -> band "d" (min -25) */
static void test_ipa_worked_example(void **state)
{
	static const int want_points[] = {4, 2, 0, -1, 4, 2};
	static const bool want_na[] = {false, false, false, false, true, false};
	static const char *const cms[] = {"i.a", "i.b", "i.c", "i.d", "i.e",
	                                  "i.f", "i.g", "i.h", "i.i"};
	struct mk_kb *kb = fx_kb_new();
	struct mk_answers a = {0};
	struct mk_assessment *as;
	size_t part;

	(void)state;
	fx_entry(kb, "x", 3, 3, 0, 0, 0);
	for (size_t i = 0; i < sizeof(cms) / sizeof(cms[0]); i++)
		fx_cm(kb, cms[i], "x", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_kb_finish(kb);
	part = fx_ipa_part(kb, "P1");
	fx_ipa_item(kb, 1, part, "i.a");
	fx_ipa_item(kb, 2, part, "i.b,i.c");
	fx_ipa_item(kb, 3, part, "i.d");
	fx_ipa_item(kb, 4, part, "i.e,i.d");
	fx_ipa_item(kb, 5, part, "i.f,i.g");
	fx_ipa_item(kb, 6, part, "i.h,i.i");
	fx_ipa_band(kb, "a", 100);
	fx_ipa_band(kb, "b", 70);
	fx_ipa_band(kb, "c", 50);
	fx_ipa_band(kb, "d", -25);
	set(&a, kb, "i.a", "done");
	set(&a, kb, "i.b", "partial");
	set(&a, kb, "i.c", "done");
	set(&a, kb, "i.d", "no");
	set(&a, kb, "i.e", "unknown");
	set(&a, kb, "i.f", "na");
	set(&a, kb, "i.g", "na");
	set(&a, kb, "i.h", "na");
	set(&a, kb, "i.i", "partial");
	as = run(kb, &a);
	for (size_t i = 0; i < 6; i++) {
		if (as->ipa.item_points[i] != want_points[i])
			fail_msg("item %zu: %d points, want %d", i + 1, as->ipa.item_points[i],
			         want_points[i]);
		assert_int_equal(as->ipa.item_na[i], want_na[i]);
	}
	assert_int_equal(as->ipa.total, 11);
	assert_int_equal(as->ipa.n_unknown, 1);
	assert_string_equal(kb->ipa_bands[as->ipa.band].id, "d");
	mk_assess_free(as);
	mk_answers_free(&a);
	fx_kb_free(kb);
}

/* 25 items all done: 100 -> the top band; one "don't know": 95 -> the next;
 * one "no" and one "partial": 94 -> still "b"; many "no": 68 -> "c". */
static void test_ipa_total_and_bands(void **state)
{
	struct mk_kb *kb = fx_kb_new();
	struct mk_answers a = {0};
	struct mk_assessment *as;
	size_t part;
	char id[16], list[32];

	(void)state;
	fx_entry(kb, "x", 3, 3, 0, 0, 0);
	for (unsigned i = 1; i <= 25; i++) {
		snprintf(id, sizeof(id), "c%u", i);
		fx_cm(kb, id, "x", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	}
	fx_kb_finish(kb);
	part = fx_ipa_part(kb, "P1");
	for (unsigned i = 1; i <= 25; i++) {
		snprintf(list, sizeof(list), "c%u", i);
		fx_ipa_item(kb, i, part, list);
	}
	fx_ipa_band(kb, "a", 100);
	fx_ipa_band(kb, "b", 70);
	fx_ipa_band(kb, "c", 50);
	fx_ipa_band(kb, "d", -25);
	for (unsigned i = 1; i <= 25; i++) {
		snprintf(id, sizeof(id), "c%u", i);
		set(&a, kb, id, "done");
	}
	as = run(kb, &a);
	assert_int_equal(as->ipa.total, 100);
	assert_string_equal(kb->ipa_bands[as->ipa.band].id, "a");
	assert_int_equal(as->ipa.n_unknown, 0);
	mk_assess_free(as);

	set(&a, kb, "c7", "unknown");
	as = run(kb, &a);
	assert_int_equal(as->ipa.total, 95);
	assert_string_equal(kb->ipa_bands[as->ipa.band].id, "b");
	assert_int_equal(as->ipa.n_unknown, 1);
	mk_assess_free(as);

	set(&a, kb, "c7", "no");
	set(&a, kb, "c8", "partial");
	as = run(kb, &a);
	assert_int_equal(as->ipa.total, 94);
	mk_assess_free(as);

	/* 8 "no": 17 x 4 = 68 -> "c" */
	for (unsigned i = 1; i <= 8; i++) {
		snprintf(id, sizeof(id), "c%u", i);
		set(&a, kb, id, "no");
	}
	as = run(kb, &a);
	assert_int_equal(as->ipa.total, 68);
	assert_string_equal(kb->ipa_bands[as->ipa.band].id, "c");
	mk_assess_free(as);

	/* nothing answered: 25 x -1 */
	mk_answers_free(&a);
	as = run(kb, &a);
	assert_int_equal(as->ipa.total, -25);
	assert_int_equal(as->ipa.n_unknown, 25);
	assert_string_equal(kb->ipa_bands[as->ipa.band].id, "d");
	mk_assess_free(as);
	fx_kb_free(kb);
}

/* Each rule of the combination, one item per case (METI view; the IPA
 * view uses the same answer).  Measures of entry point "y" count as not
 * applicable once use.y is "no"; a measure of every entry point never. */
static void test_item_combination(void **state)
{
	static const struct {
		const char *answers; /* for m1, m2 (empty: unanswered) */
		const char *want;
		bool flagged;
		int ipa;
	} cases[] = {
	    {"reviewed,documented", "documented", false, 4},
	    {"done,reviewed", "done", false, 4},
	    {"done,no", "partial", false, 2},
	    {"partial,no", "partial", false, 2},
	    {"partial,unknown", "partial", false, 2},
	    {"done,", "partial", false, 2},
	    {"no,unknown", "unknown", true, -1},
	    {",", "unknown", true, -1},
	    {"no,no", "no", false, 0},
	    {"na,done", "done", false, 4},
	    {"na,no", "no", false, 0},
	    {"na,na", "na", false, 4},
	};
	struct mk_kb *kb = fx_kb_new();
	size_t cat, part;

	(void)state;
	fx_entry(kb, "x", 3, 3, 0, 0, 0);
	fx_entry(kb, "y", 3, 3, 0, 0, 0);
	fx_cm(kb, "m1", "x", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "m2", "x", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "y1", "y", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "xy", "x,y", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "all", "all", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_kb_finish(kb);
	cat = fx_meti_category(kb, "c", 1);
	fx_meti_item(kb, "1", cat, 1, "m1,m2");
	part = fx_ipa_part(kb, "P");
	fx_ipa_item(kb, 1, part, "m1,m2");
	fx_meti_rank(kb, "D", 0);
	fx_ipa_band(kb, "d", -25);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mk_answers a = {0};
		struct mk_assessment *as;
		char buf[64], *comma;

		snprintf(buf, sizeof(buf), "%s", cases[i].answers);
		comma = strchr(buf, ',');
		*comma = '\0';
		if (buf[0])
			set(&a, kb, "m1", buf);
		if (comma[1])
			set(&a, kb, "m2", comma + 1);
		as = run(kb, &a);
		if (strcmp(answer_of(as, 0), cases[i].want) != 0)
			fail_msg("%s: %s, want %s", cases[i].answers, answer_of(as, 0), cases[i].want);
		assert_int_equal(as->meti.item_flagged[0], cases[i].flagged);
		assert_int_equal(as->ipa.item_points[0], cases[i].ipa);
		assert_int_equal(as->ipa.item_na[0], strcmp(cases[i].want, "na") == 0);
		mk_assess_free(as);
		mk_answers_free(&a);
	}

	/* Entry point y not in use: its measure "no" counts as n/a; one of x
	 * and y still counts (x is not ruled out); one of all entry points too. */
	{
		struct mk_answers a = {0};
		struct mk_assessment *as;

		fx_meti_item(kb, "2", cat, 1, "y1");
		fx_meti_item(kb, "3", cat, 1, "y1,xy");
		fx_meti_item(kb, "4", cat, 1, "y1,all");
		fx_ipa_item(kb, 2, part, "y1");
		set(&a, kb, "use.y", "no");
		set(&a, kb, "y1", "no");
		set(&a, kb, "xy", "done");
		set(&a, kb, "all", "no");
		as = run(kb, &a);
		assert_string_equal(answer_of(as, 1), "na");
		assert_string_equal(answer_of(as, 2), "done");
		assert_string_equal(answer_of(as, 3), "no");
		assert_true(as->ipa.item_na[1]);
		assert_int_equal(as->ipa.item_points[1], 4);
		mk_assess_free(as);
		/* y in use again: y1 "no" counts */
		set(&a, kb, "use.y", "yes");
		as = run(kb, &a);
		assert_string_equal(answer_of(as, 1), "no");
		assert_string_equal(answer_of(as, 2), "partial");
		assert_int_equal(as->ipa.item_points[1], 0);
		mk_assess_free(as);
		mk_answers_free(&a);
	}
	fx_kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_meti_worked_example),
	    cmocka_unit_test(test_meti_half_na),
	    cmocka_unit_test(test_item_combination),
	    cmocka_unit_test(test_ipa_worked_example),
	    cmocka_unit_test(test_ipa_total_and_bands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

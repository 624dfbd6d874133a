/* test_assess_engine_kb.c - the engine over a knowledge base read by the
 * loader (mk_kb_load of tests/unit/support/kb_fixture.c) and answers read
 * from an answers file: scores, unknowns, plan order with risk reduced and
 * the checklist views, every number worked out by hand below.  Then the
 * shipped knowledge base (data/kb) with no answers (every entry point not
 * known to be unused, every measure "don't know") and with everything done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/engine_int.h"
#include "support/kb_fixture.h"

#define T0 1700000000000000000ull

/*
 * The fixture: alpha (threat 3; stop 3, leak 2), beta (threat 2; stop 1,
 * tamper 3, quality 2); general.rules is of every entry point.
 * Answers: use.alpha yes, use.beta not answered (scored, flagged);
 *   alpha.remove done, alpha.protect partial, alpha.lock no, alpha.detect done,
 *   alpha.recover no, beta.protect done (weight 3), general.rules done.
 *
 * alpha: remove+protect (100 + 50 + 0 + 100) / 4 = 62 % -> vuln 2 -> L 2;
 *   detect+recover (100 + 0) / 2 = 50 % -> impacts lowered: stop 2 -> 4
 *   (medium), leak 1 -> 2 (low); total 6.
 * beta: (0 + 3x100 + 0 + 100) / 6 = 66 % -> vuln 2 -> L damage[2][2] = 1;
 *   detect+recover unknown 0 %: stop 1 (low), tamper 3 (medium), quality 2
 *   (low); total 6.
 * Unknown: use.beta, beta.remove, beta.lock, beta.detect, beta.recover = 5.
 * Plan (risk reduced):
 *   alpha.protect 75 % still vuln 2: 0      alpha.lock 87 % -> vuln 1 -> L 1: 6 - 3 = 3
 *   alpha.recover already mitigated: 0      beta.remove, beta.lock: L stays 1: 0
 *   beta.detect, beta.recover: 50 % -> tamper 2, quality 1: 6 - 4 = 2
 * Order: beta.remove (free, day: this week); alpha.lock (3); beta.recover (2,
 *   low) before beta.detect (2, medium); beta.lock (0, low, day) before
 *   alpha.protect (0, low, month); alpha.recover (0, high).
 * METI: 1-1 (alpha.remove done, general.rules done) -> done 60; 3-1
 *   (alpha.detect done) -> 60; total 60 -> rank d.
 * IPA: 1 (alpha.protect partial) -> 2; 2 (beta.recover unknown,
 *   general.rules done) -> partial 2; total 4 -> band bottom.
 */
static void test_fixture_through_loader(void **state)
{
	static const char *const want_plan[] = {"beta.remove", "alpha.lock", "beta.recover",
	                                        "beta.detect", "beta.lock", "alpha.protect",
	                                        "alpha.recover"};
	static const int want_reduced[] = {0, 3, 2, 2, 0, 0, 0};
	static const char answers[] =
	    "{\"schema\": \"mieruka-answers/1\", \"by\": \"test\",\n"
	    " \"answers\": {\"use.alpha\": \"yes\", \"alpha.remove\": \"done\",\n"
	    "   \"alpha.protect\": \"partial\", \"alpha.lock\": \"no\", \"alpha.detect\": \"done\",\n"
	    "   \"alpha.recover\": \"no\", \"beta.protect\": \"done\", \"general.rules\": \"done\"}}\n";
	char dir[256], path[300], err[512] = "";
	struct mk_kb *kb = NULL;
	struct mk_answers a = {0};
	struct mk_assessment *as = NULL;
	FILE *f;

	(void)state;
	assert_int_equal(kb_fixture_write(dir, sizeof(dir), NULL, NULL, NULL), 0);
	if (mk_kb_load(dir, &kb, err, sizeof(err)) != 0)
		fail_msg("load: %s", err);
	snprintf(path, sizeof(path), "%s/answers.json", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs(answers, f);
	fclose(f);
	if (mk_answers_load_file(&a, kb, path, err, sizeof(err)) != 0)
		fail_msg("answers: %s", err);
	if (mk_assess_run(kb, &a, NULL, NULL, T0, &as, err, sizeof(err)) != 0)
		fail_msg("run: %s", err);

	assert_int_equal(as->entries[0].applicable, 1);
	assert_int_equal(as->entries[0].protected_pct, 62);
	assert_int_equal(as->entries[0].vulnerability, 2);
	assert_int_equal(as->entries[0].mitigated_pct, 50);
	assert_int_equal(as->entries[0].n_risks, 2);
	assert_int_equal(as->entries[0].risks[0].score, 4);
	assert_string_equal(kb->bands[as->entries[0].risks[0].band].id, "medium");
	assert_int_equal(as->entries[0].risks[1].score, 2);
	assert_string_equal(kb->bands[as->entries[0].risks[1].band].id, "low");
	assert_int_equal(as->entries[1].applicable, -1);
	assert_int_equal(as->entries[1].protected_pct, 66);
	assert_int_equal(as->entries[1].n_risks, 3);
	assert_int_equal(as->entries[1].risks[1].risk, MK_RISK_TAMPER);
	assert_int_equal(as->entries[1].risks[1].score, 3);
	assert_int_equal(as->entries[1].max_score, 3);
	assert_int_equal(as->entries[1].n_unknown, 4);
	assert_int_equal(as->n_unknown, 5);

	assert_int_equal(as->n_plan, sizeof(want_plan) / sizeof(want_plan[0]));
	for (size_t i = 0; i < as->n_plan; i++) {
		if (strcmp(kb->cms[as->plan[i].cm].id, want_plan[i]) != 0)
			fail_msg("plan %zu: %s, want %s", i, kb->cms[as->plan[i].cm].id, want_plan[i]);
		assert_int_equal(as->plan[i].risk_reduced, want_reduced[i]);
	}
	assert_true(as->plan[0].this_week);
	assert_false(as->plan[1].this_week);

	assert_int_equal(as->meti.total, 60);
	assert_string_equal(kb->meti_ranks[as->meti.rank].id, "d");
	assert_int_equal(as->ipa.total, 4);
	assert_string_equal(kb->ipa_bands[as->ipa.band].id, "bottom");

	/* the document renders */
	f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(mk_assess_json(f, as, &a), 0);
	fclose(f);

	mk_assess_free(as);
	mk_answers_free(&a);
	mk_kb_free(kb);
	kb_fixture_remove(dir);
}

/* The knowledge base that ships, with no answers at all: nothing is known,
 * so every entry point is scored as if in use and flagged, every measure of
 * it is a plan item, and every "is it in use?" and measure counts as
 * unknown. */
static void test_shipped_kb_no_answers(void **state)
{
	char dir[512], err[512] = "";
	struct mk_kb *kb = NULL;
	struct mk_assessment *as = NULL;
	size_t n_cms_in_entries = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/data/kb", MK_TEST_SRCDIR);
	if (mk_kb_load(dir, &kb, err, sizeof(err)) != 0)
		fail_msg("load: %s", err);
	assert_int_equal(mk_assess_run(kb, NULL, NULL, NULL, T0, &as, err, sizeof(err)), 0);
	for (size_t i = 0; i < kb->n_entries; i++) {
		assert_int_equal(as->entries[i].applicable, -1);
		assert_int_equal(as->entries[i].vulnerability, 3);
		assert_int_equal(as->entries[i].n_unknown, kb->entries[i].n_cms);
	}
	for (size_t i = 0; i < kb->n_cms; i++)
		n_cms_in_entries += kb->cms[i].n_eps > 0;
	assert_int_equal(as->n_plan, n_cms_in_entries);
	assert_int_equal(as->n_unknown, kb->n_entries + n_cms_in_entries);
	assert_int_equal(as->ipa.total, -(int)kb->n_ipa_items);
	mk_assess_free(as);
	mk_kb_free(kb);
}

/* The shipped knowledge base with every entry point in use and every
 * measure "done": nothing left to plan, every risk low (vulnerability 1 ->
 * likelihood 1; detect/recover all in place -> impact at most 2), METI 60 in
 * every category (the "done" constant) -> total 60, IPA 100. */
static void test_shipped_kb_all_done(void **state)
{
	char dir[512], err[512] = "";
	struct mk_kb *kb = NULL;
	struct mk_answers a = {0};
	struct mk_assessment *as = NULL;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/data/kb", MK_TEST_SRCDIR);
	if (mk_kb_load(dir, &kb, err, sizeof(err)) != 0)
		fail_msg("load: %s", err);
	for (size_t i = 0; i < kb->n_entries; i++) {
		char key[96];

		snprintf(key, sizeof(key), "use.%s", kb->entries[i].id);
		assert_int_equal(mk_answers_set(&a, kb, key, "yes", NULL, NULL, T0, MK_SRC_PERSON, err,
		                                sizeof(err)),
		                 0);
	}
	for (size_t i = 0; i < kb->n_cms; i++)
		assert_int_equal(mk_answers_set(&a, kb, kb->cms[i].id, "done", NULL, NULL, T0,
		                                MK_SRC_PERSON, err, sizeof(err)),
		                 0);
	assert_int_equal(mk_assess_run(kb, &a, NULL, NULL, T0, &as, err, sizeof(err)), 0);
	assert_int_equal(as->n_plan, 0);
	assert_int_equal(as->n_unknown, 0);
	for (size_t i = 0; i < kb->n_entries; i++) {
		const struct mk_entry_result *r = &as->entries[i];

		assert_int_equal(r->vulnerability, 1);
		assert_int_equal(r->protected_pct, 100);
		assert_int_equal(r->mitigated_pct, 100);
		assert_true(r->n_risks > 0);
		for (size_t k = 0; k < r->n_risks; k++) {
			assert_int_equal(r->risks[k].likelihood, 1);
			assert_true(r->risks[k].impact <= 2);
			assert_string_equal(kb->bands[r->risks[k].band].id, "low");
		}
	}
	for (size_t g = 0; g < kb->n_meti_categories; g++)
		assert_true(as->meti.category_score[g] == 60.0);
	assert_int_equal(as->meti.total, 60);
	assert_int_equal(as->ipa.total, 100);
	assert_int_equal(as->ipa.band, 0);
	mk_assess_free(as);
	mk_answers_free(&a);
	mk_kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_through_loader),
	    cmocka_unit_test(test_shipped_kb_no_answers),
	    cmocka_unit_test(test_shipped_kb_all_done),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

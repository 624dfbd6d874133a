/* test_assess_plan.c - the action plan (docs/ASSESSMENT.md "Action plan";
 * src/assess/plan.c) on a hand-made case: which measures become items, their
 * risk reduced (worked out below by hand), the order (free-this-week first,
 * then risk reduced, cost, effort, id), and progress across runs recorded in
 * a SQLite database (new -> open, done since, first planned). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "assess/engine_int.h"
#include "mieruka/store.h"
#include "support/assess_fixture.h"

#define T1 1700000000000000000ull
#define T2 (T1 + 86400000000000ull)
#define T3 (T2 + 86400000000000ull)

static char tmpdir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_assess_plan_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void set(struct mk_answers *a, const struct mk_kb *kb, const char *key, const char *value)
{
	char err[512] = "";

	if (mk_answers_set(a, kb, key, value, NULL, NULL, T1, MK_SRC_PERSON, err, sizeof(err)) != 0)
		fail_msg("set %s=%s: %s", key, value, err);
}

/*
 * Entry points (threat likelihood; impacts):
 *   A: 3; stop 3, leak 1      B: 3; stop 2      C: 1; stop 1      D: 3; stop 3
 * Answers: use.A yes, use.B yes, use.C not answered (counts), use.D no.
 *
 * measure  entry  stage    cost    effort  weight answer
 *   a.p1   A      protect  free    day     1      no
 *   a.p2   A      protect  low     day     1      no
 *   a.p3   A      protect  medium  month   2      partial (50 %)
 *   a.na   A      protect  free    day     1      na        -> not an item
 *   a.d1   A      detect   low     month   1      no
 *   b.p1   B      protect  free    day     1      done      -> not an item
 *   c.w    C      protect  free    month   1      -
 *   c.x    C      protect  low     month   1      -
 *   c.y    C      protect  low     day     1      -
 *   c.z    C      protect  low     day     1      -
 *   d.q    D      protect  free    day     1      -         -> D not in use
 *   g.p    all    protect  free    month   1      no
 *   g.r    all    recover  free    day     1      no
 *
 * Now:  A protective (a.p1 0, a.p2 0, a.p3 2x50, g.p 0) = 100/5 = 20 % -> vuln 3
 *       -> likelihood damage[3][3] = 3; detect/recover (a.d1, g.r) 0 %:
 *       stop 3x3 = 9, leak 3x1 = 3: total 12.
 *       B protective (b.p1 100, g.p 0) = 50 % -> vuln 2 -> likelihood 2;
 *       stop 2x2 = 4: total 4.
 *       C: threat 1 -> likelihood 1 whatever is done; stop 1: total 1.
 * Risk reduced (total now - total with the measure done):
 *   a.p1: A 200/5 = 40 % -> vuln 2 -> L 2: 6 + 2 = 8; 12 - 8 = 4
 *   a.p2: the same = 4
 *   a.p3: A (0 + 0 + 200 + 0)/5 = 40 % -> 4
 *   g.p:  A 40 % -> 4; B 100 % -> vuln 1 -> L 1: 2, 4 - 2 = 2; C 0: 6
 *   a.d1: A detect/recover 50 % -> impacts 3->2, 1->1: 3x2 + 3x1 = 9: 3
 *   g.r:  A 50 % -> 3; B 100 % -> stop 2->1: 2x1 = 2, 4 - 2 = 2; C 0: 5
 *   c.*:  0
 * Order: free-this-week g.r (5), a.p1 (4); then g.p (6); a.p2 (4, low) before
 * a.p3 (4, medium); a.d1 (3); c.w (0, free); c.y, c.z (0, low, day; by id);
 * c.x (0, low, month).
 */
static struct mk_kb *plan_kb(void)
{
	struct mk_kb *kb = fx_kb_new();

	fx_entry(kb, "A", 3, 3, 1, 0, 0);
	fx_entry(kb, "B", 3, 2, 0, 0, 0);
	fx_entry(kb, "C", 1, 1, 0, 0, 0);
	fx_entry(kb, "D", 3, 3, 0, 0, 0);
	fx_cm(kb, "a.p1", "A", MK_STAGE_PROTECT, MK_COST_FREE, MK_EFFORT_DAY, 1);
	fx_cm(kb, "a.p2", "A", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "a.p3", "A", MK_STAGE_PROTECT, MK_COST_MEDIUM, MK_EFFORT_MONTH, 2);
	fx_cm(kb, "a.na", "A", MK_STAGE_PROTECT, MK_COST_FREE, MK_EFFORT_DAY, 1);
	fx_cm(kb, "a.d1", "A", MK_STAGE_DETECT, MK_COST_LOW, MK_EFFORT_MONTH, 1);
	fx_cm(kb, "b.p1", "B", MK_STAGE_PROTECT, MK_COST_FREE, MK_EFFORT_DAY, 1);
	fx_cm(kb, "c.w", "C", MK_STAGE_PROTECT, MK_COST_FREE, MK_EFFORT_MONTH, 1);
	fx_cm(kb, "c.x", "C", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_MONTH, 1);
	fx_cm(kb, "c.y", "C", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "c.z", "C", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "d.q", "D", MK_STAGE_PROTECT, MK_COST_FREE, MK_EFFORT_DAY, 1);
	fx_cm(kb, "g.p", "all", MK_STAGE_PROTECT, MK_COST_FREE, MK_EFFORT_MONTH, 1);
	fx_cm(kb, "g.r", "all", MK_STAGE_RECOVER, MK_COST_FREE, MK_EFFORT_DAY, 1);
	fx_kb_finish(kb);
	return kb;
}

static void plan_answers(struct mk_answers *a, const struct mk_kb *kb)
{
	set(a, kb, "use.A", "yes");
	set(a, kb, "use.B", "yes");
	set(a, kb, "use.D", "no");
	set(a, kb, "a.p1", "no");
	set(a, kb, "a.p2", "no");
	set(a, kb, "a.p3", "partial");
	set(a, kb, "a.na", "na");
	set(a, kb, "a.d1", "no");
	set(a, kb, "b.p1", "done");
	set(a, kb, "g.p", "no");
	set(a, kb, "g.r", "no");
}

struct want {
	const char *id;
	int reduced;
	bool this_week;
	const char *answer;
};

static void check_plan(const struct mk_assessment *as, const struct want *w, size_t n)
{
	const struct mk_kb *kb = as->kb;

	if (as->n_plan != n) {
		for (size_t i = 0; i < as->n_plan; i++)
			fprintf(stderr, "  %s %d\n", kb->cms[as->plan[i].cm].id, as->plan[i].risk_reduced);
		fail_msg("%zu plan items, want %zu", as->n_plan, n);
	}
	for (size_t i = 0; i < n; i++) {
		const struct mk_plan_item *it = &as->plan[i];

		if (strcmp(kb->cms[it->cm].id, w[i].id) != 0)
			fail_msg("item %zu is %s, want %s", i, kb->cms[it->cm].id, w[i].id);
		if (it->risk_reduced != w[i].reduced)
			fail_msg("%s: risk reduced %d, want %d", w[i].id, it->risk_reduced, w[i].reduced);
		assert_int_equal(it->this_week, w[i].this_week);
		assert_string_equal(it->answer, w[i].answer);
	}
}

static void test_plan_order(void **state)
{
	static const struct want want[] = {
	    {"g.r", 5, true, "no"},       {"a.p1", 4, true, "no"},    {"g.p", 6, false, "no"},
	    {"a.p2", 4, false, "no"},     {"a.p3", 4, false, "partial"}, {"a.d1", 3, false, "no"},
	    {"c.w", 0, false, "unknown"}, {"c.y", 0, false, "unknown"}, {"c.z", 0, false, "unknown"},
	    {"c.x", 0, false, "unknown"},
	};
	struct mk_kb *kb = plan_kb();
	struct mk_answers a = {0};
	struct mk_assessment *as = NULL;
	char err[256] = "";

	(void)state;
	plan_answers(&a, kb);
	assert_int_equal(mk_assess_run(kb, &a, NULL, NULL, T1, &as, err, sizeof(err)), 0);
	/* the totals the comment works from */
	assert_int_equal(mk_assess_entry_total(&as->entries[0]), 12);
	assert_int_equal(mk_assess_entry_total(&as->entries[1]), 4);
	assert_int_equal(mk_assess_entry_total(&as->entries[2]), 1);
	assert_int_equal(mk_assess_entry_total(&as->entries[3]), 0);
	check_plan(as, want, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < as->n_plan; i++) {
		assert_int_equal(as->plan[i].progress, MK_PLAN_NEW);
		assert_int_equal(as->plan[i].first_planned_ns, 0);
	}
	assert_int_equal(as->previous_ns, 0);
	assert_int_equal(as->n_done_since, 0);
	mk_assess_free(as);
	mk_answers_free(&a);
	fx_kb_free(kb);
}

/* Items that reduce no score alone are ordered (after cost and effort) by
 * their risk share, not by id:
 *   E1: threat 3, stop 3; protective z.high + f1..f4 (all "no"): 0 % -> 9.
 *       z.high done: 20 %, still vuln 3: reduces 0; share 9 x 1 x 100 % / 5 = 1.8
 *       (partial: 9 x 1 x 50 % / 5 = 0.9)
 *   E2: threat 1, stop 1; protective a.low + g1 ("no"): 1.
 *       a.low: reduces 0; share 1 x 1 x 100 % / 2 = 0.5 */
static void test_risk_share(void **state)
{
	struct mk_kb *kb = fx_kb_new();
	struct mk_answers a = {0};
	struct mk_assessment *as = NULL;
	char err[256] = "";

	(void)state;
	fx_entry(kb, "E1", 3, 3, 0, 0, 0);
	fx_entry(kb, "E2", 1, 1, 0, 0, 0);
	fx_cm(kb, "z.high", "E1", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "a.low", "E2", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "g1", "E2", MK_STAGE_PROTECT, MK_COST_HIGH, MK_EFFORT_DAY, 1);
	fx_cm(kb, "f1", "E1", MK_STAGE_PROTECT, MK_COST_HIGH, MK_EFFORT_DAY, 1);
	fx_cm(kb, "f2", "E1", MK_STAGE_PROTECT, MK_COST_HIGH, MK_EFFORT_DAY, 1);
	fx_cm(kb, "f3", "E1", MK_STAGE_PROTECT, MK_COST_HIGH, MK_EFFORT_DAY, 1);
	fx_cm(kb, "f4", "E1", MK_STAGE_PROTECT, MK_COST_HIGH, MK_EFFORT_DAY, 1);
	fx_kb_finish(kb);
	set(&a, kb, "use.E1", "yes");
	set(&a, kb, "use.E2", "yes");
	for (size_t i = 0; i < kb->n_cms; i++)
		set(&a, kb, kb->cms[i].id, "no");
	assert_int_equal(mk_assess_run(kb, &a, NULL, NULL, T1, &as, err, sizeof(err)), 0);
	assert_string_equal(kb->cms[as->plan[0].cm].id, "z.high");
	assert_int_equal(as->plan[0].risk_reduced, 0);
	assert_true(fabs(as->plan[0].risk_share - 1.8) < 1e-9);
	assert_string_equal(kb->cms[as->plan[1].cm].id, "a.low");
	assert_int_equal(as->plan[1].risk_reduced, 0);
	assert_true(fabs(as->plan[1].risk_share - 0.5) < 1e-9);
	/* high cost after: f1..f4 (share 1.8 each, by id), then g1 (0.5) */
	assert_string_equal(kb->cms[as->plan[2].cm].id, "f1");
	assert_string_equal(kb->cms[as->plan[6].cm].id, "g1");
	mk_assess_free(as);

	/* z.high partial: E1 at 10 %; any f done makes 30 % -> vuln 2 -> 6, so
	 * each f now reduces 3 and comes first; z.high's share halves. */
	set(&a, kb, "z.high", "partial");
	assert_int_equal(mk_assess_run(kb, &a, NULL, NULL, T1, &as, err, sizeof(err)), 0);
	assert_string_equal(kb->cms[as->plan[0].cm].id, "f1");
	assert_int_equal(as->plan[0].risk_reduced, 3);
	assert_string_equal(kb->cms[as->plan[4].cm].id, "z.high");
	assert_int_equal(as->plan[4].risk_reduced, 0);
	assert_true(fabs(as->plan[4].risk_share - 0.9) < 1e-9);
	mk_assess_free(as);
	mk_answers_free(&a);
	fx_kb_free(kb);
}

static struct mk_store *open_store(const char *name)
{
	struct mk_store *st = NULL;
	char path[512], err[512] = "";

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if (mk_store_sqlite.open(&st, path, err, sizeof(err)) != 0)
		fail_msg("open %s: %s", path, err);
	return st;
}

static const struct mk_plan_item *item(const struct mk_assessment *as, const char *id)
{
	for (size_t i = 0; i < as->n_plan; i++)
		if (strcmp(as->kb->cms[as->plan[i].cm].id, id) == 0)
			return &as->plan[i];
	fail_msg("%s is not in the plan", id);
	return NULL;
}

/* Run 1 recorded; then a.p1 and g.r are done and D is in use: run 2 sees
 * them done since run 1, d.q new, the rest open since run 1.  Run 3 with
 * nothing changed: nothing done since run 2, d.q open since run 2, g.p still
 * first planned in run 1. */
static void test_progress_across_runs(void **state)
{
	struct mk_kb *kb = plan_kb();
	struct mk_answers a = {0};
	struct mk_assessment *as = NULL;
	struct mk_store *st = open_store("progress.db");
	char err[256] = "";

	(void)state;
	plan_answers(&a, kb);
	assert_int_equal(mk_assess_run(kb, &a, NULL, st, T1, &as, err, sizeof(err)), 0);
	assert_int_equal(as->previous_ns, 0);
	assert_int_equal(mk_assess_record(st, as), 0);
	mk_assess_free(as);

	/* Computed again at the recorded time, run 1 is not its own past. */
	assert_int_equal(mk_assess_run(kb, &a, NULL, st, T1, &as, err, sizeof(err)), 0);
	assert_int_equal(as->previous_ns, 0);
	assert_int_equal(item(as, "g.p")->progress, MK_PLAN_NEW);
	mk_assess_free(as);

	set(&a, kb, "a.p1", "done");
	set(&a, kb, "g.r", "reviewed");
	set(&a, kb, "use.D", "yes");
	assert_int_equal(mk_assess_run(kb, &a, NULL, st, T2, &as, err, sizeof(err)), 0);
	assert_int_equal(as->previous_ns, T1);
	assert_int_equal(as->n_done_since, 2);
	assert_string_equal(kb->cms[as->done_since[0]].id, "a.p1");
	assert_string_equal(kb->cms[as->done_since[1]].id, "g.r");
	assert_int_equal(item(as, "d.q")->progress, MK_PLAN_NEW);
	assert_int_equal(item(as, "d.q")->first_planned_ns, 0);
	assert_int_equal(item(as, "g.p")->progress, MK_PLAN_OPEN);
	assert_int_equal(item(as, "g.p")->first_planned_ns, T1);
	assert_int_equal(item(as, "c.x")->progress, MK_PLAN_OPEN);
	for (size_t i = 0; i < as->n_plan; i++) {
		const char *id = kb->cms[as->plan[i].cm].id;

		assert_true(strcmp(id, "a.p1") != 0 && strcmp(id, "g.r") != 0);
	}
	assert_int_equal(mk_assess_record(st, as), 0);
	mk_assess_free(as);

	assert_int_equal(mk_assess_run(kb, &a, NULL, st, T3, &as, err, sizeof(err)), 0);
	assert_int_equal(as->previous_ns, T2);
	assert_int_equal(as->n_done_since, 0);
	assert_int_equal(item(as, "d.q")->progress, MK_PLAN_OPEN);
	assert_int_equal(item(as, "d.q")->first_planned_ns, T2);
	assert_int_equal(item(as, "g.p")->first_planned_ns, T1);
	mk_assess_free(as);

	mk_store_sqlite.close(st);
	mk_answers_free(&a);
	fx_kb_free(kb);
}

struct runs {
	size_t n;
	uint64_t at[8];
	int meti[8], ipa[8];
	uint32_t unknown[8];
	size_t items[8];
	char first_cm[8][32], first_answer[8][32];
	int first_reduced[8];
};

static int collect_run(void *ctx, const struct mk_assess_run_rec *r)
{
	struct runs *g = ctx;

	if (g->n >= 8)
		return 1;
	g->at[g->n] = r->at_ns;
	g->meti[g->n] = r->meti;
	g->ipa[g->n] = r->ipa;
	g->unknown[g->n] = r->n_unknown;
	g->items[g->n] = r->n_items;
	if (r->n_items > 0) {
		snprintf(g->first_cm[g->n], sizeof(g->first_cm[0]), "%s", r->items[0].cm);
		snprintf(g->first_answer[g->n], sizeof(g->first_answer[0]), "%s", r->items[0].answer);
		g->first_reduced[g->n] = r->items[0].risk_reduced;
	}
	g->n++;
	return 0;
}

/* What a recorded run holds, newest first; a run at the same time
 * replaces the earlier record; only MK_ASSESS_MAX_RUNS are kept. */
static void test_store_runs(void **state)
{
	struct mk_store *st = open_store("runs.db");
	struct mk_assess_item_rec items[2] = {{"usb.rules", "no", 7}, {"g.x", "unknown", 0}};
	struct mk_assess_run_rec r1 = {T1, -1, 57, 12, items, 2};
	struct mk_assess_run_rec r2 = {T2, 44, 80, 3, items + 1, 1};
	struct mk_assess_run_rec empty = {T3, 90, 100, 0, NULL, 0};
	struct runs got = {0};

	(void)state;
	assert_int_equal(mk_store_sqlite.put_assess_run(st, &r1), 0);
	assert_int_equal(mk_store_sqlite.put_assess_run(st, &r2), 0);
	assert_int_equal(mk_store_sqlite.put_assess_run(st, &empty), 0);
	assert_int_equal(mk_store_sqlite.each_assess_run(st, collect_run, &got), 0);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.at[0], T3);
	assert_int_equal(got.items[0], 0);
	assert_int_equal(got.at[1], T2);
	assert_int_equal(got.meti[1], 44);
	assert_string_equal(got.first_cm[1], "g.x");
	assert_int_equal(got.at[2], T1);
	assert_int_equal(got.meti[2], -1);
	assert_int_equal(got.ipa[2], 57);
	assert_int_equal(got.unknown[2], 12);
	assert_int_equal(got.items[2], 2);
	assert_string_equal(got.first_cm[2], "usb.rules");
	assert_string_equal(got.first_answer[2], "no");
	assert_int_equal(got.first_reduced[2], 7);

	/* the same time again replaces run 1 and its items */
	r1.items = items + 1;
	r1.n_items = 1;
	assert_int_equal(mk_store_sqlite.put_assess_run(st, &r1), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(mk_store_sqlite.each_assess_run(st, collect_run, &got), 0);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.items[2], 1);
	assert_string_equal(got.first_cm[2], "g.x");

	/* the bound: MK_ASSESS_MAX_RUNS newer runs push the old ones out */
	assert_int_equal(mk_store_sqlite.begin(st), 0);
	for (uint64_t i = 1; i <= MK_ASSESS_MAX_RUNS; i++) {
		struct mk_assess_run_rec r = {T3 + i, 1, 1, 0, items, 1};

		assert_int_equal(mk_store_sqlite.put_assess_run(st, &r), 0);
	}
	assert_int_equal(mk_store_sqlite.commit(st), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(mk_store_sqlite.each_assess_run(st, collect_run, &got), 1); /* stopped at 8 */
	assert_int_equal(got.at[0], T3 + MK_ASSESS_MAX_RUNS);
	mk_store_sqlite.close(st);
	{
		char path[512];
		sqlite3 *db;
		sqlite3_stmt *s;

		snprintf(path, sizeof(path), "%s/runs.db", tmpdir);
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db,
		                                    "SELECT (SELECT count(*) FROM assess_runs), "
		                                    "(SELECT count(*) FROM assess_run_items), "
		                                    "(SELECT min(at_ns) FROM assess_runs)",
		                                    -1, &s, NULL),
		                 SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s, 0), MK_ASSESS_MAX_RUNS);
		assert_int_equal(sqlite3_column_int(s, 1), MK_ASSESS_MAX_RUNS);
		assert_int_equal((uint64_t)sqlite3_column_int64(s, 2), T3 + 1);
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plan_order),
	    cmocka_unit_test(test_risk_share),
	    cmocka_unit_test(test_progress_across_runs),
	    cmocka_unit_test(test_store_runs),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

/* test_traffic.c - traffic per hour: the engine's hourly accounting
 * (src/core/traffic.c) and the store's merge and bound (sqlite_traffic.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/traffic_int.h"
#include "mieruka/store.h"

#define H MK_TRAFFIC_HOUR_NS
/* 2023-05-01T09:00:00Z */
#define T0 (1682931600ull * 1000000000ull)

static void expect_rec(const struct mk_traffic_rec *r, uint64_t hour, uint64_t packets,
                       uint64_t bytes)
{
	assert_int_equal(r->hour_ns, hour);
	assert_int_equal(r->packets, packets);
	assert_int_equal(r->bytes, bytes);
}

static void test_hour_edges(void **state)
{
	struct mk_traffic t;
	struct mk_traffic_rec *v;
	size_t n;

	(void)state;
	memset(&t, 0, sizeof(t));
	mk_traffic_packet(&t, T0, 60);          /* first ns of the hour */
	mk_traffic_packet(&t, T0 + H - 1, 100); /* its last ns */
	mk_traffic_packet(&t, T0 + H, 1514);    /* the next hour's first */
	mk_traffic_packet(&t, T0 + 5, 64);      /* the clock went back: first hour again */
	mk_traffic_packet(&t, T0 + 3 * H + 7, 9000);
	mk_traffic_packet(&t, 0, 42);           /* the epoch's hour, before everything */
	n = mk_traffic_take(&t, &v);
	assert_int_equal(n, 4);
	expect_rec(&v[0], 0, 1, 42);
	expect_rec(&v[1], T0, 3, 224);
	expect_rec(&v[2], T0 + H, 1, 1514);
	expect_rec(&v[3], T0 + 3 * H, 1, 9000);
	free(v);
	assert_int_equal(t.dropped_packets, 0);

	/* Taken is forgotten: the next take has only what came since. */
	assert_int_equal(mk_traffic_take(&t, &v), 0);
	assert_null(v);
	mk_traffic_packet(&t, T0 + 3 * H + 8, 10);
	mk_traffic_packet(&t, T0 + 3 * H + 9, 20);
	n = mk_traffic_take(&t, &v);
	assert_int_equal(n, 1);
	expect_rec(&v[0], T0 + 3 * H, 2, 30);
	free(v);
	mk_traffic_free(&t);
}

static void test_bound(void **state)
{
	struct mk_traffic t;
	struct mk_traffic_rec *v;
	size_t n;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (uint64_t i = 0; i < MK_TRAFFIC_MAX_HOURS; i++)
		mk_traffic_packet(&t, T0 + i * H, 100);
	/* One hour more than the table holds: its packets are counted as
	 * dropped; hours already held still count. */
	mk_traffic_packet(&t, T0 + MK_TRAFFIC_MAX_HOURS * H, 1);
	mk_traffic_packet(&t, T0 + MK_TRAFFIC_MAX_HOURS * H + 1, 1);
	mk_traffic_packet(&t, T0, 5);
	n = mk_traffic_take(&t, &v);
	assert_int_equal(n, MK_TRAFFIC_MAX_HOURS);
	assert_int_equal(t.dropped_packets, 2);
	expect_rec(&v[0], T0, 2, 105);
	expect_rec(&v[n - 1], T0 + (MK_TRAFFIC_MAX_HOURS - 1) * H, 1, 100);
	free(v);
	/* After the snapshot the table has room again. */
	mk_traffic_packet(&t, T0 + MK_TRAFFIC_MAX_HOURS * H, 7);
	n = mk_traffic_take(&t, &v);
	assert_int_equal(n, 1);
	expect_rec(&v[0], T0 + MK_TRAFFIC_MAX_HOURS * H, 1, 7);
	assert_int_equal(t.dropped_packets, 2);
	free(v);
	mk_traffic_free(&t);
}

struct got {
	struct mk_traffic_rec v[8];
	size_t n;
};

static int collect(void *ctx, const struct mk_traffic_rec *r)
{
	struct got *g = ctx;

	if (g->n < 8)
		g->v[g->n] = *r;
	g->n++;
	return 0;
}

static void test_store_merge_and_bound(void **state)
{
	const struct mk_store_ops *ops = &mk_store_sqlite;
	char dir[] = "/tmp/mk_test_traffic_XXXXXX", path[64], err[256];
	struct mk_store *st;
	struct got g;
	/* two runs over the same hours add up */
	const struct mk_traffic_rec run1[] = {{T0, 3, 300}, {T0 + H, 1, 100}};
	const struct mk_traffic_rec run2[] = {{T0, 2, 50}, {T0 + 2 * H, 4, 400}};
	/* the newest hour 9,600 hours after T0: T0 is forgotten, T0 + H is the
	 * oldest of the 9,600 kept */
	const struct mk_traffic_rec late[] = {{T0 + MK_TRAFFIC_MAX_HOURS * H, 1, 1}};
	const struct mk_traffic_rec bad[] = {{T0 + 1, 1, 1}};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	assert_int_equal(ops->open(&st, path, err, sizeof(err)), 0);
	assert_int_equal(ops->put_traffic(st, run1, 2), 0);
	assert_int_equal(ops->put_traffic(st, run2, 2), 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(ops->each_traffic(st, collect, &g), 0);
	assert_int_equal(g.n, 3);
	expect_rec(&g.v[0], T0, 5, 350);
	expect_rec(&g.v[1], T0 + H, 1, 100);
	expect_rec(&g.v[2], T0 + 2 * H, 4, 400);

	assert_int_not_equal(ops->put_traffic(st, bad, 1), 0); /* not an hour's start */

	assert_int_equal(ops->put_traffic(st, late, 1), 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(ops->each_traffic(st, collect, &g), 0);
	assert_int_equal(g.n, 3);
	expect_rec(&g.v[0], T0 + H, 1, 100);
	expect_rec(&g.v[1], T0 + 2 * H, 4, 400);
	expect_rec(&g.v[2], T0 + MK_TRAFFIC_MAX_HOURS * H, 1, 1);
	ops->close(st);

	/* Reopened, the rows are still there (the migration made a real table). */
	assert_int_equal(ops->open(&st, path, err, sizeof(err)), 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(ops->each_traffic(st, collect, &g), 0);
	assert_int_equal(g.n, 3);
	ops->close(st);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hour_edges),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_store_merge_and_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

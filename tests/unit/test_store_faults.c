/* test_store_faults.c - fault injection: SQLite's Nth allocation fails, for
 * every N that the scenario reaches (open with migration, writes, reads,
 * writer thread).  Each call must fail cleanly with a message or succeed; no
 * crash, no leak (ASan), and after a failure the handle can still be closed.
 * Like SQLite's own FAULTSIM, through sqlite3_config(SQLITE_CONFIG_MALLOC). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/store.h"

static sqlite3_mem_methods orig;
static long alloc_count, fail_at; /* fail_at 0 = never */
static bool injected;

static bool should_fail(void)
{
	if (fail_at != 0 && ++alloc_count == fail_at) {
		injected = true;
		return true;
	}
	return false;
}

static void *fault_malloc(int n)
{
	return should_fail() ? NULL : orig.xMalloc(n);
}

static void *fault_realloc(void *p, int n)
{
	return should_fail() ? NULL : orig.xRealloc(p, n);
}

static void arm(long n)
{
	alloc_count = 0;
	injected = false;
	fail_at = n;
}

static char *xdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static void make_asset(struct mk_asset_rec *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "m-001b1b123456");
	mk_addr_set_mac(&a->mac, (const uint8_t[6]){0x00, 0x1b, 0x1b, 0x12, 0x34, 0x56});
	a->n_ips = 1;
	a->ips = calloc(1, sizeof(*a->ips));
	assert_non_null(a->ips);
	mk_addr_set_ip4(&a->ips[0], (const uint8_t[4]){10, 0, 0, 5});
	a->vendor = xdup("Siemens AG");
	a->n_names = 1;
	a->names = calloc(1, sizeof(*a->names));
	assert_non_null(a->names);
	a->names[0].name = xdup("ライン1");
	a->names[0].source = MK_PROTO_NBNS;
	a->n_roles = 1;
	a->roles = calloc(1, sizeof(*a->roles));
	assert_non_null(a->roles);
	a->roles[0].role = MK_ROLE_PLC;
	a->roles[0].confidence = 80;
	a->roles[0].n_reasons = 1;
	a->roles[0].reasons = calloc(1, sizeof(char *));
	assert_non_null(a->roles[0].reasons);
	a->roles[0].reasons[0] = xdup("reason");
	a->identity = calloc(1, sizeof(*a->identity));
	assert_non_null(a->identity);
	a->identity->product = xdup("S7-1200");
	a->n_attrs = 1;
	a->attrs = calloc(1, sizeof(*a->attrs));
	assert_non_null(a->attrs);
	a->attrs[0].key = xdup("k");
	a->attrs[0].value = xdup("v");
	mk_proto_set_add(&a->server, MK_PROTO_S7COMM);
}

static int count_cb(void *ctx, const struct mk_asset_rec *rec)
{
	(*(int *)ctx)++;
	return 0;
}

static int counter_cb(void *ctx, const char *name, uint64_t v)
{
	return 0;
}

/* One run of the scenario; returns true when it went through without any
 * injected failure (so larger N would not reach new allocations). */
static bool scenario(const char *path, long n)
{
	struct mk_store *st = NULL;
	struct mk_asset_rec a;
	struct mk_conv_rec c;
	char err[512] = "";
	int seen = 0;
	bool ok = true, hit;

	char side[320];

	if (strcmp(path, ":memory:") != 0)
		unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	make_asset(&a);
	memset(&c, 0, sizeof(c));
	mk_addr_set_ip4(&c.client, (const uint8_t[4]){10, 0, 0, 9});
	mk_addr_set_ip4(&c.server, (const uint8_t[4]){10, 0, 0, 5});
	c.transport = 6;
	c.port = 502;

	arm(n);
	if (mk_store_sqlite.open(&st, path, err, sizeof(err)) != 0) {
		assert_null(st);
		assert_true(err[0] != '\0'); /* a message, never silence */
		ok = false;
		goto out;
	}
	ok &= mk_store_sqlite.put_asset(st, &a) == 0;
	ok &= mk_store_sqlite.put_conv(st, &c) == 0;
	ok &= mk_store_sqlite.put_counter(st, "x", 1) == 0;
	ok &= mk_store_sqlite.each_asset(st, count_cb, &seen) == 0;
	ok &= mk_store_sqlite.each_counter(st, counter_cb, NULL) == 0;
	if (!ok)
		assert_true(strlen(mk_store_sqlite.error(st)) > 0);
	mk_store_sqlite.close(st);
out:
	hit = injected;
	arm(0);
	mk_asset_rec_clear(&a);
	if (!hit)
		assert_int_equal(seen, 1);
	return !hit;
}

/* Every N on an in-memory database (fast), then a stride over N on a file,
 * where WAL and the file header add their own allocations. */
static void test_every_allocation_failure(void **state)
{
	char dir[] = "/tmp/mk_test_faults_XXXXXX", path[300];
	long n;

	for (n = 1; n < 20000; n++)
		if (scenario(":memory:", n))
			break;
	assert_true(n > 10);     /* the scenario really allocates */
	assert_true(n < 20000);  /* and eventually runs clean */
	print_message("in memory: clean after %ld injected failures\n", n - 1);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f.db", dir);
	for (n = 1; n < 20000; n += 53)
		if (scenario(path, n))
			break;
	assert_true(n < 20000);
	print_message("file: clean after %ld\n", n - 1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/f.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/f.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

/* The writer thread over a store whose allocations start failing: sync
 * reports the error, nothing leaks. */
static void test_writer_under_faults(void **state)
{
	struct mk_store *st = NULL;
	char err[512] = "";
	int failures = 0;

	for (long n = 1; n < 400; n += 7) {
		struct mk_store_writer *w;
		struct mk_store_batch b;

		assert_int_equal(mk_store_sqlite.open(&st, ":memory:", err, sizeof(err)), 0);
		w = mk_store_writer_start(st, 2);
		assert_non_null(w);
		memset(&b, 0, sizeof(b));
		b.n_assets = 1;
		b.assets = calloc(1, sizeof(*b.assets));
		assert_non_null(b.assets);
		make_asset(&b.assets[0]);
		arm(n);
		mk_store_writer_submit(w, &b);
		if (mk_store_writer_stop(w, err, sizeof(err)) != 0) {
			assert_true(err[0] != '\0');
			failures++;
		}
		arm(0);
		mk_store_sqlite.close(st);
	}
	assert_true(failures > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_allocation_failure),
		cmocka_unit_test(test_writer_under_faults),
	};
	sqlite3_mem_methods m;

	/* Before SQLite initializes: wrap its allocator. */
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &orig) != SQLITE_OK)
		return 1;
	m = orig;
	m.xMalloc = fault_malloc;
	m.xRealloc = fault_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

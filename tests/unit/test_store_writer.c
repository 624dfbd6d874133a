/* test_store_writer.c - the writer thread: many batches through a small
 * queue, sync, and errors reported with the back end's message (a real
 * SQLite failure injected with a trigger, and a fake back end). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/store.h"

static char tmpdir[256];

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_writer_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *xdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

/* A batch with one asset "m-<n>" (with child rows, so clear has work), two
 * conversations, one capture and one counter "batches" += 1. */
static void make_batch(struct mk_store_batch *b, unsigned n)
{
	uint8_t mac[6] = {0x02, 0, 0, 0, (uint8_t)(n >> 8), (uint8_t)n};
	uint8_t ip[4] = {192, 168, (uint8_t)(n >> 8), (uint8_t)n};
	struct mk_asset_rec *a;

	memset(b, 0, sizeof(*b));
	b->n_assets = 1;
	b->assets = calloc(1, sizeof(*b->assets));
	assert_non_null(b->assets);
	a = &b->assets[0];
	snprintf(a->id, sizeof(a->id), "m-%06u", n);
	mk_addr_set_mac(&a->mac, mac);
	a->n_ips = 1;
	a->ips = calloc(1, sizeof(*a->ips));
	assert_non_null(a->ips);
	mk_addr_set_ip4(&a->ips[0], ip);
	a->n_names = 1;
	a->names = calloc(1, sizeof(*a->names));
	assert_non_null(a->names);
	a->names[0].name = xdup("ホスト");
	a->names[0].source = MK_PROTO_NBNS;
	a->vendor = xdup("vendor");
	a->packets = n;

	b->n_convs = 2;
	b->convs = calloc(2, sizeof(*b->convs));
	assert_non_null(b->convs);
	for (int i = 0; i < 2; i++) {
		mk_addr_set_ip4(&b->convs[i].client, ip);
		mk_addr_set_ip4(&b->convs[i].server, (const uint8_t[4]){10, 0, 0, 1});
		b->convs[i].transport = 6;
		b->convs[i].port = (uint16_t)(502 + i);
		b->convs[i].proto = MK_PROTO_MODBUS;
		b->convs[i].packets = n;
	}
	b->n_captures = 1;
	b->captures = calloc(1, sizeof(*b->captures));
	assert_non_null(b->captures);
	b->captures[0].file = xdup("live:eth1");
	b->captures[0].packets = n;
	b->n_counters = 1;
	b->counters = calloc(1, sizeof(*b->counters));
	assert_non_null(b->counters);
	b->counters[0].name = xdup("batches");
	b->counters[0].value = 1;
}

static size_t n_assets_seen;

static int count_asset(void *ctx, const struct mk_asset_rec *rec)
{
	n_assets_seen++;
	return 0;
}

static uint64_t counter_value;

static int get_counter(void *ctx, const char *name, uint64_t value)
{
	if (strcmp(name, (const char *)ctx) == 0)
		counter_value = value;
	return 0;
}

static void test_many_batches(void **state)
{
	char path[300], err[512] = "";
	struct mk_store *st = NULL, *reader = NULL;
	struct mk_store_writer *w;
	const unsigned N = 300;

	snprintf(path, sizeof(path), "%s/many.db", tmpdir);
	assert_int_equal(mk_store_sqlite.open(&st, path, err, sizeof(err)), 0);
	w = mk_store_writer_start(st, 4); /* small queue: submit must block and resume */
	assert_non_null(w);
	assert_int_equal(mk_store_writer_sync(w, err, sizeof(err)), 0); /* nothing yet */
	for (unsigned i = 0; i < N; i++) {
		struct mk_store_batch b;

		make_batch(&b, i);
		assert_int_equal(mk_store_writer_submit(w, &b), 0);
		/* ownership moved: the caller's batch is empty */
		assert_null(b.assets);
		assert_int_equal(b.n_assets, 0);
		assert_null(b.counters);
		if (i == N / 2) {
			/* after sync everything so far is visible to another connection */
			assert_int_equal(mk_store_writer_sync(w, err, sizeof(err)), 0);
			assert_int_equal(mk_store_sqlite.open(&reader, path, err, sizeof(err)), 0);
			counter_value = 0;
			assert_int_equal(mk_store_sqlite.each_counter(reader, get_counter, "batches"), 0);
			assert_int_equal(counter_value, N / 2 + 1);
			mk_store_sqlite.close(reader);
		}
	}
	assert_int_equal(mk_store_writer_stop(w, err, sizeof(err)), 0);

	n_assets_seen = 0;
	assert_int_equal(mk_store_sqlite.each_asset(st, count_asset, NULL), 0);
	assert_int_equal(n_assets_seen, N);
	counter_value = 0;
	assert_int_equal(mk_store_sqlite.each_counter(st, get_counter, "batches"), 0);
	assert_int_equal(counter_value, N);
	mk_store_sqlite.close(st);
}

static void test_sqlite_error_propagates(void **state)
{
	char path[300], err[512] = "";
	struct mk_store *st = NULL;
	struct mk_store_writer *w;
	struct mk_store_batch b;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/fail.db", tmpdir);
	assert_int_equal(mk_store_sqlite.open(&st, path, err, sizeof(err)), 0);
	w = mk_store_writer_start(st, 2);
	assert_non_null(w);
	make_batch(&b, 1);
	assert_int_equal(mk_store_writer_submit(w, &b), 0);
	assert_int_equal(mk_store_writer_sync(w, err, sizeof(err)), 0);

	/* Another connection makes every asset insert fail, like a full disk
	 * would, but deterministically. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER no_assets BEFORE INSERT ON assets"
	                                  " BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);

	make_batch(&b, 2);
	assert_int_equal(mk_store_writer_submit(w, &b), 0);
	assert_int_not_equal(mk_store_writer_sync(w, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "injected failure"));
	assert_non_null(strstr(err, path));
	/* from now on submit refuses, and frees what it was given */
	make_batch(&b, 3);
	assert_int_equal(mk_store_writer_submit(w, &b), -1);
	assert_null(b.assets);
	err[0] = '\0';
	assert_int_equal(mk_store_writer_stop(w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "injected failure"));

	/* the failed batch was rolled back as a whole: its counter is absent */
	counter_value = 0;
	assert_int_equal(mk_store_sqlite.each_counter(st, get_counter, "batches"), 0);
	assert_int_equal(counter_value, 1);
	mk_store_sqlite.close(st);
}

/* ---- a fake back end: fails on demand, records calls ---- */

struct fake_store {
	struct mk_store_base base;
	int puts, begins, commits, rollbacks;
	int fail_at_put; /* 1-based; 0 = never */
	bool closed;
	char err[64];
};

#define FAKE(st) ((struct fake_store *)(void *)(st))

static int fake_begin(struct mk_store *st)
{
	if (FAKE(st)->closed) {
		snprintf(FAKE(st)->err, sizeof(FAKE(st)->err), "fake: store is closed");
		return -1;
	}
	FAKE(st)->begins++;
	return 0;
}

static int fake_commit(struct mk_store *st)
{
	FAKE(st)->commits++;
	return 0;
}

static int fake_rollback(struct mk_store *st)
{
	FAKE(st)->rollbacks++;
	snprintf(FAKE(st)->err, sizeof(FAKE(st)->err), "fake: rollback clobbers the message");
	return 0;
}

static int fake_put(struct mk_store *st)
{
	struct fake_store *f = FAKE(st);

	if (++f->puts == f->fail_at_put) {
		snprintf(f->err, sizeof(f->err), "fake: database or disk is full");
		return -1;
	}
	return 0;
}

static int fake_put_asset(struct mk_store *st, const struct mk_asset_rec *r) { return fake_put(st); }
static int fake_put_conv(struct mk_store *st, const struct mk_conv_rec *r) { return fake_put(st); }
static int fake_put_capture(struct mk_store *st, const struct mk_capture_rec *r) { return fake_put(st); }
static int fake_put_counter(struct mk_store *st, const char *n, uint64_t v) { return fake_put(st); }
static const char *fake_error(struct mk_store *st) { return FAKE(st)->err; }

static const struct mk_store_ops fake_ops = {
	.name = "fake",
	.begin = fake_begin,
	.commit = fake_commit,
	.rollback = fake_rollback,
	.put_asset = fake_put_asset,
	.put_conv = fake_put_conv,
	.put_capture = fake_put_capture,
	.put_counter = fake_put_counter,
	.error = fake_error,
};

static void test_fake_backend_error(void **state)
{
	struct fake_store f = {.base = {&fake_ops}, .fail_at_put = 12};
	struct mk_store_writer *w = mk_store_writer_start((struct mk_store *)(void *)&f, 1);
	char err[256] = "";

	assert_non_null(w);
	/* each batch has 5 records: the 12th put is in the third batch */
	for (unsigned i = 0; i < 2; i++) {
		struct mk_store_batch b;

		make_batch(&b, i);
		assert_int_equal(mk_store_writer_submit(w, &b), 0);
		assert_int_equal(mk_store_writer_sync(w, err, sizeof(err)), 0);
	}
	struct mk_store_batch b;

	make_batch(&b, 3);
	assert_int_equal(mk_store_writer_submit(w, &b), 0);
	assert_int_equal(mk_store_writer_sync(w, err, sizeof(err)), -1);
	/* the message of the failure, not of the rollback after it */
	assert_string_equal(err, "fake: database or disk is full");
	assert_int_equal(f.rollbacks, 1);
	assert_int_equal(f.commits, 2);
	assert_int_equal(mk_store_writer_stop(w, err, sizeof(err)), -1);
}

static void test_fake_store_closed(void **state)
{
	struct fake_store f = {.base = {&fake_ops}, .closed = true};
	struct mk_store_writer *w = mk_store_writer_start((struct mk_store *)(void *)&f, 3);
	struct mk_store_batch b;
	char err[256] = "";

	assert_non_null(w);
	make_batch(&b, 1);
	assert_int_equal(mk_store_writer_submit(w, &b), 0);
	assert_int_equal(mk_store_writer_stop(w, err, sizeof(err)), -1);
	assert_string_equal(err, "fake: store is closed");
	assert_int_equal(f.puts, 0);
}

static void test_batch_clear(void **state)
{
	struct mk_store_batch b;

	make_batch(&b, 9);
	mk_store_batch_clear(&b);
	assert_null(b.assets);
	assert_int_equal(b.n_convs, 0);
	mk_store_batch_clear(&b); /* twice is harmless */
	mk_store_batch_clear(NULL);
	assert_null(mk_store_writer_start(NULL, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_batches),
		cmocka_unit_test(test_sqlite_error_propagates),
		cmocka_unit_test(test_fake_backend_error),
		cmocka_unit_test(test_fake_store_closed),
		cmocka_unit_test(test_batch_clear),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

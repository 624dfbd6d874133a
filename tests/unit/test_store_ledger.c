/* test_store_ledger.c - the change ledger and maintenance windows in the
 * SQLite store: the round trip of every field, replace by id, the order,
 * window ids never reused after a delete, refused ranges, and the tables
 * created on a database written before them. */
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

#include "mieruka/facts.h"
#include "mieruka/store.h"
#include "store/schema.h"

#define T0 1700000000000000000ull
#define S 1000000000ull

static char tmpdir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_store_ledger_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct mk_store *open_ok(const char *path)
{
	struct mk_store *st = NULL;
	char err[512] = "";

	if (mk_store_sqlite.open(&st, path, err, sizeof(err)) != 0)
		fail_msg("open %s: %s", path, err);
	return st;
}

struct changes {
	struct mk_change_rec v[8];
	size_t n;
};

static int collect_change(void *ctx, const struct mk_change_rec *rec)
{
	struct changes *c = ctx;

	assert_true(c->n < 8);
	c->v[c->n++] = *rec;
	return 0;
}

struct windows {
	struct mk_window_rec v[8];
	size_t n;
};

static int collect_window(void *ctx, const struct mk_window_rec *rec)
{
	struct windows *w = ctx;

	assert_true(w->n < 8);
	w->v[w->n++] = *rec;
	return 0;
}

static struct mk_change_rec change(const char *id, const char *client, const char *server,
                                   uint64_t first)
{
	struct mk_change_rec c;

	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "%s", id);
	assert_true(mk_addr_parse(&c.client, client));
	assert_true(mk_addr_parse(&c.server, server));
	c.proto = MK_PROTO_S7COMM;
	c.op = MK_OP_PROGRAM;
	snprintf(c.detail, sizeof(c.detail), "request_download DB1");
	c.first_ns = first;
	c.last_ns = first + 5 * S;
	c.count = 7;
	return c;
}

static void test_changes_roundtrip(void **state)
{
	char path[300];
	struct mk_store *st;
	struct changes got = {0};
	struct mk_change_rec a = change("ch-000000000000000a", "10.0.0.1", "10.0.0.2", T0 + S);
	struct mk_change_rec b =
	    change("ch-000000000000000b", "00:0c:29:00:00:01", "00:1b:1b:00:00:02", T0);
	struct mk_change_rec bad = a;

	(void)state;
	snprintf(path, sizeof(path), "%s/changes.db", tmpdir);
	st = open_ok(path);
	a.op = MK_OP_FIRMWARE;
	a.proto = MK_PROTO_ENIP;
	a.ok = 3;
	a.failed = 1;
	a.window = 4000000000u;
	b.proto = MK_PROTO_PROFINET_DCP;
	b.op = MK_OP_CONTROL;
	memset(b.detail, 0, sizeof(b.detail)); /* compared whole below */
	snprintf(b.detail, sizeof(b.detail), "dcp_set ip");
	assert_int_equal(mk_store_sqlite.put_change(st, &a), 0);
	assert_int_equal(mk_store_sqlite.put_change(st, &b), 0);
	bad.id[0] = '\0';
	assert_int_equal(mk_store_sqlite.put_change(st, &bad), -1);
	assert_int_equal(mk_store_sqlite.each_change(st, collect_change, &got), 0);
	assert_int_equal(got.n, 2);
	/* by first time */
	assert_string_equal(got.v[0].id, b.id);
	assert_string_equal(got.v[1].id, a.id);
	assert_memory_equal(&got.v[0], &b, sizeof(b));
	assert_memory_equal(&got.v[1], &a, sizeof(a));
	/* replace by id: a later snapshot of the same entry */
	a.count = 70;
	a.last_ns += 60 * S;
	assert_int_equal(mk_store_sqlite.put_change(st, &a), 0);
	got.n = 0;
	assert_int_equal(mk_store_sqlite.each_change(st, collect_change, &got), 0);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.v[1].count, 70);
	assert_int_equal(got.v[1].last_ns, a.last_ns);
	mk_store_sqlite.close(st);
}

static void test_windows(void **state)
{
	char path[300];
	struct mk_store *st;
	struct windows got = {0};
	struct mk_window_rec w;
	uint32_t id1 = 0, id2 = 0, id3 = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/windows.db", tmpdir);
	st = open_ok(path);
	memset(&w, 0, sizeof(w));
	w.start_ns = T0;
	w.end_ns = T0 + 3600 * S;
	w.created_ns = T0 - S;
	assert_true(mk_addr_parse(&w.devices[0], "192.168.0.10"));
	assert_true(mk_addr_parse(&w.devices[1], "00:1b:1b:1a:d6:e0"));
	assert_true(mk_addr_parse(&w.devices[2], "2001:db8::10"));
	w.n_devices = 3;
	snprintf(w.vendor, sizeof(w.vendor), "ＡＢＣ エンジニアリング");
	snprintf(w.note, sizeof(w.note), "OB1 change, \"WO-42\"\tline 1");
	assert_int_equal(mk_store_sqlite.add_window(st, &w, &id1), 0);
	w.n_devices = 0;
	w.vendor[0] = w.note[0] = '\0';
	assert_int_equal(mk_store_sqlite.add_window(st, &w, &id2), 0);
	assert_true(id1 > 0 && id2 > id1);
	/* The end must be after the start. */
	w.end_ns = w.start_ns;
	assert_int_equal(mk_store_sqlite.add_window(st, &w, &id3), -1);
	assert_int_equal(id3, 0);
	assert_int_equal(mk_store_sqlite.each_window(st, collect_window, &got), 0);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.v[0].id, id1);
	assert_int_equal(got.v[0].start_ns, T0);
	assert_int_equal(got.v[0].end_ns, T0 + 3600 * S);
	assert_int_equal(got.v[0].created_ns, T0 - S);
	assert_int_equal(got.v[0].n_devices, 3);
	{
		struct mk_addr x;

		assert_true(mk_addr_parse(&x, "00:1b:1b:1a:d6:e0"));
		assert_true(mk_addr_eq(&got.v[0].devices[1], &x));
		assert_true(mk_addr_parse(&x, "2001:db8::10"));
		assert_true(mk_addr_eq(&got.v[0].devices[2], &x));
	}
	assert_string_equal(got.v[0].vendor, "ＡＢＣ エンジニアリング");
	/* Control characters are not kept (the TAB of the note). */
	assert_null(strchr(got.v[0].note, '\t'));
	assert_non_null(strstr(got.v[0].note, "\"WO-42\""));
	assert_int_equal(got.v[1].id, id2);
	assert_int_equal(got.v[1].n_devices, 0);
	/* Delete; a deleted id is never given again (alerts keep naming it). */
	assert_int_equal(mk_store_sqlite.delete_window(st, id2), 1);
	assert_int_equal(mk_store_sqlite.delete_window(st, id2), 0);
	assert_int_equal(mk_store_sqlite.delete_window(st, 999), 0);
	w.end_ns = w.start_ns + S;
	assert_int_equal(mk_store_sqlite.add_window(st, &w, &id3), 0);
	assert_true(id3 > id2);
	got.n = 0;
	assert_int_equal(mk_store_sqlite.each_window(st, collect_window, &got), 0);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.v[1].id, id3);
	mk_store_sqlite.close(st);
	/* ... also after reopening the file */
	st = open_ok(path);
	assert_int_equal(mk_store_sqlite.delete_window(st, id3), 1);
	id2 = 0;
	assert_int_equal(mk_store_sqlite.add_window(st, &w, &id2), 0);
	assert_true(id2 > id3);
	mk_store_sqlite.close(st);
}

/* A database at the version before the ledger's migration gets the tables. */
static void test_migration(void **state)
{
	char path[300];
	sqlite3 *db;
	struct mk_store *st;
	struct changes got = {0};
	struct mk_change_rec a = change("ch-00000000000000aa", "10.0.0.1", "10.0.0.2", T0);
	size_t upto = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/old.db", tmpdir);
	/* Find this build's ledger migration and stop just before it. */
	for (size_t i = 0; i < mk_store_n_migrations; i++)
		if (strstr(mk_store_migrations[i], "CREATE TABLE changes") != NULL)
			upto = i;
	assert_true(upto > 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (size_t i = 0; i < upto; i++)
		assert_int_equal(sqlite3_exec(db, mk_store_migrations[i], NULL, NULL, NULL),
		                 SQLITE_OK);
	{
		char sql[128];

		snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; PRAGMA user_version=%zu;",
		         MK_STORE_APPLICATION_ID, upto);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	sqlite3_close(db);
	st = open_ok(path);
	assert_int_equal(mk_store_sqlite.put_change(st, &a), 0);
	assert_int_equal(mk_store_sqlite.each_change(st, collect_change, &got), 0);
	assert_int_equal(got.n, 1);
	mk_store_sqlite.close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_changes_roundtrip),
	    cmocka_unit_test(test_windows),
	    cmocka_unit_test(test_migration),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

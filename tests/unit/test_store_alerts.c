/* test_store_alerts.c - alerts in the SQLite store: the migration from a
 * version 1 database (written before alerts existed), the round trip of every
 * field, replace by id, and the merge of a re-run through the detector (the
 * path `analyze` takes on an existing database). */
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

#include "mieruka/detect.h"
#include "mieruka/proto.h"
#include "mieruka/store.h"
#include "store/schema.h"

static char tmpdir[256];

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_store_alerts_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static long long raw_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = 0;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static struct mk_store *open_ok(const char *path)
{
	struct mk_store *st = NULL;
	char err[512] = "";

	if (mk_store_sqlite.open(&st, path, err, sizeof(err)) != 0)
		fail_msg("open %s: %s", path, err);
	return st;
}

struct collected {
	struct mk_alert_rec v[16];
	size_t n;
	size_t assets;
};

static int collect_alert(void *ctx, const struct mk_alert_rec *rec)
{
	struct collected *c = ctx;

	assert_true(c->n < 16);
	assert_int_equal(mk_alert_rec_copy(&c->v[c->n++], rec), 0);
	return 0;
}

static int count_asset(void *ctx, const struct mk_asset_rec *rec)
{
	(void)rec;
	((struct collected *)ctx)->assets++;
	return 0;
}

static void collected_clear(struct collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		mk_alert_rec_clear(&c->v[i]);
	c->n = 0;
}

static void test_migration_from_version_1(void **state)
{
	char path[300];
	sqlite3 *db;
	struct mk_store *st;
	struct collected c = {0};

	(void)state;
	snprintf(path, sizeof(path), "%s/v1.db", tmpdir);
	/* a database as the first release wrote it, with one asset */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, mk_store_migrations[0], NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "PRAGMA user_version = 1; PRAGMA application_id = 1296781909;"
	                              "INSERT INTO assets(id, mac) VALUES('m-001b1b123456',"
	                              " '00:1b:1b:12:34:56');",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM sqlite_master WHERE name='alerts'"), 0);

	st = open_ok(path);
	assert_int_equal(mk_store_schema_version(), (int)mk_store_n_migrations);
	assert_int_equal(mk_store_sqlite.each_asset(st, count_asset, &c), 0);
	assert_int_equal(c.assets, 1); /* the earlier data is still there */
	assert_int_equal(mk_store_sqlite.each_alert(st, collect_alert, &c), 0);
	assert_int_equal(c.n, 0);
	mk_store_sqlite.close(st);
	assert_int_equal(raw_sql(path, "PRAGMA user_version"), (long long)mk_store_n_migrations);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM sqlite_master WHERE type='table' AND"
	                               " name IN ('alerts','alert_evidence')"),
	                 2);
}

static void make_alert(struct mk_alert_rec *a, uint64_t count, size_t n_ev)
{
	const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	const uint8_t mac[6] = {0x00, 0x1b, 0x1b, 0xaa, 0xbb, 0xcc};

	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "al-0123456789abcdef");
	snprintf(a->type, sizeof(a->type), "plc_control");
	snprintf(a->subject, sizeof(a->subject), "subj");
	a->severity = MK_SEV_CRITICAL;
	mk_addr_set_ip6(&a->client, v6);
	mk_addr_set_mac(&a->server, mac);
	a->transport = 0;
	a->proto = MK_PROTO_PROFINET_DCP;
	a->first_ns = 1000;
	a->last_ns = 2000;
	a->count = count;
	a->title_en = strdup("PLC stopped");
	a->title_ja = strdup("PLCが停止しました");
	a->detail_en = strdup("detail");
	a->detail_ja = strdup("詳細です");
	a->evidence = calloc(MK_ALERT_MAX_EVIDENCE, sizeof(*a->evidence));
	assert_non_null(a->evidence);
	for (size_t i = 0; i < n_ev; i++) {
		char k[32];

		snprintf(k, sizeof(k), "k%zu", i);
		a->evidence[i].key = strdup(k);
		a->evidence[i].value = strdup("7");
	}
	a->n_evidence = n_ev;
}

static void test_roundtrip_and_replace(void **state)
{
	char path[300];
	struct mk_store *st;
	struct mk_alert_rec a, b;
	struct collected c = {0};

	(void)state;
	snprintf(path, sizeof(path), "%s/rt.db", tmpdir);
	st = open_ok(path);
	make_alert(&a, 5, 3);
	assert_int_equal(mk_store_sqlite.put_alert(st, &a), 0);
	assert_int_equal(mk_store_sqlite.each_alert(st, collect_alert, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].id, a.id);
	assert_string_equal(c.v[0].type, "plc_control");
	assert_string_equal(c.v[0].subject, "subj");
	assert_int_equal(c.v[0].severity, MK_SEV_CRITICAL);
	assert_true(mk_addr_eq(&c.v[0].client, &a.client));
	assert_true(mk_addr_eq(&c.v[0].server, &a.server));
	assert_int_equal(c.v[0].proto, MK_PROTO_PROFINET_DCP);
	assert_int_equal(c.v[0].first_ns, 1000);
	assert_int_equal(c.v[0].last_ns, 2000);
	assert_int_equal(c.v[0].count, 5);
	assert_string_equal(c.v[0].title_ja, "PLCが停止しました");
	assert_string_equal(c.v[0].detail_ja, "詳細です");
	assert_int_equal(c.v[0].n_evidence, 3);
	assert_string_equal(c.v[0].evidence[2].key, "k2");
	collected_clear(&c);
	/* the same id again: replaced, not duplicated; evidence replaced too */
	make_alert(&b, 9, 1);
	assert_int_equal(mk_store_sqlite.put_alert(st, &b), 0);
	assert_int_equal(mk_store_sqlite.each_alert(st, collect_alert, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.v[0].count, 9);
	assert_int_equal(c.v[0].n_evidence, 1);
	collected_clear(&c);
	/* no id: refused with a message */
	b.id[0] = '\0';
	assert_int_not_equal(mk_store_sqlite.put_alert(st, &b), 0);
	mk_store_sqlite.close(st);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM alert_evidence"), 1);
	mk_alert_rec_clear(&a);
	mk_alert_rec_clear(&b);
}

/* One run of "analyze": seed a detector from the database, see n stops, write back. */
static void run_once(const char *path, unsigned n)
{
	struct mk_detect_limits lim;
	struct mk_detect *d;
	struct mk_store *st = open_ok(path);
	struct collected c = {0};
	struct mk_alert_rec *v;
	struct mk_flow f;
	const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
	char err[256];
	size_t k;

	mk_detect_limits_default(&lim);
	d = mk_detect_new(&lim, NULL, NULL, NULL, err, sizeof(err));
	assert_non_null(d);
	assert_int_equal(mk_store_sqlite.each_alert(st, collect_alert, &c), 0);
	for (size_t i = 0; i < c.n; i++)
		mk_detect_load(d, &c.v[i]);
	collected_clear(&c);
	memset(&f, 0, sizeof(f));
	f.transport = MK_FT_TCP;
	mk_addr_set_ip4(&f.cli.ip, cli);
	mk_addr_set_ip4(&f.srv.ip, srv);
	f.srv.port = 102;
	for (unsigned i = 0; i < n; i++)
		mk_detect_operation(d, &f, MK_DIR_TO_SERVER, MK_PROTO_S7COMM, MK_OP_CONTROL, "plc_stop",
		                    8, 1000 + i);
	k = mk_detect_snapshot(d, NULL, 0, NULL, 0, &v);
	assert_int_equal(k, 1);
	assert_int_equal(mk_store_sqlite.begin(st), 0);
	assert_int_equal(mk_store_sqlite.put_alert(st, &v[0]), 0);
	assert_int_equal(mk_store_sqlite.commit(st), 0);
	mk_alert_rec_clear(&v[0]);
	free(v);
	mk_detect_free(d);
	mk_store_sqlite.close(st);
}

static void test_rerun_merges(void **state)
{
	char path[300];

	(void)state;
	snprintf(path, sizeof(path), "%s/merge.db", tmpdir);
	run_once(path, 3);
	run_once(path, 4);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM alerts"), 1);
	assert_int_equal(raw_sql(path, "SELECT count FROM alerts"), 7);
	assert_int_equal(raw_sql(path, "SELECT value FROM alert_evidence WHERE key='plc_stop'"), 7);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM alerts WHERE severity='critical'"), 1);
}

/* A person's decision survives the detector's next write of the same alert;
 * the detector's own statuses (open, planned) follow what it writes. */
static void test_status_kept_across_runs(void **state)
{
	char path[300];
	struct mk_store *st;
	struct mk_alert_rec a;
	struct collected c = {0};

	(void)state;
	snprintf(path, sizeof(path), "%s/status.db", tmpdir);
	st = open_ok(path);
	make_alert(&a, 5, 1);
	assert_int_equal(mk_store_sqlite.put_alert(st, &a), 0);
	assert_int_equal(mk_store_sqlite.each_alert(st, collect_alert, &c), 0);
	assert_int_equal(c.v[0].status, MK_ALERT_OPEN);
	collected_clear(&c);
	/* unknown id: 0, nothing changed */
	assert_int_equal(mk_store_sqlite.set_alert_status(st, "al-none", MK_ALERT_ACCEPTED, "x"), 0);
	assert_int_equal(mk_store_sqlite.set_alert_status(st, a.id, MK_ALERT_STATUS_COUNT, ""), -1);
	assert_int_equal(
	    mk_store_sqlite.set_alert_status(st, a.id, MK_ALERT_ACCEPTED, "計画停止 (planned)"), 1);
	/* the detector writes the alert again (more occurrences, status open) */
	a.count = 8;
	a.status = MK_ALERT_OPEN;
	assert_int_equal(mk_store_sqlite.put_alert(st, &a), 0);
	assert_int_equal(mk_store_sqlite.each_alert(st, collect_alert, &c), 0);
	assert_int_equal(c.v[0].count, 8);
	assert_int_equal(c.v[0].status, MK_ALERT_ACCEPTED);
	assert_string_equal(c.v[0].status_note, "計画停止 (planned)");
	collected_clear(&c);
	/* reopened by a person: the detector's status applies again */
	assert_int_equal(mk_store_sqlite.set_alert_status(st, a.id, MK_ALERT_OPEN, ""), 1);
	a.status = MK_ALERT_PLANNED;
	assert_int_equal(mk_store_sqlite.put_alert(st, &a), 0);
	assert_int_equal(mk_store_sqlite.each_alert(st, collect_alert, &c), 0);
	assert_int_equal(c.v[0].status, MK_ALERT_PLANNED);
	collected_clear(&c);
	mk_store_sqlite.close(st);
	assert_int_equal(raw_sql(path, "SELECT status_ns > 1600000000000000000 FROM alerts"), 1);
	mk_alert_rec_clear(&a);
	assert_string_equal(mk_alert_status_name(MK_ALERT_ACKNOWLEDGED), "acknowledged");
	assert_int_equal(mk_alert_status_from_name("accepted"), MK_ALERT_ACCEPTED);
	assert_int_equal(mk_alert_status_from_name("closed"), -1);
	assert_string_equal(mk_alert_status_name(99), "open");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migration_from_version_1),
		cmocka_unit_test(test_roundtrip_and_replace),
		cmocka_unit_test(test_rerun_merges),
		cmocka_unit_test(test_status_kept_across_runs),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

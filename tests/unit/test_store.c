/* test_store.c - the SQLite back end: round trip of every field, replace
 * semantics, counters, migrations, and refusing files that are not ours. */
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
#include "store/schema.h"

/* ---- fixtures ---- */

static char tmpdir[256];

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_store_XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void db_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static char *xdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static const uint8_t MAC1[6] = {0x00, 0x1b, 0x1b, 0x12, 0x34, 0x56}; /* Siemens OUI */
static const uint8_t IP_A[4] = {10, 0, 0, 5};
static const uint8_t IP_B[4] = {10, 0, 0, 9};
static const uint8_t IP6_LL[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x1b, 0x1b, 0xff, 0xfe, 0x12, 0x34, 0x56};

/* An asset with every field set, including Japanese text and odd bytes. */
static void make_full_asset(struct mk_asset_rec *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "m-001b1b123456");
	mk_addr_set_mac(&a->mac, MAC1);
	a->n_ips = 2;
	a->ips = calloc(2, sizeof(*a->ips));
	assert_non_null(a->ips);
	mk_addr_set_ip4(&a->ips[0], IP_A);
	mk_addr_set_ip6(&a->ips[1], IP6_LL);
	a->vendor = xdup("Siemens AG");
	a->n_names = 3;
	a->names = calloc(3, sizeof(*a->names));
	assert_non_null(a->names);
	a->names[0].name = xdup("plc-line1");
	a->names[0].source = MK_PROTO_NBNS;
	a->names[1].name = xdup("ライン1制御盤");
	a->names[1].source = MK_PROTO_MDNS;
	/* bytes that are not UTF-8 and a quote: the store keeps them as they are */
	a->names[2].name = xdup("odd\xff\xfe\"'; DROP TABLE assets;--");
	a->names[2].source = MK_PROTO_DHCP;
	a->n_roles = 2;
	a->roles = calloc(2, sizeof(*a->roles));
	assert_non_null(a->roles);
	a->roles[0].role = MK_ROLE_PLC;
	a->roles[0].confidence = 90;
	a->roles[0].n_reasons = 2;
	a->roles[0].reasons = calloc(2, sizeof(char *));
	assert_non_null(a->roles[0].reasons);
	a->roles[0].reasons[0] = xdup("serves s7comm on port 102");
	a->roles[0].reasons[1] = xdup("vendor is an automation maker");
	a->roles[1].role = MK_ROLE_HMI;
	a->roles[1].confidence = 20;
	mk_proto_set_add(&a->server, MK_PROTO_MODBUS);
	mk_proto_set_add(&a->server, MK_PROTO_S7COMM);
	mk_proto_set_add(&a->client, MK_PROTO_DNS);
	mk_proto_set_add(&a->client, MK_PROTO_NTP);
	a->identity = calloc(1, sizeof(*a->identity));
	assert_non_null(a->identity);
	a->identity->vendor = xdup("Siemens");
	a->identity->product = xdup("CPU 1214C DC/DC/DC");
	a->identity->model = NULL; /* unknown stays NULL */
	a->identity->firmware = xdup("V4.2.1");
	a->identity->serial = xdup("S C-X4U123456");
	a->identity->source = MK_PROTO_S7COMM;
	a->os = xdup("Linux 2.6");
	a->os_confidence = 60;
	a->n_attrs = 2;
	a->attrs = calloc(2, sizeof(*a->attrs));
	assert_non_null(a->attrs);
	a->attrs[0].key = xdup("dhcp_vendor_class");
	a->attrs[0].value = xdup("MSFT 5.0");
	a->attrs[0].source = MK_PROTO_DHCP;
	a->attrs[1].key = xdup("user_agent");
	a->attrs[1].value = NULL;
	a->attrs[1].source = MK_PROTO_HTTP;
	a->first_ns = UINT64_C(1682933400123456789);
	a->last_ns = UINT64_C(1682937000999999999);
	a->packets = 123456;
	a->bytes = UINT64_MAX; /* above 2^63: must come back bit-identical */
	a->vlans[0] = 10;
	a->vlans[1] = 4094;
	a->n_vlans = 2;
}

/* An asset keyed by IP with only the mandatory fields. */
static void make_min_asset(struct mk_asset_rec *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "i-10.0.0.9");
	a->n_ips = 1;
	a->ips = calloc(1, sizeof(*a->ips));
	assert_non_null(a->ips);
	mk_addr_set_ip4(&a->ips[0], IP_B);
	a->first_ns = 1;
	a->last_ns = 2;
	a->packets = 3;
	a->bytes = 4;
}

static void make_conv(struct mk_conv_rec *c, int kind)
{
	memset(c, 0, sizeof(*c));
	if (kind == 2) { /* LLDP between two MACs */
		const uint8_t peer[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};

		mk_addr_set_mac(&c->client, MAC1);
		mk_addr_set_mac(&c->server, peer);
		c->transport = 0;
		c->port = 0;
		c->proto = MK_PROTO_LLDP;
	} else {
		mk_addr_set_ip4(&c->client, IP_B);
		mk_addr_set_ip4(&c->server, IP_A);
		c->transport = kind == 0 ? 6 : 17;
		c->port = kind == 0 ? 502 : 123;
		c->proto = kind == 0 ? MK_PROTO_MODBUS : MK_PROTO_NTP;
	}
	c->packets = 100u + (unsigned)kind;
	c->bytes = 6400u + (unsigned)kind;
	c->first_ns = 1000;
	c->last_ns = UINT64_C(9000000000000000000);
	c->flows = 7;
	for (int op = 0; op < MK_OP_COUNT; op++)
		c->ops[op] = (uint64_t)(op + 1) * 11u;
}

static void make_capture(struct mk_capture_rec *c, const char *file, size_t nwarn)
{
	memset(c, 0, sizeof(*c));
	c->file = xdup(file);
	c->packets = 42;
	c->bytes = 4242;
	c->first_ns = 1682933400000000000u;
	c->last_ns = 1682933401000000000u;
	c->n_linktypes = 3;
	c->linktypes[0] = 1;   /* ethernet */
	c->linktypes[1] = 113; /* linux_sll */
	c->linktypes[2] = 147; /* a DLT_USER value this build has no name for */
	c->n_warnings = nwarn;
	c->warnings = calloc(nwarn != 0 ? nwarn : 1, sizeof(char *));
	assert_non_null(c->warnings);
	for (size_t i = 0; i < nwarn; i++) {
		char buf[64];

		snprintf(buf, sizeof(buf), "truncated record %zu at offset 1234", i);
		c->warnings[i] = xdup(buf);
	}
}

/* ---- comparisons ---- */

static void assert_str_eq_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		assert_null(a);
		assert_null(b);
		return;
	}
	assert_string_equal(a, b);
}

static void assert_asset_eq(const struct mk_asset_rec *x, const struct mk_asset_rec *y)
{
	assert_string_equal(x->id, y->id);
	assert_true(mk_addr_eq(&x->mac, &y->mac) || (x->mac.family == 0 && y->mac.family == 0));
	assert_int_equal(x->n_vlans, y->n_vlans);
	for (size_t i = 0; i < x->n_vlans; i++)
		assert_int_equal(x->vlans[i], y->vlans[i]);
	assert_int_equal(x->n_ips, y->n_ips);
	for (size_t i = 0; i < x->n_ips; i++)
		assert_true(mk_addr_eq(&x->ips[i], &y->ips[i]));
	assert_str_eq_null(x->vendor, y->vendor);
	assert_int_equal(x->n_names, y->n_names);
	for (size_t i = 0; i < x->n_names; i++) {
		assert_string_equal(x->names[i].name, y->names[i].name);
		assert_int_equal(x->names[i].source, y->names[i].source);
	}
	assert_int_equal(x->n_roles, y->n_roles);
	for (size_t i = 0; i < x->n_roles; i++) {
		assert_int_equal(x->roles[i].role, y->roles[i].role);
		assert_int_equal(x->roles[i].confidence, y->roles[i].confidence);
		assert_int_equal(x->roles[i].n_reasons, y->roles[i].n_reasons);
		for (size_t k = 0; k < x->roles[i].n_reasons; k++)
			assert_string_equal(x->roles[i].reasons[k], y->roles[i].reasons[k]);
	}
	assert_memory_equal(&x->server, &y->server, sizeof(x->server));
	assert_memory_equal(&x->client, &y->client, sizeof(x->client));
	if (x->identity == NULL || y->identity == NULL) {
		assert_null(x->identity);
		assert_null(y->identity);
	} else {
		assert_str_eq_null(x->identity->vendor, y->identity->vendor);
		assert_str_eq_null(x->identity->product, y->identity->product);
		assert_str_eq_null(x->identity->model, y->identity->model);
		assert_str_eq_null(x->identity->firmware, y->identity->firmware);
		assert_str_eq_null(x->identity->serial, y->identity->serial);
		assert_int_equal(x->identity->source, y->identity->source);
	}
	assert_str_eq_null(x->os, y->os);
	assert_int_equal(x->os_confidence, y->os_confidence);
	assert_int_equal(x->n_attrs, y->n_attrs);
	for (size_t i = 0; i < x->n_attrs; i++) {
		assert_string_equal(x->attrs[i].key, y->attrs[i].key);
		assert_str_eq_null(x->attrs[i].value, y->attrs[i].value);
		assert_int_equal(x->attrs[i].source, y->attrs[i].source);
	}
	assert_true(x->first_ns == y->first_ns);
	assert_true(x->last_ns == y->last_ns);
	assert_true(x->packets == y->packets);
	assert_true(x->bytes == y->bytes);
}

static void assert_conv_eq(const struct mk_conv_rec *x, const struct mk_conv_rec *y)
{
	assert_true(mk_addr_eq(&x->client, &y->client));
	assert_true(mk_addr_eq(&x->server, &y->server));
	assert_int_equal(x->transport, y->transport);
	assert_int_equal(x->port, y->port);
	assert_int_equal(x->proto, y->proto);
	assert_true(x->packets == y->packets && x->bytes == y->bytes);
	assert_true(x->first_ns == y->first_ns && x->last_ns == y->last_ns);
	assert_true(x->flows == y->flows);
	for (int op = 0; op < MK_OP_COUNT; op++)
		assert_true(x->ops[op] == y->ops[op]);
}

static void assert_capture_eq(const struct mk_capture_rec *x, const struct mk_capture_rec *y)
{
	assert_string_equal(x->file, y->file);
	assert_true(x->packets == y->packets && x->bytes == y->bytes);
	assert_true(x->first_ns == y->first_ns && x->last_ns == y->last_ns);
	assert_int_equal(x->n_linktypes, y->n_linktypes);
	for (unsigned i = 0; i < x->n_linktypes; i++)
		assert_int_equal(x->linktypes[i], y->linktypes[i]);
	assert_int_equal(x->n_warnings, y->n_warnings);
	for (size_t i = 0; i < x->n_warnings; i++)
		assert_string_equal(x->warnings[i], y->warnings[i]);
}

/* ---- iteration contexts ---- */

struct expect_assets {
	const struct mk_asset_rec *v;
	size_t n, seen;
};

static int check_asset_cb(void *ctx, const struct mk_asset_rec *rec)
{
	struct expect_assets *e = ctx;

	assert_true(e->seen < e->n);
	assert_asset_eq(&e->v[e->seen], rec);
	e->seen++;
	return 0;
}

struct expect_convs {
	const struct mk_conv_rec *v;
	size_t n, seen;
};

static int check_conv_cb(void *ctx, const struct mk_conv_rec *rec)
{
	struct expect_convs *e = ctx;

	assert_true(e->seen < e->n);
	assert_conv_eq(&e->v[e->seen], rec);
	e->seen++;
	return 0;
}

struct expect_captures {
	const struct mk_capture_rec *v;
	size_t n, seen;
};

static int check_capture_cb(void *ctx, const struct mk_capture_rec *rec)
{
	struct expect_captures *e = ctx;

	assert_true(e->seen < e->n);
	assert_capture_eq(&e->v[e->seen], rec);
	e->seen++;
	return 0;
}

struct counters {
	char names[8][32];
	uint64_t values[8];
	size_t n;
};

static int collect_counter_cb(void *ctx, const char *name, uint64_t value)
{
	struct counters *c = ctx;

	assert_true(c->n < 8);
	snprintf(c->names[c->n], sizeof(c->names[c->n]), "%s", name);
	c->values[c->n++] = value;
	return 0;
}

static int count_cb(void *ctx, const struct mk_asset_rec *rec)
{
	(*(size_t *)ctx)++;
	return 0;
}

static struct mk_store *open_ok(const char *path)
{
	struct mk_store *st = NULL;
	char err[512] = "";

	if (mk_store_sqlite.open(&st, path, err, sizeof(err)) != 0)
		fail_msg("open %s: %s", path, err);
	assert_non_null(st);
	return st;
}

/* Runs one SQL statement on a separate connection; returns the first column
 * of the first row as an integer (or 0). */
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

/* ---- tests ---- */

static void test_roundtrip_every_field(void **state)
{
	char path[300];
	struct mk_asset_rec assets[2];
	struct mk_conv_rec convs[3];
	struct mk_capture_rec caps[2];
	struct mk_store *st;
	const struct mk_store_ops *ops = &mk_store_sqlite;

	db_path(path, sizeof(path), "roundtrip.db");
	/* expected order: assets by id ("i-..." < "m-..."), conversations by
	 * address (MACs before IPv4), then port; captures by insertion */
	make_min_asset(&assets[0]);
	make_full_asset(&assets[1]);
	make_conv(&convs[0], 2); /* l2 */
	make_conv(&convs[1], 1); /* udp/123 */
	make_conv(&convs[2], 0); /* tcp/502 */
	make_capture(&caps[0], "/captures/zweite Datei ライン1.pcapng", 2);
	make_capture(&caps[1], "/captures/a.pcap", 0);

	st = open_ok(path);
	assert_string_equal(((struct mk_store_base *)st)->ops->name, "sqlite");
	assert_int_equal(ops->begin(st), 0);
	assert_int_equal(ops->put_asset(st, &assets[1]), 0);
	assert_int_equal(ops->put_asset(st, &assets[0]), 0);
	assert_int_equal(ops->put_conv(st, &convs[2]), 0);
	assert_int_equal(ops->put_conv(st, &convs[0]), 0);
	assert_int_equal(ops->put_conv(st, &convs[1]), 0);
	assert_int_equal(ops->put_capture(st, &caps[0]), 0);
	assert_int_equal(ops->put_capture(st, &caps[1]), 0);
	assert_int_equal(ops->commit(st), 0);
	ops->close(st);

	/* a new handle reads what the file holds */
	st = open_ok(path);
	struct expect_assets ea = {assets, 2, 0};
	struct expect_convs ec = {convs, 3, 0};
	struct expect_captures ek = {caps, 2, 0};

	assert_int_equal(ops->each_asset(st, check_asset_cb, &ea), 0);
	assert_int_equal(ea.seen, 2);
	assert_int_equal(ops->each_conv(st, check_conv_cb, &ec), 0);
	assert_int_equal(ec.seen, 3);
	assert_int_equal(ops->each_capture(st, check_capture_cb, &ek), 0);
	assert_int_equal(ek.seen, 2);
	ops->close(st);

	/* readable: names, not numbers */
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM asset_names WHERE source='mdns'"
	                               " AND name='ライン1制御盤'"), 1);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM asset_roles WHERE role='plc'"), 1);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM assets WHERE server_protos="
	                               "'modbus,s7comm' AND mac='00:1b:1b:12:34:56'"), 1);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM conversations WHERE transport='l2'"
	                               " AND proto='lldp'"), 1);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM asset_vlans WHERE vlan IN (10, 4094)"
	                               " AND asset_id='m-001b1b123456'"), 2);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM captures WHERE link_types="
	                               "'ethernet,linux_sll,147'"), 2);

	for (int i = 0; i < 2; i++) {
		mk_asset_rec_clear(&assets[i]);
		mk_capture_rec_clear(&caps[i]);
	}
}

static void test_replace_semantics(void **state)
{
	char path[300];
	struct mk_asset_rec a1, a2;
	struct mk_conv_rec c1, c2;
	struct mk_capture_rec k1, k2;
	const struct mk_store_ops *ops = &mk_store_sqlite;
	struct mk_store *st;

	db_path(path, sizeof(path), "replace.db");
	make_full_asset(&a1);
	/* the same asset, later: fewer addresses and names, no identity */
	make_min_asset(&a2);
	snprintf(a2.id, sizeof(a2.id), "%s", a1.id);
	a2.n_names = 1;
	a2.names = calloc(1, sizeof(*a2.names));
	assert_non_null(a2.names);
	a2.names[0].name = xdup("renamed");
	a2.names[0].source = MK_PROTO_DNS;
	make_conv(&c1, 0);
	make_conv(&c2, 0);
	c2.packets = 5;
	c2.ops[MK_OP_WRITE] = 0;
	make_capture(&k1, "same.pcap", 3);
	make_capture(&k2, "same.pcap", 1);
	k2.packets = 99;

	st = open_ok(path);
	/* outside begin/commit each put is atomic on its own */
	assert_int_equal(ops->put_asset(st, &a1), 0);
	assert_int_equal(ops->put_asset(st, &a2), 0);
	assert_int_equal(ops->put_conv(st, &c1), 0);
	assert_int_equal(ops->put_conv(st, &c2), 0);
	assert_int_equal(ops->put_capture(st, &k1), 0);
	assert_int_equal(ops->put_capture(st, &k2), 0);

	struct expect_assets ea = {&a2, 1, 0};
	struct expect_convs ec = {&c2, 1, 0};
	struct expect_captures ek = {&k2, 1, 0};

	assert_int_equal(ops->each_asset(st, check_asset_cb, &ea), 0);
	assert_int_equal(ea.seen, 1);
	assert_int_equal(ops->each_conv(st, check_conv_cb, &ec), 0);
	assert_int_equal(ec.seen, 1);
	assert_int_equal(ops->each_capture(st, check_capture_cb, &ek), 0);
	assert_int_equal(ek.seen, 1);
	ops->close(st);

	/* no orphaned child rows */
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM asset_ips"), 1);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM asset_names"), 1);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM asset_roles"), 0);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM asset_role_reasons"), 0);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM asset_attrs"), 0);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM asset_identity"), 0);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM asset_vlans"), 0);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM capture_warnings"), 1);

	mk_asset_rec_clear(&a1);
	mk_asset_rec_clear(&a2);
	mk_capture_rec_clear(&k1);
	mk_capture_rec_clear(&k2);
}

static void test_counters_add(void **state)
{
	char path[300];
	const struct mk_store_ops *ops = &mk_store_sqlite;
	struct mk_store *st;
	struct counters c;

	db_path(path, sizeof(path), "counters.db");
	st = open_ok(path);
	assert_int_equal(ops->put_counter(st, "decode.truncated", 2), 0);
	assert_int_equal(ops->put_counter(st, "decode.truncated", 3), 0);
	assert_int_equal(ops->put_counter(st, "anomaly.mbap_bad_length", 1), 0);
	assert_int_not_equal(ops->put_counter(st, "", 1), 0);
	ops->close(st);

	st = open_ok(path);
	assert_int_equal(ops->put_counter(st, "decode.truncated", 10), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ops->each_counter(st, collect_counter_cb, &c), 0);
	ops->close(st);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.names[0], "anomaly.mbap_bad_length"); /* by name */
	assert_int_equal(c.values[0], 1);
	assert_string_equal(c.names[1], "decode.truncated");
	assert_int_equal(c.values[1], 15);
}

static void test_transactions(void **state)
{
	char path[300];
	const struct mk_store_ops *ops = &mk_store_sqlite;
	struct mk_store *st;
	struct mk_asset_rec a;
	size_t n = 0;

	db_path(path, sizeof(path), "txn.db");
	st = open_ok(path);
	make_min_asset(&a);
	assert_int_equal(ops->begin(st), 0);
	assert_int_equal(ops->put_asset(st, &a), 0);
	assert_int_equal(ops->rollback(st), 0);
	assert_int_equal(ops->each_asset(st, count_cb, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ops->rollback(st), 0); /* none open: harmless */
	assert_int_equal(ops->begin(st), 0);
	assert_int_equal(ops->put_asset(st, &a), 0);
	assert_int_equal(ops->commit(st), 0);
	assert_int_equal(ops->each_asset(st, count_cb, &n), 0);
	assert_int_equal(n, 1);
	/* asset without an id: refused with a message */
	a.id[0] = '\0';
	assert_int_not_equal(ops->put_asset(st, &a), 0);
	assert_non_null(strstr(ops->error(st), "without an id"));
	ops->close(st);
	mk_asset_rec_clear(&a);
}

static int stop_cb(void *ctx, const struct mk_asset_rec *rec)
{
	(*(int *)ctx)++;
	return 7;
}

static void test_callback_stops(void **state)
{
	char path[300];
	const struct mk_store_ops *ops = &mk_store_sqlite;
	struct mk_store *st;
	struct mk_asset_rec a, b;
	int calls = 0;

	db_path(path, sizeof(path), "stop.db");
	st = open_ok(path);
	make_min_asset(&a);
	make_full_asset(&b);
	assert_int_equal(ops->put_asset(st, &a), 0);
	assert_int_equal(ops->put_asset(st, &b), 0);
	assert_int_equal(ops->each_asset(st, stop_cb, &calls), 7);
	assert_int_equal(calls, 1);
	/* the handle is still usable after an early stop */
	assert_int_equal(ops->put_asset(st, &a), 0);
	ops->close(st);
	mk_asset_rec_clear(&a);
	mk_asset_rec_clear(&b);
}

static void test_migration_from_empty_file(void **state)
{
	char path[300];
	FILE *f;
	struct mk_store *st;

	db_path(path, sizeof(path), "empty.db");
	f = fopen(path, "wb"); /* a 0-byte file is an empty SQLite database */
	assert_non_null(f);
	fclose(f);
	st = open_ok(path);
	mk_store_sqlite.close(st);
	assert_int_equal(mk_store_schema_version(), (int)mk_store_n_migrations);
	assert_int_equal(raw_sql(path, "PRAGMA user_version"), mk_store_schema_version());
	assert_int_equal(raw_sql(path, "PRAGMA application_id"), 0x4d4b5255);
	assert_int_equal(raw_sql(path, "SELECT count(*) FROM sqlite_master WHERE type='table'"
	                               " AND name IN ('assets','conversations','captures','counters')"),
	                 4);
	/* opening again applies nothing and keeps the version */
	st = open_ok(path);
	mk_store_sqlite.close(st);
	assert_int_equal(raw_sql(path, "PRAGMA user_version"), mk_store_schema_version());
	/* WAL is a property of the file */
	sqlite3 *db;
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_refuses_newer_schema(void **state)
{
	char path[300], err[512] = "";
	struct mk_store *st = NULL;

	db_path(path, sizeof(path), "newer.db");
	st = open_ok(path);
	mk_store_sqlite.close(st);
	st = NULL;
	raw_sql(path, "PRAGMA user_version = 99");
	assert_int_not_equal(mk_store_sqlite.open(&st, path, err, sizeof(err)), 0);
	assert_null(st);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, "99"));
	/* untouched */
	assert_int_equal(raw_sql(path, "PRAGMA user_version"), 99);
}

static void test_refuses_non_sqlite(void **state)
{
	/* a pcap file header: magic a1b2c3d4 (little endian), v2.4, snaplen 65535, ethernet */
	static const uint8_t pcap_hdr[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, /* magic */
		0x02, 0x00, 0x04, 0x00, /* version 2.4 */
		0x00, 0x00, 0x00, 0x00, /* thiszone */
		0x00, 0x00, 0x00, 0x00, /* sigfigs */
		0xff, 0xff, 0x00, 0x00, /* snaplen */
		0x01, 0x00, 0x00, 0x00, /* linktype ethernet */
	};
	char path[300], err[512] = "";
	uint8_t back[4096];
	struct mk_store *st = NULL;
	FILE *f;
	size_t n;

	db_path(path, sizeof(path), "capture.pcap");
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(pcap_hdr, 1, sizeof(pcap_hdr), f);
	for (int i = 0; i < 1000; i++)
		fputc(i & 0xff, f);
	fclose(f);
	assert_int_not_equal(mk_store_sqlite.open(&st, path, err, sizeof(err)), 0);
	assert_null(st);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not an SQLite database"));
	/* the file was not changed */
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(back, 1, sizeof(back), f);
	fclose(f);
	assert_int_equal(n, sizeof(pcap_hdr) + 1000);
	assert_memory_equal(back, pcap_hdr, sizeof(pcap_hdr));
}

static void test_refuses_foreign_database(void **state)
{
	char path[300], err[512] = "";
	struct mk_store *st = NULL;

	db_path(path, sizeof(path), "other.db");
	raw_sql(path, "CREATE TABLE music(title TEXT)");
	assert_int_not_equal(mk_store_sqlite.open(&st, path, err, sizeof(err)), 0);
	assert_null(st);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a mieruka database"));

	db_path(path, sizeof(path), "other2.db");
	raw_sql(path, "PRAGMA application_id = 1234");
	assert_int_not_equal(mk_store_sqlite.open(&st, path, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "another program"));
}

static void test_open_errors_name_the_file(void **state)
{
	char err[512] = "";
	struct mk_store *st = NULL;
	const char *path = "/nonexistent-dir-mieruka/x.db";

	assert_int_not_equal(mk_store_sqlite.open(&st, path, err, sizeof(err)), 0);
	assert_null(st);
	assert_non_null(strstr(err, path));
	assert_int_not_equal(mk_store_sqlite.open(&st, "", err, sizeof(err)), 0);
	/* a directory is not a database */
	assert_int_not_equal(mk_store_sqlite.open(&st, tmpdir, err, sizeof(err)), 0);
	assert_non_null(strstr(err, tmpdir));
}

static void test_memory_database(void **state)
{
	struct mk_store *st = open_ok(":memory:");
	struct mk_asset_rec a;
	size_t n = 0;

	make_full_asset(&a);
	assert_int_equal(mk_store_sqlite.put_asset(st, &a), 0);
	assert_int_equal(mk_store_sqlite.each_asset(st, count_cb, &n), 0);
	assert_int_equal(n, 1);
	mk_store_sqlite.close(st);
	mk_asset_rec_clear(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_field),
		cmocka_unit_test(test_replace_semantics),
		cmocka_unit_test(test_counters_add),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_migration_from_empty_file),
		cmocka_unit_test(test_refuses_newer_schema),
		cmocka_unit_test(test_refuses_non_sqlite),
		cmocka_unit_test(test_refuses_foreign_database),
		cmocka_unit_test(test_open_errors_name_the_file),
		cmocka_unit_test(test_memory_database),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

/* test_ledger.c - the change ledger (src/detect/ledger.c) and what the
 * detector puts in it: burst aggregation and the gap, stable ids, the cap and
 * what is forgotten, seeding from an earlier run, answers; which operations
 * are changes (detect.tsv "ledger" lines, HMI writes are not, routine
 * telecontrol is not); maintenance windows labelling alerts and entries as
 * planned without hiding what happened outside them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "detect/detect_int.h"
#include "detect/ledger_int.h"
#include "mieruka/baseline.h"
#include "mieruka/detect.h"
#include "mieruka/proto.h"

#define ALERTS MK_TEST_SRCDIR "/data/rules/alerts.tsv"
#define DETECT MK_TEST_SRCDIR "/data/rules/detect.tsv"
#define ROLES MK_TEST_SRCDIR "/data/rules/roles.tsv"
#define T0 1700000000000000000ull
#define S 1000000000ull
#define GAP 300

static void ip4(struct mk_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	const uint8_t b[4] = {x, y, z, w};

	memset(a, 0, sizeof(*a));
	mk_addr_set_ip4(a, b);
}

/* ---- the table ---- */

struct exported {
	struct mk_change_rec *v;
	size_t n;
};

static void export_all(struct mk_ledger *l, struct exported *e)
{
	free(e->v);
	e->n = mk_ledger_export(l, &e->v);
	assert_true(e->n != (size_t)-1);
}

static const struct mk_change_rec *by_detail(const struct exported *e, const char *detail)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->v[i].detail, detail) == 0)
			return &e->v[i];
	return NULL;
}

static void test_burst_is_one_entry(void **state)
{
	struct mk_ledger *l = mk_ledger_new(100, GAP);
	struct exported e = {0};
	struct mk_addr c, s;
	const struct mk_change_rec *r;
	char id[MK_CHANGE_ID_LEN];

	(void)state;
	assert_non_null(l);
	ip4(&c, 10, 0, 0, 1);
	ip4(&s, 10, 0, 0, 2);
	/* A firmware transfer: 5,000 requests 10 ms apart (50 s). */
	for (unsigned i = 0; i < 5000; i++)
		mk_ledger_add(l, &c, &s, MK_PROTO_ENIP, MK_OP_FIRMWARE, "nvs_transfer", 0,
		              T0 + (uint64_t)i * 10000000u);
	/* Interleaved other details are their own entries, not breaks. */
	mk_ledger_add(l, &c, &s, MK_PROTO_ENIP, MK_OP_FIRMWARE, "nvs_update", 0, T0 + 1);
	mk_ledger_add(l, &c, &s, MK_PROTO_ENIP, MK_OP_CONTROL, "reset class=0x01", 0, T0 + 60 * S);
	export_all(l, &e);
	assert_int_equal(e.n, 3);
	r = by_detail(&e, "nvs_transfer");
	assert_non_null(r);
	assert_int_equal(r->count, 5000);
	assert_int_equal(r->first_ns, T0);
	assert_int_equal(r->last_ns, T0 + 4999ull * 10000000u);
	assert_int_equal(r->proto, MK_PROTO_ENIP);
	assert_int_equal(r->op, MK_OP_FIRMWARE);
	assert_true(mk_addr_eq(&r->client, &c) && mk_addr_eq(&r->server, &s));
	assert_int_equal(r->window, 0);
	assert_string_equal(mk_change_result(r), "unknown");
	assert_true(strncmp(r->id, "ch-", 3) == 0 && strlen(r->id) == 19);
	memcpy(id, r->id, sizeof(id));
	assert_int_equal(by_detail(&e, "nvs_update")->count, 1);
	assert_int_equal(by_detail(&e, "reset class=0x01")->op, MK_OP_CONTROL);

	/* Nothing changed: nothing to export. */
	export_all(l, &e);
	assert_int_equal(e.n, 0);
	/* Within the gap of the last occurrence: the same entry, same id. */
	mk_ledger_add(l, &c, &s, MK_PROTO_ENIP, MK_OP_FIRMWARE, "nvs_transfer", 0,
	              T0 + 49990000000ull + GAP * S);
	export_all(l, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0].id, id);
	assert_int_equal(e.v[0].count, 5001);
	/* One nanosecond beyond the gap: a new entry with a new id. */
	mk_ledger_add(l, &c, &s, MK_PROTO_ENIP, MK_OP_FIRMWARE, "nvs_transfer", 0,
	              T0 + 49990000000ull + 2 * GAP * S + 1);
	export_all(l, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.v[0].count, 1);
	assert_string_not_equal(e.v[0].id, id);
	/* The same work inside a maintenance window is an entry of its own. */
	mk_ledger_add(l, &c, &s, MK_PROTO_ENIP, MK_OP_FIRMWARE, "nvs_transfer", 4,
	              T0 + 49990000000ull + 2 * GAP * S + 2);
	export_all(l, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.v[0].window, 4);
	assert_int_equal(e.v[0].count, 1);
	free(e.v);
	mk_ledger_free(l);
}

static void test_ids_are_deterministic(void **state)
{
	struct mk_ledger *a = mk_ledger_new(10, GAP), *b = mk_ledger_new(10, GAP);
	struct exported ea = {0}, eb = {0};
	struct mk_addr c, s;

	(void)state;
	ip4(&c, 10, 0, 0, 1);
	ip4(&s, 10, 0, 0, 2);
	mk_ledger_add(a, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, "request_download DB1", 0, T0);
	mk_ledger_add(b, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, "request_download DB1", 0, T0);
	mk_ledger_add(b, &s, &c, MK_PROTO_S7COMM, MK_OP_PROGRAM, "request_download DB1", 0, T0);
	export_all(a, &ea);
	export_all(b, &eb);
	assert_int_equal(ea.n, 1);
	assert_int_equal(eb.n, 2);
	assert_string_equal(ea.v[0].id, eb.v[0].id);
	assert_string_not_equal(eb.v[0].id, eb.v[1].id); /* the pair is part of the key */
	free(ea.v);
	free(eb.v);
	mk_ledger_free(a);
	mk_ledger_free(b);
}

static void test_cap_and_forgetting(void **state)
{
	struct mk_ledger *l = mk_ledger_new(4, GAP);
	struct exported e = {0};
	struct mk_addr c, s;
	char detail[16];

	(void)state;
	ip4(&c, 10, 0, 0, 1);
	ip4(&s, 10, 0, 0, 2);
	for (int i = 0; i < 6; i++) {
		snprintf(detail, sizeof(detail), "d%d", i);
		mk_ledger_add(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, detail, 0,
		              T0 + (uint64_t)i);
	}
	/* Four entries wait for their export: the fifth and sixth are dropped. */
	assert_int_equal(mk_ledger_count(l), 4);
	assert_int_equal(mk_ledger_dropped(l), 2);
	/* An existing key still counts: no new entry needed. */
	mk_ledger_add(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, "d0", 0, T0 + 10);
	assert_int_equal(mk_ledger_dropped(l), 2);
	export_all(l, &e);
	assert_int_equal(e.n, 4);
	assert_int_equal(by_detail(&e, "d0")->count, 2);
	/* Written out but still open (within the gap): kept. */
	assert_int_equal(mk_ledger_count(l), 4);
	/* Full of written entries: room is made by forgetting them. */
	mk_ledger_add(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, "d9", 0, T0 + 20);
	assert_int_equal(mk_ledger_dropped(l), 2);
	assert_int_equal(mk_ledger_count(l), 1);
	/* A forgotten key starts a new entry (the database holds the old one). */
	mk_ledger_add(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, "d0", 0, T0 + 30);
	export_all(l, &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(by_detail(&e, "d0")->count, 1);
	/* Time moves past the gap: closed entries are forgotten at export. */
	mk_ledger_add(l, &c, &s, MK_PROTO_S7COMM, MK_OP_CONTROL, "plc_stop", 0,
	              T0 + (GAP + 1) * S + 31);
	export_all(l, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(mk_ledger_count(l), 1);
	free(e.v);
	mk_ledger_free(l);
}

static void test_load_continues(void **state)
{
	struct mk_ledger *l = mk_ledger_new(10, GAP);
	struct exported e = {0};
	struct mk_change_rec rec, older;
	struct mk_addr c, s;

	(void)state;
	ip4(&c, 10, 0, 0, 1);
	ip4(&s, 10, 0, 0, 2);
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.id, sizeof(rec.id), "ch-00000000000000aa");
	rec.client = c;
	rec.server = s;
	rec.proto = MK_PROTO_S7COMM;
	rec.op = MK_OP_PROGRAM;
	snprintf(rec.detail, sizeof(rec.detail), "download_block DB1");
	rec.first_ns = T0;
	rec.last_ns = T0 + 10 * S;
	rec.count = 3;
	older = rec;
	snprintf(older.id, sizeof(older.id), "ch-00000000000000bb");
	older.first_ns = T0 - 86400 * S;
	older.last_ns = T0 - 86000 * S;
	mk_ledger_load(l, &older);
	mk_ledger_load(l, &rec);
	mk_ledger_load(l, &older); /* an older entry never replaces the latest */
	/* Loading exports nothing: the database has it. */
	export_all(l, &e);
	assert_int_equal(e.n, 0);
	/* The same work again within the gap: the stored entry grows. */
	mk_ledger_add(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, "download_block DB1", 0,
	              T0 + 20 * S);
	export_all(l, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0].id, "ch-00000000000000aa");
	assert_int_equal(e.v[0].count, 4);
	assert_int_equal(e.v[0].first_ns, T0);
	assert_int_equal(e.v[0].last_ns, T0 + 20 * S);
	/* Traffic older than the latest entry (an old capture analysed later):
	 * a new entry whose id cannot be one stored before. */
	mk_ledger_add(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, "download_block DB1", 0,
	              T0 - 86400 * S);
	export_all(l, &e);
	assert_int_equal(e.n, 1);
	assert_string_not_equal(e.v[0].id, "ch-00000000000000aa");
	assert_string_not_equal(e.v[0].id, "ch-00000000000000bb");
	assert_int_equal(e.v[0].count, 1);
	/* A record without id or count is ignored. */
	rec.id[0] = '\0';
	mk_ledger_load(l, &rec);
	free(e.v);
	mk_ledger_free(l);
}

static void test_results(void **state)
{
	struct mk_ledger *l = mk_ledger_new(10, GAP);
	struct exported e = {0};
	struct mk_addr c, s, o;
	struct mk_change_rec r;
	const char *dl = "request_download DB1";

	(void)state;
	ip4(&c, 10, 0, 0, 1);
	ip4(&s, 10, 0, 0, 2);
	ip4(&o, 10, 0, 0, 3);
	mk_ledger_add(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, dl, 0, T0);
	mk_ledger_add(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, "download_block DB1", 0, T0 + 1);
	/* The answer to the first request arrives after the second: by its detail it
	 * still finds its own entry. */
	mk_ledger_result(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, dl, 0, true, T0 + 2);
	/* Answers that belong to no entry: another client, class, detail or window. */
	mk_ledger_result(l, &o, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, dl, 0, false, T0 + 2);
	mk_ledger_result(l, &c, &s, MK_PROTO_S7COMM, MK_OP_CONTROL, dl, 0, false, T0 + 2);
	mk_ledger_result(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, "pi=_INSE", 0, false, T0 + 2);
	mk_ledger_result(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, dl, 3, false, T0 + 2);
	export_all(l, &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(by_detail(&e, dl)->ok, 1);
	assert_int_equal(by_detail(&e, dl)->failed, 0);
	assert_string_equal(mk_change_result(by_detail(&e, dl)), "ok");
	assert_string_equal(mk_change_result(by_detail(&e, "download_block DB1")), "unknown");
	mk_ledger_result(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, dl, 0, false, T0 + 3);
	export_all(l, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(mk_change_result(&e.v[0]), "mixed");
	/* An answer long after the request belongs to nothing. */
	mk_ledger_result(l, &c, &s, MK_PROTO_S7COMM, MK_OP_PROGRAM, dl, 0, false,
	                 T0 + (GAP + 1) * S);
	export_all(l, &e);
	assert_int_equal(e.n, 0);
	memset(&r, 0, sizeof(r));
	r.failed = 2;
	assert_string_equal(mk_change_result(&r), "error");
	free(e.v);
	mk_ledger_free(l);
}

/* ---- the detector ---- */

static struct mk_detect *new_det(void)
{
	struct mk_detect_limits lim;
	char err[512];
	struct mk_detect *d;

	mk_detect_limits_default(&lim);
	d = mk_detect_new(&lim, ALERTS, DETECT, ROLES, err, sizeof(err));
	assert_non_null(d);
	assert_string_equal(err, "");
	return d;
}

static void tcp_flow(struct mk_flow *f, uint8_t cli, uint8_t srv, uint16_t port)
{
	memset(f, 0, sizeof(*f));
	f->transport = MK_FT_TCP;
	f->orient = MK_ORIENT_SYN;
	f->tcp_seen = MK_TCP_SYN;
	ip4(&f->cli.ip, 10, 0, 0, cli);
	ip4(&f->srv.ip, 10, 0, 0, srv);
	f->cli.port = 50000;
	f->srv.port = port;
	f->pkts[0] = 1;
	f->first_ns = f->last_ns = T0;
}

static void op(struct mk_detect *d, const struct mk_flow *f, uint16_t proto, unsigned cls,
               const char *detail, uint64_t ts)
{
	mk_detect_operation(d, f, MK_DIR_TO_SERVER, proto, cls, detail, strlen(detail), ts);
}

struct snap {
	struct mk_alert_rec *v;
	size_t n;
	struct mk_change_rec *c;
	size_t nc;
};

static void snap_take(struct mk_detect *d, struct snap *s, const struct mk_asset_rec *assets,
                      size_t na, const struct mk_conv_rec *convs, size_t nc)
{
	s->n = mk_detect_snapshot(d, assets, na, convs, nc, &s->v);
	assert_true(s->n != (size_t)-1);
	s->nc = mk_detect_changes(d, &s->c);
	assert_true(s->nc != (size_t)-1);
}

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		mk_alert_rec_clear(&s->v[i]);
	free(s->v);
	free(s->c);
	memset(s, 0, sizeof(*s));
}

static const struct mk_alert_rec *find_alert(const struct snap *s, const char *type,
                                             unsigned status)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].type, type) == 0 && s->v[i].status == status)
			return &s->v[i];
	return NULL;
}

static const char *ev(const struct mk_alert_rec *a, const char *key)
{
	for (size_t i = 0; i < a->n_evidence; i++)
		if (strcmp(a->evidence[i].key, key) == 0)
			return a->evidence[i].value;
	return NULL;
}

static void test_what_is_a_change(void **state)
{
	struct mk_detect *d = new_det();
	struct mk_flow s7, cip, dnp, mb, dcp;
	struct snap s = {0};

	(void)state;
	tcp_flow(&s7, 1, 2, 102);
	tcp_flow(&cip, 3, 4, 44818);
	tcp_flow(&dnp, 5, 6, 20000);
	tcp_flow(&mb, 7, 8, 502);
	memset(&dcp, 0, sizeof(dcp));
	dcp.transport = MK_FT_L2;
	assert_true(mk_addr_parse(&dcp.cli.mac, "00:0c:29:00:00:01"));
	assert_true(mk_addr_parse(&dcp.srv.mac, "00:1b:1b:00:00:02"));
	/* Alerting classes on controllers: in the ledger. */
	op(d, &s7, MK_PROTO_S7COMM, MK_OP_PROGRAM, "request_download DB1", T0);
	op(d, &s7, MK_PROTO_S7COMM, MK_OP_AUTH, "password", T0 + S);
	op(d, &dcp, MK_PROTO_PROFINET_DCP, MK_OP_CONTROL, "dcp_set ip", T0 + 2 * S);
	/* Parameter changes named by detect.tsv: in the ledger, no alert. */
	op(d, &cip, MK_PROTO_ENIP, MK_OP_WRITE, "set_attribute_single class=0xf5", T0 + 3 * S);
	/* HMI writes: not changes. */
	op(d, &s7, MK_PROTO_S7COMM, MK_OP_WRITE, "write_var", T0 + 4 * S);
	op(d, &cip, MK_PROTO_ENIP, MK_OP_WRITE, "write_tag", T0 + 5 * S);
	op(d, &mb, MK_PROTO_MODBUS, MK_OP_WRITE, "fc=16 write_multiple_registers", T0 + 6 * S);
	/* Routine telecontrol: neither alert nor ledger; a restart is both. */
	op(d, &dnp, MK_PROTO_DNP3, MK_OP_CONTROL, "operate", T0 + 7 * S);
	op(d, &dnp, MK_PROTO_DNP3, MK_OP_CONTROL, "cold_restart", T0 + 8 * S);
	/* Reads: nothing. */
	op(d, &dnp, MK_PROTO_DNP3, MK_OP_READ, "file_open read", T0 + 9 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.nc, 5);
	{
		static const char *const want[] = {"request_download DB1", "password", "dcp_set ip",
		                                   "set_attribute_single class=0xf5",
		                                   "cold_restart"};

		for (size_t i = 0; i < 5; i++) {
			bool found = false;

			for (size_t k = 0; k < s.nc; k++)
				found |= strcmp(s.c[k].detail, want[i]) == 0;
			if (!found)
				fail_msg("no ledger entry for %s", want[i]);
		}
	}
	for (size_t k = 0; k < s.nc; k++)
		if (s.c[k].proto == MK_PROTO_PROFINET_DCP)
			assert_int_equal(s.c[k].server.family, MK_AF_MAC);
	/* The parameter change raised no alert: 4 alerts (program, auth, two control). */
	assert_int_equal(s.n, 4);
	snap_free(&s);
	/* The engine reads write details only where a ledger line needs them. */
	assert_true(mk_detect_watched_ops_proto(d, MK_PROTO_ENIP) >> MK_OP_WRITE & 1u);
	assert_false(mk_detect_watched_ops_proto(d, MK_PROTO_MODBUS) >> MK_OP_WRITE & 1u);
	assert_false(mk_detect_watched_ops_proto(d, MK_PROTO_S7COMM) >> MK_OP_WRITE & 1u);
	assert_true(mk_detect_watched_ops_proto(d, MK_PROTO_MODBUS) >> MK_OP_PROGRAM & 1u);
	assert_int_equal(mk_detect_watched_ops_proto(d, MK_PROTO_COUNT), mk_detect_watched_ops(d));
	mk_detect_free(d);
}

static struct mk_window_rec window(uint32_t id, uint64_t start, uint64_t end, const char *dev)
{
	struct mk_window_rec w;

	memset(&w, 0, sizeof(w));
	w.id = id;
	w.start_ns = start;
	w.end_ns = end;
	if (dev != NULL) {
		assert_true(mk_addr_parse(&w.devices[0], dev));
		w.n_devices = 1;
	}
	snprintf(w.vendor, sizeof(w.vendor), "ACME Automation");
	snprintf(w.note, sizeof(w.note), "OB1 change, work order 42");
	return w;
}

static void test_window_splits_alert(void **state)
{
	struct mk_detect *d = new_det();
	struct mk_window_rec w = window(5, T0 + 100 * S, T0 + 200 * S, "10.0.0.2");
	struct mk_window_rec other = window(6, T0, T0 + 1000 * S, "10.0.0.99");
	struct mk_flow f;
	struct snap s = {0};
	const struct mk_alert_rec *open, *planned;
	size_t n_planned_entries = 0;

	(void)state;
	mk_detect_add_window(d, &w);
	mk_detect_add_window(d, &other); /* another device: no effect here */
	tcp_flow(&f, 1, 2, 102);
	op(d, &f, MK_PROTO_S7COMM, MK_OP_CONTROL, "plc_stop", T0 + 50 * S);  /* before */
	op(d, &f, MK_PROTO_S7COMM, MK_OP_CONTROL, "plc_stop", T0 + 100 * S); /* at the start */
	op(d, &f, MK_PROTO_S7COMM, MK_OP_CONTROL, "plc_stop", T0 + 150 * S);
	op(d, &f, MK_PROTO_S7COMM, MK_OP_CONTROL, "plc_stop", T0 + 200 * S);     /* at the end */
	op(d, &f, MK_PROTO_S7COMM, MK_OP_CONTROL, "plc_stop", T0 + 200 * S + 1); /* after */
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 2);
	open = find_alert(&s, "plc_control", MK_ALERT_OPEN);
	planned = find_alert(&s, "plc_control", MK_ALERT_PLANNED);
	assert_non_null(open);
	assert_non_null(planned);
	assert_int_equal(open->count, 2); /* the occurrences outside are not hidden */
	assert_int_equal(planned->count, 3);
	assert_string_equal(planned->subject, "maint:5");
	assert_string_equal(open->subject, "");
	assert_string_not_equal(open->id, planned->id);
	assert_int_equal(planned->severity, MK_SEV_CRITICAL);
	assert_string_equal(ev(planned, "maintenance"), "5");
	assert_string_equal(ev(planned, "maintenance_vendor"), "ACME Automation");
	assert_string_equal(ev(planned, "maintenance_note"), "OB1 change, work order 42");
	assert_null(ev(open, "maintenance"));
	assert_true(strncmp(planned->title_en, "[Planned work] ", 15) == 0);
	assert_non_null(strstr(planned->title_ja, "予定された作業"));
	assert_non_null(strstr(planned->detail_ja, "ACME Automation"));
	assert_non_null(strstr(planned->detail_en, "maintenance window 5"));
	assert_null(strchr(planned->detail_ja, '{'));
	assert_null(strstr(open->title_en, "Planned"));
	/* The ledger: one entry inside window 5, one outside. */
	assert_int_equal(s.nc, 2);
	for (size_t i = 0; i < s.nc; i++) {
		if (s.c[i].window == 5) {
			n_planned_entries++;
			assert_int_equal(s.c[i].count, 3);
		} else {
			assert_int_equal(s.c[i].window, 0);
			assert_int_equal(s.c[i].count, 2);
		}
	}
	assert_int_equal(n_planned_entries, 1);
	snap_free(&s);

	/* An earlier run's planned alert, loaded back, keeps counting as planned. */
	{
		struct mk_detect *d2 = new_det();

		snap_take(d, &s, NULL, 0, NULL, 0);
		planned = find_alert(&s, "plc_control", MK_ALERT_PLANNED);
		assert_non_null(planned);
		mk_detect_load(d2, planned);
		snap_free(&s);
		snap_take(d2, &s, NULL, 0, NULL, 0);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.v[0].status, MK_ALERT_PLANNED);
		assert_int_equal(s.v[0].count, 3);
		assert_string_equal(ev(&s.v[0], "maintenance"), "5");
		assert_null(ev(&s.v[0], "maintenance_vendor")); /* d2 does not know window 5 */
		snap_free(&s);
		mk_detect_free(d2);
	}
	mk_detect_free(d);
}

static void test_window_by_mac_and_anomaly(void **state)
{
	struct mk_detect *d = new_det();
	struct mk_window_rec w = window(8, T0, T0 + 100 * S, "00:1b:1b:1a:d6:e0");
	struct mk_flow f;
	struct snap s = {0};
	const struct mk_alert_rec *a;

	(void)state;
	mk_detect_add_window(d, &w);
	tcp_flow(&f, 1, 2, 21);
	assert_true(mk_addr_parse(&f.srv.mac, "00:1b:1b:1a:d6:e0"));
	mk_detect_anomaly(d, &f, NULL, MK_DIR_TO_SERVER, MK_PROTO_FTP, "ftp_cleartext_login",
	                  T0 + S);
	mk_detect_anomaly(d, &f, NULL, MK_DIR_TO_SERVER, MK_PROTO_FTP, "ftp_cleartext_login",
	                  T0 + 101 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 2);
	a = find_alert(&s, "cleartext_credentials", MK_ALERT_PLANNED);
	assert_non_null(a);
	assert_string_equal(a->subject, "ftp_cleartext_login maint:8");
	assert_string_equal(ev(a, "detail"), "ftp_cleartext_login");
	assert_string_equal(ev(a, "ftp_cleartext_login"), "1");
	a = find_alert(&s, "cleartext_credentials", MK_ALERT_OPEN);
	assert_non_null(a);
	assert_string_equal(a->subject, "ftp_cleartext_login");
	assert_int_equal(s.nc, 0); /* anomalies are not changes */
	snap_free(&s);
	mk_detect_free(d);
}

static void test_window_derived(void **state)
{
	struct mk_detect *d = new_det();
	struct mk_window_rec w = window(3, T0, T0 + 3600 * S, NULL);
	struct mk_conv_rec inside, partly;
	struct snap s = {0};
	const struct mk_alert_rec *a;

	(void)state;
	mk_detect_add_window(d, &w);
	memset(&inside, 0, sizeof(inside));
	ip4(&inside.client, 10, 0, 0, 50);
	ip4(&inside.server, 10, 0, 0, 2);
	inside.transport = 6;
	inside.port = 3389;
	inside.proto = MK_PROTO_RDP;
	inside.first_ns = T0 + 10 * S;
	inside.last_ns = T0 + 3600 * S; /* ends exactly at the window's end */
	inside.flows = 2;
	partly = inside;
	ip4(&partly.client, 10, 0, 0, 51);
	partly.last_ns = T0 + 3601 * S; /* one second beyond */
	partly.flows = 1;
	{
		const struct mk_conv_rec convs[2] = {inside, partly};

		snap_take(d, &s, NULL, 0, convs, 2);
	}
	assert_int_equal(s.n, 2);
	a = find_alert(&s, "remote_access", MK_ALERT_PLANNED);
	assert_non_null(a);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->client.a[3], 50);
	a = find_alert(&s, "remote_access", MK_ALERT_OPEN);
	assert_non_null(a);
	assert_int_equal(a->client.a[3], 51);
	snap_free(&s);
	mk_detect_free(d);
}

/* A deviation found by the baseline during planned work is planned too, and
 * accepting it still teaches the baseline the right key. */
static void test_window_baseline_finding(void **state)
{
	struct mk_detect *d = new_det();
	struct mk_window_rec w = window(9, T0, T0 + 3600 * S, "10.0.0.7");
	struct mk_detect_finding f;
	struct mk_baseline_item item;
	struct snap s = {0};
	const struct mk_alert_rec *a;

	(void)state;
	mk_detect_add_window(d, &w);
	memset(&f, 0, sizeof(f));
	f.type = mk_detect_type_index(mk_detect_rules_of(d), "new_device");
	assert_true(f.type >= 0);
	ip4(&f.client, 10, 0, 0, 7);
	f.subject = "@10.0.0.7";
	f.first = f.last = T0 + 60 * S;
	f.count = 1;
	mk_detect_find(d, &f, true);
	ip4(&f.client, 10, 0, 0, 8); /* another device: not covered */
	f.subject = "@10.0.0.8";
	mk_detect_find(d, &f, true);
	snap_take(d, &s, NULL, 0, NULL, 0);
	a = find_alert(&s, "new_device", MK_ALERT_PLANNED);
	assert_non_null(a);
	assert_string_equal(a->subject, "@10.0.0.7 maint:9");
	assert_int_equal(mk_baseline_item_from_alert(a, &item), 1);
	assert_string_equal(item.key, "@10.0.0.7");
	a = find_alert(&s, "new_device", MK_ALERT_OPEN);
	assert_non_null(a);
	assert_string_equal(a->subject, "@10.0.0.8");
	snap_free(&s);
	/* An alert type whose texts and severity depend on the subject
	 * (alerts.tsv TYPE/SUBJECT) keeps them inside a window. */
	memset(&f, 0, sizeof(f));
	f.type = mk_detect_type_index(mk_detect_rules_of(d), "ip_mac_change");
	assert_true(f.type >= 0);
	ip4(&f.server, 10, 0, 0, 7);
	f.subject = "flip_flop";
	f.first = f.last = T0 + 120 * S;
	f.count = 1;
	mk_detect_find(d, &f, false);
	snap_take(d, &s, NULL, 0, NULL, 0);
	a = find_alert(&s, "ip_mac_change", MK_ALERT_PLANNED);
	assert_non_null(a);
	assert_string_equal(a->subject, "flip_flop maint:9");
	assert_int_equal(a->severity, MK_SEV_HIGH);
	assert_non_null(strstr(a->title_en, "keep claiming"));
	assert_true(strncmp(a->title_en, "[Planned work] ", 15) == 0);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_windows_cap(void **state)
{
	struct mk_detect_limits lim;
	char err[512];
	struct mk_detect *d;
	struct mk_window_rec w = window(1, T0, T0 + S, NULL);

	(void)state;
	mk_detect_limits_default(&lim);
	lim.max_windows = 2;
	lim.max_changes = 3;
	d = mk_detect_new(&lim, ALERTS, DETECT, ROLES, err, sizeof(err));
	assert_non_null(d);
	for (uint32_t i = 1; i <= 4; i++) {
		w.id = i;
		mk_detect_add_window(d, &w);
	}
	w.id = 0; /* never stored: ignored, not counted */
	mk_detect_add_window(d, &w);
	assert_int_equal(mk_detect_stats(d)->windows_dropped, 2);
	{
		struct mk_flow f;
		char detail[16];

		tcp_flow(&f, 1, 2, 102);
		for (int i = 0; i < 5; i++) {
			snprintf(detail, sizeof(detail), "pi=_X%d", i);
			op(d, &f, MK_PROTO_S7COMM, MK_OP_PROGRAM, detail, T0 + 10 * S);
		}
	}
	assert_int_equal(mk_detect_changes_dropped(d), 2);
	mk_detect_free(d);
}

static void test_ledger_rules(void **state)
{
	struct mk_detect_rules r;
	char path[] = "/tmp/mk_test_ledger_rules_XXXXXX", err[256];
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("set\tledger_gap_s\t60\n"
	      "ledger\tenip\twrite\tset_attribute_single\n"
	      "ledger\tnosuchproto\twrite\tx\n"
	      "ledger\tenip\tnosuchclass\tx\n"
	      "ledger\tenip\twrite\tbad word\n"
	      "ledger\tenip\twrite\n"
	      "set\tledger_gap_s\t0\n",
	      f);
	fclose(f);
	mk_detect_rules_init(&r);
	assert_int_equal(r.ledger_gap_s, 300);
	assert_int_equal(mk_detect_rules_load_detect(&r, path, err, sizeof(err)), 5);
	assert_int_equal(r.ledger_gap_s, 60);
	assert_int_equal(r.n_ledger, 1);
	assert_int_equal(r.ledger[0].proto, MK_PROTO_ENIP);
	assert_int_equal(r.ledger[0].op, MK_OP_WRITE);
	assert_string_equal(r.ledger[0].word, "set_attribute_single");
	assert_int_equal(r.ledger_ops[MK_PROTO_ENIP], 1u << MK_OP_WRITE);
	mk_detect_rules_clear(&r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_burst_is_one_entry),
	    cmocka_unit_test(test_ids_are_deterministic),
	    cmocka_unit_test(test_cap_and_forgetting),
	    cmocka_unit_test(test_load_continues),
	    cmocka_unit_test(test_results),
	    cmocka_unit_test(test_what_is_a_change),
	    cmocka_unit_test(test_window_splits_alert),
	    cmocka_unit_test(test_window_by_mac_and_anomaly),
	    cmocka_unit_test(test_window_derived),
	    cmocka_unit_test(test_window_baseline_finding),
	    cmocka_unit_test(test_windows_cap),
	    cmocka_unit_test(test_ledger_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_detect.c - src/detect: every alert type from synthetic facts, flows and
 * records; aggregation; the cap; texts in both languages; merging with an
 * earlier run; the data-file loaders (malformed lines, every truncation). */
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
#include "mieruka/detect.h"
#include "mieruka/proto.h"

#define ALERTS MK_TEST_SRCDIR "/data/rules/alerts.tsv"
#define DETECT MK_TEST_SRCDIR "/data/rules/detect.tsv"
#define ROLES MK_TEST_SRCDIR "/data/rules/roles.tsv"
#define T0 1700000000000000000ull
#define S 1000000000ull

static struct mk_detect *new_det(size_t max_alerts)
{
	struct mk_detect_limits lim;
	char err[512];
	struct mk_detect *d;

	mk_detect_limits_default(&lim);
	if (max_alerts)
		lim.max_alerts = max_alerts;
	d = mk_detect_new(&lim, ALERTS, DETECT, ROLES, err, sizeof(err));
	assert_non_null(d);
	assert_string_equal(err, ""); /* the shipped files have no malformed line */
	return d;
}

static void ip4(struct mk_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	const uint8_t b[4] = {x, y, z, w};

	memset(a, 0, sizeof(*a));
	mk_addr_set_ip4(a, b);
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

struct snap {
	struct mk_alert_rec *v;
	size_t n;
};

static void snap_take(struct mk_detect *d, struct snap *s, const struct mk_asset_rec *assets,
                      size_t na, const struct mk_conv_rec *convs, size_t nc)
{
	s->n = mk_detect_snapshot(d, assets, na, convs, nc, &s->v);
	assert_true(s->n != (size_t)-1);
}

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		mk_alert_rec_clear(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static const struct mk_alert_rec *find(const struct snap *s, const char *type)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].type, type) == 0)
			return &s->v[i];
	return NULL;
}

static size_t count_type(const struct snap *s, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += strcmp(s->v[i].type, type) == 0;
	return n;
}

static const char *ev(const struct mk_alert_rec *a, const char *key)
{
	for (size_t i = 0; i < a->n_evidence; i++)
		if (strcmp(a->evidence[i].key, key) == 0)
			return a->evidence[i].value;
	return NULL;
}

static void assert_rendered(const struct mk_alert_rec *a)
{
	assert_non_null(a->title_en);
	assert_non_null(a->title_ja);
	assert_non_null(a->detail_en);
	assert_non_null(a->detail_ja);
	/* every placeholder the texts use was filled */
	assert_null(strchr(a->title_en, '{'));
	assert_null(strchr(a->title_ja, '{'));
	assert_null(strchr(a->detail_en, '{'));
	assert_null(strchr(a->detail_ja, '{'));
	assert_true(strncmp(a->id, "al-", 3) == 0 && strlen(a->id) == 19);
}

static void op(struct mk_detect *d, const struct mk_flow *f, uint16_t proto, unsigned cls,
               const char *detail, uint64_t ts)
{
	mk_detect_operation(d, f, MK_DIR_TO_SERVER, proto, cls, detail, strlen(detail), ts);
}

/* ---- operations on controllers ---- */

static void test_plc_stop_is_critical(void **state)
{
	struct mk_detect *d = new_det(0);
	struct mk_flow f;
	struct snap s;
	const struct mk_alert_rec *a;

	(void)state;
	tcp_flow(&f, 1, 2, 102);
	op(d, &f, MK_PROTO_S7COMM, MK_OP_CONTROL, "plc_stop", T0 + 5 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 1);
	a = &s.v[0];
	assert_string_equal(a->type, "plc_control");
	assert_int_equal(a->severity, MK_SEV_CRITICAL);
	assert_int_equal(a->count, 1);
	assert_int_equal(a->first_ns, T0 + 5 * S);
	assert_int_equal(a->proto, MK_PROTO_S7COMM);
	assert_int_equal(a->port, 102);
	assert_rendered(a);
	assert_non_null(strstr(a->title_en, "10.0.0.1 -> 10.0.0.2 (s7comm)"));
	assert_non_null(strstr(a->title_ja, "PLCの運転／停止"));
	assert_non_null(strstr(a->detail_ja, "plc_stop"));
	assert_non_null(strstr(a->detail_ja, "いま行うこと"));
	assert_non_null(strstr(a->detail_en, "Now:"));
	assert_string_equal(ev(a, "plc_stop"), "1");
	assert_string_equal(ev(a, "detail"), "plc_stop");
	snap_free(&s);
	mk_detect_free(d);
}

static void test_operation_classes(void **state)
{
	struct mk_detect *d = new_det(0);
	struct mk_flow f;
	struct snap s;

	(void)state;
	tcp_flow(&f, 1, 2, 102);
	op(d, &f, MK_PROTO_S7COMM, MK_OP_PROGRAM, "request_download OB1", T0);
	op(d, &f, MK_PROTO_S7COMM, MK_OP_AUTH, "password", T0);
	op(d, &f, MK_PROTO_S7COMM, MK_OP_READ, "read_var", T0);    /* daily work */
	op(d, &f, MK_PROTO_S7COMM, MK_OP_WRITE, "write_var", T0);  /* needs a baseline */
	op(d, &f, MK_PROTO_S7COMM, MK_OP_DIAGNOSTIC, "szl", T0);
	tcp_flow(&f, 1, 3, 80);
	op(d, &f, MK_PROTO_HTTP, MK_OP_AUTH, "basic", T0);         /* not a controller */
	tcp_flow(&f, 1, 4, 44818);
	op(d, &f, MK_PROTO_ENIP, MK_OP_FIRMWARE, "nvs_update", T0);
	op(d, &f, MK_PROTO_ENIP, MK_OP_CONTROL, "start class=0x8e", T0);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(find(&s, "plc_program")->severity, MK_SEV_HIGH);
	assert_int_equal(find(&s, "plc_auth")->severity, MK_SEV_MEDIUM);
	assert_int_equal(find(&s, "firmware_change")->severity, MK_SEV_HIGH);
	assert_int_equal(find(&s, "plc_control")->severity, MK_SEV_HIGH); /* start is not critical */
	for (size_t i = 0; i < s.n; i++)
		assert_rendered(&s.v[i]);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_aggregation(void **state)
{
	struct mk_detect *d = new_det(0);
	struct mk_flow f;
	struct snap s;
	const struct mk_alert_rec *a;

	(void)state;
	tcp_flow(&f, 1, 2, 44818);
	for (unsigned i = 0; i < 5000; i++)
		op(d, &f, MK_PROTO_ENIP, MK_OP_FIRMWARE, i == 0 ? "nvs_update" : "nvs_transfer",
		   T0 + i * S);
	/* a second TCP connection of the same pair is the same alert */
	f.cli.port = 50001;
	op(d, &f, MK_PROTO_ENIP, MK_OP_FIRMWARE, "nvs_transfer", T0 + 9000 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 1);
	a = &s.v[0];
	assert_int_equal(a->count, 5001);
	assert_int_equal(a->first_ns, T0);
	assert_int_equal(a->last_ns, T0 + 9000 * S);
	assert_string_equal(ev(a, "nvs_update"), "1");
	assert_string_equal(ev(a, "nvs_transfer"), "5000");
	assert_non_null(strstr(a->detail_en, "5001 requests"));
	assert_non_null(strstr(a->detail_ja, "5001 回"));
	snap_free(&s);
	mk_detect_free(d);
}

static void test_routine_control(void **state)
{
	struct mk_detect *d = new_det(0);
	struct mk_flow f;
	struct snap s;

	(void)state;
	tcp_flow(&f, 1, 2, 20000);
	/* telecontrol commands are the operator's daily work */
	op(d, &f, MK_PROTO_DNP3, MK_OP_CONTROL, "direct_operate", T0);
	op(d, &f, MK_PROTO_DNP3, MK_OP_CONTROL, "select", T0);
	tcp_flow(&f, 1, 3, 2404);
	op(d, &f, MK_PROTO_IEC104, MK_OP_CONTROL, "C_SC_NA_1 single_command act", T0);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 0);
	snap_free(&s);
	/* restarts and resets are not */
	tcp_flow(&f, 1, 2, 20000);
	op(d, &f, MK_PROTO_DNP3, MK_OP_CONTROL, "cold_restart", T0);
	tcp_flow(&f, 1, 3, 2404);
	op(d, &f, MK_PROTO_IEC104, MK_OP_CONTROL, "C_RP_NA_1 reset_process act", T0);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(count_type(&s, "plc_control"), 2);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_untrusted_detail(void **state)
{
	struct mk_detect *d = new_det(0);
	struct mk_flow f;
	struct snap s;
	char evil[300];

	(void)state;
	memset(evil, 'A', sizeof(evil));
	memcpy(evil, "\x1b[2Jstop\n", 9);
	tcp_flow(&f, 1, 2, 102);
	mk_detect_operation(d, &f, MK_DIR_TO_SERVER, MK_PROTO_S7COMM, MK_OP_PROGRAM, evil,
	                    sizeof(evil), T0);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 1);
	assert_null(strchr(s.v[0].detail_en, '\x1b'));
	assert_null(strchr(s.v[0].detail_en, '\n'));
	assert_true(strlen(ev(&s.v[0], "detail")) < MK_DETECT_WORD_LEN);
	snap_free(&s);
	mk_detect_free(d);
}

/* ---- parser events ---- */

static void test_anomalies(void **state)
{
	struct mk_detect *d = new_det(0);
	struct mk_flow f;
	struct snap s;
	const struct mk_alert_rec *a;

	(void)state;
	tcp_flow(&f, 1, 2, 21);
	mk_detect_anomaly(d, &f, NULL, 0, MK_PROTO_FTP, "ftp_cleartext_login", T0);
	mk_detect_anomaly(d, &f, NULL, 0, MK_PROTO_FTP, "ftp_cleartext_login", T0 + S);
	mk_detect_anomaly(d, &f, NULL, 0, MK_PROTO_FTP, "ftp_bad_reply", T0); /* not an alert */
	tcp_flow(&f, 1, 3, 23);
	mk_detect_anomaly(d, &f, NULL, 0, MK_PROTO_TELNET, "telnet_cleartext_session", T0);
	tcp_flow(&f, 1, 4, 445);
	mk_detect_anomaly(d, &f, NULL, 0, MK_PROTO_SMB, "smb1_used", T0);
	tcp_flow(&f, 1, 5, 502);
	mk_detect_anomaly(d, &f, NULL, 0, MK_PROTO_MODBUS, "modbus_function_scan", T0);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(count_type(&s, "cleartext_credentials"), 2);
	a = find(&s, "cleartext_credentials");
	assert_int_equal(a->count, 2);
	assert_string_equal(a->subject, "ftp_cleartext_login");
	assert_int_equal(find(&s, "smbv1")->severity, MK_SEV_MEDIUM);
	assert_int_equal(find(&s, "scan_function_codes")->severity, MK_SEV_HIGH);
	for (size_t i = 0; i < s.n; i++)
		assert_rendered(&s.v[i]);
	snap_free(&s);
	mk_detect_free(d);
}

/* ---- the cap ---- */

static void test_cap(void **state)
{
	struct mk_detect *d = new_det(3);
	struct mk_flow f;
	struct snap s;

	(void)state;
	for (uint8_t i = 0; i < 5; i++) {
		tcp_flow(&f, 1, (uint8_t)(10 + i), 102);
		op(d, &f, MK_PROTO_S7COMM, MK_OP_PROGRAM, "download_block", T0);
		op(d, &f, MK_PROTO_S7COMM, MK_OP_PROGRAM, "download_block", T0);
	}
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(mk_detect_stats(d)->alerts_dropped, 4); /* 2 refused keys x 2 */
	/* existing alerts still count */
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.v[i].count, 2);
	snap_free(&s);
	mk_detect_free(d);
}

/* ---- scans ---- */

static void probe(struct mk_detect *d, uint8_t src, uint8_t dst, uint16_t port, uint64_t ts,
                  uint64_t replies)
{
	struct mk_flow f;

	tcp_flow(&f, src, dst, port);
	f.first_ns = f.last_ns = ts;
	f.pkts[1] = replies;
	mk_detect_flow_ended(d, &f);
}

static void test_scan_ports(void **state)
{
	struct mk_detect *d = new_det(0);
	struct snap s;
	const struct mk_alert_rec *a;

	(void)state;
	for (uint16_t p = 0; p < 9; p++)
		probe(d, 1, 2, (uint16_t)(20 + p), T0 + p * 1000, 1); /* RST answers */
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 0); /* 9 < scan_ports_min */
	snap_free(&s);
	probe(d, 1, 2, 3389, T0 + 10000, 0);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 1);
	a = &s.v[0];
	assert_string_equal(a->type, "scan_ports");
	assert_int_equal(a->count, 10);
	assert_string_equal(ev(a, "distinct_ports"), "10");
	assert_rendered(a);
	assert_non_null(strstr(a->detail_ja, "10 個の異なるポート"));
	snap_free(&s);
	mk_detect_free(d);
}

static void test_scan_not_on_conversations(void **state)
{
	struct mk_detect *d = new_det(0);
	struct snap s;

	(void)state;
	/* many ports and hosts, but every connection carried data */
	for (uint16_t p = 0; p < 40; p++)
		probe(d, 1, (uint8_t)(2 + p % 20), (uint16_t)(20 + p), T0 + p * 1000, 10);
	/* out of the window: 8 ports now, 8 ports an hour later */
	for (uint16_t p = 0; p < 16; p++)
		probe(d, 7, 2, (uint16_t)(20 + p), T0 + (p < 8 ? 0 : 3600 * S), 0);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 0);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_scan_hosts_and_arp(void **state)
{
	struct mk_detect *d = new_det(0);
	struct snap s;
	struct mk_pkt pkt;

	(void)state;
	/* a slow sweep: 8 hosts over 100 minutes, flows ending out of order */
	for (uint8_t h = 0; h < 8; h++)
		probe(d, 1, (uint8_t)(100 + h), 445, T0 + (uint64_t)(7 - h) * 750 * S, 0);
	/* ARP: 63 addresses from one host is not a sweep yet */
	memset(&pkt, 0, sizeof(pkt));
	pkt.layers = MK_L_ARP;
	pkt.arp.op = 1;
	memcpy(pkt.arp.spa, (uint8_t[]){192, 168, 1, 71}, 4);
	for (unsigned i = 0; i < 63; i++) {
		memcpy(pkt.arp.tpa, (uint8_t[]){192, 168, 1, (uint8_t)(i + 1)}, 4);
		pkt.ts_ns = T0 + i * 1000000ull;
		mk_detect_arp(d, &pkt);
	}
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].type, "scan_hosts");
	assert_int_equal(s.v[0].count, 8);
	assert_string_equal(ev(&s.v[0], "distinct_hosts"), "8");
	snap_free(&s);
	memcpy(pkt.arp.tpa, (uint8_t[]){192, 168, 1, 200}, 4);
	mk_detect_arp(d, &pkt);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(count_type(&s, "scan_hosts"), 2);
	snap_free(&s);
	mk_detect_free(d);
}

/* ---- over the records ---- */

static void conv(struct mk_conv_rec *c, const struct mk_addr *cl, const struct mk_addr *sv,
                 uint16_t port, uint16_t proto, uint64_t flows)
{
	memset(c, 0, sizeof(*c));
	c->client = *cl;
	c->server = *sv;
	c->transport = 6;
	c->port = port;
	c->proto = proto;
	c->flows = flows;
	c->packets = 10 * flows;
	c->first_ns = T0;
	c->last_ns = T0 + 60 * S;
}

static void asset(struct mk_asset_rec *a, struct mk_addr *ip, struct mk_role_rec *role,
                  uint8_t r, uint8_t conf)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "i-test");
	a->ips = ip;
	a->n_ips = 1;
	memset(role, 0, sizeof(*role));
	role->role = r;
	role->confidence = conf;
	a->roles = role;
	a->n_roles = 1;
}

static void test_derived(void **state)
{
	struct mk_detect *d = new_det(0);
	struct mk_addr plc, pc, web, dns, srv;
	struct mk_asset_rec assets[3];
	struct mk_role_rec roles[3];
	struct mk_conv_rec convs[6];
	struct snap s;
	const struct mk_alert_rec *a;

	(void)state;
	ip4(&plc, 192, 168, 0, 10);
	ip4(&pc, 192, 168, 0, 20);
	ip4(&srv, 192, 168, 0, 30);
	ip4(&web, 8, 8, 4, 4);
	ip4(&dns, 203, 0, 113, 5); /* documentation range: not the internet */
	asset(&assets[0], &plc, &roles[0], MK_ROLE_PLC, 85);
	asset(&assets[1], &pc, &roles[1], MK_ROLE_OFFICE_PC, 90);
	asset(&assets[2], &srv, &roles[2], MK_ROLE_SERVER, 50);
	conv(&convs[0], &pc, &plc, 3389, MK_PROTO_RDP, 3);
	conv(&convs[1], &pc, &plc, 3390, MK_PROTO_RDP, 2);  /* same session kind, other port */
	conv(&convs[2], &plc, &web, 443, MK_PROTO_TLS, 4);  /* a PLC on the internet */
	conv(&convs[3], &pc, &web, 443, MK_PROTO_TLS, 9);   /* an office PC may */
	conv(&convs[4], &web, &srv, 22, MK_PROTO_SSH, 1);   /* inbound, and remote access */
	conv(&convs[5], &plc, &dns, 53, MK_PROTO_DNS, 1);
	snap_take(d, &s, assets, 3, convs, 6);
	assert_int_equal(count_type(&s, "remote_access"), 2);
	a = find(&s, "remote_access");
	assert_int_equal(a->count, 5);
	assert_int_equal(a->severity, MK_SEV_MEDIUM);
	assert_non_null(strstr(a->detail_ja, "予定された保守作業"));
	assert_int_equal(count_type(&s, "internet_from_control"), 1);
	a = find(&s, "internet_from_control");
	assert_int_equal(a->count, 4);
	assert_string_equal(ev(a, "role"), "plc");
	assert_non_null(strstr(a->detail_en, "(a PLC)"));
	assert_int_equal(count_type(&s, "inbound_from_internet"), 1);
	assert_int_equal(find(&s, "inbound_from_internet")->port, 22);
	for (size_t i = 0; i < s.n; i++)
		assert_rendered(&s.v[i]);
	snap_free(&s);
	/* a second snapshot over the same records counts nothing twice */
	snap_take(d, &s, assets, 3, convs, 6);
	assert_int_equal(find(&s, "remote_access")->count + 0, 5);
	assert_int_equal(find(&s, "internet_from_control")->count, 4);
	snap_free(&s);
	/* UDP orientation is a guess: an internet server's answer is not "inbound" */
	mk_detect_free(d);
	d = new_det(0);
	conv(&convs[4], &web, &srv, 123, MK_PROTO_NTP, 1);
	convs[4].transport = 17;
	snap_take(d, &s, assets, 3, convs + 4, 1);
	assert_int_equal(s.n, 0);
	snap_free(&s);
	/* a target that is not an asset (never answered) is not "inbound" */
	ip4(&srv, 192, 168, 0, 99);
	conv(&convs[4], &web, &srv, 445, MK_PROTO_UNKNOWN, 1);
	mk_detect_free(d);
	d = new_det(0);
	ip4(&srv, 192, 168, 0, 30);
	snap_take(d, &s, assets, 3, convs + 4, 1);
	assert_int_equal(s.n, 0);
	snap_free(&s);
	mk_detect_free(d);
}

/* ---- an earlier run ---- */

static void test_merge_with_earlier_run(void **state)
{
	struct mk_detect *d = new_det(0);
	struct mk_flow f;
	struct snap s, s2;

	(void)state;
	tcp_flow(&f, 1, 2, 102);
	op(d, &f, MK_PROTO_S7COMM, MK_OP_CONTROL, "plc_stop", T0);
	op(d, &f, MK_PROTO_S7COMM, MK_OP_CONTROL, "plc_stop", T0 + S);
	probe(d, 3, 4, 1, T0, 0);
	snap_take(d, &s, NULL, 0, NULL, 0);
	mk_detect_free(d);
	/* the next run loads what the database holds, then sees one more */
	d = new_det(0);
	for (size_t i = 0; i < s.n; i++)
		mk_detect_load(d, &s.v[i]);
	op(d, &f, MK_PROTO_S7COMM, MK_OP_CONTROL, "start", T0 + 100 * S);
	snap_take(d, &s2, NULL, 0, NULL, 0);
	assert_int_equal(s2.n, 1);
	assert_string_equal(s2.v[0].id, s.v[0].id); /* same key, same id */
	assert_int_equal(s2.v[0].count, 3);
	assert_int_equal(s2.v[0].first_ns, T0);
	assert_int_equal(s2.v[0].last_ns, T0 + 100 * S);
	assert_int_equal(s2.v[0].severity, MK_SEV_CRITICAL); /* kept */
	assert_string_equal(ev(&s2.v[0], "plc_stop"), "2");
	assert_string_equal(ev(&s2.v[0], "start"), "1");
	snap_free(&s);
	snap_free(&s2);
	mk_detect_free(d);
}

/* ---- texts ---- */

static void test_render(void **state)
{
	const char *names[] = {"client", "count"};
	const char *values[] = {"10.0.0.1", "7"};
	char out[64], small[8];

	(void)state;
	mk_detect_render(out, sizeof(out), "{client} x{count} {unknown} {", names, values, 2);
	assert_string_equal(out, "10.0.0.1 x7 {unknown} {");
	/* cuts never split a UTF-8 character: あ is 3 bytes */
	mk_detect_render(small, sizeof(small), "ああああ", names, values, 2);
	assert_string_equal(small, "ああ");
	mk_detect_render(small, sizeof(small), "ab{client}", names, values, 2);
	assert_string_equal(small, "ab10.0.");
}

static void test_every_type_has_texts(void **state)
{
	struct mk_detect_rules r;
	char err[256] = "";
	static const char *const types[] = {
		"plc_program", "plc_control", "firmware_change", "plc_auth", "cleartext_credentials",
		"smbv1", "scan_function_codes", "scan_hosts", "scan_ports", "remote_access",
		"internet_from_control", "inbound_from_internet",
	};

	(void)state;
	mk_detect_rules_init(&r);
	assert_int_equal(mk_detect_rules_load_alerts(&r, ALERTS, err, sizeof(err)), 0);
	assert_int_equal(mk_detect_rules_load_detect(&r, DETECT, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int t = mk_detect_type_index(&r, types[i]);

		assert_true(t >= 0);
		/* Japanese detail says what to do, in the polite form */
		assert_non_null(strstr(r.types[t].detail[MK_LANG_JA], "いま行うこと"));
		assert_non_null(strstr(r.types[t].detail[MK_LANG_JA], "ください"));
		assert_non_null(strstr(r.types[t].detail[MK_LANG_EN], "Now:"));
	}
	assert_int_equal(r.n_anomaly, 14);
	assert_true(r.remote[MK_PROTO_VNC] && r.remote[MK_PROTO_ANYDESK]);
	assert_true(r.controller[MK_PROTO_PROFINET_DCP]);
	assert_int_equal(r.scan_ports_min, 10);
	mk_detect_rules_clear(&r);
}

/* ---- loaders ---- */

static char tmp_path[64];

static void write_file(const char *data, size_t len)
{
	FILE *f = fopen(tmp_path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static const char valid_alerts[] =
	"# comment\n"
	"plc_control\thigh\tT {client}\tＴ {client}\tD {count}\tＤ {count}\n"
	"smbv1\tmedium\tS\tＳ\tSD\tＳＤ\n";

static const char valid_detect[] =
	"# comment\n"
	"set\tscan_ports_min\t12\n"
	"op_alert\tcontrol\tplc_control\n"
	"critical\tplc_control\tstop\n"
	"anomaly\tsmb1_used\tsmbv1\n"
	"remote_access\tvnc\n"
	"control_role\tplc\n";

static void test_malformed_lines(void **state)
{
	struct mk_detect_rules r;
	char err[256] = "";
	static const char bad_alerts[] =
		"plc_control\thigh\tT\tT\tD\n"                    /* 5 fields */
		"plc_control\tsevere\tT\tT\tD\tD\n"               /* bad severity */
		"bad type!\thigh\tT\tT\tD\tD\n"                   /* bad id */
		"smbv1\tmedium\tS\t\tSD\tSD\n"                    /* empty text */
		"smbv1\tmedium\tS\tS\tSD\tSD\n"                   /* ok */
		"smbv1\tmedium\tS\tS\tSD\tSD\n";                  /* duplicate */
	static const char bad_detect[] =
		"set\tscan_ports_min\t1\n"            /* below the minimum */
		"set\tno_such\t3\n"
		"op_alert\tcontrol\tplc_control\n"    /* type not in the alerts file */
		"op_alert\tnope\tsmbv1\n"
		"anomaly\tsmb1_used\tsmbv1\n"         /* ok */
		"remote_access\tnot_a_proto\n"
		"control_role\twizard\n"
		"routine_alert\tdnp3\n"
		"what\n";

	(void)state;
	mk_detect_rules_init(&r);
	write_file(bad_alerts, sizeof(bad_alerts) - 1);
	assert_int_equal(mk_detect_rules_load_alerts(&r, tmp_path, err, sizeof(err)), 5);
	assert_int_equal(r.n_types, 1);
	write_file(bad_detect, sizeof(bad_detect) - 1);
	assert_int_equal(mk_detect_rules_load_detect(&r, tmp_path, err, sizeof(err)), 8);
	assert_int_equal(r.n_anomaly, 1);
	assert_int_equal(r.scan_ports_min, 10); /* the default stays */
	mk_detect_rules_clear(&r);
	/* a missing file is an error, with its name */
	assert_int_equal(mk_detect_rules_load_alerts(&r, "/nonexistent/alerts.tsv", err,
	                                             sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/alerts.tsv"));
}

static void test_truncations(void **state)
{
	struct mk_detect_rules r;
	char err[256] = "";

	(void)state;
	mk_detect_rules_init(&r);
	write_file(valid_alerts, sizeof(valid_alerts) - 1);
	assert_int_equal(mk_detect_rules_load_alerts(&r, tmp_path, err, sizeof(err)), 0);
	assert_int_equal(r.n_types, 2);
	write_file(valid_detect, sizeof(valid_detect) - 1);
	assert_int_equal(mk_detect_rules_load_detect(&r, tmp_path, err, sizeof(err)), 0);
	assert_int_equal(r.scan_ports_min, 12);
	assert_int_equal(r.op_alert[MK_OP_CONTROL], 0);
	assert_int_equal(r.n_critical, 1);
	mk_detect_rules_clear(&r);
	for (size_t len = 0; len < sizeof(valid_alerts); len++) {
		int bad;

		mk_detect_rules_init(&r);
		write_file(valid_alerts, len);
		bad = mk_detect_rules_load_alerts(&r, tmp_path, err, sizeof(err));
		assert_true(bad == 0 || bad == 1); /* only the cut line can be wrong */
		assert_true(r.n_types <= 2);
		/* the detect file against whatever types made it */
		write_file(valid_detect, sizeof(valid_detect) - 1);
		bad = mk_detect_rules_load_detect(&r, tmp_path, err, sizeof(err));
		assert_true(bad >= 0 && bad <= 3);
		mk_detect_rules_clear(&r);
	}
	for (size_t len = 0; len < sizeof(valid_detect); len++) {
		int bad;

		mk_detect_rules_init(&r);
		write_file(valid_alerts, sizeof(valid_alerts) - 1);
		assert_int_equal(mk_detect_rules_load_alerts(&r, tmp_path, err, sizeof(err)), 0);
		write_file(valid_detect, len);
		bad = mk_detect_rules_load_detect(&r, tmp_path, err, sizeof(err));
		assert_true(bad == 0 || bad == 1);
		mk_detect_rules_clear(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plc_stop_is_critical),
		cmocka_unit_test(test_operation_classes),
		cmocka_unit_test(test_aggregation),
		cmocka_unit_test(test_routine_control),
		cmocka_unit_test(test_untrusted_detail),
		cmocka_unit_test(test_anomalies),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_scan_ports),
		cmocka_unit_test(test_scan_not_on_conversations),
		cmocka_unit_test(test_scan_hosts_and_arp),
		cmocka_unit_test(test_derived),
		cmocka_unit_test(test_merge_with_earlier_run),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_every_type_has_texts),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_truncations),
	};
	int fd, rc;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/mk_detect_XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd < 0)
		return 1;
	close(fd);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(tmp_path);
	return rc;
}

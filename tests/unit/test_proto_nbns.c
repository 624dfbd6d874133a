/* test_proto_nbns.c - unit tests of the NBNS plug-in (src/proto/nbns/nbns.c).
 *
 * Vectors (UDP payloads; names in first-level encoding, RFC 1001 14.1):
 *   nbns_reg_kw   ../shared/captures/profinet/profinet_io_cm_mixed_1.pcap frame 120
 *                 (registration of KW-VLIPC<00> by 192.168.1.1, "ELFHCNFGEMEJFAEDCACA...AA")
 *   nbns_reg_wg   the same capture, frame 122 (registration of the group WORKGROUP<00>)
 *   nbns_stat     ../shared/captures/office/smb__smb_v2_only_non_zero_reserved1.pcap frame 130
 *                 (node status response of WIN-I82B81NSLLJ: 3 names, unit id 0a:02:d7:5e:97:02)
 *   nbdgm_host_announce  the smb capture above, frame 157 (datagram service, UDP 138: a
 *                 browser Host Announcement of WIN-SVV-PC1 to SVV<1d>)
 *   nbdgm_domain_announce  profinet_io_cm_mixed_1.pcap frame 1219 (Domain Announcement from
 *                 LT-US-DSWANSON<00> to __MSBROWSE__<01>)
 * Reference: `tshark -r FILE -O nbns,nbdgm -Y frame.number==N`.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/facts.h"
#include "mieruka/pkt.h"
#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_nbns;

/* ---- fact recorder: the test's struct mk_emit sink, exactly as the core uses it ----
 * Each fact becomes one canonical line "kind host key=value", so expectations read
 * like the facts themselves. */
#define REC_MAX 96
#define REC_LEN 640

struct rec {
	int n;
	char line[REC_MAX][REC_LEN];
};

static void rec_addr(const struct mk_addr *a, char *buf, size_t len)
{
	if (a->family == MK_AF_MAC)
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", a->a[0], a->a[1], a->a[2], a->a[3],
		         a->a[4], a->a[5]);
	else if (a->family == MK_AF_INET)
		inet_ntop(AF_INET, a->a, buf, (socklen_t)len);
	else if (a->family == MK_AF_INET6)
		inet_ntop(AF_INET6, a->a, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
}

static void rec_host(const struct mk_host *h, char *buf, size_t len)
{
	static const char *const rel[] = {"sender", "receiver", "client", "server"};
	char mac[MK_ADDR_STRLEN], ip[MK_ADDR_STRLEN];

	if (h->kind < MK_HOST_EXPLICIT) {
		snprintf(buf, len, "%s", rel[h->kind]);
		return;
	}
	rec_addr(&h->mac, mac, sizeof(mac));
	rec_addr(&h->ip, ip, sizeof(ip));
	snprintf(buf, len, "mac=%s,ip=%s", mac, ip);
}

static void rec_sink(void *ctx, const struct mk_fact *f, struct mk_flow *flow, const struct mk_pkt *pkt,
                     int dir)
{
	struct rec *r = ctx;
	char host[128], val[REC_LEN / 2] = "", *line;
	const struct mk_identity *id = &f->identity;

	(void)flow;
	(void)pkt;
	(void)dir;
	assert_true(r->n < REC_MAX);
	if (f->value != NULL) {
		/* A fact's value is length-delimited, capped and free of NULs. */
		assert_true(f->value_len < sizeof(val));
		assert_null(memchr(f->value, 0, f->value_len));
		memcpy(val, f->value, f->value_len);
		val[f->value_len] = '\0';
	}
	rec_host(&f->host, host, sizeof(host));
	line = r->line[r->n++];
	switch (f->kind) {
	case MK_FACT_NAME:
		snprintf(line, REC_LEN, "name %s %s", host, val);
		break;
	case MK_FACT_BINDING:
		snprintf(line, REC_LEN, "binding %s", host);
		break;
	case MK_FACT_IDENTITY:
		snprintf(line, REC_LEN, "identity %s vendor=%s product=%s model=%s firmware=%s serial=%s", host,
		         id->vendor ? id->vendor : "-", id->product ? id->product : "-",
		         id->model ? id->model : "-", id->firmware ? id->firmware : "-",
		         id->serial ? id->serial : "-");
		break;
	case MK_FACT_ATTR:
		snprintf(line, REC_LEN, "attr %s %s=%s", host, f->key, val);
		break;
	case MK_FACT_OS:
		snprintf(line, REC_LEN, "os %s %s (%u)", host, val, f->confidence);
		break;
	case MK_FACT_ROLE:
		snprintf(line, REC_LEN, "role %s %s (%u) %s", host, mk_role_name(f->role), f->confidence, val);
		break;
	case MK_FACT_OPERATION:
		snprintf(line, REC_LEN, "operation %s %s", mk_op_class_name(f->op), val);
		break;
	case MK_FACT_ANOMALY:
		snprintf(line, REC_LEN, "anomaly %s", val);
		break;
	default:
		fail_msg("unknown fact kind %u", f->kind);
	}
}

static bool rec_has(const struct rec *r, const char *line)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->line[i], line) == 0)
			return true;
	return false;
}

/* Asserts the recorded facts are exactly exp[] (NULL-terminated), in order. */
static void rec_expect(const struct rec *r, const char *const *exp)
{
	int n = 0;

	while (exp[n] != NULL)
		n++;
	for (int i = 0; i < r->n || i < n; i++) {
		const char *got = i < r->n ? r->line[i] : "(none)";
		const char *want = i < n ? exp[i] : "(none)";

		if (strcmp(got, want) != 0)
			fail_msg("fact %d:\n  got  %s\n  want %s", i, got, want);
	}
}

/* Asserts every fact of `part` also came from the whole message `all`. */
static void rec_subset(const struct rec *part, const struct rec *all, size_t cut)
{
	for (int i = 0; i < part->n; i++)
		if (strncmp(part->line[i], "anomaly ", 8) != 0 && !rec_has(all, part->line[i]))
			fail_msg("cut at %zu gave a wrong fact: %s", cut, part->line[i]);
}

/* Runs one parse over an exact-size heap copy, so ASan sees any over-read. */
static enum mk_verdict run_parse(const struct mk_proto *p, const struct mk_pkt *pkt, const uint8_t *msg,
                                 size_t len, enum mk_dir dir, struct rec *r, size_t *consumed)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	void *state = calloc(1, p->state_size > 0 ? p->state_size : 1);
	struct mk_emit out = {.sink = rec_sink, .ctx = r, .pkt = pkt, .dir = (int)dir, .proto = p->id};
	struct mk_rd rd;
	size_t dummy = 0;
	enum mk_verdict v;
	int first;

	assert_non_null(copy);
	assert_non_null(state);
	memcpy(copy, msg, len);
	mk_rd_init(&rd, copy, len);
	first = r->n;
	v = p->parse(state, &rd, dir, consumed != NULL ? consumed : &dummy, &out);
	/* Every anomaly a parser raises is declared in its descriptor's table. */
	for (int i = first; i < r->n; i++) {
		bool listed = false;

		if (strncmp(r->line[i], "anomaly ", 8) != 0)
			continue;
		for (size_t e = 0; p->events != NULL && p->events[e] != NULL; e++)
			listed |= strcmp(p->events[e], r->line[i] + 8) == 0;
		if (!listed)
			fail_msg("undeclared event: %s", r->line[i]);
	}
	if (p->reset != NULL)
		p->reset(state);
	free(state);
	free(copy);
	return v;
}
/* ---- end of fact recorder ---- */

static const uint8_t nbns_reg_kw[] = {
	0x92, 0xf9, 0x29, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* header: id 0x92f9, flags 0x2910, QD 1, AN 0, NS 0, AR 1 */
	/* question @12: "ELFHCNFGEMEJFAEDCACACACACACACAAA" NB class 0x0001 */
	0x20, 0x45, 0x4c, 0x46, 0x48, 0x43, 0x4e, 0x46, 0x47, 0x45, 0x4d, 0x45,
	0x4a, 0x46, 0x41, 0x45, 0x44, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43,
	0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x41, 0x41, 0x00, 0x00, 0x20,
	0x00, 0x01,
	/* additional @50: -> @12, NB IN ttl 300000 rdlen 6: NB_FLAGS 0x6000 (unique, H-node), NB_ADDRESS 192.168.1.1 */
	0xc0, 0x0c, 0x00, 0x20, 0x00, 0x01, 0x00, 0x04, 0x93, 0xe0, 0x00, 0x06,
	0x60, 0x00, 0xc0, 0xa8, 0x01, 0x01,
};

static const uint8_t nbns_reg_wg[] = {
	0x92, 0xfa, 0x29, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* header: id 0x92fa, flags 0x2910, QD 1, AN 0, NS 0, AR 1 */
	/* question @12: "FHEPFCELEHFCEPFFFACACACACACACAAA" NB class 0x0001 */
	0x20, 0x46, 0x48, 0x45, 0x50, 0x46, 0x43, 0x45, 0x4c, 0x45, 0x48, 0x46,
	0x43, 0x45, 0x50, 0x46, 0x46, 0x46, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43,
	0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x41, 0x41, 0x00, 0x00, 0x20,
	0x00, 0x01,
	/* additional @50: "FHEPFCELEHFCEPFFFACACACACACACAAA" NB class 0x0001 ttl 300000 rdlen 6: NB_FLAGS 0xe000 (group, H-node), NB_ADDRESS 192.168.1.1 */
	0xc0, 0x0c, 0x00, 0x20, 0x00, 0x01, 0x00, 0x04, 0x93, 0xe0, 0x00, 0x06,
	0xe0, 0x00, 0xc0, 0xa8, 0x01, 0x01,
};

static const uint8_t nbns_stat[] = {
	0x8d, 0x02, 0x84, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* header: id 0x8d02, flags 0x8400 (response, AA), AN 1 */
	/* answer @12: "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" ("*" + 15 NULs), NBSTAT IN ttl 0 rdlen 101 */
	0x20, 0x43, 0x4b, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
	0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
	0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x65,
	0x03, /* NUM_NAMES 3 */
	/* "WIN-I82B81NSLLJ" <00>, flags 0x0400 (unique, B-node, active) */
	0x57, 0x49, 0x4e, 0x2d, 0x49, 0x38, 0x32, 0x42, 0x38, 0x31, 0x4e, 0x53, 0x4c, 0x4c, 0x4a, 0x00, 0x04, 0x00,
	/* "WORKGROUP      " <00>, flags 0x8400 (group) */
	0x57, 0x4f, 0x52, 0x4b, 0x47, 0x52, 0x4f, 0x55, 0x50, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x00, 0x84, 0x00,
	/* "WIN-I82B81NSLLJ" <20>, flags 0x0400 */
	0x57, 0x49, 0x4e, 0x2d, 0x49, 0x38, 0x32, 0x42, 0x38, 0x31, 0x4e, 0x53, 0x4c, 0x4c, 0x4a, 0x20, 0x04, 0x00,
	/* statistics: unit id 0a:02:d7:5e:97:02, then 40 bytes of zero counters */
	0x0a, 0x02, 0xd7, 0x5e, 0x97, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t nbdgm_host_announce[] = {
	/* datagram header: type 0x11 DIRECT_GROUP, flags 0x02 (first, B node), id 0x8d03, SOURCE_IP 172.31.112.16, SOURCE_PORT 138, DGM_LENGTH 187, PACKET_OFFSET 0 */
	0x11, 0x02, 0x8d, 0x03, 0xac, 0x1f, 0x70, 0x10, 0x00, 0x8a, 0x00, 0xbb,
	0x00, 0x00,
	/* SOURCE_NAME: "FHEJEOCNFDFGFGCNFAEDDBCACACACACA" = "WIN-SVV-PC1" <20> */
	0x20, 0x46, 0x48, 0x45, 0x4a, 0x45, 0x4f, 0x43, 0x4e, 0x46, 0x44, 0x46,
	0x47, 0x46, 0x47, 0x43, 0x4e, 0x46, 0x41, 0x45, 0x44, 0x44, 0x42, 0x43,
	0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x00,
	/* DESTINATION_NAME: "FDFGFGCACACACACACACACACACACACABN" = "SVV" <1d> */
	0x20, 0x46, 0x44, 0x46, 0x47, 0x46, 0x47, 0x43, 0x41, 0x43, 0x41, 0x43,
	0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43,
	0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x42, 0x4e, 0x00,
	/* SMB Transaction to \\MAILSLOT\\BROWSE: Host Announcement "WIN-SVV-PC1", OS 10.0 (not read by the plug-in) */
	0xff, 0x53, 0x4d, 0x42, 0x25, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x21,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe8, 0x03, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x56, 0x00, 0x03,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x32, 0x00, 0x5c, 0x4d, 0x41,
	0x49, 0x4c, 0x53, 0x4c, 0x4f, 0x54, 0x5c, 0x42, 0x52, 0x4f, 0x57, 0x53,
	0x45, 0x00, 0x01, 0x00, 0x80, 0xfc, 0x0a, 0x00, 0x57, 0x49, 0x4e, 0x2d,
	0x53, 0x56, 0x56, 0x2d, 0x50, 0x43, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x03, 0x90, 0x00, 0x00, 0x0f, 0x01, 0x55, 0xaa, 0x00,
};
static const uint8_t nbdgm_domain_announce[] = {
	/* datagram header: type 0x11, flags 0x0e (first, NBDD), SOURCE_IP 169.254.216.43, DGM_LENGTH 201 */
	0x11, 0x0e, 0xd5, 0xc3, 0xa9, 0xfe, 0xd8, 0x2b, 0x00, 0x8a, 0x00, 0xc9,
	0x00, 0x00,
	/* SOURCE_NAME: "LT-US-DSWANSON" <00> */
	0x20, 0x45, 0x4d, 0x46, 0x45, 0x43, 0x4e, 0x46, 0x46, 0x46, 0x44, 0x43,
	0x4e, 0x45, 0x45, 0x46, 0x44, 0x46, 0x48, 0x45, 0x42, 0x45, 0x4f, 0x46,
	0x44, 0x45, 0x50, 0x45, 0x4f, 0x43, 0x41, 0x41, 0x41, 0x00,
	/* DESTINATION_NAME: "\\x01\\x02__MSBROWSE__\\x02" <01> (browser) */
	0x20, 0x41, 0x42, 0x41, 0x43, 0x46, 0x50, 0x46, 0x50, 0x45, 0x4e, 0x46,
	0x44, 0x45, 0x43, 0x46, 0x43, 0x45, 0x50, 0x46, 0x48, 0x46, 0x44, 0x45,
	0x46, 0x46, 0x50, 0x46, 0x50, 0x41, 0x43, 0x41, 0x42, 0x00,
	/* SMB Transaction to \\MAILSLOT\\BROWSE: Domain Announcement "AMERICAS" (not read) */
	0xff, 0x53, 0x4d, 0x42, 0x25, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x2f,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe8, 0x03, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x56, 0x00, 0x03,
	0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x40, 0x00, 0x5c, 0x4d, 0x41,
	0x49, 0x4c, 0x53, 0x4c, 0x4f, 0x54, 0x5c, 0x42, 0x52, 0x4f, 0x57, 0x53,
	0x45, 0x00, 0x0c, 0x00, 0xe0, 0x93, 0x04, 0x00, 0x41, 0x4d, 0x45, 0x52,
	0x49, 0x43, 0x41, 0x53, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x0a, 0x00, 0x10, 0x00, 0x80, 0xfe, 0x07, 0x00, 0x00, 0x4c, 0x54,
	0x2d, 0x55, 0x53, 0x2d, 0x44, 0x53, 0x57, 0x41, 0x4e, 0x53, 0x4f, 0x4e,
	0x00,
};

static void test_datagram_service(void **unused)
{
	static const char *const want_host[] = {
		"name mac=-,ip=172.31.112.16 WIN-SVV-PC1",
		"attr mac=-,ip=172.31.112.16 netbios_group=SVV",
		NULL,
	};
	static const char *const want_domain[] = {
		"name mac=-,ip=169.254.216.43 LT-US-DSWANSON",
		NULL,
	};
	struct mk_pkt pkt = {.sport = 138, .dport = 138};
	struct rec r1 = {0}, r2 = {0}, r3 = {0};
	struct mk_rd rd;

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_nbns, NULL, nbdgm_host_announce, sizeof(nbdgm_host_announce),
	                           MK_DIR_TO_SERVER, &r1, NULL), MK_V_OK);
	rec_expect(&r1, want_host);
	run_parse(&mk_proto_nbns, &pkt, nbdgm_domain_announce, sizeof(nbdgm_domain_announce), MK_DIR_TO_SERVER,
	          &r2, NULL);
	rec_expect(&r2, want_domain);
	/* On port 137 the same bytes are no name service message. */
	pkt.sport = pkt.dport = 137;
	run_parse(&mk_proto_nbns, &pkt, nbdgm_host_announce, sizeof(nbdgm_host_announce), MK_DIR_TO_SERVER, &r3,
	          NULL);
	assert_false(rec_has(&r3, want_host[0]));
	mk_rd_init(&rd, nbdgm_host_announce, sizeof(nbdgm_host_announce));
	assert_int_equal(mk_proto_nbns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
}

static void test_datagram_every_truncation(void **unused)
{
	struct mk_pkt pkt = {.sport = 138, .dport = 138};
	struct rec all = {0};

	(void)unused;
	run_parse(&mk_proto_nbns, &pkt, nbdgm_host_announce, sizeof(nbdgm_host_announce), MK_DIR_TO_SERVER, &all,
	          NULL);
	for (size_t cut = 0; cut < sizeof(nbdgm_host_announce); cut++) {
		struct rec part = {0};

		run_parse(&mk_proto_nbns, &pkt, nbdgm_host_announce, cut, MK_DIR_TO_SERVER, &part, NULL);
		rec_subset(&part, &all, cut);
	}
}

static void test_registrations(void **unused)
{
	static const char *const want_kw[] = {"name mac=-,ip=192.168.1.1 KW-VLIPC", NULL};
	static const char *const want_wg[] = {"attr mac=-,ip=192.168.1.1 netbios_group=WORKGROUP", NULL};
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_nbns, NULL, nbns_reg_kw, sizeof(nbns_reg_kw), MK_DIR_TO_SERVER, &r1,
	                           NULL), MK_V_OK);
	rec_expect(&r1, want_kw);
	run_parse(&mk_proto_nbns, NULL, nbns_reg_wg, sizeof(nbns_reg_wg), MK_DIR_TO_SERVER, &r2, NULL);
	rec_expect(&r2, want_wg);
}

static void test_node_status(void **unused)
{
	static const char *const want[] = {
		"name sender WIN-I82B81NSLLJ",
		"attr sender netbios_group=WORKGROUP",
		NULL,
	};
	struct rec r = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_nbns, NULL, nbns_stat, sizeof(nbns_stat), MK_DIR_TO_CLIENT, &r, NULL),
	                 MK_V_OK);
	rec_expect(&r, want);
}

/* The registration turned into a positive query response (flags 0x8500, AN 1). */
static void test_query_response(void **unused)
{
	uint8_t buf[50 + 24]; /* header and question of frame 120, then the answer */
	static const uint8_t answer[] = {
		0xc0, 0x0c, 0x00, 0x20, 0x00, 0x01, 0x00, 0x04, 0x93, 0xe0, 0x00, 0x0c, /* -> @12 NB IN rdlen 12 */
		0x60, 0x00, 0xc0, 0xa8, 0x01, 0x01, /* unique, 192.168.1.1 */
		0x60, 0x00, 0x0a, 0x00, 0x00, 0x07, /* unique, 10.0.0.7 (multi-homed) */
	};
	static const char *const want[] = {
		"name mac=-,ip=192.168.1.1 KW-VLIPC",
		"name mac=-,ip=10.0.0.7 KW-VLIPC",
		NULL,
	};
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	assert_int_equal(sizeof(buf), 50 + sizeof(answer));
	memcpy(buf, nbns_reg_kw, 50); /* header + question */
	buf[2] = 0x85;                /* response, opcode 0, AA */
	buf[3] = 0x00;
	buf[7] = 1;                   /* AN 1 */
	buf[11] = 0;                  /* AR 0 */
	memcpy(buf + 50, answer, sizeof(answer));
	run_parse(&mk_proto_nbns, NULL, buf, sizeof(buf), MK_DIR_TO_CLIENT, &r1, NULL);
	rec_expect(&r1, want);
	buf[3] = 0x06; /* rcode 6: active error (the name is taken): nothing */
	run_parse(&mk_proto_nbns, NULL, buf, sizeof(buf), MK_DIR_TO_CLIENT, &r2, NULL);
	assert_int_equal(r2.n, 0);
}

static void test_release_and_query_give_nothing(void **unused)
{
	uint8_t buf[sizeof(nbns_reg_kw)];
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	memcpy(buf, nbns_reg_kw, sizeof(buf));
	buf[2] = 0x30; /* opcode 6: release */
	run_parse(&mk_proto_nbns, NULL, buf, sizeof(buf), MK_DIR_TO_SERVER, &r1, NULL);
	assert_int_equal(r1.n, 0);
	buf[2] = 0x01; /* opcode 0 query, no additional record */
	buf[11] = 0;
	run_parse(&mk_proto_nbns, NULL, buf, 50, MK_DIR_TO_SERVER, &r2, NULL);
	assert_int_equal(r2.n, 0);
}

static void test_malformed(void **unused)
{
	uint8_t buf[sizeof(nbns_reg_kw)], st[sizeof(nbns_stat)];
	static const char *const want_enc[] = {"anomaly nbns_bad_name_encoding", NULL};
	static const char *const want_rdata[] = {"anomaly nbns_bad_rdata", NULL};
	struct rec r1 = {0}, r2 = {0}, r3 = {0};

	(void)unused;
	memcpy(buf, nbns_reg_kw, sizeof(buf));
	buf[13] = 'Z'; /* not a letter A-P */
	run_parse(&mk_proto_nbns, NULL, buf, sizeof(buf), MK_DIR_TO_SERVER, &r1, NULL);
	rec_expect(&r1, want_enc);
	memcpy(st, nbns_stat, sizeof(st));
	st[56] = 9; /* NUM_NAMES 9: 162 bytes, 100 present */
	run_parse(&mk_proto_nbns, NULL, st, sizeof(st), MK_DIR_TO_CLIENT, &r2, NULL);
	rec_expect(&r2, want_rdata);
	memcpy(buf, nbns_reg_kw, sizeof(buf));
	buf[61] = 5; /* RDLENGTH 5 (not a multiple of 6): 5 bytes of the 6 */
	run_parse(&mk_proto_nbns, NULL, buf, sizeof(buf) - 1, MK_DIR_TO_SERVER, &r3, NULL);
	rec_expect(&r3, want_rdata);
}

static void test_probe(void **unused)
{
	static const char text[] = "M-SEARCH * HTTP/1.1\r\n\r\n";
	struct mk_rd rd;

	(void)unused;
	mk_rd_init(&rd, nbns_reg_kw, sizeof(nbns_reg_kw));
	assert_int_equal(mk_proto_nbns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, nbns_stat, sizeof(nbns_stat));
	assert_int_equal(mk_proto_nbns.probe(&rd, MK_DIR_TO_CLIENT), MK_PROBE_SURE);
	mk_rd_init(&rd, text, sizeof(text) - 1);
	assert_int_equal(mk_proto_nbns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, nbns_reg_kw, 30);
	assert_int_equal(mk_proto_nbns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
}

static void check_truncations(const uint8_t *msg, size_t len)
{
	struct rec all = {0};

	run_parse(&mk_proto_nbns, NULL, msg, len, MK_DIR_TO_SERVER, &all, NULL);
	for (size_t cut = 0; cut < len; cut++) {
		struct rec part = {0};

		assert_int_equal(run_parse(&mk_proto_nbns, NULL, msg, cut, MK_DIR_TO_SERVER, &part, NULL), MK_V_OK);
		rec_subset(&part, &all, cut);
	}
}

/* Every prefix: no crash, no fact the whole message does not give. */
static void test_every_truncation(void **unused)
{
	(void)unused;
	check_truncations(nbns_reg_kw, sizeof(nbns_reg_kw));
	check_truncations(nbns_reg_wg, sizeof(nbns_reg_wg));
	check_truncations(nbns_stat, sizeof(nbns_stat));
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_int_equal(mk_proto_nbns.abi, MK_PROTO_ABI);
	assert_string_equal(mk_proto_nbns.name, "nbns");
	assert_int_equal(mk_proto_nbns.id, MK_PROTO_NBNS);
	assert_int_equal(mk_proto_nbns.transports, MK_TRANSPORT_UDP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registrations),
		cmocka_unit_test(test_node_status),
		cmocka_unit_test(test_query_response),
		cmocka_unit_test(test_release_and_query_give_nothing),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_datagram_service),
		cmocka_unit_test(test_datagram_every_truncation),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

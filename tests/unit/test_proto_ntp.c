/* test_proto_ntp.c - unit tests of the NTP parser.
 * Datagrams are copied from real captures under ../shared/captures/office
 * (file and frame named at each vector). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_ntp;

/* ---- test harness: a recording sink and a small stand-in for the core ---- */
#define REC_MAX 128

struct rec_fact {
	uint8_t kind;
	uint8_t host;
	uint8_t op;
	uint8_t role;
	uint8_t confidence;
	char key[40];
	char value[300];
	size_t value_len;
};

static struct rec_fact rec[REC_MAX];
static size_t nrec;

static void rec_sink(void *ctx, const struct mk_fact *f, struct mk_flow *flow,
                     const struct mk_pkt *pkt, int dir)
{
	struct rec_fact *r;

	(void)ctx;
	(void)flow;
	(void)pkt;
	(void)dir;
	assert_true(nrec < REC_MAX);
	r = &rec[nrec++];
	memset(r, 0, sizeof(*r));
	r->kind = f->kind;
	r->host = f->host.kind;
	r->op = f->op;
	r->role = f->role;
	r->confidence = f->confidence;
	if (f->key != NULL)
		snprintf(r->key, sizeof(r->key), "%s", f->key);
	/* Facts borrow their value: copy it now, and check its length is sane. */
	assert_true(f->value_len < sizeof(r->value));
	if (f->value != NULL)
		memcpy(r->value, f->value, f->value_len);
	r->value_len = f->value_len;
}

static inline void rec_reset(void)
{
	nrec = 0;
}

/* The n-th fact of this kind (and key, for attributes), or NULL. */
static inline const struct rec_fact *rec_find(uint8_t kind, const char *key, size_t nth)
{
	for (size_t i = 0; i < nrec; i++) {
		if (rec[i].kind != kind)
			continue;
		if (key != NULL && strcmp(rec[i].key, key) != 0)
			continue;
		if (nth-- == 0)
			return &rec[i];
	}
	return NULL;
}

static inline size_t rec_count(uint8_t kind, const char *key)
{
	size_t n = 0;

	while (rec_find(kind, key, n) != NULL)
		n++;
	return n;
}

static inline void expect_attr(uint8_t host, const char *key, const char *value)
{
	const struct rec_fact *r = rec_find(MK_FACT_ATTR, key, 0);

	if (r == NULL)
		fail_msg("no attribute %s", key);
	assert_int_equal(r->host, host);
	assert_string_equal(r->value, value);
	assert_int_equal(r->value_len, strlen(value));
}

static inline bool has_anomaly(const char *name)
{
	for (size_t i = 0; i < nrec; i++)
		if (rec[i].kind == MK_FACT_ANOMALY && strcmp(rec[i].value, name) == 0)
			return true;
	return false;
}

static inline size_t count_anomaly(const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < nrec; i++)
		if (rec[i].kind == MK_FACT_ANOMALY && strcmp(rec[i].value, name) == 0)
			n++;
	return n;
}

static inline bool has_op(uint8_t op)
{
	for (size_t i = 0; i < nrec; i++)
		if (rec[i].kind == MK_FACT_OPERATION && rec[i].op == op)
			return true;
	return false;
}

/* The core's part for one flow: per-direction buffers of unconsumed bytes. */
#define SIM_BUF 70000

struct sim {
	const struct mk_proto *p;
	void *state;
	uint8_t buf[2][SIM_BUF];
	size_t len[2];
	struct mk_emit out;
};

static inline struct sim *sim_new(const struct mk_proto *p)
{
	struct sim *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->p = p;
	s->state = calloc(1, p->state_size > 0 ? p->state_size : 1);
	assert_non_null(s->state);
	s->out.sink = rec_sink;
	s->out.proto = p->id;
	return s;
}

static inline void sim_free(struct sim *s)
{
	if (s->p->reset != NULL)
		s->p->reset(s->state);
	free(s->state);
	free(s);
}

/* TCP: appends bytes in dir and calls parse() until it stops making progress. */
static inline enum mk_verdict sim_tcp(struct sim *s, enum mk_dir dir, const void *data, size_t n)
{
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	enum mk_verdict v = MK_V_OK;

	assert_true(s->len[d] + n <= SIM_BUF);
	if (n > 0)
		memcpy(s->buf[d] + s->len[d], data, n);
	s->len[d] += n;
	for (int guard = 0; guard < 100000; guard++) {
		struct mk_rd rd;
		size_t consumed = 0;

		mk_rd_init(&rd, s->buf[d], s->len[d]);
		s->out.dir = (int)dir;
		v = s->p->parse(s->state, &rd, dir, &consumed, &s->out);
		assert_true(consumed <= s->len[d]);
		memmove(s->buf[d], s->buf[d] + consumed, s->len[d] - consumed);
		s->len[d] -= consumed;
		if (v != MK_V_OK || s->len[d] == 0)
			return v;
		if (consumed == 0)
			fail_msg("parse returned OK without progress");
	}
	fail_msg("parse loops");
	return v;
}

/* UDP: one datagram, parsed from an exact-size heap copy. */
static inline enum mk_verdict sim_udp(struct sim *s, enum mk_dir dir, const void *data, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	size_t consumed = 0;
	enum mk_verdict v;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, data, n);
	mk_rd_init(&rd, copy, n);
	s->out.dir = (int)dir;
	v = s->p->parse(s->state, &rd, dir, &consumed, &s->out);
	free(copy);
	return v;
}

/* Probe on an exact-size heap copy, so ASan sees an over-read. */
static inline int probe_bytes(const struct mk_proto *p, enum mk_dir dir, const void *data, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int r;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, data, n);
	mk_rd_init(&rd, copy, n);
	r = p->probe(&rd, dir);
	free(copy);
	assert_true(r >= MK_PROBE_NO && r <= MK_PROBE_SURE);
	return r;
}

/* TCP truncation: every prefix must give NEED (or OK with nothing left) and
 * no fact at all; returns how many prefixes were tried. */
static inline void every_truncation_tcp(const struct mk_proto *p, enum mk_dir dir, const uint8_t *msg,
                                        size_t n)
{
	for (size_t cut = 0; cut < n; cut++) {
		struct sim *s = sim_new(p);
		uint8_t *copy = malloc(cut > 0 ? cut : 1);
		struct mk_rd rd;
		size_t consumed = 0;
		enum mk_verdict v;

		assert_non_null(copy);
		memcpy(copy, msg, cut);
		mk_rd_init(&rd, copy, cut);
		rec_reset();
		v = p->parse(s->state, &rd, dir, &consumed, &s->out);
		if (cut > 0 && v != MK_V_NEED)
			fail_msg("cut at %zu of %zu: verdict %d, not NEED", cut, n, (int)v);
		assert_int_equal(consumed, 0);
		if (nrec != 0)
			fail_msg("cut at %zu of %zu: %zu facts from a cut message", cut, n, nrec);
		free(copy);
		sim_free(s);
	}
}
/* ---- end of harness ---- */

/* ntp__ntp.pcap frame 1: 192.168.43.118 -> 80.211.52.109, a client request. */
static const uint8_t client_req[48] = {
	0x23,                   /* LI 0, VN 4, mode 3 (client) */
	0x02,                   /* stratum 2 (the client's own; ignored) */
	0x06,                   /* poll 2^6 s */
	0xea,                   /* precision -22 */
	0x00, 0x00, 0x0b, 0xd9, /* root delay */
	0x00, 0x00, 0x06, 0x30, /* root dispersion */
	0x55, 0xc7, 0xd6, 0x63, /* reference id */
	0xe0, 0x9a, 0xb5, 0x5c, 0x12, 0xdc, 0xc9, 0x14, /* reference timestamp */
	0xe0, 0x9a, 0xb5, 0x54, 0x0c, 0x60, 0xc2, 0x3b, /* origin timestamp */
	0xe0, 0x9a, 0xb5, 0x54, 0x13, 0xa6, 0x4a, 0x3b, /* receive timestamp */
	0xe0, 0x9a, 0xb5, 0x96, 0x07, 0x05, 0x0b, 0xaa, /* transmit timestamp */
};

/* ntp__ntp.pcap frame 21: 85.199.214.99, a stratum-1 server with a GPS clock. */
static const uint8_t server_resp[48] = {
	0x24,                   /* LI 0, VN 4, mode 4 (server) */
	0x01,                   /* stratum 1 (primary) */
	0x04,                   /* poll */
	0xe7,                   /* precision */
	0x00, 0x00, 0x00, 0x00, /* root delay */
	0x00, 0x00, 0x00, 0x00, /* root dispersion */
	'G', 'P', 'S', 0x00,    /* reference id: "GPS" */
	0xe0, 0x9a, 0xb5, 0x9e, 0x00, 0x00, 0x00, 0x00,
	0xe0, 0x9a, 0xb5, 0x9e, 0x07, 0x02, 0xa6, 0xf2,
	0xe0, 0x9a, 0xb5, 0x9e, 0x12, 0xe0, 0x37, 0x01,
	0xe0, 0x9a, 0xb5, 0x9e, 0x12, 0xe0, 0x98, 0x9d,
};

/* ntp__ntpmode67.pcap frame 1: a mode 6 READSTAT request. */
static const uint8_t ctrl_req[12] = {
	0x16,       /* LI 0, VN 2, mode 6 (control) */
	0x01,       /* R 0, E 0, M 0, opcode 1 (read status) */
	0x00, 0x01, /* sequence */
	0x00, 0x00, /* status */
	0x00, 0x00, /* association id */
	0x00, 0x00, /* offset */
	0x00, 0x00, /* count */
};

/* ntp__ntpmode67.pcap frame 5: a mode 7 MON_GETLIST_1 ("monlist") request;
 * the capture pads it to 192 bytes of zeros, the first 8 suffice here. */
static const uint8_t monlist_req[8] = {
	0x17,       /* R 0, M 0, VN 2, mode 7 (private) */
	0x00,       /* A 0, sequence 0 */
	0x03,       /* implementation 3 (XNTPD) */
	0x2a,       /* request code 42 (MON_GETLIST_1) */
	0x00, 0x00, /* err, number of items */
	0x00, 0x00, /* MBZ, item size */
};

static void test_client_server(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ntp);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_udp(s, MK_DIR_TO_SERVER, client_req, sizeof(client_req)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ntp_mode", "client");
	expect_attr(MK_HOST_SENDER, "ntp_version", "4");
	assert_null(rec_find(MK_FACT_ATTR, "ntp_stratum", 0));
	assert_int_equal(nrec, 2);
	rec_reset();
	assert_int_equal(sim_udp(s, MK_DIR_TO_CLIENT, server_resp, sizeof(server_resp)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ntp_mode", "server");
	expect_attr(MK_HOST_SENDER, "ntp_stratum", "1");
	expect_attr(MK_HOST_SENDER, "ntp_refid", "GPS");
	assert_int_equal(nrec, 4);
	/* Polls repeat every minute: described once per direction. */
	rec_reset();
	assert_int_equal(sim_udp(s, MK_DIR_TO_CLIENT, server_resp, sizeof(server_resp)), MK_V_OK);
	assert_int_equal(nrec, 0);
	sim_free(s);
}

static void test_control(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ntp);

	(void)unused;
	rec_reset();
	sim_udp(s, MK_DIR_TO_SERVER, ctrl_req, sizeof(ctrl_req));
	expect_attr(MK_HOST_SENDER, "ntp_mode", "control");
	assert_int_equal(count_anomaly("ntp_control_query"), 1);
	assert_false(has_anomaly("ntp_monlist_query"));
	sim_free(s);

	s = sim_new(&mk_proto_ntp);
	rec_reset();
	sim_udp(s, MK_DIR_TO_SERVER, monlist_req, sizeof(monlist_req));
	sim_udp(s, MK_DIR_TO_SERVER, monlist_req, sizeof(monlist_req));
	expect_attr(MK_HOST_SENDER, "ntp_mode", "private");
	assert_int_equal(count_anomaly("ntp_control_query"), 1);
	assert_int_equal(count_anomaly("ntp_monlist_query"), 1);
	sim_free(s);

	/* A mode 6 response (R bit set) is no query. */
	s = sim_new(&mk_proto_ntp);
	rec_reset();
	{
		uint8_t resp[12];

		memcpy(resp, ctrl_req, sizeof(resp));
		resp[1] |= 0x80;
		sim_udp(s, MK_DIR_TO_CLIENT, resp, sizeof(resp));
	}
	assert_false(has_anomaly("ntp_control_query"));
	sim_free(s);
}

static void test_malformed(void **unused)
{
	/* ntp__ntp-no-extensions-mac.pcap frame 1: 73 bytes of junk, "stratum 32". */
	static const uint8_t junk[] = {
		0x54, 0x20, 0x20, 0x20, 0x20, 0x20, 0xff, 0xff, 0x20, 0x20, 0xff, 0x20,
	};
	struct sim *s = sim_new(&mk_proto_ntp);
	uint8_t bad[48];

	(void)unused;
	rec_reset();
	/* 0x54: VN 2, mode 4, but stratum 0x20 = 32: no stratum fact. */
	{
		uint8_t full[73];

		memset(full, 0x20, sizeof(full));
		memcpy(full, junk, sizeof(junk));
		sim_udp(s, MK_DIR_TO_CLIENT, full, sizeof(full));
		assert_null(rec_find(MK_FACT_ATTR, "ntp_stratum", 0));
		assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_CLIENT, full, sizeof(full)), MK_PROBE_NO);
	}
	sim_free(s);

	s = sim_new(&mk_proto_ntp);
	memcpy(bad, client_req, sizeof(bad));
	bad[0] = 0x20; /* mode 0 */
	rec_reset();
	sim_udp(s, MK_DIR_TO_SERVER, bad, sizeof(bad));
	assert_true(has_anomaly("ntp_bad_mode"));
	assert_int_equal(nrec, 1);
	sim_free(s);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER, client_req, sizeof(client_req)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_CLIENT, server_resp, sizeof(server_resp)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER, ctrl_req, sizeof(ctrl_req)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER, monlist_req, sizeof(monlist_req)),
	                 MK_PROBE_MAYBE);
	/* A DNS query is not NTP. */
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER,
	                             "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER, client_req, 47), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

/* UDP: a cut datagram must give no fact built from a missing field. */
static void cut_loop(const uint8_t *msg, size_t n, enum mk_dir dir)
{
	for (size_t cut = 0; cut < n; cut++) {
		struct sim *s = sim_new(&mk_proto_ntp);

		rec_reset();
		assert_int_equal(sim_udp(s, dir, msg, cut), MK_V_OK);
		for (size_t i = 0; i < nrec; i++) {
			assert_int_equal(rec[i].kind, MK_FACT_ANOMALY);
			if (cut > 0)
				assert_string_equal(rec[i].value, "ntp_short_packet");
		}
		sim_free(s);
	}
}

static void test_truncation(void **unused)
{
	(void)unused;
	cut_loop(client_req, sizeof(client_req), MK_DIR_TO_SERVER);
	cut_loop(server_resp, sizeof(server_resp), MK_DIR_TO_CLIENT);
	cut_loop(ctrl_req, sizeof(ctrl_req), MK_DIR_TO_SERVER);
	cut_loop(monlist_req, sizeof(monlist_req), MK_DIR_TO_SERVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_server),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

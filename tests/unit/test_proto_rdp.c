/* test_proto_rdp.c - unit tests of the RDP connection-sequence parser.
 * PDUs from real captures under ../shared/captures/office (file and frame at
 * each vector); the S7comm and MMS requests for the negative probe come from
 * ../shared/captures/s7comm and ../shared/captures/iec61850. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_rdp;

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

/* rdp__rdp-to-ssl.pcap frame 4, 49206 -> 3389: X.224 Connection Request. */
static const uint8_t cr_cookie[] = {
	0x03, 0x00, 0x00, 0x2f,             /* TPKT v3, length 47 */
	0x2a, 0xe0,                         /* X.224 LI 42, CR */
	0x00, 0x00, 0x00, 0x00, 0x00,       /* dst-ref, src-ref, class 0 */
	'C', 'o', 'o', 'k', 'i', 'e', ':', ' ', 'm', 's', 't', 's', 'h', 'a', 's', 'h', '=',
	'A', 'W', 'A', 'K', 'E', 'C', 'O', 'D', 'I', 0x0d, 0x0a, /* "AWAKECODI" CR LF */
	0x01, 0x00, 0x08, 0x00,             /* RDP_NEG_REQ, flags 0, length 8 */
	0x03, 0x00, 0x00, 0x00,             /* requestedProtocols SSL|HYBRID */
};
/* Frame 6, 3389 -> 49206: Connection Confirm with RDP_NEG_RSP. */
static const uint8_t cc_hybrid[] = {
	0x03, 0x00, 0x00, 0x13,             /* TPKT, length 19 */
	0x0e, 0xd0,                         /* LI 14, CC */
	0x00, 0x00, 0x12, 0x34, 0x00,       /* dst-ref, src-ref 0x1234, class 0 */
	0x02, 0x01, 0x08, 0x00,             /* RDP_NEG_RSP, EXTENDED_CLIENT_DATA, length 8 */
	0x02, 0x00, 0x00, 0x00,             /* selectedProtocol HYBRID (CredSSP) */
};
/* rdp__rdp-no-cookie-mstshash.pcap frame 7: no cookie, SSL|HYBRID|HYBRID_EX. */
static const uint8_t cr_nocookie[] = {
	0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x00,
};
/* rdp__rdp-proprietary-encryption.pcap frame 5: RDP_NEG_FAILURE, code 2
 * (SSL_NOT_ALLOWED_BY_SERVER). */
static const uint8_t cc_failure[] = {
	0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00,
	0x03, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00,
};
/* Same file, frame 12: the retry asks for standard RDP security (0); the
 * cookie is "FTBCO\A70" (a DOMAIN\user cut to nine characters). */
static const uint8_t cr_standard[] = {
	0x03, 0x00, 0x00, 0x2f, 0x2a, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
	'C', 'o', 'o', 'k', 'i', 'e', ':', ' ', 'm', 's', 't', 's', 'h', 'a', 's', 'h', '=',
	'F', 'T', 'B', 'C', 'O', '\\', 'A', '7', '0', 0x0d, 0x0a,
	0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* rdp__rdp-unknown-keyboard.pcap frame 11 (MCS Connect Initial), cut down
 * to the headers and the TS_UD_CS_CORE fields this parser reads. */
static const uint8_t mcs_ci[] = {
	0x03, 0x00, 0x00, 0x50,             /* TPKT, length 80 */
	0x02, 0xf0, 0x80,                   /* X.224 LI 2, DT, EOT */
	0x7f, 0x65, 0x82, 0x01, 0xb2,       /* BER Connect-Initial (as captured) */
	0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01, /* GCC: t124 object id, PER */
	'D', 'u', 'c', 'a',                 /* H.221 client key */
	0x38,                               /* PER length 56 (one-byte form here) */
	0x01, 0xc0, 0x38, 0x00,             /* CS_CORE, length 56 (cut short) */
	0x04, 0x00, 0x08, 0x00,             /* version 8.4 */
	0x80, 0x07, 0x38, 0x04,             /* 1920 x 1080 */
	0x01, 0xca, 0x03, 0xaa,             /* colorDepth, SASSequence */
	0x1e, 0x04, 0x04, 0x00,             /* keyboardLayout 0x0004041e (unknown) */
	0x80, 0x25, 0x00, 0x00,             /* clientBuild 9600 */
	'J', 0, 'O', 0, 'H', 0, 'N', 0, '-', 0, 'P', 0, 'C', 0, '-', 0, /* clientName */
	'L', 0, 'A', 0, 'P', 0, 'T', 0, 'O', 0, 'P', 0, 0, 0, 0, 0,
};

static void test_tls_session(void **unused)
{
	struct sim *s = sim_new(&mk_proto_rdp);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, cr_cookie, sizeof(cr_cookie)), MK_V_OK);
	expect_attr(MK_HOST_CLIENT, "rdp_user", "AWAKECODI");
	expect_attr(MK_HOST_CLIENT, "rdp_requested_protocols", "ssl,hybrid");
	assert_int_equal(nrec, 2);
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, cc_hybrid, sizeof(cc_hybrid)), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "rdp_selected_protocol", "hybrid");
	assert_false(has_anomaly("rdp_standard_security"));
	assert_int_equal(nrec, 1);
	/* TLS ClientHello follows: skipped. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, "\x16\x03\x01\x00\x05hello", 10), MK_V_OK);
	assert_int_equal(nrec, 0);
	sim_free(s);

	s = sim_new(&mk_proto_rdp);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, cr_nocookie, sizeof(cr_nocookie));
	assert_null(rec_find(MK_FACT_ATTR, "rdp_user", 0));
	expect_attr(MK_HOST_CLIENT, "rdp_requested_protocols", "ssl,hybrid,hybrid_ex");
	sim_free(s);
}

static void test_standard_security(void **unused)
{
	struct sim *s = sim_new(&mk_proto_rdp);

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, cc_failure, sizeof(cc_failure));
	assert_true(has_anomaly("rdp_negotiation_failure"));
	sim_free(s);

	s = sim_new(&mk_proto_rdp);
	rec_reset();
	/* Request and Connect Initial in one buffer. */
	{
		uint8_t both[sizeof(cr_standard) + sizeof(mcs_ci)];

		memcpy(both, cr_standard, sizeof(cr_standard));
		memcpy(both + sizeof(cr_standard), mcs_ci, sizeof(mcs_ci));
		assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, both, sizeof(both)), MK_V_OK);
	}
	expect_attr(MK_HOST_CLIENT, "rdp_user", "FTBCO\\A70");
	expect_attr(MK_HOST_CLIENT, "rdp_requested_protocols", "rdp");
	assert_non_null(rec_find(MK_FACT_NAME, NULL, 0));
	assert_string_equal(rec_find(MK_FACT_NAME, NULL, 0)->value, "JOHN-PC-LAPTOP");
	assert_int_equal(rec_find(MK_FACT_NAME, NULL, 0)->host, MK_HOST_CLIENT);
	expect_attr(MK_HOST_CLIENT, "rdp_client_build", "9600");
	/* The server accepts standard security: proprietary RC4. */
	{
		uint8_t cc[sizeof(cc_hybrid)];

		memcpy(cc, cc_hybrid, sizeof(cc));
		cc[15] = 0x00;
		sim_tcp(s, MK_DIR_TO_CLIENT, cc, sizeof(cc));
	}
	expect_attr(MK_HOST_SERVER, "rdp_selected_protocol", "rdp");
	assert_true(has_anomaly("rdp_standard_security"));
	sim_free(s);
}

static void test_malformed(void **unused)
{
	/* rdp__rdp-invalid-length.pcap frame 5: an RDP_NEG_RSP of length 0. */
	static const uint8_t bad_rsp[] = {
		0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00,
		0x02, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x02,
		0x00, 0x12, 0x32, 0x00, 0x02, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, /* trailing junk */
	};
	struct sim *s = sim_new(&mk_proto_rdp);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, bad_rsp, sizeof(bad_rsp)), MK_V_OK);
	assert_true(has_anomaly("rdp_bad_negotiation"));
	assert_null(rec_find(MK_FACT_ATTR, "rdp_selected_protocol", 0));
	sim_free(s);

	s = sim_new(&mk_proto_rdp);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "\x03\x00\x00\x02\x00\x00", 6); /* TPKT length 2 */
	assert_true(has_anomaly("rdp_bad_tpkt"));
	sim_free(s);

	s = sim_new(&mk_proto_rdp);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "\x03\x00\x00\x0b\x20\xe0\x00\x00\x00\x00\x00", 11); /* LI beyond TPKT */
	assert_true(has_anomaly("rdp_bad_tpkt"));
	sim_free(s);
}

static void test_probe(void **unused)
{
	/* s7comm/s7__s7comm_reading_plc_status.pcap frame 8: S7comm COTP CR. */
	static const uint8_t s7_cr[] = {
		0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x0f, 0x00,
		0xc1, 0x02, 0x01, 0x00,             /* src-tsap */
		0xc2, 0x02, 0x01, 0x02,             /* dst-tsap */
		0xc0, 0x01, 0x0a,                   /* tpdu-size */
	};
	/* s7comm/s7__S7Comm__s7comm_clean.pcap frame 107. */
	static const uint8_t s7_cr2[] = {
		0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x07, 0x78, 0x00,
		0xc1, 0x02, 0x00, 0x01, 0xc2, 0x02, 0x00, 0x01, 0xc0, 0x01, 0x0d,
	};

	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, cr_cookie, sizeof(cr_cookie)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, cr_nocookie, sizeof(cr_nocookie)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_CLIENT, cc_hybrid, sizeof(cc_hybrid)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, s7_cr, sizeof(s7_cr)), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, s7_cr2, sizeof(s7_cr2)), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, cr_cookie, 8), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, "GET / HTTP/1.1\r\n", 16), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

static void test_truncation(void **unused)
{
	(void)unused;
	every_truncation_tcp(&mk_proto_rdp, MK_DIR_TO_SERVER, cr_cookie, sizeof(cr_cookie));
	every_truncation_tcp(&mk_proto_rdp, MK_DIR_TO_CLIENT, cc_hybrid, sizeof(cc_hybrid));
	every_truncation_tcp(&mk_proto_rdp, MK_DIR_TO_SERVER, cr_standard, sizeof(cr_standard));
	/* The Connect Initial cut at every length after a whole request. */
	for (size_t cut = 0; cut < sizeof(mcs_ci); cut++) {
		struct sim *s = sim_new(&mk_proto_rdp);

		sim_tcp(s, MK_DIR_TO_SERVER, cr_standard, sizeof(cr_standard));
		rec_reset();
		if (cut > 0)
			assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, mcs_ci, cut), MK_V_NEED);
		assert_int_equal(nrec, 0);
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_session),
		cmocka_unit_test(test_standard_security),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

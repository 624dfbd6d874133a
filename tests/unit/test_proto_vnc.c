/* test_proto_vnc.c - unit tests of the VNC (RFB) parser.
 * Bytes from real captures under ../shared/captures/office (file and frame at
 * each vector). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_vnc;

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

/* rfb__vnc-scanner.pcap frames 4 (server 5900) and 5 (client): "RFB 003.008\n". */
static const char v38[] = "RFB 003.008\n";
/* rfb__vnc-mac-to-linux.pcap frame 8: the client answers with 3.3. */
static const char v33[] = "RFB 003.003\n";
/* rfb__vncmac.pcap frame 5: Apple Remote Desktop's "RFB 003.889\n". */
static const char v3889[] = "RFB 003.889\n";

static void test_scanner_flow(void **unused)
{
	struct sim *s = sim_new(&mk_proto_vnc);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, v38, 12), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "vnc_version", "RFB 003.008");
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, v38, 12), MK_V_OK);
	assert_int_equal(rec_count(MK_FACT_ATTR, "vnc_version"), 2);
	/* Frames 6, 7, 8: number-of-security-types 2, then types 2 and 16, one
	 * byte per segment. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x02", 1), MK_V_NEED);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x02", 1), MK_V_NEED);
	assert_int_equal(nrec, 0);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x10", 1), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "vnc_security_types", "2,16");
	assert_false(has_anomaly("vnc_no_authentication"));
	assert_int_equal(nrec, 1);
	/* Frame 10: the client's choice and all that follows is skipped. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, "\x02", 1), MK_V_OK);
	assert_int_equal(nrec, 0);
	sim_free(s);
}

static void test_old_and_apple(void **unused)
{
	struct sim *s = sim_new(&mk_proto_vnc);

	(void)unused;
	/* rfb__vnc-mac-to-linux.pcap frames 6, 8, 10: 3.8 server, 3.3 client,
	 * then the 3.3-form u32 security type 2 (VNC authentication). */
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, v38, 12);
	sim_tcp(s, MK_DIR_TO_SERVER, v33, 12);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x00\x00\x00\x02", 4), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "vnc_security_types", "2");
	assert_string_equal(rec_find(MK_FACT_ATTR, "vnc_version", 1)->value, "RFB 003.003");
	sim_free(s);

	/* rfb__vncmac.pcap frames 5, 7, 9: 3.889 both ways, types 30 and 35. */
	s = sim_new(&mk_proto_vnc);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, v3889, 12);
	sim_tcp(s, MK_DIR_TO_SERVER, v3889, 12);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x02\x1e\x23", 3), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "vnc_security_types", "30,35");
	sim_free(s);
}

static void test_no_auth_and_failure(void **unused)
{
	struct sim *s = sim_new(&mk_proto_vnc);

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, v38, 12);
	sim_tcp(s, MK_DIR_TO_SERVER, v38, 12);
	sim_tcp(s, MK_DIR_TO_CLIENT, "\x01\x01", 2); /* one type: None */
	assert_true(has_anomaly("vnc_no_authentication"));
	sim_free(s);

	s = sim_new(&mk_proto_vnc);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, v38, 12);
	sim_tcp(s, MK_DIR_TO_SERVER, v38, 12);
	/* zero types, reason length 6, "denied" */
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x00\x00\x00\x00\x06" "den", 8), MK_V_NEED);
	assert_false(has_anomaly("vnc_security_failure"));
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "ied", 3), MK_V_OK);
	assert_true(has_anomaly("vnc_security_failure"));
	sim_free(s);

	s = sim_new(&mk_proto_vnc);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, "RFB 00x.008\n", 12);
	assert_true(has_anomaly("vnc_bad_version"));
	assert_null(rec_find(MK_FACT_ATTR, "vnc_version", 0));
	sim_free(s);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_CLIENT, v38, 12), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_SERVER, v3889, 12), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_CLIENT, "RFB 0", 5), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_CLIENT, "RFC 003.008\n", 12), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_CLIENT, "SSH-2.0-OpenSSH\r\n", 17), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_CLIENT, "", 0), MK_PROBE_NO);
}

static void test_truncation(void **unused)
{
	(void)unused;
	every_truncation_tcp(&mk_proto_vnc, MK_DIR_TO_CLIENT, (const uint8_t *)v38, 12);
	every_truncation_tcp(&mk_proto_vnc, MK_DIR_TO_SERVER, (const uint8_t *)v33, 12);
	/* The security message cut at every length, after both versions. */
	for (size_t cut = 0; cut < 3; cut++) {
		struct sim *s = sim_new(&mk_proto_vnc);

		sim_tcp(s, MK_DIR_TO_CLIENT, v38, 12);
		sim_tcp(s, MK_DIR_TO_SERVER, v38, 12);
		rec_reset();
		if (cut > 0)
			assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x02\x1e\x23", cut), MK_V_NEED);
		assert_int_equal(nrec, 0);
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scanner_flow),
		cmocka_unit_test(test_old_and_apple),
		cmocka_unit_test(test_no_auth_and_failure),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

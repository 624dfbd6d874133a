/* test_proto_telnet.c - unit tests of the Telnet parser.
 * No clean Telnet session is among the shared captures; the negotiation below
 * is what a Linux inetutils telnetd sends (RFC 854/855/1091 option codes), and
 * the malformed stream is the start of
 * ../shared/captures/malformed/telnet-iac-check-oobr.pcap frame 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_telnet;

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

/* Server -> client: the daemon's opening negotiation. */
static const uint8_t srv_negotiate[] = {
	0xff, 0xfd, 0x18, /* IAC DO TERMINAL-TYPE */
	0xff, 0xfd, 0x20, /* IAC DO TERMINAL-SPEED */
	0xff, 0xfd, 0x23, /* IAC DO X-DISPLAY-LOCATION */
	0xff, 0xfd, 0x27, /* IAC DO NEW-ENVIRON */
};
/* Client -> server: answers and a terminal-type subnegotiation. */
static const uint8_t cli_answer[] = {
	0xff, 0xfb, 0x18,             /* IAC WILL TERMINAL-TYPE */
	0xff, 0xfc, 0x20,             /* IAC WONT TERMINAL-SPEED */
	0xff, 0xfa, 0x18, 0x00,       /* IAC SB TERMINAL-TYPE IS */
	'X', 'T', 'E', 'R', 'M',      /* "XTERM" */
	0xff, 0xf0,                   /* IAC SE */
};
/* Server -> client: the issue text and the login prompt (no newline). */
static const char srv_text[] = "\r\nUbuntu 22.04.3 LTS\r\nplc-gw login: ";
/* telnet-iac-check-oobr.pcap frame 1 (server 23 -> 47302), first 32 bytes:
 * an SB that never sees IAC SE, with IAC DONT inside it. */
static const uint8_t oobr[] = {
	0xff, 0xfe, 0x24,             /* IAC DONT 36 */
	0xff, 0xfa, 0x18, 0x01,       /* IAC SB TERMINAL-TYPE SEND */
	0xff, 0xf0,                   /* IAC SE */
	0xff, 0xfa, 0x7b, 0xf5, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, /* IAC SB 123 ... */
	0x07, 0x1d, 0xa8, 0xd4, 0x59, 0x3c, 0x88, 0xa8,
	0xff, 0xfe, 0x24,             /* IAC DONT inside SB: illegal */
	0xff, 0xfa,
};

static void test_session(void **unused)
{
	struct sim *s = sim_new(&mk_proto_telnet);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, srv_negotiate, sizeof(srv_negotiate)), MK_V_OK);
	assert_int_equal(count_anomaly("telnet_cleartext_session"), 1);
	assert_int_equal(nrec, 1);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, cli_answer, sizeof(cli_answer)), MK_V_OK);
	/* "XTERM" is inside a subnegotiation, never text. */
	assert_int_equal(nrec, 1);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, srv_text, strlen(srv_text)), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "telnet_banner", "Ubuntu 22.04.3 LTS");
	assert_int_equal(nrec, 2);
	/* The user's typing goes unrecorded. */
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "admin\r\n", 7);
	sim_tcp(s, MK_DIR_TO_CLIENT, "Password: ", 10);
	assert_int_equal(nrec, 0);
	sim_free(s);
}

static void test_prompt_only(void **unused)
{
	struct sim *s = sim_new(&mk_proto_telnet);

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, srv_negotiate, sizeof(srv_negotiate));
	/* An embedded device that shows only a prompt, split over segments. */
	sim_tcp(s, MK_DIR_TO_CLIENT, "\xff\xfb\x01" "Log", 6);
	assert_null(rec_find(MK_FACT_ATTR, "telnet_banner", 0));
	sim_tcp(s, MK_DIR_TO_CLIENT, "in: ", 4);
	expect_attr(MK_HOST_SERVER, "telnet_banner", "Login:");
	sim_free(s);
}

static void test_malformed(void **unused)
{
	struct sim *s = sim_new(&mk_proto_telnet);
	uint8_t longsb[600];

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, oobr, sizeof(oobr));
	assert_true(has_anomaly("telnet_bad_subnegotiation"));
	/* The capture repeats the pattern: its bytes after the broken SB
	 * ("$" = 0x24) must not become a banner. */
	sim_tcp(s, MK_DIR_TO_CLIENT, oobr, sizeof(oobr));
	sim_tcp(s, MK_DIR_TO_CLIENT, "\r\n", 2);
	assert_null(rec_find(MK_FACT_ATTR, "telnet_banner", 0));
	sim_free(s);

	s = sim_new(&mk_proto_telnet);
	memset(longsb, 'a', sizeof(longsb));
	longsb[0] = 0xff;
	longsb[1] = 0xfa;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, longsb, sizeof(longsb));
	assert_true(has_anomaly("telnet_bad_subnegotiation"));
	sim_free(s);

	s = sim_new(&mk_proto_telnet);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "\xff\x24", 2);
	assert_true(has_anomaly("telnet_bad_command"));
	sim_free(s);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, srv_negotiate, sizeof(srv_negotiate)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_SERVER, cli_answer, sizeof(cli_answer)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, "\xff", 1), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, "\xff\xff\x00", 3), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, "\xff\x53\x4d\x42", 4), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, "login: ", 7), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, "", 0), MK_PROBE_NO);
}

/* Telnet is a byte stream parsed byte by byte: every prefix is consumed whole
 * (OK, never NEED), and the banner appears only once its line has ended. */
static void test_truncation(void **unused)
{
	uint8_t all[sizeof(srv_negotiate) + sizeof(srv_text) - 1];

	(void)unused;
	memcpy(all, srv_negotiate, sizeof(srv_negotiate));
	memcpy(all + sizeof(srv_negotiate), srv_text, sizeof(srv_text) - 1);
	for (size_t cut = 0; cut < sizeof(all); cut++) {
		struct sim *s = sim_new(&mk_proto_telnet);
		const struct rec_fact *b;

		rec_reset();
		assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, all, cut), MK_V_OK);
		assert_int_equal(s->len[1], 0);
		b = rec_find(MK_FACT_ATTR, "telnet_banner", 0);
		if (cut < sizeof(srv_negotiate) + 21) /* up to the CR after the line */
			assert_null(b);
		else
			assert_string_equal(b->value, "Ubuntu 22.04.3 LTS");
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_prompt_only),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_ssh.c - unit tests of the SSH identification parser.
 * Byte values come from real captures under ../shared/captures/office (named at
 * each vector; frame numbers as tshark counts them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_ssh;

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

/* ssh__ssh1-ssh2-fingerprints.pcap frame 4 (client 57388 -> 22) and frame 6
 * (server): identical version strings, "SSH-" protoversion "-" softwareversion
 * SP comments CR LF. */
static const char client_banner[] = "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1\r\n";
static const char server_banner[] = "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1\r\n";
/* ssh__single-conn.pcap frame 4 (server 131.159.14.23): 1.99 = speaks both. */
static const char banner_199[] = "SSH-1.99-OpenSSH_3.9p1\n";
/* ssh__ssh1-ssh2-fingerprints.pcap: a server offering only SSH-1.5. */
static const char banner_15[] = "SSH-1.5-OpenSSH_6.2\r\n";
/* ssh__server-pre-banner-data.pcap: the server sends text lines (a cowsay)
 * before "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5\r\n"; the start of it. */
static const char pre_banner[] = " _____________\n< Hi stranger >\n -------------\n"
                                 "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5\r\n"
                                 "\x00\x00\x04\x6c\x0b"; /* binary packet: length, padding */

static void test_both_banners(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ssh);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, client_banner, strlen(client_banner)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ssh_banner", "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1");
	/* The OS hint in the banner is the inventory's to read (the [ssh] section
	 * of data/fingerprints/os.fp): the parser reports the banner only. */
	assert_null(rec_find(MK_FACT_OS, NULL, 0));
	assert_int_equal(nrec, 1);
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, server_banner, strlen(server_banner)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ssh_banner", "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1");
	assert_null(rec_find(MK_FACT_OS, NULL, 0));
	assert_int_equal(nrec, 1);
	/* Afterwards the flow is identified: key exchange bytes are consumed, no facts. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, "\x00\x00\x05\xdc\x06\x14", 6), MK_V_OK);
	assert_int_equal(s->len[0], 0);
	assert_int_equal(nrec, 0);
	sim_free(s);
}

static void test_versions(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ssh);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, banner_199, strlen(banner_199)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ssh_banner", "SSH-1.99-OpenSSH_3.9p1");
	assert_false(has_anomaly("ssh_protocol_v1"));
	assert_null(rec_find(MK_FACT_OS, NULL, 0));
	sim_free(s);

	s = sim_new(&mk_proto_ssh);
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, banner_15, strlen(banner_15)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ssh_banner", "SSH-1.5-OpenSSH_6.2");
	assert_true(has_anomaly("ssh_protocol_v1"));
	sim_free(s);
}

static void test_pre_banner_lines(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ssh);

	(void)unused;
	rec_reset();
	/* Split in two segments in the middle of a line. */
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, pre_banner, 20), MK_V_NEED);
	assert_int_equal(nrec, 0);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, pre_banner + 20, sizeof(pre_banner) - 1 - 20), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ssh_banner", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5");
	assert_null(rec_find(MK_FACT_OS, NULL, 0));
	assert_int_equal(nrec, 1);
	sim_free(s);
}

static void test_malformed(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ssh);
	char line[400];

	(void)unused;
	/* A client must start with its version string. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, "hello\r\nSSH-2.0-x\r\n", 18), MK_V_OK);
	assert_true(has_anomaly("ssh_bad_banner"));
	assert_null(rec_find(MK_FACT_ATTR, "ssh_banner", 0));
	sim_free(s);

	/* A version string over 255 characters. */
	s = sim_new(&mk_proto_ssh);
	memset(line, 'A', sizeof(line));
	memcpy(line, "SSH-2.0-", 8);
	line[sizeof(line) - 1] = '\n';
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, line, sizeof(line)), MK_V_OK);
	assert_true(has_anomaly("ssh_banner_too_long"));
	assert_null(rec_find(MK_FACT_ATTR, "ssh_banner", 0));
	sim_free(s);

	/* Endless pre-banner lines from a server stop at the cap. */
	s = sim_new(&mk_proto_ssh);
	rec_reset();
	for (int i = 0; i < 70; i++)
		sim_tcp(s, MK_DIR_TO_CLIENT, "x\n", 2);
	assert_int_equal(count_anomaly("ssh_bad_banner"), 1);
	sim_free(s);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_SERVER, client_banner, strlen(client_banner)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_CLIENT, banner_199, strlen(banner_199)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_CLIENT, "SS", 2), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_SERVER, "GET / HTTP/1.1\r\n", 16), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_SERVER, "SSH-x", 5), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_SERVER, "SSH-3.0-", 8), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

static void test_truncation(void **unused)
{
	(void)unused;
	every_truncation_tcp(&mk_proto_ssh, MK_DIR_TO_SERVER, (const uint8_t *)client_banner,
	                     strlen(client_banner));
	every_truncation_tcp(&mk_proto_ssh, MK_DIR_TO_CLIENT, (const uint8_t *)banner_199, strlen(banner_199));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_banners),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_pre_banner_lines),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

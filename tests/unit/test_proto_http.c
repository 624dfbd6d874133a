/* test_proto_http.c - unit tests of the HTTP/1.x parser.
 * The request and response heads are from ../shared/captures/office/http__get.pcap
 * (frame 4, 141.142.228.5:59856 -> 192.150.187.43:80, and frame 6, the
 * answer); other messages are built on them as noted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_http;

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

static const char request[] =
	"GET /download/CHANGES.bro-aux.txt HTTP/1.1\r\n" /* method, target, version */
	"User-Agent: Wget/1.14 (darwin12.2.0)\r\n"
	"Accept: */*\r\n"
	"Host: bro.org\r\n"
	"Connection: Keep-Alive\r\n"
	"\r\n";

static const char response_head[] =
	"HTTP/1.1 200 OK\r\n"
	"Date: Thu, 07 Mar 2013 21:43:07 GMT\r\n"
	"Server: Apache/2.4.3 (Fedora)\r\n"
	"Last-Modified: Wed, 29 Aug 2012 23:49:27 GMT\r\n"
	"ETag: \"1261-4c870358a6fc0\"\r\n"
	"Accept-Ranges: bytes\r\n"
	"Content-Length: 4705\r\n"
	"Keep-Alive: timeout=5, max=100\r\n"
	"Connection: Keep-Alive\r\n"
	"Content-Type: text/plain; charset=UTF-8\r\n"
	"\r\n";

static void test_get(void **unused)
{
	struct sim *s = sim_new(&mk_proto_http);
	static uint8_t body[4705];

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, request, strlen(request)), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "http_host", "bro.org");
	expect_attr(MK_HOST_CLIENT, "http_user_agent", "Wget/1.14 (darwin12.2.0)");
	assert_true(has_op(MK_OP_READ));
	assert_string_equal(rec_find(MK_FACT_OPERATION, NULL, 0)->value, "GET");
	assert_int_equal(nrec, 3);

	rec_reset();
	/* The head arrives with the first 1000 body bytes, then the rest. */
	memset(body, 'x', sizeof(body));
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, response_head, strlen(response_head)), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "http_server", "Apache/2.4.3 (Fedora)");
	assert_int_equal(nrec, 1);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, body, 1000), MK_V_OK);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, body + 1000, sizeof(body) - 1000), MK_V_OK);
	assert_int_equal(s->len[1], 0);
	/* The next response is framed right after the body: a status line that
	 * would be "bad" if the body had been miscounted. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "HTTP/1.1 304 Not Modified\r\n\r\n", 29), MK_V_OK);
	assert_int_equal(nrec, 0);
	sim_free(s);
}

static void test_pipelined_chunked_head(void **unused)
{
	struct sim *s = sim_new(&mk_proto_http);
	static const char reqs[] =
		"HEAD /a HTTP/1.1\r\nHost: plc.local\r\n\r\n"
		"POST /cgi HTTP/1.1\r\nHost: plc.local\r\nContent-Length: 5\r\n\r\nx=1&y"
		"GET /b HTTP/1.1\r\nHost: plc.local\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n\r\n";
	static const char resps[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n" /* HEAD: no body despite the length */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n"
		"HTTP/1.0 200 OK\r\nServer: lighttpd\r\n\r\n";

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, reqs, strlen(reqs)), MK_V_OK);
	assert_int_equal(rec_count(MK_FACT_ATTR, "http_host"), 1);
	assert_int_equal(rec_count(MK_FACT_OPERATION, NULL), 4); /* HEAD, POST, GET, basic */
	assert_true(has_op(MK_OP_WRITE));
	assert_true(has_op(MK_OP_AUTH));
	assert_int_equal(count_anomaly("http_basic_auth_cleartext"), 1);
	for (size_t i = 0; i < nrec; i++)
		assert_null(strstr(rec[i].value, "YWRt"));
	rec_reset();
	/* Byte by byte: framing must survive any segmentation. */
	for (size_t i = 0; i < strlen(resps); i++) {
		enum mk_verdict v = sim_tcp(s, MK_DIR_TO_CLIENT, resps + i, 1);

		assert_true(v == MK_V_OK || v == MK_V_NEED);
	}
	expect_attr(MK_HOST_SERVER, "http_server", "lighttpd");
	assert_int_equal(nrec, 1);
	sim_free(s);
}

static void test_malformed(void **unused)
{
	struct sim *s = sim_new(&mk_proto_http);
	static char big[20000];

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "GET / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", 40);
	assert_true(has_anomaly("http_bad_content_length"));
	sim_free(s);

	s = sim_new(&mk_proto_http);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 51);
	assert_true(has_anomaly("http_bad_chunk"));
	sim_free(s);

	s = sim_new(&mk_proto_http);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "GET / FTP/1.1\r\n\r\n", 17);
	assert_true(has_anomaly("http_bad_request_line"));
	sim_free(s);

	/* A header block that never ends. */
	s = sim_new(&mk_proto_http);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, big, sizeof(big)), MK_V_OK);
	assert_true(has_anomaly("http_header_too_long"));
	sim_free(s);

	/* Too many header lines. */
	s = sim_new(&mk_proto_http);
	{
		char many[2000];
		size_t n = 0;

		n += (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\n");
		for (int i = 0; i < 120; i++)
			n += (size_t)snprintf(many + n, sizeof(many) - n, "A:%d\r\n", i % 10);
		n += (size_t)snprintf(many + n, sizeof(many) - n, "\r\n");
		rec_reset();
		sim_tcp(s, MK_DIR_TO_SERVER, many, n);
		assert_true(has_anomaly("http_too_many_headers"));
	}
	sim_free(s);

	/* A 3000-byte target. */
	s = sim_new(&mk_proto_http);
	{
		static char lng[3100];

		memset(lng, 'a', sizeof(lng));
		memcpy(lng, "GET /", 5);
		memcpy(lng + 3005, " HTTP/1.1\r\n\r\n", 13);
		rec_reset();
		sim_tcp(s, MK_DIR_TO_SERVER, lng, 3018);
		assert_true(has_anomaly("http_long_uri"));
	}
	sim_free(s);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_SERVER, request, strlen(request)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_CLIENT, response_head, strlen(response_head)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_SERVER, "GET /very/long", 14), MK_PROBE_MAYBE);
	/* RTSP and SIP share the request shape. */
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_SERVER, "OPTIONS rtsp://cam/ RTSP/1.0\r\n", 30),
	                 MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_SERVER, "SSH-2.0-x\r\n", 11), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_CLIENT, "RTSP/1.0 200 OK\r\n", 17), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

static void test_truncation(void **unused)
{
	(void)unused;
	every_truncation_tcp(&mk_proto_http, MK_DIR_TO_SERVER, (const uint8_t *)request, strlen(request));
	every_truncation_tcp(&mk_proto_http, MK_DIR_TO_CLIENT, (const uint8_t *)response_head,
	                     strlen(response_head));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_pipelined_chunked_head),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

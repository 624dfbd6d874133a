/* test_proto_modbus.c - unit tests of the Modbus/TCP plug-in (src/proto/modbus/modbus.c).
 *
 * Vectors are TCP payloads (MBAP header + PDU), from:
 *   EX  ../shared/captures/modbus/modbus_example.pcap (cisagov/icsnpp-modbus test trace)
 *   P2  ../shared/captures/modbus/ModbusTCP__modbus_test_data_part2.pcap (a function code sweep)
 *   FZ  ../shared/captures/modbus/bro__modbus__fuzz-72.pcap
 * with the frame number at each; reference: `tshark -r FILE -Y frame.number==N -T fields -e tcp.payload`.
 * Vectors marked "spec" are built from the MODBUS Application Protocol V1.1b3 section named;
 * UMAS vectors from the public UMAS descriptions cited in modbus.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/fact_recorder.h"

#include "mieruka/facts.h"
#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_modbus;
#define P (&mk_proto_modbus)

/* ---- harness: one flow's state, fed like the engine's run_parser() ---- */

struct sim {
	void *state;
	uint8_t pend[2][512];
	size_t len[2];
	struct rec r;
	struct mk_emit out;
};

static struct sim *sim_new(void)
{
	struct sim *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->state = calloc(1, P->state_size);
	assert_non_null(s->state);
	s->out = (struct mk_emit){.sink = rec_sink, .ctx = &s->r, .proto = P->id};
	return s;
}

static void sim_free(struct sim *s)
{
	/* Every anomaly raised is declared in the descriptor's table. */
	for (int i = 0; i < s->r.n; i++) {
		bool listed = false;

		if (strncmp(s->r.line[i], "anomaly ", 8) != 0)
			continue;
		for (size_t e = 0; P->events[e] != NULL; e++)
			listed |= strcmp(P->events[e], s->r.line[i] + 8) == 0;
		if (!listed)
			fail_msg("undeclared event: %s", s->r.line[i]);
	}
	free(s->state);
	free(s);
}

/* Ordered bytes of one direction; what parse() leaves is kept (up to
 * max_buffer) and offered again in front of the next bytes.  Each parse
 * call sees an exact-size heap copy, so ASan sees any over-read. */
static enum mk_verdict feed(struct sim *s, enum mk_dir dir, const uint8_t *data, size_t n)
{
	unsigned d = dir == MK_DIR_TO_CLIENT;
	size_t total = s->len[d] + n, off = 0;
	uint8_t *all = malloc(total > 0 ? total : 1);
	enum mk_verdict v = MK_V_OK;

	assert_non_null(all);
	memcpy(all, s->pend[d], s->len[d]);
	if (n > 0)
		memcpy(all + s->len[d], data, n);
	s->len[d] = 0;
	s->out.dir = (int)dir;
	for (int round = 0; off < total; round++) {
		uint8_t *copy = malloc(total - off);
		struct mk_rd rd;
		size_t consumed = 0;

		assert_true(round < 10000);
		assert_non_null(copy);
		memcpy(copy, all + off, total - off);
		mk_rd_init(&rd, copy, total - off);
		v = P->parse(s->state, &rd, dir, &consumed, &s->out);
		free(copy);
		assert_true(consumed <= total - off);
		assert_true(v == MK_V_OK || v == MK_V_NEED);
		off += consumed;
		if (v == MK_V_NEED || consumed == 0)
			break;
	}
	assert_true(total - off <= P->max_buffer);
	memcpy(s->pend[d], all + off, total - off);
	s->len[d] = total - off;
	free(all);
	return v;
}

static int probe(const uint8_t *msg, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int r;

	assert_non_null(copy);
	memcpy(copy, msg, n);
	mk_rd_init(&rd, copy, n);
	r = P->probe(&rd, MK_DIR_TO_SERVER);
	free(copy);
	return r;
}

static bool has_line(const struct rec *r, const char *line) { return rec_has(r, line); }

static int count_line(const struct rec *r, const char *line)
{
	int n = 0;

	for (int i = 0; i < r->n; i++)
		n += strcmp(r->line[i], line) == 0;
	return n;
}

#define ROLE "role server plc (60) answers Modbus/TCP requests"

/* ---- vectors: request and response pairs ---- */

/* EX frames 4, 6: read coils, unit 4, address 1, quantity 1; one byte 0x01. */
static const uint8_t fc1_req[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x04, /* tid 1, pid 0, len 6, unit 4 */
                                  0x01, 0x00, 0x01, 0x00, 0x01};            /* fc 1, addr 1, qty 1 */
static const uint8_t fc1_resp[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x04, /* tid 1, len 4, unit 4 */
                                   0x01, 0x01, 0x01};                         /* fc 1, byte count 1, 0x01 */
/* EX frames 20, 22: read holding registers addr 1 qty 1; value 0x00aa. */
static const uint8_t fc3_req[] = {0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x04, 0x03, 0x00, 0x01, 0x00, 0x01};
static const uint8_t fc3_resp[] = {0x00, 0x05, 0x00, 0x00, 0x00, 0x05, 0x04, 0x03, 0x02, 0x00, 0xaa};
/* EX frames 36, 38: write single coil addr 1 ON (0xff00); echoed. */
static const uint8_t fc5_req[] = {0x00, 0x09, 0x00, 0x00, 0x00, 0x06, 0x06, 0x05, 0x00, 0x01, 0xff, 0x00};
static const uint8_t fc5_resp[] = {0x00, 0x09, 0x00, 0x00, 0x00, 0x06, 0x06, 0x05, 0x00, 0x01, 0xff, 0x00};
/* EX frames 40, 42: write single register addr 1 = 0xabcd; echoed. */
static const uint8_t fc6_req[] = {0x00, 0x0a, 0x00, 0x00, 0x00, 0x06, 0x07, 0x06, 0x00, 0x01, 0xab, 0xcd};
static const uint8_t fc6_resp[] = {0x00, 0x0a, 0x00, 0x00, 0x00, 0x06, 0x07, 0x06, 0x00, 0x01, 0xab, 0xcd};
/* EX frames 44, 46: read exception status; status 0x00. */
static const uint8_t fc7_req[] = {0x00, 0x0b, 0x00, 0x00, 0x00, 0x02, 0x02, 0x07};
static const uint8_t fc7_resp[] = {0x00, 0x0b, 0x00, 0x00, 0x00, 0x03, 0x02, 0x07, 0x00};
/* EX frames 48, 50: diagnostics sub-function 2 (return diagnostic register). */
static const uint8_t fc8_req[] = {0x00, 0x0c, 0x00, 0x00, 0x00, 0x06, 0x02, 0x08, 0x00, 0x02, 0x00, 0x00};
static const uint8_t fc8_resp[] = {0x00, 0x0c, 0x00, 0x00, 0x00, 0x06, 0x02, 0x08, 0x00, 0x02, 0x00, 0x00};
/* EX frames 52, 54: write multiple coils addr 1 qty 4, byte count 1, 0x09. */
static const uint8_t fc15_req[] = {0x00, 0x0d, 0x00, 0x00, 0x00, 0x08, 0x07, 0x0f, 0x00, 0x01, 0x00, 0x04,
                                   0x01, 0x09};
static const uint8_t fc15_resp[] = {0x00, 0x0d, 0x00, 0x00, 0x00, 0x06, 0x07, 0x0f, 0x00, 0x01, 0x00, 0x04};
/* EX frames 56, 58: write multiple registers addr 1 qty 4, 8 bytes. */
static const uint8_t fc16_req[] = {0x00, 0x0e, 0x00, 0x00, 0x00, 0x0f, 0x07, 0x10, 0x00, 0x01, 0x00, 0x04,
                                   0x08, 0x00, 0xaa, 0x00, 0xbb, 0x00, 0xcc, 0x00, 0xdd};
static const uint8_t fc16_resp[] = {0x00, 0x0e, 0x00, 0x00, 0x00, 0x06, 0x07, 0x10, 0x00, 0x01, 0x00, 0x04};
/* EX frames 60, 62: report server id; 50 bytes: text, then run indicator 0xff. */
static const uint8_t fc17_req[] = {0x00, 0x0f, 0x00, 0x00, 0x00, 0x02, 0x02, 0x11};
static const uint8_t fc17_resp[] = {
	0x00, 0x0f, 0x00, 0x00, 0x00, 0x35, 0x02, /* tid 15, len 53, unit 2 */
	0x11, 0x32,                               /* fc 17, byte count 50 */
	/* "Zeek Modbus Test-Protocol Parsing is fun!-1.2.3.6" */
	0x5a, 0x65, 0x65, 0x6b, 0x20, 0x4d, 0x6f, 0x64, 0x62, 0x75, 0x73, 0x20, 0x54, 0x65, 0x73, 0x74, 0x2d,
	0x50, 0x72, 0x6f, 0x74, 0x6f, 0x63, 0x6f, 0x6c, 0x20, 0x50, 0x61, 0x72, 0x73, 0x69, 0x6e, 0x67, 0x20,
	0x69, 0x73, 0x20, 0x66, 0x75, 0x6e, 0x21, 0x2d, 0x31, 0x2e, 0x32, 0x2e, 0x33, 0x2e, 0x36,
	0xff, /* run indicator: ON */
};
/* EX frames 64, 66: read file record, byte count 0; echoed. */
static const uint8_t fc20_req[] = {0x00, 0x10, 0x00, 0x00, 0x00, 0x03, 0x08, 0x14, 0x00};
static const uint8_t fc20_resp[] = {0x00, 0x10, 0x00, 0x00, 0x00, 0x03, 0x08, 0x14, 0x00};
/* EX frames 68, 70: write file record, byte count 0; echoed. */
static const uint8_t fc21_req[] = {0x00, 0x11, 0x00, 0x00, 0x00, 0x03, 0x08, 0x15, 0x00};
static const uint8_t fc21_resp[] = {0x00, 0x11, 0x00, 0x00, 0x00, 0x03, 0x08, 0x15, 0x00};
/* EX frames 72, 74: mask write register addr 10, AND 0xdead, OR 0x0000; echoed. */
static const uint8_t fc22_req[] = {0x00, 0x12, 0x00, 0x00, 0x00, 0x08, 0x04, 0x16, 0x00, 0x0a, 0xde, 0xad, 0x00, 0x00};
static const uint8_t fc22_resp[] = {0x00, 0x12, 0x00, 0x00, 0x00, 0x08, 0x04, 0x16, 0x00, 0x0a, 0xde, 0xad, 0x00, 0x00};
/* EX frames 80, 82: read/write multiple registers: read 1 @1, write 1 @2 = 0x00ff. */
static const uint8_t fc23_req[] = {0x00, 0x14, 0x00, 0x00, 0x00, 0x0d, 0x06, 0x17, 0x00, 0x01, 0x00, 0x01,
                                   0x00, 0x02, 0x00, 0x01, 0x02, 0x00, 0xff};
static const uint8_t fc23_resp[] = {0x00, 0x14, 0x00, 0x00, 0x00, 0x05, 0x06, 0x17, 0x02, 0x00, 0xaa};
/* EX frames 88, 90: read FIFO queue at 0; byte count 2, FIFO count 0. */
static const uint8_t fc24_req[] = {0x00, 0x16, 0x00, 0x00, 0x00, 0x04, 0x0a, 0x18, 0x00, 0x00};
static const uint8_t fc24_resp[] = {0x00, 0x16, 0x00, 0x00, 0x00, 0x06, 0x0a, 0x18, 0x00, 0x02, 0x00, 0x00};
/* EX frames 92, 94: read device identification, basic stream (code 1) from object 0. */
static const uint8_t fc43_req[] = {0x00, 0x17, 0x00, 0x00, 0x00, 0x05, 0x01, /* tid 23, len 5, unit 1 */
                                   0x2b, 0x0e, 0x01, 0x00};                   /* fc 43, MEI 14, code 1, object 0 */
static const uint8_t fc43_resp[] = {
	0x00, 0x17, 0x00, 0x00, 0x00, 0x3d, 0x01, /* tid 23, len 61, unit 1 */
	0x2b, 0x0e, 0x01, 0x83,                   /* fc 43, MEI 14, code 1, conformity 0x83 */
	0x00, 0x00, 0x03,                         /* more follows 0, next object 0, 3 objects */
	0x00, 0x10, /* object 0 VendorName, 16 bytes: "Zeek Modbus Test" */
	0x5a, 0x65, 0x65, 0x6b, 0x20, 0x4d, 0x6f, 0x64, 0x62, 0x75, 0x73, 0x20, 0x54, 0x65, 0x73, 0x74,
	0x01, 0x18, /* object 1 ProductCode, 24 bytes: "Protocol Parsing is fun!" */
	0x50, 0x72, 0x6f, 0x74, 0x6f, 0x63, 0x6f, 0x6c, 0x20, 0x50, 0x61, 0x72, 0x73, 0x69, 0x6e, 0x67, 0x20,
	0x69, 0x73, 0x20, 0x66, 0x75, 0x6e, 0x21,
	0x02, 0x07, /* object 2 MajorMinorRevision, 7 bytes: "1.2.3.6" */
	0x31, 0x2e, 0x32, 0x2e, 0x33, 0x2e, 0x36,
};
/* EX frames 99, 100: read holding registers addr 600 qty 10 from 192.168.1.6;
 * answered with exception 0x83, code 2 (illegal data address). */
static const uint8_t exc_req[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x03, 0x02, 0x58, 0x00, 0x0a};
static const uint8_t exc_resp[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x83, 0x02};
/* UMAS INIT_COMM (sub-function 0x01), unit 11, key 0, from the public UMAS
 * research's published request bytes; the PLC's answer 0xfe (OK) + data. */
static const uint8_t umas_req[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0b, /* tid 0, len 5, unit 11 */
                                   0x5a, 0x00, 0x01, 0x00};                   /* fc 90, key 0, INIT_COMM */
static const uint8_t umas_resp[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x0b, 0x5a, 0x00, 0xfe, 0xfd, 0x03,
                                    0x00, 0x06, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

struct mb_case {
	const char *what;
	const uint8_t *req, *resp;
	size_t req_len, resp_len;
	const char *const facts[8];
};

#define CASE(name, rq, rs, ...) {name, rq, rs, sizeof(rq), sizeof(rs), {__VA_ARGS__, NULL}}

static const struct mb_case cases[] = {
	CASE("fc1", fc1_req, fc1_resp, "operation read fc=1 read_coils", ROLE),
	CASE("fc3", fc3_req, fc3_resp, "operation read fc=3 read_holding_registers", ROLE),
	CASE("fc5", fc5_req, fc5_resp, "operation write fc=5 write_single_coil", ROLE),
	CASE("fc6", fc6_req, fc6_resp, "operation write fc=6 write_single_register", ROLE),
	CASE("fc7", fc7_req, fc7_resp, "operation diagnostic fc=7 read_exception_status", ROLE),
	CASE("fc8", fc8_req, fc8_resp, "operation diagnostic fc=8 sub=2", ROLE),
	CASE("fc15", fc15_req, fc15_resp, "operation write fc=15 write_multiple_coils", ROLE),
	CASE("fc16", fc16_req, fc16_resp, "operation write fc=16 write_multiple_registers", ROLE),
	CASE("fc17", fc17_req, fc17_resp, "operation diagnostic fc=17 report_server_id", ROLE,
	     "attr server modbus_server_id=Zeek Modbus Test-Protocol Parsing is fun!-1.2.3.6"),
	CASE("fc20", fc20_req, fc20_resp, "operation read fc=20 read_file_record", ROLE),
	CASE("fc21", fc21_req, fc21_resp, "operation write fc=21 write_file_record", ROLE),
	CASE("fc22", fc22_req, fc22_resp, "operation write fc=22 mask_write_register", ROLE),
	CASE("fc23", fc23_req, fc23_resp, "operation write fc=23 read_write_multiple_registers", ROLE),
	CASE("fc24", fc24_req, fc24_resp, "operation read fc=24 read_fifo_queue", ROLE),
	CASE("fc43", fc43_req, fc43_resp, "operation diagnostic fc=43 mei=14 read_device_identification", ROLE,
	     "identity server vendor=Zeek Modbus Test product=Protocol Parsing is fun! model=- firmware=1.2.3.6 "
	     "serial=-"),
	CASE("exception", exc_req, exc_resp, "operation read fc=3 read_holding_registers", ROLE),
	CASE("umas", umas_req, umas_resp, "operation diagnostic fc=90 umas=0x01 init_comm", "anomaly modbus_umas",
	     ROLE),
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void test_vectors(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < NCASES; i++) {
		struct sim *s = sim_new();

		assert_int_equal(feed(s, MK_DIR_TO_SERVER, cases[i].req, cases[i].req_len), MK_V_OK);
		assert_int_equal(feed(s, MK_DIR_TO_CLIENT, cases[i].resp, cases[i].resp_len), MK_V_OK);
		assert_int_equal(s->len[0] + s->len[1], 0);
		rec_expect(&s->r, cases[i].facts);
		sim_free(s);
	}
}

/* Every truncation of every message: NEED, nothing consumed, no fact (a cut
 * message may say less, never something else). */
static void truncations(const uint8_t *msg, size_t n, enum mk_dir dir)
{
	struct rec whole = {0};

	run_parse(P, NULL, msg, n, dir, &whole, NULL);
	for (size_t cut = 0; cut < n; cut++) {
		struct rec part = {0};
		size_t consumed = 99;
		enum mk_verdict v = run_parse(P, NULL, msg, cut, dir, &part, &consumed);

		if (cut > 0 && v != MK_V_NEED)
			fail_msg("cut at %zu of %zu: verdict %d", cut, n, (int)v);
		assert_int_equal(consumed, 0);
		assert_int_equal(part.n, 0);
		rec_subset(&part, &whole, cut);
	}
}

/* The MBAP length shrunk to every smaller value: the PDU is cut inside a
 * consistent frame; the parser must stay inside it and say only declared things. */
static void short_pdus(const uint8_t *msg, size_t n, enum mk_dir dir)
{
	for (size_t len = 2; len + 6 < n; len++) {
		struct rec r = {0};
		uint8_t *m = malloc(len + 6);
		size_t consumed = 0;

		assert_non_null(m);
		memcpy(m, msg, len + 6);
		m[4] = 0;
		m[5] = (uint8_t)len;
		assert_int_equal(run_parse(P, NULL, m, len + 6, dir, &r, &consumed), MK_V_OK);
		assert_int_equal(consumed, len + 6);
		free(m);
	}
}

static void test_truncation(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < NCASES; i++) {
		truncations(cases[i].req, cases[i].req_len, MK_DIR_TO_SERVER);
		truncations(cases[i].resp, cases[i].resp_len, MK_DIR_TO_CLIENT);
		short_pdus(cases[i].req, cases[i].req_len, MK_DIR_TO_SERVER);
		short_pdus(cases[i].resp, cases[i].resp_len, MK_DIR_TO_CLIENT);
	}
}

/* All requests in one stream, all responses in another (several ADUs per
 * segment); each stream split at every byte into two deliveries gives the
 * same facts as the whole. */
static void test_split(void **unused)
{
	uint8_t req[1024], resp[1024];
	size_t nreq = 0, nresp = 0;
	struct sim *w = sim_new();
	const char *exp[REC_MAX + 1];

	(void)unused;
	for (size_t i = 0; i < NCASES; i++) {
		if (strcmp(cases[i].what, "exception") == 0)
			continue; /* its tid 1 is fc1's: one outstanding request per tid */
		assert_true(nreq + cases[i].req_len <= sizeof(req) && nresp + cases[i].resp_len <= sizeof(resp));
		memcpy(req + nreq, cases[i].req, cases[i].req_len);
		nreq += cases[i].req_len;
		memcpy(resp + nresp, cases[i].resp, cases[i].resp_len);
		nresp += cases[i].resp_len;
	}
	feed(w, MK_DIR_TO_SERVER, req, nreq);
	feed(w, MK_DIR_TO_CLIENT, resp, nresp);
	for (int i = 0; i < w->r.n; i++)
		exp[i] = w->r.line[i];
	exp[w->r.n] = NULL;
	assert_true(has_line(&w->r, ROLE));
	assert_true(has_line(&w->r, "operation write fc=23 read_write_multiple_registers"));
	assert_false(has_line(&w->r, "anomaly modbus_unmatched_response"));
	for (size_t k = 0; k <= nreq; k++) {
		struct sim *s = sim_new();

		feed(s, MK_DIR_TO_SERVER, req, k);
		feed(s, MK_DIR_TO_SERVER, req + k, nreq - k);
		feed(s, MK_DIR_TO_CLIENT, resp, nresp);
		rec_expect(&s->r, exp);
		sim_free(s);
	}
	for (size_t k = 0; k <= nresp; k++) {
		struct sim *s = sim_new();

		feed(s, MK_DIR_TO_SERVER, req, nreq);
		feed(s, MK_DIR_TO_CLIENT, resp, k);
		feed(s, MK_DIR_TO_CLIENT, resp + k, nresp - k);
		rec_expect(&s->r, exp);
		sim_free(s);
	}
	sim_free(w);
}

/* ---- malformed input and events ---- */

static void expect_one(const uint8_t *msg, size_t n, enum mk_dir dir, const char *const *exp)
{
	struct sim *s = sim_new();

	feed(s, dir, msg, n);
	rec_expect(&s->r, exp);
	sim_free(s);
}

static void test_malformed(void **unused)
{
	/* FZ frame 8: protocol id 0x0200 (a response); the direction is given up. */
	static const uint8_t bad_pid[] = {0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0x01, 0xa2, 0x01};
	/* fc1_req with MBAP length 1 (no function code) and 255 (over 254). */
	static const uint8_t len1[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04};
	static const uint8_t len255[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0xff, 0x04, 0x01};
	/* spec 6.3: read holding registers with quantity 0 (limit 1..125). */
	static const uint8_t qty0[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00};
	/* spec 6.12: write multiple registers, quantity 2 but byte count 2 (not 4). */
	static const uint8_t bc_bad[] = {0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 0x01, 0x10, 0x00, 0x00, 0x00, 0x02,
	                                 0x02, 0x00, 0x01};
	/* P2 frame 6: function code 0. */
	static const uint8_t fc0[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
	/* spec 6.8: diagnostics sub-function 4, force listen only mode. */
	static const uint8_t listen[] = {0x00, 0x03, 0x00, 0x00, 0x00, 0x06, 0x01, 0x08, 0x00, 0x04, 0x00, 0x00};
	/* spec 6.8: sub-function 1, restart communications option. */
	static const uint8_t restart[] = {0x00, 0x03, 0x00, 0x00, 0x00, 0x06, 0x01, 0x08, 0x00, 0x01, 0x00, 0x00};
	/* FZ frame 31: user-defined function 65. */
	static const uint8_t user65[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, 0x41, 0x00, 0x00, 0x00, 0x00};
	/* P2 frame 30: function 9 (reserved, Annex A). */
	static const uint8_t res9[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, 0x09, 0x00, 0x00, 0x00, 0x00};
	/* FZ frame 20: function 50, defined nowhere. */
	static const uint8_t unk50[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, 0x32, 0x00, 0x00, 0x00, 0x00};
	/* spec section 7 defines no exception code 0x0c. */
	static const uint8_t exc_bad[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x83, 0x0c};
	/* spec 4.1: an exception function code sent as a request. */
	static const uint8_t req_exc[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x83, 0x02};

	(void)unused;
	expect_one(bad_pid, sizeof(bad_pid), MK_DIR_TO_CLIENT, (const char *const[]){"anomaly modbus_bad_mbap", NULL});
	expect_one(len1, sizeof(len1), MK_DIR_TO_SERVER, (const char *const[]){"anomaly modbus_bad_mbap", NULL});
	expect_one(len255, sizeof(len255), MK_DIR_TO_SERVER, (const char *const[]){"anomaly modbus_bad_mbap", NULL});
	expect_one(qty0, sizeof(qty0), MK_DIR_TO_SERVER,
	           (const char *const[]){"anomaly modbus_bad_pdu", "operation read fc=3 read_holding_registers", NULL});
	expect_one(bc_bad, sizeof(bc_bad), MK_DIR_TO_SERVER,
	           (const char *const[]){"anomaly modbus_bad_pdu", "operation write fc=16 write_multiple_registers",
	                                 NULL});
	expect_one(fc0, sizeof(fc0), MK_DIR_TO_SERVER,
	           (const char *const[]){"operation other fc=0", "anomaly modbus_bad_function", NULL});
	expect_one(req_exc, sizeof(req_exc), MK_DIR_TO_SERVER,
	           (const char *const[]){"operation other fc=131", "anomaly modbus_bad_function", NULL});
	expect_one(listen, sizeof(listen), MK_DIR_TO_SERVER,
	           (const char *const[]){"operation diagnostic fc=8 sub=4", "anomaly modbus_force_listen_only", NULL});
	expect_one(restart, sizeof(restart), MK_DIR_TO_SERVER,
	           (const char *const[]){"operation diagnostic fc=8 sub=1", "anomaly modbus_restart_communications",
	                                 NULL});
	expect_one(user65, sizeof(user65), MK_DIR_TO_SERVER,
	           (const char *const[]){"operation other fc=65 user_defined", "anomaly modbus_user_function", NULL});
	expect_one(res9, sizeof(res9), MK_DIR_TO_SERVER,
	           (const char *const[]){"operation other fc=9 reserved", "anomaly modbus_reserved_function", NULL});
	expect_one(unk50, sizeof(unk50), MK_DIR_TO_SERVER,
	           (const char *const[]){"operation other fc=50", "anomaly modbus_unknown_function", NULL});
	/* A response with no request: unmatched (EX frame 6 alone). */
	expect_one(fc1_resp, sizeof(fc1_resp), MK_DIR_TO_CLIENT,
	           (const char *const[]){"anomaly modbus_unmatched_response", ROLE, NULL});
	expect_one(exc_bad, sizeof(exc_bad), MK_DIR_TO_CLIENT,
	           (const char *const[]){"anomaly modbus_unmatched_response", ROLE, "anomaly modbus_bad_exception_code",
	                                 NULL});

	/* After a bad header the direction is given up: later ADUs say nothing. */
	{
		struct sim *s = sim_new();

		feed(s, MK_DIR_TO_SERVER, len255, sizeof(len255));
		feed(s, MK_DIR_TO_SERVER, fc1_req, sizeof(fc1_req));
		rec_expect(&s->r, (const char *const[]){"anomaly modbus_bad_mbap", NULL});
		sim_free(s);
	}
	/* A response whose function differs from its request's (same tid). */
	{
		struct sim *s = sim_new();

		feed(s, MK_DIR_TO_SERVER, fc1_req, sizeof(fc1_req));
		feed(s, MK_DIR_TO_CLIENT, fc3_resp, sizeof(fc3_resp)); /* tid 5: none */
		feed(s, MK_DIR_TO_CLIENT, fc1_resp, sizeof(fc1_resp));
		feed(s, MK_DIR_TO_CLIENT, fc1_resp, sizeof(fc1_resp)); /* answered twice */
		assert_int_equal(count_line(&s->r, "anomaly modbus_unmatched_response"), 2);
		sim_free(s);
	}
}

/* P2 frames 6-44 pattern: one client sweeps function codes, the server
 * answers most with exception 1 (illegal function). */
static void test_scan(void **unused)
{
	struct sim *s = sim_new();

	(void)unused;
	for (uint8_t fc = 1; fc <= 20; fc++) {
		const uint8_t req[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, fc, 0x00, 0x00, 0x00, 0x01};
		const uint8_t resp[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, (uint8_t)(fc | 0x80), 0x01};

		feed(s, MK_DIR_TO_SERVER, req, sizeof(req));
		feed(s, MK_DIR_TO_CLIENT, resp, sizeof(resp));
	}
	assert_int_equal(count_line(&s->r, "anomaly modbus_function_scan"), 1);
	assert_int_equal(count_line(&s->r, "anomaly modbus_illegal_function_repeated"), 1);
	assert_int_equal(count_line(&s->r, "anomaly modbus_unmatched_response"), 0);
	assert_int_equal(count_line(&s->r, ROLE), 1);
	sim_free(s);

	/* Many illegal data address answers (EX frame 100, repeated). */
	s = sim_new();
	for (int i = 0; i < 20; i++) {
		feed(s, MK_DIR_TO_SERVER, exc_req, sizeof(exc_req));
		feed(s, MK_DIR_TO_CLIENT, exc_resp, sizeof(exc_resp));
	}
	assert_int_equal(count_line(&s->r, "anomaly modbus_illegal_address_repeated"), 1);
	assert_int_equal(count_line(&s->r, "operation read fc=3 read_holding_registers"), 20);
	assert_false(has_line(&s->r, "anomaly modbus_function_scan"));
	sim_free(s);
}

/* More outstanding requests than the table holds: the oldest are forgotten. */
static void test_pending(void **unused)
{
	struct sim *s = sim_new();

	(void)unused;
	for (unsigned t = 0; t < 40; t++) {
		uint8_t req[sizeof(fc1_req)];

		memcpy(req, fc1_req, sizeof(req));
		req[1] = (uint8_t)t;
		feed(s, MK_DIR_TO_SERVER, req, sizeof(req));
	}
	for (unsigned t = 0; t < 40; t++) {
		uint8_t resp[sizeof(fc1_resp)];

		memcpy(resp, fc1_resp, sizeof(resp));
		resp[1] = (uint8_t)t;
		feed(s, MK_DIR_TO_CLIENT, resp, sizeof(resp));
	}
	assert_int_equal(count_line(&s->r, "anomaly modbus_unmatched_response"), 8);
	sim_free(s);
}

static void test_umas(void **unused)
{
	/* UMAS STOP_PLC (0x41), key 0x12: built from the public UMAS description. */
	static const uint8_t stop[] = {0x00, 0x07, 0x00, 0x00, 0x00, 0x08, 0x00, 0x5a, 0x12, 0x41, 0xff, 0x00,
	                               0x00, 0x00};
	/* UMAS 0x34 download block (PLC to PC transfer), key 0x12. */
	static const uint8_t block[] = {0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x00, 0x5a, 0x12, 0x34, 0x01, 0x00,
	                                0x01, 0x00};
	/* A signed envelope (0x38): magic, 32-byte signature, then 5a key 40 (START_PLC). */
	uint8_t signed_start[6 + 1 + 3 + 1 + 32 + 3] = {0x00, 0x09, 0x00, 0x00, 0x00, 1 + 3 + 1 + 32 + 3, 0x00,
	                                                0x5a, 0x12, 0x38, 0x01};
	struct sim *s = sim_new();

	(void)unused;
	signed_start[6 + 1 + 3 + 1 + 32] = 0x5a;
	signed_start[6 + 1 + 3 + 1 + 32 + 1] = 0x12;
	signed_start[6 + 1 + 3 + 1 + 32 + 2] = 0x40;
	assert_int_equal(probe(stop, sizeof(stop)), MK_PROBE_SURE);
	feed(s, MK_DIR_TO_SERVER, stop, sizeof(stop));
	feed(s, MK_DIR_TO_SERVER, block, sizeof(block));
	feed(s, MK_DIR_TO_SERVER, signed_start, sizeof(signed_start));
	rec_expect(&s->r, (const char *const[]){"operation control fc=90 umas=0x41 stop_plc", "anomaly modbus_umas",
	                                        "operation program fc=90 umas=0x34 download_block",
	                                        "operation control fc=90 umas=0x40 start_plc", NULL});
	sim_free(s);
	truncations(stop, sizeof(stop), MK_DIR_TO_SERVER);
	truncations(signed_start, sizeof(signed_start), MK_DIR_TO_SERVER);
	short_pdus(signed_start, sizeof(signed_start), MK_DIR_TO_SERVER);
}

/* spec 6.21: a regular stream access answered in two parts (more follows
 * 0xff, next object 3), with all objects 0-6 (text invented for the test). */
static void test_device_id_parts(void **unused)
{
	static const uint8_t part1[] = {
		0x00, 0x20, 0x00, 0x00, 0x00, 0x19, 0x01, /* tid 32, len 25, unit 1 */
		0x2b, 0x0e, 0x02, 0x82, 0xff, 0x03, 0x03, /* MEI 14, code 2, conformity 0x82, more, next 3, 3 objects */
		0x00, 0x04, 'A', 'C', 'M', 'E',           /* VendorName */
		0x01, 0x04, 'P', 'C', '-', '1',           /* ProductCode */
		0x02, 0x03, 'V', '2', '1',                /* MajorMinorRevision */
	};
	static const uint8_t part2[] = {
		0x00, 0x21, 0x00, 0x00, 0x00, 0x25, 0x01, /* tid 33, len 37, unit 1 */
		0x2b, 0x0e, 0x02, 0x82, 0x00, 0x00, 0x04, /* more follows 0, 4 objects */
		0x03, 0x08, 'h', 't', 't', 'p', ':', '/', '/', 'a', /* VendorUrl */
		0x04, 0x04, 'P', 'u', 'm', 'p',                     /* ProductName */
		0x05, 0x04, 'P', '1', '0', '0',                     /* ModelName */
		0x06, 0x05, 'l', 'i', 'n', 'e', ' ',                /* UserApplicationName, trailing blank */
	};
	static const uint8_t req1[] = {0x00, 0x20, 0x00, 0x00, 0x00, 0x05, 0x01, 0x2b, 0x0e, 0x02, 0x00};
	static const uint8_t req2[] = {0x00, 0x21, 0x00, 0x00, 0x00, 0x05, 0x01, 0x2b, 0x0e, 0x02, 0x03};
	struct sim *s = sim_new();

	(void)unused;
	feed(s, MK_DIR_TO_SERVER, req1, sizeof(req1));
	feed(s, MK_DIR_TO_CLIENT, part1, sizeof(part1));
	feed(s, MK_DIR_TO_SERVER, req2, sizeof(req2));
	feed(s, MK_DIR_TO_CLIENT, part2, sizeof(part2));
	rec_expect(&s->r, (const char *const[]){
	                      "operation diagnostic fc=43 mei=14 read_device_identification",
	                      ROLE,
	                      "identity server vendor=ACME product=PC-1 model=- firmware=V21 serial=-",
	                      "operation diagnostic fc=43 mei=14 read_device_identification",
	                      "identity server vendor=ACME product=Pump model=P100 firmware=V21 serial=-",
	                      "attr server modbus_vendor_url=http://a",
	                      "attr server modbus_user_application=line",
	                      NULL,
	                  });
	sim_free(s);
	truncations(part2, sizeof(part2), MK_DIR_TO_CLIENT);
	short_pdus(part2, sizeof(part2), MK_DIR_TO_CLIENT);
	{
		/* An object length running past the PDU. */
		uint8_t bad[sizeof(part1)];

		memcpy(bad, part1, sizeof(bad));
		bad[sizeof(bad) - 4] = 0x09;
		expect_one(bad, sizeof(bad), MK_DIR_TO_CLIENT,
		           (const char *const[]){"anomaly modbus_unmatched_response", ROLE, "anomaly modbus_bad_pdu",
		                                 "identity server vendor=ACME product=PC-1 model=- firmware=- serial=-",
		                                 NULL});
	}
}

static void test_probe(void **unused)
{
	uint8_t two[sizeof(fc1_req) + sizeof(fc3_req)];
	static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	/* A TLS ClientHello start and an SMB2-over-NetBIOS start: not Modbus. */
	static const uint8_t tls[] = {0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03, 0x00};
	static const uint8_t nbss[] = {0x00, 0x00, 0x00, 0x54, 0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x00, 0x00};

	(void)unused;
	memcpy(two, fc1_req, sizeof(fc1_req));
	memcpy(two + sizeof(fc1_req), fc3_req, sizeof(fc3_req));
	for (size_t i = 0; i < NCASES; i++) {
		if (probe(cases[i].req, cases[i].req_len) != MK_PROBE_SURE)
			fail_msg("%s request not sure", cases[i].what);
		if (probe(cases[i].resp, cases[i].resp_len) != MK_PROBE_SURE)
			fail_msg("%s response not sure", cases[i].what);
		for (size_t cut = 0; cut < cases[i].req_len; cut++)
			assert_true(probe(cases[i].req, cut) <= MK_PROBE_MAYBE);
	}
	assert_int_equal(probe(two, sizeof(two)), MK_PROBE_SURE);
	assert_int_equal(probe(two, sizeof(fc1_req) + 4), MK_PROBE_SURE);
	assert_int_equal(probe(http, sizeof(http) - 1), MK_PROBE_NO);
	assert_int_equal(probe(tls, sizeof(tls)), MK_PROBE_NO);
	assert_int_equal(probe(nbss, sizeof(nbss)), MK_PROBE_NO);
	{
		/* User-defined 65 (FZ frame 31): framed right, but only a maybe. */
		static const uint8_t user65[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, 0x41, 0x00, 0x00, 0x00, 0x00};
		uint8_t m[sizeof(fc1_req)];

		/* P2 frame 6: function 0, the start of a sweep: maybe. */
		static const uint8_t fc0[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};

		assert_int_equal(probe(user65, sizeof(user65)), MK_PROBE_MAYBE);
		assert_int_equal(probe(fc0, sizeof(fc0)), MK_PROBE_MAYBE);
		/* Length disagreeing with the segment, or a bad quantity: maybe at most. */
		memcpy(m, fc1_req, sizeof(m));
		assert_int_equal(probe(m, sizeof(m) - 1), MK_PROBE_MAYBE);
		m[11] = 0;
		m[10] = 0; /* quantity 0 */
		assert_int_equal(probe(m, sizeof(m)), MK_PROBE_MAYBE);
	}
}

/* After lost bytes the next delivery usually starts an ADU; one that does not
 * is dropped quietly, and parsing resumes at the next good one. */
static void test_gap(void **unused)
{
	static const uint8_t junk[] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
	struct sim *s = sim_new();

	(void)unused;
	assert_int_equal(P->gap(s->state, MK_DIR_TO_SERVER), MK_V_OK);
	feed(s, MK_DIR_TO_SERVER, junk, sizeof(junk)); /* FZ frame 35 */
	feed(s, MK_DIR_TO_SERVER, fc1_req, sizeof(fc1_req));
	feed(s, MK_DIR_TO_SERVER, junk, sizeof(junk)); /* no gap now: a bad header */
	feed(s, MK_DIR_TO_SERVER, fc3_req, sizeof(fc3_req));
	rec_expect(&s->r, (const char *const[]){"operation read fc=1 read_coils", "anomaly modbus_bad_mbap", NULL});
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),     cmocka_unit_test(test_truncation), cmocka_unit_test(test_split),
		cmocka_unit_test(test_malformed),   cmocka_unit_test(test_scan),       cmocka_unit_test(test_pending),
		cmocka_unit_test(test_umas),        cmocka_unit_test(test_device_id_parts),
		cmocka_unit_test(test_probe),       cmocka_unit_test(test_gap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

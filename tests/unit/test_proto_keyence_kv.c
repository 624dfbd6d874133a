/* test_proto_keyence_kv.c - unit tests of the KEYENCE KV host link plug-in
 * (src/proto/keyence_kv/keyence_kv.c).
 *
 * Vectors: the command and response formats of the KV-8000/KV-7000 Series User's
 * Manual, chapter "Host link communication" (command list and the example of each
 * command: "RD DM100" -> "00123", "RDS DM100 3", "WR DM100 1234", "?K" -> model
 * code, "M1" -> "OK", errors "E0".."E6"), written out as ASCII with CR (commands)
 * and CR LF (responses); the same exchanges appear in the committed capture
 * tests/captures/keyence_kv/keyence_kv_hostlink.pcap.  Model codes: data/keyence_kv_models.tsv.
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
#include "mieruka/pkt.h"
#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_keyence_kv;

/* One exchange: a command line and its response line, with the facts each gives
 * when fed in order to one flow state. */
struct xchg {
	const char *req, *resp;
	const char *const *req_facts, *const *resp_facts;
};

static const char *const none[] = {NULL};
static const char *const plc_role[] = {"role server plc (80) answers KEYENCE KV host link commands",
                                       NULL};

static const char *const f_cr[] = {"operation other connect", NULL};
static const char *const f_model[] = {"operation diagnostic model_query", NULL};
static const char *const f_model_resp[] = {
    "identity server vendor=KEYENCE product=- model=KV-7500 firmware=- serial=-",
    "attr server keyence_kv_model_code=55",
    NULL,
};
static const char *const f_mode_q[] = {"operation diagnostic mode_query", NULL};
static const char *const f_rd[] = {"operation read RD DM100", NULL};
static const char *const f_rds[] = {"operation read RDS DM100.U count=3", NULL};
static const char *const f_wr[] = {"operation write WR DM100",
                                   NULL}; /* the value is not in the detail */
static const char *const f_wrs[] = {"operation write WRS DM200 count=3", NULL};
static const char *const f_st[] = {"operation write set R000", NULL};
static const char *const f_rs[] = {"operation write reset MR100", NULL};
static const char *const f_mbs[] = {"operation read monitor_register_bits count=3", NULL};
static const char *const f_mbr[] = {"operation read monitor_read_bits", NULL};
static const char *const f_m0[] = {"operation control mode PROGRAM",
                                   "anomaly keyence_kv_mode_change", NULL};
static const char *const f_m1[] = {"operation control mode RUN", "anomaly keyence_kv_mode_change",
                                   NULL};
static const char *const f_err_q[] = {"operation diagnostic error_query", NULL};
static const char *const f_er[] = {"operation other error_clear", NULL};
static const char *const f_wrt[] = {"operation other clock_write", NULL};
static const char *const f_bad_dev[] = {"operation read RD ZZ9", NULL};
static const char *const f_error[] = {"anomaly keyence_kv_error_response", NULL};
static const char *const f_cq[] = {"operation other disconnect", NULL};

static const struct xchg session[] = {
    {"CR\r", "CC\r\n", f_cr, plc_role},
    {"?K\r", "55\r\n", f_model, f_model_resp},
    {"?M\r", "1\r\n", f_mode_q, none},
    {"RD DM100\r", "00123\r\n", f_rd, none},
    {"RDS DM100.U 3\r", "00001 00002 00003\r\n", f_rds, none},
    {"WR DM100 1234\r", "OK\r\n", f_wr, none},
    {"WRS DM200 3 1 2 3\r", "OK\r\n", f_wrs, none},
    {"ST R000\r", "OK\r\n", f_st, none},
    {"RS MR100\r", "OK\r\n", f_rs, none},
    {"MBS R000 R001 R002\r", "OK\r\n", f_mbs, none},
    {"MBR\r", "1 0 1\r\n", f_mbr, none},
    {"M0\r", "OK\r\n", f_m0, none},
    {"M1\r", "OK\r\n", f_m1, none},
    {"?E\r", "000\r\n", f_err_q, none},
    {"ER\r", "OK\r\n", f_er, none},
    {"WRT 26 12 02 10 30 00 3\r", "OK\r\n", f_wrt, none},
    {"RD ZZ9\r", "E0\r\n", f_bad_dev, f_error},
    {"CQ\r", "CF\r\n", f_cq, none},
};
#define N_SESSION (sizeof(session) / sizeof(session[0]))

/* Feeds bytes to a parser state the way the engine does (pending bytes kept). */
static enum mk_verdict feed(void *state, uint8_t **pend, size_t *plen, const uint8_t *data,
                            size_t len, enum mk_dir dir, struct rec *r)
{
	struct mk_emit out = {
	    .sink = rec_sink, .ctx = r, .dir = (int)dir, .proto = mk_proto_keyence_kv.id};
	size_t total = *plen + len, off = 0;
	uint8_t *buf = malloc(total ? total : 1);
	enum mk_verdict v = MK_V_OK;
	int first = r->n;

	assert_non_null(buf);
	if (*plen)
		memcpy(buf, *pend, *plen);
	if (len)
		memcpy(buf + *plen, data, len);
	free(*pend);
	*pend = NULL;
	*plen = 0;
	for (int round = 0; off < total && round < 1000; round++) {
		struct mk_rd rd;
		size_t consumed = 0;
		uint8_t *exact = malloc(total - off);

		assert_non_null(exact);
		memcpy(exact, buf + off, total - off); /* exact size: ASan sees over-reads */
		mk_rd_init(&rd, exact, total - off);
		v = mk_proto_keyence_kv.parse(state, &rd, dir, &consumed, &out);
		free(exact);
		assert_true(consumed <= total - off);
		if (v == MK_V_INVALID)
			break;
		off += consumed;
		if (v == MK_V_NEED || consumed == 0)
			break;
	}
	if (v != MK_V_INVALID && off < total) {
		*plen = total - off;
		*pend = malloc(*plen);
		assert_non_null(*pend);
		memcpy(*pend, buf + off, *plen);
	}
	free(buf);
	for (int i = first; i < r->n; i++) { /* every anomaly is declared */
		bool listed = false;

		if (strncmp(r->line[i], "anomaly ", 8) != 0)
			continue;
		for (size_t e = 0; mk_proto_keyence_kv.events[e] != NULL; e++)
			listed |= strcmp(mk_proto_keyence_kv.events[e], r->line[i] + 8) == 0;
		assert_true(listed);
	}
	return v;
}

static void feed_str(void *state, const char *s, enum mk_dir dir, struct rec *r)
{
	uint8_t *pend = NULL;
	size_t plen = 0;

	feed(state, &pend, &plen, (const uint8_t *)s, strlen(s), dir, r);
	assert_int_equal(plen, 0);
	free(pend);
}

static void test_session(void **unused)
{
	void *state = calloc(1, mk_proto_keyence_kv.state_size);

	(void)unused;
	assert_non_null(state);
	for (size_t i = 0; i < N_SESSION; i++) {
		struct rec rq = {0}, rs = {0};

		feed_str(state, session[i].req, MK_DIR_TO_SERVER, &rq);
		rec_expect(&rq, session[i].req_facts);
		feed_str(state, session[i].resp, MK_DIR_TO_CLIENT, &rs);
		rec_expect(&rs, session[i].resp_facts);
	}
	free(state);
}

/* Every truncation of a command or response line: NEED, nothing said, nothing consumed. */
static void test_truncation(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < N_SESSION; i++) {
		const char *lines[2] = {session[i].req, session[i].resp};

		for (int d = 0; d < 2; d++) {
			size_t len = strlen(lines[d]);
			struct rec all = {0};

			run_parse(&mk_proto_keyence_kv, NULL, (const uint8_t *)lines[d], len,
			          (enum mk_dir)d, &all, NULL);
			for (size_t cut = 0; cut < len; cut++) {
				struct rec part = {0};
				size_t consumed = 0;
				enum mk_verdict v =
				    run_parse(&mk_proto_keyence_kv, NULL, (const uint8_t *)lines[d],
				              cut, (enum mk_dir)d, &part, &consumed);

				rec_subset(&part, &all, cut);
				/* a response cut between CR and LF is complete already */
				if (!(d == 1 && cut == len - 1)) {
					assert_int_equal(v, cut == 0 ? MK_V_OK : MK_V_NEED);
					assert_int_equal(consumed, 0);
				}
			}
		}
	}
}

/* The whole request stream, then the whole response stream, split at every byte
 * into two calls, gives the facts of one call. */
static void test_splits(void **unused)
{
	char req[1024] = "", resp[1024] = "";

	(void)unused;
	for (size_t i = 0; i < N_SESSION; i++) {
		strncat(req, session[i].req, sizeof(req) - strlen(req) - 1);
		strncat(resp, session[i].resp, sizeof(resp) - strlen(resp) - 1);
	}
	for (int d = 0; d < 2; d++) {
		const char *s = d == 0 ? req : resp;
		size_t len = strlen(s);
		struct rec whole = {0};
		void *state = calloc(1, mk_proto_keyence_kv.state_size);

		assert_non_null(state);
		if (d == 1) /* the model query is outstanding, so the identity is said */
			feed_str(state, "?K\r", MK_DIR_TO_SERVER, &(struct rec){0});
		feed_str(state, s, (enum mk_dir)d, &whole);
		free(state);
		for (size_t cut = 0; cut <= len; cut++) {
			struct rec r = {0};
			uint8_t *pend = NULL;
			size_t plen = 0;

			state = calloc(1, mk_proto_keyence_kv.state_size);
			assert_non_null(state);
			if (d == 1)
				feed_str(state, "?K\r", MK_DIR_TO_SERVER, &(struct rec){0});
			feed(state, &pend, &plen, (const uint8_t *)s, cut, (enum mk_dir)d, &r);
			feed(state, &pend, &plen, (const uint8_t *)s + cut, len - cut,
			     (enum mk_dir)d, &r);
			assert_int_equal(plen, 0);
			free(pend);
			free(state);
			assert_int_equal(r.n, whole.n);
			for (int k = 0; k < r.n; k++)
				assert_string_equal(r.line[k], whole.line[k]);
		}
	}
}

static void test_malformed(void **unused)
{
	static const char *const bad_cmd[] = {"operation other unknown",
	                                      "anomaly keyence_kv_bad_command", NULL};
	static const char *const bad_line[] = {"anomaly keyence_kv_bad_line", NULL};
	static const char *const unknown_model[] = {
	    "identity server vendor=KEYENCE product=- model=- firmware=- serial=-",
	    "attr server keyence_kv_model_code=99",
	    NULL,
	};
	static const uint8_t binary[] = {'R', 'D', ' ', 0x01, 0xff, '\r'};
	uint8_t *longline = malloc(16400);
	struct rec r1 = {0}, r2 = {0}, r3 = {0}, r4 = {0}, r5 = {0}, r6 = {0};
	void *state = calloc(1, mk_proto_keyence_kv.state_size);

	(void)unused;
	assert_non_null(longline);
	assert_non_null(state);
	/* a command word not in the list, and a read without a device */
	run_parse(&mk_proto_keyence_kv, NULL, (const uint8_t *)"XX 1\r", 5, MK_DIR_TO_SERVER, &r1,
	          NULL);
	rec_expect(&r1, bad_cmd);
	run_parse(&mk_proto_keyence_kv, NULL, (const uint8_t *)"RD\r", 3, MK_DIR_TO_SERVER, &r2,
	          NULL);
	rec_expect(&r2, bad_cmd);
	/* control bytes in a line: not host link, give up */
	assert_int_equal(run_parse(&mk_proto_keyence_kv, NULL, binary, sizeof(binary),
	                           MK_DIR_TO_SERVER, &r3, NULL),
	                 MK_V_INVALID);
	rec_expect(&r3, bad_line);
	/* no CR within the line cap */
	memset(longline, 'A', 16400);
	assert_int_equal(
	    run_parse(&mk_proto_keyence_kv, NULL, longline, 16400, MK_DIR_TO_SERVER, &r4, NULL),
	    MK_V_INVALID);
	rec_expect(&r4, bad_line);
	/* a model code not in data/keyence_kv_models.tsv: vendor and code only */
	feed_str(state, "?K\r", MK_DIR_TO_SERVER, &r5);
	feed_str(state, "99\r\n", MK_DIR_TO_CLIENT, &r6);
	assert_int_equal(r6.n, 3);
	assert_string_equal(r6.line[0], plc_role[0]);
	assert_string_equal(r6.line[1], unknown_model[0]);
	assert_string_equal(r6.line[2], unknown_model[1]);
	free(state);
	free(longline);
}

static int probe(const char *s, size_t len, enum mk_dir dir)
{
	struct mk_rd rd;
	int v;

	mk_rd_init(&rd, s, len);
	v = mk_proto_keyence_kv.probe(&rd, dir);
	assert_int_equal(mk_rd_left(&rd), len); /* probe reads only */
	return v;
}

#define PROBE(s, dir) probe(s, sizeof(s) - 1, dir)

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(PROBE("RD DM100\r", MK_DIR_TO_SERVER), MK_PROBE_SURE);
	assert_int_equal(PROBE("RDS DM100.U 3\r", MK_DIR_TO_SERVER), MK_PROBE_SURE);
	assert_int_equal(PROBE("WR DM100 1234\r", MK_DIR_TO_SERVER), MK_PROBE_SURE);
	assert_int_equal(PROBE("ST R000\r", MK_DIR_TO_SERVER), MK_PROBE_SURE);
	assert_int_equal(PROBE("MBS R000 R001\r", MK_DIR_TO_SERVER), MK_PROBE_SURE);
	assert_int_equal(PROBE("?K\r", MK_DIR_TO_SERVER), MK_PROBE_SURE);
	assert_int_equal(PROBE("CR\r", MK_DIR_TO_SERVER), MK_PROBE_MAYBE);
	assert_int_equal(PROBE("M1\r", MK_DIR_TO_SERVER), MK_PROBE_MAYBE);
	assert_int_equal(PROBE("RD DM1", MK_DIR_TO_SERVER), MK_PROBE_MAYBE); /* no CR yet */
	assert_int_equal(PROBE("OK\r\n", MK_DIR_TO_CLIENT), MK_PROBE_MAYBE);
	assert_int_equal(PROBE("E1\r\n", MK_DIR_TO_CLIENT), MK_PROBE_MAYBE);
	assert_int_equal(PROBE("GET / HTTP/1.1\r\n", MK_DIR_TO_SERVER), MK_PROBE_NO);
	assert_int_equal(PROBE("USER anonymous\r\n", MK_DIR_TO_SERVER), MK_PROBE_NO);
	assert_int_equal(PROBE("RD\r", MK_DIR_TO_SERVER), MK_PROBE_NO);
	assert_int_equal(PROBE("RD dm100\r", MK_DIR_TO_SERVER), MK_PROBE_NO);
	assert_int_equal(PROBE("RDS DM100 x\r", MK_DIR_TO_SERVER), MK_PROBE_NO);
	assert_int_equal(PROBE("220 ftp ready\r\n", MK_DIR_TO_CLIENT), MK_PROBE_NO);
	assert_int_equal(PROBE("\x16\x03\x01\x02\x00", MK_DIR_TO_SERVER), MK_PROBE_NO);
	assert_int_equal(PROBE("", MK_DIR_TO_SERVER), MK_PROBE_NO);
	/* a write longer than the probe's window, its CR far away */
	assert_int_equal(
	    PROBE("WRS DM300 20 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23",
	          MK_DIR_TO_SERVER),
	    MK_PROBE_SURE);
	assert_int_equal(
	    PROBE("WR DM300 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25",
	          MK_DIR_TO_SERVER),
	    MK_PROBE_NO);
	assert_int_equal(
	    PROBE("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod",
	          MK_DIR_TO_SERVER),
	    MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_session), cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_splits),  cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

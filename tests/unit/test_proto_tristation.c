/* test_proto_tristation.c - unit tests of the Triconex TriStation plug-in
 * (src/proto/tristation/tristation.c).
 *
 * There is neither a public specification nor a public capture of TriStation;
 * the vectors are built to the header layout of the public TRITON analyses
 * (FireEye, "Totally Tubular Treatise on TRITON and TriStation", 2018, and its
 * fireeye-tristation.lua dissector: [0] message type, [1] 0, [2..3] length LE;
 * execution commands: [6] command function code from TRITON's TS_cnames, [7]
 * command counter, CRC in the last two bytes).  Lengths and CRC values in
 * these vectors are illustrative, not verified against a real controller.
 * Each datagram is checked for its exact facts and at every truncation length.
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

extern const struct mk_proto mk_proto_tristation;
#define P (&mk_proto_tristation)

/* One datagram, then every truncation of it as a datagram. */
static void check_dgram(const uint8_t *m, size_t n, enum mk_dir dir, const char *const *exp)
{
	static struct rec all, part;
	size_t consumed;

	memset(&all, 0, sizeof(all));
	run_parse(P, NULL, m, n, dir, &all, &consumed);
	rec_expect(&all, exp);
	for (size_t cut = 0; cut < n; cut++) {
		memset(&part, 0, sizeof(part));
		run_parse(P, NULL, m, cut, dir, &part, &consumed);
		rec_subset(&part, &all, cut);
	}
}

static int probe(const uint8_t *m, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int v;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, m, n);
	mk_rd_init(&rd, copy, n);
	v = P->probe(&rd, MK_DIR_TO_SERVER);
	free(copy);
	return v;
}

/* connection request (type 1) */
static const uint8_t connect_req[] = {0x01, 0x00, 0x02, 0x00, 0x00, 0x00};
/* connection response (type 2) */
static const uint8_t connect_rsp[] = {0x02, 0x00, 0x02, 0x00, 0x00, 0x00};
/* ping (type 6) */
static const uint8_t ping[] = {0x06, 0x00, 0x00, 0x00};

/* execution command (type 5) with command function code c */
static size_t ts_exec(uint8_t *m, uint8_t c)
{
	static const uint8_t tmpl[] = {0x05, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00,
	                               0x01, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34};

	memcpy(m, tmpl, sizeof(tmpl));
	m[6] = c;
	return sizeof(tmpl);
}

static void test_messages(void **s)
{
	static const struct {
		uint8_t code;
		const char *op, *extra;
	} t[] = {
	    {0, "operation program start_download_all", "anomaly tristation_program_download"},
	    {1, "operation program start_download_change", "anomaly tristation_program_download"},
	    {80, "operation program go_to_download_mode", "anomaly tristation_program_download"},
	    {10, "operation program end_download_all", NULL},
	    {21, "operation control halt_program", "anomaly tristation_program_control"},
	    {20, "operation control run_program", "anomaly tristation_program_control"},
	    {19, "operation diagnostic get_cp_status", NULL},
	    {65, "operation read upload_program", NULL},
	    {27, "operation write set_io_point_values", NULL},
	    {41, "operation other cmd=41", NULL},
	    {108, NULL, NULL}, /* "Get CP status response" (TS_cnames 108): an answer */
	};
	uint8_t m[32];

	(void)s;
	check_dgram(
	    connect_req, sizeof(connect_req), MK_DIR_TO_SERVER,
	    (const char *const[]){"operation other connect",
	                          "role sender engineering_workstation (60) Connects to a Triconex "
	                          "safety controller over TriStation",
	                          NULL});
	check_dgram(connect_rsp, sizeof(connect_rsp), MK_DIR_TO_CLIENT,
	            (const char *const[]){NULL});
	check_dgram(ping, sizeof(ping), MK_DIR_TO_SERVER,
	            (const char *const[]){"operation other ping", NULL});
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = ts_exec(m, t[i].code);

		check_dgram(m, n, MK_DIR_TO_SERVER,
		            (const char *const[]){t[i].op, t[i].extra, NULL});
	}
}

static void test_malformed(void **s)
{
	uint8_t m[32];
	size_t n;

	(void)s;
	check_dgram((const uint8_t *)"\x0c\x00\x00\x00", 4, MK_DIR_TO_SERVER,
	            (const char *const[]){"anomaly tristation_bad_header", NULL});
	n = ts_exec(m, 0);
	m[2] = 0x40; /* length beyond the datagram */
	check_dgram(m, n, MK_DIR_TO_SERVER,
	            (const char *const[]){"anomaly tristation_bad_header", NULL});
	check_dgram((const uint8_t *)"\x05\x00\x00\x00\x00", 5, MK_DIR_TO_SERVER,
	            (const char *const[]){"anomaly tristation_bad_header", NULL});
}

static void test_probe(void **s)
{
	uint8_t m[32];
	size_t n = ts_exec(m, 0);

	(void)s;
	/* Shape only: never SURE without a port hint. */
	assert_int_equal(probe(m, n), MK_PROBE_MAYBE);
	assert_int_equal(probe(connect_req, sizeof(connect_req)), MK_PROBE_MAYBE);
	assert_int_equal(probe((const uint8_t *)"\x01\x01\x00\x00", 4), MK_PROBE_NO);
	assert_int_equal(probe((const uint8_t *)"\x00\x00\x00\x00", 4), MK_PROBE_NO);
	assert_int_equal(probe(m, 3), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_messages),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

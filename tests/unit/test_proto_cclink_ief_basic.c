/* test_proto_cclink_ief_basic.c - unit tests of the CC-Link IE Field Basic plug-in
 * (src/proto/cclink_ief_basic/cclink_ief_basic.c).
 *
 * No public CCIEFB capture is in ../shared/captures; the frames are built by
 * req_build()/rsp_build() to the layout of CLPA BAP-C2010ENG-004 9.1 as
 * described publicly (see the parser's header comment): SLMP 3E header,
 * cyclic header, master/slave station notification, cyclic data header, link
 * devices for one occupied station.  Each datagram is checked for its exact
 * facts and at every truncation length.
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

extern const struct mk_proto mk_proto_cclink_ief_basic;
#define P (&mk_proto_cclink_ief_basic)

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

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Cyclic request for one occupied station: 15-byte SLMP header (50 00 00 FF
 * FF 03 00, data length, timer 0, command 0x0E70, subcommand 0), cyclic header
 * (protocol version 2, offset 36), master station notification (unit info,
 * clock), cyclic data header (master 192.168.3.39, group 1, sequence 5, timeout
 * 500 ms, parameter no 1, 1 occupied station, transmission state bit 0), one
 * slave IP, RWw (64 bytes) and RY (8 bytes). */
static size_t req_build(uint8_t *m, size_t cap, uint16_t unit_info)
{
	size_t len = 15 + 20 + 12 + 20 + 4 + 64 + 8;

	assert_true(len <= cap);
	memset(m, 0, len);
	memcpy(m, "\x50\x00\x00\xff\xff\x03\x00", 7);
	le16(m + 7, (uint16_t)(len - 9));
	le16(m + 11, 0x0e70);
	le16(m + 15, 2);
	le16(m + 19, 36);
	le16(m + 35, unit_info);
	memcpy(m + 47, "\x27\x03\xa8\xc0", 4);
	m[51] = 1;
	le16(m + 53, 5);
	le16(m + 55, 500);
	le16(m + 57, 3);
	le16(m + 59, 1);
	le16(m + 61, 1);
	le16(m + 63, 1);
	memcpy(m + 67, "\x0a\x03\xa8\xc0", 4);
	return len;
}

/* Cyclic response: 11-byte SLMP header (D0 00 00 FF FF 03 00, data length,
 * end code), cyclic header (version 2, end code, offset 40), slave station
 * notification (vendor code 0x1234, model code 0x00000567, equipment version 1,
 * unit info running), cyclic data header (slave 192.168.3.10, group 1,
 * sequence 5), RWr (64) and RX (8). */
static size_t rsp_build(uint8_t *m, size_t cap, uint16_t end)
{
	size_t len = 11 + 20 + 20 + 8 + 64 + 8;

	assert_true(len <= cap);
	memset(m, 0, len);
	memcpy(m, "\xd0\x00\x00\xff\xff\x03\x00", 7);
	le16(m + 7, (uint16_t)(len - 9));
	le16(m + 11, 2);
	le16(m + 13, end);
	le16(m + 15, 40);
	le16(m + 31, 0x1234);
	memcpy(m + 35, "\x67\x05\x00\x00", 4);
	le16(m + 39, 1);
	le16(m + 43, 1);
	memcpy(m + 51, "\x0a\x03\xa8\xc0", 4);
	m[55] = 1;
	le16(m + 57, 5);
	return len;
}

#define MASTER "role sender plc (80) CC-Link IE Field Basic master station (sends cyclic requests)"

static void test_cyclic(void **s)
{
	uint8_t m[256];
	size_t n;

	(void)s;
	n = req_build(m, sizeof(m), 1);
	check_dgram(m, n, MK_DIR_TO_SERVER,
	            (const char *const[]){"operation write io", MASTER,
	                                  "attr sender cclink_master_state=running", NULL});
	n = req_build(m, sizeof(m), 2);
	check_dgram(m, n, MK_DIR_TO_SERVER,
	            (const char *const[]){"operation write io", MASTER,
	                                  "attr sender cclink_master_state=stopped_by_user", NULL});
	n = rsp_build(m, sizeof(m), 0);
	check_dgram(m, n, MK_DIR_TO_CLIENT,
	            (const char *const[]){"operation read io",
	                                  "attr sender cclink_vendor_code=0x1234",
	                                  "attr sender cclink_model_code=0x00000567", NULL});
	/* 0xCFFF: disconnection notification from the slave station */
	n = rsp_build(m, sizeof(m), 0xcfff);
	check_dgram(m, n, MK_DIR_TO_CLIENT,
	            (const char *const[]){"operation read io", "anomaly cclink_ief_basic_end_code",
	                                  "attr sender cclink_vendor_code=0x1234",
	                                  "attr sender cclink_model_code=0x00000567", NULL});
}

static void test_malformed(void **s)
{
	uint8_t m[256];
	size_t n;

	(void)s;
	n = req_build(m, sizeof(m), 1);
	m[7] ^= 1; /* data length */
	check_dgram(m, n, MK_DIR_TO_SERVER,
	            (const char *const[]){"anomaly cclink_ief_basic_bad_frame", NULL});
	n = req_build(m, sizeof(m), 1);
	m[3] = 0x00; /* unit number must be FF */
	check_dgram(m, n, MK_DIR_TO_SERVER,
	            (const char *const[]){"anomaly cclink_ief_basic_bad_frame", NULL});
	/* another SLMP command in the same framing */
	n = req_build(m, sizeof(m), 1);
	le16(m + 11, 0x0401);
	check_dgram(m, n, MK_DIR_TO_SERVER,
	            (const char *const[]){"operation other cmd=0x0401", NULL});
}

static void test_probe(void **s)
{
	uint8_t m[256];
	size_t n;

	(void)s;
	n = req_build(m, sizeof(m), 1);
	assert_int_equal(probe(m, n), MK_PROBE_SURE);
	assert_int_equal(probe(m, n - 1), MK_PROBE_NO);
	le16(m + 11, 0x0401); /* SLMP batch read: not CCIEFB */
	assert_int_equal(probe(m, n), MK_PROBE_NO);
	n = rsp_build(m, sizeof(m), 0);
	assert_int_equal(probe(m, n), MK_PROBE_SURE);
	le16(m + 15, 41);
	assert_int_equal(probe(m, n), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cyclic),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_c37118.c - unit tests of the IEEE C37.118 synchrophasor plug-in
 * (src/proto/c37118/c37118.c).
 *
 * No public C37.118 capture is in ../shared/captures; every frame is built by
 * c37_build() from IEEE Std C37.118.2-2011 6.2 (common header, CHK CRC-CCITT)
 * with the bodies of 6.3 (data), 6.4 (configuration) and 6.5 (command).  Each is
 * checked for its exact facts, every truncation length and every split into
 * two stream pieces.
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

extern const struct mk_proto mk_proto_c37118;
#define P (&mk_proto_c37118)

#include "support/pieces.h"

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

/* CRC-CCITT of 6.2 (poly 0x1021, initial 0xFFFF); check value of "123456789" is 0x29B1. */
static uint16_t crc_ccitt(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xffff;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc =
			    (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

/* SYNC (0xAA, type << 4 | version 1), FRAMESIZE, IDCODE 7734, SOC 1149577200,
 * FRACSEC 0 (the example values of C37.118.2 annex C), body, CHK. */
static size_t c37_build(uint8_t *m, size_t cap, uint8_t type, const uint8_t *body, size_t n)
{
	size_t len = 14 + n + 2;
	uint16_t crc;

	assert_true(len <= cap);
	m[0] = 0xaa;
	m[1] = (uint8_t)((type << 4) | 1);
	m[2] = (uint8_t)(len >> 8);
	m[3] = (uint8_t)len;
	m[4] = 0x1e; /* 7734 */
	m[5] = 0x36;
	memcpy(m + 6, "\x44\x85\x36\x00\x00\x00\x00\x00", 8);
	if (n > 0)
		memcpy(m + 14, body, n);
	crc = crc_ccitt(m, len - 2);
	m[len - 2] = (uint8_t)(crc >> 8);
	m[len - 1] = (uint8_t)crc;
	return len;
}

static void test_crc(void **s)
{
	(void)s;
	assert_int_equal(crc_ccitt((const uint8_t *)"123456789", 9), 0x29b1);
}

static void test_commands(void **s)
{
	static const struct {
		uint8_t cmd[2];
		const char *op, *extra;
	} t[] = {
	    {{0, 1}, "operation control turn_off_transmission", "anomaly c37118_transmission_off"},
	    {{0, 2}, "operation control turn_on_transmission", NULL},
	    {{0, 3}, "operation read send_header", NULL},
	    {{0, 4}, "operation read send_cfg1", NULL},
	    {{0, 5}, "operation read send_cfg2", NULL},
	    {{0, 6}, "operation read send_cfg3", NULL},
	    {{0, 8}, "operation other extended_frame", NULL},
	    {{0, 9}, "operation other cmd=9", NULL},
	};
	uint8_t m[64];

	(void)s;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = c37_build(m, sizeof(m), 4, t[i].cmd, 2);

		check_msg(m, n, MK_DIR_TO_SERVER, (const char *const[]){t[i].op, t[i].extra, NULL});
		check_dgram(m, n, MK_DIR_TO_SERVER,
		            (const char *const[]){t[i].op, t[i].extra, NULL});
	}
}

static void test_config_and_data(void **s)
{
	/* CFG-2 body (6.4): TIME_BASE 1000000, NUM_PMU 1, STN "Station A", IDCODE 7734,
	 * FORMAT 0x0004, PHNMR 1, ANNMR 0, DGNMR 0, CHNAM "VA", PHUNIT, FNOM, CFGCNT, DATA_RATE 30
	 */
	static const uint8_t cfg[] = {
	    0x00, 0x0f, 0x42, 0x40, 0x00, 0x01, 'S',  't',  'a',  't',  'i',  'o',
	    'n',  ' ',  'A',  ' ',  ' ',  ' ',  ' ',  ' ',  ' ',  ' ',  0x1e, 0x36,
	    0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 'V',  'A',  ' ',  ' ',
	    ' ',  ' ',  ' ',  ' ',  ' ',  ' ',  ' ',  ' ',  ' ',  ' ',  ' ',  ' ',
	    0x00, 0x0d, 0xf8, 0x47, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1e,
	};
	/* data frame body (6.3): STAT 0, one polar phasor (float), FREQ, DFREQ */
	static const uint8_t data[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	                               0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	uint8_t m[128];
	size_t n;

	(void)s;
	n = c37_build(m, sizeof(m), 3, cfg, sizeof(cfg));
	check_msg(m, n, MK_DIR_TO_CLIENT,
	          (const char *const[]){"attr sender c37118_idcode=7734",
	                                "attr sender c37118_station=Station A", NULL});
	n = c37_build(m, sizeof(m), 0, data, sizeof(data));
	check_msg(m, n, MK_DIR_TO_CLIENT, (const char *const[]){NULL});
	/* header frame (6.4.3): free text */
	n = c37_build(m, sizeof(m), 1, (const uint8_t *)"PMU text", 8);
	check_msg(m, n, MK_DIR_TO_CLIENT, (const char *const[]){NULL});
}

static void test_malformed(void **s)
{
	static struct rec r;
	uint8_t m[64];
	size_t n, consumed = 0;

	(void)s;
	n = c37_build(m, sizeof(m), 4, (const uint8_t *)"\x00\x02", 2);
	m[n - 1] ^= 0xff; /* CHK wrong */
	check_msg(m, n, MK_DIR_TO_SERVER, (const char *const[]){"anomaly c37118_bad_crc", NULL});
	n = c37_build(m, sizeof(m), 4, (const uint8_t *)"\x00\x02", 2);
	m[0] = 0xab; /* not SYNC */
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, NULL, m, n, MK_DIR_TO_SERVER, &r, &consumed), MK_V_INVALID);
	rec_expect(&r, (const char *const[]){"anomaly c37118_bad_frame", NULL});
	n = c37_build(m, sizeof(m), 4, (const uint8_t *)"\x00\x02", 2);
	m[3] = 10; /* FRAMESIZE below the minimum */
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, NULL, m, n, MK_DIR_TO_SERVER, &r, &consumed), MK_V_INVALID);
	rec_expect(&r, (const char *const[]){"anomaly c37118_bad_frame", NULL});
	n = c37_build(m, sizeof(m), 7, (const uint8_t *)"\x00\x02", 2); /* frame type 7 */
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, NULL, m, n, MK_DIR_TO_SERVER, &r, &consumed), MK_V_INVALID);
	rec_expect(&r, (const char *const[]){"anomaly c37118_bad_frame", NULL});
}

static void test_stream(void **s)
{
	uint8_t m[64];
	size_t a, b;

	(void)s;
	a = c37_build(m, sizeof(m), 4, (const uint8_t *)"\x00\x05", 2);
	b = c37_build(m + a, sizeof(m) - a, 4, (const uint8_t *)"\x00\x02", 2);
	check_msg(m, a + b, MK_DIR_TO_SERVER,
	          (const char *const[]){"operation read send_cfg2",
	                                "operation control turn_on_transmission", NULL});
}

static void test_probe(void **s)
{
	uint8_t m[64];
	size_t n = c37_build(m, sizeof(m), 4, (const uint8_t *)"\x00\x02", 2);

	(void)s;
	assert_int_equal(probe(m, n), MK_PROBE_SURE);
	assert_int_equal(probe(m, n - 1), MK_PROBE_NO);
	m[n - 1] ^= 1;
	assert_int_equal(probe(m, n), MK_PROBE_NO);
	assert_int_equal(probe((const uint8_t *)"\xaa\xaa\xaa\xaa", 4), MK_PROBE_NO);
	assert_int_equal(probe(NULL, 0), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crc),
	    cmocka_unit_test(test_commands),
	    cmocka_unit_test(test_config_and_data),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_stream),
	    cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

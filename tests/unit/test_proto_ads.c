/* test_proto_ads.c - unit tests of the Beckhoff ADS/AMS plug-in
 * (src/proto/ads/ads.c).
 *
 * There is no public ADS capture in ../shared/captures, so every vector is
 * built by ams_build() from the Beckhoff Information System "ADS-Specification"
 * (AMS/TCP header, AMS header, ADS command payloads; section named at each).
 * Every vector is checked for its exact facts, every truncation length and
 * every split into two stream pieces.
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

extern const struct mk_proto mk_proto_ads;
#define P (&mk_proto_ads)

#include "support/pieces.h"

/* AMS NetIds and ports of the vectors: an engineering PC 192.168.0.10.1.1
 * (port 32905) talking to a TwinCAT 3 PLC runtime 5.1.204.123.1.1 port 851. */
static const uint8_t pc_id[6] = {192, 168, 0, 10, 1, 1};
static const uint8_t plc_id[6] = {5, 1, 204, 123, 1, 1};

/* AMS/TCP header (reserved 0, length LE) + AMS header (ADS-Specification
 * "AMS Header": target NetId/port, source NetId/port, command id, state
 * flags, data length, error code, invoke id; all little-endian) + data. */
static size_t ams_build(uint8_t *m, size_t cap, bool response, uint16_t cmd, uint32_t err,
                        const uint8_t *data, size_t n)
{
	size_t len = 32 + n;
	const uint8_t *t = response ? pc_id : plc_id, *s = response ? plc_id : pc_id;
	uint16_t tport = response ? 32905 : 851, sport = response ? 851 : 32905;
	uint16_t flags = response ? 0x0005 : 0x0004;

	assert_true(6 + len <= cap);
	m[0] = m[1] = 0;
	m[2] = (uint8_t)len;
	m[3] = (uint8_t)(len >> 8);
	m[4] = m[5] = 0;
	memcpy(m + 6, t, 6);
	m[12] = (uint8_t)tport;
	m[13] = (uint8_t)(tport >> 8);
	memcpy(m + 14, s, 6);
	m[20] = (uint8_t)sport;
	m[21] = (uint8_t)(sport >> 8);
	m[22] = (uint8_t)cmd;
	m[23] = (uint8_t)(cmd >> 8);
	m[24] = (uint8_t)flags;
	m[25] = (uint8_t)(flags >> 8);
	m[26] = (uint8_t)n;
	m[27] = (uint8_t)(n >> 8);
	m[28] = m[29] = 0;
	m[30] = (uint8_t)err;
	m[31] = (uint8_t)(err >> 8);
	m[32] = (uint8_t)(err >> 16);
	m[33] = (uint8_t)(err >> 24);
	memcpy(m + 34, "\x01\x00\x00\x00", 4); /* invoke id 1 */
	if (n > 0)
		memcpy(m + 38, data, n);
	return 6 + len;
}

#define REQ_IDS "attr sender ads_netid=192.168.0.10.1.1", "attr receiver ads_netid=5.1.204.123.1.1"
#define RSP_IDS "attr sender ads_netid=5.1.204.123.1.1", "attr receiver ads_netid=192.168.0.10.1.1"
#define PLC "role sender plc (70) Answers ADS from a TwinCAT PLC runtime port"

static void test_requests(void **s)
{
	/* "ADS Read": index group, index offset, length */
	static const uint8_t rd[] = {0x20, 0x40, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0};
	/* "ADS Write": index group, offset, length, data */
	static const uint8_t wr[] = {0x20, 0x40, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x34, 0x12};
	/* "ADS Write Control": ADS state 6 (STOP), device state 0, length 0 */
	static const uint8_t wc_stop[] = {6, 0, 0, 0, 0, 0, 0, 0};
	/* ADS state 15 (CONFIG) */
	static const uint8_t wc_config[] = {15, 0, 0, 0, 0, 0, 0, 0};
	/* "ADS Add Device Notification": group, offset, length, mode, max delay, cycle, 16 reserved
	 */
	static const uint8_t add[40] = {0x20, 0x40, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0};
	/* "ADS Delete Device Notification": handle */
	static const uint8_t del[] = {7, 0, 0, 0};
	/* "ADS Read Write": group 0xf003 (symbol handle by name), offset, read length, write
	 * length, data */
	static const uint8_t rw[] = {0x03, 0xf0, 0, 0, 0, 0,   0,   0,   4,   0, 0,
	                             0,    5,    0, 0, 0, 'M', 'A', 'I', 'N', 0};
	static const struct {
		uint16_t cmd;
		const uint8_t *d;
		size_t n;
		const char *op;
		const char *extra;
	} t[] = {
	    {1, NULL, 0, "operation diagnostic ReadDeviceInfo", NULL},
	    {2, rd, sizeof(rd), "operation read Read", NULL},
	    {3, wr, sizeof(wr), "operation write Write", NULL},
	    {4, NULL, 0, "operation diagnostic ReadState", NULL},
	    {5, wc_stop, sizeof(wc_stop), "operation control WriteControl state=stop",
	     "anomaly ads_state_change"},
	    {5, wc_config, sizeof(wc_config), "operation control WriteControl state=config",
	     "anomaly ads_state_change"},
	    {6, add, sizeof(add), "operation read AddDeviceNotification", NULL},
	    {7, del, sizeof(del), "operation read DeleteDeviceNotification", NULL},
	    {9, rw, sizeof(rw), "operation write ReadWrite", NULL},
	    {12, NULL, 0, "operation other cmd=12", NULL},
	};
	uint8_t m[128];

	(void)s;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = ams_build(m, sizeof(m), false, t[i].cmd, 0, t[i].d, t[i].n);

		check_msg(m, n, MK_DIR_TO_SERVER,
		          (const char *const[]){REQ_IDS, t[i].op, t[i].extra, NULL});
	}
	/* DeviceNotification (8) is the device's push: no request. */
	{
		static const uint8_t note[] = {8, 0, 0, 0, 0, 0, 0, 0};
		size_t n = ams_build(m, sizeof(m), false, 8, 0, note, sizeof(note));

		check_msg(m, n, MK_DIR_TO_CLIENT, (const char *const[]){REQ_IDS, NULL});
	}
}

static void test_device_info(void **s)
{
	/* "ADS Read Device Info" response: result 0, version 3.1, build 4024, name[16] */
	static const uint8_t info[] = {0,   0,   0,   0,   3,   1, 0xb8, 0x0f, 'P', 'l', 'c', '3',
	                               '0', ' ', 'A', 'p', 'p', 0, 0,    0,    0,   0,   0,   0};
	uint8_t m[128];
	size_t n = ams_build(m, sizeof(m), true, 1, 0, info, sizeof(info));

	(void)s;
	check_msg(m, n, MK_DIR_TO_CLIENT,
	          (const char *const[]){RSP_IDS, PLC,
	                                "identity sender vendor=Beckhoff product=Plc30 App model=- "
	                                "firmware=3.1.4024 serial=-",
	                                NULL});
	/* An error answer (AMS error 0x0701 "service not supported"). */
	n = ams_build(m, sizeof(m), true, 2, 0x0701, NULL, 0);
	check_msg(m, n, MK_DIR_TO_CLIENT,
	          (const char *const[]){RSP_IDS, "anomaly ads_error_response", PLC, NULL});
}

static void test_stream(void **s)
{
	static uint8_t m[256];
	size_t a, b;

	(void)s;
	a = ams_build(m, sizeof(m), false, 4, 0, NULL, 0);
	b = ams_build(m + a, sizeof(m) - a, false, 2, 0,
	              (const uint8_t *)"\x20\x40\0\0\0\0\0\0\4\0\0\0", 12);
	check_msg(m, a + b, MK_DIR_TO_SERVER,
	          (const char *const[]){REQ_IDS, "operation diagnostic ReadState",
	                                "operation read Read", NULL});
	/* An AMS/TCP router frame (reserved 0x1000 port connect, 2 bytes) is framed, silent. */
	memcpy(m, "\x00\x10\x02\x00\x00\x00\x00\x00", 8);
	b = ams_build(m + 8, sizeof(m) - 8, false, 4, 0, NULL, 0);
	check_msg(m, 8 + b, MK_DIR_TO_SERVER,
	          (const char *const[]){REQ_IDS, "operation diagnostic ReadState", NULL});
}

static void test_oversized(void **s)
{
	static uint8_t m[70000 + 64];
	size_t len = 70000, b;

	(void)s;
	memset(m, 0, sizeof(m));
	ams_build(m, sizeof(m), false, 3, 0, NULL, 0);
	m[2] = (uint8_t)len;
	m[3] = (uint8_t)(len >> 8);
	m[4] = (uint8_t)(len >> 16);
	m[26] = (uint8_t)(len - 32);
	m[27] = (uint8_t)((len - 32) >> 8);
	m[28] = (uint8_t)((len - 32) >> 16);
	b = ams_build(m + 6 + len, sizeof(m) - 6 - len, false, 4, 0, NULL, 0);
	{
		static struct rec r;
		struct piece pc = {MK_DIR_TO_SERVER, m, 6 + len + b};

		memset(&r, 0, sizeof(r));
		run_pieces(&pc, 1, &r);
		rec_expect(&r, (const char *const[]){"operation write Write", REQ_IDS,
		                                     "operation diagnostic ReadState", NULL});
	}
}

static void test_malformed(void **s)
{
	static struct rec r;
	uint8_t m[128];
	size_t n, consumed = 0;

	(void)s;
	/* AMS/TCP length shorter than an AMS header: given up. */
	n = ams_build(m, sizeof(m), false, 2, 0, NULL, 0);
	m[2] = 8;
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, NULL, m, n, MK_DIR_TO_SERVER, &r, &consumed), MK_V_INVALID);
	rec_expect(&r, (const char *const[]){"anomaly ads_bad_header", NULL});
	/* AMS data length disagreeing with the AMS/TCP length: framed, flagged. */
	n = ams_build(m, sizeof(m), false, 2, 0, (const uint8_t *)"\x20\x40\0\0\0\0\0\0\4\0\0\0",
	              12);
	m[26] = 13;
	check_msg(m, n, MK_DIR_TO_SERVER, (const char *const[]){"anomaly ads_bad_header", NULL});
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

static void test_probe(void **s)
{
	uint8_t m[128];
	size_t n = ams_build(m, sizeof(m), false, 2, 0,
	                     (const uint8_t *)"\x20\x40\0\0\0\0\0\0\4\0\0\0", 12);

	(void)s;
	assert_int_equal(probe(m, n), MK_PROBE_SURE);
	assert_int_equal(probe(m, 40), MK_PROBE_MAYBE);
	assert_int_equal(probe(m, 20), MK_PROBE_NO);
	m[22] = 10; /* no such command */
	assert_int_equal(probe(m, n), MK_PROBE_NO);
	m[22] = 2;
	m[24] = 0; /* not an ADS command */
	assert_int_equal(probe(m, n), MK_PROBE_NO);
	m[24] = 4;
	m[0] = 0x10; /* router frame */
	assert_int_equal(probe(m, n), MK_PROBE_NO);
	assert_int_equal(probe((const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_requests),  cmocka_unit_test(test_device_info),
	    cmocka_unit_test(test_stream),    cmocka_unit_test(test_oversized),
	    cmocka_unit_test(test_malformed), cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

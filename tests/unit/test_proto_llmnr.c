/* test_proto_llmnr.c - unit tests of the LLMNR plug-in (src/proto/llmnr/llmnr.c).
 *
 * Vectors (UDP payloads):
 *   llmnr_win_ptr   ../shared/captures/office/smb__smb_v2_only_non_zero_reserved1.pcap frame 132
 *                   (a Windows host answering the reverse query for its own address)
 *   llmnr_kw_vlipc  the query of ../shared/captures/profinet/profinet_io_cm_mixed_1.pcap
 *                   frame 202 ("kw-VLIPC" ANY from 192.168.1.1 / fe80::14ea:3851:8243:3893),
 *                   turned into the answer that host gives (A and AAAA of its own addresses)
 * Reference: `tshark -r FILE -O llmnr -Y frame.number==N`.
 */
#include <arpa/inet.h>
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

extern const struct mk_proto mk_proto_llmnr;


static const uint8_t llmnr_win_ptr[] = {
	0x38, 0x05, 0x80, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* header: id 0x3805, flags 0x8000, QD 1, AN 1, NS 0, AR 0 */
	/* question @12: "17.112.31.172.in-addr.arpa" PTR class 0x0001 */
	0x02, 0x31, 0x37, 0x03, 0x31, 0x31, 0x32, 0x02, 0x33, 0x31, 0x03, 0x31,
	0x37, 0x32, 0x07, 0x69, 0x6e, 0x2d, 0x61, 0x64, 0x64, 0x72, 0x04, 0x61,
	0x72, 0x70, 0x61, 0x00, 0x00, 0x0c, 0x00, 0x01,
	/* answer @44: "17.112.31.172.in-addr.arpa" PTR class 0x0001 ttl 30 rdlen 17 "WIN-I82B81NSLLJ" */
	0x02, 0x31, 0x37, 0x03, 0x31, 0x31, 0x32, 0x02, 0x33, 0x31, 0x03, 0x31,
	0x37, 0x32, 0x07, 0x69, 0x6e, 0x2d, 0x61, 0x64, 0x64, 0x72, 0x04, 0x61,
	0x72, 0x70, 0x61, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e,
	0x00, 0x11, 0x0f, 0x57, 0x49, 0x4e, 0x2d, 0x49, 0x38, 0x32, 0x42, 0x38,
	0x31, 0x4e, 0x53, 0x4c, 0x4c, 0x4a, 0x00,
};

static const uint8_t llmnr_kw_vlipc[] = {
	0x36, 0x19, 0x80, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, /* header: id 0x3619, flags 0x8000, QD 1, AN 2, NS 0, AR 0 */
	/* question @12: "kw-VLIPC" ANY class 0x0001 */
	0x08, 0x6b, 0x77, 0x2d, 0x56, 0x4c, 0x49, 0x50, 0x43, 0x00, 0x00, 0xff,
	0x00, 0x01,
	/* answer @26: "kw-VLIPC" A class 0x0001 ttl 30 rdlen 4 192.168.1.1 */
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x04,
	0xc0, 0xa8, 0x01, 0x01,
	/* answer @42: "kw-VLIPC" AAAA class 0x0001 ttl 30 rdlen 16 fe80::14ea:3851:8243:3893 */
	0xc0, 0x0c, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x10,
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0xea, 0x38, 0x51,
	0x82, 0x43, 0x38, 0x93,
};

static const char *const facts_win_ptr[] = {
	"name mac=-,ip=172.31.112.17 WIN-I82B81NSLLJ",
	NULL,
};
static const char *const facts_kw_vlipc[] = {
	"name mac=-,ip=192.168.1.1 kw-VLIPC",
	"name mac=-,ip=fe80::14ea:3851:8243:3893 kw-VLIPC",
	NULL,
};

static void test_responses(void **unused)
{
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_llmnr, NULL, llmnr_win_ptr, sizeof(llmnr_win_ptr),
	                           MK_DIR_TO_CLIENT, &r1, NULL), MK_V_OK);
	rec_expect(&r1, facts_win_ptr);
	assert_int_equal(run_parse(&mk_proto_llmnr, NULL, llmnr_kw_vlipc, sizeof(llmnr_kw_vlipc),
	                           MK_DIR_TO_CLIENT, &r2, NULL), MK_V_OK);
	rec_expect(&r2, facts_kw_vlipc);
}

/* The query itself (frame 202: the first 26 bytes with QR 0, AN 0) and a tentative
 * answer give nothing. */
static void test_no_facts(void **unused)
{
	uint8_t buf[sizeof(llmnr_kw_vlipc)];
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	memcpy(buf, llmnr_kw_vlipc, sizeof(buf));
	buf[2] = 0x00; /* flags 0: query */
	buf[7] = 0x00; /* AN 0 */
	run_parse(&mk_proto_llmnr, NULL, buf, 26, MK_DIR_TO_SERVER, &r1, NULL);
	assert_int_equal(r1.n, 0);
	memcpy(buf, llmnr_kw_vlipc, sizeof(buf));
	buf[2] = 0x81; /* flags 0x8100: QR and T (tentative) */
	run_parse(&mk_proto_llmnr, NULL, buf, sizeof(buf), MK_DIR_TO_CLIENT, &r2, NULL);
	assert_int_equal(r2.n, 0);
}

static void test_malformed(void **unused)
{
	uint8_t buf[sizeof(llmnr_kw_vlipc)];
	static const char *const want_ptr[] = {
		"name mac=-,ip=192.168.1.1 kw-VLIPC",
		"anomaly dns_bad_name_pointer",
		NULL,
	};
	static const char *const want_trunc[] = {
		"name mac=-,ip=192.168.1.1 kw-VLIPC",
		"anomaly dns_truncated",
		NULL,
	};
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	memcpy(buf, llmnr_kw_vlipc, sizeof(buf));
	buf[43] = 42; /* AAAA owner -> @42: itself */
	run_parse(&mk_proto_llmnr, NULL, buf, sizeof(buf), MK_DIR_TO_CLIENT, &r1, NULL);
	rec_expect(&r1, want_ptr);
	memcpy(buf, llmnr_kw_vlipc, sizeof(buf));
	buf[53] = 0x40; /* AAAA rdlength 64: past the datagram */
	run_parse(&mk_proto_llmnr, NULL, buf, sizeof(buf), MK_DIR_TO_CLIENT, &r2, NULL);
	rec_expect(&r2, want_trunc);
}

static void test_probe(void **unused)
{
	uint8_t buf[sizeof(llmnr_kw_vlipc)];
	struct mk_rd rd;

	(void)unused;
	memcpy(buf, llmnr_kw_vlipc, 26); /* the query of frame 202: flags 0, AN 0 */
	buf[2] = 0x00;
	buf[7] = 0x00;
	mk_rd_init(&rd, buf, 26);
	assert_int_equal(mk_proto_llmnr.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, llmnr_win_ptr, sizeof(llmnr_win_ptr));
	assert_int_equal(mk_proto_llmnr.probe(&rd, MK_DIR_TO_CLIENT), MK_PROBE_SURE);
	memcpy(buf, llmnr_kw_vlipc, sizeof(buf));
	buf[5] = 2; /* QDCOUNT 2 */
	mk_rd_init(&rd, buf, sizeof(buf));
	assert_int_equal(mk_proto_llmnr.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, llmnr_kw_vlipc, 20);
	assert_int_equal(mk_proto_llmnr.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
}

static void check_truncations(const uint8_t *msg, size_t len)
{
	struct rec all = {0};

	run_parse(&mk_proto_llmnr, NULL, msg, len, MK_DIR_TO_CLIENT, &all, NULL);
	for (size_t cut = 0; cut < len; cut++) {
		struct rec part = {0};

		assert_int_equal(run_parse(&mk_proto_llmnr, NULL, msg, cut, MK_DIR_TO_CLIENT, &part, NULL), MK_V_OK);
		rec_subset(&part, &all, cut);
	}
}

/* Every prefix: no crash, no fact the whole message does not give. */
static void test_every_truncation(void **unused)
{
	(void)unused;
	check_truncations(llmnr_win_ptr, sizeof(llmnr_win_ptr));
	check_truncations(llmnr_kw_vlipc, sizeof(llmnr_kw_vlipc));
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_int_equal(mk_proto_llmnr.abi, MK_PROTO_ABI);
	assert_string_equal(mk_proto_llmnr.name, "llmnr");
	assert_int_equal(mk_proto_llmnr.id, MK_PROTO_LLMNR);
	assert_int_equal(mk_proto_llmnr.transports, MK_TRANSPORT_UDP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_no_facts),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

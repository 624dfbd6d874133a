/* test_proto_cdp.c - unit tests of the CDP plug-in (src/proto/cdp/cdp.c).
 *
 * Vectors (payload after the LLC/SNAP header aa aa 03 00 00 0c 20 00):
 *   cdp_ns5gt  ../shared/captures/enip/openics__EIP-FirmwareChange.pcap frame 10607
 *              (Cisco CE500 switch "Ns5gt", source MAC 00:1e:f6:73:59:81)
 * Reference: `tshark -r FILE -O cdp -Y frame.number==N`.  The S1 frame of
 * ../shared/captures/office/LLDP_and_CDP.pcap (frame 1, address 0.0.0.0) is in the fuzz corpus.
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

extern const struct mk_proto mk_proto_cdp;


static const uint8_t cdp_ns5gt[] = {
	0x02, 0xb4, 0x0a, 0xb0, /* version 2, TTL 180, checksum 0x0ab0 */
	0x00, 0x01, 0x00, 0x09, 0x4e, 0x73, 0x35, 0x67, 0x74, /* Device ID: type 0x0001 len 9 "Ns5gt" */
	/* Software version: type 0x0005 len 188 "Cisco IOS Software, CE500 Software (CE500-LANBASE-M), Version 12.2(25)SEG4, RELEASE SOFTWARE (fc1)\nCopyright (c) 1986-2007 by Cisco Systems, Inc.\nCompiled Mon 13-Aug-07 17:34 by yenanh" NUL */
	0x00, 0x05, 0x00, 0xbc, 0x43, 0x69, 0x73, 0x63, 0x6f, 0x20, 0x49, 0x4f,
	0x53, 0x20, 0x53, 0x6f, 0x66, 0x74, 0x77, 0x61, 0x72, 0x65, 0x2c, 0x20,
	0x43, 0x45, 0x35, 0x30, 0x30, 0x20, 0x53, 0x6f, 0x66, 0x74, 0x77, 0x61,
	0x72, 0x65, 0x20, 0x28, 0x43, 0x45, 0x35, 0x30, 0x30, 0x2d, 0x4c, 0x41,
	0x4e, 0x42, 0x41, 0x53, 0x45, 0x2d, 0x4d, 0x29, 0x2c, 0x20, 0x56, 0x65,
	0x72, 0x73, 0x69, 0x6f, 0x6e, 0x20, 0x31, 0x32, 0x2e, 0x32, 0x28, 0x32,
	0x35, 0x29, 0x53, 0x45, 0x47, 0x34, 0x2c, 0x20, 0x52, 0x45, 0x4c, 0x45,
	0x41, 0x53, 0x45, 0x20, 0x53, 0x4f, 0x46, 0x54, 0x57, 0x41, 0x52, 0x45,
	0x20, 0x28, 0x66, 0x63, 0x31, 0x29, 0x0a, 0x43, 0x6f, 0x70, 0x79, 0x72,
	0x69, 0x67, 0x68, 0x74, 0x20, 0x28, 0x63, 0x29, 0x20, 0x31, 0x39, 0x38,
	0x36, 0x2d, 0x32, 0x30, 0x30, 0x37, 0x20, 0x62, 0x79, 0x20, 0x43, 0x69,
	0x73, 0x63, 0x6f, 0x20, 0x53, 0x79, 0x73, 0x74, 0x65, 0x6d, 0x73, 0x2c,
	0x20, 0x49, 0x6e, 0x63, 0x2e, 0x0a, 0x43, 0x6f, 0x6d, 0x70, 0x69, 0x6c,
	0x65, 0x64, 0x20, 0x4d, 0x6f, 0x6e, 0x20, 0x31, 0x33, 0x2d, 0x41, 0x75,
	0x67, 0x2d, 0x30, 0x37, 0x20, 0x31, 0x37, 0x3a, 0x33, 0x34, 0x20, 0x62,
	0x79, 0x20, 0x79, 0x65, 0x6e, 0x61, 0x6e, 0x68,
	/* Platform: type 0x0006 len 23 "cisco WS-CE500-24TT" */
	0x00, 0x06, 0x00, 0x17, 0x63, 0x69, 0x73, 0x63, 0x6f, 0x20, 0x57, 0x53,
	0x2d, 0x43, 0x45, 0x35, 0x30, 0x30, 0x2d, 0x32, 0x34, 0x54, 0x54,
	/* Addresses: type 0x0002 len 17, count 1: NLPID (1) len 1 proto 0xcc (IP), address len 4 192.168.10.253 */
	0x00, 0x02, 0x00, 0x11, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0xcc, 0x00,
	0x04, 0xc0, 0xa8, 0x0a, 0xfd,
	/* Port ID: type 0x0003 len 20 "GigabitEthernet1" */
	0x00, 0x03, 0x00, 0x14, 0x47, 0x69, 0x67, 0x61, 0x62, 0x69, 0x74, 0x45,
	0x74, 0x68, 0x65, 0x72, 0x6e, 0x65, 0x74, 0x31,
	0x00, 0x04, 0x00, 0x08, 0x00, 0x00, 0x00, 0x28, /* Capabilities: type 0x0004 len 8, 0x00000028 (switch, IGMP) */
	0x00, 0x09, 0x00, 0x04, /* VTP Management Domain: type 0x0009 len 4 (empty) */
	0x00, 0x0a, 0x00, 0x06, 0x00, 0x03, /* Native VLAN: type 0x000a len 6, VLAN 3 */
	0x00, 0x0b, 0x00, 0x05, 0x01, /* Duplex: type 0x000b len 5, full */
	0x00, 0x12, 0x00, 0x05, 0x00, /* Trust Bitmap: type 0x0012 len 5 */
	0x00, 0x13, 0x00, 0x05, 0x00, /* Untrusted port CoS: type 0x0013 len 5 */
	/* Management Addresses: type 0x0016 len 17, count 1: NLPID IP 192.168.10.253 */
	0x00, 0x16, 0x00, 0x11, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0xcc, 0x00,
	0x04, 0xc0, 0xa8, 0x0a, 0xfd,
	/* Power Available: type 0x001a len 16 */
	0x00, 0x1a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff,
};

static struct mk_pkt pkt_ns5gt = {.has_mac = true, .src_mac = {0x00, 0x1e, 0xf6, 0x73, 0x59, 0x81}};

static const char *const facts_ns5gt[] = {
	"name sender Ns5gt",
	"attr sender cdp_software_version=Cisco IOS Software, CE500 Software (CE500-LANBASE-M), Version "
	"12.2(25)SEG4, RELEASE SOFTWARE (fc1)\nCopyright (c) 1986-2007 by Cisco Systems, Inc.\nCompiled Mon "
	"13-Aug-07 17:34 by yenanh",
	"identity sender vendor=Cisco product=- model=- firmware=12.2(25)SEG4 serial=-",
	"identity sender vendor=Cisco product=WS-CE500-24TT model=- firmware=- serial=-",
	"binding mac=00:1e:f6:73:59:81,ip=192.168.10.253",
	"attr sender cdp_port_id=GigabitEthernet1",
	"role sender switch (80) CDP capabilities: switch",
	"attr sender cdp_native_vlan=3",
	"binding mac=00:1e:f6:73:59:81,ip=192.168.10.253",
	NULL,
};

static void test_cisco_ce500(void **unused)
{
	struct rec r = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_cdp, &pkt_ns5gt, cdp_ns5gt, sizeof(cdp_ns5gt), MK_DIR_TO_SERVER,
	                           &r, NULL), MK_V_OK);
	rec_expect(&r, facts_ns5gt);
}

/* Version 1, a router-phone with an IPv6 address, a non-Cisco platform. */
static const uint8_t cdp_v1_phone[] = {
	0x01, 0xb4, 0x00, 0x00, /* version 1, TTL 180, checksum (not checked) */
	0x00, 0x01, 0x00, 0x13, /* Device ID: len 19 */
	0x53, 0x45, 0x50, 0x30, 0x30, 0x31, 0x31, 0x32, 0x32, 0x33, 0x33, 0x34, 0x34, 0x35, 0x35, /* "SEP001122334455" */
	0x00, 0x06, 0x00, 0x0c, 0x41, 0x63, 0x6d, 0x65, 0x20, 0x50, 0x37, 0x00, /* Platform: "Acme P7" NUL */
	0x00, 0x04, 0x00, 0x08, 0x00, 0x00, 0x00, 0x81, /* Capabilities: router + phone */
	/* Addresses: len 42, count 2: an unknown protocol type 9 (skipped), then 802.2 (2),
	 * protocol length 8, aa aa 03 00 00 00 86 dd, address length 16, 2001:db8::7 */
	0x00, 0x02, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x02,
	0x09, 0x01, 0x00, 0x00, 0x01, 0x01,
	0x02, 0x08, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x86, 0xdd, 0x00, 0x10,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
	0x00, 0x05, 0x00, 0x0b, 0x50, 0x37, 0x2e, 0x30, 0x2e, 0x31, 0x0a, /* Software: "P7.0.1\n" */
	0x00, 0x09, 0x00, 0x08, 0x70, 0x6c, 0x61, 0x6e, /* VTP domain "plan" */
};

static void test_v1_phone_ipv6(void **unused)
{
	static const char *const want[] = {
		"name sender SEP001122334455",
		"identity sender vendor=- product=Acme P7 model=- firmware=- serial=-",
		"role sender router (80) CDP capabilities: router, phone",
		"role sender phone (80) CDP capabilities: router, phone",
		"binding mac=00:11:22:33:44:55,ip=2001:db8::7",
		"attr sender cdp_software_version=P7.0.1",
		"attr sender cdp_vtp_domain=plan",
		NULL,
	};
	struct mk_pkt pkt = {.has_mac = true, .src_mac = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55}};
	struct rec r = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_cdp, &pkt, cdp_v1_phone, sizeof(cdp_v1_phone), MK_DIR_TO_SERVER,
	                           &r, NULL), MK_V_OK);
	rec_expect(&r, want);
}

static void test_bad_version(void **unused)
{
	static const uint8_t msg[] = {0x03, 0xb4, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x53, 0x31};
	static const char *const want[] = {"anomaly cdp_bad_version", NULL};
	struct rec r = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_cdp, &pkt_ns5gt, msg, sizeof(msg), MK_DIR_TO_SERVER, &r, NULL),
	                 MK_V_OK);
	rec_expect(&r, want);
}

static void test_malformed_tlvs(void **unused)
{
	static const uint8_t past_end[] = {
		0x02, 0xb4, 0x00, 0x00,
		0x00, 0x01, 0x00, 0x20, 0x53, 0x31, /* Device ID claiming 32 bytes, 2 present */
	};
	static const uint8_t short_len[] = {
		0x02, 0xb4, 0x00, 0x00,
		0x00, 0x01, 0x00, 0x02, 0x53, 0x31, /* length 2: below the 4-byte header */
	};
	static const uint8_t bad_fixed[] = {
		0x02, 0xb4, 0x00, 0x00,
		0x00, 0x04, 0x00, 0x06, 0x00, 0x28, /* Capabilities of 2 bytes */
		0x00, 0x0a, 0x00, 0x05, 0x03,       /* Native VLAN of 1 byte */
		0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x05, 0x01, 0x01, /* 5 addresses, 2 bytes of one */
		0x00, 0x02, 0x00, 0x06, 0x00, 0x00, /* Addresses TLV without a whole count */
	};
	static const char *const want_past[] = {"anomaly cdp_tlv_truncated", NULL};
	static const char *const want_short[] = {"anomaly cdp_bad_tlv_length", NULL};
	static const char *const want_fixed[] = {
		"anomaly cdp_bad_tlv_length", "anomaly cdp_bad_tlv_length", "anomaly cdp_address_truncated",
		"anomaly cdp_bad_tlv_length", NULL,
	};
	struct rec r1 = {0}, r2 = {0}, r3 = {0};

	(void)unused;
	run_parse(&mk_proto_cdp, &pkt_ns5gt, past_end, sizeof(past_end), MK_DIR_TO_SERVER, &r1, NULL);
	rec_expect(&r1, want_past);
	run_parse(&mk_proto_cdp, &pkt_ns5gt, short_len, sizeof(short_len), MK_DIR_TO_SERVER, &r2, NULL);
	rec_expect(&r2, want_short);
	run_parse(&mk_proto_cdp, &pkt_ns5gt, bad_fixed, sizeof(bad_fixed), MK_DIR_TO_SERVER, &r3, NULL);
	rec_expect(&r3, want_fixed);
}

static void test_too_many_tlvs(void **unused)
{
	uint8_t msg[4 + 4 * 100];
	struct rec r = {0};

	(void)unused;
	memset(msg, 0, sizeof(msg));
	msg[0] = 0x02; /* version 2 */
	for (size_t off = 4; off + 4 <= sizeof(msg); off += 4) {
		msg[off + 1] = 0x99; /* unknown type 0x0099, length 4 (empty) */
		msg[off + 3] = 0x04;
	}
	run_parse(&mk_proto_cdp, &pkt_ns5gt, msg, sizeof(msg), MK_DIR_TO_SERVER, &r, NULL);
	assert_true(rec_has(&r, "anomaly cdp_too_many_tlvs"));
}

static void check_truncations(const struct mk_pkt *pkt, const uint8_t *msg, size_t len)
{
	struct rec all = {0};

	run_parse(&mk_proto_cdp, pkt, msg, len, MK_DIR_TO_SERVER, &all, NULL);
	for (size_t cut = 0; cut < len; cut++) {
		struct rec part = {0};

		run_parse(&mk_proto_cdp, pkt, msg, cut, MK_DIR_TO_SERVER, &part, NULL);
		rec_subset(&part, &all, cut);
	}
}

/* Every prefix: no crash, no fact the whole frame does not give. */
static void test_every_truncation(void **unused)
{
	struct mk_pkt pkt = {.has_mac = true, .src_mac = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55}};

	(void)unused;
	check_truncations(&pkt_ns5gt, cdp_ns5gt, sizeof(cdp_ns5gt));
	check_truncations(&pkt, cdp_v1_phone, sizeof(cdp_v1_phone));
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_int_equal(mk_proto_cdp.abi, MK_PROTO_ABI);
	assert_string_equal(mk_proto_cdp.name, "cdp");
	assert_int_equal(mk_proto_cdp.id, MK_PROTO_CDP);
	assert_int_equal(mk_proto_cdp.transports, MK_TRANSPORT_L2);
	assert_int_equal(mk_proto_cdp.l2[0].snap_oui, 0x00000c);
	assert_int_equal(mk_proto_cdp.l2[0].snap_pid, 0x2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cisco_ce500),
		cmocka_unit_test(test_v1_phone_ipv6),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_malformed_tlvs),
		cmocka_unit_test(test_too_many_tlvs),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_lldp.c - unit tests of the LLDP plug-in (src/proto/lldp/lldp.c).
 *
 * Vectors (payload after the EtherType 0x88cc):
 *   lldp_cisco_s1   ../shared/captures/office/LLDP_and_CDP.pcap frame 4 (Cisco C3560 "S1")
 *   lldp_versamax   ../shared/captures/profinet/profinet_io_cm_mixed_1.pcap frame 38 (GE VersaMax
 *                   PROFINET device with an IPv4 management address)
 * Reference: `tshark -r FILE -O lldp -Y frame.number==N`.
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

extern const struct mk_proto mk_proto_lldp;


static const uint8_t lldp_cisco_s1[] = {
	0x02, 0x07, 0x04, 0x00, 0x18, 0xba, 0x98, 0x68, 0x8f, /* Chassis ID: type 1 len 7, subtype 4 (MAC) 00:18:ba:98:68:8f */
	0x04, 0x07, 0x07, 0x46, 0x61, 0x30, 0x2f, 0x31, 0x33, /* Port ID: type 2 len 7, subtype 7 (local) "Fa0/13" */
	0x06, 0x02, 0x00, 0x78, /* TTL: type 3 len 2, 120 s */
	/* System Name: type 5 len 12 "S1.cisco.com" */
	0x0a, 0x0c, 0x53, 0x31, 0x2e, 0x63, 0x69, 0x73, 0x63, 0x6f, 0x2e, 0x63,
	0x6f, 0x6d,
	/* System Description: type 6 len 190 "Cisco IOS Software, C3560 Software (C3560-ADVIPSERVICESK9-M), Version 12.2(44)SE, RELEASE SOFTWARE (fc1)\nCopyright (c) 1986-2008 by Cisco Systems, Inc.\nCompiled Sat 05-Jan-08 00:15 by weiliu" */
	0x0c, 0xbe, 0x43, 0x69, 0x73, 0x63, 0x6f, 0x20, 0x49, 0x4f, 0x53, 0x20,
	0x53, 0x6f, 0x66, 0x74, 0x77, 0x61, 0x72, 0x65, 0x2c, 0x20, 0x43, 0x33,
	0x35, 0x36, 0x30, 0x20, 0x53, 0x6f, 0x66, 0x74, 0x77, 0x61, 0x72, 0x65,
	0x20, 0x28, 0x43, 0x33, 0x35, 0x36, 0x30, 0x2d, 0x41, 0x44, 0x56, 0x49,
	0x50, 0x53, 0x45, 0x52, 0x56, 0x49, 0x43, 0x45, 0x53, 0x4b, 0x39, 0x2d,
	0x4d, 0x29, 0x2c, 0x20, 0x56, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x20,
	0x31, 0x32, 0x2e, 0x32, 0x28, 0x34, 0x34, 0x29, 0x53, 0x45, 0x2c, 0x20,
	0x52, 0x45, 0x4c, 0x45, 0x41, 0x53, 0x45, 0x20, 0x53, 0x4f, 0x46, 0x54,
	0x57, 0x41, 0x52, 0x45, 0x20, 0x28, 0x66, 0x63, 0x31, 0x29, 0x0a, 0x43,
	0x6f, 0x70, 0x79, 0x72, 0x69, 0x67, 0x68, 0x74, 0x20, 0x28, 0x63, 0x29,
	0x20, 0x31, 0x39, 0x38, 0x36, 0x2d, 0x32, 0x30, 0x30, 0x38, 0x20, 0x62,
	0x79, 0x20, 0x43, 0x69, 0x73, 0x63, 0x6f, 0x20, 0x53, 0x79, 0x73, 0x74,
	0x65, 0x6d, 0x73, 0x2c, 0x20, 0x49, 0x6e, 0x63, 0x2e, 0x0a, 0x43, 0x6f,
	0x6d, 0x70, 0x69, 0x6c, 0x65, 0x64, 0x20, 0x53, 0x61, 0x74, 0x20, 0x30,
	0x35, 0x2d, 0x4a, 0x61, 0x6e, 0x2d, 0x30, 0x38, 0x20, 0x30, 0x30, 0x3a,
	0x31, 0x35, 0x20, 0x62, 0x79, 0x20, 0x77, 0x65, 0x69, 0x6c, 0x69, 0x75,
	/* Port Description: type 4 len 16 "FastEthernet0/13" */
	0x08, 0x10, 0x46, 0x61, 0x73, 0x74, 0x45, 0x74, 0x68, 0x65, 0x72, 0x6e,
	0x65, 0x74, 0x30, 0x2f, 0x31, 0x33,
	0x0e, 0x04, 0x00, 0x14, 0x00, 0x04, /* System Capabilities: type 7 len 4, supported 0x0014 (bridge, router), enabled 0x0004 (bridge) */
	0xfe, 0x06, 0x00, 0x80, 0xc2, 0x01, 0x00, 0x01, /* Org specific: type 127 len 6, OUI 00:80:c2 subtype 1 Port VLAN ID 1 */
	0xfe, 0x09, 0x00, 0x12, 0x0f, 0x01, 0x03, 0x00, 0x36, 0x00, 0x10, /* Org specific: type 127 len 9, OUI 00:12:0f subtype 1 MAC/PHY config */
	0x00, 0x00, /* End of LLDPDU: type 0 len 0 */
};


static const uint8_t lldp_versamax[] = {
	/* Chassis ID: type 1 len 15, subtype 7 (local) "versamax-pns11" (PROFINET NameOfStation) */
	0x02, 0x0f, 0x07, 0x76, 0x65, 0x72, 0x73, 0x61, 0x6d, 0x61, 0x78, 0x2d, 0x70, 0x6e, 0x73, 0x31, 0x31,
	0x04, 0x09, 0x07, 0x70, 0x6f, 0x72, 0x74, 0x2d, 0x30, 0x30, 0x31, /* Port ID: len 9, local "port-001" */
	0x06, 0x02, 0x00, 0x14, /* TTL: 20 s */
	/* Management Address: type 8 len 12, address string length 5, subtype 1 (IPv4)
	 * 192.168.1.2, interface subtype 2 (ifIndex) number 1, OID length 0 */
	0x10, 0x0c, 0x05, 0x01, 0xc0, 0xa8, 0x01, 0x02, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00,
	0xfe, 0x08, 0x00, 0x0e, 0xcf, 0x02, 0x00, 0x00, 0x00, 0x00, /* Org: PNO 00:0e:cf Port Status */
	0xfe, 0x0a, 0x00, 0x0e, 0xcf, 0x05, 0x00, 0x09, 0x91, 0x43, 0xe0, 0x67, /* Org: PNO Chassis MAC */
	0xfe, 0x09, 0x00, 0x12, 0x0f, 0x01, 0x03, 0x6c, 0x00, 0x00, 0x10, /* Org: 802.3 MAC/PHY */
	0x00, 0x00, /* End of LLDPDU */
};

/* The frames' source MACs, as the decoder fills them. */
static struct mk_pkt pkt_s1 = {.has_mac = true, .src_mac = {0x00, 0x18, 0xba, 0x98, 0x68, 0x8f}};
static struct mk_pkt pkt_versamax = {.has_mac = true, .src_mac = {0x00, 0x09, 0x91, 0x43, 0xe0, 0x68}};

static const char *const facts_cisco_s1[] = {
	"attr sender lldp_chassis_id=00:18:ba:98:68:8f",
	"attr sender lldp_port_id=Fa0/13",
	"name sender S1.cisco.com",
	"attr sender lldp_system_description=Cisco IOS Software, C3560 Software (C3560-ADVIPSERVICESK9-M), "
	"Version 12.2(44)SE, RELEASE SOFTWARE (fc1)\nCopyright (c) 1986-2008 by Cisco Systems, Inc.\n"
	"Compiled Sat 05-Jan-08 00:15 by weiliu",
	"identity sender vendor=Cisco product=- model=- firmware=12.2(44)SE serial=-",
	"attr sender lldp_port_description=FastEthernet0/13",
	"role sender switch (80) LLDP system capabilities: bridge",
	NULL,
};

static const char *const facts_versamax[] = {
	"attr sender lldp_chassis_id=versamax-pns11",
	"attr sender lldp_port_id=port-001",
	"binding mac=00:09:91:43:e0:68,ip=192.168.1.2",
	NULL,
};

static void test_cisco_switch(void **unused)
{
	struct rec r = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_lldp, &pkt_s1, lldp_cisco_s1, sizeof(lldp_cisco_s1),
	                           MK_DIR_TO_SERVER, &r, NULL), MK_V_OK);
	rec_expect(&r, facts_cisco_s1);
}

static void test_profinet_mgmt_address(void **unused)
{
	struct rec r = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_lldp, &pkt_versamax, lldp_versamax, sizeof(lldp_versamax),
	                           MK_DIR_TO_SERVER, &r, NULL), MK_V_OK);
	rec_expect(&r, facts_versamax);
}

/* Without a decoded source MAC (no packet) the management address cannot be bound. */
static void test_mgmt_address_needs_mac(void **unused)
{
	struct rec r = {0};

	(void)unused;
	run_parse(&mk_proto_lldp, NULL, lldp_versamax, sizeof(lldp_versamax), MK_DIR_TO_SERVER, &r, NULL);
	assert_int_equal(r.n, 2);
	assert_false(rec_has(&r, "binding mac=00:09:91:43:e0:68,ip=192.168.1.2"));
}

static const uint8_t lldp_phone_router_v6[] = {
	0x02, 0x07, 0x04, 0x00, 0x04, 0x0d, 0x11, 0x22, 0x33, /* Chassis ID: MAC 00:04:0d:11:22:33 */
	0x04, 0x04, 0x05, 0x65, 0x74, 0x31, /* Port ID: subtype 5 (ifName) "et1" */
	0x06, 0x02, 0x00, 0x78, /* TTL 120 */
	0x0a, 0x07, 0x70, 0x68, 0x6f, 0x6e, 0x65, 0x2d, 0x37, /* System Name "phone-7" */
	0x0a, 0x00, /* a second, empty System Name: ignored */
	0x0e, 0x04, 0x00, 0x34, 0x00, 0x30, /* Capabilities: supported 0x34, enabled router + telephone */
	/* Management Address: len 24, string length 17, subtype 2 (IPv6) fe80::204:dff:fe11:2233,
	 * ifIndex 0, OID length 0 */
	0x10, 0x18, 0x11, 0x02, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x04, 0x0d, 0xff, 0xfe, 0x11, 0x22, 0x33, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* Management Address 0.0.0.0 (a switch with no IP): never bound */
	0x10, 0x0c, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, /* End */
	0x0a, 0x03, 0x62, 0x61, 0x64, /* after End: never read */
};

static void test_phone_router_ipv6(void **unused)
{
	static const char *const want[] = {
		"attr sender lldp_chassis_id=00:04:0d:11:22:33",
		"attr sender lldp_port_id=et1",
		"name sender phone-7",
		"role sender router (80) LLDP system capabilities: router, telephone",
		"role sender phone (80) LLDP system capabilities: router, telephone",
		"binding mac=00:04:0d:11:22:33,ip=fe80::204:dff:fe11:2233",
		NULL,
	};
	struct mk_pkt pkt = {.has_mac = true, .src_mac = {0x00, 0x04, 0x0d, 0x11, 0x22, 0x33}};
	struct rec r = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_lldp, &pkt, lldp_phone_router_v6, sizeof(lldp_phone_router_v6),
	                           MK_DIR_TO_SERVER, &r, NULL), MK_V_OK);
	rec_expect(&r, want);
}

static void test_tlv_past_end(void **unused)
{
	static const uint8_t msg[] = {
		0x02, 0x07, 0x04, 0x00, 0x18, 0xba, 0x98, 0x68, 0x8f, /* Chassis ID */
		0x04, 0x07, 0x07, 0x46, 0x61, 0x30, 0x2f, 0x31, 0x33, /* Port ID "Fa0/13" */
		0x06, 0x02, 0x00, 0x78, /* TTL */
		0x0b, 0xff, 0x53, 0x31, /* System Name claiming 511 bytes, 2 present */
	};
	static const char *const want[] = {
		"attr sender lldp_chassis_id=00:18:ba:98:68:8f",
		"attr sender lldp_port_id=Fa0/13",
		"anomaly lldp_tlv_truncated",
		NULL,
	};
	struct rec r = {0};

	(void)unused;
	run_parse(&mk_proto_lldp, &pkt_s1, msg, sizeof(msg), MK_DIR_TO_SERVER, &r, NULL);
	rec_expect(&r, want);
}

static void test_missing_mandatory(void **unused)
{
	static const uint8_t msg[] = {
		0x0a, 0x02, 0x53, 0x31, /* System Name first: not an LLDPDU */
		0x00, 0x00,
	};
	static const char *const want[] = {"anomaly lldp_missing_mandatory", NULL};
	struct rec r = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_lldp, &pkt_s1, msg, sizeof(msg), MK_DIR_TO_SERVER, &r, NULL),
	                 MK_V_OK);
	rec_expect(&r, want);
}

static void test_bad_lengths(void **unused)
{
	static const uint8_t msg[] = {
		0x02, 0x04, 0x04, 0x00, 0x18, 0xba, /* Chassis ID: MAC subtype with 3 bytes */
		0x04, 0x01, 0x07, /* Port ID: subtype only, no id */
		0x06, 0x01, 0x00, /* TTL of 1 byte */
		0x0e, 0x03, 0x00, 0x14, 0x00, /* Capabilities of 3 bytes */
		0x10, 0x02, 0x09, 0x01, /* Management Address: string length 9, 0 bytes left */
		0x00, 0x00,
	};
	static const char *const want[] = {
		"anomaly lldp_bad_tlv_length", "anomaly lldp_bad_tlv_length", "anomaly lldp_bad_tlv_length",
		"anomaly lldp_bad_tlv_length", "anomaly lldp_bad_tlv_length", NULL,
	};
	struct rec r = {0};

	(void)unused;
	run_parse(&mk_proto_lldp, &pkt_s1, msg, sizeof(msg), MK_DIR_TO_SERVER, &r, NULL);
	rec_expect(&r, want);
}

static void test_too_many_tlvs(void **unused)
{
	uint8_t msg[22 + 2 * 100];
	size_t off = 0;
	struct rec r = {0};

	(void)unused;
	memcpy(msg, lldp_cisco_s1, 22); /* Chassis ID, Port ID, TTL of frame 4 */
	off = 22;
	while (off + 2 <= sizeof(msg)) {
		msg[off++] = 0x08; /* Port Description, length 0 */
		msg[off++] = 0x00;
	}
	run_parse(&mk_proto_lldp, &pkt_s1, msg, off, MK_DIR_TO_SERVER, &r, NULL);
	assert_true(rec_has(&r, "anomaly lldp_too_many_tlvs"));
}

/* Every prefix of a valid LLDPDU: no crash, and no fact the whole frame does not give
 * (a System Name cut short is never emitted). */
static void check_truncations(const struct mk_pkt *pkt, const uint8_t *msg, size_t len)
{
	struct rec all = {0};

	run_parse(&mk_proto_lldp, pkt, msg, len, MK_DIR_TO_SERVER, &all, NULL);
	for (size_t cut = 0; cut < len; cut++) {
		struct rec part = {0};

		run_parse(&mk_proto_lldp, pkt, msg, cut, MK_DIR_TO_SERVER, &part, NULL);
		rec_subset(&part, &all, cut);
	}
}

static void test_every_truncation(void **unused)
{
	(void)unused;
	check_truncations(&pkt_s1, lldp_cisco_s1, sizeof(lldp_cisco_s1));
	check_truncations(&pkt_versamax, lldp_versamax, sizeof(lldp_versamax));
	check_truncations(&pkt_s1, lldp_phone_router_v6, sizeof(lldp_phone_router_v6));
}

/* The descriptor is what the registry validates at start-up. */
static void test_descriptor(void **unused)
{
	(void)unused;
	assert_int_equal(mk_proto_lldp.abi, MK_PROTO_ABI);
	assert_string_equal(mk_proto_lldp.name, "lldp");
	assert_int_equal(mk_proto_lldp.id, MK_PROTO_LLDP);
	assert_int_equal(mk_proto_lldp.transports, MK_TRANSPORT_L2);
	assert_int_equal(mk_proto_lldp.l2[0].ethertype, 0x88cc);
	assert_int_equal(mk_proto_lldp.l2[1].ethertype, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cisco_switch),
		cmocka_unit_test(test_profinet_mgmt_address),
		cmocka_unit_test(test_mgmt_address_needs_mac),
		cmocka_unit_test(test_phone_router_ipv6),
		cmocka_unit_test(test_tlv_past_end),
		cmocka_unit_test(test_missing_mandatory),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_too_many_tlvs),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

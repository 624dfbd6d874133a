/* test_proto_profinet_dcp.c - unit tests of the PROFINET DCP plug-in
 * (src/proto/profinet_dcp/profinet_dcp.c).
 *
 * Vectors are frame payloads after EtherType 0x8892 (FrameID first), Ethernet
 * padding included, from real captures under ../shared/captures/profinet/ (file,
 * frame and MACs above each array; fields as `tshark -O pn_dcp` shows them), and
 * synthetic frames built from IEC 61158-6-10 4.3.1 (DCP APDU: FrameID, ServiceID,
 * ServiceType, Xid, ResponseDelay, DCPDataLength, blocks of Option, Suboption,
 * DCPBlockLength, BlockInfo/BlockQualifier, value, padded to even length).
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

extern const struct mk_proto mk_proto_profinet_dcp;
#define P (&mk_proto_profinet_dcp)

/* profinet__PROFINET-RT-DCP__ChangeIPUsingDCP.pcap frame 1: 00:0c:29:ba:09:ea -> 08:00:06:93:cf:32 */
static const uint8_t dcp_ident_all[] = {
	0xfe, 0xfe, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x04, 0xff, 0xff, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* profinet__PROFINET-RT-DCP__ChangeIPUsingDCP.pcap frame 2: 08:00:06:93:cf:32 -> 00:0c:29:ba:09:ea */
static const uint8_t dcp_ident_ok_x208[] = {
	0xfe, 0xff, 0x05, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x5e, 0x02, 0x05, 0x00, 0x1c,
	0x00, 0x00, 0x01, 0x01, 0x01, 0x02, 0x02, 0x01, 0x02, 0x02, 0x02, 0x03, 0x02, 0x04, 0x02, 0x05,
	0x03, 0x3d, 0x05, 0x01, 0x05, 0x02, 0x05, 0x03, 0x05, 0x04, 0xff, 0xff, 0x02, 0x01, 0x00, 0x05,
	0x00, 0x00, 0x49, 0x4e, 0x43, 0x00, 0x02, 0x02, 0x00, 0x0b, 0x00, 0x00, 0x58, 0x32, 0x30, 0x38,
	0x2d, 0x42, 0x4f, 0x52, 0x44, 0x00, 0x02, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x2a, 0x0a, 0x01,
	0x02, 0x04, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x01, 0x02, 0x00, 0x0e, 0x00, 0x01, 0xc0, 0xa8,
	0x00, 0x06, 0xff, 0xff, 0xff, 0x00, 0xc0, 0xa8, 0x00, 0x01,
};
/* profinet__PROFINET-RT-DCP__ChangeIPUsingDCP.pcap frame 3: 00:0c:29:ba:09:ea -> 08:00:06:93:cf:32 */
static const uint8_t dcp_set_ip[] = {
	0xfe, 0xfd, 0x04, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x12, 0x01, 0x02, 0x00, 0x0e,
	0x00, 0x01, 0xc0, 0xa8, 0x00, 0x0a, 0xff, 0xff, 0xff, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* profinet__PROFINET-RT-DCP__ChangeIPUsingDCP.pcap frame 4: 08:00:06:93:cf:32 -> 00:0c:29:ba:09:ea */
static const uint8_t dcp_set_ok[] = {
	0xfe, 0xfd, 0x04, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x05, 0x04, 0x00, 0x03,
	0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* profinet__PROFINET-RT-DCP__PROFINET-RT.pcap frame 1: 00:1b:1b:02:9a:c3 -> 01:0e:cf:00:00:00 */
static const uint8_t dcp_ident_name[] = {
	0xfe, 0xfe, 0x05, 0x00, 0x03, 0x00, 0xbf, 0x9a, 0x00, 0x01, 0x00, 0x0c, 0x02, 0x02, 0x00, 0x07,
	0x73, 0x77, 0x69, 0x74, 0x63, 0x68, 0x33, 0x00, 0x69, 0x65, 0x6d, 0x65, 0x6e, 0x73, 0x2c, 0x20,
	0x53, 0x49, 0x4d, 0x41, 0x54, 0x49, 0x00, 0x00, 0x00, 0x00,
};
/* profinet_io_cm_mixed_1.pcap frame 466: 00:09:91:43:e0:67 -> 00:a0:45:6d:d3:43 */
static const uint8_t dcp_ident_ok_versamax[] = {
	0xfe, 0xff, 0x05, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x64, 0x02, 0x02, 0x00, 0x10,
	0x00, 0x00, 0x76, 0x65, 0x72, 0x73, 0x61, 0x6d, 0x61, 0x78, 0x2d, 0x70, 0x6e, 0x73, 0x31, 0x31,
	0x02, 0x05, 0x00, 0x0e, 0x00, 0x00, 0x01, 0x02, 0x02, 0x01, 0x02, 0x02, 0x02, 0x03, 0x02, 0x04,
	0x06, 0x01, 0x02, 0x01, 0x00, 0x0d, 0x00, 0x00, 0x49, 0x43, 0x32, 0x30, 0x30, 0x50, 0x4e, 0x53,
	0x30, 0x30, 0x31, 0x00, 0x02, 0x03, 0x00, 0x06, 0x00, 0x00, 0x01, 0x5a, 0x00, 0x03, 0x02, 0x04,
	0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x01, 0x02, 0x00, 0x0e, 0x00, 0x01, 0xc0, 0xa8, 0x01, 0x02,
	0xff, 0xff, 0xff, 0x00, 0xc0, 0xa8, 0x01, 0x02, 0x06, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
};
/* profinet_io_cm_mixed_1.pcap frame 495: 00:a0:45:6d:d3:43 -> 00:09:91:43:e0:67 */
static const uint8_t dcp_cyclic_c000[] = {
	0xc0, 0x00, 0x80, 0x00, 0x00, 0x80, 0x80, 0x80, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x80, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0xe0, 0x35, 0x00,
};

/* Set request, NameOfStation "plc-1" (IEC 61158-6-10 4.3.1.3.4): FrameID 0xfefd,
 * Set(4) Request(0), Xid 2, reserved, DCPDataLength 12; block 02/02 len 7,
 * BlockQualifier 0x0001 (permanent), "plc-1", padding. */
static const uint8_t dcp_set_name[] = {
	0xfe, 0xfd, 0x04, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0c,
	0x02, 0x02, 0x00, 0x07, 0x00, 0x01, 'p', 'l', 'c', '-', '1', 0x00,
};

/* Set request, Control/Reset to Factory (05/06) with BlockQualifier 0x0002
 * (reset mode), inside Start/End Transaction (05/01, 05/02). */
static const uint8_t dcp_factory_reset[] = {
	0xfe, 0xfd, 0x04, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x12,
	0x05, 0x01, 0x00, 0x02, 0x00, 0x00, /* Start Transaction */
	0x05, 0x06, 0x00, 0x02, 0x00, 0x02, /* Reset to Factory */
	0x05, 0x02, 0x00, 0x02, 0x00, 0x00, /* End Transaction */
};

/* Set request, Control/Signal (05/03): flash the station's LED. */
static const uint8_t dcp_signal[] = {
	0xfe, 0xfd, 0x04, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x08,
	0x05, 0x03, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00,
};

/* Get request for NameOfStation and IP (options listed without blocks). */
static const uint8_t dcp_get[] = {
	0xfe, 0xfd, 0x03, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x04,
	0x02, 0x02, 0x01, 0x02,
};

/* Hello request of an IO-Controller: FrameID 0xfefc, Hello(6) Request(0);
 * NameOfStation "ctrl", Device Role 0x02 (IO-Controller), IP 10.0.0.5/255.0.0.0 gw 0.0.0.0. */
static const uint8_t dcp_hello_controller[] = {
	0xfe, 0xfc, 0x06, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x24,
	0x02, 0x02, 0x00, 0x06, 0x00, 0x00, 'c', 't', 'r', 'l',
	0x02, 0x04, 0x00, 0x04, 0x00, 0x00, 0x02, 0x00,
	0x01, 0x02, 0x00, 0x0e, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x05, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Identify response of a PN-Supervisor with IO-Device (role 0x09). */
static const uint8_t dcp_ident_supervisor[] = {
	0xfe, 0xff, 0x05, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08,
	0x02, 0x04, 0x00, 0x04, 0x00, 0x00, 0x09, 0x00,
};

/* The senders' MACs, as the decoder fills them. */
static struct mk_pkt pkt_x208 = {.has_mac = true, .src_mac = {0x08, 0x00, 0x06, 0x93, 0xcf, 0x32}};
static struct mk_pkt pkt_versamax = {.has_mac = true, .src_mac = {0x00, 0x09, 0x91, 0x43, 0xe0, 0x67}};
static struct mk_pkt pkt_vmware = {.has_mac = true, .src_mac = {0x00, 0x0c, 0x29, 0xba, 0x09, 0xea}};
static struct mk_pkt pkt_ctrl = {.has_mac = true, .src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

static void dump(const struct rec *r)
{
	if (getenv("REC_DUMP") == NULL)
		return;
	for (int i = 0; i < r->n; i++)
		fprintf(stderr, "\t\t\"%s\",\n", r->line[i]);
}

static void expect(const struct mk_pkt *pkt, const uint8_t *msg, size_t len, const char *const *want)
{
	struct rec r = {0};

	assert_int_equal(run_parse(P, pkt, msg, len, MK_DIR_TO_SERVER, &r, NULL), MK_V_OK);
	dump(&r);
	rec_expect(&r, want);
}

static void test_identify_all(void **unused)
{
	static const char *const want[] = {"operation diagnostic dcp_identify", NULL};

	(void)unused;
	expect(&pkt_vmware, dcp_ident_all, sizeof(dcp_ident_all), want);
}

/* The filter names the station looked for, not the sender: no name fact. */
static void test_identify_by_name(void **unused)
{
	static const char *const want[] = {"operation diagnostic dcp_identify", NULL};

	(void)unused;
	expect(NULL, dcp_ident_name, sizeof(dcp_ident_name), want);
}

static void test_identify_response_x208(void **unused)
{
	static const char *const want[] = {
		"attr sender profinet_type_of_station=INC",
		"name sender X208-BORD",
		"attr sender profinet_device_id=vendor 0x002a device 0x0a01",
		"attr sender profinet_device_role=IO-Device",
		"attr sender profinet_ip_suite=192.168.0.6/255.255.255.0 gw 192.168.0.1",
		"binding mac=08:00:06:93:cf:32,ip=192.168.0.6",
		"identity sender vendor=- product=INC model=vendor 0x002a device 0x0a01 firmware=- serial=-",
		NULL,
	};

	(void)unused;
	expect(&pkt_x208, dcp_ident_ok_x208, sizeof(dcp_ident_ok_x208), want);
}

static void test_identify_response_versamax(void **unused)
{
	static const char *const want[] = {
		"name sender versamax-pns11",
		"attr sender profinet_type_of_station=IC200PNS001",
		"attr sender profinet_device_id=vendor 0x015a device 0x0003",
		"attr sender profinet_device_role=IO-Device",
		"attr sender profinet_ip_suite=192.168.1.2/255.255.255.0 gw 192.168.1.2",
		"binding mac=00:09:91:43:e0:67,ip=192.168.1.2",
		"identity sender vendor=- product=IC200PNS001 model=vendor 0x015a device 0x0003 firmware=- serial=-",
		NULL,
	};

	(void)unused;
	expect(&pkt_versamax, dcp_ident_ok_versamax, sizeof(dcp_ident_ok_versamax), want);
}

/* Without the frame's MAC (unit tests, fuzzing) no binding can be made. */
static void test_no_mac_no_binding(void **unused)
{
	struct rec r = {0};

	(void)unused;
	assert_int_equal(run_parse(P, NULL, dcp_ident_ok_x208, sizeof(dcp_ident_ok_x208), MK_DIR_TO_CLIENT, &r,
	                           NULL),
	                 MK_V_OK);
	for (int i = 0; i < r.n; i++)
		assert_true(strncmp(r.line[i], "binding", 7) != 0);
}

static void test_set_ip(void **unused)
{
	static const char *const want[] = {"operation control dcp_set_ip", "anomaly profinet_dcp_set", NULL};
	static const char *const want_ok[] = {NULL}; /* Set response: Control/Response block only */

	(void)unused;
	expect(&pkt_vmware, dcp_set_ip, sizeof(dcp_set_ip), want);
	expect(&pkt_x208, dcp_set_ok, sizeof(dcp_set_ok), want_ok);
}

static void test_set_name_reset_signal(void **unused)
{
	static const char *const want_name[] = {"operation control dcp_set_name", "anomaly profinet_dcp_set", NULL};
	static const char *const want_reset[] = {
		"operation control dcp_factory_reset",
		"anomaly profinet_dcp_factory_reset",
		NULL,
	};
	static const char *const want_signal[] = {"operation control dcp_signal", NULL};

	(void)unused;
	expect(&pkt_vmware, dcp_set_name, sizeof(dcp_set_name), want_name);
	expect(&pkt_vmware, dcp_factory_reset, sizeof(dcp_factory_reset), want_reset);
	expect(&pkt_vmware, dcp_signal, sizeof(dcp_signal), want_signal);
}

static void test_get(void **unused)
{
	static const char *const want[] = {"operation read dcp_get", NULL};

	(void)unused;
	expect(&pkt_vmware, dcp_get, sizeof(dcp_get), want);
}

static void test_hello_controller(void **unused)
{
	static const char *const want[] = {
		"operation other dcp_hello",
		"name sender ctrl",
		"attr sender profinet_device_role=IO-Controller",
		"role sender plc (80) PROFINET IO-Controller (DCP)",
		"attr sender profinet_ip_suite=10.0.0.5/255.0.0.0 gw 0.0.0.0",
		"binding mac=02:00:00:00:00:01,ip=10.0.0.5",
		NULL,
	};

	(void)unused;
	expect(&pkt_ctrl, dcp_hello_controller, sizeof(dcp_hello_controller), want);
}

static void test_supervisor(void **unused)
{
	static const char *const want[] = {
		"attr sender profinet_device_role=IO-Device,PN-Supervisor",
		"role sender engineering_workstation (60) PROFINET IO-Supervisor (DCP)",
		NULL,
	};

	(void)unused;
	expect(&pkt_ctrl, dcp_ident_supervisor, sizeof(dcp_ident_supervisor), want);
}

/* Cyclic data, alarms and PTCP share the EtherType: ignored silently. */
static void test_other_rt_frames(void **unused)
{
	static const char *const none[] = {NULL};
	static const uint8_t ptcp[] = {0xff, 0x40, 0x00, 0x00}; /* PTCP (FrameID 0xff40), cut */
	static const uint8_t alarm[] = {0xfe, 0x01, 0x00, 0x00}; /* RTA alarm low (0xfe01), cut */

	(void)unused;
	expect(&pkt_versamax, dcp_cyclic_c000, sizeof(dcp_cyclic_c000), none);
	expect(NULL, ptcp, sizeof(ptcp), none);
	expect(NULL, alarm, sizeof(alarm), none);
	expect(NULL, ptcp, 1, none);
}

/* The probe keeps cyclic data, alarms and PTCP out of the DCP label. */
static void test_probe(void **unused)
{
	static const uint8_t ptcp[] = {0xff, 0x40, 0x00, 0x00};
	static const uint8_t ids[4][2] = {{0xfe, 0xfc}, {0xfe, 0xfd}, {0xfe, 0xfe}, {0xfe, 0xff}};
	struct mk_rd rd;

	(void)unused;
	assert_non_null(P->probe);
	for (int i = 0; i < 4; i++) {
		mk_rd_init(&rd, ids[i], 2);
		assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	}
	mk_rd_init(&rd, dcp_cyclic_c000, sizeof(dcp_cyclic_c000));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, ptcp, sizeof(ptcp));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, ptcp, 1);
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
}

/* ---- malformed ---- */

static void test_truncated(void **unused)
{
	static const char *const want[] = {"anomaly profinet_dcp_truncated", NULL};
	uint8_t msg[sizeof(dcp_ident_ok_x208)];

	(void)unused;
	expect(NULL, dcp_ident_ok_x208, 8, want); /* header cut */
	memcpy(msg, dcp_ident_ok_x208, sizeof(msg));
	msg[10] = 0x01; /* DCPDataLength 0x015e past the frame */
	expect(NULL, msg, sizeof(msg), want);
}

static void test_block_past_data(void **unused)
{
	/* The IP block before the cut one still counts. */
	static const char *const want[] = {"anomaly profinet_dcp_truncated", "operation control dcp_set_ip",
	                                   "anomaly profinet_dcp_set", NULL};
	uint8_t msg[sizeof(dcp_set_ip)];

	(void)unused;
	memcpy(msg, dcp_set_ip, sizeof(msg));
	msg[11] = 0x16; /* DCPDataLength 22: 4 bytes of a second block header... */
	msg[30] = 0x02; /* ...Device/NameOfStation with length 0x2000 */
	msg[31] = 0x02;
	msg[32] = 0x20;
	expect(NULL, msg, sizeof(msg), want);
}

static void test_bad_service(void **unused)
{
	static const char *const want[] = {"anomaly profinet_dcp_bad_service", NULL};
	uint8_t msg[sizeof(dcp_ident_all)];

	(void)unused;
	memcpy(msg, dcp_ident_all, sizeof(msg));
	msg[2] = 0x04; /* Set on the Identify FrameID */
	expect(NULL, msg, sizeof(msg), want);
	memcpy(msg, dcp_ident_all, sizeof(msg));
	msg[3] = 0x01; /* a response on the Identify request FrameID */
	expect(NULL, msg, sizeof(msg), want);
}

static void test_too_many_blocks(void **unused)
{
	static const char *const want[] = {"anomaly profinet_dcp_too_many_blocks", NULL};
	uint8_t msg[12 + 4 * 40] = {0xfe, 0xff, 0x05, 0x01, 0, 0, 0, 1, 0, 0, 0, 4 * 40};

	(void)unused;
	for (int i = 0; i < 40; i++) {
		msg[12 + 4 * i] = 0x04; /* reserved option, empty block */
		msg[12 + 4 * i + 1] = 0x01;
	}
	expect(NULL, msg, sizeof(msg), want);
}

/* ---- every truncation ---- */

static void check_truncations(const struct mk_pkt *pkt, const uint8_t *msg, size_t len)
{
	struct rec all = {0};

	assert_int_equal(run_parse(P, pkt, msg, len, MK_DIR_TO_SERVER, &all, NULL), MK_V_OK);
	for (size_t cut = 0; cut < len; cut++) {
		struct rec part = {0};

		assert_int_equal(run_parse(P, pkt, msg, cut, MK_DIR_TO_SERVER, &part, NULL), MK_V_OK);
		rec_subset(&part, &all, cut);
	}
}

static void test_every_truncation(void **unused)
{
	(void)unused;
	check_truncations(&pkt_vmware, dcp_ident_all, sizeof(dcp_ident_all));
	check_truncations(&pkt_x208, dcp_ident_ok_x208, sizeof(dcp_ident_ok_x208));
	check_truncations(&pkt_vmware, dcp_set_ip, sizeof(dcp_set_ip));
	check_truncations(&pkt_x208, dcp_set_ok, sizeof(dcp_set_ok));
	check_truncations(NULL, dcp_ident_name, sizeof(dcp_ident_name));
	check_truncations(&pkt_versamax, dcp_ident_ok_versamax, sizeof(dcp_ident_ok_versamax));
	check_truncations(&pkt_versamax, dcp_cyclic_c000, sizeof(dcp_cyclic_c000));
	check_truncations(&pkt_vmware, dcp_set_name, sizeof(dcp_set_name));
	check_truncations(&pkt_vmware, dcp_factory_reset, sizeof(dcp_factory_reset));
	check_truncations(&pkt_vmware, dcp_signal, sizeof(dcp_signal));
	check_truncations(&pkt_vmware, dcp_get, sizeof(dcp_get));
	check_truncations(&pkt_ctrl, dcp_hello_controller, sizeof(dcp_hello_controller));
	check_truncations(&pkt_ctrl, dcp_ident_supervisor, sizeof(dcp_ident_supervisor));
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_string_equal(P->name, "profinet_dcp");
	assert_string_equal(mk_proto_id_name(P->id), "profinet_dcp");
	assert_int_equal(P->transports, MK_TRANSPORT_L2);
	assert_non_null(P->l2);
	assert_int_equal(P->l2[0].ethertype, 0x8892);
	assert_int_equal(P->l2[1].ethertype, 0);
	assert_int_equal(P->state_size, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identify_all),
		cmocka_unit_test(test_identify_by_name),
		cmocka_unit_test(test_identify_response_x208),
		cmocka_unit_test(test_identify_response_versamax),
		cmocka_unit_test(test_no_mac_no_binding),
		cmocka_unit_test(test_set_ip),
		cmocka_unit_test(test_set_name_reset_signal),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_hello_controller),
		cmocka_unit_test(test_supervisor),
		cmocka_unit_test(test_other_rt_frames),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_block_past_data),
		cmocka_unit_test(test_bad_service),
		cmocka_unit_test(test_too_many_blocks),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

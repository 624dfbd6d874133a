/* test_proto_bacnet.c - unit tests of the BACnet/IP plug-in (src/proto/bacnet/).
 *
 * Vectors (UDP payloads, BVLC header first), from ../shared/captures/bacnet/:
 *   T<n>  BACnet__bacnet_test.pcap frame n (a JCI NAE answering ReadProperty)
 *   E<n>  bacnet_error_reject_abort.pcap frame n
 *   S<n>  bacnet_services.pcap frame n
 * and a few built from the specification (ASHRAE 135-2016), marked "spec".
 * Reference: `tshark -r FILE -O bvlc,bacnet,bacapp -Y frame.number==N`.
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

extern const struct mk_proto mk_proto_bacnet;

/* T3: ReadProperty request device,4194303 object-identifier (75). */
static const uint8_t t3_rp_req[] = {
	0x81, 0x0a, 0x00, 0x11, /* BVLC: BACnet/IP, Original-Unicast-NPDU, length 17 */
	0x01, 0x04, /* NPDU: version 1, control: expecting reply */
	0x00, 0x05, 0x01, 0x0c, /* APDU: Confirmed-REQ, max 1476, invoke 1, readProperty (12) */
	0x0c, 0x02, 0x3f, 0xff, 0xff, /* [0] objectIdentifier device,4194303 */
	0x19, 0x4b, /* [1] propertyIdentifier 75 */
};
/* T4: ReadProperty-ACK object-identifier = device,500. */
static const uint8_t t4_rp_ack_objid[] = {
	0x81, 0x0a, 0x00, 0x17, /* BVLC, length 23 */
	0x01, 0x00, /* NPDU */
	0x30, 0x01, 0x0c, /* Complex-ACK, invoke 1, readProperty */
	0x0c, 0x02, 0x3f, 0xff, 0xff, /* [0] device,4194303 */
	0x19, 0x4b, /* [1] object-identifier */
	0x3e, /* [3] { */
	0xc4, 0x02, 0x00, 0x01, 0xf4, /* ObjectIdentifier device,500 */
	0x3f, /* } */
};
/* T6: ReadProperty-ACK vendor-identifier = 5. */
static const uint8_t t6_rp_ack_vendor_id[] = {
	0x81, 0x0a, 0x00, 0x14, 0x01, 0x00, 0x30, 0x01, 0x0c, 0x0c, 0x02, 0x3f, 0xff, 0xff,
	0x19, 0x78, /* [1] vendor-identifier (120) */
	0x3e, 0x21, 0x05, 0x3f, /* [3] { Unsigned 5 } */
};
/* T8: ReadProperty-ACK vendor-name = "JCI" in UCS-2. */
static const uint8_t t8_rp_ack_vendor_name[] = {
	0x81, 0x0a, 0x00, 0x1b, 0x01, 0x00, 0x30, 0x01, 0x0c, 0x0c, 0x02, 0x3f, 0xff, 0xff,
	0x19, 0x79, /* [1] vendor-name (121) */
	0x3e, /* [3] { */
	0x75, 0x07, 0x04, 0x00, 0x4a, 0x00, 0x43, 0x00, 0x49, /* CharacterString, 7 octets, UCS-2 "JCI" */
	0x3f,
};
/* T10: ReadProperty-ACK firmware-revision = "5.1.0.4400" in UCS-2. */
static const uint8_t t10_rp_ack_firmware[] = {
	0x81, 0x0a, 0x00, 0x29, 0x01, 0x00, 0x30, 0x01, 0x0c, 0x0c, 0x02, 0x3f, 0xff, 0xff,
	0x19, 0x2c, /* [1] firmware-revision (44) */
	0x3e, 0x75, 0x15, 0x04, /* [3] { CharacterString, 21 octets, UCS-2 */
	0x00, 0x35, 0x00, 0x2e, 0x00, 0x31, 0x00, 0x2e, 0x00, 0x30, 0x00, 0x2e, 0x00, 0x34, 0x00, 0x34,
	0x00, 0x30, 0x00, 0x30, /* "5.1.0.4400" */
	0x3f,
};
/* T16: ReadProperty-ACK model-name = "MS-NAE4510-2" in UCS-2. */
static const uint8_t t16_rp_ack_model[] = {
	0x81, 0x0a, 0x00, 0x2d, 0x01, 0x00, 0x30, 0x01, 0x0c, 0x0c, 0x02, 0x3f, 0xff, 0xff,
	0x19, 0x46, /* [1] model-name (70) */
	0x3e, 0x75, 0x19, 0x04, /* [3] { CharacterString, 25 octets, UCS-2 */
	0x00, 0x4d, 0x00, 0x53, 0x00, 0x2d, 0x00, 0x4e, 0x00, 0x41, 0x00, 0x45, 0x00, 0x34, 0x00, 0x35,
	0x00, 0x31, 0x00, 0x30, 0x00, 0x2d, 0x00, 0x32, /* "MS-NAE4510-2" */
	0x3f,
};
/* T21: Read-Broadcast-Distribution-Table. */
static const uint8_t t21_read_bdt[] = {0x81, 0x02, 0x00, 0x04};
/* T25: Register-Foreign-Device, TTL 16 s. */
static const uint8_t t25_register_fd[] = {0x81, 0x05, 0x00, 0x06, 0x00, 0x10};
/* T26: BVLC-Result 0x0030, Register-Foreign-Device NAK. */
static const uint8_t t26_result_nak[] = {0x81, 0x00, 0x00, 0x06, 0x00, 0x30};

/* S299: I-Am broadcast, device,4194303, max APDU 480, no segmentation, vendor 24. */
static const uint8_t s299_i_am[] = {
	0x81, 0x0b, 0x00, 0x14, /* BVLC: Original-Broadcast-NPDU, length 20 */
	0x01, 0x00, /* NPDU */
	0x10, 0x00, /* Unconfirmed-REQ i-Am */
	0xc4, 0x02, 0x3f, 0xff, 0xff, /* ObjectIdentifier device,4194303 */
	0x22, 0x01, 0xe0, /* Unsigned 480 */
	0x91, 0x03, /* Enumerated 3: no-segmentation */
	0x21, 0x18, /* Unsigned 24: vendor id */
};
/* S287: I-Am of device,108 routed from network 3 (MS/TP address 0x6c). */
static const uint8_t s287_i_am_routed[] = {
	0x81, 0x0b, 0x00, 0x1c,
	0x01, 0x28, /* NPDU: DNET and SNET present */
	0xff, 0xff, 0x00, /* DNET 65535 (global broadcast), DLEN 0 */
	0x00, 0x03, 0x01, 0x6c, /* SNET 3, SLEN 1, SADR 0x6c */
	0xfe, /* hop count */
	0x10, 0x00, 0xc4, 0x02, 0x00, 0x00, 0x6c, 0x22, 0x01, 0xe0, 0x91, 0x00, 0x21, 0x2a,
};
/* S283: Who-Is 108-108, routed to all networks. */
static const uint8_t s283_who_is[] = {
	0x81, 0x0b, 0x00, 0x10, 0x01, 0x20, 0xff, 0xff, 0x00, 0xff, /* NPDU: DNET 65535, hop 255 */
	0x10, 0x08, /* Unconfirmed-REQ who-Is */
	0x09, 0x6c, 0x19, 0x6c, /* [0] 108, [1] 108 */
};
/* S274: I-Am-Router-To-Network 2, 3 (network layer message). */
static const uint8_t s274_router[] = {
	0x81, 0x0b, 0x00, 0x0b, 0x01, 0x80, /* NPDU: network layer message */
	0x01, 0x00, 0x02, 0x00, 0x03, /* type 0x01, networks 2 and 3 */
};
/* S3: WriteProperty analog-output,101 present-value = 50.0, priority 10, routed to 3:0x6c. */
static const uint8_t s3_write_property[] = {
	0x81, 0x0a, 0x00, 0x1f, 0x01, 0x24, 0x00, 0x03, 0x01, 0x6c, 0xff, /* NPDU: DNET 3, DADR 0x6c */
	0x02, 0x03, 0x02, 0x0f, /* Confirmed-REQ, invoke 2, writeProperty (15) */
	0x0c, 0x00, 0x40, 0x00, 0x65, /* [0] analog-output,101 */
	0x19, 0x55, /* [1] present-value (85) */
	0x3e, 0x44, 0x42, 0x48, 0x00, 0x00, 0x3f, /* [3] { Real 50.0 } */
	0x49, 0x0a, /* [4] priority 10 */
};
/* S4: SimpleACK writeProperty (from a router: SNET 3). */
static const uint8_t s4_simple_ack[] = {
	0x81, 0x0a, 0x00, 0x0d, 0x01, 0x08, 0x00, 0x03, 0x01, 0x6c, 0x20, 0x02, 0x0f,
};
/* E17: DeviceCommunicationControl 60 min, disable, password "filister". */
static const uint8_t e17_dcc[] = {
	0x81, 0x0a, 0x00, 0x19, 0x01, 0x04, 0x00, 0x05, 0x01, 0x11, /* Confirmed-REQ DCC (17) */
	0x09, 0x3c, /* [0] timeDuration 60 */
	0x19, 0x01, /* [1] disable */
	0x2d, 0x09, 0x00, 0x66, 0x69, 0x6c, 0x69, 0x73, 0x74, 0x65, 0x72, /* [2] password UTF-8 "filister" */
};
/* E19: ReinitializeDevice coldstart. */
static const uint8_t e19_reinit[] = {
	0x81, 0x0a, 0x00, 0x0c, 0x01, 0x04, 0x00, 0x05, 0x01, 0x14, 0x09, 0x00,
};
/* E7: AtomicReadFile file,0 from SNET 13. */
static const uint8_t e7_atomic_read[] = {
	0x81, 0x0a, 0x00, 0x1a, 0x01, 0x0c, 0x00, 0x0d, 0x01, 0x3d, /* NPDU: SNET 13, SADR 0x3d */
	0x02, 0x03, 0x36, 0x06, /* Confirmed-REQ, invoke 54, atomicReadFile (6) */
	0xc4, 0x02, 0x80, 0x00, 0x00, /* file,0 */
	0x0e, 0x31, 0x00, 0x22, 0x01, 0xb8, 0x0f, /* [0] { start 0, count 440 } */
};
/* E35: Distribute-Broadcast-To-Network, timeSynchronization. */
static const uint8_t e35_time_sync[] = {
	0x81, 0x09, 0x00, 0x16, 0x01, 0x20, 0xff, 0xff, 0x00, 0xff, 0x10, 0x06,
	0xa4, 0xd9, 0x0a, 0x01, 0x01, /* Date */
	0xb4, 0x0a, 0x2c, 0x2f, 0x33, /* Time */
};
/* E43: Error, reinitializeDevice, class 5 (security) code 26 (password failure). */
static const uint8_t e43_error[] = {
	0x81, 0x0a, 0x00, 0x12, 0x01, 0x20, 0x00, 0x0d, 0x01, 0x3d, 0xff,
	0x50, 0x34, 0x14, 0x91, 0x05, 0x91, 0x1a,
};
/* E44: Reject, invoke 58, reason 9 (unrecognized service). */
static const uint8_t e44_reject[] = {
	0x81, 0x0a, 0x00, 0x0e, 0x01, 0x20, 0x00, 0x0d, 0x01, 0x3d, 0xff, 0x60, 0x3a, 0x09,
};
/* E45: Abort, invoke 1, reason 0. */
static const uint8_t e45_abort[] = {0x81, 0x0b, 0x00, 0x09, 0x01, 0x00, 0x71, 0x01, 0x00};
/* spec 14.2.1 / J.2: AtomicWriteFile of file,0 (stream, start 0, 4 octets); the
 * header and NPDU as in S137, the file data shortened. */
static const uint8_t spec_atomic_write[] = {
	0x81, 0x0a, 0x00, 0x1d, 0x01, 0x24, 0x00, 0x03, 0x01, 0x6c, 0xff,
	0x02, 0x03, 0x45, 0x07, /* Confirmed-REQ, invoke 69, atomicWriteFile (7) */
	0xc4, 0x02, 0x80, 0x00, 0x00, /* file,0 */
	0x0e, 0x31, 0x00, 0x64, 0x2f, 0x2f, 0x20, 0x54, 0x0f, /* [0] { start 0, OctetString(4) } */
};
/* spec J.2.9: Forwarded-NPDU from 192.168.1.10:47808 carrying I-Am device,101,
 * 480, no segmentation, vendor 5 (layout of S299). */
static const uint8_t spec_forwarded_i_am[] = {
	0x81, 0x04, 0x00, 0x1a,
	0xc0, 0xa8, 0x01, 0x0a, 0xba, 0xc0, /* original source B/IP address */
	0x01, 0x00, 0x10, 0x00, 0xc4, 0x02, 0x00, 0x00, 0x65, 0x22, 0x01, 0xe0, 0x91, 0x03, 0x21, 0x05,
};
/* spec 20.1.2: a segmented ReadPropertyMultiple request, segment 1 (not counted
 * again) and segment 0 (counted). */
static const uint8_t spec_segment1[] = {
	0x81, 0x0a, 0x00, 0x0e, 0x01, 0x04, 0x0c, 0x05, 0x07, 0x01, 0x04, 0x0e, 0x0c, 0x02,
};
static const uint8_t spec_segment0[] = {
	0x81, 0x0a, 0x00, 0x13, 0x01, 0x04, 0x0c, 0x05, 0x07, 0x00, 0x04, 0x0e,
	0x0c, 0x02, 0x00, 0x00, 0x65, 0x1e, 0x09,
};

/* spec 15.7.1.3: ReadPropertyMultiple-ACK for device,101: vendor-name "ACME",
 * model-name "X1", firmware-revision an error, object-list[0] (an element). */
static const uint8_t spec_rpm_ack[] = {
	0x81, 0x0a, 0x00, 0x33, 0x01, 0x00,
	0x30, 0x05, 0x0e, /* Complex-ACK, invoke 5, readPropertyMultiple (14) */
	0x0c, 0x02, 0x00, 0x00, 0x65, /* [0] device,101 */
	0x1e, /* [1] { */
	0x29, 0x79, 0x4e, 0x75, 0x05, 0x00, 0x41, 0x43, 0x4d, 0x45, 0x4f, /* [2] 121, [4] { UTF-8 "ACME" } */
	0x29, 0x46, 0x4e, 0x73, 0x00, 0x58, 0x31, 0x4f, /* [2] 70, [4] { UTF-8 "X1" } */
	0x29, 0x2c, 0x5e, 0x91, 0x02, 0x91, 0x20, 0x5f, /* [2] 44, [5] { property, unknown-property } */
	0x29, 0x4c, 0x39, 0x00, 0x4e, 0x21, 0x07, 0x4f, /* [2] 76, [3] 0, [4] { 7 } */
	0x1f, /* } */
};

struct vec {
	const char *name;
	const uint8_t *msg;
	size_t len;
	const char *const *want;
};

#define ROLE "role sender plc (30) BACnet device (building controller)"

static const char *const w_t3[] = {"operation read read_property device,4194303 prop=75", NULL};
static const char *const w_t4[] = {ROLE, "attr sender bacnet_device_instance=500", NULL};
static const char *const w_t6[] = {
	ROLE, "attr sender bacnet_vendor_id=5",
	"identity sender vendor=Johnson Controls, Inc. product=- model=- firmware=- serial=-", NULL,
};
static const char *const w_t8[] = {ROLE, "identity sender vendor=JCI product=- model=- firmware=- serial=-", NULL};
static const char *const w_t10[] = {
	ROLE, "identity sender vendor=- product=- model=- firmware=5.1.0.4400 serial=-", NULL,
};
static const char *const w_t16[] = {
	ROLE, "identity sender vendor=- product=- model=MS-NAE4510-2 firmware=- serial=-", NULL,
};
static const char *const w_t21[] = {"operation diagnostic bvlc read_broadcast_distribution_table", NULL};
static const char *const w_t25[] = {"operation other bvlc register_foreign_device", NULL};
static const char *const w_t26[] = {"anomaly bacnet_bvlc_nak", NULL};
static const char *const w_s299[] = {
	"operation diagnostic i_am device,4194303",
	"attr sender bacnet_device_instance=4194303",
	"attr sender bacnet_max_apdu=480",
	"attr sender bacnet_segmentation=none",
	"attr sender bacnet_vendor_id=24",
	"identity sender vendor=Automated Logic Corporation product=- model=- firmware=- serial=-",
	NULL,
};
static const char *const w_s287[] = {"operation diagnostic i_am device,108", NULL};
static const char *const w_s283[] = {"operation diagnostic who_is 108-108", NULL};
static const char *const w_s274[] = {"operation other network i_am_router_to_network", NULL};
static const char *const w_s3[] = {"operation write write_property analog-output,101 prop=85", NULL};
static const char *const w_none[] = {NULL};
static const char *const w_e17[] = {
	"operation control device_communication_control disable", "anomaly bacnet_cleartext_password", NULL,
};
static const char *const w_e19[] = {"operation control reinitialize_device coldstart", NULL};
static const char *const w_e7[] = {"operation read atomic_read_file file,0", NULL};
static const char *const w_e35[] = {"operation other time_synchronization", NULL};
static const char *const w_e43[] = {ROLE, NULL};
static const char *const w_e44[] = {"anomaly bacnet_reject", NULL};
static const char *const w_e45[] = {"anomaly bacnet_abort", NULL};
static const char *const w_write_file[] = {"operation program atomic_write_file file,0", NULL};
static const char *const w_forwarded[] = {
	"operation diagnostic i_am device,101",
	"attr mac=-,ip=192.168.1.10 bacnet_device_instance=101",
	"attr mac=-,ip=192.168.1.10 bacnet_max_apdu=480",
	"attr mac=-,ip=192.168.1.10 bacnet_segmentation=none",
	"attr mac=-,ip=192.168.1.10 bacnet_vendor_id=5",
	"identity mac=-,ip=192.168.1.10 vendor=Johnson Controls, Inc. product=- model=- firmware=- serial=-",
	NULL,
};
static const char *const w_rpm_ack[] = {
	ROLE, "identity sender vendor=ACME product=- model=- firmware=- serial=-",
	"identity sender vendor=- product=- model=X1 firmware=- serial=-", NULL,
};
static const char *const w_seg0[] = {"operation read read_property_multiple device,101", NULL};

#define V(n, w) {#n, n, sizeof(n), w}
static const struct vec vecs[] = {
	V(t3_rp_req, w_t3),
	V(t4_rp_ack_objid, w_t4),
	V(t6_rp_ack_vendor_id, w_t6),
	V(t8_rp_ack_vendor_name, w_t8),
	V(t10_rp_ack_firmware, w_t10),
	V(t16_rp_ack_model, w_t16),
	V(t21_read_bdt, w_t21),
	V(t25_register_fd, w_t25),
	V(t26_result_nak, w_t26),
	V(s299_i_am, w_s299),
	V(s287_i_am_routed, w_s287),
	V(s283_who_is, w_s283),
	V(s274_router, w_s274),
	V(s3_write_property, w_s3),
	V(s4_simple_ack, w_none),
	V(e17_dcc, w_e17),
	V(e19_reinit, w_e19),
	V(e7_atomic_read, w_e7),
	V(e35_time_sync, w_e35),
	V(e43_error, w_e43),
	V(e44_reject, w_e44),
	V(e45_abort, w_e45),
	V(spec_atomic_write, w_write_file),
	V(spec_forwarded_i_am, w_forwarded),
	V(spec_segment1, w_none),
	V(spec_segment0, w_seg0),
	V(spec_rpm_ack, w_rpm_ack),
};
#define NVECS (sizeof(vecs) / sizeof(vecs[0]))

static void parse_into(const uint8_t *msg, size_t len, struct rec *r)
{
	assert_int_equal(run_parse(&mk_proto_bacnet, NULL, msg, len, MK_DIR_TO_SERVER, r, NULL), MK_V_OK);
}

static void test_messages(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < NVECS; i++) {
		struct rec r = {0};

		print_message("vector %s\n", vecs[i].name);
		parse_into(vecs[i].msg, vecs[i].len, &r);
		rec_expect(&r, vecs[i].want);
	}
}

static int probe_bytes(const uint8_t *msg, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	struct mk_rd rd;
	int r;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, msg, len);
	mk_rd_init(&rd, copy, len);
	r = mk_proto_bacnet.probe(&rd, MK_DIR_TO_SERVER);
	assert_int_equal(mk_rd_left(&rd), len); /* probe reads only */
	free(copy);
	return r;
}

static void test_probe(void **unused)
{
	uint8_t buf[64];

	(void)unused;
	for (size_t i = 0; i < NVECS; i++)
		assert_int_equal(probe_bytes(vecs[i].msg, vecs[i].len), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(NULL, 0), MK_PROBE_NO);
	assert_int_equal(probe_bytes(t3_rp_req, 3), MK_PROBE_NO);
	/* A cut datagram: the BVLC length no longer fits, the NPDU still looks right. */
	assert_int_equal(probe_bytes(t3_rp_req, 10), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(t21_read_bdt, 3), MK_PROBE_NO);
	assert_int_equal(probe_bytes(t25_register_fd, 5), MK_PROBE_NO);
	memcpy(buf, t3_rp_req, sizeof(t3_rp_req));
	buf[0] = 0x82; /* BACnet/IPv6 BVLC: not this plug-in */
	assert_int_equal(probe_bytes(buf, sizeof(t3_rp_req)), MK_PROBE_NO);
	buf[0] = 0x81;
	buf[4] = 0x02; /* NPDU version 2 */
	assert_int_equal(probe_bytes(buf, sizeof(t3_rp_req)), MK_PROBE_NO);
	buf[4] = 0x01;
	buf[1] = 0x0d; /* no such BVLC function */
	assert_int_equal(probe_bytes(buf, sizeof(t3_rp_req)), MK_PROBE_NO);
	/* A DNS query to the same port is not BACnet. */
	assert_int_equal(probe_bytes((const uint8_t *)"\x12\x34\x01\x00\x00\x01\x00\x00", 8), MK_PROBE_NO);
}

static void expect_one(const uint8_t *msg, size_t len, const char *const *want)
{
	struct rec r = {0};

	parse_into(msg, len, &r);
	rec_expect(&r, want);
}

static void test_malformed(void **unused)
{
	static const char *const bad_type[] = {"anomaly bacnet_bvlc_bad_type", NULL};
	static const char *const bad_len[] = {"anomaly bacnet_bvlc_bad_length", NULL};
	static const char *const bad_func[] = {"anomaly bacnet_bvlc_unknown_function", NULL};
	static const char *const bad_version[] = {"anomaly bacnet_npdu_bad_version", NULL};
	static const char *const bad_addr[] = {"anomaly bacnet_npdu_bad_address", NULL};
	static const char *const bad_apdu[] = {"anomaly bacnet_bad_apdu_type", NULL};
	static const char *const unknown_svc[] = {
		"operation other confirmed_service=200", "anomaly bacnet_unknown_service", NULL,
	};
	static const char *const unknown_usvc[] = {
		"operation other unconfirmed_service=99", "anomaly bacnet_unknown_service", NULL,
	};
	static const char *const truncated[] = {"anomaly bacnet_truncated", NULL};
	static const char *const short_i_am[] = {
		"operation diagnostic i_am device,4194303", "anomaly bacnet_truncated", NULL,
	};
	/* The BVLC length says less than the datagram: the shorter length is used. */
	static const char *const long_datagram[] = {
		"anomaly bacnet_bvlc_bad_length", "operation read read_property device,4194303 prop=75", NULL,
	};
	uint8_t buf[64];

	(void)unused;
	memcpy(buf, t3_rp_req, sizeof(t3_rp_req));
	buf[0] = 0x82;
	expect_one(buf, sizeof(t3_rp_req), bad_type);
	expect_one(t3_rp_req, sizeof(t3_rp_req) - 1, bad_len);
	memcpy(buf, t3_rp_req, sizeof(t3_rp_req));
	buf[sizeof(t3_rp_req)] = 0xee;
	expect_one(buf, sizeof(t3_rp_req) + 1, long_datagram);
	expect_one((const uint8_t *)"\x81\x0d\x00\x04", 4, bad_func);
	expect_one((const uint8_t *)"\x81\x0a\x00\x06\x02\x00", 6, bad_version);
	/* SNET 3 with SLEN 0 */
	expect_one((const uint8_t *)"\x81\x0a\x00\x0b\x01\x08\x00\x03\x00\x10\x08", 11, bad_addr);
	/* reserved control bit 0x40 */
	expect_one((const uint8_t *)"\x81\x0a\x00\x08\x01\x40\x10\x08", 8, bad_addr);
	expect_one((const uint8_t *)"\x81\x0a\x00\x08\x01\x00\x80\x00", 8, bad_apdu);
	expect_one((const uint8_t *)"\x81\x0a\x00\x0a\x01\x04\x00\x05\x01\xc8", 10, unknown_svc);
	expect_one((const uint8_t *)"\x81\x0b\x00\x08\x01\x00\x10\x63", 8, unknown_usvc);
	expect_one((const uint8_t *)"\x81\x0a\x00\x06\x01\x00", 6, truncated); /* no APDU */
	expect_one((const uint8_t *)"\x81\x0a\x00\x06\x01", 5, bad_len);
	expect_one((const uint8_t *)"\x81\x0a\x00\x05\x01", 5, truncated);
	/* DNET with a DLEN past the end */
	expect_one((const uint8_t *)"\x81\x0a\x00\x0a\x01\x20\xff\xff\x08\x00", 10, truncated);
	expect_one((const uint8_t *)"\x81\x04\x00\x08\xc0\xa8\x01\x0a", 8, truncated);
	expect_one((const uint8_t *)"\x81\x00\x00\x05\x00", 5, truncated);
	/* I-Am cut after the object identifier (BVLC length adjusted) */
	memcpy(buf, s299_i_am, 13);
	buf[3] = 13;
	expect_one(buf, 13, short_i_am);
	/* ReadProperty-ACK whose value has no closing tag: no identity */
	memcpy(buf, t8_rp_ack_vendor_name, sizeof(t8_rp_ack_vendor_name));
	buf[sizeof(t8_rp_ack_vendor_name) - 1] = 0x4f; /* [4] closing instead of [3] */
	{
		static const char *const role_only[] = {ROLE, NULL};

		expect_one(buf, sizeof(t8_rp_ack_vendor_name), role_only);
	}
}

/* Every truncation length, twice: the datagram cut as it stands (the BVLC
 * length then disagrees), and cut with the BVLC length patched to fit, so the
 * inner decoders see every cut too.  A cut message may say less, never
 * something else; an operation may lose its detail but not its class and
 * service name. */
static bool same_op(const char *a, const char *b)
{
	int spaces = 0;
	size_t i;

	for (i = 0; a[i] != '\0' && a[i] == b[i]; i++)
		if (a[i] == ' ' && ++spaces == 3)
			return true;
	return a[i] == '\0' && (b[i] == '\0' || b[i] == ' ') && spaces == 2;
}

static void check_subset(const struct rec *part, const struct rec *all, size_t cut)
{
	for (int i = 0; i < part->n; i++) {
		bool found = false;

		if (strncmp(part->line[i], "anomaly ", 8) == 0)
			continue;
		if (strncmp(part->line[i], "operation ", 10) != 0) {
			if (!rec_has(all, part->line[i]))
				fail_msg("cut at %zu gave a wrong fact: %s", cut, part->line[i]);
			continue;
		}
		for (int j = 0; j < all->n && !found; j++)
			found = same_op(part->line[i], all->line[j]);
		if (!found)
			fail_msg("cut at %zu gave a wrong operation: %s", cut, part->line[i]);
	}
}

static void test_truncation(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < NVECS; i++) {
		struct rec all = {0};

		parse_into(vecs[i].msg, vecs[i].len, &all);
		for (size_t cut = 0; cut < vecs[i].len; cut++) {
			struct rec part = {0}, inner = {0};
			uint8_t buf[64];

			parse_into(vecs[i].msg, cut, &part);
			rec_subset(&part, &all, cut);
			if (cut < 4)
				continue;
			memcpy(buf, vecs[i].msg, cut);
			buf[2] = 0;
			buf[3] = (uint8_t)cut;
			parse_into(buf, cut, &inner);
			check_subset(&inner, &all, cut);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

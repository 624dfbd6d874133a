/* test_proto_enip.c - unit tests of the EtherNet/IP + CIP explicit messaging
 * plug-in (src/proto/enip/enip.c).
 *
 * Vectors are TCP payloads from the captures under ../shared/captures/enip,
 * file and frame at each (`tshark -r FILE -Y frame.number==N -T fields -e
 * tcp.payload`, checked against `tshark -V`), or built from the specification
 * where no capture has the message (section cited).  All multi-byte fields of
 * EtherNet/IP and CIP are little-endian.
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

extern const struct mk_proto mk_proto_enip;

/* EthernetIP__enip_test.pcap frame 6: ListIdentity request, 10.1.1.167:5262 -> 10.1.1.164:44818. */
static const uint8_t lid_req[] = {
	0x63, 0x00, 0x00, 0x00,                         /* command ListIdentity, length 0 */
	0x00, 0x00, 0x00, 0x00,                         /* session handle 0 */
	0x00, 0x00, 0x00, 0x00,                         /* status 0 */
	0x00, 0x00, 0xc1, 0xde, 0xbe, 0xd1, 0x00, 0x00, /* sender context */
	0x00, 0x00, 0x00, 0x00,                         /* options 0 */
};

/* EthernetIP__enip_test.pcap frame 7: ListIdentity response from the 1756-ENBT/A. */
static const uint8_t lid_rsp[] = {
	0x63, 0x00, 0x33, 0x00, /* command ListIdentity, length 51 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* session 0, status 0 */
	0x00, 0x00, 0xc1, 0xde, 0xbe, 0xd1, 0x00, 0x00, /* sender context */
	0x00, 0x00, 0x00, 0x00,                         /* options */
	0x01, 0x00,             /* item count 1 */
	0x0c, 0x00, 0x2d, 0x00, /* item CIP Identity (0x000c), length 45 */
	0x01, 0x00,             /* encapsulation protocol version 1 */
	0x00, 0x02, 0xaf, 0x12, 0x0a, 0x01, 0x01, 0xa4, /* sockaddr: AF_INET, 44818, 10.1.1.164 (big-endian) */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* sin_zero */
	0x01, 0x00,             /* vendor 1 Rockwell Automation/Allen-Bradley */
	0x0c, 0x00,             /* device type 12 communications adapter */
	0x3a, 0x00,             /* product code 58 */
	0x04, 0x03,             /* revision 4.03 */
	0x30, 0x00,             /* status */
	0x8e, 0x4d, 0x52, 0x00, /* serial 0x00524d8e */
	0x0b, '1', '7', '5', '6', '-', 'E', 'N', 'B', 'T', '/', 'A', /* product name, 11 */
	0x03,                   /* state */
};

/* openics__EIP-FirmwareChange.pcap frame 10680: RegisterSession request. */
static const uint8_t reg_req[] = {
	0x65, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* RegisterSession, length 4, session 0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* status, context */
	0x00, 0x00, 0x00, 0x00, /* options */
	0x01, 0x00, 0x00, 0x00, /* protocol version 1, option flags 0 */
};

/* openics__EIP-FirmwareChange.pcap frame 10681: RegisterSession reply, session 0x12020100. */
static const uint8_t reg_rsp[] = {
	0x65, 0x00, 0x04, 0x00, 0x00, 0x01, 0x02, 0x12, /* RegisterSession, length 4, session */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00,
};

/* openics__EIP-FirmwareChange.pcap frame 10682: SendRRData, Get_Attributes_All Identity 1. */
static const uint8_t gaa_req[] = {
	0x6f, 0x00, 0x16, 0x00, 0x00, 0x01, 0x02, 0x12, /* SendRRData, length 22, session 0x12020100 */
	0x00, 0x00, 0x00, 0x00,                         /* status */
	0x8d, 0x3f, 0x00, 0x00, 0x48, 0x9a, 0xe0, 0x00, /* sender context */
	0x00, 0x00, 0x00, 0x00,                         /* options */
	0x00, 0x00, 0x00, 0x00, 0x14, 0x00, /* interface handle 0, timeout 20 */
	0x02, 0x00,                         /* item count 2 */
	0x00, 0x00, 0x00, 0x00,             /* null address item */
	0xb2, 0x00, 0x06, 0x00,             /* unconnected data item, length 6 */
	0x01, 0x02, 0x20, 0x01, 0x24, 0x01, /* Get_Attributes_All, path 2 words: class 1, instance 1 */
};

/* openics__EIP-FirmwareChange.pcap frame 10683: its reply (same sender context). */
static const uint8_t gaa_rsp[] = {
	0x6f, 0x00, 0x2e, 0x00, 0x00, 0x01, 0x02, 0x12, /* SendRRData, length 46 */
	0x00, 0x00, 0x00, 0x00,
	0x8d, 0x3f, 0x00, 0x00, 0x48, 0x9a, 0xe0, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, /* interface, timeout 0, 2 items */
	0x00, 0x00, 0x00, 0x00,             /* null address item */
	0xb2, 0x00, 0x1e, 0x00,             /* unconnected data item, length 30 */
	0x81, 0x00, 0x00, 0x00,             /* reply to 0x01, status success, no extended status */
	0x01, 0x00, 0x0c, 0x00, 0x3a, 0x00, /* vendor 1, type 12, product code 58 */
	0x04, 0x03, 0x30, 0x00,             /* revision 4.03, status */
	0xc3, 0xae, 0x51, 0x00,             /* serial 0x0051aec3 */
	0x0b, '1', '7', '5', '6', '-', 'E', 'N', 'B', 'T', '/', 'A',
};

/* openics__EIP-FirmwareChange.pcap frame 10592: SendRRData, Reset of Identity 1 (type 0). */
static const uint8_t reset_req[] = {
	0x6f, 0x00, 0x17, 0x00, 0x00, 0x01, 0x02, 0x12, 0x00, 0x00, 0x00, 0x00,
	0x7e, 0x3f, 0x00, 0x00, 0x48, 0x9a, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xb2, 0x00, 0x07, 0x00,             /* unconnected data, length 7 */
	0x05, 0x02, 0x20, 0x01, 0x24, 0x01, /* Reset, class 1 instance 1 */
	0x00,                               /* reset type 0 */
};

/* openics__EIP-FirmwareChange.pcap frame 29: SendRRData, NVS object (class 0xa1)
 * service 0x4b Update: the start of the firmware download. */
static const uint8_t nvs_update_req[] = {
	0x6f, 0x00, 0x1e, 0x00, 0x00, 0x01, 0x02, 0x12, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x02, 0x00, 0x00, 0x48, 0x9a, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x8b, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xb2, 0x00, 0x0e, 0x00,             /* unconnected data, length 14 */
	0x4b, 0x02, 0x20, 0xa1, 0x24, 0x01, /* service 0x4b, class 0xa1 instance 1 */
	0x16, 0xff, 0x1b, 0x00, 0x00, 0x00, 0x00, 0x00, /* update parameters */
};

/* EthernetIP__cip_start_plc.pcap frame 1: SendUnitData, Start on class 0x8e instance 1. */
static const uint8_t start_req[] = {
	0x70, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x2a, 0x00, /* SendUnitData, length 28, session 0x002a0001 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, /* interface, timeout 1, 2 items */
	0xa1, 0x00, 0x04, 0x00, 0x22, 0x40, 0x95, 0xff, /* connected address, id 0xff954022 */
	0xb1, 0x00, 0x08, 0x00, 0xe7, 0x00,             /* connected data, length 8, sequence 231 */
	0x06, 0x02, 0x20, 0x8e, 0x24, 0x01,             /* Start, class 0x8e instance 1 */
};

/* EthernetIP__EthernetIP-CIP.pcap frame 29: SendRRData, Unconnected Send (class 6)
 * wrapping Get_Attributes_All of class 0xac, routed to backplane slot 0. */
static const uint8_t ucs_req[] = {
	0x6f, 0x00, 0x26, 0x00, 0x00, 0x05, 0x02, 0x13, 0x00, 0x00, 0x00, 0x00,
	0x6a, 0xc0, 0xbe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xb2, 0x00, 0x16, 0x00,             /* unconnected data, length 22 */
	0x52, 0x02, 0x20, 0x06, 0x24, 0x01, /* Unconnected Send, class 6 instance 1 */
	0x07, 0xe9, 0x08, 0x00,             /* tick 7, 233 ticks, embedded size 8 */
	0x01, 0x02, 0x20, 0xac, 0x24, 0x01, 0x01, 0x00, /* Get_Attributes_All class 0xac inst 1, data */
	0x01, 0x00, 0x01, 0x00,             /* route path 1 word, reserved, port 1 address 0 */
};

/* EthernetIP__EthernetIP-CIP.pcap frame 123: SendUnitData, Multiple Service
 * Packet with one Read-Modify-Write on the tag LMS_SETPOINTCHANGE_RECEIVED. */
static const uint8_t msp_rmw_req[] = {
	0x70, 0x00, 0x44, 0x00, 0x00, 0x01, 0x02, 0x10, 0x00, 0x00, 0x00, 0x00,
	0x28, 0x39, 0x2f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x00,
	0xa1, 0x00, 0x04, 0x00, 0x01, 0x03, 0x35, 0x00, /* connected address */
	0xb1, 0x00, 0x30, 0x00, 0x1f, 0x33,             /* connected data, length 48, sequence */
	0x0a, 0x02, 0x20, 0x02, 0x24, 0x01,             /* MSP to Message Router */
	0x01, 0x00, 0x04, 0x00,                         /* 1 service at offset 4 */
	0x4e, 0x0f, 0x91, 0x1b,                         /* RMW, path 15 words, symbol of 27 */
	'L', 'M', 'S', '_', 'S', 'E', 'T', 'P', 'O', 'I', 'N', 'T', 'C', 'H',
	'A', 'N', 'G', 'E', '_', 'R', 'E', 'C', 'E', 'I', 'V', 'E', 'D', 0x00, /* + pad */
	0x01, 0x00, 0x00, 0xfe,                         /* mask size 1, OR 0x00, AND 0xfe */
};

/* traces__set_attribute_single_service_cip.pcapng frame 1 (pycomm): SendUnitData,
 * Set_Attribute_Single on class 1 instance 0. */
static const uint8_t sas_req[] = {
	0x70, 0x00, 0x1c, 0x00, 0xf4, 0xff, 0xca, 0xb4, 0x00, 0x00, 0x00, 0x00,
	0x5f, 0x70, 0x79, 0x63, 0x6f, 0x6d, 0x6d, 0x5f, 0x00, 0x00, 0x00, 0x00, /* "_pycomm_" */
	0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x00,
	0xa1, 0x00, 0x04, 0x00, 0xba, 0x62, 0x9a, 0xda,
	0xb1, 0x00, 0x08, 0x00, 0x0d, 0x00,             /* sequence 13 */
	0x10, 0x02, 0x20, 0x01, 0x24, 0x00,             /* Set_Attribute_Single class 1 inst 0 */
};

/* Built from Rockwell publication 1756-PM020 (Read Tag service, "Example") in a
 * class 3 SendUnitData (Vol. 2 2-4.8): read one element of tag "Tag1", and the
 * reply with a DINT 42.  No public capture has a symbolic Read Tag. */
static const uint8_t rt_req[] = {
	0x70, 0x00, 0x20, 0x00, 0x00, 0x01, 0x02, 0x12, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
	0xa1, 0x00, 0x04, 0x00, 0x01, 0x6b, 0x07, 0x00, /* O->T connection id */
	0xb1, 0x00, 0x0c, 0x00, 0x01, 0x00,             /* sequence 1 */
	0x4c, 0x03, 0x91, 0x04, 'T', 'a', 'g', '1',     /* Read Tag, 3 words, symbol "Tag1" */
	0x01, 0x00,                                     /* 1 element */
};
static const uint8_t rt_rsp[] = {
	0x70, 0x00, 0x20, 0x00, 0x00, 0x01, 0x02, 0x12, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
	0xa1, 0x00, 0x04, 0x00, 0x02, 0x6b, 0x07, 0x00, /* T->O connection id */
	0xb1, 0x00, 0x0c, 0x00, 0x01, 0x00,             /* sequence 1 (echoed) */
	0xcc, 0x00, 0x00, 0x00,                         /* Read Tag reply, success */
	0xc4, 0x00, 0x2a, 0x00, 0x00, 0x00,             /* DINT 42 */
};

/* Built from Vol. 1 3-5.4.1 (Forward_Open request) in a SendRRData: a class 3
 * connection to the Message Router (connection path port 1 slot 0, class 2 inst 1). */
static const uint8_t fo_req[] = {
	0x6f, 0x00, 0x40, 0x00, 0x00, 0x01, 0x02, 0x12, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xb2, 0x00, 0x30, 0x00,             /* unconnected data, length 48 */
	0x54, 0x02, 0x20, 0x06, 0x24, 0x01, /* Forward_Open, class 6 instance 1 */
	0x0a, 0x0e,                         /* priority/tick, timeout ticks */
	0x00, 0x00, 0x00, 0x00, 0x01, 0x6b, 0x07, 0x00, /* O->T id, T->O id */
	0x01, 0x00, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12, /* serial, vendor 1, originator serial */
	0x01, 0x00, 0x00, 0x00,             /* timeout multiplier, reserved */
	0x40, 0x4b, 0x4c, 0x00, 0xf4, 0x43, /* O->T RPI 5 s, parameters */
	0x40, 0x4b, 0x4c, 0x00, 0xf4, 0x43, /* T->O RPI, parameters */
	0xa3, 0x03,                         /* transport class 3, path 3 words */
	0x01, 0x00, 0x20, 0x02, 0x24, 0x01, /* port 1 slot 0, class 2, instance 1 */
};

static const char *const facts_lid_req[] = {"operation diagnostic list_identity", NULL};
static const char *const facts_lid_rsp[] = {
	"identity sender vendor=Rockwell Automation/Allen-Bradley product=Communications Adapter "
	"model=1756-ENBT/A firmware=4.003 serial=00524d8e",
	"attr sender cip_product=vendor=1 type=12 code=58",
	NULL,
};
static const char *const facts_reg_req[] = {"operation other register_session", NULL};
static const char *const facts_none[] = {NULL};
static const char *const facts_gaa_req[] = {"operation read get_attributes_all class=0x01", NULL};
static const char *const facts_gaa_pair[] = {
	"operation read get_attributes_all class=0x01",
	"identity sender vendor=Rockwell Automation/Allen-Bradley product=Communications Adapter "
	"model=1756-ENBT/A firmware=4.003 serial=0051aec3",
	"attr sender cip_product=vendor=1 type=12 code=58",
	"role sender plc (50) answers CIP Identity requests over EtherNet/IP explicit messaging",
	NULL,
};
static const char *const facts_reset[] = {"operation control reset class=0x01", NULL};
static const char *const facts_nvs[] = {"operation firmware nvs_update", NULL};
static const char *const facts_start[] = {"operation control start class=0x8e", NULL};
static const char *const facts_ucs[] = {"operation read get_attributes_all class=0xac", NULL};
static const char *const facts_msp_rmw[] = {"operation write read_modify_write_tag", NULL};
static const char *const facts_sas[] = {"operation write set_attribute_single class=0x01", NULL};
static const char *const facts_rt_pair[] = {
	"operation read read_tag",
	"role sender plc (80) answers CIP Read Tag requests (EtherNet/IP tag server)",
	NULL,
};
static const char *const facts_rt_req[] = {"operation read read_tag", NULL};
static const char *const facts_fo[] = {"operation other forward_open", NULL};

/* ---- a small stand-in for the core: one flow, bytes kept between calls ---- */

struct flow {
	void *state;
	uint8_t buf[2][4096];
	size_t len[2];
	const struct mk_pkt *pkt;
};

static void flow_init(struct flow *f, const struct mk_pkt *pkt)
{
	memset(f, 0, sizeof(*f));
	f->state = calloc(1, mk_proto_enip.state_size);
	assert_non_null(f->state);
	f->pkt = pkt;
}

static void flow_free(struct flow *f)
{
	free(f->state);
}

/* Appends bytes in dir and parses like the engine does (each call on an
 * exact-size heap copy, so ASan sees over-reads). */
static enum mk_verdict flow_feed(struct flow *f, enum mk_dir dir, const uint8_t *b, size_t n, struct rec *r)
{
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	struct mk_emit out = {.sink = rec_sink, .ctx = r, .pkt = f->pkt, .dir = (int)dir,
	                      .proto = mk_proto_enip.id};
	enum mk_verdict v = MK_V_OK;

	assert_true(f->len[d] + n <= sizeof(f->buf[d]));
	memcpy(f->buf[d] + f->len[d], b, n);
	f->len[d] += n;
	for (int round = 0; round < 100 && f->len[d] > 0; round++) {
		uint8_t *copy = malloc(f->len[d]);
		struct mk_rd rd;
		size_t consumed = 0;

		assert_non_null(copy);
		memcpy(copy, f->buf[d], f->len[d]);
		mk_rd_init(&rd, copy, f->len[d]);
		v = mk_proto_enip.parse(f->state, &rd, dir, &consumed, &out);
		free(copy);
		assert_true(consumed <= f->len[d]);
		memmove(f->buf[d], f->buf[d] + consumed, f->len[d] - consumed);
		f->len[d] -= consumed;
		if (v != MK_V_OK || consumed == 0)
			break;
	}
	for (int i = 0; i < r->n; i++) {
		bool listed = false;

		if (strncmp(r->line[i], "anomaly ", 8) != 0)
			continue;
		for (size_t e = 0; mk_proto_enip.events[e] != NULL; e++)
			listed |= strcmp(mk_proto_enip.events[e], r->line[i] + 8) == 0;
		if (!listed)
			fail_msg("undeclared event: %s", r->line[i]);
	}
	return v;
}

/* A request and its reply on one flow. */
static void pair(const uint8_t *req, size_t reqlen, const uint8_t *rsp, size_t rsplen, struct rec *r)
{
	struct flow f;

	flow_init(&f, NULL);
	flow_feed(&f, MK_DIR_TO_SERVER, req, reqlen, r);
	flow_feed(&f, MK_DIR_TO_CLIENT, rsp, rsplen, r);
	flow_free(&f);
}

static void one(const uint8_t *msg, size_t len, enum mk_dir dir, const char *const *want)
{
	struct rec r = {0};
	size_t consumed = 0;

	assert_int_equal(run_parse(&mk_proto_enip, NULL, msg, len, dir, &r, &consumed), MK_V_OK);
	assert_int_equal(consumed, len);
	rec_expect(&r, want);
}

static void test_messages(void **unused)
{
	(void)unused;
	one(lid_req, sizeof(lid_req), MK_DIR_TO_SERVER, facts_lid_req);
	one(lid_rsp, sizeof(lid_rsp), MK_DIR_TO_CLIENT, facts_lid_rsp);
	one(reg_req, sizeof(reg_req), MK_DIR_TO_SERVER, facts_reg_req);
	one(reg_rsp, sizeof(reg_rsp), MK_DIR_TO_CLIENT, facts_none);
	one(gaa_req, sizeof(gaa_req), MK_DIR_TO_SERVER, facts_gaa_req);
	one(gaa_rsp, sizeof(gaa_rsp), MK_DIR_TO_CLIENT, facts_none); /* unpaired: class unknown */
	one(reset_req, sizeof(reset_req), MK_DIR_TO_SERVER, facts_reset);
	one(nvs_update_req, sizeof(nvs_update_req), MK_DIR_TO_SERVER, facts_nvs);
	one(start_req, sizeof(start_req), MK_DIR_TO_SERVER, facts_start);
	one(ucs_req, sizeof(ucs_req), MK_DIR_TO_SERVER, facts_ucs);
	one(msp_rmw_req, sizeof(msp_rmw_req), MK_DIR_TO_SERVER, facts_msp_rmw);
	one(sas_req, sizeof(sas_req), MK_DIR_TO_SERVER, facts_sas);
	one(rt_req, sizeof(rt_req), MK_DIR_TO_SERVER, facts_rt_req);
}

/* Built from Vol. 1 A-4.10 (Multiple Service Packet) and 1756-PM020 (Read Tag):
 * two tag reads ("A", padded, and "Tag1") in one packet, and the reply. */
static const uint8_t msp_rt_req[] = {
	0x70, 0x00, 0x34, 0x00, 0x00, 0x01, 0x02, 0x12, 0x00, 0x00, 0x00, 0x00, /* SendUnitData, 52 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
	0xa1, 0x00, 0x04, 0x00, 0x01, 0x6b, 0x07, 0x00,
	0xb1, 0x00, 0x20, 0x00, 0x02, 0x00,             /* connected data 32, sequence 2 */
	0x0a, 0x02, 0x20, 0x02, 0x24, 0x01,             /* MSP, Message Router */
	0x02, 0x00, 0x06, 0x00, 0x0e, 0x00,             /* 2 services at 6 and 14 */
	0x4c, 0x02, 0x91, 0x01, 'A', 0x00, 0x01, 0x00,  /* Read Tag "A" (+pad), 1 element */
	0x4c, 0x03, 0x91, 0x04, 'T', 'a', 'g', '1', 0x01, 0x00,
};
static const uint8_t msp_rt_rsp[] = {
	0x70, 0x00, 0x31, 0x00, 0x00, 0x01, 0x02, 0x12, 0x00, 0x00, 0x00, 0x00, /* SendUnitData, 49 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
	0xa1, 0x00, 0x04, 0x00, 0x02, 0x6b, 0x07, 0x00,
	0xb1, 0x00, 0x1d, 0x00, 0x02, 0x00,             /* connected data 29, sequence 2 */
	0x8a, 0x00, 0x00, 0x00,                         /* MSP reply, success */
	0x02, 0x00, 0x06, 0x00, 0x0d, 0x00,             /* 2 replies at 6 and 13 */
	0xcc, 0x00, 0x00, 0x00, 0xc1, 0x00, 0x01,       /* BOOL 1 */
	0xcc, 0x00, 0x00, 0x00, 0xc4, 0x00, 0x2a, 0x00, 0x00, 0x00, /* DINT 42 */
};

static void test_pairs(void **unused)
{
	static const char *const want_msp[] = {
		"operation read read_tag",
		"operation read read_tag",
		"role sender plc (80) answers CIP Read Tag requests (EtherNet/IP tag server)",
		NULL,
	};
	struct rec r1 = {0}, r2 = {0}, r3 = {0};

	(void)unused;
	pair(msp_rt_req, sizeof(msp_rt_req), msp_rt_rsp, sizeof(msp_rt_rsp), &r3);
	rec_expect(&r3, want_msp);
	pair(gaa_req, sizeof(gaa_req), gaa_rsp, sizeof(gaa_rsp), &r1);
	rec_expect(&r1, facts_gaa_pair);
	pair(rt_req, sizeof(rt_req), rt_rsp, sizeof(rt_rsp), &r2);
	rec_expect(&r2, facts_rt_pair);
}

/* traces__multiple_service_packet_cip.pcapng frame 1: eleven Get_Attribute_List
 * services in one Multiple Service Packet, each counted. */
static void test_multiple_service(void **unused)
{
	static const uint8_t msp[] = {
		0x70, 0x00, 0xba, 0x00, 0x00, 0x01, 0x02, 0x11, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,
		0xa1, 0x00, 0x04, 0x00, 0x01, 0x0b, 0x7c, 0x00,
		0xb1, 0x00, 0xa6, 0x00, 0x89, 0x07,             /* connected data 166, sequence */
		0x0a, 0x02, 0x20, 0x02, 0x24, 0x01,             /* MSP, Message Router */
		0x0b, 0x00,                                     /* 11 services, offsets: */
		0x18, 0x00, 0x22, 0x00, 0x2c, 0x00, 0x36, 0x00, 0x4c, 0x00, 0x58, 0x00,
		0x64, 0x00, 0x72, 0x00, 0x7c, 0x00, 0x8a, 0x00, 0x94, 0x00,
		/* each: Get_Attribute_List (0x03) path class/instance, count, attribute ids */
		0x03, 0x02, 0x20, 0x01, 0x24, 0x01, 0x01, 0x00, 0x05, 0x00,
		0x03, 0x02, 0x20, 0x69, 0x24, 0x00, 0x01, 0x00, 0x0b, 0x00,
		0x03, 0x02, 0x20, 0x73, 0x24, 0x01, 0x01, 0x00, 0x02, 0x00,
		0x03, 0x02, 0x20, 0xac, 0x24, 0x01, 0x07, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00,
		0x05, 0x00, 0x07, 0x00, 0x09, 0x00, 0x0a, 0x00,
		0x03, 0x03, 0x20, 0x68, 0x25, 0x00, 0x20, 0x24, 0x01, 0x00, 0x13, 0x00,
		0x03, 0x02, 0x20, 0x70, 0x24, 0x01, 0x02, 0x00, 0x12, 0x00, 0x13, 0x00,
		0x03, 0x02, 0x20, 0x8e, 0x24, 0x01, 0x03, 0x00, 0x03, 0x00, 0x08, 0x00, 0x10, 0x00,
		0x03, 0x02, 0x20, 0x69, 0x24, 0x00, 0x01, 0x00, 0x09, 0x00,
		0x03, 0x02, 0x20, 0x68, 0x24, 0x00, 0x03, 0x00, 0x0f, 0x00, 0x18, 0x00, 0x19, 0x00,
		0x03, 0x02, 0x20, 0x77, 0x24, 0x01, 0x01, 0x00, 0x02, 0x00,
		0x03, 0x02, 0x20, 0x8b, 0x24, 0x01, 0x01, 0x00, 0x06, 0x00,
	};
	static const char *const want[] = {
		"operation read get_attribute_list class=0x01",
		"operation read get_attribute_list class=0x69",
		"operation read get_attribute_list class=0x73",
		"operation read get_attribute_list class=0xac",
		"operation read get_attribute_list class=0x68",
		"operation read get_attribute_list class=0x70",
		"operation read get_attribute_list class=0x8e",
		"operation read get_attribute_list class=0x69",
		"operation read get_attribute_list class=0x68",
		"operation read get_attribute_list class=0x77",
		"operation read get_attribute_list class=0x8b",
		NULL,
	};

	(void)unused;
	one(msp, sizeof(msp), MK_DIR_TO_SERVER, want);
}

static void test_forward_open_and_unknown_class(void **unused)
{
	static const char *const want_unlock[] = {"operation other svc=0x4c class=0x8e", NULL};
	/* EthernetIP__cip_unlock_cpu.pcap frame 1: service 0x4c on the vendor class
	 * 0x8e: not a tag read (no symbolic path), so reported as what it is. */
	static const uint8_t unlock[] = {
		0x70, 0x00, 0x20, 0x00, 0x00, 0x01, 0x02, 0x12, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,
		0xa1, 0x00, 0x04, 0x00, 0x01, 0x6b, 0x07, 0x00,
		0xb1, 0x00, 0x0c, 0x00, 0x4c, 0x1c,
		0x4c, 0x04, 0x20, 0x8e, 0x24, 0x01, 0x20, 0x74, 0x24, 0x01,
	};

	(void)unused;
	one(fo_req, sizeof(fo_req), MK_DIR_TO_SERVER, facts_fo);
	one(unlock, sizeof(unlock), MK_DIR_TO_SERVER, want_unlock);
}

/* The ListIdentity reply as a UDP datagram (the usual broadcast discovery). */
static void test_udp(void **unused)
{
	struct mk_pkt pkt;
	struct rec r = {0}, r2 = {0};
	uint8_t longer[sizeof(lid_rsp)];
	static const char *const want_bad[] = {"anomaly enip_bad_length", NULL};

	(void)unused;
	memset(&pkt, 0, sizeof(pkt));
	pkt.ip_proto = 17;
	assert_int_equal(run_parse(&mk_proto_enip, &pkt, lid_rsp, sizeof(lid_rsp), MK_DIR_TO_CLIENT, &r, NULL),
	                 MK_V_OK);
	rec_expect(&r, facts_lid_rsp);
	/* A length longer than the datagram. */
	memcpy(longer, lid_rsp, sizeof(longer));
	longer[2] = 0x40;
	assert_int_equal(run_parse(&mk_proto_enip, &pkt, longer, sizeof(longer), MK_DIR_TO_CLIENT, &r2, NULL),
	                 MK_V_OK);
	rec_expect(&r2, want_bad);
}

static void test_malformed(void **unused)
{
	uint8_t m[256];
	struct rec r;
	static const char *const want_header[] = {"anomaly enip_bad_header", NULL};
	static const char *const want_cmd[] = {"anomaly enip_unknown_command", NULL};
	static const char *const want_cpf[] = {"anomaly enip_bad_cpf", "operation other send_rr_data", NULL};
	static const char *const want_path[] = {"anomaly cip_bad_path", NULL};
	static const char *const want_msp[] = {
		"anomaly cip_bad_multiple_service",
		"operation other multiple_service_packet",
		NULL,
	};
	static const char *const want_session[] = {
		"operation other register_session",
		"anomaly enip_session_mismatch",
		"operation read get_attributes_all class=0x01",
		NULL,
	};
	struct flow f;

	(void)unused;
	/* Options not zero (Vol. 2 2-3.1: the receiver discards): framing lost. */
	memcpy(m, lid_req, sizeof(lid_req));
	m[20] = 1;
	memset(&r, 0, sizeof(r));
	run_parse(&mk_proto_enip, NULL, m, sizeof(lid_req), MK_DIR_TO_SERVER, &r, NULL);
	rec_expect(&r, want_header);
	/* An unknown command, consumed by its length. */
	memcpy(m, lid_req, sizeof(lid_req));
	m[0] = 0x99;
	memset(&r, 0, sizeof(r));
	one(m, sizeof(lid_req), MK_DIR_TO_SERVER, want_cmd);
	/* A CPF item longer than the command data. */
	memcpy(m, gaa_req, sizeof(gaa_req));
	m[38] = 0x20;
	one(m, sizeof(gaa_req), MK_DIR_TO_SERVER, want_cpf);
	/* A path size beyond the message. */
	memcpy(m, gaa_req, sizeof(gaa_req));
	m[41] = 0x09;
	one(m, sizeof(gaa_req), MK_DIR_TO_SERVER, want_path);
	/* A Multiple Service Packet whose offset points past its data. */
	memcpy(m, msp_rmw_req, sizeof(msp_rmw_req));
	m[54] = 0x60; /* the first offset */
	one(m, sizeof(msp_rmw_req), MK_DIR_TO_SERVER, want_msp);
	/* A request on another session than the one registered. */
	memset(&r, 0, sizeof(r));
	flow_init(&f, NULL);
	flow_feed(&f, MK_DIR_TO_SERVER, reg_req, sizeof(reg_req), &r);
	flow_feed(&f, MK_DIR_TO_CLIENT, reg_rsp, sizeof(reg_rsp), &r);
	memcpy(m, gaa_req, sizeof(gaa_req));
	m[4] = 0x02;
	flow_feed(&f, MK_DIR_TO_SERVER, m, sizeof(gaa_req), &r);
	flow_free(&f);
	rec_expect(&r, want_session);
}

struct vec {
	const uint8_t *b;
	size_t n;
	enum mk_dir dir;
};

static const struct vec all_vecs[] = {
	{lid_req, sizeof(lid_req), MK_DIR_TO_SERVER},
	{lid_rsp, sizeof(lid_rsp), MK_DIR_TO_CLIENT},
	{reg_req, sizeof(reg_req), MK_DIR_TO_SERVER},
	{reg_rsp, sizeof(reg_rsp), MK_DIR_TO_CLIENT},
	{gaa_req, sizeof(gaa_req), MK_DIR_TO_SERVER},
	{gaa_rsp, sizeof(gaa_rsp), MK_DIR_TO_CLIENT},
	{reset_req, sizeof(reset_req), MK_DIR_TO_SERVER},
	{nvs_update_req, sizeof(nvs_update_req), MK_DIR_TO_SERVER},
	{start_req, sizeof(start_req), MK_DIR_TO_SERVER},
	{ucs_req, sizeof(ucs_req), MK_DIR_TO_SERVER},
	{msp_rmw_req, sizeof(msp_rmw_req), MK_DIR_TO_SERVER},
	{sas_req, sizeof(sas_req), MK_DIR_TO_SERVER},
	{rt_req, sizeof(rt_req), MK_DIR_TO_SERVER},
	{rt_rsp, sizeof(rt_rsp), MK_DIR_TO_CLIENT},
	{fo_req, sizeof(fo_req), MK_DIR_TO_SERVER},
	{msp_rt_req, sizeof(msp_rt_req), MK_DIR_TO_SERVER},
	{msp_rt_rsp, sizeof(msp_rt_rsp), MK_DIR_TO_CLIENT},
};

/* TCP: every prefix is an incomplete PDU: NEED, nothing consumed, no facts.
 * UDP: every cut datagram may say less, never something else. */
static void test_every_truncation(void **unused)
{
	struct mk_pkt udp;

	(void)unused;
	memset(&udp, 0, sizeof(udp));
	udp.ip_proto = 17;
	for (size_t v = 0; v < sizeof(all_vecs) / sizeof(all_vecs[0]); v++) {
		struct rec all = {0};

		run_parse(&mk_proto_enip, &udp, all_vecs[v].b, all_vecs[v].n, all_vecs[v].dir, &all, NULL);
		for (size_t cut = 0; cut < all_vecs[v].n; cut++) {
			struct rec part = {0}, upart = {0};
			size_t consumed = 99;
			enum mk_verdict verdict;

			verdict = run_parse(&mk_proto_enip, NULL, all_vecs[v].b, cut, all_vecs[v].dir, &part, &consumed);
			if (cut > 0 && verdict != MK_V_NEED)
				fail_msg("vector %zu cut at %zu: verdict %d, not NEED", v, cut, (int)verdict);
			assert_int_equal(consumed, 0);
			assert_int_equal(part.n, 0);
			run_parse(&mk_proto_enip, &udp, all_vecs[v].b, cut, all_vecs[v].dir, &upart, NULL);
			rec_subset(&upart, &all, cut);
		}
	}
}

/* TCP: a message split at every byte into two segments gives the same facts
 * as the whole, and two messages back to back give both. */
static void test_every_split(void **unused)
{
	static const char *const want_two[] = {
		"operation other register_session",
		"operation read get_attributes_all class=0x01",
		NULL,
	};
	uint8_t two[sizeof(reg_req) + sizeof(gaa_req)];
	struct rec r2 = {0};
	struct flow f2;

	(void)unused;
	memcpy(two, reg_req, sizeof(reg_req));
	memcpy(two + sizeof(reg_req), gaa_req, sizeof(gaa_req));
	flow_init(&f2, NULL);
	assert_int_equal(flow_feed(&f2, MK_DIR_TO_SERVER, two, sizeof(two), &r2), MK_V_OK);
	assert_int_equal(f2.len[0], 0);
	flow_free(&f2);
	rec_expect(&r2, want_two);
	for (size_t v = 0; v < sizeof(all_vecs) / sizeof(all_vecs[0]); v++) {
		struct rec whole = {0};
		struct flow f;

		flow_init(&f, NULL);
		flow_feed(&f, all_vecs[v].dir, all_vecs[v].b, all_vecs[v].n, &whole);
		flow_free(&f);
		for (size_t at = 1; at < all_vecs[v].n; at++) {
			struct rec r = {0};

			flow_init(&f, NULL);
			assert_int_equal(flow_feed(&f, all_vecs[v].dir, all_vecs[v].b, at, &r), MK_V_NEED);
			assert_int_equal(r.n, 0);
			flow_feed(&f, all_vecs[v].dir, all_vecs[v].b + at, all_vecs[v].n - at, &r);
			assert_int_equal(f.len[all_vecs[v].dir == MK_DIR_TO_CLIENT], 0);
			flow_free(&f);
			assert_int_equal(r.n, whole.n);
			for (int i = 0; i < r.n; i++)
				assert_string_equal(r.line[i], whole.line[i]);
		}
	}
}

/* Probe on an exact-size heap copy; the probe must not move the reader. */
static int probe_bytes(const uint8_t *b, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int v;

	assert_non_null(copy);
	memcpy(copy, b, n);
	mk_rd_init(&rd, copy, n);
	v = mk_proto_enip.probe(&rd, MK_DIR_TO_SERVER);
	assert_int_equal(mk_rd_left(&rd), n);
	free(copy);
	return v;
}

static void test_probe(void **unused)
{
	uint8_t two[sizeof(lid_req) * 2];
	static const uint8_t zeros[24] = {0};
	static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: plc\r\n\r\n";

	(void)unused;
	assert_int_equal(probe_bytes(lid_req, sizeof(lid_req)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(lid_rsp, sizeof(lid_rsp)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(reg_req, sizeof(reg_req)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(gaa_req, sizeof(gaa_req)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(start_req, sizeof(start_req)), MK_PROBE_SURE);
	memcpy(two, lid_req, sizeof(lid_req));
	memcpy(two + sizeof(lid_req), lid_req, sizeof(lid_req));
	assert_int_equal(probe_bytes(two, sizeof(two)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(gaa_req, 30), MK_PROBE_MAYBE); /* split in the body */
	assert_int_equal(probe_bytes(gaa_req, 20), MK_PROBE_NO);
	assert_int_equal(probe_bytes(zeros, sizeof(zeros)), MK_PROBE_MAYBE); /* a NOP, or nothing */
	assert_int_equal(probe_bytes(http, sizeof(http) - 1), MK_PROBE_NO);
	memcpy(two, lid_req, sizeof(lid_req));
	two[20] = 1; /* options */
	assert_int_equal(probe_bytes(two, sizeof(lid_req)), MK_PROBE_NO);
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_int_equal(mk_proto_enip.abi, MK_PROTO_ABI);
	assert_string_equal(mk_proto_enip.name, "enip");
	assert_int_equal(mk_proto_enip.id, MK_PROTO_ENIP);
	assert_int_equal(mk_proto_enip.transports, MK_TRANSPORT_TCP | MK_TRANSPORT_UDP);
	assert_true(mk_proto_enip.max_buffer >= 24 + 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_multiple_service),
		cmocka_unit_test(test_forward_open_and_unknown_class),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

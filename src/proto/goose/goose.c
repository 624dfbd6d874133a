/* goose.c - IEC 61850-8-1 GOOSE (Generic Object Oriented Substation Event),
 * EtherType 0x88b8: identification of the publisher (APPID, GoCB reference,
 * data set, GoID) and one "other" operation per published frame with its
 * state and sequence numbers.
 *
 * specification: IEC 61850-8-1:2011 annex C (C.2 frame: APPID, Length,
 * Reserved 1 (bit 15 = simulation, Ed. 2), Reserved 2, APDU; C.3 IECGoosePdu:
 * [APPLICATION 1] SEQUENCE { gocbRef [0] VisibleString, timeAllowedtoLive [1],
 * datSet [2], goID [3] OPTIONAL, t [4], stNum [5], sqNum [6],
 * simulation/test [7] BOOLEAN, confRev [8], ndsCom [9], numDatSetEntries [10],
 * allData [11] ... }).
 *
 * The core hands us the frame's payload after the EtherType (APPID first).
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define GOOSE_HEADER 8
#define GOOSE_TEXT_MAX 129 /* VisibleString(SIZE(0..129)) for references */
#define GOOSE_MAX_FIELDS 16
#define GOOSE_SIMULATION 0x8000

static const char *const goose_events[] = {
    "goose_bad_pdu",   /* header length or BER encoding not as 8-1 annex C says */
    "goose_test_mode", /* the simulation/test flag is set: test frames on a live network */
    NULL,
};

struct goose_state {
	uint8_t attrs_said; /* publisher attributes said once per flow */
	uint8_t test_said;
};

static const struct mk_l2_match goose_l2[] = {{.ethertype = 0x88b8}, {0}};

/* One BER TLV with a short or 1/2-byte long length (8-1 uses no more). */
static bool goose_tlv(struct mk_rd *rd, uint8_t *tag, struct mk_rd *val)
{
	uint8_t l;
	size_t len;

	*tag = mk_rd_u8(rd);
	l = mk_rd_u8(rd);
	if (l < 0x80)
		len = l;
	else if (l == 0x81)
		len = mk_rd_u8(rd);
	else if (l == 0x82)
		len = mk_rd_be16(rd);
	else
		return false;
	if (!mk_rd_ok(rd) || (*tag & 0x1f) == 0x1f)
		return false;
	return mk_rd_sub(rd, len, val);
}

static uint32_t goose_uint(struct mk_rd v)
{
	uint32_t x = 0;

	for (int i = 0; i < 5 && mk_rd_left(&v) > 0; i++)
		x = (x << 8) | mk_rd_u8(&v);
	return x;
}

static void goose_attr(struct mk_emit *out, const char *key, struct mk_rd v)
{
	char text[GOOSE_TEXT_MAX + 1];
	size_t n = 0;

	while (mk_rd_left(&v) > 0 && n < GOOSE_TEXT_MAX) {
		uint8_t c = mk_rd_u8(&v);

		text[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n > 0)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), key, text, n);
}

static bool goose_header(struct mk_rd *rd, uint16_t *appid, uint16_t *res1, struct mk_rd *apdu)
{
	uint16_t len;

	*appid = mk_rd_be16(rd);
	len = mk_rd_be16(rd);
	*res1 = mk_rd_u8(rd) << 8;
	*res1 |= mk_rd_u8(rd);
	mk_rd_skip(rd, 2);
	if (!mk_rd_ok(rd) || len < GOOSE_HEADER || (size_t)len - GOOSE_HEADER > mk_rd_left(rd))
		return false;
	return mk_rd_sub(rd, (size_t)len - GOOSE_HEADER, apdu);
}

static int goose_probe(struct mk_rd *rd, enum mk_dir dir)
{
	struct mk_rd t = *rd, apdu;
	uint16_t appid, res1;
	uint8_t tag = 0;

	(void)dir;
	if (!goose_header(&t, &appid, &res1, &apdu) || !mk_rd_peek_u8(&apdu, 0, &tag) ||
	    tag != 0x61)
		return MK_PROBE_NO;
	return MK_PROBE_SURE;
}

static enum mk_verdict goose_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                   struct mk_emit *out)
{
	struct goose_state *st = state;
	struct mk_rd apdu, pdu, v, gocb = {0}, datset = {0}, goid = {0};
	uint16_t appid, res1;
	uint32_t stnum = 0, sqnum = 0;
	uint8_t tag;
	bool test = false, have_st = false, have_sq = false, ok = true;

	(void)dir;
	*consumed = 0;
	if (!goose_header(rd, &appid, &res1, &apdu) || !goose_tlv(&apdu, &tag, &pdu) ||
	    tag != 0x61) {
		mk_emit_anomaly(out, "goose_bad_pdu");
		return MK_V_OK;
	}
	for (int i = 0; i < GOOSE_MAX_FIELDS && mk_rd_left(&pdu) > 0; i++) {
		if (!goose_tlv(&pdu, &tag, &v)) {
			ok = false;
			break;
		}
		switch (tag) {
		case 0x80: gocb = v; break;
		case 0x82: datset = v; break;
		case 0x83: goid = v; break;
		case 0x85:
			stnum = goose_uint(v);
			have_st = true;
			break;
		case 0x86:
			sqnum = goose_uint(v);
			have_sq = true;
			break;
		case 0x87: test = mk_rd_left(&v) == 1 && mk_rd_u8(&v) != 0; break;
		default: break;
		}
		if (tag == 0xab)
			break; /* allData: the values, nothing for identification */
	}
	if (!ok || mk_rd_left(&gocb) == 0 || !have_st || !have_sq) {
		mk_emit_anomaly(out, "goose_bad_pdu");
		if (mk_rd_left(&gocb) == 0)
			return MK_V_OK;
	}
	if (st == NULL || !st->attrs_said) {
		char a[8];
		int n = snprintf(a, sizeof(a), "0x%04x", (unsigned)appid);

		if (st != NULL)
			st->attrs_said = 1;
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "goose_appid", a, (size_t)n);
		goose_attr(out, "goose_gocbref", gocb);
		goose_attr(out, "goose_datset", datset);
		goose_attr(out, "goose_goid", goid);
	}
	if ((test || (res1 & GOOSE_SIMULATION)) && (st == NULL || !st->test_said)) {
		if (st != NULL)
			st->test_said = 1;
		mk_emit_anomaly(out, "goose_test_mode");
	}
	mk_emit_operationf(out, MK_OP_OTHER, "publish stNum=%lu sqNum=%lu", (unsigned long)stnum, (unsigned long)sqnum);
	return MK_V_OK;
}

const struct mk_proto mk_proto_goose = {
    .abi = MK_PROTO_ABI,
    .name = "goose",
    .id = MK_PROTO_GOOSE,
    .transports = MK_TRANSPORT_L2,
    .l2 = goose_l2,
    .state_size = sizeof(struct goose_state),
    .probe = goose_probe,
    .parse = goose_parse,
    .events = goose_events,
};

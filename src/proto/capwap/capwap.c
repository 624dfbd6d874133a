/* capwap.c - CAPWAP (Control And Provisioning of Wireless Access Points), UDP 5246 control
 * and 5247 data: identification only.
 * specification: RFC 5415 section 4.1 (preamble: version 0, type 0 = CAPWAP header,
 * type 1 = CAPWAP DTLS header), 4.2 (DTLS header: preamble + 24 reserved bits, then a DTLS
 * record, RFC 6347 section 4.1), 4.3 (header: HLEN in 32-bit words, RID, WBID, T/F/L/W/M/K
 * flags, 3 reserved flag bits that MUST be zero), 4.5.1 (control header: message type,
 * sequence number, message element length, flags), 4.5.2 (message types 1..26).
 */
#include "mieruka/proto.h"

#define CAPWAP_HDR_MIN 8   /* HLEN >= 2 */
#define CAPWAP_CTRL_HDR 8  /* message type 4, seq 1, element length 2, flags 1 */

struct capwap_state {
	uint8_t seen; /* bit 0: control said, bit 1: DTLS said */
};

static const char *const capwap_events[] = {NULL};

/* A CAPWAP DTLS header then a DTLS record (content type 20..23, version 1.0 or 1.2). */
static bool capwap_is_dtls(const struct mk_rd *rd)
{
	uint8_t b0 = 0, ct = 0, vmaj = 0, vmin = 0;
	uint32_t w0 = 0;
	uint16_t rlen = 0;

	if (!mk_rd_peek_be32(rd, 0, &w0) || !mk_rd_peek_u8(rd, 4, &ct) || !mk_rd_peek_u8(rd, 5, &vmaj) ||
	    !mk_rd_peek_u8(rd, 6, &vmin) || !mk_rd_peek_be16(rd, 15, &rlen))
		return false;
	b0 = (uint8_t)(w0 >> 24);
	return b0 == 0x01 && (w0 & 0xffffffu) == 0 && ct >= 20 && ct <= 23 && vmaj == 0xfe &&
	       (vmin == 0xff || vmin == 0xfd) && (size_t)rlen + 4 + 13 <= mk_rd_left(rd);
}

/* The plain header: returns its length in bytes, or 0 when it is not one. */
static size_t capwap_header(const struct mk_rd *rd, bool *is_data)
{
	uint32_t w0 = 0;
	size_t hlen;

	if (!mk_rd_peek_be32(rd, 0, &w0) || (w0 >> 24) != 0x00)
		return 0;
	hlen = ((w0 >> 19) & 0x1fu) * 4u;
	if (hlen < CAPWAP_HDR_MIN || hlen > mk_rd_left(rd))
		return 0;
	if ((w0 & 0x7u) != 0)           /* reserved flags */
		return 0;
	if (((w0 >> 9) & 0x1fu) > 3) /* WBID: 0 reserved, 1 IEEE 802.11, 3 EPCGlobal */
		return 0;
	*is_data = (w0 >> 8) & 1u;      /* T: native frame format, a data packet */
	return hlen;
}

/* A control message after the header: type 1..26 of enterprise 0 and a length that fits. */
static bool capwap_is_control(const struct mk_rd *rd, size_t hlen)
{
	uint32_t type = 0;
	uint16_t elen = 0;
	size_t rest;

	if (!mk_rd_peek_be32(rd, hlen, &type) || !mk_rd_peek_be16(rd, hlen + 5, &elen))
		return false;
	rest = mk_rd_left(rd) - hlen - 5; /* bytes following the sequence number */
	return type >= 1 && type <= 26 && elen <= rest && elen + 8u >= rest;
}

static int capwap_probe(struct mk_rd *rd, enum mk_dir dir)
{
	bool is_data = false;
	size_t hlen;

	(void)dir;
	if (capwap_is_dtls(rd))
		return MK_PROBE_SURE;
	hlen = capwap_header(rd, &is_data);
	if (hlen == 0)
		return MK_PROBE_NO;
	if (!is_data && capwap_is_control(rd, hlen))
		return MK_PROBE_SURE;
	return MK_PROBE_MAYBE; /* a plausible header: only on the hinted ports */
}

static enum mk_verdict capwap_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                    struct mk_emit *out)
{
	struct capwap_state *st = state;
	bool is_data = false;
	size_t hlen;

	(void)dir;
	*consumed = mk_rd_left(rd);
	/* Said once per flow and kind: a tunnel carries a datagram per frame. */
	if (capwap_is_dtls(rd)) {
		if (!(st->seen & 2))
			mk_emit_operation(out, MK_OP_OTHER, "capwap_dtls");
		st->seen |= 2;
		return MK_V_OK;
	}
	hlen = capwap_header(rd, &is_data);
	if (hlen != 0 && !is_data && capwap_is_control(rd, hlen)) {
		if (!(st->seen & 1))
			mk_emit_operation(out, MK_OP_OTHER, "capwap_control");
		st->seen |= 1;
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_capwap = {
	.abi = MK_PROTO_ABI,
	.name = "capwap",
	.id = MK_PROTO_CAPWAP,
	.transports = MK_TRANSPORT_UDP,
	.state_size = sizeof(struct capwap_state),
	.max_buffer = 0,
	.probe = capwap_probe,
	.parse = capwap_parse,
	.events = capwap_events,
};

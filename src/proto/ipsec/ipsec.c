/* ipsec.c - IKE (IPsec key exchange) on UDP 500 and 4500: identification only.
 * specification: RFC 7296 section 3.1 (IKEv2 header: initiator SPI, responder SPI, next
 * payload, major/minor version 0x20, exchange types 34..37, flags, message ID, length of
 * the whole message); RFC 2408 section 3.1 (ISAKMP header, version 0x10) and RFC 2409
 * section 5 (IKEv1 exchanges: 2 identity protection, 4 aggressive, 5 informational,
 * 32 quick mode, 33 new group); RFC 3948 section 2.2 (UDP 4500: a 4-byte zero non-ESP
 * marker precedes IKE; anything else is ESP) and 2.3 (NAT-keepalive, one byte 0xFF).
 */
#include "mieruka/proto.h"

#define IKE_HDR 28

struct ipsec_state {
	uint8_t version_said[2]; /* per direction */
};

static const char *const ipsec_events[] = {NULL};

/* The IKE major version (1 or 2) of the message in rd, or 0 when it is not IKE. */
static unsigned ike_version(const struct mk_rd *rd)
{
	uint32_t w = 0, len = 0, spi_hi = 0, spi_lo = 0;
	uint8_t np = 0, ver = 0, xt = 0;
	size_t off = 0, left = mk_rd_left(rd);

	if (!mk_rd_peek_be32(rd, 0, &w))
		return 0;
	if (w == 0)
		off = 4; /* RFC 3948: the non-ESP marker (an initiator SPI is never zero) */
	if (left < off + IKE_HDR || !mk_rd_peek_be32(rd, off, &spi_hi) || !mk_rd_peek_be32(rd, off + 4, &spi_lo) ||
	    !mk_rd_peek_u8(rd, off + 16, &np) || !mk_rd_peek_u8(rd, off + 17, &ver) ||
	    !mk_rd_peek_u8(rd, off + 18, &xt) || !mk_rd_peek_be32(rd, off + 24, &len))
		return 0;
	if ((spi_hi | spi_lo) == 0 || len != left - off)
		return 0;
	if (ver == 0x10) {
		if (xt != 2 && xt != 4 && xt != 5 && xt != 32 && xt != 33)
			return 0;
		if (np > 21 && np < 128) /* RFC 2408 3.1, RFC 3947 NAT-D/NAT-OA; 128..255 private */
			return 0;
		return 1;
	}
	if (ver == 0x20) {
		if (xt < 34 || xt > 37)
			return 0;
		if (np != 0 && (np < 33 || np > 53) && np < 128) /* RFC 7296 3.2 / IANA registry */
			return 0;
		return 2;
	}
	return 0;
}

static int ipsec_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t b0 = 0;

	(void)dir;
	if (ike_version(rd) != 0)
		return MK_PROBE_SURE;
	/* A NAT-keepalive opens a flow seen mid-tunnel: only on the hinted ports. */
	if (mk_rd_left(rd) == 1 && mk_rd_peek_u8(rd, 0, &b0) && b0 == 0xff)
		return MK_PROBE_MAYBE;
	return MK_PROBE_NO;
}

static enum mk_verdict ipsec_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                   struct mk_emit *out)
{
	struct ipsec_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	unsigned v = ike_version(rd);

	*consumed = mk_rd_left(rd);
	if (v == 0)
		return MK_V_OK; /* ESP, keepalive, or not IKE */
	mk_emit_operation(out, MK_OP_OTHER, v == 1 ? "ike_v1" : "ike_v2");
	if (st->version_said[d] != v) {
		st->version_said[d] = (uint8_t)v;
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "ike_version", v == 1 ? "1" : "2", 1);
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_ipsec = {
	.abi = MK_PROTO_ABI,
	.name = "ipsec",
	.id = MK_PROTO_IPSEC,
	.transports = MK_TRANSPORT_UDP,
	.state_size = sizeof(struct ipsec_state),
	.max_buffer = 0,
	.probe = ipsec_probe,
	.parse = ipsec_parse,
	.events = ipsec_events,
};

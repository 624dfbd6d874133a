/* openvpn.c - OpenVPN on UDP/TCP 1194: identification only.
 * specification: OpenVPN source, doc/doxygen/doc_protocol_overview.h and src/openvpn/ssl_pkt.h
 * / ssl.h ("protocol description": first byte = opcode << 3 | key_id; opcodes
 * P_CONTROL_HARD_RESET_CLIENT_V1..V3 = 1/7/10, SERVER = 2/8, P_CONTROL_SOFT_RESET_V1 = 3,
 * P_CONTROL_V1 = 4, P_ACK_V1 = 5, P_DATA_V1 = 6, P_DATA_V2 = 9; a control packet is
 * session_id[8], [HMAC + packet_id[4] + net_time[4] with tls-auth], ack count[1],
 * ack ids[4 each] + remote session_id[8] when acks, message packet_id[4], payload; over TCP
 * every packet has a 2-byte big-endian length prefix); Wireshark wiki "OpenVPN".
 * Only a hard reset whose shape is checked is SURE; other packets are MAYBE (hinted port).
 */
#include "mieruka/proto.h"

#include "mieruka/pkt.h"

#define OVPN_MAX_PACKET 65535

struct openvpn_state {
	uint8_t said;
};

static const char *const openvpn_events[] = {NULL};

/* tls-auth HMAC sizes tried: none, MD5, SHA1, SHA256, SHA384, SHA512. */
static const uint8_t ovpn_hmac[] = {0, 16, 20, 32, 48, 64};

static unsigned ovpn_opcode(const uint8_t *p)
{
	return p[0] >> 3;
}

static bool ovpn_opcode_ok(const uint8_t *p, size_t n)
{
	unsigned op;

	if (n < 1)
		return false;
	op = ovpn_opcode(p);
	return op >= 1 && op <= 10 && n >= (op == 6 || op == 9 ? 5u : 9u);
}

static uint32_t ovpn_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A hard reset (client V2/V3 or server V2) with key id 0, plaintext control shape. */
static bool ovpn_hard_reset(const uint8_t *p, size_t n)
{
	unsigned op;

	if (n < 14)
		return false;
	op = ovpn_opcode(p);
	if ((op != 7 && op != 8 && op != 10) || (p[0] & 7u) != 0)
		return false;
	for (size_t i = 0; i < sizeof(ovpn_hmac); i++) {
		size_t off = 9, acks, end;

		if (ovpn_hmac[i] != 0) {
			off += ovpn_hmac[i] + 8u;
			if (off + 5 > n || ovpn_be32(p + 9 + ovpn_hmac[i]) != 1) /* replay packet_id 1 */
				continue;
		}
		if (off + 5 > n)
			continue;
		acks = p[off];
		/* A client's first packet acks nothing; the server acks the client's id 0. */
		if (op == 8 ? acks != 1 : acks != 0)
			continue;
		end = off + 1 + acks * 4 + (acks ? 8 : 0); /* ack ids, remote session id */
		if (end + 4 > n || (acks && ovpn_be32(p + off + 1) != 0) || ovpn_be32(p + end) != 0)
			continue;
		end += 4;
		/* V2 may carry a few bytes of early-negotiation TLVs; V3 a wrapped client key. */
		if (op == 10 || n - end <= 16)
			return true;
	}
	return false;
}

/* One packet: TCP strips the length prefix first. */
static bool ovpn_unframe(struct mk_rd *rd, bool tcp_like, const uint8_t **p, size_t *n)
{
	uint16_t plen = 0;

	*p = mk_rd_cur(rd);
	*n = mk_rd_left(rd);
	if (!tcp_like)
		return *p != NULL;
	if (!mk_rd_peek_be16(rd, 0, &plen) || plen == 0 || (size_t)plen + 2 > *n)
		return false;
	*p += 2;
	*n = plen;
	return true;
}

static int openvpn_probe(struct mk_rd *rd, enum mk_dir dir)
{
	const uint8_t *p;
	size_t n;

	(void)dir;
	/* The probe does not know the transport: try a datagram, then a TCP frame. */
	if (ovpn_unframe(rd, false, &p, &n) && ovpn_hard_reset(p, n))
		return MK_PROBE_SURE;
	if (ovpn_unframe(rd, true, &p, &n) && ovpn_hard_reset(p, n))
		return MK_PROBE_SURE;
	/* Mid-session packets of a valid opcode: only on the hinted port. */
	if (ovpn_unframe(rd, false, &p, &n) && ovpn_opcode_ok(p, n))
		return MK_PROBE_MAYBE;
	if (ovpn_unframe(rd, true, &p, &n) && ovpn_opcode_ok(p, n))
		return MK_PROBE_MAYBE;
	return MK_PROBE_NO;
}

static void ovpn_say(struct openvpn_state *st, struct mk_emit *out)
{
	if (!st->said)
		mk_emit_operation(out, MK_OP_OTHER, "openvpn");
	st->said = 1;
}

static enum mk_verdict openvpn_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                     struct mk_emit *out)
{
	struct openvpn_state *st = state;
	const uint8_t *p = mk_rd_cur(rd);
	size_t n = mk_rd_left(rd), off = 0;

	(void)dir;
	*consumed = n;
	/* The packet says which transport; without one (the fuzz harness feeds
	 * stream records) the bytes are taken as a TCP stream, as dns.c does. */
	if (out->pkt != NULL && out->pkt->ip_proto != 6) {
		/* UDP: one datagram is one packet. */
		if (p != NULL && ovpn_opcode_ok(p, n))
			ovpn_say(st, out);
		return MK_V_OK;
	}
	/* TCP: packets behind 2-byte lengths. */
	for (unsigned guard = 0; off + 2 <= n && guard < 256; guard++) {
		size_t plen = (size_t)p[off] << 8 | p[off + 1], avail = n - off - 2;

		if (plen == 0 || (avail > 0 && (ovpn_opcode(p + off + 2) < 1 || ovpn_opcode(p + off + 2) > 10)))
			return MK_V_INVALID;
		if (avail < plen)
			break;
		if (!ovpn_opcode_ok(p + off + 2, plen))
			return MK_V_INVALID;
		ovpn_say(st, out);
		off += 2 + plen;
	}
	*consumed = off;
	return off == n ? MK_V_OK : MK_V_NEED;
}

const struct mk_proto mk_proto_openvpn = {
	.abi = MK_PROTO_ABI,
	.name = "openvpn",
	.id = MK_PROTO_OPENVPN,
	.transports = MK_TRANSPORT_TCP | MK_TRANSPORT_UDP,
	.state_size = sizeof(struct openvpn_state),
	.max_buffer = OVPN_MAX_PACKET + 2,
	.probe = openvpn_probe,
	.parse = openvpn_parse,
	.events = openvpn_events,
};

/* ndp.c - ICMPv6 neighbour discovery messages that bind an address to a MAC.
 * specification: RFC 4861 sections 4.2 (Router Advertisement), 4.3 (Neighbor
 * Solicitation), 4.4 (Neighbor Advertisement), 4.6 (option format) and 4.6.1
 * (source/target link-layer address); RFC 2464 section 6 (on Ethernet the
 * link-layer address option is 8 bytes long: type, length 1, a MAC).
 *
 * Only what ip_mac_change needs (src/detect/netwatch.c) is read: the NA
 * flags and target, the NS target, the RA router lifetime, and the first
 * link-layer address option of the kind the message carries (source for RA
 * and NS, target for NA).  Options of other kinds are skipped by their length.
 * Called by decode.c for ICMPv6 types 134-136 only, so other ICMPv6 traffic
 * costs nothing; the reader holds the message after the 4-byte ICMPv6 header,
 * bounded by the IPv6 payload length (Ethernet padding excluded).
 *
 * Errors, as decode events:
 *  - ndp_truncated: the fixed part of the message is cut (12 bytes for an RA,
 *    20 for NS/NA), whatever the reason;
 *  - ndp_bad_option: an option of length 0 (RFC 4861 4.6: the message is to be
 *    discarded), or one that runs past the end of a message that was captured
 *    whole.  Past the snap length the options read so far are kept.
 * A message with an error claims nothing (no MK_L_NDP).  The option walk is
 * bounded by the bytes and by NDP_MAX_OPTIONS.
 */
#include "decode_int.h"

#include "mieruka/rd.h"

/* An RA with many prefixes and DNS options still has far fewer; beyond, the
 * rest is not read (the link-layer option comes first in every stack seen). */
#define NDP_MAX_OPTIONS 64
#define NDP_OPT_SLLA 1 /* source link-layer address */
#define NDP_OPT_TLLA 2 /* target link-layer address */

int mk_decode_ndp(struct mk_pkt *pkt, struct mk_rd *rd, bool cut)
{
	struct mk_ndp *n = &pkt->ndp;
	uint8_t want;

	/* RFC 4861 7.1.1/7.1.2/6.1.2: a code other than 0 is not a valid message */
	if (pkt->icmp_code != 0 || pkt->icmp_type < MK_NDP_RA || pkt->icmp_type > MK_NDP_NA)
		return MK_DEV_COUNT;
	memset(n, 0, sizeof(*n));
	n->type = pkt->icmp_type;
	if (n->type == MK_NDP_RA) {
		if (!mk_rd_has(rd, 12))
			return MK_DEV_NDP_TRUNCATED;
		mk_rd_skip(rd, 1); /* current hop limit */
		n->flags = mk_rd_u8(rd);
		n->router_lifetime = mk_rd_be16(rd);
		mk_rd_skip(rd, 8); /* reachable time, retransmission timer */
		want = NDP_OPT_SLLA;
	} else {
		if (!mk_rd_has(rd, 20))
			return MK_DEV_NDP_TRUNCATED;
		n->flags = mk_rd_u8(rd); /* NA: R, S, O; NS: reserved */
		mk_rd_skip(rd, 3);
		mk_rd_copy(rd, n->target, 16);
		want = n->type == MK_NDP_NS ? NDP_OPT_SLLA : NDP_OPT_TLLA;
	}
	for (unsigned i = 0; i < NDP_MAX_OPTIONS && mk_rd_left(rd) > 0; i++) {
		uint8_t type = 0, len8 = 0;
		struct mk_rd opt;

		if (!mk_rd_peek_u8(rd, 0, &type) || !mk_rd_peek_u8(rd, 1, &len8)) {
			if (cut)
				break;
			return MK_DEV_NDP_BAD_OPTION;
		}
		if (len8 == 0)
			return MK_DEV_NDP_BAD_OPTION;
		if (!mk_rd_sub(rd, (size_t)len8 * 8, &opt)) {
			if (cut)
				break;
			return MK_DEV_NDP_BAD_OPTION;
		}
		/* Length 1 = a 6-byte address (Ethernet); other links use other
		 * lengths (IEEE 802.15.4: 2) and have no MAC for us. */
		if (type == want && len8 == 1 && !n->has_lla) {
			mk_rd_skip(&opt, 2);
			mk_rd_copy(&opt, n->lla, 6);
			n->has_lla = mk_rd_ok(&opt);
		}
	}
	pkt->layers |= MK_L_NDP;
	return MK_DEV_COUNT;
}

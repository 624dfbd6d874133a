/* decode.c - link, L2, L3 and L4 decoding of one packet through the bounded reader.
 * specification: IEEE 802.3 clause 3 (Ethernet II / length frames), IEEE 802.2 (LLC),
 * RFC 1042 (SNAP), IEEE 802.1Q / 802.1ad (VLAN tags), RFC 826 (ARP), RFC 791 (IPv4),
 * RFC 8200 sections 4-4.8 (IPv6 and extension headers), RFC 4302 (AH length unit),
 * RFC 6275 section 6.1 (mobility header), RFC 9293 section 3.1 (TCP header),
 * RFC 768 (UDP), RFC 792 / RFC 4443 (ICMP / ICMPv6), RFC 4861 (neighbour discovery,
 * in ndp.c); tcpdump.org link-layer header
 * types LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL, LINKTYPE_LOOP.
 *
 * This is the hot path.  Every layer is a small function taking the reader for its
 * own bytes; what comes next is chosen from a small table (link type, EtherType,
 * BSD family, IP protocol, IPv6 extension header), so supporting one more EtherType
 * is one more row.  Nothing is allocated per packet (only IPv4 fragments, in frag.c).
 *
 * Result convention (documented for callers and tests):
 *  - every field is valid exactly when its layer bit is set in pkt->layers (plus
 *    has_mac for the MAC pair, vlan_count for vlan[]);
 *  - MK_DECODE_OK: decoded as far as the frame goes.  Non-fatal anomalies may have
 *    been counted (zero_port, udp_bad_length, ipv4_bad_total_length for a zero
 *    "TSO" length or a length past a fully captured frame, ipv6_bad_payload_length,
 *    ipv4_frag_overlap, ipv6_fragment_not_reassembled);
 *  - MK_DECODE_INVALID: a header was cut or malformed; the layers before it stay
 *    filled (a cut inside the TCP header leaves ETH|IP4, tcp_truncated, no payload);
 *  - MK_DECODE_HELD: an IPv4 fragment was kept; L2 and L3 are filled, no L4.
 * A frame cut by the snap length is not an anomaly while every header is whole:
 * payload_len is what was captured.
 */
#include "mieruka/decode.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"
#include "mieruka/rd.h"

/* Per-call state threaded through the layer functions. */
struct dctx {
	struct mk_decoder *dec;
	struct mk_pkt *pkt;
	uint32_t l4_claimed;   /* L4 bytes the IP header claims (>= what the L4 reader holds) */
	uint8_t vlan_tags;     /* tags seen so far, for the depth limit */
};

#define VLAN_TAGS_MAX 8        /* 802.1ad QinQ rarely exceeds 2; 8 is generous */
#define IPV6_EXTHDR_MAX 8      /* more extension headers than any real stack sends */
#define ETHERTYPE_MIN 1536     /* 0x0600: smaller type fields are 802.3 lengths */
#define LLC_MAX_LEN 1500

static const char *const event_names[MK_DEV_COUNT] = {
#define MK_DECODE_EVENT(e, s) s,
#include "mieruka/decode_events.def"
#undef MK_DECODE_EVENT
};

const char *mk_decode_event_name(unsigned ev)
{
	return ev < MK_DEV_COUNT ? event_names[ev] : "unknown";
}

void mk_decode_limits_default(struct mk_decode_limits *lim)
{
	lim->frag_memcap = 4u << 20;
	lim->frag_max_datagrams = 1024;
	lim->frag_timeout_ns = 30ull * 1000000000ull;
}

static enum mk_decode_result fail(struct dctx *c, enum mk_decode_event ev)
{
	mk_decode_event_raise(c->dec, c->pkt, ev);
	return MK_DECODE_INVALID;
}

/* Whether the whole frame was captured, so a length past the end is a lie and not
 * the snap length at work.  wirelen 0 means "unknown". */
static bool frame_complete(const struct mk_pkt *pkt)
{
	return pkt->wirelen != 0 && pkt->wirelen <= pkt->caplen;
}

static enum mk_decode_result set_payload(struct mk_pkt *pkt, struct mk_rd *rd)
{
	pkt->payload = mk_rd_cur(rd);
	pkt->payload_len = (uint32_t)mk_rd_left(rd);
	return MK_DECODE_OK;
}

static void zero_port_check(struct dctx *c)
{
	if (c->pkt->sport == 0 || c->pkt->dport == 0)
		mk_decode_event_raise(c->dec, c->pkt, MK_DEV_ZERO_SOURCE_PORT);
}

/* ---- L4 ---- */

static enum mk_decode_result decode_tcp(struct dctx *c, struct mk_rd *rd)
{
	struct mk_pkt *pkt = c->pkt;
	uint16_t sport, dport, offflags, win;
	uint32_t seq, ack;
	size_t doff;

	if (!mk_rd_has(rd, 20))
		return fail(c, MK_DEV_TCP_TRUNCATED);
	sport = mk_rd_be16(rd);
	dport = mk_rd_be16(rd);
	seq = mk_rd_be32(rd);
	ack = mk_rd_be32(rd);
	offflags = mk_rd_be16(rd);
	win = mk_rd_be16(rd);
	mk_rd_skip(rd, 4); /* checksum, urgent pointer */
	doff = (size_t)(offflags >> 12) * 4;
	if (doff < 20)
		return fail(c, MK_DEV_TCP_BAD_OFFSET);
	if (!mk_rd_skip(rd, doff - 20)) /* options: not needed by anyone downstream yet */
		return fail(c, doff <= c->l4_claimed ? MK_DEV_TCP_TRUNCATED : MK_DEV_TCP_BAD_OFFSET);
	pkt->sport = sport;
	pkt->dport = dport;
	pkt->tcp_seq = seq;
	pkt->tcp_ack = ack;
	pkt->tcp_flags = (uint8_t)(offflags & 0xff);
	pkt->tcp_win = win;
	pkt->layers |= MK_L_TCP;
	zero_port_check(c);
	return set_payload(pkt, rd);
}

static enum mk_decode_result decode_udp(struct dctx *c, struct mk_rd *rd)
{
	struct mk_pkt *pkt = c->pkt;
	size_t avail = mk_rd_left(rd), n;
	uint16_t ulen;
	struct mk_rd body;

	if (avail < 8)
		return fail(c, MK_DEV_UDP_TRUNCATED);
	pkt->sport = mk_rd_be16(rd);
	pkt->dport = mk_rd_be16(rd);
	ulen = mk_rd_be16(rd);
	mk_rd_skip(rd, 2); /* checksum */
	if (ulen < 8 || ulen > c->l4_claimed) {
		/* The IP layer's length is the saner of the two. */
		mk_decode_event_raise(c->dec, pkt, MK_DEV_UDP_BAD_LENGTH);
		n = avail;
	} else {
		n = ulen < avail ? ulen : avail; /* ulen > avail: cut by the snap length */
	}
	pkt->layers |= MK_L_UDP;
	zero_port_check(c);
	mk_rd_sub(rd, n - 8, &body);
	return set_payload(pkt, &body);
}

static enum mk_decode_result decode_icmp_common(struct dctx *c, struct mk_rd *rd, enum mk_decode_event trunc,
						uint32_t layer)
{
	struct mk_pkt *pkt = c->pkt;

	if (!mk_rd_has(rd, 4))
		return fail(c, trunc);
	pkt->icmp_type = mk_rd_u8(rd);
	pkt->icmp_code = mk_rd_u8(rd);
	mk_rd_skip(rd, 2); /* checksum */
	pkt->layers |= layer;
	return set_payload(pkt, rd);
}

static enum mk_decode_result decode_icmp(struct dctx *c, struct mk_rd *rd)
{
	return decode_icmp_common(c, rd, MK_DEV_ICMP_TRUNCATED, MK_L_ICMP);
}

static enum mk_decode_result decode_icmp6(struct dctx *c, struct mk_rd *rd)
{
	enum mk_decode_result r = decode_icmp_common(c, rd, MK_DEV_ICMP6_TRUNCATED, MK_L_ICMP6);
	struct mk_pkt *pkt = c->pkt;
	struct mk_rd body;
	int ev;

	/* Neighbour discovery (RA, NS, NA; ndp.c): the address claims of IPv6. */
	if (r != MK_DECODE_OK || pkt->icmp_type < MK_NDP_RA || pkt->icmp_type > MK_NDP_NA)
		return r;
	body = *rd;
	ev = mk_decode_ndp(pkt, &body, mk_rd_left(rd) + 4 < c->l4_claimed);
	if (ev == MK_DEV_COUNT)
		return r;
	pkt->payload = NULL;
	pkt->payload_len = 0;
	return fail(c, (enum mk_decode_event)ev);
}

/* IP protocol numbers (IANA "Assigned Internet Protocol Numbers") -> L4 decoder. */
static const struct ipproto_row {
	uint8_t proto;
	enum mk_decode_result (*fn)(struct dctx *c, struct mk_rd *rd);
} ipproto_table[] = {
	{ 6, decode_tcp },
	{ 17, decode_udp },
	{ 1, decode_icmp },
	{ 58, decode_icmp6 },
};

static enum mk_decode_result decode_l4(struct dctx *c, struct mk_rd *rd, uint8_t proto)
{
	for (size_t i = 0; i < sizeof(ipproto_table) / sizeof(ipproto_table[0]); i++)
		if (ipproto_table[i].proto == proto)
			return ipproto_table[i].fn(c, rd);
	/* Unknown transport (GRE, OSPF, VRRP, SCTP...): hand over the IP payload. */
	return set_payload(c->pkt, rd);
}

/* ---- L3 ---- */

static enum mk_decode_result decode_ipv4_frag(struct dctx *c, struct mk_rd *body, uint16_t fo, uint32_t hl)
{
	struct mk_pkt *pkt = c->pkt;
	const uint8_t *src = pkt->src_ip.a, *dst = pkt->dst_ip.a;
	struct mk_frag_in in;
	const uint8_t *out = NULL;
	uint32_t out_len = 0, events = pkt->events;
	struct mk_rd rd;

	if (mk_rd_left(body) < c->l4_claimed) {
		/* Cut by the snap length: the bytes to reassemble are not all here. */
		c->dec->stats.frag_dropped++;
		return MK_DECODE_OK;
	}
	in.src = (uint32_t)src[0] << 24 | (uint32_t)src[1] << 16 | (uint32_t)src[2] << 8 | src[3];
	in.dst = (uint32_t)dst[0] << 24 | (uint32_t)dst[1] << 16 | (uint32_t)dst[2] << 8 | dst[3];
	in.id = pkt->ip_id;
	in.proto = pkt->ip_proto;
	in.more = (fo & 0x2000) != 0;
	in.off = (uint32_t)(fo & 0x1fff) * 8;
	in.hdr_len = hl;
	in.len = (uint32_t)mk_rd_left(body);
	in.data = mk_rd_ptr(body, in.len);
	switch (mk_frag_add(c->dec, pkt, &in, &out, &out_len)) {
	case MK_FRAG_HELD:
		return MK_DECODE_HELD;
	case MK_FRAG_DROPPED:
		return pkt->events != events ? MK_DECODE_INVALID : MK_DECODE_OK;
	case MK_FRAG_DONE:
		break;
	}
	pkt->layers |= MK_L_FRAG;
	c->l4_claimed = out_len;
	mk_rd_init(&rd, out, out_len);
	return decode_l4(c, &rd, pkt->ip_proto);
}

static enum mk_decode_result decode_ipv4(struct dctx *c, struct mk_rd *rd)
{
	struct mk_pkt *pkt = c->pkt;
	size_t avail = mk_rd_left(rd), tl;
	uint8_t vihl;
	uint16_t fo;
	uint32_t hl;
	struct mk_rd body;

	if (avail < 20)
		return fail(c, MK_DEV_IPV4_TRUNCATED);
	vihl = mk_rd_u8(rd);
	if (vihl >> 4 != 4)
		return fail(c, MK_DEV_IPV4_BAD_VERSION);
	hl = (uint32_t)(vihl & 0x0f) * 4;
	if (hl < 20)
		return fail(c, MK_DEV_IPV4_BAD_IHL);
	if (hl > avail)
		return fail(c, MK_DEV_IPV4_TRUNCATED);
	mk_rd_skip(rd, 1); /* DSCP/ECN */
	tl = mk_rd_be16(rd);
	pkt->ip_id = mk_rd_be16(rd);
	fo = mk_rd_be16(rd);
	pkt->ttl = mk_rd_u8(rd);
	pkt->ip_proto = mk_rd_u8(rd);
	mk_rd_skip(rd, 2); /* checksum: offloading makes it unreliable in captures */
	mk_rd_copy(rd, pkt->src_ip.a, 4);
	mk_rd_copy(rd, pkt->dst_ip.a, 4);
	mk_rd_skip(rd, hl - 20); /* options */
	pkt->src_ip.family = MK_AF_INET;
	pkt->dst_ip.family = MK_AF_INET;
	pkt->layers |= MK_L_IP4;

	if (tl < hl) {
		mk_decode_event_raise(c->dec, pkt, MK_DEV_IPV4_BAD_TOTAL_LENGTH);
		if (tl != 0)
			return MK_DECODE_INVALID;
		tl = avail; /* 0: segmentation offload on the capturing host; trust the capture */
	} else if (tl > avail && frame_complete(pkt)) {
		mk_decode_event_raise(c->dec, pkt, MK_DEV_IPV4_BAD_TOTAL_LENGTH);
	}
	c->l4_claimed = (uint32_t)(tl - hl);
	/* tl < avail: Ethernet padding follows the datagram and is not payload. */
	mk_rd_sub(rd, (tl < avail ? tl : avail) - hl, &body);
	if ((fo & 0x3fff) != 0) /* MF or an offset: a fragment */
		return decode_ipv4_frag(c, &body, fo, hl);
	return decode_l4(c, &body, pkt->ip_proto);
}

enum ext_kind { EXT_LEN8, EXT_AH, EXT_FRAG };

/* IPv6 extension headers (RFC 8200 section 4.1, IANA "IPv6 Extension Header Types")
 * and how their length is counted. */
static const struct ext_row {
	uint8_t nh;
	uint8_t kind; /* enum ext_kind */
} ext_table[] = {
	{ 0, EXT_LEN8 },    /* hop-by-hop options */
	{ 43, EXT_LEN8 },   /* routing */
	{ 44, EXT_FRAG },   /* fragment, always 8 bytes */
	{ 60, EXT_LEN8 },   /* destination options */
	{ 51, EXT_AH },     /* authentication header: 4-byte units, minus 2 */
	{ 135, EXT_LEN8 },  /* mobility */
};

static const struct ext_row *ext_find(uint8_t nh)
{
	for (size_t i = 0; i < sizeof(ext_table) / sizeof(ext_table[0]); i++)
		if (ext_table[i].nh == nh)
			return &ext_table[i];
	return NULL;
}

static enum mk_decode_result decode_ipv6(struct dctx *c, struct mk_rd *rd)
{
	struct mk_pkt *pkt = c->pkt;
	size_t avail, claimed;
	uint8_t nh;
	uint16_t plen;
	struct mk_rd body;

	if (!mk_rd_has(rd, 40))
		return fail(c, MK_DEV_IPV6_TRUNCATED);
	if (mk_rd_be32(rd) >> 28 != 6)
		return fail(c, MK_DEV_IPV6_BAD_VERSION);
	plen = mk_rd_be16(rd);
	nh = mk_rd_u8(rd);
	pkt->ttl = mk_rd_u8(rd);
	mk_rd_copy(rd, pkt->src_ip.a, 16);
	mk_rd_copy(rd, pkt->dst_ip.a, 16);
	pkt->src_ip.family = MK_AF_INET6;
	pkt->dst_ip.family = MK_AF_INET6;
	pkt->ip_proto = nh;
	pkt->layers |= MK_L_IP6;

	avail = mk_rd_left(rd);
	if (plen == 0 && nh == 0) {
		claimed = avail; /* RFC 2675 jumbogram: the real length is in an option */
	} else {
		claimed = plen;
		if (claimed > avail && frame_complete(pkt))
			mk_decode_event_raise(c->dec, pkt, MK_DEV_IPV6_BAD_PAYLOAD_LENGTH);
	}
	mk_rd_sub(rd, claimed < avail ? claimed : avail, &body);

	for (unsigned n = 0;; n++) {
		const struct ext_row *ext = ext_find(nh);
		uint8_t next = 0, len8 = 0;
		size_t hlen;

		if (ext == NULL)
			break;
		if (n == IPV6_EXTHDR_MAX)
			return fail(c, MK_DEV_IPV6_EXTHDR_TOO_MANY);
		if (!mk_rd_peek_u8(&body, 0, &next) || !mk_rd_peek_u8(&body, 1, &len8))
			return fail(c, MK_DEV_IPV6_EXTHDR_TRUNCATED);
		hlen = ext->kind == EXT_FRAG ? 8 : ext->kind == EXT_AH ? ((size_t)len8 + 2) * 4 : ((size_t)len8 + 1) * 8;
		if (!mk_rd_has(&body, hlen))
			return fail(c, MK_DEV_IPV6_EXTHDR_TRUNCATED);
		if (ext->kind == EXT_FRAG) {
			uint16_t fo;

			mk_rd_skip(&body, 2);
			fo = mk_rd_be16(&body);
			mk_rd_skip(&body, 4); /* identification */
			if ((fo & 0xfff9) != 0) {
				/* Offset or M set: a real fragment.  IPv6 reassembly is not done;
				 * the datagram is seen at L3 only. */
				mk_decode_event_raise(c->dec, pkt, MK_DEV_IPV6_FRAGMENT);
				pkt->ip_proto = 44;
				return set_payload(pkt, &body);
			}
			/* Atomic fragment (RFC 6946): the whole datagram is here. */
		} else {
			mk_rd_skip(&body, hlen);
		}
		claimed -= hlen < claimed ? hlen : claimed;
		nh = next;
		pkt->ip_proto = nh;
	}
	if (nh == 59) /* no next header */
		return MK_DECODE_OK;
	c->l4_claimed = (uint32_t)claimed;
	return decode_l4(c, &body, nh);
}

/* ---- L2 ---- */

static enum mk_decode_result decode_arp(struct dctx *c, struct mk_rd *rd)
{
	struct mk_pkt *pkt = c->pkt;
	struct mk_arp *arp = &pkt->arp;
	uint16_t htype, ptype;
	uint8_t hlen, plen;

	if (!mk_rd_has(rd, 8))
		return fail(c, MK_DEV_ARP_TRUNCATED);
	htype = mk_rd_be16(rd);
	ptype = mk_rd_be16(rd);
	hlen = mk_rd_u8(rd);
	plen = mk_rd_u8(rd);
	if (htype != 1 || ptype != 0x0800 || hlen != 6 || plen != 4)
		return fail(c, MK_DEV_ARP_UNSUPPORTED);
	if (!mk_rd_has(rd, 22))
		return fail(c, MK_DEV_ARP_TRUNCATED);
	arp->op = mk_rd_be16(rd);
	mk_rd_copy(rd, arp->sha, 6);
	mk_rd_copy(rd, arp->spa, 4);
	mk_rd_copy(rd, arp->tha, 6);
	mk_rd_copy(rd, arp->tpa, 4);
	pkt->layers |= MK_L_ARP;
	return MK_DECODE_OK;
}

static enum mk_decode_result decode_l2app(struct dctx *c, struct mk_rd *rd)
{
	c->pkt->layers |= MK_L_L2APP;
	return set_payload(c->pkt, rd);
}

static enum mk_decode_result decode_vlan(struct dctx *c, struct mk_rd *rd);
static enum mk_decode_result decode_llc(struct dctx *c, struct mk_rd *rd, size_t len);

/* EtherTypes (IEEE "EtherType" registry) -> decoder.  Anything else is an L2
 * application protocol (LLDP 0x88cc, PROFINET 0x8892, GOOSE 0x88b8, ...). */
static const struct ethertype_row {
	uint16_t type;
	enum mk_decode_result (*fn)(struct dctx *c, struct mk_rd *rd);
} ethertype_table[] = {
	{ 0x0800, decode_ipv4 },
	{ 0x86dd, decode_ipv6 },
	{ 0x0806, decode_arp },
	{ 0x8100, decode_vlan },    /* 802.1Q */
	{ 0x88a8, decode_vlan },    /* 802.1ad S-tag */
	{ 0x9100, decode_vlan },    /* pre-standard QinQ */
};

static enum mk_decode_result decode_ethertype(struct dctx *c, struct mk_rd *rd, uint16_t type)
{
	if (type <= LLC_MAX_LEN)
		return decode_llc(c, rd, type);
	c->pkt->ethertype = type;
	for (size_t i = 0; i < sizeof(ethertype_table) / sizeof(ethertype_table[0]); i++)
		if (ethertype_table[i].type == type)
			return ethertype_table[i].fn(c, rd);
	return decode_l2app(c, rd);
}

static enum mk_decode_result decode_vlan(struct dctx *c, struct mk_rd *rd)
{
	struct mk_pkt *pkt = c->pkt;
	uint16_t tci;

	if (c->vlan_tags >= VLAN_TAGS_MAX)
		return fail(c, MK_DEV_VLAN_TOO_DEEP);
	if (!mk_rd_has(rd, 4))
		return fail(c, MK_DEV_VLAN_TRUNCATED);
	c->vlan_tags++;
	tci = mk_rd_be16(rd);
	if (pkt->vlan_count < MK_VLAN_MAX)
		pkt->vlan[pkt->vlan_count++] = tci & 0x0fff;
	pkt->layers |= MK_L_VLAN;
	return decode_ethertype(c, rd, mk_rd_be16(rd));
}

/* 802.3 length frame: LLC (and maybe SNAP) within len bytes. */
static enum mk_decode_result decode_llc(struct dctx *c, struct mk_rd *rd, size_t len)
{
	struct mk_pkt *pkt = c->pkt;
	struct mk_rd llc;
	uint8_t dsap, ssap, ctrl;

	/* len past the capture: cut by the snap length; len short: padding follows. */
	mk_rd_sub(rd, len < mk_rd_left(rd) ? len : mk_rd_left(rd), &llc);
	pkt->ethertype = 0;
	if (!mk_rd_has(&llc, 3))
		return fail(c, MK_DEV_LLC_TRUNCATED);
	dsap = mk_rd_u8(&llc);
	ssap = mk_rd_u8(&llc);
	ctrl = mk_rd_u8(&llc);
	/* I and S format PDUs have a 2-byte control field (802.2 section 5.2). */
	if ((ctrl & 0x03) != 0x03 && !mk_rd_skip(&llc, 1))
		return fail(c, MK_DEV_LLC_TRUNCATED);
	pkt->llc_dsap = dsap;
	pkt->llc_ssap = ssap;
	pkt->layers |= MK_L_LLC;
	if (dsap == 0xaa && ssap == 0xaa && ctrl == 0x03) {
		if (!mk_rd_has(&llc, 5))
			return fail(c, MK_DEV_LLC_TRUNCATED);
		pkt->snap_oui = mk_rd_be24(&llc);
		pkt->snap_pid = mk_rd_be16(&llc);
		/* RFC 1042: OUI 0 means the PID is an EtherType.  A PID that looks like a
		 * length would recurse into LLC again; such frames stay L2 payload. */
		if (pkt->snap_oui == 0 && pkt->snap_pid >= ETHERTYPE_MIN)
			return decode_ethertype(c, &llc, pkt->snap_pid);
	}
	return decode_l2app(c, &llc);
}

/* ---- link layers ---- */

static enum mk_decode_result decode_eth(struct dctx *c, struct mk_rd *rd)
{
	struct mk_pkt *pkt = c->pkt;

	if (!mk_rd_has(rd, 14))
		return fail(c, MK_DEV_ETH_TRUNCATED);
	mk_rd_copy(rd, pkt->dst_mac, 6);
	mk_rd_copy(rd, pkt->src_mac, 6);
	pkt->has_mac = true;
	pkt->layers |= MK_L_ETH;
	return decode_ethertype(c, rd, mk_rd_be16(rd));
}

/* The cooked header's protocol field: an EtherType, or one of Linux's ETH_P_*
 * pseudo-types below 1536 (if_ether.h). */
static enum mk_decode_result decode_sll_proto(struct dctx *c, struct mk_rd *rd, uint16_t proto)
{
	if (proto == 0x0004) /* ETH_P_802_2: an LLC frame without the length field */
		return decode_llc(c, rd, mk_rd_left(rd));
	if (proto < ETHERTYPE_MIN) { /* ETH_P_802_3 (Novell raw), CAN, ...: opaque */
		c->pkt->ethertype = proto;
		return decode_l2app(c, rd);
	}
	return decode_ethertype(c, rd, proto);
}

static void sll_sender(struct mk_pkt *pkt, uint16_t hatype, uint16_t halen, const uint8_t addr[8])
{
	/* Only the sender is known, so has_mac stays false (no pair to key on). */
	if (hatype == 1 /* ARPHRD_ETHER */ && halen == 6) {
		memcpy(pkt->src_mac, addr, 6);
		pkt->layers |= MK_L_SLL;
	}
}

static enum mk_decode_result decode_sll(struct dctx *c, struct mk_rd *rd)
{
	uint16_t hatype, halen, proto;
	uint8_t addr[8];

	if (!mk_rd_has(rd, 16))
		return fail(c, MK_DEV_SLL_TRUNCATED);
	mk_rd_skip(rd, 2); /* packet type */
	hatype = mk_rd_be16(rd);
	halen = mk_rd_be16(rd);
	mk_rd_copy(rd, addr, 8);
	proto = mk_rd_be16(rd);
	sll_sender(c->pkt, hatype, halen, addr);
	return decode_sll_proto(c, rd, proto);
}

static enum mk_decode_result decode_sll2(struct dctx *c, struct mk_rd *rd)
{
	uint16_t hatype, halen, proto;
	uint8_t addr[8];

	if (!mk_rd_has(rd, 20))
		return fail(c, MK_DEV_SLL_TRUNCATED);
	proto = mk_rd_be16(rd);
	mk_rd_skip(rd, 2 + 4); /* reserved, interface index */
	hatype = mk_rd_be16(rd);
	mk_rd_skip(rd, 1); /* packet type */
	halen = mk_rd_u8(rd);
	mk_rd_copy(rd, addr, 8);
	sll_sender(c->pkt, hatype, halen, addr);
	return decode_sll_proto(c, rd, proto);
}

/* BSD address families in NULL/LOOP headers; IPv6 differs per BSD (tcpdump.org
 * LINKTYPE_NULL: 24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin). */
static const struct family_row {
	uint32_t family;
	enum mk_decode_result (*fn)(struct dctx *c, struct mk_rd *rd);
} family_table[] = {
	{ 2, decode_ipv4 },
	{ 24, decode_ipv6 },
	{ 28, decode_ipv6 },
	{ 30, decode_ipv6 },
};

static enum mk_decode_result decode_family(struct dctx *c, struct mk_rd *rd, uint32_t family)
{
	for (size_t i = 0; i < sizeof(family_table) / sizeof(family_table[0]); i++)
		if (family_table[i].family == family)
			return family_table[i].fn(c, rd);
	return fail(c, MK_DEV_LINK_UNSUPPORTED);
}

static enum mk_decode_result decode_null(struct dctx *c, struct mk_rd *rd)
{
	uint32_t family;

	if (!mk_rd_has(rd, 4))
		return fail(c, MK_DEV_NULL_TRUNCATED);
	/* Host order of the machine that captured: families are small, so a value
	 * with high bits set was written by the other byte order. */
	family = mk_rd_le32(rd);
	if (family > 0xffff)
		family = (family >> 24) | ((family >> 8) & 0xff00) | ((family << 8) & 0xff0000) | (family << 24);
	return decode_family(c, rd, family);
}

static enum mk_decode_result decode_loop(struct dctx *c, struct mk_rd *rd)
{
	if (!mk_rd_has(rd, 4))
		return fail(c, MK_DEV_NULL_TRUNCATED);
	return decode_family(c, rd, mk_rd_be32(rd));
}

static enum mk_decode_result decode_raw(struct dctx *c, struct mk_rd *rd)
{
	uint8_t v = 0;

	if (!mk_rd_peek_u8(rd, 0, &v))
		return fail(c, MK_DEV_IPV4_TRUNCATED);
	if (v >> 4 == 6)
		return decode_ipv6(c, rd);
	return decode_ipv4(c, rd); /* reports ipv4_bad_version for other nibbles */
}

/* pcap LINKTYPE_* -> first decoder. */
static const struct link_row {
	uint16_t link;
	enum mk_decode_result (*fn)(struct dctx *c, struct mk_rd *rd);
} link_table[] = {
	{ MK_LINK_ETHERNET, decode_eth },
	{ MK_LINK_SLL, decode_sll },
	{ MK_LINK_SLL2, decode_sll2 },
	{ MK_LINK_RAW, decode_raw },
	{ MK_LINK_IPV4, decode_ipv4 },
	{ MK_LINK_IPV6, decode_ipv6 },
	{ MK_LINK_NULL, decode_null },
	{ MK_LINK_LOOP, decode_loop },
};

/* ---- public ---- */

struct mk_decoder *mk_decoder_new(const struct mk_decode_limits *lim)
{
	struct mk_decoder *dec = calloc(1, sizeof(*dec));

	if (dec == NULL)
		return NULL;
	if (lim != NULL)
		dec->lim = *lim;
	else
		mk_decode_limits_default(&dec->lim);
	if (mk_frag_init(&dec->frag, &dec->lim) != 0) {
		free(dec);
		return NULL;
	}
	return dec;
}

void mk_decoder_free(struct mk_decoder *dec)
{
	if (dec == NULL)
		return;
	mk_frag_free(&dec->frag);
	free(dec);
}

const struct mk_decode_stats *mk_decoder_stats(const struct mk_decoder *dec)
{
	return &dec->stats;
}

enum mk_decode_result mk_decode(struct mk_decoder *dec, struct mk_pkt *pkt)
{
	struct dctx c = { .dec = dec, .pkt = pkt, .l4_claimed = 0, .vlan_tags = 0 };
	struct mk_rd rd;

	/* Only the decoded tail of the packet is reset, not the capture fields. */
	memset((unsigned char *)pkt + offsetof(struct mk_pkt, layers), 0,
	       sizeof(*pkt) - offsetof(struct mk_pkt, layers));
	dec->stats.packets++;
	if (dec->frag.count != 0)
		mk_frag_expire(dec, pkt->ts_ns);
	mk_rd_init(&rd, pkt->data, pkt->caplen);
	for (size_t i = 0; i < sizeof(link_table) / sizeof(link_table[0]); i++)
		if (link_table[i].link == pkt->linktype)
			return link_table[i].fn(&c, &rd);
	return fail(&c, MK_DEV_LINK_UNSUPPORTED);
}

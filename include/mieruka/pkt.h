/* pkt.h - one captured packet and what the decoder learned from it.
 *
 * The capture layer fills the first block; mk_decode() fills the rest.  All
 * pointers point into the capture buffer (zero copy) or, for a reassembled IPv4
 * datagram, into a decoder-owned buffer that stays valid until the next
 * mk_decode() call.  Nothing here is ever freed by its user.
 */
#ifndef MIERUKA_PKT_H
#define MIERUKA_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include "mieruka/addr.h"

/* LINKTYPE_* values of the pcap/pcapng registry. */
enum mk_link {
	MK_LINK_NULL = 0,      /* BSD loopback, host-order 4-byte family */
	MK_LINK_ETHERNET = 1,
	MK_LINK_RAW = 101,     /* raw IPv4 or IPv6, by the version nibble */
	MK_LINK_LOOP = 108,    /* OpenBSD loopback, network-order family */
	MK_LINK_SLL = 113,     /* Linux cooked v1 */
	MK_LINK_IPV4 = 228,
	MK_LINK_IPV6 = 229,
	MK_LINK_SLL2 = 276,    /* Linux cooked v2 */
};

/* Decoded layers, as bits of mk_pkt.layers. */
enum mk_layer {
	MK_L_ETH = 1u << 0,
	MK_L_VLAN = 1u << 1,
	MK_L_ARP = 1u << 2,
	MK_L_IP4 = 1u << 3,
	MK_L_IP6 = 1u << 4,
	MK_L_TCP = 1u << 5,
	MK_L_UDP = 1u << 6,
	MK_L_ICMP = 1u << 7,
	MK_L_ICMP6 = 1u << 8,
	MK_L_LLC = 1u << 9,    /* 802.3 length frame with LLC (and maybe SNAP) */
	MK_L_L2APP = 1u << 10, /* payload is an L2 application protocol (LLDP, DCP...) */
	MK_L_FRAG = 1u << 11,  /* a reassembled IPv4 datagram */
	MK_L_SLL = 1u << 12,   /* Linux cooked header: src_mac is the sender's */
	MK_L_NDP = 1u << 13,   /* ICMPv6 neighbour discovery message: pkt->ndp */
};

#define MK_VLAN_MAX 2

struct mk_arp {
	uint16_t op;           /* 1 request, 2 reply */
	uint8_t sha[6], tha[6];
	uint8_t spa[4], tpa[4];
};

/* ICMPv6 neighbour discovery (RFC 4861 sections 4.2-4.4, src/decode/ndp.c):
 * the address claims ip_mac_change watches. */
enum mk_ndp_type { MK_NDP_RA = 134, MK_NDP_NS = 135, MK_NDP_NA = 136 };
#define MK_NDP_NA_ROUTER 0x80    /* NA flags: R */
#define MK_NDP_NA_SOLICITED 0x40 /* S */
#define MK_NDP_NA_OVERRIDE 0x20  /* O */

struct mk_ndp {
	uint8_t type;             /* enum mk_ndp_type (= icmp_type) */
	uint8_t flags;            /* NA: MK_NDP_NA_*; RA: the M/O flags byte */
	uint16_t router_lifetime; /* RA: seconds (0: not a default router) */
	uint8_t target[16];       /* NS, NA: the target address */
	bool has_lla;             /* a 6-byte link-layer address option was present: */
	uint8_t lla[6];           /* source (NS, RA) or target (NA) link-layer address */
};

struct mk_pkt {
	/* --- filled by capture --- */
	uint64_t ts_ns;        /* packet time, ns since the Unix epoch (UTC) */
	const uint8_t *data;   /* first captured byte */
	uint32_t caplen;       /* bytes captured */
	uint32_t wirelen;      /* bytes on the wire (>= caplen, trusted less) */
	uint16_t linktype;     /* enum mk_link */
	uint16_t ifindex;      /* pcapng interface index within its file */
	uint32_t file_index;   /* which input file, 0-based */
	uint64_t file_offset;  /* offset of the record in its (uncompressed) file */

	/* --- filled by mk_decode() --- */
	uint32_t layers;       /* enum mk_layer bits */
	bool has_mac;          /* src_mac/dst_mac are valid */
	uint8_t src_mac[6], dst_mac[6];
	uint8_t vlan_count;
	uint16_t vlan[MK_VLAN_MAX]; /* VLAN ids, outermost first */
	uint16_t ethertype;    /* innermost EtherType (0 for LLC frames) */
	uint8_t llc_dsap, llc_ssap;
	uint32_t snap_oui;     /* for SNAP frames */
	uint16_t snap_pid;
	struct mk_arp arp;     /* valid with MK_L_ARP */
	struct mk_ndp ndp;     /* valid with MK_L_NDP */

	struct mk_addr src_ip, dst_ip; /* family NONE when not IP */
	uint8_t ip_proto;      /* final upper-layer protocol number */
	uint8_t ttl;           /* IPv4 TTL or IPv6 hop limit */
	uint16_t ip_id;
	uint16_t sport, dport;
	uint8_t tcp_flags;     /* MK_TCP_* */
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_win;
	uint8_t icmp_type, icmp_code;

	const uint8_t *payload; /* L4 payload, or the L2 application payload */
	uint32_t payload_len;

	uint32_t events;       /* count of decode anomalies raised on this packet */
};

enum mk_tcp_flag {
	MK_TCP_FIN = 0x01,
	MK_TCP_SYN = 0x02,
	MK_TCP_RST = 0x04,
	MK_TCP_PSH = 0x08,
	MK_TCP_ACK = 0x10,
	MK_TCP_URG = 0x20,
};

const char *mk_link_name(uint16_t linktype); /* "ethernet", "linux_sll"...; NULL if unknown */

#endif /* MIERUKA_PKT_H */

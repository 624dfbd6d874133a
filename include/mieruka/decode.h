/* decode.h - L2 to L4 decoding through the bounded reader.
 *
 * Ethernet, 802.1Q/802.1ad (stacked), LLC/SNAP, ARP, IPv4 (with capped fragment
 * reassembly), IPv6 with extension headers, TCP, UDP, ICMP, ICMPv6 (neighbour
 * discovery RA/NS/NA into pkt->ndp, src/decode/ndp.c); link types
 * Ethernet, Linux SLL/SLL2, raw IP, BSD null/loopback.  Bad input becomes a named
 * anomaly counted in the decoder, never a crash and never an abort.
 */
#ifndef MIERUKA_DECODE_H
#define MIERUKA_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "mieruka/pkt.h"

/* Anomaly events: X-macro MK_DECODE_EVENT(ENUM, "stable_name"). */
enum mk_decode_event {
#define MK_DECODE_EVENT(e, s) MK_DEV_##e,
#include "mieruka/decode_events.def"
#undef MK_DECODE_EVENT
	MK_DEV_COUNT,
};
const char *mk_decode_event_name(unsigned ev);

struct mk_decode_limits {
	size_t frag_memcap;      /* bytes held for IPv4 reassembly, all datagrams together */
	uint32_t frag_max_datagrams;
	uint64_t frag_timeout_ns;
};
void mk_decode_limits_default(struct mk_decode_limits *lim);

struct mk_decode_stats {
	uint64_t packets;
	uint64_t events[MK_DEV_COUNT];
	uint64_t frag_reassembled;
	uint64_t frag_dropped;   /* fragments dropped because of the cap or a timeout */
};

enum mk_decode_result {
	MK_DECODE_OK,      /* pkt is filled as far as it could be decoded */
	MK_DECODE_HELD,    /* an IPv4 fragment was kept for reassembly; nothing to do yet */
	MK_DECODE_INVALID, /* nothing usable beyond what is filled (an event was counted) */
};

struct mk_decoder;

struct mk_decoder *mk_decoder_new(const struct mk_decode_limits *lim); /* NULL on ENOMEM */
void mk_decoder_free(struct mk_decoder *dec);

/* Decodes pkt->data/caplen per pkt->linktype and fills the decoded fields.
 * Completing a reassembly makes pkt->payload point into a decoder-owned buffer
 * valid until the next call.
 *
 * Every decoded field is reset first.  A field is valid exactly when its layer bit
 * is set (MAC pair: has_mac; MK_L_SLL: src_mac only); vlan_count <= MK_VLAN_MAX.
 * OK may carry non-fatal events (zero_port, udp_bad_length, ...); INVALID keeps the
 * layers decoded before the bad header; a frame cut by the snap length is not an
 * anomaly while its headers are whole.  wirelen (0 = unknown) tells a snap-length
 * cut from a lying length field.  See src/decode/decode.c for the full contract. */
enum mk_decode_result mk_decode(struct mk_decoder *dec, struct mk_pkt *pkt);

const struct mk_decode_stats *mk_decoder_stats(const struct mk_decoder *dec);

#endif /* MIERUKA_DECODE_H */

/* decode_int.h - state shared by the decoder's files (decode.c, frag.c); not public. */
#ifndef MIERUKA_DECODE_INT_H
#define MIERUKA_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/decode.h"

/* Largest IPv4 datagram (header included), RFC 791 section 3.1 "Total Length". */
#define MK_FRAG_IP_MAX 65535u
/* Pieces one datagram may be cut into.  The smallest legal MTU (68, RFC 791)
 * gives 48-byte fragments, so a full 64 KiB datagram needs at most ~1366;
 * anything beyond is an attack on the list walk, not a real datagram. */
#define MK_FRAG_MAX_PIECES 2048u
/* Upper bound on frag_max_datagrams, so a typo cannot ask for gigabytes of slots. */
#define MK_FRAG_MAX_DATAGRAMS_CAP (1u << 20)
#define MK_FRAG_NIL UINT32_MAX

struct mk_frag_piece;
struct mk_frag_dg;

/* IPv4 reassembly table: fixed slot array, chained hash, age list (oldest first). */
struct mk_frag {
	struct mk_frag_dg *dg;     /* cap slots */
	uint32_t cap;
	uint32_t *bucket;          /* nbucket heads, index into dg or MK_FRAG_NIL */
	uint32_t nbucket;          /* power of two */
	uint32_t free_head;        /* free slots chained through hnext */
	uint32_t oldest, newest;   /* age list */
	uint32_t count;            /* datagrams in progress */
	size_t mem;                /* bytes charged to the memcap */
	uint8_t *out;              /* reassembly output, MK_FRAG_IP_MAX bytes, lazily allocated */
};

struct mk_decoder {
	struct mk_decode_stats stats;
	struct mk_decode_limits lim;
	struct mk_frag frag;
};

/* One IPv4 fragment as seen by the L3 decoder. */
struct mk_frag_in {
	uint32_t src, dst;         /* addresses as big-endian numbers (only compared) */
	uint16_t id;
	uint8_t proto;
	bool more;                 /* MF flag */
	uint32_t off;              /* fragment offset in bytes */
	uint32_t hdr_len;          /* IPv4 header length, for the 65535 limit */
	const uint8_t *data;       /* fragment payload (checked against caplen by the caller) */
	uint32_t len;
};

enum mk_frag_verdict {
	MK_FRAG_HELD,      /* kept; datagram still incomplete */
	MK_FRAG_DONE,      /* datagram complete: *out / *out_len */
	MK_FRAG_DROPPED,   /* not kept (cap, too large, bad); an event or counter was raised */
};

int mk_frag_init(struct mk_frag *f, const struct mk_decode_limits *lim);
void mk_frag_free(struct mk_frag *f);
/* Drops datagrams whose first fragment is older than the timeout at packet time now. */
void mk_frag_expire(struct mk_decoder *dec, uint64_t now);
enum mk_frag_verdict mk_frag_add(struct mk_decoder *dec, struct mk_pkt *pkt, const struct mk_frag_in *in,
				 const uint8_t **out, uint32_t *out_len);

/* ndp.c: an ICMPv6 RA, NS or NA (rd: the message after the 4-byte ICMPv6
 * header; cut: shorter than the IP header claims) into pkt->ndp, setting
 * MK_L_NDP.  Returns the event to raise, or MK_DEV_COUNT when none. */
struct mk_rd;
int mk_decode_ndp(struct mk_pkt *pkt, struct mk_rd *rd, bool cut);

/* Counts an anomaly on the decoder and on the packet. */
static inline void mk_decode_event_raise(struct mk_decoder *dec, struct mk_pkt *pkt, enum mk_decode_event ev)
{
	dec->stats.events[ev]++;
	pkt->events++;
}

#endif /* MIERUKA_DECODE_INT_H */

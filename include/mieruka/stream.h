/* stream.h - per-direction TCP reassembly with hard byte caps.
 *
 * Delivers the bytes of one direction in sequence order to a sink.  Out-of-order
 * segments are held up to a cap; what the sink did not consume (an incomplete
 * PDU) is kept up to the parser's max_buffer and offered again, prefixed, with
 * the next bytes.  When a hole cannot be filled (cap reached, or the peer
 * acknowledged past it) the stream skips it and tells the sink there was a gap.
 * Retransmitted and overlapping bytes are delivered once (first copy wins).
 */
#ifndef MIERUKA_STREAM_H
#define MIERUKA_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mk_stream_limits {
	size_t ooo_cap;      /* bytes of out-of-order segments held per direction */
	size_t pending_cap;  /* bytes of unconsumed data kept per direction (further
	                      * capped by the parser's max_buffer) */
};
void mk_stream_limits_default(struct mk_stream_limits *lim);

struct mk_stream_stats {
	uint64_t delivered, gaps, gap_bytes, overlaps, ooo_dropped, pending_overflow;
};

/* The sink gets in-order bytes; gap_before says bytes were lost just before data.
 * It returns how many bytes it consumed (<= len); the rest is kept. A return
 * of (size_t)-1 means "stop delivering this direction" (parser gave up). */
typedef size_t (*mk_stream_sink_fn)(void *ctx, const uint8_t *data, size_t len, bool gap_before);

struct mk_stream;

struct mk_stream *mk_stream_new(const struct mk_stream_limits *lim, size_t pending_cap);
void mk_stream_free(struct mk_stream *st);

/* Feeds one segment: seq of its first byte, syn/fin flags as seen in the header. */
void mk_stream_segment(struct mk_stream *st, uint32_t seq, const uint8_t *data, size_t len,
                       bool syn, bool fin, mk_stream_sink_fn sink, void *ctx);
/* The other side acknowledged up to ack: holes below it will never be filled. */
void mk_stream_ack(struct mk_stream *st, uint32_t ack, mk_stream_sink_fn sink, void *ctx);
/* Delivers what is held (skipping holes), e.g. at flow end. */
void mk_stream_flush(struct mk_stream *st, mk_stream_sink_fn sink, void *ctx);
/* Lowers (or raises, up to lim.pending_cap) the pending cap, e.g. once a parser
 * with a smaller max_buffer is attached to a stream created while probing.
 * Pending bytes beyond the new cap are dropped (pending_overflow, gap). */
void mk_stream_set_pending_cap(struct mk_stream *st, size_t pending_cap);
size_t mk_stream_memory(const struct mk_stream *st);
const struct mk_stream_stats *mk_stream_stats(const struct mk_stream *st);

#endif /* MIERUKA_STREAM_H */

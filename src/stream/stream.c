/* stream.c - per-direction TCP reassembly with hard byte caps (see stream.h).
 *
 * Sequence numbers are compared with serial arithmetic (RFC 1982), so a stream
 * may wrap around 2^32.  In-order bytes go to the sink straight from the
 * caller's buffer when nothing is pending (zero copy); only an unconsumed tail
 * (an incomplete PDU) is copied.  Out-of-order segments wait in a list sorted by
 * sequence number; bytes already held or delivered are never replaced (first
 * copy wins), so a retransmission with different content cannot rewrite what a
 * parser has already seen.
 */
#include "mieruka/stream.h"

#include <stdlib.h>
#include <string.h>

#include "stream/stream_int.h"

#define STREAM_MAX_SEGMENT ((size_t)1 << 30) /* far above any real TCP segment */

struct stream_seg {
	struct stream_seg *next;
	uint32_t seq;          /* sequence number of data[0] */
	uint32_t len;
	uint8_t data[];
};

struct mk_stream {
	struct mk_stream_limits lim;
	size_t pend_cap;       /* min(lim.pending_cap, the parser's max_buffer) */
	uint32_t next;         /* sequence number of the next in-order byte */
	uint32_t fin_seq;      /* sequence number the FIN occupies */
	bool started, stopped, gap, fin;
	uint8_t *pend;         /* unconsumed bytes just before next */
	size_t pend_len, pend_alloc;
	struct stream_seg *ooo;
	size_t ooo_bytes;      /* held payload plus segment headers, <= lim.ooo_cap */
	struct mk_stream_stats st;
};

static unsigned long fault_countdown; /* test hook: see stream_int.h */

void mk_stream_fault_nth(unsigned long nth)
{
	fault_countdown = nth;
}

/* True when this allocation must fail (fault injection in tests). */
static bool stream_fault(void)
{
	return fault_countdown != 0 && --fault_countdown == 0;
}

void mk_stream_limits_default(struct mk_stream_limits *lim)
{
	lim->ooo_cap = 64 * 1024;
	lim->pending_cap = 64 * 1024;
}

/* a - b as a signed distance in sequence space. */
static int64_t seq_diff(uint32_t a, uint32_t b)
{
	uint32_t d = a - b;

	return d < 0x80000000u ? (int64_t)d : (int64_t)d - 0x100000000ll;
}

struct mk_stream *mk_stream_new(const struct mk_stream_limits *lim, size_t pending_cap)
{
	struct mk_stream *st = stream_fault() ? NULL : calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	if (lim != NULL)
		st->lim = *lim;
	else
		mk_stream_limits_default(&st->lim);
	st->pend_cap = st->lim.pending_cap < pending_cap ? st->lim.pending_cap : pending_cap;
	return st;
}

static void stream_release(struct mk_stream *st)
{
	while (st->ooo != NULL) {
		struct stream_seg *s = st->ooo;

		st->ooo = s->next;
		free(s);
	}
	st->ooo_bytes = 0;
	free(st->pend);
	st->pend = NULL;
	st->pend_len = 0;
	st->pend_alloc = 0;
}

void mk_stream_free(struct mk_stream *st)
{
	if (st == NULL)
		return;
	stream_release(st);
	free(st);
}

/* The parser gave up on this direction: drop everything, ignore the rest. */
static void stream_stop(struct mk_stream *st)
{
	st->stopped = true;
	stream_release(st);
}

/* One sink call; returns bytes consumed (clamped to n). */
static size_t stream_call(struct mk_stream *st, const uint8_t *p, size_t n, mk_stream_sink_fn sink,
                          void *ctx)
{
	bool gap = st->gap;
	size_t c;

	st->gap = false;
	c = sink(ctx, p, n, gap);
	if (c == (size_t)-1) {
		stream_stop(st);
		return n;
	}
	return c < n ? c : n;
}

/* Makes room for need bytes of pending data; false when over the cap. */
static bool stream_pend_reserve(struct mk_stream *st, size_t need)
{
	size_t na;
	uint8_t *np;

	if (need > st->pend_cap)
		return false;
	if (need <= st->pend_alloc)
		return true;
	na = st->pend_alloc ? st->pend_alloc : 256;
	while (na < need)
		na *= 2;
	if (na > st->pend_cap)
		na = st->pend_cap;
	np = stream_fault() ? NULL : realloc(st->pend, na);
	if (np == NULL)
		return false;
	st->pend = np;
	st->pend_alloc = na;
	return true;
}

/* The pending bytes cannot be kept: drop them, the sink hears of a gap. */
static void stream_pend_overflow(struct mk_stream *st)
{
	st->st.pending_overflow++;
	st->pend_len = 0;
	st->gap = true;
}

/* Offers in-order bytes p[0..n) (already counted in next) to the sink,
 * prefixed by what is pending, and keeps what it does not consume. */
static void stream_deliver(struct mk_stream *st, const uint8_t *p, size_t n,
                           mk_stream_sink_fn sink, void *ctx)
{
	size_t c;

	st->st.delivered += n;
	if (st->stopped || n == 0)
		return;
	if (st->pend_len > 0) {
		if (stream_pend_reserve(st, st->pend_len + n)) {
			memcpy(st->pend + st->pend_len, p, n);
			st->pend_len += n;
			c = stream_call(st, st->pend, st->pend_len, sink, ctx);
			if (st->stopped)
				return;
			st->pend_len -= c;
			if (c > 0 && st->pend_len > 0)
				memmove(st->pend, st->pend + c, st->pend_len);
			return;
		}
		stream_pend_overflow(st);
	}
	/* Zero copy: the sink reads the caller's buffer. */
	c = stream_call(st, p, n, sink, ctx);
	if (st->stopped || c == n)
		return;
	if (!stream_pend_reserve(st, n - c)) {
		stream_pend_overflow(st);
		return;
	}
	memcpy(st->pend, p + c, n - c);
	st->pend_len = n - c;
}

/* Delivers held segments that have become in order. */
static void stream_drain(struct mk_stream *st, mk_stream_sink_fn sink, void *ctx)
{
	while (!st->stopped && st->ooo != NULL) {
		struct stream_seg *s = st->ooo;
		int64_t d = seq_diff(st->next, s->seq);

		if (d < 0)
			break; /* a hole before it */
		st->ooo = s->next;
		st->ooo_bytes -= sizeof(*s) + s->len;
		if (d < (int64_t)s->len) {
			st->next += s->len - (uint32_t)d;
			stream_deliver(st, s->data + d, s->len - (size_t)d, sink, ctx);
		}
		free(s);
	}
}

/* Declares the bytes from next up to `to` lost. */
static void stream_skip(struct mk_stream *st, uint32_t to)
{
	int64_t hole = seq_diff(to, st->next);

	if (hole <= 0)
		return;
	st->st.gaps++;
	st->st.gap_bytes += (uint64_t)hole;
	st->next = to;
	st->gap = true;
	/* An incomplete PDU cut by a hole can never be completed. */
	st->pend_len = 0;
}

/* Skips the first hole and delivers what follows it up to the next hole. */
static void stream_skip_first_hole(struct mk_stream *st, mk_stream_sink_fn sink, void *ctx)
{
	if (st->ooo == NULL)
		return;
	stream_skip(st, st->ooo->seq);
	stream_drain(st, sink, ctx);
}

/* Bytes (with headers) that holding [seq, seq+n) adds as one segment. */
static size_t stream_hold_cost(size_t n)
{
	return sizeof(struct stream_seg) + n;
}

static bool stream_hold(struct mk_stream *st, struct stream_seg **at, uint32_t seq,
                        const uint8_t *p, size_t n)
{
	struct stream_seg *s = stream_fault() ? NULL : malloc(sizeof(*s) + n);

	if (s == NULL)
		return false;
	s->seq = seq;
	s->len = (uint32_t)n;
	memcpy(s->data, p, n);
	s->next = *at;
	*at = s;
	st->ooo_bytes += sizeof(*s) + n;
	return true;
}

/* Holds the parts of [seq, seq+n) that no held segment covers yet. */
static void stream_insert(struct mk_stream *st, uint32_t seq, const uint8_t *p, size_t n)
{
	struct stream_seg **pp = &st->ooo;
	bool overlapped = false;

	while (n > 0) {
		struct stream_seg *cur = *pp;
		int64_t d = cur != NULL ? seq_diff(cur->seq, seq) : 0;

		if (cur == NULL || d > 0) {
			size_t piece = cur != NULL && d < (int64_t)n ? (size_t)d : n;

			if (st->ooo_bytes + stream_hold_cost(piece) > st->lim.ooo_cap ||
			    !stream_hold(st, pp, seq, p, piece)) {
				st->st.ooo_dropped++;
				break;
			}
			pp = &(*pp)->next;
			p += piece;
			seq += (uint32_t)piece;
			n -= piece;
			continue;
		}
		d = seq_diff(cur->seq + cur->len, seq); /* > 0: cur covers seq */
		if (d > 0) {
			size_t skip = d < (int64_t)n ? (size_t)d : n;

			overlapped = true;
			p += skip;
			seq += (uint32_t)skip;
			n -= skip;
		}
		pp = &cur->next;
	}
	if (overlapped)
		st->st.overlaps++;
}

void mk_stream_segment(struct mk_stream *st, uint32_t seq, const uint8_t *data, size_t len,
                       bool syn, bool fin, mk_stream_sink_fn sink, void *ctx)
{
	uint32_t dseq = seq + (syn ? 1u : 0u); /* the SYN occupies one number */

	if (st->stopped)
		return;
	if (data == NULL || len > STREAM_MAX_SEGMENT)
		len = 0;
	if (!st->started) {
		st->started = true;
		st->next = dseq;
	}
	if (fin) {
		st->fin = true;
		st->fin_seq = dseq + (uint32_t)len;
	}
	while (len > 0 && !st->stopped) {
		int64_t off = seq_diff(st->next, dseq);

		if (off > 0) {
			/* Starts before next: the covered part was delivered already. */
			st->st.overlaps++;
			if (off >= (int64_t)len)
				return;
			data += off;
			len -= (size_t)off;
			dseq = st->next;
		}
		if (dseq == st->next) {
			size_t take = len;

			/* A held segment inside this one came first: its bytes win. */
			if (st->ooo != NULL && seq_diff(st->ooo->seq, dseq) < (int64_t)len) {
				take = (size_t)seq_diff(st->ooo->seq, dseq);
				st->st.overlaps++;
			}
			if (take > 0) {
				st->next += (uint32_t)take;
				stream_deliver(st, data, take, sink, ctx);
				data += take;
				dseq += (uint32_t)take;
				len -= take;
			}
			stream_drain(st, sink, ctx);
			continue;
		}
		/* Ahead of next: hold it.  A segment that alone exceeds the cap is
		 * dropped (the newest loses).  Otherwise, when the cap is reached, the
		 * oldest hole will not be filled in time: skip it and deliver what
		 * follows, until the segment fits. */
		if (stream_hold_cost(len) > st->lim.ooo_cap) {
			st->st.ooo_dropped++;
			return;
		}
		while (st->ooo != NULL && st->ooo_bytes + stream_hold_cost(len) > st->lim.ooo_cap &&
		       !st->stopped)
			stream_skip_first_hole(st, sink, ctx);
		if (st->stopped)
			return;
		if (seq_diff(dseq, st->next) <= 0)
			continue; /* now in order, or old */
		stream_insert(st, dseq, data, len);
		return;
	}
}

void mk_stream_ack(struct mk_stream *st, uint32_t ack, mk_stream_sink_fn sink, void *ctx)
{
	uint32_t limit = ack;

	if (!st->started || st->stopped)
		return;
	/* The FIN's own sequence number is acknowledged too; it is not data. */
	if (st->fin && seq_diff(ack, st->fin_seq) > 0)
		limit = st->fin_seq;
	while (!st->stopped && seq_diff(limit, st->next) > 0) {
		uint32_t to = limit;

		if (st->ooo != NULL && seq_diff(st->ooo->seq, limit) < 0)
			to = st->ooo->seq;
		stream_skip(st, to);
		stream_drain(st, sink, ctx);
	}
}

void mk_stream_flush(struct mk_stream *st, mk_stream_sink_fn sink, void *ctx)
{
	while (!st->stopped && st->ooo != NULL)
		stream_skip_first_hole(st, sink, ctx);
}

void mk_stream_set_pending_cap(struct mk_stream *st, size_t pending_cap)
{
	st->pend_cap = st->lim.pending_cap < pending_cap ? st->lim.pending_cap : pending_cap;
	if (st->pend_len > st->pend_cap)
		stream_pend_overflow(st);
	if (st->pend_alloc > st->pend_cap) {
		/* Give the memory back: the buffer is re-grown on demand. */
		if (st->pend_len > 0) {
			uint8_t *np = stream_fault() ? NULL : realloc(st->pend, st->pend_cap);

			if (np != NULL) {
				st->pend = np;
				st->pend_alloc = st->pend_cap;
				return;
			}
			stream_pend_overflow(st);
		}
		free(st->pend);
		st->pend = NULL;
		st->pend_alloc = 0;
	}
}

size_t mk_stream_memory(const struct mk_stream *st)
{
	return sizeof(*st) + st->pend_alloc + st->ooo_bytes;
}

const struct mk_stream_stats *mk_stream_stats(const struct mk_stream *st)
{
	return &st->st;
}

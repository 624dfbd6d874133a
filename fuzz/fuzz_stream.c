/* fuzz_stream.c - fuzz target for TCP reassembly (src/stream/stream.c).
 *
 * Input layout:
 *   byte 0      caps: ooo_cap = 64 + (b & 15) * 64, pending cap = (b >> 4) * 16
 *   byte 1      bit 0: model mode (payload bytes are the low byte of their
 *               sequence number, and the sink checks every delivery is a
 *               contiguous run); bits 1..7: sink consumption seed
 *   bytes 2..5  initial sequence number (big endian), to reach the 2^32 wrap
 *   then records, until the input ends:
 *     op (1 byte): op & 3 = 0 segment, 1 ack, 2 flush (with 0x10: set the
 *                  pending cap to delta & 0x3ff), 3 segment;
 *                  0x04 SYN, 0x08 FIN (segments)
 *     delta (2 bytes, big endian, signed): seq (or ack) relative to the cursor
 *     segments only: len (1 byte), then len payload bytes (model mode: none)
 * The cursor advances past each segment, so plain inputs look like a stream
 * with retransmissions, reordering and holes around it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/stream.h"

struct fz_sink {
	uint8_t seed;
	bool model;
	bool have_last;   /* model mode: the byte before the next delivery is known */
	uint8_t last;     /* ... and it is this */
	unsigned calls;
	uint64_t sum;
};

static size_t fz_sink(void *ctx, const uint8_t *data, size_t len, bool gap_before)
{
	struct fz_sink *s = ctx;
	size_t c;

	if (len == 0)
		abort(); /* the stream must never offer nothing */
	s->calls++;
	/* Touch every byte so ASan sees a bad pointer or length. */
	for (size_t i = 0; i < len; i++)
		s->sum += data[i];
	if (s->model) {
		if (gap_before)
			s->have_last = false;
		if (s->have_last && data[0] != (uint8_t)(s->last + 1))
			abort(); /* bytes lost or repeated without a gap signal */
		for (size_t i = 1; i < len; i++)
			if (data[i] != (uint8_t)(data[i - 1] + 1))
				abort(); /* not one contiguous run */
	}
	/* A data-dependent consumption, like a parser finding PDU boundaries. */
	switch ((data[0] ^ s->seed) & 7) {
	case 0:
		c = 0;
		break;
	case 1:
		c = 1;
		break;
	case 2:
		c = len / 2;
		break;
	case 3:
		c = len > 3 ? len - 3 : len;
		break;
	case 4:
		if (s->seed & 0x40 && s->calls > 20)
			return (size_t)-1; /* the parser gives up */
		c = len;
		break;
	default:
		c = len;
		break;
	}
	if (c > 0 && s->model) {
		s->last = data[c - 1];
		s->have_last = true;
	}
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mk_stream_limits lim;
	struct mk_stream *st;
	struct fz_sink sink;
	uint8_t model_buf[256];
	size_t pos = 6, base, pend_cap;
	uint32_t cursor;

	if (size < 6)
		return 0;
	lim.ooo_cap = 64 + (size_t)(data[0] & 15) * 64;
	lim.pending_cap = 1 << 16;
	pend_cap = (size_t)(data[0] >> 4) * 16;
	memset(&sink, 0, sizeof(sink));
	sink.model = data[1] & 1;
	sink.seed = data[1] >> 1;
	cursor = (uint32_t)data[2] << 24 | (uint32_t)data[3] << 16 | (uint32_t)data[4] << 8 | data[5];
	st = mk_stream_new(&lim, pend_cap);
	if (st == NULL)
		return 0;
	base = mk_stream_memory(st);
	for (unsigned n = 0; n < 10000 && size - pos >= 3; n++) {
		uint8_t op = data[pos];
		int16_t delta = (int16_t)(uint16_t)((unsigned)data[pos + 1] << 8 | data[pos + 2]);
		uint32_t seq = cursor + (uint32_t)(int32_t)delta;

		pos += 3;
		if ((op & 3) == 1) {
			mk_stream_ack(st, seq, fz_sink, &sink);
		} else if ((op & 3) == 2 && (op & 0x10)) {
			/* A parser with another max_buffer attached mid-stream. */
			pend_cap = (uint16_t)delta & 0x3ff;
			mk_stream_set_pending_cap(st, pend_cap);
		} else if ((op & 3) == 2) {
			mk_stream_flush(st, fz_sink, &sink);
		} else {
			size_t len;
			const uint8_t *p;
			bool syn = op & 4;

			if (pos >= size)
				break;
			len = data[pos++];
			if (sink.model) {
				/* Each byte is the low byte of its own sequence number. */
				uint32_t first = seq + (syn ? 1u : 0u);

				for (size_t i = 0; i < len; i++)
					model_buf[i] = (uint8_t)(first + i);
				p = model_buf;
			} else {
				if (len > size - pos)
					len = size - pos;
				p = data + pos;
				pos += len;
			}
			mk_stream_segment(st, seq, p, len, syn, op & 8, fz_sink, &sink);
			cursor = seq + (uint32_t)len + (syn ? 1u : 0u);
		}
		if (mk_stream_memory(st) > base + lim.ooo_cap + pend_cap)
			abort(); /* a cap was not honoured */
	}
	mk_stream_flush(st, fz_sink, &sink);
	mk_stream_free(st);
	return 0;
}

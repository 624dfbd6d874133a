/* test_stream.c - unit tests of TCP reassembly (src/stream/stream.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/stream.h"
#include "stream/stream_int.h"

/* ---- the sink: records what it was given ---- */

enum sink_mode {
	SINK_ALL,     /* consume everything */
	SINK_NONE,    /* consume nothing (a PDU that never completes) */
	SINK_MSG,     /* consume whole messages: 1 length byte + that many bytes */
	SINK_HALF,    /* consume half, rounded down */
	SINK_STOP,    /* give up at the first call */
};

struct sink {
	enum sink_mode mode;
	uint8_t out[4096];     /* bytes consumed, in order */
	size_t out_len;
	unsigned calls, gaps;
	size_t gap_at[16];     /* out_len when a gap was signalled */
	unsigned msgs;         /* SINK_MSG: whole messages seen */
	const uint8_t *last_ptr;
	size_t last_len;
};

static size_t sink_fn(void *ctx, const uint8_t *data, size_t len, bool gap_before)
{
	struct sink *s = ctx;
	size_t c = 0;

	assert_true(len > 0);
	s->calls++;
	s->last_ptr = data;
	s->last_len = len;
	if (gap_before) {
		if (s->gaps < 16)
			s->gap_at[s->gaps] = s->out_len;
		s->gaps++;
	}
	switch (s->mode) {
	case SINK_ALL:
		c = len;
		break;
	case SINK_NONE:
		c = 0;
		break;
	case SINK_MSG:
		while (c < len && c + 1 + data[c] <= len) {
			c += 1 + data[c];
			s->msgs++;
		}
		break;
	case SINK_HALF:
		c = len / 2;
		break;
	case SINK_STOP:
		return (size_t)-1;
	}
	assert_true(s->out_len + c <= sizeof(s->out));
	memcpy(s->out + s->out_len, data, c);
	s->out_len += c;
	return c;
}

static struct mk_stream *stream(size_t ooo_cap, size_t pending_cap, size_t max_buffer)
{
	struct mk_stream_limits lim;
	struct mk_stream *st;

	mk_stream_limits_default(&lim);
	if (ooo_cap)
		lim.ooo_cap = ooo_cap;
	if (pending_cap)
		lim.pending_cap = pending_cap;
	st = mk_stream_new(&lim, max_buffer ? max_buffer : (size_t)1 << 20);
	assert_non_null(st);
	return st;
}

static void seg(struct mk_stream *st, uint32_t seq, const char *text, struct sink *s)
{
	mk_stream_segment(st, seq, (const uint8_t *)text, strlen(text), false, false, sink_fn, s);
}

static void expect_out(const struct sink *s, const char *want)
{
	if (s->out_len != strlen(want) || memcmp(s->out, want, s->out_len) != 0)
		fail_msg("got \"%.*s\", want \"%s\"", (int)s->out_len, (const char *)s->out, want);
}

/* ---- tests ---- */

static void test_defaults(void **state)
{
	struct mk_stream_limits lim;

	(void)state;
	mk_stream_limits_default(&lim);
	assert_int_equal(lim.ooo_cap, 64 * 1024);
	assert_int_equal(lim.pending_cap, 64 * 1024);
	mk_stream_free(NULL);
}

static void test_in_order_zero_copy(void **state)
{
	struct sink s = {.mode = SINK_ALL};
	struct mk_stream *st = stream(0, 0, 0);
	static const uint8_t hello[] = "hello";
	static const uint8_t world[] = " world";

	(void)state;
	mk_stream_segment(st, 1000, hello, 5, false, false, sink_fn, &s);
	/* Nothing pending: the sink reads the caller's buffer itself. */
	assert_ptr_equal(s.last_ptr, hello);
	mk_stream_segment(st, 1005, world, 6, false, false, sink_fn, &s);
	assert_ptr_equal(s.last_ptr, world);
	expect_out(&s, "hello world");
	assert_int_equal(s.gaps, 0);
	assert_int_equal(mk_stream_stats(st)->delivered, 11);
	/* Empty segments and pure ACK-like calls change nothing. */
	mk_stream_segment(st, 1011, NULL, 0, false, false, sink_fn, &s);
	assert_int_equal(s.calls, 2);
	mk_stream_free(st);
}

static void test_syn_sets_base(void **state)
{
	struct sink s = {.mode = SINK_ALL};
	struct mk_stream *st = stream(0, 0, 0);

	(void)state;
	/* SYN at 99: data begins at 100. */
	mk_stream_segment(st, 99, NULL, 0, true, false, sink_fn, &s);
	seg(st, 100, "abc", &s);
	/* A retransmitted SYN changes nothing. */
	mk_stream_segment(st, 99, NULL, 0, true, false, sink_fn, &s);
	seg(st, 103, "def", &s);
	expect_out(&s, "abcdef");
	/* No gap: the SYN's ack is not a hole. */
	mk_stream_ack(st, 106, sink_fn, &s);
	assert_int_equal(mk_stream_stats(st)->gaps, 0);
	/* A SYN carrying data (TCP Fast Open) delivers from seq+1. */
	mk_stream_free(st);
	memset(&s, 0, sizeof(s));
	st = stream(0, 0, 0);
	mk_stream_segment(st, 7, (const uint8_t *)"xyz", 3, true, false, sink_fn, &s);
	seg(st, 11, "w", &s);
	expect_out(&s, "xyzw");
	mk_stream_free(st);
}

/* Three length-prefixed messages: [3]"abc" [0] [5]"defgh". */
static const uint8_t msgs[] = {3, 'a', 'b', 'c', 0, 5, 'd', 'e', 'f', 'g', 'h'};

static void test_every_split_point(void **state)
{
	(void)state;
	for (size_t i = 0; i <= sizeof(msgs); i++) {
		for (size_t j = i; j <= sizeof(msgs); j++) {
			struct sink s = {.mode = SINK_MSG};
			struct mk_stream *st = stream(0, 0, 0);

			mk_stream_segment(st, 5000, msgs, i, false, false, sink_fn, &s);
			mk_stream_segment(st, 5000 + (uint32_t)i, msgs + i, j - i, false, false, sink_fn,
			                  &s);
			mk_stream_segment(st, 5000 + (uint32_t)j, msgs + j, sizeof(msgs) - j, false,
			                  false, sink_fn, &s);
			if (s.msgs != 3 || s.out_len != sizeof(msgs) ||
			    memcmp(s.out, msgs, sizeof(msgs)) != 0)
				fail_msg("split %zu/%zu: %u messages", i, j, s.msgs);
			assert_int_equal(s.gaps, 0);
			mk_stream_free(st);
		}
	}
}

static void test_out_of_order(void **state)
{
	struct sink s = {.mode = SINK_ALL};
	struct mk_stream *st = stream(0, 0, 0);

	(void)state;
	seg(st, 0, "aa", &s);
	seg(st, 6, "dd", &s);
	seg(st, 4, "cc", &s);
	expect_out(&s, "aa");
	seg(st, 2, "bb", &s);
	expect_out(&s, "aabbccdd");
	assert_int_equal(s.gaps, 0);
	assert_int_equal(mk_stream_stats(st)->delivered, 8);
	/* Held data is accounted while held, released after. */
	{
		size_t before = mk_stream_memory(st);

		seg(st, 10, "ff", &s);
		assert_true(mk_stream_memory(st) >= before + 2);
		seg(st, 8, "ee", &s);
		expect_out(&s, "aabbccddeeff");
		assert_int_equal(mk_stream_memory(st), before);
	}
	mk_stream_free(st);
}

static void test_overlaps_first_copy_wins(void **state)
{
	struct sink s = {.mode = SINK_ALL};
	struct mk_stream *st = stream(0, 0, 0);

	(void)state;
	seg(st, 0, "0123", &s);
	/* Held out of order first ... */
	seg(st, 8, "HHHH", &s);
	/* ... then another held copy overlapping both ends of it. */
	seg(st, 6, "xxYYYYzz", &s);
	/* The in-order segment covering the held range loses to the held bytes. */
	seg(st, 4, "AAAAAAAAAAAAAAAA", &s);
	expect_out(&s, "0123AAxxHHHHzzAAAAAA");
	assert_true(mk_stream_stats(st)->overlaps >= 2);
	/* Retransmission with new content of delivered bytes: ignored. */
	seg(st, 2, "QQQQ", &s);
	expect_out(&s, "0123AAxxHHHHzzAAAAAA");
	/* Partly old, partly new: only the new part. */
	seg(st, 18, "RRnew", &s);
	expect_out(&s, "0123AAxxHHHHzzAAAAAAnew");
	mk_stream_free(st);
}

static void test_retransmission(void **state)
{
	struct sink s = {.mode = SINK_ALL};
	struct mk_stream *st = stream(0, 0, 0);

	(void)state;
	seg(st, 100, "abc", &s);
	seg(st, 100, "abc", &s);
	seg(st, 103, "def", &s);
	seg(st, 103, "def", &s);
	/* Out-of-order retransmission of a held segment. */
	seg(st, 110, "xyz", &s);
	seg(st, 110, "xyz", &s);
	seg(st, 106, "ghij", &s);
	expect_out(&s, "abcdefghijxyz");
	assert_int_equal(mk_stream_stats(st)->overlaps, 3);
	assert_int_equal(mk_stream_stats(st)->delivered, 13);
	mk_stream_free(st);
}

static void test_seq_wrap(void **state)
{
	struct sink s = {.mode = SINK_ALL};
	struct mk_stream *st = stream(0, 0, 0);

	(void)state;
	/* SYN at 2^32 - 4: data at ...fffd, wraps after 3 bytes. */
	mk_stream_segment(st, 0xfffffffcu, NULL, 0, true, false, sink_fn, &s);
	seg(st, 0xfffffffdu, "ab", &s);
	/* Out of order across the wrap: 2 .. 3 held before ...ffff .. 1. */
	seg(st, 2, "EF", &s);
	seg(st, 0xffffffffu, "cD", &s);
	seg(st, 1, "e", &s);
	expect_out(&s, "abcDeEF");
	/* Old data from before the wrap is old, not 4 GB ahead. */
	seg(st, 0xfffffff0u, "zzzzzzzzzzzzzzzz", &s);
	expect_out(&s, "abcDeEF");
	/* An ack across the wrap skips the hole 4..5. */
	seg(st, 6, "gh", &s);
	mk_stream_ack(st, 8, sink_fn, &s);
	expect_out(&s, "abcDeEFgh");
	assert_int_equal(mk_stream_stats(st)->gap_bytes, 2);
	mk_stream_free(st);
}

static void test_hole_ack(void **state)
{
	struct sink s = {.mode = SINK_ALL};
	struct mk_stream *st = stream(0, 0, 0);

	(void)state;
	/* An ack before any data: nothing to do. */
	mk_stream_ack(st, 12345, sink_fn, &s);
	assert_int_equal(s.calls, 0);
	seg(st, 0, "abcd", &s);
	seg(st, 8, "ijkl", &s);
	seg(st, 16, "qr", &s);
	/* Acked up to 6: bytes 4..5 lost, 6..7 still possible. */
	mk_stream_ack(st, 6, sink_fn, &s);
	expect_out(&s, "abcd");
	assert_int_equal(mk_stream_stats(st)->gap_bytes, 2);
	seg(st, 6, "gh", &s);
	expect_out(&s, "abcdghijkl");
	assert_int_equal(s.gaps, 1);
	assert_int_equal(s.gap_at[0], 4);
	/* Acked past the second hole. */
	mk_stream_ack(st, 18, sink_fn, &s);
	expect_out(&s, "abcdghijklqr");
	assert_int_equal(s.gaps, 2);
	assert_int_equal(mk_stream_stats(st)->gaps, 2);
	assert_int_equal(mk_stream_stats(st)->gap_bytes, 6);
	/* Old acks do nothing. */
	mk_stream_ack(st, 3, sink_fn, &s);
	assert_int_equal(mk_stream_stats(st)->gaps, 2);
	mk_stream_free(st);
}

static void test_fin_ack_no_gap(void **state)
{
	struct sink s = {.mode = SINK_ALL};
	struct mk_stream *st = stream(0, 0, 0);

	(void)state;
	mk_stream_segment(st, 50, (const uint8_t *)"bye", 3, false, true, sink_fn, &s);
	/* The FIN occupies 53; its ack (54) is no lost byte. */
	mk_stream_ack(st, 54, sink_fn, &s);
	expect_out(&s, "bye");
	assert_int_equal(mk_stream_stats(st)->gaps, 0);
	mk_stream_free(st);
}

static void test_flush(void **state)
{
	struct sink s = {.mode = SINK_ALL};
	struct mk_stream *st = stream(0, 0, 0);

	(void)state;
	seg(st, 0, "ab", &s);
	seg(st, 4, "ef", &s);
	seg(st, 10, "kl", &s);
	mk_stream_flush(st, sink_fn, &s);
	expect_out(&s, "abefkl");
	assert_int_equal(s.gaps, 2);
	assert_int_equal(mk_stream_stats(st)->gap_bytes, 6);
	/* Flushing an empty stream is harmless. */
	mk_stream_flush(st, sink_fn, &s);
	assert_int_equal(s.gaps, 2);
	mk_stream_free(st);
}

static void test_ooo_cap(void **state)
{
	struct sink s = {.mode = SINK_ALL};
	/* Room for two 50-byte segments with their headers, not three. */
	struct mk_stream *st = stream(150, 0, 0);
	char big[51], huge[201];
	const size_t base = mk_stream_memory(st);

	(void)state;
	memset(big, 'B', 50);
	big[50] = '\0';
	memset(huge, 'H', 200);
	huge[200] = '\0';
	seg(st, 0, "a", &s);
	seg(st, 10, big, &s);
	seg(st, 60, big, &s);
	assert_true(mk_stream_memory(st) <= base + 150);
	assert_int_equal(s.out_len, 1);
	/* The third does not fit: the first hole (1..9) is given up. */
	seg(st, 200, big, &s);
	assert_int_equal(s.out_len, 101);
	assert_int_equal(s.gaps, 1);
	assert_int_equal(mk_stream_stats(st)->gap_bytes, 9);
	assert_true(mk_stream_memory(st) <= base + 150);
	/* One segment alone larger than the cap, ahead: dropped (newest). */
	seg(st, 1000, huge, &s);
	assert_int_equal(mk_stream_stats(st)->ooo_dropped, 1);
	assert_true(mk_stream_memory(st) <= base + 150);
	assert_int_equal(s.gaps, 1);
	/* In order, any size is fine: it is never held.  It covers the held
	 * segment at 200, whose bytes win. */
	seg(st, 110, huge, &s);
	assert_int_equal(s.out_len, 301);
	assert_memory_equal(s.out + 101 + 90, big, 50);
	mk_stream_flush(st, sink_fn, &s);
	assert_int_equal(s.out_len, 301);
	assert_int_equal(mk_stream_memory(st), base);
	/* Many tiny held segments are bounded by their header cost too. */
	for (uint32_t i = 0; i < 1000; i++)
		seg(st, 2000 + 2 * i, "t", &s);
	assert_true(mk_stream_memory(st) <= base + 150);
	mk_stream_free(st);
}

static void test_pending_partial(void **state)
{
	struct sink s = {.mode = SINK_HALF};
	struct mk_stream *st = stream(0, 0, 0);

	(void)state;
	seg(st, 0, "abcdefgh", &s); /* consumes "abcd", keeps "efgh" */
	expect_out(&s, "abcd");
	seg(st, 8, "ij", &s);       /* offered "efghij", consumes "efg" */
	expect_out(&s, "abcdefg");
	assert_int_equal(s.last_len, 6);
	s.mode = SINK_ALL;
	seg(st, 10, "k", &s);
	expect_out(&s, "abcdefghijk");
	assert_int_equal(s.gaps, 0);
	assert_int_equal(mk_stream_stats(st)->delivered, 11);
	mk_stream_free(st);
}

static void test_pending_msg_in_tiny_segments(void **state)
{
	struct sink s = {.mode = SINK_MSG};
	struct mk_stream *st = stream(0, 0, 0);

	(void)state;
	for (size_t i = 0; i < sizeof(msgs); i++)
		mk_stream_segment(st, (uint32_t)i, msgs + i, 1, false, false, sink_fn, &s);
	assert_int_equal(s.msgs, 3);
	assert_memory_equal(s.out, msgs, sizeof(msgs));
	mk_stream_free(st);
}

static void test_pending_cap(void **state)
{
	struct sink s = {.mode = SINK_NONE};
	/* The parser's max_buffer (16) is below the limit (64 KiB): 16 wins. */
	struct mk_stream *st = stream(0, 0, 16);

	(void)state;
	seg(st, 0, "0123456789", &s); /* kept: 10 <= 16 */
	assert_int_equal(s.last_len, 10);
	assert_int_equal(s.gaps, 0);
	seg(st, 10, "abcdefghij", &s); /* 20 > 16: pending dropped, gap */
	assert_int_equal(mk_stream_stats(st)->pending_overflow, 1);
	assert_int_equal(s.gaps, 1);
	assert_int_equal(s.last_len, 10);
	assert_memory_equal(s.last_ptr, "abcdefghij", 10);
	/* Kept again; now a segment that alone overflows after delivery. */
	seg(st, 20, "0123456789ABCDEFGHIJ", &s);
	assert_int_equal(mk_stream_stats(st)->pending_overflow, 3);
	s.mode = SINK_ALL;
	seg(st, 40, "z", &s);
	assert_int_equal(s.gaps, 3);
	expect_out(&s, "z");
	/* Pending memory never exceeds the 16-byte cap. */
	{
		struct mk_stream *fresh = stream(0, 0, 16);

		assert_true(mk_stream_memory(st) <= mk_stream_memory(fresh) + 16);
		mk_stream_free(fresh);
	}
	mk_stream_free(st);
	/* The limits' pending_cap below max_buffer: the limit wins. */
	memset(&s, 0, sizeof(s));
	s.mode = SINK_NONE;
	st = stream(0, 4, 1000);
	seg(st, 0, "abcde", &s);
	assert_int_equal(mk_stream_stats(st)->pending_overflow, 1);
	mk_stream_free(st);
	/* max_buffer 0: nothing is ever kept. */
	memset(&s, 0, sizeof(s));
	s.mode = SINK_NONE;
	{
		struct mk_stream_limits lim;

		mk_stream_limits_default(&lim);
		st = mk_stream_new(&lim, 0);
		assert_non_null(st);
		seg(st, 0, "a", &s);
		assert_int_equal(mk_stream_stats(st)->pending_overflow, 1);
		mk_stream_free(st);
	}
}

static void test_set_pending_cap(void **state)
{
	struct sink s = {.mode = SINK_NONE};
	struct mk_stream *st = stream(0, 0, 0);
	size_t base;

	(void)state;
	seg(st, 0, "x", &s);
	base = mk_stream_memory(st); /* holds 1 byte in a small buffer */
	mk_stream_set_pending_cap(st, 100);
	assert_int_equal(mk_stream_stats(st)->pending_overflow, 0);
	seg(st, 1, "0123456789", &s);
	assert_int_equal(s.last_len, 11);
	/* Lowered below what is pending: dropped, gap at the next delivery. */
	mk_stream_set_pending_cap(st, 4);
	assert_int_equal(mk_stream_stats(st)->pending_overflow, 1);
	assert_true(mk_stream_memory(st) <= base);
	seg(st, 11, "abc", &s);
	assert_int_equal(s.gaps, 1);
	assert_int_equal(s.last_len, 3);
	/* Kept under the new cap; more overflows. */
	seg(st, 14, "de", &s);
	assert_int_equal(mk_stream_stats(st)->pending_overflow, 2);
	/* Raising beyond the limits' pending_cap stops at it. */
	mk_stream_set_pending_cap(st, (size_t)1 << 40);
	mk_stream_free(st);
}

static void test_gap_drops_pending(void **state)
{
	struct sink s = {.mode = SINK_MSG};
	struct mk_stream *st = stream(0, 0, 0);

	(void)state;
	/* An incomplete message [5]"ab" then a hole: the message can never be
	 * completed, so the bytes after the hole come alone, with a gap. */
	mk_stream_segment(st, 0, (const uint8_t[]){5, 'a', 'b'}, 3, false, false, sink_fn, &s);
	mk_stream_segment(st, 6, (const uint8_t[]){1, 'z'}, 2, false, false, sink_fn, &s);
	mk_stream_ack(st, 8, sink_fn, &s);
	assert_int_equal(s.gaps, 1);
	assert_int_equal(s.msgs, 1);
	assert_memory_equal(s.out, ((const uint8_t[]){1, 'z'}), 2);
	mk_stream_free(st);
}

static void test_sink_stop(void **state)
{
	struct sink s = {.mode = SINK_STOP};
	struct mk_stream *st = stream(0, 0, 0);
	size_t base;

	(void)state;
	seg(st, 0, "ab", &s);
	seg(st, 10, "held", &s);
	assert_int_equal(s.calls, 1);
	base = mk_stream_memory(st);
	seg(st, 2, "cdefghij", &s);
	mk_stream_ack(st, 100, sink_fn, &s);
	mk_stream_flush(st, sink_fn, &s);
	assert_int_equal(s.calls, 1);
	assert_int_equal(mk_stream_memory(st), base);
	mk_stream_free(st);
	/* Stop in the middle of draining held segments. */
	memset(&s, 0, sizeof(s));
	s.mode = SINK_STOP;
	st = stream(0, 0, 0);
	seg(st, 0, "", &s);
	seg(st, 4, "e", &s);
	seg(st, 6, "g", &s);
	mk_stream_ack(st, 10, sink_fn, &s);
	assert_int_equal(s.calls, 1);
	mk_stream_free(st);
}

/* Fails each allocation in turn: never a crash or leak; losses are counted. */
static void test_alloc_failures(void **state)
{
	unsigned failed_runs = 0;

	(void)state;
	for (unsigned long nth = 1; nth <= 12; nth++) {
		struct sink s = {.mode = SINK_HALF};
		struct mk_stream *st;
		const struct mk_stream_stats *ss;

		mk_stream_fault_nth(nth);
		st = mk_stream_new(NULL, 1 << 20);
		if (st == NULL) {
			assert_int_equal(nth, 1); /* the stream itself: the caller counts it */
			continue;
		}
		seg(st, 0, "abcdefgh", &s);  /* pending buffer */
		seg(st, 20, "uvwx", &s);     /* held */
		seg(st, 30, "yz", &s);       /* held */
		seg(st, 8, "ijkl", &s);      /* pending grows */
		mk_stream_set_pending_cap(st, 2);
		mk_stream_ack(st, 40, sink_fn, &s);
		mk_stream_flush(st, sink_fn, &s);
		ss = mk_stream_stats(st);
		if (ss->ooo_dropped > 0 || ss->pending_overflow > 1)
			failed_runs++;
		mk_stream_fault_nth(0);
		mk_stream_free(st);
	}
	assert_true(failed_runs > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_in_order_zero_copy),
		cmocka_unit_test(test_syn_sets_base),
		cmocka_unit_test(test_every_split_point),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_overlaps_first_copy_wins),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_hole_ack),
		cmocka_unit_test(test_fin_ack_no_gap),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_ooo_cap),
		cmocka_unit_test(test_pending_partial),
		cmocka_unit_test(test_pending_msg_in_tiny_segments),
		cmocka_unit_test(test_pending_cap),
		cmocka_unit_test(test_set_pending_cap),
		cmocka_unit_test(test_gap_drops_pending),
		cmocka_unit_test(test_sink_stop),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

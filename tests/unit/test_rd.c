/* test_rd.c - the bounded reader: every getter at every truncation length,
 * sticky errors, sub-readers that cannot see past a lying length, peeks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mieruka/rd.h"

static const uint8_t BYTES[16] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};

/* Each getter on a window of every length from 0 to its width: short
 * windows give 0, set err and leave the position where it was. */
static void test_getters_every_length(void **state)
{
	static const size_t width[] = {1, 2, 2, 3, 4, 4, 8, 8};

	(void)state;
	for (size_t g = 0; g < sizeof(width) / sizeof(width[0]); g++) {
		for (size_t len = 0; len <= width[g]; len++) {
			struct mk_rd rd;
			uint64_t v = 0;

			mk_rd_init(&rd, BYTES, len);
			switch (g) {
			case 0: v = mk_rd_u8(&rd); break;
			case 1: v = mk_rd_be16(&rd); break;
			case 2: v = mk_rd_le16(&rd); break;
			case 3: v = mk_rd_be24(&rd); break;
			case 4: v = mk_rd_be32(&rd); break;
			case 5: v = mk_rd_le32(&rd); break;
			case 6: v = mk_rd_be64(&rd); break;
			default: v = mk_rd_le64(&rd); break;
			}
			if (len < width[g]) {
				assert_false(mk_rd_ok(&rd));
				assert_int_equal(v, 0);
				assert_int_equal(rd.off, 0);
				assert_int_equal(mk_rd_left(&rd), 0);
			} else {
				assert_true(mk_rd_ok(&rd));
				assert_int_equal(rd.off, width[g]);
				assert_int_equal(mk_rd_left(&rd), 0);
			}
		}
	}
}

static void test_values(void **state)
{
	struct mk_rd rd;

	(void)state;
	mk_rd_init(&rd, BYTES, sizeof(BYTES));
	assert_int_equal(mk_rd_u8(&rd), 0x01);
	assert_int_equal(mk_rd_be16(&rd), 0x0203);
	assert_int_equal(mk_rd_le16(&rd), 0x0504);
	assert_int_equal(mk_rd_be24(&rd), 0x060708);
	assert_int_equal(mk_rd_be32(&rd), 0x090a0b0c);
	assert_int_equal(mk_rd_le32(&rd), 0x100f0e0d);
	assert_true(mk_rd_ok(&rd));
	assert_int_equal(mk_rd_left(&rd), 0);
	mk_rd_init(&rd, BYTES, sizeof(BYTES));
	assert_true(mk_rd_be64(&rd) == 0x0102030405060708ull);
	assert_true(mk_rd_le64(&rd) == 0x100f0e0d0c0b0a09ull);
}

/* A record of u8, be16, be32 and 3 copied bytes (10 bytes) parsed from every
 * truncation: the sticky flag lets the parser check once at the end, and
 * nothing past the window is ever read (ASan would see it: the window is a
 * heap copy of exactly len bytes). */
static void test_record_every_truncation(void **state)
{
	(void)state;
	for (size_t len = 0; len <= 10; len++) {
		uint8_t *copy = malloc(len > 0 ? len : 1);
		uint8_t out[3] = {0, 0, 0};
		struct mk_rd rd;

		assert_non_null(copy);
		memcpy(copy, BYTES, len);
		mk_rd_init(&rd, copy, len);
		uint8_t a = mk_rd_u8(&rd);
		uint16_t b = mk_rd_be16(&rd);
		uint32_t c = mk_rd_be32(&rd);
		bool copied = mk_rd_copy(&rd, out, sizeof(out));

		if (len == 10) {
			assert_true(mk_rd_ok(&rd));
			assert_int_equal(a, 0x01);
			assert_int_equal(b, 0x0203);
			assert_int_equal(c, 0x04050607);
			assert_true(copied);
			assert_memory_equal(out, BYTES + 7, 3);
		} else {
			assert_false(mk_rd_ok(&rd));
			assert_false(copied);
			/* Once in error, reads give 0 and the position is frozen. */
			size_t off = rd.off;
			assert_int_equal(mk_rd_u8(&rd), 0);
			assert_int_equal(rd.off, off);
			assert_null(mk_rd_cur(&rd));
			assert_false(mk_rd_has(&rd, 1));
		}
		free(copy);
	}
}

/* A length field claiming more than the frame holds cannot widen the view. */
static void test_sub_reader(void **state)
{
	struct mk_rd rd, sub;

	(void)state;
	mk_rd_init(&rd, BYTES, 8);
	assert_true(mk_rd_sub(&rd, 4, &sub));
	assert_int_equal(mk_rd_left(&sub), 4);
	assert_int_equal(mk_rd_be32(&sub), 0x01020304);
	assert_int_equal(mk_rd_u8(&sub), 0);
	assert_false(mk_rd_ok(&sub));
	assert_true(mk_rd_ok(&rd)); /* the inner error stays inside */
	assert_int_equal(mk_rd_u8(&rd), 0x05);
	/* 3 bytes left, a lying length of 200. */
	assert_false(mk_rd_sub(&rd, 200, &sub));
	assert_false(mk_rd_ok(&rd));
	assert_false(mk_rd_ok(&sub));
	assert_int_equal(mk_rd_left(&sub), 0);
	assert_int_equal(mk_rd_u8(&sub), 0);
	/* Zero-length sub-reader: valid and empty. */
	mk_rd_init(&rd, BYTES, 2);
	assert_true(mk_rd_sub(&rd, 0, &sub));
	assert_true(mk_rd_ok(&sub));
	assert_int_equal(mk_rd_left(&sub), 0);
}

static void test_peek_and_skip(void **state)
{
	struct mk_rd rd;
	uint8_t b = 0;
	uint16_t w = 0;
	uint32_t d = 0;

	(void)state;
	mk_rd_init(&rd, BYTES, 6);
	assert_true(mk_rd_peek_u8(&rd, 5, &b));
	assert_int_equal(b, 0x06);
	assert_false(mk_rd_peek_u8(&rd, 6, &b));
	assert_true(mk_rd_peek_be16(&rd, 4, &w));
	assert_int_equal(w, 0x0506);
	assert_false(mk_rd_peek_be16(&rd, 5, &w));
	assert_false(mk_rd_peek_be16(&rd, SIZE_MAX, &w)); /* no overflow on at + 2 */
	assert_true(mk_rd_peek_be32(&rd, 2, &d));
	assert_int_equal(d, 0x03040506);
	assert_false(mk_rd_peek_be32(&rd, 3, &d));
	assert_false(mk_rd_peek_be32(&rd, SIZE_MAX - 1, &d));
	assert_true(mk_rd_ok(&rd)); /* peeks never set err */
	assert_int_equal(rd.off, 0);
	assert_true(mk_rd_skip(&rd, 0));
	assert_true(mk_rd_skip(&rd, 6));
	assert_false(mk_rd_peek_u8(&rd, 0, &b));
	assert_false(mk_rd_skip(&rd, 1));
	assert_false(mk_rd_ok(&rd));
	/* A NULL buffer is an empty window whatever the length says; reading
	 * zero bytes from it is fine (and must not compute NULL + 0). */
	mk_rd_init(&rd, NULL, 100);
	assert_non_null(mk_rd_ptr(&rd, 0));
	assert_true(mk_rd_skip(&rd, 0));
	assert_true(mk_rd_ok(&rd));
	struct mk_rd sub;
	assert_true(mk_rd_sub(&rd, 0, &sub));
	assert_true(mk_rd_ok(&sub));
	assert_int_equal(mk_rd_left(&rd), 0);
	assert_null(mk_rd_ptr(&rd, 1));
	assert_false(mk_rd_ok(&rd));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getters_every_length),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_record_every_truncation),
		cmocka_unit_test(test_sub_reader),
		cmocka_unit_test(test_peek_and_skip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* rd.h - the bounded reader: the only way mieruka reads untrusted bytes.
 *
 * Every getter checks the remaining length first.  A short read sets the sticky
 * `err` flag and returns 0, so a parser may do several reads and check once
 * (tcpdump's GET_* idea, without longjmp).  After an error every further read
 * returns 0 and the position does not move.  mk_rd_sub() carves an exact-length
 * sub-reader for a length-prefixed PDU, so a lying length field can never let the
 * inner parser read past its own frame.
 *
 * Ownership: a reader borrows its bytes; it never frees or keeps them.
 */
#ifndef MIERUKA_RD_H
#define MIERUKA_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mk_rd {
	const uint8_t *buf; /* first byte of the window */
	size_t len;         /* bytes in the window */
	size_t off;         /* next byte to read */
	bool err;           /* sticky: a read ran past the end */
};

static inline void mk_rd_init(struct mk_rd *rd, const void *buf, size_t len)
{
	rd->buf = (const uint8_t *)buf;
	rd->len = buf != NULL ? len : 0;
	rd->off = 0;
	rd->err = false;
}

static inline size_t mk_rd_left(const struct mk_rd *rd)
{
	return rd->err ? 0 : rd->len - rd->off;
}

static inline bool mk_rd_ok(const struct mk_rd *rd) { return !rd->err; }

/* Predicate: are n more bytes available?  Never sets err. */
static inline bool mk_rd_has(const struct mk_rd *rd, size_t n) { return mk_rd_left(rd) >= n; }

/* Returns a pointer to the next n bytes and advances, or NULL (and sets err).
 * A zero-length read of an empty (NULL) window succeeds with a pointer to no
 * bytes: NULL + 0 is undefined behaviour in C. */
static inline const uint8_t *mk_rd_ptr(struct mk_rd *rd, size_t n)
{
	static const uint8_t no_bytes[1];
	const uint8_t *p;

	if (!mk_rd_has(rd, n)) {
		rd->err = true;
		return NULL;
	}
	if (rd->buf == NULL)
		return no_bytes;
	p = rd->buf + rd->off;
	rd->off += n;
	return p;
}

/* Pointer to the current position without consuming (NULL when empty). */
static inline const uint8_t *mk_rd_cur(const struct mk_rd *rd)
{
	return mk_rd_left(rd) > 0 ? rd->buf + rd->off : NULL;
}

static inline bool mk_rd_skip(struct mk_rd *rd, size_t n) { return mk_rd_ptr(rd, n) != NULL || n == 0; }

static inline bool mk_rd_copy(struct mk_rd *rd, void *dst, size_t n)
{
	const uint8_t *p = mk_rd_ptr(rd, n);

	if (p == NULL)
		return n == 0;
	memcpy(dst, p, n);
	return true;
}

static inline uint8_t mk_rd_u8(struct mk_rd *rd)
{
	const uint8_t *p = mk_rd_ptr(rd, 1);
	return p != NULL ? p[0] : 0;
}

static inline uint16_t mk_rd_be16(struct mk_rd *rd)
{
	const uint8_t *p = mk_rd_ptr(rd, 2);
	return p != NULL ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

static inline uint16_t mk_rd_le16(struct mk_rd *rd)
{
	const uint8_t *p = mk_rd_ptr(rd, 2);
	return p != NULL ? (uint16_t)((p[1] << 8) | p[0]) : 0;
}

static inline uint32_t mk_rd_be24(struct mk_rd *rd)
{
	const uint8_t *p = mk_rd_ptr(rd, 3);
	return p != NULL ? ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2] : 0;
}

static inline uint32_t mk_rd_be32(struct mk_rd *rd)
{
	const uint8_t *p = mk_rd_ptr(rd, 4);
	return p != NULL ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3] : 0;
}

static inline uint32_t mk_rd_le32(struct mk_rd *rd)
{
	const uint8_t *p = mk_rd_ptr(rd, 4);
	return p != NULL ? ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0] : 0;
}

/* One 8-byte check, so a short read consumes nothing and returns 0. */
static inline uint64_t mk_rd_be64(struct mk_rd *rd)
{
	const uint8_t *p = mk_rd_ptr(rd, 8);
	uint64_t v = 0;

	for (int i = 0; p != NULL && i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static inline uint64_t mk_rd_le64(struct mk_rd *rd)
{
	const uint8_t *p = mk_rd_ptr(rd, 8);
	uint64_t v = 0;

	for (int i = 7; p != NULL && i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* Carves the next n bytes into *sub and advances rd past them.  On a short
 * read both rd and *sub are marked in error and *sub is empty. */
static inline bool mk_rd_sub(struct mk_rd *rd, size_t n, struct mk_rd *sub)
{
	const uint8_t *p = mk_rd_ptr(rd, n);

	mk_rd_init(sub, p, p != NULL ? n : 0);
	if (p == NULL)
		sub->err = true;
	return p != NULL;
}

/* Peeks without moving or setting err: false when [at, at+size) is outside. */
static inline bool mk_rd_peek_u8(const struct mk_rd *rd, size_t at, uint8_t *out)
{
	if (at >= mk_rd_left(rd))
		return false;
	*out = rd->buf[rd->off + at];
	return true;
}

static inline bool mk_rd_peek_be16(const struct mk_rd *rd, size_t at, uint16_t *out)
{
	if (mk_rd_left(rd) < 2 || at > mk_rd_left(rd) - 2)
		return false;
	*out = (uint16_t)((rd->buf[rd->off + at] << 8) | rd->buf[rd->off + at + 1]);
	return true;
}

static inline bool mk_rd_peek_be32(const struct mk_rd *rd, size_t at, uint32_t *out)
{
	if (mk_rd_left(rd) < 4 || at > mk_rd_left(rd) - 4)
		return false;
	*out = ((uint32_t)rd->buf[rd->off + at] << 24) | ((uint32_t)rd->buf[rd->off + at + 1] << 16) |
	       ((uint32_t)rd->buf[rd->off + at + 2] << 8) | rd->buf[rd->off + at + 3];
	return true;
}

#endif /* MIERUKA_RD_H */

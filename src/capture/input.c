/* input.c - the byte window under the capture-file readers: a mapped or
 * borrowed buffer (zero copy), or a bounded buffer refilled in large blocks
 * from zlib (gzip input) or from read() (pipes and files that cannot be mapped).
 *
 * specification: RFC 1952 (gzip file format); concatenated members are read
 * as one stream, as gzip(1) does.
 */
#include "capture_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mieruka/rd.h"

/* zlib's avail_in is 32 bits: a larger mapping is fed in slices of this size. */
#define MK_CAP_Z_SLICE (1u << 30)

static bool is_gzip(const uint8_t *p, size_t len)
{
	struct mk_rd rd;

	mk_rd_init(&rd, p, len);
	return mk_rd_be16(&rd) == 0x1f8b && mk_rd_ok(&rd);
}

static bool in_alloc_obuf(struct mk_cap_in *in, char *err, size_t errlen, const char *name)
{
	in->obuf = malloc(MK_CAP_OBUF_FIRST);
	if (in->obuf == NULL) {
		snprintf(err, errlen, "%s: out of memory for the read buffer", name);
		return false;
	}
	in->ocap = MK_CAP_OBUF_FIRST;
	in->p = in->obuf;
	in->stream = true;
	return true;
}

static bool in_start_zlib(struct mk_cap_in *in, char *err, size_t errlen, const char *name)
{
	memset(&in->z, 0, sizeof(in->z));
	/* 15 + 16: a gzip wrapper, with the largest window. */
	if (inflateInit2(&in->z, 15 + 16) != Z_OK) {
		snprintf(err, errlen, "%s: cannot start gzip decompression (out of memory)", name);
		return false;
	}
	in->z_live = true;
	in->gz = true;
	return true;
}

bool mk_cap_in_start_mem(struct mk_cap_in *in, const uint8_t *buf, size_t len, char *err, size_t errlen,
                         const char *name)
{
	in->mem = buf;
	in->mem_len = len;
	in->raw_total = len;
	if (!is_gzip(buf, len)) {
		/* Plain: the window is the whole input, nothing to refill. */
		in->p = buf;
		in->len = len;
		in->end = true;
		in->raw_done = len;
		return true;
	}
	return in_alloc_obuf(in, err, errlen, name) && in_start_zlib(in, err, errlen, name);
}

bool mk_cap_in_start_fd(struct mk_cap_in *in, int fd, uint64_t size, char *err, size_t errlen,
                        const char *name)
{
	in->fd = fd;
	in->raw_total = size;
	if (!in_alloc_obuf(in, err, errlen, name))
		return false;
	/* Read the first bytes raw; if they are a gzip header, hand them to zlib. */
	mk_cap_in_fill(in, 2);
	if (in->fail[0] != '\0') {
		snprintf(err, errlen, "%s: %s", name, in->fail);
		return false;
	}
	if (!is_gzip(in->obuf, in->len))
		return true;
	/* A small file needs no megabyte of input buffer; the bytes already
	 * read must fit (a file can grow while we read it). */
	in->icap = MK_CAP_IBUF_BLOCK;
	if (size > 0 && size < in->icap)
		in->icap = (size_t)size > in->len ? (size_t)size : in->len;
	if (in->icap < in->len)
		in->icap = in->len;
	in->ibuf = malloc(in->icap);
	if (in->ibuf == NULL) {
		snprintf(err, errlen, "%s: out of memory for the read buffer", name);
		return false;
	}
	if (!in_start_zlib(in, err, errlen, name))
		return false;
	/* icap >= len: checked above. */
	memcpy(in->ibuf, in->obuf, in->len);
	in->z.next_in = in->ibuf;
	in->z.avail_in = (uInt)in->len;
	in->len = 0;
	in->end = false;
	return true;
}

/* read() into buf, retrying on EINTR; -1 with fail set on error. */
static ssize_t in_read(struct mk_cap_in *in, uint8_t *buf, size_t n)
{
	for (int tries = 0; tries < 1000; tries++) {
		ssize_t r = read(in->fd, buf, n);

		if (r >= 0) {
			in->raw_done += (uint64_t)r;
			return r;
		}
		if (errno != EINTR)
			break;
	}
	snprintf(in->fail, sizeof(in->fail), "read error after %llu bytes (%s)",
	         (unsigned long long)in->raw_done, strerror(errno));
	return -1;
}

static void produce_raw(struct mk_cap_in *in, size_t want)
{
	while (in->len < want && !in->end) {
		ssize_t r = in_read(in, in->obuf + in->len, in->ocap - in->len);

		if (r <= 0) {
			in->end = true;
			break;
		}
		in->len += (size_t)r;
	}
}

/* More compressed input for zlib; false at the end of the raw input. */
static bool gz_refill_input(struct mk_cap_in *in)
{
	if (in->fd >= 0) {
		ssize_t r = in_read(in, in->ibuf, in->icap);

		if (r <= 0)
			return false;
		in->z.next_in = in->ibuf;
		in->z.avail_in = (uInt)r;
		return true;
	}
	if (in->raw_done >= in->mem_len)
		return false;
	size_t slice = in->mem_len - (size_t)in->raw_done;

	if (slice > MK_CAP_Z_SLICE)
		slice = MK_CAP_Z_SLICE;
	in->z.next_in = (Bytef *)(uintptr_t)(in->mem + in->raw_done);
	in->z.avail_in = (uInt)slice;
	in->raw_done += slice;
	return true;
}

static void produce_gz(struct mk_cap_in *in, size_t want)
{
	/* Each turn either consumes input, produces output or ends: the input
	 * size bounds it; the turn counter is the second bound. */
	for (uint64_t turns = 0; in->len < want && !in->end; turns++) {
		if (turns > ((uint64_t)1 << 40)) {
			snprintf(in->fail, sizeof(in->fail), "gzip decompression makes no progress");
			in->end = true;
			break;
		}
		if (in->z.avail_in == 0 && !gz_refill_input(in)) {
			if (!in->gz_member_end && in->fail[0] == '\0')
				snprintf(in->fail, sizeof(in->fail),
				         "compressed data ends early (truncated gzip file?)");
			in->end = true;
			break;
		}
		if (in->gz_member_end) {
			/* Another gzip member may follow (cat a.gz b.gz); anything
			 * else after a complete member is ignored, as gzip does. */
			struct mk_rd rd;

			mk_rd_init(&rd, in->z.next_in, in->z.avail_in);
			if (mk_rd_u8(&rd) != 0x1f) {
				in->trailing = true;
				in->end = true;
				break;
			}
			if (inflateReset(&in->z) != Z_OK) {
				snprintf(in->fail, sizeof(in->fail), "gzip decompression failed");
				in->end = true;
				break;
			}
			in->gz_member_end = false;
		}
		in->z.next_out = in->obuf + in->len;
		in->z.avail_out = (uInt)(in->ocap - in->len);
		int rc = inflate(&in->z, Z_NO_FLUSH);

		in->len = (size_t)(in->z.next_out - in->obuf);
		if (rc == Z_STREAM_END) {
			in->gz_member_end = true;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			uint64_t at = in->raw_done - in->z.avail_in;

			snprintf(in->fail, sizeof(in->fail),
			         "gzip data is corrupt at compressed offset %llu (zlib: %s)",
			         (unsigned long long)at, in->z.msg != NULL ? in->z.msg : "error");
			in->end = true;
		}
	}
}

size_t mk_cap_in_fill(struct mk_cap_in *in, size_t need)
{
	size_t left = in->len - in->pos;

	if (left >= need || !in->stream || in->end)
		return left;
	if (need > MK_CAP_OBUF_MAX)
		need = MK_CAP_OBUF_MAX;
	/* Compact: keep only the unread tail, so the buffer never has to hold
	 * more than one block plus the record being assembled. */
	if (in->pos > 0) {
		memmove(in->obuf, in->obuf + in->pos, left);
		in->base += in->pos;
		in->len = left;
		in->pos = 0;
	}
	/* Small inputs get a small buffer; a stream that needs refilling grows
	 * it to the full block size in a few steps. */
	size_t want = need;

	if (in->last_full && in->ocap < MK_CAP_OBUF_BLOCK) {
		size_t step = in->ocap * 4 < MK_CAP_OBUF_BLOCK ? in->ocap * 4 : MK_CAP_OBUF_BLOCK;

		want = need > step ? need : step;
	}
	if (want > in->ocap) {
		size_t ncap = in->ocap * 2 > want ? in->ocap * 2 : want;
		uint8_t *nbuf;

		if (ncap > MK_CAP_OBUF_MAX)
			ncap = MK_CAP_OBUF_MAX;
		nbuf = realloc(in->obuf, ncap);
		if (nbuf == NULL) {
			snprintf(in->fail, sizeof(in->fail), "out of memory growing the read buffer to %zu bytes",
			         ncap);
			in->end = true;
			in->p = in->obuf;
			return in->len;
		}
		in->obuf = nbuf;
		in->ocap = ncap;
	}
	/* Ask for a whole buffer's worth: inflate fills it in one call, and
	 * read() returns what the pipe has. */
	if (in->gz)
		produce_gz(in, in->fd >= 0 ? need : in->ocap);
	else
		produce_raw(in, need);
	in->p = in->obuf;
	in->last_full = in->len == in->ocap;
	return in->len - in->pos;
}

bool mk_cap_in_skip(struct mk_cap_in *in, uint64_t n)
{
	/* Every turn consumes at least one byte or returns. */
	while (n > 0) {
		size_t avail = mk_cap_in_need(in, 1);
		size_t take;

		if (avail == 0)
			return false;
		take = (uint64_t)avail < n ? avail : (size_t)n;
		in->pos += take;
		n -= take;
	}
	return true;
}

void mk_cap_in_progress(const struct mk_cap_in *in, uint64_t *done, uint64_t *total)
{
	uint64_t d;

	if (in->gz)
		d = in->raw_done - in->z.avail_in;
	else if (in->fd >= 0)
		d = in->raw_done - (in->len - in->pos);
	else
		d = in->base + in->pos;
	*done = d;
	*total = in->raw_total;
}

void mk_cap_in_free(struct mk_cap_in *in)
{
	if (in->z_live)
		inflateEnd(&in->z);
	free(in->obuf);
	free(in->ibuf);
	if (in->map != NULL)
		munmap(in->map, in->map_len);
	if (in->fd >= 0)
		close(in->fd);
	memset(in, 0, sizeof(*in));
	in->fd = -1;
}

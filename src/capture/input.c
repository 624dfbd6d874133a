/* input.c - the byte window under the capture-file readers: a mapped or
 * borrowed buffer (zero copy), or a bounded buffer refilled in large blocks
 * from zlib (gzip input) or from read() (pipes and files that cannot be mapped).
 *
 * Plain regular files are read ahead by a thread, so the kernel's copy of the
 * file data runs on another core while this one parses: the thread fills a
 * ring of MK_CAP_RA_SLOTS blocks in file order and the window moves from block
 * to block.  The unread start of a record cut by a block boundary is copied
 * into the room in front of the next block (the window stays contiguous and
 * the block itself is not copied); a record longer than that room is
 * assembled in obuf, as the unthreaded path does.  The thread's only output
 * is the blocks and, at its end, the errno of a failed read(): that error is
 * reported when the window reaches it, after the data read before it.  The
 * thread is joined in mk_cap_in_free(); MIERUKA_CAPTURE_THREAD=0 turns it
 * off, and if it cannot be started the window calls read() itself.
 *
 * specification: RFC 1952 (gzip file format); concatenated members are read
 * as one stream, as gzip(1) does.
 */
#include "capture_int.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mieruka/rd.h"

/* zlib's avail_in is 32 bits: a larger mapping is fed in slices of this size. */
#define MK_CAP_Z_SLICE (1u << 30)

/* Test hooks (mk_cap_in_tune); set only while no capture is open. */
static struct mk_cap_in_tune in_tune = {
	.ra_block = MK_CAP_RA_BLOCK,
	.ra_room = MK_CAP_RA_ROOM,
	.ra_slots = MK_CAP_RA_SLOTS,
};

void mk_cap_in_tune(const struct mk_cap_in_tune *tune)
{
	static const struct mk_cap_in_tune dflt = {
		.ra_block = MK_CAP_RA_BLOCK,
		.ra_room = MK_CAP_RA_ROOM,
		.ra_slots = MK_CAP_RA_SLOTS,
	};

	in_tune = tune != NULL ? *tune : dflt;
	if (in_tune.ra_block == 0)
		in_tune.ra_block = 1;
	if (in_tune.ra_slots < 2)
		in_tune.ra_slots = 2;
	if (in_tune.ra_slots > MK_CAP_RA_MAX_SLOTS)
		in_tune.ra_slots = MK_CAP_RA_MAX_SLOTS;
}

static ssize_t sys_read(ssize_t (*fn)(int, void *, size_t), int fd, void *buf, size_t n)
{
	return fn != NULL ? fn(fd, buf, n) : read(fd, buf, n);
}

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

/* Grows obuf to at least want (<= MK_CAP_OBUF_MAX) bytes, keeping its
 * contents; on failure ends the input with a reason and returns false (the
 * window is untouched). */
static bool in_grow_obuf(struct mk_cap_in *in, size_t want)
{
	size_t ncap = in->ocap * 2 > want ? in->ocap * 2 : want;
	bool in_obuf = in->p == in->obuf;
	uint8_t *nbuf;

	if (ncap > MK_CAP_OBUF_MAX)
		ncap = MK_CAP_OBUF_MAX;
	nbuf = realloc(in->obuf, ncap);
	if (nbuf == NULL) {
		snprintf(in->fail, sizeof(in->fail), "out of memory growing the read buffer to %zu bytes", ncap);
		in->end = true;
		return false;
	}
	if (in_obuf)
		in->p = nbuf;
	in->obuf = nbuf;
	in->ocap = ncap;
	return true;
}

/* ---- read-ahead thread ---- */

struct ra_slot {
	uint8_t *buf;  /* room bytes, then up to block bytes of file data */
	size_t filled; /* data bytes at buf + room: the thread's until published, then the window's */
	size_t off;    /* of them, bytes already moved into the window (main thread only) */
};

struct mk_cap_ra {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv_ready; /* a block was published, or the thread ended */
	pthread_cond_t cv_space; /* a block was released, or stop was asked */
	int fd;
	size_t room, block;
	unsigned nslots;
	ssize_t (*read)(int, void *, size_t);
	uint8_t *mem;
	struct ra_slot slot[MK_CAP_RA_MAX_SLOTS];

	/* under mu */
	unsigned ready;  /* published blocks the window has not released */
	bool done;       /* the thread published its last block */
	bool stop;       /* mk_cap_in_free() asks the thread to end */
	int err;         /* errno of the read() that failed, 0 at the end of the file */
	uint64_t err_at; /* bytes read from fd before that failure */

	/* the thread's */
	unsigned fill;   /* next slot to fill */
	uint64_t total;  /* bytes read from fd, from its start */

	/* the main thread's */
	unsigned first;  /* oldest published, unreleased slot */
	bool cur;        /* the window lies in slot first */
};

static void *ra_main(void *arg)
{
	struct mk_cap_ra *ra = arg;

	for (;;) {
		struct ra_slot *s = &ra->slot[ra->fill];
		size_t n = 0;
		int err = 0, tries = 0;
		bool last = false, stop;

		pthread_mutex_lock(&ra->mu);
		while (ra->ready == ra->nslots && !ra->stop)
			pthread_cond_wait(&ra->cv_space, &ra->mu);
		stop = ra->stop;
		pthread_mutex_unlock(&ra->mu);
		if (stop)
			break;
		/* Fill the block whole (a regular file gives short reads only at
		 * its end), retrying EINTR as in_read() does.  Each turn reads at
		 * least one byte or ends the block. */
		while (n < ra->block) {
			ssize_t r = sys_read(ra->read, ra->fd, s->buf + ra->room + n, ra->block - n);

			if (r > 0) {
				n += (size_t)r;
				ra->total += (uint64_t)r;
				tries = 0;
				continue;
			}
			if (r < 0 && errno == EINTR && ++tries < 1000)
				continue;
			if (r < 0)
				err = errno != 0 ? errno : EIO;
			last = true;
			break;
		}
		pthread_mutex_lock(&ra->mu);
		if (n > 0) {
			s->filled = n;
			ra->ready++;
			ra->fill = (ra->fill + 1) % ra->nslots;
		}
		if (last) {
			ra->done = true;
			ra->err = err;
			ra->err_at = ra->total;
		}
		pthread_cond_signal(&ra->cv_ready);
		pthread_mutex_unlock(&ra->mu);
		if (last)
			break;
	}
	return NULL;
}

static void ra_destroy(struct mk_cap_ra *ra)
{
	pthread_cond_destroy(&ra->cv_space);
	pthread_cond_destroy(&ra->cv_ready);
	pthread_mutex_destroy(&ra->mu);
	free(ra->mem);
	free(ra);
}

/* Starts the thread on the rest of a plain regular file; on any failure the
 * window simply keeps calling read() itself. */
static void ra_start(struct mk_cap_in *in)
{
	const char *env = getenv("MIERUKA_CAPTURE_THREAD");
	struct mk_cap_in_tune t = in_tune;
	struct mk_cap_ra *ra;
	struct stat sb;
	sigset_t all, old;
	size_t slot_len;
	int rc;

	if (env != NULL && strcmp(env, "0") == 0)
		return;
	/* Pipes keep the plain path; so does a file already read whole. */
	if (in->end || fstat(in->fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size <= in->raw_done)
		return;
	if (t.ra_room > SIZE_MAX - t.ra_block)
		return;
	slot_len = t.ra_room + t.ra_block;
	if (slot_len > SIZE_MAX / t.ra_slots)
		return;
	ra = calloc(1, sizeof(*ra));
	if (ra == NULL)
		return;
	ra->mem = malloc(slot_len * t.ra_slots);
	if (ra->mem == NULL) {
		free(ra);
		return;
	}
	ra->fd = in->fd;
	ra->room = t.ra_room;
	ra->block = t.ra_block;
	ra->nslots = t.ra_slots;
	ra->read = t.read;
	ra->total = in->raw_done;
	for (unsigned i = 0; i < ra->nslots; i++)
		ra->slot[i].buf = ra->mem + (size_t)i * slot_len;
	if (pthread_mutex_init(&ra->mu, NULL) != 0)
		goto out_mem;
	if (pthread_cond_init(&ra->cv_ready, NULL) != 0)
		goto out_mutex;
	if (pthread_cond_init(&ra->cv_space, NULL) != 0)
		goto out_ready;
	/* Signals (Ctrl-C) are for the main thread: the reader blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = t.ra_no_thread ? EAGAIN : pthread_create(&ra->thread, NULL, ra_main, ra);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		ra_destroy(ra);
		return;
	}
	in->ra = ra;
	return;

out_ready:
	pthread_cond_destroy(&ra->cv_ready);
out_mutex:
	pthread_mutex_destroy(&ra->mu);
out_mem:
	free(ra->mem);
	free(ra);
}

static void ra_stop(struct mk_cap_ra *ra)
{
	pthread_mutex_lock(&ra->mu);
	ra->stop = true;
	pthread_cond_signal(&ra->cv_space);
	pthread_mutex_unlock(&ra->mu);
	pthread_join(ra->thread, NULL);
	ra_destroy(ra);
}

/* The next block to move into the window, waiting for the thread; NULL at
 * the end of the file, or after a read error, which then becomes in->fail. */
static struct ra_slot *ra_next(struct mk_cap_in *in)
{
	struct mk_cap_ra *ra = in->ra;
	unsigned want = ra->cur ? 2 : 1; /* the window's own block is not the next */
	unsigned ready;
	int err;
	uint64_t err_at;

	pthread_mutex_lock(&ra->mu);
	while (ra->ready < want && !ra->done)
		pthread_cond_wait(&ra->cv_ready, &ra->mu);
	ready = ra->ready;
	err = ra->err;
	err_at = ra->err_at;
	pthread_mutex_unlock(&ra->mu);
	if (ready >= want)
		return &ra->slot[(ra->first + want - 1) % ra->nslots];
	/* The message and its count are those of in_read(). */
	if (err != 0)
		snprintf(in->fail, sizeof(in->fail), "read error after %llu bytes (%s)", (unsigned long long)err_at,
		         strerror(err));
	in->end = true;
	return NULL;
}

/* Gives the oldest block back to the thread. */
static void ra_release(struct mk_cap_ra *ra)
{
	ra->slot[ra->first].off = 0;
	ra->first = (ra->first + 1) % ra->nslots;
	ra->cur = false;
	pthread_mutex_lock(&ra->mu);
	ra->ready--;
	pthread_cond_signal(&ra->cv_space);
	pthread_mutex_unlock(&ra->mu);
}

/* mk_cap_in_fill() for a window fed by the thread (need <= MK_CAP_OBUF_MAX). */
static size_t ra_fill(struct mk_cap_in *in, size_t need)
{
	struct mk_cap_ra *ra = in->ra;

	/* Each turn moves at least one byte into the window (a slot that
	 * ra_next() returns has unmoved data) or ends. */
	while (in->len - in->pos < need) {
		size_t left = in->len - in->pos;
		struct ra_slot *s = ra_next(in);

		if (s == NULL)
			break;
		uint8_t *data = s->buf + ra->room + s->off;
		size_t avail = s->filled - s->off;

		if (left <= ra->room + s->off) {
			/* The usual case: the unread tail goes in front of the
			 * block's data, which becomes the window. */
			if (left > 0)
				memcpy(data - left, in->p + in->pos, left);
			if (ra->cur)
				ra_release(ra);
			ra->cur = true; /* s is the oldest slot now */
			s->off = s->filled;
			in->base += in->pos;
			in->p = data - left;
			in->len = left + avail;
			in->pos = 0;
			in->raw_done += avail;
			continue;
		}
		/* A record longer than the room: assemble it in obuf, taking
		 * only what it needs, so the window goes back to the blocks
		 * right after it. */
		if (in->ocap < need && !in_grow_obuf(in, need))
			break;
		if (in->p == in->obuf)
			memmove(in->obuf, in->obuf + in->pos, left);
		else
			memcpy(in->obuf, in->p + in->pos, left);
		if (ra->cur)
			ra_release(ra); /* s is the oldest slot now */
		in->base += in->pos;
		in->p = in->obuf;
		in->pos = 0;

		size_t take = need - left < avail ? need - left : avail;

		memcpy(in->obuf + left, data, take);
		in->len = left + take;
		in->raw_done += take;
		s->off += take;
		if (s->off == s->filled)
			ra_release(ra);
	}
	return in->len - in->pos;
}

bool mk_cap_in_readahead(const struct mk_cap_in *in)
{
	return in->ra != NULL;
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
	if (!is_gzip(in->obuf, in->len)) {
		ra_start(in);
		return true;
	}
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
		ssize_t r = sys_read(in_tune.read, in->fd, buf, n);

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
	if (in->ra != NULL)
		return ra_fill(in, need);
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
	if (want > in->ocap && !in_grow_obuf(in, want)) {
		in->p = in->obuf;
		return in->len;
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
	/* Before the fd is closed: the thread reads it. */
	if (in->ra != NULL)
		ra_stop(in->ra);
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

/* capture_int.h - private to src/capture/: the capture handle, the input
 * window shared by the pcap and pcapng readers, and the helpers between them.
 *
 * The readers see their input as one window of uncompressed bytes
 * [p, p + len) with a read position.  For a capture in memory (or a file
 * mapped on request) the window is the whole input (zero copy, never
 * refilled); for files, pipes and gzip input it is an owned buffer that is
 * compacted and refilled in large blocks (read() or inflate()) and never grows
 * past MK_CAP_OBUF_MAX.  Packets point into the window either way: no copy per
 * packet.  The fast path (enough bytes already in the window) is inline, so the
 * per-packet cost is a compare.
 */
#ifndef MIERUKA_CAPTURE_INT_H
#define MIERUKA_CAPTURE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zlib.h>

#include "mieruka/capture.h"

/* Uncompressed bytes produced per refill, once the stream proved long... */
#define MK_CAP_OBUF_BLOCK (1u << 20)
/* ...and the first buffer size (a tiny .gz should not cost a megabyte). */
#define MK_CAP_OBUF_FIRST (64u << 10)
/* Hard cap of the refill buffer: a block we must see whole can be at most this. */
#define MK_CAP_OBUF_MAX (4u << 20)
/* Largest pcapng block that is parsed in place (SHB, IDB, EPB, PB, SPB);
 * bigger blocks of those types are damage.  Other blocks are skipped by
 * streaming over them, whatever their size. */
#define MK_CAP_MAX_BLOCK MK_CAP_OBUF_MAX
/* Plain regular files are read by a read-ahead thread into a ring of
 * MK_CAP_RA_SLOTS blocks of MK_CAP_RA_BLOCK bytes, each with MK_CAP_RA_ROOM
 * bytes of room in front, where the start of a record cut by the block
 * boundary is copied so the window stays contiguous without copying the
 * block.  A record longer than the room is assembled in the window buffer. */
#define MK_CAP_RA_BLOCK (1u << 20)
#define MK_CAP_RA_ROOM (64u << 10)
#define MK_CAP_RA_SLOTS 3u
#define MK_CAP_RA_MAX_SLOTS 8u
/* Compressed bytes read per read() for gzip input from a pipe. */
#define MK_CAP_IBUF_BLOCK (1u << 20)
/* Interfaces per pcapng section (pkt->ifindex is 16 bits). */
#define MK_CAP_MAX_IFACES 65535u
/* Non-packet pcapng blocks in a row before we call the file damaged (the
 * second bound of the block loop, besides the remaining bytes). */
#define MK_CAP_MAX_NONPKT_RUN (16u << 20)

struct mk_cap_ra;

struct mk_cap_in {
	const uint8_t *p;     /* the window */
	size_t len;           /* valid bytes at p */
	size_t pos;           /* next unread byte */
	uint64_t base;        /* uncompressed stream offset of p[0] */
	bool stream;          /* p is obuf and can be refilled */
	bool end;             /* the producer has nothing more */

	/* producer */
	bool gz;
	int fd;               /* read() source, -1 when none */
	const uint8_t *mem;   /* raw bytes in memory (mmap or borrowed) */
	size_t mem_len;
	void *map;            /* our mmap, to unmap on close */
	size_t map_len;
	uint8_t *obuf;        /* owned window buffer (stream) */
	size_t ocap;
	bool last_full;       /* the last refill filled the buffer: the input is long, grow it */
	uint8_t *ibuf;        /* compressed input read from fd */
	size_t icap;
	z_stream z;
	bool z_live;
	bool gz_member_end;   /* last inflate() ended a gzip member */
	uint64_t raw_done;    /* raw input bytes handed to the producer */
	uint64_t raw_total;   /* raw input size, 0 if unknown */
	char fail[256];       /* why the producer stopped early ("" if it did not) */
	bool trailing;        /* bytes after the last gzip member were ignored */
	struct mk_cap_ra *ra; /* read-ahead thread and its ring, NULL when read() is called here */
};

enum mk_cap_fmt {
	MK_CAP_FMT_PCAP,
	MK_CAP_FMT_PCAPNG,
	MK_CAP_FMT_LIVE,
};

struct mk_cap_iface {
	uint16_t linktype;
	uint32_t snaplen;
	/* time-stamp units -> ns: ns = units * mul (mul != 0), or
	 * (units / div) * 1e9 + (units % div) * 1e9 / div for div != 0, or a
	 * binary fraction with `shift` bits. */
	uint64_t mul, div;
	uint8_t shift;
	bool binary;
	int64_t offset_s;     /* if_tsoffset */
};

struct mk_capture {
	enum mk_cap_fmt fmt;
	char name[200];       /* file name for messages (longer names are cut) */
	uint32_t file_index;
	enum mk_capture_rc (*next)(struct mk_capture *cap, struct mk_pkt *pkt);
	bool done;            /* a damaged tail or the end was reached */

	struct mk_cap_in in;

	/* classic pcap */
	bool be;              /* fields are big-endian */
	bool nsec;
	bool maybe_swapped;   /* version < 2.3: caplen and len may be swapped */
	uint32_t rechdr;      /* record header size: 16, or 24 (Kuznetzov) */
	uint16_t linktype;

	/* pcapng */
	struct mk_cap_iface *ifs;
	uint32_t n_ifs, cap_ifs;
	uint64_t section_off;
	bool warned_unknown_block;
	bool warned_options;

	/* live (void * so only live.c needs <pcap.h>) */
	void *pcap;
	volatile int broken;

	uint64_t last_ts;     /* for pcapng Simple Packet Blocks, which carry no time */
	struct mk_capture_stats stats;
	char err[MK_CAPTURE_ERRLEN];
	char warn_buf[MK_CAPTURE_MAX_WARNINGS][MK_CAPTURE_ERRLEN];
	const char *warn_ptr[MK_CAPTURE_MAX_WARNINGS];
	size_t n_warn;
};

/* ---- input window (input.c) ---- */
size_t mk_cap_in_fill(struct mk_cap_in *in, size_t need);

/* Bytes available from the read position, after trying to make at least
 * need of them available (fewer only at the end of the input). */
static inline size_t mk_cap_in_need(struct mk_cap_in *in, size_t need)
{
	size_t left = in->len - in->pos;

	if (left >= need || !in->stream)
		return left;
	return mk_cap_in_fill(in, need);
}

static inline const uint8_t *mk_cap_in_cur(const struct mk_cap_in *in)
{
	return in->p + in->pos;
}

static inline uint64_t mk_cap_in_off(const struct mk_cap_in *in)
{
	return in->base + in->pos;
}

/* Skips n bytes, streaming if needed; false (and stops) at the end of the input. */
bool mk_cap_in_skip(struct mk_cap_in *in, uint64_t n);
/* Sets up the window over raw bytes (plain or gzip); false with err on failure. */
bool mk_cap_in_start_mem(struct mk_cap_in *in, const uint8_t *buf, size_t len, char *err, size_t errlen,
                         const char *name);
/* Sets up the window over a file descriptor that cannot be mapped (pipe);
 * takes the fd. */
bool mk_cap_in_start_fd(struct mk_cap_in *in, int fd, uint64_t size, char *err, size_t errlen,
                        const char *name);
void mk_cap_in_progress(const struct mk_cap_in *in, uint64_t *done, uint64_t *total);
/* Stops the read-ahead thread (joined), closes and frees what the window owns. */
void mk_cap_in_free(struct mk_cap_in *in);

/* Test hooks of input.c (not an API): the read-ahead geometry, a stand-in
 * for read() to inject errors (used by both paths, so they can be compared),
 * and a pretended thread-creation failure.  They apply to windows started
 * afterwards; NULL restores the defaults. */
struct mk_cap_in_tune {
	size_t ra_block;   /* bytes per block, >= 1 */
	size_t ra_room;    /* room in front of each block, may be 0 */
	unsigned ra_slots; /* blocks in the ring, 2..MK_CAP_RA_MAX_SLOTS */
	bool ra_no_thread; /* act as if pthread_create() failed */
	ssize_t (*read)(int fd, void *buf, size_t n); /* NULL: read(2) */
};
void mk_cap_in_tune(const struct mk_cap_in_tune *tune);
/* True when a read-ahead thread feeds this window. */
bool mk_cap_in_readahead(const struct mk_cap_in *in);

/* ---- shared reader helpers (capture.c) ---- */
struct mk_capture *mk_cap_alloc(enum mk_cap_fmt fmt, const char *name, uint32_t file_index);
void mk_cap_warn(struct mk_capture *cap, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records a damaged record: warning "NAME: <reason>; analysed the N packets
 * before it", marks the capture done, returns MK_CAP_EOF. */
enum mk_capture_rc mk_cap_damaged(struct mk_capture *cap, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same for a record cut by the end of the input; a gzip stream that ended
 * early or was corrupt is reported first, as the cause. */
enum mk_capture_rc mk_cap_truncated(struct mk_capture *cap, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Clean end of input: reports an early producer stop as a warning. */
enum mk_capture_rc mk_cap_end(struct mk_capture *cap);

static inline void mk_cap_count(struct mk_capture *cap, const struct mk_pkt *pkt)
{
	struct mk_capture_stats *st = &cap->stats;

	if (st->packets == 0 || pkt->ts_ns < st->first_ns)
		st->first_ns = pkt->ts_ns;
	if (st->packets == 0 || pkt->ts_ns > st->last_ns)
		st->last_ns = pkt->ts_ns;
	st->packets++;
	st->bytes += pkt->wirelen;
	if (st->n_linktypes == 0 || st->linktypes[st->n_linktypes - 1] != pkt->linktype) {
		bool seen = false;

		for (uint8_t i = 0; i < st->n_linktypes && i < MK_CAPTURE_MAX_LINKTYPES; i++)
			seen |= st->linktypes[i] == pkt->linktype;
		if (!seen && st->n_linktypes < MK_CAPTURE_MAX_LINKTYPES)
			st->linktypes[st->n_linktypes++] = pkt->linktype;
	}
}

/* ---- formats (pcap.c, pcapng.c) ---- */
/* Each parses its file header at the read position; false with cap->err. */
bool mk_cap_pcap_start(struct mk_capture *cap);
bool mk_cap_pcapng_start(struct mk_capture *cap);

/* ---- live (live.c) ---- */
void mk_cap_live_close(struct mk_capture *cap);
void mk_cap_live_break(struct mk_capture *cap);

#endif /* MIERUKA_CAPTURE_INT_H */

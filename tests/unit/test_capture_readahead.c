/* test_capture_readahead.c - the read-ahead thread under plain capture files
 * (src/capture/input.c).  Files are built so that records straddle the block
 * boundaries of small, odd block sizes (and records longer than the room in
 * front of a block, up to the largest record the readers accept, straddle
 * them too); every packet, progress figure and warning must be the same as
 * when the capture is read from memory and as without the thread.  Also: cut
 * files, read errors and EINTR injected through the read() hook, closing
 * early, the thread switched off, failing to start, and a FIFO (no thread). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/capture_int.h"
#include "mieruka/capture.h"

static char tmpdir[256];

/* ---- building captures ---- */

struct gen {
	uint8_t *buf;
	size_t len, cap;
	uint64_t *starts; /* record starts, to check the test straddles boundaries */
	size_t n_starts, cap_starts;
	uint32_t rng;
};

static uint32_t gen_rand(struct gen *g)
{
	g->rng = g->rng * 1103515245u + 12345u;
	return g->rng >> 8;
}

static void gen_put(struct gen *g, const void *p, size_t n)
{
	if (g->len + n > g->cap) {
		size_t ncap = (g->len + n) * 2;

		g->buf = realloc(g->buf, ncap);
		assert_non_null(g->buf);
		g->cap = ncap;
	}
	if (n > 0)
		memcpy(g->buf + g->len, p, n);
	g->len += n;
}

static void gen_le32(struct gen *g, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	gen_put(g, b, 4);
}

static void gen_mark(struct gen *g)
{
	if (g->n_starts == g->cap_starts) {
		g->cap_starts = g->cap_starts ? g->cap_starts * 2 : 1024;
		g->starts = realloc(g->starts, g->cap_starts * sizeof(*g->starts));
		assert_non_null(g->starts);
	}
	g->starts[g->n_starts++] = g->len;
}

static void gen_payload(struct gen *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)gen_rand(g);

		gen_put(g, &b, 1);
	}
}

static void gen_free(struct gen *g)
{
	free(g->buf);
	free(g->starts);
	memset(g, 0, sizeof(*g));
}

static void pcap_header(struct gen *g)
{
	gen_le32(g, 0xa1b2c3d4); /* magic, microseconds */
	gen_le32(g, 0x00040002); /* version 2.4 */
	gen_le32(g, 0);          /* thiszone */
	gen_le32(g, 0);          /* sigfigs */
	gen_le32(g, 262144);     /* snaplen */
	gen_le32(g, 1);          /* Ethernet */
}

static void pcap_record(struct gen *g, uint32_t caplen)
{
	uint32_t i = (uint32_t)g->n_starts;

	gen_mark(g);
	gen_le32(g, 1600000000u + i);
	gen_le32(g, i % 1000000u);
	gen_le32(g, caplen);
	gen_le32(g, caplen + (i % 3));
	gen_payload(g, caplen);
}

/* A small record size, now and then a large one. */
static uint32_t some_caplen(struct gen *g)
{
	uint32_t r = gen_rand(g);

	if (r % 97 == 0)
		return 1000 + r % 9000;
	return r % 1600;
}

/* Random records up to about total bytes; at each offset of big_at (sorted,
 * 0-terminated) a record of the largest size the reader accepts starts a
 * little before it, so it straddles it. */
static void pcap_build(struct gen *g, size_t total, const size_t *big_at)
{
	pcap_header(g);
	while (g->len < total) {
		if (*big_at != 0 && g->len + 3000 >= *big_at) {
			pcap_record(g, MK_CAPTURE_MAX_CAPLEN);
			big_at++;
			continue;
		}
		pcap_record(g, some_caplen(g));
	}
}

static void ng_block_head(struct gen *g, uint32_t type, uint32_t len)
{
	gen_mark(g);
	gen_le32(g, type);
	gen_le32(g, len);
}

static void ng_epb(struct gen *g, uint32_t caplen, uint32_t pad)
{
	uint32_t i = (uint32_t)g->n_starts;
	uint32_t len = 32 + ((caplen + 3) & ~3u) + pad;
	static const uint8_t zero[4];

	ng_block_head(g, 6, len);
	gen_le32(g, 0);           /* interface 0 */
	gen_le32(g, 0x00058e2e);  /* time stamp, high */
	gen_le32(g, i * 1000u);   /* time stamp, low */
	gen_le32(g, caplen);
	gen_le32(g, caplen + 4);
	gen_payload(g, caplen);
	gen_put(g, zero, ((caplen + 3) & ~3u) - caplen);
	/* Bytes where options would be: not parsed for an EPB. */
	for (uint32_t k = 0; k < pad; k += 4)
		gen_le32(g, 0);
	gen_le32(g, len);
}

/* SHB, IDB, random EPBs; at big_at offsets (0-terminated) the largest EPB
 * parsed in place (MK_CAP_MAX_BLOCK bytes), a largest-caplen EPB and a block
 * of unknown type longer than MK_CAP_OBUF_MAX (streamed over). */
static void pcapng_build(struct gen *g, size_t total, const size_t *big_at)
{
	ng_block_head(g, 0x0a0d0d0a, 28); /* SHB */
	gen_le32(g, 0x1a2b3c4d);
	gen_le32(g, 1);
	gen_le32(g, 0xffffffff);
	gen_le32(g, 0xffffffff);
	gen_le32(g, 28);
	ng_block_head(g, 1, 20); /* IDB: Ethernet, snaplen 0 */
	gen_le32(g, 1);
	gen_le32(g, 0);
	gen_le32(g, 20);
	while (g->len < total) {
		if (*big_at != 0 && g->len + 3000 >= *big_at) {
			uint32_t data = 1500;

			ng_epb(g, data, MK_CAP_MAX_BLOCK - 32 - data);
			ng_epb(g, MK_CAPTURE_MAX_CAPLEN, 0);
			uint32_t skip = MK_CAP_OBUF_MAX + 4096;

			ng_block_head(g, 0x00000bad, skip);
			gen_payload(g, skip - 12);
			gen_le32(g, skip);
			big_at++;
			continue;
		}
		ng_epb(g, some_caplen(g), (gen_rand(g) % 5) * 4);
	}
}

/* How many of the read-ahead block boundaries fall inside a record (the
 * thread starts after the first MK_CAP_OBUF_FIRST bytes). */
static void count_straddles(const struct gen *g, size_t len, size_t block, size_t *bounds, size_t *inside)
{
	size_t k = 0;

	*bounds = *inside = 0;
	for (uint64_t b = MK_CAP_OBUF_FIRST + block; b < len; b += block) {
		while (k + 1 < g->n_starts && g->starts[k + 1] <= b)
			k++;
		(*bounds)++;
		*inside += g->starts[k] < b;
	}
}

/* ---- files ---- */

static void write_file(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_readahead_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;

	(void)state;
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char p[600];

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
			remove(p);
		}
		closedir(d);
	}
	rmdir(tmpdir);
	mk_cap_in_tune(NULL);
	unsetenv("MIERUKA_CAPTURE_THREAD");
	return 0;
}

/* ---- comparing two readings ---- */

enum mode {
	MODE_THREAD,    /* default: the thread must run */
	MODE_NO_THREAD, /* MIERUKA_CAPTURE_THREAD=0 */
};

static struct mk_capture *open_mode(const char *path, enum mode mode, char err[MK_CAPTURE_ERRLEN])
{
	struct mk_capture *cap;

	if (mode == MODE_NO_THREAD)
		setenv("MIERUKA_CAPTURE_THREAD", "0", 1);
	else
		unsetenv("MIERUKA_CAPTURE_THREAD");
	cap = mk_capture_open_file(path, 0, err);
	unsetenv("MIERUKA_CAPTURE_THREAD");
	return cap;
}

/* Reads a and b side by side: the same packets (every byte), progress,
 * statistics and warnings.  Returns the packet count. */
static uint64_t same_reading(struct mk_capture *a, struct mk_capture *b)
{
	struct mk_pkt pa, pb;
	enum mk_capture_rc ra, rb;
	uint64_t n = 0, da, ta, db, tb;
	const char *const *wa, *const *wb;
	size_t nwa, nwb;

	for (;;) {
		ra = mk_capture_next(a, &pa);
		rb = mk_capture_next(b, &pb);
		assert_int_equal(ra, rb);
		if (ra != MK_CAP_PACKET)
			break;
		assert_int_equal(pa.file_offset, pb.file_offset);
		assert_int_equal(pa.ts_ns, pb.ts_ns);
		assert_int_equal(pa.caplen, pb.caplen);
		assert_int_equal(pa.wirelen, pb.wirelen);
		assert_int_equal(pa.linktype, pb.linktype);
		assert_int_equal(pa.ifindex, pb.ifindex);
		assert_memory_equal(pa.data, pb.data, pa.caplen);
		mk_capture_progress(a, &da, &ta);
		mk_capture_progress(b, &db, &tb);
		assert_int_equal(da, db);
		n++;
		assert_true(n < 10000000);
	}
	mk_capture_progress(a, &da, &ta);
	mk_capture_progress(b, &db, &tb);
	assert_int_equal(da, db);
	assert_int_equal(ta, tb);
	assert_int_equal(mk_capture_stats(a)->packets, mk_capture_stats(b)->packets);
	assert_int_equal(mk_capture_stats(a)->bytes, mk_capture_stats(b)->bytes);
	nwa = mk_capture_warnings(a, &wa);
	nwb = mk_capture_warnings(b, &wb);
	for (size_t i = 0; i < nwa && i < nwb; i++)
		if (strcmp(wa[i], wb[i]) != 0)
			print_message("warning %zu differs:\n  %s\n  %s\n", i, wa[i], wb[i]);
	assert_int_equal(nwa, nwb);
	for (size_t i = 0; i < nwa; i++)
		assert_string_equal(wa[i], wb[i]);
	return n;
}

/* The file read with the thread (which must run) against the same bytes in
 * memory (named as the file, so the messages match) and against the file
 * read without the thread.  Returns the packet count. */
static uint64_t check_file(const uint8_t *buf, size_t len, const char *path)
{
	char e1[MK_CAPTURE_ERRLEN] = "", e2[MK_CAPTURE_ERRLEN] = "", e3[MK_CAPTURE_ERRLEN] = "";
	struct mk_capture *mem = mk_capture_open_memory(buf, len, path, 0, e1);
	struct mk_capture *thr = open_mode(path, MODE_THREAD, e2);
	uint64_t n = 0;

	assert_int_equal(mem == NULL, thr == NULL);
	if (mem == NULL) {
		assert_string_equal(e1, e2);
		return 0;
	}
	assert_true(mk_cap_in_readahead(&thr->in) == (len > MK_CAP_OBUF_FIRST));
	n = same_reading(mem, thr);
	mk_capture_close(mem);
	mk_capture_close(thr);

	struct mk_capture *plain = open_mode(path, MODE_NO_THREAD, e3);

	thr = open_mode(path, MODE_THREAD, e2);
	assert_non_null(plain);
	assert_non_null(thr);
	assert_false(mk_cap_in_readahead(&plain->in));
	assert_int_equal(same_reading(plain, thr), n);
	mk_capture_close(plain);
	mk_capture_close(thr);
	return n;
}

struct geometry {
	size_t block, room;
	unsigned slots;
};

/* The default geometry first, then small odd ones: boundaries every few
 * records, rooms smaller than a record (so records are assembled in obuf)
 * or none at all, one-byte-ish blocks, a ring of the most slots. */
static const struct geometry geometries[] = {
	{ MK_CAP_RA_BLOCK, MK_CAP_RA_ROOM, MK_CAP_RA_SLOTS },
	{ 4093, 300, 2 },
	{ 4096, 0, 2 },
	{ 1000, 2000, 3 },
	{ 65521, 1500, MK_CAP_RA_MAX_SLOTS },
	{ 7, 16, 2 },
};

static void set_geometry(const struct geometry *geo)
{
	struct mk_cap_in_tune t = { .ra_block = geo->block, .ra_room = geo->room, .ra_slots = geo->slots };

	mk_cap_in_tune(&t);
}

static void check_all_geometries(struct gen *g, const char *path, size_t small_limit)
{
	for (size_t i = 0; i < sizeof(geometries) / sizeof(geometries[0]); i++) {
		const struct geometry *geo = &geometries[i];
		size_t bounds, inside;
		uint64_t n;

		/* Tiny blocks cost a handover each: only the start of the file. */
		size_t len = geo->block < 64 ? small_limit : g->len;

		set_geometry(geo);
		write_file(path, g->buf, len);
		n = check_file(g->buf, len, path);
		count_straddles(g, len, geo->block, &bounds, &inside);
		print_message("block %zu room %zu slots %u: %llu packets, %zu of %zu boundaries inside a record\n",
		              geo->block, geo->room, geo->slots, (unsigned long long)n, inside, bounds);
		assert_true(n > 100);
		if (geo->block >= 64 && geo->block < 100000)
			assert_true(inside * 10 >= bounds * 9);
	}
	mk_cap_in_tune(NULL);
}

/* ---- tests ---- */

static void test_pcap_straddling(void **state)
{
	char path[600];
	struct gen g = { .rng = 1 };
	/* The largest records across the first block boundaries of the default
	 * geometry (the thread starts after MK_CAP_OBUF_FIRST bytes). */
	const size_t big_at[] = { MK_CAP_OBUF_FIRST + MK_CAP_RA_BLOCK, MK_CAP_OBUF_FIRST + 2 * MK_CAP_RA_BLOCK, 0 };

	(void)state;
	snprintf(path, sizeof(path), "%s/straddle.pcap", tmpdir);
	pcap_build(&g, 3 * MK_CAP_RA_BLOCK + 12345, big_at);
	check_all_geometries(&g, path, 150000);
	gen_free(&g);
}

static void test_pcapng_straddling(void **state)
{
	char path[600];
	struct gen g = { .rng = 2 };
	const size_t big_at[] = { MK_CAP_OBUF_FIRST + MK_CAP_RA_BLOCK, 0 };

	(void)state;
	snprintf(path, sizeof(path), "%s/straddle.pcapng", tmpdir);
	pcapng_build(&g, 12 * MK_CAP_RA_BLOCK, big_at);
	check_all_geometries(&g, path, 150000);
	gen_free(&g);
}

/* Cut files: around block boundaries, inside the largest record, and every
 * length of a stretch; the same packets and warnings in the three readings. */
static void test_truncated(void **state)
{
	char path[600];
	struct gen g = { .rng = 3 };
	const size_t big_at[] = { 150000, 0 };
	const struct geometry geo = { 4093, 300, 2 };
	uint64_t last = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/cut.pcap", tmpdir);
	pcap_build(&g, 300000, big_at);
	set_geometry(&geo);
	for (size_t cut = MK_CAP_OBUF_FIRST; cut <= g.len; cut++) {
		size_t rel = (cut - MK_CAP_OBUF_FIRST) % geo.block;
		bool near_bound = cut < 150000 && (rel <= 1 || rel >= geo.block - 1);
		bool stretch = cut >= 100000 && cut < 100400;
		bool in_big = cut > 147000 && cut < 150000 + MK_CAPTURE_MAX_CAPLEN && cut % 10007 == 0;

		if (!near_bound && !stretch && !in_big && cut != g.len - 1 && cut != g.len)
			continue;
		uint8_t *copy = malloc(cut);

		assert_non_null(copy);
		memcpy(copy, g.buf, cut);
		write_file(path, copy, cut);
		uint64_t n = check_file(copy, cut, path);

		assert_true(n >= last);
		last = n;
		free(copy);
	}
	assert_int_equal(last, g.n_starts);
	mk_cap_in_tune(NULL);
	gen_free(&g);
}

/* ---- injected read() failures ---- */

static _Atomic long fail_at = -1; /* file offset where read() fails, -1: never */
static _Atomic int fail_errno;
static _Atomic unsigned eintr_every; /* every nth call fails with EINTR, 0: never */
static _Atomic unsigned long calls;

static ssize_t fake_read(int fd, void *buf, size_t n)
{
	off_t at = lseek(fd, 0, SEEK_CUR);

	if (eintr_every != 0 && ++calls % eintr_every == 0) {
		errno = EINTR;
		return -1;
	}
	if (fail_at >= 0 && at >= fail_at) {
		errno = fail_errno;
		return -1;
	}
	/* Short reads up to the failure, and now and then anyway. */
	if (fail_at >= 0 && (uint64_t)at + n > (uint64_t)fail_at)
		n = (size_t)(fail_at - at);
	else if (n > 1000 && at % 3 == 0)
		n = n / 2 + 1;
	return read(fd, buf, n);
}

static void inject(size_t block, long at, int err, unsigned eintr)
{
	struct mk_cap_in_tune t = { .ra_block = block, .ra_room = 300, .ra_slots = 3, .read = fake_read };

	fail_at = at;
	fail_errno = err;
	eintr_every = eintr;
	calls = 0;
	mk_cap_in_tune(&t);
}

static size_t warnings_with(struct mk_capture *cap, const char *needle)
{
	const char *const *w;
	size_t n = mk_capture_warnings(cap, &w), hits = 0;

	for (size_t i = 0; i < n; i++)
		hits += strstr(w[i], needle) != NULL;
	return hits;
}

/* Read errors (the window must deliver every byte before the error, then
 * report it as today) at record boundaries, inside records, at and around
 * block boundaries; and EINTR retried. */
static void test_read_errors(void **state)
{
	char path[600], e1[MK_CAPTURE_ERRLEN], e2[MK_CAPTURE_ERRLEN];
	struct gen g = { .rng = 4 };
	const size_t none[] = { 0 };
	const size_t block = 4093;

	(void)state;
	snprintf(path, sizeof(path), "%s/eio.pcap", tmpdir);
	pcap_build(&g, 400000, none);
	write_file(path, g.buf, g.len);
	long cuts[] = { (long)g.starts[g.n_starts / 2], (long)g.starts[g.n_starts / 2] + 7,
	                (long)g.starts[g.n_starts - 1] + 20, MK_CAP_OBUF_FIRST + 1,
	                MK_CAP_OBUF_FIRST + 5 * (long)block, MK_CAP_OBUF_FIRST + 5 * (long)block - 1,
	                MK_CAP_OBUF_FIRST + 9 * (long)block + 1, (long)g.len - 1 };

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		char want[128];

		inject(block, cuts[i], EIO, 0);
		struct mk_capture *plain = open_mode(path, MODE_NO_THREAD, e1);
		struct mk_capture *thr = open_mode(path, MODE_THREAD, e2);

		assert_non_null(plain);
		assert_non_null(thr);
		assert_true(mk_cap_in_readahead(&thr->in));
		uint64_t n = same_reading(plain, thr);

		snprintf(want, sizeof(want), "read error after %ld bytes (%s); analysed the %llu packets before it",
		         cuts[i], strerror(EIO), (unsigned long long)n);
		assert_int_equal(warnings_with(thr, want), 1);
		/* Every complete record before the error was delivered. */
		size_t whole = 0;

		while (whole < g.n_starts && (whole + 1 < g.n_starts ? g.starts[whole + 1] : g.len) <= (size_t)cuts[i])
			whole++;
		assert_int_equal(n, whole);
		mk_capture_close(plain);
		mk_capture_close(thr);
	}

	/* EINTR now and then, and in runs longer than the retry limit. */
	inject(block, -1, 0, 5);
	struct mk_capture *plain = open_mode(path, MODE_NO_THREAD, e1);
	struct mk_capture *thr = open_mode(path, MODE_THREAD, e2);

	assert_non_null(plain);
	assert_non_null(thr);
	calls = 0;
	assert_int_equal(same_reading(plain, thr), g.n_starts);
	assert_int_equal(warnings_with(thr, ""), 0);
	mk_capture_close(plain);
	mk_capture_close(thr);

	inject(block, -1, 0, 1); /* every call: a read error (EINTR) once the retries are spent */
	assert_null(open_mode(path, MODE_THREAD, e2));
	assert_non_null(strstr(e2, "read error after 0 bytes"));
	/* ...and after the thread took over: fail from the moment it starts. */
	inject(block, MK_CAP_OBUF_FIRST, EINTR, 0);
	thr = open_mode(path, MODE_THREAD, e2);
	assert_non_null(thr);
	assert_true(mk_cap_in_readahead(&thr->in));
	plain = open_mode(path, MODE_NO_THREAD, e1);
	assert_non_null(plain);
	same_reading(plain, thr);
	assert_int_equal(warnings_with(thr, "read error after 65536 bytes"), 1);
	mk_capture_close(plain);
	mk_capture_close(thr);

	mk_cap_in_tune(NULL);
	fail_at = -1;
	eintr_every = 0;
	gen_free(&g);
}

/* Closing with the ring full and the thread waiting, or in the middle of a
 * block, or before the first packet: the thread is joined, nothing leaks. */
static void test_close_early(void **state)
{
	char path[600], err[MK_CAPTURE_ERRLEN];
	struct gen g = { .rng = 5 };
	const size_t none[] = { 0 };
	struct mk_pkt pkt;

	(void)state;
	snprintf(path, sizeof(path), "%s/early.pcap", tmpdir);
	pcap_build(&g, 3 * MK_CAP_RA_BLOCK, none);
	write_file(path, g.buf, g.len);
	for (int geo = 0; geo < 2; geo++) {
		if (geo == 1)
			set_geometry(&geometries[1]);
		for (unsigned k = 0; k < 4; k++) {
			struct mk_capture *cap = open_mode(path, MODE_THREAD, err);

			assert_non_null(cap);
			assert_true(mk_cap_in_readahead(&cap->in));
			for (unsigned i = 0; i < k * 300; i++)
				assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
			if (k == 3)
				usleep(20000); /* let the thread fill the ring and wait */
			mk_capture_close(cap);
		}
	}
	mk_cap_in_tune(NULL);
	gen_free(&g);
}

/* MIERUKA_CAPTURE_THREAD=0 and a thread that cannot be started: the plain
 * path, silently, with the same result. */
static void test_thread_off_and_fallback(void **state)
{
	char path[600], err[MK_CAPTURE_ERRLEN];
	struct gen g = { .rng = 6 };
	const size_t none[] = { 0 };
	struct mk_cap_in_tune t = { .ra_block = 4093, .ra_room = 300, .ra_slots = 2, .ra_no_thread = true };

	(void)state;
	snprintf(path, sizeof(path), "%s/fallback.pcap", tmpdir);
	pcap_build(&g, 300000, none);
	write_file(path, g.buf, g.len);

	struct mk_capture *off = open_mode(path, MODE_NO_THREAD, err);

	assert_non_null(off);
	assert_false(mk_cap_in_readahead(&off->in));
	mk_cap_in_tune(&t);
	struct mk_capture *fb = open_mode(path, MODE_THREAD, err);

	assert_non_null(fb);
	assert_false(mk_cap_in_readahead(&fb->in));
	assert_int_equal(same_reading(off, fb), g.n_starts);
	assert_int_equal(warnings_with(fb, ""), 0);
	mk_capture_close(off);
	mk_capture_close(fb);
	mk_cap_in_tune(NULL);

	/* A file no longer than the first read needs no thread. */
	write_file(path, g.buf, MK_CAP_OBUF_FIRST);
	fb = open_mode(path, MODE_THREAD, err);
	assert_non_null(fb);
	assert_false(mk_cap_in_readahead(&fb->in));
	mk_capture_close(fb);
	gen_free(&g);
}

/* A FIFO is not a regular file: the plain path. */
static void test_fifo_plain(void **state)
{
	char fifo[600], err[MK_CAPTURE_ERRLEN];
	struct gen g = { .rng = 7 };
	const size_t none[] = { 0 };
	struct mk_pkt pkt;
	uint64_t n = 0;
	pid_t pid;
	int status;

	(void)state;
	pcap_build(&g, 500000, none);
	snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *f = fopen(fifo, "wb");

		_exit(f != NULL && fwrite(g.buf, 1, g.len, f) == g.len && fclose(f) == 0 ? 0 : 1);
	}
	struct mk_capture *cap = open_mode(fifo, MODE_THREAD, err);

	assert_non_null(cap);
	assert_false(mk_cap_in_readahead(&cap->in));
	while (mk_capture_next(cap, &pkt) == MK_CAP_PACKET)
		n++;
	assert_int_equal(n, g.n_starts);
	mk_capture_close(cap);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	remove(fifo);
	gen_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_straddling),
		cmocka_unit_test(test_pcapng_straddling),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_close_early),
		cmocka_unit_test(test_thread_off_and_fallback),
		cmocka_unit_test(test_fifo_plain),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}

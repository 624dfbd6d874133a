/* test_capture.c - unit tests of the capture-file reader over captures built
 * in memory: classic pcap (both byte orders, us and ns, Kuznetzov), pcapng
 * (two interfaces with different link types and time resolutions, a second
 * section in the other byte order, unknown and skipped blocks, SPB, the
 * obsolete PB), gzip of each, every truncation length, garbage and lying
 * lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "mieruka/capture.h"

/* ---- helpers ---- */

/* gzip-compresses src into a malloc'd buffer (caller frees). */
static uint8_t *gzip_buf(const uint8_t *src, size_t len, size_t *outlen)
{
	z_stream z;
	size_t cap = compressBound((uLong)len) + 64;
	uint8_t *out = malloc(cap);

	assert_non_null(out);
	memset(&z, 0, sizeof(z));
	/* 31 = 15-bit window + 16: gzip wrapper */
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* An exact-size heap copy, so ASan sees any read past the end. */
static uint8_t *dup_exact(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len > 0 ? len : 1);

	assert_non_null(p);
	if (len > 0)
		memcpy(p, src, len);
	return p;
}

static size_t count_warnings_with(struct mk_capture *cap, const char *needle)
{
	const char *const *w;
	size_t n = mk_capture_warnings(cap, &w), hits = 0;

	for (size_t i = 0; i < n; i++)
		hits += strstr(w[i], needle) != NULL;
	return hits;
}

static void print_warnings(struct mk_capture *cap)
{
	const char *const *w;
	size_t n = mk_capture_warnings(cap, &w);

	for (size_t i = 0; i < n; i++)
		print_message("warning: %s\n", w[i]);
}

/* Reads every packet; returns the count (and the rc that ended it). */
static size_t read_all(struct mk_capture *cap, enum mk_capture_rc *last)
{
	struct mk_pkt pkt;
	enum mk_capture_rc rc;
	size_t n = 0;

	/* Bounded: none of our inputs has a million packets. */
	while ((rc = mk_capture_next(cap, &pkt)) == MK_CAP_PACKET && n < 1000000) {
		/* Touch every byte so ASan checks the data is really there. */
		volatile uint8_t sink = 0;

		for (uint32_t i = 0; i < pkt.caplen; i++)
			sink ^= pkt.data[i];
		(void)sink;
		n++;
	}
	if (last != NULL)
		*last = rc;
	return n;
}

/* ---- classic pcap, little-endian, microseconds ---- */
static const uint8_t pcap_le_us[] = {
	/* --- offset 0: file header --- */
	0xd4, 0xc3, 0xb2, 0xa1, /* magic a1b2c3d4 written little-endian: microseconds */
	0x02, 0x00, 0x04, 0x00, /* version 2.4 */
	0x00, 0x00, 0x00, 0x00, /* thiszone 0 */
	0x00, 0x00, 0x00, 0x00, /* sigfigs 0 */
	0xff, 0xff, 0x00, 0x00, /* snaplen 65535 */
	0x01, 0x00, 0x00, 0x00, /* network: link type 1 (Ethernet) */
	/* --- offset 24: record 1 --- */
	0x10, 0x00, 0x00, 0x60, /* ts_sec 0x60000010 = 1610612752 */
	0x40, 0xe2, 0x01, 0x00, /* ts_usec 123456 */
	0x04, 0x00, 0x00, 0x00, /* incl_len (captured) 4 */
	0x3c, 0x00, 0x00, 0x00, /* orig_len 60 */
	0xde, 0xad, 0xbe, 0xef, /* packet data */
	/* --- offset 44: record 2 --- */
	0x11, 0x00, 0x00, 0x60, /* ts_sec 1610612753 */
	0x00, 0x00, 0x00, 0x00, /* ts_usec 0 */
	0x06, 0x00, 0x00, 0x00, /* incl_len 6 */
	0x06, 0x00, 0x00, 0x00, /* orig_len 6 */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, /* packet data */
	/* --- offset 66: end --- */
};
static const size_t pcap_le_us_bounds[] = { 24, 44, 66 }; /* header end, record ends */

/* ---- classic pcap, big-endian, nanoseconds, raw IP ---- */
static const uint8_t pcap_be_ns[] = {
	/* --- offset 0: file header --- */
	0xa1, 0xb2, 0x3c, 0x4d, /* magic a1b23c4d written big-endian: nanoseconds */
	0x00, 0x02, 0x00, 0x04, /* version 2.4 */
	0x00, 0x00, 0x00, 0x00, /* thiszone */
	0x00, 0x00, 0x00, 0x00, /* sigfigs */
	0x00, 0x04, 0x00, 0x00, /* snaplen 262144 */
	0x00, 0x00, 0x00, 0x65, /* link type 101 (raw IP) */
	/* --- offset 24: record 1 --- */
	0x5f, 0x5e, 0x10, 0x00, /* ts_sec 1600000000 */
	0x3b, 0x9a, 0xc9, 0xff, /* ts_nsec 999999999 */
	0x00, 0x00, 0x00, 0x14, /* incl_len 20 */
	0x00, 0x00, 0x00, 0x28, /* orig_len 40 */
	0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, /* IPv4: ver/IHL, TOS, length 40, id 1, frag */
	0x40, 0x06, 0x00, 0x00, /* TTL 64, proto TCP, checksum */
	0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02, /* 192.168.0.1 -> 192.168.0.2 */
};

/* ---- classic pcap, Kuznetzov variant (24-byte record header) ---- */
static const uint8_t pcap_kuz[] = {
	0x34, 0xcd, 0xb2, 0xa1, /* magic a1b2cd34 little-endian: Kuznetzov's patched format */
	0x02, 0x00, 0x04, 0x00, /* version 2.4 */
	0x00, 0x00, 0x00, 0x00, /* thiszone */
	0x00, 0x00, 0x00, 0x00, /* sigfigs */
	0xff, 0xff, 0x00, 0x00, /* snaplen */
	0x01, 0x00, 0x00, 0x00, /* Ethernet */
	/* --- offset 24: record --- */
	0x01, 0x00, 0x00, 0x00, /* ts_sec 1 */
	0x02, 0x00, 0x00, 0x00, /* ts_usec 2 */
	0x02, 0x00, 0x00, 0x00, /* incl_len 2 */
	0x02, 0x00, 0x00, 0x00, /* orig_len 2 */
	0x03, 0x00, 0x00, 0x00, /* ifindex 3 (extension) */
	0x00, 0x08, 0x00, 0x00, /* protocol 0x0800, pkt_type 0, pad */
	0x7a, 0x7b,             /* packet data */
};

/* ---- pcapng: two sections (LE then BE), several interfaces ---- */
static const uint8_t pcapng_multi[] = {
	/* --- offset 0: Section Header Block, little-endian --- */
	0x0a, 0x0d, 0x0d, 0x0a, /* block type SHB */
	0x1c, 0x00, 0x00, 0x00, /* block total length 28 */
	0x4d, 0x3c, 0x2b, 0x1a, /* byte-order magic 1a2b3c4d, little-endian */
	0x01, 0x00, 0x00, 0x00, /* version 1.0 */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* section length -1 (unknown) */
	0x1c, 0x00, 0x00, 0x00, /* trailing total length */
	/* --- offset 28: Interface Description Block 0: Ethernet, default resolution (us) --- */
	0x01, 0x00, 0x00, 0x00, /* block type IDB */
	0x14, 0x00, 0x00, 0x00, /* total length 20 */
	0x01, 0x00, 0x00, 0x00, /* link type 1 (Ethernet), reserved */
	0x00, 0x00, 0x04, 0x00, /* snaplen 262144 */
	0x14, 0x00, 0x00, 0x00, /* trailing length */
	/* --- offset 48: Interface Description Block 1: raw IP, if_tsresol 9 (ns), if_tsoffset 100 s --- */
	0x01, 0x00, 0x00, 0x00, /* block type IDB */
	0x2c, 0x00, 0x00, 0x00, /* total length 44 */
	0x65, 0x00, 0x00, 0x00, /* link type 101 (raw IP), reserved */
	0x00, 0x00, 0x00, 0x00, /* snaplen 0 (no limit) */
	0x09, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, /* option if_tsresol, length 1, value 9 (10^-9 s), 3 padding bytes */
	0x0e, 0x00, 0x08, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* option if_tsoffset, length 8, value 100 s */
	0x00, 0x00, 0x00, 0x00, /* opt_endofopt */
	0x2c, 0x00, 0x00, 0x00, /* trailing length */
	/* --- offset 92: Enhanced Packet Block on interface 0 --- */
	0x06, 0x00, 0x00, 0x00, /* block type EPB */
	0x28, 0x00, 0x00, 0x00, /* total length 40 */
	0x00, 0x00, 0x00, 0x00, /* interface id 0 */
	0x31, 0xaf, 0x05, 0x00, /* timestamp high (us units: 1600000000.123456 s) */
	0x40, 0xe2, 0xa5, 0x07, /* timestamp low */
	0x05, 0x00, 0x00, 0x00, /* captured length 5 */
	0x3c, 0x00, 0x00, 0x00, /* original length 60 */
	0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x00, 0x00, 0x00, /* packet data (5 bytes) + 3 padding bytes */
	0x28, 0x00, 0x00, 0x00, /* trailing length */
	/* --- offset 132: Enhanced Packet Block on interface 1 (raw IPv4 header) --- */
	0x06, 0x00, 0x00, 0x00, /* block type EPB */
	0x34, 0x00, 0x00, 0x00, /* total length 52 */
	0x01, 0x00, 0x00, 0x00, /* interface id 1 */
	0x85, 0x57, 0x34, 0x16, /* timestamp high (ns units: 1600000000.000000001 s, +100 s offset) */
	0x01, 0x00, 0xa0, 0xd8, /* timestamp low */
	0x14, 0x00, 0x00, 0x00, /* captured length 20 */
	0x14, 0x00, 0x00, 0x00, /* original length 20 */
	0x45, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, /* IPv4: version/IHL, TOS, total length 20, id 1, flags/frag, TTL 64, proto UDP, checksum */
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, /* IPv4: source 10.0.0.1, destination 10.0.0.2 */
	0x34, 0x00, 0x00, 0x00, /* trailing length */
	/* --- offset 184: a block of unknown type 0x00000f0f (skipped with a warning) --- */
	0x0f, 0x0f, 0x00, 0x00, /* block type 0x00000f0f */
	0x10, 0x00, 0x00, 0x00, /* total length 16 */
	0x01, 0x02, 0x03, 0x04, /* body */
	0x10, 0x00, 0x00, 0x00, /* trailing length */
	/* --- offset 200: Name Resolution Block (known, skipped silently) --- */
	0x04, 0x00, 0x00, 0x00, /* block type NRB */
	0x10, 0x00, 0x00, 0x00, /* total length 16 */
	0x00, 0x00, 0x00, 0x00, /* nrb_record_end */
	0x10, 0x00, 0x00, 0x00, /* trailing length */
	/* --- offset 216: Simple Packet Block (interface 0, no time stamp) --- */
	0x03, 0x00, 0x00, 0x00, /* block type SPB */
	0x14, 0x00, 0x00, 0x00, /* total length 20 */
	0x04, 0x00, 0x00, 0x00, /* original length 4 */
	0x11, 0x22, 0x33, 0x44, /* packet data */
	0x14, 0x00, 0x00, 0x00, /* trailing length */
	/* --- offset 236: obsolete Packet Block on interface 0 --- */
	0x02, 0x00, 0x00, 0x00, /* block type PB */
	0x24, 0x00, 0x00, 0x00, /* total length 36 */
	0x00, 0x00, 0x00, 0x00, /* interface id 0, drops count 0 */
	0x31, 0xaf, 0x05, 0x00, /* timestamp high (us: 1600000001.000000 s) */
	0x40, 0x42, 0xb3, 0x07, /* timestamp low */
	0x04, 0x00, 0x00, 0x00, /* captured length 4 */
	0x04, 0x00, 0x00, 0x00, /* original length 4 */
	0x55, 0x66, 0x77, 0x88, /* packet data */
	0x24, 0x00, 0x00, 0x00, /* trailing length */
	/* --- offset 272: second Section Header Block, big-endian --- */
	0x0a, 0x0d, 0x0d, 0x0a, /* block type SHB */
	0x00, 0x00, 0x00, 0x1c, /* block total length 28 */
	0x1a, 0x2b, 0x3c, 0x4d, /* byte-order magic, big-endian */
	0x00, 0x01, 0x00, 0x00, /* version 1.0 */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* section length -1 */
	0x00, 0x00, 0x00, 0x1c, /* trailing length */
	/* --- offset 300: Interface Description Block 0 of section 2: Ethernet, if_tsresol 0x94 (2^-20 s) --- */
	0x00, 0x00, 0x00, 0x01, /* block type IDB */
	0x00, 0x00, 0x00, 0x20, /* total length 32 */
	0x00, 0x01, 0x00, 0x00, /* link type 1, reserved */
	0x00, 0x00, 0xff, 0xff, /* snaplen 65535 */
	0x00, 0x09, 0x00, 0x01, 0x94, 0x00, 0x00, 0x00, /* option if_tsresol, length 1, value 0x94 (2^-20 s) */
	0x00, 0x00, 0x00, 0x00, /* opt_endofopt */
	0x00, 0x00, 0x00, 0x20, /* trailing length */
	/* --- offset 332: Enhanced Packet Block on interface 0 of section 2 --- */
	0x00, 0x00, 0x00, 0x06, /* block type EPB */
	0x00, 0x00, 0x00, 0x24, /* total length 36 */
	0x00, 0x00, 0x00, 0x00, /* interface id 0 */
	0x00, 0x06, 0x55, 0x3f, /* timestamp high (2^-20 s units: 1700000000.5 s) */
	0x10, 0x08, 0x00, 0x00, /* timestamp low */
	0x00, 0x00, 0x00, 0x04, /* captured length 4 */
	0x00, 0x00, 0x00, 0x40, /* original length 64 */
	0x99, 0x98, 0x97, 0x96, /* packet data */
	0x00, 0x00, 0x00, 0x24, /* trailing length */

};
/* Ends of every block: the cuts that are clean. */
static const size_t ng_bounds[] = { 28, 48, 92, 132, 184, 200, 216, 236, 272, 300, 332, 368 };
/* Ends of the packet blocks. */
static const size_t ng_pkt_ends[] = { 132, 184, 236, 272, 368 };

static void check_pcap_le_us(const uint8_t *buf, size_t len, bool zero_copy)
{
	char err[MK_CAPTURE_ERRLEN] = "";
	struct mk_capture *cap = mk_capture_open_memory(buf, len, "le.pcap", 7, err);
	struct mk_pkt pkt;
	uint64_t done, total;

	assert_non_null(cap);
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
	assert_int_equal(pkt.ts_ns, UINT64_C(1610612752123456000));
	assert_int_equal(pkt.caplen, 4);
	assert_int_equal(pkt.wirelen, 60);
	assert_int_equal(pkt.linktype, 1);
	assert_int_equal(pkt.file_index, 7);
	assert_int_equal(pkt.file_offset, 24);
	assert_memory_equal(pkt.data, "\xde\xad\xbe\xef", 4);
	if (zero_copy)
		assert_ptr_equal(pkt.data, buf + 40);
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
	assert_int_equal(pkt.ts_ns, UINT64_C(1610612753000000000));
	assert_int_equal(pkt.caplen, 6);
	assert_int_equal(pkt.file_offset, 44);
	assert_memory_equal(pkt.data, "\x01\x02\x03\x04\x05\x06", 6);
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_EOF);
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_EOF); /* stays at the end */

	const struct mk_capture_stats *st = mk_capture_stats(cap);

	assert_int_equal(st->packets, 2);
	assert_int_equal(st->bytes, 66);
	assert_int_equal(st->first_ns, UINT64_C(1610612752123456000));
	assert_int_equal(st->last_ns, UINT64_C(1610612753000000000));
	assert_int_equal(st->n_linktypes, 1);
	assert_int_equal(st->linktypes[0], 1);
	assert_int_equal(count_warnings_with(cap, ""), 0);
	mk_capture_progress(cap, &done, &total);
	assert_int_equal(total, len);
	assert_int_equal(done, len);
	mk_capture_close(cap);
}

static void test_pcap_le_us(void **state)
{
	uint8_t *buf = dup_exact(pcap_le_us, sizeof(pcap_le_us));

	check_pcap_le_us(buf, sizeof(pcap_le_us), true);
	free(buf);
}

static void test_pcap_be_ns(void **state)
{
	char err[MK_CAPTURE_ERRLEN] = "";
	uint8_t *buf = dup_exact(pcap_be_ns, sizeof(pcap_be_ns));
	struct mk_capture *cap = mk_capture_open_memory(buf, sizeof(pcap_be_ns), "be.pcap", 0, err);
	struct mk_pkt pkt;

	assert_non_null(cap);
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
	assert_int_equal(pkt.ts_ns, UINT64_C(1600000000999999999));
	assert_int_equal(pkt.caplen, 20);
	assert_int_equal(pkt.wirelen, 40);
	assert_int_equal(pkt.linktype, 101);
	assert_ptr_equal(pkt.data, buf + 40);
	assert_int_equal(pkt.data[0], 0x45);
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_EOF);
	assert_int_equal(count_warnings_with(cap, ""), 0);
	mk_capture_close(cap);
	free(buf);
}

static void test_pcap_kuznetzov(void **state)
{
	char err[MK_CAPTURE_ERRLEN] = "";
	uint8_t *buf = dup_exact(pcap_kuz, sizeof(pcap_kuz));
	struct mk_capture *cap = mk_capture_open_memory(buf, sizeof(pcap_kuz), "kuz.pcap", 0, err);
	struct mk_pkt pkt;

	assert_non_null(cap);
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
	assert_int_equal(pkt.ts_ns, UINT64_C(1000002000));
	assert_int_equal(pkt.caplen, 2);
	assert_int_equal(pkt.data[0], 0x7a);
	assert_int_equal(pkt.data[1], 0x7b);
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_EOF);
	assert_int_equal(count_warnings_with(cap, ""), 0);
	mk_capture_close(cap);
	free(buf);
}

static void check_pcapng_multi(const uint8_t *buf, size_t len, bool zero_copy)
{
	char err[MK_CAPTURE_ERRLEN] = "";
	struct mk_capture *cap = mk_capture_open_memory(buf, len, "multi.pcapng", 1, err);
	struct mk_pkt pkt;

	assert_non_null(cap);
	/* EPB on interface 0: Ethernet, microseconds */
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
	assert_int_equal(pkt.file_offset, 92);
	assert_int_equal(pkt.ifindex, 0);
	assert_int_equal(pkt.linktype, 1);
	assert_int_equal(pkt.ts_ns, UINT64_C(1600000000123456000));
	assert_int_equal(pkt.caplen, 5);
	assert_int_equal(pkt.wirelen, 60);
	assert_memory_equal(pkt.data, "\xaa\xbb\xcc\xdd\xee", 5);
	if (zero_copy)
		assert_ptr_equal(pkt.data, buf + 92 + 28);
	/* EPB on interface 1: raw IP, nanoseconds, +100 s offset */
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
	assert_int_equal(pkt.file_offset, 132);
	assert_int_equal(pkt.ifindex, 1);
	assert_int_equal(pkt.linktype, 101);
	assert_int_equal(pkt.ts_ns, UINT64_C(1600000100000000001));
	assert_int_equal(pkt.caplen, 20);
	assert_int_equal(pkt.data[0], 0x45);
	/* (unknown block and NRB skipped) SPB: interface 0, time of the previous packet */
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
	assert_int_equal(pkt.file_offset, 216);
	assert_int_equal(pkt.linktype, 1);
	assert_int_equal(pkt.ts_ns, UINT64_C(1600000100000000001));
	assert_int_equal(pkt.caplen, 4);
	assert_int_equal(pkt.wirelen, 4);
	assert_memory_equal(pkt.data, "\x11\x22\x33\x44", 4);
	/* obsolete PB */
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
	assert_int_equal(pkt.file_offset, 236);
	assert_int_equal(pkt.ts_ns, UINT64_C(1600000001000000000));
	assert_memory_equal(pkt.data, "\x55\x66\x77\x88", 4);
	/* second section, big-endian, binary resolution 2^-20 */
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
	assert_int_equal(pkt.file_offset, 332);
	assert_int_equal(pkt.ifindex, 0);
	assert_int_equal(pkt.linktype, 1);
	assert_int_equal(pkt.ts_ns, UINT64_C(1700000000500000000));
	assert_int_equal(pkt.caplen, 4);
	assert_int_equal(pkt.wirelen, 64);
	assert_memory_equal(pkt.data, "\x99\x98\x97\x96", 4);
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_EOF);

	const struct mk_capture_stats *st = mk_capture_stats(cap);

	assert_int_equal(st->packets, 5);
	assert_int_equal(st->bytes, 60 + 20 + 4 + 4 + 64);
	assert_int_equal(st->n_linktypes, 2);
	assert_int_equal(st->first_ns, UINT64_C(1600000000123456000));
	assert_int_equal(st->last_ns, UINT64_C(1700000000500000000));
	/* exactly one warning: the unknown block type, named with its offset */
	print_warnings(cap);
	assert_int_equal(count_warnings_with(cap, ""), 1);
	assert_int_equal(count_warnings_with(cap, "multi.pcapng: skipped pcapng block of unknown type 0x00000f0f at offset 184"), 1);
	mk_capture_close(cap);
}

static void test_pcapng_multi(void **state)
{
	uint8_t *buf = dup_exact(pcapng_multi, sizeof(pcapng_multi));

	check_pcapng_multi(buf, sizeof(pcapng_multi), true);
	free(buf);
}

static void test_gzip_each(void **state)
{
	size_t glen;
	uint8_t *gz;

	gz = gzip_buf(pcap_le_us, sizeof(pcap_le_us), &glen);
	assert_int_equal(gz[0], 0x1f);
	{
		char err[MK_CAPTURE_ERRLEN] = "";
		struct mk_capture *cap = mk_capture_open_memory(gz, glen, "le.pcap.gz", 0, err);
		struct mk_pkt pkt;
		uint64_t done, total;

		assert_non_null(cap);
		assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
		/* offsets are in the uncompressed stream */
		assert_int_equal(pkt.file_offset, 24);
		assert_int_equal(pkt.ts_ns, UINT64_C(1610612752123456000));
		assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
		assert_int_equal(pkt.file_offset, 44);
		assert_memory_equal(pkt.data, "\x01\x02\x03\x04\x05\x06", 6);
		assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_EOF);
		assert_int_equal(count_warnings_with(cap, ""), 0);
		/* progress counts compressed bytes */
		mk_capture_progress(cap, &done, &total);
		assert_int_equal(total, glen);
		assert_int_equal(done, glen);
		mk_capture_close(cap);
	}
	free(gz);

	gz = gzip_buf(pcap_be_ns, sizeof(pcap_be_ns), &glen);
	{
		char err[MK_CAPTURE_ERRLEN] = "";
		struct mk_capture *cap = mk_capture_open_memory(gz, glen, "be.pcap.gz", 0, err);

		assert_non_null(cap);
		assert_int_equal(read_all(cap, NULL), 1);
		assert_int_equal(mk_capture_stats(cap)->first_ns, UINT64_C(1600000000999999999));
		mk_capture_close(cap);
	}
	free(gz);

	gz = gzip_buf(pcap_kuz, sizeof(pcap_kuz), &glen);
	{
		char err[MK_CAPTURE_ERRLEN] = "";
		struct mk_capture *cap = mk_capture_open_memory(gz, glen, "kuz.pcap.gz", 0, err);

		assert_non_null(cap);
		assert_int_equal(read_all(cap, NULL), 1);
		mk_capture_close(cap);
	}
	free(gz);

	gz = gzip_buf(pcapng_multi, sizeof(pcapng_multi), &glen);
	check_pcapng_multi(gz, glen, false);
	free(gz);
}

/* Two gzip members back to back read as one stream (cat a.gz b.gz). */
static void test_gzip_members(void **state)
{
	size_t l1, l2;
	uint8_t *g1 = gzip_buf(pcap_le_us, 44, &l1); /* header + record 1 */
	uint8_t *g2 = gzip_buf(pcap_le_us + 44, sizeof(pcap_le_us) - 44, &l2); /* record 2 */
	uint8_t *both = malloc(l1 + l2 + 4);
	char err[MK_CAPTURE_ERRLEN] = "";
	struct mk_capture *cap;

	assert_non_null(both);
	memcpy(both, g1, l1);
	memcpy(both + l1, g2, l2);
	cap = mk_capture_open_memory(both, l1 + l2, "two.gz", 0, err);
	assert_non_null(cap);
	assert_int_equal(read_all(cap, NULL), 2);
	assert_int_equal(count_warnings_with(cap, ""), 0);
	mk_capture_close(cap);

	/* trailing zeros after the last member: read, with a note */
	memset(both + l1 + l2, 0, 4);
	cap = mk_capture_open_memory(both, l1 + l2 + 4, "pad.gz", 0, err);
	assert_non_null(cap);
	assert_int_equal(read_all(cap, NULL), 2);
	assert_int_equal(count_warnings_with(cap, "data after the end of the gzip stream ignored"), 1);
	mk_capture_close(cap);
	free(both);
	free(g1);
	free(g2);
}

static size_t count_le(const size_t *v, size_t n, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += v[i] <= len;
	return k;
}

static bool is_in(const size_t *v, size_t n, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == len)
			return true;
	return false;
}

/* Every cut of a valid pcap: never a crash; exactly the complete records; a
 * warning ("analysed the N packets before it") iff the cut is mid-record. */
static void test_pcap_every_truncation(void **state)
{
	for (size_t len = 0; len <= sizeof(pcap_le_us); len++) {
		char err[MK_CAPTURE_ERRLEN] = "";
		uint8_t *buf = dup_exact(pcap_le_us, len);
		struct mk_capture *cap = mk_capture_open_memory(buf, len, "cut.pcap", 0, err);

		if (len < 24) {
			assert_null(cap);
			assert_non_null(strstr(err, "cut.pcap: "));
			if (len == 0)
				assert_non_null(strstr(err, "empty"));
			else if (len < 4)
				assert_non_null(strstr(err, "too short"));
			else
				assert_non_null(strstr(err, "truncated pcap file header (needs 24 bytes"));
			free(buf);
			continue;
		}
		assert_non_null(cap);
		enum mk_capture_rc rc;
		size_t n = read_all(cap, &rc);
		size_t want = count_le(pcap_le_us_bounds, 3, len) - 1;

		assert_int_equal(rc, MK_CAP_EOF);
		assert_int_equal(n, want);
		if (is_in(pcap_le_us_bounds, 3, len)) {
			assert_int_equal(count_warnings_with(cap, ""), 0);
		} else {
			char expect[128];

			snprintf(expect, sizeof(expect), "analysed the %zu packets before it", want);
			assert_int_equal(count_warnings_with(cap, ""), 1);
			assert_int_equal(count_warnings_with(cap, expect), 1);
			assert_int_equal(count_warnings_with(cap, "cut.pcap: truncated packet record"), 1);
		}
		mk_capture_close(cap);
		free(buf);
	}
}

static void test_pcap_truncation_message(void **state)
{
	/* cut 10 bytes into record 2 (at 44): needs 22, 10 left */
	char err[MK_CAPTURE_ERRLEN] = "";
	uint8_t *buf = dup_exact(pcap_le_us, 60);
	struct mk_capture *cap = mk_capture_open_memory(buf, 60, "f.pcap", 0, err);

	assert_non_null(cap);
	assert_int_equal(read_all(cap, NULL), 1);
	assert_int_equal(count_warnings_with(cap,
	        "f.pcap: truncated packet record at offset 44 (needs 22 bytes, 16 left); "
	        "analysed the 1 packets before it"), 1);
	mk_capture_close(cap);
	free(buf);
}

static void test_pcapng_every_truncation(void **state)
{
	for (size_t len = 0; len <= sizeof(pcapng_multi); len++) {
		char err[MK_CAPTURE_ERRLEN] = "";
		uint8_t *buf = dup_exact(pcapng_multi, len);
		struct mk_capture *cap = mk_capture_open_memory(buf, len, "cut.pcapng", 0, err);

		if (len < 28) {
			assert_null(cap);
			assert_non_null(strstr(err, "cut.pcapng: "));
			free(buf);
			continue;
		}
		assert_non_null(cap);
		enum mk_capture_rc rc;
		size_t n = read_all(cap, &rc);
		size_t want = count_le(ng_pkt_ends, 5, len);
		bool clean = is_in(ng_bounds, sizeof(ng_bounds) / sizeof(ng_bounds[0]), len);

		assert_int_equal(rc, MK_CAP_EOF);
		assert_int_equal(n, want);
		assert_int_equal(count_warnings_with(cap, "analysed the"), clean ? 0 : 1);
		/* the unknown-block note appears once that block was passed */
		assert_int_equal(count_warnings_with(cap, "unknown type"), len >= 200 ? 1 : 0);
		mk_capture_close(cap);
		free(buf);
	}
}

/* Every cut of a gzip file: never a crash, never more packets than exist, and
 * a cut stream is always reported. */
static void test_gzip_every_truncation(void **state)
{
	const struct { const uint8_t *p; size_t len; size_t pkts; } in[] = {
		{ pcap_le_us, sizeof(pcap_le_us), 2 },
		{ pcapng_multi, sizeof(pcapng_multi), 5 },
	};

	for (size_t k = 0; k < 2; k++) {
		size_t glen;
		uint8_t *gz = gzip_buf(in[k].p, in[k].len, &glen);

		for (size_t len = 0; len <= glen; len++) {
			char err[MK_CAPTURE_ERRLEN] = "";
			uint8_t *buf = dup_exact(gz, len);
			struct mk_capture *cap = mk_capture_open_memory(buf, len, "cut.gz", 0, err);

			if (cap == NULL) {
				assert_true(err[0] != '\0');
				assert_true(len < glen);
				free(buf);
				continue;
			}
			size_t n = read_all(cap, NULL);

			assert_true(n <= in[k].pkts);
			if (len < glen)
				assert_true(count_warnings_with(cap, "compressed data ends early") == 1);
			else
				assert_int_equal(n, in[k].pkts);
			mk_capture_close(cap);
			free(buf);
		}
		free(gz);
	}
}

static void expect_open_error(const uint8_t *p, size_t len, const char *msg)
{
	char err[MK_CAPTURE_ERRLEN] = "";
	uint8_t *buf = dup_exact(p, len);
	struct mk_capture *cap = mk_capture_open_memory(buf, len, "bad.bin", 0, err);

	if (cap != NULL || strstr(err, msg) == NULL)
		print_message("got \"%s\", wanted \"%s\"\n", err, msg);
	assert_null(cap);
	assert_non_null(strstr(err, msg));
	free(buf);
}

static void test_garbage(void **state)
{
	static const uint8_t html[] = "<html><body>not a capture</body></html>";
	static const uint8_t pcap_v3[] = {
		0xd4, 0xc3, 0xb2, 0xa1, /* magic, LE us */
		0x03, 0x00, 0x00, 0x00, /* version 3.0: unknown */
		0, 0, 0, 0, 0, 0, 0, 0, /* thiszone, sigfigs */
		0xff, 0xff, 0, 0,       /* snaplen */
		1, 0, 0, 0,             /* Ethernet */
	};
	static const uint8_t ng_v2[] = {
		0x0a, 0x0d, 0x0d, 0x0a, /* SHB */
		0x1c, 0x00, 0x00, 0x00, /* length 28 */
		0x4d, 0x3c, 0x2b, 0x1a, /* BOM LE */
		0x02, 0x00, 0x00, 0x00, /* version 2.0: unknown */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* section length */
		0x1c, 0x00, 0x00, 0x00, /* trailing length */
	};
	static const uint8_t ng_bad_bom[] = {
		0x0a, 0x0d, 0x0d, 0x0a, /* SHB */
		0x1c, 0x00, 0x00, 0x00, /* length 28 */
		0x11, 0x22, 0x33, 0x44, /* not a byte-order magic */
		0x01, 0x00, 0x00, 0x00, /* version 1.0 */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x1c, 0x00, 0x00, 0x00,
	};
	static const uint8_t ng_bad_tail[] = {
		0x0a, 0x0d, 0x0d, 0x0a, /* SHB */
		0x1c, 0x00, 0x00, 0x00, /* length 28 */
		0x4d, 0x3c, 0x2b, 0x1a, /* BOM LE */
		0x01, 0x00, 0x00, 0x00, /* version 1.0 */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x20, 0x00, 0x00, 0x00, /* trailing length 32: a lie */
	};
	static const uint8_t ng_len_odd[] = {
		0x0a, 0x0d, 0x0d, 0x0a, /* SHB */
		0x1d, 0x00, 0x00, 0x00, /* length 29: not a multiple of 4 */
		0x4d, 0x3c, 0x2b, 0x1a, /* BOM LE */
		0x01, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x1d, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t gz_junk[] = {
		0x1f, 0x8b, 0x08, 0x00, /* gzip magic, deflate, no flags */
		0, 0, 0, 0, 0x00, 0x03, /* mtime, xfl, OS */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* not a valid deflate stream */
	};

	expect_open_error(html, sizeof(html) - 1,
	                  "bad.bin: not a pcap or pcapng capture (first bytes 3c 68 74 6d)");
	expect_open_error(html, 0, "bad.bin: empty");
	expect_open_error(html, 2, "bad.bin: too short to be a capture (2 bytes)");
	expect_open_error(pcap_v3, sizeof(pcap_v3), "bad.bin: unsupported pcap version 3.0");
	expect_open_error(ng_v2, sizeof(ng_v2), "bad.bin: unsupported pcapng version 2.0");
	expect_open_error(ng_bad_bom, sizeof(ng_bad_bom), "bad byte-order magic");
	expect_open_error(ng_bad_tail, sizeof(ng_bad_tail), "trailing length 32 differs from leading length 28");
	expect_open_error(ng_len_odd, sizeof(ng_len_odd), "invalid length 29");
	expect_open_error(gz_junk, sizeof(gz_junk), "bad.bin: gzip data is corrupt");

	size_t glen;
	uint8_t *gz = gzip_buf(html, sizeof(html) - 1, &glen);

	expect_open_error(gz, glen, "not a pcap or pcapng capture (first bytes after gzip decompression 3c 68 74 6d)");
	free(gz);
	gz = gzip_buf(html, 0, &glen);
	expect_open_error(gz, glen, "empty after gzip decompression");
	free(gz);
}

/* Opens buf, reads all, expects n packets and one damage warning containing msg. */
static void expect_damage(const uint8_t *p, size_t len, size_t n, const char *msg)
{
	char err[MK_CAPTURE_ERRLEN] = "";
	uint8_t *buf = dup_exact(p, len);
	struct mk_capture *cap = mk_capture_open_memory(buf, len, "lie", 0, err);
	enum mk_capture_rc rc;

	assert_non_null(cap);
	assert_int_equal(read_all(cap, &rc), n);
	assert_int_equal(rc, MK_CAP_EOF);
	if (count_warnings_with(cap, msg) != 1) {
		print_message("wanted \"%s\"\n", msg);
		print_warnings(cap);
	}
	assert_int_equal(count_warnings_with(cap, msg), 1);
	assert_int_equal(count_warnings_with(cap, "analysed the"), 1);
	mk_capture_close(cap);
	free(buf);
}

/* A copy of pcapng_multi with one 32-bit field (in the first section, LE) replaced. */
static void ng_patch(uint8_t *dst, size_t at, uint32_t v)
{
	memcpy(dst, pcapng_multi, sizeof(pcapng_multi));
	dst[at] = (uint8_t)v;
	dst[at + 1] = (uint8_t)(v >> 8);
	dst[at + 2] = (uint8_t)(v >> 16);
	dst[at + 3] = (uint8_t)(v >> 24);
}

static void test_lying_lengths(void **state)
{
	uint8_t b[sizeof(pcapng_multi)];
	uint8_t p[sizeof(pcap_le_us)];

	/* pcap record 2 claims 300000 captured bytes */
	memcpy(p, pcap_le_us, sizeof(p));
	p[52] = 0xe0; p[53] = 0x93; p[54] = 0x04; p[55] = 0x00; /* incl_len 300000 */
	expect_damage(p, sizeof(p), 1, "packet record at offset 44 claims 300000 captured bytes (more than the maximum 262144)");
	/* pcap record 2 claims 100 bytes: past the end */
	p[52] = 100; p[53] = 0; p[54] = 0; p[55] = 0;
	expect_damage(p, sizeof(p), 1, "truncated packet record at offset 44 (needs 116 bytes, 22 left)");

	/* EPB 1 total length not a multiple of 4 */
	ng_patch(b, 92 + 4, 41);
	expect_damage(b, sizeof(b), 0, "enhanced packet block (type 0x00000006) at offset 92 has an invalid length 41");
	/* EPB 1 shorter than the EPB minimum */
	ng_patch(b, 92 + 4, 16);
	expect_damage(b, sizeof(b), 0, "has an invalid length 16 (must be a multiple of 4 and at least 32)");
	/* EPB 1 trailing length differs */
	ng_patch(b, 92 + 36, 44);
	expect_damage(b, sizeof(b), 0, "enhanced packet block at offset 92: trailing length 44 differs from leading length 40");
	/* EPB 1 length runs past the end of the file */
	ng_patch(b, 92 + 4, 4000);
	expect_damage(b, sizeof(b), 0, "truncated enhanced packet block at offset 92 (needs 4000 bytes, 276 left)");
	/* EPB 1 caplen larger than its block */
	ng_patch(b, 92 + 20, 9);
	expect_damage(b, sizeof(b), 0, "enhanced packet block at offset 92 claims 9 captured bytes but holds 8");
	/* EPB 2 names interface 2, which does not exist */
	ng_patch(b, 132 + 8, 2);
	expect_damage(b, sizeof(b), 1, "enhanced packet block at offset 132 refers to interface 2, but its section describes 2");
	/* IDB 0 trailer lies */
	ng_patch(b, 28 + 16, 24);
	expect_damage(b, sizeof(b), 0, "interface description block at offset 28: trailing length 24 differs");
	/* unknown block's trailer lies */
	ng_patch(b, 184 + 12, 20);
	expect_damage(b, sizeof(b), 2, "pcapng block at offset 184: trailing length 20 differs from leading length 16");
	/* unknown block's length runs past the end */
	ng_patch(b, 184 + 4, 0x10000);
	expect_damage(b, sizeof(b), 2, "truncated pcapng block (type 0x00000f0f) at offset 184");
	/* a huge block length */
	ng_patch(b, 92 + 4, 0xfffffff0u);
	expect_damage(b, sizeof(b), 0, "enhanced packet block at offset 92 is too large");
	/* second section's header has a bad BOM */
	memcpy(b, pcapng_multi, sizeof(b));
	b[272 + 8] = 0;
	expect_damage(b, sizeof(b), 4, "pcapng section header at offset 272 has a bad byte-order magic");
}

/* A section whose packet comes before any interface is described. */
static void test_spb_without_idb(void **state)
{
	static const uint8_t f[] = {
		0x0a, 0x0d, 0x0d, 0x0a, /* SHB */
		0x1c, 0x00, 0x00, 0x00, /* length 28 */
		0x4d, 0x3c, 0x2b, 0x1a, /* BOM LE */
		0x01, 0x00, 0x00, 0x00, /* version 1.0 */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* section length */
		0x1c, 0x00, 0x00, 0x00, /* trailing length */
		0x03, 0x00, 0x00, 0x00, /* SPB */
		0x14, 0x00, 0x00, 0x00, /* length 20 */
		0x04, 0x00, 0x00, 0x00, /* original length 4 */
		0x01, 0x02, 0x03, 0x04, /* data */
		0x14, 0x00, 0x00, 0x00, /* trailing length */
	};

	expect_damage(f, sizeof(f), 0, "simple packet block at offset 28 refers to interface 0, but its section describes 0");
}

/* Time resolutions: powers of 10 and 2, and an unusable one. */
static void test_tsresol(void **state)
{
	/* A template: SHB, IDB with if_tsresol = R, EPB with units U. */
	const struct { uint8_t resol; uint64_t units; uint64_t ns; } cases[] = {
		{ 0, 1600000000, UINT64_C(1600000000000000000) },          /* 10^0: seconds */
		{ 3, 1600000000123, UINT64_C(1600000000123000000) },       /* ms */
		{ 6, 1600000000123456, UINT64_C(1600000000123456000) },    /* us */
		{ 12, UINT64_C(1600000000123456789), UINT64_C(1600000000123456) }, /* ps: 1.6e6 s */
		{ 0x80, 1600000000, UINT64_C(1600000000000000000) },       /* 2^0 */
		{ 0x8a, (UINT64_C(1600000000) << 10) | 512, UINT64_C(1600000000500000000) }, /* 2^-10 */
		{ 0xa8, (UINT64_C(100) << 40) | (UINT64_C(1) << 38), UINT64_C(100250000000) }, /* 2^-40 */
		{ 20, 1600000000, UINT64_C(1600000000000) },              /* 10^-20 unusable: us assumed */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t f[] = {
			0x0a, 0x0d, 0x0d, 0x0a, /* SHB */
			0x1c, 0x00, 0x00, 0x00, /* length 28 */
			0x4d, 0x3c, 0x2b, 0x1a, /* BOM LE */
			0x01, 0x00, 0x00, 0x00, /* version 1.0 */
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* section length */
			0x1c, 0x00, 0x00, 0x00, /* trailing length */
			0x01, 0x00, 0x00, 0x00, /* offset 28: IDB */
			0x20, 0x00, 0x00, 0x00, /* length 32 */
			0x01, 0x00, 0x00, 0x00, /* Ethernet, reserved */
			0x00, 0x00, 0x00, 0x00, /* snaplen 0 */
			0x09, 0x00, 0x01, 0x00, /* if_tsresol, length 1 */
			cases[i].resol, 0, 0, 0, /* value, padding */
			0x00, 0x00, 0x00, 0x00, /* opt_endofopt */
			0x20, 0x00, 0x00, 0x00, /* trailing length */
			0x06, 0x00, 0x00, 0x00, /* offset 60: EPB */
			0x20, 0x00, 0x00, 0x00, /* length 32 */
			0x00, 0x00, 0x00, 0x00, /* interface 0 */
			(uint8_t)(cases[i].units >> 32), (uint8_t)(cases[i].units >> 40),
			(uint8_t)(cases[i].units >> 48), (uint8_t)(cases[i].units >> 56), /* ts high */
			(uint8_t)cases[i].units, (uint8_t)(cases[i].units >> 8),
			(uint8_t)(cases[i].units >> 16), (uint8_t)(cases[i].units >> 24), /* ts low */
			0x00, 0x00, 0x00, 0x00, /* caplen 0 */
			0x00, 0x00, 0x00, 0x00, /* origlen 0 */
			0x20, 0x00, 0x00, 0x00, /* trailing length */
		};
		char err[MK_CAPTURE_ERRLEN] = "";
		struct mk_capture *cap = mk_capture_open_memory(f, sizeof(f), "ts", 0, err);
		struct mk_pkt pkt;

		assert_non_null(cap);
		assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
		assert_int_equal(pkt.caplen, 0);
		if (pkt.ts_ns != cases[i].ns)
			print_message("case %zu: %llu\n", i, (unsigned long long)pkt.ts_ns);
		assert_int_equal(pkt.ts_ns, cases[i].ns);
		assert_int_equal(count_warnings_with(cap, "unusable if_tsresol"), cases[i].resol == 20 ? 1 : 0);
		mk_capture_close(cap);
	}
}

/* A capture larger than the gzip refill block: records straddle refills,
 * including one of the maximum captured length; the data must come out intact. */
static void test_gzip_large(void **state)
{
	const size_t npk = 3000, plen = 1500;
	size_t len = 24 + npk * (16 + plen) + 16 + MK_CAPTURE_MAX_CAPLEN;
	uint8_t *raw = malloc(len), *p = raw;

	assert_non_null(raw);
	memcpy(p, pcap_le_us, 24); /* file header */
	p += 24;
	for (size_t i = 0; i <= npk; i++) {
		uint32_t cl = i < npk ? (uint32_t)plen : MK_CAPTURE_MAX_CAPLEN;
		uint32_t hdr[4] = { (uint32_t)i, 0, cl, cl }; /* written little-endian below */

		for (int k = 0; k < 4; k++)
			for (int b = 0; b < 4; b++)
				*p++ = (uint8_t)(hdr[k] >> (8 * b));
		for (uint32_t j = 0; j < cl; j++)
			*p++ = (uint8_t)(i * 7 + j);
	}
	assert_int_equal((size_t)(p - raw), len);

	size_t glen;
	uint8_t *gz = gzip_buf(raw, len, &glen);
	char err[MK_CAPTURE_ERRLEN] = "";
	struct mk_capture *cap = mk_capture_open_memory(gz, glen, "big.gz", 0, err);
	struct mk_pkt pkt;
	uint64_t off = 24;

	assert_non_null(cap);
	for (size_t i = 0; i <= npk; i++) {
		uint32_t cl = i < npk ? (uint32_t)plen : MK_CAPTURE_MAX_CAPLEN;

		assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_PACKET);
		assert_int_equal(pkt.ts_ns, (uint64_t)i * 1000000000u);
		assert_int_equal(pkt.caplen, cl);
		assert_int_equal(pkt.file_offset, off);
		for (uint32_t j = 0; j < cl; j++)
			if (pkt.data[j] != (uint8_t)(i * 7 + j))
				fail_msg("packet %zu byte %u differs", i, j);
		off += 16 + cl;
	}
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_EOF);
	assert_int_equal(count_warnings_with(cap, ""), 0);
	mk_capture_close(cap);

	/* the same in plain memory, and one byte more than the maximum is damage */
	cap = mk_capture_open_memory(raw, len, "big", 0, err);
	assert_non_null(cap);
	assert_int_equal(read_all(cap, NULL), npk + 1);
	mk_capture_close(cap);
	p = raw + len - MK_CAPTURE_MAX_CAPLEN - 8; /* last record's incl_len */
	p[0] = 1; /* 262145 */
	cap = mk_capture_open_memory(raw, len, "big", 0, err);
	assert_non_null(cap);
	assert_int_equal(read_all(cap, NULL), npk);
	assert_int_equal(count_warnings_with(cap, "claims 262145 captured bytes"), 1);
	mk_capture_close(cap);
	free(gz);
	free(raw);
}

/* Many damaged things: warnings are bounded. */
static void test_warnings_bounded(void **state)
{
	/* 20 unknown IDB tsresol values each warn; only MAX are kept. */
	size_t n = 20, len = 28 + n * 32;
	uint8_t *f = calloc(1, len);

	assert_non_null(f);
	memcpy(f, pcapng_multi, 28); /* SHB LE */
	for (size_t i = 0; i < n; i++) {
		uint8_t *b = f + 28 + i * 32;
		static const uint8_t idb[32] = {
			0x01, 0, 0, 0,    /* IDB */
			0x20, 0, 0, 0,    /* length 32 */
			0x01, 0, 0, 0,    /* Ethernet */
			0, 0, 0, 0,       /* snaplen */
			0x09, 0, 0x01, 0, /* if_tsresol */
			0x7f, 0, 0, 0,    /* 10^-127: unusable */
			0, 0, 0, 0,       /* end */
			0x20, 0, 0, 0,    /* trailing length */
		};
		memcpy(b, idb, 32);
	}
	char err[MK_CAPTURE_ERRLEN] = "";
	struct mk_capture *cap = mk_capture_open_memory(f, len, "w", 0, err);

	assert_non_null(cap);
	assert_int_equal(read_all(cap, NULL), 0);
	assert_int_equal(count_warnings_with(cap, ""), MK_CAPTURE_MAX_WARNINGS);
	mk_capture_close(cap);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_le_us),
		cmocka_unit_test(test_pcap_be_ns),
		cmocka_unit_test(test_pcap_kuznetzov),
		cmocka_unit_test(test_pcapng_multi),
		cmocka_unit_test(test_gzip_each),
		cmocka_unit_test(test_gzip_members),
		cmocka_unit_test(test_pcap_every_truncation),
		cmocka_unit_test(test_pcap_truncation_message),
		cmocka_unit_test(test_pcapng_every_truncation),
		cmocka_unit_test(test_gzip_every_truncation),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_spb_without_idb),
		cmocka_unit_test(test_tsresol),
		cmocka_unit_test(test_gzip_large),
		cmocka_unit_test(test_warnings_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

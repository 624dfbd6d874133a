/* file.c - opening capture files (read in large blocks, or in memory; plain or gzip),
 * recognising the format by content, and the classic pcap record reader.
 *
 * specification: draft-ietf-opsawg-pcap (the pcap capture file format),
 * sections 4 (file header) and 5 (packet record); libpcap's sf-pcap.c for the
 * nanosecond (a1b23c4d) and Kuznetzov (a1b2cd34, 24-byte record header) magics
 * and for caplen/len being swapped in files older than version 2.3.
 *
 * The file is hostile: every record is bounded by MK_CAPTURE_MAX_CAPLEN and by
 * the bytes that are really there.  A record that does not fit ends the file
 * with a warning naming its offset; the packets before it are kept.
 */
#include "mieruka/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_int.h"
#include "mieruka/rd.h"

#define PCAP_FILE_HDR 24u

static inline uint32_t rd32(struct mk_rd *rd, bool be)
{
	return be ? mk_rd_be32(rd) : mk_rd_le32(rd);
}

static inline uint16_t rd16(struct mk_rd *rd, bool be)
{
	return be ? mk_rd_be16(rd) : mk_rd_le16(rd);
}

/* One classic pcap record.  Inlined twice with a constant byte order so the
 * hot loop has no byte-order branches. */
static inline __attribute__((always_inline)) enum mk_capture_rc pcap_read(struct mk_capture *cap,
                                                                           struct mk_pkt *pkt, bool be)
{
	struct mk_cap_in *in = &cap->in;
	size_t hl = cap->rechdr;
	size_t avail = mk_cap_in_need(in, hl);
	struct mk_rd rd;
	uint32_t sec, frac, caplen, wirelen;

	if (avail == 0)
		return mk_cap_end(cap);
	if (avail < hl)
		return mk_cap_truncated(cap, "truncated packet record header at offset %llu (needs %zu bytes, %zu left)",
		                      (unsigned long long)mk_cap_in_off(in), hl, avail);
	mk_rd_init(&rd, mk_cap_in_cur(in), hl);
	sec = rd32(&rd, be);
	frac = rd32(&rd, be);
	caplen = rd32(&rd, be);
	wirelen = rd32(&rd, be);
	if (cap->maybe_swapped && caplen > wirelen) {
		uint32_t t = caplen;

		caplen = wirelen;
		wirelen = t;
	}
	if (caplen > MK_CAPTURE_MAX_CAPLEN)
		return mk_cap_damaged(cap,
		                      "packet record at offset %llu claims %lu captured bytes "
		                      "(more than the maximum %u)",
		                      (unsigned long long)mk_cap_in_off(in), (unsigned long)caplen,
		                      MK_CAPTURE_MAX_CAPLEN);
	if (avail < hl + caplen) {
		avail = mk_cap_in_need(in, hl + caplen);
		if (avail < hl + caplen)
			return mk_cap_truncated(cap,
			                      "truncated packet record at offset %llu (needs %zu bytes, %zu left)",
			                      (unsigned long long)mk_cap_in_off(in), hl + caplen, avail);
	}
	pkt->file_offset = mk_cap_in_off(in);
	pkt->data = mk_cap_in_cur(in) + hl;
	in->pos += hl + caplen;
	pkt->ts_ns = (uint64_t)sec * 1000000000u + (cap->nsec ? frac : (uint64_t)frac * 1000u);
	pkt->caplen = caplen;
	/* The on-wire length is trusted less: never below what was captured. */
	pkt->wirelen = wirelen > caplen ? wirelen : caplen;
	pkt->linktype = cap->linktype;
	pkt->ifindex = 0;
	pkt->file_index = cap->file_index;
	mk_cap_count(cap, pkt);
	return MK_CAP_PACKET;
}

static enum mk_capture_rc pcap_next_le(struct mk_capture *cap, struct mk_pkt *pkt)
{
	return pcap_read(cap, pkt, false);
}

static enum mk_capture_rc pcap_next_be(struct mk_capture *cap, struct mk_pkt *pkt)
{
	return pcap_read(cap, pkt, true);
}

bool mk_cap_pcap_start(struct mk_capture *cap)
{
	struct mk_cap_in *in = &cap->in;
	size_t avail = mk_cap_in_need(in, PCAP_FILE_HDR);
	struct mk_rd rd;
	uint32_t magic;
	uint16_t major, minor;

	if (avail < PCAP_FILE_HDR) {
		snprintf(cap->err, sizeof(cap->err),
		         "%s: truncated pcap file header (needs %u bytes, %zu present)", cap->name, PCAP_FILE_HDR,
		         avail);
		return false;
	}
	mk_rd_init(&rd, mk_cap_in_cur(in), PCAP_FILE_HDR);
	magic = mk_rd_le32(&rd);
	cap->rechdr = 16;
	switch (magic) {
	case 0xa1b2c3d4: /* microseconds, little-endian writer */
		break;
	case 0xd4c3b2a1:
		cap->be = true;
		break;
	case 0xa1b23c4d: /* nanoseconds */
		cap->nsec = true;
		break;
	case 0x4d3cb2a1:
		cap->nsec = true;
		cap->be = true;
		break;
	case 0xa1b2cd34: /* Kuznetzov: 8 more header bytes (ifindex, protocol, pkt_type, pad) */
		cap->rechdr = 24;
		break;
	case 0x34cdb2a1:
		cap->rechdr = 24;
		cap->be = true;
		break;
	default:
		snprintf(cap->err, sizeof(cap->err), "%s: not a pcap capture (magic %08lx)", cap->name,
		         (unsigned long)magic);
		return false;
	}
	major = rd16(&rd, cap->be);
	minor = rd16(&rd, cap->be);
	mk_rd_skip(&rd, 4 + 4 + 4); /* thiszone (always 0 in practice), sigfigs, snaplen */
	cap->linktype = (uint16_t)(rd32(&rd, cap->be) & 0xffffu); /* upper bits: FCS length */
	if (major != 2 || minor > 4) {
		snprintf(cap->err, sizeof(cap->err),
		         "%s: unsupported pcap version %u.%u (versions 2.0 to 2.4 are read)", cap->name, major,
		         minor);
		return false;
	}
	cap->maybe_swapped = minor < 3;
	in->pos += PCAP_FILE_HDR;
	cap->next = cap->be ? pcap_next_be : pcap_next_le;
	return true;
}

/* Recognises the format of the window's first bytes and reads its header. */
static bool cap_detect(struct mk_capture *cap)
{
	struct mk_cap_in *in = &cap->in;
	size_t avail = mk_cap_in_need(in, 4);
	const uint8_t *b = mk_cap_in_cur(in);
	const char *how = in->gz ? " after gzip decompression" : "";

	if (avail < 4 && in->fail[0] != '\0') {
		snprintf(cap->err, sizeof(cap->err), "%s: %s", cap->name, in->fail);
		return false;
	}
	if (avail == 0) {
		snprintf(cap->err, sizeof(cap->err), "%s: empty%s (0 bytes), not a capture", cap->name, how);
		return false;
	}
	if (avail < 4) {
		snprintf(cap->err, sizeof(cap->err), "%s: too short to be a capture (%zu bytes%s)", cap->name,
		         avail, how);
		return false;
	}
	struct mk_rd rd;
	uint32_t magic;

	mk_rd_init(&rd, b, 4);
	magic = mk_rd_be32(&rd);
	mk_rd_init(&rd, b, 4); /* again, byte by byte for the message */
	uint8_t b0 = mk_rd_u8(&rd), b1 = mk_rd_u8(&rd), b2 = mk_rd_u8(&rd), b3 = mk_rd_u8(&rd);
	if (magic == 0x0a0d0d0a)
		return mk_cap_pcapng_start(cap);
	switch (magic) {
	case 0xa1b2c3d4: case 0xd4c3b2a1: case 0xa1b23c4d: case 0x4d3cb2a1: case 0xa1b2cd34: case 0x34cdb2a1:
		return mk_cap_pcap_start(cap);
	default:
		break;
	}
	if (in->fail[0] != '\0') {
		snprintf(cap->err, sizeof(cap->err), "%s: %s", cap->name, in->fail);
		return false;
	}
	snprintf(cap->err, sizeof(cap->err), "%s: not a pcap or pcapng capture (first bytes%s %02x %02x %02x %02x)",
	         cap->name, how, b0, b1, b2, b3);
	return false;
}

static struct mk_capture *cap_finish_open(struct mk_capture *cap, char err[MK_CAPTURE_ERRLEN])
{
	if (!cap_detect(cap)) {
		snprintf(err, MK_CAPTURE_ERRLEN, "%s", cap->err);
		mk_capture_close(cap);
		return NULL;
	}
	return cap;
}

struct mk_capture *mk_capture_open_memory(const void *buf, size_t len, const char *name, uint32_t file_index,
                                          char err[MK_CAPTURE_ERRLEN])
{
	struct mk_capture *cap = mk_cap_alloc(MK_CAP_FMT_PCAP, name, file_index);

	if (cap == NULL) {
		snprintf(err, MK_CAPTURE_ERRLEN, "%s: out of memory", name != NULL ? name : "(capture)");
		return NULL;
	}
	if (!mk_cap_in_start_mem(&cap->in, buf, buf != NULL ? len : 0, err, MK_CAPTURE_ERRLEN, cap->name)) {
		mk_capture_close(cap);
		return NULL;
	}
	return cap_finish_open(cap, err);
}

struct mk_capture *mk_capture_open_file(const char *path, uint32_t file_index, char err[MK_CAPTURE_ERRLEN])
{
	struct mk_capture *cap;
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, MK_CAPTURE_ERRLEN, "%s: cannot open (%s)", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) != 0) {
		snprintf(err, MK_CAPTURE_ERRLEN, "%s: cannot examine (%s)", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, MK_CAPTURE_ERRLEN, "%s: is a directory, not a capture file", path);
		close(fd);
		return NULL;
	}
	if (S_ISREG(sb.st_mode) && sb.st_size == 0) {
		snprintf(err, MK_CAPTURE_ERRLEN, "%s: empty file (0 bytes), not a capture", path);
		close(fd);
		return NULL;
	}
	cap = mk_cap_alloc(MK_CAP_FMT_PCAP, path, file_index);
	if (cap == NULL) {
		snprintf(err, MK_CAPTURE_ERRLEN, "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	/* read() into one reused 1 MiB buffer is the default: measured on a
	 * 500 MB capture it costs a quarter of the CPU time of walking an mmap'ed
	 * file (whose cost is TLB misses and page faults, worst under
	 * virtualisation) and of libpcap's loop; the kernel copy is cheap and the
	 * buffer stays in cache.  MIERUKA_CAPTURE_MMAP=1 maps plain files instead
	 * (zero copy) to re-measure on other hardware.  For a plain regular file
	 * the read() calls run on a read-ahead thread (input.c);
	 * MIERUKA_CAPTURE_THREAD=0 makes this thread call read() itself. */
	if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size <= SIZE_MAX && getenv("MIERUKA_CAPTURE_MMAP") != NULL) {
		size_t size = (size_t)sb.st_size;
		void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (map != MAP_FAILED) {
			/* Read once, front to back: let the kernel read ahead. */
			madvise(map, size, MADV_SEQUENTIAL);
			close(fd);
			cap->in.map = map;
			cap->in.map_len = size;
			if (!mk_cap_in_start_mem(&cap->in, map, size, err, MK_CAPTURE_ERRLEN, path)) {
				mk_capture_close(cap);
				return NULL;
			}
			return cap_finish_open(cap, err);
		}
	}
	if (S_ISREG(sb.st_mode))
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (!mk_cap_in_start_fd(&cap->in, fd, S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0, err,
	                        MK_CAPTURE_ERRLEN, path)) {
		mk_capture_close(cap);
		return NULL;
	}
	return cap_finish_open(cap, err);
}

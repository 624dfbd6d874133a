/* fuzz_capture.c - libFuzzer target for the capture-file reader: the input is
 * a whole capture file (pcap, pcapng, or gzip of either).  It is read to its
 * end twice - from memory (mk_capture_open_memory) and as a file through the
 * read()/inflate refill path (a memfd opened by name) - and both readings must
 * agree on the packets, the bytes and the warnings. */
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mieruka/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct result {
	bool opened;
	uint64_t packets, bytes, sum;
	size_t warnings;
};

static void read_capture(struct mk_capture *cap, struct result *r)
{
	struct mk_pkt pkt;
	uint64_t done, total;
	const char *const *warn;

	r->opened = true;
	/* Bounded: a capture cannot hold more than one packet per 12 input
	 * bytes after decompression; 2^32 is far beyond any fuzz input. */
	for (uint64_t n = 0; n < (UINT64_C(1) << 32); n++) {
		if (mk_capture_next(cap, &pkt) != MK_CAP_PACKET)
			break;
		if (pkt.caplen > MK_CAPTURE_MAX_CAPLEN || pkt.wirelen < pkt.caplen)
			abort();
		/* Touch the first and last byte: ASan checks the bounds. */
		if (pkt.caplen > 0)
			r->sum += pkt.data[0] + 3u * pkt.data[pkt.caplen - 1] + pkt.ts_ns + pkt.file_offset;
	}
	mk_capture_progress(cap, &done, &total);
	if (done > total)
		abort();
	r->warnings = mk_capture_warnings(cap, &warn);
	for (size_t i = 0; i < r->warnings; i++)
		r->sum += strlen(warn[i]) > 0;
	r->packets = mk_capture_stats(cap)->packets;
	r->bytes = mk_capture_stats(cap)->bytes;
	mk_capture_close(cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[MK_CAPTURE_ERRLEN], path[64];
	struct result a = { 0 }, b = { 0 };
	struct mk_capture *cap = mk_capture_open_memory(data, size, "fuzz", 0, err);
	int fd;

	if (cap != NULL)
		read_capture(cap, &a);
	else if (strlen(err) == 0)
		abort(); /* a failed open always says why */

	fd = memfd_create("fuzz_capture", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cap = mk_capture_open_file(path, 0, err);
	if (cap != NULL)
		read_capture(cap, &b);
	close(fd);
	/* Memory and file readings see the same bytes: same verdict.  (An empty
	 * input is refused by both, with different words.) */
	if (a.opened != b.opened || a.packets != b.packets || a.bytes != b.bytes || a.sum != b.sum ||
	    a.warnings != b.warnings)
		abort();
	return 0;
}

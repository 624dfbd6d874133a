/* capread.c - capture-reader speed check: reads every packet of each file with
 * mk_capture_next() and prints the same counters as shared/bench/pcount.c (the
 * plain libpcap pcap_next_ex loop), so the two can be timed on the same file:
 *
 *   cc -O2 -D_GNU_SOURCE -Iinclude -Isrc bench/capread.c src/capture/\*.c -lpcap -lz -o capread
 *   time ./capread big.pcap ; time pcount big.pcap
 *
 * Build without sanitizers: this measures the reader, not the checks. */
#include <stdio.h>

#include "mieruka/capture.h"

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: capread CAPTURE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		char err[MK_CAPTURE_ERRLEN];
		struct mk_capture *cap = mk_capture_open_file(argv[i], (uint32_t)(i - 1), err);
		struct mk_pkt pkt;
		uint64_t pk = 0, by = 0, cl = 0;
		const char *const *warn;

		if (cap == NULL) {
			fprintf(stderr, "%s\n", err);
			status = 1;
			continue;
		}
		while (mk_capture_next(cap, &pkt) == MK_CAP_PACKET) {
			pk++;
			by += pkt.wirelen;
			cl += pkt.caplen;
		}
		for (size_t k = 0, n = mk_capture_warnings(cap, &warn); k < n; k++)
			fprintf(stderr, "warning: %s\n", warn[k]);
		printf("packets=%llu bytes=%llu caplen_bytes=%llu\n", (unsigned long long)pk,
		       (unsigned long long)by, (unsigned long long)cl);
		mk_capture_close(cap);
	}
	return status;
}

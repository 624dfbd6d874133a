/* capture.h - packets in: capture files (pcap, pcapng, gzip) and live interfaces.
 *
 * src/capture/ is the only code that includes <pcap.h>, and only for live
 * capture: files are read by our own reader (read or inflated in large
 * blocks), which treats its input as hostile, bounds every record by the file
 * and by a maximum snap length, and stops at the first damaged record with a
 * warning that names the file offset and the reason.
 *
 * Live capture is passive: the handle is opened for reading only, in promiscuous
 * mode, and no function here can transmit.
 */
#ifndef MIERUKA_CAPTURE_H
#define MIERUKA_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/pkt.h"

#define MK_CAPTURE_ERRLEN 512
#define MK_CAPTURE_MAX_WARNINGS 8
#define MK_CAPTURE_MAX_LINKTYPES 8
/* Largest captured length accepted for one packet (libpcap's own maximum):
 * a record claiming more is treated as damage, not as a packet. */
#define MK_CAPTURE_MAX_CAPLEN (256u * 1024u)

enum mk_capture_rc {
	MK_CAP_EOF = 0,      /* no more packets (a damaged tail ends here too: see warnings) */
	MK_CAP_PACKET = 1,   /* *pkt filled; its data is valid until the next call */
	MK_CAP_AGAIN = 2,    /* live: no packet within the poll interval */
	MK_CAP_ERROR = -1,   /* unusable input; mk_capture_error() says why */
};

struct mk_capture_stats {
	uint64_t packets;
	uint64_t bytes;          /* sum of the on-wire lengths */
	uint64_t first_ns, last_ns; /* earliest and latest packet time (0 before any packet) */
	uint16_t linktypes[MK_CAPTURE_MAX_LINKTYPES];
	uint8_t n_linktypes;
	uint64_t dropped;        /* live: dropped by the kernel */
};

struct mk_capture;

/* Opens a pcap or pcapng file, plain or gzip-compressed (detected by content,
 * not by name).  Returns NULL with a message naming the file and the reason in
 * err: missing, unreadable, not a capture, unsupported version. */
struct mk_capture *mk_capture_open_file(const char *path, uint32_t file_index,
                                        char err[MK_CAPTURE_ERRLEN]);

/* Like mk_capture_open_file() for a capture held in memory (plain or gzip).
 * The buffer is borrowed: it must stay valid and unchanged until
 * mk_capture_close().  name is used in messages (copied). */
struct mk_capture *mk_capture_open_memory(const void *buf, size_t len, const char *name,
                                          uint32_t file_index, char err[MK_CAPTURE_ERRLEN]);

/* Opens a live interface, promiscuous, read-only.  snaplen 0 = 65535. */
struct mk_capture *mk_capture_open_live(const char *iface, uint32_t snaplen,
                                        char err[MK_CAPTURE_ERRLEN]);

/* Reads the next packet.  Time-stamps are normalised to ns; pcapng interface
 * link types and time resolutions are applied per packet. */
enum mk_capture_rc mk_capture_next(struct mk_capture *cap, struct mk_pkt *pkt);

/* Makes a blocked live mk_capture_next() return soon (safe from a signal handler). */
void mk_capture_break(struct mk_capture *cap);

const char *mk_capture_error(const struct mk_capture *cap);
/* Warnings so far (damaged tail, unknown block types skipped...), at most MAX. */
size_t mk_capture_warnings(const struct mk_capture *cap, const char *const **out);
const struct mk_capture_stats *mk_capture_stats(const struct mk_capture *cap);
/* For a progress bar: input bytes consumed and the input's size (0 if unknown). */
void mk_capture_progress(const struct mk_capture *cap, uint64_t *done, uint64_t *total);
void mk_capture_close(struct mk_capture *cap);

#endif /* MIERUKA_CAPTURE_H */

/* ledger.h - the change ledger (変更履歴) and maintenance windows.
 *
 * The change ledger records every program, parameter, firmware, mode (run/
 * stop) and access-protection operation on a controller: when (first and
 * last time), from which device to which, over which protocol, what, how
 * often, the result when the protocol tells it, and whether it happened
 * inside a maintenance window.  A burst of identical requests is one entry
 * with a count (src/detect/ledger.c).
 *
 * A maintenance window is planned work a person recorded (mieruka
 * maintenance add): a time range, the devices it covers (none listed = every
 * device), the vendor doing it and a note.  Alerts and ledger entries inside a
 * window are labelled planned (src/detect/maintenance.c).
 *
 * The detector produces change records, the store keeps them (table changes)
 * and the windows (table maintenance_windows), the reports print them.
 * Records are fixed-size: no heap, copied by assignment.
 */
#ifndef MIERUKA_LEDGER_H
#define MIERUKA_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/addr.h"

#define MK_CHANGE_ID_LEN 24     /* "ch-" + 16 hex digits */
#define MK_CHANGE_DETAIL_LEN 48 /* the operation detail, sanitized */

/* One ledger entry: identical operations (same client, server, protocol,
 * class, detail and window) whose occurrences follow each other within the
 * ledger gap (data/rules/detect.tsv ledger_gap_s). */
struct mk_change_rec {
	char id[MK_CHANGE_ID_LEN];     /* stable once created */
	struct mk_addr client, server; /* requester and controller (IP, or MAC for L2) */
	uint16_t proto;                /* enum mk_proto_id */
	uint8_t op;                    /* enum mk_op_class */
	char detail[MK_CHANGE_DETAIL_LEN];
	uint64_t first_ns, last_ns, count;
	uint64_t ok, failed; /* answers seen; both 0: the result is unknown */
	uint32_t window;     /* maintenance window id, 0 = not planned */
};

/* "ok" (only successful answers seen), "error" (only failures), "mixed", or
 * "unknown" (the protocol's answers are not read). */
const char *mk_change_result(const struct mk_change_rec *c);

#define MK_WINDOW_MAX_DEVICES 32
#define MK_WINDOW_TEXT_LEN 256

/* A maintenance window.  Its time range includes both ends. */
struct mk_window_rec {
	uint32_t id;               /* given by the store; 0 before it is stored */
	uint64_t start_ns, end_ns; /* UTC, ns since 1970; start < end */
	uint64_t created_ns;       /* when it was recorded (wall clock) */
	struct mk_addr devices[MK_WINDOW_MAX_DEVICES];
	size_t n_devices; /* 0: every device */
	char vendor[MK_WINDOW_TEXT_LEN];
	char note[MK_WINDOW_TEXT_LEN];
};

/* Does window w cover an occurrence from first_ns to last_ns (both inside
 * the window's range) on a device with one of the addresses addrs[0..n)
 * (family NONE entries are skipped)?  A window without devices covers every
 * device. */
bool mk_window_covers(const struct mk_window_rec *w, uint64_t first_ns, uint64_t last_ns,
                      const struct mk_addr *addrs, size_t n);

/* The window of v[0..n) that covers the occurrence, 0 when none.  When
 * several do, one that names one of the devices wins over one for every
 * device, then the lowest id (the first recorded). */
uint32_t mk_window_match(const struct mk_window_rec *v, size_t n, uint64_t first_ns,
                         uint64_t last_ns, const struct mk_addr *addrs, size_t naddrs);

/* An alert inside window W has the subject of the same alert outside it
 * followed by " maint:W" ("maint:W" when that subject is empty): this cuts
 * the mark off in place.  Returns the window's id, 0 when there is none. */
uint32_t mk_window_subject_strip(char *subject);

/* Parses a time given by a person: RFC 3339 with an offset
 * ("2024-05-01T09:30:00+09:00", "2024-05-01 00:30:00Z", fractions allowed) or
 * "YYYY-MM-DD HH:MM" / "YYYY-MM-DD HH:MM:SS" / "YYYY-MM-DDTHH:MM" in the local
 * time of this machine (TZ).  Years 1970 to 9999.  0, or -1 when the text is
 * not such a time. */
int mk_time_parse(const char *text, uint64_t *ns);

#endif /* MIERUKA_LEDGER_H */

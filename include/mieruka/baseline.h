/* baseline.h - the learned normal picture of a network, as records the store
 * keeps (src/detect/baseline.c builds and judges it; docs/ARCHITECTURE.md,
 * "Detection").
 *
 * A baseline is a set of learned keys ("items") of a few kinds, plus one meta
 * record saying whether it is still learning or already judging.  Everything
 * is text keyed, so the database reads the same to every build and to people:
 *   device        asset id                         n0 longest silence seen while
 *                                                  learning (ns), n1 ticks in which
 *                                                  it was heard
 *   device        @address                         an endpoint of a learned
 *                                                  conversation (it may have sent
 *                                                  nothing while learning)
 *   conversation  client|server|transport|port|proto (addresses as text)
 *   protocol      asset id|server or client|proto
 *   operation     client|server|proto|op class     (never program, control,
 *                                                  firmware or auth: dangerous
 *                                                  operations are not learned)
 *   writer        client|proto                     the client wrote to a
 *                                                  controller protocol
 *   volume        asset id                         n0 largest bytes in one hour,
 *                                                  n1 sum of hourly bytes, n2 hours
 * Items are merged, never shrunk: first/last widen, numbers keep their maximum
 * (so a person's "accept" can only raise what is normal).
 */
#ifndef MIERUKA_BASELINE_H
#define MIERUKA_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/model.h"

enum mk_baseline_state {
	MK_BASELINE_NONE,     /* never learned: nothing to judge against */
	MK_BASELINE_LEARNING, /* collecting the normal picture; no deviation alerts */
	MK_BASELINE_JUDGING,  /* sealed: deviations raise alerts */
	MK_BASELINE_STATE_COUNT
};
const char *mk_baseline_state_name(unsigned st); /* "none" when out of range */
int mk_baseline_state_from_name(const char *name);

enum mk_baseline_kind {
	MK_BK_DEVICE,
	MK_BK_CONVERSATION,
	MK_BK_PROTOCOL,
	MK_BK_OPERATION,
	MK_BK_WRITER,
	MK_BK_VOLUME,
	MK_BK_COUNT
};
const char *mk_baseline_kind_name(unsigned kind); /* "device"; "unknown" out of range */
int mk_baseline_kind_from_name(const char *name);

#define MK_BASELINE_KEY_LEN 144
#define MK_BASELINE_SOURCE_LEN 16

struct mk_baseline_meta {
	uint8_t state;                       /* enum mk_baseline_state */
	char source[MK_BASELINE_SOURCE_LEN]; /* "learn_captures", "capture_start", "live" */
	uint64_t learn_start_ns;             /* packet time learning began (0 = not yet) */
	uint64_t learn_end_ns;               /* packet time it was sealed (0 while learning) */
};

struct mk_baseline_item {
	uint8_t kind; /* enum mk_baseline_kind */
	char key[MK_BASELINE_KEY_LEN];
	uint64_t first_ns, last_ns;
	uint64_t n[3];
	bool accepted; /* taught by a person (mieruka alerts accept), not learned */
};

/* The item an accepted alert teaches: 1 with *out filled, 0 when the alert's
 * type teaches nothing (dangerous operations, scans, ...: accepting closes
 * them, it never makes them normal). */
int mk_baseline_item_from_alert(const struct mk_alert_rec *a, struct mk_baseline_item *out);

#endif /* MIERUKA_BASELINE_H */

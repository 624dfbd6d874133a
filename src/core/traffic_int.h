/* traffic_int.h - packets and bytes per hour of packet time, counted by the
 * engine for the dashboard's "traffic over time" (src/core/traffic.c).
 *
 * Per packet: one compare against the hour being counted and two adds
 * (mk_traffic_packet, inline).  Only when a packet falls outside that hour
 * is the hour folded into a fixed hash table of hours (MK_TRAFFIC_MAX_HOURS
 * entries at most; packets of further hours are counted as dropped), so a
 * capture whose clock jumps back and forth costs one table probe per jump. */
#ifndef MIERUKA_CORE_TRAFFIC_INT_H
#define MIERUKA_CORE_TRAFFIC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mieruka/model.h"

#define MK_TRAFFIC_SLOTS 16384u /* power of two, > MK_TRAFFIC_MAX_HOURS / 0.6 */

struct mk_traffic_slot {
	uint64_t key; /* hour index (ns / MK_TRAFFIC_HOUR_NS) + 1; 0 = empty */
	uint64_t packets, bytes;
};

/* Zeroed is ready (the engine is calloc'd). */
struct mk_traffic {
	uint64_t cur_start;               /* start of the hour being counted (ns) */
	uint64_t cur_packets, cur_bytes;  /* its counts, not yet in slots */
	struct mk_traffic_slot *slots;    /* MK_TRAFFIC_SLOTS, allocated at the first fold */
	size_t used;                      /* slots holding an hour */
	uint64_t dropped_packets;         /* running total: no room for their hour */
};

/* The slow path: folds the current hour into the table and starts ts_ns's. */
void mk_traffic_switch(struct mk_traffic *t, uint64_t ts_ns);

static inline void mk_traffic_packet(struct mk_traffic *t, uint64_t ts_ns, uint32_t bytes)
{
	/* Unsigned: a packet before cur_start wraps to a huge difference. */
	if (ts_ns - t->cur_start >= MK_TRAFFIC_HOUR_NS)
		mk_traffic_switch(t, ts_ns);
	t->cur_packets++;
	t->cur_bytes += bytes;
}

/* Everything counted since the previous take, one record per hour ascending,
 * into *out (malloc'd; the caller frees it; NULL when there is none), and
 * forgets it.  Returns the count, or (size_t)-1 when out of memory (then
 * nothing is forgotten: the next take hands it). */
size_t mk_traffic_take(struct mk_traffic *t, struct mk_traffic_rec **out);

void mk_traffic_free(struct mk_traffic *t);

#endif /* MIERUKA_CORE_TRAFFIC_INT_H */

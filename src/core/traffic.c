/* traffic.c - packets and bytes per hour of packet time (see traffic_int.h).
 *
 * The engine counts every packet into the hour being counted; this file is
 * the slow path that runs when the hour changes (once per hour of packet
 * time in an ordered capture) and at each snapshot.  Hours are UTC hours;
 * Japan's offset is a whole number of hours, so they are local hours too. */
#include "core/traffic_int.h"

#include <stdlib.h>
#include <string.h>

static size_t slot_of(uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 50) & (MK_TRAFFIC_SLOTS - 1);
}

/* Adds the current hour's counts to its slot and zeroes them. */
static void fold(struct mk_traffic *t)
{
	uint64_t key = t->cur_start / MK_TRAFFIC_HOUR_NS + 1;
	size_t i;

	if (t->cur_packets == 0)
		return;
	if (t->slots == NULL)
		t->slots = calloc(MK_TRAFFIC_SLOTS, sizeof(*t->slots));
	if (t->slots == NULL) {
		t->dropped_packets += t->cur_packets;
		goto out;
	}
	/* At most MK_TRAFFIC_MAX_HOURS of the slots are used: a probe ends. */
	for (i = slot_of(key); t->slots[i].key != 0 && t->slots[i].key != key;
	     i = (i + 1) & (MK_TRAFFIC_SLOTS - 1))
		;
	if (t->slots[i].key == 0) {
		if (t->used >= MK_TRAFFIC_MAX_HOURS) {
			t->dropped_packets += t->cur_packets;
			goto out;
		}
		t->slots[i].key = key;
		t->used++;
	}
	t->slots[i].packets += t->cur_packets;
	t->slots[i].bytes += t->cur_bytes;
out:
	t->cur_packets = 0;
	t->cur_bytes = 0;
}

void mk_traffic_switch(struct mk_traffic *t, uint64_t ts_ns)
{
	fold(t);
	t->cur_start = ts_ns - ts_ns % MK_TRAFFIC_HOUR_NS;
}

static int rec_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct mk_traffic_rec *)a)->hour_ns;
	uint64_t y = ((const struct mk_traffic_rec *)b)->hour_ns;

	return x < y ? -1 : x > y;
}

size_t mk_traffic_take(struct mk_traffic *t, struct mk_traffic_rec **out)
{
	struct mk_traffic_rec *v;
	size_t n = 0;

	*out = NULL;
	fold(t);
	if (t->used == 0)
		return 0;
	v = malloc(t->used * sizeof(*v));
	if (v == NULL)
		return (size_t)-1;
	for (size_t i = 0; i < MK_TRAFFIC_SLOTS && n < t->used; i++)
		if (t->slots[i].key != 0) {
			v[n].hour_ns = (t->slots[i].key - 1) * MK_TRAFFIC_HOUR_NS;
			v[n].packets = t->slots[i].packets;
			v[n].bytes = t->slots[i].bytes;
			n++;
		}
	qsort(v, n, sizeof(*v), rec_cmp);
	memset(t->slots, 0, MK_TRAFFIC_SLOTS * sizeof(*t->slots));
	t->used = 0;
	*out = v;
	return n;
}

void mk_traffic_free(struct mk_traffic *t)
{
	free(t->slots);
	t->slots = NULL;
	t->used = 0;
}

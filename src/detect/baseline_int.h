/* baseline_int.h - the learned baseline inside the detector (src/detect;
 * tests include it).  The detector owns one struct mk_baseline; the engine
 * reaches it through the mk_detect_baseline_* functions of detect.h.
 *
 * Costs: nothing per packet.  Per snapshot O(assets + conversations) (an
 * address index is sorted once, O(n log n)); per tick O(inventory objects);
 * at sealing one inventory and conversation snapshot plus a walk of the flow
 * table.  Items and tracked devices are capped (detect.tsv); refusals are
 * counted (baseline.dropped, baseline.tracked_dropped). */
#ifndef MIERUKA_BASELINE_INT_H
#define MIERUKA_BASELINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/detect_int.h"
#include "mieruka/baseline.h"
#include "mieruka/inventory.h"
#include "mieruka/model.h"

struct mk_baseline;

struct mk_baseline_stats {
	uint64_t items_dropped;   /* learned keys refused by baseline_max_items */
	uint64_t tracked_dropped; /* devices not followed (baseline_max_tracked) */
};

struct mk_baseline *mk_baseline_new(const struct mk_detect_rules *r);
void mk_baseline_free(struct mk_baseline *b);

/* From the database (no dirty marks: they are stored already). */
void mk_baseline_load_meta(struct mk_baseline *b, const struct mk_baseline_meta *m);
int mk_baseline_load_item(struct mk_baseline *b, const struct mk_baseline_item *it);

/* Starts learning (or continues a learning period from the database).
 * hours > 0: the period ends by itself hours after it began (monitor);
 * 0: it ends when mk_baseline_seal is called. */
void mk_baseline_learn(struct mk_baseline *b, const char *source, uint32_t hours);
bool mk_baseline_seal_due(const struct mk_baseline *b, uint64_t now);
/* Ends learning at packet time now: from now on deviations are judged.
 * Records first seen up to now that a later snapshot of this run still finds
 * unlearned (flows that were open at sealing) are learned then, not judged. */
void mk_baseline_seal(struct mk_baseline *b, uint64_t now);

/* Learns from records: every asset (device, its protocols, its volume and
 * silence figures so far) and every conversation. */
void mk_baseline_learn_records(struct mk_baseline *b, const struct mk_asset_rec *assets,
                               size_t n_assets, const struct mk_conv_rec *convs, size_t n_convs);
/* One conversation (also an open flow's at sealing): the conversation, its
 * learnable operation classes, its writer. */
void mk_baseline_learn_conv(struct mk_baseline *b, const struct mk_conv_rec *c);

/* At every snapshot: learning learns the records, judging reports what is not
 * in the baseline (new_device, new_conversation, new_protocol, new_operation,
 * unauthorized_write) as derived findings. */
void mk_baseline_snapshot(struct mk_baseline *b, struct mk_detect *d,
                          const struct mk_asset_rec *assets, size_t n_assets,
                          const struct mk_conv_rec *convs, size_t n_convs);

/* The coarse tick: begin, one call per inventory object, end.  Keeps hourly
 * byte counts and silences per device; judging raises volume_anomaly and
 * device_silent. */
void mk_baseline_tick_begin(struct mk_baseline *b, uint64_t now);
void mk_baseline_tick_object(struct mk_baseline *b, struct mk_detect *d,
                             const struct mk_inventory_total *t);

const struct mk_baseline_meta *mk_baseline_meta(const struct mk_baseline *b);
size_t mk_baseline_count(const struct mk_baseline *b);
const struct mk_baseline_stats *mk_baseline_stats(const struct mk_baseline *b);
const struct mk_baseline_item *mk_baseline_find(const struct mk_baseline *b, unsigned kind,
                                                const char *key);
/* What changed since the previous export (the meta only when it changed):
 * the caller frees *meta and *items.  Returns the item count or (size_t)-1. */
size_t mk_baseline_export(struct mk_baseline *b, struct mk_baseline_meta **meta,
                          struct mk_baseline_item **items);

/* Keys (baseline.h); out has MK_BASELINE_KEY_LEN bytes.  Exposed for tests. */
void mk_baseline_key_conv(char *out, const struct mk_addr *client, const struct mk_addr *server,
                          uint8_t transport, uint16_t port, uint16_t proto);
void mk_baseline_key_protocol(char *out, const char *asset_id, bool server, uint16_t proto);
void mk_baseline_key_operation(char *out, const struct mk_addr *client,
                               const struct mk_addr *server, uint16_t proto, unsigned op);
void mk_baseline_key_writer(char *out, const struct mk_addr *client, uint16_t proto);
/* "@<address>": a device item for an address seen in a learned conversation. */
void mk_baseline_key_address(char *out, const struct mk_addr *a);
/* The id the inventory gives an object ("m-<hex>" or "i-<ip>"). */
void mk_baseline_asset_id(char out[MK_ASSET_ID_LEN], const struct mk_addr *key, bool by_mac);
/* Operation classes that can be learned: read, write, diagnostic, other. */
bool mk_baseline_op_learnable(unsigned op);

#endif /* MIERUKA_BASELINE_INT_H */

/* engine.h - the packet path, end to end: decode -> flow -> stream -> proto ->
 * facts -> inventory and conversations.  One engine per analysis; not thread
 * safe (one packet thread; the store writer runs beside it). */
#ifndef MIERUKA_ENGINE_H
#define MIERUKA_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "mieruka/decode.h"
#include "mieruka/detect.h"
#include "mieruka/flow.h"
#include "mieruka/inventory.h"
#include "mieruka/model.h"
#include "mieruka/pkt.h"
#include "mieruka/store.h"
#include "mieruka/stream.h"

struct mk_engine_config {
	struct mk_decode_limits decode;
	struct mk_flow_limits flow;
	struct mk_stream_limits stream;
	struct mk_inventory_limits inventory;
	struct mk_detect_limits detect;
	size_t max_conversations;
	unsigned max_probe_packets; /* payload packets a flow may take to be identified */
};
void mk_engine_config_default(struct mk_engine_config *cfg);

struct mk_engine;

/* Loads data files (ports, OUI, fingerprints) and validates the plug-ins.
 * NULL with a message in err on failure. */
struct mk_engine *mk_engine_new(const struct mk_engine_config *cfg, char *err, size_t errlen);
void mk_engine_free(struct mk_engine *eng);

/* Seeds from an earlier run (the database): callbacks for mk_store_ops.each_*. */
int mk_engine_load_asset(void *eng, const struct mk_asset_rec *rec);
int mk_engine_load_conv(void *eng, const struct mk_conv_rec *rec);
int mk_engine_load_alert(void *eng, const struct mk_alert_rec *rec);
int mk_engine_load_change(void *eng, const struct mk_change_rec *rec);
/* A maintenance window: load them before the first packet. */
int mk_engine_add_window(void *eng, const struct mk_window_rec *rec);
/* The zones of zone_violation (zones.h); the engine takes ownership. */
void mk_engine_set_zones(struct mk_engine *eng, struct mk_zones *z);

/* The detector, for its baseline functions (detect.h mk_detect_baseline_*). */
struct mk_detect *mk_engine_detector(struct mk_engine *eng);
/* Ends the baseline's learning now: learns the inventory, the conversations
 * and the open flows, then judges from here on.  No-op unless learning. */
void mk_engine_baseline_seal(struct mk_engine *eng);

/* One captured packet (capture fields filled). */
void mk_engine_packet(struct mk_engine *eng, struct mk_pkt *pkt);

/* Ends every flow (end of input). */
void mk_engine_finish(struct mk_engine *eng);

/* Fills b with the assets, conversations, alerts and the counters accumulated since the
 * previous snapshot (counters are deltas: the store adds them).  0 or -1. */
int mk_engine_snapshot(struct mk_engine *eng, struct mk_store_batch *b);

uint64_t mk_engine_packets(const struct mk_engine *eng);

#endif /* MIERUKA_ENGINE_H */

/* detect.h - turns observations into alerts (src/detect).
 *
 * The engine feeds the detector what the parsers concluded (operation and
 * anomaly facts, with their flow), ended flows, and ARP requests; at each
 * snapshot it hands over the asset and conversation records and receives the
 * alert records.  Alerts are aggregated: one per (type, client, server,
 * protocol, subject) with a count and first/last time, so 5,000 firmware
 * transfer requests make one alert with count 5000.  The number of alerts and
 * of tracked scan sources is capped; what the caps drop is counted.
 *
 * Everything that is knowledge lives in data files: alert texts and default
 * severities in data/rules/alerts.tsv, thresholds and lists in
 * data/rules/detect.tsv, controller protocols in data/rules/roles.tsv.
 *
 * Operations on controllers also go to the change ledger (ledger.h): program,
 * control, firmware and auth operations (the ones that alert) and the
 * parameter changes detect.tsv lists ("ledger" lines), aggregated per burst.
 * Maintenance windows (ledger.h) label what happens inside them as planned:
 * such occurrences make separate alerts (subject "maint:ID", status planned)
 * and ledger entries carrying the window's id.
 *
 * The learned baseline (include/mieruka/baseline.h, src/detect/baseline.c)
 * adds the deviation alerts: learning, sealing, judging at snapshots and at a
 * coarse packet-time tick; zone_violation works over the zones of zones.h.
 */
#ifndef MIERUKA_DETECT_H
#define MIERUKA_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/baseline.h"
#include "mieruka/flow.h"
#include "mieruka/inventory.h"
#include "mieruka/ledger.h"
#include "mieruka/model.h"
#include "mieruka/pkt.h"

struct mk_detect_limits {
	size_t max_alerts;       /* distinct alerts kept (default 10,000) */
	size_t max_scan_sources; /* sources tracked by the scan detector (default 4,096) */
	size_t max_changes;      /* change ledger entries held in memory (default 10,000) */
	size_t max_windows;      /* maintenance windows loaded (default 1,024) */
};
void mk_detect_limits_default(struct mk_detect_limits *lim);

struct mk_detect_stats {
	uint64_t alerts_dropped;       /* new alerts refused by the cap */
	uint64_t scan_sources_evicted; /* sources forgotten to make room */
	uint64_t windows_dropped;      /* maintenance windows beyond max_windows */
	uint64_t baseline_dropped;     /* learned keys refused by baseline_max_items */
	uint64_t baseline_alerts_dropped; /* new deviation alerts refused by baseline_max_alerts */
	uint64_t baseline_tracked_dropped; /* devices the volume/silence tick could not follow */
	/* src/detect/netwatch.c (caps in data/rules/detect.tsv) */
	uint64_t ipmac_evicted;           /* IPv4 -> MAC entries forgotten to make room */
	uint64_t dhcp_servers_dropped;    /* DHCP servers not tracked: table full */
	uint64_t lateral_sources_evicted; /* lateral-movement clients forgotten */
};

struct mk_detect;

/* Loads the rules.  Paths NULL = the data files (mk_data_path): rules/alerts.tsv,
 * rules/detect.tsv, rules/roles.tsv.  Malformed lines are skipped and counted in
 * err (a warning, not a failure); NULL with err only when alerts.tsv or
 * detect.tsv cannot be read or on ENOMEM. */
struct mk_detect *mk_detect_new(const struct mk_detect_limits *lim, const char *alerts_path,
                                const char *detect_path, const char *roles_path, char *err,
                                size_t errlen);
void mk_detect_free(struct mk_detect *d);

/* An operation fact (class op, detail text of len bytes, untrusted) of protocol
 * proto, parsed from bytes of direction dir of flow. */
/* Bit i set: operations of class i can raise an alert (their detail is read). */
uint32_t mk_detect_watched_ops(const struct mk_detect *d);
/* The same for one protocol: also the classes whose detail decides a ledger
 * entry (detect.tsv "ledger" lines of that protocol). */
uint32_t mk_detect_watched_ops_proto(const struct mk_detect *d, uint16_t proto);
void mk_detect_operation(struct mk_detect *d, const struct mk_flow *flow, int dir, uint16_t proto,
                         unsigned op, const char *detail, size_t len, uint64_t ts_ns);
/* An anomaly fact (stable event name) on flow (NULL: flowless; pkt gives the
 * addresses then). */
void mk_detect_anomaly(struct mk_detect *d, const struct mk_flow *flow, const struct mk_pkt *pkt,
                       int dir, uint16_t proto, const char *event, uint64_t ts_ns);
/* The answer to a request (a result fact: the request's class and detail,
 * untrusted text of len bytes): the change ledger counts it on the request's
 * entry. */
void mk_detect_result(struct mk_detect *d, const struct mk_flow *flow, uint16_t proto,
                      unsigned op, const char *detail, size_t len, bool ok, uint64_t ts_ns);
/* A flow left the flow table: the scan tracker looks at unanswered probes. */
void mk_detect_flow_ended(struct mk_detect *d, const struct mk_flow *flow);
/* A decoded ARP packet (host sweeps by ARP; IP -> MAC changes). O(1). */
void mk_detect_arp(struct mk_detect *d, const struct mk_pkt *pkt);
/* A decoded IPv6 neighbour discovery message (MK_L_NDP): IP -> MAC changes. O(1). */
void mk_detect_ndp(struct mk_detect *d, const struct mk_pkt *pkt);
/* Any other fact whose host is resolved (the engine passes attribute facts):
 * the detectors take what they watch (DHCP server replies) and ignore the
 * rest in O(1). */
void mk_detect_fact(struct mk_detect *d, const struct mk_fact *fact, const struct mk_pkt *pkt);
/* IEEE vendor names for evidence (borrowed; must outlive d).  Optional. */
struct mk_oui;
void mk_detect_set_oui(struct mk_detect *d, const struct mk_oui *oui);

/* The zones and conduits of zone_violation (zones.h); takes ownership of z
 * (NULL or an empty set: no zone check, at no cost).  Alerts already loaded
 * keep the zones they name. */
struct mk_zones;
void mk_detect_set_zones(struct mk_detect *d, struct mk_zones *z);

/* Seeds with an alert of an earlier run: later occurrences add to its count. */
void mk_detect_load(struct mk_detect *d, const struct mk_alert_rec *rec);

/* Runs the end-of-analysis detectors over the records (remote access, control
 * assets reaching the internet, inbound connections from the internet) and
 * copies every alert out with rendered texts.  The caller frees *out with
 * mk_alert_rec_clear on each and free().  Returns the count or (size_t)-1. */
size_t mk_detect_snapshot(struct mk_detect *d, const struct mk_asset_rec *assets, size_t n_assets,
                          const struct mk_conv_rec *convs, size_t n_convs,
                          struct mk_alert_rec **out);

/* A maintenance window (from the database, before the packets): occurrences
 * inside it are labelled planned.  Beyond max_windows, counted and ignored. */
void mk_detect_add_window(struct mk_detect *d, const struct mk_window_rec *w);
/* Seeds the ledger with an entry of an earlier run. */
void mk_detect_load_change(struct mk_detect *d, const struct mk_change_rec *rec);
/* The ledger entries changed since the previous call (*out malloc'd, caller
 * frees).  Returns the count or (size_t)-1. */
size_t mk_detect_changes(struct mk_detect *d, struct mk_change_rec **out);
/* Occurrences the ledger's cap refused. */
uint64_t mk_detect_changes_dropped(const struct mk_detect *d);

const struct mk_detect_stats *mk_detect_stats(const struct mk_detect *d);

/* ---- the baseline (docs/ARCHITECTURE.md "Detection"; baseline.h) ---- */
/* From the database, before the first packet. */
void mk_detect_baseline_load_meta(struct mk_detect *d, const struct mk_baseline_meta *m);
int mk_detect_baseline_load_item(void *d, const struct mk_baseline_item *item); /* mk_baseline_cb */
/* Starts or continues learning (source "learn_captures", "capture_start",
 * "live"); hours > 0 ends it by itself that long after it began. */
void mk_detect_baseline_learn(struct mk_detect *d, const char *source, uint32_t hours);
bool mk_detect_baseline_seal_due(const struct mk_detect *d, uint64_t now);
/* Learns the records (and the open flows through learn_conv before), then
 * ends learning at packet time now. */
void mk_detect_baseline_learn_records(struct mk_detect *d, const struct mk_asset_rec *assets,
                                      size_t n_assets, const struct mk_conv_rec *convs,
                                      size_t n_convs);
void mk_detect_baseline_learn_conv(struct mk_detect *d, const struct mk_conv_rec *c);
void mk_detect_baseline_seal(struct mk_detect *d, uint64_t now);
const struct mk_baseline_meta *mk_detect_baseline_meta(const struct mk_detect *d);
size_t mk_detect_baseline_count(const struct mk_detect *d);
/* What changed since the previous call, for the store (caller frees both). */
size_t mk_detect_baseline_export(struct mk_detect *d, struct mk_baseline_meta **meta,
                                 struct mk_baseline_item **items);
/* detect.tsv figures the callers need: tick interval (s), share of the input
 * learned when analyze finds no baseline (%), live learning period (h). */
uint32_t mk_detect_tick_s(const struct mk_detect *d);
uint32_t mk_detect_learn_percent(const struct mk_detect *d);
uint32_t mk_detect_learn_live_hours(const struct mk_detect *d);
/* The coarse tick: begin at packet time now, then one call per inventory
 * object (an mk_inventory_total_cb). */
void mk_detect_tick_begin(struct mk_detect *d, uint64_t now);
void mk_detect_tick_object(void *d, const struct mk_inventory_total *t);
size_t mk_detect_count(const struct mk_detect *d);

/* Renders tmpl into out (at most outlen-1 bytes, never cutting a UTF-8
 * character), replacing {name} by the value of name in names[]/values[];
 * unknown placeholders stay as written.  Exposed for tests. */
void mk_detect_render(char *out, size_t outlen, const char *tmpl, const char *const *names,
                      const char *const *values, size_t n);

#endif /* MIERUKA_DETECT_H */

/* report.h - what `analyze` shows: terminal tables, the JSON document of
 * interface.md, and CSV files for Excel.  Reports read records only (model.h):
 * they never see packets. */
#ifndef MIERUKA_REPORT_H
#define MIERUKA_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mieruka/ledger.h"
#include "mieruka/model.h"

struct mk_json;
#include "mieruka/baseline.h"
#include "mieruka/model.h"

struct mk_zones;

struct mk_report {
	struct mk_capture_rec *captures;
	size_t n_captures;
	struct mk_asset_rec *assets;
	size_t n_assets;
	struct mk_conv_rec *convs;
	size_t n_convs;
	struct mk_counter_rec *counters;
	size_t n_counters;
	struct mk_alert_rec *alerts;   /* in the store's order: first time, then id */
	size_t n_alerts;
	struct mk_change_rec *changes; /* the change ledger, by first time, then id */
	size_t n_changes;
	struct mk_window_rec *windows; /* maintenance windows, by id */
	size_t n_windows;
	/* Zones (zones.h), an extension: NULL when none are defined.  asset_zone
	 * holds each asset's zone index (-1: none), or is NULL. */
	struct mk_zones *zones;
	int *asset_zone;
	struct mk_baseline_meta baseline; /* state NONE when the database has none */
	size_t n_baseline_items;
	struct mk_traffic_rec *traffic; /* per hour, oldest first (extension) */
	size_t n_traffic;
};
/* Gives r the zones (ownership: r frees them with asset_zone) and works out
 * each asset's zone.  An empty set or NULL leaves r without zones.  0, or -1
 * on ENOMEM (r is then without zones, z freed). */
int mk_report_set_zones(struct mk_report *r, struct mk_zones *z);
/* The zone id and name of assets[i]; false when it is in no zone. */
bool mk_report_asset_zone(const struct mk_report *r, size_t i, const char **id,
                          const char **name);

/* The interface.md document ("schema": "mieruka/1"). Returns 0 or -1 (I/O). */
int mk_report_json(FILE *f, const struct mk_report *r);
/* Asset ids and communication indexes an alert refers to: the assets holding
 * its client/server address and the conversations between them (either
 * direction; same protocol when the alert has one).  At most max of each;
 * returns the counts through n_assets / n_convs.  A helper for the outputs. */
struct mk_report_index;
struct mk_report_index *mk_report_index_new(const struct mk_report *r);
void mk_report_index_free(struct mk_report_index *ix);
void mk_report_alert_refs(const struct mk_report_index *ix, const struct mk_report *r,
                          const struct mk_alert_rec *a, size_t *assets, size_t *n_assets,
                          size_t *convs, size_t *n_convs, size_t max);
/* The index in r->assets of the asset holding address a (IP or MAC), or
 * (size_t)-1. */
size_t mk_report_asset_of(const struct mk_report_index *ix, const struct mk_addr *a);
/* One ALERT object of interface.md (with its extensions) as the next value of
 * j: the document's "alerts" and the alert stream's JSON lines share it.
 * event non-NULL adds the stream's "event" member at the end. */
struct mk_json;
void mk_report_json_alert(struct mk_json *j, const struct mk_report *r,
                          const struct mk_report_index *ix, const struct mk_alert_rec *a,
                          const char *event);

/* One ASSET (r->assets[i], with its zone), COMM or capture object of the
 * document as the next value of j (the web API writes the same objects). */
void mk_report_json_asset(struct mk_json *j, const struct mk_report *r, size_t i);
void mk_report_json_conv(struct mk_json *j, const struct mk_conv_rec *c);
void mk_report_json_capture(struct mk_json *j, const struct mk_capture_rec *c);

/* One {"t": TIME, "packets", "bytes"} object of the document's "traffic"
 * (the web API's overview writes the same). */
void mk_report_json_traffic(struct mk_json *j, const struct mk_traffic_rec *t);

/* One maintenance window object of the document's "maintenance_windows". */
void mk_report_json_window(struct mk_json *j, const struct mk_window_rec *w);
/* The change ledger's JSON objects (the document's "changes" array holds
 * them; `mieruka changes --json` too): id, first_seen, last_seen, client,
 * server, assets, client_asset, server_asset, protocol, operation, detail,
 * count, result, planned (window id or null). */
void mk_report_json_change(struct mk_json *j, const struct mk_report *r,
                           const struct mk_report_index *ix, const struct mk_change_rec *c);
/* changes.csv rows into f (BOM and header included), only the entries keep()
 * accepts (NULL: all). */
void mk_report_csv_changes(FILE *f, const struct mk_report *r,
                           bool (*keep)(const struct mk_change_rec *c, void *ctx), void *ctx);
/* Maintenance windows as a terminal table (id, from, to in local time,
 * devices, vendor, note). */
void mk_report_text_windows(FILE *f, const struct mk_window_rec *v, size_t n);
/* The ledger as a terminal table (current language), at most max_rows rows,
 * only the entries keep() accepts (NULL: all); returns the rows shown. */
size_t mk_report_text_changes(FILE *f, const struct mk_report *r,
                              bool (*keep)(const struct mk_change_rec *c, void *ctx), void *ctx,
                              size_t max_rows);

/* assets.csv, communications.csv, captures.csv, alerts.csv, changes.csv in dir (created if missing),
 * UTF-8 with BOM, CRLF, RFC 4180 quoting, cells starting with = + - @ TAB CR
 * prefixed with an apostrophe (formula injection).  The header row holds
 * stable English column ids (never translated; see src/report/csv.c).
 * Returns 0 or -1 with a message in err. */
int mk_report_csv(const char *dir, const struct mk_report *r, char *err, size_t errlen);
/* Human summary for a terminal, in the current language (mk_msg keys
 * report.*, role.*, op.* of data/i18n/messages.tsv); each table shows at most
 * max_rows rows. */
void mk_report_text(FILE *f, const struct mk_report *r, size_t max_rows);

/* One CSV record of fields[0..n) with the rules above (quoting, CRLF, the
 * formula guard, U+FFFD for invalid UTF-8); NULL is an empty field. */
void mk_report_csv_row(FILE *f, const char *const *fields, size_t n);
/* mkdir -p dir; 0, or -1 with a message in err. */
int mk_report_csv_mkdir(const char *dir, char *err, size_t errlen);

#endif /* MIERUKA_REPORT_H */

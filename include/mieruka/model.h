/* model.h - the records that leave the packet path: assets, conversations,
 * captures.  The inventory produces them, the store persists and loads them,
 * reports print them.  All strings are heap-owned by the record; free a record
 * with its mk_*_rec_clear().
 */
#ifndef MIERUKA_MODEL_H
#define MIERUKA_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/addr.h"
#include "mieruka/facts.h"

#define MK_ASSET_ID_LEN 48
#define MK_ASSET_MAX_VLANS 4 /* VLAN ids kept per asset */
#define MK_PROTO_SET_WORDS ((MK_PROTO_COUNT + 63) / 64)

struct mk_proto_set {
	uint64_t bits[MK_PROTO_SET_WORDS];
};
void mk_proto_set_add(struct mk_proto_set *set, unsigned id);
bool mk_proto_set_has(const struct mk_proto_set *set, unsigned id);

struct mk_name_rec {
	char *name;
	uint16_t source;          /* enum mk_proto_id that announced it */
};

struct mk_role_rec {
	uint8_t role;             /* enum mk_role */
	uint8_t confidence;       /* 0..100 */
	char **reasons;           /* English reason sentences */
	size_t n_reasons;
};

struct mk_attr_rec {
	char *key, *value;
	uint16_t source;
};

struct mk_identity_rec {
	char *vendor, *product, *model, *firmware, *serial;
	uint16_t source;          /* enum mk_proto_id */
};

struct mk_asset_rec {
	char id[MK_ASSET_ID_LEN];  /* "m-001b1b123456" (by MAC) or "i-10.1.2.3" (by IP) */
	struct mk_addr mac;        /* family NONE when keyed by IP */
	struct mk_addr *ips;
	size_t n_ips;
	char *vendor;              /* OUI organisation */
	struct mk_name_rec *names;
	size_t n_names;
	struct mk_role_rec *roles; /* highest confidence first */
	size_t n_roles;
	struct mk_proto_set server, client;
	struct mk_identity_rec *identity; /* NULL when none */
	char *os;
	uint8_t os_confidence;
	struct mk_attr_rec *attrs;
	size_t n_attrs;
	uint64_t first_ns, last_ns, packets, bytes;
	/* 802.1Q VLAN ids the device sent from (the innermost tag, as flows
	 * key them; ascending; MAC assets only): at most MK_ASSET_MAX_VLANS. */
	uint16_t vlans[MK_ASSET_MAX_VLANS];
	uint8_t n_vlans;
};
void mk_asset_rec_clear(struct mk_asset_rec *rec);

struct mk_conv_rec {
	struct mk_addr client, server; /* IP, or MAC for L2 */
	uint8_t transport;             /* 6, 17, or 0 for l2 */
	uint16_t port;                 /* server port; 0 for l2 */
	uint16_t proto;                /* enum mk_proto_id */
	uint64_t packets, bytes, first_ns, last_ns;
	uint64_t ops[MK_OP_COUNT];
	uint64_t flows;                /* connections/flows folded into this record */
};

struct mk_capture_rec {
	char *file;
	uint64_t packets, bytes, first_ns, last_ns;
	uint16_t linktypes[8];
	uint8_t n_linktypes;
	char **warnings;
	size_t n_warnings;
};
void mk_capture_rec_clear(struct mk_capture_rec *rec);

/* Traffic per hour of packet time: every packet the engine saw (decoded or
 * not, any protocol) and its bytes on the wire, as the captures count them.
 * The engine hands what it counted since its previous snapshot; the store
 * adds it to the hour's row and keeps the latest MK_TRAFFIC_MAX_HOURS hours
 * (src/core/traffic.c, src/store/sqlite_traffic.c). */
#define MK_TRAFFIC_HOUR_NS 3600000000000ull
#define MK_TRAFFIC_MAX_HOURS (24u * 400u) /* about 400 days of hours */
struct mk_traffic_rec {
	uint64_t hour_ns; /* start of the UTC hour, ns since the Unix epoch */
	uint64_t packets, bytes;
};

/* Alert severities of interface.md, ascending. */
enum mk_severity {
	MK_SEV_INFO,
	MK_SEV_LOW,
	MK_SEV_MEDIUM,
	MK_SEV_HIGH,
	MK_SEV_CRITICAL,
	MK_SEV_COUNT,
};
const char *mk_severity_name(unsigned sev);   /* "critical"; "info" when out of range */
int mk_severity_from_name(const char *name);  /* -1 when not a severity */

#define MK_ALERT_ID_LEN 24       /* "al-" + 16 hex digits */
#define MK_ALERT_TYPE_LEN 32     /* stable type id of interface.md */
#define MK_ALERT_SUBJECT_LEN 48  /* extra key part: an anomaly event name, or "" */
#define MK_ALERT_MAX_EVIDENCE 12

/* Where an alert stands.  The detector produces OPEN (or PLANNED when every
 * occurrence lies inside a maintenance window); ACKNOWLEDGED and ACCEPTED are
 * set by a person (mieruka alerts, the dashboard) and survive later runs: the
 * store never lets the detector overwrite them.  ACCEPTED means "this is
 * normal here" and teaches the baseline. */
enum mk_alert_status {
	MK_ALERT_OPEN,
	MK_ALERT_ACKNOWLEDGED,
	MK_ALERT_PLANNED,
	MK_ALERT_ACCEPTED,
	MK_ALERT_STATUS_COUNT
};
const char *mk_alert_status_name(unsigned st);    /* "open"; "open" when out of range */
int mk_alert_status_from_name(const char *name); /* -1 when not a status */

/* One piece of evidence: a name and its value as text (numbers in decimal). */
struct mk_evidence_rec {
	char *key, *value;
};

/* An aggregated alert: one record per (type, client, server, protocol,
 * subject), with a count and the first/last time it was seen.  The rendered
 * texts are produced by src/detect from data/rules/alerts.tsv. */
struct mk_alert_rec {
	char id[MK_ALERT_ID_LEN];       /* stable: a hash of the key fields */
	char type[MK_ALERT_TYPE_LEN];
	char subject[MK_ALERT_SUBJECT_LEN];
	uint8_t severity;               /* enum mk_severity */
	uint8_t status;                 /* enum mk_alert_status */
	struct mk_addr client, server;  /* requester/source and target (IP, or MAC for L2);
	                                   family NONE when not applicable */
	uint8_t transport;              /* 6, 17, 0 (l2 or not applicable) */
	uint16_t port;                  /* server port, 0 when not applicable */
	uint16_t proto;                 /* enum mk_proto_id; UNKNOWN when not applicable */
	uint64_t first_ns, last_ns, count;
	char *title_en, *title_ja, *detail_en, *detail_ja;
	char *status_note;              /* why a person set the status; NULL or "" when none */
	struct mk_evidence_rec *evidence;
	size_t n_evidence;
};
void mk_alert_rec_clear(struct mk_alert_rec *rec);
/* Deep copy; 0 or -1 (ENOMEM, dst cleared). */
int mk_alert_rec_copy(struct mk_alert_rec *dst, const struct mk_alert_rec *src);

/* The analysis counters a run reports: what was dropped, anomalies by name. */
struct mk_counter_rec {
	char *name;
	uint64_t value;
};

#endif /* MIERUKA_MODEL_H */

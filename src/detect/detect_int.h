/* detect_int.h - the detector's rules as loaded from data/rules/alerts.tsv and
 * data/rules/detect.tsv (internal to src/detect; tests include it). */
#ifndef MIERUKA_DETECT_INT_H
#define MIERUKA_DETECT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/facts.h"
#include "mieruka/model.h"
#include "mieruka/util.h" /* enum mk_lang indexes the texts */

#define MK_DETECT_MAX_TYPES 64
#define MK_DETECT_MAX_WORDS 32
#define MK_DETECT_MAX_ANOMALIES 64
#define MK_DETECT_WORD_LEN 48
#define MK_DETECT_MAX_LEDGER 128
#define MK_DETECT_MAX_VARIANTS 32
#define MK_DETECT_MAX_PORTS 32

struct mk_alert_type {
	char id[MK_ALERT_TYPE_LEN];
	uint8_t severity; /* enum mk_severity: the default */
	char *title[2];   /* [MK_LANG_EN], [MK_LANG_JA] */
	char *detail[2];
};

/* alerts.tsv "TYPE/SUBJECT" lines: the texts and default severity of the
 * alerts of TYPE whose subject (an anomaly event, a pattern) is SUBJECT. */
struct mk_alert_variant {
	int16_t type; /* index of the base type */
	char subject[MK_ALERT_SUBJECT_LEN];
	uint8_t severity;
	char *title[2];
	char *detail[2];
};

/* detect.tsv "lateral_port" lines: a server port and the service's name. */
struct mk_detect_port {
	uint16_t port;
	char name[16];
};

struct mk_detect_word {
	int16_t key; /* alert type index (critical) or proto id (routine_alert) */
	char word[MK_DETECT_WORD_LEN];
};

/* detect.tsv "ledger": an operation of class op on protocol proto whose detail
 * starts with word is a parameter change (change ledger, no alert). */
struct mk_detect_ledger_rule {
	uint16_t proto;
	uint8_t op;
	char word[MK_DETECT_WORD_LEN];
};

struct mk_detect_anomaly_rule {
	char event[MK_DETECT_WORD_LEN];
	int16_t type;
};

struct mk_detect_rules {
	struct mk_alert_type types[MK_DETECT_MAX_TYPES];
	size_t n_types;
	int16_t op_alert[MK_OP_COUNT];   /* alert type index, -1 = none */
	bool controller[MK_PROTO_COUNT]; /* roles.tsv "server P plc" and "controller P" */
	bool routine[MK_PROTO_COUNT];    /* roles.tsv "routine_control" */
	struct mk_detect_word routine_alert[MK_DETECT_MAX_WORDS];
	size_t n_routine_alert;
	struct mk_detect_word critical[MK_DETECT_MAX_WORDS];
	size_t n_critical;
	struct mk_detect_anomaly_rule anomaly[MK_DETECT_MAX_ANOMALIES];
	size_t n_anomaly;
	bool remote[MK_PROTO_COUNT];
	bool control_role[MK_ROLE_COUNT];
	uint32_t control_role_min_confidence;
	bool zone_high_role[MK_ROLE_COUNT]; /* zone_violation is high into a zone holding these */
	uint32_t probe_max_packets;
	uint32_t scan_hosts_min, scan_hosts_window_s;
	uint32_t scan_ports_min, scan_ports_window_s;
	uint32_t arp_sweep_min, arp_sweep_window_s;
	/* change ledger */
	struct mk_detect_ledger_rule ledger[MK_DETECT_MAX_LEDGER];
	size_t n_ledger;
	uint32_t ledger_ops[MK_PROTO_COUNT]; /* bit op: some ledger line names (proto, op) */
	uint32_t ledger_gap_s;
	/* baseline (src/detect/baseline.c; detect.tsv "baseline" section) */
	uint32_t baseline_max_items;        /* learned keys kept */
	uint32_t baseline_max_alerts;       /* deviation alerts created per run */
	uint32_t baseline_max_tracked;      /* devices followed for volume and silence */
	uint32_t tick_s;                    /* packet-time interval of the volume/silence tick */
	uint32_t learn_capture_percent;     /* analyze without a baseline: learn this % of input */
	uint32_t learn_live_hours;          /* monitor: learning period */
	uint32_t volume_factor;             /* an hour above factor x learned max ... */
	uint32_t volume_floor_kb;           /* ... and above this many kB is an anomaly */
	uint32_t silence_min_s;             /* device_silent: at least this long ... */
	uint32_t silence_factor;            /* ... and factor x the longest learned silence */
	uint32_t silence_min_ticks;         /* only devices heard in this many learning ticks */
	uint32_t writer_role_min_confidence;
	bool writer_role[MK_ROLE_COUNT];    /* roles that may write to controllers */
	/* src/detect/netwatch.c (ip_mac_change, rogue_dhcp, lateral_movement) */
	struct mk_alert_variant variants[MK_DETECT_MAX_VARIANTS];
	size_t n_variants;
	struct mk_detect_port lateral_port[MK_DETECT_MAX_PORTS];
	size_t n_lateral_ports;
	uint32_t ipmac_max, ipmac_window_s, ipmac_flip_min, ipmac_claim_min, ipmac_central_clients;
	uint32_t dhcp_servers_max;
	uint32_t dhcp_rival_prefix; /* servers whose addresses share this prefix compete */
	uint32_t lateral_hosts_min, lateral_window_s, lateral_sources_max;
};

void mk_detect_rules_init(struct mk_detect_rules *r);
void mk_detect_rules_clear(struct mk_detect_rules *r);
/* Each loader returns the number of malformed lines skipped, or -1 when the
 * file cannot be read (message in err) or memory runs out. */
int mk_detect_rules_load_alerts(struct mk_detect_rules *r, const char *path, char *err,
                                size_t errlen);
int mk_detect_rules_load_detect(struct mk_detect_rules *r, const char *path, char *err,
                                size_t errlen);
/* Index of the alert type id, -1 if unknown. */
int mk_detect_type_index(const struct mk_detect_rules *r, const char *id);
/* The texts for alerts of type with this subject, NULL when the base texts apply. */
const struct mk_alert_variant *mk_detect_variant(const struct mk_detect_rules *r, int type,
                                                 const char *subject);

/* ---- the alert table, for the detectors in other files of src/detect
 * (netwatch.c).  An entry stays valid until the next alert is created. */
struct alert;
struct mk_detect;
struct mk_oui;
/* Finds or creates the alert of a key; NULL when the cap refuses a new one. */
struct alert *mk_detect_alert_get(struct mk_detect *d, int type, const struct mk_addr *client,
                                  const struct mk_addr *server, uint8_t transport, uint16_t port,
                                  uint16_t proto, const char *subject);
/* The same for an occurrence at ts: inside a maintenance window that covers
 * client or server, the occurrence goes to that window's planned alert (its
 * subject gains "maint:W"), so planned work is labelled as such. */
struct alert *mk_detect_alert_get_at(struct mk_detect *d, int type, const struct mk_addr *client,
                                     const struct mk_addr *server, uint8_t transport,
                                     uint16_t port, uint16_t proto, const char *subject,
                                     uint64_t ts);
/* n more occurrences at ts. */
void mk_detect_alert_seen(struct alert *a, uint64_t ts, uint64_t n);
/* A text fact of the alert: evidence key = value, and the placeholder {key}
 * of its texts.  Replaces an earlier value of the key; at most
 * MK_DETECT_MAX_TEXTS keys (more are ignored). */
void mk_detect_alert_text(struct alert *a, const char *key, const char *value);
/* Distinct targets and the window they were counted in (evidence
 * distinct_hosts and window_s, placeholders {hosts} and {window}). */
void mk_detect_alert_hosts(struct alert *a, uint32_t hosts, uint32_t window_s);
/* Raises the alert's severity to at least sev. */
void mk_detect_alert_raise(struct alert *a, uint8_t sev);
const struct mk_detect_rules *mk_detect_rules_of(const struct mk_detect *d);
/* The IEEE vendor names the engine loaded (NULL: none); for evidence. */
const struct mk_oui *mk_detect_oui(const struct mk_detect *d);
#define MK_DETECT_MAX_TEXTS 4
#define MK_DETECT_TEXT_LEN 64

/* ---- findings of the baseline detectors (src/detect/baseline.c) ---- */
#define MK_DETECT_FINDING_EV 4
#define MK_DETECT_VALUE_LEN 24

struct mk_detect;

struct mk_detect_finding {
	int type; /* alert type index */
	struct mk_addr client, server;
	uint8_t transport;
	uint16_t port, proto;
	const char *subject;       /* extra key part ("" when none) */
	uint8_t severity;          /* the alert is raised to at least this */
	uint64_t first, last, count;
	const char *note;          /* {detail}; NULL keeps the alert's */
	const char *value, *limit; /* {value}, {limit}; NULL keeps the alert's */
	const char *ev_key[MK_DETECT_FINDING_EV]; /* evidence numbers, set (not added) */
	uint64_t ev[MK_DETECT_FINDING_EV];
	size_t n_ev;
};
/* Records a finding.  derived: its count is recomputed from the records at
 * every snapshot (like remote_access: repeated snapshots never double count);
 * otherwise the count is added (ticks). */
void mk_detect_find(struct mk_detect *d, const struct mk_detect_finding *f, bool derived);
const struct mk_detect_rules *mk_detect_rules_of(const struct mk_detect *d);

#endif /* MIERUKA_DETECT_INT_H */

/* store.h - persistence behind one interface.
 *
 * SQLite is the embedded default (src/store/sqlite.c: WAL, batched transactions,
 * versioned schema with migrations).  A PostgreSQL back end implements the same
 * struct mk_store_ops.  Records are written with "replace" semantics: the caller
 * loads what the database holds, merges, and writes whole records back, so a
 * periodic flush during monitoring never double counts.
 *
 * Writes happen off the packet path: mk_store_writer_* runs a thread that drains
 * a bounded queue of batches into one transaction each.
 */
#ifndef MIERUKA_STORE_H
#define MIERUKA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/ledger.h"
#include "mieruka/baseline.h"
#include "mieruka/model.h"

struct mk_store;
struct mk_zones;

/* each_* callbacks: the record is borrowed for the call only; return 0 to go
 * on, anything else stops the iteration and is returned by each_* (which
 * returns -1 on a store error).  A callback must not use the same handle.
 * Order: assets by id, conversations by (client, server, port, transport,
 * proto) with addresses compared numerically, captures in insertion order,
 * counters by name.  put_capture replaces the record with the same file name
 * (it keeps its place in the order).  A handle is used by one thread at a
 * time; other threads open their own handle on the same file. */
typedef int (*mk_asset_cb)(void *ctx, const struct mk_asset_rec *rec);
typedef int (*mk_conv_cb)(void *ctx, const struct mk_conv_rec *rec);
typedef int (*mk_capture_cb)(void *ctx, const struct mk_capture_rec *rec);
typedef int (*mk_counter_cb)(void *ctx, const char *name, uint64_t value);
typedef int (*mk_alert_cb)(void *ctx, const struct mk_alert_rec *rec);
typedef int (*mk_change_cb)(void *ctx, const struct mk_change_rec *rec);
typedef int (*mk_window_cb)(void *ctx, const struct mk_window_rec *rec);
typedef int (*mk_baseline_cb)(void *ctx, const struct mk_baseline_item *item);
typedef int (*mk_traffic_cb)(void *ctx, const struct mk_traffic_rec *rec);

/* The dashboard's records (src/web). */
enum { MK_WEB_VIEWER, MK_WEB_ADMIN };
struct mk_web_user {
	char name[65];
	char pwhash[128]; /* libsodium crypto_pwhash_str (Argon2id) */
	uint8_t role;     /* MK_WEB_VIEWER, MK_WEB_ADMIN */
	uint64_t created_ns;
};
struct mk_web_session {
	char token_hash[65]; /* hex */
	char user[65];
	uint64_t expires_ns;
};
struct mk_asset_note {
	char asset_id[48];
	char *name, *notes;   /* NULL when unset */
	char criticality[8];  /* "high", "medium", "low" or "" */
};
typedef int (*mk_web_user_cb)(void *ctx, const struct mk_web_user *u);
typedef int (*mk_asset_note_cb)(void *ctx, const struct mk_asset_note *n);

/* The self-assessment's records (assess.h; sqlite_assess.c). */
struct mk_answer_rec {
	const char *key, *value;
	const char *note, *by;     /* NULL when none */
	uint64_t at_ns;
	const char *source;        /* "person", "file" */
};
struct mk_assess_item_rec {
	const char *cm;            /* countermeasure id */
	const char *answer;        /* its answer id at the time */
	int risk_reduced;
};
struct mk_assess_run_rec {
	uint64_t at_ns;
	int meti;                  /* METI total, -1 = not scored */
	int ipa;                   /* IPA 25 total */
	uint32_t n_unknown;
	const struct mk_assess_item_rec *items; /* the plan, in order */
	size_t n_items;
};
#define MK_ASSESS_MAX_RUNS 1000       /* runs kept; older ones are forgotten */
#define MK_ASSESS_MAX_RUN_ITEMS 10000 /* plan items read back per run */
typedef int (*mk_answer_cb)(void *ctx, const struct mk_answer_rec *rec);
typedef int (*mk_assess_run_cb)(void *ctx, const struct mk_assess_run_rec *rec);

struct mk_store_ops {
	const char *name; /* "sqlite" */
	int (*open)(struct mk_store **out, const char *where, char *err, size_t errlen);
	void (*close)(struct mk_store *st);
	int (*begin)(struct mk_store *st);
	int (*commit)(struct mk_store *st);
	int (*rollback)(struct mk_store *st);
	int (*put_asset)(struct mk_store *st, const struct mk_asset_rec *rec);
	int (*put_conv)(struct mk_store *st, const struct mk_conv_rec *rec);
	int (*put_capture)(struct mk_store *st, const struct mk_capture_rec *rec);
	int (*put_counter)(struct mk_store *st, const char *name, uint64_t value); /* adds */
	int (*put_alert)(struct mk_store *st, const struct mk_alert_rec *rec);      /* replaces by id */
	int (*each_asset)(struct mk_store *st, mk_asset_cb cb, void *ctx);
	int (*each_conv)(struct mk_store *st, mk_conv_cb cb, void *ctx);
	int (*each_capture)(struct mk_store *st, mk_capture_cb cb, void *ctx);
	int (*each_counter)(struct mk_store *st, mk_counter_cb cb, void *ctx);
	int (*each_alert)(struct mk_store *st, mk_alert_cb cb, void *ctx); /* by first time, id */
	const char *(*error)(struct mk_store *st);
	/* A person's decision on an alert (enum mk_alert_status) with a note:
	 * 1 when the alert exists, 0 when no alert has that id, -1 on error. */
	int (*set_alert_status)(struct mk_store *st, const char *id, unsigned status,
	                        const char *note);
	/* Zones and conduits (zones.h).  put_zones replaces the whole set,
	 * atomically; get_zones reads it into *out (an empty set when none is
	 * stored; the caller frees it with mk_zones_free). */
	int (*put_zones)(struct mk_store *st, const struct mk_zones *z);
	int (*get_zones)(struct mk_store *st, struct mk_zones **out);
	/* The learned baseline (baseline.h; src/detect/baseline.c).  get: 1 with
	 * *out filled, 0 when the database has none, -1 on error.  put_item adds
	 * or merges (first/last widen, numbers and accepted keep their maximum).
	 * clear forgets meta and items (analyze --relearn). */
	int (*get_baseline_meta)(struct mk_store *st, struct mk_baseline_meta *out);
	int (*put_baseline_meta)(struct mk_store *st, const struct mk_baseline_meta *meta);
	int (*put_baseline_item)(struct mk_store *st, const struct mk_baseline_item *item);
	int (*each_baseline_item)(struct mk_store *st, mk_baseline_cb cb, void *ctx); /* by kind, key */
	int (*clear_baseline)(struct mk_store *st);
	/* The change ledger (ledger.h): put replaces the entry with the same id;
	 * each_change goes by first time, then id. */
	int (*put_change)(struct mk_store *st, const struct mk_change_rec *rec);
	int (*each_change)(struct mk_store *st, mk_change_cb cb, void *ctx);
	/* Maintenance windows: add stores a new one and gives its id (*id);
	 * each_window goes by id; delete_window returns 1 when it existed, 0 when
	 * not, -1 on error. */
	int (*add_window)(struct mk_store *st, const struct mk_window_rec *rec, uint32_t *id);
	int (*each_window)(struct mk_store *st, mk_window_cb cb, void *ctx);
	int (*delete_window)(struct mk_store *st, uint32_t id);
	/* The dashboard (src/web; sqlite_web.c).  count_users: the number, -1 on
	 * error.  get_user / get_session: 1 found, 0 not (an expired session is
	 * not found), -1 error.  put_user replaces by name; put_session also
	 * forgets sessions expired at now_ns.  put_asset_note replaces by asset
	 * id (name, notes NULL and criticality "" delete it). */
	int (*count_users)(struct mk_store *st);
	int (*get_user)(struct mk_store *st, const char *name, struct mk_web_user *out);
	int (*put_user)(struct mk_store *st, const struct mk_web_user *u);
	int (*each_user)(struct mk_store *st, mk_web_user_cb cb, void *ctx);
	int (*put_session)(struct mk_store *st, const struct mk_web_session *s, uint64_t now_ns);
	int (*get_session)(struct mk_store *st, const char *token_hash, uint64_t now_ns,
	                   struct mk_web_session *out);
	int (*delete_session)(struct mk_store *st, const char *token_hash);
	int (*put_asset_note)(struct mk_store *st, const struct mk_asset_note *n);
	int (*each_asset_note)(struct mk_store *st, mk_asset_note_cb cb, void *ctx);
	/* Ends every session of user but the one whose token hash is keep_hash
	 * (NULL or "": all of them), e.g. after a password change.  The number
	 * ended, or -1 on error. */
	int (*delete_user_sessions)(struct mk_store *st, const char *user, const char *keep_hash);
	/* Traffic per hour (model.h mk_traffic_rec; sqlite_traffic.c).  put adds
	 * each record's packets and bytes to its hour's row, then forgets the
	 * hours more than MK_TRAFFIC_MAX_HOURS before the newest; each goes by
	 * hour ascending. */
	int (*put_traffic)(struct mk_store *st, const struct mk_traffic_rec *v, size_t n);
	int (*each_traffic)(struct mk_store *st, mk_traffic_cb cb, void *ctx);
	/* The self-assessment (assess.h; sqlite_assess.c).  put_answers replaces
	 * each answer with the same key (atomically for the n); each_answer goes
	 * by key.  put_bcp replaces the one BCP entries document (json NULL
	 * deletes it); get_bcp: 1 with *json (the caller frees it) and *at_ns, 0
	 * when none, -1 on error.  put_assess_run replaces the run with the same
	 * time, then forgets all but the latest MK_ASSESS_MAX_RUNS;
	 * each_assess_run goes newest first, each run with its plan items (at
	 * most MK_ASSESS_MAX_RUN_ITEMS read back). */
	int (*put_answers)(struct mk_store *st, const struct mk_answer_rec *v, size_t n);
	int (*each_answer)(struct mk_store *st, mk_answer_cb cb, void *ctx);
	int (*put_bcp)(struct mk_store *st, const char *json, uint64_t at_ns);
	int (*get_bcp)(struct mk_store *st, char **json, uint64_t *at_ns);
	int (*put_assess_run)(struct mk_store *st, const struct mk_assess_run_rec *r);
	int (*each_assess_run)(struct mk_store *st, mk_assess_run_cb cb, void *ctx);
};

extern const struct mk_store_ops mk_store_sqlite;

/* A store handle remembers its ops: every back end's struct starts with this. */
struct mk_store_base {
	const struct mk_store_ops *ops;
};

int mk_store_schema_version(void); /* the version this build writes */

/* ---- the writer thread ---- */

/* One unit of work: arrays of records, owned by the batch once submitted. */
struct mk_store_batch {
	struct mk_asset_rec *assets;
	size_t n_assets;
	struct mk_conv_rec *convs;
	size_t n_convs;
	struct mk_capture_rec *captures;
	size_t n_captures;
	struct mk_counter_rec *counters;
	size_t n_counters;
	struct mk_alert_rec *alerts;
	size_t n_alerts;
	struct mk_baseline_meta *baseline_meta; /* NULL: unchanged */
	struct mk_baseline_item *baseline_items; /* new or changed items */
	size_t n_baseline_items;
	struct mk_change_rec *changes; /* change ledger entries (plain records) */
	size_t n_changes;
	struct mk_traffic_rec *traffic; /* per hour, ascending: deltas the store adds */
	size_t n_traffic;
};
void mk_store_batch_clear(struct mk_store_batch *b);

struct mk_store_writer;

struct mk_store_writer *mk_store_writer_start(struct mk_store *st, size_t max_queued_batches);
/* Hands the batch over (its contents become the writer's; *b is zeroed).
 * Blocks while the queue is full. Returns 0, or -1 if the writer has failed. */
int mk_store_writer_submit(struct mk_store_writer *w, struct mk_store_batch *b);
/* Waits until everything submitted is committed; returns 0 or -1 (with message). */
int mk_store_writer_sync(struct mk_store_writer *w, char *err, size_t errlen);
/* Syncs, stops the thread, frees the writer (not the store). */
int mk_store_writer_stop(struct mk_store_writer *w, char *err, size_t errlen);

#endif /* MIERUKA_STORE_H */

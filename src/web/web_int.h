/* web_int.h - the dashboard server's internal interface (src/web).
 *
 * server.c runs libmicrohttpd, authenticates each request and applies the
 * security headers; api.c answers /api/v1/ from a snapshot of the database;
 * static.c serves the embedded UI.
 *
 * Database access: the API reads an in-memory snapshot (struct mk_web_snap:
 * the whole report, as `analyze --json` would write it, plus indexes) shared by
 * all worker threads and reference counted.  The snapshot is reloaded when the
 * database files change (checked at most once a second: another process
 * analysing or monitoring into it) or after the server's own edits.  Writes
 * (sessions, users, alert status, notes) go through one store handle under a
 * mutex: they are rare and small, SQLite serializes writers anyway. */
#ifndef MIERUKA_WEB_INT_H
#define MIERUKA_WEB_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/report.h"
#include "mieruka/store.h"
#include "mieruka/util.h"
#include "web/auth_int.h"

#define MK_WEB_BODY_MAX (64 * 1024)
#define MK_WEB_SESSION_SECONDS (12 * 3600)

struct mk_web_snap {
	int refs; /* under mk_web.snap_lock */
	struct mk_report r;
	struct mk_report_index *ix;
	struct mk_asset_note *notes; /* sorted by asset id; strings owned */
	size_t n_notes;
	size_t *alerts_recent; /* alert indexes, latest last_seen first */
	pthread_mutex_t map_lock;
	struct mk_web_map *map; /* map.c: built on the first map request, under map_lock */
};

/* Capture upload jobs (upload.c): one analysis at a time; the last few
 * finished ones are kept for GET /api/v1/captures/jobs/ID. */
#define MK_WEB_JOBS_KEPT 16
#define MK_WEB_JOB_ID_HEX 33
enum mk_web_job_state { MK_JOB_RUNNING, MK_JOB_DONE, MK_JOB_FAILED };
struct mk_web_job {
	char id[MK_WEB_JOB_ID_HEX]; /* "" = free slot */
	char name[160];             /* the sanitized file name */
	enum mk_web_job_state state;
	double progress;            /* 0..1 */
	char msg_en[640], msg_ja[640];
	uint64_t seq;               /* the oldest finished slot is reused */
};
struct mk_web_upload;
struct mk_web_jobs {
	pthread_mutex_t lock;
	bool busy;                  /* an upload being received or a job running */
	bool thread_started;        /* thread is to be joined */
	pthread_t thread;
	volatile int stopping;      /* the server is stopping: the job gives up */
	uint64_t max_bytes;         /* serve --max-upload */
	char dir[1100];             /* the private temp dir ("" until the first upload) */
	struct mk_web_job job[MK_WEB_JOBS_KEPT];
	uint64_t seq;
};

struct mk_web {
	const char *db_path;
	struct mk_web_jobs jobs;
	bool login_required; /* a non-loopback listen address */
	bool tls;
	unsigned session_s; /* MK_WEB_SESSION_SECONDS, or MIERUKA_SESSION_TTL_S (tests) */
	pthread_mutex_t write_lock;
	struct mk_store *wst; /* writes, under write_lock */
	pthread_mutex_t snap_lock;
	struct mk_web_snap *snap;
	uint64_t snap_checked_ns;
	char snap_key[128]; /* the database files' sizes and times when loaded */
	bool snap_dirty;
	pthread_mutex_t rl_lock;
	struct mk_web_rl *rl;
	char loopback_csrf[MK_WEB_TOKEN_HEX];
	uint16_t industrial[64]; /* PROTO ids drawn as industrial on the map */
	size_t n_industrial;
	/* assess.c: the knowledge base, loaded at start (NULL: kb_err says why) */
	struct mk_kb *kb;
	char *kb_json; /* GET /api/v1/assessment/kb, written once */
	size_t kb_json_len;
	char kb_err[512];
};

/* One request as the handlers see it. */
struct mk_web_req {
	struct mk_web *w;
	void *conn; /* struct MHD_Connection */
	const char *method, *url;
	const char *body;
	size_t body_len;
	char client[64];
	/* who: role -1 = nobody */
	int role;
	char user[65];
	char session_hash[MK_WEB_TOKEN_HEX];
	char csrf[MK_WEB_TOKEN_HEX];
	enum mk_lang lang;
};

struct mk_web_reply {
	unsigned status;
	char *body; /* malloc'd (or static_body) */
	size_t len;
	const unsigned char *static_body;
	const char *type;
	bool api; /* Cache-Control: no-store */
	char cookie[300];
	char retry_after[24];
	char location[64];
	const char *csp;          /* replaces the usual Content-Security-Policy (a report) */
	char disposition[200];    /* Content-Disposition, "" = none */
};

/* Query parameter or header of the request (NULL when absent). */
const char *mk_web_arg(const struct mk_web_req *q, const char *name);
const char *mk_web_header(const struct mk_web_req *q, const char *name);

/* Replies.  The JSON ones take a memstream's buffer. */
void mk_web_error(struct mk_web_reply *p, unsigned status, const char *code);
/* The same with the message given (not from the catalogue). */
void mk_web_error_msg(struct mk_web_reply *p, unsigned status, const char *code, const char *en,
                      const char *ja);
/* The same with members after "code" that say which input was wrong (e.g.
 * "line": 3, "key": "usb.rules"): strings, or numbers when is_number. */
struct mk_web_err_field {
	const char *name;
	const char *text;
	bool is_number;
	uint64_t number;
};
void mk_web_error_fields(struct mk_web_reply *p, unsigned status, const char *code,
                         const struct mk_web_err_field *f, size_t n, const char *en,
                         const char *ja);
/* A JSON body being built: open_memstream. */
struct mk_web_out {
	char *buf;
	size_t len;
	FILE *f;
	struct mk_json j;
};
int mk_web_out_open(struct mk_web_out *o);
void mk_web_out_reply(struct mk_web_out *o, struct mk_web_reply *p, unsigned status);

/* Snapshot (server.c): a reference, NULL when the database cannot be read. */
struct mk_web_snap *mk_web_snap_get(struct mk_web *w);
void mk_web_snap_put(struct mk_web *w, struct mk_web_snap *s);
void mk_web_snap_invalidate(struct mk_web *w);
/* After a request changed the database: drops the request's snapshot *sp
 * and takes a fresh one (which sees the change).  false with a 503 reply
 * when none can be loaded (*sp is NULL then). */
bool mk_web_snap_refresh(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap **sp);

/* api.c: /api/v1/...; auth endpoints are in server.c. */
void mk_web_api(struct mk_web_req *q, struct mk_web_reply *p, const char *path);
/* map.c: GET /api/v1/map; the snapshot's map is freed with it. */
struct mk_web_map;
void mk_web_api_map(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s);
void mk_web_map_free(struct mk_web_map *m);
/* server.c: the session endpoints (setup, session, me). true when handled. */
bool mk_web_api_auth(struct mk_web_req *q, struct mk_web_reply *p, const char *path);

/* jsonin.c: a flat JSON object of strings/nulls (request bodies).  Returns the
 * number of members or -1 when the text is not such an object.  Values are
 * decoded into out (NUL-terminated, malloc'd; NULL for null). */
#define MK_WEB_JSON_MAX_MEMBERS 16
struct mk_web_kv {
	char *key, *value;
	bool is_null;
};
int mk_web_json_parse(const char *text, size_t len, struct mk_web_kv *kv, size_t max);
void mk_web_json_free(struct mk_web_kv *kv, size_t n);
/* The member named key: NULL when absent. */
const struct mk_web_kv *mk_web_json_get(const struct mk_web_kv *kv, size_t n, const char *key);

/* upload.c: POST /api/v1/captures streams the body to a file in a private
 * temp dir next to the database, then a job thread analyses it into the
 * database with the session code of `mieruka analyze`.  begin is called on
 * the request's first call (headers only, after authentication): NULL with
 * the reply set (403, 409, 413, 500), else the upload receiving the body. */
bool mk_web_is_upload(const char *method, const char *url);
struct mk_web_upload *mk_web_upload_begin(struct mk_web_req *q, struct mk_web_reply *p);
void mk_web_upload_data(struct mk_web_upload *u, const char *data, size_t n);
/* The body is complete: 202 {"job","file"} and the job starts, or an error. */
void mk_web_upload_end(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_upload *u);
/* The connection ended before upload_end (or after it: no-op): frees u. */
void mk_web_upload_free(struct mk_web *w, struct mk_web_upload *u);
/* GET /api/v1/captures/jobs/ID */
void mk_web_api_job(struct mk_web_req *q, struct mk_web_reply *p, const char *id);
void mk_web_jobs_init(struct mk_web *w, uint64_t max_bytes);
/* At exit: stops a running job, joins it, removes the temp dir. */
void mk_web_jobs_stop(struct mk_web *w);

/* edit.c: POST /api/v1/maintenance, DELETE /api/v1/maintenance/ID,
 * GET/POST /api/v1/users, POST /api/v1/password. */
void mk_web_api_window_add(struct mk_web_req *q, struct mk_web_reply *p);
void mk_web_api_window_delete(struct mk_web_req *q, struct mk_web_reply *p, const char *id);
void mk_web_api_users(struct mk_web_req *q, struct mk_web_reply *p);
void mk_web_api_user_add(struct mk_web_req *q, struct mk_web_reply *p);
void mk_web_api_password(struct mk_web_req *q, struct mk_web_reply *p);
/* PUT /api/v1/zones {"text"}: the zone file through the parser of `mieruka
 * zones import`; answers as GET (the snapshot *sp is reloaded). */
/* The zone set old with device a in zone zone_id (NULL: in none by an asset
 * line of its own; subnets and VLANs still apply): its own asset lines (by
 * id, MAC or IP) are replaced.  NULL when zone_id is unknown or on ENOMEM. */
struct mk_asset_rec;
struct mk_zones *mk_web_zones_with_asset(const struct mk_zones *old, const struct mk_asset_rec *a,
                                         const char *zone_id);
void mk_web_api_zones_put(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap **sp);
void mk_web_api_zones(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s);
/* GET /api/v1/zones' "text" (the stored set in the file format) and
 * "proposal" (`mieruka zones propose`), as members of the open object. */
void mk_web_zones_texts(struct mk_json *j, const struct mk_report *r);

/* assess.c: the self-assessment (docs/API.md "Assessment").  init loads the
 * knowledge base (a failure is a warning: the assessment endpoints then
 * answer 503 kb_unavailable with the reason); rest is the path after
 * "assessment" ("", "/answers", "/bcp", "/runs", "/kb", "/report.html"...). */
void mk_web_assess_init(struct mk_web *w);
void mk_web_assess_fini(struct mk_web *w);
void mk_web_api_assess(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap **sp,
                       const char *rest);

/* The server's life (serve.c, demo.c). */
struct mk_web_options {
	const char *db_path;
	const char *listen; /* "127.0.0.1:8080" */
	const char *tls_cert, *tls_key;
	bool open_browser;
	uint64_t max_upload_mb; /* serve --max-upload; 0 = the default 1024 */
};
/* Runs until SIGINT/SIGTERM: 0; -2 for a bad --listen or TLS pair (usage),
 * -1 otherwise; a message is printed. */
int mk_web_run(const struct mk_web_options *o);
/* tls.c: reads the PEM certificate (chain) and key and checks them with
 * GnuTLS (a key of another certificate is refused): 0 with *cert and *key
 * malloc'd NUL-terminated, or -1 with a message naming the file. */
int mk_web_tls_load(const char *cert_path, const char *key_path, char **cert, char **key);

#endif /* MIERUKA_WEB_INT_H */

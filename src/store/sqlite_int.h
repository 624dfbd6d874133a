/* sqlite_int.h - what the SQLite back end's other files (sqlite_zones.c) use
 * of the handle in sqlite.c (internal to src/store). */
#ifndef MIERUKA_STORE_SQLITE_INT_H
#define MIERUKA_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "mieruka/store.h"

sqlite3 *mk_sqlite_db(struct mk_store *st);
/* Sets the handle's error message ("PATH: what: SQLite's message"); returns -1. */
int mk_sqlite_fail(struct mk_store *st, const char *what);
/* The same with msg instead of SQLite's message. */
int mk_sqlite_fail_msg(struct mk_store *st, const char *what, const char *msg);
/* A savepoint around a put: atomic inside or outside a transaction.  end
 * releases it (rc 0) or rolls it back keeping the first error; returns 0/-1. */
int mk_sqlite_sp_begin(struct mk_store *st);
int mk_sqlite_sp_end(struct mk_store *st, int rc);

/* sqlite_zones.c: struct mk_store_ops put_zones / get_zones. */
int mk_sqlite_put_zones(struct mk_store *st, const struct mk_zones *z);
int mk_sqlite_get_zones(struct mk_store *st, struct mk_zones **out);

/* sqlite_web.c: the dashboard's users, sessions and asset notes. */
int mk_sqlite_count_users(struct mk_store *st);
int mk_sqlite_get_user(struct mk_store *st, const char *name, struct mk_web_user *out);
int mk_sqlite_put_user(struct mk_store *st, const struct mk_web_user *u);
int mk_sqlite_each_user(struct mk_store *st, mk_web_user_cb cb, void *ctx);
int mk_sqlite_put_session(struct mk_store *st, const struct mk_web_session *s, uint64_t now_ns);
int mk_sqlite_get_session(struct mk_store *st, const char *token_hash, uint64_t now_ns,
                          struct mk_web_session *out);
int mk_sqlite_delete_session(struct mk_store *st, const char *token_hash);
int mk_sqlite_delete_user_sessions(struct mk_store *st, const char *user, const char *keep_hash);
int mk_sqlite_put_asset_note(struct mk_store *st, const struct mk_asset_note *n);
int mk_sqlite_each_asset_note(struct mk_store *st, mk_asset_note_cb cb, void *ctx);

/* sqlite_traffic.c: traffic per hour. */
int mk_sqlite_put_traffic(struct mk_store *st, const struct mk_traffic_rec *v, size_t n);
int mk_sqlite_each_traffic(struct mk_store *st, mk_traffic_cb cb, void *ctx);

/* sqlite_assess.c: the self-assessment's answers, BCP entries and runs. */
int mk_sqlite_put_answers(struct mk_store *st, const struct mk_answer_rec *v, size_t n);
int mk_sqlite_each_answer(struct mk_store *st, mk_answer_cb cb, void *ctx);
int mk_sqlite_put_bcp(struct mk_store *st, const char *json, uint64_t at_ns);
int mk_sqlite_get_bcp(struct mk_store *st, char **json, uint64_t *at_ns);
int mk_sqlite_put_assess_run(struct mk_store *st, const struct mk_assess_run_rec *r);
int mk_sqlite_each_assess_run(struct mk_store *st, mk_assess_run_cb cb, void *ctx);

#endif /* MIERUKA_STORE_SQLITE_INT_H */

/* sqlite_web.c - the dashboard's users, sessions and asset notes in the
 * SQLite back end (tables of schema.c "the dashboard's users ...").
 *
 * Few rows, touched once per login or edit: statements are prepared per call.
 * Session rows hold the hash of the token only (src/web/auth.c). */
#include "store/sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int prepare(struct mk_store *st, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(mk_sqlite_db(st), sql, -1, s, NULL) != SQLITE_OK) {
		mk_sqlite_fail(st, "prepare");
		sqlite3_finalize(*s);
		*s = NULL;
		return -1;
	}
	return 0;
}

/* Runs a statement that returns no rows, then finalizes it. */
static int exec_done(struct mk_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : mk_sqlite_fail(st, what);
}

static void copy_text(char *dst, size_t len, const unsigned char *src)
{
	snprintf(dst, len, "%s", src != NULL ? (const char *)src : "");
}

int mk_sqlite_count_users(struct mk_store *st)
{
	sqlite3_stmt *s;
	int n = -1;

	if (prepare(st, "SELECT count(*) FROM web_users", &s) != 0)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	else
		mk_sqlite_fail(st, "count users");
	sqlite3_finalize(s);
	return n;
}

static void read_user(sqlite3_stmt *s, struct mk_web_user *u)
{
	memset(u, 0, sizeof(*u));
	copy_text(u->name, sizeof(u->name), sqlite3_column_text(s, 0));
	copy_text(u->pwhash, sizeof(u->pwhash), sqlite3_column_text(s, 1));
	u->role = strcmp((const char *)sqlite3_column_text(s, 2), "admin") == 0 ? MK_WEB_ADMIN
	                                                                        : MK_WEB_VIEWER;
	u->created_ns = (uint64_t)sqlite3_column_int64(s, 3);
}

int mk_sqlite_get_user(struct mk_store *st, const char *name, struct mk_web_user *out)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "SELECT name, pwhash, role, created_ns FROM web_users WHERE name = ?",
	            &s) != 0)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read_user(s, out);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : mk_sqlite_fail(st, "read user");
}

int mk_sqlite_put_user(struct mk_store *st, const struct mk_web_user *u)
{
	sqlite3_stmt *s;

	if (prepare(st,
	            "INSERT INTO web_users (name, pwhash, role, created_ns) VALUES (?, ?, ?, ?) "
	            "ON CONFLICT (name) DO UPDATE SET pwhash = excluded.pwhash, role = excluded.role",
	            &s) != 0)
		return -1;
	sqlite3_bind_text(s, 1, u->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, u->pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, u->role == MK_WEB_ADMIN ? "admin" : "viewer", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)u->created_ns);
	return exec_done(st, s, "write user");
}

int mk_sqlite_each_user(struct mk_store *st, mk_web_user_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, stop = 0;

	if (prepare(st, "SELECT name, pwhash, role, created_ns FROM web_users ORDER BY name", &s) !=
	    0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct mk_web_user u;

		read_user(s, &u);
		if ((stop = cb(ctx, &u)) != 0)
			break;
	}
	sqlite3_finalize(s);
	if (stop != 0)
		return stop;
	return rc == SQLITE_DONE ? 0 : mk_sqlite_fail(st, "read users");
}

int mk_sqlite_put_session(struct mk_store *st, const struct mk_web_session *se, uint64_t now_ns)
{
	sqlite3_stmt *s;

	if (prepare(st, "DELETE FROM web_sessions WHERE expires_ns <= ?", &s) != 0)
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)now_ns);
	if (exec_done(st, s, "forget expired sessions") != 0)
		return -1;
	if (prepare(st,
	            "INSERT OR REPLACE INTO web_sessions (token_hash, user, expires_ns) "
	            "VALUES (?, ?, ?)",
	            &s) != 0)
		return -1;
	sqlite3_bind_text(s, 1, se->token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, se->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)se->expires_ns);
	return exec_done(st, s, "write session");
}

int mk_sqlite_get_session(struct mk_store *st, const char *token_hash, uint64_t now_ns,
                          struct mk_web_session *out)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st,
	            "SELECT token_hash, user, expires_ns FROM web_sessions "
	            "WHERE token_hash = ? AND expires_ns > ?",
	            &s) != 0)
		return -1;
	sqlite3_bind_text(s, 1, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)now_ns);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		copy_text(out->token_hash, sizeof(out->token_hash), sqlite3_column_text(s, 0));
		copy_text(out->user, sizeof(out->user), sqlite3_column_text(s, 1));
		out->expires_ns = (uint64_t)sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : mk_sqlite_fail(st, "read session");
}

int mk_sqlite_delete_session(struct mk_store *st, const char *token_hash)
{
	sqlite3_stmt *s;

	if (prepare(st, "DELETE FROM web_sessions WHERE token_hash = ?", &s) != 0)
		return -1;
	sqlite3_bind_text(s, 1, token_hash, -1, SQLITE_STATIC);
	return exec_done(st, s, "delete session");
}

int mk_sqlite_delete_user_sessions(struct mk_store *st, const char *user, const char *keep_hash)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "DELETE FROM web_sessions WHERE user = ? AND token_hash <> ?", &s) != 0)
		return -1;
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, keep_hash != NULL ? keep_hash : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return mk_sqlite_fail(st, "end sessions");
	return sqlite3_changes(mk_sqlite_db(st));
}

int mk_sqlite_put_asset_note(struct mk_store *st, const struct mk_asset_note *n)
{
	sqlite3_stmt *s;

	if (n->name == NULL && n->notes == NULL && n->criticality[0] == '\0') {
		if (prepare(st, "DELETE FROM asset_notes WHERE asset_id = ?", &s) != 0)
			return -1;
		sqlite3_bind_text(s, 1, n->asset_id, -1, SQLITE_STATIC);
		return exec_done(st, s, "delete asset note");
	}
	if (prepare(st,
	            "INSERT OR REPLACE INTO asset_notes (asset_id, name, notes, criticality) "
	            "VALUES (?, ?, ?, ?)",
	            &s) != 0)
		return -1;
	sqlite3_bind_text(s, 1, n->asset_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, n->notes, -1, SQLITE_STATIC);
	if (n->criticality[0] != '\0')
		sqlite3_bind_text(s, 4, n->criticality, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 4);
	return exec_done(st, s, "write asset note");
}

int mk_sqlite_each_asset_note(struct mk_store *st, mk_asset_note_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, stop = 0;

	if (prepare(st,
	            "SELECT asset_id, name, notes, criticality FROM asset_notes ORDER BY asset_id",
	            &s) != 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct mk_asset_note n;

		memset(&n, 0, sizeof(n));
		copy_text(n.asset_id, sizeof(n.asset_id), sqlite3_column_text(s, 0));
		n.name = (char *)sqlite3_column_text(s, 1);
		n.notes = (char *)sqlite3_column_text(s, 2);
		copy_text(n.criticality, sizeof(n.criticality), sqlite3_column_text(s, 3));
		if ((stop = cb(ctx, &n)) != 0)
			break;
	}
	sqlite3_finalize(s);
	if (stop != 0)
		return stop;
	return rc == SQLITE_DONE ? 0 : mk_sqlite_fail(st, "read asset notes");
}

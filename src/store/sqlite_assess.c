/* sqlite_assess.c - the self-assessment's answers, BCP entries and recorded
 * runs in the SQLite back end (tables of schema.c "the self-assessment's
 * answers, BCP entries and runs").
 *
 * A few hundred rows, written when a person answers or an assessment is
 * recorded: statements are prepared per call.  What comes back from the
 * file is bounded (MK_ASSESS_MAX_RUN_ITEMS per run) because another program
 * may have written the database. */
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

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : NULL;
}

/* ---- answers ---- */

static int put_answer_rows(struct mk_store *st, const struct mk_answer_rec *v, size_t n)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (prepare(st,
	            "INSERT OR REPLACE INTO assess_answers "
	            "(key, value, note, answered_by, at_ns, source) VALUES (?, ?, ?, ?, ?, ?)",
	            &s) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i].key == NULL || v[i].value == NULL || v[i].at_ns > (uint64_t)INT64_MAX) {
			rc = mk_sqlite_fail_msg(st, "write answers", "an answer without key or value");
			break;
		}
		sqlite3_bind_text(s, 1, v[i].key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, v[i].value, -1, SQLITE_TRANSIENT);
		bind_text_or_null(s, 3, v[i].note);
		bind_text_or_null(s, 4, v[i].by);
		sqlite3_bind_int64(s, 5, (sqlite3_int64)v[i].at_ns);
		sqlite3_bind_text(s, 6, v[i].source != NULL ? v[i].source : "person", -1,
		                  SQLITE_TRANSIENT);
		if (sqlite3_step(s) != SQLITE_DONE) {
			rc = mk_sqlite_fail(st, "write answers");
			break;
		}
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return rc;
}

int mk_sqlite_put_answers(struct mk_store *st, const struct mk_answer_rec *v, size_t n)
{
	if (n == 0)
		return 0;
	if (mk_sqlite_sp_begin(st) != 0)
		return -1;
	return mk_sqlite_sp_end(st, put_answer_rows(st, v, n));
}

int mk_sqlite_each_answer(struct mk_store *st, mk_answer_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (prepare(st,
	            "SELECT key, value, note, answered_by, at_ns, source FROM assess_answers "
	            "ORDER BY key",
	            &s) != 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct mk_answer_rec r = {
		    .key = col_text(s, 0),
		    .value = col_text(s, 1),
		    .note = col_text(s, 2),
		    .by = col_text(s, 3),
		    .at_ns = (uint64_t)sqlite3_column_int64(s, 4),
		    .source = col_text(s, 5),
		};

		if (r.key == NULL || r.value == NULL)
			continue; /* written by something else: not an answer */
		if ((ret = cb(ctx, &r)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = mk_sqlite_fail(st, "read answers");
	sqlite3_finalize(s);
	return ret;
}

/* ---- the BCP entries ---- */

int mk_sqlite_put_bcp(struct mk_store *st, const char *json, uint64_t at_ns)
{
	sqlite3_stmt *s;
	int rc;

	if (at_ns > (uint64_t)INT64_MAX)
		return mk_sqlite_fail_msg(st, "write the BCP", "time out of range");
	if (json == NULL) {
		if (prepare(st, "DELETE FROM assess_bcp", &s) != 0)
			return -1;
	} else {
		if (prepare(st, "INSERT OR REPLACE INTO assess_bcp (id, json, at_ns) VALUES (1, ?, ?)",
		            &s) != 0)
			return -1;
		sqlite3_bind_text(s, 1, json, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)at_ns);
	}
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : mk_sqlite_fail(st, "write the BCP");
	sqlite3_finalize(s);
	return rc;
}

int mk_sqlite_get_bcp(struct mk_store *st, char **json, uint64_t *at_ns)
{
	sqlite3_stmt *s;
	int rc, ret;

	*json = NULL;
	*at_ns = 0;
	if (prepare(st, "SELECT json, at_ns FROM assess_bcp WHERE id = 1", &s) != 0)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *t = col_text(s, 0);

		*json = strdup(t != NULL ? t : "");
		*at_ns = (uint64_t)sqlite3_column_int64(s, 1);
		ret = *json != NULL ? 1 : mk_sqlite_fail_msg(st, "read the BCP", "out of memory");
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		ret = mk_sqlite_fail(st, "read the BCP");
	}
	sqlite3_finalize(s);
	return ret;
}

/* ---- recorded runs ---- */

static int put_run_rows(struct mk_store *st, const struct mk_assess_run_rec *r)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (prepare(st, "DELETE FROM assess_run_items WHERE run_ns = ?", &s) != 0)
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)r->at_ns);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : mk_sqlite_fail(st, "write the assessment run");
	sqlite3_finalize(s);
	if (rc != 0)
		return rc;
	if (prepare(st,
	            "INSERT OR REPLACE INTO assess_runs (at_ns, meti, ipa, n_unknown) "
	            "VALUES (?, ?, ?, ?)",
	            &s) != 0)
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)r->at_ns);
	if (r->meti >= 0)
		sqlite3_bind_int(s, 2, r->meti);
	else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_int(s, 3, r->ipa);
	sqlite3_bind_int64(s, 4, r->n_unknown);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : mk_sqlite_fail(st, "write the assessment run");
	sqlite3_finalize(s);
	if (rc != 0)
		return rc;
	if (prepare(st,
	            "INSERT INTO assess_run_items (run_ns, seq, cm, answer, risk_reduced) "
	            "VALUES (?, ?, ?, ?, ?)",
	            &s) != 0)
		return -1;
	for (size_t i = 0; i < r->n_items && rc == 0; i++) {
		const struct mk_assess_item_rec *it = &r->items[i];

		if (it->cm == NULL || it->answer == NULL) {
			rc = mk_sqlite_fail_msg(st, "write the assessment run",
			                        "a plan item without countermeasure or answer");
			break;
		}
		sqlite3_bind_int64(s, 1, (sqlite3_int64)r->at_ns);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		sqlite3_bind_text(s, 3, it->cm, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 4, it->answer, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 5, it->risk_reduced);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = mk_sqlite_fail(st, "write the assessment run");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != 0)
		return rc;
	/* The bound: keep the latest MK_ASSESS_MAX_RUNS runs (children first,
	 * as foreign keys may be off). */
	static const char *const forget[] = {
	    "DELETE FROM assess_run_items WHERE run_ns NOT IN "
	    "(SELECT at_ns FROM assess_runs ORDER BY at_ns DESC LIMIT ?)",
	    "DELETE FROM assess_runs WHERE at_ns NOT IN "
	    "(SELECT at_ns FROM assess_runs ORDER BY at_ns DESC LIMIT ?)",
	};
	for (size_t k = 0; k < sizeof(forget) / sizeof(*forget) && rc == 0; k++) {
		if (prepare(st, forget[k], &s) != 0)
			return -1;
		sqlite3_bind_int(s, 1, MK_ASSESS_MAX_RUNS);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0
		                                    : mk_sqlite_fail(st, "forget old assessment runs");
		sqlite3_finalize(s);
	}
	return rc;
}

int mk_sqlite_put_assess_run(struct mk_store *st, const struct mk_assess_run_rec *r)
{
	if (r->at_ns > (uint64_t)INT64_MAX)
		return mk_sqlite_fail_msg(st, "write the assessment run", "time out of range");
	if (mk_sqlite_sp_begin(st) != 0)
		return -1;
	return mk_sqlite_sp_end(st, put_run_rows(st, r));
}

/* One run's plan items, copied out of the statement (its text pointers die
 * at the next step). */
struct run_items {
	struct mk_assess_item_rec *v;
	size_t n, cap;
};

static void run_items_clear(struct run_items *ri)
{
	for (size_t i = 0; i < ri->n; i++) {
		free((char *)ri->v[i].cm);
		free((char *)ri->v[i].answer);
	}
	ri->n = 0;
}

static int read_items(struct mk_store *st, sqlite3_stmt *s, uint64_t run_ns, struct run_items *ri)
{
	int rc;

	run_items_clear(ri);
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)run_ns);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *cm = col_text(s, 0), *answer = col_text(s, 1);
		struct mk_assess_item_rec *it;

		if (cm == NULL || answer == NULL)
			continue;
		if (ri->n >= MK_ASSESS_MAX_RUN_ITEMS)
			break; /* bounded; the rest of a hostile run is not read */
		if (ri->n == ri->cap) {
			size_t cap = ri->cap ? ri->cap * 2 : 64;
			void *nv = realloc(ri->v, cap * sizeof(*ri->v));

			if (nv == NULL)
				return mk_sqlite_fail_msg(st, "read assessment runs", "out of memory");
			ri->v = nv;
			ri->cap = cap;
		}
		it = &ri->v[ri->n];
		it->cm = strdup(cm);
		it->answer = strdup(answer);
		it->risk_reduced = sqlite3_column_int(s, 2);
		ri->n++; /* counted first so clear frees a half-copied item */
		if (it->cm == NULL || it->answer == NULL)
			return mk_sqlite_fail_msg(st, "read assessment runs", "out of memory");
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return mk_sqlite_fail(st, "read assessment runs");
	return 0;
}

int mk_sqlite_each_assess_run(struct mk_store *st, mk_assess_run_cb cb, void *ctx)
{
	sqlite3_stmt *runs = NULL, *items = NULL;
	struct run_items ri = {0};
	int rc, ret = 0;

	if (prepare(st,
	            "SELECT at_ns, meti, ipa, n_unknown FROM assess_runs ORDER BY at_ns DESC LIMIT ?",
	            &runs) != 0)
		return -1;
	if (prepare(st,
	            "SELECT cm, answer, risk_reduced FROM assess_run_items WHERE run_ns = ? "
	            "ORDER BY seq",
	            &items) != 0) {
		sqlite3_finalize(runs);
		return -1;
	}
	sqlite3_bind_int(runs, 1, MK_ASSESS_MAX_RUNS);
	while ((rc = sqlite3_step(runs)) == SQLITE_ROW) {
		struct mk_assess_run_rec r = {
		    .at_ns = (uint64_t)sqlite3_column_int64(runs, 0),
		    .meti = sqlite3_column_type(runs, 1) == SQLITE_NULL ? -1
		                                                        : sqlite3_column_int(runs, 1),
		    .ipa = sqlite3_column_int(runs, 2),
		    .n_unknown = (uint32_t)sqlite3_column_int64(runs, 3),
		};

		if ((ret = read_items(st, items, r.at_ns, &ri)) != 0)
			break;
		r.items = ri.v;
		r.n_items = ri.n;
		if ((ret = cb(ctx, &r)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = mk_sqlite_fail(st, "read assessment runs");
	run_items_clear(&ri);
	free(ri.v);
	sqlite3_finalize(items);
	sqlite3_finalize(runs);
	return ret;
}

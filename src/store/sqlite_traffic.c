/* sqlite_traffic.c - traffic per hour in the SQLite back end (table
 * traffic_hours of schema.c "traffic per hour").
 *
 * One batch brings at most MK_TRAFFIC_MAX_HOURS rows (usually one or two):
 * statements are prepared per call.  Rows are added to, never replaced, so
 * runs over different captures merge by hour; the bound is applied after
 * each put, measured from the newest hour held. */
#include "store/sqlite_int.h"

#include <stdio.h>

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

static int put_rows(struct mk_store *st, const struct mk_traffic_rec *v, size_t n)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (prepare(st,
	            "INSERT INTO traffic_hours (hour_ns, packets, bytes) VALUES (?, ?, ?) "
	            "ON CONFLICT(hour_ns) DO UPDATE SET packets = packets + excluded.packets, "
	            "bytes = bytes + excluded.bytes",
	            &s) != 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (v[i].hour_ns % MK_TRAFFIC_HOUR_NS != 0 || v[i].hour_ns > (uint64_t)INT64_MAX) {
			rc = mk_sqlite_fail_msg(st, "write traffic", "not the start of an hour");
			break;
		}
		sqlite3_bind_int64(s, 1, (sqlite3_int64)v[i].hour_ns);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)v[i].packets);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)v[i].bytes);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = mk_sqlite_fail(st, "write traffic");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != 0)
		return rc;
	/* The bound: the newest hour and the MK_TRAFFIC_MAX_HOURS - 1 before it. */
	if (prepare(st,
	            "DELETE FROM traffic_hours WHERE hour_ns < "
	            "(SELECT max(hour_ns) FROM traffic_hours) - ?",
	            &s) != 0)
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)((MK_TRAFFIC_MAX_HOURS - 1) * MK_TRAFFIC_HOUR_NS));
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : mk_sqlite_fail(st, "forget old traffic");
	sqlite3_finalize(s);
	return rc;
}

int mk_sqlite_put_traffic(struct mk_store *st, const struct mk_traffic_rec *v, size_t n)
{
	if (n == 0)
		return 0;
	if (mk_sqlite_sp_begin(st) != 0)
		return -1;
	return mk_sqlite_sp_end(st, put_rows(st, v, n));
}

int mk_sqlite_each_traffic(struct mk_store *st, mk_traffic_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (prepare(st, "SELECT hour_ns, packets, bytes FROM traffic_hours ORDER BY hour_ns", &s) != 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct mk_traffic_rec r = {(uint64_t)sqlite3_column_int64(s, 0),
		                           (uint64_t)sqlite3_column_int64(s, 1),
		                           (uint64_t)sqlite3_column_int64(s, 2)};

		if ((ret = cb(ctx, &r)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = mk_sqlite_fail(st, "read traffic");
	sqlite3_finalize(s);
	return ret;
}

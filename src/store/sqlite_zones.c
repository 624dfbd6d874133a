/* sqlite_zones.c - zones and conduits in the SQLite back end (tables of
 * schema.c "zones and conduits").
 *
 * Rows keep the values as the zone file writes them ("192.168.10.0/24",
 * "modbus/502"), and reading goes back through the zone file parser
 * (mk_zones_parse_line), so a row edited by hand or by a later dashboard is
 * checked exactly like a line of a file: one validator, one set of messages.
 * The set is small (zones.h caps it) and read once per run, so statements are
 * prepared per call rather than cached.
 */
#include "store/sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/zones.h"

#define ZONES_LINE (MK_ZONES_MAX_LINE + 1)

static int run(struct mk_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : mk_sqlite_fail(st, what);
}

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

static int put_rows(struct mk_store *st, const struct mk_zones *z, sqlite3_stmt *sz,
                    sqlite3_stmt *sm, sqlite3_stmt *sc)
{
	char value[128], services[MK_ZONES_MAX_SERVICES * 32];

	for (size_t i = 0; i < mk_zones_count(z); i++) {
		sqlite3_bind_text(sz, 1, mk_zones_id(z, i), -1, SQLITE_STATIC);
		sqlite3_bind_int64(sz, 2, (sqlite3_int64)i);
		sqlite3_bind_text(sz, 3, mk_zones_name(z, i), -1, SQLITE_STATIC);
		if (run(st, sz, "write zone") != 0)
			return -1;
	}
	for (size_t i = 0; i < mk_zones_n_members(z); i++) {
		const char *kind;
		size_t zone;

		mk_zones_member(z, i, &zone, &kind, value, sizeof(value));
		sqlite3_bind_text(sm, 1, mk_zones_id(z, zone), -1, SQLITE_STATIC);
		sqlite3_bind_int64(sm, 2, (sqlite3_int64)i);
		sqlite3_bind_text(sm, 3, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(sm, 4, value, -1, SQLITE_STATIC);
		if (run(st, sm, "write zone member") != 0)
			return -1;
	}
	for (size_t i = 0; i < mk_zones_n_conduits(z); i++) {
		size_t from, to;

		mk_zones_conduit(z, i, &from, &to, services, sizeof(services));
		sqlite3_bind_int64(sc, 1, (sqlite3_int64)i);
		sqlite3_bind_text(sc, 2, mk_zones_id(z, from), -1, SQLITE_STATIC);
		sqlite3_bind_text(sc, 3, mk_zones_id(z, to), -1, SQLITE_STATIC);
		sqlite3_bind_text(sc, 4, services, -1, SQLITE_STATIC);
		if (run(st, sc, "write conduit") != 0)
			return -1;
	}
	return 0;
}

int mk_sqlite_put_zones(struct mk_store *st, const struct mk_zones *z)
{
	sqlite3_stmt *sz = NULL, *sm = NULL, *sc = NULL;
	int rc = -1;

	if (mk_sqlite_sp_begin(st) != 0)
		return -1;
	/* Children first: nothing depends on foreign keys being enabled. */
	if (sqlite3_exec(mk_sqlite_db(st),
	                 "DELETE FROM conduits; DELETE FROM zone_members; DELETE FROM zones;", NULL,
	                 NULL, NULL) != SQLITE_OK) {
		mk_sqlite_fail(st, "replace zones");
		goto out;
	}
	if (prepare(st, "INSERT INTO zones(id, seq, name) VALUES(?1,?2,?3)", &sz) != 0 ||
	    prepare(st, "INSERT INTO zone_members(zone_id, seq, kind, value) VALUES(?1,?2,?3,?4)",
	            &sm) != 0 ||
	    prepare(st,
	            "INSERT INTO conduits(seq, from_zone, to_zone, services) VALUES(?1,?2,?3,?4)",
	            &sc) != 0)
		goto out;
	rc = put_rows(st, z, sz, sm, sc);
out:
	sqlite3_finalize(sz);
	sqlite3_finalize(sm);
	sqlite3_finalize(sc);
	return mk_sqlite_sp_end(st, rc);
}

/* One stored row as a line of the file format, through the parser. */
static int add_line(struct mk_store *st, struct mk_zones *z, const char *line)
{
	char why[512], msg[ZONES_LINE + 600];

	if (mk_zones_parse_line(z, line, why, sizeof(why)) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "%s (\"%s\")", why, line);
	return mk_sqlite_fail_msg(st, "the stored zones are invalid", msg);
}

static const char *text_col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

static int read_rows(struct mk_store *st, struct mk_zones *z, const char *sql, const char *what,
                     int ncols)
{
	sqlite3_stmt *s = NULL;
	char line[ZONES_LINE];
	int rc, ret = 0;
	size_t rows = 0;

	if (prepare(st, sql, &s) != 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* ncols words joined by TABs: the parser splits them again */
		int n = snprintf(line, sizeof(line), "%s\t%s\t%s%s%s", text_col(s, 0),
		                 text_col(s, 1), ncols > 2 ? text_col(s, 2) : "",
		                 ncols > 3 ? "\t" : "", ncols > 3 ? text_col(s, 3) : "");

		/* A damaged database must not make the loader run without bound:
		 * the parser's caps refuse what is beyond them, and so does this. */
		if (n < 0 || (size_t)n >= sizeof(line) ||
		    ++rows > MK_ZONES_MAX_MEMBERS + MK_ZONES_MAX_CONDUITS) {
			ret =
			    mk_sqlite_fail_msg(st, "the stored zones are invalid", "row too long");
			break;
		}
		if ((ret = add_line(st, z, line)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = mk_sqlite_fail(st, what);
	sqlite3_finalize(s);
	return ret;
}

int mk_sqlite_get_zones(struct mk_store *st, struct mk_zones **out)
{
	struct mk_zones *z = mk_zones_new();
	int rc;

	*out = NULL;
	if (z == NULL)
		return mk_sqlite_fail_msg(st, "read zones", "out of memory");
	if (mk_sqlite_sp_begin(st) != 0) {
		mk_zones_free(z);
		return -1;
	}
	/* Zones first (the other lines refer to them), each in its stored order. */
	rc = read_rows(st, z, "SELECT 'zone', id, name FROM zones ORDER BY seq, id", "read zones",
	               3);
	if (rc == 0)
		rc = read_rows(st, z,
		               "SELECT m.kind, m.zone_id, m.value FROM zone_members m"
		               " JOIN zones z ON z.id = m.zone_id ORDER BY z.seq, m.seq",
		               "read zone members", 3);
	if (rc == 0)
		rc = read_rows(
		    st, z,
		    "SELECT 'conduit', from_zone, to_zone, services FROM conduits ORDER BY seq",
		    "read conduits", 4);
	/* A read-only savepoint: released either way, keeping the first error. */
	if (mk_sqlite_sp_end(st, 0) != 0 && rc == 0)
		rc = -1;
	if (rc != 0) {
		mk_zones_free(z);
		return -1;
	}
	*out = z;
	return 0;
}

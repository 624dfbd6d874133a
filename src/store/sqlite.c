/* sqlite.c - the embedded SQLite back end of struct mk_store_ops.
 *
 * One handle = one SQLite connection in WAL mode (readers never block the
 * writer), synchronous=NORMAL (a power cut may lose the last transactions but
 * never corrupts the file), foreign keys on, a busy timeout so that a second
 * mieruka process (serve next to monitor) waits instead of failing.
 *
 * The schema is versioned with PRAGMA user_version and built by the ordered,
 * append-only migrations of schema.c.  A database written by a newer build is
 * refused instead of being damaged, and so is any file that is not a mieruka
 * database, each with a message that names the file.
 *
 * Records are written with "replace" semantics (store.h): put_asset replaces
 * the asset row and all its child rows inside one SAVEPOINT, so it is atomic
 * even outside begin/commit.  Protocols and roles are stored by name, never by
 * enum number, so the database reads the same to every build and to people.
 *
 * Threads: the connection is opened in serialized mode, but a handle has one
 * statement cache and one transaction; use it from one thread at a time (the
 * writer thread owns it while it runs).  Readers in other threads open their
 * own handle on the same file.  Callbacks of each_* must not call back into
 * the same handle.
 */
#include "mieruka/store.h"

#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mieruka/facts.h"
#include "mieruka/pkt.h"
#include "mieruka/util.h"
#include "store/schema.h"
#include "store/sqlite_int.h"

#define BUSY_TIMEOUT_MS 5000
/* Caps on child rows read back per record: a damaged or hostile database
 * must not make a loader allocate without bound. */
#define MAX_CHILDREN 65536
#define MAX_REASONS 256

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SP_BEGIN,
	S_SP_RELEASE,
	S_SP_ROLLBACK,
	S_ASSET_UPSERT,
	S_ASSET_DEL_IPS,
	S_ASSET_DEL_NAMES,
	S_ASSET_DEL_ROLES,
	S_ASSET_DEL_REASONS,
	S_ASSET_DEL_ATTRS,
	S_ASSET_DEL_IDENTITY,
	S_IP_INS,
	S_NAME_INS,
	S_ROLE_INS,
	S_REASON_INS,
	S_ATTR_INS,
	S_IDENTITY_INS,
	S_CONV_UPSERT,
	S_CAPTURE_UPSERT,
	S_CAPTURE_ID,
	S_WARN_DEL,
	S_WARN_INS,
	S_COUNTER_ADD,
	S_ASSET_SEL,
	S_IP_SEL,
	S_NAME_SEL,
	S_ROLE_SEL,
	S_REASON_SEL,
	S_ATTR_SEL,
	S_IDENTITY_SEL,
	S_CONV_SEL,
	S_CAPTURE_SEL,
	S_WARN_SEL,
	S_COUNTER_SEL,
	S_ALERT_UPSERT,
	S_ALERT_DEL_EV,
	S_ALERT_EV_INS,
	S_ALERT_SEL,
	S_ALERT_EV_SEL,
	S_ALERT_STATUS,
	S_BL_META_SEL,
	S_BL_META_PUT,
	S_BL_ITEM_PUT,
	S_BL_ITEM_SEL,
	S_BL_CLEAR_META,
	S_BL_CLEAR_ITEMS,
	S_CHANGE_UPSERT,
	S_CHANGE_SEL,
	S_WINDOW_INS,
	S_WINDOW_SEL,
	S_WINDOW_DEL,
	S_ASSET_DEL_VLANS,
	S_VLAN_INS,
	S_VLAN_SEL,
	S_COUNT,
};

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SP_BEGIN] = "SAVEPOINT mk_put",
	[S_SP_RELEASE] = "RELEASE mk_put",
	[S_SP_ROLLBACK] = "ROLLBACK TO mk_put",
	[S_ASSET_UPSERT] =
		"INSERT INTO assets(id, mac, vendor, os, os_confidence, first_ns, last_ns, packets,"
		" bytes, server_protos, client_protos) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"
		" ON CONFLICT(id) DO UPDATE SET mac=excluded.mac, vendor=excluded.vendor,"
		" os=excluded.os, os_confidence=excluded.os_confidence, first_ns=excluded.first_ns,"
		" last_ns=excluded.last_ns, packets=excluded.packets, bytes=excluded.bytes,"
		" server_protos=excluded.server_protos, client_protos=excluded.client_protos",
	[S_ASSET_DEL_IPS] = "DELETE FROM asset_ips WHERE asset_id=?1",
	[S_ASSET_DEL_NAMES] = "DELETE FROM asset_names WHERE asset_id=?1",
	[S_ASSET_DEL_ROLES] = "DELETE FROM asset_roles WHERE asset_id=?1",
	[S_ASSET_DEL_REASONS] = "DELETE FROM asset_role_reasons WHERE asset_id=?1",
	[S_ASSET_DEL_ATTRS] = "DELETE FROM asset_attrs WHERE asset_id=?1",
	[S_ASSET_DEL_IDENTITY] = "DELETE FROM asset_identity WHERE asset_id=?1",
	[S_IP_INS] = "INSERT INTO asset_ips(asset_id, seq, ip) VALUES(?1,?2,?3)",
	[S_NAME_INS] = "INSERT INTO asset_names(asset_id, seq, name, source) VALUES(?1,?2,?3,?4)",
	[S_ROLE_INS] = "INSERT INTO asset_roles(asset_id, seq, role, confidence) VALUES(?1,?2,?3,?4)",
	[S_REASON_INS] = "INSERT INTO asset_role_reasons(asset_id, role_seq, seq, reason)"
	                 " VALUES(?1,?2,?3,?4)",
	[S_ATTR_INS] = "INSERT INTO asset_attrs(asset_id, seq, key, value, source)"
	               " VALUES(?1,?2,?3,?4,?5)",
	[S_IDENTITY_INS] = "INSERT INTO asset_identity(asset_id, vendor, product, model, firmware,"
	                   " serial, source) VALUES(?1,?2,?3,?4,?5,?6,?7)",
	[S_CONV_UPSERT] =
		"INSERT INTO conversations(client, server, transport, port, proto, client_key,"
		" server_key, packets, bytes, first_ns, last_ns, flows, op_read, op_write, op_program,"
		" op_control, op_firmware, op_auth, op_diagnostic, op_other)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)"
		" ON CONFLICT(client, server, transport, port, proto) DO UPDATE SET"
		" client_key=excluded.client_key, server_key=excluded.server_key,"
		" packets=excluded.packets, bytes=excluded.bytes, first_ns=excluded.first_ns,"
		" last_ns=excluded.last_ns, flows=excluded.flows, op_read=excluded.op_read,"
		" op_write=excluded.op_write, op_program=excluded.op_program,"
		" op_control=excluded.op_control, op_firmware=excluded.op_firmware,"
		" op_auth=excluded.op_auth, op_diagnostic=excluded.op_diagnostic,"
		" op_other=excluded.op_other",
	[S_CAPTURE_UPSERT] =
		"INSERT INTO captures(file, packets, bytes, first_ns, last_ns, link_types)"
		" VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(file) DO UPDATE SET packets=excluded.packets,"
		" bytes=excluded.bytes, first_ns=excluded.first_ns, last_ns=excluded.last_ns,"
		" link_types=excluded.link_types",
	[S_CAPTURE_ID] = "SELECT id FROM captures WHERE file=?1",
	[S_WARN_DEL] = "DELETE FROM capture_warnings WHERE capture_id=?1",
	[S_WARN_INS] = "INSERT INTO capture_warnings(capture_id, seq, warning) VALUES(?1,?2,?3)",
	[S_COUNTER_ADD] = "INSERT INTO counters(name, value) VALUES(?1,?2)"
	                  " ON CONFLICT(name) DO UPDATE SET value=value+excluded.value",
	[S_ASSET_SEL] = "SELECT id, mac, vendor, os, os_confidence, first_ns, last_ns, packets,"
	                " bytes, server_protos, client_protos FROM assets ORDER BY id",
	[S_IP_SEL] = "SELECT ip FROM asset_ips WHERE asset_id=?1 ORDER BY seq",
	[S_NAME_SEL] = "SELECT name, source FROM asset_names WHERE asset_id=?1 ORDER BY seq",
	[S_ROLE_SEL] = "SELECT seq, role, confidence FROM asset_roles WHERE asset_id=?1 ORDER BY seq",
	[S_REASON_SEL] = "SELECT reason FROM asset_role_reasons WHERE asset_id=?1 AND role_seq=?2"
	                 " ORDER BY seq",
	[S_ATTR_SEL] = "SELECT key, value, source FROM asset_attrs WHERE asset_id=?1 ORDER BY seq",
	[S_IDENTITY_SEL] = "SELECT vendor, product, model, firmware, serial, source"
	                   " FROM asset_identity WHERE asset_id=?1",
	[S_CONV_SEL] = "SELECT client, server, transport, port, proto, packets, bytes, first_ns,"
	               " last_ns, flows, op_read, op_write, op_program, op_control, op_firmware,"
	               " op_auth, op_diagnostic, op_other FROM conversations"
	               " ORDER BY client_key, server_key, port, transport, proto",
	[S_CAPTURE_SEL] = "SELECT id, file, packets, bytes, first_ns, last_ns, link_types"
	                  " FROM captures ORDER BY id",
	[S_WARN_SEL] = "SELECT warning FROM capture_warnings WHERE capture_id=?1 ORDER BY seq",
	[S_COUNTER_SEL] = "SELECT name, value FROM counters ORDER BY name",
	[S_ALERT_UPSERT] =
		"INSERT INTO alerts(id, type, subject, severity, client, server, transport, port, proto,"
		" first_ns, last_ns, count, title_en, title_ja, detail_en, detail_ja, status)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"
		" ON CONFLICT(id) DO UPDATE SET type=excluded.type, subject=excluded.subject,"
		" severity=excluded.severity, client=excluded.client, server=excluded.server,"
		" transport=excluded.transport, port=excluded.port, proto=excluded.proto,"
		" first_ns=excluded.first_ns, last_ns=excluded.last_ns, count=excluded.count,"
		" title_en=excluded.title_en, title_ja=excluded.title_ja,"
		" detail_en=excluded.detail_en, detail_ja=excluded.detail_ja,"
		/* what a person decided stays; the detector only moves open <-> planned */
		" status=CASE WHEN alerts.status IN ('acknowledged','accepted') THEN alerts.status"
		" ELSE excluded.status END",
	[S_ALERT_DEL_EV] = "DELETE FROM alert_evidence WHERE alert_id=?1",
	[S_ALERT_EV_INS] = "INSERT INTO alert_evidence(alert_id, seq, key, value) VALUES(?1,?2,?3,?4)",
	[S_ALERT_SEL] = "SELECT id, type, subject, severity, client, server, transport, port, proto,"
	                " first_ns, last_ns, count, title_en, title_ja, detail_en, detail_ja,"
	                " status, status_note"
	                " FROM alerts ORDER BY first_ns, id",
	[S_ALERT_STATUS] = "UPDATE alerts SET status=?2, status_note=?3, status_ns=?4 WHERE id=?1",
	[S_ALERT_EV_SEL] = "SELECT key, value FROM alert_evidence WHERE alert_id=?1 ORDER BY seq",
	[S_BL_META_SEL] = "SELECT state, source, learn_start_ns, learn_end_ns FROM baseline_meta"
	                  " WHERE id=1",
	[S_BL_META_PUT] =
		"INSERT INTO baseline_meta(id, state, source, learn_start_ns, learn_end_ns)"
		" VALUES(1,?1,?2,?3,?4) ON CONFLICT(id) DO UPDATE SET state=excluded.state,"
		" source=excluded.source, learn_start_ns=excluded.learn_start_ns,"
		" learn_end_ns=excluded.learn_end_ns",
	/* merged, never shrunk (baseline.h) */
	[S_BL_ITEM_PUT] =
		"INSERT INTO baseline_items(kind, key, first_ns, last_ns, n0, n1, n2, accepted)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(kind, key) DO UPDATE SET"
		" first_ns=CASE WHEN excluded.first_ns<>0 AND (first_ns=0 OR excluded.first_ns<first_ns)"
		" THEN excluded.first_ns ELSE first_ns END,"
		" last_ns=MAX(last_ns, excluded.last_ns), n0=MAX(n0, excluded.n0),"
		" n1=MAX(n1, excluded.n1), n2=MAX(n2, excluded.n2),"
		" accepted=MAX(accepted, excluded.accepted)",
	[S_BL_ITEM_SEL] = "SELECT kind, key, first_ns, last_ns, n0, n1, n2, accepted"
	                  " FROM baseline_items ORDER BY kind, key",
	[S_BL_CLEAR_META] = "DELETE FROM baseline_meta",
	[S_BL_CLEAR_ITEMS] = "DELETE FROM baseline_items",
	[S_CHANGE_UPSERT] =
		"INSERT INTO changes(id, client, server, proto, operation, detail, first_ns, last_ns,"
		" count, ok, failed, maintenance_id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
		" ON CONFLICT(id) DO UPDATE SET client=excluded.client, server=excluded.server,"
		" proto=excluded.proto, operation=excluded.operation, detail=excluded.detail,"
		" first_ns=excluded.first_ns, last_ns=excluded.last_ns, count=excluded.count,"
		" ok=excluded.ok, failed=excluded.failed, maintenance_id=excluded.maintenance_id",
	[S_CHANGE_SEL] = "SELECT id, client, server, proto, operation, detail, first_ns, last_ns,"
	                 " count, ok, failed, maintenance_id FROM changes ORDER BY first_ns, id",
	[S_WINDOW_INS] = "INSERT INTO maintenance_windows(start_ns, end_ns, devices, vendor, note,"
	                 " created_ns) VALUES(?1,?2,?3,?4,?5,?6)",
	[S_WINDOW_SEL] = "SELECT id, start_ns, end_ns, devices, vendor, note, created_ns"
	                 " FROM maintenance_windows ORDER BY id",
	[S_WINDOW_DEL] = "DELETE FROM maintenance_windows WHERE id=?1",
	[S_ASSET_DEL_VLANS] = "DELETE FROM asset_vlans WHERE asset_id=?1",
	[S_VLAN_INS] = "INSERT INTO asset_vlans(asset_id, seq, vlan) VALUES(?1,?2,?3)",
	[S_VLAN_SEL] = "SELECT vlan FROM asset_vlans WHERE asset_id=?1 ORDER BY seq",
};

struct mk_store {
	struct mk_store_base base; /* first: store.h */
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[S_COUNT]; /* prepared on first use, finalized at close */
	char err[512];
};

/* ---- errors ---- */

static int fail(struct mk_store *st, const char *what)
{
	snprintf(st->err, sizeof(st->err), "%s: %s: %s", st->path != NULL ? st->path : "(database)",
	         what, st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
	return -1;
}

static int fail_msg(struct mk_store *st, const char *what, const char *msg)
{
	snprintf(st->err, sizeof(st->err), "%s: %s: %s", st->path != NULL ? st->path : "(database)",
	         what, msg);
	return -1;
}

/* ---- statements ---- */

static sqlite3_stmt *stmt_get(struct mk_store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmt[id];

	if (s != NULL) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return s;
	}
	if (sqlite3_prepare_v2(st->db, stmt_sql[id], -1, &s, NULL) != SQLITE_OK) {
		fail(st, "prepare");
		sqlite3_finalize(s);
		return NULL;
	}
	st->stmt[id] = s;
	return s;
}

/* Runs a statement that returns no rows. */
static int stmt_done(struct mk_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fail(st, what);
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	return 0;
}

static int exec_id(struct mk_store *st, enum stmt_id id, const char *what)
{
	sqlite3_stmt *s = stmt_get(st, id);

	return s != NULL ? stmt_done(st, s, what) : -1;
}

static void bind_text(sqlite3_stmt *s, int i, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, text, (int)strnlen(text, INT_MAX / 2), SQLITE_STATIC);
}

static void bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	/* Two's complement wrap above 2^63: reads back bit-identical. */
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

static uint64_t col_u64(sqlite3_stmt *s, int i)
{
	return (uint64_t)sqlite3_column_int64(s, i);
}

/* A heap copy of a text column; NULL for SQL NULL.  *oom is set when the copy
 * cannot be made. */
static char *col_dup(sqlite3_stmt *s, int i, bool *oom)
{
	const unsigned char *t;
	int n;
	char *out;

	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return NULL;
	t = sqlite3_column_text(s, i);
	n = sqlite3_column_bytes(s, i);
	if (t == NULL || n < 0) {
		*oom = true;
		return NULL;
	}
	out = malloc((size_t)n + 1);
	if (out == NULL) {
		*oom = true;
		return NULL;
	}
	memcpy(out, t, (size_t)n);
	out[n] = '\0';
	return out;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

/* ---- value conversions ---- */

static void proto_set_text(const struct mk_proto_set *set, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned id = 0; id < MK_PROTO_COUNT; id++) {
		int n;

		if (!mk_proto_set_has(set, id))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used > 0 ? "," : "", mk_proto_id_name(id));
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';
			return;
		}
		used += (size_t)n;
	}
}

/* Parses "modbus,s7comm"; names this build does not know are skipped (a
 * newer build wrote them). */
static void proto_set_parse(struct mk_proto_set *set, const char *text)
{
	const char *p = text;

	memset(set, 0, sizeof(*set));
	for (unsigned guard = 0; *p != '\0' && guard < 4 * MK_PROTO_COUNT; guard++) {
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		char name[64];
		int id;

		if (n > 0 && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			if ((id = mk_proto_id_from_name(name)) >= 0)
				mk_proto_set_add(set, (unsigned)id);
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
}

static uint16_t proto_from_text(const char *name)
{
	int id = mk_proto_id_from_name(name);

	return id >= 0 ? (uint16_t)id : (uint16_t)MK_PROTO_UNKNOWN;
}

static const char *transport_text(uint8_t transport, char buf[8])
{
	switch (transport) {
	case 6: return "tcp";
	case 17: return "udp";
	case 0: return "l2";
	default:
		snprintf(buf, 8, "%u", transport);
		return buf;
	}
}

static uint8_t transport_parse(const char *t)
{
	char *end;
	unsigned long v;

	if (strcmp(t, "tcp") == 0)
		return 6;
	if (strcmp(t, "udp") == 0)
		return 17;
	if (strcmp(t, "l2") == 0)
		return 0;
	v = strtoul(t, &end, 10);
	return (end != t && *end == '\0' && v <= 255) ? (uint8_t)v : 0;
}

/* family byte, then the address bytes: sorts MACs, then IPv4, then IPv6,
 * each numerically. */
static size_t addr_key(const struct mk_addr *a, uint8_t key[17])
{
	size_t n = a->family == MK_AF_MAC ? 6 : a->family == MK_AF_INET ? 4 :
	           a->family == MK_AF_INET6 ? 16 : 0;

	key[0] = a->family;
	memcpy(key + 1, a->a, n);
	return n + 1;
}

static void linktypes_text(const struct mk_capture_rec *rec, char *buf, size_t len)
{
	size_t used = 0;
	unsigned n = rec->n_linktypes <= 8 ? rec->n_linktypes : 8;

	buf[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		const char *name = mk_link_name(rec->linktypes[i]);
		char num[8];
		int w;

		if (name == NULL) {
			snprintf(num, sizeof(num), "%u", rec->linktypes[i]);
			name = num;
		}
		w = snprintf(buf + used, len - used, "%s%s", i > 0 ? "," : "", name);
		if (w < 0 || (size_t)w >= len - used) {
			buf[used] = '\0';
			return;
		}
		used += (size_t)w;
	}
}

static bool linktype_parse(const char *name, uint16_t *out)
{
	char *end;
	unsigned long v = strtoul(name, &end, 10);

	if (end != name && *end == '\0' && v <= UINT16_MAX) {
		*out = (uint16_t)v;
		return true;
	}
	/* mk_link_name has no inverse; the search space is small. */
	for (unsigned lt = 0; lt <= UINT16_MAX; lt++) {
		const char *n = mk_link_name((uint16_t)lt);

		if (n != NULL && strcmp(n, name) == 0) {
			*out = (uint16_t)lt;
			return true;
		}
	}
	return false;
}

static void linktypes_parse(struct mk_capture_rec *rec, const char *text)
{
	const char *p = text;

	rec->n_linktypes = 0;
	while (*p != '\0' && rec->n_linktypes < 8) {
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		char name[32];
		uint16_t lt;

		if (n > 0 && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			if (linktype_parse(name, &lt))
				rec->linktypes[rec->n_linktypes++] = lt;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
}

/* ---- open, migrate, close ---- */

static int pragma_int(struct mk_store *st, const char *sql, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK) {
		int ext = sqlite3_extended_errcode(st->db);

		if ((ext & 0xff) == SQLITE_NOTADB)
			fail_msg(st, "cannot use the database",
			         "not an SQLite database (if it is a capture file, name it as an "
			         "argument, not after --db)");
		else
			fail(st, "cannot read the database");
	}
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? 0 : -1;
}

static int exec_sql(struct mk_store *st, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fail_msg(st, what, msg != NULL ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Refuses files that are SQLite databases but not ours, or ours but from a
 * newer build: writing to them would damage someone's data. */
static int check_identity(struct mk_store *st, int version, int app_id)
{
	char msg[256];
	int tables = 0;

	if (version > (int)mk_store_n_migrations) {
		snprintf(msg, sizeof(msg),
		         "the database was written by a newer mieruka (schema version %d; this build "
		         "knows up to %d); use a newer mieruka or another --db file",
		         version, (int)mk_store_n_migrations);
		return fail_msg(st, "cannot use the database", msg);
	}
	if (app_id == MK_STORE_APPLICATION_ID)
		return 0;
	if (app_id != 0 || version != 0) {
		snprintf(msg, sizeof(msg),
		         "an SQLite database of another program (application_id 0x%08x, "
		         "user_version %d), not a mieruka database",
		         (unsigned)app_id, version);
		return fail_msg(st, "cannot use the database", msg);
	}
	if (pragma_int(st, "SELECT count(*) FROM sqlite_master", &tables) != 0)
		return -1;
	if (tables > 0)
		return fail_msg(st, "cannot use the database",
		                "an SQLite database that already holds other tables, "
		                "not a mieruka database");
	return 0;
}

static int migrate(struct mk_store *st)
{
	for (;;) {
		int version = 0;
		char sql[96];

		if (exec_sql(st, "BEGIN IMMEDIATE", "cannot start the schema migration") != 0)
			return -1;
		/* Re-read inside the write lock: another process may have migrated. */
		if (pragma_int(st, "PRAGMA user_version", &version) != 0)
			goto out_rollback;
		if (version >= (int)mk_store_n_migrations) {
			exec_sql(st, "ROLLBACK", "rollback");
			return 0;
		}
		if (version < 0) {
			fail_msg(st, "cannot use the database", "negative schema version");
			goto out_rollback;
		}
		snprintf(sql, sizeof(sql), "schema migration to version %d failed", version + 1);
		if (exec_sql(st, mk_store_migrations[version], sql) != 0)
			goto out_rollback;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d;",
		         version + 1, MK_STORE_APPLICATION_ID);
		if (exec_sql(st, sql, "cannot record the schema version") != 0)
			goto out_rollback;
		if (exec_sql(st, "COMMIT", "cannot commit the schema migration") != 0)
			goto out_rollback;
	}
out_rollback:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static void sq_close(struct mk_store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

static int sq_open(struct mk_store **out, const char *where, char *err, size_t errlen)
{
	struct mk_store *st;
	int rc, version = 0, app_id = 0;
	char mode[16] = "";
	sqlite3_stmt *s = NULL;

	*out = NULL;
	if (where == NULL || where[0] == '\0') {
		snprintf(err, errlen, "no database file given");
		return -1;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL || (st->path = strdup(where)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", where);
		free(st);
		return -1;
	}
	st->base.ops = &mk_store_sqlite;
	rc = sqlite3_open_v2(where, &st->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		fail(st, "cannot open the database");
		goto out_fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	/* The first read of the header is where a non-database file shows up. */
	if (pragma_int(st, "PRAGMA application_id", &app_id) != 0 ||
	    pragma_int(st, "PRAGMA user_version", &version) != 0 ||
	    check_identity(st, version, app_id) != 0)
		goto out_fail;
	/* WAL: the web UI reads while monitor writes; returns the mode it got
	 * ("memory" for in-memory databases, which cannot do WAL). */
	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s, NULL);
	if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		snprintf(mode, sizeof(mode), "%s", (const char *)sqlite3_column_text(s, 0));
	else
		rc = SQLITE_ERROR;
	sqlite3_finalize(s);
	if (rc != SQLITE_OK) {
		fail(st, "cannot switch to WAL mode");
		goto out_fail;
	}
	if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0) {
		fail_msg(st, "cannot switch to WAL mode", mode);
		goto out_fail;
	}
	if (exec_sql(st, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
	             "cannot configure the database") != 0)
		goto out_fail;
	/* Only take the write lock when there is something to migrate. */
	if (version < (int)mk_store_n_migrations && migrate(st) != 0)
		goto out_fail;
	*out = st;
	return 0;

out_fail:
	snprintf(err, errlen, "%s", st->err);
	sq_close(st);
	return -1;
}

/* ---- transactions ---- */

static int sq_begin(struct mk_store *st)
{
	return exec_id(st, S_BEGIN, "begin");
}

static int sq_commit(struct mk_store *st)
{
	return exec_id(st, S_COMMIT, "commit");
}

static int sq_rollback(struct mk_store *st)
{
	if (sqlite3_get_autocommit(st->db))
		return 0; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
	return exec_id(st, S_ROLLBACK, "rollback");
}

/* Every put runs in a savepoint: atomic inside or outside a transaction. */
static int sp_begin(struct mk_store *st)
{
	return exec_id(st, S_SP_BEGIN, "savepoint");
}

static int sp_end(struct mk_store *st, int rc)
{
	if (rc == 0)
		return exec_id(st, S_SP_RELEASE, "release savepoint");
	/* Keep the first error message, not the cleanup's. */
	if (!sqlite3_get_autocommit(st->db)) {
		char saved[sizeof(st->err)];

		memcpy(saved, st->err, sizeof(saved));
		exec_id(st, S_SP_ROLLBACK, "rollback to savepoint");
		exec_id(st, S_SP_RELEASE, "release savepoint");
		memcpy(st->err, saved, sizeof(saved));
	}
	return -1;
}

/* ---- writes ---- */

static int del_children(struct mk_store *st, const char *id)
{
	static const enum stmt_id dels[] = {
		S_ASSET_DEL_IPS, S_ASSET_DEL_NAMES, S_ASSET_DEL_REASONS,
		S_ASSET_DEL_ROLES, S_ASSET_DEL_ATTRS, S_ASSET_DEL_IDENTITY,
		S_ASSET_DEL_VLANS,
	};

	for (size_t i = 0; i < sizeof(dels) / sizeof(dels[0]); i++) {
		sqlite3_stmt *s = stmt_get(st, dels[i]);

		if (s == NULL)
			return -1;
		bind_text(s, 1, id);
		if (stmt_done(st, s, "delete asset details") != 0)
			return -1;
	}
	return 0;
}

static int put_asset_rows(struct mk_store *st, const struct mk_asset_rec *rec, const char *id)
{
	char buf[MK_ADDR_STRLEN], server[MK_PROTO_COUNT * 24], client[MK_PROTO_COUNT * 24];
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_ASSET_UPSERT)) == NULL)
		return -1;
	proto_set_text(&rec->server, server, sizeof(server));
	proto_set_text(&rec->client, client, sizeof(client));
	bind_text(s, 1, id);
	if (rec->mac.family != MK_AF_NONE)
		bind_text(s, 2, mk_addr_str(&rec->mac, buf));
	bind_text(s, 3, rec->vendor);
	bind_text(s, 4, rec->os);
	sqlite3_bind_int(s, 5, rec->os_confidence);
	bind_u64(s, 6, rec->first_ns);
	bind_u64(s, 7, rec->last_ns);
	bind_u64(s, 8, rec->packets);
	bind_u64(s, 9, rec->bytes);
	bind_text(s, 10, server);
	bind_text(s, 11, client);
	if (stmt_done(st, s, "write asset") != 0 || del_children(st, id) != 0)
		return -1;

	for (size_t i = 0; i < rec->n_ips; i++) {
		if ((s = stmt_get(st, S_IP_INS)) == NULL)
			return -1;
		bind_text(s, 1, id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, mk_addr_str(&rec->ips[i], buf));
		if (stmt_done(st, s, "write asset address") != 0)
			return -1;
	}
	for (size_t i = 0; i < rec->n_vlans && i < MK_ASSET_MAX_VLANS; i++) {
		if ((s = stmt_get(st, S_VLAN_INS)) == NULL)
			return -1;
		bind_text(s, 1, id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		sqlite3_bind_int(s, 3, rec->vlans[i]);
		if (stmt_done(st, s, "write asset VLAN") != 0)
			return -1;
	}
	for (size_t i = 0; i < rec->n_names; i++) {
		if ((s = stmt_get(st, S_NAME_INS)) == NULL)
			return -1;
		bind_text(s, 1, id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, rec->names[i].name != NULL ? rec->names[i].name : "");
		bind_text(s, 4, mk_proto_id_name(rec->names[i].source));
		if (stmt_done(st, s, "write asset name") != 0)
			return -1;
	}
	for (size_t i = 0; i < rec->n_roles; i++) {
		const struct mk_role_rec *r = &rec->roles[i];

		if ((s = stmt_get(st, S_ROLE_INS)) == NULL)
			return -1;
		bind_text(s, 1, id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, mk_role_name(r->role));
		sqlite3_bind_int(s, 4, r->confidence);
		if (stmt_done(st, s, "write asset role") != 0)
			return -1;
		for (size_t k = 0; k < r->n_reasons; k++) {
			if ((s = stmt_get(st, S_REASON_INS)) == NULL)
				return -1;
			bind_text(s, 1, id);
			sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
			sqlite3_bind_int64(s, 3, (sqlite3_int64)k);
			bind_text(s, 4, r->reasons[k] != NULL ? r->reasons[k] : "");
			if (stmt_done(st, s, "write asset role reason") != 0)
				return -1;
		}
	}
	for (size_t i = 0; i < rec->n_attrs; i++) {
		if ((s = stmt_get(st, S_ATTR_INS)) == NULL)
			return -1;
		bind_text(s, 1, id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, rec->attrs[i].key != NULL ? rec->attrs[i].key : "");
		bind_text(s, 4, rec->attrs[i].value);
		bind_text(s, 5, mk_proto_id_name(rec->attrs[i].source));
		if (stmt_done(st, s, "write asset attribute") != 0)
			return -1;
	}
	if (rec->identity != NULL) {
		const struct mk_identity_rec *idn = rec->identity;

		if ((s = stmt_get(st, S_IDENTITY_INS)) == NULL)
			return -1;
		bind_text(s, 1, id);
		bind_text(s, 2, idn->vendor);
		bind_text(s, 3, idn->product);
		bind_text(s, 4, idn->model);
		bind_text(s, 5, idn->firmware);
		bind_text(s, 6, idn->serial);
		bind_text(s, 7, mk_proto_id_name(idn->source));
		if (stmt_done(st, s, "write asset identity") != 0)
			return -1;
	}
	return 0;
}

static int sq_put_asset(struct mk_store *st, const struct mk_asset_rec *rec)
{
	char id[MK_ASSET_ID_LEN];

	/* The id array may be full without a terminator; never read past it. */
	memcpy(id, rec->id, sizeof(id));
	id[sizeof(id) - 1] = '\0';
	if (id[0] == '\0')
		return fail_msg(st, "write asset", "asset without an id");
	if (sp_begin(st) != 0)
		return -1;
	return sp_end(st, put_asset_rows(st, rec, id));
}

static int sq_put_conv(struct mk_store *st, const struct mk_conv_rec *rec)
{
	char cbuf[MK_ADDR_STRLEN], sbuf[MK_ADDR_STRLEN], tbuf[8];
	uint8_t ckey[17], skey[17];
	size_t ckn = addr_key(&rec->client, ckey), skn = addr_key(&rec->server, skey);
	sqlite3_stmt *s = stmt_get(st, S_CONV_UPSERT);

	if (s == NULL)
		return -1;
	bind_text(s, 1, mk_addr_str(&rec->client, cbuf));
	bind_text(s, 2, mk_addr_str(&rec->server, sbuf));
	bind_text(s, 3, transport_text(rec->transport, tbuf));
	sqlite3_bind_int(s, 4, rec->port);
	bind_text(s, 5, mk_proto_id_name(rec->proto));
	sqlite3_bind_blob(s, 6, ckey, (int)ckn, SQLITE_STATIC);
	sqlite3_bind_blob(s, 7, skey, (int)skn, SQLITE_STATIC);
	bind_u64(s, 8, rec->packets);
	bind_u64(s, 9, rec->bytes);
	bind_u64(s, 10, rec->first_ns);
	bind_u64(s, 11, rec->last_ns);
	bind_u64(s, 12, rec->flows);
	for (int op = 0; op < MK_OP_COUNT; op++)
		bind_u64(s, 13 + op, rec->ops[op]);
	return stmt_done(st, s, "write conversation");
}

static int put_capture_rows(struct mk_store *st, const struct mk_capture_rec *rec)
{
	char links[8 * 24];
	sqlite3_int64 cid;
	sqlite3_stmt *s = stmt_get(st, S_CAPTURE_UPSERT);

	if (s == NULL)
		return -1;
	linktypes_text(rec, links, sizeof(links));
	bind_text(s, 1, rec->file != NULL ? rec->file : "");
	bind_u64(s, 2, rec->packets);
	bind_u64(s, 3, rec->bytes);
	bind_u64(s, 4, rec->first_ns);
	bind_u64(s, 5, rec->last_ns);
	bind_text(s, 6, links);
	if (stmt_done(st, s, "write capture") != 0)
		return -1;
	/* The row keeps its id (and so its place in the order) when replaced. */
	if ((s = stmt_get(st, S_CAPTURE_ID)) == NULL)
		return -1;
	bind_text(s, 1, rec->file != NULL ? rec->file : "");
	if (sqlite3_step(s) != SQLITE_ROW) {
		fail(st, "find capture");
		sqlite3_reset(s);
		return -1;
	}
	cid = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if ((s = stmt_get(st, S_WARN_DEL)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cid);
	if (stmt_done(st, s, "delete capture warnings") != 0)
		return -1;
	for (size_t i = 0; i < rec->n_warnings; i++) {
		if ((s = stmt_get(st, S_WARN_INS)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, cid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, rec->warnings[i] != NULL ? rec->warnings[i] : "");
		if (stmt_done(st, s, "write capture warning") != 0)
			return -1;
	}
	return 0;
}

static int sq_put_capture(struct mk_store *st, const struct mk_capture_rec *rec)
{
	if (sp_begin(st) != 0)
		return -1;
	return sp_end(st, put_capture_rows(st, rec));
}

static int sq_put_counter(struct mk_store *st, const char *name, uint64_t value)
{
	sqlite3_stmt *s;

	if (name == NULL || name[0] == '\0')
		return fail_msg(st, "write counter", "counter without a name");
	if ((s = stmt_get(st, S_COUNTER_ADD)) == NULL)
		return -1;
	bind_text(s, 1, name);
	bind_u64(s, 2, value);
	return stmt_done(st, s, "write counter");
}

static int put_alert_rows(struct mk_store *st, const struct mk_alert_rec *rec, const char *id)
{
	char cbuf[MK_ADDR_STRLEN], sbuf[MK_ADDR_STRLEN], tbuf[8], type[MK_ALERT_TYPE_LEN];
	char subject[MK_ALERT_SUBJECT_LEN];
	sqlite3_stmt *s = stmt_get(st, S_ALERT_UPSERT);

	if (s == NULL)
		return -1;
	memcpy(type, rec->type, sizeof(type));
	type[sizeof(type) - 1] = '\0';
	memcpy(subject, rec->subject, sizeof(subject));
	subject[sizeof(subject) - 1] = '\0';
	bind_text(s, 1, id);
	bind_text(s, 2, type);
	bind_text(s, 3, subject);
	bind_text(s, 4, mk_severity_name(rec->severity));
	if (rec->client.family != MK_AF_NONE)
		bind_text(s, 5, mk_addr_str(&rec->client, cbuf));
	if (rec->server.family != MK_AF_NONE)
		bind_text(s, 6, mk_addr_str(&rec->server, sbuf));
	bind_text(s, 7, transport_text(rec->transport, tbuf));
	sqlite3_bind_int(s, 8, rec->port);
	bind_text(s, 9, mk_proto_id_name(rec->proto));
	bind_u64(s, 10, rec->first_ns);
	bind_u64(s, 11, rec->last_ns);
	bind_u64(s, 12, rec->count);
	bind_text(s, 13, rec->title_en != NULL ? rec->title_en : "");
	bind_text(s, 14, rec->title_ja != NULL ? rec->title_ja : "");
	bind_text(s, 15, rec->detail_en != NULL ? rec->detail_en : "");
	bind_text(s, 16, rec->detail_ja != NULL ? rec->detail_ja : "");
	bind_text(s, 17, mk_alert_status_name(rec->status));
	if (stmt_done(st, s, "write alert") != 0)
		return -1;
	if ((s = stmt_get(st, S_ALERT_DEL_EV)) == NULL)
		return -1;
	bind_text(s, 1, id);
	if (stmt_done(st, s, "delete alert evidence") != 0)
		return -1;
	for (size_t i = 0; i < rec->n_evidence; i++) {
		if ((s = stmt_get(st, S_ALERT_EV_INS)) == NULL)
			return -1;
		bind_text(s, 1, id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, rec->evidence[i].key != NULL ? rec->evidence[i].key : "");
		bind_text(s, 4, rec->evidence[i].value != NULL ? rec->evidence[i].value : "");
		if (stmt_done(st, s, "write alert evidence") != 0)
			return -1;
	}
	return 0;
}

static int sq_put_alert(struct mk_store *st, const struct mk_alert_rec *rec)
{
	char id[MK_ALERT_ID_LEN];

	memcpy(id, rec->id, sizeof(id));
	id[sizeof(id) - 1] = '\0';
	if (id[0] == '\0')
		return fail_msg(st, "write alert", "alert without an id");
	if (sp_begin(st) != 0)
		return -1;
	return sp_end(st, put_alert_rows(st, rec, id));
}

/* ---- reads ---- */

/* Grows *v (of *cap items of size sz) to hold n + 1 items, up to MAX_CHILDREN. */
static bool grow(void **v, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return true;
	if (n >= MAX_CHILDREN)
		return false;
	ncap = *cap != 0 ? *cap * 2 : 4;
	if (ncap > MAX_CHILDREN)
		ncap = MAX_CHILDREN;
	nv = realloc(*v, ncap * sz);
	if (nv == NULL)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

/* Steps s to the end; rc of the last step. */
#define STEP_ROWS(s, rc) while (((rc) = sqlite3_step(s)) == SQLITE_ROW)

static int load_reasons(struct mk_store *st, const char *id, int64_t role_seq,
                        struct mk_role_rec *r)
{
	sqlite3_stmt *s = stmt_get(st, S_REASON_SEL);
	size_t cap = 0;
	bool oom = false;
	int rc;

	if (s == NULL)
		return -1;
	bind_text(s, 1, id);
	sqlite3_bind_int64(s, 2, role_seq);
	STEP_ROWS(s, rc) {
		char *t;

		if (r->n_reasons >= MAX_REASONS)
			continue;
		if (!grow((void **)&r->reasons, &cap, r->n_reasons, sizeof(*r->reasons)) ||
		    (t = col_dup(s, 0, &oom)) == NULL) {
			oom = true;
			break;
		}
		r->reasons[r->n_reasons++] = t;
	}
	sqlite3_reset(s);
	if (oom)
		return fail_msg(st, "read asset role reasons", "out of memory");
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(st, "read asset role reasons");
}

static int load_children(struct mk_store *st, const char *id, struct mk_asset_rec *rec)
{
	sqlite3_stmt *s;
	int64_t seqs[64]; /* role seq of each role read; there are fewer roles */
	size_t cap;
	bool oom = false;
	int rc;

	/* addresses */
	if ((s = stmt_get(st, S_IP_SEL)) == NULL)
		return -1;
	bind_text(s, 1, id);
	cap = 0;
	STEP_ROWS(s, rc) {
		struct mk_addr a;

		if (!mk_addr_parse(&a, col_text(s, 0)))
			continue; /* not an address: damaged row, skip it */
		if (!grow((void **)&rec->ips, &cap, rec->n_ips, sizeof(*rec->ips))) {
			oom = true;
			break;
		}
		rec->ips[rec->n_ips++] = a;
	}
	sqlite3_reset(s);
	if (oom || (rc != SQLITE_DONE && rc != SQLITE_ROW))
		goto out_err;

	/* VLANs: 1-4094, at most MK_ASSET_MAX_VLANS (a damaged row is skipped) */
	if ((s = stmt_get(st, S_VLAN_SEL)) == NULL)
		return -1;
	bind_text(s, 1, id);
	STEP_ROWS(s, rc) {
		sqlite3_int64 v = sqlite3_column_int64(s, 0);

		if (v >= 1 && v <= 4094 && rec->n_vlans < MK_ASSET_MAX_VLANS)
			rec->vlans[rec->n_vlans++] = (uint16_t)v;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto out_err;

	/* host names */
	if ((s = stmt_get(st, S_NAME_SEL)) == NULL)
		return -1;
	bind_text(s, 1, id);
	cap = 0;
	STEP_ROWS(s, rc) {
		struct mk_name_rec *n;

		if (!grow((void **)&rec->names, &cap, rec->n_names, sizeof(*rec->names))) {
			oom = true;
			break;
		}
		n = &rec->names[rec->n_names];
		n->name = col_dup(s, 0, &oom);
		n->source = proto_from_text(col_text(s, 1));
		if (n->name == NULL) {
			oom = true;
			break;
		}
		rec->n_names++;
	}
	sqlite3_reset(s);
	if (oom || (rc != SQLITE_DONE && rc != SQLITE_ROW))
		goto out_err;

	/* roles, then their reasons (a second statement, so after the first ends) */
	if ((s = stmt_get(st, S_ROLE_SEL)) == NULL)
		return -1;
	bind_text(s, 1, id);
	cap = 0;
	STEP_ROWS(s, rc) {
		struct mk_role_rec *r;
		int role, conf;

		if (rec->n_roles >= sizeof(seqs) / sizeof(seqs[0]))
			continue; /* there are fewer than 64 roles */
		if (!grow((void **)&rec->roles, &cap, rec->n_roles, sizeof(*rec->roles))) {
			oom = true;
			break;
		}
		r = &rec->roles[rec->n_roles];
		memset(r, 0, sizeof(*r));
		seqs[rec->n_roles] = sqlite3_column_int64(s, 0);
		role = mk_role_from_name(col_text(s, 1));
		r->role = role >= 0 ? (uint8_t)role : (uint8_t)MK_ROLE_UNKNOWN;
		conf = sqlite3_column_int(s, 2);
		r->confidence = conf < 0 ? 0 : conf > 100 ? 100 : (uint8_t)conf;
		rec->n_roles++;
	}
	sqlite3_reset(s);
	if (oom || (rc != SQLITE_DONE && rc != SQLITE_ROW))
		goto out_err;
	for (size_t i = 0; i < rec->n_roles; i++)
		if (load_reasons(st, id, seqs[i], &rec->roles[i]) != 0)
			return -1;

	/* attributes */
	if ((s = stmt_get(st, S_ATTR_SEL)) == NULL)
		return -1;
	bind_text(s, 1, id);
	cap = 0;
	STEP_ROWS(s, rc) {
		struct mk_attr_rec *a;

		if (!grow((void **)&rec->attrs, &cap, rec->n_attrs, sizeof(*rec->attrs))) {
			oom = true;
			break;
		}
		a = &rec->attrs[rec->n_attrs];
		memset(a, 0, sizeof(*a));
		rec->n_attrs++; /* counted first so that clear frees partial rows */
		a->key = col_dup(s, 0, &oom);
		a->value = col_dup(s, 1, &oom);
		a->source = proto_from_text(col_text(s, 2));
		if (oom || a->key == NULL) {
			oom = true;
			break;
		}
	}
	sqlite3_reset(s);
	if (oom || (rc != SQLITE_DONE && rc != SQLITE_ROW))
		goto out_err;

	/* identity */
	if ((s = stmt_get(st, S_IDENTITY_SEL)) == NULL)
		return -1;
	bind_text(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		struct mk_identity_rec *idn = calloc(1, sizeof(*idn));

		if (idn == NULL) {
			oom = true;
		} else {
			rec->identity = idn;
			idn->vendor = col_dup(s, 0, &oom);
			idn->product = col_dup(s, 1, &oom);
			idn->model = col_dup(s, 2, &oom);
			idn->firmware = col_dup(s, 3, &oom);
			idn->serial = col_dup(s, 4, &oom);
			idn->source = proto_from_text(col_text(s, 5));
		}
	}
	sqlite3_reset(s);
	if (oom || (rc != SQLITE_DONE && rc != SQLITE_ROW))
		goto out_err;
	return 0;

out_err:
	if (oom)
		return fail_msg(st, "read asset details", "out of memory");
	return fail(st, "read asset details");
}

static int load_asset(struct mk_store *st, sqlite3_stmt *s, struct mk_asset_rec *rec)
{
	const char *id = col_text(s, 0);
	bool oom = false;
	int conf;

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->id, sizeof(rec->id), "%s", id);
	if (sqlite3_column_type(s, 1) != SQLITE_NULL && !mk_addr_parse(&rec->mac, col_text(s, 1)))
		memset(&rec->mac, 0, sizeof(rec->mac));
	rec->vendor = col_dup(s, 2, &oom);
	rec->os = col_dup(s, 3, &oom);
	conf = sqlite3_column_int(s, 4);
	rec->os_confidence = conf < 0 ? 0 : conf > 100 ? 100 : (uint8_t)conf;
	rec->first_ns = col_u64(s, 5);
	rec->last_ns = col_u64(s, 6);
	rec->packets = col_u64(s, 7);
	rec->bytes = col_u64(s, 8);
	proto_set_parse(&rec->server, col_text(s, 9));
	proto_set_parse(&rec->client, col_text(s, 10));
	if (oom)
		return fail_msg(st, "read asset", "out of memory");
	return load_children(st, rec->id, rec);
}

/* Reads run in a savepoint so that each_* sees one snapshot, also when the
 * caller has no transaction open. */
static int read_begin(struct mk_store *st)
{
	return sp_begin(st);
}

static void read_end(struct mk_store *st)
{
	char saved[sizeof(st->err)];

	memcpy(saved, st->err, sizeof(saved));
	exec_id(st, S_SP_RELEASE, "release savepoint");
	memcpy(st->err, saved, sizeof(saved));
}

static int sq_each_asset(struct mk_store *st, mk_asset_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (read_begin(st) != 0)
		return -1;
	if ((s = stmt_get(st, S_ASSET_SEL)) == NULL) {
		read_end(st);
		return -1;
	}
	STEP_ROWS(s, rc) {
		struct mk_asset_rec rec;

		if (load_asset(st, s, &rec) != 0) {
			mk_asset_rec_clear(&rec);
			ret = -1;
			break;
		}
		ret = cb(ctx, &rec);
		mk_asset_rec_clear(&rec);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = fail(st, "read assets");
	sqlite3_reset(s);
	read_end(st);
	return ret;
}

static int sq_each_conv(struct mk_store *st, mk_conv_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (read_begin(st) != 0)
		return -1;
	if ((s = stmt_get(st, S_CONV_SEL)) == NULL) {
		read_end(st);
		return -1;
	}
	STEP_ROWS(s, rc) {
		struct mk_conv_rec rec;

		memset(&rec, 0, sizeof(rec));
		if (!mk_addr_parse(&rec.client, col_text(s, 0)) ||
		    !mk_addr_parse(&rec.server, col_text(s, 1)))
			continue; /* damaged row */
		rec.transport = transport_parse(col_text(s, 2));
		rec.port = (uint16_t)sqlite3_column_int(s, 3);
		rec.proto = proto_from_text(col_text(s, 4));
		rec.packets = col_u64(s, 5);
		rec.bytes = col_u64(s, 6);
		rec.first_ns = col_u64(s, 7);
		rec.last_ns = col_u64(s, 8);
		rec.flows = col_u64(s, 9);
		for (int op = 0; op < MK_OP_COUNT; op++)
			rec.ops[op] = col_u64(s, 10 + op);
		if ((ret = cb(ctx, &rec)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = fail(st, "read conversations");
	sqlite3_reset(s);
	read_end(st);
	return ret;
}

static int load_warnings(struct mk_store *st, sqlite3_int64 cid, struct mk_capture_rec *rec)
{
	sqlite3_stmt *s = stmt_get(st, S_WARN_SEL);
	size_t cap = 0;
	bool oom = false;
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cid);
	STEP_ROWS(s, rc) {
		char *t;

		if (!grow((void **)&rec->warnings, &cap, rec->n_warnings, sizeof(*rec->warnings)) ||
		    (t = col_dup(s, 0, &oom)) == NULL) {
			oom = true;
			break;
		}
		rec->warnings[rec->n_warnings++] = t;
	}
	sqlite3_reset(s);
	if (oom)
		return fail_msg(st, "read capture warnings", "out of memory");
	return rc == SQLITE_DONE ? 0 : fail(st, "read capture warnings");
}

static int sq_each_capture(struct mk_store *st, mk_capture_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (read_begin(st) != 0)
		return -1;
	if ((s = stmt_get(st, S_CAPTURE_SEL)) == NULL) {
		read_end(st);
		return -1;
	}
	STEP_ROWS(s, rc) {
		struct mk_capture_rec rec;
		bool oom = false;

		memset(&rec, 0, sizeof(rec));
		rec.file = col_dup(s, 1, &oom);
		rec.packets = col_u64(s, 2);
		rec.bytes = col_u64(s, 3);
		rec.first_ns = col_u64(s, 4);
		rec.last_ns = col_u64(s, 5);
		linktypes_parse(&rec, col_text(s, 6));
		if (oom || rec.file == NULL) {
			mk_capture_rec_clear(&rec);
			ret = fail_msg(st, "read captures", "out of memory");
			break;
		}
		if (load_warnings(st, sqlite3_column_int64(s, 0), &rec) != 0) {
			mk_capture_rec_clear(&rec);
			ret = -1;
			break;
		}
		ret = cb(ctx, &rec);
		mk_capture_rec_clear(&rec);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = fail(st, "read captures");
	sqlite3_reset(s);
	read_end(st);
	return ret;
}

static int sq_each_counter(struct mk_store *st, mk_counter_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (read_begin(st) != 0)
		return -1;
	if ((s = stmt_get(st, S_COUNTER_SEL)) == NULL) {
		read_end(st);
		return -1;
	}
	STEP_ROWS(s, rc) {
		if ((ret = cb(ctx, col_text(s, 0), col_u64(s, 1))) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = fail(st, "read counters");
	sqlite3_reset(s);
	read_end(st);
	return ret;
}

static int load_evidence(struct mk_store *st, const char *id, struct mk_alert_rec *rec)
{
	sqlite3_stmt *s = stmt_get(st, S_ALERT_EV_SEL);
	bool oom = false;
	int rc;

	if (s == NULL)
		return -1;
	bind_text(s, 1, id);
	STEP_ROWS(s, rc) {
		struct mk_evidence_rec *e;

		if (rec->n_evidence >= MK_ALERT_MAX_EVIDENCE)
			continue; /* a damaged or newer database: keep what fits */
		if (rec->evidence == NULL &&
		    (rec->evidence = calloc(MK_ALERT_MAX_EVIDENCE, sizeof(*rec->evidence))) == NULL) {
			oom = true;
			break;
		}
		e = &rec->evidence[rec->n_evidence++];
		e->key = col_dup(s, 0, &oom);
		e->value = col_dup(s, 1, &oom);
		if (oom || e->key == NULL || e->value == NULL) {
			oom = true;
			break;
		}
	}
	sqlite3_reset(s);
	if (oom)
		return fail_msg(st, "read alert evidence", "out of memory");
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(st, "read alert evidence");
}

static int load_alert(struct mk_store *st, sqlite3_stmt *s, struct mk_alert_rec *rec)
{
	bool oom = false;
	int sev;

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->id, sizeof(rec->id), "%s", col_text(s, 0));
	snprintf(rec->type, sizeof(rec->type), "%s", col_text(s, 1));
	snprintf(rec->subject, sizeof(rec->subject), "%s", col_text(s, 2));
	sev = mk_severity_from_name(col_text(s, 3));
	rec->severity = sev >= 0 ? (uint8_t)sev : (uint8_t)MK_SEV_INFO;
	if (sqlite3_column_type(s, 4) != SQLITE_NULL && !mk_addr_parse(&rec->client, col_text(s, 4)))
		memset(&rec->client, 0, sizeof(rec->client));
	if (sqlite3_column_type(s, 5) != SQLITE_NULL && !mk_addr_parse(&rec->server, col_text(s, 5)))
		memset(&rec->server, 0, sizeof(rec->server));
	rec->transport = transport_parse(col_text(s, 6));
	rec->port = (uint16_t)sqlite3_column_int(s, 7);
	rec->proto = proto_from_text(col_text(s, 8));
	rec->first_ns = col_u64(s, 9);
	rec->last_ns = col_u64(s, 10);
	rec->count = col_u64(s, 11);
	rec->title_en = col_dup(s, 12, &oom);
	rec->title_ja = col_dup(s, 13, &oom);
	rec->detail_en = col_dup(s, 14, &oom);
	rec->detail_ja = col_dup(s, 15, &oom);
	sev = mk_alert_status_from_name(col_text(s, 16));
	rec->status = sev >= 0 ? (uint8_t)sev : (uint8_t)MK_ALERT_OPEN;
	rec->status_note = col_dup(s, 17, &oom);
	if (oom)
		return fail_msg(st, "read alert", "out of memory");
	return load_evidence(st, rec->id, rec);
}

static int sq_set_alert_status(struct mk_store *st, const char *id, unsigned status,
                               const char *note)
{
	sqlite3_stmt *s = stmt_get(st, S_ALERT_STATUS);
	struct timespec now;

	if (s == NULL)
		return -1;
	if (status >= MK_ALERT_STATUS_COUNT)
		return fail_msg(st, "set alert status", "unknown status");
	clock_gettime(CLOCK_REALTIME, &now);
	bind_text(s, 1, id);
	bind_text(s, 2, mk_alert_status_name(status));
	bind_text(s, 3, note != NULL ? note : "");
	bind_u64(s, 4, (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec);
	if (stmt_done(st, s, "set alert status") != 0)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

static int sq_each_alert(struct mk_store *st, mk_alert_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (read_begin(st) != 0)
		return -1;
	if ((s = stmt_get(st, S_ALERT_SEL)) == NULL) {
		read_end(st);
		return -1;
	}
	STEP_ROWS(s, rc) {
		struct mk_alert_rec rec;

		if (load_alert(st, s, &rec) != 0) {
			mk_alert_rec_clear(&rec);
			ret = -1;
			break;
		}
		ret = cb(ctx, &rec);
		mk_alert_rec_clear(&rec);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = fail(st, "read alerts");
	sqlite3_reset(s);
	read_end(st);
	return ret;
}

/* ---- the baseline ---- */

static int sq_get_baseline_meta(struct mk_store *st, struct mk_baseline_meta *out)
{
	sqlite3_stmt *s;
	int rc, found = 0, state;

	memset(out, 0, sizeof(*out));
	if ((s = stmt_get(st, S_BL_META_SEL)) == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		state = mk_baseline_state_from_name(col_text(s, 0));
		out->state = state >= 0 ? (uint8_t)state : (uint8_t)MK_BASELINE_NONE;
		snprintf(out->source, sizeof(out->source), "%s", col_text(s, 1));
		out->learn_start_ns = col_u64(s, 2);
		out->learn_end_ns = col_u64(s, 3);
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "read baseline");
	return found;
}

static int sq_put_baseline_meta(struct mk_store *st, const struct mk_baseline_meta *m)
{
	char source[MK_BASELINE_SOURCE_LEN];
	sqlite3_stmt *s = stmt_get(st, S_BL_META_PUT);

	if (s == NULL)
		return -1;
	memcpy(source, m->source, sizeof(source));
	source[sizeof(source) - 1] = '\0';
	bind_text(s, 1, mk_baseline_state_name(m->state));
	bind_text(s, 2, source);
	bind_u64(s, 3, m->learn_start_ns);
	bind_u64(s, 4, m->learn_end_ns);
	return stmt_done(st, s, "write baseline");
}

static int sq_put_baseline_item(struct mk_store *st, const struct mk_baseline_item *it)
{
	char key[MK_BASELINE_KEY_LEN];
	sqlite3_stmt *s;

	if (it->kind >= MK_BK_COUNT)
		return fail_msg(st, "write baseline item", "unknown kind");
	memcpy(key, it->key, sizeof(key));
	key[sizeof(key) - 1] = '\0';
	if (key[0] == '\0')
		return fail_msg(st, "write baseline item", "item without a key");
	if ((s = stmt_get(st, S_BL_ITEM_PUT)) == NULL)
		return -1;
	bind_text(s, 1, mk_baseline_kind_name(it->kind));
	bind_text(s, 2, key);
	bind_u64(s, 3, it->first_ns);
	bind_u64(s, 4, it->last_ns);
	bind_u64(s, 5, it->n[0]);
	bind_u64(s, 6, it->n[1]);
	bind_u64(s, 7, it->n[2]);
	sqlite3_bind_int(s, 8, it->accepted ? 1 : 0);
	return stmt_done(st, s, "write baseline item");
}

static int sq_each_baseline_item(struct mk_store *st, mk_baseline_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (read_begin(st) != 0)
		return -1;
	if ((s = stmt_get(st, S_BL_ITEM_SEL)) == NULL) {
		read_end(st);
		return -1;
	}
	STEP_ROWS(s, rc) {
		struct mk_baseline_item it;
		int kind = mk_baseline_kind_from_name(col_text(s, 0));

		if (kind < 0)
			continue; /* a kind this build does not know: the database keeps it */
		memset(&it, 0, sizeof(it));
		it.kind = (uint8_t)kind;
		snprintf(it.key, sizeof(it.key), "%s", col_text(s, 1));
		it.first_ns = col_u64(s, 2);
		it.last_ns = col_u64(s, 3);
		for (int i = 0; i < 3; i++)
			it.n[i] = col_u64(s, 4 + i);
		it.accepted = sqlite3_column_int(s, 7) != 0;
		if ((ret = cb(ctx, &it)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = fail(st, "read baseline items");
	sqlite3_reset(s);
	read_end(st);
	return ret;
}

static int sq_clear_baseline(struct mk_store *st)
{
	if (exec_id(st, S_BL_CLEAR_ITEMS, "clear baseline") != 0)
		return -1;
	return exec_id(st, S_BL_CLEAR_META, "clear baseline");
}

/* ---- the change ledger and maintenance windows (ledger.h) ---- */

static int op_from_text(const char *name)
{
	for (unsigned op = 0; op < MK_OP_COUNT; op++)
		if (strcmp(mk_op_class_name(op), name) == 0)
			return (int)op;
	return -1;
}

static int sq_put_change(struct mk_store *st, const struct mk_change_rec *rec)
{
	char id[MK_CHANGE_ID_LEN], detail[MK_CHANGE_DETAIL_LEN];
	char cbuf[MK_ADDR_STRLEN], sbuf[MK_ADDR_STRLEN];
	sqlite3_stmt *s;

	memcpy(id, rec->id, sizeof(id));
	id[sizeof(id) - 1] = '\0';
	memcpy(detail, rec->detail, sizeof(detail));
	detail[sizeof(detail) - 1] = '\0';
	if (id[0] == '\0')
		return fail_msg(st, "write change", "change without an id");
	if ((s = stmt_get(st, S_CHANGE_UPSERT)) == NULL)
		return -1;
	bind_text(s, 1, id);
	if (rec->client.family != MK_AF_NONE)
		bind_text(s, 2, mk_addr_str(&rec->client, cbuf));
	if (rec->server.family != MK_AF_NONE)
		bind_text(s, 3, mk_addr_str(&rec->server, sbuf));
	bind_text(s, 4, mk_proto_id_name(rec->proto));
	bind_text(s, 5, mk_op_class_name(rec->op));
	bind_text(s, 6, detail);
	bind_u64(s, 7, rec->first_ns);
	bind_u64(s, 8, rec->last_ns);
	bind_u64(s, 9, rec->count);
	bind_u64(s, 10, rec->ok);
	bind_u64(s, 11, rec->failed);
	sqlite3_bind_int64(s, 12, rec->window);
	return stmt_done(st, s, "write change");
}

static int sq_each_change(struct mk_store *st, mk_change_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (read_begin(st) != 0)
		return -1;
	if ((s = stmt_get(st, S_CHANGE_SEL)) == NULL) {
		read_end(st);
		return -1;
	}
	STEP_ROWS(s, rc) {
		struct mk_change_rec rec;
		sqlite3_int64 win = sqlite3_column_int64(s, 11);
		int op = op_from_text(col_text(s, 4));

		memset(&rec, 0, sizeof(rec));
		snprintf(rec.id, sizeof(rec.id), "%s", col_text(s, 0));
		if ((sqlite3_column_type(s, 1) != SQLITE_NULL &&
		     !mk_addr_parse(&rec.client, col_text(s, 1))) ||
		    (sqlite3_column_type(s, 2) != SQLITE_NULL &&
		     !mk_addr_parse(&rec.server, col_text(s, 2))) ||
		    op < 0)
			continue; /* damaged row */
		rec.proto = proto_from_text(col_text(s, 3));
		rec.op = (uint8_t)op;
		mk_text_sanitize(rec.detail, sizeof(rec.detail), col_text(s, 5),
		                 strlen(col_text(s, 5)));
		rec.first_ns = col_u64(s, 6);
		rec.last_ns = col_u64(s, 7);
		rec.count = col_u64(s, 8);
		rec.ok = col_u64(s, 9);
		rec.failed = col_u64(s, 10);
		rec.window = win > 0 && win <= UINT32_MAX ? (uint32_t)win : 0;
		if ((ret = cb(ctx, &rec)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = fail(st, "read changes");
	sqlite3_reset(s);
	read_end(st);
	return ret;
}

static int sq_add_window(struct mk_store *st, const struct mk_window_rec *rec, uint32_t *id)
{
	char devices[MK_WINDOW_MAX_DEVICES * (MK_ADDR_STRLEN + 1)] = "";
	char vendor[MK_WINDOW_TEXT_LEN], note[MK_WINDOW_TEXT_LEN];
	size_t used = 0, nd = rec->n_devices < MK_WINDOW_MAX_DEVICES ? rec->n_devices
	                                                            : MK_WINDOW_MAX_DEVICES;
	sqlite3_int64 rowid;
	sqlite3_stmt *s;

	if (rec->end_ns <= rec->start_ns)
		return fail_msg(st, "write maintenance window", "the end is not after the start");
	for (size_t i = 0; i < nd; i++) {
		char buf[MK_ADDR_STRLEN];
		int n = snprintf(devices + used, sizeof(devices) - used, "%s%s", used > 0 ? " " : "",
		                 mk_addr_str(&rec->devices[i], buf));

		if (n > 0 && (size_t)n < sizeof(devices) - used)
			used += (size_t)n;
	}
	memcpy(vendor, rec->vendor, sizeof(vendor));
	vendor[sizeof(vendor) - 1] = '\0';
	memcpy(note, rec->note, sizeof(note));
	note[sizeof(note) - 1] = '\0';
	if ((s = stmt_get(st, S_WINDOW_INS)) == NULL)
		return -1;
	bind_u64(s, 1, rec->start_ns);
	bind_u64(s, 2, rec->end_ns);
	bind_text(s, 3, devices);
	bind_text(s, 4, vendor);
	bind_text(s, 5, note);
	bind_u64(s, 6, rec->created_ns);
	if (stmt_done(st, s, "write maintenance window") != 0)
		return -1;
	rowid = sqlite3_last_insert_rowid(st->db);
	if (rowid <= 0 || rowid > UINT32_MAX)
		return fail_msg(st, "write maintenance window", "window id out of range");
	*id = (uint32_t)rowid;
	return 0;
}

/* "addr addr ..." into the window's devices (bad words are skipped). */
static void devices_parse(struct mk_window_rec *w, const char *text)
{
	char word[MK_ADDR_STRLEN + 1];

	for (const char *p = text; *p != '\0' && w->n_devices < MK_WINDOW_MAX_DEVICES;) {
		size_t n = strcspn(p, " ");

		if (n > 0 && n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = '\0';
			if (mk_addr_parse(&w->devices[w->n_devices], word))
				w->n_devices++;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
}

static int sq_each_window(struct mk_store *st, mk_window_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc, ret = 0;
	struct mk_window_rec *rec = malloc(sizeof(*rec));

	if (rec == NULL)
		return fail_msg(st, "read maintenance windows", "out of memory");
	if (read_begin(st) != 0) {
		free(rec);
		return -1;
	}
	if ((s = stmt_get(st, S_WINDOW_SEL)) == NULL) {
		read_end(st);
		free(rec);
		return -1;
	}
	STEP_ROWS(s, rc) {
		sqlite3_int64 id = sqlite3_column_int64(s, 0);

		if (id <= 0 || id > UINT32_MAX)
			continue; /* damaged row */
		memset(rec, 0, sizeof(*rec));
		rec->id = (uint32_t)id;
		rec->start_ns = col_u64(s, 1);
		rec->end_ns = col_u64(s, 2);
		devices_parse(rec, col_text(s, 3));
		mk_text_sanitize(rec->vendor, sizeof(rec->vendor), col_text(s, 4),
		                 strlen(col_text(s, 4)));
		mk_text_sanitize(rec->note, sizeof(rec->note), col_text(s, 5), strlen(col_text(s, 5)));
		rec->created_ns = col_u64(s, 6);
		if ((ret = cb(ctx, rec)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = fail(st, "read maintenance windows");
	sqlite3_reset(s);
	read_end(st);
	free(rec);
	return ret;
}

static int sq_delete_window(struct mk_store *st, uint32_t id)
{
	sqlite3_stmt *s = stmt_get(st, S_WINDOW_DEL);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (stmt_done(st, s, "delete maintenance window") != 0)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

static const char *sq_error(struct mk_store *st)
{
	return st != NULL && st->err[0] != '\0' ? st->err : "no error";
}

/* ---- for the back end's other files (sqlite_int.h) ---- */

sqlite3 *mk_sqlite_db(struct mk_store *st)
{
	return st->db;
}

int mk_sqlite_fail(struct mk_store *st, const char *what)
{
	return fail(st, what);
}

int mk_sqlite_fail_msg(struct mk_store *st, const char *what, const char *msg)
{
	return fail_msg(st, what, msg);
}

int mk_sqlite_sp_begin(struct mk_store *st)
{
	return sp_begin(st);
}

int mk_sqlite_sp_end(struct mk_store *st, int rc)
{
	return sp_end(st, rc);
}

int mk_store_schema_version(void)
{
	return (int)mk_store_n_migrations;
}

const struct mk_store_ops mk_store_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.put_asset = sq_put_asset,
	.put_conv = sq_put_conv,
	.put_capture = sq_put_capture,
	.put_counter = sq_put_counter,
	.put_alert = sq_put_alert,
	.each_asset = sq_each_asset,
	.each_conv = sq_each_conv,
	.each_capture = sq_each_capture,
	.each_counter = sq_each_counter,
	.each_alert = sq_each_alert,
	.set_alert_status = sq_set_alert_status,
	.get_baseline_meta = sq_get_baseline_meta,
	.put_baseline_meta = sq_put_baseline_meta,
	.put_baseline_item = sq_put_baseline_item,
	.each_baseline_item = sq_each_baseline_item,
	.clear_baseline = sq_clear_baseline,
	.error = sq_error,
	.put_zones = mk_sqlite_put_zones,
	.get_zones = mk_sqlite_get_zones,
	.put_change = sq_put_change,
	.each_change = sq_each_change,
	.add_window = sq_add_window,
	.each_window = sq_each_window,
	.delete_window = sq_delete_window,
	.count_users = mk_sqlite_count_users,
	.get_user = mk_sqlite_get_user,
	.put_user = mk_sqlite_put_user,
	.each_user = mk_sqlite_each_user,
	.put_session = mk_sqlite_put_session,
	.get_session = mk_sqlite_get_session,
	.delete_session = mk_sqlite_delete_session,
	.put_asset_note = mk_sqlite_put_asset_note,
	.each_asset_note = mk_sqlite_each_asset_note,
	.delete_user_sessions = mk_sqlite_delete_user_sessions,
	.put_traffic = mk_sqlite_put_traffic,
	.each_traffic = mk_sqlite_each_traffic,
	.put_answers = mk_sqlite_put_answers,
	.each_answer = mk_sqlite_each_answer,
	.put_bcp = mk_sqlite_put_bcp,
	.get_bcp = mk_sqlite_get_bcp,
	.put_assess_run = mk_sqlite_put_assess_run,
	.each_assess_run = mk_sqlite_each_assess_run,
};

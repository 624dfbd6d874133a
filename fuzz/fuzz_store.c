/* fuzz_store.c - libFuzzer target for reading a damaged or hostile database.
 *
 * A database file is shared between processes and may be edited by hand, so
 * the SQLite loader must survive any value in any column: addresses that do
 * not parse, unknown PROTO and ROLE names, odd link type lists, huge
 * confidences, NULLs.  The target creates a fresh database with the real
 * schema, fills every table from the input with raw SQL, and iterates it
 * with each_*.  Input: the bytes split on NUL into strings used in turn as
 * column values; byte values give the numbers.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STRINGS 32

static void check(int cond)
{
	if (!cond)
		abort();
}

static const char *const inserts[] = {
	"INSERT INTO assets(id, mac, vendor, os, os_confidence, first_ns, server_protos,"
	" client_protos) VALUES(?1,?2,?3,?4,?9,?10,?5,?6)",
	"INSERT INTO asset_ips(asset_id, seq, ip) VALUES(?1,?9,?2)",
	"INSERT INTO asset_ips(asset_id, seq, ip) VALUES(?1,?10,?3)",
	"INSERT INTO asset_names(asset_id, seq, name, source) VALUES(?1,?9,?2,?3)",
	"INSERT INTO asset_roles(asset_id, seq, role, confidence) VALUES(?1,?9,?2,?10)",
	"INSERT INTO asset_roles(asset_id, seq, role, confidence) VALUES(?1,?10,?3,?9)",
	"INSERT INTO asset_role_reasons(asset_id, role_seq, seq, reason) VALUES(?1,?9,?10,?4)",
	"INSERT INTO asset_attrs(asset_id, seq, key, value, source) VALUES(?1,?9,?2,?3,?4)",
	"INSERT INTO asset_identity(asset_id, vendor, product, model, firmware, serial, source)"
	" VALUES(?1,?2,?3,NULL,?4,?5,?6)",
	"INSERT INTO conversations(client, server, transport, port, proto, client_key,"
	" server_key, packets) VALUES(?1,?2,?3,?9,?4,?5,?6,?10)",
	"INSERT INTO captures(file, packets, first_ns, link_types) VALUES(?1,?9,?10,?2)",
	"INSERT INTO capture_warnings(capture_id, seq, warning) VALUES(?9,?10,?3)",
	"INSERT INTO counters(name, value) VALUES(?1,?10)",
};

static int asset_cb(void *ctx, const struct mk_asset_rec *rec)
{
	(*(size_t *)ctx)++;
	check(rec->id[sizeof(rec->id) - 1] == '\0');
	for (size_t i = 0; i < rec->n_roles; i++)
		check(rec->roles[i].role < MK_ROLE_COUNT && rec->roles[i].confidence <= 100);
	for (size_t i = 0; i < rec->n_names; i++)
		check(rec->names[i].name != NULL && rec->names[i].source < MK_PROTO_COUNT);
	return 0;
}

static int conv_cb(void *ctx, const struct mk_conv_rec *rec)
{
	(*(size_t *)ctx)++;
	check(rec->proto < MK_PROTO_COUNT);
	return 0;
}

static int capture_cb(void *ctx, const struct mk_capture_rec *rec)
{
	(*(size_t *)ctx)++;
	check(rec->file != NULL && rec->n_linktypes <= 8);
	return 0;
}

static int counter_cb(void *ctx, const char *name, uint64_t value)
{
	(*(size_t *)ctx)++;
	check(name != NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	char *strs[MAX_STRINGS], err[512], side[80];
	size_t n = 0, start = 0, next = 0, seen = 0;
	struct mk_store *st = NULL;
	sqlite3 *db;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/mk_fuzz_store_%d.db", (int)getpid());
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	for (size_t i = 0; i <= size && n < MAX_STRINGS; i++) {
		if (i == size || data[i] == 0) {
			strs[n] = malloc(i - start + 1);
			check(strs[n] != NULL);
			memcpy(strs[n], data + start, i - start);
			strs[n][i - start] = '\0';
			n++;
			start = i + 1;
		}
	}

	/* the real schema */
	check(mk_store_sqlite.open(&st, path, err, sizeof(err)) == 0);
	mk_store_sqlite.close(st);

	/* hostile rows */
	check(sqlite3_open(path, &db) == SQLITE_OK);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (size_t k = 0; k < sizeof(inserts) / sizeof(inserts[0]); k++) {
		sqlite3_stmt *s = NULL;

		check(sqlite3_prepare_v2(db, inserts[k], -1, &s, NULL) == SQLITE_OK);
		for (int p = 1; p <= 8; p++) {
			const char *t = strs[next++ % n];

			if (t[0] == 'N' && t[1] == '\0')
				sqlite3_bind_null(s, p);
			else if (p >= 5 && p <= 6 && k == 9)
				sqlite3_bind_blob(s, p, t, (int)strlen(t), SQLITE_TRANSIENT);
			else
				sqlite3_bind_text(s, p, t, -1, SQLITE_TRANSIENT);
		}
		sqlite3_bind_int64(s, 9, size > k ? (int64_t)data[k] - 64 : 0);
		sqlite3_bind_int64(s, 10, size > k + 1 ? (int64_t)data[k + 1] * 1000003 - 7 : -1);
		sqlite3_step(s); /* constraint violations are fine */
		sqlite3_finalize(s);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);

	/* the loader */
	check(mk_store_sqlite.open(&st, path, err, sizeof(err)) == 0);
	mk_store_sqlite.each_asset(st, asset_cb, &seen);
	mk_store_sqlite.each_conv(st, conv_cb, &seen);
	mk_store_sqlite.each_capture(st, capture_cb, &seen);
	mk_store_sqlite.each_counter(st, counter_cb, &seen);
	mk_store_sqlite.close(st);

	for (size_t i = 0; i < n; i++)
		free(strs[i]);
	return 0;
}

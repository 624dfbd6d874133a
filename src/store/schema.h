/* schema.h - the SQLite schema as an ordered list of migrations (internal to
 * src/store).  mk_store_migrations[i] takes a database from version i to i+1;
 * the database's version lives in PRAGMA user_version. */
#ifndef MIERUKA_STORE_SCHEMA_H
#define MIERUKA_STORE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

/* "MKRU": PRAGMA application_id of a mieruka database, so that `file` and
 * mieruka itself can tell our databases from other SQLite files. */
#define MK_STORE_APPLICATION_ID 0x4d4b5255

extern const char *const mk_store_migrations[];
extern const size_t mk_store_n_migrations;

#endif /* MIERUKA_STORE_SCHEMA_H */

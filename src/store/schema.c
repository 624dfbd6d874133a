/* schema.c - the SQLite schema of a mieruka database, as migrations.
 *
 * Each entry of mk_store_migrations takes the database from version i to
 * version i + 1 (PRAGMA user_version).  sqlite.c applies each one inside its
 * own transaction together with the new user_version, so a crash mid-migration
 * leaves the previous version intact.
 *
 * APPEND ONLY: a migration that has shipped is never edited, because
 * databases in the field already went through it.  To change the schema, add
 * a new entry at the end (ALTER TABLE, new tables, data copies).
 *
 * Conventions, chosen so the file is readable with the sqlite3 shell and
 * stable across builds:
 * - protocols are PROTO names of interface.md ("modbus"), roles ROLE names,
 *   never enum numbers (the enums may grow);
 * - addresses are text: "00:1b:1b:12:34:56", dotted IPv4, RFC 5952 IPv6;
 * - times are integer nanoseconds since the Unix epoch (UTC);
 * - 64-bit counters are stored in INTEGER columns (signed 64-bit: values
 *   above 2^63 read back bit-identical but look negative in the shell);
 * - sets of PROTO names are comma-separated text ("modbus,s7comm");
 * - lists keep their order with a seq column.
 * Child rows reference their parent with ON DELETE CASCADE; the store also
 * deletes them explicitly on replace, so nothing depends on foreign keys
 * being enabled by another client.
 */
#include "store/schema.h"

const char *const mk_store_migrations[] = {
	/* ---- version 1: the first schema ---- */
	"CREATE TABLE assets ("
	"  id TEXT PRIMARY KEY,"
	"  mac TEXT,"                         /* NULL when the asset is keyed by IP */
	"  vendor TEXT,"
	"  os TEXT,"
	"  os_confidence INTEGER NOT NULL DEFAULT 0,"
	"  first_ns INTEGER NOT NULL DEFAULT 0,"
	"  last_ns INTEGER NOT NULL DEFAULT 0,"
	"  packets INTEGER NOT NULL DEFAULT 0,"
	"  bytes INTEGER NOT NULL DEFAULT 0,"
	"  server_protos TEXT NOT NULL DEFAULT '',"
	"  client_protos TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE TABLE asset_ips ("
	"  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  ip TEXT NOT NULL,"
	"  PRIMARY KEY (asset_id, seq)"
	");"
	"CREATE INDEX asset_ips_ip ON asset_ips(ip);"
	"CREATE TABLE asset_names ("
	"  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  source TEXT NOT NULL,"             /* PROTO that announced the name */
	"  PRIMARY KEY (asset_id, seq)"
	");"
	"CREATE TABLE asset_roles ("
	"  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"             /* 0 = highest confidence */
	"  role TEXT NOT NULL,"               /* ROLE name */
	"  confidence INTEGER NOT NULL,"
	"  PRIMARY KEY (asset_id, seq)"
	");"
	"CREATE TABLE asset_role_reasons ("
	"  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	"  role_seq INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  PRIMARY KEY (asset_id, role_seq, seq)"
	");"
	"CREATE TABLE asset_attrs ("
	"  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  key TEXT NOT NULL,"
	"  value TEXT,"
	"  source TEXT NOT NULL,"
	"  PRIMARY KEY (asset_id, seq)"
	");"
	"CREATE TABLE asset_identity ("
	"  asset_id TEXT PRIMARY KEY REFERENCES assets(id) ON DELETE CASCADE,"
	"  vendor TEXT, product TEXT, model TEXT, firmware TEXT, serial TEXT,"
	"  source TEXT NOT NULL"
	");"
	"CREATE TABLE conversations ("
	"  client TEXT NOT NULL,"
	"  server TEXT NOT NULL,"
	"  transport TEXT NOT NULL,"          /* 'tcp', 'udp', 'l2' (or the IP protocol number) */
	"  port INTEGER NOT NULL,"            /* server port; 0 for l2 */
	"  proto TEXT NOT NULL,"              /* PROTO */
	"  client_key BLOB NOT NULL,"         /* family byte + address: numeric sort order */
	"  server_key BLOB NOT NULL,"
	"  packets INTEGER NOT NULL DEFAULT 0,"
	"  bytes INTEGER NOT NULL DEFAULT 0,"
	"  first_ns INTEGER NOT NULL DEFAULT 0,"
	"  last_ns INTEGER NOT NULL DEFAULT 0,"
	"  flows INTEGER NOT NULL DEFAULT 0,"
	"  op_read INTEGER NOT NULL DEFAULT 0,"
	"  op_write INTEGER NOT NULL DEFAULT 0,"
	"  op_program INTEGER NOT NULL DEFAULT 0,"
	"  op_control INTEGER NOT NULL DEFAULT 0,"
	"  op_firmware INTEGER NOT NULL DEFAULT 0,"
	"  op_auth INTEGER NOT NULL DEFAULT 0,"
	"  op_diagnostic INTEGER NOT NULL DEFAULT 0,"
	"  op_other INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (client, server, transport, port, proto)"
	");"
	"CREATE INDEX conversations_order ON conversations(client_key, server_key, port, transport, proto);"
	"CREATE TABLE captures ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT," /* insertion order */
	"  file TEXT NOT NULL UNIQUE,"
	"  packets INTEGER NOT NULL DEFAULT 0,"
	"  bytes INTEGER NOT NULL DEFAULT 0,"
	"  first_ns INTEGER NOT NULL DEFAULT 0,"
	"  last_ns INTEGER NOT NULL DEFAULT 0,"
	"  link_types TEXT NOT NULL DEFAULT ''" /* comma-separated link type names */
	");"
	"CREATE TABLE capture_warnings ("
	"  capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  warning TEXT NOT NULL,"
	"  PRIMARY KEY (capture_id, seq)"
	");"
	"CREATE TABLE counters ("
	"  name TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL DEFAULT 0"
	");",

	/* ---- version 2: alerts (src/detect), aggregated by key ---- */
	"CREATE TABLE alerts ("
	"  id TEXT PRIMARY KEY,"              /* 'al-' + hash of the key fields */
	"  type TEXT NOT NULL,"               /* alert type id of interface.md */
	"  subject TEXT NOT NULL DEFAULT '',"  /* extra key part (an event name) */
	"  severity TEXT NOT NULL,"           /* critical, high, medium, low, info */
	"  client TEXT,"                      /* requester / source; NULL when not applicable */
	"  server TEXT,"                      /* target; NULL when not applicable */
	"  transport TEXT NOT NULL DEFAULT 'l2',"
	"  port INTEGER NOT NULL DEFAULT 0,"
	"  proto TEXT NOT NULL DEFAULT 'unknown',"
	"  first_ns INTEGER NOT NULL DEFAULT 0,"
	"  last_ns INTEGER NOT NULL DEFAULT 0,"
	"  count INTEGER NOT NULL DEFAULT 0,"
	"  title_en TEXT NOT NULL DEFAULT '',"
	"  title_ja TEXT NOT NULL DEFAULT '',"
	"  detail_en TEXT NOT NULL DEFAULT '',"
	"  detail_ja TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE INDEX alerts_order ON alerts(first_ns, id);"
	"CREATE TABLE alert_evidence ("
	"  alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (alert_id, seq)"
	");",

	/* ---- version 3: where an alert stands (enum mk_alert_status) ---- */
	/* status is set by the detector (open, planned) or by a person
	 * (acknowledged, accepted: kept across runs); status_note says why, and
	 * status_ns is when a person set it (wall clock, ns since 1970). */
	"ALTER TABLE alerts ADD COLUMN status TEXT NOT NULL DEFAULT 'open';"
	"ALTER TABLE alerts ADD COLUMN status_note TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE alerts ADD COLUMN status_ns INTEGER NOT NULL DEFAULT 0;",

	/* ---- version 4: zones and conduits (src/detect/zones.c, include/mieruka/zones.h) ----
	 * The set is replaced as a whole (mieruka zones import); values are kept as
	 * the zone file writes them, so people and the dashboard read them as is. */
	"CREATE TABLE zones ("
	"  id TEXT PRIMARY KEY,"              /* ASCII id of the zone file */
	"  seq INTEGER NOT NULL,"             /* order of the file */
	"  name TEXT NOT NULL"                /* plain name, UTF-8 ('ライン1') */
	");"
	"CREATE TABLE zone_members ("
	"  zone_id TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"               /* subnet, vlan, asset */
	"  value TEXT NOT NULL,"              /* '192.168.10.0/24', '10', '00:1b:1b:12:34:56' */
	"  PRIMARY KEY (zone_id, seq)"
	");"
	"CREATE TABLE conduits ("
	"  seq INTEGER PRIMARY KEY,"
	"  from_zone TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE," /* clients here ... */
	"  to_zone TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,"   /* ... reach servers here */
	"  services TEXT NOT NULL DEFAULT ''" /* 'modbus/502 s7comm'; '' = any traffic */
	");",

	/* ---- version 5: the learned baseline (include/mieruka/baseline.h) ---- */
	/* One meta row (learning or judging, since when); items are learned keys
	 * by kind ("device", "conversation", ...) with their numbers n0..n2 (the
	 * meaning per kind is in baseline.h); accepted = taught by a person. */
	"CREATE TABLE baseline_meta ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  state TEXT NOT NULL,"              /* none, learning, judging */
	"  source TEXT NOT NULL DEFAULT '',"  /* learn_captures, capture_start, live */
	"  learn_start_ns INTEGER NOT NULL DEFAULT 0,"
	"  learn_end_ns INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE baseline_items ("
	"  kind TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  first_ns INTEGER NOT NULL DEFAULT 0,"
	"  last_ns INTEGER NOT NULL DEFAULT 0,"
	"  n0 INTEGER NOT NULL DEFAULT 0,"
	"  n1 INTEGER NOT NULL DEFAULT 0,"
	"  n2 INTEGER NOT NULL DEFAULT 0,"
	"  accepted INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (kind, key)"
	");",

	/* ---- version 6: the change ledger and maintenance windows (src/detect/ledger.c) ---- */
	/* One row per ledger entry (a burst of identical operations on a
	 * controller); replaced by id at every snapshot.  maintenance_id is the
	 * window the operations happened in, 0 when none.  Window ids are never
	 * reused (AUTOINCREMENT): alerts and ledger entries keep naming them
	 * after a window is deleted. */
	"CREATE TABLE changes ("
	"  id TEXT PRIMARY KEY,"              /* 'ch-' + hash of the key and the first time */
	"  client TEXT,"                      /* requester (IP, or MAC for L2) */
	"  server TEXT,"                      /* the controller */
	"  proto TEXT NOT NULL,"              /* PROTO */
	"  operation TEXT NOT NULL,"          /* operation class: program, control, write... */
	"  detail TEXT NOT NULL DEFAULT '',"
	"  first_ns INTEGER NOT NULL DEFAULT 0,"
	"  last_ns INTEGER NOT NULL DEFAULT 0,"
	"  count INTEGER NOT NULL DEFAULT 0,"
	"  ok INTEGER NOT NULL DEFAULT 0,"    /* answers telling success */
	"  failed INTEGER NOT NULL DEFAULT 0," /* answers telling failure */
	"  maintenance_id INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX changes_order ON changes(first_ns, id);"
	"CREATE TABLE maintenance_windows ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  start_ns INTEGER NOT NULL,"        /* UTC; the range includes both ends */
	"  end_ns INTEGER NOT NULL,"
	"  devices TEXT NOT NULL DEFAULT '',"  /* space-separated IPs/MACs; '' = every device */
	"  vendor TEXT NOT NULL DEFAULT '',"
	"  note TEXT NOT NULL DEFAULT '',"
	"  created_ns INTEGER NOT NULL DEFAULT 0" /* wall clock when recorded */
	");",

	/* ---- version 7: the dashboard's users, sessions and asset notes (src/web) ---- */
	/* Passwords as libsodium Argon2id strings; sessions by the hash of their
	 * token (the token itself is never stored); notes a person wrote about
	 * an asset (name, free text, criticality high/medium/low). */
	"CREATE TABLE web_users ("
	"  name TEXT PRIMARY KEY,"
	"  pwhash TEXT NOT NULL,"
	"  role TEXT NOT NULL,"               /* viewer, admin */
	"  created_ns INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE web_sessions ("
	"  token_hash TEXT PRIMARY KEY,"      /* hex BLAKE2b of the cookie's token */
	"  user TEXT NOT NULL REFERENCES web_users(name) ON DELETE CASCADE,"
	"  expires_ns INTEGER NOT NULL"
	");"
	"CREATE TABLE asset_notes ("
	"  asset_id TEXT PRIMARY KEY,"
	"  name TEXT,"
	"  notes TEXT,"
	"  criticality TEXT"                  /* high, medium, low, NULL */
	");",

	/* ---- version 8: the VLANs of an asset (model.h mk_asset_rec.vlans) ---- */
	/* The 802.1Q ids a device sent from (at most a few, ascending by seq);
	 * zones (zone_members kind 'vlan') place the device by them. */
	"CREATE TABLE asset_vlans ("
	"  asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  vlan INTEGER NOT NULL,"            /* 1-4094 */
	"  PRIMARY KEY (asset_id, seq)"
	");",

	/* ---- version 9: traffic per hour (model.h mk_traffic_rec) ---- */
	/* Packets and bytes of every packet analysed, per UTC hour of packet
	 * time; runs add to the hour's row (re-analysing a capture adds again,
	 * like the counters); only the latest MK_TRAFFIC_MAX_HOURS (9,600)
	 * hours before the newest are kept. */
	"CREATE TABLE traffic_hours ("
	"  hour_ns INTEGER PRIMARY KEY,"      /* start of the hour, ns since the epoch */
	"  packets INTEGER NOT NULL DEFAULT 0,"
	"  bytes INTEGER NOT NULL DEFAULT 0"  /* on the wire */
	");",

	/* ---- version 10: the self-assessment's answers, BCP entries and runs (src/assess) ---- */
	/* One row per answer key (docs/ASSESSMENT.md "Answers"): a later answer
	 * replaces the earlier one.  The BCP entries are one JSON object (the
	 * answers file's "bcp" member), a single row.  Each recorded run keeps
	 * its plan (countermeasure ids with their answers at the time) so the
	 * next run can tell new items, open ones and those done since; only the
	 * latest MK_ASSESS_MAX_RUNS runs are kept. */
	"CREATE TABLE assess_answers ("
	"  key TEXT PRIMARY KEY,"             /* use.usb, usb.rules, likelihood.usb, impact.usb.stop */
	"  value TEXT NOT NULL,"
	"  note TEXT,"
	"  answered_by TEXT,"                 /* who answered, as they gave it */
	"  at_ns INTEGER NOT NULL DEFAULT 0,"
	"  source TEXT NOT NULL DEFAULT 'person'" /* person, file */
	");"
	"CREATE TABLE assess_bcp ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  json TEXT NOT NULL,"
	"  at_ns INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE assess_runs ("
	"  at_ns INTEGER PRIMARY KEY,"
	"  meti INTEGER,"                     /* METI total, NULL when not scored */
	"  ipa INTEGER NOT NULL DEFAULT 0,"   /* IPA 25 total */
	"  n_unknown INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE assess_run_items ("
	"  run_ns INTEGER NOT NULL REFERENCES assess_runs(at_ns) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"             /* the plan's order */
	"  cm TEXT NOT NULL,"                 /* countermeasure id */
	"  answer TEXT NOT NULL,"             /* its answer id then */
	"  risk_reduced INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (run_ns, seq)"
	");",
};

const size_t mk_store_n_migrations = sizeof(mk_store_migrations) / sizeof(mk_store_migrations[0]);

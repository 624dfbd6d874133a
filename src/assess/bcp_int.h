/* bcp_int.h - the cyber-BCP's template (data/kb/bcp.kb) and document
 * (docs/ASSESSMENT.md "Cyber-BCP").
 *
 * The template is built once with the knowledge base (kb->bcp) and lives in
 * its arena.  The document (as->bcp) is built per assessment by
 * mk_assess_bcp from the user's entries (the answers' bcp_json) and the
 * report: it owns every string it points to and is freed with
 * mk_bcp_doc_free.  The report renderers read both through this header; the
 * JSON form is mk_bcp_json's. */
#ifndef MIERUKA_BCP_INT_H
#define MIERUKA_BCP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/assess.h"
#include "mieruka/facts.h"
#include "mieruka/model.h"

/* Caps on the user's entries (bigger is a validation error) and on what the
 * network adds. */
#define MK_BCP_MAX_JSON (1u << 20)
#define MK_BCP_MAX_SYSTEMS 256    /* entered */
#define MK_BCP_MAX_CANDIDATES 512 /* from the network; more are counted */
#define MK_BCP_MAX_BACKUPS 16     /* per system */
#define MK_BCP_MAX_ROWS 128       /* isolation points, roles, contacts, drills */
#define MK_BCP_MAX_TEXT 512       /* bytes of a short text */
#define MK_BCP_MAX_LONG 4096      /* policy, existing_bcp, decision_by, manual_fallback */
#define MK_BCP_MAX_TIERS 9
#define MK_BCP_NONE ((size_t)-1)

/* ---- the template ---- */

enum mk_bcp_kind {
	MK_BCP_TEXT,
	MK_BCP_NUMBER,
	MK_BCP_DATE,
	MK_BCP_LIST,
	MK_BCP_TABLE,
	MK_BCP_BOOL,
	MK_BCP_CHOICE,
	MK_BCP_ASSET,
	MK_BCP_KINDS
};
const char *mk_bcp_kind_name(unsigned kind); /* "text" .. "asset" */

/* What a choice field chooses from. */
enum mk_bcp_choices { MK_BCP_CH_NONE, MK_BCP_CH_BACKUP, MK_BCP_CH_CONTACT, MK_BCP_CH_DRILL };

enum mk_bcp_sign_kind { MK_BCP_SIGN_CYBER, MK_BCP_SIGN_FAULT };
enum mk_bcp_phase { MK_BCP_FIRST, MK_BCP_CONTINUITY, MK_BCP_RECOVERY, MK_BCP_AFTER, MK_BCP_PHASES };
const char *mk_bcp_phase_name(unsigned phase); /* "first", "continuity", "recovery", "after" */

/* The gap rules the code knows (bcp_gap stanzas give severity and texts). */
enum mk_bcp_gap_id {
	MK_GAP_NO_SYSTEMS,
	MK_GAP_CANDIDATES_UNLISTED,
	MK_GAP_SYSTEM_NO_RTO,
	MK_GAP_SYSTEM_NO_RPO,
	MK_GAP_SYSTEM_NO_BACKUP,
	MK_GAP_SYSTEM_NO_OFFLINE,
	MK_GAP_BACKUP_NEVER_TESTED,
	MK_GAP_BACKUP_TEST_OLD,
	MK_GAP_SYSTEM_ASSET_UNKNOWN,
	MK_GAP_NO_ISOLATION,
	MK_GAP_NO_ROLES,
	MK_GAP_CONTACT_MISSING,
	MK_GAP_NO_DRILL,
	MK_GAP_DRILL_NEVER,
	MK_GAP_DRILL_OVERDUE,
	MK_GAP_NOT_REVIEWED,
	MK_GAP_COUNT
};
const char *mk_bcp_gap_name(unsigned gap); /* the bcp_gap id: "no_systems" ... */

struct mk_bcp_step {
	const char *id; /* "prepare" */
	unsigned order; /* 1..n_steps */
	struct mk_kb_text title, text;
	size_t *fields; /* its top-level fields (indexes into tpl->fields), file order */
	size_t n_fields;
	struct mk_kb_origin origin;
};

struct mk_bcp_field {
	const char *id;   /* the member path of the entries: "systems.rto_hours" */
	const char *name; /* the last part: "rto_hours" */
	size_t step;      /* index into tpl->steps (a column: its table's) */
	enum mk_bcp_kind kind;
	enum mk_bcp_choices choices;
	size_t parent;   /* the table it is a column of, or MK_BCP_NONE */
	size_t *columns; /* a table's columns, file order */
	size_t n_columns;
	struct mk_kb_text label, help; /* help may be "" */
	struct mk_kb_origin origin;
};

/* A named item of a list (bcp_backup). */
struct mk_bcp_item {
	const char *id;
	struct mk_kb_text name;
	struct mk_kb_origin origin;
};

struct mk_bcp_sign {
	const char *id;
	enum mk_bcp_sign_kind kind;
	struct mk_kb_text text;
	const char **alerts; /* alert types that are this sign (may be none) */
	size_t n_alerts;
	struct mk_kb_origin origin;
};

struct mk_bcp_action {
	const char *id; /* "first.isolate" */
	enum mk_bcp_phase phase;
	unsigned order;
	struct mk_kb_text text;
	struct mk_kb_origin origin;
};

struct mk_bcp_contact {
	const char *id; /* "police" */
	bool required;
	struct mk_kb_text name, when;
	struct mk_kb_origin origin;
};

struct mk_bcp_drill {
	const char *id;   /* "restore" */
	int every_months; /* suggested interval */
	struct mk_kb_text name, text;
	struct mk_kb_origin origin;
};

struct mk_bcp_gap_rule {
	const char *id;
	uint8_t severity;       /* enum mk_severity (low, medium, high) */
	struct mk_kb_text text; /* with {name} {what} ... placeholders */
	struct mk_kb_origin origin;
};

/* bcp_derive main: how the network-derived parts are worked out. */
struct mk_bcp_derive {
	bool critical[MK_ROLE_COUNT];  /* roles of candidate critical systems */
	bool isolation[MK_ROLE_COUNT]; /* roles of candidate isolation points */
	uint8_t tier[MK_ROLE_COUNT];   /* 1..n_tiers; roles in no tier: n_tiers + 1 */
	unsigned n_tiers;
	int min_confidence; /* % a role needs */
	int probe_packets;  /* per connection; more = a real conversation */
	int months;         /* how recent tests, drills, reviews must be */
	struct mk_kb_origin origin;
};

struct mk_bcp_tpl {
	struct mk_bcp_step *steps;
	size_t n_steps; /* by order */
	struct mk_bcp_field *fields;
	size_t n_fields; /* file order */
	struct mk_bcp_item *backups;
	size_t n_backups;
	struct mk_bcp_sign *signs;
	size_t n_signs; /* file order */
	struct mk_bcp_action *actions;
	size_t n_actions; /* by phase, then order */
	struct mk_bcp_contact *contacts;
	size_t n_contacts;
	struct mk_bcp_drill *drills;
	size_t n_drills;
	struct mk_bcp_gap_rule gaps[MK_GAP_COUNT]; /* by enum mk_bcp_gap_id */
	struct mk_bcp_derive derive;
};

/* ---- the document ---- */

/* A calendar date; y == 0: none. */
struct mk_bcp_date {
	int y, m, d;
};
/* "YYYY-MM-DD" (a real date, years 1900-9999); false otherwise. */
bool mk_bcp_date_parse(const char *s, struct mk_bcp_date *out);
/* Writes "YYYY-MM-DD" into buf (>= 11 bytes); "" for none. */
char *mk_bcp_date_str(const struct mk_bcp_date *d, char *buf, size_t buflen);
/* The UTC date of ts_ns. */
struct mk_bcp_date mk_bcp_date_of(uint64_t ts_ns);
/* d minus months calendar months (the day clamped to the month's length). */
struct mk_bcp_date mk_bcp_date_minus_months(struct mk_bcp_date d, int months);
int mk_bcp_date_cmp(const struct mk_bcp_date *a, const struct mk_bcp_date *b);

struct mk_bcp_backup {
	size_t what;        /* index into tpl->backups */
	char *where, *when; /* "" when not given */
	bool offline;
	struct mk_bcp_date restore_tested;
};

/* Why the network suggests a system. */
enum mk_bcp_why { MK_BCP_WHY_NONE, MK_BCP_WHY_ROLE, MK_BCP_WHY_DEPENDENCY };

struct mk_bcp_system {
	char *asset;                  /* asset id, or NULL */
	char *name;                   /* the user's, else the ledger's (host name, else address) */
	char *address;                /* the device's first address from the ledger, or NULL */
	char *line, *manual_fallback; /* "" when not given */
	bool entered;                 /* from the user's entries (else a network candidate) */
	size_t entry;                 /* index in the entries' systems array, or MK_BCP_NONE */
	bool critical;                /* entered: the user's (default true); candidates: true */
	enum mk_bcp_why why;          /* the network suggests it (also for entered systems) */
	int role;                     /* enum mk_role: its critical role, else its first; -1 none */
	unsigned tier;                /* recovery tier of that role */
	bool has_rto, has_rpo;
	double rto_hours, rpo_hours;
	struct mk_bcp_backup *backups;
	size_t n_backups;
	size_t asset_index; /* in the report's assets, or MK_BCP_NONE */
	size_t *depends_on; /* systems it is a client of (indexes), ascending */
	size_t n_depends;
};

struct mk_bcp_step_done {
	size_t system; /* index into doc->systems */
	bool cycle;    /* placed before one of its dependencies (a cycle) */
};

enum mk_bcp_iso_kind { MK_BCP_ISO_ENTERED, MK_BCP_ISO_DEVICE, MK_BCP_ISO_ZONES };
struct mk_bcp_isolation {
	enum mk_bcp_iso_kind kind;
	char *where, *device, *how;      /* entered ("" when not given) */
	char *asset, *name, *address;    /* device candidate */
	int role;                        /* device candidate: the isolation role, else -1 */
	char *zone_id[2], *zone_name[2]; /* zone boundary candidate */
	uint64_t conversations;          /* zone boundary: conversations crossing it */
};

struct mk_bcp_role {
	char *role, *name, *deputy, *phone;
};
struct mk_bcp_contact_entry {
	size_t category; /* index into tpl->contacts */
	char *org, *name, *phone, *email, *note;
};
struct mk_bcp_drill_entry {
	size_t type;      /* index into tpl->drills */
	int every_months; /* the user's, else the template's */
	bool every_given;
	struct mk_bcp_date last_done;
};

struct mk_bcp_gap {
	enum mk_bcp_gap_id rule;
	char *text_ja, *text_en; /* rendered */
	size_t system;           /* the system concerned, or MK_BCP_NONE */
	char *subject;           /* backup kind, contact category, drill type, or NULL */
};

struct mk_bcp_doc {
	const struct mk_bcp_tpl *tpl;
	struct mk_bcp_date today; /* UTC date of the assessment */
	bool has_entries;         /* the user has entered something (bcp_json present) */
	/* The entries' scalars ("" when not given). */
	char *company_name, *company_site, *company_author, *company_approved_by;
	struct mk_bcp_date company_reviewed;
	char *policy, *existing_bcp, *decision_by;
	/* Entered systems first (their order), then the network's candidates
	 * not entered, by tier and asset id. */
	struct mk_bcp_system *systems;
	size_t n_systems;
	size_t n_candidates_dropped; /* beyond MK_BCP_MAX_CANDIDATES */
	struct mk_bcp_step_done *order;
	size_t n_order; /* the critical ones */
	struct mk_bcp_isolation *isolation;
	size_t n_isolation; /* entered first */
	struct mk_bcp_role *roles;
	size_t n_roles;
	struct mk_bcp_contact_entry *contacts;
	size_t n_contacts;
	struct mk_bcp_drill_entry *drills;
	size_t n_drills;
	struct mk_bcp_gap *gaps;
	size_t n_gaps;     /* most severe first */
	size_t *sign_seen; /* per tpl sign: alerts of its types not planned or accepted */
	void **allocs;     /* everything above */
	size_t n_allocs, cap_allocs;
};

/* ---- internal to src/assess/bcp*.c ---- */

/* A member of the user's entries: path "systems.rto_hours", its kind (a
 * group is an object without a field: "company"), what a choice chooses
 * from, and a cap (text: bytes; table: rows). */
#define MK_BCP_GROUP (-1)
struct mk_bcp_member {
	const char *path;
	int kind; /* enum mk_bcp_kind or MK_BCP_GROUP */
	enum mk_bcp_choices choices;
	size_t max;
};
extern const struct mk_bcp_member mk_bcp_members[];
extern const size_t mk_bcp_n_members;
const struct mk_bcp_member *mk_bcp_member_find(const char *path);

struct mk_bcp_date mk_bcp_date_plus_days(struct mk_bcp_date d, int days);

/* Allocation owned by the document (zeroed); NULL on ENOMEM. */
void *mk_bcp_doc_alloc(struct mk_bcp_doc *doc, size_t n, size_t size);
char *mk_bcp_doc_strdup(struct mk_bcp_doc *doc, const char *s);
/* Reads the entries (a JSON object text) into doc; errors as mk_bcp_validate. */
int mk_bcp_entries_read(struct mk_bcp_doc *doc, const char *json, size_t len, char *err,
                        size_t errlen);

#endif /* MIERUKA_BCP_INT_H */

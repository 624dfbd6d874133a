/* assess.h - the self-assessment: knowledge base, answers, scoring, action
 * plan, checklist views, evidence suggestions, cyber-BCP (docs/ASSESSMENT.md).
 *
 * The knowledge base (data/kb/NAME.kb) is loaded once and read-only after; an
 * assessment is computed from it, the answers and the database's report, and
 * owns everything it points to except the knowledge base and the report. */
#ifndef MIERUKA_ASSESS_H
#define MIERUKA_ASSESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mieruka/util.h"

struct mk_report;
struct mk_store;

/* ---- knowledge base ---- */

/* Bilingual text; both are non-NULL in a loaded knowledge base. */
struct mk_kb_text {
	const char *ja, *en;
};
static inline const char *mk_kb_tr(const struct mk_kb_text *t, enum mk_lang lang)
{
	return lang == MK_LANG_JA ? t->ja : t->en;
}

enum { MK_KB_RISKS = 4, MK_KB_STAGES = 4, MK_KB_CTYPES = 3, MK_KB_COSTS = 4, MK_KB_EFFORTS = 3 };
enum mk_kb_risk { MK_RISK_STOP, MK_RISK_LEAK, MK_RISK_TAMPER, MK_RISK_QUALITY };
enum mk_kb_stage { MK_STAGE_REMOVE, MK_STAGE_PROTECT, MK_STAGE_DETECT, MK_STAGE_RECOVER };
enum mk_kb_ctype { MK_CTYPE_PHYSICAL, MK_CTYPE_TECHNICAL, MK_CTYPE_ORGANIZATIONAL };
enum mk_kb_cost { MK_COST_FREE, MK_COST_LOW, MK_COST_MEDIUM, MK_COST_HIGH };
enum mk_kb_effort { MK_EFFORT_DAY, MK_EFFORT_MONTH, MK_EFFORT_PROJECT };
/* Stable ids of the enums above ("stop", "remove", "physical", "free", "day"). */
const char *mk_kb_risk_id(unsigned r);
const char *mk_kb_stage_id(unsigned s);
const char *mk_kb_ctype_id(unsigned t);
const char *mk_kb_cost_id(unsigned c);
const char *mk_kb_effort_id(unsigned e);

/* Where a knowledge-base item comes from and how sure it is. */
struct mk_kb_origin {
	const char *file;      /* "ep-01-usb.kb" */
	uint32_t line;         /* of the stanza header */
	const char **sources;  /* ids of mk_kb_source */
	size_t n_sources;
	char confidence;       /* 'V', 'S', 'M', 'P' (0 for scale stanzas) */
};

struct mk_kb_source {
	const char *id;
	struct mk_kb_text title;
	const char *url, *published, *note; /* may be NULL */
};

/* A named level of an enum (risk, stage, ctype, cost, effort). */
struct mk_kb_level {
	const char *id;
	struct mk_kb_text name;
	const char *csf;       /* stage: NIST CSF functions, else NULL */
};

enum mk_kb_answer_flag { MK_ANSWER_PLAIN, MK_ANSWER_UNKNOWN, MK_ANSWER_NA };
struct mk_kb_answer {
	const char *id;        /* "reviewed" .. "na" */
	struct mk_kb_text name;
	int implemented;       /* 0..100 */
	int meti;              /* METI constant x 100 */
	int ipa;               /* IPA points (4, 2, 0, -1) */
	enum mk_kb_answer_flag flag;
};

struct mk_kb_band {
	const char *id;        /* "high", "medium", "low" */
	int min;
	struct mk_kb_text name, action;
};

struct mk_kb_entry {
	const char *id;        /* "usb" */
	unsigned order;        /* 1..13 */
	struct mk_kb_text name, alias, threat, question, help; /* alias/help may be "" */
	int likelihood;        /* 1..3 */
	int impact[MK_KB_RISKS]; /* 0 = not a risk of this entry point, else 1..3 */
	size_t *cms;           /* indexes into kb->cms: its countermeasures (incl. "all") */
	size_t n_cms;
	struct mk_kb_origin origin;
};

struct mk_kb_cm {
	const char *id;        /* "usb.rules" */
	bool all_entry_points;
	size_t *eps;           /* indexes into kb->entries (every one when all_entry_points) */
	size_t n_eps;
	enum mk_kb_stage stage;
	unsigned types;        /* bit set of 1u << enum mk_kb_ctype */
	enum mk_kb_cost cost;
	enum mk_kb_effort effort;
	int weight;            /* 1..5 */
	struct mk_kb_text title, question, why, how, who, check;
	const char **meti;     /* METI item ids */
	size_t n_meti;
	unsigned *ipa25;       /* IPA item numbers */
	size_t n_ipa25;
	const char **csf, **iec62443;
	size_t n_csf, n_iec62443;
	struct mk_kb_origin origin;
};

struct mk_kb_meti_category {
	const char *id;
	unsigned order;
	struct mk_kb_text name;
	int weight;
};
struct mk_kb_meti_item {
	const char *id;        /* "2-6" */
	size_t category;       /* index into kb->meti_categories */
	int priority;          /* 1..4 */
	struct mk_kb_text title;
	size_t *cms;           /* countermeasures naming it */
	size_t n_cms;
	struct mk_kb_origin origin;
};
struct mk_kb_ipa_part {
	const char *id;
	unsigned order;
	struct mk_kb_text name;
};
struct mk_kb_ipa_item {
	unsigned no;           /* 1..25 */
	size_t part;
	struct mk_kb_text title;
	size_t *cms;
	size_t n_cms;
	struct mk_kb_origin origin;
};
/* A score band of a checklist (METI rank A-D, IPA band). */
struct mk_kb_rank {
	const char *id;
	int min;
	struct mk_kb_text name;
};

struct mk_kb_scoring {
	int damage[4][4];      /* [threat likelihood 1..3][vulnerability 1..3] -> 1..3 */
	int vulnerability1;    /* % protective measures in place for vulnerability 1 */
	int vulnerability2;    /* ... for 2 */
	int mitigation;        /* % detect/recover in place that lowers impact by one */
};

struct mk_ev_rule;   /* evidence.c */
struct mk_bcp_tpl;   /* bcp.c */

struct mk_kb {
	struct mk_kb_source *sources;       size_t n_sources;
	struct mk_kb_level risks[MK_KB_RISKS], stages[MK_KB_STAGES], ctypes[MK_KB_CTYPES],
		costs[MK_KB_COSTS], efforts[MK_KB_EFFORTS];
	struct mk_kb_answer *answers;       size_t n_answers;   /* best first */
	struct mk_kb_band *bands;           size_t n_bands;     /* highest min first */
	struct mk_kb_scoring scoring;
	struct mk_kb_entry *entries;        size_t n_entries;   /* by order */
	struct mk_kb_cm *cms;               size_t n_cms;       /* by file, then position */
	struct mk_kb_meti_category *meti_categories; size_t n_meti_categories;
	struct mk_kb_meti_item *meti_items; size_t n_meti_items;
	struct mk_kb_rank *meti_ranks;      size_t n_meti_ranks; /* highest min first */
	struct mk_kb_ipa_part *ipa_parts;   size_t n_ipa_parts;
	struct mk_kb_ipa_item *ipa_items;   size_t n_ipa_items;  /* by number */
	struct mk_kb_rank *ipa_bands;       size_t n_ipa_bands;  /* highest min first */
	struct mk_ev_rule *rules;           size_t n_rules;     /* evidence.c */
	struct mk_bcp_tpl *bcp;                                 /* bcp.c */
	void *arena;                        /* the loader's storage */
};

/* Loads every .kb file of dir (NULL: the data directory's "kb") and
 * validates it.  0, or -1 with "FILE:LINE: reason" in err. */
int mk_kb_load(const char *dir, struct mk_kb **out, char *err, size_t errlen);
void mk_kb_free(struct mk_kb *kb);
/* Lookups by id; NULL / (size_t)-1 when absent. */
const struct mk_kb_entry *mk_kb_entry_by_id(const struct mk_kb *kb, const char *id);
const struct mk_kb_cm *mk_kb_cm_by_id(const struct mk_kb *kb, const char *id);
const struct mk_kb_answer *mk_kb_answer_by_id(const struct mk_kb *kb, const char *id);
const struct mk_kb_source *mk_kb_source_by_id(const struct mk_kb *kb, const char *id);

/* ---- answers ---- */

enum mk_answer_source { MK_SRC_PERSON, MK_SRC_FILE };
struct mk_answer {
	char *key;             /* "use.usb", "usb.rules", "likelihood.usb", "impact.usb.stop" */
	char *value;
	char *note;            /* may be NULL */
	char *by;              /* who answered; may be NULL */
	uint64_t at_ns;
	enum mk_answer_source source;
};
struct mk_answers {
	struct mk_answer *v;   /* sorted by key */
	size_t n, cap;
	char *bcp_json;        /* the user's BCP entries (JSON object text) or NULL */
};
void mk_answers_free(struct mk_answers *a);
const struct mk_answer *mk_answers_get(const struct mk_answers *a, const char *key);
/* Sets (replaces) one answer after checking key and value against kb;
 * 0, or -1 with the reason in err. */
int mk_answers_set(struct mk_answers *a, const struct mk_kb *kb, const char *key,
                   const char *value, const char *note, const char *by, uint64_t at_ns,
                   enum mk_answer_source source, char *err, size_t errlen);
/* Reads an answers file (docs/ASSESSMENT.md) into a (merging: the file's
 * answers replace a's).  0, or -1 with "FILE:LINE:COL: reason" or
 * "FILE: answers.KEY: reason" in err. */
int mk_answers_load_file(struct mk_answers *a, const struct mk_kb *kb, const char *path,
                         char *err, size_t errlen);
/* Reads a JSON text of the same shape (the dashboard); name is used in errors. */
int mk_answers_load_json(struct mk_answers *a, const struct mk_kb *kb, const char *name,
                         const char *text, size_t len, char *err, size_t errlen);
/* From and to the database. */
int mk_answers_read(struct mk_store *st, struct mk_answers *a);
int mk_answers_write(struct mk_store *st, const struct mk_answers *a);

/* ---- results ---- */

struct mk_ev_item {
	char asset[48];        /* asset id or "" */
	char address[64];
	char detail[160];
	uint64_t first_ns, last_ns;
};
/* One evidence rule that fired, and the answers it suggests. */
struct mk_suggestion {
	size_t rule;           /* index into kb->rules */
	const char *key;       /* the answer key suggested (points into kb) */
	const char *value;
	size_t entry;          /* the entry point it belongs to, or (size_t)-1 */
	size_t count;          /* evidence items found (items holds at most 20) */
	struct mk_ev_item *items;
	size_t n_items;
	char *text_ja, *text_en; /* the rule's text, rendered */
};

struct mk_risk_result {
	enum mk_kb_risk risk;
	int likelihood;        /* 1..3 (damage likelihood) */
	int impact;            /* 1..3 after mitigation */
	int score;             /* likelihood x impact */
	size_t band;           /* index into kb->bands */
};
struct mk_entry_result {
	size_t entry;          /* index into kb->entries */
	int applicable;        /* 1 yes, 0 no, -1 unknown (scored as applicable, flagged) */
	int threat;            /* threat likelihood used, 1..3 */
	int vulnerability;     /* 1..3 */
	int protected_pct, mitigated_pct; /* remove+protect / detect+recover in place, % */
	size_t n_unknown;      /* its countermeasures answered "don't know" or not at all */
	struct mk_risk_result risks[MK_KB_RISKS];
	size_t n_risks;
	int max_score;         /* 0 when not applicable */
};

enum mk_plan_progress { MK_PLAN_NEW, MK_PLAN_OPEN };
struct mk_plan_item {
	size_t cm;             /* index into kb->cms */
	int risk_reduced;
	bool this_week;        /* free and a day's effort */
	const char *answer;    /* its current answer id ("no", "partial", "unknown") */
	enum mk_plan_progress progress;
	uint64_t first_planned_ns; /* when it first appeared in a plan (0: now) */
	double risk_share;     /* its part of the risk now: sum over its entry points of
	                          their risk total x its weight x the share not in place
	                          / its stage group's weight (orders equal risk reduced) */
};

struct mk_meti_result {
	int *item_answer;      /* per meti item: its combined answer (index into kb->answers), -1 = no countermeasure names it */
	bool *item_flagged;    /* "don't know", counted as "no" */
	double *category_score; /* per category, < 0 = not scored */
	int total;             /* -1 = not scored */
	size_t rank;           /* index into kb->meti_ranks, (size_t)-1 when not scored */
};
struct mk_ipa_result {
	int *item_points;      /* per item: 4, 2, 0, -1 */
	bool *item_na;         /* all its countermeasures n/a: counted as 4 */
	int total;
	size_t band;
	size_t n_unknown;
};

struct mk_bcp_doc;   /* bcp.c */

struct mk_assessment {
	const struct mk_kb *kb;
	uint64_t at_ns;
	struct mk_entry_result *entries;    /* one per kb entry, same order */
	struct mk_plan_item *plan;          size_t n_plan;
	size_t *done_since;                 size_t n_done_since; /* cms done since the last run */
	uint64_t previous_ns;               /* the last recorded run, 0 = none */
	struct mk_meti_result meti;
	struct mk_ipa_result ipa;
	struct mk_suggestion *suggestions;  size_t n_suggestions;
	size_t n_unknown;                   /* answers still "don't know" (incl. unanswered) */
	struct mk_bcp_doc *bcp;
};

/* Computes the whole assessment.  r may be NULL (no observations: no
 * suggestions, the BCP without network-derived parts); st may be NULL (no
 * progress across runs).  0, or -1 (ENOMEM, with err). */
int mk_assess_run(const struct mk_kb *kb, const struct mk_answers *a, const struct mk_report *r,
                  struct mk_store *st, uint64_t now_ns, struct mk_assessment **out, char *err,
                  size_t errlen);
/* Records the run (its plan) in the database for progress next time. */
int mk_assess_record(struct mk_store *st, const struct mk_assessment *as);
void mk_assess_free(struct mk_assessment *as);

/* The parts, for tests and callers that need one (mk_assess_run calls them). */
int mk_assess_score(struct mk_assessment *as, const struct mk_answers *a);
int mk_assess_plan(struct mk_assessment *as, const struct mk_answers *a, struct mk_store *st);
int mk_assess_checklists(struct mk_assessment *as, const struct mk_answers *a);
/* Evidence: fills as->suggestions from r (evidence.c). */
int mk_assess_evidence(struct mk_assessment *as, const struct mk_report *r);
/* The BCP (bcp.c): a->bcp_json (may be NULL) plus r (may be NULL). */
int mk_assess_bcp(struct mk_assessment *as, const struct mk_answers *a, const struct mk_report *r,
                  char *err, size_t errlen);

/* ---- outputs ---- */

/* The assessment document of interface.md ("schema": "mieruka-assessment/1"). */
int mk_assess_json(FILE *f, const struct mk_assessment *as, const struct mk_answers *a);
/* key: {"ja": .., "en": ..}, the form every text of the documents takes (a
 * missing language is written as ""). */
void mk_kb_json_text(struct mk_json *j, const char *key, const struct mk_kb_text *t);
/* key: [ids of the countermeasures kb->cms[cms[0..n)]] (an entry point's, a
 * checklist item's). */
void mk_kb_json_cm_ids(struct mk_json *j, const char *key, const struct mk_kb *kb,
                       const size_t *cms, size_t n);
/* The BCP part of the document ("bcp": object) as the next value of j. */
void mk_bcp_json(struct mk_json *j, const struct mk_assessment *as);
/* Frees the BCP document of an assessment (bcp.c; NULL is fine):
 * mk_assess_free calls it. */
void mk_bcp_doc_free(struct mk_bcp_doc *d);
/* One suggestion's evidence object (docs/ASSESSMENT.md "Evidence rules": rule,
 * text {ja, en}, count, items; extensions key, value, confidence, sources) as
 * the next value of j (evidence.c). */
void mk_ev_json(struct mk_json *j, const struct mk_assessment *as, const struct mk_suggestion *s);

/* ---- the printable report and exports (report_*.c) ---- */

/* The printable report: one self-contained HTML file (inline CSS and SVG, no
 * script, no external request; print CSS for A4, the map on A3 landscape) in
 * lang: cover, summary, asset ledger, network map, alerts, the assessment per
 * entry point, action plan, METI and IPA checklists, BCP, sources.  r may be
 * NULL (no observations); a may be NULL.  0, or -1 (I/O). */
int mk_assess_report_html(FILE *f, const struct mk_assessment *as, const struct mk_answers *a,
                          const struct mk_report *r, enum mk_lang lang);
/* The same sections as GitHub-flavoured Markdown (the map as tables). */
int mk_assess_report_md(FILE *f, const struct mk_assessment *as, const struct mk_answers *a,
                        const struct mk_report *r, enum mk_lang lang);
/* The network map of r alone as an SVG document (devices grouped by zone or
 * subnet, conversations between groups and devices).  0, or -1. */
int mk_assess_map_svg(FILE *f, const struct mk_report *r, enum mk_lang lang);
/* Prints html_path to pdf_path with headless Chromium ($MIERUKA_CHROMIUM,
 * else chromium, chromium-browser, google-chrome on PATH), at most 60 s
 * ($MIERUKA_PDF_TIMEOUT_S overrides, 1-600).  0, or -1 with the reason in err
 * (current language): Chromium missing, failed (its last stderr line), timed
 * out, or no PDF written.  pdf_path is replaced only by a complete PDF. */
int mk_assess_report_pdf(const char *html_path, const char *pdf_path, char *err, size_t errlen);
/* CSV files for Excel in dir (created if missing): risks.csv, plan.csv,
 * meti.csv, ipa25.csv, answers.csv, bcp_contacts.csv, bcp_systems.csv.
 * UTF-8 with BOM, CRLF, RFC 4180, formula-injection guard (the rules of
 * src/report/csv.c); stable English column ids, texts in lang.  0, or -1
 * with err. */
int mk_assess_export_csv(const char *dir, const struct mk_assessment *as,
                         const struct mk_answers *a, enum mk_lang lang, char *err, size_t errlen);
/* One of those files into f (BOM included), by name ("plan.csv").  0, or -1
 * for an unknown name or an I/O error. */
int mk_assess_csv(FILE *f, const char *name, const struct mk_assessment *as,
                  const struct mk_answers *a, enum mk_lang lang);

/* ---- the cyber-BCP (bcp*.c; the template and document structs are in
 * src/assess/bcp_int.h; mk_bcp_doc_free is declared above) ---- */
/* Checks the user's BCP entries (the JSON object of docs/ASSESSMENT.md: the
 * answers file's "bcp" member, the dashboard's PUT) against kb's template;
 * a date more than one day after now_ns's (UTC) is refused (now_ns 0: not
 * checked).  0, or -1 with "bcp.PATH: reason" (or "bcp:LINE:COL: reason" for
 * bad JSON) in err. */
int mk_bcp_validate(const struct mk_kb *kb, const char *json, size_t len, uint64_t now_ns,
                    char *err, size_t errlen);

#endif /* MIERUKA_ASSESS_H */

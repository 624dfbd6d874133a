/* report_int.h - the printable report's internal interface (src/assess/report_*.c).
 *
 * One code path writes the report's sections (report_doc.c) through a small
 * writer (report_rw.c) with two back ends: HTML (report_html.c wraps it in a
 * self-contained page with print CSS) and GitHub-flavoured Markdown
 * (report_export.c).  So both show the same sections and every text goes
 * through the same escaping: names from the network, the user's answers and
 * notes are untrusted.  report_map.c lays out the network map and draws it as
 * SVG; report_pdf.c prints the HTML with headless Chromium.
 *
 * Texts are in data/i18n/report.tsv (keys "ar."), role colours and glyphs of
 * the map in data/report/map_roles.tsv. */
#ifndef MIERUKA_REPORT_INT_H
#define MIERUKA_REPORT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mieruka/assess.h"
#include "mieruka/facts.h"
#include "mieruka/model.h"
#include "mieruka/report.h"
#include "mieruka/util.h"

/* Bounds of what one report shows (the CSV files and the JSON document have
 * everything; the report says how many were left out). */
#define MK_RPT_MAX_ASSETS 1000     /* rows of the asset ledger */
#define MK_RPT_MAX_ALERTS 300      /* alerts shown with their texts */
#define MK_RPT_MAX_EV_ITEMS 20     /* evidence items per suggestion */
#define MK_RPT_BCP_MAX_BYTES (4u << 20) /* the BCP document's JSON text */
#define MK_RPT_BCP_MAX_ROWS 500    /* rows of one BCP table */
#define MK_RPT_PLAN_DETAILED 20    /* plan items with why/how/who/check (this week's all) */

/* ---- the writer ---- */

struct mk_rw {
	FILE *f;
	enum mk_lang lang;
	bool md;               /* Markdown, else HTML */
	size_t ncols;          /* columns of the open table */
};

/* The text of key in the writer's language (data/i18n/report.tsv). */
const char *mk_rw_msg(const struct mk_rw *w, const char *key);
/* Escaped text: HTML/XML (& < > " '; in HTML newlines become <br>) or
 * Markdown (the same entities, and \ ` * _ [ ] | # ! ~ backslash-escaped,
 * newlines as <br>).  Invalid UTF-8, control characters and the
 * non-characters XML forbids become U+FFFD; NULL writes nothing. */
void mk_rw_text(struct mk_rw *w, const char *s);
/* Formats (trusted format, untrusted arguments allowed) then escapes. */
void mk_rw_textf(struct mk_rw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Markup as it is, HTML only (Markdown output ignores it). */
void mk_rw_raw(struct mk_rw *w, const char *markup);
void mk_rw_rawf(struct mk_rw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* XML-escapes s (attribute or text content) into f; newlines kept as spaces. */
void mk_xml_text(FILE *f, const char *s);

/* A section (HTML <section id class><h2>; Markdown "## ") and its end. */
void mk_rw_section(struct mk_rw *w, const char *id, const char *cls, const char *title);
void mk_rw_section_end(struct mk_rw *w);
void mk_rw_h(struct mk_rw *w, int level, const char *id, const char *title);
/* A paragraph of escaped text, or begin/end around pieces. */
void mk_rw_p(struct mk_rw *w, const char *cls, const char *text);
void mk_rw_p_begin(struct mk_rw *w, const char *cls);
void mk_rw_p_end(struct mk_rw *w);
void mk_rw_br(struct mk_rw *w);
/* A short label: HTML <span class="badge CLS">, Markdown [TEXT]. */
void mk_rw_badge(struct mk_rw *w, const char *cls, const char *text);
/* Bold text (HTML <strong>, Markdown **). */
void mk_rw_strong(struct mk_rw *w, const char *text);
/* Tables: head names n columns; then rows of cells. */
void mk_rw_table(struct mk_rw *w, const char *cls, const char *const *head, size_t n);
void mk_rw_tr(struct mk_rw *w, const char *cls);
void mk_rw_td(struct mk_rw *w, const char *cls, const char *text);
void mk_rw_td_begin(struct mk_rw *w, const char *cls);
void mk_rw_td_end(struct mk_rw *w);
void mk_rw_tr_end(struct mk_rw *w);
void mk_rw_table_end(struct mk_rw *w);
/* Lists. */
void mk_rw_ul(struct mk_rw *w, const char *cls);
void mk_rw_li(struct mk_rw *w);
void mk_rw_li_end(struct mk_rw *w);
void mk_rw_ul_end(struct mk_rw *w);

/* ---- small helpers ---- */

/* Replaces {NAME} in tpl by the values of kv (pairs NAME, VALUE), into out. */
void mk_rpt_fill(char *out, size_t len, const char *tpl, const char *const *kv, size_t nkv);
/* Local date ("2026年12月7日" / "2026-12-07") and date and time. */
void mk_rpt_date(uint64_t ns, enum mk_lang lang, char *buf, size_t len);
void mk_rpt_datetime(uint64_t ns, enum mk_lang lang, char *buf, size_t len);
/* The confidence mark of an origin: i18n key of its badge, or NULL for V and S. */
const char *mk_rpt_conf_key(char confidence);
/* A readable name of report asset i (host name, else model, else address),
 * and its addresses ("10.0.0.5 00:1b:..."). */
void mk_rpt_asset_name(const struct mk_report *r, size_t i, char *buf, size_t len);
void mk_rpt_asset_addrs(const struct mk_report *r, size_t i, char *buf, size_t len);
/* The answer of key, NULL when unanswered (a->v need not be sorted). */
const struct mk_answer *mk_rpt_answer(const struct mk_answers *a, const char *key);
/* The BCP as JSON: the assessment's document (mk_bcp_json) when as->bcp is
 * set, else the user's entries (a->bcp_json); NULL when neither is an object.
 * The caller json_decref()s it. */
json_t *mk_rpt_bcp(const struct mk_assessment *as, const struct mk_answers *a);
/* A JSON value as text for a cell: strings as they are, {"ja","en"} objects
 * in the language, numbers, true/false as yes/no in the language, other
 * objects as "key: value, ...", arrays joined by ", " (objects one per
 * line); deeper than three levels as compact JSON.  Into buf (cut at len). */
void mk_rpt_json_text(const json_t *v, enum mk_lang lang, char *buf, size_t len);

/* ---- the network map (report_map.c) ---- */

/* Role styles (data/report/map_roles.tsv); index MK_ROLE_COUNT is the
 * internet (hosts outside the network, drawn as one node). */
enum mk_map_shape { MK_SHAPE_CIRCLE, MK_SHAPE_RECT, MK_SHAPE_DIAMOND };
struct mk_map_style {
	char colour[8];        /* "#rrggbb" */
	enum mk_map_shape shape;
	char glyph[8];         /* a short ASCII label drawn in the node */
	int order;             /* rank within a group */
};
#define MK_MAP_STYLE_INTERNET MK_ROLE_COUNT
void mk_map_styles(struct mk_map_style styles[MK_ROLE_COUNT + 1]);

#define MK_MAP_INTERNET ((size_t)-1)
struct mk_map_node {
	size_t asset;          /* index into r->assets, MK_MAP_INTERNET for the outside */
	size_t group;
	uint8_t role;
	double x, y;
};
struct mk_map_group {
	char key[64];          /* "z:ID", "s:10.1.2.0/24", "s:2001:db8::/64", "l2", "internet" */
	char name[200];        /* the group (zone names are the user's text) */
	char title[300];       /* what the box says: the name and the device count */
	size_t n_devices;      /* devices in the group (all, drawn or not) */
	size_t first, n;       /* its drawn nodes: nodes[first .. first + n) */
	uint32_t roles[MK_ROLE_COUNT];
	bool industrial;       /* industrial traffic inside or from/to it */
	bool internet;
	double x, y, w, h;
};
struct mk_map_edge {
	size_t a, b;           /* nodes (device edges) or groups (group edges), a < b */
	struct mk_proto_set protos;
	uint64_t packets, bytes, flows;
	bool industrial;
};
struct mk_map {
	struct mk_map_node *nodes;  size_t n_nodes;
	struct mk_map_group *groups; size_t n_groups;
	struct mk_map_edge *dedges; size_t n_dedges, n_dedges_all; /* drawn / all device pairs */
	struct mk_map_edge *gedges; size_t n_gedges;                /* between groups, all */
	bool by_zone;          /* grouped by the user's zones (else by subnet) */
	bool collapsed;        /* too many devices: groups drawn without their devices */
	double width, height;
};
/* Lays the map of r out; 0, or -1 on ENOMEM. */
int mk_map_build(const struct mk_report *r, enum mk_lang lang, struct mk_map **out);
void mk_map_free(struct mk_map *m);
/* Draws it (a standalone <svg> element with its xmlns). */
void mk_map_svg(FILE *f, const struct mk_map *m, const struct mk_report *r, enum mk_lang lang);
/* "modbus, s7comm" (industrial first, at most max names, "…" when more;
 * "unknown" in words). */
void mk_map_protos(const struct mk_proto_set *set, size_t max, enum mk_lang lang, char *buf,
                   size_t len);

/* ---- the sections (report_doc.c) ---- */

/* The whole report body through w: cover, contents, summary, ledger, map,
 * alerts, the assessment per entry point, plan, checklists, BCP, sources.
 * r may be NULL (no observations). */
void mk_rpt_doc(struct mk_rw *w, const struct mk_assessment *as, const struct mk_answers *a,
                const struct mk_report *r);
/* The BCP section alone (also for tests: bcp is the document's JSON; r, may
 * be NULL, names the assets). */
void mk_rpt_bcp_section(struct mk_rw *w, const json_t *bcp, const struct mk_report *r);

#endif /* MIERUKA_REPORT_INT_H */

/* report_export.c - the assessment in editable formats: the report as
 * Markdown, and CSV files for Excel.
 *
 * Markdown: the same sections as the HTML report (report_doc.c through the
 * writer's Markdown back end), tables as GitHub-flavoured Markdown; the map
 * is given as its tables of groups and links between groups.
 *
 * CSV: the rules of src/report/csv.c (mk_report_csv_row: UTF-8 with BOM,
 * CRLF, RFC 4180 quoting, a leading apostrophe for cells Excel would run as a
 * formula).  The header row holds stable English column ids, never
 * translated; texts (titles, names, why/how...) are in the chosen language,
 * ids and enum values (stage, cost, answer ids) are the knowledge base's ids.
 *   risks.csv         one row per applicable entry point and risk (an entry
 *                     point without risks: one row with the risk empty)
 *   plan.csv          the action plan in its order
 *   meti.csv          the METI checklist items with their level
 *   ipa25.csv         the IPA 25 items with their points
 *   answers.csv       every question of the knowledge base (use.EP, then the
 *                     countermeasures) with its answer, then other answered
 *                     keys (likelihood/impact overrides): an editable form
 *   bcp_contacts.csv  the BCP's contact list (the document's categories: a row
 *                     per entry, the category's id)
 *   bcp_systems.csv   the BCP's systems (backups as text; entered and candidate
 *                     from the document, empty for the entries alone)
 * Each file is written to NAME.tmp and renamed into place.
 */
#include "assess/report_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int mk_assess_report_md(FILE *f, const struct mk_assessment *as, const struct mk_answers *a,
                        const struct mk_report *r, enum mk_lang lang)
{
	struct mk_rw w = {.f = f, .lang = lang, .md = true};

	if (f == NULL || as == NULL || as->kb == NULL)
		return -1;
	mk_rpt_doc(&w, as, a, r);
	return ferror(f) ? -1 : 0;
}

/* ---- CSV ---- */

struct csv_ctx {
	const struct mk_assessment *as;
	const struct mk_kb *kb;
	const struct mk_answers *a;
	enum mk_lang lang;
};

static const char *tr(const struct csv_ctx *c, const struct mk_kb_text *t)
{
	const char *s = mk_kb_tr(t, c->lang);

	return s != NULL ? s : "";
}

static const char *use_text(int applicable)
{
	return applicable > 0 ? "yes" : applicable == 0 ? "no" : "unknown";
}

static void conf_text(char confidence, char buf[2])
{
	buf[0] = confidence != 0 ? confidence : '\0';
	buf[1] = '\0';
}

static void write_risks(FILE *f, const struct csv_ctx *c)
{
	static const char *const head[] = {
		"entry_point", "order", "entry_point_name", "applicable", "threat_likelihood",
		"vulnerability", "protected_pct", "mitigated_pct", "unknown_answers", "risk",
		"risk_name", "likelihood", "impact", "score", "level", "level_name",
	};
	enum { NCOL = sizeof(head) / sizeof(head[0]) };

	mk_report_csv_row(f, head, NCOL);
	for (size_t i = 0; i < c->kb->n_entries; i++) {
		const struct mk_kb_entry *e = &c->kb->entries[i];
		const struct mk_entry_result *er = &c->as->entries[i];
		char ord[16], th[16], vu[16], pp[16], mp[16], un[24];
		size_t n = er->applicable != 0 ? er->n_risks : 0;

		if (n > MK_KB_RISKS)
			n = MK_KB_RISKS;
		snprintf(ord, sizeof(ord), "%u", e->order);
		snprintf(th, sizeof(th), "%d", er->threat);
		snprintf(vu, sizeof(vu), "%d", er->vulnerability);
		snprintf(pp, sizeof(pp), "%d", er->protected_pct);
		snprintf(mp, sizeof(mp), "%d", er->mitigated_pct);
		snprintf(un, sizeof(un), "%zu", er->n_unknown);
		for (size_t k = 0; k < (n > 0 ? n : 1); k++) {
			const struct mk_risk_result *rr = n > 0 ? &er->risks[k] : NULL;
			const struct mk_kb_band *b =
				rr != NULL && rr->band < c->kb->n_bands ? &c->kb->bands[rr->band] : NULL;
			char l[16] = "", im[16] = "", sc[16] = "";
			const char *row[NCOL];
			bool na = er->applicable == 0;

			if (rr != NULL) {
				snprintf(l, sizeof(l), "%d", rr->likelihood);
				snprintf(im, sizeof(im), "%d", rr->impact);
				snprintf(sc, sizeof(sc), "%d", rr->score);
			}
			row[0] = e->id;
			row[1] = ord;
			row[2] = tr(c, &e->name);
			row[3] = use_text(er->applicable);
			row[4] = na ? "" : th;
			row[5] = na ? "" : vu;
			row[6] = na ? "" : pp;
			row[7] = na ? "" : mp;
			row[8] = un;
			row[9] = rr != NULL && (unsigned)rr->risk < MK_KB_RISKS ? c->kb->risks[rr->risk].id : "";
			row[10] = rr != NULL && (unsigned)rr->risk < MK_KB_RISKS ? tr(c, &c->kb->risks[rr->risk].name)
			                                               : "";
			row[11] = l;
			row[12] = im;
			row[13] = sc;
			row[14] = b != NULL ? b->id : "";
			row[15] = b != NULL ? tr(c, &b->name) : "";
			mk_report_csv_row(f, row, NCOL);
		}
	}
}

static void eps_text(const struct csv_ctx *c, const struct mk_kb_cm *cm, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (cm->all_entry_points) {
		snprintf(buf, len, "all");
		return;
	}
	for (size_t k = 0; k < cm->n_eps && used + 1 < len; k++) {
		if (cm->eps[k] >= c->kb->n_entries)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used > 0 ? " " : "",
		                         c->kb->entries[cm->eps[k]].id);
		if (used >= len)
			used = len - 1;
	}
}

static void types_text(unsigned types, char *buf, size_t len)
{
	static const char *const ids[] = {"physical", "technical", "organizational"};
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned t = 0; t < 3 && used + 1 < len; t++)
		if (types & (1u << t)) {
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used > 0 ? " " : "",
			                         ids[t]);
			if (used >= len)
				used = len - 1;
		}
}

static void write_plan(FILE *f, const struct csv_ctx *c)
{
	static const char *const head[] = {
		"rank", "countermeasure", "title", "this_week", "risk_reduced", "stage", "type",
		"cost", "effort", "entry_points", "answer", "progress", "first_planned", "why", "how",
		"who", "check", "confidence",
	};
	enum { NCOL = sizeof(head) / sizeof(head[0]) };
	size_t rank = 0;

	mk_report_csv_row(f, head, NCOL);
	for (size_t i = 0; i < c->as->n_plan; i++) {
		const struct mk_plan_item *p = &c->as->plan[i];
		const struct mk_kb_cm *cm;
		char no[24], rr[16], types[64], eps[1024], first[40] = "", conf[2];
		const char *row[NCOL];

		if (p->cm >= c->kb->n_cms)
			continue;
		cm = &c->kb->cms[p->cm];
		snprintf(no, sizeof(no), "%zu", ++rank);
		snprintf(rr, sizeof(rr), "%d", p->risk_reduced);
		types_text(cm->types, types, sizeof(types));
		eps_text(c, cm, eps, sizeof(eps));
		if (p->first_planned_ns != 0)
			mk_time_rfc3339(p->first_planned_ns, first, sizeof(first));
		conf_text(cm->origin.confidence, conf);
		row[0] = no;
		row[1] = cm->id;
		row[2] = tr(c, &cm->title);
		row[3] = p->this_week ? "yes" : "no";
		row[4] = rr;
		row[5] = (unsigned)cm->stage < MK_KB_STAGES ? c->kb->stages[cm->stage].id : "";
		row[6] = types;
		row[7] = (unsigned)cm->cost < MK_KB_COSTS ? c->kb->costs[cm->cost].id : "";
		row[8] = (unsigned)cm->effort < MK_KB_EFFORTS ? c->kb->efforts[cm->effort].id : "";
		row[9] = eps;
		row[10] = p->answer != NULL ? p->answer : "";
		row[11] = p->progress == MK_PLAN_OPEN ? "open" : "new";
		row[12] = first;
		row[13] = tr(c, &cm->why);
		row[14] = tr(c, &cm->how);
		row[15] = tr(c, &cm->who);
		row[16] = tr(c, &cm->check);
		row[17] = conf;
		mk_report_csv_row(f, row, NCOL);
	}
}

static void write_meti(FILE *f, const struct csv_ctx *c)
{
	static const char *const head[] = {
		"item", "category", "category_name", "category_score", "priority", "title", "answer",
		"answer_name", "flagged", "confidence",
	};
	enum { NCOL = sizeof(head) / sizeof(head[0]) };
	const struct mk_meti_result *m = &c->as->meti;

	mk_report_csv_row(f, head, NCOL);
	for (size_t i = 0; i < c->kb->n_meti_items; i++) {
		const struct mk_kb_meti_item *it = &c->kb->meti_items[i];
		const struct mk_kb_meti_category *cat =
			it->category < c->kb->n_meti_categories ? &c->kb->meti_categories[it->category]
			                                        : NULL;
		int ans = m->item_answer != NULL ? m->item_answer[i] : -1;
		const struct mk_kb_answer *ka =
			ans >= 0 && (size_t)ans < c->kb->n_answers ? &c->kb->answers[ans] : NULL;
		char score[32] = "", pr[16], conf[2];
		const char *row[NCOL];

		if (cat != NULL && m->category_score != NULL && m->category_score[it->category] >= 0)
			snprintf(score, sizeof(score), "%.1f", m->category_score[it->category]);
		snprintf(pr, sizeof(pr), "%d", it->priority);
		conf_text(it->origin.confidence, conf);
		row[0] = it->id;
		row[1] = cat != NULL ? cat->id : "";
		row[2] = cat != NULL ? tr(c, &cat->name) : "";
		row[3] = score;
		row[4] = pr;
		row[5] = tr(c, &it->title);
		row[6] = ka != NULL ? ka->id : "";
		row[7] = ka != NULL ? tr(c, &ka->name) : "";
		row[8] = m->item_flagged != NULL && m->item_flagged[i] ? "yes" : "no";
		row[9] = conf;
		mk_report_csv_row(f, row, NCOL);
	}
}

static void write_ipa(FILE *f, const struct csv_ctx *c)
{
	static const char *const head[] = {
		"no", "part", "part_name", "title", "points", "not_applicable", "unknown", "confidence",
	};
	enum { NCOL = sizeof(head) / sizeof(head[0]) };
	const struct mk_ipa_result *p = &c->as->ipa;

	mk_report_csv_row(f, head, NCOL);
	for (size_t i = 0; i < c->kb->n_ipa_items; i++) {
		const struct mk_kb_ipa_item *it = &c->kb->ipa_items[i];
		const struct mk_kb_ipa_part *part =
			it->part < c->kb->n_ipa_parts ? &c->kb->ipa_parts[it->part] : NULL;
		int pts = p->item_points != NULL ? p->item_points[i] : -1;
		char no[16], ps[16], conf[2];
		const char *row[NCOL];

		snprintf(no, sizeof(no), "%u", it->no);
		snprintf(ps, sizeof(ps), "%d", pts);
		conf_text(it->origin.confidence, conf);
		row[0] = no;
		row[1] = part != NULL ? part->id : "";
		row[2] = part != NULL ? tr(c, &part->name) : "";
		row[3] = tr(c, &it->title);
		row[4] = ps;
		row[5] = p->item_na != NULL && p->item_na[i] ? "yes" : "no";
		row[6] = pts < 0 ? "yes" : "no";
		row[7] = conf;
		mk_report_csv_row(f, row, NCOL);
	}
}

static void answer_row(FILE *f, const struct csv_ctx *c, const char *key, const char *question)
{
	enum { NCOL = 8 };
	const struct mk_answer *ans = mk_rpt_answer(c->a, key);
	const struct mk_kb_answer *ka = ans != NULL && ans->value != NULL ? mk_kb_answer_by_id(c->kb, ans->value) : NULL;
	char at[40] = "";
	const char *row[NCOL], *vname = "";

	if (ans != NULL && ans->at_ns != 0)
		mk_time_rfc3339(ans->at_ns, at, sizeof(at));
	if (ka != NULL)
		vname = tr(c, &ka->name);
	else if (ans != NULL && strncmp(key, "use.", 4) == 0 && ans->value != NULL) {
		char k[32];

		snprintf(k, sizeof(k), "ar.use.%s", ans->value);
		vname = mk_msg_lang(k, c->lang);
		if (strcmp(vname, k) == 0)
			vname = "";
	}
	row[0] = key;
	row[1] = question;
	row[2] = ans != NULL ? ans->value : "";
	row[3] = vname;
	row[4] = ans != NULL ? ans->note : "";
	row[5] = ans != NULL ? ans->by : "";
	row[6] = at;
	row[7] = ans == NULL ? "" : ans->source == MK_SRC_FILE ? "file" : "person";
	mk_report_csv_row(f, row, NCOL);
}

static void write_answers(FILE *f, const struct csv_ctx *c)
{
	static const char *const head[] = {
		"key", "question", "value", "value_name", "note", "by", "at", "source",
	};

	mk_report_csv_row(f, head, sizeof(head) / sizeof(head[0]));
	for (size_t i = 0; i < c->kb->n_entries; i++) {
		char key[96];

		snprintf(key, sizeof(key), "use.%s", c->kb->entries[i].id);
		answer_row(f, c, key, tr(c, &c->kb->entries[i].question));
	}
	for (size_t i = 0; i < c->kb->n_cms; i++)
		answer_row(f, c, c->kb->cms[i].id, tr(c, &c->kb->cms[i].question));
	/* the rest (likelihood and impact overrides, keys of another knowledge base) */
	for (size_t i = 0; c->a != NULL && i < c->a->n; i++) {
		const char *key = c->a->v[i].key;
		bool asked = false;

		if (key == NULL)
			continue;
		for (size_t k = 0; !asked && k < c->kb->n_entries; k++)
			asked = strncmp(key, "use.", 4) == 0 && strcmp(key + 4, c->kb->entries[k].id) == 0;
		for (size_t k = 0; !asked && k < c->kb->n_cms; k++)
			asked = strcmp(key, c->kb->cms[k].id) == 0;
		if (!asked)
			answer_row(f, c, key, "");
	}
}

/* A BCP member as a CSV cell: booleans as true/false, the rest as the report
 * shows it. */
static void bcp_value(const struct csv_ctx *c, const json_t *v, char *buf, size_t len)
{
	if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
	else
		mk_rpt_json_text(v, c->lang, buf, len);
}

/* One row of cols from x; with a parent (the document's contact category), the
 * category column is the parent's. */
static void bcp_row(FILE *f, const struct csv_ctx *c, const json_t *x, const json_t *parent,
                    const char *const *cols, size_t ncols)
{
	char cells[16][1024];
	const char *row[16];

	for (size_t k = 0; k < ncols && k < 16; k++) {
		const json_t *v = json_object_get(x, cols[k]);

		if (parent != NULL && strcmp(cols[k], "category") == 0)
			v = json_object_get(parent, cols[k]);
		bcp_value(c, v, cells[k], sizeof(cells[k]));
		row[k] = cells[k];
	}
	mk_report_csv_row(f, row, ncols < 16 ? ncols : 16);
}

/* The rows of the BCP's member: its objects; an object with "entries" (the
 * document's contact categories) gives a row per entry. */
static void bcp_rows(FILE *f, const struct csv_ctx *c, const char *member,
                     const char *const *cols, size_t ncols)
{
	json_t *bcp = mk_rpt_bcp(c->as, c->a), *arr, *x;
	size_t i, rows = 0;

	mk_report_csv_row(f, cols, ncols);
	arr = bcp != NULL ? json_object_get(bcp, member) : NULL;
	json_array_foreach(arr, i, x) {
		const json_t *entries = json_object_get(x, "entries");
		size_t k;
		json_t *e;

		if (!json_is_object(x))
			continue;
		if (!json_is_array(entries)) {
			if (rows++ < MK_RPT_BCP_MAX_ROWS)
				bcp_row(f, c, x, NULL, cols, ncols);
			continue;
		}
		json_array_foreach(entries, k, e)
			if (json_is_object(e) && rows++ < MK_RPT_BCP_MAX_ROWS)
				bcp_row(f, c, e, x, cols, ncols);
	}
	json_decref(bcp);
}

static void write_bcp_contacts(FILE *f, const struct csv_ctx *c)
{
	static const char *const cols[] = {"category", "org", "name", "phone", "email", "note"};

	bcp_rows(f, c, "contacts", cols, sizeof(cols) / sizeof(cols[0]));
}

static void write_bcp_systems(FILE *f, const struct csv_ctx *c)
{
	static const char *const cols[] = {
		"asset", "name", "line", "critical", "rto_hours", "rpo_hours", "manual_fallback",
		"backups", "entered", "candidate",
	};

	bcp_rows(f, c, "systems", cols, sizeof(cols) / sizeof(cols[0]));
}

static const struct {
	const char *name;
	void (*fill)(FILE *f, const struct csv_ctx *c);
} files[] = {
	{"risks.csv", write_risks},
	{"plan.csv", write_plan},
	{"meti.csv", write_meti},
	{"ipa25.csv", write_ipa},
	{"answers.csv", write_answers},
	{"bcp_contacts.csv", write_bcp_contacts},
	{"bcp_systems.csv", write_bcp_systems},
};

int mk_assess_csv(FILE *f, const char *name, const struct mk_assessment *as,
                  const struct mk_answers *a, enum mk_lang lang)
{
	struct csv_ctx c = {.as = as, .kb = as != NULL ? as->kb : NULL, .a = a, .lang = lang};

	if (f == NULL || name == NULL || c.kb == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcmp(files[i].name, name) == 0) {
			fputs("\xef\xbb\xbf", f); /* BOM: Excel then reads UTF-8 */
			files[i].fill(f, &c);
			return ferror(f) ? -1 : 0;
		}
	return -1;
}

struct csv_job {
	const char *name;
	const struct mk_assessment *as;
	const struct mk_answers *a;
	enum mk_lang lang;
};

static int csv_fill(FILE *f, void *ctx)
{
	const struct csv_job *job = ctx;

	return mk_assess_csv(f, job->name, job->as, job->a, job->lang);
}

int mk_assess_export_csv(const char *dir, const struct mk_assessment *as,
                         const struct mk_answers *a, enum mk_lang lang, char *err, size_t errlen)
{
	if (dir == NULL || as == NULL || as->kb == NULL) {
		snprintf(err, errlen, "no assessment to export");
		return -1;
	}
	if (mk_report_csv_mkdir(dir, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4200];
		struct csv_job job = {files[i].name, as, a, lang};

		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		if (mk_write_file_atomic(path, csv_fill, &job, err, errlen) != 0)
			return -1;
	}
	return 0;
}

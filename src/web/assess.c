/* assess.c - the dashboard's self-assessment API (docs/API.md "Assessment",
 * docs/ASSESSMENT.md).
 *
 * The knowledge base is loaded once when the server starts and is read-only
 * after (the workers share it).  Every request computes a fresh assessment
 * from the stored answers and the snapshot's report: scoring a small factory
 * takes milliseconds, and nothing can go stale.  The answers and the BCP
 * entries are read, changed and written back under the server's write lock,
 * so two browsers saving at once cannot lose each other's answers.  Request
 * bodies are nested JSON, parsed with jansson (the flat reader of jsonin.c
 * does not nest); every value is checked by the assessment code itself
 * (mk_answers_set, the BCP parser) before anything is stored. */
#include "web/web_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mieruka/assess.h"
#include "mieruka/detect.h"

#define NOTE_MAX 2000          /* bytes of a note on one answer */
#define KEY_MAX 128            /* bytes of an answer key */
#define MEMBERS_MAX 4096       /* answers (or notes) in one request */
#define REPORT_MAX (64u << 20) /* a rendered PDF read back into memory */

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the knowledge base, once per server ---- */


static void strings_json(struct mk_json *j, const char *key, const char *const *v, size_t n)
{
	mk_json_key(j, key);
	mk_json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		mk_json_string(j, v[i]);
	mk_json_end_array(j);
}

static void origin_json(struct mk_json *j, const struct mk_kb_origin *o)
{
	char c[2] = {o->confidence, '\0'};

	strings_json(j, "sources", o->sources, o->n_sources);
	mk_json_key(j, "confidence");
	mk_json_string(j, o->confidence != 0 ? c : NULL);
}

static void levels_json(struct mk_json *j, const char *key, const struct mk_kb_level *v, size_t n)
{
	mk_json_key(j, key);
	mk_json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, v[i].id);
		mk_kb_json_text(j, "name", &v[i].name);
		if (v[i].csf != NULL) {
			mk_json_key(j, "csf");
			mk_json_string(j, v[i].csf);
		}
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
}

static void ranks_json(struct mk_json *j, const char *key, const struct mk_kb_rank *v, size_t n)
{
	mk_json_key(j, key);
	mk_json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, v[i].id);
		mk_json_key(j, "min");
		mk_json_int(j, v[i].min);
		mk_kb_json_text(j, "name", &v[i].name);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
}

static const char *flag_name(enum mk_kb_answer_flag f)
{
	return f == MK_ANSWER_UNKNOWN ? "unknown" : f == MK_ANSWER_NA ? "na" : "none";
}

static void kb_entries_json(struct mk_json *j, const struct mk_kb *kb)
{
	mk_json_key(j, "entry_points");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_entries; i++) {
		const struct mk_kb_entry *e = &kb->entries[i];

		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, e->id);
		mk_json_key(j, "order");
		mk_json_uint(j, e->order);
		mk_kb_json_text(j, "name", &e->name);
		mk_kb_json_text(j, "alias", &e->alias);
		mk_kb_json_text(j, "threat", &e->threat);
		mk_kb_json_text(j, "question", &e->question);
		mk_kb_json_text(j, "help", &e->help);
		mk_json_key(j, "likelihood");
		mk_json_int(j, e->likelihood);
		mk_json_key(j, "impact");
		mk_json_begin_object(j);
		for (unsigned r = 0; r < MK_KB_RISKS; r++) {
			mk_json_key(j, mk_kb_risk_id(r));
			mk_json_int(j, e->impact[r]);
		}
		mk_json_end_object(j);
		mk_kb_json_cm_ids(j, "countermeasures", kb, e->cms, e->n_cms);
		origin_json(j, &e->origin);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
}

static void kb_cms_json(struct mk_json *j, const struct mk_kb *kb)
{
	mk_json_key(j, "countermeasures");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_cms; i++) {
		const struct mk_kb_cm *c = &kb->cms[i];

		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, c->id);
		mk_json_key(j, "all");
		mk_json_bool(j, c->all_entry_points);
		mk_json_key(j, "entry_points");
		mk_json_begin_array(j);
		for (size_t k = 0; k < c->n_eps; k++)
			if (c->eps[k] < kb->n_entries)
				mk_json_string(j, kb->entries[c->eps[k]].id);
		mk_json_end_array(j);
		mk_json_key(j, "stage");
		mk_json_string(j, mk_kb_stage_id(c->stage));
		mk_json_key(j, "types");
		mk_json_begin_array(j);
		for (unsigned t = 0; t < MK_KB_CTYPES; t++)
			if (c->types & (1u << t))
				mk_json_string(j, mk_kb_ctype_id(t));
		mk_json_end_array(j);
		mk_json_key(j, "cost");
		mk_json_string(j, mk_kb_cost_id(c->cost));
		mk_json_key(j, "effort");
		mk_json_string(j, mk_kb_effort_id(c->effort));
		mk_json_key(j, "weight");
		mk_json_int(j, c->weight);
		mk_kb_json_text(j, "title", &c->title);
		mk_kb_json_text(j, "question", &c->question);
		mk_kb_json_text(j, "why", &c->why);
		mk_kb_json_text(j, "how", &c->how);
		mk_kb_json_text(j, "who", &c->who);
		mk_kb_json_text(j, "check", &c->check);
		strings_json(j, "meti", c->meti, c->n_meti);
		mk_json_key(j, "ipa25");
		mk_json_begin_array(j);
		for (size_t k = 0; k < c->n_ipa25; k++)
			mk_json_uint(j, c->ipa25[k]);
		mk_json_end_array(j);
		strings_json(j, "csf", c->csf, c->n_csf);
		strings_json(j, "iec62443", c->iec62443, c->n_iec62443);
		origin_json(j, &c->origin);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
}

static void kb_checklists_json(struct mk_json *j, const struct mk_kb *kb)
{
	mk_json_key(j, "meti");
	mk_json_begin_object(j);
	mk_json_key(j, "categories");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_meti_categories; i++) {
		const struct mk_kb_meti_category *c = &kb->meti_categories[i];

		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, c->id);
		mk_json_key(j, "order");
		mk_json_uint(j, c->order);
		mk_kb_json_text(j, "name", &c->name);
		mk_json_key(j, "weight");
		mk_json_int(j, c->weight);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "items");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_meti_items; i++) {
		const struct mk_kb_meti_item *m = &kb->meti_items[i];

		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, m->id);
		mk_json_key(j, "category");
		mk_json_string(j, m->category < kb->n_meti_categories
		                      ? kb->meti_categories[m->category].id
		                      : NULL);
		mk_json_key(j, "priority");
		mk_json_int(j, m->priority);
		mk_kb_json_text(j, "title", &m->title);
		mk_kb_json_cm_ids(j, "countermeasures", kb, m->cms, m->n_cms);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	ranks_json(j, "ranks", kb->meti_ranks, kb->n_meti_ranks);
	mk_json_end_object(j);

	mk_json_key(j, "ipa25");
	mk_json_begin_object(j);
	mk_json_key(j, "parts");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_ipa_parts; i++) {
		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, kb->ipa_parts[i].id);
		mk_json_key(j, "order");
		mk_json_uint(j, kb->ipa_parts[i].order);
		mk_kb_json_text(j, "name", &kb->ipa_parts[i].name);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "items");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_ipa_items; i++) {
		const struct mk_kb_ipa_item *m = &kb->ipa_items[i];

		mk_json_begin_object(j);
		mk_json_key(j, "no");
		mk_json_uint(j, m->no);
		mk_json_key(j, "part");
		mk_json_string(j, m->part < kb->n_ipa_parts ? kb->ipa_parts[m->part].id : NULL);
		mk_kb_json_text(j, "title", &m->title);
		mk_kb_json_cm_ids(j, "countermeasures", kb, m->cms, m->n_cms);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	ranks_json(j, "bands", kb->ipa_bands, kb->n_ipa_bands);
	mk_json_end_object(j);
}

/* What the wizard asks and shows, from the knowledge base: written once. */
static void kb_json(struct mk_json *j, const struct mk_kb *kb)
{
	mk_json_begin_object(j);
	mk_json_key(j, "answers");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_answers; i++) {
		const struct mk_kb_answer *a = &kb->answers[i];

		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, a->id);
		mk_kb_json_text(j, "name", &a->name);
		mk_json_key(j, "implemented");
		mk_json_int(j, a->implemented);
		mk_json_key(j, "flag");
		mk_json_string(j, flag_name(a->flag));
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	levels_json(j, "risks", kb->risks, MK_KB_RISKS);
	levels_json(j, "stages", kb->stages, MK_KB_STAGES);
	levels_json(j, "types", kb->ctypes, MK_KB_CTYPES);
	levels_json(j, "costs", kb->costs, MK_KB_COSTS);
	levels_json(j, "efforts", kb->efforts, MK_KB_EFFORTS);
	mk_json_key(j, "bands");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_bands; i++) {
		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, kb->bands[i].id);
		mk_json_key(j, "min");
		mk_json_int(j, kb->bands[i].min);
		mk_kb_json_text(j, "name", &kb->bands[i].name);
		mk_kb_json_text(j, "action", &kb->bands[i].action);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	/* the tables the risk is computed with (docs/ASSESSMENT.md "Scoring") */
	mk_json_key(j, "scoring");
	mk_json_begin_object(j);
	mk_json_key(j, "damage");
	mk_json_begin_array(j);
	for (int l = 1; l <= 3; l++) {
		mk_json_begin_array(j);
		for (int v = 1; v <= 3; v++)
			mk_json_int(j, kb->scoring.damage[l][v]);
		mk_json_end_array(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "vulnerability1");
	mk_json_int(j, kb->scoring.vulnerability1);
	mk_json_key(j, "vulnerability2");
	mk_json_int(j, kb->scoring.vulnerability2);
	mk_json_key(j, "mitigation");
	mk_json_int(j, kb->scoring.mitigation);
	mk_json_end_object(j);
	kb_entries_json(j, kb);
	kb_cms_json(j, kb);
	kb_checklists_json(j, kb);
	mk_json_key(j, "sources");
	mk_json_begin_array(j);
	for (size_t i = 0; i < kb->n_sources; i++) {
		const struct mk_kb_source *s = &kb->sources[i];

		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, s->id);
		mk_kb_json_text(j, "title", &s->title);
		mk_json_key(j, "url");
		mk_json_string(j, s->url);
		mk_json_key(j, "published");
		mk_json_string(j, s->published);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_end_object(j);
}

void mk_web_assess_init(struct mk_web *w)
{
	char err[512] = "";
	FILE *f;

	w->kb = NULL;
	w->kb_json = NULL;
	w->kb_json_len = 0;
	if (mk_kb_load(NULL, &w->kb, err, sizeof(err)) != 0) {
		/* the rest of the dashboard works without it; the assessment
		 * pages say why they cannot */
		w->kb = NULL;
		snprintf(w->kb_err, sizeof(w->kb_err), "%s", err[0] != '\0' ? err : "?");
		mk_warn("%s: %s", mk_msg("web.assess.no_kb"), w->kb_err);
		return;
	}
	f = open_memstream(&w->kb_json, &w->kb_json_len);
	if (f != NULL) {
		struct mk_json j;

		mk_json_init(&j, f, false);
		kb_json(&j, w->kb);
		if (fclose(f) != 0) {
			free(w->kb_json);
			w->kb_json = NULL;
		}
	}
}

void mk_web_assess_fini(struct mk_web *w)
{
	mk_kb_free(w->kb);
	w->kb = NULL;
	free(w->kb_json);
	w->kb_json = NULL;
}

/* ---- helpers ---- */

static bool admin(const struct mk_web_req *q, struct mk_web_reply *p)
{
	if (q->role == MK_WEB_ADMIN)
		return true;
	mk_web_error(p, 403, "forbidden");
	return false;
}

static bool have_kb(const struct mk_web_req *q, struct mk_web_reply *p)
{
	char en[700], ja[700];

	if (q->w->kb != NULL)
		return true;
	snprintf(en, sizeof(en), "%s: %s", mk_msg_lang("web.assess.no_kb", MK_LANG_EN),
	         q->w->kb_err);
	snprintf(ja, sizeof(ja), "%s: %s", mk_msg_lang("web.assess.no_kb", MK_LANG_JA),
	         q->w->kb_err);
	mk_web_error_msg(p, 503, "kb_unavailable", en, ja);
	return false;
}

/* A 400 naming what was wrong: {"error": {"code", "key", "reason",
 * "message": {"en","ja"}}}.  key may be NULL. */
static void bad_input(struct mk_web_reply *p, const char *code, const char *msg_key,
                      const char *key, const char *reason)
{
	const char *names[] = {"key", "reason"};
	char r[600], k[KEY_MAX + 16];
	const char *values[] = {k, r};
	char en[1400], ja[1400];

	if (reason == NULL)
		reason = "";
	/* "KEY: why" from the assessment code: the message names the key already */
	if (key != NULL && strncmp(reason, key, strlen(key)) == 0 &&
	    strncmp(reason + strlen(key), ": ", 2) == 0)
		reason += strlen(key) + 2;
	/* the reason may quote the input: keep it printable and short */
	mk_text_sanitize(r, sizeof(r), reason, strlen(reason));
	mk_text_sanitize(k, sizeof(k), key != NULL ? key : "", key != NULL ? strlen(key) : 0);
	mk_detect_render(en, sizeof(en), mk_msg_lang(msg_key, MK_LANG_EN), names, values, 2);
	mk_detect_render(ja, sizeof(ja), mk_msg_lang(msg_key, MK_LANG_JA), names, values, 2);
	mk_web_error_fields(p, 400, code,
	                    (const struct mk_web_err_field[]){{"key", key != NULL ? k : NULL, false, 0},
	                                                      {"reason", r, false, 0}},
	                    2, en, ja);
}

/* The body as a JSON object, or NULL with 400 bad_json (line and column). */
static json_t *body_object(const struct mk_web_req *q, struct mk_web_reply *p)
{
	json_error_t je;
	json_t *root;
	char reason[300];

	root = json_loadb(q->body, q->body_len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(reason, sizeof(reason), "%d:%d: %s", je.line, je.column, je.text);
		bad_input(p, "bad_json", "web.assess.bad_json", NULL, reason);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		bad_input(p, "bad_json", "web.assess.bad_json", NULL, "not a JSON object");
		return NULL;
	}
	return root;
}

/* A note as stored: UTF-8 (jansson checked it), control characters other
 * than line ends replaced, CR LF as LF.  NULL on ENOMEM. */
static char *clean_note(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *out = malloc(n + 1);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' && s[i + 1] == '\n')
			continue;
		out[k++] = (c < 0x20 && c != '\n') || c == 0x7f ? ' ' : (char)c;
	}
	out[k] = '\0';
	return out;
}

/* Reads the stored answers: 0, or -1 with 500 set.  Under write_lock. */
static int read_answers(struct mk_web *w, struct mk_answers *a, struct mk_web_reply *p)
{
	memset(a, 0, sizeof(*a));
	if (mk_answers_read(w->wst, a) != 0) {
		mk_error("%s", mk_store_sqlite.error(w->wst));
		mk_answers_free(a);
		mk_web_error(p, 500, "internal");
		return -1;
	}
	return 0;
}

/* A fresh assessment over the stored answers and the snapshot (a is filled
 * too; the caller frees both).  NULL with the reply set. */
static struct mk_assessment *run(struct mk_web_req *q, struct mk_web_reply *p,
                                 const struct mk_web_snap *s, struct mk_answers *a, bool record)
{
	struct mk_web *w = q->w;
	struct mk_assessment *as = NULL;
	char err[512] = "";
	int rc;

	pthread_mutex_lock(&w->write_lock);
	rc = read_answers(w, a, p);
	if (rc == 0) {
		rc = mk_assess_run(w->kb, a, &s->r, w->wst, wall_ns(), &as, err, sizeof(err));
		if (rc != 0) {
			mk_error("assessment: %s", err);
			mk_web_error(p, 500, "internal");
		}
	}
	if (rc == 0 && record && mk_assess_record(w->wst, as) != 0) {
		mk_error("%s", mk_store_sqlite.error(w->wst));
		mk_web_error(p, 500, "internal");
		rc = -1;
	}
	pthread_mutex_unlock(&w->write_lock);
	if (rc != 0) {
		mk_assess_free(as);
		mk_answers_free(a);
		return NULL;
	}
	return as;
}

/* ---- GET /api/v1/assessment, /assessment/kb ---- */

static void api_document(struct mk_web_req *q, struct mk_web_reply *p, const struct mk_web_snap *s)
{
	struct mk_answers a;
	struct mk_assessment *as = run(q, p, s, &a, false);
	struct mk_web_out o;
	int rc;

	if (as == NULL)
		return;
	if (mk_web_out_open(&o) != 0) {
		mk_assess_free(as);
		mk_answers_free(&a);
		mk_web_error(p, 500, "internal");
		return;
	}
	rc = mk_assess_json(o.f, as, &a);
	mk_assess_free(as);
	mk_answers_free(&a);
	if (rc != 0) {
		fclose(o.f);
		free(o.buf);
		mk_web_error(p, 500, "internal");
		return;
	}
	mk_web_out_reply(&o, p, 200);
}

static void api_kb(struct mk_web_req *q, struct mk_web_reply *p)
{
	if (q->w->kb_json == NULL) {
		mk_web_error(p, 500, "internal");
		return;
	}
	p->status = 200;
	p->static_body = (const unsigned char *)q->w->kb_json;
	p->len = q->w->kb_json_len;
	p->type = "application/json; charset=utf-8";
	p->api = true;
}

/* ---- PUT /api/v1/assessment/answers ---- */

/* Applies the body's answers and notes to a (the stored ones): 0, or -1
 * with 400 set naming the key. */
static int apply_answers(struct mk_web_req *q, struct mk_web_reply *p, json_t *root,
                         struct mk_answers *a, uint64_t now)
{
	const struct mk_kb *kb = q->w->kb;
	json_t *answers = NULL, *notes = NULL, *v;
	const char *key, *by = q->user[0] != '\0' ? q->user : NULL;
	char err[512];

	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "answers") == 0 && json_is_object(v))
			answers = v;
		else if (strcmp(key, "notes") == 0 && json_is_object(v))
			notes = v;
		else {
			bad_input(p, "bad_field", "web.assess.bad_member", key,
			          "only \"answers\" and \"notes\" objects");
			return -1;
		}
	}
	if ((answers != NULL && json_object_size(answers) > MEMBERS_MAX) ||
	    (notes != NULL && json_object_size(notes) > MEMBERS_MAX)) {
		bad_input(p, "bad_field", "web.assess.bad_member",
		          answers != NULL && json_object_size(answers) > MEMBERS_MAX ? "answers"
		                                                                     : "notes",
		          "too many members (at most 4096)");
		return -1;
	}
	/* notes first checked, then every answer set with its note (a note
	 * absent from the body keeps the stored one) */
	if (notes != NULL) {
		json_object_foreach(notes, key, v)
		{
			if (!json_is_string(v) && !json_is_null(v)) {
				bad_input(p, "bad_answer", "web.assess.bad_answer", key,
				          "a note is a string or null");
				return -1;
			}
			if (json_is_string(v) && json_string_length(v) > NOTE_MAX) {
				bad_input(p, "bad_answer", "web.assess.bad_answer", key,
				          "the note is too long (at most 2000 bytes)");
				return -1;
			}
			if ((answers == NULL || json_object_get(answers, key) == NULL) &&
			    mk_answers_get(a, key) == NULL) {
				bad_input(p, "bad_answer", "web.assess.bad_answer", key,
				          "a note needs an answer (send the answer with it)");
				return -1;
			}
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		json_t *src = pass == 0 ? answers : notes;

		if (src == NULL)
			continue;
		json_object_foreach(src, key, v)
		{
			const struct mk_answer *old = mk_answers_get(a, key);
			json_t *jv = answers != NULL ? json_object_get(answers, key) : NULL;
			json_t *jn = notes != NULL ? json_object_get(notes, key) : NULL;
			const char *value, *note;
			char *clean, *owned_value;
			int rc;

			if (pass == 1 && jv != NULL)
				continue; /* set with its answer in pass 0 */
			if (strlen(key) > KEY_MAX) {
				bad_input(p, "bad_answer", "web.assess.bad_answer", NULL,
				          "a key is at most 128 bytes");
				return -1;
			}
			if (pass == 0 && !json_is_string(jv)) {
				bad_input(p, "bad_answer", "web.assess.bad_answer", key,
				          "an answer is a string");
				return -1;
			}
			/* copies: setting the answer frees the old one's strings */
			value = jv != NULL ? json_string_value(jv) : old->value;
			if (jn != NULL && json_is_string(jn))
				note = json_string_value(jn);
			else if (jn != NULL)
				note = NULL; /* null clears it */
			else
				note = old != NULL ? old->note : NULL;
			owned_value = strdup(value);
			clean = note != NULL ? clean_note(note) : NULL;
			if (owned_value == NULL || (note != NULL && clean == NULL)) {
				free(owned_value);
				free(clean);
				mk_web_error(p, 500, "internal");
				return -1;
			}
			err[0] = '\0';
			rc = mk_answers_set(a, kb, key, owned_value,
			                    clean != NULL && clean[0] != '\0' ? clean : NULL, by,
			                    now, MK_SRC_PERSON, err, sizeof(err));
			free(owned_value);
			free(clean);
			if (rc != 0) {
				bad_input(p, "bad_answer", "web.assess.bad_answer", key, err);
				return -1;
			}
		}
	}
	return 0;
}

static void api_answers_put(struct mk_web_req *q, struct mk_web_reply *p,
                            const struct mk_web_snap *s)
{
	struct mk_web *w = q->w;
	struct mk_answers a;
	json_t *root;
	int rc;

	if (!admin(q, p) || (root = body_object(q, p)) == NULL)
		return;
	pthread_mutex_lock(&w->write_lock);
	rc = read_answers(w, &a, p);
	if (rc == 0) {
		if ((rc = apply_answers(q, p, root, &a, wall_ns())) == 0 &&
		    mk_answers_write(w->wst, &a) != 0) {
			mk_error("%s", mk_store_sqlite.error(w->wst));
			mk_web_error(p, 500, "internal");
			rc = -1;
		}
		mk_answers_free(&a);
	}
	pthread_mutex_unlock(&w->write_lock);
	json_decref(root);
	if (rc != 0)
		return;
	/* the answers are not in the snapshot (the report): no reload needed */
	api_document(q, p, s);
}

/* ---- GET/PUT /api/v1/assessment/bcp ---- */

static void api_bcp(struct mk_web_req *q, struct mk_web_reply *p)
{
	struct mk_answers a;
	const char *text;
	size_t n;
	int rc;

	pthread_mutex_lock(&q->w->write_lock);
	rc = read_answers(q->w, &a, p);
	pthread_mutex_unlock(&q->w->write_lock);
	if (rc != 0)
		return;
	text = a.bcp_json != NULL && a.bcp_json[0] != '\0' ? a.bcp_json : "{}";
	n = strlen(text);
	free(p->body);
	if ((p->body = malloc(n + 1)) == NULL) {
		mk_answers_free(&a);
		mk_web_error(p, 500, "internal");
		return;
	}
	memcpy(p->body, text, n + 1);
	p->len = n;
	p->status = 200;
	p->type = "application/json; charset=utf-8";
	p->api = true;
	mk_answers_free(&a);
}

/* Checks the BCP entries with the BCP code itself (the same parser that
 * reads them for the assessment): 0, or -1 with its reason in err. */
static int bcp_check(const struct mk_kb *kb, const struct mk_web_snap *s, char *text, char *err,
                     size_t errlen)
{
	struct mk_answers tmp;
	struct mk_assessment *as = calloc(1, sizeof(*as));
	int rc;

	if (as == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.bcp_json = text;
	as->kb = kb;
	as->at_ns = wall_ns();
	rc = mk_assess_bcp(as, &tmp, &s->r, err, errlen);
	mk_assess_free(as);
	return rc;
}

static void api_bcp_put(struct mk_web_req *q, struct mk_web_reply *p, const struct mk_web_snap *s)
{
	struct mk_web *w = q->w;
	struct mk_answers a;
	json_t *root;
	char *text, err[512] = "";
	int rc;

	if (!admin(q, p) || (root = body_object(q, p)) == NULL)
		return;
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (text == NULL) {
		mk_web_error(p, 500, "internal");
		return;
	}
	if (bcp_check(w->kb, s, text, err, sizeof(err)) != 0) {
		free(text);
		bad_input(p, "bad_bcp", "web.assess.bad_bcp", NULL, err);
		return;
	}
	pthread_mutex_lock(&w->write_lock);
	rc = read_answers(w, &a, p);
	if (rc == 0) {
		free(a.bcp_json);
		a.bcp_json = text;
		text = NULL;
		if (mk_answers_write(w->wst, &a) != 0) {
			mk_error("%s", mk_store_sqlite.error(w->wst));
			mk_web_error(p, 500, "internal");
			rc = -1;
		}
		mk_answers_free(&a);
	}
	pthread_mutex_unlock(&w->write_lock);
	free(text);
	if (rc == 0)
		api_bcp(q, p);
}

/* ---- POST /api/v1/assessment/runs ---- */

static void api_record(struct mk_web_req *q, struct mk_web_reply *p, const struct mk_web_snap *s)
{
	struct mk_answers a;
	struct mk_assessment *as;
	struct mk_web_out o;

	if (!admin(q, p) || (as = run(q, p, s, &a, true)) == NULL)
		return;
	if (mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
	} else {
		mk_json_begin_object(&o.j);
		mk_json_key(&o.j, "recorded");
		mk_json_time(&o.j, as->at_ns);
		mk_json_key(&o.j, "plan");
		mk_json_uint(&o.j, as->n_plan);
		mk_json_key(&o.j, "unknown_answers");
		mk_json_uint(&o.j, as->n_unknown);
		mk_json_end_object(&o.j);
		mk_web_out_reply(&o, p, 201);
	}
	mk_assess_free(as);
	mk_answers_free(&a);
}

/* ---- GET /api/v1/assessment/report.html, .pdf, .md, plan.csv ---- */

/* The report's own CSP: its CSS is inline (a self-contained file), and
 * nothing else may load or run. */
static const char report_csp[] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                 "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static pthread_mutex_t pdf_lock = PTHREAD_MUTEX_INITIALIZER;

/* ?lang=ja|en (default: the request's); false with 400 set. */
static bool report_lang(const struct mk_web_req *q, struct mk_web_reply *p, enum mk_lang *lang)
{
	const char *l = mk_web_arg(q, "lang");

	*lang = q->lang;
	if (l == NULL || l[0] == '\0')
		return true;
	if (strcmp(l, "ja") == 0 || strcmp(l, "en") == 0) {
		*lang = l[0] == 'j' ? MK_LANG_JA : MK_LANG_EN;
		return true;
	}
	mk_web_error(p, 400, "bad_parameter");
	return false;
}

/* A private directory for the files a report is made of: 0 or -1. */
static int tmp_dir(char *dir, size_t len)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || base[0] == '\0' || strlen(base) > len - 32)
		base = "/tmp";
	snprintf(dir, len, "%s/mieruka-report-XXXXXX", base);
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* Removes the files of dir (one level: the report's) and dir. */
static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[1200];

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			/* a cut path could name another file: skip it */
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
			    sizeof(path))
				continue;
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* The whole file into *buf (malloc'd): 0, or -1 (missing, larger than
 * REPORT_MAX, I/O). */
static int slurp(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n = 0;
	struct stat stt;

	*buf = NULL;
	*len = 0;
	if (f == NULL)
		return -1;
	if (fstat(fileno(f), &stt) != 0 || stt.st_size < 0 || (uint64_t)stt.st_size > REPORT_MAX ||
	    (b = malloc((size_t)stt.st_size + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(b, 1, (size_t)stt.st_size, f);
	if (ferror(f) || n != (size_t)stt.st_size) {
		fclose(f);
		free(b);
		return -1;
	}
	fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static void file_reply(struct mk_web_reply *p, char *buf, size_t len, const char *type,
                       const char *name, bool attachment, const struct mk_assessment *as)
{
	char t[40] = "", day[16] = "";

	mk_time_rfc3339(as->at_ns, t, sizeof(t));
	/* 2026-12-07T... -> 20261207 */
	if (strlen(t) >= 10)
		snprintf(day, sizeof(day), "%.4s%.2s%.2s", t, t + 5, t + 8);
	free(p->body);
	p->body = buf;
	p->len = len;
	p->status = 200;
	p->type = type;
	p->api = true;
	snprintf(p->disposition, sizeof(p->disposition), "%s; filename=\"mieruka-%s-%s\"",
	         attachment ? "attachment" : "inline", day, name);
}

enum report_kind { R_HTML, R_PDF, R_MD, R_CSV };

/* Renders the report of kind into a memstream or a temp dir. */
static int render(enum report_kind kind, const struct mk_assessment *as, const struct mk_answers *a,
                  const struct mk_report *r, enum mk_lang lang, char **buf, size_t *len, char *err,
                  size_t errlen)
{
	char dir[1024], path[1100], out[1100];
	FILE *f;
	int rc = -1;

	*buf = NULL;
	*len = 0;
	if (kind == R_HTML || kind == R_MD) {
		if ((f = open_memstream(buf, len)) == NULL)
			return -1;
		rc = kind == R_HTML ? mk_assess_report_html(f, as, a, r, lang)
		                    : mk_assess_report_md(f, as, a, r, lang);
		if (fclose(f) != 0)
			rc = -1;
		if (rc != 0) {
			free(*buf);
			*buf = NULL;
			snprintf(err, errlen, "the report could not be written");
		}
		return rc;
	}
	if (tmp_dir(dir, sizeof(dir)) != 0) {
		snprintf(err, errlen, "no temporary directory: %s", strerror(errno));
		return -1;
	}
	if (kind == R_CSV) {
		rc = mk_assess_export_csv(dir, as, a, lang, err, errlen);
		snprintf(out, sizeof(out), "%s/plan.csv", dir);
	} else {
		snprintf(path, sizeof(path), "%s/report.html", dir);
		snprintf(out, sizeof(out), "%s/report.pdf", dir);
		if ((f = fopen(path, "wb")) != NULL) {
			rc = mk_assess_report_html(f, as, a, r, lang);
			if (fclose(f) != 0)
				rc = -1;
		}
		if (rc != 0)
			snprintf(err, errlen, "the HTML report could not be written");
		else
			rc = mk_assess_report_pdf(path, out, err, errlen);
	}
	if (rc == 0 && slurp(out, buf, len) != 0) {
		snprintf(err, errlen, "%s could not be read back",
		         kind == R_CSV ? "plan.csv" : "the PDF");
		rc = -1;
	}
	rm_dir(dir);
	return rc;
}

static void api_report(struct mk_web_req *q, struct mk_web_reply *p, const struct mk_web_snap *s,
                       enum report_kind kind)
{
	static const char *const types[] = {"text/html; charset=utf-8", "application/pdf",
	                                    "text/markdown; charset=utf-8",
	                                    "text/csv; charset=utf-8"};
	static const char *const names[] = {"assessment.html", "assessment.pdf", "assessment.md",
	                                    "plan.csv"};
	struct mk_answers a;
	struct mk_assessment *as;
	enum mk_lang lang;
	char *buf = NULL, err[512] = "";
	const char *dl = mk_web_arg(q, "download");
	size_t len = 0;
	int rc;

	if (!report_lang(q, p, &lang))
		return;
	if (kind == R_PDF && pthread_mutex_trylock(&pdf_lock) != 0) {
		mk_web_error_msg(p, 409, "busy", mk_msg_lang("web.assess.pdf_busy", MK_LANG_EN),
		                 mk_msg_lang("web.assess.pdf_busy", MK_LANG_JA));
		return;
	}
	as = run(q, p, s, &a, false);
	if (as == NULL) {
		if (kind == R_PDF)
			pthread_mutex_unlock(&pdf_lock);
		return;
	}
	rc = render(kind, as, &a, &s->r, lang, &buf, &len, err, sizeof(err));
	if (kind == R_PDF)
		pthread_mutex_unlock(&pdf_lock);
	if (rc != 0) {
		const char *names_[] = {"reason"};
		char r[600], en[800], ja[800];
		const char *values[] = {r};

		mk_error("assessment report: %s", err);
		mk_text_sanitize(r, sizeof(r), err, strlen(err));
		mk_detect_render(en, sizeof(en), mk_msg_lang("web.assess.pdf_failed", MK_LANG_EN),
		                 names_, values, 1);
		mk_detect_render(ja, sizeof(ja), mk_msg_lang("web.assess.pdf_failed", MK_LANG_JA),
		                 names_, values, 1);
		if (kind == R_PDF)
			mk_web_error_msg(p, 500, "report_failed", en, ja);
		else
			mk_web_error(p, 500, "internal");
	} else {
		/* the HTML opens in the browser to be printed unless asked to download */
		file_reply(p, buf, len, types[kind], names[kind],
		           kind != R_HTML || (dl != NULL && strcmp(dl, "1") == 0), as);
		if (kind == R_HTML)
			p->csp = report_csp;
	}
	mk_assess_free(as);
	mk_answers_free(&a);
}

/* ---- routing ---- */

void mk_web_api_assess(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap **sp,
                       const char *rest)
{
	bool get = strcmp(q->method, "GET") == 0;

	if (!have_kb(q, p))
		return;
	if (rest[0] == '\0' && get)
		api_document(q, p, *sp);
	else if (strcmp(rest, "/kb") == 0 && get)
		api_kb(q, p);
	else if (strcmp(rest, "/answers") == 0 && strcmp(q->method, "PUT") == 0)
		api_answers_put(q, p, *sp);
	else if (strcmp(rest, "/bcp") == 0 && get)
		api_bcp(q, p);
	else if (strcmp(rest, "/bcp") == 0 && strcmp(q->method, "PUT") == 0)
		api_bcp_put(q, p, *sp);
	else if (strcmp(rest, "/runs") == 0 && strcmp(q->method, "POST") == 0)
		api_record(q, p, *sp);
	else if (strcmp(rest, "/report.html") == 0 && get)
		api_report(q, p, *sp, R_HTML);
	else if (strcmp(rest, "/report.pdf") == 0 && get)
		api_report(q, p, *sp, R_PDF);
	else if (strcmp(rest, "/report.md") == 0 && get)
		api_report(q, p, *sp, R_MD);
	else if (strcmp(rest, "/plan.csv") == 0 && get)
		api_report(q, p, *sp, R_CSV);
	else
		mk_web_error(p, 404, "not_found");
}

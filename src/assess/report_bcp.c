/* report_bcp.c - the report's cyber-BCP section, rendered from JSON.
 *
 * The report reads the BCP as JSON so it does not depend on bcp.c's structs:
 * the assessment's document (mk_bcp_json, docs/ASSESSMENT.md "The
 * document's bcp") when there is one, else the user's entries as stored (the
 * answers' bcp_json).  The document is laid out along the six steps of JNSA's
 * cyber IT-BCP (prepare, policy, criteria, organization, flow, drill): each
 * step's title and text from the template, then what belongs to it (critical
 * systems with their backups, the recovery order and the isolation points;
 * the policy; who decides and the signs of an attack; roles and contacts;
 * the first-response and recovery actions; drills), with the gaps first.
 * Parts whose step is missing follow the steps, so nothing is lost.  The
 * entries alone are rendered member by member (arrays of objects as tables).
 */
#include "assess/report_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- the user's entries, member by member ---- */

/* The label of a BCP member: data/i18n/report.tsv "ar.bcp.k.KEY", else the key. */
static const char *bcp_label(struct mk_rw *w, const char *key, char *buf, size_t len)
{
	const char *t;

	snprintf(buf, len, "ar.bcp.k.%s", key);
	t = mk_rw_msg(w, buf);
	return strcmp(t, buf) == 0 ? key : t;
}

static bool is_text_obj(const json_t *v)
{
	return json_is_object(v) && json_is_string(json_object_get(v, "ja")) &&
	       json_is_string(json_object_get(v, "en")) && json_object_size(v) == 2;
}

struct bcp_ctx {
	struct mk_rw *w;
	const struct mk_report *r;
};

/* A string member shown in words: the ids of the template's lists (backup
 * kinds, contact categories, drill types: "ar.bcp.v.ID"), and asset ids as
 * the device's name. */
static void bcp_string(const struct bcp_ctx *c, const char *key, const char *s)
{
	char k[160];
	const char *t;

	if (key != NULL && (strcmp(key, "what") == 0 || strcmp(key, "category") == 0 ||
	                    strcmp(key, "type") == 0)) {
		snprintf(k, sizeof(k), "ar.bcp.v.%s", s);
		t = mk_rw_msg(c->w, k);
		if (strcmp(t, k) != 0) {
			mk_rw_text(c->w, t);
			return;
		}
	}
	if (key != NULL && strcmp(key, "asset") == 0 && c->r != NULL) {
		for (size_t i = 0; i < c->r->n_assets; i++)
			if (strncmp(c->r->assets[i].id, s, sizeof(c->r->assets[i].id)) == 0) {
				char name[256];

				mk_rpt_asset_name(c->r, i, name, sizeof(name));
				mk_rw_text(c->w, name);
				return;
			}
	}
	mk_rw_text(c->w, s);
}

/* A value for a cell: nested objects as "label: value" pieces, lists of
 * objects one per line. */
static void bcp_cell(const struct bcp_ctx *c, const char *key, const json_t *v, int depth)
{
	struct mk_rw *w = c->w;
	char buf[1024];

	if (v == NULL || json_is_null(v))
		return;
	if (json_is_string(v)) {
		bcp_string(c, key, json_string_value(v));
		return;
	}
	if (json_is_array(v) && depth < 3) {
		size_t i;
		json_t *x;
		bool structured = false;

		json_array_foreach(v, i, x) structured = structured || (json_is_object(x) && !is_text_obj(x));
		json_array_foreach(v, i, x) {
			if (i >= MK_RPT_BCP_MAX_ROWS)
				break;
			if (i > 0 && structured)
				mk_rw_br(w);
			else if (i > 0)
				mk_rw_text(w, ", ");
			if (structured)
				mk_rw_text(w, "・");
			bcp_cell(c, key, x, depth + 1);
		}
		return;
	}
	if (json_is_object(v) && !is_text_obj(v) && depth < 3) {
		const char *k;
		json_t *x;
		bool first = true;

		json_object_foreach((json_t *)v, k, x) {
			char lb[128];

			if (json_is_null(x))
				continue;
			if (!first)
				mk_rw_text(w, "; ");
			first = false;
			mk_rw_text(w, bcp_label(w, k, lb, sizeof(lb)));
			mk_rw_text(w, ": ");
			bcp_cell(c, k, x, depth + 1);
		}
		return;
	}
	mk_rpt_json_text(v, w->lang, buf, sizeof(buf));
	mk_rw_text(w, buf);
}

/* An array of objects as a table: the columns are the members' keys in the
 * order first seen (at most 10). */
static void bcp_table(const struct bcp_ctx *c, const json_t *arr)
{
	struct mk_rw *w = c->w;
	const char *cols[10], *head[10];
	char labels[10][128];
	size_t nc = 0, i;
	json_t *x;

	json_array_foreach(arr, i, x) {
		const char *k;
		json_t *y;

		json_object_foreach(x, k, y) {
			bool have = false;

			for (size_t n = 0; n < nc; n++)
				have = have || strcmp(cols[n], k) == 0;
			if (!have && nc < 10)
				cols[nc++] = k;
		}
	}
	if (nc == 0)
		return;
	for (size_t n = 0; n < nc; n++)
		head[n] = bcp_label(w, cols[n], labels[n], sizeof(labels[n]));
	mk_rw_table(w, "bcp", head, nc);
	json_array_foreach(arr, i, x) {
		if (i >= MK_RPT_BCP_MAX_ROWS)
			break;
		mk_rw_tr(w, NULL);
		for (size_t n = 0; n < nc; n++) {
			mk_rw_td_begin(w, NULL);
			bcp_cell(c, cols[n], json_object_get(x, cols[n]), 1);
			mk_rw_td_end(w);
		}
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
}

static void bcp_member(const struct bcp_ctx *c, const char *key, const json_t *v)
{
	struct mk_rw *w = c->w;
	char lb[128];

	if (v == NULL || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
	    (json_is_object(v) && json_object_size(v) == 0) ||
	    (json_is_string(v) && json_string_length(v) == 0))
		return;
	mk_rw_h(w, 3, NULL, bcp_label(w, key, lb, sizeof(lb)));
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		bool objects = true;

		json_array_foreach(v, i, x) objects = objects && json_is_object(x) && !is_text_obj(x);
		if (objects) {
			bcp_table(c, v);
			return;
		}
		mk_rw_ul(w, NULL);
		json_array_foreach(v, i, x) {
			if (i >= MK_RPT_BCP_MAX_ROWS)
				break;
			mk_rw_li(w);
			bcp_cell(c, key, x, 1);
			mk_rw_li_end(w);
		}
		mk_rw_ul_end(w);
	} else if (json_is_object(v) && !is_text_obj(v)) {
		const char *k;
		json_t *x;

		mk_rw_table(w, "bcp-kv",
		            (const char *const[]){mk_rw_msg(w, "ar.cover.item"),
		                                  mk_rw_msg(w, "ar.cover.value")},
		            2);
		json_object_foreach((json_t *)v, k, x) {
			char klb[128];

			mk_rw_tr(w, NULL);
			mk_rw_td(w, "th", bcp_label(w, k, klb, sizeof(klb)));
			mk_rw_td_begin(w, NULL);
			bcp_cell(c, k, x, 1);
			mk_rw_td_end(w);
			mk_rw_tr_end(w);
		}
		mk_rw_table_end(w);
	} else {
		mk_rw_p_begin(w, NULL);
		bcp_cell(c, key, v, 0);
		mk_rw_p_end(w);
	}
}


/* ---- the document ---- */

static const char *js(const json_t *o, const char *k)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;

	return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

/* A TEXT ({"ja","en"}) or a plain string, in the writer's language. */
static const char *jt(const struct mk_rw *w, const json_t *o, const char *k)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;

	if (json_is_string(v))
		return json_string_length(v) > 0 ? json_string_value(v) : NULL;
	if (json_is_object(v))
		return js(v, w->lang == MK_LANG_JA ? "ja" : "en");
	return NULL;
}

static bool jb(const json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

/* A number member as text ("" when absent). */
static void jn(const json_t *o, const char *k, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, k);

	buf[0] = '\0';
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%g", json_real_value(v));
}

static const char *M(const struct mk_rw *w, const char *key)
{
	return mk_rw_msg(w, key);
}

static void fill_n(const struct mk_rw *w, const char *key, const char *n, char *buf, size_t len)
{
	const char *kv[2] = {"n", n};

	mk_rpt_fill(buf, len, M(w, key), kv, 1);
}

static void role_name(const struct mk_rw *w, const char *role, char *buf, size_t len)
{
	char key[64];
	const char *t;

	buf[0] = '\0';
	if (role == NULL)
		return;
	snprintf(key, sizeof(key), "role.%s", role);
	t = mk_msg_lang(key, w->lang);
	snprintf(buf, len, "%s", strcmp(t, key) == 0 ? role : t);
}

static void company(const struct mk_rw *wc, const json_t *c)
{
	static const char *const keys[] = {"name", "site", "author", "approved_by", "reviewed"};
	struct mk_rw *w = (struct mk_rw *)wc;
	bool any = false;

	for (size_t i = 0; i < 5; i++)
		any = any || js(c, keys[i]) != NULL;
	if (!any)
		return;
	mk_rw_h(w, 3, NULL, M(w, "ar.bcp.k.company"));
	mk_rw_table(w, "bcp-kv", (const char *const[]){M(w, "ar.cover.item"), M(w, "ar.cover.value")},
	            2);
	for (size_t i = 0; i < 5; i++) {
		char key[48];

		if (js(c, keys[i]) == NULL)
			continue;
		snprintf(key, sizeof(key), "ar.bcp.k.%s", keys[i]);
		mk_rw_tr(w, NULL);
		mk_rw_td(w, "th", M(w, key));
		mk_rw_td(w, NULL, js(c, keys[i]));
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
}

static void gaps(struct mk_rw *w, const json_t *arr)
{
	size_t i;
	json_t *g;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return;
	mk_rw_h(w, 3, "bcp-gaps", M(w, "ar.bcp.k.gaps"));
	mk_rw_table(w, "bcp-gaps",
	            (const char *const[]){M(w, "ar.col.severity"), M(w, "ar.bcp.col.gap")}, 2);
	json_array_foreach(arr, i, g) {
		const char *sev = js(g, "severity");
		char key[48], cls[48];

		if (i >= MK_RPT_BCP_MAX_ROWS)
			break;
		snprintf(key, sizeof(key), "severity.%s", sev != NULL ? sev : "info");
		snprintf(cls, sizeof(cls), "sev-%s",
		         sev != NULL && strspn(sev, "abcdefghijklmnopqrstuvwxyz") == strlen(sev) ? sev
		                                                                                 : "info");
		mk_rw_tr(w, NULL);
		mk_rw_td_begin(w, NULL);
		mk_rw_badge(w, cls, mk_msg_lang(key, w->lang));
		mk_rw_td_end(w);
		mk_rw_td(w, NULL, jt(w, g, "text"));
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
}

static void backups_cell(struct mk_rw *w, const json_t *arr)
{
	size_t i;
	json_t *b;

	json_array_foreach(arr, i, b) {
		const char *tested = js(b, "restore_tested");
		const char *what = jt(w, b, "what_name");
		char key[64];

		if (i >= 16)
			break;
		if (i > 0)
			mk_rw_br(w);
		if (what == NULL && js(b, "what") != NULL) {
			snprintf(key, sizeof(key), "ar.bcp.v.%s", js(b, "what"));
			what = strcmp(M(w, key), key) != 0 ? M(w, key) : js(b, "what");
		}
		mk_rw_textf(w, "・%s: %s%s%s%s", what != NULL ? what : "", js(b, "where") ? js(b, "where") : "",
		            js(b, "when") ? " (" : "", js(b, "when") ? js(b, "when") : "",
		            js(b, "when") ? ")" : "");
		if (jb(b, "offline")) {
			mk_rw_text(w, " ");
			mk_rw_badge(w, "ok", M(w, "ar.bcp.offline"));
		}
		mk_rw_text(w, " ");
		if (tested != NULL) {
			const char *kv[2] = {"date", tested};
			char buf[160];

			mk_rpt_fill(buf, sizeof(buf), M(w, "ar.bcp.tested"), kv, 1);
			mk_rw_text(w, buf);
		} else {
			mk_rw_badge(w, "flag", M(w, "ar.bcp.never_tested"));
		}
	}
}

static void systems(struct mk_rw *w, const json_t *bcp)
{
	const json_t *arr = json_object_get(bcp, "systems");
	const json_t *dropped = json_object_get(bcp, "candidates_dropped");
	size_t i;
	json_t *s;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return;
	mk_rw_h(w, 4, NULL, M(w, "ar.bcp.k.systems"));
	mk_rw_table(w, "bcp-systems",
	            (const char *const[]){M(w, "ar.bcp.col.system"), M(w, "ar.bcp.k.line"),
	                                  M(w, "ar.bcp.k.rto_hours"), M(w, "ar.bcp.k.rpo_hours"),
	                                  M(w, "ar.bcp.k.manual_fallback"), M(w, "ar.bcp.k.backups")},
	            6);
	json_array_foreach(arr, i, s) {
		char rto[32], rpo[32], role[128];

		if (i >= MK_RPT_BCP_MAX_ROWS)
			break;
		jn(s, "rto_hours", rto, sizeof(rto));
		jn(s, "rpo_hours", rpo, sizeof(rpo));
		role_name(w, js(s, "role"), role, sizeof(role));
		mk_rw_tr(w, jb(s, "critical") ? NULL : "na");
		mk_rw_td_begin(w, NULL);
		mk_rw_strong(w, js(s, "name") != NULL ? js(s, "name") : js(s, "asset"));
		if (js(s, "candidate") != NULL && !jb(s, "entered")) {
			mk_rw_text(w, " ");
			mk_rw_badge(w, "conf-p", M(w, "ar.bcp.candidate"));
		}
		if (js(s, "address") != NULL || role[0] != '\0') {
			mk_rw_br(w);
			mk_rw_textf(w, "%s%s%s", js(s, "address") ? js(s, "address") : "",
			            js(s, "address") && role[0] ? " / " : "", role);
		}
		mk_rw_td_end(w);
		mk_rw_td(w, NULL, js(s, "line"));
		mk_rw_td(w, rto[0] == '\0' && jb(s, "critical") ? "num warn" : "num", rto);
		mk_rw_td(w, rpo[0] == '\0' && jb(s, "critical") ? "num warn" : "num", rpo);
		mk_rw_td(w, NULL, js(s, "manual_fallback"));
		mk_rw_td_begin(w, NULL);
		backups_cell(w, json_object_get(s, "backups"));
		mk_rw_td_end(w);
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
	if (json_is_integer(dropped) && json_integer_value(dropped) > 0) {
		char n[32], buf[256];

		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(dropped));
		fill_n(w, "ar.bcp.dropped", n, buf, sizeof(buf));
		mk_rw_p(w, "note", buf);
	}
}

static void recovery(struct mk_rw *w, const json_t *arr)
{
	size_t i;
	json_t *s;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return;
	mk_rw_h(w, 4, NULL, M(w, "ar.bcp.k.recovery_order"));
	mk_rw_p(w, "note", M(w, "ar.bcp.recovery_note"));
	mk_rw_table(w, "bcp-recovery",
	            (const char *const[]){M(w, "ar.bcp.col.step"), M(w, "ar.bcp.col.system"),
	                                  M(w, "ar.col.role"), M(w, "ar.bcp.col.after")},
	            4);
	json_array_foreach(arr, i, s) {
		char step[32], role[128], after[1024];

		if (i >= MK_RPT_BCP_MAX_ROWS)
			break;
		jn(s, "step", step, sizeof(step));
		role_name(w, js(s, "role"), role, sizeof(role));
		mk_rpt_json_text(json_object_get(s, json_object_get(s, "after_names") != NULL
		                                           ? "after_names" : "after"),
		                 w->lang, after, sizeof(after));
		mk_rw_tr(w, NULL);
		mk_rw_td(w, "num", step);
		mk_rw_td(w, NULL, js(s, "name") != NULL ? js(s, "name") : js(s, "asset"));
		mk_rw_td(w, NULL, role);
		mk_rw_td_begin(w, NULL);
		mk_rw_text(w, after);
		if (jb(s, "cycle")) {
			mk_rw_text(w, " ");
			mk_rw_badge(w, "flag", M(w, "ar.bcp.cycle"));
		}
		mk_rw_td_end(w);
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
}

static void isolation(struct mk_rw *w, const json_t *arr)
{
	size_t i;
	json_t *p;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return;
	mk_rw_h(w, 4, NULL, M(w, "ar.bcp.k.isolation_points"));
	mk_rw_table(w, "bcp-isolation",
	            (const char *const[]){M(w, "ar.bcp.col.kind"), M(w, "ar.bcp.col.where"),
	                                  M(w, "ar.bcp.k.how")},
	            3);
	json_array_foreach(arr, i, p) {
		const char *kind = js(p, "kind");
		char key[64], where[512] = "", how[256] = "", role[128];

		if (i >= MK_RPT_BCP_MAX_ROWS)
			break;
		snprintf(key, sizeof(key), "ar.bcp.iso.%s", kind != NULL ? kind : "entered");
		if (kind != NULL && strcmp(kind, "zone_boundary") == 0) {
			const json_t *z = json_object_get(p, "zones");
			char n[32];

			snprintf(where, sizeof(where), "%s ↔ %s",
			         js(json_array_get(z, 0), "name") ? js(json_array_get(z, 0), "name") : "?",
			         js(json_array_get(z, 1), "name") ? js(json_array_get(z, 1), "name") : "?");
			jn(p, "conversations", n, sizeof(n));
			fill_n(w, "ar.bcp.iso.conversations", n, how, sizeof(how));
		} else if (kind != NULL && strcmp(kind, "device") == 0) {
			role_name(w, js(p, "role"), role, sizeof(role));
			snprintf(where, sizeof(where), "%s%s%s", js(p, "name") ? js(p, "name") : "",
			         js(p, "address") ? " " : "", js(p, "address") ? js(p, "address") : "");
			snprintf(how, sizeof(how), "%s", role);
		} else {
			snprintf(where, sizeof(where), "%s%s%s", js(p, "where") ? js(p, "where") : "",
			         js(p, "device") ? " / " : "", js(p, "device") ? js(p, "device") : "");
			snprintf(how, sizeof(how), "%s", js(p, "how") ? js(p, "how") : "");
		}
		mk_rw_tr(w, NULL);
		mk_rw_td_begin(w, NULL);
		mk_rw_text(w, M(w, key));
		if (kind != NULL && strcmp(kind, "entered") != 0) {
			mk_rw_text(w, " ");
			mk_rw_badge(w, "conf-p", M(w, "ar.bcp.candidate"));
		}
		mk_rw_td_end(w);
		mk_rw_td(w, NULL, where);
		mk_rw_td(w, NULL, how);
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
}

static void labelled(struct mk_rw *w, const char *key, const char *text)
{
	if (text == NULL)
		return;
	mk_rw_p_begin(w, NULL);
	mk_rw_strong(w, M(w, key));
	mk_rw_text(w, " ");
	mk_rw_text(w, text);
	mk_rw_p_end(w);
}

static void signs(struct mk_rw *w, const json_t *arr)
{
	size_t i;
	json_t *s;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return;
	mk_rw_h(w, 4, NULL, M(w, "ar.bcp.k.signs"));
	mk_rw_table(w, "bcp-signs",
	            (const char *const[]){M(w, "ar.bcp.col.kind"), M(w, "ar.bcp.col.sign"),
	                                  M(w, "ar.bcp.col.seen")},
	            3);
	json_array_foreach(arr, i, s) {
		const char *kind = js(s, "kind");
		bool cyber = kind != NULL && strcmp(kind, "cyber") == 0;
		char n[32], seen[128] = "";

		if (i >= MK_RPT_BCP_MAX_ROWS)
			break;
		jn(s, "seen", n, sizeof(n));
		if (n[0] != '\0' && strcmp(n, "0") != 0)
			fill_n(w, "ar.bcp.seen", n, seen, sizeof(seen));
		mk_rw_tr(w, NULL);
		mk_rw_td_begin(w, NULL);
		mk_rw_badge(w, cyber ? "sev-high" : "sev-info",
		            M(w, cyber ? "ar.bcp.sign.cyber" : "ar.bcp.sign.fault"));
		mk_rw_td_end(w);
		mk_rw_td(w, NULL, jt(w, s, "text"));
		mk_rw_td(w, seen[0] != '\0' ? "warn" : NULL, seen);
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
}

static void roles(struct mk_rw *w, const json_t *arr)
{
	size_t i;
	json_t *r;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return;
	mk_rw_h(w, 4, NULL, M(w, "ar.bcp.k.roles"));
	mk_rw_table(w, "bcp-roles",
	            (const char *const[]){M(w, "ar.bcp.k.role"), M(w, "ar.bcp.k.name"),
	                                  M(w, "ar.bcp.k.deputy"), M(w, "ar.bcp.k.phone")},
	            4);
	json_array_foreach(arr, i, r) {
		if (i >= MK_RPT_BCP_MAX_ROWS)
			break;
		mk_rw_tr(w, NULL);
		mk_rw_td(w, NULL, js(r, "role"));
		mk_rw_td(w, NULL, js(r, "name"));
		mk_rw_td(w, NULL, js(r, "deputy"));
		mk_rw_td(w, NULL, js(r, "phone"));
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
}

static void contacts(struct mk_rw *w, const json_t *arr)
{
	size_t i;
	json_t *c;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return;
	mk_rw_h(w, 4, NULL, M(w, "ar.bcp.k.contacts"));
	mk_rw_table(w, "bcp-contacts",
	            (const char *const[]){M(w, "ar.bcp.k.category"), M(w, "ar.bcp.col.when"),
	                                  M(w, "ar.bcp.col.contact")},
	            3);
	json_array_foreach(arr, i, c) {
		const json_t *entries = json_object_get(c, "entries");
		const char *name = jt(w, c, "name");
		size_t k;
		json_t *e;

		if (i >= MK_RPT_BCP_MAX_ROWS)
			break;
		mk_rw_tr(w, NULL);
		mk_rw_td_begin(w, NULL);
		mk_rw_text(w, name != NULL ? name : js(c, "category"));
		if (jb(c, "required")) {
			mk_rw_text(w, " ");
			mk_rw_badge(w, "flag", M(w, "ar.bcp.required"));
		}
		mk_rw_td_end(w);
		mk_rw_td(w, NULL, jt(w, c, "when"));
		mk_rw_td_begin(w, json_array_size(entries) == 0 && jb(c, "required") ? "warn" : NULL);
		if (json_array_size(entries) == 0)
			mk_rw_text(w, M(w, "ar.bcp.no_entry"));
		json_array_foreach(entries, k, e) {
			static const char *const keys[] = {"org", "name", "phone", "email", "note"};
			bool first = true;

			if (k >= MK_RPT_BCP_MAX_ROWS)
				break;
			if (k > 0)
				mk_rw_br(w);
			/* the phone, e-mail and note start lines of their own: a
			 * number broken at a hyphen cannot be dialled from paper */
			for (size_t n = 0; n < 5; n++)
				if (js(e, keys[n]) != NULL) {
					if (!first && n < 2)
						mk_rw_text(w, " / ");
					else if (!first)
						mk_rw_br(w);
					first = false;
					mk_rw_text(w, js(e, keys[n]));
				}
		}
		mk_rw_td_end(w);
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
}

static void actions(struct mk_rw *w, const json_t *arr)
{
	static const char *const phases[] = {"first", "continuity", "recovery", "after"};

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return;
	for (size_t p = 0; p < 5; p++) {
		size_t i, n = 0;
		json_t *a;

		json_array_foreach(arr, i, a) {
			const char *ph = js(a, "phase");
			bool known = false;

			for (size_t q = 0; q < 4; q++)
				known = known || (ph != NULL && strcmp(ph, phases[q]) == 0);
			/* pass 4: actions of a phase this report does not know */
			if (p < 4 ? ph == NULL || strcmp(ph, phases[p]) != 0 : known)
				continue;
			if (i >= MK_RPT_BCP_MAX_ROWS)
				break;
			if (n++ == 0) {
				char key[48];

				snprintf(key, sizeof(key), "ar.bcp.phase.%s", p < 4 ? phases[p] : "other");
				mk_rw_h(w, 4, NULL, M(w, key));
				mk_rw_ul(w, "steps");
			}
			mk_rw_li(w);
			mk_rw_textf(w, "%zu. ", n);
			mk_rw_text(w, jt(w, a, "text"));
			mk_rw_li_end(w);
		}
		if (n > 0)
			mk_rw_ul_end(w);
	}
}

static void drills(struct mk_rw *w, const json_t *arr)
{
	size_t i;
	json_t *d;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return;
	mk_rw_h(w, 4, NULL, M(w, "ar.bcp.k.drills"));
	mk_rw_table(w, "bcp-drills",
	            (const char *const[]){M(w, "ar.bcp.col.drill"), M(w, "ar.bcp.col.interval"),
	                                  M(w, "ar.bcp.col.record")},
	            3);
	json_array_foreach(arr, i, d) {
		const json_t *entries = json_object_get(d, "entries");
		char every[32];
		size_t k;
		json_t *e;

		if (i >= MK_RPT_BCP_MAX_ROWS)
			break;
		jn(d, "every_months", every, sizeof(every));
		mk_rw_tr(w, NULL);
		mk_rw_td_begin(w, NULL);
		mk_rw_strong(w, jt(w, d, "name") != NULL ? jt(w, d, "name") : js(d, "type"));
		if (jt(w, d, "text") != NULL) {
			mk_rw_br(w);
			mk_rw_text(w, jt(w, d, "text"));
		}
		mk_rw_td_end(w);
		mk_rw_td(w, "num", every);
		mk_rw_td_begin(w, json_array_size(entries) == 0 ? "warn" : NULL);
		if (json_array_size(entries) == 0)
			mk_rw_text(w, M(w, "ar.bcp.never_done"));
		json_array_foreach(entries, k, e) {
			const char *last = js(e, "last_done");
			const char *kv[2] = {"date", last};
			char buf[160];

			if (k >= MK_RPT_BCP_MAX_ROWS)
				break;
			if (k > 0)
				mk_rw_br(w);
			if (last != NULL) {
				mk_rpt_fill(buf, sizeof(buf), M(w, "ar.bcp.last_done"), kv, 1);
				mk_rw_text(w, buf);
			} else {
				mk_rw_text(w, M(w, "ar.bcp.never_done"));
			}
		}
		mk_rw_td_end(w);
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
}

/* What belongs to each of the six steps. */
enum { B_PREPARE, B_POLICY, B_CRITERIA, B_ORGANIZATION, B_FLOW, B_DRILL, B_COUNT };
static const char *const block_step[B_COUNT] = {"prepare", "policy", "criteria",
                                                "organization", "flow", "drill"};

static void block(struct mk_rw *w, const json_t *bcp, int b)
{
	switch (b) {
	case B_PREPARE:
		systems(w, bcp);
		recovery(w, json_object_get(bcp, "recovery_order"));
		isolation(w, json_object_get(bcp, "isolation_points"));
		break;
	case B_POLICY:
		labelled(w, "ar.bcp.k.policy", js(bcp, "policy"));
		labelled(w, "ar.bcp.k.existing_bcp", js(bcp, "existing_bcp"));
		break;
	case B_CRITERIA:
		labelled(w, "ar.bcp.k.decision_by", js(bcp, "decision_by"));
		signs(w, json_object_get(bcp, "signs"));
		break;
	case B_ORGANIZATION:
		roles(w, json_object_get(bcp, "roles"));
		contacts(w, json_object_get(bcp, "contacts"));
		break;
	case B_FLOW:
		actions(w, json_object_get(bcp, "actions"));
		break;
	default:
		drills(w, json_object_get(bcp, "drills"));
	}
}

static void document(struct mk_rw *w, const json_t *bcp)
{
	bool done[B_COUNT] = {false};
	size_t i;
	json_t *st;

	if (json_is_false(json_object_get(bcp, "entered")))
		mk_rw_p(w, "warn", M(w, "ar.bcp.not_entered"));
	company(w, json_object_get(bcp, "company"));
	gaps(w, json_object_get(bcp, "gaps"));
	json_array_foreach(json_object_get(bcp, "steps"), i, st) {
		const char *id = js(st, "id");
		char title[512], n[32];

		jn(st, "order", n, sizeof(n));
		snprintf(title, sizeof(title), "%s%s%s", n, n[0] != '\0' ? ". " : "",
		         jt(w, st, "title") != NULL ? jt(w, st, "title") : (id != NULL ? id : ""));
		mk_rw_h(w, 3, NULL, title);
		if (jt(w, st, "text") != NULL)
			mk_rw_p(w, "note", jt(w, st, "text"));
		for (int b = 0; b < B_COUNT; b++)
			if (!done[b] && id != NULL && strcmp(id, block_step[b]) == 0) {
				block(w, bcp, b);
				done[b] = true;
			}
	}
	/* parts whose step the template does not have */
	for (int b = 0; b < B_COUNT; b++)
		if (!done[b])
			block(w, bcp, b);
}

void mk_rpt_bcp_section(struct mk_rw *w, const json_t *bcp, const struct mk_report *r)
{
	/* the user's entries: the order of the six steps, other members after */
	static const char *const order[] = {
		"company", "policy", "existing_bcp", "decision_by", "systems", "isolation_points",
		"roles",   "contacts", "drills",
	};
	struct bcp_ctx c = {.w = w, .r = r};
	const char *k;
	json_t *x;

	mk_rw_section(w, "bcp", "page", mk_rw_msg(w, "ar.sec.bcp"));
	if (!json_is_object(bcp) || json_object_size(bcp) == 0) {
		mk_rw_p(w, NULL, mk_rw_msg(w, "ar.bcp.none"));
		mk_rw_section_end(w);
		return;
	}
	mk_rw_p(w, "note", mk_rw_msg(w, "ar.bcp.intro"));
	if (json_is_array(json_object_get(bcp, "steps"))) {
		document(w, bcp);
		mk_rw_section_end(w);
		return;
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		bcp_member(&c, order[i], json_object_get(bcp, order[i]));
	json_object_foreach((json_t *)bcp, k, x) {
		bool known = false;

		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
			known = known || strcmp(order[i], k) == 0;
		if (!known && strcmp(k, "schema") != 0)
			bcp_member(&c, k, x);
	}
	mk_rw_section_end(w);
}

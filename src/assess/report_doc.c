/* report_doc.c - the report's sections, for HTML and Markdown alike.
 *
 * What a factory hands to management or to a customer's supply-chain
 * questionnaire, in this order: cover, contents, summary (risk by entry point
 * as a heat table, the first actions, checklist scores, open questions), the
 * asset ledger, the network map, the alerts, the assessment per entry point
 * (risks, evidence suggestions, countermeasures and their answers), the action
 * plan, the METI and IPA checklist views, the cyber-BCP and the sources.
 *
 * Texts come from the knowledge base (both languages) and data/i18n/report.tsv;
 * everything else is escaped by the writer.  Section ids (cover, summary,
 * assets, map, alerts, entries, plan, meti, ipa25, bcp, sources) are stable:
 * tests and links rely on them.
 */
#include "assess/report_int.h"

#include <stdlib.h>
#include <string.h>

struct doc {
	struct mk_rw *w;
	const struct mk_assessment *as;
	const struct mk_kb *kb;
	const struct mk_answers *a;
	const struct mk_report *r;
	json_t *bcp;
};

static const char *M(const struct doc *d, const char *key)
{
	return mk_rw_msg(d->w, key);
}

static const char *T(const struct doc *d, const struct mk_kb_text *t)
{
	const char *s = t != NULL ? mk_kb_tr(t, d->w->lang) : NULL;

	return s != NULL ? s : "";
}

static void conf_badge(const struct doc *d, char confidence)
{
	const char *key = mk_rpt_conf_key(confidence);

	if (key != NULL) {
		mk_rw_text(d->w, " ");
		mk_rw_badge(d->w, confidence == 'M' ? "conf-m" : "conf-p", M(d, key));
	}
}

static void entry_title(const struct doc *d, const struct mk_kb_entry *e, char *buf, size_t len)
{
	const char *alias = T(d, &e->alias);

	if (alias[0] != '\0' && strcmp(alias, T(d, &e->name)) != 0)
		snprintf(buf, len, "%02u %s%s%s%s", e->order, T(d, &e->name),
		         d->w->lang == MK_LANG_JA ? "（" : " (", alias,
		         d->w->lang == MK_LANG_JA ? "）" : ")");
	else
		snprintf(buf, len, "%02u %s", e->order, T(d, &e->name));
}

/* The name of an answer id (knowledge-base answers; "yes"/"no"/"unknown" of
 * use.EP; a number for likelihood and impact overrides). */
static const char *answer_name(const struct doc *d, const char *key, const char *value)
{
	const struct mk_kb_answer *ka;

	if (value == NULL)
		return M(d, "ar.unanswered");
	if (strncmp(key, "use.", 4) == 0) {
		if (strcmp(value, "yes") == 0)
			return M(d, "ar.use.yes");
		if (strcmp(value, "no") == 0)
			return M(d, "ar.use.no");
		if (strcmp(value, "unknown") == 0)
			return M(d, "ar.use.unknown");
	}
	if ((ka = mk_kb_answer_by_id(d->kb, value)) != NULL)
		return T(d, &ka->name);
	return value;
}

/* The question an answer key asks, in the writer's language ("" when none). */
static const char *question_of(const struct doc *d, const char *key)
{
	const struct mk_kb_cm *cm;
	const struct mk_kb_entry *e;

	if (strncmp(key, "use.", 4) == 0 && (e = mk_kb_entry_by_id(d->kb, key + 4)) != NULL)
		return T(d, &e->question);
	if ((cm = mk_kb_cm_by_id(d->kb, key)) != NULL)
		return T(d, &cm->question);
	return "";
}

static const char *band_id(const struct doc *d, size_t band)
{
	return band < d->kb->n_bands ? d->kb->bands[band].id : "";
}

/* "heat-high": the class of a band (ids are [a-z0-9_.-], checked by the loader). */
static void band_class(const struct doc *d, size_t band, char *buf, size_t len)
{
	const char *id = band_id(d, band);

	snprintf(buf, len, "heat-%s", strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_-") ==
	                                          strlen(id) ? id : "x");
}

static const char *band_name(const struct doc *d, size_t band)
{
	return band < d->kb->n_bands ? T(d, &d->kb->bands[band].name) : "";
}

static void count_text(const struct doc *d, const char *key, size_t n, char *buf, size_t len)
{
	char num[32];
	const char *kv[2] = {"n", num};

	snprintf(num, sizeof(num), "%zu", n);
	mk_rpt_fill(buf, len, M(d, key), kv, 1);
}

/* ---- cover and contents ---- */

static const char *bcp_company(const struct doc *d, const char *key)
{
	json_t *c = d->bcp != NULL ? json_object_get(d->bcp, "company") : NULL;
	json_t *v = json_is_object(c) ? json_object_get(c, key) : NULL;

	return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

static void cover(struct doc *d)
{
	struct mk_rw *w = d->w;
	const char *name = bcp_company(d, "name"), *site = bcp_company(d, "site");
	const char *author = bcp_company(d, "author"), *approved = bcp_company(d, "approved_by");
	uint64_t first = 0, last = 0, latest = 0;
	char date[64], a_date[64], b_date[64], buf[256];

	/* who answered: the BCP's author, else whoever gave the latest answer */
	for (size_t i = 0; author == NULL && d->a != NULL && i < d->a->n; i++)
		if (d->a->v[i].by != NULL && d->a->v[i].by[0] != '\0' && d->a->v[i].at_ns >= latest) {
			latest = d->a->v[i].at_ns;
			author = d->a->v[i].by;
		}
	for (size_t i = 0; d->r != NULL && i < d->r->n_captures; i++) {
		const struct mk_capture_rec *c = &d->r->captures[i];

		if (c->first_ns != 0 && (first == 0 || c->first_ns < first))
			first = c->first_ns;
		if (c->last_ns > last)
			last = c->last_ns;
	}
	mk_rw_raw(w, "<section id=\"cover\" class=\"cover\">\n");
	if (w->md) {
		fputs("# ", w->f);
		mk_rw_text(w, M(d, "ar.title"));
		fputs("\n\n", w->f);
	} else {
		mk_rw_raw(w, "<p class=\"cover-kicker\">");
		mk_rw_text(w, M(d, "ar.kicker"));
		mk_rw_raw(w, "</p>\n<h1>");
		mk_rw_text(w, M(d, "ar.title"));
		mk_rw_raw(w, "</h1>\n");
	}
	mk_rw_p_begin(w, "cover-factory");
	mk_rw_strong(w, name != NULL ? name : M(d, "ar.cover.no_name"));
	if (site != NULL) {
		mk_rw_text(w, " ");
		mk_rw_text(w, site);
	}
	mk_rw_p_end(w);
	mk_rpt_date(d->as->at_ns, w->lang, date, sizeof(date));
	mk_rw_table(w, "cover-facts", (const char *const[]){M(d, "ar.cover.item"), M(d, "ar.cover.value")},
	            2);
	mk_rw_tr(w, NULL);
	mk_rw_td(w, "th", M(d, "ar.cover.date"));
	mk_rw_td(w, NULL, date);
	mk_rw_tr_end(w);
	mk_rw_tr(w, NULL);
	mk_rw_td(w, "th", M(d, "ar.cover.author"));
	mk_rw_td(w, NULL, author != NULL ? author : "-");
	mk_rw_tr_end(w);
	if (approved != NULL) {
		mk_rw_tr(w, NULL);
		mk_rw_td(w, "th", M(d, "ar.cover.approved"));
		mk_rw_td(w, NULL, approved);
		mk_rw_tr_end(w);
	}
	mk_rw_tr(w, NULL);
	mk_rw_td(w, "th", M(d, "ar.cover.period"));
	if (first != 0) {
		mk_rpt_datetime(first, w->lang, a_date, sizeof(a_date));
		mk_rpt_datetime(last, w->lang, b_date, sizeof(b_date));
		snprintf(buf, sizeof(buf), "%s – %s", a_date, b_date);
		mk_rw_td(w, NULL, buf);
	} else {
		mk_rw_td(w, NULL, M(d, "ar.cover.no_capture"));
	}
	mk_rw_tr_end(w);
	mk_rw_tr(w, NULL);
	mk_rw_td(w, "th", M(d, "ar.cover.previous"));
	if (d->as->previous_ns != 0)
		mk_rpt_date(d->as->previous_ns, w->lang, a_date, sizeof(a_date));
	mk_rw_td(w, NULL, d->as->previous_ns != 0 ? a_date : M(d, "ar.cover.first_time"));
	mk_rw_tr_end(w);
	mk_rw_table_end(w);
	mk_rw_p(w, "cover-what", M(d, "ar.cover.what"));
	mk_rw_p(w, "cover-how", M(d, "ar.cover.how"));

	/* contents */
	mk_rw_h(w, 2, NULL, M(d, "ar.toc"));
	mk_rw_ul(w, "toc");
	{
		static const char *const ids[] = {"summary", "assets", "map", "alerts", "entries",
		                                  "plan", "meti", "ipa25", "bcp", "sources"};

		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			char key[48];

			snprintf(key, sizeof(key), "ar.sec.%s", ids[i]);
			mk_rw_li(w);
			mk_rw_rawf(w, "<a href=\"#%s\">", ids[i]);
			mk_rw_textf(w, "%zu. %s", i + 1, M(d, key));
			mk_rw_raw(w, "</a>");
			mk_rw_li_end(w);
		}
	}
	mk_rw_ul_end(w);
	mk_rw_section_end(w);
}

/* ---- summary ---- */

static size_t open_alerts(const struct mk_report *r, int min_sev)
{
	size_t n = 0;

	for (size_t i = 0; r != NULL && i < r->n_alerts; i++)
		n += r->alerts[i].status == MK_ALERT_OPEN && r->alerts[i].severity >= min_sev;
	return n;
}

static void heat_table(struct doc *d)
{
	struct mk_rw *w = d->w;
	const char *head[2 + MK_KB_RISKS + 1];
	size_t nh = 0;

	head[nh++] = M(d, "ar.col.entry");
	head[nh++] = M(d, "ar.col.in_use");
	for (int k = 0; k < MK_KB_RISKS; k++)
		head[nh++] = T(d, &d->kb->risks[k].name);
	head[nh++] = M(d, "ar.col.highest");
	mk_rw_table(w, "heat", head, nh);
	for (size_t i = 0; i < d->kb->n_entries; i++) {
		const struct mk_kb_entry *e = &d->kb->entries[i];
		const struct mk_entry_result *er = &d->as->entries[i];
		char title[300], cls[48];
		int best = -1;
		size_t best_band = (size_t)-1;

		entry_title(d, e, title, sizeof(title));
		mk_rw_tr(w, er->applicable == 0 ? "na" : NULL);
		mk_rw_td(w, "name", title);
		mk_rw_td_begin(w, NULL);
		mk_rw_text(w, er->applicable > 0    ? M(d, "ar.use.yes")
		              : er->applicable == 0 ? M(d, "ar.use.no")
		                                    : M(d, "ar.use.unknown"));
		if (er->applicable < 0) {
			mk_rw_text(w, " ");
			mk_rw_badge(w, "flag", M(d, "ar.flag.check"));
		}
		mk_rw_td_end(w);
		for (int k = 0; k < MK_KB_RISKS; k++) {
			const struct mk_risk_result *rr = NULL;

			for (size_t j = 0; j < er->n_risks && j < MK_KB_RISKS; j++)
				if ((int)er->risks[j].risk == k)
					rr = &er->risks[j];
			if (er->applicable == 0 || rr == NULL) {
				mk_rw_td(w, "heat-none", er->applicable == 0 ? "" : "-");
				continue;
			}
			band_class(d, rr->band, cls, sizeof(cls));
			mk_rw_td_begin(w, cls);
			mk_rw_textf(w, "%d %s", rr->score, band_name(d, rr->band));
			mk_rw_td_end(w);
			if (rr->score > best) {
				best = rr->score;
				best_band = rr->band;
			}
		}
		if (er->applicable == 0) {
			mk_rw_td(w, "heat-none", M(d, "ar.not_applicable"));
		} else if (best < 0) {
			mk_rw_td(w, "heat-none", "-");
		} else {
			band_class(d, best_band, cls, sizeof(cls));
			mk_rw_td_begin(w, cls);
			mk_rw_textf(w, "%d %s", best, band_name(d, best_band));
			mk_rw_td_end(w);
		}
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
	mk_rw_p(w, "note", M(d, "ar.heat.note"));
}

static void meti_score_text(const struct doc *d, char *buf, size_t len)
{
	const struct mk_meti_result *m = &d->as->meti;

	if (m->total < 0 || m->rank >= d->kb->n_meti_ranks)
		snprintf(buf, len, "%s", M(d, "ar.not_scored"));
	else
		snprintf(buf, len, "%d / 100 (%s %s)", m->total, M(d, "ar.meti.rank"),
		         T(d, &d->kb->meti_ranks[m->rank].name));
}

static void ipa_score_text(const struct doc *d, char *buf, size_t len)
{
	const struct mk_ipa_result *p = &d->as->ipa;

	if (p->band < d->kb->n_ipa_bands)
		snprintf(buf, len, "%d / 100 (%s)", p->total, T(d, &d->kb->ipa_bands[p->band].name));
	else
		snprintf(buf, len, "%d / 100", p->total);
}

static void entry_list_text(const struct doc *d, const struct mk_kb_cm *cm, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (cm->all_entry_points) {
		snprintf(buf, len, "%s", M(d, "ar.all_entries"));
		return;
	}
	for (size_t k = 0; k < cm->n_eps && used + 1 < len; k++) {
		if (cm->eps[k] >= d->kb->n_entries)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "",
		                         T(d, &d->kb->entries[cm->eps[k]].name));
		if (used >= len)
			used = len - 1;
	}
}

static void summary(struct doc *d)
{
	struct mk_rw *w = d->w;
	char buf[512], num[64];
	size_t shown = 0;

	mk_rw_section(w, "summary", "page", M(d, "ar.sec.summary"));
	mk_rw_table(w, "facts", (const char *const[]){M(d, "ar.cover.item"), M(d, "ar.cover.value")}, 2);
	mk_rw_tr(w, NULL);
	mk_rw_td(w, "th", M(d, "ar.sum.devices"));
	snprintf(num, sizeof(num), "%zu", d->r != NULL ? d->r->n_assets : 0);
	mk_rw_td(w, "num", num);
	mk_rw_tr_end(w);
	mk_rw_tr(w, NULL);
	mk_rw_td(w, "th", M(d, "ar.sum.alerts"));
	count_text(d, "ar.sum.alerts_value", open_alerts(d->r, MK_SEV_INFO), buf, sizeof(buf));
	{
		char hi[128];

		count_text(d, "ar.sum.alerts_high", open_alerts(d->r, MK_SEV_HIGH), hi, sizeof(hi));
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %s", hi);
	}
	mk_rw_td(w, NULL, buf);
	mk_rw_tr_end(w);
	mk_rw_tr(w, NULL);
	mk_rw_td(w, "th", M(d, "ar.sum.meti"));
	meti_score_text(d, buf, sizeof(buf));
	mk_rw_td(w, NULL, buf);
	mk_rw_tr_end(w);
	mk_rw_tr(w, NULL);
	mk_rw_td(w, "th", M(d, "ar.sum.ipa"));
	ipa_score_text(d, buf, sizeof(buf));
	mk_rw_td(w, NULL, buf);
	mk_rw_tr_end(w);
	mk_rw_tr(w, NULL);
	mk_rw_td(w, "th", M(d, "ar.sum.unknown"));
	count_text(d, "ar.sum.unknown_value", d->as->n_unknown, buf, sizeof(buf));
	mk_rw_td(w, d->as->n_unknown > 0 ? "warn" : NULL, buf);
	mk_rw_tr_end(w);
	mk_rw_table_end(w);
	if (d->as->n_unknown > 0)
		mk_rw_p(w, "note", M(d, "ar.sum.unknown_note"));

	mk_rw_h(w, 3, NULL, M(d, "ar.sum.heat"));
	heat_table(d);

	mk_rw_h(w, 3, NULL, M(d, "ar.sum.top"));
	if (d->as->n_plan == 0) {
		mk_rw_p(w, NULL, M(d, "ar.plan.empty"));
	} else {
		mk_rw_table(w, "top", (const char *const[]){"#", M(d, "ar.col.measure"),
		                                            M(d, "ar.col.entries"), M(d, "ar.col.cost")},
		            4);
		for (size_t i = 0; i < d->as->n_plan && shown < 5; i++) {
			const struct mk_plan_item *p = &d->as->plan[i];
			const struct mk_kb_cm *cm;

			if (p->cm >= d->kb->n_cms)
				continue;
			cm = &d->kb->cms[p->cm];
			mk_rw_tr(w, NULL);
			snprintf(num, sizeof(num), "%zu", ++shown);
			mk_rw_td(w, "num", num);
			mk_rw_td_begin(w, NULL);
			mk_rw_strong(w, T(d, &cm->title));
			if (p->this_week) {
				mk_rw_text(w, " ");
				mk_rw_badge(w, "week", M(d, "ar.plan.this_week_badge"));
			}
			mk_rw_br(w);
			mk_rw_text(w, T(d, &cm->why));
			mk_rw_td_end(w);
			entry_list_text(d, cm, buf, sizeof(buf));
			mk_rw_td(w, NULL, buf);
			snprintf(buf, sizeof(buf), "%s / %s", T(d, &d->kb->costs[cm->cost].name),
			         T(d, &d->kb->efforts[cm->effort].name));
			mk_rw_td(w, NULL, buf);
			mk_rw_tr_end(w);
		}
		mk_rw_table_end(w);
	}
	mk_rw_section_end(w);
}

/* ---- the asset ledger ---- */

/* The ledger by address: IPv4 in numeric order, then IPv6, then devices seen
 * by MAC only; ties by id. */
static const struct mk_addr *first_ip(const struct mk_asset_rec *a, int family)
{
	for (size_t k = 0; k < a->n_ips; k++)
		if (a->ips[k].family == family)
			return &a->ips[k];
	return NULL;
}

static int asset_cmp(const void *x, const void *y, void *ctx)
{
	const struct mk_report *r = ctx;
	const struct mk_asset_rec *a = &r->assets[*(const size_t *)x];
	const struct mk_asset_rec *b = &r->assets[*(const size_t *)y];
	const struct mk_addr *pa, *pb;
	int c;

	for (int fam = 0; fam < 2; fam++) {
		int family = fam == 0 ? MK_AF_INET : MK_AF_INET6;

		pa = first_ip(a, family);
		pb = first_ip(b, family);
		if ((pa == NULL) != (pb == NULL))
			return pa != NULL ? -1 : 1;
		if (pa != NULL && (c = memcmp(pa->a, pb->a, family == MK_AF_INET ? 4 : 16)) != 0)
			return c;
		if (pa != NULL)
			break;
	}
	if ((c = memcmp(a->mac.a, b->mac.a, 6)) != 0)
		return c;
	return strncmp(a->id, b->id, sizeof(a->id));
}

static void assets(struct doc *d)
{
	struct mk_rw *w = d->w;
	const struct mk_report *r = d->r;
	size_t n = r != NULL ? r->n_assets : 0, shown, *order;

	mk_rw_section(w, "assets", "page", M(d, "ar.sec.assets"));
	if (n == 0) {
		mk_rw_p(w, NULL, M(d, "ar.assets.none"));
		mk_rw_section_end(w);
		return;
	}
	{
		char buf[128];

		count_text(d, "ar.assets.count", n, buf, sizeof(buf));
		mk_rw_p(w, NULL, buf);
	}
	mk_rw_table(w, "ledger",
	            (const char *const[]){M(d, "ar.col.name"), M(d, "ar.col.addresses"),
	                                  M(d, "ar.col.vendor"), M(d, "ar.col.model"),
	                                  M(d, "ar.col.role"), M(d, "ar.col.zone")},
	            6);
	shown = n < MK_RPT_MAX_ASSETS ? n : MK_RPT_MAX_ASSETS;
	order = malloc(n * sizeof(*order));
	for (size_t i = 0; i < n && order != NULL; i++)
		order[i] = i;
	if (order != NULL)
		qsort_r(order, n, sizeof(*order), asset_cmp, (void *)r);
	for (size_t row = 0; row < shown; row++) {
		size_t i = order != NULL ? order[row] : row;
		const struct mk_asset_rec *as = &r->assets[i];
		const struct mk_identity_rec *id = as->identity;
		char name[256], addrs[1024], model[512] = "", role[160] = "", key[48];
		const char *zid = NULL, *zname = NULL;

		mk_rpt_asset_name(r, i, name, sizeof(name));
		mk_rpt_asset_addrs(r, i, addrs, sizeof(addrs));
		if (id != NULL) {
			const char *parts[3] = {id->vendor, id->model != NULL && id->model[0] != '\0'
			                                        ? id->model
			                                        : id->product,
			                        NULL};
			size_t used = 0;

			for (size_t k = 0; k < 2; k++)
				if (parts[k] != NULL && parts[k][0] != '\0' && used + 1 < sizeof(model))
					used += (size_t)snprintf(model + used, sizeof(model) - used, "%s%s",
					                         used > 0 ? " " : "", parts[k]);
			if (used >= sizeof(model))
				used = sizeof(model) - 1;
			if (id->firmware != NULL && id->firmware[0] != '\0' && used + 1 < sizeof(model))
				snprintf(model + used, sizeof(model) - used, "%s%s %s", used > 0 ? "\n" : "",
				         M(d, "ar.firmware"), id->firmware);
		}
		if (as->n_roles > 0) {
			snprintf(key, sizeof(key), "role.%s", mk_role_name(as->roles[0].role));
			snprintf(role, sizeof(role), "%s (%u%%)", mk_msg_lang(key, w->lang),
			         as->roles[0].confidence);
		} else {
			snprintf(role, sizeof(role), "%s", mk_msg_lang("role.unknown", w->lang));
		}
		mk_report_asset_zone(r, i, &zid, &zname);
		mk_rw_tr(w, NULL);
		mk_rw_td(w, "name", name);
		mk_rw_td(w, "addr", addrs);
		mk_rw_td(w, NULL, as->vendor);
		mk_rw_td(w, NULL, model);
		mk_rw_td(w, NULL, role);
		mk_rw_td(w, NULL, zname != NULL ? zname : "");
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
	free(order);
	if (shown < n) {
		char buf[256];

		count_text(d, "ar.more_rows_assets", n - shown, buf, sizeof(buf));
		mk_rw_p(w, "note", buf);
	}
	mk_rw_section_end(w);
}

/* ---- the map ---- */

static void fmt_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = {"kB", "MB", "GB", "TB", "PB"};
	double x = (double)v;
	int u = -1;

	if (v < 1000) {
		snprintf(buf, len, "%llu B", (unsigned long long)v);
		return;
	}
	while (x >= 1000.0 && u < 4) {
		x /= 1000.0;
		u++;
	}
	snprintf(buf, len, x < 10.0 ? "%.1f %s" : "%.0f %s", x, units[u]);
}

static void map_section(struct doc *d)
{
	struct mk_rw *w = d->w;
	struct mk_map *m = NULL;
	struct mk_map_style styles[MK_ROLE_COUNT + 1];
	int role_order[MK_ROLE_COUNT];
	char buf[512];

	mk_rw_section(w, "map", "page map-page", M(d, "ar.sec.map"));
	if (d->r == NULL || d->r->n_assets == 0) {
		mk_rw_p(w, NULL, M(d, "ar.assets.none"));
		mk_rw_section_end(w);
		return;
	}
	if (mk_map_build(d->r, w->lang, &m) != 0) {
		mk_rw_p(w, "warn", M(d, "ar.map.nomem"));
		mk_rw_section_end(w);
		return;
	}
	mk_rw_p(w, "note", M(d, m->by_zone ? "ar.map.how_zone" : "ar.map.how_subnet"));
	if (w->md) {
		mk_rw_p(w, "note", M(d, "ar.map.md_note"));
	} else {
		mk_rw_raw(w, "<div class=\"map-frame\">\n");
		mk_map_svg(w->f, m, d->r, w->lang);
		mk_rw_raw(w, "</div>\n");
	}
	if (m->collapsed)
		mk_rw_p(w, "note", M(d, "ar.map.collapsed"));
	if (m->n_dedges < m->n_dedges_all) {
		count_text(d, "ar.map.edges_cut", m->n_dedges_all - m->n_dedges, buf, sizeof(buf));
		mk_rw_p(w, "note", buf);
	}

	/* roles in the map's order (controllers first) */
	mk_map_styles(styles);
	for (int k = 0; k < MK_ROLE_COUNT; k++)
		role_order[k] = k;
	for (int k = 1; k < MK_ROLE_COUNT; k++)
		for (int j = k; j > 0 && styles[role_order[j]].order < styles[role_order[j - 1]].order;
		     j--) {
			int t = role_order[j];

			role_order[j] = role_order[j - 1];
			role_order[j - 1] = t;
		}
	mk_rw_h(w, 3, NULL, M(d, "ar.map.groups"));
	mk_rw_table(w, "groups",
	            (const char *const[]){M(d, "ar.col.group"), M(d, "ar.col.devices"),
	                                  M(d, "ar.col.roles")},
	            3);
	for (size_t g = 0; g < m->n_groups; g++) {
		const struct mk_map_group *gr = &m->groups[g];
		size_t used = 0;

		buf[0] = '\0';
		for (int k = 0; k < MK_ROLE_COUNT && used + 1 < sizeof(buf); k++) {
			int ro = role_order[k];
			char key[48];

			if (gr->roles[ro] == 0)
				continue;
			snprintf(key, sizeof(key), "role.%s", mk_role_name((unsigned)ro));
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s %u",
			                         used > 0 ? ", " : "", mk_msg_lang(key, w->lang),
			                         gr->roles[ro]);
			if (used >= sizeof(buf))
				used = sizeof(buf) - 1;
		}
		mk_rw_tr(w, gr->industrial ? "industrial" : NULL);
		mk_rw_td(w, "name", gr->name);
		if (gr->internet) {
			mk_rw_td(w, "num", "-");
		} else {
			char num[32];

			snprintf(num, sizeof(num), "%zu", gr->n_devices);
			mk_rw_td(w, "num", num);
		}
		mk_rw_td(w, NULL, buf);
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);

	mk_rw_h(w, 3, NULL, M(d, "ar.map.links"));
	if (m->n_gedges == 0) {
		mk_rw_p(w, NULL, M(d, "ar.map.no_links"));
	} else {
		mk_rw_table(w, "links",
		            (const char *const[]){M(d, "ar.col.group"), M(d, "ar.col.group"),
		                                  M(d, "ar.col.protocols"), M(d, "ar.col.connections"),
		                                  M(d, "ar.col.data")},
		            5);
		for (size_t i = 0; i < m->n_gedges; i++) {
			const struct mk_map_edge *e = &m->gedges[i];
			char protos[512], num[32], bytes[32];

			mk_map_protos(&e->protos, 8, w->lang, protos, sizeof(protos));
			snprintf(num, sizeof(num), "%llu", (unsigned long long)e->flows);
			fmt_bytes(e->bytes, bytes, sizeof(bytes));
			mk_rw_tr(w, e->industrial ? "industrial" : NULL);
			mk_rw_td(w, NULL, m->groups[e->a].name);
			mk_rw_td(w, NULL, m->groups[e->b].name);
			mk_rw_td(w, NULL, protos);
			mk_rw_td(w, "num", num);
			mk_rw_td(w, "num", bytes);
			mk_rw_tr_end(w);
		}
		mk_rw_table_end(w);
	}
	mk_map_free(m);
	mk_rw_section_end(w);
}

/* ---- alerts ---- */

static int status_rank(uint8_t st)
{
	switch (st) {
	case MK_ALERT_OPEN: return 0;
	case MK_ALERT_ACKNOWLEDGED: return 1;
	case MK_ALERT_PLANNED: return 2;
	default: return 3;
	}
}

static int alert_cmp(const void *x, const void *y)
{
	const struct mk_alert_rec *a = *(const struct mk_alert_rec *const *)x;
	const struct mk_alert_rec *b = *(const struct mk_alert_rec *const *)y;

	/* open first; then the most severe; then the most recent */
	if (status_rank(a->status) != status_rank(b->status))
		return status_rank(a->status) - status_rank(b->status);
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if (a->last_ns != b->last_ns)
		return a->last_ns > b->last_ns ? -1 : 1;
	return strncmp(a->id, b->id, sizeof(a->id));
}

static void alerts(struct doc *d)
{
	struct mk_rw *w = d->w;
	const struct mk_report *r = d->r;
	const struct mk_alert_rec **v;
	size_t n = r != NULL ? r->n_alerts : 0, shown;
	char buf[256];

	mk_rw_section(w, "alerts", "page", M(d, "ar.sec.alerts"));
	if (n == 0) {
		mk_rw_p(w, NULL, M(d, "ar.alerts.none"));
		mk_rw_section_end(w);
		return;
	}
	{
		char open[128];

		count_text(d, "ar.alerts.count", n, buf, sizeof(buf));
		count_text(d, "ar.alerts.open", open_alerts(r, MK_SEV_INFO), open, sizeof(open));
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %s", open);
		mk_rw_p(w, NULL, buf);
		mk_rw_p(w, "note", M(d, "ar.alerts.note"));
	}
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		mk_rw_p(w, "warn", M(d, "ar.map.nomem"));
		mk_rw_section_end(w);
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = &r->alerts[i];
	qsort(v, n, sizeof(*v), alert_cmp);
	shown = n < MK_RPT_MAX_ALERTS ? n : MK_RPT_MAX_ALERTS;
	mk_rw_table(w, "alerts",
	            (const char *const[]){M(d, "ar.col.severity"), M(d, "ar.col.status"),
	                                  M(d, "ar.col.alert"), M(d, "ar.col.when"),
	                                  M(d, "ar.col.count")},
	            5);
	for (size_t i = 0; i < shown; i++) {
		const struct mk_alert_rec *al = v[i];
		char key[64], first[64], last[64], cl[MK_ADDR_STRLEN] = "", sv[MK_ADDR_STRLEN] = "";
		char cls[32];

		snprintf(cls, sizeof(cls), "sev-%s", mk_severity_name(al->severity));
		mk_rw_tr(w, cls);
		snprintf(key, sizeof(key), "severity.%s", mk_severity_name(al->severity));
		mk_rw_td_begin(w, NULL);
		mk_rw_badge(w, cls, mk_msg_lang(key, w->lang));
		mk_rw_td_end(w);
		snprintf(key, sizeof(key), "ar.status.%s", mk_alert_status_name(al->status));
		mk_rw_td(w, NULL, M(d, key));
		mk_rw_td_begin(w, "alert-text");
		mk_rw_strong(w, w->lang == MK_LANG_JA ? al->title_ja : al->title_en);
		mk_rw_br(w);
		mk_rw_text(w, w->lang == MK_LANG_JA ? al->detail_ja : al->detail_en);
		if (al->client.family != MK_AF_NONE || al->server.family != MK_AF_NONE) {
			mk_rw_br(w);
			if (al->client.family != MK_AF_NONE)
				mk_addr_str(&al->client, cl);
			if (al->server.family != MK_AF_NONE)
				mk_addr_str(&al->server, sv);
			mk_rw_textf(w, "%s%s%s%s%s", cl, cl[0] && sv[0] ? " → " : "", sv,
			            al->proto != MK_PROTO_UNKNOWN ? " / " : "",
			            al->proto != MK_PROTO_UNKNOWN ? mk_proto_id_name(al->proto) : "");
		}
		if (al->status_note != NULL && al->status_note[0] != '\0') {
			mk_rw_br(w);
			mk_rw_textf(w, "%s: %s", M(d, "ar.alerts.status_note"), al->status_note);
		}
		mk_rw_td_end(w);
		mk_rpt_datetime(al->first_ns, w->lang, first, sizeof(first));
		mk_rpt_datetime(al->last_ns, w->lang, last, sizeof(last));
		mk_rw_td_begin(w, "when");
		mk_rw_text(w, first);
		if (al->last_ns != al->first_ns && strcmp(first, last) != 0) {
			mk_rw_text(w, " –");
			mk_rw_br(w);
			mk_rw_text(w, last);
		}
		mk_rw_td_end(w);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)al->count);
		mk_rw_td(w, "num", buf);
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
	if (shown < n) {
		count_text(d, "ar.more_rows_alerts", n - shown, buf, sizeof(buf));
		mk_rw_p(w, "note", buf);
	}
	free(v);
	mk_rw_section_end(w);
}

/* ---- the assessment per entry point ---- */

static void type_names(const struct doc *d, unsigned types, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned t = 0; t < MK_KB_CTYPES && used + 1 < len; t++)
		if (types & (1u << t)) {
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "",
			                         T(d, &d->kb->ctypes[t].name));
			if (used >= len)
				used = len - 1;
		}
}

static void suggestion(struct doc *d, const struct mk_suggestion *s)
{
	struct mk_rw *w = d->w;
	const struct mk_answer *ans = s->key != NULL ? mk_rpt_answer(d->a, s->key) : NULL;
	const char *state;
	size_t shown = s->n_items < MK_RPT_MAX_EV_ITEMS ? s->n_items : MK_RPT_MAX_EV_ITEMS;
	char buf[512];

	if (ans == NULL || ans->value == NULL || strcmp(ans->value, "unknown") == 0)
		state = "ar.ev.waiting";
	else if (s->value != NULL && strcmp(ans->value, s->value) == 0)
		state = "ar.ev.confirmed";
	else
		state = "ar.ev.differs";
	mk_rw_raw(w, "<div class=\"suggestion\">");
	mk_rw_p_begin(w, NULL);
	mk_rw_badge(w, strcmp(state, "ar.ev.confirmed") == 0 ? "ok" : "flag", M(d, state));
	mk_rw_text(w, " ");
	mk_rw_text(w, w->lang == MK_LANG_JA ? s->text_ja : s->text_en);
	mk_rw_p_end(w);
	if (s->key != NULL) {
		const char *q = question_of(d, s->key);
		const char *kv[4] = {"question", q[0] != '\0' ? q : s->key, "answer",
		                     answer_name(d, s->key, s->value)};

		mk_rpt_fill(buf, sizeof(buf), M(d, "ar.ev.suggests"), kv, 2);
		mk_rw_p(w, "note", buf);
	}
	if (shown > 0) {
		mk_rw_table(w, "evidence",
		            (const char *const[]){M(d, "ar.col.address"), M(d, "ar.col.detail"),
		                                  M(d, "ar.col.first"), M(d, "ar.col.last")},
		            4);
		for (size_t i = 0; i < shown; i++) {
			const struct mk_ev_item *it = &s->items[i];
			char addr[sizeof(it->address)], detail[sizeof(it->detail)], first[64], last[64];

			/* fixed arrays filled by the evidence rules: terminate them here */
			memcpy(addr, it->address, sizeof(addr));
			addr[sizeof(addr) - 1] = '\0';
			memcpy(detail, it->detail, sizeof(detail));
			detail[sizeof(detail) - 1] = '\0';
			mk_rpt_datetime(it->first_ns, w->lang, first, sizeof(first));
			mk_rpt_datetime(it->last_ns, w->lang, last, sizeof(last));
			mk_rw_tr(w, NULL);
			mk_rw_td(w, "addr", addr);
			mk_rw_td(w, NULL, detail);
			mk_rw_td(w, "when", first);
			mk_rw_td(w, "when", last);
			mk_rw_tr_end(w);
		}
		mk_rw_table_end(w);
	}
	if (s->count > shown) {
		count_text(d, "ar.ev.more", s->count - shown, buf, sizeof(buf));
		mk_rw_p(w, "note", buf);
	}
	mk_rw_raw(w, "</div>\n");
}

/* The countermeasures of idx[0..n) with their answers: those for every
 * entry point (all=true) or the others (all=false). */
static void measures_table(struct doc *d, const size_t *idx, size_t n, bool all)
{
	struct mk_rw *w = d->w;
	char buf[512];

	mk_rw_table(w, "measures",
	            (const char *const[]){M(d, "ar.col.measure"), M(d, "ar.col.stage"),
	                                  M(d, "ar.col.type"), M(d, "ar.col.cost"),
	                                  M(d, "ar.col.answer")},
	            5);
	for (size_t k = 0; k < n; k++) {
		const struct mk_kb_cm *cm;
		const struct mk_answer *ans;

		if (idx[k] >= d->kb->n_cms || d->kb->cms[idx[k]].all_entry_points != all)
			continue;
		cm = &d->kb->cms[idx[k]];
		ans = mk_rpt_answer(d->a, cm->id);
		mk_rw_tr(w, NULL);
		mk_rw_td_begin(w, NULL);
		mk_rw_text(w, T(d, &cm->title));
		conf_badge(d, cm->origin.confidence);
		mk_rw_td_end(w);
		mk_rw_td(w, NULL, T(d, &d->kb->stages[cm->stage].name));
		type_names(d, cm->types, buf, sizeof(buf));
		mk_rw_td(w, NULL, buf);
		mk_rw_td(w, NULL, T(d, &d->kb->costs[cm->cost].name));
		mk_rw_td_begin(w, ans == NULL || ans->value == NULL || strcmp(ans->value, "unknown") == 0
		                          ? "warn"
		                          : NULL);
		mk_rw_text(w, answer_name(d, cm->id, ans != NULL ? ans->value : NULL));
		if (ans != NULL && ans->note != NULL && ans->note[0] != '\0') {
			mk_rw_br(w);
			mk_rw_raw(w, "<span class=\"answer-note\">");
			mk_rw_text(w, ans->note);
			mk_rw_raw(w, "</span>");
		}
		if (ans != NULL && ans->by != NULL && ans->by[0] != '\0') {
			mk_rw_br(w);
			mk_rw_textf(w, "(%s)", ans->by);
		}
		mk_rw_td_end(w);
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
}

static void entry(struct doc *d, size_t i)
{
	struct mk_rw *w = d->w;
	const struct mk_kb_entry *e = &d->kb->entries[i];
	const struct mk_entry_result *er = &d->as->entries[i];
	char title[300], buf[512], id[80];
	size_t n_sugg = 0;

	entry_title(d, e, title, sizeof(title));
	snprintf(id, sizeof(id), "ep-%s", e->id);
	mk_rw_raw(w, "<div class=\"entry\">\n");
	mk_rw_h(w, 3, id, title);
	mk_rw_p_begin(w, NULL);
	mk_rw_strong(w, M(d, "ar.ep.in_use"));
	mk_rw_text(w, " ");
	mk_rw_text(w, er->applicable > 0    ? M(d, "ar.use.yes")
	              : er->applicable == 0 ? M(d, "ar.use.no")
	                                    : M(d, "ar.use.unknown"));
	if (er->applicable < 0) {
		mk_rw_text(w, " ");
		mk_rw_badge(w, "flag", M(d, "ar.ep.unknown_use"));
	}
	conf_badge(d, e->origin.confidence);
	mk_rw_p_end(w);
	mk_rw_p_begin(w, NULL);
	mk_rw_strong(w, M(d, "ar.ep.threat"));
	mk_rw_text(w, " ");
	mk_rw_text(w, T(d, &e->threat));
	mk_rw_p_end(w);

	if (er->applicable != 0) {
		const char *kv[8];
		char th[16], vu[16], pp[16], mp[16];

		snprintf(th, sizeof(th), "%d", er->threat);
		snprintf(vu, sizeof(vu), "%d", er->vulnerability);
		snprintf(pp, sizeof(pp), "%d", er->protected_pct);
		snprintf(mp, sizeof(mp), "%d", er->mitigated_pct);
		kv[0] = "threat", kv[1] = th, kv[2] = "vulnerability", kv[3] = vu;
		kv[4] = "protected", kv[5] = pp, kv[6] = "mitigated", kv[7] = mp;
		mk_rpt_fill(buf, sizeof(buf), M(d, "ar.ep.levels"), kv, 4);
		mk_rw_p(w, "note", buf);
		mk_rw_table(w, "risks",
		            (const char *const[]){M(d, "ar.col.risk"), M(d, "ar.col.likelihood"),
		                                  M(d, "ar.col.impact"), M(d, "ar.col.score")},
		            4);
		for (size_t k = 0; k < er->n_risks && k < MK_KB_RISKS; k++) {
			const struct mk_risk_result *rr = &er->risks[k];
			char cls[48], l[16], im[16];

			snprintf(l, sizeof(l), "%d", rr->likelihood);
			snprintf(im, sizeof(im), "%d", rr->impact);
			band_class(d, rr->band, cls, sizeof(cls));
			mk_rw_tr(w, NULL);
			mk_rw_td(w, NULL,
			         (unsigned)rr->risk < MK_KB_RISKS ? T(d, &d->kb->risks[rr->risk].name) : "");
			mk_rw_td(w, "num", l);
			mk_rw_td(w, "num", im);
			mk_rw_td_begin(w, cls);
			mk_rw_textf(w, "%d %s", rr->score, band_name(d, rr->band));
			mk_rw_td_end(w);
			mk_rw_tr_end(w);
		}
		mk_rw_table_end(w);
		if (er->n_unknown > 0) {
			count_text(d, "ar.ep.unknown", er->n_unknown, buf, sizeof(buf));
			mk_rw_p(w, "warn", buf);
		}
	}

	for (size_t k = 0; k < d->as->n_suggestions; k++)
		if (d->as->suggestions[k].entry == i) {
			if (n_sugg++ == 0)
				mk_rw_h(w, 4, NULL, M(d, "ar.ep.evidence"));
			suggestion(d, &d->as->suggestions[k]);
		}

	if (er->applicable != 0) {
		size_t n_own = 0;

		for (size_t k = 0; k < e->n_cms; k++)
			n_own += e->cms[k] < d->kb->n_cms && !d->kb->cms[e->cms[k]].all_entry_points;
		if (n_own > 0) {
			mk_rw_h(w, 4, NULL, M(d, "ar.ep.measures"));
			measures_table(d, e->cms, e->n_cms, false);
		}
	}
	mk_rw_raw(w, "</div>\n");
}

static void entries(struct doc *d)
{
	mk_rw_section(d->w, "entries", "page", M(d, "ar.sec.entries"));
	mk_rw_p(d->w, "note", M(d, "ar.ep.intro"));
	for (size_t i = 0; i < d->kb->n_entries; i++)
		entry(d, i);
	/* the measures for every entry point, once */
	{
		size_t *all = malloc((d->kb->n_cms + 1) * sizeof(*all)), n = 0;

		for (size_t k = 0; all != NULL && k < d->kb->n_cms; k++)
			if (d->kb->cms[k].all_entry_points)
				all[n++] = k;
		if (n > 0) {
			mk_rw_h(d->w, 3, "ep-all", M(d, "ar.ep.all_measures"));
			mk_rw_p(d->w, "note", M(d, "ar.ep.all_measures_note"));
			measures_table(d, all, n, true);
		}
		free(all);
	}
	/* evidence that belongs to no single entry point */
	for (size_t k = 0, n = 0; k < d->as->n_suggestions; k++)
		if (d->as->suggestions[k].entry >= d->kb->n_entries) {
			if (n++ == 0)
				mk_rw_h(d->w, 3, "ep-general", M(d, "ar.ep.general_evidence"));
			suggestion(d, &d->as->suggestions[k]);
		}
	mk_rw_section_end(d->w);
}

/* ---- the action plan ---- */

static void plan_item(struct doc *d, size_t no, const struct mk_plan_item *p)
{
	struct mk_rw *w = d->w;
	const struct mk_kb_cm *cm = &d->kb->cms[p->cm];
	char buf[512], title[400];
	static const char *const rows[][2] = {
		{"ar.plan.why", "why"}, {"ar.plan.how", "how"}, {"ar.plan.who", "who"},
		{"ar.plan.check", "check"},
	};

	mk_rw_raw(w, "<div class=\"plan-item\">\n");
	snprintf(title, sizeof(title), "%zu. %s", no, T(d, &cm->title));
	mk_rw_h(w, 4, NULL, title);
	mk_rw_p_begin(w, "plan-meta");
	if (p->this_week) {
		mk_rw_badge(w, "week", M(d, "ar.plan.this_week_badge"));
		mk_rw_text(w, " ");
	}
	mk_rw_badge(w, p->progress == MK_PLAN_NEW ? "new" : "open",
	            M(d, p->progress == MK_PLAN_NEW ? "ar.plan.new" : "ar.plan.open"));
	conf_badge(d, cm->origin.confidence);
	mk_rw_text(w, " ");
	{
		char since[64] = "", rr[16], types[128], eps[400];
		const char *kv[12];

		if (p->progress == MK_PLAN_OPEN && p->first_planned_ns != 0)
			mk_rpt_date(p->first_planned_ns, w->lang, since, sizeof(since));
		snprintf(rr, sizeof(rr), "%d", p->risk_reduced);
		type_names(d, cm->types, types, sizeof(types));
		entry_list_text(d, cm, eps, sizeof(eps));
		kv[0] = "cost", kv[1] = T(d, &d->kb->costs[cm->cost].name);
		kv[2] = "effort", kv[3] = T(d, &d->kb->efforts[cm->effort].name);
		kv[4] = "stage", kv[5] = T(d, &d->kb->stages[cm->stage].name);
		kv[6] = "type", kv[7] = types;
		kv[8] = "reduced", kv[9] = rr;
		kv[10] = "answer", kv[11] = answer_name(d, cm->id, p->answer);
		mk_rpt_fill(buf, sizeof(buf), M(d, "ar.plan.meta"), kv, 6);
		mk_rw_text(w, buf);
		mk_rw_br(w);
		mk_rw_textf(w, "%s: %s", M(d, "ar.col.entries"), eps);
		if (since[0] != '\0') {
			const char *kv2[2] = {"date", since};

			mk_rpt_fill(buf, sizeof(buf), M(d, "ar.plan.since"), kv2, 1);
			mk_rw_br(w);
			mk_rw_text(w, buf);
		}
	}
	mk_rw_p_end(w);
	mk_rw_table(w, "plan-detail", (const char *const[]){M(d, "ar.cover.item"), M(d, "ar.plan.what")},
	            2);
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		const struct mk_kb_text *t = k == 0 ? &cm->why : k == 1 ? &cm->how : k == 2 ? &cm->who
		                                                                          : &cm->check;

		mk_rw_tr(w, NULL);
		mk_rw_td(w, "th", M(d, rows[k][0]));
		mk_rw_td(w, NULL, T(d, t));
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
	mk_rw_raw(w, "</div>\n");
}

/* Plan items idx[0..n) in a table, numbered on from *no. */
static void plan_rest(struct doc *d, const size_t *idx, size_t n, size_t *no)
{
	struct mk_rw *w = d->w;

	mk_rw_p(w, "note", M(d, "ar.plan.more_note"));
	mk_rw_table(w, "plan-rest",
	            (const char *const[]){"#", M(d, "ar.col.measure"), M(d, "ar.col.entries"),
	                                  M(d, "ar.col.cost"), M(d, "ar.plan.reduced"),
	                                  M(d, "ar.plan.progress")},
	            6);
	for (size_t k = 0; k < n; k++) {
		const struct mk_plan_item *p = &d->as->plan[idx[k]];
		const struct mk_kb_cm *cm = &d->kb->cms[p->cm];
		char num[32], eps[400], cost[200], rr[16];

		snprintf(num, sizeof(num), "%zu", ++*no);
		entry_list_text(d, cm, eps, sizeof(eps));
		snprintf(cost, sizeof(cost), "%s / %s", T(d, &d->kb->costs[cm->cost].name),
		         T(d, &d->kb->efforts[cm->effort].name));
		snprintf(rr, sizeof(rr), "%d", p->risk_reduced);
		mk_rw_tr(w, NULL);
		mk_rw_td(w, "num", num);
		mk_rw_td_begin(w, NULL);
		mk_rw_text(w, T(d, &cm->title));
		conf_badge(d, cm->origin.confidence);
		mk_rw_td_end(w);
		mk_rw_td(w, NULL, eps);
		mk_rw_td(w, NULL, cost);
		mk_rw_td(w, "num", rr);
		mk_rw_td(w, NULL, M(d, p->progress == MK_PLAN_NEW ? "ar.plan.new" : "ar.plan.open"));
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
}

static void plan(struct doc *d)
{
	struct mk_rw *w = d->w;
	size_t no = 0, n_week = 0, *rest, n_rest = 0;
	char buf[256];

	mk_rw_section(w, "plan", "page", M(d, "ar.sec.plan"));
	mk_rw_p(w, "note", M(d, "ar.plan.intro"));
	if (d->as->previous_ns != 0) {
		char date[64];
		const char *kv[2] = {"date", date};

		mk_rpt_date(d->as->previous_ns, w->lang, date, sizeof(date));
		mk_rpt_fill(buf, sizeof(buf), M(d, "ar.plan.previous"), kv, 1);
		mk_rw_p(w, NULL, buf);
	}
	if (d->as->n_done_since > 0) {
		mk_rw_h(w, 3, NULL, M(d, "ar.plan.done_since"));
		mk_rw_ul(w, "done");
		for (size_t i = 0; i < d->as->n_done_since; i++)
			if (d->as->done_since[i] < d->kb->n_cms) {
				mk_rw_li(w);
				mk_rw_text(w, T(d, &d->kb->cms[d->as->done_since[i]].title));
				mk_rw_li_end(w);
			}
		mk_rw_ul_end(w);
	}
	if (d->as->n_plan == 0) {
		mk_rw_p(w, NULL, M(d, "ar.plan.empty"));
		mk_rw_section_end(w);
		return;
	}
	for (size_t i = 0; i < d->as->n_plan; i++)
		n_week += d->as->plan[i].this_week;
	if ((rest = malloc(d->as->n_plan * sizeof(*rest))) == NULL) {
		mk_rw_p(w, "warn", M(d, "ar.map.nomem"));
		mk_rw_section_end(w);
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		bool week = pass == 0;

		mk_rw_h(w, 3, week ? "plan-week" : "plan-then",
		        M(d, week ? "ar.plan.this_week" : "ar.plan.then"));
		if ((week ? n_week : d->as->n_plan - n_week) == 0) {
			mk_rw_p(w, NULL, M(d, week ? "ar.plan.none_week" : "ar.plan.none_then"));
			continue;
		}
		/* the first items in full; the others of the group in a table
		 * (plan.csv and the Markdown have every detail) */
		n_rest = 0;
		for (size_t i = 0; i < d->as->n_plan; i++) {
			const struct mk_plan_item *p = &d->as->plan[i];

			if (p->this_week != week || p->cm >= d->kb->n_cms)
				continue;
			if (no < MK_RPT_PLAN_DETAILED || w->md)
				plan_item(d, ++no, p);
			else
				rest[n_rest++] = i;
		}
		if (n_rest > 0)
			plan_rest(d, rest, n_rest, &no);
	}
	free(rest);
	mk_rw_section_end(w);
}

/* ---- checklists ---- */

static void meti(struct doc *d)
{
	struct mk_rw *w = d->w;
	const struct mk_kb *kb = d->kb;
	const struct mk_meti_result *m = &d->as->meti;
	char buf[256];

	mk_rw_section(w, "meti", "page", M(d, "ar.sec.meti"));
	mk_rw_p(w, "note", M(d, "ar.meti.intro"));
	meti_score_text(d, buf, sizeof(buf));
	mk_rw_p_begin(w, "score");
	mk_rw_strong(w, M(d, "ar.meti.total"));
	mk_rw_text(w, " ");
	mk_rw_text(w, buf);
	mk_rw_p_end(w);
	mk_rw_table(w, "categories",
	            (const char *const[]){M(d, "ar.col.category"), M(d, "ar.col.weight"),
	                                  M(d, "ar.col.score")},
	            3);
	for (size_t c = 0; c < kb->n_meti_categories; c++) {
		char wt[16], sc[32];

		snprintf(wt, sizeof(wt), "%d", kb->meti_categories[c].weight);
		if (m->category_score != NULL && m->category_score[c] >= 0)
			snprintf(sc, sizeof(sc), "%.1f", m->category_score[c]);
		else
			snprintf(sc, sizeof(sc), "%s", M(d, "ar.not_scored"));
		mk_rw_tr(w, NULL);
		mk_rw_td(w, NULL, T(d, &kb->meti_categories[c].name));
		mk_rw_td(w, "num", wt);
		mk_rw_td(w, "num", sc);
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
	for (size_t c = 0; c < kb->n_meti_categories; c++) {
		mk_rw_h(w, 3, NULL, T(d, &kb->meti_categories[c].name));
		mk_rw_table(w, "checklist",
		            (const char *const[]){"No.", M(d, "ar.col.item"), M(d, "ar.col.priority"),
		                                  M(d, "ar.col.level")},
		            4);
		for (size_t i = 0; i < kb->n_meti_items; i++) {
			const struct mk_kb_meti_item *it = &kb->meti_items[i];
			int ans = m->item_answer != NULL ? m->item_answer[i] : -1;
			bool flagged = m->item_flagged != NULL && m->item_flagged[i];
			char pr[16];

			if (it->category != c)
				continue;
			snprintf(pr, sizeof(pr), "%d", it->priority);
			mk_rw_tr(w, NULL);
			mk_rw_td(w, NULL, it->id);
			mk_rw_td_begin(w, NULL);
			mk_rw_text(w, T(d, &it->title));
			conf_badge(d, it->origin.confidence);
			mk_rw_td_end(w);
			mk_rw_td(w, "num", pr);
			mk_rw_td_begin(w, flagged || ans < 0 ? "warn" : NULL);
			mk_rw_text(w, ans >= 0 && (size_t)ans < kb->n_answers ? T(d, &kb->answers[ans].name)
			                                                      : M(d, "ar.unanswered"));
			if (flagged) {
				mk_rw_text(w, " ");
				mk_rw_badge(w, "flag", M(d, "ar.meti.flagged"));
			}
			mk_rw_td_end(w);
			mk_rw_tr_end(w);
		}
		mk_rw_table_end(w);
	}
	mk_rw_section_end(w);
}

static void ipa(struct doc *d)
{
	struct mk_rw *w = d->w;
	const struct mk_kb *kb = d->kb;
	const struct mk_ipa_result *p = &d->as->ipa;
	char buf[256];
	bool any_na = false;

	mk_rw_section(w, "ipa25", "page", M(d, "ar.sec.ipa25"));
	mk_rw_p(w, "note", M(d, "ar.ipa.intro"));
	ipa_score_text(d, buf, sizeof(buf));
	mk_rw_p_begin(w, "score");
	mk_rw_strong(w, M(d, "ar.ipa.total"));
	mk_rw_text(w, " ");
	mk_rw_text(w, buf);
	mk_rw_p_end(w);
	for (size_t pt = 0; pt < kb->n_ipa_parts; pt++) {
		mk_rw_h(w, 3, NULL, T(d, &kb->ipa_parts[pt].name));
		mk_rw_table(w, "checklist",
		            (const char *const[]){"No.", M(d, "ar.col.item"), M(d, "ar.col.points")}, 3);
		for (size_t i = 0; i < kb->n_ipa_items; i++) {
			const struct mk_kb_ipa_item *it = &kb->ipa_items[i];
			int pts = p->item_points != NULL ? p->item_points[i] : -1;
			bool na = p->item_na != NULL && p->item_na[i];
			char no[16], ps[64];

			if (it->part != pt)
				continue;
			snprintf(no, sizeof(no), "%u", it->no);
			snprintf(ps, sizeof(ps), "%d%s", pts, na ? " *" : "");
			any_na = any_na || na;
			mk_rw_tr(w, NULL);
			mk_rw_td(w, "num", no);
			mk_rw_td_begin(w, NULL);
			mk_rw_text(w, T(d, &it->title));
			conf_badge(d, it->origin.confidence);
			mk_rw_td_end(w);
			mk_rw_td(w, pts < 0 ? "num warn" : "num", ps);
			mk_rw_tr_end(w);
		}
		mk_rw_table_end(w);
	}
	if (any_na)
		mk_rw_p(w, "note", M(d, "ar.ipa.na_note"));
	if (p->n_unknown > 0 && p->item_points != NULL) {
		count_text(d, "ar.ipa.unknown", p->n_unknown, buf, sizeof(buf));
		mk_rw_h(w, 3, NULL, buf);
		mk_rw_ul(w, "unknown");
		for (size_t i = 0; i < kb->n_ipa_items; i++)
			if (p->item_points[i] < 0) {
				mk_rw_li(w);
				mk_rw_textf(w, "%u. %s", kb->ipa_items[i].no, T(d, &kb->ipa_items[i].title));
				mk_rw_li_end(w);
			}
		mk_rw_ul_end(w);
	}
	mk_rw_section_end(w);
}

/* ---- sources ---- */

static void sources(struct doc *d)
{
	struct mk_rw *w = d->w;
	const struct mk_kb *kb = d->kb;
	static const char confs[] = "VSMP";
	size_t count[4] = {0};

	for (size_t i = 0; i < kb->n_entries; i++)
		for (int c = 0; c < 4; c++)
			count[c] += kb->entries[i].origin.confidence == confs[c];
	for (size_t i = 0; i < kb->n_cms; i++)
		for (int c = 0; c < 4; c++)
			count[c] += kb->cms[i].origin.confidence == confs[c];
	mk_rw_section(w, "sources", "page", M(d, "ar.sec.sources"));
	mk_rw_h(w, 3, NULL, M(d, "ar.src.legend"));
	mk_rw_table(w, "legend",
	            (const char *const[]){M(d, "ar.col.mark"), M(d, "ar.col.meaning"),
	                                  M(d, "ar.col.items")},
	            3);
	for (int c = 0; c < 4; c++) {
		char key[32], mark[64], num[32];
		const char *badge = mk_rpt_conf_key(confs[c]);

		snprintf(key, sizeof(key), "ar.src.%c", confs[c]);
		snprintf(mark, sizeof(mark), "%c", confs[c]);
		snprintf(num, sizeof(num), "%zu", count[c]);
		mk_rw_tr(w, NULL);
		mk_rw_td_begin(w, NULL);
		mk_rw_text(w, mark);
		if (badge != NULL) {
			mk_rw_text(w, " ");
			mk_rw_badge(w, confs[c] == 'M' ? "conf-m" : "conf-p", M(d, badge));
		}
		mk_rw_td_end(w);
		mk_rw_td(w, NULL, M(d, key));
		mk_rw_td(w, "num", num);
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
	mk_rw_p(w, "note", M(d, "ar.src.note"));
	mk_rw_h(w, 3, NULL, M(d, "ar.src.list"));
	mk_rw_table(w, "sources",
	            (const char *const[]){"ID", M(d, "ar.col.title"), M(d, "ar.col.published"),
	                                  M(d, "ar.col.where")},
	            4);
	for (size_t i = 0; i < kb->n_sources; i++) {
		const struct mk_kb_source *s = &kb->sources[i];

		mk_rw_tr(w, NULL);
		mk_rw_td(w, NULL, s->id);
		mk_rw_td(w, NULL, T(d, &s->title));
		mk_rw_td(w, NULL, s->published != NULL ? s->published : "");
		mk_rw_td(w, "url", s->url != NULL ? s->url : "");
		mk_rw_tr_end(w);
	}
	mk_rw_table_end(w);
	mk_rw_p(w, "note", M(d, "ar.src.generator"));
	mk_rw_section_end(w);
}

void mk_rpt_doc(struct mk_rw *w, const struct mk_assessment *as, const struct mk_answers *a,
                const struct mk_report *r)
{
	struct doc d = {.w = w, .as = as, .kb = as->kb, .a = a, .r = r};

	d.bcp = mk_rpt_bcp(as, a);
	cover(&d);
	summary(&d);
	assets(&d);
	map_section(&d);
	alerts(&d);
	entries(&d);
	plan(&d);
	meti(&d);
	ipa(&d);
	mk_rpt_bcp_section(w, d.bcp, r);
	sources(&d);
	json_decref(d.bcp);
}

/* bcp_entries.c - the user's BCP entries: one JSON object (docs/ASSESSMENT.md
 * "Cyber-BCP"; the answers file's "bcp" member, the dashboard's wizard),
 * checked member by member against the shape in bcp.c (mk_bcp_members) and
 * the template's lists, and read into the document.
 *
 * The text is untrusted: every member is type-checked, every text and list
 * has a cap, unknown members are refused, and each error names the member
 * path ("bcp.systems[2].rto_hours: a number of hours is needed") in the
 * reader's language (messages.tsv bcp.err.*). */
#include "assess/bcp_int.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rd {
	struct mk_bcp_doc *doc;
	const struct mk_bcp_tpl *tpl;
	char *err;
	size_t errlen;
};

/* Replaces the first {name} in the message of key by value. */
/* Formats display text (member paths, numbers in messages) into a fixed
 * buffer; cutting a very long path short is fine, so no caller checks. */
__attribute__((format(printf, 3, 4))) static void fmt(char *out, size_t outlen, const char *f,
                                                      ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(out, outlen, f, ap);
	va_end(ap);
}

static void msg_fill(char *out, size_t outlen, const char *key, const char *name, const char *value)
{
	const char *msg = mk_msg(key);
	char ph[24];
	const char *at;

	snprintf(ph, sizeof(ph), "{%s}", name != NULL ? name : "");
	if (name == NULL || (at = strstr(msg, ph)) == NULL) {
		fmt(out, outlen, "%s", msg);
		return;
	}
	fmt(out, outlen, "%.*s%s%s", (int)(at - msg), msg, value, at + strlen(ph));
}

static int fail(struct rd *r, const char *path, const char *key, const char *name,
                const char *value)
{
	char msg[512];

	msg_fill(msg, sizeof(msg), key, name, value);
	if (r->err != NULL && r->errlen > 0)
		snprintf(r->err, r->errlen, "%s: %s", path, msg);
	return -1;
}

static int nomem(struct rd *r)
{
	if (r->err != NULL && r->errlen > 0)
		snprintf(r->err, r->errlen, "bcp: out of memory");
	return -1;
}

/* path + "." + key (the key sanitized: it is the user's). */
static void sub_path(char *out, size_t outlen, const char *path, const char *key)
{
	char safe[48];

	mk_text_sanitize(safe, sizeof(safe), key, strlen(key));
	fmt(out, outlen, "%s.%s", path, safe);
}

/* The entries' path of a member ("systems.backups.what") from the display
 * path's shape is kept by the callers: prefix is the member path of obj. */
static int check_members(struct rd *r, json_t *obj, const char *prefix, const char *path)
{
	const char *key;
	json_t *val;

	json_object_foreach(obj, key, val)
	{
		char want[96], allowed[512] = "", sp[160];
		size_t plen = strlen(prefix);
		bool ok = false;

		(void)val;
		fmt(want, sizeof(want), "%s%s%s", prefix, plen > 0 ? "." : "", key);
		ok = strlen(key) < 64 && mk_bcp_member_find(want) != NULL;
		if (ok)
			continue;
		for (size_t i = 0; i < mk_bcp_n_members; i++) {
			const char *p = mk_bcp_members[i].path;

			if (plen > 0 && (strncmp(p, prefix, plen) != 0 || p[plen] != '.'))
				continue;
			p += plen > 0 ? plen + 1 : 0;
			if (strchr(p, '.') != NULL)
				continue;
			size_t al = strlen(allowed);

			snprintf(allowed + al, sizeof(allowed) - al, "%s%s", al > 0 ? ", " : "", p);
		}
		sub_path(sp, sizeof(sp), path, key);
		return fail(r, sp, "bcp.err.member", "list", allowed);
	}
	return 0;
}

static const struct mk_bcp_member *member(const char *prefix, const char *name)
{
	char want[96];

	fmt(want, sizeof(want), "%s%s%s", prefix, prefix[0] != '\0' ? "." : "", name);
	return mk_bcp_member_find(want);
}

/* A text member (absent or null: ""). */
static int get_text(struct rd *r, json_t *obj, const char *prefix, const char *name,
                    const char *path, char **out)
{
	const struct mk_bcp_member *m = member(prefix, name);
	json_t *v = json_object_get(obj, name);
	char sp[160], n[16];

	sub_path(sp, sizeof(sp), path, name);
	if (v == NULL || json_is_null(v)) {
		*out = mk_bcp_doc_strdup(r->doc, "");
		return *out == NULL ? nomem(r) : 0;
	}
	if (!json_is_string(v))
		return fail(r, sp, "bcp.err.text", NULL, NULL);
	if (m != NULL && json_string_length(v) > m->max) {
		fmt(n, sizeof(n), "%zu", m->max);
		return fail(r, sp, "bcp.err.too_long", "n", n);
	}
	*out = mk_bcp_doc_strdup(r->doc, json_string_value(v));
	return *out == NULL ? nomem(r) : 0;
}

static int get_hours(struct rd *r, json_t *obj, const char *name, const char *path, bool *has,
                     double *out)
{
	json_t *v = json_object_get(obj, name);
	char sp[160];

	*has = false;
	if (v == NULL || json_is_null(v))
		return 0;
	sub_path(sp, sizeof(sp), path, name);
	/* at most ten years: more is a typing error, not a plan */
	if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0 ||
	    json_number_value(v) > 87600)
		return fail(r, sp, "bcp.err.hours", NULL, NULL);
	*has = true;
	*out = json_number_value(v);
	return 0;
}

static int get_months(struct rd *r, json_t *obj, const char *name, const char *path, bool *has,
                      int *out)
{
	json_t *v = json_object_get(obj, name);
	char sp[160];

	*has = false;
	if (v == NULL || json_is_null(v))
		return 0;
	sub_path(sp, sizeof(sp), path, name);
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 120)
		return fail(r, sp, "bcp.err.months", NULL, NULL);
	*has = true;
	*out = (int)json_integer_value(v);
	return 0;
}

static int get_bool(struct rd *r, json_t *obj, const char *name, const char *path, bool def,
                    bool *out)
{
	json_t *v = json_object_get(obj, name);
	char sp[160];

	*out = def;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		sub_path(sp, sizeof(sp), path, name);
		return fail(r, sp, "bcp.err.bool", NULL, NULL);
	}
	*out = json_is_true(v);
	return 0;
}

/* A date "YYYY-MM-DD" or null; more than a day after today is refused (the
 * day may already have begun in Japan while it is yesterday in UTC). */
static int get_date(struct rd *r, json_t *obj, const char *name, const char *path,
                    struct mk_bcp_date *out)
{
	json_t *v = json_object_get(obj, name);
	char sp[160];

	out->y = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	sub_path(sp, sizeof(sp), path, name);
	if (!json_is_string(v) || !mk_bcp_date_parse(json_string_value(v), out))
		return fail(r, sp, "bcp.err.date", NULL, NULL);
	if (r->doc->today.y != 0) {
		struct mk_bcp_date limit = mk_bcp_date_plus_days(r->doc->today, 1);

		if (mk_bcp_date_cmp(out, &limit) > 0)
			return fail(r, sp, "bcp.err.future", NULL, NULL);
	}
	return 0;
}

/* A choice among the template's ids (required: absent is an error). */
static int get_choice(struct rd *r, json_t *obj, const char *name, const char *path,
                      enum mk_bcp_choices ch, size_t *out)
{
	const struct mk_bcp_tpl *t = r->tpl;
	json_t *v = json_object_get(obj, name);
	size_t n = ch == MK_BCP_CH_BACKUP    ? t->n_backups
	           : ch == MK_BCP_CH_CONTACT ? t->n_contacts
	                                     : t->n_drills;
	char sp[160], allowed[512] = "";

	sub_path(sp, sizeof(sp), path, name);
	if (v == NULL || json_is_null(v))
		return fail(r, sp, "bcp.err.required", NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		const char *id = ch == MK_BCP_CH_BACKUP    ? t->backups[i].id
		                 : ch == MK_BCP_CH_CONTACT ? t->contacts[i].id
		                                           : t->drills[i].id;
		size_t al = strlen(allowed);

		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0) {
			*out = i;
			return 0;
		}
		snprintf(allowed + al, sizeof(allowed) - al, "%s%s", al > 0 ? ", " : "", id);
	}
	return fail(r, sp, "bcp.err.choice", "list", allowed);
}

/* An array member (absent or null: NULL) of at most the member's cap rows,
 * each an object. */
static int get_table(struct rd *r, json_t *obj, const char *prefix, const char *name,
                     const char *path, json_t **out)
{
	const struct mk_bcp_member *m = member(prefix, name);
	json_t *v = json_object_get(obj, name);
	char sp[160], n[16];
	size_t i;
	json_t *row;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	sub_path(sp, sizeof(sp), path, name);
	if (!json_is_array(v))
		return fail(r, sp, "bcp.err.array", NULL, NULL);
	if (m != NULL && json_array_size(v) > m->max) {
		fmt(n, sizeof(n), "%zu", m->max);
		return fail(r, sp, "bcp.err.too_many", "n", n);
	}
	json_array_foreach(v, i, row)
	{
		if (!json_is_object(row)) {
			char rp[192];

			fmt(rp, sizeof(rp), "%s[%zu]", sp, i);
			return fail(r, rp, "bcp.err.object", NULL, NULL);
		}
	}
	*out = v;
	return 0;
}

static bool asset_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < MK_ASSET_ID_LEN &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:._-") == n;
}

static int read_backups(struct rd *r, json_t *arr, const char *path, struct mk_bcp_system *s)
{
	size_t i;
	json_t *row;

	s->n_backups = 0;
	if (arr == NULL)
		return 0;
	if ((s->backups = mk_bcp_doc_alloc(r->doc, json_array_size(arr), sizeof(*s->backups))) ==
	    NULL)
		return nomem(r);
	json_array_foreach(arr, i, row)
	{
		struct mk_bcp_backup *b = &s->backups[i];
		char rp[176];

		fmt(rp, sizeof(rp), "%s.backups[%zu]", path, i);
		if (check_members(r, row, "systems.backups", rp) != 0 ||
		    get_choice(r, row, "what", rp, MK_BCP_CH_BACKUP, &b->what) != 0 ||
		    get_text(r, row, "systems.backups", "where", rp, &b->where) != 0 ||
		    get_text(r, row, "systems.backups", "when", rp, &b->when) != 0 ||
		    get_bool(r, row, "offline", rp, false, &b->offline) != 0 ||
		    get_date(r, row, "restore_tested", rp, &b->restore_tested) != 0)
			return -1;
		s->n_backups++;
	}
	return 0;
}

static int read_systems(struct rd *r, json_t *arr)
{
	struct mk_bcp_doc *d = r->doc;
	size_t i;
	json_t *row;

	if (arr == NULL)
		return 0;
	if ((d->systems = mk_bcp_doc_alloc(d, json_array_size(arr), sizeof(*d->systems))) == NULL)
		return nomem(r);
	json_array_foreach(arr, i, row)
	{
		struct mk_bcp_system *s = &d->systems[i];
		json_t *asset = json_object_get(row, "asset"), *backups;
		char rp[176];

		fmt(rp, sizeof(rp), "bcp.systems[%zu]", i);
		s->entered = true;
		s->entry = i;
		s->role = -1;
		s->asset_index = MK_BCP_NONE;
		if (check_members(r, row, "systems", rp) != 0)
			return -1;
		if (asset != NULL && !json_is_null(asset)) {
			char sp[192];

			fmt(sp, sizeof(sp), "%s.asset", rp);
			if (!json_is_string(asset) || !asset_id_ok(json_string_value(asset)))
				return fail(r, sp, "bcp.err.asset", NULL, NULL);
			for (size_t k = 0; k < i; k++)
				if (d->systems[k].asset != NULL &&
				    strcmp(d->systems[k].asset, json_string_value(asset)) == 0) {
					char other[48];

					fmt(other, sizeof(other), "bcp.systems[%zu]", k);
					return fail(r, sp, "bcp.err.dup_asset", "path", other);
				}
			if ((s->asset = mk_bcp_doc_strdup(d, json_string_value(asset))) == NULL)
				return nomem(r);
		}
		if (get_text(r, row, "systems", "name", rp, &s->name) != 0 ||
		    get_text(r, row, "systems", "line", rp, &s->line) != 0 ||
		    get_bool(r, row, "critical", rp, true, &s->critical) != 0 ||
		    get_hours(r, row, "rto_hours", rp, &s->has_rto, &s->rto_hours) != 0 ||
		    get_hours(r, row, "rpo_hours", rp, &s->has_rpo, &s->rpo_hours) != 0 ||
		    get_text(r, row, "systems", "manual_fallback", rp, &s->manual_fallback) != 0 ||
		    get_table(r, row, "systems", "backups", rp, &backups) != 0 ||
		    read_backups(r, backups, rp, s) != 0)
			return -1;
		if (s->name[0] == '\0' && s->asset == NULL)
			return fail(r, rp, "bcp.err.name", NULL, NULL);
		d->n_systems++;
	}
	return 0;
}

static int read_rows(struct rd *r, json_t *top)
{
	struct mk_bcp_doc *d = r->doc;
	json_t *arr, *row;
	size_t i;
	char rp[176];

	if (get_table(r, top, "", "isolation_points", "bcp", &arr) != 0)
		return -1;
	if (arr != NULL) {
		if ((d->isolation =
		         mk_bcp_doc_alloc(d, json_array_size(arr), sizeof(*d->isolation))) == NULL)
			return nomem(r);
		json_array_foreach(arr, i, row)
		{
			struct mk_bcp_isolation *p = &d->isolation[i];

			fmt(rp, sizeof(rp), "bcp.isolation_points[%zu]", i);
			p->kind = MK_BCP_ISO_ENTERED;
			p->role = -1;
			if (check_members(r, row, "isolation_points", rp) != 0 ||
			    get_text(r, row, "isolation_points", "where", rp, &p->where) != 0 ||
			    get_text(r, row, "isolation_points", "device", rp, &p->device) != 0 ||
			    get_text(r, row, "isolation_points", "how", rp, &p->how) != 0)
				return -1;
			d->n_isolation++;
		}
	}
	if (get_table(r, top, "", "roles", "bcp", &arr) != 0)
		return -1;
	if (arr != NULL) {
		if ((d->roles = mk_bcp_doc_alloc(d, json_array_size(arr), sizeof(*d->roles))) ==
		    NULL)
			return nomem(r);
		json_array_foreach(arr, i, row)
		{
			struct mk_bcp_role *p = &d->roles[i];

			fmt(rp, sizeof(rp), "bcp.roles[%zu]", i);
			if (check_members(r, row, "roles", rp) != 0 ||
			    get_text(r, row, "roles", "role", rp, &p->role) != 0 ||
			    get_text(r, row, "roles", "name", rp, &p->name) != 0 ||
			    get_text(r, row, "roles", "deputy", rp, &p->deputy) != 0 ||
			    get_text(r, row, "roles", "phone", rp, &p->phone) != 0)
				return -1;
			d->n_roles++;
		}
	}
	if (get_table(r, top, "", "contacts", "bcp", &arr) != 0)
		return -1;
	if (arr != NULL) {
		if ((d->contacts =
		         mk_bcp_doc_alloc(d, json_array_size(arr), sizeof(*d->contacts))) == NULL)
			return nomem(r);
		json_array_foreach(arr, i, row)
		{
			struct mk_bcp_contact_entry *p = &d->contacts[i];

			fmt(rp, sizeof(rp), "bcp.contacts[%zu]", i);
			if (check_members(r, row, "contacts", rp) != 0 ||
			    get_choice(r, row, "category", rp, MK_BCP_CH_CONTACT, &p->category) !=
			        0 ||
			    get_text(r, row, "contacts", "org", rp, &p->org) != 0 ||
			    get_text(r, row, "contacts", "name", rp, &p->name) != 0 ||
			    get_text(r, row, "contacts", "phone", rp, &p->phone) != 0 ||
			    get_text(r, row, "contacts", "email", rp, &p->email) != 0 ||
			    get_text(r, row, "contacts", "note", rp, &p->note) != 0)
				return -1;
			d->n_contacts++;
		}
	}
	if (get_table(r, top, "", "drills", "bcp", &arr) != 0)
		return -1;
	if (arr != NULL) {
		if ((d->drills = mk_bcp_doc_alloc(d, json_array_size(arr), sizeof(*d->drills))) ==
		    NULL)
			return nomem(r);
		json_array_foreach(arr, i, row)
		{
			struct mk_bcp_drill_entry *p = &d->drills[i];

			fmt(rp, sizeof(rp), "bcp.drills[%zu]", i);
			if (check_members(r, row, "drills", rp) != 0 ||
			    get_choice(r, row, "type", rp, MK_BCP_CH_DRILL, &p->type) != 0 ||
			    get_months(r, row, "every_months", rp, &p->every_given,
			               &p->every_months) != 0 ||
			    get_date(r, row, "last_done", rp, &p->last_done) != 0)
				return -1;
			if (!p->every_given)
				p->every_months = r->tpl->drills[p->type].every_months;
			d->n_drills++;
		}
	}
	return 0;
}

int mk_bcp_entries_read(struct mk_bcp_doc *doc, const char *text, size_t len, char *err,
                        size_t errlen)
{
	struct rd r = {doc, doc->tpl, err, errlen};
	json_error_t jerr;
	json_t *top, *company, *systems;
	int rc = -1;

	if (len > MK_BCP_MAX_JSON) {
		char n[16];

		fmt(n, sizeof(n), "%u", MK_BCP_MAX_JSON);
		return fail(&r, "bcp", "bcp.err.too_long", "n", n);
	}
	top = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (top == NULL) {
		char safe[160];

		mk_text_sanitize(safe, sizeof(safe), jerr.text, strlen(jerr.text));
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "bcp:%d:%d: %s", jerr.line, jerr.column, safe);
		return -1;
	}
	if (!json_is_object(top)) {
		fail(&r, "bcp", "bcp.err.object", NULL, NULL);
		goto out;
	}
	doc->has_entries = true;
	if (check_members(&r, top, "", "bcp") != 0)
		goto out;
	company = json_object_get(top, "company");
	if (company != NULL && !json_is_null(company)) {
		if (!json_is_object(company)) {
			fail(&r, "bcp.company", "bcp.err.object", NULL, NULL);
			goto out;
		}
		if (check_members(&r, company, "company", "bcp.company") != 0)
			goto out;
	} else {
		company = NULL; /* json_object_get(NULL, ...) is NULL: every member absent */
	}
	if (get_text(&r, company, "company", "name", "bcp.company", &doc->company_name) != 0 ||
	    get_text(&r, company, "company", "site", "bcp.company", &doc->company_site) != 0 ||
	    get_text(&r, company, "company", "author", "bcp.company", &doc->company_author) != 0 ||
	    get_text(&r, company, "company", "approved_by", "bcp.company",
	             &doc->company_approved_by) != 0 ||
	    get_date(&r, company, "reviewed", "bcp.company", &doc->company_reviewed) != 0 ||
	    get_text(&r, top, "", "policy", "bcp", &doc->policy) != 0 ||
	    get_text(&r, top, "", "existing_bcp", "bcp", &doc->existing_bcp) != 0 ||
	    get_text(&r, top, "", "decision_by", "bcp", &doc->decision_by) != 0 ||
	    get_table(&r, top, "", "systems", "bcp", &systems) != 0 ||
	    read_systems(&r, systems) != 0 || read_rows(&r, top) != 0)
		goto out;
	rc = 0;
out:
	json_decref(top);
	return rc;
}

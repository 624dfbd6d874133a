/* bcp_json.c - the assessment document's "bcp" object (docs/ASSESSMENT.md
 * "Cyber-BCP": its JSON form is described there).  Every text of the
 * template comes as {"ja", "en"}; the user's texts and the ledger's names go
 * through the escaping writer. */
#include "assess/bcp_int.h"

#include <stddef.h>
#include <string.h>

static void text(struct mk_json *j, const char *key, const struct mk_kb_text *t)
{
	if (t->ja == NULL || (t->ja[0] == '\0' && t->en[0] == '\0')) {
		mk_json_key(j, key);
		mk_json_null(j);
		return;
	}
	mk_kb_json_text(j, key, t);
}

static void pair(struct mk_json *j, const char *key, const char *ja, const char *en)
{
	struct mk_kb_text t = {ja, en};

	text(j, key, &t);
}

static void origin(struct mk_json *j, const struct mk_kb_origin *o)
{
	char c[2] = {o->confidence, '\0'};

	mk_json_key(j, "sources");
	mk_json_begin_array(j);
	for (size_t i = 0; i < o->n_sources; i++)
		mk_json_string(j, o->sources[i]);
	mk_json_end_array(j);
	mk_json_key(j, "confidence");
	mk_json_string(j, o->confidence != 0 ? c : NULL);
}

static void kv(struct mk_json *j, const char *key, const char *v)
{
	mk_json_key(j, key);
	mk_json_string(j, v);
}

/* "" as null: the member was not given. */
static void kv_opt(struct mk_json *j, const char *key, const char *v)
{
	mk_json_key(j, key);
	mk_json_string(j, v != NULL && v[0] != '\0' ? v : NULL);
}

static void date(struct mk_json *j, const char *key, const struct mk_bcp_date *d)
{
	char buf[16];

	mk_json_key(j, key);
	mk_json_string(j, d->y != 0 ? mk_bcp_date_str(d, buf, sizeof(buf)) : NULL);
}

static void role(struct mk_json *j, const char *key, int r)
{
	mk_json_key(j, key);
	mk_json_string(j, r >= 0 ? mk_role_name((unsigned)r) : NULL);
}

/* The value of a scalar field of the entries (NULL: not given). */
static const char *scalar(const struct mk_bcp_doc *d, const char *id, char *buf, size_t buflen)
{
	static const struct {
		const char *id;
		size_t off;
	} texts[] = {
	    {"company.name", offsetof(struct mk_bcp_doc, company_name)},
	    {"company.site", offsetof(struct mk_bcp_doc, company_site)},
	    {"company.author", offsetof(struct mk_bcp_doc, company_author)},
	    {"company.approved_by", offsetof(struct mk_bcp_doc, company_approved_by)},
	    {"policy", offsetof(struct mk_bcp_doc, policy)},
	    {"existing_bcp", offsetof(struct mk_bcp_doc, existing_bcp)},
	    {"decision_by", offsetof(struct mk_bcp_doc, decision_by)},
	};

	if (strcmp(id, "company.reviewed") == 0)
		return d->company_reviewed.y != 0
		           ? mk_bcp_date_str(&d->company_reviewed, buf, buflen)
		           : NULL;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(texts[i].id, id) == 0) {
			const char *v = *(char *const *)((const char *)d + texts[i].off);

			return v != NULL && v[0] != '\0' ? v : NULL;
		}
	return NULL;
}

static size_t rows(const struct mk_bcp_doc *d, const char *id)
{
	size_t n = 0;

	if (strcmp(id, "systems") == 0) {
		for (size_t i = 0; i < d->n_systems; i++)
			n += d->systems[i].entered;
	} else if (strcmp(id, "isolation_points") == 0) {
		for (size_t i = 0; i < d->n_isolation; i++)
			n += d->isolation[i].kind == MK_BCP_ISO_ENTERED;
	} else if (strcmp(id, "roles") == 0) {
		n = d->n_roles;
	} else if (strcmp(id, "contacts") == 0) {
		n = d->n_contacts;
	} else if (strcmp(id, "drills") == 0) {
		n = d->n_drills;
	}
	return n;
}

static void field(struct mk_json *j, const struct mk_bcp_doc *d, size_t fi)
{
	const struct mk_bcp_tpl *t = d->tpl;
	const struct mk_bcp_field *f = &t->fields[fi];
	char buf[16];

	mk_json_begin_object(j);
	kv(j, "id", f->id);
	kv(j, "name", f->name);
	kv(j, "kind", mk_bcp_kind_name(f->kind));
	text(j, "label", &f->label);
	text(j, "help", &f->help);
	if (f->choices != MK_BCP_CH_NONE) {
		size_t n = f->choices == MK_BCP_CH_BACKUP    ? t->n_backups
		           : f->choices == MK_BCP_CH_CONTACT ? t->n_contacts
		                                             : t->n_drills;

		mk_json_key(j, "choices");
		mk_json_begin_array(j);
		for (size_t i = 0; i < n; i++) {
			mk_json_begin_object(j);
			if (f->choices == MK_BCP_CH_BACKUP) {
				kv(j, "id", t->backups[i].id);
				text(j, "name", &t->backups[i].name);
			} else if (f->choices == MK_BCP_CH_CONTACT) {
				kv(j, "id", t->contacts[i].id);
				text(j, "name", &t->contacts[i].name);
			} else {
				kv(j, "id", t->drills[i].id);
				text(j, "name", &t->drills[i].name);
			}
			mk_json_end_object(j);
		}
		mk_json_end_array(j);
	}
	if (f->kind == MK_BCP_TABLE) {
		if (f->parent == MK_BCP_NONE) {
			mk_json_key(j, "rows");
			mk_json_uint(j, rows(d, f->id));
		}
		mk_json_key(j, "columns");
		mk_json_begin_array(j);
		for (size_t i = 0; i < f->n_columns; i++)
			field(j, d, f->columns[i]);
		mk_json_end_array(j);
	} else if (f->parent == MK_BCP_NONE) {
		kv(j, "value", scalar(d, f->id, buf, sizeof(buf)));
	}
	origin(j, &f->origin);
	mk_json_end_object(j);
}

static void steps(struct mk_json *j, const struct mk_bcp_doc *d)
{
	const struct mk_bcp_tpl *t = d->tpl;

	mk_json_key(j, "steps");
	mk_json_begin_array(j);
	for (size_t i = 0; i < t->n_steps; i++) {
		const struct mk_bcp_step *s = &t->steps[i];

		mk_json_begin_object(j);
		kv(j, "id", s->id);
		mk_json_key(j, "order");
		mk_json_uint(j, s->order);
		text(j, "title", &s->title);
		text(j, "text", &s->text);
		mk_json_key(j, "fields");
		mk_json_begin_array(j);
		for (size_t k = 0; k < s->n_fields; k++)
			field(j, d, s->fields[k]);
		mk_json_end_array(j);
		origin(j, &s->origin);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
}

static const char *why_name(enum mk_bcp_why w)
{
	return w == MK_BCP_WHY_ROLE ? "role" : w == MK_BCP_WHY_DEPENDENCY ? "dependency" : NULL;
}

static void hours(struct mk_json *j, const char *key, bool has, double v)
{
	mk_json_key(j, key);
	if (has)
		mk_json_double(j, v);
	else
		mk_json_null(j);
}

static void systems(struct mk_json *j, const struct mk_bcp_doc *d)
{
	const struct mk_bcp_tpl *t = d->tpl;

	mk_json_key(j, "systems");
	mk_json_begin_array(j);
	for (size_t i = 0; i < d->n_systems; i++) {
		const struct mk_bcp_system *s = &d->systems[i];

		mk_json_begin_object(j);
		kv(j, "asset", s->asset);
		kv(j, "name", s->name);
		kv(j, "address", s->address);
		role(j, "role", s->role);
		mk_json_key(j, "entered");
		mk_json_bool(j, s->entered);
		mk_json_key(j, "candidate");
		mk_json_string(j, why_name(s->why));
		mk_json_key(j, "critical");
		mk_json_bool(j, s->critical);
		kv_opt(j, "line", s->line);
		hours(j, "rto_hours", s->has_rto, s->rto_hours);
		hours(j, "rpo_hours", s->has_rpo, s->rpo_hours);
		kv_opt(j, "manual_fallback", s->manual_fallback);
		mk_json_key(j, "backups");
		mk_json_begin_array(j);
		for (size_t k = 0; k < s->n_backups; k++) {
			const struct mk_bcp_backup *b = &s->backups[k];

			mk_json_begin_object(j);
			kv(j, "what", t->backups[b->what].id);
			text(j, "what_name", &t->backups[b->what].name);
			kv_opt(j, "where", b->where);
			kv_opt(j, "when", b->when);
			mk_json_key(j, "offline");
			mk_json_bool(j, b->offline);
			date(j, "restore_tested", &b->restore_tested);
			mk_json_end_object(j);
		}
		mk_json_end_array(j);
		mk_json_key(j, "depends_on");
		mk_json_begin_array(j);
		for (size_t k = 0; k < s->n_depends; k++)
			mk_json_uint(j, s->depends_on[k]);
		mk_json_end_array(j);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "candidates_dropped");
	mk_json_uint(j, d->n_candidates_dropped);
}

static void order(struct mk_json *j, const struct mk_bcp_doc *d)
{
	mk_json_key(j, "recovery_order");
	mk_json_begin_array(j);
	for (size_t i = 0; i < d->n_order; i++) {
		const struct mk_bcp_system *s = &d->systems[d->order[i].system];

		mk_json_begin_object(j);
		mk_json_key(j, "step");
		mk_json_uint(j, i + 1);
		mk_json_key(j, "system");
		mk_json_uint(j, d->order[i].system);
		kv(j, "asset", s->asset);
		kv(j, "name", s->name);
		role(j, "role", s->role);
		mk_json_key(j, "tier");
		mk_json_uint(j, s->tier);
		mk_json_key(j, "after");
		mk_json_begin_array(j);
		for (size_t k = 0; k < s->n_depends; k++) {
			const struct mk_bcp_system *o = &d->systems[s->depends_on[k]];

			if (o->critical)
				mk_json_string(j, o->asset != NULL ? o->asset : o->name);
		}
		mk_json_end_array(j);
		/* the same systems by the names people read (the report shows these) */
		mk_json_key(j, "after_names");
		mk_json_begin_array(j);
		for (size_t k = 0; k < s->n_depends; k++) {
			const struct mk_bcp_system *o = &d->systems[s->depends_on[k]];

			if (o->critical)
				mk_json_string(j, o->name);
		}
		mk_json_end_array(j);
		mk_json_key(j, "cycle");
		mk_json_bool(j, d->order[i].cycle);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
}

static void isolation(struct mk_json *j, const struct mk_bcp_doc *d)
{
	static const char *const kinds[] = {"entered", "device", "zone_boundary"};

	mk_json_key(j, "isolation_points");
	mk_json_begin_array(j);
	for (size_t i = 0; i < d->n_isolation; i++) {
		const struct mk_bcp_isolation *p = &d->isolation[i];

		mk_json_begin_object(j);
		kv(j, "kind", kinds[p->kind]);
		if (p->kind == MK_BCP_ISO_ENTERED) {
			kv_opt(j, "where", p->where);
			kv_opt(j, "device", p->device);
			kv_opt(j, "how", p->how);
		} else if (p->kind == MK_BCP_ISO_DEVICE) {
			kv(j, "asset", p->asset);
			kv(j, "name", p->name);
			kv_opt(j, "address", p->address);
			role(j, "role", p->role);
		} else {
			mk_json_key(j, "zones");
			mk_json_begin_array(j);
			for (int z = 0; z < 2; z++) {
				mk_json_begin_object(j);
				kv(j, "id", p->zone_id[z]);
				kv(j, "name", p->zone_name[z]);
				mk_json_end_object(j);
			}
			mk_json_end_array(j);
			mk_json_key(j, "conversations");
			mk_json_uint(j, p->conversations);
		}
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
}

static void signs_actions(struct mk_json *j, const struct mk_bcp_doc *d)
{
	const struct mk_bcp_tpl *t = d->tpl;

	mk_json_key(j, "signs");
	mk_json_begin_array(j);
	for (size_t i = 0; i < t->n_signs; i++) {
		const struct mk_bcp_sign *s = &t->signs[i];

		mk_json_begin_object(j);
		kv(j, "id", s->id);
		kv(j, "kind", s->kind == MK_BCP_SIGN_CYBER ? "cyber" : "fault");
		text(j, "text", &s->text);
		mk_json_key(j, "alerts");
		mk_json_begin_array(j);
		for (size_t k = 0; k < s->n_alerts; k++)
			mk_json_string(j, s->alerts[k]);
		mk_json_end_array(j);
		mk_json_key(j, "seen");
		mk_json_uint(j, d->sign_seen != NULL ? d->sign_seen[i] : 0);
		origin(j, &s->origin);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "actions");
	mk_json_begin_array(j);
	for (size_t i = 0; i < t->n_actions; i++) {
		const struct mk_bcp_action *a = &t->actions[i];

		mk_json_begin_object(j);
		kv(j, "id", a->id);
		kv(j, "phase", mk_bcp_phase_name(a->phase));
		mk_json_key(j, "order");
		mk_json_uint(j, a->order);
		text(j, "text", &a->text);
		origin(j, &a->origin);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
}

static void people(struct mk_json *j, const struct mk_bcp_doc *d)
{
	const struct mk_bcp_tpl *t = d->tpl;

	mk_json_key(j, "roles");
	mk_json_begin_array(j);
	for (size_t i = 0; i < d->n_roles; i++) {
		mk_json_begin_object(j);
		kv_opt(j, "role", d->roles[i].role);
		kv_opt(j, "name", d->roles[i].name);
		kv_opt(j, "deputy", d->roles[i].deputy);
		kv_opt(j, "phone", d->roles[i].phone);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "contacts");
	mk_json_begin_array(j);
	for (size_t c = 0; c < t->n_contacts; c++) {
		mk_json_begin_object(j);
		kv(j, "category", t->contacts[c].id);
		text(j, "name", &t->contacts[c].name);
		text(j, "when", &t->contacts[c].when);
		mk_json_key(j, "required");
		mk_json_bool(j, t->contacts[c].required);
		mk_json_key(j, "entries");
		mk_json_begin_array(j);
		for (size_t i = 0; i < d->n_contacts; i++) {
			const struct mk_bcp_contact_entry *e = &d->contacts[i];

			if (e->category != c)
				continue;
			mk_json_begin_object(j);
			kv_opt(j, "org", e->org);
			kv_opt(j, "name", e->name);
			kv_opt(j, "phone", e->phone);
			kv_opt(j, "email", e->email);
			kv_opt(j, "note", e->note);
			mk_json_end_object(j);
		}
		mk_json_end_array(j);
		origin(j, &t->contacts[c].origin);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "drills");
	mk_json_begin_array(j);
	for (size_t k = 0; k < t->n_drills; k++) {
		mk_json_begin_object(j);
		kv(j, "type", t->drills[k].id);
		text(j, "name", &t->drills[k].name);
		text(j, "text", &t->drills[k].text);
		mk_json_key(j, "every_months");
		mk_json_uint(j, (unsigned)t->drills[k].every_months);
		mk_json_key(j, "entries");
		mk_json_begin_array(j);
		for (size_t i = 0; i < d->n_drills; i++) {
			if (d->drills[i].type != k)
				continue;
			mk_json_begin_object(j);
			mk_json_key(j, "every_months");
			mk_json_uint(j, (unsigned)d->drills[i].every_months);
			date(j, "last_done", &d->drills[i].last_done);
			mk_json_end_object(j);
		}
		mk_json_end_array(j);
		origin(j, &t->drills[k].origin);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
}

static void gaps(struct mk_json *j, const struct mk_bcp_doc *d)
{
	mk_json_key(j, "gaps");
	mk_json_begin_array(j);
	for (size_t i = 0; i < d->n_gaps; i++) {
		const struct mk_bcp_gap *g = &d->gaps[i];

		mk_json_begin_object(j);
		kv(j, "id", mk_bcp_gap_name(g->rule));
		kv(j, "severity", mk_severity_name(d->tpl->gaps[g->rule].severity));
		pair(j, "text", g->text_ja, g->text_en);
		mk_json_key(j, "system");
		if (g->system != MK_BCP_NONE)
			mk_json_uint(j, g->system);
		else
			mk_json_null(j);
		kv(j, "subject", g->subject);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
}

void mk_bcp_json(struct mk_json *j, const struct mk_assessment *as)
{
	const struct mk_bcp_doc *d = as != NULL ? as->bcp : NULL;
	char buf[16];

	if (d == NULL) {
		mk_json_null(j);
		return;
	}
	mk_json_begin_object(j);
	kv(j, "today", d->today.y != 0 ? mk_bcp_date_str(&d->today, buf, sizeof(buf)) : NULL);
	mk_json_key(j, "entered");
	mk_json_bool(j, d->has_entries);
	mk_json_key(j, "company");
	mk_json_begin_object(j);
	kv_opt(j, "name", d->company_name);
	kv_opt(j, "site", d->company_site);
	kv_opt(j, "author", d->company_author);
	kv_opt(j, "approved_by", d->company_approved_by);
	date(j, "reviewed", &d->company_reviewed);
	mk_json_end_object(j);
	kv_opt(j, "policy", d->policy);
	kv_opt(j, "existing_bcp", d->existing_bcp);
	kv_opt(j, "decision_by", d->decision_by);
	steps(j, d);
	systems(j, d);
	order(j, d);
	isolation(j, d);
	signs_actions(j, d);
	people(j, d);
	gaps(j, d);
	mk_json_end_object(j);
}

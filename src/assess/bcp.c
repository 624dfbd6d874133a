/* bcp.c - the cyber-BCP template: builds kb->bcp from the bcp_* stanzas of
 * data/kb/bcp.kb and checks it against the shape of the user's entries
 * (docs/ASSESSMENT.md "Cyber-BCP").  The entries are read in bcp_entries.c,
 * the network-derived parts and the gaps are worked out in bcp_derive.c, the
 * JSON is written in bcp_json.c. */
#include "assess/bcp_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assess/kb_int.h"

static const char *const kind_names[MK_BCP_KINDS] = {
    "text", "number", "date", "list", "table", "bool", "choice", "asset",
};
static const char *const phase_names[MK_BCP_PHASES] = {"first", "continuity", "recovery", "after"};
static const char *const gap_names[MK_GAP_COUNT] = {
    [MK_GAP_NO_SYSTEMS] = "no_systems",
    [MK_GAP_CANDIDATES_UNLISTED] = "candidates_unlisted",
    [MK_GAP_SYSTEM_NO_RTO] = "system_no_rto",
    [MK_GAP_SYSTEM_NO_RPO] = "system_no_rpo",
    [MK_GAP_SYSTEM_NO_BACKUP] = "system_no_backup",
    [MK_GAP_SYSTEM_NO_OFFLINE] = "system_no_offline",
    [MK_GAP_BACKUP_NEVER_TESTED] = "backup_never_tested",
    [MK_GAP_BACKUP_TEST_OLD] = "backup_test_old",
    [MK_GAP_SYSTEM_ASSET_UNKNOWN] = "system_asset_unknown",
    [MK_GAP_NO_ISOLATION] = "no_isolation",
    [MK_GAP_NO_ROLES] = "no_roles",
    [MK_GAP_CONTACT_MISSING] = "contact_missing",
    [MK_GAP_NO_DRILL] = "no_drill",
    [MK_GAP_DRILL_NEVER] = "drill_never",
    [MK_GAP_DRILL_OVERDUE] = "drill_overdue",
    [MK_GAP_NOT_REVIEWED] = "not_reviewed",
};

const char *mk_bcp_kind_name(unsigned kind)
{
	return kind < MK_BCP_KINDS ? kind_names[kind] : "text";
}

const char *mk_bcp_phase_name(unsigned phase)
{
	return phase < MK_BCP_PHASES ? phase_names[phase] : "first";
}

const char *mk_bcp_gap_name(unsigned gap)
{
	return gap < MK_GAP_COUNT ? gap_names[gap] : "";
}

/* The members of the user's entries (docs/ASSESSMENT.md): the code reads
 * exactly these, and every one needs a bcp_field stanza (the wizard's label)
 * of the same kind.  Groups are objects without a field of their own. */
const struct mk_bcp_member mk_bcp_members[] = {
    {"company", MK_BCP_GROUP, MK_BCP_CH_NONE, 0},
    {"company.name", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"company.site", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"company.author", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"company.approved_by", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"company.reviewed", MK_BCP_DATE, MK_BCP_CH_NONE, 0},
    {"policy", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_LONG},
    {"existing_bcp", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_LONG},
    {"decision_by", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_LONG},
    {"systems", MK_BCP_TABLE, MK_BCP_CH_NONE, MK_BCP_MAX_SYSTEMS},
    {"systems.asset", MK_BCP_ASSET, MK_BCP_CH_NONE, MK_ASSET_ID_LEN - 1},
    {"systems.name", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"systems.line", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"systems.critical", MK_BCP_BOOL, MK_BCP_CH_NONE, 0},
    {"systems.rto_hours", MK_BCP_NUMBER, MK_BCP_CH_NONE, 0},
    {"systems.rpo_hours", MK_BCP_NUMBER, MK_BCP_CH_NONE, 0},
    {"systems.manual_fallback", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_LONG},
    {"systems.backups", MK_BCP_TABLE, MK_BCP_CH_NONE, MK_BCP_MAX_BACKUPS},
    {"systems.backups.what", MK_BCP_CHOICE, MK_BCP_CH_BACKUP, 0},
    {"systems.backups.where", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"systems.backups.when", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"systems.backups.offline", MK_BCP_BOOL, MK_BCP_CH_NONE, 0},
    {"systems.backups.restore_tested", MK_BCP_DATE, MK_BCP_CH_NONE, 0},
    {"isolation_points", MK_BCP_TABLE, MK_BCP_CH_NONE, MK_BCP_MAX_ROWS},
    {"isolation_points.where", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"isolation_points.device", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"isolation_points.how", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"roles", MK_BCP_TABLE, MK_BCP_CH_NONE, MK_BCP_MAX_ROWS},
    {"roles.role", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"roles.name", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"roles.deputy", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"roles.phone", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"contacts", MK_BCP_TABLE, MK_BCP_CH_NONE, MK_BCP_MAX_ROWS},
    {"contacts.category", MK_BCP_CHOICE, MK_BCP_CH_CONTACT, 0},
    {"contacts.org", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"contacts.name", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"contacts.phone", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"contacts.email", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"contacts.note", MK_BCP_TEXT, MK_BCP_CH_NONE, MK_BCP_MAX_TEXT},
    {"drills", MK_BCP_TABLE, MK_BCP_CH_NONE, MK_BCP_MAX_ROWS},
    {"drills.type", MK_BCP_CHOICE, MK_BCP_CH_DRILL, 0},
    {"drills.every_months", MK_BCP_NUMBER, MK_BCP_CH_NONE, 0},
    {"drills.last_done", MK_BCP_DATE, MK_BCP_CH_NONE, 0},
};
const size_t mk_bcp_n_members = sizeof(mk_bcp_members) / sizeof(mk_bcp_members[0]);

static const char *const choice_names[] = {"", "backup", "contact", "drill"};

const struct mk_bcp_member *mk_bcp_member_find(const char *path)
{
	for (size_t i = 0; i < mk_bcp_n_members; i++)
		if (strcmp(mk_bcp_members[i].path, path) == 0)
			return &mk_bcp_members[i];
	return NULL;
}

bool mk_bcp_kind(const char *kind)
{
	return strncmp(kind, "bcp_", 4) == 0;
}

/* ---- dates ---- */

static int days_in_month(int y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

bool mk_bcp_date_parse(const char *s, struct mk_bcp_date *out)
{
	int v[3] = {0, 0, 0};
	static const int widths[3] = {4, 2, 2};
	const char *p = s;

	if (s == NULL || strlen(s) != 10)
		return false;
	for (int k = 0; k < 3; k++) {
		for (int i = 0; i < widths[k]; i++, p++) {
			if (*p < '0' || *p > '9')
				return false;
			v[k] = v[k] * 10 + (*p - '0');
		}
		if (k < 2 && *p++ != '-')
			return false;
	}
	if (v[0] < 1900 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > days_in_month(v[0], v[1]))
		return false;
	out->y = v[0];
	out->m = v[1];
	out->d = v[2];
	return true;
}

char *mk_bcp_date_str(const struct mk_bcp_date *d, char *buf, size_t buflen)
{
	if (buflen == 0)
		return buf;
	if (d->y == 0)
		buf[0] = '\0';
	else
		snprintf(buf, buflen, "%04d-%02d-%02d", d->y, d->m, d->d);
	return buf;
}

struct mk_bcp_date mk_bcp_date_of(uint64_t ts_ns)
{
	time_t t = (time_t)(ts_ns / 1000000000ull);
	struct tm tm;
	struct mk_bcp_date d = {0, 0, 0};

	if (gmtime_r(&t, &tm) != NULL) {
		d.y = tm.tm_year + 1900;
		d.m = tm.tm_mon + 1;
		d.d = tm.tm_mday;
	}
	return d;
}

struct mk_bcp_date mk_bcp_date_minus_months(struct mk_bcp_date d, int months)
{
	int idx = d.y * 12 + (d.m - 1) - months;
	struct mk_bcp_date r;
	int dim;

	if (d.y == 0)
		return d;
	r.y = idx / 12;
	r.m = idx % 12 + 1;
	dim = days_in_month(r.y, r.m);
	r.d = d.d > dim ? dim : d.d;
	return r;
}

struct mk_bcp_date mk_bcp_date_plus_days(struct mk_bcp_date d, int days)
{
	while (days-- > 0) {
		if (++d.d > days_in_month(d.y, d.m)) {
			d.d = 1;
			if (++d.m > 12) {
				d.m = 1;
				d.y++;
			}
		}
	}
	return d;
}

int mk_bcp_date_cmp(const struct mk_bcp_date *a, const struct mk_bcp_date *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return 0;
}

/* ---- the template ---- */

static int count_kind(const struct mk_kb_doc *doc, const char *kind)
{
	int n = 0;

	for (size_t i = 0; i < doc->n; i++)
		if (strcmp(doc->v[i].kind, kind) == 0)
			n++;
	return n;
}

static void *arena_array(struct mk_kb_arena *a, size_t n, size_t size)
{
	return mk_kb_alloc(a, (n == 0 ? 1 : n) * size);
}

static int enum_of(struct mk_kb_stanza *s, const char *key, const char *const *names, size_t n,
                   int *out, char *err, size_t errlen)
{
	int v = mk_kb_enum(s, key, names, n, err, errlen);

	if (v < 0)
		return -1;
	*out = v;
	return 0;
}

static int yes_no(struct mk_kb_stanza *s, const char *key, bool *out, char *err, size_t errlen)
{
	static const char *const yn[] = {"no", "yes"};
	int v;

	if (enum_of(s, key, yn, 2, &v, err, errlen) != 0)
		return -1;
	*out = v == 1;
	return 0;
}

static int role_list(struct mk_kb_stanza *s, struct mk_kb_arena *arena, const char *key, bool *set,
                     uint8_t *tier, unsigned tier_no, char *err, size_t errlen)
{
	const char *items[MK_KB_MAX_LIST];
	size_t n = 0;

	if (mk_kb_list(s, arena, key, items, &n, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int r = mk_role_from_name(items[i]);

		if (r < 0 || r >= MK_ROLE_COUNT)
			return mk_kb_fail(s, err, errlen, "%s: unknown role %s (see roles.def)",
			                  key, items[i]);
		if (set != NULL)
			set[r] = true;
		if (tier != NULL) {
			if (tier[r] != 0)
				return mk_kb_fail(s, err, errlen,
				                  "%s: role %s is already in tier %u", key,
				                  items[i], (unsigned)tier[r]);
			tier[r] = (uint8_t)tier_no;
		}
	}
	return 0;
}

static int build_derive(struct mk_bcp_tpl *t, struct mk_kb_stanza *s, struct mk_kb_arena *arena,
                        const struct mk_kb *kb, char *err, size_t errlen)
{
	struct mk_bcp_derive *d = &t->derive;
	long v;

	if (strcmp(s->id, "main") != 0)
		return mk_kb_fail(s, err, errlen, "bcp_derive: the only id is main");
	if (role_list(s, arena, "critical_roles", d->critical, NULL, 0, err, errlen) != 0 ||
	    role_list(s, arena, "isolation_roles", d->isolation, NULL, 0, err, errlen) != 0)
		return -1;
	for (unsigned k = 1; k <= MK_BCP_MAX_TIERS; k++) {
		char key[16];

		snprintf(key, sizeof(key), "tier.%u", k);
		if (mk_kb_get(s, key) == NULL)
			break;
		if (role_list(s, arena, key, NULL, d->tier, k, err, errlen) != 0)
			return -1;
		d->n_tiers = k;
	}
	if (d->n_tiers == 0)
		return mk_kb_fail(s, err, errlen, "missing tier.1");
	for (unsigned r = 0; r < MK_ROLE_COUNT; r++)
		if (d->tier[r] == 0)
			d->tier[r] = (uint8_t)(d->n_tiers + 1);
	if (mk_kb_int(s, "min_confidence", 0, 100, false, 0, &v, err, errlen) != 0)
		return -1;
	d->min_confidence = (int)v;
	if (mk_kb_int(s, "probe_packets", 0, 1000, false, 0, &v, err, errlen) != 0)
		return -1;
	d->probe_packets = (int)v;
	if (mk_kb_int(s, "months", 1, 120, false, 0, &v, err, errlen) != 0)
		return -1;
	d->months = (int)v;
	return mk_kb_origin(s, arena, kb, &d->origin, err, errlen);
}

/* The step stanza named id, or MK_BCP_NONE. */
static size_t step_index(const struct mk_bcp_tpl *t, const char *id)
{
	for (size_t i = 0; i < t->n_steps; i++)
		if (strcmp(t->steps[i].id, id) == 0)
			return i;
	return MK_BCP_NONE;
}

static size_t field_index(const struct mk_bcp_tpl *t, const char *id)
{
	for (size_t i = 0; i < t->n_fields; i++)
		if (strcmp(t->fields[i].id, id) == 0)
			return i;
	return MK_BCP_NONE;
}

static int build_field(struct mk_bcp_tpl *t, struct mk_kb_stanza *s, struct mk_kb_arena *arena,
                       const struct mk_kb *kb, char *err, size_t errlen)
{
	struct mk_bcp_field *f = &t->fields[t->n_fields];
	const struct mk_bcp_member *m = mk_bcp_member_find(s->id);
	const char *dot = strrchr(s->id, '.');
	const char *step, *choices;
	int kind;

	if (m == NULL || m->kind == MK_BCP_GROUP)
		return mk_kb_fail(
		    s, err, errlen,
		    "bcp_field %s: the BCP entries have no such member (docs/ASSESSMENT.md)",
		    s->id);
	if (field_index(t, s->id) != MK_BCP_NONE)
		return mk_kb_fail(s, err, errlen, "duplicate bcp_field %s", s->id);
	f->id = s->id;
	f->name = dot != NULL ? dot + 1 : s->id;
	f->parent = MK_BCP_NONE;
	f->step = MK_BCP_NONE;
	if (enum_of(s, "kind", kind_names, MK_BCP_KINDS, &kind, err, errlen) != 0)
		return -1;
	f->kind = (enum mk_bcp_kind)kind;
	if ((int)f->kind != m->kind)
		return mk_kb_fail(s, err, errlen, "kind: %s is a %s in the BCP entries", s->id,
		                  kind_names[m->kind]);
	choices = mk_kb_get(s, "choices");
	if (m->choices != MK_BCP_CH_NONE) {
		if (choices == NULL || strcmp(choices, choice_names[m->choices]) != 0)
			return mk_kb_fail(s, err, errlen, "choices: %s chooses from %s", s->id,
			                  choice_names[m->choices]);
	} else if (choices != NULL) {
		return mk_kb_fail(s, err, errlen, "choices: only for choice fields");
	}
	f->choices = m->choices;
	if (dot != NULL) {
		char parent[64];
		size_t len = (size_t)(dot - s->id);

		if (len < sizeof(parent)) {
			memcpy(parent, s->id, len);
			parent[len] = '\0';
			f->parent = field_index(t, parent);
			if (f->parent == MK_BCP_NONE && mk_bcp_member_find(parent) != NULL &&
			    mk_bcp_member_find(parent)->kind == MK_BCP_TABLE)
				return mk_kb_fail(s, err, errlen,
				                  "bcp_field %s: its table %s must come first",
				                  s->id, parent);
		}
	}
	step = mk_kb_get(s, "step");
	if (f->parent != MK_BCP_NONE) {
		if (step != NULL)
			return mk_kb_fail(s, err, errlen,
			                  "step: a column takes the step of its table %s",
			                  t->fields[f->parent].id);
		f->step = t->fields[f->parent].step;
	} else {
		if (step == NULL || step[0] == '\0')
			return mk_kb_fail(s, err, errlen, "missing step");
		if ((f->step = step_index(t, step)) == MK_BCP_NONE)
			return mk_kb_fail(s, err, errlen, "step: no bcp_step %s", step);
	}
	if (mk_kb_text(s, "label", true, &f->label, err, errlen) != 0 ||
	    mk_kb_text(s, "help", false, &f->help, err, errlen) != 0)
		return -1;
	if (mk_kb_origin(s, arena, kb, &f->origin, err, errlen) != 0)
		return -1;
	t->n_fields++;
	return 0;
}

static int build_signs(struct mk_bcp_sign *g, struct mk_kb_stanza *s, struct mk_kb_arena *arena,
                       const struct mk_kb *kb, char *err, size_t errlen)
{
	static const char *const kinds[] = {"cyber", "fault"};
	const char *items[MK_KB_MAX_LIST];
	int kind;

	g->id = s->id;
	if (enum_of(s, "kind", kinds, 2, &kind, err, errlen) != 0)
		return -1;
	g->kind = (enum mk_bcp_sign_kind)kind;
	if (mk_kb_list(s, arena, "alerts", items, &g->n_alerts, err, errlen) != 0)
		return -1;
	if (g->n_alerts > 0) {
		if ((g->alerts = arena_array(arena, g->n_alerts, sizeof(*g->alerts))) == NULL)
			return mk_kb_fail(s, err, errlen, "out of memory");
		for (size_t i = 0; i < g->n_alerts; i++) {
			size_t n = strlen(items[i]);

			/* alert types are the stable ids of interface.md; the unit
			 * test checks each against data/rules/alerts.tsv */
			if (n >= MK_ALERT_TYPE_LEN ||
			    strspn(items[i], "abcdefghijklmnopqrstuvwxyz_") != n)
				return mk_kb_fail(s, err, errlen, "alerts: %s is not an alert type",
				                  items[i]);
			g->alerts[i] = items[i];
		}
	}
	if (mk_kb_text(s, "text", true, &g->text, err, errlen) != 0)
		return -1;
	return mk_kb_origin(s, arena, kb, &g->origin, err, errlen);
}

static int action_cmp(const void *x, const void *y)
{
	const struct mk_bcp_action *a = x, *b = y;

	if (a->phase != b->phase)
		return a->phase < b->phase ? -1 : 1;
	return (a->order > b->order) - (a->order < b->order);
}

static int step_cmp(const void *x, const void *y)
{
	const struct mk_bcp_step *a = x, *b = y;

	return (a->order > b->order) - (a->order < b->order);
}

static int build_one(struct mk_bcp_tpl *t, struct mk_kb_stanza *s, struct mk_kb_arena *arena,
                     const struct mk_kb *kb, bool *have_derive, char *err, size_t errlen)
{
	long v;

	if (strcmp(s->kind, "bcp_step") == 0) {
		struct mk_bcp_step *p = &t->steps[t->n_steps];

		p->id = s->id;
		if (mk_kb_int(s, "order", 1, 64, false, 0, &v, err, errlen) != 0)
			return -1;
		p->order = (unsigned)v;
		if (mk_kb_text(s, "title", true, &p->title, err, errlen) != 0 ||
		    mk_kb_text(s, "text", true, &p->text, err, errlen) != 0 ||
		    mk_kb_origin(s, arena, kb, &p->origin, err, errlen) != 0)
			return -1;
		t->n_steps++;
	} else if (strcmp(s->kind, "bcp_field") == 0) {
		return 0; /* after the steps: build_fields */
	} else if (strcmp(s->kind, "bcp_backup") == 0) {
		struct mk_bcp_item *p = &t->backups[t->n_backups];

		p->id = s->id;
		if (mk_kb_text(s, "name", true, &p->name, err, errlen) != 0 ||
		    mk_kb_origin(s, arena, kb, &p->origin, err, errlen) != 0)
			return -1;
		t->n_backups++;
	} else if (strcmp(s->kind, "bcp_sign") == 0) {
		if (build_signs(&t->signs[t->n_signs], s, arena, kb, err, errlen) != 0)
			return -1;
		t->n_signs++;
	} else if (strcmp(s->kind, "bcp_action") == 0) {
		struct mk_bcp_action *p = &t->actions[t->n_actions];
		int phase;

		p->id = s->id;
		if (enum_of(s, "phase", phase_names, MK_BCP_PHASES, &phase, err, errlen) != 0 ||
		    mk_kb_int(s, "order", 1, 999, false, 0, &v, err, errlen) != 0)
			return -1;
		p->phase = (enum mk_bcp_phase)phase;
		p->order = (unsigned)v;
		for (size_t i = 0; i < t->n_actions; i++)
			if (t->actions[i].phase == p->phase && t->actions[i].order == p->order)
				return mk_kb_fail(s, err, errlen, "order: %u is already %s's",
				                  p->order, t->actions[i].id);
		if (mk_kb_text(s, "text", true, &p->text, err, errlen) != 0 ||
		    mk_kb_origin(s, arena, kb, &p->origin, err, errlen) != 0)
			return -1;
		t->n_actions++;
	} else if (strcmp(s->kind, "bcp_contact") == 0) {
		struct mk_bcp_contact *p = &t->contacts[t->n_contacts];

		p->id = s->id;
		if (yes_no(s, "required", &p->required, err, errlen) != 0 ||
		    mk_kb_text(s, "name", true, &p->name, err, errlen) != 0 ||
		    mk_kb_text(s, "when", true, &p->when, err, errlen) != 0 ||
		    mk_kb_origin(s, arena, kb, &p->origin, err, errlen) != 0)
			return -1;
		t->n_contacts++;
	} else if (strcmp(s->kind, "bcp_drill") == 0) {
		struct mk_bcp_drill *p = &t->drills[t->n_drills];

		p->id = s->id;
		if (mk_kb_int(s, "every_months", 1, 120, false, 0, &v, err, errlen) != 0)
			return -1;
		p->every_months = (int)v;
		if (mk_kb_text(s, "name", true, &p->name, err, errlen) != 0 ||
		    mk_kb_text(s, "text", true, &p->text, err, errlen) != 0 ||
		    mk_kb_origin(s, arena, kb, &p->origin, err, errlen) != 0)
			return -1;
		t->n_drills++;
	} else if (strcmp(s->kind, "bcp_gap") == 0) {
		static const char *const sevs[] = {"low", "medium", "high"};
		struct mk_bcp_gap_rule *p = NULL;
		int sev;

		for (unsigned g = 0; g < MK_GAP_COUNT; g++)
			if (strcmp(gap_names[g], s->id) == 0)
				p = &t->gaps[g];
		if (p == NULL)
			return mk_kb_fail(s, err, errlen,
			                  "bcp_gap %s: no such gap rule in the code", s->id);
		p->id = s->id;
		if (enum_of(s, "severity", sevs, 3, &sev, err, errlen) != 0)
			return -1;
		p->severity = (uint8_t)(MK_SEV_LOW + sev);
		if (mk_kb_text(s, "text", true, &p->text, err, errlen) != 0 ||
		    mk_kb_origin(s, arena, kb, &p->origin, err, errlen) != 0)
			return -1;
	} else if (strcmp(s->kind, "bcp_derive") == 0) {
		if (build_derive(t, s, arena, kb, err, errlen) != 0)
			return -1;
		*have_derive = true;
	} else {
		return mk_kb_fail(s, err, errlen, "unknown kind %s", s->kind);
	}
	return mk_kb_check_used(s, err, errlen);
}

/* The fields, their tables' columns and the steps' field lists. */
static int build_fields(struct mk_bcp_tpl *t, struct mk_kb_doc *doc, struct mk_kb_arena *arena,
                        const struct mk_kb *kb, char *err, size_t errlen)
{
	const struct mk_kb_stanza *last = NULL;

	for (size_t i = 0; i < doc->n; i++) {
		struct mk_kb_stanza *s = &doc->v[i];

		if (strcmp(s->kind, "bcp_field") != 0)
			continue;
		if (build_field(t, s, arena, kb, err, errlen) != 0 ||
		    mk_kb_check_used(s, err, errlen) != 0)
			return -1;
		last = s;
	}
	for (size_t i = 0; i < mk_bcp_n_members; i++) {
		const struct mk_bcp_member *m = &mk_bcp_members[i];

		if (m->kind != MK_BCP_GROUP && field_index(t, m->path) == MK_BCP_NONE) {
			if (last != NULL)
				return mk_kb_fail(last, err, errlen,
				                  "no bcp_field for the BCP entries' member %s",
				                  m->path);
			snprintf(err, errlen, "bcp.kb: no bcp_field for the BCP entries' member %s",
			         m->path);
			return -1;
		}
	}
	for (size_t i = 0; i < t->n_fields; i++) {
		struct mk_bcp_field *f = &t->fields[i];
		size_t n = 0;

		for (size_t k = 0; k < t->n_fields; k++)
			n += t->fields[k].parent == i;
		if (n == 0)
			continue;
		if ((f->columns = arena_array(arena, n, sizeof(*f->columns))) == NULL)
			goto nomem;
		for (size_t k = 0; k < t->n_fields; k++)
			if (t->fields[k].parent == i)
				f->columns[f->n_columns++] = k;
	}
	for (size_t i = 0; i < t->n_steps; i++) {
		struct mk_bcp_step *p = &t->steps[i];
		size_t n = 0;

		for (size_t k = 0; k < t->n_fields; k++)
			n += t->fields[k].parent == MK_BCP_NONE && t->fields[k].step == i;
		if (n == 0) {
			snprintf(err, errlen,
			         "%s:%u: bcp_step %s asks nothing (no bcp_field names it)",
			         p->origin.file, (unsigned)p->origin.line, p->id);
			return -1;
		}
		if ((p->fields = arena_array(arena, n, sizeof(*p->fields))) == NULL)
			goto nomem;
		for (size_t k = 0; k < t->n_fields; k++)
			if (t->fields[k].parent == MK_BCP_NONE && t->fields[k].step == i)
				p->fields[p->n_fields++] = k;
	}
	return 0;
nomem:
	snprintf(err, errlen, "bcp: out of memory");
	return -1;
}

/* Whole-template checks: steps numbered 1..n, every gap rule present, at
 * least one of each list.  s is a stanza to name in errors. */
static int check_template(struct mk_bcp_tpl *t, const struct mk_kb_stanza *s, char *err,
                          size_t errlen)
{
	for (size_t i = 0; i < t->n_steps; i++)
		if (t->steps[i].order != i + 1)
			return mk_kb_fail(
			    s, err, errlen,
			    "the bcp_step orders must be 1..%zu, each once (step %s has %u)",
			    t->n_steps, t->steps[i].id, t->steps[i].order);
	for (unsigned g = 0; g < MK_GAP_COUNT; g++)
		if (t->gaps[g].id == NULL)
			return mk_kb_fail(s, err, errlen, "missing bcp_gap %s", gap_names[g]);
	if (t->n_backups == 0 || t->n_contacts == 0 || t->n_drills == 0 || t->n_signs == 0 ||
	    t->n_actions == 0)
		return mk_kb_fail(s, err, errlen,
		                  "the BCP template needs at least one bcp_backup, bcp_contact, "
		                  "bcp_drill, bcp_sign and bcp_action");
	return 0;
}

int mk_bcp_tpl_build(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	struct mk_kb_arena *arena = doc->arena;
	struct mk_bcp_tpl *t;
	const struct mk_kb_stanza *first = NULL;
	bool have_derive = false;
	size_t n_bcp = 0;

	for (size_t i = 0; i < doc->n; i++)
		if (mk_bcp_kind(doc->v[i].kind)) {
			if (first == NULL)
				first = &doc->v[i];
			n_bcp++;
		}
	if (n_bcp == 0)
		return 0; /* duplicate ids were refused by kb.c (check_kinds) */
	if ((t = mk_kb_alloc(arena, sizeof(*t))) == NULL)
		goto nomem;
	if ((t->steps = arena_array(arena, (size_t)count_kind(doc, "bcp_step"),
	                            sizeof(*t->steps))) == NULL ||
	    (t->fields = arena_array(arena, (size_t)count_kind(doc, "bcp_field"),
	                             sizeof(*t->fields))) == NULL ||
	    (t->backups = arena_array(arena, (size_t)count_kind(doc, "bcp_backup"),
	                              sizeof(*t->backups))) == NULL ||
	    (t->signs = arena_array(arena, (size_t)count_kind(doc, "bcp_sign"),
	                            sizeof(*t->signs))) == NULL ||
	    (t->actions = arena_array(arena, (size_t)count_kind(doc, "bcp_action"),
	                              sizeof(*t->actions))) == NULL ||
	    (t->contacts = arena_array(arena, (size_t)count_kind(doc, "bcp_contact"),
	                               sizeof(*t->contacts))) == NULL ||
	    (t->drills = arena_array(arena, (size_t)count_kind(doc, "bcp_drill"),
	                             sizeof(*t->drills))) == NULL)
		goto nomem;
	for (size_t i = 0; i < doc->n; i++) {
		struct mk_kb_stanza *s = &doc->v[i];

		if (mk_bcp_kind(s->kind) &&
		    build_one(t, s, arena, kb, &have_derive, err, errlen) != 0)
			return -1;
	}
	qsort(t->steps, t->n_steps, sizeof(*t->steps), step_cmp);
	if (t->n_steps == 0)
		return mk_kb_fail(first, err, errlen, "the BCP template has no bcp_step");
	if (!have_derive)
		return mk_kb_fail(first, err, errlen, "missing bcp_derive main");
	if (build_fields(t, doc, arena, kb, err, errlen) != 0 ||
	    check_template(t, first, err, errlen) != 0)
		return -1;
	qsort(t->actions, t->n_actions, sizeof(*t->actions), action_cmp);
	kb->bcp = t;
	return 0;
nomem:
	snprintf(err, errlen, "bcp: out of memory");
	return -1;
}

void mk_bcp_tpl_free(struct mk_kb *kb)
{
	/* everything lives in the knowledge base's arena */
	if (kb != NULL)
		kb->bcp = NULL;
}

/* test_assess_bcp.c - the cyber-BCP (src/assess/bcp*.c): the template built
 * from data/kb/bcp.kb and its errors, the user's entries and every
 * validation error, the candidates and the recovery order on a hand-made
 * report (dependencies, a cycle, ties), isolation points with zones, signs
 * from alerts, each gap rule firing and staying silent, the 12-month
 * boundary, and the JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "assess/bcp_int.h"
#include "assess/kb_int.h"
#include "mieruka/report.h"
#include "mieruka/zones.h"
#include "support/kb_fixture.h"

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* sources.kb + bcp.kb, with the first occurrence of from replaced by to. */
static char *bcp_text(const char *from, const char *to)
{
	char *src = read_text(MK_TEST_SRCDIR "/data/kb/sources.kb");
	char *bcp = read_text(MK_TEST_SRCDIR "/data/kb/bcp.kb");
	char *out = NULL;
	const char *at;

	assert_non_null(src);
	assert_non_null(bcp);
	if (from == NULL) {
		from = to = "";
		at = bcp;
	} else {
		at = strstr(bcp, from);
		if (at == NULL)
			fail_msg("text to replace not in bcp.kb: %s", from);
	}
	out = calloc(1, strlen(src) + strlen(bcp) + strlen(to) + 2);
	assert_non_null(out);
	strcat(out, src);
	strcat(out, "\n");
	strncat(out, bcp, (size_t)(at - bcp));
	strcat(out, to);
	strcat(out, at + strlen(from));
	free(src);
	free(bcp);
	return out;
}

/* Loads the test fixture plus the BCP text (edited); 0 or -1 with err. */
static int load(const char *from, const char *to, struct mk_kb **kb, char *err, size_t errlen)
{
	char dir[256];
	char *text = bcp_text(from, to);
	int rc;

	assert_int_equal(kb_fixture_write(dir, sizeof(dir), NULL, NULL, text), 0);
	rc = mk_kb_load(dir, kb, err, errlen);
	kb_fixture_remove(dir);
	free(text);
	return rc;
}

static struct mk_kb *kb;

static int setup(void **state)
{
	char err[512] = "";

	(void)state;
	mk_i18n_set_lang(MK_LANG_EN);
	if (load(NULL, NULL, &kb, err, sizeof(err)) != 0) {
		fprintf(stderr, "the BCP template does not load: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mk_kb_free(kb);
	return 0;
}

/* ---- the template ---- */

static size_t field(const struct mk_bcp_tpl *t, const char *id)
{
	for (size_t i = 0; i < t->n_fields; i++)
		if (strcmp(t->fields[i].id, id) == 0)
			return i;
	fail_msg("no field %s", id);
	return 0;
}

static void test_template(void **state)
{
	static const char *const steps[] = {"prepare",      "policy", "criteria",
	                                    "organization", "flow",   "drill"};
	static const char *const required[] = {"internal", "vendor",     "it_vendor", "isp",
	                                       "police",   "ipa_jpcert", "customer"};
	const struct mk_bcp_tpl *t = kb->bcp;
	const struct mk_bcp_field *sys;
	size_t n_req = 0;
	bool isolate = false;

	(void)state;
	assert_non_null(t);
	assert_int_equal(t->n_steps, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(t->steps[i].id, steps[i]);
		assert_int_equal(t->steps[i].order, i + 1);
		assert_true(t->steps[i].n_fields > 0);
	}
	assert_string_equal(t->steps[1].title.ja, "基本方針を決める");
	assert_int_equal(t->steps[1].origin.confidence, 'V');
	/* every member of the entries has its field, columns under their table */
	for (size_t i = 0; i < mk_bcp_n_members; i++)
		if (mk_bcp_members[i].kind != MK_BCP_GROUP)
			(void)field(t, mk_bcp_members[i].path);
	sys = &t->fields[field(t, "systems")];
	assert_int_equal(sys->kind, MK_BCP_TABLE);
	assert_int_equal(sys->step, 0);
	assert_int_equal(sys->n_columns, 8);
	assert_string_equal(t->fields[sys->columns[4]].id, "systems.rto_hours");
	assert_int_equal(t->fields[field(t, "systems.backups")].n_columns, 5);
	assert_int_equal(t->fields[field(t, "systems.backups.what")].choices, MK_BCP_CH_BACKUP);
	assert_int_equal(t->fields[field(t, "systems.backups.restore_tested")].step, 0);
	assert_int_equal(t->fields[field(t, "company.reviewed")].step, 5);
	assert_int_equal(t->n_backups, 5);
	assert_string_equal(t->backups[0].id, "plc_program");
	/* contacts: the required ones exactly */
	for (size_t i = 0; i < t->n_contacts; i++) {
		bool want = false;

		for (size_t k = 0; k < sizeof(required) / sizeof(required[0]); k++)
			want |= strcmp(t->contacts[i].id, required[k]) == 0;
		if (t->contacts[i].required != want)
			fail_msg("contact %s required=%d", t->contacts[i].id,
			         t->contacts[i].required);
		n_req += want;
	}
	assert_int_equal(n_req, sizeof(required) / sizeof(required[0]));
	assert_int_equal(t->n_drills, 4);
	assert_string_equal(t->drills[1].id, "contact");
	assert_int_equal(t->drills[1].every_months, 6);
	/* actions by phase then order; the first response keeps the power on */
	for (size_t i = 1; i < t->n_actions; i++)
		assert_true(t->actions[i - 1].phase < t->actions[i].phase ||
		            (t->actions[i - 1].phase == t->actions[i].phase &&
		             t->actions[i - 1].order < t->actions[i].order));
	assert_string_equal(t->actions[0].id, "first.safety");
	assert_int_equal(t->actions[t->n_actions - 1].phase, MK_BCP_AFTER);
	for (size_t i = 0; i < t->n_actions; i++)
		if (strcmp(t->actions[i].id, "first.isolate") == 0)
			isolate = strstr(t->actions[i].text.ja,
			                 "電源は切らずに、LANケーブルを抜いて") != NULL;
	assert_true(isolate);
	/* derive */
	assert_true(t->derive.critical[MK_ROLE_PLC] && t->derive.critical[MK_ROLE_HMI] &&
	            t->derive.critical[MK_ROLE_SCADA_SERVER] &&
	            t->derive.critical[MK_ROLE_HISTORIAN] &&
	            t->derive.critical[MK_ROLE_ENGINEERING_WORKSTATION]);
	assert_false(t->derive.critical[MK_ROLE_SERVER] || t->derive.critical[MK_ROLE_OFFICE_PC]);
	assert_true(t->derive.isolation[MK_ROLE_ROUTER] &&
	            t->derive.isolation[MK_ROLE_VPN_GATEWAY] &&
	            t->derive.isolation[MK_ROLE_WIFI_AP]);
	assert_int_equal(t->derive.n_tiers, 5);
	assert_int_equal(t->derive.tier[MK_ROLE_ROUTER], 1);
	assert_int_equal(t->derive.tier[MK_ROLE_SERVER], 2);
	assert_int_equal(t->derive.tier[MK_ROLE_PLC], 3);
	assert_int_equal(t->derive.tier[MK_ROLE_SCADA_SERVER], 4);
	assert_int_equal(t->derive.tier[MK_ROLE_ENGINEERING_WORKSTATION], 5);
	assert_int_equal(t->derive.tier[MK_ROLE_OFFICE_PC], 6);
	assert_int_equal(t->derive.months, 12);
	assert_int_equal(t->derive.probe_packets, 3);
	assert_int_equal(t->derive.min_confidence, 50);
	for (unsigned g = 0; g < MK_GAP_COUNT; g++)
		assert_string_equal(t->gaps[g].id, mk_bcp_gap_name(g));
	assert_int_equal(t->gaps[MK_GAP_NO_ISOLATION].severity, MK_SEV_HIGH);
}

/* Every alert type a sign names is one mieruka raises (data/rules/alerts.tsv). */
static void test_sign_alert_types(void **state)
{
	char *tsv = read_text(MK_TEST_SRCDIR "/data/rules/alerts.tsv");
	const struct mk_bcp_tpl *t = kb->bcp;
	size_t n_cyber = 0, n_fault = 0, n_named = 0;

	(void)state;
	assert_non_null(tsv);
	for (size_t i = 0; i < t->n_signs; i++) {
		n_cyber += t->signs[i].kind == MK_BCP_SIGN_CYBER;
		n_fault += t->signs[i].kind == MK_BCP_SIGN_FAULT;
		for (size_t k = 0; k < t->signs[i].n_alerts; k++) {
			char want[64];

			snprintf(want, sizeof(want), "\n%s\t", t->signs[i].alerts[k]);
			if (strstr(tsv, want) == NULL)
				fail_msg("sign %s: %s is not in alerts.tsv", t->signs[i].id,
				         t->signs[i].alerts[k]);
			n_named++;
		}
	}
	assert_true(n_cyber >= 5);
	assert_true(n_fault >= 3);
	assert_true(n_named >= 15);
	free(tsv);
}

static void test_template_errors(void **state)
{
	static const struct {
		const char *from, *to, *want;
	} cases[] = {
	    {"[bcp_derive main]", "[bcp_derive other]", "bcp_derive: the only id is main"},
	    {"kind: number\nlabel.ja: 止まってもよい時間",
	     "kind: text\nlabel.ja: 止まってもよい時間",
	     "kind: systems.rto_hours is a number in the BCP entries"},
	    {"[bcp_field systems.line]", "[bcp_field systems.lines]",
	     "bcp_field systems.lines: the BCP entries have no such member"},
	    {"[bcp_field roles.deputy]\nkind: text\nlabel.ja: 代わりの人\nlabel.en: Deputy\n"
	     "sources: ict_bcp\nconfidence: S\n",
	     "", "no bcp_field for the BCP entries' member roles.deputy"},
	    {"[bcp_field roles.deputy]", "[bcp_fields roles.deputy]", "unknown kind"},
	    {"step: policy\nkind: text\nlabel.ja: 会社名",
	     "step: nowhere\nkind: text\nlabel.ja: 会社名", "step: no bcp_step nowhere"},
	    {"[bcp_field systems.name]\nkind: text",
	     "[bcp_field systems.name]\nstep: prepare\nkind: text",
	     "step: a column takes the step of its table systems"},
	    {"\nchoices: backup\n", "\nchoices: drill\n",
	     "choices: systems.backups.what chooses from backup"},
	    {"[bcp_gap not_reviewed]", "[bcp_gap not_reviewed_x]",
	     "bcp_gap not_reviewed_x: no such gap rule in the code"},
	    {"[bcp_gap drill_never]\nseverity: low\ntext.ja: {drill}をまだ一度も行っていません。\n"
	     "text.en: The {drill} has never been held.\nsources: mieruka\nconfidence: P\n",
	     "", "missing bcp_gap drill_never"},
	    {"tier.5: engineering_workstation", "tier.5: engineering_workstation, plc",
	     "tier.5: role plc is already in tier 3"},
	    {"isolation_roles: router, vpn_gateway, wifi_ap", "isolation_roles: router, firewall",
	     "isolation_roles: unknown role firewall"},
	    {"tier.1: router", "tier.0: router", "missing tier.1"},
	    {"order: 6\ntitle.ja: 訓練", "order: 7\ntitle.ja: 訓練",
	     "the bcp_step orders must be 1..6, each once (step drill has 7)"},
	    {"months: 12", "months: 12\nmonth: 12", "unknown key month"},
	    {"title.en: Drill and improve\n", "", "missing title.en"},
	    {"alerts: scan_hosts, scan_ports", "alerts: Scan-Hosts, scan_ports",
	     "alerts: Scan-Hosts is not an alert type"},
	    {"phase: first\norder: 2", "phase: first\norder: 1",
	     "order: 1 is already first.safety's"},
	    {"phase: first\norder: 2", "phase: later\norder: 2", "phase: \"later\" is not one of"},
	    {"required: yes\nname.ja: 警察", "required: maybe\nname.ja: 警察",
	     "required: \"maybe\" is not one of no, yes"},
	    {"every_months: 6", "every_months: 0",
	     "every_months must be a whole number from 1 to 120"},
	    {"severity: high\ntext.ja: 「{name}」のバックアップがありません",
	     "severity: critical\ntext.ja: 「{name}」のバックアップがありません",
	     "severity: \"critical\" is not one of low, medium, high"},
	    {"sources: mieruka, ict_bcp\nconfidence: P\n\n# ----",
	     "sources: nobody\nconfidence: P\n\n# ----", "sources: no [source nobody]"},
	    {"[bcp_sign scan]", "[bcp_sign ransom_note]", "already defined"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mk_kb *k = NULL;
		char err[512] = "";

		if (load(cases[i].from, cases[i].to, &k, err, sizeof(err)) == 0) {
			mk_kb_free(k);
			fail_msg("case %zu loaded (want: %s)", i, cases[i].want);
		}
		if (strstr(err, cases[i].want) == NULL || strncmp(err, "zz-extra.kb:", 12) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
	}
}

/* The error names the stanza's file and line. */
static void test_template_error_line(void **state)
{
	char *text = bcp_text("[bcp_derive main]", "[bcp_derive other]");
	const char *at = strstr(text, "[bcp_derive other]");
	unsigned line = 1;
	char want[64], err[512] = "";
	struct mk_kb *k = NULL;

	(void)state;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	free(text);
	assert_int_equal(load("[bcp_derive main]", "[bcp_derive other]", &k, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "zz-extra.kb:%u: ", line);
	assert_true(strncmp(err, want, strlen(want)) == 0);
}

/* ---- dates ---- */

static struct mk_bcp_date date(const char *s)
{
	struct mk_bcp_date d;

	assert_true(mk_bcp_date_parse(s, &d));
	return d;
}

static void test_dates(void **state)
{
	struct mk_bcp_date d, m;
	char buf[16];

	(void)state;
	d = date("2024-02-29");
	m = mk_bcp_date_minus_months(d, 12);
	assert_string_equal(mk_bcp_date_str(&m, buf, sizeof(buf)), "2023-02-28");
	m = mk_bcp_date_minus_months(date("2026-03-31"), 1);
	assert_string_equal(mk_bcp_date_str(&m, buf, sizeof(buf)), "2026-02-28");
	m = mk_bcp_date_minus_months(date("2026-01-15"), 13);
	assert_string_equal(mk_bcp_date_str(&m, buf, sizeof(buf)), "2024-12-15");
	m = mk_bcp_date_plus_days(date("2024-12-31"), 1);
	assert_string_equal(mk_bcp_date_str(&m, buf, sizeof(buf)), "2025-01-01");
	m = mk_bcp_date_of(1773144000ull * 1000000000ull); /* 2026-03-10T12:00:00Z */
	assert_string_equal(mk_bcp_date_str(&m, buf, sizeof(buf)), "2026-03-10");
	assert_false(mk_bcp_date_parse("2025-02-29", &d));
	assert_true(mk_bcp_date_parse("2024-02-29", &d));
	assert_false(mk_bcp_date_parse("2025-13-01", &d));
	assert_false(mk_bcp_date_parse("2025-1-01", &d));
	assert_false(mk_bcp_date_parse("2025/01/01", &d));
	assert_false(mk_bcp_date_parse("2025-01-01T00", &d));
	assert_false(mk_bcp_date_parse("1899-12-31", &d));
	assert_false(mk_bcp_date_parse("", &d));
}

/* ---- a hand-made report ---- */

#define NOW_NS (1773144000ull * 1000000000ull) /* 2026-03-10T12:00:00Z */

struct fx {
	struct mk_asset_rec assets[16];
	struct mk_addr ips[16];
	struct mk_role_rec roles[16];
	struct mk_name_rec names[16];
	char name_text[16][32];
	struct mk_conv_rec convs[32];
	struct mk_alert_rec alerts[8];
	struct mk_report r;
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->r.assets = f->assets;
	f->r.convs = f->convs;
	f->r.alerts = f->alerts;
}

static void add_asset(struct fx *f, const char *id, const char *ip, int role, int conf,
                      const char *name)
{
	size_t i = f->r.n_assets++;
	struct mk_asset_rec *a = &f->assets[i];

	snprintf(a->id, sizeof(a->id), "%s", id);
	assert_true(mk_addr_parse(&f->ips[i], ip));
	a->ips = &f->ips[i];
	a->n_ips = 1;
	if (role >= 0) {
		f->roles[i].role = (uint8_t)role;
		f->roles[i].confidence = (uint8_t)conf;
		a->roles = &f->roles[i];
		a->n_roles = 1;
	}
	if (name != NULL) {
		snprintf(f->name_text[i], sizeof(f->name_text[i]), "%s", name);
		f->names[i].name = f->name_text[i];
		a->names = &f->names[i];
		a->n_names = 1;
	}
}

static void add_conv(struct fx *f, const char *client, const char *server, int proto,
                     uint64_t packets, uint64_t flows)
{
	struct mk_conv_rec *c = &f->convs[f->r.n_convs++];

	assert_true(mk_addr_parse(&c->client, client));
	assert_true(mk_addr_parse(&c->server, server));
	c->transport = 6;
	c->proto = (uint16_t)proto;
	c->packets = packets;
	c->flows = flows;
}

static void add_alert(struct fx *f, const char *type, int status)
{
	struct mk_alert_rec *a = &f->alerts[f->r.n_alerts++];

	snprintf(a->type, sizeof(a->type), "%s", type);
	a->status = (uint8_t)status;
}

/* A small factory: a router, a server, three PLCs, SCADA, an HMI, an
 * engineering PC, an office PC and a printer. */
static void factory(struct fx *f)
{
	fx_init(f);
	add_asset(f, "m-router", "10.0.0.1", MK_ROLE_ROUTER, 90, NULL);
	add_asset(f, "m-srv", "10.0.0.10", MK_ROLE_SERVER, 60, "FILESRV");
	add_asset(f, "m-plc-b", "10.0.0.22", MK_ROLE_PLC, 80, NULL);
	add_asset(f, "m-plc-a", "10.0.0.21", MK_ROLE_PLC, 80, "PRESS-PLC");
	add_asset(f, "m-plc-c", "10.0.0.23", MK_ROLE_PLC, 50, NULL);
	add_asset(f, "m-scada", "10.0.0.30", MK_ROLE_SCADA_SERVER, 70, "SCADA");
	add_asset(f, "m-hmi", "10.0.0.31", MK_ROLE_HMI, 70, NULL);
	add_asset(f, "m-ews", "10.0.0.40", MK_ROLE_ENGINEERING_WORKSTATION, 60, "EWS");
	add_asset(f, "m-office", "10.0.0.50", MK_ROLE_OFFICE_PC, 40, "JIMU-PC");
	add_asset(f, "m-printer", "10.0.0.60", MK_ROLE_PRINTER, 85, NULL);
	add_asset(f, "m-weak", "10.0.0.70", MK_ROLE_PLC, 49, NULL); /* below min_confidence */
	/* dependencies: a client on its server */
	add_conv(f, "10.0.0.30", "10.0.0.21", MK_PROTO_MODBUS, 2000, 1);
	add_conv(f, "10.0.0.30", "10.0.0.22", MK_PROTO_MODBUS, 2000, 1);
	add_conv(f, "10.0.0.30", "10.0.0.23", MK_PROTO_MODBUS, 2000, 1);
	add_conv(f, "10.0.0.22", "10.0.0.30", MK_PROTO_UNKNOWN, 400,
	         2); /* the PLC pushes: a cycle */
	add_conv(f, "10.0.0.31", "10.0.0.30", MK_PROTO_OPCUA, 900, 3);
	add_conv(f, "10.0.0.30", "10.0.0.10", MK_PROTO_UNKNOWN, 40, 4); /* 10 per connection */
	add_conv(f, "10.0.0.40", "10.0.0.21", MK_PROTO_S7COMM, 50, 1);
	add_conv(f, "10.0.0.10", "10.0.0.1", MK_PROTO_DNS, 2, 1);
	/* no dependencies: probes, the office, outside */
	add_conv(f, "10.0.0.40", "10.0.0.60", MK_PROTO_UNKNOWN, 3, 1);   /* a port probe */
	add_conv(f, "10.0.0.30", "10.0.0.70", MK_PROTO_UNKNOWN, 30, 10); /* a sweep */
	add_conv(f, "10.0.0.50", "10.0.0.10", MK_PROTO_SMB, 300, 5);
	add_conv(f, "10.0.0.50", "10.0.0.60", MK_PROTO_JETDIRECT, 30, 1);
	add_conv(f, "10.0.0.40", "203.0.113.9", MK_PROTO_TLS, 30, 1);
	add_conv(f, "10.0.0.21", "10.0.0.21", MK_PROTO_MODBUS, 30, 1); /* itself */
}

static struct mk_bcp_doc *run(const char *json, const struct mk_report *r, uint64_t now)
{
	struct mk_assessment as = {.kb = kb, .at_ns = now};
	struct mk_answers a = {.bcp_json = (char *)json};
	char err[512] = "";

	if (mk_assess_bcp(&as, &a, r, err, sizeof(err)) != 0)
		fail_msg("mk_assess_bcp: %s", err);
	assert_non_null(as.bcp);
	return as.bcp;
}

static const char *order_ids(const struct mk_bcp_doc *d, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < d->n_order; i++) {
		const struct mk_bcp_system *s = &d->systems[d->order[i].system];
		size_t l = strlen(buf);

		snprintf(buf + l, len - l, "%s%s%s", i > 0 ? " " : "",
		         s->asset != NULL ? s->asset : s->name, d->order[i].cycle ? "*" : "");
	}
	return buf;
}

static size_t system_of(const struct mk_bcp_doc *d, const char *asset)
{
	for (size_t i = 0; i < d->n_systems; i++)
		if (d->systems[i].asset != NULL && strcmp(d->systems[i].asset, asset) == 0)
			return i;
	return MK_BCP_NONE;
}

static void test_candidates_and_order(void **state)
{
	struct fx f;
	struct mk_bcp_doc *d;
	char buf[512];
	const struct mk_bcp_system *s;

	(void)state;
	factory(&f);
	d = run(NULL, &f.r, NOW_NS);
	/* candidates by tier then id: router, srv, plcs, hmi/scada, ews */
	assert_int_equal(d->n_systems, 8);
	assert_string_equal(d->systems[0].asset, "m-router");
	assert_int_equal(d->systems[0].why, MK_BCP_WHY_DEPENDENCY);
	assert_string_equal(d->systems[1].asset, "m-srv");
	assert_int_equal(d->systems[1].why, MK_BCP_WHY_DEPENDENCY);
	assert_string_equal(d->systems[2].asset, "m-plc-a");
	assert_int_equal(d->systems[2].why, MK_BCP_WHY_ROLE);
	assert_string_equal(d->systems[3].asset, "m-plc-b");
	assert_string_equal(d->systems[4].asset, "m-plc-c");
	assert_string_equal(d->systems[5].asset, "m-hmi");
	assert_string_equal(d->systems[6].asset, "m-scada");
	assert_string_equal(d->systems[7].asset, "m-ews");
	assert_int_equal(system_of(d, "m-office"), MK_BCP_NONE);
	assert_int_equal(system_of(d, "m-printer"), MK_BCP_NONE);
	assert_int_equal(system_of(d, "m-weak"), MK_BCP_NONE);
	/* names and addresses from the ledger */
	assert_string_equal(d->systems[2].name, "PRESS-PLC");
	assert_string_equal(d->systems[3].name, "10.0.0.22");
	assert_string_equal(d->systems[3].address, "10.0.0.22");
	assert_int_equal(d->systems[6].role, MK_ROLE_SCADA_SERVER);
	assert_false(d->systems[0].entered);
	assert_true(d->systems[0].critical);
	/* dependencies (system indexes, ascending) */
	s = &d->systems[6];
	assert_int_equal(s->n_depends, 4);
	assert_int_equal(s->depends_on[0], 1);
	assert_int_equal(s->depends_on[1], 2);
	assert_int_equal(s->depends_on[2], 3);
	assert_int_equal(s->depends_on[3], 4);
	assert_int_equal(d->systems[3].n_depends, 1); /* plc-b on scada */
	assert_int_equal(d->systems[3].depends_on[0], 6);
	assert_int_equal(d->systems[7].n_depends, 1); /* ews on plc-a only: not the probe */
	assert_int_equal(d->systems[1].n_depends, 1); /* srv on the router */
	assert_int_equal(d->systems[0].n_depends, 0);
	/* server before client; tiers, then ids; the plc-b <-> scada cycle is
	 * broken at plc-b (a controller ranks before SCADA and the engineering
	 * PC that is ready earlier) */
	assert_string_equal(order_ids(d, buf, sizeof(buf)),
	                    "m-router m-srv m-plc-a m-plc-c m-plc-b* m-scada m-hmi m-ews");
	mk_bcp_doc_free(d);
}

static void test_order_with_entries(void **state)
{
	struct fx f;
	struct mk_bcp_doc *d;
	char buf[512];

	(void)state;
	factory(&f);
	/* the user: the office PC is critical (so the server it uses too), the
	 * HMI is not, and a paper process without a device */
	d = run("{\"systems\": [{\"asset\": \"m-office\", \"name\": \"受注PC\"},"
	        " {\"asset\": \"m-hmi\", \"critical\": false},"
	        " {\"name\": \"Line 3\"}]}",
	        &f.r, NOW_NS);
	assert_int_equal(d->n_systems,
	                 11); /* 3 entered, 8 candidates (the printer: the PC prints) */
	assert_true(d->systems[0].entered);
	assert_string_equal(d->systems[0].name, "受注PC");
	assert_string_equal(d->systems[0].address, "10.0.0.50");
	assert_int_equal(d->systems[0].why, MK_BCP_WHY_NONE);
	assert_string_equal(d->systems[1].name, "10.0.0.31"); /* the ledger's */
	assert_int_equal(d->systems[1].why, MK_BCP_WHY_ROLE);
	assert_false(d->systems[1].critical);
	assert_null(d->systems[2].asset);
	assert_int_equal(d->systems[2].asset_index, MK_BCP_NONE);
	/* the office PC (tier 6) waits on the server; Line 3 (no device, no
	 * address) after the systems of its tier that have one; the HMI is not
	 * critical: no place in the order */
	assert_string_equal(
	    order_ids(d, buf, sizeof(buf)),
	    "m-router m-srv m-plc-a m-plc-c m-plc-b* m-scada m-ews m-printer m-office Line 3");
	mk_bcp_doc_free(d);
}

/* Without a report: only the entries, in tier order "none", by name. */
static void test_order_without_report(void **state)
{
	struct mk_bcp_doc *d;
	char buf[256];

	(void)state;
	d = run("{\"systems\": [{\"name\": \"b\"}, {\"name\": \"a\"}, {\"asset\": \"m-x\"}]}", NULL,
	        NOW_NS);
	assert_int_equal(d->n_systems, 3);
	assert_string_equal(d->systems[2].name, "m-x");
	assert_string_equal(order_ids(d, buf, sizeof(buf)), "a b m-x");
	assert_int_equal(d->n_isolation, 0);
	mk_bcp_doc_free(d);
}

/* A cycle of three with nothing ready: broken at the best-ranked member. */
static void test_order_cycle_only(void **state)
{
	struct fx f;
	struct mk_bcp_doc *d;
	char buf[256];

	(void)state;
	fx_init(&f);
	add_asset(&f, "m-c", "10.0.0.3", MK_ROLE_HMI, 90, NULL);
	add_asset(&f, "m-b", "10.0.0.2", MK_ROLE_PLC, 90, NULL);
	add_asset(&f, "m-a", "10.0.0.1", MK_ROLE_HMI, 90, NULL);
	add_conv(&f, "10.0.0.1", "10.0.0.2", MK_PROTO_MODBUS, 10, 1); /* a on b */
	add_conv(&f, "10.0.0.2", "10.0.0.3", MK_PROTO_MODBUS, 10, 1); /* b on c */
	add_conv(&f, "10.0.0.3", "10.0.0.1", MK_PROTO_MODBUS, 10, 1); /* c on a */
	d = run(NULL, &f.r, NOW_NS);
	/* b (a PLC) first although it waits on c; then a (it waited on b only),
	 * then c */
	assert_string_equal(order_ids(d, buf, sizeof(buf)), "m-b* m-a m-c");
	mk_bcp_doc_free(d);
}

static void test_isolation_and_signs(void **state)
{
	struct fx f;
	struct mk_bcp_doc *d;
	struct mk_zones *z;
	char err[256] = "";
	const char *zones = "zone\toffice\t事務所\nsubnet\toffice\t10.0.1.0/24\n"
	                    "zone\tline\tライン\nsubnet\tline\t10.0.2.0/24\n"
	                    "zone\tmaint\t保守\nsubnet\tmaint\t10.0.3.0/24\n";

	(void)state;
	fx_init(&f);
	add_asset(&f, "m-a-router", "10.0.1.1", MK_ROLE_ROUTER, 90, "RTX");
	add_asset(&f, "m-b-vpn", "10.0.3.1", MK_ROLE_VPN_GATEWAY, 60, NULL);
	add_asset(&f, "m-c-ap", "10.0.1.2", MK_ROLE_WIFI_AP, 40, NULL); /* too unsure */
	add_asset(&f, "m-d-pc", "10.0.1.50", MK_ROLE_OFFICE_PC, 40, NULL);
	add_asset(&f, "m-e-plc", "10.0.2.10", MK_ROLE_PLC, 90, NULL);
	add_asset(&f, "m-f-pc", "10.0.3.50", MK_ROLE_OFFICE_PC, 40, NULL);
	add_conv(&f, "10.0.1.50", "10.0.2.10", MK_PROTO_MODBUS, 10, 1);
	add_conv(&f, "10.0.1.50", "10.0.2.10", MK_PROTO_S7COMM, 10, 1);
	add_conv(&f, "10.0.3.50", "10.0.2.10", MK_PROTO_MODBUS, 10, 1);
	add_conv(&f, "10.0.2.10", "10.0.1.50", MK_PROTO_UNKNOWN, 2, 1); /* probes cross too */
	add_conv(&f, "10.0.1.50", "10.0.1.1", MK_PROTO_DNS, 2, 1);      /* within a zone */
	add_alert(&f, "scan_hosts", MK_ALERT_OPEN);
	add_alert(&f, "scan_ports", MK_ALERT_ACKNOWLEDGED);
	add_alert(&f, "plc_program", MK_ALERT_PLANNED);
	add_alert(&f, "plc_control", MK_ALERT_OPEN);
	add_alert(&f, "new_device", MK_ALERT_ACCEPTED);
	z = mk_zones_parse(zones, strlen(zones), "z", err, sizeof(err));
	assert_non_null(z);
	assert_int_equal(mk_report_set_zones(&f.r, z), 0);
	d = run("{\"isolation_points\": [{\"where\": \"事務所ラック\", \"device\": \"WAN\"}]}",
	        &f.r, NOW_NS);
	assert_int_equal(d->n_isolation, 5);
	assert_int_equal(d->isolation[0].kind, MK_BCP_ISO_ENTERED);
	assert_string_equal(d->isolation[0].where, "事務所ラック");
	assert_string_equal(d->isolation[0].how, "");
	assert_int_equal(d->isolation[1].kind, MK_BCP_ISO_DEVICE);
	assert_string_equal(d->isolation[1].asset, "m-a-router");
	assert_string_equal(d->isolation[1].name, "RTX");
	assert_int_equal(d->isolation[1].role, MK_ROLE_ROUTER);
	assert_string_equal(d->isolation[2].asset, "m-b-vpn");
	assert_int_equal(d->isolation[3].kind, MK_BCP_ISO_ZONES);
	assert_string_equal(d->isolation[3].zone_id[0], "office");
	assert_string_equal(d->isolation[3].zone_name[1], "ライン");
	assert_int_equal(d->isolation[3].conversations, 3);
	assert_string_equal(d->isolation[4].zone_id[0], "line");
	assert_string_equal(d->isolation[4].zone_id[1], "maint");
	assert_int_equal(d->isolation[4].conversations, 1);
	/* signs: open and acknowledged alerts only */
	for (size_t i = 0; i < kb->bcp->n_signs; i++) {
		const char *id = kb->bcp->signs[i].id;
		size_t want = strcmp(id, "scan") == 0 ? 2 : strcmp(id, "plc_change") == 0 ? 1 : 0;

		if (d->sign_seen[i] != want)
			fail_msg("sign %s seen %zu, want %zu", id, d->sign_seen[i], want);
	}
	mk_bcp_doc_free(d);
	mk_zones_free(f.r.zones);
	free(f.r.asset_zone);
}

/* ---- entries ---- */

static const char FULL[] =
    "{\"company\": {\"name\": \"山田製作所\", \"site\": \"本社工場\", \"author\": \"山田\","
    " \"approved_by\": \"社長\", \"reviewed\": \"2025-10-01\"},"
    " \"policy\": \"人の安全を第一に\", \"existing_bcp\": \"地震BCP\", \"decision_by\": \"工場長\","
    " \"systems\": [{\"asset\": \"m-plc-a\", \"name\": \"プレス\", \"line\": \"1号\","
    "   \"critical\": true, \"rto_hours\": 8, \"rpo_hours\": 0.5, \"manual_fallback\": \"手動\","
    "   \"backups\": [{\"what\": \"plc_program\", \"where\": \"金庫のUSB\", \"when\": \"変更時\","
    "     \"offline\": true, \"restore_tested\": \"2025-09-01\"}]}],"
    " \"isolation_points\": [{\"where\": \"ラック\", \"device\": \"ルーター\", \"how\": \"抜く\"}],"
    " \"roles\": [{\"role\": \"責任者\", \"name\": \"社長\", \"deputy\": \"専務\", \"phone\": "
    "\"090\"}],"
    " \"contacts\": ["
    "  {\"category\": \"internal\", \"org\": \"社内\", \"phone\": \"1\"},"
    "  {\"category\": \"vendor\", \"org\": \"A社\", \"phone\": \"2\", \"email\": \"a@example.jp\","
    "   \"name\": \"佐藤\", \"note\": \"契約123\"},"
    "  {\"category\": \"it_vendor\", \"email\": \"it@example.jp\"},"
    "  {\"category\": \"isp\", \"phone\": \"4\"}, {\"category\": \"police\", \"phone\": \"5\"},"
    "  {\"category\": \"ipa_jpcert\", \"phone\": \"6\"}, {\"category\": \"customer\", \"phone\": "
    "\"7\"}],"
    " \"drills\": [{\"type\": \"tabletop\", \"every_months\": 12, \"last_done\": \"2025-11-01\"},"
    "  {\"type\": \"contact\", \"last_done\": \"2025-12-01\"}]}";

static void test_entries(void **state)
{
	struct mk_bcp_doc *d;
	const struct mk_bcp_system *s;
	char buf[16];

	(void)state;
	d = run(FULL, NULL, NOW_NS);
	assert_true(d->has_entries);
	assert_string_equal(d->company_name, "山田製作所");
	assert_string_equal(d->company_approved_by, "社長");
	assert_string_equal(mk_bcp_date_str(&d->company_reviewed, buf, sizeof(buf)), "2025-10-01");
	assert_string_equal(d->decision_by, "工場長");
	assert_int_equal(d->n_systems, 1);
	s = &d->systems[0];
	assert_string_equal(s->asset, "m-plc-a");
	assert_string_equal(s->name, "プレス");
	assert_string_equal(s->line, "1号");
	assert_true(s->has_rto && s->rto_hours == 8.0);
	assert_true(s->has_rpo && s->rpo_hours == 0.5);
	assert_int_equal(s->n_backups, 1);
	assert_int_equal(s->backups[0].what, 0);
	assert_true(s->backups[0].offline);
	assert_string_equal(s->backups[0].where, "金庫のUSB");
	assert_string_equal(mk_bcp_date_str(&s->backups[0].restore_tested, buf, sizeof(buf)),
	                    "2025-09-01");
	assert_int_equal(d->n_isolation, 1);
	assert_int_equal(d->n_roles, 1);
	assert_string_equal(d->roles[0].deputy, "専務");
	assert_int_equal(d->n_contacts, 7);
	assert_string_equal(kb->bcp->contacts[d->contacts[1].category].id, "vendor");
	assert_string_equal(d->contacts[1].note, "契約123");
	assert_int_equal(d->n_drills, 2);
	assert_int_equal(d->drills[0].every_months, 12);
	assert_true(d->drills[0].every_given);
	assert_int_equal(d->drills[1].every_months, 6); /* the template's */
	assert_false(d->drills[1].every_given);
	/* a complete plan has no gaps (the asset is not checked without a report) */
	for (size_t i = 0; i < d->n_gaps; i++)
		fail_msg("gap %s: %s", mk_bcp_gap_name(d->gaps[i].rule), d->gaps[i].text_en);
	mk_bcp_doc_free(d);
	/* empty entries */
	d = run("{}", NULL, NOW_NS);
	assert_true(d->has_entries);
	assert_string_equal(d->policy, "");
	mk_bcp_doc_free(d);
	d = run(NULL, NULL, NOW_NS);
	assert_false(d->has_entries);
	mk_bcp_doc_free(d);
}

static void test_entry_errors(void **state)
{
	char big[6000], many[16000];
	const struct {
		const char *json, *want;
	} cases[] = {
	    {"[1]", "bcp: an object { ... } is needed"},
	    {"{\"colour\": 1}",
	     "bcp.colour: unknown member (allowed: company, policy, existing_bcp, "
	     "decision_by, systems, isolation_points, roles, contacts, drills)"},
	    {"{\"company\": \"x\"}", "bcp.company: an object { ... } is needed"},
	    {"{\"company\": {\"city\": \"x\"}}", "bcp.company.city: unknown member (allowed: name, "
	                                         "site, author, approved_by, reviewed)"},
	    {"{\"company\": {\"reviewed\": \"2025-02-30\"}}",
	     "bcp.company.reviewed: a date like 2025-04-01 is needed"},
	    {"{\"policy\": 3}", "bcp.policy: a text in double quotes is needed"},
	    {"{\"systems\": {}}", "bcp.systems: a list [ ... ] is needed"},
	    {"{\"systems\": [1]}", "bcp.systems[0]: an object { ... } is needed"},
	    {"{\"systems\": [{}]}", "bcp.systems[0]: a name or a device (asset) is needed"},
	    {"{\"systems\": [{\"name\": \"a\"}, {\"name\": \"b\", \"rto_hours\": \"4\"}]}",
	     "bcp.systems[1].rto_hours: a number of hours is needed (0 to 87600)"},
	    {"{\"systems\": [{\"name\": \"a\", \"rpo_hours\": -1}]}",
	     "bcp.systems[0].rpo_hours: a number of hours is needed (0 to 87600)"},
	    {"{\"systems\": [{\"name\": \"a\", \"rto_hours\": 87601}]}",
	     "bcp.systems[0].rto_hours: a number of hours is needed (0 to 87600)"},
	    {"{\"systems\": [{\"name\": \"a\", \"critical\": \"yes\"}]}",
	     "bcp.systems[0].critical: true or false is needed"},
	    {"{\"systems\": [{\"asset\": \"m-1 2\"}]}",
	     "bcp.systems[0].asset: a device id from the ledger is needed (like m-001b1b123456)"},
	    {"{\"systems\": [{\"asset\": 5}]}",
	     "bcp.systems[0].asset: a device id from the ledger is needed (like m-001b1b123456)"},
	    {"{\"systems\": [{\"asset\": \"m-1\"}, {\"name\": \"x\"}, {\"asset\": \"m-1\"}]}",
	     "bcp.systems[2].asset: this device is already listed in bcp.systems[0]"},
	    {"{\"systems\": [{\"name\": \"a\", \"rto\": 4}]}",
	     "bcp.systems[0].rto: unknown member (allowed: asset, name, line, critical, rto_hours, "
	     "rpo_hours, manual_fallback, backups)"},
	    {"{\"systems\": [{\"name\": \"a\", \"backups\": [{}]}]}",
	     "bcp.systems[0].backups[0].what: this member is needed"},
	    {"{\"systems\": [{\"name\": \"a\", \"backups\": [{\"what\": \"recipes\"}]}]}",
	     "bcp.systems[0].backups[0].what: unknown value (allowed: plc_program, hmi_project, "
	     "config, data, os_image)"},
	    {"{\"systems\": [{\"name\": \"a\", \"backups\": [{\"what\": \"data\", \"offline\": "
	     "1}]}]}",
	     "bcp.systems[0].backups[0].offline: true or false is needed"},
	    {"{\"systems\": [{\"name\": \"a\", \"backups\": [{\"what\": \"data\", "
	     "\"restore_tested\": \"2025/01/01\"}]}]}",
	     "bcp.systems[0].backups[0].restore_tested: a date like 2025-04-01 is needed"},
	    {"{\"systems\": [{\"name\": \"a\", \"backups\": [{\"what\": \"data\", "
	     "\"restore_tested\": \"2026-03-12\"}]}]}",
	     "bcp.systems[0].backups[0].restore_tested: this date is in the future"},
	    {"{\"systems\": [{\"name\": \"a\", \"backups\": [{\"what\": \"data\", \"size\": 1}]}]}",
	     "bcp.systems[0].backups[0].size: unknown member (allowed: what, where, when, offline, "
	     "restore_tested)"},
	    {"{\"isolation_points\": [{\"where\": [\"a\"]}]}",
	     "bcp.isolation_points[0].where: a text in double quotes is needed"},
	    {"{\"roles\": [{\"mobile\": \"1\"}]}",
	     "bcp.roles[0].mobile: unknown member (allowed: role, name, deputy, phone)"},
	    {"{\"contacts\": [{\"org\": \"x\"}]}",
	     "bcp.contacts[0].category: this member is needed"},
	    {"{\"contacts\": [{\"category\": \"fire\"}]}",
	     "bcp.contacts[0].category: unknown value (allowed: internal, vendor, integrator, "
	     "it_vendor, isp, insurer, police, ipa_jpcert, ppc, customer, other)"},
	    {"{\"drills\": [{\"type\": \"restore\", \"every_months\": 0}]}",
	     "bcp.drills[0].every_months: a whole number of months is needed (1 to 120)"},
	    {"{\"drills\": [{\"type\": \"restore\", \"every_months\": 1.5}]}",
	     "bcp.drills[0].every_months: a whole number of months is needed (1 to 120)"},
	    {"{\"drills\": [{\"type\": \"fire\"}]}",
	     "bcp.drills[0].type: unknown value (allowed: tabletop, contact, restore, isolation)"},
	    {"{\"drills\": [{\"type\": \"restore\", \"last_done\": \"yesterday\"}]}",
	     "bcp.drills[0].last_done: a date like 2025-04-01 is needed"},
	    {"{\"roles\": 3}", "bcp.roles: a list [ ... ] is needed"},
	    {big, "bcp.policy: too long (at most 4096 bytes)"},
	    {many, "bcp.systems: too many entries (at most 256)"},
	};
	size_t o;

	(void)state;
	memset(big, 0, sizeof(big));
	strcpy(big, "{\"policy\": \"");
	memset(big + strlen(big), 'x', 4097);
	strcat(big, "\"}");
	o = (size_t)snprintf(many, sizeof(many), "{\"systems\": [");
	for (int i = 0; i < 257; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "%s{\"name\": \"s\"}",
		                      i ? "," : "");
	snprintf(many + o, sizeof(many) - o, "]}");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mk_assessment as = {.kb = kb, .at_ns = NOW_NS};
		struct mk_answers a = {.bcp_json = (char *)cases[i].json};
		char err[1024] = "", err2[1024] = "";

		if (mk_assess_bcp(&as, &a, NULL, err, sizeof(err)) == 0) {
			mk_bcp_doc_free(as.bcp);
			fail_msg("case %zu accepted (want: %s)", i, cases[i].want);
		}
		assert_null(as.bcp);
		if (strcmp(err, cases[i].want) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, err, cases[i].want);
		/* the dashboard's check says the same */
		assert_int_equal(mk_bcp_validate(kb, cases[i].json, strlen(cases[i].json), NOW_NS,
		                                 err2, sizeof(err2)),
		                 -1);
		assert_string_equal(err2, err);
	}
}

static int vj(const char *json, uint64_t now, char *err, size_t errlen)
{
	return mk_bcp_validate(kb, json, strlen(json), now, err, errlen);
}

static void test_entry_errors_json_and_lang(void **state)
{
	char err[512] = "";

	(void)state;
	assert_int_equal(vj("{\n  \"policy\": }", NOW_NS, err, sizeof(err)), -1);
	assert_true(strncmp(err, "bcp:2:", 6) == 0);
	assert_int_equal(vj("{\"policy\": \"a\", \"policy\": \"b\"}", NOW_NS, err, sizeof(err)),
	                 -1);
	assert_true(strncmp(err, "bcp:1:", 6) == 0 && strstr(err, "duplicate") != NULL);
	/* dates: a day ahead is fine (Japan is ahead of UTC), two are not;
	 * without a clock no date is in the future */
	assert_int_equal(
	    vj("{\"company\": {\"reviewed\": \"2026-03-11\"}}", NOW_NS, err, sizeof(err)), 0);
	assert_int_equal(
	    vj("{\"company\": {\"reviewed\": \"2026-03-12\"}}", NOW_NS, err, sizeof(err)), -1);
	assert_int_equal(vj("{\"company\": {\"reviewed\": \"2099-03-12\"}}", 0, err, sizeof(err)),
	                 0);
	assert_int_equal(vj("{}", NOW_NS, err, sizeof(err)), 0);
	/* in Japanese */
	mk_i18n_set_lang(MK_LANG_JA);
	assert_int_equal(vj("{\"systems\": [{\"name\": \"a\", \"rto_hours\": \"4\"}]}", NOW_NS, err,
	                    sizeof(err)),
	                 -1);
	mk_i18n_set_lang(MK_LANG_EN);
	assert_string_equal(err,
	                    "bcp.systems[0].rto_hours: 時間数（0〜87600の数）を書いてください");
	/* without the template */
	{
		struct mk_kb none = {0};

		assert_int_equal(mk_bcp_validate(&none, "{}", 2, NOW_NS, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "no BCP template"));
	}
}

/* ---- gaps ---- */

static size_t count_gap(const struct mk_bcp_doc *d, enum mk_bcp_gap_id id)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_gaps; i++)
		n += d->gaps[i].rule == id;
	return n;
}

static const struct mk_bcp_gap *find_gap(const struct mk_bcp_doc *d, enum mk_bcp_gap_id id)
{
	for (size_t i = 0; i < d->n_gaps; i++)
		if (d->gaps[i].rule == id)
			return &d->gaps[i];
	fail_msg("no gap %s", mk_bcp_gap_name(id));
	return NULL;
}

/* FULL with the first occurrence of from replaced by to. */
static char *full_with(const char *from, const char *to)
{
	const char *at = strstr(FULL, from);
	char *out;

	if (at == NULL)
		fail_msg("not in FULL: %s", from);
	out = calloc(1, sizeof(FULL) + strlen(to));
	assert_non_null(out);
	strncat(out, FULL, (size_t)(at - FULL));
	strcat(out, to);
	strcat(out, at + strlen(from));
	return out;
}

/* Runs FULL edited; the gap fires exactly n times and nothing else fires
 * except the gaps in also (-1 terminated). */
static struct mk_bcp_doc *gap_case(const char *from, const char *to, enum mk_bcp_gap_id id,
                                   size_t n, const struct mk_report *r)
{
	char *json = full_with(from, to);
	struct mk_bcp_doc *d = run(json, r, NOW_NS);

	free(json);
	if (count_gap(d, id) != n)
		fail_msg("%s -> %s: gap %s %zu times, want %zu", from, to, mk_bcp_gap_name(id),
		         count_gap(d, id), n);
	for (size_t i = 0; i < d->n_gaps; i++)
		if (d->gaps[i].rule != id)
			fail_msg("%s -> %s: also gap %s: %s", from, to,
			         mk_bcp_gap_name(d->gaps[i].rule), d->gaps[i].text_en);
	return d;
}

static void test_gaps_systems(void **state)
{
	struct mk_bcp_doc *d;
	const struct mk_bcp_gap *g;

	(void)state;
	d = gap_case("\"rto_hours\": 8, ", "", MK_GAP_SYSTEM_NO_RTO, 1, NULL);
	g = find_gap(d, MK_GAP_SYSTEM_NO_RTO);
	assert_string_equal(g->text_en, "No tolerable downtime (RTO) is set for \"プレス\".");
	assert_string_equal(g->text_ja,
	                    "「プレス」が止まってもよい時間（目標復旧時間）が決まっていません。");
	assert_int_equal(g->system, 0);
	assert_null(g->subject);
	mk_bcp_doc_free(d);
	d = gap_case("\"rto_hours\": 8, ", "\"rto_hours\": 0, ", MK_GAP_SYSTEM_NO_RTO, 0, NULL);
	mk_bcp_doc_free(d);
	d = gap_case("\"rpo_hours\": 0.5, ", "", MK_GAP_SYSTEM_NO_RPO, 1, NULL);
	mk_bcp_doc_free(d);
	/* no backup: no_backup only (no offline or test gaps for none) */
	d = gap_case(
	    "\"backups\": [{\"what\": \"plc_program\", \"where\": \"金庫のUSB\", \"when\": "
	    "\"変更時\",     \"offline\": true, \"restore_tested\": \"2025-09-01\"}]",
	    "\"backups\": []", MK_GAP_SYSTEM_NO_BACKUP, 1, NULL);
	mk_bcp_doc_free(d);
	d = gap_case("\"offline\": true", "\"offline\": false", MK_GAP_SYSTEM_NO_OFFLINE, 1, NULL);
	mk_bcp_doc_free(d);
	d = gap_case("\"restore_tested\": \"2025-09-01\"", "\"restore_tested\": null",
	             MK_GAP_BACKUP_NEVER_TESTED, 1, NULL);
	g = find_gap(d, MK_GAP_BACKUP_NEVER_TESTED);
	assert_string_equal(g->text_en,
	                    "The PLC program backup of \"プレス\" has never been restore-tested.");
	assert_string_equal(g->subject, "plc_program");
	mk_bcp_doc_free(d);
	/* 12 months: 2025-03-10 is within, 2025-03-09 is not */
	d = gap_case("\"restore_tested\": \"2025-09-01\"", "\"restore_tested\": \"2025-03-10\"",
	             MK_GAP_BACKUP_TEST_OLD, 0, NULL);
	mk_bcp_doc_free(d);
	d = gap_case("\"restore_tested\": \"2025-09-01\"", "\"restore_tested\": \"2025-03-09\"",
	             MK_GAP_BACKUP_TEST_OLD, 1, NULL);
	g = find_gap(d, MK_GAP_BACKUP_TEST_OLD);
	assert_string_equal(g->text_ja,
	                    "「プレス」のPLCのプログラムのバックアップを最後に戻して試したのは"
	                    "2025-03-09で、12か月より前です。");
	mk_bcp_doc_free(d);
	/* a system that is not critical is not checked */
	d = gap_case("\"critical\": true, \"rto_hours\": 8, \"rpo_hours\": 0.5",
	             "\"critical\": false", MK_GAP_NO_SYSTEMS, 1, NULL);
	g = find_gap(d, MK_GAP_NO_SYSTEMS);
	assert_string_equal(g->text_en, "No critical machines or systems have been listed yet.");
	mk_bcp_doc_free(d);
	/* two backups, one offline: no offline gap; two untested: two gaps */
	d = gap_case("\"offline\": true, \"restore_tested\": \"2025-09-01\"}",
	             "\"offline\": true}, {\"what\": \"hmi_project\"}", MK_GAP_BACKUP_NEVER_TESTED,
	             2, NULL);
	mk_bcp_doc_free(d);
}

static void test_gaps_network(void **state)
{
	struct fx f;
	struct mk_bcp_doc *d;
	const struct mk_bcp_gap *g;
	char *json;

	(void)state;
	factory(&f);
	/* the entered asset is not in the ledger */
	json = full_with("\"asset\": \"m-plc-a\"", "\"asset\": \"m-gone\"");
	d = run(json, &f.r, NOW_NS);
	free(json);
	g = find_gap(d, MK_GAP_SYSTEM_ASSET_UNKNOWN);
	assert_string_equal(g->text_en,
	                    "The device of \"プレス\" (m-gone) is not in the current ledger. "
	                    "Check whether it was replaced or mistyped.");
	assert_string_equal(g->subject, "m-gone");
	/* the factory's candidates are not listed: one gap naming five and … */
	g = find_gap(d, MK_GAP_CANDIDATES_UNLISTED);
	assert_string_equal(g->text_en,
	                    "8 devices seen on the network look critical but are not in the "
	                    "plan yet (10.0.0.1, FILESRV, PRESS-PLC, 10.0.0.22, 10.0.0.23, …).");
	assert_string_equal(g->text_ja,
	                    "ネットワークで見つかった重要そうな機器8台が、まだ計画に入っていません"
	                    "（10.0.0.1、FILESRV、PRESS-PLC、10.0.0.22、10.0.0.23…）。");
	assert_int_equal(count_gap(d, MK_GAP_NO_ISOLATION), 0);
	mk_bcp_doc_free(d);
	/* with the real asset: found, the rest are still candidates */
	d = run(FULL, &f.r, NOW_NS);
	assert_int_equal(count_gap(d, MK_GAP_SYSTEM_ASSET_UNKNOWN), 0);
	g = find_gap(d, MK_GAP_CANDIDATES_UNLISTED);
	assert_non_null(strstr(g->text_en, "7 devices"));
	mk_bcp_doc_free(d);
}

/* The asset check needs a report: without one it never fires. */
static void test_gap_asset_needs_report(void **state)
{
	char *json = full_with("\"asset\": \"m-plc-a\"", "\"asset\": \"m-gone\"");
	struct mk_bcp_doc *d = run(json, NULL, NOW_NS);

	(void)state;
	free(json);
	assert_int_equal(count_gap(d, MK_GAP_SYSTEM_ASSET_UNKNOWN), 0);
	assert_int_equal(d->n_gaps, 0);
	mk_bcp_doc_free(d);
}

static void test_gaps_rest(void **state)
{
	struct mk_bcp_doc *d;
	const struct mk_bcp_gap *g;

	(void)state;
	d = gap_case("\"isolation_points\": [{\"where\": \"ラック\", \"device\": \"ルーター\", "
	             "\"how\": \"抜く\"}]",
	             "\"isolation_points\": []", MK_GAP_NO_ISOLATION, 1, NULL);
	g = find_gap(d, MK_GAP_NO_ISOLATION);
	assert_string_equal(g->text_ja, "ネットワークを切り離す場所が決まっていません（ネットワーク"
	                                "で見つかった候補：0か所）。");
	mk_bcp_doc_free(d);
	d = gap_case("\"name\": \"社長\", \"deputy\"", "\"name\": \"\", \"deputy\"",
	             MK_GAP_NO_ROLES, 1, NULL);
	mk_bcp_doc_free(d);
	/* a contact needs a phone or an e-mail; not required ones never fire */
	d = gap_case("{\"category\": \"isp\", \"phone\": \"4\"}",
	             "{\"category\": \"isp\", \"org\": \"NTT\"}", MK_GAP_CONTACT_MISSING, 1, NULL);
	g = find_gap(d, MK_GAP_CONTACT_MISSING);
	assert_string_equal(g->subject, "isp");
	assert_string_equal(
	    g->text_en, "There is no phone number or e-mail for \"Internet service provider\".");
	mk_bcp_doc_free(d);
	d = gap_case(
	    "{\"category\": \"police\", \"phone\": \"5\"},  {\"category\": \"ipa_jpcert\", "
	    "\"phone\": \"6\"},",
	    "{\"category\": \"ppc\"},", MK_GAP_CONTACT_MISSING, 2, NULL);
	assert_string_equal(d->gaps[0].subject, "police");
	assert_string_equal(d->gaps[1].subject, "ipa_jpcert");
	mk_bcp_doc_free(d);
	/* drills: the tabletop of 2025-11-01 keeps no_drill silent; move both
	 * out of the 12 months (boundary 2025-03-10) */
	d = gap_case("\"last_done\": \"2025-11-01\"},  {\"type\": \"contact\", \"last_done\": "
	             "\"2025-12-01\"}",
	             "\"last_done\": \"2025-03-10\"}", MK_GAP_NO_DRILL, 0, NULL);
	mk_bcp_doc_free(d);
	d = gap_case(
	    "\"every_months\": 12, \"last_done\": \"2025-11-01\"},  {\"type\": \"contact\", "
	    "\"last_done\": \"2025-12-01\"}",
	    "\"every_months\": 13, \"last_done\": \"2025-03-09\"}", MK_GAP_NO_DRILL, 1, NULL);
	g = find_gap(d, MK_GAP_NO_DRILL);
	assert_string_equal(g->text_en, "No drill has been held in the last 12 months.");
	mk_bcp_doc_free(d);
	d = gap_case("{\"type\": \"contact\", \"last_done\": \"2025-12-01\"}",
	             "{\"type\": \"contact\"}", MK_GAP_DRILL_NEVER, 1, NULL);
	g = find_gap(d, MK_GAP_DRILL_NEVER);
	assert_string_equal(g->text_ja, "連絡訓練をまだ一度も行っていません。");
	mk_bcp_doc_free(d);
	/* overdue by its own interval (6 months for the contact drill):
	 * 2025-09-10 is due today, 2025-09-09 is late */
	d = gap_case("\"last_done\": \"2025-12-01\"", "\"last_done\": \"2025-09-10\"",
	             MK_GAP_DRILL_OVERDUE, 0, NULL);
	mk_bcp_doc_free(d);
	d = gap_case("\"last_done\": \"2025-12-01\"", "\"last_done\": \"2025-09-09\"",
	             MK_GAP_DRILL_OVERDUE, 1, NULL);
	g = find_gap(d, MK_GAP_DRILL_OVERDUE);
	assert_string_equal(g->text_en,
	                    "The Contact drill is overdue (every 6 months; last done 2025-09-09).");
	mk_bcp_doc_free(d);
	/* the review: 12 months */
	d = gap_case("\"reviewed\": \"2025-10-01\"", "\"reviewed\": \"2025-03-10\"",
	             MK_GAP_NOT_REVIEWED, 0, NULL);
	mk_bcp_doc_free(d);
	d = gap_case("\"reviewed\": \"2025-10-01\"", "\"reviewed\": \"2025-03-09\"",
	             MK_GAP_NOT_REVIEWED, 1, NULL);
	mk_bcp_doc_free(d);
	d = gap_case(", \"reviewed\": \"2025-10-01\"", "", MK_GAP_NOT_REVIEWED, 1, NULL);
	mk_bcp_doc_free(d);
}

/* Nothing entered: every general gap, most severe first. */
static void test_gaps_empty(void **state)
{
	struct mk_bcp_doc *d = run(NULL, NULL, NOW_NS);
	static const enum mk_bcp_gap_id want[] = {MK_GAP_NO_SYSTEMS, MK_GAP_NO_ISOLATION};

	(void)state;
	assert_int_equal(d->n_gaps, 2 + 1 + 7 + 1 + 1);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(d->gaps[i].rule, want[i]);
	assert_int_equal(d->gaps[2].rule, MK_GAP_NO_ROLES);
	assert_int_equal(d->gaps[3].rule, MK_GAP_CONTACT_MISSING);
	assert_string_equal(d->gaps[3].subject, "internal");
	assert_int_equal(d->gaps[9].rule, MK_GAP_CONTACT_MISSING);
	assert_int_equal(d->gaps[10].rule, MK_GAP_NO_DRILL);
	assert_int_equal(d->gaps[11].rule, MK_GAP_NOT_REVIEWED);
	mk_bcp_doc_free(d);
}

/* ---- JSON ---- */

static json_t *to_json(struct mk_bcp_doc *d)
{
	struct mk_assessment as = {.kb = kb, .bcp = d};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct mk_json j;
	json_error_t jerr;
	json_t *v;

	assert_non_null(f);
	mk_json_init(&j, f, false);
	mk_bcp_json(&j, &as);
	fclose(f);
	v = json_loadb(buf, len, 0, &jerr);
	if (v == NULL)
		fail_msg("bad JSON (%s): %s", jerr.text, buf);
	free(buf);
	return v;
}

static void test_json(void **state)
{
	struct fx f;
	struct mk_bcp_doc *d;
	json_t *v, *x;
	char *json = full_with("\"policy\": \"人の安全を第一に\"",
	                       "\"policy\": \"</script><img onerror=x>\\\"\\n2行目\"");

	(void)state;
	factory(&f);
	add_alert(&f, "scan_hosts", MK_ALERT_OPEN);
	d = run(json, &f.r, NOW_NS);
	free(json);
	v = to_json(d);
	assert_string_equal(json_string_value(json_object_get(v, "today")), "2026-03-10");
	assert_true(json_is_true(json_object_get(v, "entered")));
	assert_string_equal(json_string_value(json_object_get(v, "policy")),
	                    "</script><img onerror=x>\"\n2行目");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(v, "company"), "reviewed")),
	    "2025-10-01");
	/* steps with their fields and values */
	x = json_object_get(v, "steps");
	assert_int_equal(json_array_size(x), 6);
	x = json_array_get(json_object_get(json_array_get(x, 1), "fields"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "id")), "company.name");
	assert_string_equal(json_string_value(json_object_get(x, "value")), "山田製作所");
	assert_string_equal(json_string_value(json_object_get(json_object_get(x, "label"), "ja")),
	                    "会社名");
	x = json_array_get(
	    json_object_get(json_array_get(json_object_get(v, "steps"), 0), "fields"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "id")), "systems");
	assert_int_equal(json_integer_value(json_object_get(x, "rows")), 1);
	assert_int_equal(json_array_size(json_object_get(x, "columns")), 8);
	x = json_array_get(
	    json_object_get(json_array_get(json_object_get(x, "columns"), 7), "columns"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "id")), "systems.backups.what");
	assert_int_equal(json_array_size(json_object_get(x, "choices")), 5);
	/* systems: the entered one, then the candidates */
	x = json_object_get(v, "systems");
	assert_int_equal(json_array_size(x), 8);
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 0), "asset")),
	                    "m-plc-a");
	assert_true(json_is_true(json_object_get(json_array_get(x, 0), "entered")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 0), "candidate")),
	                    "role");
	assert_true(json_real_value(json_object_get(json_array_get(x, 0), "rpo_hours")) == 0.5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 1), "candidate")),
	                    "dependency");
	assert_true(json_is_null(json_object_get(json_array_get(x, 1), "rto_hours")));
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(json_array_get(x, 0), "backups"), 0),
	                        "restore_tested")),
	                    "2025-09-01");
	/* the recovery order */
	x = json_object_get(v, "recovery_order");
	assert_int_equal(json_array_size(x), 8);
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 0), "asset")),
	                    "m-router");
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 4), "asset")),
	                    "m-plc-b");
	assert_true(json_is_true(json_object_get(json_array_get(x, 4), "cycle")));
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(json_array_get(x, 4), "after"), 0)),
	    "m-scada");
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 5), "role")),
	                    "scada_server");
	/* isolation: the entered point, then the router */
	x = json_object_get(v, "isolation_points");
	assert_int_equal(json_array_size(x), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 1), "kind")),
	                    "device");
	/* signs, actions, contacts, drills, gaps */
	x = json_object_get(v, "signs");
	for (size_t i = 0; i < json_array_size(x); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(x, i), "id")),
		           "scan") == 0)
			assert_int_equal(
			    json_integer_value(json_object_get(json_array_get(x, i), "seen")), 1);
	x = json_object_get(v, "actions");
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 0), "phase")),
	                    "first");
	x = json_object_get(v, "contacts");
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 1), "category")),
	                    "vendor");
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(json_array_get(x, 1), "entries"), 0), "email")),
	    "a@example.jp");
	assert_true(json_is_true(json_object_get(json_array_get(x, 1), "required")));
	x = json_object_get(v, "drills");
	assert_int_equal(json_array_size(json_object_get(json_array_get(x, 0), "entries")), 1);
	x = json_object_get(v, "gaps");
	assert_int_equal(json_array_size(x), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 0), "id")),
	                    "candidates_unlisted");
	assert_string_equal(json_string_value(json_object_get(json_array_get(x, 0), "severity")),
	                    "medium");
	assert_true(json_is_null(json_object_get(json_array_get(x, 0), "system")));
	json_decref(v);
	mk_bcp_doc_free(d);
	/* no document: null */
	{
		struct mk_assessment as = {.kb = kb};
		char *buf = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&buf, &len);
		struct mk_json j;

		mk_json_init(&j, mf, false);
		mk_bcp_json(&j, &as);
		fclose(mf);
		assert_string_equal(buf, "null");
		free(buf);
	}
}

/* A knowledge base without the template: no document, no error. */
static void test_no_template(void **state)
{
	struct mk_kb none = {0};
	struct mk_assessment as = {.kb = &none, .at_ns = NOW_NS};
	struct mk_answers a = {.bcp_json = (char *)"{}"};
	char err[64] = "";

	(void)state;
	assert_int_equal(mk_assess_bcp(&as, &a, NULL, err, sizeof(err)), 0);
	assert_null(as.bcp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_template),
	    cmocka_unit_test(test_sign_alert_types),
	    cmocka_unit_test(test_template_errors),
	    cmocka_unit_test(test_template_error_line),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_candidates_and_order),
	    cmocka_unit_test(test_order_with_entries),
	    cmocka_unit_test(test_order_without_report),
	    cmocka_unit_test(test_order_cycle_only),
	    cmocka_unit_test(test_isolation_and_signs),
	    cmocka_unit_test(test_entries),
	    cmocka_unit_test(test_entry_errors),
	    cmocka_unit_test(test_entry_errors_json_and_lang),
	    cmocka_unit_test(test_gaps_systems),
	    cmocka_unit_test(test_gaps_network),
	    cmocka_unit_test(test_gap_asset_needs_report),
	    cmocka_unit_test(test_gaps_rest),
	    cmocka_unit_test(test_gaps_empty),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_no_template),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

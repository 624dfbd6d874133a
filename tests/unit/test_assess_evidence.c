/* test_assess_evidence.c - evidence rules (src/assess/evidence.c):
 * - rules parsed from text: every match kind and option into the typed
 *   rule, and every kind of bad input refused with its file:line;
 * - evaluation over a hand-made report: each kind fires on the records that
 *   show its evidence and stays silent otherwise, counts (alerts per record,
 *   devices once per rule), the 20-item cap, the rendered texts, the JSON;
 * - the shipped data/kb/evidence.kb over databases made by `mieruka analyze`
 *   from real captures (../shared/captures): each rule named fires where its
 *   evidence is and is silent where it is not.  That part needs the whole
 *   knowledge base (the content lands from several branches of issue 6): it
 *   runs when data/kb/scoring.kb exists, or on MK_KB_DIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "assess/evidence_int.h"
#include "assess/kb_int.h"
#include "cli/cli.h"
#include "mieruka/store.h"
#include "support/kb_fixture.h"

/* ---- loading ---- */

static struct mk_kb *load_extra(const char *extra, char *err, size_t errlen)
{
	char dir[256];
	struct mk_kb *kb = NULL;

	assert_int_equal(kb_fixture_write(dir, sizeof(dir), NULL, NULL, extra), 0);
	if (mk_kb_load(dir, &kb, err, errlen) != 0)
		kb = NULL;
	kb_fixture_remove(dir);
	return kb;
}

#define STANZA_TAIL                                                                                \
	"text.ja: {count}件（{detail}）\n"                                                          \
	"text.en: seen: {count} ({detail})\n"                                                      \
	"sources: src\nconfidence: P\n"

static void test_parse_every_kind(void **state)
{
	(void)state;
	char err[512] = "";
	/* line 1 is the header, the match lines are 2-10 */
	struct mk_kb *kb = load_extra(
		"[evidence every]\n"
		"match: alert remote_access, new_device peer=external planned=no role=office_pc min=60\n"
		"  role printer,plc min=40 except_role=router\n"
		"  protocol mqtt, jetdirect peer=internal side=server role=printer\n"
		"  vendor Brother industries, Mitsubishi role=plc\n"
		"  hostname iPhone, Android\n"
		"  random_mac except_mac=52:54:00,02:42,0a except_role=server\n"
		"  flat office_pc plc,hmi min=55\n"
		"  sni example.com\n"
		"  attr tls_sni cloud, factory role=hmi\n"
		"all: yes\n"
		"suggest: use.alpha=yes, alpha.remove=no, general.rules=partial\n" STANZA_TAIL
		"\n[evidence plain]\nmatch: random_mac\nsuggest: use.beta=unknown\n" STANZA_TAIL,
		err, sizeof(err));
	if (kb == NULL)
		fail_msg("%s", err);
	assert_int_equal(kb->n_rules, 2);
	const struct mk_ev_rule *r = &kb->rules[0];
	assert_string_equal(r->id, "every");
	assert_true(r->all);
	assert_int_equal(r->n_matches, 9);
	for (size_t i = 0; i < 9; i++)
		assert_int_equal(r->matches[i].line, 2 + i);

	const struct mk_ev_match *m = &r->matches[0];
	assert_int_equal(m->kind, MK_EV_ALERT);
	assert_int_equal(m->n_words, 2);
	assert_string_equal(m->words[0], "remote_access");
	assert_string_equal(m->words[1], "new_device");
	assert_int_equal(m->peer, MK_EV_PEER_EXTERNAL);
	assert_int_equal(m->planned, MK_EV_PLANNED_NO);
	assert_int_equal(m->roles, 1u << MK_ROLE_OFFICE_PC);
	assert_int_equal(m->min_confidence, 60);

	m = &r->matches[1];
	assert_int_equal(m->kind, MK_EV_ROLE);
	assert_int_equal(m->roles, 1u << MK_ROLE_PRINTER | 1u << MK_ROLE_PLC);
	assert_int_equal(m->except_roles, 1u << MK_ROLE_ROUTER);
	assert_int_equal(m->min_confidence, 40);

	m = &r->matches[2];
	assert_int_equal(m->kind, MK_EV_PROTOCOL);
	assert_true(mk_proto_set_has(&m->protos, MK_PROTO_MQTT));
	assert_true(mk_proto_set_has(&m->protos, MK_PROTO_JETDIRECT));
	assert_false(mk_proto_set_has(&m->protos, MK_PROTO_MODBUS));
	assert_int_equal(m->peer, MK_EV_PEER_INTERNAL);
	assert_int_equal(m->side, MK_EV_SIDE_SERVER);
	assert_int_equal(m->roles, 1u << MK_ROLE_PRINTER);
	assert_int_equal(m->min_confidence, 50);

	m = &r->matches[3];
	assert_int_equal(m->kind, MK_EV_VENDOR);
	assert_int_equal(m->n_words, 2);
	assert_string_equal(m->words[0], "Brother industries");
	assert_string_equal(m->words[1], "Mitsubishi");
	assert_int_equal(m->roles, 1u << MK_ROLE_PLC);

	m = &r->matches[4];
	assert_int_equal(m->kind, MK_EV_HOSTNAME);
	assert_int_equal(m->n_words, 2);
	assert_string_equal(m->words[1], "Android");

	m = &r->matches[5];
	assert_int_equal(m->kind, MK_EV_RANDOM_MAC);
	assert_int_equal(m->n_words, 0);
	assert_int_equal(m->n_except_mac, 3);
	assert_int_equal(m->except_mac_len[0], 3);
	assert_memory_equal(m->except_mac[0], "\x52\x54\x00", 3);
	assert_int_equal(m->except_mac_len[1], 2);
	assert_memory_equal(m->except_mac[1], "\x02\x42", 2);
	assert_int_equal(m->except_mac_len[2], 1);
	assert_int_equal(m->except_roles, 1u << MK_ROLE_SERVER);

	m = &r->matches[6];
	assert_int_equal(m->kind, MK_EV_FLAT);
	assert_int_equal(m->roles, 1u << MK_ROLE_OFFICE_PC);
	assert_int_equal(m->roles_b, 1u << MK_ROLE_PLC | 1u << MK_ROLE_HMI);
	assert_int_equal(m->min_confidence, 55);

	m = &r->matches[7];
	assert_int_equal(m->kind, MK_EV_SNI);
	assert_int_equal(m->n_words, 1);
	assert_string_equal(m->words[0], "example.com");

	m = &r->matches[8];
	assert_int_equal(m->kind, MK_EV_ATTR);
	assert_string_equal(m->attr_key, "tls_sni");
	assert_int_equal(m->n_words, 2);
	assert_string_equal(m->words[0], "cloud");
	assert_string_equal(m->words[1], "factory");
	assert_int_equal(m->roles, 1u << MK_ROLE_HMI);

	assert_int_equal(r->n_suggest, 3);
	assert_string_equal(r->suggest[0].key, "use.alpha");
	assert_string_equal(r->suggest[0].value, "yes");
	assert_int_equal(r->suggest[0].entry, 0);
	assert_string_equal(r->suggest[1].key, "alpha.remove");
	assert_string_equal(r->suggest[1].value, "no");
	assert_int_equal(r->suggest[1].entry, 0);
	assert_string_equal(r->suggest[2].key, "general.rules");
	assert_string_equal(r->suggest[2].value, "partial");
	assert_int_equal(r->suggest[2].entry, (size_t)-1); /* for every entry point */
	assert_string_equal(r->text.ja, "{count}件（{detail}）");
	assert_string_equal(r->text.en, "seen: {count} ({detail})");
	assert_int_equal(r->origin.confidence, 'P');
	assert_string_equal(r->origin.file, "zz-extra.kb");
	assert_int_equal(r->origin.line, 1);
	assert_int_equal(r->origin.n_sources, 1);

	r = &kb->rules[1];
	assert_false(r->all);
	assert_int_equal(r->n_matches, 1);
	assert_int_equal(r->matches[0].line, 19);
	assert_string_equal(r->suggest[0].key, "use.beta");
	assert_int_equal(r->suggest[0].entry, 1);
	mk_kb_free(kb);
}

/* Every mistake names the file and the line (the match's own line). */
static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *stanza; /* without the text and origin tail */
		const char *want;   /* the start of the error */
	} cases[] = {
		{"match: nothing here\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: unknown kind \"nothing\""},
		{"match: role printer\n  role boss\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:3: [evidence bad] match: \"boss\" is not a role"},
		{"match: role unknown\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: \"unknown\" is not a role"},
		{"match: protocol mqtt,gopher\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: \"gopher\" is not a protocol"},
		{"match: alert remote_access, alien_landing\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: \"alien_landing\" is not an alert type"},
		{"match: role printer peer=external\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: role takes no option peer="},
		{"match: vendor ACME colour=red\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: vendor takes no option colour="},
		{"match: alert remote_access peer=outside\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: peer=\"outside\" is not external"},
		{"match: protocol mqtt side=both\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: side=\"both\" is not client"},
		{"match: alert new_device planned=maybe\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: planned=\"maybe\" is not yes"},
		{"match: role printer min=101\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: min=\"101\" is not a confidence"},
		{"match: role printer min=40 min=30\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: min= given twice"},
		{"match: random_mac except_mac=52:54:0g\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: except_mac=\"52:54:0g\" is not a MAC prefix"},
		{"match: random_mac except_mac=01:02:03:04:05:06:07\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: except_mac=\"01:02:03:04:05:06:07\" is not"},
		{"match: vendor ACME except_mac=52:54:00\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: vendor takes no option except_mac="},
		{"match: flat office_pc\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: flat needs two roles"},
		{"match: flat office_pc plc, hmi\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: flat needs exactly two role lists"},
		{"match: flat office_pc plc role=hmi\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: flat takes no option role="},
		{"match: random_mac now\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: random_mac takes no argument"},
		{"match: attr Bad-Key x\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: attr needs an attribute key"},
		{"match: attr tls_sni\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: attr needs a list"},
		{"match: vendor\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: vendor needs a list"},
		{"match: hostname iPhone,,Android\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: empty item in the list"},
		{"match: hostname 0123456789012345678901234567890123456789012345678901234567890123\n"
		 "suggest: use.alpha=yes\n",
		 "zz-extra.kb:2: [evidence bad] match: \"0123456789"},
		{"match: role printer\n  role plc\n  role hmi\n  role iot\n  role phone\n  role server\n"
		 "  role router\n  role switch\n  role printer\n  role plc\n  role hmi\n  role iot\n"
		 "  role phone\n  role server\n  role router\n  role switch\n  role iot\n"
		 "suggest: use.alpha=yes\n",
		 "zz-extra.kb:18: [evidence bad] more than 16 match lines"},
		{"suggest: use.alpha=yes\n", "zz-extra.kb:1: [evidence bad] missing match"},
		{"match: random_mac\n", "zz-extra.kb:1: [evidence bad] missing suggest"},
		{"match: random_mac\nsuggest: use.alpha\n",
		 "zz-extra.kb:1: [evidence bad] suggest: \"use.alpha\" is not KEY=VALUE"},
		{"match: random_mac\nsuggest: use.gamma=yes\n",
		 "zz-extra.kb:1: [evidence bad] suggest: no [entry_point gamma]"},
		{"match: random_mac\nsuggest: use.alpha=done\n",
		 "zz-extra.kb:1: [evidence bad] suggest: use.alpha=\"done\": use.EP is yes, no or unknown"},
		{"match: random_mac\nsuggest: alpha.nothing=no\n",
		 "zz-extra.kb:1: [evidence bad] suggest: \"alpha.nothing\" is neither use.EP nor a "
		 "countermeasure"},
		{"match: random_mac\nsuggest: alpha.remove=yes\n",
		 "zz-extra.kb:1: [evidence bad] suggest: alpha.remove=\"yes\": not an [answer] id"},
		{"match: random_mac\nsuggest: use.alpha=yes, use.alpha=no\n",
		 "zz-extra.kb:1: [evidence bad] suggest: use.alpha given twice"},
		{"match: random_mac\nall: perhaps\nsuggest: use.alpha=yes\n",
		 "zz-extra.kb:1: [evidence bad] all: \"perhaps\" is not yes or no"},
	};
	char stanza[2048], err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		snprintf(stanza, sizeof(stanza), "[evidence bad]\n%s" STANZA_TAIL, cases[i].stanza);
		err[0] = '\0';
		struct mk_kb *kb = load_extra(stanza, err, sizeof(err));
		if (kb != NULL) {
			mk_kb_free(kb);
			fail_msg("case %zu loaded", i);
		}
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i, err, cases[i].want);
	}
}

/* The texts: both languages, known placeholders only, sources that exist. */
static void test_parse_text_errors(void **state)
{
	(void)state;
	static const struct {
		const char *stanza, *want;
	} cases[] = {
		{"[evidence t]\nmatch: random_mac\nsuggest: use.alpha=yes\ntext.ja: {count}台\n"
		 "sources: src\nconfidence: P\n",
		 "zz-extra.kb:1: [evidence t] missing text.en"},
		{"[evidence t]\nmatch: random_mac\nsuggest: use.alpha=yes\ntext.ja: {count}台\n"
		 "text.en: {cuont} devices\nsources: src\nconfidence: P\n",
		 "zz-extra.kb:1: [evidence t] text.en: unknown placeholder \"{cuont}"},
		{"[evidence t]\nmatch: random_mac\nsuggest: use.alpha=yes\ntext.ja: {count台\n"
		 "text.en: x\nsources: src\nconfidence: P\n",
		 "zz-extra.kb:1: [evidence t] text.ja: unknown placeholder"},
		{"[evidence t]\nmatch: random_mac\nsuggest: use.alpha=yes\ntext.ja: x\ntext.en: x\n"
		 "sources: nowhere\nconfidence: P\n",
		 "zz-extra.kb:1: [evidence t] sources: no [source nowhere]"},
		{"[evidence t]\nmatch: random_mac\nsuggest: use.alpha=yes\ntext.ja: x\ntext.en: x\n"
		 "sources: src\nconfidence: X\n",
		 "zz-extra.kb:1: [evidence t] confidence: \"X\" is not one of"},
		{"[evidence t]\nmatch: random_mac\nsuggest: use.alpha=yes\ntext.ja: x\ntext.en: x\n"
		 "sources: src\nconfidence: P\nweight: 3\n",
		 "zz-extra.kb:8: [evidence t] unknown key weight"},
	};
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		err[0] = '\0';
		struct mk_kb *kb = load_extra(cases[i].stanza, err, sizeof(err));
		if (kb != NULL) {
			mk_kb_free(kb);
			fail_msg("case %zu loaded", i);
		}
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i, err, cases[i].want);
	}
}

/* ---- evaluation over a hand-made report ---- */

static void addr(struct mk_addr *a, const char *text)
{
	assert_true(mk_addr_parse(a, text));
}

static struct mk_asset_rec *asset(struct mk_report *r, const char *mac, const char *ip,
                                  const char *vendor, const char *name, int role, int conf)
{
	struct mk_asset_rec *a;

	r->assets = realloc(r->assets, (r->n_assets + 1) * sizeof(*r->assets));
	assert_non_null(r->assets);
	a = &r->assets[r->n_assets++];
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "m-%c%c%c%c%c%c%c%c%c%c%c%c", mac[0], mac[1], mac[3], mac[4],
	         mac[6], mac[7], mac[9], mac[10], mac[12], mac[13], mac[15], mac[16]);
	addr(&a->mac, mac);
	if (ip != NULL) {
		a->ips = calloc(1, sizeof(*a->ips));
		addr(&a->ips[0], ip);
		a->n_ips = 1;
	}
	a->vendor = vendor ? strdup(vendor) : NULL;
	if (name != NULL) {
		a->names = calloc(1, sizeof(*a->names));
		a->names[0].name = strdup(name);
		a->n_names = 1;
	}
	if (role >= 0) {
		a->roles = calloc(1, sizeof(*a->roles));
		a->roles[0].role = (uint8_t)role;
		a->roles[0].confidence = (uint8_t)conf;
		a->n_roles = 1;
	}
	a->first_ns = 1000000000ull * (r->n_assets);
	a->last_ns = a->first_ns + 5000000000ull;
	return a;
}

static void attr(struct mk_asset_rec *a, const char *key, const char *value)
{
	a->attrs = realloc(a->attrs, (a->n_attrs + 1) * sizeof(*a->attrs));
	a->attrs[a->n_attrs].key = strdup(key);
	a->attrs[a->n_attrs].value = strdup(value);
	a->attrs[a->n_attrs++].source = 0;
}

static void conv(struct mk_report *r, const char *cl, const char *sv, uint16_t port, int proto)
{
	struct mk_conv_rec *c;

	r->convs = realloc(r->convs, (r->n_convs + 1) * sizeof(*r->convs));
	c = &r->convs[r->n_convs++];
	memset(c, 0, sizeof(*c));
	addr(&c->client, cl);
	addr(&c->server, sv);
	c->transport = 6;
	c->port = port;
	c->proto = (uint16_t)proto;
	c->first_ns = 100000000000ull + r->n_convs;
	c->last_ns = c->first_ns + 1;
}

static void alert(struct mk_report *r, const char *type, const char *cl, const char *sv,
                  uint16_t port, int proto, int status)
{
	struct mk_alert_rec *a;

	r->alerts = realloc(r->alerts, (r->n_alerts + 1) * sizeof(*r->alerts));
	a = &r->alerts[r->n_alerts++];
	memset(a, 0, sizeof(*a));
	snprintf(a->type, sizeof(a->type), "%s", type);
	snprintf(a->id, sizeof(a->id), "al-%zu", r->n_alerts);
	addr(&a->client, cl);
	if (sv != NULL)
		addr(&a->server, sv);
	a->port = port;
	a->proto = (uint16_t)proto;
	a->status = (uint8_t)status;
	a->first_ns = 200000000000ull + r->n_alerts;
	a->last_ns = a->first_ns + 7;
	a->count = 3;
}

/* A small plant:
 *  0 printer (Brother OUI, printer 40), serves JetDirect to the office PC
 *  1 a phone: random MAC, DHCP name "iPhone-7"
 *  2 office PC 192.168.1.20 (60), in the PLC's /24; TeamViewer to the
 *    internet, RDP to the internet inside a maintenance window, VNC inside
 *  3 PLC 192.168.1.30 (Mitsubishi OUI); the office PC telnets to it
 *  4 HMI 192.168.2.40 (70), with a TLS server name of a cloud
 *  5 office PC 192.168.3.5 (60), other /24, talks Modbus to the HMI; new device
 *  6 IoT sensor 10.0.0.7 (50) publishing MQTT to an internet broker
 *  7 a SCADA server that also uses file shares (office_pc 60) in the PLC /24 */
static void plant(struct mk_report *r)
{
	struct mk_asset_rec *a;

	memset(r, 0, sizeof(*r));
	asset(r, "00:80:77:00:00:01", "192.168.1.10", "Brother industries, LTD.", "PRN-01",
	      MK_ROLE_PRINTER, 40);
	asset(r, "6a:aa:bb:cc:dd:01", "192.168.1.50", NULL, "iPhone-7", -1, 0);
	asset(r, "00:00:00:00:00:03", "192.168.1.20", NULL, NULL, MK_ROLE_OFFICE_PC, 60);
	asset(r, "00:00:00:00:00:04", "192.168.1.30", "Mitsubishi Electric Corporation", NULL,
	      MK_ROLE_PLC, 90);
	a = asset(r, "00:00:00:00:00:05", "192.168.2.40", NULL, NULL, MK_ROLE_HMI, 70);
	attr(a, "tls_sni", "telemetry.cloud.example.com");
	asset(r, "00:00:00:00:00:06", "192.168.3.5", NULL, NULL, MK_ROLE_OFFICE_PC, 60);
	asset(r, "00:00:00:00:00:07", "10.0.0.7", NULL, NULL, MK_ROLE_IOT, 50);
	a = asset(r, "00:00:00:00:00:08", "192.168.1.40", NULL, NULL, MK_ROLE_SCADA_SERVER, 60);
	a->roles = realloc(a->roles, 2 * sizeof(*a->roles));
	a->roles[1] = (struct mk_role_rec){.role = MK_ROLE_OFFICE_PC, .confidence = 60};
	a->n_roles = 2;

	conv(r, "192.168.1.20", "192.168.1.10", 9100, MK_PROTO_JETDIRECT);
	conv(r, "10.0.0.7", "52.10.20.30", 1883, MK_PROTO_MQTT);
	conv(r, "192.168.3.5", "192.168.2.40", 502, MK_PROTO_MODBUS);
	conv(r, "192.168.1.20", "192.168.1.30", 23, MK_PROTO_TELNET);
	conv(r, "::1", "::1", 1883, MK_PROTO_MQTT); /* loopback: no device */

	alert(r, "remote_access", "192.168.1.20", "93.184.216.34", 5938, MK_PROTO_TEAMVIEWER,
	      MK_ALERT_OPEN);
	alert(r, "remote_access", "192.168.1.20", "192.168.1.30", 5900, MK_PROTO_VNC,
	      MK_ALERT_ACKNOWLEDGED);
	alert(r, "remote_access", "192.168.1.20", "8.8.4.4", 3389, MK_PROTO_RDP, MK_ALERT_PLANNED);
	/* a documentation address (RFC 5737) stands for the internet here */
	alert(r, "remote_access", "192.168.1.20", "203.0.113.9", 22, MK_PROTO_SSH, MK_ALERT_OPEN);
	/* to another private subnet: inside */
	alert(r, "remote_access", "192.168.1.20", "172.16.5.9", 22, MK_PROTO_SSH, MK_ALERT_OPEN);
	alert(r, "new_device", "6a:aa:bb:cc:dd:01", NULL, 0, MK_PROTO_UNKNOWN, MK_ALERT_OPEN);
	alert(r, "new_device", "192.168.3.5", NULL, 0, MK_PROTO_UNKNOWN, MK_ALERT_ACCEPTED);
}

#define RULE(ID, MATCH, SUGGEST)                                                                   \
	"[evidence " ID "]\nmatch: " MATCH "\nsuggest: " SUGGEST "\n"                              \
	"text.ja: " ID " {count}件（{detail}）\ntext.en: " ID " {count} ({detail})\n"              \
	"sources: src\nconfidence: P\n\n"

static const char PLANT_RULES[] =
	RULE("remote_ext", "alert remote_access peer=external", "use.alpha=yes, alpha.remove=no")
	RULE("remote_unplanned", "alert remote_access peer=external planned=no", "alpha.detect=no")
	RULE("remote_planned", "alert remote_access planned=yes", "use.alpha=yes")
	RULE("remote_int", "alert remote_access peer=internal", "use.alpha=yes")
	RULE("new_pc", "alert new_device role=office_pc", "use.beta=yes")
	RULE("new_any", "alert new_device", "use.beta=yes")
	RULE("no_alert", "alert zone_violation", "use.beta=yes")
	RULE("printer40", "role printer min=40", "use.beta=yes")
	RULE("printer50", "role printer", "use.beta=yes")
	RULE("printer_except", "role printer min=40 except_role=printer", "use.beta=yes")
	RULE("jetdirect_srv", "protocol jetdirect side=server", "use.beta=yes")
	RULE("jetdirect_cli", "protocol jetdirect side=client", "use.beta=yes")
	RULE("mqtt_ext_cli", "protocol mqtt peer=external side=client", "use.beta=yes")
	RULE("mqtt_ext_srv", "protocol mqtt peer=external side=server", "use.beta=yes")
	RULE("mqtt_any", "protocol mqtt", "use.beta=yes")
	RULE("telnet_int", "protocol telnet peer=internal side=server role=plc", "use.beta=yes")
	RULE("telnet_hmi", "protocol telnet role=hmi", "use.beta=yes")
	RULE("vendor", "vendor brother", "use.beta=yes")
	RULE("vendor_role", "vendor Mitsubishi role=printer", "use.beta=yes")
	RULE("host", "hostname iphone", "use.beta=yes")
	RULE("host_middle", "hostname phone", "use.beta=yes")
	RULE("random", "random_mac", "use.beta=yes")
	RULE("random_except", "random_mac except_mac=6a:aa", "use.beta=yes")
	RULE("flat", "flat office_pc plc,hmi,scada_server", "use.beta=yes")
	RULE("flat_none", "flat printer iot", "use.beta=yes")
	RULE("sni", "sni CLOUD.example", "use.beta=yes")
	RULE("attr", "attr tls_sni telemetry", "use.beta=yes")
	RULE("attr_other", "attr dhcp_vendor_class telemetry", "use.beta=yes")
	RULE("any_of", "role printer min=40\n  hostname nobody", "use.beta=yes")
	"[evidence all_of]\nmatch: role printer min=40\n  hostname nobody\nall: yes\n"
	"suggest: use.beta=yes\ntext.ja: x\ntext.en: x\nsources: src\nconfidence: P\n\n"
	RULE("dedupe", "role printer min=40\n  protocol jetdirect side=server\n  vendor Brother",
	     "use.beta=yes");

static const struct mk_suggestion *find(const struct mk_assessment *as, const char *rule,
                                        const char *key)
{
	for (size_t i = 0; i < as->n_suggestions; i++)
		if (strcmp(as->kb->rules[as->suggestions[i].rule].id, rule) == 0 &&
		    strcmp(as->suggestions[i].key, key) == 0)
			return &as->suggestions[i];
	return NULL;
}

static void clear(struct mk_assessment *as)
{
	for (size_t i = 0; i < as->n_suggestions; i++) {
		free(as->suggestions[i].items);
		free(as->suggestions[i].text_ja);
		free(as->suggestions[i].text_en);
	}
	free(as->suggestions);
	as->suggestions = NULL;
	as->n_suggestions = 0;
}

/* Fires with n observations; the first item's device, address and detail. */
static void expect(const struct mk_assessment *as, const char *rule, size_t n, const char *asset,
                   const char *address, const char *detail)
{
	const struct mk_suggestion *s = find(as, rule, "use.beta");

	if (s == NULL)
		s = find(as, rule, "use.alpha");
	if (s == NULL)
		fail_msg("rule %s did not fire", rule);
	if (s->count != n || s->n_items != n)
		fail_msg("rule %s: count %zu items %zu, want %zu", rule, s->count, s->n_items, n);
	assert_string_equal(s->items[0].asset, asset);
	assert_string_equal(s->items[0].address, address);
	assert_string_equal(s->items[0].detail, detail);
}

static void silent(const struct mk_assessment *as, const char *rule)
{
	for (size_t i = 0; i < as->n_suggestions; i++)
		if (strcmp(as->kb->rules[as->suggestions[i].rule].id, rule) == 0)
			fail_msg("rule %s fired (%s)", rule, as->suggestions[i].text_en);
}

static void test_eval_plant(void **state)
{
	(void)state;
	char err[512] = "";
	struct mk_kb *kb = load_extra(PLANT_RULES, err, sizeof(err));
	struct mk_report r;
	struct mk_assessment as;

	if (kb == NULL)
		fail_msg("%s", err);
	plant(&r);
	memset(&as, 0, sizeof(as));
	as.kb = kb;
	assert_int_equal(mk_assess_evidence(&as, &r), 0);

	/* remote access: TeamViewer, RDP and SSH to 203.0.113.9 reach the
	 * internet; VNC and SSH to 172.16.5.9 stay inside */
	expect(&as, "remote_ext", 3, "m-000000000003", "192.168.1.20",
	       "teamviewer 192.168.1.20 \xe2\x86\x92 93.184.216.34:5938");
	const struct mk_suggestion *s = find(&as, "remote_ext", "use.alpha");
	assert_string_equal(s->value, "yes");
	assert_int_equal(s->entry, 0);
	assert_string_equal(s->items[1].detail, "rdp 192.168.1.20 \xe2\x86\x92 8.8.4.4:3389");
	assert_int_equal(s->items[0].first_ns, 200000000001ull);
	assert_int_equal(s->items[0].last_ns, 200000000008ull);
	assert_string_equal(s->items[2].detail, "ssh 192.168.1.20 \xe2\x86\x92 203.0.113.9:22");
	assert_string_equal(s->text_ja,
	                    "remote_ext 3件（teamviewer 192.168.1.20 \xe2\x86\x92 93.184.216.34:5938"
	                    "、rdp 192.168.1.20 \xe2\x86\x92 8.8.4.4:3389"
	                    "、ssh 192.168.1.20 \xe2\x86\x92 203.0.113.9:22）");
	assert_string_equal(s->text_en,
	                    "remote_ext 3 (teamviewer 192.168.1.20 \xe2\x86\x92 93.184.216.34:5938, "
	                    "rdp 192.168.1.20 \xe2\x86\x92 8.8.4.4:3389, "
	                    "ssh 192.168.1.20 \xe2\x86\x92 203.0.113.9:22)");
	/* the second answer of the same rule: its own suggestion, same evidence */
	const struct mk_suggestion *s2 = find(&as, "remote_ext", "alpha.remove");
	assert_non_null(s2);
	assert_string_equal(s2->value, "no");
	assert_int_equal(s2->count, 3);
	assert_string_equal(s2->text_en, s->text_en);
	assert_true(s2->items != s->items);

	const struct mk_suggestion *su = find(&as, "remote_unplanned", "alpha.detect");
	assert_non_null(su);
	assert_int_equal(su->count, 2); /* the RDP session was planned */
	assert_string_equal(su->items[0].detail,
	                    "teamviewer 192.168.1.20 \xe2\x86\x92 93.184.216.34:5938");
	expect(&as, "remote_planned", 1, "m-000000000003", "192.168.1.20",
	       "rdp 192.168.1.20 \xe2\x86\x92 8.8.4.4:3389");
	/* inside: VNC, and SSH to 172.16.5.9 */
	expect(&as, "remote_int", 2, "m-000000000003", "192.168.1.20",
	       "vnc 192.168.1.20 \xe2\x86\x92 192.168.1.30:5900");

	/* new devices: an alert without a server names the device */
	expect(&as, "new_any", 2, "m-6aaabbccdd01", "6a:aa:bb:cc:dd:01",
	       "6a:aa:bb:cc:dd:01 iPhone-7");
	expect(&as, "new_pc", 1, "m-000000000006", "192.168.3.5", "192.168.3.5");
	silent(&as, "no_alert");

	/* roles and their confidence */
	expect(&as, "printer40", 1, "m-008077000001", "192.168.1.10",
	       "192.168.1.10 PRN-01 (Brother industries, LTD.)");
	silent(&as, "printer50");
	silent(&as, "printer_except");

	/* protocols: side and peer pick the device */
	expect(&as, "jetdirect_srv", 1, "m-008077000001", "192.168.1.10",
	       "jetdirect 192.168.1.20 \xe2\x86\x92 192.168.1.10:9100");
	expect(&as, "jetdirect_cli", 1, "m-000000000003", "192.168.1.20",
	       "jetdirect 192.168.1.20 \xe2\x86\x92 192.168.1.10:9100");
	expect(&as, "mqtt_ext_cli", 1, "m-000000000007", "10.0.0.7",
	       "mqtt 10.0.0.7 \xe2\x86\x92 52.10.20.30:1883");
	silent(&as, "mqtt_ext_srv");
	expect(&as, "mqtt_any", 1, "m-000000000007", "10.0.0.7",
	       "mqtt 10.0.0.7 \xe2\x86\x92 52.10.20.30:1883"); /* not the loopback one */
	expect(&as, "telnet_int", 1, "m-000000000004", "192.168.1.30",
	       "telnet 192.168.1.20 \xe2\x86\x92 192.168.1.30:23");
	silent(&as, "telnet_hmi");

	/* device texts */
	expect(&as, "vendor", 1, "m-008077000001", "192.168.1.10",
	       "192.168.1.10 PRN-01 (Brother industries, LTD.)");
	silent(&as, "vendor_role");
	expect(&as, "host", 1, "m-6aaabbccdd01", "192.168.1.50", "192.168.1.50 iPhone-7");
	silent(&as, "host_middle"); /* names start with the text */
	expect(&as, "random", 1, "m-6aaabbccdd01", "6a:aa:bb:cc:dd:01", "6a:aa:bb:cc:dd:01");
	silent(&as, "random_except");
	expect(&as, "sni", 1, "m-000000000005", "192.168.2.40",
	       "192.168.2.40 telemetry.cloud.example.com");
	expect(&as, "attr", 1, "m-000000000005", "192.168.2.40",
	       "192.168.2.40 telemetry.cloud.example.com");
	silent(&as, "attr_other");

	/* flat: the PC in the PLC's /24, the PC talking to the HMI; not the
	 * SCADA server that is also an office PC */
	expect(&as, "flat", 2, "m-000000000003", "192.168.1.20",
	       "192.168.1.20 \xe2\x86\x94 192.168.1.30");
	s = find(&as, "flat", "use.beta");
	assert_string_equal(s->items[1].asset, "m-000000000006");
	assert_string_equal(s->items[1].detail, "modbus 192.168.3.5 \xe2\x86\x92 192.168.2.40:502");
	silent(&as, "flat_none");

	/* any / all, and one device found by three lines counted once */
	expect(&as, "any_of", 1, "m-008077000001", "192.168.1.10",
	       "192.168.1.10 PRN-01 (Brother industries, LTD.)");
	silent(&as, "all_of");
	expect(&as, "dedupe", 1, "m-008077000001", "192.168.1.10",
	       "192.168.1.10 PRN-01 (Brother industries, LTD.)");

	/* a second run replaces the suggestions; no report: none */
	size_t n = as.n_suggestions;
	assert_int_equal(mk_assess_evidence(&as, &r), 0);
	assert_int_equal(as.n_suggestions, n);
	assert_int_equal(mk_assess_evidence(&as, NULL), 0);
	assert_int_equal(as.n_suggestions, 0);
	clear(&as);
	mk_report_free(&r);
	mk_kb_free(kb);
}

/* 25 printers: 20 items kept, 25 counted; {detail} shows three and the rest. */
static void test_eval_cap(void **state)
{
	(void)state;
	char err[512] = "", mac[32], ip[32];
	struct mk_kb *kb = load_extra("[evidence printers]\nmatch: role printer\n"
	                              "suggest: use.beta=yes\n"
	                              "text.ja: プリンター{count}台（{detail}）\n"
	                              "text.en: Printers: {count} ({detail})\n"
	                              "sources: src\nconfidence: P\n",
	                              err, sizeof(err));
	struct mk_report r;
	struct mk_assessment as = {0};

	if (kb == NULL)
		fail_msg("%s", err);
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 25; i++) {
		snprintf(mac, sizeof(mac), "00:00:00:00:01:%02x", i);
		snprintf(ip, sizeof(ip), "10.0.0.%d", i + 1);
		asset(&r, mac, ip, NULL, NULL, MK_ROLE_PRINTER, 80);
	}
	as.kb = kb;
	assert_int_equal(mk_assess_evidence(&as, &r), 0);
	assert_int_equal(as.n_suggestions, 1);
	assert_int_equal(as.suggestions[0].count, 25);
	assert_int_equal(as.suggestions[0].n_items, MK_EV_MAX_ITEMS);
	assert_string_equal(as.suggestions[0].items[19].address, "10.0.0.20");
	assert_string_equal(as.suggestions[0].text_ja,
	                    "プリンター25台（10.0.0.1、10.0.0.2、10.0.0.3、ほか22件）");
	assert_string_equal(as.suggestions[0].text_en,
	                    "Printers: 25 (10.0.0.1, 10.0.0.2, 10.0.0.3 and 22 more)");

	/* the evidence object */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct mk_json j;
	json_error_t je;

	assert_non_null(f);
	mk_json_init(&j, f, false);
	mk_ev_json(&j, &as, &as.suggestions[0]);
	fclose(f);
	json_t *o = json_loads(buf, 0, &je);
	if (o == NULL)
		fail_msg("bad JSON %s: %s", je.text, buf);
	assert_string_equal(json_string_value(json_object_get(o, "rule")), "printers");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "text"), "en")),
	                    as.suggestions[0].text_en);
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "text"), "ja")),
	                    as.suggestions[0].text_ja);
	assert_int_equal(json_integer_value(json_object_get(o, "count")), 25);
	json_t *items = json_object_get(o, "items");
	assert_int_equal(json_array_size(items), 20);
	json_t *it = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(it, "asset")), "m-000000000100");
	assert_string_equal(json_string_value(json_object_get(it, "address")), "10.0.0.1");
	assert_string_equal(json_string_value(json_object_get(it, "detail")), "10.0.0.1");
	assert_string_equal(json_string_value(json_object_get(it, "first")),
	                    "1970-01-01T00:00:01.000000Z");
	assert_string_equal(json_string_value(json_object_get(it, "last")),
	                    "1970-01-01T00:00:06.000000Z");
	assert_string_equal(json_string_value(json_object_get(o, "key")), "use.beta");
	assert_string_equal(json_string_value(json_object_get(o, "value")), "yes");
	assert_string_equal(json_string_value(json_object_get(o, "confidence")), "P");
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "sources"), 0)),
	                    "src");
	json_decref(o);
	free(buf);
	clear(&as);
	mk_report_free(&r);
	mk_kb_free(kb);
}

/* ---- the shipped rules over real captures ---- */

/* analyze's --help calls the help command of src/cli/main.c, which is not in
 * mieruka_app; the test never asks for help. */
int mk_cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	return 0;
}

static char kb_dir[1024];

static bool full_kb(void)
{
	char probe[1100];
	const char *env = getenv("MK_KB_DIR");

	snprintf(kb_dir, sizeof(kb_dir), "%s", env ? env : MK_TEST_SRCDIR "/data/kb");
	snprintf(probe, sizeof(probe), "%s/scoring.kb", kb_dir);
	return access(probe, R_OK) == 0;
}

/* The rules that fire on capture (analysed into a fresh database, with the
 * zone file zones when not NULL). */
static char *fired_zones(const struct mk_kb *kb, const char *capture, const char *zones)
{
	char dbdir[] = "/tmp/mk-ev-XXXXXX", db[64], path[1024], err[512] = "";
	struct mk_store *st;
	struct mk_report r;
	struct mk_assessment as = {.kb = kb};
	static char out[2048];

	assert_non_null(mkdtemp(dbdir));
	snprintf(db, sizeof(db), "%s/t.db", dbdir);
	snprintf(path, sizeof(path), "%s/%s", MK_TEST_SHARED "/captures", capture);
	char *argv[] = {"analyze", "--db", db, "-q", path, "--zones", (char *)zones, NULL};
	assert_int_equal(mk_cmd_analyze(zones != NULL ? 7 : 5, argv), 0);
	assert_int_equal(mk_store_sqlite.open(&st, db, err, sizeof(err)), 0);
	assert_int_equal(mk_report_load(st, &r), 0);
	assert_int_equal(mk_assess_evidence(&as, &r), 0);
	out[0] = '\0';
	for (size_t i = 0; i < as.n_suggestions; i++) {
		size_t n = strlen(out);

		snprintf(out + n, sizeof(out) - n, " %s:%s=%s/%zu", kb->rules[as.suggestions[i].rule].id,
		         as.suggestions[i].key, as.suggestions[i].value, as.suggestions[i].count);
	}
	clear(&as);
	mk_report_free(&r);
	mk_store_sqlite.close(st);
	unlink(db);
	rmdir(dbdir);
	return out;
}

static char *fired(const struct mk_kb *kb, const char *capture)
{
	return fired_zones(kb, capture, NULL);
}

static void has(const char *got, const char *want, const char *capture)
{
	if (strstr(got, want) == NULL)
		fail_msg("%s: want %s, got%s", capture, want, got);
}

static void hasnt(const char *got, const char *rule, const char *capture)
{
	char key[80];

	snprintf(key, sizeof(key), " %s:", rule);
	if (strstr(got, key) != NULL)
		fail_msg("%s: %s fired:%s", capture, rule, got);
}

static void test_real_captures(void **state)
{
	(void)state;
	struct mk_kb *kb = NULL;
	char err[1024] = "";
	const char *c, *got;

	if (mk_kb_load(kb_dir, &kb, err, sizeof(err)) != 0)
		fail_msg("knowledge base: %s", err);

	/* SSH from the LAN to internet hosts (zeek's capture) */
	got = fired(kb, c = "office/ssh__ssh.pcap");
	has(got, " remote_access_outside:use.maintenance=yes/5", c);
	has(got, " remote_access_unplanned:maintenance.on_demand=no/5", c);
	/* VNC inside one LAN: remote access, but not from outside */
	got = fired(kb, c = "office/rfb__vncmac.pcap");
	hasnt(got, "remote_access_outside", c);
	hasnt(got, "remote_access_unplanned", c);

	/* Modbus from an internet address into a PLC */
	got = fired(kb, c = "modbus/bro__modbus__fuzz-72.pcap");
	has(got, " control_to_internet:use.internet=yes/1", c);
	has(got, " control_to_internet:internet.no_direct_control=no/1", c);
	has(got, " inbound_from_internet:internet.no_inbound=no/1", c);
	got = fired(kb, c = "modbus/modbus_example.pcap");
	hasnt(got, "control_to_internet", c);
	hasnt(got, "inbound_from_internet", c);

	/* a FUJIFILM multifunction printer answering SNMP; FTP with a password */
	got = fired(kb, c = "office/snmp__snmpv1_get.pcap");
	has(got, " printers:use.mfp=yes/1", c);
	got = fired(kb, c = "office/ftp__ftp-password-pass-command.pcap");
	hasnt(got, "printers", c);
	has(got, " cleartext_passwords:general.secure_logins=no/1", c);
	has(got, " cleartext_login_services:general.secure_logins=no/1", c);
	got = fired(kb, c = "office/ssh__reverse-ssh.pcap");
	hasnt(got, "cleartext_passwords", c);
	hasnt(got, "cleartext_login_services", c);

	/* MQTT to a broker on the internet, and MQTT on the loopback only */
	got = fired(kb, c = "mqtt/mqtt-ping__input.pcap");
	has(got, " mqtt_to_internet:use.iot=yes/1", c);
	has(got, " mqtt_to_internet:use.cloud=yes/1", c);
	has(got, " iot_devices:use.iot=yes/1", c);
	got = fired(kb, c = "mqtt/mqtt-limit-2__input.pcap");
	hasnt(got, "mqtt_to_internet", c);
	hasnt(got, "iot_devices", c);

	/* new devices after the learned part of the input */
	got = fired(kb, c = "iec61850/IEC61850__Sample_File_MMS_and_GOOSE.pcap");
	has(got, " new_devices:use.new_equipment=yes/4", c);
	/* the SCADA server that also uses file shares is no office PC among PLCs */
	hasnt(got, "office_factory_flat", c);
	got = fired(kb, c = "s7comm/s7__step7_s300_download.pcapng");
	hasnt(got, "new_devices", c);

	/* a NETGEAR router; a Raspberry Pi */
	got = fired(kb, c = "modbus/modbus_example.pcap");
	has(got, " consumer_routers:use.wifi=yes/1", c);
	got = fired(kb, c = "office/dhcp-mud.pcap");
	has(got, " small_computers:use.iot=yes/1", c);
	hasnt(got, "consumer_routers", c);

	/* a MacBook with a private (random) Wi-Fi address; VMware addresses */
	got = fired(kb, c = "office/dhcp-option-108.pcapng");
	has(got, " random_mac:use.mobile=yes/1", c);
	got = fired(kb, c = "office/ftp__ftp-password-pass-command.pcap");
	hasnt(got, "random_mac", c);
	hasnt(got, "small_computers", c);

	/* STEP 7 download from the engineering PC's /24 into the PLC's, with the
	 * two subnets as zones and no conduit; without zones nothing */
	char zones[] = "/tmp/mk-ev-zones-XXXXXX";
	int fd = mkstemp(zones);
	static const char text[] = "zone eng Engineering\nsubnet eng 134.249.53.0/24\n"
	                           "zone line1 Line 1\nsubnet line1 134.249.61.0/24\n";
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	got = fired_zones(kb, c = "s7comm/s7__step7_s300_download.pcapng", zones);
	has(got, " zone_violations:office_net.separate=no/1", c);
	unlink(zones);
	got = fired(kb, c);
	hasnt(got, "zone_violations", c);
	mk_kb_free(kb);
}

/* The assessment document (mk_assess_run, mk_assess_json) carries the
 * evidence objects: under the entry point of use.EP, and the answers of
 * measures for every entry point in the top-level "suggestions". */
static void test_document(void **state)
{
	(void)state;
	struct mk_kb *kb = NULL;
	char err[1024] = "", dbdir[] = "/tmp/mk-ev-XXXXXX", db[64], *buf = NULL;
	size_t len = 0;
	struct mk_store *st;
	struct mk_report r;
	struct mk_answers none = {0};
	struct mk_assessment *as = NULL;
	json_error_t je;

	if (mk_kb_load(kb_dir, &kb, err, sizeof(err)) != 0)
		fail_msg("knowledge base: %s", err);
	assert_non_null(mkdtemp(dbdir));
	snprintf(db, sizeof(db), "%s/t.db", dbdir);
	char *argv[] = {"analyze", "--db", db, "-q",
	                MK_TEST_SHARED "/captures/office/ftp__ftp-password-pass-command.pcap",
	                MK_TEST_SHARED "/captures/office/ssh__reverse-ssh.pcap", NULL};
	assert_int_equal(mk_cmd_analyze(6, argv), 0);
	assert_int_equal(mk_store_sqlite.open(&st, db, err, sizeof(err)), 0);
	assert_int_equal(mk_report_load(st, &r), 0);
	if (mk_assess_run(kb, &none, &r, NULL, 1700000000000000000ull, &as, err, sizeof(err)) != 0)
		fail_msg("assess: %s", err);
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(mk_assess_json(f, as, &none), 0);
	fclose(f);
	json_t *doc = json_loads(buf, 0, &je);
	if (doc == NULL)
		fail_msg("bad JSON: %s", je.text);

	/* the maintenance line: remote access to 13.13.13.37 */
	json_t *eps = json_object_get(doc, "entry_points"), *ev = NULL;
	for (size_t i = 0; i < json_array_size(eps); i++) {
		json_t *e = json_array_get(eps, i);
		if (strcmp(json_string_value(json_object_get(e, "id")), "maintenance") != 0)
			continue;
		json_t *sg = json_object_get(e, "suggestions");
		for (size_t k = 0; k < json_array_size(sg); k++) {
			json_t *x = json_object_get(json_array_get(sg, k), "evidence");
			if (strcmp(json_string_value(json_object_get(x, "rule")),
			           "remote_access_outside") == 0)
				ev = json_array_get(sg, k);
		}
	}
	if (ev == NULL)
		fail_msg("no remote_access_outside suggestion under maintenance: %.2000s", buf);
	assert_string_equal(json_string_value(json_object_get(ev, "question")), "use.maintenance");
	assert_string_equal(json_string_value(json_object_get(ev, "answer")), "yes");
	json_t *x = json_object_get(ev, "evidence");
	assert_int_equal(json_integer_value(json_object_get(x, "count")), 1);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(x, "items"), 0), "detail")),
	                    "ssh 10.0.0.1 \xe2\x86\x92 13.13.13.37:22");

	/* cleartext logins: general.secure_logins, outside the entry points */
	json_t *top = json_object_get(doc, "suggestions");
	size_t found = 0;
	for (size_t k = 0; k < json_array_size(top); k++) {
		json_t *t = json_array_get(top, k);
		const char *rule = json_string_value(
			json_object_get(json_object_get(t, "evidence"), "rule"));
		if (strcmp(json_string_value(json_object_get(t, "question")),
		           "general.secure_logins") == 0 &&
		    (strcmp(rule, "cleartext_passwords") == 0 ||
		     strcmp(rule, "cleartext_login_services") == 0))
			found++;
	}
	if (found != 2)
		fail_msg("%zu cleartext suggestions at the top: %.2000s", found, buf);
	json_decref(doc);
	free(buf);
	mk_assess_free(as);
	mk_report_free(&r);
	mk_store_sqlite.close(st);
	unlink(db);
	rmdir(dbdir);
	mk_kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_every_kind),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_text_errors),
		cmocka_unit_test(test_eval_plant),
		cmocka_unit_test(test_eval_cap),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_real_captures),
		cmocka_unit_test(test_document),
	};
	int rc;

	setenv("TZ", "UTC", 1);
	rc = cmocka_run_group_tests_name("evidence", tests, NULL, NULL);
	if (!full_kb()) {
		/* TRANSITIONAL (issue 6 in progress): the rules name entry points
		 * and countermeasures of other branches' content. */
		fprintf(stderr, "data/kb is not complete yet (no scoring.kb): real captures skipped\n");
		return rc;
	}
	if (access(MK_TEST_SHARED "/captures/office/ssh__ssh.pcap", R_OK) != 0) {
		fprintf(stderr, "../shared/captures missing: real captures skipped\n");
		return rc;
	}
	return rc | cmocka_run_group_tests_name("evidence on real captures", real, NULL, NULL);
}

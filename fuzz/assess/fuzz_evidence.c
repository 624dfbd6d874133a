/* fuzz_evidence.c - fuzz target for the evidence rules (src/assess/evidence.c).
 * The input is the text of an evidence.kb file: parsed into stanzas, built
 * into rules against a small knowledge base (tests/unit/support/kb_fixture.c,
 * whose entry points are alpha and beta), then, when it builds, evaluated
 * over a small hand-made report and written as JSON.  A bad file must be
 * refused with "FILE:LINE: reason", never crash; a good one must evaluate and
 * render without fault, and every suggestion must hold what it claims (at
 * most 20 items, count at least the items, texts present). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/evidence_int.h"
#include "assess/kb_int.h"
#include "mieruka/report.h"
#include "support/kb_fixture.h"

static struct mk_kb *kb;
static struct mk_report rep;

static void add_asset(const char *mac, const char *ip, const char *vendor, const char *name,
                      int role, int conf)
{
	struct mk_asset_rec *a = &rep.assets[rep.n_assets++];

	memset(a, 0, sizeof(*a));
	mk_addr_parse(&a->mac, mac);
	snprintf(a->id, sizeof(a->id), "m-%zu", rep.n_assets);
	a->ips = calloc(1, sizeof(*a->ips));
	mk_addr_parse(&a->ips[0], ip);
	a->n_ips = 1;
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
		if (role == MK_ROLE_HMI) {
			a->attrs = calloc(1, sizeof(*a->attrs));
			a->attrs[0].key = strdup("tls_sni");
			a->attrs[0].value = strdup("telemetry.cloud.example.com");
			a->n_attrs = 1;
		}
	}
	a->first_ns = 1000000000ull;
	a->last_ns = 2000000000ull;
}

static void add_conv(const char *cl, const char *sv, uint16_t port, int proto)
{
	struct mk_conv_rec *c = &rep.convs[rep.n_convs++];

	memset(c, 0, sizeof(*c));
	mk_addr_parse(&c->client, cl);
	mk_addr_parse(&c->server, sv);
	c->port = port;
	c->proto = (uint16_t)proto;
	c->transport = 6;
}

static void add_alert(const char *type, const char *cl, const char *sv, int status)
{
	struct mk_alert_rec *a = &rep.alerts[rep.n_alerts++];

	memset(a, 0, sizeof(*a));
	snprintf(a->type, sizeof(a->type), "%s", type);
	mk_addr_parse(&a->client, cl);
	if (sv != NULL)
		mk_addr_parse(&a->server, sv);
	a->status = (uint8_t)status;
	a->first_ns = 3000000000ull;
	a->last_ns = 4000000000ull;
}

static void setup(void)
{
	char dir[256], err[512];

	if (kb_fixture_write(dir, sizeof(dir), NULL, NULL, NULL) != 0 ||
	    mk_kb_load(dir, &kb, err, sizeof(err)) != 0) {
		fprintf(stderr, "fixture: %s\n", err);
		abort();
	}
	kb_fixture_remove(dir);
	rep.assets = calloc(8, sizeof(*rep.assets));
	rep.convs = calloc(8, sizeof(*rep.convs));
	rep.alerts = calloc(8, sizeof(*rep.alerts));
	add_asset("00:80:77:00:00:01", "192.168.1.10", "Brother industries, LTD.", "PRN-01",
	          MK_ROLE_PRINTER, 40);
	add_asset("6a:aa:bb:cc:dd:01", "192.168.1.50", NULL, "iPhone-7", -1, 0);
	add_asset("00:00:00:00:00:03", "192.168.1.20", NULL, NULL, MK_ROLE_OFFICE_PC, 60);
	add_asset("00:00:00:00:00:04", "192.168.1.30", "Mitsubishi", NULL, MK_ROLE_PLC, 90);
	add_asset("00:00:00:00:00:05", "192.168.2.40", NULL, NULL, MK_ROLE_HMI, 70);
	add_asset("00:00:00:00:00:07", "10.0.0.7", NULL, NULL, MK_ROLE_IOT, 50);
	add_conv("192.168.1.20", "192.168.1.10", 9100, MK_PROTO_JETDIRECT);
	add_conv("10.0.0.7", "52.10.20.30", 1883, MK_PROTO_MQTT);
	add_conv("192.168.1.20", "192.168.2.40", 502, MK_PROTO_MODBUS);
	add_conv("::1", "::1", 1883, MK_PROTO_MQTT);
	add_alert("remote_access", "192.168.1.20", "93.184.216.34", MK_ALERT_OPEN);
	add_alert("remote_access", "192.168.1.20", "8.8.4.4", MK_ALERT_PLANNED);
	add_alert("new_device", "6a:aa:bb:cc:dd:01", NULL, MK_ALERT_OPEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mk_kb_doc doc = {0};
	char err[512] = "";

	if (kb == NULL)
		setup();
	if (mk_kb_parse_text(&doc, "fuzz.kb", (const char *)data, size, err, sizeof(err)) == 0) {
		/* only evidence stanzas: others would be unknown kinds to the loader */
		bool only = true;

		for (size_t i = 0; i < doc.n; i++)
			only = only && mk_ev_kind(doc.v[i].kind);
		if (only && mk_ev_build(kb, &doc, err, sizeof(err)) == 0) {
			struct mk_assessment as = {.kb = kb};

			for (size_t i = 0; i < doc.n; i++)
				if (mk_kb_check_used(&doc.v[i], err, sizeof(err)) != 0)
					break;
			if (mk_assess_evidence(&as, &rep) != 0)
				abort(); /* only ENOMEM may fail */
			char *buf = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&buf, &len);
			struct mk_json j;

			if (f == NULL)
				abort();
			mk_json_init(&j, f, false);
			mk_json_begin_array(&j);
			for (size_t i = 0; i < as.n_suggestions; i++) {
				const struct mk_suggestion *s = &as.suggestions[i];

				if (s->n_items > MK_EV_MAX_ITEMS || s->count < s->n_items ||
				    s->count == 0 || s->text_ja == NULL || s->text_en == NULL ||
				    s->rule >= kb->n_rules)
					abort();
				mk_ev_json(&j, &as, s);
			}
			mk_json_end_array(&j);
			fclose(f);
			free(buf);
			for (size_t i = 0; i < as.n_suggestions; i++) {
				free(as.suggestions[i].items);
				free(as.suggestions[i].text_ja);
				free(as.suggestions[i].text_en);
			}
			free(as.suggestions);
		} else if (only && doc.n > 0 && strstr(err, "fuzz.kb:") != err) {
			fprintf(stderr, "error without its file and line: %s\n", err);
			abort();
		}
		mk_ev_free(kb);
	}
	mk_kb_arena_free(doc.arena);
	mk_kb_doc_free(&doc);
	return 0;
}

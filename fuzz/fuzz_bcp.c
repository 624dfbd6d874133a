/* fuzz_bcp.c - fuzz target for the user's BCP entries (src/assess/bcp*.c).
 * The entries come from an answers file or the dashboard, so any bytes must
 * be refused with a message or read, never crash.  What the check accepts the
 * assessment must accept too, over a small report (so the entries meet
 * candidates, dependencies and a cycle), and the document it writes must be
 * JSON.  The template is data/kb/bcp.kb (with sources.kb), built alone so the
 * target does not depend on the rest of the knowledge base. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/bcp_int.h"
#include "assess/kb_int.h"
#include "mieruka/report.h"

#define NOW_NS (1773144000ull * 1000000000ull) /* 2026-03-10T12:00:00Z */

static struct mk_kb *template_kb(void)
{
	static struct mk_kb kb;
	static struct mk_kb_doc doc;
	char dir[4096], err[1024];
	size_t n = 0;

	if (kb.bcp != NULL)
		return &kb;
	if (!mk_data_path("kb", dir, sizeof(dir)) ||
	    mk_kb_parse_dir(&doc, dir, err, sizeof(err)) != 0)
		goto fail;
	for (size_t i = 0; i < doc.n; i++)
		n += strcmp(doc.v[i].kind, "source") == 0;
	if ((kb.sources = calloc(n + 1, sizeof(*kb.sources))) == NULL)
		goto fail;
	for (size_t i = 0; i < doc.n; i++)
		if (strcmp(doc.v[i].kind, "source") == 0)
			kb.sources[kb.n_sources++].id = doc.v[i].id;
	if (mk_bcp_tpl_build(&kb, &doc, err, sizeof(err)) != 0 || kb.bcp == NULL)
		goto fail;
	return &kb;
fail:
	fprintf(stderr, "fuzz_bcp: no template: %s\n", err);
	abort();
}

/* A router, a server, two PLCs, SCADA; SCADA and one PLC wait on each other. */
static const struct mk_report *report(void)
{
	static struct mk_asset_rec assets[5];
	static struct mk_addr ips[5];
	static struct mk_role_rec roles[5];
	static struct mk_conv_rec convs[5];
	static struct mk_report r;
	static const char *const ip[] = {"10.0.0.1", "10.0.0.10", "10.0.0.21", "10.0.0.22",
	                                 "10.0.0.30"};
	static const uint8_t role[] = {MK_ROLE_ROUTER, MK_ROLE_SERVER, MK_ROLE_PLC, MK_ROLE_PLC,
	                               MK_ROLE_SCADA_SERVER};
	static const int conv[][2] = {{4, 2}, {4, 3}, {3, 4}, {4, 1}, {1, 0}};

	if (r.assets != NULL)
		return &r;
	for (size_t i = 0; i < 5; i++) {
		snprintf(assets[i].id, sizeof(assets[i].id), "m-%zu", i);
		mk_addr_parse(&ips[i], ip[i]);
		assets[i].ips = &ips[i];
		assets[i].n_ips = 1;
		roles[i].role = role[i];
		roles[i].confidence = 90;
		assets[i].roles = &roles[i];
		assets[i].n_roles = 1;
		convs[i].client = ips[conv[i][0]];
		convs[i].server = ips[conv[i][1]];
		convs[i].proto = MK_PROTO_MODBUS;
		convs[i].packets = 10;
		convs[i].flows = 1;
	}
	r.assets = assets;
	r.n_assets = 5;
	r.convs = convs;
	r.n_convs = 5;
	return &r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mk_kb *kb = template_kb();
	struct mk_assessment as = {.kb = kb, .at_ns = NOW_NS};
	struct mk_answers a = {0};
	char err[1024], *text, *buf = NULL;
	size_t len = 0;
	int ok;
	FILE *f;
	struct mk_json j;
	json_error_t jerr;
	json_t *v;

	ok = mk_bcp_validate(kb, (const char *)data, size, NOW_NS, err, sizeof(err)) == 0;
	if (!ok && err[0] == '\0')
		abort(); /* refused without a reason */
	if (memchr(data, 0, size) != NULL)
		return 0; /* the answers keep the entries as a C string */
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	a.bcp_json = text;
	if (mk_assess_bcp(&as, &a, report(), err, sizeof(err)) != 0) {
		free(text);
		if (ok)
			abort(); /* the check accepted what the assessment refuses */
		return 0;
	}
	free(text);
	if (!ok)
		abort(); /* the assessment accepted what the check refuses */
	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();
	mk_json_init(&j, f, false);
	mk_bcp_json(&j, &as);
	fclose(f);
	if ((v = json_loadb(buf, len, 0, &jerr)) == NULL)
		abort(); /* the document is not JSON */
	json_decref(v);
	free(buf);
	mk_bcp_doc_free(as.bcp);
	return 0;
}

/* json.c - the JSON document of interface.md ("schema": "mieruka/1").
 *
 * Keys appear in the order interface.md lists them.  Extensions (allowed by
 * interface.md: "extend it freely") come after the fixed keys of their object:
 *   asset:          "hostname_sources": [{"name", "source"}], "attributes":
 *                   [{"key", "value", "source"}]
 *   communication:  "flows": connections/flows folded into the record
 *   alert:          "count", "first_seen", "last_seen" (aggregation: one alert per
 *                   type and subject, counted); in the alert stream's JSON lines
 *                   also "event" (alert_stream.h)
 *   top level:      "changes": [CHANGE] (the change ledger, mk_report_json_change),
 *                   "maintenance_windows": [{"id", "start", "end", "devices",
 *                   "vendor", "note", "created"}],
 *                   "statistics": {counter name: value}
 * An alert's "time" is when it was first seen; "evidence" holds the client,
 * server, protocol and port it is about, then what detect put in it
 * (operation details and their counts, distinct targets of a scan...), numbers
 * as JSON numbers.
 * All text goes through the escaping JSON writer (util.h), which also turns
 * invalid UTF-8 into U+FFFD, so names from the network cannot break the
 * document.
 */
#include "mieruka/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/facts.h"
#include "mieruka/pkt.h"
#include "mieruka/util.h"

static void json_addr(struct mk_json *j, const struct mk_addr *a)
{
	char buf[MK_ADDR_STRLEN];

	if (a->family == MK_AF_NONE) {
		mk_json_null(j);
		return;
	}
	mk_addr_str(a, buf);
	/* interface.md: MAC addresses in lower case, whatever the formatter does. */
	for (char *p = buf; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	mk_json_string(j, buf);
}

static void json_proto_set(struct mk_json *j, const struct mk_proto_set *set)
{
	mk_json_begin_array(j);
	for (unsigned id = 0; id < MK_PROTO_COUNT; id++)
		if (mk_proto_set_has(set, id))
			mk_json_string(j, mk_proto_id_name(id));
	mk_json_end_array(j);
}

void mk_report_json_capture(struct mk_json *j, const struct mk_capture_rec *c)
{
	unsigned n = c->n_linktypes <= 8 ? c->n_linktypes : 8;

	mk_json_begin_object(j);
	mk_json_key(j, "file");
	mk_json_string(j, c->file != NULL ? c->file : "");
	mk_json_key(j, "packets");
	mk_json_uint(j, c->packets);
	mk_json_key(j, "bytes");
	mk_json_uint(j, c->bytes);
	mk_json_key(j, "first");
	mk_json_time(j, c->first_ns);
	mk_json_key(j, "last");
	mk_json_time(j, c->last_ns);
	mk_json_key(j, "link_types");
	mk_json_begin_array(j);
	for (unsigned i = 0; i < n; i++) {
		const char *name = mk_link_name(c->linktypes[i]);
		char buf[24];

		if (name == NULL) {
			/* A link type this build cannot name: keep the registry number. */
			snprintf(buf, sizeof(buf), "linktype_%u", c->linktypes[i]);
			name = buf;
		}
		mk_json_string(j, name);
	}
	mk_json_end_array(j);
	mk_json_key(j, "warnings");
	mk_json_begin_array(j);
	for (size_t i = 0; i < c->n_warnings; i++)
		mk_json_string(j, c->warnings[i] != NULL ? c->warnings[i] : "");
	mk_json_end_array(j);
	mk_json_end_object(j);
}

static void json_identity(struct mk_json *j, const struct mk_identity_rec *id)
{
	if (id == NULL) {
		mk_json_null(j);
		return;
	}
	mk_json_begin_object(j);
	mk_json_key(j, "vendor");
	mk_json_string(j, id->vendor);
	mk_json_key(j, "product");
	mk_json_string(j, id->product);
	mk_json_key(j, "model");
	mk_json_string(j, id->model);
	mk_json_key(j, "firmware");
	mk_json_string(j, id->firmware);
	mk_json_key(j, "serial");
	mk_json_string(j, id->serial);
	mk_json_key(j, "source");
	mk_json_string(j, mk_proto_id_name(id->source));
	mk_json_end_object(j);
}

void mk_report_json_asset(struct mk_json *j, const struct mk_report *rep, size_t i_asset)
{
	const struct mk_asset_rec *a = &rep->assets[i_asset];
	const char *zid, *zname;

	mk_json_begin_object(j);
	mk_json_key(j, "id");
	mk_json_stringn(j, a->id, strnlen(a->id, sizeof(a->id)));
	mk_json_key(j, "mac");
	json_addr(j, a->mac.family == MK_AF_MAC ? &a->mac : &(struct mk_addr){0});
	mk_json_key(j, "ips");
	mk_json_begin_array(j);
	for (size_t i = 0; i < a->n_ips; i++)
		json_addr(j, &a->ips[i]);
	mk_json_end_array(j);
	mk_json_key(j, "vendor");
	mk_json_string(j, a->vendor);
	mk_json_key(j, "hostnames");
	mk_json_begin_array(j);
	for (size_t i = 0; i < a->n_names; i++)
		mk_json_string(j, a->names[i].name != NULL ? a->names[i].name : "");
	mk_json_end_array(j);
	mk_json_key(j, "roles");
	mk_json_begin_array(j);
	for (size_t i = 0; i < a->n_roles; i++) {
		const struct mk_role_rec *r = &a->roles[i];

		mk_json_begin_object(j);
		mk_json_key(j, "role");
		mk_json_string(j, mk_role_name(r->role));
		mk_json_key(j, "confidence");
		mk_json_uint(j, r->confidence <= 100 ? r->confidence : 100);
		mk_json_key(j, "reasons");
		mk_json_begin_array(j);
		for (size_t k = 0; k < r->n_reasons; k++)
			mk_json_string(j, r->reasons[k] != NULL ? r->reasons[k] : "");
		mk_json_end_array(j);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "protocols");
	mk_json_begin_object(j);
	mk_json_key(j, "server");
	json_proto_set(j, &a->server);
	mk_json_key(j, "client");
	json_proto_set(j, &a->client);
	mk_json_end_object(j);
	mk_json_key(j, "identity");
	json_identity(j, a->identity);
	mk_json_key(j, "os");
	mk_json_string(j, a->os);
	mk_json_key(j, "first_seen");
	mk_json_time(j, a->first_ns);
	mk_json_key(j, "last_seen");
	mk_json_time(j, a->last_ns);
	mk_json_key(j, "packets");
	mk_json_uint(j, a->packets);
	mk_json_key(j, "bytes");
	mk_json_uint(j, a->bytes);
	/* extensions */
	mk_json_key(j, "hostname_sources");
	mk_json_begin_array(j);
	for (size_t i = 0; i < a->n_names; i++) {
		mk_json_begin_object(j);
		mk_json_key(j, "name");
		mk_json_string(j, a->names[i].name != NULL ? a->names[i].name : "");
		mk_json_key(j, "source");
		mk_json_string(j, mk_proto_id_name(a->names[i].source));
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "attributes");
	mk_json_begin_array(j);
	for (size_t i = 0; i < a->n_attrs; i++) {
		mk_json_begin_object(j);
		mk_json_key(j, "key");
		mk_json_string(j, a->attrs[i].key != NULL ? a->attrs[i].key : "");
		mk_json_key(j, "value");
		mk_json_string(j, a->attrs[i].value);
		mk_json_key(j, "source");
		mk_json_string(j, mk_proto_id_name(a->attrs[i].source));
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	/* the 802.1Q VLAN ids it sent from (model.h), ascending */
	mk_json_key(j, "vlans");
	mk_json_begin_array(j);
	for (size_t i = 0; i < a->n_vlans && i < MK_ASSET_MAX_VLANS; i++)
		mk_json_uint(j, a->vlans[i]);
	mk_json_end_array(j);
	/* the asset's zone (zones.h): {"id", "name"}, null when in none */
	mk_json_key(j, "zone");
	if (mk_report_asset_zone(rep, i_asset, &zid, &zname)) {
		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, zid);
		mk_json_key(j, "name");
		mk_json_string(j, zname);
		mk_json_end_object(j);
	} else {
		mk_json_null(j);
	}
	mk_json_end_object(j);
}

static const char *transport_name(uint8_t t)
{
	switch (t) {
	case 6: return "tcp";
	case 17: return "udp";
	default: return "l2";
	}
}

void mk_report_json_conv(struct mk_json *j, const struct mk_conv_rec *c)
{
	bool l2 = c->transport != 6 && c->transport != 17;

	mk_json_begin_object(j);
	mk_json_key(j, "client");
	json_addr(j, &c->client);
	mk_json_key(j, "server");
	json_addr(j, &c->server);
	mk_json_key(j, "transport");
	mk_json_string(j, transport_name(c->transport));
	mk_json_key(j, "port");
	if (l2)
		mk_json_null(j);
	else
		mk_json_uint(j, c->port);
	mk_json_key(j, "protocol");
	mk_json_string(j, mk_proto_id_name(c->proto));
	mk_json_key(j, "packets");
	mk_json_uint(j, c->packets);
	mk_json_key(j, "bytes");
	mk_json_uint(j, c->bytes);
	mk_json_key(j, "first_seen");
	mk_json_time(j, c->first_ns);
	mk_json_key(j, "last_seen");
	mk_json_time(j, c->last_ns);
	mk_json_key(j, "operations");
	mk_json_begin_object(j);
	for (unsigned op = 0; op < MK_OP_COUNT; op++) {
		mk_json_key(j, mk_op_class_name(op));
		mk_json_uint(j, c->ops[op]);
	}
	mk_json_end_object(j);
	/* extension */
	mk_json_key(j, "flows");
	mk_json_uint(j, c->flows);
	mk_json_end_object(j);
}

#define MAX_REFS 16

static bool all_digits(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9')
			return false;
	return n > 0 && n < 20 && !(n > 1 && s[0] == '0');
}

void mk_report_json_alert(struct mk_json *j, const struct mk_report *r,
                          const struct mk_report_index *ix, const struct mk_alert_rec *a,
                          const char *event)
{
	size_t assets[MAX_REFS], convs[MAX_REFS], na, nc;
	char type[MK_ALERT_TYPE_LEN];

	memcpy(type, a->type, sizeof(type));
	type[sizeof(type) - 1] = '\0';
	mk_report_alert_refs(ix, r, a, assets, &na, convs, &nc, MAX_REFS);
	mk_json_begin_object(j);
	mk_json_key(j, "id");
	mk_json_stringn(j, a->id, strnlen(a->id, sizeof(a->id)));
	mk_json_key(j, "type");
	mk_json_string(j, type);
	mk_json_key(j, "severity");
	mk_json_string(j, mk_severity_name(a->severity));
	mk_json_key(j, "time");
	mk_json_time(j, a->first_ns);
	mk_json_key(j, "assets");
	mk_json_begin_array(j);
	for (size_t i = 0; i < na; i++)
		mk_json_stringn(j, r->assets[assets[i]].id,
		                strnlen(r->assets[assets[i]].id, sizeof(r->assets[assets[i]].id)));
	mk_json_end_array(j);
	mk_json_key(j, "communications");
	mk_json_begin_array(j);
	for (size_t i = 0; i < nc; i++)
		mk_json_uint(j, convs[i]);
	mk_json_end_array(j);
	mk_json_key(j, "title");
	mk_json_begin_object(j);
	mk_json_key(j, "ja");
	mk_json_string(j, a->title_ja != NULL ? a->title_ja : "");
	mk_json_key(j, "en");
	mk_json_string(j, a->title_en != NULL ? a->title_en : "");
	mk_json_end_object(j);
	mk_json_key(j, "detail");
	mk_json_begin_object(j);
	mk_json_key(j, "ja");
	mk_json_string(j, a->detail_ja != NULL ? a->detail_ja : "");
	mk_json_key(j, "en");
	mk_json_string(j, a->detail_en != NULL ? a->detail_en : "");
	mk_json_end_object(j);
	mk_json_key(j, "evidence");
	mk_json_begin_object(j);
	if (a->client.family != MK_AF_NONE) {
		mk_json_key(j, "client");
		json_addr(j, &a->client);
	}
	if (a->server.family != MK_AF_NONE) {
		mk_json_key(j, "server");
		json_addr(j, &a->server);
	}
	if (a->proto != MK_PROTO_UNKNOWN) {
		mk_json_key(j, "protocol");
		mk_json_string(j, mk_proto_id_name(a->proto));
	}
	if (a->port != 0) {
		mk_json_key(j, "port");
		mk_json_uint(j, a->port);
	}
	for (size_t i = 0; i < a->n_evidence; i++) {
		const char *k = a->evidence[i].key, *v = a->evidence[i].value;

		if (k == NULL || v == NULL || strcmp(k, "client") == 0 || strcmp(k, "server") == 0 ||
		    strcmp(k, "protocol") == 0 || strcmp(k, "port") == 0)
			continue;
		mk_json_key(j, k);
		if (all_digits(v)) {
			char *end;

			mk_json_uint(j, strtoull(v, &end, 10));
		} else {
			mk_json_string(j, v);
		}
	}
	mk_json_end_object(j);
	/* extensions */
	mk_json_key(j, "count");
	mk_json_uint(j, a->count);
	mk_json_key(j, "first_seen");
	mk_json_time(j, a->first_ns);
	mk_json_key(j, "last_seen");
	mk_json_time(j, a->last_ns);
	mk_json_key(j, "status");
	mk_json_string(j, mk_alert_status_name(a->status));
	if (a->status_note != NULL && a->status_note[0] != '\0') {
		mk_json_key(j, "status_note");
		mk_json_string(j, a->status_note);
	}
	if (event != NULL) {
		mk_json_key(j, "event");
		mk_json_string(j, event);
	}
	mk_json_end_object(j);
}

static void json_asset_id(struct mk_json *j, const struct mk_report *r, size_t i)
{
	if (i == (size_t)-1) {
		mk_json_null(j);
		return;
	}
	mk_json_stringn(j, r->assets[i].id, strnlen(r->assets[i].id, sizeof(r->assets[i].id)));
}

void mk_report_json_change(struct mk_json *j, const struct mk_report *r,
                           const struct mk_report_index *ix, const struct mk_change_rec *c)
{
	size_t ca = mk_report_asset_of(ix, &c->client), sa = mk_report_asset_of(ix, &c->server);

	mk_json_begin_object(j);
	mk_json_key(j, "id");
	mk_json_stringn(j, c->id, strnlen(c->id, sizeof(c->id)));
	mk_json_key(j, "first_seen");
	mk_json_time(j, c->first_ns);
	mk_json_key(j, "last_seen");
	mk_json_time(j, c->last_ns);
	mk_json_key(j, "client");
	json_addr(j, &c->client);
	mk_json_key(j, "server");
	json_addr(j, &c->server);
	mk_json_key(j, "assets");
	mk_json_begin_array(j);
	if (ca != (size_t)-1)
		json_asset_id(j, r, ca);
	if (sa != (size_t)-1 && sa != ca)
		json_asset_id(j, r, sa);
	mk_json_end_array(j);
	mk_json_key(j, "client_asset");
	json_asset_id(j, r, ca);
	mk_json_key(j, "server_asset");
	json_asset_id(j, r, sa);
	mk_json_key(j, "protocol");
	mk_json_string(j, mk_proto_id_name(c->proto));
	mk_json_key(j, "operation");
	mk_json_string(j, mk_op_class_name(c->op));
	mk_json_key(j, "detail");
	mk_json_stringn(j, c->detail, strnlen(c->detail, sizeof(c->detail)));
	mk_json_key(j, "count");
	mk_json_uint(j, c->count);
	mk_json_key(j, "result");
	mk_json_string(j, mk_change_result(c));
	mk_json_key(j, "planned");
	if (c->window != 0)
		mk_json_uint(j, c->window);
	else
		mk_json_null(j);
	mk_json_end_object(j);
}

void mk_report_json_window(struct mk_json *j, const struct mk_window_rec *w)
{
	size_t nd = w->n_devices < MK_WINDOW_MAX_DEVICES ? w->n_devices : MK_WINDOW_MAX_DEVICES;

	mk_json_begin_object(j);
	mk_json_key(j, "id");
	mk_json_uint(j, w->id);
	mk_json_key(j, "start");
	mk_json_time(j, w->start_ns);
	mk_json_key(j, "end");
	mk_json_time(j, w->end_ns);
	mk_json_key(j, "devices");
	mk_json_begin_array(j);
	for (size_t i = 0; i < nd; i++)
		json_addr(j, &w->devices[i]);
	mk_json_end_array(j);
	mk_json_key(j, "vendor");
	mk_json_stringn(j, w->vendor, strnlen(w->vendor, sizeof(w->vendor)));
	mk_json_key(j, "note");
	mk_json_stringn(j, w->note, strnlen(w->note, sizeof(w->note)));
	mk_json_key(j, "created");
	mk_json_time(j, w->created_ns);
	mk_json_end_object(j);
}

void mk_report_json_traffic(struct mk_json *j, const struct mk_traffic_rec *t)
{
	mk_json_begin_object(j);
	mk_json_key(j, "t");
	mk_json_time(j, t->hour_ns);
	mk_json_key(j, "packets");
	mk_json_uint(j, t->packets);
	mk_json_key(j, "bytes");
	mk_json_uint(j, t->bytes);
	mk_json_end_object(j);
}

int mk_report_json(FILE *f, const struct mk_report *r)
{
	struct mk_report_index *ix;
	struct mk_json j;

	mk_json_init(&j, f, true);
	mk_json_begin_object(&j);
	mk_json_key(&j, "schema");
	mk_json_string(&j, "mieruka/1");
	mk_json_key(&j, "generator");
	mk_json_string(&j, "mieruka " MK_VERSION);

	mk_json_key(&j, "captures");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < r->n_captures; i++)
		mk_report_json_capture(&j, &r->captures[i]);
	mk_json_end_array(&j);

	mk_json_key(&j, "assets");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < r->n_assets; i++)
		mk_report_json_asset(&j, r, i);
	mk_json_end_array(&j);

	mk_json_key(&j, "communications");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < r->n_convs; i++)
		mk_report_json_conv(&j, &r->convs[i]);
	mk_json_end_array(&j);

	mk_json_key(&j, "alerts");
	mk_json_begin_array(&j);
	ix = mk_report_index_new(r);
	for (size_t i = 0; i < r->n_alerts; i++)
		mk_report_json_alert(&j, r, ix, &r->alerts[i], NULL);
	mk_json_end_array(&j);

	mk_json_key(&j, "changes");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < r->n_changes; i++)
		mk_report_json_change(&j, r, ix, &r->changes[i]);
	mk_json_end_array(&j);
	mk_report_index_free(ix);

	mk_json_key(&j, "maintenance_windows");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < r->n_windows; i++)
		mk_report_json_window(&j, &r->windows[i]);
	mk_json_end_array(&j);

	/* extension: the learned baseline (docs/ARCHITECTURE.md "Detection") */
	mk_json_key(&j, "baseline");
	mk_json_begin_object(&j);
	mk_json_key(&j, "state");
	mk_json_string(&j, mk_baseline_state_name(r->baseline.state));
	mk_json_key(&j, "learn_start");
	if (r->baseline.learn_start_ns != 0)
		mk_json_time(&j, r->baseline.learn_start_ns);
	else
		mk_json_null(&j);
	mk_json_key(&j, "learn_end");
	if (r->baseline.learn_end_ns != 0)
		mk_json_time(&j, r->baseline.learn_end_ns);
	else
		mk_json_null(&j);
	mk_json_key(&j, "items");
	mk_json_uint(&j, r->n_baseline_items);
	mk_json_end_object(&j);

	/* extension: packets and bytes per hour, oldest first */
	mk_json_key(&j, "traffic");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < r->n_traffic; i++)
		mk_report_json_traffic(&j, &r->traffic[i]);
	mk_json_end_array(&j);

	mk_json_key(&j, "statistics");
	mk_json_begin_object(&j);
	for (size_t i = 0; i < r->n_counters; i++) {
		if (r->counters[i].name == NULL)
			continue;
		mk_json_key(&j, r->counters[i].name);
		mk_json_uint(&j, r->counters[i].value);
	}
	mk_json_end_object(&j);
	mk_json_end_object(&j);

	if (fflush(f) != 0 || ferror(f))
		return -1;
	return 0;
}

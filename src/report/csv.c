/* csv.c - assets.csv, communications.csv, captures.csv, alerts.csv and changes.csv
 * (the change ledger) for Excel.
 *
 * specification: RFC 4180 (Common Format and MIME Type for CSV Files).
 *
 * Excel needs a UTF-8 byte-order mark to read Japanese text correctly and
 * prefers CRLF line ends, so every file starts with EF BB BF and every record
 * ends with CRLF.  Fields holding a comma, a quote, CR or LF are quoted, with
 * quotes doubled.
 *
 * Host names, vendors and identities come from the network, and Excel runs a
 * cell that starts with = + - @ (and TAB or CR, which it strips) as a formula:
 * such a cell gets a leading apostrophe ("CSV injection", OWASP).  Bytes that
 * are not valid UTF-8 become U+FFFD so the file stays valid UTF-8.
 *
 * The first row holds stable English column ids (snake_case, the JSON key
 * names where there is one), never translated: scripts and Excel lookups rely
 * on them.  Times are RFC 3339 UTC like the JSON document; lists inside one
 * cell are separated by a space (addresses, protocols) or "; " (names, roles,
 * warnings).
 *
 * Each file is written to NAME.tmp and renamed into place, so a reader never
 * sees half a file.
 */
#include "mieruka/report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mieruka/facts.h"
#include "mieruka/pkt.h"
#include "mieruka/util.h"

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len, k;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (k = 1; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0; /* overlong, surrogate, above U+10FFFF */
	return len;
}

/* Writes one field (without separator); NULL is an empty field. */
static void csv_field(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i = 0;
	bool quote, guard;

	if (s == NULL)
		return;
	n = strlen(s);
	guard = n > 0 && strchr("=+-@\t\r", s[0]) != NULL;
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', f);
	if (guard)
		fputc('\'', f);
	while (i < n) {
		size_t len = utf8_len(p + i, n - i);

		if (len == 0) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
			i++;
			continue;
		}
		if (p[i] == '"')
			fputc('"', f);
		fwrite(p + i, 1, len, f);
		i += len;
	}
	if (quote)
		fputc('"', f);
}

/* A row from an array of fields. */
static void csv_row(FILE *f, const char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', f);
		csv_field(f, fields[i]);
	}
	fputs("\r\n", f);
}

/* Appends text to buf (bounded), with sep before it when buf is not empty. */
static void join(char *buf, size_t len, const char *sep, const char *text)
{
	size_t used = strlen(buf);

	if (text == NULL)
		return;
	snprintf(buf + used, len - used, "%s%s", used > 0 ? sep : "", text);
}

static void proto_list(const struct mk_proto_set *set, char *buf, size_t len)
{
	buf[0] = '\0';
	for (unsigned id = 0; id < MK_PROTO_COUNT; id++)
		if (mk_proto_set_has(set, id))
			join(buf, len, " ", mk_proto_id_name(id));
}

static void u64_text(uint64_t v, char buf[24])
{
	snprintf(buf, 24, "%llu", (unsigned long long)v);
}

static void write_assets(FILE *f, const struct mk_report *r)
{
	static const char *const head[] = {
		"id", "mac", "ips", "vendor", "hostnames", "role", "role_confidence", "roles",
		"server_protocols", "client_protocols", "identity_vendor", "identity_product",
		"identity_model", "identity_firmware", "identity_serial", "identity_source", "os",
		"first_seen", "last_seen", "packets", "bytes", "zone_id", "zone", "vlans",
	};
	enum { NCOL = sizeof(head) / sizeof(head[0]) };

	csv_row(f, head, NCOL);
	for (size_t i = 0; i < r->n_assets; i++) {
		const struct mk_asset_rec *a = &r->assets[i];
		const struct mk_identity_rec *idn = a->identity;
		char id[MK_ASSET_ID_LEN], mac[MK_ADDR_STRLEN] = "", ips[2048] = "", names[2048] = "";
		char roles[1024] = "", conf[8] = "", server[1024], client[1024], first[40], last[40];
		char pk[24], by[24], abuf[MK_ADDR_STRLEN], vlans[MK_ASSET_MAX_VLANS * 6 + 1] = "";
		const char *row[NCOL], *zid = NULL, *zname = NULL;

		memcpy(id, a->id, sizeof(id));
		id[sizeof(id) - 1] = '\0';
		if (a->mac.family == MK_AF_MAC)
			mk_addr_str(&a->mac, mac);
		for (size_t k = 0; k < a->n_ips; k++)
			join(ips, sizeof(ips), " ", mk_addr_str(&a->ips[k], abuf));
		for (size_t k = 0; k < a->n_names; k++)
			join(names, sizeof(names), "; ", a->names[k].name);
		for (size_t k = 0; k < a->n_roles; k++) {
			char one[64];

			snprintf(one, sizeof(one), "%s:%u", mk_role_name(a->roles[k].role),
			         a->roles[k].confidence);
			join(roles, sizeof(roles), "; ", one);
		}
		if (a->n_roles > 0)
			snprintf(conf, sizeof(conf), "%u", a->roles[0].confidence);
		proto_list(&a->server, server, sizeof(server));
		proto_list(&a->client, client, sizeof(client));
		u64_text(a->packets, pk);
		u64_text(a->bytes, by);
		row[0] = id;
		row[1] = mac;
		row[2] = ips;
		row[3] = a->vendor;
		row[4] = names;
		row[5] = a->n_roles > 0 ? mk_role_name(a->roles[0].role) : "";
		row[6] = conf;
		row[7] = roles;
		row[8] = server;
		row[9] = client;
		row[10] = idn != NULL ? idn->vendor : NULL;
		row[11] = idn != NULL ? idn->product : NULL;
		row[12] = idn != NULL ? idn->model : NULL;
		row[13] = idn != NULL ? idn->firmware : NULL;
		row[14] = idn != NULL ? idn->serial : NULL;
		row[15] = idn != NULL ? mk_proto_id_name(idn->source) : NULL;
		row[16] = a->os;
		row[17] = mk_time_rfc3339(a->first_ns, first, sizeof(first));
		row[18] = mk_time_rfc3339(a->last_ns, last, sizeof(last));
		row[19] = pk;
		row[20] = by;
		/* zone columns: empty when the asset is in no zone (or none are defined) */
		mk_report_asset_zone(r, i, &zid, &zname);
		row[21] = zid;
		row[22] = zname;
		/* VLAN ids, space-separated like the IPs */
		for (size_t k = 0; k < a->n_vlans && k < MK_ASSET_MAX_VLANS; k++) {
			char one[8];

			snprintf(one, sizeof(one), "%u", a->vlans[k]);
			join(vlans, sizeof(vlans), " ", one);
		}
		row[23] = vlans;
		csv_row(f, row, NCOL);
	}
}

static void write_convs(FILE *f, const struct mk_report *r)
{
	static const char *const head[] = {
		"client", "server", "transport", "port", "protocol", "packets", "bytes", "first_seen",
		"last_seen", "flows", "read", "write", "program", "control", "firmware", "auth",
		"diagnostic", "other",
	};
	enum { NCOL = sizeof(head) / sizeof(head[0]) };

	csv_row(f, head, NCOL);
	for (size_t i = 0; i < r->n_convs; i++) {
		const struct mk_conv_rec *c = &r->convs[i];
		bool l2 = c->transport != 6 && c->transport != 17;
		char cl[MK_ADDR_STRLEN], sv[MK_ADDR_STRLEN], port[8] = "", first[40], last[40];
		char nums[3 + MK_OP_COUNT][24];
		const char *row[NCOL];

		if (!l2)
			snprintf(port, sizeof(port), "%u", c->port);
		u64_text(c->packets, nums[0]);
		u64_text(c->bytes, nums[1]);
		u64_text(c->flows, nums[2]);
		for (int op = 0; op < MK_OP_COUNT; op++)
			u64_text(c->ops[op], nums[3 + op]);
		row[0] = mk_addr_str(&c->client, cl);
		row[1] = mk_addr_str(&c->server, sv);
		row[2] = c->transport == 6 ? "tcp" : c->transport == 17 ? "udp" : "l2";
		row[3] = port;
		row[4] = mk_proto_id_name(c->proto);
		row[5] = nums[0];
		row[6] = nums[1];
		row[7] = mk_time_rfc3339(c->first_ns, first, sizeof(first));
		row[8] = mk_time_rfc3339(c->last_ns, last, sizeof(last));
		row[9] = nums[2];
		for (int op = 0; op < MK_OP_COUNT; op++)
			row[10 + op] = nums[3 + op];
		csv_row(f, row, NCOL);
	}
}

static void write_captures(FILE *f, const struct mk_report *r)
{
	static const char *const head[] = {
		"file", "packets", "bytes", "first", "last", "link_types", "warnings",
	};
	enum { NCOL = sizeof(head) / sizeof(head[0]) };

	csv_row(f, head, NCOL);
	for (size_t i = 0; i < r->n_captures; i++) {
		const struct mk_capture_rec *c = &r->captures[i];
		char pk[24], by[24], first[40], last[40], links[256] = "", warns[4096] = "";
		const char *row[NCOL];
		unsigned nl = c->n_linktypes <= 8 ? c->n_linktypes : 8;

		for (unsigned k = 0; k < nl; k++) {
			const char *name = mk_link_name(c->linktypes[k]);
			char num[24];

			if (name == NULL) {
				snprintf(num, sizeof(num), "linktype_%u", c->linktypes[k]);
				name = num;
			}
			join(links, sizeof(links), " ", name);
		}
		for (size_t k = 0; k < c->n_warnings; k++)
			join(warns, sizeof(warns), "; ", c->warnings[k]);
		u64_text(c->packets, pk);
		u64_text(c->bytes, by);
		row[0] = c->file;
		row[1] = pk;
		row[2] = by;
		row[3] = mk_time_rfc3339(c->first_ns, first, sizeof(first));
		row[4] = mk_time_rfc3339(c->last_ns, last, sizeof(last));
		row[5] = links;
		row[6] = warns;
		csv_row(f, row, NCOL);
	}
}

/* One row per alert, texts in both languages; evidence as "key=value; ...". */
static void write_alerts(FILE *f, const struct mk_report *r)
{
	static const char *const head[] = {
		"id", "type", "severity", "first_seen", "last_seen", "count", "client", "server",
		"protocol", "port", "assets", "title_ja", "title_en", "detail_ja", "detail_en",
		"evidence", "status", "status_note",
	};
	enum { NCOL = sizeof(head) / sizeof(head[0]) };
	struct mk_report_index *ix = mk_report_index_new(r);

	csv_row(f, head, NCOL);
	for (size_t i = 0; i < r->n_alerts; i++) {
		const struct mk_alert_rec *a = &r->alerts[i];
		char id[MK_ALERT_ID_LEN], type[MK_ALERT_TYPE_LEN], first[40], last[40], count[24];
		char cl[MK_ADDR_STRLEN] = "", sv[MK_ADDR_STRLEN] = "", port[8] = "";
		char assets[1024] = "", ev[2048] = "";
		size_t as[16], cv[16], na, nc;
		const char *row[NCOL];

		memcpy(id, a->id, sizeof(id));
		id[sizeof(id) - 1] = '\0';
		memcpy(type, a->type, sizeof(type));
		type[sizeof(type) - 1] = '\0';
		if (a->client.family != MK_AF_NONE)
			mk_addr_str(&a->client, cl);
		if (a->server.family != MK_AF_NONE)
			mk_addr_str(&a->server, sv);
		if (a->port != 0)
			snprintf(port, sizeof(port), "%u", a->port);
		u64_text(a->count, count);
		mk_report_alert_refs(ix, r, a, as, &na, cv, &nc, 16);
		for (size_t k = 0; k < na; k++) {
			char aid[MK_ASSET_ID_LEN];

			memcpy(aid, r->assets[as[k]].id, sizeof(aid));
			aid[sizeof(aid) - 1] = '\0';
			join(assets, sizeof(assets), " ", aid);
		}
		for (size_t k = 0; k < a->n_evidence; k++) {
			char one[256];

			snprintf(one, sizeof(one), "%s=%s", a->evidence[k].key ? a->evidence[k].key : "",
			         a->evidence[k].value ? a->evidence[k].value : "");
			join(ev, sizeof(ev), "; ", one);
		}
		row[0] = id;
		row[1] = type;
		row[2] = mk_severity_name(a->severity);
		row[3] = mk_time_rfc3339(a->first_ns, first, sizeof(first));
		row[4] = mk_time_rfc3339(a->last_ns, last, sizeof(last));
		row[5] = count;
		row[6] = cl;
		row[7] = sv;
		row[8] = a->proto != MK_PROTO_UNKNOWN ? mk_proto_id_name(a->proto) : "";
		row[9] = port;
		row[10] = assets;
		row[11] = a->title_ja;
		row[12] = a->title_en;
		row[13] = a->detail_ja;
		row[14] = a->detail_en;
		row[15] = ev;
		row[16] = mk_alert_status_name(a->status);
		row[17] = a->status_note != NULL ? a->status_note : "";
		csv_row(f, row, NCOL);
	}
	mk_report_index_free(ix);
}

static const struct mk_window_rec *window_of(const struct mk_report *r, uint32_t id)
{
	for (size_t i = 0; id != 0 && i < r->n_windows; i++)
		if (r->windows[i].id == id)
			return &r->windows[i];
	return NULL;
}

/* The change ledger: one row per entry (a burst of identical operations). */
static void changes_rows(FILE *f, const struct mk_report *r,
                         bool (*keep)(const struct mk_change_rec *c, void *ctx), void *ctx)
{
	static const char *const head[] = {
		"id", "first_seen", "last_seen", "client", "server", "client_asset", "server_asset",
		"protocol", "operation", "detail", "count", "result", "planned",
		"maintenance_vendor", "maintenance_note",
	};
	enum { NCOL = sizeof(head) / sizeof(head[0]) };
	struct mk_report_index *ix = mk_report_index_new(r);

	csv_row(f, head, NCOL);
	for (size_t i = 0; i < r->n_changes; i++) {
		const struct mk_change_rec *c = &r->changes[i];
		const struct mk_window_rec *w = window_of(r, c->window);
		char id[MK_CHANGE_ID_LEN], detail[MK_CHANGE_DETAIL_LEN], first[40], last[40];
		char cl[MK_ADDR_STRLEN] = "", sv[MK_ADDR_STRLEN] = "", count[24], planned[16] = "";
		char ca[MK_ASSET_ID_LEN] = "", sa[MK_ASSET_ID_LEN] = "";
		char vendor[MK_WINDOW_TEXT_LEN] = "", note[MK_WINDOW_TEXT_LEN] = "";
		size_t ai;
		const char *row[NCOL];

		if (keep != NULL && !keep(c, ctx))
			continue;
		memcpy(id, c->id, sizeof(id));
		id[sizeof(id) - 1] = '\0';
		memcpy(detail, c->detail, sizeof(detail));
		detail[sizeof(detail) - 1] = '\0';
		if (c->client.family != MK_AF_NONE)
			mk_addr_str(&c->client, cl);
		if (c->server.family != MK_AF_NONE)
			mk_addr_str(&c->server, sv);
		if ((ai = mk_report_asset_of(ix, &c->client)) != (size_t)-1)
			snprintf(ca, sizeof(ca), "%.*s", (int)sizeof(ca) - 1, r->assets[ai].id);
		if ((ai = mk_report_asset_of(ix, &c->server)) != (size_t)-1)
			snprintf(sa, sizeof(sa), "%.*s", (int)sizeof(sa) - 1, r->assets[ai].id);
		u64_text(c->count, count);
		if (c->window != 0)
			snprintf(planned, sizeof(planned), "%u", (unsigned)c->window);
		if (w != NULL) {
			memcpy(vendor, w->vendor, sizeof(vendor));
			vendor[sizeof(vendor) - 1] = '\0';
			memcpy(note, w->note, sizeof(note));
			note[sizeof(note) - 1] = '\0';
		}
		row[0] = id;
		row[1] = mk_time_rfc3339(c->first_ns, first, sizeof(first));
		row[2] = mk_time_rfc3339(c->last_ns, last, sizeof(last));
		row[3] = cl;
		row[4] = sv;
		row[5] = ca;
		row[6] = sa;
		row[7] = mk_proto_id_name(c->proto);
		row[8] = mk_op_class_name(c->op);
		row[9] = detail;
		row[10] = count;
		row[11] = mk_change_result(c);
		row[12] = planned;
		row[13] = vendor;
		row[14] = note;
		csv_row(f, row, NCOL);
	}
	mk_report_index_free(ix);
}

static void write_changes(FILE *f, const struct mk_report *r)
{
	changes_rows(f, r, NULL, NULL);
}

void mk_report_csv_changes(FILE *f, const struct mk_report *r,
                           bool (*keep)(const struct mk_change_rec *c, void *ctx), void *ctx)
{
	fputs("\xef\xbb\xbf", f); /* BOM: Excel then reads UTF-8 */
	changes_rows(f, r, keep, ctx);
}

/* mkdir -p */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	size_t n = strlen(dir);
	struct stat sb;

	if (n == 0 || n >= sizeof(path)) {
		snprintf(err, errlen, "%s: bad directory name", dir);
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot create directory: %s", path, strerror(errno));
			return -1;
		}
		path[i] = i < n ? '/' : '\0';
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	return 0;
}

struct csv_job {
	void (*fill)(FILE *, const struct mk_report *);
	const struct mk_report *r;
};

static int fill_with_bom(FILE *f, void *ctx)
{
	const struct csv_job *job = ctx;

	fputs("\xef\xbb\xbf", f); /* BOM: Excel then reads UTF-8 */
	job->fill(f, job->r);
	return 0;
}

static int write_file(const char *dir, const char *name, void (*fill)(FILE *, const struct mk_report *),
                      const struct mk_report *r, char *err, size_t errlen)
{
	char path[4200];
	struct csv_job job = {fill, r};

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return mk_write_file_atomic(path, fill_with_bom, &job, err, errlen);
}

int mk_report_csv(const char *dir, const struct mk_report *r, char *err, size_t errlen)
{
	if (dir == NULL || make_dirs(dir, err, errlen) != 0)
		return -1;
	if (write_file(dir, "assets.csv", write_assets, r, err, errlen) != 0 ||
	    write_file(dir, "communications.csv", write_convs, r, err, errlen) != 0 ||
	    write_file(dir, "captures.csv", write_captures, r, err, errlen) != 0 ||
	    write_file(dir, "alerts.csv", write_alerts, r, err, errlen) != 0 ||
	    write_file(dir, "changes.csv", write_changes, r, err, errlen) != 0)
		return -1;
	return 0;
}

/* ---- the same rules for other modules' CSV files (src/assess/report_export.c) ---- */

void mk_report_csv_row(FILE *f, const char *const *fields, size_t n)
{
	csv_row(f, fields, n);
}

int mk_report_csv_mkdir(const char *dir, char *err, size_t errlen)
{
	return make_dirs(dir, err, errlen);
}

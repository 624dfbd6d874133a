/* text.c - the terminal summary of `mieruka analyze`, in the current language.
 *
 * Six parts: a totals block (captures, packets, data, time span, capture
 * warnings), the alerts (most severe first), the alerts that happened during
 * planned work (maintenance windows, 予定された作業) apart from them, the
 * change ledger (変更履歴, latest entries), the asset ledger, and the
 * conversations with the most data.
 * Tables are aligned by display width (a Japanese character takes two
 * columns), long cells are cut with an ellipsis, and each table stops after
 * max_rows with a pointer to the complete --json / --csv output.
 *
 * Every cell is sanitized again before printing: the records already hold
 * sanitized text, but a terminal must never receive control characters (an
 * escape sequence in a host name could rewrite the screen).
 */
#include "mieruka/report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mieruka/facts.h"
#include "mieruka/util.h"

#define MAX_COLS 10
#define CELL_MAX 512
#define GAP 2 /* spaces between columns */

struct table {
	size_t ncols, nrows, cap;
	const char *title[MAX_COLS];
	size_t maxw[MAX_COLS];  /* cut cells wider than this */
	bool right[MAX_COLS];   /* numbers: right-aligned */
	char **cells;           /* nrows * ncols, heap strings */
};

/* ---- text helpers ---- */

/* Bytes of the UTF-8 sequence starting with lead byte c (text is valid UTF-8
 * after mk_text_sanitize). */
static size_t seq_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* Sanitizes src into dst and cuts it to maxw display columns, ending with an
 * ellipsis when cut. */
static void cell_fit(char *dst, size_t dstlen, const char *src, size_t maxw)
{
	size_t n, i = 0, w = 0;

	mk_text_sanitize(dst, dstlen, src != NULL ? src : "", src != NULL ? strlen(src) : 0);
	if (maxw == 0 || mk_text_width(dst) <= maxw)
		return;
	n = strlen(dst);
	while (i < n) {
		size_t len = seq_len((unsigned char)dst[i]);
		char one[5];
		size_t cw;

		if (len > n - i)
			len = n - i;
		memcpy(one, dst + i, len);
		one[len] = '\0';
		cw = mk_text_width(one);
		if (w + cw > maxw - 1) /* keep one column for the ellipsis */
			break;
		w += cw;
		i += len;
	}
	if (i + 4 > dstlen)
		i = dstlen - 4; /* cannot happen with sane widths; stay in bounds */
	memcpy(dst + i, "\xe2\x80\xa6", 4); /* U+2026 and NUL */
}

static void fmt_count(uint64_t v, char *buf, size_t len)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	size_t o = 0;

	for (int i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

static void fmt_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = {"kB", "MB", "GB", "TB", "PB"};
	double d = (double)v;
	int u = -1;

	if (v < 1000) {
		snprintf(buf, len, "%llu B", (unsigned long long)v);
		return;
	}
	while (d >= 1000.0 && u < 4) {
		d /= 1000.0;
		u++;
	}
	if (d < 10.0)
		snprintf(buf, len, "%.1f %s", d, units[u]);
	else
		snprintf(buf, len, "%.0f %s", d, units[u]);
}

static void fmt_local_time(uint64_t ts_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(ts_ns / 1000000000u);
	struct tm tm;

	/* Local time: the people reading this think in their plant's clock. */
	if (localtime_r(&secs, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, len, "?");
}

static void fmt_duration(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000u;

	if (s < 60)
		snprintf(buf, len, "%llu %s", (unsigned long long)s, mk_msg("report.unit_s"));
	else if (s < 3600)
		snprintf(buf, len, "%llu %s %llu %s", (unsigned long long)(s / 60),
		         mk_msg("report.unit_m"), (unsigned long long)(s % 60), mk_msg("report.unit_s"));
	else
		snprintf(buf, len, "%llu %s %llu %s", (unsigned long long)(s / 3600),
		         mk_msg("report.unit_h"), (unsigned long long)(s % 3600 / 60),
		         mk_msg("report.unit_m"));
}

/* ---- tables ---- */

static void table_init(struct table *t)
{
	memset(t, 0, sizeof(*t));
}

static void table_col(struct table *t, const char *title, size_t maxw, bool right)
{
	if (t->ncols >= MAX_COLS)
		return;
	t->title[t->ncols] = title;
	t->maxw[t->ncols] = maxw;
	t->right[t->ncols] = right;
	t->ncols++;
}

/* Adds a row of ncols cells; false when out of memory (the row is dropped). */
static bool table_row(struct table *t, const char *const *cells)
{
	char buf[CELL_MAX];
	char **row;

	if (t->nrows == t->cap) {
		size_t ncap = t->cap != 0 ? t->cap * 2 : 16;
		char **nc = realloc(t->cells, ncap * t->ncols * sizeof(*nc));

		if (nc == NULL)
			return false;
		t->cells = nc;
		t->cap = ncap;
	}
	row = t->cells + t->nrows * t->ncols;
	for (size_t c = 0; c < t->ncols; c++) {
		cell_fit(buf, sizeof(buf), cells[c], t->maxw[c]);
		row[c] = mk_strdup(buf);
		if (row[c] == NULL) {
			for (size_t k = 0; k < c; k++)
				free(row[k]);
			return false;
		}
	}
	t->nrows++;
	return true;
}

/* Prints a line cell by cell.  Padding is held back until something
 * visible follows, so lines never end in spaces. */
struct line_out {
	FILE *f;
	size_t pending;
};

static void line_text(struct line_out *o, const char *s)
{
	if (s[0] == '\0')
		return;
	for (; o->pending > 0; o->pending--)
		fputc(' ', o->f);
	fputs(s, o->f);
}

static void table_print(FILE *f, struct table *t)
{
	size_t width[MAX_COLS];
	char head[MAX_COLS][CELL_MAX];

	for (size_t c = 0; c < t->ncols; c++) {
		cell_fit(head[c], sizeof(head[c]), t->title[c], t->maxw[c]);
		width[c] = mk_text_width(head[c]);
	}
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = mk_text_width(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r <= t->nrows; r++) {
		struct line_out o = {f, 0};

		fputs("  ", f); /* indent */
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = r == 0 ? head[c] : t->cells[(r - 1) * t->ncols + c];
			size_t w = mk_text_width(s);

			if (t->right[c])
				o.pending += width[c] - w;
			line_text(&o, s);
			if (!t->right[c])
				o.pending += width[c] - w;
			o.pending += GAP;
		}
		fputc('\n', f);
	}
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

static void print_more(FILE *f, size_t shown, size_t total)
{
	if (total > shown)
		fprintf(f, "  %s %zu %s\n", mk_msg("report.more_prefix"), total - shown,
		        mk_msg("report.more_suffix"));
}

/* ---- the three parts ---- */

static void print_totals(FILE *f, const struct mk_report *r)
{
	uint64_t packets = 0, bytes = 0, first = 0, last = 0;
	char a[40], b[40], c[64], d[64];

	for (size_t i = 0; i < r->n_captures; i++) {
		const struct mk_capture_rec *cap = &r->captures[i];

		packets += cap->packets;
		bytes += cap->bytes;
		if (cap->packets == 0)
			continue;
		if (first == 0 || cap->first_ns < first)
			first = cap->first_ns;
		if (cap->last_ns > last)
			last = cap->last_ns;
	}
	fprintf(f, "== %s ==\n", mk_msg("report.summary"));
	fmt_count(packets, a, sizeof(a));
	fmt_bytes(bytes, b, sizeof(b));
	fprintf(f, "  %s: %zu   %s: %s   %s: %s\n", mk_msg("report.captures"), r->n_captures,
	        mk_msg("report.packets"), a, mk_msg("report.bytes"), b);
	if (first != 0 && last >= first) {
		fmt_local_time(first, c, sizeof(c));
		fmt_local_time(last, d, sizeof(d));
		fmt_duration(last - first, a, sizeof(a));
		fprintf(f, "  %s: %s - %s (%s)\n", mk_msg("report.period"), c, d, a);
	}
	for (size_t i = 0; i < r->n_captures; i++)
		for (size_t k = 0; k < r->captures[i].n_warnings; k++) {
			char msg[CELL_MAX];

			/* The capture reader starts every warning with the file's name. */
			cell_fit(msg, sizeof(msg), r->captures[i].warnings[k], 0);
			fprintf(f, "  %s: %s\n", mk_msg("report.warnings"), msg);
		}
}

static int asset_cmp(const void *x, const void *y)
{
	const struct mk_asset_rec *a = *(const struct mk_asset_rec *const *)x;
	const struct mk_asset_rec *b = *(const struct mk_asset_rec *const *)y;
	int c;

	/* Devices with addresses first, in address order; then by MAC, then id. */
	if ((a->n_ips == 0) != (b->n_ips == 0))
		return a->n_ips == 0 ? 1 : -1;
	if (a->n_ips > 0 && (c = mk_addr_cmp(&a->ips[0], &b->ips[0])) != 0)
		return c;
	if ((c = mk_addr_cmp(&a->mac, &b->mac)) != 0)
		return c;
	return strncmp(a->id, b->id, sizeof(a->id));
}

static void proto_names(const struct mk_proto_set *set, char *buf, size_t len)
{
	size_t used = 0;

	snprintf(buf, len, "-");
	for (unsigned id = 0; id < MK_PROTO_COUNT; id++) {
		int n;

		if (!mk_proto_set_has(set, id))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used > 0 ? " " : "", mk_proto_id_name(id));
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/* "modbus s7comm / dns ntp": what the device serves, then what it uses. */
static void protocols_cell(const struct mk_asset_rec *a, char *buf, size_t len)
{
	char server[256], client[256];

	proto_names(&a->server, server, sizeof(server));
	proto_names(&a->client, client, sizeof(client));
	snprintf(buf, len, "%s / %s", server, client);
}

static void print_assets(FILE *f, const struct mk_report *r, size_t max_rows)
{
	const struct mk_asset_rec **v;
	struct table t;
	size_t shown;
	bool zones, vlans = false;

	fprintf(f, "\n== %s (%s: %zu) ==\n", mk_msg("report.assets"), mk_msg("report.devices"),
	        r->n_assets);
	if (r->n_assets == 0) {
		fprintf(f, "  %s\n", mk_msg("report.none_assets"));
		return;
	}
	v = calloc(r->n_assets, sizeof(*v));
	if (v == NULL)
		return;
	for (size_t i = 0; i < r->n_assets; i++)
		v[i] = &r->assets[i];
	qsort(v, r->n_assets, sizeof(*v), asset_cmp);
	zones = r->zones != NULL;
	for (size_t i = 0; i < r->n_assets && !vlans; i++)
		vlans = r->assets[i].n_vlans > 0;

	table_init(&t);
	table_col(&t, mk_msg("report.col.ip"), 24, false);
	table_col(&t, mk_msg("report.col.mac"), 17, false);
	table_col(&t, mk_msg("report.col.vendor"), 20, false);
	table_col(&t, mk_msg("report.col.hostname"), 20, false);
	table_col(&t, mk_msg("report.col.role"), 22, false);
	table_col(&t, mk_msg("report.col.protocols"), 36, false);
	table_col(&t, mk_msg("report.col.packets"), 0, true);
	if (zones) /* only when zones are defined: the column would be empty */
		table_col(&t, mk_msg("report.col.zone"), 20, false);
	if (vlans) /* only when some device sent tagged frames */
		table_col(&t, mk_msg("report.col.vlan"), 12, false);
	shown = r->n_assets < max_rows ? r->n_assets : max_rows;
	for (size_t i = 0; i < shown; i++) {
		const struct mk_asset_rec *a = v[i];
		char ip[MK_ADDR_STRLEN + 32] = "", mac[MK_ADDR_STRLEN] = "", role[128] = "";
		char protos[600], pk[32], abuf[MK_ADDR_STRLEN];
		const char *cells[9], *zid = NULL, *zname = NULL;
		char vl[MK_ASSET_MAX_VLANS * 6 + 1] = "";
		size_t nc = 7;

		if (a->n_ips > 0) {
			mk_addr_str(&a->ips[0], abuf);
			if (a->n_ips > 1)
				snprintf(ip, sizeof(ip), "%s +%zu", abuf, a->n_ips - 1);
			else
				snprintf(ip, sizeof(ip), "%s", abuf);
		}
		if (a->mac.family == MK_AF_MAC)
			mk_addr_str(&a->mac, mac);
		if (a->n_roles > 0) {
			char key[64];

			snprintf(key, sizeof(key), "role.%s", mk_role_name(a->roles[0].role));
			snprintf(role, sizeof(role), "%s %u%%", mk_msg(key), a->roles[0].confidence);
		}
		protocols_cell(a, protos, sizeof(protos));
		fmt_count(a->packets, pk, sizeof(pk));
		cells[0] = ip;
		cells[1] = mac;
		cells[2] = a->vendor;
		cells[3] = a->n_names > 0 ? a->names[0].name : NULL;
		cells[4] = role;
		cells[5] = protos;
		cells[6] = pk;
		if (zones) {
			mk_report_asset_zone(r, (size_t)(a - r->assets), &zid, &zname);
			cells[nc++] = zname;
		}
		if (vlans) {
			for (size_t k = 0, o = 0;
			     k < a->n_vlans && k < MK_ASSET_MAX_VLANS && o < sizeof(vl); k++)
				o += (size_t)snprintf(vl + o, sizeof(vl) - o, "%s%u", k > 0 ? " " : "",
				                      a->vlans[k]);
			cells[nc++] = vl;
		}
		if (!table_row(&t, cells))
			break;
	}
	table_print(f, &t);
	print_more(f, t.nrows, r->n_assets);
	table_free(&t);
	free(v);
}

static int conv_cmp(const void *x, const void *y)
{
	const struct mk_conv_rec *a = *(const struct mk_conv_rec *const *)x;
	const struct mk_conv_rec *b = *(const struct mk_conv_rec *const *)y;
	int c;

	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if (a->packets != b->packets)
		return a->packets > b->packets ? -1 : 1;
	if ((c = mk_addr_cmp(&a->client, &b->client)) != 0)
		return c;
	if ((c = mk_addr_cmp(&a->server, &b->server)) != 0)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (int)a->proto - (int)b->proto;
}

static void ops_cell(const struct mk_conv_rec *c, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned op = 0; op < MK_OP_COUNT && used < len; op++) {
		char key[32], n[32];

		if (c->ops[op] == 0)
			continue;
		snprintf(key, sizeof(key), "op.%s", mk_op_class_name(op));
		fmt_count(c->ops[op], n, sizeof(n));
		used += (size_t)snprintf(buf + used, len - used, "%s%s %s", used > 0 ? ", " : "",
		                         mk_msg(key), n);
	}
}

static void print_convs(FILE *f, const struct mk_report *r, size_t max_rows)
{
	const struct mk_conv_rec **v;
	struct table t;
	size_t shown;

	fprintf(f, "\n== %s (%s: %zu) ==\n", mk_msg("report.conversations"),
	        mk_msg("report.conversations_unit"), r->n_convs);
	if (r->n_convs == 0) {
		fprintf(f, "  %s\n", mk_msg("report.none_conversations"));
		return;
	}
	v = calloc(r->n_convs, sizeof(*v));
	if (v == NULL)
		return;
	for (size_t i = 0; i < r->n_convs; i++)
		v[i] = &r->convs[i];
	qsort(v, r->n_convs, sizeof(*v), conv_cmp);

	table_init(&t);
	table_col(&t, mk_msg("report.col.client"), 40, false);
	table_col(&t, mk_msg("report.col.server"), 40, false);
	table_col(&t, mk_msg("report.col.protocol"), 28, false);
	table_col(&t, mk_msg("report.col.packets"), 0, true);
	table_col(&t, mk_msg("report.col.bytes"), 0, true);
	table_col(&t, mk_msg("report.col.operations"), 60, false);
	shown = r->n_convs < max_rows ? r->n_convs : max_rows;
	for (size_t i = 0; i < shown; i++) {
		const struct mk_conv_rec *c = v[i];
		char cl[MK_ADDR_STRLEN], sv[MK_ADDR_STRLEN], proto[64], pk[32], by[32], ops[512];
		const char *cells[6];

		if (c->transport == 6 || c->transport == 17)
			snprintf(proto, sizeof(proto), "%s %s/%u", mk_proto_id_name(c->proto),
			         c->transport == 6 ? "tcp" : "udp", c->port);
		else
			snprintf(proto, sizeof(proto), "%s (L2)", mk_proto_id_name(c->proto));
		fmt_count(c->packets, pk, sizeof(pk));
		fmt_bytes(c->bytes, by, sizeof(by));
		ops_cell(c, ops, sizeof(ops));
		cells[0] = mk_addr_str(&c->client, cl);
		cells[1] = mk_addr_str(&c->server, sv);
		cells[2] = proto;
		cells[3] = pk;
		cells[4] = by;
		cells[5] = ops;
		if (!table_row(&t, cells))
			break;
	}
	table_print(f, &t);
	print_more(f, t.nrows, r->n_convs);
	table_free(&t);
	free(v);
}

static int alert_cmp(const void *x, const void *y)
{
	const struct mk_alert_rec *a = *(const struct mk_alert_rec *const *)x;
	const struct mk_alert_rec *b = *(const struct mk_alert_rec *const *)y;

	/* Most severe first; then the most recent. */
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if (a->last_ns != b->last_ns)
		return a->last_ns > b->last_ns ? -1 : 1;
	return strncmp(a->id, b->id, sizeof(a->id));
}

/* The alerts with (planned) or without (!planned) the status planned: those
 * of maintenance windows are listed apart, so that incidents stand out. */
static void print_alerts(FILE *f, const struct mk_report *r, size_t max_rows, bool planned)
{
	const struct mk_alert_rec **v;
	bool ja = mk_i18n_lang() == MK_LANG_JA;
	struct table t;
	size_t shown, n = 0;

	for (size_t i = 0; i < r->n_alerts; i++)
		n += (r->alerts[i].status == MK_ALERT_PLANNED) == planned;
	if (planned && n == 0)
		return;
	fprintf(f, "\n== %s (%s: %zu) ==\n",
	        mk_msg(planned ? "report.planned_alerts" : "report.alerts"),
	        mk_msg("report.alerts_unit"), n);
	if (n == 0) {
		fprintf(f, "  %s\n", mk_msg("report.none_alerts"));
		return;
	}
	v = calloc(n, sizeof(*v));
	if (v == NULL)
		return;
	n = 0;
	for (size_t i = 0; i < r->n_alerts; i++)
		if ((r->alerts[i].status == MK_ALERT_PLANNED) == planned)
			v[n++] = &r->alerts[i];
	qsort(v, n, sizeof(*v), alert_cmp);
	table_init(&t);
	table_col(&t, mk_msg("report.col.severity"), 12, false);
	table_col(&t, mk_msg("report.col.time"), 24, false);
	table_col(&t, mk_msg("report.col.title"), 90, false);
	table_col(&t, mk_msg("report.col.count"), 0, true);
	shown = n < max_rows ? n : max_rows;
	for (size_t i = 0; i < shown; i++) {
		const struct mk_alert_rec *a = v[i];
		char key[48], when[64], cnt[32];
		const char *cells[4];

		snprintf(key, sizeof(key), "severity.%s", mk_severity_name(a->severity));
		fmt_local_time(a->last_ns, when, sizeof(when));
		fmt_count(a->count, cnt, sizeof(cnt));
		cells[0] = mk_msg(key);
		cells[1] = when;
		cells[2] = ja ? a->title_ja : a->title_en;
		cells[3] = cnt;
		if (!table_row(&t, cells))
			break;
	}
	table_print(f, &t);
	print_more(f, t.nrows, n);
	table_free(&t);
	free(v);
}

/* ---- the change ledger ---- */

static void change_op_cell(const struct mk_change_rec *c, char *buf, size_t len)
{
	char key[32], detail[MK_CHANGE_DETAIL_LEN];

	snprintf(key, sizeof(key), "op.%s", mk_op_class_name(c->op));
	memcpy(detail, c->detail, sizeof(detail));
	detail[sizeof(detail) - 1] = '\0';
	if (detail[0] != '\0')
		snprintf(buf, len, "%s: %s", mk_msg(key), detail);
	else
		snprintf(buf, len, "%s", mk_msg(key));
}

size_t mk_report_text_changes(FILE *f, const struct mk_report *r,
                              bool (*keep)(const struct mk_change_rec *c, void *ctx), void *ctx,
                              size_t max_rows)
{
	struct table t;
	size_t n = 0, skip;

	for (size_t i = 0; i < r->n_changes; i++)
		n += keep == NULL || keep(&r->changes[i], ctx);
	if (n == 0) {
		fprintf(f, "  %s\n", mk_msg("report.none_changes"));
		return 0;
	}
	/* In time order; when cut, the latest entries are the ones shown. */
	skip = n > max_rows ? n - max_rows : 0;
	table_init(&t);
	table_col(&t, mk_msg("report.col.first_seen"), 24, false);
	table_col(&t, mk_msg("report.col.from"), 40, false);
	table_col(&t, mk_msg("report.col.to"), 40, false);
	table_col(&t, mk_msg("report.col.protocol"), 14, false);
	table_col(&t, mk_msg("report.col.operation"), 60, false);
	table_col(&t, mk_msg("report.col.count"), 0, true);
	table_col(&t, mk_msg("report.col.result"), 12, false);
	table_col(&t, mk_msg("report.col.planned"), 20, false);
	for (size_t i = 0; i < r->n_changes; i++) {
		const struct mk_change_rec *c = &r->changes[i];
		char when[64], cl[MK_ADDR_STRLEN] = "-", sv[MK_ADDR_STRLEN] = "-", op[160], cnt[32];
		char res[32], plan[64] = "-";
		const char *cells[8];

		if (keep != NULL && !keep(c, ctx))
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		fmt_local_time(c->first_ns, when, sizeof(when));
		if (c->client.family != MK_AF_NONE)
			mk_addr_str(&c->client, cl);
		if (c->server.family != MK_AF_NONE)
			mk_addr_str(&c->server, sv);
		change_op_cell(c, op, sizeof(op));
		fmt_count(c->count, cnt, sizeof(cnt));
		snprintf(res, sizeof(res), "result.%s", mk_change_result(c));
		if (c->window != 0)
			snprintf(plan, sizeof(plan), "%s %u", mk_msg("report.window"),
			         (unsigned)c->window);
		cells[0] = when;
		cells[1] = cl;
		cells[2] = sv;
		cells[3] = mk_proto_id_name(c->proto);
		cells[4] = op;
		cells[5] = cnt;
		cells[6] = mk_msg(res);
		cells[7] = plan;
		if (!table_row(&t, cells))
			break;
	}
	table_print(f, &t);
	print_more(f, t.nrows, n);
	n = t.nrows;
	table_free(&t);
	return n;
}

void mk_report_text_windows(FILE *f, const struct mk_window_rec *v, size_t n)
{
	struct table t;

	if (n == 0) {
		fprintf(f, "  %s\n", mk_msg("report.none_windows"));
		return;
	}
	table_init(&t);
	table_col(&t, "ID", 0, true);
	table_col(&t, mk_msg("report.col.from_time"), 28, false);
	table_col(&t, mk_msg("report.col.to_time"), 28, false);
	table_col(&t, mk_msg("report.col.devices"), 60, false);
	table_col(&t, mk_msg("report.col.work_vendor"), 30, false);
	table_col(&t, mk_msg("report.col.note"), 60, false);
	for (size_t i = 0; i < n; i++) {
		const struct mk_window_rec *w = &v[i];
		size_t nd = w->n_devices < MK_WINDOW_MAX_DEVICES ? w->n_devices : MK_WINDOW_MAX_DEVICES;
		char id[16], from[64], to[64], devices[512] = "", vendor[MK_WINDOW_TEXT_LEN];
		char note[MK_WINDOW_TEXT_LEN];
		const char *cells[6];
		size_t used = 0;

		snprintf(id, sizeof(id), "%u", (unsigned)w->id);
		fmt_local_time(w->start_ns, from, sizeof(from));
		fmt_local_time(w->end_ns, to, sizeof(to));
		for (size_t k = 0; k < nd; k++) {
			char a[MK_ADDR_STRLEN];
			int m = snprintf(devices + used, sizeof(devices) - used, "%s%s",
			                 used > 0 ? " " : "", mk_addr_str(&w->devices[k], a));

			if (m < 0 || (size_t)m >= sizeof(devices) - used)
				break;
			used += (size_t)m;
		}
		memcpy(vendor, w->vendor, sizeof(vendor));
		vendor[sizeof(vendor) - 1] = '\0';
		memcpy(note, w->note, sizeof(note));
		note[sizeof(note) - 1] = '\0';
		cells[0] = id;
		cells[1] = from;
		cells[2] = to;
		cells[3] = nd > 0 ? devices : mk_msg("report.all_devices");
		cells[4] = vendor[0] != '\0' ? vendor : "-";
		cells[5] = note[0] != '\0' ? note : "-";
		if (!table_row(&t, cells))
			break;
	}
	table_print(f, &t);
	table_free(&t);
}

static void print_changes(FILE *f, const struct mk_report *r, size_t max_rows)
{
	fprintf(f, "\n== %s (%s: %zu) ==\n", mk_msg("report.changes"), mk_msg("report.changes_unit"),
	        r->n_changes);
	mk_report_text_changes(f, r, NULL, NULL, max_rows);
}

void mk_report_text(FILE *f, const struct mk_report *r, size_t max_rows)
{
	print_totals(f, r);
	print_alerts(f, r, max_rows, false);
	print_alerts(f, r, max_rows, true);
	print_changes(f, r, max_rows);
	print_assets(f, r, max_rows);
	print_convs(f, r, max_rows);
	fflush(f);
}

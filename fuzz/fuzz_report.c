/* fuzz_report.c - libFuzzer target for the report writers (JSON, CSV, text).
 *
 * Records hold text that came from the network.  The writers must never read
 * out of bounds and must always produce output that is safe for its reader:
 * JSON and CSV that are valid UTF-8 without raw control characters (CSV may
 * hold CR/LF only inside quotes), terminal text without any control character
 * but newline.  Input: byte 0 = flags (bit 0 Japanese, bits 1-3 max_rows),
 * bytes 1-8 numbers, the rest split on NUL into up to 24 strings, each copied
 * into an exact-size heap buffer and handed out to the text fields in turn.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/report.h"
#include "mieruka/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STRINGS 24

static void check(int cond)
{
	if (!cond)
		abort();
}

/* Valid UTF-8 (no overlongs, surrogates, or values above U+10FFFF). */
static int valid_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t len, k;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			len = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			len = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			len = 4;
		else
			return 0;
		if (len > n - i)
			return 0;
		for (k = 1; k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		if ((p[i] == 0xe0 && p[i + 1] < 0xa0) || (p[i] == 0xed && p[i + 1] >= 0xa0) ||
		    (p[i] == 0xf0 && p[i + 1] < 0x90) || (p[i] == 0xf4 && p[i + 1] >= 0x90))
			return 0;
		i += len;
	}
	return 1;
}

struct strings {
	char *v[MAX_STRINGS];
	size_t n, next;
};

static char *take(struct strings *s)
{
	const char *src;

	if (s->n == 0)
		return NULL;
	src = s->v[s->next++ % s->n];
	return strdup(src);
}

static void check_plain(const char *buf, size_t len, int allow_crlf)
{
	check(valid_utf8((const unsigned char *)buf, len));
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		check(c >= 0x20 || c == '\n' || (allow_crlf && c == '\r'));
	}
}

static void check_csv_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char buf[65536];
	size_t n;
	int in_quotes = 0;

	check(f != NULL);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	check(n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0);
	check(valid_utf8((const unsigned char *)buf, n));
	for (size_t i = 3; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '"')
			in_quotes = !in_quotes;
		/* outside quotes, CR only as CRLF and LF only after CR */
		if (!in_quotes && c == '\r')
			check(i + 1 < n && buf[i + 1] == '\n');
		if (!in_quotes && c == '\n')
			check(buf[i - 1] == '\r');
	}
	check(!in_quotes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	struct strings s = {{0}, 0, 0};
	struct mk_asset_rec asset;
	struct mk_conv_rec conv;
	struct mk_capture_rec cap;
	struct mk_counter_rec counter;
	struct mk_change_rec change;
	struct mk_window_rec *win;
	struct mk_report r;
	uint8_t flags;
	uint64_t num = 0;
	size_t i, start;
	char *out = NULL, err[256], path[128];
	size_t outlen = 0;
	FILE *f;

	if (size < 9)
		return 0;
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/mk_fuzz_report_%d", (int)getpid());
	}
	flags = data[0];
	for (i = 1; i < 9; i++)
		num = num << 8 | data[i];
	for (start = i = 9; i <= size && s.n < MAX_STRINGS; i++) {
		if (i == size || data[i] == 0) {
			char *str = malloc(i - start + 1);

			check(str != NULL);
			memcpy(str, data + start, i - start);
			str[i - start] = '\0';
			s.v[s.n++] = str;
			start = i + 1;
		}
	}

	memset(&asset, 0, sizeof(asset));
	memset(&conv, 0, sizeof(conv));
	memset(&cap, 0, sizeof(cap));
	if (s.n > 0)
		snprintf(asset.id, sizeof(asset.id), "%s", s.v[0]);
	mk_addr_set_mac(&asset.mac, data + 1);
	asset.n_ips = 1;
	asset.ips = calloc(1, sizeof(*asset.ips));
	check(asset.ips != NULL);
	if (flags & 0x10)
		mk_addr_set_ip6(asset.ips, (const uint8_t[16]){0xfe, 0x80, data[1], [15] = data[2]});
	else
		mk_addr_set_ip4(asset.ips, data + 1);
	asset.vendor = take(&s);
	asset.os = take(&s);
	asset.n_names = 2;
	asset.names = calloc(2, sizeof(*asset.names));
	check(asset.names != NULL);
	for (i = 0; i < 2; i++) {
		asset.names[i].name = take(&s);
		if (asset.names[i].name == NULL)
			asset.names[i].name = strdup("");
		asset.names[i].source = (uint16_t)(data[3 + i] % (MK_PROTO_COUNT + 2));
	}
	asset.n_roles = 1;
	asset.roles = calloc(1, sizeof(*asset.roles));
	check(asset.roles != NULL);
	asset.roles[0].role = (uint8_t)(data[5] % (MK_ROLE_COUNT + 2));
	asset.roles[0].confidence = data[6];
	asset.roles[0].n_reasons = 1;
	asset.roles[0].reasons = calloc(1, sizeof(char *));
	check(asset.roles[0].reasons != NULL);
	asset.roles[0].reasons[0] = take(&s);
	for (i = 0; i < 8; i++) {
		mk_proto_set_add(&asset.server, (unsigned)(data[1 + i] % MK_PROTO_COUNT));
		mk_proto_set_add(&asset.client, (unsigned)(data[8 - i] % MK_PROTO_COUNT));
	}
	if (flags & 0x20) {
		asset.identity = calloc(1, sizeof(*asset.identity));
		check(asset.identity != NULL);
		asset.identity->vendor = take(&s);
		asset.identity->product = take(&s);
		asset.identity->serial = take(&s);
		asset.identity->source = data[7];
	}
	asset.n_attrs = 1;
	asset.attrs = calloc(1, sizeof(*asset.attrs));
	check(asset.attrs != NULL);
	asset.attrs[0].key = take(&s);
	asset.attrs[0].value = take(&s);
	asset.first_ns = num;
	asset.last_ns = num * 3;
	asset.packets = num;
	asset.bytes = ~num;

	mk_addr_set_ip4(&conv.client, data + 1);
	mk_addr_set_mac(&conv.server, data + 2);
	conv.transport = data[4];
	conv.port = (uint16_t)(data[5] << 8 | data[6]);
	conv.proto = data[7];
	conv.bytes = num;
	for (i = 0; i < MK_OP_COUNT; i++)
		conv.ops[i] = data[1 + i] & 3;

	cap.file = take(&s);
	cap.n_linktypes = (uint8_t)(data[8] % 12); /* may claim more than 8 */
	for (i = 0; i < 8; i++)
		cap.linktypes[i] = (uint16_t)(data[1 + i] * 3);
	cap.n_warnings = 1;
	cap.warnings = calloc(1, sizeof(char *));
	check(cap.warnings != NULL);
	cap.warnings[0] = take(&s);
	cap.first_ns = num;
	cap.last_ns = num + 1000;
	cap.packets = 1;
	counter.name = take(&s);
	counter.value = num;

	/* A ledger entry and a maintenance window: fixed-size text fields, filled
	 * to the last byte (no NUL) when the string is long. */
	memset(&change, 0, sizeof(change));
	win = calloc(1, sizeof(*win));
	check(win != NULL);
	if (s.n > 0) {
		const char *t = s.v[s.next++ % s.n];

		memcpy(change.id, t, strnlen(t, sizeof(change.id)));
		memcpy(change.detail, t, strnlen(t, sizeof(change.detail)));
		memcpy(win->vendor, t, strnlen(t, sizeof(win->vendor)));
		t = s.v[s.next++ % s.n];
		memcpy(win->note, t, strnlen(t, sizeof(win->note)));
	}
	mk_addr_set_ip4(&change.client, data + 1);
	mk_addr_set_mac(&change.server, data + 2);
	change.proto = (uint16_t)(data[3] % (MK_PROTO_COUNT + 2));
	change.op = (uint8_t)(data[4] % (MK_OP_COUNT + 2));
	change.first_ns = num;
	change.last_ns = num + 5;
	change.count = num;
	change.ok = data[5] & 1;
	change.failed = data[5] & 2;
	change.window = data[6] & 1;
	win->id = 1;
	win->start_ns = num;
	win->end_ns = num + 1;
	win->n_devices = (size_t)data[7] % (MK_WINDOW_MAX_DEVICES + 3); /* may claim too many */
	for (i = 0; i < MK_WINDOW_MAX_DEVICES; i++)
		mk_addr_set_ip4(&win->devices[i], data + 1 + i % 5);

	memset(&r, 0, sizeof(r));
	r.changes = &change;
	r.n_changes = 1;
	r.windows = win;
	r.n_windows = 1;
	r.assets = &asset;
	r.n_assets = 1;
	r.convs = &conv;
	r.n_convs = 1;
	r.captures = &cap;
	r.n_captures = 1;
	r.counters = &counter;
	r.n_counters = counter.name != NULL ? 1 : 0;

	/* JSON */
	f = open_memstream(&out, &outlen);
	check(f != NULL);
	check(mk_report_json(f, &r) == 0);
	fclose(f);
	check_plain(out, outlen, 0);
	free(out);

	/* terminal text */
	mk_i18n_set_lang(flags & 1 ? MK_LANG_JA : MK_LANG_EN);
	out = NULL;
	f = open_memstream(&out, &outlen);
	check(f != NULL);
	mk_report_text(f, &r, (flags >> 1) & 7);
	mk_report_text_windows(f, win, 1);
	fclose(f);
	check_plain(out, outlen, 0);
	free(out);

	/* CSV: only every few inputs, it touches the file system */
	if (flags & 0x40) {
		check(mk_report_csv(dir, &r, err, sizeof(err)) == 0);
		snprintf(path, sizeof(path), "%s/assets.csv", dir);
		check_csv_file(path);
		snprintf(path, sizeof(path), "%s/captures.csv", dir);
		check_csv_file(path);
		snprintf(path, sizeof(path), "%s/changes.csv", dir);
		check_csv_file(path);
	}
	free(win);

	mk_asset_rec_clear(&asset);
	mk_capture_rec_clear(&cap);
	free(counter.name);
	for (i = 0; i < s.n; i++)
		free(s.v[i]);
	return 0;
}

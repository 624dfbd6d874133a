/* report_rw.c - the report's writer (HTML or Markdown) and small helpers.
 *
 * Everything a report prints that did not come from our own data files is
 * untrusted: host names and vendor strings from the network, zone names and
 * answers' notes typed by people, the BCP entries.  All of it goes through
 * esc(): HTML entities for & < > " ' (so a name like "<img onerror=...>" or
 * "</script>" stays text), and U+FFFD for invalid UTF-8, control characters
 * and the code points XML 1.0 forbids (the SVG map must stay well-formed).
 * Markdown output uses the same entities (GitHub and most viewers render raw
 * HTML) and backslash-escapes the characters that would start emphasis,
 * links, code or a table cell.
 */
#include "assess/report_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The code point of the valid UTF-8 sequence at s (n bytes), its length in
 * *len; -1 (and *len 1) when invalid. */
static long utf8_cp(const unsigned char *s, size_t n, size_t *len)
{
	size_t k, l;
	long c;

	*len = 1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		l = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		l = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		l = 4;
		c = s[0] & 0x07;
	} else {
		return -1;
	}
	if (l > n)
		return -1;
	for (k = 1; k < l; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[k] & 0x3f);
	}
	if ((l == 3 && c < 0x800) || (l == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*len = l;
	return c;
}

enum esc_mode { ESC_HTML, ESC_MD, ESC_XML };

static void esc(FILE *f, const char *str, enum esc_mode mode)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n, i = 0;

	if (str == NULL)
		return;
	n = strlen(str);
	while (i < n) {
		size_t len;
		long c = utf8_cp(s + i, n - i, &len);

		if (c == '\n') {
			fputs(mode == ESC_XML ? " " : "<br>", f);
		} else if (c < 0 || (c < 0x20 && c != '\t') || c == 0x7f || c == 0xfffe ||
		           c == 0xffff) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
		} else if (c == '\t') {
			fputc(' ', f);
		} else if (c == '&') {
			fputs("&amp;", f);
		} else if (c == '<') {
			fputs("&lt;", f);
		} else if (c == '>') {
			fputs("&gt;", f);
		} else if (c == '"') {
			fputs("&quot;", f);
		} else if (c == '\'') {
			fputs("&#39;", f);
		} else if (mode == ESC_MD && c < 0x80 && strchr("\\`*_[]|#!~", (int)c) != NULL) {
			fputc('\\', f);
			fputc((int)c, f);
		} else {
			fwrite(s + i, 1, len, f);
		}
		i += len;
	}
}

void mk_xml_text(FILE *f, const char *s)
{
	esc(f, s, ESC_XML);
}

const char *mk_rw_msg(const struct mk_rw *w, const char *key)
{
	return mk_msg_lang(key, w->lang);
}

void mk_rw_text(struct mk_rw *w, const char *s)
{
	esc(w->f, s, w->md ? ESC_MD : ESC_HTML);
}

void mk_rw_textf(struct mk_rw *w, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mk_rw_text(w, buf);
}

void mk_rw_raw(struct mk_rw *w, const char *markup)
{
	if (!w->md)
		fputs(markup, w->f);
}

void mk_rw_rawf(struct mk_rw *w, const char *fmt, ...)
{
	va_list ap;

	if (w->md)
		return;
	va_start(ap, fmt);
	vfprintf(w->f, fmt, ap);
	va_end(ap);
}

/* Class and id values are ours (ASCII ids), but escape them anyway. */
static void attr(struct mk_rw *w, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	fprintf(w->f, " %s=\"", name);
	esc(w->f, value, ESC_XML);
	fputc('"', w->f);
}

void mk_rw_section(struct mk_rw *w, const char *id, const char *cls, const char *title)
{
	if (w->md) {
		fputs("\n## ", w->f);
		mk_rw_text(w, title);
		fputs("\n\n", w->f);
		return;
	}
	fputs("<section", w->f);
	attr(w, "id", id);
	attr(w, "class", cls);
	fputs(">\n<h2>", w->f);
	mk_rw_text(w, title);
	fputs("</h2>\n", w->f);
}

void mk_rw_section_end(struct mk_rw *w)
{
	mk_rw_raw(w, "</section>\n");
}

void mk_rw_h(struct mk_rw *w, int level, const char *id, const char *title)
{
	if (level < 1)
		level = 1;
	if (level > 6)
		level = 6;
	if (w->md) {
		fputc('\n', w->f);
		for (int i = 0; i < level; i++)
			fputc('#', w->f);
		fputc(' ', w->f);
		mk_rw_text(w, title);
		fputs("\n\n", w->f);
		return;
	}
	fprintf(w->f, "<h%d", level);
	attr(w, "id", id);
	fputc('>', w->f);
	mk_rw_text(w, title);
	fprintf(w->f, "</h%d>\n", level);
}

void mk_rw_p_begin(struct mk_rw *w, const char *cls)
{
	if (w->md) {
		fputc('\n', w->f);
		return;
	}
	fputs("<p", w->f);
	attr(w, "class", cls);
	fputc('>', w->f);
}

void mk_rw_p_end(struct mk_rw *w)
{
	fputs(w->md ? "\n" : "</p>\n", w->f);
}

void mk_rw_p(struct mk_rw *w, const char *cls, const char *text)
{
	mk_rw_p_begin(w, cls);
	mk_rw_text(w, text);
	mk_rw_p_end(w);
}

void mk_rw_br(struct mk_rw *w)
{
	fputs("<br>", w->f);
}

void mk_rw_badge(struct mk_rw *w, const char *cls, const char *text)
{
	if (w->md) {
		fputs("\\[", w->f);
		mk_rw_text(w, text);
		fputs("\\]", w->f);
		return;
	}
	fputs("<span class=\"badge", w->f);
	if (cls != NULL && cls[0] != '\0') {
		fputc(' ', w->f);
		esc(w->f, cls, ESC_XML);
	}
	fputs("\">", w->f);
	mk_rw_text(w, text);
	fputs("</span>", w->f);
}

void mk_rw_strong(struct mk_rw *w, const char *text)
{
	fputs(w->md ? "**" : "<strong>", w->f);
	mk_rw_text(w, text);
	fputs(w->md ? "**" : "</strong>", w->f);
}

void mk_rw_table(struct mk_rw *w, const char *cls, const char *const *head, size_t n)
{
	w->ncols = n;
	if (w->md) {
		fputc('\n', w->f);
		for (size_t i = 0; i < n; i++) {
			fputs("| ", w->f);
			mk_rw_text(w, head[i]);
			fputc(' ', w->f);
		}
		fputs("|\n", w->f);
		for (size_t i = 0; i < n; i++)
			fputs("|---", w->f);
		fputs("|\n", w->f);
		return;
	}
	fputs("<table", w->f);
	attr(w, "class", cls);
	fputs("><thead><tr>", w->f);
	for (size_t i = 0; i < n; i++) {
		fputs("<th>", w->f);
		mk_rw_text(w, head[i]);
		fputs("</th>", w->f);
	}
	fputs("</tr></thead>\n<tbody>\n", w->f);
}

void mk_rw_tr(struct mk_rw *w, const char *cls)
{
	if (w->md)
		return;
	fputs("<tr", w->f);
	attr(w, "class", cls);
	fputc('>', w->f);
}

void mk_rw_td_begin(struct mk_rw *w, const char *cls)
{
	if (w->md) {
		fputs("| ", w->f);
		return;
	}
	fputs("<td", w->f);
	attr(w, "class", cls);
	fputc('>', w->f);
}

void mk_rw_td_end(struct mk_rw *w)
{
	fputs(w->md ? " " : "</td>", w->f);
}

void mk_rw_td(struct mk_rw *w, const char *cls, const char *text)
{
	mk_rw_td_begin(w, cls);
	mk_rw_text(w, text);
	mk_rw_td_end(w);
}

void mk_rw_tr_end(struct mk_rw *w)
{
	fputs(w->md ? "|\n" : "</tr>\n", w->f);
}

void mk_rw_table_end(struct mk_rw *w)
{
	fputs(w->md ? "\n" : "</tbody></table>\n", w->f);
	w->ncols = 0;
}

void mk_rw_ul(struct mk_rw *w, const char *cls)
{
	if (w->md) {
		fputc('\n', w->f);
		return;
	}
	fputs("<ul", w->f);
	attr(w, "class", cls);
	fputs(">\n", w->f);
}

void mk_rw_li(struct mk_rw *w)
{
	fputs(w->md ? "- " : "<li>", w->f);
}

void mk_rw_li_end(struct mk_rw *w)
{
	fputs(w->md ? "\n" : "</li>\n", w->f);
}

void mk_rw_ul_end(struct mk_rw *w)
{
	fputs(w->md ? "\n" : "</ul>\n", w->f);
}

/* ---- helpers ---- */

void mk_rpt_fill(char *out, size_t len, const char *tpl, const char *const *kv, size_t nkv)
{
	size_t o = 0;

	if (len == 0)
		return;
	while (tpl != NULL && *tpl != '\0' && o + 1 < len) {
		const char *end, *val = NULL;

		if (*tpl == '{' && (end = strchr(tpl, '}')) != NULL) {
			for (size_t k = 0; k + 1 < nkv * 2 && val == NULL; k += 2)
				if (strlen(kv[k]) == (size_t)(end - tpl - 1) &&
				    strncmp(kv[k], tpl + 1, (size_t)(end - tpl - 1)) == 0)
					val = kv[k + 1] != NULL ? kv[k + 1] : "";
			if (val != NULL) {
				size_t vl = strlen(val);

				if (vl > len - 1 - o)
					vl = len - 1 - o;
				memcpy(out + o, val, vl);
				o += vl;
				tpl = end + 1;
				continue;
			}
		}
		out[o++] = *tpl++;
	}
	out[o] = '\0';
}

static bool local_tm(uint64_t ns, struct tm *tm)
{
	time_t secs = (time_t)(ns / 1000000000u);

	return localtime_r(&secs, tm) != NULL;
}

void mk_rpt_date(uint64_t ns, enum mk_lang lang, char *buf, size_t len)
{
	struct tm tm;

	if (ns == 0 || !local_tm(ns, &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	if (lang == MK_LANG_JA)
		snprintf(buf, len, "%d年%d月%d日", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	else
		snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void mk_rpt_datetime(uint64_t ns, enum mk_lang lang, char *buf, size_t len)
{
	struct tm tm;

	if (ns == 0 || !local_tm(ns, &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	if (lang == MK_LANG_JA)
		snprintf(buf, len, "%d年%d月%d日 %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min);
	else
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min);
}

const char *mk_rpt_conf_key(char confidence)
{
	switch (confidence) {
	case 'M': return "ar.conf.M";
	case 'P': return "ar.conf.P";
	default: return NULL;
	}
}

/* Appends text to buf (bounded), with sep first when buf is not empty. */
static void join(char *buf, size_t len, const char *sep, const char *text)
{
	size_t used = strlen(buf);

	if (text == NULL || text[0] == '\0' || used + 1 >= len)
		return;
	snprintf(buf + used, len - used, "%s%s", used > 0 ? sep : "", text);
}

void mk_rpt_asset_name(const struct mk_report *r, size_t i, char *buf, size_t len)
{
	const struct mk_asset_rec *a = &r->assets[i];
	char addr[MK_ADDR_STRLEN];

	buf[0] = '\0';
	for (size_t k = 0; k < a->n_names && buf[0] == '\0'; k++)
		if (a->names[k].name != NULL)
			snprintf(buf, len, "%s", a->names[k].name);
	if (buf[0] == '\0' && a->identity != NULL) {
		if (a->identity->model != NULL && a->identity->model[0] != '\0')
			snprintf(buf, len, "%s", a->identity->model);
		else if (a->identity->product != NULL && a->identity->product[0] != '\0')
			snprintf(buf, len, "%s", a->identity->product);
	}
	if (buf[0] == '\0' && a->n_ips > 0)
		snprintf(buf, len, "%s", mk_addr_str(&a->ips[0], addr));
	if (buf[0] == '\0' && a->mac.family == MK_AF_MAC)
		snprintf(buf, len, "%s", mk_addr_str(&a->mac, addr));
	if (buf[0] == '\0')
		snprintf(buf, len, "%.*s", (int)sizeof(a->id), a->id);
}

void mk_rpt_asset_addrs(const struct mk_report *r, size_t i, char *buf, size_t len)
{
	const struct mk_asset_rec *a = &r->assets[i];
	char addr[MK_ADDR_STRLEN];

	buf[0] = '\0';
	for (size_t k = 0; k < a->n_ips; k++)
		join(buf, len, " ", mk_addr_str(&a->ips[k], addr));
	if (a->mac.family == MK_AF_MAC)
		join(buf, len, " ", mk_addr_str(&a->mac, addr));
}

const struct mk_answer *mk_rpt_answer(const struct mk_answers *a, const char *key)
{
	for (size_t i = 0; a != NULL && i < a->n; i++)
		if (a->v[i].key != NULL && strcmp(a->v[i].key, key) == 0)
			return &a->v[i];
	return NULL;
}

static json_t *parse_object(const char *text, size_t len)
{
	json_error_t jerr;
	json_t *v;

	if (text == NULL || len == 0 || len > MK_RPT_BCP_MAX_BYTES)
		return NULL;
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v != NULL && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

json_t *mk_rpt_bcp(const struct mk_assessment *as, const struct mk_answers *a)
{
	json_t *v = NULL;

	if (as != NULL && as->bcp != NULL) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct mk_json j;

		if (f != NULL) {
			mk_json_init(&j, f, false);
			mk_bcp_json(&j, as);
			if (fclose(f) == 0)
				v = parse_object(buf, len);
		}
		free(buf);
		if (v != NULL)
			return v;
	}
	if (a != NULL && a->bcp_json != NULL)
		v = parse_object(a->bcp_json, strlen(a->bcp_json));
	return v;
}

static void json_text(const json_t *v, enum mk_lang lang, char *buf, size_t len, int depth)
{
	buf[0] = '\0';
	if (v == NULL || json_is_null(v))
		return;
	if (json_is_string(v)) {
		snprintf(buf, len, "%s", json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(buf, len, "%g", json_real_value(v));
	} else if (json_is_boolean(v)) {
		snprintf(buf, len, "%s", mk_msg_lang(json_is_true(v) ? "ar.yes" : "ar.no", lang));
	} else if (json_is_object(v) && json_is_string(json_object_get(v, "ja")) &&
	           json_is_string(json_object_get(v, "en"))) {
		snprintf(buf, len, "%s",
		         json_string_value(json_object_get(v, lang == MK_LANG_JA ? "ja" : "en")));
	} else if (depth >= 3) {
		char *d = json_dumps(v, JSON_COMPACT);

		snprintf(buf, len, "%s", d != NULL ? d : "");
		free(d);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;

		/* objects one per line, plain values separated by commas */
		json_array_foreach(v, i, x) {
			char one[512];

			json_text(x, lang, one, sizeof(one), depth + 1);
			join(buf, len, json_is_object(x) ? "\n" : ", ", one);
		}
	} else if (json_is_object(v)) {
		const char *k;
		json_t *x;

		json_object_foreach((json_t *)v, k, x) {
			char one[512], pair[600];

			if (json_is_null(x))
				continue;
			json_text(x, lang, one, sizeof(one), depth + 1);
			snprintf(pair, sizeof(pair), "%s: %s", k, one);
			join(buf, len, ", ", pair);
		}
	}
}

void mk_rpt_json_text(const json_t *v, enum mk_lang lang, char *buf, size_t len)
{
	if (len > 0)
		json_text(v, lang, buf, len, 0);
}

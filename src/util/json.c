/* json.c - a small streaming JSON writer.
 *
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become
 * U+FFFD, so a document built from network data always parses.
 */
#include "mieruka/util.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void mk_json_init(struct mk_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
}

static void indent(struct mk_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Called before every value or key: commas and indentation. */
static void before_value(struct mk_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (j->need_comma[j->depth])
			fputc(',', j->f);
		indent(j);
		j->need_comma[j->depth] = true;
	}
}

static void open_container(struct mk_json *j, char c)
{
	before_value(j);
	fputc(c, j->f);
	if (j->depth < (int)(sizeof(j->need_comma) - 1))
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_container(struct mk_json *j, char c)
{
	bool had_items = j->need_comma[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had_items)
		indent(j);
	fputc(c, j->f);
	if (j->depth == 0 && j->pretty)
		fputc('\n', j->f);
}

void mk_json_begin_object(struct mk_json *j) { open_container(j, '{'); }
void mk_json_end_object(struct mk_json *j) { close_container(j, '}'); }
void mk_json_begin_array(struct mk_json *j) { open_container(j, '['); }
void mk_json_end_array(struct mk_json *j) { close_container(j, ']'); }

static void write_escaped(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	fputc('"', f);
	while (i < len) {
		unsigned char c = p[i];
		size_t n = 0;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		if (c < 0x80) {
			fputc(c, f);
			i++;
			continue;
		}
		/* Validate one UTF-8 sequence; copy it or write U+FFFD. */
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		if (n != 0 && i + n <= len) {
			size_t k;

			for (k = 1; k < n && (p[i + k] & 0xc0) == 0x80; k++)
				;
			if (k == n && !(c == 0xe0 && p[i + 1] < 0xa0) && !(c == 0xed && p[i + 1] >= 0xa0) &&
			    !(c == 0xf0 && p[i + 1] < 0x90) && !(c == 0xf4 && p[i + 1] >= 0x90)) {
				fwrite(p + i, 1, n, f);
				i += n;
				continue;
			}
		}
		fputs("\\ufffd", f);
		i++;
	}
	fputc('"', f);
}

void mk_json_key(struct mk_json *j, const char *key)
{
	before_value(j);
	write_escaped(j->f, key, strlen(key));
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void mk_json_stringn(struct mk_json *j, const char *s, size_t len)
{
	before_value(j);
	if (s == NULL)
		fputs("null", j->f);
	else
		write_escaped(j->f, s, len);
}

void mk_json_string(struct mk_json *j, const char *s)
{
	mk_json_stringn(j, s, s != NULL ? strlen(s) : 0);
}

void mk_json_uint(struct mk_json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->f, "%" PRIu64, v);
}

void mk_json_int(struct mk_json *j, int64_t v)
{
	before_value(j);
	fprintf(j->f, "%" PRId64, v);
}

void mk_json_double(struct mk_json *j, double v)
{
	before_value(j);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void mk_json_bool(struct mk_json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->f);
}

void mk_json_null(struct mk_json *j)
{
	before_value(j);
	fputs("null", j->f);
}

void mk_json_time(struct mk_json *j, uint64_t ts_ns)
{
	char buf[40];

	mk_json_string(j, mk_time_rfc3339(ts_ns, buf, sizeof(buf)));
}

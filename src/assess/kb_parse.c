/* kb_parse.c - reads data/kb/NAME.kb files into stanzas (docs/ASSESSMENT.md).
 *
 * The format is deliberately small (a header line, key: value lines,
 * two-space continuation lines, comments) so that a person can edit it in any
 * editor and the loader can name the file and line of every mistake.  The
 * files are ours, but they are still read as untrusted text: sizes, counts and
 * UTF-8 are checked, nothing is assumed about line lengths. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/kb_int.h"

/* ---- arena ---- */

struct mk_kb_block {
	struct mk_kb_block *next;
	size_t used, size;
	max_align_t data[];
};
struct mk_kb_arena {
	struct mk_kb_block *head;
};

struct mk_kb_arena *mk_kb_arena_new(void)
{
	return calloc(1, sizeof(struct mk_kb_arena));
}

void mk_kb_arena_free(struct mk_kb_arena *a)
{
	if (!a)
		return;
	for (struct mk_kb_block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void *mk_kb_alloc(struct mk_kb_arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	if (n > ((size_t)1 << 30))
		return NULL;
	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	struct mk_kb_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = n > 60000 ? n : 60000;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *mk_kb_strndup(struct mk_kb_arena *a, const char *s, size_t n)
{
	char *p = mk_kb_alloc(a, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *mk_kb_strdup(struct mk_kb_arena *a, const char *s)
{
	return mk_kb_strndup(a, s, strlen(s));
}

/* ---- errors ---- */

static int fail_at(char *err, size_t errlen, const char *file, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail_at(char *err, size_t errlen, const char *file, uint32_t line, const char *fmt, ...)
{
	if (errlen) {
		int k = snprintf(err, errlen, "%s:%u: ", file, (unsigned)line);
		if (k >= 0 && (size_t)k < errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

static int vfail(const struct mk_kb_stanza *s, uint32_t line, char *err, size_t errlen,
                 const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static int vfail(const struct mk_kb_stanza *s, uint32_t line, char *err, size_t errlen,
                 const char *fmt, va_list ap)
{
	if (errlen) {
		int k = snprintf(err, errlen, "%s:%u: [%s %s] ", s->file, (unsigned)line, s->kind,
		                 s->id);
		if (k >= 0 && (size_t)k < errlen)
			vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
	}
	return -1;
}

int mk_kb_fail(const struct mk_kb_stanza *s, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(s, s->line, err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int mk_kb_fail_line(const struct mk_kb_stanza *s, uint32_t line, char *err, size_t errlen,
                    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(s, line, err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- parsing ---- */

static bool utf8_valid(const unsigned char *s, size_t n, size_t *bad)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t len;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, min = 0x10000, c &= 0x07;
		} else {
			*bad = i;
			return false;
		}
		if (n - i < len) {
			*bad = i;
			return false;
		}
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80) {
				*bad = i;
				return false;
			}
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
			*bad = i;
			return false;
		}
		i += len;
	}
	return true;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static bool valid_name(const char *s, size_t n, size_t max)
{
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

static bool kind_valid(const char *s, size_t n)
{
	if (n == 0 || n > 31)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	return true;
}

static size_t trim_end(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

static int finish_stanza(struct mk_kb_stanza *st, char *err, size_t errlen)
{
	for (size_t i = 0; i < st->n_fields; i++)
		if (st->fields[i].value[0] == '\0')
			return fail_at(err, errlen, st->file, st->fields[i].line, "%s has no value",
			               st->fields[i].key);
	return 0;
}

int mk_kb_parse_text(struct mk_kb_doc *doc, const char *name, const char *text, size_t len,
                     char *err, size_t errlen)
{
	if (!doc->arena && !(doc->arena = mk_kb_arena_new()))
		return fail_at(err, errlen, name, 0, "out of memory");
	const char *file = mk_kb_strdup(doc->arena, name);
	if (!file)
		return fail_at(err, errlen, name, 0, "out of memory");
	size_t bad;
	if (!utf8_valid((const unsigned char *)text, len, &bad)) {
		uint32_t line = 1;
		for (size_t i = 0; i < bad; i++)
			line += text[i] == '\n';
		return fail_at(err, errlen, file, line, "not valid UTF-8 (byte offset %zu)", bad);
	}
	struct mk_kb_stanza *cur = NULL;
	struct mk_kb_field *last = NULL;
	uint32_t line = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *p = text + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - p) : len - pos;
		pos += n + (nl != NULL);
		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n))
			return fail_at(err, errlen, file, line, "NUL byte in the text");
		size_t t = trim_end(p, n);
		if (t == 0) {
			continue; /* blank: keeps the stanza and its last field */
		}
		if (p[0] == '#') {
			last = NULL; /* a comment ends a continuation */
			continue;
		}
		if (p[0] == ' ' || p[0] == '\t') {
			if (p[0] == '\t' || n < 2 || p[1] != ' ')
				return fail_at(err, errlen, file, line,
				               "a continuation line starts with two spaces");
			if (!last)
				return fail_at(err, errlen, file, line,
				               "continuation line without a key line before it");
			size_t s = 0;
			while (s < t && p[s] == ' ')
				s++;
			size_t old = strlen(last->value);
			if (old + 1 + (t - s) > 65536)
				return fail_at(err, errlen, file, line, "value of %s too long", last->key);
			char *v = mk_kb_alloc(doc->arena, old + 2 + (t - s));
			if (!v)
				return fail_at(err, errlen, file, line, "out of memory");
			memcpy(v, last->value, old);
			size_t k = old;
			if (old)
				v[k++] = '\n';
			memcpy(v + k, p + s, t - s);
			v[k + t - s] = '\0';
			last->value = v;
			continue;
		}
		if (p[0] == '[') {
			if (cur && finish_stanza(cur, err, errlen))
				return -1;
			if (p[t - 1] != ']')
				return fail_at(err, errlen, file, line, "a header is [KIND ID]");
			const char *in = p + 1;
			size_t inl = t - 2;
			const char *sp = memchr(in, ' ', inl);
			if (!sp)
				return fail_at(err, errlen, file, line, "a header is [KIND ID]");
			size_t kl = (size_t)(sp - in);
			const char *id = sp + 1;
			size_t il = inl - kl - 1;
			if (!kind_valid(in, kl))
				return fail_at(err, errlen, file, line, "bad kind (a-z and _ only)");
			if (!valid_name(id, il, 63))
				return fail_at(err, errlen, file, line,
				               "bad id (1-63 of a-z 0-9 _ . -)");
			if (doc->n >= MK_KB_MAX_STANZAS)
				return fail_at(err, errlen, file, line, "more than %d stanzas",
				               MK_KB_MAX_STANZAS);
			if (doc->n % 64 == 0) {
				void *nv = realloc(doc->v, (doc->n + 64) * sizeof(*doc->v));
				if (!nv)
					return fail_at(err, errlen, file, line, "out of memory");
				doc->v = nv;
			}
			cur = &doc->v[doc->n++];
			memset(cur, 0, sizeof(*cur));
			cur->kind = mk_kb_strndup(doc->arena, in, kl);
			cur->id = mk_kb_strndup(doc->arena, id, il);
			cur->file = file;
			cur->line = line;
			last = NULL;
			if (!cur->kind || !cur->id)
				return fail_at(err, errlen, file, line, "out of memory");
			continue;
		}
		const char *colon = memchr(p, ':', t);
		if (!colon)
			return fail_at(err, errlen, file, line,
			               "expected [KIND ID], key: value, a comment or a blank line");
		size_t kl = (size_t)(colon - p);
		if (!valid_name(p, kl, 63))
			return fail_at(err, errlen, file, line, "bad key (a-z 0-9 _ . -)");
		if (!cur)
			return fail_at(err, errlen, file, line, "key before the first [KIND ID] header");
		for (size_t i = 0; i < cur->n_fields; i++)
			if (strlen(cur->fields[i].key) == kl && !memcmp(cur->fields[i].key, p, kl))
				return fail_at(err, errlen, file, line, "%.*s given twice", (int)kl, p);
		if (cur->n_fields >= MK_KB_MAX_FIELDS)
			return fail_at(err, errlen, file, line, "more than %d keys in one stanza",
			               MK_KB_MAX_FIELDS);
		const char *v = colon + 1;
		while (v < p + t && (*v == ' ' || *v == '\t'))
			v++;
		struct mk_kb_field *f = &cur->fields[cur->n_fields++];
		f->key = mk_kb_strndup(doc->arena, p, kl);
		f->value = mk_kb_strndup(doc->arena, v, (size_t)(p + t - v));
		f->line = line;
		f->used = false;
		if (!f->key || !f->value)
			return fail_at(err, errlen, file, line, "out of memory");
		last = f;
	}
	if (cur && finish_stanza(cur, err, errlen))
		return -1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int mk_kb_parse_dir(struct mk_kb_doc *doc, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d)
		return fail_at(err, errlen, dir, 0, "cannot open the knowledge-base directory: %s",
		               strerror(errno));
	char *names[MK_KB_MAX_FILES];
	size_t n = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 4 || strcmp(e->d_name + l - 3, ".kb") || e->d_name[0] == '.')
			continue;
		if (n == MK_KB_MAX_FILES) {
			rc = fail_at(err, errlen, dir, 0, "more than %d .kb files", MK_KB_MAX_FILES);
			break;
		}
		if (!(names[n] = strdup(e->d_name))) {
			rc = fail_at(err, errlen, dir, 0, "out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "rb");
		if (!f) {
			rc = fail_at(err, errlen, names[i], 0, "cannot open: %s", strerror(errno));
			break;
		}
		char *buf = malloc(MK_KB_MAX_FILE_BYTES + 1);
		size_t got = buf ? fread(buf, 1, MK_KB_MAX_FILE_BYTES + 1, f) : 0;
		bool rerr = ferror(f);
		fclose(f);
		if (!buf)
			rc = fail_at(err, errlen, names[i], 0, "out of memory");
		else if (rerr)
			rc = fail_at(err, errlen, names[i], 0, "read error");
		else if (got > MK_KB_MAX_FILE_BYTES)
			rc = fail_at(err, errlen, names[i], 0, "larger than %u bytes",
			             MK_KB_MAX_FILE_BYTES);
		else
			rc = mk_kb_parse_text(doc, names[i], buf, got, err, errlen);
		free(buf);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	if (rc == 0 && doc->n == 0)
		rc = fail_at(err, errlen, dir, 0, "no .kb files");
	return rc;
}

void mk_kb_doc_free(struct mk_kb_doc *doc)
{
	free(doc->v);
	doc->v = NULL;
	doc->n = 0;
}

/* ---- accessors ---- */

const char *mk_kb_get(struct mk_kb_stanza *s, const char *key)
{
	for (size_t i = 0; i < s->n_fields; i++)
		if (!strcmp(s->fields[i].key, key)) {
			s->fields[i].used = true;
			return s->fields[i].value;
		}
	return NULL;
}

int mk_kb_need(struct mk_kb_stanza *s, const char *key, const char **out, char *err, size_t errlen)
{
	*out = mk_kb_get(s, key);
	if (!*out)
		return mk_kb_fail(s, err, errlen, "missing %s", key);
	return 0;
}

int mk_kb_text(struct mk_kb_stanza *s, const char *name, bool required, struct mk_kb_text *out,
               char *err, size_t errlen)
{
	char kja[80], ken[80];
	snprintf(kja, sizeof(kja), "%s.ja", name);
	snprintf(ken, sizeof(ken), "%s.en", name);
	out->ja = mk_kb_get(s, kja);
	out->en = mk_kb_get(s, ken);
	if (!out->ja && !out->en && !required) {
		out->ja = out->en = "";
		return 0;
	}
	if (!out->ja)
		return mk_kb_fail(s, err, errlen, "missing %s (every text needs Japanese and English)",
		                  kja);
	if (!out->en)
		return mk_kb_fail(s, err, errlen, "missing %s (every text needs Japanese and English)",
		                  ken);
	return 0;
}

int mk_kb_int(struct mk_kb_stanza *s, const char *key, long min, long max, bool has_def, long def,
              long *out, char *err, size_t errlen)
{
	const char *v = mk_kb_get(s, key);
	if (!v) {
		if (has_def) {
			*out = def;
			return 0;
		}
		return mk_kb_fail(s, err, errlen, "missing %s", key);
	}
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < min || x > max)
		return mk_kb_fail(s, err, errlen, "%s must be a whole number from %ld to %ld, not \"%s\"",
		                  key, min, max, v);
	*out = x;
	return 0;
}

int mk_kb_list(struct mk_kb_stanza *s, struct mk_kb_arena *arena, const char *key,
               const char **items, size_t *n, char *err, size_t errlen)
{
	*n = 0;
	const char *v = mk_kb_get(s, key);
	if (!v)
		return 0;
	const char *p = v;
	for (;;) {
		const char *c = p;
		while (*c && *c != ',')
			c++;
		const char *b = p, *e = c;
		while (b < e && (*b == ' ' || *b == '\n'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\n'))
			e--;
		if (b == e)
			return mk_kb_fail(s, err, errlen, "%s: empty item in the list", key);
		if (*n >= MK_KB_MAX_LIST)
			return mk_kb_fail(s, err, errlen, "%s: more than %d items", key, MK_KB_MAX_LIST);
		if (!(items[*n] = mk_kb_strndup(arena, b, (size_t)(e - b))))
			return mk_kb_fail(s, err, errlen, "out of memory");
		(*n)++;
		if (!*c)
			break;
		p = c + 1;
	}
	return 0;
}

int mk_kb_enum(struct mk_kb_stanza *s, const char *key, const char *const *names, size_t n,
               char *err, size_t errlen)
{
	const char *v = mk_kb_get(s, key);
	if (!v)
		return mk_kb_fail(s, err, errlen, "missing %s", key);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v, names[i]))
			return (int)i;
	char allowed[256] = "";
	for (size_t i = 0; i < n; i++) {
		strncat(allowed, i ? ", " : "", sizeof(allowed) - strlen(allowed) - 1);
		strncat(allowed, names[i], sizeof(allowed) - strlen(allowed) - 1);
	}
	mk_kb_fail(s, err, errlen, "%s: \"%s\" is not one of %s", key, v, allowed);
	return -1;
}

int mk_kb_origin(struct mk_kb_stanza *s, struct mk_kb_arena *arena, const struct mk_kb *kb,
                 struct mk_kb_origin *o, char *err, size_t errlen)
{
	const char *items[MK_KB_MAX_LIST];
	size_t n;
	o->file = s->file;
	o->line = s->line;
	if (mk_kb_list(s, arena, "sources", items, &n, err, errlen))
		return -1;
	if (n == 0)
		return mk_kb_fail(s, err, errlen, "missing sources (ids of [source] stanzas)");
	o->sources = mk_kb_alloc(arena, n * sizeof(*o->sources));
	if (!o->sources)
		return mk_kb_fail(s, err, errlen, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (!mk_kb_source_by_id(kb, items[i]))
			return mk_kb_fail(s, err, errlen, "sources: no [source %s]", items[i]);
		o->sources[i] = items[i];
	}
	o->n_sources = n;
	static const char *const conf[] = {"V", "S", "M", "P"};
	int c = mk_kb_enum(s, "confidence", conf, 4, err, errlen);
	if (c < 0)
		return -1;
	o->confidence = conf[c][0];
	return 0;
}

int mk_kb_check_used(const struct mk_kb_stanza *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n_fields; i++)
		if (!s->fields[i].used)
			return fail_at(err, errlen, s->file, s->fields[i].line, "[%s %s] unknown key %s",
			               s->kind, s->id, s->fields[i].key);
	return 0;
}

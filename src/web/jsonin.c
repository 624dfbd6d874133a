/* jsonin.c - the small JSON reader for request bodies: one flat object whose
 * values are strings or null (every API body is such an object).  Bounded by
 * the body cap (server.c) and MK_WEB_JSON_MAX_MEMBERS; anything else is
 * refused, never guessed at.  Strings come out as UTF-8 (\u escapes, surrogate
 * pairs decoded; a lone surrogate or a NUL is refused). */
#include "web/web_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct in {
	const char *p, *end;
};

static void ws(struct in *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hex4(struct in *s, unsigned *v)
{
	*v = 0;
	if (s->end - s->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = *s->p++;

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Is s[0..n) well-formed UTF-8 (RFC 3629: no overlong forms, no encoded
 * surrogates, nothing above U+10FFFF)?  JSON text must be (RFC 8259), and
 * what a body carries ends up in the database and in every page. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], cp, len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			len = 2, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			len = 3, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			len = 4, cp = c & 0x07;
		else
			return false;
		if (n - i < len)
			return false;
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		i += len;
	}
	return true;
}

/* At the opening quote; the decoded string is never longer than its source. */
static char *string(struct in *s)
{
	const char *start = ++s->p;
	char *out = malloc((size_t)(s->end - start) + 1), *o = out;

	if (out == NULL)
		return NULL;
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p++;

		if (c == '"') {
			*o = '\0';
			if (!utf8_valid((const unsigned char *)out, (size_t)(o - out)))
				break; /* raw bytes that are not UTF-8: refused */
			return out;
		}
		if (c < 0x20)
			break;
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		if (s->p >= s->end)
			break;
		c = (unsigned char)*s->p++;
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp, lo;

			if (hex4(s, &cp) != 0 || cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
				goto fail;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
					goto fail;
				s->p += 2;
				if (hex4(s, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
					goto fail;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			/* \uXXXX is 6 source bytes, at most 4 out: stays within out */
			o += put_utf8(o, cp);
			break;
		}
		default: goto fail;
		}
	}
fail:
	free(out);
	return NULL;
}

int mk_web_json_parse(const char *text, size_t len, struct mk_web_kv *kv, size_t max)
{
	struct in s = {text, text + len};
	size_t n = 0;

	memset(kv, 0, max * sizeof(*kv));
	ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return -1;
	s.p++;
	ws(&s);
	if (s.p < s.end && *s.p == '}') {
		s.p++;
		goto end;
	}
	for (;;) {
		if (n >= max)
			goto fail;
		ws(&s);
		if (s.p >= s.end || *s.p != '"' || (kv[n].key = string(&s)) == NULL)
			goto fail;
		for (size_t i = 0; i < n; i++)
			if (strcmp(kv[i].key, kv[n].key) == 0) {
				n++;
				goto fail; /* a duplicate key: ambiguous */
			}
		ws(&s);
		if (s.p >= s.end || *s.p != ':') {
			n++;
			goto fail;
		}
		s.p++;
		ws(&s);
		if (s.p < s.end && *s.p == '"') {
			if ((kv[n].value = string(&s)) == NULL) {
				n++;
				goto fail;
			}
		} else if (s.end - s.p >= 4 && memcmp(s.p, "null", 4) == 0) {
			s.p += 4;
			kv[n].is_null = true;
		} else {
			n++;
			goto fail;
		}
		n++;
		ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			continue;
		}
		if (s.p < s.end && *s.p == '}') {
			s.p++;
			break;
		}
		goto fail;
	}
end:
	ws(&s);
	if (s.p != s.end)
		goto fail;
	return (int)n;
fail:
	mk_web_json_free(kv, n);
	return -1;
}

void mk_web_json_free(struct mk_web_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
		kv[i].key = kv[i].value = NULL;
	}
}

const struct mk_web_kv *mk_web_json_get(const struct mk_web_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (kv[i].key != NULL && strcmp(kv[i].key, key) == 0)
			return &kv[i];
	return NULL;
}

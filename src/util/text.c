/* text.c - making untrusted text safe, and measuring it for terminals.
 *
 * Names come from the network (DHCP host names, LLDP descriptions, banners):
 * they may be invalid UTF-8 or hold control characters that would corrupt a
 * terminal, a CSV file or the JSON document.  Everything that enters a record
 * passes mk_text_sanitize() once, at the door.
 */
#include "mieruka/util.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if invalid.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

size_t mk_text_sanitize(char *dst, size_t dstlen, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t in = 0, out = 0;

	if (dstlen == 0)
		return 0;
	while (src != NULL && in < len && s[in] != '\0') {
		uint32_t cp;
		size_t n = utf8_seq(s + in, len - in, &cp);

		if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			/* Invalid byte or control character: one '?' keeps the shape. */
			if (out + 1 >= dstlen)
				break;
			dst[out++] = '?';
			in += n == 0 ? 1 : n;
			continue;
		}
		if (out + n >= dstlen)
			break;
		memcpy(dst + out, s + in, n);
		out += n;
		in += n;
	}
	/* Trailing spaces and padding carry no meaning in names. */
	while (out > 0 && dst[out - 1] == ' ')
		out--;
	dst[out] = '\0';
	return out;
}

char *mk_text_dup(const char *src, size_t len)
{
	char buf[256];
	size_t n = mk_text_sanitize(buf, sizeof(buf), src, len);
	char *p = malloc(n + 1);

	if (p != NULL)
		memcpy(p, buf, n + 1);
	return p;
}

/* East Asian Wide/Fullwidth ranges (UAX #11), enough for Japanese text. */
static bool is_wide(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
	       (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	       (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
	       (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	       (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	       (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	       (c >= 0x20000 && c <= 0x3fffd);
}

size_t mk_text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s != NULL ? strlen(s) : 0, i = 0, w = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_seq(p + i, n - i, &cp);

		if (len == 0) {
			len = 1;
			cp = '?';
		}
		w += is_wide(cp) ? 2 : 1;
		i += len;
	}
	return w;
}

size_t mk_utf16le_to_utf8(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	size_t used = 0;

	for (size_t i = 0; i + 1 < n; i += 2) {
		unsigned c = (unsigned)p[i] | ((unsigned)p[i + 1] << 8);

		if (c == 0)
			break;
		if (c < 0x80) {
			if (used + 1 >= cap)
				break;
			buf[used++] = (char)c;
		} else if (c < 0x800) {
			if (used + 2 >= cap)
				break;
			buf[used++] = (char)(0xc0 | (c >> 6));
			buf[used++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0xd800 || c > 0xdfff) {
			if (used + 3 >= cap)
				break;
			buf[used++] = (char)(0xe0 | (c >> 12));
			buf[used++] = (char)(0x80 | ((c >> 6) & 0x3f));
			buf[used++] = (char)(0x80 | (c & 0x3f));
		}
	}
	return used;
}

int mk_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t mk_text_field_len(const uint8_t *p, size_t n, size_t cap)
{
	const uint8_t *nul = n > 0 ? memchr(p, 0, n) : NULL;

	if (nul != NULL)
		n = (size_t)(nul - p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == '\t'))
		n--;
	return n > cap ? cap : n;
}

size_t mk_split_tabs(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		char *tab = strchr(p, '\t');

		fields[n++] = p;
		if (tab == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

bool mk_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

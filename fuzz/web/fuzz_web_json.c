/* fuzz_web_json.c - fuzz target for the dashboard's request-body reader
 * (src/web/jsonin.c).  Bodies come from any browser on the LAN, so whatever
 * they hold must be refused or decoded, never crash.  What is accepted must
 * keep the reader's promises: at most max members, every key present, every
 * decoded string NUL-terminated without an embedded NUL, and valid UTF-8 (a
 * lone surrogate or a NUL escape is refused). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/web_int.h"

static int utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != 0) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
		           : (*p & 0xf8) == 0xf0 ? 4 : 0;

		if (n == 0)
			return 0;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mk_web_kv kv[MK_WEB_JSON_MAX_MEMBERS];
	int n = mk_web_json_parse((const char *)data, size, kv, MK_WEB_JSON_MAX_MEMBERS);

	if (n < 0)
		return 0;
	if (n > MK_WEB_JSON_MAX_MEMBERS)
		abort();
	for (int i = 0; i < n; i++) {
		if (kv[i].key == NULL || !utf8_ok(kv[i].key))
			abort();
		if ((kv[i].value == NULL) != kv[i].is_null)
			abort();
		if (kv[i].value != NULL && !utf8_ok(kv[i].value))
			abort();
		if (mk_web_json_get(kv, (size_t)n, kv[i].key) == NULL)
			abort();
	}
	mk_web_json_free(kv, (size_t)n);
	return 0;
}

/* fuzz_zones.c - fuzz target for the zone file parser (src/detect/zones.c).
 * Zone files are written by people and read back from the database, so a
 * damaged one must be refused, never crash.  What the parser accepts must
 * print (mk_zones_write) to a file it accepts again, identically, and lookups
 * on it must stay in bounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/facts.h"
#include "mieruka/util.h"
#include "mieruka/zones.h"

static char *print(const struct mk_zones *z, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		abort();
	mk_zones_write(f, z);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const probes[] = {"10.0.0.1", "192.168.10.5", "0.0.0.0",
	                                     "::1",      "2001:db8::1",  "00:1b:1b:12:34:56"};
	char err[1024];
	struct mk_zones *z = mk_zones_parse((const char *)data, size, "fuzz", err, sizeof(err)),
	                *z2;
	struct mk_zones_map *m;
	char *a, *b;
	size_t la, lb;

	if (z == NULL)
		return 0;
	a = print(z, &la);
	z2 = mk_zones_parse(a, la, "printed", err, sizeof(err));
	if (z2 == NULL)
		abort(); /* printed a file the parser refuses */
	b = print(z2, &lb);
	if (la != lb || memcmp(a, b, la) != 0)
		abort(); /* printing is not stable */
	m = mk_zones_map_new(z, NULL, 0);
	for (size_t i = 0; m != NULL && i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct mk_addr ad;
		int zi;

		if (!mk_addr_parse(&ad, probes[i]))
			abort();
		zi = mk_zones_map_addr(m, &ad);
		if (zi >= (int)mk_zones_count(z))
			abort();
		if (zi >= 0)
			mk_zones_allows(z, (size_t)zi, 0, MK_PROTO_MODBUS, 6, 502);
	}
	mk_zones_map_free(m);
	free(a);
	free(b);
	mk_zones_free(z2);
	mk_zones_free(z);
	return 0;
}

/* cip_vendors.c - the CIP vendor table of data/cip_vendors.tsv, loaded once on
 * first use.  The file is user-extensible, so it is read with caps: at most
 * VENDORS_MAX entries of at most VENDOR_NAME_MAX-1 bytes each; more is ignored. */
#include "proto/enip/cip_vendors.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/util.h"

#define VENDORS_MAX 2048
#define VENDOR_NAME_MAX 64
#define VENDOR_LINE_MAX 512

struct cip_vendor {
	uint16_t id;
	char name[VENDOR_NAME_MAX];
};

static struct cip_vendor vendors[VENDORS_MAX];
static size_t n_vendors;
static bool loaded;

/* One "id<TAB>name[<TAB># source]" line; false for comments and bad lines. */
static bool vendor_line(char *line, struct cip_vendor *v)
{
	char *end, *name, *stop;
	unsigned long id;
	size_t len;

	if (line[0] == '#' || line[0] == '\n' || line[0] == '\0')
		return false;
	id = strtoul(line, &end, 10);
	if (end == line || *end != '\t' || id > 0xffff)
		return false;
	name = end + 1;
	stop = strpbrk(name, "\t\r\n");
	len = stop != NULL ? (size_t)(stop - name) : strlen(name);
	while (len > 0 && name[len - 1] == ' ')
		len--;
	if (len == 0)
		return false;
	if (len >= VENDOR_NAME_MAX)
		len = VENDOR_NAME_MAX - 1;
	v->id = (uint16_t)id;
	memcpy(v->name, name, len);
	v->name[len] = '\0';
	return true;
}

static void vendors_load(void)
{
	char path[1024], line[VENDOR_LINE_MAX];
	FILE *f;

	loaded = true;
	if (!mk_data_path("cip_vendors.tsv", path, sizeof(path)) || (f = fopen(path, "r")) == NULL)
		return;
	while (n_vendors < VENDORS_MAX && fgets(line, sizeof(line), f) != NULL) {
		if (strchr(line, '\n') == NULL && !feof(f)) {
			int c;

			/* An over-long line: drop the rest of it. */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		if (vendor_line(line, &vendors[n_vendors]))
			n_vendors++;
	}
	fclose(f);
}

const char *mk_enip_vendor_name(uint16_t id)
{
	if (!loaded)
		vendors_load();
	for (size_t i = 0; i < n_vendors; i++)
		if (vendors[i].id == id)
			return vendors[i].name;
	return NULL;
}

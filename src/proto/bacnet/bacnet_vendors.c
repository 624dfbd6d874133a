/* bacnet_vendors.c - the BACnet vendor identifier table (data/bacnet_vendors.tsv).
 *
 * Loaded once, on the first look-up, into fixed static storage: no allocation,
 * and a missing or unreadable file only means vendor names stay unknown (the
 * numeric vendor id is still reported).  Lines are "id<TAB>name"; '#' starts a
 * comment; ids at or above BAC_VENDOR_MAX and over-long names are skipped.
 */
#include "bacnet_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/util.h"

#define BAC_VENDOR_MAX 2048 /* ASHRAE has assigned about 1500 so far */
#define BAC_VENDOR_NAME 100

static char bac_vendor_names[BAC_VENDOR_MAX][BAC_VENDOR_NAME];
static pthread_once_t bac_vendor_once = PTHREAD_ONCE_INIT;

static void bac_vendor_line(char *line)
{
	char *tab = strchr(line, '\t'), *end;
	unsigned long id;
	size_t n;

	if (line[0] == '#' || tab == NULL)
		return;
	*tab = '\0';
	id = strtoul(line, &end, 10);
	if (end == line || *end != '\0' || id >= BAC_VENDOR_MAX || bac_vendor_names[id][0] != '\0')
		return;
	n = strcspn(tab + 1, "\t\r\n");
	if (n == 0 || n >= BAC_VENDOR_NAME)
		return;
	memcpy(bac_vendor_names[id], tab + 1, n);
	bac_vendor_names[id][n] = '\0';
}

static void bac_vendor_load(void)
{
	char path[1024], line[512];
	FILE *f;

	if (!mk_data_path("bacnet_vendors.tsv", path, sizeof(path)) || (f = fopen(path, "r")) == NULL)
		return;
	for (unsigned n = 0; n < 100000 && fgets(line, sizeof(line), f) != NULL; n++)
		bac_vendor_line(line);
	fclose(f);
}

const char *bac_vendor_name(uint32_t id)
{
	pthread_once(&bac_vendor_once, bac_vendor_load);
	if (id >= BAC_VENDOR_MAX || bac_vendor_names[id][0] == '\0')
		return NULL;
	return bac_vendor_names[id];
}

/* static.c - the embedded UI files (tools/mk_embed.c generates the table). */
#include "web/static_int.h"

#include <string.h>

const struct mk_web_asset *mk_web_asset_find(const char *path)
{
	for (const struct mk_web_asset *a = mk_web_assets; a->path != NULL; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

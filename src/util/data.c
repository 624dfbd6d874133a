/* data.c - locating data files (knowledge lives in data/, not in C). */
#include "mieruka/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MK_SOURCE_DATADIR
#define MK_SOURCE_DATADIR "data"
#endif
#ifndef MK_INSTALL_DATADIR
#define MK_INSTALL_DATADIR "/usr/local/share/mieruka"
#endif

bool mk_data_path(const char *rel, char *out, size_t outlen)
{
	const char *dirs[3];
	size_t n = 0;

	dirs[n] = getenv("MIERUKA_DATA");
	if (dirs[n] != NULL && dirs[n][0] != '\0')
		n++;
	dirs[n++] = MK_SOURCE_DATADIR;
	dirs[n++] = MK_INSTALL_DATADIR;
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(out, outlen, "%s/%s", dirs[i], rel);

		if (len > 0 && (size_t)len < outlen && access(out, R_OK) == 0)
			return true;
	}
	if (outlen > 0)
		out[0] = '\0';
	return false;
}

void *mk_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL && n != 0 && size != 0) {
		fputs("mieruka: out of memory at start-up\n", stderr);
		exit(1);
	}
	return p;
}

char *mk_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

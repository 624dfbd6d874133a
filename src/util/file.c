/* file.c - writing output files so that a failure never leaves half of one. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mieruka/util.h"

int mk_write_file_atomic(const char *path, int (*fill)(FILE *f, void *ctx), void *ctx, char *err,
                         size_t errlen)
{
	char tmp[4200];
	FILE *f;
	int bad;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((f = fopen(tmp, "wb")) == NULL) {
		snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
		return -1;
	}
	bad = fill(f, ctx) != 0 || ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(err, errlen, "%s: write failed: %s", tmp, errno ? strerror(errno) : "I/O error");
		remove(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: cannot rename into place: %s", path, strerror(errno));
		remove(tmp);
		return -1;
	}
	return 0;
}

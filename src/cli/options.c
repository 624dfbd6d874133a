/* options.c - options shared by the commands that analyse traffic. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/util.h"

void mk_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mieruka %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s\n", mk_msg("cli.see_help"));
}

/* A decimal number in [min, max]; with megabytes, "64", "64M", "64MB" and
 * "64MiB" all mean 64 (people type the unit). */
static bool parse_size(const char *arg, uint64_t min, uint64_t max, bool megabytes, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (megabytes && (strcmp(end, "M") == 0 || strcmp(end, "MB") == 0 || strcmp(end, "MiB") == 0))
		end += strlen(end);
	if (errno != 0 || end == arg || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Option values 1000.. are the memory caps (see the long option tables). */
int mk_parse_limit_option(int opt, const char *arg, struct mk_engine_config *cfg)
{
	uint64_t v;

	switch (opt) {
	case 1001: /* --flow-memcap MB */
		if (!parse_size(arg, 1, 65536, true, &v))
			return -1;
		cfg->flow.memcap = (size_t)v << 20;
		return 1;
	case 1002: /* --max-assets N */
		if (!parse_size(arg, 16, 100000000, false, &v))
			return -1;
		cfg->inventory.max_assets = (size_t)v;
		return 1;
	case 1003: /* --max-conversations N */
		if (!parse_size(arg, 16, 100000000, false, &v))
			return -1;
		cfg->max_conversations = (size_t)v;
		return 1;
	default:
		return 0;
	}
}

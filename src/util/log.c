/* log.c - operator messages on stderr.  Packets never produce log lines (they
 * produce counted, named events); this is for start-up, I/O and summaries. */
#include "mieruka/util.h"

#include <stdarg.h>
#include <stdio.h>

static enum mk_log_level log_level = MK_LOG_INFO;

void mk_log_set_level(enum mk_log_level level)
{
	log_level = level;
}

void mk_log(enum mk_log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {"error: ", "warning: ", "", "debug: "};
	va_list ap;

	if (level > log_level)
		return;
	fputs("mieruka: ", stderr);
	fputs(prefix[level], stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* time.c - RFC 3339 time stamps in UTC with microseconds. */
#include "mieruka/util.h"

#include <stdio.h>
#include <time.h>

char *mk_time_rfc3339(uint64_t ts_ns, char *buf, size_t buflen)
{
	time_t secs = (time_t)(ts_ns / 1000000000u);
	unsigned usec = (unsigned)((ts_ns % 1000000000u) / 1000u);
	struct tm tm;

	if (gmtime_r(&secs, &tm) == NULL) {
		snprintf(buf, buflen, "1970-01-01T00:00:00.000000Z");
		return buf;
	}
	snprintf(buf, buflen, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
	return buf;
}

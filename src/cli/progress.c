/* progress.c - a progress bar on stderr for long analyses (terminal only). */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mieruka/util.h"

uint64_t mk_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void mk_progress_start(struct mk_progress *p, bool enabled, const char *label)
{
	const char *slash = strrchr(label, '/');

	memset(p, 0, sizeof(*p));
	p->enabled = enabled;
	p->label = slash != NULL ? slash + 1 : label;
	p->start_ns = mk_now_ns();
}

void mk_progress_update(struct mk_progress *p, uint64_t done, uint64_t total, uint64_t packets)
{
	uint64_t now = mk_now_ns();
	double secs, pct;
	int filled;
	char bar[31];

	if (!p->enabled || now - p->last_draw_ns < 200000000u)
		return;
	p->last_draw_ns = now;
	p->packets = packets;
	secs = (double)(now - p->start_ns) / 1e9;
	pct = total ? 100.0 * (double)done / (double)total : 0.0;
	if (pct > 100.0)
		pct = 100.0;
	filled = (int)(pct * 30 / 100);
	memset(bar, '#', (size_t)filled);
	memset(bar + filled, '.', (size_t)(30 - filled));
	bar[30] = '\0';
	fprintf(stderr, "\r%-24.24s [%s] %5.1f%%  %llu %s  %.0f %s ", p->label, bar, pct,
	        (unsigned long long)packets, mk_msg("progress.packets"),
	        secs > 0 ? (double)packets / secs : 0.0, mk_msg("progress.packets_per_second"));
	fflush(stderr);
}

void mk_progress_end(struct mk_progress *p)
{
	if (p->enabled && p->last_draw_ns != 0)
		fputs("\r\033[K", stderr);
}

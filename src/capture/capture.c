/* capture.c - the capture handle shared by files and live interfaces:
 * dispatch, warnings (bounded), statistics, progress and close. */
#include "mieruka/capture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"

struct mk_capture *mk_cap_alloc(enum mk_cap_fmt fmt, const char *name, uint32_t file_index)
{
	struct mk_capture *cap = calloc(1, sizeof(*cap));

	if (cap == NULL)
		return NULL;
	cap->fmt = fmt;
	cap->file_index = file_index;
	cap->in.fd = -1;
	snprintf(cap->name, sizeof(cap->name), "%s", name != NULL ? name : "(capture)");
	return cap;
}

static void __attribute__((format(printf, 2, 0))) cap_vwarn(struct mk_capture *cap, const char *fmt, va_list ap)
{
	/* Only the first MK_CAPTURE_MAX_WARNINGS are kept: a hostile file must
	 * not be able to grow memory through warnings. */
	if (cap->n_warn >= MK_CAPTURE_MAX_WARNINGS)
		return;
	char *w = cap->warn_buf[cap->n_warn];
	int n = snprintf(w, MK_CAPTURE_ERRLEN, "%s: ", cap->name);

	if (n < 0 || n >= MK_CAPTURE_ERRLEN)
		n = 0;
	vsnprintf(w + n, MK_CAPTURE_ERRLEN - (size_t)n, fmt, ap);
	cap->warn_ptr[cap->n_warn] = w;
	cap->n_warn++;
}

void mk_cap_warn(struct mk_capture *cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cap_vwarn(cap, fmt, ap);
	va_end(ap);
}

static void cap_report_producer(struct mk_capture *cap)
{
	if (cap->in.fail[0] != '\0') {
		mk_cap_warn(cap, "%s; analysed the %llu packets before it", cap->in.fail,
		            (unsigned long long)cap->stats.packets);
		cap->in.fail[0] = '\0';
	}
	if (cap->in.trailing) {
		mk_cap_warn(cap, "data after the end of the gzip stream ignored");
		cap->in.trailing = false;
	}
}

static enum mk_capture_rc __attribute__((format(printf, 3, 0)))
cap_vdamaged(struct mk_capture *cap, bool cut, const char *fmt, va_list ap)
{
	char reason[MK_CAPTURE_ERRLEN];

	if (cap->done)
		return MK_CAP_EOF;
	/* When the input ran out, a corrupt or cut gzip stream is the cause:
	 * say that first.  (Other damage is reported alone, so the warnings do
	 * not depend on how far ahead the input happened to be decompressed.) */
	if (cut)
		cap_report_producer(cap);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	mk_cap_warn(cap, "%s; analysed the %llu packets before it", reason,
	            (unsigned long long)cap->stats.packets);
	cap->done = true;
	return MK_CAP_EOF;
}

enum mk_capture_rc mk_cap_damaged(struct mk_capture *cap, const char *fmt, ...)
{
	enum mk_capture_rc rc;
	va_list ap;

	va_start(ap, fmt);
	rc = cap_vdamaged(cap, false, fmt, ap);
	va_end(ap);
	return rc;
}

enum mk_capture_rc mk_cap_truncated(struct mk_capture *cap, const char *fmt, ...)
{
	enum mk_capture_rc rc;
	va_list ap;

	va_start(ap, fmt);
	rc = cap_vdamaged(cap, true, fmt, ap);
	va_end(ap);
	return rc;
}

enum mk_capture_rc mk_cap_end(struct mk_capture *cap)
{
	if (!cap->done)
		cap_report_producer(cap);
	cap->done = true;
	return MK_CAP_EOF;
}

enum mk_capture_rc mk_capture_next(struct mk_capture *cap, struct mk_pkt *pkt)
{
	if (cap->done)
		return MK_CAP_EOF;
	return cap->next(cap, pkt);
}

void mk_capture_break(struct mk_capture *cap)
{
	if (cap == NULL)
		return;
	cap->broken = 1;
	if (cap->fmt == MK_CAP_FMT_LIVE)
		mk_cap_live_break(cap);
}

const char *mk_capture_error(const struct mk_capture *cap)
{
	return cap->err;
}

size_t mk_capture_warnings(const struct mk_capture *cap, const char *const **out)
{
	*out = cap->warn_ptr;
	return cap->n_warn;
}

const struct mk_capture_stats *mk_capture_stats(const struct mk_capture *cap)
{
	return &cap->stats;
}

void mk_capture_progress(const struct mk_capture *cap, uint64_t *done, uint64_t *total)
{
	if (cap->fmt == MK_CAP_FMT_LIVE) {
		*done = 0;
		*total = 0;
		return;
	}
	mk_cap_in_progress(&cap->in, done, total);
}

void mk_capture_close(struct mk_capture *cap)
{
	if (cap == NULL)
		return;
	if (cap->fmt == MK_CAP_FMT_LIVE)
		mk_cap_live_close(cap);
	mk_cap_in_free(&cap->in);
	free(cap->ifs);
	free(cap);
}

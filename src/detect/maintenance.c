/* maintenance.c - maintenance windows: which window covers an occurrence, and
 * the times people type when they record one.
 *
 * A window covers an occurrence when the occurrence's whole time span lies in
 * the window's range (both ends included: work recorded "until 10:00" covers
 * a request at 10:00:00) and the window lists one of the devices involved, or
 * lists none (every device).  The detector asks per operation on a controller
 * and per alert occurrence, which are rare; windows are few (capped by the
 * detector), so a linear scan is enough.
 *
 * Times: RFC 3339 (section 5.6) with an offset, or the plain local form
 * "YYYY-MM-DD HH:MM" that people write on a work order, read in this
 * machine's time zone (TZ).
 */
#include "mieruka/ledger.h"

#include <string.h>
#include <time.h>

static void norm(struct mk_addr *a)
{
	size_t n = a->family == MK_AF_MAC     ? 6
	           : a->family == MK_AF_INET  ? 4
	           : a->family == MK_AF_INET6 ? 16
	                                      : 0;

	memset(a->a + n, 0, sizeof(a->a) - n);
}

/* Does w list one of addrs? */
static bool names_device(const struct mk_window_rec *w, const struct mk_addr *addrs, size_t n)
{
	size_t nd = w->n_devices < MK_WINDOW_MAX_DEVICES ? w->n_devices : MK_WINDOW_MAX_DEVICES;

	for (size_t i = 0; i < n; i++) {
		struct mk_addr a = addrs[i];

		if (a.family == MK_AF_NONE)
			continue;
		norm(&a);
		for (size_t k = 0; k < nd; k++) {
			struct mk_addr d = w->devices[k];

			norm(&d);
			if (mk_addr_eq(&a, &d))
				return true;
		}
	}
	return false;
}

bool mk_window_covers(const struct mk_window_rec *w, uint64_t first_ns, uint64_t last_ns,
                      const struct mk_addr *addrs, size_t n)
{
	if (first_ns > last_ns || first_ns < w->start_ns || last_ns > w->end_ns)
		return false;
	return w->n_devices == 0 || names_device(w, addrs, n);
}

uint32_t mk_window_match(const struct mk_window_rec *v, size_t n, uint64_t first_ns,
                         uint64_t last_ns, const struct mk_addr *addrs, size_t naddrs)
{
	uint32_t best = 0;
	bool best_named = false;

	for (size_t i = 0; i < n; i++) {
		const struct mk_window_rec *w = &v[i];
		bool named;

		if (w->id == 0 || !mk_window_covers(w, first_ns, last_ns, addrs, naddrs))
			continue;
		named = w->n_devices > 0;
		if (best == 0 || (named && !best_named) || (named == best_named && w->id < best)) {
			best = w->id;
			best_named = named;
		}
	}
	return best;
}

uint32_t mk_window_subject_strip(char *subject)
{
	char *p = strstr(subject, "maint:");
	uint64_t v = 0;
	const char *q;

	while (p != NULL && p != subject && p[-1] != ' ')
		p = strstr(p + 1, "maint:");
	if (p == NULL)
		return 0;
	for (q = p + 6; *q >= '0' && *q <= '9' && v <= UINT32_MAX; q++)
		v = v * 10 + (uint64_t)(*q - '0');
	if (q == p + 6 || *q != '\0' || v == 0 || v > UINT32_MAX)
		return 0;
	*(p != subject ? p - 1 : p) = '\0';
	return (uint32_t)v;
}

/* ------------------------------------------------------------------ times */

/* n decimal digits at *p (exactly n); advances *p. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int mk_time_parse(const char *text, uint64_t *ns)
{
	const char *p = text;
	int y, mo, d, h, mi, s = 0, oh = 0, om = 0, sign = 0;
	uint64_t frac = 0;
	int64_t secs;
	bool zone = false;

	if (text == NULL || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return -1;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
		return -1;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, &s))
			return -1;
		if (*p == '.' || *p == ',') {
			uint64_t scale = 100000000u;
			int nd = 0;

			p++;
			while (*p >= '0' && *p <= '9') {
				if (nd < 9) {
					frac += (uint64_t)(*p - '0') * scale;
					scale /= 10;
				}
				nd++;
				p++;
			}
			if (nd == 0)
				return -1;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		zone = true;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		zone = true;
	}
	if (*p != '\0')
		return -1;
	/* Leap seconds (second 60) are not accepted: nobody plans work on one. */
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 ||
	    s > 59)
		return -1;
	if (zone) {
		secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
		secs -= (int64_t)sign * (oh * 3600 + om * 60);
	} else {
		struct tm tm;
		time_t t;

		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = s;
		tm.tm_isdst = -1; /* the zone's rules decide summer time */
		t = mktime(&tm);
		if (t == (time_t)-1)
			return -1;
		secs = (int64_t)t;
	}
	if (secs < 0)
		return -1;
	*ns = (uint64_t)secs * 1000000000u + frac;
	return 0;
}

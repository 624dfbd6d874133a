/* test_maintenance.c - maintenance windows (src/detect/maintenance.c): which
 * window covers an occurrence (the edges of the range, device lists by IP and
 * MAC, every device, overlapping windows) and the times people type (RFC 3339
 * with offsets, local "YYYY-MM-DD HH:MM", and what is refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mieruka/ledger.h"

#define S 1000000000ull
/* 2024-05-01T00:00:00Z */
#define T0 (1714521600ull * S)

static struct mk_addr addr(const char *text)
{
	struct mk_addr a;

	memset(&a, 0, sizeof(a));
	assert_true(mk_addr_parse(&a, text));
	return a;
}

static struct mk_window_rec window(uint32_t id, uint64_t start, uint64_t end)
{
	struct mk_window_rec w;

	memset(&w, 0, sizeof(w));
	w.id = id;
	w.start_ns = start;
	w.end_ns = end;
	return w;
}

static void test_edges(void **state)
{
	struct mk_window_rec w = window(1, T0 + 3600 * S, T0 + 7200 * S);
	const struct mk_addr a[1] = {addr("192.168.0.10")};

	(void)state;
	/* Both ends are inside: work "until 10:00" covers a request at 10:00:00. */
	assert_true(mk_window_covers(&w, w.start_ns, w.start_ns, a, 1));
	assert_true(mk_window_covers(&w, w.end_ns, w.end_ns, a, 1));
	assert_true(mk_window_covers(&w, w.start_ns, w.end_ns, a, 1));
	assert_false(mk_window_covers(&w, w.start_ns - 1, w.start_ns - 1, a, 1));
	assert_false(mk_window_covers(&w, w.end_ns + 1, w.end_ns + 1, a, 1));
	/* A span must lie wholly inside. */
	assert_false(mk_window_covers(&w, w.start_ns - 1, w.start_ns + S, a, 1));
	assert_false(mk_window_covers(&w, w.end_ns - S, w.end_ns + 1, a, 1));
	/* A reversed span is no occurrence. */
	assert_false(mk_window_covers(&w, w.start_ns + 2 * S, w.start_ns + S, a, 1));
}

static void test_devices(void **state)
{
	struct mk_window_rec w = window(2, T0, T0 + 3600 * S);
	const struct mk_addr plc_ip[2] = {addr("10.0.0.9"), addr("192.168.0.10")};
	const struct mk_addr plc_mac[2] = {addr("10.0.0.9"), addr("00:1b:1b:1a:d6:e0")};
	const struct mk_addr other[2] = {addr("10.0.0.9"), addr("192.168.0.11")};
	const struct mk_addr none[2] = {{0}, {0}};

	(void)state;
	/* No device listed: every device. */
	assert_true(mk_window_covers(&w, T0, T0, other, 2));
	assert_true(mk_window_covers(&w, T0, T0, none, 2));
	w.devices[0] = addr("192.168.0.10");
	w.devices[1] = addr("00:1B:1B:1A:D6:E0");
	w.n_devices = 2;
	/* Client or server, by IP or by MAC. */
	assert_true(mk_window_covers(&w, T0, T0, plc_ip, 2));
	assert_true(mk_window_covers(&w, T0, T0, plc_ip + 1, 1));
	assert_true(mk_window_covers(&w, T0, T0, plc_mac, 2));
	assert_false(mk_window_covers(&w, T0, T0, other, 2));
	assert_false(mk_window_covers(&w, T0, T0, none, 2));
	/* The right device at the wrong time. */
	assert_false(mk_window_covers(&w, T0 + 3601 * S, T0 + 3601 * S, plc_ip, 2));
	/* An IPv6 device. */
	w.devices[0] = addr("fe80::1");
	w.n_devices = 1;
	{
		const struct mk_addr v6[1] = {addr("fe80::1")};

		assert_true(mk_window_covers(&w, T0, T0, v6, 1));
	}
}

static void test_overlapping(void **state)
{
	struct mk_window_rec v[4];
	const struct mk_addr plc[2] = {addr("10.0.0.9"), addr("192.168.0.10")};
	const struct mk_addr other[2] = {addr("10.0.0.9"), addr("192.168.0.11")};

	(void)state;
	v[0] = window(7, T0, T0 + 7200 * S);            /* every device */
	v[1] = window(3, T0, T0 + 7200 * S);            /* every device, recorded first */
	v[2] = window(9, T0 + 3600 * S, T0 + 5400 * S); /* the PLC only */
	v[2].devices[0] = addr("192.168.0.10");
	v[2].n_devices = 1;
	v[3] = window(0, T0, T0 + 7200 * S); /* not stored yet: never matches */
	assert_int_equal(mk_window_match(v, 4, T0 - 1, T0 - 1, plc, 2), 0);
	/* Two all-device windows: the first recorded (lowest id). */
	assert_int_equal(mk_window_match(v, 4, T0, T0, plc, 2), 3);
	/* A window naming the device wins over those for every device. */
	assert_int_equal(mk_window_match(v, 4, T0 + 3600 * S, T0 + 3600 * S, plc, 2), 9);
	assert_int_equal(mk_window_match(v, 4, T0 + 3600 * S, T0 + 3600 * S, other, 2), 3);
	/* The named window ends earlier: after it, the all-device one. */
	assert_int_equal(mk_window_match(v, 4, T0 + 5401 * S, T0 + 5401 * S, plc, 2), 3);
	assert_int_equal(mk_window_match(v, 0, T0, T0, plc, 2), 0);
}

static void test_subject_strip(void **state)
{
	static const struct {
		const char *in, *out;
		uint32_t id;
	} t[] = {
	    {"maint:3", "", 3},
	    {"ftp_cleartext_login maint:12", "ftp_cleartext_login", 12},
	    {"m-001b1b000001 maint:4294967295", "m-001b1b000001", 4294967295u},
	    {"", "", 0},
	    {"ftp_cleartext_login", "ftp_cleartext_login", 0},
	    {"xmaint:3", "xmaint:3", 0},                     /* not a word of its own */
	    {"a maint:", "a maint:", 0},                     /* no number */
	    {"a maint:3x", "a maint:3x", 0},                 /* not only a number */
	    {"a maint:3 b", "a maint:3 b", 0},               /* not at the end */
	    {"a maint:4294967296", "a maint:4294967296", 0}, /* beyond any id */
	    {"a maint:0", "a maint:0", 0},                   /* ids start at 1 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[64];

		snprintf(buf, sizeof(buf), "%s", t[i].in);
		assert_int_equal(mk_window_subject_strip(buf), t[i].id);
		assert_string_equal(buf, t[i].out);
	}
}

static void expect_time(const char *text, uint64_t want)
{
	uint64_t got = 0;

	if (mk_time_parse(text, &got) != 0)
		fail_msg("'%s' refused", text);
	if (got != want)
		fail_msg("'%s': %llu, want %llu", text, (unsigned long long)got,
		         (unsigned long long)want);
}

static void test_rfc3339(void **state)
{
	(void)state;
	expect_time("2024-05-01T00:00:00Z", T0);
	expect_time("2024-05-01t00:00:00z", T0);
	expect_time("2024-05-01 00:00:00Z", T0);
	expect_time("2024-05-01T09:00:00+09:00", T0);
	expect_time("2024-04-30T19:00:00-05:00", T0);
	expect_time("2024-05-01T00:00Z", T0);
	expect_time("2024-05-01T00:00:01.5Z", T0 + S + S / 2);
	expect_time("2024-05-01T00:00:00.123456789Z", T0 + 123456789);
	/* Digits beyond nanoseconds are read and dropped. */
	expect_time("2024-05-01T00:00:00.1234567891Z", T0 + 123456789);
	expect_time("1970-01-01T00:00:00Z", 0);
	expect_time("2024-02-29T12:00:00Z", 1709208000ull * S);
	expect_time("2000-02-29T00:00:00Z", 951782400ull * S);
	expect_time("2024-12-31T23:59:59Z", 1735689599ull * S);
}

static void test_local_time(void **state)
{
	char *old = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;

	(void)state;
	/* A POSIX TZ string needs no zone database: Japan, no summer time. */
	setenv("TZ", "JST-9", 1);
	tzset();
	expect_time("2024-05-01 09:00", T0);
	expect_time("2024-05-01 09:00:30", T0 + 30 * S);
	expect_time("2024-05-01T09:00", T0);
	/* An offset given wins over the local zone. */
	expect_time("2024-05-01 00:00Z", T0);
	setenv("TZ", "UTC0", 1);
	tzset();
	expect_time("2024-05-01 00:00", T0);
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "2024",
	    "2024-05-01",
	    "2024-05-01T",
	    "2024-05-01T9:00",
	    "2024-5-01 09:00",
	    "2024-05-01 09:00:00+0900",
	    "2024-05-01 09:00:00+09",
	    "2024-05-01 09:00:00 +09:00",
	    "2024-05-01 09:00 ",
	    "2024-05-01 09:00:00.Z",
	    "2024-13-01 09:00",
	    "2024-00-01 09:00",
	    "2024-04-31 09:00",
	    "2023-02-29 09:00",
	    "1900-02-29 09:00",
	    "2024-05-01 24:00",
	    "2024-05-01 09:60",
	    "2024-05-01 09:00:60",
	    "1969-12-31T23:59:59Z",
	    "1970-01-01T08:59:59+09:00",
	    "2024-05-01 09:00:00+24:00",
	    "2024-05-01 09:00:00+09:60",
	    "2024-05-01X09:00",
	    "tomorrow",
	    "2024-05-01 09:00junk",
	    "２０２４-05-01 09:00",
	};
	uint64_t v = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mk_time_parse(bad[i], &v) == 0)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(mk_time_parse(NULL, &v), -1);
	assert_int_equal(v, 42); /* untouched when refused */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_edges),       cmocka_unit_test(test_devices),
	    cmocka_unit_test(test_overlapping), cmocka_unit_test(test_subject_strip),
	    cmocka_unit_test(test_rfc3339),     cmocka_unit_test(test_local_time),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_oui.c - IEEE registry loading and lookups (oui.c), on the real Debian
 * ieee-data files and on damaged copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mieruka/oui.h"

#define IEEE_DIR "/usr/share/ieee-data"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool have_ieee(void)
{
	return access(IEEE_DIR "/oui.txt", R_OK) == 0;
}

static void test_real_files(void **state)
{
	static const struct {
		uint8_t mac[6];
		const char *name;
	} known[] = {
		/* MA-L, oui.txt "00-1B-1B (hex) Siemens AG," (stray comma trimmed) */
		{{0x00, 0x1b, 0x1b, 0x12, 0x34, 0x56}, "Siemens AG"},
		{{0x00, 0x0e, 0x8c, 0xef, 0x75, 0xc5}, "Siemens AG"},
		{{0x00, 0x00, 0xbc, 0x01, 0x02, 0x03}, "Rockwell Automation"},
		{{0x00, 0x80, 0xf4, 0x00, 0x00, 0x01}, "TELEMECANIQUE ELECTRIQUE"},
		{{0x08, 0x61, 0x95, 0x00, 0x00, 0x01}, "Rockwell Automation"},
		/* MA-M, mam.txt "20-85-93 (hex)" + "B00000-BFFFFF (base 16) IOG Products LLC" */
		{{0x20, 0x85, 0x93, 0xb1, 0x22, 0x33}, "IOG Products LLC"},
		{{0x20, 0x85, 0x93, 0xd0, 0x00, 0x00}, "Shanghai Kenmyond Industrial Network Equipment Co.,Ltd"},
		/* MA-S, oui36.txt "70-B3-D5 (hex)" + "F2F000-F2FFFF (base 16) TELEPLATFORMS" */
		{{0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0x01}, "TELEPLATFORMS"},
		{{0x70, 0xb3, 0xd5, 0xf2, 0xff, 0xff}, "TELEPLATFORMS"},
		/* IAB, iab.txt "00-50-C2 (hex)" + "7D5000-7D5FFF (base 16) DEUTA-WERKE GmbH" */
		{{0x00, 0x50, 0xc2, 0x7d, 0x50, 0x10}, "DEUTA-WERKE GmbH"},
	};
	char err[256];
	struct mk_oui *o;
	double t0, t1;

	(void)state;
	if (!have_ieee())
		skip();
	t0 = now_ms();
	o = mk_oui_load(IEEE_DIR, err, sizeof(err));
	t1 = now_ms();
	assert_non_null(o);
	assert_string_equal(err, "");
	printf("oui: %zu entries, %zu bytes, loaded in %.1f ms\n", mk_oui_count(o), mk_oui_memory(o),
	       t1 - t0);
	assert_true(mk_oui_count(o) > 40000);
	/* Compact: well under 2 MB for ~46,000 entries. */
	assert_true(mk_oui_memory(o) < 2u << 20);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const char *n = mk_oui_lookup(o, known[i].mac);

		assert_non_null(n);
		assert_string_equal(n, known[i].name);
	}
	{
		/* Outside F2F000-F2FFFF the 36-bit block does not apply: the MA-L
		 * owner of 70-B3-D5 answers (or another MA-S block). */
		const uint8_t m[6] = {0x70, 0xb3, 0xd5, 0xf2, 0xe0, 0x00};
		const char *n = mk_oui_lookup(o, m);

		assert_true(n == NULL || strcmp(n, "TELEPLATFORMS") != 0);
	}
	{
		/* Locally administered (0x02) and multicast (0x01) -> NULL, even
		 * when the rest looks like a known OUI. */
		const uint8_t la[6] = {0x02, 0x1b, 0x1b, 0x12, 0x34, 0x56};
		const uint8_t la2[6] = {0x42, 0xb4, 0x44, 0xb4, 0xf0, 0xee};
		const uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
		const uint8_t mc2[6] = {0x01, 0x1b, 0x1b, 0x00, 0x00, 0x01};
		const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

		assert_null(mk_oui_lookup(o, la));
		assert_null(mk_oui_lookup(o, la2));
		assert_null(mk_oui_lookup(o, mc));
		assert_null(mk_oui_lookup(o, mc2));
		assert_null(mk_oui_lookup(o, bc));
	}
	mk_oui_free(o);
}

static void test_env_and_missing(void **state)
{
	char err[256];
	struct mk_oui *o;
	const uint8_t m[6] = {0x00, 0x1b, 0x1b, 0, 0, 1};

	(void)state;
	o = mk_oui_load("/nonexistent/mieruka", err, sizeof(err));
	assert_non_null(o);
	assert_true(strlen(err) > 0);
	assert_int_equal(mk_oui_count(o), 0);
	assert_null(mk_oui_lookup(o, m));
	mk_oui_free(o);

	setenv("MIERUKA_OUI_DIR", "/nonexistent/env", 1);
	o = mk_oui_load(NULL, err, sizeof(err));
	assert_non_null(o);
	assert_non_null(strstr(err, "/nonexistent/env"));
	mk_oui_free(o);
	unsetenv("MIERUKA_OUI_DIR");
	assert_null(mk_oui_lookup(NULL, m));
	assert_int_equal(mk_oui_count(NULL), 0);
	mk_oui_free(NULL);
}

/* The background load gives the same table as the synchronous one, to
 * lookups from two threads at once, and reports a missing directory at the
 * wait; freeing an unread background table is clean. */
struct bg_arg {
	const struct mk_oui *o;
	const uint8_t *mac;
	const char *name;
};

static void *bg_lookup(void *p)
{
	struct bg_arg *a = p;

	a->name = mk_oui_lookup(a->o, a->mac);
	return NULL;
}

static void test_background(void **state)
{
	const uint8_t siemens[6] = {0x00, 0x1b, 0x1b, 0x12, 0x34, 0x56};
	struct mk_oui *sync, *bg;
	struct bg_arg a;
	pthread_t t;
	char err[256];

	(void)state;
	if (access(IEEE_DIR "/oui.txt", R_OK) != 0)
		skip(); /* ieee-data is a build dependency: scripts/deps.sh installs it */
	sync = mk_oui_load(IEEE_DIR, err, sizeof(err));
	bg = mk_oui_load_background(IEEE_DIR);
	assert_non_null(sync);
	assert_non_null(bg);
	a.o = bg;
	a.mac = siemens;
	assert_int_equal(pthread_create(&t, NULL, bg_lookup, &a), 0);
	assert_string_equal(mk_oui_lookup(bg, siemens), mk_oui_lookup(sync, siemens));
	pthread_join(t, NULL);
	assert_string_equal(a.name, mk_oui_lookup(sync, siemens));
	assert_int_equal(mk_oui_count(bg), mk_oui_count(sync));
	assert_string_equal(mk_oui_wait(bg), "");
	mk_oui_free(bg);
	mk_oui_free(sync);

	bg = mk_oui_load_background("/nonexistent/bg");
	assert_non_null(strstr(mk_oui_wait(bg), "/nonexistent/bg"));
	assert_int_equal(mk_oui_count(bg), 0);
	mk_oui_free(bg);
	mk_oui_free(mk_oui_load_background(IEEE_DIR)); /* never read */
	assert_string_equal(mk_oui_wait(NULL), "");
}

static char tmpdir[64];

static void write_file(const char *name, const char *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void remove_files(void)
{
	static const char *names[] = {"oui.txt", "mam.txt", "oui36.txt", "iab.txt"};
	char path[256];

	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
}

/* A small registry in the real layout (CRLF, tabs, address lines). */
static const char small_oui[] =
	"OUI/MA-L                                                    Organization\r\n"
	"company_id                                                  Organization\r\n"
	"\r\n"
	"00-1B-1B   (hex)\t\tSiemens AG,\r\n"
	"001B1B     (base 16)\t\tSiemens AG,\r\n"
	"\t\t\t\tI IA SC MF\r\n"
	"\t\t\t\tDE\r\n"
	"\r\n"
	"00-00-BC   (hex)\t\tRockwell Automation\r\n"
	"0000BC     (base 16)\t\tRockwell Automation\r\n"
	"\r\n"
	"70-B3-D5   (hex)\t\tIEEE Registration Authority\r\n"
	"70B3D5     (base 16)\t\tIEEE Registration Authority\r\n";
static const char small_mam[] =
	"20-85-93   (hex)\t\tIOG Products LLC\r\n"
	"B00000-BFFFFF     (base 16)\t\tIOG Products LLC\r\n";
static const char small_s[] =
	"70-B3-D5   (hex)\t\tTELEPLATFORMS\r\n"
	"F2F000-F2FFFF     (base 16)\t\tTELEPLATFORMS\r\n";

static void test_small_and_longest_match(void **state)
{
	const uint8_t siemens[6] = {0x00, 0x1b, 0x1b, 1, 2, 3};
	const uint8_t tele[6] = {0x70, 0xb3, 0xd5, 0xf2, 0xf1, 0x23};
	const uint8_t ieee[6] = {0x70, 0xb3, 0xd5, 0x11, 0x11, 0x11};
	const uint8_t iog[6] = {0x20, 0x85, 0x93, 0xbf, 0xff, 0xff};
	const uint8_t not_iog[6] = {0x20, 0x85, 0x93, 0xc0, 0x00, 0x00};
	char err[256];
	struct mk_oui *o;

	(void)state;
	write_file("oui.txt", small_oui, sizeof(small_oui) - 1);
	write_file("mam.txt", small_mam, sizeof(small_mam) - 1);
	write_file("oui36.txt", small_s, sizeof(small_s) - 1);
	o = mk_oui_load(tmpdir, err, sizeof(err));
	assert_non_null(o);
	assert_int_equal(mk_oui_count(o), 5);
	assert_string_equal(mk_oui_lookup(o, siemens), "Siemens AG");
	assert_string_equal(mk_oui_lookup(o, tele), "TELEPLATFORMS");
	assert_string_equal(mk_oui_lookup(o, ieee), "IEEE Registration Authority");
	assert_string_equal(mk_oui_lookup(o, iog), "IOG Products LLC");
	assert_null(mk_oui_lookup(o, not_iog));
	mk_oui_free(o);
	remove_files();
}

/* Every truncation of a valid file loads without crashing and never yields
 * more entries than the whole file. */
static void test_truncations(void **state)
{
	char err[256];

	(void)state;
	for (size_t len = 0; len <= sizeof(small_oui) - 1; len++) {
		struct mk_oui *o;

		write_file("oui.txt", small_oui, len);
		write_file("mam.txt", small_mam, len < sizeof(small_mam) - 1 ? len : sizeof(small_mam) - 1);
		o = mk_oui_load(tmpdir, err, sizeof(err));
		assert_non_null(o);
		assert_true(mk_oui_count(o) <= 4);
		mk_oui_free(o);
	}
	remove_files();
}

static void test_garbage(void **state)
{
	static const char garbage[] =
		"(hex)\r\n"                            /* marker with no prefix */
		"ZZ-1B-1B   (hex)\t\tBad hex\r\n"
		"001B1     (base 16)\t\tShort\r\n"
		"001B1BXX  (base 16)\t\tLong\r\n"
		"000000-0FFFFF     (base 16)\t\tRange without a (hex) line\r\n"
		"11-22-33   (hex)\t\tX\r\n"
		"000000-000FFE     (base 16)\t\tOdd range size\r\n"
		"11-22-33   (hex)\t\tX\r\n"
		"FFFFFF-000000     (base 16)\t\tBackwards\r\n"
		"001122     (base 16)\t\t   \r\n"       /* empty name */
		"001122     (base 16)\t\tGood \x01\xff name\r\n"
		"001122     (base 16)\t\tDuplicate\r\n"
		"\0\0\0 binary (base 16) junk\n"
		"AABBCC     (base 16)";                /* no name, no newline */
	const uint8_t good[6] = {0x00, 0x11, 0x22, 0, 0, 0};
	char err[256];
	struct mk_oui *o;
	const char *n;

	(void)state;
	write_file("oui.txt", garbage, sizeof(garbage) - 1);
	write_file("mam.txt", "", 0);
	write_file("oui36.txt", "\xff\xfe\r\r\r\n\n", 7);
	o = mk_oui_load(tmpdir, err, sizeof(err));
	assert_non_null(o);
	assert_int_equal(mk_oui_count(o), 1);
	n = mk_oui_lookup(o, good);
	assert_non_null(n);
	/* Control and invalid bytes are replaced, the first name of a prefix wins. */
	assert_string_equal(n, "Good ?? name");
	mk_oui_free(o);
	remove_files();
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_oui_XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	remove_files();
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_files),
		cmocka_unit_test(test_env_and_missing),
		cmocka_unit_test(test_background),
		cmocka_unit_test(test_small_and_longest_match),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

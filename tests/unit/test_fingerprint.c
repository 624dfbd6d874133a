/* test_fingerprint.c - the OS fingerprint database (fingerprint.c) and the
 * shipped data/fingerprints/os.fp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mieruka/fingerprint.h"

static struct mk_fingerprints *load_shipped(void)
{
	char err[256];
	struct mk_fingerprints *fp = mk_fingerprints_load(MK_TEST_SRCDIR "/data/fingerprints", err,
	                                                  sizeof(err));

	assert_non_null(fp);
	/* The shipped file has no malformed lines. */
	assert_string_equal(err, "");
	assert_true(mk_fingerprints_count(fp) >= 20);
	return fp;
}

static void test_dhcp(void **state)
{
	struct mk_fingerprints *fp = load_shipped();
	struct mk_fp_match m;

	(void)state;
	assert_true(mk_fingerprints_dhcp(fp, "1,3,6,15,31,33,43,44,46,47,119,121,249,252", &m));
	assert_string_equal(m.os, "Windows 10/11");
	assert_true(m.specific);
	assert_int_equal(m.confidence, 80);
	/* Seen in shared/captures/office/dhcp-option-108.pcapng frame 1. */
	assert_true(mk_fingerprints_dhcp(fp, "1,121,3,6,15,108,114,119,252,95,44,46", &m));
	assert_string_equal(m.os, "macOS");
	/* Blanks are ignored. */
	assert_true(mk_fingerprints_dhcp(fp, " 1, 15,3,6,44,46,47,31,33,121,249,43 ", &m));
	assert_string_equal(m.os, "Windows");
	assert_true(mk_fingerprints_dhcp(fp, "1,28,3", &m));
	assert_false(m.specific);
	assert_int_equal(m.confidence, 50);
	/* Order matters; unknown lists and garbage do not match. */
	assert_false(mk_fingerprints_dhcp(fp, "3,1,6", &m));
	assert_false(mk_fingerprints_dhcp(fp, "1,3,6,15,31,33,43,44,46,47,119,121,249", &m));
	assert_false(mk_fingerprints_dhcp(fp, "", &m));
	assert_false(mk_fingerprints_dhcp(fp, "1,,3", &m));
	assert_false(mk_fingerprints_dhcp(fp, "1,3,", &m));
	assert_false(mk_fingerprints_dhcp(fp, "256", &m));
	assert_false(mk_fingerprints_dhcp(fp, "0001", &m));
	assert_false(mk_fingerprints_dhcp(fp, "1;3;6", &m));
	assert_false(mk_fingerprints_dhcp(fp, NULL, &m));
	assert_false(mk_fingerprints_dhcp(NULL, "1,28,3", &m));
	mk_fingerprints_free(fp);
}

static void test_ttl(void **state)
{
	struct mk_fingerprints *fp = load_shipped();
	struct mk_fp_match m;

	(void)state;
	assert_int_equal(mk_fingerprints_ttl_class(0), 0);
	assert_int_equal(mk_fingerprints_ttl_class(1), 32);
	assert_int_equal(mk_fingerprints_ttl_class(32), 32);
	assert_int_equal(mk_fingerprints_ttl_class(33), 64);
	assert_int_equal(mk_fingerprints_ttl_class(64), 64);
	assert_int_equal(mk_fingerprints_ttl_class(65), 128);
	assert_int_equal(mk_fingerprints_ttl_class(128), 128);
	assert_int_equal(mk_fingerprints_ttl_class(129), 255);
	assert_int_equal(mk_fingerprints_ttl_class(255), 255);
	assert_true(mk_fingerprints_ttl(fp, 64, &m));
	assert_string_equal(m.os, "Linux/Unix-like");
	assert_true(mk_fingerprints_ttl(fp, 57, &m)); /* 7 hops away */
	assert_string_equal(m.os, "Linux/Unix-like");
	assert_int_equal(m.confidence, 20);
	assert_false(m.specific);
	assert_true(mk_fingerprints_ttl(fp, 113, &m));
	assert_string_equal(m.os, "Windows");
	assert_true(mk_fingerprints_ttl(fp, 250, &m));
	assert_string_equal(m.os, "network device / RTOS");
	assert_false(mk_fingerprints_ttl(fp, 0, &m));
	mk_fingerprints_free(fp);
}

static void test_ssh(void **state)
{
	struct mk_fingerprints *fp = load_shipped();
	struct mk_fp_match m;

	(void)state;
	/* shared/captures/office/ssh__ssh1-ssh2-fingerprints.pcap frame 4. */
	memset(&m, 0, sizeof(m));
	assert_true(mk_fingerprints_ssh(fp, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1", &m));
	assert_string_equal(m.os, "Ubuntu");
	assert_int_equal(m.confidence, 30);
	assert_false(m.specific);
	/* ssh__server-pre-banner-data.pcap frame 12. */
	assert_true(mk_fingerprints_ssh(fp, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5", &m));
	assert_string_equal(m.os, "Debian");
	assert_int_equal(m.confidence, 30);
	assert_true(mk_fingerprints_ssh(fp, "SSH-2.0-OpenSSH_7.9p1 Raspbian-10+deb10u2", &m));
	assert_string_equal(m.os, "Raspbian");
	assert_true(mk_fingerprints_ssh(fp, "SSH-2.0-OpenSSH_7.8 FreeBSD-20180909", &m));
	assert_string_equal(m.os, "FreeBSD");
	assert_true(mk_fingerprints_ssh(fp, "SSH-2.0-OpenSSH_for_Windows_8.1", &m));
	assert_string_equal(m.os, "Windows");
	assert_true(mk_fingerprints_ssh(fp, "SSH-2.0-Cisco-1.25", &m));
	assert_string_equal(m.os, "Cisco IOS");
	/* Case-sensitive: "1ubuntu3" is not "Ubuntu", the Debian token matches. */
	assert_true(mk_fingerprints_ssh(fp, "SSH-2.0-OpenSSH_5.8p1 Debian-1ubuntu3", &m));
	assert_string_equal(m.os, "Debian");
	/* Banners without an OS token (ssh__ssh_kex_mlkem.pcap, PuTTY). */
	m.os = "untouched";
	assert_false(mk_fingerprints_ssh(fp, "SSH-2.0-OpenSSH_10.2", &m));
	assert_false(mk_fingerprints_ssh(fp, "SSH-2.0-PuTTY_Release_0.72", &m));
	assert_false(mk_fingerprints_ssh(fp, "SSH-2.0-OpenSSH_8.2p1 ubuntu", &m));
	assert_false(mk_fingerprints_ssh(fp, "", &m));
	assert_string_equal(m.os, "untouched");
	assert_false(mk_fingerprints_ssh(fp, NULL, &m));
	assert_false(mk_fingerprints_ssh(NULL, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1", &m));
	/* The other sections do not answer SSH lookups, nor [ssh] theirs. */
	assert_false(mk_fingerprints_ssh(fp, "64", &m));
	assert_false(mk_fingerprints_ssh(fp, "1,28,3", &m));
	assert_false(mk_fingerprints_dhcp(fp, "1", &m));
	mk_fingerprints_free(fp);
}

static const char valid_fp[] =
	"; a comment\n"
	"[dhcp]\n"
	"label = s:Test OS\n"
	"conf = 77\n"
	"sig = 1,2,3\n"
	"[ttl]\n"
	"label = g:Test TTL\n"
	"sig = 128\n";

static char path[64];

static void write_fp(const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_file_and_truncations(void **state)
{
	struct mk_fingerprints *fp;
	struct mk_fp_match m;

	(void)state;
	write_fp(valid_fp, sizeof(valid_fp) - 1);
	fp = mk_fingerprints_new();
	assert_int_equal(mk_fingerprints_load_file(fp, path), 0);
	assert_true(mk_fingerprints_dhcp(fp, "1,2,3", &m));
	assert_string_equal(m.os, "Test OS");
	assert_int_equal(m.confidence, 77);
	assert_true(mk_fingerprints_ttl(fp, 100, &m));
	assert_string_equal(m.os, "Test TTL");
	mk_fingerprints_free(fp);
	/* Every truncation loads without crashing and finds at most 2 entries. */
	for (size_t len = 0; len <= sizeof(valid_fp) - 1; len++) {
		fp = mk_fingerprints_new();
		write_fp(valid_fp, len);
		assert_true(mk_fingerprints_load_file(fp, path) >= 0);
		assert_true(mk_fingerprints_count(fp) <= 2);
		mk_fingerprints_free(fp);
	}
	fp = mk_fingerprints_new();
	assert_int_equal(mk_fingerprints_load_file(fp, "/nonexistent.fp"), -1);
	mk_fingerprints_free(fp);
}

static const char ssh_fp[] =
	"[ssh]\n"
	"; first in file order wins, whatever the label class\n"
	"label = g:Short\n"
	"sig = Win\n"
	"label = s:Long\n"
	"sig = Windows\n"
	"sig = Other OS\n"            /* inner blanks are part of the token */
	"label = s:Tuned\n"
	"conf = 45\n"
	"sig = Tuned\n"
	"[ttl]\n"
	"label = g:TTL\n"
	"sig = 64\n";

static void test_ssh_file(void **state)
{
	struct mk_fingerprints *fp;
	struct mk_fp_match m;

	(void)state;
	write_fp(ssh_fp, sizeof(ssh_fp) - 1);
	fp = mk_fingerprints_new();
	assert_int_equal(mk_fingerprints_load_file(fp, path), 0);
	assert_int_equal(mk_fingerprints_count(fp), 5);
	assert_true(mk_fingerprints_ssh(fp, "SSH-2.0-x Windows", &m));
	assert_string_equal(m.os, "Short");
	assert_false(m.specific);
	assert_int_equal(m.confidence, 30);
	assert_true(mk_fingerprints_ssh(fp, "SSH-2.0-x Other OS 1", &m));
	assert_string_equal(m.os, "Long");
	assert_true(m.specific);
	assert_int_equal(m.confidence, 30); /* [ssh] default, s: or g: */
	assert_false(mk_fingerprints_ssh(fp, "SSH-2.0-x Other_OS", &m));
	assert_true(mk_fingerprints_ssh(fp, "SSH-2.0-Tuned", &m));
	assert_string_equal(m.os, "Tuned");
	assert_int_equal(m.confidence, 45);
	assert_false(mk_fingerprints_ssh(fp, "SSH-2.0-win", &m));
	assert_true(mk_fingerprints_ttl(fp, 64, &m));
	assert_string_equal(m.os, "TTL");
	mk_fingerprints_free(fp);
	/* Every truncation loads without crashing and finds at most 5 entries. */
	for (size_t len = 0; len <= sizeof(ssh_fp) - 1; len++) {
		fp = mk_fingerprints_new();
		write_fp(ssh_fp, len);
		assert_true(mk_fingerprints_load_file(fp, path) >= 0);
		assert_true(mk_fingerprints_count(fp) <= 5);
		mk_fingerprints_free(fp);
	}
}

static void test_ssh_malformed(void **state)
{
	static const char bad[] =
		"[ssh]\n"
		"sig = Ubuntu\n"              /* before any label */
		"label = x:Bad class\n"
		"label = g:\n"
		"label = g:Ok\n"
		"sig =\n"                     /* empty token */
		"sig =    \n"                 /* blanks only */
		"sig = a\x01" "b\n"             /* control character */
		"sig = a\tb\n"                 /* inner tab */
		"sig = caf\xc3\xa9\n"           /* not ASCII */
		"sig = a\x7f\n"                /* DEL */
		"conf = 101\n"
		"token = Ubuntu\n"            /* unknown key */
		"Ubuntu\n"                    /* no '=' */
		"sig = Good\n";               /* valid */
	struct mk_fingerprints *fp = mk_fingerprints_new();
	struct mk_fp_match m;

	(void)state;
	write_fp(bad, sizeof(bad) - 1);
	assert_int_equal(mk_fingerprints_load_file(fp, path), 12);
	assert_int_equal(mk_fingerprints_count(fp), 1);
	assert_true(mk_fingerprints_ssh(fp, "SSH-2.0-Good", &m));
	assert_string_equal(m.os, "Ok");
	assert_int_equal(m.confidence, 30);
	assert_false(mk_fingerprints_ssh(fp, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1", &m));
	assert_false(mk_fingerprints_ssh(fp, "SSH-2.0-a\x01" "b", &m));
	mk_fingerprints_free(fp);
}

static void test_malformed(void **state)
{
	static const char bad[] =
		"sig = 1,2,3\n"              /* before any section */
		"[dhcp]\n"
		"sig = 1,2,3\n"              /* before any label */
		"label = x:Bad class\n"
		"label = s:\n"
		"label = s:Ok\n"
		"conf = 101\n"
		"conf = abc\n"
		"sig = 1,,2\n"
		"sig = 300\n"
		"nonsense line\n"
		"sig = 9,9\n"                /* valid */
		"[ttl]\n"
		"label = g:T\n"
		"sig = 100\n"                /* not a class value */
		"sig = 0\n"
		"sig = 64\n"                 /* valid */
		"[future]\n"
		"whatever = 1\n";
	struct mk_fingerprints *fp = mk_fingerprints_new();
	struct mk_fp_match m;
	char longline[3000];

	(void)state;
	write_fp(bad, sizeof(bad) - 1);
	assert_int_equal(mk_fingerprints_load_file(fp, path), 11);
	assert_int_equal(mk_fingerprints_count(fp), 2);
	assert_true(mk_fingerprints_dhcp(fp, "9,9", &m));
	assert_string_equal(m.os, "Ok");
	mk_fingerprints_free(fp);

	memset(longline, 'a', sizeof(longline));
	longline[sizeof(longline) - 1] = '\n';
	fp = mk_fingerprints_new();
	write_fp(longline, sizeof(longline));
	assert_int_equal(mk_fingerprints_load_file(fp, path), 1);
	mk_fingerprints_free(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhcp),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_ssh),
		cmocka_unit_test(test_file_and_truncations),
		cmocka_unit_test(test_ssh_file),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_ssh_malformed),
	};
	int fd;

	snprintf(path, sizeof(path), "/tmp/mk_test_fp_XXXXXX");
	if ((fd = mkstemp(path)) < 0)
		return 1;
	close(fd);
	fd = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return fd;
}

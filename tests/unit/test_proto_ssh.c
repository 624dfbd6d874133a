/* test_proto_ssh.c - unit tests of the SSH identification parser.
 * Byte values come from real captures under ../shared/captures/office (named at
 * each vector; frame numbers as tshark counts them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_ssh;

#include "support/sim_harness.h"

/* ssh__ssh1-ssh2-fingerprints.pcap frame 4 (client 57388 -> 22) and frame 6
 * (server): identical version strings, "SSH-" protoversion "-" softwareversion
 * SP comments CR LF. */
static const char client_banner[] = "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1\r\n";
static const char server_banner[] = "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1\r\n";
/* ssh__single-conn.pcap frame 4 (server 131.159.14.23): 1.99 = speaks both. */
static const char banner_199[] = "SSH-1.99-OpenSSH_3.9p1\n";
/* ssh__ssh1-ssh2-fingerprints.pcap: a server offering only SSH-1.5. */
static const char banner_15[] = "SSH-1.5-OpenSSH_6.2\r\n";
/* ssh__server-pre-banner-data.pcap: the server sends text lines (a cowsay)
 * before "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5\r\n"; the start of it. */
static const char pre_banner[] = " _____________\n< Hi stranger >\n -------------\n"
                                 "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5\r\n"
                                 "\x00\x00\x04\x6c\x0b"; /* binary packet: length, padding */

static void test_both_banners(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ssh);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, client_banner, strlen(client_banner)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ssh_banner", "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1");
	/* The OS hint in the banner is the inventory's to read (the [ssh] section
	 * of data/fingerprints/os.fp): the parser reports the banner only. */
	assert_null(rec_find(MK_FACT_OS, NULL, 0));
	assert_int_equal(nrec, 1);
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, server_banner, strlen(server_banner)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ssh_banner", "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1");
	assert_null(rec_find(MK_FACT_OS, NULL, 0));
	assert_int_equal(nrec, 1);
	/* Afterwards the flow is identified: key exchange bytes are consumed, no facts. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, "\x00\x00\x05\xdc\x06\x14", 6), MK_V_OK);
	assert_int_equal(s->len[0], 0);
	assert_int_equal(nrec, 0);
	sim_free(s);
}

static void test_versions(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ssh);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, banner_199, strlen(banner_199)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ssh_banner", "SSH-1.99-OpenSSH_3.9p1");
	assert_false(has_anomaly("ssh_protocol_v1"));
	assert_null(rec_find(MK_FACT_OS, NULL, 0));
	sim_free(s);

	s = sim_new(&mk_proto_ssh);
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, banner_15, strlen(banner_15)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ssh_banner", "SSH-1.5-OpenSSH_6.2");
	assert_true(has_anomaly("ssh_protocol_v1"));
	sim_free(s);
}

static void test_pre_banner_lines(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ssh);

	(void)unused;
	rec_reset();
	/* Split in two segments in the middle of a line. */
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, pre_banner, 20), MK_V_NEED);
	assert_int_equal(nrec, 0);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, pre_banner + 20, sizeof(pre_banner) - 1 - 20), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ssh_banner", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5");
	assert_null(rec_find(MK_FACT_OS, NULL, 0));
	assert_int_equal(nrec, 1);
	sim_free(s);
}

static void test_malformed(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ssh);
	char line[400];

	(void)unused;
	/* A client must start with its version string. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, "hello\r\nSSH-2.0-x\r\n", 18), MK_V_OK);
	assert_true(has_anomaly("ssh_bad_banner"));
	assert_null(rec_find(MK_FACT_ATTR, "ssh_banner", 0));
	sim_free(s);

	/* A version string over 255 characters. */
	s = sim_new(&mk_proto_ssh);
	memset(line, 'A', sizeof(line));
	memcpy(line, "SSH-2.0-", 8);
	line[sizeof(line) - 1] = '\n';
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, line, sizeof(line)), MK_V_OK);
	assert_true(has_anomaly("ssh_banner_too_long"));
	assert_null(rec_find(MK_FACT_ATTR, "ssh_banner", 0));
	sim_free(s);

	/* Endless pre-banner lines from a server stop at the cap. */
	s = sim_new(&mk_proto_ssh);
	rec_reset();
	for (int i = 0; i < 70; i++)
		sim_tcp(s, MK_DIR_TO_CLIENT, "x\n", 2);
	assert_int_equal(count_anomaly("ssh_bad_banner"), 1);
	sim_free(s);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_SERVER, client_banner, strlen(client_banner)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_CLIENT, banner_199, strlen(banner_199)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_CLIENT, "SS", 2), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_SERVER, "GET / HTTP/1.1\r\n", 16), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_SERVER, "SSH-x", 5), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_SERVER, "SSH-3.0-", 8), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_ssh, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

static void test_truncation(void **unused)
{
	(void)unused;
	every_truncation_tcp(&mk_proto_ssh, MK_DIR_TO_SERVER, (const uint8_t *)client_banner,
	                     strlen(client_banner));
	every_truncation_tcp(&mk_proto_ssh, MK_DIR_TO_CLIENT, (const uint8_t *)banner_199, strlen(banner_199));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_banners),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_pre_banner_lines),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

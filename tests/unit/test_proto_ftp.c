/* test_proto_ftp.c - unit tests of the FTP control-connection parser.
 * Lines from ../shared/captures/office/ftp__ftp-password-pass-command.pcap
 * (frame numbers as tshark counts them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_ftp;

#include "support/sim_harness.h"

/* Frame 4, server 21 -> 46648: a two-line 220 greeting (RFC 959 4.2 "nnn-"
 * first line, "nnn " last line). */
static const char greeting[] = "220-FileZilla Server 1.9.1\r\n"
                               "220 Please visit https://filezilla-project.org/\r\n";
/* Frame 6 and frame 9, client -> server. */
static const char user_cmd[] = "USER Admin\r\n";
static const char pass_cmd[] = "PASS qwerty\r\n";
/* Frames 8 and 11, server. */
static const char need_pass[] = "331 Please, specify the password.\r\n";
static const char bad_login[] = "530 Login incorrect.\r\n";

static void test_login(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ftp);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, greeting, strlen(greeting)), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "ftp_banner", "FileZilla Server 1.9.1");
	assert_int_equal(nrec, 1);

	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, user_cmd, strlen(user_cmd)), MK_V_OK);
	expect_attr(MK_HOST_CLIENT, "ftp_user", "Admin");
	assert_true(has_op(MK_OP_AUTH));
	assert_int_equal(count_anomaly("ftp_cleartext_login"), 1);
	assert_false(has_anomaly("ftp_anonymous_login"));
	sim_tcp(s, MK_DIR_TO_CLIENT, need_pass, strlen(need_pass));

	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, pass_cmd, strlen(pass_cmd)), MK_V_OK);
	assert_true(has_op(MK_OP_AUTH));
	assert_string_equal(rec_find(MK_FACT_OPERATION, NULL, 0)->value, "PASS");
	/* Once per flow, and the password is in no fact. */
	assert_int_equal(count_anomaly("ftp_cleartext_login"), 0);
	for (size_t i = 0; i < nrec; i++)
		assert_null(strstr(rec[i].value, "qwerty"));
	sim_tcp(s, MK_DIR_TO_CLIENT, bad_login, strlen(bad_login));
	sim_free(s);
}

static void test_operations_and_tls(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ftp);
	static const char cmds[] = "USER anonymous\r\nSYST\r\nRETR a.txt\r\nSTOR b.txt\r\nDELE c\r\nAUTH TLS\r\n";

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, "220 ProFTPD Server\r\n", 20);
	sim_tcp(s, MK_DIR_TO_SERVER, cmds, strlen(cmds));
	assert_true(has_anomaly("ftp_anonymous_login"));
	assert_true(has_op(MK_OP_READ));
	assert_int_equal(rec_count(MK_FACT_OPERATION, NULL), 4); /* USER, RETR, STOR, DELE */
	sim_tcp(s, MK_DIR_TO_CLIENT, "215 UNIX Type: L8\r\n", 19);
	expect_attr(MK_HOST_SERVER, "ftp_system", "UNIX Type: L8");
	/* 234: TLS from here on, nothing more is parsed. */
	sim_tcp(s, MK_DIR_TO_CLIENT, "234 AUTH TLS OK\r\n", 17);
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, "\x16\x03\x01\x00\x05USER x\r\n", 13), MK_V_OK);
	assert_int_equal(nrec, 0);
	sim_free(s);
}

static void test_malformed(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ftp);
	char big[3000];

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, "hello there\r\n", 13);
	assert_true(has_anomaly("ftp_bad_reply"));
	assert_null(rec_find(MK_FACT_ATTR, "ftp_banner", 0));
	sim_free(s);

	s = sim_new(&mk_proto_ftp);
	memset(big, 'A', sizeof(big));
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, big, sizeof(big)), MK_V_OK);
	assert_true(has_anomaly("ftp_line_too_long"));
	assert_int_equal(s->len[0], 0);
	sim_free(s);
}

static void test_probe(void **unused)
{
	(void)unused;
	/* FileZilla does not say "FTP" in its greeting: only a maybe. */
	assert_int_equal(probe_bytes(&mk_proto_ftp, MK_DIR_TO_CLIENT, greeting, strlen(greeting)), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_ftp, MK_DIR_TO_CLIENT, "220 (vsFTPd 3.0.3)\r\n", 20), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_ftp, MK_DIR_TO_CLIENT, "220 Welcome\r\n", 13), MK_PROBE_MAYBE);
	/* An SMTP greeting is not FTP. */
	assert_int_equal(probe_bytes(&mk_proto_ftp, MK_DIR_TO_CLIENT, "220 mx.example.com ESMTP Postfix\r\n", 34),
	                 MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_ftp, MK_DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\n", 17), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_ftp, MK_DIR_TO_SERVER, user_cmd, strlen(user_cmd)), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_ftp, MK_DIR_TO_SERVER, "GET / HTTP/1.1\r\n", 16), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_ftp, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

static void test_truncation(void **unused)
{
	(void)unused;
	/* Single lines: every prefix waits for the end of line. */
	every_truncation_tcp(&mk_proto_ftp, MK_DIR_TO_SERVER, (const uint8_t *)user_cmd, strlen(user_cmd));
	every_truncation_tcp(&mk_proto_ftp, MK_DIR_TO_CLIENT, (const uint8_t *)need_pass, strlen(need_pass));
	/* The greeting, cut anywhere: the banner appears only from a whole line. */
	for (size_t cut = 0; cut < strlen(greeting); cut++) {
		struct sim *s = sim_new(&mk_proto_ftp);

		rec_reset();
		sim_tcp(s, MK_DIR_TO_CLIENT, greeting, cut);
		if (cut < 28)
			assert_int_equal(nrec, 0);
		else
			expect_attr(MK_HOST_SERVER, "ftp_banner", "FileZilla Server 1.9.1");
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_operations_and_tls),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

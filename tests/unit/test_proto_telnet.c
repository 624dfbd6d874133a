/* test_proto_telnet.c - unit tests of the Telnet parser.
 * No clean Telnet session is among the shared captures; the negotiation below
 * is what a Linux inetutils telnetd sends (RFC 854/855/1091 option codes), and
 * the malformed stream is the start of
 * ../shared/captures/malformed/telnet-iac-check-oobr.pcap frame 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_telnet;

#include "support/sim_harness.h"

/* Server -> client: the daemon's opening negotiation. */
static const uint8_t srv_negotiate[] = {
	0xff, 0xfd, 0x18, /* IAC DO TERMINAL-TYPE */
	0xff, 0xfd, 0x20, /* IAC DO TERMINAL-SPEED */
	0xff, 0xfd, 0x23, /* IAC DO X-DISPLAY-LOCATION */
	0xff, 0xfd, 0x27, /* IAC DO NEW-ENVIRON */
};
/* Client -> server: answers and a terminal-type subnegotiation. */
static const uint8_t cli_answer[] = {
	0xff, 0xfb, 0x18,             /* IAC WILL TERMINAL-TYPE */
	0xff, 0xfc, 0x20,             /* IAC WONT TERMINAL-SPEED */
	0xff, 0xfa, 0x18, 0x00,       /* IAC SB TERMINAL-TYPE IS */
	'X', 'T', 'E', 'R', 'M',      /* "XTERM" */
	0xff, 0xf0,                   /* IAC SE */
};
/* Server -> client: the issue text and the login prompt (no newline). */
static const char srv_text[] = "\r\nUbuntu 22.04.3 LTS\r\nplc-gw login: ";
/* telnet-iac-check-oobr.pcap frame 1 (server 23 -> 47302), first 32 bytes:
 * an SB that never sees IAC SE, with IAC DONT inside it. */
static const uint8_t oobr[] = {
	0xff, 0xfe, 0x24,             /* IAC DONT 36 */
	0xff, 0xfa, 0x18, 0x01,       /* IAC SB TERMINAL-TYPE SEND */
	0xff, 0xf0,                   /* IAC SE */
	0xff, 0xfa, 0x7b, 0xf5, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, /* IAC SB 123 ... */
	0x07, 0x1d, 0xa8, 0xd4, 0x59, 0x3c, 0x88, 0xa8,
	0xff, 0xfe, 0x24,             /* IAC DONT inside SB: illegal */
	0xff, 0xfa,
};

static void test_session(void **unused)
{
	struct sim *s = sim_new(&mk_proto_telnet);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, srv_negotiate, sizeof(srv_negotiate)), MK_V_OK);
	assert_int_equal(count_anomaly("telnet_cleartext_session"), 1);
	assert_int_equal(nrec, 1);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, cli_answer, sizeof(cli_answer)), MK_V_OK);
	/* "XTERM" is inside a subnegotiation, never text. */
	assert_int_equal(nrec, 1);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, srv_text, strlen(srv_text)), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "telnet_banner", "Ubuntu 22.04.3 LTS");
	assert_int_equal(nrec, 2);
	/* The user's typing goes unrecorded. */
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "admin\r\n", 7);
	sim_tcp(s, MK_DIR_TO_CLIENT, "Password: ", 10);
	assert_int_equal(nrec, 0);
	sim_free(s);
}

static void test_prompt_only(void **unused)
{
	struct sim *s = sim_new(&mk_proto_telnet);

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, srv_negotiate, sizeof(srv_negotiate));
	/* An embedded device that shows only a prompt, split over segments. */
	sim_tcp(s, MK_DIR_TO_CLIENT, "\xff\xfb\x01" "Log", 6);
	assert_null(rec_find(MK_FACT_ATTR, "telnet_banner", 0));
	sim_tcp(s, MK_DIR_TO_CLIENT, "in: ", 4);
	expect_attr(MK_HOST_SERVER, "telnet_banner", "Login:");
	sim_free(s);
}

static void test_malformed(void **unused)
{
	struct sim *s = sim_new(&mk_proto_telnet);
	uint8_t longsb[600];

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, oobr, sizeof(oobr));
	assert_true(has_anomaly("telnet_bad_subnegotiation"));
	/* The capture repeats the pattern: its bytes after the broken SB
	 * ("$" = 0x24) must not become a banner. */
	sim_tcp(s, MK_DIR_TO_CLIENT, oobr, sizeof(oobr));
	sim_tcp(s, MK_DIR_TO_CLIENT, "\r\n", 2);
	assert_null(rec_find(MK_FACT_ATTR, "telnet_banner", 0));
	sim_free(s);

	s = sim_new(&mk_proto_telnet);
	memset(longsb, 'a', sizeof(longsb));
	longsb[0] = 0xff;
	longsb[1] = 0xfa;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, longsb, sizeof(longsb));
	assert_true(has_anomaly("telnet_bad_subnegotiation"));
	sim_free(s);

	s = sim_new(&mk_proto_telnet);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "\xff\x24", 2);
	assert_true(has_anomaly("telnet_bad_command"));
	sim_free(s);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, srv_negotiate, sizeof(srv_negotiate)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_SERVER, cli_answer, sizeof(cli_answer)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, "\xff", 1), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, "\xff\xff\x00", 3), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, "\xff\x53\x4d\x42", 4), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, "login: ", 7), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_telnet, MK_DIR_TO_CLIENT, "", 0), MK_PROBE_NO);
}

/* Telnet is a byte stream parsed byte by byte: every prefix is consumed whole
 * (OK, never NEED), and the banner appears only once its line has ended. */
static void test_truncation(void **unused)
{
	uint8_t all[sizeof(srv_negotiate) + sizeof(srv_text) - 1];

	(void)unused;
	memcpy(all, srv_negotiate, sizeof(srv_negotiate));
	memcpy(all + sizeof(srv_negotiate), srv_text, sizeof(srv_text) - 1);
	for (size_t cut = 0; cut < sizeof(all); cut++) {
		struct sim *s = sim_new(&mk_proto_telnet);
		const struct rec_fact *b;

		rec_reset();
		assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, all, cut), MK_V_OK);
		assert_int_equal(s->len[1], 0);
		b = rec_find(MK_FACT_ATTR, "telnet_banner", 0);
		if (cut < sizeof(srv_negotiate) + 21) /* up to the CR after the line */
			assert_null(b);
		else
			assert_string_equal(b->value, "Ubuntu 22.04.3 LTS");
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_prompt_only),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

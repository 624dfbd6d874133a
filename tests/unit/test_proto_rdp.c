/* test_proto_rdp.c - unit tests of the RDP connection-sequence parser.
 * PDUs from real captures under ../shared/captures/office (file and frame at
 * each vector); the S7comm and MMS requests for the negative probe come from
 * ../shared/captures/s7comm and ../shared/captures/iec61850. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_rdp;

#include "support/sim_harness.h"

/* rdp__rdp-to-ssl.pcap frame 4, 49206 -> 3389: X.224 Connection Request. */
static const uint8_t cr_cookie[] = {
	0x03, 0x00, 0x00, 0x2f,             /* TPKT v3, length 47 */
	0x2a, 0xe0,                         /* X.224 LI 42, CR */
	0x00, 0x00, 0x00, 0x00, 0x00,       /* dst-ref, src-ref, class 0 */
	'C', 'o', 'o', 'k', 'i', 'e', ':', ' ', 'm', 's', 't', 's', 'h', 'a', 's', 'h', '=',
	'A', 'W', 'A', 'K', 'E', 'C', 'O', 'D', 'I', 0x0d, 0x0a, /* "AWAKECODI" CR LF */
	0x01, 0x00, 0x08, 0x00,             /* RDP_NEG_REQ, flags 0, length 8 */
	0x03, 0x00, 0x00, 0x00,             /* requestedProtocols SSL|HYBRID */
};
/* Frame 6, 3389 -> 49206: Connection Confirm with RDP_NEG_RSP. */
static const uint8_t cc_hybrid[] = {
	0x03, 0x00, 0x00, 0x13,             /* TPKT, length 19 */
	0x0e, 0xd0,                         /* LI 14, CC */
	0x00, 0x00, 0x12, 0x34, 0x00,       /* dst-ref, src-ref 0x1234, class 0 */
	0x02, 0x01, 0x08, 0x00,             /* RDP_NEG_RSP, EXTENDED_CLIENT_DATA, length 8 */
	0x02, 0x00, 0x00, 0x00,             /* selectedProtocol HYBRID (CredSSP) */
};
/* rdp__rdp-no-cookie-mstshash.pcap frame 7: no cookie, SSL|HYBRID|HYBRID_EX. */
static const uint8_t cr_nocookie[] = {
	0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x00,
};
/* rdp__rdp-proprietary-encryption.pcap frame 5: RDP_NEG_FAILURE, code 2
 * (SSL_NOT_ALLOWED_BY_SERVER). */
static const uint8_t cc_failure[] = {
	0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00,
	0x03, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00,
};
/* Same file, frame 12: the retry asks for standard RDP security (0); the
 * cookie is "FTBCO\A70" (a DOMAIN\user cut to nine characters). */
static const uint8_t cr_standard[] = {
	0x03, 0x00, 0x00, 0x2f, 0x2a, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
	'C', 'o', 'o', 'k', 'i', 'e', ':', ' ', 'm', 's', 't', 's', 'h', 'a', 's', 'h', '=',
	'F', 'T', 'B', 'C', 'O', '\\', 'A', '7', '0', 0x0d, 0x0a,
	0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* rdp__rdp-unknown-keyboard.pcap frame 11 (MCS Connect Initial), cut down
 * to the headers and the TS_UD_CS_CORE fields this parser reads. */
static const uint8_t mcs_ci[] = {
	0x03, 0x00, 0x00, 0x50,             /* TPKT, length 80 */
	0x02, 0xf0, 0x80,                   /* X.224 LI 2, DT, EOT */
	0x7f, 0x65, 0x82, 0x01, 0xb2,       /* BER Connect-Initial (as captured) */
	0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01, /* GCC: t124 object id, PER */
	'D', 'u', 'c', 'a',                 /* H.221 client key */
	0x38,                               /* PER length 56 (one-byte form here) */
	0x01, 0xc0, 0x38, 0x00,             /* CS_CORE, length 56 (cut short) */
	0x04, 0x00, 0x08, 0x00,             /* version 8.4 */
	0x80, 0x07, 0x38, 0x04,             /* 1920 x 1080 */
	0x01, 0xca, 0x03, 0xaa,             /* colorDepth, SASSequence */
	0x1e, 0x04, 0x04, 0x00,             /* keyboardLayout 0x0004041e (unknown) */
	0x80, 0x25, 0x00, 0x00,             /* clientBuild 9600 */
	'J', 0, 'O', 0, 'H', 0, 'N', 0, '-', 0, 'P', 0, 'C', 0, '-', 0, /* clientName */
	'L', 0, 'A', 0, 'P', 0, 'T', 0, 'O', 0, 'P', 0, 0, 0, 0, 0,
};

static void test_tls_session(void **unused)
{
	struct sim *s = sim_new(&mk_proto_rdp);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, cr_cookie, sizeof(cr_cookie)), MK_V_OK);
	expect_attr(MK_HOST_CLIENT, "rdp_user", "AWAKECODI");
	expect_attr(MK_HOST_CLIENT, "rdp_requested_protocols", "ssl,hybrid");
	assert_int_equal(nrec, 2);
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, cc_hybrid, sizeof(cc_hybrid)), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "rdp_selected_protocol", "hybrid");
	assert_false(has_anomaly("rdp_standard_security"));
	assert_int_equal(nrec, 1);
	/* TLS ClientHello follows: skipped. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, "\x16\x03\x01\x00\x05hello", 10), MK_V_OK);
	assert_int_equal(nrec, 0);
	sim_free(s);

	s = sim_new(&mk_proto_rdp);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, cr_nocookie, sizeof(cr_nocookie));
	assert_null(rec_find(MK_FACT_ATTR, "rdp_user", 0));
	expect_attr(MK_HOST_CLIENT, "rdp_requested_protocols", "ssl,hybrid,hybrid_ex");
	sim_free(s);
}

static void test_standard_security(void **unused)
{
	struct sim *s = sim_new(&mk_proto_rdp);

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, cc_failure, sizeof(cc_failure));
	assert_true(has_anomaly("rdp_negotiation_failure"));
	sim_free(s);

	s = sim_new(&mk_proto_rdp);
	rec_reset();
	/* Request and Connect Initial in one buffer. */
	{
		uint8_t both[sizeof(cr_standard) + sizeof(mcs_ci)];

		memcpy(both, cr_standard, sizeof(cr_standard));
		memcpy(both + sizeof(cr_standard), mcs_ci, sizeof(mcs_ci));
		assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, both, sizeof(both)), MK_V_OK);
	}
	expect_attr(MK_HOST_CLIENT, "rdp_user", "FTBCO\\A70");
	expect_attr(MK_HOST_CLIENT, "rdp_requested_protocols", "rdp");
	assert_non_null(rec_find(MK_FACT_NAME, NULL, 0));
	assert_string_equal(rec_find(MK_FACT_NAME, NULL, 0)->value, "JOHN-PC-LAPTOP");
	assert_int_equal(rec_find(MK_FACT_NAME, NULL, 0)->host, MK_HOST_CLIENT);
	expect_attr(MK_HOST_CLIENT, "rdp_client_build", "9600");
	/* The server accepts standard security: proprietary RC4. */
	{
		uint8_t cc[sizeof(cc_hybrid)];

		memcpy(cc, cc_hybrid, sizeof(cc));
		cc[15] = 0x00;
		sim_tcp(s, MK_DIR_TO_CLIENT, cc, sizeof(cc));
	}
	expect_attr(MK_HOST_SERVER, "rdp_selected_protocol", "rdp");
	assert_true(has_anomaly("rdp_standard_security"));
	sim_free(s);
}

static void test_malformed(void **unused)
{
	/* rdp__rdp-invalid-length.pcap frame 5: an RDP_NEG_RSP of length 0. */
	static const uint8_t bad_rsp[] = {
		0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00,
		0x02, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x02,
		0x00, 0x12, 0x32, 0x00, 0x02, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, /* trailing junk */
	};
	struct sim *s = sim_new(&mk_proto_rdp);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, bad_rsp, sizeof(bad_rsp)), MK_V_OK);
	assert_true(has_anomaly("rdp_bad_negotiation"));
	assert_null(rec_find(MK_FACT_ATTR, "rdp_selected_protocol", 0));
	sim_free(s);

	s = sim_new(&mk_proto_rdp);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "\x03\x00\x00\x02\x00\x00", 6); /* TPKT length 2 */
	assert_true(has_anomaly("rdp_bad_tpkt"));
	sim_free(s);

	s = sim_new(&mk_proto_rdp);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "\x03\x00\x00\x0b\x20\xe0\x00\x00\x00\x00\x00", 11); /* LI beyond TPKT */
	assert_true(has_anomaly("rdp_bad_tpkt"));
	sim_free(s);
}

static void test_probe(void **unused)
{
	/* s7comm/s7__s7comm_reading_plc_status.pcap frame 8: S7comm COTP CR. */
	static const uint8_t s7_cr[] = {
		0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x0f, 0x00,
		0xc1, 0x02, 0x01, 0x00,             /* src-tsap */
		0xc2, 0x02, 0x01, 0x02,             /* dst-tsap */
		0xc0, 0x01, 0x0a,                   /* tpdu-size */
	};
	/* s7comm/s7__S7Comm__s7comm_clean.pcap frame 107. */
	static const uint8_t s7_cr2[] = {
		0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x07, 0x78, 0x00,
		0xc1, 0x02, 0x00, 0x01, 0xc2, 0x02, 0x00, 0x01, 0xc0, 0x01, 0x0d,
	};

	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, cr_cookie, sizeof(cr_cookie)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, cr_nocookie, sizeof(cr_nocookie)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_CLIENT, cc_hybrid, sizeof(cc_hybrid)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, s7_cr, sizeof(s7_cr)), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, s7_cr2, sizeof(s7_cr2)), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, cr_cookie, 8), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, "GET / HTTP/1.1\r\n", 16), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_rdp, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

static void test_truncation(void **unused)
{
	(void)unused;
	every_truncation_tcp(&mk_proto_rdp, MK_DIR_TO_SERVER, cr_cookie, sizeof(cr_cookie));
	every_truncation_tcp(&mk_proto_rdp, MK_DIR_TO_CLIENT, cc_hybrid, sizeof(cc_hybrid));
	every_truncation_tcp(&mk_proto_rdp, MK_DIR_TO_SERVER, cr_standard, sizeof(cr_standard));
	/* The Connect Initial cut at every length after a whole request. */
	for (size_t cut = 0; cut < sizeof(mcs_ci); cut++) {
		struct sim *s = sim_new(&mk_proto_rdp);

		sim_tcp(s, MK_DIR_TO_SERVER, cr_standard, sizeof(cr_standard));
		rec_reset();
		if (cut > 0)
			assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, mcs_ci, cut), MK_V_NEED);
		assert_int_equal(nrec, 0);
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_session),
		cmocka_unit_test(test_standard_security),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

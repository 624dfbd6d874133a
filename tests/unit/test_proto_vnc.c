/* test_proto_vnc.c - unit tests of the VNC (RFB) parser.
 * Bytes from real captures under ../shared/captures/office (file and frame at
 * each vector). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_vnc;

#include "support/sim_harness.h"

/* rfb__vnc-scanner.pcap frames 4 (server 5900) and 5 (client): "RFB 003.008\n". */
static const char v38[] = "RFB 003.008\n";
/* rfb__vnc-mac-to-linux.pcap frame 8: the client answers with 3.3. */
static const char v33[] = "RFB 003.003\n";
/* rfb__vncmac.pcap frame 5: Apple Remote Desktop's "RFB 003.889\n". */
static const char v3889[] = "RFB 003.889\n";

static void test_scanner_flow(void **unused)
{
	struct sim *s = sim_new(&mk_proto_vnc);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, v38, 12), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "vnc_version", "RFB 003.008");
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, v38, 12), MK_V_OK);
	assert_int_equal(rec_count(MK_FACT_ATTR, "vnc_version"), 2);
	/* Frames 6, 7, 8: number-of-security-types 2, then types 2 and 16, one
	 * byte per segment. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x02", 1), MK_V_NEED);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x02", 1), MK_V_NEED);
	assert_int_equal(nrec, 0);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x10", 1), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "vnc_security_types", "2,16");
	assert_false(has_anomaly("vnc_no_authentication"));
	assert_int_equal(nrec, 1);
	/* Frame 10: the client's choice and all that follows is skipped. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, "\x02", 1), MK_V_OK);
	assert_int_equal(nrec, 0);
	sim_free(s);
}

static void test_old_and_apple(void **unused)
{
	struct sim *s = sim_new(&mk_proto_vnc);

	(void)unused;
	/* rfb__vnc-mac-to-linux.pcap frames 6, 8, 10: 3.8 server, 3.3 client,
	 * then the 3.3-form u32 security type 2 (VNC authentication). */
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, v38, 12);
	sim_tcp(s, MK_DIR_TO_SERVER, v33, 12);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x00\x00\x00\x02", 4), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "vnc_security_types", "2");
	assert_string_equal(rec_find(MK_FACT_ATTR, "vnc_version", 1)->value, "RFB 003.003");
	sim_free(s);

	/* rfb__vncmac.pcap frames 5, 7, 9: 3.889 both ways, types 30 and 35. */
	s = sim_new(&mk_proto_vnc);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, v3889, 12);
	sim_tcp(s, MK_DIR_TO_SERVER, v3889, 12);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x02\x1e\x23", 3), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "vnc_security_types", "30,35");
	sim_free(s);
}

static void test_no_auth_and_failure(void **unused)
{
	struct sim *s = sim_new(&mk_proto_vnc);

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, v38, 12);
	sim_tcp(s, MK_DIR_TO_SERVER, v38, 12);
	sim_tcp(s, MK_DIR_TO_CLIENT, "\x01\x01", 2); /* one type: None */
	assert_true(has_anomaly("vnc_no_authentication"));
	sim_free(s);

	s = sim_new(&mk_proto_vnc);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, v38, 12);
	sim_tcp(s, MK_DIR_TO_SERVER, v38, 12);
	/* zero types, reason length 6, "denied" */
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x00\x00\x00\x00\x06" "den", 8), MK_V_NEED);
	assert_false(has_anomaly("vnc_security_failure"));
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "ied", 3), MK_V_OK);
	assert_true(has_anomaly("vnc_security_failure"));
	sim_free(s);

	s = sim_new(&mk_proto_vnc);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, "RFB 00x.008\n", 12);
	assert_true(has_anomaly("vnc_bad_version"));
	assert_null(rec_find(MK_FACT_ATTR, "vnc_version", 0));
	sim_free(s);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_CLIENT, v38, 12), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_SERVER, v3889, 12), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_CLIENT, "RFB 0", 5), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_CLIENT, "RFC 003.008\n", 12), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_CLIENT, "SSH-2.0-OpenSSH\r\n", 17), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_vnc, MK_DIR_TO_CLIENT, "", 0), MK_PROBE_NO);
}

static void test_truncation(void **unused)
{
	(void)unused;
	every_truncation_tcp(&mk_proto_vnc, MK_DIR_TO_CLIENT, (const uint8_t *)v38, 12);
	every_truncation_tcp(&mk_proto_vnc, MK_DIR_TO_SERVER, (const uint8_t *)v33, 12);
	/* The security message cut at every length, after both versions. */
	for (size_t cut = 0; cut < 3; cut++) {
		struct sim *s = sim_new(&mk_proto_vnc);

		sim_tcp(s, MK_DIR_TO_CLIENT, v38, 12);
		sim_tcp(s, MK_DIR_TO_SERVER, v38, 12);
		rec_reset();
		if (cut > 0)
			assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "\x02\x1e\x23", cut), MK_V_NEED);
		assert_int_equal(nrec, 0);
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scanner_flow),
		cmocka_unit_test(test_old_and_apple),
		cmocka_unit_test(test_no_auth_and_failure),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_ntp.c - unit tests of the NTP parser.
 * Datagrams are copied from real captures under ../shared/captures/office
 * (file and frame named at each vector). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_ntp;

#include "support/sim_harness.h"

/* ntp__ntp.pcap frame 1: 192.168.43.118 -> 80.211.52.109, a client request. */
static const uint8_t client_req[48] = {
	0x23,                   /* LI 0, VN 4, mode 3 (client) */
	0x02,                   /* stratum 2 (the client's own; ignored) */
	0x06,                   /* poll 2^6 s */
	0xea,                   /* precision -22 */
	0x00, 0x00, 0x0b, 0xd9, /* root delay */
	0x00, 0x00, 0x06, 0x30, /* root dispersion */
	0x55, 0xc7, 0xd6, 0x63, /* reference id */
	0xe0, 0x9a, 0xb5, 0x5c, 0x12, 0xdc, 0xc9, 0x14, /* reference timestamp */
	0xe0, 0x9a, 0xb5, 0x54, 0x0c, 0x60, 0xc2, 0x3b, /* origin timestamp */
	0xe0, 0x9a, 0xb5, 0x54, 0x13, 0xa6, 0x4a, 0x3b, /* receive timestamp */
	0xe0, 0x9a, 0xb5, 0x96, 0x07, 0x05, 0x0b, 0xaa, /* transmit timestamp */
};

/* ntp__ntp.pcap frame 21: 85.199.214.99, a stratum-1 server with a GPS clock. */
static const uint8_t server_resp[48] = {
	0x24,                   /* LI 0, VN 4, mode 4 (server) */
	0x01,                   /* stratum 1 (primary) */
	0x04,                   /* poll */
	0xe7,                   /* precision */
	0x00, 0x00, 0x00, 0x00, /* root delay */
	0x00, 0x00, 0x00, 0x00, /* root dispersion */
	'G', 'P', 'S', 0x00,    /* reference id: "GPS" */
	0xe0, 0x9a, 0xb5, 0x9e, 0x00, 0x00, 0x00, 0x00,
	0xe0, 0x9a, 0xb5, 0x9e, 0x07, 0x02, 0xa6, 0xf2,
	0xe0, 0x9a, 0xb5, 0x9e, 0x12, 0xe0, 0x37, 0x01,
	0xe0, 0x9a, 0xb5, 0x9e, 0x12, 0xe0, 0x98, 0x9d,
};

/* ntp__ntpmode67.pcap frame 1: a mode 6 READSTAT request. */
static const uint8_t ctrl_req[12] = {
	0x16,       /* LI 0, VN 2, mode 6 (control) */
	0x01,       /* R 0, E 0, M 0, opcode 1 (read status) */
	0x00, 0x01, /* sequence */
	0x00, 0x00, /* status */
	0x00, 0x00, /* association id */
	0x00, 0x00, /* offset */
	0x00, 0x00, /* count */
};

/* ntp__ntpmode67.pcap frame 5: a mode 7 MON_GETLIST_1 ("monlist") request;
 * the capture pads it to 192 bytes of zeros, the first 8 suffice here. */
static const uint8_t monlist_req[8] = {
	0x17,       /* R 0, M 0, VN 2, mode 7 (private) */
	0x00,       /* A 0, sequence 0 */
	0x03,       /* implementation 3 (XNTPD) */
	0x2a,       /* request code 42 (MON_GETLIST_1) */
	0x00, 0x00, /* err, number of items */
	0x00, 0x00, /* MBZ, item size */
};

static void test_client_server(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ntp);

	(void)unused;
	rec_reset();
	assert_int_equal(sim_udp(s, MK_DIR_TO_SERVER, client_req, sizeof(client_req)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ntp_mode", "client");
	expect_attr(MK_HOST_SENDER, "ntp_version", "4");
	assert_null(rec_find(MK_FACT_ATTR, "ntp_stratum", 0));
	assert_int_equal(nrec, 2);
	rec_reset();
	assert_int_equal(sim_udp(s, MK_DIR_TO_CLIENT, server_resp, sizeof(server_resp)), MK_V_OK);
	expect_attr(MK_HOST_SENDER, "ntp_mode", "server");
	expect_attr(MK_HOST_SENDER, "ntp_stratum", "1");
	expect_attr(MK_HOST_SENDER, "ntp_refid", "GPS");
	assert_int_equal(nrec, 4);
	/* Polls repeat every minute: described once per direction. */
	rec_reset();
	assert_int_equal(sim_udp(s, MK_DIR_TO_CLIENT, server_resp, sizeof(server_resp)), MK_V_OK);
	assert_int_equal(nrec, 0);
	sim_free(s);
}

static void test_control(void **unused)
{
	struct sim *s = sim_new(&mk_proto_ntp);

	(void)unused;
	rec_reset();
	sim_udp(s, MK_DIR_TO_SERVER, ctrl_req, sizeof(ctrl_req));
	expect_attr(MK_HOST_SENDER, "ntp_mode", "control");
	assert_int_equal(count_anomaly("ntp_control_query"), 1);
	assert_false(has_anomaly("ntp_monlist_query"));
	sim_free(s);

	s = sim_new(&mk_proto_ntp);
	rec_reset();
	sim_udp(s, MK_DIR_TO_SERVER, monlist_req, sizeof(monlist_req));
	sim_udp(s, MK_DIR_TO_SERVER, monlist_req, sizeof(monlist_req));
	expect_attr(MK_HOST_SENDER, "ntp_mode", "private");
	assert_int_equal(count_anomaly("ntp_control_query"), 1);
	assert_int_equal(count_anomaly("ntp_monlist_query"), 1);
	sim_free(s);

	/* A mode 6 response (R bit set) is no query. */
	s = sim_new(&mk_proto_ntp);
	rec_reset();
	{
		uint8_t resp[12];

		memcpy(resp, ctrl_req, sizeof(resp));
		resp[1] |= 0x80;
		sim_udp(s, MK_DIR_TO_CLIENT, resp, sizeof(resp));
	}
	assert_false(has_anomaly("ntp_control_query"));
	sim_free(s);
}

static void test_malformed(void **unused)
{
	/* ntp__ntp-no-extensions-mac.pcap frame 1: 73 bytes of junk, "stratum 32". */
	static const uint8_t junk[] = {
		0x54, 0x20, 0x20, 0x20, 0x20, 0x20, 0xff, 0xff, 0x20, 0x20, 0xff, 0x20,
	};
	struct sim *s = sim_new(&mk_proto_ntp);
	uint8_t bad[48];

	(void)unused;
	rec_reset();
	/* 0x54: VN 2, mode 4, but stratum 0x20 = 32: no stratum fact. */
	{
		uint8_t full[73];

		memset(full, 0x20, sizeof(full));
		memcpy(full, junk, sizeof(junk));
		sim_udp(s, MK_DIR_TO_CLIENT, full, sizeof(full));
		assert_null(rec_find(MK_FACT_ATTR, "ntp_stratum", 0));
		assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_CLIENT, full, sizeof(full)), MK_PROBE_NO);
	}
	sim_free(s);

	s = sim_new(&mk_proto_ntp);
	memcpy(bad, client_req, sizeof(bad));
	bad[0] = 0x20; /* mode 0 */
	rec_reset();
	sim_udp(s, MK_DIR_TO_SERVER, bad, sizeof(bad));
	assert_true(has_anomaly("ntp_bad_mode"));
	assert_int_equal(nrec, 1);
	sim_free(s);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER, client_req, sizeof(client_req)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_CLIENT, server_resp, sizeof(server_resp)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER, ctrl_req, sizeof(ctrl_req)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER, monlist_req, sizeof(monlist_req)),
	                 MK_PROBE_MAYBE);
	/* A DNS query is not NTP. */
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER,
	                             "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER, client_req, 47), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_ntp, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

/* UDP: a cut datagram must give no fact built from a missing field. */
static void cut_loop(const uint8_t *msg, size_t n, enum mk_dir dir)
{
	for (size_t cut = 0; cut < n; cut++) {
		struct sim *s = sim_new(&mk_proto_ntp);

		rec_reset();
		assert_int_equal(sim_udp(s, dir, msg, cut), MK_V_OK);
		for (size_t i = 0; i < nrec; i++) {
			assert_int_equal(rec[i].kind, MK_FACT_ANOMALY);
			if (cut > 0)
				assert_string_equal(rec[i].value, "ntp_short_packet");
		}
		sim_free(s);
	}
}

static void test_truncation(void **unused)
{
	(void)unused;
	cut_loop(client_req, sizeof(client_req), MK_DIR_TO_SERVER);
	cut_loop(server_resp, sizeof(server_resp), MK_DIR_TO_CLIENT);
	cut_loop(ctrl_req, sizeof(ctrl_req), MK_DIR_TO_SERVER);
	cut_loop(monlist_req, sizeof(monlist_req), MK_DIR_TO_SERVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_server),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

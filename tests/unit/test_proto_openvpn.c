/* test_proto_openvpn.c - unit tests of the OpenVPN plug-in (src/proto/openvpn/openvpn.c).
 * Vectors are built to OpenVPN's protocol description (src/openvpn/ssl_pkt.h,
 * doc_protocol_overview.h): P_CONTROL_HARD_RESET_CLIENT_V2 without and with
 * tls-auth (HMAC-SHA1), P_CONTROL_HARD_RESET_SERVER_V2 acking it, and the TCP
 * form with its 2-byte length prefix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/fact_recorder.h"

#include "mieruka/facts.h"
#include "mieruka/pkt.h"
#include "mieruka/proto.h"

/* Probe on an exact-size heap copy, so ASan sees an over-read. */
static int probe_bytes(const struct mk_proto *p, enum mk_dir dir, const void *data, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int r;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, data, n);
	mk_rd_init(&rd, copy, n);
	r = p->probe(&rd, dir);
	free(copy);
	assert_true(r == MK_PROBE_NO || r == MK_PROBE_MAYBE || r == MK_PROBE_SURE);
	return r;
}

/* The whole message gives exactly exp; every cut of it gives a subset, and the
 * probe survives every cut.  Returns the verdict of the whole message. */
static enum mk_verdict check_msg(const struct mk_proto *p, const struct mk_pkt *pkt, const uint8_t *m,
                                 size_t n, enum mk_dir dir, const char *const *exp)
{
	static struct rec all, part;
	size_t consumed = 0;
	enum mk_verdict v;

	memset(&all, 0, sizeof(all));
	v = run_parse(p, pkt, m, n, dir, &all, &consumed);
	rec_expect(&all, exp);
	for (size_t cut = 0; cut < n; cut++) {
		memset(&part, 0, sizeof(part));
		consumed = 0;
		run_parse(p, pkt, m, cut, dir, &part, &consumed);
		assert_true(consumed <= cut);
		rec_subset(&part, &all, cut);
		(void)probe_bytes(p, dir, m, cut);
	}
	return v;
}

extern const struct mk_proto mk_proto_openvpn;
#define P (&mk_proto_openvpn)

static const uint8_t reset_client[14] = {
	0x38,                                           /* opcode 7 (HARD_RESET_CLIENT_V2), key id 0 */
	0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, /* session id */
	0x00,                                           /* ack count 0 */
	0x00, 0x00, 0x00, 0x00,                         /* message packet id 0 */
};

static const uint8_t reset_client_ta[42] = {
	0x38,
	0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, /* HMAC-SHA1 (20 bytes) */
	0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
	0x00, 0x00, 0x00, 0x01,                         /* replay packet id 1 */
	0x5f, 0x00, 0x00, 0x00,                         /* net time */
	0x00,                                           /* ack count 0 */
	0x00, 0x00, 0x00, 0x00,                         /* message packet id 0 */
};

static const uint8_t reset_server[26] = {
	0x40,                                           /* opcode 8 (HARD_RESET_SERVER_V2), key id 0 */
	0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, /* session id */
	0x01,                                           /* ack count 1 */
	0x00, 0x00, 0x00, 0x00,                         /* acked: the client's packet id 0 */
	0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, /* remote session id */
	0x00, 0x00, 0x00, 0x00,                         /* message packet id 0 */
};

static const struct mk_pkt tcp_pkt = {.ip_proto = 6};
static const struct mk_pkt udp_pkt = {.ip_proto = 17};

static void test_udp(void **unused)
{
	static const char *const exp[] = {"operation other openvpn", NULL};

	(void)unused;
	check_msg(P, &udp_pkt, reset_client, sizeof(reset_client), MK_DIR_TO_SERVER, exp);
	check_msg(P, &udp_pkt, reset_client_ta, sizeof(reset_client_ta), MK_DIR_TO_SERVER, exp);
	check_msg(P, &udp_pkt, reset_server, sizeof(reset_server), MK_DIR_TO_CLIENT, exp);
}

static void test_tcp(void **unused)
{
	static const char *const exp[] = {"operation other openvpn", NULL};
	static const char *const none[] = {NULL};
	uint8_t framed[2 + sizeof(reset_client) + 2 + sizeof(reset_client_ta)];
	struct rec r;
	size_t consumed = 0;

	(void)unused;
	framed[0] = 0;
	framed[1] = sizeof(reset_client);
	memcpy(framed + 2, reset_client, sizeof(reset_client));
	framed[16] = 0;
	framed[17] = sizeof(reset_client_ta);
	memcpy(framed + 18, reset_client_ta, sizeof(reset_client_ta));
	assert_int_equal(check_msg(P, &tcp_pkt, framed, sizeof(framed), MK_DIR_TO_SERVER, exp), MK_V_OK);
	/* Whole packets are consumed; a cut one waits. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, &tcp_pkt, framed, 20, MK_DIR_TO_SERVER, &r, &consumed), MK_V_NEED);
	assert_int_equal(consumed, 16);
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, &tcp_pkt, framed, 10, MK_DIR_TO_SERVER, &r, &consumed), MK_V_NEED);
	assert_int_equal(consumed, 0);
	rec_expect(&r, none);
	/* Not OpenVPN on the stream (opcode 0): stop. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, &tcp_pkt, (const uint8_t *)"\x00\x04\x00\x00\x00\x00", 6,
	                           MK_DIR_TO_SERVER, &r, &consumed),
	                 MK_V_INVALID);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, framed, 16), MK_PROBE_SURE);
}

static void test_probe(void **unused)
{
	static const uint8_t dns[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	                              0x03, 'w', 'w', 'w', 0x00, 0x00, 0x01, 0x00, 0x01};
	uint8_t bad[sizeof(reset_client)];
	static const uint8_t data_v2[] = {0x48, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef};

	(void)unused;
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, reset_client, sizeof(reset_client)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, reset_client_ta, sizeof(reset_client_ta)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_CLIENT, reset_server, sizeof(reset_server)), MK_PROBE_SURE);
	/* Mid-session data: only MAYBE (the hinted port decides). */
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, data_v2, sizeof(data_v2)), MK_PROBE_MAYBE);
	/* A DNS query: its first byte reads as an opcode, but no hard reset. */
	assert_true(probe_bytes(P, MK_DIR_TO_SERVER, dns, sizeof(dns)) != MK_PROBE_SURE);
	/* A hard reset with key id 1, or a non-zero message id: not SURE. */
	memcpy(bad, reset_client, sizeof(bad));
	bad[0] = 0x39;
	assert_true(probe_bytes(P, MK_DIR_TO_SERVER, bad, sizeof(bad)) != MK_PROBE_SURE);
	memcpy(bad, reset_client, sizeof(bad));
	bad[13] = 0x02;
	assert_true(probe_bytes(P, MK_DIR_TO_SERVER, bad, sizeof(bad)) != MK_PROBE_SURE);
	memset(bad, 0, sizeof(bad));
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, bad, sizeof(bad)), MK_PROBE_NO);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

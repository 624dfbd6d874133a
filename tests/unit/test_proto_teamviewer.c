/* test_proto_teamviewer.c - unit tests of the TeamViewer plug-in
 * (src/proto/teamviewer/teamviewer.c).  No TeamViewer specification is
 * published; the vectors follow the public descriptions the parser cites (a
 * 2-byte magic 0x17 0x24, a command byte, a little-endian 16-bit data length;
 * libprotoident's 37-byte first payload 17 24 0a 20 ...; the HTTP fallback
 * GET /din.aspx?...&client=DynGate) and are the same bytes as the generated
 * capture tests/captures/teamviewer/teamviewer.pcap.
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

extern const struct mk_proto mk_proto_teamviewer;
#define P (&mk_proto_teamviewer)
#include "support/pieces.h"

static int probe_bytes(enum mk_dir dir, const void *data, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int r;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, data, n);
	mk_rd_init(&rd, copy, n);
	r = P->probe(&rd, dir);
	free(copy);
	assert_true(r == MK_PROBE_NO || r == MK_PROBE_MAYBE || r == MK_PROBE_SURE);
	return r;
}

/* CMD_IDENTIFY (10) with 32 data bytes: the 37-byte first payload. */
static const uint8_t identify[] = {
    0x17, 0x24, /* magic */
    0x0a,       /* command: CMD_IDENTIFY */
    0x20, 0x00, /* data length 32, little-endian */
    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* CMD_REQUESTCONNECT (11) with 4 bytes, then CMD_AUTH_RESPONSE (103) with 3. */
static const uint8_t connect_auth[] = {
    0x17, 0x24, 0x0b, 0x04, 0x00, 0x01, 0x02, 0x03, 0x04,
    0x17, 0x24, 0x67, 0x03, 0x00, 0xaa, 0xbb, 0xcc,
};

/* The older protocol: magic 0x1130, command CMD_PING (16). */
static const uint8_t old_ping[] = {0x11, 0x30, 0x10, 0x00, 0x00, 0x00};

/* A 0x1724 message followed by bytes that are not one: the framing is lost. */
static const uint8_t broken[] = {
    0x17, 0x24, 0x10, 0x01, 0x00, 0x55, /* CMD_PING with one byte */
    0x16, 0x03, 0x01, 0x00, 0x05,       /* a TLS record header instead */
};

static const char http_fallback[] =
    "GET /din.aspx?s=00000000&id=0&client=DynGate&p=10000001 HTTP/1.1\r\n"
    "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; DynGate)\r\n\r\n";

static void test_messages(void **unused)
{
	static const char *const f_identify[] = {"attr client teamviewer=0x1724", NULL};
	static const char *const f_connect[] = {"attr client teamviewer=0x1724",
	                                        "operation auth auth_response", NULL};
	static const char *const f_old[] = {"attr client teamviewer=0x1130", NULL};
	static const char *const f_http[] = {"attr client teamviewer=http", NULL};

	(void)unused;
	check_msg(identify, sizeof(identify), MK_DIR_TO_SERVER, f_identify);
	check_msg(identify, sizeof(identify), MK_DIR_TO_CLIENT, f_identify);
	check_msg(connect_auth, sizeof(connect_auth), MK_DIR_TO_SERVER, f_connect);
	check_msg(old_ping, sizeof(old_ping), MK_DIR_TO_SERVER, f_old);
	check_msg((const uint8_t *)http_fallback, sizeof(http_fallback) - 1, MK_DIR_TO_SERVER,
	          f_http);
}

static void test_stream(void **unused)
{
	/* identify each way, then connect + auth: one attribute, one auth */
	static const struct piece pc[] = {
	    {MK_DIR_TO_SERVER, identify, sizeof(identify)},
	    {MK_DIR_TO_CLIENT, identify, 7}, /* the server's split in two */
	    {MK_DIR_TO_CLIENT, identify + 7, sizeof(identify) - 7},
	    {MK_DIR_TO_SERVER, connect_auth, sizeof(connect_auth)},
	};
	static const char *const exp[] = {"attr client teamviewer=0x1724",
	                                  "operation auth auth_response", NULL};
	static struct rec r;

	(void)unused;
	memset(&r, 0, sizeof(r));
	run_pieces(pc, sizeof(pc) / sizeof(pc[0]), &r);
	rec_expect(&r, exp);
}

static void test_framing_lost(void **unused)
{
	static const char *const exp[] = {"attr client teamviewer=0x1724",
	                                  "anomaly teamviewer_framing_lost", NULL};
	static const uint8_t midflow[] = {0x42, 0x42, 0x42, 0x42, 0x42, 0x42};
	static const char *const none[] = {NULL};
	static struct rec r;

	(void)unused;
	run_one(broken, sizeof(broken), MK_DIR_TO_SERVER, &r);
	rec_expect(&r, exp);
	/* a direction whose first bytes are not a message (capture begun
	 * mid-flow) is only counted, without an event */
	run_one(midflow, sizeof(midflow), MK_DIR_TO_CLIENT, &r);
	rec_expect(&r, none);
}

static void test_udp(void **unused)
{
	static const struct mk_pkt udp = {.ip_proto = 17};
	static const uint8_t counter_first[] = {
	    0x00, 0,    0,    0,    0,    0,    0, 0, 0, 0, 0, /* counter and 10 more bytes */
	    0x17, 0x24, 0x47, 0x01, 0x00, 0x04,                /* CMD_UDPPING (71), 1 byte */
	};
	static const char *const exp[] = {"attr client teamviewer=udp", NULL};
	static const char *const none[] = {NULL};
	static struct rec r;
	size_t consumed = 0;

	(void)unused;
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, &udp, counter_first, sizeof(counter_first), MK_DIR_TO_SERVER,
	                           &r, &consumed),
	                 MK_V_OK);
	rec_expect(&r, exp);
	assert_int_equal(consumed, sizeof(counter_first));
	memset(&r, 0, sizeof(r));
	run_parse(P, &udp, identify, sizeof(identify), MK_DIR_TO_SERVER, &r, &consumed);
	rec_expect(&r, exp);
	/* every cut of a datagram: the fact once magic and command are in */
	for (size_t cut = 0; cut < sizeof(counter_first); cut++) {
		memset(&r, 0, sizeof(r));
		run_parse(P, &udp, counter_first, cut, MK_DIR_TO_SERVER, &r, &consumed);
		rec_expect(&r, cut >= 14 ? exp : none);
	}
}

static void test_probe(void **unused)
{
	static const uint8_t tls[] = {0x17, 0x03, 0x03, 0x00, 0x10};
	static const uint8_t bad_cmd[] = {0x17, 0x24, 0xff, 0x00, 0x00};
	static const uint8_t udp_counter[] = {0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x17, 0x24, 0x47};

	(void)unused;
	assert_int_equal(probe_bytes(MK_DIR_TO_SERVER, identify, sizeof(identify)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(MK_DIR_TO_SERVER, old_ping, sizeof(old_ping)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(MK_DIR_TO_SERVER, http_fallback, sizeof(http_fallback) - 1),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(MK_DIR_TO_SERVER, "POST /dout.aspx?s=1", 19), MK_PROBE_SURE);
	/* a TLS application-data record, an unknown command, plain HTTP: no */
	assert_int_equal(probe_bytes(MK_DIR_TO_SERVER, tls, sizeof(tls)), MK_PROBE_NO);
	assert_int_equal(probe_bytes(MK_DIR_TO_SERVER, bad_cmd, sizeof(bad_cmd)), MK_PROBE_NO);
	assert_int_equal(probe_bytes(MK_DIR_TO_SERVER, "GET / HTTP/1.1\r\n", 16), MK_PROBE_NO);
	/* the magic after a counter (UDP): only the hinted port takes it */
	assert_int_equal(probe_bytes(MK_DIR_TO_SERVER, udp_counter, sizeof(udp_counter)),
	                 MK_PROBE_MAYBE);
	/* cut magic or request: keep looking */
	assert_int_equal(probe_bytes(MK_DIR_TO_SERVER, identify, 1), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(MK_DIR_TO_SERVER, identify, 2), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(MK_DIR_TO_SERVER, http_fallback, 8), MK_PROBE_MAYBE);
	for (size_t cut = 0; cut <= sizeof(identify); cut++)
		(void)probe_bytes(MK_DIR_TO_SERVER, identify, cut);
	for (size_t cut = 0; cut <= sizeof(http_fallback) - 1; cut++)
		(void)probe_bytes(MK_DIR_TO_SERVER, http_fallback, cut);
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_string_equal(P->name, "teamviewer");
	assert_int_equal(P->id, MK_PROTO_TEAMVIEWER);
	assert_true(P->transports & MK_TRANSPORT_TCP);
	assert_true(P->transports & MK_TRANSPORT_UDP);
	assert_non_null(mk_proto_find("teamviewer"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_messages),     cmocka_unit_test(test_stream),
	    cmocka_unit_test(test_framing_lost), cmocka_unit_test(test_udp),
	    cmocka_unit_test(test_probe),        cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

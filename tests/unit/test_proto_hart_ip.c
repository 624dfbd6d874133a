/* test_proto_hart_ip.c - unit tests of the HART-IP plug-in
 * (src/proto/hart_ip/hart_ip.c).
 *
 * No public HART-IP capture is in ../shared/captures; every vector is built
 * from FieldComm Group HCF_SPEC-085 10.2 (HART-IP header) and HCF_SPEC-081 5.1
 * (token-passing PDU), cited at each.  Each is checked for its exact facts,
 * every truncation length and (TCP) every split into two stream pieces, and as
 * a UDP datagram.
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

extern const struct mk_proto mk_proto_hart_ip;
#define P (&mk_proto_hart_ip)

#include "support/pieces.h"

/* One datagram, then every truncation of it as a datagram. */
static void check_dgram(const uint8_t *m, size_t n, enum mk_dir dir, const char *const *exp)
{
	static struct rec all, part;
	size_t consumed;

	memset(&all, 0, sizeof(all));
	run_parse(P, NULL, m, n, dir, &all, &consumed);
	rec_expect(&all, exp);
	for (size_t cut = 0; cut < n; cut++) {
		memset(&part, 0, sizeof(part));
		run_parse(P, NULL, m, cut, dir, &part, &consumed);
		rec_subset(&part, &all, cut);
	}
}

static int probe(const uint8_t *m, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int v;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, m, n);
	mk_rd_init(&rd, copy, n);
	v = P->probe(&rd, MK_DIR_TO_SERVER);
	free(copy);
	return v;
}

/* HCF_SPEC-085 10.2/10.3.1: version 1, request, Session Initiate (0), status 0,
 * sequence 1, byte count 13; body: master type 1 (primary), inactivity close
 * timer 30000 ms. */
static const uint8_t initiate[] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
                                   0x0d, 0x01, 0x00, 0x00, 0x75, 0x30};
/* its response (message type 1) */
static const uint8_t initiate_rsp[] = {0x01, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00,
                                       0x0d, 0x01, 0x00, 0x00, 0x75, 0x30};
/* 10.3.3: Keep Alive (2), byte count 8 */
static const uint8_t keepalive[] = {0x01, 0x00, 0x02, 0x00, 0x00, 0x02, 0x00, 0x08};
/* 10.3.2: Session Close (1) */
static const uint8_t close_req[] = {0x01, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x08};
/* 10.3.4 Token-Passing PDU (3) with a short-frame STX (081 5.1: delimiter 0x02,
 * address 0x80 = primary master, polling address 0), command 0 (127: Read
 * Unique Identifier), byte count 0, check byte 0x82 */
static const uint8_t cmd0[] = {0x01, 0x00, 0x03, 0x00, 0x00, 0x04, 0x00,
                               0x0d, 0x02, 0x80, 0x00, 0x00, 0x82};
/* Token-passing PDU, long-frame STX (0x82, 5-byte unique address), command 18
 * (127: Write Tag, Descriptor, Date), 21 data bytes (tag 6, descriptor 12,
 * date 3), check byte (left 0: HART-IP does not check it here) */
static const uint8_t cmd18[] = {
    0x01, 0x00, 0x03, 0x00, 0x00, 0x05, 0x00, 0x26, 0x82, 0xa6, 0x06, 0x12, 0x34,
    0x56, 0x12, 0x15, 'P',  'T',  '1',  '0',  '1',  ' ',  0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* Direct PDU (4), command 42 (151: Perform Device Reset) */
static const uint8_t cmd42[] = {0x01, 0x00, 0x04, 0x00, 0x00, 0x06, 0x00,
                                0x0d, 0x02, 0x80, 0x2a, 0x00, 0xa8};

static void test_messages(void **s)
{
	(void)s;
	check_msg(initiate, sizeof(initiate), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation other session_initiate", NULL});
	check_msg(initiate_rsp, sizeof(initiate_rsp), MK_DIR_TO_CLIENT,
	          (const char *const[]){NULL});
	check_msg(keepalive, sizeof(keepalive), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation other keep_alive", NULL});
	check_msg(close_req, sizeof(close_req), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation other session_close", NULL});
	check_msg(cmd0, sizeof(cmd0), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation diagnostic read_unique_identifier", NULL});
	check_msg(
	    cmd18, sizeof(cmd18), MK_DIR_TO_SERVER,
	    (const char *const[]){"operation write write_tag", "anomaly hart_ip_write", NULL});
	check_msg(cmd42, sizeof(cmd42), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation control perform_device_reset", NULL});
	check_dgram(cmd0, sizeof(cmd0), MK_DIR_TO_SERVER,
	            (const char *const[]){"operation diagnostic read_unique_identifier", NULL});
	{
		uint8_t m[sizeof(cmd0)];

		memcpy(m, cmd0, sizeof(m));
		m[10] = 200; /* a command the table does not name */
		check_msg(m, sizeof(m), MK_DIR_TO_SERVER,
		          (const char *const[]){"operation other cmd=200", NULL});
	}
}

static void test_stream(void **s)
{
	uint8_t m[sizeof(initiate) + sizeof(cmd0) + sizeof(keepalive)];

	(void)s;
	memcpy(m, initiate, sizeof(initiate));
	memcpy(m + sizeof(initiate), cmd0, sizeof(cmd0));
	memcpy(m + sizeof(initiate) + sizeof(cmd0), keepalive, sizeof(keepalive));
	check_msg(m, sizeof(m), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation other session_initiate",
	                                "operation diagnostic read_unique_identifier",
	                                "operation other keep_alive", NULL});
}

static void test_malformed(void **s)
{
	static struct rec r;
	uint8_t m[sizeof(cmd0)];
	size_t consumed = 0;

	(void)s;
	memcpy(m, cmd0, sizeof(m));
	m[0] = 9; /* version */
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, NULL, m, sizeof(m), MK_DIR_TO_SERVER, &r, &consumed),
	                 MK_V_INVALID);
	rec_expect(&r, (const char *const[]){"anomaly hart_ip_bad_header", NULL});
	memcpy(m, cmd0, sizeof(m));
	m[7] = 4; /* byte count smaller than the header */
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, NULL, m, sizeof(m), MK_DIR_TO_SERVER, &r, &consumed),
	                 MK_V_INVALID);
	rec_expect(&r, (const char *const[]){"anomaly hart_ip_bad_header", NULL});
	/* A PDU message too short to name a command. */
	check_msg((const uint8_t *)"\x01\x00\x03\x00\x00\x07\x00\x09\x02", 9, MK_DIR_TO_SERVER,
	          (const char *const[]){"operation other pdu", NULL});
}

static void test_probe(void **s)
{
	(void)s;
	assert_int_equal(probe(initiate, sizeof(initiate)), MK_PROBE_SURE);
	assert_int_equal(probe(cmd0, sizeof(cmd0)), MK_PROBE_SURE);
	assert_int_equal(probe(keepalive, sizeof(keepalive)), MK_PROBE_MAYBE);
	assert_int_equal(probe(initiate, 10), MK_PROBE_NO);
	assert_int_equal(probe((const uint8_t *)"\x01\x00\x09\x00\x00\x01\x00\x08", 8),
	                 MK_PROBE_NO);
	assert_int_equal(probe((const uint8_t *)"GET / HTTP/1.0\r\n", 16), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_messages),
	    cmocka_unit_test(test_stream),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

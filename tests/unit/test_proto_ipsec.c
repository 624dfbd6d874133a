/* test_proto_ipsec.c - unit tests of the IKE plug-in (src/proto/ipsec/ipsec.c).
 * Vectors are built to RFC 7296 section 3.1 (IKEv2 header) and RFC 2408 section
 * 3.1 (ISAKMP/IKEv1 header), each followed by one empty generic payload header
 * (RFC 7296 3.2) so that the header length covers the whole datagram; the UDP
 * 4500 variant carries the RFC 3948 section 2.2 non-ESP marker.
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

extern const struct mk_proto mk_proto_ipsec;
#define P (&mk_proto_ipsec)

static const uint8_t ikev2_sa_init[32] = {
	0x5a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71, /* initiator SPI */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* responder SPI: not yet known */
	33,                     /* next payload: SA */
	0x20,                   /* version 2.0 */
	34,                     /* exchange type: IKE_SA_INIT */
	0x08,                   /* flags: initiator */
	0x00, 0x00, 0x00, 0x00, /* message ID 0 */
	0x00, 0x00, 0x00, 0x20, /* length 32 */
	0x00, 0x00, 0x00, 0x04, /* generic payload header: next none, length 4 */
};

static const uint8_t ikev1_main[32] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* initiator cookie */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* responder cookie */
	1,                      /* next payload: SA */
	0x10,                   /* version 1.0 */
	2,                      /* exchange type: identity protection (main mode) */
	0x00,                   /* flags */
	0x00, 0x00, 0x00, 0x00, /* message ID */
	0x00, 0x00, 0x00, 0x20, /* length 32 */
	0x00, 0x00, 0x00, 0x04,
};

/* UDP 4500: non-ESP marker, then IKE_AUTH with an SK payload. */
static const uint8_t ikev2_natt[36] = {
	0x00, 0x00, 0x00, 0x00, /* non-ESP marker */
	0x5a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71,
	0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22,
	46,                     /* next payload: SK (encrypted) */
	0x20, 35, 0x08,         /* version 2.0, IKE_AUTH, initiator */
	0x00, 0x00, 0x00, 0x01, /* message ID 1 */
	0x00, 0x00, 0x00, 0x20, /* length 32 (without the marker) */
	0x00, 0x00, 0x00, 0x04,
};

static void test_messages(void **unused)
{
	static const char *const v2[] = {"operation other ike_v2", "attr sender ike_version=2", NULL};
	static const char *const v1[] = {"operation other ike_v1", "attr sender ike_version=1", NULL};

	(void)unused;
	check_msg(P, NULL, ikev2_sa_init, sizeof(ikev2_sa_init), MK_DIR_TO_SERVER, v2);
	check_msg(P, NULL, ikev1_main, sizeof(ikev1_main), MK_DIR_TO_SERVER, v1);
	check_msg(P, NULL, ikev2_natt, sizeof(ikev2_natt), MK_DIR_TO_SERVER, v2);
}

static void test_version_once(void **unused)
{
	static const char *const exp[] = {"operation other ike_v2", "attr sender ike_version=2",
	                                  "operation other ike_v2", "operation other ike_v2",
	                                  "attr sender ike_version=2", NULL};
	static const uint8_t esp[] = {0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x01, 0xaa, 0xbb, 0xcc, 0xdd};
	struct rec r;
	void *st = calloc(1, P->state_size);
	struct mk_emit out = {.sink = rec_sink, .ctx = &r, .proto = P->id};
	struct mk_rd rd;
	size_t consumed;

	(void)unused;
	assert_non_null(st);
	memset(&r, 0, sizeof(r));
	mk_rd_init(&rd, ikev2_sa_init, sizeof(ikev2_sa_init));
	P->parse(st, &rd, MK_DIR_TO_SERVER, &consumed, &out);
	mk_rd_init(&rd, ikev2_natt, sizeof(ikev2_natt));
	P->parse(st, &rd, MK_DIR_TO_SERVER, &consumed, &out);
	/* ESP and keepalives on 4500 say nothing. */
	mk_rd_init(&rd, esp, sizeof(esp));
	assert_int_equal(P->parse(st, &rd, MK_DIR_TO_SERVER, &consumed, &out), MK_V_OK);
	mk_rd_init(&rd, "\xff", 1);
	assert_int_equal(P->parse(st, &rd, MK_DIR_TO_SERVER, &consumed, &out), MK_V_OK);
	mk_rd_init(&rd, ikev2_sa_init, sizeof(ikev2_sa_init));
	P->parse(st, &rd, MK_DIR_TO_CLIENT, &consumed, &out);
	rec_expect(&r, exp);
	free(st);
}

static void test_probe(void **unused)
{
	/* A DNS query sent to UDP 500 (RFC 1035 4.1.1). */
	static const uint8_t dns[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	                              0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
	                              0x00, 0x01, 0x00, 0x01};
	uint8_t bad[sizeof(ikev2_sa_init)];

	(void)unused;
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, ikev2_sa_init, sizeof(ikev2_sa_init)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, ikev1_main, sizeof(ikev1_main)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, ikev2_natt, sizeof(ikev2_natt)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, dns, sizeof(dns)), MK_PROBE_NO);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "\xff", 1), MK_PROBE_MAYBE);
	/* Length not the datagram's, wrong version, wrong exchange, zero SPI. */
	memcpy(bad, ikev2_sa_init, sizeof(bad));
	bad[27] = 0x40;
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, bad, sizeof(bad)), MK_PROBE_NO);
	memcpy(bad, ikev2_sa_init, sizeof(bad));
	bad[17] = 0x30;
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, bad, sizeof(bad)), MK_PROBE_NO);
	memcpy(bad, ikev2_sa_init, sizeof(bad));
	bad[18] = 2; /* an IKEv1 exchange under version 2 */
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, bad, sizeof(bad)), MK_PROBE_NO);
	memset(bad, 0, sizeof(bad));
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, bad, sizeof(bad)), MK_PROBE_NO);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_version_once),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_capwap.c - unit tests of the CAPWAP plug-in (src/proto/capwap/capwap.c).
 * Vectors are built to RFC 5415: a Discovery Request (section 5.1) behind the
 * CAPWAP header (4.3) and control header (4.5.1), and a DTLS ClientHello record
 * (RFC 6347 4.1) behind the CAPWAP DTLS header (4.2).
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

extern const struct mk_proto mk_proto_capwap;
#define P (&mk_proto_capwap)

static const uint8_t discovery_req[] = {
	0x00,                   /* preamble: version 0, type 0 (CAPWAP header) */
	0x10, 0x02, 0x00,       /* HLEN 2 (8 bytes), RID 0, WBID 1 (IEEE 802.11), T/F/L/W/M/K 0 */
	0x00, 0x00,             /* fragment id */
	0x00, 0x00,             /* fragment offset, reserved */
	0x00, 0x00, 0x00, 0x01, /* message type 1: Discovery Request (4.5.2) */
	0x00,                   /* sequence number */
	0x00, 0x08,             /* message element length: the 8 bytes after the sequence number */
	0x00,                   /* flags */
	0x00, 0x14, 0x00, 0x01, 0x01, /* Discovery Type (20), length 1, static configuration (4.6.21) */
};

static const uint8_t dtls_hello[] = {
	0x01, 0x00, 0x00, 0x00, /* preamble: version 0, type 1 (DTLS), 24 reserved bits */
	0x16,                   /* DTLS content type 22: handshake */
	0xfe, 0xfd,             /* DTLS 1.2 */
	0x00, 0x00,             /* epoch */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* sequence number */
	0x00, 0x0c,             /* record length 12 */
	0x01, 0x00, 0x00, 0x00, /* handshake: ClientHello, length 0 */
	0x00, 0x00,             /* message_seq */
	0x00, 0x00, 0x00,       /* fragment offset */
	0x00, 0x00, 0x00,       /* fragment length */
};

static void test_messages(void **unused)
{
	static const char *const ctrl[] = {"operation other capwap_control", NULL};
	static const char *const dtls[] = {"operation other capwap_dtls", NULL};

	(void)unused;
	check_msg(P, NULL, discovery_req, sizeof(discovery_req), MK_DIR_TO_SERVER, ctrl);
	check_msg(P, NULL, dtls_hello, sizeof(dtls_hello), MK_DIR_TO_SERVER, dtls);
}

static void test_once_per_kind(void **unused)
{
	static const char *const exp[] = {"operation other capwap_dtls", "operation other capwap_control", NULL};
	struct rec r;
	void *st = calloc(1, P->state_size);
	struct mk_emit out = {.sink = rec_sink, .ctx = &r, .proto = P->id};
	struct mk_rd rd;
	size_t consumed;

	(void)unused;
	assert_non_null(st);
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 3; i++) {
		mk_rd_init(&rd, dtls_hello, sizeof(dtls_hello));
		assert_int_equal(P->parse(st, &rd, MK_DIR_TO_CLIENT, &consumed, &out), MK_V_OK);
		mk_rd_init(&rd, discovery_req, sizeof(discovery_req));
		assert_int_equal(P->parse(st, &rd, MK_DIR_TO_SERVER, &consumed, &out), MK_V_OK);
	}
	rec_expect(&r, exp);
	free(st);
}

static void test_probe(void **unused)
{
	/* A DNS query (RFC 1035 4.1.1), also one whose id starts with a zero byte. */
	static const uint8_t dns[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	                              0x03, 'w', 'w', 'w', 0x00, 0x00, 0x01, 0x00, 0x01};
	uint8_t dns0[sizeof(dns)], keepalive[16], bad[sizeof(discovery_req)];

	(void)unused;
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, discovery_req, sizeof(discovery_req)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, dtls_hello, sizeof(dtls_hello)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, dns, sizeof(dns)), MK_PROBE_NO);
	memcpy(dns0, dns, sizeof(dns));
	dns0[0] = 0x00;
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, dns0, sizeof(dns0)), MK_PROBE_NO);
	/* A data-channel keepalive (4.4.1: K set, a Session ID element): a plausible
	 * header only, MAYBE, which counts on the hinted ports alone. */
	memset(keepalive, 0, sizeof(keepalive));
	keepalive[1] = 0x10;
	keepalive[2] = 0x02;
	keepalive[3] = 0x08; /* K */
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, keepalive, sizeof(keepalive)), MK_PROBE_MAYBE);
	/* HLEN longer than the datagram; reserved flag bits set. */
	memcpy(bad, discovery_req, sizeof(bad));
	bad[1] = 0x50; /* HLEN 10 = 40 bytes */
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, bad, sizeof(bad)), MK_PROBE_NO);
	memcpy(bad, discovery_req, sizeof(bad));
	bad[3] = 0x01;
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, bad, sizeof(bad)), MK_PROBE_NO);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_once_per_kind),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

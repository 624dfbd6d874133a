/* test_proto_cip.c - unit tests of the CIP implicit I/O plug-in (src/proto/cip/cip.c).
 *
 * No public capture in ../shared/captures has class 0/1 I/O on UDP 2222, so the
 * datagrams are built from the specification: THE CIP NETWORKS LIBRARY Vol. 2,
 * 2-6 (common packet format: sequenced address item 0x8002 with connection id
 * and encapsulation sequence number, connected data item 0x00b1) and 3-2.2 (UDP
 * class 1 I/O: 16-bit CIP sequence count, then for O->T the 32-bit run/idle
 * header of Vol. 1 3-6.1, then the application data).  Little-endian fields.
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

extern const struct mk_proto mk_proto_cip;

/* O->T: output data from the originator (scanner) with a run/idle header. */
static const uint8_t io_out[] = {
	0x02, 0x00,             /* item count 2 */
	0x02, 0x80, 0x08, 0x00, /* sequenced address item (0x8002), length 8 */
	0x44, 0x33, 0x22, 0x11, /* connection id 0x11223344 */
	0x05, 0x00, 0x00, 0x00, /* encapsulation sequence number 5 */
	0xb1, 0x00, 0x0a, 0x00, /* connected data item (0x00b1), length 10 */
	0x05, 0x00,             /* CIP sequence count 5 */
	0x01, 0x00, 0x00, 0x00, /* run/idle header: run */
	0xaa, 0xbb, 0x00, 0x00, /* 4 bytes of outputs */
};

/* T->O: input data from the target (adapter), no run/idle header. */
static const uint8_t io_in[] = {
	0x02, 0x00,
	0x02, 0x80, 0x08, 0x00,
	0x88, 0x77, 0x66, 0x55, /* connection id 0x55667788 */
	0x2a, 0x00, 0x00, 0x00, /* encapsulation sequence number 42 */
	0xb1, 0x00, 0x06, 0x00,
	0x2a, 0x00,             /* CIP sequence count 42 */
	0x10, 0x20, 0x30, 0x40, /* 4 bytes of inputs */
};

static enum mk_verdict feed(void *state, enum mk_dir dir, const uint8_t *b, size_t n, struct rec *r)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_emit out = {.sink = rec_sink, .ctx = r, .dir = (int)dir, .proto = mk_proto_cip.id};
	struct mk_rd rd;
	size_t consumed = 0;
	enum mk_verdict v;

	assert_non_null(copy);
	memcpy(copy, b, n);
	mk_rd_init(&rd, copy, n);
	v = mk_proto_cip.parse(state, &rd, dir, &consumed, &out);
	free(copy);
	return v;
}

static void test_io(void **unused)
{
	static const char *const want_out[] = {
		"operation write io",
		"attr sender cip_io_connection=0x11223344",
		NULL,
	};
	static const char *const want_in[] = {
		"operation read io",
		"attr sender cip_io_connection=0x55667788",
		NULL,
	};
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_cip, NULL, io_out, sizeof(io_out), MK_DIR_TO_SERVER, &r1, NULL),
	                 MK_V_OK);
	rec_expect(&r1, want_out);
	assert_int_equal(run_parse(&mk_proto_cip, NULL, io_in, sizeof(io_in), MK_DIR_TO_CLIENT, &r2, NULL),
	                 MK_V_OK);
	rec_expect(&r2, want_in);
}

/* The connection is reported once; a sequence number going back is named. */
static void test_sequence(void **unused)
{
	static const char *const want[] = {
		"operation write io",
		"attr sender cip_io_connection=0x11223344",
		"operation write io",
		"operation write io",
		"anomaly cip_io_sequence_backwards",
		NULL,
	};
	void *state = calloc(1, mk_proto_cip.state_size);
	uint8_t next[sizeof(io_out)], back[sizeof(io_out)];
	struct rec r = {0};

	(void)unused;
	assert_non_null(state);
	memcpy(next, io_out, sizeof(io_out));
	next[10] = 0x06; /* sequence 6 */
	memcpy(back, io_out, sizeof(io_out));
	back[10] = 0x03; /* sequence 3: behind 6 */
	feed(state, MK_DIR_TO_SERVER, io_out, sizeof(io_out), &r);
	feed(state, MK_DIR_TO_SERVER, next, sizeof(next), &r);
	feed(state, MK_DIR_TO_SERVER, back, sizeof(back), &r);
	free(state);
	rec_expect(&r, want);
}

static void test_malformed(void **unused)
{
	static const char *const want[] = {"anomaly cip_io_bad_cpf", NULL};
	uint8_t m[sizeof(io_out) + 1];
	struct rec r1 = {0}, r2 = {0}, r3 = {0};

	(void)unused;
	/* A data item longer than the datagram. */
	memcpy(m, io_out, sizeof(io_out));
	m[16] = 0x40;
	run_parse(&mk_proto_cip, NULL, m, sizeof(io_out), MK_DIR_TO_SERVER, &r1, NULL);
	rec_expect(&r1, want);
	/* A trailing byte after the items. */
	memcpy(m, io_out, sizeof(io_out));
	m[sizeof(io_out)] = 0;
	run_parse(&mk_proto_cip, NULL, m, sizeof(m), MK_DIR_TO_SERVER, &r2, NULL);
	rec_expect(&r2, want);
	/* An address item of the wrong type. */
	memcpy(m, io_out, sizeof(io_out));
	m[2] = 0x00;
	m[3] = 0x00;
	run_parse(&mk_proto_cip, NULL, m, sizeof(io_out), MK_DIR_TO_SERVER, &r3, NULL);
	rec_expect(&r3, want);
}

static void test_every_truncation(void **unused)
{
	const struct {
		const uint8_t *b;
		size_t n;
	} v[] = {{io_out, sizeof(io_out)}, {io_in, sizeof(io_in)}};

	(void)unused;
	for (size_t i = 0; i < 2; i++) {
		struct rec all = {0};

		run_parse(&mk_proto_cip, NULL, v[i].b, v[i].n, MK_DIR_TO_SERVER, &all, NULL);
		for (size_t cut = 0; cut < v[i].n; cut++) {
			struct rec part = {0};

			run_parse(&mk_proto_cip, NULL, v[i].b, cut, MK_DIR_TO_SERVER, &part, NULL);
			rec_subset(&part, &all, cut);
			/* A cut datagram is never counted as I/O. */
			assert_false(rec_has(&part, "operation write io"));
		}
	}
}

static int probe(const uint8_t *b, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int v;

	assert_non_null(copy);
	memcpy(copy, b, n);
	mk_rd_init(&rd, copy, n);
	v = mk_proto_cip.probe(&rd, MK_DIR_TO_SERVER);
	assert_int_equal(mk_rd_left(&rd), n);
	free(copy);
	return v;
}

static void test_probe(void **unused)
{
	uint8_t m[sizeof(io_out)];
	static const uint8_t connected[] = {
		0x02, 0x00, 0xa1, 0x00, 0x04, 0x00, 0x44, 0x33, 0x22, 0x11, /* connected address */
		0xb1, 0x00, 0x02, 0x00, 0x05, 0x00,                         /* data: sequence only */
	};

	(void)unused;
	assert_int_equal(probe(io_out, sizeof(io_out)), MK_PROBE_SURE);
	assert_int_equal(probe(io_in, sizeof(io_in)), MK_PROBE_SURE);
	assert_int_equal(probe(connected, sizeof(connected)), MK_PROBE_MAYBE);
	assert_int_equal(probe(io_out, sizeof(io_out) - 1), MK_PROBE_NO);
	memcpy(m, io_out, sizeof(m));
	m[0] = 0x07; /* too many items */
	assert_int_equal(probe(m, sizeof(m)), MK_PROBE_NO);
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_int_equal(mk_proto_cip.abi, MK_PROTO_ABI);
	assert_string_equal(mk_proto_cip.name, "cip");
	assert_int_equal(mk_proto_cip.id, MK_PROTO_CIP);
	assert_int_equal(mk_proto_cip.transports, MK_TRANSPORT_UDP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

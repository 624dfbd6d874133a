/* test_proto_goose.c - unit tests of the IEC 61850 GOOSE plug-in
 * (src/proto/goose/goose.c).
 *
 * Vectors are frame payloads after EtherType 0x88b8 from
 * ../shared/captures/iec61850/ (file and frame at each; reference:
 * `tshark -r FILE -O goose -Y frame.number==N`).  Each is checked for its
 * exact facts and at every truncation length.
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

extern const struct mk_proto mk_proto_goose;
#define P (&mk_proto_goose)

/* IEC61850__GOOSE__GOOSE.pcap frame 1: GE F650 (00:a0:f4:08:2f:77), APPID 0x0001, stNum 1 sqNum 10
 * (payload after EtherType 0x88b8) */
static const uint8_t ge_f650[] = {
    0x00, 0x01, 0x00, 0x91, 0x00, 0x00, 0x00, 0x00, 0x61, 0x81, 0x86, 0x80, 0x1a, 0x47, 0x45,
    0x44, 0x65, 0x76, 0x69, 0x63, 0x65, 0x46, 0x36, 0x35, 0x30, 0x2f, 0x4c, 0x4c, 0x4e, 0x30,
    0x24, 0x47, 0x4f, 0x24, 0x67, 0x63, 0x62, 0x30, 0x31, 0x81, 0x03, 0x00, 0x9c, 0x40, 0x82,
    0x18, 0x47, 0x45, 0x44, 0x65, 0x76, 0x69, 0x63, 0x65, 0x46, 0x36, 0x35, 0x30, 0x2f, 0x4c,
    0x4c, 0x4e, 0x30, 0x24, 0x47, 0x4f, 0x4f, 0x53, 0x45, 0x31, 0x83, 0x0b, 0x46, 0x36, 0x35,
    0x30, 0x5f, 0x47, 0x4f, 0x4f, 0x53, 0x45, 0x31, 0x84, 0x08, 0x38, 0x6e, 0xbb, 0xf3, 0x42,
    0x17, 0x28, 0x0a, 0x85, 0x01, 0x01, 0x86, 0x01, 0x0a, 0x87, 0x01, 0x00, 0x88, 0x01, 0x01,
    0x89, 0x01, 0x00, 0x8a, 0x01, 0x08, 0xab, 0x20, 0x83, 0x01, 0x00, 0x84, 0x03, 0x03, 0x00,
    0x00, 0x83, 0x01, 0x00, 0x84, 0x03, 0x03, 0x00, 0x00, 0x83, 0x01, 0x00, 0x84, 0x03, 0x03,
    0x00, 0x00, 0x83, 0x01, 0x00, 0x84, 0x03, 0x03, 0x00, 0x00,
};
/* IEC61850__Sample_File_MMS_and_GOOSE.pcap frame 119: 00:00:23:06:30:fe, APPID 0x3001, VLAN-tagged,
 * stNum 5867 sqNum 0 (payload after EtherType 0x88b8) */
static const uint8_t abb_interlock[] = {
    0x30, 0x01, 0x00, 0xe2, 0x00, 0x00, 0x00, 0x00, 0x61, 0x81, 0xd7, 0x80, 0x1b, 0x41, 0x41, 0x31,
    0x43, 0x31, 0x51, 0x30, 0x31, 0x41, 0x31, 0x4c, 0x44, 0x30, 0x2f, 0x4c, 0x4c, 0x4e, 0x30, 0x24,
    0x47, 0x4f, 0x24, 0x67, 0x63, 0x62, 0x5f, 0x41, 0x81, 0x02, 0x2a, 0xf8, 0x82, 0x20, 0x41, 0x41,
    0x31, 0x43, 0x31, 0x51, 0x30, 0x31, 0x41, 0x31, 0x4c, 0x44, 0x30, 0x2f, 0x4c, 0x4c, 0x4e, 0x30,
    0x24, 0x49, 0x6e, 0x74, 0x65, 0x72, 0x6c, 0x6f, 0x63, 0x6b, 0x69, 0x6e, 0x67, 0x41, 0x83, 0x0d,
    0x49, 0x6e, 0x74, 0x65, 0x72, 0x6c, 0x6f, 0x63, 0x6b, 0x69, 0x6e, 0x67, 0x41, 0x84, 0x08, 0x48,
    0x80, 0x8d, 0xd4, 0x26, 0x24, 0xde, 0x0a, 0x85, 0x02, 0x16, 0xeb, 0x86, 0x01, 0x00, 0x87, 0x01,
    0x00, 0x88, 0x01, 0x01, 0x89, 0x01, 0x00, 0x8a, 0x01, 0x19, 0xab, 0x66, 0x83, 0x01, 0x01, 0x83,
    0x01, 0x00, 0x83, 0x01, 0x00, 0x83, 0x01, 0x00, 0x83, 0x01, 0x00, 0x83, 0x01, 0x00, 0x83, 0x01,
    0x00, 0x84, 0x02, 0x06, 0x80, 0x84, 0x03, 0x03, 0x00, 0x00, 0x84, 0x02, 0x06, 0x80, 0x84, 0x03,
    0x03, 0x00, 0x00, 0x84, 0x02, 0x06, 0x80, 0x84, 0x03, 0x03, 0x00, 0x00, 0x84, 0x02, 0x06, 0x80,
    0x84, 0x03, 0x03, 0x00, 0x00, 0x84, 0x02, 0x06, 0x40, 0x84, 0x03, 0x03, 0x00, 0x00, 0x84, 0x02,
    0x06, 0x80, 0x84, 0x03, 0x03, 0x00, 0x00, 0x84, 0x02, 0x06, 0x40, 0x84, 0x03, 0x03, 0x00, 0x00,
    0x84, 0x02, 0x06, 0x40, 0x84, 0x03, 0x03, 0x00, 0x00, 0x84, 0x02, 0x06, 0x40, 0x84, 0x03, 0x03,
    0x00, 0x00,
};

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

#define F650_ATTRS                                                                                 \
	"attr sender goose_appid=0x0001", "attr sender goose_gocbref=GEDeviceF650/LLN0$GO$gcb01",  \
	    "attr sender goose_datset=GEDeviceF650/LLN0$GOOSE1",                                   \
	    "attr sender goose_goid=F650_GOOSE1"

static void test_frames(void **s)
{
	(void)s;
	check_dgram(
	    ge_f650, sizeof(ge_f650), MK_DIR_TO_SERVER,
	    (const char *const[]){F650_ATTRS, "operation other publish stNum=1 sqNum=10", NULL});
	check_dgram(
	    abb_interlock, sizeof(abb_interlock), MK_DIR_TO_SERVER,
	    (const char *const[]){"attr sender goose_appid=0x3001",
	                          "attr sender goose_gocbref=AA1C1Q01A1LD0/LLN0$GO$gcb_A",
	                          "attr sender goose_datset=AA1C1Q01A1LD0/LLN0$InterlockingA",
	                          "attr sender goose_goid=InterlockingA",
	                          "operation other publish stNum=5867 sqNum=0", NULL});
}

/* Attributes once per flow; every frame is an operation. */
static void test_flow_state(void **s)
{
	static struct rec r;
	void *state = calloc(1, P->state_size);
	struct mk_emit out = {.sink = rec_sink, .ctx = &r, .proto = P->id};
	size_t consumed;

	(void)s;
	assert_non_null(state);
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 2; i++) {
		struct mk_rd rd;

		mk_rd_init(&rd, ge_f650, sizeof(ge_f650));
		assert_int_equal(P->parse(state, &rd, MK_DIR_TO_SERVER, &consumed, &out), MK_V_OK);
	}
	rec_expect(&r, (const char *const[]){F650_ATTRS, "operation other publish stNum=1 sqNum=10",
	                                     "operation other publish stNum=1 sqNum=10", NULL});
	free(state);
}

static void test_malformed(void **s)
{
	uint8_t m[sizeof(ge_f650)];

	(void)s;
	/* Length field larger than the frame (8-1 C.2). */
	memcpy(m, ge_f650, sizeof(m));
	m[3] = 0xff;
	check_dgram(m, sizeof(m), MK_DIR_TO_SERVER,
	            (const char *const[]){"anomaly goose_bad_pdu", NULL});
	/* APDU tag not [APPLICATION 1]. */
	memcpy(m, ge_f650, sizeof(m));
	m[8] = 0x62;
	check_dgram(m, sizeof(m), MK_DIR_TO_SERVER,
	            (const char *const[]){"anomaly goose_bad_pdu", NULL});
	/* The test flag set (tag 0x87 at offset 99: 87 01 00 -> 87 01 01). */
	memcpy(m, ge_f650, sizeof(m));
	assert_int_equal(m[99], 0x87);
	m[101] = 0x01;
	check_dgram(m, sizeof(m), MK_DIR_TO_SERVER,
	            (const char *const[]){F650_ATTRS, "anomaly goose_test_mode",
	                                  "operation other publish stNum=1 sqNum=10", NULL});
	/* Reserved 1 simulation bit (8-1 Ed. 2 C.2.3.1). */
	memcpy(m, ge_f650, sizeof(m));
	m[4] = 0x80;
	check_dgram(m, sizeof(m), MK_DIR_TO_SERVER,
	            (const char *const[]){F650_ATTRS, "anomaly goose_test_mode",
	                                  "operation other publish stNum=1 sqNum=10", NULL});
	/* A field with a 3-byte BER length. */
	memcpy(m, ge_f650, sizeof(m));
	m[12] = 0x83;
	check_dgram(m, sizeof(m), MK_DIR_TO_SERVER,
	            (const char *const[]){"anomaly goose_bad_pdu", NULL});
}

static void test_probe(void **s)
{
	struct mk_rd rd;
	uint8_t m[sizeof(ge_f650)];

	(void)s;
	mk_rd_init(&rd, ge_f650, sizeof(ge_f650));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, abb_interlock, sizeof(abb_interlock));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	memcpy(m, ge_f650, sizeof(m));
	m[8] = 0x30;
	mk_rd_init(&rd, m, sizeof(m));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, ge_f650, 7);
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frames),
	    cmocka_unit_test(test_flow_state),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_iec61850_mms.c - unit tests of the IEC 61850 MMS plug-in
 * (src/proto/iec61850_mms/iec61850_mms.c).
 *
 * Vectors are TCP payloads from
 * ../shared/captures/iec61850/IEC61850__Sample_File_MMS_and_GOOSE.pcap (frame at
 * each; reference: `tshark -r FILE -O tpkt,cotp,ses,pres,mms -Y frame.number==N`),
 * and MMS PDUs wrapped by mms_wrap() in the layers of the captured DT SPDUs
 * where the capture has no example (ISO 9506-2 clause 7 and 10.3 cited at each).
 * Every vector is checked for its exact facts, every truncation length and
 * every split into two stream pieces.
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

extern const struct mk_proto mk_proto_iec61850_mms;
#define P (&mk_proto_iec61850_mms)

/* IEC61850__Sample_File_MMS_and_GOOSE.pcap frame 3: DT SPDU from the IED 172.16.201.2:102 carrying
 * an unconfirmed information report (mid-session) */
static const uint8_t report[] = {
    0x03, 0x00, 0x00, 0xb3, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x81, 0xa5, 0x30,
    0x81, 0xa2, 0x02, 0x01, 0x03, 0xa0, 0x81, 0x9c, 0xa3, 0x81, 0x99, 0xa0, 0x81, 0x96, 0xa1,
    0x05, 0x80, 0x03, 0x52, 0x50, 0x54, 0xa0, 0x81, 0x8c, 0x8a, 0x1a, 0x41, 0x41, 0x31, 0x43,
    0x31, 0x51, 0x30, 0x31, 0x41, 0x31, 0x4c, 0x44, 0x30, 0x2f, 0x4c, 0x4c, 0x4e, 0x30, 0x24,
    0x72, 0x63, 0x62, 0x5f, 0x49, 0x30, 0x32, 0x84, 0x03, 0x06, 0x50, 0x00, 0x86, 0x01, 0x39,
    0x84, 0x03, 0x05, 0x01, 0x00, 0xa2, 0x5d, 0xa2, 0x1d, 0xa2, 0x09, 0xa2, 0x07, 0x87, 0x05,
    0x08, 0x3e, 0x5a, 0x95, 0xfc, 0x85, 0x01, 0x01, 0x84, 0x03, 0x03, 0x00, 0x00, 0x91, 0x08,
    0x48, 0x80, 0x8d, 0xc9, 0x8a, 0x7e, 0xfa, 0x0a, 0xa2, 0x1d, 0xa2, 0x09, 0xa2, 0x07, 0x87,
    0x05, 0x08, 0x3d, 0xfe, 0x7e, 0x22, 0x85, 0x01, 0x01, 0x84, 0x03, 0x03, 0x00, 0x00, 0x91,
    0x08, 0x48, 0x80, 0x8d, 0xc4, 0xa3, 0x53, 0xf8, 0x0a, 0xa2, 0x1d, 0xa2, 0x09, 0xa2, 0x07,
    0x87, 0x05, 0x08, 0x3e, 0x5b, 0xee, 0xd4, 0x85, 0x01, 0x00, 0x84, 0x03, 0x03, 0x00, 0x00,
    0x91, 0x08, 0x48, 0x80, 0x8d, 0xce, 0xa4, 0x9b, 0xa6, 0x0a, 0x84, 0x02, 0x02, 0x40,
};
/* IEC61850__Sample_File_MMS_and_GOOSE.pcap frame 107: COTP CR from 172.16.0.101:1345 to
 * 172.16.202.5:102, TSAPs 0001/0001 */
static const uint8_t cr[] = {
    0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x07, 0x78, 0x00,
    0xc1, 0x02, 0x00, 0x01, 0xc2, 0x02, 0x00, 0x01, 0xc0, 0x01, 0x0d,
};
/* IEC61850__Sample_File_MMS_and_GOOSE.pcap frame 110: session CONNECT carrying presentation CP,
 * ACSE AARQ and MMS initiate-RequestPDU */
static const uint8_t initiate_req[] = {
    0x03, 0x00, 0x00, 0xa7, 0x02, 0xf0, 0x80, 0x0d, 0x9e, 0x05, 0x06, 0x13, 0x01, 0x00, 0x16, 0x01,
    0x02, 0x14, 0x02, 0x00, 0x02, 0x33, 0x02, 0x00, 0x01, 0x34, 0x02, 0x00, 0x01, 0xc1, 0x88, 0x31,
    0x81, 0x85, 0xa0, 0x03, 0x80, 0x01, 0x01, 0xa2, 0x7e, 0x81, 0x04, 0x00, 0x00, 0x00, 0x01, 0x82,
    0x04, 0x00, 0x00, 0x00, 0x01, 0xa4, 0x23, 0x30, 0x0f, 0x02, 0x01, 0x01, 0x06, 0x04, 0x52, 0x01,
    0x00, 0x01, 0x30, 0x04, 0x06, 0x02, 0x51, 0x01, 0x30, 0x10, 0x02, 0x01, 0x03, 0x06, 0x05, 0x28,
    0xca, 0x22, 0x02, 0x01, 0x30, 0x04, 0x06, 0x02, 0x51, 0x01, 0x88, 0x02, 0x06, 0x00, 0x61, 0x47,
    0x30, 0x45, 0x02, 0x01, 0x01, 0xa0, 0x40, 0x60, 0x3e, 0x80, 0x02, 0x07, 0x80, 0xa1, 0x07, 0x06,
    0x05, 0x28, 0xca, 0x22, 0x02, 0x03, 0xbe, 0x2f, 0x28, 0x2d, 0x02, 0x01, 0x03, 0xa0, 0x28, 0xa8,
    0x26, 0x80, 0x03, 0x00, 0xfa, 0x00, 0x81, 0x01, 0x0a, 0x82, 0x01, 0x0a, 0x83, 0x01, 0x05, 0xa4,
    0x16, 0x80, 0x01, 0x01, 0x81, 0x03, 0x05, 0xe1, 0x00, 0x82, 0x0c, 0x03, 0xa0, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xe1, 0x10,
};
/* IEC61850__Sample_File_MMS_and_GOOSE.pcap frame 111: session ACCEPT with MMS initiate-ResponsePDU
 */
static const uint8_t initiate_rsp[] = {
    0x03, 0x00, 0x00, 0x92, 0x02, 0xf0, 0x80, 0x0e, 0x89, 0x05, 0x06, 0x13, 0x01, 0x00, 0x16,
    0x01, 0x02, 0x14, 0x02, 0x00, 0x02, 0xc1, 0x7b, 0x31, 0x79, 0xa0, 0x03, 0x80, 0x01, 0x01,
    0xa2, 0x72, 0x83, 0x04, 0x00, 0x00, 0x00, 0x01, 0xa5, 0x12, 0x30, 0x07, 0x80, 0x01, 0x00,
    0x81, 0x02, 0x51, 0x01, 0x30, 0x07, 0x80, 0x01, 0x00, 0x81, 0x02, 0x51, 0x01, 0x88, 0x02,
    0x06, 0x00, 0x61, 0x52, 0x30, 0x50, 0x02, 0x01, 0x01, 0xa0, 0x4b, 0x61, 0x49, 0x80, 0x02,
    0x07, 0x80, 0xa1, 0x07, 0x06, 0x05, 0x28, 0xca, 0x22, 0x02, 0x03, 0xa2, 0x03, 0x02, 0x01,
    0x00, 0xa3, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x00, 0xbe, 0x2e, 0x28, 0x2c, 0x02, 0x01, 0x03,
    0xa0, 0x27, 0xa9, 0x25, 0x80, 0x02, 0x7d, 0x00, 0x81, 0x01, 0x0a, 0x82, 0x01, 0x08, 0x83,
    0x01, 0x05, 0xa4, 0x16, 0x80, 0x01, 0x01, 0x81, 0x03, 0x05, 0xe1, 0x00, 0x82, 0x0c, 0x03,
    0xee, 0x08, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0xed, 0x18,
};
/* IEC61850__Sample_File_MMS_and_GOOSE.pcap frame 124: confirmed-RequestPDU
 * getVariableAccessAttributes (invokeID 303731) */
static const uint8_t gvaa_req[] = {
    0x03, 0x00, 0x00, 0x42, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x35, 0x30,
    0x33, 0x02, 0x01, 0x03, 0xa0, 0x2e, 0xa0, 0x2c, 0x02, 0x03, 0x04, 0xa2, 0x73, 0xa6,
    0x25, 0xa0, 0x23, 0xa1, 0x21, 0x1a, 0x0e, 0x41, 0x41, 0x31, 0x45, 0x31, 0x51, 0x30,
    0x31, 0x46, 0x50, 0x32, 0x4c, 0x44, 0x30, 0x1a, 0x0f, 0x4c, 0x4c, 0x4e, 0x30, 0x24,
    0x42, 0x52, 0x24, 0x72, 0x63, 0x62, 0x5f, 0x42, 0x30, 0x32,
};
/* IEC61850__Sample_File_MMS_and_GOOSE.pcap frame 126: confirmed-ErrorPDU */
static const uint8_t conf_err[] = {
    0x03, 0x00, 0x00, 0x22, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61,
    0x15, 0x30, 0x13, 0x02, 0x01, 0x03, 0xa0, 0x0e, 0xa2, 0x0c, 0x80, 0x03,
    0x04, 0xa2, 0x73, 0xa2, 0x05, 0xa0, 0x03, 0x87, 0x01, 0x02,
};
/* IEC61850__Sample_File_MMS_and_GOOSE.pcap frame 128: confirmed-RequestPDU read
 * AA1E1Q01FP2LD0/LLN0$BR$rcb_B02 */
static const uint8_t read_req[] = {
    0x03, 0x00, 0x00, 0x48, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x3b, 0x30, 0x39,
    0x02, 0x01, 0x03, 0xa0, 0x34, 0xa0, 0x32, 0x02, 0x03, 0x04, 0xa2, 0x74, 0xa4, 0x2b, 0xa1,
    0x29, 0xa0, 0x27, 0x30, 0x25, 0xa0, 0x23, 0xa1, 0x21, 0x1a, 0x0e, 0x41, 0x41, 0x31, 0x45,
    0x31, 0x51, 0x30, 0x31, 0x46, 0x50, 0x32, 0x4c, 0x44, 0x30, 0x1a, 0x0f, 0x4c, 0x4c, 0x4e,
    0x30, 0x24, 0x42, 0x52, 0x24, 0x72, 0x63, 0x62, 0x5f, 0x42, 0x30, 0x32,
};
/* IEC61850__Sample_File_MMS_and_GOOSE.pcap frame 129: confirmed-ResponsePDU read */
static const uint8_t read_rsp[] = {
    0x03, 0x00, 0x00, 0x22, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61,
    0x15, 0x30, 0x13, 0x02, 0x01, 0x03, 0xa0, 0x0e, 0xa1, 0x0c, 0x02, 0x03,
    0x04, 0xa2, 0x74, 0xa4, 0x05, 0xa1, 0x03, 0x80, 0x01, 0x0a,
};
/* IEC61850__Sample_File_MMS_and_GOOSE.pcap frame 136: conclude-RequestPDU */
static const uint8_t conclude_req[] = {
    0x03, 0x00, 0x00, 0x16, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00,
    0x61, 0x09, 0x30, 0x07, 0x02, 0x01, 0x03, 0xa0, 0x02, 0x8b, 0x00,
};
/* IEC61850__Sample_File_MMS_and_GOOSE.pcap frame 139: session FINISH (ACSE release request) */
static const uint8_t release_req[] = {
    0x03, 0x00, 0x00, 0x19, 0x02, 0xf0, 0x80, 0x09, 0x10, 0xc1, 0x0e, 0x61, 0x0c,
    0x30, 0x0a, 0x02, 0x01, 0x01, 0xa0, 0x05, 0x62, 0x03, 0x80, 0x01, 0x01,
};
/* ---- a stand-in for the engine: pieces of a stream sharing one state ---- */

struct piece {
	enum mk_dir dir;
	const uint8_t *p;
	size_t n;
};

static void check_declared(const struct rec *r, int first)
{
	for (int i = first; i < r->n; i++) {
		bool listed = false;

		if (strncmp(r->line[i], "anomaly ", 8) != 0)
			continue;
		for (size_t e = 0; P->events[e] != NULL; e++)
			listed |= strcmp(P->events[e], r->line[i] + 8) == 0;
		if (!listed)
			fail_msg("undeclared event: %s", r->line[i]);
	}
}

/* Feeds the pieces in order to one fresh state the way the engine does: what
 * parse() leaves unconsumed in a direction is offered again in front of that
 * direction's next piece; every call gets an exact-size heap copy. */
static void run_pieces(const struct piece *pc, size_t npc, struct rec *r)
{
	void *state = calloc(1, P->state_size);
	uint8_t *pend[2] = {NULL, NULL};
	size_t plen[2] = {0, 0};

	assert_non_null(state);
	for (size_t i = 0; i < npc; i++) {
		unsigned d = pc[i].dir == MK_DIR_TO_CLIENT ? 1 : 0;
		size_t total = plen[d] + pc[i].n, off = 0;
		uint8_t *buf = malloc(total > 0 ? total : 1);

		assert_non_null(buf);
		if (plen[d] > 0)
			memcpy(buf, pend[d], plen[d]);
		if (pc[i].n > 0)
			memcpy(buf + plen[d], pc[i].p, pc[i].n);
		free(pend[d]);
		pend[d] = NULL;
		plen[d] = 0;
		for (int round = 0; off < total && round < 1000; round++) {
			size_t left = total - off, consumed = 0;
			uint8_t *copy = malloc(left);
			struct mk_emit out = {
			    .sink = rec_sink, .ctx = r, .dir = (int)pc[i].dir, .proto = P->id};
			struct mk_rd rd;
			enum mk_verdict v;
			int first = r->n;

			assert_non_null(copy);
			memcpy(copy, buf + off, left);
			mk_rd_init(&rd, copy, left);
			v = P->parse(state, &rd, pc[i].dir, &consumed, &out);
			free(copy);
			check_declared(r, first);
			assert_true(consumed <= left);
			assert_true(v == MK_V_OK || v == MK_V_NEED);
			off += consumed;
			if (v == MK_V_NEED || consumed == 0)
				break;
		}
		if (off < total) {
			assert_true(total - off <= P->max_buffer);
			plen[d] = total - off;
			pend[d] = malloc(plen[d]);
			assert_non_null(pend[d]);
			memcpy(pend[d], buf + off, plen[d]);
		}
		free(buf);
	}
	free(pend[0]);
	free(pend[1]);
	free(state);
}

static void run_one(const uint8_t *m, size_t n, enum mk_dir dir, struct rec *r)
{
	struct piece pc = {dir, m, n};

	memset(r, 0, sizeof(*r));
	run_pieces(&pc, 1, r);
}

/* Exact facts of the whole message; the same facts when it arrives in two
 * pieces split at every byte; a subset at every truncation. */
static void check_msg(const uint8_t *m, size_t n, enum mk_dir dir, const char *const *exp)
{
	static struct rec all, part;

	run_one(m, n, dir, &all);
	rec_expect(&all, exp);
	for (size_t cut = 0; cut < n; cut++) {
		struct piece pc[2] = {{dir, m, cut}, {dir, m + cut, n - cut}};

		memset(&part, 0, sizeof(part));
		run_pieces(pc, 2, &part);
		rec_expect(&part, exp);
		run_one(m, cut, dir, &part);
		rec_subset(&part, &all, cut);
	}
}

/* Wraps an MMS PDU as frames 124/128 do: TPKT, COTP DT (EOT), session GIVE
 * TOKENS + DATA TRANSFER (01 00 01 00), presentation User-data 0x61, PDV-list,
 * presentation-context-id 3, single-ASN1-type [0] (ISO 8823-1 8.2). */
static size_t mms_wrap(uint8_t *m, size_t cap, const uint8_t *pdu, size_t n)
{
	size_t len = 4 + 3 + 4 + 2 + 2 + 3 + 2 + n;

	assert_true(n < 100 && len <= cap);
	m[0] = 3;
	m[1] = 0;
	m[2] = (uint8_t)(len >> 8);
	m[3] = (uint8_t)len;
	memcpy(m + 4, "\x02\xf0\x80\x01\x00\x01\x00", 7);
	m[11] = 0x61;
	m[12] = (uint8_t)(2 + 3 + 2 + n);
	m[13] = 0x30;
	m[14] = (uint8_t)(3 + 2 + n);
	memcpy(m + 15, "\x02\x01\x03", 3);
	m[18] = 0xa0;
	m[19] = (uint8_t)n;
	memcpy(m + 20, pdu, n);
	return len;
}

static void test_capture_messages(void **s)
{
	(void)s;
	check_msg(initiate_req, sizeof(initiate_req), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation other initiate", NULL});
	check_msg(initiate_rsp, sizeof(initiate_rsp), MK_DIR_TO_CLIENT,
	          (const char *const[]){NULL});
	check_msg(cr, sizeof(cr), MK_DIR_TO_SERVER, (const char *const[]){NULL});
	check_msg(gvaa_req, sizeof(gvaa_req), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation read getVariableAccessAttributes", NULL});
	check_msg(conf_err, sizeof(conf_err), MK_DIR_TO_CLIENT, (const char *const[]){NULL});
	check_msg(read_req, sizeof(read_req), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation read read", NULL});
	check_msg(read_rsp, sizeof(read_rsp), MK_DIR_TO_CLIENT, (const char *const[]){NULL});
	check_msg(conclude_req, sizeof(conclude_req), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation other conclude", NULL});
	check_msg(release_req, sizeof(release_req), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation other release", NULL});
	check_msg(report, sizeof(report), MK_DIR_TO_CLIENT, (const char *const[]){NULL});
}

static void test_built_services(void **s)
{
	static const struct {
		uint8_t pdu[16];
		size_t n;
		const char *line;
	} t[] = {
	    /* confirmed-RequestPDU [0] { invokeID 1, service } (ISO 9506-2 7.2.1, 7.4) */
	    {{0xa0, 0x05, 0x02, 0x01, 0x01, 0x82, 0x00}, 7, "operation diagnostic identify"},
	    {{0xa0, 0x07, 0x02, 0x01, 0x01, 0xa5, 0x02, 0xa0, 0x00}, 9, "operation write write"},
	    {{0xa0, 0x07, 0x02, 0x01, 0x01, 0xa1, 0x02, 0xa0, 0x00},
	     9,
	     "operation read getNameList"},
	    /* fileOpen [72]: high-tag form 0xbf 0x48 */
	    {{0xa0, 0x08, 0x02, 0x01, 0x01, 0xbf, 0x48, 0x02, 0xa0, 0x00},
	     10,
	     "operation read fileOpen"},
	    /* stop [41] (program invocation): 0xbf 0x29 */
	    {{0xa0, 0x07, 0x02, 0x01, 0x01, 0xbf, 0x29, 0x00}, 8, "operation control stop"},
	    /* a service number the table does not name: [99] */
	    {{0xa0, 0x07, 0x02, 0x01, 0x01, 0xbf, 0x63, 0x00}, 8, "operation other service=99"},
	};
	uint8_t m[128];

	(void)s;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = mms_wrap(m, sizeof(m), t[i].pdu, t[i].n);
		check_msg(m, n, MK_DIR_TO_SERVER, (const char *const[]){t[i].line, NULL});
	}
}

/* Identify-Response (ISO 9506-2 10.3.1.2): vendorName [0], modelName [1], revision [2]. */
static void test_identify_response(void **s)
{
	static const uint8_t pdu[] = {
	    0xa1, 0x15, 0x02, 0x01, 0x01, 0xa2, 0x10, 0x80, 0x03, 'A',  'B', 'B',
	    0x81, 0x06, 'R',  'E',  'F',  '6',  '1',  '5',  0x82, 0x01, '5',
	};
	uint8_t m[128];
	size_t n = mms_wrap(m, sizeof(m), pdu, sizeof(pdu));

	(void)s;
	check_msg(
	    m, n, MK_DIR_TO_CLIENT,
	    (const char *const[]){
	        "identity sender vendor=ABB product=- model=REF615 firmware=5 serial=-", NULL});
}

static void test_malformed(void **s)
{
	static struct rec r;
	uint8_t m[sizeof(read_req)];
	size_t consumed = 0;

	(void)s;
	/* Not a TPKT: the stream is given up. */
	memcpy(m, read_req, sizeof(m));
	m[0] = 4;
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, NULL, m, sizeof(m), MK_DIR_TO_SERVER, &r, &consumed),
	                 MK_V_INVALID);
	rec_expect(&r, (const char *const[]){"anomaly iec61850_mms_bad_tpkt", NULL});
	/* An unknown SPDU code. */
	memcpy(m, read_req, sizeof(m));
	m[7] = 0x77;
	check_msg(m, sizeof(m), MK_DIR_TO_SERVER,
	          (const char *const[]){"anomaly iec61850_mms_bad_pdu", NULL});
	/* Presentation tag not User-data. */
	memcpy(m, read_req, sizeof(m));
	m[11] = 0x62;
	check_msg(m, sizeof(m), MK_DIR_TO_SERVER,
	          (const char *const[]){"anomaly iec61850_mms_bad_pdu", NULL});
	/* A BER length form MMS never uses (0x84). */
	memcpy(m, read_req, sizeof(m));
	m[12] = 0x85;
	check_msg(m, sizeof(m), MK_DIR_TO_SERVER,
	          (const char *const[]){"anomaly iec61850_mms_bad_pdu", NULL});
	/* A COTP LI larger than the TPKT. */
	memcpy(m, read_req, sizeof(m));
	m[4] = 0x60;
	check_msg(m, sizeof(m), MK_DIR_TO_SERVER,
	          (const char *const[]){"anomaly iec61850_mms_bad_pdu", NULL});
}

/* Two TPKTs in one segment, and a PDU split over two DTs (only the first is read). */
static void test_stream(void **s)
{
	static uint8_t m[sizeof(gvaa_req) + sizeof(read_req)];
	uint8_t seg[sizeof(read_req) + 7];

	(void)s;
	memcpy(m, gvaa_req, sizeof(gvaa_req));
	memcpy(m + sizeof(gvaa_req), read_req, sizeof(read_req));
	check_msg(m, sizeof(m), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation read getVariableAccessAttributes",
	                                "operation read read", NULL});
	/* read_req cut after 40 bytes with the EOT bit cleared, then a DT
	 * continuation of 0 user bytes with EOT: one operation. */
	memcpy(seg, read_req, 40);
	seg[3] = 40;
	seg[6] = 0x00;
	memcpy(seg + 40, "\x03\x00\x00\x07\x02\xf0\x80", 7);
	check_msg(seg, 47, MK_DIR_TO_SERVER, (const char *const[]){"operation read read", NULL});
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

static void test_probe(void **s)
{
	/* S7comm job over the same TPKT/COTP (captures/s7comm style; RFC 1006 + 0x32 header) */
	static const uint8_t s7[] = {0x03, 0x00, 0x00, 0x19, 0x02, 0xf0, 0x80, 0x32, 0x01,
	                             0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0xf0,
	                             0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xe0};
	/* S7comm-plus: 0x72 after the DT header */
	static const uint8_t s7p[] = {0x03, 0x00, 0x00, 0x0b, 0x02, 0xf0,
	                              0x80, 0x72, 0x01, 0x00, 0x00};

	(void)s;
	assert_int_equal(probe(read_req, sizeof(read_req)), MK_PROBE_SURE);
	assert_int_equal(probe(report, sizeof(report)), MK_PROBE_SURE);
	assert_int_equal(probe(initiate_req, sizeof(initiate_req)), MK_PROBE_SURE);
	assert_int_equal(probe(initiate_rsp, sizeof(initiate_rsp)), MK_PROBE_SURE);
	assert_int_equal(probe(cr, sizeof(cr)), MK_PROBE_NO);
	assert_int_equal(probe(s7, sizeof(s7)), MK_PROBE_NO);
	assert_int_equal(probe(s7p, sizeof(s7p)), MK_PROBE_NO);
	assert_int_equal(probe(release_req, sizeof(release_req)), MK_PROBE_NO);
	assert_int_equal(probe(read_req, 10), MK_PROBE_NO);
	assert_int_equal(probe(NULL, 0), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capture_messages),
	    cmocka_unit_test(test_built_services),
	    cmocka_unit_test(test_identify_response),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_stream),
	    cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

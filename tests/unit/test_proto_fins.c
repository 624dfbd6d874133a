/* test_proto_fins.c - unit tests of the Omron FINS plug-in (src/proto/fins/fins.c).
 *
 * Vectors (UDP: the datagram payload; TCP: the stream bytes of one direction):
 *   otest_*      ../shared/captures/fins/omron__omron_test.pcap: frames 6-9 (FINS/TCP
 *                node address exchange and CONTROLLER DATA READ of a CP1L-EL20DR-D)
 *                and frames 17-18 (the same over UDP)
 *   omron_*      ../shared/captures/fins/omron.pcap (UDP), frame numbers in the names
 *   tcpcr_*      ../shared/captures/fins/omron_fins_tcp_commands_responses.pcap (FINS/TCP)
 *   malformed    built from those by changing the bytes noted, after W342 section 3
 *                (header fields) and W421 7-4 (FINS/TCP header)
 * Reference: `tshark -r FILE -d udp.port==9600,omron -V -Y frame.number==N`.
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

extern const struct mk_proto mk_proto_fins;

/* omron__omron_test.pcap frame 17: ICF 80, GCT 02, SA1 0x63, SID 0xef, CONTROLLER DATA READ,
 * data 00 */
static const uint8_t otest_udp_cmd[] = {
    /* ICF RSV GCT DNA DA1 DA2 SNA SA1 SA2 SID */
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x63, 0x00, 0xef,
    0x05, 0x01,                   /* 0501 CONTROLLER DATA READ */
    0x00,                         /* data 00: model, version, ... */
};
/* frame 18: the response, end code 0000, model "CP1L-EL20DR-D", version "01.00" */
static const uint8_t otest_udp_resp[] = {
    /* header (SID 0xef), 0501, end code 0000 */
    0xc0, 0x00, 0x02, 0x00, 0x63, 0x00, 0x00, 0xc8, 0x00, 0xef, 0x05, 0x01, 0x00, 0x00,
    /* model, 20 bytes: "CP1L-EL20DR-D" NUL NUL NUL and 4 spaces */
    0x43, 0x50, 0x31, 0x4c, 0x2d, 0x45, 0x4c, 0x32, 0x30, 0x44, 0x52, 0x2d, 0x44, 0x00, 0x00, 0x00,
    0x20, 0x20, 0x20, 0x20,
    /* version, 20 bytes: "01.00" NUL x5 "01.06" NUL x5 */
    0x30, 0x31, 0x2e, 0x30, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x31, 0x2e, 0x30, 0x36, 0x00,
    0x00, 0x00, 0x00, 0x00,
    /* the rest (system use, area data, ...) as captured */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x00, 0x0a, 0x17, 0x2a, 0x10, 0x08, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
};

/* omron.pcap frame 1: MEMORY AREA READ, area 00 (CV CIO bit), address cccc, bit cc, 1 item */
static const uint8_t omron_1_read[] = {
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x7a, 0x01, 0x01, 0x00, 0xcc, 0xcc, 0xcc, 0x00, 0x01,
};
/* frame 20: MEMORY AREA WRITE of the same, data "ABCDEF" */
static const uint8_t omron_20_write[] = {
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x01, 0x02,
    0x00, 0xcc, 0xcc, 0xcc, 0x00, 0x01, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46,
};
/* frame 22: MULTIPLE MEMORY AREA READ, one item: area 80 (CV CIO word), address ffff, bit ff */
static const uint8_t omron_22_multi[] = {
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x01, 0x04, 0x80, 0xff, 0xff, 0xff,
};
/* frame 24: MEMORY AREA TRANSFER 80 cccc cc -> 81 (CV TIM PV) cccd ce, 16 items */
static const uint8_t omron_24_transfer[] = {
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x01,
    0x05, 0x80, 0xcc, 0xcc, 0xcc, 0x81, 0xcc, 0xcd, 0xce, 0x00, 0x10,
};
/* frame 37: PROGRAM AREA WRITE (program number 0000, address ffffffff, 0100 bytes, "ABCD") */
static const uint8_t omron_37_progwrite[] = {
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x03, 0x07,
    0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x41, 0x42, 0x43, 0x44,
};
/* frame 43: STOP */
static const uint8_t omron_43_stop[] = {
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x04, 0x02,
};
/* frame 53: CLOCK READ */
static const uint8_t omron_53_clock[] = {
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x07, 0x01,
};
/* frame 62: ACCESS RIGHT ACQUIRE, program number 0000 */
static const uint8_t omron_62_access[] = {
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x0c, 0x01, 0x00, 0x00,
};
/* frame 87: FORCED SET/RESET, 1 bit: spec 0001 (force set), area 80, address 0000 00 */
static const uint8_t omron_87_forced[] = {
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x23,
    0x01, 0x00, 0x01, 0x80, 0x00, 0x80, 0x00, 0x00, 0x00, 0x01,
};
/* frame 117: MEMORY AREA READ response, end code 1001 (command too long) */
static const uint8_t omron_117_error[] = {
    0xc1, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x01, 0x01, 0x10, 0x01,
};
/* frame 206: CLOCK READ response, end code 0000, 09-01-20 01:02:01 day 03 */
static const uint8_t omron_206_clock_resp[] = {
    0xc1, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x07,
    0x01, 0x00, 0x00, 0x09, 0x01, 0x20, 0x01, 0x02, 0x01, 0x03,
};

/* omron__omron_test.pcap frames 6 and 8: client -> server stream */
static const uint8_t otest_tcp_to_server[] = {
    /* frame 6: "FINS", length 0000000c, command 0 (node address data send), error 0, client node 0
     */
    0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
    /* frame 8: "FINS", length 00000015, command 2 (frame send), error 0, FINS frame: 0501 data 00
     */
    0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x80, 0x00, 0x02, 0x00, 0xc8, 0x00, 0x00, 0x00, 0xef, 0x05, 0x05, 0x01, 0x00,
};
/* frames 7 and 9: server -> client stream */
static const uint8_t otest_tcp_to_client[] = {
    /* frame 7: command 1 (server to client), error 0, client node fb, server node c8 */
    0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0xfb, 0x00, 0x00, 0x00, 0xc8,
    /* frame 9: command 2, the CONTROLLER DATA READ response (SID 05) */
    0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x72, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    0xc0, 0x00, 0x02, 0x00, 0xfb, 0xef, 0x00, 0xc8, 0x00, 0x05, 0x05, 0x01, 0x00, 0x00, 0x43, 0x50,
    0x31, 0x4c, 0x2d, 0x45, 0x4c, 0x32, 0x30, 0x44, 0x52, 0x2d, 0x44, 0x00, 0x00, 0x00, 0x20, 0x20,
    0x20, 0x20, 0x30, 0x31, 0x2e, 0x30, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x31, 0x2e, 0x30,
    0x36, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* the rest as captured */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x00, 0x0a, 0x17, 0x2a, 0x10, 0x08, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
};

/* omron_fins_tcp_commands_responses.pcap frames 4, 6, 12 and 18: client -> server */
static const uint8_t tcpcr_to_server[] = {
    /* frame 4: RUN, program 0000, mode 01 */
    0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x04, 0x01, 0x00, 0x00, 0x01,
    /* frame 6: STOP */
    0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x04, 0x02,
    /* frame 12: CONTROLLER DATA READ, data 01 (area data only), SID 05 */
    0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x80, 0x00, 0x02, 0x00, 0xc8, 0x00, 0x00, 0x00, 0xef, 0x05, 0x05, 0x01, 0x01,
    /* frame 18: CLOCK WRITE 09-01-20 01:02:01 day 03 */
    0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x1b, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x07, 0x02, 0x09, 0x01, 0x20, 0x01,
    0x02, 0x01, 0x03,
};

static const char *const facts_otest_cmd[] = {"operation diagnostic controller_data_read", NULL};
static const char *const facts_otest_resp[] = {
    "role sender plc (80) answers FINS commands",
    "identity sender vendor=OMRON product=- model=CP1L-EL20DR-D firmware=01.00 serial=-",
    NULL,
};
static const char *const facts_omron_1[] = {
    "operation read memory_area_read CIO.bit 52428.204 count=1", NULL};
static const char *const facts_omron_20[] = {
    "operation write memory_area_write CIO.bit 52428.204 count=1", NULL};
static const char *const facts_omron_22[] = {"operation read multiple_memory_area_read CIO 65535",
                                             NULL};
static const char *const facts_omron_24[] = {
    "operation write memory_area_transfer CIO 52428 to TIM 52429 count=16", NULL};
static const char *const facts_omron_37[] = {
    "operation program program_area_write",
    "role sender engineering_workstation (60) sends FINS program, parameter or STOP commands",
    NULL,
};
static const char *const facts_omron_43[] = {
    "operation control stop",
    "anomaly fins_stop",
    "role sender engineering_workstation (60) sends FINS program, parameter or STOP commands",
    NULL,
};
static const char *const facts_omron_53[] = {"operation diagnostic clock_read", NULL};
static const char *const facts_omron_62[] = {"operation auth access_right_acquire", NULL};
static const char *const facts_omron_87[] = {"operation control forced_set_reset",
                                             "anomaly fins_forced_set", NULL};
static const char *const facts_omron_117[] = {"anomaly fins_error_response", NULL};
static const char *const facts_omron_206[] = {"role sender plc (80) answers FINS commands", NULL};
static const char *const facts_otest_tcp_to_server[] = {"operation diagnostic controller_data_read",
                                                        NULL};
static const char *const facts_otest_tcp_to_client[] = {
    "role sender plc (80) answers FINS commands",
    "identity sender vendor=OMRON product=- model=CP1L-EL20DR-D firmware=01.00 serial=-",
    NULL,
};
static const char *const facts_tcpcr_to_server[] = {
    "operation control run",
    "operation control stop",
    "anomaly fins_stop",
    "role sender engineering_workstation (60) sends FINS program, parameter or STOP commands",
    "operation diagnostic controller_data_read",
    "operation other clock_write",
    NULL,
};

struct vec {
	const uint8_t *msg;
	size_t len;
	const char *const *facts;
};

#define VEC(m, f)                                                                                  \
	{                                                                                          \
		m, sizeof(m), f                                                                    \
	}

static const struct vec udp_vecs[] = {
    VEC(otest_udp_cmd, facts_otest_cmd),        VEC(otest_udp_resp, facts_otest_resp),
    VEC(omron_1_read, facts_omron_1),           VEC(omron_20_write, facts_omron_20),
    VEC(omron_22_multi, facts_omron_22),        VEC(omron_24_transfer, facts_omron_24),
    VEC(omron_37_progwrite, facts_omron_37),    VEC(omron_43_stop, facts_omron_43),
    VEC(omron_53_clock, facts_omron_53),        VEC(omron_62_access, facts_omron_62),
    VEC(omron_87_forced, facts_omron_87),       VEC(omron_117_error, facts_omron_117),
    VEC(omron_206_clock_resp, facts_omron_206),
};

static const struct {
	const uint8_t *msg;
	size_t len;
	enum mk_dir dir;
	const char *const *facts;
} tcp_vecs[] = {
    {otest_tcp_to_server, sizeof(otest_tcp_to_server), MK_DIR_TO_SERVER, facts_otest_tcp_to_server},
    {otest_tcp_to_client, sizeof(otest_tcp_to_client), MK_DIR_TO_CLIENT, facts_otest_tcp_to_client},
    {tcpcr_to_server, sizeof(tcpcr_to_server), MK_DIR_TO_SERVER, facts_tcpcr_to_server},
};

/* A UDP packet for the transport switch (the parser asks out->pkt->ip_proto). */
static const struct mk_pkt udp_pkt = {.ip_proto = 17};

/* Feeds a byte stream to one parser state like the engine: unconsumed bytes
 * are offered again in front of the next chunk.  Returns the last verdict. */
static enum mk_verdict feed(void *state, uint8_t **pend, size_t *plen, const uint8_t *data,
                            size_t len, enum mk_dir dir, struct rec *r)
{
	struct mk_emit out = {
	    .sink = rec_sink, .ctx = r, .dir = (int)dir, .proto = mk_proto_fins.id};
	size_t total = *plen + len, off = 0;
	uint8_t *buf = malloc(total ? total : 1);
	enum mk_verdict v = MK_V_OK;

	assert_non_null(buf);
	if (*plen)
		memcpy(buf, *pend, *plen);
	if (len)
		memcpy(buf + *plen, data, len);
	free(*pend);
	*pend = NULL;
	*plen = 0;
	for (int round = 0; off < total && round < 1000; round++) {
		struct mk_rd rd;
		size_t consumed = 0;
		uint8_t *exact = malloc(total - off);

		assert_non_null(exact);
		memcpy(exact, buf + off, total - off); /* exact size: ASan sees over-reads */
		mk_rd_init(&rd, exact, total - off);
		v = mk_proto_fins.parse(state, &rd, dir, &consumed, &out);
		free(exact);
		assert_true(consumed <= total - off);
		if (v == MK_V_INVALID)
			break;
		off += consumed;
		if (v == MK_V_NEED || consumed == 0)
			break;
	}
	if (v != MK_V_INVALID && off < total) {
		*plen = total - off;
		*pend = malloc(*plen);
		assert_non_null(*pend);
		memcpy(*pend, buf + off, *plen);
	}
	free(buf);
	return v;
}

static void test_udp_messages(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof(udp_vecs) / sizeof(udp_vecs[0]); i++) {
		struct rec r = {0};

		assert_int_equal(run_parse(&mk_proto_fins, &udp_pkt, udp_vecs[i].msg,
		                           udp_vecs[i].len, MK_DIR_TO_SERVER, &r, NULL),
		                 MK_V_OK);
		rec_expect(&r, udp_vecs[i].facts);
	}
}

/* The same vectors without a packet (as the fuzzer runs): content decides UDP. */
static void test_udp_without_packet(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof(udp_vecs) / sizeof(udp_vecs[0]); i++) {
		struct rec r = {0};

		run_parse(&mk_proto_fins, NULL, udp_vecs[i].msg, udp_vecs[i].len, MK_DIR_TO_SERVER,
		          &r, NULL);
		rec_expect(&r, udp_vecs[i].facts);
	}
}

static void test_udp_truncation(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof(udp_vecs) / sizeof(udp_vecs[0]); i++) {
		struct rec all = {0};

		run_parse(&mk_proto_fins, &udp_pkt, udp_vecs[i].msg, udp_vecs[i].len,
		          MK_DIR_TO_SERVER, &all, NULL);
		for (size_t cut = 0; cut < udp_vecs[i].len; cut++) {
			struct rec part = {0};

			run_parse(&mk_proto_fins, &udp_pkt, udp_vecs[i].msg, cut, MK_DIR_TO_SERVER,
			          &part, NULL);
			rec_subset(&part, &all, cut);
		}
	}
}

/* Pairing by SID: the request asked for area data only, so the response names no model. */
static void test_udp_pairing(void **unused)
{
	static const uint8_t area_only[] = {
	    0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	    0x63, 0x00, 0xef, 0x05, 0x01, 0x01, /* frame 17, data 01 */
	};
	static const char *const want[] = {
	    "operation diagnostic controller_data_read",
	    "role sender plc (80) answers FINS commands",
	    NULL,
	};
	void *state = calloc(1, mk_proto_fins.state_size);
	struct rec r = {0};
	uint8_t *pend = NULL;
	size_t plen = 0;

	(void)unused;
	assert_non_null(state);
	feed(state, &pend, &plen, area_only, sizeof(area_only), MK_DIR_TO_SERVER, &r);
	free(pend), pend = NULL, plen = 0;
	feed(state, &pend, &plen, otest_udp_resp, sizeof(otest_udp_resp), MK_DIR_TO_CLIENT, &r);
	free(pend);
	rec_expect(&r, want);
	free(state);
}

static void test_tcp_streams(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof(tcp_vecs) / sizeof(tcp_vecs[0]); i++) {
		struct rec r = {0};
		size_t consumed = 0;

		assert_int_equal(run_parse(&mk_proto_fins, NULL, tcp_vecs[i].msg, tcp_vecs[i].len,
		                           tcp_vecs[i].dir, &r, &consumed),
		                 MK_V_OK);
		assert_int_equal(consumed, tcp_vecs[i].len);
		rec_expect(&r, tcp_vecs[i].facts);
	}
}

/* Every truncation gives NEED and no facts; every split in two gives the same facts. */
static void test_tcp_cuts_and_splits(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof(tcp_vecs) / sizeof(tcp_vecs[0]); i++) {
		for (size_t cut = 0; cut <= tcp_vecs[i].len; cut++) {
			struct rec part = {0}, split = {0};
			void *state = calloc(1, mk_proto_fins.state_size);
			uint8_t *pend = NULL;
			size_t plen = 0;

			assert_non_null(state);
			feed(state, &pend, &plen, tcp_vecs[i].msg, cut, tcp_vecs[i].dir, &part);
			{ /* a cut stream says only what its whole PDUs said */
				struct rec all = {0};

				run_parse(&mk_proto_fins, NULL, tcp_vecs[i].msg, tcp_vecs[i].len,
				          tcp_vecs[i].dir, &all, NULL);
				rec_subset(&part, &all, cut);
			}
			feed(state, &pend, &plen, tcp_vecs[i].msg + cut, tcp_vecs[i].len - cut,
			     tcp_vecs[i].dir, &split);
			free(pend);
			free(state);
			/* part + split is the whole stream's facts, in order */
			for (int k = 0; k < split.n; k++) {
				assert_true(part.n < REC_MAX);
				memcpy(part.line[part.n++], split.line[k], REC_LEN);
			}
			rec_expect(&part, tcp_vecs[i].facts);
		}
	}
}

static void expect_one(const uint8_t *msg, size_t len, const struct mk_pkt *pkt,
                       enum mk_verdict want_v, const char *const *want)
{
	struct rec r = {0};

	assert_int_equal(run_parse(&mk_proto_fins, pkt, msg, len, MK_DIR_TO_SERVER, &r, NULL),
	                 want_v);
	rec_expect(&r, want);
}

static void test_malformed(void **unused)
{
	uint8_t m[64];
	static const char *const bad_header[] = {"anomaly fins_bad_header", NULL};
	static const char *const unknown[] = {"operation other cmd=7777",
	                                      "anomaly fins_unknown_command", NULL};
	static const char *const truncated[] = {"anomaly fins_truncated", NULL};
	static const char *const tcp_bad[] = {"anomaly fins_tcp_bad_header", NULL};
	static const char *const tcp_err[] = {"anomaly fins_tcp_error", NULL};
	static const char *const none[] = {NULL};

	(void)unused;
	/* reserved ICF bits set (W342 3-1: bits 1-5 are 0) */
	memcpy(m, omron_1_read, sizeof(omron_1_read));
	m[0] = 0x82;
	expect_one(m, sizeof(omron_1_read), &udp_pkt, MK_V_OK, bad_header);
	/* RSV not 0 */
	memcpy(m, omron_1_read, sizeof(omron_1_read));
	m[1] = 0x01;
	expect_one(m, sizeof(omron_1_read), &udp_pkt, MK_V_OK, bad_header);
	/* shorter than a header and a command code */
	expect_one(omron_1_read, 11, &udp_pkt, MK_V_OK, bad_header);
	/* an unknown command code */
	memcpy(m, omron_53_clock, sizeof(omron_53_clock));
	m[10] = 0x77, m[11] = 0x77;
	expect_one(m, sizeof(omron_53_clock), &udp_pkt, MK_V_OK, unknown);
	/* a memory area read cut inside its parameters */
	expect_one(omron_1_read, 15, &udp_pkt, MK_V_OK, truncated);
	/* FINS/TCP: a wrong magic, a length too small, a length too large */
	memcpy(m, otest_tcp_to_server, 20);
	m[3] = 'X';
	expect_one(m, 20, NULL, MK_V_INVALID, tcp_bad);
	memcpy(m, otest_tcp_to_server, 20);
	m[7] = 0x04;
	expect_one(m, 20, NULL, MK_V_INVALID, tcp_bad);
	memcpy(m, otest_tcp_to_server, 20);
	m[5] = 0x10;
	expect_one(m, 20, NULL, MK_V_INVALID, tcp_bad);
	/* FINS/TCP command 3: frame send error notification; and node address refused (error 1) */
	memcpy(m, otest_tcp_to_server, 20);
	m[11] = 0x03;
	expect_one(m, 20, NULL, MK_V_OK, tcp_err);
	memcpy(m, otest_tcp_to_server, 20);
	m[15] = 0x01;
	expect_one(m, 20, NULL, MK_V_OK, tcp_err);
	/* FINS/TCP command 6 (connection confirmation): nothing to say */
	memcpy(m, otest_tcp_to_server, 20);
	m[11] = 0x06;
	expect_one(m, 20, NULL, MK_V_OK, none);
}

static int probe(const uint8_t *msg, size_t len, enum mk_dir dir)
{
	struct mk_rd rd;
	int v;

	mk_rd_init(&rd, msg, len);
	v = mk_proto_fins.probe(&rd, dir);
	assert_int_equal(mk_rd_left(&rd), len); /* probe reads only */
	return v;
}

static void test_probe(void **unused)
{
	uint8_t m[64];
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";

	(void)unused;
	assert_int_equal(probe(omron_1_read, sizeof(omron_1_read), MK_DIR_TO_SERVER),
	                 MK_PROBE_SURE);
	assert_int_equal(probe(otest_udp_resp, sizeof(otest_udp_resp), MK_DIR_TO_CLIENT),
	                 MK_PROBE_SURE);
	assert_int_equal(probe(otest_tcp_to_server, sizeof(otest_tcp_to_server), MK_DIR_TO_SERVER),
	                 MK_PROBE_SURE);
	assert_int_equal(probe(otest_tcp_to_server, 6, MK_DIR_TO_SERVER), MK_PROBE_MAYBE);
	assert_int_equal(probe(omron_1_read, 11, MK_DIR_TO_SERVER), MK_PROBE_NO);
	assert_int_equal(probe(omron_117_error, 13, MK_DIR_TO_CLIENT), MK_PROBE_NO);
	assert_int_equal(probe(http, sizeof(http) - 1, MK_DIR_TO_SERVER), MK_PROBE_NO);
	memcpy(m, omron_53_clock, sizeof(omron_53_clock));
	m[10] = 0x77; /* unknown command */
	assert_int_equal(probe(m, sizeof(omron_53_clock), MK_DIR_TO_SERVER), MK_PROBE_NO);
	memcpy(m, omron_53_clock, sizeof(omron_53_clock));
	m[2] = 0x08; /* GCT above 7 */
	assert_int_equal(probe(m, sizeof(omron_53_clock), MK_DIR_TO_SERVER), MK_PROBE_NO);
	memcpy(m, otest_tcp_to_server, 20);
	m[11] = 0x09; /* FINS/TCP command 9 does not exist */
	assert_int_equal(probe(m, 20, MK_DIR_TO_SERVER), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_udp_messages),   cmocka_unit_test(test_udp_without_packet),
	    cmocka_unit_test(test_udp_truncation), cmocka_unit_test(test_udp_pairing),
	    cmocka_unit_test(test_tcp_streams),    cmocka_unit_test(test_tcp_cuts_and_splits),
	    cmocka_unit_test(test_malformed),      cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_iec104.c - unit tests of the IEC 60870-5-104 plug-in
 * (src/proto/iec104/iec104.c).
 *
 * Vectors are TCP payloads from ../shared/captures/iec104 (file and frame at
 * each; reference: `tshark -r FILE -O iec60870_104,iec60870_asdu -Y
 * frame.number==N`), and APDUs built by iec_build() from IEC 60870-5-104 clause 5
 * and IEC 60870-5-101 7.2-7.3 where the captures have no example.  Every vector
 * is checked for its exact facts, every truncation length, and every split into
 * two stream pieces.
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
#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_iec104;
#define P (&mk_proto_iec104)

/* STARTDT act: captures/iec104/IEC60870-5-104__TestDissectIec104.pcap frame 4 (controlling station
 * 172.27.248.109) */
static const uint8_t startdt_act[] = {
    0x68, 0x04, 0x07, 0x00, 0x00, 0x00,
};
/* STARTDT con: same capture frame 5 (controlled station 172.27.248.79:2404) */
static const uint8_t startdt_con[] = {
    0x68, 0x04, 0x0b, 0x00, 0x00, 0x00,
};
/* TESTFR act from the controlled station: captures/iec104/IEC60870-5-104__090813_diverse.pcap frame
 * 3 */
static const uint8_t testfr_act[] = {
    0x68, 0x04, 0x43, 0x00, 0x00, 0x00,
};
/* TESTFR con: same capture frame 5 */
static const uint8_t testfr_con[] = {
    0x68, 0x04, 0x83, 0x00, 0x00, 0x00,
};
/* S format, N(R) 78: same capture frame 7 */
static const uint8_t s_frame[] = {
    0x68, 0x04, 0x01, 0x00, 0x9c, 0x00,
};
/* M_ME_NC_1 (13), 2 objects, cause periodic, common address 3: same capture frame 1 */
static const uint8_t me_nc[] = {
    0x68, 0x1a, 0x9a, 0x00, 0x28, 0x00, 0x0d, 0x02, 0x01, 0x00, 0x03, 0x00, 0x14, 0x05,
    0x00, 0x00, 0x00, 0xf0, 0x41, 0x00, 0x15, 0x05, 0x00, 0x00, 0x00, 0x31, 0x44, 0x00,
};
/* C_SC_TA_1 (58) act with time tag, CA 3, IOA 4501: same capture frame 9 */
static const uint8_t sc_ta_act[] = {
    0x68, 0x15, 0x28, 0x00, 0x9c, 0x00, 0x3a, 0x01, 0x06, 0x00, 0x03, 0x00,
    0x95, 0x11, 0x00, 0x81, 0x08, 0x00, 0x17, 0x13, 0x0d, 0x08, 0x6d,
};
/* its actcon: same capture frame 11 */
static const uint8_t sc_ta_actcon[] = {
    0x68, 0x15, 0x9c, 0x00, 0x2a, 0x00, 0x3a, 0x01, 0x07, 0x00, 0x03, 0x00,
    0x95, 0x11, 0x00, 0x81, 0x08, 0x00, 0x17, 0x13, 0x0d, 0x08, 0x09,
};
/* C_SC_NA_1 (45) act: same capture frame 25 */
static const uint8_t sc_na_act[] = {
    0x68, 0x0e, 0x2c, 0x00, 0xa2, 0x00, 0x2d, 0x01, 0x06, 0x00, 0x03, 0x00, 0x94, 0x11, 0x00, 0x81,
};
/* C_SE_TC_1 (63) act: same capture frame 39 */
static const uint8_t se_tc_act[] = {
    0x68, 0x19, 0x30, 0x00, 0xaa, 0x00, 0x3f, 0x01, 0x06, 0x00, 0x03, 0x00, 0x9d, 0x13,
    0x00, 0x00, 0x00, 0xf6, 0x42, 0x80, 0x08, 0x00, 0x18, 0x13, 0x0d, 0x08, 0x6d,
};
/* C_SE_NC_1 (50) act: same capture frame 51 */
static const uint8_t se_nc_act[] = {
    0x68, 0x12, 0x34, 0x00, 0xb0, 0x00, 0x32, 0x01, 0x06, 0x00,
    0x03, 0x00, 0x9c, 0x13, 0x00, 0x00, 0x00, 0x40, 0x41, 0x80,
};
/* C_IC_NA_1 (100) act, QOI 20 station interrogation: same capture frame 73 */
static const uint8_t ic_act[] = {
    0x68, 0x0e, 0x3c, 0x00, 0xbc, 0x00, 0x64, 0x01, 0x06, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x14,
};
/* C_DC_NA_1 (46) act: same capture frame 91 */
static const uint8_t dc_act[] = {
    0x68, 0x0e, 0x3e, 0x00, 0xca, 0x00, 0x2e, 0x01, 0x06, 0x00, 0x03, 0x00, 0xf8, 0x11, 0x00, 0x06,
};
/* M_EI_NA_1 (70) end of initialisation, CA 37133:
 * captures/iec104/IEC60870-5-104__TestDissectIec104.pcap frame 107 */
static const uint8_t ei[] = {
    0x68, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x46, 0x01, 0x04, 0x00, 0x0d, 0x91, 0x00, 0x00, 0x00, 0x00,
};
/* four APDUs in one segment: S, C_IC_NA_1 actcon, M_SP_NA_1 (SQ, 9 objects) and
 * M_DP_NA_1 (SQ, 3 objects), cause inrogen: same capture frame 110 */
static const uint8_t multi[] = {
    0x68, 0x04, 0x01, 0x00, 0x02, 0x00, 0x68, 0x0e, 0x02, 0x00, 0x02, 0x00, 0x64, 0x01, 0x07, 0x00,
    0x0d, 0x91, 0x00, 0x00, 0x00, 0x14, 0x68, 0x16, 0x04, 0x00, 0x02, 0x00, 0x01, 0x89, 0x14, 0x00,
    0x0d, 0x91, 0x1a, 0x27, 0x00, 0xd0, 0x80, 0x80, 0x80, 0xc0, 0x80, 0x80, 0x80, 0x80, 0x68, 0x10,
    0x06, 0x00, 0x02, 0x00, 0x03, 0x83, 0x14, 0x00, 0x0d, 0x91, 0x2a, 0x4e, 0x00, 0x80, 0x80, 0x80,
};
/* S, then C_DC_NA_1 actcon with the P/N bit (negative): same capture frame 118 */
static const uint8_t dc_negative[] = {
    0x68, 0x04, 0x01, 0x00, 0x04, 0x00, 0x68, 0x0e, 0x0a, 0x00, 0x04,
    0x00, 0x2e, 0x01, 0x47, 0x01, 0x0d, 0x91, 0x98, 0x3a, 0x00, 0x82,
};
/* C_CS_NA_1 (103) clock synchronisation act: same capture frame 139 */
static const uint8_t cs_act[] = {
    0x68, 0x14, 0x0c, 0x00, 0x16, 0x00, 0x67, 0x01, 0x06, 0x04, 0x0d,
    0x91, 0x00, 0x00, 0x00, 0xc8, 0x32, 0x39, 0x08, 0x1d, 0x08, 0x08,
};
/* bytes that are no APDU, then a U frame with two function bits: same capture frame 36 */
static const uint8_t garbage_u[] = {
    0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x68, 0x05, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17,
};
#include "support/pieces.h"

/* An I-format APDU (104 clause 5.1) with send/receive numbers 0 around an ASDU
 * header (101 7.2: type, VSQ, COT, originator 0, common address) and objs. */
static size_t iec_build(uint8_t *m, size_t cap, uint8_t type, uint8_t vsq, uint8_t cot, uint16_t ca,
                        const uint8_t *objs, size_t n)
{
	assert_true(n <= 243 && cap >= 12 + n);
	m[0] = 0x68;
	m[1] = (uint8_t)(4 + 6 + n);
	memset(m + 2, 0, 4);
	m[6] = type;
	m[7] = vsq;
	m[8] = cot;
	m[9] = 0;
	m[10] = (uint8_t)ca;
	m[11] = (uint8_t)(ca >> 8);
	if (n > 0)
		memcpy(m + 12, objs, n);
	return 12 + n;
}

#define CTRL "role client scada_server (60) IEC 104 controlling station"
#define CTRLD "role server plc (80) IEC 104 controlled station"

/* ---- tests ---- */

static void test_u_and_s_frames(void **s)
{
	(void)s;
	check_msg(startdt_act, sizeof(startdt_act), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation other startdt_act", CTRL, NULL});
	check_msg(startdt_con, sizeof(startdt_con), MK_DIR_TO_CLIENT,
	          (const char *const[]){CTRLD, NULL});
	/* Either station may test the link; only the activation is counted. */
	check_msg(testfr_act, sizeof(testfr_act), MK_DIR_TO_CLIENT,
	          (const char *const[]){"operation other testfr_act", NULL});
	check_msg(testfr_con, sizeof(testfr_con), MK_DIR_TO_SERVER, (const char *const[]){NULL});
	check_msg(s_frame, sizeof(s_frame), MK_DIR_TO_SERVER, (const char *const[]){NULL});
	/* STOPDT act (104 5.3: 0x13), built. */
	check_msg((const uint8_t *)"\x68\x04\x13\x00\x00\x00", 6, MK_DIR_TO_SERVER,
	          (const char *const[]){"operation other stopdt_act", CTRL, NULL});
}

static void test_commands(void **s)
{
	(void)s;
	check_msg(
	    sc_ta_act, sizeof(sc_ta_act), MK_DIR_TO_SERVER,
	    (const char *const[]){"operation control C_SC_TA_1 single_command act", CTRL, NULL});
	check_msg(
	    sc_na_act, sizeof(sc_na_act), MK_DIR_TO_SERVER,
	    (const char *const[]){"operation control C_SC_NA_1 single_command act", CTRL, NULL});
	check_msg(
	    dc_act, sizeof(dc_act), MK_DIR_TO_SERVER,
	    (const char *const[]){"operation control C_DC_NA_1 double_command act", CTRL, NULL});
	check_msg(
	    se_nc_act, sizeof(se_nc_act), MK_DIR_TO_SERVER,
	    (const char *const[]){"operation control C_SE_NC_1 set_point_float act", CTRL, NULL});
	check_msg(
	    se_tc_act, sizeof(se_tc_act), MK_DIR_TO_SERVER,
	    (const char *const[]){"operation control C_SE_TC_1 set_point_float act", CTRL, NULL});
	check_msg(ic_act, sizeof(ic_act), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation read C_IC_NA_1 interrogation act", CTRL, NULL});
	check_msg(cs_act, sizeof(cs_act), MK_DIR_TO_SERVER,
	          (const char *const[]){"operation other C_CS_NA_1 clock_sync act", CTRL, NULL});
	/* The confirmation is an answer: the controlled station, no operation. */
	check_msg(sc_ta_actcon, sizeof(sc_ta_actcon), MK_DIR_TO_CLIENT,
	          (const char *const[]){CTRLD, NULL});
}

static void test_monitor(void **s)
{
	(void)s;
	check_msg(me_nc, sizeof(me_nc), MK_DIR_TO_CLIENT,
	          (const char *const[]){CTRLD, "attr server iec104_common_address=3", NULL});
	check_msg(ei, sizeof(ei), MK_DIR_TO_CLIENT,
	          (const char *const[]){CTRLD, "attr server iec104_common_address=37133", NULL});
	check_msg(multi, sizeof(multi), MK_DIR_TO_CLIENT,
	          (const char *const[]){CTRLD, "attr server iec104_common_address=37133", NULL});
	check_msg(dc_negative, sizeof(dc_negative), MK_DIR_TO_CLIENT,
	          (const char *const[]){"anomaly iec104_negative_confirm", CTRLD, NULL});
}

/* Type ids without a capture example, built (101 7.2.1.1, 104 table 1). */
static void test_built_types(void **s)
{
	static const struct {
		uint8_t type, cot;
		enum mk_dir dir;
		uint8_t nobj; /* object octets after the IOA */
		const char *line;
	} t[] = {
	    {47, 6, MK_DIR_TO_SERVER, 1, "operation control C_RC_NA_1 regulating_step act"},
	    {48, 8, MK_DIR_TO_SERVER, 3, "operation control C_SE_NA_1 set_point_normalized deact"},
	    {51, 6, MK_DIR_TO_SERVER, 4, "operation control C_BO_NA_1 bitstring act"},
	    {101, 6, MK_DIR_TO_SERVER, 1, "operation read C_CI_NA_1 counter_interrogation act"},
	    {102, 5, MK_DIR_TO_SERVER, 0, "operation read C_RD_NA_1 read req"},
	    {104, 6, MK_DIR_TO_SERVER, 2, "operation diagnostic C_TS_NA_1 test act"},
	    {105, 6, MK_DIR_TO_SERVER, 1, "operation control C_RP_NA_1 reset_process act"},
	    {107, 6, MK_DIR_TO_SERVER, 9, "operation diagnostic C_TS_TA_1 test act"},
	    {110, 6, MK_DIR_TO_SERVER, 3, "operation write P_ME_NA_1 parameter_normalized act"},
	    {112, 6, MK_DIR_TO_SERVER, 5, "operation write P_ME_NC_1 parameter_float act"},
	    {113, 6, MK_DIR_TO_SERVER, 1, "operation write P_AC_NA_1 parameter_activation act"},
	};
	static struct rec r;
	uint8_t m[64], objs[16];

	(void)s;
	memset(objs, 0, sizeof(objs));
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n =
		    iec_build(m, sizeof(m), t[i].type, 1, t[i].cot, 1, objs, 3 + (size_t)t[i].nobj);

		run_one(m, n, t[i].dir, &r);
		rec_expect(&r, (const char *const[]){t[i].line, CTRL, NULL});
	}
}

/* File transfer (101 7.3.6): what the controlling station sends is counted. */
static void test_file_transfer(void **s)
{
	static struct rec r;
	uint8_t m[64], objs[16] = {0};
	size_t n;

	(void)s;
	/* F_SC_NA_1 select file, cause 13 "file": NOF 2, NOS 1, SCQ 1. */
	n = iec_build(m, sizeof(m), 122, 1, 13, 1, objs, 3 + 4);
	check_msg(m, n, MK_DIR_TO_SERVER,
	          (const char *const[]){"operation program F_SC_NA_1 file_call", NULL});
	/* F_FR_NA_1 file ready from the controlled station: an answer. */
	n = iec_build(m, sizeof(m), 120, 1, 13, 1, objs, 3 + 6);
	run_one(m, n, MK_DIR_TO_CLIENT, &r);
	rec_expect(&r, (const char *const[]){NULL});
	/* F_SG_NA_1 segment: variable length, LOS octets of data. */
	n = iec_build(m, sizeof(m), 125, 1, 13, 1, objs, 3 + 4 + 5);
	run_one(m, n, MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"operation program F_SG_NA_1 file_segment", NULL});
}

static void test_malformed(void **s)
{
	static struct rec r;
	uint8_t m[64], objs[16] = {0};
	size_t n;

	(void)s;
	run_one(garbage_u, sizeof(garbage_u), MK_DIR_TO_SERVER, &r);
	rec_expect(&r,
	           (const char *const[]){"anomaly iec104_bad_start", "anomaly iec104_bad_u_frame",
	                                 "anomaly iec104_bad_start", NULL});

	/* Length 2 (< 4, 104 5.1), then a good STARTDT act. */
	memcpy(m, "\x68\x02\x00\x00", 4);
	memcpy(m + 4, startdt_act, sizeof(startdt_act));
	run_one(m, 4 + sizeof(startdt_act), MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"anomaly iec104_bad_length",
	                                     "operation other startdt_act", CTRL, NULL});

	/* An S frame carrying octets after its control field. */
	run_one((const uint8_t *)"\x68\x05\x01\x00\x02\x00\x00", 7, MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"anomaly iec104_bad_length", NULL});

	/* A U frame without a function bit. */
	run_one((const uint8_t *)"\x68\x04\x03\x00\x00\x00", 6, MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"anomaly iec104_bad_u_frame", NULL});

	/* An I frame with only part of an ASDU header. */
	run_one((const uint8_t *)"\x68\x06\x00\x00\x00\x00\x2d\x01", 8, MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"anomaly iec104_bad_asdu", NULL});

	/* C_SC_NA_1 claiming two objects but carrying one. */
	n = iec_build(m, sizeof(m), 45, 2, 6, 1, objs, 3 + 1);
	run_one(m, n, MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"anomaly iec104_bad_asdu", NULL});

	/* Type 41 is reserved (101 table 8). */
	n = iec_build(m, sizeof(m), 41, 1, 6, 1, objs, 3 + 1);
	run_one(m, n, MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"anomaly iec104_unknown_type", NULL});

	/* Cause 44 "unknown type identification" from the controlled station. */
	n = iec_build(m, sizeof(m), 45, 1, 44, 1, objs, 3 + 1);
	run_one(m, n, MK_DIR_TO_CLIENT, &r);
	rec_expect(&r, (const char *const[]){"anomaly iec104_negative_confirm", NULL});
}

/* A whole session in one flow: roles and the common address are said once. */
static void test_session(void **s)
{
	static struct rec r;
	const struct piece pc[] = {
	    {MK_DIR_TO_SERVER, startdt_act, sizeof(startdt_act)},
	    {MK_DIR_TO_CLIENT, startdt_con, sizeof(startdt_con)},
	    {MK_DIR_TO_CLIENT, ei, sizeof(ei)},
	    {MK_DIR_TO_SERVER, ic_act, sizeof(ic_act)},
	    {MK_DIR_TO_CLIENT, multi, sizeof(multi)},
	    {MK_DIR_TO_SERVER, sc_na_act, sizeof(sc_na_act)},
	};

	(void)s;
	memset(&r, 0, sizeof(r));
	run_pieces(pc, sizeof(pc) / sizeof(pc[0]), &r);
	rec_expect(&r,
	           (const char *const[]){"operation other startdt_act", CTRL, CTRLD,
	                                 "attr server iec104_common_address=37133",
	                                 "operation read C_IC_NA_1 interrogation act",
	                                 "operation control C_SC_NA_1 single_command act", NULL});
}

static void test_probe(void **s)
{
	struct mk_rd rd;

	(void)s;
	mk_rd_init(&rd, startdt_act, sizeof(startdt_act));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, s_frame, sizeof(s_frame));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, me_nc, sizeof(me_nc));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_CLIENT), MK_PROBE_SURE);
	mk_rd_init(&rd, me_nc, 5);
	assert_int_equal(P->probe(&rd, MK_DIR_TO_CLIENT), MK_PROBE_MAYBE);
	/* C_SC_NA_1 act whose VSQ claims two objects in room for one. */
	mk_rd_init(&rd, "\x68\x0e\x00\x00\x00\x00\x2d\x02\x06\x00\x01\x00\x01\x00\x00\x01", 16);
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, sc_na_act, sizeof(sc_na_act));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, garbage_u, sizeof(garbage_u));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, "\x68\x04\x07\x00\x00\x01", 6); /* U with a nonzero octet */
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, "\x68\x02", 2);
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, "hello world", 11); /* 'h' is 0x68, but o is no I-format N(R) */
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, NULL, 0);
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
}

static void test_descriptor(void **s)
{
	(void)s;
	assert_string_equal(P->name, mk_proto_id_name(P->id));
	assert_true(P->transports == MK_TRANSPORT_TCP);
	assert_true(P->max_buffer >= 255);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_u_and_s_frames), cmocka_unit_test(test_commands),
	    cmocka_unit_test(test_monitor),        cmocka_unit_test(test_built_types),
	    cmocka_unit_test(test_file_transfer),  cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_session),        cmocka_unit_test(test_probe),
	    cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

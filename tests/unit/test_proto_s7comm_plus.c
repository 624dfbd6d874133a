/* test_proto_s7comm_plus.c - unit tests of the S7comm-plus plug-in
 * (src/proto/s7comm_plus/s7comm_plus.c).
 *
 * Vectors are whole TCP payloads (TPKT + COTP + S7comm-plus) written as hex,
 * each with the capture under ../shared/captures/s7comm_plus/ and the frame it
 * was taken from (`tshark -r FILE -Y frame.number==N -T fields -e tcp.payload`;
 * tshark 4.0 has no S7comm-plus dissector, the fields are read per the public
 * Wireshark S7comm-plus plug-in description cited in s7comm_plus.c).  The V3
 * vector is constructed from that description (integrity part: digest length
 * 0x20 and a 32-byte digest before the opcode).  Malformed variants are those
 * vectors with the bytes named at each one changed.
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

extern const struct mk_proto mk_proto_s7comm_plus;
#define P (&mk_proto_s7comm_plus)

/* ---- vectors ---- */

/* s7__s7-1200-hmi.pcap frame 8 (CPU to panel): COTP CC, called TSAP "SIMATIC-ROOT-HMI" */
static const char cc_hmi[] =
    "030000241fd00112000900c0010ac1020620c21053494d415449432d524f4f542d484d49";
/* s7__S7-1200-Uploading-OB1-TIAV12.pcap: COTP CR, called TSAP "SIMATIC-ROOT-ES" (tshark -Y
 * cotp.type==0x0e) */
static const char cr_es[] =
    "030000231ee00000001100c1020600c20f53494d415449432d524f4f542d4553c0010a";
/* s7__s7-1200-hmi.pcap frame 9: V1 request CreateObject (session 0x00000120, before a session
 * exists) */
static const char create_req[] = "030000d902f080720100ca31000004ca0000000100000120360000011d0004000"
                                 "0000000a1000000d3821f0000a381690015"
                                 "1653657276657253657373696f6e5f3130303030303030a3822100150a313a3a3"
                                 "a362e33323a3aa38228001508484d4920"
                                 "55534552a38229001505534d405254a3822a001508484d4920484f5354a3822b0"
                                 "00402a3822c001210000000a3822d0015"
                                 "164f4d532b20666f7220534d4152542052756e74696d65a1000000d3817f0000a"
                                 "38169001515537562736372697074696f"
                                 "6e436f6e7461696e6572a2a20000000072010000";
/* same capture frame 12: V1 response CreateObject, version string "1;6ES7 211-1BE31-0XB0 ;V3.0" */
static const char create_res[] =
    "0300008902f0807201007a32000004ca00000001361102873e8723a100000120821f0000a38169001500a382320017"
    "0000"
    "013a823b00048200823c00048140823d00048480c040823e00048480c040823f00151b313b36455337203231312d31"
    "4245"
    "33312d30584230203b56332e308240001505323b32383882410003000300a20000000072010000";
/* same capture frame 13: an empty DT without EOT */
static const char empty_dt[] = "0300000702f000";
/* same capture frame 15: V2 request SetMultiVariables, session 0x000003be */
static const char setmulti_req[] = "0300007a02f0807202006b310000054200000002000003be34000003be01018"
                                   "2320100170000013a823b00048200823c00"
                                   "048140823d00048480c040823e00048480c040823f0015008240001505323b3"
                                   "238388241000300030000000004e8896900"
                                   "1200000000896a001300896b000400000000000072020000";
/* same capture frame 17: V2 response SetMultiVariables */
static const char setmulti_res[] = "0300001f02f080720200103200000542000000023400000000000072020000";
/* same capture frame 20: V2 request GetMultiVariables */
static const char getmulti_req[] =
    "0300005302f08072020044310000054c00000003000003be3400000000030e0032019a7b00814902880d8768008149"
    "02880d"
    "8769000004e88969001200000000896a001300896b000400000000000072020000";
/* s7__S7-1200-Uploading-OB1-TIAV12.pcap frame 57: V2 request Explore, session 0x000003c0 */
static const char explore_req[] = "0300007702f0807202006831000004bb0000001c000003c03600000003000100"
                                  "01002693159313936fbc3581699359935f"
                                  "81689c16bd19937b942794429440932f9c33a12f8f679735902a900a90279015"
                                  "8f6a9024900d8f7d9010903a903d903290"
                                  "1a9037900790209364bb25bc370000000072020000";
/* Constructed (Wireshark S7comm-plus description, PDU type 0x03): V3 request
 * SetVariable with the integrity part (0x20 + 32 digest bytes), session 0x00000400 */
static const char v3_setvar_req[] =
    "0300004202f0807203003320"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "31000004f20000000500000400340000000072030000";

#include "support/hex_flow.h"

/* ---- probe ---- */

static int probe_hex(const char *hex, enum mk_dir dir)
{
	uint8_t b[1024];
	size_t n = unhex(hex, b, sizeof(b));
	struct mk_rd rd;

	mk_rd_init(&rd, b, n);
	return P->probe(&rd, dir);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_hex(cc_hmi, TC), MK_PROBE_SURE);
	assert_int_equal(probe_hex(cr_es, TS), MK_PROBE_SURE);
	assert_int_equal(probe_hex(create_req, TS), MK_PROBE_SURE);
	assert_int_equal(probe_hex(setmulti_res, TC), MK_PROBE_SURE);
	assert_int_equal(probe_hex(v3_setvar_req, TS), MK_PROBE_SURE);
	/* ../shared/captures/s7comm/s7__s7comm_reading_plc_status.pcap frames 8 and 10:
	 * a classic S7 CR (TSAP 0x0102) and an S7comm setup job */
	assert_int_equal(probe_hex("0300001611e00000000f00c1020100c2020102c0010a", TS),
	                 MK_PROBE_NO);
	assert_int_equal(probe_hex("0300001902f08032010000020000080000f0000001000101e0", TS),
	                 MK_PROBE_NO);
	/* 0x72 with an unknown version; the empty DT; too short */
	assert_int_equal(
	    probe_hex("0300001f02f080720700103200000542000000023400000000000072020000", TC),
	    MK_PROBE_NO);
	assert_int_equal(probe_hex(empty_dt, TS), MK_PROBE_NO);
	assert_int_equal(probe_hex("03", TS), MK_PROBE_NO);
}

static void test_connection(void **unused)
{
	static const char *const hmi[] = {
	    "attr server s7comm_plus_tsap=SIMATIC-ROOT-HMI",
	    "role client hmi (60) connects to an S7 CPU as HMI (SIMATIC-ROOT-HMI)",
	    NULL,
	};
	static const char *const es[] = {
	    "attr server s7comm_plus_tsap=SIMATIC-ROOT-ES",
	    "role client engineering_workstation (60) connects to an S7 CPU as engineering station "
	    "(SIMATIC-ROOT-ES)",
	    NULL,
	};

	(void)unused;
	expect_one(TC, cc_hmi, hmi);
	expect_one(TS, cr_es, es);
}

static void test_session(void **unused)
{
	static const struct step steps[] = {{TS, create_req},   {TC, create_res},   {TS, empty_dt},
	                                    {TS, setmulti_req}, {TC, setmulti_res}, {TS, empty_dt},
	                                    {TS, getmulti_req}};
	static const char *const exp[] = {
	    "operation other CreateObject",
	    "role server plc (90) answers S7comm-plus",
	    "identity server vendor=Siemens product=- model=6ES7 211-1BE31-0XB0 firmware=V3.0 "
	    "serial=-",
	    "attr server s7comm_plus_version=2",
	    "operation write SetMultiVariables",
	    "attr server s7comm_plus_session=0x000003be",
	    "operation read GetMultiVariables",
	    NULL,
	};

	(void)unused;
	expect_flow(steps, N(steps), exp);
}

static void test_functions(void **unused)
{
	static const char *const explore[] = {
	    "attr server s7comm_plus_version=2",
	    "operation read Explore",
	    "attr server s7comm_plus_session=0x000003c0",
	    NULL,
	};
	static const char *const v3[] = {
	    "attr server s7comm_plus_version=3",
	    "operation write SetVariable",
	    "attr server s7comm_plus_session=0x00000400",
	    NULL,
	};
	static const char *const res[] = {
	    "attr server s7comm_plus_version=2",
	    "role server plc (90) answers S7comm-plus",
	    NULL,
	};

	(void)unused;
	expect_one(TS, explore_req, explore);
	expect_one(TS, v3_setvar_req, v3);
	expect_one(TC, setmulti_res, res);
}

/* A TLS record inside the COTP DT (TIA Portal V17+): noted, not an anomaly.
 * Constructed: TPKT, DT, then a TLS 1.2 application-data header (RFC 5246
 * 6.2.1: type 23, version 3.3, length 5) and 5 opaque bytes. */
static void test_tls(void **unused)
{
	static const char tls[] = "0300001102f08017030300050102030405";
	static const char *const exp[] = {"attr server s7comm_plus_encryption=tls", NULL};
	static const struct step twice[] = {{TS, tls}, {TC, tls}};

	(void)unused;
	expect_one(TS, tls, exp);
	expect_flow(twice, N(twice), exp);
}

static void test_malformed(void **unused)
{
	static const char *const tpkt[] = {"anomaly s7comm_plus_bad_tpkt", NULL};
	static const char *const cotp[] = {"anomaly s7comm_plus_bad_cotp", NULL};
	static const char *const hdr[] = {"anomaly s7comm_plus_bad_header", NULL};
	static const char *const fn[] = {
	    "attr server s7comm_plus_version=2",
	    "operation other fc=0x0999",
	    "anomaly s7comm_plus_unknown_function",
	    "attr server s7comm_plus_session=0x34000000", /* the response's bytes where a request
	                                                     has it */
	    NULL,
	};
	static const char *const opc[] = {"attr server s7comm_plus_version=2",
	                                  "anomaly s7comm_plus_unknown_opcode", NULL};
	/* setmulti_res with TPKT version 2 */
	static const char bad_tpkt[] =
	    "0200001f02f080720200103200000542000000023400000000000072020000";
	/* setmulti_res with COTP LI 0x30 */
	static const char bad_cotp[] =
	    "0300001f30f080720200103200000542000000023400000000000072020000";
	/* setmulti_res with protocol id 0x73 */
	static const char bad_pid[] =
	    "0300001f02f080730200103200000542000000023400000000000072020000";
	/* setmulti_res with data length 0x0100 */
	static const char bad_dlen[] =
	    "0300001f02f080720201003200000542000000023400000000000072020000";
	/* setmulti_res with function 0x0999 and opcode 0x31 */
	static const char bad_fn[] =
	    "0300001f02f080720200103100000999000000023400000000000072020000";
	/* setmulti_res with opcode 0x35 */
	static const char bad_op[] =
	    "0300001f02f080720200103500000542000000023400000000000072020000";
	/* v3_setvar_req with digest length 0x10 */
	static const char bad_digest[] =
	    "0300004202f0807203003310"
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	    "31000004f20000000500000400340000000072030000";
	static const char *const dig[] = {"attr server s7comm_plus_version=3",
	                                  "anomaly s7comm_plus_bad_header", NULL};
	struct rec *r = calloc(1, sizeof(*r));
	uint8_t b[64];
	size_t n = unhex(bad_tpkt, b, sizeof(b));

	(void)unused;
	assert_non_null(r);
	assert_int_equal(run_parse(P, NULL, b, n, TC, r, NULL), MK_V_INVALID);
	rec_expect(r, tpkt);
	free(r);
	expect_one(TC, bad_cotp, cotp);
	expect_one(TC, bad_pid, hdr);
	expect_one(TC, bad_dlen, hdr);
	expect_one(TS, bad_fn, fn);
	expect_one(TC, bad_op, opc);
	expect_one(TS, bad_digest, dig);
}

static void test_skip_and_gap(void **unused)
{
	struct rec *r = calloc(1, sizeof(*r));
	struct sim s;
	uint8_t big[1000] = {0x03, 0x00, 0x13, 0x88}; /* TPKT length 5000 */
	uint8_t junk[3] = {0x17, 0x03, 0x03};
	static const char *const exp[] = {
	    "attr server s7comm_plus_version=2", "operation read GetMultiVariables",
	    "attr server s7comm_plus_session=0x000003be", "operation read GetMultiVariables", NULL};

	(void)unused;
	assert_non_null(r);
	sim_init(&s, r);
	assert_int_equal(sim_feed(&s, TS, big, sizeof(big)), MK_V_OK);
	memset(big, 0x5a, sizeof(big));
	for (int i = 0; i < 4; i++)
		assert_int_equal(sim_feed(&s, TS, big, sizeof(big)), MK_V_OK);
	assert_int_equal(s.plen[0], 0);
	sim_hex(&s, TS, getmulti_req);
	assert_int_equal(P->gap(s.state, TS), MK_V_OK);
	assert_int_equal(sim_feed(&s, TS, junk, sizeof(junk)), MK_V_OK);
	assert_int_equal(s.plen[0], 0);
	sim_hex(&s, TS, getmulti_req);
	rec_expect(r, exp);
	sim_done(&s);
	free(r);
}

static const char *const valid[] = {
    cc_hmi,
    cr_es,
    create_req,
    create_res,
    empty_dt,
    setmulti_req,
    setmulti_res,
    getmulti_req,
    explore_req,
    v3_setvar_req,
    "0300001102f08017030300050102030405" /* test_tls */,
};

static void test_every_truncation(void **unused)
{
	struct rec *all = calloc(1, sizeof(*all)), *part = calloc(1, sizeof(*part));
	uint8_t b[1024];

	(void)unused;
	assert_non_null(all);
	assert_non_null(part);
	for (size_t v = 0; v < N(valid); v++) {
		size_t n = unhex(valid[v], b, sizeof(b));

		for (int dir = 0; dir < 2; dir++) {
			memset(all, 0, sizeof(*all));
			run_parse(P, NULL, b, n, (enum mk_dir)dir, all, NULL);
			for (size_t cut = 0; cut < n; cut++) {
				size_t consumed = 0;
				enum mk_verdict vd;

				memset(part, 0, sizeof(*part));
				vd = run_parse(P, NULL, b, cut, (enum mk_dir)dir, part, &consumed);
				rec_subset(part, all, cut);
				if (cut > 0)
					assert_true(vd == MK_V_NEED && consumed == 0);
			}
		}
	}
	free(all);
	free(part);
}

static void test_every_split(void **unused)
{
	struct rec *all = calloc(1, sizeof(*all)), *split = calloc(1, sizeof(*split));
	uint8_t b[1024];

	(void)unused;
	assert_non_null(all);
	assert_non_null(split);
	for (size_t v = 0; v < N(valid); v++) {
		size_t n = unhex(valid[v], b, sizeof(b));

		for (int dir = 0; dir < 2; dir++) {
			struct sim s;

			memset(all, 0, sizeof(*all));
			sim_init(&s, all);
			sim_feed(&s, (enum mk_dir)dir, b, n);
			sim_done(&s);
			for (size_t k = 1; k < n; k++) {
				memset(split, 0, sizeof(*split));
				sim_init(&s, split);
				sim_feed(&s, (enum mk_dir)dir, b, k);
				sim_feed(&s, (enum mk_dir)dir, b + k, n - k);
				assert_int_equal(s.plen[dir], 0);
				sim_done(&s);
				assert_int_equal(split->n, all->n);
				for (int i = 0; i < all->n; i++)
					assert_string_equal(split->line[i], all->line[i]);
			}
		}
	}
	free(all);
	free(split);
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_int_equal(P->abi, MK_PROTO_ABI);
	assert_string_equal(P->name, "s7comm_plus");
	assert_string_equal(mk_proto_id_name(P->id), "s7comm_plus");
	assert_int_equal(P->transports, MK_TRANSPORT_TCP);
	assert_non_null(P->probe);
	assert_non_null(P->parse);
	assert_non_null(P->gap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe),        cmocka_unit_test(test_connection),
	    cmocka_unit_test(test_session),      cmocka_unit_test(test_functions),
	    cmocka_unit_test(test_tls),          cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_skip_and_gap), cmocka_unit_test(test_every_truncation),
	    cmocka_unit_test(test_every_split),  cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_s7comm.c - unit tests of the S7comm plug-in (src/proto/s7comm/s7comm.c).
 *
 * Vectors are whole TCP payloads (TPKT + COTP + S7) written as hex, each with
 * the capture under ../shared/captures/s7comm/ and the frame it was taken from
 * (`tshark -r FILE -Y frame.number==N -T fields -e tcp.payload`; decoded view:
 * `tshark -r FILE -O s7comm -Y frame.number==N`).  Malformed variants are
 * those vectors with the bytes named at each one changed.
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

extern const struct mk_proto mk_proto_s7comm;
#define P (&mk_proto_s7comm)

/* ---- vectors ---- */

/* s7__s7comm_reading_plc_status.pcap frame 8: COTP CR, calling TSAP 0x0100, called 0x0102 */
static const char cr_plc_status[] = "0300001611e00000000f00c1020100c2020102c0010a";
/* same capture frame 9: COTP CC */
static const char cc_plc_status[] = "0300001611d0000f000300c0010ac1020100c2020102";
/* same capture frame 10: job setup communication */
static const char setup_job[] = "0300001902f08032010000020000080000f0000001000101e0";
/* same capture frame 11: ack_data setup communication (PDU size 240) */
static const char setup_ack[] = "0300001b02f080320300000200000800000000f0000001000100f0";
/* same capture frame 12: an empty DT without EOT (sent before every request) */
static const char empty_dt[] = "0300000702f000";
/* same capture frame 13: userdata request read SZL 0x0132 index 0x0004 */
static const char szl_0132_req[] =
    "0300002102f080320700000300000800080001120411440100ff09000401320004";
/* s7__S7Comm__s7comm_clean.pcap frame 1: job read var, 1 item */
static const char read_job[] = "0300001f02f080320100003106000e00000401120a10020001000081000000";
/* same capture frame 2: ack_data read var */
static const char read_ack[] = "0300001a02f0803203000031060002000500000401ff04000800";
/* s7__wincc_s300_setup-alarm-read-write.pcapng frame 27: job write var, 1 item (M 0.0, 1 bit) */
static const char write_job[] =
    "0300002402f080320100000001000e00050501120a100100010000830000080003000100";
/* s7__step7_s300_download.pcapng frame 87: job request download _0A00001P (DB1) */
static const char req_download[] =
    "0300003102f080320100008300002000001a00010000000000095f30413030303031500d"
    "31303030323136303030303838";
/* same capture frame 89 (PLC to PG): job download block DB1 */
static const char download_block[] =
    "0300002302f080320100006501001200001b00000000000000095f3041303030303150";
/* same capture frame 91 (PLC to PG): job download ended DB1 */
static const char download_ended[] =
    "0300002302f080320100006701001200001c00000000000000095f3041303030303150";
/* same capture frame 93: job PI service _INSE 0A00001P */
static const char pi_inse[] =
    "0300002b02f080320100008400001a000028000000000000fd000a01003041303030303150055f494e5345";
/* s7__snap7_s300_everything.pcapng frame 63: job PI service P_PROGRAM, parameter "C " (cold start)
 */
static const char pi_cold[] =
    "0300002702f080320100001f000016000028000000000000fd0002432009505f50524f4752414d";
/* s7__step7_s300_stop.pcapng frame 1: job PLC stop */
static const char plc_stop[] = "0300002102f080320100003500001000002900000000000950"
                               "5f50524f4752414d";
/* s7__step7_s300_download.pcapng frames 88, 92, 94: ack_data of request download, download
 * ended (PG to PLC) and PI service, error class and code 0 */
static const char req_download_ack[] = "0300001402f0803203000083000001000000001a";
static const char download_ended_ack[] = "0300001402f0803203000067010001000000001c";
static const char pi_inse_ack[] = "0300001402f08032030000840000010000000028";
/* s7__step7_s300_stop.pcapng frame 2: ack_data of the PLC stop */
static const char plc_stop_ack[] = "0300001402f08032030000350000010000000029";
/* the same with error class 0x81, code 0x04 (refused) */
static const char plc_stop_refused[] = "0300001402f08032030000350000010000810429";
/* s7__snap7_s300_everything.pcapng frame 17: job start upload _0B00000A (SDB0) */
static const char start_upload[] =
    "0300002302f080320100000800001200001d00000000000000095f3042303030303041";
/* same capture frame 18: ack_data start upload */
static const char start_upload_ack[] =
    "0300002302f0803203000008000010000000001d000100000000070730303030323136";
/* same capture frame 3: userdata request read SZL 0x0011 */
static const char szl_0011_req[] =
    "0300002102f080320700000100000800080001120411440100ff09000400110000";
/* same capture frame 4: userdata response SZL 0x0011, 4 records */
static const char szl_0011_res[] = "0300009902f080320700000100000c007c000112081284010200000000ff090"
                                   "07800110000001c000400013645533720"
                                   "3331352d32454831342d304142302000c000030001000636455337203331352"
                                   "d32454831342d304142302000c0000300"
                                   "010007202020202020202020202020202020202020202000c05603020700814"
                                   "26f6f74204c6f61646572202020202020"
                                   "202020000041200909";
/* same capture frames 5-8: SZL 0x001c request, first response fragment (last
 * data unit: no), follow-up request, last fragment */
static const char szl_001c_req[] =
    "0300002102f080320700000200000800080001120411440100ff090004001c0000";
static const char szl_001c_res1[] = "030000f702f080320700000200000c00da0001120812840102d5010000ff09"
                                    "00d6001c00000022000a00015337333030"
                                    "2f45543230304d2073746174696f6e5f31000000000000000000000002504c"
                                    "435f310000000000000000000000000000"
                                    "00000000000000000000000000000300000000000000000000000000000000"
                                    "0000000000000000000000000000000000"
                                    "044f726967696e616c205369656d656e732045717569706d656e7400000000"
                                    "000000055320432d423155333933313432"
                                    "303131000000000000000000000000000000000007435055203331352d3220"
                                    "504e2f4450000000000000000000000000"
                                    "00000000000008";
static const char szl_001c_next[] =
    "0300002102f080320700000300000c00040001120812440102000000000a000000";
static const char szl_001c_res2[] = "030000a702f080320700000300000c008a0001120812840102d5000000ff09"
                                    "00864d4d43203441314143303139000000"
                                    "00000000000000000000000000000000000009002af6000001000000000000"
                                    "0000000000000000000000000000000000"
                                    "000000000a0000000000000000000000000000000000000000000000000000"
                                    "000000000000000b000000000000000000"
                                    "0000000000000000000000000000000000000000000000";
/* same capture frame 12: userdata response SZL 0x0424 (bzu-id 0x08: RUN) */
static const char szl_0424_res[] =
    "0300003d02f080320700000500000c0020000112081284010200000000ff09001c04240000"
    "001400015144ff0800000000000000001602081451375692";
/* s7__step7_s300_AuthPassword.pcapng frame 3: userdata security, password */
static const char password_req[] =
    "0300002502f0803207000006000008000c0001120411450100ff090008213a1b1d6e681b1d";
/* s7__snap7_s300_everything.pcapng frame 23: userdata block functions, get block info */
static const char block_info_req[] =
    "0300002502f080320700000b000008000c0001120411430300ff0900083041303030303041";
/* same capture frame 45: userdata time functions, read clock */
static const char read_clock_req[] = "0300001d02f0803207000016000008000400011204114701000a000000";
/* same capture frame 47: userdata time functions, set clock */
static const char set_clock_req[] =
    "0300002702f0803207000017000008000e0001120411470200ff09000a00191602082308100002";

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
	assert_int_equal(probe_hex(cr_plc_status, TS), MK_PROBE_SURE);
	assert_int_equal(probe_hex(cc_plc_status, TC), MK_PROBE_SURE);
	assert_int_equal(probe_hex(setup_job, TS), MK_PROBE_SURE);
	assert_int_equal(probe_hex(szl_0011_res, TC), MK_PROBE_SURE);
	/* s7__s7-1200-hmi.pcap frame 8: S7comm-plus CC, TSAP "SIMATIC-ROOT-HMI" */
	assert_int_equal(
	    probe_hex("030000241fd00112000900c0010ac1020620c21053494d415449432d524f4f542d484d49",
	              TC),
	    MK_PROBE_NO);
	/* same capture frame 17: S7comm-plus data */
	assert_int_equal(
	    probe_hex("0300001f02f080720200103200000542000000023400000000000072020000", TC),
	    MK_PROBE_NO);
	/* An MMS-style CR (ISO 8073 13.3, TSAPs 0x0001): not S7 */
	assert_int_equal(probe_hex("0300001611e00000000100c1020001c2020001c0010a", TS),
	                 MK_PROBE_NO);
	/* The empty DT says nothing; a bare TPKT start neither. */
	assert_int_equal(probe_hex(empty_dt, TS), MK_PROBE_NO);
	assert_int_equal(probe_hex("0300", TS), MK_PROBE_NO);
	assert_int_equal(probe_hex("", TS), MK_PROBE_NO);
	/* An RDP connection request with its cookie (MS-RDPBCGR 2.2.1.1). */
	assert_int_equal(probe_hex("0300002a25e00000000000436f6f6b69653a206d737473686173683d7573657"
	                           "20d0a0100080003000000",
	                           TS),
	                 MK_PROBE_NO);
}

/* ---- message kinds ---- */

static void test_connection(void **unused)
{
	static const struct step steps[] = {{TS, cr_plc_status}, {TC, cc_plc_status}};
	static const char *const exp[] = {
	    "attr server s7comm_rack_slot=0/2",
	    "attr client s7comm_connection_type=pg",
	    NULL,
	};

	(void)unused;
	expect_flow(steps, N(steps), exp);
}

static void test_setup(void **unused)
{
	static const struct step steps[] = {{TS, setup_job}, {TC, setup_ack}};
	static const char *const exp[] = {
	    "operation other setup_communication",
	    "role server plc (90) answers S7comm",
	    NULL,
	};

	(void)unused;
	expect_flow(steps, N(steps), exp);
}

static void test_read_write(void **unused)
{
	static const struct step steps[] = {{TS, read_job}, {TC, read_ack}, {TS, write_job}};
	static const char *const exp[] = {
	    "operation read read_var",
	    "role server plc (90) answers S7comm",
	    "operation write write_var",
	    NULL,
	};

	(void)unused;
	expect_flow(steps, N(steps), exp);
}

static void test_download(void **unused)
{
	static const struct step steps[] = {
	    {TS, req_download}, {TC, download_block}, {TC, download_ended}, {TS, pi_inse}};
	static const char *const exp[] = {
	    "operation program request_download DB1",
	    "role client engineering_workstation (70) downloads blocks over S7comm",
	    "operation program download_block DB1",
	    "operation program download_ended DB1",
	    "operation program pi=_INSE",
	    NULL,
	};

	(void)unused;
	expect_flow(steps, N(steps), exp);
}

/* The answers to download, PI and stop jobs are their results (change
 * ledger), matched by PDU reference; other answers report nothing. */
static void test_results(void **unused)
{
	static const struct step ok_steps[] = {
	    {TS, req_download}, {TC, req_download_ack}, {TC, download_ended},
	    {TS, download_ended_ack}, {TS, pi_inse}, {TC, pi_inse_ack}, {TC, pi_inse_ack}};
	static const char *const ok[] = {
	    "operation program request_download DB1",
	    "role client engineering_workstation (70) downloads blocks over S7comm",
	    "role server plc (90) answers S7comm",
	    "result program request_download DB1 ok",
	    "operation program download_ended DB1",
	    "result program download_ended DB1 ok",
	    "operation program pi=_INSE",
	    "result program pi=_INSE ok",
	    NULL, /* the repeated answer matches no job any more */
	};
	static const struct step stop_ok[] = {{TS, plc_stop}, {TC, plc_stop_ack}};
	static const struct step stop_refused[] = {{TS, plc_stop}, {TC, plc_stop_refused}};
	static const char *const done[] = {
	    "operation control plc_stop",
	    "role client engineering_workstation (70) stops the CPU over S7comm",
	    "role server plc (90) answers S7comm",
	    "result control plc_stop ok",
	    NULL,
	};
	static const char *const refused[] = {
	    "operation control plc_stop",
	    "role client engineering_workstation (70) stops the CPU over S7comm",
	    "role server plc (90) answers S7comm",
	    "anomaly s7comm_error_response",
	    "result control plc_stop failed",
	    NULL,
	};
	static const struct step read_steps[] = {{TS, read_job}, {TC, read_ack}};
	static const char *const read[] = {
	    "operation read read_var",
	    "role server plc (90) answers S7comm",
	    NULL,
	};

	(void)unused;
	expect_flow(ok_steps, N(ok_steps), ok);
	expect_flow(stop_ok, N(stop_ok), done);
	expect_flow(stop_refused, N(stop_refused), refused);
	expect_flow(read_steps, N(read_steps), read);
}

static void test_control(void **unused)
{
	static const char *const cold[] = {
	    "operation control pi=P_PROGRAM COLDSTART",
	    "role client engineering_workstation (70) runs PI services on the CPU over S7comm",
	    NULL,
	};
	static const char *const stop[] = {
	    "operation control plc_stop",
	    "role client engineering_workstation (70) stops the CPU over S7comm",
	    NULL,
	};

	(void)unused;
	expect_one(TS, pi_cold, cold);
	expect_one(TS, plc_stop, stop);
}

static void test_upload(void **unused)
{
	static const struct step steps[] = {{TS, start_upload}, {TC, start_upload_ack}};
	static const char *const exp[] = {
	    "operation read upload SDB0",
	    "role server plc (90) answers S7comm",
	    NULL,
	};

	(void)unused;
	expect_flow(steps, N(steps), exp);
}

static void test_szl_0011(void **unused)
{
	static const struct step steps[] = {{TS, szl_0011_req}, {TC, szl_0011_res}};
	static const char *const exp[] = {
	    "operation diagnostic szl=0x0011",
	    "role server plc (90) answers S7comm",
	    "identity server vendor=Siemens product=- model=6ES7 315-2EH14-0AB0 firmware=V3.2.7 "
	    "serial=-",
	    NULL,
	};

	(void)unused;
	expect_flow(steps, N(steps), exp);
}

static void test_szl_001c_fragments(void **unused)
{
	static const struct step steps[] = {
	    {TS, szl_001c_req}, {TC, szl_001c_res1}, {TS, szl_001c_next}, {TC, szl_001c_res2}};
	static const char *const exp[] = {
	    "operation diagnostic szl=0x001c",
	    "role server plc (90) answers S7comm",
	    "operation diagnostic szl",
	    "attr server s7comm_station_name=S7300/ET200M station_1",
	    "attr server s7comm_module_name=PLC_1",
	    "attr server s7comm_copyright=Original Siemens Equipment",
	    "identity server vendor=Siemens product=CPU 315-2 PN/DP model=- firmware=- serial=S "
	    "C-B1U393142011",
	    NULL,
	};
	static const struct step first_only[] = {{TC, szl_001c_res1}};
	static const char *const exp_first[] = {"role server plc (90) answers S7comm", NULL};

	(void)unused;
	/* The follow-up request is a userdata request of its own (no SZL id). */
	expect_flow(steps, N(steps), exp);
	/* Without its last fragment an answer says nothing yet. */
	expect_flow(first_only, 1, exp_first);
}

static void test_szl_0424(void **unused)
{
	static const char *const exp[] = {
	    "role server plc (90) answers S7comm",
	    "attr server s7comm_cpu_mode=run",
	    NULL,
	};

	(void)unused;
	expect_one(TC, szl_0424_res, exp);
}

static void test_userdata_kinds(void **unused)
{
	static const char *const pw[] = {"operation auth password", NULL};
	static const char *const bi[] = {"operation read block_info", NULL};
	static const char *const rc[] = {"operation other read_clock", NULL};
	static const char *const sc[] = {"operation other set_clock", NULL};
	static const char *const szl[] = {"operation diagnostic szl=0x0132", NULL};
	static const struct step empty_then[] = {{TS, empty_dt}, {TS, szl_0132_req}};

	(void)unused;
	expect_one(TS, password_req, pw);
	expect_one(TS, block_info_req, bi);
	expect_one(TS, read_clock_req, rc);
	expect_one(TS, set_clock_req, sc);
	/* The empty DT without EOT before a request must not swallow it. */
	expect_flow(empty_then, N(empty_then), szl);
}

/* ---- malformed ---- */

static void test_malformed(void **unused)
{
	static const char *const tpkt[] = {"anomaly s7comm_bad_tpkt", NULL};
	static const char *const cotp[] = {"anomaly s7comm_bad_cotp", NULL};
	static const char *const hdr[] = {"anomaly s7comm_bad_header", NULL};
	static const char *const fn[] = {"operation other fc=0x99",
	                                 "anomaly s7comm_unknown_function", NULL};
	static const char *const ud[] = {"anomaly s7comm_bad_userdata", NULL};
	static const char *const err[] = {
	    "operation read read_var",
	    "role server plc (90) answers S7comm",
	    "anomaly s7comm_error_response",
	    NULL,
	};
	static const char *const szl[] = {
	    "role server plc (90) answers S7comm",
	    "anomaly s7comm_bad_szl",
	    "attr server s7comm_cpu_mode=run",
	    NULL,
	};
	/* setup_job with TPKT version 4 */
	static const char bad_tpkt[] = "0400001902f08032010000020000080000f0000001000101e0";
	/* setup_job with COTP LI 0x20, longer than the TPKT */
	static const char bad_cotp[] = "0300001920f08032010000020000080000f0000001000101e0";
	/* setup_job with parameter length 0x0010 (the PDU has 8) */
	static const char bad_plen[] = "0300001902f08032010000020000100000f0000001000101e0";
	/* setup_job with ROSCTR 5 */
	static const char bad_rosctr[] = "0300001902f08032050000020000080000f0000001000101e0";
	/* setup_job with protocol id 0x33 */
	static const char bad_pid[] = "0300001902f08033010000020000080000f0000001000101e0";
	/* setup_job with function 0x99 */
	static const char bad_fn[] = "0300001902f080320100000200000800009900000100010"
	                             "1e0";
	/* szl_0011_req with userdata parameter length 6 */
	static const char bad_ud[] =
	    "0300002102f080320700000100000800080001120611440100ff09000400110000";
	/* s7comm_clean frame 2 with error class 0x81, code 0x04 */
	static const char err_ack[] = "0300001a02f0803203000031060002000581040401ff04000800";
	/* szl_0424_res claiming 2 records of 20 bytes with one present */
	static const char bad_count[] =
	    "0300003d02f080320700000500000c0020000112081284010200000000ff09001c04240000"
	    "001400025144ff0800000000000000001602081451375692";
	static const struct step err_steps[] = {{TS, read_job}, {TC, err_ack}};
	struct rec *r = calloc(1, sizeof(*r));
	uint8_t b[64];
	size_t n = unhex(bad_tpkt, b, sizeof(b));

	(void)unused;
	assert_non_null(r);
	assert_int_equal(run_parse(P, NULL, b, n, TS, r, NULL), MK_V_INVALID);
	rec_expect(r, tpkt);
	free(r);
	expect_one(TS, bad_cotp, cotp);
	expect_one(TS, bad_plen, hdr);
	expect_one(TS, bad_rosctr, hdr);
	expect_one(TS, bad_pid, hdr);
	expect_one(TS, bad_fn, fn);
	expect_one(TS, bad_ud, ud);
	expect_flow(err_steps, N(err_steps), err);
	expect_one(TC, bad_count, szl);
}

/* A TPKT longer than the parser keeps is skipped by its length, without
 * buffering; a gap makes the parser drop bytes until the next TPKT header. */
static void test_skip_and_gap(void **unused)
{
	struct rec *r = calloc(1, sizeof(*r));
	struct sim s;
	uint8_t big[1000] = {0x03, 0x00, 0x13, 0x88}; /* TPKT length 5000 */
	uint8_t junk[5] = {0x11, 0x22, 0x33, 0x44, 0x55};
	static const char *const exp[] = {"operation read read_var", "operation read read_var",
	                                  NULL};

	(void)unused;
	assert_non_null(r);
	sim_init(&s, r);
	assert_int_equal(sim_feed(&s, TS, big, sizeof(big)), MK_V_OK);
	memset(big, 0x5a, sizeof(big));
	for (int i = 0; i < 4; i++)
		assert_int_equal(sim_feed(&s, TS, big, sizeof(big)), MK_V_OK);
	assert_int_equal(s.plen[0], 0);
	sim_hex(&s, TS, read_job);
	assert_int_equal(P->gap(s.state, TS), MK_V_OK);
	assert_int_equal(sim_feed(&s, TS, junk, sizeof(junk)), MK_V_OK);
	assert_int_equal(s.plen[0], 0);
	sim_hex(&s, TS, read_job);
	rec_expect(r, exp);
	sim_done(&s);
	free(r);
}

/* ---- every truncation, every split ---- */

static const char *const valid[] = {
    cr_plc_status, cc_plc_status,  setup_job,      setup_ack,     empty_dt,         szl_0132_req,
    read_job,      read_ack,       write_job,      req_download,  download_block,   download_ended,
    pi_inse,       pi_cold,        plc_stop,       start_upload,  start_upload_ack, szl_0011_req,
    req_download_ack, plc_stop_refused,
    szl_0011_res,  szl_001c_req,   szl_001c_res1,  szl_001c_next, szl_001c_res2,    szl_0424_res,
    password_req,  block_info_req, read_clock_req, set_clock_req,
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
				/* A cut TPKT is waited for, never half-consumed. */
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
	assert_string_equal(P->name, "s7comm");
	assert_string_equal(mk_proto_id_name(P->id), "s7comm");
	assert_int_equal(P->transports, MK_TRANSPORT_TCP);
	assert_non_null(P->probe);
	assert_non_null(P->parse);
	assert_non_null(P->gap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe),
	    cmocka_unit_test(test_connection),
	    cmocka_unit_test(test_setup),
	    cmocka_unit_test(test_read_write),
	    cmocka_unit_test(test_download),
	    cmocka_unit_test(test_results),
	    cmocka_unit_test(test_control),
	    cmocka_unit_test(test_upload),
	    cmocka_unit_test(test_szl_0011),
	    cmocka_unit_test(test_szl_001c_fragments),
	    cmocka_unit_test(test_szl_0424),
	    cmocka_unit_test(test_userdata_kinds),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_skip_and_gap),
	    cmocka_unit_test(test_every_truncation),
	    cmocka_unit_test(test_every_split),
	    cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

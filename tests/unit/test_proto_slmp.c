/* test_proto_slmp.c - unit tests of the MELSEC MC protocol / SLMP plug-in
 * (src/proto/slmp/slmp.c).
 *
 * Vectors (TCP payloads, written as hex or, for ASCII code, as text):
 *   tests/captures/slmp/<file> frame N   made by tests/peers/slmp/make-captures.sh
 *       (npm mcprotocol 0.1.2 or extra_client.py against responder.py); frame
 *       numbers as `tshark -r FILE` counts them.
 *   "FX3U-ENET-ADP 7.3.2"                FX3U-ENET-ADP User's Manual, 7.3 message
 *       format example (batch read of M100-M107, binary and ASCII).
 *   "FX3U-ENET-ADP 7.6.3"                PLC model name read example (15H / 95H F3H).
 *   "SLMP 4 / 5.x"                       built field by field from the SLMP Reference
 *       Manual SH-080956ENG chapter 4 (3E/4E header) and the named command of
 *       chapter 5; the comment lists the fields.
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

extern const struct mk_proto mk_proto_slmp;

#define TO_S MK_DIR_TO_SERVER
#define TO_C MK_DIR_TO_CLIENT

/* One message of a conversation: direction, and hex bytes (binary code) or
 * text (ASCII code, ascii = true). */
struct msg {
	enum mk_dir dir;
	bool ascii;
	const char *data;
};

static size_t msg_bytes(const struct msg *m, uint8_t *buf, size_t cap)
{
	size_t n = 0;

	if (m->ascii) {
		n = strlen(m->data);
		assert_true(n <= cap);
		memcpy(buf, m->data, n);
		return n;
	}
	for (const char *p = m->data; p[0] != '\0'; p += 2) {
		char t[3] = {p[0], p[1], 0};

		assert_non_null(p[1] != '\0' ? p : NULL);
		assert_true(n < cap);
		buf[n++] = (uint8_t)strtoul(t, NULL, 16);
	}
	return n;
}

/* ---- a stream simulator with the engine's buffering (see engine.c run_parser) ---- */

struct sim {
	uint8_t state[512];
	uint8_t pend[2][16384];
	size_t plen[2];
	struct rec r;
	struct mk_pkt pkt;
	bool udp;
};

static enum mk_verdict sim_feed(struct sim *s, enum mk_dir dir, const uint8_t *p, size_t n)
{
	struct mk_emit out = {.sink = rec_sink, .ctx = &s->r, .pkt = s->udp ? &s->pkt : NULL,
	                      .dir = (int)dir, .proto = mk_proto_slmp.id};
	size_t off = 0, total;
	uint8_t *buf = s->pend[dir];
	enum mk_verdict v = MK_V_OK;

	assert_true(mk_proto_slmp.state_size <= sizeof(s->state));
	assert_true(s->plen[dir] + n <= sizeof(s->pend[dir]));
	memcpy(buf + s->plen[dir], p, n);
	total = s->plen[dir] + n;
	for (int round = 0; off < total && round < 64; round++) {
		struct mk_rd rd;
		size_t consumed = 0;
		uint8_t *copy = malloc(total - off); /* exact size, for ASan */

		assert_non_null(copy);
		memcpy(copy, buf + off, total - off);
		mk_rd_init(&rd, copy, total - off);
		v = mk_proto_slmp.parse(s->state, &rd, dir, &consumed, &out);
		free(copy);
		assert_true(consumed <= total - off);
		if (v == MK_V_INVALID)
			return v;
		off += consumed;
		if (v == MK_V_NEED || consumed == 0 || s->udp)
			break; /* UDP: one call per datagram */
	}
	memmove(buf, buf + off, total - off);
	s->plen[dir] = total - off;
	if (s->udp)
		s->plen[dir] = 0; /* a datagram is never continued */
	return v;
}

static struct sim *sim_new(void)
{
	struct sim *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->pkt.ip_proto = 6;
	return s;
}

/* Runs the messages through one flow; split > 0 cuts every message at that
 * byte into two calls. */
static void run_msgs(struct sim *s, const struct msg *m, size_t split)
{
	for (; m->data != NULL; m++) {
		uint8_t buf[4096];
		size_t n = msg_bytes(m, buf, sizeof(buf));

		if (split > 0 && split < n) {
			assert_int_not_equal(sim_feed(s, m->dir, buf, split), MK_V_INVALID);
			assert_int_not_equal(sim_feed(s, m->dir, buf + split, n - split), MK_V_INVALID);
		} else {
			assert_int_not_equal(sim_feed(s, m->dir, buf, n), MK_V_INVALID);
		}
	}
}

/* Expected facts, and the same facts whatever byte each message is split at. */
static void check_conversation(const struct msg *m, const char *const *exp)
{
	struct sim *s = sim_new();
	size_t longest = 0;

	run_msgs(s, m, 0);
	rec_expect(&s->r, exp);
	for (const struct msg *p = m; p->data != NULL; p++) {
		uint8_t buf[4096];
		size_t n = msg_bytes(p, buf, sizeof(buf));

		longest = n > longest ? n : longest;
	}
	for (size_t cut = 1; cut < longest; cut++) {
		memset(s, 0, sizeof(*s));
		run_msgs(s, m, cut);
		rec_expect(&s->r, exp);
	}
	free(s);
}

/* Every truncation of every message, alone on a fresh flow: a cut message may
 * say less, never something else. */
static void check_truncations(const struct msg *m)
{
	for (; m->data != NULL; m++) {
		uint8_t buf[4096];
		size_t n = msg_bytes(m, buf, sizeof(buf));
		struct rec all = {0};

		run_parse(&mk_proto_slmp, NULL, buf, n, m->dir, &all, NULL);
		for (size_t cut = 0; cut < n; cut++) {
			struct rec part = {0};

			run_parse(&mk_proto_slmp, NULL, buf, cut, m->dir, &part, NULL);
			rec_subset(&part, &all, cut);
		}
	}
}

#define ROLE_PLC "role sender plc (80) answers MELSEC MC/SLMP requests"
#define ROLE_EWS "role sender engineering_workstation (60) issues MELSEC remote STOP/RESET or file writes"
#define ID_Q03 "identity sender vendor=Mitsubishi Electric product=- model=Q03UDVCPU firmware=- serial=-"

/* ---- 3E binary: mcprotocol_3e_binary.pcap ---- */
static const struct msg conv_3e_binary[] = {
	/* frame 4: 5000 net 00 pc FF io 03FF st 00 len 000C timer 0010 cmd 0401 sub 0000
	 * device 000000 code A8 (D) points 5 */
	{TO_S, false, "500000ffff03000c00100001040000000000a80500"},
	/* frame 6: D000 ... len 000C end 0000 + 5 words */
	{TO_C, false, "d00000ffff03000c00000000000000000000000000"},
	/* frame 8: batch read M0 (code 90), 2 words */
	{TO_S, false, "500000ffff03000c00100001040000000000900200"},
	/* frame 9 */
	{TO_C, false, "d00000ffff03000600000000000000"},
	/* frame 14: 1401 batch write D100 (64 00 00, A8) 2 words: 04D2 162E */
	{TO_S, false, "500000ffff03001000100001140000640000a80200d2042e16"},
	/* frame 15: end code 0000 */
	{TO_C, false, "d00000ffff030002000000"},
	{0},
};
static const char *const facts_3e_binary[] = {
	"operation read batch_read D0 points=5",
	ROLE_PLC,
	"operation read batch_read M0 points=2",
	"operation write batch_write D100 points=2",
	NULL,
};

/* ---- 3E ASCII: mcprotocol_3e_ascii.pcap (mcprotocol writes lower-case hex) ---- */
static const struct msg conv_3e_ascii[] = {
	{TO_S, true, "500000ff03ff000018001004010000D*0000000005"}, /* frame 4 */
	{TO_C, true, "D00000ff03ff000018000000000000000000000000"}, /* frame 6 */
	{TO_S, true, "500000ff03ff000018001004010000M*0000000002"}, /* frame 8 */
	{TO_C, true, "D00000ff03ff00000C000000000000"},             /* frame 9 */
	{TO_S, true, "500000ff03ff000020001014010000D*000100000204d2162e"}, /* frame 14 */
	{TO_C, true, "D00000ff03ff0000040000"},                     /* frame 15 */
	{0},
};
static const char *const facts_3e_ascii[] = {
	"operation read batch_read D0 points=5",
	ROLE_PLC,
	"operation read batch_read M0 points=2",
	"operation write batch_write D100 points=2",
	NULL,
};

/* ---- 4E binary: extra_4e_binary.pcap (serial numbers 1230H-1232H) ---- */
static const struct msg conv_4e_binary[] = {
	/* frame 4: 5400 serial 1230 0000 net 00 pc FF io 03FF st 00 len 0006 timer 0010
	 * cmd 0101 (read type name) sub 0000 */
	{TO_S, false, "54003012000000ffff03000600100001010000"},
	/* frame 6: D400 serial 1230 ... len 0014 end 0000 "Q03UDVCPU" + 7 spaces, code 0366 */
	{TO_C, false, "d4003012000000ffff030014000000513033554456435055202020202020206603"},
	/* frame 8: cmd 1002 remote STOP, data 0001 */
	{TO_S, false, "54003112000000ffff030008001000021000000100"},
	{TO_C, false, "d4003112000000ffff030002000000"}, /* frame 9 */
	/* frame 10: cmd 1001 remote RUN, data 0001 00 00 */
	{TO_S, false, "54003212000000ffff03000a0010000110000001000000"},
	{TO_C, false, "d4003212000000ffff030002000000"}, /* frame 11 */
	{0},
};
static const char *const facts_4e_control[] = {
	"operation diagnostic read_type_name",
	ROLE_PLC,
	ID_Q03,
	"attr sender slmp_model_code=0366",
	"operation control remote_stop",
	"anomaly slmp_remote_stop",
	ROLE_EWS,
	"operation control remote_run",
	NULL,
};

/* ---- 4E ASCII: extra_4e_ascii.pcap ---- */
static const struct msg conv_4e_ascii[] = {
	{TO_S, true, "54001230000000FF03FF00000C001001010000"},                 /* frame 4 */
	{TO_C, true, "D4001230000000FF03FF0000180000Q03UDVCPU       0366"},     /* frame 6 */
	{TO_S, true, "54001231000000FF03FF00001000101002000000" "01"},          /* frame 8 */
	{TO_C, true, "D4001231000000FF03FF0000040000"},                         /* frame 9 */
	{TO_S, true, "54001232000000FF03FF00001400101001000000010000"},         /* frame 10 */
	{TO_C, true, "D4001232000000FF03FF0000040000"},                         /* frame 11 */
	{0},
};

/* ---- 4E responses out of order: paired by serial number (SLMP 4, 4E frame) ---- */
static const struct msg conv_4e_reordered[] = {
	/* serial 0001: 0101 read type name; serial 0002: 0401 batch read D0 x1 */
	{TO_S, false, "54000100000000ffff03000600100001010000"},
	{TO_S, false, "54000200000000ffff03000c00100001040000000000a80100"},
	/* serial 0002 answered first (one word), then serial 0001 (the model name) */
	{TO_C, false, "d4000200000000ffff0300040000002a00"},
	{TO_C, false, "d4000100000000ffff030014000000513033554456435055202020202020206603"},
	{0},
};
static const char *const facts_4e_reordered[] = {
	"operation diagnostic read_type_name",
	"operation read batch_read D0 points=1",
	ROLE_PLC,
	ID_Q03,
	"attr sender slmp_model_code=0366",
	NULL,
};

/* ---- 1E binary: mcprotocol_1e_binary.pcap and extra_1e_binary.pcap ---- */
static const struct msg conv_1e_binary[] = {
	/* mcprotocol_1e_binary.pcap frame 4: cmd 01 (batch read word) pc FF timer 000A
	 * head device 00000000 code 4420 (D) points 05 fixed 00 */
	{TO_S, false, "01ff0a000000000020440500"},
	{TO_C, false, "810000000000000000000000"}, /* frame 6: 81 00 + 5 words */
	/* frame 14: cmd 03 (batch write word) D100 2 points, data 04D2 162E */
	{TO_S, false, "03ff0a006400000020440200d2042e16"},
	{TO_C, false, "8300"}, /* frame 15 */
	/* extra_1e_binary.pcap frames 4, 6: 15H model read, 95H 00 F3 00 */
	{TO_S, false, "15ff0a00"},
	{TO_C, false, "9500f300"},
	/* frames 8, 9: 14H remote STOP */
	{TO_S, false, "14ff0a00"},
	{TO_C, false, "9400"},
	/* frames 10, 11: 13H remote RUN */
	{TO_S, false, "13ff0a00"},
	{TO_C, false, "9300"},
	{0},
};
static const char *const facts_1e_binary[] = {
	"operation read batch_read_word D0 points=5",
	ROLE_PLC,
	"operation write batch_write_word D100 points=2",
	"operation diagnostic read_cpu_model",
	"identity sender vendor=Mitsubishi Electric product=- model=FX3U/FX3UC firmware=- serial=-",
	"attr sender slmp_model_code=F3",
	"operation control remote_stop",
	"anomaly slmp_remote_stop",
	ROLE_EWS,
	"operation control remote_run",
	NULL,
};

/* ---- 1E: the FX3U-ENET-ADP 7.3.2 example (batch read bit M100-M107) ---- */
static const struct msg conv_1e_spec[] = {
	/* 00 FF 0A00 64000000 204D 08 00 */
	{TO_S, false, "00ff0a0064000000204d0800"},
	/* 80 00, M100..M107 one per nibble: 10 10 01 10 */
	{TO_C, false, "800010100110"},
	/* the same in ASCII code: device name before the head device */
	{0},
};
static const struct msg conv_1e_spec_ascii[] = {
	{TO_S, true, "00FF000A4D20000000640800"},
	{TO_C, true, "800010100110"},
	/* mcprotocol_1e_ascii.pcap frames 14, 15: batch write word D100 x2 */
	{TO_S, true, "03ff000a442000000064020004d2162e"},
	{TO_C, true, "8300"},
	{0},
};
static const char *const facts_1e_spec[] = {
	"operation read batch_read_bit M100 points=8",
	ROLE_PLC,
	NULL,
};
static const char *const facts_1e_spec_ascii[] = {
	"operation read batch_read_bit M100 points=8",
	ROLE_PLC,
	"operation write batch_write_word D100 points=2",
	NULL,
};

/* ---- 3E binary commands built from SLMP 4 / 5.x ---- */
static const struct msg conv_3e_commands[] = {
	/* 0401 sub 0002 (iQ-R extended): device 00000100 (4 bytes) code 00A8 (2) points 3 */
	{TO_S, false, "500000ffff03000e00" "10000104020000010000a8000300"},
	/* 0403 random read sub 0000: 2 word points, 1 dword point, then specs */
	{TO_S, false, "500000ffff0300140010000304000002010a0000a8140000a8c80000a8"},
	/* 1402 random write sub 0001 (bits): 1 point: Y20 (code 9D) ON */
	{TO_S, false, "500000ffff03000c00100002140100012000009d01"},
	/* 1406 block write sub 0000: 1 word block, 0 bit blocks, W100 (000100, B4) 1 point 0007 */
	{TO_S, false, "500000ffff030010001000061400000100000100b401000700"},
	/* 0801 monitor register: 1 word point; 0802 monitor */
	{TO_S, false, "500000ffff03000c0010000108000001000a0000a8"},
	{TO_S, false, "500000ffff030006001000020800 00"},
	/* 1006 remote RESET, 1005 latch clear, 1003 pause */
	{TO_S, false, "500000ffff0300080010000610000001 00"},
	{TO_S, false, "500000ffff03000800100005100000 0100"},
	{TO_S, false, "500000ffff0300080010000310000001 00"},
	/* 1630 remote unlock: length 0004 "pass"; 1631 lock */
	{TO_S, false, "500000ffff03000c001000301600000400 70617373"},
	{TO_S, false, "500000ffff03000c001000311600000400 70617373"},
	/* 1829 file write, 1828 file read (data abbreviated to 2 bytes) */
	{TO_S, false, "500000ffff030008001000291800000000"},
	{TO_S, false, "500000ffff030008001000281800000000"},
	/* 0619 self test (loopback 2 bytes "AB"), 1617 clear error */
	{TO_S, false, "500000ffff03000a00100019060000020041 42"},
	{TO_S, false, "500000ffff030006001000171600 00"},
	/* 0613 memory read, 1613 memory write (no data decoded) */
	{TO_S, false, "500000ffff03000c0010001306000000000000 0100"},
	{TO_S, false, "500000ffff03000e0010001316000000000000 01003412"},
	{0},
};
static const char *const facts_3e_commands[] = {
	"operation read batch_read D256 points=3",
	"operation read random_read words=2 dwords=1",
	"operation write random_write bits=1",
	"operation write block_write word_blocks=1 bit_blocks=0",
	"operation read monitor_register words=1 dwords=0",
	"operation read monitor",
	"operation control remote_reset",
	"anomaly slmp_remote_stop",
	ROLE_EWS,
	"operation control remote_latch_clear",
	"anomaly slmp_remote_stop",
	"operation control remote_pause",
	"anomaly slmp_remote_stop",
	"operation auth remote_unlock",
	"operation auth remote_lock",
	"operation program file_write",
	"operation read file_read",
	"operation diagnostic self_test",
	"operation diagnostic clear_error",
	"operation read memory_read",
	"operation write memory_write",
	NULL,
};

/* ---- errors: end code C059 (SLMP 4 "end code"), failed unlock, unknown command ---- */
static const struct msg conv_errors[] = {
	/* 1630 unlock, answered with end code C201 + error information (9 bytes) */
	{TO_S, false, "500000ffff03000c00100030160000040070617373"},
	{TO_C, false, "d00000ffff03000b0001c200ffff030030160000"},
	/* unknown command 0E30 (not in the table), answered with C059 */
	{TO_S, false, "500000ffff030006001000300e0000"},
	{TO_C, false, "d00000ffff03000b0059c000ffff0300300e0000"},
	{0},
};
static const char *const facts_errors[] = {
	"operation auth remote_unlock",
	ROLE_PLC,
	"anomaly slmp_error_response",
	"attr sender slmp_end_code=C201",
	"anomaly slmp_unlock_failed",
	"operation other cmd=0E30 sub=0000",
	"anomaly slmp_unknown_command",
	"anomaly slmp_error_response",
	"attr sender slmp_end_code=C059",
	NULL,
};

/* Removes blanks from the hex above (spacing only for reading). */
static void compact(struct msg *dst, const struct msg *src, char store[][128], size_t n)
{
	size_t i;

	for (i = 0; src[i].data != NULL && i + 1 < n; i++) {
		size_t o = 0;

		for (const char *p = src[i].data; *p != '\0' && o + 1 < 128; p++)
			if (*p != ' ')
				store[i][o++] = *p;
		store[i][o] = '\0';
		dst[i] = src[i];
		dst[i].data = store[i];
	}
	memset(&dst[i], 0, sizeof(dst[i]));
}

static void test_3e(void **unused)
{
	(void)unused;
	check_conversation(conv_3e_binary, facts_3e_binary);
	check_conversation(conv_3e_ascii, facts_3e_ascii);
	check_truncations(conv_3e_binary);
	check_truncations(conv_3e_ascii);
}

static void test_4e(void **unused)
{
	(void)unused;
	check_conversation(conv_4e_binary, facts_4e_control);
	check_conversation(conv_4e_ascii, facts_4e_control);
	check_conversation(conv_4e_reordered, facts_4e_reordered);
	check_truncations(conv_4e_binary);
	check_truncations(conv_4e_ascii);
}

static void test_1e(void **unused)
{
	(void)unused;
	check_conversation(conv_1e_binary, facts_1e_binary);
	check_conversation(conv_1e_spec, facts_1e_spec);
	check_conversation(conv_1e_spec_ascii, facts_1e_spec_ascii);
	check_truncations(conv_1e_binary);
	check_truncations(conv_1e_spec_ascii);
}

static void test_commands(void **unused)
{
	static char store[32][128];
	struct msg m[32];

	(void)unused;
	compact(m, conv_3e_commands, store, 32);
	check_conversation(m, facts_3e_commands);
	check_truncations(m);
	compact(m, conv_errors, store, 32);
	check_conversation(m, facts_errors);
	check_truncations(m);
}

/* Every 3E message in one segment, as a busy client sends them. */
static void test_pipelined(void **unused)
{
	struct sim *s = sim_new();
	uint8_t all[512];
	size_t n = 0;

	(void)unused;
	for (const struct msg *m = conv_3e_binary; m->data != NULL; m++)
		if (m->dir == TO_S)
			n += msg_bytes(m, all + n, sizeof(all) - n);
	assert_int_equal(sim_feed(s, TO_S, all, n), MK_V_OK);
	assert_int_equal(s->plen[TO_S], 0);
	assert_int_equal(s->r.n, 3);
	assert_true(rec_has(&s->r, "operation write batch_write D100 points=2"));
	free(s);
}

static void test_malformed(void **unused)
{
	static const struct {
		struct msg m;
		const char *event;
		enum mk_verdict v;
	} bad[] = {
		/* request data length 0004 < 6 (timer + command + subcommand) */
		{{TO_S, false, "500000ffff030004001000010400"}, "slmp_bad_length", MK_V_INVALID},
		/* ASCII 3E with a non-hex character in the header */
		{{TO_S, true, "500000FF03FF00001X001004010000D*0000000005"}, "slmp_bad_frame", MK_V_INVALID},
		/* a 3E flow continued by something that is not a 3E/4E subheader */
		{{TO_S, false, "500000ffff030006001000010100001234567890abcdef"}, "slmp_bad_frame",
		 MK_V_INVALID},
		/* 1E batch read naming no device (code 0000) */
		{{TO_S, false, "01ff0a000000000000000500"}, "slmp_bad_frame", MK_V_OK},
		/* 1E command 7FH: unknown, cannot be framed */
		{{TO_S, false, "7fff0a00"}, "slmp_unknown_command", MK_V_OK},
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t buf[256];
		size_t n = msg_bytes(&bad[i].m, buf, sizeof(buf));
		struct sim *s = sim_new();
		char line[64];

		assert_int_equal(sim_feed(s, bad[i].m.dir, buf, n), bad[i].v);
		snprintf(line, sizeof(line), "anomaly %s", bad[i].event);
		if (!rec_has(&s->r, line))
			fail_msg("case %zu: no %s", i, line);
		free(s);
		for (size_t cut = 0; cut <= n; cut++) {
			struct rec r = {0};

			run_parse(&mk_proto_slmp, NULL, buf, cut, bad[i].m.dir, &r, NULL);
		}
	}
}

/* UDP: a datagram shorter than its request data length says so. */
static void test_udp(void **unused)
{
	struct sim *s = sim_new();
	uint8_t buf[64];
	size_t n = msg_bytes(&conv_3e_binary[0], buf, sizeof(buf));

	(void)unused;
	s->udp = true;
	s->pkt.ip_proto = 17;
	sim_feed(s, TO_S, buf, n);
	assert_true(rec_has(&s->r, "operation read batch_read D0 points=5"));
	sim_feed(s, TO_S, buf, n - 3);
	assert_true(rec_has(&s->r, "anomaly slmp_bad_length"));
	free(s);

	/* Trailing bytes after the request data length: said, and the flow goes on. */
	s = sim_new();
	s->udp = true;
	s->pkt.ip_proto = 17;
	memcpy(buf + n, "\x12\x34", 2);
	assert_int_equal(sim_feed(s, TO_S, buf, n + 2), MK_V_OK);
	assert_true(rec_has(&s->r, "anomaly slmp_bad_length"));
	s->r.n = 0;
	assert_int_equal(sim_feed(s, TO_S, buf, n), MK_V_OK);
	assert_true(rec_has(&s->r, "operation read batch_read D0 points=5"));
	free(s);
}

/* A batch write longer than the parse buffer is classified and skipped. */
static void test_long_message(void **unused)
{
	struct sim *s = sim_new();
	static uint8_t big[9 + 12 + 9000];
	uint8_t next[64];
	size_t len = 12 + 9000, n;

	(void)unused;
	memset(big, 0, sizeof(big));
	/* SLMP 4: 5000 00 FF FF03 00 len(LE) 1000 0114 0000 D0 points 4500 */
	memcpy(big, "\x50\x00\x00\xff\xff\x03\x00", 7);
	big[7] = (uint8_t)len;
	big[8] = (uint8_t)(len >> 8);
	memcpy(big + 9, "\x10\x00\x01\x14\x00\x00\x00\x00\x00\xa8\x94\x11", 12);
	assert_int_equal(sim_feed(s, TO_S, big, 4000), MK_V_OK);
	assert_true(rec_has(&s->r, "operation write batch_write"));
	assert_int_equal(sim_feed(s, TO_S, big + 4000, sizeof(big) - 4000), MK_V_OK);
	n = msg_bytes(&conv_3e_binary[2], next, sizeof(next));
	assert_int_equal(sim_feed(s, TO_S, next, n), MK_V_OK);
	assert_true(rec_has(&s->r, "operation read batch_read M0 points=2"));
	free(s);
}

static int probe_msg(const struct msg *m, size_t len)
{
	uint8_t buf[4096];
	size_t n = msg_bytes(m, buf, sizeof(buf));
	struct mk_rd rd;
	int p;

	mk_rd_init(&rd, buf, len < n ? len : n);
	p = mk_proto_slmp.probe(&rd, m->dir);
	assert_int_equal(rd.off, 0); /* probe reads only */
	return p;
}

static void test_probe(void **unused)
{
	static const struct msg other[] = {
		{TO_S, true, "GET / HTTP/1.1\r\nHost: plc\r\n\r\n"},
		/* a Modbus/TCP read holding registers request */
		{TO_S, false, "000100000006010300000002"},
		/* 5000 subheader but a request data length that does not fit */
		{TO_S, false, "500000ffff0300ff00100001040000000000a80500"},
		/* 1E-looking, PC number not FFH */
		{TO_S, false, "01000a000000000020440500"},
		/* 1E-looking with an unknown device code */
		{TO_S, false, "01ff0a000000000020200500"},
		/* "5000" text that is not a frame */
		{TO_S, true, "5000 apples and 12 pears"},
	};

	(void)unused;
	assert_int_equal(probe_msg(&conv_3e_binary[0], 999), MK_PROBE_SURE);
	assert_int_equal(probe_msg(&conv_3e_binary[1], 999), MK_PROBE_SURE);
	assert_int_equal(probe_msg(&conv_3e_ascii[0], 999), MK_PROBE_SURE);
	assert_int_equal(probe_msg(&conv_4e_binary[0], 999), MK_PROBE_SURE);
	assert_int_equal(probe_msg(&conv_4e_ascii[1], 999), MK_PROBE_SURE);
	assert_int_equal(probe_msg(&conv_1e_binary[0], 999), MK_PROBE_SURE);
	assert_int_equal(probe_msg(&conv_1e_binary[4], 999), MK_PROBE_SURE);
	assert_int_equal(probe_msg(&conv_1e_spec_ascii[0], 999), MK_PROBE_SURE);
	assert_int_equal(probe_msg(&conv_3e_binary[0], 5), MK_PROBE_MAYBE);
	/* 1E responses say too little */
	assert_int_equal(probe_msg(&conv_1e_binary[1], 999), MK_PROBE_NO);
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (probe_msg(&other[i], 999) == MK_PROBE_SURE)
			fail_msg("other %zu probed as slmp", i);
	assert_int_equal(probe_msg(&other[0], 999), MK_PROBE_NO);
	assert_int_equal(probe_msg(&other[1], 999), MK_PROBE_NO);
	/* every prefix of every message: never SURE unless whole */
	for (const struct msg *m = conv_3e_binary; m->data != NULL; m++) {
		uint8_t buf[256];
		size_t n = msg_bytes(m, buf, sizeof(buf));

		for (size_t cut = 0; cut < n; cut++)
			assert_int_not_equal(probe_msg(m, cut), MK_PROBE_SURE);
	}
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_string_equal(mk_proto_slmp.name, "slmp");
	assert_string_equal(mk_proto_id_name(mk_proto_slmp.id), "slmp");
	assert_true(mk_proto_slmp.transports & MK_TRANSPORT_TCP);
	assert_true(mk_proto_slmp.transports & MK_TRANSPORT_UDP);
	assert_true(mk_proto_slmp.max_buffer >= 8192);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_3e),
		cmocka_unit_test(test_4e),
		cmocka_unit_test(test_1e),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_long_message),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

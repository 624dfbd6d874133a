/* slmp.c - Mitsubishi MELSEC communication protocol (MC protocol) and SLMP:
 * 4E, 3E and A-compatible 1E frames, each in binary and in ASCII code, over
 * TCP or UDP.  Every request becomes an operation (device reads and writes
 * with the device and point count, remote RUN/STOP/PAUSE/RESET/latch clear,
 * password unlock/lock, file and diagnostic commands); responses are paired
 * with their request (4E: serial number; 3E and 1E: order) so that the CPU
 * model name reply becomes the PLC's identity and a non-zero end code an event.
 *
 * specification: Mitsubishi "SLMP Reference Manual" SH-080956ENG, chapter 4
 * (message formats: 4E/3E frame header, request data length, end code) and
 * chapter 5 (commands: 5.1 device access 0401/1401/0403/1402/0406/1406/0801/
 * 0802, device code table 5.1 "Devices"; 5.3 remote control 1001-1006; 5.4
 * remote password 1630/1631; 5.5 file 1810-182A; 5.6 self test 0619, clear
 * error 1617; 0101 read type name; 0613/1613 memory, 0601/1601 extend unit);
 * "MELSEC Communication Protocol Reference Manual" SH-080008 (QnA-compatible
 * 3E/4E, A-compatible 1E frame); "FX3U-ENET User's Manual" JY997D18101 chapter
 * 9 / "FX3U-ENET-ADP User's Manual" chapter 7 (1E frames: 7.3 message formats,
 * 7.5 device memory read/write, 7.6 remote RUN/STOP and PLC model name read).
 *
 * ASCII code: every binary field of n bytes is 2n hexadecimal characters,
 * highest digit first; character data (the model name) stays characters.  The
 * request data length of an ASCII frame counts characters.
 */
#include "mieruka/pkt.h"
#include "mieruka/util.h"
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define SLMP_PENDING_MAX 16    /* requests remembered for pairing */
#define SLMP_BODY_MAX 8192     /* bodies parsed whole; longer ones are skipped */
#define SLMP_HDR_MAX 26        /* the longest header: 4E in ASCII */
#define SLMP_DETAIL 64

#define SUB_3E_REQ 0x5000
#define SUB_3E_RSP 0xd000
#define SUB_4E_REQ 0x5400
#define SUB_4E_RSP 0xd400

enum slmp_kind {
	KIND_UNKNOWN,
	KIND_34E, /* 3E/4E binary or ASCII, by subheader */
	KIND_1E,
};

struct slmp_pending {
	uint16_t serial;
	uint16_t cmd;
	uint8_t frame4; /* 1 = 4E (pair by serial) */
};

struct slmp_state {
	uint8_t kind;          /* enum slmp_kind, fixed by the first message */
	uint8_t ascii;         /* 1: ASCII code, fixed by the first message */
	uint8_t said_plc, said_ews, said_unknown, said_bad;
	uint8_t n_pending;
	struct slmp_pending pending[SLMP_PENDING_MAX]; /* oldest first */
	uint8_t e1_cmd;        /* 1E: last request, its points (0 = 256) */
	uint8_t e1_points;
	uint8_t e1_valid;
	uint32_t skip[2];      /* bytes of an over-long message still to skip */
};

static const char *const slmp_events[] = {
	"slmp_bad_frame",
	"slmp_bad_length",
	"slmp_unknown_command",
	"slmp_error_response",
	"slmp_remote_stop",
	"slmp_unlock_failed",
	NULL,
};

/* ---- field reader: binary little-endian, or ASCII hex most significant first ---- */

struct fr {
	struct mk_rd rd;
	bool ascii;
};

/* An n-byte number (n <= 4). */
static uint32_t fr_num(struct fr *f, unsigned n)
{
	uint32_t v = 0;
	const uint8_t *p = mk_rd_ptr(&f->rd, f->ascii ? 2 * n : n);

	if (p == NULL)
		return 0;
	if (f->ascii) {
		for (unsigned i = 0; i < 2 * n; i++) {
			int h = mk_hex_digit(p[i]);

			if (h < 0) {
				f->rd.err = true;
				return 0;
			}
			v = (v << 4) | (uint32_t)h;
		}
	} else {
		for (unsigned i = n; i > 0; i--)
			v = (v << 8) | p[i - 1];
	}
	return v;
}

/* Bytes n binary units take in this code. */
static size_t fr_units(bool ascii, size_t n) { return ascii ? 2 * n : n; }

static bool is_hex4(const struct mk_rd *rd, size_t at)
{
	for (size_t i = 0; i < 4; i++) {
		uint8_t c;

		if (!mk_rd_peek_u8(rd, at + i, &c) || mk_hex_digit(c) < 0)
			return false;
	}
	return true;
}

/* ---- commands (SLMP Reference Manual chapter 5, command list) ---- */

enum slmp_shape {
	SHAPE_NONE,
	SHAPE_BATCH,   /* device spec + points */
	SHAPE_RANDOM,  /* word/dword or bit access points */
	SHAPE_BLOCK,   /* word blocks, bit blocks */
};

struct slmp_cmd {
	uint16_t code;
	uint8_t op;
	uint8_t shape;
	uint8_t stops;  /* stops production: slmp_remote_stop */
	uint8_t ews;    /* proves an engineering tool */
	const char *name;
};

static const struct slmp_cmd slmp_cmds[] = {
	{0x0401, MK_OP_READ, SHAPE_BATCH, 0, 0, "batch_read"},
	{0x1401, MK_OP_WRITE, SHAPE_BATCH, 0, 0, "batch_write"},
	{0x0403, MK_OP_READ, SHAPE_RANDOM, 0, 0, "random_read"},
	{0x1402, MK_OP_WRITE, SHAPE_RANDOM, 0, 0, "random_write"},
	{0x0406, MK_OP_READ, SHAPE_BLOCK, 0, 0, "block_read"},
	{0x1406, MK_OP_WRITE, SHAPE_BLOCK, 0, 0, "block_write"},
	{0x0801, MK_OP_READ, SHAPE_RANDOM, 0, 0, "monitor_register"},
	{0x0802, MK_OP_READ, SHAPE_NONE, 0, 0, "monitor"},
	{0x0601, MK_OP_READ, SHAPE_NONE, 0, 0, "extend_unit_read"},
	{0x1601, MK_OP_WRITE, SHAPE_NONE, 0, 0, "extend_unit_write"},
	{0x0613, MK_OP_READ, SHAPE_NONE, 0, 0, "memory_read"},
	{0x1613, MK_OP_WRITE, SHAPE_NONE, 0, 0, "memory_write"},
	{0x0101, MK_OP_DIAGNOSTIC, SHAPE_NONE, 0, 0, "read_type_name"},
	{0x0619, MK_OP_DIAGNOSTIC, SHAPE_NONE, 0, 0, "self_test"},
	{0x1617, MK_OP_DIAGNOSTIC, SHAPE_NONE, 0, 0, "clear_error"},
	{0x1001, MK_OP_CONTROL, SHAPE_NONE, 0, 0, "remote_run"},
	{0x1002, MK_OP_CONTROL, SHAPE_NONE, 1, 1, "remote_stop"},
	{0x1003, MK_OP_CONTROL, SHAPE_NONE, 1, 1, "remote_pause"},
	{0x1005, MK_OP_CONTROL, SHAPE_NONE, 1, 1, "remote_latch_clear"},
	{0x1006, MK_OP_CONTROL, SHAPE_NONE, 1, 1, "remote_reset"},
	{0x1630, MK_OP_AUTH, SHAPE_NONE, 0, 0, "remote_unlock"},
	{0x1631, MK_OP_AUTH, SHAPE_NONE, 0, 0, "remote_lock"},
	{0x1810, MK_OP_READ, SHAPE_NONE, 0, 0, "file_read_directory"},
	{0x1811, MK_OP_READ, SHAPE_NONE, 0, 0, "file_search_directory"},
	{0x1820, MK_OP_PROGRAM, SHAPE_NONE, 0, 1, "file_new"},
	{0x1822, MK_OP_PROGRAM, SHAPE_NONE, 0, 1, "file_delete"},
	{0x1824, MK_OP_PROGRAM, SHAPE_NONE, 0, 1, "file_copy"},
	{0x1825, MK_OP_PROGRAM, SHAPE_NONE, 0, 1, "file_change_state"},
	{0x1826, MK_OP_PROGRAM, SHAPE_NONE, 0, 1, "file_change_date"},
	{0x1827, MK_OP_OTHER, SHAPE_NONE, 0, 0, "file_open"},
	{0x1828, MK_OP_READ, SHAPE_NONE, 0, 0, "file_read"},
	{0x1829, MK_OP_PROGRAM, SHAPE_NONE, 0, 1, "file_write"},
	{0x182a, MK_OP_OTHER, SHAPE_NONE, 0, 0, "file_close"},
};

static const struct slmp_cmd *slmp_cmd_find(uint16_t code)
{
	for (size_t i = 0; i < sizeof(slmp_cmds) / sizeof(slmp_cmds[0]); i++)
		if (slmp_cmds[i].code == code)
			return &slmp_cmds[i];
	return NULL;
}

/* 1E commands (FX3U-ENET-ADP manual 7.3.2 / SH-080008 A-compatible 1E).
 * kind: 0 read (12 bytes), 1 bit write, 2 word write, 3 random bit write,
 * 4 random word write, 5 header only (4 bytes), 6 loopback. */
enum e1_kind { E1_READ, E1_WBIT, E1_WWORD, E1_TBIT, E1_TWORD, E1_PLAIN, E1_LOOP };

struct e1_cmd {
	uint8_t code;
	uint8_t op;
	uint8_t kind;
	uint8_t stops;
	const char *name;
};

static const struct e1_cmd e1_cmds[] = {
	{0x00, MK_OP_READ, E1_READ, 0, "batch_read_bit"},
	{0x01, MK_OP_READ, E1_READ, 0, "batch_read_word"},
	{0x02, MK_OP_WRITE, E1_WBIT, 0, "batch_write_bit"},
	{0x03, MK_OP_WRITE, E1_WWORD, 0, "batch_write_word"},
	{0x04, MK_OP_WRITE, E1_TBIT, 0, "random_write_bit"},
	{0x05, MK_OP_WRITE, E1_TWORD, 0, "random_write_word"},
	{0x13, MK_OP_CONTROL, E1_PLAIN, 0, "remote_run"},
	{0x14, MK_OP_CONTROL, E1_PLAIN, 1, "remote_stop"},
	{0x15, MK_OP_DIAGNOSTIC, E1_PLAIN, 0, "read_cpu_model"},
	{0x16, MK_OP_DIAGNOSTIC, E1_LOOP, 0, "loopback_test"},
};

static const struct e1_cmd *e1_cmd_find(uint8_t code)
{
	for (size_t i = 0; i < sizeof(e1_cmds) / sizeof(e1_cmds[0]); i++)
		if (e1_cmds[i].code == code)
			return &e1_cmds[i];
	return NULL;
}

/* ---- device codes ---- */

/* 3E/4E binary device codes, SLMP Reference Manual 5.1 "Devices" (the 2-byte
 * codes of subcommands 0002/0003 are the same values).  hex: the device number
 * is hexadecimal. */
struct slmp_dev {
	uint8_t code;
	uint8_t hex;
	const char *name;
};

static const struct slmp_dev slmp_devs[] = {
	{0x91, 0, "SM"}, {0xa9, 0, "SD"}, {0x9c, 1, "X"}, {0x9d, 1, "Y"}, {0x90, 0, "M"},
	{0x92, 0, "L"}, {0x93, 0, "F"}, {0x94, 0, "V"}, {0xa0, 1, "B"}, {0xa8, 0, "D"},
	{0xb4, 1, "W"}, {0xc1, 0, "TS"}, {0xc0, 0, "TC"}, {0xc2, 0, "TN"}, {0x51, 0, "LTS"},
	{0x50, 0, "LTC"}, {0x52, 0, "LTN"}, {0xc7, 0, "STS"}, {0xc6, 0, "STC"}, {0xc8, 0, "STN"},
	{0x59, 0, "LSTS"}, {0x58, 0, "LSTC"}, {0x5a, 0, "LSTN"}, {0xc4, 0, "CS"}, {0xc3, 0, "CC"},
	{0xc5, 0, "CN"}, {0x55, 0, "LCS"}, {0x54, 0, "LCC"}, {0x56, 0, "LCN"}, {0xa1, 1, "SB"},
	{0xb5, 1, "SW"}, {0x98, 0, "S"}, {0xa2, 1, "DX"}, {0xa3, 1, "DY"}, {0xcc, 0, "Z"},
	{0x62, 0, "LZ"}, {0xaf, 0, "R"}, {0xb0, 0, "ZR"}, {0x2c, 0, "RD"}, {0x2e, 0, "HG"},
};

static const struct slmp_dev *slmp_dev_find(uint16_t code)
{
	for (size_t i = 0; i < sizeof(slmp_devs) / sizeof(slmp_devs[0]); i++)
		if (slmp_devs[i].code == code)
			return &slmp_devs[i];
	return NULL;
}

/* 1E device codes are two ASCII letters (FX3U-ENET-ADP manual 7.5.1, e.g.
 * D = 4420H, TN = 544EH); these are the ones an FX/A CPU accepts. */
static const char *const e1_devs[] = {"D ", "R ", "TN", "TS", "CN", "CS", "X ", "Y ", "M ",
                                      "S ", "B ", "F ", "W "};

static bool e1_dev_name(uint16_t code, char name[3])
{
	name[0] = (char)(code >> 8);
	name[1] = (char)(code & 0xff);
	name[2] = '\0';
	for (size_t i = 0; i < sizeof(e1_devs) / sizeof(e1_devs[0]); i++)
		if (memcmp(e1_devs[i], name, 2) == 0) {
			if (name[1] == ' ')
				name[1] = '\0';
			return true;
		}
	return false;
}

/* ---- small helpers ---- */

static void slmp_bad(struct slmp_state *st, struct mk_emit *out, const char *event)
{
	if (st->said_bad)
		return;
	st->said_bad = 1;
	mk_emit_anomaly(out, event);
}

static bool is_udp(const struct mk_emit *out)
{
	return out->pkt != NULL && out->pkt->ip_proto == 17;
}

static void pending_push(struct slmp_state *st, bool frame4, uint16_t serial, uint16_t cmd)
{
	if (st->n_pending == SLMP_PENDING_MAX) {
		memmove(&st->pending[0], &st->pending[1], sizeof(st->pending[0]) * (SLMP_PENDING_MAX - 1));
		st->n_pending--;
	}
	st->pending[st->n_pending].frame4 = frame4;
	st->pending[st->n_pending].serial = serial;
	st->pending[st->n_pending].cmd = cmd;
	st->n_pending++;
}

/* The command a response answers, or 0 when unknown. */
static uint16_t pending_pop(struct slmp_state *st, bool frame4, uint16_t serial)
{
	for (unsigned i = 0; i < st->n_pending; i++) {
		uint16_t cmd;

		if (st->pending[i].frame4 != frame4 || (frame4 && st->pending[i].serial != serial))
			continue;
		cmd = st->pending[i].cmd;
		memmove(&st->pending[i], &st->pending[i + 1], sizeof(st->pending[0]) * (st->n_pending - i - 1));
		st->n_pending--;
		return cmd;
	}
	return 0;
}

static void said_plc(struct slmp_state *st, struct mk_emit *out)
{
	if (st->said_plc)
		return;
	st->said_plc = 1;
	mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_PLC, 80,
	             "answers MELSEC MC/SLMP requests");
}

static void said_ews(struct slmp_state *st, struct mk_emit *out)
{
	if (st->said_ews)
		return;
	st->said_ews = 1;
	mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_ENGINEERING_WORKSTATION, 60,
	             "issues MELSEC remote STOP/RESET or file writes");
}

/* A device number as the engineering tools write it. */
static void dev_text(char *buf, size_t cap, const char *name, uint32_t num, bool hex)
{
	snprintf(buf, cap, hex ? "%s%X" : "%s%u", name, (unsigned)num);
}

/* ---- 3E / 4E ---- */

/* Device spec of subcommands 0000/0001 (3-byte number, 1-byte code; ASCII:
 * 2-char code, 6 digits) and 0002/0003 (4-byte number, 2-byte code; ASCII:
 * 4-char code, 8 digits ... 10 in iQ-R: SLMP 5.1 "Device code" tables). */
static bool dev_spec(struct fr *f, bool ext, char *buf, size_t cap)
{
	if (f->ascii) {
		size_t clen = ext ? 4 : 2, nlen = ext ? 10 : 6, o = 0, i;
		const uint8_t *code = mk_rd_ptr(&f->rd, clen);
		const uint8_t *num = mk_rd_ptr(&f->rd, nlen);
		char name[5];

		if (code == NULL || num == NULL)
			return false;
		for (i = 0; i < clen; i++) {
			if (code[i] == '*' || code[i] == ' ')
				continue;
			if (code[i] < 'A' || code[i] > 'Z')
				return false;
			name[o++] = (char)code[i];
		}
		if (o == 0)
			return false;
		name[o] = '\0';
		for (i = 0; i + 1 < nlen && num[i] == '0'; i++)
			;
		{
			char digits[11];
			size_t n = 0;

			for (; i < nlen; i++) {
				if (mk_hex_digit(num[i]) < 0)
					return false;
				digits[n++] = (char)num[i];
			}
			digits[n] = '\0';
			snprintf(buf, cap, "%s%s", name, digits);
		}
		return true;
	} else {
		uint32_t num = fr_num(f, ext ? 4 : 3);
		uint16_t code = (uint16_t)fr_num(f, ext ? 2 : 1);
		const struct slmp_dev *d = slmp_dev_find(code);
		char name[12];

		if (!mk_rd_ok(&f->rd))
			return false;
		if (d == NULL) {
			snprintf(name, sizeof(name), "dev%02X:", (unsigned)code);
			dev_text(buf, cap, name, num, false);
		} else {
			dev_text(buf, cap, d->name, num, d->hex);
		}
		return true;
	}
}

/* The operation detail of one request body (after monitoring timer). */
static void request_detail(const struct slmp_cmd *c, uint16_t sub, struct fr *f, char *buf, size_t cap)
{
	char dev[40];

	switch (c->shape) {
	case SHAPE_BATCH:
		if (sub <= 0x0003 && dev_spec(f, sub >= 0x0002, dev, sizeof(dev))) {
			uint16_t pts = (uint16_t)fr_num(f, 2);

			if (mk_rd_ok(&f->rd)) {
				snprintf(buf, cap, "%s %s points=%u", c->name, dev, pts);
				return;
			}
		}
		break;
	case SHAPE_RANDOM:
		if (c->code == 0x1402 && (sub & 1)) {
			uint8_t bits = (uint8_t)fr_num(f, 1);

			if (mk_rd_ok(&f->rd)) {
				snprintf(buf, cap, "%s bits=%u", c->name, bits);
				return;
			}
		} else if (sub <= 0x0003) {
			uint8_t w = (uint8_t)fr_num(f, 1), d = (uint8_t)fr_num(f, 1);

			if (mk_rd_ok(&f->rd)) {
				snprintf(buf, cap, "%s words=%u dwords=%u", c->name, w, d);
				return;
			}
		}
		break;
	case SHAPE_BLOCK:
		if (sub <= 0x0003) {
			uint8_t w = (uint8_t)fr_num(f, 1), b = (uint8_t)fr_num(f, 1);

			if (mk_rd_ok(&f->rd)) {
				snprintf(buf, cap, "%s word_blocks=%u bit_blocks=%u", c->name, w, b);
				return;
			}
		}
		break;
	default:
		break;
	}
	if (sub != 0)
		snprintf(buf, cap, "%s sub=%04X", c->name, (unsigned)sub);
	else
		snprintf(buf, cap, "%s", c->name);
}

static void request_34e(struct slmp_state *st, struct fr *body, bool frame4, uint16_t serial,
                        struct mk_emit *out)
{
	uint16_t cmd, sub;
	const struct slmp_cmd *c;
	char detail[SLMP_DETAIL];

	(void)fr_num(body, 2); /* monitoring timer */
	cmd = (uint16_t)fr_num(body, 2);
	sub = (uint16_t)fr_num(body, 2);
	if (!mk_rd_ok(&body->rd)) {
		slmp_bad(st, out, "slmp_bad_length");
		return;
	}
	pending_push(st, frame4, serial, cmd);
	c = slmp_cmd_find(cmd);
	if (c == NULL) {
		mk_emit_operationf(out, MK_OP_OTHER, "cmd=%04X sub=%04X", (unsigned)cmd, (unsigned)sub);
		if (!st->said_unknown) {
			st->said_unknown = 1;
			mk_emit_anomaly(out, "slmp_unknown_command");
		}
		return;
	}
	request_detail(c, sub, body, detail, sizeof(detail));
	mk_emit_operation(out, (enum mk_op_class)c->op, detail);
	if (c->stops)
		mk_emit_anomaly(out, "slmp_remote_stop");
	if (c->ews)
		said_ews(st, out);
}

/* Read Type Name (0101) response: model name 16 characters (space padded),
 * model code 2 bytes (SLMP 5.x "Read Type Name"). */
static void type_name(struct fr *body, struct mk_emit *out)
{
	const uint8_t *p = mk_rd_ptr(&body->rd, 16);
	char model[17], code[8];
	size_t n = 0;
	uint16_t mc;
	struct mk_identity id = {.vendor = "Mitsubishi Electric"};

	if (p == NULL)
		return;
	for (size_t i = 0; i < 16 && p[i] != 0; i++)
		model[n++] = (char)p[i];
	while (n > 0 && model[n - 1] == ' ')
		n--;
	model[n] = '\0';
	mc = (uint16_t)fr_num(body, 2);
	if (n > 0) {
		id.model = model;
		mk_emit_identity(out, mk_host_rel(MK_HOST_SENDER), &id);
	}
	if (mk_rd_ok(&body->rd)) {
		snprintf(code, sizeof(code), "%04X", (unsigned)mc);
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "slmp_model_code", code, strlen(code));
	}
}

static void response_34e(struct slmp_state *st, struct fr *body, bool frame4, uint16_t serial,
                         struct mk_emit *out)
{
	uint16_t end = (uint16_t)fr_num(body, 2);
	uint16_t cmd;

	if (!mk_rd_ok(&body->rd)) {
		slmp_bad(st, out, "slmp_bad_length");
		return;
	}
	cmd = pending_pop(st, frame4, serial);
	said_plc(st, out);
	if (end != 0) {
		char code[8];

		snprintf(code, sizeof(code), "%04X", (unsigned)end);
		mk_emit_anomaly(out, "slmp_error_response");
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "slmp_end_code", code, strlen(code));
		if (cmd == 0x1630)
			mk_emit_anomaly(out, "slmp_unlock_failed");
		return;
	}
	if (cmd == 0x0101)
		type_name(body, out);
}

/* One 3E/4E message at the reader's position.  Returns OK with *used set,
 * NEED, or INVALID. */
static enum mk_verdict parse_34e(struct slmp_state *st, struct mk_rd *rd, size_t *used,
                                 struct mk_emit *out)
{
	struct fr f = {.rd = *rd, .ascii = st->ascii};
	uint16_t sub, serial = 0, len;
	bool frame4, req;
	size_t hdr, total;

	if (f.ascii) {
		if (!is_hex4(rd, 0)) {
			if (mk_rd_left(rd) < 4)
				return MK_V_NEED;
			slmp_bad(st, out, "slmp_bad_frame");
			return MK_V_INVALID;
		}
		sub = (uint16_t)fr_num(&f, 2);
	} else {
		sub = mk_rd_be16(&f.rd);
	}
	if (!mk_rd_ok(&f.rd))
		return MK_V_NEED;
	if (sub != SUB_3E_REQ && sub != SUB_3E_RSP && sub != SUB_4E_REQ && sub != SUB_4E_RSP) {
		slmp_bad(st, out, "slmp_bad_frame");
		return MK_V_INVALID;
	}
	frame4 = sub == SUB_4E_REQ || sub == SUB_4E_RSP;
	req = sub == SUB_3E_REQ || sub == SUB_4E_REQ;
	if (frame4) {
		serial = (uint16_t)fr_num(&f, 2);
		(void)fr_num(&f, 2); /* fixed 0000 */
	}
	(void)fr_num(&f, 1); /* network no. */
	(void)fr_num(&f, 1); /* PC no. */
	(void)fr_num(&f, 2); /* request destination module I/O no. */
	(void)fr_num(&f, 1); /* request destination module station no. */
	len = (uint16_t)fr_num(&f, 2);
	if (!mk_rd_ok(&f.rd)) {
		/* A header cut short, or not hex digits where hex digits belong. */
		if (mk_rd_left(rd) >= fr_units(f.ascii, frame4 ? 13 : 9)) {
			slmp_bad(st, out, "slmp_bad_frame");
			return MK_V_INVALID;
		}
		if (is_udp(out))
			slmp_bad(st, out, "slmp_bad_length");
		return MK_V_NEED;
	}
	hdr = f.rd.off - rd->off;
	/* The request data length counts from the monitoring timer (request) or
	 * the end code (response) on; less than those is a broken frame. */
	if (len < fr_units(f.ascii, req ? 6 : 2)) {
		slmp_bad(st, out, "slmp_bad_length");
		return MK_V_INVALID;
	}
	total = hdr + len;
	if (len > SLMP_BODY_MAX) {
		/* Too long to buffer: classify from what is here, skip the rest. */
		struct fr head = f;

		if (mk_rd_left(&f.rd) < fr_units(f.ascii, req ? 6 : 2))
			return MK_V_NEED;
		head.rd.len = head.rd.off + fr_units(f.ascii, req ? 6 : 2);
		if (req)
			request_34e(st, &head, frame4, serial, out);
		else
			response_34e(st, &head, frame4, serial, out);
		*used = mk_rd_left(rd) < total ? mk_rd_left(rd) : total;
		if (!is_udp(out))
			st->skip[out->dir & 1] = (uint32_t)(total - *used);
		return MK_V_OK;
	}
	if (mk_rd_left(rd) < total) {
		if (is_udp(out))
			slmp_bad(st, out, "slmp_bad_length");
		return MK_V_NEED;
	}
	{
		struct fr body = {.ascii = f.ascii};

		mk_rd_sub(&f.rd, len, &body.rd);
		if (req)
			request_34e(st, &body, frame4, serial, out);
		else
			response_34e(st, &body, frame4, serial, out);
	}
	*used = total;
	return MK_V_OK;
}

/* ---- 1E ---- */

/* Binary units of a 1E request after the 4-byte header, from the bytes at
 * hand: 0 = not yet known (need more bytes). */
static size_t e1_request_units(const struct e1_cmd *c, struct fr f)
{
	size_t n;

	switch (c->kind) {
	case E1_READ:
		return 12;
	case E1_WBIT:
	case E1_WWORD:
		mk_rd_skip(&f.rd, fr_units(f.ascii, 10));
		n = fr_num(&f, 1);
		if (!mk_rd_ok(&f.rd))
			return 0;
		if (n == 0)
			n = 256;
		return 12 + (c->kind == E1_WBIT ? (n + 1) / 2 : 2 * n);
	case E1_TBIT:
	case E1_TWORD:
		/* points(1) fixed 00(1), then per point: device no.(4) code(2)
		 * and ON/OFF(1) or data(2). */
		mk_rd_skip(&f.rd, fr_units(f.ascii, 4));
		n = fr_num(&f, 1);
		if (!mk_rd_ok(&f.rd))
			return 0;
		return 6 + n * (c->kind == E1_TBIT ? 7 : 8);
	case E1_LOOP:
		mk_rd_skip(&f.rd, fr_units(f.ascii, 4));
		n = fr_num(&f, 1);
		if (!mk_rd_ok(&f.rd))
			return 0;
		return 5 + n;
	default:
		return 4;
	}
}

static enum mk_verdict parse_1e_request(struct slmp_state *st, struct mk_rd *rd, size_t *used,
                                        struct mk_emit *out)
{
	struct fr f = {.rd = *rd, .ascii = st->ascii};
	uint8_t code = (uint8_t)fr_num(&f, 1);
	const struct e1_cmd *c;
	size_t units, total;
	char detail[SLMP_DETAIL];

	if (!mk_rd_ok(&f.rd)) {
		if (mk_rd_left(rd) < fr_units(f.ascii, 1))
			return MK_V_NEED;
		slmp_bad(st, out, "slmp_bad_frame");
		return MK_V_INVALID;
	}
	c = e1_cmd_find(code);
	if (c == NULL) {
		/* No length field in a 1E frame: an unknown command cannot be framed. */
		mk_emit_operationf(out, MK_OP_OTHER, "cmd=%02X", (unsigned)code);
		if (!st->said_unknown) {
			st->said_unknown = 1;
			mk_emit_anomaly(out, "slmp_unknown_command");
		}
		st->e1_valid = 0;
		*used = mk_rd_left(rd);
		return MK_V_OK;
	}
	units = e1_request_units(c, (struct fr){.rd = *rd, .ascii = st->ascii});
	if (units == 0) {
		if (is_udp(out))
			slmp_bad(st, out, "slmp_bad_length");
		return MK_V_NEED;
	}
	total = fr_units(f.ascii, units);
	if (mk_rd_left(rd) < total) {
		if (is_udp(out))
			slmp_bad(st, out, "slmp_bad_length");
		return MK_V_NEED;
	}
	(void)fr_num(&f, 1); /* PC no. */
	(void)fr_num(&f, 2); /* monitoring timer */
	snprintf(detail, sizeof(detail), "%s", c->name);
	st->e1_cmd = code;
	st->e1_points = 0;
	st->e1_valid = 1;
	if (c->kind == E1_READ || c->kind == E1_WBIT || c->kind == E1_WWORD) {
		/* binary: head device (4), device code (2); ASCII: device code
		 * first (FX3U-ENET-ADP manual 7.3.2); then points (1), fixed 00 (1) */
		uint32_t num = 0;
		uint16_t dcode;
		uint8_t pts;

		if (!f.ascii)
			num = fr_num(&f, 4);
		dcode = (uint16_t)fr_num(&f, 2);
		if (f.ascii)
			num = fr_num(&f, 4);
		pts = (uint8_t)fr_num(&f, 1);
		char name[3], dev[24];

		if (mk_rd_ok(&f.rd)) {
			st->e1_points = pts;
			if (e1_dev_name(dcode, name)) {
				dev_text(dev, sizeof(dev), name, num,
				         name[0] == 'X' || name[0] == 'Y' || name[0] == 'B' || name[0] == 'W');
				snprintf(detail, sizeof(detail), "%s %s points=%u", c->name, dev,
				         pts == 0 ? 256u : pts);
			} else {
				slmp_bad(st, out, "slmp_bad_frame");
			}
		}
	} else if (c->kind == E1_TBIT || c->kind == E1_TWORD) {
		uint8_t pts = (uint8_t)fr_num(&f, 1);

		if (mk_rd_ok(&f.rd))
			snprintf(detail, sizeof(detail), "%s points=%u", c->name, pts);
	} else if (c->kind == E1_LOOP) {
		st->e1_points = (uint8_t)fr_num(&f, 1); /* loopback bytes, echoed back */
	}
	mk_emit_operation(out, (enum mk_op_class)c->op, detail);
	if (c->stops) {
		mk_emit_anomaly(out, "slmp_remote_stop");
		said_ews(st, out);
	}
	*used = total;
	return MK_V_OK;
}

/* 1E response: subheader = command | 80H, complete code, then data whose size
 * depends on the request; complete code 5BH is followed by an abnormal code. */
static enum mk_verdict parse_1e_response(struct slmp_state *st, struct mk_rd *rd, size_t *used,
                                         struct mk_emit *out)
{
	struct fr f = {.rd = *rd, .ascii = st->ascii};
	uint8_t sub = (uint8_t)fr_num(&f, 1);
	uint8_t end = (uint8_t)fr_num(&f, 1);
	size_t units = 2;
	bool known = st->e1_valid && sub == (st->e1_cmd | 0x80);
	unsigned pts = st->e1_points == 0 ? 256u : st->e1_points;

	if (!mk_rd_ok(&f.rd)) {
		if (mk_rd_left(rd) < fr_units(f.ascii, 2)) {
			if (is_udp(out))
				slmp_bad(st, out, "slmp_bad_length");
			return MK_V_NEED;
		}
		slmp_bad(st, out, "slmp_bad_frame");
		return MK_V_INVALID;
	}
	if (end == 0x5b)
		units = 3;
	else if (end == 0 && known && st->e1_cmd == 0x00)
		units = 2 + (pts + 1) / 2;
	else if (end == 0 && known && st->e1_cmd == 0x01)
		units = 2 + 2 * pts;
	else if (end == 0 && known && st->e1_cmd == 0x15)
		units = 4;
	else if (end == 0 && known && st->e1_cmd == 0x16)
		units = 3 + st->e1_points;
	else if (end == 0 && !known)
		units = 0; /* size unknown: take what is here */
	if (units != 0 && mk_rd_left(rd) < fr_units(f.ascii, units)) {
		if (is_udp(out))
			slmp_bad(st, out, "slmp_bad_length");
		return MK_V_NEED;
	}
	*used = units != 0 ? fr_units(f.ascii, units) : mk_rd_left(rd);
	said_plc(st, out);
	st->e1_valid = 0;
	if (end != 0) {
		char code[8];

		snprintf(code, sizeof(code), "%02X", (unsigned)end);
		mk_emit_anomaly(out, "slmp_error_response");
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "slmp_end_code", code, strlen(code));
		return MK_V_OK;
	}
	if (known && st->e1_cmd == 0x15) {
		/* PLC model code (FX3U-ENET-ADP manual 7.6.3: F3H FX3U/FX3UC, F4H FX3G) */
		uint8_t mc = (uint8_t)fr_num(&f, 1);
		char code[8];
		struct mk_identity id = {.vendor = "Mitsubishi Electric"};

		if (mc == 0xf3)
			id.model = "FX3U/FX3UC";
		else if (mc == 0xf4)
			id.model = "FX3G";
		mk_emit_identity(out, mk_host_rel(MK_HOST_SENDER), &id);
		snprintf(code, sizeof(code), "%02X", (unsigned)mc);
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "slmp_model_code", code, strlen(code));
	}
	return MK_V_OK;
}

/* ---- probe ---- */

static bool ascii_1e(const struct mk_rd *rd)
{
	return is_hex4(rd, 0);
}

/* 3E/4E: subheader, header, and a length that fits what is here. */
static int probe_34e(const struct mk_rd *rd)
{
	struct fr f = {.rd = *rd};
	uint16_t sub, len;
	bool frame4, req;
	size_t hdr;

	if (mk_rd_left(rd) >= 4 && is_hex4(rd, 0)) {
		f.ascii = true;
		sub = (uint16_t)fr_num(&f, 2);
	} else {
		sub = mk_rd_be16(&f.rd);
	}
	if (!mk_rd_ok(&f.rd) ||
	    (sub != SUB_3E_REQ && sub != SUB_3E_RSP && sub != SUB_4E_REQ && sub != SUB_4E_RSP))
		return MK_PROBE_NO;
	frame4 = sub == SUB_4E_REQ || sub == SUB_4E_RSP;
	req = sub == SUB_3E_REQ || sub == SUB_4E_REQ;
	if (frame4) {
		(void)fr_num(&f, 2);
		if (fr_num(&f, 2) != 0) /* fixed 0000 after the serial number */
			return MK_PROBE_NO;
	}
	(void)fr_num(&f, 1);
	(void)fr_num(&f, 1);
	(void)fr_num(&f, 2);
	(void)fr_num(&f, 1);
	len = (uint16_t)fr_num(&f, 2);
	if (!mk_rd_ok(&f.rd))
		return mk_rd_left(rd) < fr_units(f.ascii, frame4 ? 13 : 9) ? MK_PROBE_MAYBE : MK_PROBE_NO;
	hdr = f.rd.off - rd->off;
	if (len < fr_units(f.ascii, req ? 6 : 2) || len > SLMP_BODY_MAX)
		return MK_PROBE_NO;
	if (mk_rd_left(rd) != hdr + len)
		return MK_PROBE_MAYBE; /* a capture cut short, or several messages */
	if (req) {
		(void)fr_num(&f, 2);
		if (!mk_rd_ok(&f.rd) || slmp_cmd_find((uint16_t)fr_num(&f, 2)) == NULL)
			return MK_PROBE_MAYBE;
	}
	return MK_PROBE_SURE;
}

/* 1E request: known command, PC no. FFH (own station), and exactly the size
 * the command implies; read/write commands name a known device. */
static int probe_1e(const struct mk_rd *rd)
{
	struct fr f = {.rd = *rd, .ascii = ascii_1e(rd)};
	const struct e1_cmd *c;
	size_t units;
	uint8_t code = (uint8_t)fr_num(&f, 1), pc = (uint8_t)fr_num(&f, 1);

	if (!mk_rd_ok(&f.rd) || (c = e1_cmd_find(code)) == NULL || pc != 0xff)
		return MK_PROBE_NO;
	units = e1_request_units(c, (struct fr){.rd = *rd, .ascii = f.ascii});
	if (units == 0)
		return MK_PROBE_MAYBE;
	if (mk_rd_left(rd) != fr_units(f.ascii, units))
		return MK_PROBE_NO;
	if (c->kind == E1_READ || c->kind == E1_WBIT || c->kind == E1_WWORD) {
		char name[3];

		uint16_t dcode;

		(void)fr_num(&f, 2); /* monitoring timer */
		if (!f.ascii)
			(void)fr_num(&f, 4); /* binary: head device before the code */
		dcode = (uint16_t)fr_num(&f, 2);
		if (!e1_dev_name(dcode, name) || !mk_rd_ok(&f.rd))
			return MK_PROBE_NO;
	}
	return MK_PROBE_SURE;
}

static int slmp_probe(struct mk_rd *rd, enum mk_dir dir)
{
	int p = probe_34e(rd);

	if (p != MK_PROBE_NO)
		return p;
	/* A 1E response (80H.. + complete code) says too little on its own. */
	return dir == MK_DIR_TO_SERVER ? probe_1e(rd) : MK_PROBE_NO;
}

/* ---- parse ---- */

/* The first message fixes frame family and code for the flow. */
static bool slmp_classify(struct slmp_state *st, const struct mk_rd *rd)
{
	uint8_t b0, b1;

	if (!mk_rd_peek_u8(rd, 0, &b0) || !mk_rd_peek_u8(rd, 1, &b1))
		return false;
	if ((b0 == 0x50 || b0 == 0x54 || b0 == 0xd0 || b0 == 0xd4) && b1 == 0x00) {
		st->kind = KIND_34E;
		st->ascii = 0;
		return true;
	}
	if (mk_rd_left(rd) < 4)
		return false;
	if (is_hex4(rd, 0)) {
		struct fr f = {.rd = *rd, .ascii = true};
		uint16_t sub = (uint16_t)fr_num(&f, 2);

		st->ascii = 1;
		st->kind = (sub == SUB_3E_REQ || sub == SUB_3E_RSP || sub == SUB_4E_REQ || sub == SUB_4E_RSP)
		               ? KIND_34E
		               : KIND_1E;
		return true;
	}
	st->kind = KIND_1E;
	st->ascii = 0;
	return true;
}

static enum mk_verdict slmp_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                  struct mk_emit *out)
{
	struct slmp_state *st = state;
	size_t done = 0;
	unsigned d = (unsigned)dir & 1;
	bool need = false;

	*consumed = 0;
	for (int i = 0; i < 256 && mk_rd_left(rd) > 0 && !need; i++) {
		struct mk_rd at;
		size_t used = 0;
		enum mk_verdict v;

		if (st->skip[d] > 0) {
			size_t n = mk_rd_left(rd) < st->skip[d] ? mk_rd_left(rd) : st->skip[d];

			mk_rd_skip(rd, n);
			st->skip[d] -= (uint32_t)n;
			done += n;
			continue;
		}
		if (st->kind == KIND_UNKNOWN && !slmp_classify(st, rd)) {
			if (is_udp(out))
				slmp_bad(st, out, "slmp_bad_length");
			need = true; /* too few bytes to tell */
			break;
		}
		at = *rd;
		if (st->kind == KIND_34E) {
			v = parse_34e(st, &at, &used, out);
		} else {
			uint8_t b0 = 0;
			struct fr f = {.rd = *rd, .ascii = st->ascii};

			b0 = (uint8_t)fr_num(&f, 1);
			if (!mk_rd_ok(&f.rd)) {
				if (mk_rd_left(rd) >= fr_units(st->ascii, 1)) {
					slmp_bad(st, out, "slmp_bad_frame");
					return MK_V_INVALID;
				}
				need = true;
				break;
			}
			v = (b0 & 0x80) ? parse_1e_response(st, &at, &used, out)
			                : parse_1e_request(st, &at, &used, out);
		}
		if (v == MK_V_INVALID)
			return MK_V_INVALID;
		if (v == MK_V_NEED || used == 0) {
			need = true;
			break;
		}
		mk_rd_skip(rd, used);
		done += used;
		if (is_udp(out) && mk_rd_left(rd) > 0) {
			/* One message per datagram: bytes past the request data
			 * length are not another message. */
			slmp_bad(st, out, "slmp_bad_length");
			break;
		}
	}
	*consumed = done;
	return need ? MK_V_NEED : MK_V_OK;
}

static enum mk_verdict slmp_gap(void *state, enum mk_dir dir)
{
	struct slmp_state *st = state;

	/* Resynchronise at the next segment: MC protocol is request/response,
	 * so a message normally starts a segment. */
	st->skip[(unsigned)dir & 1] = 0;
	st->n_pending = 0;
	st->e1_valid = 0;
	return MK_V_OK;
}

const struct mk_proto mk_proto_slmp = {
	.abi = MK_PROTO_ABI,
	.name = "slmp",
	.id = MK_PROTO_SLMP,
	.transports = MK_TRANSPORT_TCP | MK_TRANSPORT_UDP,
	.state_size = sizeof(struct slmp_state),
	.max_buffer = SLMP_BODY_MAX + SLMP_HDR_MAX,
	.probe = slmp_probe,
	.parse = slmp_parse,
	.gap = slmp_gap,
	.events = slmp_events,
};

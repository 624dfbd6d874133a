/* fins.c - Omron FINS over UDP (port 9600) and FINS/TCP: every command classified
 * into an operation with its memory area, address and count; STOP, forced
 * set/reset and non-zero end codes as events; the controller model and version
 * of a CONTROLLER DATA READ response as the responding node's identity.
 * specification: Omron W342 "FINS Commands Reference Manual" (CS/CJ), section 3
 * (FINS frame: ICF RSV GCT DNA DA1 DA2 SNA SA1 SA2 SID, command code MRC SRC,
 * end code MRES SRES), section 5-1 (command list), 5-2-2 (memory area codes),
 * 5-3-6 (CONTROLLER DATA READ response: 20-byte model, 20-byte version), 8-3
 * (end codes; MRES bit 7 relay error, SRES bits 6-7 CPU error flags);
 * W227 (CV series) for the CV-mode area codes; W421 / W465 "FINS/TCP": the
 * 16-byte header "FINS" length(4) command(4) error code(4), commands 0 (node
 * address data send client->server), 1 (server->client), 2 (frame send),
 * 3 (frame send error notification), 6 (connection confirmation).
 */
#include "mieruka/proto.h"
#include "mieruka/pkt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define FINS_HEADER 10      /* ICF .. SID */
#define FINS_CMD_MIN 12     /* header + MRC SRC */
#define FINS_RESP_MIN 14    /* + MRES SRES */
#define FINS_FRAME_MAX 2048 /* W342 3-1: 2012 bytes at most (2000 data + header) */
#define FINS_TCP_HEADER 16  /* "FINS" length command error */
#define FINS_TCP_LEN_MIN 8  /* length counts command + error code + data */
#define FINS_TCP_LEN_MAX (8 + FINS_FRAME_MAX)
#define FINS_TCP_PER_CALL 64 /* PDUs per parse call; the core calls again */
#define FINS_TEXT 20         /* model and version fields of 0501 */

#define FINS_ICF_RESPONSE 0x40
#define FINS_ICF_RESERVED 0x3e
#define IP_PROTO_TCP 6

enum fins_mode { FINS_MODE_UNKNOWN, FINS_MODE_UDP, FINS_MODE_TCP };

enum fins_detail {
	FD_NONE,
	FD_AREA,     /* area(1) address(2) bit(1) count(2) */
	FD_MULTI,    /* items of area(1) address(2) bit(1) */
	FD_TRANSFER, /* area address bit, area address bit, count */
};

/* flags of a command */
#define FF_STOP 0x01  /* fins_stop */
#define FF_FORCE 0x02 /* fins_forced_set */
#define FF_ENG 0x04   /* the client is doing engineering work */

struct fins_cmd {
	uint16_t code;
	uint8_t op;     /* enum mk_op_class */
	uint8_t detail; /* enum fins_detail */
	uint8_t flags;
	const char *name;
};

/* W342 section 5-1 (command list; names as there, in snake_case), W227 for the
 * CV-only ones (0204/0205 and 0220/0221 data link tables). */
static const struct fins_cmd fins_cmds[] = {
    {0x0101, MK_OP_READ, FD_AREA, 0, "memory_area_read"},
    {0x0102, MK_OP_WRITE, FD_AREA, 0, "memory_area_write"},
    {0x0103, MK_OP_WRITE, FD_AREA, 0, "memory_area_fill"},
    {0x0104, MK_OP_READ, FD_MULTI, 0, "multiple_memory_area_read"},
    {0x0105, MK_OP_WRITE, FD_TRANSFER, 0, "memory_area_transfer"},
    {0x0201, MK_OP_READ, FD_NONE, 0, "parameter_area_read"},
    {0x0202, MK_OP_PROGRAM, FD_NONE, FF_ENG, "parameter_area_write"},
    {0x0203, MK_OP_PROGRAM, FD_NONE, FF_ENG, "parameter_area_clear"},
    {0x0204, MK_OP_PROGRAM, FD_NONE, FF_ENG, "parameter_area_protect"},
    {0x0205, MK_OP_PROGRAM, FD_NONE, FF_ENG, "parameter_area_protect_clear"},
    {0x0220, MK_OP_READ, FD_NONE, 0, "data_link_table_read"},
    {0x0221, MK_OP_PROGRAM, FD_NONE, FF_ENG, "data_link_table_write"},
    {0x0304, MK_OP_PROGRAM, FD_NONE, FF_ENG, "program_area_protect"},
    {0x0305, MK_OP_PROGRAM, FD_NONE, FF_ENG, "program_area_protect_clear"},
    {0x0306, MK_OP_READ, FD_NONE, 0, "program_area_read"},
    {0x0307, MK_OP_PROGRAM, FD_NONE, FF_ENG, "program_area_write"},
    {0x0308, MK_OP_PROGRAM, FD_NONE, FF_ENG, "program_area_clear"},
    {0x0401, MK_OP_CONTROL, FD_NONE, 0, "run"},
    {0x0402, MK_OP_CONTROL, FD_NONE, FF_STOP | FF_ENG, "stop"},
    {0x0501, MK_OP_DIAGNOSTIC, FD_NONE, 0, "controller_data_read"},
    {0x0502, MK_OP_DIAGNOSTIC, FD_NONE, 0, "connection_data_read"},
    {0x0601, MK_OP_DIAGNOSTIC, FD_NONE, 0, "controller_status_read"},
    {0x0602, MK_OP_DIAGNOSTIC, FD_NONE, 0, "network_status_read"},
    {0x0603, MK_OP_DIAGNOSTIC, FD_NONE, 0, "data_link_status_read"},
    {0x0620, MK_OP_DIAGNOSTIC, FD_NONE, 0, "cycle_time_read"},
    {0x0701, MK_OP_DIAGNOSTIC, FD_NONE, 0, "clock_read"},
    {0x0702, MK_OP_OTHER, FD_NONE, 0, "clock_write"},
    {0x0801, MK_OP_DIAGNOSTIC, FD_NONE, 0, "loopback_test"},
    {0x0802, MK_OP_DIAGNOSTIC, FD_NONE, 0, "broadcast_test_results_read"},
    {0x0803, MK_OP_DIAGNOSTIC, FD_NONE, 0, "broadcast_test_data_send"},
    {0x0920, MK_OP_DIAGNOSTIC, FD_NONE, 0, "message_read"},
    {0x0c01, MK_OP_AUTH, FD_NONE, 0, "access_right_acquire"},
    {0x0c02, MK_OP_AUTH, FD_NONE, 0, "access_right_forced_acquire"},
    {0x0c03, MK_OP_AUTH, FD_NONE, 0, "access_right_release"},
    {0x2101, MK_OP_CONTROL, FD_NONE, 0, "error_clear"},
    {0x2102, MK_OP_DIAGNOSTIC, FD_NONE, 0, "error_log_read"},
    {0x2103, MK_OP_OTHER, FD_NONE, 0, "error_log_clear"},
    {0x2201, MK_OP_READ, FD_NONE, 0, "file_name_read"},
    {0x2202, MK_OP_READ, FD_NONE, 0, "single_file_read"},
    {0x2203, MK_OP_PROGRAM, FD_NONE, FF_ENG, "single_file_write"},
    {0x2204, MK_OP_PROGRAM, FD_NONE, FF_ENG, "file_memory_format"},
    {0x2205, MK_OP_PROGRAM, FD_NONE, FF_ENG, "file_delete"},
    {0x2206, MK_OP_PROGRAM, FD_NONE, FF_ENG, "volume_label_create_delete"},
    {0x2207, MK_OP_PROGRAM, FD_NONE, FF_ENG, "file_copy"},
    {0x2208, MK_OP_PROGRAM, FD_NONE, FF_ENG, "file_name_change"},
    {0x2209, MK_OP_DIAGNOSTIC, FD_NONE, 0, "file_data_check"},
    {0x220a, MK_OP_PROGRAM, FD_NONE, FF_ENG, "memory_area_file_transfer"},
    {0x220b, MK_OP_PROGRAM, FD_NONE, FF_ENG, "parameter_area_file_transfer"},
    {0x220c, MK_OP_PROGRAM, FD_NONE, FF_ENG, "program_area_file_transfer"},
    {0x220f, MK_OP_READ, FD_NONE, 0, "file_memory_index_read"},
    {0x2210, MK_OP_READ, FD_NONE, 0, "file_memory_read"},
    {0x2211, MK_OP_PROGRAM, FD_NONE, FF_ENG, "file_memory_write"},
    {0x2215, MK_OP_PROGRAM, FD_NONE, FF_ENG, "directory_create_delete"},
    {0x2301, MK_OP_CONTROL, FD_NONE, FF_FORCE, "forced_set_reset"},
    {0x2302, MK_OP_CONTROL, FD_NONE, 0, "forced_set_reset_cancel"},
    {0x230a, MK_OP_DIAGNOSTIC, FD_NONE, 0, "multiple_forced_status_read"},
    {0x2601, MK_OP_OTHER, FD_NONE, 0, "name_set"},
    {0x2602, MK_OP_OTHER, FD_NONE, 0, "name_delete"},
    {0x2603, MK_OP_DIAGNOSTIC, FD_NONE, 0, "name_read"},
};

/* W342 5-2-2 (CS/CJ mode) and W227 (CV mode) memory area codes. */
static const struct {
	uint8_t code;
	const char *name;
} fins_areas[] = {
    {0x30, "CIO.bit"},  {0x31, "WR.bit"}, {0x32, "HR.bit"},  {0x33, "AR.bit"}, {0x02, "DM.bit"},
    {0x09, "TIM.flag"}, {0x0a, "EM.bit"}, {0x06, "TK.bit"},  {0xb0, "CIO"},    {0xb1, "WR"},
    {0xb2, "HR"},       {0xb3, "AR"},     {0x82, "DM"},      {0x89, "TIM"},    {0x98, "EM"},
    {0xbc, "DR"},       {0xdc, "IR"},     {0x00, "CIO.bit"}, {0x80, "CIO"},    {0x01, "TIM.flag"},
    {0x81, "TIM"},      {0x9c, "EM"},
};

static const char *const fins_events[] = {
    "fins_stop",
    "fins_forced_set",
    "fins_error_response",
    "fins_unknown_command",
    "fins_truncated",
    "fins_bad_header",
    "fins_tcp_bad_header",
    "fins_tcp_error",
    NULL,
};

struct fins_state {
	uint8_t mode;        /* enum fins_mode */
	uint8_t plc_said[2]; /* role hint given, per sender direction */
	uint8_t eng_said[2];
	uint8_t bad_said;
	uint16_t sid_cmd[256];   /* command code + 1 outstanding per SID, 0 = none */
	uint8_t sid_nomodel[32]; /* bit per SID: its 0501 asked for area data only */
};

static const struct fins_cmd *fins_find(uint16_t code)
{
	for (size_t i = 0; i < sizeof(fins_cmds) / sizeof(fins_cmds[0]); i++)
		if (fins_cmds[i].code == code)
			return &fins_cmds[i];
	return NULL;
}

static void fins_area_name(uint8_t code, char *buf, size_t cap)
{
	for (size_t i = 0; i < sizeof(fins_areas) / sizeof(fins_areas[0]); i++) {
		if (fins_areas[i].code == code) {
			snprintf(buf, cap, "%s", fins_areas[i].name);
			return;
		}
	}
	if (code >= 0xa0 && code <= 0xac)
		snprintf(buf, cap, "E%X", code - 0xa0); /* EM bank 0-C, word */
	else if (code >= 0x20 && code <= 0x2c)
		snprintf(buf, cap, "E%X.bit", code - 0x20);
	else
		snprintf(buf, cap, "area=0x%02x", code);
}

/* "DM 100" or "CIO.bit 10.05": area(1) address(2) bit(1). */
static bool fins_address(struct mk_rd *rd, char *buf, size_t cap)
{
	char area[16];
	uint8_t code = mk_rd_u8(rd);
	uint16_t addr = mk_rd_be16(rd);
	uint8_t bit = mk_rd_u8(rd);

	if (!mk_rd_ok(rd))
		return false;
	fins_area_name(code, area, sizeof(area));
	if (strstr(area, ".bit") != NULL || strstr(area, ".flag") != NULL)
		snprintf(buf, cap, "%s %u.%02u", area, addr, bit);
	else
		snprintf(buf, cap, "%s %u", area, addr);
	return true;
}

/* Classifies one command.  A command cut inside its fixed parameters says
 * nothing but fins_truncated: a cut message may say less, never something else. */
static void fins_command(struct fins_state *st, const struct fins_cmd *c, uint16_t code,
                         struct mk_rd *data, struct mk_emit *out)
{
	char detail[96], a[40], b[40];
	uint16_t count;

	if (c == NULL) {
		mk_emit_operationf(out, MK_OP_OTHER, "cmd=%04x", code);
		mk_emit_anomaly(out, "fins_unknown_command");
		return;
	}
	switch (c->detail) {
	case FD_AREA:
		if (!fins_address(data, a, sizeof(a)) ||
		    (count = mk_rd_be16(data), !mk_rd_ok(data)))
			goto truncated;
		snprintf(detail, sizeof(detail), "%s %s count=%u", c->name, a, count);
		break;
	case FD_MULTI: /* W342 5-3-4: the first item names the read; up to 167 follow */
		if (!fins_address(data, a, sizeof(a)))
			goto truncated;
		snprintf(detail, sizeof(detail), "%s %s", c->name, a);
		break;
	case FD_TRANSFER:
		if (!fins_address(data, a, sizeof(a)) || !fins_address(data, b, sizeof(b)) ||
		    (count = mk_rd_be16(data), !mk_rd_ok(data)))
			goto truncated;
		snprintf(detail, sizeof(detail), "%s %s to %s count=%u", c->name, a, b, count);
		break;
	default: snprintf(detail, sizeof(detail), "%s", c->name); break;
	}
	mk_emit_operation(out, (enum mk_op_class)c->op, detail);
	if (c->flags & FF_STOP)
		mk_emit_anomaly(out, "fins_stop");
	if (c->flags & FF_FORCE)
		mk_emit_anomaly(out, "fins_forced_set");
	if ((c->flags & FF_ENG) && !st->eng_said[out->dir & 1]) {
		st->eng_said[out->dir & 1] = 1;
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_ENGINEERING_WORKSTATION, 60,
		             "sends FINS program, parameter or STOP commands");
	}
	return;
truncated:
	mk_emit_anomaly(out, "fins_truncated");
}

/* Fixed-width text: printable bytes up to the first NUL, trailing spaces cut. */
static size_t fins_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	size_t used = 0;

	for (size_t i = 0; i < n && used + 1 < cap; i++) {
		if (p[i] == 0)
			break;
		buf[used++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	}
	while (used > 0 && buf[used - 1] == ' ')
		used--;
	buf[used] = '\0';
	return used;
}

static void fins_response(struct fins_state *st, uint16_t code, struct mk_rd *data,
                          struct mk_emit *out)
{
	uint8_t mres = mk_rd_u8(data), sres = mk_rd_u8(data);

	if (!mk_rd_ok(data))
		return;
	/* W342 8-3: MRES bit 7 = relay error, SRES bit 7/6 = fatal/non-fatal CPU
	 * error flags; the end code proper is what remains. */
	if ((mres & 0x7f) != 0 || (sres & 0x3f) != 0) {
		mk_emit_anomaly(out, "fins_error_response");
		return;
	}
	if (!st->plc_said[out->dir & 1]) {
		st->plc_said[out->dir & 1] = 1;
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_PLC, 80,
		             "answers FINS commands");
	}
	if (code == 0x0501) {
		const uint8_t *model = mk_rd_ptr(data, FINS_TEXT);
		const uint8_t *version = mk_rd_ptr(data, FINS_TEXT);
		char m[FINS_TEXT + 1], v[FINS_TEXT + 1];
		struct mk_identity id = {.vendor = "OMRON"};

		if (model == NULL || version == NULL)
			return;
		if (fins_text(model, FINS_TEXT, m, sizeof(m)) > 0)
			id.model = m;
		if (fins_text(version, FINS_TEXT, v, sizeof(v)) > 0)
			id.firmware = v;
		if (id.model != NULL)
			mk_emit_identity(out, mk_host_rel(MK_HOST_SENDER), &id);
	}
}

static bool fins_header_ok(const struct mk_rd *rd)
{
	uint8_t icf, rsv, gct, dna, sna;

	if (!mk_rd_peek_u8(rd, 0, &icf) || !mk_rd_peek_u8(rd, 1, &rsv) ||
	    !mk_rd_peek_u8(rd, 2, &gct) || !mk_rd_peek_u8(rd, 3, &dna) ||
	    !mk_rd_peek_u8(rd, 6, &sna))
		return false;
	return (icf & FINS_ICF_RESERVED) == 0 && rsv == 0 && gct <= 7 && dna <= 0x7f && sna <= 0x7f;
}

/* One FINS frame (the whole datagram, or the data of FINS/TCP command 2). */
static void fins_frame(struct fins_state *st, struct mk_rd *fr, struct mk_emit *out)
{
	uint8_t icf, sid;
	uint16_t code;

	if (!fins_header_ok(fr) || mk_rd_left(fr) < FINS_CMD_MIN) {
		if (!st->bad_said) {
			st->bad_said = 1;
			mk_emit_anomaly(out, "fins_bad_header");
		}
		return;
	}
	icf = mk_rd_u8(fr);
	mk_rd_skip(fr, 8);
	sid = mk_rd_u8(fr);
	code = mk_rd_be16(fr);
	if (!(icf & FINS_ICF_RESPONSE)) {
		uint8_t param = 0;

		st->sid_cmd[sid] = (uint16_t)(code + 1);
		/* W342 5-3-6: 0501 with data 01 reads the area data only, no model */
		if (code == 0x0501 && mk_rd_peek_u8(fr, 0, &param) && param != 0x00)
			st->sid_nomodel[sid >> 3] |= (uint8_t)(1u << (sid & 7));
		else
			st->sid_nomodel[sid >> 3] &= (uint8_t) ~(1u << (sid & 7));
		fins_command(st, fins_find(code), code, fr, out);
		return;
	}
	/* A response names its command itself; the SID pairs it with the request,
	 * which is forgotten now (a response without one is still read). */
	if (st->sid_cmd[sid] == (uint16_t)(code + 1)) {
		st->sid_cmd[sid] = 0;
		if (code == 0x0501 && (st->sid_nomodel[sid >> 3] & (1u << (sid & 7))))
			code = 0; /* area data only: nothing to name */
	}
	fins_response(st, code, fr, out);
}

/* FINS/TCP: whole "FINS" PDUs; NEED for a partial one. */
static enum mk_verdict fins_tcp(struct fins_state *st, struct mk_rd *rd, size_t *consumed,
                                struct mk_emit *out)
{
	static const uint8_t magic[4] = {'F', 'I', 'N', 'S'};

	for (unsigned n = 0; n < FINS_TCP_PER_CALL; n++) {
		struct mk_rd pdu;
		uint32_t len, cmd, err;
		size_t left = mk_rd_left(rd);

		if (left == 0)
			return MK_V_OK;
		for (size_t i = 0; i < 4 && i < left; i++) {
			uint8_t b = 0;

			if (!mk_rd_peek_u8(rd, i, &b) || b != magic[i]) {
				mk_emit_anomaly(out, "fins_tcp_bad_header");
				return MK_V_INVALID;
			}
		}
		if (left < 8)
			return MK_V_NEED;
		if (!mk_rd_peek_be32(rd, 4, &len) || len < FINS_TCP_LEN_MIN ||
		    len > FINS_TCP_LEN_MAX) {
			mk_emit_anomaly(out, "fins_tcp_bad_header");
			return MK_V_INVALID;
		}
		if (left - 8 < len)
			return MK_V_NEED;
		mk_rd_skip(rd, 8);
		mk_rd_sub(rd, len, &pdu);
		*consumed += 8 + (size_t)len;
		cmd = mk_rd_be32(&pdu);
		err = mk_rd_be32(&pdu);
		if (cmd == 2) {
			fins_frame(st, &pdu, out);
		} else if (cmd == 3 || err != 0) {
			mk_emit_anomaly(out, "fins_tcp_error");
		}
		/* 0, 1, 6: node address exchange and keep-alive, nothing to report */
	}
	return MK_V_OK;
}

static int fins_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint32_t magic, len, cmd;
	uint16_t code;
	uint8_t icf;

	(void)dir;
	if (mk_rd_peek_be32(rd, 0, &magic) && magic == 0x46494e53u) { /* "FINS" */
		if (!mk_rd_peek_be32(rd, 4, &len) || !mk_rd_peek_be32(rd, 8, &cmd))
			return MK_PROBE_MAYBE;
		return len >= FINS_TCP_LEN_MIN && len <= FINS_TCP_LEN_MAX && cmd <= 6
		           ? MK_PROBE_SURE
		           : MK_PROBE_NO;
	}
	if (mk_rd_left(rd) < FINS_CMD_MIN || mk_rd_left(rd) > FINS_FRAME_MAX ||
	    !fins_header_ok(rd) || !mk_rd_peek_u8(rd, 0, &icf) || !mk_rd_peek_be16(rd, 10, &code))
		return MK_PROBE_NO;
	if ((icf & FINS_ICF_RESPONSE) && mk_rd_left(rd) < FINS_RESP_MIN)
		return MK_PROBE_NO;
	/* a known command code after a valid header is strong evidence */
	return fins_find(code) != NULL ? MK_PROBE_SURE : MK_PROBE_NO;
}

static enum mk_verdict fins_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                  struct mk_emit *out)
{
	struct fins_state *st = state;
	uint8_t b0 = 0;

	(void)dir;
	*consumed = 0;
	if (st->mode == FINS_MODE_UNKNOWN) {
		if (out->pkt != NULL)
			st->mode =
			    out->pkt->ip_proto == IP_PROTO_TCP ? FINS_MODE_TCP : FINS_MODE_UDP;
		else if (mk_rd_peek_u8(rd, 0, &b0)) /* no packet (tests, fuzzing): by content */
			st->mode = b0 == 'F' ? FINS_MODE_TCP : FINS_MODE_UDP;
		else
			return MK_V_OK;
	}
	if (st->mode == FINS_MODE_TCP)
		return fins_tcp(st, rd, consumed, out);
	*consumed = mk_rd_left(rd); /* a datagram is whole (ignored for UDP by the core) */
	fins_frame(st, rd, out);
	return MK_V_OK;
}

const struct mk_proto mk_proto_fins = {
    .abi = MK_PROTO_ABI,
    .name = "fins",
    .id = MK_PROTO_FINS,
    .transports = MK_TRANSPORT_UDP | MK_TRANSPORT_TCP,
    .state_size = sizeof(struct fins_state),
    .max_buffer = 8 + FINS_TCP_LEN_MAX,
    .probe = fins_probe,
    .parse = fins_parse,
    .events = fins_events,
};

/* melsoft.c - Mitsubishi MELSOFT engineering protocol (GX Works2/3 talking to
 * MELSEC iQ-R / iQ-F / Q / L CPUs): connection setup, CPU model, memory and
 * file (project) reads and writes, remote RUN/STOP, user management.
 *
 * specification: none is public.  Everything below was read from the public
 * captures in ../shared/captures/melsoft/ (cited per item as
 *   L = legitimate_user_addition_plc_stop_test.pcapng (TCP 5007, R08SFCPU),
 *   U = MELSEC__melsoft_UDP_clean_1.pcap (UDP 5560, FX5U-32MT/ES),
 *   C = MELSEC__melsoft_129_clean.pcap (TCP 5562))
 * with `tshark -r FILE -x`.  The remote RUN/STOP/PAUSE/RESET numbers agree
 * with the MC protocol / SLMP command numbers of the MELSEC Communication
 * Protocol Reference Manual (SH-080008, 11.2 "Remote operation": 1001 RUN,
 * 1002 STOP, 1003 PAUSE, 1005 latch clear, 1006 RESET); 1002 is the one seen
 * in captures, the others are assumed by that numbering.  Names of the other
 * commands are our reading of what the bytes carry, marked "inferred".
 *
 * Framing (inferred from every message of L, U and C; all agree):
 *  - connection hello: 0x5a 00 00 XX (4 bytes, request), answered by
 *    0xda 00 00 XX and 10 more bytes (XX 01/11/22, U frames 1-10) or 24 more
 *    bytes (XX 0xff, L frames 4/5, U frames 11/12).
 *  - every other message: a 21-byte header
 *      [0]    0x57 request, 0xd7 response (bit 7 = response, as for 0x5a/0xda)
 *      [1..3] a request/response counter (not interpreted)
 *      [4..6] 00 11 11 (constant in all three captures)
 *      [7..18] routing bytes (not interpreted)
 *      [19..20] little-endian byte count of what follows the header
 *    then a body: [0] 0x1c request / 0x9c response, [3] 0x14, 24 bytes long;
 *    request: [24..25] command (big-endian as written, e.g. 04 10),
 *             [26..27] sequence;
 *    response: [24..25] completion (0000 in every capture), [26..27] the
 *              command it answers, [28..29] sequence, then data.
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#include "mieruka/pkt.h"

#define MS_HDR 21
#define MS_BODY_CMD 24 /* request: command; response: completion */
#define MS_HELLO 4
#define MS_HELLO_ACK_SHORT 14
#define MS_HELLO_ACK_LONG 28
#define MS_MAX 8192 /* larger messages are skipped, not buffered */
#define MS_MSGS_PER_CALL 64
#define MS_MODEL_LEN 16

#define MS_REQ 0x57
#define MS_RSP 0xd7
#define MS_HELLO_REQ 0x5a
#define MS_HELLO_RSP 0xda

#define CMD_READ_CPU_MODEL 0x0121
#define CMD_REMOTE_STOP 0x1002

enum ms_said {
	SAID_SESSION = 1u << 0,
	SAID_EWS = 1u << 1,
	SAID_PLC = 1u << 2,
	SAID_BAD = 1u << 3,
};

static const char *const melsoft_events[] = {
    "melsoft_engineering_session", /* once per flow: engineering access to a PLC */
    "melsoft_remote_stop",         /* command 0x1002 */
    "melsoft_remote_control",      /* remote RUN/PAUSE/latch clear/RESET (0x1001/3/5/6) */
    "melsoft_user_change",         /* command 0x1133: the CPU's user list is written */
    "melsoft_bad_header",          /* a message that does not have the observed shape */
    NULL,
};

struct melsoft_state {
	uint32_t skip[2]; /* bytes of an oversized message still to skip */
	uint8_t said;     /* enum ms_said */
};

/* Commands seen (capture and frame of the request) or implied by the MC
 * protocol numbering.  Unknown codes are counted as "other" with their number. */
static const struct ms_cmd {
	uint16_t code;
	uint8_t op;
	const char *name;
} ms_cmds[] = {
    /* L 6, U 13: answer carries "R08SFCPU" / "FX5U-32MT/ES" */
    {0x0121, MK_OP_DIAGNOSTIC, "read_cpu_model"},
    /* L 139: carries the user name "nozomi" (UTF-16) */
    {0x0131, MK_OP_AUTH, "login_user"},
    /* L 141: 32 opaque bytes, answered with 32 (inferred: challenge/response) */
    {0x0132, MK_OP_AUTH, "login_digest"},
    /* L 284 (inferred: user count) */
    {0x0133, MK_OP_AUTH, "read_user_info"},
    /* L 286: answer lists users nozomi, test_nozomi, user */
    {0x0134, MK_OP_AUTH, "read_user_list"},
    /* L 19: answer holds BCD date/time 23 11 03 12 27 14 (inferred) */
    {0x0162, MK_OP_DIAGNOSTIC, "read_clock"},
    /* L 21, U 25, C 7 (inferred: read, small request, large answer) */
    {0x0410, MK_OP_READ, "read_memory"},
    /* L 934, U 615, C 3 (inferred: device list monitor) */
    {0x0411, MK_OP_READ, "read_monitor"},
    /* C 511 (inferred) */
    {0x0413, MK_OP_READ, "read_monitor"},
    /* MC protocol numbering (not in captures) */
    {0x1001, MK_OP_CONTROL, "remote_run"},
    /* L 1505, U 255 */
    {0x1002, MK_OP_CONTROL, "remote_stop"},
    /* MC protocol numbering (not in captures) */
    {0x1003, MK_OP_CONTROL, "remote_pause"},
    /* MC protocol numbering (not in captures) */
    {0x1005, MK_OP_CONTROL, "remote_latch_clear"},
    /* MC protocol numbering (not in captures) */
    {0x1006, MK_OP_CONTROL, "remote_reset"},
    /* L 483, L 703: user list with the new user "devel" */
    {0x1133, MK_OP_AUTH, "write_user_list"},
    /* U 371: 106 x 1011-byte writes during a download after STOP */
    {0x1410, MK_OP_PROGRAM, "write_memory"},
    /* U 265: path $MELPRJ$\ , answer lists SYSTEM.PRM, CPU.PRM ... */
    {0x1859, MK_OP_READ, "read_directory"},
    /* U 67: $MELPRJ$\CallTreeInfo.CAB */
    {0x185f, MK_OP_READ, "file_info"},
    /* U 69: $MELPRJ$\CALLTREEINFO.CAB, answer a handle */
    {0x1867, MK_OP_OTHER, "open_file"},
    /* U 73: handle, offset, length; answer file bytes */
    {0x1868, MK_OP_READ, "read_file"},
    /* U 303: handle and file bytes */
    {0x1869, MK_OP_PROGRAM, "write_file"},
    /* U 75: handle */
    {0x186a, MK_OP_OTHER, "close_file"},
    /* U 269: several $MELPRJ$ file names */
    {0x187e, MK_OP_READ, "read_file_info"},
    /* U 91 (inferred) */
    {0x18a0, MK_OP_READ, "read_drive_info"},
};

static void ms_said_once(struct melsoft_state *st, struct mk_emit *out, unsigned bit,
                         const char *event)
{
	if (st->said & bit)
		return;
	st->said |= (uint8_t)bit;
	mk_emit_anomaly(out, event);
}

/* The session event once, and the sender's role from the message type: the
 * requester is the engineering station, the answerer the PLC.  The sender is
 * used rather than client/server because flows seen mid-way (C) or broadcast
 * answers (U) may have their sides guessed from ports. */
static void ms_roles(struct melsoft_state *st, struct mk_emit *out, bool response)
{
	ms_said_once(st, out, SAID_SESSION, "melsoft_engineering_session");
	if (!response && !(st->said & SAID_EWS)) {
		st->said |= SAID_EWS;
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_ENGINEERING_WORKSTATION, 80,
		             "Uses the MELSOFT engineering protocol (GX Works)");
	}
	if (response && !(st->said & SAID_PLC)) {
		st->said |= SAID_PLC;
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_PLC, 80,
		             "Answers the MELSOFT engineering protocol (GX Works)");
	}
}

static void ms_request(uint16_t cmd, struct mk_emit *out)
{
	for (size_t i = 0; i < sizeof(ms_cmds) / sizeof(ms_cmds[0]); i++) {
		if (ms_cmds[i].code != cmd)
			continue;
		mk_emit_operation(out, (enum mk_op_class)ms_cmds[i].op, ms_cmds[i].name);
		if (cmd == CMD_REMOTE_STOP)
			mk_emit_anomaly(out, "melsoft_remote_stop");
		else if (ms_cmds[i].op == MK_OP_CONTROL)
			mk_emit_anomaly(out, "melsoft_remote_control");
		else if (cmd == 0x1133)
			mk_emit_anomaly(out, "melsoft_user_change");
		return;
	}
	mk_emit_operationf(out, MK_OP_OTHER, "cmd=0x%04x", (unsigned)cmd);
}

/* Answer to read_cpu_model (L 7, U 14): after the sequence two bytes, then
 * the model name in 16 bytes padded with spaces or NULs. */
static void ms_cpu_model(struct mk_rd *data, struct mk_emit *out)
{
	const uint8_t *p;
	char model[MS_MODEL_LEN + 1];
	size_t n = 0;

	mk_rd_skip(data, 2);
	p = mk_rd_ptr(data, MS_MODEL_LEN);
	if (p == NULL)
		return;
	while (n < MS_MODEL_LEN && p[n] > 0x20 && p[n] < 0x7f) {
		model[n] = (char)p[n];
		n++;
	}
	model[n] = '\0';
	if (n > 0) {
		struct mk_identity id = {.vendor = "Mitsubishi Electric", .model = model};

		mk_emit_identity(out, mk_host_rel(MK_HOST_SENDER), &id);
	}
}

/* One whole 0x57/0xd7 message; false when its body is not the observed shape. */
static bool ms_message(struct melsoft_state *st, struct mk_rd *m, struct mk_emit *out)
{
	uint8_t type = mk_rd_u8(m), b0, b3;
	uint16_t first, cmd;
	struct mk_rd body;
	bool response = type == MS_RSP;

	mk_rd_skip(m, MS_HDR - 1);
	body = *m;
	b0 = mk_rd_u8(&body);
	mk_rd_skip(&body, 2);
	b3 = mk_rd_u8(&body);
	mk_rd_skip(&body, MS_BODY_CMD - 4);
	first = mk_rd_be16(&body);
	cmd = mk_rd_be16(&body);
	if (!mk_rd_ok(&body) || b0 != (response ? 0x9c : 0x1c) || b3 != 0x14)
		return false;
	ms_roles(st, out, response);
	if (!response) {
		ms_request(first, out);
		return true;
	}
	mk_rd_skip(&body, 2); /* sequence */
	if (first == 0 && cmd == CMD_READ_CPU_MODEL)
		ms_cpu_model(&body, out);
	return true;
}

/* Size of the message at rd: 0 = need more bytes, (size_t)-1 = not MELSOFT. */
static size_t ms_size(const struct mk_rd *rd)
{
	uint8_t t = 0, a = 1, b = 1, c = 1;
	uint16_t len = 0;

	if (!mk_rd_peek_u8(rd, 0, &t))
		return 0;
	if (t == MS_HELLO_REQ || t == MS_HELLO_RSP) {
		if (!mk_rd_peek_u8(rd, 1, &a) || !mk_rd_peek_u8(rd, 2, &b) ||
		    !mk_rd_peek_u8(rd, 3, &c))
			return 0;
		if (a != 0 || b != 0)
			return (size_t)-1;
		if (t == MS_HELLO_REQ)
			return MS_HELLO;
		return c == 0xff ? MS_HELLO_ACK_LONG : MS_HELLO_ACK_SHORT;
	}
	if (t != MS_REQ && t != MS_RSP)
		return (size_t)-1;
	if (!mk_rd_peek_u8(rd, 4, &a) || !mk_rd_peek_u8(rd, 5, &b) || !mk_rd_peek_u8(rd, 6, &c))
		return 0;
	if (a != 0x00 || b != 0x11 || c != 0x11)
		return (size_t)-1;
	if (!mk_rd_peek_u8(rd, 19, &a) || !mk_rd_peek_u8(rd, 20, &b))
		return 0;
	len = (uint16_t)(a | (b << 8));
	return MS_HDR + (size_t)len;
}

/* Facts of one whole message of n bytes at rd (consumed from rd). */
static void ms_one(struct melsoft_state *st, struct mk_rd *rd, size_t n, struct mk_emit *out)
{
	struct mk_rd m;
	uint8_t t = 0;

	mk_rd_sub(rd, n, &m);
	mk_rd_peek_u8(&m, 0, &t);
	if (t == MS_HELLO_REQ) {
		ms_roles(st, out, false);
		mk_emit_operation(out, MK_OP_OTHER, "connect");
		return;
	}
	if (t == MS_HELLO_RSP) {
		ms_roles(st, out, true);
		return;
	}
	if (!ms_message(st, &m, out))
		ms_said_once(st, out, SAID_BAD, "melsoft_bad_header");
}

static int melsoft_probe(struct mk_rd *rd, enum mk_dir dir)
{
	size_t n = ms_size(rd), left = mk_rd_left(rd);
	uint8_t t = 0, b0 = 0, b3 = 0;

	(void)dir;
	if (n == 0 || n == (size_t)-1)
		return MK_PROBE_NO;
	mk_rd_peek_u8(rd, 0, &t);
	if (t == MS_HELLO_REQ || t == MS_HELLO_RSP) {
		/* Four bytes are little evidence: enough only where a port says
		 * MELSOFT (the engine takes a hinted MAYBE). */
		return left == n ? MK_PROBE_MAYBE : MK_PROBE_NO;
	}
	if (n > left && left < MS_HDR + MS_BODY_CMD + 2)
		return MK_PROBE_NO;
	if (!mk_rd_peek_u8(rd, MS_HDR, &b0) || !mk_rd_peek_u8(rd, MS_HDR + 3, &b3))
		return MK_PROBE_NO;
	if (b0 != (t == MS_RSP ? 0x9c : 0x1c) || b3 != 0x14 || n < MS_HDR + MS_BODY_CMD + 4)
		return MK_PROBE_NO;
	/* Header magic, body magic and a length that fits what was captured:
	 * exactly one message, or a first message followed by more. */
	return n <= left ? MK_PROBE_SURE : MK_PROBE_MAYBE;
}

static enum mk_verdict melsoft_parse(void *state, struct mk_rd *rd, enum mk_dir dir,
                                     size_t *consumed, struct mk_emit *out)
{
	struct melsoft_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	size_t done = 0;
	*consumed = 0;
	if (out->pkt != NULL && (out->pkt->layers & MK_L_UDP))
		st->skip[0] = st->skip[1] = 0; /* datagrams: nothing carries over */
	for (int i = 0; i < MS_MSGS_PER_CALL && mk_rd_left(rd) > 0; i++) {
		size_t n;

		if (st->skip[d] > 0) {
			size_t k = mk_rd_left(rd) < st->skip[d] ? mk_rd_left(rd) : st->skip[d];

			mk_rd_skip(rd, k);
			st->skip[d] -= (uint32_t)k;
			done += k;
			continue;
		}
		n = ms_size(rd);
		if (n == 0) {
			*consumed = done;
			return MK_V_NEED;
		}
		if (n == (size_t)-1) {
			ms_said_once(st, out, SAID_BAD, "melsoft_bad_header");
			*consumed = done + mk_rd_left(rd);
			return MK_V_INVALID;
		}
		if (n > MS_MAX) {
			/* Too large to keep: its header still says who is who and
			 * what the command is. */
			struct mk_rd head, tmp;
			size_t k = mk_rd_left(rd) < n ? mk_rd_left(rd) : n;

			if (!mk_rd_has(rd, MS_HDR + MS_BODY_CMD + 4)) {
				*consumed = done;
				return MK_V_NEED;
			}
			tmp = *rd;
			mk_rd_sub(&tmp, MS_HDR + MS_BODY_CMD + 4, &head);
			if (!ms_message(st, &head, out))
				ms_said_once(st, out, SAID_BAD, "melsoft_bad_header");
			mk_rd_skip(rd, k);
			st->skip[d] = (uint32_t)(n - k);
			done += k;
			continue;
		}
		if (!mk_rd_has(rd, n)) {
			*consumed = done;
			return MK_V_NEED;
		}
		ms_one(st, rd, n, out);
		done += n;
	}
	*consumed = done;
	return MK_V_OK;
}

static enum mk_verdict melsoft_gap(void *state, enum mk_dir dir)
{
	(void)state, (void)dir;
	return MK_V_INVALID; /* no resynchronisation marker we could trust */
}

const struct mk_proto mk_proto_melsoft = {
    .abi = MK_PROTO_ABI,
    .name = "melsoft",
    .id = MK_PROTO_MELSOFT,
    .transports = MK_TRANSPORT_TCP | MK_TRANSPORT_UDP,
    .state_size = sizeof(struct melsoft_state),
    .max_buffer = MS_MAX,
    .probe = melsoft_probe,
    .parse = melsoft_parse,
    .gap = melsoft_gap,
    .events = melsoft_events,
};

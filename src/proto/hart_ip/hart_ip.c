/* hart_ip.c - HART-IP (TCP/UDP 5094): session set-up and close, keep-alives,
 * and the HART commands tunnelled in token-passing PDUs, classified by the
 * HART command number.
 *
 * specification: FieldComm Group HCF_SPEC-085 (HART-IP), 10.2 header:
 * version (1), message type (1: 0 request, 1 response, 2 publish/notification,
 * 3 error, 15 NAK), message id (1: 0 session initiate, 1 session close,
 * 2 keep alive, 3 token-passing PDU, 4 direct PDU, 128 read audit log),
 * status (1), sequence number (2), byte count (2, the whole message including
 * this header); all big-endian.  Token-passing PDU (HCF_SPEC-081 5.1): delimiter
 * (bit 7 = long (5-byte) address; low 3 bits 2 STX, 6 ACK, 1 BACK), address,
 * command (1), byte count (1), data, check byte.  Command numbers:
 * HCF_SPEC-127 (universal: 0-3, 6, 7-22, 38, 48), HCF_SPEC-151 (common
 * practice: 33-45 ...).
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define HIP_HDR 8
#define HIP_MAX 4096
#define HIP_PDUS_PER_CALL 64

#define HIP_TYPE_REQUEST 0
#define HIP_MSG_INITIATE 0
#define HIP_MSG_CLOSE 1
#define HIP_MSG_KEEPALIVE 2
#define HIP_MSG_PDU 3
#define HIP_MSG_DIRECT 4
#define HIP_MSG_AUDIT 128

static const char *const hip_events[] = {
    "hart_ip_bad_header", /* version, type or byte count not as HCF_SPEC-085 says */
    "hart_ip_write",      /* a tunnelled HART command that changes the device's configuration */
    NULL,
};

struct hip_state {
	uint8_t bad_said;
};

/* HART command -> operation (HCF_SPEC-127 universal, HCF_SPEC-151 common practice). */
static const struct hip_cmd {
	uint8_t cmd;
	uint8_t op;
	const char *name;
} hip_cmds[] = {
    {0, MK_OP_DIAGNOSTIC, "read_unique_identifier"},
    {1, MK_OP_READ, "read_primary_variable"},
    {2, MK_OP_READ, "read_loop_current"},
    {3, MK_OP_READ, "read_dynamic_variables"},
    {6, MK_OP_WRITE, "write_polling_address"},
    {7, MK_OP_READ, "read_loop_configuration"},
    {8, MK_OP_READ, "read_dynamic_variable_classes"},
    {9, MK_OP_READ, "read_device_variables"},
    {11, MK_OP_DIAGNOSTIC, "read_unique_identifier_by_tag"},
    {12, MK_OP_READ, "read_message"},
    {13, MK_OP_READ, "read_tag"},
    {14, MK_OP_READ, "read_pv_transducer_info"},
    {15, MK_OP_READ, "read_device_information"},
    {16, MK_OP_READ, "read_final_assembly_number"},
    {17, MK_OP_WRITE, "write_message"},
    {18, MK_OP_WRITE, "write_tag"},
    {19, MK_OP_WRITE, "write_final_assembly_number"},
    {20, MK_OP_READ, "read_long_tag"},
    {21, MK_OP_DIAGNOSTIC, "read_unique_identifier_by_long_tag"},
    {22, MK_OP_WRITE, "write_long_tag"},
    {38, MK_OP_CONTROL, "reset_configuration_changed_flag"},
    {40, MK_OP_CONTROL, "enter_exit_fixed_current_mode"},
    {41, MK_OP_CONTROL, "perform_self_test"},
    {42, MK_OP_CONTROL, "perform_device_reset"},
    {48, MK_OP_DIAGNOSTIC, "read_additional_device_status"},
};

static void hip_pdu(struct mk_rd *r, struct mk_emit *out)
{
	uint8_t delim = mk_rd_u8(r), cmd;

	mk_rd_skip(r, (delim & 0x80) ? 5 : 1);
	cmd = mk_rd_u8(r);
	if (!mk_rd_ok(r)) {
		mk_emit_operation(out, MK_OP_OTHER, "pdu");
		return;
	}
	for (size_t i = 0; i < sizeof(hip_cmds) / sizeof(hip_cmds[0]); i++) {
		if (hip_cmds[i].cmd == cmd) {
			mk_emit_operation(out, (enum mk_op_class)hip_cmds[i].op, hip_cmds[i].name);
			if (hip_cmds[i].op == MK_OP_WRITE)
				mk_emit_anomaly(out, "hart_ip_write");
			return;
		}
	}
	mk_emit_operationf(out, MK_OP_OTHER, "cmd=%u", (unsigned)cmd);
}

static bool hip_header_ok(uint8_t ver, uint8_t type, uint8_t id, uint16_t count)
{
	return ver >= 1 && ver <= 2 && (type <= 3 || type == 15) &&
	       (id <= HIP_MSG_DIRECT || id == HIP_MSG_AUDIT) && count >= HIP_HDR;
}

static int hip_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t ver = 0, type = 0, id = 0;
	uint16_t count = 0;

	(void)dir;
	if (!mk_rd_peek_u8(rd, 0, &ver) || !mk_rd_peek_u8(rd, 1, &type) ||
	    !mk_rd_peek_u8(rd, 2, &id) || !mk_rd_peek_be16(rd, 6, &count))
		return MK_PROBE_NO;
	if (!hip_header_ok(ver, type, id, count))
		return MK_PROBE_NO;
	/* The byte count must describe exactly the first payload; session
	 * initiate and PDU messages are what a HART-IP conversation starts with. */
	if (count == mk_rd_left(rd))
		return id == HIP_MSG_INITIATE || id == HIP_MSG_PDU ? MK_PROBE_SURE : MK_PROBE_MAYBE;
	return MK_PROBE_NO;
}

/* One whole message of count bytes. */
static void hip_message(struct mk_rd *m, struct mk_emit *out)
{
	uint8_t ver = mk_rd_u8(m), type = mk_rd_u8(m), id = mk_rd_u8(m);

	mk_rd_skip(m, 5); /* status, sequence, byte count */
	(void)ver;
	if (type != HIP_TYPE_REQUEST)
		return;
	switch (id) {
	case HIP_MSG_INITIATE: mk_emit_operation(out, MK_OP_OTHER, "session_initiate"); break;
	case HIP_MSG_CLOSE: mk_emit_operation(out, MK_OP_OTHER, "session_close"); break;
	case HIP_MSG_KEEPALIVE: mk_emit_operation(out, MK_OP_OTHER, "keep_alive"); break;
	case HIP_MSG_PDU:
	case HIP_MSG_DIRECT: hip_pdu(m, out); break;
	case HIP_MSG_AUDIT: mk_emit_operation(out, MK_OP_DIAGNOSTIC, "read_audit_log"); break;
	default: break;
	}
}

static enum mk_verdict hip_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	struct hip_state *st = state;
	size_t done = 0;

	(void)dir;
	*consumed = 0;
	for (int i = 0; i < HIP_PDUS_PER_CALL && mk_rd_left(rd) > 0; i++) {
		uint8_t ver = 0, type = 0, id = 0;
		uint16_t count = 0;
		struct mk_rd m;

		if (!mk_rd_peek_u8(rd, 0, &ver) || !mk_rd_peek_u8(rd, 1, &type) ||
		    !mk_rd_peek_u8(rd, 2, &id) || !mk_rd_peek_be16(rd, 6, &count)) {
			*consumed = done;
			return MK_V_NEED;
		}
		if (!hip_header_ok(ver, type, id, count) || count > HIP_MAX) {
			if (!st->bad_said) {
				st->bad_said = 1;
				mk_emit_anomaly(out, "hart_ip_bad_header");
			}
			*consumed = done + mk_rd_left(rd);
			return MK_V_INVALID;
		}
		if (!mk_rd_has(rd, count)) {
			*consumed = done;
			return MK_V_NEED;
		}
		mk_rd_sub(rd, count, &m);
		done += count;
		hip_message(&m, out);
	}
	*consumed = done;
	return MK_V_OK;
}

const struct mk_proto mk_proto_hart_ip = {
    .abi = MK_PROTO_ABI,
    .name = "hart_ip",
    .id = MK_PROTO_HART_IP,
    .transports = MK_TRANSPORT_TCP | MK_TRANSPORT_UDP,
    .state_size = sizeof(struct hip_state),
    .max_buffer = HIP_MAX,
    .probe = hip_probe,
    .parse = hip_parse,
    .events = hip_events,
};

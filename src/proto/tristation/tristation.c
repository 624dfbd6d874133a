/* tristation.c - Schneider Electric Triconex TriStation (UDP 1502), the
 * engineering protocol of Triconex safety controllers: identification by the
 * header shape, connection set-up, and the command of each execution message
 * classified; any program download is reported.
 *
 * specification: none is public.  The layout follows the public analyses of the
 * TRITON/TRISIS malware, which carried its own TriStation implementation:
 * FireEye, "Totally Tubular Treatise on TRITON and TriStation" (June 2018) and
 * its published Wireshark dissector fireeye-tristation.lua (read only), whose
 * command names are those of TRITON's TS_cnames module:
 *   [0] message type (1 connection request, 2 connection response,
 *       3 disconnection response, 4 disconnection request, 5 execution
 *       command, 6 ping, 7 connection limit reached, 8 not connected,
 *       9 MPs are dead, 10 access denied, 11 connection failed)
 *   [1] 0x00
 *   [2..3] message length, little-endian
 *   execution commands: [4..5] (0000/0101), [6] command function code,
 *   [7] command counter, ..., a CRC in the last two bytes.
 * The exact meaning of the length and the CRC algorithm are not publicly
 * described, so the probe only says MAYBE (a port hint decides) and the CRC
 * is not checked.  Command codes >= 100 are answers (TS_cnames).
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define TS_HDR 4
#define TS_EXEC_MIN 8
#define TS_TYPE_CONNECT 1
#define TS_TYPE_DISCONNECT 4
#define TS_TYPE_EXEC 5
#define TS_TYPE_PING 6
#define TS_TYPE_MAX 11

static const char *const ts_events[] = {
    "tristation_bad_header",       /* type or length outside what the analyses describe */
    "tristation_program_download", /* a download of the safety program started */
    "tristation_program_control",  /* run/halt/pause/single scan of the safety program */
    NULL,
};

struct ts_state {
	uint8_t bad_said;
};

enum ts_flag {
	TS_DOWNLOAD = 1,
	TS_CONTROL = 2,
};

/* TS_cnames command function codes (requests) -> operation. */
static const struct ts_cmd {
	uint8_t code;
	uint8_t op;
	uint8_t flag;
	const char *name;
} ts_cmds[] = {
    {0, MK_OP_PROGRAM, TS_DOWNLOAD, "start_download_all"},
    {1, MK_OP_PROGRAM, TS_DOWNLOAD, "start_download_change"},
    {2, MK_OP_PROGRAM, 0, "update_configuration"},
    {3, MK_OP_READ, 0, "upload_configuration"},
    {4, MK_OP_WRITE, 0, "set_io_addresses"},
    {5, MK_OP_PROGRAM, 0, "allocate_network"},
    {6, MK_OP_PROGRAM, 0, "load_vector_table"},
    {7, MK_OP_WRITE, 0, "set_calendar"},
    {8, MK_OP_READ, 0, "get_calendar"},
    {9, MK_OP_WRITE, 0, "set_scan_time"},
    {10, MK_OP_PROGRAM, 0, "end_download_all"},
    {11, MK_OP_PROGRAM, 0, "end_download_change"},
    {12, MK_OP_PROGRAM, 0, "cancel_download_change"},
    {13, MK_OP_OTHER, 0, "attach_tricon"},
    {14, MK_OP_WRITE, 0, "set_io_address_limits"},
    {15, MK_OP_WRITE, 0, "configure_module"},
    {16, MK_OP_WRITE, 0, "set_multiple_point_values"},
    {17, MK_OP_WRITE, 0, "enable_all_points"},
    {18, MK_OP_READ, 0, "upload_vector_table"},
    {19, MK_OP_DIAGNOSTIC, 0, "get_cp_status"},
    {20, MK_OP_CONTROL, TS_CONTROL, "run_program"},
    {21, MK_OP_CONTROL, TS_CONTROL, "halt_program"},
    {22, MK_OP_CONTROL, TS_CONTROL, "pause_program"},
    {23, MK_OP_CONTROL, TS_CONTROL, "do_single_scan"},
    {24, MK_OP_DIAGNOSTIC, 0, "get_chassis_status"},
    {25, MK_OP_DIAGNOSTIC, 0, "get_minimum_scan_time"},
    {26, MK_OP_WRITE, 0, "set_node_number"},
    {27, MK_OP_WRITE, 0, "set_io_point_values"},
    {28, MK_OP_READ, 0, "get_io_point_values"},
    {29, MK_OP_DIAGNOSTIC, 0, "get_mp_status"},
    {30, MK_OP_WRITE, 0, "set_retentive_values"},
    {31, MK_OP_WRITE, 0, "adjust_clock_calendar"},
    {32, MK_OP_CONTROL, 0, "clear_module_alarms"},
    {33, MK_OP_READ, 0, "get_event_log"},
    {34, MK_OP_WRITE, 0, "set_soe_block"},
    {36, MK_OP_READ, 0, "get_soe_data"},
    {37, MK_OP_CONTROL, 0, "enable_ovd"},
    {38, MK_OP_CONTROL, 0, "disable_ovd"},
    {39, MK_OP_CONTROL, 0, "enable_all_ovds"},
    {40, MK_OP_CONTROL, 0, "disable_all_ovds"},
    {42, MK_OP_READ, 0, "upload_network"},
    {44, MK_OP_WRITE, 0, "configure_system_variables"},
    {45, MK_OP_WRITE, 0, "deconfigure_module"},
    {46, MK_OP_READ, 0, "get_system_variables"},
    {47, MK_OP_READ, 0, "get_module_types"},
    {48, MK_OP_PROGRAM, 0, "begin_conversion_table_download"},
    {49, MK_OP_PROGRAM, 0, "continue_conversion_table_download"},
    {50, MK_OP_PROGRAM, 0, "end_conversion_table_download"},
    {51, MK_OP_READ, 0, "get_conversion_table"},
    {54, MK_OP_DIAGNOSTIC, 0, "get_module_versions"},
    {55, MK_OP_PROGRAM, TS_DOWNLOAD, "allocate_program"},
    {56, MK_OP_PROGRAM, 0, "allocate_function"},
    {57, MK_OP_WRITE, 0, "clear_retentives"},
    {58, MK_OP_WRITE, 0, "set_initial_values"},
    {59, MK_OP_PROGRAM, TS_DOWNLOAD, "start_ts2_program_download"},
    {63, MK_OP_WRITE, 0, "set_program_information"},
    {64, MK_OP_READ, 0, "get_program_information"},
    {65, MK_OP_READ, 0, "upload_program"},
    {66, MK_OP_READ, 0, "upload_function"},
    {68, MK_OP_PROGRAM, 0, "allocate_symbol_table"},
    {72, MK_OP_PROGRAM, 0, "allocate_multiple_functions"},
    {74, MK_OP_READ, 0, "get_symbol_table"},
    {80, MK_OP_PROGRAM, TS_DOWNLOAD, "go_to_download_mode"},
};

/* Header shape: type, the zero byte, and a length that fits the datagram. */
static bool ts_shape(const struct mk_rd *rd, uint8_t *type)
{
	uint8_t z = 1, lo = 0, hi = 0;
	size_t len;

	if (!mk_rd_peek_u8(rd, 0, type) || !mk_rd_peek_u8(rd, 1, &z) ||
	    !mk_rd_peek_u8(rd, 2, &lo) || !mk_rd_peek_u8(rd, 3, &hi))
		return false;
	len = (size_t)lo | ((size_t)hi << 8);
	return *type >= 1 && *type <= TS_TYPE_MAX && z == 0 && len <= mk_rd_left(rd) &&
	       (*type != TS_TYPE_EXEC || mk_rd_left(rd) >= TS_EXEC_MIN);
}

static int ts_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t type = 0;

	(void)dir;
	return ts_shape(rd, &type) ? MK_PROBE_MAYBE : MK_PROBE_NO;
}

static void ts_exec(struct mk_rd *rd, struct mk_emit *out)
{
	uint8_t code = 0;

	if (!mk_rd_peek_u8(rd, 6, &code))
		return;
	if (code >= 100)
		return; /* an answer (TS_cnames 100..255) */
	for (size_t i = 0; i < sizeof(ts_cmds) / sizeof(ts_cmds[0]); i++) {
		if (ts_cmds[i].code != code)
			continue;
		mk_emit_operation(out, (enum mk_op_class)ts_cmds[i].op, ts_cmds[i].name);
		if (ts_cmds[i].flag == TS_DOWNLOAD)
			mk_emit_anomaly(out, "tristation_program_download");
		else if (ts_cmds[i].flag == TS_CONTROL)
			mk_emit_anomaly(out, "tristation_program_control");
		return;
	}
	mk_emit_operationf(out, MK_OP_OTHER, "cmd=%u", (unsigned)code);
}

static enum mk_verdict ts_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                struct mk_emit *out)
{
	struct ts_state *st = state;
	uint8_t type = 0;

	(void)dir;
	*consumed = 0;
	if (!ts_shape(rd, &type)) {
		if (!st->bad_said) {
			st->bad_said = 1;
			mk_emit_anomaly(out, "tristation_bad_header");
		}
		return MK_V_OK;
	}
	switch (type) {
	case TS_TYPE_CONNECT:
		mk_emit_operation(out, MK_OP_OTHER, "connect");
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_ENGINEERING_WORKSTATION, 60,
		             "Connects to a Triconex safety controller over TriStation");
		break;
	case TS_TYPE_DISCONNECT: mk_emit_operation(out, MK_OP_OTHER, "disconnect"); break;
	case TS_TYPE_PING: mk_emit_operation(out, MK_OP_OTHER, "ping"); break;
	case TS_TYPE_EXEC: ts_exec(rd, out); break;
	default: break; /* answers and refusals from the controller */
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_tristation = {
    .abi = MK_PROTO_ABI,
    .name = "tristation",
    .id = MK_PROTO_TRISTATION,
    .transports = MK_TRANSPORT_UDP,
    .state_size = sizeof(struct ts_state),
    .probe = ts_probe,
    .parse = ts_parse,
    .events = ts_events,
};

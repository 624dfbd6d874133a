/* iec104.c - IEC 60870-5-104: APCI framing (I, S and U formats), the ASDU
 * header (type identification, variable structure qualifier, cause of
 * transmission, common address), every command of the controlling station as
 * an operation, negative confirmations as events, and which end is the
 * controlling and which the controlled station.
 * specification: IEC 60870-5-104:2006 clause 5 (APCI: start 0x68, length,
 * control field formats I/S/U), clause 9 (ASDU field sizes: COT 2 octets,
 * common address 2, information object address 3), table 1 (type ids 58-64,
 * 107, 127); IEC 60870-5-101:2003 7.2 (data unit identifier), 7.2.1 (type
 * identification, table 8-14), 7.2.3 (cause of transmission), 7.3 (information
 * element sizes).
 *
 * Operations: only what the controlling station asks for is counted (commands
 * and set points, interrogations and reads, clock sync, test, reset, parameter
 * loading, file transfer sent by the controlling station, and the U-format
 * STARTDT/STOPDT/TESTFR activations).  Monitoring data (types 1-40, 70) and
 * confirmations (actcon, actterm, U-format con) are answers and are not counted.
 */
#include "mieruka/proto.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define IEC104_START 0x68
#define IEC104_APCI 6 /* start, length, four control octets */
#define IEC104_LEN_MIN 4
#define IEC104_LEN_MAX 253
#define IEC104_ASDU_HEADER 6 /* type, vsq, cot, originator, common address(2) */
#define IEC104_IOA 3
#define IEC104_APDUS_PER_CALL 256

/* U-format functions (IEC 60870-5-104 5.3). */
#define U_STARTDT_ACT 0x04
#define U_STARTDT_CON 0x08
#define U_STOPDT_ACT 0x10
#define U_STOPDT_CON 0x20
#define U_TESTFR_ACT 0x40
#define U_TESTFR_CON 0x80

/* Causes of transmission (IEC 60870-5-101 7.2.3). */
#define COT_REQ 5
#define COT_ACT 6
#define COT_ACTCON 7
#define COT_DEACT 8
#define COT_DEACTCON 9
#define COT_ACTTERM 10
#define COT_UNKNOWN_TYPE 44
#define COT_UNKNOWN_IOA 47
#define COT_NEGATIVE 0x40

enum iec104_kind {
	K_MONITOR, /* process information in monitor direction: data, not ops */
	K_CONTROL, /* commands, set points, reset process */
	K_READ,    /* interrogation, counter interrogation, read */
	K_OTHER,   /* clock sync, delay acquisition */
	K_DIAG,    /* test command */
	K_WRITE,   /* parameter loading */
	K_FILE,    /* file transfer */
};

struct iec104_type {
	uint8_t id;
	uint8_t kind;
	int8_t elem; /* information element octets after the IOA; -1 variable */
	const char *name;
	const char *word;
};

/* IEC 60870-5-101 7.2.1.1 tables 8-14 and IEC 60870-5-104 table 1; element
 * sizes from 101 7.3 (e.g. M_ME_NA_1: NVA 2 + QDS 1). */
static const struct iec104_type iec104_types[] = {
    {1, K_MONITOR, 1, "M_SP_NA_1", NULL},
    {2, K_MONITOR, 4, "M_SP_TA_1", NULL},
    {3, K_MONITOR, 1, "M_DP_NA_1", NULL},
    {4, K_MONITOR, 4, "M_DP_TA_1", NULL},
    {5, K_MONITOR, 2, "M_ST_NA_1", NULL},
    {6, K_MONITOR, 5, "M_ST_TA_1", NULL},
    {7, K_MONITOR, 5, "M_BO_NA_1", NULL},
    {8, K_MONITOR, 8, "M_BO_TA_1", NULL},
    {9, K_MONITOR, 3, "M_ME_NA_1", NULL},
    {10, K_MONITOR, 6, "M_ME_TA_1", NULL},
    {11, K_MONITOR, 3, "M_ME_NB_1", NULL},
    {12, K_MONITOR, 6, "M_ME_TB_1", NULL},
    {13, K_MONITOR, 5, "M_ME_NC_1", NULL},
    {14, K_MONITOR, 8, "M_ME_TC_1", NULL},
    {15, K_MONITOR, 5, "M_IT_NA_1", NULL},
    {16, K_MONITOR, 8, "M_IT_TA_1", NULL},
    {17, K_MONITOR, 6, "M_EP_TA_1", NULL},
    {18, K_MONITOR, 7, "M_EP_TB_1", NULL},
    {19, K_MONITOR, 7, "M_EP_TC_1", NULL},
    {20, K_MONITOR, 5, "M_PS_NA_1", NULL},
    {21, K_MONITOR, 2, "M_ME_ND_1", NULL},
    {30, K_MONITOR, 8, "M_SP_TB_1", NULL},
    {31, K_MONITOR, 8, "M_DP_TB_1", NULL},
    {32, K_MONITOR, 9, "M_ST_TB_1", NULL},
    {33, K_MONITOR, 12, "M_BO_TB_1", NULL},
    {34, K_MONITOR, 10, "M_ME_TD_1", NULL},
    {35, K_MONITOR, 10, "M_ME_TE_1", NULL},
    {36, K_MONITOR, 12, "M_ME_TF_1", NULL},
    {37, K_MONITOR, 12, "M_IT_TB_1", NULL},
    {38, K_MONITOR, 10, "M_EP_TD_1", NULL},
    {39, K_MONITOR, 11, "M_EP_TE_1", NULL},
    {40, K_MONITOR, 11, "M_EP_TF_1", NULL},
    {45, K_CONTROL, 1, "C_SC_NA_1", "single_command"},
    {46, K_CONTROL, 1, "C_DC_NA_1", "double_command"},
    {47, K_CONTROL, 1, "C_RC_NA_1", "regulating_step"},
    {48, K_CONTROL, 3, "C_SE_NA_1", "set_point_normalized"},
    {49, K_CONTROL, 3, "C_SE_NB_1", "set_point_scaled"},
    {50, K_CONTROL, 5, "C_SE_NC_1", "set_point_float"},
    {51, K_CONTROL, 4, "C_BO_NA_1", "bitstring"},
    {58, K_CONTROL, 8, "C_SC_TA_1", "single_command"},
    {59, K_CONTROL, 8, "C_DC_TA_1", "double_command"},
    {60, K_CONTROL, 8, "C_RC_TA_1", "regulating_step"},
    {61, K_CONTROL, 10, "C_SE_TA_1", "set_point_normalized"},
    {62, K_CONTROL, 10, "C_SE_TB_1", "set_point_scaled"},
    {63, K_CONTROL, 12, "C_SE_TC_1", "set_point_float"},
    {64, K_CONTROL, 11, "C_BO_TA_1", "bitstring"},
    {70, K_MONITOR, 1, "M_EI_NA_1", NULL},
    {100, K_READ, 1, "C_IC_NA_1", "interrogation"},
    {101, K_READ, 1, "C_CI_NA_1", "counter_interrogation"},
    {102, K_READ, 0, "C_RD_NA_1", "read"},
    {103, K_OTHER, 7, "C_CS_NA_1", "clock_sync"},
    {104, K_DIAG, 2, "C_TS_NA_1", "test"},
    {105, K_CONTROL, 1, "C_RP_NA_1", "reset_process"},
    {106, K_OTHER, 2, "C_CD_NA_1", "delay_acquisition"},
    {107, K_DIAG, 9, "C_TS_TA_1", "test"},
    {110, K_WRITE, 3, "P_ME_NA_1", "parameter_normalized"},
    {111, K_WRITE, 3, "P_ME_NB_1", "parameter_scaled"},
    {112, K_WRITE, 5, "P_ME_NC_1", "parameter_float"},
    {113, K_WRITE, 1, "P_AC_NA_1", "parameter_activation"},
    {120, K_FILE, 6, "F_FR_NA_1", "file_ready"},
    {121, K_FILE, 7, "F_SR_NA_1", "file_section_ready"},
    {122, K_FILE, 4, "F_SC_NA_1", "file_call"},
    {123, K_FILE, 5, "F_LS_NA_1", "file_last_section"},
    {124, K_FILE, 4, "F_AF_NA_1", "file_ack"},
    {125, K_FILE, -1, "F_SG_NA_1", "file_segment"},
    {126, K_FILE, 13, "F_DR_TA_1", "file_directory"},
    {127, K_FILE, 16, "F_SC_NB_1", "file_query_log"},
};

struct iec104_state {
	uint8_t controlling_said, controlled_said, ca_said;
	uint8_t resyncing[2];
};

static const char *const iec104_events[] = {
    "iec104_bad_start",
    "iec104_bad_length",
    "iec104_bad_u_frame",
    "iec104_bad_asdu",
    "iec104_unknown_type",
    "iec104_negative_confirm",
    NULL,
};

static const struct iec104_type *iec104_type_of(uint8_t id)
{
	for (size_t i = 0; i < sizeof(iec104_types) / sizeof(iec104_types[0]); i++)
		if (iec104_types[i].id == id)
			return &iec104_types[i];
	return NULL;
}

static const char *iec104_cause_name(uint8_t cause)
{
	switch (cause) {
	case COT_REQ: return "req";
	case COT_ACT: return "act";
	case COT_DEACT: return "deact";
	default: return NULL;
	}
}

/* The host that sent the bytes of dir, from the flow. */
static struct mk_host iec104_sender(enum mk_dir dir)
{
	return mk_host_rel(dir == MK_DIR_TO_SERVER ? MK_HOST_CLIENT : MK_HOST_SERVER);
}

static void iec104_controlling(struct iec104_state *st, enum mk_dir dir, struct mk_emit *out)
{
	if (st->controlling_said)
		return;
	st->controlling_said = 1;
	mk_emit_role(out, iec104_sender(dir), MK_ROLE_SCADA_SERVER, 60,
	             "IEC 104 controlling station");
}

static void iec104_controlled(struct iec104_state *st, enum mk_dir dir, struct mk_emit *out)
{
	if (st->controlled_said)
		return;
	st->controlled_said = 1;
	mk_emit_role(out, iec104_sender(dir), MK_ROLE_PLC, 80, "IEC 104 controlled station");
}

static void iec104_asdu(struct iec104_state *st, struct mk_rd *a, enum mk_dir dir,
                        struct mk_emit *out)
{
	uint8_t type = mk_rd_u8(a), vsq = mk_rd_u8(a), cot = mk_rd_u8(a), cause, n;
	uint16_t ca;
	const struct iec104_type *t;
	const char *cname;
	size_t left;

	mk_rd_skip(a, 1); /* originator address */
	ca = mk_rd_le16(a);
	if (!mk_rd_ok(a)) {
		mk_emit_anomaly(out, "iec104_bad_asdu");
		return;
	}
	cause = cot & 0x3f;
	n = vsq & 0x7f;
	left = mk_rd_left(a);
	t = iec104_type_of(type);
	if (t == NULL) {
		mk_emit_anomaly(out, "iec104_unknown_type");
		return;
	}
	if (t->elem >= 0) {
		size_t e = (size_t)t->elem;
		size_t want =
		    (vsq & 0x80) ? (n > 0 ? IEC104_IOA + n * e : 0) : n * (IEC104_IOA + e);

		if (n == 0 || want != left) {
			mk_emit_anomaly(out, "iec104_bad_asdu");
			return;
		}
	}
	if ((cot & COT_NEGATIVE) || (cause >= COT_UNKNOWN_TYPE && cause <= COT_UNKNOWN_IOA))
		mk_emit_anomaly(out, "iec104_negative_confirm");
	if (t->kind == K_MONITOR) {
		iec104_controlled(st, dir, out);
		if (!st->ca_said) {
			char text[8];
			int len = snprintf(text, sizeof(text), "%u", (unsigned)ca);

			st->ca_said = 1;
			if (len > 0 && (size_t)len < sizeof(text))
				mk_emit_attr(out, iec104_sender(dir), "iec104_common_address", text,
				             (size_t)len);
		}
		return;
	}
	if (t->kind == K_FILE) {
		/* Files move both ways with cause "file" (13); what the controlling
		 * station (the TCP client, 104 clause 10) sends is the request. */
		char detail[48];
		int len;

		if (dir != MK_DIR_TO_SERVER)
			return;
		len = snprintf(detail, sizeof(detail), "%s %s", t->name, t->word);
		if (len > 0 && (size_t)len < sizeof(detail))
			mk_emit_operation(out, MK_OP_PROGRAM, detail);
		return;
	}
	cname = iec104_cause_name(cause);
	if (cname == NULL || (cot & COT_NEGATIVE)) {
		/* Confirmations and terminations come from the controlled station. */
		if (cause == COT_ACTCON || cause == COT_DEACTCON || cause == COT_ACTTERM)
			iec104_controlled(st, dir, out);
		return;
	}
	{
		static const uint8_t op_of[] = {
		    [K_CONTROL] = MK_OP_CONTROL, [K_READ] = MK_OP_READ,   [K_OTHER] = MK_OP_OTHER,
		    [K_DIAG] = MK_OP_DIAGNOSTIC, [K_WRITE] = MK_OP_WRITE,
		};
		char detail[64];
		int len = snprintf(detail, sizeof(detail), "%s %s %s", t->name, t->word, cname);

		if (len > 0 && (size_t)len < sizeof(detail))
			mk_emit_operation(out, (enum mk_op_class)op_of[t->kind], detail);
		iec104_controlling(st, dir, out);
	}
}

/* One whole APDU: control field c[4], then the ASDU (I format only). */
static void iec104_apdu(struct iec104_state *st, struct mk_rd *apdu, enum mk_dir dir,
                        struct mk_emit *out)
{
	uint8_t c1 = mk_rd_u8(apdu);
	uint8_t c2 = mk_rd_u8(apdu);
	uint8_t c3 = mk_rd_u8(apdu);
	uint8_t c4 = mk_rd_u8(apdu);
	uint8_t fn;

	(void)c2;
	(void)c4;
	if ((c1 & 0x01) == 0) { /* I format */
		iec104_asdu(st, apdu, dir, out);
		return;
	}
	if ((c1 & 0x03) == 0x01) { /* S format: acknowledges I frames */
		if (mk_rd_left(apdu) != 0 || (c3 & 0x01))
			mk_emit_anomaly(out, "iec104_bad_length");
		return;
	}
	/* U format: exactly one function bit. */
	fn = c1 & 0xfc;
	if (mk_rd_left(apdu) != 0 || fn == 0 || (fn & (fn - 1)) != 0) {
		mk_emit_anomaly(out, "iec104_bad_u_frame");
		return;
	}
	switch (fn) {
	case U_STARTDT_ACT:
		mk_emit_operation(out, MK_OP_OTHER, "startdt_act");
		iec104_controlling(st, dir, out);
		break;
	case U_STOPDT_ACT:
		mk_emit_operation(out, MK_OP_OTHER, "stopdt_act");
		iec104_controlling(st, dir, out);
		break;
	case U_TESTFR_ACT:
		/* Either station may test the link (104 5.2). */
		mk_emit_operation(out, MK_OP_OTHER, "testfr_act");
		break;
	case U_STARTDT_CON:
	case U_STOPDT_CON: iec104_controlled(st, dir, out); break;
	default: /* U_TESTFR_CON */ break;
	}
}

static int iec104_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t b[IEC104_APCI + 3] = {0};
	const struct iec104_type *t;

	(void)dir;
	for (size_t i = 0; i < sizeof(b); i++) {
		if (!mk_rd_peek_u8(rd, i, &b[i])) {
			if (i == 0 || b[0] != IEC104_START)
				return MK_PROBE_NO;
			if (i >= 2 && (b[1] < IEC104_LEN_MIN || b[1] > IEC104_LEN_MAX))
				return MK_PROBE_NO;
			/* S and U frames are complete at six octets. */
			if (i == IEC104_APCI && b[1] == IEC104_LEN_MIN)
				break;
			return MK_PROBE_MAYBE;
		}
	}
	if (b[0] != IEC104_START || b[1] < IEC104_LEN_MIN || b[1] > IEC104_LEN_MAX)
		return MK_PROBE_NO;
	if ((b[2] & 0x03) == 0x03) { /* U: one function bit, zero elsewhere */
		uint8_t fn = b[2] & 0xfc;

		return b[1] == IEC104_LEN_MIN && fn != 0 && (fn & (fn - 1)) == 0 && b[3] == 0 &&
		               b[4] == 0 && b[5] == 0
		           ? MK_PROBE_SURE
		           : MK_PROBE_NO;
	}
	if ((b[2] & 0x03) == 0x01) /* S */
		return b[1] == IEC104_LEN_MIN && b[2] == 0x01 && b[3] == 0 && (b[4] & 1) == 0
		           ? MK_PROBE_SURE
		           : MK_PROBE_NO;
	/* I: a known type, a defined cause, and an APDU length that fits the
	 * number of objects the type's fixed size implies. */
	if (b[1] < IEC104_LEN_MIN + IEC104_ASDU_HEADER || (b[4] & 1) != 0)
		return MK_PROBE_NO;
	t = iec104_type_of(b[6]);
	if (t == NULL || (b[8] & 0x3f) < 1 || (b[8] & 0x3f) > COT_UNKNOWN_IOA)
		return MK_PROBE_NO;
	if (t->elem >= 0) {
		size_t n = b[7] & 0x7f, e = (size_t)t->elem;
		size_t want = (b[7] & 0x80) ? IEC104_IOA + n * e : n * (IEC104_IOA + e);

		if (n == 0 || want != (size_t)b[1] - IEC104_LEN_MIN - IEC104_ASDU_HEADER)
			return MK_PROBE_NO;
	}
	return MK_PROBE_SURE;
}

static enum mk_verdict iec104_parse(void *state, struct mk_rd *rd, enum mk_dir dir,
                                    size_t *consumed, struct mk_emit *out)
{
	struct iec104_state *st = state;
	unsigned di = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	*consumed = 0;
	for (int i = 0; i < IEC104_APDUS_PER_CALL; i++) {
		size_t left = mk_rd_left(rd);
		uint8_t b0 = 0, len = 0;
		struct mk_rd apdu;

		if (left == 0)
			return MK_V_OK;
		mk_rd_peek_u8(rd, 0, &b0);
		if (b0 != IEC104_START) {
			const uint8_t *p = mk_rd_cur(rd);
			const uint8_t *next = memchr(p, IEC104_START, left);
			size_t skip = next != NULL ? (size_t)(next - p) : left;

			/* One event per run of bytes that are no APDU. */
			if (!st->resyncing[di])
				mk_emit_anomaly(out, "iec104_bad_start");
			st->resyncing[di] = 1;
			mk_rd_skip(rd, skip);
			*consumed += skip;
			continue;
		}
		if (!mk_rd_peek_u8(rd, 1, &len))
			return MK_V_NEED;
		if (len < IEC104_LEN_MIN || len > IEC104_LEN_MAX) {
			if (!st->resyncing[di])
				mk_emit_anomaly(out, "iec104_bad_length");
			st->resyncing[di] = 1;
			mk_rd_skip(rd, 1);
			*consumed += 1;
			continue;
		}
		if (left < 2 + (size_t)len)
			return MK_V_NEED;
		mk_rd_skip(rd, 2);
		mk_rd_sub(rd, len, &apdu);
		*consumed += 2 + (size_t)len;
		st->resyncing[di] = 0;
		iec104_apdu(st, &apdu, dir, out);
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_iec104 = {
    .abi = MK_PROTO_ABI,
    .name = "iec104",
    .id = MK_PROTO_IEC104,
    .transports = MK_TRANSPORT_TCP,
    .state_size = sizeof(struct iec104_state),
    .max_buffer = 2 + IEC104_LEN_MAX,
    .probe = iec104_probe,
    .parse = iec104_parse,
    .events = iec104_events,
};

/* modbus.c - Modbus/TCP (and Modbus over UDP, the same MBAP framing): every
 * public function code named and classified into an operation, requests paired
 * with responses by transaction id, device identification (43/14) as identity,
 * exception answers, vendor-specific Schneider UMAS (90), user-defined codes
 * and function-code sweeps as named events.
 * specification: MODBUS Application Protocol Specification V1.1b3 (2012),
 * sections 4.1 (PDU), 5 (function code categories), 6.1-6.21 (requests and
 * responses), 7 (exception responses), Annex A (reserved codes); MODBUS
 * Messaging on TCP/IP Implementation Guide V1.0b, section 3.1.3 (MBAP header).
 * UMAS sub-function codes: the public descriptions "The Unity (UMAS) protocol"
 * (lirasenlared.blogspot.com, 2017) and Black Hat Europe 2024 "From
 * Pass-the-Hash to Code Execution on Schneider Electric M340 PLCs".
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define MBAP_HEADER 6         /* tid, protocol id, length; the unit id is counted in length */
#define MBAP_LEN_MIN 2        /* unit id + function code */
#define MBAP_LEN_MAX 254      /* 260-byte ADU (Implementation Guide 3.1.3 / spec 4.1) */
#define MB_ADU_MAX (MBAP_HEADER + MBAP_LEN_MAX)
#define MB_PENDING 32         /* outstanding requests remembered per flow */
#define MB_PDUS_PER_CALL 1024 /* then return OK and be called again */
#define MB_OBJ_MAX 64         /* bytes kept of one device identification object */
#define MB_OBJS 7             /* basic + regular objects 0x00-0x06 (spec 6.21) */
#define MB_RESYNC 8           /* segments dropped after a gap before giving up */
#define MB_REPEAT_EVENT_MAX 64 /* per flow, for events that may repeat */
#define MB_ROLE_CONFIDENCE 60

/* Thresholds of the sweep and exception events (per flow). */
#define MB_SCAN_DISTINCT_FC 16      /* distinct function codes requested */
#define MB_SCAN_ILLEGAL_FC 8        /* distinct codes answered "illegal function" */
#define MB_ILLEGAL_FUNCTION_REPEAT 5
#define MB_ILLEGAL_ADDRESS_REPEAT 16

/* Exception codes, spec section 7. */
#define MB_EXC_ILLEGAL_FUNCTION 0x01
#define MB_EXC_ILLEGAL_ADDRESS 0x02

#define MB_FC_DIAGNOSTICS 8
#define MB_FC_REPORT_SERVER_ID 17
#define MB_FC_MEI 43
#define MB_FC_UMAS 90
#define MB_MEI_CANOPEN 13
#define MB_MEI_DEVICE_ID 14

enum mb_kind {
	MB_UNKNOWN = 0,
	MB_PUBLIC,   /* a public function code of section 5 */
	MB_RESERVED, /* Annex A: reserved for legacy products */
	MB_USER,     /* 65-72, 100-110: user-defined (section 5.1) */
	MB_UMAS,     /* 90: Schneider UMAS (reserved in Annex A) */
};

/* Said-once flags. */
enum {
	SAID_ROLE = 1u << 0,
	SAID_UMAS = 1u << 1,
	SAID_SCAN = 1u << 2,
	SAID_ILLEGAL_FUNCTION = 1u << 3,
	SAID_ILLEGAL_ADDRESS = 1u << 4,
	SAID_BAD_MBAP = 1u << 5,
};

struct mb_pending {
	uint16_t tid;
	uint8_t fc;
	uint8_t used;
};

struct modbus_state {
	struct mb_pending pend[MB_PENDING];
	uint8_t next_slot;
	uint8_t said;
	uint8_t done[2];
	uint8_t resync[2];
	uint8_t fc_seen[32];    /* bitmap: function codes requested in this flow */
	uint8_t fc_illegal[32]; /* bitmap: codes answered with exception 1 */
	uint8_t n_seen, n_illegal;
	uint8_t n_unmatched, n_bad_pdu, n_bad_exception, n_listen_only, n_restart;
	uint16_t exc_function, exc_address; /* exception 1 and 2 answers, saturating */
	uint8_t obj_len[MB_OBJS];
	char obj[MB_OBJS][MB_OBJ_MAX];      /* device identification objects, NUL-terminated */
};

static const char *const modbus_events[] = {
	"modbus_bad_mbap",           /* protocol id not 0, or length outside 2..254 */
	"modbus_bad_pdu",            /* a PDU whose fields disagree with its length or limits */
	"modbus_bad_function",       /* function code 0, or an exception code in a request */
	"modbus_unknown_function",   /* a code no public or vendor document defines */
	"modbus_reserved_function",  /* a code Annex A reserves for legacy products */
	"modbus_user_function",      /* user-defined codes 65-72, 100-110 */
	"modbus_umas",               /* Schneider UMAS engineering traffic (fc 90) */
	"modbus_unmatched_response", /* a response to no outstanding request */
	"modbus_function_scan",      /* a sweep over many function codes */
	"modbus_illegal_function_repeated",
	"modbus_illegal_address_repeated",
	"modbus_bad_exception_code", /* an exception code section 7 does not define */
	"modbus_force_listen_only",  /* diagnostics 8/4: silences a serial device */
	"modbus_restart_communications", /* diagnostics 8/1 */
	NULL,
};

struct mb_fc {
	const char *name;
	uint8_t op;
};

/* Public function codes, spec section 5.1 and 6; Write File Record (21) and
 * Read/Write Multiple Registers (23) change the device, so they count as writes. */
static const struct mb_fc mb_public[128] = {
	[1] = {"read_coils", MK_OP_READ},
	[2] = {"read_discrete_inputs", MK_OP_READ},
	[3] = {"read_holding_registers", MK_OP_READ},
	[4] = {"read_input_registers", MK_OP_READ},
	[5] = {"write_single_coil", MK_OP_WRITE},
	[6] = {"write_single_register", MK_OP_WRITE},
	[7] = {"read_exception_status", MK_OP_DIAGNOSTIC},
	[8] = {"diagnostics", MK_OP_DIAGNOSTIC},
	[11] = {"get_comm_event_counter", MK_OP_DIAGNOSTIC},
	[12] = {"get_comm_event_log", MK_OP_DIAGNOSTIC},
	[15] = {"write_multiple_coils", MK_OP_WRITE},
	[16] = {"write_multiple_registers", MK_OP_WRITE},
	[17] = {"report_server_id", MK_OP_DIAGNOSTIC},
	[20] = {"read_file_record", MK_OP_READ},
	[21] = {"write_file_record", MK_OP_WRITE},
	[22] = {"mask_write_register", MK_OP_WRITE},
	[23] = {"read_write_multiple_registers", MK_OP_WRITE},
	[24] = {"read_fifo_queue", MK_OP_READ},
	[43] = {"encapsulated_interface", MK_OP_OTHER},
};

struct mb_umas {
	uint8_t code;
	uint8_t op;
	const char *name;
};

/* UMAS sub-functions (third PDU byte) from the public descriptions cited at
 * the top.  Note UMAS calls PC-to-PLC transfer "upload": both ways are program. */
static const struct mb_umas mb_umas_codes[] = {
	{0x01, MK_OP_DIAGNOSTIC, "init_comm"},
	{0x02, MK_OP_DIAGNOSTIC, "read_id"},
	{0x03, MK_OP_DIAGNOSTIC, "read_project_info"},
	{0x04, MK_OP_DIAGNOSTIC, "read_plc_info"},
	{0x05, MK_OP_DIAGNOSTIC, "read_loader_info"},
	{0x06, MK_OP_DIAGNOSTIC, "read_card_info"},
	{0x07, MK_OP_DIAGNOSTIC, "read_block_info"},
	{0x0a, MK_OP_DIAGNOSTIC, "repeat"},
	{0x10, MK_OP_AUTH, "take_plc_reservation"},
	{0x11, MK_OP_AUTH, "release_plc_reservation"},
	{0x12, MK_OP_DIAGNOSTIC, "keep_alive"},
	{0x20, MK_OP_READ, "read_memory_block"},
	{0x21, MK_OP_WRITE, "write_memory_block"},
	{0x22, MK_OP_READ, "read_variables"},
	{0x23, MK_OP_WRITE, "write_variables"},
	{0x24, MK_OP_READ, "read_coils_registers"},
	{0x25, MK_OP_WRITE, "write_coils_registers"},
	{0x26, MK_OP_READ, "data_dictionary"},
	{0x27, MK_OP_READ, "data_dictionary_preload"},
	{0x28, MK_OP_READ, "read_physical_address"},
	{0x29, MK_OP_WRITE, "write_physical_address"},
	{0x2a, MK_OP_READ, "browse_events"},
	{0x30, MK_OP_PROGRAM, "initialize_upload"},
	{0x31, MK_OP_PROGRAM, "upload_block"},
	{0x32, MK_OP_PROGRAM, "end_strategy_upload"},
	{0x33, MK_OP_PROGRAM, "initialize_download"},
	{0x34, MK_OP_PROGRAM, "download_block"},
	{0x35, MK_OP_PROGRAM, "end_strategy_download"},
	{0x36, MK_OP_PROGRAM, "backup"},
	{0x37, MK_OP_PROGRAM, "preload_blocks"},
	{0x38, MK_OP_OTHER, "signed_request"},
	{0x39, MK_OP_READ, "read_eth_master_data"},
	{0x40, MK_OP_CONTROL, "start_plc"},
	{0x41, MK_OP_CONTROL, "stop_plc"},
	{0x42, MK_OP_CONTROL, "init_plc"},
	{0x43, MK_OP_PROGRAM, "swap_blocks"},
	{0x50, MK_OP_READ, "monitor_plc"},
	{0x51, MK_OP_READ, "get_auto_modif"},
	{0x52, MK_OP_READ, "get_forced_bits"},
	{0x53, MK_OP_READ, "get_selected_blocks"},
	{0x58, MK_OP_DIAGNOSTIC, "check_plc"},
	{0x60, MK_OP_CONTROL, "breakpoint_set"},
	{0x61, MK_OP_CONTROL, "breakpoint_delete"},
	{0x62, MK_OP_CONTROL, "step_over"},
	{0x63, MK_OP_CONTROL, "step_in"},
	{0x64, MK_OP_CONTROL, "step_out"},
	{0x65, MK_OP_DIAGNOSTIC, "get_call_stack"},
	{0x66, MK_OP_DIAGNOSTIC, "check_debug_allowed"},
	{0x6e, MK_OP_AUTH, "reservation_nonces"},
	{0x70, MK_OP_READ, "read_io_object"},
	{0x71, MK_OP_WRITE, "write_io_object"},
	{0x72, MK_OP_DIAGNOSTIC, "read_rack"},
	{0x73, MK_OP_DIAGNOSTIC, "get_status_module"},
	{0x74, MK_OP_READ, "read_device_data"},
};
#define UMAS_SIGNED 0x38     /* a signed envelope: the real code follows the signature */
#define UMAS_SIGNED_INNER 36 /* PDU offset of the inner 0x5a, key, code */

static enum mb_kind mb_kind(uint8_t fc)
{
	if (fc == 0 || fc > 127)
		return MB_UNKNOWN;
	if (mb_public[fc].name != NULL)
		return MB_PUBLIC;
	if (fc == MB_FC_UMAS)
		return MB_UMAS;
	if ((fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110))
		return MB_USER;
	/* Annex A: 9, 10, 13, 14, 41, 42, 90, 91, 125, 126, 127 */
	if (fc == 9 || fc == 10 || fc == 13 || fc == 14 || fc == 41 || fc == 42 || fc == 91 || fc >= 125)
		return MB_RESERVED;
	return MB_UNKNOWN;
}

static bool bit_test(const uint8_t *map, uint8_t n) { return (map[n >> 3] >> (n & 7)) & 1u; }
static void bit_set(uint8_t *map, uint8_t n) { map[n >> 3] |= (uint8_t)(1u << (n & 7)); }

static bool mb_exception_code_ok(uint8_t code)
{
	return (code >= 1 && code <= 6) || code == 8 || code == 10 || code == 11;
}

/* ---- PDU shapes (spec section 6) ---- */

/* Is pdu (from the function code on) a well-formed request of fc? */
static bool mb_request_ok(uint8_t fc, const struct mk_rd *pdu)
{
	struct mk_rd r = *pdu;
	size_t n = mk_rd_left(&r);
	uint16_t qty, wqty;
	uint8_t bc;

	mk_rd_skip(&r, 1);
	switch (fc) {
	case 1:
	case 2: /* 6.1, 6.2 */
		mk_rd_skip(&r, 2);
		qty = mk_rd_be16(&r);
		return n == 5 && qty >= 1 && qty <= 2000;
	case 3:
	case 4: /* 6.3, 6.4 */
		mk_rd_skip(&r, 2);
		qty = mk_rd_be16(&r);
		return n == 5 && qty >= 1 && qty <= 125;
	case 5: /* 6.5: 0xff00 on, 0x0000 off */
		mk_rd_skip(&r, 2);
		qty = mk_rd_be16(&r);
		return n == 5 && (qty == 0xff00 || qty == 0x0000);
	case 6:
		return n == 5;
	case 7:
	case 11:
	case 12:
	case 17:
		return n == 1;
	case 8:
		return n >= 3;
	case 15: /* 6.11 */
		mk_rd_skip(&r, 2);
		qty = mk_rd_be16(&r);
		bc = mk_rd_u8(&r);
		return mk_rd_ok(&r) && qty >= 1 && qty <= 0x7b0 && bc == (qty + 7) / 8 && n == 6u + bc;
	case 16: /* 6.12 */
		mk_rd_skip(&r, 2);
		qty = mk_rd_be16(&r);
		bc = mk_rd_u8(&r);
		return mk_rd_ok(&r) && qty >= 1 && qty <= 123 && bc == qty * 2 && n == 6u + bc;
	case 20:
	case 21: /* 6.14, 6.15 */
		bc = mk_rd_u8(&r);
		return mk_rd_ok(&r) && n == 2u + bc;
	case 22:
		return n == 7;
	case 23: /* 6.17 */
		mk_rd_skip(&r, 2);
		qty = mk_rd_be16(&r);
		mk_rd_skip(&r, 2);
		wqty = mk_rd_be16(&r);
		bc = mk_rd_u8(&r);
		return mk_rd_ok(&r) && qty >= 1 && qty <= 125 && wqty >= 1 && wqty <= 121 && bc == wqty * 2 &&
		       n == 10u + bc;
	case 24:
		return n == 3;
	case MB_FC_MEI:
		return n >= 2;
	case MB_FC_UMAS:
		return n >= 3; /* key, sub-function */
	default:
		return true;
	}
}

/* Is pdu a well-formed normal (not exception) response of fc? */
static bool mb_response_ok(uint8_t fc, const struct mk_rd *pdu)
{
	struct mk_rd r = *pdu;
	size_t n = mk_rd_left(&r);
	uint16_t bc16;
	uint8_t bc;

	mk_rd_skip(&r, 1);
	switch (fc) {
	case 1:
	case 2:
	case 3:
	case 4:
	case 12:
	case 17:
	case 20:
	case 21:
	case 23:
		bc = mk_rd_u8(&r);
		return mk_rd_ok(&r) && n == 2u + bc;
	case 5:
	case 6:
	case 11:
	case 15:
	case 16:
		return n == 5;
	case 7:
		return n == 2;
	case 8:
		return n >= 3;
	case 22:
		return n == 7;
	case 24: /* 6.18: a 2-byte byte count */
		bc16 = mk_rd_be16(&r);
		return mk_rd_ok(&r) && n == 3u + bc16;
	case MB_FC_MEI:
		return n >= 2;
	case MB_FC_UMAS:
		return n >= 3;
	default:
		return true;
	}
}

/* ---- events with per-flow caps ---- */

static void mb_once(struct modbus_state *st, struct mk_emit *out, unsigned flag, const char *event)
{
	if (st->said & flag)
		return;
	st->said |= (uint8_t)flag;
	mk_emit_anomaly(out, event);
}

static void mb_capped(uint8_t *count, struct mk_emit *out, const char *event)
{
	if (*count >= MB_REPEAT_EVENT_MAX)
		return;
	(*count)++;
	mk_emit_anomaly(out, event);
}

/* ---- requests ---- */

static void mb_pending_add(struct modbus_state *st, uint16_t tid, uint8_t fc)
{
	unsigned slot = MB_PENDING;

	for (unsigned i = 0; i < MB_PENDING; i++) {
		if (st->pend[i].used && st->pend[i].tid == tid) {
			slot = i; /* a retry reuses its transaction id */
			break;
		}
		if (!st->pend[i].used && slot == MB_PENDING)
			slot = i;
	}
	if (slot == MB_PENDING) {
		/* Full: the oldest slot in round-robin order is forgotten. */
		slot = st->next_slot;
		st->next_slot = (uint8_t)((st->next_slot + 1) % MB_PENDING);
	}
	st->pend[slot].tid = tid;
	st->pend[slot].fc = fc;
	st->pend[slot].used = 1;
}

/* Removes the request tid; true when it was there with the same function. */
static bool mb_pending_take(struct modbus_state *st, uint16_t tid, uint8_t fc)
{
	for (unsigned i = 0; i < MB_PENDING; i++) {
		if (st->pend[i].used && st->pend[i].tid == tid) {
			st->pend[i].used = 0;
			return st->pend[i].fc == fc;
		}
	}
	return false;
}

static void mb_umas_request(struct modbus_state *st, struct mk_rd *pdu, struct mk_emit *out)
{
	struct mk_rd r = *pdu;
	uint8_t code, op = MK_OP_OTHER;
	const char *name = "unknown";

	mk_rd_skip(&r, 2); /* fc, pairing key */
	code = mk_rd_u8(&r);
	if (code == UMAS_SIGNED) {
		/* magic(1) signature(32), then 0x5a, key, the signed request's code */
		uint8_t inner_fc = 0, inner = 0;

		if (mk_rd_peek_u8(pdu, UMAS_SIGNED_INNER, &inner_fc) && inner_fc == MB_FC_UMAS &&
		    mk_rd_peek_u8(pdu, UMAS_SIGNED_INNER + 2, &inner))
			code = inner;
	}
	for (size_t i = 0; i < sizeof(mb_umas_codes) / sizeof(mb_umas_codes[0]); i++) {
		if (mb_umas_codes[i].code == code) {
			op = mb_umas_codes[i].op;
			name = mb_umas_codes[i].name;
			break;
		}
	}
	mk_emit_operationf(out, (enum mk_op_class)op, "fc=90 umas=0x%02x %s", code, name);
	mb_once(st, out, SAID_UMAS, "modbus_umas");
}

static void mb_request(struct modbus_state *st, uint16_t tid, struct mk_rd *pdu, struct mk_emit *out)
{
	uint8_t fc = 0;
	bool first;
	enum mb_kind kind;

	mk_rd_peek_u8(pdu, 0, &fc);
	first = !bit_test(st->fc_seen, fc);
	if (first) {
		bit_set(st->fc_seen, fc);
		if (++st->n_seen >= MB_SCAN_DISTINCT_FC)
			mb_once(st, out, SAID_SCAN, "modbus_function_scan");
	}
	if (fc == 0 || fc > 127) {
		mk_emit_operationf(out, MK_OP_OTHER, "fc=%u", fc);
		if (first)
			mk_emit_anomaly(out, "modbus_bad_function");
		return;
	}
	mb_pending_add(st, tid, fc);
	kind = mb_kind(fc);
	switch (kind) {
	case MB_PUBLIC:
		if (!mb_request_ok(fc, pdu))
			mb_capped(&st->n_bad_pdu, out, "modbus_bad_pdu");
		if (fc == MB_FC_DIAGNOSTICS) {
			uint16_t sub = 0;

			mk_rd_peek_be16(pdu, 1, &sub);
			mk_emit_operationf(out, MK_OP_DIAGNOSTIC, "fc=8 sub=%u", sub);
			if (sub == 4)
				mb_capped(&st->n_listen_only, out, "modbus_force_listen_only");
			else if (sub == 1)
				mb_capped(&st->n_restart, out, "modbus_restart_communications");
		} else if (fc == MB_FC_MEI) {
			uint8_t mei = 0;

			mk_rd_peek_u8(pdu, 1, &mei);
			if (mei == MB_MEI_DEVICE_ID) {
				mk_emit_operation(out, MK_OP_DIAGNOSTIC, "fc=43 mei=14 read_device_identification");
			} else if (mei == MB_MEI_CANOPEN) {
				mk_emit_operation(out, MK_OP_OTHER, "fc=43 mei=13 canopen_general_reference");
			} else {
				mk_emit_operationf(out, MK_OP_OTHER, "fc=43 mei=%u", mei);
			}
		} else {
			mk_emit_operationf(out, (enum mk_op_class)mb_public[fc].op, "fc=%u %s", fc, mb_public[fc].name);
		}
		break;
	case MB_UMAS:
		if (!mb_request_ok(fc, pdu))
			mb_capped(&st->n_bad_pdu, out, "modbus_bad_pdu");
		mb_umas_request(st, pdu, out);
		break;
	case MB_USER:
		mk_emit_operationf(out, MK_OP_OTHER, "fc=%u user_defined", fc);
		if (first)
			mk_emit_anomaly(out, "modbus_user_function");
		break;
	case MB_RESERVED:
		mk_emit_operationf(out, MK_OP_OTHER, "fc=%u reserved", fc);
		if (first)
			mk_emit_anomaly(out, "modbus_reserved_function");
		break;
	case MB_UNKNOWN:
	default:
		mk_emit_operationf(out, MK_OP_OTHER, "fc=%u", fc);
		if (first)
			mk_emit_anomaly(out, "modbus_unknown_function");
		break;
	}
}

/* ---- responses ---- */

/* Copies an object value as text: up to a NUL, trailing blanks dropped. */
static uint8_t mb_obj_copy(char *dst, const uint8_t *p, size_t n)
{
	size_t used = 0;

	while (used < n && used + 1 < MB_OBJ_MAX && p[used] != 0) {
		dst[used] = (char)p[used];
		used++;
	}
	while (used > 0 && (dst[used - 1] == ' ' || dst[used - 1] == '\t'))
		used--;
	dst[used] = '\0';
	return (uint8_t)used;
}

static const char *mb_obj(const struct modbus_state *st, unsigned id)
{
	return st->obj_len[id] > 0 ? st->obj[id] : NULL;
}

/* 43/14 Read Device Identification response, spec 6.21: MEI type, ReadDevId
 * code, conformity level, more follows, next object id, number of objects,
 * then (id, length, value) for each.  Objects accumulate over the several
 * responses of a stream access; the identity is said from what is known. */
static void mb_device_id(struct modbus_state *st, struct mk_rd *pdu, struct mk_emit *out)
{
	struct mk_rd r = *pdu;
	uint8_t count;
	bool any = false, url = false, app = false;
	struct mk_identity id = {0};

	mk_rd_skip(&r, 2 + 1 + 1 + 1 + 1); /* fc, MEI type, code, conformity, more follows, next id */
	count = mk_rd_u8(&r);
	if (!mk_rd_ok(&r)) {
		mb_capped(&st->n_bad_pdu, out, "modbus_bad_pdu");
		return;
	}
	for (unsigned i = 0; i < count && i < 255 && mk_rd_left(&r) > 0; i++) {
		uint8_t oid = mk_rd_u8(&r);
		uint8_t len = mk_rd_u8(&r);
		const uint8_t *v = mk_rd_ptr(&r, len);

		if (v == NULL) {
			mb_capped(&st->n_bad_pdu, out, "modbus_bad_pdu");
			break;
		}
		if (oid >= MB_OBJS)
			continue; /* extended and private objects: vendor-defined, not identity */
		st->obj_len[oid] = mb_obj_copy(st->obj[oid], v, len);
		any |= st->obj_len[oid] > 0;
		url |= oid == 3 && st->obj_len[oid] > 0;
		app |= oid == 6 && st->obj_len[oid] > 0;
	}
	if (!any)
		return;
	/* VendorName; ProductName, else ProductCode; ModelName, else the
	 * ProductCode when a ProductName took the product; MajorMinorRevision. */
	id.vendor = mb_obj(st, 0);
	id.product = mb_obj(st, 4) != NULL ? mb_obj(st, 4) : mb_obj(st, 1);
	id.model = mb_obj(st, 5) != NULL ? mb_obj(st, 5) : (mb_obj(st, 4) != NULL ? mb_obj(st, 1) : NULL);
	id.firmware = mb_obj(st, 2);
	if (id.vendor != NULL || id.product != NULL || id.model != NULL || id.firmware != NULL)
		mk_emit_identity(out, mk_host_rel(MK_HOST_SERVER), &id);
	if (url)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "modbus_vendor_url", st->obj[3], st->obj_len[3]);
	if (app)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "modbus_user_application", st->obj[6],
		             st->obj_len[6]);
}

/* 17 Report Server ID, spec 6.13: byte count, a device-specific server id,
 * run indicator, more data.  Many devices put readable text first; that
 * leading text is kept as an attribute. */
static void mb_server_id(struct mk_rd *pdu, struct mk_emit *out)
{
	struct mk_rd r = *pdu;
	uint8_t bc;
	const uint8_t *p;
	char text[MB_OBJ_MAX];
	size_t n = 0;

	mk_rd_skip(&r, 1);
	bc = mk_rd_u8(&r);
	p = mk_rd_ptr(&r, bc);
	if (p == NULL)
		return;
	while (n < bc && n + 1 < sizeof(text) && p[n] >= 0x20 && p[n] < 0x7f) {
		text[n] = (char)p[n];
		n++;
	}
	while (n > 0 && text[n - 1] == ' ')
		n--;
	if (n >= 3)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "modbus_server_id", text, n);
}

static void mb_exception(struct modbus_state *st, uint8_t fc, struct mk_rd *pdu, struct mk_emit *out)
{
	uint8_t code = 0;

	mk_rd_peek_u8(pdu, 1, &code);
	if (mk_rd_left(pdu) != 2) {
		mb_capped(&st->n_bad_pdu, out, "modbus_bad_pdu");
		if (mk_rd_left(pdu) < 2)
			return;
	}
	if (!mb_exception_code_ok(code)) {
		mb_capped(&st->n_bad_exception, out, "modbus_bad_exception_code");
		return;
	}
	if (code == MB_EXC_ILLEGAL_FUNCTION) {
		if (st->exc_function < UINT16_MAX)
			st->exc_function++;
		if (!bit_test(st->fc_illegal, fc)) {
			bit_set(st->fc_illegal, fc);
			if (++st->n_illegal >= MB_SCAN_ILLEGAL_FC)
				mb_once(st, out, SAID_SCAN, "modbus_function_scan");
		}
		if (st->exc_function >= MB_ILLEGAL_FUNCTION_REPEAT)
			mb_once(st, out, SAID_ILLEGAL_FUNCTION, "modbus_illegal_function_repeated");
	} else if (code == MB_EXC_ILLEGAL_ADDRESS) {
		if (st->exc_address < UINT16_MAX)
			st->exc_address++;
		if (st->exc_address >= MB_ILLEGAL_ADDRESS_REPEAT)
			mb_once(st, out, SAID_ILLEGAL_ADDRESS, "modbus_illegal_address_repeated");
	}
}

static void mb_response(struct modbus_state *st, uint16_t tid, struct mk_rd *pdu, struct mk_emit *out)
{
	uint8_t fc = 0, base;

	mk_rd_peek_u8(pdu, 0, &fc);
	base = fc & 0x7f;
	if (base == 0) {
		mb_capped(&st->n_bad_pdu, out, "modbus_bad_pdu");
		return;
	}
	if (!mb_pending_take(st, tid, base))
		mb_capped(&st->n_unmatched, out, "modbus_unmatched_response");
	if (!(st->said & SAID_ROLE)) {
		st->said |= SAID_ROLE;
		mk_emit_role(out, mk_host_rel(MK_HOST_SERVER), MK_ROLE_PLC, MB_ROLE_CONFIDENCE,
		             "answers Modbus/TCP requests");
	}
	if (fc & 0x80) {
		mb_exception(st, base, pdu, out);
		return;
	}
	if (mb_kind(fc) == MB_PUBLIC && !mb_response_ok(fc, pdu)) {
		mb_capped(&st->n_bad_pdu, out, "modbus_bad_pdu");
		return;
	}
	if (fc == MB_FC_REPORT_SERVER_ID) {
		mb_server_id(pdu, out);
	} else if (fc == MB_FC_MEI) {
		uint8_t mei = 0;

		if (mk_rd_peek_u8(pdu, 1, &mei) && mei == MB_MEI_DEVICE_ID)
			mb_device_id(st, pdu, out);
	}
}

/* ---- framing ---- */

/* MBAP header fields at the reader's position; false when not Modbus. */
static bool mbap_ok(uint16_t pid, uint16_t len)
{
	return pid == 0 && len >= MBAP_LEN_MIN && len <= MBAP_LEN_MAX;
}

static int modbus_probe(struct mk_rd *rd, enum mk_dir dir)
{
	size_t left = mk_rd_left(rd);
	uint16_t pid = 0, len = 0, next_pid = 1;
	uint8_t fc = 0, base;
	struct mk_rd adu, pdu;
	bool shape;
	enum mb_kind kind;

	(void)dir;
	if (left < 4)
		return left > 0 ? MK_PROBE_MAYBE : MK_PROBE_NO;
	mk_rd_peek_be16(rd, 2, &pid);
	if (pid != 0)
		return MK_PROBE_NO;
	if (!mk_rd_peek_be16(rd, 4, &len) || !mk_rd_peek_u8(rd, 7, &fc))
		return MK_PROBE_MAYBE;
	if (!mbap_ok(pid, len))
		return MK_PROBE_NO;
	if (fc == 0 || fc == 0x80)
		return MK_PROBE_MAYBE; /* framed right; a sweep may well start at 0 (P2 frame 6) */
	base = fc & 0x7f;
	kind = mb_kind(base);
	if (left < MBAP_HEADER + (size_t)len)
		return MK_PROBE_MAYBE; /* the rest of the ADU comes later */
	adu = *rd;
	mk_rd_skip(&adu, MBAP_HEADER + 1);
	mk_rd_sub(&adu, (size_t)len - 1, &pdu);
	if (fc & 0x80) {
		uint8_t code = 0;

		mk_rd_peek_u8(&pdu, 1, &code);
		shape = len == 3 && mb_exception_code_ok(code) && kind != MB_UNKNOWN;
	} else if (kind == MB_PUBLIC || kind == MB_UMAS) {
		shape = mb_request_ok(fc, &pdu) || mb_response_ok(fc, &pdu);
	} else {
		/* User-defined, reserved or unknown codes: well framed, but not
		 * proof enough to take a flow from a port that does not hint at us. */
		return MK_PROBE_MAYBE;
	}
	if (!shape)
		return MK_PROBE_MAYBE;
	/* The segment must end with this ADU, or go on with another MBAP header. */
	if (left == MBAP_HEADER + (size_t)len)
		return MK_PROBE_SURE;
	if (mk_rd_peek_be16(rd, MBAP_HEADER + len + 2, &next_pid) && next_pid == 0)
		return MK_PROBE_SURE;
	return MK_PROBE_MAYBE;
}

static enum mk_verdict modbus_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                    struct mk_emit *out)
{
	struct modbus_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	*consumed = 0;
	for (unsigned i = 0; i < MB_PDUS_PER_CALL; i++) {
		size_t left = mk_rd_left(rd);
		uint16_t tid = 0, pid = 0, len = 0;
		struct mk_rd adu, pdu;

		if (left == 0)
			return MK_V_OK;
		if (st->done[d]) {
			mk_rd_skip(rd, left);
			*consumed += left;
			return MK_V_OK;
		}
		if (left < MBAP_HEADER) {
			/* A protocol id already wrong need not wait for more bytes. */
			if (left >= 4 && mk_rd_peek_be16(rd, 2, &pid) && pid != 0)
				goto bad;
			return MK_V_NEED;
		}
		mk_rd_peek_be16(rd, 0, &tid);
		mk_rd_peek_be16(rd, 2, &pid);
		mk_rd_peek_be16(rd, 4, &len);
		if (!mbap_ok(pid, len))
			goto bad;
		if (left < MBAP_HEADER + (size_t)len)
			return MK_V_NEED;
		st->resync[d] = 0;
		mk_rd_sub(rd, MBAP_HEADER + (size_t)len, &adu);
		*consumed += MBAP_HEADER + (size_t)len;
		mk_rd_skip(&adu, MBAP_HEADER + 1); /* header, unit id */
		mk_rd_sub(&adu, (size_t)len - 1, &pdu);
		if (d == 0)
			mb_request(st, tid, &pdu, out);
		else
			mb_response(st, tid, &pdu, out);
		continue;
	bad:
		if (st->resync[d] > 0) {
			/* After lost bytes: drop this segment, try the next. */
			st->resync[d]--;
			if (st->resync[d] == 0)
				st->done[d] = 1;
		} else {
			if (!(st->said & SAID_BAD_MBAP)) {
				st->said |= SAID_BAD_MBAP;
				mk_emit_anomaly(out, "modbus_bad_mbap");
			}
			st->done[d] = 1;
		}
		left = mk_rd_left(rd);
		mk_rd_skip(rd, left);
		*consumed += left;
		return MK_V_OK;
	}
	return MK_V_OK;
}

/* Bytes were lost: what follows usually starts a segment, hence an ADU. */
static enum mk_verdict modbus_gap(void *state, enum mk_dir dir)
{
	struct modbus_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	if (!st->done[d])
		st->resync[d] = MB_RESYNC;
	return MK_V_OK;
}

const struct mk_proto mk_proto_modbus = {
	.abi = MK_PROTO_ABI,
	.name = "modbus",
	.id = MK_PROTO_MODBUS,
	.transports = MK_TRANSPORT_TCP | MK_TRANSPORT_UDP,
	.state_size = sizeof(struct modbus_state),
	.max_buffer = MB_ADU_MAX,
	.probe = modbus_probe,
	.parse = modbus_parse,
	.gap = modbus_gap,
	.events = modbus_events,
};

/* s7comm.c - Siemens S7 communication (protocol id 0x32) over ISO-on-TCP: the
 * TSAPs (connection type, rack and slot) of the COTP connection, every job and
 * userdata request classified into an operation (read/write variables, block
 * download and upload, PI services, CPU stop, SZL reads, password), and the
 * CPU's identity from SZL answers (order number and firmware from 0x0011,
 * station/module name, serial number and type from 0x001c, mode from 0x0424).
 * S7comm is not publicly specified by Siemens; the layout follows the public
 * descriptions cited at each table: the Wireshark S7comm dissector's
 * documentation (packet-s7comm.c, packet-s7comm_szl_ids.c, read only) and the
 * Siemens manual "System Software for S7-300/400 System and Standard
 * Functions", chapter 34 (System Status Lists).
 * framing: RFC 1006 section 6 (TPKT), ISO 8073 / X.224 section 13 (COTP) -
 * see s7_cotp.h.
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#include "s7_cotp.h"

#define S7_PROTO_ID 0x32
#define S7_TPKT_MAX 4096    /* S7 PDUs are at most 960 bytes; larger TPKTs are skipped */
#define S7_PDUS_PER_CALL 64 /* TPKTs handled per parse() call */
#define S7_SZL_MAX 1024     /* SZL answer bytes kept across userdata fragments */
#define S7_SZL_ENTRIES_MAX 64
#define S7_TEXT_MAX 64
#define S7_PENDING_MAX 8 /* jobs remembered by PDU reference */
#define S7_DETAIL_MAX 48 /* a remembered job's operation detail (the ledger keeps 47 bytes) */

/* ROSCTR (header byte 1). */
#define ROSCTR_JOB 1
#define ROSCTR_ACK 2
#define ROSCTR_ACK_DATA 3
#define ROSCTR_USERDATA 7

/* Job functions (first parameter byte). */
#define FN_CPU_SERVICES 0x00
#define FN_SETUP 0xf0
#define FN_READ_VAR 0x04
#define FN_WRITE_VAR 0x05
#define FN_REQ_DOWNLOAD 0x1a
#define FN_DOWNLOAD_BLOCK 0x1b
#define FN_DOWNLOAD_ENDED 0x1c
#define FN_START_UPLOAD 0x1d
#define FN_UPLOAD 0x1e
#define FN_END_UPLOAD 0x1f
#define FN_PI_SERVICE 0x28
#define FN_PLC_STOP 0x29

/* Userdata function groups (lower nibble of the type/group byte). */
#define UD_MODE 0x0
#define UD_PROG 0x1
#define UD_CYCLIC 0x2
#define UD_BLOCK 0x3
#define UD_CPU 0x4
#define UD_SECURITY 0x5
#define UD_BSEND 0x6
#define UD_TIME 0x7
#define UD_NC 0xf
#define UD_TYPE_PUSH 0x0
#define UD_TYPE_REQ 0x4
#define UD_TYPE_RES 0x8
#define UD_CPU_SZL 0x01

/* Anomaly bits: each event is said once per flow. */
enum s7_bad {
	BAD_TPKT = 1u << 0,
	BAD_COTP = 1u << 1,
	BAD_HEADER = 1u << 2,
	BAD_FUNCTION = 1u << 3,
	BAD_USERDATA = 1u << 4,
	BAD_SZL = 1u << 5,
	BAD_ERROR = 1u << 6,
};

static const char *const s7comm_events[] = {
    "s7comm_bad_tpkt",     "s7comm_bad_cotp", "s7comm_bad_header",     "s7comm_unknown_function",
    "s7comm_bad_userdata", "s7comm_bad_szl",  "s7comm_error_response", NULL,
};

struct s7_pending {
	uint16_t ref;
	uint8_t fn;
	uint8_t used;
	uint8_t op; /* class whose answer is reported (result fact); MK_OP_COUNT: none */
	char detail[S7_DETAIL_MAX]; /* that operation's detail */
};

struct s7comm_state {
	struct iso_stream iso; /* TPKT framing per direction (s7_cotp.h) */
	uint8_t said;      /* enum s7_bad bits */
	uint8_t tsap_said, plc_said, ews_said;
	uint8_t szl_on, szl_over;
	uint16_t szl_len;
	uint8_t next_pending;
	struct s7_pending pending[S7_PENDING_MAX];
	uint8_t szl[S7_SZL_MAX];
};

static void s7_bad(struct s7comm_state *st, struct mk_emit *out, unsigned bit)
{
	unsigned i = 0;

	if (st->said & bit)
		return;
	st->said |= (uint8_t)bit;
	while (i < 7 && (1u << i) != bit)
		i++;
	mk_emit_anomaly(out, s7comm_events[i]);
}

/* Printable ASCII up to a NUL, without leading/trailing blanks. */
static size_t s7_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	size_t used = 0, start = 0;

	while (start < n && p[start] == ' ')
		start++;
	for (size_t i = start; i < n && p[i] != 0 && used + 1 < cap; i++)
		buf[used++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	while (used > 0 && buf[used - 1] == ' ')
		used--;
	buf[used] = '\0';
	return used;
}

/* ---- COTP connection: TSAPs ---- */

static void s7_tsaps(struct s7comm_state *st, const struct s7_cotp *c, struct mk_emit *out)
{
	static const char *const types[] = {"unknown", "pg", "op", "s7_basic"};
	char v[32];
	int n;

	if (st->tsap_said || c->called_len != 2)
		return;
	st->tsap_said = 1;
	/* Called TSAP: connection type, then rack (3 bits) and slot (5 bits). */
	n = snprintf(v, sizeof(v), "%u/%u", (unsigned)(c->called[1] >> 5),
	             (unsigned)(c->called[1] & 0x1f));
	mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "s7comm_rack_slot", v, (size_t)n);
	n = snprintf(v, sizeof(v), "%s", c->called[0] < 4 ? types[c->called[0]] : "other");
	mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "s7comm_connection_type", v, (size_t)n);
}

/* ---- jobs ---- */

/* Block file name "_TTNNNNNF" (type as two hex digits, five-digit number,
 * file system): "OB1".  Block types per the Wireshark S7comm documentation
 * (blocktype_names). */
static size_t s7_block_name(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	static const struct {
		char t[3];
		const char *name;
	} types[] = {
	    {"08", "OB"},  {"0A", "DB"}, {"0B", "SDB"}, {"0C", "FC"},
	    {"0D", "SFC"}, {"0E", "FB"}, {"0F", "SFB"},
	};
	const char *name = NULL;
	unsigned num = 0;
	int w;

	if (n < 8 || p[0] != '_')
		return 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (p[1] == types[i].t[0] && p[2] == types[i].t[1])
			name = types[i].name;
	for (size_t i = 3; i < 8; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		num = num * 10 + (unsigned)(p[i] - '0');
	}
	if (name == NULL)
		return 0;
	w = snprintf(buf, cap, "%s%u", name, num);
	return w > 0 && (size_t)w < cap ? (size_t)w : 0;
}

/* Download/upload parameters: function, status, 2 reserved, 4-byte id, then
 * the length-prefixed file name (Wireshark S7comm: s7comm_decode_plc_controls_updownload). */
/* Emits the operation; its detail also goes to detail_out (S7_DETAIL_MAX). */
static void s7_file_op(struct mk_rd par, const char *what, enum mk_op_class op, struct mk_emit *out,
                       char *detail_out)
{
	char block[24], detail[48];
	size_t bl = 0;
	uint8_t fl;
	const uint8_t *fn;

	mk_rd_skip(&par, 8);
	fl = mk_rd_u8(&par);
	fn = mk_rd_ptr(&par, fl);
	if (fn != NULL)
		bl = s7_block_name(fn, fl, block, sizeof(block));
	if (bl > 0)
		snprintf(detail, sizeof(detail), "%s %s", what, block);
	else
		snprintf(detail, sizeof(detail), "%s", what);
	mk_emit_operation(out, op, detail);
	snprintf(detail_out, S7_DETAIL_MAX, "%s", detail);
}

/* PI service: function, 7 reserved bytes, parameter block (2-byte length),
 * then the length-prefixed service name (Wireshark S7comm: s7comm_decode_pi_service).
 * Names per the same source: _INSE activate/insert blocks, _DELE delete
 * blocks, P_PROGRAM start (param "C" = cold start), _MODU copy RAM to ROM,
 * _GARB compress memory. */
static bool s7_pi_service(struct mk_rd par, struct mk_emit *out, uint8_t *cls, char *detail_out)
{
	static const struct {
		const char *name;
		enum mk_op_class op;
	} pis[] = {
	    {"_INSE", MK_OP_PROGRAM}, {"_DELE", MK_OP_PROGRAM},     {"_MODU", MK_OP_PROGRAM},
	    {"_GARB", MK_OP_PROGRAM}, {"P_PROGRAM", MK_OP_CONTROL},
	};
	uint16_t plen;
	const uint8_t *pb, *name;
	uint8_t nl;
	char text[S7_TEXT_MAX], detail[S7_TEXT_MAX + 24];
	enum mk_op_class op = MK_OP_OTHER;

	mk_rd_skip(&par, 8);
	plen = mk_rd_be16(&par);
	pb = mk_rd_ptr(&par, plen);
	nl = mk_rd_u8(&par);
	name = mk_rd_ptr(&par, nl);
	if (!mk_rd_ok(&par) || pb == NULL || name == NULL || nl == 0)
		return false;
	s7_text(name, nl, text, sizeof(text));
	for (size_t i = 0; i < sizeof(pis) / sizeof(pis[0]); i++)
		if (strlen(pis[i].name) == nl && memcmp(pis[i].name, name, nl) == 0)
			op = pis[i].op;
	if (op == MK_OP_CONTROL)
		snprintf(detail, sizeof(detail), "pi=%s %s", text,
		         plen > 0 && pb[0] == 'C' ? "COLDSTART" : "START");
	else
		snprintf(detail, sizeof(detail), "pi=%s", text);
	mk_emit_operation(out, op, detail);
	*cls = (uint8_t)op;
	snprintf(detail_out, S7_DETAIL_MAX, "%.*s", S7_DETAIL_MAX - 1, detail);
	return true;
}

static void s7_ews(struct s7comm_state *st, struct mk_emit *out, const char *reason)
{
	if (st->ews_said)
		return;
	st->ews_said = 1;
	mk_emit_role(out, mk_host_rel(MK_HOST_CLIENT), MK_ROLE_ENGINEERING_WORKSTATION, 70, reason);
}

static void s7_remember(struct s7comm_state *st, uint16_t ref, uint8_t fn)
{
	struct s7_pending *p = &st->pending[st->next_pending++ % S7_PENDING_MAX];

	p->ref = ref;
	p->fn = fn;
	p->used = 1;
	p->op = MK_OP_COUNT;
}

static void s7_job(struct s7comm_state *st, struct mk_rd par, uint16_t ref, struct mk_emit *out)
{
	uint8_t fn, cls = MK_OP_COUNT; /* the class whose answer goes to the change ledger */
	char detail[S7_DETAIL_MAX] = "";

	if (!mk_rd_peek_u8(&par, 0, &fn))
		return; /* a job without parameters names no function */
	s7_remember(st, ref, fn);
	switch (fn) {
	case FN_SETUP: mk_emit_operation(out, MK_OP_OTHER, "setup_communication"); break;
	case FN_READ_VAR: mk_emit_operation(out, MK_OP_READ, "read_var"); break;
	case FN_WRITE_VAR: mk_emit_operation(out, MK_OP_WRITE, "write_var"); break;
	case FN_REQ_DOWNLOAD:
		s7_file_op(par, "request_download", MK_OP_PROGRAM, out, detail);
		s7_ews(st, out, "downloads blocks over S7comm");
		cls = MK_OP_PROGRAM;
		break;
	case FN_DOWNLOAD_BLOCK:
		s7_file_op(par, "download_block", MK_OP_PROGRAM, out, detail);
		s7_ews(st, out, "downloads blocks over S7comm");
		cls = MK_OP_PROGRAM;
		break;
	case FN_DOWNLOAD_ENDED:
		s7_file_op(par, "download_ended", MK_OP_PROGRAM, out, detail);
		s7_ews(st, out, "downloads blocks over S7comm");
		cls = MK_OP_PROGRAM;
		break;
	case FN_START_UPLOAD: s7_file_op(par, "upload", MK_OP_READ, out, detail); break;
	case FN_UPLOAD: mk_emit_operation(out, MK_OP_READ, "upload"); break;
	case FN_END_UPLOAD: mk_emit_operation(out, MK_OP_READ, "upload end"); break;
	case FN_PI_SERVICE:
		if (!s7_pi_service(par, out, &cls, detail)) {
			mk_emit_operation(out, MK_OP_OTHER, "pi");
			s7_bad(st, out, BAD_HEADER);
		} else {
			s7_ews(st, out, "runs PI services on the CPU over S7comm");
		}
		break;
	case FN_PLC_STOP:
		mk_emit_operation(out, MK_OP_CONTROL, "plc_stop");
		s7_ews(st, out, "stops the CPU over S7comm");
		cls = MK_OP_CONTROL;
		snprintf(detail, sizeof(detail), "plc_stop");
		break;
	case FN_CPU_SERVICES: mk_emit_operation(out, MK_OP_OTHER, "cpu_services"); break;
	default:
		mk_emit_operationf(out, MK_OP_OTHER, "fc=0x%02x", fn);
		s7_bad(st, out, BAD_FUNCTION);
		break;
	}
	if (cls == MK_OP_PROGRAM || cls == MK_OP_CONTROL) {
		struct s7_pending *p = &st->pending[(uint8_t)(st->next_pending - 1) % S7_PENDING_MAX];

		p->op = cls;
		memcpy(p->detail, detail, sizeof(p->detail));
	}
}

/* An ack or ack_data answers a job we may know by its PDU ref: an error class
 * or code is an error response; a program, download or stop job's answer is
 * its result (change ledger). */
static void s7_ack(struct s7comm_state *st, uint16_t ref, bool ok, struct mk_emit *out)
{
	for (unsigned i = 0; i < S7_PENDING_MAX; i++) {
		struct s7_pending *p = &st->pending[i];

		if (p->used && p->ref == ref) {
			p->used = 0;
			if (!ok)
				s7_bad(st, out, BAD_ERROR);
			if (p->op < MK_OP_COUNT)
				mk_emit_result(out, (enum mk_op_class)p->op, p->detail, ok);
			return;
		}
	}
}

/* ---- SZL answers ---- */

static void s7_szl_0011(struct mk_rd *e, uint16_t elen, uint16_t count, struct mk_emit *out)
{
	char model[S7_TEXT_MAX] = "", fw[24] = "";

	if (elen < 28)
		return;
	for (unsigned i = 0; i < count && i < S7_SZL_ENTRIES_MAX && mk_rd_left(e) >= elen; i++) {
		struct mk_rd r;
		uint16_t idx, ausbg, ausbe;
		const uint8_t *mlfb;

		mk_rd_sub(e, elen, &r);
		idx = mk_rd_be16(&r);
		mlfb = mk_rd_ptr(&r, 20);
		mk_rd_skip(&r, 2); /* BGTyp */
		ausbg = mk_rd_be16(&r);
		ausbe = mk_rd_be16(&r);
		if (!mk_rd_ok(&r))
			return;
		if (idx == 0x0001 && model[0] == '\0')
			s7_text(mlfb, 20, model, sizeof(model));
		/* Index 7, basic firmware: 'V' and three version bytes. */
		if (idx == 0x0007 && (ausbg >> 8) == 'V')
			snprintf(fw, sizeof(fw), "V%u.%u.%u", (unsigned)(ausbg & 0xff),
			         (unsigned)(ausbe >> 8), (unsigned)(ausbe & 0xff));
	}
	if (model[0] != '\0' || fw[0] != '\0') {
		struct mk_identity id = {.vendor = "Siemens",
		                         .model = model[0] ? model : NULL,
		                         .firmware = fw[0] ? fw : NULL};

		mk_emit_identity(out, mk_host_rel(MK_HOST_SERVER), &id);
	}
}

static void s7_szl_001c(struct mk_rd *e, uint16_t elen, uint16_t count, struct mk_emit *out)
{
	static const struct {
		uint16_t idx;
		const char *key;
	} attrs[] = {
	    {0x0001, "s7comm_station_name"}, /* name of the automation system */
	    {0x0002, "s7comm_module_name"},
	    {0x0003, "s7comm_plant_tag"},
	    {0x0004, "s7comm_copyright"},
	};
	char product[S7_TEXT_MAX] = "", serial[S7_TEXT_MAX] = "", text[S7_TEXT_MAX];

	if (elen < 4)
		return;
	for (unsigned i = 0; i < count && i < S7_SZL_ENTRIES_MAX && mk_rd_left(e) >= elen; i++) {
		struct mk_rd r;
		uint16_t idx;
		const uint8_t *p;
		size_t n;

		mk_rd_sub(e, elen, &r);
		idx = mk_rd_be16(&r);
		p = mk_rd_ptr(&r, (size_t)elen - 2);
		if (p == NULL)
			return;
		n = s7_text(p, (size_t)elen - 2, text, sizeof(text));
		if (n == 0)
			continue;
		for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++)
			if (attrs[a].idx == idx)
				mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), attrs[a].key, text,
				             n);
		if (idx == 0x0005)
			memcpy(serial, text, n + 1);
		else if (idx == 0x0007)
			memcpy(product, text, n + 1);
	}
	if (product[0] != '\0' || serial[0] != '\0') {
		struct mk_identity id = {.vendor = "Siemens",
		                         .product = product[0] ? product : NULL,
		                         .serial = serial[0] ? serial : NULL};

		mk_emit_identity(out, mk_host_rel(MK_HOST_SERVER), &id);
	}
}

/* 0x0424 bzu-id, requested mode (low nibble); Wireshark szl_0424_0000_bzu_id_names. */
static void s7_szl_0424(struct mk_rd *e, uint16_t elen, uint16_t count, struct mk_emit *out)
{
	static const char *const modes[16] = {
	    [0x1] = "stop",    [0x2] = "stop",    [0x3] = "stop", [0x4] = "stop", [0x5] = "startup",
	    [0x6] = "startup", [0x7] = "startup", [0x8] = "run",  [0xa] = "hold", [0xd] = "defect",
	};
	struct mk_rd r;
	uint8_t bzu;
	const char *m;

	if (count == 0 || elen < 4 || !mk_rd_sub(e, elen, &r))
		return;
	mk_rd_skip(&r, 3); /* ereig, ae */
	bzu = mk_rd_u8(&r);
	if (!mk_rd_ok(&r))
		return;
	m = modes[bzu & 0x0f];
	if (m != NULL)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "s7comm_cpu_mode", m, strlen(m));
}

/* A whole SZL answer: id, index, entry length, entry count, entries. */
static void s7_szl_answer(struct s7comm_state *st, struct mk_emit *out)
{
	struct mk_rd r;
	uint16_t id, elen, count;

	mk_rd_init(&r, st->szl, st->szl_len);
	id = mk_rd_be16(&r);
	mk_rd_skip(&r, 2); /* index */
	elen = mk_rd_be16(&r);
	count = mk_rd_be16(&r);
	if (!mk_rd_ok(&r)) {
		s7_bad(st, out, BAD_SZL);
		return;
	}
	if (elen == 0 || (size_t)elen * count > mk_rd_left(&r)) {
		/* Too long for our buffer is normal (0x0000 lists); a short
		 * answer that still fitted is malformed. */
		if (!st->szl_over &&
		    ((id & 0xff) == 0x11 || (id & 0xff) == 0x1c || (id & 0xff) == 0x24))
			s7_bad(st, out, BAD_SZL);
		if (elen == 0)
			return;
	}
	switch (id & 0x00ff) {
	case 0x11: s7_szl_0011(&r, elen, count, out); break;
	case 0x1c: s7_szl_001c(&r, elen, count, out); break;
	case 0x24:
		if (id == 0x0424)
			s7_szl_0424(&r, elen, count, out);
		break;
	default: break;
	}
}

/* One userdata fragment of an SZL answer; the answer is parsed when whole. */
static void s7_szl_fragment(struct s7comm_state *st, struct mk_rd data, bool last,
                            struct mk_emit *out)
{
	uint8_t ret = mk_rd_u8(&data);
	uint16_t dl;
	size_t n;

	mk_rd_skip(&data, 1); /* transport size */
	dl = mk_rd_be16(&data);
	if (!mk_rd_ok(&data) || ret != 0xff) {
		st->szl_on = 0;
		return;
	}
	if (!st->szl_on) {
		st->szl_len = 0;
		st->szl_over = 0;
	}
	n = dl < mk_rd_left(&data) ? dl : mk_rd_left(&data);
	if (n > (size_t)S7_SZL_MAX - st->szl_len) {
		n = (size_t)S7_SZL_MAX - st->szl_len;
		st->szl_over = 1;
	}
	mk_rd_copy(&data, st->szl + st->szl_len, n);
	st->szl_len = (uint16_t)(st->szl_len + n);
	st->szl_on = !last;
	if (last) {
		s7_szl_answer(st, out);
		st->szl_len = 0;
	}
}

/* ---- userdata ---- */

static void s7_userdata_request(uint8_t group, uint8_t sub, struct mk_rd data, struct mk_emit *out)
{
	static const char *const prog[0x14] = {
	    [0x01] = "request_diag", [0x02] = "vartab", [0x0c] = "read_diag",
	    [0x0e] = "remove_diag",  [0x0f] = "erase",  [0x10] = "forces",
	    [0x13] = "request_diag",
	};
	static const char *const block[4] = {
	    [1] = "list_blocks", [2] = "list_blocks_of_type", [3] = "block_info"};
	static const char *const time_fn[5] = {
	    [1] = "read_clock", [2] = "set_clock", [3] = "read_clock", [4] = "set_clock"};
	char detail[32];
	const char *name = NULL;
	enum mk_op_class op = MK_OP_OTHER;

	switch (group) {
	case UD_PROG:
		op = MK_OP_DIAGNOSTIC;
		name = sub < 0x14 ? prog[sub] : NULL;
		break;
	case UD_CYCLIC:
		op = MK_OP_READ;
		name = "cyclic_data";
		break;
	case UD_BLOCK:
		op = MK_OP_READ;
		name = sub < 4 ? block[sub] : NULL;
		break;
	case UD_CPU:
		op = MK_OP_DIAGNOSTIC;
		if (sub == UD_CPU_SZL) {
			uint16_t id;

			/* return code, transport size, length, then SZL id and index;
			 * a follow-up request for the next fragment carries no id. */
			mk_rd_skip(&data, 4);
			id = mk_rd_be16(&data);
			if (mk_rd_ok(&data))
				snprintf(detail, sizeof(detail), "szl=0x%04x", id);
			else
				snprintf(detail, sizeof(detail), "szl");
			mk_emit_operation(out, op, detail);
			return;
		}
		name = sub == 0x02 ? "message_service" : NULL;
		break;
	case UD_SECURITY:
		op = MK_OP_AUTH;
		name = sub == 1 ? "password" : sub == 2 ? "clear_password" : NULL;
		break;
	case UD_BSEND: name = "bsend"; break;
	case UD_TIME: name = sub < 5 ? time_fn[sub] : NULL; break;
	case UD_NC: name = "nc_programming"; break;
	default: break;
	}
	if (name != NULL)
		snprintf(detail, sizeof(detail), "%s", name);
	else
		snprintf(detail, sizeof(detail), "userdata %u/%u", (unsigned)group, (unsigned)sub);
	mk_emit_operation(out, op, detail);
}

static void s7_userdata(struct s7comm_state *st, struct mk_rd par, struct mk_rd data,
                        struct mk_emit *out)
{
	uint8_t plen, tg, sub, ldu = 0, type, group;

	/* parameter head (3), length, method, type|group, subfunction, sequence;
	 * with length 8 also data unit ref, last data unit, error code. */
	mk_rd_skip(&par, 3);
	plen = mk_rd_u8(&par);
	mk_rd_skip(&par, 1);
	tg = mk_rd_u8(&par);
	sub = mk_rd_u8(&par);
	mk_rd_skip(&par, 1);
	if (plen >= 8) {
		mk_rd_skip(&par, 1);
		ldu = mk_rd_u8(&par);
		mk_rd_skip(&par, 2);
	}
	if (!mk_rd_ok(&par) || (plen != 4 && plen != 8)) {
		s7_bad(st, out, BAD_USERDATA);
		return;
	}
	type = tg >> 4;
	group = tg & 0x0f;
	if (type == UD_TYPE_REQ)
		s7_userdata_request(group, sub, data, out);
	else if (type == UD_TYPE_RES && group == UD_CPU && sub == UD_CPU_SZL)
		s7_szl_fragment(st, data, plen == 4 || ldu == 0x00, out);
}

/* ---- one S7 PDU ---- */

static void s7_pdu(struct s7comm_state *st, struct mk_rd *u, bool whole, enum mk_dir dir,
                   struct mk_emit *out)
{
	uint8_t pid = mk_rd_u8(u), rosctr = mk_rd_u8(u), ecls = 0, ecode = 0;
	uint16_t ref, plen, dlen;
	struct mk_rd par, data;

	mk_rd_skip(u, 2); /* redundancy identification */
	ref = mk_rd_be16(u);
	plen = mk_rd_be16(u);
	dlen = mk_rd_be16(u);
	if (rosctr == ROSCTR_ACK || rosctr == ROSCTR_ACK_DATA) {
		ecls = mk_rd_u8(u);
		ecode = mk_rd_u8(u);
	}
	if (!mk_rd_ok(u) || pid != S7_PROTO_ID ||
	    (rosctr != ROSCTR_JOB && rosctr != ROSCTR_ACK && rosctr != ROSCTR_ACK_DATA &&
	     rosctr != ROSCTR_USERDATA)) {
		s7_bad(st, out, BAD_HEADER);
		return;
	}
	if ((size_t)plen + dlen > mk_rd_left(u)) {
		/* A first COTP fragment holds only the start of the PDU. */
		if (whole) {
			s7_bad(st, out, BAD_HEADER);
			return;
		}
		if (plen > mk_rd_left(u))
			return;
		mk_rd_sub(u, plen, &par);
		data = *u;
	} else {
		mk_rd_sub(u, plen, &par);
		mk_rd_sub(u, dlen, &data);
	}
	if (dir == MK_DIR_TO_CLIENT && rosctr != ROSCTR_JOB && !st->plc_said) {
		st->plc_said = 1;
		mk_emit_role(out, mk_host_rel(MK_HOST_SERVER), MK_ROLE_PLC, 90, "answers S7comm");
	}
	switch (rosctr) {
	case ROSCTR_JOB: s7_job(st, par, ref, out); break;
	case ROSCTR_ACK:
	case ROSCTR_ACK_DATA:
		s7_ack(st, ref, ecls == 0 && ecode == 0, out);
		break;
	default: s7_userdata(st, par, data, out); break;
	}
}

/* ---- framing ---- */

static int s7comm_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t code = 0, b = 0, rosctr = 0;
	size_t off = 0;
	struct mk_rd t = *rd, tp;
	uint16_t len = 0;
	struct s7_cotp c;

	(void)dir;
	if (!s7_probe_dt(rd, &code, &off))
		return MK_PROBE_NO;
	if (code == S7_COTP_DT) {
		/* S7comm: 0x32 and a known ROSCTR right after the DT header. */
		if (mk_rd_peek_u8(rd, off, &b) && b == S7_PROTO_ID &&
		    mk_rd_peek_u8(rd, off + 1, &rosctr) &&
		    (rosctr == ROSCTR_JOB || rosctr == ROSCTR_ACK || rosctr == ROSCTR_ACK_DATA ||
		     rosctr == ROSCTR_USERDATA))
			return MK_PROBE_SURE;
		return MK_PROBE_NO;
	}
	if (code != S7_COTP_CR && code != S7_COTP_CC)
		return MK_PROBE_NO;
	/* A connection request/confirm is ours when its called TSAP is an S7
	 * one: two bytes, connection type PG (1), OP (2) or S7 basic (3) then
	 * rack/slot.  MMS uses other TSAPs, S7comm-plus "SIMATIC-...". */
	s7_tpkt_peek(rd, &len);
	if (!mk_rd_sub(&t, len, &tp))
		return MK_PROBE_NO;
	mk_rd_skip(&tp, S7_TPKT_HEADER);
	if (!s7_cotp_parse(&tp, &c))
		return MK_PROBE_NO;
	if (c.called_len == 2 && c.called[0] >= 1 && c.called[0] <= 3)
		return MK_PROBE_SURE;
	return MK_PROBE_NO;
}

/* The parser's side of the shared TPKT walk (s7_cotp.h). */
static void s7comm_iso_event(void *ctx, enum iso_event ev, struct s7_cotp *c, enum mk_dir dir,
                             struct mk_emit *out)
{
	struct s7comm_state *st = ctx;

	switch (ev) {
	case ISO_BAD_TPKT:
		s7_bad(st, out, BAD_TPKT);
		break;
	case ISO_BAD_COTP:
		s7_bad(st, out, BAD_COTP);
		break;
	case ISO_CONNECT:
		s7_tsaps(st, c, out);
		break;
	case ISO_USER:
		s7_pdu(st, &c->user, c->eot, dir, out);
		break;
	}
}

static enum mk_verdict s7comm_parse(void *state, struct mk_rd *rd, enum mk_dir dir,
                                    size_t *consumed, struct mk_emit *out)
{
	struct s7comm_state *st = state;

	return iso_stream_walk(&st->iso, rd, dir, consumed, S7_PDUS_PER_CALL, S7_TPKT_MAX,
	                       s7comm_iso_event, st, out);
}

static enum mk_verdict s7comm_gap(void *state, enum mk_dir dir)
{
	struct s7comm_state *st = state;

	iso_stream_gap(&st->iso, dir);
	st->szl_on = 0;
	return MK_V_OK;
}

const struct mk_proto mk_proto_s7comm = {
    .abi = MK_PROTO_ABI,
    .name = "s7comm",
    .id = MK_PROTO_S7COMM,
    .transports = MK_TRANSPORT_TCP,
    .state_size = sizeof(struct s7comm_state),
    .max_buffer = S7_TPKT_MAX,
    .probe = s7comm_probe,
    .parse = s7comm_parse,
    .gap = s7comm_gap,
    .events = s7comm_events,
};

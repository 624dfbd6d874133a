/* enip.c - EtherNet/IP encapsulation (TCP and UDP 44818) and the CIP explicit
 * messages it carries: the device identity of ListIdentity responses and of
 * Identity object Get_Attributes_All replies, the session handle, and every CIP
 * request classified into an operation class (reads, writes, start/stop/reset,
 * firmware transfers, connection management), unwrapping Unconnected Send and
 * Multiple Service Packet.  Replies are paired with their requests (by sender
 * context for SendRRData, by the connected sequence count for SendUnitData) so
 * that a reply is read knowing the class it answers.
 *
 * specification: THE CIP NETWORKS LIBRARY Volume 2, EtherNet/IP Adaptation of
 * CIP (ODVA): 2-3 encapsulation header, 2-4 commands (ListServices 0x0004,
 * ListIdentity 0x0063, ListInterfaces 0x0064, RegisterSession 0x0065,
 * UnRegisterSession 0x0066, SendRRData 0x006f, SendUnitData 0x0070), 2-6 common
 * packet format and its items (0x0000, 0x000c, 0x00a1, 0x00b1, 0x00b2).
 * Volume 1, Common Industrial Protocol: 2-4 message router request/response
 * format, Appendix A (common services), Appendix C (EPATH segments), 5-2
 * Identity object (class 0x01, attributes 1-7), 3-5 Connection Manager (class
 * 0x06: Forward_Open 0x54, Large_Forward_Open 0x5b, Forward_Close 0x4e,
 * Unconnected_Send 0x52), 5-42 File object (class 0x37), 2-4.6 Multiple Service
 * Packet (0x0a).  Logix tag services (Read Tag 0x4c, Write Tag 0x4d,
 * Read-Modify-Write 0x4e, fragmented 0x52/0x53 on symbolic paths and the Symbol
 * class 0x6b): Rockwell Automation publication 1756-PM020 "Logix 5000 Data
 * Access".  Non-Volatile Storage object (class 0xa1: Update 0x4b, Transfer
 * 0x4d; the firmware update object of ControlFLASH): Rockwell Automation
 * publications 1203-5.13 appendix D and 1444-UM001 appendix A.
 * The command 0x0001 is undocumented (used by Rockwell tools before ListIdentity
 * existed); it is accepted as a discovery request.
 */
#include "mieruka/proto.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mieruka/pkt.h"
#include "proto/enip/cip_vendors.h"

#define ENIP_HDR 24
#define ENIP_WHOLE_MAX 8192       /* command data parsed whole; larger is skipped */
#define ENIP_MSGS_PER_CALL 64     /* the core calls again for the rest */
#define CPF_ITEMS_MAX 8
#define CIP_PATH_SEGS_MAX 16
#define CIP_DEPTH_MAX 3           /* Unconnected Send / Multiple Service nesting */
#define CIP_MSP_MAX 64            /* services of one Multiple Service Packet */
#define CIP_MSP_PAIR 8            /* of which paired with their replies */
#define ENIP_PENDING 8            /* outstanding requests remembered */
#define CIP_NAME_MAX 64
#define IPPROTO_UDP_NUM 17

/* Encapsulation commands, Vol. 2 table 2-3.2. */
#define ENIP_NOP 0x0000
#define ENIP_LIST_TARGETS 0x0001 /* legacy, undocumented */
#define ENIP_LIST_SERVICES 0x0004
#define ENIP_LIST_IDENTITY 0x0063
#define ENIP_LIST_INTERFACES 0x0064
#define ENIP_REGISTER 0x0065
#define ENIP_UNREGISTER 0x0066
#define ENIP_SEND_RR 0x006f
#define ENIP_SEND_UNIT 0x0070
#define ENIP_INDICATE_STATUS 0x0072
#define ENIP_CANCEL 0x0073

/* Common packet format item types, Vol. 2 table 2-6.3. */
#define CPF_NULL 0x0000
#define CPF_IDENTITY 0x000c
#define CPF_CONNECTED_ADDR 0x00a1
#define CPF_CONNECTED_DATA 0x00b1
#define CPF_UNCONNECTED_DATA 0x00b2

#define CIP_CLASS_IDENTITY 0x01
#define CIP_CLASS_CM 0x06
#define CIP_CLASS_FILE 0x37
#define CIP_CLASS_SYMBOL 0x6b
#define CIP_CLASS_TEMPLATE 0x6c
#define CIP_CLASS_NVS 0xa1
#define CIP_SVC_GET_ALL 0x01
#define CIP_SVC_MSP 0x0a
#define CIP_SVC_REPLY 0x80
#define CIP_DEVTYPE_PLC 0x0e
#define CIP_NO_CLASS 0xffffffffu

enum enip_event_bit {
	EV_BAD_HEADER = 1u << 0,
	EV_BAD_LENGTH = 1u << 1,
	EV_UNKNOWN_COMMAND = 1u << 2,
	EV_BAD_CPF = 1u << 3,
	EV_BAD_PATH = 1u << 4,
	EV_BAD_MSP = 1u << 5,
	EV_SESSION = 1u << 6,
};

static const char *const enip_events[] = {
	"enip_bad_header",
	"enip_bad_length",
	"enip_unknown_command",
	"enip_bad_cpf",
	"cip_bad_path",
	"cip_bad_multiple_service",
	"enip_session_mismatch",
	NULL,
};

/* What a request addressed: enough to read its reply. */
struct cip_target {
	uint8_t svc;
	uint8_t symbolic;
	uint32_t cls;
};

struct enip_pending {
	uint8_t used;
	uint8_t unit;     /* keyed by sequence count (SendUnitData), else sender context */
	uint8_t n_inner;  /* Multiple Service Packet: targets of its services */
	uint64_t key;
	struct cip_target t;
	struct cip_target inner[CIP_MSP_PAIR];
};

struct enip_state {
	uint32_t session;         /* from the RegisterSession reply */
	uint32_t said;            /* enum enip_event_bit: each anomaly once per flow */
	uint32_t identity_hash;   /* of the last identity reported */
	uint8_t done[2];
	uint8_t resync[2];        /* after lost bytes: wait for a plausible header */
	uint8_t plc_tag_said, plc_type_said, plc_ident_said;
	uint8_t pend_next;
	uint32_t skip[2];         /* bytes of an oversized message still to skip */
	struct enip_pending pend[ENIP_PENDING];
};

static void enip_anomaly(struct enip_state *st, struct mk_emit *out, enum enip_event_bit bit)
{
	unsigned i = 0;

	if (st->said & bit)
		return;
	st->said |= bit;
	while ((1u << i) != (unsigned)bit)
		i++;
	mk_emit_anomaly(out, enip_events[i]);
}

static bool enip_known_command(uint16_t cmd)
{
	switch (cmd) {
	case ENIP_NOP:
	case ENIP_LIST_TARGETS:
	case ENIP_LIST_SERVICES:
	case ENIP_LIST_IDENTITY:
	case ENIP_LIST_INTERFACES:
	case ENIP_REGISTER:
	case ENIP_UNREGISTER:
	case ENIP_SEND_RR:
	case ENIP_SEND_UNIT:
	case ENIP_INDICATE_STATUS:
	case ENIP_CANCEL:
		return true;
	default:
		return false;
	}
}

/* ---- identity ---- */

/* Device profiles, Vol. 1 table 6-7.1 (the common ones). */
static const char *cip_device_type_name(uint16_t t)
{
	switch (t) {
	case 0x00: return "Generic Device";
	case 0x02: return "AC Drive";
	case 0x03: return "Motor Overload";
	case 0x04: return "Limit Switch";
	case 0x05: return "Inductive Proximity Switch";
	case 0x06: return "Photoelectric Sensor";
	case 0x07: return "General Purpose Discrete I/O";
	case 0x09: return "Resolver";
	case 0x0c: return "Communications Adapter";
	case 0x0e: return "Programmable Logic Controller";
	case 0x10: return "Position Controller";
	case 0x13: return "DC Drive";
	case 0x15: return "Contactor";
	case 0x16: return "Motor Starter";
	case 0x17: return "Soft Start";
	case 0x18: return "Human-Machine Interface";
	case 0x22: return "Encoder";
	case 0x23: return "Safety Discrete I/O Device";
	case 0x25: return "CIP Motion Drive";
	case 0x2b: return "Generic Device (keyable)";
	case 0x2c: return "Managed Ethernet Switch";
	default: return NULL;
	}
}

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* The Identity object's attributes 1-7 in order (Get_Attributes_All reply and
 * the ListIdentity item share the layout from Vendor ID on).  The device is the
 * sender of the reply. */
static void cip_identity(struct enip_state *st, struct mk_rd *r, bool explicit_msg, struct mk_emit *out)
{
	uint16_t vendor = mk_rd_le16(r), type = mk_rd_le16(r), code = mk_rd_le16(r);
	uint8_t major = mk_rd_u8(r), minor = mk_rd_u8(r);
	uint32_t serial, h;
	uint8_t nlen;
	const uint8_t *name;
	char vbuf[32], fw[16], sn[16], model[CIP_NAME_MAX], attr[64];
	size_t ml = 0;
	struct mk_identity id = {0};
	int n;

	(void)mk_rd_le16(r); /* status */
	serial = mk_rd_le32(r);
	if (!mk_rd_ok(r))
		return;
	nlen = mk_rd_u8(r);
	name = mk_rd_ptr(r, nlen);
	for (size_t i = 0; name != NULL && i < nlen && ml + 1 < sizeof(model); i++) {
		if (name[i] == 0)
			break;
		model[ml++] = (name[i] >= 0x20 && name[i] < 0x7f) ? (char)name[i] : '?';
	}
	while (ml > 0 && model[ml - 1] == ' ')
		ml--;
	model[ml] = '\0';

	id.vendor = mk_enip_vendor_name(vendor);
	if (id.vendor == NULL) {
		snprintf(vbuf, sizeof(vbuf), "CIP vendor %u", vendor);
		id.vendor = vbuf;
	}
	id.product = cip_device_type_name(type);
	id.model = ml > 0 ? model : NULL;
	snprintf(fw, sizeof(fw), "%u.%03u", major, minor);
	id.firmware = fw;
	snprintf(sn, sizeof(sn), "%08x", (unsigned)serial);
	id.serial = sn;

	h = fnv(2166136261u, &vendor, sizeof(vendor));
	h = fnv(h, &type, sizeof(type));
	h = fnv(h, &code, sizeof(code));
	h = fnv(h, &major, 1);
	h = fnv(h, &minor, 1);
	h = fnv(h, &serial, sizeof(serial));
	h = fnv(h, model, ml);
	if (h != st->identity_hash) {
		st->identity_hash = h;
		mk_emit_identity(out, mk_host_rel(MK_HOST_SENDER), &id);
		n = snprintf(attr, sizeof(attr), "vendor=%u type=%u code=%u", vendor, type, code);
		if (n > 0 && (size_t)n < sizeof(attr))
			mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "cip_product", attr, (size_t)n);
	}
	if (type == CIP_DEVTYPE_PLC && !st->plc_type_said) {
		st->plc_type_said = 1;
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_PLC, 90,
		             "CIP identity: device type programmable logic controller");
	}
	if (explicit_msg && !st->plc_ident_said) {
		st->plc_ident_said = 1;
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_PLC, 50,
		             "answers CIP Identity requests over EtherNet/IP explicit messaging");
	}
}

/* ---- CIP requests ---- */

struct cip_path {
	uint32_t cls;
	bool symbolic;
};

/* Reads a logical segment's value after its type byte (Vol. 1 C-1.4.2):
 * format 0 = 8 bits, 1 = pad + 16 bits, 2 = pad + 32 bits. */
static bool cip_logical_value(struct mk_rd *p, uint8_t fmt, uint32_t *v)
{
	switch (fmt) {
	case 0:
		*v = mk_rd_u8(p);
		break;
	case 1:
		mk_rd_skip(p, 1);
		*v = mk_rd_le16(p);
		break;
	case 2:
		mk_rd_skip(p, 1);
		*v = mk_rd_le32(p);
		break;
	default:
		return false;
	}
	return mk_rd_ok(p);
}

/* Walks an EPATH; false when a segment runs past the path.  Segments this
 * parser does not know end the walk quietly (what was read stays). */
static bool cip_path_parse(struct mk_rd *p, struct cip_path *out)
{
	out->cls = CIP_NO_CLASS;
	out->symbolic = false;
	for (int i = 0; i < CIP_PATH_SEGS_MAX && mk_rd_left(p) > 0; i++) {
		uint8_t seg = mk_rd_u8(p);
		uint32_t v = 0;

		if ((seg & 0xe0) == 0x00) {
			/* Port segment (C-1.3): optional 16-bit port, link address
			 * of one byte or of a given size, padded to even. */
			size_t n = 1;

			if ((seg & 0x0f) == 0x0f) {
				mk_rd_skip(p, 2);
				n += 2;
			}
			if (seg & 0x10) {
				uint8_t size = mk_rd_u8(p);

				mk_rd_skip(p, size);
				n += 1 + (size_t)size;
			} else {
				mk_rd_skip(p, 1);
				n += 1;
			}
			if (n & 1u)
				mk_rd_skip(p, 1);
		} else if (seg == 0x34) {
			/* Electronic key (C-1.4.2): format 4 is 8 bytes. */
			uint8_t fmt = mk_rd_u8(p);

			if (fmt != 4)
				return mk_rd_ok(p);
			mk_rd_skip(p, 8);
		} else if ((seg & 0xe0) == 0x20) {
			uint8_t type = (seg >> 2) & 7;

			if (type > 4 || !cip_logical_value(p, seg & 3, &v))
				return mk_rd_ok(p);
			if (type == 0 && out->cls == CIP_NO_CLASS)
				out->cls = v;
		} else if (seg == 0x91) {
			/* ANSI extended symbol (C-1.5): length, name, pad. */
			uint8_t size = mk_rd_u8(p);

			mk_rd_skip(p, size);
			if (size & 1u)
				mk_rd_skip(p, 1);
			out->symbolic = true;
		} else if ((seg & 0xe0) == 0x60 && (seg & 0x1f) != 0) {
			/* Symbolic segment with its size in the type byte. */
			size_t size = seg & 0x1f;

			mk_rd_skip(p, size);
			if (!(size & 1u))
				mk_rd_skip(p, 1);
			out->symbolic = true;
		} else if (seg == 0x80) {
			/* Simple data segment: length in words. */
			uint8_t words = mk_rd_u8(p);

			mk_rd_skip(p, (size_t)words * 2);
		} else {
			return true;
		}
		if (!mk_rd_ok(p))
			return false;
	}
	return true;
}

struct cip_op {
	uint8_t op;
	const char *name; /* NULL: "svc=0x.. class=0x.." */
};

/* Common services, Vol. 1 table. */
static bool cip_common(uint8_t svc, struct cip_op *o)
{
	static const struct {
		uint8_t svc, op;
		const char *name;
	} common[] = {
		{0x01, MK_OP_READ, "get_attributes_all"},
		{0x02, MK_OP_WRITE, "set_attributes_all"},
		{0x03, MK_OP_READ, "get_attribute_list"},
		{0x04, MK_OP_WRITE, "set_attribute_list"},
		{0x05, MK_OP_CONTROL, "reset"},
		{0x06, MK_OP_CONTROL, "start"},
		{0x07, MK_OP_CONTROL, "stop"},
		{0x08, MK_OP_WRITE, "create"},
		{0x09, MK_OP_WRITE, "delete"},
		{0x0d, MK_OP_WRITE, "apply_attributes"},
		{0x0e, MK_OP_READ, "get_attribute_single"},
		{0x10, MK_OP_WRITE, "set_attribute_single"},
		{0x11, MK_OP_READ, "find_next_object_instance"},
		{0x15, MK_OP_WRITE, "restore"},
		{0x16, MK_OP_WRITE, "save"},
		{0x17, MK_OP_OTHER, "nop"},
		{0x18, MK_OP_READ, "get_member"},
		{0x19, MK_OP_WRITE, "set_member"},
		{0x1a, MK_OP_WRITE, "insert_member"},
		{0x1b, MK_OP_WRITE, "remove_member"},
		{0x1c, MK_OP_OTHER, "group_sync"},
	};

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		if (common[i].svc == svc) {
			o->op = common[i].op;
			o->name = common[i].name;
			return true;
		}
	}
	return false;
}

/* Class-specific services (0x4b-0x63) mean what their class says. */
static void cip_classify(uint8_t svc, const struct cip_path *path, struct cip_op *o)
{
	o->op = MK_OP_OTHER;
	o->name = NULL;
	if (cip_common(svc, o))
		return;
	if (path->symbolic || path->cls == CIP_CLASS_SYMBOL) {
		switch (svc) {
		case 0x4c: o->op = MK_OP_READ; o->name = "read_tag"; return;
		case 0x52: o->op = MK_OP_READ; o->name = "read_tag_fragmented"; return;
		case 0x4d: o->op = MK_OP_WRITE; o->name = "write_tag"; return;
		case 0x53: o->op = MK_OP_WRITE; o->name = "write_tag_fragmented"; return;
		case 0x4e: o->op = MK_OP_WRITE; o->name = "read_modify_write_tag"; return;
		case 0x55: o->op = MK_OP_READ; o->name = "get_instance_attribute_list"; return;
		default: return;
		}
	}
	switch (path->cls) {
	case CIP_CLASS_CM:
		switch (svc) {
		case 0x54: o->name = "forward_open"; return;
		case 0x5b: o->name = "large_forward_open"; return;
		case 0x4e: o->name = "forward_close"; return;
		case 0x52: o->name = "unconnected_send"; return;
		case 0x56: o->op = MK_OP_READ; o->name = "get_connection_data"; return;
		case 0x57: o->op = MK_OP_READ; o->name = "search_connection_data"; return;
		case 0x5a: o->op = MK_OP_READ; o->name = "get_connection_owner"; return;
		default: return;
		}
	case CIP_CLASS_TEMPLATE:
		if (svc == 0x4c) {
			o->op = MK_OP_READ;
			o->name = "read_template";
		}
		return;
	case CIP_CLASS_FILE:
		switch (svc) {
		case 0x4b: o->op = MK_OP_READ; o->name = "file_initiate_upload"; return;
		case 0x4c: o->op = MK_OP_FIRMWARE; o->name = "file_initiate_download"; return;
		case 0x4d: o->op = MK_OP_READ; o->name = "file_initiate_partial_read"; return;
		case 0x4e: o->op = MK_OP_FIRMWARE; o->name = "file_initiate_partial_write"; return;
		case 0x4f: o->op = MK_OP_READ; o->name = "file_upload_transfer"; return;
		case 0x50: o->op = MK_OP_FIRMWARE; o->name = "file_download_transfer"; return;
		case 0x51: o->op = MK_OP_FIRMWARE; o->name = "file_clear"; return;
		default: return;
		}
	case CIP_CLASS_NVS:
		if (svc >= 0x4b && svc <= 0x63) {
			o->op = MK_OP_FIRMWARE;
			o->name = svc == 0x4b ? "nvs_update" : svc == 0x4d ? "nvs_transfer" : NULL;
		}
		return;
	default:
		return;
	}
}

static void cip_emit_op(uint8_t svc, const struct cip_path *path, struct mk_emit *out)
{
	struct cip_op o;
	char detail[64];
	int n;

	cip_classify(svc, path, &o);
	if (!mk_emit_wants_detail(out, (enum mk_op_class)o.op)) {
		mk_emit_operation(out, (enum mk_op_class)o.op, NULL);
		return;
	}
	if (o.name != NULL && (path->cls == CIP_NO_CLASS || path->symbolic || svc >= 0x4b))
		n = snprintf(detail, sizeof(detail), "%s", o.name);
	else if (o.name != NULL)
		n = snprintf(detail, sizeof(detail), "%s class=0x%02x", o.name, (unsigned)path->cls);
	else if (path->cls != CIP_NO_CLASS)
		n = snprintf(detail, sizeof(detail), "svc=0x%02x class=0x%02x", svc, (unsigned)path->cls);
	else
		n = snprintf(detail, sizeof(detail), "svc=0x%02x", svc);
	if (n < 0 || (size_t)n >= sizeof(detail))
		n = 0;
	detail[n] = '\0';
	mk_emit_operation(out, (enum mk_op_class)o.op, detail);
}

struct cip_req_ctx {
	struct enip_state *st;
	struct mk_emit *out;
	struct enip_pending *pend; /* where the targets go, or NULL */
	bool msp_seen;             /* only the outermost packet's services are paired */
};

static bool cip_request(struct cip_req_ctx *c, struct mk_rd *msg, int depth, struct cip_target *t);

/* Bounds of service i of a Multiple Service Packet whose data (from the count
 * on) is the whole window of data: [*off, *end), checked against the window. */
static bool cip_msp_bounds(const struct mk_rd *data, uint16_t count, unsigned i, size_t *off, size_t *end)
{
	struct mk_rd r;
	size_t hdr = 2 + (size_t)count * 2;

	mk_rd_init(&r, data->buf, data->len);
	mk_rd_skip(&r, 2 + (size_t)i * 2);
	*off = mk_rd_le16(&r);
	*end = i + 1u < count ? mk_rd_le16(&r) : data->len;
	return mk_rd_ok(&r) && *off >= hdr && *end > *off && *end <= data->len;
}

/* Multiple Service Packet request data (Vol. 1 ): count, offsets from
 * the count, then the services. */
static void cip_msp_request(struct cip_req_ctx *c, struct mk_rd *data, int depth)
{
	uint16_t count = mk_rd_le16(data);
	size_t hdr = 2 + (size_t)count * 2;
	unsigned handled = 0;
	bool record = !c->msp_seen;

	c->msp_seen = true;
	if (!mk_rd_ok(data) || count == 0 || hdr > data->len) {
		enip_anomaly(c->st, c->out, EV_BAD_MSP);
		mk_emit_operation(c->out, MK_OP_OTHER, "multiple_service_packet");
		return;
	}
	for (unsigned i = 0; i < count && i < CIP_MSP_MAX; i++) {
		size_t off, next;
		struct mk_rd inner;
		struct cip_target it = {0};

		if (!cip_msp_bounds(data, count, i, &off, &next)) {
			enip_anomaly(c->st, c->out, EV_BAD_MSP);
			break;
		}
		mk_rd_init(&inner, data->buf + off, next - off);
		if (cip_request(c, &inner, depth + 1, &it))
			handled++;
		else
			memset(&it, 0, sizeof(it)); /* keeps the reply indices aligned */
		if (record && c->pend != NULL && i < CIP_MSP_PAIR) {
			c->pend->inner[i] = it;
			c->pend->n_inner = (uint8_t)(i + 1);
		}
	}
	if (handled == 0)
		mk_emit_operation(c->out, MK_OP_OTHER, "multiple_service_packet");
}

/* One CIP request (message router request, Vol. 1 2-4.1).  Emits its
 * operation(s) and fills *t with what a reply needs; false when unreadable. */
static bool cip_request(struct cip_req_ctx *c, struct mk_rd *msg, int depth, struct cip_target *t)
{
	uint8_t svc = mk_rd_u8(msg), words = mk_rd_u8(msg);
	struct mk_rd path, data;
	struct cip_path p;

	if (!mk_rd_ok(msg) || (svc & CIP_SVC_REPLY))
		return false;
	if (!mk_rd_sub(msg, (size_t)words * 2, &path) || !cip_path_parse(&path, &p)) {
		enip_anomaly(c->st, c->out, EV_BAD_PATH);
		return false;
	}
	mk_rd_sub(msg, mk_rd_left(msg), &data);
	t->svc = svc;
	t->cls = p.cls;
	t->symbolic = p.symbolic;
	if (svc == CIP_SVC_MSP && depth < CIP_DEPTH_MAX) {
		cip_msp_request(c, &data, depth);
		return true;
	}
	if (svc == 0x52 && p.cls == CIP_CLASS_CM && !p.symbolic && depth < CIP_DEPTH_MAX) {
		/* Unconnected Send (3-5.5.2): priority/tick, timeout ticks, size,
		 * the embedded request, then the route path. */
		uint16_t size;
		struct mk_rd embedded;
		struct cip_target et = {0};

		mk_rd_skip(&data, 2);
		size = mk_rd_le16(&data);
		if (mk_rd_ok(&data) && mk_rd_sub(&data, size, &embedded) &&
		    cip_request(c, &embedded, depth + 1, &et)) {
			*t = et; /* the reply comes back as the embedded service's */
			return true;
		}
	}
	cip_emit_op(svc, &p, c->out);
	return true;
}

/* ---- CIP replies ---- */

static void cip_reply(struct enip_state *st, struct mk_rd *msg, const struct cip_target *t,
                      const struct enip_pending *pend, bool explicit_msg, int depth, struct mk_emit *out)
{
	uint8_t rsvc = mk_rd_u8(msg), status, ext, svc;
	struct mk_rd data;

	mk_rd_skip(msg, 1);
	status = mk_rd_u8(msg);
	ext = mk_rd_u8(msg);
	mk_rd_skip(msg, (size_t)ext * 2);
	if (!mk_rd_ok(msg) || !(rsvc & CIP_SVC_REPLY))
		return;
	svc = rsvc & 0x7f;
	if (t != NULL && t->svc != svc)
		t = NULL;
	mk_rd_sub(msg, mk_rd_left(msg), &data);
	if (svc == CIP_SVC_MSP && (status == 0 || status == 0x1e) && depth < CIP_DEPTH_MAX) {
		/* Reply: count, offsets, replies; 0x1e = some failed. */
		uint16_t count = mk_rd_le16(&data);

		if (!mk_rd_ok(&data) || 2 + (size_t)count * 2 > data.len)
			return;
		for (unsigned i = 0; i < count && i < CIP_MSP_MAX; i++) {
			size_t off, next;
			struct mk_rd inner;
			const struct cip_target *it = NULL;

			if (!cip_msp_bounds(&data, count, i, &off, &next))
				return;
			if (t != NULL && pend != NULL && i < pend->n_inner)
				it = &pend->inner[i];
			mk_rd_init(&inner, data.buf + off, next - off);
			cip_reply(st, &inner, it, NULL, explicit_msg, depth + 1, out);
		}
		return;
	}
	if (t == NULL)
		return;
	if (status != 0 && !(status == 0x06 && svc == 0x52)) /* 0x06: more fragments */
		return;
	if (svc == CIP_SVC_GET_ALL && t->cls == CIP_CLASS_IDENTITY && !t->symbolic) {
		cip_identity(st, &data, explicit_msg, out);
		return;
	}
	if ((svc == 0x4c || svc == 0x52) && (t->symbolic || t->cls == CIP_CLASS_SYMBOL) && !st->plc_tag_said) {
		st->plc_tag_said = 1;
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_PLC, 80,
		             "answers CIP Read Tag requests (EtherNet/IP tag server)");
	}
}

/* ---- pairing ---- */

static struct enip_pending *enip_pend_new(struct enip_state *st, bool unit, uint64_t key)
{
	struct enip_pending *p = &st->pend[st->pend_next];

	st->pend_next = (uint8_t)((st->pend_next + 1) % ENIP_PENDING);
	memset(p, 0, sizeof(*p));
	p->used = 1;
	p->unit = unit;
	p->key = key;
	return p;
}

static struct enip_pending *enip_pend_find(struct enip_state *st, bool unit, uint64_t key)
{
	for (unsigned i = 1; i <= ENIP_PENDING; i++) {
		struct enip_pending *p = &st->pend[(st->pend_next + ENIP_PENDING - i) % ENIP_PENDING];

		if (p->used && p->unit == unit && p->key == key)
			return p;
	}
	return NULL;
}

/* ---- encapsulation ---- */

struct enip_hdr {
	uint16_t cmd, len;
	uint32_t session, status, options;
	uint64_t context;
};

static void enip_hdr_read(struct mk_rd *r, struct enip_hdr *h)
{
	h->cmd = mk_rd_le16(r);
	h->len = mk_rd_le16(r);
	h->session = mk_rd_le32(r);
	h->status = mk_rd_le32(r);
	h->context = mk_rd_le64(r);
	h->options = mk_rd_le32(r);
}

/* SendRRData / SendUnitData: interface handle, timeout, then CPF items with
 * one address item and one data item carrying the CIP message. */
static void enip_send(struct enip_state *st, const struct enip_hdr *h, struct mk_rd *body, enum mk_dir dir,
                      struct mk_emit *out)
{
	bool unit = h->cmd == ENIP_SEND_UNIT;
	uint16_t count;
	struct mk_rd cipmsg;
	bool have = false;
	uint16_t seq = 0;
	uint8_t svc = 0;

	if (h->status != 0 && mk_rd_left(body) == 0)
		return; /* an error reply carries no data (2-3.3) */
	mk_rd_skip(body, 4 + 2);
	count = mk_rd_le16(body);
	if (!mk_rd_ok(body) || count > CPF_ITEMS_MAX) {
		enip_anomaly(st, out, EV_BAD_CPF);
		goto none;
	}
	for (unsigned i = 0; i < count; i++) {
		uint16_t type = mk_rd_le16(body), len = mk_rd_le16(body);
		struct mk_rd item;

		if (!mk_rd_ok(body) || !mk_rd_sub(body, len, &item)) {
			enip_anomaly(st, out, EV_BAD_CPF);
			goto none;
		}
		if (type == CPF_UNCONNECTED_DATA && !unit) {
			cipmsg = item;
			have = true;
		} else if (type == CPF_CONNECTED_DATA && unit) {
			seq = mk_rd_le16(&item);
			if (!mk_rd_ok(&item)) {
				enip_anomaly(st, out, EV_BAD_CPF);
				goto none;
			}
			mk_rd_sub(&item, mk_rd_left(&item), &cipmsg);
			have = true;
		}
	}
	if (!have || !mk_rd_peek_u8(&cipmsg, 0, &svc))
		goto none;
	if (!(svc & CIP_SVC_REPLY)) {
		struct enip_pending *p = enip_pend_new(st, unit, unit ? seq : h->context);
		struct cip_req_ctx c = {st, out, p, false};

		if (st->session != 0 && h->session != st->session)
			enip_anomaly(st, out, EV_SESSION);
		if (!cip_request(&c, &cipmsg, 0, &p->t))
			p->used = 0;
		return;
	}
	{
		struct enip_pending *p = enip_pend_find(st, unit, unit ? seq : h->context);

		cip_reply(st, &cipmsg, p != NULL ? &p->t : NULL, p, true, 0, out);
		if (p != NULL)
			p->used = 0;
	}
	return;
none:
	if (dir == MK_DIR_TO_SERVER && h->status == 0)
		mk_emit_operation(out, MK_OP_OTHER, unit ? "send_unit_data" : "send_rr_data");
}

/* ListIdentity reply: item count, then items; 0x000c is the identity. */
static void enip_list_identity(struct enip_state *st, struct mk_rd *body, struct mk_emit *out)
{
	uint16_t count = mk_rd_le16(body);

	if (!mk_rd_ok(body) || count > CPF_ITEMS_MAX) {
		enip_anomaly(st, out, EV_BAD_CPF);
		return;
	}
	for (unsigned i = 0; i < count; i++) {
		uint16_t type = mk_rd_le16(body), len = mk_rd_le16(body);
		struct mk_rd item;

		if (!mk_rd_ok(body) || !mk_rd_sub(body, len, &item)) {
			enip_anomaly(st, out, EV_BAD_CPF);
			return;
		}
		if (type != CPF_IDENTITY)
			continue;
		/* Encapsulation version, then a sockaddr (16 bytes, big-endian). */
		if (!mk_rd_skip(&item, 2 + 16)) {
			enip_anomaly(st, out, EV_BAD_CPF);
			return;
		}
		cip_identity(st, &item, false, out);
	}
}

static void enip_message(struct enip_state *st, const struct enip_hdr *h, struct mk_rd *body, enum mk_dir dir,
                         struct mk_emit *out)
{
	/* The List* requests carry no data (2-4.2..2-4.4), their replies do. */
	bool reply = h->len > 0;

	switch (h->cmd) {
	case ENIP_LIST_TARGETS:
		if (!reply)
			mk_emit_operation(out, MK_OP_DIAGNOSTIC, "list_targets");
		break;
	case ENIP_LIST_SERVICES:
		if (!reply)
			mk_emit_operation(out, MK_OP_DIAGNOSTIC, "list_services");
		break;
	case ENIP_LIST_INTERFACES:
		if (!reply)
			mk_emit_operation(out, MK_OP_DIAGNOSTIC, "list_interfaces");
		break;
	case ENIP_LIST_IDENTITY:
		if (!reply)
			mk_emit_operation(out, MK_OP_DIAGNOSTIC, "list_identity");
		else if (h->status == 0)
			enip_list_identity(st, body, out);
		break;
	case ENIP_REGISTER:
		if (dir == MK_DIR_TO_SERVER) {
			mk_emit_operation(out, MK_OP_OTHER, "register_session");
		} else if (h->status == 0 && h->session != 0) {
			st->session = h->session;
		}
		break;
	case ENIP_UNREGISTER:
		mk_emit_operation(out, MK_OP_OTHER, "unregister_session");
		st->session = 0;
		break;
	case ENIP_SEND_RR:
	case ENIP_SEND_UNIT:
		enip_send(st, h, body, dir, out);
		break;
	case ENIP_INDICATE_STATUS:
	case ENIP_CANCEL:
		if (dir == MK_DIR_TO_SERVER)
			mk_emit_operation(out, MK_OP_OTHER, h->cmd == ENIP_CANCEL ? "cancel" : "indicate_status");
		break;
	case ENIP_NOP:
		break; /* a keep-alive, no reply and no operation */
	default:
		enip_anomaly(st, out, EV_UNKNOWN_COMMAND);
		break;
	}
}

/* ---- probe and parse ---- */

/* Is there a plausible encapsulation header at offset at?  0 = no, 1 = known
 * command and zero options, 2 = as 1 and its length also fits. */
static int enip_header_at(const struct mk_rd *rd, size_t at)
{
	struct mk_rd r = *rd;
	struct enip_hdr h;

	if (!mk_rd_skip(&r, at) || !mk_rd_has(&r, ENIP_HDR))
		return 0;
	enip_hdr_read(&r, &h);
	if (!enip_known_command(h.cmd) || h.options != 0)
		return 0;
	return h.len <= mk_rd_left(&r) ? 2 : 1;
}

static int enip_probe(struct mk_rd *rd, enum mk_dir dir)
{
	struct mk_rd r = *rd;
	struct enip_hdr h;
	size_t left = mk_rd_left(rd);

	(void)dir;
	if (left < ENIP_HDR)
		return MK_PROBE_NO;
	enip_hdr_read(&r, &h);
	if (!enip_known_command(h.cmd) || h.options != 0)
		return MK_PROBE_NO;
	if ((h.cmd == ENIP_LIST_IDENTITY || h.cmd == ENIP_LIST_SERVICES || h.cmd == ENIP_LIST_INTERFACES) &&
	    h.len == 0 && h.session != 0)
		return MK_PROBE_NO; /* discovery requests come outside any session */
	if (h.cmd == ENIP_REGISTER && h.len != 4)
		return MK_PROBE_NO;
	/* NOP and the legacy command are too weak to claim a flow alone. */
	if (h.cmd == ENIP_NOP || h.cmd == ENIP_LIST_TARGETS)
		return MK_PROBE_MAYBE;
	if ((size_t)ENIP_HDR + h.len == left)
		return MK_PROBE_SURE;
	if ((size_t)ENIP_HDR + h.len < left)
		return enip_header_at(rd, ENIP_HDR + (size_t)h.len) > 0 ? MK_PROBE_SURE : MK_PROBE_NO;
	return MK_PROBE_MAYBE; /* the rest is in a later segment */
}

static enum mk_verdict enip_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                  struct mk_emit *out)
{
	struct enip_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	*consumed = 0;
	if (out->pkt != NULL && out->pkt->ip_proto == IPPROTO_UDP_NUM) {
		/* One datagram, one message. */
		struct enip_hdr h;
		struct mk_rd body;

		enip_hdr_read(rd, &h);
		if (!mk_rd_ok(rd)) {
			enip_anomaly(st, out, EV_BAD_LENGTH);
			return MK_V_OK;
		}
		if (h.len > mk_rd_left(rd)) {
			enip_anomaly(st, out, EV_BAD_LENGTH);
			return MK_V_OK;
		}
		mk_rd_sub(rd, h.len, &body);
		enip_message(st, &h, &body, dir, out);
		return MK_V_OK;
	}
	for (unsigned n = 0; n < ENIP_MSGS_PER_CALL; n++) {
		size_t left = mk_rd_left(rd);
		struct enip_hdr h;
		struct mk_rd hr = *rd, body;

		if (st->done[d]) {
			mk_rd_skip(rd, left);
			*consumed += left;
			return MK_V_OK;
		}
		if (st->skip[d] > 0) {
			size_t k = st->skip[d] < left ? st->skip[d] : left;

			st->skip[d] -= (uint32_t)k;
			mk_rd_skip(rd, k);
			*consumed += k;
			if (st->skip[d] > 0)
				return MK_V_OK;
			continue;
		}
		if (left == 0)
			return MK_V_OK;
		if (left < ENIP_HDR)
			return MK_V_NEED;
		enip_hdr_read(&hr, &h);
		if (st->resync[d]) {
			/* Messages start segments: drop bytes until one looks like a header. */
			if (!enip_known_command(h.cmd) || h.options != 0 || h.len > ENIP_WHOLE_MAX) {
				mk_rd_skip(rd, left);
				*consumed += left;
				return MK_V_OK;
			}
			st->resync[d] = 0;
		}
		if (h.options != 0 || (!enip_known_command(h.cmd) && h.len > ENIP_WHOLE_MAX)) {
			/* Not an encapsulation header: lost framing; stop this way. */
			enip_anomaly(st, out, EV_BAD_HEADER);
			st->done[d] = 1;
			continue;
		}
		if (h.len > ENIP_WHOLE_MAX) {
			mk_rd_skip(rd, ENIP_HDR);
			*consumed += ENIP_HDR;
			st->skip[d] = h.len;
			continue;
		}
		if (left < (size_t)ENIP_HDR + h.len)
			return MK_V_NEED;
		mk_rd_skip(rd, ENIP_HDR);
		mk_rd_sub(rd, h.len, &body);
		*consumed += (size_t)ENIP_HDR + h.len;
		enip_message(st, &h, &body, dir, out);
	}
	return MK_V_OK;
}

static enum mk_verdict enip_gap(void *state, enum mk_dir dir)
{
	struct enip_state *st = state;

	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	/* Framing is lost with the bytes: resynchronise on the next header. */
	st->skip[d] = 0;
	st->resync[d] = 1;
	return MK_V_OK;
}

const struct mk_proto mk_proto_enip = {
	.abi = MK_PROTO_ABI,
	.name = "enip",
	.id = MK_PROTO_ENIP,
	.transports = MK_TRANSPORT_TCP | MK_TRANSPORT_UDP,
	.state_size = sizeof(struct enip_state),
	.max_buffer = ENIP_HDR + ENIP_WHOLE_MAX,
	.probe = enip_probe,
	.parse = enip_parse,
	.gap = enip_gap,
	.events = enip_events,
};

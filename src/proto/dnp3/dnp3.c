/* dnp3.c - DNP3 over TCP and UDP: link frames with every CRC checked, transport
 * segments reassembled into application fragments (capped), the application
 * function of every request as an operation, responses' internal indications
 * (IIN) as events, device attributes (object group 0) as the outstation's
 * identity, the link addresses of both ends, and which end is the master and
 * which the outstation.
 * specification: IEEE 1815-2012 (DNP3): clause 9 (data link layer: start
 * 0x0564, length, control, destination, source, header CRC, 16-octet data
 * blocks each followed by a CRC-16/DNP), clause 8 (transport function: FIN,
 * FIR, sequence), clause 4.2.2 (application header: control, function code,
 * internal indications) with its function code table, object group 0 (device
 * attributes); Annex A (DNP3 over TCP/UDP, port 20000).
 */
#include "mieruka/proto.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define DNP3_START0 0x05
#define DNP3_START1 0x64
#define DNP3_HEADER 10           /* start(2) length control dest(2) src(2) crc(2) */
#define DNP3_MIN_LEN 5           /* the length octet counts control, dest, src, data */
#define DNP3_BLOCK 16            /* user data per CRC block */
#define DNP3_FRAME_MAX 292       /* 10 + 250 data + 16 CRCs */
#define DNP3_FRAMES_PER_CALL 256 /* then OK, and the core calls again */
#define DNP3_FRAG_KEEP 2048  /* bytes of a reassembled fragment kept; the rest is counted only */
#define DNP3_ATTR_HEADERS 32 /* device attribute objects read from one response */
#define DNP3_TEXT_MAX 64     /* octets kept of an attribute string */
#define DNP3_FILES 4         /* open file handles remembered per flow (their open mode) */

/* Link control octet (clause 9). */
#define LINK_PRM 0x40 /* set: primary (initiating) frame */
#define LINK_FC_CONFIRMED_DATA 3
#define LINK_FC_UNCONFIRMED_DATA 4

/* Transport header (clause 8). */
#define TR_FIN 0x80
#define TR_FIR 0x40
#define TR_SEQ 0x3f

#define FC_CONFIRM 0
#define FC_OPEN_FILE 25
#define FC_CLOSE_FILE 26
#define FC_ABORT_FILE 30
#define FC_LAST_REQUEST 33
#define FC_RESPONSE 129
#define FC_UNSOLICITED 130
#define FC_AUTH_RESPONSE 131

struct dnp3_dir {
	uint8_t in_frag;  /* a fragment is being reassembled */
	uint8_t next_seq; /* transport sequence expected next */
	uint8_t addr_said;
	uint16_t frag_len; /* bytes kept in frag */
	uint8_t frag[DNP3_FRAG_KEEP];
};

/* File transfer (IEEE 1815-2012 6.8, object group 70): the operational mode of
 * an open request (g70v3), and the handle the outstation gives it in its
 * response (g70v4), so that closing or aborting a file opened for reading is a
 * read, not a program change. */
#define FILE_MODE_NULL 0
#define FILE_MODE_READ 1
#define FILE_MODE_WRITE 2
#define FILE_MODE_APPEND 3
#define FILE_MODE_UNKNOWN 0xff

struct dnp3_file {
	uint32_t handle;
	uint8_t mode;
	uint8_t used;
};

struct dnp3_state {
	struct dnp3_dir d[2];
	uint8_t master_said, outstation_said;
	uint16_t iin_said; /* IIN bits already reported on this flow */
	uint8_t resyncing[2];
	uint8_t open_pending; /* an open request waits for its response */
	uint8_t open_mode;    /* FILE_MODE_* of that request */
	uint8_t file_next;
	struct dnp3_file files[DNP3_FILES];
};

static const char *const dnp3_events[] = {
    "dnp3_bad_crc",
    "dnp3_bad_length",
    "dnp3_bad_start",
    "dnp3_transport_sequence",
    "dnp3_unknown_function",
    "dnp3_short_fragment",
    "dnp3_device_restart",
    "dnp3_device_trouble",
    "dnp3_need_time",
    "dnp3_function_unsupported",
    "dnp3_object_unknown",
    "dnp3_parameter_error",
    "dnp3_event_overflow",
    "dnp3_config_corrupt",
    NULL,
};

/* Application function codes 0..33 (IEEE 1815-2012 4.2.2, function code table). */
struct dnp3_func {
	const char *name;
	uint8_t op;
};

static const struct dnp3_func dnp3_funcs[FC_LAST_REQUEST + 1] = {
    [0] = {"confirm", MK_OP_COUNT}, /* acknowledges a response: not a request */
    [1] = {"read", MK_OP_READ},
    [2] = {"write", MK_OP_WRITE},
    [3] = {"select", MK_OP_CONTROL},
    [4] = {"operate", MK_OP_CONTROL},
    [5] = {"direct_operate", MK_OP_CONTROL},
    [6] = {"direct_operate_no_ack", MK_OP_CONTROL},
    [7] = {"immediate_freeze", MK_OP_CONTROL},
    [8] = {"immediate_freeze_no_ack", MK_OP_CONTROL},
    [9] = {"freeze_clear", MK_OP_CONTROL},
    [10] = {"freeze_clear_no_ack", MK_OP_CONTROL},
    [11] = {"freeze_at_time", MK_OP_CONTROL},
    [12] = {"freeze_at_time_no_ack", MK_OP_CONTROL},
    [13] = {"cold_restart", MK_OP_CONTROL},
    [14] = {"warm_restart", MK_OP_CONTROL},
    [15] = {"initialize_data", MK_OP_CONTROL},
    [16] = {"initialize_application", MK_OP_CONTROL},
    [17] = {"start_application", MK_OP_CONTROL},
    [18] = {"stop_application", MK_OP_CONTROL},
    [19] = {"save_configuration", MK_OP_PROGRAM},
    [20] = {"enable_unsolicited", MK_OP_OTHER},
    [21] = {"disable_unsolicited", MK_OP_OTHER},
    [22] = {"assign_class", MK_OP_OTHER},
    [23] = {"delay_measure", MK_OP_OTHER},
    [24] = {"record_current_time", MK_OP_OTHER},
    /* File transfer (IEEE 1815-2012 6.8, object group 70): files carry
     * configuration or programs, so "program" with a detail naming the file
     * function.  Reading is not changing: an open for reading, and the close
     * or abort of a file opened for reading, are reads (dnp3_file_op), and
     * so is asking for a file's information. */
    [25] = {"file_open", MK_OP_PROGRAM},
    [26] = {"file_close", MK_OP_PROGRAM},
    [27] = {"file_delete", MK_OP_PROGRAM},
    [28] = {"file_get_info", MK_OP_READ},
    [29] = {"file_authenticate", MK_OP_PROGRAM},
    [30] = {"file_abort", MK_OP_PROGRAM},
    [31] = {"activate_configuration", MK_OP_PROGRAM},
    [32] = {"authenticate_request", MK_OP_AUTH},
    [33] = {"authenticate_request_no_ack", MK_OP_AUTH},
};

/* IIN bits worth an event (IEEE 1815-2012 4.2.2, internal indications): IIN1 in
 * the high byte. */
static const struct {
	uint16_t bit;
	const char *event;
} dnp3_iin_events[] = {
    {0x8000, "dnp3_device_restart"}, {0x4000, "dnp3_device_trouble"},
    {0x1000, "dnp3_need_time"},      {0x0001, "dnp3_function_unsupported"},
    {0x0002, "dnp3_object_unknown"}, {0x0004, "dnp3_parameter_error"},
    {0x0008, "dnp3_event_overflow"}, {0x0020, "dnp3_config_corrupt"},
};

/* CRC-16/DNP: polynomial 0x3D65 reflected (0xA6BC), init 0, result
 * complemented, sent low octet first (IEEE 1815-2012 clause 9). */
static uint16_t dnp3_crc(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0xA6BCu) : (uint16_t)(crc >> 1);
	}
	return (uint16_t)~crc;
}

static bool dnp3_crc_ok(const uint8_t *p, size_t n)
{
	uint16_t want = (uint16_t)(p[n] | (p[n + 1] << 8));

	return dnp3_crc(p, n) == want;
}

/* Whole frame size on the wire from the length octet. */
static size_t dnp3_frame_size(uint8_t len)
{
	size_t data = (size_t)len - DNP3_MIN_LEN;

	return DNP3_HEADER + data + 2 * ((data + DNP3_BLOCK - 1) / DNP3_BLOCK);
}

/* The host that sent the bytes of dir, from the flow (robust however the
 * core's packet and direction relate). */
static struct mk_host dnp3_sender(enum mk_dir dir)
{
	return mk_host_rel(dir == MK_DIR_TO_SERVER ? MK_HOST_CLIENT : MK_HOST_SERVER);
}

/* Copies an attribute string up to its first NUL, at most cap-1 octets. */
static void dnp3_text(const uint8_t *v, size_t n, char *buf, size_t cap)
{
	size_t i = 0;

	while (i < n && i + 1 < cap && v[i] != 0) {
		buf[i] = (char)v[i];
		i++;
	}
	buf[i] = '\0';
}

/* Device attributes (IEEE 1815-2012 object group 0) at the start of a
 * response's objects: headers of qualifier 0x00 or 0x01 (start/stop index),
 * then per object a data type code, a length and the value (data type 1 =
 * VSTR, a visible string).  Variations 252 manufacturer name, 250
 * product name and model, 242 software version, 243 hardware version, 248
 * serial number, 247 user-assigned device name. */
static void dnp3_device_attrs(struct mk_rd *rd, enum mk_dir dir, struct mk_emit *out)
{
	char vendor[DNP3_TEXT_MAX] = "", product[DNP3_TEXT_MAX] = "", fw[DNP3_TEXT_MAX] = "";
	char hw[DNP3_TEXT_MAX] = "", serial[DNP3_TEXT_MAX] = "", name[DNP3_TEXT_MAX] = "";

	for (int h = 0; h < DNP3_ATTR_HEADERS && mk_rd_left(rd) >= 3; h++) {
		uint8_t grp = mk_rd_u8(rd), var = mk_rd_u8(rd), qual = mk_rd_u8(rd);
		uint32_t start, stop;

		if (grp != 0)
			break;
		if (qual == 0x00) {
			start = mk_rd_u8(rd);
			stop = mk_rd_u8(rd);
		} else if (qual == 0x01) {
			start = mk_rd_le16(rd);
			stop = mk_rd_le16(rd);
		} else {
			break;
		}
		if (!mk_rd_ok(rd) || stop < start || stop - start >= DNP3_ATTR_HEADERS)
			break;
		for (uint32_t i = start; i <= stop; i++) {
			uint8_t type = mk_rd_u8(rd), len = mk_rd_u8(rd);
			const uint8_t *v = mk_rd_ptr(rd, len);
			char *dst = NULL;

			if (v == NULL)
				goto done;
			if (type != 1) /* not a visible string */
				continue;
			switch (var) {
			case 252: dst = vendor; break;
			case 250: dst = product; break;
			case 242: dst = fw; break;
			case 243: dst = hw; break;
			case 248: dst = serial; break;
			case 247: dst = name; break;
			default: break;
			}
			if (dst != NULL)
				dnp3_text(v, len, dst, DNP3_TEXT_MAX);
		}
	}
done:
	if (vendor[0] || product[0] || fw[0] || serial[0]) {
		struct mk_identity id = {
		    .vendor = vendor[0] ? vendor : NULL,
		    .product = product[0] ? product : NULL,
		    .firmware = fw[0] ? fw : NULL,
		    .serial = serial[0] ? serial : NULL,
		};

		mk_emit_identity(out, dnp3_sender(dir), &id);
	}
	if (hw[0])
		mk_emit_attr(out, dnp3_sender(dir), "dnp3_hardware_version", hw, strlen(hw));
	if (name[0])
		mk_emit_attr(out, dnp3_sender(dir), "dnp3_device_name", name, strlen(name));
}

/* The next object header of rd, when it is group 70 variation var with one
 * object of a 2-octet size prefix (qualifier 0x5b, the only one 6.8 uses for
 * file objects): that object in *obj. */
static bool dnp3_g70(struct mk_rd *rd, uint8_t var, struct mk_rd *obj)
{
	uint8_t grp = mk_rd_u8(rd), v = mk_rd_u8(rd), qual = mk_rd_u8(rd), count;
	uint16_t size;

	if (!mk_rd_ok(rd) || grp != 70 || v != var || qual != 0x5b)
		return false;
	count = mk_rd_u8(rd);
	size = mk_rd_le16(rd);
	if (!mk_rd_ok(rd) || count == 0)
		return false;
	return mk_rd_sub(rd, size, obj);
}

static struct dnp3_file *dnp3_file_find(struct dnp3_state *st, uint32_t handle)
{
	for (unsigned i = 0; i < DNP3_FILES; i++)
		if (st->files[i].used && st->files[i].handle == handle)
			return &st->files[i];
	return NULL;
}

/* A file request (open, close, abort): its class by the file's mode.  Open
 * (g70v3 file command): name offset and size, creation time (6), permissions,
 * authentication key, file size, then the operational mode (IEEE 1815-2012
 * 6.8.2, 0 null, 1 read, 2 write, 3 append).  Close and abort (g70v4 file
 * command status) name the handle the open's response gave.  Anything not
 * understood stays "program": a change cannot be ruled out. */
static void dnp3_file_op(struct dnp3_state *st, uint8_t fc, struct mk_rd *rd,
                         struct mk_emit *out)
{
	static const char *const open_detail[] = {"file_open", "file_open read", "file_open write",
	                                          "file_open append"};
	struct mk_rd obj;
	uint8_t mode = FILE_MODE_UNKNOWN;

	if (fc == FC_OPEN_FILE) {
		if (dnp3_g70(rd, 3, &obj)) {
			uint16_t m;

			mk_rd_skip(&obj, 2 + 2 + 6 + 2 + 4 + 4);
			m = mk_rd_le16(&obj);
			if (mk_rd_ok(&obj) && m <= FILE_MODE_APPEND)
				mode = (uint8_t)m;
		}
		st->open_pending = 1;
		st->open_mode = mode;
		mk_emit_operation(out, mode == FILE_MODE_READ ? MK_OP_READ : MK_OP_PROGRAM,
		                  mode <= FILE_MODE_APPEND ? open_detail[mode] : "file_open");
		return;
	}
	if (dnp3_g70(rd, 4, &obj)) {
		uint32_t handle = mk_rd_le32(&obj);
		struct dnp3_file *f = mk_rd_ok(&obj) ? dnp3_file_find(st, handle) : NULL;

		if (f != NULL) {
			mode = f->mode;
			f->used = 0;
		}
	}
	mk_emit_operation(out, mode == FILE_MODE_READ ? MK_OP_READ : MK_OP_PROGRAM,
	                  fc == FC_CLOSE_FILE ? "file_close" : "file_abort");
}

/* The response to an open request: remember the handle with the mode. */
static void dnp3_file_opened(struct dnp3_state *st, struct mk_rd rd)
{
	struct mk_rd obj;
	struct dnp3_file *f;
	uint32_t handle;

	st->open_pending = 0;
	if (!dnp3_g70(&rd, 4, &obj))
		return;
	handle = mk_rd_le32(&obj);
	if (!mk_rd_ok(&obj))
		return;
	if ((f = dnp3_file_find(st, handle)) == NULL) {
		f = &st->files[st->file_next];
		st->file_next = (uint8_t)((st->file_next + 1) % DNP3_FILES);
	}
	f->handle = handle;
	f->mode = st->open_mode;
	f->used = 1;
}

static void dnp3_application(struct dnp3_state *st, const uint8_t *frag, size_t len,
                             enum mk_dir dir, struct mk_emit *out)
{
	struct mk_rd rd;
	uint8_t fc;

	mk_rd_init(&rd, frag, len);
	mk_rd_skip(&rd, 1); /* application control: FIR FIN CON UNS SEQ */
	fc = mk_rd_u8(&rd);
	if (!mk_rd_ok(&rd)) {
		mk_emit_anomaly(out, "dnp3_short_fragment");
		return;
	}
	if (fc <= FC_LAST_REQUEST) {
		const struct dnp3_func *f = &dnp3_funcs[fc];

		if (f->op >= MK_OP_COUNT)
			return; /* confirm */
		if (fc == FC_OPEN_FILE || fc == FC_CLOSE_FILE || fc == FC_ABORT_FILE)
			dnp3_file_op(st, fc, &rd, out);
		else
			mk_emit_operation(out, (enum mk_op_class)f->op, f->name);
		if (!st->master_said) {
			st->master_said = 1;
			mk_emit_role(out, dnp3_sender(dir), MK_ROLE_SCADA_SERVER, 60,
			             "DNP3 master");
		}
		return;
	}
	if (fc == FC_RESPONSE || fc == FC_UNSOLICITED || fc == FC_AUTH_RESPONSE) {
		uint16_t iin = mk_rd_be16(&rd);

		if (!mk_rd_ok(&rd)) {
			mk_emit_anomaly(out, "dnp3_short_fragment");
			return;
		}
		if (!st->outstation_said) {
			st->outstation_said = 1;
			mk_emit_role(out, dnp3_sender(dir), MK_ROLE_PLC, 80, "DNP3 outstation");
		}
		for (size_t i = 0; i < sizeof(dnp3_iin_events) / sizeof(dnp3_iin_events[0]); i++) {
			uint16_t bit = dnp3_iin_events[i].bit;

			if ((iin & bit) && !(st->iin_said & bit)) {
				st->iin_said |= bit;
				mk_emit_anomaly(out, dnp3_iin_events[i].event);
			}
		}
		if (fc == FC_RESPONSE && st->open_pending)
			dnp3_file_opened(st, rd);
		if (fc == FC_RESPONSE)
			dnp3_device_attrs(&rd, dir, out);
		return;
	}
	mk_emit_anomaly(out, "dnp3_unknown_function");
}

/* One transport segment (the frame's user data without CRCs). */
static void dnp3_transport(struct dnp3_state *st, const uint8_t *seg, size_t len, enum mk_dir dir,
                           struct mk_emit *out)
{
	struct dnp3_dir *d = &st->d[dir == MK_DIR_TO_CLIENT ? 1 : 0];
	uint8_t th, seq;
	size_t room, take;

	if (len == 0)
		return;
	th = seg[0];
	seq = th & TR_SEQ;
	if (th & TR_FIR) {
		d->in_frag = 1;
		d->frag_len = 0;
	} else if (!d->in_frag || seq != d->next_seq) {
		/* A middle or last segment without its beginning: the fragment
		 * cannot be trusted (clause 8). */
		d->in_frag = 0;
		mk_emit_anomaly(out, "dnp3_transport_sequence");
		return;
	}
	d->next_seq = (uint8_t)((seq + 1) & TR_SEQ);
	room = DNP3_FRAG_KEEP - d->frag_len;
	take = len - 1 < room ? len - 1 : room;
	memcpy(d->frag + d->frag_len, seg + 1, take);
	d->frag_len = (uint16_t)(d->frag_len + take);
	if (th & TR_FIN) {
		d->in_frag = 0;
		dnp3_application(st, d->frag, d->frag_len, dir, out);
	}
}

/* One whole frame whose header CRC is good: check the data blocks, then pass
 * the user data on. */
static void dnp3_frame(struct dnp3_state *st, const uint8_t *f, size_t size, enum mk_dir dir,
                       struct mk_emit *out)
{
	uint8_t len = f[2], ctl = f[3];
	uint16_t src = (uint16_t)(f[6] | (f[7] << 8));
	size_t data = (size_t)len - DNP3_MIN_LEN, off = DNP3_HEADER, used = 0;
	uint8_t seg[DNP3_FRAME_MAX];
	struct dnp3_dir *d = &st->d[dir == MK_DIR_TO_CLIENT ? 1 : 0];

	for (int blk = 0; blk < 16 && used < data; blk++) {
		size_t n = data - used < DNP3_BLOCK ? data - used : DNP3_BLOCK;

		if (off + n + 2 > size || !dnp3_crc_ok(f + off, n)) {
			mk_emit_anomaly(out, "dnp3_bad_crc");
			return;
		}
		memcpy(seg + used, f + off, n);
		used += n;
		off += n + 2;
	}
	if (!d->addr_said) {
		char text[8];
		int n = snprintf(text, sizeof(text), "%u", (unsigned)src);

		d->addr_said = 1;
		if (n > 0 && (size_t)n < sizeof(text))
			mk_emit_attr(out, dnp3_sender(dir), "dnp3_address", text, (size_t)n);
	}
	if ((ctl & LINK_PRM) &&
	    ((ctl & 0x0f) == LINK_FC_CONFIRMED_DATA || (ctl & 0x0f) == LINK_FC_UNCONFIRMED_DATA))
		dnp3_transport(st, seg, used, dir, out);
}

static int dnp3_probe(struct mk_rd *rd, enum mk_dir dir)
{
	const uint8_t *h;
	struct mk_rd t = *rd;
	uint8_t b0 = 0, b1 = 0;

	(void)dir;

	if (!mk_rd_peek_u8(rd, 0, &b0) || b0 != DNP3_START0)
		return MK_PROBE_NO;
	if (!mk_rd_peek_u8(rd, 1, &b1))
		return MK_PROBE_MAYBE;
	if (b1 != DNP3_START1)
		return MK_PROBE_NO;
	if (mk_rd_left(rd) < DNP3_HEADER)
		return MK_PROBE_MAYBE;
	h = mk_rd_ptr(&t, DNP3_HEADER);
	if (h == NULL || h[2] < DNP3_MIN_LEN)
		return MK_PROBE_NO;
	/* The header CRC over eight octets is strong evidence. */
	return dnp3_crc_ok(h, 8) ? MK_PROBE_SURE : MK_PROBE_NO;
}

/* Offset of the next possible frame start ("05 64", or a lone 05 at the end)
 * at or after from; left when none. */
static size_t dnp3_find_start(const uint8_t *p, size_t left, size_t from)
{
	for (size_t i = from; i < left; i++)
		if (p[i] == DNP3_START0 && (i + 1 == left || p[i + 1] == DNP3_START1))
			return i;
	return left;
}

static enum mk_verdict dnp3_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                  struct mk_emit *out)
{
	struct dnp3_state *st = state;
	unsigned di = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	*consumed = 0;
	for (int i = 0; i < DNP3_FRAMES_PER_CALL; i++) {
		size_t left = mk_rd_left(rd), size;
		const uint8_t *p = mk_rd_cur(rd);
		const uint8_t *f;

		if (left == 0)
			return MK_V_OK;
		if (p[0] != DNP3_START0 || (left >= 2 && p[1] != DNP3_START1)) {
			size_t skip = dnp3_find_start(p, left, 1);

			/* Bytes that are no frame: one event per run of them, none
			 * while recovering from a frame already reported bad. */
			if (!st->resyncing[di])
				mk_emit_anomaly(out, "dnp3_bad_start");
			st->resyncing[di] = 1;
			mk_rd_skip(rd, skip);
			*consumed += skip;
			continue;
		}
		if (left < DNP3_HEADER)
			return MK_V_NEED;
		if (!dnp3_crc_ok(p, 8) || p[2] < DNP3_MIN_LEN) {
			/* The length cannot be trusted: look for the next start. */
			mk_emit_anomaly(out,
			                dnp3_crc_ok(p, 8) ? "dnp3_bad_length" : "dnp3_bad_crc");
			st->resyncing[di] = 1;
			mk_rd_skip(rd, 2);
			*consumed += 2;
			continue;
		}
		size = dnp3_frame_size(p[2]);
		if (left < size)
			return MK_V_NEED;
		f = mk_rd_ptr(rd, size);
		*consumed += size;
		st->resyncing[di] = 0;
		dnp3_frame(st, f, size, dir, out);
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_dnp3 = {
    .abi = MK_PROTO_ABI,
    .name = "dnp3",
    .id = MK_PROTO_DNP3,
    .transports = MK_TRANSPORT_TCP | MK_TRANSPORT_UDP,
    .state_size = sizeof(struct dnp3_state),
    .max_buffer = DNP3_FRAME_MAX,
    .probe = dnp3_probe,
    .parse = dnp3_parse,
    .events = dnp3_events,
};

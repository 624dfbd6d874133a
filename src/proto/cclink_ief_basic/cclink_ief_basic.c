/* cclink_ief_basic.c - CC-Link IE Field Network Basic (CCIEFB) cyclic frames on
 * UDP 61450: the master's cyclic request (RY/RWw outputs to a group of slave
 * stations, directed broadcast) and each slave's cyclic response (RX/RWr
 * inputs), counted as "io" writes and reads; the master's run state, the
 * slaves' vendor and model codes.
 *
 * specification: CLPA BAP-C2010ENG-001 (CCIEFB overview) and BAP-C2010ENG-004
 * (protocol) 9.1 as summarised publicly by the CLPA's development guideline
 * BAP-C3003ENG-001 and the rt-labs c-link documentation ("CC-Link IE Field
 * Basic primer", read only): frames are SLMP binary 3E frames, all numbers
 * little-endian except the subheader.
 *  request:  subheader 50 00, network 00, unit FF, I/O 03FF, station 00,
 *            data length (bytes after it), timer 0000, command 0x0E70,
 *            subcommand 0x0000; then the cyclic header: protocol version (2),
 *            reserved (2), cyclic info offset (2), 14 reserved; master station
 *            notification: master local unit info (2: 0 stopped, 1 running,
 *            2 stopped by user), reserved (2), clock (8); cyclic data header:
 *            master IP (4), group (1), ...
 *  response: subheader D0 00, network 00, unit FF, I/O 03FF, station 00,
 *            data length, end code (2); cyclic header: protocol version (2),
 *            end code (2), offset (2), 14 reserved; slave station notification:
 *            vendor code (2), reserved (2), model code (4), equipment version (2), ...
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define CCIEFB_REQ_HDR 15
#define CCIEFB_RSP_HDR 11
#define CCIEFB_DL_END 9 /* bytes up to and including the data length */
#define CCIEFB_CMD_CYCLIC 0x0e70

static const char *const cciefb_events[] = {
    "cclink_ief_basic_bad_frame", /* SLMP header constants or data length wrong */
    "cclink_ief_basic_end_code",  /* a slave answers with a non-zero end code */
    NULL,
};

struct cciefb_state {
	uint8_t master_said, slave_said, end_said;
};

/* The SLMP 3E header constants after the subheader: 00 FF FF 03 00, then the
 * data length, which must cover exactly the rest of the datagram. */
static bool cciefb_header(struct mk_rd *rd, uint16_t sub)
{
	uint16_t s = mk_rd_be16(rd), dl;
	uint8_t net = mk_rd_u8(rd), unit = mk_rd_u8(rd);
	uint16_t io = mk_rd_le16(rd);
	uint8_t st = mk_rd_u8(rd);

	dl = mk_rd_le16(rd);
	return mk_rd_ok(rd) && s == sub && net == 0x00 && unit == 0xff && io == 0x03ff &&
	       st == 0x00 && dl == mk_rd_left(rd);
}

static int cciefb_probe(struct mk_rd *rd, enum mk_dir dir)
{
	struct mk_rd t = *rd;
	uint16_t cmd, subcmd, ver;

	(void)dir;
	if (cciefb_header(&t, 0x5000)) {
		mk_rd_skip(&t, 2); /* timer */
		cmd = mk_rd_le16(&t);
		subcmd = mk_rd_le16(&t);
		ver = mk_rd_le16(&t);
		if (mk_rd_ok(&t) && cmd == CCIEFB_CMD_CYCLIC && subcmd == 0 && ver >= 1 && ver <= 2)
			return MK_PROBE_SURE;
		return MK_PROBE_NO;
	}
	t = *rd;
	if (cciefb_header(&t, 0xd000)) {
		/* A 3E response has no command: its cyclic header (protocol
		 * version 1/2, offset 40) is the evidence. */
		uint16_t end, off;

		mk_rd_skip(&t, 2);
		ver = mk_rd_le16(&t);
		end = mk_rd_le16(&t);
		off = mk_rd_le16(&t);
		(void)end;
		if (mk_rd_ok(&t) && ver >= 1 && ver <= 2 && off == 40)
			return MK_PROBE_SURE;
	}
	return MK_PROBE_NO;
}

static void cciefb_request(struct cciefb_state *st, struct mk_rd *rd, struct mk_emit *out)
{
	uint16_t cmd, subcmd, unit;

	mk_rd_skip(rd, 2); /* timer */
	cmd = mk_rd_le16(rd);
	subcmd = mk_rd_le16(rd);
	if (!mk_rd_ok(rd)) {
		mk_emit_anomaly(out, "cclink_ief_basic_bad_frame");
		return;
	}
	if (cmd != CCIEFB_CMD_CYCLIC || subcmd != 0) {
		mk_emit_operationf(out, MK_OP_OTHER, "cmd=0x%04x", (unsigned)cmd);
		return;
	}
	mk_emit_operation(out, MK_OP_WRITE, "io");
	/* cyclic header (20), then the master station notification */
	mk_rd_skip(rd, 20);
	unit = mk_rd_le16(rd);
	if (!mk_rd_ok(rd) || st->master_said)
		return;
	st->master_said = 1;
	mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_PLC, 80,
	             "CC-Link IE Field Basic master station (sends cyclic requests)");
	{
		const char *s = unit == 1   ? "running"
		                : unit == 2 ? "stopped_by_user"
		                : unit == 0 ? "stopped"
		                            : "unknown";

		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "cclink_master_state", s, strlen(s));
	}
}

static void cciefb_response(struct cciefb_state *st, struct mk_rd *rd, struct mk_emit *out)
{
	uint16_t end, ver, end2, vendor;
	uint32_t model;
	char v[16];
	int n;

	end = mk_rd_le16(rd);
	ver = mk_rd_le16(rd);
	end2 = mk_rd_le16(rd);
	mk_rd_skip(rd, 2 + 14);
	if (!mk_rd_ok(rd)) {
		mk_emit_anomaly(out, "cclink_ief_basic_bad_frame");
		return;
	}
	(void)ver;
	mk_emit_operation(out, MK_OP_READ, "io");
	if ((end != 0 || end2 != 0) && !st->end_said) {
		st->end_said = 1;
		mk_emit_anomaly(out, "cclink_ief_basic_end_code");
	}
	vendor = mk_rd_le16(rd);
	mk_rd_skip(rd, 2);
	model = mk_rd_le32(rd);
	if (!mk_rd_ok(rd) || st->slave_said)
		return;
	st->slave_said = 1;
	n = snprintf(v, sizeof(v), "0x%04x", (unsigned)vendor);
	mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "cclink_vendor_code", v, (size_t)n);
	n = snprintf(v, sizeof(v), "0x%08lx", (unsigned long)model);
	mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "cclink_model_code", v, (size_t)n);
}

static enum mk_verdict cciefb_parse(void *state, struct mk_rd *rd, enum mk_dir dir,
                                    size_t *consumed, struct mk_emit *out)
{
	struct cciefb_state *st = state;
	struct mk_rd t = *rd;

	(void)dir;
	*consumed = 0;
	if (cciefb_header(&t, 0x5000)) {
		cciefb_request(st, &t, out);
		return MK_V_OK;
	}
	t = *rd;
	if (cciefb_header(&t, 0xd000)) {
		cciefb_response(st, &t, out);
		return MK_V_OK;
	}
	mk_emit_anomaly(out, "cclink_ief_basic_bad_frame");
	return MK_V_OK;
}

const struct mk_proto mk_proto_cclink_ief_basic = {
    .abi = MK_PROTO_ABI,
    .name = "cclink_ief_basic",
    .id = MK_PROTO_CCLINK_IEF_BASIC,
    .transports = MK_TRANSPORT_UDP,
    .state_size = sizeof(struct cciefb_state),
    .probe = cciefb_probe,
    .parse = cciefb_parse,
    .events = cciefb_events,
};

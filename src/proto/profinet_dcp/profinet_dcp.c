/* profinet_dcp.c - PROFINET DCP (Discovery and basic Configuration Protocol):
 * station names, type of station, vendor/device ids, device roles and IP suites
 * that devices answer with (Identify/Get responses, Hello), and the requests that
 * discover devices (Identify, Get) or reconfigure them (Set: IP suite, station
 * name, factory reset, signal).
 *
 * specification: IEC 61158-6-10:2014 4.3 (DCP: 4.3.1.3 DCP APDU and block
 * syntax, 4.3.1.4 coding of DCP fields: ServiceID, ServiceType, Xid,
 * DCPDataLength, Option/Suboption, BlockInfo/BlockQualifier, DeviceRoleDetails);
 * FrameID ranges from IEC 61158-6-10 4.2 (0xfefc Hello, 0xfefd Get/Set,
 * 0xfefe Identify request, 0xfeff Identify response).
 *
 * The core hands us the frame's payload after EtherType 0x8892: FrameID first.
 * Other PROFINET RT frames (cyclic data, alarms, PTCP) share the EtherType; they
 * are ignored at once and silently.  Malformed DCP frames return MK_V_OK with an
 * anomaly so the sender's later frames are still read.
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#include "mieruka/pkt.h"

#define DCP_HEADER 10        /* ServiceID .. DCPDataLength, after the FrameID */
#define DCP_MAX_BLOCKS 32    /* a full Identify response has about 10 */
#define DCP_TEXT_MAX 240     /* NameOfStation: at most 240 octets */

#define DCP_FRAME_HELLO 0xfefc
#define DCP_FRAME_GETSET 0xfefd
#define DCP_FRAME_IDENT_REQ 0xfefe
#define DCP_FRAME_IDENT_RSP 0xfeff

#define DCP_SVC_GET 3
#define DCP_SVC_SET 4
#define DCP_SVC_IDENTIFY 5
#define DCP_SVC_HELLO 6

/* ServiceType: bit 0 = response (1 success, 5 "request not supported"). */
#define DCP_TYPE_RESPONSE 0x01

/* Options and suboptions. */
#define DCP_OPT_IP 0x01
#define DCP_IP_MAC 0x01
#define DCP_IP_PARAM 0x02
#define DCP_IP_FULL 0x03
#define DCP_OPT_DEVICE 0x02
#define DCP_DEV_VENDOR 0x01
#define DCP_DEV_NAME 0x02
#define DCP_DEV_ID 0x03
#define DCP_DEV_ROLE 0x04
#define DCP_DEV_ALIAS 0x06
#define DCP_OPT_DHCP 0x03
#define DCP_OPT_CONTROL 0x05
#define DCP_CTL_SIGNAL 0x03
#define DCP_CTL_FACTORY_RESET 0x05
#define DCP_CTL_RESET_TO_FACTORY 0x06
#define DCP_OPT_ALL 0xff

/* DeviceRoleDetails bits. */
#define DCP_ROLE_DEVICE 0x01
#define DCP_ROLE_CONTROLLER 0x02
#define DCP_ROLE_MULTIDEVICE 0x04
#define DCP_ROLE_SUPERVISOR 0x08

static const char *const dcp_events[] = {
	"profinet_dcp_truncated",     /* the header or a block runs past the frame */
	"profinet_dcp_bad_service",   /* a ServiceID/ServiceType that does not fit the FrameID */
	"profinet_dcp_too_many_blocks",
	"profinet_dcp_set",           /* a Set request changes a station's IP suite or name */
	"profinet_dcp_factory_reset", /* a Set request resets a station to factory settings */
	NULL,
};

/* What the blocks of one frame said. */
struct dcp_seen {
	bool set_ip, set_name, reset, signal, other;
	char vendor_text[DCP_TEXT_MAX + 1];
	char model[40];
};

static size_t dcp_text_len(const uint8_t *p, size_t n)
{
	const uint8_t *nul = memchr(p, 0, n);

	if (nul != NULL)
		n = (size_t)(nul - p);
	while (n > 0 && p[n - 1] == ' ')
		n--;
	return n > DCP_TEXT_MAX ? DCP_TEXT_MAX : n;
}

static void dcp_role(struct mk_emit *out, uint8_t details)
{
	static const char *const names[] = {"IO-Device", "IO-Controller", "IO-Multidevice", "PN-Supervisor"};
	char text[64];
	size_t len = 0;

	for (unsigned i = 0; i < 4; i++) {
		int n;

		if (!(details & (1u << i)))
			continue;
		n = snprintf(text + len, sizeof(text) - len, "%s%s", len > 0 ? "," : "", names[i]);
		if (n > 0 && (size_t)n < sizeof(text) - len)
			len += (size_t)n;
	}
	if (len > 0)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "profinet_device_role", text, len);
	/* An IO-Controller is the PLC of the cell; a supervisor is an engineering or
	 * commissioning station.  IO-Device alone proves nothing (switches, drives,
	 * remote I/O all are IO-Devices), so it gives no role. */
	if (details & DCP_ROLE_CONTROLLER)
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_PLC, 80, "PROFINET IO-Controller (DCP)");
	if (details & DCP_ROLE_SUPERVISOR)
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_ENGINEERING_WORKSTATION, 60,
		             "PROFINET IO-Supervisor (DCP)");
}

static void dcp_binding(struct mk_emit *out, const uint8_t *ip4)
{
	struct mk_addr ip;

	mk_addr_set_ip4(&ip, ip4);
	if (mk_addr_is_special(&ip) || out->pkt == NULL || !out->pkt->has_mac)
		return;
	mk_emit_binding(out, out->pkt->src_mac, &ip);
}

/* A block of a response or Hello: BlockInfo(2) then the value.  These describe
 * the sender. */
static void dcp_info_block(struct mk_emit *out, uint8_t opt, uint8_t sub, struct mk_rd *blk,
                           struct dcp_seen *seen)
{
	size_t n;
	const uint8_t *p;

	if (opt == DCP_OPT_CONTROL)
		return; /* Control/Response: the result of a Set, nothing about the station */
	mk_rd_skip(blk, 2); /* BlockInfo */
	n = mk_rd_left(blk);
	p = mk_rd_ptr(blk, n);
	if (p == NULL)
		return;
	if (opt == DCP_OPT_IP && (sub == DCP_IP_PARAM || sub == DCP_IP_FULL) && n >= 12) {
		char text[64];
		int len = snprintf(text, sizeof(text), "%u.%u.%u.%u/%u.%u.%u.%u gw %u.%u.%u.%u", p[0], p[1],
		                   p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11]);

		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "profinet_ip_suite", text, (size_t)len);
		dcp_binding(out, p);
	} else if (opt == DCP_OPT_DEVICE && sub == DCP_DEV_NAME) {
		size_t len = dcp_text_len(p, n);

		if (len > 0)
			mk_emit_name(out, mk_host_rel(MK_HOST_SENDER), (const char *)p, len);
	} else if (opt == DCP_OPT_DEVICE && sub == DCP_DEV_ALIAS) {
		size_t len = dcp_text_len(p, n);

		if (len > 0)
			mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "profinet_alias_name", (const char *)p, len);
	} else if (opt == DCP_OPT_DEVICE && sub == DCP_DEV_VENDOR) {
		size_t len = dcp_text_len(p, n);

		if (len > 0) {
			memcpy(seen->vendor_text, p, len);
			seen->vendor_text[len] = '\0';
			mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "profinet_type_of_station", (const char *)p,
			             len);
		}
	} else if (opt == DCP_OPT_DEVICE && sub == DCP_DEV_ID && n >= 4) {
		int len = snprintf(seen->model, sizeof(seen->model), "vendor 0x%02x%02x device 0x%02x%02x", p[0],
		                   p[1], p[2], p[3]);

		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "profinet_device_id", seen->model, (size_t)len);
	} else if (opt == DCP_OPT_DEVICE && sub == DCP_DEV_ROLE && n >= 1) {
		dcp_role(out, p[0]);
	}
}

/* A block of a Set request: BlockQualifier(2) then the new value, for the receiver. */
static void dcp_set_block(uint8_t opt, uint8_t sub, struct dcp_seen *seen)
{
	if (opt == DCP_OPT_IP && (sub == DCP_IP_PARAM || sub == DCP_IP_FULL))
		seen->set_ip = true;
	else if (opt == DCP_OPT_DEVICE && sub == DCP_DEV_NAME)
		seen->set_name = true;
	else if (opt == DCP_OPT_CONTROL && (sub == DCP_CTL_FACTORY_RESET || sub == DCP_CTL_RESET_TO_FACTORY))
		seen->reset = true;
	else if (opt == DCP_OPT_CONTROL && sub == DCP_CTL_SIGNAL)
		seen->signal = true;
	else if (opt != DCP_OPT_CONTROL) /* start/end transaction alone change nothing */
		seen->other = true;
}

/* The block list: Option(1) Suboption(1) DCPBlockLength(2) value, padded to even.
 * Get requests list bare Option/Suboption pairs. */
static void dcp_blocks(struct mk_emit *out, struct mk_rd *rd, uint8_t svc, bool response,
                       struct dcp_seen *seen)
{
	if (svc == DCP_SVC_GET && !response)
		return; /* a list of what is asked for: nothing about anyone */
	for (unsigned count = 0; mk_rd_left(rd) > 0; count++) {
		uint8_t opt, sub;
		uint16_t len;
		struct mk_rd blk;

		if (count >= DCP_MAX_BLOCKS) {
			mk_emit_anomaly(out, "profinet_dcp_too_many_blocks");
			return;
		}
		opt = mk_rd_u8(rd);
		sub = mk_rd_u8(rd);
		len = mk_rd_be16(rd);
		if (!mk_rd_ok(rd) || !mk_rd_sub(rd, len, &blk)) {
			mk_emit_anomaly(out, "profinet_dcp_truncated");
			return;
		}
		if ((len & 1) && mk_rd_left(rd) > 0)
			mk_rd_skip(rd, 1); /* padding to an even length */
		if (response || svc == DCP_SVC_HELLO)
			dcp_info_block(out, opt, sub, &blk, seen);
		else if (svc == DCP_SVC_SET)
			dcp_set_block(opt, sub, seen);
		/* Identify request blocks are filters (a name looked for): nothing to say. */
	}
}

static void dcp_set_request(struct mk_emit *out, const struct dcp_seen *seen)
{
	const char *detail = "dcp_set";

	if (seen->reset)
		detail = "dcp_factory_reset";
	else if (seen->set_ip)
		detail = "dcp_set_ip";
	else if (seen->set_name)
		detail = "dcp_set_name";
	else if (seen->signal)
		detail = "dcp_signal";
	mk_emit_operation(out, MK_OP_CONTROL, detail);
	if (seen->reset)
		mk_emit_anomaly(out, "profinet_dcp_factory_reset");
	if (seen->set_ip || seen->set_name)
		mk_emit_anomaly(out, "profinet_dcp_set");
}

static bool dcp_service_fits(uint16_t frame_id, uint8_t svc)
{
	switch (frame_id) {
	case DCP_FRAME_HELLO:
		return svc == DCP_SVC_HELLO;
	case DCP_FRAME_GETSET:
		return svc == DCP_SVC_GET || svc == DCP_SVC_SET;
	default:
		return svc == DCP_SVC_IDENTIFY;
	}
}

static enum mk_verdict dcp_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	uint16_t frame_id, dlen;
	uint8_t svc, type;
	bool response;
	struct mk_rd data;
	struct dcp_seen seen;

	(void)state;
	(void)dir;
	*consumed = 0;
	frame_id = mk_rd_be16(rd);
	if (!mk_rd_ok(rd) || frame_id < DCP_FRAME_HELLO || frame_id > DCP_FRAME_IDENT_RSP)
		return MK_V_OK; /* cyclic data, alarms, PTCP ...: not DCP */
	svc = mk_rd_u8(rd);
	type = mk_rd_u8(rd);
	mk_rd_skip(rd, 4 + 2); /* Xid, ResponseDelay (requests) / reserved */
	dlen = mk_rd_be16(rd);
	if (!mk_rd_ok(rd)) {
		mk_emit_anomaly(out, "profinet_dcp_truncated");
		return MK_V_OK;
	}
	response = (type & DCP_TYPE_RESPONSE) != 0;
	if (!dcp_service_fits(frame_id, svc) || (frame_id == DCP_FRAME_IDENT_REQ && response) ||
	    (frame_id == DCP_FRAME_IDENT_RSP && !response)) {
		mk_emit_anomaly(out, "profinet_dcp_bad_service");
		return MK_V_OK;
	}
	/* Ethernet pads short frames: DCPDataLength, not the frame, ends the blocks. */
	if (!mk_rd_sub(rd, dlen, &data)) {
		mk_emit_anomaly(out, "profinet_dcp_truncated");
		return MK_V_OK;
	}
	memset(&seen, 0, sizeof(seen));
	if (!response) {
		switch (svc) {
		case DCP_SVC_IDENTIFY:
			mk_emit_operation(out, MK_OP_DIAGNOSTIC, "dcp_identify");
			break;
		case DCP_SVC_GET:
			mk_emit_operation(out, MK_OP_READ, "dcp_get");
			break;
		case DCP_SVC_HELLO:
			mk_emit_operation(out, MK_OP_OTHER, "dcp_hello");
			break;
		default:
			break;
		}
	}
	dcp_blocks(out, &data, svc, response, &seen);
	if (svc == DCP_SVC_SET && !response)
		dcp_set_request(out, &seen);
	if (seen.vendor_text[0] != '\0' || seen.model[0] != '\0') {
		struct mk_identity id = {0};

		id.product = seen.vendor_text[0] != '\0' ? seen.vendor_text : NULL;
		id.model = seen.model[0] != '\0' ? seen.model : NULL;
		mk_emit_identity(out, mk_host_rel(MK_HOST_SENDER), &id);
	}
	return MK_V_OK;
}

static const struct mk_l2_match dcp_l2[] = {
	{.ethertype = 0x8892},
	{0},
};

/* EtherType 0x8892 also carries cyclic real-time data, alarms and PTCP: only
 * the DCP frame ids are ours, so the rest of that traffic stays unlabelled. */
static int dcp_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint16_t frame_id;

	(void)dir;
	if (!mk_rd_peek_be16(rd, 0, &frame_id))
		return MK_PROBE_NO;
	return frame_id >= DCP_FRAME_HELLO && frame_id <= DCP_FRAME_IDENT_RSP ? MK_PROBE_SURE
	                                                                      : MK_PROBE_NO;
}

const struct mk_proto mk_proto_profinet_dcp = {
	.abi = MK_PROTO_ABI,
	.name = "profinet_dcp",
	.id = MK_PROTO_PROFINET_DCP,
	.transports = MK_TRANSPORT_L2,
	.l2 = dcp_l2,
	.state_size = 0,
	.max_buffer = 0,
	.probe = dcp_probe,
	.parse = dcp_parse,
	.events = dcp_events,
};

/* ads.c - Beckhoff ADS (Automation Device Specification) over AMS/TCP
 * (TCP 48898): AMS NetIds of both ends, every ADS request classified, the
 * device name and version from ReadDeviceInfo answers, ADS state changes.
 *
 * specification: Beckhoff Information System, "TwinCAT ADS" / "ADS-Specification":
 * AMS/TCP packet (2 reserved bytes, 4-byte little-endian length of the AMS
 * packet), AMS header (32 bytes: target NetId 6, target port 2, source NetId 6,
 * source port 2, command id 2, state flags 2 (0x0004 ADS command, bit 0 =
 * response), data length 4, error code 4, invoke id 4; all little-endian),
 * ADS commands 1 ReadDeviceInfo, 2 Read, 3 Write, 4 ReadState, 5 WriteControl,
 * 6 AddDeviceNotification, 7 DeleteDeviceNotification, 8 DeviceNotification,
 * 9 ReadWrite; ReadDeviceInfo response (result 4, major 1, minor 1, build 2,
 * device name 16); WriteControl request (ADS state 2, device state 2, length 4,
 * data); ADSSTATE values 0..19 (ADSSTATE_INVALID .. ADSSTATE_EXCEPTION).
 * AMS/TCP reserved values other than 0 (0x1000 port connect, 0x1001 router
 * notification, ...) are router-internal and only framed here.
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define ADS_TCP_HDR 6
#define ADS_AMS_HDR 32
#define ADS_MAX 65536 /* larger AMS packets are skipped */
#define ADS_PDUS_PER_CALL 64
#define ADS_FLAG_CMD 0x0004
#define ADS_FLAG_RESPONSE 0x0001
#define ADS_NAME_LEN 16

enum ads_bad {
	BAD_HEADER = 1u << 0,
	BAD_ERROR = 1u << 1,
};

static const char *const ads_events[] = {
    "ads_bad_header",     /* AMS/TCP or AMS header lengths inconsistent */
    "ads_error_response", /* an answer with a non-zero AMS error code */
    "ads_state_change",   /* WriteControl: a request to change the ADS state (RUN/STOP/CONFIG...) */
    NULL,
};

struct ads_state {
	uint32_t skip[2];
	uint8_t said;
	uint8_t netid_said, plc_said;
};

static const char *const ads_states[20] = {
    "invalid", "idle",    "reset",        "init",      "start",        "run",       "stop",
    "savecfg", "loadcfg", "powerfailure", "powergood", "error",        "shutdown",  "suspend",
    "resume",  "config",  "reconfig",     "stopping",  "incompatible", "exception",
};

static void ads_bad(struct ads_state *st, struct mk_emit *out, unsigned bit)
{
	if (st->said & bit)
		return;
	st->said |= (uint8_t)bit;
	mk_emit_anomaly(out, bit == BAD_HEADER ? ads_events[0] : ads_events[1]);
}

static void ads_netid_text(const uint8_t *id, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u.%u.%u", id[0], id[1], id[2], id[3], id[4], id[5]);
}

struct ams {
	uint8_t target[6], source[6];
	uint16_t tport, sport, cmd, flags;
	uint32_t dlen, err;
};

static bool ams_header(struct mk_rd *r, struct ams *h)
{
	mk_rd_copy(r, h->target, 6);
	h->tport = mk_rd_le16(r);
	mk_rd_copy(r, h->source, 6);
	h->sport = mk_rd_le16(r);
	h->cmd = mk_rd_le16(r);
	h->flags = mk_rd_le16(r);
	h->dlen = mk_rd_le32(r);
	h->err = mk_rd_le32(r);
	mk_rd_skip(r, 4); /* invoke id */
	return mk_rd_ok(r);
}

static void ads_device_info(struct mk_rd *d, struct mk_emit *out)
{
	uint32_t result = mk_rd_le32(d);
	uint8_t major = mk_rd_u8(d), minor = mk_rd_u8(d);
	uint16_t build = mk_rd_le16(d);
	const uint8_t *name = mk_rd_ptr(d, ADS_NAME_LEN);
	char product[ADS_NAME_LEN + 1], fw[24];
	size_t n = 0;

	if (name == NULL || result != 0)
		return;
	while (n < ADS_NAME_LEN && name[n] != 0) {
		product[n] = name[n] >= 0x20 && name[n] < 0x7f ? (char)name[n] : '?';
		n++;
	}
	product[n] = '\0';
	snprintf(fw, sizeof(fw), "%u.%u.%u", major, minor, build);
	{
		struct mk_identity id = {
		    .vendor = "Beckhoff", .product = n > 0 ? product : NULL, .firmware = fw};

		mk_emit_identity(out, mk_host_rel(MK_HOST_SENDER), &id);
	}
}

static void ads_request(const struct ams *h, struct mk_rd *d, struct mk_emit *out)
{
	char detail[40];
	uint16_t state;

	switch (h->cmd) {
	case 1: mk_emit_operation(out, MK_OP_DIAGNOSTIC, "ReadDeviceInfo"); break;
	case 2: mk_emit_operation(out, MK_OP_READ, "Read"); break;
	case 3: mk_emit_operation(out, MK_OP_WRITE, "Write"); break;
	case 4: mk_emit_operation(out, MK_OP_DIAGNOSTIC, "ReadState"); break;
	case 5:
		state = mk_rd_le16(d);
		if (mk_rd_ok(d))
			snprintf(detail, sizeof(detail), "WriteControl state=%s",
			         state < 20 ? ads_states[state] : "unknown");
		else
			snprintf(detail, sizeof(detail), "WriteControl");
		mk_emit_operation(out, MK_OP_CONTROL, detail);
		mk_emit_anomaly(out, "ads_state_change");
		break;
	case 6: mk_emit_operation(out, MK_OP_READ, "AddDeviceNotification"); break;
	case 7: mk_emit_operation(out, MK_OP_READ, "DeleteDeviceNotification"); break;
	case 8: break; /* DeviceNotification: the device's push of subscribed data */
	case 9: mk_emit_operation(out, MK_OP_WRITE, "ReadWrite"); break;
	default:
		mk_emit_operationf(out, MK_OP_OTHER, "cmd=%u", (unsigned)h->cmd);
		break;
	}
}

/* One AMS packet (after the AMS/TCP header). */
static void ads_packet(struct ads_state *st, struct mk_rd *p, struct mk_emit *out)
{
	struct ams h;
	struct mk_rd d;

	if (!ams_header(p, &h) || h.dlen != mk_rd_left(p)) {
		ads_bad(st, out, BAD_HEADER);
		return;
	}
	mk_rd_sub(p, h.dlen, &d);
	if (!st->netid_said) {
		char a[32], b[32];

		st->netid_said = 1;
		ads_netid_text(h.source, a, sizeof(a));
		ads_netid_text(h.target, b, sizeof(b));
		/* The source of a request is the client. */
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "ads_netid", a, strlen(a));
		mk_emit_attr(out, mk_host_rel(MK_HOST_RECEIVER), "ads_netid", b, strlen(b));
	}
	if (!(h.flags & ADS_FLAG_RESPONSE)) {
		ads_request(&h, &d, out);
		return;
	}
	if (h.err != 0)
		ads_bad(st, out, BAD_ERROR);
	/* AMS ports 800-899 are the PLC runtime systems (TwinCAT 2: 801..; TwinCAT 3: 851..). */
	if (!st->plc_said && h.sport >= 800 && h.sport < 900) {
		st->plc_said = 1;
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_PLC, 70,
		             "Answers ADS from a TwinCAT PLC runtime port");
	}
	if (h.cmd == 1 && h.err == 0)
		ads_device_info(&d, out);
}

/* Size of the AMS/TCP packet at rd: 0 need more, (size_t)-1 not ADS. */
static size_t ads_size(const struct mk_rd *rd, uint16_t *reserved)
{
	uint8_t b[6];

	for (size_t i = 0; i < 6; i++)
		if (!mk_rd_peek_u8(rd, i, &b[i]))
			return 0;
	*reserved = (uint16_t)(b[0] | (b[1] << 8));
	{
		uint32_t len =
		    b[2] | ((uint32_t)b[3] << 8) | ((uint32_t)b[4] << 16) | ((uint32_t)b[5] << 24);

		if (len > 0x7fffffffu - ADS_TCP_HDR)
			return (size_t)-1;
		if (*reserved == 0 && len < ADS_AMS_HDR)
			return (size_t)-1;
		return ADS_TCP_HDR + (size_t)len;
	}
}

static int ads_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint16_t res = 1;
	size_t n = ads_size(rd, &res);
	struct mk_rd t = *rd;
	struct ams h;

	(void)dir;
	if (n == 0 || n == (size_t)-1 || res != 0 || n > ADS_MAX)
		return MK_PROBE_NO;
	mk_rd_skip(&t, ADS_TCP_HDR);
	if (!ams_header(&t, &h))
		return MK_PROBE_NO;
	if (h.cmd < 1 || h.cmd > 9 || !(h.flags & ADS_FLAG_CMD) || (h.flags & ~0x00ffu) != 0 ||
	    h.dlen != n - ADS_TCP_HDR - ADS_AMS_HDR)
		return MK_PROBE_NO;
	return n <= mk_rd_left(rd) ? MK_PROBE_SURE : MK_PROBE_MAYBE;
}

static enum mk_verdict ads_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	struct ads_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	size_t done = 0;

	*consumed = 0;
	for (int i = 0; i < ADS_PDUS_PER_CALL && mk_rd_left(rd) > 0; i++) {
		uint16_t res = 0;
		size_t n;
		struct mk_rd p;

		if (st->skip[d] > 0) {
			size_t k = mk_rd_left(rd) < st->skip[d] ? mk_rd_left(rd) : st->skip[d];

			mk_rd_skip(rd, k);
			st->skip[d] -= (uint32_t)k;
			done += k;
			continue;
		}
		n = ads_size(rd, &res);
		if (n == 0) {
			*consumed = done;
			return MK_V_NEED;
		}
		if (n == (size_t)-1) {
			ads_bad(st, out, BAD_HEADER);
			*consumed = done + mk_rd_left(rd);
			return MK_V_INVALID;
		}
		if (n > ADS_MAX) {
			size_t k = mk_rd_left(rd) < n ? mk_rd_left(rd) : n;

			/* Say what the head says, then skip the body. */
			if (res == 0 && mk_rd_has(rd, ADS_TCP_HDR + ADS_AMS_HDR)) {
				struct mk_rd t = *rd, hd;
				struct ams h;

				mk_rd_skip(&t, ADS_TCP_HDR);
				mk_rd_sub(&t, ADS_AMS_HDR, &hd);
				if (ams_header(&hd, &h) && !(h.flags & ADS_FLAG_RESPONSE)) {
					struct mk_rd none;

					mk_rd_init(&none, NULL, 0);
					ads_request(&h, &none, out);
				}
			} else if (res == 0) {
				*consumed = done;
				return MK_V_NEED;
			}
			mk_rd_skip(rd, k);
			st->skip[d] = (uint32_t)(n - k);
			done += k;
			continue;
		}
		if (!mk_rd_has(rd, n)) {
			*consumed = done;
			return MK_V_NEED;
		}
		mk_rd_skip(rd, ADS_TCP_HDR);
		mk_rd_sub(rd, n - ADS_TCP_HDR, &p);
		done += n;
		if (res == 0)
			ads_packet(st, &p, out);
	}
	*consumed = done;
	return MK_V_OK;
}

static enum mk_verdict ads_gap(void *state, enum mk_dir dir)
{
	(void)state, (void)dir;
	return MK_V_INVALID; /* AMS/TCP has no marker to resynchronise on */
}

const struct mk_proto mk_proto_ads = {
    .abi = MK_PROTO_ABI,
    .name = "ads",
    .id = MK_PROTO_ADS,
    .transports = MK_TRANSPORT_TCP,
    .state_size = sizeof(struct ads_state),
    .max_buffer = ADS_MAX,
    .probe = ads_probe,
    .parse = ads_parse,
    .gap = ads_gap,
    .events = ads_events,
};

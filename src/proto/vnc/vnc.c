/* vnc.c - VNC (RFB) identification: the version strings both sides send and
 * the security types the server offers, flagging a server that needs none.
 * specification: RFC 6143 sections 7.1.1 (ProtocolVersion) and 7.1.2
 * (Security Handshake, including the 3.3 form of section A.1)
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define RFB_VERSION_LEN 12   /* "RFB xxx.yyy\n" */
#define RFB_REASON_MAX 1024  /* cap on a failure reason we wait for */

/* RFC 6143 7.1.2 and the IANA "RFB Security Types" registry. */
#define RFB_SEC_INVALID 0
#define RFB_SEC_NONE 1

enum vnc_stage {
	VNC_VERSION,  /* waiting for this side's ProtocolVersion */
	VNC_SECURITY, /* server: waiting for the security types */
	VNC_DONE,
};

struct vnc_state {
	uint8_t stage[2];
	uint8_t client_minor_33; /* client asked for 3.3: server answers in the old form */
	uint8_t client_seen;
};

static const char *const vnc_events[] = {
	"vnc_bad_version",
	"vnc_no_authentication",
	"vnc_security_failure",
	NULL,
};

static bool rfb_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* "RFB " three digits "." three digits LF */
static bool rfb_version_ok(const uint8_t *p)
{
	if (memcmp(p, "RFB ", 4) != 0 || p[7] != '.' || p[11] != '\n')
		return false;
	for (int i = 4; i < 11; i++)
		if (i != 7 && !rfb_is_digit(p[i]))
			return false;
	return true;
}

static int vnc_probe(struct mk_rd *rd, enum mk_dir dir)
{
	static const char magic[] = "RFB ";
	size_t n = mk_rd_left(rd);
	const uint8_t *p = mk_rd_cur(rd);

	(void)dir;
	if (n == 0)
		return MK_PROBE_NO;
	if (n < RFB_VERSION_LEN) {
		size_t k = n < 4 ? n : 4;

		return memcmp(p, magic, k) == 0 ? MK_PROBE_MAYBE : MK_PROBE_NO;
	}
	return rfb_version_ok(p) ? MK_PROBE_SURE : MK_PROBE_NO;
}

/* The server's security message; returns NEED until it is whole. */
static enum mk_verdict vnc_security(struct vnc_state *st, struct mk_rd *rd, size_t *consumed,
                                    struct mk_emit *out)
{
	char list[4 * 255 + 1];
	size_t used = 0;
	bool none = false;
	uint8_t count;

	if (st->client_minor_33) {
		/* 3.3: the server decides; a u32 type. */
		uint32_t type;

		if (!mk_rd_has(rd, 4))
			return MK_V_NEED;
		type = mk_rd_be32(rd);
		if (type == RFB_SEC_INVALID)
			mk_emit_anomaly(out, "vnc_security_failure");
		used = (size_t)snprintf(list, sizeof(list), "%u", (unsigned)type);
		none = type == RFB_SEC_NONE;
		*consumed = 4;
	} else {
		const uint8_t *types;

		if (!mk_rd_peek_u8(rd, 0, &count))
			return MK_V_NEED;
		if (count == 0) {
			/* Failure: a u32 reason length and the reason. */
			uint32_t rl = 0;

			if (!mk_rd_peek_be32(rd, 1, &rl))
				return MK_V_NEED;
			if (rl <= RFB_REASON_MAX && !mk_rd_has(rd, 5 + (size_t)rl))
				return MK_V_NEED;
			mk_emit_anomaly(out, "vnc_security_failure");
			*consumed = 0;
			return MK_V_OK;
		}
		if (!mk_rd_has(rd, 1 + (size_t)count))
			return MK_V_NEED;
		mk_rd_skip(rd, 1);
		types = mk_rd_ptr(rd, count);
		for (unsigned i = 0; types != NULL && i < count; i++) {
			int n = snprintf(list + used, sizeof(list) - used, "%s%u", i > 0 ? "," : "", types[i]);

			if (n > 0 && (size_t)n < sizeof(list) - used)
				used += (size_t)n;
			none = none || types[i] == RFB_SEC_NONE;
		}
		*consumed = 1 + (size_t)count;
	}
	mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "vnc_security_types", list, used);
	if (none)
		mk_emit_anomaly(out, "vnc_no_authentication");
	return MK_V_OK;
}

static enum mk_verdict vnc_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	struct vnc_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	const uint8_t *p;

	*consumed = 0;
	if (st->stage[d] == VNC_VERSION) {
		if (!mk_rd_has(rd, RFB_VERSION_LEN))
			return MK_V_NEED;
		p = mk_rd_ptr(rd, RFB_VERSION_LEN);
		if (!rfb_version_ok(p)) {
			mk_emit_anomaly(out, "vnc_bad_version");
			st->stage[d] = VNC_DONE;
			*consumed = mk_rd_left(rd) + RFB_VERSION_LEN;
			return MK_V_OK;
		}
		/* Without the newline. */
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "vnc_version", (const char *)p, RFB_VERSION_LEN - 1);
		if (d == 0) {
			st->client_seen = 1;
			st->client_minor_33 = memcmp(p + 4, "003.003", 7) == 0;
			st->stage[d] = VNC_DONE;
		} else {
			st->stage[d] = VNC_SECURITY;
		}
		*consumed = RFB_VERSION_LEN;
		return MK_V_OK;
	}
	if (st->stage[d] == VNC_SECURITY && st->client_seen) {
		struct mk_rd r = *rd;
		enum mk_verdict v = vnc_security(st, &r, consumed, out);

		if (v == MK_V_NEED && mk_rd_left(rd) < RFB_REASON_MAX + 5) {
			*consumed = 0;
			return v;
		}
		st->stage[d] = VNC_DONE;
	} else if (st->stage[d] == VNC_SECURITY) {
		/* Bytes from the server before the client's version: not RFB order. */
		st->stage[d] = VNC_DONE;
	}
	/* Identified: the rest (authentication, framebuffer updates) is skipped. */
	*consumed = mk_rd_left(rd);
	return MK_V_OK;
}

const struct mk_proto mk_proto_vnc = {
	.abi = MK_PROTO_ABI,
	.name = "vnc",
	.id = MK_PROTO_VNC,
	.transports = MK_TRANSPORT_TCP,
	.state_size = sizeof(struct vnc_state),
	.max_buffer = RFB_REASON_MAX + 16,
	.probe = vnc_probe,
	.parse = vnc_parse,
	.events = vnc_events,
};

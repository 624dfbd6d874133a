/* ntp.c - NTP identification: version, mode and stratum of each side, and the
 * mode 6/7 control queries that map a server or abuse it for amplification.
 * specification: RFC 5905 section 7.3 (Packet Header Format); mode 6 control
 * messages RFC 1305 appendix B; mode 7 is ntpd's private format (ntp_request.h)
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define NTP_HEADER_LEN 48 /* RFC 5905 figure 8, without extensions or MAC */
#define NTP_CTRL_HEADER_LEN 12
#define NTP_PRIV_HEADER_LEN 8

/* ntpd ntp_request.h: REQ_MON_GETLIST and REQ_MON_GETLIST_1, the "monlist"
 * of the CVE-2013-5211 reflection attacks. */
#define NTP_REQ_MON_GETLIST 20
#define NTP_REQ_MON_GETLIST_1 42

struct ntp_state {
	uint8_t described[2]; /* mode/stratum emitted for the sender in this direction */
	uint8_t control_seen;
	uint8_t monlist_seen;
	uint8_t short_seen;
};

static const char *const ntp_events[] = {
	"ntp_control_query",
	"ntp_monlist_query",
	"ntp_short_packet",
	"ntp_bad_mode",
	NULL,
};

static const char *const ntp_mode_names[8] = {
	"reserved", "symmetric_active", "symmetric_passive", "client",
	"server", "broadcast", "control", "private",
};

static int ntp_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t b0 = 0, stratum = 0, b1 = 0;
	size_t len = mk_rd_left(rd);
	unsigned vn, mode;

	(void)dir;
	if (!mk_rd_peek_u8(rd, 0, &b0))
		return MK_PROBE_NO;
	vn = (b0 >> 3) & 7u;
	mode = b0 & 7u;
	if (vn < 1 || vn > 4)
		return MK_PROBE_NO;
	if (mode >= 1 && mode <= 5) {
		if (len < NTP_HEADER_LEN || !mk_rd_peek_u8(rd, 1, &stratum) || stratum > 16)
			return MK_PROBE_NO;
		/* Extension fields and MACs are whole 32-bit words. */
		if ((len - NTP_HEADER_LEN) % 4 != 0)
			return MK_PROBE_NO;
		return vn >= 3 ? MK_PROBE_SURE : MK_PROBE_MAYBE;
	}
	if (mode == 6) {
		uint16_t count = 0;

		if (len < NTP_CTRL_HEADER_LEN || !mk_rd_peek_be16(rd, 10, &count))
			return MK_PROBE_NO;
		return count <= len - NTP_CTRL_HEADER_LEN ? MK_PROBE_SURE : MK_PROBE_NO;
	}
	if (mode == 7) {
		/* Implementation 0 (universal), 2 (XNTPD_OLD) or 3 (XNTPD). */
		if (len < NTP_PRIV_HEADER_LEN || !mk_rd_peek_u8(rd, 2, &b1) || (b1 != 0 && b1 != 2 && b1 != 3))
			return MK_PROBE_NO;
		return MK_PROBE_MAYBE;
	}
	return MK_PROBE_NO;
}

static void ntp_describe(struct ntp_state *st, unsigned d, struct mk_emit *out, unsigned vn, unsigned mode,
                         const uint8_t *stratum_refid)
{
	char num[8];
	int n;

	if (st->described[d])
		return;
	st->described[d] = 1;
	mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "ntp_mode", ntp_mode_names[mode],
	             strlen(ntp_mode_names[mode]));
	n = snprintf(num, sizeof(num), "%u", vn);
	mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "ntp_version", num, (size_t)n);
	/* A client's stratum field is meaningless (usually 0); a server's or
	 * peer's says how far it is from a reference clock.  Stratum 0 from a
	 * server is a kiss-o'-death, 16 means unsynchronised. */
	if (stratum_refid != NULL && mode != 3 && stratum_refid[0] >= 1 && stratum_refid[0] <= 16) {
		n = snprintf(num, sizeof(num), "%u", stratum_refid[0]);
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "ntp_stratum", num, (size_t)n);
		if (stratum_refid[0] == 1) {
			/* A primary server's refid names its clock ("GPS", "PPS"). */
			size_t rl = 0;

			while (rl < 4 && stratum_refid[1 + rl] >= 0x21 && stratum_refid[1 + rl] <= 0x7e)
				rl++;
			if (rl > 0 && (rl == 4 || stratum_refid[1 + rl] == 0))
				mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "ntp_refid",
				             (const char *)stratum_refid + 1, rl);
		}
	}
}

static enum mk_verdict ntp_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	struct ntp_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	size_t len = mk_rd_left(rd);
	uint8_t b0 = 0, b1 = 0, b3 = 0;
	unsigned vn, mode;

	*consumed = len;
	if (!mk_rd_peek_u8(rd, 0, &b0))
		return MK_V_OK;
	vn = (b0 >> 3) & 7u;
	mode = b0 & 7u;
	if (mode == 0) {
		mk_emit_anomaly(out, "ntp_bad_mode");
		return MK_V_OK;
	}
	if ((mode <= 5 && len < NTP_HEADER_LEN) || (mode == 6 && len < NTP_CTRL_HEADER_LEN) ||
	    (mode == 7 && len < NTP_PRIV_HEADER_LEN)) {
		if (!st->short_seen)
			mk_emit_anomaly(out, "ntp_short_packet");
		st->short_seen = 1;
		return MK_V_OK;
	}
	if (mode <= 5) {
		uint8_t sr[5];
		struct mk_rd r = *rd;

		mk_rd_skip(&r, 1);
		sr[0] = mk_rd_u8(&r);       /* stratum */
		mk_rd_skip(&r, 1 + 1 + 4 + 4); /* poll, precision, root delay, root dispersion */
		mk_rd_copy(&r, sr + 1, 4);  /* reference id */
		ntp_describe(st, d, out, vn, mode, mk_rd_ok(&r) ? sr : NULL);
		return MK_V_OK;
	}
	mk_rd_peek_u8(rd, 1, &b1);
	mk_rd_peek_u8(rd, 3, &b3);
	ntp_describe(st, d, out, vn, mode, NULL);
	/* Mode 6: byte 1 holds R (response) in bit 7; mode 7: byte 0 does. */
	if ((mode == 6 && (b1 & 0x80) == 0) || (mode == 7 && (b0 & 0x80) == 0)) {
		if (!st->control_seen)
			mk_emit_anomaly(out, "ntp_control_query");
		st->control_seen = 1;
		if (mode == 7 && (b3 == NTP_REQ_MON_GETLIST || b3 == NTP_REQ_MON_GETLIST_1)) {
			if (!st->monlist_seen)
				mk_emit_anomaly(out, "ntp_monlist_query");
			st->monlist_seen = 1;
		}
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_ntp = {
	.abi = MK_PROTO_ABI,
	.name = "ntp",
	.id = MK_PROTO_NTP,
	.transports = MK_TRANSPORT_UDP,
	.state_size = sizeof(struct ntp_state),
	.max_buffer = 0,
	.probe = ntp_probe,
	.parse = ntp_parse,
	.events = ntp_events,
};

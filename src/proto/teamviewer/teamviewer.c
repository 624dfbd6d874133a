/* teamviewer.c - TeamViewer remote control: identification of its own
 * protocol on TCP/UDP 5938 (and wherever it runs) and of its HTTP fallback.
 *
 * specification: none is published.  What is public and used here:
 * - TeamViewer knowledge base "Which ports are used by TeamViewer?": TCP/UDP
 *   5938, falling back to TCP 443 and 80 (HTTP tunnelling);
 * - Optiv, "TeamViewer authentication protocol" (2013): the packets on 5938
 *   begin with 0x17 0x24; bettercap's TeamViewer sniffer: a 2-byte magic
 *   (0x1724, or 0x1130 for the older protocol version) followed by a 1-byte
 *   command code with a documented list (CMD_IDENTIFY = 10 ... CMD_FLUSHSENDBUFFER = 113);
 * - libprotoident's TeamViewer rule: the first payload each way is 37 bytes,
 *   17 24 0a 20 ...: magic, CMD_IDENTIFY, then 0x20 = 32 = the bytes after a
 *   5-byte header.  From this the 0x1724 framing used here: magic (2),
 *   command (1), length of the data (2, little-endian), data;
 * - nDPI's TeamViewer detector: UDP datagrams carry the magic at offset 11
 *   (a sequence counter comes first);
 * - intrusion-detection rules (ET INFO TeamViewer Dyngate User-Agent): the
 *   HTTP fallback requests "/din.aspx?...&client=DynGate" and "/dout.aspx".
 *
 * The 0x1130 framing is not described anywhere public: such flows are named
 * from their first message and then only counted.  When the 0x1724 framing
 * assumption breaks (the next message does not start with the magic), the
 * direction stops being parsed with the event teamviewer_framing_lost.
 */
#include "mieruka/pkt.h"
#include "mieruka/proto.h"

#include <string.h>

#define TV_HEADER 5
#define TV_MAX_DATA 65535
#define TV_MAGIC 0x1724
#define TV_MAGIC_OLD 0x1130
#define TV_CMD_MIN 10  /* CMD_IDENTIFY */
#define TV_CMD_MAX 113 /* CMD_FLUSHSENDBUFFER */
#define TV_CMD_AUTH_RESPONSE 103
#define TV_UDP_MAGIC_AT 11
#define TV_MESSAGES_MAX 4096 /* per direction, then the flow is just labelled */

struct tv_state {
	uint8_t done[2];
	uint8_t said; /* the client attribute was emitted */
	uint16_t messages[2];
	uint32_t skip[2]; /* data bytes of a message still to skip */
};

static const char *const tv_events[] = {
    "teamviewer_framing_lost", /* a 0x1724 message not followed by another */
    NULL,
};

static const char tv_http_get[] = "GET /din.aspx?";
static const char tv_http_post[] = "POST /dout.aspx?";

static bool tv_command_ok(uint8_t cmd)
{
	return cmd >= TV_CMD_MIN && cmd <= TV_CMD_MAX;
}

/* Is the start of rd (as far as it goes) the prefix p?  *whole: all of p. */
static bool tv_prefix(const struct mk_rd *rd, const char *p, size_t n, bool *whole)
{
	size_t left = mk_rd_left(rd), k = left < n ? left : n;
	const uint8_t *cur = mk_rd_cur(rd);

	*whole = left >= n;
	return k > 0 && cur != NULL && memcmp(cur, p, k) == 0;
}

static int tv_http_probe(const struct mk_rd *rd)
{
	bool whole = false;

	if (tv_prefix(rd, tv_http_get, sizeof(tv_http_get) - 1, &whole) ||
	    tv_prefix(rd, tv_http_post, sizeof(tv_http_post) - 1, &whole))
		return whole ? MK_PROBE_SURE : MK_PROBE_MAYBE;
	return MK_PROBE_NO;
}

/* Magic and command at offset at: SURE, a cut magic: MAYBE. */
static int tv_magic_probe(const struct mk_rd *rd, size_t at)
{
	uint8_t b0 = 0, b1 = 0, cmd = 0;
	uint16_t magic;

	if (!mk_rd_peek_u8(rd, at, &b0) || (b0 != 0x17 && b0 != 0x11))
		return MK_PROBE_NO;
	if (!mk_rd_peek_u8(rd, at + 1, &b1))
		return MK_PROBE_MAYBE;
	magic = (uint16_t)(b0 << 8 | b1);
	if (magic != TV_MAGIC && magic != TV_MAGIC_OLD)
		return MK_PROBE_NO;
	if (!mk_rd_peek_u8(rd, at + 2, &cmd))
		return MK_PROBE_MAYBE;
	return tv_command_ok(cmd) ? MK_PROBE_SURE : MK_PROBE_NO;
}

static int tv_probe(struct mk_rd *rd, enum mk_dir dir)
{
	int c = tv_magic_probe(rd, 0);

	(void)dir;
	return c != MK_PROBE_NO ? c : tv_http_probe(rd);
}

static void tv_client(struct tv_state *st, struct mk_emit *out, const char *how, size_t len)
{
	if (st->said)
		return;
	st->said = 1;
	mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "teamviewer", how, len);
}

static void tv_skip_all(struct tv_state *st, unsigned d, struct mk_rd *rd, size_t *consumed)
{
	size_t left = mk_rd_left(rd);

	st->done[d] = 1;
	mk_rd_skip(rd, left);
	*consumed += left;
}

/* TCP: 0x1724 messages, header (magic, command, length) then data that is
 * skipped without buffering. */
static enum mk_verdict tv_stream(struct tv_state *st, unsigned d, struct mk_rd *rd,
                                 size_t *consumed, struct mk_emit *out)
{
	for (;;) {
		size_t left = mk_rd_left(rd);
		uint8_t b0 = 0, b1 = 0, cmd = 0;
		uint16_t magic, len;
		struct mk_rd h;
		bool whole = false;

		if (st->done[d]) {
			tv_skip_all(st, d, rd, consumed);
			return MK_V_OK;
		}
		if (st->skip[d] > 0) {
			size_t n = st->skip[d] < left ? st->skip[d] : left;

			st->skip[d] -= (uint32_t)n;
			mk_rd_skip(rd, n);
			*consumed += n;
			if (st->skip[d] > 0)
				return MK_V_OK;
			continue;
		}
		if (left == 0)
			return MK_V_OK;
		if (d == 0 && st->messages[0] == 0 &&
		    (tv_prefix(rd, tv_http_get, sizeof(tv_http_get) - 1, &whole) ||
		     tv_prefix(rd, tv_http_post, sizeof(tv_http_post) - 1, &whole))) {
			if (!whole)
				return MK_V_NEED;
			/* The HTTP fallback: named, the rest is HTTP. */
			tv_client(st, out, "http", 4);
			st->done[0] = st->done[1] = 1;
			continue;
		}
		if (left < TV_HEADER)
			return MK_V_NEED;
		h = *rd;
		b0 = mk_rd_u8(&h);
		b1 = mk_rd_u8(&h);
		cmd = mk_rd_u8(&h);
		len = mk_rd_le16(&h);
		magic = (uint16_t)(b0 << 8 | b1);
		if (magic == TV_MAGIC_OLD && st->messages[d] == 0) {
			/* Named from its first message; the framing is unknown. */
			tv_client(st, out, "0x1130", 6);
			st->done[d] = 1;
			continue;
		}
		if (magic != TV_MAGIC || !tv_command_ok(cmd)) {
			/* After a message: the framing assumption failed.  Before any:
			 * this direction started elsewhere (a capture begun mid-flow). */
			if (st->messages[d] > 0)
				mk_emit_anomaly(out, "teamviewer_framing_lost");
			st->done[d] = 1;
			continue;
		}
		if (++st->messages[d] > TV_MESSAGES_MAX) {
			st->done[d] = 1;
			continue;
		}
		tv_client(st, out, "0x1724", 6);
		if (cmd == TV_CMD_AUTH_RESPONSE)
			mk_emit_operation(out, MK_OP_AUTH, "auth_response");
		mk_rd_skip(rd, TV_HEADER);
		*consumed += TV_HEADER;
		st->skip[d] = len;
	}
}

static enum mk_verdict tv_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                struct mk_emit *out)
{
	struct tv_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	*consumed = 0;
	/* The packet says which transport; without one (the fuzz harness feeds
	 * stream records) the bytes are taken as a TCP stream, as openvpn.c does. */
	if (out->pkt != NULL && out->pkt->ip_proto == 17) {
		/* UDP: a datagram with the magic at its start or after the counter */
		if (tv_magic_probe(rd, 0) == MK_PROBE_SURE ||
		    tv_magic_probe(rd, TV_UDP_MAGIC_AT) == MK_PROBE_SURE)
			tv_client(st, out, "udp", 3);
		*consumed = mk_rd_left(rd);
		return MK_V_OK;
	}
	return tv_stream(st, d, rd, consumed, out);
}

/* The probe does not know the transport.  TCP streams start with the magic
 * or the HTTP request; a datagram may carry the magic after an 11-byte
 * counter, which is weaker evidence: MAYBE, so only the hinted port 5938
 * takes it. */
static int tv_probe_any(struct mk_rd *rd, enum mk_dir dir)
{
	int c = tv_probe(rd, dir);

	if (c != MK_PROBE_NO)
		return c;
	return tv_magic_probe(rd, TV_UDP_MAGIC_AT) == MK_PROBE_SURE ? MK_PROBE_MAYBE : MK_PROBE_NO;
}

const struct mk_proto mk_proto_teamviewer = {
    .abi = MK_PROTO_ABI,
    .name = "teamviewer",
    .id = MK_PROTO_TEAMVIEWER,
    .transports = MK_TRANSPORT_TCP | MK_TRANSPORT_UDP,
    .state_size = sizeof(struct tv_state),
    .max_buffer = TV_HEADER + sizeof(tv_http_post),
    .probe = tv_probe_any,
    .parse = tv_parse,
    .events = tv_events,
};

/* telnet.c - Telnet identification: option negotiation from either side, the
 * first line of text the server shows (its banner or login prompt), and the
 * fact that the whole session, password included, crosses the wire in clear.
 * specification: RFC 854 (commands, "Telnet Command Structure" on page 14) and
 * RFC 855 (option subnegotiation)
 */
#include "mieruka/proto.h"

#include <string.h>

#define TELNET_IAC 0xff
#define TELNET_DONT 0xfe
#define TELNET_DO 0xfd
#define TELNET_WONT 0xfc
#define TELNET_WILL 0xfb
#define TELNET_SB 0xfa
#define TELNET_SE 0xf0

#define TELNET_BANNER_MAX 128 /* characters kept for the banner */
#define TELNET_SB_MAX 512     /* a longer subnegotiation is not a real one */
#define TELNET_SCAN_MAX 8192  /* server bytes searched for a banner */

enum telnet_byte_state {
	TN_DATA,
	TN_IAC,
	TN_OPT,    /* after WILL/WONT/DO/DONT: the option byte */
	TN_SB,
	TN_SB_IAC,
};

struct telnet_state {
	uint8_t bs[2];          /* enum telnet_byte_state per direction */
	uint16_t sb_len[2];
	uint8_t cleartext_said;
	uint8_t banner_done;
	uint8_t bad_said;
	uint16_t scanned;       /* server bytes looked at for the banner */
	uint8_t line_len;
	char line[TELNET_BANNER_MAX];
};

static const char *const telnet_events[] = {
	"telnet_cleartext_session",
	"telnet_bad_command",
	"telnet_bad_subnegotiation",
	NULL,
};

static int telnet_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t b0 = 0, b1 = 0, b2 = 0;

	(void)dir;
	if (!mk_rd_peek_u8(rd, 0, &b0) || b0 != TELNET_IAC)
		return MK_PROBE_NO;
	if (!mk_rd_peek_u8(rd, 1, &b1))
		return MK_PROBE_MAYBE;
	if (b1 < TELNET_SB || b1 == TELNET_IAC)
		return MK_PROBE_NO;
	if (!mk_rd_peek_u8(rd, 2, &b2))
		return MK_PROBE_MAYBE;
	/* Option numbers in use are small (IANA telnet options, 0..49 and 255). */
	if (b2 > 49 && b2 != 255)
		return MK_PROBE_MAYBE;
	return MK_PROBE_SURE;
}

static void telnet_bad(struct telnet_state *st, struct mk_emit *out, const char *event)
{
	/* Broken negotiation makes any "text" after it suspect: no banner. */
	st->banner_done = 1;
	if (st->bad_said)
		return;
	st->bad_said = 1;
	mk_emit_anomaly(out, event);
}

static void telnet_emit_banner(struct telnet_state *st, struct mk_emit *out)
{
	size_t n = st->line_len;

	while (n > 0 && st->line[n - 1] == ' ')
		n--;
	if (n == 0)
		return;
	mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "telnet_banner", st->line, n);
	st->banner_done = 1;
}

/* One data byte from the server while no banner is known yet. */
static void telnet_text(struct telnet_state *st, uint8_t c, struct mk_emit *out)
{
	if (c == '\r' || c == '\n') {
		telnet_emit_banner(st, out);
		st->line_len = 0;
		return;
	}
	if (c < 0x20 || c == 0x7f)
		return;
	if (c == ' ' && st->line_len == 0)
		return;
	if (st->line_len < TELNET_BANNER_MAX)
		st->line[st->line_len++] = (char)c;
	if (st->line_len == TELNET_BANNER_MAX)
		telnet_emit_banner(st, out);
}

static enum mk_verdict telnet_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                    struct mk_emit *out)
{
	struct telnet_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	size_t n = mk_rd_left(rd);
	const uint8_t *p = mk_rd_ptr(rd, n);
	bool look = d == 1 && !st->banner_done;

	*consumed = n;
	if (n == 0 || p == NULL)
		return MK_V_OK;
	if (!st->cleartext_said) {
		st->cleartext_said = 1;
		mk_emit_anomaly(out, "telnet_cleartext_session");
	}
	/* Done once the banner is known: the rest of the session costs nothing. */
	if (!look && (st->bad_said || st->banner_done))
		return MK_V_OK;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		switch (st->bs[d]) {
		case TN_DATA:
			if (c == TELNET_IAC)
				st->bs[d] = TN_IAC;
			else if (look)
				telnet_text(st, c, out);
			break;
		case TN_IAC:
			if (c == TELNET_IAC) {
				st->bs[d] = TN_DATA; /* an escaped 0xff data byte */
			} else if (c >= TELNET_WILL) {
				st->bs[d] = TN_OPT;
			} else if (c == TELNET_SB) {
				st->bs[d] = TN_SB;
				st->sb_len[d] = 0;
			} else {
				if (c < TELNET_SE)
					telnet_bad(st, out, "telnet_bad_command");
				st->bs[d] = TN_DATA;
			}
			break;
		case TN_OPT:
			st->bs[d] = TN_DATA;
			break;
		case TN_SB:
			if (c == TELNET_IAC)
				st->bs[d] = TN_SB_IAC;
			else if (++st->sb_len[d] > TELNET_SB_MAX) {
				telnet_bad(st, out, "telnet_bad_subnegotiation");
				st->bs[d] = TN_DATA;
			}
			break;
		case TN_SB_IAC:
			/* Inside SB only IAC SE and IAC IAC are legal (RFC 855). */
			if (c == TELNET_IAC) {
				st->bs[d] = TN_SB;
			} else {
				if (c != TELNET_SE)
					telnet_bad(st, out, "telnet_bad_subnegotiation");
				st->bs[d] = TN_DATA;
			}
			break;
		default:
			st->bs[d] = TN_DATA;
			break;
		}
		if (look && st->banner_done)
			look = false;
	}
	if (look) {
		/* A login prompt ends without a newline: "login: ". */
		size_t k = st->line_len;

		while (k > 0 && st->line[k - 1] == ' ')
			k--;
		if (k > 0 && st->bs[d] == TN_DATA && strchr(":>#$%", st->line[k - 1]) != NULL)
			telnet_emit_banner(st, out);
		st->scanned = (uint16_t)(st->scanned + (n < TELNET_SCAN_MAX ? n : TELNET_SCAN_MAX));
		if (st->scanned >= TELNET_SCAN_MAX)
			st->banner_done = 1;
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_telnet = {
	.abi = MK_PROTO_ABI,
	.name = "telnet",
	.id = MK_PROTO_TELNET,
	.transports = MK_TRANSPORT_TCP,
	.state_size = sizeof(struct telnet_state),
	.max_buffer = 1,
	.probe = telnet_probe,
	.parse = telnet_parse,
	.events = telnet_events,
};

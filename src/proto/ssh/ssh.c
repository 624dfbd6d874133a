/* ssh.c - SSH identification: the version strings both sides send first,
 * reported as the sender's ssh_banner attribute (the OS hints some of them
 * carry are read by the inventory from the [ssh] section of
 * data/fingerprints/os.fp).  Everything after the banners is encrypted or key
 * exchange, so the parser then consumes the flow at no cost.
 * specification: RFC 4253 section 4.2 (Protocol Version Exchange)
 */
#include "mieruka/proto.h"

#include <string.h>

#define SSH_BANNER_MAX 255   /* RFC 4253 4.2: at most 255 characters with CR LF */
#define SSH_LINE_MAX 1024    /* other lines a server may send before its banner */
#define SSH_PRE_LINES_MAX 64 /* cap on those lines (a real server sent 35: a cowsay) */

struct ssh_state {
	uint8_t done[2];
	uint8_t pre_lines[2];
};

static const char *const ssh_events[] = {
	"ssh_bad_banner",
	"ssh_banner_too_long",
	"ssh_protocol_v1",
	NULL,
};

static int ssh_probe(struct mk_rd *rd, enum mk_dir dir)
{
	static const char magic[] = "SSH-";
	size_t n = mk_rd_left(rd);
	const uint8_t *p = mk_rd_cur(rd);

	(void)dir;
	if (n == 0)
		return MK_PROBE_NO;
	if (n < 4)
		return memcmp(p, magic, n) == 0 ? MK_PROBE_MAYBE : MK_PROBE_NO;
	if (memcmp(p, magic, 4) != 0)
		return MK_PROBE_NO;
	if (n < 6)
		return MK_PROBE_MAYBE;
	/* protoversion is "2.0", "1.99" or "1.x". */
	return (p[4] == '1' || p[4] == '2') && p[5] == '.' ? MK_PROBE_SURE : MK_PROBE_NO;
}

static void ssh_banner(struct mk_emit *out, const uint8_t *line, size_t len)
{
	mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "ssh_banner", (const char *)line, len);
	/* "SSH-1.99" still speaks version 2; "SSH-1.x" is the broken SSH-1. */
	if (len >= 6 && line[4] == '1' && line[5] == '.' && !(len >= 8 && memcmp(line, "SSH-1.99", 8) == 0))
		mk_emit_anomaly(out, "ssh_protocol_v1");
}

static enum mk_verdict ssh_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	struct ssh_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	*consumed = 0;
	while (!st->done[d]) {
		size_t left = mk_rd_left(rd);
		const uint8_t *p = mk_rd_cur(rd);
		const uint8_t *nl = p != NULL ? memchr(p, '\n', left < SSH_LINE_MAX ? left : SSH_LINE_MAX) : NULL;
		size_t len;
		bool is_banner;

		if (left == 0)
			return MK_V_OK;
		if (nl == NULL) {
			if (left < SSH_LINE_MAX && !(left >= 4 && memcmp(p, "SSH-", 4) == 0 && left > SSH_BANNER_MAX))
				return MK_V_NEED;
			mk_emit_anomaly(out, "ssh_banner_too_long");
			st->done[d] = 1;
			break;
		}
		len = (size_t)(nl - p);
		mk_rd_skip(rd, len + 1);
		*consumed += len + 1;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		is_banner = len >= 4 && memcmp(p, "SSH-", 4) == 0;
		if (is_banner && len + 2 > SSH_BANNER_MAX) {
			mk_emit_anomaly(out, "ssh_banner_too_long");
			st->done[d] = 1;
		} else if (is_banner) {
			ssh_banner(out, p, len);
			st->done[d] = 1;
		} else if (d == 0 || ++st->pre_lines[d] > SSH_PRE_LINES_MAX) {
			/* Only a server may send lines before its version string. */
			mk_emit_anomaly(out, "ssh_bad_banner");
			st->done[d] = 1;
		}
	}
	/* Identified: the binary packet protocol follows; skip it all. */
	*consumed += mk_rd_left(rd);
	return MK_V_OK;
}

const struct mk_proto mk_proto_ssh = {
	.abi = MK_PROTO_ABI,
	.name = "ssh",
	.id = MK_PROTO_SSH,
	.transports = MK_TRANSPORT_TCP,
	.state_size = sizeof(struct ssh_state),
	.max_buffer = SSH_LINE_MAX,
	.probe = ssh_probe,
	.parse = ssh_parse,
	.events = ssh_events,
};

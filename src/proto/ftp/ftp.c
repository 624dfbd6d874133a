/* ftp.c - FTP control connection: the server's greeting and system type, the
 * user name of a clear-text login (never the password), and the file operations
 * a client asks for.  Parsing stops when the session switches to TLS.
 * specification: RFC 959 sections 4.1 (commands) and 4.2 (replies); AUTH from
 * RFC 4217 section 4
 */
#include "mieruka/proto.h"

#include <string.h>

#define FTP_LINE_MAX 2048     /* RFC 959 sets none; real servers cap near 512 */
#define FTP_TEXT_MAX 255      /* cap on banner and system text */
#define FTP_USER_MAX 64
#define FTP_COMMANDS_MAX 4096 /* per flow; then the flow is just labelled */

struct ftp_state {
	uint8_t done[2];
	uint8_t greeted;      /* the first server reply was seen */
	uint8_t in_multiline; /* the server is inside a "nnn-" reply */
	uint8_t login_seen;
	uint8_t auth_tls;     /* AUTH TLS/SSL sent: a 234 reply starts TLS */
	uint16_t commands;
};

static const char *const ftp_events[] = {
	"ftp_cleartext_login",
	"ftp_anonymous_login",
	"ftp_line_too_long",
	"ftp_bad_reply",
	NULL,
};

/* Command -> operation class; the rest are navigation or session control. */
static const struct {
	const char *cmd;
	enum mk_op_class op;
} ftp_ops[] = {
	{"RETR", MK_OP_READ}, {"STOR", MK_OP_WRITE}, {"STOU", MK_OP_WRITE}, {"APPE", MK_OP_WRITE},
	{"DELE", MK_OP_WRITE}, {"RMD", MK_OP_WRITE}, {"XRMD", MK_OP_WRITE}, {"MKD", MK_OP_WRITE},
	{"XMKD", MK_OP_WRITE}, {"RNFR", MK_OP_WRITE}, {"SITE", MK_OP_OTHER},
};

static bool ftp_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static uint8_t ftp_upper(uint8_t c)
{
	return c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c;
}

static bool ftp_has_word(const uint8_t *p, size_t len, const char *word)
{
	size_t wl = strlen(word);

	for (size_t i = 0; wl <= len && i <= len - wl; i++) {
		size_t k = 0;

		while (k < wl && ftp_upper(p[i + k]) == (uint8_t)word[k])
			k++;
		if (k == wl)
			return true;
	}
	return false;
}

/* A reply line is three digits and a space or hyphen. */
static bool ftp_is_reply(const uint8_t *p, size_t len)
{
	return len >= 4 && ftp_digit(p[0]) && ftp_digit(p[1]) && ftp_digit(p[2]) && (p[3] == ' ' || p[3] == '-');
}

static int ftp_probe(struct mk_rd *rd, enum mk_dir dir)
{
	size_t n = mk_rd_left(rd);
	const uint8_t *p = mk_rd_cur(rd);
	const uint8_t *nl;
	size_t line;

	if (n == 0)
		return MK_PROBE_NO;
	nl = memchr(p, '\n', n);
	line = nl != NULL ? (size_t)(nl - p) : n;
	if (dir == MK_DIR_TO_CLIENT) {
		if (n < 4)
			return MK_PROBE_NO;
		if (!ftp_is_reply(p, n) || memcmp(p, "220", 3) != 0)
			return MK_PROBE_NO;
		/* SMTP greets with 220 too; it usually says so. */
		if (ftp_has_word(p, line, "SMTP") || ftp_has_word(p, line, "POSTFIX"))
			return MK_PROBE_NO;
		return ftp_has_word(p, line, "FTP") ? MK_PROBE_SURE : MK_PROBE_MAYBE;
	}
	/* A client never speaks first; a capture may start mid-session. */
	if (n >= 5 && (ftp_has_word(p, 5, "USER ") || ftp_has_word(p, 5, "AUTH ")) && nl != NULL)
		return MK_PROBE_MAYBE;
	return MK_PROBE_NO;
}

static size_t ftp_trim(const uint8_t *p, size_t len)
{
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
		len--;
	return len;
}

static void ftp_server_line(struct ftp_state *st, const uint8_t *p, size_t len, struct mk_emit *out)
{
	bool reply = ftp_is_reply(p, len);

	if (!st->greeted) {
		st->greeted = 1;
		if (!reply) {
			mk_emit_anomaly(out, "ftp_bad_reply");
			st->done[1] = 1;
			return;
		}
		if (memcmp(p, "220", 3) == 0 && len > 4)
			mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "ftp_banner", (const char *)p + 4,
			             len - 4 < FTP_TEXT_MAX ? len - 4 : FTP_TEXT_MAX);
	} else if (st->in_multiline) {
		/* Continuation lines end with "nnn " of the same code. */
	} else if (reply && memcmp(p, "215", 3) == 0 && len > 4) {
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "ftp_system", (const char *)p + 4,
		             len - 4 < FTP_TEXT_MAX ? len - 4 : FTP_TEXT_MAX);
	} else if (reply && memcmp(p, "234", 3) == 0 && st->auth_tls) {
		/* TLS follows in both directions. */
		st->done[0] = st->done[1] = 1;
		return;
	}
	if (reply)
		st->in_multiline = p[3] == '-';
}

static void ftp_client_line(struct ftp_state *st, const uint8_t *p, size_t len, struct mk_emit *out)
{
	char cmd[5];
	size_t cl = 0;
	const uint8_t *arg;
	size_t al;

	while (cl < len && cl < 4 && p[cl] != ' ')
		cl++;
	if (cl < len && p[cl] != ' ')
		return; /* not a command of four letters or fewer */
	for (size_t i = 0; i < cl; i++)
		cmd[i] = (char)ftp_upper(p[i]);
	cmd[cl] = '\0';
	arg = cl < len ? p + cl + 1 : p + len;
	al = cl < len ? len - cl - 1 : 0;
	if (strcmp(cmd, "USER") == 0 || strcmp(cmd, "PASS") == 0) {
		mk_emit_operation(out, MK_OP_AUTH, cmd[0] == 'U' ? "USER" : "PASS");
		if (!st->login_seen)
			mk_emit_anomaly(out, "ftp_cleartext_login");
		st->login_seen = 1;
		if (cmd[0] == 'U' && al > 0) {
			mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "ftp_user", (const char *)arg,
			             al < FTP_USER_MAX ? al : FTP_USER_MAX);
			if ((al == 9 && ftp_has_word(arg, al, "ANONYMOUS")) || (al == 3 && ftp_has_word(arg, al, "FTP")))
				mk_emit_anomaly(out, "ftp_anonymous_login");
		}
		return;
	}
	if (strcmp(cmd, "AUTH") == 0) {
		st->auth_tls = 1;
		return;
	}
	for (size_t i = 0; i < sizeof(ftp_ops) / sizeof(ftp_ops[0]); i++) {
		if (strcmp(cmd, ftp_ops[i].cmd) == 0) {
			mk_emit_operation(out, ftp_ops[i].op, ftp_ops[i].cmd);
			return;
		}
	}
}

static enum mk_verdict ftp_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	struct ftp_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	*consumed = 0;
	while (!st->done[d]) {
		size_t left = mk_rd_left(rd);
		const uint8_t *p = mk_rd_cur(rd);
		const uint8_t *nl = p != NULL ? memchr(p, '\n', left < FTP_LINE_MAX ? left : FTP_LINE_MAX) : NULL;
		size_t len;

		if (left == 0)
			return MK_V_OK;
		if (nl == NULL) {
			if (left < FTP_LINE_MAX)
				return MK_V_NEED;
			mk_emit_anomaly(out, "ftp_line_too_long");
			st->done[d] = 1;
			break;
		}
		len = (size_t)(nl - p);
		mk_rd_skip(rd, len + 1);
		*consumed += len + 1;
		len = ftp_trim(p, len);
		if (d == 1)
			ftp_server_line(st, p, len, out);
		else if (++st->commands > FTP_COMMANDS_MAX)
			st->done[0] = st->done[1] = 1;
		else
			ftp_client_line(st, p, len, out);
	}
	*consumed += mk_rd_left(rd);
	return MK_V_OK;
}

const struct mk_proto mk_proto_ftp = {
	.abi = MK_PROTO_ABI,
	.name = "ftp",
	.id = MK_PROTO_FTP,
	.transports = MK_TRANSPORT_TCP,
	.state_size = sizeof(struct ftp_state),
	.max_buffer = FTP_LINE_MAX,
	.probe = ftp_probe,
	.parse = ftp_parse,
	.events = ftp_events,
};

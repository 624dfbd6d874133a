/* alert_stream.c - alerts streamed as JSON lines and as syslog messages.
 *
 * Specifications:
 *   RFC 5424 The Syslog Protocol (message format, §6; SD-PARAM escaping §6.3.3;
 *            PRI §6.2.1; TIMESTAMP §6.2.3; MSG with BOM §6.4)
 *   RFC 5426 Transmission of Syslog Messages over UDP (size, §3.2)
 *   RFC 6587 Transmission of Syslog Messages over TCP (octet counting, §3.4.1)
 *   RFC 5612 (enterprise number 32473, reserved for documentation: the SD-ID
 *            mieruka@32473 until mieruka has its own number)
 *
 * The stream runs at snapshots, never per packet (the session calls emit from
 * its own thread after the database commit).  Every alert is remembered with
 * what was last sent to each output; an output that fails keeps its old state
 * for the alert, so the next emit tries again.  Sockets are non-blocking and
 * every wait has a deadline: a receiver that is down or slow costs at most
 * one connection attempt and a few seconds per emit.
 */
#include "mieruka/alert_stream.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mieruka/addr.h"
#include "mieruka/facts.h"
#include "mieruka/util.h"

#define SD_ID "mieruka@32473"
#define APP_NAME "mieruka"
#define CONNECT_TIMEOUT_MS 3000 /* one TCP connection attempt */
#define SEND_TIMEOUT_MS 2000    /* one message waiting for room in the socket */
#define MAX_TABLE_SLOTS (1u << 22)

enum { OUT_JSONL, OUT_SYSLOG, N_OUT };

/* ------------------------------------------------------------ target, facility */

static bool host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
}

static int target_fail(char *err, size_t errlen, const char *key)
{
	snprintf(err, errlen, "%s", mk_msg(key));
	return -1;
}

int mk_syslog_target_parse(const char *text, struct mk_syslog_target *t, char *err, size_t errlen)
{
	const char *rest, *host, *port = NULL;
	size_t hlen;

	memset(t, 0, sizeof(*t));
	if (text == NULL)
		return target_fail(err, errlen, "stream.target_form");
	if (strncasecmp(text, "unix:", 5) == 0) {
		rest = text + 5;
		if (strncmp(rest, "//", 2) == 0) /* unix:///dev/log */
			rest += 2;
		if (rest[0] == '\0' || strlen(rest) >= sizeof(t->path))
			return target_fail(err, errlen, "stream.target_path");
		t->transport = MK_SYSLOG_UNIX;
		memcpy(t->path, rest, strlen(rest) + 1);
		return 0;
	}
	if (strncasecmp(text, "udp://", 6) == 0)
		t->transport = MK_SYSLOG_UDP;
	else if (strncasecmp(text, "tcp://", 6) == 0)
		t->transport = MK_SYSLOG_TCP;
	else
		return target_fail(err, errlen, "stream.target_form");
	rest = text + 6;
	if (rest[0] == '[') { /* [IPv6]:port */
		const char *close = strchr(rest, ']');

		if (close == NULL)
			return target_fail(err, errlen, "stream.target_host");
		host = rest + 1;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return target_fail(err, errlen, "stream.target_host");
	} else {
		const char *colon = strchr(rest, ':');

		/* Two colons: an IPv6 address without brackets, where the port
		 * cannot be told apart. */
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return target_fail(err, errlen, "stream.target_host");
		host = rest;
		hlen = colon != NULL ? (size_t)(colon - rest) : strlen(rest);
		if (colon != NULL)
			port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(t->host))
		return target_fail(err, errlen, "stream.target_host");
	for (size_t i = 0; i < hlen; i++)
		if (!host_char((unsigned char)host[i]) || (host[i] == ':' && rest[0] != '['))
			return target_fail(err, errlen, "stream.target_host");
	memcpy(t->host, host, hlen);
	t->host[hlen] = '\0';
	if (port == NULL) {
		memcpy(t->port, MK_SYSLOG_DEFAULT_PORT, sizeof(MK_SYSLOG_DEFAULT_PORT));
	} else {
		unsigned long v;

		if (!mk_parse_ulong(port, 65535, &v) || v == 0)
			return target_fail(err, errlen, "stream.target_port");
		snprintf(t->port, sizeof(t->port), "%u", (unsigned)(v & 0xffff)); /* v <= 65535 */
	}
	return 0;
}

void mk_syslog_target_str(const struct mk_syslog_target *t, char *buf, size_t buflen)
{
	if (t->transport == MK_SYSLOG_UNIX) {
		snprintf(buf, buflen, "unix:%s", t->path);
		return;
	}
	snprintf(buf, buflen, strchr(t->host, ':') != NULL ? "%s://[%s]:%s" : "%s://%s:%s",
	         t->transport == MK_SYSLOG_TCP ? "tcp" : "udp", t->host, t->port);
}

/* RFC 5424 §6.2.1, table 1 (names as syslog.conf and logger(1) spell them). */
static const char *const facility_names[24] = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "clock",
    "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7",
};

int mk_syslog_facility_parse(const char *text)
{
	unsigned long v;

	if (text == NULL)
		return -1;
	for (int i = 0; i < 24; i++)
		if (strcasecmp(text, facility_names[i]) == 0)
			return i;
	if (mk_parse_ulong(text, 23, &v))
		return (int)v;
	return -1;
}

unsigned mk_syslog_severity(unsigned sev)
{
	switch (sev) {
	case MK_SEV_CRITICAL: return 2; /* crit */
	case MK_SEV_HIGH: return 3;     /* err */
	case MK_SEV_MEDIUM: return 4;   /* warning */
	case MK_SEV_LOW: return 5;      /* notice */
	default: return 6;              /* informational */
	}
}

/* ------------------------------------------------------------ the formatter */

/* A bounded output buffer: cap usable bytes (a NUL always fits after them). */
struct sbuf {
	char *p;
	size_t cap, len;
	bool overflow; /* an all-or-nothing part did not fit */
	bool cut;      /* text was shortened */
};

static void sb_raw(struct sbuf *b, const char *s, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_raw(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if invalid
 * (overlong forms, surrogates, above U+10FFFF).  *cp gets the code point. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Text that may have come from the network, made safe for one syslog line:
 * control characters (C0, DEL, C1; newlines and tabs included) become a space,
 * bytes that are not UTF-8 '?', and \ " ] get a backslash when escape is set
 * (SD-PARAM values, RFC 5424 §6.3.3).  Stops before a character that would
 * not fit whole, and notes the cut. */
static void sb_text(struct sbuf *b, const char *s, size_t n, bool escape)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	if (b->overflow)
		return;
	while (i < n && u[i] != '\0') {
		uint32_t cp = 0;
		size_t len = utf8_len(u + i, n - i, &cp);
		const char *out = (const char *)u + i;
		size_t olen = len;
		char esc[2];

		if (len == 0) {
			out = "?", olen = 1, len = 1;
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			out = " ", olen = 1;
		} else if (escape && (cp == '"' || cp == '\\' || cp == ']')) {
			esc[0] = '\\', esc[1] = (char)cp;
			out = esc, olen = 2;
		}
		if (olen > b->cap - b->len) {
			b->cut = true;
			break;
		}
		memcpy(b->p + b->len, out, olen);
		b->len += olen;
		i += len;
	}
	b->p[b->len] = '\0';
}

/* A header field (HOSTNAME, MSGID): PRINTUSASCII only, at most max bytes,
 * NILVALUE "-" when nothing is left. */
static void sb_token(struct sbuf *b, const char *s, size_t max)
{
	char tok[256];
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n < max && n < sizeof(tok); s++)
		if ((unsigned char)*s >= 33 && (unsigned char)*s <= 126)
			tok[n++] = *s;
	if (n == 0)
		sb_raw(b, "-", 1);
	else
		sb_raw(b, tok, n);
}

static void sb_param(struct sbuf *b, const char *name, const char *value)
{
	struct sbuf tmp;
	char val[160];

	if (value == NULL || value[0] == '\0')
		return;
	/* The value is escaped whole or the message has no room for its header. */
	tmp = (struct sbuf){val, sizeof(val) - 1, 0, false, false};
	sb_text(&tmp, value, strlen(value), true);
	sb_raw(b, " ", 1);
	sb_str(b, name);
	sb_raw(b, "=\"", 2);
	sb_raw(b, val, tmp.len);
	sb_raw(b, "\"", 1);
}

static void addr_text(const struct mk_addr *a, char *buf)
{
	buf[0] = '\0';
	if (a->family == MK_AF_NONE)
		return;
	mk_addr_str(a, buf);
	for (char *p = buf; *p != '\0'; p++) /* as in the JSON document */
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
}

static const char *nz(const char *s)
{
	return s != NULL ? s : "";
}

size_t mk_syslog_format_alert(char *buf, size_t buflen, const struct mk_syslog_format *f,
                              const char *event, const struct mk_alert_rec *a, bool *cut)
{
	char num[32], ts[40], id[MK_ALERT_ID_LEN + 1], type[MK_ALERT_TYPE_LEN + 1];
	char client[MK_ADDR_STRLEN], server[MK_ADDR_STRLEN], port[8], count[24], first[40];
	struct sbuf b;
	const char *parts[3];
	size_t n_parts = 0;

	if (cut != NULL)
		*cut = false;
	if (buf == NULL || buflen < 2)
		return 0;
	b = (struct sbuf){buf, buflen - 1, 0, false, false};
	if (f->max_len < b.cap)
		b.cap = f->max_len;
	buf[0] = '\0';
	memcpy(id, a->id, sizeof(a->id));
	id[sizeof(a->id)] = '\0';
	memcpy(type, a->type, sizeof(a->type));
	type[sizeof(a->type)] = '\0';

	/* HEADER: PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID */
	snprintf(num, sizeof(num), "<%u>1 ",
	         (f->facility <= 23 ? f->facility : MK_SYSLOG_DEFAULT_FACILITY) * 8 +
	             mk_syslog_severity(a->severity));
	sb_str(&b, num);
	/* As the JSON document writes it: packet time 0 is a time too. */
	sb_str(&b, mk_time_rfc3339(a->last_ns, ts, sizeof(ts)));
	sb_raw(&b, " ", 1);
	sb_token(&b, f->hostname, 255);
	sb_str(&b, " " APP_NAME " ");
	if (f->procid != 0) {
		snprintf(num, sizeof(num), "%lu", f->procid);
		sb_str(&b, num);
	} else {
		sb_raw(&b, "-", 1);
	}
	sb_raw(&b, " ", 1);
	sb_token(&b, type, 32);

	/* STRUCTURED-DATA: one element; parameter names are fixed PRINTUSASCII
	 * words (SD-NAME rules: no '=', SP, ']', '"'). */
	addr_text(&a->client, client);
	addr_text(&a->server, server);
	port[0] = '\0';
	if (a->port != 0)
		snprintf(port, sizeof(port), "%u", (unsigned)a->port);
	snprintf(count, sizeof(count), "%llu", (unsigned long long)a->count);
	mk_time_rfc3339(a->first_ns, first, sizeof(first));
	sb_str(&b, " [" SD_ID);
	sb_param(&b, "id", id);
	sb_param(&b, "event", event);
	sb_param(&b, "type", type);
	sb_param(&b, "severity", mk_severity_name(a->severity));
	sb_param(&b, "client", client);
	sb_param(&b, "server", server);
	sb_param(&b, "proto", a->proto != MK_PROTO_UNKNOWN ? mk_proto_id_name(a->proto) : NULL);
	sb_param(&b, "port", port);
	sb_param(&b, "count", count);
	sb_param(&b, "first", first);
	sb_raw(&b, "]", 1);
	if (b.overflow) {
		buf[0] = '\0';
		return 0;
	}

	/* MSG: BOM, then the texts (§6.4: UTF-8 announced by the BOM). */
	switch (f->lang) {
	case MK_STREAM_LANG_EN:
		parts[n_parts++] = nz(a->title_en), parts[n_parts++] = nz(a->detail_en);
		break;
	case MK_STREAM_LANG_JA:
		parts[n_parts++] = nz(a->title_ja), parts[n_parts++] = nz(a->detail_ja);
		break;
	default:
		parts[n_parts++] = nz(a->title_en), parts[n_parts++] = nz(a->detail_en);
		parts[n_parts++] = nz(a->title_ja);
		break;
	}
	sb_raw(&b, " \xef\xbb\xbf", 4);
	if (b.overflow) { /* room for the header, not for the BOM: leave MSG out */
		b.overflow = false;
		b.cut = true;
	} else {
		for (size_t i = 0; i < n_parts && !b.cut; i++) {
			if (parts[i][0] == '\0')
				continue;
			if (i > 0) {
				sb_raw(&b, " | ", 3);
				if (b.overflow) {
					b.cut = true;
					break;
				}
			}
			sb_text(&b, parts[i], strlen(parts[i]), false);
		}
	}
	buf[b.len] = '\0';
	if (cut != NULL)
		*cut = b.cut;
	return b.len;
}

/* ------------------------------------------------------------ JSON lines */

int mk_alert_stream_jsonl(FILE *f, const char *event, const struct mk_report *r,
                          const struct mk_report_index *ix, const struct mk_alert_rec *a)
{
	struct mk_json j;

	mk_json_init(&j, f, false); /* compact: no newline inside the object */
	mk_report_json_alert(&j, r, ix, a, event);
	fputc('\n', f);
	if (fflush(f) != 0 || ferror(f)) {
		clearerr(f);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ what was sent */

struct seen {
	char id[MK_ALERT_ID_LEN]; /* "" = free slot */
	uint64_t cur_count;       /* as in the latest report */
	uint64_t count[N_OUT];    /* as last sent to each output */
	uint8_t cur_sev, sev[N_OUT];
	uint8_t sent; /* bit per output */
};

/* ------------------------------------------------------------ syslog sender */

struct syslog_out {
	struct mk_syslog_target t;
	char name[400]; /* the target as the user wrote it, for messages */
	int fd;
	bool down;     /* the last attempt failed (warned once) */
	char err[400]; /* the last failure */
	char hostname[256];
	size_t max_len;
	char *msg, *frame; /* MK_SYSLOG_MAX_TCP + room for the frame's length */
};

struct mk_alert_stream {
	struct mk_alert_stream_options o;
	FILE *jsonl;
	bool jsonl_stdout;
	bool has[N_OUT];
	struct syslog_out sl;
	struct seen *tab;
	size_t n_slots, n_used, max_used;
	struct mk_alert_stream_stats st;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sl_close(struct syslog_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}

static void sl_error(struct syslog_out *o, const char *what, int err)
{
	snprintf(o->err, sizeof(o->err), "%s: %s", what, strerror(err));
}

/* Waits until fd can take bytes (or the connection is made), at most ms. */
static int wait_writable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int rc;

	do
		rc = poll(&p, 1, ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		errno = ETIMEDOUT;
	return rc > 0 ? 0 : -1;
}

static int sl_connect_inet(struct syslog_out *o)
{
	struct addrinfo hints, *res = NULL;
	bool tcp = o->t.transport == MK_SYSLOG_TCP;
	int rc, fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	rc = getaddrinfo(o->t.host, o->t.port, &hints, &res);
	if (rc != 0) {
		snprintf(o->err, sizeof(o->err), "%s: %s", o->t.host, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0) {
			sl_error(o, "socket", errno);
			continue;
		}
		/* UDP: connect() only fixes the peer, so that an ICMP "port
		 * unreachable" shows up as an error on a later send. */
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && wait_writable(fd, CONNECT_TIMEOUT_MS) == 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
			break;
		sl_error(o, "connect", soerr != 0 ? soerr : errno);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	o->fd = fd;
	return fd >= 0 ? 0 : -1;
}

static int sl_connect_unix(struct syslog_out *o)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		sl_error(o, "socket", errno);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, o->t.path, strlen(o->t.path) + 1); /* < sizeof(sun_path): parse */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		sl_error(o, o->t.path, errno);
		close(fd);
		return -1;
	}
	o->fd = fd;
	return 0;
}

/* The receiver's state as people see it: one warning when it goes away, one
 * line when it is back (decided per emit, so a UDP port that refuses every
 * other datagram does not flap). */
static void sl_state(struct syslog_out *o, bool failed)
{
	if (failed && !o->down)
		mk_warn("syslog %s: %s (%s)", o->name, mk_msg("stream.unreachable"), o->err);
	else if (!failed && o->down)
		mk_info("syslog %s: %s", o->name, mk_msg("stream.reachable"));
	o->down = failed;
}

/* Connects if not connected.  0 when connected. */
static int sl_ensure(struct syslog_out *o)
{
	if (o->fd >= 0 && o->t.transport == MK_SYSLOG_TCP) {
		/* A receiver that closed the connection (restart) shows as readable
		 * with EOF: reconnect before a message is lost into a dead socket. */
		struct pollfd p = {.fd = o->fd, .events = POLLIN};
		char c;

		if (poll(&p, 1, 0) > 0) {
			ssize_t n = recv(o->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
				snprintf(o->err, sizeof(o->err), "%s",
				         "connection closed by the receiver");
				sl_close(o);
			}
		}
	}
	if (o->fd >= 0)
		return 0;
	return o->t.transport == MK_SYSLOG_UNIX ? sl_connect_unix(o) : sl_connect_inet(o);
}

/* All of p, or -1 (deadline, error). */
static int send_all(struct syslog_out *o, const char *p, size_t n, uint64_t deadline)
{
	while (n > 0) {
		ssize_t w = send(o->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		uint64_t now;

		if (w > 0) {
			p += w, n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			now = mono_ms();
			if (now < deadline && wait_writable(o->fd, (int)(deadline - now)) == 0)
				continue;
			errno = ETIMEDOUT;
		}
		return -1;
	}
	return 0;
}

static int sl_send(struct syslog_out *o, const char *msg, size_t len)
{
	uint64_t deadline = mono_ms() + SEND_TIMEOUT_MS;

	if (o->t.transport == MK_SYSLOG_TCP) {
		/* RFC 6587 §3.4.1: MSG-LEN SP SYSLOG-MSG */
		int k = snprintf(o->frame, 24, "%zu ", len);

		memcpy(o->frame + k, msg, len);
		if (send_all(o, o->frame, (size_t)k + len, deadline) != 0) {
			/* A frame cut in the middle breaks the octet counting: start a
			 * new connection next time. */
			sl_error(o, "send", errno);
			sl_close(o);
			return -1;
		}
		return 0;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (send_all(o, msg, len, deadline) == 0)
			return 0;
		/* The refusal of an earlier datagram is reported on this send,
		 * which then was not made: once more. */
		if (errno != ECONNREFUSED)
			break;
	}
	sl_error(o, "send", errno);
	return -1;
}

/* ------------------------------------------------------------ the stream */

void mk_alert_stream_options_default(struct mk_alert_stream_options *o)
{
	memset(o, 0, sizeof(*o));
	o->facility = MK_SYSLOG_DEFAULT_FACILITY;
	o->lang = MK_STREAM_LANG_BOTH;
	o->max_alerts = 10000;
}

static uint32_t id_hash(const char *id)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < MK_ALERT_ID_LEN && id[i] != '\0'; i++)
		h = (h ^ (uint8_t)id[i]) * 16777619u;
	return h;
}

/* The entry of id, created when create is set and there is room; NULL
 * otherwise. */
static struct seen *lookup(const struct mk_alert_stream *s, const char *id, bool create)
{
	size_t mask = s->n_slots - 1, i = id_hash(id) & mask;
	struct mk_alert_stream *ms = (struct mk_alert_stream *)s;

	if (id[0] == '\0')
		return NULL;
	for (size_t probes = 0; probes < s->n_slots; probes++, i = (i + 1) & mask) {
		struct seen *e = &ms->tab[i];

		if (e->id[0] == '\0') {
			if (!create || s->n_used >= s->max_used)
				return NULL;
			memcpy(e->id, id, MK_ALERT_ID_LEN);
			e->id[MK_ALERT_ID_LEN - 1] = '\0';
			ms->n_used++;
			return e;
		}
		if (strncmp(e->id, id, MK_ALERT_ID_LEN) == 0)
			return e;
	}
	return NULL;
}

struct mk_alert_stream *mk_alert_stream_open(const struct mk_alert_stream_options *o, char *err,
                                             size_t errlen)
{
	struct mk_alert_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		goto out_nomem;
	s->o = *o;
	s->sl.fd = -1;
	s->max_used = o->max_alerts != 0 ? o->max_alerts : 10000;
	for (s->n_slots = 64; s->n_slots < 2 * s->max_used && s->n_slots < MAX_TABLE_SLOTS;)
		s->n_slots *= 2;
	if (s->max_used > s->n_slots / 2)
		s->max_used = s->n_slots / 2;
	s->tab = calloc(s->n_slots, sizeof(*s->tab));
	if (s->tab == NULL)
		goto out_nomem;
	/* The catalogue is loaded here, on the caller's thread, before any
	 * other thread asks it for a text. */
	(void)mk_msg("stream.unreachable");
	if (o->jsonl_path != NULL) {
		s->jsonl_stdout = strcmp(o->jsonl_path, "-") == 0;
		s->jsonl = s->jsonl_stdout ? stdout : fopen(o->jsonl_path, "a");
		if (s->jsonl == NULL) {
			snprintf(err, errlen, "%s: %s: %s", o->jsonl_path,
			         mk_msg("stream.jsonl_open"), strerror(errno));
			mk_alert_stream_close(s);
			return NULL;
		}
		s->has[OUT_JSONL] = true;
	}
	if (o->syslog) {
		struct syslog_out *sl = &s->sl;

		sl->t = o->syslog_target;
		mk_syslog_target_str(&sl->t, sl->name, sizeof(sl->name));
		sl->max_len =
		    sl->t.transport == MK_SYSLOG_TCP ? MK_SYSLOG_MAX_TCP : MK_SYSLOG_MAX_UDP;
		sl->msg = malloc(MK_SYSLOG_MAX_TCP + 1);
		sl->frame = malloc(MK_SYSLOG_MAX_TCP + 24);
		if (sl->msg == NULL || sl->frame == NULL) {
			mk_alert_stream_close(s);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		if (gethostname(sl->hostname, sizeof(sl->hostname) - 1) != 0)
			sl->hostname[0] = '\0';
		s->has[OUT_SYSLOG] = true;
		if (sl_ensure(sl) != 0) /* unreachable: a warning; emit tries again */
			sl_state(sl, true);
	}
	return s;

out_nomem:
	if (s != NULL)
		free(s->tab);
	free(s);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

void mk_alert_stream_seed(struct mk_alert_stream *s, const struct mk_alert_rec *a)
{
	struct seen *e = lookup(s, a->id, true);

	if (e == NULL)
		return;
	e->cur_count = a->count;
	e->cur_sev = a->severity;
	for (int k = 0; k < N_OUT; k++) {
		e->count[k] = a->count;
		e->sev[k] = a->severity;
	}
	e->sent = (1u << N_OUT) - 1;
}

static bool differs(const struct seen *e, int k, const struct mk_alert_rec *a)
{
	return !(e->sent & (1u << k)) || e->count[k] != a->count || e->sev[k] != a->severity;
}

bool mk_alert_stream_pending(const struct mk_alert_stream *s, const struct mk_alert_rec *a)
{
	const struct seen *e = lookup(s, a->id, false);

	if (e == NULL)
		return s->n_used < s->max_used && a->id[0] != '\0';
	for (int k = 0; k < N_OUT; k++)
		if (s->has[k] && differs(e, k, a))
			return true;
	return false;
}

static int send_syslog(struct mk_alert_stream *s, const char *event, const struct mk_alert_rec *a)
{
	struct syslog_out *o = &s->sl;
	struct mk_syslog_format f = {
	    .facility = s->o.facility,
	    .lang = s->o.lang,
	    .hostname = o->hostname,
	    .procid = (unsigned long)getpid(),
	    .max_len = o->max_len,
	};
	bool cut;
	size_t len = mk_syslog_format_alert(o->msg, MK_SYSLOG_MAX_TCP + 1, &f, event, a, &cut);

	if (len == 0 || sl_send(o, o->msg, len) != 0)
		return -1;
	s->st.truncated += cut;
	return 0;
}

void mk_alert_stream_emit(struct mk_alert_stream *s, const struct mk_report *r)
{
	struct mk_report_index *ix = mk_report_index_new(r); /* NULL: no references */
	bool syslog_up = s->has[OUT_SYSLOG] && sl_ensure(&s->sl) == 0;
	bool syslog_failed = false, syslog_sent = false;
	uint64_t untracked = 0;

	for (size_t i = 0; i < r->n_alerts; i++) {
		const struct mk_alert_rec *a = &r->alerts[i];
		struct seen *e = lookup(s, a->id, true);

		if (e == NULL) {
			untracked++;
			continue;
		}
		e->cur_count = a->count;
		e->cur_sev = a->severity;
		for (int k = 0; k < N_OUT; k++) {
			const char *event;
			int rc;

			if (!s->has[k] || !differs(e, k, a))
				continue;
			event = (e->sent & (1u << k)) ? "update" : "new";
			if (k == OUT_JSONL) {
				rc = mk_alert_stream_jsonl(s->jsonl, event, r, ix, a);
				s->st.jsonl_written += rc == 0;
				s->st.jsonl_failed += rc != 0;
			} else {
				/* One connection attempt per emit: after a failure the
				 * rest waits for the next snapshot. */
				rc = syslog_up ? send_syslog(s, event, a) : -1;
				if (rc != 0 && s->sl.fd < 0)
					syslog_up = false;
				syslog_failed |= rc != 0;
				syslog_sent |= rc == 0;
				s->st.syslog_sent += rc == 0;
				s->st.syslog_failed += rc != 0;
			}
			if (rc == 0) {
				e->sent |= (uint8_t)(1u << k);
				e->count[k] = a->count;
				e->sev[k] = a->severity;
			}
		}
	}
	if (syslog_failed || syslog_sent)
		sl_state(&s->sl, syslog_failed);
	if (untracked > s->st.untracked)
		s->st.untracked = untracked;
	mk_report_index_free(ix);
}

const struct mk_alert_stream_stats *mk_alert_stream_stats(const struct mk_alert_stream *s)
{
	return &s->st;
}

/* Alerts whose latest state never reached output k. */
static uint64_t undelivered(const struct mk_alert_stream *s, int k)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->n_slots; i++) {
		const struct seen *e = &s->tab[i];

		if (e->id[0] != '\0' && (!(e->sent & (1u << k)) || e->count[k] != e->cur_count ||
		                         e->sev[k] != e->cur_sev))
			n++;
	}
	return n;
}

void mk_alert_stream_close(struct mk_alert_stream *s)
{
	if (s == NULL)
		return;
	if (s->has[OUT_SYSLOG]) {
		uint64_t left = undelivered(s, OUT_SYSLOG);

		mk_info("syslog %s: %s %llu", s->sl.name, mk_msg("stream.sent"),
		        (unsigned long long)s->st.syslog_sent);
		if (s->st.syslog_failed != 0 || left != 0)
			mk_warn("syslog %s: %s %llu, %s %llu (%s). %s", s->sl.name,
			        mk_msg("stream.not_sent"), (unsigned long long)s->st.syslog_failed,
			        mk_msg("stream.undelivered"), (unsigned long long)left,
			        s->sl.err[0] ? s->sl.err : "-", mk_msg("stream.db_complete"));
	}
	if (s->has[OUT_JSONL] && s->st.jsonl_failed != 0)
		mk_warn("%s: %s %llu. %s", s->o.jsonl_path, mk_msg("stream.jsonl_failed"),
		        (unsigned long long)s->st.jsonl_failed, mk_msg("stream.db_complete"));
	if (s->st.untracked != 0)
		mk_warn("%s %llu", mk_msg("stream.untracked"), (unsigned long long)s->st.untracked);
	if (s->jsonl != NULL && !s->jsonl_stdout)
		fclose(s->jsonl);
	else if (s->jsonl != NULL)
		fflush(s->jsonl);
	sl_close(&s->sl);
	free(s->sl.msg);
	free(s->sl.frame);
	free(s->tab);
	free(s);
}

/* ssdp.c - SSDP plug-in: what UPnP devices (TVs, printers, NAS, routers, cameras)
 * say about themselves when they announce or answer a search.
 *
 * specification: UPnP Device Architecture 2.0 section 1 (Discovery): 1.2.2
 * "ssdp:alive" NOTIFY, 1.2.3 "ssdp:byebye", 1.3.2 M-SEARCH, 1.3.3 the unicast
 * search response; header fields HOST, LOCATION, NT, NTS, SERVER ("OS/version
 * UPnP/2.0 product/version"), ST, USN.  Messages are HTTPU (HTTP/1.1 over UDP,
 * RFC 7230 section 3 message syntax).
 *
 * Facts come from alive NOTIFYs and search responses, both sent by the device
 * itself; searches describe the searcher's wishes and give none.  A message counts
 * only when its header block is closed by an empty line: a datagram cut short
 * gives an anomaly and no facts, so a LOCATION cut mid-URL is never reported.
 */
#include "mieruka/proto.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#define SSDP_MAX_LINES 32   /* real messages have 6-12 header lines */
#define SSDP_MAX_LINE 512   /* longest line read, CRLF excluded */
#define SSDP_MAX_VALUE 255  /* attribute values are cut here */

static const char *const ssdp_events[] = {
	"ssdp_truncated",       /* no empty line closes the headers */
	"ssdp_line_too_long",   /* a line over SSDP_MAX_LINE bytes */
	"ssdp_too_many_lines",  /* more than SSDP_MAX_LINES header lines */
	NULL,
};

enum ssdp_kind {
	SSDP_OTHER,
	SSDP_NOTIFY,
	SSDP_SEARCH,
	SSDP_RESPONSE,
};

struct ssdp_text {
	const char *p;
	size_t len;
};

struct ssdp_msg {
	enum ssdp_kind kind;
	struct ssdp_text server, location, nt, nts, st;
};

static bool ssdp_starts(const struct ssdp_text *t, const char *prefix)
{
	size_t n = strlen(prefix);

	return t->len >= n && strncasecmp(t->p, prefix, n) == 0;
}

/* Reads one line ending in LF (CR stripped) from rd.  Returns false at the end of
 * the bytes or on a line without LF; sets *too_long for an over-long line. */
static bool ssdp_line(struct mk_rd *rd, struct ssdp_text *line, bool *too_long)
{
	size_t left = mk_rd_left(rd), scan = left < SSDP_MAX_LINE + 2 ? left : SSDP_MAX_LINE + 2;
	const uint8_t *cur = mk_rd_cur(rd), *lf;

	*too_long = false;
	if (cur == NULL)
		return false;
	lf = memchr(cur, '\n', scan);
	if (lf == NULL) {
		*too_long = scan < left;
		return false;
	}
	line->p = (const char *)mk_rd_ptr(rd, (size_t)(lf - cur) + 1);
	line->len = (size_t)(lf - cur);
	if (line->len > 0 && line->p[line->len - 1] == '\r')
		line->len--;
	return line->p != NULL;
}

/* Trims blanks at both ends of a header value and caps it. */
static struct ssdp_text ssdp_trim(const char *p, size_t len)
{
	struct ssdp_text t = {p, len};

	while (t.len > 0 && (t.p[0] == ' ' || t.p[0] == '\t')) {
		t.p++;
		t.len--;
	}
	while (t.len > 0 && (t.p[t.len - 1] == ' ' || t.p[t.len - 1] == '\t'))
		t.len--;
	if (memchr(t.p, 0, t.len) != NULL)
		t.len = 0; /* a NUL in a text header: not a value we pass on */
	if (t.len > SSDP_MAX_VALUE)
		t.len = SSDP_MAX_VALUE;
	return t;
}

static void ssdp_header(struct ssdp_msg *m, const struct ssdp_text *line)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{"server", offsetof(struct ssdp_msg, server)},
		{"location", offsetof(struct ssdp_msg, location)},
		{"nt", offsetof(struct ssdp_msg, nt)},
		{"nts", offsetof(struct ssdp_msg, nts)},
		{"st", offsetof(struct ssdp_msg, st)},
	};
	const char *colon = memchr(line->p, ':', line->len);
	size_t nlen;

	if (colon == NULL)
		return;
	nlen = (size_t)(colon - line->p);
	while (nlen > 0 && (line->p[nlen - 1] == ' ' || line->p[nlen - 1] == '\t'))
		nlen--;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct ssdp_text *dst = (struct ssdp_text *)((char *)m + fields[i].off);

		if (nlen == strlen(fields[i].name) && strncasecmp(line->p, fields[i].name, nlen) == 0 &&
		    dst->p == NULL) /* the first instance wins */
			*dst = ssdp_trim(colon + 1, line->len - (size_t)(colon - line->p) - 1);
	}
}

/* SERVER "Linux/3.10 UPnP/1.0 product/1.2": the first token is the OS by the
 * specification; we pass on its family, and only when it names an OS we know (the
 * version is often a vendor SDK's stock string, "Linux/2.x.x"). */
static void ssdp_os(struct mk_emit *out, const struct ssdp_text *server)
{
	static const struct {
		const char *token, *os;
	} known[] = {
		{"Linux", "Linux"},       {"Windows", "Windows"}, {"Microsoft-Windows", "Windows"},
		{"Darwin", "macOS"},      {"FreeBSD", "FreeBSD"}, {"Android", "Android"},
		{"VxWorks", "VxWorks"},
	};
	size_t tok = 0;

	while (tok < server->len && server->p[tok] != '/' && server->p[tok] != ' ' && server->p[tok] != ',')
		tok++;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (tok == strlen(known[i].token) && strncasecmp(server->p, known[i].token, tok) == 0) {
			mk_emit_os(out, mk_host_rel(MK_HOST_SENDER), known[i].os, 30);
			return;
		}
	}
}

/* "urn:schemas-upnp-org:device:MediaRenderer:1" and vendor "urn:...:device:...". */
static void ssdp_device_type(struct mk_emit *out, const struct ssdp_text *t)
{
	for (size_t i = 0; i + 8 <= t->len; i++)
		if (strncasecmp(t->p + i, ":device:", 8) == 0 && ssdp_starts(t, "urn:")) {
			mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "ssdp_device_type", t->p, t->len);
			return;
		}
}

static void ssdp_facts(const struct ssdp_msg *m, struct mk_emit *out)
{
	struct mk_host sender = mk_host_rel(MK_HOST_SENDER);

	if (m->kind == SSDP_SEARCH || m->kind == SSDP_OTHER)
		return;
	if (m->kind == SSDP_NOTIFY && !ssdp_starts(&m->nts, "ssdp:alive"))
		return; /* byebye and update: the device is leaving or changing */
	if (m->server.len > 0) {
		mk_emit_attr(out, sender, "ssdp_server", m->server.p, m->server.len);
		ssdp_os(out, &m->server);
	}
	if (m->location.len > 0)
		mk_emit_attr(out, sender, "ssdp_location", m->location.p, m->location.len);
	ssdp_device_type(out, m->kind == SSDP_NOTIFY ? &m->nt : &m->st);
}

static enum ssdp_kind ssdp_start(const struct ssdp_text *l)
{
	if (ssdp_starts(l, "NOTIFY * HTTP/1."))
		return SSDP_NOTIFY;
	if (ssdp_starts(l, "M-SEARCH * HTTP/1."))
		return SSDP_SEARCH;
	if (ssdp_starts(l, "HTTP/1.1 200") || ssdp_starts(l, "HTTP/1.0 200"))
		return SSDP_RESPONSE;
	return SSDP_OTHER;
}

/* Pure: the start line names an SSDP method (a 200 response is only "maybe": plain
 * HTTP over UDP looks the same until its headers are read). */
static int mk_ssdp_probe(struct mk_rd *rd, enum mk_dir dir)
{
	struct mk_rd c = *rd;
	struct ssdp_text line;
	bool too_long;

	(void)dir;
	if (!ssdp_line(&c, &line, &too_long))
		return MK_PROBE_NO;
	switch (ssdp_start(&line)) {
	case SSDP_NOTIFY:
	case SSDP_SEARCH:
		return MK_PROBE_SURE;
	case SSDP_RESPONSE:
		return MK_PROBE_MAYBE;
	default:
		return MK_PROBE_NO;
	}
}

static enum mk_verdict mk_ssdp_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                     struct mk_emit *out)
{
	struct ssdp_msg m;
	struct ssdp_text line;
	bool too_long;

	(void)state;
	(void)dir;
	*consumed = 0;
	memset(&m, 0, sizeof(m));
	if (!ssdp_line(rd, &line, &too_long)) {
		mk_emit_anomaly(out, too_long ? "ssdp_line_too_long" : "ssdp_truncated");
		return MK_V_OK;
	}
	m.kind = ssdp_start(&line);
	if (m.kind == SSDP_OTHER)
		return MK_V_OK; /* another HTTPU message: nothing for us, the flow stays */
	for (unsigned n = 0;; n++) {
		if (n >= SSDP_MAX_LINES) {
			mk_emit_anomaly(out, "ssdp_too_many_lines");
			return MK_V_OK;
		}
		if (!ssdp_line(rd, &line, &too_long)) {
			mk_emit_anomaly(out, too_long ? "ssdp_line_too_long" : "ssdp_truncated");
			return MK_V_OK;
		}
		if (line.len == 0)
			break; /* the empty line: the headers are whole */
		ssdp_header(&m, &line);
	}
	ssdp_facts(&m, out);
	return MK_V_OK;
}

const struct mk_proto mk_proto_ssdp = {
	.abi = MK_PROTO_ABI,
	.name = "ssdp",
	.id = MK_PROTO_SSDP,
	.transports = MK_TRANSPORT_UDP,
	.l2 = NULL,
	.state_size = 0,
	.max_buffer = 0,
	.probe = mk_ssdp_probe,
	.parse = mk_ssdp_parse,
	.events = ssdp_events,
};

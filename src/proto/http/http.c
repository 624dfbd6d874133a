/* http.c - HTTP/1.x identification: request method and target length, Host,
 * User-Agent and Server headers, clear-text Basic credentials (flagged, never
 * kept), with bodies skipped by Content-Length or chunked framing so pipelined
 * messages stay in step.  Anything it cannot frame ends the deep parsing.
 * specification: RFC 9112 sections 2-7 (HTTP/1.1 message syntax and framing);
 * RFC 9110 section 11 and RFC 7617 (Authorization, Basic)
 */
#include "mieruka/proto.h"

#include <string.h>

#define HTTP_HEADER_MAX 16384   /* whole header block; also the NEED cap */
#define HTTP_HEADERS_MAX 100    /* header lines looked at per message */
#define HTTP_MESSAGES_MAX 64    /* messages per direction, then just labelled */
#define HTTP_CHUNK_LINE_MAX 1024
#define HTTP_TEXT_MAX 255       /* cap on emitted header values */
#define HTTP_LONG_URI 2048      /* targets longer than this are an anomaly */
#define HTTP_HEAD_QUEUE 32      /* pipelined requests remembered for HEAD */

enum http_mode {
	HTTP_HEADERS,
	HTTP_BODY,       /* Content-Length bytes left */
	HTTP_CHUNK_SIZE,
	HTTP_CHUNK_DATA,
	HTTP_CHUNK_END,  /* the CRLF after chunk data */
	HTTP_TRAILERS,
	HTTP_DONE,
};

struct http_dir {
	uint8_t mode;
	uint16_t messages;
	uint64_t left; /* body or chunk bytes still to skip */
};

struct http_state {
	struct http_dir d[2];
	uint32_t head_bits; /* FIFO of pending requests: bit set = HEAD */
	uint8_t head_count;
	uint8_t host_said, ua_said, server_said, basic_said;
};

static const char *const http_events[] = {
	"http_basic_auth_cleartext",
	"http_bad_request_line",
	"http_bad_status_line",
	"http_bad_header",
	"http_bad_content_length",
	"http_bad_chunk",
	"http_header_too_long",
	"http_too_many_headers",
	"http_long_uri",
	NULL,
};

/* Methods of RFC 9110 9.3 plus WebDAV (RFC 4918) ones met on NAS devices. */
static const struct {
	const char *name;
	enum mk_op_class op;
} http_methods[] = {
	{"GET", MK_OP_READ}, {"HEAD", MK_OP_READ}, {"POST", MK_OP_WRITE}, {"PUT", MK_OP_WRITE},
	{"DELETE", MK_OP_WRITE}, {"PATCH", MK_OP_WRITE}, {"OPTIONS", MK_OP_OTHER},
	{"CONNECT", MK_OP_OTHER}, {"TRACE", MK_OP_DIAGNOSTIC}, {"PROPFIND", MK_OP_READ},
	{"PROPPATCH", MK_OP_WRITE}, {"MKCOL", MK_OP_WRITE}, {"COPY", MK_OP_WRITE},
	{"MOVE", MK_OP_WRITE}, {"LOCK", MK_OP_WRITE}, {"UNLOCK", MK_OP_WRITE},
};

static uint8_t http_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

static bool http_ieq(const uint8_t *p, size_t len, const char *s)
{
	size_t sl = strlen(s);

	if (len != sl)
		return false;
	for (size_t i = 0; i < len; i++)
		if (http_lower(p[i]) != (uint8_t)s[i])
			return false;
	return true;
}

static bool http_has_token(const uint8_t *p, size_t len, const char *s)
{
	size_t sl = strlen(s);

	for (size_t i = 0; sl <= len && i <= len - sl; i++) {
		size_t k = 0;

		while (k < sl && http_lower(p[i + k]) == (uint8_t)s[k])
			k++;
		if (k == sl)
			return true;
	}
	return false;
}

static int http_method(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++)
		if (strlen(http_methods[i].name) == len && memcmp(p, http_methods[i].name, len) == 0)
			return (int)i;
	return -1;
}

static const uint8_t *http_find(const uint8_t *p, size_t len, uint8_t c)
{
	return len > 0 ? memchr(p, c, len) : NULL;
}

static int http_probe(struct mk_rd *rd, enum mk_dir dir)
{
	size_t n = mk_rd_left(rd);
	const uint8_t *p = mk_rd_cur(rd);
	const uint8_t *sp, *nl;
	size_t line;

	if (n == 0)
		return MK_PROBE_NO;
	nl = http_find(p, n, '\n');
	line = nl != NULL ? (size_t)(nl - p) : n;
	if (dir == MK_DIR_TO_CLIENT) {
		static const char v[] = "HTTP/1.";
		size_t k = n < 7 ? n : 7;

		if (memcmp(p, v, k) != 0)
			return MK_PROBE_NO;
		return n >= 9 && (p[7] == '0' || p[7] == '1') && p[8] == ' ' ? MK_PROBE_SURE : MK_PROBE_MAYBE;
	}
	sp = http_find(p, line < 10 ? line : 10, ' ');
	if (sp == NULL)
		return MK_PROBE_NO;
	if (http_method(p, (size_t)(sp - p)) < 0)
		return MK_PROBE_NO;
	if (nl == NULL)
		return MK_PROBE_MAYBE;
	/* "HTTP/1.x" ends the request line; RTSP and SIP look alike otherwise. */
	return line >= 9 && (http_has_token(p, line, " http/1.0") || http_has_token(p, line, " http/1.1"))
	               ? MK_PROBE_SURE
	               : MK_PROBE_NO;
}

/* Parses a decimal Content-Length; false on junk or overflow. */
static bool http_number(const uint8_t *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 15)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return true;
}

static size_t http_trim(const uint8_t *p, size_t len, size_t *start)
{
	size_t s = 0;

	while (s < len && (p[s] == ' ' || p[s] == '\t'))
		s++;
	while (len > s && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	*start = s;
	return len - s;
}

struct http_msg {
	bool request;
	bool chunked;
	bool has_length;
	bool bad_length;
	bool upgrade;
	uint64_t length;
	int method;
	unsigned status;
};

static void http_header(struct http_state *st, struct http_msg *m, const uint8_t *name, size_t nl,
                        const uint8_t *val, size_t vl, struct mk_emit *out)
{
	if (http_ieq(name, nl, "content-length")) {
		uint64_t v = 0;

		/* An unparsable or conflicting Content-Length is request smuggling
		 * territory: remember it as bad, keep the first good value. */
		if (!http_number(val, vl, &v) || (m->has_length && v != m->length)) {
			m->bad_length = true;
			return;
		}
		m->has_length = true;
		m->length = v;
	} else if (http_ieq(name, nl, "transfer-encoding")) {
		m->chunked = http_has_token(val, vl, "chunked");
	} else if (http_ieq(name, nl, "upgrade")) {
		m->upgrade = true;
	} else if (m->request && http_ieq(name, nl, "host")) {
		if (!st->host_said && vl > 0)
			mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "http_host", (const char *)val,
			             vl < HTTP_TEXT_MAX ? vl : HTTP_TEXT_MAX);
		st->host_said = 1;
	} else if (m->request && http_ieq(name, nl, "user-agent")) {
		if (!st->ua_said && vl > 0)
			mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "http_user_agent", (const char *)val,
			             vl < HTTP_TEXT_MAX ? vl : HTTP_TEXT_MAX);
		st->ua_said = 1;
	} else if (m->request && http_ieq(name, nl, "authorization")) {
		if (vl >= 6 && http_ieq(val, 6, "basic ")) {
			mk_emit_operation(out, MK_OP_AUTH, "basic");
			if (!st->basic_said)
				mk_emit_anomaly(out, "http_basic_auth_cleartext");
			st->basic_said = 1;
		} else {
			mk_emit_operation(out, MK_OP_AUTH, "authorization");
		}
	} else if (!m->request && http_ieq(name, nl, "server")) {
		if (!st->server_said && vl > 0)
			mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "http_server", (const char *)val,
			             vl < HTTP_TEXT_MAX ? vl : HTTP_TEXT_MAX);
		st->server_said = 1;
	}
}

/* The start line; false when it is not HTTP/1.x. */
static bool http_start_line(struct http_state *st, struct http_msg *m, const uint8_t *p, size_t len,
                            unsigned d, struct mk_emit *out)
{
	if (d == 0) {
		const uint8_t *sp1 = http_find(p, len, ' ');
		const uint8_t *sp2;
		size_t target;

		if (sp1 == NULL)
			return false;
		m->method = http_method(p, (size_t)(sp1 - p));
		sp2 = http_find(sp1 + 1, len - (size_t)(sp1 - p) - 1, ' ');
		if (m->method < 0 || sp2 == NULL || (size_t)(p + len - sp2) != 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
		    (sp2[8] != '0' && sp2[8] != '1'))
			return false;
		m->request = true;
		target = (size_t)(sp2 - sp1 - 1);
		mk_emit_operation(out, http_methods[m->method].op, http_methods[m->method].name);
		if (target > HTTP_LONG_URI)
			mk_emit_anomaly(out, "http_long_uri");
		if (st->head_count < HTTP_HEAD_QUEUE) {
			if (m->method == 1) /* HEAD */
				st->head_bits |= 1u << st->head_count;
			st->head_count++;
		}
		return true;
	}
	if (len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ')
		return false;
	for (int i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	m->status = (unsigned)(p[9] - '0') * 100 + (unsigned)(p[10] - '0') * 10 + (unsigned)(p[11] - '0');
	return len == 12 || p[12] == ' ';
}

/* One whole header block of len bytes (the blank line included). */
static void http_headers(struct http_state *st, unsigned d, const uint8_t *p, size_t len, struct mk_emit *out)
{
	struct http_dir *hd = &st->d[d];
	struct http_msg m;
	size_t pos = 0, lines = 0;
	bool head = false, first = true;

	memset(&m, 0, sizeof(m));
	m.method = -1;
	while (pos < len) {
		const uint8_t *nl = http_find(p + pos, len - pos, '\n');
		size_t ll = nl != NULL ? (size_t)(nl - (p + pos)) : len - pos;
		const uint8_t *line = p + pos;
		size_t start, vl;
		const uint8_t *colon;

		pos += ll + 1;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break; /* the blank line */
		if (first) {
			first = false;
			if (!http_start_line(st, &m, line, ll, d, out)) {
				/* "PRI * HTTP/2.0" and other non-1.x traffic: stop quietly
				 * for h2, loudly for junk. */
				if (!(ll >= 14 && memcmp(line, "PRI * HTTP/2.0", 14) == 0))
					mk_emit_anomaly(out, d == 0 ? "http_bad_request_line" : "http_bad_status_line");
				hd->mode = HTTP_DONE;
				return;
			}
			continue;
		}
		if (++lines > HTTP_HEADERS_MAX) {
			mk_emit_anomaly(out, "http_too_many_headers");
			hd->mode = HTTP_DONE;
			return;
		}
		colon = http_find(line, ll, ':');
		if (colon == NULL || colon == line) {
			mk_emit_anomaly(out, "http_bad_header");
			continue;
		}
		vl = http_trim(colon + 1, ll - (size_t)(colon - line) - 1, &start);
		http_header(st, &m, line, (size_t)(colon - line), colon + 1 + start, vl, out);
	}
	if (m.bad_length) {
		mk_emit_anomaly(out, "http_bad_content_length");
		hd->mode = HTTP_DONE;
		return;
	}
	if (!m.request && st->head_count > 0 && m.status >= 200) {
		head = (st->head_bits & 1u) != 0;
		st->head_bits >>= 1;
		st->head_count--;
	}
	/* RFC 9112 6.3: which messages have a body and how long it is. */
	if (m.request && m.method == 7 /* CONNECT */) {
		hd->mode = HTTP_DONE;
	} else if (!m.request && (m.status == 101 || (m.status >= 200 && m.status < 300 && m.upgrade))) {
		st->d[0].mode = st->d[1].mode = HTTP_DONE; /* another protocol follows */
	} else if (!m.request && (head || m.status < 200 || m.status == 204 || m.status == 304)) {
		hd->mode = HTTP_HEADERS;
	} else if (m.chunked) {
		hd->mode = HTTP_CHUNK_SIZE;
	} else if (m.has_length) {
		hd->left = m.length;
		hd->mode = m.length > 0 ? HTTP_BODY : HTTP_HEADERS;
	} else if (m.request) {
		hd->mode = HTTP_HEADERS;
	} else {
		hd->mode = HTTP_DONE; /* body until the connection closes */
	}
	if (++hd->messages >= HTTP_MESSAGES_MAX)
		hd->mode = HTTP_DONE;
}

/* Finds the end of the header block: the offset after the blank line. */
static size_t http_block_end(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static enum mk_verdict http_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                  struct mk_emit *out)
{
	struct http_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	struct http_dir *hd = &st->d[d];

	*consumed = 0;
	for (;;) {
		size_t left = mk_rd_left(rd);
		const uint8_t *p = mk_rd_cur(rd);
		size_t n;

		if (hd->mode == HTTP_DONE) {
			*consumed += left;
			return MK_V_OK;
		}
		if (left == 0)
			return MK_V_OK;
		switch (hd->mode) {
		case HTTP_HEADERS:
			/* Stray CRLFs between messages are allowed (RFC 9112 2.2). */
			if (p[0] == '\r' || p[0] == '\n') {
				n = 1;
				break;
			}
			n = http_block_end(p, left < HTTP_HEADER_MAX ? left : HTTP_HEADER_MAX);
			if (n == 0) {
				if (left < HTTP_HEADER_MAX)
					return MK_V_NEED;
				mk_emit_anomaly(out, "http_header_too_long");
				hd->mode = HTTP_DONE;
				continue;
			}
			http_headers(st, d, p, n, out);
			break;
		case HTTP_BODY:
		case HTTP_CHUNK_DATA:
			n = hd->left < left ? (size_t)hd->left : left;
			hd->left -= n;
			if (hd->left == 0)
				hd->mode = hd->mode == HTTP_BODY ? HTTP_HEADERS : HTTP_CHUNK_END;
			break;
		case HTTP_CHUNK_END:
		case HTTP_CHUNK_SIZE:
		case HTTP_TRAILERS: {
			const uint8_t *nl = http_find(p, left < HTTP_CHUNK_LINE_MAX ? left : HTTP_CHUNK_LINE_MAX, '\n');
			size_t ll;

			if (nl == NULL) {
				if (left < HTTP_CHUNK_LINE_MAX)
					return MK_V_NEED;
				mk_emit_anomaly(out, "http_bad_chunk");
				hd->mode = HTTP_DONE;
				continue;
			}
			ll = (size_t)(nl - p);
			n = ll + 1;
			if (ll > 0 && p[ll - 1] == '\r')
				ll--;
			if (hd->mode == HTTP_CHUNK_END) {
				if (ll != 0) {
					mk_emit_anomaly(out, "http_bad_chunk");
					hd->mode = HTTP_DONE;
					continue;
				}
				hd->mode = HTTP_CHUNK_SIZE;
			} else if (hd->mode == HTTP_TRAILERS) {
				if (ll == 0)
					hd->mode = HTTP_HEADERS;
			} else {
				uint64_t size = 0;
				size_t i = 0;

				for (; i < ll && i < 12; i++) {
					uint8_t c = http_lower(p[i]);
					unsigned v = c >= '0' && c <= '9' ? (unsigned)(c - '0')
					             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16u;

					if (v == 16)
						break;
					size = size * 16 + v;
				}
				if (i == 0 || (i < ll && p[i] != ';' && p[i] != ' ' && p[i] != '\t')) {
					mk_emit_anomaly(out, "http_bad_chunk");
					hd->mode = HTTP_DONE;
					continue;
				}
				hd->left = size;
				hd->mode = size > 0 ? HTTP_CHUNK_DATA : HTTP_TRAILERS;
			}
			break;
		}
		default:
			hd->mode = HTTP_DONE;
			continue;
		}
		mk_rd_skip(rd, n);
		*consumed += n;
	}
}

const struct mk_proto mk_proto_http = {
	.abi = MK_PROTO_ABI,
	.name = "http",
	.id = MK_PROTO_HTTP,
	.transports = MK_TRANSPORT_TCP,
	.state_size = sizeof(struct http_state),
	.max_buffer = HTTP_HEADER_MAX,
	.probe = http_probe,
	.parse = http_parse,
	.events = http_events,
};

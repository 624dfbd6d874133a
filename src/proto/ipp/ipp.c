/* ipp.c - IPP (Internet Printing Protocol) over HTTP, TCP 631: identification only.
 * specification: RFC 8010 section 3 (encoding: an IPP message is the body of an HTTP POST
 * with Content-Type "application/ipp", section 3.4 / 4 of RFC 8010 and RFC 8011 section 4.1);
 * HTTP/1.1 message framing (Content-Length, chunked) per RFC 9112 sections 6 and 7.1.
 * Each POST request from the client is one IPP operation: counted as "other" / "ipp".
 */
#include "mieruka/proto.h"

#include <ctype.h>
#include <string.h>

#define IPP_MAX_HEADER 8192 /* the largest HTTP header block we wait for */
#define IPP_PROBE_SPAN 2048 /* how far the probe looks for the Content-Type */

enum ipp_mode {
	IPP_HEADERS = 0, /* waiting for a request's header block */
	IPP_BODY,        /* skipping `left` bytes of body */
	IPP_CHUNK_SIZE,  /* a chunk-size line */
	IPP_CHUNK_DATA,  /* `left` bytes of chunk data plus its CRLF */
	IPP_TRAILER,     /* trailer lines until an empty one */
};

struct ipp_state {
	uint8_t mode;
	uint64_t left;
};

static const char *const ipp_events[] = {NULL};

/* Offset of "\r\n" at or after `from` in p[0..n), or n. */
static size_t ipp_crlf(const uint8_t *p, size_t n, size_t from)
{
	for (size_t i = from; i + 1 < n; i++)
		if (p[i] == '\r' && p[i + 1] == '\n')
			return i;
	return n;
}

static bool ipp_prefix_ci(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (tolower(p[i]) != tolower((unsigned char)s[i]))
			return false;
	return true;
}

/* Value of header `name` (with its colon) in the header block p[0..n), or NULL. */
static const uint8_t *ipp_header(const uint8_t *p, size_t n, const char *name, size_t *vlen)
{
	size_t line = ipp_crlf(p, n, 0);

	while (line < n) {
		size_t start = line + 2, end = ipp_crlf(p, n, start);

		if (ipp_prefix_ci(p + start, end - start, name)) {
			size_t v = start + strlen(name);

			while (v < end && (p[v] == ' ' || p[v] == '\t'))
				v++;
			*vlen = end - v;
			return p + v;
		}
		line = end;
	}
	return NULL;
}

static bool ipp_is_ipp_type(const uint8_t *p, size_t n)
{
	size_t vlen = 0;
	const uint8_t *v = ipp_header(p, n, "content-type:", &vlen);

	return v != NULL && ipp_prefix_ci(v, vlen, "application/ipp") &&
	       (vlen == 15 || v[15] == ';' || v[15] == ' ');
}

static int ipp_probe(struct mk_rd *rd, enum mk_dir dir)
{
	size_t n = mk_rd_left(rd);
	const uint8_t *p = mk_rd_cur(rd);

	if (p == NULL)
		return MK_PROBE_NO;
	if (n > IPP_PROBE_SPAN)
		n = IPP_PROBE_SPAN;
	for (size_t e = 0; e + 3 < n; e++)
		if (memcmp(p + e, "\r\n\r\n", 4) == 0) {
			n = e + 2; /* only the header block */
			break;
		}
	if (dir == MK_DIR_TO_SERVER && n >= 6 && memcmp(p, "POST /", 6) == 0)
		return ipp_is_ipp_type(p, n) ? MK_PROBE_SURE : MK_PROBE_NO;
	if (n >= 7 && memcmp(p, "HTTP/1.", 7) == 0)
		return ipp_is_ipp_type(p, n) ? MK_PROBE_SURE : MK_PROBE_NO;
	return MK_PROBE_NO;
}

static bool ipp_number(const uint8_t *v, size_t n, int base, uint64_t *out)
{
	uint64_t x = 0;
	size_t i = 0;

	for (; i < n && i < 16; i++) {
		int d;

		if (isdigit(v[i]))
			d = v[i] - '0';
		else if (base == 16 && isxdigit(v[i]))
			d = tolower(v[i]) - 'a' + 10;
		else
			break;
		x = x * (uint64_t)base + (uint64_t)d;
	}
	if (i == 0)
		return false;
	/* After the digits: only spaces, or a chunk extension. */
	for (; i < n; i++)
		if (v[i] != ' ' && v[i] != '\t' && !(base == 16 && v[i] == ';'))
			return false;
		else if (v[i] == ';')
			break;
	*out = x;
	return true;
}

/* One step over the client's bytes; returns bytes used, 0 = need more, -1 = invalid. */
static long ipp_step(struct ipp_state *st, const uint8_t *p, size_t n, struct mk_emit *out)
{
	size_t e, vlen = 0;
	const uint8_t *v;

	switch (st->mode) {
	case IPP_BODY:
	case IPP_CHUNK_DATA: {
		size_t k = st->left < n ? (size_t)st->left : n;

		st->left -= k;
		if (st->left == 0)
			st->mode = st->mode == IPP_BODY ? IPP_HEADERS : IPP_CHUNK_SIZE;
		return (long)k;
	}
	case IPP_CHUNK_SIZE:
		e = ipp_crlf(p, n, 0);
		if (e == n)
			return n > 256 ? -1 : 0;
		if (!ipp_number(p, e, 16, &st->left) || st->left > ((uint64_t)1 << 40))
			return -1;
		if (st->left == 0) {
			st->mode = IPP_TRAILER;
		} else {
			st->left += 2; /* the CRLF after the data */
			st->mode = IPP_CHUNK_DATA;
		}
		return (long)(e + 2);
	case IPP_TRAILER:
		e = ipp_crlf(p, n, 0);
		if (e == n)
			return n > IPP_MAX_HEADER ? -1 : 0;
		if (e == 0)
			st->mode = IPP_HEADERS;
		return (long)(e + 2);
	default:
		break;
	}
	/* IPP_HEADERS: a stray CRLF between requests (RFC 9112 2.2) is skipped. */
	if (n >= 2 && p[0] == '\r' && p[1] == '\n')
		return 2;
	/* A whole header block, up to its empty line. */
	for (e = 0; e + 3 < n; e++)
		if (memcmp(p + e, "\r\n\r\n", 4) == 0)
			break;
	if (e + 3 >= n)
		return n > IPP_MAX_HEADER ? -1 : 0;
	if (e >= 5 && memcmp(p, "POST ", 5) == 0)
		mk_emit_operation(out, MK_OP_OTHER, "ipp");
	v = ipp_header(p, e + 2, "transfer-encoding:", &vlen);
	if (v != NULL && ipp_prefix_ci(v, vlen, "chunked")) {
		st->mode = IPP_CHUNK_SIZE;
	} else {
		v = ipp_header(p, e + 2, "content-length:", &vlen);
		st->left = 0;
		if (v != NULL && !ipp_number(v, vlen, 10, &st->left))
			return -1;
		if (st->left > 0)
			st->mode = IPP_BODY;
	}
	return (long)(e + 4);
}

static enum mk_verdict ipp_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	struct ipp_state *st = state;
	const uint8_t *p = mk_rd_cur(rd);
	size_t n = mk_rd_left(rd), off = 0;

	*consumed = 0;
	if (dir == MK_DIR_TO_CLIENT || p == NULL) {
		/* Responses are not followed: the requests say what the flow does. */
		*consumed = n;
		return MK_V_OK;
	}
	for (unsigned guard = 0; off < n && guard < 64; guard++) {
		long k = ipp_step(st, p + off, n - off, out);

		if (k < 0)
			return MK_V_INVALID;
		if (k == 0) {
			*consumed = off;
			return MK_V_NEED;
		}
		off += (size_t)k;
	}
	*consumed = off;
	return MK_V_OK;
}

const struct mk_proto mk_proto_ipp = {
	.abi = MK_PROTO_ABI,
	.name = "ipp",
	.id = MK_PROTO_IPP,
	.transports = MK_TRANSPORT_TCP,
	.state_size = sizeof(struct ipp_state),
	.max_buffer = IPP_MAX_HEADER + 4,
	.probe = ipp_probe,
	.parse = ipp_parse,
	.events = ipp_events,
};

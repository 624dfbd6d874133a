/* tls.c - TLS identification from the first handshake message each way: the
 * server name (SNI), ALPN and versions offered in the ClientHello, and the
 * version and cipher suite the ServerHello selects.  A hello split over several
 * records or segments is reassembled (up to TLS_HS_MAX); everything after is
 * encrypted or certificates, and is skipped.
 * specification: RFC 8446 sections 4.1.2-4.1.3 (ClientHello, ServerHello),
 * 4.2.1 (supported_versions) and 5.1 (record layer); RFC 5246 section 7.4.1;
 * RFC 6066 section 3 (server_name); RFC 7301 section 3.1 (ALPN)
 */
#include "mieruka/proto.h"
#include "proto/tls/tls_int.h"

#include <stdio.h>
#include <string.h>

#define TLS_RECORD_HEADER 5
#define TLS_RECORD_MAX (16384 + 2048) /* RFC 8446 5.2: ciphertext limit */
#define TLS_HS_MAX 16384              /* largest hello we reassemble */
#define TLS_CERT_PEEK 8192            /* bytes of a Certificate message read */
#define TLS_BUFFER (TLS_HS_MAX + 64 * TLS_RECORD_HEADER + 1024) /* max_buffer */
#define TLS_EXTENSIONS_MAX 128
#define TLS_TEXT_MAX 255
#define TLS_ALPN_TEXT 128

#define TLS_CT_HANDSHAKE 22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2
#define TLS_HS_CERTIFICATE 11
#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_ALPN 16
#define TLS_EXT_SUPPORTED_VERSIONS 43

struct tls_state {
	uint8_t done[2];
	uint32_t cert_skip; /* server: handshake bytes before the Certificate */
};

_Static_assert(sizeof(struct tls_state) <= MK_TLS_STATE_SIZE, "tls_int.h: MK_TLS_STATE_SIZE");
_Static_assert(TLS_BUFFER == MK_TLS_BUFFER, "tls_int.h: MK_TLS_BUFFER");

const char *const mk_tls_events[] = {
	"tls_bad_record",
	"tls_bad_hello",
	"tls_handshake_too_large",
	"tls_deprecated_version",
	"tls_sslv2_hello",
	"tls_self_signed_certificate",
	NULL,
};

/* RFC 8701 GREASE values (0x0a0a, 0x1a1a, ... 0xfafa) say nothing. */
static bool tls_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static size_t tls_version_name(uint16_t v, char *buf, size_t cap)
{
	static const char *const names[] = {"SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"};
	int n;

	if (v >= 0x0300 && v <= 0x0304)
		n = snprintf(buf, cap, "%s", names[v - 0x0300]);
	else if ((v & 0xff00) == 0x7f00)
		n = snprintf(buf, cap, "TLS 1.3 draft %u", (unsigned)(v & 0xff));
	else
		n = snprintf(buf, cap, "0x%04x", (unsigned)v);
	return n > 0 ? (size_t)n : 0;
}

static int tls_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t type = 0, major = 0, minor = 0, hs = 0;
	uint16_t len = 0;

	if (!mk_rd_peek_u8(rd, 0, &type) || type != TLS_CT_HANDSHAKE)
		return MK_PROBE_NO;
	if (!mk_rd_peek_u8(rd, 1, &major))
		return MK_PROBE_MAYBE;
	if (major != 3)
		return MK_PROBE_NO;
	if (!mk_rd_peek_u8(rd, 2, &minor))
		return MK_PROBE_MAYBE;
	if (minor > 4)
		return MK_PROBE_NO;
	if (!mk_rd_peek_be16(rd, 3, &len))
		return MK_PROBE_MAYBE;
	if (len == 0 || len > TLS_RECORD_MAX)
		return MK_PROBE_NO;
	if (!mk_rd_peek_u8(rd, 5, &hs))
		return MK_PROBE_MAYBE;
	if (hs == (dir == MK_DIR_TO_SERVER ? TLS_HS_CLIENT_HELLO : TLS_HS_SERVER_HELLO))
		return MK_PROBE_SURE;
	return MK_PROBE_NO;
}

/* Reads a vector with a 1- or 2-byte length into sub. */
static bool tls_vec(struct mk_rd *rd, size_t lenbytes, struct mk_rd *sub)
{
	size_t n = lenbytes == 1 ? mk_rd_u8(rd) : mk_rd_be16(rd);

	return mk_rd_ok(rd) && mk_rd_sub(rd, n, sub);
}

static void tls_sni(struct mk_rd *ext, struct mk_emit *out)
{
	struct mk_rd list, name;

	if (!tls_vec(ext, 2, &list))
		return;
	for (int i = 0; i < 8 && mk_rd_left(&list) >= 3; i++) {
		uint8_t type = mk_rd_u8(&list);

		if (!tls_vec(&list, 2, &name))
			return;
		if (type == 0 && name.len > 0) {
			mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "tls_sni", (const char *)name.buf,
			             name.len < TLS_TEXT_MAX ? name.len : TLS_TEXT_MAX);
			return;
		}
	}
}

static void tls_alpn(struct mk_rd *ext, enum mk_host_kind host, struct mk_emit *out)
{
	struct mk_rd list, proto;
	char text[TLS_ALPN_TEXT];
	size_t used = 0;

	if (!tls_vec(ext, 2, &list))
		return;
	for (int i = 0; i < 16 && mk_rd_left(&list) > 0; i++) {
		if (!tls_vec(&list, 1, &proto) || proto.len == 0)
			return;
		if (used + proto.len + 1 >= sizeof(text))
			break;
		if (used > 0)
			text[used++] = ',';
		memcpy(text + used, proto.buf, proto.len);
		used += proto.len;
	}
	if (used > 0)
		mk_emit_attr(out, mk_host_rel(host), "tls_alpn", text, used);
}

/* ClientHello or ServerHello body; false when malformed. */
static bool tls_hello(struct mk_rd *m, bool client, uint16_t *selected, struct mk_emit *out)
{
	struct mk_rd sid, suites, comp, exts, ext;
	uint16_t legacy = mk_rd_be16(m);
	uint16_t best = legacy, suite = 0;
	char text[32];
	size_t n;

	mk_rd_skip(m, 32); /* random */
	if (!tls_vec(m, 1, &sid) || sid.len > 32)
		return false;
	if (client) {
		if (!tls_vec(m, 2, &suites) || suites.len < 2 || suites.len % 2 != 0 || !tls_vec(m, 1, &comp) ||
		    comp.len < 1)
			return false;
	} else {
		suite = mk_rd_be16(m);
		mk_rd_skip(m, 1); /* compression method */
		if (!mk_rd_ok(m))
			return false;
	}
	/* Extensions are optional before TLS 1.3. */
	if (mk_rd_left(m) > 0) {
		if (!tls_vec(m, 2, &exts))
			return false;
		for (int i = 0; i < TLS_EXTENSIONS_MAX && mk_rd_left(&exts) > 0; i++) {
			uint16_t type = mk_rd_be16(&exts);

			if (!tls_vec(&exts, 2, &ext))
				return false;
			if (client && type == TLS_EXT_SERVER_NAME) {
				tls_sni(&ext, out);
			} else if (type == TLS_EXT_ALPN) {
				tls_alpn(&ext, client ? MK_HOST_CLIENT : MK_HOST_SERVER, out);
			} else if (type == TLS_EXT_SUPPORTED_VERSIONS && client) {
				struct mk_rd vers;

				if (!tls_vec(&ext, 1, &vers))
					return false;
				for (int k = 0; k < 32 && mk_rd_left(&vers) >= 2; k++) {
					uint16_t v = mk_rd_be16(&vers);

					if (!tls_grease(v) && v > best && v <= 0x0304)
						best = v;
				}
			} else if (type == TLS_EXT_SUPPORTED_VERSIONS) {
				uint16_t v = mk_rd_be16(&ext);

				if (mk_rd_ok(&ext))
					best = v;
			}
		}
	}
	n = tls_version_name(best, text, sizeof(text));
	if (client) {
		mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "tls_client_version", text, n);
		return true;
	}
	if (selected != NULL)
		*selected = best;
	mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "tls_version", text, n);
	if (best < 0x0303)
		mk_emit_anomaly(out, "tls_deprecated_version");
	n = (size_t)snprintf(text, sizeof(text), "0x%04x", (unsigned)suite);
	mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "tls_cipher_suite", text, n);
	return true;
}

/* Copies the handshake message that starts `skip` bytes into the handshake
 * stream (the concatenated fragments of consecutive handshake records) into
 * buf, at most cap + 4 bytes of it; a hello (cap TLS_HS_MAX) longer than
 * that is an anomaly, a certificate list is simply cut.  Returns 1 when that much is there
 * (*have bytes; *full = the message length with its header), 0 when more
 * bytes are needed, -1 on a broken record (anomaly emitted). */
static int tls_gather(struct mk_rd *rd, size_t skip, size_t cap, uint8_t *buf, size_t *have, size_t *full,
                      struct mk_emit *out)
{
	size_t want = 4, pos = 0;

	*have = 0;
	*full = 0;
	for (int rec = 0; rec < 64; rec++) {
		uint8_t type = 0, major = 0;
		uint16_t len = 0;
		size_t avail;
		const uint8_t *frag;

		if (!mk_rd_has(rd, TLS_RECORD_HEADER))
			return 0;
		mk_rd_peek_u8(rd, 0, &type);
		mk_rd_peek_u8(rd, 1, &major);
		mk_rd_peek_be16(rd, 3, &len);
		if (type != TLS_CT_HANDSHAKE && skip > 0 && major == 3)
			return -1; /* e.g. ChangeCipherSpec after a resumed ServerHello */
		if (type != TLS_CT_HANDSHAKE || major != 3 || len == 0 || len > TLS_RECORD_MAX) {
			mk_emit_anomaly(out, "tls_bad_record");
			return -1;
		}
		mk_rd_skip(rd, TLS_RECORD_HEADER);
		avail = mk_rd_left(rd) < len ? mk_rd_left(rd) : len;
		frag = mk_rd_ptr(rd, avail);
		/* This fragment covers [pos, pos + avail) of the handshake stream. */
		for (int pass = 0; pass < 2 && frag != NULL; pass++) {
			size_t from = skip + *have;

			if (from >= pos && from < pos + avail && *have < want) {
				size_t take = pos + avail - from;

				if (take > want - *have)
					take = want - *have;
				memcpy(buf + *have, frag + (from - pos), take);
				*have += take;
			}
			if (want == 4 && *have == 4) {
				size_t body = ((size_t)buf[1] << 16) | ((size_t)buf[2] << 8) | buf[3];

				*full = 4 + body;
				if (body > cap && cap == TLS_HS_MAX) {
					mk_emit_anomaly(out, "tls_handshake_too_large");
					return -1;
				}
				want = body > cap ? 4 + cap : 4 + body;
			}
		}
		pos += avail;
		if (*have == want && *full > 0)
			return 1;
		if (avail < len || mk_rd_left(rd) == 0)
			return 0; /* this record, or the next, is still arriving */
	}
	mk_emit_anomaly(out, "tls_bad_record");
	return -1;
}

/* DER header: tag and a definite length of at most three octets. */
static bool tls_der(struct mk_rd *rd, uint8_t want, struct mk_rd *sub)
{
	uint8_t tag = mk_rd_u8(rd), l = mk_rd_u8(rd);
	size_t len = l;

	if (l & 0x80) {
		size_t n = l & 0x7fu;

		if (n == 0 || n > 3)
			return false;
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | mk_rd_u8(rd);
	}
	return mk_rd_ok(rd) && tag == want && mk_rd_sub(rd, len, sub);
}

/* The first commonName (2.5.4.3) of an X.501 Name. */
static bool tls_cn(struct mk_rd name, const uint8_t **cn, size_t *cnl)
{
	static const uint8_t oid_cn[] = {0x55, 0x04, 0x03};

	for (int i = 0; i < 32 && mk_rd_left(&name) > 0; i++) {
		struct mk_rd set, atv, oid;

		if (!tls_der(&name, 0x31, &set))
			return false;
		if (!tls_der(&set, 0x30, &atv) || !tls_der(&atv, 0x06, &oid))
			return false;
		if (oid.len == sizeof(oid_cn) && memcmp(oid.buf, oid_cn, sizeof(oid_cn)) == 0) {
			uint8_t t = 0;
			struct mk_rd v;

			/* UTF8String, PrintableString, T61String or IA5String. */
			if (!mk_rd_peek_u8(&atv, 0, &t) || (t != 0x0c && t != 0x13 && t != 0x14 && t != 0x16))
				return false;
			if (!tls_der(&atv, t, &v))
				return false;
			*cn = v.buf;
			*cnl = v.len;
			return true;
		}
	}
	return false;
}

/* Certificate message (TLS 1.2 and earlier): the server's own certificate
 * is the first of the list; its subject CN names the device, and a subject
 * equal to the issuer means self-signed. */
static void tls_certificate(struct mk_rd *m, struct mk_emit *out)
{
	struct mk_rd cert, tbs, skipped, issuer, subject;
	uint32_t list, clen;
	uint8_t t = 0;
	const uint8_t *cn = NULL;
	size_t cnl = 0;

	list = mk_rd_be24(m);
	clen = mk_rd_be24(m);
	(void)list;
	if (!mk_rd_ok(m) || clen == 0)
		return;
	/* A long chain may have been cut at TLS_HS_MAX: the first certificate
	 * must be whole, or nothing is said. */
	if (!mk_rd_sub(m, clen, &cert) || !tls_der(&cert, 0x30, &cert) || !tls_der(&cert, 0x30, &tbs))
		return;
	if (mk_rd_peek_u8(&tbs, 0, &t) && t == 0xa0 && !tls_der(&tbs, 0xa0, &skipped))
		return;
	if (!tls_der(&tbs, 0x02, &skipped) || !tls_der(&tbs, 0x30, &skipped) || !tls_der(&tbs, 0x30, &issuer) ||
	    !tls_der(&tbs, 0x30, &skipped) || !tls_der(&tbs, 0x30, &subject))
		return;
	if (tls_cn(subject, &cn, &cnl) && cnl > 0)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "tls_cert_subject_cn", (const char *)cn,
		             cnl < TLS_TEXT_MAX ? cnl : TLS_TEXT_MAX);
	if (issuer.len == subject.len && memcmp(issuer.buf, subject.buf, issuer.len) == 0)
		mk_emit_anomaly(out, "tls_self_signed_certificate");
}

static enum mk_verdict tls_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	static _Thread_local uint8_t hs[4 + TLS_HS_MAX];
	struct tls_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	uint8_t b0 = 0, b2 = 0;
	size_t have = 0, full = 0;
	struct mk_rd scan = *rd, m;
	int r;

	*consumed = 0;
	if (st->done[d]) {
		*consumed = mk_rd_left(rd);
		return MK_V_OK;
	}
	if (!mk_rd_peek_u8(rd, 0, &b0))
		return MK_V_NEED;
	if (b0 != TLS_CT_HANDSHAKE) {
		/* SSLv2-compatible ClientHello: length with the top bit, type 1. */
		if ((b0 & 0x80) && mk_rd_peek_u8(rd, 2, &b2) && b2 == 1 && d == 0 && st->cert_skip == 0)
			mk_emit_anomaly(out, "tls_sslv2_hello");
		st->done[d] = 1;
		*consumed = mk_rd_left(rd);
		return MK_V_OK;
	}
	/* Server side, after the ServerHello: the next message, a Certificate in
	 * TLS 1.2 and earlier. */
	if (d == 1 && st->cert_skip > 0)
		r = tls_gather(&scan, st->cert_skip, TLS_CERT_PEEK, hs, &have, &full, out);
	else
		r = tls_gather(&scan, 0, TLS_HS_MAX, hs, &have, &full, out);
	if (r == 0 && mk_rd_left(rd) < TLS_BUFFER)
		return MK_V_NEED;
	if (r != 1) {
		st->done[d] = 1;
		*consumed = mk_rd_left(rd);
		return MK_V_OK;
	}
	mk_rd_init(&m, hs + 4, have - 4);
	if (d == 1 && st->cert_skip > 0) {
		if (hs[0] == TLS_HS_CERTIFICATE)
			tls_certificate(&m, out);
	} else if (hs[0] == TLS_HS_CLIENT_HELLO && d == 0) {
		if (!tls_hello(&m, true, NULL, out))
			mk_emit_anomaly(out, "tls_bad_hello");
	} else if (hs[0] == TLS_HS_SERVER_HELLO && d == 1) {
		uint16_t version = 0;

		if (!tls_hello(&m, false, &version, out)) {
			mk_emit_anomaly(out, "tls_bad_hello");
		} else if (version < 0x0304 && full + TLS_CERT_PEEK + 64 * TLS_RECORD_HEADER < TLS_BUFFER) {
			/* Keep the bytes: the Certificate follows in the clear. */
			st->cert_skip = (uint32_t)full;
			return tls_parse(state, rd, dir, consumed, out);
		}
	}
	st->done[d] = 1;
	*consumed = mk_rd_left(rd);
	return MK_V_OK;
}

const struct mk_proto mk_proto_tls = {
	.abi = MK_PROTO_ABI,
	.name = "tls",
	.id = MK_PROTO_TLS,
	.transports = MK_TRANSPORT_TCP,
	.state_size = sizeof(struct tls_state),
	.max_buffer = TLS_BUFFER,
	.probe = tls_probe,
	.parse = tls_parse,
	.events = mk_tls_events,
};

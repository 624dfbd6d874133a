/* opcua.c - OPC UA binary (UA TCP / UA Secure Conversation): the endpoint a
 * client says Hello to, the security policy and mode of each secure channel,
 * the service of every request (classified into operation classes), the client
 * application of CreateSession, the user identity token of ActivateSession, and
 * the server's application description from GetEndpoints / CreateSession
 * responses.  Bodies of channels with a security policy other than None are only
 * decoded where they turn out to be plaintext (Sign mode); encrypted messages are
 * counted as "other" with detail "encrypted".
 *
 * specification: IEC 62541-6 / OPC 10000-6 v1.04: 7.1.2 (UA TCP message
 * header, Hello, Acknowledge, Error, ReverseHello), 6.7.2 (secure conversation
 * message header, asymmetric and symmetric security headers, sequence header),
 * 5.2.2 (built-in types: String 5.2.2.4, NodeId 5.2.2.9, ExpandedNodeId 5.2.2.10,
 * DiagnosticInfo 5.2.2.12, LocalizedText 5.2.2.14, ExtensionObject 5.2.2.15);
 * OPC 10000-4 v1.04: 5.4 (FindServers, GetEndpoints), 5.5.2 (OpenSecureChannel),
 * 5.6.2 (CreateSession), 5.6.3 (ActivateSession), 7.28 (RequestHeader), 7.29
 * (ResponseHeader), 7.1 (ApplicationDescription), 7.10 (EndpointDescription),
 * 7.36 (UserIdentityToken); binary encoding ids from OPC 10000-6 Annex A /
 * NodeIds.csv (e.g. ReadRequest_Encoding_DefaultBinary = 631).
 *
 * Framing: every chunk starts with MessageType(3) ChunkType(1) MessageSize(4,
 * little-endian, including the header).  Chunks up to OPCUA_WHOLE_MAX are parsed
 * whole; larger ones (long Publish or Read responses) are parsed from their first
 * OPCUA_PREFIX bytes and the rest is skipped without buffering.
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define OPCUA_HEADER 8
#define OPCUA_WHOLE_MAX 65536u      /* chunks parsed whole (common buffer size 65535) */
#define OPCUA_PREFIX 16384u         /* bytes parsed of a larger chunk */
#define OPCUA_SIZE_MAX 0x01000000u  /* 16 MiB: no real chunk is larger */
#define OPCUA_TEXT_MAX 255
#define OPCUA_ARRAY_MAX 64          /* array elements walked (endpoints, strings) */
#define OPCUA_DIAG_DEPTH 4          /* nested InnerDiagnosticInfo followed */
#define OPCUA_RESYNC_SCAN 65536     /* bytes searched for a header after a gap */

/* Encoding ids (namespace 0) of identity tokens, OPC 10000-6 Annex A. */
#define UA_ANONYMOUS_TOKEN 321
#define UA_USERNAME_TOKEN 324
#define UA_X509_TOKEN 327
#define UA_ISSUED_TOKEN 940

#define UA_SERVICE_FAULT 397
#define UA_OPN_REQUEST 446
#define UA_OPN_RESPONSE 449
#define UA_GET_ENDPOINTS 428
#define UA_CREATE_SESSION 461
#define UA_ACTIVATE_SESSION 467

enum {
	UA_POLICY_UNKNOWN = 0,
	UA_POLICY_NONE = 1,
	UA_POLICY_SECURED = 2,
};

struct opcua_state {
	uint8_t policy;        /* UA_POLICY_* of the latest OpenSecureChannel */
	uint8_t client_dir;    /* direction of the OPC UA client's messages (+1; 0 = unknown) */
	uint8_t none_said;
	uint8_t role_said;
	uint8_t server_said;
	uint8_t bad_said;
	uint8_t cont[2];       /* inside a multi-chunk message: skip its continuation chunks */
	uint8_t resync[2];     /* bytes were lost: look for the next chunk header */
	uint32_t skip[2];      /* bytes of a large chunk still to skip */
};

static const char *const opcua_events[] = {
	"opcua_bad_header",         /* unknown message or chunk type at a chunk boundary */
	"opcua_bad_size",           /* a chunk size below its header or implausibly large */
	"opcua_bad_encoding",       /* a length inside a whole chunk runs past it */
	"opcua_security_none",      /* a secure channel with SecurityPolicy#None / mode None */
	"opcua_anonymous_session",  /* ActivateSession with an AnonymousIdentityToken */
	"opcua_plaintext_password", /* a UserName token with an unencrypted password on a None channel */
	"opcua_transport_error",    /* an ERR message: the peer closes the connection */
	"opcua_abort_chunk",        /* a message aborted by its sender (chunk type A) */
	NULL,
};

/* Request services, OPC 10000-4 clause 5, with their binary encoding ids. */
static const struct ua_service {
	uint16_t id;
	uint8_t op;
	const char *name;
} ua_services[] = {
	{422, MK_OP_DIAGNOSTIC, "find_servers"},
	{12208, MK_OP_DIAGNOSTIC, "find_servers_on_network"},
	{428, MK_OP_DIAGNOSTIC, "get_endpoints"},
	{437, MK_OP_OTHER, "register_server"},
	{12211, MK_OP_OTHER, "register_server2"},
	{446, MK_OP_OTHER, "open_secure_channel"},
	{452, MK_OP_OTHER, "close_secure_channel"},
	{461, MK_OP_OTHER, "create_session"},
	{467, MK_OP_AUTH, "activate_session"},
	{473, MK_OP_OTHER, "close_session"},
	{479, MK_OP_OTHER, "cancel"},
	{488, MK_OP_PROGRAM, "add_nodes"},
	{494, MK_OP_PROGRAM, "add_references"},
	{500, MK_OP_PROGRAM, "delete_nodes"},
	{506, MK_OP_PROGRAM, "delete_references"},
	{527, MK_OP_READ, "browse"},
	{533, MK_OP_READ, "browse_next"},
	{554, MK_OP_READ, "translate_browse_paths"},
	{560, MK_OP_READ, "register_nodes"},
	{566, MK_OP_READ, "unregister_nodes"},
	{615, MK_OP_READ, "query_first"},
	{621, MK_OP_READ, "query_next"},
	{631, MK_OP_READ, "read"},
	{664, MK_OP_READ, "history_read"},
	{673, MK_OP_WRITE, "write"},
	{700, MK_OP_WRITE, "history_update"},
	{712, MK_OP_CONTROL, "call"},
	{751, MK_OP_READ, "create_monitored_items"},
	{763, MK_OP_READ, "modify_monitored_items"},
	{769, MK_OP_READ, "set_monitoring_mode"},
	{775, MK_OP_READ, "set_triggering"},
	{781, MK_OP_READ, "delete_monitored_items"},
	{787, MK_OP_READ, "create_subscription"},
	{793, MK_OP_READ, "modify_subscription"},
	{799, MK_OP_READ, "set_publishing_mode"},
	{826, MK_OP_READ, "publish"},
	{832, MK_OP_READ, "republish"},
	{841, MK_OP_READ, "transfer_subscriptions"},
	{847, MK_OP_READ, "delete_subscriptions"},
};

static const struct ua_service *ua_request(uint32_t id)
{
	for (size_t i = 0; i < sizeof(ua_services) / sizeof(ua_services[0]); i++)
		if (ua_services[i].id == id)
			return &ua_services[i];
	return NULL;
}

/* Responses are encoded with the request's id + 3 (OPC 10000-6 Annex A). */
static bool ua_response(uint32_t id)
{
	return id == UA_SERVICE_FAULT || (id >= 3 && ua_request(id - 3) != NULL);
}

/* ---- built-in types (OPC 10000-6 5.2.2) ---- */

/* String / ByteString: Int32 length, -1 = null.  *p is NULL for null/empty. */
static bool ua_string(struct mk_rd *rd, const uint8_t **p, size_t *len)
{
	int32_t n = (int32_t)mk_rd_le32(rd);

	*p = NULL;
	*len = 0;
	if (!mk_rd_ok(rd) || n < -1)
		return false;
	if (n <= 0)
		return true;
	*p = mk_rd_ptr(rd, (size_t)n);
	*len = (size_t)n;
	return *p != NULL;
}

static bool ua_skip_string(struct mk_rd *rd)
{
	const uint8_t *p;
	size_t n;

	return ua_string(rd, &p, &n);
}

/* Array of String: Int32 count (-1 = null). */
static bool ua_skip_string_array(struct mk_rd *rd)
{
	int32_t n = (int32_t)mk_rd_le32(rd);

	if (!mk_rd_ok(rd) || n < -1)
		return false;
	for (int32_t i = 0; i < n; i++) {
		/* Each element takes at least 4 bytes: the remaining bytes bound the loop. */
		if (!mk_rd_has(rd, 4) || !ua_skip_string(rd))
			return false;
	}
	return true;
}

/* NodeId (or ExpandedNodeId when expanded): returns the numeric id of a
 * namespace-0 numeric NodeId in *num, else UINT32_MAX. */
static bool ua_nodeid(struct mk_rd *rd, bool expanded, uint32_t *num)
{
	uint8_t enc = mk_rd_u8(rd);
	uint16_t ns = 0;
	uint32_t id = UINT32_MAX;

	switch (enc & 0x3f) {
	case 0x00: /* two-byte */
		id = mk_rd_u8(rd);
		break;
	case 0x01: /* four-byte */
		ns = mk_rd_u8(rd);
		id = mk_rd_le16(rd);
		break;
	case 0x02: /* numeric */
		ns = mk_rd_le16(rd);
		id = mk_rd_le32(rd);
		break;
	case 0x03: /* string */
	case 0x05: /* opaque */
		ns = mk_rd_le16(rd);
		if (!ua_skip_string(rd))
			return false;
		break;
	case 0x04: /* guid */
		ns = mk_rd_le16(rd);
		mk_rd_skip(rd, 16);
		break;
	default:
		return false;
	}
	if ((enc & 0x3f) >= 0x03 || ns != 0)
		id = UINT32_MAX;
	if (expanded && (enc & 0x80) && !ua_skip_string(rd)) /* NamespaceUri */
		return false;
	if (expanded && (enc & 0x40))
		mk_rd_skip(rd, 4); /* ServerIndex */
	if (!expanded && (enc & 0xc0))
		return false;
	*num = id;
	return mk_rd_ok(rd);
}

/* ExtensionObject: TypeId NodeId, encoding byte, optional Int32-length body. */
static bool ua_extension(struct mk_rd *rd, uint32_t *type, struct mk_rd *body)
{
	uint8_t enc;
	const uint8_t *p;
	size_t n;

	if (!ua_nodeid(rd, false, type))
		return false;
	enc = mk_rd_u8(rd);
	mk_rd_init(body, NULL, 0);
	if (!mk_rd_ok(rd) || enc > 2)
		return false;
	if (enc == 0)
		return true;
	if (!ua_string(rd, &p, &n))
		return false;
	mk_rd_init(body, p, n);
	return true;
}

static bool ua_skip_localized(struct mk_rd *rd, const uint8_t **text, size_t *tlen)
{
	uint8_t mask = mk_rd_u8(rd);
	const uint8_t *p;
	size_t n;

	*text = NULL;
	*tlen = 0;
	if (!mk_rd_ok(rd))
		return false;
	if ((mask & 0x01) && !ua_string(rd, &p, &n)) /* Locale */
		return false;
	if ((mask & 0x02) && !ua_string(rd, text, tlen)) /* Text */
		return false;
	return true;
}

static bool ua_skip_diag(struct mk_rd *rd, int depth)
{
	uint8_t mask = mk_rd_u8(rd);

	if (!mk_rd_ok(rd) || depth > OPCUA_DIAG_DEPTH)
		return false;
	if (mask & 0x01)
		mk_rd_skip(rd, 4); /* SymbolicId */
	if (mask & 0x02)
		mk_rd_skip(rd, 4); /* NamespaceUri */
	if (mask & 0x08)
		mk_rd_skip(rd, 4); /* Locale */
	if (mask & 0x04)
		mk_rd_skip(rd, 4); /* LocalizedText */
	if ((mask & 0x10) && !ua_skip_string(rd)) /* AdditionalInfo */
		return false;
	if (mask & 0x20)
		mk_rd_skip(rd, 4); /* InnerStatusCode */
	if ((mask & 0x40) && !ua_skip_diag(rd, depth + 1))
		return false;
	return mk_rd_ok(rd);
}

/* RequestHeader, OPC 10000-4 7.28. */
static bool ua_skip_request_header(struct mk_rd *rd)
{
	uint32_t t;
	struct mk_rd body;

	if (!ua_nodeid(rd, false, &t)) /* AuthenticationToken */
		return false;
	mk_rd_skip(rd, 8 + 4 + 4); /* Timestamp, RequestHandle, ReturnDiagnostics */
	if (!ua_skip_string(rd))   /* AuditEntryId */
		return false;
	mk_rd_skip(rd, 4); /* TimeoutHint */
	return ua_extension(rd, &t, &body);
}

/* ResponseHeader, OPC 10000-4 7.29. */
static bool ua_skip_response_header(struct mk_rd *rd)
{
	uint32_t t;
	struct mk_rd body;

	mk_rd_skip(rd, 8 + 4 + 4); /* Timestamp, RequestHandle, ServiceResult */
	if (!ua_skip_diag(rd, 0) || !ua_skip_string_array(rd))
		return false;
	return ua_extension(rd, &t, &body);
}

/* ---- facts ---- */

static size_t ua_text_len(const uint8_t *p, size_t n)
{
	const uint8_t *nul;

	if (p == NULL)
		return 0;
	nul = memchr(p, 0, n);
	if (nul != NULL)
		n = (size_t)(nul - p);
	return n > OPCUA_TEXT_MAX ? OPCUA_TEXT_MAX : n;
}

static void ua_attr(struct mk_emit *out, enum mk_host_kind host, const char *key, const uint8_t *p,
                    size_t n)
{
	n = ua_text_len(p, n);
	if (n > 0)
		mk_emit_attr(out, mk_host_rel(host), key, (const char *)p, n);
}

/* The OPC UA client and server are not always the TCP client and server
 * (ReverseHello: the server connects).  Hosts are named from the direction in
 * which the client's messages travel. */
static enum mk_host_kind ua_client_host(const struct opcua_state *st)
{
	return st->client_dir == MK_DIR_TO_CLIENT + 1 ? MK_HOST_SERVER : MK_HOST_CLIENT;
}

static enum mk_host_kind ua_server_host(const struct opcua_state *st)
{
	return st->client_dir == MK_DIR_TO_CLIENT + 1 ? MK_HOST_CLIENT : MK_HOST_SERVER;
}

static bool ua_is_client_dir(const struct opcua_state *st, enum mk_dir dir)
{
	return st->client_dir == 0 ? dir == MK_DIR_TO_SERVER : st->client_dir == (uint8_t)dir + 1;
}

static void ua_server_role(struct opcua_state *st, struct mk_emit *out)
{
	if (st->role_said)
		return;
	st->role_said = 1;
	mk_emit_role(out, mk_host_rel(ua_server_host(st)), MK_ROLE_SERVER, 70, "OPC UA server");
}

static void ua_security_none(struct opcua_state *st, struct mk_emit *out)
{
	if (st->none_said)
		return;
	st->none_said = 1;
	mk_emit_anomaly(out, "opcua_security_none");
}

static void ua_bad(struct opcua_state *st, struct mk_emit *out)
{
	if (st->bad_said)
		return;
	st->bad_said = 1;
	mk_emit_anomaly(out, "opcua_bad_encoding");
}

/* ApplicationDescription, OPC 10000-4 7.1: of the client (CreateSession) as
 * attributes, of the server (endpoints) as attributes and its identity. */
static bool ua_application(struct mk_rd *rd, struct opcua_state *st, struct mk_emit *out, bool server)
{
	const uint8_t *uri, *product, *name;
	size_t urin, productn, namen;
	enum mk_host_kind host = server ? ua_server_host(st) : ua_client_host(st);

	if (!ua_string(rd, &uri, &urin) || !ua_string(rd, &product, &productn) ||
	    !ua_skip_localized(rd, &name, &namen))
		return false;
	mk_rd_skip(rd, 4); /* ApplicationType */
	if (!ua_skip_string(rd) || !ua_skip_string(rd) || !ua_skip_string_array(rd))
		return false;
	if (server && st->server_said)
		return true;
	ua_attr(out, host, "opcua_application_name", name, namen);
	ua_attr(out, host, "opcua_application_uri", uri, urin);
	ua_attr(out, host, "opcua_product_uri", product, productn);
	if (server) {
		char text[OPCUA_TEXT_MAX + 1];
		size_t n = ua_text_len(name, namen);
		struct mk_identity id = {0};

		st->server_said = 1;
		if (n > 0) {
			memcpy(text, name, n);
			text[n] = '\0';
			id.product = text;
			mk_emit_identity(out, mk_host_rel(host), &id);
		}
	}
	return true;
}

/* GetEndpointsResponse (OPC 10000-4 5.4.4): Endpoints[] of EndpointDescription
 * (7.10); the first endpoint's server description names the server. */
static bool ua_endpoints(struct mk_rd *rd, struct opcua_state *st, struct mk_emit *out)
{
	int32_t n = (int32_t)mk_rd_le32(rd);

	if (!mk_rd_ok(rd) || n < -1)
		return false;
	if (n > 0) {
		if (!ua_skip_string(rd)) /* EndpointUrl */
			return false;
		if (!ua_application(rd, st, out, true))
			return false;
	}
	return true;
}

/* CreateSessionRequest (OPC 10000-4 5.6.2.2) after the RequestHeader. */
static bool ua_create_session(struct mk_rd *rd, struct opcua_state *st, struct mk_emit *out)
{
	const uint8_t *p;
	size_t n;

	if (!ua_application(rd, st, out, false))
		return false;
	if (!ua_skip_string(rd) || !ua_string(rd, &p, &n)) /* ServerUri, EndpointUrl */
		return false;
	if (!ua_string(rd, &p, &n)) /* SessionName */
		return false;
	ua_attr(out, ua_client_host(st), "opcua_session_name", p, n);
	return true;
}

/* ActivateSessionRequest (OPC 10000-4 5.6.3.2) after the RequestHeader:
 * returns the encoding id of the UserIdentityToken, 0 when it cannot be read. */
static uint32_t ua_activate_session(struct mk_rd *rd, struct opcua_state *st, struct mk_emit *out)
{
	int32_t n;
	uint32_t type;
	struct mk_rd token;
	const uint8_t *user, *pw, *alg;
	size_t usern, pwn, algn;

	if (!ua_skip_string(rd) || !ua_skip_string(rd)) /* ClientSignature: Algorithm, Signature */
		return 0;
	n = (int32_t)mk_rd_le32(rd); /* ClientSoftwareCertificates[] */
	if (!mk_rd_ok(rd) || n < -1)
		return 0;
	for (int32_t i = 0; i < n; i++)
		if (!mk_rd_has(rd, 8) || !ua_skip_string(rd) || !ua_skip_string(rd))
			return 0;
	if (!ua_skip_string_array(rd)) /* LocaleIds */
		return 0;
	if (!ua_extension(rd, &type, &token)) /* UserIdentityToken */
		return 0;
	switch (type) {
	case UA_ANONYMOUS_TOKEN:
		mk_emit_operation(out, MK_OP_AUTH, "activate_session anonymous");
		mk_emit_anomaly(out, "opcua_anonymous_session");
		break;
	case UA_USERNAME_TOKEN:
		mk_emit_operation(out, MK_OP_AUTH, "activate_session username");
		/* PolicyId, UserName, Password, EncryptionAlgorithm */
		if (!ua_skip_string(&token) || !ua_string(&token, &user, &usern) ||
		    !ua_string(&token, &pw, &pwn) || !ua_string(&token, &alg, &algn))
			break;
		if (st->policy == UA_POLICY_NONE) {
			ua_attr(out, ua_client_host(st), "opcua_user", user, usern);
			if (pwn > 0 && algn == 0)
				mk_emit_anomaly(out, "opcua_plaintext_password");
		}
		break;
	case UA_X509_TOKEN:
		mk_emit_operation(out, MK_OP_AUTH, "activate_session x509");
		break;
	case UA_ISSUED_TOKEN:
		mk_emit_operation(out, MK_OP_AUTH, "activate_session issued");
		break;
	default:
		mk_emit_operation(out, MK_OP_AUTH, "activate_session");
		break;
	}
	return type == 0 ? 1 : type;
}

/* A service body: TypeId then the request or response.  Returns false when
 * the TypeId is not a service we know (maybe an encrypted body). */
static bool ua_service_body(struct mk_rd *rd, struct opcua_state *st, enum mk_dir dir, bool whole,
                            struct mk_emit *out)
{
	const struct ua_service *svc;
	uint32_t type;
	bool ok = true;

	if (!ua_nodeid(rd, true, &type) || type == UINT32_MAX)
		return false;
	svc = ua_request(type);
	if (svc == NULL && !ua_response(type))
		return false;
	if (svc != NULL && st->client_dir == 0)
		st->client_dir = (uint8_t)dir + 1;
	if (svc == NULL) {
		ua_server_role(st, out);
		if (type == UA_GET_ENDPOINTS + 3)
			ok = ua_skip_response_header(rd) && ua_endpoints(rd, st, out);
		else if (type == UA_CREATE_SESSION + 3) {
			uint32_t t;
			int32_t n;

			/* SessionId, AuthenticationToken, RevisedSessionTimeout, ServerNonce,
			 * ServerCertificate, ServerEndpoints[] */
			ok = ua_skip_response_header(rd) && ua_nodeid(rd, false, &t) && ua_nodeid(rd, false, &t) &&
			     mk_rd_skip(rd, 8) && ua_skip_string(rd) && ua_skip_string(rd);
			if (ok) {
				n = (int32_t)mk_rd_le32(rd);
				ok = mk_rd_ok(rd) && n >= -1;
				if (ok && n > 0) {
					ok = ua_skip_string(rd) && ua_application(rd, st, out, true);
				}
			}
		}
	} else if (svc->id == UA_ACTIVATE_SESSION) {
		ok = ua_skip_request_header(rd) && ua_activate_session(rd, st, out) != 0;
		if (!ok) /* the token could not be read: the request still counts */
			mk_emit_operation(out, MK_OP_AUTH, "activate_session");
	} else {
		mk_emit_operation(out, (enum mk_op_class)svc->op, svc->name);
		if (svc->id == UA_CREATE_SESSION)
			ok = ua_skip_request_header(rd) && ua_create_session(rd, st, out);
	}
	if (!ok && whole)
		ua_bad(st, out);
	return true;
}

/* ---- messages ---- */

static void ua_hello(struct mk_rd *rd, struct opcua_state *st, enum mk_dir dir, struct mk_emit *out)
{
	const uint8_t *url;
	size_t n;

	st->client_dir = (uint8_t)dir + 1;
	mk_rd_skip(rd, 20); /* ProtocolVersion, buffer sizes, MaxMessageSize, MaxChunkCount */
	if (!ua_string(rd, &url, &n)) {
		ua_bad(st, out);
		return;
	}
	ua_attr(out, ua_server_host(st), "opcua_endpoint_url", url, n);
}

static void ua_reverse_hello(struct mk_rd *rd, struct opcua_state *st, enum mk_dir dir,
                             struct mk_emit *out)
{
	const uint8_t *uri, *url;
	size_t urin, urln;

	/* The server sends ReverseHello: the client's messages go the other way. */
	st->client_dir = (uint8_t)(dir == MK_DIR_TO_SERVER ? MK_DIR_TO_CLIENT : MK_DIR_TO_SERVER) + 1;
	ua_server_role(st, out);
	if (!ua_string(rd, &uri, &urin) || !ua_string(rd, &url, &urln)) {
		ua_bad(st, out);
		return;
	}
	ua_attr(out, ua_server_host(st), "opcua_application_uri", uri, urin);
	ua_attr(out, ua_server_host(st), "opcua_endpoint_url", url, urln);
}

static const char ua_policy_prefix[] = "http://opcfoundation.org/UA/SecurityPolicy#";

/* OPN: SecureChannelId, asymmetric security header, sequence header, body. */
static void ua_open(struct mk_rd *rd, struct opcua_state *st, enum mk_dir dir, bool whole,
                    struct mk_emit *out)
{
	const uint8_t *uri, *p;
	size_t urin, n;
	uint32_t type;
	bool none;

	mk_rd_skip(rd, 4); /* SecureChannelId */
	if (!ua_string(rd, &uri, &urin) || !ua_string(rd, &p, &n) || !ua_string(rd, &p, &n)) {
		if (whole)
			ua_bad(st, out);
		return;
	}
	none = urin == sizeof(ua_policy_prefix) - 1 + 4 &&
	       memcmp(uri, ua_policy_prefix, sizeof(ua_policy_prefix) - 1) == 0 &&
	       memcmp(uri + sizeof(ua_policy_prefix) - 1, "None", 4) == 0;
	st->policy = none ? UA_POLICY_NONE : UA_POLICY_SECURED;
	mk_rd_skip(rd, 8); /* SequenceNumber, RequestId */
	if (!none) {
		/* The body is encrypted: who sent it follows from Hello, or is the TCP client. */
		if (ua_is_client_dir(st, dir)) {
			ua_attr(out, ua_server_host(st), "opcua_security_policy", uri, urin);
			mk_emit_operation(out, MK_OP_OTHER, "open_secure_channel");
		} else {
			ua_server_role(st, out);
		}
		return;
	}
	if (!ua_nodeid(rd, true, &type)) {
		if (whole)
			ua_bad(st, out);
		return;
	}
	if (type == UA_OPN_REQUEST) {
		uint32_t mode;

		if (st->client_dir == 0)
			st->client_dir = (uint8_t)dir + 1;
		ua_attr(out, ua_server_host(st), "opcua_security_policy", uri, urin);
		mk_emit_operation(out, MK_OP_OTHER, "open_secure_channel");
		ua_security_none(st, out);
		if (!ua_skip_request_header(rd)) {
			if (whole)
				ua_bad(st, out);
			return;
		}
		mk_rd_skip(rd, 4 + 4); /* ClientProtocolVersion, RequestType */
		mode = mk_rd_le32(rd);
		if (!mk_rd_ok(rd)) {
			if (whole)
				ua_bad(st, out);
			return;
		}
		if (mode >= 1 && mode <= 3) {
			static const char *const modes[] = {"None", "Sign", "SignAndEncrypt"};

			mk_emit_attr(out, mk_host_rel(ua_server_host(st)), "opcua_security_mode",
			             modes[mode - 1], strlen(modes[mode - 1]));
		}
	} else if (type == UA_OPN_RESPONSE || type == UA_SERVICE_FAULT) {
		ua_server_role(st, out);
	}
}

/* MSG / CLO: SecureChannelId, TokenId, sequence header, body. */
static void ua_message(struct mk_rd *rd, struct opcua_state *st, enum mk_dir dir, bool whole,
                       bool close, struct mk_emit *out)
{
	struct mk_rd body;

	mk_rd_skip(rd, 4 + 4 + 8);
	if (!mk_rd_ok(rd)) {
		if (whole)
			ua_bad(st, out);
		return;
	}
	body = *rd;
	if (ua_service_body(&body, st, dir, whole, out))
		return;
	/* Not a service we know: an encrypted body (or a service added after 1.04).
	 * Count it once, on the client's side. */
	if (!ua_is_client_dir(st, dir))
		return;
	if (close) /* the message type alone says what an encrypted CLO is */
		mk_emit_operation(out, MK_OP_OTHER, "close_secure_channel");
	else
		mk_emit_operation(out, MK_OP_OTHER, st->policy == UA_POLICY_NONE ? "unknown_service" : "encrypted");
}

static bool ua_known_type(const uint8_t *h)
{
	static const char types[][4] = {"HEL", "ACK", "ERR", "RHE", "OPN", "MSG", "CLO"};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (memcmp(h, types[i], 3) == 0)
			return h[3] == 'F' || ((h[3] == 'C' || h[3] == 'A') && memcmp(h, "MSG", 3) == 0);
	return false;
}

static uint32_t ua_size(const uint8_t *h)
{
	return (uint32_t)h[4] | ((uint32_t)h[5] << 8) | ((uint32_t)h[6] << 16) | ((uint32_t)h[7] << 24);
}

/* Smallest chunk of each type: header plus its fixed fields. */
static uint32_t ua_min_size(const uint8_t *h)
{
	if (memcmp(h, "HEL", 3) == 0)
		return OPCUA_HEADER + 24;
	if (memcmp(h, "ACK", 3) == 0)
		return OPCUA_HEADER + 20;
	if (memcmp(h, "ERR", 3) == 0 || memcmp(h, "RHE", 3) == 0)
		return OPCUA_HEADER + 8;
	if (memcmp(h, "OPN", 3) == 0)
		return OPCUA_HEADER + 4 + 12 + 8;
	return OPCUA_HEADER + 4 + 4 + 8;
}

static bool ua_header_ok(const uint8_t *h)
{
	uint32_t size = ua_size(h);

	return ua_known_type(h) && size >= ua_min_size(h) && size <= OPCUA_SIZE_MAX;
}

/* One chunk: rd holds its bytes (or its first OPCUA_PREFIX bytes when !whole). */
static void ua_chunk(struct mk_rd *rd, struct opcua_state *st, enum mk_dir dir, bool whole,
                     struct mk_emit *out)
{
	const uint8_t *h = mk_rd_ptr(rd, OPCUA_HEADER);
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	if (h == NULL)
		return;
	if (memcmp(h, "HEL", 3) == 0) {
		ua_hello(rd, st, dir, out);
	} else if (memcmp(h, "ACK", 3) == 0) {
		if (st->client_dir == 0)
			st->client_dir = (uint8_t)(dir == MK_DIR_TO_SERVER ? MK_DIR_TO_CLIENT : MK_DIR_TO_SERVER) + 1;
		ua_server_role(st, out);
	} else if (memcmp(h, "RHE", 3) == 0) {
		ua_reverse_hello(rd, st, dir, out);
	} else if (memcmp(h, "ERR", 3) == 0) {
		mk_emit_anomaly(out, "opcua_transport_error");
	} else if (memcmp(h, "OPN", 3) == 0) {
		ua_open(rd, st, dir, whole, out);
	} else if (h[3] == 'A') {
		st->cont[d] = 0;
		mk_emit_anomaly(out, "opcua_abort_chunk");
	} else {
		/* MSG or CLO: only the first chunk of a message carries its TypeId. */
		bool first = !st->cont[d];

		st->cont[d] = h[3] == 'C';
		if (first)
			ua_message(rd, st, dir, whole, memcmp(h, "CLO", 3) == 0, out);
	}
}

/* After a gap: finds the next plausible chunk header.  Returns its offset,
 * or the bytes that can be dropped when there is none. */
static size_t ua_resync(const struct mk_rd *rd, bool *found)
{
	size_t left = mk_rd_left(rd), limit = left < OPCUA_RESYNC_SCAN ? left : OPCUA_RESYNC_SCAN;
	const uint8_t *p = mk_rd_cur(rd);

	*found = false;
	for (size_t i = 0; p != NULL && i + OPCUA_HEADER <= limit; i++) {
		if (ua_header_ok(p + i)) {
			*found = true;
			return i;
		}
	}
	return left >= OPCUA_HEADER ? limit - (OPCUA_HEADER - 1) : 0;
}

static enum mk_verdict opcua_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                   struct mk_emit *out)
{
	struct opcua_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	const uint8_t *h;
	uint32_t size;
	struct mk_rd chunk;
	bool whole;

	*consumed = 0;
	if (st->skip[d] > 0) {
		size_t n = mk_rd_left(rd) < st->skip[d] ? mk_rd_left(rd) : st->skip[d];

		st->skip[d] -= (uint32_t)n;
		*consumed = n;
		return MK_V_OK;
	}
	if (st->resync[d]) {
		bool found;
		size_t off = ua_resync(rd, &found);

		if (!found) {
			*consumed = off;
			return off > 0 ? MK_V_OK : MK_V_NEED;
		}
		st->resync[d] = 0;
		st->cont[d] = 0;
		if (off > 0) {
			*consumed = off;
			return MK_V_OK;
		}
	}
	if (!mk_rd_has(rd, OPCUA_HEADER))
		return MK_V_NEED;
	h = mk_rd_cur(rd);
	if (!ua_known_type(h)) {
		mk_emit_anomaly(out, "opcua_bad_header");
		return MK_V_INVALID;
	}
	size = ua_size(h);
	if (size < ua_min_size(h) || size > OPCUA_SIZE_MAX) {
		mk_emit_anomaly(out, "opcua_bad_size");
		return MK_V_INVALID;
	}
	whole = size <= OPCUA_WHOLE_MAX;
	if (!mk_rd_sub(rd, whole ? size : OPCUA_PREFIX, &chunk))
		return MK_V_NEED;
	ua_chunk(&chunk, st, dir, whole, out);
	*consumed = whole ? size : OPCUA_PREFIX;
	if (!whole)
		st->skip[d] = size - OPCUA_PREFIX;
	return MK_V_OK;
}

static enum mk_verdict opcua_gap(void *state, enum mk_dir dir)
{
	struct opcua_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	st->skip[d] = 0;
	st->cont[d] = 0;
	st->resync[d] = 1;
	return MK_V_OK;
}

/* A chunk header with a known type, a chunk type allowed for it and a
 * plausible size; Hello and Acknowledge also carry protocol version 0. */
static int opcua_probe(struct mk_rd *rd, enum mk_dir dir)
{
	const uint8_t *h = mk_rd_cur(rd);
	size_t left = mk_rd_left(rd);
	uint32_t version;

	(void)dir;
	if (left < 4)
		return MK_PROBE_NO;
	if (!ua_known_type(h))
		return MK_PROBE_NO;
	if (left < OPCUA_HEADER)
		return MK_PROBE_MAYBE;
	if (!ua_header_ok(h))
		return MK_PROBE_NO;
	if ((memcmp(h, "HEL", 3) == 0 || memcmp(h, "ACK", 3) == 0)) {
		if (!mk_rd_peek_be32(rd, OPCUA_HEADER, &version))
			return MK_PROBE_MAYBE;
		return version == 0 ? MK_PROBE_SURE : MK_PROBE_NO;
	}
	return MK_PROBE_SURE;
}

const struct mk_proto mk_proto_opcua = {
	.abi = MK_PROTO_ABI,
	.name = "opcua",
	.id = MK_PROTO_OPCUA,
	.transports = MK_TRANSPORT_TCP,
	.state_size = sizeof(struct opcua_state),
	.max_buffer = OPCUA_WHOLE_MAX,
	.probe = opcua_probe,
	.parse = opcua_parse,
	.gap = opcua_gap,
	.events = opcua_events,
};

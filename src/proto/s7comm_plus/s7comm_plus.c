/* s7comm_plus.c - Siemens S7comm-plus (protocol id 0x72, S7-1200/1500 and
 * TIA Portal) over ISO-on-TCP: the protocol version, each request's function
 * classified into an operation, the session id, the connection's TSAP
 * ("SIMATIC-ROOT-ES" from an engineering station, "SIMATIC-ROOT-HMI" from a
 * panel) and the CPU's order number and firmware from the session-creation
 * answer.  Integrity-protected (V3 digest) and TLS-encrypted parts are not
 * decoded: only the clear header fields before them are read, and a TLS
 * session inside COTP is only noted.
 * S7comm-plus is not publicly specified; the layout follows the public
 * Wireshark S7comm-plus dissector documentation (packet-s7comm_plus.c by
 * Thomas Wiens, read only): header 0x72, version, 16-bit data length; data
 * opcode (0x31 request, 0x32 response, 0x33 notification, 0x02 response2),
 * 2 reserved bytes, 16-bit function code, 2 reserved bytes, 16-bit sequence
 * number, and in requests the 32-bit session id; trailer 0x72, version, 0.
 * framing: RFC 1006 section 6 (TPKT), ISO 8073 / X.224 section 13 (COTP) -
 * see ../s7comm/s7_cotp.h.
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#include "../s7comm/s7_cotp.h"

#define S7P_PROTO_ID 0x72
#define S7P_TPKT_MAX 4096 /* TIA negotiates 1024-byte TPDUs; larger TPKTs are skipped */
#define S7P_PDUS_PER_CALL 64
#define S7P_V1 0x01
#define S7P_V2 0x02
#define S7P_V3 0x03 /* data with an integrity digest (FW 1.5+) */
#define S7P_KEEPALIVE 0xff
#define S7P_DIGEST 32
#define S7P_INITIAL_SESSION 0x00000120u /* ObjectServerSessionContainer: before a session exists   \
	                                 */
#define S7P_TEXT_MAX 64

#define OP_REQUEST 0x31
#define OP_RESPONSE 0x32
#define OP_NOTIFICATION 0x33
#define OP_RESPONSE2 0x02

#define FC_CREATE_OBJECT 0x04ca

enum s7p_bad {
	BAD_TPKT = 1u << 0,
	BAD_COTP = 1u << 1,
	BAD_HEADER = 1u << 2,
	BAD_FUNCTION = 1u << 3,
	BAD_OPCODE = 1u << 4,
};

static const char *const s7comm_plus_events[] = {
    "s7comm_plus_bad_tpkt",         "s7comm_plus_bad_cotp",       "s7comm_plus_bad_header",
    "s7comm_plus_unknown_function", "s7comm_plus_unknown_opcode", NULL,
};

struct s7p_state {
	struct iso_stream iso; /* TPKT framing per direction (s7_cotp.h) */
	uint8_t said;
	uint8_t tsap_said, plc_said, session_said, version_said, ident_said, tls_said;
};

/* Function codes and their operation class (Wireshark S7comm-plus:
 * data_functioncode_names). */
static const struct {
	uint16_t fc;
	uint8_t op;
	const char *name;
} s7p_functions[] = {
    {0x04b1, MK_OP_OTHER, "Error"},
    {0x04bb, MK_OP_READ, "Explore"},
    {0x04ca, MK_OP_OTHER, "CreateObject"},
    {0x04d4, MK_OP_OTHER, "DeleteObject"},
    {0x04f2, MK_OP_WRITE, "SetVariable"},
    {0x04fc, MK_OP_READ, "GetVariable"},
    {0x0506, MK_OP_OTHER, "AddLink"},
    {0x051a, MK_OP_OTHER, "RemoveLink"},
    {0x0524, MK_OP_READ, "GetLink"},
    {0x0542, MK_OP_WRITE, "SetMultiVariables"},
    {0x054c, MK_OP_READ, "GetMultiVariables"},
    {0x0556, MK_OP_OTHER, "BeginSequence"},
    {0x0560, MK_OP_OTHER, "EndSequence"},
    {0x056b, MK_OP_CONTROL, "Invoke"},
    {0x057c, MK_OP_WRITE, "SetVarSubStreamed"},
    {0x0586, MK_OP_READ, "GetVarSubStreamed"},
    {0x0590, MK_OP_READ, "GetVariablesAddress"},
    {0x059a, MK_OP_OTHER, "Abort"},
};

static void s7p_bad(struct s7p_state *st, struct mk_emit *out, unsigned bit)
{
	unsigned i = 0;

	if (st->said & bit)
		return;
	st->said |= (uint8_t)bit;
	while (i < 5 && (1u << i) != bit)
		i++;
	mk_emit_anomaly(out, s7comm_plus_events[i]);
}

static void s7p_tsaps(struct s7p_state *st, const struct s7_cotp *c, struct mk_emit *out)
{
	static const char es[] = "SIMATIC-ROOT-ES", hmi[] = "SIMATIC-ROOT-HMI";
	char text[S7_COTP_TSAP_MAX + 1];
	size_t n = 0;

	if (st->tsap_said || c->called_len == 0)
		return;
	st->tsap_said = 1;
	for (size_t i = 0; i < c->called_len && c->called[i] >= 0x20 && c->called[i] < 0x7f; i++)
		text[n++] = (char)c->called[i];
	text[n] = '\0';
	if (n == 0)
		return;
	mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "s7comm_plus_tsap", text, n);
	/* The called TSAP names the kind of client the CPU serves. */
	if (n == sizeof(es) - 1 && memcmp(text, es, n) == 0)
		mk_emit_role(out, mk_host_rel(MK_HOST_CLIENT), MK_ROLE_ENGINEERING_WORKSTATION, 60,
		             "connects to an S7 CPU as engineering station (SIMATIC-ROOT-ES)");
	else if (n == sizeof(hmi) - 1 && memcmp(text, hmi, n) == 0)
		mk_emit_role(out, mk_host_rel(MK_HOST_CLIENT), MK_ROLE_HMI, 60,
		             "connects to an S7 CPU as HMI (SIMATIC-ROOT-HMI)");
}

/* The session-creation answer carries the server's version string
 * "<n>;<order number>;V<firmware>" (e.g. "1;6ES7 211-1BE31-0XB0 ;V3.0") as a
 * WString value (type 0x15, one-byte length).  Found by shape, not by the
 * attribute tree, which is not decoded. */
static void s7p_identity(struct s7p_state *st, struct mk_rd body, struct mk_emit *out)
{
	const uint8_t *p = mk_rd_cur(&body);
	size_t n = mk_rd_left(&body);

	for (size_t i = 0; p != NULL && i + 2 < n && i < S7P_TPKT_MAX; i++) {
		size_t l = p[i + 1], s1 = 0, s2 = 0;
		const uint8_t *s = p + i + 2;
		char model[S7P_TEXT_MAX], fw[S7P_TEXT_MAX];
		size_t ml = 0, fl = 0;

		if (p[i] != 0x15 || l < 8 || l >= 0x80 || l > n - i - 2)
			continue;
		while (s1 < l && s[s1] >= '0' && s[s1] <= '9')
			s1++;
		if (s1 == 0 || s1 >= l || s[s1] != ';')
			continue;
		for (s2 = s1 + 1; s2 < l && s[s2] != ';'; s2++)
			;
		if (s2 >= l - 1 || s[s2 + 1] != 'V')
			continue;
		for (size_t k = s1 + 1; k < s2 && ml + 1 < sizeof(model); k++)
			if (s[k] >= 0x20 && s[k] < 0x7f)
				model[ml++] = (char)s[k];
		while (ml > 0 && model[ml - 1] == ' ')
			ml--;
		model[ml] = '\0';
		for (size_t k = s2 + 1; k < l && fl + 1 < sizeof(fw) && s[k] >= 0x21 && s[k] < 0x7f;
		     k++)
			fw[fl++] = (char)s[k];
		fw[fl] = '\0';
		if (ml > 0) {
			struct mk_identity id = {
			    .vendor = "Siemens", .model = model, .firmware = fl > 1 ? fw : NULL};

			st->ident_said = 1;
			mk_emit_identity(out, mk_host_rel(MK_HOST_SERVER), &id);
		}
		return;
	}
}

static void s7p_request(struct s7p_state *st, uint16_t fc, uint32_t session, bool has_session,
                        struct mk_emit *out)
{
	char detail[40];

	for (size_t i = 0; i < sizeof(s7p_functions) / sizeof(s7p_functions[0]); i++) {
		if (s7p_functions[i].fc == fc) {
			mk_emit_operation(out, (enum mk_op_class)s7p_functions[i].op,
			                  s7p_functions[i].name);
			goto session;
		}
	}
	mk_emit_operationf(out, MK_OP_OTHER, "fc=0x%04x", fc);
	s7p_bad(st, out, BAD_FUNCTION);
session:
	if (has_session && !st->session_said && session != 0 && session != S7P_INITIAL_SESSION) {
		int n = snprintf(detail, sizeof(detail), "0x%08x", (unsigned)session);

		st->session_said = 1;
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "s7comm_plus_session", detail,
		             (size_t)n);
	}
}

/* One S7comm-plus PDU (or the first COTP fragment of one). */
static void s7p_pdu(struct s7p_state *st, struct mk_rd *u, bool whole, enum mk_dir dir,
                    struct mk_emit *out)
{
	uint8_t pid = mk_rd_u8(u), ver = mk_rd_u8(u), opcode;
	uint16_t dlen = mk_rd_be16(u), fc;
	uint32_t session = 0;
	bool has_session;
	struct mk_rd body;

	/* TIA Portal V17+ and current firmware wrap the session in TLS inside
	 * the COTP DT: a record header (content type 20-23, version 3.x). */
	if (mk_rd_ok(u) && pid >= 20 && pid <= 23 && ver == 3) {
		if (!st->tls_said) {
			st->tls_said = 1;
			mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "s7comm_plus_encryption",
			             "tls", 3);
		}
		return;
	}
	if (!mk_rd_ok(u) || pid != S7P_PROTO_ID ||
	    (ver != S7P_V1 && ver != S7P_V2 && ver != S7P_V3 && ver != S7P_KEEPALIVE)) {
		s7p_bad(st, out, BAD_HEADER);
		return;
	}
	if (dlen > mk_rd_left(u) && whole) {
		s7p_bad(st, out, BAD_HEADER);
		return;
	}
	/* The connection set-up always uses 1; the data phase shows the
	 * version in use (2, or 3 with integrity protection). */
	if (!st->version_said && (ver == S7P_V2 || ver == S7P_V3)) {
		char v[8];
		int n = snprintf(v, sizeof(v), "%u", (unsigned)ver);

		st->version_said = 1;
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "s7comm_plus_version", v, (size_t)n);
	}
	if (ver == S7P_KEEPALIVE || dlen == 0)
		return;
	mk_rd_sub(u, dlen < mk_rd_left(u) ? dlen : mk_rd_left(u), &body);
	if (ver == S7P_V3) {
		/* Integrity part: digest length, digest (not checked, not decoded). */
		uint8_t dl = mk_rd_u8(&body);

		if (dl != S7P_DIGEST || !mk_rd_skip(&body, dl)) {
			if (whole)
				s7p_bad(st, out, BAD_HEADER);
			return;
		}
	}
	opcode = mk_rd_u8(&body);
	mk_rd_skip(&body, 2);
	fc = mk_rd_be16(&body);
	mk_rd_skip(&body, 2 + 2); /* reserved, sequence number */
	if (!mk_rd_ok(&body)) {
		if (whole && opcode != OP_NOTIFICATION)
			s7p_bad(st, out, BAD_HEADER);
		return;
	}
	if (dir == MK_DIR_TO_CLIENT && !st->plc_said &&
	    (opcode == OP_RESPONSE || opcode == OP_RESPONSE2 || opcode == OP_NOTIFICATION)) {
		st->plc_said = 1;
		mk_emit_role(out, mk_host_rel(MK_HOST_SERVER), MK_ROLE_PLC, 90,
		             "answers S7comm-plus");
	}
	switch (opcode) {
	case OP_REQUEST:
		session = mk_rd_be32(&body);
		has_session = mk_rd_ok(&body);
		s7p_request(st, fc, session, has_session, out);
		break;
	case OP_RESPONSE:
	case OP_RESPONSE2:
		if (fc == FC_CREATE_OBJECT && !st->ident_said && dir == MK_DIR_TO_CLIENT)
			s7p_identity(st, body, out);
		break;
	case OP_NOTIFICATION: break;
	default: s7p_bad(st, out, BAD_OPCODE); break;
	}
}

static int s7comm_plus_probe(struct mk_rd *rd, enum mk_dir dir)
{
	static const char simatic[] = "SIMATIC-";
	uint8_t code = 0, b = 0, ver = 0;
	size_t off = 0;
	struct mk_rd t = *rd, tp;
	uint16_t len = 0;
	struct s7_cotp c;

	(void)dir;
	if (!s7_probe_dt(rd, &code, &off))
		return MK_PROBE_NO;
	if (code == S7_COTP_DT) {
		if (mk_rd_peek_u8(rd, off, &b) && b == S7P_PROTO_ID &&
		    mk_rd_peek_u8(rd, off + 1, &ver) &&
		    (ver == S7P_V1 || ver == S7P_V2 || ver == S7P_V3))
			return MK_PROBE_SURE;
		return MK_PROBE_NO;
	}
	if (code != S7_COTP_CR && code != S7_COTP_CC)
		return MK_PROBE_NO;
	/* TIA Portal and S7-1200/1500 panels call the TSAP "SIMATIC-ROOT-...". */
	s7_tpkt_peek(rd, &len);
	if (!mk_rd_sub(&t, len, &tp))
		return MK_PROBE_NO;
	mk_rd_skip(&tp, S7_TPKT_HEADER);
	if (!s7_cotp_parse(&tp, &c))
		return MK_PROBE_NO;
	if (c.called_len >= sizeof(simatic) - 1 &&
	    memcmp(c.called, simatic, sizeof(simatic) - 1) == 0)
		return MK_PROBE_SURE;
	return MK_PROBE_NO;
}

/* The parser's side of the shared TPKT walk (s7_cotp.h). */
static void s7p_iso_event(void *ctx, enum iso_event ev, struct s7_cotp *c, enum mk_dir dir,
                          struct mk_emit *out)
{
	struct s7p_state *st = ctx;

	switch (ev) {
	case ISO_BAD_TPKT:
		s7p_bad(st, out, BAD_TPKT);
		break;
	case ISO_BAD_COTP:
		s7p_bad(st, out, BAD_COTP);
		break;
	case ISO_CONNECT:
		s7p_tsaps(st, c, out);
		break;
	case ISO_USER:
		s7p_pdu(st, &c->user, c->eot, dir, out);
		break;
	}
}

static enum mk_verdict s7comm_plus_parse(void *state, struct mk_rd *rd, enum mk_dir dir,
                                         size_t *consumed, struct mk_emit *out)
{
	struct s7p_state *st = state;

	return iso_stream_walk(&st->iso, rd, dir, consumed, S7P_PDUS_PER_CALL, S7P_TPKT_MAX,
	                       s7p_iso_event, st, out);
}

static enum mk_verdict s7comm_plus_gap(void *state, enum mk_dir dir)
{
	struct s7p_state *st = state;

	iso_stream_gap(&st->iso, dir);
	return MK_V_OK;
}

const struct mk_proto mk_proto_s7comm_plus = {
    .abi = MK_PROTO_ABI,
    .name = "s7comm_plus",
    .id = MK_PROTO_S7COMM_PLUS,
    .transports = MK_TRANSPORT_TCP,
    .state_size = sizeof(struct s7p_state),
    .max_buffer = S7P_TPKT_MAX,
    .probe = s7comm_plus_probe,
    .parse = s7comm_plus_parse,
    .gap = s7comm_plus_gap,
    .events = s7comm_plus_events,
};

/* iec61850_mms.c - IEC 61850-8-1 MMS (ISO 9506) over the ISO stack on TCP 102:
 * identification and a cheap classification of confirmed requests (read,
 * write, file and domain services, program invocation control), association
 * set-up and release, and the server's identity from an Identify answer.
 *
 * specification: IEC 61850-8-1:2011 clause 6 (A-profile: RFC 1006 TPKT, ISO 8073
 * COTP class 0, ISO 8327-1 session, ISO 8823-1 presentation, ISO 8650-1 ACSE);
 * ISO 8327-1 8.3 (SPDU codes: 13 CONNECT, 14 ACCEPT, 1 GIVE TOKENS / DATA
 * TRANSFER, 9 FINISH, 10 DISCONNECT, 25 ABORT); ISO 8823-1 8.2 (PPDU:
 * fully-encoded User-data [APPLICATION 1] 0x61, PDV-list, single-ASN1-type
 * [0]); ISO 9506-2:2003 clause 7 (MMSpdu CHOICE: [0] confirmed-Request,
 * [1] confirmed-Response, [2] confirmed-Error, [3] unconfirmed, [8]/[9]
 * initiate, [11]/[12] conclude) and 7.4 (ConfirmedServiceRequest CHOICE tags);
 * 10.3 (Identify-Response: vendorName [0], modelName [1], revision [2]).
 * framing helpers: ../s7comm/s7_cotp.h (shared ISO-on-TCP code, read only).
 *
 * S7comm shares TPKT/COTP on port 102; its DT user data starts with 0x32
 * (S7comm) or 0x72 (S7comm-plus), never with a session SPDU, so the probe
 * only says SURE for a session SPDU followed by presentation bytes.
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#include "../s7comm/s7_cotp.h"

#define MMS_TPKT_MAX 8192 /* larger TPKTs are skipped */
#define MMS_PDUS_PER_CALL 64
#define MMS_TEXT_MAX 64

/* ISO 8327-1 SPDU identifiers. */
#define SPDU_GT_DT 0x01 /* GIVE TOKENS (category 0), then DATA TRANSFER */
#define SPDU_FINISH 0x09
#define SPDU_DISCONNECT 0x0a
#define SPDU_CONNECT 0x0d
#define SPDU_ACCEPT 0x0e
#define SPDU_REFUSE 0x0c
#define SPDU_ABORT 0x19

/* MMSpdu tags (ISO 9506-2 7.1), context-specific. */
#define MMS_CONF_REQ 0
#define MMS_CONF_RSP 1
#define MMS_CONF_ERR 2
#define MMS_UNCONF 3
#define MMS_CONCLUDE_REQ 11

enum mms_bad {
	BAD_TPKT = 1u << 0,
	BAD_PDU = 1u << 1,
};

static const char *const mms_events[] = {
    "iec61850_mms_bad_tpkt", /* no TPKT header where one must start: the stream is given up */
    "iec61850_mms_bad_pdu",  /* session/presentation/MMS encoding not as ISO 9506/8823 say */
    NULL,
};

struct mms_state {
	struct iso_stream iso; /* TPKT framing per direction (s7_cotp.h) */
	uint8_t said;
};

static void mms_bad(struct mms_state *st, struct mk_emit *out, unsigned bit)
{
	if (st->said & bit)
		return;
	st->said |= (uint8_t)bit;
	mk_emit_anomaly(out, bit == BAD_TPKT ? mms_events[0] : mms_events[1]);
}

/* ---- BER (X.690 8.1) ---- */

struct ber {
	uint8_t cls; /* bits 8-7 of the identifier */
	bool constructed;
	uint32_t tag;
	struct mk_rd val; /* the contents */
};

/* One TLV from rd; definite lengths only (MMS uses no indefinite ones). */
static bool ber_next(struct mk_rd *rd, struct ber *b)
{
	uint8_t id = mk_rd_u8(rd), l;
	size_t len = 0;

	b->cls = id >> 6;
	b->constructed = (id & 0x20) != 0;
	b->tag = id & 0x1f;
	if (b->tag == 0x1f) {
		uint8_t x;
		int i = 0;

		b->tag = 0;
		do {
			x = mk_rd_u8(rd);
			b->tag = (b->tag << 7) | (x & 0x7f);
		} while ((x & 0x80) && ++i < 4 && mk_rd_ok(rd));
		if (x & 0x80)
			return false;
	}
	l = mk_rd_u8(rd);
	if (l < 0x80) {
		len = l;
	} else if (l == 0x81) {
		len = mk_rd_u8(rd);
	} else if (l == 0x82) {
		len = mk_rd_be16(rd);
	} else if (l == 0x83) {
		len = mk_rd_be24(rd);
	} else {
		return false;
	}
	if (!mk_rd_ok(rd))
		return false;
	return mk_rd_sub(rd, len, &b->val);
}

/* Like ber_next, but a contents cut short by the end of the window is kept
 * as far as it goes (the first DT of a segmented PDU). */
static bool ber_next_cut(struct mk_rd *rd, struct ber *b)
{
	struct mk_rd t = *rd;

	if (ber_next(&t, b)) {
		*rd = t;
		return true;
	}
	{
		uint8_t id = mk_rd_u8(rd), l;

		b->cls = id >> 6;
		b->constructed = (id & 0x20) != 0;
		b->tag = id & 0x1f;
		if (b->tag == 0x1f)
			return false;
		l = mk_rd_u8(rd);
		if (l == 0x81)
			mk_rd_skip(rd, 1);
		else if (l == 0x82)
			mk_rd_skip(rd, 2);
		else if (l == 0x83)
			mk_rd_skip(rd, 3);
		else if (l > 0x83)
			return false;
		if (!mk_rd_ok(rd))
			return false;
		b->val = *rd;
		mk_rd_skip(rd, mk_rd_left(rd));
		return true;
	}
}

/* ---- MMS ---- */

static const struct mms_svc {
	uint8_t tag;
	uint8_t op;
	const char *name;
} mms_svcs[] = {
    /* ISO 9506-2 7.4 ConfirmedServiceRequest */
    {0, MK_OP_DIAGNOSTIC, "status"},
    {1, MK_OP_READ, "getNameList"},
    {2, MK_OP_DIAGNOSTIC, "identify"},
    {3, MK_OP_WRITE, "rename"},
    {4, MK_OP_READ, "read"},
    {5, MK_OP_WRITE, "write"},
    {6, MK_OP_READ, "getVariableAccessAttributes"},
    {11, MK_OP_WRITE, "defineNamedVariableList"},
    {12, MK_OP_READ, "getNamedVariableListAttributes"},
    {13, MK_OP_WRITE, "deleteNamedVariableList"},
    {26, MK_OP_PROGRAM, "initiateDownloadSequence"},
    {27, MK_OP_PROGRAM, "downloadSegment"},
    {28, MK_OP_PROGRAM, "terminateDownloadSequence"},
    {29, MK_OP_READ, "initiateUploadSequence"},
    {30, MK_OP_READ, "uploadSegment"},
    {31, MK_OP_READ, "terminateUploadSequence"},
    {32, MK_OP_PROGRAM, "requestDomainDownload"},
    {33, MK_OP_READ, "requestDomainUpload"},
    {34, MK_OP_PROGRAM, "loadDomainContent"},
    {35, MK_OP_READ, "storeDomainContent"},
    {36, MK_OP_PROGRAM, "deleteDomain"},
    {37, MK_OP_READ, "getDomainAttributes"},
    {38, MK_OP_PROGRAM, "createProgramInvocation"},
    {39, MK_OP_PROGRAM, "deleteProgramInvocation"},
    {40, MK_OP_CONTROL, "start"},
    {41, MK_OP_CONTROL, "stop"},
    {42, MK_OP_CONTROL, "resume"},
    {43, MK_OP_CONTROL, "reset"},
    {44, MK_OP_CONTROL, "kill"},
    {45, MK_OP_READ, "getProgramInvocationAttributes"},
    {46, MK_OP_WRITE, "obtainFile"},
    {72, MK_OP_READ, "fileOpen"},
    {73, MK_OP_READ, "fileRead"},
    {74, MK_OP_OTHER, "fileClose"},
    {75, MK_OP_WRITE, "fileRename"},
    {76, MK_OP_WRITE, "fileDelete"},
    {77, MK_OP_READ, "fileDirectory"},
};

static void mms_request(struct mk_rd pdu, struct mk_emit *out)
{
	struct ber inv, svc;

	/* invokeID INTEGER, then the service CHOICE (ISO 9506-2 7.2.1). */
	if (!ber_next_cut(&pdu, &inv) || inv.cls != 0 || inv.tag != 2 ||
	    !ber_next_cut(&pdu, &svc) || svc.cls != 2) {
		mk_emit_operation(out, MK_OP_OTHER, "confirmed-request");
		return;
	}
	for (size_t i = 0; i < sizeof(mms_svcs) / sizeof(mms_svcs[0]); i++) {
		if (mms_svcs[i].tag == svc.tag) {
			mk_emit_operation(out, (enum mk_op_class)mms_svcs[i].op, mms_svcs[i].name);
			return;
		}
	}
	mk_emit_operationf(out, MK_OP_OTHER, "service=%u", (unsigned)svc.tag);
}

static size_t mms_text(struct mk_rd *v, char *buf, size_t cap)
{
	size_t n = 0;

	while (mk_rd_left(v) > 0 && n + 1 < cap) {
		uint8_t c = mk_rd_u8(v);

		buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return n;
}

/* Identify-Response (ISO 9506-2 10.3.1.2) inside a confirmed-Response. */
static void mms_response(struct mk_rd pdu, struct mk_emit *out)
{
	struct ber inv, svc, f;
	char vendor[MMS_TEXT_MAX] = "", model[MMS_TEXT_MAX] = "", rev[MMS_TEXT_MAX] = "";

	if (!ber_next(&pdu, &inv) || inv.cls != 0 || inv.tag != 2 || !ber_next(&pdu, &svc) ||
	    svc.cls != 2 || svc.tag != 2 || !svc.constructed)
		return;
	for (int i = 0; i < 4 && mk_rd_left(&svc.val) > 0; i++) {
		if (!ber_next(&svc.val, &f) || f.cls != 2)
			return;
		if (f.tag == 0)
			mms_text(&f.val, vendor, sizeof(vendor));
		else if (f.tag == 1)
			mms_text(&f.val, model, sizeof(model));
		else if (f.tag == 2)
			mms_text(&f.val, rev, sizeof(rev));
	}
	if (vendor[0] || model[0] || rev[0]) {
		struct mk_identity id = {.vendor = vendor[0] ? vendor : NULL,
		                         .model = model[0] ? model : NULL,
		                         .firmware = rev[0] ? rev : NULL};

		mk_emit_identity(out, mk_host_rel(MK_HOST_SENDER), &id);
	}
}

/* User data of a DT SPDU: the presentation PPDU and the MMS PDU in it. */
static bool mms_data(struct mk_rd *u, struct mk_emit *out)
{
	struct ber ud, pdvl, f, pdu;
	bool seen = false;

	/* fully-encoded User-data [APPLICATION 1], one PDV-list SEQUENCE. */
	if (!ber_next_cut(u, &ud) || ud.cls != 1 || ud.tag != 1 || !ber_next_cut(&ud.val, &pdvl) ||
	    pdvl.cls != 0 || pdvl.tag != 16)
		return false;
	/* transfer-syntax-name (6) optional, presentation-context-id (2), then
	 * presentation-data-values: single-ASN1-type [0]. */
	for (int i = 0; i < 3 && mk_rd_left(&pdvl.val) > 0 && !seen; i++) {
		if (!ber_next_cut(&pdvl.val, &f))
			return false;
		if (f.cls == 2 && f.tag == 0)
			seen = true;
	}
	if (!seen || !ber_next_cut(&f.val, &pdu) || pdu.cls != 2)
		return false;
	switch (pdu.tag) {
	case MMS_CONF_REQ: mms_request(pdu.val, out); break;
	case MMS_CONF_RSP: mms_response(pdu.val, out); break;
	case MMS_CONCLUDE_REQ: mk_emit_operation(out, MK_OP_OTHER, "conclude"); break;
	default: break; /* answers, errors, reports: no request */
	}
	return true;
}

/* One session message (the first DT of a TSDU). */
static void mms_session(struct mms_state *st, struct mk_rd *u, struct mk_emit *out)
{
	uint8_t si = 0, li = 0;

	if (!mk_rd_peek_u8(u, 0, &si))
		return;
	switch (si) {
	case SPDU_GT_DT:
		/* GIVE TOKENS with no parameters, then DATA TRANSFER (ISO 8327-1 8.3.1). */
		mk_rd_skip(u, 1);
		li = mk_rd_u8(u);
		if (!mk_rd_ok(u) || li != 0 || mk_rd_u8(u) != SPDU_GT_DT || mk_rd_u8(u) != 0 ||
		    !mms_data(u, out))
			mms_bad(st, out, BAD_PDU);
		break;
	case SPDU_CONNECT: mk_emit_operation(out, MK_OP_OTHER, "initiate"); break;
	case SPDU_FINISH: mk_emit_operation(out, MK_OP_OTHER, "release"); break;
	case SPDU_ACCEPT:
	case SPDU_REFUSE:
	case SPDU_DISCONNECT:
	case SPDU_ABORT:
	case 0x1a: /* ABORT ACCEPT */ break;
	default: mms_bad(st, out, BAD_PDU); break;
	}
}

/* The SPDU at off of a probe buffer has presentation's normal-mode selector
 * (a0 03 80 01 01, ISO 8823-1 8.2.1) within its first bytes. */
static bool mms_probe_connect(const struct mk_rd *rd, size_t off)
{
	static const uint8_t mode[] = {0xa0, 0x03, 0x80, 0x01, 0x01};

	for (size_t i = off; i < off + 96; i++) {
		size_t k = 0;
		uint8_t b;

		while (k < sizeof(mode) && mk_rd_peek_u8(rd, i + k, &b) && b == mode[k])
			k++;
		if (k == sizeof(mode))
			return true;
		if (!mk_rd_peek_u8(rd, i + sizeof(mode), &b))
			return false;
	}
	return false;
}

static int mms_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t code = 0, a = 0, b = 0, c = 0, d = 0, e = 0;
	size_t off = 0;

	(void)dir;
	if (!s7_probe_dt(rd, &code, &off) || code != S7_COTP_DT)
		return MK_PROBE_NO; /* CR/CC are left to S7; MMS is sure from its first DT */
	if (!mk_rd_peek_u8(rd, off, &a))
		return MK_PROBE_NO;
	if (a == SPDU_GT_DT) {
		/* 01 00 01 00 then presentation User-data 0x61 */
		if (mk_rd_peek_u8(rd, off + 1, &b) && mk_rd_peek_u8(rd, off + 2, &c) &&
		    mk_rd_peek_u8(rd, off + 3, &d) && mk_rd_peek_u8(rd, off + 4, &e) && b == 0 &&
		    c == SPDU_GT_DT && d == 0 && e == 0x61)
			return MK_PROBE_SURE;
		return MK_PROBE_NO;
	}
	if ((a == SPDU_CONNECT || a == SPDU_ACCEPT) && mms_probe_connect(rd, off))
		return MK_PROBE_SURE;
	return MK_PROBE_NO;
}

/* The parser's side of the shared TPKT walk (s7_cotp.h). */
static void mms_iso_event(void *ctx, enum iso_event ev, struct s7_cotp *c, enum mk_dir dir,
                          struct mk_emit *out)
{
	struct mms_state *st = ctx;

	(void)dir;
	switch (ev) {
	case ISO_BAD_TPKT:
		mms_bad(st, out, BAD_TPKT);
		break;
	case ISO_BAD_COTP:
		mms_bad(st, out, BAD_PDU);
		break;
	case ISO_CONNECT:
		break; /* MMS starts with the session CONNECT inside a DT */
	case ISO_USER:
		mms_session(st, &c->user, out);
		break;
	}
}

static enum mk_verdict mms_parse(void *state, struct mk_rd *rd, enum mk_dir dir,
                                 size_t *consumed, struct mk_emit *out)
{
	struct mms_state *st = state;

	return iso_stream_walk(&st->iso, rd, dir, consumed, MMS_PDUS_PER_CALL, MMS_TPKT_MAX,
	                       mms_iso_event, st, out);
}

static enum mk_verdict mms_gap(void *state, enum mk_dir dir)
{
	struct mms_state *st = state;

	iso_stream_gap(&st->iso, dir);
	return MK_V_OK;
}

const struct mk_proto mk_proto_iec61850_mms = {
    .abi = MK_PROTO_ABI,
    .name = "iec61850_mms",
    .id = MK_PROTO_IEC61850_MMS,
    .transports = MK_TRANSPORT_TCP,
    .state_size = sizeof(struct mms_state),
    .max_buffer = MMS_TPKT_MAX,
    .probe = mms_probe,
    .parse = mms_parse,
    .gap = mms_gap,
    .events = mms_events,
};

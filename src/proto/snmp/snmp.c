/* snmp.c - SNMP identification: version, default communities, the operation
 * class of each PDU, and what an agent says about itself in answers to
 * sysDescr.0, sysObjectID.0 and sysName.0.  The community string is a
 * password: it is compared, never stored or emitted.
 * specification: RFC 1157 section 4 (SNMPv1), RFC 3416 section 3 (v2c PDUs),
 * RFC 3412 section 6 and RFC 3414 section 2.4 (v3 message and USM); BER per
 * ITU-T X.690 section 8.1 (definite lengths only, as RFC 3417 8 requires)
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define SNMP_VARBINDS_MAX 64  /* varbinds looked at per PDU */
#define SNMP_TEXT_MAX 255     /* cap on sysDescr / sysName copies */
#define SNMP_OID_SUBIDS_MAX 40
#define SNMP_OID_TEXT_MAX 200

/* BER tags used by SNMP (X.690 universal + RFC 2578 application tags). */
#define BER_INTEGER 0x02
#define BER_OCTET_STRING 0x04
#define BER_NULL 0x05
#define BER_OID 0x06
#define BER_SEQUENCE 0x30

/* PDU tags, RFC 3416 section 3: context-specific, constructed. */
enum snmp_pdu {
	SNMP_GET = 0xa0,
	SNMP_GETNEXT = 0xa1,
	SNMP_RESPONSE = 0xa2,
	SNMP_SET = 0xa3,
	SNMP_TRAP_V1 = 0xa4,
	SNMP_GETBULK = 0xa5,
	SNMP_INFORM = 0xa6,
	SNMP_TRAP_V2 = 0xa7,
	SNMP_REPORT = 0xa8,
};

/* RFC 3418 system group, as BER content octets (1.3.6.1.2.1.1.x.0). */
static const uint8_t oid_sys_descr[] = {0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00};
static const uint8_t oid_sys_object_id[] = {0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x02, 0x00};
static const uint8_t oid_sys_name[] = {0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00};

struct snmp_state {
	uint8_t version_said[2];
	uint8_t default_community_seen;
	uint8_t noauth_seen;
};

static const char *const snmp_events[] = {
	"snmp_bad_ber",
	"snmp_bad_oid",
	"snmp_bad_version",
	"snmp_default_community",
	"snmp_v3_noauth",
	NULL,
};

/* One decoded message, pointing into the datagram (valid during parse). */
struct snmp_msg {
	unsigned version; /* 0, 1 or 3 as on the wire */
	bool community_default;
	unsigned pdu;     /* 0 when the v3 PDU is encrypted */
	const uint8_t *user;
	size_t user_len;
	bool v3_auth;
	const uint8_t *descr, *name, *objid;
	size_t descr_len, name_len, objid_len;
	bool bad_oid;
};

/* Reads one BER identifier and definite length; the content must fit. */
static bool ber_hdr(struct mk_rd *rd, uint8_t *tag, size_t *len)
{
	uint8_t l;

	*tag = mk_rd_u8(rd);
	l = mk_rd_u8(rd);
	if (!mk_rd_ok(rd) || (*tag & 0x1f) == 0x1f) /* SNMP uses no high tag numbers */
		return false;
	if (l < 0x80) {
		*len = l;
	} else {
		size_t n = l & 0x7fu;

		/* 0x80 is the indefinite form, banned by RFC 3417; more than four
		 * length octets cannot describe a datagram. */
		if (n == 0 || n > 4)
			return false;
		*len = 0;
		for (size_t i = 0; i < n; i++)
			*len = (*len << 8) | mk_rd_u8(rd);
	}
	return mk_rd_ok(rd) && *len <= mk_rd_left(rd);
}

/* Carves the next TLV, which must carry tag, into sub. */
static bool ber_expect(struct mk_rd *rd, uint8_t tag, struct mk_rd *sub)
{
	uint8_t t;
	size_t len;

	return ber_hdr(rd, &t, &len) && t == tag && mk_rd_sub(rd, len, sub);
}

/* Any TLV: tag and content. */
static bool ber_any(struct mk_rd *rd, uint8_t *tag, struct mk_rd *sub)
{
	size_t len;

	return ber_hdr(rd, tag, &len) && mk_rd_sub(rd, len, sub);
}

static bool ber_small_uint(struct mk_rd *rd, unsigned *val)
{
	struct mk_rd sub;

	if (!ber_expect(rd, BER_INTEGER, &sub) || sub.len < 1 || sub.len > 2)
		return false;
	*val = 0;
	while (mk_rd_left(&sub) > 0)
		*val = (*val << 8) | mk_rd_u8(&sub);
	return true;
}

/* X.690 8.19: each sub-identifier is base 128, at most 32 bits here (five
 * octets with the first below 0x10), and the last octet ends it. */
static bool oid_valid(const uint8_t *p, size_t len)
{
	size_t run = 0, subids = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (run == 0 && p[i] == 0x80)
			return false; /* non-minimal leading zero */
		if (++run > 5 || (run == 5 && p[i - 4] > 0x8f))
			return false;
		if ((p[i] & 0x80) == 0) {
			run = 0;
			subids++;
		}
	}
	return run == 0 && subids <= SNMP_OID_SUBIDS_MAX;
}

static size_t oid_format(const uint8_t *p, size_t len, char *buf, size_t cap)
{
	size_t out = 0;
	uint32_t v = 0;
	bool first = true;

	for (size_t i = 0; i < len; i++) {
		int n;

		v = (v << 7) | (p[i] & 0x7fu);
		if (p[i] & 0x80)
			continue;
		if (first) {
			unsigned arc = v < 40 ? 0 : v < 80 ? 1 : 2;

			n = snprintf(buf + out, cap - out, "%u.%u", arc, (unsigned)(v - 40 * arc));
			first = false;
		} else {
			n = snprintf(buf + out, cap - out, ".%u", (unsigned)v);
		}
		if (n < 0 || (size_t)n >= cap - out)
			return 0;
		out += (size_t)n;
		v = 0;
	}
	return out;
}

static bool oid_is(const struct mk_rd *oid, const uint8_t *want, size_t len)
{
	return oid->len == len && memcmp(oid->buf, want, len) == 0;
}

static bool snmp_varbinds(struct mk_rd *rd, struct snmp_msg *m)
{
	struct mk_rd list;

	if (!ber_expect(rd, BER_SEQUENCE, &list))
		return false;
	for (unsigned i = 0; i < SNMP_VARBINDS_MAX && mk_rd_left(&list) > 0; i++) {
		struct mk_rd vb, oid, val;
		uint8_t vtag;

		if (!ber_expect(&list, BER_SEQUENCE, &vb) || !ber_expect(&vb, BER_OID, &oid) ||
		    !ber_any(&vb, &vtag, &val))
			return false;
		if (!oid_valid(oid.buf, oid.len)) {
			m->bad_oid = true;
			continue;
		}
		if (m->pdu != SNMP_RESPONSE)
			continue;
		if (vtag == BER_OCTET_STRING && oid_is(&oid, oid_sys_descr, sizeof(oid_sys_descr))) {
			m->descr = val.buf;
			m->descr_len = val.len;
		} else if (vtag == BER_OCTET_STRING && oid_is(&oid, oid_sys_name, sizeof(oid_sys_name))) {
			m->name = val.buf;
			m->name_len = val.len;
		} else if (vtag == BER_OID && oid_is(&oid, oid_sys_object_id, sizeof(oid_sys_object_id))) {
			if (oid_valid(val.buf, val.len)) {
				m->objid = val.buf;
				m->objid_len = val.len;
			} else {
				m->bad_oid = true;
			}
		}
	}
	return true;
}

static bool snmp_pdu(struct mk_rd *rd, struct snmp_msg *m)
{
	uint8_t tag;
	struct mk_rd pdu, skip;

	if (!ber_any(rd, &tag, &pdu) || tag < SNMP_GET || tag > SNMP_REPORT)
		return false;
	m->pdu = tag;
	if (tag == SNMP_TRAP_V1) {
		uint8_t t;

		/* enterprise, agent-addr, generic-trap, specific-trap, time-stamp */
		if (!ber_expect(&pdu, BER_OID, &skip) || !ber_any(&pdu, &t, &skip) ||
		    !ber_expect(&pdu, BER_INTEGER, &skip) || !ber_expect(&pdu, BER_INTEGER, &skip) ||
		    !ber_any(&pdu, &t, &skip))
			return false;
	} else {
		/* request-id, error-status (non-repeaters), error-index (max-repetitions) */
		for (int i = 0; i < 3; i++)
			if (!ber_expect(&pdu, BER_INTEGER, &skip))
				return false;
	}
	return snmp_varbinds(&pdu, m);
}

static bool snmp_v3(struct mk_rd *msg, struct snmp_msg *m)
{
	struct mk_rd global, flags, secparams, usm, f, data;
	unsigned model = 0;
	uint8_t tag;

	/* msgGlobalData: msgID, msgMaxSize, msgFlags, msgSecurityModel */
	if (!ber_expect(msg, BER_SEQUENCE, &global) || !ber_expect(&global, BER_INTEGER, &f) ||
	    !ber_expect(&global, BER_INTEGER, &f) || !ber_expect(&global, BER_OCTET_STRING, &flags) ||
	    flags.len != 1 || !ber_expect(&global, BER_INTEGER, &f) || !ber_expect(msg, BER_OCTET_STRING, &secparams))
		return false;
	m->v3_auth = (flags.buf[0] & 0x01) != 0;
	model = f.len == 1 ? f.buf[0] : 0;
	if (model == 3) {
		/* USM: engine id, boots, time, user name, auth and priv parameters */
		struct mk_rd user;

		if (!ber_expect(&secparams, BER_SEQUENCE, &usm) || !ber_expect(&usm, BER_OCTET_STRING, &f) ||
		    !ber_expect(&usm, BER_INTEGER, &f) || !ber_expect(&usm, BER_INTEGER, &f) ||
		    !ber_expect(&usm, BER_OCTET_STRING, &user))
			return false;
		m->user = user.buf;
		m->user_len = user.len;
	}
	if (!ber_any(msg, &tag, &data))
		return false;
	if (tag == BER_OCTET_STRING)
		return true; /* encrypted scopedPDU */
	/* scopedPDU: contextEngineID, contextName, PDU */
	return tag == BER_SEQUENCE && ber_expect(&data, BER_OCTET_STRING, &f) &&
	       ber_expect(&data, BER_OCTET_STRING, &f) && snmp_pdu(&data, m);
}

/* Decodes a whole message; false on any BER error. */
static bool snmp_decode(struct mk_rd *rd, struct snmp_msg *m, bool *bad_version)
{
	struct mk_rd msg, comm;

	memset(m, 0, sizeof(*m));
	*bad_version = false;
	if (!ber_expect(rd, BER_SEQUENCE, &msg) || !ber_small_uint(&msg, &m->version))
		return false;
	if (m->version == 3)
		return snmp_v3(&msg, m);
	if (m->version > 1) {
		*bad_version = true;
		return false;
	}
	if (!ber_expect(&msg, BER_OCTET_STRING, &comm))
		return false;
	m->community_default = (comm.len == 6 && memcmp(comm.buf, "public", 6) == 0) ||
	                       (comm.len == 7 && memcmp(comm.buf, "private", 7) == 0);
	return snmp_pdu(&msg, m);
}

static int snmp_probe(struct mk_rd *rd, enum mk_dir dir)
{
	struct mk_rd r = *rd;
	struct snmp_msg m;
	bool bad_version;

	(void)dir;
	return snmp_decode(&r, &m, &bad_version) ? MK_PROBE_SURE : MK_PROBE_NO;
}

static void snmp_operation(struct mk_emit *out, unsigned pdu)
{
	switch (pdu) {
	case SNMP_GET:
		mk_emit_operation(out, MK_OP_READ, "get");
		break;
	case SNMP_GETNEXT:
		mk_emit_operation(out, MK_OP_READ, "getnext");
		break;
	case SNMP_GETBULK:
		mk_emit_operation(out, MK_OP_READ, "getbulk");
		break;
	case SNMP_SET:
		mk_emit_operation(out, MK_OP_WRITE, "set");
		break;
	case SNMP_TRAP_V1:
	case SNMP_TRAP_V2:
	case SNMP_INFORM:
		mk_emit_operation(out, MK_OP_OTHER, "trap");
		break;
	default:
		break; /* responses and reports are not requests */
	}
}

static enum mk_verdict snmp_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                  struct mk_emit *out)
{
	static const char *const vnames[] = {"1", "2c", "", "3"};
	struct snmp_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	struct snmp_msg m;
	bool bad_version;

	*consumed = mk_rd_left(rd);
	if (!snmp_decode(rd, &m, &bad_version)) {
		/* Nothing is emitted from a message that does not decode whole:
		 * a cut or lying length must not produce half a fact. */
		mk_emit_anomaly(out, bad_version ? "snmp_bad_version" : "snmp_bad_ber");
		return MK_V_OK;
	}
	if (!st->version_said[d]) {
		st->version_said[d] = 1;
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "snmp_version", vnames[m.version],
		             strlen(vnames[m.version]));
	}
	if (m.community_default && !st->default_community_seen) {
		st->default_community_seen = 1;
		mk_emit_anomaly(out, "snmp_default_community");
	}
	if (m.version == 3 && m.user_len > 0 && !m.v3_auth && m.pdu != SNMP_REPORT && !st->noauth_seen) {
		st->noauth_seen = 1;
		mk_emit_anomaly(out, "snmp_v3_noauth");
	}
	if (m.user_len > 0)
		mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "snmp_user", (const char *)m.user,
		             m.user_len < SNMP_TEXT_MAX ? m.user_len : SNMP_TEXT_MAX);
	snmp_operation(out, m.pdu);
	if (m.bad_oid)
		mk_emit_anomaly(out, "snmp_bad_oid");
	if (m.descr != NULL)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "snmp_sys_descr", (const char *)m.descr,
		             m.descr_len < SNMP_TEXT_MAX ? m.descr_len : SNMP_TEXT_MAX);
	if (m.name != NULL && m.name_len > 0)
		mk_emit_name(out, mk_host_rel(MK_HOST_SENDER), (const char *)m.name,
		             m.name_len < SNMP_TEXT_MAX ? m.name_len : SNMP_TEXT_MAX);
	if (m.objid != NULL) {
		char text[SNMP_OID_TEXT_MAX];
		size_t n = oid_format(m.objid, m.objid_len, text, sizeof(text));

		if (n > 0)
			mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "snmp_sys_object_id", text, n);
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_snmp = {
	.abi = MK_PROTO_ABI,
	.name = "snmp",
	.id = MK_PROTO_SNMP,
	.transports = MK_TRANSPORT_UDP,
	.state_size = sizeof(struct snmp_state),
	.max_buffer = 0,
	.probe = snmp_probe,
	.parse = snmp_parse,
	.events = snmp_events,
};

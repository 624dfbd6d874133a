/* rdp.c - RDP identification from the connection sequence: the user name of
 * the mstshash cookie, the security protocols the client asks for and the one
 * the server picks, and under standard RDP security the client's computer name
 * from the MCS Connect Initial.  S7comm and MMS share TPKT/COTP; only RDP's
 * own content (cookie or negotiation structure) makes a claim.
 * specification: MS-RDPBCGR sections 2.2.1.1 (X.224 Connection Request, with
 * 2.2.1.1.1 RDP_NEG_REQ), 2.2.1.2 (Connection Confirm, RDP_NEG_RSP and
 * RDP_NEG_FAILURE), 2.2.1.3.2 (TS_UD_CS_CORE); TPKT RFC 1006 section 6; X.224
 * ITU-T X.224 section 13
 */
#include "mieruka/proto.h"
#include "mieruka/util.h"

#include <stdio.h>
#include <string.h>

#define TPKT_HEADER_LEN 4
#define RDP_PDU_MAX 8192       /* a Connect Initial is well under this */
#define RDP_USER_MAX 64
#define RDP_CLIENT_NAME_BYTES 32 /* TS_UD_CS_CORE clientName: 16 UTF-16 units */

/* X.224 TPDU codes (upper nibble of the code octet). */
#define X224_CR 0xe0
#define X224_CC 0xd0
#define X224_DT 0xf0

/* MS-RDPBCGR 2.2.1.1.1 / 2.2.1.2.1 / 2.2.1.2.2 */
#define RDP_NEG_REQ 0x01
#define RDP_NEG_RSP 0x02
#define RDP_NEG_FAILURE 0x03
#define CS_CORE 0xc001

enum rdp_step {
	RDP_FIRST,   /* client: Connection Request; server: Connection Confirm */
	RDP_MCS,     /* client: the Connect Initial, when standard security */
	RDP_DONE,
};

struct rdp_state {
	uint8_t step[2];
};

static const char *const rdp_events[] = {
	"rdp_bad_tpkt",
	"rdp_bad_negotiation",
	"rdp_negotiation_failure",
	"rdp_standard_security",
	NULL,
};

/* requestedProtocols / selectedProtocol bits, MS-RDPBCGR 2.2.1.1.1. */
static const struct {
	uint32_t bit;
	const char *name;
} rdp_protocols[] = {
	{0x01, "ssl"}, {0x02, "hybrid"}, {0x04, "rdstls"}, {0x08, "hybrid_ex"}, {0x10, "rdsaad"},
};

static size_t rdp_protocol_names(uint32_t bits, char *buf, size_t cap)
{
	size_t used = 0;

	if (bits == 0)
		return (size_t)snprintf(buf, cap, "rdp");
	for (size_t i = 0; i < sizeof(rdp_protocols) / sizeof(rdp_protocols[0]); i++) {
		if (bits & rdp_protocols[i].bit) {
			int n = snprintf(buf + used, cap - used, "%s%s", used > 0 ? "," : "", rdp_protocols[i].name);

			if (n > 0 && (size_t)n < cap - used)
				used += (size_t)n;
		}
	}
	if (used == 0)
		used = (size_t)snprintf(buf, cap, "unknown");
	return used;
}

/* TPKT version 3 + X.224 header of the given code; returns the TPKT length. */
static bool rdp_tpkt(const struct mk_rd *rd, uint16_t *len, uint8_t *code)
{
	uint8_t ver = 0, li = 0;

	if (!mk_rd_peek_u8(rd, 0, &ver) || ver != 3 || !mk_rd_peek_be16(rd, 2, len) || !mk_rd_peek_u8(rd, 4, &li) ||
	    !mk_rd_peek_u8(rd, 5, code))
		return false;
	return true;
}

static int rdp_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint16_t len = 0;
	uint8_t code = 0, li = 0, b = 0;
	size_t n = mk_rd_left(rd);
	const uint8_t *p = mk_rd_cur(rd);

	if (n < 6)
		return n > 0 && mk_rd_peek_u8(rd, 0, &b) && b == 3 ? MK_PROBE_MAYBE : MK_PROBE_NO;
	if (!rdp_tpkt(rd, &len, &code) || len < 11 || len > RDP_PDU_MAX)
		return MK_PROBE_NO;
	mk_rd_peek_u8(rd, 4, &li);
	if ((size_t)li + 5 > len)
		return MK_PROBE_NO;
	if (n < 19 && n < len)
		return (code & 0xf0) == X224_CR || (code & 0xf0) == X224_CC ? MK_PROBE_MAYBE : MK_PROBE_NO;
	if (dir == MK_DIR_TO_SERVER && (code & 0xf0) == X224_CR) {
		/* RDP puts a cookie or an RDP_NEG_REQ right after the fixed part;
		 * S7comm and MMS put X.224 parameters (0xc0-0xc2) there. */
		if (n >= 19 && memcmp(p + 11, "Cookie: ", 8) == 0)
			return MK_PROBE_SURE;
		if (len == 19 && n >= 19 && p[11] == RDP_NEG_REQ && p[13] == 8 && p[14] == 0)
			return MK_PROBE_SURE;
		return MK_PROBE_NO;
	}
	if (dir == MK_DIR_TO_CLIENT && (code & 0xf0) == X224_CC) {
		if (len == 19 && n >= 19 && (p[11] == RDP_NEG_RSP || p[11] == RDP_NEG_FAILURE) && p[13] == 8 && p[14] == 0)
			return MK_PROBE_SURE;
		return MK_PROBE_NO;
	}
	return MK_PROBE_NO;
}

/* Connection Request: the cookie line, then an optional RDP_NEG_REQ. */
static void rdp_request(struct mk_rd *x, struct mk_emit *out)
{
	static const char cookie[] = "Cookie: mstshash=";
	const uint8_t *p = mk_rd_cur(x);
	size_t left = mk_rd_left(x);

	if (left >= 8 && memcmp(p, "Cookie: ", 8) == 0) {
		const uint8_t *nl = memchr(p, '\n', left);
		size_t ll;

		if (nl == NULL) {
			mk_emit_anomaly(out, "rdp_bad_negotiation");
			return;
		}
		ll = (size_t)(nl - p);
		if (ll >= sizeof(cookie) && memcmp(p, cookie, sizeof(cookie) - 1) == 0 && p[ll - 1] == '\r') {
			size_t ul = ll - 1 - (sizeof(cookie) - 1);

			/* Clients pad or cut the name (mstsc sends at most 9 chars). */
			while (ul > 0 && p[sizeof(cookie) - 1 + ul - 1] == ' ')
				ul--;
			if (ul > 0)
				mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "rdp_user", (const char *)p + sizeof(cookie) - 1,
				             ul < RDP_USER_MAX ? ul : RDP_USER_MAX);
		}
		mk_rd_skip(x, ll + 1);
	}
	if (mk_rd_left(x) >= 8) {
		uint8_t type = mk_rd_u8(x);
		uint8_t flags = mk_rd_u8(x);
		uint16_t len = mk_rd_le16(x);
		uint32_t proto = mk_rd_le32(x);
		char names[64];
		size_t n;

		(void)flags;
		if (type != RDP_NEG_REQ || len != 8) {
			mk_emit_anomaly(out, "rdp_bad_negotiation");
			return;
		}
		n = rdp_protocol_names(proto, names, sizeof(names));
		mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "rdp_requested_protocols", names, n);
	} else if (mk_rd_left(x) > 0) {
		mk_emit_anomaly(out, "rdp_bad_negotiation");
	}
}

/* Connection Confirm: RDP_NEG_RSP or RDP_NEG_FAILURE, or nothing (a server
 * that predates negotiation and so speaks standard RDP security). */
static void rdp_confirm(struct mk_rd *x, struct mk_emit *out)
{
	uint8_t type, flags;
	uint16_t len;
	uint32_t val;
	char names[64];
	size_t n;

	if (mk_rd_left(x) == 0) {
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "rdp_selected_protocol", "rdp", 3);
		mk_emit_anomaly(out, "rdp_standard_security");
		return;
	}
	type = mk_rd_u8(x);
	flags = mk_rd_u8(x);
	len = mk_rd_le16(x);
	val = mk_rd_le32(x);
	(void)flags;
	if (!mk_rd_ok(x) || len != 8 || (type != RDP_NEG_RSP && type != RDP_NEG_FAILURE)) {
		mk_emit_anomaly(out, "rdp_bad_negotiation");
		return;
	}
	if (type == RDP_NEG_FAILURE) {
		mk_emit_anomaly(out, "rdp_negotiation_failure");
		return;
	}
	n = rdp_protocol_names(val, names, sizeof(names));
	mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "rdp_selected_protocol", names, n);
	if (val == 0)
		mk_emit_anomaly(out, "rdp_standard_security");
}

/* MCS Connect Initial: the GCC user data start after the H.221 key "Duca"
 * and a PER length; the first block is normally TS_UD_CS_CORE. */
static void rdp_connect_initial(struct mk_rd *x, struct mk_emit *out)
{
	const uint8_t *p = mk_rd_cur(x);
	size_t left = mk_rd_left(x);
	struct mk_rd r;

	for (size_t i = 0; p != NULL && i + 4 <= left; i++) {
		uint8_t l0;
		uint16_t type, blen;

		if (memcmp(p + i, "Duca", 4) != 0)
			continue;
		mk_rd_init(&r, p + i + 4, left - i - 4);
		l0 = mk_rd_u8(&r);
		if (l0 & 0x80)
			mk_rd_skip(&r, 1);
		for (int blocks = 0; blocks < 16 && mk_rd_left(&r) >= 4; blocks++) {
			struct mk_rd blk;

			type = mk_rd_le16(&r);
			blen = mk_rd_le16(&r);
			if (blen < 4 || !mk_rd_sub(&r, blen - 4u, &blk))
				return;
			if (type == CS_CORE) {
				uint32_t build;
				const uint8_t *name;
				char text[3 * 16 + 1];
				size_t n;
				char num[16];
				int nn;

				/* version, desktopWidth, desktopHeight, colorDepth,
				 * SASSequence, keyboardLayout, clientBuild, clientName */
				mk_rd_skip(&blk, 4 + 2 + 2 + 2 + 2 + 4);
				build = mk_rd_le32(&blk);
				name = mk_rd_ptr(&blk, RDP_CLIENT_NAME_BYTES);
				if (name == NULL)
					return;
				n = mk_utf16le_to_utf8(name, RDP_CLIENT_NAME_BYTES, text, sizeof(text));
				if (n > 0)
					mk_emit_name(out, mk_host_rel(MK_HOST_CLIENT), text, n);
				nn = snprintf(num, sizeof(num), "%u", (unsigned)build);
				mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "rdp_client_build", num, (size_t)nn);
				return;
			}
		}
		return;
	}
}

static enum mk_verdict rdp_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	struct rdp_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	uint16_t len = 0;
	uint8_t code = 0, b0 = 0;
	struct mk_rd pdu, x;

	*consumed = 0;
	if (st->step[d] == RDP_DONE) {
		*consumed = mk_rd_left(rd);
		return MK_V_OK;
	}
	if (!mk_rd_peek_u8(rd, 0, &b0))
		return MK_V_NEED;
	if (b0 != 3) {
		/* Not TPKT: TLS or CredSSP has started; identification is over. */
		st->step[d] = RDP_DONE;
		*consumed = mk_rd_left(rd);
		return MK_V_OK;
	}
	if (!mk_rd_has(rd, TPKT_HEADER_LEN + 2))
		return MK_V_NEED;
	rdp_tpkt(rd, &len, &code);
	if (len < TPKT_HEADER_LEN + 3 || len > RDP_PDU_MAX) {
		mk_emit_anomaly(out, "rdp_bad_tpkt");
		st->step[d] = RDP_DONE;
		*consumed = mk_rd_left(rd);
		return MK_V_OK;
	}
	if (!mk_rd_has(rd, len))
		return MK_V_NEED;
	mk_rd_sub(rd, len, &pdu);
	*consumed = len;
	mk_rd_skip(&pdu, TPKT_HEADER_LEN);
	{
		uint8_t li = mk_rd_u8(&pdu);

		/* The X.224 header (li bytes after LI itself) must fit the TPKT. */
		if (li < 2 || !mk_rd_has(&pdu, li)) {
			mk_emit_anomaly(out, "rdp_bad_tpkt");
			st->step[d] = RDP_DONE;
			return MK_V_OK;
		}
		code = mk_rd_u8(&pdu);
		if ((code & 0xf0) == X224_DT) {
			mk_rd_skip(&pdu, li - 1u);
			x = pdu;
		} else {
			/* CR/CC: dst-ref, src-ref, class, then variable part to li. */
			if (li < 6) {
				mk_emit_anomaly(out, "rdp_bad_tpkt");
				st->step[d] = RDP_DONE;
				return MK_V_OK;
			}
			mk_rd_skip(&pdu, 5);
			mk_rd_sub(&pdu, li - 6u, &x);
		}
	}
	if (d == 0 && st->step[0] == RDP_FIRST && (code & 0xf0) == X224_CR) {
		rdp_request(&x, out);
		st->step[0] = RDP_MCS;
	} else if (d == 0 && st->step[0] == RDP_MCS && (code & 0xf0) == X224_DT) {
		rdp_connect_initial(&x, out);
		st->step[0] = RDP_DONE;
	} else if (d == 1 && (code & 0xf0) == X224_CC) {
		rdp_confirm(&x, out);
		st->step[1] = RDP_DONE;
	} else {
		st->step[d] = RDP_DONE;
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_rdp = {
	.abi = MK_PROTO_ABI,
	.name = "rdp",
	.id = MK_PROTO_RDP,
	.transports = MK_TRANSPORT_TCP,
	.state_size = sizeof(struct rdp_state),
	.max_buffer = RDP_PDU_MAX,
	.probe = rdp_probe,
	.parse = rdp_parse,
	.events = rdp_events,
};

/* nbns.c - NetBIOS Name Service plug-in: Windows (and Samba) computer names and
 * workgroups, from name registrations, refreshes, positive query responses and
 * node status responses.
 *
 * specification: RFC 1002 section 4.2 (packet formats: 4.2.1 header, 4.2.1.3
 * resource record, NB_FLAGS and NB_ADDRESS; 4.2.2 registration, 4.2.13 positive
 * query response, 4.2.18 node status response) and RFC 1001 section 14.1
 * (first-level encoding of the 16-byte NetBIOS name: each nibble + 'A').  The
 * message layout is the DNS one, read by dns_wire.c.
 *
 * The 16th byte of a NetBIOS name is its suffix type: 0x00 workstation, 0x20 file
 * server (both name the computer when unique), 0x00 or 0x1c as a group name the
 * workgroup or domain.  Other suffixes (messenger, browser, master browser...)
 * repeat the same names and are not emitted.
 *
 * The same plug-in reads the header of the NetBIOS Datagram Service on UDP 138
 * (RFC 1002 section 4.4.1-4.4.2: DIRECT_UNIQUE, DIRECT_GROUP and BROADCAST
 * datagrams carry SOURCE_IP, SOURCE_NAME and DESTINATION_NAME): Windows browser
 * announcements are sent there by every host, naming it and its workgroup (the
 * destination <1d>/<1e> name).  The SMB mailslot payload after the names is not read.
 */
#include "mieruka/proto.h"

#include <string.h>

#include "mieruka/pkt.h"

#include "proto/dns/dns_wire.h"

#define NBNS_T_NB 0x0020
#define NBNS_T_NBSTAT 0x0021
#define NBNS_NB_GROUP 0x8000      /* NB_FLAGS G bit */
#define NBNS_NAME_LEN 16
#define NBNS_MAX_ADDRS 16         /* NB_ADDRESS entries read per record */
#define NBNS_MAX_NAMES 64         /* node status names read */
#define NBNS_MAX_SEEN 16
#define NBDGM_PORT 138
#define NBDGM_HDR_LEN 14
#define NBDGM_DIRECT_UNIQUE 0x10
#define NBDGM_BROADCAST 0x12
#define NBDGM_FLAG_FIRST 0x02

enum {
	NBNS_OP_QUERY = 0,
	NBNS_OP_REGISTRATION = 5,
	NBNS_OP_RELEASE = 6,
	NBNS_OP_WACK = 7,
	NBNS_OP_REFRESH = 8,
	NBNS_OP_REFRESH_ALT = 9, /* RFC 1002 has a typo; Microsoft uses 9 */
	NBNS_OP_MULTIHOMED = 15, /* Microsoft multi-homed registration */
};

static const char *const nbns_events[] = {
	MK_DNS_WIRE_EVENTS,
	"nbns_bad_name_encoding", /* a first-level encoded name that is not 32 letters A-P */
	"nbns_bad_rdata",         /* an NB or NBSTAT record of impossible length */
	NULL,
};

struct nbns_ctx {
	const struct mk_dns_hdr *hdr;
	char seen[NBNS_MAX_SEEN][NBNS_NAME_LEN + 2]; /* name + kind, to emit each once */
	unsigned nseen;
};

/* Decodes "EOGFGLGP..." (32 letters A-P, RFC 1001 14.1) into 16 bytes. */
static bool nbns_decode(const char *enc, size_t len, uint8_t out[NBNS_NAME_LEN])
{
	/* Anything after the 32 letters is the NetBIOS scope: ".scope.id". */
	if (len < 32 || (len > 32 && enc[32] != '.'))
		return false;
	for (size_t i = 0; i < NBNS_NAME_LEN; i++) {
		int hi = enc[2 * i] - 'A', lo = enc[2 * i + 1] - 'A';

		if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* Length of the 15-byte name without its space padding (and NULs, which Samba uses). */
static size_t nbns_name_len(const uint8_t name[NBNS_NAME_LEN])
{
	size_t n = NBNS_NAME_LEN - 1;

	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\0'))
		n--;
	return memchr(name, 0, n) == NULL ? n : 0;
}

static bool nbns_first(struct nbns_ctx *c, const uint8_t *name, size_t len, char kind)
{
	for (unsigned i = 0; i < c->nseen; i++)
		if (c->seen[i][0] == kind && strlen(c->seen[i] + 1) == len && memcmp(c->seen[i] + 1, name, len) == 0)
			return false;
	if (c->nseen < NBNS_MAX_SEEN) {
		c->seen[c->nseen][0] = kind;
		memcpy(c->seen[c->nseen] + 1, name, len);
		c->seen[c->nseen][len + 1] = '\0';
		c->nseen++;
	}
	return true;
}

/* One NetBIOS name with its group flag, about host; with c, each name only once per
 * message (a node status lists a name under several suffixes). */
static void nbns_emit(struct nbns_ctx *c, struct mk_emit *out, struct mk_host host, const uint8_t name[16],
                      bool group)
{
	uint8_t suffix = name[NBNS_NAME_LEN - 1];
	size_t len = nbns_name_len(name);

	/* "*" is the wildcard of node status queries, not a name. */
	if (len == 0 || (len == 1 && name[0] == '*'))
		return;
	if (group && (suffix == 0x00 || suffix == 0x1c)) {
		if (c == NULL || nbns_first(c, name, len, 'g'))
			mk_emit_attr(out, host, "netbios_group", (const char *)name, len);
	} else if (!group && (suffix == 0x00 || suffix == 0x20)) {
		if (c == NULL || nbns_first(c, name, len, 'n'))
			mk_emit_name(out, host, (const char *)name, len);
	}
}

/* NB record (4.2.1.3): 6-byte entries of NB_FLAGS and NB_ADDRESS. */
static void nbns_nb(const struct mk_dns_rr *rr, const uint8_t name[16], struct mk_emit *out)
{
	struct mk_rd rd = rr->rdata;

	if (mk_rd_left(&rd) % 6 != 0) {
		mk_emit_anomaly(out, "nbns_bad_rdata");
		return;
	}
	for (unsigned i = 0; i < NBNS_MAX_ADDRS && mk_rd_left(&rd) >= 6; i++) {
		uint16_t flags = mk_rd_be16(&rd);
		struct mk_addr ip;

		mk_addr_set_ip4(&ip, mk_rd_ptr(&rd, 4));
		if (!mk_addr_is_special(&ip))
			nbns_emit(NULL, out, mk_host_explicit(NULL, &ip), name, (flags & NBNS_NB_GROUP) != 0);
	}
}

/* NBSTAT (4.2.18): the responder's own name table. */
static void nbns_nbstat(struct nbns_ctx *c, const struct mk_dns_rr *rr, struct mk_emit *out)
{
	struct mk_rd rd = rr->rdata;
	uint8_t count = mk_rd_u8(&rd);

	if (!mk_rd_ok(&rd) || mk_rd_left(&rd) < (size_t)count * 18) {
		mk_emit_anomaly(out, "nbns_bad_rdata");
		return;
	}
	for (unsigned i = 0; i < count && i < NBNS_MAX_NAMES; i++) {
		const uint8_t *name = mk_rd_ptr(&rd, NBNS_NAME_LEN);
		uint16_t flags = mk_rd_be16(&rd);

		if (name != NULL)
			nbns_emit(c, out, mk_host_rel(MK_HOST_SENDER), name, (flags & NBNS_NB_GROUP) != 0);
	}
}

static void nbns_rr(void *ctx, const struct mk_rd *msg, const struct mk_dns_rr *rr, struct mk_emit *out)
{
	struct nbns_ctx *c = ctx;
	unsigned opcode = (c->hdr->flags >> 11) & 0xf, rcode = c->hdr->flags & 0xf;
	bool response = (c->hdr->flags & MK_DNS_FLAG_QR) != 0;
	uint8_t name[NBNS_NAME_LEN];

	(void)msg;
	if (rr->rclass != 1 || rcode != 0)
		return;
	if (rr->type == NBNS_T_NBSTAT) {
		if (response && rr->section == MK_DNS_S_ANSWER)
			nbns_nbstat(c, rr, out);
		return;
	}
	if (rr->type != NBNS_T_NB)
		return;
	/* A registration or refresh states the sender's name and address; so does a
	 * positive query response.  Releases and conflicts state nothing current. */
	if (response ? opcode != NBNS_OP_QUERY || rr->section != MK_DNS_S_ANSWER
	             : (opcode != NBNS_OP_REGISTRATION && opcode != NBNS_OP_REFRESH && opcode != NBNS_OP_REFRESH_ALT &&
	                opcode != NBNS_OP_MULTIHOMED) || rr->section != MK_DNS_S_ADDITIONAL)
		return;
	if (!nbns_decode(rr->name, rr->name_len, name)) {
		mk_emit_anomaly(out, "nbns_bad_name_encoding");
		return;
	}
	nbns_nb(rr, name, out);
}

/* Reads one first-level encoded name at rd (no compression in datagrams). */
static bool nbdgm_name(const struct mk_rd *msg, struct mk_rd *rd, uint8_t raw[NBNS_NAME_LEN])
{
	char text[MK_DNS_NAME_BUF];
	size_t len;

	return mk_dns_name(msg, rd, text, sizeof(text), &len) == NULL && nbns_decode(text, len, raw);
}

/* Is this a datagram service header?  Pure.  Without the ports (unit tests, the
 * fuzz harness) the DGM_LENGTH must match, which an NBNS transaction id can't fake
 * together with the type byte except by chance. */
static bool nbdgm_is(const struct mk_rd *rd, const struct mk_emit *out)
{
	uint8_t type, flags;
	uint16_t dlen;

	if (mk_rd_left(rd) < NBDGM_HDR_LEN || !mk_rd_peek_u8(rd, 0, &type) || !mk_rd_peek_u8(rd, 1, &flags) ||
	    !mk_rd_peek_be16(rd, 10, &dlen))
		return false;
	if (type < NBDGM_DIRECT_UNIQUE || type > NBDGM_BROADCAST)
		return false;
	if (out != NULL && out->pkt != NULL)
		return out->pkt->sport == NBDGM_PORT || out->pkt->dport == NBDGM_PORT;
	return (flags & 0x01) == 0 && dlen == mk_rd_left(rd) - NBDGM_HDR_LEN;
}

/* RFC 1002 4.4.2: the sender's own name and the name it writes to. */
static void nbdgm_parse(struct mk_rd *rd, struct mk_emit *out)
{
	struct mk_rd msg, cur;
	uint8_t flags, ip4[4], src[NBNS_NAME_LEN], dst[NBNS_NAME_LEN];
	struct mk_addr ip;
	struct mk_host host;

	mk_rd_sub(rd, mk_rd_left(rd), &msg);
	cur = msg;
	(void)mk_rd_u8(&cur); /* MSG_TYPE */
	flags = mk_rd_u8(&cur);
	mk_rd_skip(&cur, 2); /* DGM_ID */
	mk_rd_copy(&cur, ip4, 4);
	mk_rd_skip(&cur, 2 + 2 + 2); /* SOURCE_PORT, DGM_LENGTH, PACKET_OFFSET */
	if (!mk_rd_ok(&cur)) {
		mk_emit_anomaly(out, "dns_truncated");
		return;
	}
	if (!(flags & NBDGM_FLAG_FIRST))
		return; /* a later fragment: no names */
	mk_addr_set_ip4(&ip, ip4);
	if (mk_addr_is_special(&ip))
		return;
	host = mk_host_explicit(NULL, &ip);
	if (!nbdgm_name(&msg, &cur, src)) {
		mk_emit_anomaly(out, mk_rd_ok(&cur) ? "nbns_bad_name_encoding" : "dns_truncated");
		return;
	}
	nbns_emit(NULL, out, host, src, false);
	if (!nbdgm_name(&msg, &cur, dst))
		return; /* the destination may be cut; the source name was whole */
	/* Browser announcements go to WORKGROUP<1d> (master browser) or <1e> (elections). */
	if (dst[NBNS_NAME_LEN - 1] == 0x1d || dst[NBNS_NAME_LEN - 1] == 0x1e) {
		size_t len = nbns_name_len(dst);

		if (len > 0 && dst[0] != 0x01)
			mk_emit_attr(out, host, "netbios_group", (const char *)dst, len);
	}
}

/* Pure: a DNS-shaped header and a first name in first-level encoding. */
static int mk_nbns_probe(struct mk_rd *rd, enum mk_dir dir)
{
	struct mk_dns_hdr hdr;
	struct mk_rd c = *rd, msg, q;
	char name[MK_DNS_NAME_BUF];
	uint8_t raw[NBNS_NAME_LEN];
	unsigned opcode;
	size_t nlen;

	(void)dir;
	if (nbdgm_is(rd, NULL)) {
		mk_rd_sub(&c, mk_rd_left(&c), &msg);
		q = msg;
		return mk_rd_skip(&q, NBDGM_HDR_LEN) && nbdgm_name(&msg, &q, raw) ? MK_PROBE_SURE : MK_PROBE_NO;
	}
	if (!mk_dns_plausible(rd, 0, &hdr) || hdr.qdcount + hdr.ancount + hdr.arcount == 0)
		return MK_PROBE_NO;
	opcode = (hdr.flags >> 11) & 0xf;
	if (opcode != NBNS_OP_QUERY && (opcode < NBNS_OP_REGISTRATION || opcode > NBNS_OP_REFRESH_ALT) &&
	    opcode != NBNS_OP_MULTIHOMED)
		return MK_PROBE_NO;
	mk_rd_sub(&c, mk_rd_left(&c), &msg);
	q = msg;
	mk_rd_skip(&q, MK_DNS_HDR_LEN);
	if (mk_dns_name(&msg, &q, name, sizeof(name), &nlen) != NULL || !nbns_decode(name, nlen, raw))
		return MK_PROBE_NO;
	return MK_PROBE_SURE;
}

static enum mk_verdict mk_nbns_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                     struct mk_emit *out)
{
	struct mk_dns_hdr hdr;
	struct nbns_ctx c;
	struct mk_rd msg;

	(void)state;
	(void)dir;
	*consumed = 0;
	if (nbdgm_is(rd, out)) {
		nbdgm_parse(rd, out);
		return MK_V_OK;
	}
	memset(&c, 0, sizeof(c));
	memset(&hdr, 0, sizeof(hdr));
	c.hdr = &hdr;
	mk_rd_sub(rd, mk_rd_left(rd), &msg);
	mk_dns_walk(&msg, &hdr, nbns_rr, &c, out);
	return MK_V_OK; /* broadcasts to 137 are shared by every host: never give up */
}

const struct mk_proto mk_proto_nbns = {
	.abi = MK_PROTO_ABI,
	.name = "nbns",
	.id = MK_PROTO_NBNS,
	.transports = MK_TRANSPORT_UDP,
	.l2 = NULL,
	.state_size = 0,
	.max_buffer = 0,
	.probe = mk_nbns_probe,
	.parse = mk_nbns_parse,
	.events = nbns_events,
};

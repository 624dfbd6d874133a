/* llmnr.c - LLMNR plug-in: the names Windows hosts answer for on the local link.
 *
 * specification: RFC 4795 (Link-Local Multicast Name Resolution; section 2.1.1
 * header flags C/TC/T, section 2.2 responses are sent by the name's owner, 2.1.1
 * "QDCOUNT MUST be 1").  Message format RFC 1035 4.1, read by dns_wire.c.
 *
 * Facts come from responses only: A/AAAA answers name the answered address, PTR
 * answers for in-addr.arpa/ip6.arpa name the address of the reverse name.  An
 * answer with the T (tentative) bit is skipped: the responder has not yet
 * verified that the name is unique (2.1.1), so it may belong to someone else.
 */
#include "mieruka/proto.h"

#include <string.h>

#include "proto/dns/dns_wire.h"

#define LLMNR_FLAG_T 0x0100 /* tentative */

static const char *const llmnr_events[] = {
	MK_DNS_WIRE_EVENTS,
	NULL,
};

struct llmnr_ctx {
	const struct mk_dns_hdr *hdr;
};

static void llmnr_name_for(struct mk_emit *out, const struct mk_addr *ip, const char *name, size_t len)
{
	if (len == 0 || mk_addr_is_special(ip))
		return;
	mk_emit_name(out, mk_host_explicit(NULL, ip), name, len);
}

static void llmnr_rr(void *ctx, const struct mk_rd *msg, const struct mk_dns_rr *rr, struct mk_emit *out)
{
	const struct llmnr_ctx *c = ctx;
	struct mk_addr ip;
	char target[MK_DNS_NAME_BUF];
	size_t tlen;

	if ((c->hdr->flags & (MK_DNS_FLAG_QR | LLMNR_FLAG_T)) != MK_DNS_FLAG_QR ||
	    rr->section != MK_DNS_S_ANSWER || rr->rclass != 1)
		return;
	switch (rr->type) {
	case MK_DNS_T_A:
	case MK_DNS_T_AAAA:
		if (mk_dns_rr_address(rr, &ip))
			llmnr_name_for(out, &ip, rr->name, rr->name_len);
		break;
	case MK_DNS_T_PTR:
		if (!mk_dns_reverse_addr(rr->name, rr->name_len, &ip))
			return;
		if (mk_dns_name_at(msg, rr->rdata_off, target, sizeof(target), &tlen) != NULL)
			return;
		llmnr_name_for(out, &ip, target, tlen);
		break;
	default:
		break;
	}
}

/* Pure: one question (RFC 4795 2.1.1), opcode 0, and a readable name. */
static int mk_llmnr_probe(struct mk_rd *rd, enum mk_dir dir)
{
	struct mk_dns_hdr hdr;
	struct mk_rd c = *rd, msg, q;
	char name[MK_DNS_NAME_BUF];
	size_t nlen;

	(void)dir;
	if (!mk_dns_plausible(rd, 0, &hdr) || hdr.qdcount != 1 || (hdr.flags & 0x7800) != 0)
		return MK_PROBE_NO;
	mk_rd_sub(&c, mk_rd_left(&c), &msg);
	q = msg;
	mk_rd_skip(&q, MK_DNS_HDR_LEN);
	if (mk_dns_name(&msg, &q, name, sizeof(name), &nlen) != NULL || nlen == 0 || !mk_rd_skip(&q, 4))
		return MK_PROBE_NO;
	return MK_PROBE_SURE;
}

static enum mk_verdict mk_llmnr_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                      struct mk_emit *out)
{
	struct mk_dns_hdr hdr;
	struct llmnr_ctx c = {&hdr};
	struct mk_rd msg;

	(void)state;
	(void)dir;
	*consumed = 0;
	memset(&hdr, 0, sizeof(hdr));
	mk_rd_sub(rd, mk_rd_left(rd), &msg);
	mk_dns_walk(&msg, &hdr, llmnr_rr, &c, out);
	return MK_V_OK; /* queries go to a multicast group shared by every host */
}

const struct mk_proto mk_proto_llmnr = {
	.abi = MK_PROTO_ABI,
	.name = "llmnr",
	.id = MK_PROTO_LLMNR,
	.transports = MK_TRANSPORT_UDP,
	.l2 = NULL,
	.state_size = 0,
	.max_buffer = 0,
	.probe = mk_llmnr_probe,
	.parse = mk_llmnr_parse,
	.events = llmnr_events,
};

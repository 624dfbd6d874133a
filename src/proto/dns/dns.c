/* dns.c - DNS plug-in: names of addresses, from the A, AAAA and PTR answers of
 * responses (queries say what someone wanted, not what is true: no facts).
 *
 * specification: RFC 1035 section 4 (messages; 4.2.1 UDP, 4.2.2 TCP with the
 * two-byte length prefix), RFC 3596 (AAAA, ip6.arpa), RFC 7766 section 8 (several
 * messages per TCP connection).  The wire format is read by dns_wire.c.
 *
 * One descriptor serves UDP and TCP.  The parse call does not say which, so the
 * packet does: out->pkt->ip_proto.  Without a packet (the fuzz harness feeds
 * stream records) the bytes are taken as a TCP stream.
 */
#include "mieruka/proto.h"

#include <string.h>

#include "mieruka/pkt.h"
#include "proto/dns/dns_wire.h"

#define DNS_TCP_MAX_MSG (2 + 65535)  /* one whole TCP message with its prefix */
#define DNS_TCP_MSGS_PER_CALL 64     /* the core calls again for the rest */
#define IPPROTO_TCP_NUM 6

static const char *const dns_events[] = {
	MK_DNS_WIRE_EVENTS,
	NULL,
};

struct dns_ctx {
	const struct mk_dns_hdr *hdr;
};

/* A name fact for an address: the inventory keeps it only for its assets. */
static void dns_name_for(struct mk_emit *out, const struct mk_addr *ip, const char *name, size_t len)
{
	if (len == 0 || mk_addr_is_special(ip))
		return;
	mk_emit_name(out, mk_host_explicit(NULL, ip), name, len);
}

static void dns_rr(void *ctx, const struct mk_rd *msg, const struct mk_dns_rr *rr, struct mk_emit *out)
{
	const struct dns_ctx *c = ctx;
	struct mk_addr ip;
	char target[MK_DNS_NAME_BUF];
	size_t tlen;
	const char *err;

	if (!(c->hdr->flags & MK_DNS_FLAG_QR) || rr->section == MK_DNS_S_AUTHORITY || rr->rclass != 1)
		return;
	switch (rr->type) {
	case MK_DNS_T_A:
	case MK_DNS_T_AAAA:
		if (mk_dns_rr_address(rr, &ip))
			dns_name_for(out, &ip, rr->name, rr->name_len);
		break;
	case MK_DNS_T_PTR:
		if (!mk_dns_reverse_addr(rr->name, rr->name_len, &ip))
			return;
		err = mk_dns_name_at(msg, rr->rdata_off, target, sizeof(target), &tlen);
		if (err != NULL) {
			mk_emit_anomaly(out, err);
			return;
		}
		dns_name_for(out, &ip, target, tlen);
		break;
	default:
		break;
	}
}

static void dns_message(const struct mk_rd *msg, struct mk_emit *out)
{
	struct mk_dns_hdr hdr;
	struct dns_ctx c = {&hdr};

	memset(&hdr, 0, sizeof(hdr));
	mk_dns_walk(msg, &hdr, dns_rr, &c, out);
}

/* Is there a DNS message at offset at, with a readable question?  Pure. */
static int dns_probe_at(const struct mk_rd *rd, size_t at, size_t len)
{
	struct mk_dns_hdr hdr;
	struct mk_rd c = *rd, msg, q;
	char name[MK_DNS_NAME_BUF];
	size_t nlen;
	uint16_t qclass;

	if (!mk_dns_plausible(rd, at, &hdr) || hdr.qdcount != 1)
		return MK_PROBE_NO;
	if (!mk_rd_skip(&c, at) || !mk_rd_sub(&c, len < mk_rd_left(&c) ? len : mk_rd_left(&c), &msg))
		return MK_PROBE_NO;
	q = msg;
	if (!mk_rd_skip(&q, MK_DNS_HDR_LEN) || mk_dns_name(&msg, &q, name, sizeof(name), &nlen) != NULL)
		return MK_PROBE_NO;
	(void)mk_rd_be16(&q); /* QTYPE */
	qclass = mk_rd_be16(&q);
	if (!mk_rd_ok(&q) || nlen == 0)
		return MK_PROBE_NO;
	return qclass == 1 || qclass == 3 || qclass == 255 ? MK_PROBE_SURE : MK_PROBE_MAYBE;
}

static int mk_dns_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint16_t len;
	int udp, tcp = MK_PROBE_NO;

	(void)dir;
	udp = dns_probe_at(rd, 0, mk_rd_left(rd));
	if (mk_rd_peek_be16(rd, 0, &len) && len >= MK_DNS_HDR_LEN)
		tcp = dns_probe_at(rd, 2, len);
	return udp > tcp ? udp : tcp;
}

static enum mk_verdict mk_dns_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                    struct mk_emit *out)
{
	(void)state;
	(void)dir;
	*consumed = 0;
	if (out->pkt != NULL && out->pkt->ip_proto != IPPROTO_TCP_NUM) {
		struct mk_rd msg;

		mk_rd_sub(rd, mk_rd_left(rd), &msg); /* the datagram, from offset 0 */
		dns_message(&msg, out);
		return MK_V_OK;
	}
	for (unsigned n = 0; n < DNS_TCP_MSGS_PER_CALL; n++) {
		uint16_t len;
		struct mk_rd msg;

		if (mk_rd_left(rd) == 0)
			return MK_V_OK;
		if (!mk_rd_peek_be16(rd, 0, &len) || mk_rd_left(rd) - 2 < len)
			return MK_V_NEED;
		mk_rd_skip(rd, 2);
		mk_rd_sub(rd, len, &msg);
		dns_message(&msg, out);
		*consumed += 2 + (size_t)len;
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_dns = {
	.abi = MK_PROTO_ABI,
	.name = "dns",
	.id = MK_PROTO_DNS,
	.transports = MK_TRANSPORT_UDP | MK_TRANSPORT_TCP,
	.l2 = NULL,
	.state_size = 0,
	.max_buffer = DNS_TCP_MAX_MSG,
	.probe = mk_dns_probe,
	.parse = mk_dns_parse,
	.events = dns_events,
};

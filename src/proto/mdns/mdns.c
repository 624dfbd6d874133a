/* mdns.c - multicast DNS plug-in: the names devices announce for their addresses,
 * the DNS-SD services they offer, and the printer/device model in their TXT records.
 *
 * specification: RFC 6762 (Multicast DNS; section 18 message format, 10.2 the
 * cache-flush bit in the class field) and RFC 6763 (DNS-Based Service Discovery;
 * section 4.1 service instance names "<Instance>.<_service>.<_proto>.<domain>",
 * section 6 TXT record key=value strings, section 9 "_services._dns-sd._udp").
 * TXT keys: "ty" and "usb_MDL" from Apple's Bonjour Printing Specification, "md"
 * (AirPlay/HomeKit) and "model" (_device-info._tcp).  The wire format is dns_wire.c.
 *
 * Only responses give facts; queries (and their known-answer lists, which repeat
 * what others said) give none.  Services and models are about the responder
 * (the sender); A/AAAA/PTR names are about the address in the record.
 */
#include "mieruka/proto.h"

#include <string.h>
#include <strings.h>

#include "proto/dns/dns_wire.h"

#define MDNS_MAX_SEEN 16   /* distinct services/models emitted per message */
#define MDNS_MAX_TXT 64    /* strings read per TXT record */
#define MDNS_MAX_VALUE 128

static const char *const mdns_events[] = {
	MK_DNS_WIRE_EVENTS,
	NULL,
};

struct mdns_ctx {
	const struct mk_dns_hdr *hdr;
	const char *seen_key[MDNS_MAX_SEEN];
	char seen[MDNS_MAX_SEEN][MDNS_MAX_VALUE];
	unsigned nseen;
};

/* Emits key=value once per message: one announcement repeats itself a lot. */
static void mdns_attr_once(struct mdns_ctx *c, struct mk_emit *out, const char *key, const char *v,
                           size_t len)
{
	if (len == 0 || len >= MDNS_MAX_VALUE)
		return;
	for (unsigned i = 0; i < c->nseen; i++)
		if (c->seen_key[i] == key && strlen(c->seen[i]) == len && memcmp(c->seen[i], v, len) == 0)
			return;
	if (c->nseen < MDNS_MAX_SEEN) {
		c->seen_key[c->nseen] = key;
		memcpy(c->seen[c->nseen], v, len);
		c->seen[c->nseen][len] = '\0';
		c->nseen++;
	}
	mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), key, v, len);
}

/* "<Instance>._ipp._tcp.local" or "_printer._sub._http._tcp.local" -> "_ipp._tcp" /
 * "_http._tcp": the label before "_tcp"/"_udp" and that label.  Returns the length
 * of the service type at *start, 0 when the name is no DNS-SD name. */
static size_t mdns_service_type(const char *name, size_t len, const char **start)
{
	for (size_t i = 0; i + 5 <= len; i++) {
		size_t j;

		if (name[i] != '.' || (strncasecmp(name + i, "._tcp", 5) != 0 && strncasecmp(name + i, "._udp", 5) != 0))
			continue;
		if (i + 5 != len && name[i + 5] != '.')
			continue;
		/* The service label runs back to the previous dot and starts with '_'. */
		for (j = i; j > 0 && name[j - 1] != '.'; j--)
			;
		if (name[j] != '_' || i - j < 2)
			return 0;
		*start = name + j;
		return i + 5 - j;
	}
	return 0;
}

/* A host name is a name without service labels ("_ipp", "_tcp"): open62541 and others
 * put A records under service instance names, which name no host. */
static bool mdns_is_host_name(const char *name, size_t len)
{
	if (len == 0 || name[0] == '_')
		return false;
	for (size_t i = 0; i + 1 < len; i++)
		if (name[i] == '.' && name[i + 1] == '_')
			return false;
	return true;
}

static void mdns_name_for(struct mk_emit *out, const struct mk_addr *ip, const char *name, size_t len)
{
	if (!mdns_is_host_name(name, len) || mk_addr_is_special(ip))
		return;
	mk_emit_name(out, mk_host_explicit(NULL, ip), name, len);
}

/* TXT (RFC 6763 6.1): <len><key=value> strings; the model keys name the device. */
static void mdns_txt(struct mdns_ctx *c, const struct mk_dns_rr *rr, struct mk_emit *out)
{
	static const char *const keys[] = {"ty", "usb_MDL", "md", "model"};
	struct mk_rd rd = rr->rdata;

	for (unsigned n = 0; n < MDNS_MAX_TXT && mk_rd_left(&rd) > 0; n++) {
		uint8_t l = mk_rd_u8(&rd);
		const uint8_t *p = l > 0 ? mk_rd_ptr(&rd, l) : NULL;
		const uint8_t *eq;

		if (!mk_rd_ok(&rd))
			return; /* a cut string: nothing from it */
		if (p == NULL || (eq = memchr(p, '=', l)) == NULL)
			continue;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t klen = strlen(keys[k]), vlen = (size_t)(p + l - eq - 1);

			if ((size_t)(eq - p) == klen && strncasecmp((const char *)p, keys[k], klen) == 0 &&
			    memchr(eq + 1, 0, vlen) == NULL)
				mdns_attr_once(c, out, "mdns_model", (const char *)eq + 1, vlen);
		}
	}
}

static void mdns_rr(void *ctx, const struct mk_rd *msg, const struct mk_dns_rr *rr, struct mk_emit *out)
{
	struct mdns_ctx *c = ctx;
	struct mk_addr ip;
	char target[MK_DNS_NAME_BUF];
	const char *svc;
	size_t tlen, slen;

	/* RFC 6762 10.2: the top bit of the class is cache-flush, not part of it. */
	if (!(c->hdr->flags & MK_DNS_FLAG_QR) || rr->section == MK_DNS_S_AUTHORITY ||
	    (rr->rclass & 0x7fff) != 1)
		return;
	switch (rr->type) {
	case MK_DNS_T_A:
	case MK_DNS_T_AAAA:
		if (mk_dns_rr_address(rr, &ip))
			mdns_name_for(out, &ip, rr->name, rr->name_len);
		break;
	case MK_DNS_T_PTR:
		if (mk_dns_name_at(msg, rr->rdata_off, target, sizeof(target), &tlen) != NULL)
			return; /* a bad name in rdata: the record says nothing we can use */
		if (mk_dns_reverse_addr(rr->name, rr->name_len, &ip)) {
			mdns_name_for(out, &ip, target, tlen);
			return;
		}
		/* "_ipp._tcp.local PTR <instance>" and "_services._dns-sd._udp.local PTR
		 * _ipp._tcp.local": the service type is in the target either way. */
		if ((slen = mdns_service_type(target, tlen, &svc)) > 0 &&
		    !(slen == 12 && strncasecmp(svc, "_dns-sd._udp", 12) == 0))
			mdns_attr_once(c, out, "mdns_service", svc, slen);
		break;
	case MK_DNS_T_SRV:
		if ((slen = mdns_service_type(rr->name, rr->name_len, &svc)) > 0)
			mdns_attr_once(c, out, "mdns_service", svc, slen);
		break;
	case MK_DNS_T_TXT:
		mdns_txt(c, rr, out);
		break;
	default:
		break;
	}
}

static void mdns_count(void *ctx, const struct mk_rd *msg, const struct mk_dns_rr *rr, struct mk_emit *out)
{
	(void)msg;
	(void)rr;
	(void)out;
	(*(unsigned *)ctx)++;
}

/* Pure: reads the whole message with a sink-less emitter. */
static int mk_mdns_probe(struct mk_rd *rd, enum mk_dir dir)
{
	struct mk_dns_hdr hdr;
	struct mk_emit none = {0};
	struct mk_rd c = *rd, msg;
	unsigned records = 0;

	(void)dir;
	if (!mk_dns_plausible(rd, 0, &hdr) || hdr.qdcount + hdr.ancount + hdr.nscount + hdr.arcount == 0)
		return MK_PROBE_NO;
	mk_rd_sub(&c, mk_rd_left(&c), &msg);
	if (mk_dns_walk(&msg, &hdr, mdns_count, &records, &none) != NULL)
		return MK_PROBE_NO;
	/* RFC 6762 18.1: multicast messages carry ID zero. */
	return hdr.id == 0 ? MK_PROBE_SURE : MK_PROBE_MAYBE;
}

static enum mk_verdict mk_mdns_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                     struct mk_emit *out)
{
	struct mk_dns_hdr hdr;
	struct mdns_ctx c;
	struct mk_rd msg;

	(void)state;
	(void)dir;
	*consumed = 0;
	memset(&c, 0, sizeof(c));
	memset(&hdr, 0, sizeof(hdr));
	c.hdr = &hdr;
	mk_rd_sub(rd, mk_rd_left(rd), &msg);
	mk_dns_walk(&msg, &hdr, mdns_rr, &c, out);
	return MK_V_OK; /* 5353 is shared by every host: never give the flow up */
}

const struct mk_proto mk_proto_mdns = {
	.abi = MK_PROTO_ABI,
	.name = "mdns",
	.id = MK_PROTO_MDNS,
	.transports = MK_TRANSPORT_UDP,
	.l2 = NULL,
	.state_size = 0,
	.max_buffer = 0,
	.probe = mk_mdns_probe,
	.parse = mk_mdns_parse,
	.events = mdns_events,
};

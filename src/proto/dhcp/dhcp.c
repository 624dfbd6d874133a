/* dhcp.c - DHCPv4 plug-in: client host names, vendor classes and option
 * fingerprints, address assignments (ACK), and who acts as a DHCP server.
 *
 * specification: RFC 2131 section 2 (BOOTP message format, magic cookie, option
 * overload order: options, then 'file', then 'sname') and RFC 2132 (options 3
 * Router, 12 Host Name, 50 Requested IP, 52 Overload, 53 Message Type, 54 Server
 * Identifier, 55 Parameter Request List, 60 Vendor Class Identifier); RFC 4702
 * section 2 (option 81 Client FQDN).
 *
 * Options are first collected, then turned into facts, so a fact never depends on
 * an option that was cut short: an option whose length runs past the datagram ends
 * the walk with an anomaly and only the whole options before it count.  Split
 * options (RFC 3396) are not concatenated: the first instance is used.
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define BOOTP_FIXED 236    /* op .. file, RFC 2131 figure 1 */
#define DHCP_MIN 240       /* with the magic cookie */
#define DHCP_MAX_OPTIONS 255 /* option instances walked per area */
#define DHCP_MAX_TEXT 255
#define DHCP_COOKIE 0x63825363u

enum {
	BOOTREQUEST = 1,
	BOOTREPLY = 2,
};

enum {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_HOST_NAME = 12,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_LIST = 55,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_FQDN = 81,
	DHCP_OPT_END = 255,
};

enum {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

static const char *const dhcp_events[] = {
	"dhcp_truncated",         /* shorter than the BOOTP header and cookie */
	"dhcp_bad_cookie",        /* the magic cookie is not 99.130.83.99 */
	"dhcp_option_truncated",  /* an option's length runs past its area */
	"dhcp_bad_option_length", /* a fixed-size option with the wrong length */
	"dhcp_too_many_options",
	"dhcp_missing_end",       /* an option area ends without the End option */
	NULL,
};

/* One option's value, borrowed from the datagram for this call only. */
struct dhcp_opt {
	const uint8_t *p;
	uint8_t len;
	bool seen;
};

struct dhcp_msg {
	uint8_t op, htype, hlen;
	uint8_t chaddr[16];
	uint8_t yiaddr[4];
	uint8_t giaddr[4]; /* relay agent, RFC 2131 section 4.1 */
	struct dhcp_opt opt[256];
	bool bad;   /* an option area was cut or malformed */
	bool ended; /* the last area walked closed with the End option */
};

/* Walks one option area; the first instance of each code wins. */
static void dhcp_walk(struct mk_rd *area, struct dhcp_msg *m, struct mk_emit *out)
{
	m->ended = false;
	for (unsigned n = 0; mk_rd_left(area) > 0; n++) {
		uint8_t code, len;
		const uint8_t *p;

		if (n >= DHCP_MAX_OPTIONS) {
			mk_emit_anomaly(out, "dhcp_too_many_options");
			m->bad = true;
			return;
		}
		code = mk_rd_u8(area);
		if (code == DHCP_OPT_END) {
			m->ended = true;
			return;
		}
		if (code == DHCP_OPT_PAD)
			continue;
		len = mk_rd_u8(area);
		p = mk_rd_ptr(area, len);
		if (!mk_rd_ok(area)) {
			mk_emit_anomaly(out, "dhcp_option_truncated");
			m->bad = true;
			return;
		}
		if (!m->opt[code].seen) {
			m->opt[code].p = p;
			m->opt[code].len = len;
			m->opt[code].seen = true;
		}
	}
}

/* Length of the text in p[0..n): stops at a NUL, drops trailing blanks, capped. */
static size_t dhcp_text_len(const uint8_t *p, size_t n)
{
	const uint8_t *nul = memchr(p, 0, n);

	if (nul != NULL)
		n = (size_t)(nul - p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '.'))
		n--;
	return n > DHCP_MAX_TEXT ? DHCP_MAX_TEXT : n;
}

/* RFC 4702 2.1: with the E flag the name is in DNS wire format (no compression). */
static size_t dhcp_fqdn(const struct dhcp_opt *o, char *buf, size_t cap)
{
	struct mk_rd rd;
	uint8_t flags;
	size_t len = 0;

	if (o->len < 3)
		return 0;
	mk_rd_init(&rd, o->p, o->len);
	flags = mk_rd_u8(&rd);
	mk_rd_skip(&rd, 2); /* RCODE1, RCODE2: deprecated */
	if (!(flags & 0x04)) {
		size_t n = mk_rd_left(&rd);
		const uint8_t *p = n > 0 ? mk_rd_ptr(&rd, n) : NULL;

		if (p == NULL)
			return 0;
		n = dhcp_text_len(p, n);
		if (n >= cap)
			n = cap - 1;
		memcpy(buf, p, n);
		return n;
	}
	for (unsigned labels = 0; labels < 128 && mk_rd_left(&rd) > 0; labels++) {
		uint8_t l = mk_rd_u8(&rd);
		const uint8_t *p;

		if (l == 0)
			return len;
		if (l > 63 || (p = mk_rd_ptr(&rd, l)) == NULL || len + l + 1 >= cap)
			return 0;
		if (len > 0)
			buf[len++] = '.';
		memcpy(buf + len, p, l);
		len += l;
	}
	return len; /* no root label: a partial name is still what the client sent */
}

static size_t dhcp_ip_str(const uint8_t *a, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);

	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static bool dhcp_zero4(const uint8_t *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0;
}

static bool dhcp_opt_fixed(const struct dhcp_msg *m, unsigned code, unsigned len, struct mk_emit *out)
{
	if (!m->opt[code].seen)
		return false;
	if (m->opt[code].len != len) {
		mk_emit_anomaly(out, "dhcp_bad_option_length");
		return false;
	}
	return true;
}

/* Host name and FQDN name the client (chaddr), in requests and replies alike. */
static void dhcp_client_names(const struct dhcp_msg *m, struct mk_host client, struct mk_emit *out)
{
	const struct dhcp_opt *o = &m->opt[DHCP_OPT_HOST_NAME];
	char fqdn[DHCP_MAX_TEXT + 1];
	size_t n;

	if (o->seen && o->len > 0 && (n = dhcp_text_len(o->p, o->len)) > 0)
		mk_emit_name(out, client, (const char *)o->p, n);
	o = &m->opt[DHCP_OPT_CLIENT_FQDN];
	if (o->seen && (n = dhcp_fqdn(o, fqdn, sizeof(fqdn))) > 0)
		mk_emit_name(out, client, fqdn, n);
}

static void dhcp_client_facts(const struct dhcp_msg *m, struct mk_host client, struct mk_emit *out)
{
	const struct dhcp_opt *o;
	char buf[256 * 4];
	size_t n = 0;

	o = &m->opt[DHCP_OPT_VENDOR_CLASS];
	if (o->seen && o->len > 0 && (n = dhcp_text_len(o->p, o->len)) > 0)
		mk_emit_attr(out, client, "dhcp_vendor_class", (const char *)o->p, n);
	o = &m->opt[DHCP_OPT_PARAM_LIST];
	if (o->seen && o->len > 0) {
		/* The order of codes is the fingerprint: keep it exactly. */
		n = 0;
		for (unsigned i = 0; i < o->len; i++) {
			int w = snprintf(buf + n, sizeof(buf) - n, "%s%u", i > 0 ? "," : "", o->p[i]);

			if (w < 0 || (size_t)w >= sizeof(buf) - n)
				break;
			n += (size_t)w;
		}
		mk_emit_attr(out, client, "dhcp_parameter_list", buf, n);
	}
	if (dhcp_opt_fixed(m, DHCP_OPT_REQUESTED_IP, 4, out) &&
	    (n = dhcp_ip_str(m->opt[DHCP_OPT_REQUESTED_IP].p, buf, sizeof(buf))) > 0)
		mk_emit_attr(out, client, "dhcp_requested_ip", buf, n);
}

/* OFFER/ACK: the sender acts as a DHCP server (a rogue one, perhaps), or as
 * the relay agent of one: then giaddr is set and dhcp_relay_agent, said just
 * before dhcp_server, tells the detectors that the server is elsewhere (the
 * Server Identifier names it). */
static void dhcp_server_facts(const struct dhcp_msg *m, uint8_t type, struct mk_emit *out)
{
	const struct dhcp_opt *o = &m->opt[DHCP_OPT_ROUTER];
	struct mk_host server = mk_host_rel(MK_HOST_SENDER);
	char buf[16 * 4 * 4];
	size_t n = 0;

	if (dhcp_opt_fixed(m, DHCP_OPT_SERVER_ID, 4, out))
		n = dhcp_ip_str(m->opt[DHCP_OPT_SERVER_ID].p, buf, sizeof(buf));
	/* Without a Server Identifier say what the sender did, unless the options
	 * were cut: the identifier may have been in the lost part. */
	if (n == 0 && !m->bad)
		n = (size_t)snprintf(buf, sizeof(buf), "%s", type == DHCPACK ? "ack" : "offer");
	if (n > 0) {
		/* the client answered: two servers answering one client compete */
		if (m->htype == 1 && m->hlen == 6 && mk_mac_is_unicast(m->chaddr)) {
			char mac[18];

			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m->chaddr[0],
			         m->chaddr[1], m->chaddr[2], m->chaddr[3], m->chaddr[4], m->chaddr[5]);
			mk_emit_attr(out, server, "dhcp_reply_client", mac, 17);
		}
		if (!dhcp_zero4(m->giaddr)) {
			char relay[16];
			size_t rn = dhcp_ip_str(m->giaddr, relay, sizeof(relay));

			mk_emit_attr(out, server, "dhcp_relay_agent", relay, rn);
		}
		mk_emit_attr(out, server, "dhcp_server", buf, n);
	}
	if (o->seen) {
		if (o->len == 0 || o->len % 4 != 0) {
			mk_emit_anomaly(out, "dhcp_bad_option_length");
			return;
		}
		n = 0;
		for (unsigned i = 0; i + 4 <= o->len && i < 16 * 4; i += 4) {
			if (n > 0)
				buf[n++] = ',';
			n += dhcp_ip_str(o->p + i, buf + n, sizeof(buf) - n);
		}
		mk_emit_attr(out, server, "dhcp_router", buf, n);
	}
}

static void dhcp_facts(const struct dhcp_msg *m, struct mk_emit *out)
{
	bool ether = m->htype == 1 && m->hlen == 6 && mk_mac_is_unicast(m->chaddr);
	struct mk_host client = mk_host_explicit(m->chaddr, NULL);
	uint8_t type = 0;

	if (dhcp_opt_fixed(m, DHCP_OPT_MSG_TYPE, 1, out))
		type = m->opt[DHCP_OPT_MSG_TYPE].p[0];
	if (m->op == BOOTREPLY && (type == DHCPOFFER || type == DHCPACK))
		dhcp_server_facts(m, type, out);
	/* Without an Ethernet chaddr we cannot tell which host the client facts are
	 * about: a relayed request's IP source is the relay agent. */
	if (!ether)
		return;
	dhcp_client_names(m, client, out);
	if (m->op == BOOTREQUEST)
		dhcp_client_facts(m, client, out);
	if (m->op == BOOTREPLY && type == DHCPACK && !dhcp_zero4(m->yiaddr)) {
		struct mk_addr ip;

		mk_addr_set_ip4(&ip, m->yiaddr);
		if (!mk_addr_is_special(&ip))
			mk_emit_binding(out, m->chaddr, &ip);
	}
}

static int mk_dhcp_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t op, htype, hlen;
	uint32_t cookie;

	(void)dir;
	if (!mk_rd_peek_u8(rd, 0, &op) || !mk_rd_peek_u8(rd, 1, &htype) || !mk_rd_peek_u8(rd, 2, &hlen))
		return MK_PROBE_NO;
	if ((op != BOOTREQUEST && op != BOOTREPLY) || hlen > 16 || htype == 0)
		return MK_PROBE_NO;
	if (!mk_rd_peek_be32(rd, BOOTP_FIXED, &cookie))
		return MK_PROBE_MAYBE;
	return cookie == DHCP_COOKIE ? MK_PROBE_SURE : MK_PROBE_NO;
}

static enum mk_verdict mk_dhcp_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                     struct mk_emit *out)
{
	struct dhcp_msg m;
	struct mk_rd sname, file;
	uint8_t overload = 0;

	(void)state;
	(void)dir;
	*consumed = 0;
	memset(&m, 0, sizeof(m));
	m.op = mk_rd_u8(rd);
	m.htype = mk_rd_u8(rd);
	m.hlen = mk_rd_u8(rd);
	mk_rd_skip(rd, 1 + 4 + 2 + 2 + 4); /* hops, xid, secs, flags, ciaddr */
	mk_rd_copy(rd, m.yiaddr, 4);
	mk_rd_skip(rd, 4);                 /* siaddr */
	mk_rd_copy(rd, m.giaddr, 4);
	mk_rd_copy(rd, m.chaddr, 16);
	mk_rd_sub(rd, 64, &sname);
	mk_rd_sub(rd, 128, &file);
	/* The 68->67 broadcast flow is shared by every client on the segment: a bad
	 * datagram is reported and skipped (MK_V_OK); MK_V_INVALID would stop the
	 * core from reading anyone's later DHCP on it. */
	if (!mk_rd_ok(rd) || !mk_rd_has(rd, 4)) {
		mk_emit_anomaly(out, "dhcp_truncated");
		return MK_V_OK;
	}
	if (m.op != BOOTREQUEST && m.op != BOOTREPLY)
		return MK_V_INVALID; /* not BOOTP at all */
	if (mk_rd_be32(rd) != DHCP_COOKIE) {
		mk_emit_anomaly(out, "dhcp_bad_cookie");
		return MK_V_OK;
	}
	dhcp_walk(rd, &m, out);
	if (!m.bad && !m.ended) {
		/* RFC 2131 4.1 requires End; without it the datagram may have been cut. */
		mk_emit_anomaly(out, "dhcp_missing_end");
		m.bad = true;
	}
	/* RFC 2131 4.1: with option 52, 'file' then 'sname' continue the options. */
	if (!m.bad && m.opt[DHCP_OPT_OVERLOAD].seen) {
		if (m.opt[DHCP_OPT_OVERLOAD].len == 1)
			overload = m.opt[DHCP_OPT_OVERLOAD].p[0];
		else
			mk_emit_anomaly(out, "dhcp_bad_option_length");
		if (overload & 1)
			dhcp_walk(&file, &m, out);
		if ((overload & 2) && !m.bad)
			dhcp_walk(&sname, &m, out);
	}
	dhcp_facts(&m, out);
	return MK_V_OK;
}

const struct mk_proto mk_proto_dhcp = {
	.abi = MK_PROTO_ABI,
	.name = "dhcp",
	.id = MK_PROTO_DHCP,
	.transports = MK_TRANSPORT_UDP,
	.l2 = NULL,
	.state_size = 0,
	.max_buffer = 0,
	.probe = mk_dhcp_probe,
	.parse = mk_dhcp_parse,
	.events = dhcp_events,
};

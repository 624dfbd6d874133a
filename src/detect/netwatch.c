/* netwatch.c - network-level detectors that need no learned baseline.
 *
 * ip_mac_change (ARP and IPv6 neighbour discovery; O(1) per packet)
 *   A bounded table maps (VLAN, IPv4 or IPv6 address) to the MAC that last
 *   claimed it.  Claims: ARP senders (requests, replies, gratuitous ARP; RFC
 *   5227 probes from 0.0.0.0 claim nothing), and NDP messages with a
 *   link-layer address option (RFC 4861): a Neighbor Advertisement binds its
 *   target to its target link-layer address, a Neighbor Solicitation its
 *   source to its source link-layer address.  When another MAC claims the
 *   address:
 *   - subject "changed" (medium): the address moved to a new MAC once - a
 *     replaced device or NIC, a DHCP address given to another device;
 *   - subject "flip_flop" (high): it keeps moving back to the MAC it just left
 *     (ipmac_flip_min times within ipmac_window_s) - ARP spoofing, or two
 *     devices configured with one address;
 *   - subject "many_ips" (high, keyed by the MAC): one MAC took over
 *     ipmac_claim_min addresses of other devices within the window - a
 *     man-in-the-middle poisoning several hosts.
 *   NDP claims raise the same three with the subjects "ndp_changed",
 *   "ndp_flip_flop", "ndp_many_ips" (their own texts in alerts.tsv; no PROTO
 *   id names NDP, so their protocol is "unknown").  What NDP does not claim,
 *   so that IPv6's normal churn does not cry wolf:
 *   - duplicate address detection (an NS from the unspecified address);
 *   - NS without a source and NA without a target link-layer option (a
 *     reachability check names no MAC);
 *   - messages whose hop limit is not 255 or code not 0 (RFC 4861 7.1: every
 *     host discards them, so they move nothing);
 *   - an NA without the override flag moves nothing (RFC 4861 7.2.5: it cannot
 *     replace a neighbour cache entry; proxies and anycast answer that way):
 *     it only names the first owner of an address not seen before;
 *   - a link-local address (fe80::/10) moving once is not "changed": one
 *     link-local address is legitimately used by different devices on
 *     different links (routers given fe80::1 on every interface), and a SPAN
 *     of several VLANs without their tags merges the links.  Moving back and
 *     forth (flip_flop) and one MAC taking several (many_ips) are still raised:
 *     they are what spoofing the router's link-local address looks like.
 *   Spoofing of a gateway is critical: a router named by DHCP (option 3) or
 *   sending IPv6 Router Advertisements with a non-zero lifetime, an asset with
 *   the router role, or an address ipmac_central_clients distinct clients talk
 *   to (judged at the snapshot from the records).
 * rogue_dhcp (DHCP facts; O(1) per reply)
 *   Servers that answered (OFFER/ACK from port 67) per VLAN: the sender, or for
 *   a relayed reply (giaddr set) the server identifier, since the relay agent
 *   is not a server.  Replies whose server IP or MAC agree are one server (so
 *   a rogue that copies the legitimate server's IP address is missed).  Every
 *   server beyond the first seen on a VLAN raises an alert naming it and the
 *   first; the detector cannot know which is the legitimate one.
 * lateral_movement (ended flows; O(1) per flow)
 *   One internal client with answered sessions (more than probe_max_packets
 *   each way) to the detect.tsv "lateral_port" services (SMB, RDP, WinRM,
 *   RPC, SSH) of lateral_hosts_min distinct internal hosts within
 *   lateral_window_s.  Distinct hosts are counted in a bitmap per client (a
 *   lower bound).  PsExec-style service creation comes from the SMB parser as
 *   the anomaly smb_psexec, mapped in detect.tsv.
 *
 * Every table is bounded by a detect.tsv cap; what a cap drops is counted.
 */
#include "detect/netwatch_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"
#include "mieruka/oui.h"
#include "mieruka/proto.h"

#define PROBE_LIMIT 8  /* slots examined per lookup in the hashed tables */
#define MAX_GATEWAYS 16 /* routers learned from DHCP option 3 and IPv6 RAs */
#define MAX_SPOOFS 64  /* spoofing alerts judged at the snapshot */
#define CLAIM_IPS 8    /* addresses remembered per claiming MAC */
#define LAT_TARGETS 4  /* targets named in a lateral_movement alert */
#define NS_PER_S 1000000000ull

struct ipmac {
	uint16_t vlan;
	bool used, has_prev;
	struct mk_addr ip; /* IPv4 or IPv6, unused bytes zero */
	uint8_t mac[6];    /* the current owner */
	uint8_t prev[6];   /* the owner before the last change */
	uint64_t last_seen, changed_at, flip_start;
	uint32_t flips;
};

/* A MAC that took over addresses of other MACs (by ARP or by NDP). */
struct claim {
	bool used, fired, ndp;
	uint8_t mac[6];
	uint16_t vlan;
	uint64_t last_seen, start;
	struct mk_addr ips[CLAIM_IPS];
	uint32_t n_ips;
};

#define DHCP_CLIENTS 8 /* clients remembered per server, to find rivals */

struct dhcp_srv {
	uint16_t vlan;
	struct mk_addr ip;  /* the sender's, or the server named in a relayed reply */
	struct mk_addr mac; /* the sender's; NONE when only known through a relay */
	uint8_t clients[DHCP_CLIENTS][6]; /* chaddr of the last replies (ring) */
	uint8_t n_clients, next_client;
	bool rival; /* reported: its own replies count from now on */
};

struct lat_src {
	struct mk_addr src; /* family NONE: free slot */
	uint64_t last_seen, start, sessions;
	uint64_t hosts[4]; /* 256-bit bitmap of targets */
	uint32_t n_hosts;
	uint32_t services; /* bit i: rules.lateral_port[i] */
	struct mk_addr targets[LAT_TARGETS];
	uint8_t n_targets;
	bool fired;
};

/* A spoofing alert waiting for the gateway judgement at the snapshot. */
struct spoof {
	bool many; /* many_ips (keyed by mac) or flip_flop (keyed by ip) */
	bool ndp;
	uint64_t ts; /* the last occurrence: its maintenance window names the alert */
	uint16_t vlan;
	uint8_t mac[6];
	struct mk_addr ips[CLAIM_IPS];
	uint32_t n_ips;
};

struct mk_netwatch {
	struct mk_detect *d;
	const struct mk_detect_rules *r;
	struct mk_detect_stats *stats;
	int t_ipmac, t_dhcp, t_lateral;
	struct ipmac *ipmac;
	size_t n_ipmac; /* slots, a power of two */
	struct claim *claims;
	size_t n_claims; /* slots, a power of two */
	struct dhcp_srv *dhcp;
	size_t n_dhcp;
	struct lat_src *lat;
	size_t n_lat; /* slots, a power of two */
	uint8_t lat_ports[65536 / 8];
	struct mk_addr gateways[MAX_GATEWAYS];
	size_t n_gateways, next_gateway;
	struct spoof spoofs[MAX_SPOOFS];
	size_t n_spoofs;
	/* dhcp_relay_agent precedes the dhcp_server fact of the same reply */
	const struct mk_pkt *relay_pkt;
	uint64_t relay_ts;
	/* dhcp_reply_client (the chaddr) precedes it too */
	const struct mk_pkt *client_pkt;
	uint64_t client_ts;
	uint8_t client_mac[6];
};

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;

	while (p < n && p < ((size_t)1 << 30))
		p <<= 1;
	return p;
}

struct mk_netwatch *mk_netwatch_new(struct mk_detect *d, struct mk_detect_stats *stats)
{
	struct mk_netwatch *nw = calloc(1, sizeof(*nw));
	const struct mk_detect_rules *r = mk_detect_rules_of(d);

	if (nw == NULL)
		return NULL;
	nw->d = d;
	nw->r = r;
	nw->stats = stats;
	nw->t_ipmac = mk_detect_type_index(r, "ip_mac_change");
	nw->t_dhcp = mk_detect_type_index(r, "rogue_dhcp");
	nw->t_lateral = mk_detect_type_index(r, "lateral_movement");
	nw->n_ipmac = pow2_at_least(r->ipmac_max);
	nw->n_claims = pow2_at_least(r->ipmac_max / 16);
	nw->n_lat = pow2_at_least(r->lateral_sources_max);
	nw->ipmac = calloc(nw->n_ipmac, sizeof(*nw->ipmac));
	nw->claims = calloc(nw->n_claims, sizeof(*nw->claims));
	nw->dhcp = calloc(r->dhcp_servers_max, sizeof(*nw->dhcp));
	nw->lat = calloc(nw->n_lat, sizeof(*nw->lat));
	if (nw->ipmac == NULL || nw->claims == NULL || nw->dhcp == NULL || nw->lat == NULL) {
		mk_netwatch_free(nw);
		return NULL;
	}
	for (size_t i = 0; i < r->n_lateral_ports; i++)
		nw->lat_ports[r->lateral_port[i].port / 8] |=
		    (uint8_t)(1u << (r->lateral_port[i].port % 8));
	return nw;
}

void mk_netwatch_free(struct mk_netwatch *nw)
{
	if (nw == NULL)
		return;
	free(nw->ipmac);
	free(nw->claims);
	free(nw->dhcp);
	free(nw->lat);
	free(nw);
}

/* ------------------------------------------------------------- helpers */

static uint32_t mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

static uint32_t hash_bytes(const uint8_t *p, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x01000193u;
	return mix(h);
}

static uint16_t vlan_of(const struct mk_pkt *pkt)
{
	return pkt->vlan_count > 0 ? pkt->vlan[pkt->vlan_count - 1] : 0;
}

/* Starts a new window when ts lies outside the current one. */
static bool window_reset(uint64_t *start, uint64_t ts, uint32_t window_s)
{
	uint64_t w = (uint64_t)window_s * NS_PER_S;

	if (*start != 0 && ts < *start + w && ts + w > *start)
		return false;
	*start = ts != 0 ? ts : 1;
	return true;
}

static void mac_str(const uint8_t mac[6], char buf[MK_ADDR_STRLEN])
{
	struct mk_addr a;

	mk_addr_set_mac(&a, mac);
	mk_addr_str(&a, buf);
}

static const char *vendor_of(const struct mk_netwatch *nw, const uint8_t mac[6])
{
	const struct mk_oui *oui = mk_detect_oui(nw->d);
	const char *v = oui != NULL ? mk_oui_lookup(oui, mac) : NULL;

	return v != NULL ? v : "-";
}

/* Appends text to a comma-separated list in buf when it fits whole. */
static void list_add(char *buf, size_t cap, const char *text)
{
	size_t used = strlen(buf), n = strlen(text);

	if (used + n + (used > 0 ? 1 : 0) + 1 > cap)
		return;
	if (used > 0)
		buf[used++] = ',';
	memcpy(buf + used, text, n + 1);
}

/* Equal IPv4 or IPv6 addresses, whatever the unused bytes of a record hold. */
static bool same_ip(const struct mk_addr *x, const struct mk_addr *y)
{
	size_t n = x->family == MK_AF_INET ? 4 : 16;

	return x->family == y->family && memcmp(x->a, y->a, n) == 0;
}

static bool is_gateway(const struct mk_netwatch *nw, const struct mk_addr *ip)
{
	for (size_t i = 0; i < nw->n_gateways; i++)
		if (mk_addr_eq(&nw->gateways[i], ip))
			return true;
	return false;
}

static void gateway_add(struct mk_netwatch *nw, const struct mk_addr *ip)
{
	if (is_gateway(nw, ip))
		return;
	nw->gateways[nw->next_gateway] = *ip;
	nw->next_gateway = (nw->next_gateway + 1) % MAX_GATEWAYS;
	if (nw->n_gateways < MAX_GATEWAYS)
		nw->n_gateways++;
}

/* ------------------------------------------------------ ip_mac_change */

enum { SUBJ_CHANGED, SUBJ_FLIP, SUBJ_MANY };

/* The alert key of a claim's kind: ARP, or NDP with its own subjects. */
static const char *ipmac_subject(bool ndp, int which)
{
	static const char *const subj[2][3] = {{"changed", "flip_flop", "many_ips"},
	                                       {"ndp_changed", "ndp_flip_flop", "ndp_many_ips"}};

	return subj[ndp][which];
}

static uint16_t ipmac_proto(bool ndp)
{
	return ndp ? MK_PROTO_UNKNOWN : MK_PROTO_ARP;
}

static struct ipmac *ipmac_slot(struct mk_netwatch *nw, uint16_t vlan, const struct mk_addr *ip,
                                bool *fresh)
{
	uint32_t h = mk_addr_hash(ip, 0x1b873593u ^ vlan);
	struct ipmac *victim = NULL;

	*fresh = false;
	for (unsigned i = 0; i < PROBE_LIMIT; i++) {
		struct ipmac *e = &nw->ipmac[(h + i) & (nw->n_ipmac - 1)];

		if (!e->used) {
			victim = e;
			break;
		}
		if (e->vlan == vlan && mk_addr_eq(&e->ip, ip))
			return e;
		if (victim == NULL || e->last_seen < victim->last_seen)
			victim = e;
	}
	if (victim->used)
		nw->stats->ipmac_evicted++; /* forget the address seen least recently */
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->vlan = vlan;
	victim->ip = *ip;
	*fresh = true;
	return victim;
}

static struct claim *claim_slot(struct mk_netwatch *nw, bool ndp, uint16_t vlan,
                                const uint8_t mac[6], uint64_t ts)
{
	uint32_t h = hash_bytes(mac, 6, (vlan * 2u + ndp) * 0x9e3779b9u);
	struct claim *victim = NULL;

	for (unsigned i = 0; i < PROBE_LIMIT; i++) {
		struct claim *c = &nw->claims[(h + i) & (nw->n_claims - 1)];

		if (!c->used) {
			victim = c;
			break;
		}
		if (c->vlan == vlan && c->ndp == ndp && memcmp(c->mac, mac, 6) == 0) {
			c->last_seen = ts;
			return c;
		}
		if (victim == NULL || c->last_seen < victim->last_seen)
			victim = c;
	}
	if (victim->used)
		nw->stats->ipmac_evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->ndp = ndp;
	victim->vlan = vlan;
	memcpy(victim->mac, mac, 6);
	victim->last_seen = ts;
	return victim;
}

/* Remembers a spoofing alert for the gateway judgement at the snapshot. */
static void spoof_note(struct mk_netwatch *nw, bool many, bool ndp, uint16_t vlan,
                       const uint8_t mac[6], const struct mk_addr *ips, uint32_t n_ips,
                       uint64_t ts)
{
	struct spoof *s = NULL;

	for (size_t i = 0; i < nw->n_spoofs && s == NULL; i++) {
		struct spoof *x = &nw->spoofs[i];

		if (x->many == many && x->ndp == ndp && x->vlan == vlan &&
		    (many ? memcmp(x->mac, mac, 6) == 0 : mk_addr_eq(&x->ips[0], &ips[0])))
			s = x;
	}
	if (s == NULL) {
		if (nw->n_spoofs == MAX_SPOOFS)
			return; /* judged by the DHCP and RA routers only */
		s = &nw->spoofs[nw->n_spoofs++];
		s->many = many;
		s->ndp = ndp;
		s->vlan = vlan;
	}
	memcpy(s->mac, mac, 6);
	s->ts = ts;
	s->n_ips = n_ips < CLAIM_IPS ? n_ips : CLAIM_IPS;
	memcpy(s->ips, ips, s->n_ips * sizeof(*ips));
}

static void ipmac_texts(struct mk_netwatch *nw, struct alert *a, const uint8_t old[6],
                        const uint8_t mac[6])
{
	char o[MK_ADDR_STRLEN], n[MK_ADDR_STRLEN];

	mac_str(old, o);
	mac_str(mac, n);
	mk_detect_alert_text(a, "old_mac", o);
	mk_detect_alert_text(a, "new_mac", n);
	mk_detect_alert_text(a, "old_vendor", vendor_of(nw, old));
	mk_detect_alert_text(a, "new_vendor", vendor_of(nw, mac));
}

static void ipmac_changed(struct mk_netwatch *nw, bool ndp, struct ipmac *e, const uint8_t old[6],
                          uint64_t ts)
{
	struct alert *a =
	    mk_detect_alert_get_at(nw->d, nw->t_ipmac, NULL, &e->ip, 0, 0, ipmac_proto(ndp),
	                           ipmac_subject(ndp, SUBJ_CHANGED), ts);

	if (a == NULL)
		return;
	mk_detect_alert_seen(a, ts, 1);
	ipmac_texts(nw, a, old, e->mac);
}

static void ipmac_flipped(struct mk_netwatch *nw, bool ndp, struct ipmac *e, const uint8_t old[6],
                          uint64_t ts)
{
	struct alert *a =
	    mk_detect_alert_get_at(nw->d, nw->t_ipmac, NULL, &e->ip, 0, 0, ipmac_proto(ndp),
	                           ipmac_subject(ndp, SUBJ_FLIP), ts);

	if (a == NULL)
		return;
	/* The first alert counts the flips of the window so far. */
	mk_detect_alert_seen(a, ts, e->flips == nw->r->ipmac_flip_min ? e->flips : 1);
	ipmac_texts(nw, a, old, e->mac);
	mk_detect_alert_hosts(a, 0, nw->r->ipmac_window_s);
	if (is_gateway(nw, &e->ip))
		mk_detect_alert_raise(a, MK_SEV_CRITICAL);
	spoof_note(nw, false, ndp, e->vlan, e->mac, &e->ip, 1, ts);
}

/* mac took over ip from another MAC: one step towards many_ips. */
static void ipmac_claimed(struct mk_netwatch *nw, bool ndp, uint16_t vlan, const uint8_t mac[6],
                          const struct mk_addr *ip, uint64_t ts)
{
	struct claim *c = claim_slot(nw, ndp, vlan, mac, ts);
	char list[MK_DETECT_TEXT_LEN] = "", one[MK_ADDR_STRLEN], m[MK_ADDR_STRLEN];
	struct mk_addr client;
	bool gateway = false, known = false;
	struct alert *a;

	if (window_reset(&c->start, ts, nw->r->ipmac_window_s)) {
		c->n_ips = 0;
		c->fired = false;
	}
	for (uint32_t i = 0; i < c->n_ips && i < CLAIM_IPS; i++)
		known |= mk_addr_eq(&c->ips[i], ip);
	if (!known) {
		if (c->n_ips < CLAIM_IPS)
			c->ips[c->n_ips] = *ip;
		c->n_ips++; /* beyond CLAIM_IPS: counted, not named */
	}
	if (c->n_ips < nw->r->ipmac_claim_min)
		return;
	mk_addr_set_mac(&client, mac);
	a = mk_detect_alert_get_at(nw->d, nw->t_ipmac, &client, NULL, 0, 0, ipmac_proto(ndp),
	                           ipmac_subject(ndp, SUBJ_MANY), ts);
	if (a == NULL)
		return;
	mk_detect_alert_seen(a, ts, c->fired ? 1 : c->n_ips);
	c->fired = true;
	for (uint32_t i = 0; i < c->n_ips && i < CLAIM_IPS; i++) {
		list_add(list, sizeof(list), mk_addr_str(&c->ips[i], one));
		gateway |= is_gateway(nw, &c->ips[i]);
	}
	mac_str(mac, m);
	mk_detect_alert_text(a, "new_mac", m);
	mk_detect_alert_text(a, "new_vendor", vendor_of(nw, mac));
	mk_detect_alert_text(a, "ips", list);
	mk_detect_alert_hosts(a, c->n_ips, nw->r->ipmac_window_s);
	if (gateway)
		mk_detect_alert_raise(a, MK_SEV_CRITICAL);
	spoof_note(nw, true, ndp, vlan, mac, c->ips, c->n_ips < CLAIM_IPS ? c->n_ips : CLAIM_IPS,
	           ts);
}

/* One address claim: mac says it holds ip on vlan.  may_move false: the
 * claim can only name the first owner (an NDP advertisement without the
 * override flag); quiet_change: a single move is not raised (link-local). */
static void ipmac_claim(struct mk_netwatch *nw, bool ndp, uint16_t vlan, const struct mk_addr *ip,
                        const uint8_t mac[6], uint64_t ts, bool may_move, bool quiet_change)
{
	uint8_t old[6];
	struct ipmac *e;
	bool fresh, flip;

	/* Broadcast, multicast, unspecified or loopback addresses and senders
	 * without a unicast MAC claim nothing. */
	if (mk_addr_is_special(ip) || !mk_mac_is_unicast(mac))
		return;
	e = ipmac_slot(nw, vlan, ip, &fresh);
	if (fresh)
		memcpy(e->mac, mac, 6);
	if (fresh || memcmp(e->mac, mac, 6) == 0) {
		if (ts > e->last_seen)
			e->last_seen = ts;
		return;
	}
	if (!may_move)
		return;
	/* Another MAC claims the address. */
	memcpy(old, e->mac, 6);
	flip = e->has_prev && memcmp(e->prev, mac, 6) == 0 &&
	       ts <= e->changed_at + (uint64_t)nw->r->ipmac_window_s * NS_PER_S;
	memcpy(e->prev, old, 6);
	memcpy(e->mac, mac, 6);
	e->has_prev = true;
	e->changed_at = ts;
	if (ts > e->last_seen)
		e->last_seen = ts;
	if (flip) {
		if (window_reset(&e->flip_start, ts, nw->r->ipmac_window_s))
			e->flips = 0;
		e->flips++;
		if (e->flips >= nw->r->ipmac_flip_min)
			ipmac_flipped(nw, ndp, e, old, ts);
	} else if (!quiet_change) {
		ipmac_changed(nw, ndp, e, old, ts);
	}
	ipmac_claimed(nw, ndp, vlan, mac, ip, ts);
}

void mk_netwatch_arp(struct mk_netwatch *nw, const struct mk_pkt *pkt)
{
	struct mk_addr a;

	if (nw->t_ipmac < 0 || !(pkt->layers & MK_L_ARP) || (pkt->arp.op != 1 && pkt->arp.op != 2))
		return;
	/* RFC 5227 probes (sender 0.0.0.0) are special addresses: no claim. */
	mk_addr_set_ip4(&a, pkt->arp.spa);
	ipmac_claim(nw, false, vlan_of(pkt), &a, pkt->arp.sha, pkt->ts_ns, true, false);
}

static bool link_local6(const struct mk_addr *a)
{
	return a->family == MK_AF_INET6 && a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80;
}

void mk_netwatch_ndp(struct mk_netwatch *nw, const struct mk_pkt *pkt)
{
	const struct mk_ndp *n = &pkt->ndp;
	struct mk_addr ip;
	bool may_move = true;

	/* RFC 4861 7.1.1, 7.1.2, 6.1.2: hosts discard neighbour discovery that
	 * may have crossed a router (hop limit below 255); it moves nothing. */
	if (!(pkt->layers & MK_L_NDP) || pkt->ttl != 255 || pkt->src_ip.family != MK_AF_INET6)
		return;
	if (n->type == MK_NDP_RA) {
		/* A default router: spoofing its address is critical. */
		if (n->router_lifetime > 0 && link_local6(&pkt->src_ip))
			gateway_add(nw, &pkt->src_ip);
		return;
	}
	if (nw->t_ipmac < 0 || !n->has_lla)
		return;
	if (n->type == MK_NDP_NS) {
		/* The solicitation's source with its source link-layer address;
		 * duplicate address detection (from ::) is a special address. */
		ip = pkt->src_ip;
	} else {
		mk_addr_set_ip6(&ip, n->target);
		may_move = (n->flags & MK_NDP_NA_OVERRIDE) != 0;
	}
	ipmac_claim(nw, true, vlan_of(pkt), &ip, n->lla, pkt->ts_ns, may_move, link_local6(&ip));
}

/* --------------------------------------------------------- rogue_dhcp */

/* Two replies come from the same server when their IPs or their MACs agree
 * (a server seen answering directly and, on the same VLAN, answering a relay
 * agent with a relayed reply that names it). */
static bool dhcp_same(const struct dhcp_srv *a, const struct dhcp_srv *b)
{
	return a->vlan == b->vlan &&
	       ((a->ip.family != MK_AF_NONE && mk_addr_eq(&a->ip, &b->ip)) ||
	        (a->mac.family != MK_AF_NONE && mk_addr_eq(&a->mac, &b->mac)));
}

static bool dhcp_answered(const struct dhcp_srv *s, const uint8_t mac[6])
{
	for (uint8_t i = 0; i < s->n_clients; i++)
		if (memcmp(s->clients[i], mac, 6) == 0)
			return true;
	return false;
}

/* Two servers compete when they hand out addresses on the same segment to
 * the same clients: both answered one client (a DISCOVER is broadcast, so a
 * rogue server answers the same clients as the real one), or their own
 * addresses share a dhcp_rival_prefix network.  A router with one leg per
 * subnet, both legs seen on one mirror port, serves neither the same
 * clients nor the same subnet: not a rival. */
static bool dhcp_rivals(const struct mk_netwatch *nw, const struct dhcp_srv *a,
                        const struct dhcp_srv *b)
{
	unsigned bits = nw->r->dhcp_rival_prefix;

	for (uint8_t i = 0; i < a->n_clients; i++)
		if (dhcp_answered(b, a->clients[i]))
			return true;
	if (a->ip.family == MK_AF_INET && b->ip.family == MK_AF_INET && bits > 0) {
		uint32_t x = (uint32_t)a->ip.a[0] << 24 | (uint32_t)a->ip.a[1] << 16 |
		             (uint32_t)a->ip.a[2] << 8 | a->ip.a[3];
		uint32_t y = (uint32_t)b->ip.a[0] << 24 | (uint32_t)b->ip.a[1] << 16 |
		             (uint32_t)b->ip.a[2] << 8 | b->ip.a[3];
		uint32_t mask = bits >= 32 ? UINT32_MAX : ~(UINT32_MAX >> bits);

		return (x & mask) == (y & mask);
	}
	return false;
}

static void dhcp_reply(struct mk_netwatch *nw, const struct mk_fact *f, const struct mk_pkt *pkt,
                       bool relayed, const uint8_t *client)
{
	struct dhcp_srv cur = {0}, *first = NULL, *known = NULL;
	char text[MK_DETECT_WORD_LEN], first_ip[MK_ADDR_STRLEN] = "-", mac[MK_ADDR_STRLEN] = "-";
	struct mk_addr sid;
	struct alert *a;

	cur.vlan = vlan_of(pkt);
	cur.ip = f->host.ip;
	cur.mac = f->host.mac;
	if (relayed) {
		/* Forwarded by a relay agent: the server is the one it names (the
		 * Server Identifier), unless the sender is that server itself. */
		mk_text_sanitize(text, sizeof(text), f->value, f->value_len);
		if (!mk_addr_parse(&sid, text) || sid.family != MK_AF_INET)
			return;
		if (!mk_addr_eq(&sid, &cur.ip)) {
			cur.ip = sid;
			memset(&cur.mac, 0, sizeof(cur.mac));
		}
	}
	if (cur.ip.family == MK_AF_NONE && cur.mac.family == MK_AF_NONE)
		return;
	for (size_t i = 0; i < nw->n_dhcp && known == NULL; i++)
		if (dhcp_same(&nw->dhcp[i], &cur))
			known = &nw->dhcp[i];
	if (known == NULL) {
		if (nw->n_dhcp == nw->r->dhcp_servers_max) {
			nw->stats->dhcp_servers_dropped++;
			return;
		}
		known = &nw->dhcp[nw->n_dhcp++];
		*known = cur;
	} else if (known->mac.family == MK_AF_NONE && cur.mac.family != MK_AF_NONE) {
		/* learn the other half of a server first seen through a relay */
		known->mac = cur.mac;
	}
	if (client != NULL && !dhcp_answered(known, client)) {
		memcpy(known->clients[known->next_client], client, 6);
		known->next_client = (uint8_t)((known->next_client + 1) % DHCP_CLIENTS);
		if (known->n_clients < DHCP_CLIENTS)
			known->n_clients++;
	}
	/* The server seen first on the segment is presumed the real one: a rival
	 * of any server seen before it is the one to report.  A rival found later
	 * (the first server answers a client the newer one answered) reports the
	 * newer one: the servers' order is their index. */
	for (size_t i = 0; i < nw->n_dhcp; i++) {
		struct dhcp_srv *o = &nw->dhcp[i];

		if (o == known || o->vlan != cur.vlan || !dhcp_rivals(nw, known, o))
			continue;
		if (o < known) {
			first = o; /* this reply comes from the newer server */
			break;
		}
		if (o->rival)
			continue; /* reported already; this is the older server's reply */
		first = known;
		known = o;
		break;
	}
	if (first == NULL)
		return;
	known->rival = true;
	/* A server beyond the first seen on this segment. */
	a = mk_detect_alert_get_at(nw->d, nw->t_dhcp, NULL,
	                           known->ip.family != MK_AF_NONE ? &known->ip : &known->mac, 17, 67,
	                           MK_PROTO_DHCP, "", pkt->ts_ns);
	if (a == NULL)
		return;
	mk_detect_alert_seen(a, pkt->ts_ns, 1);
	if (first->ip.family != MK_AF_NONE)
		mk_addr_str(&first->ip, first_ip);
	else
		mk_addr_str(&first->mac, first_ip);
	if (known->mac.family != MK_AF_NONE)
		mk_addr_str(&known->mac, mac);
	mk_detect_alert_text(a, "first_server", first_ip);
	mk_detect_alert_text(a, "server_mac", mac);
	mk_detect_alert_text(a, "server_vendor",
	                     known->mac.family == MK_AF_MAC ? vendor_of(nw, known->mac.a) : "-");
	snprintf(text, sizeof(text), "%u", cur.vlan);
	mk_detect_alert_text(a, "vlan", text);
}

static void gateways_add(struct mk_netwatch *nw, const struct mk_fact *f)
{
	char text[MK_DETECT_TEXT_LEN];
	char *p = text;

	mk_text_sanitize(text, sizeof(text), f->value, f->value_len);
	for (int k = 0; k < 4 && *p != '\0'; k++) {
		size_t n = strcspn(p, ",");
		char one[MK_ADDR_STRLEN];
		struct mk_addr a;

		if (n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
			if (mk_addr_parse(&a, one) && a.family == MK_AF_INET)
				gateway_add(nw, &a);
		}
		p += n;
		if (*p == ',')
			p++;
	}
}

void mk_netwatch_attr(struct mk_netwatch *nw, const struct mk_fact *f, const struct mk_pkt *pkt)
{
	bool relayed;

	if (f->proto != MK_PROTO_DHCP || f->key == NULL || f->value == NULL || pkt == NULL)
		return;
	if (strcmp(f->key, "dhcp_router") == 0) {
		gateways_add(nw, f);
		return;
	}
	if (strcmp(f->key, "dhcp_relay_agent") == 0) {
		nw->relay_pkt = pkt;
		nw->relay_ts = pkt->ts_ns;
		return;
	}
	if (strcmp(f->key, "dhcp_reply_client") == 0) {
		struct mk_addr m;
		char text[MK_ADDR_STRLEN];

		mk_text_sanitize(text, sizeof(text), f->value, f->value_len);
		if (mk_addr_parse(&m, text) && m.family == MK_AF_MAC) {
			nw->client_pkt = pkt;
			nw->client_ts = pkt->ts_ns;
			memcpy(nw->client_mac, m.a, 6);
		}
		return;
	}
	if (strcmp(f->key, "dhcp_server") != 0 || nw->t_dhcp < 0 || pkt->sport != 67)
		return;
	relayed = nw->relay_pkt == pkt && nw->relay_ts == pkt->ts_ns;
	nw->relay_pkt = NULL;
	dhcp_reply(nw, f, pkt, relayed,
	           nw->client_pkt == pkt && nw->client_ts == pkt->ts_ns ? nw->client_mac : NULL);
	nw->client_pkt = NULL;
}

/* ---------------------------------------------------- lateral_movement */

static struct lat_src *lat_slot(struct mk_netwatch *nw, const struct mk_addr *src, uint64_t ts)
{
	uint32_t h = mk_addr_hash(src, 0x1a7e);
	struct lat_src *victim = NULL;

	for (unsigned i = 0; i < PROBE_LIMIT; i++) {
		struct lat_src *s = &nw->lat[(h + i) & (nw->n_lat - 1)];

		if (s->src.family == MK_AF_NONE) {
			victim = s;
			break;
		}
		if (mk_addr_eq(&s->src, src)) {
			if (ts > s->last_seen)
				s->last_seen = ts;
			return s;
		}
		if (victim == NULL || s->last_seen < victim->last_seen)
			victim = s;
	}
	if (victim->src.family != MK_AF_NONE)
		nw->stats->lateral_sources_evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->src = *src;
	victim->last_seen = ts;
	return victim;
}

static bool internal(const struct mk_addr *a)
{
	return (a->family == MK_AF_INET || a->family == MK_AF_INET6) && mk_addr_is_private(a) &&
	       !mk_addr_is_special(a);
}

static int lat_service(const struct mk_detect_rules *r, uint16_t port)
{
	for (size_t i = 0; i < r->n_lateral_ports; i++)
		if (r->lateral_port[i].port == port)
			return (int)i;
	return -1;
}

void mk_netwatch_flow_ended(struct mk_netwatch *nw, const struct mk_flow *f)
{
	const struct mk_detect_rules *r = nw->r;
	char services[MK_DETECT_TEXT_LEN] = "", targets[MK_DETECT_TEXT_LEN] = "";
	struct lat_src *s;
	struct alert *a;
	uint32_t bit;
	int svc;

	if (nw->t_lateral < 0 || f->transport != MK_FT_TCP ||
	    !(nw->lat_ports[f->srv.port / 8] >> (f->srv.port % 8) & 1u))
		return;
	/* An answered session: more than a bare handshake or reset each way. */
	if (f->pkts[0] <= r->probe_max_packets || f->pkts[1] <= r->probe_max_packets ||
	    !internal(&f->cli.ip) || !internal(&f->srv.ip) || mk_addr_eq(&f->cli.ip, &f->srv.ip))
		return;
	svc = lat_service(r, f->srv.port);
	s = lat_slot(nw, &f->cli.ip, f->first_ns);
	if (window_reset(&s->start, f->first_ns, r->lateral_window_s)) {
		memset(s->hosts, 0, sizeof(s->hosts));
		s->n_hosts = 0;
		s->sessions = 0;
		s->services = 0;
		s->n_targets = 0;
		s->fired = false;
	}
	s->sessions++;
	if (svc >= 0 && svc < 32)
		s->services |= 1u << svc;
	bit = mk_addr_hash(&f->srv.ip, 0x7a29) % 256;
	if (!(s->hosts[bit / 64] >> (bit % 64) & 1u)) {
		s->hosts[bit / 64] |= (uint64_t)1 << (bit % 64);
		s->n_hosts++;
		if (s->n_targets < LAT_TARGETS)
			s->targets[s->n_targets++] = f->srv.ip;
	}
	if (s->n_hosts < r->lateral_hosts_min)
		return;
	a = mk_detect_alert_get_at(nw->d, nw->t_lateral, &s->src, NULL, 6, 0, MK_PROTO_UNKNOWN, "",
	                           f->first_ns);
	if (a == NULL)
		return;
	mk_detect_alert_seen(a, f->first_ns, s->fired ? 1 : s->sessions);
	s->fired = true;
	mk_detect_alert_hosts(a, s->n_hosts, r->lateral_window_s);
	for (size_t i = 0; i < r->n_lateral_ports && i < 32; i++) {
		bool dup = false;

		if (!(s->services >> i & 1u))
			continue;
		/* 139 and 445 are both "smb": name a service once */
		for (size_t k = 0; k < i; k++)
			dup |= (s->services >> k & 1u) &&
			       strcmp(r->lateral_port[k].name, r->lateral_port[i].name) == 0;
		if (!dup)
			list_add(services, sizeof(services), r->lateral_port[i].name);
	}
	for (uint8_t i = 0; i < s->n_targets; i++) {
		char one[MK_ADDR_STRLEN];

		list_add(targets, sizeof(targets), mk_addr_str(&s->targets[i], one));
	}
	mk_detect_alert_text(a, "services", services);
	mk_detect_alert_text(a, "targets", targets);
}

/* ------------------------------------------------------------ snapshot */

struct central {
	struct mk_addr ip;
	uint64_t clients; /* 64-bit bitmap of distinct clients */
};

void mk_netwatch_snapshot(struct mk_netwatch *nw, const struct mk_asset_rec *assets,
                          size_t n_assets, const struct mk_conv_rec *convs, size_t n_convs)
{
	struct central *cand;
	size_t n_cand = 0;

	if (nw->n_spoofs == 0 || (cand = calloc(MAX_SPOOFS * CLAIM_IPS, sizeof(*cand))) == NULL)
		return;
	for (size_t i = 0; i < nw->n_spoofs; i++)
		for (uint32_t k = 0; k < nw->spoofs[i].n_ips; k++)
			cand[n_cand++].ip = nw->spoofs[i].ips[k];
	/* The router role (a MAC fronting many addresses, or LLDP/CDP saying so). */
	for (size_t i = 0; i < n_assets; i++) {
		bool router = false;

		for (size_t k = 0; k < assets[i].n_roles; k++)
			router |= assets[i].roles[k].role == MK_ROLE_ROUTER &&
			          assets[i].roles[k].confidence >= 50;
		for (size_t k = 0; router && k < assets[i].n_ips; k++)
			for (size_t c = 0; c < n_cand; c++)
				if (same_ip(&assets[i].ips[k], &cand[c].ip))
					cand[c].clients = UINT64_MAX;
	}
	/* Servers most others talk to: distinct clients in a 64-bit bitmap. */
	for (size_t i = 0; i < n_convs; i++) {
		const struct mk_conv_rec *cv = &convs[i];

		if (cv->server.family != MK_AF_INET && cv->server.family != MK_AF_INET6)
			continue;
		for (size_t c = 0; c < n_cand; c++)
			if (same_ip(&cv->server, &cand[c].ip))
				cand[c].clients |= (uint64_t)1
				                   << (mk_addr_hash(&cv->client, 0xc1) % 64);
	}
	for (size_t i = 0; i < nw->n_spoofs; i++) {
		const struct spoof *s = &nw->spoofs[i];
		struct mk_addr key;
		struct alert *a;
		bool central = false;

		for (uint32_t k = 0; k < s->n_ips && !central; k++) {
			central = is_gateway(nw, &s->ips[k]);
			for (size_t c = 0; c < n_cand && !central; c++)
				central = mk_addr_eq(&cand[c].ip, &s->ips[k]) &&
				          (unsigned)__builtin_popcountll(cand[c].clients) >=
				              nw->r->ipmac_central_clients;
		}
		if (!central)
			continue;
		if (s->many) {
			mk_addr_set_mac(&key, s->mac);
			a = mk_detect_alert_get_at(nw->d, nw->t_ipmac, &key, NULL, 0, 0,
			                           ipmac_proto(s->ndp), ipmac_subject(s->ndp, SUBJ_MANY),
			                           s->ts);
		} else {
			a = mk_detect_alert_get_at(nw->d, nw->t_ipmac, NULL, &s->ips[0], 0, 0,
			                           ipmac_proto(s->ndp), ipmac_subject(s->ndp, SUBJ_FLIP),
			                           s->ts);
		}
		if (a != NULL)
			mk_detect_alert_raise(a, MK_SEV_CRITICAL);
	}
	free(cand);
}

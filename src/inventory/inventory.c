/* inventory.c - merges packets, facts and ended flows into assets.
 *
 * Two kinds of asset objects live in one array, found through two
 * open-addressing hash tables (no deletions, so no tombstones):
 *   - MAC objects: one per unicast source MAC on the segment, with a bounded
 *     set of the IPs that MAC sourced or announced (ARP, DHCP, LLDP binding);
 *   - IP objects: one per private/link-local IP that sent a packet (and per IP,
 *     of any kind, that some MAC announced), with the short list of MACs that
 *     sourced or announced it, most recent first.
 * Facts and flows about a private IP attach to its IP object, facts about a MAC
 * alone to the MAC object.  Only snapshot() decides where an IP belongs: to the
 * last non-router MAC that sourced it, to a router only if the router announced
 * it, else it stays an asset of its own ("i-<ip>").  Because every IP has exactly
 * one object and that object exactly one home, no IP can appear in two assets;
 * and since routers are decided over the whole run, whether a router's packets
 * came before or after its hosts' does not matter.
 *
 * Facts with a public address that the MAC did not announce go to a side block
 * of the MAC ("pubx") that is dropped if the MAC turns out to be a router (they
 * are about an internet host behind it).  Facts about a private address that has
 * not spoken yet wait in a pending IP object (at most max_pending_ips).
 *
 * Hot path: the engine passes each packet with its flow's remembered asset
 * objects (mk_inventory_packet_refs), so a flow's packets cost four key
 * compares and no hash lookup; without refs, a two-entry cache and then the
 * hash tables.  No allocation except when an asset or address is new.
 *
 * Traffic: an asset's packets and bytes count what it sent AND what it received
 * (a unicast destination MAC, or a private destination IP, already known);
 * first/last seen count only what it sent, since receiving proves nothing about
 * a device being alive.  Destinations never create assets.
 */
#include "mieruka/inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mieruka/fingerprint.h"
#include "mieruka/flow.h"
#include "mieruka/oui.h"
#include "mieruka/util.h"
#include "roles_int.h"

#define INV_NONE UINT32_MAX
#define INV_OWNERS 4            /* MACs remembered per IP (for moves and history) */
#define INV_MAX_ROLE_HINTS 16
#define INV_MAX_REASONS 8
#define INV_DEFAULT_ROUTER_MIN 4
#define INV_DEFAULT_ROUTER_CONF 90

enum inv_kind { K_MAC = 1, K_IP = 2 };

enum inv_flags {
	F_PRESENT = 1 << 0,     /* IP object: sent a packet or was announced */
	F_LOADED = 1 << 1,      /* seeded from an earlier run */
	F_PENDING = 1 << 2,     /* IP object made by a fact before the IP spoke */
};

enum ipref_flags {
	IPF_SOURCED = 1 << 0,   /* the MAC sent IP packets from this address */
	IPF_ANNOUNCED = 1 << 1, /* ARP sender, DHCP/LLDP binding, or an earlier run */
	IPF_TO_PRIVATE = 1 << 2, /* a public source sent to a private IPv4 address (NAT) */
};

struct inv_ipref {
	struct mk_addr ip;
	uint8_t flags;
};

struct inv_hint {
	uint8_t role, confidence;
	uint16_t source;        /* enum mk_proto_id of the fact */
	char *reasons[INV_MAX_REASONS];
	size_t n_reasons;
};

struct inv_name {
	char *name;
	uint16_t source;        /* enum mk_proto_id */
	uint32_t seq;           /* arrival order across the whole inventory */
};

/* What facts and flows say about an asset; allocated on first need. */
#define INV_POLLED_MAX 16 /* largest poller_min_servers honoured */

struct inv_info {
	struct inv_name *names;
	size_t n_names, cap_names;
	struct mk_attr_rec *attrs;
	size_t n_attrs, cap_attrs;
	struct mk_identity_rec *identity;
	uint32_t identity_seq;  /* when the identity was first heard */
	char *os;
	uint8_t os_confidence;
	struct inv_hint *hints;
	size_t n_hints;
	struct mk_proto_set server, client;
	char *vendor;           /* from an earlier run, when no OUI table is loaded */
	/* Controllers this asset was a client of (hashes of the server's key),
	 * for the "poller" role rule; the set stops growing at the threshold. */
	uint32_t polled[INV_POLLED_MAX];
	uint8_t n_polled;
};

struct inv_asset {
	struct mk_addr key;
	uint8_t kind, flags;
	uint16_t ttl[4];        /* unicast packets sent, by initial TTL class 32/64/128/255 */
	uint64_t first_ns, last_ns, packets, bytes;
	struct inv_info *x;
	union {
		struct {
			struct inv_ipref *ips;
			uint16_t n_ips, cap_ips;
			uint32_t more_ips;   /* sourced IPs beyond max_ips_per_mac (approximate) */
			struct inv_info *pubx; /* facts that came with a public IP not announced */
			uint16_t vlans[MK_ASSET_MAX_VLANS]; /* VLAN ids it sent from, first seen */
			uint8_t n_vlans;
		} m;
		struct {
			uint32_t owner[INV_OWNERS];
			uint64_t owner_ns[INV_OWNERS];
			uint8_t n_owners;
		} i;
	} u;
};

struct inv_tab {
	uint32_t *slot;
	size_t mask;            /* capacity - 1 (power of two) */
	size_t n;
};

struct mk_inventory {
	struct mk_inventory_limits lim;
	const struct mk_oui *oui;
	const struct mk_fingerprints *fp;
	struct mk_role_rules *rules;
	uint8_t router_conf;
	struct inv_asset *a;
	size_t n, cap;
	size_t n_pending;
	uint32_t name_seq;       /* arrival counter for names and identities */
	struct inv_tab mac_tab, ip_tab;
	uint32_t seed;
	/* Two-entry caches for the hot path: the packets of a conversation
	 * repeat the same two MACs and IPs, in both directions. */
	uint32_t mc[2], ic[2];
	struct mk_inventory_stats st;
};

/* ------------------------------------------------------------------ */
/* hashing                                                             */

static uint32_t addr_hash(const struct mk_addr *k, uint32_t seed)
{
	uint64_t w0 = 0, w1 = 0, h;

	memcpy(&w0, k->a, 8);
	memcpy(&w1, k->a + 8, 8);
	h = (w0 ^ ((uint64_t)seed << 32 | k->family)) * 0x9e3779b97f4a7c15ull;
	h ^= w1 + (h >> 29);
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* Keys are zero-padded to 16 bytes (MACs too), so one word-wise compare fits
 * all; no libc call on the per-packet path. */
static inline bool key_eq(const struct mk_addr *x, const struct mk_addr *y)
{
	uint64_t x0, x1, y0, y1;

	memcpy(&x0, x->a, 8);
	memcpy(&x1, x->a + 8, 8);
	memcpy(&y0, y->a, 8);
	memcpy(&y1, y->a + 8, 8);
	return x->family == y->family && ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

static inline bool mac_eq(const uint8_t *x, const uint8_t *y)
{
	uint32_t x0, y0;
	uint16_t x1, y1;

	memcpy(&x0, x, 4);
	memcpy(&y0, y, 4);
	memcpy(&x1, x + 4, 2);
	memcpy(&y1, y + 4, 2);
	return x0 == y0 && x1 == y1;
}

static uint32_t tab_find(const struct mk_inventory *inv, const struct inv_tab *t,
                         const struct mk_addr *k)
{
	size_t j;

	if (t->slot == NULL)
		return INV_NONE;
	j = addr_hash(k, inv->seed) & t->mask;
	for (;;) {
		uint32_t idx = t->slot[j];

		if (idx == INV_NONE)
			return INV_NONE;
		if (key_eq(&inv->a[idx].key, k))
			return idx;
		j = (j + 1) & t->mask;
	}
}

static bool tab_grow(struct mk_inventory *inv, struct inv_tab *t)
{
	size_t ncap = t->slot ? (t->mask + 1) * 2 : 256;
	uint32_t *ns = malloc(ncap * sizeof(*ns));

	if (ns == NULL)
		return false;
	memset(ns, 0xff, ncap * sizeof(*ns));
	if (t->slot != NULL) {
		for (size_t i = 0; i <= t->mask; i++) {
			uint32_t idx = t->slot[i];
			size_t j;

			if (idx == INV_NONE)
				continue;
			j = addr_hash(&inv->a[idx].key, inv->seed) & (ncap - 1);
			while (ns[j] != INV_NONE)
				j = (j + 1) & (ncap - 1);
			ns[j] = idx;
		}
	}
	free(t->slot);
	t->slot = ns;
	t->mask = ncap - 1;
	return true;
}

static void tab_insert(struct mk_inventory *inv, struct inv_tab *t, uint32_t idx)
{
	size_t j = addr_hash(&inv->a[idx].key, inv->seed) & t->mask;

	while (t->slot[j] != INV_NONE)
		j = (j + 1) & t->mask;
	t->slot[j] = idx;
	t->n++;
}

/* ------------------------------------------------------------------ */
/* creation                                                            */

static uint32_t asset_new(struct mk_inventory *inv, struct inv_tab *t, const struct mk_addr *k,
                          uint8_t kind)
{
	struct inv_asset *as;

	if (inv->n >= inv->lim.max_assets || inv->n >= INV_NONE - 1) {
		inv->st.dropped_assets++;
		return INV_NONE;
	}
	if ((t->n + 1) * 2 > (t->slot ? t->mask + 1 : 0) && !tab_grow(inv, t)) {
		inv->st.dropped_assets++;
		return INV_NONE;
	}
	if (inv->n == inv->cap) {
		size_t ncap = inv->cap ? inv->cap * 2 : 64;
		struct inv_asset *na;

		if (ncap > inv->lim.max_assets)
			ncap = inv->lim.max_assets;
		na = realloc(inv->a, ncap * sizeof(*na));
		if (na == NULL) {
			inv->st.dropped_assets++;
			return INV_NONE;
		}
		inv->a = na;
		inv->cap = ncap;
	}
	as = &inv->a[inv->n];
	memset(as, 0, sizeof(*as));
	as->key = *k;
	as->kind = kind;
	tab_insert(inv, t, (uint32_t)inv->n);
	inv->st.assets = ++inv->n;
	return (uint32_t)(inv->n - 1);
}

static uint32_t mac_get(struct mk_inventory *inv, const uint8_t mac[6], bool create)
{
	struct mk_addr k;
	uint32_t idx;

	memset(&k, 0, sizeof(k));
	k.family = MK_AF_MAC;
	memcpy(k.a, mac, 6);
	idx = tab_find(inv, &inv->mac_tab, &k);
	if (idx == INV_NONE && create)
		idx = asset_new(inv, &inv->mac_tab, &k, K_MAC);
	return idx;
}

/* An address with the unused bytes zeroed, so keys compare bytewise. */
static bool ip_key(struct mk_addr *k, const struct mk_addr *ip)
{
	if (ip == NULL || (ip->family != MK_AF_INET && ip->family != MK_AF_INET6) ||
	    mk_addr_is_special(ip))
		return false;
	memset(k, 0, sizeof(*k));
	k->family = ip->family;
	memcpy(k->a, ip->a, ip->family == MK_AF_INET ? 4 : 16);
	return true;
}

static bool is_link_local(const struct mk_addr *ip)
{
	if (ip->family == MK_AF_INET)
		return ip->a[0] == 169 && ip->a[1] == 254;
	return ip->family == MK_AF_INET6 && ip->a[0] == 0xfe && (ip->a[1] & 0xc0) == 0x80;
}

/* The IP object of k; with create, made for private/link-local addresses, or
 * for any address when the caller has an announcement for it. */
static uint32_t ip_get(struct mk_inventory *inv, const struct mk_addr *k, bool create,
                       bool any_scope)
{
	uint32_t idx = tab_find(inv, &inv->ip_tab, k);

	if (idx == INV_NONE && create && (any_scope || mk_addr_is_private(k)))
		idx = asset_new(inv, &inv->ip_tab, k, K_IP);
	return idx;
}

static void mark_present(struct mk_inventory *inv, struct inv_asset *as)
{
	as->flags |= F_PRESENT;
	if (as->flags & F_PENDING) {
		as->flags &= (uint8_t)~F_PENDING;
		inv->n_pending--;
	}
}

/* A MAC sourced or announced the IP object at ts.  Owners stay ordered by
 * their latest event, newest first; with a full list the oldest falls off. */
static void ip_set_owner(struct inv_asset *ia, uint32_t m, uint64_t ts)
{
	size_t i, n = ia->u.i.n_owners;

	if (n > 0 && ia->u.i.owner[0] == m) {
		if (ts > ia->u.i.owner_ns[0])
			ia->u.i.owner_ns[0] = ts;
		return;
	}
	for (i = 0; i < n && ia->u.i.owner[i] != m; i++)
		;
	if (i == n) {
		if (n == INV_OWNERS) {
			if (ts < ia->u.i.owner_ns[n - 1])
				return;
			i = n - 1;
		} else {
			ia->u.i.n_owners = (uint8_t)(n + 1);
		}
		ia->u.i.owner[i] = m;
		ia->u.i.owner_ns[i] = ts;
	} else if (ts > ia->u.i.owner_ns[i]) {
		ia->u.i.owner_ns[i] = ts;
	}
	/* Equal times: the event being recorded now is the later one. */
	while (i > 0 && ia->u.i.owner_ns[i] >= ia->u.i.owner_ns[i - 1]) {
		uint32_t to = ia->u.i.owner[i - 1];
		uint64_t tt = ia->u.i.owner_ns[i - 1];

		ia->u.i.owner[i - 1] = ia->u.i.owner[i];
		ia->u.i.owner_ns[i - 1] = ia->u.i.owner_ns[i];
		ia->u.i.owner[i] = to;
		ia->u.i.owner_ns[i] = tt;
		i--;
	}
}

/* Remembers (MAC, IP) in the MAC's bounded set. */
static void mac_note_ip(struct mk_inventory *inv, struct inv_asset *ma, const struct mk_addr *k,
                        uint8_t flag)
{
	struct inv_ipref *r;

	for (size_t i = 0; i < ma->u.m.n_ips; i++)
		if (key_eq(&ma->u.m.ips[i].ip, k)) {
			ma->u.m.ips[i].flags |= flag;
			return;
		}
	if (ma->u.m.n_ips == ma->u.m.cap_ips) {
		size_t ncap = ma->u.m.cap_ips ? ma->u.m.cap_ips * 2u : 2u;
		struct inv_ipref *nr;

		if (ncap > inv->lim.max_ips_per_mac)
			ncap = inv->lim.max_ips_per_mac;
		if (ncap <= ma->u.m.cap_ips ||
		    (nr = realloc(ma->u.m.ips, ncap * sizeof(*nr))) == NULL) {
			/* Full.  An announcement is worth more than a sourced public
			 * address (it decides a router's own IPs): replace one. */
			if (flag & IPF_ANNOUNCED) {
				for (size_t i = ma->u.m.n_ips; i-- > 0;)
					if (!(ma->u.m.ips[i].flags & IPF_ANNOUNCED)) {
						ma->u.m.ips[i].ip = *k;
						ma->u.m.ips[i].flags = flag;
						break;
					}
			}
			ma->u.m.more_ips++;
			inv->st.dropped_ips++;
			return;
		}
		ma->u.m.ips = nr;
		ma->u.m.cap_ips = (uint16_t)ncap;
	}
	r = &ma->u.m.ips[ma->u.m.n_ips++];
	r->ip = *k;
	r->flags = flag;
}

static void seen(struct inv_asset *as, uint64_t ts)
{
	if (as->first_ns == 0 || ts < as->first_ns)
		as->first_ns = ts;
	if (ts > as->last_ns)
		as->last_ns = ts;
}

static void count_ttl(struct inv_asset *as, uint8_t ttl)
{
	int c = ttl == 0 ? -1 : ttl <= 32 ? 0 : ttl <= 64 ? 1 : ttl <= 128 ? 2 : 3;

	if (c >= 0 && as->ttl[c] < UINT16_MAX)
		as->ttl[c]++;
}

/* (MAC, IP) binding from an ARP sender or a BINDING fact.  An advertised
 * binding (LLDP/CDP management address, !strong) names the MAC the
 * advertisement came from, which on a switch is a port's MAC, not the one its
 * IP traffic uses: it makes the MAC an owner only while no MAC owns the IP. */
static void bind_addr(struct mk_inventory *inv, const uint8_t mac[6], const struct mk_addr *ip,
                      uint64_t ts, bool strong)
{
	struct mk_addr k;
	uint32_t m, ia;

	if (!mk_mac_is_unicast(mac) || !ip_key(&k, ip))
		return;
	if ((m = mac_get(inv, mac, true)) == INV_NONE)
		return;
	if (inv->a[m].first_ns == 0)
		seen(&inv->a[m], ts);
	mac_note_ip(inv, &inv->a[m], &k, IPF_ANNOUNCED);
	if ((ia = ip_get(inv, &k, true, true)) == INV_NONE)
		return;
	mark_present(inv, &inv->a[ia]);
	if (strong || inv->a[ia].u.i.n_owners == 0)
		ip_set_owner(&inv->a[ia], m, ts);
}

/* ------------------------------------------------------------------ */
/* packets                                                             */

/* A flow's remembered object ref, if it still names this key.  A failed
 * lookup is remembered as NEG_REF | objects-at-the-time (| NEG_CREATE when
 * creating was tried: a public address, or no room), and stays true while no
 * object has been created since, so internet peers stay cheap too.  A plain
 * lookup's miss says nothing about whether a create would succeed. */
#define NEG_REF 0x80000000u
#define NEG_CREATE 0x40000000u
#define NEG_COUNT 0x3fffffffu

static bool ref_hit(const struct mk_inventory *inv, const uint32_t *ref, const struct mk_addr *k,
                    bool create, uint32_t *idx)
{
	if (ref == NULL)
		return false;
	if (*ref & NEG_REF) {
		if ((*ref & NEG_COUNT) != (uint32_t)(inv->n & NEG_COUNT) ||
		    (create && !(*ref & NEG_CREATE)))
			return false;
		*idx = INV_NONE;
		return true;
	}
	if (*ref >= inv->n || !key_eq(&inv->a[*ref].key, k))
		return false;
	*idx = *ref;
	return true;
}

static void ref_store(const struct mk_inventory *inv, uint32_t *ref, bool create, uint32_t idx)
{
	if (ref != NULL)
		*ref = idx != INV_NONE ? idx
		                       : NEG_REF | (create ? NEG_CREATE : 0) | (uint32_t)(inv->n & NEG_COUNT);
}

/* The MAC object of mac through the two-entry cache; created if asked. */
static uint32_t mac_cached(struct mk_inventory *inv, const uint8_t mac[6], bool create)
{
	uint32_t idx;

	for (int i = 0; i < 2; i++)
		if (inv->mc[i] != INV_NONE && mac_eq(inv->a[inv->mc[i]].key.a, mac)) {
			idx = inv->mc[i];
			inv->mc[i] = inv->mc[0];
			inv->mc[0] = idx;
			return idx;
		}
	idx = mac_get(inv, mac, create);
	if (idx != INV_NONE) {
		inv->mc[1] = inv->mc[0];
		inv->mc[0] = idx;
	}
	return idx;
}

static uint32_t ip_cached(struct mk_inventory *inv, const struct mk_addr *k, bool create)
{
	uint32_t idx;

	for (int i = 0; i < 2; i++)
		if (inv->ic[i] != INV_NONE && key_eq(&inv->a[inv->ic[i]].key, k)) {
			idx = inv->ic[i];
			inv->ic[i] = inv->ic[0];
			inv->ic[0] = idx;
			return idx;
		}
	idx = create ? ip_get(inv, k, true, false) : tab_find(inv, &inv->ip_tab, k);
	if (idx != INV_NONE) {
		inv->ic[1] = inv->ic[0];
		inv->ic[0] = idx;
	}
	return idx;
}

/* A flow's MAC ref is the object's index; MAC_REF_SET is added once the
 * MAC sent in that flow (its VLAN was noted then), so a zeroed ref, or one
 * written when the MAC was the receiver, still lets the first packet it
 * sends note the VLAN.  Indexes stay below the bit (mk_inventory_new caps
 * max_assets). */
#define MAC_REF_SET 0x40000000u

/* The MAC object of mac (the sender when src, else the receiver).  *noted:
 * src and the flow already noted its VLAN (not its first packet from it). */
static uint32_t mac_ref(struct mk_inventory *inv, const uint8_t mac[6], bool create, uint32_t *ref,
                        bool src, bool *noted)
{
	uint32_t r = ref != NULL ? *ref : NEG_REF, idx = r & ~MAC_REF_SET;

	/* Only positive refs: a flow's MACs can change (a router failover,
	 * ARP spoofing), its IPs cannot.  MAC keys hold the MAC in their first
	 * six bytes, so the check needs no key built (this runs per packet). */
	*noted = false;
	if (!(r & NEG_REF) && idx < inv->n && inv->a[idx].key.family == MK_AF_MAC &&
	    mac_eq(inv->a[idx].key.a, mac)) {
		if (src) {
			*noted = (r & MAC_REF_SET) != 0;
			if (!*noted)
				*ref = r | MAC_REF_SET;
		}
		return idx;
	}
	idx = mac_cached(inv, mac, create);
	if (ref != NULL)
		*ref = idx == INV_NONE ? NEG_REF : src ? idx | MAC_REF_SET : idx;
	return idx;
}

static uint32_t ip_ref(struct mk_inventory *inv, const struct mk_addr *k, bool create, uint32_t *ref)
{
	uint32_t idx;

	if (ref_hit(inv, ref, k, create, &idx))
		return idx;
	idx = ip_cached(inv, k, create);
	ref_store(inv, ref, create, idx);
	return idx;
}

/* Remembers VLAN v (1-4094) of a MAC object; the first few are kept. */
static void note_vlan(struct mk_inventory *inv, struct inv_asset *ma, uint16_t v)
{
	if (v == 0 || v >= 4095 || ma->kind != K_MAC)
		return; /* 0: a priority tag (PROFINET), not a VLAN; 4095 reserved */
	for (uint8_t i = 0; i < ma->u.m.n_vlans; i++)
		if (ma->u.m.vlans[i] == v)
			return;
	if (ma->u.m.n_vlans >= MK_ASSET_MAX_VLANS) {
		inv->st.dropped_vlans++;
		return;
	}
	ma->u.m.vlans[ma->u.m.n_vlans++] = v;
}

void mk_inventory_packet(struct mk_inventory *inv, const struct mk_pkt *pkt)
{
	mk_inventory_packet_refs(inv, pkt, NULL, NULL);
}

/* Is ref the MAC object of mac? */
static inline bool fast_mac(const struct mk_inventory *inv, uint32_t ref, const uint8_t mac[6])
{
	return !(ref & NEG_REF) && ref < inv->n && inv->a[ref].key.family == MK_AF_MAC &&
	       mac_eq(inv->a[ref].key.a, mac);
}

/* Is ref the IP object of ip?  (IP objects exist only for the addresses
 * ip_key accepts, so equality also says ip is not special.) */
static inline bool fast_ip(const struct mk_inventory *inv, uint32_t ref, const struct mk_addr *ip)
{
	const struct mk_addr *k;

	if ((ref & NEG_REF) || ref >= inv->n)
		return false;
	k = &inv->a[ref].key;
	if (k->family != ip->family)
		return false;
	return ip->family == MK_AF_INET    ? memcmp(k->a, ip->a, 4) == 0
	       : ip->family == MK_AF_INET6 ? memcmp(k->a, ip->a, 16) == 0
	                                   : false;
}

/* The steady state of a flow: its four asset objects are remembered and are
 * still the packet's (same MACs: a failover or spoofing changes them), and
 * the sender's MAC already owns its IP.  Then the general path below would
 * only move counters, and this does exactly that without building keys
 * (it runs for most packets).  False: nothing was touched, take the path. */
static bool packet_steady(struct mk_inventory *inv, const struct mk_pkt *pkt,
                          const struct mk_inventory_refs *src,
                          const struct mk_inventory_refs *dst)
{
	struct inv_asset *ma, *ip, *dm, *di;
	uint32_t len;

	if (!pkt->has_mac || (pkt->layers & MK_L_ARP) ||
	    !fast_mac(inv, src->mac, pkt->src_mac) || !fast_mac(inv, dst->mac, pkt->dst_mac) ||
	    !fast_ip(inv, src->ip, &pkt->src_ip) || !fast_ip(inv, dst->ip, &pkt->dst_ip))
		return false;
	ip = &inv->a[src->ip];
	if (ip->u.i.n_owners == 0 || ip->u.i.owner[0] != src->mac)
		return false;
	/* Known unicast destination MAC and a non-special destination IP: the
	 * general path's uni_dst holds, so the TTL is counted. */
	len = pkt->wirelen > pkt->caplen ? pkt->wirelen : pkt->caplen;
	ma = &inv->a[src->mac];
	seen(ma, pkt->ts_ns);
	ma->packets++;
	ma->bytes += len;
	count_ttl(ma, pkt->ttl);
	seen(ip, pkt->ts_ns);
	ip->packets++;
	ip->bytes += len;
	mark_present(inv, ip);
	count_ttl(ip, pkt->ttl);
	ip_set_owner(ip, src->mac, pkt->ts_ns);
	dm = &inv->a[dst->mac];
	dm->packets++;
	dm->bytes += len;
	di = &inv->a[dst->ip];
	di->packets++;
	di->bytes += len;
	return true;
}

void mk_inventory_packet_refs(struct mk_inventory *inv, const struct mk_pkt *pkt,
                              struct mk_inventory_refs *src, struct mk_inventory_refs *dst)
{
	bool has_mac, uni_dst = true;
	uint32_t len, m = INV_NONE, ia = INV_NONE;
	struct mk_addr sk;
	bool have_sip = false;

	if (inv == NULL || pkt == NULL)
		return;
	if (src != NULL && dst != NULL && packet_steady(inv, pkt, src, dst))
		return;
	has_mac = pkt->has_mac || (pkt->layers & MK_L_SLL);
	len = pkt->wirelen > pkt->caplen ? pkt->wirelen : pkt->caplen;
	if (pkt->dst_ip.family != MK_AF_NONE && mk_addr_is_special(&pkt->dst_ip))
		uni_dst = false;
	if (pkt->has_mac && !mk_mac_is_unicast(pkt->dst_mac))
		uni_dst = false;

	/* The sender's MAC. */
	if (has_mac && mk_mac_is_unicast(pkt->src_mac)) {
		bool noted;

		m = mac_ref(inv, pkt->src_mac, true, src != NULL ? &src->mac : NULL, true, &noted);
		if (m != INV_NONE) {
			struct inv_asset *ma = &inv->a[m];

			seen(ma, pkt->ts_ns);
			ma->packets++;
			ma->bytes += len;
			if (uni_dst && (pkt->layers & (MK_L_IP4 | MK_L_IP6)))
				count_ttl(ma, pkt->ttl);
			/* A flow has one VLAN: noted at its first packet from
			 * this MAC (or every packet without a flow). */
			if (!noted && pkt->vlan_count > 0)
				note_vlan(inv, ma, pkt->vlan[pkt->vlan_count - 1]);
		}
	}

	if (pkt->layers & MK_L_ARP) {
		/* ARP: the sender announces (sha, spa); a probe (spa 0.0.0.0)
		 * only proves the MAC exists. */
		static const uint8_t zero[4];

		if (memcmp(pkt->arp.spa, zero, 4) != 0) {
			struct mk_addr spa;

			mk_addr_set_ip4(&spa, pkt->arp.spa);
			bind_addr(inv, pkt->arp.sha, &spa, pkt->ts_ns, true);
		}
		if (has_mac && mk_mac_is_unicast(pkt->arp.sha) &&
		    memcmp(pkt->arp.sha, pkt->src_mac, 6) != 0)
			(void)mac_get(inv, pkt->arp.sha, true);
	}

	have_sip = ip_key(&sk, &pkt->src_ip);
	if (have_sip) {
		ia = ip_ref(inv, &sk, true, src != NULL ? &src->ip : NULL);
		if (ia != INV_NONE) {
			struct inv_asset *ip = &inv->a[ia];

			seen(ip, pkt->ts_ns);
			ip->packets++;
			ip->bytes += len;
			mark_present(inv, ip);
			if (uni_dst)
				count_ttl(ip, pkt->ttl);
			if (m != INV_NONE) {
				/* Common case: same owner as before, nothing to do
				 * beyond the timestamp. */
				if (ip->u.i.n_owners == 0 || ip->u.i.owner[0] != m)
					mac_note_ip(inv, &inv->a[m], &sk, IPF_SOURCED);
				ip_set_owner(ip, m, pkt->ts_ns);
			}
		} else if (m != INV_NONE) {
			/* A public source (or no room): only the MAC's set
			 * remembers it, for the router rule.  Once the set is
			 * full the MAC is a router anyway: skip the scan. */
			struct inv_asset *ma = &inv->a[m];
			uint8_t fl = IPF_SOURCED;

			/* Public source to a private IPv4 destination: the
			 * inbound half of NAT, the mark of a gateway. */
			if (sk.family == MK_AF_INET && pkt->dst_ip.family == MK_AF_INET &&
			    mk_addr_is_private(&pkt->dst_ip) && !mk_addr_is_private(&sk))
				fl |= IPF_TO_PRIVATE;
			if (ma->u.m.n_ips < inv->lim.max_ips_per_mac)
				mac_note_ip(inv, ma, &sk, fl);
		}
	}

	/* Received traffic: destinations already known, never created. */
	if (has_mac && pkt->has_mac && mk_mac_is_unicast(pkt->dst_mac)) {
		bool noted;
		uint32_t d =
		    mac_ref(inv, pkt->dst_mac, false, dst != NULL ? &dst->mac : NULL, false, &noted);

		if (d != INV_NONE) {
			inv->a[d].packets++;
			inv->a[d].bytes += len;
		}
	}
	if (ip_key(&sk, &pkt->dst_ip)) {
		uint32_t d = ip_ref(inv, &sk, false, dst != NULL ? &dst->ip : NULL);

		if (d != INV_NONE) {
			inv->a[d].packets++;
			inv->a[d].bytes += len;
		}
	}
}

/* ------------------------------------------------------------------ */
/* facts                                                               */

static struct inv_info *info_get(struct inv_info **px)
{
	if (*px == NULL)
		*px = calloc(1, sizeof(**px));
	return *px;
}

static bool add_name(struct mk_inventory *inv, struct inv_info *x, const char *name, size_t len,
                     uint16_t source)
{
	char *s;

	if (name == NULL || len == 0)
		return false;
	s = mk_text_dup(name, len);
	if (s == NULL)
		return false;
	if (s[0] == '\0')
		goto out_free;
	for (size_t i = 0; i < x->n_names; i++)
		if (strcasecmp(x->names[i].name, s) == 0)
			goto out_free;
	if (x->n_names >= inv->lim.max_names_per_asset) {
		inv->st.dropped_names++;
		goto out_free;
	}
	if (x->n_names == x->cap_names) {
		size_t ncap = x->cap_names ? x->cap_names * 2 : 2;
		struct inv_name *nn;

		if (ncap > inv->lim.max_names_per_asset)
			ncap = inv->lim.max_names_per_asset;
		if ((nn = realloc(x->names, ncap * sizeof(*nn))) == NULL)
			goto out_free;
		x->names = nn;
		x->cap_names = ncap;
	}
	x->names[x->n_names].name = s;
	x->names[x->n_names].source = source;
	x->names[x->n_names].seq = inv->name_seq++;
	x->n_names++;
	return true;
out_free:
	free(s);
	return false;
}

static bool add_attr(struct mk_inventory *inv, struct inv_info *x, const char *key,
                     const char *val, size_t vlen, uint16_t source)
{
	char *k, *v;

	if (key == NULL || key[0] == '\0' || val == NULL)
		return false;
	if ((k = mk_text_dup(key, strlen(key))) == NULL)
		return false;
	if ((v = mk_text_dup(val, vlen)) == NULL)
		goto out_key;
	for (size_t i = 0; i < x->n_attrs; i++)
		if (strcmp(x->attrs[i].key, k) == 0 && strcmp(x->attrs[i].value, v) == 0)
			goto out_both;
	if (x->n_attrs >= inv->lim.max_attrs_per_asset) {
		inv->st.dropped_attrs++;
		goto out_both;
	}
	if (x->n_attrs == x->cap_attrs) {
		size_t ncap = x->cap_attrs ? x->cap_attrs * 2 : 4;
		struct mk_attr_rec *na;

		if (ncap > inv->lim.max_attrs_per_asset)
			ncap = inv->lim.max_attrs_per_asset;
		if ((na = realloc(x->attrs, ncap * sizeof(*na))) == NULL)
			goto out_both;
		x->attrs = na;
		x->cap_attrs = ncap;
	}
	x->attrs[x->n_attrs].key = k;
	x->attrs[x->n_attrs].value = v;
	x->attrs[x->n_attrs].source = source;
	x->n_attrs++;
	return true;
out_both:
	free(v);
out_key:
	free(k);
	return false;
}

/* Fills the identity's empty fields from id; the first source stays. */
static void merge_identity(struct mk_inventory *inv, struct inv_info *x, const char *const f[5],
                           uint16_t source)
{
	char **dst[5];
	bool any = false;

	for (int i = 0; i < 5; i++)
		any |= f[i] != NULL && f[i][0] != '\0';
	if (!any)
		return;
	if (x->identity == NULL) {
		if ((x->identity = calloc(1, sizeof(*x->identity))) == NULL)
			return;
		x->identity->source = source;
		x->identity_seq = inv->name_seq++;
	}
	dst[0] = &x->identity->vendor;
	dst[1] = &x->identity->product;
	dst[2] = &x->identity->model;
	dst[3] = &x->identity->firmware;
	dst[4] = &x->identity->serial;
	for (int i = 0; i < 5; i++)
		if (*dst[i] == NULL && f[i] != NULL && f[i][0] != '\0')
			*dst[i] = mk_text_dup(f[i], strlen(f[i]));
}

static void set_os(struct inv_info *x, const char *os, size_t len, uint8_t conf)
{
	char *s;

	if (os == NULL || len == 0 || (x->os != NULL && conf <= x->os_confidence))
		return;
	if ((s = mk_text_dup(os, len)) == NULL || s[0] == '\0') {
		free(s);
		return;
	}
	free(x->os);
	x->os = s;
	x->os_confidence = conf;
}

static void add_hint(struct inv_info *x, uint8_t role, uint8_t conf, const char *reason,
                     size_t rlen, uint16_t source)
{
	struct inv_hint *h = NULL;
	char *r;

	if (role >= MK_ROLE_COUNT)
		return;
	for (size_t i = 0; i < x->n_hints; i++)
		if (x->hints[i].role == role)
			h = &x->hints[i];
	if (h == NULL) {
		struct inv_hint *nh;

		if (x->n_hints >= INV_MAX_ROLE_HINTS)
			return;
		nh = realloc(x->hints, (x->n_hints + 1) * sizeof(*nh));
		if (nh == NULL)
			return;
		x->hints = nh;
		h = &x->hints[x->n_hints++];
		memset(h, 0, sizeof(*h));
		h->role = role;
		h->source = source;
	}
	if (conf > h->confidence) {
		h->confidence = conf;
		h->source = source;
	}
	if (reason == NULL || rlen == 0 || h->n_reasons >= INV_MAX_REASONS)
		return;
	if ((r = mk_text_dup(reason, rlen)) == NULL)
		return;
	for (size_t i = 0; i < h->n_reasons; i++)
		if (strcmp(h->reasons[i], r) == 0) {
			free(r);
			return;
		}
	h->reasons[h->n_reasons++] = r;
}

static bool mac_announced(const struct inv_asset *ma, const struct mk_addr *k)
{
	for (size_t i = 0; i < ma->u.m.n_ips; i++)
		if (key_eq(&ma->u.m.ips[i].ip, k))
			return (ma->u.m.ips[i].flags & IPF_ANNOUNCED) != 0;
	return false;
}

/* Where a fact about host belongs; NULL when it is about no local asset. */
static struct inv_info *fact_info(struct mk_inventory *inv, const struct mk_host *host,
                                  uint64_t ts, bool create)
{
	struct mk_addr k;
	bool have_mac = host->mac.family == MK_AF_MAC && mk_mac_is_unicast(host->mac.a);
	bool have_ip = ip_key(&k, &host->ip);
	uint32_t idx;

	if (have_ip) {
		idx = tab_find(inv, &inv->ip_tab, &k);
		if (idx == INV_NONE && create && mk_addr_is_private(&k)) {
			/* Named before it spoke: keep the facts in a pending IP
			 * object (capped); it becomes an asset only once the
			 * address sends a packet or is announced. */
			if (inv->n_pending >= inv->lim.max_pending_ips) {
				inv->st.dropped_facts++;
				return NULL;
			}
			idx = asset_new(inv, &inv->ip_tab, &k, K_IP);
			if (idx == INV_NONE) {
				inv->st.dropped_facts++;
				return NULL;
			}
			inv->a[idx].flags |= F_PENDING;
			inv->n_pending++;
		}
		if (idx != INV_NONE)
			return info_get(&inv->a[idx].x);
		if (mk_addr_is_private(&k) || !have_mac) {
			/* An internet host's name (DNS) is not an asset. */
			inv->st.dropped_facts += create;
			return NULL;
		}
		/* A public address behind this MAC: if the MAC turns out to be a
		 * router, these facts are about someone else. */
		if ((idx = mac_get(inv, host->mac.a, create)) == INV_NONE)
			return NULL;
		if (mac_announced(&inv->a[idx], &k))
			return info_get(&inv->a[idx].x);
		return info_get(&inv->a[idx].u.m.pubx);
	}
	if (!have_mac) {
		inv->st.dropped_facts += create;
		return NULL;
	}
	if ((idx = mac_get(inv, host->mac.a, create)) == INV_NONE)
		return NULL;
	if (inv->a[idx].first_ns == 0 && ts != 0)
		seen(&inv->a[idx], ts);
	return info_get(&inv->a[idx].x);
}

void mk_inventory_fact(struct mk_inventory *inv, const struct mk_fact *fact, uint64_t ts_ns)
{
	struct inv_info *x;
	size_t vlen;

	if (inv == NULL || fact == NULL || fact->host.kind != MK_HOST_EXPLICIT)
		return;
	if (fact->kind == MK_FACT_OPERATION || fact->kind == MK_FACT_ANOMALY)
		return;
	if (fact->kind == MK_FACT_BINDING) {
		if (fact->host.mac.family == MK_AF_MAC)
			bind_addr(inv, fact->host.mac.a, &fact->host.ip, ts_ns,
			          fact->confidence == 0 || fact->confidence >= 100);
		return;
	}
	if ((x = fact_info(inv, &fact->host, ts_ns, true)) == NULL)
		return;
	vlen = fact->value == NULL ? 0 : fact->value_len;
	switch (fact->kind) {
	case MK_FACT_NAME:
		add_name(inv, x, fact->value, vlen, fact->proto);
		break;
	case MK_FACT_IDENTITY: {
		const char *f[5] = {fact->identity.vendor, fact->identity.product, fact->identity.model,
		                    fact->identity.firmware, fact->identity.serial};

		merge_identity(inv, x, f, fact->proto);
		break;
	}
	case MK_FACT_ATTR:
		add_attr(inv, x, fact->key, fact->value, vlen, fact->proto);
		break;
	case MK_FACT_OS:
		set_os(x, fact->value, vlen, fact->confidence);
		break;
	case MK_FACT_ROLE:
		add_hint(x, fact->role, fact->confidence, fact->value, vlen, fact->proto);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* flows                                                               */

static struct inv_info *endpoint_info(struct mk_inventory *inv, const struct mk_endpoint *ep)
{
	struct mk_host h = {.kind = MK_HOST_EXPLICIT, .mac = ep->mac, .ip = ep->ip};
	struct mk_addr k;

	/* Lookup only: an endpoint that never sent a packet is not proven. */
	if (ip_key(&k, &ep->ip) && mk_addr_is_private(&k)) {
		uint32_t idx = tab_find(inv, &inv->ip_tab, &k);

		if (idx == INV_NONE || !(inv->a[idx].flags & F_PRESENT))
			return NULL;
		return info_get(&inv->a[idx].x);
	}
	return fact_info(inv, &h, 0, false);
}

/* What a client did to a controller says what it is: program downloads and
 * CPU stops come from engineering workstations, reads from many controllers
 * from an HMI or SCADA server (rules in data/rules/roles.tsv). */
static void controller_client(struct mk_inventory *inv, struct inv_info *x, const struct mk_flow *flow)
{
	const struct mk_role_rules *rr = inv->rules;
	const char *pname = mk_proto_id_name(flow->app_proto);

	for (size_t i = 0; i < rr->n_op_rules; i++) {
		const struct mk_role_op_rule *r = &rr->op_rules[i];
		char reason[160];

		if (flow->ops[r->op] == 0 ||
		    (r->op == MK_OP_CONTROL && rr->routine_control[flow->app_proto]))
			continue;
		snprintf(reason, sizeof(reason), "%s (%s)", r->reason, pname);
		add_hint(x, r->role, r->confidence, reason, strlen(reason), flow->app_proto);
	}
	/* Polling is reading: a flow without reads does not count. */
	if (flow->ops[MK_OP_READ] == 0 || rr->poller.reason == NULL || rr->poller_min_servers == 0 ||
	    rr->poller_min_servers > INV_POLLED_MAX || x->n_polled >= rr->poller_min_servers)
		return;
	{
		uint32_t h = addr_hash(&flow->srv.ip, inv->seed) | 1u; /* 0 is never a hash */

		for (size_t i = 0; i < x->n_polled; i++)
			if (x->polled[i] == h)
				return;
		x->polled[x->n_polled++] = h;
		if (x->n_polled == rr->poller_min_servers)
			add_hint(x, rr->poller.role, rr->poller.confidence, rr->poller.reason,
			         strlen(rr->poller.reason), flow->app_proto);
	}
}

void mk_inventory_flow(struct mk_inventory *inv, const struct mk_flow *flow)
{
	struct inv_info *x;

	/* "unknown" says nothing about a device: not recorded. */
	if (inv == NULL || flow == NULL || flow->app_proto == MK_PROTO_UNKNOWN ||
	    flow->app_proto >= MK_PROTO_COUNT)
		return;
	/* Sending to a broadcast or multicast address (BACnet I-Am, SSDP, mDNS)
	 * is announcing, not using a server: no client role from it.  The mask
	 * is unknown, so a directed broadcast is taken to end in .255 (right for
	 * /24 and wider, the plants' usual networks). */
	bool announce = mk_addr_is_special(&flow->srv.ip) ||
	                (flow->srv.ip.family == MK_AF_INET && flow->srv.ip.a[3] == 255);

	if (!announce && (x = endpoint_info(inv, &flow->cli)) != NULL) {
		mk_proto_set_add(&x->client, flow->app_proto);
		if (inv->rules->controller[flow->app_proto])
			controller_client(inv, x, flow);
	}
	if ((x = endpoint_info(inv, &flow->srv)) != NULL)
		mk_proto_set_add(&x->server, flow->app_proto);
}

/* ------------------------------------------------------------------ */
/* loading an earlier run                                              */

static bool parse_id(const char *id, struct mk_addr *out)
{
	char buf[MK_ASSET_ID_LEN];

	if (id == NULL || strnlen(id, MK_ASSET_ID_LEN) >= MK_ASSET_ID_LEN)
		return false;
	if (strncmp(id, "m-", 2) == 0 && strlen(id) == 14) {
		uint8_t mac[6];

		for (int i = 0; i < 6; i++) {
			char hx[3] = {id[2 + 2 * i], id[3 + 2 * i], '\0'};
			char *end;
			unsigned long v = strtoul(hx, &end, 16);

			if (*end != '\0' || hx[0] == '+' || hx[0] == '-' || hx[0] == ' ')
				return false;
			mac[i] = (uint8_t)v;
		}
		mk_addr_set_mac(out, mac);
		return true;
	}
	if (strncmp(id, "i-", 2) == 0) {
		snprintf(buf, sizeof(buf), "%s", id + 2);
		return mk_addr_parse(out, buf) && out->family != MK_AF_MAC;
	}
	return false;
}

static void merge_info_rec(struct mk_inventory *inv, struct inv_info *x,
                           const struct mk_asset_rec *rec)
{
	for (size_t i = 0; i < rec->n_names; i++)
		if (rec->names[i].name != NULL)
			add_name(inv, x, rec->names[i].name, strlen(rec->names[i].name),
			         rec->names[i].source);
	for (size_t i = 0; i < rec->n_attrs; i++)
		/* ip_mac_history of the earlier run stays: it is history. */
		if (rec->attrs[i].value != NULL && rec->attrs[i].key != NULL)
			add_attr(inv, x, rec->attrs[i].key, rec->attrs[i].value,
			         strlen(rec->attrs[i].value), rec->attrs[i].source);
	if (rec->identity != NULL) {
		const char *f[5] = {rec->identity->vendor, rec->identity->product,
		                    rec->identity->model, rec->identity->firmware,
		                    rec->identity->serial};

		merge_identity(inv, x, f, rec->identity->source);
	}
	if (rec->os != NULL)
		set_os(x, rec->os, strlen(rec->os), rec->os_confidence);
	for (size_t i = 0; i < rec->n_roles; i++) {
		const struct mk_role_rec *r = &rec->roles[i];

		add_hint(x, r->role, r->confidence, NULL, 0, MK_PROTO_UNKNOWN);
		for (size_t j = 0; j < r->n_reasons; j++)
			if (r->reasons[j] != NULL)
				add_hint(x, r->role, r->confidence, r->reasons[j],
				         strlen(r->reasons[j]), MK_PROTO_UNKNOWN);
	}
	for (size_t w = 0; w < MK_PROTO_SET_WORDS; w++) {
		x->server.bits[w] |= rec->server.bits[w];
		x->client.bits[w] |= rec->client.bits[w];
	}
	if (rec->vendor != NULL && x->vendor == NULL)
		x->vendor = mk_text_dup(rec->vendor, strlen(rec->vendor));
}

void mk_inventory_load(struct mk_inventory *inv, const struct mk_asset_rec *rec)
{
	struct mk_addr key;
	struct inv_asset *as;
	struct inv_info *x;
	uint32_t idx;

	if (inv == NULL || rec == NULL)
		return;
	if (!parse_id(rec->id, &key)) {
		if (rec->mac.family == MK_AF_MAC)
			mk_addr_set_mac(&key, rec->mac.a);
		else if (rec->n_ips == 0 || !ip_key(&key, &rec->ips[0]))
			return;
	}
	if (key.family == MK_AF_MAC) {
		if (!mk_mac_is_unicast(key.a) || (idx = mac_get(inv, key.a, true)) == INV_NONE)
			return;
		/* Its addresses of the earlier run count as announced: they were
		 * its own then, and a newer packet from another MAC still wins. */
		for (size_t i = 0; i < rec->n_ips; i++)
			bind_addr(inv, key.a, &rec->ips[i], rec->last_ns, true);
		for (size_t i = 0; i < rec->n_vlans && i < MK_ASSET_MAX_VLANS; i++)
			note_vlan(inv, &inv->a[idx], rec->vlans[i]);
	} else {
		struct mk_addr k;

		if (!ip_key(&k, &key) || (idx = ip_get(inv, &k, true, true)) == INV_NONE)
			return;
		mark_present(inv, &inv->a[idx]);
	}
	as = &inv->a[idx];
	as->flags |= F_LOADED;
	if (rec->first_ns != 0 && (as->first_ns == 0 || rec->first_ns < as->first_ns))
		as->first_ns = rec->first_ns;
	if (rec->last_ns > as->last_ns)
		as->last_ns = rec->last_ns;
	as->packets += rec->packets;
	as->bytes += rec->bytes;
	if ((x = info_get(&as->x)) != NULL)
		merge_info_rec(inv, x, rec);
}

/* ------------------------------------------------------------------ */
/* life cycle                                                          */

void mk_inventory_limits_default(struct mk_inventory_limits *lim)
{
	lim->max_assets = 32768;
	lim->max_ips_per_mac = 32;
	lim->max_names_per_asset = 16;
	lim->router_min_ips = 0; /* from data/rules/roles.tsv */
	lim->max_attrs_per_asset = 32;
	lim->max_pending_ips = 1024;
}

struct mk_inventory *mk_inventory_new(const struct mk_inventory_limits *lim,
                                      const struct mk_oui *oui,
                                      const struct mk_fingerprints *fp)
{
	struct mk_inventory *inv = calloc(1, sizeof(*inv));
	char err[512];

	if (inv == NULL)
		return NULL;
	if (lim != NULL)
		inv->lim = *lim;
	else
		mk_inventory_limits_default(&inv->lim);
	inv->oui = oui;
	inv->fp = fp;
	inv->rules = mk_role_rules_load(NULL, err, sizeof(err));
	if (inv->rules == NULL) {
		free(inv);
		return NULL;
	}
	if (err[0] != '\0')
		mk_warn("%s", err);
	if (inv->lim.router_min_ips == 0)
		inv->lim.router_min_ips = inv->rules->router_min_ips ? inv->rules->router_min_ips
		                                                     : INV_DEFAULT_ROUTER_MIN;
	inv->router_conf = inv->rules->router_confidence ? inv->rules->router_confidence
	                                                 : INV_DEFAULT_ROUTER_CONF;
	if (inv->lim.max_assets == 0)
		inv->lim.max_assets = 1;
	if (inv->lim.max_assets >= MAC_REF_SET)
		inv->lim.max_assets = MAC_REF_SET - 1; /* refs carry a flag bit */
	/* The set must be able to prove a router. */
	if (inv->lim.max_ips_per_mac < inv->lim.router_min_ips)
		inv->lim.max_ips_per_mac = inv->lim.router_min_ips;
	if (inv->lim.max_ips_per_mac > UINT16_MAX)
		inv->lim.max_ips_per_mac = UINT16_MAX;
	inv->seed = (uint32_t)time(NULL) ^ (uint32_t)(uintptr_t)inv;
	inv->mc[0] = inv->mc[1] = inv->ic[0] = inv->ic[1] = INV_NONE;
	return inv;
}

static void info_free(struct inv_info *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i < x->n_names; i++)
		free(x->names[i].name);
	free(x->names);
	for (size_t i = 0; i < x->n_attrs; i++) {
		free(x->attrs[i].key);
		free(x->attrs[i].value);
	}
	free(x->attrs);
	if (x->identity != NULL) {
		free(x->identity->vendor);
		free(x->identity->product);
		free(x->identity->model);
		free(x->identity->firmware);
		free(x->identity->serial);
		free(x->identity);
	}
	free(x->os);
	for (size_t i = 0; i < x->n_hints; i++)
		for (size_t j = 0; j < x->hints[i].n_reasons; j++)
			free(x->hints[i].reasons[j]);
	free(x->hints);
	free(x->vendor);
	free(x);
}

void mk_inventory_free(struct mk_inventory *inv)
{
	if (inv == NULL)
		return;
	for (size_t i = 0; i < inv->n; i++) {
		info_free(inv->a[i].x);
		if (inv->a[i].kind == K_MAC) {
			free(inv->a[i].u.m.ips);
			info_free(inv->a[i].u.m.pubx);
		}
	}
	free(inv->a);
	free(inv->mac_tab.slot);
	free(inv->ip_tab.slot);
	mk_role_rules_free(inv->rules);
	free(inv);
}

const struct mk_inventory_stats *mk_inventory_stats(const struct mk_inventory *inv)
{
	return &inv->st;
}

static size_t info_memory(const struct inv_info *x)
{
	size_t n;

	if (x == NULL)
		return 0;
	n = sizeof(*x) + x->cap_names * sizeof(*x->names) + x->cap_attrs * sizeof(*x->attrs) +
	    x->n_hints * sizeof(*x->hints);
	for (size_t i = 0; i < x->n_names; i++)
		n += strlen(x->names[i].name) + 1;
	for (size_t i = 0; i < x->n_attrs; i++)
		n += strlen(x->attrs[i].key) + strlen(x->attrs[i].value) + 2;
	for (size_t i = 0; i < x->n_hints; i++)
		for (size_t j = 0; j < x->hints[i].n_reasons; j++)
			n += strlen(x->hints[i].reasons[j]) + 1;
	if (x->identity != NULL)
		n += sizeof(*x->identity) + 5 * 16;
	if (x->os != NULL)
		n += strlen(x->os) + 1;
	return n;
}

size_t mk_inventory_memory(const struct mk_inventory *inv)
{
	size_t n;

	if (inv == NULL)
		return 0;
	n = sizeof(*inv) + inv->cap * sizeof(*inv->a);
	if (inv->mac_tab.slot != NULL)
		n += (inv->mac_tab.mask + 1) * sizeof(uint32_t);
	if (inv->ip_tab.slot != NULL)
		n += (inv->ip_tab.mask + 1) * sizeof(uint32_t);
	for (size_t i = 0; i < inv->n; i++) {
		n += info_memory(inv->a[i].x);
		if (inv->a[i].kind == K_MAC)
			n += inv->a[i].u.m.cap_ips * sizeof(struct inv_ipref) +
			     info_memory(inv->a[i].u.m.pubx);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* snapshot                                                            */

struct snap {
	struct mk_inventory *inv;
	uint8_t *router;         /* by asset index (MAC objects) */
	uint32_t *nsrc;          /* distinct sourced IPv4 + IPv6 /64 per MAC */
	uint8_t *why_router;     /* 1 count, 2 public source, 3 role fact */
	uint32_t *home;          /* IP objects: owning MAC, or INV_NONE */
	uint32_t *first, *next;  /* IP objects homed at each MAC, as a list */
	const struct inv_name **names; /* scratch: the names of the record being built */
	size_t n_names, cap_names;
	const struct inv_info **ids;   /* scratch: blocks with an identity */
	size_t n_ids, cap_ids;
};

static int cmp_id_seq(const void *x, const void *y)
{
	const struct inv_info *a = *(const struct inv_info *const *)x;
	const struct inv_info *b = *(const struct inv_info *const *)y;

	return a->identity_seq < b->identity_seq ? -1 : a->identity_seq > b->identity_seq;
}

static int cmp_name_seq(const void *x, const void *y)
{
	const struct inv_name *a = *(const struct inv_name *const *)x;
	const struct inv_name *b = *(const struct inv_name *const *)y;

	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Role hints gathered for one record, by role. */
struct snap_roles {
	uint8_t conf[MK_ROLE_COUNT];
	bool set[MK_ROLE_COUNT];
	const char *reasons[MK_ROLE_COUNT][INV_MAX_REASONS];
	size_t n[MK_ROLE_COUNT];
};

static void roles_add(struct snap_roles *sr, uint8_t role, uint8_t conf, const char *reason)
{
	if (role >= MK_ROLE_COUNT)
		return;
	if (!sr->set[role] || conf > sr->conf[role])
		sr->conf[role] = conf;
	sr->set[role] = true;
	if (reason == NULL || sr->n[role] >= INV_MAX_REASONS)
		return;
	for (size_t i = 0; i < sr->n[role]; i++)
		if (strcmp(sr->reasons[role][i], reason) == 0)
			return;
	sr->reasons[role][sr->n[role]++] = reason;
}

static bool has_router_hint(const struct inv_info *x)
{
	if (x == NULL)
		return false;
	for (size_t i = 0; i < x->n_hints; i++)
		if (x->hints[i].role == MK_ROLE_ROUTER)
			return true;
	return false;
}

static void decide_routers(struct snap *sn)
{
	struct mk_inventory *inv = sn->inv;

	for (size_t a = 0; a < inv->n; a++) {
		const struct inv_asset *as = &inv->a[a];
		uint32_t n4 = 0, n6 = 0;
		bool pub = false;

		if (as->kind != K_MAC)
			continue;
		for (size_t i = 0; i < as->u.m.n_ips; i++) {
			const struct inv_ipref *r = &as->u.m.ips[i];
			bool dup = false;

			if (!(r->flags & IPF_SOURCED))
				continue;
			if (r->ip.family == MK_AF_INET) {
				n4++;
				if ((r->flags & IPF_TO_PRIVATE) && !(r->flags & IPF_ANNOUNCED))
					pub = true;
				continue;
			}
			/* IPv6 hosts use several addresses (privacy extensions)
			 * within one /64: count prefixes, not addresses. */
			if (is_link_local(&r->ip))
				continue;
			for (size_t j = 0; j < i && !dup; j++) {
				const struct inv_ipref *q = &as->u.m.ips[j];

				dup = (q->flags & IPF_SOURCED) && q->ip.family == MK_AF_INET6 &&
				      !is_link_local(&q->ip) && memcmp(q->ip.a, r->ip.a, 8) == 0;
			}
			n6 += !dup;
		}
		n4 += as->u.m.more_ips;
		sn->nsrc[a] = n4 + n6;
		if (n4 >= inv->lim.router_min_ips || n6 >= inv->lim.router_min_ips)
			sn->why_router[a] = 1;
		else if (pub)
			sn->why_router[a] = 2;
		else if (has_router_hint(as->x))
			sn->why_router[a] = 3;
		sn->router[a] = sn->why_router[a] != 0;
	}
}

static bool may_own(const struct snap *sn, uint32_t m, const struct inv_asset *ip)
{
	/* Link-local addresses are never routed: the MAC that sends one owns it. */
	return !sn->router[m] || is_link_local(&ip->key) || mac_announced(&sn->inv->a[m], &ip->key);
}

static void decide_homes(struct snap *sn)
{
	struct mk_inventory *inv = sn->inv;

	for (size_t a = 0; a < inv->n; a++) {
		const struct inv_asset *as = &inv->a[a];

		sn->home[a] = INV_NONE;
		sn->first[a] = INV_NONE;
		sn->next[a] = INV_NONE;
		if (as->kind != K_IP || !(as->flags & F_PRESENT))
			continue;
		for (size_t k = 0; k < as->u.i.n_owners; k++)
			if (may_own(sn, as->u.i.owner[k], as)) {
				sn->home[a] = as->u.i.owner[k];
				break;
			}
	}
	/* Reverse lists, built backwards so each list runs in index order. */
	for (size_t a = inv->n; a-- > 0;) {
		uint32_t h = sn->home[a];

		if (h != INV_NONE) {
			sn->next[a] = sn->first[h];
			sn->first[h] = (uint32_t)a;
		}
	}
}

static char *xstrdup(const char *s, bool *ok)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*ok = false;
	return d;
}

static void rec_add_name(struct mk_asset_rec *rec, size_t cap, const struct inv_name *n, bool *ok)
{
	for (size_t i = 0; i < rec->n_names; i++)
		if (strcasecmp(rec->names[i].name, n->name) == 0)
			return;
	if (rec->n_names >= cap)
		return;
	if (rec->names == NULL && (rec->names = calloc(cap, sizeof(*rec->names))) == NULL) {
		*ok = false;
		return;
	}
	rec->names[rec->n_names].source = n->source;
	if ((rec->names[rec->n_names].name = xstrdup(n->name, ok)) != NULL)
		rec->n_names++;
}

static void rec_add_attr(struct mk_asset_rec *rec, size_t cap, const char *key, const char *val,
                         uint16_t source, bool *ok)
{
	struct mk_attr_rec *na;

	for (size_t i = 0; i < rec->n_attrs; i++)
		if (strcmp(rec->attrs[i].key, key) == 0 && strcmp(rec->attrs[i].value, val) == 0)
			return;
	if (rec->n_attrs >= cap)
		return;
	if ((na = realloc(rec->attrs, (rec->n_attrs + 1) * sizeof(*na))) == NULL) {
		*ok = false;
		return;
	}
	rec->attrs = na;
	na[rec->n_attrs].key = xstrdup(key, ok);
	na[rec->n_attrs].value = xstrdup(val, ok);
	na[rec->n_attrs].source = source;
	if (na[rec->n_attrs].key == NULL || na[rec->n_attrs].value == NULL) {
		free(na[rec->n_attrs].key);
		free(na[rec->n_attrs].value);
		return;
	}
	rec->n_attrs++;
}

/* Folds one info block into the record being built. */
static void rec_merge(struct snap *sn, struct mk_asset_rec *rec, const struct inv_info *x,
                      struct snap_roles *sr, const char **os, uint8_t *os_conf, bool *ok)
{
	const struct mk_inventory_limits *lim = &sn->inv->lim;

	if (x == NULL)
		return;
	/* Names are gathered here and added in arrival order at the end. */
	for (size_t i = 0; i < x->n_names; i++) {
		if (sn->n_names == sn->cap_names) {
			size_t ncap = sn->cap_names ? sn->cap_names * 2 : 16;
			const struct inv_name **nn = realloc(sn->names, ncap * sizeof(*nn));

			if (nn == NULL) {
				*ok = false;
				break;
			}
			sn->names = nn;
			sn->cap_names = ncap;
		}
		sn->names[sn->n_names++] = &x->names[i];
	}
	for (size_t i = 0; i < x->n_attrs; i++)
		rec_add_attr(rec, lim->max_attrs_per_asset, x->attrs[i].key, x->attrs[i].value,
		             x->attrs[i].source, ok);
	if (x->identity != NULL) {
		if (sn->n_ids == sn->cap_ids) {
			size_t ncap = sn->cap_ids ? sn->cap_ids * 2 : 8;
			const struct inv_info **ni = realloc(sn->ids, ncap * sizeof(*ni));

			if (ni == NULL) {
				*ok = false;
				return;
			}
			sn->ids = ni;
			sn->cap_ids = ncap;
		}
		sn->ids[sn->n_ids++] = x;
	}
	if (x->os != NULL && (*os == NULL || x->os_confidence > *os_conf)) {
		*os = x->os;
		*os_conf = x->os_confidence;
	}
	for (size_t i = 0; i < x->n_hints; i++) {
		const struct inv_hint *h = &x->hints[i];

		roles_add(sr, h->role, h->confidence, NULL);
		for (size_t j = 0; j < h->n_reasons; j++)
			roles_add(sr, h->role, h->confidence, h->reasons[j]);
	}
	for (size_t w = 0; w < MK_PROTO_SET_WORDS; w++) {
		rec->server.bits[w] |= x->server.bits[w];
		rec->client.bits[w] |= x->client.bits[w];
	}
	if (rec->vendor == NULL && x->vendor != NULL)
		rec->vendor = xstrdup(x->vendor, ok);
}

static bool rec_add_ip(struct mk_asset_rec *rec, const struct mk_addr *ip)
{
	struct mk_addr *na;

	for (size_t i = 0; i < rec->n_ips; i++)
		if (key_eq(&rec->ips[i], ip))
			return true;
	if ((na = realloc(rec->ips, (rec->n_ips + 1) * sizeof(*na))) == NULL)
		return false;
	rec->ips = na;
	rec->ips[rec->n_ips++] = *ip;
	return true;
}

static int cmp_addr(const void *x, const void *y)
{
	return mk_addr_cmp(x, y);
}

/* "10.0.0.5: 00:11:22:33:44:55 -> 00:66:77:88:99:aa" (oldest first) for an
 * IP that more than one device held; empty when it never moved. */
static bool ip_history(const struct snap *sn, const struct inv_asset *ip, char *buf, size_t len)
{
	char s[MK_ADDR_STRLEN];
	uint32_t who[INV_OWNERS];
	size_t n = 0, o;

	for (size_t k = 0; k < ip->u.i.n_owners; k++)
		if (may_own(sn, ip->u.i.owner[k], ip))
			who[n++] = ip->u.i.owner[k];
	if (n < 2)
		return false;
	o = (size_t)snprintf(buf, len, "%s:", mk_addr_str(&ip->key, s));
	for (size_t k = n; k-- > 0 && o < len;)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", k + 1 == n ? " " : " -> ",
		                      mk_addr_str(&sn->inv->a[who[k]].key, s));
	return true;
}

static uint8_t ttl_majority(const uint16_t *t)
{
	static const uint8_t cls[4] = {32, 64, 128, 255};
	int best = -1;

	for (int c = 0; c < 4; c++)
		if (t[c] > 0 && (best < 0 || t[c] > t[best]))
			best = c;
	return best < 0 ? 0 : cls[best];
}

static bool build_rec(struct snap *sn, uint32_t a, struct mk_asset_rec *rec)
{
	struct mk_inventory *inv = sn->inv;
	const struct inv_asset *as = &inv->a[a];
	struct snap_roles *sr = calloc(1, sizeof(*sr));
	char hist[INV_OWNERS][256];
	size_t n_hist = 0;
	const char *os = NULL;
	uint8_t os_conf = 0;
	uint16_t ttl[4] = {0};
	bool ok = sr != NULL;
	char s[MK_ADDR_STRLEN];
	char nbuf[96];

	memset(rec, 0, sizeof(*rec));
	sn->n_names = 0;
	sn->n_ids = 0;
	if (!ok)
		return false;
	rec->first_ns = as->first_ns;
	rec->last_ns = as->last_ns;
	rec->packets = as->packets;
	rec->bytes = as->bytes;
	rec_merge(sn, rec, as->x, sr, &os, &os_conf, &ok);
	if (as->kind == K_MAC) {
		snprintf(rec->id, sizeof(rec->id), "m-%02x%02x%02x%02x%02x%02x", as->key.a[0],
		         as->key.a[1], as->key.a[2], as->key.a[3], as->key.a[4], as->key.a[5]);
		rec->mac = as->key;
		rec->n_vlans = as->u.m.n_vlans;
		memcpy(rec->vlans, as->u.m.vlans, sizeof(rec->vlans));
		for (size_t i = 1; i < rec->n_vlans; i++) /* ascending */
			for (size_t j = i; j > 0 && rec->vlans[j] < rec->vlans[j - 1]; j--) {
				uint16_t t = rec->vlans[j];

				rec->vlans[j] = rec->vlans[j - 1];
				rec->vlans[j - 1] = t;
			}
		if (!sn->router[a]) {
			rec_merge(sn, rec, as->u.m.pubx, sr, &os, &os_conf, &ok);
			memcpy(ttl, as->ttl, sizeof(ttl));
		}
		for (uint32_t i = sn->first[a]; i != INV_NONE; i = sn->next[i]) {
			const struct inv_asset *ip = &inv->a[i];

			ok &= rec_add_ip(rec, &ip->key);
			rec_merge(sn, rec, ip->x, sr, &os, &os_conf, &ok);
			if (sn->router[a])
				for (int c = 0; c < 4; c++)
					ttl[c] = (uint16_t)(ttl[c] + ip->ttl[c] < UINT16_MAX ?
					                    ttl[c] + ip->ttl[c] : UINT16_MAX);
			if (n_hist < INV_OWNERS && ip_history(sn, ip, hist[n_hist], sizeof(hist[0])))
				n_hist++;
		}
		/* Public addresses without an IP object: its own, unless it is a
		 * router (then they are the internet behind it).  Plants often give
		 * devices static addresses outside RFC 1918, so a host that forwards
		 * nothing keeps the public addresses it sends from. */
		for (size_t i = 0; i < as->u.m.n_ips && !sn->router[a]; i++) {
			const struct inv_ipref *r = &as->u.m.ips[i];

			if (mk_addr_is_private(&r->ip) || tab_find(inv, &inv->ip_tab, &r->ip) != INV_NONE)
				continue;
			ok &= rec_add_ip(rec, &r->ip);
		}
		if (inv->oui != NULL) {
			const char *v = mk_oui_lookup(inv->oui, as->key.a);

			if (v != NULL) {
				free(rec->vendor);
				rec->vendor = xstrdup(v, &ok);
			}
		}
		if (sn->why_router[a] == 1) {
			snprintf(nbuf, sizeof(nbuf), "Fronts %u IP addresses", (unsigned)sn->nsrc[a]);
			roles_add(sr, MK_ROLE_ROUTER, inv->router_conf, nbuf);
		} else if (sn->why_router[a] == 2) {
			roles_add(sr, MK_ROLE_ROUTER, inv->router_conf,
			          "Forwards packets from public IP addresses to private ones (NAT gateway)");
		}
	} else {
		snprintf(rec->id, sizeof(rec->id), "i-%s", mk_addr_str(&as->key, s));
		ok &= rec_add_ip(rec, &as->key);
		memcpy(ttl, as->ttl, sizeof(ttl));
	}
	/* Host names in the order they were first heard, whichever address
	 * (MAC or IP) they came with. */
	if (sn->n_names > 1)
		qsort(sn->names, sn->n_names, sizeof(*sn->names), cmp_name_seq);
	for (size_t i = 0; i < sn->n_names; i++)
		rec_add_name(rec, inv->lim.max_names_per_asset, sn->names[i], &ok);
	/* Identity: the first heard fills first, later ones fill the gaps. */
	if (sn->n_ids > 1)
		qsort(sn->ids, sn->n_ids, sizeof(*sn->ids), cmp_id_seq);
	for (size_t i = 0; i < sn->n_ids && ok; i++) {
		const struct mk_identity_rec *from = sn->ids[i]->identity;
		struct mk_identity_rec *id = rec->identity;

		if (id == NULL) {
			if ((id = rec->identity = calloc(1, sizeof(*id))) == NULL) {
				ok = false;
				break;
			}
			id->source = from->source;
		}
		if (id->vendor == NULL)
			id->vendor = xstrdup(from->vendor, &ok);
		if (id->product == NULL)
			id->product = xstrdup(from->product, &ok);
		if (id->model == NULL)
			id->model = xstrdup(from->model, &ok);
		if (id->firmware == NULL)
			id->firmware = xstrdup(from->firmware, &ok);
		if (id->serial == NULL)
			id->serial = xstrdup(from->serial, &ok);
	}
	for (size_t i = 0; i < n_hist; i++)
		rec_add_attr(rec, inv->lim.max_attrs_per_asset + INV_OWNERS, "ip_mac_history", hist[i],
		             MK_PROTO_ARP, &ok);
	if (rec->n_ips > 1)
		qsort(rec->ips, rec->n_ips, sizeof(*rec->ips), cmp_addr);

	/* OS: a DHCP fingerprint, else the most confident OS fact, else an OS
	 * token in an SSH banner (first ssh_banner attribute that matches; the
	 * tokens are in data/fingerprints/os.fp), else the TTL class. */
	{
		struct mk_fp_match m;
		bool got = false;

		for (size_t i = 0; i < rec->n_attrs && !got && inv->fp != NULL; i++)
			if (strcmp(rec->attrs[i].key, "dhcp_parameter_list") == 0 &&
			    mk_fingerprints_dhcp(inv->fp, rec->attrs[i].value, &m)) {
				rec->os = xstrdup(m.os, &ok);
				rec->os_confidence = m.confidence;
				got = true;
			}
		if (!got && os != NULL) {
			rec->os = xstrdup(os, &ok);
			rec->os_confidence = os_conf;
			got = true;
		}
		for (size_t i = 0; i < rec->n_attrs && !got && inv->fp != NULL; i++)
			if (strcmp(rec->attrs[i].key, "ssh_banner") == 0 &&
			    mk_fingerprints_ssh(inv->fp, rec->attrs[i].value, &m)) {
				rec->os = xstrdup(m.os, &ok);
				rec->os_confidence = m.confidence;
				got = true;
			}
		if (!got && inv->fp != NULL && mk_fingerprints_ttl(inv->fp, ttl_majority(ttl), &m)) {
			rec->os = xstrdup(m.os, &ok);
			rec->os_confidence = m.confidence;
		}
	}

	/* Roles from the protocols it serves and uses. */
	for (size_t i = 0; i < inv->rules->n; i++) {
		const struct mk_role_rule *r = &inv->rules->rules[i];

		if (mk_proto_set_has(r->server ? &rec->server : &rec->client, r->proto))
			roles_add(sr, r->role, r->confidence, r->reason);
	}
	/* Weak hints from the maker of the network card. */
	for (size_t i = 0; rec->vendor != NULL && i < inv->rules->n_vendor_rules; i++) {
		const struct mk_role_vendor_rule *r = &inv->rules->vendor_rules[i];

		if (strcasestr(rec->vendor, r->needle) != NULL)
			roles_add(sr, r->role, r->confidence, r->reason);
	}
	{
		size_t n = 0;

		for (int r = 0; r < MK_ROLE_COUNT; r++)
			n += sr->set[r];
		if (n > 0 && (rec->roles = calloc(n, sizeof(*rec->roles))) == NULL)
			ok = false;
		for (int r = 0; r < MK_ROLE_COUNT && rec->roles != NULL; r++) {
			struct mk_role_rec *rr;

			if (!sr->set[r])
				continue;
			rr = &rec->roles[rec->n_roles++];
			rr->role = (uint8_t)r;
			rr->confidence = sr->conf[r];
			if (sr->n[r] > 0 && (rr->reasons = calloc(sr->n[r], sizeof(char *))) == NULL) {
				ok = false;
				continue;
			}
			for (size_t j = 0; j < sr->n[r]; j++)
				if ((rr->reasons[rr->n_reasons] = xstrdup(sr->reasons[r][j], &ok)) != NULL)
					rr->n_reasons++;
		}
		/* Highest confidence first; ties by role id for stable output. */
		for (size_t i = 1; i < rec->n_roles; i++)
			for (size_t j = i; j > 0 && rec->roles[j].confidence > rec->roles[j - 1].confidence;
			     j--) {
				struct mk_role_rec t = rec->roles[j];

				rec->roles[j] = rec->roles[j - 1];
				rec->roles[j - 1] = t;
			}
	}
	free(sr);
	return ok;
}

static int cmp_rec(const void *x, const void *y)
{
	return strcmp(((const struct mk_asset_rec *)x)->id, ((const struct mk_asset_rec *)y)->id);
}

size_t mk_inventory_snapshot(struct mk_inventory *inv, struct mk_asset_rec **out)
{
	struct snap sn = {.inv = inv};
	struct mk_asset_rec *recs = NULL;
	size_t n = 0, want = 0;
	bool ok = true;

	if (out != NULL)
		*out = NULL;
	if (inv == NULL || out == NULL)
		return 0;
	if (inv->n == 0)
		return 0;
	sn.router = calloc(inv->n, 1);
	sn.why_router = calloc(inv->n, 1);
	sn.nsrc = calloc(inv->n, sizeof(uint32_t));
	sn.home = calloc(inv->n, sizeof(uint32_t));
	sn.first = calloc(inv->n, sizeof(uint32_t));
	sn.next = calloc(inv->n, sizeof(uint32_t));
	if (sn.router == NULL || sn.why_router == NULL || sn.nsrc == NULL || sn.home == NULL ||
	    sn.first == NULL || sn.next == NULL) {
		ok = false;
		goto out_free;
	}
	decide_routers(&sn);
	decide_homes(&sn);
	for (size_t a = 0; a < inv->n; a++) {
		const struct inv_asset *as = &inv->a[a];

		if (as->kind == K_MAC ||
		    ((as->flags & F_PRESENT) && sn.home[a] == INV_NONE && mk_addr_is_private(&as->key)))
			want++;
	}
	if (want > 0 && (recs = calloc(want, sizeof(*recs))) == NULL) {
		ok = false;
		goto out_free;
	}
	for (size_t a = 0; a < inv->n && ok; a++) {
		const struct inv_asset *as = &inv->a[a];

		if (!(as->kind == K_MAC ||
		      ((as->flags & F_PRESENT) && sn.home[a] == INV_NONE && mk_addr_is_private(&as->key))))
			continue;
		ok = build_rec(&sn, (uint32_t)a, &recs[n]);
		n++;
	}
	if (ok && n > 1)
		qsort(recs, n, sizeof(*recs), cmp_rec);
out_free:
	free(sn.router);
	free(sn.why_router);
	free(sn.nsrc);
	free(sn.home);
	free(sn.first);
	free(sn.next);
	free(sn.names);
	free(sn.ids);
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			mk_asset_rec_clear(&recs[i]);
		free(recs);
		return (size_t)-1;
	}
	*out = recs;
	return n;
}

void mk_inventory_each_total(const struct mk_inventory *inv, mk_inventory_total_cb cb, void *ctx)
{
	struct mk_inventory_total t;

	for (size_t a = 0; inv != NULL && a < inv->n; a++) {
		const struct inv_asset *as = &inv->a[a];

		memset(&t, 0, sizeof(t));
		if (as->kind == K_MAC) {
			t.by_mac = true;
			if (as->u.m.n_ips > 0)
				t.ip = as->u.m.ips[0].ip;
		} else if (!(as->flags & F_PRESENT) || !mk_addr_is_private(&as->key)) {
			continue;
		} else {
			t.ip = as->key;
		}
		t.key = as->key;
		t.first_ns = as->first_ns;
		t.last_ns = as->last_ns;
		t.bytes = as->bytes;
		cb(ctx, &t);
	}
}

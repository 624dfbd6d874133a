/* inventory.h - merges packets and facts into assets.
 *
 * Assets are keyed by MAC on the local segment.  A MAC that fronts many IP
 * addresses is a router: its own addresses are those it announces (ARP, DHCP,
 * LLDP management address), the others belong to hosts behind it, which become
 * assets keyed by IP (private and link-local addresses only: remote internet
 * hosts are not assets).  The decision is made at snapshot time, from bounded
 * per-MAC address sets, so the order of packets does not matter.
 *
 * Choices the JSON relies on (src/inventory/inventory.c has the details):
 *  - packets/bytes count what an asset sent and received; first/last seen only
 *    what it sent.  Destinations never create assets.
 *  - Every private/link-local IP that sent a packet (or was announced) is in
 *    exactly one asset: the last non-router MAC that sourced it, a router only if
 *    the router announced it (ARP, DHCP, LLDP binding), else its own "i-<ip>".
 *    A move between MACs is kept as the attribute "ip_mac_history".
 *  - A router: >= router_min_ips distinct sourced IPv4 addresses (or IPv6 /64
 *    prefixes), or it forwards from a public IPv4 source to a private IPv4
 *    destination (NAT), or a router role fact says so (LLDP/CDP capabilities).
 *    A non-router keeps every address it sends from, public ones included
 *    (plants use static addresses outside RFC 1918).
 *  - Facts about an internet (public, unannounced) address are dropped; facts
 *    about a private address that has not spoken wait (max_pending_ips).
 *  - OS: a DHCP option-55 fingerprint (attribute "dhcp_parameter_list") beats
 *    OS facts, which beat the TTL class.  Roles come from data/rules/roles.tsv
 *    and role facts, max confidence per role; no evidence gives no roles ([]).
 *  - Flows add their app_proto to the client's and server's sets, except
 *    MK_PROTO_UNKNOWN.
 *  - Records come out sorted by id; ids are "m-<12 hex>" and "i-<ip text>".
 *  - A MAC asset keeps the VLAN ids (innermost 802.1Q tag, 1-4094) it sent
 *    from, the first MK_ASSET_MAX_VLANS of them; noted when a flow's first
 *    packet from it is seen (flowless frames: each), so the cost per packet is
 *    one test.  IP-keyed assets (behind a router) have none: their frames
 *    were the router's.
 */
#ifndef MIERUKA_INVENTORY_H
#define MIERUKA_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/facts.h"
#include "mieruka/model.h"
#include "mieruka/pkt.h"

struct mk_flow;
struct mk_oui;
struct mk_fingerprints;

struct mk_inventory_limits {
	size_t max_assets;          /* MACs and IPs tracked; beyond: counted as dropped */
	size_t max_ips_per_mac;     /* distinct IPs remembered per MAC */
	size_t max_names_per_asset;
	uint32_t router_min_ips;    /* distinct source IPs that make a MAC a router;
	                               0 = data/rules/roles.tsv "set router_min_ips" (else 4) */
	size_t max_attrs_per_asset;
	size_t max_pending_ips;     /* private IPs named by facts before they sent a packet */
};
void mk_inventory_limits_default(struct mk_inventory_limits *lim);

struct mk_inventory_stats {
	uint64_t assets, dropped_assets, dropped_ips, dropped_names;
	uint64_t dropped_attrs;     /* attributes beyond max_attrs_per_asset */
	uint64_t dropped_facts;     /* facts about no local asset (e.g. internet hosts) */
	uint64_t dropped_vlans;     /* VLAN ids beyond MK_ASSET_MAX_VLANS (per new flow) */
};

struct mk_inventory;

/* oui and fp may be NULL (no vendor names / no OS fingerprints). Borrowed. */
struct mk_inventory *mk_inventory_new(const struct mk_inventory_limits *lim,
                                      const struct mk_oui *oui,
                                      const struct mk_fingerprints *fp);
void mk_inventory_free(struct mk_inventory *inv);

/* Records who sent the packet (MAC, IP, TTL, size, time). */
void mk_inventory_packet(struct mk_inventory *inv, const struct mk_pkt *pkt);
/* The same, with the flow's remembered asset objects of the sender and the
 * receiver: what it finds is written back, so the next packet of the flow
 * needs no hash lookup.  Any value is safe (each is checked against its key);
 * NULL refs behave like mk_inventory_packet(). */
struct mk_inventory_refs;
void mk_inventory_packet_refs(struct mk_inventory *inv, const struct mk_pkt *pkt,
                              struct mk_inventory_refs *src, struct mk_inventory_refs *dst);
/* A fact whose host is already resolved (kind MK_HOST_EXPLICIT). */
void mk_inventory_fact(struct mk_inventory *inv, const struct mk_fact *fact, uint64_t ts_ns);
/* A flow ended: its client and server learn which protocol they spoke. */
void mk_inventory_flow(struct mk_inventory *inv, const struct mk_flow *flow);
/* Seeds the inventory with an asset from an earlier run (same database). */
void mk_inventory_load(struct mk_inventory *inv, const struct mk_asset_rec *rec);

/* Decides routers and roles and returns every asset as records (caller frees
 * each with mk_asset_rec_clear() and the array with free()).  Returns the count,
 * or (size_t)-1 on ENOMEM. */
size_t mk_inventory_snapshot(struct mk_inventory *inv, struct mk_asset_rec **out);
const struct mk_inventory_stats *mk_inventory_stats(const struct mk_inventory *inv);

/* Running totals of one object, for coarse periodic work (the detector's
 * volume and silence tick), not for the packet path: every MAC object and
 * every private IP object that spoke, without deciding routers (so an IP
 * object may belong to a MAC asset; its id "i-<ip>" then names no asset). */
struct mk_inventory_total {
	struct mk_addr key; /* the MAC (id "m-<hex>") or the IP (id "i-<ip>") */
	struct mk_addr ip;  /* an address to show: the IP, or the MAC's first IP (else NONE) */
	bool by_mac;
	uint64_t first_ns, last_ns, bytes;
};
typedef void (*mk_inventory_total_cb)(void *ctx, const struct mk_inventory_total *t);
/* O(objects), no allocation. */
void mk_inventory_each_total(const struct mk_inventory *inv, mk_inventory_total_cb cb, void *ctx);
/* Heap bytes held by the inventory (tables, assets and what they own). */
size_t mk_inventory_memory(const struct mk_inventory *inv);

#endif /* MIERUKA_INVENTORY_H */

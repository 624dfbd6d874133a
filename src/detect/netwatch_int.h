/* netwatch_int.h - the network-level detectors of src/detect/netwatch.c:
 * ip_mac_change (an IPv4 or IPv6 address answered by another MAC, ARP or NDP
 * spoofing),
 * rogue_dhcp (a second DHCP server on a segment) and lateral_movement (one
 * client opening remote-administration sessions to many internal hosts).
 * Internal to src/detect; detect.c calls these from its own entry points, and
 * the tests include this header. */
#ifndef MIERUKA_NETWATCH_INT_H
#define MIERUKA_NETWATCH_INT_H

#include "mieruka/detect.h"
#include "mieruka/facts.h"
#include "mieruka/flow.h"
#include "mieruka/model.h"
#include "mieruka/pkt.h"

struct mk_netwatch;

/* Sizes its tables from the rules of d (data/rules/detect.tsv); what the caps
 * drop is counted in *stats.  NULL on ENOMEM. */
struct mk_netwatch *mk_netwatch_new(struct mk_detect *d, struct mk_detect_stats *stats);
void mk_netwatch_free(struct mk_netwatch *nw);

/* A decoded ARP packet: the sender's address claim.  O(1). */
void mk_netwatch_arp(struct mk_netwatch *nw, const struct mk_pkt *pkt);
/* A decoded IPv6 neighbour discovery message (MK_L_NDP): NS and NA address
 * claims, RA default routers.  O(1). */
void mk_netwatch_ndp(struct mk_netwatch *nw, const struct mk_pkt *pkt);
/* An ended flow: answered remote-administration sessions.  O(1). */
void mk_netwatch_flow_ended(struct mk_netwatch *nw, const struct mk_flow *f);
/* An attribute fact with its host resolved: DHCP server replies (dhcp_server,
 * dhcp_relay_agent) and the routers DHCP hands out (dhcp_router).  O(1) for
 * every other fact. */
void mk_netwatch_attr(struct mk_netwatch *nw, const struct mk_fact *f, const struct mk_pkt *pkt);
/* Before the alerts are copied out: ARP spoofing of a gateway or of a server
 * most others talk to becomes critical (judged from the records). */
void mk_netwatch_snapshot(struct mk_netwatch *nw, const struct mk_asset_rec *assets,
                          size_t n_assets, const struct mk_conv_rec *convs, size_t n_convs);

#endif /* MIERUKA_NETWATCH_INT_H */

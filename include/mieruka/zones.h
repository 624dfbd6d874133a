/* zones.h - zones and conduits (src/detect/zones.c).
 *
 * A zone is a named group of devices ("事務所", "ライン1", "保守"): its members
 * are subnets (IPv4/IPv6 CIDR), VLAN ids and single assets (a MAC or an IP
 * address).  A conduit allows the clients of one zone to reach the servers of
 * another, optionally only over some protocols and ports.  Every conversation
 * whose client and server sit in two different zones and that no conduit
 * allows is a zone_violation alert (src/detect/detect.c).
 *
 * The set is written by people in the zone file format (data/examples/zones.conf
 * documents it), kept in the database (store.h put_zones/get_zones) so the
 * dashboard can edit it later, and printed back in the same format.
 *
 * Which zone holds an address: an explicit asset line wins (by the IP itself,
 * or by the MAC, IP or id of the asset that holds the address); then the
 * asset's VLANs (mk_asset_rec.vlans, the 802.1Q ids it sent from), when every
 * one of them is in the same zone; otherwise the longest matching subnet;
 * otherwise none.  So asset line > VLAN > subnet: a VLAN is the switch's
 * decision about where a device is, a subnet only what it was configured with
 * (one /24 is often split over VLANs by a bridging firewall, or several VLANs
 * share a plan of addresses), and an asset line is a person's.
 */
#ifndef MIERUKA_ZONES_H
#define MIERUKA_ZONES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mieruka/model.h"

#define MK_ZONE_ID_LEN 32    /* ASCII letters, digits, '_', '-', '.': at most 31 */
#define MK_ZONE_NAME_LEN 128 /* UTF-8: at most 127 bytes */
#define MK_ZONES_MAX_ZONES 256
#define MK_ZONES_MAX_MEMBERS 16384
#define MK_ZONES_MAX_CONDUITS 4096
#define MK_ZONES_MAX_SERVICES 32 /* per conduit line */
#define MK_ZONES_MAX_LINE 4096   /* bytes per line of a zone file */

struct mk_zones;

struct mk_zones *mk_zones_new(void);
void mk_zones_free(struct mk_zones *z);

/* Adds one line of the zone file format (without its line end; comments and
 * blank lines are accepted and ignored).  0, or -1 with the reason in why
 * (current language, the offending word after ": "); z is unchanged then. */
int mk_zones_parse_line(struct mk_zones *z, const char *line, char *why, size_t whylen);
/* A whole file (UTF-8; a leading BOM and CRLF line ends are accepted).  NULL
 * with "NAME:LINE: reason" in err on the first bad line, or when the file
 * cannot be read or memory runs out. */
struct mk_zones *mk_zones_parse(const char *text, size_t len, const char *name, char *err,
                                size_t errlen);
struct mk_zones *mk_zones_load(const char *path, char *err, size_t errlen);
/* Prints the set in the file format (zones with their members, then the
 * conduits).  0 or -1 (I/O). */
int mk_zones_write(FILE *f, const struct mk_zones *z);

size_t mk_zones_count(const struct mk_zones *z); /* 0 for NULL */
const char *mk_zones_id(const struct mk_zones *z, size_t zone);
const char *mk_zones_name(const struct mk_zones *z, size_t zone);
int mk_zones_find(const struct mk_zones *z, const char *id); /* -1 when unknown */

/* Members and conduits as the file writes them, for the store: kind is
 * "subnet", "vlan" or "asset", value its text ("192.168.10.0/24", "10",
 * "00:1b:1b:12:34:56"); services are the conduit's words joined by spaces,
 * "" = any. */
size_t mk_zones_n_members(const struct mk_zones *z);
void mk_zones_member(const struct mk_zones *z, size_t i, size_t *zone, const char **kind,
                     char *value, size_t len);
size_t mk_zones_n_conduits(const struct mk_zones *z);
void mk_zones_conduit(const struct mk_zones *z, size_t i, size_t *from, size_t *to, char *services,
                      size_t len);

/* Does a conduit let clients of zone from reach servers of zone to with this
 * conversation (proto: enum mk_proto_id; transport 6/17/0; server port)? */
bool mk_zones_allows(const struct mk_zones *z, size_t from, size_t to, uint16_t proto,
                     uint8_t transport, uint16_t port);

/* The zones of one set of records: built once per snapshot or report
 * (O((members + addresses) log n)), then each lookup is a few binary searches.
 * assets is borrowed and must outlive the map. */
struct mk_zones_map;
struct mk_zones_map *mk_zones_map_new(const struct mk_zones *z, const struct mk_asset_rec *assets,
                                      size_t n_assets);
void mk_zones_map_free(struct mk_zones_map *m);
/* Zone of assets[i], or -1: an asset line naming its MAC, id or one of its
 * IPs, else the zone of all its VLANs, else the longest subnet holding one of
 * its IPs. */
int mk_zones_map_asset(const struct mk_zones_map *m, size_t i);
/* Zone of a conversation endpoint (IP, or MAC for L2), or -1: an asset line
 * naming the address, else the zone of the asset holding it by asset line or
 * VLAN, else (IP) the longest subnet holding the address itself. */
int mk_zones_map_addr(const struct mk_zones_map *m, const struct mk_addr *a);

#endif /* MIERUKA_ZONES_H */

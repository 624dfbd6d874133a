/* addr.h - one address type for MAC, IPv4 and IPv6 endpoints. */
#ifndef MIERUKA_ADDR_H
#define MIERUKA_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mk_af {
	MK_AF_NONE = 0,
	MK_AF_MAC = 1,  /* a[0..5] */
	MK_AF_INET = 4, /* a[0..3], network order */
	MK_AF_INET6 = 6,
};

struct mk_addr {
	uint8_t family; /* enum mk_af */
	uint8_t a[16];
};

#define MK_ADDR_STRLEN 46 /* fits INET6_ADDRSTRLEN and a MAC */

void mk_addr_set_mac(struct mk_addr *addr, const uint8_t mac[6]);
void mk_addr_set_ip4(struct mk_addr *addr, const uint8_t ip[4]);
void mk_addr_set_ip6(struct mk_addr *addr, const uint8_t ip[16]);
bool mk_addr_eq(const struct mk_addr *x, const struct mk_addr *y);
int mk_addr_cmp(const struct mk_addr *x, const struct mk_addr *y);
uint32_t mk_addr_hash(const struct mk_addr *addr, uint32_t seed);

/* Formats as "00:1b:1b:12:34:56", dotted IPv4 or RFC 5952 IPv6.  Returns buf. */
char *mk_addr_str(const struct mk_addr *addr, char buf[MK_ADDR_STRLEN]);
/* Parses any of the three forms; returns false on bad text. */
bool mk_addr_parse(struct mk_addr *addr, const char *text);

/* RFC 1918, RFC 6598 shared, 169.254/16 link-local, fc00::/7 and fe80::/10. */
bool mk_addr_is_private(const struct mk_addr *addr);
/* Multicast/broadcast/unspecified/loopback: never an asset's own address. */
bool mk_addr_is_special(const struct mk_addr *addr);
bool mk_mac_is_unicast(const uint8_t mac[6]);

#endif /* MIERUKA_ADDR_H */

/* addr.c - formatting, parsing and classifying MAC/IPv4/IPv6 addresses. */
#include "mieruka/addr.h"
#include "mieruka/util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

void mk_addr_set_mac(struct mk_addr *addr, const uint8_t mac[6])
{
	memset(addr, 0, sizeof(*addr));
	addr->family = MK_AF_MAC;
	memcpy(addr->a, mac, 6);
}

void mk_addr_set_ip4(struct mk_addr *addr, const uint8_t ip[4])
{
	memset(addr, 0, sizeof(*addr));
	addr->family = MK_AF_INET;
	memcpy(addr->a, ip, 4);
}

void mk_addr_set_ip6(struct mk_addr *addr, const uint8_t ip[16])
{
	addr->family = MK_AF_INET6;
	memcpy(addr->a, ip, 16);
}

/* Addresses are always stored with unused bytes zeroed, so whole-struct
 * comparison is exact. */
bool mk_addr_eq(const struct mk_addr *x, const struct mk_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, sizeof(x->a)) == 0;
}

int mk_addr_cmp(const struct mk_addr *x, const struct mk_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, sizeof(x->a));
}

uint32_t mk_addr_hash(const struct mk_addr *addr, uint32_t seed)
{
	/* FNV-1a over the used bytes: cheap and good enough for asset tables. */
	uint32_t h = 2166136261u ^ seed;
	size_t n = addr->family == MK_AF_INET6 ? 16 : addr->family == MK_AF_MAC ? 6 : 4;

	h = (h ^ addr->family) * 16777619u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ addr->a[i]) * 16777619u;
	return h;
}

char *mk_addr_str(const struct mk_addr *addr, char buf[MK_ADDR_STRLEN])
{
	switch (addr->family) {
	case MK_AF_MAC:
		snprintf(buf, MK_ADDR_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", addr->a[0], addr->a[1],
		         addr->a[2], addr->a[3], addr->a[4], addr->a[5]);
		break;
	case MK_AF_INET:
		snprintf(buf, MK_ADDR_STRLEN, "%u.%u.%u.%u", addr->a[0], addr->a[1], addr->a[2],
		         addr->a[3]);
		break;
	case MK_AF_INET6:
		/* glibc's inet_ntop follows RFC 5952 (lower case, longest zero run). */
		if (inet_ntop(AF_INET6, addr->a, buf, MK_ADDR_STRLEN) == NULL)
			snprintf(buf, MK_ADDR_STRLEN, "?");
		break;
	default:
		snprintf(buf, MK_ADDR_STRLEN, "-");
		break;
	}
	return buf;
}

static bool parse_mac(struct mk_addr *addr, const char *text)
{
	uint8_t mac[6];

	if (strlen(text) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = mk_hex_digit(text[i * 3]), lo = mk_hex_digit(text[i * 3 + 1]);
		char sep = text[i * 3 + 2];

		if (hi < 0 || lo < 0 || (i < 5 && sep != ':' && sep != '-'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	mk_addr_set_mac(addr, mac);
	return true;
}

bool mk_addr_parse(struct mk_addr *addr, const char *text)
{
	uint8_t buf[16];

	memset(addr, 0, sizeof(*addr));
	if (text == NULL)
		return false;
	if (inet_pton(AF_INET, text, buf) == 1) {
		mk_addr_set_ip4(addr, buf);
		return true;
	}
	if (inet_pton(AF_INET6, text, buf) == 1) {
		mk_addr_set_ip6(addr, buf);
		return true;
	}
	return parse_mac(addr, text);
}

bool mk_addr_is_private(const struct mk_addr *addr)
{
	const uint8_t *a = addr->a;

	if (addr->family == MK_AF_INET)
		return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
		       (a[0] == 100 && (a[1] & 0xc0) == 64);
	if (addr->family == MK_AF_INET6)
		return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
	return false;
}

bool mk_addr_is_special(const struct mk_addr *addr)
{
	static const uint8_t zero[16];
	const uint8_t *a = addr->a;

	if (addr->family == MK_AF_INET)
		return a[0] == 0 || a[0] == 127 || a[0] >= 224 ||
		       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
	if (addr->family == MK_AF_INET6)
		return a[0] == 0xff || memcmp(a, zero, 16) == 0 ||
		       (memcmp(a, zero, 15) == 0 && a[15] == 1);
	if (addr->family == MK_AF_MAC)
		return !mk_mac_is_unicast(a);
	return true;
}

bool mk_mac_is_unicast(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return (mac[0] & 1) == 0 && memcmp(mac, zero, 6) != 0;
}

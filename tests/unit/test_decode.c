/* test_decode.c - unit tests of mk_decode(): every link type and layer with
 * annotated frames, anomalies, and a loop over every truncation length of each
 * valid frame with the documented result (see the comment atop src/decode/decode.c). */
#include "mieruka/decode.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/pkt.h"

/* ---- harness ---- */

/* The frame under test lives in an exact-size heap copy so ASan sees any read past
 * caplen; it stays alive until the next decode so payload pointers can be checked. */
static uint8_t *copy_buf;

static enum mk_decode_result decode_bytes(struct mk_decoder *dec, struct mk_pkt *pkt, uint16_t link,
					  const uint8_t *bytes, size_t caplen, size_t wirelen)
{
	free(copy_buf);
	copy_buf = malloc(caplen > 0 ? caplen : 1);
	assert_non_null(copy_buf);
	if (caplen > 0)
		memcpy(copy_buf, bytes, caplen);
	memset(pkt, 0, sizeof(*pkt));
	pkt->data = caplen > 0 ? copy_buf : NULL;
	pkt->caplen = (uint32_t)caplen;
	pkt->wirelen = (uint32_t)wirelen;
	pkt->linktype = link;
	return mk_decode(dec, pkt);
}

static struct mk_decoder *new_decoder(void)
{
	struct mk_decoder *dec = mk_decoder_new(NULL);

	assert_non_null(dec);
	return dec;
}

static int teardown_buf(void **state)
{
	(void)state;
	free(copy_buf);
	copy_buf = NULL;
	return 0;
}

#define MAC_PLC 0x00, 0x1b, 0x1b, 0x12, 0x34, 0x56 /* Siemens OUI */
#define MAC_HMI 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc /* VMware OUI */
#define IP_HMI 192, 168, 0, 10
#define IP_PLC 192, 168, 0, 20

/* ---- frames ---- */

/* Ethernet II / IPv4 / TCP with one option / 5 payload bytes (Modbus port). */
static const uint8_t eth_ipv4_tcp[] = {
	/* Ethernet: dst, src, EtherType IPv4 */
	MAC_PLC, MAC_HMI, 0x08, 0x00,
	/* IPv4: version 4 IHL 5, DSCP 0, total length 49, id 0x1234, DF, TTL 64, TCP, checksum */
	0x45, 0x00, 0x00, 0x31, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	/* src 192.168.0.10, dst 192.168.0.20 */
	IP_HMI, IP_PLC,
	/* TCP: sport 50000, dport 502, seq 1, ack 2 */
	0xc3, 0x50, 0x01, 0xf6, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	/* data offset 6 (24 bytes), flags PSH|ACK, window 8192, checksum, urgent */
	0x60, 0x18, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* option: MSS 1460 */
	0x02, 0x04, 0x05, 0xb4,
	/* payload */
	'h', 'e', 'l', 'l', 'o',
};

/* Ethernet / IPv4 / UDP with 2 payload bytes, padded to the 60-byte minimum. */
static const uint8_t eth_ipv4_udp_padded[] = {
	/* Ethernet */
	MAC_PLC, MAC_HMI, 0x08, 0x00,
	/* IPv4: IHL 5, total length 30, id 1, no flags, TTL 128, UDP */
	0x45, 0x00, 0x00, 0x1e, 0x00, 0x01, 0x00, 0x00, 0x80, 0x11, 0x00, 0x00, IP_HMI, IP_PLC,
	/* UDP: sport 47808, dport 47808 (BACnet), length 10, checksum */
	0xba, 0xc0, 0xba, 0xc0, 0x00, 0x0a, 0x00, 0x00,
	/* payload */
	0x81, 0x0b,
	/* Ethernet padding: 16 bytes, not payload */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* QinQ: 802.1ad S-tag VID 100, 802.1Q C-tag PCP 1 VID 200, IPv4 / UDP (SNMP). */
static const uint8_t eth_qinq_udp[] = {
	MAC_PLC, MAC_HMI,
	/* S-tag: TPID 0x88a8, TCI VID 100 */
	0x88, 0xa8, 0x00, 0x64,
	/* C-tag: TPID 0x8100, TCI PCP 1 VID 200 */
	0x81, 0x00, 0x20, 0xc8,
	/* EtherType IPv4 */
	0x08, 0x00,
	/* IPv4: total length 32, TTL 64, UDP */
	0x45, 0x00, 0x00, 0x20, 0x00, 0x02, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, IP_HMI, IP_PLC,
	/* UDP: sport 40000, dport 161, length 12 */
	0x9c, 0x40, 0x00, 0xa1, 0x00, 0x0c, 0x00, 0x00,
	/* payload */
	0x30, 0x02, 0x01, 0x00,
};

/* Three tags (0x9100 VID 10, 0x88a8 VID 20, 0x8100 VID 30) then LLDP: only the
 * first MK_VLAN_MAX ids are kept. */
static const uint8_t eth_3vlan_lldp[] = {
	0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, MAC_PLC,
	0x91, 0x00, 0x00, 0x0a, /* old QinQ TPID, VID 10 */
	0x88, 0xa8, 0x00, 0x14, /* 802.1ad, VID 20 */
	0x81, 0x00, 0x00, 0x1e, /* 802.1Q, VID 30 */
	0x88, 0xcc,             /* LLDP */
	/* LLDP: chassis id TLV (type 1, length 7, subtype 4 MAC), end TLV */
	0x02, 0x07, 0x04, MAC_PLC, 0x00, 0x00,
};

/* LLDP straight on Ethernet. */
static const uint8_t eth_lldp[] = {
	0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, MAC_PLC, 0x88, 0xcc,
	/* chassis id TLV: type 1 length 7, subtype 4 (MAC) */
	0x02, 0x07, 0x04, MAC_PLC,
	/* end of LLDPDU */
	0x00, 0x00,
};

/* CDP: 802.3 length frame, LLC AA-AA-03, SNAP OUI 00000c (Cisco) PID 0x2000. */
static const uint8_t eth_snap_cdp[] = {
	0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc, MAC_HMI,
	0x00, 0x10,             /* 802.3 length 16: LLC 3 + SNAP 5 + CDP 8 */
	0xaa, 0xaa, 0x03,       /* DSAP SNAP, SSAP SNAP, control UI */
	0x00, 0x00, 0x0c,       /* OUI Cisco */
	0x20, 0x00,             /* PID CDP */
	/* CDP: version 2, TTL 180, checksum, TLV device id (type 1, length 4: empty) */
	0x02, 0xb4, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04,
	/* padding past the 802.3 length */
	0xee, 0xee, 0xee, 0xee,
};

/* STP configuration BPDU: 802.3 length 38, LLC DSAP/SSAP 0x42, control UI. */
static const uint8_t eth_llc_stp[] = {
	0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, MAC_HMI,
	0x00, 0x26,             /* length 38 = LLC 3 + BPDU 35 */
	0x42, 0x42, 0x03,       /* DSAP STP, SSAP STP, UI */
	0x00, 0x00, 0x00, 0x00, /* protocol id 0, version 0, type 0 (config) */
	0x00,                   /* flags */
	0x80, 0x00, MAC_HMI,    /* root id */
	0x00, 0x00, 0x00, 0x00, /* root path cost */
	0x80, 0x00, MAC_HMI,    /* bridge id */
	0x80, 0x01,             /* port id */
	0x00, 0x00, 0x14, 0x00, 0x02, 0x00, 0x0f, 0x00, /* message age, max age, hello, forward delay */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* padding to 60 */
};

/* RFC 1042 encapsulation: SNAP OUI 0, PID 0x0800 -> IPv4 / ICMP echo request. */
static const uint8_t eth_snap_ipv4_icmp[] = {
	MAC_PLC, MAC_HMI,
	0x00, 0x24,                   /* length 36: LLC/SNAP 8 + IPv4 28 */
	0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00, /* LLC, OUI 0, PID IPv4 */
	/* IPv4: total length 28, TTL 255, ICMP */
	0x45, 0x00, 0x00, 0x1c, 0x00, 0x03, 0x00, 0x00, 0xff, 0x01, 0x00, 0x00, IP_HMI, IP_PLC,
	/* ICMP: echo request (8), code 0, checksum, id 1, seq 1 */
	0x08, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* ARP request "who has 192.168.0.20, tell 192.168.0.10", padded to 60. */
static const uint8_t eth_arp[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, MAC_HMI, 0x08, 0x06,
	0x00, 0x01,             /* hardware Ethernet */
	0x08, 0x00,             /* protocol IPv4 */
	0x06, 0x04,             /* hlen 6, plen 4 */
	0x00, 0x01,             /* request */
	MAC_HMI, IP_HMI,        /* sender */
	0, 0, 0, 0, 0, 0, IP_PLC, /* target */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* padding */
};

/* Linux cooked v1 (SLL): sent by us, ARPHRD_ETHER, 6-byte address, IPv4 / UDP DNS. */
static const uint8_t sll_ipv4_udp[] = {
	0x00, 0x04,             /* packet type: outgoing */
	0x00, 0x01,             /* ARPHRD_ETHER */
	0x00, 0x06,             /* address length */
	MAC_HMI, 0x00, 0x00,    /* address, padded to 8 */
	0x08, 0x00,             /* protocol IPv4 */
	/* IPv4: total length 32, TTL 64, UDP */
	0x45, 0x00, 0x00, 0x20, 0x00, 0x04, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, IP_HMI, IP_PLC,
	/* UDP: sport 5353, dport 53, length 12 */
	0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00,
	0xde, 0xad, 0xbe, 0xef,
};

#define IP6_LL 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x1b, 0x1b, 0xff, 0xfe, 0x12, 0x34, 0x56
#define IP6_ALLNODES 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01

/* Linux cooked v2 (SLL2): IPv6 / ICMPv6 echo request. */
static const uint8_t sll2_ipv6_icmp6[] = {
	0x86, 0xdd,             /* protocol IPv6 */
	0x00, 0x00,             /* reserved */
	0x00, 0x00, 0x00, 0x02, /* interface index 2 */
	0x00, 0x01,             /* ARPHRD_ETHER */
	0x00,                   /* packet type: to us */
	0x06,                   /* address length */
	MAC_PLC, 0x00, 0x00,    /* address */
	/* IPv6: version 6, payload length 8, next header ICMPv6, hop limit 255 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3a, 0xff, IP6_LL, IP6_ALLNODES,
	/* ICMPv6: echo request (128), code 0, checksum, id 7, seq 1 */
	0x80, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01,
};

/* BSD NULL, family 2 written little-endian, IPv4 / ICMP echo reply. */
static const uint8_t null_le_ipv4_icmp[] = {
	0x02, 0x00, 0x00, 0x00, /* AF_INET, little-endian host */
	0x45, 0x00, 0x00, 0x1c, 0x00, 0x05, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, 127, 0, 0, 1, 127, 0, 0, 1,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, /* ICMP echo reply */
};

/* BSD NULL written by a big-endian host: family 2 as 00 00 00 02. */
static const uint8_t null_be_ipv4_icmp[] = {
	0x00, 0x00, 0x00, 0x02,
	0x45, 0x00, 0x00, 0x1c, 0x00, 0x05, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, 127, 0, 0, 1, 127, 0, 0, 1,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* BSD NULL, family 30 (Darwin AF_INET6) little-endian, IPv6 / UDP. */
static const uint8_t null_ipv6_udp[] = {
	0x1e, 0x00, 0x00, 0x00,
	/* IPv6: payload length 10, UDP, hop limit 64, ::1 -> ::1 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x11, 0x40,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	/* UDP: sport 1000, dport 2000, length 10, payload 2 */
	0x03, 0xe8, 0x07, 0xd0, 0x00, 0x0a, 0x00, 0x00, 0x61, 0x62,
};

/* OpenBSD LOOP: family 24 (AF_INET6) in network order, IPv6 / UDP. */
static const uint8_t loop_ipv6_udp[] = {
	0x00, 0x00, 0x00, 0x18,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x11, 0x40,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x03, 0xe8, 0x07, 0xd0, 0x00, 0x0a, 0x00, 0x00, 0x61, 0x62,
};

/* Raw IPv4 (LINKTYPE_RAW / LINKTYPE_IPV4): IHL 6 with a 4-byte option, TCP SYN, no payload. */
static const uint8_t raw_ipv4_opt_tcp[] = {
	/* IPv4: IHL 6, total length 44, TTL 64, TCP */
	0x46, 0x00, 0x00, 0x2c, 0x00, 0x06, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00, IP_HMI, IP_PLC,
	/* option: router alert (RFC 2113) */
	0x94, 0x04, 0x00, 0x00,
	/* TCP: sport 40001, dport 102 (S7), seq 100, ack 0, offset 5, SYN, window 1024 */
	0x9c, 0x41, 0x00, 0x66, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Raw IPv6 / UDP (LINKTYPE_RAW by the version nibble, or LINKTYPE_IPV6). */
static const uint8_t raw_ipv6_udp[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x11, 0x01, IP6_LL, IP6_ALLNODES,
	/* UDP: sport 546, dport 547 (DHCPv6), length 12 */
	0x02, 0x22, 0x02, 0x23, 0x00, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01,
};

/* IPv6 with six extension headers: hop-by-hop, routing, destination options,
 * atomic fragment, AH, then UDP. */
static const uint8_t eth_ipv6_exthdrs[] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01, MAC_PLC, 0x86, 0xdd,
	/* IPv6: payload length 84, next header 0 (hop-by-hop), hop limit 1 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x54, 0x00, 0x01, IP6_LL, IP6_ALLNODES,
	/* hop-by-hop: next 43 (routing), length 0 (8 bytes), PadN of 4 */
	0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	/* routing: next 60 (dest opts), length 2 (24 bytes), type 0, segments left 0, reserved, 1 address */
	0x3c, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, IP6_LL,
	/* destination options: next 44 (fragment), length 0, PadN of 4 */
	0x2c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	/* fragment: next 51 (AH), reserved, offset 0 M 0 (atomic), id 0x01020304 */
	0x33, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04,
	/* AH: next 17 (UDP), length 4 ((4+2)*4 = 24 bytes), reserved, SPI, sequence, 12-byte ICV */
	0x11, 0x04, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac,
	/* UDP: sport 5683, dport 5683 (CoAP), length 12 */
	0x16, 0x33, 0x16, 0x33, 0x00, 0x0c, 0x00, 0x00, 0x40, 0x01, 0x00, 0x01,
};

/* ---- truncation table ---- */

/* Decoding a frame cut at byte c: if c falls before bound[k].end (the first such
 * k), the result is INVALID with exactly one event bound[k].ev and the layers of
 * the bounds before k.  Past the last bound the result is OK with no event, every
 * layer, and min(c - last end, payload_max) payload bytes starting at last end. */
struct bound {
	uint32_t end;
	int ev;
	uint32_t layers;
};

struct frame_spec {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	uint32_t payload_max;
	struct bound b[10];
};

#define FRAME(n) #n, n, sizeof(n)

static const struct frame_spec frames[] = {
	{ FRAME(eth_ipv4_tcp), 5, {
		{ 14, MK_DEV_ETH_TRUNCATED, MK_L_ETH },
		{ 34, MK_DEV_IPV4_TRUNCATED, MK_L_IP4 },
		{ 58, MK_DEV_TCP_TRUNCATED, MK_L_TCP } } },
	{ FRAME(eth_ipv4_udp_padded), 2, {
		{ 14, MK_DEV_ETH_TRUNCATED, MK_L_ETH },
		{ 34, MK_DEV_IPV4_TRUNCATED, MK_L_IP4 },
		{ 42, MK_DEV_UDP_TRUNCATED, MK_L_UDP } } },
	{ FRAME(eth_qinq_udp), 4, {
		{ 14, MK_DEV_ETH_TRUNCATED, MK_L_ETH },
		{ 18, MK_DEV_VLAN_TRUNCATED, MK_L_VLAN },
		{ 22, MK_DEV_VLAN_TRUNCATED, 0 },
		{ 42, MK_DEV_IPV4_TRUNCATED, MK_L_IP4 },
		{ 50, MK_DEV_UDP_TRUNCATED, MK_L_UDP } } },
	{ FRAME(eth_3vlan_lldp), 11, {
		{ 14, MK_DEV_ETH_TRUNCATED, MK_L_ETH },
		{ 18, MK_DEV_VLAN_TRUNCATED, MK_L_VLAN },
		{ 22, MK_DEV_VLAN_TRUNCATED, 0 },
		{ 26, MK_DEV_VLAN_TRUNCATED, MK_L_L2APP } } },
	{ FRAME(eth_lldp), 11, {
		{ 14, MK_DEV_ETH_TRUNCATED, MK_L_ETH | MK_L_L2APP } } },
	{ FRAME(eth_snap_cdp), 8, {
		{ 14, MK_DEV_ETH_TRUNCATED, MK_L_ETH },
		{ 17, MK_DEV_LLC_TRUNCATED, MK_L_LLC },
		{ 22, MK_DEV_LLC_TRUNCATED, MK_L_L2APP } } },
	{ FRAME(eth_llc_stp), 35, {
		{ 14, MK_DEV_ETH_TRUNCATED, MK_L_ETH },
		{ 17, MK_DEV_LLC_TRUNCATED, MK_L_LLC | MK_L_L2APP } } },
	{ FRAME(eth_snap_ipv4_icmp), 4, {
		{ 14, MK_DEV_ETH_TRUNCATED, MK_L_ETH },
		{ 17, MK_DEV_LLC_TRUNCATED, MK_L_LLC },
		{ 22, MK_DEV_LLC_TRUNCATED, 0 },
		{ 42, MK_DEV_IPV4_TRUNCATED, MK_L_IP4 },
		{ 46, MK_DEV_ICMP_TRUNCATED, MK_L_ICMP } } },
	{ FRAME(eth_arp), 0, {
		{ 14, MK_DEV_ETH_TRUNCATED, MK_L_ETH },
		{ 42, MK_DEV_ARP_TRUNCATED, MK_L_ARP } } },
	{ FRAME(sll_ipv4_udp), 4, {
		{ 16, MK_DEV_SLL_TRUNCATED, MK_L_SLL },
		{ 36, MK_DEV_IPV4_TRUNCATED, MK_L_IP4 },
		{ 44, MK_DEV_UDP_TRUNCATED, MK_L_UDP } } },
	{ FRAME(sll2_ipv6_icmp6), 4, {
		{ 20, MK_DEV_SLL_TRUNCATED, MK_L_SLL },
		{ 60, MK_DEV_IPV6_TRUNCATED, MK_L_IP6 },
		{ 64, MK_DEV_ICMP6_TRUNCATED, MK_L_ICMP6 } } },
	{ FRAME(null_le_ipv4_icmp), 4, {
		{ 4, MK_DEV_NULL_TRUNCATED, 0 },
		{ 24, MK_DEV_IPV4_TRUNCATED, MK_L_IP4 },
		{ 28, MK_DEV_ICMP_TRUNCATED, MK_L_ICMP } } },
	{ FRAME(null_be_ipv4_icmp), 4, {
		{ 4, MK_DEV_NULL_TRUNCATED, 0 },
		{ 24, MK_DEV_IPV4_TRUNCATED, MK_L_IP4 },
		{ 28, MK_DEV_ICMP_TRUNCATED, MK_L_ICMP } } },
	{ FRAME(null_ipv6_udp), 2, {
		{ 4, MK_DEV_NULL_TRUNCATED, 0 },
		{ 44, MK_DEV_IPV6_TRUNCATED, MK_L_IP6 },
		{ 52, MK_DEV_UDP_TRUNCATED, MK_L_UDP } } },
	{ FRAME(loop_ipv6_udp), 2, {
		{ 4, MK_DEV_NULL_TRUNCATED, 0 },
		{ 44, MK_DEV_IPV6_TRUNCATED, MK_L_IP6 },
		{ 52, MK_DEV_UDP_TRUNCATED, MK_L_UDP } } },
	{ FRAME(raw_ipv4_opt_tcp), 0, {
		{ 24, MK_DEV_IPV4_TRUNCATED, MK_L_IP4 },
		{ 44, MK_DEV_TCP_TRUNCATED, MK_L_TCP } } },
	{ FRAME(raw_ipv6_udp), 4, {
		{ 1, MK_DEV_IPV4_TRUNCATED, 0 }, /* an empty raw packet reports ipv4_truncated */
		{ 40, MK_DEV_IPV6_TRUNCATED, MK_L_IP6 },
		{ 48, MK_DEV_UDP_TRUNCATED, MK_L_UDP } } },
	{ FRAME(eth_ipv6_exthdrs), 4, {
		{ 14, MK_DEV_ETH_TRUNCATED, MK_L_ETH },
		{ 54, MK_DEV_IPV6_TRUNCATED, MK_L_IP6 },
		{ 62, MK_DEV_IPV6_EXTHDR_TRUNCATED, 0 },
		{ 86, MK_DEV_IPV6_EXTHDR_TRUNCATED, 0 },
		{ 94, MK_DEV_IPV6_EXTHDR_TRUNCATED, 0 },
		{ 102, MK_DEV_IPV6_EXTHDR_TRUNCATED, 0 },
		{ 126, MK_DEV_IPV6_EXTHDR_TRUNCATED, 0 },
		{ 134, MK_DEV_UDP_TRUNCATED, MK_L_UDP } } },
};

/* Link types of the table rows, by name prefix. */
static uint16_t frame_link(const struct frame_spec *f)
{
	if (strncmp(f->name, "eth_", 4) == 0)
		return MK_LINK_ETHERNET;
	if (strncmp(f->name, "sll2_", 5) == 0)
		return MK_LINK_SLL2;
	if (strncmp(f->name, "sll_", 4) == 0)
		return MK_LINK_SLL;
	if (strncmp(f->name, "null_", 5) == 0)
		return MK_LINK_NULL;
	if (strncmp(f->name, "loop_", 5) == 0)
		return MK_LINK_LOOP;
	return MK_LINK_RAW;
}

static void check_cut(struct mk_decoder *dec, const struct frame_spec *f, uint16_t link, size_t cut)
{
	const struct mk_decode_stats *st = mk_decoder_stats(dec);
	struct mk_pkt pkt;
	uint64_t before[MK_DEV_COUNT];
	uint32_t layers = 0;
	unsigned k, nb = 0;
	enum mk_decode_result r;

	while (nb < 10 && f->b[nb].end != 0)
		nb++;
	memcpy(before, st->events, sizeof(before));
	/* wirelen is the full frame: the cut is the snap length, not a lie. */
	r = decode_bytes(dec, &pkt, link, f->bytes, cut, f->len);
	for (k = 0; k < nb && f->b[k].end <= cut; k++)
		layers |= f->b[k].layers;
	if (k < nb) {
		if (r != MK_DECODE_INVALID || pkt.events != 1 || st->events[f->b[k].ev] != before[f->b[k].ev] + 1 ||
		    pkt.layers != layers)
			fail_msg("%s cut at %zu: result %d events %u layers %#x, want INVALID, %s, layers %#x",
				 f->name, cut, (int)r, pkt.events, pkt.layers,
				 mk_decode_event_name((unsigned)f->b[k].ev), layers);
		assert_int_equal(pkt.payload_len, 0);
	} else {
		uint32_t hdr = f->b[nb - 1].end;
		uint32_t want = (uint32_t)cut - hdr < f->payload_max ? (uint32_t)cut - hdr : f->payload_max;

		if (r != MK_DECODE_OK || pkt.events != 0 || pkt.layers != layers || pkt.payload_len != want)
			fail_msg("%s cut at %zu: result %d events %u layers %#x payload %u, want OK layers %#x payload %u",
				 f->name, cut, (int)r, pkt.events, pkt.layers, pkt.payload_len, layers, want);
		if (want > 0)
			assert_ptr_equal(pkt.payload, pkt.data + hdr);
	}
}

static void test_every_truncation(void **state)
{
	struct mk_decoder *dec = new_decoder();

	(void)state;
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		const struct frame_spec *f = &frames[i];

		for (size_t cut = 0; cut <= f->len; cut++)
			check_cut(dec, f, frame_link(f), cut);
	}
	/* The raw frames also decode under the explicit IPv4/IPv6 link types. */
	for (size_t cut = 1; cut <= sizeof(raw_ipv6_udp); cut++)
		check_cut(dec, &frames[16], MK_LINK_IPV6, cut);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_LINK_UNSUPPORTED], 0);
	mk_decoder_free(dec);
}

/* ---- per-layer field checks ---- */

static void test_eth_ipv4_tcp_fields(void **state)
{
	struct mk_decoder *dec = new_decoder();
	struct mk_pkt pkt;
	const uint8_t plc[6] = { MAC_PLC }, hmi[6] = { MAC_HMI };
	const uint8_t ip_hmi[4] = { IP_HMI }, ip_plc[4] = { IP_PLC };

	(void)state;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_ipv4_tcp, sizeof(eth_ipv4_tcp),
				      sizeof(eth_ipv4_tcp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4 | MK_L_TCP);
	assert_true(pkt.has_mac);
	assert_memory_equal(pkt.dst_mac, plc, 6);
	assert_memory_equal(pkt.src_mac, hmi, 6);
	assert_int_equal(pkt.ethertype, 0x0800);
	assert_int_equal(pkt.src_ip.family, MK_AF_INET);
	assert_memory_equal(pkt.src_ip.a, ip_hmi, 4);
	assert_memory_equal(pkt.dst_ip.a, ip_plc, 4);
	assert_int_equal(pkt.ip_proto, 6);
	assert_int_equal(pkt.ttl, 64);
	assert_int_equal(pkt.ip_id, 0x1234);
	assert_int_equal(pkt.sport, 50000);
	assert_int_equal(pkt.dport, 502);
	assert_int_equal(pkt.tcp_seq, 1);
	assert_int_equal(pkt.tcp_ack, 2);
	assert_int_equal(pkt.tcp_flags, MK_TCP_PSH | MK_TCP_ACK);
	assert_int_equal(pkt.tcp_win, 8192);
	assert_int_equal(pkt.payload_len, 5);
	assert_memory_equal(pkt.payload, "hello", 5);
	assert_int_equal(pkt.vlan_count, 0);
	assert_int_equal(mk_decoder_stats(dec)->packets, 1);

	/* A second decode of an ARP frame into the same pkt resets every decoded field. */
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_arp, sizeof(eth_arp), sizeof(eth_arp)),
			 MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_ARP);
	assert_int_equal(pkt.src_ip.family, MK_AF_NONE);
	assert_int_equal(pkt.sport, 0);
	assert_null(pkt.payload);
	mk_decoder_free(dec);
}

static void test_padding_and_vlans(void **state)
{
	struct mk_decoder *dec = new_decoder();
	struct mk_pkt pkt;

	(void)state;
	/* Padding after a short IPv4 datagram is not payload. */
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_ipv4_udp_padded, sizeof(eth_ipv4_udp_padded),
				      sizeof(eth_ipv4_udp_padded)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4 | MK_L_UDP);
	assert_int_equal(pkt.payload_len, 2);
	assert_int_equal(pkt.sport, 47808);
	assert_int_equal(pkt.ttl, 128);

	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_qinq_udp, sizeof(eth_qinq_udp),
				      sizeof(eth_qinq_udp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_VLAN | MK_L_IP4 | MK_L_UDP);
	assert_int_equal(pkt.vlan_count, 2);
	assert_int_equal(pkt.vlan[0], 100);
	assert_int_equal(pkt.vlan[1], 200);
	assert_int_equal(pkt.ethertype, 0x0800);
	assert_int_equal(pkt.dport, 161);
	assert_int_equal(pkt.payload_len, 4);

	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_3vlan_lldp, sizeof(eth_3vlan_lldp),
				      sizeof(eth_3vlan_lldp)), MK_DECODE_OK);
	assert_int_equal(pkt.vlan_count, MK_VLAN_MAX);
	assert_int_equal(pkt.vlan[0], 10);
	assert_int_equal(pkt.vlan[1], 20);
	assert_int_equal(pkt.ethertype, 0x88cc);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_VLAN | MK_L_L2APP);
	assert_int_equal(pkt.payload_len, 11);
	mk_decoder_free(dec);
}

/* n VLAN tags (VID 1..n) then EtherType 0x88cc and 2 bytes. */
static size_t build_vlan_stack(uint8_t *out, unsigned n)
{
	static const uint8_t head[] = { MAC_PLC, MAC_HMI };
	size_t len = sizeof(head);

	memcpy(out, head, len);
	for (unsigned i = 0; i < n; i++) {
		out[len++] = 0x81; /* TPID 802.1Q */
		out[len++] = 0x00;
		out[len++] = 0x00; /* TCI: VID i+1 */
		out[len++] = (uint8_t)(i + 1);
	}
	out[len++] = 0x88; /* LLDP */
	out[len++] = 0xcc;
	out[len++] = 0x00; /* end TLV */
	out[len++] = 0x00;
	return len;
}

static void test_vlan_depth(void **state)
{
	struct mk_decoder *dec = new_decoder();
	struct mk_pkt pkt;
	uint8_t frame[64];
	size_t len;

	(void)state;
	len = build_vlan_stack(frame, 8);
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, frame, len, len), MK_DECODE_OK);
	assert_int_equal(pkt.events, 0);
	assert_int_equal(pkt.vlan_count, 2);
	assert_int_equal(pkt.payload_len, 2);

	len = build_vlan_stack(frame, 9);
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, frame, len, len), MK_DECODE_INVALID);
	assert_int_equal(pkt.events, 1);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_VLAN_TOO_DEEP], 1);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_VLAN);
	mk_decoder_free(dec);
}

static void test_llc_snap(void **state)
{
	struct mk_decoder *dec = new_decoder();
	struct mk_pkt pkt;

	(void)state;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_snap_cdp, sizeof(eth_snap_cdp),
				      sizeof(eth_snap_cdp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_LLC | MK_L_L2APP);
	assert_int_equal(pkt.ethertype, 0);
	assert_int_equal(pkt.llc_dsap, 0xaa);
	assert_int_equal(pkt.snap_oui, 0x00000c);
	assert_int_equal(pkt.snap_pid, 0x2000);
	assert_int_equal(pkt.payload_len, 8); /* the 802.3 length cuts the padding */
	assert_int_equal(pkt.payload[0], 0x02);

	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_llc_stp, sizeof(eth_llc_stp),
				      sizeof(eth_llc_stp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_LLC | MK_L_L2APP);
	assert_int_equal(pkt.llc_dsap, 0x42);
	assert_int_equal(pkt.llc_ssap, 0x42);
	assert_int_equal(pkt.snap_oui, 0);
	assert_int_equal(pkt.payload_len, 35);

	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_snap_ipv4_icmp, sizeof(eth_snap_ipv4_icmp),
				      sizeof(eth_snap_ipv4_icmp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_LLC | MK_L_IP4 | MK_L_ICMP);
	assert_int_equal(pkt.ethertype, 0x0800);
	assert_int_equal(pkt.icmp_type, 8);
	assert_int_equal(pkt.icmp_code, 0);
	assert_int_equal(pkt.payload_len, 4);

	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_lldp, sizeof(eth_lldp), sizeof(eth_lldp)),
			 MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_L2APP);
	assert_int_equal(pkt.ethertype, 0x88cc);
	assert_int_equal(pkt.payload_len, 11);
	assert_int_equal(pkt.payload[0], 0x02);
	mk_decoder_free(dec);
}

static void test_arp(void **state)
{
	struct mk_decoder *dec = new_decoder();
	struct mk_pkt pkt;
	const uint8_t hmi[6] = { MAC_HMI }, ip_hmi[4] = { IP_HMI }, ip_plc[4] = { IP_PLC };
	uint8_t bad[sizeof(eth_arp)];

	(void)state;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_arp, sizeof(eth_arp), sizeof(eth_arp)),
			 MK_DECODE_OK);
	assert_int_equal(pkt.arp.op, 1);
	assert_memory_equal(pkt.arp.sha, hmi, 6);
	assert_memory_equal(pkt.arp.spa, ip_hmi, 4);
	assert_memory_equal(pkt.arp.tpa, ip_plc, 4);

	/* Hardware type 6 (IEEE 802): not Ethernet/IPv4. */
	memcpy(bad, eth_arp, sizeof(bad));
	bad[15] = 6;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, bad, sizeof(bad), sizeof(bad)), MK_DECODE_INVALID);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_ARP_UNSUPPORTED], 1);
	assert_int_equal(pkt.layers, MK_L_ETH);
	mk_decoder_free(dec);
}

static void test_cooked_and_loopback(void **state)
{
	struct mk_decoder *dec = new_decoder();
	struct mk_pkt pkt;
	const uint8_t plc[6] = { MAC_PLC }, hmi[6] = { MAC_HMI };
	const uint8_t lo[4] = { 127, 0, 0, 1 };
	uint8_t buf[64];

	(void)state;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_SLL, sll_ipv4_udp, sizeof(sll_ipv4_udp),
				      sizeof(sll_ipv4_udp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_SLL | MK_L_IP4 | MK_L_UDP);
	assert_false(pkt.has_mac);
	assert_memory_equal(pkt.src_mac, hmi, 6);
	assert_int_equal(pkt.dport, 53);
	assert_int_equal(pkt.ethertype, 0x0800);

	/* Non-Ethernet ARPHRD (e.g. 0xfffe ARPHRD_NONE on tun): no sender MAC. */
	memcpy(buf, sll_ipv4_udp, sizeof(sll_ipv4_udp));
	buf[2] = 0xff;
	buf[3] = 0xfe;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_SLL, buf, sizeof(sll_ipv4_udp), sizeof(sll_ipv4_udp)),
			 MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_IP4 | MK_L_UDP);

	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_SLL2, sll2_ipv6_icmp6, sizeof(sll2_ipv6_icmp6),
				      sizeof(sll2_ipv6_icmp6)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_SLL | MK_L_IP6 | MK_L_ICMP6);
	assert_memory_equal(pkt.src_mac, plc, 6);
	assert_int_equal(pkt.icmp_type, 128);
	assert_int_equal(pkt.ttl, 255);
	assert_int_equal(pkt.src_ip.family, MK_AF_INET6);
	assert_int_equal(pkt.src_ip.a[0], 0xfe);
	assert_int_equal(pkt.dst_ip.a[15], 0x01);

	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_NULL, null_le_ipv4_icmp, sizeof(null_le_ipv4_icmp),
				      sizeof(null_le_ipv4_icmp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_IP4 | MK_L_ICMP);
	assert_memory_equal(pkt.src_ip.a, lo, 4);
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_NULL, null_be_ipv4_icmp, sizeof(null_be_ipv4_icmp),
				      sizeof(null_be_ipv4_icmp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_IP4 | MK_L_ICMP);
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_NULL, null_ipv6_udp, sizeof(null_ipv6_udp),
				      sizeof(null_ipv6_udp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_IP6 | MK_L_UDP);
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_LOOP, loop_ipv6_udp, sizeof(loop_ipv6_udp),
				      sizeof(loop_ipv6_udp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_IP6 | MK_L_UDP);
	assert_int_equal(pkt.sport, 1000);
	/* LOOP is network order only: the little-endian NULL header is an unknown family. */
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_LOOP, null_ipv6_udp, sizeof(null_ipv6_udp),
				      sizeof(null_ipv6_udp)), MK_DECODE_INVALID);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_LINK_UNSUPPORTED], 1);

	/* Raw: by the version nibble; explicit IPv4 link type. */
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_IPV4, raw_ipv4_opt_tcp, sizeof(raw_ipv4_opt_tcp),
				      sizeof(raw_ipv4_opt_tcp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_IP4 | MK_L_TCP);
	assert_int_equal(pkt.tcp_flags, MK_TCP_SYN);
	assert_int_equal(pkt.dport, 102);
	assert_int_equal(pkt.payload_len, 0);
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_RAW, raw_ipv6_udp, sizeof(raw_ipv6_udp),
				      sizeof(raw_ipv6_udp)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_IP6 | MK_L_UDP);
	assert_int_equal(pkt.dport, 547);

	/* Unknown link type. */
	assert_int_equal(decode_bytes(dec, &pkt, 147, eth_lldp, sizeof(eth_lldp), sizeof(eth_lldp)),
			 MK_DECODE_INVALID);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_LINK_UNSUPPORTED], 2);
	assert_int_equal(pkt.layers, 0);
	mk_decoder_free(dec);
}

static void test_ipv6_exthdrs(void **state)
{
	struct mk_decoder *dec = new_decoder();
	struct mk_pkt pkt;
	uint8_t buf[160];

	(void)state;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_ipv6_exthdrs, sizeof(eth_ipv6_exthdrs),
				      sizeof(eth_ipv6_exthdrs)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP6 | MK_L_UDP);
	assert_int_equal(pkt.ip_proto, 17);
	assert_int_equal(pkt.sport, 5683);
	assert_int_equal(pkt.ttl, 1);
	assert_int_equal(pkt.payload_len, 4);
	assert_int_equal(pkt.events, 0);

	/* Fragment header with offset 1480 (185 units), M=0: not the first fragment. */
	memcpy(buf, eth_ipv6_exthdrs, sizeof(eth_ipv6_exthdrs));
	buf[94 + 2] = 0x05;
	buf[94 + 3] = 0xc8;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, sizeof(eth_ipv6_exthdrs),
				      sizeof(eth_ipv6_exthdrs)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP6);
	assert_int_equal(pkt.ip_proto, 44);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_IPV6_FRAGMENT], 1);
	assert_int_equal(pkt.payload_len, 24 + 12); /* AH + UDP bytes, opaque */

	/* First fragment (offset 0, M=1) is not reassembled either. */
	buf[94 + 2] = 0x00;
	buf[94 + 3] = 0x01;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, sizeof(eth_ipv6_exthdrs),
				      sizeof(eth_ipv6_exthdrs)), MK_DECODE_OK);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_IPV6_FRAGMENT], 2);

	/* No next header (59) right after the hop-by-hop header. */
	memcpy(buf, eth_ipv6_exthdrs, sizeof(eth_ipv6_exthdrs));
	buf[54] = 59;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, sizeof(eth_ipv6_exthdrs),
				      sizeof(eth_ipv6_exthdrs)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP6);
	assert_int_equal(pkt.ip_proto, 59);
	assert_int_equal(pkt.payload_len, 0);

	/* Nine destination-options headers: one too many. */
	{
		static const uint8_t ip6[] = {
			/* IPv6: payload length 80, next header 60, hop limit 64 */
			0x60, 0x00, 0x00, 0x00, 0x00, 0x50, 0x3c, 0x40, IP6_LL, IP6_ALLNODES,
		};
		size_t len = sizeof(ip6);

		memcpy(buf, ip6, len);
		for (int i = 0; i < 10; i++) {
			/* dest options: next 60 (the 10th says 59), length 0, PadN 4 */
			const uint8_t opt[8] = { (uint8_t)(i == 9 ? 59 : 60), 0, 1, 4, 0, 0, 0, 0 };

			memcpy(buf + len, opt, 8);
			len += 8;
		}
		assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_IPV6, buf, len, len), MK_DECODE_INVALID);
		assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_IPV6_EXTHDR_TOO_MANY], 1);
		assert_int_equal(pkt.layers, MK_L_IP6);
		/* Eight are fine: point the 8th at 59. */
		buf[40 + 7 * 8] = 59;
		assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_IPV6, buf, len, len), MK_DECODE_OK);
		assert_int_equal(pkt.ip_proto, 59);
	}

	/* Payload length past a fully captured frame. */
	memcpy(buf, raw_ipv6_udp, sizeof(raw_ipv6_udp));
	buf[5] = 0x40;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_RAW, buf, sizeof(raw_ipv6_udp), sizeof(raw_ipv6_udp)),
			 MK_DECODE_OK);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_IPV6_BAD_PAYLOAD_LENGTH], 1);
	assert_int_equal(pkt.layers, MK_L_IP6 | MK_L_UDP);
	/* Version nibble 4 in an IPv6 link type. */
	buf[0] = 0x40;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_IPV6, buf, sizeof(raw_ipv6_udp), sizeof(raw_ipv6_udp)),
			 MK_DECODE_INVALID);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_IPV6_BAD_VERSION], 1);
	mk_decoder_free(dec);
}

static void test_ipv4_anomalies(void **state)
{
	struct mk_decoder *dec = new_decoder();
	const struct mk_decode_stats *st = mk_decoder_stats(dec);
	struct mk_pkt pkt;
	uint8_t buf[sizeof(eth_ipv4_tcp)];
	const size_t n = sizeof(eth_ipv4_tcp);

	(void)state;
	/* Version 5. */
	memcpy(buf, eth_ipv4_tcp, n);
	buf[14] = 0x55;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, n, n), MK_DECODE_INVALID);
	assert_int_equal(st->events[MK_DEV_IPV4_BAD_VERSION], 1);
	assert_int_equal(pkt.layers, MK_L_ETH);
	/* IHL 4. */
	buf[14] = 0x44;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, n, n), MK_DECODE_INVALID);
	assert_int_equal(st->events[MK_DEV_IPV4_BAD_IHL], 1);
	/* Total length 10 < header: stop at L3 with the addresses known. */
	buf[14] = 0x45;
	buf[17] = 10;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, n, n), MK_DECODE_INVALID);
	assert_int_equal(st->events[MK_DEV_IPV4_BAD_TOTAL_LENGTH], 1);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4);
	assert_int_equal(pkt.src_ip.family, MK_AF_INET);
	/* Total length 0 (segmentation offload): counted, then decoded from the capture. */
	buf[17] = 0;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, n, n), MK_DECODE_OK);
	assert_int_equal(st->events[MK_DEV_IPV4_BAD_TOTAL_LENGTH], 2);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4 | MK_L_TCP);
	assert_int_equal(pkt.payload_len, 5);
	/* Total length 200 past a fully captured frame: counted, captured bytes used. */
	buf[17] = 200;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, n, n), MK_DECODE_OK);
	assert_int_equal(st->events[MK_DEV_IPV4_BAD_TOTAL_LENGTH], 3);
	assert_int_equal(pkt.payload_len, 5);
	/* The same cut by the snap length (wirelen larger) is no anomaly. */
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, n, 214), MK_DECODE_OK);
	assert_int_equal(st->events[MK_DEV_IPV4_BAD_TOTAL_LENGTH], 3);
	assert_int_equal(pkt.events, 0);
	assert_int_equal(pkt.payload_len, 5);
	/* Unknown IP protocol (GRE 47): L3 only, IP payload handed over. */
	memcpy(buf, eth_ipv4_tcp, n);
	buf[23] = 47;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, n, n), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4);
	assert_int_equal(pkt.ip_proto, 47);
	assert_int_equal(pkt.payload_len, 29);
	mk_decoder_free(dec);
}

static void test_l4_anomalies(void **state)
{
	struct mk_decoder *dec = new_decoder();
	const struct mk_decode_stats *st = mk_decoder_stats(dec);
	struct mk_pkt pkt;
	uint8_t buf[64];
	const size_t nt = sizeof(eth_ipv4_tcp), nu = sizeof(eth_qinq_udp);

	(void)state;
	/* TCP data offset 4. */
	memcpy(buf, eth_ipv4_tcp, nt);
	buf[46] = 0x40;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, nt, nt), MK_DECODE_INVALID);
	assert_int_equal(st->events[MK_DEV_TCP_BAD_OFFSET], 1);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4);
	assert_int_equal(pkt.sport, 0);
	/* TCP data offset 15 (60 bytes) inside a 29-byte segment: bad, not truncated. */
	buf[46] = 0xf0;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, nt, nt), MK_DECODE_INVALID);
	assert_int_equal(st->events[MK_DEV_TCP_BAD_OFFSET], 2);
	/* Zero source port: decoded, counted. */
	memcpy(buf, eth_ipv4_tcp, nt);
	buf[34] = 0;
	buf[35] = 0;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, nt, nt), MK_DECODE_OK);
	assert_int_equal(st->events[MK_DEV_ZERO_SOURCE_PORT], 1);
	assert_int_equal(pkt.events, 1);
	assert_int_equal(pkt.layers & MK_L_TCP, MK_L_TCP);

	/* UDP length 4 (< 8): counted, the IP length is used. */
	memcpy(buf, eth_qinq_udp, nu);
	buf[47] = 4;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, nu, nu), MK_DECODE_OK);
	assert_int_equal(st->events[MK_DEV_UDP_BAD_LENGTH], 1);
	assert_int_equal(pkt.payload_len, 4);
	/* UDP length 100 > the 12 bytes IP gives it. */
	buf[47] = 100;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, nu, nu), MK_DECODE_OK);
	assert_int_equal(st->events[MK_DEV_UDP_BAD_LENGTH], 2);
	assert_int_equal(pkt.payload_len, 4);
	/* UDP length 10 < IP's 12: the UDP length wins. */
	buf[47] = 10;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, nu, nu), MK_DECODE_OK);
	assert_int_equal(pkt.events, 0);
	assert_int_equal(pkt.payload_len, 2);
	/* Zero destination port. */
	buf[47] = 12;
	buf[44] = 0;
	buf[45] = 0;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, buf, nu, nu), MK_DECODE_OK);
	assert_int_equal(st->events[MK_DEV_ZERO_SOURCE_PORT], 2);
	mk_decoder_free(dec);
}

static void test_sll_pseudo_protocols_and_llc_iframe(void **state)
{
	/* SLL with ETH_P_802_2 (0x0004): an LLC frame with no 802.3 length field. */
	static const uint8_t sll_llc[] = {
		0x00, 0x00, 0x00, 0x01, 0x00, 0x06, MAC_HMI, 0x00, 0x00, /* to us, ARPHRD_ETHER, MAC */
		0x00, 0x04,             /* ETH_P_802_2 */
		0x42, 0x42, 0x03,       /* LLC: STP, UI */
		0x00, 0x00, 0x00, 0x00, /* BPDU start */
	};
	/* 802.3 frame with an LLC I-format PDU: control is 2 bytes (N(S), N(R)). */
	static const uint8_t eth_llc_iframe[] = {
		MAC_PLC, MAC_HMI,
		0x00, 0x06,             /* length 6 */
		0xf0, 0xf0,             /* DSAP/SSAP NetBIOS */
		0x00, 0x02,             /* I-format control: N(S) 0, N(R) 1 */
		0xab, 0xcd,             /* data */
	};
	struct mk_decoder *dec = new_decoder();
	struct mk_pkt pkt;
	uint8_t buf[sizeof(sll_llc)];

	(void)state;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_SLL, sll_llc, sizeof(sll_llc), sizeof(sll_llc)),
			 MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_SLL | MK_L_LLC | MK_L_L2APP);
	assert_int_equal(pkt.llc_dsap, 0x42);
	assert_int_equal(pkt.payload_len, 4);
	/* ETH_P_802_3 (0x0001, Novell raw): opaque L2 payload. */
	memcpy(buf, sll_llc, sizeof(buf));
	buf[15] = 0x01;
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_SLL, buf, sizeof(buf), sizeof(buf)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_SLL | MK_L_L2APP);
	assert_int_equal(pkt.ethertype, 1);
	assert_int_equal(pkt.payload_len, 7);

	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_llc_iframe, sizeof(eth_llc_iframe),
				      sizeof(eth_llc_iframe)), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_LLC | MK_L_L2APP);
	assert_int_equal(pkt.payload_len, 2);
	assert_int_equal(pkt.payload[0], 0xab);
	/* Cut after the first control byte: the second is missing. */
	assert_int_equal(decode_bytes(dec, &pkt, MK_LINK_ETHERNET, eth_llc_iframe, 17, sizeof(eth_llc_iframe)),
			 MK_DECODE_INVALID);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_LLC_TRUNCATED], 1);
	mk_decoder_free(dec);
}

static void test_event_names(void **state)
{
	(void)state;
	assert_string_equal(mk_decode_event_name(MK_DEV_LINK_UNSUPPORTED), "link_type_unsupported");
	assert_string_equal(mk_decode_event_name(MK_DEV_IPV6_FRAGMENT), "ipv6_fragment_not_reassembled");
	assert_string_equal(mk_decode_event_name(MK_DEV_ZERO_SOURCE_PORT), "zero_port");
	assert_string_equal(mk_decode_event_name(MK_DEV_COUNT), "unknown");
	for (unsigned i = 0; i < MK_DEV_COUNT; i++) {
		const char *s = mk_decode_event_name(i);

		assert_true(strlen(s) > 0);
		for (const char *p = s; *p != '\0'; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
	}
}

static void test_limits_default(void **state)
{
	struct mk_decode_limits lim;

	(void)state;
	mk_decode_limits_default(&lim);
	assert_int_equal(lim.frag_memcap, 4u << 20);
	assert_int_equal(lim.frag_max_datagrams, 1024);
	assert_int_equal(lim.frag_timeout_ns, 30000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_every_truncation, teardown_buf),
		cmocka_unit_test_teardown(test_eth_ipv4_tcp_fields, teardown_buf),
		cmocka_unit_test_teardown(test_padding_and_vlans, teardown_buf),
		cmocka_unit_test_teardown(test_vlan_depth, teardown_buf),
		cmocka_unit_test_teardown(test_llc_snap, teardown_buf),
		cmocka_unit_test_teardown(test_arp, teardown_buf),
		cmocka_unit_test_teardown(test_cooked_and_loopback, teardown_buf),
		cmocka_unit_test_teardown(test_ipv6_exthdrs, teardown_buf),
		cmocka_unit_test_teardown(test_ipv4_anomalies, teardown_buf),
		cmocka_unit_test_teardown(test_l4_anomalies, teardown_buf),
		cmocka_unit_test_teardown(test_sll_pseudo_protocols_and_llc_iframe, teardown_buf),
		cmocka_unit_test(test_event_names),
		cmocka_unit_test(test_limits_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

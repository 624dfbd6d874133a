/* test_inventory.c - the asset inventory (inventory.c): MAC and IP assets,
 * the router rule, bindings, facts, flows, OS guesses, roles, loading, caps,
 * the VLANs of MAC assets.
 * Inputs are synthetic mk_pkt / mk_fact / mk_flow values built field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Heap in use: from ASan's allocator when it replaces malloc (GCC defines
 * __SANITIZE_ADDRESS__, clang has __has_feature), else from glibc. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#define __SANITIZE_ADDRESS__ 1
#endif
#endif
#ifdef __SANITIZE_ADDRESS__
size_t __sanitizer_get_current_allocated_bytes(void);
#define HEAP_BYTES() __sanitizer_get_current_allocated_bytes()
#else
#include <malloc.h>
#define HEAP_BYTES() mallinfo2().uordblks
#endif

#include "mieruka/fingerprint.h"
#include "mieruka/flow.h"
#include "mieruka/inventory.h"
#include "mieruka/oui.h"

static const uint8_t MAC_H1[6] = {0x00, 0x1b, 0x1b, 0x00, 0x00, 0x01}; /* Siemens OUI */
static const uint8_t MAC_H2[6] = {0x00, 0x00, 0xbc, 0x00, 0x00, 0x02}; /* Rockwell OUI */
static const uint8_t MAC_H3[6] = {0x00, 0x0c, 0x29, 0x00, 0x00, 0x03};
static const uint8_t MAC_R[6] = {0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc};  /* the router */
static const uint8_t MAC_BC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static struct mk_addr ip(const char *s)
{
	struct mk_addr a;

	assert_true(mk_addr_parse(&a, s));
	return a;
}

/* An Ethernet + IPv4/IPv6 packet from smac/sip to dmac/dip. */
static struct mk_pkt ip_pkt(const uint8_t *smac, const uint8_t *dmac, const char *sip,
                            const char *dip, uint8_t ttl, uint64_t ts)
{
	struct mk_pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.caplen = p.wirelen = 100;
	p.linktype = MK_LINK_ETHERNET;
	p.has_mac = smac != NULL;
	if (smac != NULL) {
		p.layers = MK_L_ETH;
		memcpy(p.src_mac, smac, 6);
		memcpy(p.dst_mac, dmac, 6);
	}
	p.src_ip = ip(sip);
	p.dst_ip = ip(dip);
	p.layers |= p.src_ip.family == MK_AF_INET ? MK_L_IP4 : MK_L_IP6;
	p.ethertype = p.src_ip.family == MK_AF_INET ? 0x0800 : 0x86dd;
	p.ip_proto = 6;
	p.ttl = ttl;
	return p;
}

/* An ARP packet: op, sender (sha, spa), broadcast to resolve tpa. */
static struct mk_pkt arp_pkt(const uint8_t *sha, const char *spa, uint16_t op, uint64_t ts)
{
	struct mk_pkt p;
	struct mk_addr a = ip(spa);

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.caplen = p.wirelen = 60;
	p.has_mac = true;
	p.layers = MK_L_ETH | MK_L_ARP;
	p.ethertype = 0x0806;
	memcpy(p.src_mac, sha, 6);
	memcpy(p.dst_mac, MAC_BC, 6);
	p.arp.op = op;
	memcpy(p.arp.sha, sha, 6);
	memcpy(p.arp.spa, a.a, 4);
	return p;
}

static struct mk_fact fact(uint8_t kind, uint16_t proto, const uint8_t *mac, const char *ipstr,
                           const char *value)
{
	struct mk_fact f;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.proto = proto;
	f.host.kind = MK_HOST_EXPLICIT;
	if (mac != NULL)
		mk_addr_set_mac(&f.host.mac, mac);
	if (ipstr != NULL)
		f.host.ip = ip(ipstr);
	f.value = value;
	f.value_len = value != NULL ? strlen(value) : 0;
	return f;
}

static struct mk_inventory *new_inv(const struct mk_fingerprints *fp)
{
	struct mk_inventory_limits lim;
	struct mk_inventory *inv;

	mk_inventory_limits_default(&lim);
	inv = mk_inventory_new(&lim, NULL, fp);
	assert_non_null(inv);
	return inv;
}

struct snapshot {
	struct mk_asset_rec *r;
	size_t n;
};

static struct snapshot snap(struct mk_inventory *inv)
{
	struct snapshot s;

	s.n = mk_inventory_snapshot(inv, &s.r);
	assert_true(s.n != (size_t)-1);
	return s;
}

static void snap_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		mk_asset_rec_clear(&s->r[i]);
	free(s->r);
	s->r = NULL;
	s->n = 0;
}

static const struct mk_asset_rec *find(const struct snapshot *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->r[i].id, id) == 0)
			return &s->r[i];
	return NULL;
}

static bool has_ip(const struct mk_asset_rec *r, const char *s)
{
	struct mk_addr a = ip(s);

	for (size_t i = 0; i < r->n_ips; i++)
		if (mk_addr_eq(&r->ips[i], &a))
			return true;
	return false;
}

static const struct mk_role_rec *role(const struct mk_asset_rec *r, enum mk_role role)
{
	for (size_t i = 0; i < r->n_roles; i++)
		if (r->roles[i].role == role)
			return &r->roles[i];
	return NULL;
}

static const char *attr(const struct mk_asset_rec *r, const char *key)
{
	for (size_t i = 0; i < r->n_attrs; i++)
		if (strcmp(r->attrs[i].key, key) == 0)
			return r->attrs[i].value;
	return NULL;
}

/* Counts the assets holding each address; fails on any address in two. */
static size_t assets_holding(const struct snapshot *s, const struct mk_addr *a)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->r[i].n_ips; j++)
			n += mk_addr_eq(&s->r[i].ips[j], a);
	return n;
}

/* ------------------------------------------------------------------ */

static void test_mac_with_two_ips(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;

	(void)state;
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 1000);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.11", "192.168.1.20", 64, 2000);
	mk_inventory_packet(inv, &p);
	mk_inventory_packet(inv, &p);
	s = snap(inv);
	/* H2 only received: not an asset. */
	assert_int_equal(s.n, 1);
	r = find(&s, "m-001b1b000001");
	assert_non_null(r);
	assert_int_equal(r->mac.family, MK_AF_MAC);
	assert_memory_equal(r->mac.a, MAC_H1, 6);
	assert_int_equal(r->n_ips, 2);
	assert_true(has_ip(r, "192.168.1.10"));
	assert_true(has_ip(r, "192.168.1.11"));
	assert_int_equal(r->packets, 3);
	assert_int_equal(r->bytes, 300);
	assert_int_equal(r->first_ns, 1000);
	assert_int_equal(r->last_ns, 2000);
	assert_int_equal(r->n_roles, 0); /* no evidence: [] */
	assert_null(r->vendor);          /* no OUI table given */
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_router_with_ten_hosts_behind(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;
	char buf[32];

	(void)state;
	/* The router announces its LAN address by ARP... */
	p = arp_pkt(MAC_R, "192.168.1.1", 2, 10);
	mk_inventory_packet(inv, &p);
	/* ...and forwards packets of ten hosts of another subnet. */
	for (int round = 0; round < 3; round++)
		for (int i = 1; i <= 10; i++) {
			snprintf(buf, sizeof(buf), "10.9.0.%d", i);
			p = ip_pkt(MAC_R, MAC_H1, buf, "192.168.1.10", 62, 100 + (uint64_t)round * 20 + (uint64_t)i);
			mk_inventory_packet(inv, &p);
		}
	/* The local host answers. */
	p = ip_pkt(MAC_H1, MAC_R, "192.168.1.10", "10.9.0.1", 128, 200);
	mk_inventory_packet(inv, &p);
	s = snap(inv);
	assert_int_equal(s.n, 12);
	r = find(&s, "m-000c29aabbcc");
	assert_non_null(r);
	assert_int_equal(r->n_ips, 1);
	assert_true(has_ip(r, "192.168.1.1"));
	assert_non_null(role(r, MK_ROLE_ROUTER));
	assert_int_equal(role(r, MK_ROLE_ROUTER)->confidence, 90);
	assert_int_equal(role(r, MK_ROLE_ROUTER)->n_reasons, 1);
	assert_string_equal(role(r, MK_ROLE_ROUTER)->reasons[0], "Fronts 10 IP addresses");
	assert_int_equal(r->roles[0].role, MK_ROLE_ROUTER);
	for (int i = 1; i <= 10; i++) {
		char id[48];

		snprintf(buf, sizeof(buf), "10.9.0.%d", i);
		snprintf(id, sizeof(id), "i-%s", buf);
		r = find(&s, id);
		assert_non_null(r);
		assert_int_equal(r->mac.family, MK_AF_NONE);
		assert_int_equal(r->n_ips, 1);
		assert_true(has_ip(r, buf));
		/* Sent 3 packets, received 1 (10.9.0.1) */
		assert_int_equal(r->packets, i == 1 ? 4 : 3);
	}
	r = find(&s, "m-001b1b000001");
	assert_non_null(r);
	assert_true(has_ip(r, "192.168.1.10"));
	assert_null(role(r, MK_ROLE_ROUTER));
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_public_ips_are_not_assets(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_pkt p;
	struct mk_fact f;
	struct snapshot s;
	const struct mk_asset_rec *r;

	(void)state;
	/* The gateway forwards one internet server's packets to a private host:
	 * a public source sent to a private address (NAT) makes it a router. */
	p = ip_pkt(MAC_R, MAC_H1, "93.184.216.34", "192.168.1.10", 50, 10);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H1, MAC_R, "192.168.1.10", "93.184.216.34", 64, 11);
	mk_inventory_packet(inv, &p);
	/* DNS names an internet host: not an asset, counted. */
	f = fact(MK_FACT_NAME, MK_PROTO_DNS, NULL, "93.184.216.34", "example.com");
	mk_inventory_fact(inv, &f, 12);
	/* The same name reported with the gateway's MAC (the server side of a
	 * flow behind the router) must not land on the router. */
	f = fact(MK_FACT_NAME, MK_PROTO_TLS, MAC_R, "93.184.216.34", "www.example.com");
	mk_inventory_fact(inv, &f, 13);
	f = fact(MK_FACT_NAME, MK_PROTO_DNS, NULL, "8.8.8.8", "dns.google");
	mk_inventory_fact(inv, &f, 13);
	s = snap(inv);
	assert_int_equal(s.n, 2);
	assert_null(find(&s, "i-93.184.216.34"));
	r = find(&s, "m-000c29aabbcc");
	assert_non_null(r);
	assert_int_equal(r->n_ips, 0);
	assert_int_equal(r->n_names, 0);
	assert_non_null(role(r, MK_ROLE_ROUTER));
	assert_int_equal(mk_inventory_stats(inv)->dropped_facts, 2);
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_arp_bindings(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;

	(void)state;
	p = arp_pkt(MAC_H1, "192.168.1.5", 2, 10);
	mk_inventory_packet(inv, &p);
	/* An ARP probe (sender 0.0.0.0): the MAC exists, binds nothing. */
	p = arp_pkt(MAC_H2, "0.0.0.0", 1, 11);
	mk_inventory_packet(inv, &p);
	/* A public address announced by ARP on the segment is the host's. */
	p = arp_pkt(MAC_H3, "203.0.113.7", 2, 12);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H3, MAC_H1, "203.0.113.7", "192.168.1.5", 64, 13);
	mk_inventory_packet(inv, &p);
	s = snap(inv);
	assert_int_equal(s.n, 3);
	r = find(&s, "m-001b1b000001");
	assert_non_null(r);
	assert_int_equal(r->n_ips, 1);
	assert_true(has_ip(r, "192.168.1.5"));
	assert_int_equal(r->first_ns, 10);
	r = find(&s, "m-0000bc000002");
	assert_non_null(r);
	assert_int_equal(r->n_ips, 0);
	r = find(&s, "m-000c29000003");
	assert_non_null(r);
	assert_int_equal(r->n_ips, 1);
	assert_true(has_ip(r, "203.0.113.7"));
	assert_null(role(r, MK_ROLE_ROUTER));
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_dhcp_binding(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_fact f;
	struct snapshot s;
	const struct mk_asset_rec *r;

	(void)state;
	/* DHCP ACK: the server binds 192.168.1.77 to H2, which has not sent
	 * anything yet; the hostname arrives with the client's IP. */
	f = fact(MK_FACT_BINDING, MK_PROTO_DHCP, MAC_H2, "192.168.1.77", NULL);
	mk_inventory_fact(inv, &f, 500);
	f = fact(MK_FACT_NAME, MK_PROTO_DHCP, MAC_H2, "192.168.1.77", "line1-hmi");
	mk_inventory_fact(inv, &f, 501);
	/* A binding without an IP or with a multicast MAC is ignored. */
	f = fact(MK_FACT_BINDING, MK_PROTO_DHCP, MAC_BC, "192.168.1.78", NULL);
	mk_inventory_fact(inv, &f, 502);
	s = snap(inv);
	assert_int_equal(s.n, 1);
	r = find(&s, "m-0000bc000002");
	assert_non_null(r);
	assert_int_equal(r->n_ips, 1);
	assert_true(has_ip(r, "192.168.1.77"));
	assert_int_equal(r->n_names, 1);
	assert_string_equal(r->names[0].name, "line1-hmi");
	assert_int_equal(r->names[0].source, MK_PROTO_DHCP);
	assert_int_equal(r->first_ns, 500);
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_names(void **state)
{
	struct mk_inventory_limits lim;
	struct mk_inventory *inv;
	struct mk_pkt p;
	struct mk_fact f;
	struct snapshot s;
	const struct mk_asset_rec *r;

	(void)state;
	mk_inventory_limits_default(&lim);
	lim.max_names_per_asset = 3;
	inv = mk_inventory_new(&lim, NULL, NULL);
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 1);
	mk_inventory_packet(inv, &p);
	f = fact(MK_FACT_NAME, MK_PROTO_NBNS, MAC_H1, "192.168.1.10", "PLC-01");
	mk_inventory_fact(inv, &f, 2);
	/* By IP only: the IP belongs to H1. */
	f = fact(MK_FACT_NAME, MK_PROTO_MDNS, NULL, "192.168.1.10", "plc-01"); /* same, other case */
	mk_inventory_fact(inv, &f, 3);
	f = fact(MK_FACT_NAME, MK_PROTO_MDNS, NULL, "192.168.1.10", "plc-01.local");
	mk_inventory_fact(inv, &f, 4);
	/* By MAC only (LLDP system name). */
	f = fact(MK_FACT_NAME, MK_PROTO_LLDP, MAC_H1, NULL, "cpu1516");
	mk_inventory_fact(inv, &f, 5);
	f = fact(MK_FACT_NAME, MK_PROTO_DNS, NULL, "192.168.1.10", "fourth.example");
	mk_inventory_fact(inv, &f, 6);
	/* Beyond the cap of the IP's own list: dropped and counted.  (The
	 * merged list is cut to the cap again at snapshot time.) */
	f = fact(MK_FACT_NAME, MK_PROTO_DNS, NULL, "192.168.1.10", "fifth.example");
	mk_inventory_fact(inv, &f, 6);
	/* Empty and control-only names are ignored or sanitized. */
	f = fact(MK_FACT_NAME, MK_PROTO_DNS, MAC_H1, NULL, "");
	mk_inventory_fact(inv, &f, 7);
	s = snap(inv);
	r = find(&s, "m-001b1b000001");
	assert_non_null(r);
	assert_int_equal(r->n_names, 3);
	/* First-seen order across MAC and IP facts; the merged list is cut to
	 * the cap, so the later DNS name falls off. */
	assert_string_equal(r->names[0].name, "PLC-01");
	assert_int_equal(r->names[0].source, MK_PROTO_NBNS);
	assert_string_equal(r->names[1].name, "plc-01.local");
	assert_int_equal(r->names[1].source, MK_PROTO_MDNS);
	assert_string_equal(r->names[2].name, "cpu1516");
	assert_int_equal(r->names[2].source, MK_PROTO_LLDP);
	assert_int_equal(mk_inventory_stats(inv)->dropped_names, 1);
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_identity_merge(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_fact f;
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;

	(void)state;
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 1);
	mk_inventory_packet(inv, &p);
	f = fact(MK_FACT_IDENTITY, MK_PROTO_S7COMM, MAC_H1, "192.168.1.10", NULL);
	f.identity.vendor = "Siemens";
	f.identity.product = "CPU 1516-3 PN/DP";
	mk_inventory_fact(inv, &f, 2);
	f = fact(MK_FACT_IDENTITY, MK_PROTO_PROFINET_DCP, MAC_H1, NULL, NULL);
	f.identity.vendor = "SIEMENS AG"; /* a gap only: the first vendor stays */
	f.identity.model = "6ES7 516-3AN01-0AB0";
	f.identity.firmware = "V2.8.1";
	mk_inventory_fact(inv, &f, 3);
	f = fact(MK_FACT_IDENTITY, MK_PROTO_S7COMM, MAC_H1, NULL, NULL);
	f.identity.serial = "S C-X4U421302019";
	mk_inventory_fact(inv, &f, 4);
	s = snap(inv);
	r = find(&s, "m-001b1b000001");
	assert_non_null(r);
	assert_non_null(r->identity);
	assert_string_equal(r->identity->vendor, "Siemens"); /* the first heard */
	assert_string_equal(r->identity->product, "CPU 1516-3 PN/DP");
	assert_string_equal(r->identity->model, "6ES7 516-3AN01-0AB0");
	assert_string_equal(r->identity->firmware, "V2.8.1");
	assert_string_equal(r->identity->serial, "S C-X4U421302019");
	assert_int_equal(r->identity->source, MK_PROTO_S7COMM);
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_attrs_cap(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_fact f;
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;
	char k[32], v[32];

	(void)state;
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 1);
	mk_inventory_packet(inv, &p);
	for (int i = 0; i < 40; i++) {
		snprintf(k, sizeof(k), "key%d", i);
		snprintf(v, sizeof(v), "value%d", i);
		f = fact(MK_FACT_ATTR, MK_PROTO_HTTP, MAC_H1, NULL, v);
		f.key = k;
		mk_inventory_fact(inv, &f, 2);
		mk_inventory_fact(inv, &f, 3); /* duplicate: ignored */
	}
	s = snap(inv);
	r = find(&s, "m-001b1b000001");
	assert_non_null(r);
	assert_int_equal(r->n_attrs, 32);
	assert_string_equal(r->attrs[0].key, "key0");
	assert_string_equal(r->attrs[31].value, "value31");
	assert_int_equal(r->attrs[0].source, MK_PROTO_HTTP);
	/* 8 attributes beyond the cap, each offered twice: duplicates of an
	 * attribute that was never stored cannot be recognised. */
	assert_int_equal(mk_inventory_stats(inv)->dropped_attrs, 16);
	snap_free(&s);
	mk_inventory_free(inv);
}

static struct mk_fingerprints *shipped_fp(void)
{
	char err[256];
	struct mk_fingerprints *fp = mk_fingerprints_load(MK_TEST_SRCDIR "/data/fingerprints", err,
	                                                  sizeof(err));

	assert_non_null(fp);
	assert_true(mk_fingerprints_count(fp) > 0);
	return fp;
}

static void test_os_guesses(void **state)
{
	struct mk_fingerprints *fp = shipped_fp();
	struct mk_inventory *inv = new_inv(fp);
	struct mk_fact f;
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;

	(void)state;
	/* H1: DHCP fingerprint + an OS fact + TTL 64: the fingerprint wins. */
	for (int i = 0; i < 5; i++) {
		p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 1);
		mk_inventory_packet(inv, &p);
	}
	f = fact(MK_FACT_ATTR, MK_PROTO_DHCP, MAC_H1, NULL, "1,3,6,15,31,33,43,44,46,47,119,121,249,252");
	f.key = "dhcp_parameter_list";
	mk_inventory_fact(inv, &f, 2);
	f = fact(MK_FACT_OS, MK_PROTO_HTTP, MAC_H1, NULL, "Linux");
	f.confidence = 60;
	mk_inventory_fact(inv, &f, 3);
	/* H2: an OS fact beats the TTL class; the most confident fact wins. */
	p = ip_pkt(MAC_H2, MAC_H1, "192.168.1.20", "192.168.1.10", 128, 4);
	mk_inventory_packet(inv, &p);
	f = fact(MK_FACT_OS, MK_PROTO_SMB, MAC_H2, NULL, "Windows 10 Pro 19045");
	f.confidence = 70;
	mk_inventory_fact(inv, &f, 5);
	f = fact(MK_FACT_OS, MK_PROTO_HTTP, MAC_H2, NULL, "Windows");
	f.confidence = 30;
	mk_inventory_fact(inv, &f, 6);
	/* H3: only TTLs: unicast 113 (Windows class, 15 hops) three times;
	 * multicast/broadcast 255 (mDNS) ignored however often. */
	for (int i = 0; i < 3; i++) {
		p = ip_pkt(MAC_H3, MAC_H1, "192.168.1.30", "192.168.1.10", 113, 7);
		mk_inventory_packet(inv, &p);
	}
	for (int i = 0; i < 10; i++) {
		static const uint8_t mdns_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};

		p = ip_pkt(MAC_H3, mdns_mac, "192.168.1.30", "224.0.0.251", 255, 8);
		mk_inventory_packet(inv, &p);
	}
	s = snap(inv);
	r = find(&s, "m-001b1b000001");
	assert_non_null(r->os);
	assert_string_equal(r->os, "Windows 10/11");
	assert_int_equal(r->os_confidence, 80);
	r = find(&s, "m-0000bc000002");
	assert_string_equal(r->os, "Windows 10 Pro 19045");
	assert_int_equal(r->os_confidence, 70);
	r = find(&s, "m-000c29000003");
	assert_string_equal(r->os, "Windows");
	assert_int_equal(r->os_confidence, 20);
	snap_free(&s);
	mk_inventory_free(inv);
	mk_fingerprints_free(fp);
}

/* An ssh_banner attribute from the SSH parser for the asset of mac. */
static void ssh_banner(struct mk_inventory *inv, const uint8_t *mac, const char *banner,
                       uint64_t ts)
{
	struct mk_fact f = fact(MK_FACT_ATTR, MK_PROTO_SSH, mac, NULL, banner);

	f.key = "ssh_banner";
	mk_inventory_fact(inv, &f, ts);
}

static void test_os_from_ssh_banner(void **state)
{
	static const uint8_t mac_h4[6] = {0x00, 0x0c, 0x29, 0x00, 0x00, 0x04};
	static const uint8_t mac_h5[6] = {0x00, 0x0c, 0x29, 0x00, 0x00, 0x05};
	struct mk_fingerprints *fp = shipped_fp();
	struct mk_inventory *inv = new_inv(fp);
	struct mk_fact f;
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;

	(void)state;
	/* Every host sends unicast with TTL 64 (the Linux/Unix-like class, 20). */
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 1);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H2, MAC_H1, "192.168.1.20", "192.168.1.10", 64, 1);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H3, MAC_H1, "192.168.1.30", "192.168.1.10", 64, 1);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(mac_h4, MAC_H1, "192.168.1.40", "192.168.1.10", 64, 1);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(mac_h5, MAC_H1, "192.168.1.50", "192.168.1.10", 64, 1);
	mk_inventory_packet(inv, &p);
	/* H1: only the banner (ssh__ssh1-ssh2-fingerprints.pcap frame 6) and the
	 * TTL: the banner's token beats the TTL class. */
	ssh_banner(inv, MAC_H1, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1", 2);
	/* H2: the same banner and a DHCP fingerprint: the fingerprint wins. */
	ssh_banner(inv, MAC_H2, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1", 2);
	f = fact(MK_FACT_ATTR, MK_PROTO_DHCP, MAC_H2, NULL, "1,28,2,3,15,6,119,12,44,47,26,121,42");
	f.key = "dhcp_parameter_list";
	mk_inventory_fact(inv, &f, 3);
	/* H3: the banner and an OS fact from a protocol, even a less confident
	 * one: the fact wins. */
	ssh_banner(inv, MAC_H3, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1", 2);
	f = fact(MK_FACT_OS, MK_PROTO_HTTP, MAC_H3, NULL, "Linux 5.4");
	f.confidence = 10;
	mk_inventory_fact(inv, &f, 3);
	/* H4: two banners, the first without an OS token: the one with a token
	 * counts. */
	ssh_banner(inv, mac_h4, "SSH-2.0-OpenSSH_10.2", 2);
	ssh_banner(inv, mac_h4, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5", 3);
	/* H5: a banner without an OS token: the TTL class remains. */
	ssh_banner(inv, mac_h5, "SSH-2.0-PuTTY_Release_0.72", 2);
	s = snap(inv);
	r = find(&s, "m-001b1b000001");
	assert_non_null(r);
	assert_string_equal(attr(r, "ssh_banner"), "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1");
	assert_non_null(r->os);
	assert_string_equal(r->os, "Ubuntu");
	assert_int_equal(r->os_confidence, 30);
	r = find(&s, "m-0000bc000002");
	assert_non_null(r);
	assert_string_equal(r->os, "Linux (dhclient)");
	assert_int_equal(r->os_confidence, 80);
	r = find(&s, "m-000c29000003");
	assert_non_null(r);
	assert_string_equal(r->os, "Linux 5.4");
	assert_int_equal(r->os_confidence, 10);
	r = find(&s, "m-000c29000004");
	assert_non_null(r);
	assert_string_equal(r->os, "Debian");
	assert_int_equal(r->os_confidence, 30);
	r = find(&s, "m-000c29000005");
	assert_non_null(r);
	assert_string_equal(r->os, "Linux/Unix-like");
	assert_int_equal(r->os_confidence, 20);
	snap_free(&s);
	mk_inventory_free(inv);

	/* Without a fingerprint database the banner gives no OS. */
	inv = new_inv(NULL);
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 1);
	mk_inventory_packet(inv, &p);
	ssh_banner(inv, MAC_H1, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1", 2);
	s = snap(inv);
	r = find(&s, "m-001b1b000001");
	assert_non_null(r);
	assert_null(r->os);
	snap_free(&s);
	mk_inventory_free(inv);
	mk_fingerprints_free(fp);
}

static struct mk_flow flow(const uint8_t *cmac, const char *cip, const uint8_t *smac,
                           const char *sip, uint16_t port, uint16_t proto)
{
	struct mk_flow fl;

	memset(&fl, 0, sizeof(fl));
	fl.transport = MK_FT_TCP;
	if (cmac != NULL)
		mk_addr_set_mac(&fl.cli.mac, cmac);
	if (smac != NULL)
		mk_addr_set_mac(&fl.srv.mac, smac);
	fl.cli.ip = ip(cip);
	fl.srv.ip = ip(sip);
	fl.cli.port = 49152;
	fl.srv.port = port;
	fl.app_proto = proto;
	return fl;
}

/* Roles from what a client does to controllers (data/rules/roles.tsv):
 * program downloads and CPU stops make an engineering workstation, reads
 * from three controllers a SCADA server or HMI; office protocols count for
 * neither, and two controllers are not yet "several". */
static void test_roles_from_operations(void **state)
{
	static const uint8_t MAC_P[3][6] = {{0x00, 0x00, 0xbc, 0, 1, 1},
	                                    {0x00, 0x00, 0xbc, 0, 1, 2},
	                                    {0x00, 0x00, 0xbc, 0, 1, 3}};
	static const char *const plc_ip[3] = {"192.168.1.21", "192.168.1.22", "192.168.1.23"};
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_flow fl;
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;
	const struct mk_role_rec *rr;

	(void)state;
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.21", 128, 1); /* engineering PC */
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H3, MAC_H2, "192.168.1.30", "192.168.1.21", 64, 1);  /* SCADA */
	mk_inventory_packet(inv, &p);
	for (int i = 0; i < 3; i++) {
		p = ip_pkt(MAC_P[i], MAC_H1, plc_ip[i], "192.168.1.10", 64, 2);
		mk_inventory_packet(inv, &p);
	}
	/* H1: one S7 flow with a block download and a CPU stop. */
	fl = flow(MAC_H1, "192.168.1.10", MAC_P[0], plc_ip[0], 102, MK_PROTO_S7COMM);
	fl.ops[MK_OP_PROGRAM] = 2;
	fl.ops[MK_OP_CONTROL] = 1;
	mk_inventory_flow(inv, &fl);
	/* H3: reads from two PLCs, plus HTTP reads from the third: not yet. */
	for (int i = 0; i < 2; i++) {
		fl = flow(MAC_H3, "192.168.1.30", MAC_P[i], plc_ip[i], 502, MK_PROTO_MODBUS);
		fl.ops[MK_OP_READ] = 100;
		mk_inventory_flow(inv, &fl);
	}
	fl = flow(MAC_H3, "192.168.1.30", MAC_P[2], plc_ip[2], 80, MK_PROTO_HTTP);
	fl.ops[MK_OP_READ] = 5;
	mk_inventory_flow(inv, &fl);
	s = snap(inv);
	r = find(&s, "m-001b1b000001");
	rr = role(r, MK_ROLE_ENGINEERING_WORKSTATION);
	assert_non_null(rr);
	assert_int_equal(rr->confidence, 80);
	assert_int_equal(rr->n_reasons, 2);
	assert_string_equal(rr->reasons[0], "Downloads or changes controller programs (s7comm)");
	assert_null(role(r, MK_ROLE_SCADA_SERVER));
	assert_null(role(find(&s, "m-000c29000003"), MK_ROLE_SCADA_SERVER));
	snap_free(&s);
	/* The third controller read over FINS makes H3 a poller; repeating a
	 * controller does not count twice. */
	fl = flow(MAC_H3, "192.168.1.30", MAC_P[0], plc_ip[0], 9600, MK_PROTO_FINS);
	fl.ops[MK_OP_READ] = 3;
	mk_inventory_flow(inv, &fl);
	s = snap(inv);
	assert_null(role(find(&s, "m-000c29000003"), MK_ROLE_SCADA_SERVER));
	snap_free(&s);
	fl = flow(MAC_H3, "192.168.1.30", MAC_P[2], plc_ip[2], 9600, MK_PROTO_FINS);
	fl.ops[MK_OP_READ] = 3;
	mk_inventory_flow(inv, &fl);
	s = snap(inv);
	rr = role(find(&s, "m-000c29000003"), MK_ROLE_SCADA_SERVER);
	assert_non_null(rr);
	assert_int_equal(rr->confidence, 60);
	assert_null(role(find(&s, "m-000c29000003"), MK_ROLE_ENGINEERING_WORKSTATION));
	snap_free(&s);
	/* Announcing to a broadcast address makes no client role. */
	fl = flow(MAC_P[2], plc_ip[2], NULL, "192.168.1.255", 47808, MK_PROTO_BACNET);
	fl.ops[MK_OP_DIAGNOSTIC] = 1;
	mk_inventory_flow(inv, &fl);
	s = snap(inv);
	assert_false(mk_proto_set_has(&find(&s, "m-0000bc000103")->client, MK_PROTO_BACNET));
	assert_null(role(find(&s, "m-0000bc000103"), MK_ROLE_SCADA_SERVER));
	snap_free(&s);
	/* A DNP3 master operating breakers is not an engineering workstation. */
	fl = flow(MAC_H3, "192.168.1.30", MAC_P[1], plc_ip[1], 20000, MK_PROTO_DNP3);
	fl.ops[MK_OP_CONTROL] = 4;
	mk_inventory_flow(inv, &fl);
	s = snap(inv);
	assert_null(role(find(&s, "m-000c29000003"), MK_ROLE_ENGINEERING_WORKSTATION));
	snap_free(&s);
	mk_inventory_free(inv);
}

/* A weak role hint from the OUI maker (roles.tsv "vendor" lines). */
static void test_roles_from_vendor(void **state)
{
	static const uint8_t MAC_BROTHER[6] = {0x00, 0x80, 0x77, 0x10, 0x00, 0x50};
	struct mk_inventory_limits lim;
	char err[256];
	struct mk_oui *oui = mk_oui_load(NULL, err, sizeof(err));
	struct mk_inventory *inv;
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_role_rec *rr;

	(void)state;
	if (oui == NULL || mk_oui_lookup(oui, MAC_BROTHER) == NULL) {
		mk_oui_free(oui);
		skip(); /* ieee-data not installed */
	}
	mk_inventory_limits_default(&lim);
	inv = mk_inventory_new(&lim, oui, NULL);
	assert_non_null(inv);
	p = ip_pkt(MAC_BROTHER, MAC_H1, "192.168.10.50", "192.168.10.1", 64, 1);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H2, MAC_H1, "192.168.10.51", "192.168.10.1", 64, 1);
	mk_inventory_packet(inv, &p);
	s = snap(inv);
	rr = role(find(&s, "m-008077100050"), MK_ROLE_PRINTER);
	assert_non_null(rr);
	assert_int_equal(rr->confidence, 40);
	assert_null(role(find(&s, "m-0000bc000002"), MK_ROLE_PRINTER));
	snap_free(&s);
	mk_inventory_free(inv);
	mk_oui_free(oui);
}

static void test_roles_from_protocols(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_flow fl;
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;
	const struct mk_role_rec *rr;

	(void)state;
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 1);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H2, MAC_H1, "192.168.1.20", "192.168.1.10", 64, 2);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H3, MAC_H1, "192.168.1.30", "192.168.1.10", 64, 3);
	mk_inventory_packet(inv, &p);
	/* H1 polls H2 over Modbus and S7comm; H3 is a printer. */
	fl = flow(MAC_H1, "192.168.1.10", MAC_H2, "192.168.1.20", 502, MK_PROTO_MODBUS);
	mk_inventory_flow(inv, &fl);
	fl = flow(MAC_H1, "192.168.1.10", MAC_H2, "192.168.1.20", 102, MK_PROTO_S7COMM);
	mk_inventory_flow(inv, &fl);
	fl = flow(MAC_H1, "192.168.1.10", MAC_H3, "192.168.1.30", 9100, MK_PROTO_JETDIRECT);
	mk_inventory_flow(inv, &fl);
	fl = flow(MAC_H1, "192.168.1.10", MAC_H3, "192.168.1.30", 631, MK_PROTO_UNKNOWN);
	mk_inventory_flow(inv, &fl);
	s = snap(inv);
	r = find(&s, "m-0000bc000002");
	assert_true(mk_proto_set_has(&r->server, MK_PROTO_MODBUS));
	assert_true(mk_proto_set_has(&r->server, MK_PROTO_S7COMM));
	assert_false(mk_proto_set_has(&r->client, MK_PROTO_MODBUS));
	rr = role(r, MK_ROLE_PLC);
	assert_non_null(rr);
	assert_int_equal(rr->confidence, 85); /* max of 70 (modbus) and 85 (s7comm) */
	assert_int_equal(rr->n_reasons, 2);
	assert_int_equal(r->roles[0].role, MK_ROLE_PLC);
	r = find(&s, "m-001b1b000001");
	assert_true(mk_proto_set_has(&r->client, MK_PROTO_MODBUS));
	assert_non_null(role(r, MK_ROLE_HMI));
	assert_null(role(r, MK_ROLE_PLC));
	r = find(&s, "m-000c29000003");
	assert_non_null(role(r, MK_ROLE_PRINTER));
	assert_false(mk_proto_set_has(&r->server, MK_PROTO_UNKNOWN));
	snap_free(&s);
	mk_inventory_free(inv);
}

/* A switch sends LLDP from a port MAC (H3) and advertises its management
 * address, while its IP traffic comes from its base MAC (H1).  The address
 * belongs to the MAC that sends it, whichever came first. */
static void test_advertised_binding_yields_to_sender(void **state)
{
	for (int order = 0; order < 2; order++) {
		struct mk_inventory *inv = new_inv(NULL);
		struct mk_fact f = fact(MK_FACT_BINDING, MK_PROTO_LLDP, MAC_H3, "192.168.1.2", NULL);
		struct mk_pkt p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.2", "192.168.1.9", 64, 0);
		struct snapshot s;
		const struct mk_asset_rec *r;

		(void)state;
		f.confidence = 50;
		p.ts_ns = order == 0 ? 10 : 30;
		mk_inventory_packet(inv, &p);
		mk_inventory_fact(inv, &f, 20);
		mk_inventory_fact(inv, &f, 40); /* LLDP repeats */
		s = snap(inv);
		r = find(&s, "m-001b1b000001");
		assert_non_null(r);
		assert_true(has_ip(r, "192.168.1.2"));
		r = find(&s, "m-000c29000003");
		assert_non_null(r);
		assert_false(has_ip(r, "192.168.1.2"));
		snap_free(&s);
		mk_inventory_free(inv);
	}
	/* Alone, an advertised address does make the advertiser its owner. */
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_fact f = fact(MK_FACT_BINDING, MK_PROTO_CDP, MAC_H3, "192.168.1.3", NULL);
	struct snapshot s;

	f.confidence = 50;
	mk_inventory_fact(inv, &f, 5);
	s = snap(inv);
	assert_non_null(find(&s, "m-000c29000003"));
	assert_true(has_ip(find(&s, "m-000c29000003"), "192.168.1.3"));
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_role_facts_and_lldp_router(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_fact f;
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;

	(void)state;
	/* LLDP says R is a router (capabilities) and gives its management
	 * address; R forwards one host of another subnet. */
	f = fact(MK_FACT_ROLE, MK_PROTO_LLDP, MAC_R, NULL, "LLDP capabilities: router enabled");
	f.role = MK_ROLE_ROUTER;
	f.confidence = 80;
	mk_inventory_fact(inv, &f, 1);
	f = fact(MK_FACT_BINDING, MK_PROTO_LLDP, MAC_R, "192.168.1.1", NULL);
	mk_inventory_fact(inv, &f, 1);
	p = ip_pkt(MAC_R, MAC_H1, "10.5.5.5", "192.168.1.10", 63, 2);
	mk_inventory_packet(inv, &p);
	s = snap(inv);
	r = find(&s, "m-000c29aabbcc");
	assert_non_null(r);
	assert_int_equal(r->n_ips, 1);
	assert_true(has_ip(r, "192.168.1.1"));
	assert_non_null(role(r, MK_ROLE_ROUTER));
	assert_int_equal(role(r, MK_ROLE_ROUTER)->confidence, 80);
	assert_string_equal(role(r, MK_ROLE_ROUTER)->reasons[0], "LLDP capabilities: router enabled");
	assert_non_null(find(&s, "i-10.5.5.5"));
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_ip_moves_keep_last_and_history(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;
	const char *h;

	(void)state;
	p = ip_pkt(MAC_H1, MAC_H3, "192.168.1.50", "192.168.1.30", 64, 10);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H2, MAC_H3, "192.168.1.50", "192.168.1.30", 64, 20);
	mk_inventory_packet(inv, &p);
	s = snap(inv);
	r = find(&s, "m-001b1b000001");
	assert_int_equal(r->n_ips, 0);
	r = find(&s, "m-0000bc000002");
	assert_int_equal(r->n_ips, 1);
	assert_true(has_ip(r, "192.168.1.50"));
	h = attr(r, "ip_mac_history");
	assert_non_null(h);
	assert_string_equal(h, "192.168.1.50: 00:1b:1b:00:00:01 -> 00:00:bc:00:00:02");
	snap_free(&s);
	/* It moves back: the last sender wins again. */
	p = ip_pkt(MAC_H1, MAC_H3, "192.168.1.50", "192.168.1.30", 64, 30);
	mk_inventory_packet(inv, &p);
	s = snap(inv);
	assert_true(has_ip(find(&s, "m-001b1b000001"), "192.168.1.50"));
	assert_false(has_ip(find(&s, "m-0000bc000002"), "192.168.1.50"));
	assert_string_equal(attr(find(&s, "m-001b1b000001"), "ip_mac_history"),
	                    "192.168.1.50: 00:00:bc:00:00:02 -> 00:1b:1b:00:00:01");
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_raw_ip_and_sll(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_pkt p;
	struct mk_fact f;
	struct snapshot s;
	const struct mk_asset_rec *r;

	(void)state;
	/* Raw IP link: no MACs. */
	p = ip_pkt(NULL, NULL, "10.0.0.1", "10.0.0.2", 64, 1);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(NULL, NULL, "198.51.100.9", "10.0.0.1", 64, 2);
	mk_inventory_packet(inv, &p);
	/* A name for 10.0.0.3 before it speaks: pending, not an asset yet. */
	f = fact(MK_FACT_NAME, MK_PROTO_DNS, NULL, "10.0.0.3", "historian");
	mk_inventory_fact(inv, &f, 3);
	s = snap(inv);
	assert_int_equal(s.n, 1);
	r = find(&s, "i-10.0.0.1");
	assert_non_null(r);
	assert_int_equal(r->packets, 2);
	snap_free(&s);
	p = ip_pkt(NULL, NULL, "10.0.0.3", "10.0.0.1", 64, 4);
	mk_inventory_packet(inv, &p);
	/* Linux cooked capture: no has_mac, but src_mac is the sender. */
	p = ip_pkt(NULL, NULL, "10.0.0.4", "10.0.0.1", 64, 5);
	p.layers |= MK_L_SLL;
	memcpy(p.src_mac, MAC_H3, 6);
	mk_inventory_packet(inv, &p);
	s = snap(inv);
	assert_int_equal(s.n, 3);
	r = find(&s, "i-10.0.0.3");
	assert_non_null(r);
	assert_int_equal(r->n_names, 1);
	assert_string_equal(r->names[0].name, "historian");
	r = find(&s, "m-000c29000003");
	assert_non_null(r);
	assert_true(has_ip(r, "10.0.0.4"));
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_ipv6(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;
	char buf[64];

	(void)state;
	/* A host with privacy addresses: five in one /64, a link-local and an
	 * IPv4: not a router. */
	for (int i = 1; i <= 5; i++) {
		snprintf(buf, sizeof(buf), "2001:db8:1:2::%x", i);
		p = ip_pkt(MAC_H1, MAC_R, buf, "2001:db8:ffff::1", 64, (uint64_t)i);
		mk_inventory_packet(inv, &p);
	}
	p = ip_pkt(MAC_H1, MAC_R, "fe80::21b:1bff:fe00:1", "fe80::1", 64, 6);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H1, MAC_R, "192.168.1.10", "192.168.1.1", 64, 7);
	mk_inventory_packet(inv, &p);
	/* A router: its link-local address is its own (never routed), remote
	 * ULA hosts behind it are assets of their own. */
	p = ip_pkt(MAC_R, MAC_H1, "fe80::1", "fe80::21b:1bff:fe00:1", 255, 8);
	mk_inventory_packet(inv, &p);
	for (int i = 1; i <= 4; i++) {
		snprintf(buf, sizeof(buf), "fd00:%x::5", i);
		p = ip_pkt(MAC_R, MAC_H1, buf, "2001:db8:1:2::1", 60, 9);
		mk_inventory_packet(inv, &p);
	}
	s = snap(inv);
	r = find(&s, "m-001b1b000001");
	assert_non_null(r);
	assert_null(role(r, MK_ROLE_ROUTER));
	assert_int_equal(r->n_ips, 7);
	assert_true(has_ip(r, "2001:db8:1:2::3"));
	assert_true(has_ip(r, "fe80::21b:1bff:fe00:1"));
	r = find(&s, "m-000c29aabbcc");
	assert_non_null(r);
	assert_non_null(role(r, MK_ROLE_ROUTER));
	assert_int_equal(r->n_ips, 1);
	assert_true(has_ip(r, "fe80::1"));
	assert_non_null(find(&s, "i-fd00:3::5"));
	assert_int_equal(s.n, 6);
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_load_roundtrip(void **state)
{
	struct mk_inventory *inv = new_inv(NULL), *inv2;
	struct mk_pkt p;
	struct mk_fact f;
	struct mk_flow fl;
	struct snapshot s1, s2;
	const struct mk_asset_rec *r;

	(void)state;
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 100);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H2, MAC_H1, "192.168.1.20", "192.168.1.10", 64, 110);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_R, MAC_H1, "10.9.0.1", "192.168.1.10", 64, 120);
	mk_inventory_packet(inv, &p);
	p = arp_pkt(MAC_R, "192.168.1.1", 2, 121);
	mk_inventory_packet(inv, &p);
	for (int i = 2; i <= 5; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "10.9.0.%d", i);
		p = ip_pkt(MAC_R, MAC_H1, buf, "192.168.1.10", 64, 130);
		mk_inventory_packet(inv, &p);
	}
	f = fact(MK_FACT_NAME, MK_PROTO_NBNS, MAC_H1, "192.168.1.10", "PLC-01");
	mk_inventory_fact(inv, &f, 101);
	f = fact(MK_FACT_IDENTITY, MK_PROTO_S7COMM, MAC_H2, NULL, NULL);
	f.identity.vendor = "Siemens";
	mk_inventory_fact(inv, &f, 111);
	fl = flow(MAC_H1, "192.168.1.10", MAC_H2, "192.168.1.20", 502, MK_PROTO_MODBUS);
	mk_inventory_flow(inv, &fl);
	s1 = snap(inv);
	assert_int_equal(s1.n, 8);

	/* A new run seeded from the database: same ids, same content. */
	inv2 = new_inv(NULL);
	for (size_t i = 0; i < s1.n; i++)
		mk_inventory_load(inv2, &s1.r[i]);
	s2 = snap(inv2);
	assert_int_equal(s2.n, s1.n);
	for (size_t i = 0; i < s1.n; i++) {
		assert_string_equal(s2.r[i].id, s1.r[i].id);
		assert_int_equal(s2.r[i].n_ips, s1.r[i].n_ips);
		for (size_t j = 0; j < s1.r[i].n_ips; j++)
			assert_true(mk_addr_eq(&s2.r[i].ips[j], &s1.r[i].ips[j]));
		assert_int_equal(s2.r[i].n_names, s1.r[i].n_names);
		assert_int_equal(s2.r[i].packets, s1.r[i].packets);
		assert_int_equal(s2.r[i].first_ns, s1.r[i].first_ns);
		assert_int_equal(s2.r[i].n_roles, s1.r[i].n_roles);
		assert_memory_equal(&s2.r[i].server, &s1.r[i].server, sizeof(s1.r[i].server));
	}
	r = find(&s2, "m-0000bc000002");
	assert_non_null(r->identity);
	assert_string_equal(r->identity->vendor, "Siemens");
	assert_non_null(role(find(&s2, "m-000c29aabbcc"), MK_ROLE_ROUTER));
	snap_free(&s2);

	/* New traffic and facts merge into the loaded assets. */
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 900);
	mk_inventory_packet(inv2, &p);
	f = fact(MK_FACT_NAME, MK_PROTO_MDNS, NULL, "192.168.1.10", "plc01.local");
	mk_inventory_fact(inv2, &f, 901);
	s2 = snap(inv2);
	r = find(&s2, "m-001b1b000001");
	assert_int_equal(r->n_names, 2);
	assert_string_equal(r->names[0].name, "PLC-01");
	assert_string_equal(r->names[1].name, "plc01.local");
	assert_int_equal(r->first_ns, 100);
	assert_int_equal(r->last_ns, 900);
	assert_int_equal(r->packets, find(&s1, "m-001b1b000001")->packets + 1);
	assert_int_equal(r->n_ips, 1);
	snap_free(&s2);
	snap_free(&s1);
	mk_inventory_free(inv2);
	mk_inventory_free(inv);
}


/* The VLANs of a MAC asset: the innermost tag, 1-4094 only, the first
 * MK_ASSET_MAX_VLANS (more counted), noted at a flow's first packet only,
 * none for assets behind a router, kept across a reload. */
static void tag(struct mk_pkt *p, uint16_t outer, uint16_t inner)
{
	p->layers |= MK_L_VLAN;
	p->vlan_count = inner != 0 ? 2 : 1;
	p->vlan[0] = outer;
	p->vlan[1] = inner;
}

static void test_vlans(void **state)
{
	struct mk_inventory *inv = new_inv(NULL), *inv2;
	struct mk_inventory_refs r1[2], r2[2];
	struct snapshot s, s2;
	const struct mk_asset_rec *a;
	struct mk_pkt p;

	(void)state;
	memset(r1, 0, sizeof(r1));
	memset(r2, 0, sizeof(r2));
	/* one flow on VLAN 20: the first packet notes it; a later packet of the
	 * same flow is not looked at (it cannot change VLAN: flows key on it) */
	for (int i = 0; i < 5; i++) {
		p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 100 + (uint64_t)i);
		tag(&p, i < 4 ? 20 : 99, 0);
		mk_inventory_packet_refs(inv, &p, &r1[0], &r1[1]);
	}
	/* the answers: H2 on VLAN 20 too */
	p = ip_pkt(MAC_H2, MAC_H1, "192.168.1.20", "192.168.1.10", 64, 110);
	tag(&p, 20, 0);
	mk_inventory_packet_refs(inv, &p, &r1[1], &r1[0]);
	/* another flow of H1 on VLAN 10; a Q-in-Q frame counts its inner tag;
	 * a priority tag (VLAN 0, PROFINET) and 4095 are no VLAN */
	p = ip_pkt(MAC_H1, MAC_H3, "192.168.1.10", "192.168.1.30", 64, 120);
	tag(&p, 10, 0);
	mk_inventory_packet_refs(inv, &p, &r2[0], &r2[1]);
	p = ip_pkt(MAC_H1, MAC_H3, "192.168.1.10", "192.168.1.30", 64, 121);
	tag(&p, 300, 30);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H3, MAC_H1, "192.168.1.30", "192.168.1.10", 64, 122);
	tag(&p, 0, 0);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H3, MAC_H1, "192.168.1.30", "192.168.1.10", 64, 123);
	tag(&p, 4095, 0);
	mk_inventory_packet(inv, &p);
	/* a known device answering in a new flow: the flow's first packet (to
	 * it) filled its ref as the receiver; its own first packet still notes
	 * the VLAN */
	{
		struct mk_inventory_refs r3[2];

		memset(r3, 0, sizeof(r3));
		p = ip_pkt(MAC_H1, MAC_H3, "192.168.1.10", "192.168.1.30", 64, 125);
		tag(&p, 77, 0);
		mk_inventory_packet_refs(inv, &p, &r3[0], &r3[1]);
		p = ip_pkt(MAC_H3, MAC_H1, "192.168.1.30", "192.168.1.10", 64, 126);
		tag(&p, 77, 0);
		mk_inventory_packet_refs(inv, &p, &r3[1], &r3[0]);
	}
	/* untagged traffic adds nothing */
	p = ip_pkt(MAC_H1, MAC_H3, "192.168.1.10", "192.168.1.30", 64, 124);
	mk_inventory_packet(inv, &p);
	s = snap(inv);
	a = find(&s, "m-001b1b000001");
	assert_non_null(a);
	assert_int_equal(a->n_vlans, 4);
	assert_int_equal(a->vlans[0], 10); /* ascending */
	assert_int_equal(a->vlans[1], 20);
	assert_int_equal(a->vlans[2], 30);
	assert_int_equal(a->vlans[3], 77);
	a = find(&s, "m-0000bc000002");
	assert_int_equal(a->n_vlans, 1);
	assert_int_equal(a->vlans[0], 20);
	a = find(&s, "m-000c29000003");
	assert_int_equal(a->n_vlans, 1);
	assert_int_equal(a->vlans[0], 77);
	assert_int_equal(mk_inventory_stats(inv)->dropped_vlans, 0);
	snap_free(&s);

	/* six VLANs from one MAC: four kept, the rest counted */
	for (uint16_t v = 1; v <= 6; v++) {
		p = ip_pkt(MAC_H2, MAC_H1, "192.168.1.20", "192.168.1.10", 64, 200 + v);
		tag(&p, (uint16_t)(100 + v), 0);
		mk_inventory_packet(inv, &p);
	}
	assert_int_equal(mk_inventory_stats(inv)->dropped_vlans, 3);
	/* a router on VLAN 50 fronting four hosts: the hosts, IP-keyed, have no
	 * VLAN (their frames were the router's) */
	for (int i = 1; i <= 4; i++) {
		char sip[32];

		snprintf(sip, sizeof(sip), "10.9.0.%d", i);
		p = ip_pkt(MAC_R, MAC_H1, sip, "192.168.1.10", 64, 300 + (uint64_t)i);
		tag(&p, 50, 0);
		mk_inventory_packet(inv, &p);
	}
	s = snap(inv);
	a = find(&s, "m-0000bc000002");
	assert_int_equal(a->n_vlans, MK_ASSET_MAX_VLANS);
	assert_int_equal(a->vlans[0], 20);
	assert_int_equal(a->vlans[3], 103);
	assert_non_null(role(find(&s, "m-000c29aabbcc"), MK_ROLE_ROUTER));
	assert_int_equal(find(&s, "m-000c29aabbcc")->n_vlans, 1);
	assert_int_equal(find(&s, "m-000c29aabbcc")->vlans[0], 50);
	a = find(&s, "i-10.9.0.1");
	assert_non_null(a);
	assert_int_equal(a->n_vlans, 0);

	/* the next run starts from the records: VLANs kept, new ones added */
	inv2 = new_inv(NULL);
	for (size_t i = 0; i < s.n; i++)
		mk_inventory_load(inv2, &s.r[i]);
	p = ip_pkt(MAC_H3, MAC_H1, "192.168.1.30", "192.168.1.10", 64, 400);
	tag(&p, 10, 0);
	mk_inventory_packet(inv2, &p);
	s2 = snap(inv2);
	a = find(&s2, "m-001b1b000001");
	assert_int_equal(a->n_vlans, 4);
	assert_int_equal(a->vlans[2], 30);
	assert_int_equal(find(&s2, "m-0000bc000002")->n_vlans, MK_ASSET_MAX_VLANS);
	a = find(&s2, "m-000c29000003");
	assert_int_equal(a->n_vlans, 2);
	assert_int_equal(a->vlans[0], 10);
	assert_int_equal(a->vlans[1], 77);
	snap_free(&s2);
	snap_free(&s);
	mk_inventory_free(inv2);
	mk_inventory_free(inv);
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void test_flood_of_random_macs(void **state)
{
	struct mk_inventory_limits lim;
	struct mk_inventory *inv;
	struct mk_pkt p;
	size_t mem;

	(void)state;
	size_t heap0 = HEAP_BYTES(), heap1;

	mk_inventory_limits_default(&lim);
	lim.max_assets = 1000;
	inv = mk_inventory_new(&lim, NULL, NULL);
	assert_non_null(inv);
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 1);
	rng_state = 0x1234567;
	for (uint32_t i = 0; i < 1000000; i++) {
		uint32_t x = rnd(), y = rnd();

		p.src_mac[0] = (uint8_t)(x & 0xfc);
		p.src_mac[1] = (uint8_t)(x >> 8);
		p.src_mac[2] = (uint8_t)(x >> 16);
		p.src_mac[3] = (uint8_t)(x >> 24);
		p.src_mac[4] = (uint8_t)y;
		p.src_mac[5] = (uint8_t)(y >> 8);
		p.src_ip.a[2] = (uint8_t)(y >> 16);
		p.src_ip.a[3] = (uint8_t)(y >> 24);
		p.ts_ns = i;
		mk_inventory_packet(inv, &p);
	}
	mem = mk_inventory_memory(inv);
	heap1 = HEAP_BYTES();
	printf("flood: %llu assets, %llu dropped, %zu bytes accounted, heap grew %zu bytes\n",
	       (unsigned long long)mk_inventory_stats(inv)->assets,
	       (unsigned long long)mk_inventory_stats(inv)->dropped_assets, mem,
	       heap1 > heap0 ? heap1 - heap0 : 0);
	/* The allocator agrees: the heap grew by well under 1 MB. */
	assert_true(heap1 < heap0 + (1u << 20));
	assert_int_equal(mk_inventory_stats(inv)->assets, 1000);
	assert_true(mk_inventory_stats(inv)->dropped_assets > 990000);
	/* Bounded: about 1000 assets' worth, far from a million. */
	assert_true(mem < 1000 * 400);
	{
		struct snapshot s = snap(inv);

		assert_true(s.n <= 1000);
		snap_free(&s);
	}
	mk_inventory_free(inv);
}

/* A randomized sequence of hosts, routers, moves, ARP, bindings, names and
 * raw-IP packets: every private source IPv4 must be in exactly one asset. */
static void test_invariant_one_asset_per_ip(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct mk_inventory *inv = new_inv(NULL);
		uint8_t seen[256][2] = {{0}}; /* sourced 10.0.x.y for x < 2 */
		struct snapshot s;

		rng_state = seed * 0x9e3779b97f4a7c15ull;
		for (int i = 0; i < 3000; i++) {
			uint32_t r = rnd();
			uint8_t mac[6] = {0x00, 0x0c, 0x29, 0, 0, (uint8_t)(r % 24)};
			uint8_t x = (uint8_t)((r >> 8) & 1), y = (uint8_t)(r >> 16);
			char sip[32];
			struct mk_pkt p;

			/* MACs 0-2 act as routers: any address; the others use
			 * mostly "their own" address, sometimes a neighbour's. */
			if (mac[5] >= 3 && (r >> 28) != 0)
				y = (uint8_t)(mac[5] * 10 + (y % 3));
			snprintf(sip, sizeof(sip), "10.0.%u.%u", x, y);
			switch ((r >> 24) % 8) {
			case 0:
				p = arp_pkt(mac, sip, 2, (uint64_t)i);
				break;
			case 1:
				p = ip_pkt(NULL, NULL, sip, "10.0.9.9", 64, (uint64_t)i);
				break;
			case 2: {
				struct mk_fact f = fact(MK_FACT_BINDING, MK_PROTO_DHCP, mac, sip, NULL);

				mk_inventory_fact(inv, &f, (uint64_t)i);
				f = fact(MK_FACT_NAME, MK_PROTO_DHCP, NULL, sip, "n");
				mk_inventory_fact(inv, &f, (uint64_t)i);
				seen[y][x] = 1; /* announced counts as present */
				continue;
			}
			default:
				p = ip_pkt(mac, MAC_H1, sip, "10.0.9.9", 64, (uint64_t)i);
				break;
			}
			mk_inventory_packet(inv, &p);
			seen[y][x] = 1;
		}
		s = snap(inv);
		for (int x = 0; x < 2; x++)
			for (int y = 0; y < 256; y++) {
				char buf[32];
				struct mk_addr a;

				snprintf(buf, sizeof(buf), "10.0.%d.%d", x, y);
				a = ip(buf);
				if (y == 0 && seen[y][x] == 0)
					continue;
				assert_int_equal(assets_holding(&s, &a), seen[y][x] ? 1 : 0);
			}
		/* And the same after a reload into a fresh inventory. */
		{
			struct mk_inventory *inv2 = new_inv(NULL);
			struct snapshot s2;

			for (size_t i = 0; i < s.n; i++)
				mk_inventory_load(inv2, &s.r[i]);
			s2 = snap(inv2);
			for (size_t i = 0; i < s.n; i++)
				for (size_t j = 0; j < s.r[i].n_ips; j++)
					assert_int_equal(assets_holding(&s2, &s.r[i].ips[j]), 1);
			snap_free(&s2);
			mk_inventory_free(inv2);
		}
		snap_free(&s);
		mk_inventory_free(inv);
	}
}

/* Two inventories fed the same random packets, one plainly and one through
 * per-flow refs that are sometimes garbage, sometimes stale negatives, and
 * whose MACs change under them: the ledgers must be identical, field by
 * field, with a small asset cap so that "no room" happens too. */
static void test_refs_change_nothing(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 10; seed++) {
		struct mk_inventory_limits lim;
		struct mk_inventory *plain, *fast;
		struct mk_inventory_refs refs[64][2];
		struct snapshot a, b;

		mk_inventory_limits_default(&lim);
		lim.max_assets = seed % 2 ? 40 : 4096;
		plain = mk_inventory_new(&lim, NULL, NULL);
		fast = mk_inventory_new(&lim, NULL, NULL);
		assert_non_null(plain);
		assert_non_null(fast);
		memset(refs, 0, sizeof(refs));
		rng_state = seed * 0x9e3779b97f4a7c15ull;
		for (int i = 0; i < 4000; i++) {
			uint32_t r = rnd();
			unsigned f = r % 64; /* the flow: its two endpoints follow from f */
			uint8_t smac[6] = {0x00, 0x0c, 0x29, 0, 1, (uint8_t)(f % 16)};
			uint8_t dmac[6] = {0x00, 0x0c, 0x29, 0, 2, (uint8_t)(f / 4)};
			char sip[32], dip[32];
			int dir = (r >> 6) & 1;
			struct mk_pkt p;

			if (((r >> 7) & 15) == 0)
				smac[4] = 9; /* the flow's MAC changes under the ref */
			/* Flows 48..63 talk to the internet. */
			snprintf(sip, sizeof(sip), "10.1.%u.%u", f % 16, f % 7);
			if (f >= 48)
				snprintf(dip, sizeof(dip), "198.51.100.%u", f);
			else
				snprintf(dip, sizeof(dip), "10.2.%u.%u", f / 4, 1 + f % 3);
			p = dir == 0 ? ip_pkt(smac, dmac, sip, dip, 64, (uint64_t)i)
			             : ip_pkt(dmac, smac, dip, sip, 128, (uint64_t)i);
			if (((r >> 11) & 63) == 0) {
				/* garbage in a ref: must be ignored */
				refs[f][0].mac = rnd();
				refs[f][1].ip = rnd() | 0x80000000u;
			}
			mk_inventory_packet(plain, &p);
			mk_inventory_packet_refs(fast, &p, &refs[f][dir], &refs[f][!dir]);
		}
		a = snap(plain);
		b = snap(fast);
		assert_int_equal(a.n, b.n);
		for (size_t i = 0; i < a.n; i++) {
			const struct mk_asset_rec *y = find(&b, a.r[i].id);

			assert_non_null(y);
			assert_int_equal(a.r[i].packets, y->packets);
			assert_int_equal(a.r[i].bytes, y->bytes);
			assert_int_equal(a.r[i].first_ns, y->first_ns);
			assert_int_equal(a.r[i].last_ns, y->last_ns);
			assert_int_equal(a.r[i].n_ips, y->n_ips);
			for (size_t j = 0; j < a.r[i].n_ips; j++)
				assert_true(mk_addr_eq(&a.r[i].ips[j], &y->ips[j]));
			/* the TTL counts behind the OS guess, through the guess */
			assert_true((a.r[i].os == NULL) == (y->os == NULL));
			if (a.r[i].os != NULL)
				assert_string_equal(a.r[i].os, y->os);
		}
		snap_free(&a);
		snap_free(&b);
		mk_inventory_free(plain);
		mk_inventory_free(fast);
	}
}

static void test_received_traffic_and_nulls(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_pkt p;
	struct mk_fact f;
	struct snapshot s;

	(void)state;
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 1);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H2, MAC_H1, "192.168.1.20", "192.168.1.10", 64, 2);
	mk_inventory_packet(inv, &p);
	mk_inventory_packet(inv, &p);
	/* A zero source MAC is no asset. */
	{
		static const uint8_t zero[6];

		p = ip_pkt(zero, MAC_H1, "192.168.1.99", "192.168.1.10", 64, 3);
		mk_inventory_packet(inv, &p);
	}
	/* Facts not resolved to explicit hosts, and operations, are ignored. */
	f = fact(MK_FACT_NAME, MK_PROTO_DNS, MAC_H1, NULL, "x");
	f.host.kind = MK_HOST_SENDER;
	mk_inventory_fact(inv, &f, 4);
	f = fact(MK_FACT_OPERATION, MK_PROTO_MODBUS, MAC_H1, NULL, "fc=16");
	mk_inventory_fact(inv, &f, 4);
	mk_inventory_packet(inv, NULL);
	mk_inventory_fact(inv, NULL, 0);
	mk_inventory_flow(inv, NULL);
	mk_inventory_load(inv, NULL);
	mk_inventory_packet(NULL, &p);
	s = snap(inv);
	/* H1 sent 1 and received 3 (two from H2, one from the zero MAC). */
	assert_int_equal(find(&s, "m-001b1b000001")->packets, 4);
	assert_int_equal(find(&s, "m-001b1b000001")->n_names, 0);
	/* H2 sent 2; the packet it received came before it was known. */
	assert_int_equal(find(&s, "m-0000bc000002")->packets, 2);
	assert_non_null(find(&s, "i-192.168.1.99"));
	assert_int_equal(s.n, 3);
	snap_free(&s);
	mk_inventory_free(inv);
	mk_inventory_free(NULL);
}

static void test_all_public_segment(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;
	char buf[32];

	(void)state;
	/* No private addresses at all (a capture off a public LAN): a host keeps
	 * the public address it sources; the gateway that forwards five
	 * internet peers is a router and keeps none. */
	p = ip_pkt(MAC_H1, MAC_R, "198.51.100.5", "203.0.113.1", 64, 1);
	mk_inventory_packet(inv, &p);
	for (int i = 1; i <= 5; i++) {
		snprintf(buf, sizeof(buf), "203.0.113.%d", i);
		p = ip_pkt(MAC_R, MAC_H1, buf, "198.51.100.5", 50, 2);
		mk_inventory_packet(inv, &p);
	}
	s = snap(inv);
	assert_int_equal(s.n, 2);
	r = find(&s, "m-001b1b000001");
	assert_int_equal(r->n_ips, 1);
	assert_true(has_ip(r, "198.51.100.5"));
	r = find(&s, "m-000c29aabbcc");
	assert_int_equal(r->n_ips, 0);
	assert_string_equal(role(r, MK_ROLE_ROUTER)->reasons[0], "Fronts 5 IP addresses");
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_public_static_plant_addresses(void **state)
{
	struct mk_inventory *inv = new_inv(NULL);
	struct mk_pkt p;
	struct snapshot s;
	const struct mk_asset_rec *r;

	(void)state;
	/* Two PROFINET devices with static addresses outside RFC 1918 talk to
	 * each other (seen in shared/captures/profinet/profinet_io_cm.pcap),
	 * next to an ordinary private network: neither is a router, and both
	 * keep their addresses. */
	p = ip_pkt(MAC_H1, MAC_H2, "140.140.60.50", "140.140.60.210", 64, 1);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H2, MAC_H1, "140.140.60.210", "140.140.60.50", 64, 2);
	mk_inventory_packet(inv, &p);
	p = ip_pkt(MAC_H3, MAC_R, "192.168.1.30", "192.168.1.1", 64, 3);
	mk_inventory_packet(inv, &p);
	s = snap(inv);
	assert_int_equal(s.n, 3);
	r = find(&s, "m-001b1b000001");
	assert_null(role(r, MK_ROLE_ROUTER));
	assert_int_equal(r->n_ips, 1);
	assert_true(has_ip(r, "140.140.60.50"));
	r = find(&s, "m-0000bc000002");
	assert_null(role(r, MK_ROLE_ROUTER));
	assert_true(has_ip(r, "140.140.60.210"));
	snap_free(&s);
	mk_inventory_free(inv);
}

static void test_vendor_and_pending_cap(void **state)
{
	struct mk_inventory_limits lim;
	struct mk_inventory *inv;
	struct mk_oui *oui;
	struct mk_pkt p;
	struct mk_fact f;
	struct snapshot s;
	char err[256], buf[32];

	(void)state;
	oui = mk_oui_load("/usr/share/ieee-data", err, sizeof(err));
	assert_non_null(oui);
	mk_inventory_limits_default(&lim);
	lim.max_pending_ips = 2;
	inv = mk_inventory_new(&lim, oui, NULL);
	p = ip_pkt(MAC_H1, MAC_H2, "192.168.1.10", "192.168.1.20", 64, 1);
	mk_inventory_packet(inv, &p);
	/* Names for five silent private IPs: two wait, three are dropped. */
	for (int i = 1; i <= 5; i++) {
		snprintf(buf, sizeof(buf), "192.168.7.%d", i);
		f = fact(MK_FACT_NAME, MK_PROTO_DNS, NULL, buf, "silent");
		mk_inventory_fact(inv, &f, 2);
	}
	assert_int_equal(mk_inventory_stats(inv)->dropped_facts, 3);
	s = snap(inv);
	assert_int_equal(s.n, 1);
	if (mk_oui_count(oui) > 0)
		assert_string_equal(s.r[0].vendor, "Siemens AG");
	snap_free(&s);
	mk_inventory_free(inv);
	mk_oui_free(oui);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_with_two_ips),
		cmocka_unit_test(test_vlans),
		cmocka_unit_test(test_router_with_ten_hosts_behind),
		cmocka_unit_test(test_public_ips_are_not_assets),
		cmocka_unit_test(test_arp_bindings),
		cmocka_unit_test(test_dhcp_binding),
		cmocka_unit_test(test_advertised_binding_yields_to_sender),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_identity_merge),
		cmocka_unit_test(test_attrs_cap),
		cmocka_unit_test(test_os_guesses),
		cmocka_unit_test(test_os_from_ssh_banner),
		cmocka_unit_test(test_roles_from_protocols),
		cmocka_unit_test(test_roles_from_vendor),
		cmocka_unit_test(test_roles_from_operations),
		cmocka_unit_test(test_role_facts_and_lldp_router),
		cmocka_unit_test(test_ip_moves_keep_last_and_history),
		cmocka_unit_test(test_raw_ip_and_sll),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_load_roundtrip),
		cmocka_unit_test(test_flood_of_random_macs),
		cmocka_unit_test(test_invariant_one_asset_per_ip),
		cmocka_unit_test(test_refs_change_nothing),
		cmocka_unit_test(test_received_traffic_and_nulls),
		cmocka_unit_test(test_all_public_segment),
		cmocka_unit_test(test_public_static_plant_addresses),
		cmocka_unit_test(test_vendor_and_pending_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

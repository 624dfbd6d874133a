/* test_flow.c - unit tests of the flow table (src/flow/flow.c).  Packets are
 * synthetic struct mk_pkt values with the decoded fields filled in directly, so
 * these tests do not depend on the decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/flow.h"
#include "mieruka/ports.h"
#include "mieruka/proto.h"
#include "flow/flow_int.h"

#define S 1000000000ull /* one second in ns */

/* ---- packet builders ---- */

static void ip4(struct mk_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, sizeof(*a));
	a->family = MK_AF_INET;
	a->a[0] = x;
	a->a[1] = y;
	a->a[2] = z;
	a->a[3] = w;
}

/* An Ethernet/IPv4 packet 10.0.0.s:sp -> 10.0.0.d:dp; MACs 02:00:00:00:00:<host>. */
static struct mk_pkt pkt4(uint8_t proto, uint8_t s, uint16_t sp, uint8_t d, uint16_t dp,
                          uint8_t flags, uint64_t ts)
{
	struct mk_pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.wirelen = 100;
	p.caplen = 100;
	p.linktype = MK_LINK_ETHERNET;
	p.layers = MK_L_ETH | MK_L_IP4;
	p.has_mac = true;
	memcpy(p.src_mac, (uint8_t[]){2, 0, 0, 0, 0, s}, 6);
	memcpy(p.dst_mac, (uint8_t[]){2, 0, 0, 0, 0, d}, 6);
	p.ethertype = 0x0800;
	ip4(&p.src_ip, 10, 0, 0, s);
	ip4(&p.dst_ip, 10, 0, 0, d);
	p.ip_proto = proto;
	if (proto == 6) {
		p.layers |= MK_L_TCP;
		p.sport = sp;
		p.dport = dp;
		p.tcp_flags = flags;
	} else if (proto == 17) {
		p.layers |= MK_L_UDP;
		p.sport = sp;
		p.dport = dp;
	} else if (proto == 1) {
		p.layers |= MK_L_ICMP;
	}
	return p;
}

static struct mk_pkt tcp(uint8_t s, uint16_t sp, uint8_t d, uint16_t dp, uint8_t flags, uint64_t ts)
{
	return pkt4(6, s, sp, d, dp, flags, ts);
}

static struct mk_pkt udp(uint8_t s, uint16_t sp, uint8_t d, uint16_t dp, uint64_t ts)
{
	return pkt4(17, s, sp, d, dp, 0, ts);
}

/* An L2 application frame (e.g. LLDP 0x88cc) from MAC ..:s to MAC ..:d. */
static struct mk_pkt l2(uint8_t s, uint8_t d, uint16_t ethertype, uint64_t ts)
{
	struct mk_pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.wirelen = 60;
	p.layers = MK_L_ETH | MK_L_L2APP;
	p.has_mac = true;
	memcpy(p.src_mac, (uint8_t[]){2, 0, 0, 0, 0, s}, 6);
	memcpy(p.dst_mac, (uint8_t[]){2, 0, 0, 0, 0, d}, 6);
	p.ethertype = ethertype;
	return p;
}

/* ---- on_end recorder ---- */

struct ends {
	unsigned n[4]; /* by enum mk_flow_end */
	struct mk_flow last;
};

static void on_end(void *ctx, struct mk_flow *flow, enum mk_flow_end why)
{
	struct ends *e = ctx;

	assert_true(why > MK_FLOW_END_NONE && why <= MK_FLOW_END_SHUTDOWN);
	e->n[why]++;
	e->last = *flow;
}

static struct mk_ports *g_ports;

static int setup(void **state)
{
	char err[256];

	(void)state;
	g_ports = mk_ports_load(MK_TEST_SRCDIR "/data/ports.tsv", err, sizeof(err));
	if (g_ports == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mk_ports_free(g_ports);
	return 0;
}

static struct mk_flow_table *table(size_t memcap, struct ends *e)
{
	struct mk_flow_limits lim;
	struct mk_flow_table *ft;

	mk_flow_limits_default(&lim);
	if (memcap)
		lim.memcap = memcap;
	lim.hash_seed = 0x1234567;
	memset(e, 0, sizeof(*e));
	ft = mk_flow_table_new(&lim, g_ports, on_end, e);
	assert_non_null(ft);
	return ft;
}

static bool ip_is(const struct mk_addr *a, uint8_t last)
{
	return a->family == MK_AF_INET && a->a[0] == 10 && a->a[3] == last;
}

/* ---- orientation ---- */

static void test_syn(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(1 << 20, &e);
	struct mk_pkt p = tcp(1, 40000, 2, 502, MK_TCP_SYN, 1 * S);
	struct mk_flow *f, *g;
	int dir = -1;

	(void)state;
	f = mk_flow_lookup(ft, &p, &dir);
	assert_non_null(f);
	assert_int_equal(dir, MK_DIR_TO_SERVER);
	assert_int_equal(f->orient, MK_ORIENT_SYN);
	assert_int_equal(f->transport, MK_FT_TCP);
	assert_true(ip_is(&f->cli.ip, 1) && ip_is(&f->srv.ip, 2));
	assert_int_equal(f->cli.port, 40000);
	assert_int_equal(f->srv.port, 502);
	assert_int_equal(f->cli.mac.family, MK_AF_MAC);
	assert_int_equal(f->cli.mac.a[5], 1);
	assert_int_equal(f->srv.mac.a[5], 2);
	assert_int_equal(f->app_proto, MK_PROTO_UNKNOWN);
	assert_null(f->stream[0]);
	assert_null(f->parser_state);
	/* SYN+ACK back: same flow, toward the client. */
	p = tcp(2, 502, 1, 40000, MK_TCP_SYN | MK_TCP_ACK, 2 * S);
	p.wirelen = 60;
	g = mk_flow_lookup(ft, &p, &dir);
	assert_ptr_equal(f, g);
	assert_int_equal(dir, MK_DIR_TO_CLIENT);
	assert_int_equal(f->pkts[MK_DIR_TO_SERVER], 1);
	assert_int_equal(f->pkts[MK_DIR_TO_CLIENT], 1);
	assert_int_equal(f->bytes[MK_DIR_TO_SERVER], 100);
	assert_int_equal(f->bytes[MK_DIR_TO_CLIENT], 60);
	assert_int_equal(f->first_ns, 1 * S);
	assert_int_equal(f->last_ns, 2 * S);
	assert_int_equal(f->tcp_seen, MK_TCP_SYN | MK_TCP_ACK);
	assert_false(f->closed);
	assert_int_equal(mk_flow_stats(ft)->created, 1);
	assert_int_equal(mk_flow_stats(ft)->active, 1);
	mk_flow_table_free(ft);
	assert_int_equal(e.n[MK_FLOW_END_SHUTDOWN], 1);
}

static void test_synack_first(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(1 << 20, &e);
	/* The SYN was not captured: the SYN+ACK's receiver is the client, even on
	 * ports that hints would read the other way. */
	struct mk_pkt p = tcp(1, 502, 2, 40000, MK_TCP_SYN | MK_TCP_ACK, S);
	struct mk_flow *f;
	int dir;

	(void)state;
	f = mk_flow_lookup(ft, &p, &dir);
	assert_non_null(f);
	assert_int_equal(dir, MK_DIR_TO_CLIENT);
	assert_int_equal(f->orient, MK_ORIENT_SYN);
	assert_true(ip_is(&f->cli.ip, 2) && ip_is(&f->srv.ip, 1));
	assert_int_equal(f->srv.port, 502);
	assert_int_equal(f->cli.port, 40000);
	p = tcp(2, 40000, 1, 502, MK_TCP_ACK, S);
	assert_ptr_equal(mk_flow_lookup(ft, &p, &dir), f);
	assert_int_equal(dir, MK_DIR_TO_SERVER);
	mk_flow_table_free(ft);
}

static void test_port_hints(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(1 << 20, &e);
	struct mk_pkt p;
	struct mk_flow *f;
	int dir;

	(void)state;
	/* Mid-stream Modbus response first: 502 is a service port, 40000 is not. */
	p = tcp(2, 502, 1, 40000, MK_TCP_ACK | MK_TCP_PSH, S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(f->orient, MK_ORIENT_PORT);
	assert_int_equal(dir, MK_DIR_TO_CLIENT);
	assert_true(ip_is(&f->srv.ip, 2));
	assert_int_equal(f->srv.port, 502);
	/* EtherNet/IP on udp 44818 from a high port: the high port is the client. */
	p = udp(3, 50000, 4, 44818, S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(f->orient, MK_ORIENT_PORT);
	assert_int_equal(dir, MK_DIR_TO_SERVER);
	assert_int_equal(f->srv.port, 44818);
	/* A weak hint (SLMP range) decides nothing: first sender is the client. */
	p = tcp(5, 5005, 6, 40001, MK_TCP_ACK, S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(f->orient, MK_ORIENT_FIRST);
	assert_int_equal(dir, MK_DIR_TO_SERVER);
	assert_int_equal(f->cli.port, 5005);
	/* No hint, one well-known port: the low port is the server. */
	p = tcp(7, 999, 8, 40002, MK_TCP_ACK, S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(f->orient, MK_ORIENT_PORT);
	assert_int_equal(dir, MK_DIR_TO_CLIENT);
	assert_int_equal(f->srv.port, 999);
	/* Both service ports, both low (SNMP 161 -> NTP 123): first sender. */
	p = udp(9, 161, 10, 123, S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(f->orient, MK_ORIENT_FIRST);
	assert_int_equal(f->cli.port, 161);
	/* DHCP: 68 is a weak (client-side) hint, so the server is 67 even when
	 * the server's reply is the first packet captured. */
	p = udp(21, 67, 22, 68, S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(f->orient, MK_ORIENT_PORT);
	assert_int_equal(dir, MK_DIR_TO_CLIENT);
	assert_int_equal(f->srv.port, 67);
	/* Both service ports, one low (Modbus gateway 502 talking to 20000 DNP3):
	 * the low port wins. */
	p = tcp(11, 20000, 12, 502, MK_TCP_ACK, S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(f->orient, MK_ORIENT_PORT);
	assert_int_equal(f->srv.port, 502);
	mk_flow_table_free(ft);
}

static void test_both_ephemeral_and_no_ports(void **state)
{
	struct ends e;
	struct mk_flow_table *ft;
	struct mk_flow_limits lim;
	struct mk_pkt p = tcp(1, 40000, 2, 50000, MK_TCP_ACK, S);
	struct mk_flow *f;
	int dir;

	(void)state;
	ft = table(1 << 20, &e);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(f->orient, MK_ORIENT_FIRST);
	assert_int_equal(dir, MK_DIR_TO_SERVER);
	assert_true(ip_is(&f->cli.ip, 1));
	p = tcp(2, 50000, 1, 40000, MK_TCP_ACK, S);
	assert_ptr_equal(mk_flow_lookup(ft, &p, &dir), f);
	assert_int_equal(dir, MK_DIR_TO_CLIENT);
	mk_flow_table_free(ft);
	/* Without a ports table (NULL), a reply from 502 falls back on the
	 * well-known-port rule. */
	mk_flow_limits_default(&lim);
	lim.memcap = 1 << 20;
	ft = mk_flow_table_new(&lim, NULL, NULL, NULL);
	assert_non_null(ft);
	p = tcp(2, 502, 1, 40000, MK_TCP_ACK, S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(f->orient, MK_ORIENT_PORT);
	assert_int_equal(f->srv.port, 502);
	mk_flow_table_free(ft);
}

static void test_l2(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(1 << 20, &e);
	struct mk_pkt p = l2(1, 0xe, 0x88cc, S);
	struct mk_flow *f, *g;
	int dir;

	(void)state;
	f = mk_flow_lookup(ft, &p, &dir);
	assert_non_null(f);
	assert_int_equal(f->transport, MK_FT_L2);
	assert_int_equal(f->orient, MK_ORIENT_FIRST);
	assert_int_equal(f->ethertype, 0x88cc);
	assert_int_equal(dir, MK_DIR_TO_SERVER);
	assert_int_equal(f->cli.ip.family, MK_AF_NONE);
	assert_int_equal(f->cli.mac.family, MK_AF_MAC);
	assert_int_equal(f->cli.mac.a[5], 1);
	assert_int_equal(f->srv.mac.a[5], 0xe);
	assert_int_equal(f->cli.port, 0);
	p = l2(0xe, 1, 0x88cc, 2 * S);
	g = mk_flow_lookup(ft, &p, &dir);
	assert_ptr_equal(f, g);
	assert_int_equal(dir, MK_DIR_TO_CLIENT);
	/* Another EtherType between the same MACs is another flow. */
	p = l2(1, 0xe, 0x8892, S);
	g = mk_flow_lookup(ft, &p, &dir);
	assert_non_null(g);
	assert_ptr_not_equal(f, g);
	/* LLC frames (EtherType 0) are told apart by DSAP. */
	p = l2(1, 0xe, 0, S);
	p.llc_dsap = 0x42;
	g = mk_flow_lookup(ft, &p, &dir);
	p.llc_dsap = 0xaa;
	assert_ptr_not_equal(mk_flow_lookup(ft, &p, &dir), g);
	assert_int_equal(mk_flow_stats(ft)->active, 4);
	mk_flow_table_free(ft);
}

static void test_no_key_other_ipv6_vlan(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(1 << 20, &e);
	struct mk_pkt p;
	struct mk_flow *f, *g;
	int dir;

	(void)state;
	/* ARP: no flow. */
	memset(&p, 0, sizeof(p));
	p.layers = MK_L_ETH | MK_L_ARP;
	p.has_mac = true;
	assert_null(mk_flow_lookup(ft, &p, &dir));
	/* Non-IP without an L2 application: no flow. */
	p.layers = MK_L_ETH;
	assert_null(mk_flow_lookup(ft, &p, &dir));
	/* Mixed address families: no flow. */
	p = udp(1, 1, 2, 2, S);
	p.dst_ip.family = MK_AF_INET6;
	assert_null(mk_flow_lookup(ft, &p, &dir));
	assert_int_equal(mk_flow_stats(ft)->created, 0);
	/* ICMP: one flow per address pair, ports 0, both directions. */
	p = pkt4(1, 1, 0, 2, 0, 0, S);
	p.sport = 7; /* stray values must not split the flow */
	f = mk_flow_lookup(ft, &p, &dir);
	assert_non_null(f);
	assert_int_equal(f->transport, MK_FT_OTHER);
	assert_int_equal(f->cli.port, 0);
	assert_int_equal(f->srv.port, 0);
	p = pkt4(1, 2, 0, 1, 0, 0, S);
	assert_ptr_equal(mk_flow_lookup(ft, &p, &dir), f);
	assert_int_equal(dir, MK_DIR_TO_CLIENT);
	/* Another IP protocol between the same hosts shares it. */
	p = pkt4(47, 1, 0, 2, 0, 0, S);
	assert_ptr_equal(mk_flow_lookup(ft, &p, &dir), f);
	/* A VLAN makes another flow. */
	p = udp(1, 40000, 2, 53, S);
	f = mk_flow_lookup(ft, &p, &dir);
	p.vlan_count = 1;
	p.vlan[0] = 10;
	g = mk_flow_lookup(ft, &p, &dir);
	assert_ptr_not_equal(f, g);
	assert_int_equal(g->vlan, 10);
	/* IPv6 */
	memset(&p, 0, sizeof(p));
	p.layers = MK_L_IP6 | MK_L_UDP;
	p.src_ip.family = p.dst_ip.family = MK_AF_INET6;
	p.src_ip.a[0] = 0xfe;
	p.src_ip.a[15] = 1;
	p.dst_ip.a[0] = 0xfe;
	p.dst_ip.a[15] = 2;
	p.sport = 546;
	p.dport = 547;
	p.ts_ns = S;
	f = mk_flow_lookup(ft, &p, &dir);
	assert_non_null(f);
	assert_int_equal(f->srv.port, 547);
	assert_int_equal(f->cli.mac.family, MK_AF_NONE); /* raw IP link: no MACs */
	mk_flow_table_free(ft);
}

static void test_sll_macs(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(1 << 20, &e);
	struct mk_pkt p = tcp(1, 40000, 2, 80, MK_TCP_SYN, S);
	struct mk_flow *f;
	int dir;

	(void)state;
	/* Linux cooked capture: only the sender's MAC is known. */
	p.has_mac = false;
	p.layers |= MK_L_SLL;
	f = mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(f->cli.mac.family, MK_AF_MAC);
	assert_int_equal(f->srv.mac.family, MK_AF_NONE);
	p = tcp(2, 80, 1, 40000, MK_TCP_SYN | MK_TCP_ACK, S);
	p.has_mac = false;
	p.layers |= MK_L_SLL;
	assert_ptr_equal(mk_flow_lookup(ft, &p, &dir), f);
	assert_int_equal(f->srv.mac.family, MK_AF_MAC);
	assert_int_equal(f->srv.mac.a[5], 2);
	mk_flow_table_free(ft);
}

/* ---- closing and timeouts ---- */

static void test_close_and_timeouts(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(1 << 20, &e);
	struct mk_flow_limits d;
	struct mk_pkt p;
	struct mk_flow *f, *g;
	int dir;

	(void)state;
	mk_flow_limits_default(&d);
	assert_int_equal(d.memcap, 32 << 20);
	assert_true(d.timeout_tcp_closed_ns < d.timeout_udp_ns);
	/* FIN one way: open; FIN both ways: closed. */
	p = tcp(1, 40000, 2, 80, MK_TCP_FIN | MK_TCP_ACK, 10 * S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_false(f->closed);
	p = tcp(1, 40000, 2, 80, MK_TCP_FIN | MK_TCP_ACK, 10 * S);
	mk_flow_lookup(ft, &p, &dir);
	assert_false(f->closed); /* the same side twice */
	p = tcp(2, 80, 1, 40000, MK_TCP_FIN | MK_TCP_ACK, 11 * S);
	mk_flow_lookup(ft, &p, &dir);
	assert_true(f->closed);
	/* RST closes at once. */
	p = tcp(3, 40000, 4, 80, MK_TCP_RST, 10 * S);
	g = mk_flow_lookup(ft, &p, &dir);
	assert_true(g->closed);
	/* A UDP flow and an open TCP flow. */
	p = udp(5, 40000, 6, 53, 10 * S);
	mk_flow_lookup(ft, &p, &dir);
	p = tcp(7, 40000, 8, 80, MK_TCP_ACK, 10 * S);
	mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(mk_flow_stats(ft)->active, 4);
	/* 31 s later: the closed flows are gone, nothing else. */
	mk_flow_expire(ft, 42 * S, 1000000);
	assert_int_equal(e.n[MK_FLOW_END_TIMEOUT], 2);
	assert_int_equal(mk_flow_stats(ft)->timed_out, 2);
	assert_int_equal(mk_flow_stats(ft)->active, 2);
	/* 121 s later: the UDP flow. */
	mk_flow_expire(ft, 131 * S, 1000000);
	assert_int_equal(e.n[MK_FLOW_END_TIMEOUT], 3);
	assert_int_equal(e.last.transport, MK_FT_UDP);
	assert_int_equal(e.last.srv.port, 53);
	/* An hour and a bit: the TCP flow. */
	mk_flow_expire(ft, 3611 * S, 1000000);
	assert_int_equal(e.n[MK_FLOW_END_TIMEOUT], 4);
	assert_int_equal(mk_flow_stats(ft)->active, 0);
	mk_flow_table_free(ft);
	assert_int_equal(e.n[MK_FLOW_END_SHUTDOWN], 0);
}

static void test_expire_bounded(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(64 << 10, &e);
	uint64_t cap = mk_flow_stats(ft)->capacity;
	struct mk_pkt p;
	int dir;

	(void)state;
	for (unsigned i = 0; i < 20; i++) {
		p = udp(1, (uint16_t)(40000 + i), 2, 53, S);
		assert_non_null(mk_flow_lookup(ft, &p, &dir));
	}
	/* Each call examines at most max_slots records. */
	mk_flow_expire(ft, 1000 * S, 1);
	assert_true(e.n[MK_FLOW_END_TIMEOUT] <= 1);
	for (uint64_t i = 0; i < cap; i++)
		mk_flow_expire(ft, 1000 * S, 1);
	assert_int_equal(e.n[MK_FLOW_END_TIMEOUT], 20);
	/* Not idle long enough: nothing, even with time going backwards. */
	p = udp(1, 40000, 2, 53, 2000 * S);
	mk_flow_lookup(ft, &p, &dir);
	mk_flow_expire(ft, 2000 * S + 119 * S, cap);
	mk_flow_expire(ft, 5 * S, cap);
	assert_int_equal(e.n[MK_FLOW_END_TIMEOUT], 20);
	mk_flow_table_free(ft);
}

static void test_idle_lookup_and_port_reuse(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(1 << 20, &e);
	struct mk_pkt p;
	struct mk_flow *f;
	int dir;

	(void)state;
	p = udp(1, 40000, 2, 53, S);
	f = mk_flow_lookup(ft, &p, &dir);
	f->app_proto = MK_PROTO_DNS;
	/* Expiry has not run, but the flow is stale by packet time: a new one. */
	p = udp(2, 53, 1, 40000, 500 * S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_int_equal(e.n[MK_FLOW_END_TIMEOUT], 1);
	assert_int_equal(e.last.app_proto, MK_PROTO_DNS);
	assert_int_equal(f->app_proto, MK_PROTO_UNKNOWN);
	assert_int_equal(f->pkts[0] + f->pkts[1], 1);
	assert_int_equal(mk_flow_stats(ft)->created, 2);
	/* A closed TCP connection, then a new SYN on the same ports. */
	p = tcp(1, 40000, 2, 80, MK_TCP_RST, S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_true(f->closed);
	p = tcp(1, 40000, 2, 80, MK_TCP_SYN, 2 * S);
	f = mk_flow_lookup(ft, &p, &dir);
	assert_false(f->closed);
	assert_int_equal(f->orient, MK_ORIENT_SYN);
	assert_int_equal(f->pkts[MK_DIR_TO_SERVER], 1);
	assert_int_equal(mk_flow_stats(ft)->created, 4);
	mk_flow_table_free(ft);
}

/* ---- memory cap ---- */

static void test_eviction_small_memcap(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(16 << 10, &e);
	uint64_t cap = mk_flow_stats(ft)->capacity;
	struct mk_pkt p;
	int dir;

	(void)state;
	assert_true(cap > 4);
	assert_true(mk_flow_memory(ft) <= 16 << 10);
	for (uint64_t i = 0; i < cap + 10; i++) {
		/* Flow i was last seen at time i: older flows go first. */
		p = udp(1, (uint16_t)(1024 + i), 2, 53, (i + 1) * S);
		assert_non_null(mk_flow_lookup(ft, &p, &dir));
	}
	assert_int_equal(mk_flow_stats(ft)->evicted, 10);
	assert_int_equal(e.n[MK_FLOW_END_EVICTED], 10);
	assert_int_equal(mk_flow_stats(ft)->active, cap);
	assert_int_equal(mk_flow_stats(ft)->max_active, cap);
	assert_int_equal(mk_flow_stats(ft)->dropped, 0);
	mk_flow_flush(ft);
	assert_int_equal(e.n[MK_FLOW_END_SHUTDOWN], cap);
	assert_int_equal(mk_flow_stats(ft)->active, 0);
	mk_flow_table_free(ft);
	assert_int_equal(e.n[MK_FLOW_END_SHUTDOWN], cap); /* flushed already */
	/* Too small for even one flow: no table. */
	{
		struct mk_flow_limits lim;

		mk_flow_limits_default(&lim);
		lim.memcap = 100;
		assert_null(mk_flow_table_new(&lim, NULL, NULL, NULL));
	}
}

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Every active flow must stay findable through inserts and backward-shift
 * deletions: a lookup of a surviving flow never creates a new one. */
static void test_consistency_churn(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(32 << 10, &e);
	uint64_t cap = mk_flow_stats(ft)->capacity;
	uint64_t *keys = calloc(cap, sizeof(*keys));
	struct mk_pkt p;
	int dir;

	(void)state;
	assert_non_null(keys);
	for (uint64_t round = 1; round <= 300; round++) {
		uint64_t base = round * 1000, created, checked = 0;

		/* Random ports; the top 4 bits spread last-seen times over 16 s. */
		for (uint64_t i = 0; i < cap / 2; i++) {
			keys[i] = rng();
			p = udp(1, (uint16_t)(keys[i] | 1024), 2, (uint16_t)(keys[i] >> 16),
			        (base + (keys[i] >> 60)) * S);
			assert_non_null(mk_flow_lookup(ft, &p, &dir));
		}
		/* Expires this round's flows last seen before base+8 (idle > 120 s). */
		mk_flow_expire(ft, (base + 128) * S, cap);
		created = mk_flow_stats(ft)->created;
		for (uint64_t i = 0; i < cap / 2; i++) {
			if ((keys[i] >> 60) < 8)
				continue;
			p = udp(1, (uint16_t)(keys[i] | 1024), 2, (uint16_t)(keys[i] >> 16),
			        (base + 128) * S);
			assert_non_null(mk_flow_lookup(ft, &p, &dir));
			checked++;
		}
		assert_true(checked > 0);
		/* Duplicate random keys aside, nothing was recreated. */
		assert_int_equal(mk_flow_stats(ft)->created, created);
		assert_true(mk_flow_stats(ft)->active <= cap);
		mk_flow_expire(ft, (base + 900) * S, cap); /* empty for the next round */
		assert_int_equal(mk_flow_stats(ft)->active, 0);
	}
	assert_true(mk_flow_stats(ft)->timed_out > 0);
	free(keys);
	mk_flow_table_free(ft);
}

/* Delete from the middle of clusters: after removing every other flow, the
 * rest are still found in place. */
static void test_backward_shift(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(64 << 10, &e);
	uint64_t cap = mk_flow_stats(ft)->capacity;
	struct mk_flow **f = calloc(cap, sizeof(*f));
	struct mk_pkt p;
	int dir;

	(void)state;
	assert_non_null(f);
	/* Fill to capacity: clusters are long at load factor 3/4. */
	for (uint64_t i = 0; i < cap; i++) {
		p = udp(1, (uint16_t)(2000 + i), 2, 53, (i % 2 ? 1000 : 1) * S);
		f[i] = mk_flow_lookup(ft, &p, &dir);
		assert_non_null(f[i]);
	}
	/* Odd flows are fresh, even ones stale at t=200 s. */
	mk_flow_expire(ft, 200 * S, cap);
	assert_int_equal(mk_flow_stats(ft)->active, cap / 2);
	for (uint64_t i = 1; i < cap; i += 2) {
		p = udp(1, (uint16_t)(2000 + i), 2, 53, 1000 * S);
		assert_ptr_equal(mk_flow_lookup(ft, &p, &dir), f[i]);
	}
	assert_int_equal(mk_flow_stats(ft)->created, cap);
	free(f);
	mk_flow_table_free(ft);
}

static void test_million_flows_4mib(void **state)
{
	struct ends e;
	struct mk_flow_table *ft = table(4 << 20, &e);
	const struct mk_flow_stats *st = mk_flow_stats(ft);
	struct mk_pkt p = tcp(1, 40000, 2, 502, MK_TCP_SYN, S);
	int dir;

	(void)state;
	assert_true(mk_flow_memory(ft) <= 4 << 20);
	for (uint32_t i = 0; i < 1000000; i++) {
		uint64_t r = rng();

		/* A SYN flood from random sources. */
		p.src_ip.a[1] = (uint8_t)r;
		p.src_ip.a[2] = (uint8_t)(r >> 8);
		p.src_ip.a[3] = (uint8_t)(r >> 16);
		p.sport = (uint16_t)(r >> 24);
		p.ts_ns = S + i * 1000ull;
		assert_non_null(mk_flow_lookup(ft, &p, &dir));
		if (i % 4096 == 0)
			mk_flow_expire(ft, p.ts_ns, 64);
	}
	assert_true(mk_flow_memory(ft) <= 4 << 20);
	assert_true(st->capacity > 1000);
	assert_true(st->active <= st->capacity);
	assert_true(st->evicted > 900000);
	assert_int_equal(st->created, st->active + st->evicted + st->timed_out);
	assert_int_equal(e.n[MK_FLOW_END_EVICTED], st->evicted);
	assert_int_equal(st->dropped, 0);
	print_message("capacity %llu flows in 4 MiB (%zu bytes used), sizeof(struct mk_flow) %zu\n",
	              (unsigned long long)st->capacity, mk_flow_memory(ft), sizeof(struct mk_flow));
	mk_flow_table_free(ft);
}

static void test_random_seed(void **state)
{
	struct mk_flow_limits lim;
	struct mk_flow_table *a, *b;
	struct mk_pkt p = udp(1, 40000, 2, 53, S);
	int dir;

	(void)state;
	/* Default: a random seed per table; lookups still work. */
	mk_flow_limits_default(&lim);
	lim.memcap = 1 << 20;
	a = mk_flow_table_new(&lim, NULL, NULL, NULL);
	b = mk_flow_table_new(&lim, NULL, NULL, NULL);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_equal(mk_flow_lookup(a, &p, &dir), mk_flow_lookup(a, &p, &dir));
	assert_int_equal(mk_flow_stats(a)->created, 1);
	mk_flow_table_free(a);
	mk_flow_table_free(b);
	mk_flow_table_free(NULL);
}

/* Each allocation of the table fails in turn: NULL, no leak, no crash. */
static void test_alloc_failures(void **state)
{
	struct mk_flow_limits lim;
	unsigned long nth;

	(void)state;
	mk_flow_limits_default(&lim);
	lim.memcap = 1 << 20;
	for (nth = 1; nth <= 10; nth++) {
		struct mk_flow_table *ft;

		mk_flow_fault_nth(nth);
		ft = mk_flow_table_new(&lim, NULL, NULL, NULL);
		mk_flow_fault_nth(0);
		if (ft != NULL) {
			mk_flow_table_free(ft);
			break;
		}
	}
	/* The table, its slots and its records: three allocations. */
	assert_int_equal(nth, 4);
	/* The ports loader reports its allocation failures by name. */
	for (nth = 1; nth <= 10; nth++) {
		char err[256];
		struct mk_ports *p;

		mk_flow_fault_nth(nth);
		p = mk_ports_load(MK_TEST_SRCDIR "/data/ports.tsv", err, sizeof(err));
		mk_flow_fault_nth(0);
		if (p != NULL) {
			mk_ports_free(p);
			break;
		}
		assert_non_null(strstr(err, "out of memory"));
	}
	assert_true(nth > 2 && nth <= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn),
		cmocka_unit_test(test_synack_first),
		cmocka_unit_test(test_port_hints),
		cmocka_unit_test(test_both_ephemeral_and_no_ports),
		cmocka_unit_test(test_l2),
		cmocka_unit_test(test_no_key_other_ipv6_vlan),
		cmocka_unit_test(test_sll_macs),
		cmocka_unit_test(test_close_and_timeouts),
		cmocka_unit_test(test_expire_bounded),
		cmocka_unit_test(test_idle_lookup_and_port_reuse),
		cmocka_unit_test(test_eviction_small_memcap),
		cmocka_unit_test(test_consistency_churn),
		cmocka_unit_test(test_backward_shift),
		cmocka_unit_test(test_million_flows_4mib),
		cmocka_unit_test(test_random_seed),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

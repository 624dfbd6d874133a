/* test_netwatch.c - src/detect/netwatch.c through the detector's entry points:
 * ip_mac_change (one change, flip-flop, one MAC taking many addresses, the
 * gateway made critical by DHCP, by the router role and by its many clients,
 * RFC 5227 probes, VLANs, the table cap; the same over IPv6 neighbour
 * discovery with what it ignores: DAD, messages without a link-layer option,
 * hop limits below 255, NAs without override, a link-local address moving
 * once; RA routers as gateways), rogue_dhcp (first server, second
 * server, relay agents, VLANs, the cap), lateral_movement (the fan-out
 * threshold, probes, external hosts, windows, the cap), the SMB events mapped
 * in detect.tsv, subject-specific texts (alerts.tsv TYPE/SUBJECT) and the
 * rules' new lines.  Exact counts and evidence throughout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "detect/detect_int.h"
#include "detect/netwatch_int.h"
#include "mieruka/detect.h"
#include "mieruka/ledger.h"
#include "mieruka/proto.h"

#define ALERTS MK_TEST_SRCDIR "/data/rules/alerts.tsv"
#define DETECT MK_TEST_SRCDIR "/data/rules/detect.tsv"
#define ROLES MK_TEST_SRCDIR "/data/rules/roles.tsv"
#define T0 1700000000000000000ull
#define S 1000000000ull

static struct mk_detect *new_det(void)
{
	struct mk_detect_limits lim;
	char err[512];
	struct mk_detect *d;

	mk_detect_limits_default(&lim);
	d = mk_detect_new(&lim, ALERTS, DETECT, ROLES, err, sizeof(err));
	assert_non_null(d);
	assert_string_equal(err, "");
	return d;
}

/* A detector with one extra detect.tsv line appended to the shipped file. */
static char tmp_path[64];

static struct mk_detect *new_det_with(const char *extra)
{
	struct mk_detect_limits lim;
	char err[512], buf[65536];
	struct mk_detect *d;
	FILE *in = fopen(DETECT, "rb"), *out = fopen(tmp_path, "wb");
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	n = fread(buf, 1, sizeof(buf), in);
	assert_true(n > 0 && n < sizeof(buf));
	assert_int_equal(fwrite(buf, 1, n, out), n);
	assert_int_equal(fwrite(extra, 1, strlen(extra), out), strlen(extra));
	fclose(in);
	fclose(out);
	mk_detect_limits_default(&lim);
	d = mk_detect_new(&lim, ALERTS, tmp_path, ROLES, err, sizeof(err));
	assert_non_null(d);
	assert_string_equal(err, "");
	return d;
}

struct snap {
	struct mk_alert_rec *v;
	size_t n;
};

static void snap_take(struct mk_detect *d, struct snap *s, const struct mk_asset_rec *assets,
                      size_t na, const struct mk_conv_rec *convs, size_t nc)
{
	s->n = mk_detect_snapshot(d, assets, na, convs, nc, &s->v);
	assert_true(s->n != (size_t)-1);
}

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		mk_alert_rec_clear(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static size_t count_type(const struct snap *s, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += strcmp(s->v[i].type, type) == 0;
	return n;
}

static const struct mk_alert_rec *find(const struct snap *s, const char *type, const char *subject)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].type, type) == 0 && strcmp(s->v[i].subject, subject) == 0)
			return &s->v[i];
	return NULL;
}

static const char *ev(const struct mk_alert_rec *a, const char *key)
{
	for (size_t i = 0; i < a->n_evidence; i++)
		if (strcmp(a->evidence[i].key, key) == 0)
			return a->evidence[i].value;
	return NULL;
}

static void assert_rendered(const struct mk_alert_rec *a)
{
	assert_null(strchr(a->title_en, '{'));
	assert_null(strchr(a->title_ja, '{'));
	assert_null(strchr(a->detail_en, '{'));
	assert_null(strchr(a->detail_ja, '{'));
}

static void ip4(struct mk_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	const uint8_t b[4] = {x, y, z, w};

	memset(a, 0, sizeof(*a));
	mk_addr_set_ip4(a, b);
}

static void mac(uint8_t m[6], uint8_t last)
{
	const uint8_t base[6] = {0x00, 0x1b, 0x1b, 0x00, 0x00, last};

	memcpy(m, base, 6);
}

/* An ARP packet: sender (ip .x, MAC ..:mx) of op 1 or 2, on vlan (0: none). */
static void arp(struct mk_detect *d, uint16_t op, uint8_t x, uint8_t mx, uint16_t vlan, uint64_t ts)
{
	struct mk_pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.layers = MK_L_ETH | MK_L_ARP;
	p.has_mac = true;
	p.arp.op = op;
	mac(p.arp.sha, mx);
	memcpy(p.src_mac, p.arp.sha, 6);
	memset(p.dst_mac, 0xff, 6);
	p.arp.spa[0] = 192;
	p.arp.spa[1] = 168;
	p.arp.spa[2] = 10;
	p.arp.spa[3] = x;
	p.arp.tpa[0] = 192;
	p.arp.tpa[1] = 168;
	p.arp.tpa[2] = 10;
	p.arp.tpa[3] = 200;
	if (vlan != 0) {
		p.vlan_count = 1;
		p.vlan[0] = vlan;
	}
	mk_detect_arp(d, &p);
}

/* ---- ip_mac_change ---- */

static void test_ipmac_one_change(void **state)
{
	struct mk_detect *d = new_det();
	const struct mk_alert_rec *a;
	struct snap s;

	(void)state;
	arp(d, 2, 30, 0x30, 0, T0);
	arp(d, 1, 30, 0x30, 0, T0 + 10 * S);   /* the same owner: nothing */
	arp(d, 1, 30, 0xa0, 0, T0 + 3600 * S); /* replaced */
	arp(d, 2, 30, 0xa0, 0, T0 + 3700 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 1);
	a = find(&s, "ip_mac_change", "changed");
	assert_non_null(a);
	assert_int_equal(a->severity, MK_SEV_MEDIUM);
	assert_int_equal(a->count, 1);
	assert_int_equal(a->first_ns, T0 + 3600 * S);
	assert_int_equal(a->server.family, MK_AF_INET);
	assert_int_equal(a->server.a[3], 30);
	assert_int_equal(a->client.family, MK_AF_NONE);
	assert_int_equal(a->proto, MK_PROTO_ARP);
	assert_string_equal(ev(a, "old_mac"), "00:1b:1b:00:00:30");
	assert_string_equal(ev(a, "new_mac"), "00:1b:1b:00:00:a0");
	assert_string_equal(ev(a, "new_vendor"), "-"); /* no vendor table given */
	assert_rendered(a);
	assert_non_null(strstr(a->detail_en, "00:1b:1b:00:00:30"));
	assert_non_null(strstr(a->detail_ja, "00:1b:1b:00:00:a0"));
	assert_non_null(strstr(a->title_ja, "IPアドレスが別の機器に移りました"));
	snap_free(&s);
	mk_detect_free(d);
}

static void test_ipmac_ignored(void **state)
{
	struct mk_detect *d = new_det();
	struct mk_pkt p;
	struct snap s;

	(void)state;
	arp(d, 2, 40, 0x40, 0, T0);
	/* RFC 5227 probe: sender 0.0.0.0 claims nothing */
	memset(&p, 0, sizeof(p));
	p.ts_ns = T0 + S;
	p.layers = MK_L_ETH | MK_L_ARP;
	p.arp.op = 1;
	mac(p.arp.sha, 0x41);
	p.arp.tpa[0] = 192;
	p.arp.tpa[3] = 40;
	mk_detect_arp(d, &p);
	/* a multicast sender MAC claims nothing either */
	memset(&p, 0, sizeof(p));
	p.ts_ns = T0 + 2 * S;
	p.layers = MK_L_ETH | MK_L_ARP;
	p.arp.op = 2;
	p.arp.sha[0] = 0x01;
	p.arp.spa[0] = 192;
	p.arp.spa[1] = 168;
	p.arp.spa[2] = 10;
	p.arp.spa[3] = 40;
	mk_detect_arp(d, &p);
	/* the same address on another VLAN is another address */
	arp(d, 2, 40, 0x42, 20, T0 + 3 * S);
	arp(d, 2, 40, 0x42, 20, T0 + 4 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 0);
	snap_free(&s);
	/* but a second owner on that VLAN is a change there */
	arp(d, 2, 40, 0x43, 20, T0 + 5 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(count_type(&s, "ip_mac_change"), 1);
	assert_string_equal(ev(&s.v[0], "old_mac"), "00:1b:1b:00:00:42");
	snap_free(&s);
	mk_detect_free(d);
}

/* The attacker .66 (MAC ..:66) poisons .1 (the DHCP router), .20 and .21 in
 * three rounds; the real owners answer after each.  As the generated
 * capture tests/captures/netwatch/arp_spoof.pcap. */
static void spoof_rounds(struct mk_detect *d, int rounds)
{
	arp(d, 2, 1, 0x01, 0, T0);
	arp(d, 2, 20, 0x20, 0, T0 + S / 10);
	arp(d, 2, 21, 0x21, 0, T0 + S / 5);
	for (int r = 0; r < rounds; r++) {
		uint64_t t = T0 + (10 + 2 * (uint64_t)r) * S;

		arp(d, 2, 1, 0x66, 0, t);
		arp(d, 2, 20, 0x66, 0, t + 1);
		arp(d, 2, 21, 0x66, 0, t + 2);
		arp(d, 2, 1, 0x01, 0, t + S / 2);
		arp(d, 2, 20, 0x20, 0, t + S / 2 + 1);
		arp(d, 2, 21, 0x21, 0, t + S / 2 + 2);
	}
}

static void test_ipmac_spoofing(void **state)
{
	struct mk_detect *d = new_det();
	const struct mk_alert_rec *a;
	struct snap s;

	(void)state;
	spoof_rounds(d, 3);
	snap_take(d, &s, NULL, 0, NULL, 0);
	/* three "changed", three "flip_flop", one "many_ips" */
	assert_int_equal(s.n, 7);
	for (uint8_t x = 1; x <= 21; x++) {
		size_t changed = 0, flips = 0;

		for (size_t i = 0; i < s.n; i++)
			if (s.v[i].server.family == MK_AF_INET && s.v[i].server.a[3] == x) {
				changed += strcmp(s.v[i].subject, "changed") == 0;
				flips += strcmp(s.v[i].subject, "flip_flop") == 0;
				if (strcmp(s.v[i].subject, "flip_flop") == 0) {
					/* learn, change, then 5 flips: fires at the 2nd */
					assert_int_equal(s.v[i].count, 5);
					assert_int_equal(s.v[i].severity, MK_SEV_HIGH);
					assert_string_equal(ev(&s.v[i], "window_s"), "600");
					assert_rendered(&s.v[i]);
				}
			}
		if (x == 1 || x == 20 || x == 21)
			assert_true(changed == 1 && flips == 1);
	}
	a = find(&s, "ip_mac_change", "many_ips");
	assert_non_null(a);
	assert_int_equal(a->client.family, MK_AF_MAC);
	assert_int_equal(a->client.a[5], 0x66);
	assert_int_equal(a->server.family, MK_AF_NONE);
	assert_int_equal(a->count, 9);              /* 3 when it fired, +3 in each later round */
	assert_int_equal(a->severity, MK_SEV_HIGH); /* no gateway known */
	assert_string_equal(ev(a, "ips"), "192.168.10.1,192.168.10.20,192.168.10.21");
	assert_string_equal(ev(a, "distinct_hosts"), "3");
	assert_rendered(a);
	assert_non_null(strstr(a->title_en, "00:1b:1b:00:00:66"));
	snap_free(&s);
	mk_detect_free(d);
}

static void test_ipmac_one_flip_allowed(void **state)
{
	struct mk_detect *d = new_det();
	struct snap s;

	(void)state;
	/* A -> B -> A once (an old device switched on again): no flip_flop */
	arp(d, 2, 50, 0x50, 0, T0);
	arp(d, 2, 50, 0x51, 0, T0 + 10 * S);
	arp(d, 2, 50, 0x50, 0, T0 + 20 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0].subject, "changed");
	snap_free(&s);
	/* and flips further apart than the window do not add up */
	arp(d, 2, 50, 0x51, 0, T0 + 2000 * S);
	arp(d, 2, 50, 0x50, 0, T0 + 4000 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_null(find(&s, "ip_mac_change", "flip_flop"));
	assert_int_equal(find(&s, "ip_mac_change", "changed")->count, 3);
	snap_free(&s);
	mk_detect_free(d);
}

static void dhcp_router_fact(struct mk_detect *d, const char *router, uint64_t ts)
{
	struct mk_fact f;
	struct mk_pkt p;

	memset(&f, 0, sizeof(f));
	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.sport = 67;
	f.kind = MK_FACT_ATTR;
	f.proto = MK_PROTO_DHCP;
	f.key = "dhcp_router";
	f.value = router;
	f.value_len = strlen(router);
	mk_detect_fact(d, &f, &p);
}

static void test_ipmac_gateway_by_dhcp(void **state)
{
	struct mk_detect *d = new_det();
	struct snap s;

	(void)state;
	dhcp_router_fact(d, "192.168.10.1,192.168.10.2", T0);
	spoof_rounds(d, 3);
	snap_take(d, &s, NULL, 0, NULL, 0);
	for (size_t i = 0; i < s.n; i++) {
		const struct mk_alert_rec *a = &s.v[i];

		if (strcmp(a->subject, "many_ips") == 0 ||
		    (strcmp(a->subject, "flip_flop") == 0 && a->server.a[3] == 1))
			assert_int_equal(a->severity, MK_SEV_CRITICAL);
		else if (strcmp(a->subject, "flip_flop") == 0)
			assert_int_equal(a->severity, MK_SEV_HIGH);
		else
			assert_int_equal(a->severity, MK_SEV_MEDIUM); /* "changed" */
	}
	snap_free(&s);
	mk_detect_free(d);
}

static void test_ipmac_gateway_by_records(void **state)
{
	struct mk_detect *d = new_det();
	struct mk_asset_rec router;
	struct mk_role_rec role = {.role = MK_ROLE_ROUTER, .confidence = 90};
	struct mk_addr ips[1];
	struct mk_conv_rec convs[6];
	const struct mk_alert_rec *a;
	struct snap s;

	(void)state;
	spoof_rounds(d, 3);
	/* .20 is the server of 5 distinct clients: critical; .21 of 4: high */
	memset(convs, 0, sizeof(convs));
	for (int i = 0; i < 6; i++) {
		ip4(&convs[i].client, 10, 9, 9, (uint8_t)(100 + i));
		ip4(&convs[i].server, 192, 168, 10, i < 5 ? 20 : 21);
		convs[i].transport = 6;
		convs[i].port = 502;
		convs[i].flows = 1;
	}
	snap_take(d, &s, NULL, 0, convs, 5);
	for (size_t i = 0; i < s.n; i++)
		if (strcmp(s.v[i].subject, "flip_flop") == 0)
			assert_int_equal(s.v[i].severity,
			                 s.v[i].server.a[3] == 20 ? MK_SEV_CRITICAL : MK_SEV_HIGH);
	a = find(&s, "ip_mac_change", "many_ips");
	assert_int_equal(a->severity, MK_SEV_CRITICAL); /* .20 is among its addresses */
	snap_free(&s);
	mk_detect_free(d);

	/* an asset with the router role holding .1 */
	d = new_det();
	spoof_rounds(d, 3);
	memset(&router, 0, sizeof(router));
	ip4(&ips[0], 192, 168, 10, 1);
	router.ips = ips;
	router.n_ips = 1;
	router.roles = &role;
	router.n_roles = 1;
	snap_take(d, &s, &router, 1, convs, 4);
	for (size_t i = 0; i < s.n; i++)
		if (strcmp(s.v[i].subject, "flip_flop") == 0)
			assert_int_equal(s.v[i].severity,
			                 s.v[i].server.a[3] == 1 ? MK_SEV_CRITICAL : MK_SEV_HIGH);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_ipmac_cap(void **state)
{
	struct mk_detect *d = new_det_with("set\tipmac_max\t16\n");
	struct snap s;

	(void)state;
	/* 16 slots, probe window 8: 200 addresses must evict, never crash */
	for (unsigned i = 0; i < 200; i++)
		arp(d, 2, (uint8_t)i, (uint8_t)i, (uint16_t)(i / 250), T0 + i * S);
	assert_true(mk_detect_stats(d)->ipmac_evicted >= 200 - 16);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 0);
	snap_free(&s);
	mk_detect_free(d);
}

/* ---- rogue_dhcp ---- */

/* A DHCP server reply as the engine passes it: dhcp_relay_agent (when
 * relayed) then dhcp_server, from sender (ip .x, MAC ..:mx), port 67. */
static void dhcp_for(struct mk_detect *d, uint8_t x, uint8_t mx, const char *server_id,
                     const char *relay, uint16_t vlan, uint64_t ts, const char *client)
{
	struct mk_fact f;
	struct mk_pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.sport = 67;
	p.dport = 68;
	if (vlan != 0) {
		p.vlan_count = 1;
		p.vlan[0] = vlan;
	}
	memset(&f, 0, sizeof(f));
	f.kind = MK_FACT_ATTR;
	f.proto = MK_PROTO_DHCP;
	f.host.kind = MK_HOST_EXPLICIT;
	ip4(&f.host.ip, 192, 168, 10, x);
	f.host.mac.family = MK_AF_MAC;
	mac(f.host.mac.a, mx);
	if (client != NULL) {
		f.key = "dhcp_reply_client";
		f.value = client;
		f.value_len = strlen(client);
		mk_detect_fact(d, &f, &p);
	}
	if (relay != NULL) {
		f.key = "dhcp_relay_agent";
		f.value = relay;
		f.value_len = strlen(relay);
		mk_detect_fact(d, &f, &p);
	}
	f.key = "dhcp_server";
	f.value = server_id;
	f.value_len = strlen(server_id);
	mk_detect_fact(d, &f, &p);
}

static void dhcp(struct mk_detect *d, uint8_t x, uint8_t mx, const char *server_id,
                 const char *relay, uint16_t vlan, uint64_t ts)
{
	dhcp_for(d, x, mx, server_id, relay, vlan, ts, NULL);
}

/* Which servers compete: the same clients, or addresses in one /24.  A
 * router with a DHCP server on each of two subnets, both legs on one mirror
 * port, does not; a server of another subnet answering the same client does. */
static void test_rogue_dhcp_rivals(void **state)
{
	struct mk_detect *d = new_det();
	const struct mk_alert_rec *a = NULL;
	struct mk_fact f;
	struct snap s;

	(void)state;
	(void)f;
	/* .1 answers c1 and c2; a server at 192.168.20.1 (sent with host .201
	 * of the helper, server id on another /24) answers c3 only */
	dhcp_for(d, 1, 0x01, "192.168.10.1", NULL, 0, T0, "00:00:5e:00:00:c1");
	dhcp_for(d, 1, 0x01, "192.168.10.1", NULL, 0, T0 + S, "00:00:5e:00:00:c2");
	dhcp_for(d, 254, 0xfe, "192.168.20.1", "192.168.10.254", 0, T0 + 2 * S,
	         "00:00:5e:00:00:c3");
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(count_type(&s, "rogue_dhcp"), 0);
	snap_free(&s);
	/* now the 192.168.20.1 server answers c1 as well: it competes with .1 */
	dhcp_for(d, 254, 0xfe, "192.168.20.1", "192.168.10.254", 0, T0 + 3 * S,
	         "00:00:5e:00:00:c1");
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(count_type(&s, "rogue_dhcp"), 1);
	for (size_t i = 0; i < s.n; i++)
		if (strcmp(s.v[i].type, "rogue_dhcp") == 0)
			a = &s.v[i];
	assert_non_null(a);
	assert_int_equal(a->server.a[2], 20);
	assert_string_equal(ev(a, "first_server"), "192.168.10.1");
	snap_free(&s);
	mk_detect_free(d);

	/* the other order: the real server (first seen) later answers a client
	 * the newer one answered: still the newer one is reported */
	d = new_det();
	dhcp_for(d, 1, 0x01, "192.168.10.1", NULL, 0, T0, "00:00:5e:00:00:c1");
	dhcp_for(d, 254, 0xfe, "172.16.0.1", "192.168.10.254", 0, T0 + S, "00:00:5e:00:00:c9");
	dhcp_for(d, 1, 0x01, "192.168.10.1", NULL, 0, T0 + 2 * S, "00:00:5e:00:00:c9");
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(count_type(&s, "rogue_dhcp"), 1);
	for (size_t i = 0; i < s.n; i++)
		if (strcmp(s.v[i].type, "rogue_dhcp") == 0)
			assert_int_equal(s.v[i].server.a[0], 172);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_rogue_dhcp(void **state)
{
	struct mk_detect *d = new_det();
	const struct mk_alert_rec *a;
	struct snap s;

	(void)state;
	dhcp(d, 1, 0x01, "192.168.10.1", NULL, 0, T0);
	dhcp(d, 1, 0x01, "192.168.10.1", NULL, 0, T0 + S);
	/* a relay agent forwarding for .1, and .1 answering the relay: one server */
	dhcp(d, 254, 0xfe, "192.168.10.1", "192.168.10.254", 0, T0 + 2 * S);
	dhcp(d, 1, 0x01, "192.168.10.1", "192.168.10.254", 0, T0 + 3 * S);
	/* another VLAN's own server: the first of its segment */
	dhcp(d, 5, 0x05, "192.168.10.5", NULL, 20, T0 + 4 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 0);
	snap_free(&s);
	/* a second server on the untagged segment: OFFER and ACK */
	dhcp(d, 99, 0x99, "192.168.10.99", NULL, 0, T0 + 10 * S);
	dhcp(d, 99, 0x99, "192.168.10.99", NULL, 0, T0 + 11 * S);
	/* a relay naming yet another server, which answers a client .1 answered */
	dhcp_for(d, 1, 0x01, "192.168.10.1", NULL, 0, T0 + 12 * S, "00:00:5e:00:00:77");
	dhcp_for(d, 254, 0xfe, "10.9.9.9", "192.168.10.254", 0, T0 + 12 * S, "00:00:5e:00:00:77");
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(count_type(&s, "rogue_dhcp"), 2);
	a = NULL;
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i].server.a[3] == 99)
			a = &s.v[i];
	assert_non_null(a);
	assert_int_equal(a->severity, MK_SEV_HIGH);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->first_ns, T0 + 10 * S);
	assert_int_equal(a->proto, MK_PROTO_DHCP);
	assert_int_equal(a->port, 67);
	assert_string_equal(ev(a, "first_server"), "192.168.10.1");
	assert_string_equal(ev(a, "server_mac"), "00:1b:1b:00:00:99");
	assert_string_equal(ev(a, "vlan"), "0");
	assert_rendered(a);
	assert_non_null(strstr(a->detail_en, "192.168.10.1"));
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i].server.a[0] == 10) {
			assert_int_equal(s.v[i].count, 1);
			assert_string_equal(ev(&s.v[i], "server_mac"),
			                    "-"); /* known only by relay */
		}
	snap_free(&s);
	mk_detect_free(d);
}

/* Network-level alerts honour maintenance windows like the others: a rival
 * DHCP server set up during planned work (a window naming it) is planned;
 * the same server answering after the window is an open alert. */
static void test_rogue_dhcp_in_window(void **state)
{
	struct mk_detect *d = new_det();
	struct mk_window_rec w;
	struct snap s;
	int planned = 0, open = 0;

	(void)state;
	memset(&w, 0, sizeof(w));
	w.id = 7;
	w.start_ns = T0 + 5 * S;
	w.end_ns = T0 + 20 * S;
	ip4(&w.devices[0], 192, 168, 10, 99);
	w.n_devices = 1;
	snprintf(w.note, sizeof(w.note), "new DHCP server");
	mk_detect_add_window(d, &w);
	dhcp(d, 1, 0x01, "192.168.10.1", NULL, 0, T0);
	dhcp(d, 99, 0x99, "192.168.10.99", NULL, 0, T0 + 10 * S); /* inside */
	dhcp(d, 99, 0x99, "192.168.10.99", NULL, 0, T0 + 11 * S); /* inside */
	dhcp(d, 99, 0x99, "192.168.10.99", NULL, 0, T0 + 30 * S); /* after */
	snap_take(d, &s, NULL, 0, NULL, 0);
	for (size_t i = 0; i < s.n; i++) {
		if (strcmp(s.v[i].type, "rogue_dhcp") != 0)
			continue;
		if (s.v[i].status == MK_ALERT_PLANNED) {
			planned++;
			assert_int_equal(s.v[i].count, 2);
			assert_non_null(strstr(s.v[i].subject, "maint:7"));
		} else {
			open++;
			assert_int_equal(s.v[i].count, 1);
			assert_int_equal(s.v[i].first_ns, T0 + 30 * S);
		}
	}
	assert_int_equal(planned, 1);
	assert_int_equal(open, 1);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_rogue_dhcp_cap(void **state)
{
	struct mk_detect *d = new_det_with("set\tdhcp_servers_max\t2\n");
	struct snap s;

	(void)state;
	dhcp(d, 1, 0x01, "192.168.10.1", NULL, 0, T0);
	dhcp(d, 2, 0x02, "192.168.10.2", NULL, 0, T0 + S);
	dhcp(d, 3, 0x03, "192.168.10.3", NULL, 0, T0 + 2 * S);
	assert_int_equal(mk_detect_stats(d)->dhcp_servers_dropped, 1);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(count_type(&s, "rogue_dhcp"), 1);
	snap_free(&s);
	mk_detect_free(d);
}

/* ---- lateral_movement ---- */

static void session(struct mk_detect *d, uint8_t cli, uint8_t srv, uint16_t port, uint32_t pkts,
                    uint64_t ts)
{
	struct mk_flow f;

	memset(&f, 0, sizeof(f));
	f.transport = MK_FT_TCP;
	f.orient = MK_ORIENT_SYN;
	f.tcp_seen = MK_TCP_SYN | MK_TCP_ACK | MK_TCP_FIN;
	ip4(&f.cli.ip, 10, 1, 0, cli);
	ip4(&f.srv.ip, 10, 1, 0, srv);
	f.cli.port = 50000;
	f.srv.port = port;
	f.pkts[0] = pkts;
	f.pkts[1] = pkts;
	f.first_ns = f.last_ns = ts;
	mk_detect_flow_ended(d, &f);
}

static void test_lateral_fanout(void **state)
{
	struct mk_detect *d = new_det();
	const struct mk_alert_rec *a;
	struct snap s;

	(void)state;
	session(d, 50, 11, 445, 10, T0);
	session(d, 50, 11, 445, 10, T0 + S); /* the same host again */
	session(d, 50, 12, 445, 10, T0 + 2 * S);
	session(d, 50, 13, 139, 10, T0 + 3 * S);
	session(d, 50, 14, 3389, 10, T0 + 4 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 0); /* 4 hosts */
	snap_free(&s);
	session(d, 50, 15, 5985, 10, T0 + 5 * S); /* the 5th host */
	session(d, 50, 16, 22, 10, T0 + 6 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 1);
	a = find(&s, "lateral_movement", "");
	assert_non_null(a);
	assert_int_equal(a->severity, MK_SEV_HIGH);
	assert_int_equal(a->count, 7); /* 6 sessions when it fired, +1 */
	assert_int_equal(a->first_ns, T0 + 5 * S);
	assert_int_equal(a->last_ns, T0 + 6 * S);
	assert_int_equal(a->client.a[3], 50);
	assert_int_equal(a->server.family, MK_AF_NONE);
	assert_string_equal(ev(a, "distinct_hosts"), "6");
	assert_string_equal(ev(a, "window_s"), "600");
	assert_string_equal(ev(a, "services"), "smb,rdp,winrm,ssh");
	assert_string_equal(ev(a, "targets"), "10.1.0.11,10.1.0.12,10.1.0.13,10.1.0.14");
	assert_rendered(a);
	assert_non_null(strstr(a->detail_en, "6 different devices"));
	assert_non_null(strstr(a->detail_ja, "6 台"));
	snap_free(&s);
	mk_detect_free(d);
}

static void test_lateral_not(void **state)
{
	struct mk_detect *d = new_det();
	struct mk_flow f;
	struct snap s;

	(void)state;
	for (uint8_t h = 0; h < 8; h++) {
		session(d, 60, (uint8_t)(100 + h), 445, 3, T0 + h * S); /* probes only */
		session(d, 61, (uint8_t)(100 + h), 80, 10, T0 + h * S); /* not a listed service */
		session(d, 62, (uint8_t)(100 + h), 445, 10, T0 + h * 700 * S); /* one per window */
	}
	/* to the internet: not lateral */
	for (uint8_t h = 0; h < 8; h++) {
		memset(&f, 0, sizeof(f));
		f.transport = MK_FT_TCP;
		ip4(&f.cli.ip, 10, 1, 0, 63);
		ip4(&f.srv.ip, 8, 8, 8, h);
		f.srv.port = 22;
		f.pkts[0] = f.pkts[1] = 10;
		f.first_ns = T0 + h * S;
		mk_detect_flow_ended(d, &f);
	}
	/* UDP on 445 is no session either */
	memset(&f, 0, sizeof(f));
	f.transport = MK_FT_UDP;
	ip4(&f.cli.ip, 10, 1, 0, 64);
	ip4(&f.srv.ip, 10, 1, 0, 65);
	f.srv.port = 445;
	f.pkts[0] = f.pkts[1] = 10;
	mk_detect_flow_ended(d, &f);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(count_type(&s, "lateral_movement"), 0);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_lateral_cap(void **state)
{
	struct mk_detect *d = new_det_with("set\tlateral_sources_max\t1\n");
	struct snap s;

	(void)state;
	/* 16 slots at least; 40 clients evict */
	for (uint8_t c = 0; c < 40; c++)
		session(d, (uint8_t)(100 + c), 1, 445, 10, T0 + c * S);
	assert_true(mk_detect_stats(d)->lateral_sources_evicted > 0);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 0);
	snap_free(&s);
	mk_detect_free(d);
}

/* ---- SMB events (detect.tsv anomaly lines) and subject texts ---- */

static void smb_event(struct mk_detect *d, const char *event, uint64_t ts)
{
	struct mk_flow f;

	memset(&f, 0, sizeof(f));
	f.transport = MK_FT_TCP;
	ip4(&f.cli.ip, 10, 1, 0, 50);
	ip4(&f.srv.ip, 10, 1, 0, 20);
	f.srv.port = 445;
	mk_detect_anomaly(d, &f, NULL, MK_DIR_TO_SERVER, MK_PROTO_SMB, event, ts);
}

static void test_smb_events(void **state)
{
	struct mk_detect *d = new_det();
	const struct mk_alert_rec *a;
	struct snap s;

	(void)state;
	smb_event(d, "smb1_trans2_session_setup", T0);
	smb_event(d, "smb1_trans2_session_setup", T0 + S);
	smb_event(d, "smb1_nt_trans_oversized", T0 + S);
	smb_event(d, "smb1_doublepulsar_reply", T0 + 2 * S);
	smb_event(d, "smb2_compression_overflow", T0 + 3 * S);
	smb_event(d, "smb_psexec", T0 + 4 * S);
	smb_event(d, "smb_signing_not_required", T0 + 4 * S); /* not mapped */
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(count_type(&s, "exploit_attempt"), 4);
	assert_int_equal(count_type(&s, "lateral_movement"), 1);
	assert_int_equal(s.n, 5);
	for (size_t i = 0; i < s.n; i++) {
		assert_rendered(&s.v[i]);
		if (strcmp(s.v[i].type, "exploit_attempt") == 0)
			assert_int_equal(s.v[i].severity, MK_SEV_CRITICAL);
	}
	a = find(&s, "exploit_attempt", "smb1_trans2_session_setup");
	assert_int_equal(a->count, 2);
	assert_non_null(strstr(a->title_en, "EternalBlue"));
	/* subject texts: the implant, SMBGhost, PsExec */
	a = find(&s, "exploit_attempt", "smb1_doublepulsar_reply");
	assert_non_null(strstr(a->title_en, "DoublePulsar"));
	assert_non_null(strstr(a->title_ja, "バックドア"));
	a = find(&s, "exploit_attempt", "smb2_compression_overflow");
	assert_non_null(strstr(a->title_en, "SMBGhost"));
	a = find(&s, "lateral_movement", "smb_psexec");
	assert_int_equal(a->severity, MK_SEV_HIGH);
	assert_non_null(strstr(a->title_en, "PsExec"));
	assert_non_null(strstr(a->detail_ja, "ADMIN$"));
	snap_free(&s);
	mk_detect_free(d);
}

/* A second run seeded with the first run's alerts keeps their text facts. */
static void test_merge_keeps_texts(void **state)
{
	struct mk_detect *d = new_det(), *d2;
	const struct mk_alert_rec *a;
	struct snap s, s2;

	(void)state;
	arp(d, 2, 30, 0x30, 0, T0);
	arp(d, 2, 30, 0xa0, 0, T0 + S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	d2 = new_det();
	mk_detect_load(d2, &s.v[0]);
	snap_take(d2, &s2, NULL, 0, NULL, 0);
	assert_int_equal(s2.n, 1);
	a = &s2.v[0];
	assert_string_equal(a->id, s.v[0].id);
	assert_string_equal(a->subject, "changed");
	assert_int_equal(a->count, 1);
	assert_string_equal(ev(a, "old_mac"), "00:1b:1b:00:00:30");
	assert_string_equal(ev(a, "new_mac"), "00:1b:1b:00:00:a0");
	assert_string_equal(a->detail_en, s.v[0].detail_en);
	snap_free(&s);
	snap_free(&s2);
	mk_detect_free(d);
	mk_detect_free(d2);
}


/* ---- ip_mac_change over IPv6 neighbour discovery ---- */

/* fd00:10::x (x < 0x80) or fe80::x (x >= 0x80: fe80::(x - 0x80)). */
static void ip6(uint8_t out[16], uint8_t x)
{
	memset(out, 0, 16);
	if (x >= 0x80) {
		out[0] = 0xfe;
		out[1] = 0x80;
		out[15] = (uint8_t)(x - 0x80);
	} else {
		out[0] = 0xfd;
		out[2] = 0x00;
		out[3] = 0x10;
		out[15] = x;
	}
}

#define LL(x) ((uint8_t)(0x80 + (x)))

enum { NS_DAD = 0x100, NO_LLA = 0x200, HOP64 = 0x400 };

/* An NDP message of type (135 NS, 136 NA with flags, 134 RA with a
 * lifetime) about address x (NS: its source; NA: its target; RA: its
 * source) with the link-layer address ..:mx, on vlan (0: none).  Extra bits
 * in type: NS_DAD (source ::), NO_LLA (no link-layer option), HOP64. */
static void ndp(struct mk_detect *d, unsigned type, uint8_t flags, uint8_t x, uint8_t mx,
                uint16_t vlan, uint64_t ts)
{
	struct mk_pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.layers = MK_L_ETH | MK_L_IP6 | MK_L_ICMP6 | MK_L_NDP;
	p.has_mac = true;
	mac(p.src_mac, mx);
	p.ttl = (type & HOP64) ? 64 : 255;
	p.src_ip.family = MK_AF_INET6;
	p.dst_ip.family = MK_AF_INET6;
	p.dst_ip.a[0] = 0xff;
	p.dst_ip.a[1] = 0x02;
	p.dst_ip.a[15] = 1;
	p.icmp_type = (uint8_t)(type & 0xff);
	p.ndp.type = p.icmp_type;
	p.ndp.flags = flags;
	if (!(type & NO_LLA)) {
		p.ndp.has_lla = true;
		mac(p.ndp.lla, mx);
	}
	if ((type & 0xff) == MK_NDP_RA) {
		ip6(p.src_ip.a, x);
		p.ndp.router_lifetime = flags != 0 ? 1800 : 0;
		p.ndp.flags = 0;
	} else if ((type & 0xff) == MK_NDP_NS) {
		if (!(type & NS_DAD))
			ip6(p.src_ip.a, x);
		ip6(p.ndp.target, 0x7f);
	} else {
		ip6(p.src_ip.a, x);
		ip6(p.ndp.target, x);
	}
	if (vlan != 0) {
		p.vlan_count = 1;
		p.vlan[0] = vlan;
	}
	mk_detect_ndp(d, &p);
}

#define O_FLAG MK_NDP_NA_OVERRIDE
#define SO_FLAG (MK_NDP_NA_SOLICITED | MK_NDP_NA_OVERRIDE)

static void test_ndp_one_change(void **state)
{
	struct mk_detect *d = new_det();
	const struct mk_alert_rec *a;
	struct mk_addr want;
	struct snap s;

	(void)state;
	ndp(d, MK_NDP_NA, O_FLAG, 0x30, 0x30, 0, T0);
	ndp(d, MK_NDP_NS, 0, 0x30, 0x30, 0, T0 + 10 * S); /* the same owner: nothing */
	ndp(d, MK_NDP_NA, O_FLAG, 0x30, 0xa0, 0, T0 + 3600 * S); /* replaced */
	ndp(d, MK_NDP_NA, SO_FLAG, 0x30, 0xa0, 0, T0 + 3700 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 1);
	a = find(&s, "ip_mac_change", "ndp_changed");
	assert_non_null(a);
	assert_int_equal(a->severity, MK_SEV_MEDIUM);
	assert_int_equal(a->count, 1);
	assert_int_equal(a->first_ns, T0 + 3600 * S);
	assert_true(mk_addr_parse(&want, "fd00:10::30"));
	assert_true(mk_addr_eq(&a->server, &want));
	assert_int_equal(a->client.family, MK_AF_NONE);
	assert_int_equal(a->proto, MK_PROTO_UNKNOWN); /* no PROTO id names NDP */
	assert_string_equal(ev(a, "old_mac"), "00:1b:1b:00:00:30");
	assert_string_equal(ev(a, "new_mac"), "00:1b:1b:00:00:a0");
	assert_rendered(a);
	assert_non_null(strstr(a->title_ja, "IPv6アドレスが別の機器に移りました: fd00:10::30"));
	assert_non_null(strstr(a->detail_ja, "近隣探索"));
	assert_non_null(strstr(a->detail_en, "neighbour discovery"));
	snap_free(&s);
	mk_detect_free(d);
}

static void test_ndp_ignored(void **state)
{
	struct mk_detect *d = new_det();
	struct mk_pkt p;
	struct snap s;

	(void)state;
	ndp(d, MK_NDP_NA, O_FLAG, 0x40, 0x40, 0, T0);
	/* another MAC, but each of these claims nothing: */
	ndp(d, MK_NDP_NS | NS_DAD, 0, 0x40, 0x41, 0, T0 + 1 * S);       /* DAD from :: */
	ndp(d, MK_NDP_NA | NO_LLA, O_FLAG, 0x40, 0x41, 0, T0 + 2 * S);  /* no target LLA */
	ndp(d, MK_NDP_NS | NO_LLA, 0, 0x40, 0x41, 0, T0 + 3 * S);       /* no source LLA */
	ndp(d, MK_NDP_NA | HOP64, O_FLAG, 0x40, 0x41, 0, T0 + 4 * S);   /* crossed a router */
	ndp(d, MK_NDP_NA, MK_NDP_NA_SOLICITED, 0x40, 0x41, 0, T0 + 5 * S); /* no override */
	ndp(d, MK_NDP_RA, 1, 0x40, 0x41, 0, T0 + 6 * S);                /* RAs claim nothing */
	/* without the layer bit the message is not looked at */
	memset(&p, 0, sizeof(p));
	p.layers = MK_L_IP6 | MK_L_ICMP6;
	p.ttl = 255;
	p.icmp_type = MK_NDP_NA;
	mk_detect_ndp(d, &p);
	/* a link-local address moving once is not an alert */
	ndp(d, MK_NDP_NA, O_FLAG, LL(1), 0x01, 0, T0 + 7 * S);
	ndp(d, MK_NDP_NS, 0, LL(1), 0x02, 0, T0 + 8 * S);
	/* a non-override NA names the first owner of a new address */
	ndp(d, MK_NDP_NA, 0, 0x42, 0x42, 0, T0 + 9 * S);
	/* the same address on another VLAN is another address */
	ndp(d, MK_NDP_NA, O_FLAG, 0x40, 0x43, 20, T0 + 10 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 0);
	snap_free(&s);
	/* the original owner was kept through all of it: ..:40 answering is no
	 * change, and a solicitation with ..:44 as its source LLA is one */
	ndp(d, MK_NDP_NA, SO_FLAG, 0x40, 0x40, 0, T0 + 11 * S);
	ndp(d, MK_NDP_NS, 0, 0x40, 0x44, 0, T0 + 12 * S);
	ndp(d, MK_NDP_NA, O_FLAG, 0x42, 0x45, 0, T0 + 13 * S);
	snap_take(d, &s, NULL, 0, NULL, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(count_type(&s, "ip_mac_change"), 2);
	for (size_t i = 0; i < s.n; i++) {
		assert_string_equal(s.v[i].subject, "ndp_changed");
		if (s.v[i].server.a[15] == 0x40) {
			assert_string_equal(ev(&s.v[i], "old_mac"), "00:1b:1b:00:00:40");
			assert_string_equal(ev(&s.v[i], "new_mac"), "00:1b:1b:00:00:44");
		} else {
			assert_int_equal(s.v[i].server.a[15], 0x42);
			assert_string_equal(ev(&s.v[i], "old_mac"), "00:1b:1b:00:00:42");
		}
	}
	snap_free(&s);
	mk_detect_free(d);
}

/* The attacker (MAC ..:66) claims the router's fe80::1 and the hosts
 * fd00:10::20 and ::21 in unsolicited override NAs; the real owners answer
 * after each round.  As tests/captures/netwatch/ndp_spoof.pcap. */
static void ndp_rounds(struct mk_detect *d, int rounds)
{
	ndp(d, MK_NDP_NA, O_FLAG, LL(1), 0x01, 0, T0);
	ndp(d, MK_NDP_NS, 0, 0x20, 0x20, 0, T0 + S / 10);
	ndp(d, MK_NDP_NA, SO_FLAG, 0x21, 0x21, 0, T0 + S / 5);
	for (int r = 0; r < rounds; r++) {
		uint64_t t = T0 + (10 + 2 * (uint64_t)r) * S;

		ndp(d, MK_NDP_NA, O_FLAG, LL(1), 0x66, 0, t);
		ndp(d, MK_NDP_NA, O_FLAG, 0x20, 0x66, 0, t + 1);
		ndp(d, MK_NDP_NA, O_FLAG, 0x21, 0x66, 0, t + 2);
		ndp(d, MK_NDP_NA, SO_FLAG, LL(1), 0x01, 0, t + S / 2);
		ndp(d, MK_NDP_NA, SO_FLAG, 0x20, 0x20, 0, t + S / 2 + 1);
		ndp(d, MK_NDP_NA, SO_FLAG, 0x21, 0x21, 0, t + S / 2 + 2);
	}
}

static void test_ndp_spoofing(void **state)
{
	struct mk_detect *d = new_det();
	const struct mk_alert_rec *a;
	struct mk_addr router_ll, h20;
	struct snap s;

	(void)state;
	assert_true(mk_addr_parse(&router_ll, "fe80::1"));
	assert_true(mk_addr_parse(&h20, "fd00:10::20"));
	/* an ARP claim by the same MAC is counted apart */
	arp(d, 2, 66, 0x66, 0, T0);
	ndp_rounds(d, 3);
	snap_take(d, &s, NULL, 0, NULL, 0);
	/* two ndp_changed (not for the link-local fe80::1), three ndp_flip_flop,
	 * one ndp_many_ips; nothing of ARP's */
	assert_int_equal(s.n, 6);
	for (size_t i = 0; i < s.n; i++) {
		a = &s.v[i];
		assert_string_equal(a->type, "ip_mac_change");
		assert_int_equal(a->proto, MK_PROTO_UNKNOWN);
		assert_rendered(a);
		if (strcmp(a->subject, "ndp_flip_flop") == 0) {
			assert_int_equal(a->count, 5);
			assert_int_equal(a->severity, MK_SEV_HIGH); /* no gateway known */
			assert_string_equal(ev(a, "window_s"), "600");
		} else if (strcmp(a->subject, "ndp_changed") == 0) {
			assert_false(mk_addr_eq(&a->server, &router_ll));
			assert_int_equal(a->count, 1);
		} else {
			assert_string_equal(a->subject, "ndp_many_ips");
			assert_int_equal(a->client.family, MK_AF_MAC);
			assert_int_equal(a->client.a[5], 0x66);
			assert_int_equal(a->count, 9);
			assert_int_equal(a->severity, MK_SEV_HIGH);
			/* the list holds what fits in 63 bytes */
			assert_string_equal(ev(a, "ips"), "fe80::1,fd00:10::20,fd00:10::21");
			assert_string_equal(ev(a, "distinct_hosts"), "3");
			assert_non_null(strstr(a->title_ja, "IPv6アドレスを次々に名乗っています"));
		}
	}
	assert_null(find(&s, "ip_mac_change", "flip_flop"));
	assert_null(find(&s, "ip_mac_change", "many_ips"));
	snap_free(&s);
	mk_detect_free(d);

	/* a Router Advertisement from fe80::1 makes it a gateway: critical */
	d = new_det();
	ndp(d, MK_NDP_RA, 1, LL(1), 0x01, 0, T0);
	ndp(d, MK_NDP_RA, 0, LL(2), 0x02, 0, T0); /* lifetime 0: not a default router */
	ndp_rounds(d, 3);
	snap_take(d, &s, NULL, 0, NULL, 0);
	for (size_t i = 0; i < s.n; i++) {
		a = &s.v[i];
		if (strcmp(a->subject, "ndp_many_ips") == 0 ||
		    (strcmp(a->subject, "ndp_flip_flop") == 0 && mk_addr_eq(&a->server, &router_ll)))
			assert_int_equal(a->severity, MK_SEV_CRITICAL);
		else if (strcmp(a->subject, "ndp_flip_flop") == 0)
			assert_int_equal(a->severity, MK_SEV_HIGH);
		else
			assert_int_equal(a->severity, MK_SEV_MEDIUM);
	}
	snap_free(&s);
	mk_detect_free(d);

	/* without RAs: an asset with the router role holding fe80::1, or a server
	 * of five clients, is judged at the snapshot */
	d = new_det();
	ndp_rounds(d, 3);
	{
		struct mk_role_rec role = {.role = MK_ROLE_ROUTER, .confidence = 90};
		struct mk_asset_rec router;
		struct mk_conv_rec convs[5];

		memset(&router, 0, sizeof(router));
		router.ips = &router_ll;
		router.n_ips = 1;
		router.roles = &role;
		router.n_roles = 1;
		memset(convs, 0, sizeof(convs));
		for (int i = 0; i < 5; i++) {
			ip6(convs[i].client.a, (uint8_t)(0x50 + i));
			convs[i].client.family = MK_AF_INET6;
			convs[i].server = h20;
			convs[i].transport = 6;
			convs[i].port = 502;
		}
		snap_take(d, &s, &router, 1, convs, 5);
	}
	for (size_t i = 0; i < s.n; i++)
		if (strcmp(s.v[i].subject, "ndp_flip_flop") == 0)
			assert_int_equal(s.v[i].severity, mk_addr_eq(&s.v[i].server, &router_ll) ||
			                                          mk_addr_eq(&s.v[i].server, &h20)
			                                      ? MK_SEV_CRITICAL
			                                      : MK_SEV_HIGH);
	snap_free(&s);
	mk_detect_free(d);
}

/* ---- rules ---- */

static void test_rules(void **state)
{
	struct mk_detect_rules r;
	char err[256] = "";
	static const char *const types[] = {"ip_mac_change", "rogue_dhcp", "lateral_movement",
	                                    "exploit_attempt"};
	static const char *const variants[][2] = {
	    {"ip_mac_change", "flip_flop"},
	    {"ip_mac_change", "many_ips"},
	    {"ip_mac_change", "ndp_changed"},
	    {"ip_mac_change", "ndp_flip_flop"},
	    {"ip_mac_change", "ndp_many_ips"},
	    {"lateral_movement", "smb_psexec"},
	    {"exploit_attempt", "smb1_doublepulsar_reply"},
	    {"exploit_attempt", "smb2_compression_overflow"},
	};

	(void)state;
	mk_detect_rules_init(&r);
	assert_int_equal(mk_detect_rules_load_alerts(&r, ALERTS, err, sizeof(err)), 0);
	assert_int_equal(mk_detect_rules_load_detect(&r, DETECT, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int t = mk_detect_type_index(&r, types[i]);

		assert_true(t >= 0);
		assert_non_null(strstr(r.types[t].detail[MK_LANG_JA], "いま行うこと"));
		assert_non_null(strstr(r.types[t].detail[MK_LANG_EN], "Now:"));
	}
	assert_int_equal(r.n_variants, sizeof(variants) / sizeof(variants[0]));
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		const struct mk_alert_variant *v =
		    mk_detect_variant(&r, mk_detect_type_index(&r, variants[i][0]), variants[i][1]);

		assert_non_null(v);
		assert_non_null(strstr(v->detail[MK_LANG_JA], "いま行うこと"));
		assert_non_null(strstr(v->detail[MK_LANG_JA], "ください"));
		assert_non_null(strstr(v->detail[MK_LANG_EN], "Now:"));
	}
	assert_null(mk_detect_variant(&r, mk_detect_type_index(&r, "ip_mac_change"), "changed"));
	assert_int_equal(r.n_lateral_ports, 7);
	assert_int_equal(r.lateral_port[0].port, 445);
	assert_string_equal(r.lateral_port[0].name, "smb");
	assert_int_equal(r.lateral_hosts_min, 5);
	assert_int_equal(r.lateral_window_s, 600);
	assert_int_equal(r.ipmac_flip_min, 2);
	assert_int_equal(r.ipmac_claim_min, 3);
	mk_detect_rules_clear(&r);
}

static void write_file(const char *data)
{
	FILE *f = fopen(tmp_path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
	fclose(f);
}

static void test_rules_malformed(void **state)
{
	struct mk_detect_rules r;
	char err[256] = "";

	(void)state;
	mk_detect_rules_init(&r);
	write_file("smbv1\tmedium\tS\tＳ\tSD\tＳＤ\n"
	           "smbv1/x_y\thigh\tT\tＴ\tD\tＤ\n" /* ok */
	           "nosuch/x\thigh\tT\tＴ\tD\tＤ\n"  /* base type unknown */
	           "smbv1/x_y\thigh\tT\tＴ\tD\tＤ\n" /* duplicate */
	           "smbv1/bad subject\thigh\tT\tＴ\tD\tＤ\n"
	           "smbv1/z\tsevere\tT\tＴ\tD\tＤ\n" /* bad severity */
	           "smbv1/z\thigh\tT\t\tD\tＤ\n");   /* empty text */
	assert_int_equal(mk_detect_rules_load_alerts(&r, tmp_path, err, sizeof(err)), 5);
	assert_int_equal(r.n_types, 1);
	assert_int_equal(r.n_variants, 1);
	assert_int_equal(r.variants[0].severity, MK_SEV_HIGH);
	write_file("lateral_port\t445\tsmb\n" /* ok */
	           "lateral_port\t0\tsmb\n"
	           "lateral_port\t70000\tsmb\n"
	           "lateral_port\t22\tbad name\n"
	           "lateral_port\t22\n"
	           "set\tlateral_hosts_min\t1\n"    /* below the minimum */
	           "set\tipmac_window_s\t90000\n"); /* above the maximum */
	assert_int_equal(mk_detect_rules_load_detect(&r, tmp_path, err, sizeof(err)), 6);
	assert_int_equal(r.n_lateral_ports, 1);
	assert_int_equal(r.lateral_hosts_min, 5);
	assert_int_equal(r.ipmac_window_s, 600);
	mk_detect_rules_clear(&r);
}

static int setup(void **unused)
{
	int fd;

	(void)unused;
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/mk_netwatch_XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **unused)
{
	(void)unused;
	unlink(tmp_path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipmac_one_change),
	    cmocka_unit_test(test_ipmac_ignored),
	    cmocka_unit_test(test_ipmac_spoofing),
	    cmocka_unit_test(test_ipmac_one_flip_allowed),
	    cmocka_unit_test(test_ipmac_gateway_by_dhcp),
	    cmocka_unit_test(test_ipmac_gateway_by_records),
	    cmocka_unit_test(test_ipmac_cap),
	    cmocka_unit_test(test_rogue_dhcp),
	    cmocka_unit_test(test_rogue_dhcp_rivals),
	    cmocka_unit_test(test_rogue_dhcp_in_window),
	    cmocka_unit_test(test_rogue_dhcp_cap),
	    cmocka_unit_test(test_lateral_fanout),
	    cmocka_unit_test(test_lateral_not),
	    cmocka_unit_test(test_lateral_cap),
	    cmocka_unit_test(test_smb_events),
	    cmocka_unit_test(test_merge_keeps_texts),
	    cmocka_unit_test(test_ndp_one_change),
	    cmocka_unit_test(test_ndp_ignored),
	    cmocka_unit_test(test_ndp_spoofing),
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_rules_malformed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_conv.c - unit tests of the conversation graph (src/graph/conv.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/conv.h"
#include "mieruka/flow.h"
#include "graph/conv_int.h"

#define S 1000000000ull

static void ip4(struct mk_addr *a, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	a->family = MK_AF_INET;
	a->a[0] = 192;
	a->a[1] = 168;
	a->a[2] = 0;
	a->a[3] = last;
}

static void mac(struct mk_addr *a, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	a->family = MK_AF_MAC;
	a->a[0] = 2;
	a->a[5] = last;
}

/* A TCP/UDP flow cli -> srv:port carrying proto. */
static struct mk_flow ipflow(uint8_t transport, uint8_t cli, uint8_t srv, uint16_t port,
                             uint16_t proto, uint64_t first, uint64_t last)
{
	struct mk_flow f;

	memset(&f, 0, sizeof(f));
	f.transport = transport;
	ip4(&f.cli.ip, cli);
	ip4(&f.srv.ip, srv);
	mac(&f.cli.mac, cli);
	mac(&f.srv.mac, srv);
	f.cli.port = 40000;
	f.srv.port = port;
	f.app_proto = proto;
	f.first_ns = first;
	f.last_ns = last;
	f.pkts[0] = 3;
	f.pkts[1] = 2;
	f.bytes[0] = 300;
	f.bytes[1] = 200;
	return f;
}

static void test_fold(void **state)
{
	struct mk_conv_table *ct = mk_conv_new(100);
	struct mk_flow a = ipflow(6, 1, 2, 502, MK_PROTO_MODBUS, 10 * S, 20 * S);
	struct mk_flow b = ipflow(6, 1, 2, 502, MK_PROTO_MODBUS, 5 * S, 15 * S);
	struct mk_conv_rec *recs;
	size_t n;

	(void)state;
	assert_non_null(ct);
	a.ops[MK_OP_READ] = 7;
	b.ops[MK_OP_READ] = 1;
	b.ops[MK_OP_WRITE] = 2;
	b.cli.port = 40001; /* another connection: the client port is no key */
	mk_conv_add_flow(ct, &a);
	mk_conv_add_flow(ct, &b);
	assert_int_equal(mk_conv_count(ct), 1);
	n = mk_conv_snapshot(ct, &recs);
	assert_int_equal(n, 1);
	assert_int_equal(recs[0].client.family, MK_AF_INET);
	assert_int_equal(recs[0].client.a[3], 1);
	assert_int_equal(recs[0].server.a[3], 2);
	assert_int_equal(recs[0].transport, 6);
	assert_int_equal(recs[0].port, 502);
	assert_int_equal(recs[0].proto, MK_PROTO_MODBUS);
	assert_int_equal(recs[0].packets, 10);
	assert_int_equal(recs[0].bytes, 1000);
	assert_int_equal(recs[0].first_ns, 5 * S);
	assert_int_equal(recs[0].last_ns, 20 * S);
	assert_int_equal(recs[0].ops[MK_OP_READ], 8);
	assert_int_equal(recs[0].ops[MK_OP_WRITE], 2);
	assert_int_equal(recs[0].flows, 2);
	free(recs);
	mk_conv_free(ct);
}

static void test_keys(void **state)
{
	struct mk_conv_table *ct = mk_conv_new(100);
	struct mk_flow f;

	(void)state;
	f = ipflow(6, 1, 2, 502, MK_PROTO_MODBUS, S, S);
	mk_conv_add_flow(ct, &f);
	/* Another protocol, port, transport, direction or server: new records. */
	f = ipflow(6, 1, 2, 502, MK_PROTO_UNKNOWN, S, S);
	mk_conv_add_flow(ct, &f);
	f = ipflow(6, 1, 2, 503, MK_PROTO_MODBUS, S, S);
	mk_conv_add_flow(ct, &f);
	f = ipflow(17, 1, 2, 502, MK_PROTO_MODBUS, S, S);
	mk_conv_add_flow(ct, &f);
	f = ipflow(6, 2, 1, 502, MK_PROTO_MODBUS, S, S);
	mk_conv_add_flow(ct, &f);
	f = ipflow(6, 1, 3, 502, MK_PROTO_MODBUS, S, S);
	mk_conv_add_flow(ct, &f);
	assert_int_equal(mk_conv_count(ct), 6);
	/* Junk past an IPv4 address's 4 bytes does not split a record. */
	f = ipflow(6, 1, 2, 502, MK_PROTO_MODBUS, S, S);
	f.cli.ip.a[10] = 0xee;
	mk_conv_add_flow(ct, &f);
	assert_int_equal(mk_conv_count(ct), 6);
	/* ICMP and other IP protocols make no conversation. */
	f = ipflow(MK_FT_OTHER, 1, 2, 0, MK_PROTO_UNKNOWN, S, S);
	mk_conv_add_flow(ct, &f);
	assert_int_equal(mk_conv_count(ct), 6);
	assert_int_equal(mk_conv_dropped(ct), 0);
	mk_conv_free(ct);
}

static void test_l2(void **state)
{
	struct mk_conv_table *ct = mk_conv_new(100);
	struct mk_flow f;
	struct mk_conv_rec *recs;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.transport = MK_FT_L2;
	f.ethertype = 0x88cc;
	mac(&f.cli.mac, 1);
	mac(&f.srv.mac, 0xe);
	f.app_proto = MK_PROTO_LLDP;
	f.pkts[0] = 1;
	f.bytes[0] = 60;
	f.first_ns = f.last_ns = S;
	mk_conv_add_flow(ct, &f);
	mk_conv_add_flow(ct, &f);
	assert_int_equal(mk_conv_snapshot(ct, &recs), 1);
	assert_int_equal(recs[0].client.family, MK_AF_MAC);
	assert_int_equal(recs[0].client.a[5], 1);
	assert_int_equal(recs[0].server.family, MK_AF_MAC);
	assert_int_equal(recs[0].server.a[5], 0xe);
	assert_int_equal(recs[0].transport, 0);
	assert_int_equal(recs[0].port, 0);
	assert_int_equal(recs[0].proto, MK_PROTO_LLDP);
	assert_int_equal(recs[0].packets, 2);
	assert_int_equal(recs[0].flows, 2);
	free(recs);
	mk_conv_free(ct);
}

static void test_cap(void **state)
{
	struct mk_conv_table *ct = mk_conv_new(2);
	struct mk_flow f;
	struct mk_conv_rec *recs;

	(void)state;
	for (uint8_t s = 1; s <= 4; s++) {
		f = ipflow(6, 1, s, 80, MK_PROTO_HTTP, S, S);
		mk_conv_add_flow(ct, &f);
	}
	assert_int_equal(mk_conv_count(ct), 2);
	assert_int_equal(mk_conv_dropped(ct), 2);
	/* Known keys still fold. */
	f = ipflow(6, 1, 2, 80, MK_PROTO_HTTP, S, S);
	mk_conv_add_flow(ct, &f);
	assert_int_equal(mk_conv_dropped(ct), 2);
	assert_int_equal(mk_conv_snapshot(ct, &recs), 2);
	assert_int_equal(recs[0].flows + recs[1].flows, 3);
	free(recs);
	mk_conv_free(ct);
	/* A zero cap keeps nothing. */
	ct = mk_conv_new(0);
	mk_conv_add_flow(ct, &f);
	assert_int_equal(mk_conv_count(ct), 0);
	assert_int_equal(mk_conv_dropped(ct), 1);
	assert_int_equal(mk_conv_snapshot(ct, &recs), 0);
	assert_null(recs);
	mk_conv_free(ct);
	mk_conv_free(NULL);
}

static void test_load(void **state)
{
	struct mk_conv_table *ct = mk_conv_new(100);
	struct mk_conv_rec rec;
	struct mk_flow f = ipflow(17, 1, 2, 47808, MK_PROTO_BACNET, 100 * S, 200 * S);
	struct mk_conv_rec *recs;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	ip4(&rec.client, 1);
	ip4(&rec.server, 2);
	rec.transport = 17;
	rec.port = 47808;
	rec.proto = MK_PROTO_BACNET;
	rec.packets = 50;
	rec.bytes = 5000;
	rec.first_ns = 10 * S;
	rec.last_ns = 20 * S;
	rec.ops[MK_OP_READ] = 4;
	rec.flows = 9;
	mk_conv_load(ct, &rec);
	mk_conv_add_flow(ct, &f);
	assert_int_equal(mk_conv_snapshot(ct, &recs), 1);
	assert_int_equal(recs[0].packets, 55);
	assert_int_equal(recs[0].bytes, 5500);
	assert_int_equal(recs[0].first_ns, 10 * S);
	assert_int_equal(recs[0].last_ns, 200 * S);
	assert_int_equal(recs[0].ops[MK_OP_READ], 4);
	assert_int_equal(recs[0].flows, 10);
	free(recs);
	mk_conv_free(ct);
}

/* Many keys: the index grows and every record is still found. */
static void test_many(void **state)
{
	struct mk_conv_table *ct = mk_conv_new(100000);
	struct mk_flow f;

	(void)state;
	for (unsigned round = 0; round < 2; round++)
		for (unsigned i = 0; i < 5000; i++) {
			f = ipflow(6, (uint8_t)(i % 251), (uint8_t)(i / 251), (uint16_t)i,
			           MK_PROTO_UNKNOWN, S, S);
			mk_conv_add_flow(ct, &f);
		}
	assert_int_equal(mk_conv_count(ct), 5000);
	{
		struct mk_conv_rec *recs;
		size_t n = mk_conv_snapshot(ct, &recs);

		assert_int_equal(n, 5000);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(recs[i].flows, 2);
		free(recs);
	}
	mk_conv_free(ct);
}

/* Each allocation fails in turn: never a crash or leak; losses are counted. */
static void test_alloc_failures(void **state)
{
	unsigned dropped_runs = 0;

	(void)state;
	for (unsigned long nth = 1; nth <= 12; nth++) {
		struct mk_conv_table *ct;
		struct mk_conv_rec *recs = NULL;
		size_t n;

		mk_conv_fault_nth(nth);
		ct = mk_conv_new(1000);
		if (ct == NULL) {
			assert_int_equal(nth, 1);
			continue;
		}
		for (unsigned i = 0; i < 200; i++) {
			struct mk_flow f = ipflow(6, 1, (uint8_t)i, 80, MK_PROTO_HTTP, S, S);

			mk_conv_add_flow(ct, &f);
		}
		n = mk_conv_snapshot(ct, &recs);
		mk_conv_fault_nth(0);
		if (n == (size_t)-1) {
			assert_null(recs);
		} else {
			assert_int_equal(n + mk_conv_dropped(ct), 200);
			free(recs);
		}
		if (mk_conv_dropped(ct) > 0)
			dropped_runs++;
		mk_conv_free(ct);
	}
	assert_true(dropped_runs > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_l2),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_dns.c - unit tests of the DNS plug-in (src/proto/dns/dns.c, dns_wire.c).
 *
 * Vectors (UDP payloads; TCP tests prefix them with the 2-byte length):
 *   dns_google   ../shared/captures/modbus/bro__modbus__modbusSmall.pcap frame 102 (CNAME, A,
 *                NS and glue records, compression pointers several levels deep)
 *   dns_gateway  ../shared/captures/opcua/traces__open62541_client-server_mainloop.pcap frame 4
 * Reference: `tshark -r FILE -O dns -Y frame.number==N`.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/fact_recorder.h"

#include "mieruka/facts.h"
#include "mieruka/pkt.h"
#include "mieruka/proto.h"

#include "proto/dns/dns_wire.h"

extern const struct mk_proto mk_proto_dns;


static const uint8_t dns_google[] = {
	0x98, 0x10, 0x81, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00, 0x04, 0x00, 0x04, /* header: id 0x9810, flags 0x8180 (response, RD, RA), QD 1, AN 3, NS 4, AR 4 */
	/* question @12: "mail.google.com" type A class IN */
	0x04, 0x6d, 0x61, 0x69, 0x6c, 0x06, 0x67, 0x6f, 0x6f, 0x67, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
	/* answer @33: name -> @12, CNAME IN ttl 342190 rdlen 15: "googlemail.l" + -> @17 ("google.com") */
	0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x05, 0x38, 0xae, 0x00, 0x0f,
	0x0a, 0x67, 0x6f, 0x6f, 0x67, 0x6c, 0x65, 0x6d, 0x61, 0x69, 0x6c, 0x01,
	0x6c, 0xc0, 0x11,
	/* answer @60: name -> @45 (googlemail.l.google.com), A IN ttl 35, 74.125.239.54 */
	0xc0, 0x2d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x23, 0x00, 0x04,
	0x4a, 0x7d, 0xef, 0x36,
	/* answer @76: name -> @45, A IN ttl 35, 74.125.239.53 */
	0xc0, 0x2d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x23, 0x00, 0x04,
	0x4a, 0x7d, 0xef, 0x35,
	/* authority @92: name -> @17 (google.com), NS ttl 82977 rdlen 6: "ns3" + -> @17 */
	0xc0, 0x11, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x44, 0x21, 0x00, 0x06,
	0x03, 0x6e, 0x73, 0x33, 0xc0, 0x11,
	/* authority @110: google.com NS "ns2" + -> @17 */
	0xc0, 0x11, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x44, 0x21, 0x00, 0x06,
	0x03, 0x6e, 0x73, 0x32, 0xc0, 0x11,
	/* authority @128: google.com NS "ns4" + -> @17 */
	0xc0, 0x11, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x44, 0x21, 0x00, 0x06,
	0x03, 0x6e, 0x73, 0x34, 0xc0, 0x11,
	/* authority @146: google.com NS "ns1" + -> @17 */
	0xc0, 0x11, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x44, 0x21, 0x00, 0x06,
	0x03, 0x6e, 0x73, 0x31, 0xc0, 0x11,
	/* additional @164: name -> @140 (ns4.google.com), A IN ttl 87434, 216.239.38.10 */
	0xc0, 0x8c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x55, 0x8a, 0x00, 0x04,
	0xd8, 0xef, 0x26, 0x0a,
	/* additional @180: name -> @104 (ns3.google.com), A 216.239.36.10 */
	0xc0, 0x68, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x55, 0x8a, 0x00, 0x04,
	0xd8, 0xef, 0x24, 0x0a,
	/* additional @196: name -> @122 (ns2.google.com), A 216.239.34.10 */
	0xc0, 0x7a, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x55, 0x8a, 0x00, 0x04,
	0xd8, 0xef, 0x22, 0x0a,
	/* additional @212: name -> @158 (ns1.google.com), A 216.239.32.10 */
	0xc0, 0x9e, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x55, 0x8a, 0x00, 0x04,
	0xd8, 0xef, 0x20, 0x0a,
};

static const uint8_t dns_gateway[] = {
	0xd6, 0x6a, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* header: id 0xd66a, flags 0x8180, QD 1, AN 1, NS 0, AR 0 */
	/* question @12: "gateway.docker.internal" type A class IN */
	0x07, 0x67, 0x61, 0x74, 0x65, 0x77, 0x61, 0x79, 0x06, 0x64, 0x6f, 0x63,
	0x6b, 0x65, 0x72, 0x08, 0x69, 0x6e, 0x74, 0x65, 0x72, 0x6e, 0x61, 0x6c,
	0x00, 0x00, 0x01, 0x00, 0x01,
	/* answer @41: name -> @12, A IN ttl 0, 192.168.65.1 */
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
	0xc0, 0xa8, 0x41, 0x01,
};

static const struct mk_pkt pkt_udp = {.ip_proto = 17};
static const struct mk_pkt pkt_tcp = {.ip_proto = 6};

static const char *const facts_google[] = {
	"name mac=-,ip=74.125.239.54 googlemail.l.google.com",
	"name mac=-,ip=74.125.239.53 googlemail.l.google.com",
	"name mac=-,ip=216.239.38.10 ns4.google.com",
	"name mac=-,ip=216.239.36.10 ns3.google.com",
	"name mac=-,ip=216.239.34.10 ns2.google.com",
	"name mac=-,ip=216.239.32.10 ns1.google.com",
	NULL,
};
static const char *const facts_gateway[] = {
	"name mac=-,ip=192.168.65.1 gateway.docker.internal",
	NULL,
};

static void test_udp_responses(void **unused)
{
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_dns, &pkt_udp, dns_google, sizeof(dns_google), MK_DIR_TO_CLIENT,
	                           &r1, NULL), MK_V_OK);
	rec_expect(&r1, facts_google);
	assert_int_equal(run_parse(&mk_proto_dns, &pkt_udp, dns_gateway, sizeof(dns_gateway),
	                           MK_DIR_TO_CLIENT, &r2, NULL), MK_V_OK);
	rec_expect(&r2, facts_gateway);
}

/* The query of frame 101: no facts from queries. */
static void test_query_gives_nothing(void **unused)
{
	uint8_t q[33];
	struct rec r = {0};

	(void)unused;
	memcpy(q, dns_google, sizeof(q)); /* header + question */
	q[2] = 0x01;                      /* flags 0x0100: query, RD */
	q[3] = 0x00;
	q[7] = q[9] = q[11] = 0;          /* AN, NS, AR 0 */
	assert_int_equal(run_parse(&mk_proto_dns, &pkt_udp, q, sizeof(q), MK_DIR_TO_SERVER, &r, NULL), MK_V_OK);
	assert_int_equal(r.n, 0);
}

static const uint8_t dns_ptr[] = {
	0x11, 0xbf, 0x85, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, /* id, flags 0x8580 (AA), QD 1, AN 2, AR 1 */
	/* question @12: "1.1.168.192.in-addr.arpa" PTR IN */
	0x01, 0x31, 0x01, 0x31, 0x03, 0x31, 0x36, 0x38, 0x03, 0x31, 0x39, 0x32,
	0x07, 0x69, 0x6e, 0x2d, 0x61, 0x64, 0x64, 0x72, 0x04, 0x61, 0x72, 0x70, 0x61, 0x00,
	0x00, 0x0c, 0x00, 0x01,
	/* answer @42: -> @12, PTR IN ttl 60 rdlen 12: "router" "lan" root */
	0xc0, 0x0c, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x0c,
	0x06, 0x72, 0x6f, 0x75, 0x74, 0x65, 0x72, 0x03, 0x6c, 0x61, 0x6e, 0x00,
	/* answer @66: -> @12, A IN (an A record for a reverse name: not a host name, but an
	 * owner name is an owner name) ttl 60, 0.0.0.0: special, never named */
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
	/* additional @82: "b.a.9.8.7.6.5.4.3.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa" PTR
	 * IN ttl 60 rdlen 2: -> @54 ("router.lan") */
	0x01, 0x62, 0x01, 0x61, 0x01, 0x39, 0x01, 0x38, 0x01, 0x37, 0x01, 0x36, 0x01, 0x35, 0x01, 0x34,
	0x01, 0x33, 0x01, 0x32, 0x01, 0x31, 0x01, 0x30, 0x01, 0x30, 0x01, 0x30, 0x01, 0x30, 0x01, 0x30,
	0x01, 0x30, 0x01, 0x30, 0x01, 0x30, 0x01, 0x30, 0x01, 0x30, 0x01, 0x30, 0x01, 0x30, 0x01, 0x30,
	0x01, 0x38, 0x01, 0x62, 0x01, 0x64, 0x01, 0x30, 0x01, 0x31, 0x01, 0x30, 0x01, 0x30, 0x01, 0x32,
	0x03, 0x69, 0x70, 0x36, 0x04, 0x61, 0x72, 0x70, 0x61, 0x00,
	0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x02, 0xc0, 0x36,
};

static void test_ptr_answers(void **unused)
{
	static const char *const want[] = {
		"name mac=-,ip=192.168.1.1 router.lan",
		"name mac=-,ip=2001:db8::123:4567:89ab router.lan",
		NULL,
	};
	struct rec r = {0};

	(void)unused;
	run_parse(&mk_proto_dns, &pkt_udp, dns_ptr, sizeof(dns_ptr), MK_DIR_TO_CLIENT, &r, NULL);
	rec_expect(&r, want);
}

static void test_reverse_names(void **unused)
{
	struct mk_addr a;

	(void)unused;
	assert_true(mk_dns_reverse_addr("4.3.2.10.IN-ADDR.ARPA", 21, &a));
	assert_int_equal(a.family, MK_AF_INET);
	assert_memory_equal(a.a, ((const uint8_t[]){10, 2, 3, 4}), 4);
	assert_false(mk_dns_reverse_addr("3.2.10.in-addr.arpa", 19, &a));      /* 3 octets */
	assert_false(mk_dns_reverse_addr("5.4.3.2.10.in-addr.arpa", 23, &a));  /* 5 octets */
	assert_false(mk_dns_reverse_addr("256.3.2.10.in-addr.arpa", 23, &a));  /* > 255 */
	assert_false(mk_dns_reverse_addr("x.3.2.10.in-addr.arpa", 21, &a));
	assert_false(mk_dns_reverse_addr(".3.2.10.in-addr.arpa", 20, &a));
	assert_false(mk_dns_reverse_addr("in-addr.arpa", 12, &a));
	assert_false(mk_dns_reverse_addr("1.ip6.arpa", 10, &a));
}

static void test_bad_names(void **unused)
{
	static const uint8_t self_loop[] = {
		0x00, 0x01, 0x81, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, /* question name: pointer to itself */
	};
	static const uint8_t label_loop[] = {
		0x00, 0x01, 0x81, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x61, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, /* "a" then a pointer back to "a" */
	};
	static const uint8_t forward[] = {
		0x00, 0x01, 0x81, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xc0, 0x10, 0x00, 0x01, 0x00, 0x01, 0x00, /* a pointer forwards */
	};
	static const uint8_t ext_label[] = {
		0x00, 0x01, 0x81, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x41, 0x00, 0x00, 0x01, 0x00, 0x01, /* label type 0x40 */
	};
	static const char *const want_ptr[] = {"anomaly dns_bad_name_pointer", NULL};
	static const char *const want_ext[] = {"anomaly dns_bad_label_type", NULL};
	uint8_t too_long[12 + 5 * 64 + 5];
	static const char *const want_long[] = {"anomaly dns_name_too_long", NULL};
	struct rec r1 = {0}, r2 = {0}, r3 = {0}, r4 = {0}, r5 = {0};

	(void)unused;
	run_parse(&mk_proto_dns, &pkt_udp, self_loop, sizeof(self_loop), MK_DIR_TO_CLIENT, &r1, NULL);
	rec_expect(&r1, want_ptr);
	run_parse(&mk_proto_dns, &pkt_udp, label_loop, sizeof(label_loop), MK_DIR_TO_CLIENT, &r2, NULL);
	rec_expect(&r2, want_ptr);
	run_parse(&mk_proto_dns, &pkt_udp, forward, sizeof(forward), MK_DIR_TO_CLIENT, &r3, NULL);
	rec_expect(&r3, want_ptr);
	run_parse(&mk_proto_dns, &pkt_udp, ext_label, sizeof(ext_label), MK_DIR_TO_CLIENT, &r4, NULL);
	rec_expect(&r4, want_ext);
	/* Five 63-byte labels: 320 bytes on the wire, over the 255 limit. */
	memcpy(too_long, self_loop, 12);
	for (size_t i = 0; i < 5; i++) {
		too_long[12 + 64 * i] = 63;
		memset(too_long + 13 + 64 * i, 'a', 63);
	}
	memset(too_long + 12 + 5 * 64, 0, 5);
	run_parse(&mk_proto_dns, &pkt_udp, too_long, sizeof(too_long), MK_DIR_TO_CLIENT, &r5, NULL);
	rec_expect(&r5, want_long);
}

/* A chain of 40 backwards pointers: the jump cap ends it. */
static void test_pointer_chain_cap(void **unused)
{
	uint8_t msg[12 + 1 + 2 * 40];
	struct mk_rd rd;
	char name[MK_DNS_NAME_BUF];
	size_t len;

	(void)unused;
	memset(msg, 0, sizeof(msg));
	msg[12] = 0x00; /* root */
	for (size_t k = 0; k < 40; k++) {
		size_t at = 13 + 2 * k, target = k == 0 ? 12 : at - 2;

		msg[at] = (uint8_t)(0xc0 | (target >> 8));
		msg[at + 1] = (uint8_t)target;
	}
	mk_rd_init(&rd, msg, sizeof(msg));
	assert_string_equal(mk_dns_name_at(&rd, 13 + 2 * 39, name, sizeof(name), &len), "dns_bad_name_pointer");
	assert_null(mk_dns_name_at(&rd, 13 + 2 * 10, name, sizeof(name), &len)); /* 11 jumps: fine */
	assert_int_equal(len, 0);
}

static void test_special_and_chaos(void **unused)
{
	uint8_t msg[sizeof(dns_gateway)];
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	memcpy(msg, dns_gateway, sizeof(msg));
	msg[sizeof(msg) - 4] = 127; /* A 127.168.65.1: loopback, never named */
	run_parse(&mk_proto_dns, &pkt_udp, msg, sizeof(msg), MK_DIR_TO_CLIENT, &r1, NULL);
	assert_int_equal(r1.n, 0);
	memcpy(msg, dns_gateway, sizeof(msg));
	msg[41 + 5] = 3; /* answer class CH */
	run_parse(&mk_proto_dns, &pkt_udp, msg, sizeof(msg), MK_DIR_TO_CLIENT, &r2, NULL);
	assert_int_equal(r2.n, 0);
}

/* TCP: two whole messages and the start of a third in one delivery. */
static void test_tcp_stream(void **unused)
{
	uint8_t buf[2 + sizeof(dns_google) + 2 + sizeof(dns_gateway) + 7];
	size_t off = 0, consumed = 0;
	struct rec r = {0};

	(void)unused;
	buf[off++] = 0;
	buf[off++] = (uint8_t)sizeof(dns_google); /* length prefix 228 */
	memcpy(buf + off, dns_google, sizeof(dns_google));
	off += sizeof(dns_google);
	buf[off++] = 0;
	buf[off++] = (uint8_t)sizeof(dns_gateway);
	memcpy(buf + off, dns_gateway, sizeof(dns_gateway));
	off += sizeof(dns_gateway);
	buf[off++] = 0;
	buf[off++] = (uint8_t)sizeof(dns_gateway); /* third: prefix and 5 of 57 bytes */
	memcpy(buf + off, dns_gateway, 5);
	off += 5;
	assert_int_equal(off, sizeof(buf));
	assert_int_equal(run_parse(&mk_proto_dns, &pkt_tcp, buf, sizeof(buf), MK_DIR_TO_CLIENT, &r, &consumed),
	                 MK_V_NEED);
	assert_int_equal(consumed, 2 + sizeof(dns_google) + 2 + sizeof(dns_gateway));
	assert_int_equal(r.n, 7);
	assert_string_equal(r.line[6], facts_gateway[0]);
	/* Without a packet (the fuzz harness) the bytes are a stream too. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(&mk_proto_dns, NULL, buf, sizeof(buf), MK_DIR_TO_CLIENT, &r, &consumed),
	                 MK_V_NEED);
	assert_int_equal(r.n, 7);
}

static void test_tcp_every_truncation(void **unused)
{
	uint8_t buf[2 + sizeof(dns_google)];

	(void)unused;
	buf[0] = 0;
	buf[1] = (uint8_t)sizeof(dns_google);
	memcpy(buf + 2, dns_google, sizeof(dns_google));
	for (size_t cut = 0; cut < sizeof(buf); cut++) {
		struct rec r = {0};
		size_t consumed = 99;

		if (cut == 0)
			continue; /* the core never delivers zero bytes */
		assert_int_equal(run_parse(&mk_proto_dns, &pkt_tcp, buf, cut, MK_DIR_TO_CLIENT, &r, &consumed),
		                 MK_V_NEED);
		assert_int_equal(consumed, 0);
		assert_int_equal(r.n, 0);
	}
}

/* UDP: every prefix gives no crash and no fact the whole message does not give. */
static void check_truncations(const uint8_t *msg, size_t len)
{
	struct rec all = {0};

	run_parse(&mk_proto_dns, &pkt_udp, msg, len, MK_DIR_TO_CLIENT, &all, NULL);
	for (size_t cut = 0; cut < len; cut++) {
		struct rec part = {0};

		assert_int_equal(run_parse(&mk_proto_dns, &pkt_udp, msg, cut, MK_DIR_TO_CLIENT, &part, NULL),
		                 MK_V_OK);
		rec_subset(&part, &all, cut);
	}
}

static void test_udp_every_truncation(void **unused)
{
	(void)unused;
	check_truncations(dns_google, sizeof(dns_google));
	check_truncations(dns_gateway, sizeof(dns_gateway));
	check_truncations(dns_ptr, sizeof(dns_ptr));
}

static void test_probe(void **unused)
{
	uint8_t q[2 + 33];
	struct mk_rd rd;
	static const char text[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

	(void)unused;
	memcpy(q + 2, dns_google, 33); /* query of frame 101 as a TCP message */
	q[0] = 0;
	q[1] = 33;
	q[2 + 2] = 0x01;
	q[2 + 3] = 0x00;
	q[2 + 7] = q[2 + 9] = q[2 + 11] = 0;
	mk_rd_init(&rd, q + 2, 33);
	assert_int_equal(mk_proto_dns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, q, sizeof(q));
	assert_int_equal(mk_proto_dns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, dns_google, sizeof(dns_google));
	assert_int_equal(mk_proto_dns.probe(&rd, MK_DIR_TO_CLIENT), MK_PROBE_SURE);
	mk_rd_init(&rd, text, sizeof(text) - 1);
	assert_int_equal(mk_proto_dns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, q + 2, 20);
	assert_int_equal(mk_proto_dns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_int_equal(mk_proto_dns.abi, MK_PROTO_ABI);
	assert_string_equal(mk_proto_dns.name, "dns");
	assert_int_equal(mk_proto_dns.id, MK_PROTO_DNS);
	assert_int_equal(mk_proto_dns.transports, MK_TRANSPORT_UDP | MK_TRANSPORT_TCP);
	assert_true(mk_proto_dns.max_buffer >= 2 + 65535);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_responses),
		cmocka_unit_test(test_query_gives_nothing),
		cmocka_unit_test(test_ptr_answers),
		cmocka_unit_test(test_reverse_names),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_pointer_chain_cap),
		cmocka_unit_test(test_special_and_chaos),
		cmocka_unit_test(test_tcp_stream),
		cmocka_unit_test(test_tcp_every_truncation),
		cmocka_unit_test(test_udp_every_truncation),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

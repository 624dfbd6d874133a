/* test_proto_dhcp.c - unit tests of the DHCPv4 plug-in (src/proto/dhcp/dhcp.c).
 *
 * Vectors (UDP payloads).  The BOOTP header is built by bootp_build() from an annotated
 * struct; options are annotated byte arrays.
 *   mud_request / mud_ack      ../shared/captures/office/dhcp-mud.pcap frames 1 and 2 (a
 *                              Raspberry Pi renewing through a relay, and the server's ACK)
 *   zeek_request               ../shared/captures/office/dhcp__dhcp.pcap frame 5
 * Reference: `tshark -r FILE -O dhcp -Y frame.number==N`.
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

extern const struct mk_proto mk_proto_dhcp;


/* The fixed BOOTP header of RFC 2131 figure 1 (sname and file are zero unless given). */
struct bootp_hdr {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
	uint8_t chaddr[6];
	const char *file; /* for option overload tests */
};

static size_t bootp_build(uint8_t *buf, size_t cap, const struct bootp_hdr *h, const uint8_t *opts,
                          size_t optlen)
{
	size_t off = 0;

	assert_true(cap >= 240 + optlen);
	memset(buf, 0, 240);
	buf[0] = h->op;
	buf[1] = h->htype;
	buf[2] = h->hlen;
	buf[3] = h->hops;
	buf[4] = (uint8_t)(h->xid >> 24);
	buf[5] = (uint8_t)(h->xid >> 16);
	buf[6] = (uint8_t)(h->xid >> 8);
	buf[7] = (uint8_t)h->xid;
	/* secs, flags: 0 */
	memcpy(buf + 12, h->ciaddr, 4);
	memcpy(buf + 16, h->yiaddr, 4);
	memcpy(buf + 20, h->siaddr, 4);
	memcpy(buf + 24, h->giaddr, 4);
	memcpy(buf + 28, h->chaddr, 6);
	if (h->file != NULL)
		memcpy(buf + 108, h->file, strlen(h->file)); /* file: 128 bytes at offset 108 */
	buf[236] = 0x63; /* magic cookie 99.130.83.99 */
	buf[237] = 0x82;
	buf[238] = 0x53;
	buf[239] = 0x63;
	off = 240;
	memcpy(buf + off, opts, optlen);
	return off + optlen;
}

/* dhcp-mud.pcap frame 1: DHCPREQUEST relayed by 62.12.173.121 (hops 1). */
static const struct bootp_hdr mud_request_hdr = {
	.op = 1, .htype = 1, .hlen = 6, .hops = 1, .xid = 0x068c4847,
	.ciaddr = {62, 12, 173, 123}, .giaddr = {62, 12, 173, 121},
	.chaddr = {0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc8},
};
static const uint8_t mud_request_opts[] = {
	0x35, 0x01, 0x03, /* 53 DHCP Message Type: Request */
	0x3d, 0x07, 0x01, 0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc8, /* 61 Client identifier: Ethernet + MAC */
	0x39, 0x02, 0x05, 0xc0, /* 57 Maximum DHCP Message Size: 1472 */
	/* 161 MUD URL, len 54: "https://mudctl.example.com/.well-known/mud/v1/rasbp101" */
	0xa1, 0x36, 0x68, 0x74, 0x74, 0x70, 0x73, 0x3a, 0x2f, 0x2f, 0x6d, 0x75, 0x64, 0x63, 0x74, 0x6c,
	0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x2f, 0x2e, 0x77, 0x65,
	0x6c, 0x6c, 0x2d, 0x6b, 0x6e, 0x6f, 0x77, 0x6e, 0x2f, 0x6d, 0x75, 0x64, 0x2f, 0x76, 0x31, 0x2f,
	0x72, 0x61, 0x73, 0x62, 0x70, 0x31, 0x30, 0x31,
	/* 60 Vendor class identifier, len 45: "dhcpcd-6.11.5:Linux-4.1.18-v7+:armv7l:BCM2709" */
	0x3c, 0x2d, 0x64, 0x68, 0x63, 0x70, 0x63, 0x64, 0x2d, 0x36, 0x2e, 0x31, 0x31, 0x2e, 0x35, 0x3a,
	0x4c, 0x69, 0x6e, 0x75, 0x78, 0x2d, 0x34, 0x2e, 0x31, 0x2e, 0x31, 0x38, 0x2d, 0x76, 0x37, 0x2b,
	0x3a, 0x61, 0x72, 0x6d, 0x76, 0x37, 0x6c, 0x3a, 0x42, 0x43, 0x4d, 0x32, 0x37, 0x30, 0x39,
	/* 12 Host Name, len 11: "raspberrypi" */
	0x0c, 0x0b, 0x72, 0x61, 0x73, 0x70, 0x62, 0x65, 0x72, 0x72, 0x79, 0x70, 0x69,
	0x91, 0x01, 0x01, /* 145 Forcerenew Nonce Capable: HMAC-MD5 */
	/* 55 Parameter Request List, len 16: 1 121 33 3 6 12 15 28 42 51 54 58 59 100 101 119 */
	0x37, 0x10, 0x01, 0x79, 0x21, 0x03, 0x06, 0x0c, 0x0f, 0x1c, 0x2a, 0x33, 0x36, 0x3a, 0x3b, 0x64,
	0x65, 0x77,
	0xff, /* End */
};

/* dhcp-mud.pcap frame 2: the DHCPACK. */
static const struct bootp_hdr mud_ack_hdr = {
	.op = 2, .htype = 1, .hlen = 6, .hops = 1, .xid = 0x068c4847,
	.ciaddr = {62, 12, 173, 123}, .yiaddr = {62, 12, 173, 123}, .siaddr = {62, 12, 173, 114},
	.giaddr = {62, 12, 173, 121}, .chaddr = {0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc8},
};
static const uint8_t mud_ack_opts[] = {
	0x35, 0x01, 0x05, /* 53 DHCP Message Type: ACK */
	0x36, 0x04, 0x3e, 0x0c, 0xad, 0x72, /* 54 Server Identifier 62.12.173.114 */
	0x33, 0x04, 0x00, 0x00, 0x02, 0x58, /* 51 Lease Time 600 s */
	0x01, 0x04, 0xff, 0xff, 0xff, 0xf8, /* 1 Subnet Mask 255.255.255.248 */
	0x03, 0x04, 0x3e, 0x0c, 0xad, 0x79, /* 3 Router 62.12.173.121 */
	0x06, 0x04, 0x3e, 0x0c, 0xad, 0x72, /* 6 DNS 62.12.173.114 */
	/* 15 Domain Name, len 19: "ofcourseimright.com" */
	0x0f, 0x13, 0x6f, 0x66, 0x63, 0x6f, 0x75, 0x72, 0x73, 0x65, 0x69, 0x6d, 0x72, 0x69, 0x67, 0x68,
	0x74, 0x2e, 0x63, 0x6f, 0x6d,
	/* 101 TCode, len 13: "Europe/Berlin" */
	0x65, 0x0d, 0x45, 0x75, 0x72, 0x6f, 0x70, 0x65, 0x2f, 0x42, 0x65, 0x72, 0x6c, 0x69, 0x6e,
	0xff, /* End */
};

/* dhcp__dhcp.pcap frame 5: DHCPREQUEST from 0.0.0.0. */
static const struct bootp_hdr zeek_request_hdr = {
	.op = 1, .htype = 1, .hlen = 6, .xid = 0x000007c0,
	.chaddr = {0x90, 0xb1, 0x1c, 0x99, 0x49, 0x29},
};
static const uint8_t zeek_request_opts[] = {
	0x35, 0x01, 0x03, /* 53 DHCP Message Type: Request */
	0x32, 0x04, 0x80, 0x02, 0x06, 0xbd, /* 50 Requested IP 128.2.6.189 */
	/* 12 Host Name, len 13: "btest.is.cool" */
	0x0c, 0x0d, 0x62, 0x74, 0x65, 0x73, 0x74, 0x2e, 0x69, 0x73, 0x2e, 0x63, 0x6f, 0x6f, 0x6c,
	0xff, /* End */
};

static const char *const facts_mud_request[] = {
	"name mac=b8:27:eb:b8:53:c8,ip=- raspberrypi",
	"attr mac=b8:27:eb:b8:53:c8,ip=- dhcp_vendor_class=dhcpcd-6.11.5:Linux-4.1.18-v7+:armv7l:BCM2709",
	"attr mac=b8:27:eb:b8:53:c8,ip=- dhcp_parameter_list=1,121,33,3,6,12,15,28,42,51,54,58,59,100,101,119",
	NULL,
};
static const char *const facts_mud_ack[] = {
	/* giaddr 62.12.173.121: a relayed reply, said before the server */
	"attr sender dhcp_reply_client=b8:27:eb:b8:53:c8",
	"attr sender dhcp_relay_agent=62.12.173.121",
	"attr sender dhcp_server=62.12.173.114",
	"attr sender dhcp_router=62.12.173.121",
	"binding mac=b8:27:eb:b8:53:c8,ip=62.12.173.123",
	NULL,
};
static const char *const facts_zeek_request[] = {
	"name mac=90:b1:1c:99:49:29,ip=- btest.is.cool",
	"attr mac=90:b1:1c:99:49:29,ip=- dhcp_requested_ip=128.2.6.189",
	NULL,
};

static size_t run_msg(const struct bootp_hdr *h, const uint8_t *opts, size_t optlen, struct rec *r,
                      enum mk_verdict want)
{
	uint8_t buf[1024];
	size_t len = bootp_build(buf, sizeof(buf), h, opts, optlen);

	assert_int_equal(run_parse(&mk_proto_dhcp, NULL, buf, len, MK_DIR_TO_SERVER, r, NULL), want);
	return len;
}

static void test_real_messages(void **unused)
{
	struct rec r1 = {0}, r2 = {0}, r3 = {0};

	(void)unused;
	run_msg(&mud_request_hdr, mud_request_opts, sizeof(mud_request_opts), &r1, MK_V_OK);
	rec_expect(&r1, facts_mud_request);
	run_msg(&mud_ack_hdr, mud_ack_opts, sizeof(mud_ack_opts), &r2, MK_V_OK);
	rec_expect(&r2, facts_mud_ack);
	run_msg(&zeek_request_hdr, zeek_request_opts, sizeof(zeek_request_opts), &r3, MK_V_OK);
	rec_expect(&r3, facts_zeek_request);
}

static void test_probe(void **unused)
{
	uint8_t buf[1024];
	size_t len = bootp_build(buf, sizeof(buf), &mud_ack_hdr, mud_ack_opts, sizeof(mud_ack_opts));
	struct mk_rd rd;

	(void)unused;
	mk_rd_init(&rd, buf, len);
	assert_int_equal(mk_proto_dhcp.probe(&rd, MK_DIR_TO_CLIENT), MK_PROBE_SURE);
	assert_int_equal(mk_rd_left(&rd), len); /* probe reads only */
	mk_rd_init(&rd, buf, 100);
	assert_int_equal(mk_proto_dhcp.probe(&rd, MK_DIR_TO_CLIENT), MK_PROBE_MAYBE);
	buf[239] = 0x64; /* a wrong cookie */
	mk_rd_init(&rd, buf, len);
	assert_int_equal(mk_proto_dhcp.probe(&rd, MK_DIR_TO_CLIENT), MK_PROBE_NO);
	buf[0] = 3; /* op neither request nor reply */
	mk_rd_init(&rd, buf, len);
	assert_int_equal(mk_proto_dhcp.probe(&rd, MK_DIR_TO_CLIENT), MK_PROBE_NO);
}

/* Client FQDN in wire format, an OFFER without Server Identifier, overload into 'file'. */
static void test_fqdn_offer_overload(void **unused)
{
	static const uint8_t fqdn_opts[] = {
		0x35, 0x01, 0x01, /* Discover */
		/* 81 Client FQDN, len 19: flags 0x05 (E, S), rcode1 0, rcode2 0, "plc-7.line2." in wire form */
		0x51, 0x13, 0x05, 0x00, 0x00, 0x05, 0x70, 0x6c, 0x63, 0x2d, 0x37, 0x05, 0x6c, 0x69, 0x6e, 0x65,
		0x32, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, /* pad */
		0xff,
	};
	static const uint8_t offer_opts[] = {
		0x35, 0x01, 0x02, /* Offer */
		0x03, 0x08, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, /* Routers 10.0.0.1, 10.0.0.2 */
		0x34, 0x01, 0x01, /* 52 Overload: 'file' holds options */
		0xff,
	};
	static const struct bootp_hdr discover = {
		.op = 1, .htype = 1, .hlen = 6, .chaddr = {0x00, 0x1b, 0x1b, 0x01, 0x02, 0x03},
	};
	/* 'file' continues the options: 12 Host Name "hmi3", End */
	static const struct bootp_hdr offer = {
		.op = 2, .htype = 1, .hlen = 6, .yiaddr = {10, 0, 0, 50},
		.chaddr = {0x00, 0x1b, 0x1b, 0x01, 0x02, 0x03}, .file = "\x0c\x04hmi3\xff",
	};
	static const char *const want_fqdn[] = {
		"name mac=00:1b:1b:01:02:03,ip=- plc-7.line2",
		NULL,
	};
	static const char *const want_offer[] = {
		"attr sender dhcp_reply_client=00:1b:1b:01:02:03",
		"attr sender dhcp_server=offer",
		"attr sender dhcp_router=10.0.0.1,10.0.0.2",
		"name mac=00:1b:1b:01:02:03,ip=- hmi3",
		NULL,
	};
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	run_msg(&discover, fqdn_opts, sizeof(fqdn_opts), &r1, MK_V_OK);
	rec_expect(&r1, want_fqdn);
	run_msg(&offer, offer_opts, sizeof(offer_opts), &r2, MK_V_OK);
	rec_expect(&r2, want_offer);
}

static void test_malformed(void **unused)
{
	static const uint8_t truncated_opt[] = {
		0x35, 0x01, 0x03,
		0x0c, 0x20, 0x72, 0x61, 0x73, /* Host Name claiming 32 bytes, 3 present */
	};
	static const uint8_t bad_len[] = {
		0x35, 0x02, 0x03, 0x00, /* Message Type of 2 bytes */
		0x32, 0x03, 0x0a, 0x00, 0x00, /* Requested IP of 3 bytes */
		0xff,
	};
	static const uint8_t no_end[] = {
		0x35, 0x01, 0x03,
		0x0c, 0x02, 0x70, 0x63, /* Host Name "pc", then the datagram ends */
	};
	static const char *const want_trunc[] = {"anomaly dhcp_option_truncated", NULL};
	static const char *const want_bad[] = {"anomaly dhcp_bad_option_length", "anomaly dhcp_bad_option_length",
	                                       NULL};
	static const char *const want_no_end[] = {"anomaly dhcp_missing_end",
	                                          "name mac=b8:27:eb:b8:53:c8,ip=- pc", NULL};
	static const char *const want_cookie[] = {"anomaly dhcp_bad_cookie", NULL};
	static const char *const want_short[] = {"anomaly dhcp_truncated", NULL};
	uint8_t buf[1024];
	size_t len;
	struct rec r1 = {0}, r2 = {0}, r3 = {0}, r4 = {0}, r5 = {0};

	(void)unused;
	run_msg(&mud_request_hdr, truncated_opt, sizeof(truncated_opt), &r1, MK_V_OK);
	rec_expect(&r1, want_trunc);
	run_msg(&mud_request_hdr, bad_len, sizeof(bad_len), &r2, MK_V_OK);
	rec_expect(&r2, want_bad);
	run_msg(&mud_request_hdr, no_end, sizeof(no_end), &r3, MK_V_OK);
	rec_expect(&r3, want_no_end);
	len = bootp_build(buf, sizeof(buf), &mud_request_hdr, mud_request_opts, sizeof(mud_request_opts));
	buf[236] = 0x00; /* cookie 0.130.83.99 */
	assert_int_equal(run_parse(&mk_proto_dhcp, NULL, buf, len, MK_DIR_TO_SERVER, &r4, NULL), MK_V_OK);
	rec_expect(&r4, want_cookie);
	assert_int_equal(run_parse(&mk_proto_dhcp, NULL, buf, 200, MK_DIR_TO_SERVER, &r5, NULL), MK_V_OK);
	rec_expect(&r5, want_short);
}

/* A relayed non-Ethernet request names no host; a broadcast chaddr neither. */
static void test_no_client_without_ethernet(void **unused)
{
	struct bootp_hdr h = zeek_request_hdr;
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	h.htype = 6; /* IEEE 802 */
	run_msg(&h, zeek_request_opts, sizeof(zeek_request_opts), &r1, MK_V_OK);
	assert_int_equal(r1.n, 0);
	h = zeek_request_hdr;
	memset(h.chaddr, 0xff, 6);
	run_msg(&h, zeek_request_opts, sizeof(zeek_request_opts), &r2, MK_V_OK);
	assert_int_equal(r2.n, 0);
}

static void test_too_many_options(void **unused)
{
	uint8_t opts[3 * 300 + 1];
	struct rec r = {0};
	uint8_t buf[1300];
	size_t len;

	(void)unused;
	for (size_t i = 0; i < 300; i++) {
		opts[3 * i] = 200; /* unassigned option 200, len 1 */
		opts[3 * i + 1] = 1;
		opts[3 * i + 2] = 0;
	}
	opts[900] = 0xff;
	len = bootp_build(buf, sizeof(buf), &zeek_request_hdr, opts, sizeof(opts));
	run_parse(&mk_proto_dhcp, NULL, buf, len, MK_DIR_TO_SERVER, &r, NULL);
	assert_true(rec_has(&r, "anomaly dhcp_too_many_options"));
}

static void check_truncations(const struct bootp_hdr *h, const uint8_t *opts, size_t optlen)
{
	uint8_t buf[1024];
	size_t len = bootp_build(buf, sizeof(buf), h, opts, optlen);
	struct rec all = {0};

	run_parse(&mk_proto_dhcp, NULL, buf, len, MK_DIR_TO_SERVER, &all, NULL);
	for (size_t cut = 0; cut < len; cut++) {
		struct rec part = {0};

		run_parse(&mk_proto_dhcp, NULL, buf, cut, MK_DIR_TO_SERVER, &part, NULL);
		rec_subset(&part, &all, cut);
		if (cut < 240)
			assert_true(part.n == 1 && strcmp(part.line[0], "anomaly dhcp_truncated") == 0);
	}
}

/* Every prefix: no crash, no fact the whole datagram does not give (a host name cut
 * short is never emitted). */
static void test_every_truncation(void **unused)
{
	(void)unused;
	check_truncations(&mud_request_hdr, mud_request_opts, sizeof(mud_request_opts));
	check_truncations(&mud_ack_hdr, mud_ack_opts, sizeof(mud_ack_opts));
	check_truncations(&zeek_request_hdr, zeek_request_opts, sizeof(zeek_request_opts));
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_int_equal(mk_proto_dhcp.abi, MK_PROTO_ABI);
	assert_string_equal(mk_proto_dhcp.name, "dhcp");
	assert_int_equal(mk_proto_dhcp.id, MK_PROTO_DHCP);
	assert_int_equal(mk_proto_dhcp.transports, MK_TRANSPORT_UDP);
	assert_non_null(mk_proto_dhcp.probe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_messages),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_fqdn_offer_overload),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_no_client_without_ethernet),
		cmocka_unit_test(test_too_many_options),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_decode_ndp.c - ICMPv6 neighbour discovery in the decoder (src/decode/ndp.c):
 * NS, NA and RA decoded field by field, every truncation length of each
 * (ndp_truncated while the fixed part is cut, the link-layer option kept only
 * when whole), and the malformed messages RFC 4861 4.6 says to discard
 * (option length 0, an option past the end), plus what is not ours to take:
 * other link types' address lengths, the wrong option kind, code != 0, the
 * option-count bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/decode.h"
#include "mieruka/pkt.h"

static uint8_t *copy_buf;

/* The frame lives in an exact-size heap copy so ASan sees any read past caplen. */
static enum mk_decode_result decode_bytes(struct mk_decoder *dec, struct mk_pkt *pkt,
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
	pkt->linktype = MK_LINK_ETHERNET;
	return mk_decode(dec, pkt);
}

static int teardown_buf(void **state)
{
	(void)state;
	free(copy_buf);
	copy_buf = NULL;
	return 0;
}

#define MAC_A 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x20
#define MAC_R 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x01
#define IP6_H 0xfd, 0x00, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20
#define IP6_LL 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
#define IP6_SNM 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0x00, 0x00, 0x20
#define IP6_ALL 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
#define ETH6(src) 0x33, 0x33, 0xff, 0x00, 0x00, 0x20, src, 0x86, 0xdd
#define IP6HDR(plen, src, dst) 0x60, 0, 0, 0, 0, (plen), 0x3a, 0xff, src, dst

/* NS from fd00:10::20 for fd00:10::20's neighbour, with its source LLA. */
static const uint8_t eth_ns[] = {
    ETH6(MAC_A), IP6HDR(32, IP6_H, IP6_SNM),
    0x87,        0x00,
    0x12,        0x34, /* ICMPv6 type 135, code 0, checksum */
    0x00,        0x00,
    0x00,        0x00, /* reserved */
    0xfd,        0,
    0,           0x10,
    0,           0,
    0,           0,
    0,           0,
    0,           0,
    0,           0,
    0,           0x01, /* target fd00:10::1 */
    0x01,        0x01,
    MAC_A, /* source link-layer address */
};

/* Unsolicited NA (override) for fd00:10::20: a nonce option first, then the
 * target LLA. */
static const uint8_t eth_na[] = {
    ETH6(MAC_A), IP6HDR(40, IP6_H, IP6_ALL),
    0x88,        0x00,
    0x12,        0x34, /* type 136 */
    0x20,        0x00,
    0x00,        0x00, /* flags: O */
    IP6_H,             /* target */
    0x0e,        0x01,
    1,           2,
    3,           4,
    5,           6, /* nonce (RFC 3971), skipped */
    0x02,        0x01,
    MAC_A, /* target link-layer address */
};

/* RA from fe80::1: lifetime 1800 s, an MTU option, then the source LLA. */
static const uint8_t eth_ra[] = {
    ETH6(MAC_R), IP6HDR(32, IP6_LL, IP6_ALL),
    0x86,        0x00,
    0x12,        0x34, /* type 134 */
    0x40,        0x00,
    0x07,        0x08, /* hop limit 64, flags 0, lifetime 1800 */
    0,           0,
    0,           0,
    0,           0,
    0,           0, /* reachable time, retrans timer */
    0x05,        0x01,
    0,           0,
    0,           0,
    0x05,        0xdc, /* MTU 1500 */
    0x01,        0x01,
    MAC_R, /* source link-layer address */
};

#define L_UP_TO_ICMP6 (MK_L_ETH | MK_L_IP6 | MK_L_ICMP6)

struct ndp_frame {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	size_t fixed_end; /* end of the fixed part: ndp_truncated before */
	size_t lla_end;   /* end of the link-layer address option */
};

static const struct ndp_frame frames[] = {
    {"ns", eth_ns, sizeof(eth_ns), 78, 86},
    {"na", eth_na, sizeof(eth_na), 78, 94},
    {"ra", eth_ra, sizeof(eth_ra), 70, 86},
};

/* Cut by the snap length at every byte: exactly one event while a header or
 * the fixed part is cut, then OK with MK_L_NDP, the LLA once whole. */
static void test_every_truncation(void **state)
{
	struct mk_decoder *dec = mk_decoder_new(NULL);
	const struct mk_decode_stats *st;

	(void)state;
	assert_non_null(dec);
	st = mk_decoder_stats(dec);
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		const struct ndp_frame *f = &frames[i];

		for (size_t cut = 0; cut <= f->len; cut++) {
			struct mk_pkt pkt;
			uint64_t before[MK_DEV_COUNT];
			enum mk_decode_result r;
			int ev = -1;
			uint32_t layers;

			memcpy(before, st->events, sizeof(before));
			r = decode_bytes(dec, &pkt, f->bytes, cut, f->len);
			if (cut < 14) {
				ev = MK_DEV_ETH_TRUNCATED;
				layers = 0;
			} else if (cut < 54) {
				ev = MK_DEV_IPV6_TRUNCATED;
				layers = MK_L_ETH;
			} else if (cut < 58) {
				ev = MK_DEV_ICMP6_TRUNCATED;
				layers = MK_L_ETH | MK_L_IP6;
			} else if (cut < f->fixed_end) {
				ev = MK_DEV_NDP_TRUNCATED;
				layers = L_UP_TO_ICMP6;
			} else {
				layers = L_UP_TO_ICMP6 | MK_L_NDP;
			}
			if (ev >= 0) {
				if (r != MK_DECODE_INVALID || pkt.events != 1 ||
				    st->events[ev] != before[ev] + 1 || pkt.layers != layers ||
				    pkt.payload_len != 0)
					fail_msg(
					    "%s cut at %zu: result %d events %u layers %#x, want "
					    "INVALID %s layers %#x",
					    f->name, cut, (int)r, pkt.events, pkt.layers,
					    mk_decode_event_name((unsigned)ev), layers);
				continue;
			}
			if (r != MK_DECODE_OK || pkt.events != 0 || pkt.layers != layers ||
			    pkt.ndp.has_lla != (cut >= f->lla_end))
				fail_msg("%s cut at %zu: result %d events %u layers %#x lla %d",
				         f->name, cut, (int)r, pkt.events, pkt.layers,
				         pkt.ndp.has_lla);
			assert_int_equal(pkt.ndp.type, pkt.icmp_type);
		}
	}
	assert_int_equal(st->events[MK_DEV_NDP_BAD_OPTION], 0);
	mk_decoder_free(dec);
}

static void test_fields(void **state)
{
	struct mk_decoder *dec = mk_decoder_new(NULL);
	static const uint8_t mac_a[6] = {MAC_A}, mac_r[6] = {MAC_R};
	static const uint8_t h[16] = {IP6_H},
	                     t1[16] = {0xfd, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
	struct mk_pkt pkt;

	(void)state;
	assert_int_equal(decode_bytes(dec, &pkt, eth_ns, sizeof(eth_ns), sizeof(eth_ns)),
	                 MK_DECODE_OK);
	assert_int_equal(pkt.layers, L_UP_TO_ICMP6 | MK_L_NDP);
	assert_int_equal(pkt.ndp.type, MK_NDP_NS);
	assert_memory_equal(pkt.ndp.target, t1, 16);
	assert_true(pkt.ndp.has_lla);
	assert_memory_equal(pkt.ndp.lla, mac_a, 6);
	assert_int_equal(pkt.ttl, 255);
	/* the payload is the message after the ICMPv6 header, as for any ICMPv6 */
	assert_int_equal(pkt.payload_len, 28);

	assert_int_equal(decode_bytes(dec, &pkt, eth_na, sizeof(eth_na), sizeof(eth_na)),
	                 MK_DECODE_OK);
	assert_int_equal(pkt.ndp.type, MK_NDP_NA);
	assert_int_equal(pkt.ndp.flags, MK_NDP_NA_OVERRIDE);
	assert_memory_equal(pkt.ndp.target, h, 16);
	assert_true(pkt.ndp.has_lla);
	assert_memory_equal(pkt.ndp.lla, mac_a, 6);

	assert_int_equal(decode_bytes(dec, &pkt, eth_ra, sizeof(eth_ra), sizeof(eth_ra)),
	                 MK_DECODE_OK);
	assert_int_equal(pkt.ndp.type, MK_NDP_RA);
	assert_int_equal(pkt.ndp.router_lifetime, 1800);
	assert_true(pkt.ndp.has_lla);
	assert_memory_equal(pkt.ndp.lla, mac_r, 6);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_NDP_BAD_OPTION], 0);
	mk_decoder_free(dec);
}

/* A message of ICMPv6 type and code from fd00:10::20 with the NA fixed part
 * (flags O, target fd00:10::20) and the given options (n bytes); the IPv6
 * payload length is exact. */
static size_t build_na(uint8_t *out, size_t cap, uint8_t type, uint8_t code, const uint8_t *opts,
                       size_t n)
{
	static const uint8_t head[] = {ETH6(MAC_A), IP6HDR(0, IP6_H, IP6_ALL)};
	static const uint8_t fixed[] = {0x20, 0, 0, 0, IP6_H};
	size_t plen = 4 + sizeof(fixed) + n, len = sizeof(head) + plen;

	assert_true(len <= cap && plen <= 0xffff);
	memcpy(out, head, sizeof(head));
	out[18] = (uint8_t)(plen >> 8); /* IPv6 payload length */
	out[19] = (uint8_t)plen;
	out[54] = type;
	out[55] = code;
	out[56] = 0x12;
	out[57] = 0x34;
	memcpy(out + 58, fixed, sizeof(fixed));
	if (n > 0)
		memcpy(out + 78, opts, n);
	return len;
}

/* Decodes a whole NA built with these options; returns the result. */
static enum mk_decode_result na_with(struct mk_decoder *dec, struct mk_pkt *pkt, uint8_t type,
                                     uint8_t code, const uint8_t *opts, size_t n)
{
	uint8_t buf[1024];
	size_t len = build_na(buf, sizeof(buf), type, code, opts, n);

	return decode_bytes(dec, pkt, buf, len, len);
}

static void test_malformed_and_foreign(void **state)
{
	struct mk_decoder *dec = mk_decoder_new(NULL);
	const struct mk_decode_stats *st = mk_decoder_stats(dec);
	static const uint8_t mac_a[6] = {MAC_A};
	uint8_t opts[600];
	struct mk_pkt pkt;

	(void)state;
	/* option length 0: the message is discarded (RFC 4861 4.6) */
	{
		static const uint8_t o[] = {0x0e, 0x00, 0, 0, 0, 0, 0, 0, 0x02, 0x01, MAC_A};

		assert_int_equal(na_with(dec, &pkt, 136, 0, o, sizeof(o)), MK_DECODE_INVALID);
		assert_int_equal(st->events[MK_DEV_NDP_BAD_OPTION], 1);
		assert_int_equal(pkt.events, 1);
		assert_int_equal(pkt.layers, L_UP_TO_ICMP6);
		assert_int_equal(pkt.payload_len, 0);
	}
	/* an option running past the end of a whole message */
	{
		static const uint8_t o[] = {0x02, 0x02, MAC_A};

		assert_int_equal(na_with(dec, &pkt, 136, 0, o, sizeof(o)), MK_DECODE_INVALID);
		assert_int_equal(st->events[MK_DEV_NDP_BAD_OPTION], 2);
		assert_false(pkt.layers & MK_L_NDP);
	}
	/* one stray byte after the last option */
	{
		static const uint8_t o[] = {0x02, 0x01, MAC_A, 0x02};

		assert_int_equal(na_with(dec, &pkt, 136, 0, o, sizeof(o)), MK_DECODE_INVALID);
		assert_int_equal(st->events[MK_DEV_NDP_BAD_OPTION], 3);
	}
	/* a 16-byte link-layer address (not Ethernet): skipped, no MAC */
	{
		static const uint8_t o[] = {0x02, 0x02, 1, 2,  3,  4,  5,  6,
		                            7,    8,    9, 10, 11, 12, 13, 14};

		assert_int_equal(na_with(dec, &pkt, 136, 0, o, sizeof(o)), MK_DECODE_OK);
		assert_true(pkt.layers & MK_L_NDP);
		assert_false(pkt.ndp.has_lla);
	}
	/* a source LLA in an NA is not the target's: not taken; the first
	 * target LLA wins over a second */
	{
		static const uint8_t o[] = {0x01,  0x01, 9,    9, 9, 9, 9, 9, 0x02, 0x01,
		                            MAC_A, 0x02, 0x01, 8, 8, 8, 8, 8, 8};

		assert_int_equal(na_with(dec, &pkt, 136, 0, o, sizeof(o)), MK_DECODE_OK);
		assert_true(pkt.ndp.has_lla);
		assert_memory_equal(pkt.ndp.lla, mac_a, 6);
	}
	/* no options at all: a reachability answer, no MAC */
	assert_int_equal(na_with(dec, &pkt, 136, 0, NULL, 0), MK_DECODE_OK);
	assert_true(pkt.layers & MK_L_NDP);
	assert_false(pkt.ndp.has_lla);
	/* code 1 is no neighbour discovery message; nor is an echo request */
	{
		static const uint8_t o[] = {0x02, 0x01, MAC_A};

		assert_int_equal(na_with(dec, &pkt, 136, 1, o, sizeof(o)), MK_DECODE_OK);
		assert_int_equal(pkt.layers, L_UP_TO_ICMP6);
		assert_int_equal(na_with(dec, &pkt, 128, 0, o, sizeof(o)), MK_DECODE_OK);
		assert_int_equal(pkt.layers, L_UP_TO_ICMP6);
		assert_int_equal(pkt.events, 0);
	}
	/* 64 options are read, no more: a 65th holding the LLA is not */
	for (int i = 0; i < 65; i++) {
		static const uint8_t nonce[] = {0x0e, 0x01, 0, 0, 0, 0, 0, 0};

		memcpy(opts + i * 8, i < 64 ? nonce : (const uint8_t[]){0x02, 0x01, MAC_A}, 8);
	}
	assert_int_equal(na_with(dec, &pkt, 136, 0, opts, 65 * 8), MK_DECODE_OK);
	assert_true(pkt.layers & MK_L_NDP);
	assert_false(pkt.ndp.has_lla);
	assert_int_equal(na_with(dec, &pkt, 136, 0, opts + 8, 64 * 8), MK_DECODE_OK);
	assert_true(pkt.ndp.has_lla);
	/* names */
	assert_string_equal(mk_decode_event_name(MK_DEV_NDP_TRUNCATED), "ndp_truncated");
	assert_string_equal(mk_decode_event_name(MK_DEV_NDP_BAD_OPTION), "ndp_bad_option");
	mk_decoder_free(dec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_every_truncation, teardown_buf),
	    cmocka_unit_test_teardown(test_fields, teardown_buf),
	    cmocka_unit_test_teardown(test_malformed_and_foreign, teardown_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

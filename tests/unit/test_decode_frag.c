/* test_decode_frag.c - IPv4 fragment reassembly in mk_decode(): in order, out of
 * order, overlapping, duplicate, memcap and datagram caps, timeout, too large,
 * and every truncation length of a fragment. */
#include "mieruka/decode.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/pkt.h"

#define MAC_PLC 0x00, 0x1b, 0x1b, 0x12, 0x34, 0x56
#define MAC_HMI 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc
#define NS 1000000000ull

static uint8_t *copy_buf;

static enum mk_decode_result decode_frame(struct mk_decoder *dec, struct mk_pkt *pkt, const uint8_t *bytes,
					  size_t caplen, size_t wirelen, uint64_t ts)
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
	pkt->ts_ns = ts;
	return mk_decode(dec, pkt);
}

static int teardown_buf(void **state)
{
	(void)state;
	free(copy_buf);
	copy_buf = NULL;
	return 0;
}

/* The datagram that gets fragmented: UDP (FINS port) with 24 payload bytes. */
static const uint8_t dgram[32] = {
	/* UDP: sport 9600, dport 9600, length 32, checksum */
	0x25, 0x80, 0x25, 0x80, 0x00, 0x20, 0x00, 0x00,
	/* payload */
	'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L',
	'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X',
};

/* Ethernet + IPv4 header for one fragment, followed by len bytes of data. */
static size_t build_frag(uint8_t *out, uint8_t proto, uint16_t id, uint32_t off, bool mf, const uint8_t *data,
			 size_t len)
{
	static const uint8_t head[] = {
		/* Ethernet: dst, src, IPv4 */
		MAC_PLC, MAC_HMI, 0x08, 0x00,
		/* IPv4: IHL 5, DSCP, total length (below), id (below), flags+offset (below),
		 * TTL 64, protocol (below), checksum, 10.0.0.1 -> 10.0.0.2 */
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
		10, 0, 0, 1, 10, 0, 0, 2,
	};
	size_t tl = 20 + len;
	uint16_t fo = (uint16_t)((off / 8) | (mf ? 0x2000 : 0));

	memcpy(out, head, sizeof(head));
	out[16] = (uint8_t)(tl >> 8);
	out[17] = (uint8_t)tl;
	out[18] = (uint8_t)(id >> 8);
	out[19] = (uint8_t)id;
	out[20] = (uint8_t)(fo >> 8);
	out[21] = (uint8_t)fo;
	out[23] = proto;
	memcpy(out + sizeof(head), data, len);
	return sizeof(head) + len;
}

/* Sends fragment [off, off+len) of dgram (UDP, id 7). */
static enum mk_decode_result send_part(struct mk_decoder *dec, struct mk_pkt *pkt, uint32_t off, uint32_t len,
				       bool mf, uint64_t ts)
{
	uint8_t frame[128];
	size_t n = build_frag(frame, 17, 7, off, mf, dgram + off, len);

	return decode_frame(dec, pkt, frame, n, n, ts);
}

static void check_complete(const struct mk_pkt *pkt, const uint8_t *want_payload)
{
	assert_int_equal(pkt->layers, MK_L_ETH | MK_L_IP4 | MK_L_FRAG | MK_L_UDP);
	assert_int_equal(pkt->sport, 9600);
	assert_int_equal(pkt->dport, 9600);
	assert_int_equal(pkt->payload_len, 24);
	assert_memory_equal(pkt->payload, want_payload, 24);
	/* The payload is in the decoder's buffer, not in the last frame. */
	assert_true(pkt->payload < pkt->data || pkt->payload >= pkt->data + pkt->caplen);
}

static void test_in_order(void **state)
{
	struct mk_decoder *dec = mk_decoder_new(NULL);
	struct mk_pkt pkt;

	(void)state;
	assert_non_null(dec);
	assert_int_equal(send_part(dec, &pkt, 0, 16, true, 0), MK_DECODE_HELD);
	/* Held fragments still show who sent them. */
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4);
	assert_int_equal(pkt.src_ip.family, MK_AF_INET);
	assert_int_equal(pkt.src_ip.a[3], 1);
	assert_int_equal(pkt.ip_proto, 17);
	assert_int_equal(pkt.ip_id, 7);
	assert_int_equal(pkt.sport, 0);
	assert_int_equal(send_part(dec, &pkt, 16, 8, true, 1), MK_DECODE_HELD);
	assert_int_equal(send_part(dec, &pkt, 24, 8, false, 2), MK_DECODE_OK);
	check_complete(&pkt, dgram + 8);
	assert_int_equal(pkt.events, 0);
	assert_int_equal(mk_decoder_stats(dec)->frag_reassembled, 1);
	assert_int_equal(mk_decoder_stats(dec)->frag_dropped, 0);
	/* Done datagrams are forgotten: a repeat starts a new one. */
	assert_int_equal(send_part(dec, &pkt, 24, 8, false, 3), MK_DECODE_HELD);
	mk_decoder_free(dec);
}

static void test_out_of_order(void **state)
{
	struct mk_decoder *dec = mk_decoder_new(NULL);
	struct mk_pkt pkt;

	(void)state;
	assert_non_null(dec);
	assert_int_equal(send_part(dec, &pkt, 24, 8, false, 0), MK_DECODE_HELD);
	assert_int_equal(send_part(dec, &pkt, 0, 16, true, 0), MK_DECODE_HELD);
	assert_int_equal(send_part(dec, &pkt, 16, 8, true, 0), MK_DECODE_OK);
	check_complete(&pkt, dgram + 8);
	/* Middle first, then last, then first. */
	assert_int_equal(send_part(dec, &pkt, 16, 8, true, 0), MK_DECODE_HELD);
	assert_int_equal(send_part(dec, &pkt, 24, 8, false, 0), MK_DECODE_HELD);
	assert_int_equal(send_part(dec, &pkt, 0, 16, true, 0), MK_DECODE_OK);
	check_complete(&pkt, dgram + 8);
	assert_int_equal(mk_decoder_stats(dec)->frag_reassembled, 2);
	mk_decoder_free(dec);
}

static void test_overlap_first_wins(void **state)
{
	struct mk_decoder *dec = mk_decoder_new(NULL);
	struct mk_pkt pkt;
	uint8_t frame[128], other[16], want[24];
	size_t n;

	(void)state;
	assert_non_null(dec);
	assert_int_equal(send_part(dec, &pkt, 0, 16, true, 0), MK_DECODE_HELD);
	/* [8, 24) with different bytes: 8..16 overlaps and is ignored, 16..24 is new. */
	memset(other, 'z', sizeof(other));
	n = build_frag(frame, 17, 7, 8, true, other, sizeof(other));
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_HELD);
	assert_int_equal(pkt.events, 1);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_IPV4_FRAG_OVERLAP], 1);
	assert_int_equal(send_part(dec, &pkt, 24, 8, false, 0), MK_DECODE_OK);
	memcpy(want, dgram + 8, 8);
	memset(want + 8, 'z', 8);
	memcpy(want + 16, dgram + 24, 8);
	check_complete(&pkt, want);
	mk_decoder_free(dec);
}

static void test_duplicate_and_conflicting_end(void **state)
{
	struct mk_decoder *dec = mk_decoder_new(NULL);
	const struct mk_decode_stats *st;
	struct mk_pkt pkt;
	uint8_t frame[128];
	size_t n;

	(void)state;
	assert_non_null(dec);
	st = mk_decoder_stats(dec);
	assert_int_equal(send_part(dec, &pkt, 0, 16, true, 0), MK_DECODE_HELD);
	assert_int_equal(send_part(dec, &pkt, 0, 16, true, 0), MK_DECODE_HELD);
	assert_int_equal(st->events[MK_DEV_IPV4_FRAG_OVERLAP], 1);
	assert_int_equal(send_part(dec, &pkt, 16, 8, true, 0), MK_DECODE_HELD);
	assert_int_equal(send_part(dec, &pkt, 24, 8, false, 0), MK_DECODE_OK);
	check_complete(&pkt, dgram + 8);

	/* Two different "last" fragments: the first end stands. */
	assert_int_equal(send_part(dec, &pkt, 24, 8, false, 0), MK_DECODE_HELD);
	n = build_frag(frame, 17, 7, 32, false, dgram, 8); /* claims the end is 40 */
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_HELD);
	assert_int_equal(st->events[MK_DEV_IPV4_FRAG_OVERLAP], 2);
	assert_int_equal(send_part(dec, &pkt, 0, 24, true, 0), MK_DECODE_OK);
	check_complete(&pkt, dgram + 8);

	/* Bytes held past a later-declared end: the datagram is dropped. */
	assert_int_equal(send_part(dec, &pkt, 0, 24, true, 0), MK_DECODE_HELD);
	n = build_frag(frame, 17, 7, 8, false, dgram + 8, 8); /* end 16 < 24 held */
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_INVALID);
	assert_int_equal(st->events[MK_DEV_IPV4_FRAG_OVERLAP], 3);
	assert_int_equal(st->frag_dropped, 2);
	mk_decoder_free(dec);
}

static void test_tcp_header_split(void **state)
{
	/* TCP SYN+ACK whose header is split 8 / 12 across two fragments. */
	static const uint8_t tcp[24] = {
		/* sport 502, dport 40000, seq 0x01020304 */
		0x01, 0xf6, 0x9c, 0x40, 0x01, 0x02, 0x03, 0x04,
		/* ack 5, data offset 5, SYN|ACK, window 512, checksum, urgent */
		0x00, 0x00, 0x00, 0x05, 0x50, 0x12, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* payload */
		0xca, 0xfe, 0xba, 0xbe,
	};
	struct mk_decoder *dec = mk_decoder_new(NULL);
	struct mk_pkt pkt;
	uint8_t frame[128];
	size_t n;

	(void)state;
	assert_non_null(dec);
	n = build_frag(frame, 6, 99, 0, true, tcp, 8);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_HELD);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4);
	n = build_frag(frame, 6, 99, 8, false, tcp + 8, 16);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4 | MK_L_FRAG | MK_L_TCP);
	assert_int_equal(pkt.sport, 502);
	assert_int_equal(pkt.tcp_seq, 0x01020304);
	assert_int_equal(pkt.tcp_flags, MK_TCP_SYN | MK_TCP_ACK);
	assert_int_equal(pkt.payload_len, 4);
	assert_int_equal(pkt.payload[0], 0xca);
	/* A different id, protocol or address pair is another datagram. */
	n = build_frag(frame, 6, 100, 0, true, tcp, 8);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_HELD);
	n = build_frag(frame, 17, 100, 8, false, tcp + 8, 16);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_HELD);
	mk_decoder_free(dec);
}

static void test_memcap(void **state)
{
	struct mk_decode_limits lim;
	struct mk_decoder *dec;
	const struct mk_decode_stats *st;
	struct mk_pkt pkt;
	static uint8_t data[1200], frame[1300];
	size_t n;

	(void)state;
	mk_decode_limits_default(&lim);
	lim.frag_memcap = 1000;
	dec = mk_decoder_new(&lim);
	assert_non_null(dec);
	st = mk_decoder_stats(dec);
	memset(data, 0x5a, sizeof(data));
	/* Datagram 1: 800 bytes held. */
	n = build_frag(frame, 17, 1, 0, true, data, 800);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_HELD);
	/* Datagram 2 needs 800 more: the older one is dropped. */
	n = build_frag(frame, 17, 2, 0, true, data, 800);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_HELD);
	assert_int_equal(st->events[MK_DEV_IPV4_FRAG_MEMCAP], 1);
	assert_int_equal(st->frag_dropped, 1);
	/* Datagram 1's end cannot complete it any more. */
	n = build_frag(frame, 17, 1, 800, false, data, 8);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_HELD);
	assert_int_equal(st->frag_reassembled, 0);
	/* Datagram 2's 8-byte end still fits: it completes (UDP length is garbage 0x5a5a). */
	n = build_frag(frame, 17, 2, 800, false, data, 8);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_OK);
	assert_int_equal(st->frag_reassembled, 1);
	assert_int_equal(pkt.payload_len, 800);
	/* One fragment larger than the whole cap. */
	n = build_frag(frame, 17, 3, 0, true, data, 1200);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_INVALID);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4);
	assert_true(st->events[MK_DEV_IPV4_FRAG_MEMCAP] >= 2);
	mk_decoder_free(dec);
}

static void test_datagram_cap(void **state)
{
	struct mk_decode_limits lim;
	struct mk_decoder *dec;
	const struct mk_decode_stats *st;
	struct mk_pkt pkt;
	uint8_t frame[128];
	size_t n;

	(void)state;
	mk_decode_limits_default(&lim);
	lim.frag_max_datagrams = 2;
	dec = mk_decoder_new(&lim);
	assert_non_null(dec);
	st = mk_decoder_stats(dec);
	for (uint16_t id = 1; id <= 3; id++) {
		n = build_frag(frame, 17, id, 0, true, dgram, 16);
		assert_int_equal(decode_frame(dec, &pkt, frame, n, n, id), MK_DECODE_HELD);
	}
	assert_int_equal(st->events[MK_DEV_IPV4_FRAG_MEMCAP], 1);
	assert_int_equal(st->frag_dropped, 1);
	/* Datagram 3 is still there and completes. */
	n = build_frag(frame, 17, 3, 16, false, dgram + 16, 16);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 4), MK_DECODE_OK);
	check_complete(&pkt, dgram + 8);
	mk_decoder_free(dec);

	/* frag_max_datagrams 0 turns reassembly off: fragments pass at L3 only. */
	lim.frag_max_datagrams = 0;
	dec = mk_decoder_new(&lim);
	assert_non_null(dec);
	assert_int_equal(send_part(dec, &pkt, 0, 16, true, 0), MK_DECODE_OK);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4);
	assert_int_equal(pkt.events, 0);
	assert_int_equal(mk_decoder_stats(dec)->frag_dropped, 1);
	mk_decoder_free(dec);
}

static void test_timeout(void **state)
{
	struct mk_decode_limits lim;
	struct mk_decoder *dec;
	struct mk_pkt pkt;

	(void)state;
	mk_decode_limits_default(&lim);
	lim.frag_timeout_ns = 1 * NS;
	dec = mk_decoder_new(&lim);
	assert_non_null(dec);
	assert_int_equal(send_part(dec, &pkt, 0, 16, true, 100 * NS), MK_DECODE_HELD);
	assert_int_equal(send_part(dec, &pkt, 16, 8, true, 100 * NS + NS / 2), MK_DECODE_HELD);
	/* 2 s after the first fragment: the datagram has expired. */
	assert_int_equal(send_part(dec, &pkt, 24, 8, false, 102 * NS), MK_DECODE_HELD);
	assert_int_equal(mk_decoder_stats(dec)->frag_dropped, 2);
	assert_int_equal(mk_decoder_stats(dec)->frag_reassembled, 0);
	/* Within the timeout it completes; a clock going backwards expires nothing. */
	assert_int_equal(send_part(dec, &pkt, 0, 24, true, 50 * NS), MK_DECODE_OK);
	assert_int_equal(mk_decoder_stats(dec)->frag_reassembled, 1);
	/* Expiry runs before a fragment is added: the 200 s datagram is gone at 300 s. */
	assert_int_equal(send_part(dec, &pkt, 0, 16, true, 200 * NS), MK_DECODE_HELD);
	assert_int_equal(send_part(dec, &pkt, 16, 16, false, 300 * NS), MK_DECODE_HELD);
	assert_int_equal(mk_decoder_stats(dec)->frag_dropped, 3);
	mk_decoder_free(dec);
}

static void test_too_large(void **state)
{
	struct mk_decoder *dec = mk_decoder_new(NULL);
	struct mk_pkt pkt;
	uint8_t frame[128];
	size_t n;

	(void)state;
	assert_non_null(dec);
	/* Offset 65528 + 16 bytes + 20-byte header > 65535 (ping of death). */
	n = build_frag(frame, 1, 5, 65528, false, dgram, 16);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_INVALID);
	assert_int_equal(mk_decoder_stats(dec)->events[MK_DEV_IPV4_FRAG_TOO_LARGE], 1);
	assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4);
	/* Exactly 65535 is fine: 20 + 65512 + 3. */
	n = build_frag(frame, 1, 5, 65512, false, dgram, 3);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_HELD);
	mk_decoder_free(dec);
}

static void test_every_truncation_of_fragment(void **state)
{
	struct mk_decoder *dec = mk_decoder_new(NULL);
	const struct mk_decode_stats *st;
	struct mk_pkt pkt;
	uint8_t frame[128];
	size_t n = build_frag(frame, 17, 7, 0, true, dgram, 16);
	uint64_t dropped = 0;

	(void)state;
	assert_non_null(dec);
	st = mk_decoder_stats(dec);
	for (size_t cut = 0; cut < n; cut++) {
		enum mk_decode_result r = decode_frame(dec, &pkt, frame, cut, n, 0);

		if (cut < 14) {
			assert_int_equal(r, MK_DECODE_INVALID);
			assert_int_equal(pkt.layers, 0);
		} else if (cut < 34) {
			assert_int_equal(r, MK_DECODE_INVALID);
			assert_int_equal(pkt.layers, MK_L_ETH);
		} else {
			/* Header whole, data cut by the snap length: cannot be reassembled. */
			assert_int_equal(r, MK_DECODE_OK);
			assert_int_equal(pkt.layers, MK_L_ETH | MK_L_IP4);
			assert_int_equal(pkt.events, 0);
			assert_int_equal(pkt.payload_len, 0);
			dropped++;
		}
		assert_int_equal(pkt.events, cut < 34 ? 1 : 0);
	}
	assert_int_equal(st->frag_dropped, dropped);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_HELD);
	/* The rest, cut at every length too: only the whole one completes. */
	n = build_frag(frame, 17, 7, 16, false, dgram + 16, 16);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_not_equal(decode_frame(dec, &pkt, frame, cut, n, 0), MK_DECODE_HELD);
	assert_int_equal(decode_frame(dec, &pkt, frame, n, n, 0), MK_DECODE_OK);
	check_complete(&pkt, dgram + 8);
	mk_decoder_free(dec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_in_order, teardown_buf),
		cmocka_unit_test_teardown(test_out_of_order, teardown_buf),
		cmocka_unit_test_teardown(test_overlap_first_wins, teardown_buf),
		cmocka_unit_test_teardown(test_duplicate_and_conflicting_end, teardown_buf),
		cmocka_unit_test_teardown(test_tcp_header_split, teardown_buf),
		cmocka_unit_test_teardown(test_memcap, teardown_buf),
		cmocka_unit_test_teardown(test_datagram_cap, teardown_buf),
		cmocka_unit_test_teardown(test_timeout, teardown_buf),
		cmocka_unit_test_teardown(test_too_large, teardown_buf),
		cmocka_unit_test_teardown(test_every_truncation_of_fragment, teardown_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

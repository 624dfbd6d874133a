/* fuzz_decode.c - libFuzzer target for mk_decode().
 *
 * Input: byte 0 picks the link type (low 3 bits, from link_types[]) and the
 * limits (bit 3: tiny fragment caps so eviction paths run); the rest is split on
 * the 4-byte separator "MKSP" into packets fed to ONE decoder in order, 7 s of
 * packet time apart, so fragment sequences (overlap, caps, timeouts) are reachable.
 * Each packet is copied into its own exact-size heap buffer (Suricata's trick), so
 * ASan catches reads past caplen instead of reading the next packet.
 *
 * Seeds (fuzz/corpus/fuzz_decode/, byte 0 then the frame): eth_ipv4_tcp_modbus,
 * eth_qinq_udp_snmp (802.1ad + 802.1Q), eth_snap_cdp (LLC/SNAP 00000c/2000),
 * eth_llc_stp (DSAP 0x42), eth_ipv6_exthdrs_udp (hop-by-hop, routing, dest opts,
 * atomic fragment, AH), eth_arp_request, sll_ipv4_udp_dns, sll2_ipv6_icmp6,
 * null_le_ipv4_icmp, loop_ipv6_udp, eth_frag3_in_order (three IPv4 fragments of
 * one UDP datagram), eth_frag3_out_of_order_smallcap (byte 0 bit 3: tiny caps;
 * last, first, duplicate first, middle), eth_ipv6_ndp_ra_ns_na (a router
 * advertisement, a solicitation and an advertisement with their link-layer
 * options), eth_ipv6_ndp_bad_option (an option of length 0).  The same frames,
 * annotated field by field, are in tests/unit/test_decode.c, test_decode_frag.c
 * and test_decode_ndp.c (the NDP ones from tests/captures/netwatch).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/decode.h"
#include "mieruka/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t link_types[8] = {
	MK_LINK_ETHERNET, MK_LINK_SLL, MK_LINK_SLL2, MK_LINK_NULL,
	MK_LINK_LOOP, MK_LINK_RAW, MK_LINK_IPV4, MK_LINK_IPV6,
};

static const uint8_t sep[4] = { 'M', 'K', 'S', 'P' };

#define MAX_PACKETS 64

static void check(int cond)
{
	if (!cond)
		abort();
}

static void decode_one(struct mk_decoder *dec, uint16_t link, const uint8_t *bytes, size_t len, uint64_t ts)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	struct mk_pkt pkt;
	enum mk_decode_result r;
	volatile uint8_t sink = 0;

	if (copy == NULL)
		return;
	if (len > 0)
		memcpy(copy, bytes, len);
	memset(&pkt, 0, sizeof(pkt));
	pkt.data = len > 0 ? copy : NULL;
	pkt.caplen = (uint32_t)len;
	pkt.wirelen = (uint32_t)len + (ts & 1); /* sometimes "cut by the snap length" */
	pkt.linktype = link;
	pkt.ts_ns = ts;
	r = mk_decode(dec, &pkt);
	check(r == MK_DECODE_OK || r == MK_DECODE_HELD || r == MK_DECODE_INVALID);
	check(pkt.vlan_count <= MK_VLAN_MAX);
	check(r != MK_DECODE_INVALID || pkt.events > 0);
	if (pkt.payload_len > 0) {
		check(pkt.payload != NULL);
		/* Inside the frame, or (reassembly) inside the decoder's own buffer. */
		if (pkt.payload >= copy && pkt.payload < copy + len)
			check(pkt.payload_len <= (size_t)(copy + len - pkt.payload));
		else
			check((pkt.layers & MK_L_FRAG) != 0);
		/* Touch every payload byte so ASan sees a bad pointer or length. */
		for (uint32_t i = 0; i < pkt.payload_len; i++)
			sink ^= pkt.payload[i];
	}
	(void)sink;
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mk_decode_limits lim;
	struct mk_decoder *dec;
	size_t pos = 1, start = 1;
	uint16_t link;
	unsigned n = 0;

	if (size < 1)
		return 0;
	link = link_types[data[0] & 7];
	mk_decode_limits_default(&lim);
	/* Fewer slots than the default keep each run's set-up cheap; caps behave the same. */
	lim.frag_max_datagrams = 32;
	if (data[0] & 8) {
		lim.frag_memcap = 256;
		lim.frag_max_datagrams = 2;
		lim.frag_timeout_ns = 10ull * 1000000000ull;
	}
	dec = mk_decoder_new(&lim);
	if (dec == NULL)
		return 0;
	while (pos <= size && n < MAX_PACKETS) {
		if (pos == size || (size - pos >= sizeof(sep) && memcmp(data + pos, sep, sizeof(sep)) == 0)) {
			decode_one(dec, link, data + start, pos - start, (uint64_t)n * 7000000000ull);
			n++;
			pos += sizeof(sep);
			start = pos;
			continue;
		}
		pos++;
	}
	mk_decoder_free(dec);
	return 0;
}

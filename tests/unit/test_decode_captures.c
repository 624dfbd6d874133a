/* test_decode_captures.c - decodes every packet of a few real public captures
 * (../shared/captures, see MANIFEST.tsv) with a tiny local pcap reader, asserting
 * no crash and plausible layer counts.  Skipped when the captures are absent. */
#include "mieruka/decode.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/pkt.h"
#include "mieruka/rd.h"

#ifndef MK_TEST_SHARED
#define MK_TEST_SHARED "../shared"
#endif

#define MAX_FILE (64u << 20)
#define MAX_RECORD 262144u

struct counts {
	uint64_t packets, ok, held, invalid;
	uint64_t tcp, udp, arp, l2app, ip4, ip6, llc;
};

/* Reads a whole file; NULL when missing or too big. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || (unsigned long)n > MAX_FILE ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Classic pcap (libpcap file format, draft-ietf-opsawg-pcap section 4-5), either
 * byte order, micro- or nanosecond.  Returns false when the file is not pcap. */
static bool decode_pcap(const char *rel, struct counts *c)
{
	char path[1024];
	size_t len = 0;
	uint8_t *file;
	struct mk_rd rd;
	uint32_t magic, link;
	bool le, nano;
	struct mk_decoder *dec;

	snprintf(path, sizeof(path), "%s/captures/%s", MK_TEST_SHARED, rel);
	file = slurp(path, &len);
	if (file == NULL)
		return false;
	mk_rd_init(&rd, file, len);
	magic = mk_rd_le32(&rd);
	le = magic == 0xa1b2c3d4u || magic == 0xa1b23c4du;
	if (!le && magic != 0xd4c3b2a1u && magic != 0x4d3cb2a1u) {
		free(file);
		return false;
	}
	nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	mk_rd_skip(&rd, 16); /* versions, thiszone, sigfigs, snaplen */
	link = le ? mk_rd_le32(&rd) : mk_rd_be32(&rd);
	dec = mk_decoder_new(NULL);
	assert_non_null(dec);
	memset(c, 0, sizeof(*c));
	for (uint32_t n = 0; mk_rd_has(&rd, 16) && n < 10000000; n++) {
		uint32_t sec = le ? mk_rd_le32(&rd) : mk_rd_be32(&rd);
		uint32_t frac = le ? mk_rd_le32(&rd) : mk_rd_be32(&rd);
		uint32_t incl = le ? mk_rd_le32(&rd) : mk_rd_be32(&rd);
		uint32_t orig = le ? mk_rd_le32(&rd) : mk_rd_be32(&rd);
		const uint8_t *p;
		uint8_t *copy;
		struct mk_pkt pkt;

		if (incl > MAX_RECORD || (p = mk_rd_ptr(&rd, incl)) == NULL)
			break; /* truncated file: stop at the damage */
		copy = malloc(incl > 0 ? incl : 1);
		assert_non_null(copy);
		memcpy(copy, p, incl);
		memset(&pkt, 0, sizeof(pkt));
		pkt.ts_ns = (uint64_t)sec * 1000000000ull + (nano ? frac : (uint64_t)frac * 1000u);
		pkt.data = copy;
		pkt.caplen = incl;
		pkt.wirelen = orig;
		pkt.linktype = (uint16_t)link;
		switch (mk_decode(dec, &pkt)) {
		case MK_DECODE_OK: c->ok++; break;
		case MK_DECODE_HELD: c->held++; break;
		case MK_DECODE_INVALID: c->invalid++; break;
		}
		c->packets++;
		c->tcp += (pkt.layers & MK_L_TCP) != 0;
		c->udp += (pkt.layers & MK_L_UDP) != 0;
		c->arp += (pkt.layers & MK_L_ARP) != 0;
		c->l2app += (pkt.layers & MK_L_L2APP) != 0;
		c->llc += (pkt.layers & MK_L_LLC) != 0;
		c->ip4 += (pkt.layers & MK_L_IP4) != 0;
		c->ip6 += (pkt.layers & MK_L_IP6) != 0;
		free(copy);
	}
	assert_int_equal(mk_decoder_stats(dec)->packets, c->packets);
	mk_decoder_free(dec);
	free(file);
	print_message("%s: %llu packets, ok %llu invalid %llu held %llu, tcp %llu udp %llu arp %llu l2app %llu llc %llu\n",
		      rel, (unsigned long long)c->packets, (unsigned long long)c->ok, (unsigned long long)c->invalid,
		      (unsigned long long)c->held, (unsigned long long)c->tcp, (unsigned long long)c->udp,
		      (unsigned long long)c->arp, (unsigned long long)c->l2app, (unsigned long long)c->llc);
	return true;
}

static void test_modbus_capture(void **state)
{
	struct counts c;

	(void)state;
	if (!decode_pcap("modbus/ModbusTCP__ModbusTCP.pcap", &c))
		skip();
	/* MANIFEST.tsv: 15387 packets, Wireshark sees 11881 Modbus/TCP. */
	assert_int_equal(c.packets, 15387);
	assert_true(c.tcp >= 11881);
	assert_true(c.invalid * 100 <= c.packets); /* at most 1 % undecodable */
}

static void test_enip_l2_mix(void **state)
{
	struct counts c;

	(void)state;
	if (!decode_pcap("enip/openics__EIP-FirmwareChange.pcap", &c))
		skip();
	/* MANIFEST.tsv: 10727 packets with enip(10514) stp(93) arp(14) lldp(6) cdp(3). */
	assert_int_equal(c.packets, 10727);
	assert_true(c.tcp + c.udp >= 10514);
	assert_true(c.arp >= 14);
	assert_true(c.llc >= 93 + 3);        /* STP and CDP are LLC frames */
	assert_true(c.l2app >= 93 + 6 + 3);  /* STP, LLDP, CDP reach L2 parsers */
	assert_true(c.invalid * 100 <= c.packets);
}

static void test_goose_and_s7(void **state)
{
	struct counts c;
	bool any = false;

	(void)state;
	if (decode_pcap("iec61850/IEC61850__GOOSE__GOOSE.pcap", &c)) {
		any = true;
		assert_true(c.packets > 0);
		assert_true(c.l2app > 0); /* GOOSE 0x88b8, usually VLAN-tagged */
	}
	if (decode_pcap("s7comm/s7__s7comm_reading_plc_status.pcap", &c)) {
		any = true;
		assert_int_equal(c.packets, 240);
		assert_true(c.tcp >= 218);
		assert_true(c.arp >= 2);
	}
	if (!any)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modbus_capture),
		cmocka_unit_test(test_enip_l2_mix),
		cmocka_unit_test(test_goose_and_s7),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

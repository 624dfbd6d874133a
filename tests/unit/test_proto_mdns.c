/* test_proto_mdns.c - unit tests of the mDNS plug-in (src/proto/mdns/mdns.c).
 *
 * Vectors (UDP payloads, annotated per record by owner name, type, class and data):
 *   mdns_opcua   ../shared/captures/opcua/open62541_discover_getendpoints_discover_urls.pcap
 *                frame 1 (open62541 LDS announcing _opcua-tcp._tcp with A records under
 *                the service instance name, and a loopback address)
 *   mdns_zeek19  ../shared/captures/office/dns__mdns.pcap frame 19 (host announcement:
 *                A, AAAA and reverse PTR records with the cache-flush bit)
 *   mdns_zeek1   ../shared/captures/office/dns__mdns.pcap frame 1 (a query: no facts)
 *   mdns_printer built for this test in the shape of a Brother printer's IPP announcement
 *                (PTR, SRV, TXT with ty/usb_MDL/product keys, A); the TXT strings are
 *                "txtvers=1", "ty=Brother HL-L2350DW series", "usb_MDL=HL-L2350DW series",
 *                "product=(Brother HL-L2350DW series)" and a bare "md" (no value).
 * Reference: `tshark -r FILE -O mdns -Y frame.number==N`.
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

#include "mieruka/facts.h"
#include "mieruka/pkt.h"
#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_mdns;

/* ---- fact recorder: the test's struct mk_emit sink, exactly as the core uses it ----
 * Each fact becomes one canonical line "kind host key=value", so expectations read
 * like the facts themselves. */
#define REC_MAX 96
#define REC_LEN 640

struct rec {
	int n;
	char line[REC_MAX][REC_LEN];
};

static void rec_addr(const struct mk_addr *a, char *buf, size_t len)
{
	if (a->family == MK_AF_MAC)
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", a->a[0], a->a[1], a->a[2], a->a[3],
		         a->a[4], a->a[5]);
	else if (a->family == MK_AF_INET)
		inet_ntop(AF_INET, a->a, buf, (socklen_t)len);
	else if (a->family == MK_AF_INET6)
		inet_ntop(AF_INET6, a->a, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
}

static void rec_host(const struct mk_host *h, char *buf, size_t len)
{
	static const char *const rel[] = {"sender", "receiver", "client", "server"};
	char mac[MK_ADDR_STRLEN], ip[MK_ADDR_STRLEN];

	if (h->kind < MK_HOST_EXPLICIT) {
		snprintf(buf, len, "%s", rel[h->kind]);
		return;
	}
	rec_addr(&h->mac, mac, sizeof(mac));
	rec_addr(&h->ip, ip, sizeof(ip));
	snprintf(buf, len, "mac=%s,ip=%s", mac, ip);
}

static void rec_sink(void *ctx, const struct mk_fact *f, struct mk_flow *flow, const struct mk_pkt *pkt,
                     int dir)
{
	struct rec *r = ctx;
	char host[128], val[REC_LEN / 2] = "", *line;
	const struct mk_identity *id = &f->identity;

	(void)flow;
	(void)pkt;
	(void)dir;
	assert_true(r->n < REC_MAX);
	if (f->value != NULL) {
		/* A fact's value is length-delimited, capped and free of NULs. */
		assert_true(f->value_len < sizeof(val));
		assert_null(memchr(f->value, 0, f->value_len));
		memcpy(val, f->value, f->value_len);
		val[f->value_len] = '\0';
	}
	rec_host(&f->host, host, sizeof(host));
	line = r->line[r->n++];
	switch (f->kind) {
	case MK_FACT_NAME:
		snprintf(line, REC_LEN, "name %s %s", host, val);
		break;
	case MK_FACT_BINDING:
		snprintf(line, REC_LEN, "binding %s", host);
		break;
	case MK_FACT_IDENTITY:
		snprintf(line, REC_LEN, "identity %s vendor=%s product=%s model=%s firmware=%s serial=%s", host,
		         id->vendor ? id->vendor : "-", id->product ? id->product : "-",
		         id->model ? id->model : "-", id->firmware ? id->firmware : "-",
		         id->serial ? id->serial : "-");
		break;
	case MK_FACT_ATTR:
		snprintf(line, REC_LEN, "attr %s %s=%s", host, f->key, val);
		break;
	case MK_FACT_OS:
		snprintf(line, REC_LEN, "os %s %s (%u)", host, val, f->confidence);
		break;
	case MK_FACT_ROLE:
		snprintf(line, REC_LEN, "role %s %s (%u) %s", host, mk_role_name(f->role), f->confidence, val);
		break;
	case MK_FACT_OPERATION:
		snprintf(line, REC_LEN, "operation %s %s", mk_op_class_name(f->op), val);
		break;
	case MK_FACT_ANOMALY:
		snprintf(line, REC_LEN, "anomaly %s", val);
		break;
	default:
		fail_msg("unknown fact kind %u", f->kind);
	}
}

static bool rec_has(const struct rec *r, const char *line)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->line[i], line) == 0)
			return true;
	return false;
}

/* Asserts the recorded facts are exactly exp[] (NULL-terminated), in order. */
static void rec_expect(const struct rec *r, const char *const *exp)
{
	int n = 0;

	while (exp[n] != NULL)
		n++;
	for (int i = 0; i < r->n || i < n; i++) {
		const char *got = i < r->n ? r->line[i] : "(none)";
		const char *want = i < n ? exp[i] : "(none)";

		if (strcmp(got, want) != 0)
			fail_msg("fact %d:\n  got  %s\n  want %s", i, got, want);
	}
}

/* Asserts every fact of `part` also came from the whole message `all`. */
static void rec_subset(const struct rec *part, const struct rec *all, size_t cut)
{
	for (int i = 0; i < part->n; i++)
		if (strncmp(part->line[i], "anomaly ", 8) != 0 && !rec_has(all, part->line[i]))
			fail_msg("cut at %zu gave a wrong fact: %s", cut, part->line[i]);
}

/* Runs one parse over an exact-size heap copy, so ASan sees any over-read. */
static enum mk_verdict run_parse(const struct mk_proto *p, const struct mk_pkt *pkt, const uint8_t *msg,
                                 size_t len, enum mk_dir dir, struct rec *r, size_t *consumed)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	void *state = calloc(1, p->state_size > 0 ? p->state_size : 1);
	struct mk_emit out = {.sink = rec_sink, .ctx = r, .pkt = pkt, .dir = (int)dir, .proto = p->id};
	struct mk_rd rd;
	size_t dummy = 0;
	enum mk_verdict v;
	int first;

	assert_non_null(copy);
	assert_non_null(state);
	memcpy(copy, msg, len);
	mk_rd_init(&rd, copy, len);
	first = r->n;
	v = p->parse(state, &rd, dir, consumed != NULL ? consumed : &dummy, &out);
	/* Every anomaly a parser raises is declared in its descriptor's table. */
	for (int i = first; i < r->n; i++) {
		bool listed = false;

		if (strncmp(r->line[i], "anomaly ", 8) != 0)
			continue;
		for (size_t e = 0; p->events != NULL && p->events[e] != NULL; e++)
			listed |= strcmp(p->events[e], r->line[i] + 8) == 0;
		if (!listed)
			fail_msg("undeclared event: %s", r->line[i]);
	}
	if (p->reset != NULL)
		p->reset(state);
	free(state);
	free(copy);
	return v;
}
/* ---- end of fact recorder ---- */

static const uint8_t mdns_opcua[] = {
	0x00, 0x00, 0x84, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, /* header: id 0x0000, flags 0x8400, QD 0, AN 12, NS 0, AR 0 */
	/* answer @12: "Maui-16714" A class 0x0001 ttl 600 rdlen 4 10.1.96.37 */
	0x0a, 0x4d, 0x61, 0x75, 0x69, 0x2d, 0x31, 0x36, 0x37, 0x31, 0x34, 0x00,
	0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04, 0x0a, 0x01,
	0x60, 0x25,
	/* answer @38: "LDS-Maui-16714._opcua-tcp._tcp.local" A class 0x0001 ttl 600 rdlen 4 10.1.96.37 */
	0x0e, 0x4c, 0x44, 0x53, 0x2d, 0x4d, 0x61, 0x75, 0x69, 0x2d, 0x31, 0x36,
	0x37, 0x31, 0x34, 0x0a, 0x5f, 0x6f, 0x70, 0x63, 0x75, 0x61, 0x2d, 0x74,
	0x63, 0x70, 0x04, 0x5f, 0x74, 0x63, 0x70, 0x05, 0x6c, 0x6f, 0x63, 0x61,
	0x6c, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04,
	0x0a, 0x01, 0x60, 0x25,
	/* answer @90: "Maui-16714" A class 0x0001 ttl 600 rdlen 4 192.168.107.1 */
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04,
	0xc0, 0xa8, 0x6b, 0x01,
	/* answer @106: "LDS-Maui-16714._opcua-tcp._tcp.local" A class 0x0001 ttl 600 rdlen 4 192.168.107.1 */
	0xc0, 0x26, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04,
	0xc0, 0xa8, 0x6b, 0x01,
	/* answer @122: "Maui-16714" A class 0x0001 ttl 600 rdlen 4 172.16.97.1 */
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04,
	0xac, 0x10, 0x61, 0x01,
	/* answer @138: "LDS-Maui-16714._opcua-tcp._tcp.local" A class 0x0001 ttl 600 rdlen 4 172.16.97.1 */
	0xc0, 0x26, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04,
	0xac, 0x10, 0x61, 0x01,
	/* answer @154: "Maui-16714" A class 0x0001 ttl 600 rdlen 4 192.168.224.105 */
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04,
	0xc0, 0xa8, 0xe0, 0x69,
	/* answer @170: "LDS-Maui-16714._opcua-tcp._tcp.local" A class 0x0001 ttl 600 rdlen 4 192.168.224.105 */
	0xc0, 0x26, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04,
	0xc0, 0xa8, 0xe0, 0x69,
	/* answer @186: "Maui-16714" A class 0x0001 ttl 600 rdlen 4 127.0.0.1 */
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04,
	0x7f, 0x00, 0x00, 0x01,
	/* answer @202: "LDS-Maui-16714._opcua-tcp._tcp.local" A class 0x0001 ttl 600 rdlen 4 127.0.0.1 */
	0xc0, 0x26, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04,
	0x7f, 0x00, 0x00, 0x01,
	/* answer @218: "_opcua-tcp._tcp.local" PTR class 0x0001 ttl 600 rdlen 2 "LDS-Maui-16714._opcua-tcp._tcp.local" */
	0xc0, 0x35, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x02,
	0xc0, 0x26,
	/* answer @232: "_services._dns-sd._udp.local" PTR class 0x0001 ttl 600 rdlen 2 "_opcua-tcp._tcp.local" */
	0x09, 0x5f, 0x73, 0x65, 0x72, 0x76, 0x69, 0x63, 0x65, 0x73, 0x07, 0x5f,
	0x64, 0x6e, 0x73, 0x2d, 0x73, 0x64, 0x04, 0x5f, 0x75, 0x64, 0x70, 0xc0,
	0x45, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x02, 0xc0,
	0x35,
};

static const uint8_t mdns_zeek19[] = {
	0x00, 0x00, 0x84, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, /* header: id 0x0000, flags 0x8400, QD 0, AN 6, NS 0, AR 0 */
	/* answer @12: "4.c.d.4.1.e.e.f.f.f.6.d.c.3.8.8.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6..." PTR class 0x8001 ttl 120 rdlen 36 "johanna-QEMU-Virtual-Machine.local" */
	0x01, 0x34, 0x01, 0x63, 0x01, 0x64, 0x01, 0x34, 0x01, 0x31, 0x01, 0x65,
	0x01, 0x65, 0x01, 0x66, 0x01, 0x66, 0x01, 0x66, 0x01, 0x36, 0x01, 0x64,
	0x01, 0x63, 0x01, 0x33, 0x01, 0x38, 0x01, 0x38, 0x01, 0x35, 0x01, 0x33,
	0x01, 0x32, 0x01, 0x38, 0x01, 0x63, 0x01, 0x33, 0x01, 0x30, 0x01, 0x63,
	0x01, 0x65, 0x01, 0x39, 0x01, 0x32, 0x01, 0x34, 0x01, 0x32, 0x01, 0x35,
	0x01, 0x64, 0x01, 0x66, 0x03, 0x69, 0x70, 0x36, 0x04, 0x61, 0x72, 0x70,
	0x61, 0x00, 0x00, 0x0c, 0x80, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x24,
	0x1c, 0x6a, 0x6f, 0x68, 0x61, 0x6e, 0x6e, 0x61, 0x2d, 0x51, 0x45, 0x4d,
	0x55, 0x2d, 0x56, 0x69, 0x72, 0x74, 0x75, 0x61, 0x6c, 0x2d, 0x4d, 0x61,
	0x63, 0x68, 0x69, 0x6e, 0x65, 0x05, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x00,
	/* answer @132: "johanna-QEMU-Virtual-Machine.local" A class 0x8001 ttl 120 rdlen 4 10.0.2.7 */
	0xc0, 0x60, 0x00, 0x01, 0x80, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x04,
	0x0a, 0x00, 0x02, 0x07,
	/* answer @148: "7.2.0.10.in-addr.arpa" PTR class 0x8001 ttl 120 rdlen 2 "johanna-QEMU-Virtual-Machine.local" */
	0x01, 0x37, 0x01, 0x32, 0x01, 0x30, 0x02, 0x31, 0x30, 0x07, 0x69, 0x6e,
	0x2d, 0x61, 0x64, 0x64, 0x72, 0xc0, 0x50, 0x00, 0x0c, 0x80, 0x01, 0x00,
	0x00, 0x00, 0x78, 0x00, 0x02, 0xc0, 0x60,
	/* answer @179: "johanna-QEMU-Virtual-Machine.local" AAAA class 0x8001 ttl 120 rdlen 16 fd52:429e:c03c:8235:5968:5bc6:1563:f82f */
	0xc0, 0x60, 0x00, 0x1c, 0x80, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x10,
	0xfd, 0x52, 0x42, 0x9e, 0xc0, 0x3c, 0x82, 0x35, 0x59, 0x68, 0x5b, 0xc6,
	0x15, 0x63, 0xf8, 0x2f,
	/* answer @207: "f.2.8.f.3.6.5.1.6.c.b.5.8.6.9.5.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6..." PTR class 0x8001 ttl 120 rdlen 2 "johanna-QEMU-Virtual-Machine.local" */
	0x01, 0x66, 0x01, 0x32, 0x01, 0x38, 0x01, 0x66, 0x01, 0x33, 0x01, 0x36,
	0x01, 0x35, 0x01, 0x31, 0x01, 0x36, 0x01, 0x63, 0x01, 0x62, 0x01, 0x35,
	0x01, 0x38, 0x01, 0x36, 0x01, 0x39, 0x01, 0x35, 0xc0, 0x2c, 0x00, 0x0c,
	0x80, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x02, 0xc0, 0x60,
	/* answer @253: "johanna-QEMU-Virtual-Machine.local" AAAA class 0x8001 ttl 120 rdlen 16 fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4 */
	0xc0, 0x60, 0x00, 0x1c, 0x80, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x10,
	0xfd, 0x52, 0x42, 0x9e, 0xc0, 0x3c, 0x82, 0x35, 0x88, 0x3c, 0xd6, 0xff,
	0xfe, 0xe1, 0x4d, 0xc4,
};

static const uint8_t mdns_zeek1[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* header: id 0x0000, flags 0x0000, QD 2, AN 0, NS 0, AR 0 */
	/* question @12: "_ipp._tcp.local" PTR class 0x0001 */
	0x04, 0x5f, 0x69, 0x70, 0x70, 0x04, 0x5f, 0x74, 0x63, 0x70, 0x05, 0x6c,
	0x6f, 0x63, 0x61, 0x6c, 0x00, 0x00, 0x0c, 0x00, 0x01,
	0x05, 0x5f, 0x69, 0x70, 0x70, 0x73, 0xc0, 0x11, 0x00, 0x0c, 0x00, 0x01, /* question @33: "_ipps._tcp.local" PTR class 0x0001 */
};

static const uint8_t mdns_printer[] = {
	0x00, 0x00, 0x84, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, /* header: id 0x0000, flags 0x8400, QD 0, AN 4, NS 0, AR 0 */
	/* answer @12: "_ipp._tcp.local" PTR class 0x0001 ttl 4500 rdlen 28 "Brother HL-L2350DW series._ipp._tcp.local" */
	0x04, 0x5f, 0x69, 0x70, 0x70, 0x04, 0x5f, 0x74, 0x63, 0x70, 0x05, 0x6c,
	0x6f, 0x63, 0x61, 0x6c, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x11,
	0x94, 0x00, 0x1c, 0x19, 0x42, 0x72, 0x6f, 0x74, 0x68, 0x65, 0x72, 0x20,
	0x48, 0x4c, 0x2d, 0x4c, 0x32, 0x33, 0x35, 0x30, 0x44, 0x57, 0x20, 0x73,
	0x65, 0x72, 0x69, 0x65, 0x73, 0xc0, 0x0c,
	/* answer @67: "Brother HL-L2350DW series._ipp._tcp.local" SRV class 0x8001 ttl 120 rdlen 23 prio 0 weight 0 port 631 "BRN3C2AF4.local" */
	0xc0, 0x27, 0x00, 0x21, 0x80, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x17,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x77, 0x09, 0x42, 0x52, 0x4e, 0x33, 0x43,
	0x32, 0x41, 0x46, 0x34, 0x05, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x00,
	/* answer @102: "Brother HL-L2350DW series._ipp._tcp.local" TXT class 0x8001 ttl 4500 rdlen 104 TXT */
	0xc0, 0x27, 0x00, 0x10, 0x80, 0x01, 0x00, 0x00, 0x11, 0x94, 0x00, 0x68,
	0x09, 0x74, 0x78, 0x74, 0x76, 0x65, 0x72, 0x73, 0x3d, 0x31, 0x1c, 0x74,
	0x79, 0x3d, 0x42, 0x72, 0x6f, 0x74, 0x68, 0x65, 0x72, 0x20, 0x48, 0x4c,
	0x2d, 0x4c, 0x32, 0x33, 0x35, 0x30, 0x44, 0x57, 0x20, 0x73, 0x65, 0x72,
	0x69, 0x65, 0x73, 0x19, 0x75, 0x73, 0x62, 0x5f, 0x4d, 0x44, 0x4c, 0x3d,
	0x48, 0x4c, 0x2d, 0x4c, 0x32, 0x33, 0x35, 0x30, 0x44, 0x57, 0x20, 0x73,
	0x65, 0x72, 0x69, 0x65, 0x73, 0x23, 0x70, 0x72, 0x6f, 0x64, 0x75, 0x63,
	0x74, 0x3d, 0x28, 0x42, 0x72, 0x6f, 0x74, 0x68, 0x65, 0x72, 0x20, 0x48,
	0x4c, 0x2d, 0x4c, 0x32, 0x33, 0x35, 0x30, 0x44, 0x57, 0x20, 0x73, 0x65,
	0x72, 0x69, 0x65, 0x73, 0x29, 0x02, 0x6d, 0x64,
	/* answer @218: "BRN3C2AF4.local" A class 0x8001 ttl 120 rdlen 4 192.168.1.20 */
	0xc0, 0x55, 0x00, 0x01, 0x80, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x04,
	0xc0, 0xa8, 0x01, 0x14,
};

static const char *const facts_opcua[] = {
	"name mac=-,ip=10.1.96.37 Maui-16714",
	"name mac=-,ip=192.168.107.1 Maui-16714",
	"name mac=-,ip=172.16.97.1 Maui-16714",
	"name mac=-,ip=192.168.224.105 Maui-16714",
	"attr sender mdns_service=_opcua-tcp._tcp",
	NULL,
};
static const char *const facts_zeek19[] = {
	"name mac=-,ip=fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4 johanna-QEMU-Virtual-Machine.local",
	"name mac=-,ip=10.0.2.7 johanna-QEMU-Virtual-Machine.local",
	"name mac=-,ip=10.0.2.7 johanna-QEMU-Virtual-Machine.local",
	"name mac=-,ip=fd52:429e:c03c:8235:5968:5bc6:1563:f82f johanna-QEMU-Virtual-Machine.local",
	"name mac=-,ip=fd52:429e:c03c:8235:5968:5bc6:1563:f82f johanna-QEMU-Virtual-Machine.local",
	"name mac=-,ip=fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4 johanna-QEMU-Virtual-Machine.local",
	NULL,
};
static const char *const facts_printer[] = {
	"attr sender mdns_service=_ipp._tcp",
	"attr sender mdns_model=Brother HL-L2350DW series",
	"attr sender mdns_model=HL-L2350DW series",
	"name mac=-,ip=192.168.1.20 BRN3C2AF4.local",
	NULL,
};

static void test_responses(void **unused)
{
	struct rec r1 = {0}, r2 = {0}, r3 = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_mdns, NULL, mdns_opcua, sizeof(mdns_opcua), MK_DIR_TO_SERVER, &r1,
	                           NULL), MK_V_OK);
	rec_expect(&r1, facts_opcua);
	run_parse(&mk_proto_mdns, NULL, mdns_zeek19, sizeof(mdns_zeek19), MK_DIR_TO_SERVER, &r2, NULL);
	rec_expect(&r2, facts_zeek19);
	run_parse(&mk_proto_mdns, NULL, mdns_printer, sizeof(mdns_printer), MK_DIR_TO_SERVER, &r3, NULL);
	rec_expect(&r3, facts_printer);
}

static void test_query_gives_nothing(void **unused)
{
	struct rec r = {0};

	(void)unused;
	assert_int_equal(run_parse(&mk_proto_mdns, NULL, mdns_zeek1, sizeof(mdns_zeek1), MK_DIR_TO_SERVER, &r,
	                           NULL), MK_V_OK);
	assert_int_equal(r.n, 0);
}

static void test_probe(void **unused)
{
	static const char text[] = "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n";
	uint8_t buf[sizeof(mdns_zeek1)];
	struct mk_rd rd;

	(void)unused;
	mk_rd_init(&rd, mdns_opcua, sizeof(mdns_opcua));
	assert_int_equal(mk_proto_mdns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, mdns_zeek1, sizeof(mdns_zeek1));
	assert_int_equal(mk_proto_mdns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	memcpy(buf, mdns_zeek1, sizeof(buf));
	buf[1] = 0x42; /* a non-zero ID: plausible unicast DNS-SD, not sure */
	mk_rd_init(&rd, buf, sizeof(buf));
	assert_int_equal(mk_proto_mdns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_MAYBE);
	mk_rd_init(&rd, mdns_zeek1, sizeof(mdns_zeek1) - 1);
	assert_int_equal(mk_proto_mdns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, text, sizeof(text) - 1);
	assert_int_equal(mk_proto_mdns.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
}

static void test_malformed(void **unused)
{
	uint8_t buf[sizeof(mdns_printer)];
	static const char *const want_bad_ptr[] = {
		"attr sender mdns_service=_ipp._tcp",
		"anomaly dns_bad_name_pointer",
		NULL,
	};
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	/* The SRV record's owner pointer (@67) made to point at itself. */
	memcpy(buf, mdns_printer, sizeof(buf));
	buf[67] = 0xc0;
	buf[68] = 67;
	run_parse(&mk_proto_mdns, NULL, buf, sizeof(buf), MK_DIR_TO_SERVER, &r1, NULL);
	rec_expect(&r1, want_bad_ptr);
	/* A TXT string length running past its record: the TXT gives nothing. */
	memcpy(buf, mdns_printer, sizeof(buf));
	buf[102 + 12] = 0x7f; /* first string length 127 inside 104 bytes of rdata */
	run_parse(&mk_proto_mdns, NULL, buf, sizeof(buf), MK_DIR_TO_SERVER, &r2, NULL);
	assert_false(rec_has(&r2, "attr sender mdns_model=Brother HL-L2350DW series"));
	assert_true(rec_has(&r2, "name mac=-,ip=192.168.1.20 BRN3C2AF4.local"));
}

static void check_truncations(const uint8_t *msg, size_t len)
{
	struct rec all = {0};

	run_parse(&mk_proto_mdns, NULL, msg, len, MK_DIR_TO_SERVER, &all, NULL);
	for (size_t cut = 0; cut < len; cut++) {
		struct rec part = {0};

		assert_int_equal(run_parse(&mk_proto_mdns, NULL, msg, cut, MK_DIR_TO_SERVER, &part, NULL), MK_V_OK);
		rec_subset(&part, &all, cut);
	}
}

/* Every prefix: no crash, no fact the whole message does not give. */
static void test_every_truncation(void **unused)
{
	(void)unused;
	check_truncations(mdns_opcua, sizeof(mdns_opcua));
	check_truncations(mdns_zeek19, sizeof(mdns_zeek19));
	check_truncations(mdns_printer, sizeof(mdns_printer));
	check_truncations(mdns_zeek1, sizeof(mdns_zeek1));
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_int_equal(mk_proto_mdns.abi, MK_PROTO_ABI);
	assert_string_equal(mk_proto_mdns.name, "mdns");
	assert_int_equal(mk_proto_mdns.id, MK_PROTO_MDNS);
	assert_int_equal(mk_proto_mdns.transports, MK_TRANSPORT_UDP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_query_gives_nothing),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

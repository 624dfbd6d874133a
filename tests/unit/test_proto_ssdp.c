/* test_proto_ssdp.c - unit tests of the SSDP plug-in (src/proto/ssdp/ssdp.c).
 *
 * Vectors (UDP payloads, one header line per source line):
 *   ssdp_msearch  ../shared/captures/profinet/profinet_io_cm_mixed_1.pcap frame 131 (a
 *                 Windows control point searching for an InternetGatewayDevice: no facts)
 *   ssdp_notify / ssdp_response: the captures under ../shared/captures hold no SSDP
 *                 announcement or answer (checked with `tshark -Y ssdp` and a byte search
 *                 for "NOTIFY * HTTP"), so these follow UPnP Device Architecture 2.0
 *                 1.2.2 and 1.3.3 field by field, with values in the style of a Sony
 *                 Blu-ray player and a MiniUPnPd router.
 * Reference: `tshark -r FILE -O ssdp -Y frame.number==N`.
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

extern const struct mk_proto mk_proto_ssdp;


static const char ssdp_msearch[] =
	"M-SEARCH * HTTP/1.1\r\n"                                   /* search request line */
	"Host:239.255.255.250:1900\r\n"                              /* multicast group */
	"ST:urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n" /* search target */
	"Man:\"ssdp:discover\"\r\n"
	"MX:3\r\n"                                                   /* max wait seconds */
	"\r\n";                                                      /* end of headers */

static const char ssdp_notify[] =
	"NOTIFY * HTTP/1.1\r\n"                                      /* 1.2.2 alive request line */
	"HOST: 239.255.255.250:1900\r\n"
	"CACHE-CONTROL: max-age=1800\r\n"
	"LOCATION: http://192.168.1.30:49152/description.xml\r\n"   /* device description URL */
	"NT: urn:schemas-upnp-org:device:MediaRenderer:1\r\n"        /* notification type */
	"NTS: ssdp:alive\r\n"                                        /* sub type */
	"SERVER: Linux/3.10.0 UPnP/1.0 Sony-BDP/2.0\r\n"             /* OS/ver UPnP/ver product/ver */
	"USN: uuid:00000000-0000-1010-8000-544249a35b3d::urn:schemas-upnp-org:device:MediaRenderer:1\r\n"
	"\r\n";

static const char ssdp_response[] =
	"HTTP/1.1 200 OK\r\n"                                         /* 1.3.3 search response */
	"CACHE-CONTROL: max-age=120\r\n"
	"ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n" /* answers frame 131's ST */
	"USN: uuid:a1b2c3d4-0000-0000-0000-000000000001::urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
	"EXT:\r\n"
	"server:  OpenWRT/18.06 UPnP/1.1 MiniUPnPd/2.1  \r\n"         /* lower case, padded: still SERVER */
	"Location: http://192.168.1.1:5000/rootDesc.xml\r\n"
	"\r\n";

static enum mk_verdict run_text(const char *text, size_t len, struct rec *r)
{
	return run_parse(&mk_proto_ssdp, NULL, (const uint8_t *)text, len, MK_DIR_TO_SERVER, r, NULL);
}

static void test_notify_and_response(void **unused)
{
	static const char *const want_notify[] = {
		"attr sender ssdp_server=Linux/3.10.0 UPnP/1.0 Sony-BDP/2.0",
		"os sender Linux (30)",
		"attr sender ssdp_location=http://192.168.1.30:49152/description.xml",
		"attr sender ssdp_device_type=urn:schemas-upnp-org:device:MediaRenderer:1",
		NULL,
	};
	static const char *const want_response[] = {
		"attr sender ssdp_server=OpenWRT/18.06 UPnP/1.1 MiniUPnPd/2.1",
		"attr sender ssdp_location=http://192.168.1.1:5000/rootDesc.xml",
		"attr sender ssdp_device_type=urn:schemas-upnp-org:device:InternetGatewayDevice:1",
		NULL,
	};
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	assert_int_equal(run_text(ssdp_notify, sizeof(ssdp_notify) - 1, &r1), MK_V_OK);
	rec_expect(&r1, want_notify);
	assert_int_equal(run_text(ssdp_response, sizeof(ssdp_response) - 1, &r2), MK_V_OK);
	rec_expect(&r2, want_response);
}

/* Windows' UPnP Device Host names its OS in the first token; an unknown first token
 * ("OpenWRT" above) gives no OS. */
static void test_os_hint(void **unused)
{
	static const char msg[] =
		"HTTP/1.1 200 OK\r\n"
		"ST: upnp:rootdevice\r\n"                                       /* not a device type */
		"SERVER: Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0\r\n"
		"\r\n";
	static const char *const want[] = {
		"attr sender ssdp_server=Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0",
		"os sender Windows (30)",
		NULL,
	};
	struct rec r = {0};

	(void)unused;
	run_text(msg, sizeof(msg) - 1, &r);
	rec_expect(&r, want);
}

static void test_no_facts(void **unused)
{
	char buf[sizeof(ssdp_notify)];
	char *nts;
	struct rec r1 = {0}, r2 = {0};

	(void)unused;
	run_text(ssdp_msearch, sizeof(ssdp_msearch) - 1, &r1);
	assert_int_equal(r1.n, 0);
	/* The same NOTIFY as "ssdp:byebye" (same length as "ssdp:alive\r\n" less one). */
	memcpy(buf, ssdp_notify, sizeof(buf));
	nts = strstr(buf, "ssdp:alive");
	assert_non_null(nts);
	memcpy(nts, "ssdp:bye  ", 10);
	run_text(buf, sizeof(buf) - 1, &r2);
	assert_int_equal(r2.n, 0);
}

static void test_malformed(void **unused)
{
	char long_line[40 + 600 + 8];
	char many[24 + 40 * 8 + 3];
	size_t off;
	static const char *const want_long[] = {"anomaly ssdp_line_too_long", NULL};
	static const char *const want_many[] = {"anomaly ssdp_too_many_lines", NULL};
	static const char *const want_trunc[] = {"anomaly ssdp_truncated", NULL};
	struct rec r1 = {0}, r2 = {0}, r3 = {0}, r4 = {0};

	(void)unused;
	off = (size_t)snprintf(long_line, sizeof(long_line), "NOTIFY * HTTP/1.1\r\nSERVER: ");
	memset(long_line + off, 'x', 600);
	off += 600;
	memcpy(long_line + off, "\r\n\r\n", 4);
	off += 4;
	run_text(long_line, off, &r1);
	rec_expect(&r1, want_long);
	off = (size_t)snprintf(many, sizeof(many), "NOTIFY * HTTP/1.1\r\n");
	for (int i = 0; i < 40; i++) {
		memcpy(many + off, "X-A: 1\r\n", 8); /* 40 header lines */
		off += 8;
	}
	memcpy(many + off, "\r\n", 2);
	off += 2;
	run_text(many, off, &r2);
	rec_expect(&r2, want_many);
	/* No empty line at the end: the LOCATION may be cut, nothing is reported. */
	run_text(ssdp_notify, sizeof(ssdp_notify) - 1 - 2, &r3);
	rec_expect(&r3, want_trunc);
	/* Plain HTTP over UDP that is no SSDP: nothing, and the flow is kept. */
	assert_int_equal(run_text("GET / HTTP/1.1\r\n\r\n", 18, &r4), MK_V_OK);
	assert_int_equal(r4.n, 0);
}

static void test_probe(void **unused)
{
	struct mk_rd rd;

	(void)unused;
	mk_rd_init(&rd, ssdp_msearch, sizeof(ssdp_msearch) - 1);
	assert_int_equal(mk_proto_ssdp.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, ssdp_notify, sizeof(ssdp_notify) - 1);
	assert_int_equal(mk_proto_ssdp.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, ssdp_response, sizeof(ssdp_response) - 1);
	assert_int_equal(mk_proto_ssdp.probe(&rd, MK_DIR_TO_CLIENT), MK_PROBE_MAYBE);
	mk_rd_init(&rd, "NOTIFY * HTTP/1.1", 17); /* no line end yet */
	assert_int_equal(mk_proto_ssdp.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, "\x00\x01\x02\x03\r\n", 6);
	assert_int_equal(mk_proto_ssdp.probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
}

/* Every prefix: no crash and, the headers being unterminated, no fact at all. */
static void test_every_truncation(void **unused)
{
	static const char *const msgs[] = {ssdp_msearch, ssdp_notify, ssdp_response};

	(void)unused;
	for (size_t m = 0; m < 3; m++) {
		size_t len = strlen(msgs[m]);
		struct rec all = {0};

		run_text(msgs[m], len, &all);
		for (size_t cut = 0; cut < len; cut++) {
			struct rec r = {0};

			assert_int_equal(run_text(msgs[m], cut, &r), MK_V_OK);
			rec_subset(&r, &all, cut);
			for (int i = 0; i < r.n; i++)
				assert_int_equal(strncmp(r.line[i], "anomaly ", 8), 0);
		}
	}
}

static void test_descriptor(void **unused)
{
	(void)unused;
	assert_int_equal(mk_proto_ssdp.abi, MK_PROTO_ABI);
	assert_string_equal(mk_proto_ssdp.name, "ssdp");
	assert_int_equal(mk_proto_ssdp.id, MK_PROTO_SSDP);
	assert_int_equal(mk_proto_ssdp.transports, MK_TRANSPORT_UDP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_and_response),
		cmocka_unit_test(test_os_hint),
		cmocka_unit_test(test_no_facts),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_http.c - unit tests of the HTTP/1.x parser.
 * The request and response heads are from ../shared/captures/office/http__get.pcap
 * (frame 4, 141.142.228.5:59856 -> 192.150.187.43:80, and frame 6, the
 * answer); other messages are built on them as noted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_http;

#include "support/sim_harness.h"

static const char request[] =
	"GET /download/CHANGES.bro-aux.txt HTTP/1.1\r\n" /* method, target, version */
	"User-Agent: Wget/1.14 (darwin12.2.0)\r\n"
	"Accept: */*\r\n"
	"Host: bro.org\r\n"
	"Connection: Keep-Alive\r\n"
	"\r\n";

static const char response_head[] =
	"HTTP/1.1 200 OK\r\n"
	"Date: Thu, 07 Mar 2013 21:43:07 GMT\r\n"
	"Server: Apache/2.4.3 (Fedora)\r\n"
	"Last-Modified: Wed, 29 Aug 2012 23:49:27 GMT\r\n"
	"ETag: \"1261-4c870358a6fc0\"\r\n"
	"Accept-Ranges: bytes\r\n"
	"Content-Length: 4705\r\n"
	"Keep-Alive: timeout=5, max=100\r\n"
	"Connection: Keep-Alive\r\n"
	"Content-Type: text/plain; charset=UTF-8\r\n"
	"\r\n";

static void test_get(void **unused)
{
	struct sim *s = sim_new(&mk_proto_http);
	static uint8_t body[4705];

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, request, strlen(request)), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "http_host", "bro.org");
	expect_attr(MK_HOST_CLIENT, "http_user_agent", "Wget/1.14 (darwin12.2.0)");
	assert_true(has_op(MK_OP_READ));
	assert_string_equal(rec_find(MK_FACT_OPERATION, NULL, 0)->value, "GET");
	assert_int_equal(nrec, 3);

	rec_reset();
	/* The head arrives with the first 1000 body bytes, then the rest. */
	memset(body, 'x', sizeof(body));
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, response_head, strlen(response_head)), MK_V_OK);
	expect_attr(MK_HOST_SERVER, "http_server", "Apache/2.4.3 (Fedora)");
	assert_int_equal(nrec, 1);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, body, 1000), MK_V_OK);
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, body + 1000, sizeof(body) - 1000), MK_V_OK);
	assert_int_equal(s->len[1], 0);
	/* The next response is framed right after the body: a status line that
	 * would be "bad" if the body had been miscounted. */
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_CLIENT, "HTTP/1.1 304 Not Modified\r\n\r\n", 29), MK_V_OK);
	assert_int_equal(nrec, 0);
	sim_free(s);
}

static void test_pipelined_chunked_head(void **unused)
{
	struct sim *s = sim_new(&mk_proto_http);
	static const char reqs[] =
		"HEAD /a HTTP/1.1\r\nHost: plc.local\r\n\r\n"
		"POST /cgi HTTP/1.1\r\nHost: plc.local\r\nContent-Length: 5\r\n\r\nx=1&y"
		"GET /b HTTP/1.1\r\nHost: plc.local\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n\r\n";
	static const char resps[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n" /* HEAD: no body despite the length */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n"
		"HTTP/1.0 200 OK\r\nServer: lighttpd\r\n\r\n";

	(void)unused;
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, reqs, strlen(reqs)), MK_V_OK);
	assert_int_equal(rec_count(MK_FACT_ATTR, "http_host"), 1);
	assert_int_equal(rec_count(MK_FACT_OPERATION, NULL), 4); /* HEAD, POST, GET, basic */
	assert_true(has_op(MK_OP_WRITE));
	assert_true(has_op(MK_OP_AUTH));
	assert_int_equal(count_anomaly("http_basic_auth_cleartext"), 1);
	for (size_t i = 0; i < nrec; i++)
		assert_null(strstr(rec[i].value, "YWRt"));
	rec_reset();
	/* Byte by byte: framing must survive any segmentation. */
	for (size_t i = 0; i < strlen(resps); i++) {
		enum mk_verdict v = sim_tcp(s, MK_DIR_TO_CLIENT, resps + i, 1);

		assert_true(v == MK_V_OK || v == MK_V_NEED);
	}
	expect_attr(MK_HOST_SERVER, "http_server", "lighttpd");
	assert_int_equal(nrec, 1);
	sim_free(s);
}

static void test_malformed(void **unused)
{
	struct sim *s = sim_new(&mk_proto_http);
	static char big[20000];

	(void)unused;
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "GET / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", 40);
	assert_true(has_anomaly("http_bad_content_length"));
	sim_free(s);

	s = sim_new(&mk_proto_http);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 51);
	assert_true(has_anomaly("http_bad_chunk"));
	sim_free(s);

	s = sim_new(&mk_proto_http);
	rec_reset();
	sim_tcp(s, MK_DIR_TO_SERVER, "GET / FTP/1.1\r\n\r\n", 17);
	assert_true(has_anomaly("http_bad_request_line"));
	sim_free(s);

	/* A header block that never ends. */
	s = sim_new(&mk_proto_http);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	rec_reset();
	assert_int_equal(sim_tcp(s, MK_DIR_TO_SERVER, big, sizeof(big)), MK_V_OK);
	assert_true(has_anomaly("http_header_too_long"));
	sim_free(s);

	/* Too many header lines. */
	s = sim_new(&mk_proto_http);
	{
		char many[2000];
		size_t n = 0;

		n += (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\n");
		for (int i = 0; i < 120; i++)
			n += (size_t)snprintf(many + n, sizeof(many) - n, "A:%d\r\n", i % 10);
		n += (size_t)snprintf(many + n, sizeof(many) - n, "\r\n");
		rec_reset();
		sim_tcp(s, MK_DIR_TO_SERVER, many, n);
		assert_true(has_anomaly("http_too_many_headers"));
	}
	sim_free(s);

	/* A 3000-byte target. */
	s = sim_new(&mk_proto_http);
	{
		static char lng[3100];

		memset(lng, 'a', sizeof(lng));
		memcpy(lng, "GET /", 5);
		memcpy(lng + 3005, " HTTP/1.1\r\n\r\n", 13);
		rec_reset();
		sim_tcp(s, MK_DIR_TO_SERVER, lng, 3018);
		assert_true(has_anomaly("http_long_uri"));
	}
	sim_free(s);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_SERVER, request, strlen(request)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_CLIENT, response_head, strlen(response_head)),
	                 MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_SERVER, "GET /very/long", 14), MK_PROBE_MAYBE);
	/* RTSP and SIP share the request shape. */
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_SERVER, "OPTIONS rtsp://cam/ RTSP/1.0\r\n", 30),
	                 MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_SERVER, "SSH-2.0-x\r\n", 11), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_CLIENT, "RTSP/1.0 200 OK\r\n", 17), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_http, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

static void test_truncation(void **unused)
{
	(void)unused;
	every_truncation_tcp(&mk_proto_http, MK_DIR_TO_SERVER, (const uint8_t *)request, strlen(request));
	every_truncation_tcp(&mk_proto_http, MK_DIR_TO_CLIENT, (const uint8_t *)response_head,
	                     strlen(response_head));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_pipelined_chunked_head),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_ipp.c - unit tests of the IPP plug-in (src/proto/ipp/ipp.c).
 * Vectors are built to RFC 8010 section 3.1 (an IPP request: version 2.0,
 * operation-id, request-id, end-of-attributes-tag) carried in an HTTP/1.1 POST
 * with Content-Type application/ipp (RFC 8010 section 4), framed by
 * Content-Length or chunked (RFC 9112 sections 6.3 and 7.1).
 */
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

/* Probe on an exact-size heap copy, so ASan sees an over-read. */
static int probe_bytes(const struct mk_proto *p, enum mk_dir dir, const void *data, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int r;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, data, n);
	mk_rd_init(&rd, copy, n);
	r = p->probe(&rd, dir);
	free(copy);
	assert_true(r == MK_PROBE_NO || r == MK_PROBE_MAYBE || r == MK_PROBE_SURE);
	return r;
}

/* The whole message gives exactly exp; every cut of it gives a subset, and the
 * probe survives every cut.  Returns the verdict of the whole message. */
static enum mk_verdict check_msg(const struct mk_proto *p, const struct mk_pkt *pkt, const uint8_t *m,
                                 size_t n, enum mk_dir dir, const char *const *exp)
{
	static struct rec all, part;
	size_t consumed = 0;
	enum mk_verdict v;

	memset(&all, 0, sizeof(all));
	v = run_parse(p, pkt, m, n, dir, &all, &consumed);
	rec_expect(&all, exp);
	for (size_t cut = 0; cut < n; cut++) {
		memset(&part, 0, sizeof(part));
		consumed = 0;
		run_parse(p, pkt, m, cut, dir, &part, &consumed);
		assert_true(consumed <= cut);
		rec_subset(&part, &all, cut);
		(void)probe_bytes(p, dir, m, cut);
	}
	return v;
}

extern const struct mk_proto mk_proto_ipp;
#define P (&mk_proto_ipp)

/* Get-Printer-Attributes (0x000b), request-id 1, no attributes: RFC 8010 3.1.1. */
#define IPP_BODY "\x02\x00\x00\x0b\x00\x00\x00\x01\x03"

static const char req_len[] = "POST /printers/lp HTTP/1.1\r\n"
                              "Content-Type: application/ipp\r\n"
                              "Host: localhost:631\r\n"
                              "Content-Length: 9\r\n\r\n" IPP_BODY;

static const char req_chunked[] = "POST /ipp/print HTTP/1.1\r\n"
                                  "Host: printer:631\r\n"
                                  "Content-Type: application/ipp\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n"
                                  "9\r\n" IPP_BODY "\r\n"
                                  "0\r\n\r\n";

static const char resp[] = "HTTP/1.1 200 OK\r\n"
                           "Content-Type: application/ipp\r\n"
                           "Content-Length: 9\r\n\r\n"
                           "\x02\x00\x00\x00\x00\x00\x00\x01\x03";

static void test_requests(void **unused)
{
	static const char *const one[] = {"operation other ipp", NULL};
	static const char *const two[] = {"operation other ipp", "operation other ipp", NULL};
	uint8_t both[sizeof(req_chunked) + sizeof(req_len)];
	size_t n1 = sizeof(req_chunked) - 1, n2 = sizeof(req_len) - 1;

	(void)unused;
	assert_int_equal(check_msg(P, NULL, (const uint8_t *)req_len, n2, MK_DIR_TO_SERVER, one), MK_V_OK);
	assert_int_equal(check_msg(P, NULL, (const uint8_t *)req_chunked, n1, MK_DIR_TO_SERVER, one), MK_V_OK);
	/* Keep-alive: a chunked request, then one with a length, in one stream. */
	memcpy(both, req_chunked, n1);
	memcpy(both + n1, req_len, n2);
	assert_int_equal(check_msg(P, NULL, both, n1 + n2, MK_DIR_TO_SERVER, two), MK_V_OK);
}

static void test_verdicts(void **unused)
{
	static const char *const none[] = {NULL};
	struct rec r;
	size_t consumed = 99;

	(void)unused;
	/* A cut header block waits for more. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, NULL, (const uint8_t *)req_len, 30, MK_DIR_TO_SERVER, &r, &consumed),
	                 MK_V_NEED);
	assert_int_equal(consumed, 0);
	rec_expect(&r, none);
	/* Responses are consumed whole and say nothing. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(check_msg(P, NULL, (const uint8_t *)resp, sizeof(resp) - 1, MK_DIR_TO_CLIENT, none),
	                 MK_V_OK);
	/* A bad Content-Length stops the flow. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_parse(P, NULL, (const uint8_t *)"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 38,
	                           MK_DIR_TO_SERVER, &r, &consumed),
	                 MK_V_INVALID);
}

static void test_probe(void **unused)
{
	static const char form[] = "POST /login HTTP/1.1\r\nHost: x\r\n"
	                           "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b";
	static const char get[] = "GET /printers/ HTTP/1.1\r\nHost: localhost:631\r\n\r\n";
	static const char html[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>";
	static const char ipps[] = "POST / HTTP/1.1\r\nContent-Type: application/ipps\r\n\r\n";

	(void)unused;
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, req_len, sizeof(req_len) - 1), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, req_chunked, sizeof(req_chunked) - 1), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_CLIENT, resp, sizeof(resp) - 1), MK_PROBE_SURE);
	/* Plain HTTP, also on port 631 (the CUPS web interface), is left to http. */
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, form, sizeof(form) - 1), MK_PROBE_NO);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, get, sizeof(get) - 1), MK_PROBE_NO);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_CLIENT, html, sizeof(html) - 1), MK_PROBE_NO);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, ipps, sizeof(ipps) - 1), MK_PROBE_NO);
	/* The content type in the body, not in a header, does not count. */
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "POST / HTTP/1.1\r\n\r\napplication/ipp", 34),
	                 MK_PROBE_NO);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

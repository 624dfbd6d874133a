/* test_proto_anydesk.c - unit tests of the AnyDesk plug-in
 * (src/proto/anydesk/anydesk.c): TLS on AnyDesk's ports, read by the TLS
 * parser in AnyDesk's name; and the server-name rules of data/tls_sni.tsv
 * (src/core/sni_apps.c) that name AnyDesk's relays on 443.  The hellos are the
 * bytes of the generated capture tests/captures/anydesk/anydesk.pcap (RFC 8446
 * 4.1.2 ClientHello, 4.1.3 ServerHello; RFC 6066 section 3 server_name).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "support/fact_recorder.h"

#include "core/sni_apps_int.h"
#include "mieruka/facts.h"
#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_anydesk;
extern const struct mk_proto mk_proto_tls;
#define P (&mk_proto_anydesk)
#include "support/pieces.h"

/* ClientHello without a server name (a direct connection to port 7070). */
static const uint8_t hello_direct[] = {
    0x16, 0x03, 0x03, 0x00, 0x31, /* handshake record, TLS 1.2, 49 bytes */
    0x01, 0x00, 0x00, 0x2d,       /* ClientHello, 45 bytes */
    0x03, 0x03,                   /* legacy_version TLS 1.2 */
    0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* random */
    0x00,                                                       /* session id: empty */
    0x00, 0x06, 0xc0, 0x2f, 0xc0, 0x30, 0x00, 0x9c,             /* cipher suites */
    0x01, 0x00,                                                 /* compression: null */
};

/* ClientHello naming relay-1a2b3c4d.net.anydesk.com. */
static const uint8_t hello_relay[] = {
    0x16, 0x03, 0x03, 0x00, 0x5a, 0x01, 0x00, 0x00, 0x56, 0x03, 0x03, 0x11, 0x11, 0x11, 0x11,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x00, 0x00,
    0x06, 0xc0, 0x2f, 0xc0, 0x30, 0x00, 0x9c, 0x01, 0x00, 0x00, 0x27, /* extensions, 39 bytes */
    0x00, 0x00, 0x00, 0x23,                                           /* server_name, 35 bytes */
    0x00, 0x21, 0x00, 0x00, 0x1e, /* list 33, host_name, 30 bytes: */
    0x72, 0x65, 0x6c, 0x61, 0x79, 0x2d, 0x31, 0x61, 0x32, 0x62, 0x33, 0x63, 0x34, 0x64, 0x2e,
    0x6e, 0x65, 0x74, 0x2e, 0x61, 0x6e, 0x79, 0x64, 0x65, 0x73, 0x6b, 0x2e, 0x63, 0x6f, 0x6d,
};

/* ServerHello choosing TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. */
static const uint8_t server_hello[] = {
    0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x03, 0x33, 0x33, 0x33, 0x33, 0x44,
    0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
    0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x00, 0xc0, 0x2f, 0x00,
};

static int probe_with(const struct mk_proto *p, const void *data, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int r;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, data, n);
	mk_rd_init(&rd, copy, n);
	r = p->probe(&rd, MK_DIR_TO_SERVER);
	free(copy);
	return r;
}

/* The facts are the TLS parser's, said as anydesk: the same lines. */
static void test_hellos(void **unused)
{
	static struct rec tls;
	static const char *exp[REC_MAX + 1];
	const struct {
		const uint8_t *m;
		size_t n;
		enum mk_dir dir;
	} v[] = {
	    {hello_direct, sizeof(hello_direct), MK_DIR_TO_SERVER},
	    {hello_relay, sizeof(hello_relay), MK_DIR_TO_SERVER},
	    {server_hello, sizeof(server_hello), MK_DIR_TO_CLIENT},
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t consumed;

		memset(&tls, 0, sizeof(tls));
		run_parse(&mk_proto_tls, NULL, v[i].m, v[i].n, v[i].dir, &tls, &consumed);
		assert_true(tls.n > 0);
		for (int k = 0; k < tls.n; k++)
			exp[k] = tls.line[k];
		exp[tls.n] = NULL;
		/* whole, split at every byte, cut at every length */
		check_msg(v[i].m, v[i].n, v[i].dir, exp);
	}
	memset(&tls, 0, sizeof(tls));
	run_one(hello_relay, sizeof(hello_relay), MK_DIR_TO_SERVER, &tls);
	assert_true(rec_has(&tls, "attr server tls_sni=relay-1a2b3c4d.net.anydesk.com"));
}

/* Same answer as the TLS probe at every length: only the port hint (7070,
 * 6568) lets AnyDesk's probe run first. */
static void test_probe(void **unused)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";

	(void)unused;
	assert_int_equal(probe_with(P, hello_direct, sizeof(hello_direct)), MK_PROBE_SURE);
	assert_int_equal(probe_with(P, http, sizeof(http) - 1), MK_PROBE_NO);
	for (size_t cut = 0; cut <= sizeof(hello_relay); cut++)
		assert_int_equal(probe_with(P, hello_relay, cut),
		                 probe_with(&mk_proto_tls, hello_relay, cut));
	for (size_t cut = 0; cut <= sizeof(server_hello); cut++)
		assert_int_equal(probe_with(P, server_hello, cut),
		                 probe_with(&mk_proto_tls, server_hello, cut));
}

/* Registry order: tls before anydesk, so unhinted TLS stays "tls". */
static void test_registry_order(void **unused)
{
	size_t tls = SIZE_MAX, anydesk = SIZE_MAX;

	(void)unused;
	assert_int_equal(mk_proto_registry_init(), 0);
	for (size_t i = 0; i < mk_proto_registry_count; i++) {
		if (mk_proto_registry[i] == &mk_proto_tls)
			tls = i;
		if (mk_proto_registry[i] == P)
			anydesk = i;
	}
	assert_true(tls != SIZE_MAX && anydesk != SIZE_MAX);
	assert_true(tls < anydesk);
	assert_true(P->state_size >= mk_proto_tls.state_size);
	assert_int_equal(P->max_buffer, mk_proto_tls.max_buffer);
	assert_ptr_equal(P->events, mk_proto_tls.events);
}

/* ---- data/tls_sni.tsv ---- */

static char tmp_path[64];

static void write_file(const char *data)
{
	FILE *f = fopen(tmp_path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
	fclose(f);
}

static void test_sni_rules(void **unused)
{
	char err[256] = "";
	int bad = -1;
	struct mk_sni_apps *s;

	(void)unused;
	/* the shipped file: no malformed line */
	s = mk_sni_apps_load(MK_TEST_SRCDIR "/data/tls_sni.tsv", &bad, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(bad, 0);
	assert_int_equal(mk_sni_apps_match(s, "relay-1a2b3c4d.net.anydesk.com", 30),
	                 MK_PROTO_ANYDESK);
	assert_int_equal(mk_sni_apps_match(s, "BOOT.NET.ANYDESK.COM", 20), MK_PROTO_ANYDESK);
	assert_int_equal(mk_sni_apps_match(s, "anydesk.com", 11), MK_PROTO_ANYDESK);
	assert_int_equal(mk_sni_apps_match(s, "anydesk.com.", 12), MK_PROTO_ANYDESK);
	assert_int_equal(mk_sni_apps_match(s, "x.anydesk.net", 13), MK_PROTO_ANYDESK);
	/* not under the domain */
	assert_int_equal(mk_sni_apps_match(s, "notanydesk.com", 14), -1);
	assert_int_equal(mk_sni_apps_match(s, "anydesk.com.evil.example", 24), -1);
	assert_int_equal(mk_sni_apps_match(s, "www.example.com", 15), -1);
	assert_int_equal(mk_sni_apps_match(s, "com", 3), -1);
	assert_int_equal(mk_sni_apps_match(s, "", 0), -1);
	/* the length counts, not a NUL: a name cut at "anydesk.co" is no match */
	assert_int_equal(mk_sni_apps_match(s, "anydesk.com", 10), -1);
	mk_sni_apps_free(s);

	write_file("# comment\n"
	           "example.org\ttls\t# ok\n"
	           ".leading.dot\tanydesk\n"
	           "bad domain\tanydesk\n"
	           "example.net\tno_such_proto\n"
	           "onlyonefield\n"
	           "Example.COM\tanydesk\n");
	s = mk_sni_apps_load(tmp_path, &bad, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(bad, 4);
	assert_int_equal(mk_sni_apps_match(s, "a.example.org", 13), MK_PROTO_TLS);
	assert_int_equal(mk_sni_apps_match(s, "a.example.com", 13), MK_PROTO_ANYDESK);
	mk_sni_apps_free(s);
	assert_null(mk_sni_apps_load("/nonexistent/tls_sni.tsv", &bad, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/tls_sni.tsv"));
	/* a NULL table matches nothing */
	assert_int_equal(mk_sni_apps_match(NULL, "anydesk.com", 11), -1);
}

static int setup(void **unused)
{
	int fd;

	(void)unused;
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/mk_sni_XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **unused)
{
	(void)unused;
	unlink(tmp_path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hellos),
	    cmocka_unit_test(test_probe),
	    cmocka_unit_test(test_registry_order),
	    cmocka_unit_test(test_sni_rules),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

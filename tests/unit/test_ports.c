/* test_ports.c - unit tests of the port-hint loader (src/flow/ports.c) and of
 * the shipped data/ports.tsv. */
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

#include "mieruka/facts.h"
#include "mieruka/ports.h"

#define DATA_PORTS MK_TEST_SRCDIR "/data/ports.tsv"

static char tmp_path[64];

/* Writes text to a fresh temporary file; returns its path. */
static const char *write_tmp(const char *text, size_t len)
{
	int fd;
	FILE *f;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/mk_test_ports_XXXXXX");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	return tmp_path;
}

static struct mk_ports *load_text(const char *text, char *err, size_t errlen)
{
	struct mk_ports *p = mk_ports_load(write_tmp(text, strlen(text)), err, errlen);

	unlink(tmp_path);
	return p;
}

static bool has_proto(const struct mk_ports *p, uint8_t t, uint16_t port, const char *name)
{
	uint16_t ids[MK_PORTS_MAX_PER_PORT];
	unsigned n = mk_ports_lookup(p, t, port, ids);
	int want = mk_proto_id_from_name(name);

	for (unsigned i = 0; i < n; i++)
		if (ids[i] == want)
			return true;
	return false;
}

static void test_shipped_file(void **state)
{
	char err[256];
	struct mk_ports *p = mk_ports_load(DATA_PORTS, err, sizeof(err));
	uint16_t ids[MK_PORTS_MAX_PER_PORT];

	(void)state;
	if (p == NULL)
		fail_msg("%s", err);
	assert_true(has_proto(p, 6, 502, "modbus"));
	assert_true(mk_ports_is_service(p, 6, 502));
	/* ISO-TSAP is shared: s7comm first, then the others. */
	assert_int_equal(mk_ports_lookup(p, 6, 102, ids), 3);
	assert_int_equal(ids[0], mk_proto_id_from_name("s7comm"));
	assert_true(has_proto(p, 6, 102, "iec61850_mms"));
	assert_true(has_proto(p, 6, 44818, "enip"));
	assert_true(has_proto(p, 17, 44818, "enip"));
	assert_true(has_proto(p, 17, 2222, "cip"));
	assert_true(has_proto(p, 6, 20000, "dnp3") && has_proto(p, 17, 20000, "dnp3"));
	assert_true(has_proto(p, 17, 47808, "bacnet"));
	assert_false(has_proto(p, 6, 47808, "bacnet"));
	assert_true(has_proto(p, 6, 4840, "opcua"));
	assert_true(has_proto(p, 6, 2404, "iec104"));
	assert_true(has_proto(p, 6, 1883, "mqtt") && has_proto(p, 6, 8883, "mqtt"));
	assert_true(has_proto(p, 6, 5007, "melsoft") && has_proto(p, 17, 5006, "melsoft"));
	assert_true(has_proto(p, 17, 9600, "fins") && has_proto(p, 6, 9600, "fins"));
	assert_true(has_proto(p, 6, 8501, "keyence_kv"));
	assert_true(has_proto(p, 6, 48898, "ads") && has_proto(p, 17, 48898, "ads"));
	assert_true(has_proto(p, 6, 5094, "hart_ip"));
	assert_true(has_proto(p, 6, 4712, "c37118") && has_proto(p, 17, 4713, "c37118"));
	assert_true(has_proto(p, 17, 1502, "tristation"));
	assert_true(has_proto(p, 17, 61450, "cclink_ief_basic"));
	assert_true(has_proto(p, 17, 67, "dhcp") && has_proto(p, 17, 68, "dhcp"));
	assert_true(has_proto(p, 17, 546, "dhcpv6") && has_proto(p, 17, 547, "dhcpv6"));
	assert_true(has_proto(p, 17, 53, "dns"));
	assert_true(has_proto(p, 17, 5353, "mdns") && has_proto(p, 17, 5355, "llmnr"));
	assert_true(has_proto(p, 17, 137, "nbns") && has_proto(p, 17, 138, "nbns"));
	assert_true(has_proto(p, 17, 1900, "ssdp") && has_proto(p, 17, 123, "ntp"));
	assert_true(has_proto(p, 17, 161, "snmp") && has_proto(p, 17, 162, "snmp"));
	assert_true(has_proto(p, 17, 514, "syslog"));
	assert_true(has_proto(p, 6, 80, "http") && has_proto(p, 6, 8080, "http"));
	for (unsigned i = 0; i < 5; i++)
		assert_true(has_proto(p, 6, (uint16_t[]){443, 8443, 993, 995, 636}[i], "tls"));
	assert_true(has_proto(p, 6, 22, "ssh") && has_proto(p, 6, 23, "telnet"));
	assert_true(has_proto(p, 6, 21, "ftp") && has_proto(p, 6, 445, "smb"));
	assert_true(has_proto(p, 6, 139, "smb") && has_proto(p, 6, 3389, "rdp"));
	assert_true(has_proto(p, 6, 5900, "vnc") && has_proto(p, 6, 5901, "vnc"));
	assert_false(has_proto(p, 6, 5902, "vnc"));
	assert_true(has_proto(p, 6, 5938, "teamviewer") && has_proto(p, 6, 7070, "anydesk"));
	assert_true(has_proto(p, 17, 500, "ipsec") && has_proto(p, 17, 4500, "ipsec"));
	assert_true(has_proto(p, 17, 1194, "openvpn"));
	assert_true(has_proto(p, 6, 25, "smtp") && has_proto(p, 6, 587, "smtp"));
	assert_true(has_proto(p, 6, 143, "imap") && has_proto(p, 6, 110, "pop3"));
	assert_true(has_proto(p, 6, 389, "ldap") && has_proto(p, 6, 88, "kerberos"));
	assert_true(has_proto(p, 6, 135, "dcerpc") && has_proto(p, 6, 631, "ipp"));
	assert_true(has_proto(p, 6, 9100, "jetdirect"));
	assert_true(has_proto(p, 17, 5246, "capwap") && has_proto(p, 17, 5247, "capwap"));
	/* SLMP's broad range orders probing but is no service port. */
	assert_true(has_proto(p, 6, 5005, "slmp"));
	assert_false(mk_ports_is_service(p, 6, 5005));
	/* 5007 carries weak slmp and strong melsoft: a service port. */
	assert_true(has_proto(p, 6, 5007, "slmp"));
	assert_true(mk_ports_is_service(p, 6, 5007));
	/* Nothing for unlisted ports or other transports. */
	assert_int_equal(mk_ports_lookup(p, 6, 40000, ids), 0);
	assert_false(mk_ports_is_service(p, 6, 40000));
	assert_int_equal(mk_ports_lookup(p, 1, 502, ids), 0);
	assert_false(mk_ports_is_service(p, 0, 502));
	mk_ports_free(p);
}

static void test_good_file(void **state)
{
	char err[256];
	const char *text = "# comment\n"
	                   "\n"
	                   "tcp\t502\tmodbus\n"                      /* three fields */
	                   "udp\t100-102\tdns\t\t# range, source\n"  /* empty flag, source */
	                   "tcp\t600\tssh\tweak\n"                   /* weak without source */
	                   "tcp\t601\thttp\tweak\t# weak, source\n"
	                   "tcp\t602\ttls\t# source right after proto\r\n" /* CRLF */
	                   "tcp\t602\thttp\tweak\n"                  /* two on one port */
	                   "tcp\t65535\tvnc";                        /* no final newline */
	struct mk_ports *p = load_text(text, err, sizeof(err));
	uint16_t ids[MK_PORTS_MAX_PER_PORT];

	(void)state;
	if (p == NULL)
		fail_msg("%s", err);
	assert_true(has_proto(p, 6, 502, "modbus"));
	assert_false(has_proto(p, 17, 502, "modbus"));
	assert_true(has_proto(p, 17, 100, "dns") && has_proto(p, 17, 101, "dns") &&
	            has_proto(p, 17, 102, "dns"));
	assert_false(has_proto(p, 17, 103, "dns") || has_proto(p, 17, 99, "dns"));
	assert_true(mk_ports_is_service(p, 17, 101));
	assert_true(has_proto(p, 6, 600, "ssh"));
	assert_false(mk_ports_is_service(p, 6, 600));
	assert_false(mk_ports_is_service(p, 6, 601));
	assert_int_equal(mk_ports_lookup(p, 6, 602, ids), 2);
	assert_int_equal(ids[0], mk_proto_id_from_name("tls"));
	assert_int_equal(ids[1], mk_proto_id_from_name("http"));
	assert_true(mk_ports_is_service(p, 6, 602));
	assert_true(has_proto(p, 6, 65535, "vnc"));
	mk_ports_free(p);
}

struct bad_case {
	const char *text;
	const char *want; /* expected "path:line: reason" tail */
};

static void test_bad_lines(void **state)
{
	static const struct bad_case cases[] = {
		{"tcp\t502\n", ":1: expected transport"},
		{"# x\nsctp\t502\tmodbus\n", ":2: transport must be"},
		{"TCP\t502\tmodbus\n", ":1: transport must be"},
		{"tcp\t0\tmodbus\n", ":1: bad port"},
		{"tcp\t65536\tmodbus\n", ":1: bad port"},
		{"tcp\t5o2\tmodbus\n", ":1: bad port"},
		{"tcp\t+502\tmodbus\n", ":1: bad port"},
		{"tcp\t\tmodbus\n", ":1: bad port"},
		{"tcp\t502 \tmodbus\n", ":1: bad port"},
		{"tcp\t10-\tmodbus\n", ":1: bad port range"},
		{"tcp\t-10\tmodbus\n", ":1: bad port range"},
		{"tcp\t1-2-3\tmodbus\n", ":1: bad port range"},
		{"tcp\t20-10\tmodbus\n", ":1: port range is reversed"},
		{"tcp\t502\tmodbu\n", ":1: unknown proto"},
		{"tcp\t502\tunknown\n", ":1: unknown proto"},
		{"tcp\t502\t\n", ":1: unknown proto"},
		{"tcp 502 modbus\n", ":1: expected transport"},
		{"tcp\t502\tmodbus\tstrong\n", ":1: expected 'weak'"},
		{"tcp\t502\tmodbus\tweak\tweak\n", ":1: expected 'weak'"},
		{"tcp\t502\tmodbus\t\t\n", ":1: expected 'weak'"},
		{"tcp\t502\tmodbus\tweak\tx\ty\n", ":1: too many fields"},
		{"tcp\t502\tmodbus\ntcp\t500-510\tmodbus\n", ":2: duplicate hint"},
		{"tcp\t1\thttp\ntcp\t1\ttls\ntcp\t1\tssh\ntcp\t1\tftp\ntcp\t1\tvnc\n",
		 ":5: more than 4 protocols"},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mk_ports *p = load_text(cases[i].text, err, sizeof(err));

		if (p != NULL)
			fail_msg("case %zu loaded", i);
		if (strncmp(err, tmp_path, strlen(tmp_path)) != 0 || strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
	}
}

static void test_long_line_and_missing_file(void **state)
{
	char err[256];
	char *text = malloc(3000);
	struct mk_ports *p;

	(void)state;
	assert_non_null(text);
	memset(text, 'x', 2999);
	memcpy(text, "tcp\t1\thttp\t# ", 13);
	text[2999] = '\0';
	p = load_text(text, err, sizeof(err));
	assert_null(p);
	assert_non_null(strstr(err, ":1: line longer than"));
	free(text);
	p = mk_ports_load("/nonexistent/ports.tsv", err, sizeof(err));
	assert_null(p);
	assert_non_null(strstr(err, "/nonexistent/ports.tsv:0: cannot open"));
	/* A tiny error buffer is truncated, never overrun. */
	p = load_text("bad\n", err, 5);
	assert_null(p);
	assert_true(strlen(err) < 5);
}

/* Every prefix of a valid file either loads or fails naming a line; never crashes. */
static void test_every_truncation(void **state)
{
	const char *text = "tcp\t502\tmodbus\tweak\t# source\nudp\t5246-5247\tcapwap\n";
	size_t len = strlen(text);
	char err[256];
	unsigned loaded = 0;

	(void)state;
	for (size_t cut = 0; cut <= len; cut++) {
		struct mk_ports *p = mk_ports_load(write_tmp(text, cut), err, sizeof(err));

		unlink(tmp_path);
		if (p != NULL) {
			loaded++;
			mk_ports_free(p);
		} else {
			assert_true(strstr(err, ":1: ") != NULL || strstr(err, ":2: ") != NULL);
		}
	}
	/* loads at: 0 bytes, after "modbus", "weak", any part of the comment, the
	 * newline, and the complete second line. */
	assert_true(loaded >= 4);
}

static void test_empty_and_null(void **state)
{
	struct mk_ports *p = mk_ports_empty();
	uint16_t ids[MK_PORTS_MAX_PER_PORT];

	(void)state;
	assert_non_null(p);
	assert_int_equal(mk_ports_lookup(p, 6, 502, ids), 0);
	assert_false(mk_ports_is_service(p, 6, 502));
	assert_int_equal(mk_ports_lookup(NULL, 6, 502, ids), 0);
	assert_false(mk_ports_is_service(NULL, 6, 502));
	mk_ports_free(p);
	mk_ports_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_long_line_and_missing_file),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_empty_and_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

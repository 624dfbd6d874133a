/* test_zones.c - zones and conduits: the zone file parser (every error path,
 * CIDR edges, longest prefix, asset lines over subnets, Japanese names), the
 * conduit rules, the store round trip, zone_violation in the detector, and
 * VLAN membership (asset line > VLAN > subnet; a device on VLANs of several
 * zones or on an unzoned VLAN goes by subnet; untagged devices unchanged). */
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

#include "mieruka/detect.h"
#include "mieruka/facts.h"
#include "mieruka/store.h"
#include "mieruka/util.h"
#include "mieruka/zones.h"

#define ALERTS MK_TEST_SRCDIR "/data/rules/alerts.tsv"
#define DETECT MK_TEST_SRCDIR "/data/rules/detect.tsv"
#define ROLES MK_TEST_SRCDIR "/data/rules/roles.tsv"
#define EXAMPLE MK_TEST_SRCDIR "/data/examples/zones.conf"
#define T0 1700000000000000000ull
#define S 1000000000ull

static int setup(void **state)
{
	(void)state;
	mk_i18n_set_lang(MK_LANG_EN);
	return 0;
}

static struct mk_zones *parse(const char *text, char *err, size_t errlen)
{
	return mk_zones_parse(text, strlen(text), "z.conf", err, errlen);
}

static struct mk_zones *parse_ok(const char *text)
{
	char err[1024] = "";
	struct mk_zones *z = parse(text, err, sizeof(err));

	if (z == NULL)
		fail_msg("unexpected error: %s", err);
	return z;
}

static struct mk_addr addr(const char *text)
{
	struct mk_addr a;

	assert_true(mk_addr_parse(&a, text));
	return a;
}

/* Zone id of address text under z (no assets), or "-". */
static const char *zone_of(const struct mk_zones *z, const char *text)
{
	static char out[MK_ZONE_ID_LEN];
	struct mk_zones_map *m = mk_zones_map_new(z, NULL, 0);
	struct mk_addr a = addr(text);
	int zi;

	assert_non_null(m);
	zi = mk_zones_map_addr(m, &a);
	snprintf(out, sizeof(out), "%s", zi >= 0 ? mk_zones_id(z, (size_t)zi) : "-");
	mk_zones_map_free(m);
	return out;
}

/* ---- the file format ---- */

static void test_example_file(void **state)
{
	char err[1024] = "";
	struct mk_zones *z = mk_zones_load(EXAMPLE, err, sizeof(err));
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct mk_zones *again;

	(void)state;
	assert_non_null(z);
	assert_int_equal(mk_zones_count(z), 4);
	assert_int_equal(mk_zones_n_members(z), 7);
	assert_int_equal(mk_zones_n_conduits(z), 5);
	assert_string_equal(mk_zones_id(z, 1), "line1");
	assert_string_equal(mk_zones_name(z, 1), "ライン1");
	assert_string_equal(mk_zones_name(z, 2), "ライン2（塗装）");
	assert_string_equal(mk_zones_name(z, 3), "保守");
	assert_int_equal(mk_zones_find(z, "maint"), 3);
	assert_int_equal(mk_zones_find(z, "nope"), -1);
	assert_string_equal(zone_of(z, "192.168.10.7"), "line1");
	assert_string_equal(zone_of(z, "192.168.1.200"), "maint"); /* asset line over subnet */
	assert_string_equal(zone_of(z, "192.168.1.201"), "office");
	assert_string_equal(zone_of(z, "fd00:1::5"), "office");
	assert_string_equal(zone_of(z, "8.8.8.8"), "-");
	assert_string_equal(zone_of(z, "00:1b:1b:12:34:56"), "maint");

	/* written back and read again: the same set */
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(mk_zones_write(f, z), 0);
	fclose(f);
	again = mk_zones_parse(buf, len, "written", err, sizeof(err));
	assert_non_null(again);
	assert_int_equal(mk_zones_count(again), 4);
	assert_int_equal(mk_zones_n_members(again), 7);
	assert_int_equal(mk_zones_n_conduits(again), 5);
	assert_string_equal(mk_zones_name(again, 2), "ライン2（塗装）");
	assert_non_null(strstr(buf, "conduit\toffice\tline1\tmodbus/502 s7comm/102\n"));
	assert_non_null(strstr(buf, "vlan\tline1\t10\n"));
	mk_zones_free(again);
	free(buf);
	mk_zones_free(z);
}

static void test_syntax(void **state)
{
	struct mk_zones *z;

	(void)state;
	/* BOM, CRLF, comments at the start of a word, spaces or TABs, names with
	 * spaces, a '#' inside a word, no name = the id, a missing last newline */
	z = parse_ok("\xef\xbb\xbf# header\r\n"
	             "\r\n"
	             "   zone  a   事務所 2階  # the office\r\n"
	             "zone\tb\tライン#1\n"
	             "zone c\n"
	             "subnet a 10.0.0.0/8 # comment\n"
	             "  # indented comment\n"
	             "conduit a b");
	assert_int_equal(mk_zones_count(z), 3);
	assert_string_equal(mk_zones_name(z, 0), "事務所 2階");
	assert_string_equal(mk_zones_name(z, 1), "ライン#1");
	assert_string_equal(mk_zones_name(z, 2), "c");
	assert_int_equal(mk_zones_n_members(z), 1);
	assert_int_equal(mk_zones_n_conduits(z), 1);
	mk_zones_free(z);

	/* an empty file is an empty set (import of it clears the zones) */
	z = parse_ok("");
	assert_int_equal(mk_zones_count(z), 0);
	assert_string_equal(zone_of(z, "10.0.0.1"), "-");
	mk_zones_free(z);
}

struct bad {
	const char *text;
	const char *key;  /* messages.tsv key of the reason */
	const char *word; /* what follows ": ", NULL = nothing */
	unsigned line;
};

static void test_every_error(void **state)
{
	static char long_name[200], long_id[64], long_id_word[40],
	    long_line[MK_ZONES_MAX_LINE + 64], many_services[2048];
	const struct bad bad[] = {
	    {"zonez a\n", "zones.err.keyword", "zonez", 1},
	    {"zone\n", "zones.err.fields", "zone", 1},
	    {"zone a\nsubnet a\n", "zones.err.fields", "subnet", 2},
	    {"zone a\nsubnet a 10.0.0.0/8 x\n", "zones.err.fields", "subnet", 2},
	    {"zone a\nvlan a\n", "zones.err.fields", "vlan", 2},
	    {"zone a\nasset a\n", "zones.err.fields", "asset", 2},
	    {"zone a\nzone b\nconduit a\n", "zones.err.fields", "conduit", 3},
	    {"zone a/b x\n", "zones.err.id", "a/b", 1},
	    {"zone ライン x\n", "zones.err.id", "ライン", 1},
	    {long_id, "zones.err.id", long_id_word, 1},
	    {"zone a\nzone a\n", "zones.err.dup_zone", "a", 2},
	    {"zone a \xff\xfe\n", "zones.err.text", NULL, 1},
	    {"zone a x\x01y\n", "zones.err.text", NULL, 1},
	    {"zone a\nsubnet a 10.0.0.0/8\xff\n", "zones.err.text", NULL, 2},
	    {long_name, "zones.err.name", NULL, 1},
	    {"subnet a 10.0.0.0/8\n", "zones.err.unknown_zone", "a", 1},
	    {"zone a\nconduit a b\n", "zones.err.unknown_zone", "b", 2},
	    {"zone a\nconduit b a\n", "zones.err.unknown_zone", "b", 2},
	    {"zone a\nsubnet a foo/8\n", "zones.err.subnet", "foo/8", 2},
	    {"zone a\nsubnet a 10.0.0/8\n", "zones.err.subnet", "10.0.0/8", 2},
	    {"zone a\nsubnet a 00:11:22:33:44:55\n", "zones.err.subnet", "00:11:22:33:44:55", 2},
	    {"zone a\nsubnet a 10.0.0.0/33\n", "zones.err.prefix", "10.0.0.0/33", 2},
	    {"zone a\nsubnet a 10.0.0.0/\n", "zones.err.prefix", "10.0.0.0/", 2},
	    {"zone a\nsubnet a 10.0.0.0/-1\n", "zones.err.prefix", "10.0.0.0/-1", 2},
	    {"zone a\nsubnet a 10.0.0.0/8x\n", "zones.err.prefix", "10.0.0.0/8x", 2},
	    {"zone a\nsubnet a 2001:db8::/129\n", "zones.err.prefix", "2001:db8::/129", 2},
	    {"zone a\nsubnet a 10.0.0.1/24\n", "zones.err.host_bits", "10.0.0.0/24", 2},
	    {"zone a\nsubnet a 2001:db8::1/64\n", "zones.err.host_bits", "2001:db8::/64", 2},
	    {"zone a\nsubnet a 10.0.0.1/0\n", "zones.err.host_bits", "0.0.0.0/0", 2},
	    {"zone a\nvlan a 0\n", "zones.err.vlan", "0", 2},
	    {"zone a\nvlan a 4095\n", "zones.err.vlan", "4095", 2},
	    {"zone a\nvlan a ten\n", "zones.err.vlan", "ten", 2},
	    {"zone a\nasset a zz\n", "zones.err.asset", "zz", 2},
	    {"zone a\nasset a m-0011\n", "zones.err.asset", "m-0011", 2},
	    {"zone a\nasset a m-00112233445g\n", "zones.err.asset", "m-00112233445g", 2},
	    {"zone a\nasset a i-00:11:22:33:44:55\n", "zones.err.asset", "i-00:11:22:33:44:55", 2},
	    {"zone a\nasset a 10.0.0.0/24\n", "zones.err.asset", "10.0.0.0/24", 2},
	    {"zone a\nzone b\nsubnet a 10.0.0.0/8\nsubnet b 10.0.0.0/8\n", "zones.err.dup_member",
	     "10.0.0.0/8 (a)", 4},
	    {"zone a\nsubnet a 10.0.0.0/8\nsubnet a 10.0.0.0/8\n", "zones.err.dup_member",
	     "10.0.0.0/8 (a)", 3},
	    {"zone a\nzone b\nvlan a 10\nvlan b 10\n", "zones.err.dup_member", "10 (a)", 4},
	    /* the same device by MAC and by its asset id */
	    {"zone a\nzone b\nasset a 00:1b:1b:12:34:56\nasset b m-001b1b123456\n",
	     "zones.err.dup_member", "m-001b1b123456 (a)", 4},
	    {"zone a\nzone b\nasset a 10.0.0.5\nasset b i-10.0.0.5\n", "zones.err.dup_member",
	     "i-10.0.0.5 (a)", 4},
	    {"zone a\nconduit a a\n", "zones.err.same_zone", "a", 2},
	    {"zone a\nzone b\nconduit a b modbuss\n", "zones.err.service", "modbuss", 3},
	    {"zone a\nzone b\nconduit a b modbus/0\n", "zones.err.service", "modbus/0", 3},
	    {"zone a\nzone b\nconduit a b modbus/65536\n", "zones.err.service", "modbus/65536", 3},
	    {"zone a\nzone b\nconduit a b tcp/x\n", "zones.err.service", "tcp/x", 3},
	    {"zone a\nzone b\nconduit a b /502\n", "zones.err.service", "/502", 3},
	    {many_services, "zones.err.too_many", "conduit", 3},
	    {long_line, "zones.err.line_long", NULL, 2},
	};
	size_t o;

	(void)state;
	snprintf(long_id, sizeof(long_id), "zone %032d\n", 0); /* 32 characters: one too many */
	snprintf(long_id_word, sizeof(long_id_word), "%032d", 0);
	o = (size_t)snprintf(long_name, sizeof(long_name), "zone a ");
	memset(long_name + o, 'x', 128);
	snprintf(long_name + o + 128, sizeof(long_name) - o - 128, "\n");
	o = (size_t)snprintf(long_line, sizeof(long_line), "zone a\n# ");
	memset(long_line + o, 'x', MK_ZONES_MAX_LINE);
	long_line[o + MK_ZONES_MAX_LINE] = '\0';
	o = (size_t)snprintf(many_services, sizeof(many_services), "zone a\nzone b\nconduit a b");
	for (int i = 0; i < MK_ZONES_MAX_SERVICES + 1; i++)
		o += (size_t)snprintf(many_services + o, sizeof(many_services) - o, " tcp/%d",
		                      i + 1);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[1024] = "", want[1024];

		assert_null(parse(bad[i].text, err, sizeof(err)));
		if (bad[i].word != NULL)
			snprintf(want, sizeof(want), "z.conf:%u: %s: %s", bad[i].line,
			         mk_msg(bad[i].key), bad[i].word);
		else
			snprintf(want, sizeof(want), "z.conf:%u: %s", bad[i].line,
			         mk_msg(bad[i].key));
		if (strcmp(err, want) != 0)
			fail_msg("case %zu (%s):\n got  '%s'\n want '%s'", i, bad[i].key, err,
			         want);
	}
}

static void test_limits_and_files(void **state)
{
	char err[1024] = "", path[] = "/tmp/mk_test_zones_XXXXXX";
	static char big[MK_ZONES_MAX_ZONES * 16 + 64];
	size_t o = 0;
	struct mk_zones *z;
	int fd;

	(void)state;
	/* 256 zones are fine; the 257th is refused */
	for (int i = 0; i < MK_ZONES_MAX_ZONES; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "zone z%d\n", i);
	z = parse_ok(big);
	assert_int_equal(mk_zones_count(z), MK_ZONES_MAX_ZONES);
	mk_zones_free(z);
	snprintf(big + o, sizeof(big) - o, "zone one-too-many\n");
	assert_null(parse(big, err, sizeof(err)));
	assert_non_null(strstr(err, "z.conf:257: "));
	assert_non_null(strstr(err, mk_msg("zones.err.too_many")));

	/* a NUL byte in the text, on line 2 */
	assert_null(mk_zones_parse("zone a\nzone b x\0y\n", 17, "nul", err, sizeof(err)));
	assert_string_equal(err, "nul:2: the line is not valid UTF-8 text or holds control "
	                         "characters (save the file as UTF-8)");

	/* a file that does not exist: the path and why */
	assert_null(mk_zones_load("/nonexistent/zones.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/zones.conf: cannot read the zone file"));

	/* a Shift_JIS file (「事務所」 in CP932) is refused with the line */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	{
		static const char sjis[] = "zone a \x8e\x96\x96\xb1\x8f\x8a\n";

		assert_int_equal(write(fd, sjis, sizeof(sjis) - 1), (ssize_t)(sizeof(sjis) - 1));
	}
	close(fd);
	assert_null(mk_zones_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, ":1: the line is not valid UTF-8"));
	assert_true(strncmp(err, path, strlen(path)) == 0);
	unlink(path);

	/* Japanese messages */
	mk_i18n_set_lang(MK_LANG_JA);
	assert_null(parse("zone a\nsubnet b 10.0.0.0/8\n", err, sizeof(err)));
	assert_string_equal(err, "z.conf:2: 未定義のゾーンです（この行より前に「zone」行で定義して"
	                         "ください）: b");
	mk_i18n_set_lang(MK_LANG_EN);
}

/* ---- which zone holds an address ---- */

static void test_cidr_edges(void **state)
{
	struct mk_zones *z;

	(void)state;
	z = parse_ok("zone all\nzone big\nzone mid\nzone host\nzone v6all\nzone v6\nzone v6host\n"
	             "subnet all 0.0.0.0/0\n"
	             "subnet big 10.0.0.0/8\n"
	             "subnet mid 10.1.2.0/24\n"
	             "subnet host 10.1.2.3/32\n"
	             "subnet host 10.9.9.9\n" /* no prefix: one host */
	             "subnet v6all ::/0\n"
	             "subnet v6 2001:db8::/32\n"
	             "subnet v6host 2001:db8::1/128\n");
	assert_string_equal(zone_of(z, "10.1.2.3"), "host");
	assert_string_equal(zone_of(z, "10.1.2.4"), "mid");
	assert_string_equal(zone_of(z, "10.1.3.4"), "big");
	assert_string_equal(zone_of(z, "10.9.9.9"), "host");
	assert_string_equal(zone_of(z, "10.9.9.8"), "big");
	assert_string_equal(zone_of(z, "11.0.0.1"), "all");
	assert_string_equal(zone_of(z, "255.255.255.255"), "all");
	assert_string_equal(zone_of(z, "2001:db8::1"), "v6host");
	assert_string_equal(zone_of(z, "2001:db8::2"), "v6");
	assert_string_equal(zone_of(z, "2001:db9::1"), "v6all");
	/* a MAC is in no subnet */
	assert_string_equal(zone_of(z, "00:11:22:33:44:55"), "-");
	mk_zones_free(z);

	/* non-byte prefixes and no /0: an address outside every subnet is in none */
	z = parse_ok("zone a\nzone b\n"
	             "subnet a 172.16.0.0/12\n"
	             "subnet b 192.168.0.128/25\n"
	             "subnet b fe80::/10\n");
	assert_string_equal(zone_of(z, "172.31.255.255"), "a");
	assert_string_equal(zone_of(z, "172.32.0.0"), "-");
	assert_string_equal(zone_of(z, "192.168.0.129"), "b");
	assert_string_equal(zone_of(z, "192.168.0.127"), "-");
	assert_string_equal(zone_of(z, "febf::1"), "b");
	assert_string_equal(zone_of(z, "fec0::1"), "-");
	mk_zones_free(z);
}

static void test_asset_over_subnet(void **state)
{
	struct mk_zones *z;
	struct mk_zones_map *m;
	struct mk_asset_rec as[4];
	struct mk_addr ips[5], a;

	(void)state;
	z = parse_ok("zone office 事務所\nzone line ライン\nzone maint 保守\n"
	             "subnet office 192.168.1.0/24\n"
	             "subnet line 192.168.10.0/24\n"
	             "subnet line 192.168.0.0/16\n"
	             "asset maint 00:1b:1b:aa:bb:cc\n" /* by MAC */
	             "asset maint i-192.168.1.77\n"    /* by asset id */
	             "asset line 192.168.1.99\n");     /* by IP */
	memset(as, 0, sizeof(as));
	ips[0] = addr("192.168.1.50"); /* asset 0: MAC named maint, IP in office */
	ips[1] = addr("192.168.1.77"); /* asset 1: IP named maint */
	ips[2] = addr("192.168.1.60"); /* asset 2: two IPs, one in a longer subnet */
	ips[3] = addr("192.168.20.1");
	ips[4] = addr("192.168.10.9"); /* asset 3: no line, IP in line */
	as[0].mac = addr("00:1b:1b:aa:bb:cc");
	as[0].ips = &ips[0];
	as[0].n_ips = 1;
	as[1].ips = &ips[1];
	as[1].n_ips = 1;
	as[2].mac = addr("00:00:00:00:00:02");
	as[2].ips = &ips[2];
	as[2].n_ips = 2;
	as[3].ips = &ips[4];
	as[3].n_ips = 1;
	m = mk_zones_map_new(z, as, 4);
	assert_non_null(m);
	assert_int_equal(mk_zones_map_asset(m, 0), 2);
	assert_int_equal(mk_zones_map_asset(m, 1), 2);
	/* 192.168.1.60 is in /24 office, 192.168.20.1 in /16 line: the longer wins */
	assert_int_equal(mk_zones_map_asset(m, 2), 0);
	assert_int_equal(mk_zones_map_asset(m, 3), 1);
	assert_int_equal(mk_zones_map_asset(m, 4), -1); /* out of range */
	/* addresses of conversations */
	a = addr("192.168.1.50"); /* the MAC's asset line covers its IP */
	assert_int_equal(mk_zones_map_addr(m, &a), 2);
	a = addr("00:1b:1b:aa:bb:cc");
	assert_int_equal(mk_zones_map_addr(m, &a), 2);
	a = addr("192.168.1.99"); /* an IP line, no asset needed */
	assert_int_equal(mk_zones_map_addr(m, &a), 1);
	a = addr("192.168.1.98");
	assert_int_equal(mk_zones_map_addr(m, &a), 0);
	a = addr("192.168.20.1"); /* per address: this IP's own subnet */
	assert_int_equal(mk_zones_map_addr(m, &a), 1);
	a = addr("00:00:00:00:00:02"); /* an L2 endpoint: its asset's zone */
	assert_int_equal(mk_zones_map_addr(m, &a), 0);
	a = addr("00:00:00:00:00:03"); /* unknown MAC */
	assert_int_equal(mk_zones_map_addr(m, &a), -1);
	mk_zones_map_free(m);
	mk_zones_free(z);
}

static void test_conduits(void **state)
{
	struct mk_zones *z;

	(void)state;
	z = parse_ok("zone a\nzone b\nzone c\nzone d\n"
	             "conduit a b modbus/502 s7comm\n"
	             "conduit b a tcp/8080 udp\n"
	             "conduit a c\n"
	             "conduit c d profinet_dcp\n");
	/* a -> b: modbus only on 502, s7comm on any port */
	assert_true(mk_zones_allows(z, 0, 1, MK_PROTO_MODBUS, 6, 502));
	assert_false(mk_zones_allows(z, 0, 1, MK_PROTO_MODBUS, 6, 503));
	assert_true(mk_zones_allows(z, 0, 1, MK_PROTO_S7COMM, 6, 1102));
	assert_false(mk_zones_allows(z, 0, 1, MK_PROTO_HTTP, 6, 80));
	/* one direction only */
	assert_false(mk_zones_allows(z, 1, 0, MK_PROTO_MODBUS, 6, 502));
	/* b -> a: any protocol on tcp/8080, anything over UDP */
	assert_true(mk_zones_allows(z, 1, 0, MK_PROTO_HTTP, 6, 8080));
	assert_true(mk_zones_allows(z, 1, 0, MK_PROTO_UNKNOWN, 6, 8080));
	assert_true(mk_zones_allows(z, 1, 0, MK_PROTO_HTTP, 17, 8081));
	assert_true(mk_zones_allows(z, 1, 0, MK_PROTO_DNS, 17, 53));
	assert_false(mk_zones_allows(z, 1, 0, MK_PROTO_HTTP, 6, 80));
	assert_false(mk_zones_allows(z, 1, 0, MK_PROTO_DNS, 0, 0));
	/* a -> c: no list = any traffic */
	assert_true(mk_zones_allows(z, 0, 2, MK_PROTO_RDP, 6, 3389));
	assert_true(mk_zones_allows(z, 0, 2, MK_PROTO_LLDP, 0, 0));
	/* an L2 protocol by name */
	assert_true(mk_zones_allows(z, 2, 3, MK_PROTO_PROFINET_DCP, 0, 0));
	assert_false(mk_zones_allows(z, 3, 2, MK_PROTO_PROFINET_DCP, 0, 0));
	/* no conduit */
	assert_false(mk_zones_allows(z, 0, 3, MK_PROTO_MODBUS, 6, 502));
	mk_zones_free(z);
}

/* ---- the store ---- */

static void test_store_round_trip(void **state)
{
	char dir[] = "/tmp/mk_test_zones_db_XXXXXX", path[128], err[512] = "", cmd[300];
	struct mk_store *st = NULL;
	struct mk_zones *z, *back = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/z.db", dir);
	assert_int_equal(mk_store_sqlite.open(&st, path, err, sizeof(err)), 0);
	/* a new database has no zones */
	assert_int_equal(mk_store_sqlite.get_zones(st, &back), 0);
	assert_non_null(back);
	assert_int_equal(mk_zones_count(back), 0);
	mk_zones_free(back);

	z = mk_zones_load(EXAMPLE, err, sizeof(err));
	assert_non_null(z);
	assert_int_equal(mk_store_sqlite.put_zones(st, z), 0);
	assert_int_equal(mk_store_sqlite.get_zones(st, &back), 0);
	assert_int_equal(mk_zones_count(back), 4);
	assert_int_equal(mk_zones_n_members(back), 7);
	assert_int_equal(mk_zones_n_conduits(back), 5);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(mk_zones_id(back, i), mk_zones_id(z, i));
		assert_string_equal(mk_zones_name(back, i), mk_zones_name(z, i));
	}
	assert_true(mk_zones_allows(back, 0, 1, MK_PROTO_S7COMM, 6, 102));
	assert_false(mk_zones_allows(back, 0, 1, MK_PROTO_HTTP, 6, 80));
	mk_zones_free(back);
	mk_zones_free(z);

	/* import replaces the whole set */
	z = parse_ok("zone only ただ一つ\nsubnet only 10.0.0.0/8\n");
	assert_int_equal(mk_store_sqlite.put_zones(st, z), 0);
	mk_zones_free(z);
	assert_int_equal(mk_store_sqlite.get_zones(st, &back), 0);
	assert_int_equal(mk_zones_count(back), 1);
	assert_int_equal(mk_zones_n_members(back), 1);
	assert_int_equal(mk_zones_n_conduits(back), 0);
	assert_string_equal(mk_zones_name(back, 0), "ただ一つ");
	mk_zones_free(back);
	mk_store_sqlite.close(st);

	/* a row damaged outside mieruka is refused with the reason, never used */
	snprintf(cmd, sizeof(cmd),
	         "sqlite3 '%s' \"UPDATE zone_members SET value='10.0.0.1/8'\" 2>/dev/null", path);
	if (system(cmd) == 0) {
		assert_int_equal(mk_store_sqlite.open(&st, path, err, sizeof(err)), 0);
		back = (struct mk_zones *)1;
		assert_int_not_equal(mk_store_sqlite.get_zones(st, &back), 0);
		assert_null(back);
		assert_non_null(strstr(mk_store_sqlite.error(st), "the stored zones are invalid"));
		assert_non_null(strstr(mk_store_sqlite.error(st), "10.0.0.0/8"));
		mk_store_sqlite.close(st);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- zone_violation ---- */

static struct mk_detect *new_det(void)
{
	struct mk_detect_limits lim;
	char err[512];
	struct mk_detect *d;

	mk_detect_limits_default(&lim);
	d = mk_detect_new(&lim, ALERTS, DETECT, ROLES, err, sizeof(err));
	assert_non_null(d);
	assert_string_equal(err, "");
	return d;
}

static void conv(struct mk_conv_rec *c, const char *cl, const char *sv, uint8_t transport,
                 uint16_t port, uint16_t proto, uint64_t flows)
{
	memset(c, 0, sizeof(*c));
	c->client = addr(cl);
	c->server = addr(sv);
	c->transport = transport;
	c->port = port;
	c->proto = proto;
	c->flows = flows;
	c->first_ns = T0 + flows * S;
	c->last_ns = T0 + 60 * S;
}

struct snap {
	struct mk_alert_rec *v;
	size_t n;
};

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		mk_alert_rec_clear(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static const struct mk_alert_rec *find(const struct snap *s, const char *client, const char *server)
{
	struct mk_addr c = addr(client), v = addr(server);

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].type, "zone_violation") == 0 &&
		    mk_addr_eq(&s->v[i].client, &c) && mk_addr_eq(&s->v[i].server, &v))
			return &s->v[i];
	return NULL;
}

static size_t n_zone(const struct snap *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += strcmp(s->v[i].type, "zone_violation") == 0;
	return n;
}

static const char *ev(const struct mk_alert_rec *a, const char *key)
{
	for (size_t i = 0; i < a->n_evidence; i++)
		if (strcmp(a->evidence[i].key, key) == 0)
			return a->evidence[i].value;
	return NULL;
}

/* Three zones: office (PCs), line (a PLC), hmi (an HMI only). */
static const char zone_text[] = "zone office 事務所\n"
                                "zone line ライン1\n"
                                "zone hmi 操作盤\n"
                                "subnet office 192.168.1.0/24\n"
                                "subnet line 192.168.10.0/24\n"
                                "subnet hmi 192.168.20.0/24\n"
                                "conduit office line s7comm/102\n";

struct world {
	struct mk_addr ips[3];
	struct mk_role_rec roles[3];
	struct mk_asset_rec assets[3];
	struct mk_conv_rec convs[10];
	size_t n_convs;
};

static void world_init(struct world *w)
{
	static const char *const ip[] = {"192.168.10.5", "192.168.20.7", "192.168.1.20"};
	static const uint8_t role[] = {MK_ROLE_PLC, MK_ROLE_HMI, MK_ROLE_OFFICE_PC};

	memset(w, 0, sizeof(*w));
	for (int i = 0; i < 3; i++) {
		w->ips[i] = addr(ip[i]);
		w->roles[i].role = role[i];
		w->roles[i].confidence = 85;
		snprintf(w->assets[i].id, sizeof(w->assets[i].id), "i-%s", ip[i]);
		w->assets[i].ips = &w->ips[i];
		w->assets[i].n_ips = 1;
		w->assets[i].roles = &w->roles[i];
		w->assets[i].n_roles = 1;
	}
	w->assets[0].mac = addr("00:1b:1b:00:00:05");
	/* office PC -> PLC: Modbus on two ports (one alert), S7 (allowed) */
	conv(&w->convs[0], "192.168.1.20", "192.168.10.5", 6, 502, MK_PROTO_MODBUS, 3);
	conv(&w->convs[1], "192.168.1.20", "192.168.10.5", 6, 503, MK_PROTO_MODBUS, 2);
	conv(&w->convs[2], "192.168.1.20", "192.168.10.5", 6, 102, MK_PROTO_S7COMM, 4);
	/* office PC -> HMI (a zone without controllers): medium */
	conv(&w->convs[3], "192.168.1.20", "192.168.20.7", 6, 5900, MK_PROTO_VNC, 1);
	/* inside one zone: allowed */
	conv(&w->convs[4], "192.168.1.20", "192.168.1.30", 6, 445, MK_PROTO_SMB, 7);
	/* to and from the internet (no zone): not zone_violation's business */
	conv(&w->convs[5], "192.168.10.5", "8.8.8.8", 17, 53, MK_PROTO_DNS, 1);
	conv(&w->convs[6], "203.0.113.9", "192.168.10.5", 6, 502, MK_PROTO_MODBUS, 1);
	/* the PLC answering the way back (the PLC is the client here): line -> office */
	conv(&w->convs[7], "192.168.10.5", "192.168.1.20", 17, 162, MK_PROTO_SNMP, 1);
	/* L2: the office PC's MAC? unknown MAC (no asset) -> PLC's MAC: no zone for the client */
	conv(&w->convs[8], "00:00:00:00:00:99", "00:1b:1b:00:00:05", 0, 0, MK_PROTO_PROFINET_DCP,
	     1);
	w->n_convs = 9;
}

static void test_violations(void **state)
{
	struct mk_detect *d = new_det();
	struct world w;
	struct snap s;
	const struct mk_alert_rec *a;

	(void)state;
	world_init(&w);

	/* no zones: no zone_violation, whatever the traffic */
	s.n = mk_detect_snapshot(d, w.assets, 3, w.convs, w.n_convs, &s.v);
	assert_true(s.n != (size_t)-1);
	assert_int_equal(n_zone(&s), 0);
	snap_free(&s);
	mk_detect_set_zones(d, mk_zones_new()); /* an empty set is no zones */
	s.n = mk_detect_snapshot(d, w.assets, 3, w.convs, w.n_convs, &s.v);
	assert_int_equal(n_zone(&s), 0);
	snap_free(&s);

	mk_detect_set_zones(d, parse_ok(zone_text));
	s.n = mk_detect_snapshot(d, w.assets, 3, w.convs, w.n_convs, &s.v);
	assert_true(s.n != (size_t)-1);
	assert_int_equal(n_zone(&s), 3);

	/* office -> PLC over Modbus: one alert for both ports, high (a PLC's zone) */
	a = find(&s, "192.168.1.20", "192.168.10.5");
	assert_non_null(a);
	assert_int_equal(a->proto, MK_PROTO_MODBUS);
	assert_int_equal(a->count, 5);
	assert_int_equal(a->severity, MK_SEV_HIGH);
	assert_int_equal(a->first_ns, T0 + 2 * S);
	assert_int_equal(a->last_ns, T0 + 60 * S);
	assert_string_equal(ev(a, "client_zone"), "office");
	assert_string_equal(ev(a, "client_zone_name"), "事務所");
	assert_string_equal(ev(a, "server_zone"), "line");
	assert_string_equal(ev(a, "server_zone_name"), "ライン1");
	assert_non_null(strstr(a->title_ja, "192.168.1.20（事務所）→ 192.168.10.5（ライン1）"));
	assert_non_null(strstr(a->detail_ja, "いま行うこと"));
	assert_non_null(strstr(a->detail_en, "Now:"));
	assert_null(strchr(a->title_en, '{'));
	assert_null(strchr(a->detail_ja, '{'));

	/* office -> HMI zone: medium */
	a = find(&s, "192.168.1.20", "192.168.20.7");
	assert_non_null(a);
	assert_int_equal(a->severity, MK_SEV_MEDIUM);
	assert_int_equal(a->count, 1);
	assert_string_equal(ev(a, "server_zone_name"), "操作盤");

	/* line -> office: the conduit office -> line does not allow the way back */
	a = find(&s, "192.168.10.5", "192.168.1.20");
	assert_non_null(a);
	assert_int_equal(a->proto, MK_PROTO_SNMP);
	assert_int_equal(a->severity, MK_SEV_MEDIUM);

	/* the same records again: derived, so the counts do not grow */
	snap_free(&s);
	s.n = mk_detect_snapshot(d, w.assets, 3, w.convs, w.n_convs, &s.v);
	a = find(&s, "192.168.1.20", "192.168.10.5");
	assert_non_null(a);
	assert_int_equal(a->count, 5);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_conduit_allows_and_l2(void **state)
{
	struct mk_detect *d = new_det();
	struct world w;
	struct snap s;
	const struct mk_alert_rec *a;

	(void)state;
	world_init(&w);
	/* everything allowed both ways: no alert */
	mk_detect_set_zones(d, parse_ok("zone office\nzone line\nzone hmi\n"
	                                "subnet office 192.168.1.0/24\n"
	                                "subnet line 192.168.10.0/24\n"
	                                "subnet hmi 192.168.20.0/24\n"
	                                "conduit office line modbus s7comm\n"
	                                "conduit office hmi vnc/5900\n"
	                                "conduit line office udp/162\n"));
	s.n = mk_detect_snapshot(d, w.assets, 3, w.convs, w.n_convs, &s.v);
	assert_true(s.n != (size_t)-1);
	assert_int_equal(n_zone(&s), 0);
	snap_free(&s);

	/* L2: the client MAC named in the office, the PLC's MAC by its asset's subnet */
	mk_detect_set_zones(d, parse_ok("zone office\nzone line\n"
	                                "subnet line 192.168.10.0/24\n"
	                                "asset office 00:00:00:00:00:99\n"));
	s.n = mk_detect_snapshot(d, w.assets, 3, w.convs, w.n_convs, &s.v);
	assert_int_equal(n_zone(&s), 1);
	a = find(&s, "00:00:00:00:00:99", "00:1b:1b:00:00:05");
	assert_non_null(a);
	assert_int_equal(a->proto, MK_PROTO_PROFINET_DCP);
	assert_int_equal(a->severity, MK_SEV_HIGH);
	assert_int_equal(a->port, 0);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_earlier_run_keeps_zones(void **state)
{
	struct mk_detect *d = new_det();
	struct world w;
	struct snap s, s2;
	const struct mk_alert_rec *a;

	(void)state;
	world_init(&w);
	mk_detect_set_zones(d, parse_ok(zone_text));
	s.n = mk_detect_snapshot(d, w.assets, 3, w.convs, w.n_convs, &s.v);
	assert_int_equal(n_zone(&s), 3);
	mk_detect_free(d);

	/* The next run: the zones were renamed and the HMI zone removed; the
	 * alerts of the earlier run still name the zones they were raised for. */
	d = new_det();
	mk_detect_set_zones(d, parse_ok("zone office 事務所（本館）\nzone line\n"
	                                "subnet office 192.168.1.0/24\n"
	                                "subnet line 192.168.10.0/24\n"
	                                "conduit office line\nconduit line office\n"));
	for (size_t i = 0; i < s.n; i++)
		mk_detect_load(d, &s.v[i]);
	/* no records this time: the loaded alerts are exported as they were */
	s2.n = mk_detect_snapshot(d, NULL, 0, NULL, 0, &s2.v);
	assert_int_equal(n_zone(&s2), 3);
	a = find(&s2, "192.168.1.20", "192.168.20.7");
	assert_non_null(a);
	assert_string_equal(ev(a, "server_zone"), "hmi");
	assert_string_equal(ev(a, "server_zone_name"), "操作盤");
	assert_string_equal(ev(a, "client_zone_name"), "事務所（本館）"); /* the current name */
	assert_int_equal(a->count, 1);
	a = find(&s2, "192.168.1.20", "192.168.10.5");
	assert_non_null(a);
	assert_int_equal(a->count, 5);
	assert_int_equal(a->severity, MK_SEV_HIGH);
	assert_string_equal(a->id, find(&s, "192.168.1.20", "192.168.10.5")->id);
	snap_free(&s2);

	/* zones set after loading (the other order) keep the labels too */
	mk_detect_free(d);
	d = new_det();
	for (size_t i = 0; i < s.n; i++)
		mk_detect_load(d, &s.v[i]);
	mk_detect_set_zones(d, parse_ok("zone x\nsubnet x 10.0.0.0/8\n"));
	s2.n = mk_detect_snapshot(d, NULL, 0, NULL, 0, &s2.v);
	a = find(&s2, "192.168.1.20", "192.168.20.7");
	assert_non_null(a);
	assert_string_equal(ev(a, "client_zone"), "office");
	assert_string_equal(ev(a, "server_zone_name"), "操作盤");
	snap_free(&s2);
	snap_free(&s);
	mk_detect_free(d);
}


/* ---- VLANs: asset line > VLAN > subnet ---- */

static const char vlan_text[] = "zone office 事務所\n"
                                "zone line1 ライン1\n"
                                "zone line2 ライン2\n"
                                "zone maint 保守\n"
                                "subnet office 192.168.50.0/24\n"
                                "vlan line1 10\n"
                                "vlan line2 20\n"
                                "vlan line2 21\n"
                                "asset maint 00:1b:1b:00:00:99\n";

struct vworld {
	struct mk_addr ips[10];
	struct mk_asset_rec as[10];
	size_t n;
};

/* Asset n: MAC (NULL: keyed by IP), one IP, VLANs (0-terminated). */
static void vasset(struct vworld *w, const char *mac, const char *ip, const uint16_t *vlans)
{
	struct mk_asset_rec *a = &w->as[w->n];

	memset(a, 0, sizeof(*a));
	w->ips[w->n] = addr(ip);
	a->ips = &w->ips[w->n];
	a->n_ips = 1;
	if (mac != NULL) {
		a->mac = addr(mac);
		snprintf(a->id, sizeof(a->id), "m-%c%c%c%c%c%c%c%c%c%c%c%c", mac[0], mac[1], mac[3],
		         mac[4], mac[6], mac[7], mac[9], mac[10], mac[12], mac[13], mac[15],
		         mac[16]);
	} else {
		snprintf(a->id, sizeof(a->id), "i-%s", ip);
	}
	for (size_t k = 0; vlans != NULL && vlans[k] != 0 && k < MK_ASSET_MAX_VLANS; k++)
		a->vlans[a->n_vlans++] = vlans[k];
	w->n++;
}

static void vworld_init(struct vworld *w)
{
	memset(w, 0, sizeof(*w));
	vasset(w, "00:1b:1b:00:00:11", "192.168.50.11", (const uint16_t[]){10, 0});     /* 0 */
	vasset(w, "00:1b:1b:00:00:20", "192.168.50.20", (const uint16_t[]){20, 0});     /* 1 */
	vasset(w, "00:1b:1b:00:01:00", "192.168.50.100", NULL);                         /* 2 */
	vasset(w, "00:1b:1b:00:00:99", "192.168.50.50", (const uint16_t[]){10, 0});     /* 3 */
	vasset(w, "02:00:00:00:00:01", "192.168.50.1", (const uint16_t[]){10, 20, 0});  /* 4 */
	vasset(w, "00:1b:1b:00:00:60", "192.168.50.60", (const uint16_t[]){10, 40, 0}); /* 5 */
	vasset(w, "00:1b:1b:00:00:e9", "10.9.9.9", (const uint16_t[]){10, 0});          /* 6 */
	vasset(w, "00:1b:1b:00:00:70", "192.168.50.70", (const uint16_t[]){20, 21, 0}); /* 7 */
	vasset(w, NULL, "192.168.50.80", NULL);                                         /* 8 */
	vasset(w, "00:1b:1b:00:00:12", "192.168.50.12", (const uint16_t[]){10, 0});     /* 9 */
}

static void test_vlan_precedence(void **state)
{
	struct mk_zones *z = parse_ok(vlan_text);
	struct mk_zones_map *m;
	struct vworld w;
	static const struct {
		const char *addr, *zone;
	} want[] = {
	    {"192.168.50.11", "line1"},     /* VLAN 10 beats the office subnet */
	    {"00:1b:1b:00:00:11", "line1"}, /* its MAC too (L2 conversations) */
	    {"192.168.50.20", "line2"},
	    {"192.168.50.100", "office"},   /* untagged: the subnet, as before */
	    {"192.168.50.50", "maint"},     /* the asset line beats its VLAN */
	    {"192.168.50.1", "office"},     /* VLANs of two zones: by subnet */
	    {"02:00:00:00:00:01", "office"},
	    {"192.168.50.60", "office"},    /* VLAN 40 has no zone: by subnet */
	    {"10.9.9.9", "line1"},          /* a VLAN needs no subnet */
	    {"192.168.50.70", "line2"},     /* two VLANs of one zone */
	    {"192.168.50.80", "office"},    /* IP-keyed asset: no VLAN */
	    {"192.168.50.200", "office"},   /* no asset: the subnet */
	    {"10.9.9.8", "-"},              /* no asset, no subnet */
	};
	static const char *const by_asset[] = {"line1", "line2", "office", "maint", "office",
	                                       "office", "line1", "line2", "office", "line1"};

	(void)state;
	vworld_init(&w);
	m = mk_zones_map_new(z, w.as, w.n);
	assert_non_null(m);
	for (size_t i = 0; i < w.n; i++) {
		int zi = mk_zones_map_asset(m, i);

		if (strcmp(zi >= 0 ? mk_zones_id(z, (size_t)zi) : "-", by_asset[i]) != 0)
			fail_msg("asset %zu (%s): zone %s, want %s", i, w.as[i].id,
			         zi >= 0 ? mk_zones_id(z, (size_t)zi) : "-", by_asset[i]);
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct mk_addr a = addr(want[i].addr);
		int zi = mk_zones_map_addr(m, &a);

		if (strcmp(zi >= 0 ? mk_zones_id(z, (size_t)zi) : "-", want[i].zone) != 0)
			fail_msg("%s: zone %s, want %s", want[i].addr,
			         zi >= 0 ? mk_zones_id(z, (size_t)zi) : "-", want[i].zone);
	}
	mk_zones_map_free(m);
	/* without VLAN lines the same devices are all in the office subnet */
	mk_zones_free(z);
	z = parse_ok("zone office\nsubnet office 192.168.50.0/24\nzone line1\n");
	m = mk_zones_map_new(z, w.as, w.n);
	assert_int_equal(mk_zones_map_asset(m, 0), 0);
	assert_int_equal(mk_zones_map_asset(m, 6), -1);
	mk_zones_map_free(m);
	mk_zones_free(z);
}

static void test_vlan_violations(void **state)
{
	struct mk_detect *d = new_det();
	struct vworld w;
	struct mk_conv_rec convs[4];
	struct snap s;
	const struct mk_alert_rec *a;

	(void)state;
	vworld_init(&w);
	/* line1 -> line2 (VLAN 10 -> 20, one /24): a violation */
	conv(&convs[0], "192.168.50.11", "192.168.50.20", 6, 502, MK_PROTO_MODBUS, 2);
	/* inside VLAN 10: none */
	conv(&convs[1], "192.168.50.11", "192.168.50.12", 6, 502, MK_PROTO_MODBUS, 1);
	/* untagged office -> VLAN 20: a violation, office by its subnet */
	conv(&convs[2], "192.168.50.100", "192.168.50.20", 6, 502, MK_PROTO_MODBUS, 3);
	/* untagged -> an address of no device: both office, none */
	conv(&convs[3], "192.168.50.100", "192.168.50.201", 6, 445, MK_PROTO_SMB, 1);
	mk_detect_set_zones(d, parse_ok(vlan_text));
	s.n = mk_detect_snapshot(d, w.as, w.n, convs, 4, &s.v);
	assert_true(s.n != (size_t)-1);
	assert_int_equal(n_zone(&s), 2);
	a = find(&s, "192.168.50.11", "192.168.50.20");
	assert_non_null(a);
	assert_int_equal(a->count, 2);
	assert_string_equal(ev(a, "client_zone"), "line1");
	assert_string_equal(ev(a, "server_zone"), "line2");
	assert_string_equal(ev(a, "server_zone_name"), "ライン2");
	a = find(&s, "192.168.50.100", "192.168.50.20");
	assert_non_null(a);
	assert_int_equal(a->count, 3);
	assert_string_equal(ev(a, "client_zone"), "office");
	snap_free(&s);
	mk_detect_free(d);

	/* a conduit line1 -> line2 for Modbus: only the office one is left */
	d = new_det();
	mk_detect_set_zones(d, parse_ok("zone office\nzone line1\nzone line2\n"
	                                "subnet office 192.168.50.0/24\n"
	                                "vlan line1 10\nvlan line2 20\n"
	                                "conduit line1 line2 modbus/502\n"));
	s.n = mk_detect_snapshot(d, w.as, w.n, convs, 4, &s.v);
	assert_int_equal(n_zone(&s), 1);
	assert_non_null(find(&s, "192.168.50.100", "192.168.50.20"));
	snap_free(&s);
	mk_detect_free(d);

	/* the same records without their VLANs: one subnet, one zone, nothing */
	for (size_t i = 0; i < w.n; i++)
		w.as[i].n_vlans = 0;
	d = new_det();
	mk_detect_set_zones(d, parse_ok(vlan_text));
	s.n = mk_detect_snapshot(d, w.as, w.n, convs, 4, &s.v);
	assert_int_equal(n_zone(&s), 0);
	snap_free(&s);
	mk_detect_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example_file),
	    cmocka_unit_test(test_syntax),
	    cmocka_unit_test(test_every_error),
	    cmocka_unit_test(test_limits_and_files),
	    cmocka_unit_test(test_cidr_edges),
	    cmocka_unit_test(test_asset_over_subnet),
	    cmocka_unit_test(test_conduits),
	    cmocka_unit_test(test_store_round_trip),
	    cmocka_unit_test(test_violations),
	    cmocka_unit_test(test_conduit_allows_and_l2),
	    cmocka_unit_test(test_earlier_run_keeps_zones),
	    cmocka_unit_test(test_vlan_precedence),
	    cmocka_unit_test(test_vlan_violations),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

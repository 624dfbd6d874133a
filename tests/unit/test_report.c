/* test_report.c - the JSON document (parsed back with Python's json module),
 * escaping of hostile text, the CSV files for Excel (BOM, CRLF, RFC 4180
 * quoting, formula-injection guard) and the terminal tables (alignment with
 * Japanese text, truncation, row caps, no control characters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mieruka/report.h"
#include "mieruka/util.h"
#include "mieruka/zones.h"

static char tmpdir[256];

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_report_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *xdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

/* Reads a whole file; *len gets its size. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* The system Python when there is one: a pyenv shim costs seconds per call. */
static const char *python(void)
{
	return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

static bool have_python(void)
{
	static int have = -1;
	char cmd[128];

	if (have < 0) {
		snprintf(cmd, sizeof(cmd), "%s -c 'import json, csv' >/dev/null 2>&1", python());
		have = system(cmd) == 0;
	}
	return have == 1;
}

/* Runs a Python check script on a file; the script asserts. */
static int python_check(const char *script, const char *arg)
{
	char spath[300], cmd[800];
	FILE *f;

	snprintf(spath, sizeof(spath), "%s/check.py", tmpdir);
	f = fopen(spath, "w");
	assert_non_null(f);
	fputs(script, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s '%s' '%s'", python(), spath, arg);
	return system(cmd);
}

/* ---- the sample report ---- */

struct sample {
	struct mk_report r;
	struct mk_asset_rec assets[3];
	struct mk_conv_rec convs[3];
	struct mk_capture_rec caps[1];
	struct mk_counter_rec counters[2];
};

static void set_names(struct mk_asset_rec *a, const char *name, uint16_t source)
{
	a->n_names = 1;
	a->names = calloc(1, sizeof(*a->names));
	assert_non_null(a->names);
	a->names[0].name = xdup(name);
	a->names[0].source = source;
}

static void sample_build(struct sample *s)
{
	struct mk_asset_rec *a;

	memset(s, 0, sizeof(*s));
	/* 0: a Siemens PLC with everything */
	a = &s->assets[0];
	snprintf(a->id, sizeof(a->id), "m-001b1b123456");
	mk_addr_set_mac(&a->mac, (const uint8_t[6]){0x00, 0x1b, 0x1b, 0x12, 0x34, 0x56});
	a->n_ips = 2;
	a->ips = calloc(2, sizeof(*a->ips));
	assert_non_null(a->ips);
	mk_addr_set_ip4(&a->ips[0], (const uint8_t[4]){10, 0, 0, 5});
	mk_addr_set_ip6(&a->ips[1], (const uint8_t[16]){0xfe, 0x80, [15] = 1});
	a->vendor = xdup("Siemens AG");
	a->n_names = 2;
	a->names = calloc(2, sizeof(*a->names));
	assert_non_null(a->names);
	a->names[0].name = xdup("ライン1制御盤");
	a->names[0].source = MK_PROTO_NBNS;
	/* hostile: control characters, quote, backslash, invalid UTF-8 */
	a->names[1].name = xdup("a\x01" "b\"c\\d\n\x1b[31m\xff\xfe");
	a->names[1].source = MK_PROTO_MDNS;
	a->n_roles = 1;
	a->roles = calloc(1, sizeof(*a->roles));
	assert_non_null(a->roles);
	a->roles[0].role = MK_ROLE_PLC;
	a->roles[0].confidence = 90;
	a->roles[0].n_reasons = 1;
	a->roles[0].reasons = calloc(1, sizeof(char *));
	assert_non_null(a->roles[0].reasons);
	a->roles[0].reasons[0] = xdup("serves s7comm");
	mk_proto_set_add(&a->server, MK_PROTO_S7COMM);
	mk_proto_set_add(&a->server, MK_PROTO_MODBUS);
	mk_proto_set_add(&a->client, MK_PROTO_DNS);
	a->identity = calloc(1, sizeof(*a->identity));
	assert_non_null(a->identity);
	a->identity->vendor = xdup("Siemens");
	a->identity->product = xdup("S7-1200");
	a->identity->firmware = xdup("V4.2");
	a->identity->source = MK_PROTO_S7COMM;
	a->os = xdup("Linux");
	a->n_attrs = 1;
	a->attrs = calloc(1, sizeof(*a->attrs));
	assert_non_null(a->attrs);
	a->attrs[0].key = xdup("dhcp_vendor_class");
	a->attrs[0].value = xdup("=cmd|' /C calc'!A0"); /* formula injection attempt */
	a->attrs[0].source = MK_PROTO_DHCP;
	a->first_ns = UINT64_C(1682933400123456000); /* 2023-05-01T09:30:00.123456Z */
	a->last_ns = UINT64_C(1682937000000000000);
	a->packets = 1234567;
	a->bytes = 98765432;
	a->vlans[0] = 10;
	a->vlans[1] = 4094;
	a->n_vlans = 2;

	/* 1: an IP-keyed device with a Japanese vendor and a formula name */
	a = &s->assets[1];
	snprintf(a->id, sizeof(a->id), "i-10.0.0.9");
	a->n_ips = 1;
	a->ips = calloc(1, sizeof(*a->ips));
	assert_non_null(a->ips);
	mk_addr_set_ip4(&a->ips[0], (const uint8_t[4]){10, 0, 0, 9});
	a->vendor = xdup("三菱電機");
	set_names(a, "=HYPERLINK(\"http://evil\",\"x\")", MK_PROTO_DNS);
	a->packets = 12;
	a->first_ns = a->last_ns = UINT64_C(1682933400000000000);

	/* 2: a long Japanese name that must be cut */
	a = &s->assets[2];
	snprintf(a->id, sizeof(a->id), "m-020000000001");
	mk_addr_set_mac(&a->mac, (const uint8_t[6]){0x02, 0, 0, 0, 0, 1});
	a->n_ips = 1;
	a->ips = calloc(1, sizeof(*a->ips));
	assert_non_null(a->ips);
	mk_addr_set_ip4(&a->ips[0], (const uint8_t[4]){10, 0, 0, 20});
	set_names(a, "第二工場組立ライン検査装置用データ収集サーバ", MK_PROTO_LLMNR);
	a->vendor = xdup("+Vendor, Inc.");
	a->packets = 3;

	/* conversations: modbus, ntp, and lldp (l2) */
	for (int i = 0; i < 3; i++) {
		struct mk_conv_rec *c = &s->convs[i];

		if (i == 2) {
			mk_addr_set_mac(&c->client, (const uint8_t[6]){0x00, 0x1b, 0x1b, 0x12, 0x34, 0x56});
			mk_addr_set_mac(&c->server, (const uint8_t[6]){0x01, 0x80, 0xc2, 0, 0, 0x0e});
			c->proto = MK_PROTO_LLDP;
		} else {
			mk_addr_set_ip4(&c->client, (const uint8_t[4]){10, 0, 0, 9});
			mk_addr_set_ip4(&c->server, (const uint8_t[4]){10, 0, 0, 5});
			c->transport = i == 0 ? 6 : 17;
			c->port = i == 0 ? 502 : 123;
			c->proto = i == 0 ? MK_PROTO_MODBUS : MK_PROTO_NTP;
		}
		c->packets = 100u * (unsigned)(i + 1);
		c->bytes = i == 0 ? 64000 : 500;
		c->first_ns = UINT64_C(1682933400000000000);
		c->last_ns = UINT64_C(1682933460000001000);
		c->flows = 2;
	}
	s->convs[0].ops[MK_OP_READ] = 50;
	s->convs[0].ops[MK_OP_WRITE] = 2;

	s->caps[0].file = xdup("line1,\"night\".pcapng");
	s->caps[0].packets = 1234567;
	s->caps[0].bytes = 98765432;
	s->caps[0].first_ns = UINT64_C(1682933400000000000);
	s->caps[0].last_ns = UINT64_C(1682937000000000000);
	s->caps[0].n_linktypes = 2;
	s->caps[0].linktypes[0] = 1;
	s->caps[0].linktypes[1] = 147;
	s->caps[0].n_warnings = 1;
	s->caps[0].warnings = calloc(1, sizeof(char *));
	assert_non_null(s->caps[0].warnings);
	s->caps[0].warnings[0] = xdup("truncated at offset 1234");

	s->counters[0].name = xdup("decode.truncated");
	s->counters[0].value = 3;
	s->counters[1].name = xdup("anomaly.mbap_bad_length");
	s->counters[1].value = 1;

	s->r.assets = s->assets;
	s->r.n_assets = 3;
	s->r.convs = s->convs;
	s->r.n_convs = 3;
	s->r.captures = s->caps;
	s->r.n_captures = 1;
	s->r.counters = s->counters;
	s->r.n_counters = 2;
}

static void sample_free(struct sample *s)
{
	for (int i = 0; i < 3; i++)
		mk_asset_rec_clear(&s->assets[i]);
	mk_capture_rec_clear(&s->caps[0]);
	for (int i = 0; i < 2; i++)
		free(s->counters[i].name);
}

/* ---- JSON ---- */

static const char json_check[] =
	"import json, sys\n"
	"d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
	"assert list(d)[:6] == ['schema','generator','captures','assets','communications','alerts'], list(d)\n"
	"assert d['schema'] == 'mieruka/1'\n"
	"assert d['generator'].startswith('mieruka ')\n"
	"c = d['captures'][0]\n"
	"assert c['file'] == 'line1,\"night\".pcapng'\n"
	"assert c['link_types'] == ['ethernet', 'linktype_147'], c['link_types']\n"
	"assert c['first'] == '2023-05-01T09:30:00.000000Z', c['first']\n"
	"assert c['warnings'] == ['truncated at offset 1234']\n"
	"a = d['assets'][0]\n"
	"assert list(a)[:15] == ['id','mac','ips','vendor','hostnames','roles','protocols','identity',"
	"'os','first_seen','last_seen','packets','bytes','hostname_sources','attributes'], list(a)\n"
	"assert a['zone'] is None\n"
	"assert a['vlans'] == [10, 4094], a['vlans']\n"
	"assert a['mac'] == '00:1b:1b:12:34:56'\n"
	"assert a['ips'] == ['10.0.0.5', 'fe80::1'], a['ips']\n"
	"assert a['hostnames'][0] == 'ライン1制御盤'\n"
	"assert a['hostnames'][1] == 'a\\x01b\"c\\\\d\\n\\x1b[31m\\ufffd\\ufffd', repr(a['hostnames'][1])\n"
	"assert a['hostname_sources'][0] == {'name': 'ライン1制御盤', 'source': 'nbns'}\n"
	"assert a['roles'] == [{'role': 'plc', 'confidence': 90, 'reasons': ['serves s7comm']}]\n"
	"assert a['protocols'] == {'server': ['modbus', 's7comm'], 'client': ['dns']}, a['protocols']\n"
	"assert a['identity'] == {'vendor': 'Siemens', 'product': 'S7-1200', 'model': None,"
	" 'firmware': 'V4.2', 'serial': None, 'source': 's7comm'}, a['identity']\n"
	"assert a['os'] == 'Linux'\n"
	"assert a['first_seen'] == '2023-05-01T09:30:00.123456Z', a['first_seen']\n"
	"assert a['packets'] == 1234567 and a['bytes'] == 98765432\n"
	"assert a['attributes'] == [{'key': 'dhcp_vendor_class', 'value': \"=cmd|' /C calc'!A0\","
	" 'source': 'dhcp'}]\n"
	"b = d['assets'][1]\n"
	"assert b['mac'] is None and b['identity'] is None and b['os'] is None\n"
	"assert b['roles'] == [] and b['protocols'] == {'server': [], 'client': []}\n"
	"assert b['vlans'] == []\n"
	"m = d['communications'][0]\n"
	"assert list(m)[:10] == ['client','server','transport','port','protocol','packets','bytes',"
	"'first_seen','last_seen','operations'], list(m)\n"
	"assert m['client'] == '10.0.0.9' and m['server'] == '10.0.0.5'\n"
	"assert m['transport'] == 'tcp' and m['port'] == 502 and m['protocol'] == 'modbus'\n"
	"assert m['operations'] == {'read': 50, 'write': 2, 'program': 0, 'control': 0,"
	" 'firmware': 0, 'auth': 0, 'diagnostic': 0, 'other': 0}, m['operations']\n"
	"assert m['flows'] == 2\n"
	"assert d['communications'][1]['transport'] == 'udp'\n"
	"l = d['communications'][2]\n"
	"assert l['transport'] == 'l2' and l['port'] is None and l['protocol'] == 'lldp'\n"
	"assert l['client'] == '00:1b:1b:12:34:56' and l['server'] == '01:80:c2:00:00:0e'\n"
	"assert d['alerts'] == []\n"
	"assert d['statistics'] == {'decode.truncated': 3, 'anomaly.mbap_bad_length': 1}\n";

static void test_json_document(void **state)
{
	struct sample s;
	char path[300];
	FILE *f;
	char *text;

	sample_build(&s);
	snprintf(path, sizeof(path), "%s/doc.json", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(mk_report_json(f, &s.r), 0);
	fclose(f);
	sample_free(&s);

	text = slurp(path, NULL);
	/* checks that do not need Python */
	assert_non_null(strstr(text, "\"schema\": \"mieruka/1\""));
	assert_non_null(strstr(text, "\"generator\": \"mieruka " MK_VERSION "\""));
	assert_non_null(strstr(text, "\"alerts\": []"));
	assert_non_null(strstr(text, "\"port\": null"));
	/* escaping: control characters as \u00XX, quote and backslash escaped,
	 * invalid UTF-8 as U+FFFD, no raw ESC or newline inside a string */
	assert_non_null(strstr(text, "a\\u0001b\\\"c\\\\d\\u000a\\u001b[31m\\ufffd\\ufffd"));
	assert_null(strchr(text, 0x1b));
	assert_non_null(strstr(text, "ライン1制御盤"));
	free(text);

	if (!have_python())
		skip();
	assert_int_equal(python_check(json_check, path), 0);
}

static void test_json_empty_report(void **state)
{
	struct mk_report r;
	char path[300];
	FILE *f;
	char *text;

	memset(&r, 0, sizeof(r));
	snprintf(path, sizeof(path), "%s/empty.json", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(mk_report_json(f, &r), 0);
	fclose(f);
	text = slurp(path, NULL);
	assert_non_null(strstr(text, "\"assets\": []"));
	assert_non_null(strstr(text, "\"statistics\": {}"));
	free(text);
	if (!have_python())
		skip();
	assert_int_equal(python_check("import json,sys\nd=json.load(open(sys.argv[1]))\n"
	                              "assert d['captures']==[] and d['communications']==[]\n",
	                              path),
	                 0);
}

/* A stream that cannot be written reports -1. */
static void test_json_io_error(void **state)
{
	struct sample s;
	FILE *f = fopen("/dev/full", "w");

	if (f == NULL)
		skip();
	sample_build(&s);
	assert_int_equal(mk_report_json(f, &s.r), -1);
	fclose(f);
	sample_free(&s);
}

/* ---- CSV ---- */

static const char csv_check[] =
	"import csv, sys, os\n"
	"d = sys.argv[1]\n"
	"def rows(name):\n"
	"    with open(os.path.join(d, name), encoding='utf-8-sig', newline='') as f:\n"
	"        return list(csv.reader(f))\n"
	"a = rows('assets.csv')\n"
	"assert a[0][:5] == ['id','mac','ips','vendor','hostnames'], a[0]\n"
	"h = {k: i for i, k in enumerate(a[0])}\n"
	"assert len(a) == 4\n"
	"assert a[1][h['ips']] == '10.0.0.5 fe80::1'\n"
	"assert a[1][h['hostnames']].startswith('ライン1制御盤; a\\x01b\"c\\\\d\\n')\n"
	"assert a[1][h['hostnames']].endswith('\\ufffd\\ufffd'), repr(a[1][h['hostnames']])\n"
	"assert a[1][h['role']] == 'plc' and a[1][h['role_confidence']] == '90'\n"
	"assert a[1][h['server_protocols']] == 'modbus s7comm'\n"
	"assert a[1][h['identity_product']] == 'S7-1200' and a[1][h['identity_model']] == ''\n"
	"assert a[1][h['first_seen']] == '2023-05-01T09:30:00.123456Z'\n"
	"assert a[1][h['packets']] == '1234567'\n"
	"assert a[1][h['vlans']] == '10 4094' and a[2][h['vlans']] == '', a[1][h['vlans']]\n"
	"assert a[2][h['vendor']] == '三菱電機'\n"
	"assert a[2][h['hostnames']] == \"'=HYPERLINK(\\\"http://evil\\\",\\\"x\\\")\", a[2][h['hostnames']]\n"
	"assert a[3][h['vendor']] == \"'+Vendor, Inc.\", a[3][h['vendor']]\n"
	"c = rows('communications.csv')\n"
	"assert c[0] == ['client','server','transport','port','protocol','packets','bytes',"
	"'first_seen','last_seen','flows','read','write','program','control','firmware','auth',"
	"'diagnostic','other'], c[0]\n"
	"assert c[1][:5] == ['10.0.0.9','10.0.0.5','tcp','502','modbus'] and c[1][10:12] == ['50','2']\n"
	"assert c[3][2:4] == ['l2', '']\n"
	"k = rows('captures.csv')\n"
	"assert k[1][0] == 'line1,\"night\".pcapng' and k[1][5] == 'ethernet linktype_147', k[1]\n";

static void test_csv_files(void **state)
{
	struct sample s;
	char dir[300], path[400], err[256] = "";
	char *text;
	size_t len;

	sample_build(&s);
	snprintf(dir, sizeof(dir), "%s/out/csv", tmpdir); /* two missing levels */
	assert_int_equal(mk_report_csv(dir, &s.r, err, sizeof(err)), 0);
	sample_free(&s);

	snprintf(path, sizeof(path), "%s/assets.csv", dir);
	text = slurp(path, &len);
	/* BOM, English ids, CRLF */
	assert_memory_equal(text, "\xef\xbb\xbf" "id,mac,ips,vendor,hostnames,", 31);
	assert_non_null(strstr(text, ",bytes,zone_id,zone,vlans\r\n"));
	/* every LF is preceded by CR, except inside the quoted hostile host name */
	size_t bare_lf = 0;

	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
			bare_lf++;
	assert_int_equal(bare_lf, 1);
	/* formula guard inside RFC 4180 quoting */
	assert_non_null(strstr(text, "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""));
	assert_non_null(strstr(text, "\"'+Vendor, Inc.\""));
	/* invalid UTF-8 became U+FFFD */
	assert_non_null(strstr(text, "\xef\xbf\xbd\xef\xbf\xbd"));
	assert_null(strstr(text, "\xff"));
	/* no tmp files left behind */
	snprintf(path, sizeof(path), "%s/assets.csv.tmp", dir);
	assert_int_not_equal(access(path, F_OK), 0);
	free(text);

	snprintf(path, sizeof(path), "%s/communications.csv", dir);
	text = slurp(path, NULL);
	assert_memory_equal(text, "\xef\xbb\xbf" "client,server,transport,port,protocol,", 41);
	assert_non_null(strstr(text, "10.0.0.9,10.0.0.5,tcp,502,modbus,100,64000,"));
	free(text);

	snprintf(path, sizeof(path), "%s/captures.csv", dir);
	text = slurp(path, NULL);
	assert_non_null(strstr(text, "\"line1,\"\"night\"\".pcapng\",1234567,"));
	free(text);

	if (!have_python())
		skip();
	assert_int_equal(python_check(csv_check, dir), 0);
}

static void test_csv_bad_dir(void **state)
{
	struct mk_report r;
	char dir[300], path[300], err[256] = "";
	FILE *f;

	memset(&r, 0, sizeof(r));
	snprintf(path, sizeof(path), "%s/plainfile", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(dir, sizeof(dir), "%s/plainfile/sub", tmpdir);
	assert_int_equal(mk_report_csv(dir, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "plainfile"));
	/* an existing directory is fine; empty tables still get their header */
	assert_int_equal(mk_report_csv(tmpdir, &r, err, sizeof(err)), 0);
}

/* ---- text ---- */

static char *render(const struct mk_report *r, size_t max_rows)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	mk_report_text(f, r, max_rows);
	fclose(f);
	assert_non_null(buf);
	return buf;
}

/* Display column at which needle starts in line (which must contain it). */
static size_t column_of(const char *line, const char *needle)
{
	const char *p = strstr(line, needle);
	char prefix[1024];
	size_t n;

	assert_non_null(p);
	n = (size_t)(p - line);
	assert_true(n < sizeof(prefix));
	memcpy(prefix, line, n);
	prefix[n] = '\0';
	return mk_text_width(prefix);
}

/* The line of text containing needle, copied to out. */
static void line_with(const char *text, const char *needle, char *out, size_t outlen)
{
	const char *p = strstr(text, needle), *b, *e;

	if (p == NULL)
		fail_msg("no line with '%s' in:\n%s", needle, text);
	for (b = p; b > text && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	if (e == NULL)
		e = p + strlen(p);
	assert_true((size_t)(e - b) < outlen);
	memcpy(out, b, (size_t)(e - b));
	out[e - b] = '\0';
}

static void test_text_japanese_alignment(void **state)
{
	struct sample s;
	char *text;
	char head[1024], l1[1024], l2[1024], l3[1024];

	setenv("TZ", "UTC", 1);
	mk_i18n_set_lang(MK_LANG_JA);
	sample_build(&s);
	text = render(&s.r, 10);
	sample_free(&s);

	assert_non_null(strstr(text, "資産台帳"));
	assert_non_null(strstr(text, "通信相手"));
	assert_non_null(strstr(text, "2023-05-01 09:30:00 UTC"));
	/* terminal safety: no ESC and no other control character but newline;
	 * and no line ends in padding */
	for (const char *p = text; *p != '\0'; p++) {
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
		if (*p == '\n' && p > text)
			assert_true(p[-1] != ' ');
	}

	/* rows sorted by address: 10.0.0.5, 10.0.0.9, 10.0.0.20 */
	line_with(text, "MACアドレス", head, sizeof(head));
	line_with(text, "10.0.0.5 +1", l1, sizeof(l1));
	line_with(text, "10.0.0.9 ", l2, sizeof(l2));
	line_with(text, "10.0.0.20", l3, sizeof(l3));
	assert_true(strstr(text, "10.0.0.5 +1") < strstr(text, "10.0.0.20"));
	/* the host name column starts at the same display column in every row,
	 * although the vendors before it mix Latin and Japanese characters */
	size_t col = column_of(head, "ホスト名");

	assert_int_equal(column_of(l1, "ライン1制御盤"), col);
	assert_int_equal(column_of(l2, "=HYPERLINK"), col);
	assert_int_equal(column_of(l3, "第二工場"), col);
	/* and the role column after the host names */
	col = column_of(head, "役割");
	assert_int_equal(column_of(l1, "PLC 90%"), col);
	/* a VLAN column, since one device sent tagged frames */
	col = column_of(head, "VLAN");
	assert_int_equal(column_of(l1, "10 4094"), col);
	/* the long Japanese name was cut with an ellipsis within 20 columns */
	assert_null(strstr(l3, "データ収集サーバ"));
	assert_non_null(strstr(l3, "\xe2\x80\xa6"));
	/* operations with Japanese names */
	assert_non_null(strstr(text, "読出し 50, 書込み 2"));
	/* top conversation by bytes first */
	assert_true(strstr(text, "modbus tcp/502") < strstr(text, "ntp udp/123"));
	free(text);

	/* with zones too: both columns, the zone first */
	sample_build(&s);
	{
		char err[256] = "";
		const char zt[] = "zone line1 第一系統\nvlan line1 10\nvlan line1 4094\n";

		assert_int_equal(mk_report_set_zones(&s.r, mk_zones_parse(zt, strlen(zt), "z", err,
		                                                          sizeof(err))),
		                 0);
	}
	text = render(&s.r, 10);
	mk_report_set_zones(&s.r, NULL);
	sample_free(&s);
	line_with(text, "MACアドレス", head, sizeof(head));
	line_with(text, "10.0.0.5 +1", l1, sizeof(l1));
	assert_true(column_of(head, "ゾーン") < column_of(head, "VLAN"));
	assert_int_equal(column_of(l1, "第一系統"), column_of(head, "ゾーン"));
	assert_int_equal(column_of(l1, "10 4094"), column_of(head, "VLAN"));
	free(text);
	mk_i18n_set_lang(MK_LANG_EN);
}

static void test_text_caps_rows(void **state)
{
	struct sample s;
	char *text;

	setenv("TZ", "UTC", 1);
	mk_i18n_set_lang(MK_LANG_EN);
	sample_build(&s);
	text = render(&s.r, 2);
	assert_non_null(strstr(text, "Asset ledger (devices: 3)"));
	assert_non_null(strstr(text, "... and 1 more (see --json / --csv)"));
	assert_null(strstr(text, "10.0.0.20")); /* third by address: not shown */
	assert_non_null(strstr(text, "Packets: 1,234,567"));
	assert_non_null(strstr(text, "1 h 0 min"));
	assert_non_null(strstr(text, "truncated at offset 1234"));
	assert_non_null(strstr(text, "lldp (L2)"));
	free(text);

	mk_i18n_set_lang(MK_LANG_JA);
	text = render(&s.r, 1);
	assert_non_null(strstr(text, "…ほか 2 件"));
	free(text);
	mk_i18n_set_lang(MK_LANG_EN);
	sample_free(&s);

	struct mk_report empty;

	memset(&empty, 0, sizeof(empty));
	text = render(&empty, 10);
	assert_non_null(strstr(text, "No devices were found."));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_json_empty_report),
		cmocka_unit_test(test_json_io_error),
		cmocka_unit_test(test_csv_files),
		cmocka_unit_test(test_csv_bad_dir),
		cmocka_unit_test(test_text_japanese_alignment),
		cmocka_unit_test(test_text_caps_rows),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

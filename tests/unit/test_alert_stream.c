/* test_alert_stream.c - the alert stream: the RFC 5424 formatter (exact
 * messages, PRI values, SD escaping, hostile text, cuts at a UTF-8 boundary),
 * target and facility parsing, the JSON-lines writer, the memory of what was
 * sent (new / update / nothing, seeds, the cap), and the three transports
 * against real sockets on this host (UDP, TCP octet counting, a unix
 * datagram socket), including a TCP receiver that is down and comes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "mieruka/addr.h"
#include "mieruka/alert_stream.h"
#include "mieruka/facts.h"
#include "mieruka/report.h"
#include "mieruka/util.h"

#define BOM "\xef\xbb\xbf"

/* 2023-05-01T09:30:00.123456Z and 2023-05-01T09:31:01.000001Z */
#define T_FIRST 1682933400123456000ull
#define T_LAST 1682933461000001000ull

static void make_alert(struct mk_alert_rec *a)
{
	static const uint8_t c[4] = {192, 168, 0, 10}, s[4] = {192, 168, 0, 20};

	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "al-0123456789abcdef");
	snprintf(a->type, sizeof(a->type), "plc_control");
	a->severity = MK_SEV_CRITICAL;
	mk_addr_set_ip4(&a->client, c);
	mk_addr_set_ip4(&a->server, s);
	a->transport = 6;
	a->port = 102;
	a->proto = MK_PROTO_S7COMM;
	a->first_ns = T_FIRST;
	a->last_ns = T_LAST;
	a->count = 3;
	a->title_en = (char *)"PLC stop: 192.168.0.10 -> 192.168.0.20";
	a->detail_en = (char *)"Stopped.";
	a->title_ja = (char *)"PLC停止";
	a->detail_ja = (char *)"停止しました。";
}

static struct mk_syslog_format fmt(size_t max_len)
{
	struct mk_syslog_format f = {
	    .facility = 16,
	    .lang = MK_STREAM_LANG_BOTH,
	    .hostname = "plant-gw",
	    .procid = 4242,
	    .max_len = max_len,
	};
	return f;
}

#define SD_BASE                                                                                    \
	"[mieruka@32473 id=\"al-0123456789abcdef\" event=\"new\" type=\"plc_control\" "            \
	"severity=\"critical\" client=\"192.168.0.10\" server=\"192.168.0.20\" proto=\"s7comm\" "  \
	"port=\"102\" count=\"3\" first=\"2023-05-01T09:30:00.123456Z\"]"

static void test_format_exact(void **state)
{
	struct mk_alert_rec a;
	struct mk_syslog_format f = fmt(2048);
	char buf[4096];
	bool cut = true;
	size_t n;
	static const char want[] =
	    "<130>1 2023-05-01T09:31:01.000001Z plant-gw mieruka 4242 plc_control " SD_BASE " " BOM
	    "PLC stop: 192.168.0.10 -> 192.168.0.20 | Stopped. | PLC停止";

	(void)state;
	make_alert(&a);
	n = mk_syslog_format_alert(buf, sizeof(buf), &f, "new", &a, &cut);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
	assert_false(cut);

	/* One language each */
	f.lang = MK_STREAM_LANG_EN;
	mk_syslog_format_alert(buf, sizeof(buf), &f, "new", &a, NULL);
	assert_non_null(strstr(buf, "] " BOM "PLC stop: 192.168.0.10 -> 192.168.0.20 | Stopped."));
	assert_null(strstr(buf, "PLC停止"));
	f.lang = MK_STREAM_LANG_JA;
	mk_syslog_format_alert(buf, sizeof(buf), &f, "update", &a, NULL);
	assert_non_null(strstr(buf, "] " BOM "PLC停止 | 停止しました。"));
	assert_non_null(strstr(buf, " event=\"update\" "));
	assert_null(strstr(buf, "Stopped"));
}

static void test_format_nil_and_absent(void **state)
{
	struct mk_alert_rec a;
	struct mk_syslog_format f = fmt(2048);
	char buf[4096];

	(void)state;
	make_alert(&a);
	/* No host name, no process id: NILVALUE; time 0 is written as the JSON
	 * document writes it; an alert without server, port and protocol leaves
	 * those parameters out. */
	a.last_ns = 0;
	a.first_ns = 0;
	memset(&a.server, 0, sizeof(a.server));
	a.port = 0;
	a.proto = MK_PROTO_UNKNOWN;
	a.severity = MK_SEV_INFO;
	snprintf(a.type, sizeof(a.type), "scan_hosts");
	f.hostname = NULL;
	f.procid = 0;
	f.facility = 1;
	mk_syslog_format_alert(buf, sizeof(buf), &f, "new", &a, NULL);
	assert_string_equal(buf, "<14>1 1970-01-01T00:00:00.000000Z - mieruka - scan_hosts "
	                         "[mieruka@32473 id=\"al-0123456789abcdef\" "
	                         "event=\"new\" type=\"scan_hosts\" severity=\"info\" "
	                         "client=\"192.168.0.10\" count=\"3\" "
	                         "first=\"1970-01-01T00:00:00.000000Z\"] " BOM
	                         "PLC stop: 192.168.0.10 -> 192.168.0.20 | Stopped. | PLC停止");
	/* A host name with blanks and non-ASCII keeps its printable ASCII only. */
	f.hostname = "line 1 ゲートウェイ\tgw";
	mk_syslog_format_alert(buf, sizeof(buf), &f, "new", &a, NULL);
	assert_memory_equal(buf, "<14>1 1970-01-01T00:00:00.000000Z line1gw mieruka - ", 52);
}

static void test_pri_values(void **state)
{
	static const struct {
		unsigned facility, sev, pri;
	} cases[] = {
	    {16, MK_SEV_CRITICAL, 130}, {16, MK_SEV_HIGH, 131}, {16, MK_SEV_MEDIUM, 132},
	    {16, MK_SEV_LOW, 133},      {16, MK_SEV_INFO, 134}, {0, MK_SEV_CRITICAL, 2},
	    {23, MK_SEV_INFO, 190},     {4, MK_SEV_HIGH, 35},   {1, MK_SEV_MEDIUM, 12},
	};
	struct mk_alert_rec a;
	char buf[4096], want[16];

	(void)state;
	assert_int_equal(mk_syslog_severity(MK_SEV_CRITICAL), 2);
	assert_int_equal(mk_syslog_severity(MK_SEV_HIGH), 3);
	assert_int_equal(mk_syslog_severity(MK_SEV_MEDIUM), 4);
	assert_int_equal(mk_syslog_severity(MK_SEV_LOW), 5);
	assert_int_equal(mk_syslog_severity(MK_SEV_INFO), 6);
	make_alert(&a);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mk_syslog_format f = fmt(2048);

		f.facility = cases[i].facility;
		a.severity = (uint8_t)cases[i].sev;
		mk_syslog_format_alert(buf, sizeof(buf), &f, "new", &a, NULL);
		snprintf(want, sizeof(want), "<%u>1 ", cases[i].pri);
		assert_memory_equal(buf, want, strlen(want));
	}
}

/* Valid UTF-8 without control characters (C0, DEL, C1). */
static bool clean_utf8(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t len;
		uint32_t cp;

		if (u[i] < 0x80)
			len = 1, cp = u[i];
		else if (u[i] >= 0xc2 && u[i] <= 0xdf)
			len = 2, cp = u[i] & 0x1f;
		else if (u[i] >= 0xe0 && u[i] <= 0xef)
			len = 3, cp = u[i] & 0x0f;
		else if (u[i] >= 0xf0 && u[i] <= 0xf4)
			len = 4, cp = u[i] & 0x07;
		else
			return false;
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (u[i + k] & 0x3f);
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return false;
		i += len;
	}
	return true;
}

static void test_escaping_and_hostile_text(void **state)
{
	struct mk_alert_rec a;
	struct mk_syslog_format f = fmt(2048);
	char buf[4096];
	const char *msg;

	(void)state;
	make_alert(&a);
	/* RFC 5424 §6.3.3: '"', '\' and ']' escaped in PARAM-VALUE */
	snprintf(a.type, sizeof(a.type), "a\"b\\c]d e");
	a.title_en = (char *)"line1\nline2\r\n<13>1 fake - - - - -\tend\x1b[2J\x7f";
	a.detail_en = (char *)"bad \xff\xfe utf8, C1 \xc2\x85 next, overlong \xc0\xaf";
	a.title_ja = (char *)"日本語]\"\\";
	mk_syslog_format_alert(buf, sizeof(buf), &f, "new", &a, NULL);
	/* MSGID keeps printable ASCII (no blank) */
	assert_non_null(strstr(buf, " mieruka 4242 a\"b\\c]de [mieruka@32473 "));
	assert_non_null(strstr(buf, " type=\"a\\\"b\\\\c\\]d e\" "));
	msg = strstr(buf, "] " BOM);
	assert_non_null(msg);
	assert_string_equal(msg + 2 + 3,
	                    "line1 line2  <13>1 fake - - - - - end [2J  | bad ?? utf8, C1   next, "
	                    "overlong ?? | 日本語]\"\\");
	assert_true(clean_utf8(buf, strlen(buf)));
	assert_null(strchr(buf, '\n'));
}

static void test_cut_at_utf8_boundary(void **state)
{
	struct mk_alert_rec a;
	struct mk_syslog_format f = fmt(8192);
	char full[8192], buf[8192];
	size_t full_len, head_len;
	const char *msg;
	bool cut;

	(void)state;
	make_alert(&a);
	/* Japanese text (3-byte characters), a 4-byte character and ASCII mixed */
	a.title_en = (char *)"Firmware written \xf0\x9f\x94\xa5 to the controller";
	a.detail_en = (char *)"x";
	a.title_ja = (char *)"制御機器のファームウェア（またはファイル）が書き込まれました: "
	                     "192.168.10.105 → 192.168.10.120（enip）";
	full_len = mk_syslog_format_alert(full, sizeof(full), &f, "new", &a, &cut);
	assert_false(cut);
	msg = strstr(full, "] " BOM);
	assert_non_null(msg);
	head_len = (size_t)(msg - full) + 1; /* up to the ']' */
	for (size_t max = head_len; max <= full_len + 2; max++) {
		size_t n;

		f.max_len = max;
		n = mk_syslog_format_alert(buf, sizeof(buf), &f, "new", &a, &cut);
		assert_true(n <= max);
		assert_int_equal(strlen(buf), n);
		assert_memory_equal(buf, full, n); /* a prefix of the whole message */
		assert_true(clean_utf8(buf, n));
		if (max >= full_len) {
			assert_int_equal(n, full_len);
			assert_false(cut);
		} else {
			assert_true(cut);
			/* only what does not fit whole is left out: a character is at
			 * most 4 bytes, the " | " separator 3 */
			assert_true(n >= head_len);
			if (n > head_len + 4)
				assert_true(max - n < 4);
		}
	}
	/* Without room for the header there is no message. */
	f.max_len = head_len - 1;
	assert_int_equal(mk_syslog_format_alert(buf, sizeof(buf), &f, "new", &a, &cut), 0);
	assert_string_equal(buf, "");
	/* The buffer bounds it too. */
	f.max_len = 8192;
	assert_int_equal(mk_syslog_format_alert(buf, head_len + 10, &f, "new", &a, &cut),
	                 head_len + 4 + 5); /* " " BOM "Firmw" fits in 9 bytes + NUL */
	assert_true(cut);
}

static void test_udp_2048(void **state)
{
	struct mk_alert_rec a;
	struct mk_syslog_format f = fmt(MK_SYSLOG_MAX_UDP);
	char big[6000], buf[8192];
	bool cut;
	size_t n;

	(void)state;
	make_alert(&a);
	for (size_t i = 0; i + 3 < sizeof(big); i += 3)
		memcpy(big + i, "試", 3);
	big[sizeof(big) - 1 - (sizeof(big) - 1) % 3] = '\0';
	a.detail_en = big;
	n = mk_syslog_format_alert(buf, sizeof(buf), &f, "new", &a, &cut);
	assert_true(cut);
	assert_true(n <= 2048 && n > 2045);
	assert_true(clean_utf8(buf, n));
}

static void test_target_parse(void **state)
{
	struct mk_syslog_target t;
	char err[256], s[512];
	static const char *const bad[] = {
	    "",          "syslog.example", "http://x:514", "udp://",       "udp://:514",
	    "udp://a:0", "udp://a:65536",  "udp://a:",     "udp://a:5x",   "udp://a b:514",
	    "udp://::1", "udp://[::1",     "udp://[::1]x", "udp://[]:514", "tcp://a/b:514",
	    "unix:",     "unix://",        "udp://a:-1",   "udp://a:+5",   "tcp://a:514:1",
	};

	(void)state;
	assert_int_equal(mk_syslog_target_parse("udp://siem.example.com", &t, err, sizeof(err)), 0);
	assert_int_equal(t.transport, MK_SYSLOG_UDP);
	assert_string_equal(t.host, "siem.example.com");
	assert_string_equal(t.port, "514");
	assert_int_equal(mk_syslog_target_parse("tcp://10.0.0.5:6514", &t, err, sizeof(err)), 0);
	assert_int_equal(t.transport, MK_SYSLOG_TCP);
	assert_string_equal(t.host, "10.0.0.5");
	assert_string_equal(t.port, "6514");
	mk_syslog_target_str(&t, s, sizeof(s));
	assert_string_equal(s, "tcp://10.0.0.5:6514");
	assert_int_equal(mk_syslog_target_parse("udp://[fd00::5]:1514", &t, err, sizeof(err)), 0);
	assert_string_equal(t.host, "fd00::5");
	assert_string_equal(t.port, "1514");
	mk_syslog_target_str(&t, s, sizeof(s));
	assert_string_equal(s, "udp://[fd00::5]:1514");
	assert_int_equal(mk_syslog_target_parse("udp://[::1]", &t, err, sizeof(err)), 0);
	assert_string_equal(t.port, "514");
	assert_int_equal(mk_syslog_target_parse("unix:/dev/log", &t, err, sizeof(err)), 0);
	assert_int_equal(t.transport, MK_SYSLOG_UNIX);
	assert_string_equal(t.path, "/dev/log");
	assert_int_equal(
	    mk_syslog_target_parse("unix:///run/systemd/journal/syslog", &t, err, sizeof(err)), 0);
	assert_string_equal(t.path, "/run/systemd/journal/syslog");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (mk_syslog_target_parse(bad[i], &t, err, sizeof(err)) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(err[0] != '\0');
	}
	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	memcpy(s, "unix:", 5);
	assert_int_equal(mk_syslog_target_parse(s, &t, err, sizeof(err)), -1);
	assert_int_equal(mk_syslog_target_parse(NULL, &t, err, sizeof(err)), -1);
}

static void test_facility_parse(void **state)
{
	(void)state;
	assert_int_equal(mk_syslog_facility_parse("local0"), 16);
	assert_int_equal(mk_syslog_facility_parse("LOCAL7"), 23);
	assert_int_equal(mk_syslog_facility_parse("user"), 1);
	assert_int_equal(mk_syslog_facility_parse("daemon"), 3);
	assert_int_equal(mk_syslog_facility_parse("auth"), 4);
	assert_int_equal(mk_syslog_facility_parse("authpriv"), 10);
	assert_int_equal(mk_syslog_facility_parse("0"), 0);
	assert_int_equal(mk_syslog_facility_parse("23"), 23);
	assert_int_equal(mk_syslog_facility_parse("24"), -1);
	assert_int_equal(mk_syslog_facility_parse("local8"), -1);
	assert_int_equal(mk_syslog_facility_parse(""), -1);
	assert_int_equal(mk_syslog_facility_parse("-1"), -1);
	assert_int_equal(mk_syslog_facility_parse(NULL), -1);
}

/* ------------------------------------------------------------ JSON lines */

static struct mk_asset_rec assets[2];
static struct mk_conv_rec convs[1];
static struct mk_alert_rec alerts[3];
static struct mk_addr asset_ips[2];

static void make_report(struct mk_report *r, size_t n_alerts)
{
	static const uint8_t c[4] = {192, 168, 0, 10}, s[4] = {192, 168, 0, 20};

	memset(r, 0, sizeof(*r));
	memset(assets, 0, sizeof(assets));
	memset(convs, 0, sizeof(convs));
	mk_addr_set_ip4(&asset_ips[0], c);
	mk_addr_set_ip4(&asset_ips[1], s);
	snprintf(assets[0].id, sizeof(assets[0].id), "m-00000000000a");
	assets[0].ips = &asset_ips[0];
	assets[0].n_ips = 1;
	snprintf(assets[1].id, sizeof(assets[1].id), "m-000000000014");
	assets[1].ips = &asset_ips[1];
	assets[1].n_ips = 1;
	convs[0].client = asset_ips[0];
	convs[0].server = asset_ips[1];
	convs[0].transport = 6;
	convs[0].port = 102;
	convs[0].proto = MK_PROTO_S7COMM;
	for (size_t i = 0; i < 3; i++) {
		make_alert(&alerts[i]);
		alerts[i].id[sizeof("al-0123456789abcde") - 1] = (char)('0' + i);
	}
	r->assets = assets;
	r->n_assets = 2;
	r->convs = convs;
	r->n_convs = 1;
	r->alerts = alerts;
	r->n_alerts = n_alerts;
}

static void test_jsonl_line(void **state)
{
	struct mk_report r;
	struct mk_report_index *ix;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	static const char want[] =
	    "{\"id\":\"al-0123456789abcde0\",\"type\":\"plc_control\",\"severity\":\"critical\","
	    "\"time\":\"2023-05-01T09:30:00.123456Z\",\"assets\":[\"m-00000000000a\","
	    "\"m-000000000014\"],\"communications\":[0],\"title\":{\"ja\":\"PLC停止\",\"en\":"
	    "\"PLC stop: 192.168.0.10 -> 192.168.0.20\\u000asecond line\"},\"detail\":{\"ja\":"
	    "\"停止しました。\",\"en\":\"Stopped.\"},\"evidence\":{\"client\":\"192.168.0.10\","
	    "\"server\":\"192.168.0.20\",\"protocol\":\"s7comm\",\"port\":102},\"count\":3,"
	    "\"first_seen\":\"2023-05-01T09:30:00.123456Z\",\"last_seen\":"
	    "\"2023-05-01T09:31:01.000001Z\",\"status\":\"open\",\"event\":\"new\"}\n";

	(void)state;
	make_report(&r, 1);
	alerts[0].title_en = (char *)"PLC stop: 192.168.0.10 -> 192.168.0.20\nsecond line";
	ix = mk_report_index_new(&r);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(mk_alert_stream_jsonl(f, "new", &r, ix, &alerts[0]), 0);
	fclose(f);
	assert_string_equal(text, want);
	/* exactly one line */
	assert_ptr_equal(strchr(text, '\n'), text + len - 1);
	free(text);

	/* The document writes the same object, without "event". */
	text = NULL;
	f = open_memstream(&text, &len);
	{
		struct mk_json j;

		mk_json_init(&j, f, false);
		mk_report_json_alert(&j, &r, ix, &alerts[0], NULL);
	}
	fclose(f);
	assert_int_equal(len, strlen(want) - strlen(",\"event\":\"new\"}\n") + 1);
	assert_memory_equal(text, want, len - 1);
	assert_int_equal(text[len - 1], '}');
	free(text);
	mk_report_index_free(ix);
}

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_stream_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The lines of path as "event id count" each, joined by ';'. */
static void lines_summary(const char *path, char *out, size_t outlen)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	size_t n = 0;

	out[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *id = strstr(line, "\"id\":\""), *ev = strstr(line, "\"event\":\"");
		const char *cnt = strstr(line, "\"count\":");

		assert_non_null(id);
		assert_non_null(ev);
		assert_non_null(cnt);
		assert_int_equal(line[strlen(line) - 1], '\n');
		n += (size_t)snprintf(out + n, outlen - n, "%.*s %.19s %lu;",
		                      (int)strcspn(ev + 9, "\""), ev + 9, id + 6,
		                      strtoul(cnt + 8, NULL, 10));
	}
	fclose(f);
}

static void test_stream_memory(void **state)
{
	struct mk_alert_stream_options o;
	struct mk_alert_stream *s;
	struct mk_report r;
	char path[256], err[256], got[1024];

	(void)state;
	snprintf(path, sizeof(path), "%s/a.jsonl", tmpdir);
	mk_alert_stream_options_default(&o);
	o.jsonl_path = path;
	s = mk_alert_stream_open(&o, err, sizeof(err));
	assert_non_null(s);
	make_report(&r, 2);
	assert_true(mk_alert_stream_pending(s, &alerts[0]));
	mk_alert_stream_emit(s, &r);
	assert_false(mk_alert_stream_pending(s, &alerts[0]));
	assert_false(mk_alert_stream_pending(s, &alerts[1]));
	mk_alert_stream_emit(s, &r); /* nothing changed: nothing written */
	alerts[1].count = 7;         /* count changed */
	r.n_alerts = 3;              /* and a new one */
	assert_true(mk_alert_stream_pending(s, &alerts[1]));
	mk_alert_stream_emit(s, &r);
	alerts[0].severity = MK_SEV_HIGH; /* severity changed */
	mk_alert_stream_emit(s, &r);
	alerts[0].last_ns += 1000; /* only the time: not an update */
	assert_false(mk_alert_stream_pending(s, &alerts[0]));
	mk_alert_stream_emit(s, &r);
	assert_int_equal(mk_alert_stream_stats(s)->jsonl_written, 5);
	assert_int_equal(mk_alert_stream_stats(s)->jsonl_failed, 0);
	mk_alert_stream_close(s);
	lines_summary(path, got, sizeof(got));
	assert_string_equal(got, "new al-0123456789abcde0 3;new al-0123456789abcde1 3;"
	                         "update al-0123456789abcde1 7;new al-0123456789abcde2 3;"
	                         "update al-0123456789abcde0 3;");

	/* A second stream on the same file appends; seeded alerts (the
	 * database before the run) only go out when they change. */
	s = mk_alert_stream_open(&o, err, sizeof(err));
	assert_non_null(s);
	make_report(&r, 3);
	mk_alert_stream_seed(s, &alerts[0]);
	mk_alert_stream_seed(s, &alerts[1]);
	alerts[1].count = 4;
	mk_alert_stream_emit(s, &r);
	mk_alert_stream_close(s);
	lines_summary(path, got, sizeof(got));
	assert_string_equal(got, "new al-0123456789abcde0 3;new al-0123456789abcde1 3;"
	                         "update al-0123456789abcde1 7;new al-0123456789abcde2 3;"
	                         "update al-0123456789abcde0 3;"
	                         "update al-0123456789abcde1 4;new al-0123456789abcde2 3;");
}

static void test_stream_cap(void **state)
{
	struct mk_alert_stream_options o;
	struct mk_alert_stream *s;
	struct mk_report r;
	char path[256], err[256], got[1024];

	(void)state;
	snprintf(path, sizeof(path), "%s/cap.jsonl", tmpdir);
	mk_alert_stream_options_default(&o);
	o.jsonl_path = path;
	o.max_alerts = 2;
	s = mk_alert_stream_open(&o, err, sizeof(err));
	assert_non_null(s);
	make_report(&r, 3);
	mk_alert_stream_emit(s, &r);
	assert_false(mk_alert_stream_pending(s, &alerts[2])); /* no room: never sent */
	mk_alert_stream_emit(s, &r);
	assert_int_equal(mk_alert_stream_stats(s)->jsonl_written, 2);
	assert_int_equal(mk_alert_stream_stats(s)->untracked, 1);
	mk_alert_stream_close(s);
	lines_summary(path, got, sizeof(got));
	assert_string_equal(got, "new al-0123456789abcde0 3;new al-0123456789abcde1 3;");

	/* A file that cannot be opened is an error at open. */
	o.jsonl_path = "/nonexistent-dir/a.jsonl";
	err[0] = '\0';
	assert_null(mk_alert_stream_open(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent-dir/a.jsonl"));
}

/* ------------------------------------------------------------ transports */

static int udp_listener(char *target, size_t len)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	struct timeval tv = {2, 0};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(target, len, "udp://127.0.0.1:%u", ntohs(sa.sin_port));
	return fd;
}

static struct mk_syslog_format local_fmt(size_t max_len)
{
	static char host[256];
	struct mk_syslog_format f = fmt(max_len);

	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	f.hostname = host;
	f.procid = (unsigned long)getpid();
	return f;
}

static struct mk_alert_stream *open_syslog(const char *target)
{
	struct mk_alert_stream_options o;
	char err[256];
	struct mk_alert_stream *s;

	mk_alert_stream_options_default(&o);
	o.syslog = true;
	assert_int_equal(mk_syslog_target_parse(target, &o.syslog_target, err, sizeof(err)), 0);
	s = mk_alert_stream_open(&o, err, sizeof(err));
	assert_non_null(s);
	return s;
}

static void test_udp_send(void **state)
{
	char target[64], got[4096], want[4096];
	int fd = udp_listener(target, sizeof(target));
	struct mk_syslog_format f = local_fmt(MK_SYSLOG_MAX_UDP);
	struct mk_alert_stream *s = open_syslog(target);
	struct mk_report r;
	ssize_t n;

	(void)state;
	make_report(&r, 2);
	mk_alert_stream_emit(s, &r);
	for (size_t i = 0; i < 2; i++) {
		n = recv(fd, got, sizeof(got), 0);
		assert_int_equal(
		    n, mk_syslog_format_alert(want, sizeof(want), &f, "new", &alerts[i], NULL));
		assert_memory_equal(got, want, (size_t)n);
	}
	assert_int_equal(mk_alert_stream_stats(s)->syslog_sent, 2);
	mk_alert_stream_close(s);
	close(fd);
}

static void test_tcp_octet_counting(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	struct timeval tv = {2, 0};
	struct mk_syslog_format f = local_fmt(MK_SYSLOG_MAX_TCP);
	struct mk_alert_stream *s;
	struct mk_report r;
	char target[64], want[2][4096], frames[9000], got[9000];
	size_t want_len = 0, have = 0;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), cfd;
	uint16_t port;

	(void)state;
	assert_true(lfd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	close(lfd); /* first: nobody listens */
	snprintf(target, sizeof(target), "tcp://127.0.0.1:%u", port);
	s = open_syslog(target);
	make_report(&r, 2);
	mk_alert_stream_emit(s, &r);
	assert_int_equal(mk_alert_stream_stats(s)->syslog_sent, 0);
	assert_int_equal(mk_alert_stream_stats(s)->syslog_failed, 2);
	assert_true(mk_alert_stream_pending(s, &alerts[0]));

	/* The receiver comes up: the next emit connects and sends both, as new. */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	mk_alert_stream_emit(s, &r);
	assert_int_equal(mk_alert_stream_stats(s)->syslog_sent, 2);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (size_t i = 0; i < 2; i++) {
		size_t n =
		    mk_syslog_format_alert(want[i], sizeof(want[i]), &f, "new", &alerts[i], NULL);

		want_len += (size_t)snprintf(frames + want_len, sizeof(frames) - want_len, "%zu %s",
		                             n, want[i]);
	}
	while (have < want_len) {
		ssize_t n = recv(cfd, got + have, sizeof(got) - have, 0);

		assert_true(n > 0);
		have += (size_t)n;
	}
	assert_int_equal(have, want_len);
	assert_memory_equal(got, frames, want_len);
	mk_alert_stream_close(s);
	close(cfd);
	close(lfd);
}

static void test_unix_datagram(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {2, 0};
	struct mk_syslog_format f = local_fmt(MK_SYSLOG_MAX_UDP);
	struct mk_alert_stream *s;
	struct mk_report r;
	char target[200], got[4096], want[4096];
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ssize_t n;

	(void)state;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/log", tmpdir);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(target, sizeof(target), "unix:%s", sa.sun_path);
	s = open_syslog(target);
	make_report(&r, 1);
	mk_alert_stream_emit(s, &r);
	n = recv(fd, got, sizeof(got), 0);
	assert_int_equal(n,
	                 mk_syslog_format_alert(want, sizeof(want), &f, "new", &alerts[0], NULL));
	assert_memory_equal(got, want, (size_t)n);
	mk_alert_stream_close(s);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_exact),
	    cmocka_unit_test(test_format_nil_and_absent),
	    cmocka_unit_test(test_pri_values),
	    cmocka_unit_test(test_escaping_and_hostile_text),
	    cmocka_unit_test(test_cut_at_utf8_boundary),
	    cmocka_unit_test(test_udp_2048),
	    cmocka_unit_test(test_target_parse),
	    cmocka_unit_test(test_facility_parse),
	    cmocka_unit_test(test_jsonl_line),
	    cmocka_unit_test(test_stream_memory),
	    cmocka_unit_test(test_stream_cap),
	    cmocka_unit_test(test_udp_send),
	    cmocka_unit_test(test_tcp_octet_counting),
	    cmocka_unit_test(test_unix_datagram),
	};

	mk_log_set_level(MK_LOG_ERROR); /* the unreachable receiver's warning */
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

/* test_assess_report.c - the printable report (HTML, Markdown), its SVG map,
 * the CSV exports and the PDF printer, on the hand-made assessment of
 * support/report_fixture.c: every section present in both languages, no
 * untranslated key, hostile names from the network and hostile answers
 * escaped (HTML, Markdown, SVG) or guarded (CSV), nothing loaded from
 * outside, the order of the heat table, alerts and plan, the map's groups and
 * edges (also with zones, and collapsed above 600 devices), and the PDF
 * printer against fake Chromium scripts (arguments, missing, failing, not a
 * PDF, hanging past the timeout, the target kept on failure). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "assess/report_int.h"
#include "mieruka/assess.h"
#include "mieruka/zones.h"
#include "support/report_fixture.h"

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_assess_report_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- helpers ---- */

struct buf {
	char *p;
	size_t n;
};

static struct buf render(int kind, enum mk_lang lang, const struct mk_rfx *fx)
{
	struct buf b = {NULL, 0};
	FILE *f = open_memstream(&b.p, &b.n);
	int rc;

	assert_non_null(f);
	if (kind == 0)
		rc = mk_assess_report_html(f, fx->as, fx->a, fx->r, lang);
	else if (kind == 1)
		rc = mk_assess_report_md(f, fx->as, fx->a, fx->r, lang);
	else
		rc = mk_assess_map_svg(f, fx->r, lang);
	assert_int_equal(rc, 0);
	assert_int_equal(fclose(f), 0);
	/* MK_REPORT_DUMP=DIR keeps what was rendered, for a person to look at */
	if (getenv("MK_REPORT_DUMP") != NULL) {
		char path[512];
		FILE *d;

		snprintf(path, sizeof(path), "%s/fixture-%s.%s", getenv("MK_REPORT_DUMP"),
		         lang == MK_LANG_JA ? "ja" : "en", kind == 0 ? "html" : kind == 1 ? "md" : "svg");
		if ((d = fopen(path, "w")) != NULL) {
			fwrite(b.p, 1, b.n, d);
			fclose(d);
		}
	}
	return b;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += len)
		n++;
	return n;
}

/* The text between the first from and the next to after it (a copy). */
static char *between(const char *hay, const char *from, const char *to)
{
	const char *a = strstr(hay, from), *b;
	char *out;

	assert_non_null(a);
	b = strstr(a, to);
	assert_non_null(b);
	out = strndup(a, (size_t)(b - a));
	assert_non_null(out);
	return out;
}

/* No catalogue key shown instead of its text: "ar." + lowercase letter not
 * preceded by a letter or digit (keys are missing from report.tsv). */
static void assert_no_keys(const char *s)
{
	for (const char *p = s; (p = strstr(p, "ar.")) != NULL; p++) {
		bool word = p > s && ((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z') ||
		                      (p[-1] >= '0' && p[-1] <= '9'));

		if (!word && p[3] >= 'a' && p[3] <= 'z') {
			fprintf(stderr, "untranslated key at: %.40s\n", p);
			fail();
		}
	}
	assert_null(strstr(s, "role."));
	assert_null(strstr(s, "severity."));
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = calloc(1, (size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return p;
}

static void write_file(const char *path, const char *text, int mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t)mode);
}

/* ---- HTML ---- */

static void test_html_sections_ja(void **state)
{
	static const char *const ids[] = {"cover", "summary", "assets", "map", "alerts",
	                                  "entries", "plan", "meti", "ipa25", "bcp", "sources"};
	static const char *const heads[] = {
		"<h2>まとめ</h2>", "<h2>ネットワーク上の機器一覧</h2>", "<h2>ネットワーク構成図</h2>",
		"<h2>検知したアラート</h2>", "<h2>入口ごとのリスク</h2>", "<h2>対策計画</h2>",
		"<h2>経済産業省ガイドラインのチェックリスト</h2>",
		"<h2>IPA「5分でできる自社診断」（25項目）</h2>", "<h2>サイバーBCP</h2>",
		"<h2>出典と確かさ</h2>"};
	struct mk_rfx fx;
	struct buf b;
	const char *prev = NULL;

	(void)state;
	mk_rfx_get(&fx);
	b = render(0, MK_LANG_JA, &fx);
	assert_true(strncmp(b.p, "<!DOCTYPE html>\n<html lang=\"ja\">", 32) == 0);
	assert_non_null(strstr(b.p, "</body>\n</html>\n"));
	/* every section, once, in the order of the contents */
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char needle[64];
		const char *at;

		snprintf(needle, sizeof(needle), "<section id=\"%s\"", ids[i]);
		assert_int_equal(count(b.p, needle), 1);
		at = strstr(b.p, needle);
		assert_true(prev == NULL || at > prev);
		prev = at;
		if (i > 0) {
			snprintf(needle, sizeof(needle), "<a href=\"#%s\">", ids[i]);
			assert_int_equal(count(b.p, needle), 1);
		}
	}
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		assert_non_null(strstr(b.p, heads[i]));
	/* print CSS: A4, the map on A3 landscape, repeated headers, page breaks, fonts */
	assert_non_null(strstr(b.p, "@page{size:A4;"));
	assert_non_null(strstr(b.p, "@page map{size:A3 landscape;"));
	assert_non_null(strstr(b.p, "thead{display:table-header-group}"));
	assert_non_null(strstr(b.p, "section.page{break-before:page}"));
	assert_non_null(strstr(b.p, "\"Noto Sans CJK JP\",\"IPAexGothic\""));
	/* cover: the factory from the BCP, the author, the date, the period */
	assert_non_null(strstr(b.p, "<strong>&lt;img src=x onerror=alert(1)&gt;工場</strong> 本社工場"));
	assert_non_null(strstr(b.p, "<td>山田 太郎</td>"));
	assert_non_null(strstr(b.p, "<td>2026年12月7日</td>"));
	assert_non_null(strstr(b.p, "<td>2026年12月6日 00:00 – 2026年12月6日 23:59</td>"));
	/* summary facts */
	assert_non_null(strstr(b.p, "<td class=\"num\">6</td>"));
	assert_non_null(strstr(b.p, "<td>1件 （うち重要度「高」以上: 1件）</td>"));
	assert_non_null(strstr(b.p, "<td>30 / 100 (ランク D)</td>"));
	assert_non_null(strstr(b.p, "<td>3 / 100 (要改善)</td>"));
	assert_non_null(strstr(b.p, "<td class=\"warn\">5件</td>"));
	/* sources appendix: the legend with its marks and the METI URL as text */
	assert_non_null(strstr(b.p, "<span class=\"badge conf-m\">推定</span>"));
	assert_non_null(strstr(b.p, "<span class=\"badge conf-p\">要確認</span>"));
	assert_non_null(strstr(b.p, "<td class=\"url\">https://www.meti.go.jp/policy/netsecurity/"
	                            "wg1/factorysystems_guideline.html</td>"));
	assert_no_keys(b.p);
	free(b.p);
}

static void test_html_sections_en(void **state)
{
	struct mk_rfx fx;
	struct buf b;

	(void)state;
	mk_rfx_get(&fx);
	b = render(0, MK_LANG_EN, &fx);
	assert_true(strncmp(b.p, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0);
	assert_non_null(strstr(b.p, "<h2>Devices on the network</h2>"));
	assert_non_null(strstr(b.p, "<h2>Network map</h2>"));
	assert_non_null(strstr(b.p, "<h2>Risk at each entry point</h2>"));
	assert_non_null(strstr(b.p, "<h2>Cyber-BCP</h2>"));
	assert_non_null(strstr(b.p, "<td>2026-12-07</td>"));
	assert_non_null(strstr(b.p, "<h3 id=\"ep-maintenance\">10 Maintenance line</h3>"));
	/* English kb texts, not Japanese ones */
	assert_non_null(strstr(b.p, "Set rules for USB memory"));
	assert_null(strstr(b.p, "USBメモリーの使い方のルールを決める"));
	assert_non_null(strstr(b.p, "The log has entries &amp; the rule is posted"));
	assert_no_keys(b.p);
	free(b.p);
}

static void test_html_escaping(void **state)
{
	struct mk_rfx fx;
	struct buf b;

	(void)state;
	mk_rfx_get(&fx);
	for (int lang = 0; lang < 2; lang++) {
		b = render(0, (enum mk_lang)lang, &fx);
		/* nothing hostile survives as markup, anywhere */
		assert_null(strstr(b.p, "<img"));
		assert_null(strstr(b.p, "<script"));
		assert_null(strstr(b.p, "</script"));
		assert_null(strstr(b.p, "onerror=alert(1)>"));
		/* ... but it is all shown as text: ledger, map, BCP, alert title, answers' notes,
		 * evidence details, the status note */
		assert_true(count(b.p, "&lt;img src=x onerror=alert(1)&gt;") >= 4);
		assert_true(count(b.p, "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;") >= 5);
		assert_non_null(strstr(b.p, "<td class=\"name\">=cmd|&#39; /C calc&#39;!A0</td>"));
		assert_non_null(strstr(b.p, "<td class=\"name\">MFP&amp;Co</td>"));
		assert_non_null(strstr(b.p, "rdp &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
		/* nothing is loaded from elsewhere: no scripts, links, remote images or CSS imports */
		assert_null(strstr(b.p, "<link"));
		assert_null(strstr(b.p, "src=\""));
		assert_null(strstr(b.p, "src='"));
		assert_null(strstr(b.p, "href=\"http"));
		assert_null(strstr(b.p, "@import"));
		assert_null(strstr(b.p, "url("));
		assert_non_null(strstr(b.p, "content=\"default-src 'none'; style-src 'unsafe-inline'; "
		                            "img-src data:\""));
		free(b.p);
	}
}

static void test_heat_table(void **state)
{
	struct mk_rfx fx;
	struct buf b;
	char *heat;

	(void)state;
	mk_rfx_get(&fx);
	b = render(0, MK_LANG_JA, &fx);
	heat = between(b.p, "<table class=\"heat\">", "</table>");
	/* one header row and a row per entry point, in order */
	assert_int_equal(count(heat, "<tr"), 14);
	assert_true(strstr(heat, ">01 USBメモリー<") < strstr(heat, ">02 持ち込みPC<"));
	assert_true(strstr(heat, ">12 部品・資材<") < strstr(heat, ">13 新規導入機器（新規購入機器）<"));
	assert_non_null(strstr(heat, "<th>工場停止</th><th>情報漏えい</th><th>データ改ざん</th>"
	                             "<th>品質低下</th><th>最大</th>"));
	/* usb: 9 high for stop, 4 medium for leak, highest 9 */
	assert_non_null(strstr(heat, "<td class=\"name\">01 USBメモリー</td><td>使っている</td>"
	                             "<td class=\"heat-high\">9 高</td><td class=\"heat-medium\">4 中</td>"
	                             "<td class=\"heat-low\">1 低</td><td class=\"heat-low\">1 低</td>"
	                             "<td class=\"heat-high\">9 高</td>"));
	/* brought_pc: use unknown, flagged */
	assert_non_null(strstr(heat, "<td>わからない <span class=\"badge flag\">要確認</span></td>"));
	/* mfp: not used, grey */
	assert_non_null(strstr(heat, "<tr class=\"na\"><td class=\"name\">05 複合機・プリンター</td>"
	                             "<td>使っていない</td>"));
	assert_int_equal(count(heat, "対象外"), 1);
	free(heat);
	/* the top actions: the plan's first three, in order */
	heat = between(b.p, "<table class=\"top\">", "</table>");
	assert_int_equal(count(heat, "<tr"), 4);
	assert_true(strstr(heat, "USBメモリーの使い方のルールを決める") <
	            strstr(heat, "保守用回線は作業のときだけつなぐ"));
	assert_true(strstr(heat, "保守用回線は作業のときだけつなぐ") <
	            strstr(heat, "PLCのプログラムと設定のバックアップを取り、復元を試す"));
	assert_non_null(strstr(heat, "<td>すべての入口</td>"));
	free(heat);
	free(b.p);
}

static void test_alerts_and_plan_order(void **state)
{
	struct mk_rfx fx;
	struct buf b;
	char *sec;

	(void)state;
	mk_rfx_get(&fx);
	b = render(0, MK_LANG_JA, &fx);
	sec = between(b.p, "<section id=\"alerts\"", "</section>");
	/* the open high alert before the accepted low one, though that one is newer */
	assert_true(strstr(sec, "PLCのプログラムが書き換えられました") < strstr(sec, "新しい機器: "));
	assert_non_null(strstr(sec, "<tr class=\"sev-high\"><td><span class=\"badge sev-high\">高</span>"
	                            "</td><td>未対応</td>"));
	assert_non_null(strstr(sec, "<td>問題なし（通常の通信）</td>"));
	assert_non_null(strstr(sec, "192.168.1.30 → 192.168.1.10 / s7comm"));
	assert_non_null(strstr(sec, "いま行うこと: ラインの担当者に確認してください。"));
	assert_non_null(strstr(sec, "メモ: &lt;/script&gt;"));
	assert_non_null(strstr(sec, "<td class=\"num\">4</td>"));
	free(sec);

	sec = between(b.p, "<section id=\"plan\"", "</section>");
	/* this week first, then the rest; numbered across both */
	assert_true(strstr(sec, "今週できること（費用なし・1日でできる）") <
	            strstr(sec, "<h4>1. USBメモリーの使い方のルールを決める</h4>"));
	assert_true(strstr(sec, "<h4>1. USBメモリーの使い方のルールを決める</h4>") <
	            strstr(sec, "その後に取り組む対策"));
	assert_true(strstr(sec, "その後に取り組む対策") <
	            strstr(sec, "<h4>2. 保守用回線は作業のときだけつなぐ</h4>"));
	assert_non_null(strstr(sec, "<h4>3. PLCのプログラムと設定のバックアップを取り、復元を試す</h4>"));
	/* progress: carried over since the last run, with its date; done since */
	assert_non_null(strstr(sec, "<span class=\"badge open\">前回から継続</span>"));
	assert_non_null(strstr(sec, "2026年11月7日 から計画に入っています。"));
	assert_non_null(strstr(sec, "前回（2026年11月7日）の診断と比べています。"));
	assert_non_null(strstr(sec, "<li>USBメモリーを使う前にウイルス検査する</li>"));
	/* why / how / who / check */
	assert_non_null(strstr(sec, "<td class=\"th\">なぜ必要か</td><td>持ち込まれたUSBメモリーは"));
	assert_non_null(strstr(sec, "<td class=\"th\">担当</td><td>生産技術課長</td>"));
	assert_non_null(strstr(sec, "費用: 無料・手間: 1日・段階: 弱点をなくす・種類: 人的・組織的・"
	                            "下がるリスク: 7・現在: 実施していない"));
	free(sec);
	free(b.p);
}

static void test_plan_rest(void **state)
{
	struct mk_plan_item plan[24];
	struct mk_rfx fx;
	struct buf b;
	char *sec, *rest;

	(void)state;
	mk_rfx_get(&fx);
	for (size_t i = 0; i < 23; i++)
		plan[i] = (struct mk_plan_item){.cm = i % 5, .risk_reduced = (int)(30 - i),
		                                .this_week = i == 0, .answer = "no",
		                                .progress = i == 22 ? MK_PLAN_OPEN : MK_PLAN_NEW};
	fx.as->plan = plan;
	fx.as->n_plan = 23;
	b = render(0, MK_LANG_JA, &fx);
	sec = between(b.p, "<section id=\"plan\"", "</section>");
	/* 20 in full (this week's one and 19 more), 3 in a table, numbered on */
	assert_int_equal(count(sec, "<div class=\"plan-item\">"), 20);
	assert_non_null(strstr(sec, "<h4>20. "));
	assert_int_equal(count(sec, "<table class=\"plan-rest\">"), 1);
	rest = between(sec, "<table class=\"plan-rest\">", "</table>");
	assert_int_equal(count(rest, "<tr"), 4);
	assert_non_null(strstr(rest, "<tr><td class=\"num\">21</td><td>USBメモリーの使い方のルールを決める "
	                             "<span class=\"badge conf-p\">要確認</span></td><td>USBメモリー</td>"
	                             "<td>無料 / 1日</td><td class=\"num\">10</td><td>新規</td></tr>"));
	assert_non_null(strstr(rest, "<td class=\"num\">23</td>"));
	assert_non_null(strstr(rest, "<td>前回から継続</td></tr>"));
	free(rest);
	free(sec);
	free(b.p);
	/* the Markdown has them all in full */
	b = render(1, MK_LANG_JA, &fx);
	sec = between(b.p, "\n## 対策計画\n", "\n## 経済産業省");
	assert_int_equal(count(sec, "\n#### "), 23);
	assert_null(strstr(sec, "| # |"));
	free(sec);
	free(b.p);

	/* 22 for this week, 2 then: this week's first 20 in full, the rest of each group
	 * in its own table, under its own heading */
	for (size_t i = 0; i < 24; i++)
		plan[i] = (struct mk_plan_item){.cm = i % 5, .risk_reduced = 1, .this_week = i < 22,
		                                .answer = "no", .progress = MK_PLAN_NEW};
	fx.as->n_plan = 24;
	b = render(0, MK_LANG_JA, &fx);
	sec = between(b.p, "<section id=\"plan\"", "</section>");
	assert_int_equal(count(sec, "<div class=\"plan-item\">"), 20);
	assert_int_equal(count(sec, "<table class=\"plan-rest\">"), 2);
	rest = between(sec, "<h3 id=\"plan-week\">", "<h3 id=\"plan-then\">");
	assert_int_equal(count(rest, "<div class=\"plan-item\">"), 20);
	assert_non_null(strstr(rest, "<td class=\"num\">22</td>"));
	free(rest);
	rest = strstr(sec, "<h3 id=\"plan-then\">");
	assert_int_equal(count(rest, "<div class=\"plan-item\">"), 0);
	assert_non_null(strstr(rest, "<td class=\"num\">24</td>"));
	free(sec);
	free(b.p);
}

static void test_entries_section(void **state)
{
	struct mk_rfx fx;
	struct buf b;
	char *sec;

	(void)state;
	mk_rfx_get(&fx);
	b = render(0, MK_LANG_JA, &fx);
	sec = between(b.p, "<h3 id=\"ep-maintenance\">", "<h3 id=\"ep-cloud\">");
	/* title with the seed slide's name, the M mark, the evidence waiting for a person */
	assert_non_null(strstr(sec, "10 保守用ネットワーク（保守用回線）</h3>"));
	assert_non_null(strstr(sec, "<span class=\"badge conf-m\">推定</span>"));
	assert_non_null(strstr(sec, "<span class=\"badge flag\">確認待ち</span> 外部から3件のリモート接続"));
	assert_non_null(strstr(sec, "「この入口を使っていますか？」への回答の案: 使っている"));
	assert_non_null(strstr(sec, "<td class=\"addr\">203.0.113.7</td>"));
	assert_non_null(strstr(sec, "ほかに 1 件あります"));
	/* its countermeasures with the answers and notes (the formula text is just text here) */
	assert_non_null(strstr(sec, "<td>一部実施している<br><span class=\"answer-note\">=cmd|&#39; /C "
	                            "calc&#39;!A0</span></td>"));
	/* the measures for every entry point are not repeated here */
	assert_null(strstr(sec, "PLCのプログラムと設定のバックアップ"));
	free(sec);
	sec = between(b.p, "<h3 id=\"ep-all\">すべての入口に共通の対策</h3>", "</table>");
	assert_int_equal(count(sec, "<tr"), 2);
	assert_non_null(strstr(sec, "<td>PLCのプログラムと設定のバックアップを取り、復元を試す</td>"
	                            "<td>復旧する</td><td>技術的</td><td>中程度</td>"
	                            "<td class=\"warn\">わからない</td>"));
	free(sec);
	sec = between(b.p, "<h3 id=\"ep-usb\">", "<h3 id=\"ep-brought_pc\">");
	assert_non_null(strstr(sec, "<td>実施していない<br><span class=\"answer-note\">&lt;/script&gt;"));
	assert_non_null(strstr(sec, "(山田 (生産技術課))"));
	assert_non_null(strstr(sec, "<td class=\"heat-high\">9 高</td>"));
	assert_non_null(strstr(sec, "脅威の大きさ 2/3、弱点の大きさ 3/3。守る対策の実施率 0%"));
	assert_non_null(strstr(sec, "<span class=\"badge conf-p\">要確認</span>"));
	free(sec);
	/* evidence of no single entry point, after the 13 */
	sec = between(b.p, "<h3 id=\"ep-general\">工場全体についてネットワークから見えたこと</h3>",
	              "</section>");
	assert_non_null(strstr(sec, "<span class=\"badge flag\">確認待ち</span> 制御機器のプログラムを"));
	assert_non_null(strstr(sec, "「バックアップから復元できることを確かめていますか？」への回答の案: "
	                            "実施していない"));
	assert_non_null(strstr(sec, "<td>s7comm download</td>"));
	free(sec);
	assert_true(strstr(b.p, "<h3 id=\"ep-new_equipment\">") < strstr(b.p, "<h3 id=\"ep-general\">"));
	/* a not-used entry point shows no risk table */
	sec = between(b.p, "<h3 id=\"ep-mfp\">", "<h3 id=\"ep-handheld\">");
	assert_null(strstr(sec, "<table"));
	assert_non_null(strstr(sec, "使っていない"));
	free(sec);
	/* checklists */
	sec = between(b.p, "<section id=\"meti\"", "</section>");
	assert_non_null(strstr(sec, "<td>2-13</td>"));
	assert_non_null(strstr(sec, "わからない <span class=\"badge flag\">「わからない」を未実施として採点</span>"));
	assert_non_null(strstr(sec, "<td class=\"num\">20.0</td>"));
	free(sec);
	sec = between(b.p, "<section id=\"ipa25\"", "</section>");
	assert_non_null(strstr(sec, "<td class=\"num warn\">-1</td>"));
	assert_non_null(strstr(sec, "<td class=\"num\">4 *</td>"));
	assert_non_null(strstr(sec, "<li>2. ウイルス対策ソフトを導入していますか？</li>"));
	free(sec);
	free(b.p);
}

static void test_bcp_section(void **state)
{
	/* the shape of mk_bcp_json's document (docs/ASSESSMENT.md), steps out of the
	 * template's order on purpose, one step missing ("drill") */
	static const char doc[] =
		"{\"today\": \"2026-12-07\", \"entered\": false,"
		" \"company\": {\"name\": \"<b>本社</b>\", \"site\": null},"
		" \"policy\": \"安全第一\", \"existing_bcp\": null, \"decision_by\": \"工場長\","
		" \"steps\": ["
		"  {\"id\": \"policy\", \"order\": 2, \"title\": {\"ja\": \"基本方針を決める\", \"en\": \"Set the policy\"},"
		"   \"text\": {\"ja\": \"方針の説明\", \"en\": \"About the policy\"}, \"fields\": [{\"id\": \"policy\"}]},"
		"  {\"id\": \"prepare\", \"order\": 1, \"title\": {\"ja\": \"事前対策を実施する\", \"en\": \"Prepare\"},"
		"   \"text\": {\"ja\": \"準備の説明\", \"en\": \"About preparing\"}, \"fields\": []},"
		"  {\"id\": \"criteria\", \"order\": 3, \"title\": {\"ja\": \"判断基準を決める\", \"en\": \"Criteria\"}, \"text\": null},"
		"  {\"id\": \"organization\", \"order\": 4, \"title\": {\"ja\": \"運用体制を決める\", \"en\": \"Organization\"}, \"text\": null},"
		"  {\"id\": \"flow\", \"order\": 5, \"title\": {\"ja\": \"緊急時対応の流れを決める\", \"en\": \"Flow\"}, \"text\": null}],"
		" \"systems\": [{\"asset\": \"m-1\", \"name\": \"PLC-LINE1\", \"address\": \"192.168.1.10\", \"role\": \"plc\","
		"   \"entered\": false, \"candidate\": \"role\", \"critical\": true, \"line\": null, \"rto_hours\": null,"
		"   \"rpo_hours\": null, \"manual_fallback\": null, \"backups\": [], \"depends_on\": []},"
		"  {\"asset\": null, \"name\": \"生産管理\", \"address\": null, \"role\": null, \"entered\": true,"
		"   \"candidate\": null, \"critical\": true, \"line\": \"全体\", \"rto_hours\": 24, \"rpo_hours\": 4,"
		"   \"manual_fallback\": \"紙の指示書\", \"backups\": [{\"what\": \"data\", \"what_name\": {\"ja\": \"データ\","
		"   \"en\": \"Data\"}, \"where\": \"NAS\", \"when\": \"毎日\", \"offline\": false, \"restore_tested\": \"2026-05-01\"}],"
		"   \"depends_on\": []}],"
		" \"candidates_dropped\": 3,"
		" \"recovery_order\": [{\"step\": 1, \"system\": 1, \"asset\": null, \"name\": \"生産管理\", \"role\": null,"
		"   \"tier\": 9, \"after\": [], \"cycle\": false},"
		"  {\"step\": 2, \"system\": 0, \"asset\": \"m-1\", \"name\": \"PLC-LINE1\", \"role\": \"plc\", \"tier\": 3,"
		"   \"after\": [\"生産管理\"], \"cycle\": true}],"
		" \"isolation_points\": [{\"kind\": \"device\", \"asset\": \"m-9\", \"name\": \"RT1\", \"address\": \"10.0.0.1\","
		"   \"role\": \"router\"}, {\"kind\": \"zone_boundary\", \"zones\": [{\"id\": \"a\", \"name\": \"事務所\"},"
		"   {\"id\": \"b\", \"name\": \"ライン1\"}], \"conversations\": 12}],"
		" \"signs\": [{\"id\": \"scan\", \"kind\": \"cyber\", \"text\": {\"ja\": \"機器を探す通信\", \"en\": \"Scans\"},"
		"   \"alerts\": [\"scan_hosts\"], \"seen\": 2}, {\"id\": \"hw\", \"kind\": \"fault\", \"text\": {\"ja\":"
		"   \"一台だけ止まる\", \"en\": \"One device stops\"}, \"alerts\": [], \"seen\": 0}],"
		" \"actions\": [{\"id\": \"a1\", \"phase\": \"first\", \"order\": 1, \"text\": {\"ja\": \"電源は切らずに、LANケーブルを抜く\","
		"   \"en\": \"Unplug the cable\"}}, {\"id\": \"a2\", \"phase\": \"recovery\", \"order\": 1, \"text\": {\"ja\":"
		"   \"バックアップから戻す\", \"en\": \"Restore\"}}],"
		" \"roles\": [],"
		" \"contacts\": [{\"category\": \"police\", \"name\": {\"ja\": \"警察\", \"en\": \"Police\"}, \"when\":"
		"   {\"ja\": \"被害が出たとき\", \"en\": \"On damage\"}, \"required\": true, \"entries\": []}],"
		" \"drills\": [{\"type\": \"restore\", \"name\": {\"ja\": \"復元テスト\", \"en\": \"Restore test\"}, \"text\":"
		"   {\"ja\": \"予備機に戻す\", \"en\": \"Onto a spare\"}, \"every_months\": 12, \"entries\": [{\"every_months\": 12,"
		"   \"last_done\": \"2025-10-01\"}]}],"
		" \"gaps\": [{\"id\": \"no_drill\", \"severity\": \"medium\", \"text\": {\"ja\": \"12か月以内の訓練がありません\","
		"   \"en\": \"No drill in 12 months\"}, \"system\": null, \"subject\": null}]}";
	struct mk_rfx fx;
	struct buf b = {NULL, 0};
	FILE *f;
	json_t *j = json_loads(doc, 0, NULL);
	struct mk_rw w;
	char *p;

	(void)state;
	mk_rfx_get(&fx);
	assert_non_null(j);
	f = open_memstream(&b.p, &b.n);
	w = (struct mk_rw){.f = f, .lang = MK_LANG_JA, .md = false};
	mk_rpt_bcp_section(&w, j, NULL);
	fclose(f);
	p = b.p;
	/* not entered yet: said so; the gaps first, then the steps in the document's order,
	 * each with what belongs to it; a missing step's part after them */
	assert_non_null(strstr(p, "BCPはまだ記入されていません。"));
	assert_non_null(strstr(p, "<td class=\"th\">名前</td><td>&lt;b&gt;本社&lt;/b&gt;</td>"));
	assert_true(strstr(p, "<h3 id=\"bcp-gaps\">足りないところ</h3>") < strstr(p, "<h3>2. 基本方針を決める</h3>"));
	assert_non_null(strstr(p, "<span class=\"badge sev-medium\">中</span></td><td>12か月以内の訓練がありません</td>"));
	assert_true(strstr(p, "<h3>2. 基本方針を決める</h3>") < strstr(p, "<strong>基本方針</strong> 安全第一"));
	assert_true(strstr(p, "<strong>基本方針</strong> 安全第一") < strstr(p, "<h3>1. 事前対策を実施する</h3>"));
	assert_true(strstr(p, "<h3>1. 事前対策を実施する</h3>") < strstr(p, "<h4>重要なシステム・ライン</h4>"));
	assert_true(strstr(p, "<h4>重要なシステム・ライン</h4>") < strstr(p, "<h3>3. 判断基準を決める</h3>"));
	assert_true(strstr(p, "<h3>5. 緊急時対応の流れを決める</h3>") < strstr(p, "<h4>訓練</h4>"));
	/* systems: the candidate marked, missing RTO flagged, the backup with its restore test */
	assert_non_null(strstr(p, "<strong>PLC-LINE1</strong> <span class=\"badge conf-p\">mieruka の案</span>"
	                          "<br>192.168.1.10 / PLC</td>"));
	assert_non_null(strstr(p, "<td class=\"num warn\"></td>"));
	assert_non_null(strstr(p, "<td class=\"num\">24</td><td class=\"num\">4</td><td>紙の指示書</td>"
	                          "<td>・データ: NAS (毎日) 復元を試した日: 2026-05-01</td>"));
	assert_non_null(strstr(p, "ほかに 3 件の候補があります"));
	/* recovery order, isolation points, signs, contacts, actions by phase, drills */
	assert_non_null(strstr(p, "<td class=\"num\">2</td><td>PLC-LINE1</td><td>PLC</td><td>生産管理 "
	                          "<span class=\"badge flag\">互いに依存</span></td>"));
	assert_non_null(strstr(p, "<td>RT1 10.0.0.1</td><td>ルータ・ゲートウェイ</td>"));
	assert_non_null(strstr(p, "<td>事務所 ↔ ライン1</td><td>ここを通る通信 12件</td>"));
	assert_non_null(strstr(p, "<span class=\"badge sev-high\">攻撃の疑い</span></td><td>機器を探す通信</td>"
	                          "<td class=\"warn\">該当するアラート 2件</td>"));
	assert_non_null(strstr(p, "<td>警察 <span class=\"badge flag\">必須</span></td><td>被害が出たとき</td>"
	                          "<td class=\"warn\">未記入</td>"));
	assert_true(strstr(p, "<h4>初動</h4>") < strstr(p, "<li>1. 電源は切らずに、LANケーブルを抜く</li>"));
	assert_true(strstr(p, "<h4>復旧</h4>") < strstr(p, "<li>1. バックアップから戻す</li>"));
	assert_non_null(strstr(p, "<td class=\"num\">12</td><td>前回の実施: 2025-10-01</td>"));
	/* nothing English, no empty roles table, no raw markup */
	assert_null(strstr(p, "No drill"));
	assert_null(strstr(p, "<h4>役割</h4>"));
	assert_null(strstr(p, "<b>"));
	assert_no_keys(p);
	free(b.p);
	json_decref(j);

	/* the fixture's user entries, from the answers (bcp.c's document not there) */
	b = render(0, MK_LANG_JA, &fx);
	{
		char *sec = between(b.p, "<section id=\"bcp\"", "</section>");

		assert_non_null(strstr(sec, "<td class=\"th\">名前</td><td>&lt;img src=x onerror=alert(1)&gt;工場</td>"));
		assert_non_null(strstr(sec, "<th>区分</th><th>会社・機関</th><th>名前</th><th>電話</th>"));
		assert_non_null(strstr(sec, "<td>装置メーカー</td><td>=cmd|&#39; /C calc&#39;!A0</td>"));
		assert_non_null(strstr(sec, "<td>警察（サイバー犯罪相談窓口）</td>"));
		/* the asset id named from the ledger; the backups one per line, in words */
		assert_non_null(strstr(sec, "<tr><td>PLC-LINE1</td><td>ライン1 PLC</td><td>ライン1</td>"
		                            "<td>はい</td><td>8</td><td>24</td><td>手動運転</td>"));
		assert_non_null(strstr(sec, "<td>・対象: PLCのプログラム; 場所: 事務所の金庫; 時期: 毎月; "
		                            "ネットワークから切り離して保管: はい</td>"));
		assert_non_null(strstr(sec, "<td>机上訓練</td><td>12</td><td></td>"));
		/* nothing for what is not there */
		assert_null(strstr(sec, "<h3>ステップ</h3>"));
		assert_null(strstr(sec, "<h3>復旧の順番</h3>"));
		free(sec);
	}
	free(b.p);

	/* no BCP at all */
	fx.a->bcp_json = NULL;
	b = render(0, MK_LANG_JA, &fx);
	assert_non_null(strstr(b.p, "サイバーBCPはまだ記入されていません。"));
	assert_non_null(strstr(b.p, "（工場名は未記入です）"));
	free(b.p);
}

/* BCP JSON of every wrong shape: no crash, nothing unescaped, rows capped. */
static void test_bcp_odd_shapes(void **state)
{
	static const char *const docs[] = {
		"{\"steps\": [1, \"x\", {\"id\": 5, \"title\": [1, 2]}, {\"id\": \"prepare\"}],"
		" \"systems\": {\"a\": 1}, \"gaps\": [null, {\"severity\": \"<x>\", \"text\": 3}],"
		" \"contacts\": [{\"entries\": \"x\"}, 7], \"drills\": [{\"entries\": [1, {\"last_done\": 5}]}],"
		" \"actions\": [{\"phase\": 1}, {\"phase\": \"<i>\", \"text\": \"<u>x</u>\"}],"
		" \"company\": \"str\", \"recovery_order\": [{\"after\": {\"x\": [1]}}],"
		" \"isolation_points\": [{\"kind\": \"zone_boundary\", \"zones\": 1}, {\"kind\": 3}],"
		" \"signs\": [{\"kind\": null, \"seen\": \"many\"}]}",
		"{\"x\": [[[[[[[[{\"a\": {\"b\": {\"c\": \"<deep>\"}}}]]]]]]]], \"company\": [1, {\"<k>\": \"<v>\"}],"
		" \"systems\": [{\"backups\": {\"what\": 1}}, {\"asset\": 3}], \"policy\": {\"ja\": 1, \"en\": 2}}",
	};
	struct buf b = {NULL, 0};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *j = json_loads(docs[i], 0, NULL);
		FILE *f = open_memstream(&b.p, &b.n);
		struct mk_rw w = {.f = f, .lang = MK_LANG_JA, .md = i == 1};

		assert_non_null(j);
		mk_rpt_bcp_section(&w, j, NULL);
		fclose(f);
		assert_non_null(strstr(b.p, i == 1 ? "## サイバーBCP" : "<section id=\"bcp\""));
		assert_null(strstr(b.p, "<x>"));
		assert_null(strstr(b.p, "<i>"));
		assert_null(strstr(b.p, "<u>"));
		assert_null(strstr(b.p, "<deep>"));
		assert_null(strstr(b.p, "<k>"));
		free(b.p);
		json_decref(j);
	}
	/* a thousand contacts: 500 rows */
	{
		json_t *j = json_object(), *arr = json_array();
		FILE *f;
		struct mk_rw w;

		for (int i = 0; i < 1000; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s}", "category", "vendor", "org", "x"));
		json_object_set_new(j, "contacts", arr);
		f = open_memstream(&b.p, &b.n);
		w = (struct mk_rw){.f = f, .lang = MK_LANG_JA, .md = false};
		mk_rpt_bcp_section(&w, j, NULL);
		fclose(f);
		assert_int_equal(count(b.p, "<tr>"), 1 + MK_RPT_BCP_MAX_ROWS); /* the head and 500 */
		free(b.p);
		json_decref(j);
	}
}

/* ---- Markdown ---- */

/* '|' not escaped by a backslash */
static size_t pipes(const char *line, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
	return n;
}

static void test_markdown(void **state)
{
	struct mk_rfx fx;
	struct buf b;
	const char *row;

	(void)state;
	mk_rfx_get(&fx);
	b = render(1, MK_LANG_JA, &fx);
	assert_true(strncmp(b.p, "# 工場ネットワークのセキュリティ自己診断 報告書\n", 63) == 0);
	assert_non_null(strstr(b.p, "\n## ネットワーク上の機器一覧\n"));
	assert_non_null(strstr(b.p, "\n## ネットワーク構成図\n"));
	assert_non_null(strstr(b.p, "\n## 検知したアラート\n"));
	assert_non_null(strstr(b.p, "\n## 入口ごとのリスク\n"));
	assert_non_null(strstr(b.p, "\n## 対策計画\n"));
	assert_non_null(strstr(b.p, "\n## サイバーBCP\n"));
	assert_non_null(strstr(b.p, "\n### 01 USBメモリー\n"));
	/* no HTML of ours, no raw hostile markup */
	assert_null(strstr(b.p, "<section"));
	assert_null(strstr(b.p, "<svg"));
	assert_null(strstr(b.p, "<img"));
	assert_null(strstr(b.p, "<script"));
	assert_null(strstr(b.p, "</script"));
	/* the formula text: its '|' escaped so it stays in its cell */
	assert_non_null(strstr(b.p, "| =cmd\\|&#39; /C calc&#39;\\!A0 |"));
	/* GFM tables: the heat table's head, separator and a row of 7 cells */
	assert_non_null(strstr(b.p, "| 入口 | 使っているか | 工場停止 | 情報漏えい | データ改ざん | "
	                            "品質低下 | 最大 |\n|---|---|---|---|---|---|---|\n"));
	row = strstr(b.p, "| 01 USBメモリー | 使っている | 9 高 | 4 中 |");
	assert_non_null(row);
	assert_int_equal(pipes(row, (size_t)(strchr(row, '\n') - row)), 8);
	/* every ledger row has its 6 cells, whatever the names hold */
	row = strstr(b.p, "| 名前 | アドレス |");
	assert_non_null(row);
	for (int i = 0; i < 8; i++) {
		const char *nl = strchr(row, '\n');

		assert_int_equal(pipes(row, (size_t)(nl - row)), 7);
		row = nl + 1;
	}
	/* the map as tables */
	assert_non_null(strstr(b.p, "| 192.168.1.0/24 | 3 | PLC 1, HMI（操作パネル） 1, エンジニアリングPC 1 |"));
	assert_non_null(strstr(b.p, "| インターネット（工場の外） | 10.0.0.0/24 | dns | 5 | 1.0 kB |"));
	assert_no_keys(b.p);
	free(b.p);
}

/* ---- the SVG map ---- */

static void test_map_svg(void **state)
{
	struct mk_rfx fx;
	struct buf b, again;
	char *part;

	(void)state;
	mk_rfx_get(&fx);
	b = render(2, MK_LANG_JA, &fx);
	assert_true(strncmp(b.p, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"netmap\"", 54) == 0);
	assert_non_null(strstr(b.p, "</svg>\n"));
	assert_int_equal(count(b.p, "<svg"), 1);
	/* 6 devices and the internet node, in 4 boxes (two /24s, MAC only, the internet) */
	assert_int_equal(count(b.p, "<g class=\"device\">"), 7);
	assert_int_equal(count(b.p, "<g class=\"group\">"), 4);
	assert_non_null(strstr(b.p, ">192.168.1.0/24 (3台)</text>"));
	assert_non_null(strstr(b.p, ">10.0.0.0/24 (2台)</text>"));
	assert_non_null(strstr(b.p, ">MACアドレスのみ（IPアドレスなし） (1台)</text>"));
	assert_non_null(strstr(b.p, ">インターネット（工場の外）</text>"));
	/* inside the control /24: s7comm, modbus (orange) and rdp; inside the office: ipp */
	part = between(b.p, "<g class=\"device-edges\"", "</g>");
	assert_int_equal(count(part, "<path "), 4);
	assert_int_equal(count(part, "stroke=\"#d9480f\""), 2);
	free(part);
	/* between boxes: control-office (smb), office-internet (dns) */
	part = between(b.p, "<g class=\"group-edges\"", "</g>");
	assert_int_equal(count(part, "<line "), 2);
	free(part);
	/* the control group holds industrial traffic: an orange border */
	assert_int_equal(count(b.p, "stroke=\"#d9480f\" stroke-width=\"3\""), 1);
	/* hostile names escaped, a label cut with an ellipsis */
	assert_null(strstr(b.p, "<img"));
	assert_null(strstr(b.p, "<script"));
	assert_non_null(strstr(b.p, ">&lt;img src=x onerror…</text>"));
	assert_non_null(strstr(b.p, ">PLC-LINE1</text>"));
	/* the legend names the roles drawn */
	assert_non_null(strstr(b.p, ">エンジニアリングPC</text>"));
	assert_non_null(strstr(b.p, ">制御用の通信（Modbus、S7、MELSECなど）</text>"));
	assert_no_keys(b.p);
	/* the same input draws the same picture */
	again = render(2, MK_LANG_JA, &fx);
	assert_int_equal(again.n, b.n);
	assert_memory_equal(again.p, b.p, b.n);
	free(again.p);
	free(b.p);
}

static void test_map_zones(void **state)
{
	static const char zones[] = "zone line1 <b>ライン&1</b>\nsubnet line1 192.168.1.0/24\n";
	struct mk_rfx fx;
	struct buf b;
	char err[256];
	struct mk_zones *z;

	(void)state;
	mk_rfx_get(&fx);
	z = mk_zones_parse(zones, sizeof(zones) - 1, "zones.conf", err, sizeof(err));
	assert_non_null(z);
	assert_int_equal(mk_report_set_zones(fx.r, z), 0);
	b = render(2, MK_LANG_JA, &fx);
	assert_non_null(strstr(b.p, ">&lt;b&gt;ライン&amp;1&lt;/b&gt; (3台)</text>"));
	assert_non_null(strstr(b.p, ">ゾーン外: 10.0.0.0/24 (2台)</text>"));
	assert_null(strstr(b.p, "<b>"));
	free(b.p);
	b = render(0, MK_LANG_JA, &fx);
	assert_non_null(strstr(b.p, "設定したゾーンごとに枠でまとめています"));
	assert_non_null(strstr(b.p, "<td>&lt;b&gt;ライン&amp;1&lt;/b&gt;</td></tr>"));
	free(b.p);
	assert_int_equal(mk_report_set_zones(fx.r, NULL), 0);
}

/* 300 devices (a /24 of 250 and one of 50, a chain of conversations): each
 * drawn, on a canvas that keeps the A3 page's shape. */
static void test_map_300(void **state)
{
	enum { N = 300 };
	struct mk_report r;
	struct mk_asset_rec *as = calloc(N, sizeof(*as));
	struct mk_addr *ips = calloc(N, sizeof(*ips));
	struct mk_conv_rec *cv = calloc(N, sizeof(*cv));
	struct mk_role_rec roles[3] = {{.role = MK_ROLE_PLC, .confidence = 90},
	                               {.role = MK_ROLE_HMI, .confidence = 90},
	                               {.role = MK_ROLE_OFFICE_PC, .confidence = 90}};
	struct buf b = {NULL, 0};
	FILE *f;
	struct mk_map *m;
	double w, h;

	(void)state;
	assert_non_null(as);
	assert_non_null(ips);
	assert_non_null(cv);
	for (size_t i = 0; i < N; i++) {
		const uint8_t v[4] = {10, 1, i < 250 ? 0 : 1, (uint8_t)(i % 250 + 1)};

		snprintf(as[i].id, sizeof(as[i].id), "i-%zu", i);
		mk_addr_set_ip4(&ips[i], v);
		as[i].ips = &ips[i];
		as[i].n_ips = 1;
		as[i].roles = &roles[i % 3];
		as[i].n_roles = 1;
		if (i > 0) {
			cv[i - 1] = (struct mk_conv_rec){.client = ips[i], .server = ips[i - 1], .transport = 6,
			                                 .port = 502, .proto = MK_PROTO_MODBUS, .packets = 10,
			                                 .bytes = 1000 * i, .flows = 1};
		}
	}
	memset(&r, 0, sizeof(r));
	r.assets = as;
	r.n_assets = N;
	r.convs = cv;
	r.n_convs = N - 1;
	assert_int_equal(mk_map_build(&r, MK_LANG_JA, &m), 0);
	assert_false(m->collapsed);
	assert_int_equal(m->n_groups, 2);
	assert_int_equal(m->n_gedges, 1);        /* 10.1.0.250 - 10.1.1.1 */
	assert_int_equal(m->n_dedges, N - 2);    /* the rest of the chain, inside the boxes */
	w = m->width;
	h = m->height;
	assert_true(w >= 1000 && w <= 2400);
	assert_true(w / h > 1.0 && w / h < 2.0);
	/* no two devices on one spot */
	for (size_t i = 0; i < m->n_nodes; i++)
		for (size_t k = i + 1; k < m->n_nodes; k++)
			assert_false(m->nodes[i].x == m->nodes[k].x && m->nodes[i].y == m->nodes[k].y);
	mk_map_free(m);
	f = open_memstream(&b.p, &b.n);
	assert_int_equal(mk_assess_map_svg(f, &r, MK_LANG_JA), 0);
	fclose(f);
	assert_int_equal(count(b.p, "<g class=\"device\">"), N);
	assert_non_null(strstr(b.p, ">10.1.0.0/24 (250台)</text>"));
	if (getenv("MK_REPORT_DUMP") != NULL) {
		char path[512];
		FILE *d;

		snprintf(path, sizeof(path), "%s/map-300.svg", getenv("MK_REPORT_DUMP"));
		if ((d = fopen(path, "w")) != NULL) {
			fwrite(b.p, 1, b.n, d);
			fclose(d);
		}
	}
	free(b.p);
	free(as);
	free(ips);
	free(cv);
}

static void test_map_collapsed(void **state)
{
	enum { N = 700 };
	struct mk_report r;
	struct mk_asset_rec *as = calloc(N, sizeof(*as));
	struct mk_addr *ips = calloc(N, sizeof(*ips));
	struct mk_role_rec role = {.role = MK_ROLE_PLC, .confidence = 90};
	struct buf b = {NULL, 0};
	FILE *f;

	(void)state;
	assert_non_null(as);
	assert_non_null(ips);
	for (size_t i = 0; i < N; i++) {
		const uint8_t v[4] = {10, 1, (uint8_t)(i / 200), (uint8_t)(i % 200 + 1)};

		snprintf(as[i].id, sizeof(as[i].id), "i-%zu", i);
		mk_addr_set_ip4(&ips[i], v);
		as[i].ips = &ips[i];
		as[i].n_ips = 1;
		as[i].roles = &role;
		as[i].n_roles = i % 2 == 0;
	}
	memset(&r, 0, sizeof(r));
	r.assets = as;
	r.n_assets = N;
	f = open_memstream(&b.p, &b.n);
	assert_int_equal(mk_assess_map_svg(f, &r, MK_LANG_EN), 0);
	fclose(f);
	/* boxes with role counts, no device drawn */
	assert_int_equal(count(b.p, "<g class=\"device\">"), 0);
	assert_int_equal(count(b.p, "<g class=\"group\">"), 4);
	assert_non_null(strstr(b.p, ">10.1.0.0/24 (200 devices)</text>"));
	assert_non_null(strstr(b.p, ">10.1.3.0/24 (100 devices)</text>"));
	assert_int_equal(count(b.p, ">PLC 100</text>"), 3);
	assert_int_equal(count(b.p, ">unknown 100</text>"), 3);
	assert_int_equal(count(b.p, ">PLC 50</text>"), 1);
	assert_int_equal(count(b.p, ">unknown 50</text>"), 1);
	free(b.p);
	free(as);
	free(ips);
}

static void test_map_empty(void **state)
{
	struct mk_report r;
	struct buf b = {NULL, 0};
	FILE *f;

	(void)state;
	memset(&r, 0, sizeof(r));
	f = open_memstream(&b.p, &b.n);
	assert_int_equal(mk_assess_map_svg(f, &r, MK_LANG_JA), 0);
	assert_int_equal(mk_assess_map_svg(f, NULL, MK_LANG_JA), 0);
	fclose(f);
	assert_int_equal(count(b.p, "<svg"), 2);
	assert_int_equal(count(b.p, ">まだ機器が見つかっていません。</text>"), 2);
	free(b.p);
}

static void test_no_report(void **state)
{
	struct mk_rfx fx;
	struct buf b = {NULL, 0};
	FILE *f;

	(void)state;
	mk_rfx_get(&fx);
	f = open_memstream(&b.p, &b.n);
	assert_int_equal(mk_assess_report_html(f, fx.as, NULL, NULL, MK_LANG_JA), 0);
	fclose(f);
	assert_non_null(strstr(b.p, "通信の記録はまだ分析されていません"));
	assert_non_null(strstr(b.p, "アラートはありません。"));
	assert_int_equal(count(b.p, "まだ機器が見つかっていません。先に工場ネットワークの通信記録を"), 2);
	assert_no_keys(b.p);
	free(b.p);
}

/* ---- CSV ---- */

static char *csv_of(const char *name)
{
	char path[512];
	char *p;

	snprintf(path, sizeof(path), "%s/csv/%s", tmpdir, name);
	p = read_file(path, NULL);
	assert_non_null(p);
	assert_memory_equal(p, "\xef\xbb\xbf", 3);
	return p;
}

static void test_csv(void **state)
{
	struct mk_rfx fx;
	char dir[512], err[256];
	char *p;

	(void)state;
	mk_rfx_get(&fx);
	snprintf(dir, sizeof(dir), "%s/csv", tmpdir);
	assert_int_equal(mk_assess_export_csv(dir, fx.as, fx.a, MK_LANG_JA, err, sizeof(err)), 0);

	p = csv_of("risks.csv");
	assert_true(strncmp(p + 3, "entry_point,order,entry_point_name,applicable,threat_likelihood,"
	                           "vulnerability,protected_pct,mitigated_pct,unknown_answers,risk,"
	                           "risk_name,likelihood,impact,score,level,level_name\r\n", 170) == 0);
	assert_non_null(strstr(p, "\r\nusb,1,USBメモリー,yes,2,3,0,0,2,stop,工場停止,3,3,9,high,高\r\n"));
	assert_non_null(strstr(p, "\r\nbrought_pc,2,持ち込みPC,unknown,2,2,50,0,1,stop,工場停止,2,3,6,high,高\r\n"));
	assert_non_null(strstr(p, "\r\nmfp,5,複合機・プリンター,no,,,,,1,,,,,,,\r\n"));
	assert_int_equal(count(p, "\r\n"), 1 + 12 * 4 + 1);
	free(p);

	p = csv_of("plan.csv");
	assert_true(strncmp(p + 3, "rank,countermeasure,title,this_week,risk_reduced,stage,type,cost,"
	                           "effort,entry_points,answer,progress,first_planned,why,how,who,check,"
	                           "confidence\r\n", 120) == 0);
	assert_non_null(strstr(p, "\r\n1,usb.rules,USBメモリーの使い方のルールを決める,yes,7,remove,"
	                          "organizational,free,day,usb,no,new,,"));
	assert_non_null(strstr(p, "\r\n2,maintenance.window,保守用回線は作業のときだけつなぐ,no,3,protect,"
	                          "technical organizational,free,month,maintenance,partial,open,"
	                          "2026-11-07T00:00:00.000000Z,"));
	assert_non_null(strstr(p, "\r\n3,general.backup,"));
	assert_non_null(strstr(p, ",all,unknown,new,,"));
	free(p);

	p = csv_of("meti.csv");
	assert_non_null(strstr(p, "item,category,category_name,category_score,priority,title,answer,"
	                          "answer_name,flagged,confidence\r\n"));
	assert_non_null(strstr(p, "\r\n2-13,operational,運用的対策,20.0,2,復旧できるバックアップと復元の訓練,"
	                          "unknown,わからない,yes,\r\n"));
	free(p);

	p = csv_of("ipa25.csv");
	assert_non_null(strstr(p, "no,part,part_name,title,points,not_applicable,unknown,confidence\r\n"));
	/* -1 gets the formula guard like every cell starting with '-' */
	assert_non_null(strstr(p, "\r\n2,basic,Part 1 基本的対策,ウイルス対策ソフトを導入していますか？,'-1,no,yes,\r\n"));
	assert_non_null(strstr(p, "\r\n3,staff,Part 2 従業員としての対策,パスワードは強固にしていますか？,4,yes,no,\r\n"));
	free(p);

	p = csv_of("answers.csv");
	assert_non_null(strstr(p, "key,question,value,value_name,note,by,at,source\r\n"));
	/* every question, answered or not, then the override */
	assert_int_equal(count(p, "\r\n"), 1 + 13 + 5 + 1);
	assert_non_null(strstr(p, "\r\nuse.usb,この入口を使っていますか？,yes,使っている,,,"
	                          "2026-12-06T23:58:20.000000Z,file\r\n"));
	assert_non_null(strstr(p, "\r\nuse.wifi,この入口を使っていますか？,,,,,,\r\n"));
	assert_non_null(strstr(p, "\r\nmaintenance.window,保守用回線は作業のときだけつないでいますか？,partial,"
	                          "一部実施している,'=cmd|' /C calc'!A0,,"));
	assert_non_null(strstr(p, "\r\nimpact.usb.stop,,3,,,,"));
	free(p);

	p = csv_of("bcp_contacts.csv");
	assert_true(strncmp(p + 3, "category,org,name,phone,email,note\r\n", 36) == 0);
	/* the formula guard on the hostile organisation; a phone number starting with + too */
	assert_non_null(strstr(p, "\r\nvendor,'=cmd|' /C calc'!A0,佐藤,'+81-3-0000-0000,sato@example.jp,"
	                          "</script><script>alert(2)</script>\r\n"));
	assert_non_null(strstr(p, "\r\npolice,県警 サイバー犯罪相談窓口,,#9110,,\r\n"));
	free(p);

	p = csv_of("bcp_systems.csv");
	assert_true(strncmp(p + 3, "asset,name,line,critical,rto_hours,rpo_hours,manual_fallback,backups,"
	                           "entered,candidate\r\n", 88) == 0);
	assert_non_null(strstr(p, "\r\nm-001b1b000010,ライン1 PLC,ライン1,true,8,24,手動運転,"
	                          "\"what: plc_program, where: 事務所の金庫, when: 毎月, offline: はい\",,\r\n"));
	free(p);
}

static void test_csv_one(void **state)
{
	struct mk_rfx fx;
	struct buf b = {NULL, 0};
	FILE *f;

	(void)state;
	mk_rfx_get(&fx);
	f = open_memstream(&b.p, &b.n);
	assert_int_equal(mk_assess_csv(f, "plan.csv", fx.as, fx.a, MK_LANG_EN), 0);
	assert_int_equal(mk_assess_csv(f, "nothing.csv", fx.as, fx.a, MK_LANG_EN), -1);
	fclose(f);
	assert_memory_equal(b.p, "\xef\xbb\xbfrank,", 8);
	assert_non_null(strstr(b.p, "\r\n1,usb.rules,Set rules for USB memory,yes,7,"));
	assert_int_equal(count(b.p, "\r\n"), 4);
	free(b.p);

	/* the document's contact categories: a row per entry, with the category's id */
	fx.a->bcp_json = (char *)"{\"steps\": [], \"contacts\": [{\"category\": \"police\", \"name\":"
	                         " {\"ja\": \"警察\", \"en\": \"Police\"}, \"required\": true, \"entries\": []},"
	                         " {\"category\": \"vendor\", \"name\": {\"ja\": \"装置メーカー\", \"en\":"
	                         " \"Maker\"}, \"entries\": [{\"org\": \"A社\", \"name\": \"佐藤\", \"phone\":"
	                         " \"03\"}, {\"org\": \"=B\", \"email\": \"b@example.jp\"}]}],"
	                         " \"systems\": [{\"asset\": \"m-1\", \"name\": \"PLC\", \"entered\": false,"
	                         " \"candidate\": \"role\", \"critical\": true, \"backups\": []}]}";
	f = open_memstream(&b.p, &b.n);
	assert_int_equal(mk_assess_csv(f, "bcp_contacts.csv", fx.as, fx.a, MK_LANG_JA), 0);
	assert_int_equal(mk_assess_csv(f, "bcp_systems.csv", fx.as, fx.a, MK_LANG_JA), 0);
	fclose(f);
	assert_non_null(strstr(b.p, "category,org,name,phone,email,note\r\nvendor,A社,佐藤,03,,\r\n"
	                            "vendor,'=B,,,b@example.jp,\r\n\xef\xbb\xbf"));
	assert_non_null(strstr(b.p, "\r\nm-1,PLC,,true,,,,,false,role\r\n"));
	free(b.p);
}

/* ---- PDF through fake Chromium scripts ---- */

static char html_path[600];

static void pdf_setup(void)
{
	char path[600];

	snprintf(html_path, sizeof(html_path), "%s/my report.html", tmpdir);
	write_file(html_path, "<html><body>x</body></html>", 0644);
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	mkdir(path, 0755);
	mk_i18n_set_lang(MK_LANG_EN);
}

/* A fake chromium: sh script with body, made executable. */
static void fake(const char *name, const char *body)
{
	char path[600], text[4096];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body);
	write_file(path, text, 0755);
	setenv("MIERUKA_CHROMIUM", path, 1);
}

/* the --print-to-pdf= argument's value, in shell */
#define OUT_OF_ARGS "for a in \"$@\"; do case \"$a\" in --print-to-pdf=*) out=\"${a#--print-to-pdf=}\";; esac; done\n"

static void test_pdf_missing(void **state)
{
	char err[512], path[600], pdf[600];
	const char *old = getenv("PATH");
	char *saved = old != NULL ? strdup(old) : NULL;

	(void)state;
	pdf_setup();
	unsetenv("MIERUKA_CHROMIUM");
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	setenv("PATH", path, 1);
	snprintf(pdf, sizeof(pdf), "%s/a.pdf", tmpdir);
	assert_int_equal(mk_assess_report_pdf(html_path, pdf, err, sizeof(err)), -1);
	assert_string_equal(err, "PDF needs Chromium: sudo apt-get install chromium, or open the "
	                         "HTML report and print it");
	if (saved != NULL)
		setenv("PATH", saved, 1);
	free(saved);
	/* a MIERUKA_CHROMIUM that is not there is named */
	setenv("MIERUKA_CHROMIUM", "/nonexistent/chromium", 1);
	assert_int_equal(mk_assess_report_pdf(html_path, pdf, err, sizeof(err)), -1);
	assert_true(strncmp(err, "MIERUKA_CHROMIUM=/nonexistent/chromium: no such program", 55) == 0);
	/* neither is a missing HTML file */
	fake("chromium-ok", "exit 0");
	assert_int_equal(mk_assess_report_pdf("/nonexistent/r.html", pdf, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/r.html: cannot read the HTML report: No such file or "
	                         "directory");
	assert_int_equal(access(pdf, F_OK), -1);
	unsetenv("MIERUKA_CHROMIUM");
}

static void test_pdf_ok(void **state)
{
	char err[512], pdf[600], args_path[600], body[2048], want[800];
	char *args, *p;

	(void)state;
	pdf_setup();
	snprintf(args_path, sizeof(args_path), "%s/args", tmpdir);
	snprintf(body, sizeof(body),
	         "for a in \"$@\"; do echo \"$a\" >> '%s'; done\n" OUT_OF_ARGS
	         "printf '%%%%PDF-1.4 fake' > \"$out\"\necho 'noise on stderr' >&2\nexit 0",
	         args_path);
	fake("chromium-ok", body);
	snprintf(pdf, sizeof(pdf), "%s/out.pdf", tmpdir);
	assert_int_equal(mk_assess_report_pdf(html_path, pdf, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	p = read_file(pdf, NULL);
	assert_non_null(p);
	assert_string_equal(p, "%PDF-1.4 fake");
	free(p);
	args = read_file(args_path, NULL);
	assert_non_null(args);
	assert_non_null(strstr(args, "--headless\n--no-sandbox\n--disable-gpu\n--no-pdf-header-footer\n"));
	assert_non_null(strstr(args, "--user-data-dir=/"));
	snprintf(want, sizeof(want), "--print-to-pdf=%s.part\n", pdf);
	assert_non_null(strstr(args, want));
	/* the URL of the real path, the blank percent-encoded, last */
	snprintf(want, sizeof(want), "\nfile://%s/my%%20report.html\n", tmpdir);
	assert_non_null(strstr(args, want));
	assert_int_equal(strlen(strstr(args, want)), strlen(want));
	free(args);
	/* no leftovers: the part file is renamed, the profile directory removed */
	snprintf(want, sizeof(want), "%s.part", pdf);
	assert_int_equal(access(want, F_OK), -1);
	unsetenv("MIERUKA_CHROMIUM");
}

/* The web server ignores SIGCHLD (children reaped by the kernel): the end is
 * still seen, and the PDF decides. */
static void test_pdf_sigchld_ignored(void **state)
{
	char err[512], pdf[600];
	struct timespec t0, t1;
	void (*old)(int) = signal(SIGCHLD, SIG_IGN);

	(void)state;
	pdf_setup();
	snprintf(pdf, sizeof(pdf), "%s/ign.pdf", tmpdir);
	fake("chromium-ok", OUT_OF_ARGS "printf '%%PDF-1.4 x' > \"$out\"\nexit 0");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(mk_assess_report_pdf(html_path, pdf, err, sizeof(err)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 10);
	assert_int_equal(access(pdf, F_OK), 0);
	fake("chromium-fail", "echo 'boom' >&2\nexit 3");
	assert_int_equal(mk_assess_report_pdf(html_path, pdf, err, sizeof(err)), -1);
	assert_true(strncmp(err, "Chromium wrote no PDF to ", 25) == 0);
	assert_non_null(strstr(err, ": boom"));
	signal(SIGCHLD, old);
	unsetenv("MIERUKA_CHROMIUM");
}

static void test_pdf_failures(void **state)
{
	char err[512], pdf[600], body[1024];
	char *p;

	(void)state;
	pdf_setup();
	snprintf(pdf, sizeof(pdf), "%s/keep.pdf", tmpdir);
	write_file(pdf, "old", 0644);

	/* exits 3 after saying why: the last line of its stderr is in the message */
	fake("chromium-fail", "echo 'first line' >&2\necho 'boom: cannot open display' >&2\nexit 3");
	assert_int_equal(mk_assess_report_pdf(html_path, pdf, err, sizeof(err)), -1);
	assert_string_equal(err, "Chromium could not print the report (exit 3): boom: cannot open display");

	/* exits 0 but writes something else than a PDF */
	fake("chromium-html", OUT_OF_ARGS "echo '<html>' > \"$out\"\necho 'done' >&2\nexit 0");
	assert_int_equal(mk_assess_report_pdf(html_path, pdf, err, sizeof(err)), -1);
	assert_true(strncmp(err, "Chromium wrote no PDF to ", 25) == 0);
	assert_non_null(strstr(err, "keep.pdf: done"));

	/* the target is kept as it was, no part file left */
	p = read_file(pdf, NULL);
	assert_string_equal(p, "old");
	free(p);
	snprintf(body, sizeof(body), "%s.part", pdf);
	assert_int_equal(access(body, F_OK), -1);
	unsetenv("MIERUKA_CHROMIUM");
}

static void test_pdf_timeout(void **state)
{
	char err[512], pdf[600], body[2048], pidf[600], childf[600];
	struct timespec t0, t1;
	char *p;
	long pid, child;

	(void)state;
	pdf_setup();
	snprintf(pdf, sizeof(pdf), "%s/slow.pdf", tmpdir);
	snprintf(pidf, sizeof(pidf), "%s/pid", tmpdir);
	snprintf(childf, sizeof(childf), "%s/child", tmpdir);
	/* hangs, with a helper process of its own, like Chromium's */
	snprintf(body, sizeof(body), "echo $$ > '%s'\nsleep 30 &\necho $! > '%s'\nwait\n", pidf, childf);
	fake("chromium-hang", body);
	setenv("MIERUKA_PDF_TIMEOUT_S", "1", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(mk_assess_report_pdf(html_path, pdf, err, sizeof(err)), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unsetenv("MIERUKA_PDF_TIMEOUT_S");
	assert_string_equal(err, "Chromium did not finish the PDF within 1 seconds and was stopped; "
	                         "open the HTML report and print it instead");
	assert_true(t1.tv_sec - t0.tv_sec < 10);
	/* both it and its helper are gone */
	p = read_file(pidf, NULL);
	assert_non_null(p);
	pid = strtol(p, NULL, 10);
	free(p);
	p = read_file(childf, NULL);
	assert_non_null(p);
	child = strtol(p, NULL, 10);
	free(p);
	assert_true(pid > 1 && child > 1);
	assert_int_equal(kill((pid_t)pid, 0), -1);
	/* the helper may still be a zombie for an instant until init reaps it */
	for (int i = 0; i < 50 && kill((pid_t)child, 0) == 0; i++) {
		char line[256], path[64];
		const char *st;
		FILE *f;
		bool zombie = false;

		/* "PID (comm) STATE ..." */
		snprintf(path, sizeof(path), "/proc/%ld/stat", child);
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(line, sizeof(line), f) != NULL && (st = strrchr(line, ')')) != NULL)
				zombie = st[1] == ' ' && st[2] == 'Z';
			fclose(f);
		}
		if (zombie)
			break;
		usleep(100000);
		if (i == 49)
			fail_msg("helper %ld still running", child);
	}
	assert_int_equal(access(pdf, F_OK), -1);
	unsetenv("MIERUKA_CHROMIUM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_sections_ja),
		cmocka_unit_test(test_html_sections_en),
		cmocka_unit_test(test_html_escaping),
		cmocka_unit_test(test_heat_table),
		cmocka_unit_test(test_alerts_and_plan_order),
		cmocka_unit_test(test_entries_section),
		cmocka_unit_test(test_plan_rest),
		cmocka_unit_test(test_bcp_section),
		cmocka_unit_test(test_bcp_odd_shapes),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_map_svg),
		cmocka_unit_test(test_map_zones),
		cmocka_unit_test(test_map_300),
		cmocka_unit_test(test_map_collapsed),
		cmocka_unit_test(test_map_empty),
		cmocka_unit_test(test_no_report),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_one),
		cmocka_unit_test(test_pdf_missing),
		cmocka_unit_test(test_pdf_ok),
		cmocka_unit_test(test_pdf_failures),
		cmocka_unit_test(test_pdf_sigchld_ignored),
		cmocka_unit_test(test_pdf_timeout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

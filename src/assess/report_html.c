/* report_html.c - the printable report as one self-contained HTML file.
 *
 * No script, no external request (fonts are the system's: Noto Sans CJK JP
 * or IPAexGothic, Debian's fonts-noto-cjk / fonts-ipaexfont), the map inline
 * as SVG.  The print CSS lays it out for A4 portrait (the map's page A3
 * landscape, so 300 devices stay readable): each section starts a page,
 * table headers repeat on every page, rows and plan items are not split, page
 * numbers in the bottom margin.  Browsers print it as it is; report_pdf.c has
 * headless Chromium do the same.
 *
 * The CSS is code, not domain knowledge, so it lives here; every text the
 * page shows comes from the knowledge base or data/i18n/report.tsv, and every
 * untrusted string is escaped by the writer (report_rw.c).
 */
#include "assess/report_int.h"

static const char css[] =
	"@page{size:A4;margin:16mm 14mm 18mm 14mm;"
	"@bottom-center{content:counter(page) \" / \" counter(pages);font-size:8pt;color:#868e96}}\n"
	"@page map{size:A3 landscape;margin:12mm 12mm 14mm 12mm}\n"
	"html{font-family:\"Noto Sans CJK JP\",\"IPAexGothic\",\"Noto Sans JP\",\"Hiragino Sans\","
	"\"Yu Gothic\",sans-serif;font-size:10pt;line-height:1.55;color:#212529;"
	"-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"body{margin:0}\n"
	"section.page{break-before:page}\n"
	"section.map-page{page:map;max-width:none}\n"
	"@media screen{body{margin:0 auto;max-width:260mm;padding:0 4mm}section{margin-top:18mm}}\n"
	"h1{font-size:24pt;margin:0 0 6mm;line-height:1.3}\n"
	"h2{font-size:15pt;border-bottom:2pt solid #1c7ed6;padding-bottom:1mm;margin:0 0 4mm}\n"
	"h3{font-size:12pt;margin:6mm 0 2mm;break-after:avoid}\n"
	"h4{font-size:10.5pt;margin:4mm 0 1mm;break-after:avoid}\n"
	"p{margin:1.5mm 0}\n"
	"table{border-collapse:collapse;width:100%;margin:2mm 0 4mm;font-size:8.5pt}\n"
	"thead{display:table-header-group}\n"
	"tr{break-inside:avoid}\n"
	"th,td{border:.5pt solid #ced4da;padding:1mm 1.6mm;vertical-align:top;text-align:left}\n"
	"th{background:#e9ecef;font-weight:bold}\n"
	"td.th{background:#f8f9fa;font-weight:bold;width:26%}\n"
	"td.num{text-align:right;white-space:nowrap}\n"
	"td.addr,td.url{word-break:break-all}\n"
	"td.when{white-space:nowrap;font-size:8pt}\n"
	"td.warn{background:#fff5f5}\n"
	"td.heat-high{background:#ffc9c9;font-weight:bold}\n"
	"td.heat-medium{background:#ffec99}\n"
	"td.heat-low{background:#d3f9d8}\n"
	"td.heat-none{color:#868e96}\n"
	"table.heat td{text-align:center}table.heat td.name{text-align:left}\n"
	"tr.na td{color:#868e96}\n"
	"tr.industrial td:first-child{border-left:3pt solid #d9480f}\n"
	".badge{display:inline-block;padding:0 1.4mm;border-radius:1mm;font-size:7.5pt;"
	"border:.5pt solid #adb5bd;background:#f8f9fa;white-space:nowrap;line-height:1.5}\n"
	".badge.week{background:#2b8a3e;border-color:#2b8a3e;color:#fff}\n"
	".badge.new{background:#e7f5ff;border-color:#74c0fc}\n"
	".badge.open{background:#fff4e6;border-color:#ffa94d}\n"
	".badge.ok{background:#ebfbee;border-color:#69db7c}\n"
	".badge.flag{background:#fff3bf;border-color:#f59f00}\n"
	".badge.conf-m,.badge.conf-p{background:#f3f0ff;border-color:#9775fa;color:#5f3dc4}\n"
	".badge.sev-critical{background:#c92a2a;border-color:#c92a2a;color:#fff}\n"
	".badge.sev-high{background:#e8590c;border-color:#e8590c;color:#fff}\n"
	".badge.sev-medium{background:#fab005;border-color:#fab005}\n"
	".badge.sev-low{background:#d0ebff;border-color:#74c0fc}\n"
	".badge.sev-info{background:#f1f3f5}\n"
	".note{color:#495057;font-size:8.5pt}\n"
	".warn{color:#c92a2a}\n"
	".answer-note{color:#495057;font-size:8pt}\n"
	".entry{margin-bottom:6mm}\n"
	".suggestion{border-left:2pt solid #f59f00;padding-left:2mm;margin:2mm 0;break-inside:avoid}\n"
	".plan-item{border:.5pt solid #dee2e6;border-radius:1.5mm;padding:1mm 3mm;margin:2mm 0;"
	"break-inside:avoid}\n"
	".plan-item h4{margin-top:1mm}\n"
	".plan-meta{font-size:8.5pt;color:#343a40}\n"
	"table.plan-detail td.th{width:18%}\n"
	"table.alerts th:nth-child(1),table.alerts th:nth-child(2){width:9%}\n"
	"table.alerts th:nth-child(4){width:17%}table.alerts th:nth-child(5){width:6%}\n"
	"table.ledger th:nth-child(2){width:20%}table.ledger th:nth-child(6){width:11%}\n"
	"table.measures th:nth-child(n+2){width:13%}table.measures th:nth-child(5){width:17%}\n"
	"table.bcp-gaps th:first-child,table.bcp-signs th:first-child{width:12%}\n"
	"table.bcp-systems th:nth-child(2){width:10%}table.bcp-systems th:nth-child(3),"
	"table.bcp-systems th:nth-child(4){width:10%}\n"
	"td .badge{white-space:normal}\n"
	".map-frame svg{display:block;width:100%;height:auto;max-height:250mm}\n"
	".cover{padding-top:30mm}\n"
	".cover-kicker{color:#1c7ed6;font-weight:bold;letter-spacing:.1em}\n"
	".cover-factory{font-size:16pt;margin:0 0 8mm}\n"
	"table.cover-facts{width:70%;font-size:10pt}table.cover-facts thead{display:none}\n"
	"table.facts thead,table.bcp-kv thead{display:none}\n"
	".cover-what{margin-top:8mm}\n"
	"ul.toc{list-style:none;padding-left:0}ul.toc a{color:inherit;text-decoration:none}\n";

int mk_assess_report_html(FILE *f, const struct mk_assessment *as, const struct mk_answers *a,
                          const struct mk_report *r, enum mk_lang lang)
{
	struct mk_rw w = {.f = f, .lang = lang, .md = false};

	if (f == NULL || as == NULL || as->kb == NULL)
		return -1;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
	        lang == MK_LANG_JA ? "ja" : "en");
	/* nothing may load: the report is a file handed on, and it is printed offline */
	fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n",
	      f);
	fputs("<meta name=\"generator\" content=\"mieruka " MK_VERSION "\">\n<title>", f);
	mk_rw_text(&w, mk_rw_msg(&w, "ar.title"));
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
	mk_rpt_doc(&w, as, a, r);
	fputs("</body>\n</html>\n", f);
	return ferror(f) ? -1 : 0;
}

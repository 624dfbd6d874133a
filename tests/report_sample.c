/* report_sample.c - renders the printable report over the records of a real
 * database, for tests/integration/test_assess_report.py, until `mieruka
 * assess --report` exists: what the report shows of a real network (ledger,
 * map, alerts) and of the real knowledge base can be checked.
 *
 * usage: mk_report_sample --db DB --out DIR [--lang ja|en] [--pdf] [--answers FILE]
 * With --answers, the real pipeline: the shipped knowledge base (mk_kb_load),
 * the answers file, mk_assess_run over the database's report.  Without, the
 * hand-made assessment of tests/unit/support/report_fixture.c (hostile
 * answers and BCP entries) over the database's report.
 * Writes DIR/report.html, report.md, map.svg, the CSV files in DIR/csv and
 * with --pdf report.pdf (mk_assess_report_pdf; exit 77 when Chromium is
 * missing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "mieruka/assess.h"
#include "mieruka/store.h"
#include "mieruka/util.h"
#include "support/report_fixture.h"

/* The time of the run (mk_now_ns is monotonic, for durations). */
static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define USAGE "usage: mk_report_sample --db DB --out DIR [--lang ja|en] [--pdf] [--answers FILE]\n"

static int write_to(const char *dir, const char *name, int kind, const struct mk_rfx *fx,
                    enum mk_lang lang)
{
	char path[4096];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		return -1;
	}
	if (kind == 0)
		rc = mk_assess_report_html(f, fx->as, fx->a, fx->r, lang);
	else if (kind == 1)
		rc = mk_assess_report_md(f, fx->as, fx->a, fx->r, lang);
	else
		rc = mk_assess_map_svg(f, fx->r, lang);
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int main(int argc, char **argv)
{
	const char *db = NULL, *out = NULL;
	enum mk_lang lang = MK_LANG_JA;
	bool pdf = false;
	const char *answers = NULL;
	struct mk_kb *kb = NULL;
	struct mk_answers ans;
	struct mk_assessment *as = NULL;
	struct mk_store *st = NULL;
	struct mk_report r;
	struct mk_rfx fx;
	char err[1024], html[4096], pdfp[4096], csv[4096];
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
			lang = strcmp(argv[++i], "en") == 0 ? MK_LANG_EN : MK_LANG_JA;
		else if (strcmp(argv[i], "--pdf") == 0)
			pdf = true;
		else if (strcmp(argv[i], "--answers") == 0 && i + 1 < argc)
			answers = argv[++i];
		else {
			fputs(USAGE, stderr);
			return 2;
		}
	}
	if (db == NULL || out == NULL) {
		fputs(USAGE, stderr);
		return 2;
	}
	mk_i18n_set_lang(lang);
	mkdir(out, 0755);
	memset(&r, 0, sizeof(r));
	if (mk_store_sqlite.open(&st, db, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (mk_report_load(st, &r) != 0) {
		fprintf(stderr, "%s: cannot read the database\n", db);
		goto done;
	}
	mk_rfx_get(&fx);
	fx.r = &r;
	memset(&ans, 0, sizeof(ans));
	if (answers != NULL) {
		/* the real pipeline: the shipped knowledge base, an answers file, the engine */
		if (mk_kb_load(NULL, &kb, err, sizeof(err)) != 0 ||
		    mk_answers_load_file(&ans, kb, answers, err, sizeof(err)) != 0 ||
		    mk_assess_run(kb, &ans, &r, NULL, wall_ns(), &as, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			goto done;
		}
		fx.kb = kb;
		fx.as = as;
		fx.a = &ans;
	}
	if (write_to(out, "report.html", 0, &fx, lang) != 0 ||
	    write_to(out, "report.md", 1, &fx, lang) != 0 ||
	    write_to(out, "map.svg", 2, &fx, lang) != 0)
		goto done;
	snprintf(csv, sizeof(csv), "%s/csv", out);
	if (mk_assess_export_csv(csv, fx.as, fx.a, lang, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		goto done;
	}
	if (pdf) {
		snprintf(html, sizeof(html), "%s/report.html", out);
		snprintf(pdfp, sizeof(pdfp), "%s/report.pdf", out);
		if (mk_assess_report_pdf(html, pdfp, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			rc = strstr(err, "Chromium") != NULL && strstr(err, "apt-get") != NULL ? 77 : 1;
			goto done;
		}
	}
	rc = 0;
done:
	mk_assess_free(as);
	mk_answers_free(&ans);
	mk_kb_free(kb);
	mk_report_free(&r);
	mk_store_sqlite.close(st);
	return rc;
}

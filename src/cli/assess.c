/* assess.c - `mieruka assess`: the self risk-assessment (docs/ASSESSMENT.md).
 *
 * Reads the database's observations and the stored answers, takes new answers
 * from an answers file or by asking on the terminal, and writes the
 * assessment: a summary on the terminal, the JSON document of interface.md,
 * the printable report (HTML or PDF), Markdown and CSV.
 *
 * Nothing a person types is lost: on the terminal every answer is stored in
 * the database as soon as it is given, so an interrupted session continues
 * where it stopped (answered questions show their answer as the default). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mieruka/assess.h"
#include "mieruka/store.h"
#include "mieruka/util.h"

struct assess_opts {
	const char *db, *answers, *json, *report, *markdown, *csv, *kb_dir, *by;
	int interactive;   /* -1: when standard input is a terminal and no answers file */
	bool record;
	bool quiet;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *tr(const struct mk_kb_text *t)
{
	return mk_kb_tr(t, mk_i18n_lang());
}

/* ---- the terminal dialogue ---- */

/* One line from standard input without its newline; false at end of input. */
static bool read_line(char *buf, size_t len)
{
	fflush(stdout);
	if (!fgets(buf, (int)len, stdin))
		return false;
	size_t n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n + 1 == len) { /* a longer line: drop the rest */
		int c;
		while ((c = getchar()) != EOF && c != '\n')
			;
	}
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return true;
}

/* Prints text indented, each of its lines. */
static void print_indented(const char *indent, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		printf("%s%.*s\n", indent, (int)n, p);
		p += n + (nl != NULL);
	}
}

static const struct mk_suggestion *suggestion_for(const struct mk_assessment *as, const char *key)
{
	for (size_t i = 0; i < as->n_suggestions; i++)
		if (!strcmp(as->suggestions[i].key, key))
			return &as->suggestions[i];
	return NULL;
}

static void print_suggestion(const struct mk_suggestion *s)
{
	const char *text = mk_i18n_lang() == MK_LANG_JA ? s->text_ja : s->text_en;
	printf("    %s %s\n", mk_msg("assess.evidence"), text ? text : "");
	for (size_t i = 0; i < s->n_items && i < 5; i++) {
		const struct mk_ev_item *it = &s->items[i];
		char t[32] = "";
		if (it->last_ns) {
			time_t sec = (time_t)(it->last_ns / 1000000000u);
			struct tm tm;
			if (localtime_r(&sec, &tm))
				strftime(t, sizeof(t), "%Y-%m-%d %H:%M", &tm);
		}
		/* the detail usually starts with the address already */
		bool addr_in_detail = it->address[0] &&
		                      !strncmp(it->detail, it->address, strlen(it->address));
		printf("      - %s%s%s  %s\n", addr_in_detail ? "" : it->address,
		       addr_in_detail || !it->address[0] ? "" : " ", it->detail, t);
	}
	if (s->count > 5)
		printf("      %s %zu\n", mk_msg("assess.evidence_more"), s->count - 5);
}

enum reply { R_SET, R_KEEP, R_SKIP, R_QUIT };

static int save(struct mk_store *st, const struct mk_answers *a)
{
	if (mk_answers_write(st, a) != 0) {
		mk_error("%s", mk_msg("assess.save_failed"));
		return -1;
	}
	return 0;
}

/* Asks whether entry point e is present; stores the answer. */
static enum reply ask_use(struct mk_store *st, struct mk_answers *a, const struct mk_kb *kb,
                          const struct mk_assessment *as, size_t e, const char *by)
{
	const struct mk_kb_entry *ep = &kb->entries[e];
	char key[96], line[256];
	snprintf(key, sizeof(key), "use.%s", ep->id);
	const struct mk_answer *cur = mk_answers_get(a, key);
	const struct mk_suggestion *sug = suggestion_for(as, key);

	printf("\n[%u/%zu] %s", ep->order, kb->n_entries, tr(&ep->name));
	if (ep->alias.ja[0])
		printf(" (%s)", tr(&ep->alias));
	printf("\n");
	print_indented("  ", tr(&ep->threat));
	if (sug)
		print_suggestion(sug);
	const char *def = cur ? cur->value : sug ? sug->value : NULL;
	for (;;) {
		printf("  %s\n  %s", tr(&ep->question), mk_msg("assess.use_choices"));
		if (def)
			printf(" [%s]", mk_msg(!strcmp(def, "yes") ? "assess.yes"
			                       : !strcmp(def, "no") ? "assess.no" : "assess.unknown"));
		printf(" > ");
		if (!read_line(line, sizeof(line)))
			return R_QUIT;
		const char *v = NULL;
		if (!line[0] && def)
			v = def;
		else if (!strcmp(line, "y") || !strcmp(line, "1"))
			v = "yes";
		else if (!strcmp(line, "n") || !strcmp(line, "2"))
			v = "no";
		else if (!strcmp(line, "d") || !strcmp(line, "3"))
			v = "unknown";
		else if (!strcmp(line, "s"))
			return R_SKIP;
		else if (!strcmp(line, "q"))
			return R_QUIT;
		else if (!strcmp(line, "?")) {
			if (ep->help.ja[0])
				print_indented("    ", tr(&ep->help));
			continue;
		}
		if (!v) {
			printf("  %s\n", mk_msg("assess.bad_choice"));
			continue;
		}
		if (cur && !strcmp(cur->value, v))
			return R_KEEP;
		char err[256];
		if (mk_answers_set(a, kb, key, v, NULL, by, now_ns(), MK_SRC_PERSON, err, sizeof(err))) {
			mk_error("%s", err);
			return R_QUIT;
		}
		return save(st, a) ? R_QUIT : R_SET;
	}
}

/* Asks whether countermeasure c is in place; stores the answer. */
static void print_choices(const struct mk_kb *kb)
{
	printf("    %s", mk_msg("assess.choices_are"));
	for (size_t i = 0; i < kb->n_answers; i++)
		printf("%s%zu %s", i ? mk_msg("assess.choice_sep") : " ", i + 1, tr(&kb->answers[i].name));
	printf("\n");
}

static enum reply ask_cm(struct mk_store *st, struct mk_answers *a, const struct mk_kb *kb,
                         const struct mk_assessment *as, size_t c, size_t k, size_t n,
                         const char *by)
{
	const struct mk_kb_cm *cm = &kb->cms[c];
	const struct mk_answer *cur = mk_answers_get(a, cm->id);
	const struct mk_suggestion *sug = suggestion_for(as, cm->id);
	char line[256];

	printf("\n  (%zu/%zu) %s  [%s / %s / %s]\n", k, n, tr(&cm->title),
	       tr(&kb->stages[cm->stage].name), tr(&kb->costs[cm->cost].name),
	       tr(&kb->efforts[cm->effort].name));
	if (sug)
		print_suggestion(sug);
	const char *def = cur ? cur->value : sug ? sug->value : NULL;
	bool first = true;
	for (;;) {
		print_indented("    ", tr(&cm->question));
		if (k == 1 && first)
			print_choices(kb);
		first = false;
		printf("    %s (1-%zu, ?)", mk_msg("assess.cm_choices"), kb->n_answers);
		if (def) {
			const struct mk_kb_answer *d = mk_kb_answer_by_id(kb, def);
			printf(" [%s]", d ? tr(&d->name) : def);
		}
		printf(" > ");
		if (!read_line(line, sizeof(line)))
			return R_QUIT;
		const char *v = NULL;
		unsigned long pick;
		if (!line[0] && def)
			v = def;
		else if (!line[0])
			return R_KEEP; /* no answer yet, none given: stays unanswered */
		else if (!strcmp(line, "s"))
			return R_SKIP;
		else if (!strcmp(line, "q"))
			return R_QUIT;
		else if (!strcmp(line, "?")) {
			printf("    %s\n", mk_msg("assess.why"));
			print_indented("      ", tr(&cm->why));
			printf("    %s\n", mk_msg("assess.how"));
			print_indented("      ", tr(&cm->how));
			printf("    %s\n", mk_msg("assess.who"));
			print_indented("      ", tr(&cm->who));
			print_choices(kb);
			continue;
		} else if (mk_parse_ulong(line, kb->n_answers, &pick) && pick >= 1)
			v = kb->answers[pick - 1].id;
		if (!v) {
			printf("    %s\n", mk_msg("assess.bad_choice"));
			print_choices(kb);
			continue;
		}
		if (cur && !strcmp(cur->value, v))
			return R_KEEP;
		char err[256];
		if (mk_answers_set(a, kb, cm->id, v, NULL, by, now_ns(), MK_SRC_PERSON, err,
		                   sizeof(err))) {
			mk_error("%s", err);
			return R_QUIT;
		}
		return save(st, a) ? R_QUIT : R_SET;
	}
}

/* The whole dialogue: each entry point, then its measures when present.
 * Measures shared by all entry points are asked once, at the end. */
static int interview(struct mk_store *st, struct mk_answers *a, const struct mk_kb *kb,
                     const struct mk_assessment *as, const char *by)
{
	bool *asked = calloc(kb->n_cms ? kb->n_cms : 1, sizeof(bool));
	if (!asked)
		return -1;
	printf("%s\n%s\n", mk_msg("assess.intro"), mk_msg("assess.keys"));
	enum reply r = R_KEEP;
	for (size_t e = 0; e < kb->n_entries && r != R_QUIT; e++) {
		r = ask_use(st, a, kb, as, e, by);
		if (r == R_QUIT)
			break;
		if (r == R_SKIP) {
			r = R_KEEP;
			continue;
		}
		char key[96];
		snprintf(key, sizeof(key), "use.%s", kb->entries[e].id);
		const struct mk_answer *use = mk_answers_get(a, key);
		if (use && !strcmp(use->value, "no"))
			continue;
		const struct mk_kb_entry *ep = &kb->entries[e];
		size_t own = 0, k = 0;
		for (size_t i = 0; i < ep->n_cms; i++)
			own += !kb->cms[ep->cms[i]].all_entry_points;
		for (size_t i = 0; i < ep->n_cms && r != R_QUIT; i++) {
			size_t c = ep->cms[i];
			if (kb->cms[c].all_entry_points || asked[c])
				continue;
			asked[c] = true;
			r = ask_cm(st, a, kb, as, c, ++k, own, by);
			if (r == R_SKIP) {
				r = R_KEEP;
				break;
			}
		}
	}
	if (r != R_QUIT) {
		size_t shared = 0, k = 0;
		for (size_t c = 0; c < kb->n_cms; c++)
			shared += kb->cms[c].all_entry_points;
		if (shared)
			printf("\n%s\n", mk_msg("assess.general"));
		for (size_t c = 0; c < kb->n_cms && r != R_QUIT; c++)
			if (kb->cms[c].all_entry_points) {
				r = ask_cm(st, a, kb, as, c, ++k, shared, by);
				if (r == R_SKIP)
					break;
			}
	}
	free(asked);
	printf("\n%s\n", mk_msg(r == R_QUIT ? "assess.saved_stop" : "assess.saved_done"));
	return 0;
}

/* ---- the terminal summary ---- */

static void summary(const struct mk_assessment *as, const struct mk_answers *a)
{
	const struct mk_kb *kb = as->kb;
	size_t questions = kb->n_entries + kb->n_cms;
	(void)a;
	printf("%s\n", mk_msg("assess.summary_title"));
	printf("  %s %zu / %zu\n", mk_msg("assess.unknown_count"), as->n_unknown, questions);
	printf("\n%s\n", mk_msg("assess.risk_by_entry"));
	for (size_t e = 0; e < kb->n_entries; e++) {
		const struct mk_entry_result *er = &as->entries[e];
		const char *name = tr(&kb->entries[e].name);
		size_t w = mk_text_width(name);
		printf("  %2u %s%*s ", kb->entries[e].order, name, w < 24 ? (int)(24 - w) : 0, "");
		if (er->applicable == 0) {
			printf("%s\n", mk_msg("assess.not_applicable"));
			continue;
		}
		int worst = 0;
		size_t band = kb->n_bands - 1;
		for (size_t k = 0; k < er->n_risks; k++)
			if (er->risks[k].score > worst) {
				worst = er->risks[k].score;
				band = er->risks[k].band;
			}
		printf("%s", tr(&kb->bands[band].name));
		for (size_t k = 0; k < er->n_risks; k++)
			printf("  %s %d", tr(&kb->risks[er->risks[k].risk].name), er->risks[k].score);
		if (er->applicable < 0)
			printf("  (%s)", mk_msg("assess.use_unknown"));
		printf("\n");
	}
	size_t shown = 0;
	printf("\n%s\n", mk_msg("assess.this_week"));
	for (size_t i = 0; i < as->n_plan && shown < 10; i++) {
		if (!as->plan[i].this_week)
			continue;
		printf("  %zu. %s\n", ++shown, tr(&kb->cms[as->plan[i].cm].title));
	}
	if (!shown)
		printf("  %s\n", mk_msg("assess.none"));
	printf("\n%s %zu\n", mk_msg("assess.plan_items"), as->n_plan);
	if (as->meti.total >= 0 && as->meti.rank < kb->n_meti_ranks)
		printf("%s %d (%s)\n", mk_msg("assess.meti_score"), as->meti.total,
		       tr(&kb->meti_ranks[as->meti.rank].name));
	if (as->ipa.band < kb->n_ipa_bands)
		printf("%s %d (%s)\n", mk_msg("assess.ipa_score"), as->ipa.total,
		       tr(&kb->ipa_bands[as->ipa.band].name));
	if (as->n_suggestions)
		printf("\n%s %zu\n", mk_msg("assess.suggestions"), as->n_suggestions);
	printf("\n%s\n", mk_msg("assess.next"));
}

/* ---- outputs ---- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

static int write_file(const char *path, int (*fn)(FILE *, void *), void *ctx)
{
	char err[4400];

	if (mk_write_file_atomic(path, fn, ctx, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		return -1;
	}
	return 0;
}

struct out_ctx {
	const struct mk_assessment *as;
	const struct mk_answers *a;
	const struct mk_report *r;
};

static int out_json(FILE *f, void *ctx)
{
	struct out_ctx *o = ctx;
	return mk_assess_json(f, o->as, o->a);
}

static int out_html(FILE *f, void *ctx)
{
	struct out_ctx *o = ctx;
	return mk_assess_report_html(f, o->as, o->a, o->r, mk_i18n_lang());
}

static int out_md(FILE *f, void *ctx)
{
	struct out_ctx *o = ctx;
	return mk_assess_report_md(f, o->as, o->a, o->r, mk_i18n_lang());
}

static int write_report(const char *path, struct out_ctx *o)
{
	if (ends_with(path, ".html") || ends_with(path, ".htm"))
		return write_file(path, out_html, o);
	if (!ends_with(path, ".pdf")) {
		mk_error("%s: %s", path, mk_msg("assess.report_suffix"));
		return -1;
	}
	char html[4200];
	snprintf(html, sizeof(html), "%s.html", path);
	if (write_file(html, out_html, o))
		return -1;
	char err[1024] = "";
	int rc = mk_assess_report_pdf(html, path, err, sizeof(err));
	if (rc)
		mk_error("%s: %s", path, err);
	remove(html);
	return rc;
}

/* ---- the command ---- */

static int parse_opts(int argc, char **argv, struct assess_opts *o)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"answers", required_argument, NULL, 'a'},
		{"json", required_argument, NULL, 'j'},
		{"report", required_argument, NULL, 'r'},
		{"markdown", required_argument, NULL, 'm'},
		{"csv", required_argument, NULL, 'c'},
		{"lang", required_argument, NULL, 'L'},
		{"by", required_argument, NULL, 'b'},
		{"kb", required_argument, NULL, 'k'},
		{"interactive", no_argument, NULL, 'i'},
		{"no-interactive", no_argument, NULL, 'n'},
		{"record", no_argument, NULL, 'R'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:a:j:r:m:c:L:b:k:inRqh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': o->db = optarg; break;
		case 'a': o->answers = optarg; break;
		case 'j': o->json = optarg; break;
		case 'r': o->report = optarg; break;
		case 'm': o->markdown = optarg; break;
		case 'c': o->csv = optarg; break;
		case 'b': o->by = optarg; break;
		case 'k': o->kb_dir = optarg; break;
		case 'i': o->interactive = 1; break;
		case 'n': o->interactive = 0; break;
		case 'R': o->record = true; break;
		case 'q': o->quiet = true; break;
		case 'L':
			if (strcmp(optarg, "ja") && strcmp(optarg, "en")) {
				mk_usage_error("assess", "--lang takes ja or en, not '%s'", optarg);
				return MK_EXIT_USAGE;
			}
			mk_i18n_set_lang(!strcmp(optarg, "ja") ? MK_LANG_JA : MK_LANG_EN);
			break;
		case 'h': return -1;
		default: fprintf(stderr, "%s\n", mk_msg("cli.see_help")); return MK_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		mk_usage_error("assess", "%s: %s", mk_msg("cli.alerts_extra"), argv[optind]);
		return MK_EXIT_USAGE;
	}
	if (o->report && !ends_with(o->report, ".html") && !ends_with(o->report, ".htm") &&
	    !ends_with(o->report, ".pdf")) {
		mk_usage_error("assess", "%s: %s", o->report, mk_msg("assess.report_suffix"));
		return MK_EXIT_USAGE;
	}
	if (o->interactive == 1 && o->json && !strcmp(o->json, "-")) {
		mk_usage_error("assess", "%s", mk_msg("assess.interactive_stdout"));
		return MK_EXIT_USAGE;
	}
	return 0;
}

int mk_cmd_assess(int argc, char **argv)
{
	struct assess_opts o = {.db = "mieruka.db", .interactive = -1};
	int rc = parse_opts(argc, argv, &o);
	if (rc < 0)
		return mk_cmd_help(2, (char *[]){"help", "assess", NULL});
	if (rc)
		return rc;
	bool json_stdout = o.json && !strcmp(o.json, "-");
	if (o.interactive < 0)
		o.interactive = !o.answers && !json_stdout && isatty(STDIN_FILENO) &&
		                isatty(STDOUT_FILENO);

	struct mk_kb *kb = NULL;
	struct mk_store *st = NULL;
	struct mk_report r;
	struct mk_answers a = {0};
	struct mk_assessment *as = NULL;
	bool have_report = false;
	char err[1024] = "";
	rc = MK_EXIT_OK;

	if (mk_kb_load(o.kb_dir, &kb, err, sizeof(err))) {
		mk_error("%s: %s", mk_msg("assess.kb_failed"), err);
		rc = MK_EXIT_INPUT;
		goto out;
	}
	/* Opening creates an empty database: a missing file is a wrong path. */
	if (access(o.db, F_OK) != 0) {
		mk_error("%s: %s", o.db, mk_msg("cli.no_database"));
		rc = MK_EXIT_INPUT;
		goto out;
	}
	if (mk_store_sqlite.open(&st, o.db, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		rc = MK_EXIT_INPUT;
		goto out;
	}
	if (mk_report_load(st, &r) != 0) {
		mk_report_free(&r);
		rc = MK_EXIT_INPUT;
		goto out;
	}
	have_report = true;
	if (mk_answers_read(st, &a) != 0) {
		mk_error("%s: %s", o.db, mk_msg("assess.read_failed"));
		rc = MK_EXIT_INPUT;
		goto out;
	}
	bool changed = false;
	if (o.answers) {
		if (mk_answers_load_file(&a, kb, o.answers, err, sizeof(err))) {
			mk_error("%s", err);
			rc = MK_EXIT_INPUT;
			goto out;
		}
		if (save(st, &a)) {
			rc = MK_EXIT_INPUT;
			goto out;
		}
		changed = true;
	}
	if (mk_assess_run(kb, &a, &r, st, now_ns(), &as, err, sizeof(err))) {
		mk_error("%s", err);
		rc = MK_EXIT_INPUT;
		goto out;
	}
	if (o.interactive) {
		if (interview(st, &a, kb, as, o.by)) {
			rc = MK_EXIT_INPUT;
			goto out;
		}
		mk_assess_free(as);
		as = NULL;
		if (mk_assess_run(kb, &a, &r, st, now_ns(), &as, err, sizeof(err))) {
			mk_error("%s", err);
			rc = MK_EXIT_INPUT;
			goto out;
		}
		changed = true;
	}
	/* A run is recorded (for progress next time) when answers were given. */
	if ((changed || o.record) && mk_assess_record(st, as) != 0) {
		mk_error("%s: %s", o.db, mk_msg("assess.save_failed"));
		rc = MK_EXIT_INPUT;
	}

	struct out_ctx oc = {as, &a, &r};
	if (o.json) {
		if (json_stdout) {
			if (mk_assess_json(stdout, as, &a) != 0 || fflush(stdout) != 0) {
				mk_error("-: %s", mk_msg("assess.cannot_write"));
				rc = MK_EXIT_INPUT;
			}
		} else if (write_file(o.json, out_json, &oc)) {
			rc = MK_EXIT_INPUT;
		}
	}
	if (o.report && write_report(o.report, &oc))
		rc = MK_EXIT_INPUT;
	if (o.markdown && write_file(o.markdown, out_md, &oc))
		rc = MK_EXIT_INPUT;
	if (o.csv && mk_assess_export_csv(o.csv, as, &a, mk_i18n_lang(), err, sizeof(err))) {
		mk_error("%s", err);
		rc = MK_EXIT_INPUT;
	}
	if (!o.quiet && !json_stdout)
		summary(as, &a);
out:
	mk_assess_free(as);
	mk_answers_free(&a);
	if (have_report)
		mk_report_free(&r);
	if (st)
		mk_store_sqlite.close(st);
	mk_kb_free(kb);
	return rc;
}

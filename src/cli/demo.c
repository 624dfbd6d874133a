/* demo.c - `mieruka demo`: the bundled factory scenario, analysed into a fresh
 * database, summarised like `analyze`, then shown in the web dashboard
 * (src/web) until Ctrl+C; --no-serve stops after the summary. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/ledger.h"
#include "mieruka/util.h"
#include "web/web_int.h"

#ifndef MK_SOURCE_ROOT
#define MK_SOURCE_ROOT "."
#endif

#define SCENARIO "scenarios/factory/factory-demo.pcapng"

/* scenario.tsv next to the capture: "learn_until<TAB>TIME" lines; 0 when
 * absent or unreadable (then the first part of the input is learned). */
static uint64_t scenario_learn_until(const char *capture)
{
	char path[1100], line[256];
	const char *slash = strrchr(capture, '/');
	uint64_t ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%.*sscenario.tsv", slash ? (int)(slash - capture + 1) : 0,
	         capture);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "learn_until\t", 12) == 0 && mk_time_parse(line + 12, &ns) != 0) {
			mk_warn("%s: learn_until: %s", path, mk_msg("cli.bad_time"));
			ns = 0;
		}
	}
	fclose(f);
	return ns;
}

static bool find_scenario(char *out, size_t len)
{
	const char *env = getenv("MIERUKA_SCENARIO");
	const char *roots[] = {MK_SOURCE_ROOT, MK_INSTALL_DATADIR};

	if (env != NULL && env[0] != '\0') {
		snprintf(out, len, "%s", env);
		return access(out, R_OK) == 0;
	}
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		int n = snprintf(out, len, "%s/%s", roots[i], SCENARIO);

		if (n > 0 && (size_t)n < len && access(out, R_OK) == 0)
			return true;
	}
	return false;
}

int mk_cmd_demo(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"no-browser", no_argument, NULL, 'n'},
		{"no-serve", no_argument, NULL, 'N'},
		{"lang", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct mk_session_options so;
	struct mk_output_options oo;
	struct mk_session s;
	char scenario[1024];
	struct mk_web_options wo = {NULL, "127.0.0.1:8080", NULL, NULL, true, 1024};
	bool serve = true;
	int opt, rc = MK_EXIT_OK;

	memset(&so, 0, sizeof(so));
	memset(&oo, 0, sizeof(oo));
	so.db_path = "mieruka-demo.db";
	oo.max_rows = 40;
	mk_engine_config_default(&so.cfg);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': so.db_path = optarg; break;
		case 'l': wo.listen = optarg; break;
		case 'n': wo.open_browser = false; break;
		case 'N': serve = false; break;
		case 'L':
			mk_i18n_set_lang(strcmp(optarg, "ja") == 0 ? MK_LANG_JA : MK_LANG_EN);
			break;
		case 'h':
			return mk_cmd_help(2, (char *[]){"help", "demo", NULL});
		default:
			fprintf(stderr, "%s\n", mk_msg("cli.see_help"));
			return MK_EXIT_USAGE;
		}
	}
	if (!find_scenario(scenario, sizeof(scenario))) {
		mk_error("%s (%s)", mk_msg("cli.demo_no_scenario"), SCENARIO);
		return MK_EXIT_INPUT;
	}
	/* A fresh database every time: the demo must show the scenario alone. */
	static const char *const suffixes[] = {"", "-wal", "-shm"};

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char path[1100];

		snprintf(path, sizeof(path), "%s%s", so.db_path, suffixes[i]);
		unlink(path);
	}
	so.progress = isatty(STDERR_FILENO);
	if (mk_session_open(&s, &so) != 0)
		return MK_EXIT_INPUT;
	fprintf(stderr, "%s %s\n", mk_msg("cli.demo_intro"), scenario);
	{
		char *files[] = {scenario};

		/* The scenario says where its ordinary morning ends: that part
		 * is learned as normal, what happens after is judged. */
		mk_session_plan_learning(&s, files, 1, scenario_learn_until(scenario));
	}
	if (mk_session_file(&s, scenario, 0) != 0)
		rc = MK_EXIT_INPUT;
	if (mk_session_finish(&s) != 0 || mk_output_write(s.store, &oo) != 0)
		rc = MK_EXIT_INPUT;
	mk_session_close(&s);
	if (rc == MK_EXIT_OK)
		fprintf(stderr, "%s %s\n", mk_msg("cli.demo_db"), so.db_path);
	if (rc == MK_EXIT_OK && serve) {
		fflush(stdout);
		wo.db_path = so.db_path;
		if (mk_web_run(&wo) != 0)
			rc = MK_EXIT_INPUT;
	}
	return rc;
}

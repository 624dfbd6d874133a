/* analyze.c - `mieruka analyze`: capture files -> database -> summary, JSON, CSV. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mieruka/ledger.h"
#include "mieruka/util.h"
#include "mieruka/zones.h"

int mk_cmd_analyze(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"json", required_argument, NULL, 'j'},
		{"csv", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{"lang", required_argument, NULL, 'L'},
		{"rows", required_argument, NULL, 'r'},
		{"learn", required_argument, NULL, 'l'},
		{"zones", required_argument, NULL, 'z'},
		{"relearn", no_argument, NULL, 1004},
		{"learn-until", required_argument, NULL, 1005},
		{"flow-memcap", required_argument, NULL, 1001},
		{"max-assets", required_argument, NULL, 1002},
		{"max-conversations", required_argument, NULL, 1003},
		MK_STREAM_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct mk_session_options so;
	struct mk_output_options oo;
	struct mk_stream_cli sc;
	struct mk_session s;
	const char *zones_file = NULL;
	struct mk_zones *zones = NULL;
	const char **learn = NULL;
	size_t n_learn = 0;
	uint64_t learn_until = 0;
	int opt, rc = MK_EXIT_OK;

	memset(&so, 0, sizeof(so));
	memset(&oo, 0, sizeof(oo));
	so.db_path = "mieruka.db";
	oo.max_rows = 30;
	mk_engine_config_default(&so.cfg);
	mk_stream_cli_init(&sc, so.cfg.detect.max_alerts);
	/* at most one --learn per argument */
	learn = calloc((size_t)argc + 1, sizeof(*learn));
	if (learn == NULL) {
		mk_error("out of memory");
		return MK_EXIT_INPUT;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:j:c:qh", longopts, NULL)) != -1) {
		int lim;

		switch (opt) {
		case 'd': so.db_path = optarg; break;
		case 'j': oo.json_path = optarg; break;
		case 'c': oo.csv_dir = optarg; break;
		case 'q': oo.quiet = true; break;
		case 'L':
			if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0) {
				mk_usage_error("analyze", "--lang takes ja or en, not '%s'", optarg);
				free(learn);
				return MK_EXIT_USAGE;
			}
			mk_i18n_set_lang(strcmp(optarg, "ja") == 0 ? MK_LANG_JA : MK_LANG_EN);
			break;
		case 'r': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end != '\0' || v < 1 || v > 100000) {
				mk_usage_error("analyze", "--rows takes a number from 1 to 100000");
				free(learn);
				return MK_EXIT_USAGE;
			}
			oo.max_rows = (size_t)v;
			break;
		}
		case 'l': learn[n_learn++] = optarg; break;
		case 1004: so.relearn = true; break;
		case 1005:
			if (mk_time_parse(optarg, &learn_until) != 0) {
				mk_usage_error("analyze", "%s: %s", mk_msg("cli.bad_time"), optarg);
				free(learn);
				return MK_EXIT_USAGE;
			}
			break;
		case 'z': zones_file = optarg; break;
		case 'h':
			free(learn);
			return mk_cmd_help(2, (char *[]){"help", "analyze", NULL});
		default:
			lim = mk_parse_stream_option("analyze", opt, optarg, &sc);
			if (lim < 0) {
				free(learn);
				return MK_EXIT_USAGE;
			}
			if (lim == 1)
				break;
			lim = mk_parse_limit_option(opt, optarg, &so.cfg);
			if (lim == 1)
				break;
			if (lim < 0)
				mk_usage_error("analyze", "'%s': %s", optarg, mk_msg("cli.bad_limit"));
			else
				fprintf(stderr, "%s\n", mk_msg("cli.see_help"));
			free(learn);
			return MK_EXIT_USAGE;
		}
	}
	if (learn_until != 0 && n_learn > 0) {
		mk_usage_error("analyze", "%s", mk_msg("cli.learn_until_with_learn"));
		free(learn);
		return MK_EXIT_USAGE;
	}
	if (optind >= argc && n_learn == 0) {
		mk_usage_error("analyze", "%s", mk_msg("cli.no_capture"));
		free(learn);
		return MK_EXIT_USAGE;
	}
	/* A bad zone file is bad usage: refused before the database is touched. */
	if (zones_file != NULL) {
		char err[1024] = "";

		if ((zones = mk_zones_load(zones_file, err, sizeof(err))) == NULL) {
			fprintf(stderr, "mieruka analyze: %s\n", err);
			free(learn);
			return MK_EXIT_USAGE;
		}
		so.zones = zones;
	}
	if (mk_stream_cli_check("analyze", &sc, oo.json_path) != 0) {
		mk_zones_free(zones);
		free(learn);
		return MK_EXIT_USAGE;
	}
	so.stream = mk_stream_cli_options(&sc);
	so.progress = !oo.quiet && isatty(STDERR_FILENO);
	so.quiet = oo.quiet;
	/* Alert lines on standard output: like --json -, nothing else goes there. */
	if (sc.o.jsonl_path != NULL && strcmp(sc.o.jsonl_path, "-") == 0)
		oo.quiet = true;
	rc = mk_session_open(&s, &so);
	mk_zones_free(zones); /* the database and the engine have their own copies now */
	if (rc != 0) {
		free(learn);
		return MK_EXIT_INPUT;
	}
	int files_read = 0;
	uint32_t index = 0;
	struct mk_detect *det = mk_engine_detector(s.eng);

	if (n_learn > 0) {
		/* The baseline from the --learn captures (no deviation alerts from
		 * them; dangerous operations still alert), then the rest is judged. */
		mk_detect_baseline_learn(det, "learn_captures", 0);
		for (size_t i = 0; i < n_learn; i++)
			files_read += mk_session_file(&s, learn[i], index++) == 0;
		mk_session_seal(&s, "cli.baseline_learned");
		if (s.feed != NULL && optind < argc)
			mk_session_checkpoint(&s);
	} else {
		/* No baseline yet: the first part of the input teaches it. */
		mk_session_plan_learning(&s, argv + optind, (size_t)(argc - optind), learn_until);
	}
	for (int i = optind; i < argc; i++) {
		files_read += mk_session_file(&s, argv[i], index++) == 0;
		/* With a stream, each file's end is a checkpoint (the last one is
		 * the finish's): its alerts go out before the next file is read. */
		if (s.feed != NULL && i + 1 < argc)
			mk_session_checkpoint(&s);
	}
	/* Input too short to reach the end of the learning part: all of it was
	 * learned, the next analysis judges.  (A live learning period from
	 * monitor is left to monitor.) */
	if (s.learn_bytes_left != 0)
		mk_session_seal(&s, "cli.baseline_all");
	free(learn);
	if (mk_session_finish(&s) != 0)
		rc = MK_EXIT_INPUT;
	/* Nothing could be read: the error said so; a summary of what the
	 * database held before would only hide it. */
	if (files_read == 0)
		oo.quiet = true;
	if (mk_output_write(s.store, &oo) != 0)
		rc = MK_EXIT_INPUT;
	if (s.input_failed)
		rc = MK_EXIT_INPUT;
	mk_session_close(&s);
	return rc;
}

/* serve.c - `mieruka serve`: the web dashboard and JSON API over a database
 * (src/web; docs/API.md). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/util.h"
#include "web/web_int.h"

int mk_cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"tls-cert", required_argument, NULL, 'c'},
		{"tls-key", required_argument, NULL, 'k'},
		{"lang", required_argument, NULL, 'L'},
		{"max-upload", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct mk_web_options o = {"mieruka.db", "127.0.0.1:8080", NULL, NULL, false, 1024};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:l:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': o.db_path = optarg; break;
		case 'l': o.listen = optarg; break;
		case 'c': o.tls_cert = optarg; break;
		case 'k': o.tls_key = optarg; break;
		case 'L':
			mk_i18n_set_lang(strcmp(optarg, "ja") == 0 ? MK_LANG_JA : MK_LANG_EN);
			break;
		case 'm': {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || v < 1 || v > 1048576) {
				mk_usage_error("serve", "--max-upload takes megabytes from 1 to 1048576, not '%s'",
				               optarg);
				return MK_EXIT_USAGE;
			}
			o.max_upload_mb = v;
			break;
		}
		case 'h': return mk_cmd_help(2, (char *[]){"help", "serve", NULL});
		default:
			fprintf(stderr, "%s\n", mk_msg("cli.see_help"));
			return MK_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		mk_usage_error("serve", "%s", argv[optind]);
		return MK_EXIT_USAGE;
	}
	/* Opening creates an empty database: a missing file is a wrong path. */
	if (access(o.db_path, F_OK) != 0) {
		mk_error("%s: %s", o.db_path, mk_msg("cli.no_database"));
		return MK_EXIT_INPUT;
	}
	switch (mk_web_run(&o)) {
	case 0: return MK_EXIT_OK;
	case -2: return MK_EXIT_USAGE; /* --listen, --tls-cert/--tls-key */
	default: return MK_EXIT_INPUT;
	}
}

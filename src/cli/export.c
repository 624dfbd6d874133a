/* export.c - `mieruka export`: the database as the JSON document, CSV files or
 * the terminal summary, without reading any capture (e.g. after `monitor`). */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/store.h"
#include "mieruka/util.h"

int mk_cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"json", required_argument, NULL, 'j'},
		{"csv", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct mk_output_options oo;
	const char *db = "mieruka.db";
	struct mk_store *st = NULL;
	char err[512] = "";
	int opt, rc;

	memset(&oo, 0, sizeof(oo));
	oo.max_rows = 30;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:j:c:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'j': oo.json_path = optarg; break;
		case 'c': oo.csv_dir = optarg; break;
		case 'q': oo.quiet = true; break;
		case 'h': return mk_cmd_help(2, (char *[]){"help", "export", NULL});
		default:
			fprintf(stderr, "%s\n", mk_msg("cli.see_help"));
			return MK_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		mk_usage_error("export", "%s", mk_msg("cli.export_no_files"));
		return MK_EXIT_USAGE;
	}
	/* Opening creates an empty database; exporting one that does not exist is
	 * almost certainly a wrong path, so say so instead. */
	if (access(db, F_OK) != 0) {
		mk_error("%s: %s", db, mk_msg("cli.no_database"));
		return MK_EXIT_INPUT;
	}
	if (mk_store_sqlite.open(&st, db, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		return MK_EXIT_INPUT;
	}
	rc = mk_output_write(st, &oo) == 0 ? MK_EXIT_OK : MK_EXIT_INPUT;
	mk_store_sqlite.close(st);
	return rc;
}

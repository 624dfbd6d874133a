/* main.c - `mieruka COMMAND ...`: dispatch, --version and help. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "mieruka/util.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary_key; /* one line in `mieruka help` */
	const char *help_key;    /* the full text of `mieruka help NAME` */
};

static const struct command commands[] = {
	{"analyze", mk_cmd_analyze, "cmd.analyze", "help.analyze"},
	{"monitor", mk_cmd_monitor, "cmd.monitor", "help.monitor"},
	{"demo", mk_cmd_demo, "cmd.demo", "help.demo"},
	{"export", mk_cmd_export, "cmd.export", "help.export"},
	{"alerts", mk_cmd_alerts, "cmd.alerts", "help.alerts"},
	{"changes", mk_cmd_changes, "cmd.changes", "help.changes"},
	{"maintenance", mk_cmd_maintenance, "cmd.maintenance", "help.maintenance"},
	{"zones", mk_cmd_zones, "cmd.zones", "help.zones"},
	{"serve", mk_cmd_serve, "cmd.serve", "help.serve"},
	{"assess", mk_cmd_assess, "cmd.assess", "help.assess"},
	{"help", mk_cmd_help, "cmd.help", "help.help"},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

int mk_cmd_help(int argc, char **argv)
{
	if (argc >= 2) {
		for (size_t i = 0; i < N_COMMANDS; i++)
			if (strcmp(argv[1], commands[i].name) == 0) {
				fputs(mk_msg(commands[i].help_key), stdout);
				fputc('\n', stdout);
				return MK_EXIT_OK;
			}
		mk_usage_error("help", "%s: %s", mk_msg("cli.unknown_command"), argv[1]);
		return MK_EXIT_USAGE;
	}
	printf("mieruka %s - %s\n\n%s\n", MK_VERSION, mk_msg("cli.tagline"), mk_msg("cli.usage"));
	for (size_t i = 0; i < N_COMMANDS; i++)
		printf("  %-12s %s\n", commands[i].name, mk_msg(commands[i].summary_key));
	printf("\n%s\n", mk_msg("cli.help_footer"));
	return MK_EXIT_OK;
}

int main(int argc, char **argv)
{
	mk_i18n_set_lang(mk_i18n_lang_from_env());
	if (argc < 2) {
		mk_cmd_help(1, argv);
		return MK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("mieruka %s\n", MK_VERSION);
		return MK_EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return mk_cmd_help(argc - 1, argv + 1);
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	mk_usage_error(argv[1], "%s", mk_msg("cli.unknown_command"));
	return MK_EXIT_USAGE;
}

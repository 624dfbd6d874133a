/* alerts.c - `mieruka alerts`: list the alerts of a database and record what a
 * person decided about one (acknowledged, accepted as normal, reopened).
 *
 * The decision is stored with the alert (store set_alert_status) and survives
 * later analyses: the detector never overwrites acknowledged or accepted. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/detect.h"
#include "mieruka/store.h"
#include "mieruka/util.h"

struct list_ctx {
	int status; /* -1: all */
	size_t shown;
};

static int print_alert(void *ctx, const struct mk_alert_rec *a)
{
	struct list_ctx *l = ctx;
	char first[40], type[MK_ALERT_TYPE_LEN];
	const char *title = mk_i18n_lang() == MK_LANG_JA ? a->title_ja : a->title_en;

	if (l->status >= 0 && a->status != (unsigned)l->status)
		return 0;
	memcpy(type, a->type, sizeof(type));
	type[sizeof(type) - 1] = '\0';
	printf("%.*s  %-12s %-8s %-22s %s  %s\n", (int)strnlen(a->id, sizeof(a->id)), a->id,
	       mk_alert_status_name(a->status), mk_severity_name(a->severity), type,
	       mk_time_rfc3339(a->first_ns, first, sizeof(first)), title != NULL ? title : "");
	l->shown++;
	return 0;
}

/* Accepting teaches the baseline: the alert's key becomes normal. */
struct teach_ctx {
	const char *id;
	struct mk_baseline_item item;
	int found; /* 1 teaches, 0 teaches nothing, -1 not found */
};

static int find_teach(void *ctx, const struct mk_alert_rec *a)
{
	struct teach_ctx *t = ctx;

	if (strncmp(a->id, t->id, sizeof(a->id)) != 0)
		return 0;
	t->found = mk_baseline_item_from_alert(a, &t->item);
	return 1; /* stop */
}

int mk_alert_teach(struct mk_store *st, const char *id, struct mk_baseline_item *taught)
{
	struct teach_ctx t = {id, {0}, -1};

	if (mk_store_sqlite.each_alert(st, find_teach, &t) < 0)
		return -1;
	if (t.found <= 0)
		return 0;
	if (mk_store_sqlite.put_baseline_item(st, &t.item) != 0)
		return -1;
	if (taught != NULL)
		*taught = t.item;
	return 1;
}

static int teach(struct mk_store *st, const char *db, const char *id)
{
	struct mk_baseline_item item;
	char out[512];
	const char *names[] = {"kind", "key"};
	const char *values[2];
	int rc = mk_alert_teach(st, id, &item);

	if (rc < 0) {
		mk_error("%s: %s", db, mk_store_sqlite.error(st));
		return -1;
	}
	if (rc == 0) {
		printf("%s\n", mk_msg("cli.alerts_not_taught"));
		return 0;
	}
	values[0] = mk_baseline_kind_name(item.kind);
	values[1] = item.key;
	mk_detect_render(out, sizeof(out), mk_msg("cli.alerts_taught"), names, values, 2);
	printf("%s\n", out);
	return 0;
}

static int open_db(const char *db, struct mk_store **st)
{
	char err[512] = "";

	/* Opening creates an empty database: a missing file is a wrong path. */
	if (access(db, F_OK) != 0) {
		mk_error("%s: %s", db, mk_msg("cli.no_database"));
		return -1;
	}
	if (mk_store_sqlite.open(st, db, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		return -1;
	}
	return 0;
}

int mk_cmd_alerts(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},
		{"status", required_argument, NULL, 's'},
		{"note", required_argument, NULL, 'n'},
		{"lang", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *db = "mieruka.db", *note = "", *action = "list", *id = NULL;
	struct list_ctx l = {-1, 0};
	struct mk_store *st = NULL;
	int opt, rc = MK_EXIT_OK, set = -1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:s:n:L:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'n': note = optarg; break;
		case 's':
			if ((l.status = mk_alert_status_from_name(optarg)) < 0) {
				mk_usage_error("alerts", "%s: %s", mk_msg("cli.alerts_bad_status"),
				               optarg);
				return MK_EXIT_USAGE;
			}
			break;
		case 'L':
			if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0) {
				mk_usage_error("alerts", "--lang takes ja or en, not '%s'", optarg);
				return MK_EXIT_USAGE;
			}
			mk_i18n_set_lang(strcmp(optarg, "ja") == 0 ? MK_LANG_JA : MK_LANG_EN);
			break;
		case 'h': return mk_cmd_help(2, (char *[]){"help", "alerts", NULL});
		default:
			fprintf(stderr, "%s\n", mk_msg("cli.see_help"));
			return MK_EXIT_USAGE;
		}
	}
	if (optind < argc)
		action = argv[optind++];
	if (strcmp(action, "ack") == 0)
		set = MK_ALERT_ACKNOWLEDGED;
	else if (strcmp(action, "accept") == 0)
		set = MK_ALERT_ACCEPTED;
	else if (strcmp(action, "reopen") == 0)
		set = MK_ALERT_OPEN;
	else if (strcmp(action, "list") != 0) {
		mk_usage_error("alerts", "%s: %s", mk_msg("cli.alerts_bad_action"), action);
		return MK_EXIT_USAGE;
	}
	if (set >= 0) {
		if (optind >= argc) {
			mk_usage_error("alerts", "%s", mk_msg("cli.alerts_need_id"));
			return MK_EXIT_USAGE;
		}
		id = argv[optind++];
	}
	if (optind != argc) {
		mk_usage_error("alerts", "%s: %s", mk_msg("cli.alerts_extra"), argv[optind]);
		return MK_EXIT_USAGE;
	}
	if (open_db(db, &st) != 0)
		return MK_EXIT_INPUT;
	if (set < 0) {
		if (mk_store_sqlite.each_alert(st, print_alert, &l) != 0) {
			mk_error("%s: %s", db, mk_store_sqlite.error(st));
			rc = MK_EXIT_INPUT;
		} else if (l.shown == 0) {
			printf("%s\n", mk_msg("report.none_alerts"));
		}
	} else {
		int found = mk_store_sqlite.set_alert_status(st, id, (unsigned)set, note);

		if (found < 0) {
			mk_error("%s: %s", db, mk_store_sqlite.error(st));
			rc = MK_EXIT_INPUT;
		} else if (found == 0) {
			mk_error("%s: %s: %s", db, id, mk_msg("cli.alerts_no_such"));
			rc = MK_EXIT_INPUT;
		} else {
			printf("%s: %s\n", id, mk_alert_status_name((unsigned)set));
			if (set == MK_ALERT_ACCEPTED && teach(st, db, id) != 0)
				rc = MK_EXIT_INPUT;
		}
	}
	mk_store_sqlite.close(st);
	return rc;
}

/* maintenance.c - `mieruka maintenance`: record, list and delete maintenance
 * windows (planned work: a time range, the devices, the vendor, a note).
 *
 * Alerts and change-ledger entries inside a window are labelled planned
 * (予定された作業) instead of being raised as incidents.  The windows are
 * read when an analysis or monitoring starts, so record the work before the
 * capture is analysed (or, live, before the work begins).
 *
 * Times: RFC 3339 with an offset ("2024-05-01T09:00:00+09:00") or
 * "YYYY-MM-DD HH:MM" in this machine's local time (TZ).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mieruka/ledger.h"
#include "mieruka/store.h"
#include "mieruka/util.h"

static int open_db(const char *db, bool must_exist, struct mk_store **st)
{
	char err[512] = "";

	/* Listing or deleting in a database that does not exist is a wrong path;
	 * recording work ahead of the first analysis creates it. */
	if (must_exist && access(db, F_OK) != 0) {
		mk_error("%s: %s", db, mk_msg("cli.no_database"));
		return -1;
	}
	if (mk_store_sqlite.open(st, db, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		return -1;
	}
	return 0;
}

/* A text option: at most MK_WINDOW_TEXT_LEN - 1 bytes, sanitized. */
static bool text_option(const char *what, const char *arg, char *out)
{
	if (strlen(arg) >= MK_WINDOW_TEXT_LEN) {
		mk_usage_error("maintenance", "%s %s %d", what, mk_msg("cli.maint_text_long"),
		               MK_WINDOW_TEXT_LEN - 1);
		return false;
	}
	mk_text_sanitize(out, MK_WINDOW_TEXT_LEN, arg, strlen(arg));
	return true;
}

static int cmd_add(const char *db, struct mk_window_rec *w, bool have_from, bool have_to)
{
	struct mk_store *st;
	struct timespec now;
	uint32_t id = 0;
	int rc = MK_EXIT_OK;

	if (!have_from || !have_to) {
		mk_usage_error("maintenance", "%s", mk_msg("cli.maint_need_range"));
		return MK_EXIT_USAGE;
	}
	if (w->end_ns <= w->start_ns) {
		mk_usage_error("maintenance", "%s", mk_msg("cli.maint_end_before_start"));
		return MK_EXIT_USAGE;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	w->created_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	if (open_db(db, false, &st) != 0)
		return MK_EXIT_INPUT;
	if (mk_store_sqlite.add_window(st, w, &id) != 0) {
		mk_error("%s", mk_store_sqlite.error(st));
		rc = MK_EXIT_INPUT;
	} else {
		w->id = id;
		printf("%s %u\n", mk_msg("cli.maint_added"), (unsigned)id);
		mk_report_text_windows(stdout, w, 1);
	}
	mk_store_sqlite.close(st);
	return rc;
}

struct window_list {
	struct mk_window_rec *v;
	size_t n, cap;
};

static int collect(void *ctx, const struct mk_window_rec *rec)
{
	struct window_list *l = ctx;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct mk_window_rec *nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = *rec;
	return 0;
}

static int cmd_list(const char *db)
{
	struct window_list l = {NULL, 0, 0};
	struct mk_store *st;
	int rc = MK_EXIT_OK;

	if (open_db(db, true, &st) != 0)
		return MK_EXIT_INPUT;
	if (mk_store_sqlite.each_window(st, collect, &l) != 0) {
		mk_error("%s: %s", db, mk_store_sqlite.error(st));
		rc = MK_EXIT_INPUT;
	} else {
		printf("== %s (%zu) ==\n", mk_msg("report.windows"), l.n);
		mk_report_text_windows(stdout, l.v, l.n);
	}
	free(l.v);
	mk_store_sqlite.close(st);
	return rc;
}

static int cmd_delete(const char *db, const char *arg)
{
	struct mk_store *st;
	unsigned long id;
	int found, rc = MK_EXIT_OK;

	if (!mk_parse_ulong(arg, UINT32_MAX, &id) || id == 0) {
		mk_usage_error("maintenance", "%s: %s", mk_msg("cli.maint_bad_id"), arg);
		return MK_EXIT_USAGE;
	}
	if (open_db(db, true, &st) != 0)
		return MK_EXIT_INPUT;
	found = mk_store_sqlite.delete_window(st, (uint32_t)id);
	if (found < 0) {
		mk_error("%s: %s", db, mk_store_sqlite.error(st));
		rc = MK_EXIT_INPUT;
	} else if (found == 0) {
		mk_error("%s: %lu: %s", db, id, mk_msg("cli.maint_no_such"));
		rc = MK_EXIT_INPUT;
	} else {
		printf("%s %lu\n", mk_msg("cli.maint_deleted"), id);
	}
	mk_store_sqlite.close(st);
	return rc;
}

int mk_cmd_maintenance(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"device", required_argument, NULL, 'D'},
	    {"vendor", required_argument, NULL, 'v'},
	    {"note", required_argument, NULL, 'n'},
	    {"lang", required_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *db = "mieruka.db", *action;
	struct mk_window_rec *w = calloc(1, sizeof(*w));
	bool have_from = false, have_to = false, window_opts = false;
	int opt, rc = MK_EXIT_USAGE;

	if (w == NULL) {
		mk_error("out of memory");
		return MK_EXIT_INPUT;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:f:t:D:v:n:L:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'f':
		case 't':
			window_opts = true;
			if (mk_time_parse(optarg, opt == 'f' ? &w->start_ns : &w->end_ns) != 0) {
				mk_usage_error("maintenance", "%s: %s", mk_msg("cli.bad_time"),
				               optarg);
				goto out;
			}
			*(opt == 'f' ? &have_from : &have_to) = true;
			break;
		case 'D':
			window_opts = true;
			if (w->n_devices >= MK_WINDOW_MAX_DEVICES) {
				mk_usage_error("maintenance", "%s (%d)",
				               mk_msg("cli.maint_many_devices"),
				               MK_WINDOW_MAX_DEVICES);
				goto out;
			}
			if (!mk_addr_parse(&w->devices[w->n_devices], optarg)) {
				mk_usage_error("maintenance", "%s: %s", mk_msg("cli.bad_address"),
				               optarg);
				goto out;
			}
			w->n_devices++;
			break;
		case 'v':
			window_opts = true;
			if (!text_option("--vendor", optarg, w->vendor))
				goto out;
			break;
		case 'n':
			window_opts = true;
			if (!text_option("--note", optarg, w->note))
				goto out;
			break;
		case 'L':
			if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0) {
				mk_usage_error("maintenance", "--lang takes ja or en, not '%s'",
				               optarg);
				goto out;
			}
			mk_i18n_set_lang(strcmp(optarg, "ja") == 0 ? MK_LANG_JA : MK_LANG_EN);
			break;
		case 'h': free(w); return mk_cmd_help(2, (char *[]){"help", "maintenance", NULL});
		default: fprintf(stderr, "%s\n", mk_msg("cli.see_help")); goto out;
		}
	}
	action = optind < argc ? argv[optind++] : "list";
	if (strcmp(action, "add") == 0) {
		if (optind != argc) {
			mk_usage_error("maintenance", "%s: %s", mk_msg("cli.alerts_extra"),
			               argv[optind]);
			goto out;
		}
		rc = cmd_add(db, w, have_from, have_to);
	} else if (strcmp(action, "list") == 0 || strcmp(action, "delete") == 0) {
		bool del = strcmp(action, "delete") == 0;

		if (window_opts) {
			mk_usage_error("maintenance", "%s", mk_msg("cli.maint_opts_add_only"));
			goto out;
		}
		if (del && optind >= argc) {
			mk_usage_error("maintenance", "%s", mk_msg("cli.maint_need_id"));
			goto out;
		}
		if (optind + (del ? 1 : 0) != argc) {
			mk_usage_error("maintenance", "%s: %s", mk_msg("cli.alerts_extra"),
			               argv[optind + (del ? 1 : 0)]);
			goto out;
		}
		rc = del ? cmd_delete(db, argv[optind]) : cmd_list(db);
	} else {
		mk_usage_error("maintenance", "%s: %s", mk_msg("cli.maint_bad_action"), action);
	}
out:
	free(w);
	return rc;
}

/* changes.c - `mieruka changes`: the change ledger (変更履歴) of a database.
 *
 * Every program, parameter, firmware, run/stop and access-protection
 * operation seen on a controller, one line per burst, oldest first: a table
 * for people (ja/en), a JSON document and a CSV file for the records.
 * Filters: --device (client or controller; an IP also finds the entries of
 * its MAC and the other way round, through the asset ledger) and --since.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/ledger.h"
#include "mieruka/store.h"
#include "mieruka/util.h"

#define MAX_DEVICE_ADDRS 64

struct filter {
	bool by_device;
	struct mk_addr addrs[MAX_DEVICE_ADDRS]; /* the device's IPs and MAC */
	size_t n_addrs;
	uint64_t since_ns;
};

static bool same(const struct mk_addr *a, const struct mk_addr *b)
{
	size_t n = a->family == MK_AF_MAC ? 6 : a->family == MK_AF_INET ? 4 : 16;

	return a->family == b->family && a->family != MK_AF_NONE && memcmp(a->a, b->a, n) == 0;
}

static bool keep(const struct mk_change_rec *c, void *ctx)
{
	const struct filter *f = ctx;

	if (c->last_ns < f->since_ns)
		return false;
	if (!f->by_device)
		return true;
	for (size_t i = 0; i < f->n_addrs; i++)
		if (same(&c->client, &f->addrs[i]) || same(&c->server, &f->addrs[i]))
			return true;
	return false;
}

static void add_addr(struct filter *f, const struct mk_addr *a)
{
	for (size_t i = 0; i < f->n_addrs; i++)
		if (same(&f->addrs[i], a))
			return;
	if (a->family != MK_AF_NONE && f->n_addrs < MAX_DEVICE_ADDRS)
		f->addrs[f->n_addrs++] = *a;
}

/* The device's addresses: the one given, and those of the asset holding it. */
static void device_addrs(struct filter *f, const struct mk_report *r, const struct mk_addr *a)
{
	struct mk_report_index *ix = mk_report_index_new(r);
	size_t i = mk_report_asset_of(ix, a);

	add_addr(f, a);
	if (i != (size_t)-1) {
		add_addr(f, &r->assets[i].mac);
		for (size_t k = 0; k < r->assets[i].n_ips; k++)
			add_addr(f, &r->assets[i].ips[k]);
	}
	mk_report_index_free(ix);
}

static int write_json(FILE *out, const struct mk_report *r, struct filter *f)
{
	struct mk_report_index *ix = mk_report_index_new(r);
	struct mk_json j;

	mk_json_init(&j, out, true);
	mk_json_begin_object(&j);
	mk_json_key(&j, "schema");
	mk_json_string(&j, "mieruka-changes/1");
	mk_json_key(&j, "generator");
	mk_json_string(&j, "mieruka " MK_VERSION);
	mk_json_key(&j, "changes");
	mk_json_begin_array(&j);
	for (size_t i = 0; i < r->n_changes; i++)
		if (keep(&r->changes[i], f))
			mk_report_json_change(&j, r, ix, &r->changes[i]);
	mk_json_end_array(&j);
	mk_json_end_object(&j);
	mk_report_index_free(ix);
	return fflush(out) != 0 || ferror(out) ? -1 : 0;
}

struct csv_job {
	const struct mk_report *r;
	struct filter *f;
};

static int csv_fill(FILE *out, void *ctx)
{
	struct csv_job *job = ctx;

	mk_report_csv_changes(out, job->r, keep, job->f);
	return 0;
}

static int write_csv(const char *path, const struct mk_report *r, struct filter *f)
{
	struct csv_job job = {r, f};
	char err[4400];

	if (mk_write_file_atomic(path, csv_fill, &job, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		return -1;
	}
	return 0;
}

int mk_cmd_changes(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"json", required_argument, NULL, 'j'},
	    {"csv", required_argument, NULL, 'c'},
	    {"device", required_argument, NULL, 'D'},
	    {"since", required_argument, NULL, 's'},
	    {"lang", required_argument, NULL, 'L'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *db = "mieruka.db", *json = NULL, *csv = NULL, *device = NULL;
	struct filter *f = calloc(1, sizeof(*f));
	struct mk_store *st = NULL;
	struct mk_report r;
	struct mk_addr dev;
	bool quiet = false;
	int opt, rc = MK_EXIT_OK;
	char err[512] = "";

	if (f == NULL) {
		mk_error("out of memory");
		return MK_EXIT_INPUT;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:j:c:D:s:L:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'j': json = optarg; break;
		case 'c': csv = optarg; break;
		case 'q': quiet = true; break;
		case 'D':
			device = optarg;
			if (!mk_addr_parse(&dev, optarg)) {
				mk_usage_error("changes", "%s: %s", mk_msg("cli.bad_address"),
				               optarg);
				rc = MK_EXIT_USAGE;
				goto out;
			}
			break;
		case 's':
			if (mk_time_parse(optarg, &f->since_ns) != 0) {
				mk_usage_error("changes", "%s: %s", mk_msg("cli.bad_time"), optarg);
				rc = MK_EXIT_USAGE;
				goto out;
			}
			break;
		case 'L':
			if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0) {
				mk_usage_error("changes", "--lang takes ja or en, not '%s'",
				               optarg);
				rc = MK_EXIT_USAGE;
				goto out;
			}
			mk_i18n_set_lang(strcmp(optarg, "ja") == 0 ? MK_LANG_JA : MK_LANG_EN);
			break;
		case 'h': free(f); return mk_cmd_help(2, (char *[]){"help", "changes", NULL});
		default:
			fprintf(stderr, "%s\n", mk_msg("cli.see_help"));
			rc = MK_EXIT_USAGE;
			goto out;
		}
	}
	if (optind != argc) {
		mk_usage_error("changes", "%s: %s", mk_msg("cli.alerts_extra"), argv[optind]);
		rc = MK_EXIT_USAGE;
		goto out;
	}
	/* Opening creates an empty database: a missing file is a wrong path. */
	if (access(db, F_OK) != 0) {
		mk_error("%s: %s", db, mk_msg("cli.no_database"));
		rc = MK_EXIT_INPUT;
		goto out;
	}
	if (mk_store_sqlite.open(&st, db, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		rc = MK_EXIT_INPUT;
		goto out;
	}
	if (mk_report_load(st, &r) != 0) {
		mk_report_free(&r);
		rc = MK_EXIT_INPUT;
		goto out;
	}
	if (device != NULL) {
		f->by_device = true;
		device_addrs(f, &r, &dev);
	}
	if (json != NULL) {
		bool to_stdout = strcmp(json, "-") == 0;
		FILE *out = to_stdout ? stdout : fopen(json, "w");

		if (out == NULL) {
			mk_error("%s: cannot write the JSON document: %s", json, strerror(errno));
			rc = MK_EXIT_INPUT;
		} else {
			if (write_json(out, &r, f) != 0) {
				mk_error("%s: writing the JSON document failed", json);
				rc = MK_EXIT_INPUT;
			}
			if (!to_stdout && fclose(out) != 0)
				rc = MK_EXIT_INPUT;
		}
	}
	if (csv != NULL && write_csv(csv, &r, f) != 0)
		rc = MK_EXIT_INPUT;
	if (!quiet && !(json != NULL && strcmp(json, "-") == 0)) {
		size_t n = 0;

		for (size_t i = 0; i < r.n_changes; i++)
			n += keep(&r.changes[i], f);
		printf("== %s (%s: %zu) ==\n", mk_msg("report.changes"),
		       mk_msg("report.changes_unit"), n);
		mk_report_text_changes(stdout, &r, keep, f, (size_t)-1);
	}
	mk_report_free(&r);
out:
	if (st != NULL)
		mk_store_sqlite.close(st);
	free(f);
	return rc;
}

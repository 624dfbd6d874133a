/* session.c - one analysis: capture files -> engine -> database, and the
 * outputs read back from the database (so what `analyze` prints is exactly
 * what the database now holds, earlier runs included). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mieruka/capture.h"
#include "mieruka/store.h"
#include "mieruka/util.h"
#include "mieruka/zones.h"

#define STORE_QUEUE_BATCHES 4

static const struct mk_store_ops *store_ops(struct mk_store *st)
{
	return ((struct mk_store_base *)st)->ops;
}

/* analyze --zones: the file's set replaces the database's; then the
 * database's set (whoever wrote it) goes to the detector. */
static int load_zones(struct mk_session *s, const struct mk_session_options *opt)
{
	const struct mk_store_ops *ops = store_ops(s->store);
	struct mk_zones *z = NULL;

	if (opt->zones != NULL &&
	    (ops->begin(s->store) != 0 || ops->put_zones(s->store, opt->zones) != 0 ||
	     ops->commit(s->store) != 0)) {
		mk_error("%s: cannot store the zones: %s", opt->db_path, ops->error(s->store));
		ops->rollback(s->store);
		return -1;
	}
	if (ops->get_zones(s->store, &z) != 0) {
		mk_error("%s", ops->error(s->store));
		return -1;
	}
	mk_engine_set_zones(s->eng, z);
	return 0;
}

int mk_session_open(struct mk_session *s, const struct mk_session_options *opt)
{
	char err[512] = "";
	const struct mk_store_ops *ops = &mk_store_sqlite;

	memset(s, 0, sizeof(*s));
	s->db_path = opt->db_path;
	s->progress = opt->progress;
	s->quiet = opt->quiet;
	if (ops->open(&s->store, opt->db_path, err, sizeof(err)) != 0) {
		mk_error("%s", err[0] ? err : "cannot open the database");
		return -1;
	}
	s->eng = mk_engine_new(&opt->cfg, err, sizeof(err));
	if (s->eng == NULL) {
		mk_error("%s", err);
		goto fail;
	}
	/* Zones before the alerts of earlier runs, which may name them. */
	if (load_zones(s, opt) != 0)
		goto fail;
	/* Earlier runs: the inventory and the conversations continue from them.
	 * The maintenance windows come first: they label what follows. */
	if (ops->each_window(s->store, mk_engine_add_window, s->eng) != 0 ||
	    ops->each_change(s->store, mk_engine_load_change, s->eng) != 0 ||
	    ops->each_asset(s->store, mk_engine_load_asset, s->eng) != 0 ||
	    ops->each_conv(s->store, mk_engine_load_conv, s->eng) != 0 ||
	    ops->each_alert(s->store, mk_engine_load_alert, s->eng) != 0) {
		mk_error("%s: cannot read the earlier analysis: %s", opt->db_path, ops->error(s->store));
		goto fail;
	}
	/* The learned baseline (unless asked to start it over). */
	{
		struct mk_detect *det = mk_engine_detector(s->eng);
		struct mk_baseline_meta meta;
		int found;

		if (opt->relearn && ops->clear_baseline(s->store) != 0) {
			mk_error("%s", ops->error(s->store));
			goto fail;
		}
		if ((found = ops->get_baseline_meta(s->store, &meta)) < 0 ||
		    ops->each_baseline_item(s->store, mk_detect_baseline_load_item, det) != 0) {
			mk_error("%s: cannot read the baseline: %s", opt->db_path, ops->error(s->store));
			goto fail;
		}
		if (found > 0)
			mk_detect_baseline_load_meta(det, &meta);
	}
	s->writer = mk_store_writer_start(s->store, STORE_QUEUE_BATCHES);
	if (s->writer == NULL) {
		mk_error("cannot start the database writer");
		goto fail;
	}
	if (opt->stream != NULL &&
	    (s->feed = mk_feed_start(opt->stream, opt->db_path, s->writer)) == NULL)
		goto fail;
	return 0;
fail:
	mk_session_close(s);
	return -1;
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* A reader's message "PATH: reason" under the session's file label, into
 * s->last_error (and on stderr). */
static void file_error(struct mk_session *s, const char *path, const char *msg)
{
	size_t n = strlen(path), cut = n > 199 ? 199 : n; /* the reader cuts long names */
	const char *rest = NULL;

	if (s->file_label != NULL && strncmp(msg, path, n) == 0)
		rest = msg + n;
	else if (s->file_label != NULL && strncmp(msg, path, cut) == 0)
		rest = msg + cut;
	if (rest != NULL)
		snprintf(s->last_error, sizeof(s->last_error), "%s%s", s->file_label, rest);
	else
		snprintf(s->last_error, sizeof(s->last_error), "%s", msg);
	mk_error("%s", s->last_error);
}

int mk_session_file(struct mk_session *s, const char *path, uint32_t index)
{
	char err[MK_CAPTURE_ERRLEN] = "";
	struct mk_capture *cap = mk_capture_open_file(path, index, err);
	struct mk_progress prog;
	struct mk_store_batch b;
	struct mk_capture_rec *rec;
	const struct mk_capture_stats *st;
	const char *const *warnings;
	size_t n_warnings;
	struct mk_pkt pkt;
	enum mk_capture_rc rc;

	if (cap == NULL) {
		file_error(s, path, err);
		s->input_failed = true;
		return -1;
	}
	mk_progress_start(&prog, s->progress, path);
	memset(&pkt, 0, sizeof(pkt));
	while ((rc = mk_capture_next(cap, &pkt)) == MK_CAP_PACKET) {
		if (s->learn_until_ns != 0 && pkt.ts_ns >= s->learn_until_ns) {
			s->learn_until_ns = 0;
			mk_session_seal(s, "cli.baseline_until");
		}
		if (s->learn_bytes_left != 0) {
			/* learning from the first part of the input: record header + data */
			uint64_t used = (uint64_t)pkt.caplen + 16;

			if (used < s->learn_bytes_left) {
				s->learn_bytes_left -= used;
			} else {
				s->learn_bytes_left = 0;
				mk_session_seal(s, "cli.baseline_auto");
			}
		}
		mk_engine_packet(s->eng, &pkt);
		if (s->on_progress != NULL && (mk_engine_packets(s->eng) & 0xfff) == 0) {
			uint64_t done, total;

			mk_capture_progress(cap, &done, &total);
			if (s->on_progress(s->progress_ctx, done, total) != 0) {
				s->cancelled = true;
				break;
			}
		}
		if ((mk_engine_packets(s->eng) & 0xffff) == 0 && prog.enabled) {
			uint64_t done, total;

			mk_capture_progress(cap, &done, &total);
			mk_progress_update(&prog, done, total, mk_capture_stats(cap)->packets);
		}
	}
	mk_progress_end(&prog);
	if (s->cancelled) {
		mk_capture_close(cap);
		s->input_failed = true;
		return -1;
	}
	if (rc == MK_CAP_ERROR) {
		file_error(s, path, mk_capture_error(cap));
		s->input_failed = true;
	}
	n_warnings = mk_capture_warnings(cap, &warnings);
	for (size_t i = 0; i < n_warnings; i++)
		mk_warn("%s", warnings[i]);

	/* The capture's own record goes to the database with the next batch. */
	memset(&b, 0, sizeof(b));
	rec = calloc(1, sizeof(*rec));
	st = mk_capture_stats(cap);
	if (rec != NULL) {
		rec->file = dup_or_null(s->file_label != NULL ? s->file_label : path);
		rec->packets = st->packets;
		rec->bytes = st->bytes;
		rec->first_ns = st->first_ns;
		rec->last_ns = st->last_ns;
		rec->n_linktypes = st->n_linktypes;
		memcpy(rec->linktypes, st->linktypes, sizeof(rec->linktypes));
		rec->warnings = n_warnings ? calloc(n_warnings, sizeof(char *)) : NULL;
		for (size_t i = 0; rec->warnings != NULL && i < n_warnings; i++)
			if ((rec->warnings[i] = strdup(warnings[i])) != NULL)
				rec->n_warnings++;
		b.captures = rec;
		b.n_captures = 1;
	}
	mk_capture_close(cap);
	if (b.n_captures && mk_store_writer_submit(s->writer, &b) != 0) {
		mk_store_batch_clear(&b);
		return -1;
	}
	return rc == MK_CAP_ERROR ? -1 : 0;
}

void mk_session_plan_learning(struct mk_session *s, char *const *files, size_t n,
                              uint64_t learn_until_ns)
{
	struct mk_detect *det = mk_engine_detector(s->eng);
	uint64_t total = 0;
	struct stat sb;

	if (mk_detect_baseline_meta(det)->state != MK_BASELINE_NONE)
		return;
	mk_detect_baseline_learn(det, "capture_start", 0);
	if (learn_until_ns != 0) {
		s->learn_until_ns = learn_until_ns;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (stat(files[i], &sb) == 0 && S_ISREG(sb.st_mode))
			total += (uint64_t)sb.st_size;
	s->learn_percent = mk_detect_learn_percent(det);
	s->learn_bytes_left = total / 100 * s->learn_percent + total % 100 * s->learn_percent / 100;
	if (s->learn_bytes_left == 0)
		s->learn_bytes_left = 1;
}

void mk_session_seal(struct mk_session *s, const char *how)
{
	struct mk_detect *det = mk_engine_detector(s->eng);
	const struct mk_baseline_meta *m;
	char when[40] = "-", items[24], percent[8], out[1024];
	const char *names[] = {"items", "time", "percent"};
	const char *values[] = {items, when, percent};

	if (mk_detect_baseline_meta(det)->state != MK_BASELINE_LEARNING)
		return;
	mk_engine_baseline_seal(s->eng);
	m = mk_detect_baseline_meta(det);
	if (s->quiet)
		return;
	if (m->learn_end_ns != 0)
		mk_time_rfc3339(m->learn_end_ns, when, sizeof(when));
	snprintf(items, sizeof(items), "%zu", mk_detect_baseline_count(det));
	snprintf(percent, sizeof(percent), "%u", s->learn_percent);
	mk_detect_render(out, sizeof(out), mk_msg(how), names, values, 3);
	fprintf(stderr, "mieruka: %s\n", out);
}

int mk_session_checkpoint(struct mk_session *s)
{
	struct mk_store_batch b;

	if (mk_engine_snapshot(s->eng, &b) != 0) {
		mk_error("out of memory while preparing the database write");
		return -1;
	}
	if (mk_store_writer_submit(s->writer, &b) != 0) {
		mk_store_batch_clear(&b);
		return -1;
	}
	if (s->feed != NULL)
		mk_feed_kick(s->feed);
	return 0;
}

int mk_session_finish(struct mk_session *s)
{
	char err[512] = "";
	int rc;

	mk_engine_finish(s->eng);
	rc = mk_session_checkpoint(s);
	/* The stream first: it waits for the writer's last commit. */
	mk_feed_stop(s->feed);
	s->feed = NULL;
	if (mk_store_writer_stop(s->writer, err, sizeof(err)) != 0) {
		mk_error("%s: writing the database failed: %s", s->db_path, err);
		rc = -1;
	}
	s->writer = NULL;
	/* Everything is in the database: the engine's tables (the flow table
	 * alone is its memcap) are freed before the outputs read it back, so
	 * the two never add up in the peak memory. */
	mk_engine_free(s->eng);
	s->eng = NULL;
	return rc;
}

void mk_session_close(struct mk_session *s)
{
	char err[512];

	mk_feed_stop(s->feed);
	if (s->writer != NULL)
		mk_store_writer_stop(s->writer, err, sizeof(err));
	mk_engine_free(s->eng);
	if (s->store != NULL)
		store_ops(s->store)->close(s->store);
	memset(s, 0, sizeof(*s));
}

/* --------------------------------------------------- reading back for output */

#define GROW(arr, n, cap)                                                                        \
	((n) < (cap) ? 0 : grow_array((void **)&(arr), &(cap), sizeof(*(arr))))

static int grow_array(void **arr, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	void *nv = realloc(*arr, ncap * elem);

	if (nv == NULL)
		return -1;
	*arr = nv;
	*cap = ncap;
	return 0;
}

static char **dup_strv(char *const *v, size_t n)
{
	char **out = n ? calloc(n, sizeof(char *)) : NULL;

	for (size_t i = 0; out != NULL && i < n; i++)
		out[i] = dup_or_null(v[i]);
	return out;
}

/* Deep copy: records handed to each_* callbacks belong to the store. */
static int copy_asset(struct mk_asset_rec *d, const struct mk_asset_rec *s)
{
	*d = *s;
	d->ips = NULL, d->vendor = NULL, d->names = NULL, d->roles = NULL;
	d->identity = NULL, d->os = NULL, d->attrs = NULL;
	d->n_ips = d->n_names = d->n_roles = d->n_attrs = 0;
	if (s->n_ips && (d->ips = malloc(s->n_ips * sizeof(*d->ips))) != NULL) {
		memcpy(d->ips, s->ips, s->n_ips * sizeof(*d->ips));
		d->n_ips = s->n_ips;
	}
	d->vendor = dup_or_null(s->vendor);
	d->os = dup_or_null(s->os);
	if (s->n_names && (d->names = calloc(s->n_names, sizeof(*d->names))) != NULL)
		for (; d->n_names < s->n_names; d->n_names++) {
			d->names[d->n_names].name = dup_or_null(s->names[d->n_names].name);
			d->names[d->n_names].source = s->names[d->n_names].source;
		}
	if (s->n_roles && (d->roles = calloc(s->n_roles, sizeof(*d->roles))) != NULL)
		for (; d->n_roles < s->n_roles; d->n_roles++) {
			const struct mk_role_rec *r = &s->roles[d->n_roles];

			d->roles[d->n_roles] = *r;
			d->roles[d->n_roles].reasons = dup_strv(r->reasons, r->n_reasons);
			if (d->roles[d->n_roles].reasons == NULL)
				d->roles[d->n_roles].n_reasons = 0;
		}
	if (s->n_attrs && (d->attrs = calloc(s->n_attrs, sizeof(*d->attrs))) != NULL)
		for (; d->n_attrs < s->n_attrs; d->n_attrs++) {
			d->attrs[d->n_attrs].key = dup_or_null(s->attrs[d->n_attrs].key);
			d->attrs[d->n_attrs].value = dup_or_null(s->attrs[d->n_attrs].value);
			d->attrs[d->n_attrs].source = s->attrs[d->n_attrs].source;
		}
	if (s->identity != NULL && (d->identity = calloc(1, sizeof(*d->identity))) != NULL) {
		d->identity->vendor = dup_or_null(s->identity->vendor);
		d->identity->product = dup_or_null(s->identity->product);
		d->identity->model = dup_or_null(s->identity->model);
		d->identity->firmware = dup_or_null(s->identity->firmware);
		d->identity->serial = dup_or_null(s->identity->serial);
		d->identity->source = s->identity->source;
	}
	return 0;
}

struct loader {
	struct mk_report *r;
	size_t cap_assets, cap_convs, cap_captures, cap_counters, cap_alerts;
	size_t cap_changes, cap_windows, cap_traffic;
};

static int load_asset(void *ctx, const struct mk_asset_rec *rec)
{
	struct loader *l = ctx;

	if (GROW(l->r->assets, l->r->n_assets, l->cap_assets) != 0)
		return -1;
	copy_asset(&l->r->assets[l->r->n_assets++], rec);
	return 0;
}

static int load_conv(void *ctx, const struct mk_conv_rec *rec)
{
	struct loader *l = ctx;

	if (GROW(l->r->convs, l->r->n_convs, l->cap_convs) != 0)
		return -1;
	l->r->convs[l->r->n_convs++] = *rec;
	return 0;
}

static int load_capture(void *ctx, const struct mk_capture_rec *rec)
{
	struct loader *l = ctx;
	struct mk_capture_rec *d;

	if (GROW(l->r->captures, l->r->n_captures, l->cap_captures) != 0)
		return -1;
	d = &l->r->captures[l->r->n_captures++];
	*d = *rec;
	d->file = dup_or_null(rec->file);
	d->warnings = dup_strv(rec->warnings, rec->n_warnings);
	if (d->warnings == NULL)
		d->n_warnings = 0;
	return 0;
}

static int load_counter(void *ctx, const char *name, uint64_t value)
{
	struct loader *l = ctx;

	if (GROW(l->r->counters, l->r->n_counters, l->cap_counters) != 0)
		return -1;
	l->r->counters[l->r->n_counters].name = dup_or_null(name);
	l->r->counters[l->r->n_counters++].value = value;
	return 0;
}

static int load_alert(void *ctx, const struct mk_alert_rec *rec)
{
	struct loader *l = ctx;

	if (GROW(l->r->alerts, l->r->n_alerts, l->cap_alerts) != 0)
		return -1;
	if (mk_alert_rec_copy(&l->r->alerts[l->r->n_alerts], rec) != 0)
		return -1;
	l->r->n_alerts++;
	return 0;
}

static int load_change(void *ctx, const struct mk_change_rec *rec)
{
	struct loader *l = ctx;

	if (GROW(l->r->changes, l->r->n_changes, l->cap_changes) != 0)
		return -1;
	l->r->changes[l->r->n_changes++] = *rec;
	return 0;
}

static int load_window(void *ctx, const struct mk_window_rec *rec)
{
	struct loader *l = ctx;

	if (GROW(l->r->windows, l->r->n_windows, l->cap_windows) != 0)
		return -1;
	l->r->windows[l->r->n_windows++] = *rec;
	return 0;
}

static int load_traffic(void *ctx, const struct mk_traffic_rec *rec)
{
	struct loader *l = ctx;

	if (GROW(l->r->traffic, l->r->n_traffic, l->cap_traffic) != 0)
		return -1;
	l->r->traffic[l->r->n_traffic++] = *rec;
	return 0;
}

static int count_item(void *ctx, const struct mk_baseline_item *it)
{
	(void)it;
	((struct mk_report *)ctx)->n_baseline_items++;
	return 0;
}

int mk_report_load(struct mk_store *st, struct mk_report *r)
{
	const struct mk_store_ops *ops = store_ops(st);
	struct loader l = {r, 0, 0, 0, 0, 0, 0, 0, 0};
	struct mk_zones *zones = NULL;

	memset(r, 0, sizeof(*r));
	if (ops->each_capture(st, load_capture, &l) != 0 || ops->each_asset(st, load_asset, &l) != 0 ||
	    ops->each_conv(st, load_conv, &l) != 0 || ops->each_counter(st, load_counter, &l) != 0 ||
	    ops->each_alert(st, load_alert, &l) != 0 || ops->each_change(st, load_change, &l) != 0 ||
	    ops->each_window(st, load_window, &l) != 0 || ops->get_zones(st, &zones) != 0 ||
	    ops->get_baseline_meta(st, &r->baseline) < 0 ||
	    ops->each_baseline_item(st, count_item, r) != 0 ||
	    ops->each_traffic(st, load_traffic, &l) != 0) {
		mk_error("cannot read the database back: %s", ops->error(st));
		return -1;
	}
	if (mk_report_set_zones(r, zones) != 0) {
		mk_error("out of memory while reading the zones");
		return -1;
	}
	return 0;
}

void mk_report_free(struct mk_report *r)
{
	for (size_t i = 0; i < r->n_assets; i++)
		mk_asset_rec_clear(&r->assets[i]);
	for (size_t i = 0; i < r->n_captures; i++)
		mk_capture_rec_clear(&r->captures[i]);
	for (size_t i = 0; i < r->n_counters; i++)
		free(r->counters[i].name);
	for (size_t i = 0; i < r->n_alerts; i++)
		mk_alert_rec_clear(&r->alerts[i]);
	free(r->alerts);
	free(r->changes);
	free(r->windows);
	free(r->traffic);
	free(r->assets);
	free(r->convs);
	free(r->captures);
	free(r->counters);
	mk_zones_free(r->zones);
	free(r->asset_zone);
	memset(r, 0, sizeof(*r));
}

int mk_output_write(struct mk_store *st, const struct mk_output_options *o)
{
	struct mk_report r;
	int rc = 0;

	/* --quiet without --json or --csv: nothing to write, nothing to read back */
	if (o->quiet && o->json_path == NULL && o->csv_dir == NULL)
		return 0;
	if (mk_report_load(st, &r) != 0)
		return -1;
	if (o->json_path != NULL) {
		bool to_stdout = strcmp(o->json_path, "-") == 0;
		FILE *f = to_stdout ? stdout : fopen(o->json_path, "w");

		if (f == NULL) {
			mk_error("%s: cannot write the JSON document: %s", o->json_path, strerror(errno));
			rc = -1;
		} else {
			if (mk_report_json(f, &r) != 0 || fflush(f) != 0 || ferror(f)) {
				mk_error("%s: writing the JSON document failed", o->json_path);
				rc = -1;
			}
			if (!to_stdout && fclose(f) != 0)
				rc = -1;
		}
	}
	if (o->csv_dir != NULL) {
		char err[512] = "";

		if (mk_report_csv(o->csv_dir, &r, err, sizeof(err)) != 0) {
			mk_error("%s", err);
			rc = -1;
		}
	}
	if (!o->quiet && !(o->json_path != NULL && strcmp(o->json_path, "-") == 0))
		mk_report_text(stdout, &r, o->max_rows);
	mk_report_free(&r);
	return rc;
}

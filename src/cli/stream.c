/* stream.c - the alert stream of analyze and monitor: its options, and the
 * thread that feeds it.
 *
 * At each checkpoint the session hands a batch to the store writer and kicks
 * this thread; the thread waits until the writer has committed, reads the
 * alerts back through its own database handle and, when some alert is new or
 * changed, the whole report (the ALERT object refers to assets and
 * communications), and lets the stream send.  So the packet thread never
 * waits for a syslog receiver, and what is streamed is exactly what the
 * database holds.  Kicks that arrive while the thread is busy fold into one.
 */
#include "cli.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/store.h"
#include "mieruka/util.h"

void mk_stream_cli_init(struct mk_stream_cli *c, size_t max_alerts)
{
	memset(c, 0, sizeof(*c));
	mk_alert_stream_options_default(&c->o);
	c->o.max_alerts = max_alerts;
}

int mk_parse_stream_option(const char *cmd, int opt, const char *arg, struct mk_stream_cli *c)
{
	char err[256] = "";
	int v;

	switch (opt) {
	case MK_OPT_ALERTS_JSONL:
		if (arg[0] == '\0') {
			mk_usage_error(cmd, "--alerts-jsonl: %s", mk_msg("cli.alerts_jsonl_empty"));
			return -1;
		}
		c->o.jsonl_path = arg;
		return 1;
	case MK_OPT_SYSLOG:
		if (mk_syslog_target_parse(arg, &c->o.syslog_target, err, sizeof(err)) != 0) {
			mk_usage_error(cmd, "--syslog '%s': %s", arg, err);
			return -1;
		}
		c->o.syslog = true;
		return 1;
	case MK_OPT_SYSLOG_FACILITY:
		v = mk_syslog_facility_parse(arg);
		if (v < 0) {
			mk_usage_error(cmd, "--syslog-facility '%s': %s", arg,
			               mk_msg("cli.bad_facility"));
			return -1;
		}
		c->o.facility = (unsigned)v;
		c->facility_given = true;
		return 1;
	case MK_OPT_SYSLOG_LANG:
		if (strcmp(arg, "both") == 0)
			c->o.lang = MK_STREAM_LANG_BOTH;
		else if (strcmp(arg, "en") == 0)
			c->o.lang = MK_STREAM_LANG_EN;
		else if (strcmp(arg, "ja") == 0)
			c->o.lang = MK_STREAM_LANG_JA;
		else {
			mk_usage_error(cmd, "--syslog-lang '%s': %s", arg,
			               mk_msg("cli.bad_syslog_lang"));
			return -1;
		}
		c->lang_given = true;
		return 1;
	default: return 0;
	}
}

int mk_stream_cli_check(const char *cmd, const struct mk_stream_cli *c, const char *json_path)
{
	if ((c->facility_given || c->lang_given) && !c->o.syslog) {
		mk_usage_error(cmd, "%s", mk_msg("cli.syslog_option_alone"));
		return -1;
	}
	if (c->o.jsonl_path != NULL && strcmp(c->o.jsonl_path, "-") == 0 && json_path != NULL &&
	    strcmp(json_path, "-") == 0) {
		mk_usage_error(cmd, "%s", mk_msg("cli.two_stdout"));
		return -1;
	}
	return 0;
}

const struct mk_alert_stream_options *mk_stream_cli_options(const struct mk_stream_cli *c)
{
	return c->o.jsonl_path != NULL || c->o.syslog ? &c->o : NULL;
}

/* ------------------------------------------------------------ the thread */

struct mk_feed {
	struct mk_alert_stream *stream;
	struct mk_store *st; /* our own handle: the writer thread owns the session's */
	struct mk_store_writer *w;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool pending, stopping;
};

static const struct mk_store_ops *ops_of(struct mk_store *st)
{
	return ((struct mk_store_base *)st)->ops;
}

static int seed_alert(void *ctx, const struct mk_alert_rec *rec)
{
	mk_alert_stream_seed(ctx, rec);
	return 0;
}

static int find_pending(void *ctx, const struct mk_alert_rec *rec)
{
	return mk_alert_stream_pending(ctx, rec) ? 1 : 0;
}

static void feed_once(struct mk_feed *f)
{
	char err[512] = "";
	struct mk_report r;
	int rc;

	/* Until the writer has committed, the database lags the snapshot.  A
	 * failed writer is reported by the session; nothing new to stream. */
	if (mk_store_writer_sync(f->w, err, sizeof(err)) != 0)
		return;
	rc = ops_of(f->st)->each_alert(f->st, find_pending, f->stream);
	if (rc < 0)
		mk_warn("%s: %s", mk_msg("stream.read_back"), ops_of(f->st)->error(f->st));
	if (rc <= 0)
		return;
	if (mk_report_load(f->st, &r) == 0)
		mk_alert_stream_emit(f->stream, &r);
	mk_report_free(&r);
}

static void *feed_main(void *arg)
{
	struct mk_feed *f = arg;
	sigset_t all;

	/* SIGINT and SIGTERM are for the packet thread (monitor's stop). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (!f->pending && !f->stopping)
			pthread_cond_wait(&f->cv, &f->mu);
		if (!f->pending)
			break; /* stopping, and the last kick is served */
		f->pending = false;
		pthread_mutex_unlock(&f->mu);
		feed_once(f);
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

struct mk_feed *mk_feed_start(const struct mk_alert_stream_options *o, const char *db_path,
                              struct mk_store_writer *w)
{
	char err[512] = "";
	struct mk_feed *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		mk_error("out of memory");
		return NULL;
	}
	f->w = w;
	if (mk_store_sqlite.open(&f->st, db_path, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		goto fail;
	}
	f->stream = mk_alert_stream_open(o, err, sizeof(err));
	if (f->stream == NULL) {
		mk_error("%s", err);
		goto fail;
	}
	/* What the database held before this run was streamed then (or is in
	 * the JSON document): only later changes go out. */
	if (ops_of(f->st)->each_alert(f->st, seed_alert, f->stream) != 0) {
		mk_error("%s: %s", db_path, ops_of(f->st)->error(f->st));
		goto fail;
	}
	if (pthread_mutex_init(&f->mu, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&f->cv, NULL) != 0) {
		pthread_mutex_destroy(&f->mu);
		goto fail;
	}
	if (pthread_create(&f->thread, NULL, feed_main, f) != 0) {
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		mk_error("cannot start the alert stream");
		goto fail;
	}
	return f;

fail:
	mk_alert_stream_close(f->stream);
	if (f->st != NULL)
		ops_of(f->st)->close(f->st);
	free(f);
	return NULL;
}

void mk_feed_kick(struct mk_feed *f)
{
	pthread_mutex_lock(&f->mu);
	f->pending = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

void mk_feed_stop(struct mk_feed *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	f->stopping = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	mk_alert_stream_close(f->stream); /* says what was sent and what not */
	ops_of(f->st)->close(f->st);
	free(f);
}

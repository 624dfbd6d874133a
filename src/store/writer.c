/* writer.c - the store's writer thread: takes record batches off the packet
 * path and commits them, so that disk latency never stalls packet processing.
 *
 * The queue is bounded (submit blocks while it is full: back pressure, not
 * unbounded memory).  The thread takes every batch waiting (up to GROUP_MAX)
 * and writes them in ONE transaction: fewer fsyncs when the producer is fast,
 * one batch per transaction when it is slow.  The first error is remembered
 * with the back end's message; from then on batches are freed unwritten and
 * submit, sync and stop report the failure.  The writer works through
 * struct mk_store_ops only, so it serves every back end.
 */
#include "mieruka/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUP_MAX 16
#define DEFAULT_QUEUE 8

struct mk_store_writer {
	struct mk_store *st;
	const struct mk_store_ops *ops;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv_work;  /* a batch was queued, or stop was asked */
	pthread_cond_t cv_space; /* a queue slot became free */
	pthread_cond_t cv_done;  /* batches were committed or discarded */
	struct mk_store_batch *q; /* ring of cap slots */
	size_t cap, head, count;
	uint64_t submitted, done;
	bool stopping, failed;
	char err[512];
};

void mk_store_batch_clear(struct mk_store_batch *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n_assets; i++)
		mk_asset_rec_clear(&b->assets[i]);
	free(b->assets);
	free(b->convs);
	for (size_t i = 0; i < b->n_captures; i++)
		mk_capture_rec_clear(&b->captures[i]);
	free(b->captures);
	for (size_t i = 0; i < b->n_counters; i++)
		free(b->counters[i].name);
	free(b->counters);
	for (size_t i = 0; i < b->n_alerts; i++)
		mk_alert_rec_clear(&b->alerts[i]);
	free(b->alerts);
	free(b->changes);
	free(b->baseline_meta);
	free(b->baseline_items);
	free(b->traffic);
	memset(b, 0, sizeof(*b));
}

static int write_batch(struct mk_store_writer *w, const struct mk_store_batch *b)
{
	const struct mk_store_ops *ops = w->ops;

	for (size_t i = 0; i < b->n_assets; i++)
		if (ops->put_asset(w->st, &b->assets[i]) != 0)
			return -1;
	for (size_t i = 0; i < b->n_convs; i++)
		if (ops->put_conv(w->st, &b->convs[i]) != 0)
			return -1;
	for (size_t i = 0; i < b->n_captures; i++)
		if (ops->put_capture(w->st, &b->captures[i]) != 0)
			return -1;
	for (size_t i = 0; i < b->n_counters; i++)
		if (ops->put_counter(w->st, b->counters[i].name, b->counters[i].value) != 0)
			return -1;
	for (size_t i = 0; i < b->n_alerts; i++)
		if (ops->put_alert(w->st, &b->alerts[i]) != 0)
			return -1;
	if (b->baseline_meta != NULL && ops->put_baseline_meta(w->st, b->baseline_meta) != 0)
		return -1;
	for (size_t i = 0; i < b->n_baseline_items; i++)
		if (ops->put_baseline_item(w->st, &b->baseline_items[i]) != 0)
			return -1;
	for (size_t i = 0; i < b->n_changes; i++)
		if (ops->put_change == NULL || ops->put_change(w->st, &b->changes[i]) != 0)
			return -1;
	if (b->n_traffic > 0 &&
	    (ops->put_traffic == NULL || ops->put_traffic(w->st, b->traffic, b->n_traffic) != 0))
		return -1;
	return 0;
}

/* One transaction for the group; on error the message goes to err. */
static int write_group(struct mk_store_writer *w, struct mk_store_batch *group, size_t n,
                       char *err, size_t errlen)
{
	const struct mk_store_ops *ops = w->ops;

	if (ops->begin(w->st) != 0)
		goto out_error;
	for (size_t i = 0; i < n; i++)
		if (write_batch(w, &group[i]) != 0)
			goto out_rollback;
	if (ops->commit(w->st) != 0)
		goto out_rollback;
	return 0;

out_rollback:
	/* Take the message before rollback can overwrite it. */
	snprintf(err, errlen, "%s", ops->error(w->st));
	ops->rollback(w->st);
	return -1;
out_error:
	snprintf(err, errlen, "%s", ops->error(w->st));
	return -1;
}

static void *writer_main(void *arg)
{
	struct mk_store_writer *w = arg;
	struct mk_store_batch group[GROUP_MAX];
	char err[sizeof(w->err)];

	pthread_mutex_lock(&w->mu);
	for (;;) {
		size_t n;
		bool skip;
		int rc = 0;

		while (w->count == 0 && !w->stopping)
			pthread_cond_wait(&w->cv_work, &w->mu);
		if (w->count == 0)
			break; /* stopping, and everything is written */
		n = w->count < GROUP_MAX ? w->count : GROUP_MAX;
		for (size_t i = 0; i < n; i++) {
			group[i] = w->q[w->head];
			memset(&w->q[w->head], 0, sizeof(w->q[w->head]));
			w->head = (w->head + 1) % w->cap;
		}
		w->count -= n;
		pthread_cond_broadcast(&w->cv_space);
		skip = w->failed;
		pthread_mutex_unlock(&w->mu);

		/* Outside the lock: producers keep queueing while we write. */
		if (!skip)
			rc = write_group(w, group, n, err, sizeof(err));
		for (size_t i = 0; i < n; i++)
			mk_store_batch_clear(&group[i]);

		pthread_mutex_lock(&w->mu);
		if (rc != 0 && !w->failed) {
			w->failed = true;
			memcpy(w->err, err, sizeof(w->err));
		}
		w->done += n;
		pthread_cond_broadcast(&w->cv_done);
		pthread_cond_broadcast(&w->cv_space);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct mk_store_writer *mk_store_writer_start(struct mk_store *st, size_t max_queued_batches)
{
	struct mk_store_writer *w;

	if (st == NULL)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->st = st;
	w->ops = ((const struct mk_store_base *)st)->ops;
	w->cap = max_queued_batches != 0 ? max_queued_batches : DEFAULT_QUEUE;
	if (w->cap > 4096)
		w->cap = 4096;
	w->q = calloc(w->cap, sizeof(*w->q));
	if (w->q == NULL)
		goto out_free;
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		goto out_free;
	if (pthread_cond_init(&w->cv_work, NULL) != 0)
		goto out_mutex;
	if (pthread_cond_init(&w->cv_space, NULL) != 0)
		goto out_work;
	if (pthread_cond_init(&w->cv_done, NULL) != 0)
		goto out_space;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		goto out_done;
	return w;

out_done:
	pthread_cond_destroy(&w->cv_done);
out_space:
	pthread_cond_destroy(&w->cv_space);
out_work:
	pthread_cond_destroy(&w->cv_work);
out_mutex:
	pthread_mutex_destroy(&w->mu);
out_free:
	free(w->q);
	free(w);
	return NULL;
}

/* The batch is the writer's from here on, whatever the result: on failure it
 * is freed at once, so the caller never has to. */
int mk_store_writer_submit(struct mk_store_writer *w, struct mk_store_batch *b)
{
	pthread_mutex_lock(&w->mu);
	while (w->count == w->cap && !w->failed)
		pthread_cond_wait(&w->cv_space, &w->mu);
	if (w->failed) {
		pthread_mutex_unlock(&w->mu);
		mk_store_batch_clear(b);
		return -1;
	}
	w->q[(w->head + w->count) % w->cap] = *b;
	w->count++;
	w->submitted++;
	memset(b, 0, sizeof(*b));
	pthread_cond_signal(&w->cv_work);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* Called with the lock held. */
static int wait_idle(struct mk_store_writer *w, char *err, size_t errlen)
{
	while (w->done < w->submitted)
		pthread_cond_wait(&w->cv_done, &w->mu);
	if (w->failed) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s", w->err);
		return -1;
	}
	return 0;
}

int mk_store_writer_sync(struct mk_store_writer *w, char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&w->mu);
	rc = wait_idle(w, err, errlen);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int mk_store_writer_stop(struct mk_store_writer *w, char *err, size_t errlen)
{
	int rc;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->mu);
	rc = wait_idle(w, err, errlen);
	w->stopping = true;
	pthread_cond_signal(&w->cv_work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	/* The queue is empty: the thread drains it before it exits. */
	pthread_cond_destroy(&w->cv_done);
	pthread_cond_destroy(&w->cv_space);
	pthread_cond_destroy(&w->cv_work);
	pthread_mutex_destroy(&w->mu);
	free(w->q);
	free(w);
	return rc;
}

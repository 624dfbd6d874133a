/* upload.c - the dashboard's capture upload (POST /api/v1/captures) and its
 * analysis job (GET /api/v1/captures/jobs/ID).
 *
 * The body is streamed to a file in a private temp dir next to the database
 * (mkdtemp, mode 0700, created at the first upload, removed at exit), never
 * held in memory; the file is named after the job id, the name the browser
 * sent (X-Filename, percent-encoded) is only sanitized text for the capture
 * record and the messages.  Beyond serve --max-upload the rest of the body is
 * discarded and the answer is 413.  One upload or analysis at a time: a
 * second one is refused with 409 `busy` while the first is received or
 * analysed.  The job thread runs the session code of `mieruka analyze`
 * (mk_session_open / mk_session_file / mk_session_finish) into the served
 * database; its progress is the capture reader's byte position.  When it
 * ends the API's snapshot is reloaded and the file deleted. */
#include "web/web_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "mieruka/detect.h"

#define FILE_NAME_MAX 128

struct mk_web_upload {
	int fd;
	char path[1200];
	char id[MK_WEB_JOB_ID_HEX];
	char name[FILE_NAME_MAX];
	uint64_t bytes, max_bytes;
	bool too_large;
	int io_errno;
	bool ended; /* the job owns the file now */
};

struct job_arg {
	struct mk_web *w;
	size_t slot;
	char path[1200];
};

bool mk_web_is_upload(const char *method, const char *url)
{
	return strcmp(method, "POST") == 0 && strcmp(url, "/api/v1/captures") == 0;
}

void mk_web_jobs_init(struct mk_web *w, uint64_t max_bytes)
{
	pthread_mutex_init(&w->jobs.lock, NULL);
	w->jobs.max_bytes = max_bytes;
}

/* ---- the file name ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* X-Filename (percent-encoded by the browser): decoded, the last path
 * component only, valid UTF-8 without control characters, at most
 * FILE_NAME_MAX-1 bytes; "upload.pcap" when nothing usable is left. */
static void sanitize_name(const char *hdr, char out[FILE_NAME_MAX])
{
	char dec[1024];
	size_t n = 0;
	const char *base;

	out[0] = '\0';
	for (size_t i = 0; hdr != NULL && hdr[i] != '\0' && n < sizeof(dec) - 1; i++) {
		int hi, lo;

		if (hdr[i] == '%' && (hi = hexval(hdr[i + 1])) >= 0 && (lo = hexval(hdr[i + 2])) >= 0) {
			dec[n++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			dec[n++] = hdr[i];
		}
	}
	dec[n] = '\0';
	n = strlen(dec); /* a %00 ends the name */
	base = dec;
	for (size_t i = 0; i < n; i++)
		if (dec[i] == '/' || dec[i] == '\\')
			base = dec + i + 1;
	mk_text_sanitize(out, FILE_NAME_MAX, base, strlen(base));
	if (out[0] == '\0' || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		snprintf(out, FILE_NAME_MAX, "upload.pcap");
}

/* ---- replies ---- */

static void too_large(struct mk_web *w, struct mk_web_reply *p)
{
	char mb[32], en[512], ja[512];
	const char *names[] = {"mb"};
	const char *values[] = {mb};

	snprintf(mb, sizeof(mb), "%llu", (unsigned long long)(w->jobs.max_bytes >> 20));
	mk_detect_render(en, sizeof(en), mk_msg_lang("web.upload.too_large", MK_LANG_EN), names,
	                 values, 1);
	mk_detect_render(ja, sizeof(ja), mk_msg_lang("web.upload.too_large", MK_LANG_JA), names,
	                 values, 1);
	mk_web_error_msg(p, 413, "too_large", en, ja);
}

/* "web.upload.KEY" rendered with {file} and {reason} in both languages. */
static void render2(const char *key, const char *file, const char *reason, char *en, size_t enlen,
                    char *ja, size_t jalen)
{
	const char *names[] = {"file", "reason"};
	const char *values[] = {file, reason != NULL ? reason : ""};

	mk_detect_render(en, enlen, mk_msg_lang(key, MK_LANG_EN), names, values, 2);
	mk_detect_render(ja, jalen, mk_msg_lang(key, MK_LANG_JA), names, values, 2);
}

static void io_error(struct mk_web_reply *p, const char *file, int err)
{
	char en[640], ja[640];

	render2("web.upload.io_error", file, strerror(err), en, sizeof(en), ja, sizeof(ja));
	mk_web_error_msg(p, 500, "internal", en, ja);
}

/* ---- receiving ---- */

static int make_dir(struct mk_web *w)
{
	char *slash;

	if (w->jobs.dir[0] != '\0')
		return 0;
	snprintf(w->jobs.dir, sizeof(w->jobs.dir), "%s", w->db_path);
	slash = strrchr(w->jobs.dir, '/');
	if (slash != NULL)
		snprintf(slash + 1, sizeof(w->jobs.dir) - (size_t)(slash + 1 - w->jobs.dir),
		         ".mieruka-upload-XXXXXX");
	else
		snprintf(w->jobs.dir, sizeof(w->jobs.dir), ".mieruka-upload-XXXXXX");
	if (mkdtemp(w->jobs.dir) == NULL) {
		int e = errno;

		mk_error("%s: %s", w->jobs.dir, strerror(e));
		w->jobs.dir[0] = '\0';
		errno = e;
		return -1;
	}
	return 0;
}

struct mk_web_upload *mk_web_upload_begin(struct mk_web_req *q, struct mk_web_reply *p)
{
	struct mk_web *w = q->w;
	struct mk_web_upload *u;
	const char *cl = mk_web_header(q, "Content-Length");
	char tok[MK_WEB_TOKEN_HEX];

	if (q->role != MK_WEB_ADMIN) {
		mk_web_error(p, 403, "forbidden");
		return NULL;
	}
	if (cl != NULL) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno == 0 && end != cl && *end == '\0' && n > w->jobs.max_bytes) {
			too_large(w, p);
			return NULL;
		}
	}
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		mk_web_error(p, 500, "internal");
		return NULL;
	}
	u->fd = -1;
	u->max_bytes = w->jobs.max_bytes;
	sanitize_name(mk_web_header(q, "X-Filename"), u->name);
	mk_web_token_new(tok);
	memcpy(u->id, tok, MK_WEB_JOB_ID_HEX - 1);
	u->id[MK_WEB_JOB_ID_HEX - 1] = '\0';
	pthread_mutex_lock(&w->jobs.lock);
	if (w->jobs.busy) {
		pthread_mutex_unlock(&w->jobs.lock);
		free(u);
		mk_web_error(p, 409, "busy");
		return NULL;
	}
	if (make_dir(w) != 0) {
		int e = errno;

		pthread_mutex_unlock(&w->jobs.lock);
		io_error(p, u->name, e);
		free(u);
		return NULL;
	}
	snprintf(u->path, sizeof(u->path), "%s/%s.cap", w->jobs.dir, u->id);
	u->fd = open(u->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (u->fd < 0) {
		int e = errno;

		pthread_mutex_unlock(&w->jobs.lock);
		mk_error("%s: %s", u->path, strerror(e));
		io_error(p, u->name, e);
		free(u);
		return NULL;
	}
	w->jobs.busy = true;
	pthread_mutex_unlock(&w->jobs.lock);
	return u;
}

static void drop_file(struct mk_web_upload *u)
{
	if (u->fd >= 0) {
		close(u->fd);
		u->fd = -1;
		unlink(u->path);
	}
}

void mk_web_upload_data(struct mk_web_upload *u, const char *data, size_t n)
{
	if (u->too_large || u->io_errno != 0)
		return; /* the rest is discarded */
	if (n > u->max_bytes || u->bytes > u->max_bytes - n) {
		u->too_large = true;
		drop_file(u);
		return;
	}
	while (n > 0) {
		ssize_t k = write(u->fd, data, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			u->io_errno = k < 0 ? errno : EIO;
			mk_error("%s: %s", u->path, strerror(u->io_errno));
			drop_file(u);
			return;
		}
		data += k;
		n -= (size_t)k;
		u->bytes += (uint64_t)k;
	}
}

/* ---- the job ---- */

static int on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct job_arg *a = ctx;
	struct mk_web_jobs *j = &a->w->jobs;
	double f = total > 0 ? (double)done / (double)total : 0.0;

	if (f > 0.99)
		f = 0.99; /* 1 when the database has it all */
	pthread_mutex_lock(&j->lock);
	j->job[a->slot].progress = f;
	pthread_mutex_unlock(&j->lock);
	return j->stopping ? 1 : 0;
}

static void *job_main(void *arg)
{
	struct job_arg *a = arg;
	struct mk_web *w = a->w;
	struct mk_web_jobs *j = &w->jobs;
	struct mk_session_options so;
	struct mk_session s;
	char name[160], en[640], ja[640], packets[32], reason[512];
	char *files[1] = {a->path};
	bool ok = false;
	int rc;

	pthread_mutex_lock(&j->lock);
	snprintf(name, sizeof(name), "%s", j->job[a->slot].name);
	pthread_mutex_unlock(&j->lock);
	memset(&so, 0, sizeof(so));
	so.db_path = w->db_path;
	so.quiet = true;
	mk_engine_config_default(&so.cfg);
	if (mk_session_open(&s, &so) != 0) {
		render2("web.upload.db_failed", name, NULL, en, sizeof(en), ja, sizeof(ja));
		goto out;
	}
	s.file_label = name;
	s.on_progress = on_progress;
	s.progress_ctx = a;
	/* as `mieruka analyze FILE`: a database without a baseline learns it
	 * from the first part of the capture */
	mk_session_plan_learning(&s, files, 1, 0);
	rc = mk_session_file(&s, a->path, 0);
	if (s.cancelled) {
		mk_session_close(&s);
		render2("web.upload.cancelled", name, NULL, en, sizeof(en), ja, sizeof(ja));
		goto out;
	}
	if (s.learn_bytes_left != 0)
		mk_session_seal(&s, "cli.baseline_all");
	snprintf(packets, sizeof(packets), "%llu", (unsigned long long)mk_engine_packets(s.eng));
	/* What could be read is kept, as analyze does with a truncated capture. */
	if (mk_session_finish(&s) != 0) {
		mk_session_close(&s);
		render2("web.upload.db_failed", name, NULL, en, sizeof(en), ja, sizeof(ja));
		goto out;
	}
	snprintf(reason, sizeof(reason), "%s", s.last_error[0] ? s.last_error : name);
	mk_session_close(&s);
	if (rc != 0) {
		render2("web.upload.unreadable", name, reason, en, sizeof(en), ja, sizeof(ja));
	} else {
		render2("web.upload.done", name, packets, en, sizeof(en), ja, sizeof(ja));
		ok = true;
	}
out:
	unlink(a->path);
	mk_web_snap_invalidate(w);
	pthread_mutex_lock(&j->lock);
	j->job[a->slot].state = ok ? MK_JOB_DONE : MK_JOB_FAILED;
	if (ok)
		j->job[a->slot].progress = 1.0;
	snprintf(j->job[a->slot].msg_en, sizeof(j->job[a->slot].msg_en), "%s", en);
	snprintf(j->job[a->slot].msg_ja, sizeof(j->job[a->slot].msg_ja), "%s", ja);
	j->busy = false;
	pthread_mutex_unlock(&j->lock);
	free(a);
	return NULL;
}

/* A free slot, else the oldest finished one (under the lock). */
static size_t job_slot(struct mk_web_jobs *j)
{
	size_t best = 0;

	for (size_t i = 0; i < MK_WEB_JOBS_KEPT; i++) {
		if (j->job[i].id[0] == '\0')
			return i;
		if (j->job[i].state != MK_JOB_RUNNING && j->job[i].seq < j->job[best].seq)
			best = i;
	}
	return best;
}

void mk_web_upload_end(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_upload *u)
{
	struct mk_web *w = q->w;
	struct mk_web_jobs *j = &w->jobs;
	struct job_arg *a;
	struct mk_web_out o;
	size_t slot;

	if (u->too_large) {
		too_large(w, p);
		return;
	}
	if (u->io_errno != 0) {
		io_error(p, u->name, u->io_errno);
		return;
	}
	if (close(u->fd) != 0) {
		int e = errno;

		u->fd = -1;
		unlink(u->path);
		io_error(p, u->name, e);
		return;
	}
	u->fd = -1;
	if ((a = calloc(1, sizeof(*a))) == NULL || mk_web_out_open(&o) != 0) {
		free(a);
		unlink(u->path);
		mk_web_error(p, 500, "internal");
		return;
	}
	a->w = w;
	snprintf(a->path, sizeof(a->path), "%s", u->path);
	pthread_mutex_lock(&j->lock);
	if (j->thread_started) {
		/* the previous job has ended (busy was false): reap its thread */
		pthread_join(j->thread, NULL);
		j->thread_started = false;
	}
	slot = job_slot(j);
	a->slot = slot;
	memset(&j->job[slot], 0, sizeof(j->job[slot]));
	snprintf(j->job[slot].id, sizeof(j->job[slot].id), "%s", u->id);
	snprintf(j->job[slot].name, sizeof(j->job[slot].name), "%s", u->name);
	j->job[slot].state = MK_JOB_RUNNING;
	j->job[slot].seq = ++j->seq;
	if (pthread_create(&j->thread, NULL, job_main, a) != 0) {
		j->job[slot].id[0] = '\0';
		pthread_mutex_unlock(&j->lock);
		free(a);
		unlink(u->path);
		fclose(o.f);
		free(o.buf);
		mk_web_error(p, 500, "internal");
		return; /* busy is released by upload_free */
	}
	j->thread_started = true;
	u->ended = true; /* the job releases busy */
	pthread_mutex_unlock(&j->lock);
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "job");
	mk_json_string(&o.j, u->id);
	mk_json_key(&o.j, "file");
	mk_json_string(&o.j, u->name);
	mk_json_key(&o.j, "bytes");
	mk_json_uint(&o.j, u->bytes);
	mk_json_end_object(&o.j);
	mk_web_out_reply(&o, p, 202);
}

void mk_web_upload_free(struct mk_web *w, struct mk_web_upload *u)
{
	if (u == NULL)
		return;
	if (!u->ended) {
		drop_file(u);
		unlink(u->path); /* closed by upload_end, or never written */
		pthread_mutex_lock(&w->jobs.lock);
		w->jobs.busy = false;
		pthread_mutex_unlock(&w->jobs.lock);
	}
	free(u);
}

void mk_web_api_job(struct mk_web_req *q, struct mk_web_reply *p, const char *id)
{
	struct mk_web_jobs *j = &q->w->jobs;
	struct mk_web_job copy;
	struct mk_web_out o;
	bool found = false;

	pthread_mutex_lock(&j->lock);
	for (size_t i = 0; i < MK_WEB_JOBS_KEPT && !found; i++)
		if (j->job[i].id[0] != '\0' && strcmp(j->job[i].id, id) == 0) {
			copy = j->job[i];
			found = true;
		}
	pthread_mutex_unlock(&j->lock);
	if (!found) {
		mk_web_error(p, 404, "not_found");
		return;
	}
	if (mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "id");
	mk_json_string(&o.j, copy.id);
	mk_json_key(&o.j, "file");
	mk_json_string(&o.j, copy.name);
	mk_json_key(&o.j, "state");
	mk_json_string(&o.j, copy.state == MK_JOB_RUNNING ? "running"
	                     : copy.state == MK_JOB_DONE  ? "done"
	                                                  : "failed");
	mk_json_key(&o.j, "progress");
	mk_json_double(&o.j, copy.progress);
	mk_json_key(&o.j, "message");
	if (copy.state == MK_JOB_RUNNING) {
		mk_json_null(&o.j);
	} else {
		mk_json_begin_object(&o.j);
		mk_json_key(&o.j, "ja");
		mk_json_string(&o.j, copy.msg_ja);
		mk_json_key(&o.j, "en");
		mk_json_string(&o.j, copy.msg_en);
		mk_json_end_object(&o.j);
	}
	mk_json_end_object(&o.j);
	mk_web_out_reply(&o, p, 200);
}

void mk_web_jobs_stop(struct mk_web *w)
{
	struct mk_web_jobs *j = &w->jobs;

	j->stopping = 1;
	pthread_mutex_lock(&j->lock);
	if (j->thread_started) {
		pthread_mutex_unlock(&j->lock);
		pthread_join(j->thread, NULL);
		pthread_mutex_lock(&j->lock);
		j->thread_started = false;
	}
	pthread_mutex_unlock(&j->lock);
	if (j->dir[0] != '\0' && rmdir(j->dir) != 0)
		mk_warn("%s: %s", j->dir, strerror(errno));
	pthread_mutex_destroy(&j->lock);
}

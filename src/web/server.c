/* server.c - the dashboard's HTTP server (libmicrohttpd): request intake with
 * size caps, authentication (sessions, CSRF, the loopback rule), the security
 * headers on every response, the session endpoints, static files, and the
 * database snapshot the API reads (see web_int.h for the threading). */
#include "web/web_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "web/static_int.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- replies ---- */

int mk_web_out_open(struct mk_web_out *o)
{
	memset(o, 0, sizeof(*o));
	o->f = open_memstream(&o->buf, &o->len);
	if (o->f == NULL)
		return -1;
	mk_json_init(&o->j, o->f, false);
	return 0;
}

void mk_web_out_reply(struct mk_web_out *o, struct mk_web_reply *p, unsigned status)
{
	bool bad = fflush(o->f) != 0 || ferror(o->f);

	fclose(o->f);
	o->f = NULL;
	if (bad) {
		free(o->buf);
		mk_web_error(p, 500, "internal");
		return;
	}
	free(p->body);
	p->body = o->buf;
	p->len = o->len;
	p->status = status;
	p->type = "application/json; charset=utf-8";
	p->api = true;
}

void mk_web_error(struct mk_web_reply *p, unsigned status, const char *code)
{
	char key[64];

	snprintf(key, sizeof(key), "web.err.%s", code);
	mk_web_error_msg(p, status, code, mk_msg_lang(key, MK_LANG_EN), mk_msg_lang(key, MK_LANG_JA));
}

void mk_web_error_msg(struct mk_web_reply *p, unsigned status, const char *code, const char *en,
                      const char *ja)
{
	mk_web_error_fields(p, status, code, NULL, 0, en, ja);
}

void mk_web_error_fields(struct mk_web_reply *p, unsigned status, const char *code,
                         const struct mk_web_err_field *f, size_t n, const char *en,
                         const char *ja)
{
	struct mk_web_out o;

	if (mk_web_out_open(&o) != 0) {
		p->status = 500;
		return;
	}
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "error");
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "code");
	mk_json_string(&o.j, code);
	for (size_t i = 0; i < n; i++) {
		mk_json_key(&o.j, f[i].name);
		if (f[i].is_number)
			mk_json_uint(&o.j, f[i].number);
		else
			mk_json_string(&o.j, f[i].text);
	}
	mk_json_key(&o.j, "message");
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "en");
	mk_json_string(&o.j, en);
	mk_json_key(&o.j, "ja");
	mk_json_string(&o.j, ja);
	mk_json_end_object(&o.j);
	mk_json_end_object(&o.j);
	mk_json_end_object(&o.j);
	mk_web_out_reply(&o, p, status);
}

const char *mk_web_arg(const struct mk_web_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *mk_web_header(const struct mk_web_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

/* ---- the snapshot ---- */

static int note_cmp(const void *x, const void *y)
{
	return strcmp(((const struct mk_asset_note *)x)->asset_id,
	              ((const struct mk_asset_note *)y)->asset_id);
}

struct note_loader {
	struct mk_web_snap *s;
	size_t cap;
};

static int load_note(void *ctx, const struct mk_asset_note *n)
{
	struct note_loader *l = ctx;
	struct mk_asset_note *d;

	if (l->s->n_notes == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *p = realloc(l->s->notes, cap * sizeof(*l->s->notes));

		if (p == NULL)
			return -1;
		l->s->notes = p;
		l->cap = cap;
	}
	d = &l->s->notes[l->s->n_notes++];
	*d = *n;
	d->name = mk_strdup(n->name);
	d->notes = mk_strdup(n->notes);
	return 0;
}

static const struct mk_alert_rec *sort_alerts_base;

static int alert_recent_cmp(const void *x, const void *y)
{
	const struct mk_alert_rec *a = &sort_alerts_base[*(const size_t *)x],
	                          *b = &sort_alerts_base[*(const size_t *)y];

	if (a->last_ns != b->last_ns)
		return a->last_ns < b->last_ns ? 1 : -1;
	return strncmp(a->id, b->id, sizeof(a->id));
}

static void snap_free(struct mk_web_snap *s)
{
	if (s == NULL)
		return;
	mk_report_index_free(s->ix);
	mk_report_free(&s->r);
	for (size_t i = 0; i < s->n_notes; i++) {
		free(s->notes[i].name);
		free(s->notes[i].notes);
	}
	free(s->notes);
	free(s->alerts_recent);
	mk_web_map_free(s->map);
	pthread_mutex_destroy(&s->map_lock);
	free(s);
}

static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;

static struct mk_web_snap *snap_load(struct mk_web *w)
{
	struct mk_web_snap *s = calloc(1, sizeof(*s));
	struct note_loader nl = {s, 0};
	struct mk_store *st = NULL;
	char err[512] = "";

	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->map_lock, NULL);
	if (mk_store_sqlite.open(&st, w->db_path, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		pthread_mutex_destroy(&s->map_lock);
		free(s);
		return NULL;
	}
	if (mk_report_load(st, &s->r) != 0 ||
	    mk_store_sqlite.each_asset_note(st, load_note, &nl) != 0) {
		mk_store_sqlite.close(st);
		snap_free(s);
		return NULL;
	}
	mk_store_sqlite.close(st);
	if (s->n_notes > 1)
		qsort(s->notes, s->n_notes, sizeof(*s->notes), note_cmp);
	s->ix = mk_report_index_new(&s->r);
	s->alerts_recent = malloc((s->r.n_alerts + 1) * sizeof(size_t));
	if (s->ix == NULL || s->alerts_recent == NULL) {
		snap_free(s);
		return NULL;
	}
	for (size_t i = 0; i < s->r.n_alerts; i++)
		s->alerts_recent[i] = i;
	pthread_mutex_lock(&sort_lock);
	sort_alerts_base = s->r.alerts;
	qsort(s->alerts_recent, s->r.n_alerts, sizeof(size_t), alert_recent_cmp);
	pthread_mutex_unlock(&sort_lock);
	s->refs = 1;
	return s;
}

/* The database files' sizes and modification times: changes when anyone
 * commits (the WAL grows, or a checkpoint rewrites the main file). */
static void db_key(const char *db, char *out, size_t len)
{
	struct stat a, b;
	char wal[1100];
	bool ha = stat(db, &a) == 0, hb;

	snprintf(wal, sizeof(wal), "%s-wal", db);
	hb = stat(wal, &b) == 0;
	snprintf(out, len, "%lld.%ld.%lld/%lld.%ld.%lld", ha ? (long long)a.st_mtim.tv_sec : 0,
	         ha ? a.st_mtim.tv_nsec : 0, ha ? (long long)a.st_size : 0,
	         hb ? (long long)b.st_mtim.tv_sec : 0, hb ? b.st_mtim.tv_nsec : 0,
	         hb ? (long long)b.st_size : 0);
}

struct mk_web_snap *mk_web_snap_get(struct mk_web *w)
{
	struct mk_web_snap *s, *old = NULL;
	uint64_t t = mono_ns();

	pthread_mutex_lock(&w->snap_lock);
	if (w->snap == NULL || w->snap_dirty || t - w->snap_checked_ns > 1000000000ull) {
		char key[128];

		w->snap_checked_ns = t;
		db_key(w->db_path, key, sizeof(key));
		if (w->snap == NULL || w->snap_dirty || strcmp(key, w->snap_key) != 0) {
			/* Loading under the lock: one reload at a time, the others wait
			 * for it rather than load the same thing in parallel. */
			struct mk_web_snap *fresh = snap_load(w);

			if (fresh != NULL) {
				old = w->snap;
				w->snap = fresh;
				w->snap_dirty = false;
				snprintf(w->snap_key, sizeof(w->snap_key), "%s", key);
			}
		}
	}
	s = w->snap;
	if (s != NULL)
		s->refs++;
	if (old != NULL && --old->refs == 0) {
		pthread_mutex_unlock(&w->snap_lock);
		snap_free(old);
		return s;
	}
	pthread_mutex_unlock(&w->snap_lock);
	return s;
}

void mk_web_snap_put(struct mk_web *w, struct mk_web_snap *s)
{
	bool last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&w->snap_lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&w->snap_lock);
	if (last)
		snap_free(s);
}

void mk_web_snap_invalidate(struct mk_web *w)
{
	pthread_mutex_lock(&w->snap_lock);
	w->snap_dirty = true;
	pthread_mutex_unlock(&w->snap_lock);
}

bool mk_web_snap_refresh(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap **sp)
{
	mk_web_snap_invalidate(q->w);
	mk_web_snap_put(q->w, *sp);
	if ((*sp = mk_web_snap_get(q->w)) == NULL) {
		mk_web_error(p, 503, "unavailable");
		return false;
	}
	return true;
}

/* ---- who is asking ---- */

static int count_users(struct mk_web *w)
{
	int n;

	pthread_mutex_lock(&w->write_lock);
	n = mk_store_sqlite.count_users(w->wst);
	pthread_mutex_unlock(&w->write_lock);
	return n;
}

static void identify(struct mk_web_req *q)
{
	struct mk_web *w = q->w;
	const char *tok = MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, "mieruka_session");
	struct mk_web_session se;
	struct mk_web_user u;
	int found;

	q->role = -1;
	if (!w->login_required) {
		q->role = MK_WEB_ADMIN;
		snprintf(q->csrf, sizeof(q->csrf), "%s", w->loopback_csrf);
		return;
	}
	if (tok == NULL || strlen(tok) != MK_WEB_TOKEN_HEX - 1)
		return;
	mk_web_token_hash(tok, q->session_hash);
	pthread_mutex_lock(&w->write_lock);
	found = mk_store_sqlite.get_session(w->wst, q->session_hash, now_ns(), &se);
	if (found == 1)
		found = mk_store_sqlite.get_user(w->wst, se.user, &u);
	pthread_mutex_unlock(&w->write_lock);
	if (found != 1)
		return;
	q->role = u.role;
	snprintf(q->user, sizeof(q->user), "%s", u.name);
	mk_web_csrf_for(tok, q->csrf);
}

static enum mk_lang accept_lang(const struct mk_web_req *q)
{
	const char *al = mk_web_header(q, "Accept-Language");

	/* the first language the browser names */
	while (al != NULL && (*al == ' ' || *al == '\t'))
		al++;
	return al != NULL && strncmp(al, "ja", 2) == 0 ? MK_LANG_JA : MK_LANG_EN;
}

/* Starts a session for user: cookie into p. 0 or -1. */
static int start_session(struct mk_web_req *q, struct mk_web_reply *p, const char *user,
                         char csrf[MK_WEB_TOKEN_HEX])
{
	struct mk_web_session se;
	char tok[MK_WEB_TOKEN_HEX];
	int rc;

	memset(&se, 0, sizeof(se));
	mk_web_token_new(tok);
	mk_web_token_hash(tok, se.token_hash);
	snprintf(se.user, sizeof(se.user), "%s", user);
	se.expires_ns = now_ns() + (uint64_t)q->w->session_s * 1000000000ull;
	pthread_mutex_lock(&q->w->write_lock);
	rc = mk_store_sqlite.put_session(q->w->wst, &se, now_ns());
	if (rc != 0)
		mk_error("%s", mk_store_sqlite.error(q->w->wst));
	pthread_mutex_unlock(&q->w->write_lock);
	if (rc != 0)
		return -1;
	snprintf(p->cookie, sizeof(p->cookie),
	         "mieruka_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%u%s", tok,
	         q->w->session_s, q->w->tls ? "; Secure" : "");
	mk_web_csrf_for(tok, csrf);
	return 0;
}

static void write_me(struct mk_web_req *q, struct mk_web_reply *p, unsigned status,
                     const char *user, int role, const char *csrf)
{
	struct mk_web_out o;
	int users = q->w->login_required ? count_users(q->w) : 1;

	if (mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "user");
	mk_json_string(&o.j, user != NULL && user[0] != '\0' ? user : NULL);
	mk_json_key(&o.j, "role");
	mk_json_string(&o.j, role == MK_WEB_ADMIN ? "admin" : role == MK_WEB_VIEWER ? "viewer" : NULL);
	mk_json_key(&o.j, "csrf");
	mk_json_string(&o.j, csrf != NULL && csrf[0] != '\0' ? csrf : NULL);
	mk_json_key(&o.j, "setup_needed");
	mk_json_bool(&o.j, q->w->login_required && users == 0);
	mk_json_key(&o.j, "login_required");
	mk_json_bool(&o.j, q->w->login_required);
	mk_json_key(&o.j, "lang");
	mk_json_string(&o.j, q->lang == MK_LANG_JA ? "ja" : "en");
	mk_json_end_object(&o.j);
	mk_web_out_reply(&o, p, status);
}

/* Reads {"user","password"}: 0, or -1 with the error reply set. */
static int read_credentials(struct mk_web_req *q, struct mk_web_reply *p, char user[65],
                            char **password)
{
	struct mk_web_kv kv[MK_WEB_JSON_MAX_MEMBERS];
	int n = mk_web_json_parse(q->body, q->body_len, kv, MK_WEB_JSON_MAX_MEMBERS);
	const struct mk_web_kv *u, *pw;

	if (n < 0) {
		mk_web_error(p, 400, "bad_json");
		return -1;
	}
	u = mk_web_json_get(kv, (size_t)n, "user");
	pw = mk_web_json_get(kv, (size_t)n, "password");
	if (u == NULL || u->value == NULL || !mk_web_user_name_ok(u->value)) {
		mk_web_json_free(kv, (size_t)n);
		mk_web_error(p, 400, "bad_user");
		return -1;
	}
	if (pw == NULL || pw->value == NULL) {
		mk_web_json_free(kv, (size_t)n);
		mk_web_error(p, 400, "bad_request");
		return -1;
	}
	snprintf(user, 65, "%s", u->value);
	*password = pw->value;
	kv[(size_t)(pw - kv)].value = NULL; /* the caller owns the password now */
	mk_web_json_free(kv, (size_t)n);
	return 0;
}

static void free_password(char *pw)
{
	if (pw != NULL) {
		memset(pw, 0, strlen(pw));
		free(pw);
	}
}

static void api_setup(struct mk_web_req *q, struct mk_web_reply *p)
{
	struct mk_web_user u;
	char user[65], csrf[MK_WEB_TOKEN_HEX], *pw = NULL;
	const char *problem;
	int rc;

	if (!q->w->login_required) {
		mk_web_error(p, 409, "setup_done"); /* loopback: nobody logs in */
		return;
	}
	if (count_users(q->w) != 0) {
		mk_web_error(p, 409, "setup_done");
		return;
	}
	if (read_credentials(q, p, user, &pw) != 0)
		return;
	if ((problem = mk_web_password_problem(pw)) != NULL) {
		free_password(pw);
		mk_web_error(p, 400, problem);
		return;
	}
	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", user);
	u.role = MK_WEB_ADMIN;
	u.created_ns = now_ns();
	rc = mk_web_password_hash(pw, u.pwhash);
	free_password(pw);
	if (rc != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	/* The check and the insert under one lock: two racing setups make one admin. */
	pthread_mutex_lock(&q->w->write_lock);
	rc = mk_store_sqlite.count_users(q->w->wst);
	if (rc == 0)
		rc = mk_store_sqlite.put_user(q->w->wst, &u) == 0 ? 0 : -1;
	else if (rc > 0)
		rc = 1;
	pthread_mutex_unlock(&q->w->write_lock);
	if (rc == 1) {
		mk_web_error(p, 409, "setup_done");
		return;
	}
	if (rc != 0 || start_session(q, p, u.name, csrf) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	write_me(q, p, 201, u.name, MK_WEB_ADMIN, csrf);
}

static void api_login(struct mk_web_req *q, struct mk_web_reply *p)
{
	struct mk_web *w = q->w;
	struct mk_web_user u;
	char user[65], csrf[MK_WEB_TOKEN_HEX], kip[80], kuser[80], *pw = NULL;
	uint64_t wait, t = mono_ns();
	int found;
	bool ok;

	if (!w->login_required) {
		write_me(q, p, 200, NULL, MK_WEB_ADMIN, w->loopback_csrf);
		return;
	}
	if (read_credentials(q, p, user, &pw) != 0)
		return;
	snprintf(kip, sizeof(kip), "ip:%s", q->client);
	snprintf(kuser, sizeof(kuser), "user:%s", user);
	pthread_mutex_lock(&w->rl_lock);
	wait = mk_web_rl_check(w->rl, kip, t);
	if (wait == 0)
		wait = mk_web_rl_check(w->rl, kuser, t);
	pthread_mutex_unlock(&w->rl_lock);
	if (wait > 0) {
		free_password(pw);
		snprintf(p->retry_after, sizeof(p->retry_after), "%llu", (unsigned long long)wait);
		mk_web_error(p, 429, "rate_limited");
		return;
	}
	pthread_mutex_lock(&w->write_lock);
	found = mk_store_sqlite.get_user(w->wst, user, &u);
	pthread_mutex_unlock(&w->write_lock);
	if (found == 1) {
		ok = mk_web_password_verify(u.pwhash, pw);
	} else {
		mk_web_password_burn(pw); /* same time as a wrong password */
		ok = false;
	}
	free_password(pw);
	pthread_mutex_lock(&w->rl_lock);
	if (ok) {
		mk_web_rl_success(w->rl, kip);
		mk_web_rl_success(w->rl, kuser);
	} else {
		mk_web_rl_fail(w->rl, kip, t);
		mk_web_rl_fail(w->rl, kuser, t);
	}
	pthread_mutex_unlock(&w->rl_lock);
	if (!ok) {
		mk_web_error(p, 401, "bad_credentials");
		return;
	}
	if (start_session(q, p, u.name, csrf) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	write_me(q, p, 200, u.name, u.role, csrf);
}

static void api_logout(struct mk_web_req *q, struct mk_web_reply *p)
{
	if (q->session_hash[0] != '\0') {
		pthread_mutex_lock(&q->w->write_lock);
		mk_store_sqlite.delete_session(q->w->wst, q->session_hash);
		pthread_mutex_unlock(&q->w->write_lock);
	}
	snprintf(p->cookie, sizeof(p->cookie),
	         "mieruka_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
	         q->w->tls ? "; Secure" : "");
	p->status = 204;
	p->api = true;
}

bool mk_web_api_auth(struct mk_web_req *q, struct mk_web_reply *p, const char *path)
{
	if (strcmp(path, "me") == 0 && strcmp(q->method, "GET") == 0) {
		write_me(q, p, 200, q->user, q->role, q->csrf);
		return true;
	}
	if (strcmp(path, "setup") == 0 && strcmp(q->method, "POST") == 0) {
		api_setup(q, p);
		return true;
	}
	if (strcmp(path, "session") == 0 && strcmp(q->method, "POST") == 0) {
		api_login(q, p);
		return true;
	}
	if (strcmp(path, "session") == 0 && strcmp(q->method, "DELETE") == 0) {
		api_logout(q, p);
		return true;
	}
	return false;
}

/* ---- dispatch ---- */

static const char *const spa_pages[] = {"/",         "/assets",   "/map",      "/alerts",
                                        "/changes",  "/assessment", "/settings", "/captures",
                                        "/zones",    "/login",    "/setup"};

static bool is_page(const char *url)
{
	for (size_t i = 0; i < sizeof(spa_pages) / sizeof(spa_pages[0]); i++)
		if (strcmp(url, spa_pages[i]) == 0)
			return true;
	/* /assets/ID: one more segment */
	return strncmp(url, "/assets/", 8) == 0 && url[8] != '\0' && strchr(url + 8, '/') == NULL;
}

static bool state_changing(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* Who asks and may they: the Host rule, the session, and for the API the
 * login and the CSRF token.  false with the reply set when refused. */
static bool gate(struct mk_web_req *q, struct mk_web_reply *p)
{
	struct mk_web *w = q->w;

	q->lang = accept_lang(q);
	if (!w->login_required && !mk_web_host_is_loopback(mk_web_header(q, "Host"))) {
		mk_web_error(p, 403, "bad_host");
		return false;
	}
	identify(q);
	if (strncmp(q->url, "/api/v1/", 8) == 0) {
		const char *path = q->url + 8;
		bool open_ep = (strcmp(path, "health") == 0 && strcmp(q->method, "GET") == 0) ||
		               (strcmp(path, "me") == 0 && strcmp(q->method, "GET") == 0) ||
		               (strcmp(path, "session") == 0 && strcmp(q->method, "POST") == 0) ||
		               (strcmp(path, "setup") == 0 && strcmp(q->method, "POST") == 0);

		if (!open_ep && q->role < 0) {
			mk_web_error(p, 401, "login_required");
			return false;
		}
		/* CSRF: every state change but the two that start a session. */
		if (state_changing(q->method) && !(strcmp(path, "session") == 0 &&
		                                   strcmp(q->method, "POST") == 0) &&
		    strcmp(path, "setup") != 0 &&
		    !mk_web_token_equal(mk_web_header(q, "X-CSRF-Token"), q->csrf)) {
			mk_web_error(p, 403, "csrf");
			return false;
		}
	}
	return true;
}

static void handle(struct mk_web_req *q, struct mk_web_reply *p)
{
	struct mk_web *w = q->w;
	const char *url = q->url;
	bool api = strncmp(url, "/api/v1/", 8) == 0;

	if (!gate(q, p))
		return;
	if (api) {
		const char *path = url + 8;

		if (strcmp(path, "health") == 0 && strcmp(q->method, "GET") == 0) {
			static const char ok[] = "{\"status\":\"ok\"}";

			p->status = 200;
			p->static_body = (const unsigned char *)ok;
			p->len = sizeof(ok) - 1;
			p->type = "application/json; charset=utf-8";
			p->api = true;
			return;
		}
		if (mk_web_api_auth(q, p, path))
			return;
		mk_web_api(q, p, path);
		return;
	}
	if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0) {
		mk_web_error(p, 405, "method_not_allowed");
		return;
	}
	if (is_page(url)) {
		const struct mk_web_asset *a = mk_web_asset_find("/index.html");
		bool free_page = strcmp(url, "/login") == 0 || strcmp(url, "/setup") == 0;

		if (!free_page && q->role < 0) {
			p->status = 303;
			snprintf(p->location, sizeof(p->location), "%s",
			         count_users(w) == 0 ? "/setup" : "/login");
			return;
		}
		if (a == NULL) {
			mk_web_error(p, 404, "not_found");
			return;
		}
		p->status = 200;
		p->static_body = a->data;
		p->len = a->len;
		p->type = a->type;
		p->api = true; /* the page depends on who is logged in: no caching */
		return;
	}
	if (strncmp(url, "/static/", 8) == 0 || strcmp(url, "/favicon.ico") == 0) {
		const struct mk_web_asset *a = mk_web_asset_find(url);

		if (a != NULL) {
			p->status = 200;
			p->static_body = a->data;
			p->len = a->len;
			p->type = a->type;
			return;
		}
	}
	mk_web_error(p, 404, "not_found");
}

/* Per connection: the body being received; a capture upload goes to a
 * file instead (upload.c), and a refused one is answered after its body
 * was read and discarded (early only when the client waits for
 * "100 Continue": clients that send the body at once would see the
 * connection reset instead of the answer). */
struct conn_state {
	char *body;
	size_t len;
	bool too_large;
	struct mk_web_upload *up;
	bool refused;
	struct mk_web_reply early;
};

static void add_headers(struct MHD_Response *r, const struct mk_web *w,
                        const struct mk_web_reply *p)
{
	for (size_t i = 0; i < mk_web_n_security_headers; i++)
		MHD_add_response_header(r, mk_web_security_headers[i][0],
		                        i == 0 && p->csp != NULL ? p->csp : mk_web_security_headers[i][1]);
	/* only under TLS: a browser ignores it over plain HTTP anyway (RFC 6797) */
	if (w->tls)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	if (p->type != NULL)
		MHD_add_response_header(r, "Content-Type", p->type);
	if (p->api)
		MHD_add_response_header(r, "Cache-Control", "no-store");
	if (p->cookie[0] != '\0')
		MHD_add_response_header(r, "Set-Cookie", p->cookie);
	if (p->retry_after[0] != '\0')
		MHD_add_response_header(r, "Retry-After", p->retry_after);
	if (p->location[0] != '\0')
		MHD_add_response_header(r, "Location", p->location);
	if (p->disposition[0] != '\0')
		MHD_add_response_header(r, "Content-Disposition", p->disposition);
}

static void client_addr(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(out, len, "?");
	if (ci == NULL || ci->client_addr == NULL)
		return;
	getnameinfo(ci->client_addr,
	            ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                                   : sizeof(struct sockaddr_in),
	            out, (socklen_t)len, NULL, 0, NI_NUMERICHOST);
}

static void fill_req(struct mk_web_req *q, struct mk_web *w, struct MHD_Connection *c,
                     const char *method, const char *url, const char *body, size_t len);
static enum MHD_Result send_reply(struct MHD_Connection *c, const struct mk_web *w,
                                   struct mk_web_reply *pp);

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	struct mk_web *w = cls;
	struct conn_state *cs = *con_cls;
	struct mk_web_req q;
	struct mk_web_reply p;

	(void)version;

	if (cs == NULL) {
		const char *expect;

		cs = calloc(1, sizeof(*cs));
		if (cs == NULL)
			return MHD_NO;
		*con_cls = cs;
		if (!mk_web_is_upload(method, url))
			return MHD_YES;
		fill_req(&q, w, c, method, url, NULL, 0);
		if (gate(&q, &cs->early))
			cs->up = mk_web_upload_begin(&q, &cs->early);
		if (cs->up != NULL)
			return MHD_YES;
		cs->refused = true;
		expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
		if (expect == NULL || strcasecmp(expect, "100-continue") != 0)
			return MHD_YES;
		return send_reply(c, w, &cs->early);
	}
	if (*upload_data_size > 0 && (cs->up != NULL || cs->refused)) {
		if (cs->up != NULL)
			mk_web_upload_data(cs->up, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		if (!cs->too_large && cs->len + n <= MK_WEB_BODY_MAX) {
			char *b = realloc(cs->body, cs->len + n + 1);

			if (b == NULL) {
				cs->too_large = true;
			} else {
				memcpy(b + cs->len, upload_data, n);
				cs->body = b;
				cs->len += n;
				b[cs->len] = '\0';
			}
		} else {
			cs->too_large = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cs->refused)
		return send_reply(c, w, &cs->early);
	memset(&p, 0, sizeof(p));
	fill_req(&q, w, c, method, url, cs->body, cs->len);
	if (cs->up != NULL) {
		q.lang = accept_lang(&q);
		mk_web_upload_end(&q, &p, cs->up);
	} else if (cs->too_large) {
		mk_web_error(&p, 413, "too_large");
	} else {
		handle(&q, &p);
	}
	return send_reply(c, w, &p);
}

static void fill_req(struct mk_web_req *q, struct mk_web *w, struct MHD_Connection *c,
                     const char *method, const char *url, const char *body, size_t len)
{
	memset(q, 0, sizeof(*q));
	q->w = w;
	q->conn = c;
	q->method = method;
	q->url = url;
	q->body = body != NULL ? body : "";
	q->body_len = len;
	client_addr(c, q->client, sizeof(q->client));
}

/* Queues the reply (its body passes to the response; p is emptied). */
static enum MHD_Result send_reply(struct MHD_Connection *c, const struct mk_web *w,
                                   struct mk_web_reply *pp)
{
	struct mk_web_reply p = *pp;
	struct MHD_Response *r;
	enum MHD_Result ret;

	pp->body = NULL;
	if (p.status == 0)
		mk_web_error(&p, 500, "internal");
	if (p.static_body != NULL)
		r = MHD_create_response_from_buffer(p.len, (void *)p.static_body,
		                                    MHD_RESPMEM_PERSISTENT);
	else if (p.body != NULL)
		r = MHD_create_response_from_buffer_with_free_callback(p.len, p.body, free);
	else
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		free(p.body);
		return MHD_NO;
	}
	add_headers(r, w, &p);
	ret = MHD_queue_response(c, p.status, r);
	MHD_destroy_response(r);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;

	(void)c;
	(void)toe;
	if (cs != NULL) {
		mk_web_upload_free(cls, cs->up);
		free(cs->early.body);
		free(cs->body);
		free(cs);
		*con_cls = NULL;
	}
}

/* ---- life ---- */

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* "ADDR:PORT", "[V6]:PORT": host into host, the socket address into sa. */
static int parse_listen(const char *s, char *host, size_t hostlen, struct sockaddr_storage *sa,
                        socklen_t *salen)
{
	const char *colon;
	char *end;
	unsigned long port;
	size_t hl;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - s - 1);
		if (hl == 0 || hl >= hostlen)
			return -1;
		memcpy(host, s + 1, hl);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		hl = (size_t)(colon - s);
		if (hl == 0 || hl >= hostlen)
			return -1;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	if (strcmp(host, "localhost") == 0)
		snprintf(host, hostlen, "127.0.0.1");
	{
		struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;

		if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
			v4->sin_family = AF_INET;
			v4->sin_port = htons((uint16_t)port);
			*salen = sizeof(*v4);
			return 0;
		}
		if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
			v6->sin6_family = AF_INET6;
			v6->sin6_port = htons((uint16_t)port);
			*salen = sizeof(*v6);
			return 0;
		}
	}
	return -1;
}

/* How long a session lasts: 12 hours; the environment variable
 * MIERUKA_SESSION_TTL_S (seconds, 1 to 43200, read at start) shortens it.  It
 * is for the tests (docs/API.md), not a setting for users. */
static unsigned session_seconds(void)
{
	const char *e = getenv("MIERUKA_SESSION_TTL_S");
	char *end;
	unsigned long v;

	if (e == NULL || e[0] == '\0')
		return MK_WEB_SESSION_SECONDS;
	errno = 0;
	v = strtoul(e, &end, 10);
	if (errno != 0 || end == e || *end != '\0' || v < 1 || v > MK_WEB_SESSION_SECONDS) {
		mk_warn("MIERUKA_SESSION_TTL_S=%s: not 1..%d seconds, ignored", e, MK_WEB_SESSION_SECONDS);
		return MK_WEB_SESSION_SECONDS;
	}
	return (unsigned)v;
}

static void load_industrial(struct mk_web *w)
{
	char path[1024], line[256];
	FILE *f;

	if (!mk_data_path("rules/zones.tsv", path, sizeof(path)) || (f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL && w->n_industrial < 64) {
		char *nl = strpbrk(line, "\r\n");
		int id;

		if (nl != NULL)
			*nl = '\0';
		if (strncmp(line, "conduit_proto\t", 14) != 0)
			continue;
		if ((id = mk_proto_id_from_name(line + 14)) >= 0)
			w->industrial[w->n_industrial++] = (uint16_t)id;
	}
	fclose(f);
}

static void open_browser(const char *url)
{
	const char *d = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
	pid_t pid;

	if ((d == NULL || d[0] == '\0') && (wl == NULL || wl[0] == '\0'))
		return;
	/* a grandchild, so nobody has to wait for it: SIGCHLD keeps its default,
	 * which the PDF report's Chromium needs (an ignored SIGCHLD makes the
	 * kernel reap children before their parent can wait for them) */
	pid = fork();
	if (pid == 0) {
		if (fork() == 0) {
			/* quiet, detached */
			freopen("/dev/null", "w", stdout);
			freopen("/dev/null", "w", stderr);
			execlp("xdg-open", "xdg-open", url, (char *)NULL);
		}
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
}

int mk_web_run(const struct mk_web_options *o)
{
	struct mk_web w;
	struct sockaddr_storage sa;
	socklen_t salen = 0;
	char host[64], err[512] = "", url[128], *cert = NULL, *key = NULL;
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *di;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	struct sigaction sact;
	int rc = -1;
	uint16_t port;
	bool jobs_init = false;

	memset(&w, 0, sizeof(w));
	w.db_path = o->db_path;
	if (parse_listen(o->listen, host, sizeof(host), &sa, &salen) != 0) {
		mk_error("%s: %s", mk_msg("cli.serve_bad_listen"), o->listen);
		return -2;
	}
	if ((o->tls_cert == NULL) != (o->tls_key == NULL)) {
		mk_error("%s", mk_msg("cli.serve_tls_pair"));
		return -2;
	}
	w.tls = o->tls_cert != NULL;
	if (w.tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		mk_error("%s", mk_msg("cli.serve_no_tls"));
		return -1;
	}
	if (w.tls && mk_web_tls_load(o->tls_cert, o->tls_key, &cert, &key) != 0)
		return -2;
	w.session_s = session_seconds();
	if (mk_web_auth_init() != 0) {
		mk_error("libsodium cannot start");
		goto out;
	}
	w.login_required = !mk_web_listen_is_loopback(host);
	mk_web_token_new(w.loopback_csrf);
	load_industrial(&w);
	mk_web_assess_init(&w);
	if ((w.rl = calloc(1, sizeof(*w.rl))) == NULL)
		goto out;
	pthread_mutex_init(&w.write_lock, NULL);
	pthread_mutex_init(&w.snap_lock, NULL);
	pthread_mutex_init(&w.rl_lock, NULL);
	mk_web_jobs_init(&w, (o->max_upload_mb ? o->max_upload_mb : 1024) << 20);
	jobs_init = true;
	if (mk_store_sqlite.open(&w.wst, o->db_path, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		goto out;
	}
	if (w.tls)
		flags |= MHD_USE_TLS;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &w, MHD_OPTION_SOCK_ADDR,
	                     (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, 4u,
	                     MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	                     64u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
	                     MHD_OPTION_NOTIFY_COMPLETED, on_done, &w,
	                     w.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
	                     MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
	if (d == NULL) {
		mk_error("%s %s", mk_msg("cli.serve_cannot_listen"), o->listen);
		goto out;
	}
	/* before the URL is printed: whoever read it may stop us at once */
	memset(&sact, 0, sizeof(sact));
	sact.sa_handler = on_signal;
	sigaction(SIGINT, &sact, NULL);
	sigaction(SIGTERM, &sact, NULL);
	signal(SIGPIPE, SIG_IGN);
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = di != NULL ? di->port : 0;
	if (sa.ss_family == AF_INET6)
		snprintf(url, sizeof(url), "%s://[%s]:%u/", w.tls ? "https" : "http", host, port);
	else
		snprintf(url, sizeof(url), "%s://%s:%u/", w.tls ? "https" : "http",
		         strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1" : host, port);
	printf("%s %s\n", mk_msg("cli.serve_url"), url);
	if (w.login_required)
		printf("%s\n", mk_msg("cli.serve_login"));
	printf("%s\n", mk_msg("cli.serve_stop"));
	fflush(stdout);
	if (o->open_browser)
		open_browser(url);
	while (!stop_flag)
		usleep(100 * 1000);
	MHD_stop_daemon(d);
	mk_web_jobs_stop(&w);
	jobs_init = false;
	fprintf(stderr, "%s\n", mk_msg("cli.serve_stopped"));
	rc = 0;
out:
	if (jobs_init)
		mk_web_jobs_stop(&w);
	if (w.wst != NULL)
		mk_store_sqlite.close(w.wst);
	if (w.snap != NULL)
		snap_free(w.snap);
	mk_web_assess_fini(&w);
	free(w.rl);
	free(cert);
	if (key != NULL) {
		memset(key, 0, strlen(key)); /* the private key */
		free(key);
	}
	return rc;
}

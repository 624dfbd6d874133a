/* edit.c - the dashboard's write endpoints beside the asset and alert edits
 * of api.c: maintenance windows (the store functions `mieruka maintenance`
 * uses), users and the own password (Argon2id as for the setup).  Every
 * handler is reached after the login and CSRF checks of server.c. */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "mieruka/ledger.h"
#include "mieruka/detect.h"
#include "mieruka/zones.h"

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool admin(const struct mk_web_req *q, struct mk_web_reply *p)
{
	if (q->role == MK_WEB_ADMIN)
		return true;
	mk_web_error(p, 403, "forbidden");
	return false;
}

/* Parses the body: member count, or -1 with 400 set.  Members other than
 * allowed (NULL-terminated) are refused with bad_field. */
static int body_kv(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_kv *kv,
                   const char *const *allowed)
{
	int n = mk_web_json_parse(q->body, q->body_len, kv, MK_WEB_JSON_MAX_MEMBERS);

	if (n < 0) {
		mk_web_error(p, 400, "bad_json");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		bool ok = false;

		for (size_t k = 0; allowed[k] != NULL && !ok; k++)
			ok = strcmp(kv[i].key, allowed[k]) == 0;
		if (!ok) {
			mk_web_json_free(kv, (size_t)n);
			mk_web_error(p, 400, "bad_field");
			return -1;
		}
	}
	return n;
}

static const char *str_of(const struct mk_web_kv *kv, int n, const char *key)
{
	const struct mk_web_kv *v = mk_web_json_get(kv, (size_t)n, key);

	return v != NULL ? v->value : NULL;
}

/* ---- maintenance windows ---- */

/* "192.168.1.10, 192.168.1.11" (commas or spaces): 0, or -1 (bad address,
 * too many). */
static int parse_devices(const char *s, struct mk_window_rec *w)
{
	char buf[64];

	while (s != NULL && *s != '\0') {
		size_t k;

		s += strspn(s, ", \t\n");
		k = strcspn(s, ", \t\n");
		if (k == 0)
			break;
		if (k >= sizeof(buf) || w->n_devices >= MK_WINDOW_MAX_DEVICES)
			return -1;
		memcpy(buf, s, k);
		buf[k] = '\0';
		if (!mk_addr_parse(&w->devices[w->n_devices], buf))
			return -1;
		w->n_devices++;
		s += k;
	}
	return 0;
}

static bool window_text(const char *v, char out[MK_WINDOW_TEXT_LEN])
{
	size_t n;

	if (v == NULL)
		return true;
	n = strlen(v);
	if (n >= MK_WINDOW_TEXT_LEN)
		return false;
	mk_text_sanitize(out, MK_WINDOW_TEXT_LEN, v, n);
	return true;
}

void mk_web_api_window_add(struct mk_web_req *q, struct mk_web_reply *p)
{
	static const char *const allowed[] = {"start", "end", "devices", "vendor", "note", NULL};
	struct mk_web_kv kv[MK_WEB_JSON_MAX_MEMBERS];
	struct mk_window_rec *w;
	const char *start, *end, *code = NULL;
	struct mk_web_out o;
	uint32_t id = 0;
	int n, rc;

	if (!admin(q, p) || (n = body_kv(q, p, kv, allowed)) < 0)
		return;
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		mk_web_json_free(kv, (size_t)n);
		mk_web_error(p, 500, "internal");
		return;
	}
	start = str_of(kv, n, "start");
	end = str_of(kv, n, "end");
	if (start == NULL || end == NULL || mk_time_parse(start, &w->start_ns) != 0 ||
	    mk_time_parse(end, &w->end_ns) != 0)
		code = "bad_time";
	else if (w->end_ns <= w->start_ns)
		code = "end_before_start";
	else if (parse_devices(str_of(kv, n, "devices"), w) != 0)
		code = "bad_devices";
	else if (!window_text(str_of(kv, n, "vendor"), w->vendor) ||
	         !window_text(str_of(kv, n, "note"), w->note))
		code = "bad_field";
	mk_web_json_free(kv, (size_t)n);
	if (code != NULL) {
		free(w);
		mk_web_error(p, 400, code);
		return;
	}
	w->created_ns = wall_ns();
	pthread_mutex_lock(&q->w->write_lock);
	rc = mk_store_sqlite.add_window(q->w->wst, w, &id);
	if (rc != 0)
		mk_error("%s", mk_store_sqlite.error(q->w->wst));
	pthread_mutex_unlock(&q->w->write_lock);
	if (rc != 0 || mk_web_out_open(&o) != 0) {
		free(w);
		mk_web_error(p, 500, "internal");
		return;
	}
	w->id = id;
	mk_web_snap_invalidate(q->w);
	mk_report_json_window(&o.j, w);
	free(w);
	mk_web_out_reply(&o, p, 201);
}

void mk_web_api_window_delete(struct mk_web_req *q, struct mk_web_reply *p, const char *id)
{
	unsigned long v;
	int found;

	if (!admin(q, p))
		return;
	if (!mk_parse_ulong(id, UINT32_MAX, &v) || v == 0) {
		mk_web_error(p, 404, "not_found");
		return;
	}
	pthread_mutex_lock(&q->w->write_lock);
	found = mk_store_sqlite.delete_window(q->w->wst, (uint32_t)v);
	if (found < 0)
		mk_error("%s", mk_store_sqlite.error(q->w->wst));
	pthread_mutex_unlock(&q->w->write_lock);
	if (found < 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	if (found == 0) {
		mk_web_error(p, 404, "not_found");
		return;
	}
	mk_web_snap_invalidate(q->w);
	p->status = 204;
	p->api = true;
}

/* ---- users ---- */

static const char *role_name(int role)
{
	return role == MK_WEB_ADMIN ? "admin" : "viewer";
}

static int json_user(void *ctx, const struct mk_web_user *u)
{
	struct mk_json *j = ctx;
	char t[40];

	mk_json_begin_object(j);
	mk_json_key(j, "user");
	mk_json_string(j, u->name);
	mk_json_key(j, "role");
	mk_json_string(j, role_name(u->role));
	mk_json_key(j, "created");
	mk_json_string(j, u->created_ns ? mk_time_rfc3339(u->created_ns, t, sizeof(t)) : NULL);
	mk_json_end_object(j);
	return 0;
}

void mk_web_api_users(struct mk_web_req *q, struct mk_web_reply *p)
{
	struct mk_web_out o;
	int rc;

	if (!admin(q, p))
		return;
	if (mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "items");
	mk_json_begin_array(&o.j);
	pthread_mutex_lock(&q->w->write_lock);
	rc = mk_store_sqlite.each_user(q->w->wst, json_user, &o.j);
	pthread_mutex_unlock(&q->w->write_lock);
	mk_json_end_array(&o.j);
	mk_json_end_object(&o.j);
	if (rc != 0) {
		fclose(o.f);
		free(o.buf);
		mk_web_error(p, 500, "internal");
		return;
	}
	mk_web_out_reply(&o, p, 200);
}

static void wipe(struct mk_web_kv *kv, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0 && kv[i].value != NULL)
			memset(kv[i].value, 0, strlen(kv[i].value));
}

void mk_web_api_user_add(struct mk_web_req *q, struct mk_web_reply *p)
{
	static const char *const allowed[] = {"user", "password", "role", NULL};
	struct mk_web_kv kv[MK_WEB_JSON_MAX_MEMBERS];
	struct mk_web_user u, old;
	const char *name, *pw, *role, *code = NULL;
	struct mk_web_out o;
	int n, rc;

	if (!admin(q, p) || (n = body_kv(q, p, kv, allowed)) < 0)
		return;
	name = str_of(kv, n, "user");
	pw = str_of(kv, n, "password");
	role = str_of(kv, n, "role");
	memset(&u, 0, sizeof(u));
	if (name == NULL || !mk_web_user_name_ok(name))
		code = "bad_user";
	else if (pw == NULL)
		code = "bad_request";
	else if ((code = mk_web_password_problem(pw)) != NULL)
		;
	else if (role == NULL || (strcmp(role, "admin") != 0 && strcmp(role, "viewer") != 0))
		code = "bad_role";
	if (code == NULL) {
		snprintf(u.name, sizeof(u.name), "%s", name);
		u.role = strcmp(role, "admin") == 0 ? MK_WEB_ADMIN : MK_WEB_VIEWER;
		u.created_ns = wall_ns();
		if (mk_web_password_hash(pw, u.pwhash) != 0)
			code = "internal";
	}
	wipe(kv, n, "password");
	mk_web_json_free(kv, (size_t)n);
	if (code != NULL) {
		mk_web_error(p, strcmp(code, "internal") == 0 ? 500 : 400, code);
		return;
	}
	/* the check and the insert under one lock */
	pthread_mutex_lock(&q->w->write_lock);
	rc = mk_store_sqlite.get_user(q->w->wst, u.name, &old);
	if (rc == 0)
		rc = mk_store_sqlite.put_user(q->w->wst, &u) == 0 ? 0 : -1;
	if (rc < 0)
		mk_error("%s", mk_store_sqlite.error(q->w->wst));
	pthread_mutex_unlock(&q->w->write_lock);
	memset(u.pwhash, 0, sizeof(u.pwhash));
	if (rc == 1) {
		mk_web_error(p, 409, "user_exists");
		return;
	}
	if (rc != 0 || mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	json_user(&o.j, &u);
	mk_web_out_reply(&o, p, 201);
}

/* POST /api/v1/password {"current","password"}: the logged-in user's own.
 * Wrong current passwords count against the login rate limit of the user. */
void mk_web_api_password(struct mk_web_req *q, struct mk_web_reply *p)
{
	static const char *const allowed[] = {"current", "password", NULL};
	struct mk_web *w = q->w;
	struct mk_web_kv kv[MK_WEB_JSON_MAX_MEMBERS];
	struct mk_web_user u;
	const char *cur, *pw, *code = NULL;
	char key[80];
	struct timespec ts;
	uint64_t t, wait;
	int n, found;
	bool ok;

	if (q->user[0] == '\0') {
		mk_web_error(p, 409, "no_login"); /* loopback: nobody is logged in */
		return;
	}
	if ((n = body_kv(q, p, kv, allowed)) < 0)
		return;
	cur = str_of(kv, n, "current");
	pw = str_of(kv, n, "password");
	if (cur == NULL || pw == NULL)
		code = "bad_request";
	else
		code = mk_web_password_problem(pw);
	if (code != NULL) {
		wipe(kv, n, "current");
		wipe(kv, n, "password");
		mk_web_json_free(kv, (size_t)n);
		mk_web_error(p, 400, code);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	snprintf(key, sizeof(key), "user:%s", q->user);
	pthread_mutex_lock(&w->rl_lock);
	wait = mk_web_rl_check(w->rl, key, t);
	pthread_mutex_unlock(&w->rl_lock);
	if (wait > 0) {
		wipe(kv, n, "current");
		wipe(kv, n, "password");
		mk_web_json_free(kv, (size_t)n);
		snprintf(p->retry_after, sizeof(p->retry_after), "%llu", (unsigned long long)wait);
		mk_web_error(p, 429, "rate_limited");
		return;
	}
	pthread_mutex_lock(&w->write_lock);
	found = mk_store_sqlite.get_user(w->wst, q->user, &u);
	pthread_mutex_unlock(&w->write_lock);
	ok = found == 1 && mk_web_password_verify(u.pwhash, cur);
	pthread_mutex_lock(&w->rl_lock);
	if (ok)
		mk_web_rl_success(w->rl, key);
	else
		mk_web_rl_fail(w->rl, key, t);
	pthread_mutex_unlock(&w->rl_lock);
	if (ok && mk_web_password_hash(pw, u.pwhash) != 0)
		code = "internal";
	wipe(kv, n, "current");
	wipe(kv, n, "password");
	mk_web_json_free(kv, (size_t)n);
	if (!ok) {
		mk_web_error(p, 403, "bad_current_password");
		return;
	}
	if (code == NULL) {
		pthread_mutex_lock(&w->write_lock);
		/* the new password ends the user's other sessions (a stolen cookie
		 * with it); the one that changed it stays */
		if (mk_store_sqlite.put_user(w->wst, &u) != 0 ||
		    mk_store_sqlite.delete_user_sessions(w->wst, u.name, q->session_hash) < 0) {
			mk_error("%s", mk_store_sqlite.error(w->wst));
			code = "internal";
		}
		pthread_mutex_unlock(&w->write_lock);
	}
	memset(u.pwhash, 0, sizeof(u.pwhash));
	if (code != NULL) {
		mk_web_error(p, 500, code);
		return;
	}
	p->status = 204;
	p->api = true;
}

/* ---- zones ---- */

/* A memstream's text as a JSON string member. */
static void text_member(struct mk_json *j, const char *key, int (*fill)(FILE *, const void *),
                        const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = f != NULL ? fill(f, arg) : -1;

	if (f != NULL && fclose(f) != 0)
		rc = -1;
	mk_json_key(j, key);
	if (rc == 0 && buf != NULL)
		mk_json_stringn(j, buf, len);
	else
		mk_json_null(j);
	free(buf);
}

static int fill_zones(FILE *f, const void *arg)
{
	const struct mk_zones *z = arg;

	return z != NULL ? mk_zones_write(f, z) : 0;
}

static int fill_proposal(FILE *f, const void *arg)
{
	return mk_zones_propose(f, arg);
}

void mk_web_zones_texts(struct mk_json *j, const struct mk_report *r)
{
	text_member(j, "text", fill_zones, r->zones);
	text_member(j, "proposal", fill_proposal, r);
}

/* Is the zone file's asset value (an asset id, MAC or IP) one of a's names? */
static bool asset_named(const struct mk_asset_rec *a, const char *value)
{
	char buf[MK_ADDR_STRLEN];

	if (strncmp(value, a->id, sizeof(a->id)) == 0)
		return true;
	if (a->mac.family != MK_AF_NONE && strcmp(mk_addr_str(&a->mac, buf), value) == 0)
		return true;
	for (size_t i = 0; i < a->n_ips; i++)
		if (strcmp(mk_addr_str(&a->ips[i], buf), value) == 0)
			return true;
	return false;
}

struct mk_zones *mk_web_zones_with_asset(const struct mk_zones *old, const struct mk_asset_rec *a,
                                         const char *zone_id)
{
	struct mk_zones *z = mk_zones_new();
	char line[2048], value[256], services[1024], why[256];
	bool ok = z != NULL;

	for (size_t i = 0; ok && i < mk_zones_count(old); i++) {
		snprintf(line, sizeof(line), "zone\t%s\t%s", mk_zones_id(old, i), mk_zones_name(old, i));
		ok = mk_zones_parse_line(z, line, why, sizeof(why)) == 0;
	}
	for (size_t k = 0; ok && k < mk_zones_n_members(old); k++) {
		const char *kind;
		size_t zi;

		mk_zones_member(old, k, &zi, &kind, value, sizeof(value));
		if (strcmp(kind, "asset") == 0 && asset_named(a, value))
			continue; /* the device's own line: replaced below */
		snprintf(line, sizeof(line), "%s\t%s\t%s", kind, mk_zones_id(old, zi), value);
		ok = mk_zones_parse_line(z, line, why, sizeof(why)) == 0;
	}
	if (ok && zone_id != NULL) {
		snprintf(line, sizeof(line), "asset\t%s\t%.*s", zone_id, (int)sizeof(a->id), a->id);
		ok = mk_zones_parse_line(z, line, why, sizeof(why)) == 0;
	}
	for (size_t i = 0; ok && i < mk_zones_n_conduits(old); i++) {
		size_t from, to;

		mk_zones_conduit(old, i, &from, &to, services, sizeof(services));
		snprintf(line, sizeof(line), "conduit\t%s\t%s%s%s", mk_zones_id(old, from),
		         mk_zones_id(old, to), services[0] != '\0' ? "\t" : "", services);
		ok = mk_zones_parse_line(z, line, why, sizeof(why)) == 0;
	}
	if (!ok) {
		mk_zones_free(z);
		return NULL;
	}
	return z;
}

/* mk_zones_parse's "zones:LINE: reason" -> line, reason. */
static size_t split_zone_error(const char *err, const char **reason)
{
	const char *p = strchr(err, ':');
	char *end;
	unsigned long line = 0;

	*reason = err;
	if (p != NULL) {
		line = strtoul(p + 1, &end, 10);
		if (end != p + 1 && end[0] == ':' && end[1] == ' ')
			*reason = end + 2;
		else
			line = 0;
	}
	return line;
}

void mk_web_api_zones_put(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap **sp)
{
	static const char *const allowed[] = {"text", NULL};
	struct mk_web_kv kv[MK_WEB_JSON_MAX_MEMBERS];
	struct mk_zones *z;
	const char *text, *reason;
	char err[1024] = "";
	int n, rc;

	if (!admin(q, p) || (n = body_kv(q, p, kv, allowed)) < 0)
		return;
	if ((text = str_of(kv, n, "text")) == NULL) {
		mk_web_json_free(kv, (size_t)n);
		mk_web_error(p, 400, "bad_request");
		return;
	}
	z = mk_zones_parse(text, strlen(text), "zones", err, sizeof(err));
	mk_web_json_free(kv, (size_t)n);
	if (z == NULL) {
		size_t line = split_zone_error(err, &reason);
		char l[24], en[256], ja[256];
		const char *names[] = {"line"};
		const char *values[] = {l};

		snprintf(l, sizeof(l), "%zu", line);
		mk_detect_render(en, sizeof(en), mk_msg_lang("web.zones.bad_line", MK_LANG_EN), names,
		                 values, 1);
		mk_detect_render(ja, sizeof(ja), mk_msg_lang("web.zones.bad_line", MK_LANG_JA), names,
		                 values, 1);
		mk_web_error_fields(p, 400, "bad_zone_file",
		                    (const struct mk_web_err_field[]){{"line", NULL, true, line},
		                                                      {"reason", reason, false, 0}},
		                    2, en, ja);
		return;
	}
	pthread_mutex_lock(&q->w->write_lock);
	rc = mk_store_sqlite.begin(q->w->wst) != 0 || mk_store_sqlite.put_zones(q->w->wst, z) != 0 ||
	     mk_store_sqlite.commit(q->w->wst) != 0;
	if (rc != 0) {
		mk_error("%s", mk_store_sqlite.error(q->w->wst));
		mk_store_sqlite.rollback(q->w->wst);
	}
	pthread_mutex_unlock(&q->w->write_lock);
	mk_zones_free(z);
	if (rc != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	if (!mk_web_snap_refresh(q, p, sp))
		return;
	mk_web_api_zones(q, p, *sp);
}

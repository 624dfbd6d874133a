/* api.c - /api/v1/ over the database snapshot (docs/API.md).
 *
 * Objects are written by the report's own JSON writers (src/report/json.c), so
 * the API and `analyze --json` cannot drift apart.  Lists filter and sort an
 * index array over the snapshot per request (O(n log n) in the matches; no
 * state between requests), then write one page.  Edits go through the
 * server's write handle and invalidate the snapshot. */
#include "web/web_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "mieruka/detect.h"
#include "mieruka/facts.h"
#include "mieruka/zones.h"

#define LIMIT_DEFAULT 100
#define LIMIT_MAX 1000
#define ASSET_CONVS_MAX 500
#define ASSET_ALERTS_MAX 200

/* ---- parameters ---- */

/* An unsigned decimal parameter: 0 (value in *v, or def when absent) or -1. */
static int arg_uint(const struct mk_web_req *q, const char *name, size_t def, size_t max,
                    size_t *v)
{
	const char *s = mk_web_arg(q, name);
	char *end;
	unsigned long long n;

	*v = def;
	if (s == NULL || s[0] == '\0')
		return 0;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return -1;
	*v = (size_t)n;
	return 0;
}

struct page {
	size_t limit, offset;
};

static int arg_page(const struct mk_web_req *q, struct page *pg)
{
	return arg_uint(q, "limit", LIMIT_DEFAULT, LIMIT_MAX, &pg->limit) != 0 ||
	               arg_uint(q, "offset", 0, (size_t)1 << 40, &pg->offset) != 0
	           ? -1
	           : 0;
}

static void list_begin(struct mk_json *j)
{
	mk_json_begin_object(j);
	mk_json_key(j, "items");
	mk_json_begin_array(j);
}

static void list_end(struct mk_json *j, size_t total, const struct page *pg)
{
	mk_json_end_array(j);
	mk_json_key(j, "total");
	mk_json_uint(j, total);
	mk_json_key(j, "limit");
	mk_json_uint(j, pg->limit);
	mk_json_key(j, "offset");
	mk_json_uint(j, pg->offset);
	mk_json_end_object(j);
}

/* case-insensitive substring (ASCII folding; UTF-8 bytes compared as they are) */
static bool contains(const char *hay, const char *needle)
{
	size_t n;

	if (hay == NULL)
		return false;
	n = strlen(needle);
	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

static bool addr_contains(const struct mk_addr *a, const char *needle)
{
	char buf[MK_ADDR_STRLEN];

	if (a->family == MK_AF_NONE)
		return false;
	mk_addr_str(a, buf);
	return contains(buf, needle);
}

static const struct mk_asset_note *note_of(const struct mk_web_snap *s, const char *id)
{
	size_t lo = 0, hi = s->n_notes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->notes[mid].asset_id, id);

		if (c == 0)
			return &s->notes[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void json_notes(struct mk_json *j, const struct mk_asset_note *n)
{
	mk_json_begin_object(j);
	mk_json_key(j, "name");
	mk_json_string(j, n != NULL ? n->name : NULL);
	mk_json_key(j, "notes");
	mk_json_string(j, n != NULL ? n->notes : NULL);
	mk_json_key(j, "criticality");
	mk_json_string(j, n != NULL && n->criticality[0] != '\0' ? n->criticality : NULL);
	mk_json_end_object(j);
}

/* Continues the object the report's writer has just closed (its output ends
 * with '}' in a memstream): step back over the brace and tell the writer it is
 * inside a non-empty object again, so members can be added with mk_json_key. */
static void reopen_object(struct mk_json *j)
{
	fflush(j->f);
	fseeko(j->f, -1, SEEK_CUR);
	if (j->depth < (int)(sizeof(j->need_comma) - 1))
		j->depth++;
	j->need_comma[j->depth] = true;
	j->after_key = false;
}

/* ASSET with "notes" added: the document's writer, then one more member. */
static void json_asset_full(struct mk_json *j, const struct mk_web_snap *s, size_t i,
                            bool details, const struct mk_web_req *q);

static size_t asset_by_id(const struct mk_web_snap *s, const char *id, bool *found)
{
	/* assets are in id order (store.h) */
	size_t lo = 0, hi = s->r.n_assets;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(s->r.assets[mid].id, id, sizeof(s->r.assets[mid].id));

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The ?asset=ID filter of a list: *a the asset (NULL without the filter);
 * false with a 404 reply when no asset has that id. */
static bool asset_filter(const struct mk_web_snap *s, const char *id,
                         const struct mk_asset_rec **a, struct mk_web_reply *p)
{
	bool found;
	size_t i;

	*a = NULL;
	if (id == NULL)
		return true;
	i = asset_by_id(s, id, &found);
	if (!found) {
		mk_web_error(p, 404, "not_found");
		return false;
	}
	*a = &s->r.assets[i];
	return true;
}

/* The asset holding address a: true with *i set. */
static bool asset_of(const struct mk_web_snap *s, const struct mk_addr *a, size_t *i)
{
	*i = mk_report_asset_of(s->ix, a);
	return *i != (size_t)-1;
}

static bool asset_has_addr(const struct mk_asset_rec *a, const struct mk_addr *x)
{
	if (x->family == MK_AF_MAC)
		return a->mac.family == MK_AF_MAC && mk_addr_eq(&a->mac, x);
	for (size_t k = 0; k < a->n_ips; k++)
		if (mk_addr_eq(&a->ips[k], x))
			return true;
	return false;
}

/* ---- assets ---- */

struct asset_filter {
	const char *q, *vendor, *zone;
	int role, proto;
};

static bool asset_match(const struct mk_web_snap *s, size_t i, const struct asset_filter *f)
{
	const struct mk_asset_rec *a = &s->r.assets[i];

	if (f->role >= 0) {
		bool any = false;

		for (size_t k = 0; k < a->n_roles && !any; k++)
			any = a->roles[k].role == (unsigned)f->role;
		if (!any)
			return false;
	}
	if (f->proto >= 0 && !mk_proto_set_has(&a->server, (unsigned)f->proto) &&
	    !mk_proto_set_has(&a->client, (unsigned)f->proto))
		return false;
	if (f->vendor != NULL && !contains(a->vendor, f->vendor) &&
	    !(a->identity != NULL && contains(a->identity->vendor, f->vendor)))
		return false;
	if (f->zone != NULL) {
		const char *zid, *zname;
		bool in = mk_report_asset_zone(&s->r, i, &zid, &zname);

		if (strcmp(f->zone, "none") == 0 ? in
		                                 : !in || (strcmp(zid, f->zone) != 0 &&
		                                           strcmp(zname, f->zone) != 0))
			return false;
	}
	if (f->q != NULL) {
		bool hit = contains(a->id, f->q) || contains(a->vendor, f->q) ||
		           addr_contains(&a->mac, f->q) || contains(a->os, f->q);
		const struct mk_asset_note *n = note_of(s, a->id);

		for (size_t k = 0; k < a->n_ips && !hit; k++)
			hit = addr_contains(&a->ips[k], f->q);
		for (size_t k = 0; k < a->n_names && !hit; k++)
			hit = contains(a->names[k].name, f->q);
		if (!hit && a->identity != NULL)
			hit = contains(a->identity->model, f->q) || contains(a->identity->product, f->q) ||
			      contains(a->identity->vendor, f->q);
		if (!hit && n != NULL)
			hit = contains(n->name, f->q);
		if (!hit)
			return false;
	}
	return true;
}

enum sort_key { S_ID, S_IP, S_VENDOR, S_ROLE, S_FIRST, S_LAST, S_PACKETS, S_BYTES };

struct sort_ctx {
	const struct mk_asset_rec *assets;
	enum sort_key key;
	bool desc;
};

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_str(const char *a, const char *b)
{
	/* missing values last */
	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL);
	return strcmp(a, b);
}

static int asset_cmp(const void *x, const void *y, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct mk_asset_rec *a = &c->assets[*(const size_t *)x],
	                          *b = &c->assets[*(const size_t *)y];
	int r = 0;

	switch (c->key) {
	case S_ID: break;
	case S_IP:
		if (a->n_ips == 0 || b->n_ips == 0)
			r = (a->n_ips == 0) - (b->n_ips == 0);
		else
			r = mk_addr_cmp(&a->ips[0], &b->ips[0]);
		break;
	case S_VENDOR: r = cmp_str(a->vendor, b->vendor); break;
	case S_ROLE:
		r = cmp_str(a->n_roles ? mk_role_name(a->roles[0].role) : NULL,
		            b->n_roles ? mk_role_name(b->roles[0].role) : NULL);
		break;
	case S_FIRST: r = cmp_u64(a->first_ns, b->first_ns); break;
	case S_LAST: r = cmp_u64(a->last_ns, b->last_ns); break;
	case S_PACKETS: r = cmp_u64(a->packets, b->packets); break;
	case S_BYTES: r = cmp_u64(a->bytes, b->bytes); break;
	}
	if (c->desc)
		r = -r;
	if (r == 0)
		r = strncmp(a->id, b->id, sizeof(a->id)); /* stable pages */
	return r;
}

static int parse_sort(const char *s, struct sort_ctx *c)
{
	static const char *const names[] = {"id",        "ip",        "vendor",  "role",
	                                    "first_seen", "last_seen", "packets", "bytes"};

	c->key = S_ID;
	c->desc = false;
	if (s == NULL || s[0] == '\0')
		return 0;
	if (s[0] == '-') {
		c->desc = true;
		s++;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			c->key = (enum sort_key)i;
			return 0;
		}
	return -1;
}

static int opt_enum(const struct mk_web_req *q, const char *name, int (*from)(const char *),
                    int *out)
{
	const char *s = mk_web_arg(q, name);

	*out = -1;
	if (s == NULL || s[0] == '\0')
		return 0;
	*out = from(s);
	return *out < 0 ? -1 : 0;
}

static const char *opt_str(const struct mk_web_req *q, const char *name)
{
	const char *s = mk_web_arg(q, name);

	return s != NULL && s[0] != '\0' ? s : NULL;
}

static void api_assets(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s)
{
	struct asset_filter f = {opt_str(q, "q"), opt_str(q, "vendor"), opt_str(q, "zone"), -1, -1};
	struct sort_ctx sc = {s->r.assets, S_ID, false};
	struct page pg;
	struct mk_web_out o;
	size_t *idx, n = 0;

	if (arg_page(q, &pg) != 0 || opt_enum(q, "role", mk_role_from_name, &f.role) != 0 ||
	    opt_enum(q, "protocol", mk_proto_id_from_name, &f.proto) != 0 ||
	    parse_sort(mk_web_arg(q, "sort"), &sc) != 0) {
		mk_web_error(p, 400, "bad_parameter");
		return;
	}
	idx = malloc((s->r.n_assets + 1) * sizeof(*idx));
	if (idx == NULL || mk_web_out_open(&o) != 0) {
		free(idx);
		mk_web_error(p, 500, "internal");
		return;
	}
	for (size_t i = 0; i < s->r.n_assets; i++)
		if (asset_match(s, i, &f))
			idx[n++] = i;
	if (sc.key != S_ID || sc.desc)
		qsort_r(idx, n, sizeof(*idx), asset_cmp, &sc);
	list_begin(&o.j);
	for (size_t k = pg.offset; k < n && k < pg.offset + pg.limit; k++)
		json_asset_full(&o.j, s, idx[k], false, q);
	list_end(&o.j, n, &pg);
	free(idx);
	mk_web_out_reply(&o, p, 200);
}

static void json_asset_full(struct mk_json *j, const struct mk_web_snap *s, size_t i,
                            bool details, const struct mk_web_req *q)
{
	const struct mk_asset_rec *a = &s->r.assets[i];
	(void)q;
	mk_report_json_asset(j, &s->r, i);
	reopen_object(j);
	mk_json_key(j, "notes");
	json_notes(j, note_of(s, a->id));
	if (details) {
		size_t nc = 0, na = 0;

		mk_json_key(j, "communications");
		mk_json_begin_array(j);
		for (size_t c = 0; c < s->r.n_convs && nc < ASSET_CONVS_MAX; c++)
			if (asset_has_addr(a, &s->r.convs[c].client) ||
			    asset_has_addr(a, &s->r.convs[c].server)) {
				mk_report_json_conv(j, &s->r.convs[c]);
				nc++;
			}
		mk_json_end_array(j);
		mk_json_key(j, "alerts");
		mk_json_begin_array(j);
		for (size_t k = 0; k < s->r.n_alerts && na < ASSET_ALERTS_MAX; k++) {
			const struct mk_alert_rec *al = &s->r.alerts[s->alerts_recent[k]];

			if (asset_has_addr(a, &al->client) || asset_has_addr(a, &al->server)) {
				mk_report_json_alert(j, &s->r, s->ix, al, NULL);
				na++;
			}
		}
		mk_json_end_array(j);
	}
	mk_json_end_object(j);
}

static void api_asset(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s,
                      const char *id)
{
	struct mk_web_out o;
	bool found;
	size_t i = asset_by_id(s, id, &found);

	if (!found) {
		mk_web_error(p, 404, "not_found");
		return;
	}
	if (mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	json_asset_full(&o.j, s, i, true, q);
	mk_web_out_reply(&o, p, 200);
}

static bool valid_text(const char *v, size_t max)
{
	size_t n = strnlen(v, max + 1);

	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\n' && v[i] != '\t')
			return false;
	return true;
}

static void api_asset_patch(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap **sp,
                            const char *id)
{
	struct mk_web_kv kv[MK_WEB_JSON_MAX_MEMBERS];
	struct mk_asset_note n;
	const struct mk_asset_note *old;
	const struct mk_web_kv *v;
	struct mk_zones *zones = NULL;
	int nkv, rc;
	size_t ai;
	bool found;

	if (q->role != MK_WEB_ADMIN) {
		mk_web_error(p, 403, "forbidden");
		return;
	}
	ai = asset_by_id(*sp, id, &found);
	if (!found) {
		mk_web_error(p, 404, "not_found");
		return;
	}
	if ((nkv = mk_web_json_parse(q->body, q->body_len, kv, MK_WEB_JSON_MAX_MEMBERS)) < 0) {
		mk_web_error(p, 400, "bad_json");
		return;
	}
	for (int i = 0; i < nkv; i++)
		if (strcmp(kv[i].key, "name") != 0 && strcmp(kv[i].key, "notes") != 0 &&
		    strcmp(kv[i].key, "criticality") != 0 && strcmp(kv[i].key, "zone") != 0) {
			mk_web_json_free(kv, (size_t)nkv);
			mk_web_error(p, 400, "bad_field");
			return;
		}
	old = note_of(*sp, id);
	memset(&n, 0, sizeof(n));
	snprintf(n.asset_id, sizeof(n.asset_id), "%.*s", (int)(sizeof(n.asset_id) - 1), id);
	n.name = old != NULL ? old->name : NULL;
	n.notes = old != NULL ? old->notes : NULL;
	if (old != NULL)
		memcpy(n.criticality, old->criticality, sizeof(n.criticality));
	if ((v = mk_web_json_get(kv, (size_t)nkv, "name")) != NULL) {
		if (v->value != NULL && !valid_text(v->value, 128))
			goto bad;
		n.name = v->value != NULL && v->value[0] != '\0' ? v->value : NULL;
	}
	if ((v = mk_web_json_get(kv, (size_t)nkv, "notes")) != NULL) {
		if (v->value != NULL && !valid_text(v->value, 4000))
			goto bad;
		n.notes = v->value != NULL && v->value[0] != '\0' ? v->value : NULL;
	}
	if ((v = mk_web_json_get(kv, (size_t)nkv, "criticality")) != NULL) {
		if (v->value == NULL || v->value[0] == '\0')
			n.criticality[0] = '\0';
		else if (strcmp(v->value, "high") == 0 || strcmp(v->value, "medium") == 0 ||
		         strcmp(v->value, "low") == 0)
			snprintf(n.criticality, sizeof(n.criticality), "%s", v->value);
		else
			goto bad;
	}
	if ((v = mk_web_json_get(kv, (size_t)nkv, "zone")) != NULL) {
		/* The zone by its id, as the zone file's asset line for the device
		 * ("" or null: no line of its own). */
		const char *zid = v->value != NULL && v->value[0] != '\0' ? v->value : NULL;

		if (zid != NULL && mk_zones_find((*sp)->r.zones, zid) < 0)
			goto bad;
		zones = mk_web_zones_with_asset((*sp)->r.zones, &(*sp)->r.assets[ai], zid);
		if (zones == NULL)
			goto bad;
	}
	pthread_mutex_lock(&q->w->write_lock);
	rc = mk_store_sqlite.begin(q->w->wst) != 0 ||
	     mk_store_sqlite.put_asset_note(q->w->wst, &n) != 0 ||
	     (zones != NULL && mk_store_sqlite.put_zones(q->w->wst, zones) != 0) ||
	     mk_store_sqlite.commit(q->w->wst) != 0;
	if (rc != 0) {
		mk_error("%s", mk_store_sqlite.error(q->w->wst));
		mk_store_sqlite.rollback(q->w->wst);
	}
	pthread_mutex_unlock(&q->w->write_lock);
	mk_zones_free(zones);
	mk_web_json_free(kv, (size_t)nkv);
	if (rc != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	if (!mk_web_snap_refresh(q, p, sp))
		return;
	api_asset(q, p, *sp, id);
	return;
bad:
	mk_zones_free(zones);
	mk_web_json_free(kv, (size_t)nkv);
	mk_web_error(p, 400, "bad_field");
}

/* ---- communications ---- */

static void api_comms(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s)
{
	const char *asset = opt_str(q, "asset"), *text = opt_str(q, "q");
	const struct mk_asset_rec *a = NULL;
	struct page pg;
	struct mk_web_out o;
	size_t total = 0;
	int proto;

	if (arg_page(q, &pg) != 0 || opt_enum(q, "protocol", mk_proto_id_from_name, &proto) != 0) {
		mk_web_error(p, 400, "bad_parameter");
		return;
	}
	if (!asset_filter(s, asset, &a, p))
		return;
	if (mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	list_begin(&o.j);
	for (size_t i = 0; i < s->r.n_convs; i++) {
		const struct mk_conv_rec *c = &s->r.convs[i];

		if (proto >= 0 && c->proto != (unsigned)proto)
			continue;
		if (a != NULL && !asset_has_addr(a, &c->client) && !asset_has_addr(a, &c->server))
			continue;
		if (text != NULL && !addr_contains(&c->client, text) && !addr_contains(&c->server, text))
			continue;
		if (total >= pg.offset && total < pg.offset + pg.limit) {
			size_t ai;

			mk_report_json_conv(&o.j, c);
			reopen_object(&o.j);
			mk_json_key(&o.j, "client_asset");
			if (asset_of(s, &c->client, &ai))
				mk_json_string(&o.j, s->r.assets[ai].id);
			else
				mk_json_null(&o.j);
			mk_json_key(&o.j, "server_asset");
			if (asset_of(s, &c->server, &ai))
				mk_json_string(&o.j, s->r.assets[ai].id);
			else
				mk_json_null(&o.j);
			mk_json_end_object(&o.j);
		}
		total++;
	}
	list_end(&o.j, total, &pg);
	mk_web_out_reply(&o, p, 200);
}

/* ---- alerts ---- */

static void api_alerts(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s)
{
	const char *asset = opt_str(q, "asset"), *type = opt_str(q, "type");
	const struct mk_asset_rec *a = NULL;
	struct page pg;
	struct mk_web_out o;
	size_t total = 0;
	int sev, status;

	if (arg_page(q, &pg) != 0 || opt_enum(q, "severity", mk_severity_from_name, &sev) != 0 ||
	    opt_enum(q, "status", mk_alert_status_from_name, &status) != 0) {
		mk_web_error(p, 400, "bad_parameter");
		return;
	}
	if (!asset_filter(s, asset, &a, p))
		return;
	if (mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	list_begin(&o.j);
	for (size_t k = 0; k < s->r.n_alerts; k++) {
		const struct mk_alert_rec *al = &s->r.alerts[s->alerts_recent[k]];

		if (sev >= 0 && al->severity != sev)
			continue;
		if (status >= 0 && al->status != status)
			continue;
		if (type != NULL && strncmp(al->type, type, sizeof(al->type)) != 0)
			continue;
		if (a != NULL && !asset_has_addr(a, &al->client) && !asset_has_addr(a, &al->server))
			continue;
		if (total >= pg.offset && total < pg.offset + pg.limit)
			mk_report_json_alert(&o.j, &s->r, s->ix, al, NULL);
		total++;
	}
	list_end(&o.j, total, &pg);
	mk_web_out_reply(&o, p, 200);
}

static const struct mk_alert_rec *alert_by_id(const struct mk_web_snap *s, const char *id)
{
	for (size_t i = 0; i < s->r.n_alerts; i++)
		if (strncmp(s->r.alerts[i].id, id, sizeof(s->r.alerts[i].id)) == 0)
			return &s->r.alerts[i];
	return NULL;
}

static void api_alert(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s,
                      const char *id, const struct mk_baseline_item *taught)
{
	const struct mk_alert_rec *a = alert_by_id(s, id);
	struct mk_web_out o;

	if (a == NULL) {
		mk_web_error(p, 404, "not_found");
		return;
	}
	if (mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	mk_report_json_alert(&o.j, &s->r, s->ix, a, NULL);
	if (taught != NULL) {
		reopen_object(&o.j);
		mk_json_key(&o.j, "taught");
		mk_json_begin_object(&o.j);
		mk_json_key(&o.j, "kind");
		mk_json_string(&o.j, mk_baseline_kind_name(taught->kind));
		mk_json_key(&o.j, "key");
		mk_json_string(&o.j, taught->key);
		mk_json_end_object(&o.j);
		mk_json_end_object(&o.j);
	}
	mk_web_out_reply(&o, p, 200);
}

static void api_alert_status(struct mk_web_req *q, struct mk_web_reply *p,
                             struct mk_web_snap **sp, const char *id)
{
	struct mk_web_kv kv[MK_WEB_JSON_MAX_MEMBERS];
	const struct mk_web_kv *st, *note;
	struct mk_baseline_item item;
	int nkv, status, found, taught = 0;

	if (q->role != MK_WEB_ADMIN) {
		mk_web_error(p, 403, "forbidden");
		return;
	}
	if ((nkv = mk_web_json_parse(q->body, q->body_len, kv, MK_WEB_JSON_MAX_MEMBERS)) < 0) {
		mk_web_error(p, 400, "bad_json");
		return;
	}
	st = mk_web_json_get(kv, (size_t)nkv, "status");
	note = mk_web_json_get(kv, (size_t)nkv, "note");
	if (st == NULL || st->value == NULL || (status = mk_alert_status_from_name(st->value)) < 0) {
		mk_web_json_free(kv, (size_t)nkv);
		mk_web_error(p, 400, "bad_status");
		return;
	}
	if (note != NULL && note->value != NULL && !valid_text(note->value, 500)) {
		mk_web_json_free(kv, (size_t)nkv);
		mk_web_error(p, 400, "bad_field");
		return;
	}
	pthread_mutex_lock(&q->w->write_lock);
	found = mk_store_sqlite.set_alert_status(q->w->wst, id, (unsigned)status,
	                                         note != NULL && note->value != NULL ? note->value
	                                                                             : "");
	/* accepting teaches the baseline, exactly as `mieruka alerts accept` */
	if (found == 1 && status == MK_ALERT_ACCEPTED)
		taught = mk_alert_teach(q->w->wst, id, &item);
	if (found < 0 || taught < 0)
		mk_error("%s", mk_store_sqlite.error(q->w->wst));
	pthread_mutex_unlock(&q->w->write_lock);
	mk_web_json_free(kv, (size_t)nkv);
	if (found < 0 || taught < 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	if (found == 0) {
		mk_web_error(p, 404, "not_found");
		return;
	}
	if (!mk_web_snap_refresh(q, p, sp))
		return;
	api_alert(q, p, *sp, id, taught == 1 ? &item : NULL);
}

/* ---- overview ---- */

static int new_cmp(const void *x, const void *y, void *arg)
{
	const struct mk_asset_rec *as = arg;
	const struct mk_asset_rec *a = &as[*(const size_t *)x], *b = &as[*(const size_t *)y];

	if (a->first_ns != b->first_ns)
		return a->first_ns < b->first_ns ? 1 : -1;
	return strncmp(a->id, b->id, sizeof(a->id));
}

static void next_action(struct mk_json *j, const char *key, uint64_t n, const char *href)
{
	const char *names[] = {"n"};
	char num[24], buf[512];
	const char *values[] = {num};

	snprintf(num, sizeof(num), "%llu", (unsigned long long)n);
	mk_json_begin_object(j);
	mk_json_key(j, "title");
	mk_json_begin_object(j);
	mk_json_key(j, "ja");
	mk_detect_render(buf, sizeof(buf), mk_msg_lang(key, MK_LANG_JA), names, values, 1);
	mk_json_string(j, buf);
	mk_json_key(j, "en");
	mk_detect_render(buf, sizeof(buf), mk_msg_lang(key, MK_LANG_EN), names, values, 1);
	mk_json_string(j, buf);
	mk_json_end_object(j);
	mk_json_key(j, "href");
	mk_json_string(j, href);
	mk_json_end_object(j);
}

/* The last 7 days of the traffic held (by hour, ending at the newest hour),
 * from the first hour with data in them, hours without packets as zeros so
 * the chart's axis is time: at most 168 objects. */
static void overview_traffic(struct mk_json *j, const struct mk_report *r)
{
	const uint64_t span = 7 * 24 * MK_TRAFFIC_HOUR_NS;
	size_t i = r->n_traffic;

	mk_json_begin_array(j);
	if (r->n_traffic > 0) {
		uint64_t last = r->traffic[r->n_traffic - 1].hour_ns;
		uint64_t from = last >= span ? last - span + MK_TRAFFIC_HOUR_NS : 0;

		while (i > 0 && r->traffic[i - 1].hour_ns >= from)
			i--;
		/* Each step writes a zero hour towards the next record or the
		 * record itself: at most 168 + n_traffic steps. */
		for (uint64_t h = r->traffic[i].hour_ns; i < r->n_traffic;) {
			struct mk_traffic_rec zero = {h, 0, 0};

			if (r->traffic[i].hour_ns > h) {
				mk_report_json_traffic(j, &zero);
				h += MK_TRAFFIC_HOUR_NS;
			} else {
				h = r->traffic[i].hour_ns + MK_TRAFFIC_HOUR_NS;
				mk_report_json_traffic(j, &r->traffic[i++]);
			}
		}
	}
	mk_json_end_array(j);
}

static void api_overview(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s)
{
	const struct mk_report *r = &s->r;
	uint64_t roles[MK_ROLE_COUNT + 1] = {0}, sev[MK_SEV_COUNT] = {0}, open = 0, urgent = 0;
	struct mk_web_out o;
	size_t *idx = malloc((r->n_assets + 1) * sizeof(size_t)), nz = r->zones != NULL ? mk_zones_count(r->zones) : 0;
	uint64_t *zone_n = calloc(nz + 1, sizeof(uint64_t));

	if (idx == NULL || zone_n == NULL || mk_web_out_open(&o) != 0) {
		free(idx);
		free(zone_n);
		mk_web_error(p, 500, "internal");
		return;
	}
	for (size_t i = 0; i < r->n_assets; i++) {
		const struct mk_asset_rec *a = &r->assets[i];
		int z = r->asset_zone != NULL ? r->asset_zone[i] : -1;

		roles[a->n_roles > 0 && a->roles[0].role < MK_ROLE_COUNT ? a->roles[0].role
		                                                          : MK_ROLE_COUNT]++;
		zone_n[z >= 0 && (size_t)z < nz ? (size_t)z : nz]++;
		idx[i] = i;
	}
	for (size_t i = 0; i < r->n_alerts; i++)
		if (r->alerts[i].status == MK_ALERT_OPEN && r->alerts[i].severity < MK_SEV_COUNT) {
			sev[r->alerts[i].severity]++;
			open++;
			if (r->alerts[i].severity >= MK_SEV_HIGH)
				urgent++;
		}
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "assets");
	mk_json_uint(&o.j, r->n_assets);
	mk_json_key(&o.j, "assets_by_role");
	mk_json_begin_object(&o.j);
	for (unsigned k = 0; k < MK_ROLE_COUNT; k++)
		if (roles[k] > 0 && k != MK_ROLE_UNKNOWN) {
			mk_json_key(&o.j, mk_role_name(k));
			mk_json_uint(&o.j, roles[k]);
		}
	if (roles[MK_ROLE_COUNT] + roles[MK_ROLE_UNKNOWN] > 0) {
		mk_json_key(&o.j, "unknown");
		mk_json_uint(&o.j, roles[MK_ROLE_COUNT] + roles[MK_ROLE_UNKNOWN]);
	}
	mk_json_end_object(&o.j);
	mk_json_key(&o.j, "assets_by_zone");
	mk_json_begin_object(&o.j);
	for (size_t z = 0; z < nz; z++) {
		mk_json_key(&o.j, mk_zones_name(r->zones, z));
		mk_json_uint(&o.j, zone_n[z]);
	}
	if (zone_n[nz] > 0) {
		mk_json_key(&o.j, "");
		mk_json_uint(&o.j, zone_n[nz]);
	}
	mk_json_end_object(&o.j);
	qsort_r(idx, r->n_assets, sizeof(size_t), new_cmp, (void *)r->assets);
	mk_json_key(&o.j, "new_assets");
	mk_json_begin_array(&o.j);
	for (size_t k = 0; k < r->n_assets && k < 10; k++)
		json_asset_full(&o.j, s, idx[k], false, q);
	mk_json_end_array(&o.j);
	mk_json_key(&o.j, "alerts_by_severity");
	mk_json_begin_object(&o.j);
	for (unsigned k = MK_SEV_COUNT; k-- > 0;) {
		mk_json_key(&o.j, mk_severity_name(k));
		mk_json_uint(&o.j, sev[k]);
	}
	mk_json_end_object(&o.j);
	mk_json_key(&o.j, "alerts_open");
	mk_json_uint(&o.j, open);
	mk_json_key(&o.j, "traffic");
	overview_traffic(&o.j, r);
	mk_json_key(&o.j, "next_actions");
	mk_json_begin_array(&o.j);
	if (urgent > 0)
		next_action(&o.j, "web.next.urgent", urgent, "/alerts?status=open");
	else if (open > 0)
		next_action(&o.j, "web.next.alerts", open, "/alerts?status=open");
	if (r->baseline.state == MK_BASELINE_LEARNING)
		next_action(&o.j, "web.next.learning", 0, "/changes");
	if (nz == 0 && r->n_assets > 0)
		next_action(&o.j, "web.next.zones", 0, "/zones");
	mk_json_end_array(&o.j);
	mk_json_key(&o.j, "captures");
	mk_json_uint(&o.j, r->n_captures);
	mk_json_key(&o.j, "baseline");
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "state");
	mk_json_string(&o.j, mk_baseline_state_name(r->baseline.state));
	mk_json_key(&o.j, "learn_start");
	if (r->baseline.learn_start_ns != 0)
		mk_json_time(&o.j, r->baseline.learn_start_ns);
	else
		mk_json_null(&o.j);
	mk_json_key(&o.j, "learn_end");
	if (r->baseline.learn_end_ns != 0)
		mk_json_time(&o.j, r->baseline.learn_end_ns);
	else
		mk_json_null(&o.j);
	mk_json_key(&o.j, "items");
	mk_json_uint(&o.j, r->n_baseline_items);
	mk_json_end_object(&o.j);
	mk_json_end_object(&o.j);
	free(idx);
	free(zone_n);
	mk_web_out_reply(&o, p, 200);
}

/* ---- change ledger, maintenance windows ---- */

static void api_changes(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s)
{
	const char *asset = opt_str(q, "asset");
	const struct mk_asset_rec *a = NULL;
	struct page pg;
	struct mk_web_out o;
	size_t total = 0;

	if (arg_page(q, &pg) != 0) {
		mk_web_error(p, 400, "bad_parameter");
		return;
	}
	if (!asset_filter(s, asset, &a, p))
		return;
	if (mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	list_begin(&o.j);
	/* most recent first, like the alerts */
	for (size_t k = s->r.n_changes; k-- > 0;) {
		const struct mk_change_rec *c = &s->r.changes[k];

		if (a != NULL && !asset_has_addr(a, &c->client) && !asset_has_addr(a, &c->server))
			continue;
		if (total >= pg.offset && total < pg.offset + pg.limit)
			mk_report_json_change(&o.j, &s->r, s->ix, c);
		total++;
	}
	list_end(&o.j, total, &pg);
	mk_web_out_reply(&o, p, 200);
}

/* {"items": [...]} of every record of a list the snapshot holds whole
 * (maintenance windows, captures: a handful, no paging). */
static void whole_list(struct mk_web_reply *p, const struct mk_report *r, size_t n,
                       void (*one)(struct mk_json *j, const struct mk_report *r, size_t i))
{
	struct mk_web_out o;

	if (mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "items");
	mk_json_begin_array(&o.j);
	for (size_t i = 0; i < n; i++)
		one(&o.j, r, i);
	mk_json_end_array(&o.j);
	mk_json_end_object(&o.j);
	mk_web_out_reply(&o, p, 200);
}

static void window_json(struct mk_json *j, const struct mk_report *r, size_t i)
{
	mk_report_json_window(j, &r->windows[i]);
}

static void api_windows(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s)
{
	whole_list(p, &s->r, s->r.n_windows, window_json);
}

/* ---- captures, zones ---- */

static void capture_json(struct mk_json *j, const struct mk_report *r, size_t i)
{
	mk_report_json_capture(j, &r->captures[i]);
}

static void api_captures(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s)
{
	whole_list(p, &s->r, s->r.n_captures, capture_json);
}

void mk_web_api_zones(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s)
{
	const struct mk_report *r = &s->r;
	size_t nz = r->zones != NULL ? mk_zones_count(r->zones) : 0;
	struct mk_web_out o;

	if (mk_web_out_open(&o) != 0) {
		mk_web_error(p, 500, "internal");
		return;
	}
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "zones");
	mk_json_begin_array(&o.j);
	for (size_t z = 0; z < nz; z++) {
		uint64_t n = 0;

		for (size_t i = 0; i < r->n_assets; i++)
			n += r->asset_zone != NULL && r->asset_zone[i] == (int)z;
		mk_json_begin_object(&o.j);
		mk_json_key(&o.j, "id");
		mk_json_string(&o.j, mk_zones_id(r->zones, z));
		mk_json_key(&o.j, "name");
		mk_json_string(&o.j, mk_zones_name(r->zones, z));
		mk_json_key(&o.j, "assets");
		mk_json_uint(&o.j, n);
		mk_json_end_object(&o.j);
	}
	mk_json_end_array(&o.j);
	mk_web_zones_texts(&o.j, r);
	mk_json_end_object(&o.j);
	mk_web_out_reply(&o, p, 200);
}

/* ---- routing ---- */

static bool is(const struct mk_web_req *q, const char *m)
{
	return strcmp(q->method, m) == 0;
}

/* "assets/ID" -> ID when the rest has no further '/' (rest: after prefix). */
static const char *segment(const char *path, const char *prefix, char *out, size_t len,
                           const char **rest)
{
	size_t n = strlen(prefix), k;
	const char *slash;

	if (strncmp(path, prefix, n) != 0 || path[n] == '\0')
		return NULL;
	slash = strchr(path + n, '/');
	k = slash != NULL ? (size_t)(slash - path - n) : strlen(path + n);
	if (k == 0 || k >= len)
		return NULL;
	memcpy(out, path + n, k);
	out[k] = '\0';
	*rest = slash != NULL ? slash : "";
	return out;
}

void mk_web_api(struct mk_web_req *q, struct mk_web_reply *p, const char *path)
{
	struct mk_web_snap *s = mk_web_snap_get(q->w);
	char id[160];
	const char *rest;

	if (s == NULL) {
		mk_web_error(p, 503, "unavailable");
		return;
	}
	if (strcmp(path, "assets") == 0 && is(q, "GET"))
		api_assets(q, p, s);
	else if (segment(path, "assets/", id, sizeof(id), &rest) != NULL && rest[0] == '\0' &&
	         is(q, "GET"))
		api_asset(q, p, s, id);
	else if (segment(path, "assets/", id, sizeof(id), &rest) != NULL && rest[0] == '\0' &&
	         is(q, "PATCH"))
		api_asset_patch(q, p, &s, id);
	else if (strcmp(path, "communications") == 0 && is(q, "GET"))
		api_comms(q, p, s);
	else if (strcmp(path, "alerts") == 0 && is(q, "GET"))
		api_alerts(q, p, s);
	else if (segment(path, "alerts/", id, sizeof(id), &rest) != NULL && rest[0] == '\0' &&
	         is(q, "GET"))
		api_alert(q, p, s, id, NULL);
	else if (segment(path, "alerts/", id, sizeof(id), &rest) != NULL &&
	         strcmp(rest, "/status") == 0 && is(q, "POST"))
		api_alert_status(q, p, &s, id);
	else if (strcmp(path, "overview") == 0 && is(q, "GET"))
		api_overview(q, p, s);
	else if (strcmp(path, "map") == 0 && is(q, "GET"))
		mk_web_api_map(q, p, s);
	else if (strcmp(path, "changes") == 0 && is(q, "GET"))
		api_changes(q, p, s);
	else if (strcmp(path, "maintenance") == 0 && is(q, "GET"))
		api_windows(q, p, s);
	else if (strcmp(path, "captures") == 0 && is(q, "GET"))
		api_captures(q, p, s);
	else if (strcmp(path, "zones") == 0 && is(q, "GET"))
		mk_web_api_zones(q, p, s);
	else if (segment(path, "captures/jobs/", id, sizeof(id), &rest) != NULL && rest[0] == '\0' &&
	         is(q, "GET"))
		mk_web_api_job(q, p, id);
	else if (strcmp(path, "maintenance") == 0 && is(q, "POST"))
		mk_web_api_window_add(q, p);
	else if (segment(path, "maintenance/", id, sizeof(id), &rest) != NULL && rest[0] == '\0' &&
	         is(q, "DELETE"))
		mk_web_api_window_delete(q, p, id);
	else if (strcmp(path, "zones") == 0 && is(q, "PUT"))
		mk_web_api_zones_put(q, p, &s);
	else if (strcmp(path, "users") == 0 && is(q, "GET"))
		mk_web_api_users(q, p);
	else if (strcmp(path, "users") == 0 && is(q, "POST"))
		mk_web_api_user_add(q, p);
	else if (strcmp(path, "password") == 0 && is(q, "POST"))
		mk_web_api_password(q, p);
	else if (strncmp(path, "assessment", 10) == 0 && (path[10] == '\0' || path[10] == '/'))
		mk_web_api_assess(q, p, &s, path + 10);
	else
		mk_web_error(p, 404, "not_found");
	mk_web_snap_put(q->w, s);
}

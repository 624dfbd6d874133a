/* map.c - GET /api/v1/map (docs/API.md): devices and the conversations between
 * them, edges merged per device pair. */
#include "web/web_int.h"

#include <stdlib.h>
#include <string.h>

#define MAP_EDGES_MAX 5000

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

/* The asset holding address a: true with *i set. */
static bool asset_of(const struct mk_web_snap *s, const struct mk_addr *a, size_t *i)
{
	*i = mk_report_asset_of(s->ix, a);
	return *i != (size_t)-1;
}

/* ---- map ---- */

struct edge {
	size_t c, s;
	struct mk_proto_set protos;
	uint64_t packets, bytes;
	bool industrial;
};

static int edge_key_cmp(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;

	if (a->c != b->c)
		return (a->c > b->c) - (a->c < b->c);
	return (a->s > b->s) - (a->s < b->s);
}

static int edge_weight_cmp(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;

	if (a->industrial != b->industrial)
		return a->industrial ? -1 : 1;
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return edge_key_cmp(x, y);
}

static bool is_industrial(const struct mk_web *w, unsigned proto)
{
	for (size_t i = 0; i < w->n_industrial; i++)
		if (w->industrial[i] == proto)
			return true;
	return false;
}

void mk_web_api_map(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s)
{
	const struct mk_report *r = &s->r;
	struct edge *e = malloc((r->n_convs + 1) * sizeof(*e));
	size_t ne = 0, nu = 0;
	struct mk_web_out o;
	char buf[MK_ADDR_STRLEN];

	if (e == NULL || mk_web_out_open(&o) != 0) {
		free(e);
		mk_web_error(p, 500, "internal");
		return;
	}
	for (size_t i = 0; i < r->n_convs; i++) {
		size_t c, sv;

		if (!asset_of(s, &r->convs[i].client, &c) ||
		    !asset_of(s, &r->convs[i].server, &sv) || c == sv)
			continue;
		memset(&e[ne], 0, sizeof(e[ne]));
		e[ne].c = c;
		e[ne].s = sv;
		mk_proto_set_add(&e[ne].protos, r->convs[i].proto);
		e[ne].packets = r->convs[i].packets;
		e[ne].bytes = r->convs[i].bytes;
		e[ne].industrial = is_industrial(q->w, r->convs[i].proto);
		ne++;
	}
	if (ne > 0)
		qsort(e, ne, sizeof(*e), edge_key_cmp);
	for (size_t i = 0; i < ne; i++) {
		if (nu > 0 && e[nu - 1].c == e[i].c && e[nu - 1].s == e[i].s) {
			struct edge *d = &e[nu - 1];

			for (unsigned id = 0; id < MK_PROTO_COUNT; id++)
				if (mk_proto_set_has(&e[i].protos, id))
					mk_proto_set_add(&d->protos, id);
			d->packets += e[i].packets;
			d->bytes += e[i].bytes;
			d->industrial = d->industrial || e[i].industrial;
		} else {
			e[nu++] = e[i];
		}
	}
	if (nu > MAP_EDGES_MAX)
		qsort(e, nu, sizeof(*e), edge_weight_cmp);
	mk_json_begin_object(&o.j);
	mk_json_key(&o.j, "nodes");
	mk_json_begin_array(&o.j);
	for (size_t i = 0; i < r->n_assets; i++) {
		const struct mk_asset_rec *a = &r->assets[i];
		const struct mk_asset_note *n = note_of(s, a->id);
		const char *zid, *zname, *label = NULL;

		if (n != NULL && n->name != NULL)
			label = n->name;
		else if (a->n_names > 0)
			label = a->names[0].name;
		else if (a->n_ips > 0)
			label = mk_addr_str(&a->ips[0], buf);
		else
			label = a->id;
		mk_json_begin_object(&o.j);
		mk_json_key(&o.j, "id");
		mk_json_string(&o.j, a->id);
		mk_json_key(&o.j, "label");
		mk_json_string(&o.j, label);
		mk_json_key(&o.j, "role");
		mk_json_string(&o.j, a->n_roles > 0 ? mk_role_name(a->roles[0].role) : "unknown");
		mk_json_key(&o.j, "zone");
		if (mk_report_asset_zone(r, i, &zid, &zname))
			mk_json_string(&o.j, zname);
		else
			mk_json_null(&o.j);
		mk_json_key(&o.j, "vendor");
		mk_json_string(&o.j, a->vendor);
		mk_json_key(&o.j, "ips");
		mk_json_begin_array(&o.j);
		for (size_t k = 0; k < a->n_ips; k++)
			mk_json_string(&o.j, mk_addr_str(&a->ips[k], buf));
		mk_json_end_array(&o.j);
		mk_json_end_object(&o.j);
	}
	mk_json_end_array(&o.j);
	mk_json_key(&o.j, "edges");
	mk_json_begin_array(&o.j);
	for (size_t i = 0; i < nu && i < MAP_EDGES_MAX; i++) {
		mk_json_begin_object(&o.j);
		mk_json_key(&o.j, "source");
		mk_json_string(&o.j, r->assets[e[i].c].id);
		mk_json_key(&o.j, "target");
		mk_json_string(&o.j, r->assets[e[i].s].id);
		mk_json_key(&o.j, "protocols");
		mk_json_begin_array(&o.j);
		for (unsigned id = 0; id < MK_PROTO_COUNT; id++)
			if (mk_proto_set_has(&e[i].protos, id))
				mk_json_string(&o.j, mk_proto_id_name(id));
		mk_json_end_array(&o.j);
		mk_json_key(&o.j, "industrial");
		mk_json_bool(&o.j, e[i].industrial);
		mk_json_key(&o.j, "packets");
		mk_json_uint(&o.j, e[i].packets);
		mk_json_key(&o.j, "bytes");
		mk_json_uint(&o.j, e[i].bytes);
		mk_json_end_object(&o.j);
	}
	mk_json_end_array(&o.j);
	mk_json_key(&o.j, "truncated");
	mk_json_bool(&o.j, nu > MAP_EDGES_MAX);
	mk_json_end_object(&o.j);
	free(e);
	mk_web_out_reply(&o, p, 200);
}

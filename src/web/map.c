/* map.c - GET /api/v1/map (docs/API.md): devices, groups of devices and the
 * conversations between them.
 *
 * The map is worked out once per database snapshot, on the first map request
 * (struct mk_web_map, kept in the snapshot and freed with it): device edges
 * (conversations merged per client/server asset pair) with an adjacency index,
 * the groupings by zone and by subnet with their group-to-group edges, and the
 * bytes of the three common responses (the flat map, ?group=zone and
 * ?group=subnet), which later requests copy out as they are.  Only requests
 * that expand groups do work per request, in the edges of the expanded
 * devices.
 *
 * Groups: by zone (a zone with more than MAP_GROUP_THRESHOLD devices, or the
 * devices in no zone when there are that many, is split by subnet) or by
 * subnet (IPv4 /24, else IPv6 /64, else "l2": MAC only).  Maps with more than
 * MAP_GROUP_THRESHOLD devices answer collapsed groups; smaller ones come with
 * every group expanded. */
#include "web/web_int.h"

#include <stdlib.h>
#include <string.h>

#include "mieruka/facts.h"
#include "mieruka/zones.h"

#define MAP_EDGES_MAX 5000
/* Above this many devices a grouped map starts collapsed: what a browser draws
 * readably (and quickly) as single nodes; also the largest zone kept whole. */
#define MAP_GROUP_THRESHOLD 300
#define MAP_GROUP_ID_LEN 200
#define MAP_EXPAND_MAX 64 /* groups per ?expand= */

enum { BY_ZONE, BY_SUBNET, BY_COUNT };
static const char *const by_name[BY_COUNT] = {"zone", "subnet"};

/* An edge between two units: a device (index < n_assets) or a collapsed group
 * (n_assets + group index). */
struct map_edge {
	uint32_t c, s;
	struct mk_proto_set protos;
	uint64_t packets, bytes;
	bool industrial;
};

struct map_group {
	char id[MAP_GROUP_ID_LEN];
	const char *zone;  /* zone name, NULL: no zone or grouped by subnet */
	char subnet[64];   /* "10.1.3.0/24", "l2", "" when grouped by zone only */
	size_t first, n;   /* members[first .. first + n) */
	uint64_t roles[MK_ROLE_COUNT + 1];
	bool industrial;
};

struct map_grouping {
	struct map_group *groups; /* by id */
	size_t n_groups;
	uint32_t *group_of; /* per asset */
	uint32_t *members;  /* asset indexes, group by group, each group by asset index */
	struct map_edge *gedges; /* group-to-group (both collapsed) */
	size_t n_gedges;
	char *cached; /* the response without ?expand= */
	size_t cached_len;
};

struct mk_web_map {
	size_t n_assets;
	struct map_edge *edges; /* device pairs, by (c, s) */
	size_t n_edges;
	uint32_t *adj_off, *adj; /* edges of asset i: adj[adj_off[i] .. adj_off[i + 1]) */
	char *flat;
	size_t flat_len;
	struct map_grouping by[BY_COUNT];
};

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

static int edge_key_cmp(const void *x, const void *y)
{
	const struct map_edge *a = x, *b = y;

	if (a->c != b->c)
		return (a->c > b->c) - (a->c < b->c);
	return (a->s > b->s) - (a->s < b->s);
}

static int edge_weight_cmp(const void *x, const void *y)
{
	const struct map_edge *a = x, *b = y;

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

static void edge_merge_into(struct map_edge *d, const struct map_edge *e)
{
	for (size_t k = 0; k < MK_PROTO_SET_WORDS; k++)
		d->protos.bits[k] |= e->protos.bits[k];
	d->packets += e->packets;
	d->bytes += e->bytes;
	d->industrial = d->industrial || e->industrial;
}

/* Sorts e by key and merges equal keys: the new count. */
static size_t edges_merge(struct map_edge *e, size_t n)
{
	size_t nu = 0;

	if (n > 1)
		qsort(e, n, sizeof(*e), edge_key_cmp);
	for (size_t i = 0; i < n; i++) {
		if (nu > 0 && e[nu - 1].c == e[i].c && e[nu - 1].s == e[i].s)
			edge_merge_into(&e[nu - 1], &e[i]);
		else
			e[nu++] = e[i];
	}
	return nu;
}

/* ---- writing ---- */

static void json_device(struct mk_json *j, const struct mk_web_snap *s, size_t i,
                        const char *group)
{
	const struct mk_report *r = &s->r;
	const struct mk_asset_rec *a = &r->assets[i];
	const struct mk_asset_note *n = note_of(s, a->id);
	const char *zid, *zname, *label;
	char buf[MK_ADDR_STRLEN];

	if (n != NULL && n->name != NULL)
		label = n->name;
	else if (a->n_names > 0)
		label = a->names[0].name;
	else if (a->n_ips > 0)
		label = mk_addr_str(&a->ips[0], buf);
	else
		label = a->id;
	mk_json_begin_object(j);
	mk_json_key(j, "id");
	mk_json_string(j, a->id);
	mk_json_key(j, "label");
	mk_json_string(j, label);
	mk_json_key(j, "role");
	mk_json_string(j, a->n_roles > 0 ? mk_role_name(a->roles[0].role) : "unknown");
	mk_json_key(j, "zone");
	if (mk_report_asset_zone(r, i, &zid, &zname))
		mk_json_string(j, zname);
	else
		mk_json_null(j);
	mk_json_key(j, "vendor");
	mk_json_string(j, a->vendor);
	mk_json_key(j, "ips");
	mk_json_begin_array(j);
	for (size_t k = 0; k < a->n_ips; k++)
		mk_json_string(j, mk_addr_str(&a->ips[k], buf));
	mk_json_end_array(j);
	if (group != NULL) {
		mk_json_key(j, "group");
		mk_json_string(j, group);
	}
	mk_json_end_object(j);
}

/* The id of a unit: a device's asset id or a group's id. */
static const char *unit_id(const struct mk_web_snap *s, const struct mk_web_map *m,
                           const struct map_grouping *g, uint32_t u)
{
	return u < m->n_assets ? s->r.assets[u].id : g->groups[u - m->n_assets].id;
}

static void json_edges(struct mk_json *j, const struct mk_web_snap *s, const struct mk_web_map *m,
                       const struct map_grouping *g, const struct map_edge *e, size_t n)
{
	mk_json_key(j, "edges");
	mk_json_begin_array(j);
	for (size_t i = 0; i < n && i < MAP_EDGES_MAX; i++) {
		mk_json_begin_object(j);
		mk_json_key(j, "source");
		mk_json_string(j, unit_id(s, m, g, e[i].c));
		mk_json_key(j, "target");
		mk_json_string(j, unit_id(s, m, g, e[i].s));
		mk_json_key(j, "protocols");
		mk_json_begin_array(j);
		for (unsigned id = 0; id < MK_PROTO_COUNT; id++)
			if (mk_proto_set_has(&e[i].protos, id))
				mk_json_string(j, mk_proto_id_name(id));
		mk_json_end_array(j);
		mk_json_key(j, "industrial");
		mk_json_bool(j, e[i].industrial);
		mk_json_key(j, "packets");
		mk_json_uint(j, e[i].packets);
		mk_json_key(j, "bytes");
		mk_json_uint(j, e[i].bytes);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "truncated");
	mk_json_bool(j, n > MAP_EDGES_MAX);
}

/* The flat map: every device, device edges (heaviest first when truncated). */
static int write_flat(struct mk_json *j, const struct mk_web_snap *s, const struct mk_web_map *m)
{
	struct map_edge *e = NULL;
	size_t n = m->n_edges;

	if (n > MAP_EDGES_MAX) {
		if ((e = malloc(n * sizeof(*e))) == NULL)
			return -1;
		memcpy(e, m->edges, n * sizeof(*e));
		qsort(e, n, sizeof(*e), edge_weight_cmp);
	}
	mk_json_begin_object(j);
	mk_json_key(j, "nodes");
	mk_json_begin_array(j);
	for (size_t i = 0; i < s->r.n_assets; i++)
		json_device(j, s, i, NULL);
	mk_json_end_array(j);
	json_edges(j, s, m, NULL, e != NULL ? e : m->edges, n);
	mk_json_end_object(j);
	free(e);
	return 0;
}

/* A grouped map where the groups flagged in expanded (all of them when NULL
 * and the map is small) show their devices. */
static int write_grouped(struct mk_json *j, const struct mk_web_snap *s,
                         const struct mk_web_map *m, int by, const bool *expanded)
{
	const struct map_grouping *g = &m->by[by];
	bool all = m->n_assets <= MAP_GROUP_THRESHOLD;
	struct map_edge *e;
	size_t ne = 0, cap = g->n_gedges + 1;

#define EXPANDED(gi) (all || (expanded != NULL && expanded[gi]))
	for (size_t gi = 0; gi < g->n_groups; gi++)
		if (EXPANDED(gi))
			for (size_t k = g->groups[gi].first; k < g->groups[gi].first + g->groups[gi].n; k++) {
				uint32_t a = g->members[k];

				cap += m->adj_off[a + 1] - m->adj_off[a];
			}
	if ((e = malloc(cap * sizeof(*e))) == NULL)
		return -1;
	/* edges between collapsed groups: as worked out at build time */
	for (size_t i = 0; i < g->n_gedges; i++) {
		uint32_t gc = g->gedges[i].c - (uint32_t)m->n_assets,
		         gs = g->gedges[i].s - (uint32_t)m->n_assets;

		if (!EXPANDED(gc) && !EXPANDED(gs))
			e[ne++] = g->gedges[i];
	}
	/* edges of expanded devices: each device edge once, its far end a device
	 * when that end's group is expanded too, else that group */
	{
		size_t first = ne;

		for (size_t gi = 0; gi < g->n_groups; gi++) {
			if (!EXPANDED(gi))
				continue;
			for (size_t k = g->groups[gi].first; k < g->groups[gi].first + g->groups[gi].n;
			     k++) {
				uint32_t a = g->members[k];

				for (uint32_t x = m->adj_off[a]; x < m->adj_off[a + 1]; x++) {
					const struct map_edge *d = &m->edges[m->adj[x]];
					uint32_t gc = g->group_of[d->c], gs = g->group_of[d->s];
					bool ec = EXPANDED(gc), es = EXPANDED(gs);

					/* an edge between two expanded devices: once, from its client */
					if (ec && es && d->c != a)
						continue;
					e[ne] = *d;
					if (!ec)
						e[ne].c = (uint32_t)m->n_assets + gc;
					if (!es)
						e[ne].s = (uint32_t)m->n_assets + gs;
					ne++;
				}
			}
		}
		ne = first + edges_merge(e + first, ne - first);
	}
	if (ne > 1)
		qsort(e, ne, sizeof(*e), edge_weight_cmp);

	mk_json_begin_object(j);
	mk_json_key(j, "group_by");
	mk_json_string(j, by_name[by]);
	mk_json_key(j, "grouped");
	mk_json_bool(j, !all);
	mk_json_key(j, "threshold");
	mk_json_uint(j, MAP_GROUP_THRESHOLD);
	mk_json_key(j, "devices");
	mk_json_uint(j, m->n_assets);
	mk_json_key(j, "groups");
	mk_json_begin_array(j);
	for (size_t gi = 0; gi < g->n_groups; gi++) {
		const struct map_group *gr = &g->groups[gi];

		mk_json_begin_object(j);
		mk_json_key(j, "id");
		mk_json_string(j, gr->id);
		mk_json_key(j, "label");
		if (gr->zone != NULL && gr->subnet[0] != '\0') {
			char label[MK_ZONE_NAME_LEN + 80];

			snprintf(label, sizeof(label), "%s · %s", gr->zone, gr->subnet);
			mk_json_string(j, label);
		} else if (gr->zone != NULL) {
			mk_json_string(j, gr->zone);
		} else if (gr->subnet[0] != '\0' && strcmp(gr->subnet, "l2") != 0) {
			mk_json_string(j, gr->subnet);
		} else {
			mk_json_null(j); /* no zone, or no IP address: the UI names it */
		}
		mk_json_key(j, "zone");
		mk_json_string(j, gr->zone);
		mk_json_key(j, "subnet");
		mk_json_string(j, gr->subnet[0] != '\0' ? gr->subnet : NULL);
		mk_json_key(j, "devices");
		mk_json_uint(j, gr->n);
		mk_json_key(j, "roles");
		mk_json_begin_object(j);
		for (unsigned k = 0; k < MK_ROLE_COUNT; k++)
			if (gr->roles[k] > 0 && k != MK_ROLE_UNKNOWN) {
				mk_json_key(j, mk_role_name(k));
				mk_json_uint(j, gr->roles[k]);
			}
		if (gr->roles[MK_ROLE_COUNT] + gr->roles[MK_ROLE_UNKNOWN] > 0) {
			mk_json_key(j, "unknown");
			mk_json_uint(j, gr->roles[MK_ROLE_COUNT] + gr->roles[MK_ROLE_UNKNOWN]);
		}
		mk_json_end_object(j);
		mk_json_key(j, "industrial");
		mk_json_bool(j, gr->industrial);
		mk_json_key(j, "expanded");
		mk_json_bool(j, EXPANDED(gi));
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	mk_json_key(j, "nodes");
	mk_json_begin_array(j);
	for (size_t gi = 0; gi < g->n_groups; gi++)
		if (EXPANDED(gi))
			for (size_t k = g->groups[gi].first; k < g->groups[gi].first + g->groups[gi].n; k++)
				json_device(j, s, g->members[k], g->groups[gi].id);
	mk_json_end_array(j);
	json_edges(j, s, m, g, e, ne);
	mk_json_end_object(j);
#undef EXPANDED
	free(e);
	return 0;
}

/* Runs a writer into a malloc'd buffer: 0, or -1. */
static int render(char **out, size_t *len, const struct mk_web_snap *s, const struct mk_web_map *m,
                  int by, const bool *expanded)
{
	struct mk_json j;
	FILE *f = open_memstream(out, len);
	int rc;

	if (f == NULL)
		return -1;
	mk_json_init(&j, f, false);
	rc = by < 0 ? write_flat(&j, s, m) : write_grouped(&j, s, m, by, expanded);
	if (fflush(f) != 0 || ferror(f))
		rc = -1;
	fclose(f);
	if (rc != 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- building ---- */

static void subnet_key(const struct mk_asset_rec *a, char *out, size_t len)
{
	const struct mk_addr *v4 = NULL, *v6 = NULL;
	char buf[MK_ADDR_STRLEN];

	for (size_t k = 0; k < a->n_ips; k++) {
		if (a->ips[k].family == MK_AF_INET && v4 == NULL)
			v4 = &a->ips[k];
		else if (a->ips[k].family == MK_AF_INET6 && v6 == NULL)
			v6 = &a->ips[k];
	}
	if (v4 != NULL) {
		snprintf(out, len, "%u.%u.%u.0/24", v4->a[0], v4->a[1], v4->a[2]);
	} else if (v6 != NULL) {
		struct mk_addr x = *v6;

		memset(x.a + 8, 0, 8);
		snprintf(out, len, "%s/64", mk_addr_str(&x, buf));
	} else {
		snprintf(out, len, "l2");
	}
}

struct keyed {
	char key[MAP_GROUP_ID_LEN];
	uint32_t asset;
	int zone; /* BY_ZONE: zone index or -1 */
	bool split;
};

static int keyed_cmp(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	return c != 0 ? c : (a->asset > b->asset) - (a->asset < b->asset);
}

static int build_grouping(struct mk_web_map *m, const struct mk_web_snap *s, int by)
{
	const struct mk_report *r = &s->r;
	struct map_grouping *g = &m->by[by];
	size_t n = r->n_assets, nz = r->zones != NULL ? mk_zones_count(r->zones) : 0;
	struct keyed *k = malloc((n + 1) * sizeof(*k));
	size_t *zone_n = calloc(nz + 1, sizeof(size_t));
	struct map_edge *ge;
	size_t nge = 0;

	g->group_of = malloc((n + 1) * sizeof(uint32_t));
	g->members = malloc((n + 1) * sizeof(uint32_t));
	g->groups = calloc(n + 1, sizeof(*g->groups));
	if (k == NULL || zone_n == NULL || g->group_of == NULL || g->members == NULL ||
	    g->groups == NULL) {
		free(k);
		free(zone_n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int z = r->asset_zone != NULL ? r->asset_zone[i] : -1;

		zone_n[z >= 0 && (size_t)z < nz ? (size_t)z : nz]++;
	}
	for (size_t i = 0; i < n; i++) {
		int z = r->asset_zone != NULL ? r->asset_zone[i] : -1;
		char sub[64];

		if (z < 0 || (size_t)z >= nz)
			z = -1;
		k[i].asset = (uint32_t)i;
		k[i].zone = z;
		subnet_key(&r->assets[i], sub, sizeof(sub));
		if (by == BY_SUBNET) {
			k[i].split = true;
			snprintf(k[i].key, sizeof(k[i].key), "net:%s", sub);
		} else {
			k[i].split = zone_n[z >= 0 ? (size_t)z : nz] > MAP_GROUP_THRESHOLD;
			snprintf(k[i].key, sizeof(k[i].key), "%s%s%s%s", z >= 0 ? "zone:" : "nozone",
			         z >= 0 ? mk_zones_id(r->zones, (size_t)z) : "",
			         k[i].split ? "|net:" : "", k[i].split ? sub : "");
		}
	}
	free(zone_n);
	if (n > 1)
		qsort(k, n, sizeof(*k), keyed_cmp);
	for (size_t i = 0; i < n; i++) {
		struct map_group *gr;
		const struct mk_asset_rec *a = &r->assets[k[i].asset];

		if (i == 0 || strcmp(k[i].key, k[i - 1].key) != 0) {
			gr = &g->groups[g->n_groups++];
			snprintf(gr->id, sizeof(gr->id), "%s", k[i].key);
			gr->zone = by == BY_ZONE && k[i].zone >= 0 ? mk_zones_name(r->zones, (size_t)k[i].zone)
			                                            : NULL;
			if (k[i].split)
				subnet_key(a, gr->subnet, sizeof(gr->subnet));
			gr->first = i;
		}
		gr = &g->groups[g->n_groups - 1];
		gr->n++;
		gr->roles[a->n_roles > 0 && a->roles[0].role < MK_ROLE_COUNT ? a->roles[0].role
		                                                              : MK_ROLE_COUNT]++;
		g->members[i] = k[i].asset;
		g->group_of[k[i].asset] = (uint32_t)(g->n_groups - 1);
	}
	free(k);
	/* group-to-group edges, and which groups see industrial traffic */
	if ((ge = malloc((m->n_edges + 1) * sizeof(*ge))) == NULL)
		return -1;
	for (size_t i = 0; i < m->n_edges; i++) {
		uint32_t gc = g->group_of[m->edges[i].c], gs = g->group_of[m->edges[i].s];

		if (m->edges[i].industrial) {
			g->groups[gc].industrial = true;
			g->groups[gs].industrial = true;
		}
		if (gc == gs)
			continue;
		ge[nge] = m->edges[i];
		ge[nge].c = (uint32_t)m->n_assets + gc;
		ge[nge].s = (uint32_t)m->n_assets + gs;
		nge++;
	}
	g->gedges = ge;
	g->n_gedges = edges_merge(ge, nge);
	return render(&g->cached, &g->cached_len, s, m, by, NULL);
}

void mk_web_map_free(struct mk_web_map *m)
{
	if (m == NULL)
		return;
	free(m->edges);
	free(m->adj_off);
	free(m->adj);
	free(m->flat);
	for (int b = 0; b < BY_COUNT; b++) {
		free(m->by[b].groups);
		free(m->by[b].group_of);
		free(m->by[b].members);
		free(m->by[b].gedges);
		free(m->by[b].cached);
	}
	free(m);
}

static struct mk_web_map *map_build(const struct mk_web *w, const struct mk_web_snap *s)
{
	const struct mk_report *r = &s->r;
	struct mk_web_map *m = calloc(1, sizeof(*m));
	size_t ne = 0;

	if (m == NULL)
		return NULL;
	if (r->n_assets >= UINT32_MAX / 2 || r->n_convs >= UINT32_MAX / 2)
		goto fail; /* the store's caps keep far below */
	m->n_assets = r->n_assets;
	m->edges = malloc((r->n_convs + 1) * sizeof(*m->edges));
	m->adj_off = calloc(r->n_assets + 2, sizeof(uint32_t));
	if (m->edges == NULL || m->adj_off == NULL)
		goto fail;
	for (size_t i = 0; i < r->n_convs; i++) {
		size_t c, sv;

		if (!asset_of(s, &r->convs[i].client, &c) || !asset_of(s, &r->convs[i].server, &sv) ||
		    c == sv)
			continue;
		memset(&m->edges[ne], 0, sizeof(m->edges[ne]));
		m->edges[ne].c = (uint32_t)c;
		m->edges[ne].s = (uint32_t)sv;
		mk_proto_set_add(&m->edges[ne].protos, r->convs[i].proto);
		m->edges[ne].packets = r->convs[i].packets;
		m->edges[ne].bytes = r->convs[i].bytes;
		m->edges[ne].industrial = is_industrial(w, r->convs[i].proto);
		ne++;
	}
	m->n_edges = edges_merge(m->edges, ne);
	/* adjacency: each edge under both of its devices */
	m->adj = malloc((2 * m->n_edges + 1) * sizeof(uint32_t));
	if (m->adj == NULL)
		goto fail;
	for (size_t i = 0; i < m->n_edges; i++) {
		m->adj_off[m->edges[i].c + 2]++;
		m->adj_off[m->edges[i].s + 2]++;
	}
	for (size_t i = 2; i < r->n_assets + 2; i++)
		m->adj_off[i] += m->adj_off[i - 1];
	for (size_t i = 0; i < m->n_edges; i++) {
		m->adj[m->adj_off[m->edges[i].c + 1]++] = (uint32_t)i;
		m->adj[m->adj_off[m->edges[i].s + 1]++] = (uint32_t)i;
	}
	if (render(&m->flat, &m->flat_len, s, m, -1, NULL) != 0)
		goto fail;
	for (int b = 0; b < BY_COUNT; b++)
		if (build_grouping(m, s, b) != 0)
			goto fail;
	return m;
fail:
	mk_web_map_free(m);
	return NULL;
}

/* ---- the endpoint ---- */

static int group_find(const struct map_grouping *g, const char *id, size_t len)
{
	size_t lo = 0, hi = g->n_groups;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(g->groups[mid].id, id, len);

		if (c == 0 && g->groups[mid].id[len] != '\0')
			c = 1;
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void reply_copy(struct mk_web_reply *p, const char *buf, size_t len)
{
	char *b = malloc(len + 1);

	if (b == NULL) {
		mk_web_error(p, 500, "internal");
		return;
	}
	memcpy(b, buf, len);
	b[len] = '\0';
	free(p->body);
	p->body = b;
	p->len = len;
	p->status = 200;
	p->type = "application/json; charset=utf-8";
	p->api = true;
}

void mk_web_api_map(struct mk_web_req *q, struct mk_web_reply *p, struct mk_web_snap *s)
{
	const char *group = mk_web_arg(q, "group"), *expand = mk_web_arg(q, "expand");
	struct mk_web_map *m;
	int by = -1;

	if (group != NULL && group[0] != '\0') {
		for (int b = 0; b < BY_COUNT; b++)
			if (strcmp(group, by_name[b]) == 0)
				by = b;
		if (by < 0) {
			mk_web_error(p, 400, "bad_parameter");
			return;
		}
	}
	if (expand != NULL && expand[0] != '\0' && by < 0) {
		mk_web_error(p, 400, "bad_parameter"); /* expand needs a grouping */
		return;
	}
	pthread_mutex_lock(&s->map_lock);
	if (s->map == NULL)
		s->map = map_build(q->w, s);
	m = s->map;
	pthread_mutex_unlock(&s->map_lock);
	if (m == NULL) {
		mk_web_error(p, 500, "internal");
		return;
	}
	if (by < 0) {
		reply_copy(p, m->flat, m->flat_len);
	} else if (expand == NULL || expand[0] == '\0') {
		reply_copy(p, m->by[by].cached, m->by[by].cached_len);
	} else {
		const struct map_grouping *g = &m->by[by];
		bool *ex = calloc(g->n_groups + 1, sizeof(bool));
		const char *t = expand;
		size_t count = 0;
		char *out;
		size_t len;

		if (ex == NULL) {
			mk_web_error(p, 500, "internal");
			return;
		}
		/* comma-separated group ids, each one known */
		for (;;) {
			const char *comma = strchr(t, ',');
			size_t n = comma != NULL ? (size_t)(comma - t) : strlen(t);
			int gi = n > 0 && n < MAP_GROUP_ID_LEN ? group_find(g, t, n) : -1;

			if (gi < 0 || ++count > MAP_EXPAND_MAX) {
				free(ex);
				mk_web_error(p, gi < 0 ? 404 : 400, gi < 0 ? "not_found" : "bad_parameter");
				return;
			}
			ex[gi] = true;
			if (comma == NULL)
				break;
			t = comma + 1;
		}
		if (render(&out, &len, s, m, by, ex) != 0) {
			free(ex);
			mk_web_error(p, 500, "internal");
			return;
		}
		free(ex);
		free(p->body);
		p->body = out;
		p->len = len;
		p->status = 200;
		p->type = "application/json; charset=utf-8";
		p->api = true;
	}
}

/* bcp_derive.c - the BCP document: the user's entries plus what the network
 * shows (docs/ASSESSMENT.md "Cyber-BCP").
 *
 * - Candidate critical systems: devices with a critical role (bcp_derive
 *   critical_roles, at min_confidence %), and every device those (or the
 *   user's critical systems) depend on, transitively.  A client depends on
 *   its server: a conversation counts when its protocol was recognised or it
 *   carried more than probe_packets packets per connection (port probes and
 *   scans do not make dependencies).
 * - Recovery order of the critical systems: a server before its clients.
 *   Among the systems whose dependencies are all placed, the lowest tier of
 *   its role first (network, servers, controllers, HMI/SCADA, engineering
 *   PCs, the rest), then the asset id.  Systems that wait on each other (a
 *   cycle that waits on nothing else) compete through their best member:
 *   when it ranks before every ready system it goes next, marked "cycle".
 * - Isolation-point candidates: devices with an isolation role, and the
 *   boundaries between zones that conversations cross (when zones exist).
 * - Gaps: bcp_gap rules, evaluated against the entries and today's date.
 * Everything is bounded: at most MK_BCP_MAX_CANDIDATES network candidates,
 * the conversations are read once into a sorted edge list. */
#include "assess/bcp_int.h"

#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/report.h"
#include "mieruka/zones.h"

/* ---- the document's memory ---- */

void *mk_bcp_doc_alloc(struct mk_bcp_doc *doc, size_t n, size_t size)
{
	void *p;

	if (n == 0)
		n = 1;
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	if (doc->n_allocs == doc->cap_allocs) {
		size_t cap = doc->cap_allocs == 0 ? 64 : doc->cap_allocs * 2;
		void **v = realloc(doc->allocs, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		doc->allocs = v;
		doc->cap_allocs = cap;
	}
	if ((p = calloc(n, size)) == NULL)
		return NULL;
	doc->allocs[doc->n_allocs++] = p;
	return p;
}

char *mk_bcp_doc_strdup(struct mk_bcp_doc *doc, const char *s)
{
	size_t n = strlen(s);
	char *p = mk_bcp_doc_alloc(doc, n + 1, 1);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

void mk_bcp_doc_free(struct mk_bcp_doc *doc)
{
	if (doc == NULL)
		return;
	for (size_t i = 0; i < doc->n_allocs; i++)
		free(doc->allocs[i]);
	free(doc->allocs);
	free(doc);
}

static struct mk_bcp_doc *doc_new(const struct mk_bcp_tpl *tpl, uint64_t now_ns)
{
	struct mk_bcp_doc *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->tpl = tpl;
	if (now_ns != 0)
		d->today = mk_bcp_date_of(now_ns);
	if ((d->company_name = mk_bcp_doc_strdup(d, "")) == NULL) {
		mk_bcp_doc_free(d);
		return NULL;
	}
	/* the scalars not entered share one "" */
	d->company_site = d->company_author = d->company_approved_by = d->company_name;
	d->policy = d->existing_bcp = d->decision_by = d->company_name;
	return d;
}

int mk_bcp_validate(const struct mk_kb *kb, const char *json, size_t len, uint64_t now_ns,
                    char *err, size_t errlen)
{
	struct mk_bcp_doc *d;
	int rc;

	if (kb == NULL || kb->bcp == NULL) {
		snprintf(err, errlen,
		         "bcp: the knowledge base has no BCP template (data/kb/bcp.kb)");
		return -1;
	}
	if ((d = doc_new(kb->bcp, now_ns)) == NULL) {
		snprintf(err, errlen, "bcp: out of memory");
		return -1;
	}
	rc = mk_bcp_entries_read(d, json, len, err, errlen);
	mk_bcp_doc_free(d);
	return rc;
}

/* ---- the network ---- */

struct edge {
	size_t client, server; /* asset indexes */
};

static int edge_cmp(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;

	if (a->client != b->client)
		return a->client < b->client ? -1 : 1;
	return (a->server > b->server) - (a->server < b->server);
}

/* What the report gives: dependency edges by client (CSR). */
struct net {
	const struct mk_report *r;
	struct mk_report_index *ix;
	struct edge *edges;
	size_t n_edges;
	size_t *first;        /* per asset + 1: its edges are edges[first[a] .. first[a+1]) */
	size_t *asset_system; /* per asset: its system, or MK_BCP_NONE */
};

static void net_free(struct net *n)
{
	mk_report_index_free(n->ix);
	free(n->edges);
	free(n->first);
	free(n->asset_system);
}

static bool is_dependency(const struct mk_bcp_derive *dv, const struct mk_conv_rec *c)
{
	uint64_t flows = c->flows == 0 ? 1 : c->flows;

	return c->proto != MK_PROTO_UNKNOWN || c->packets > (uint64_t)dv->probe_packets * flows;
}

static int net_build(struct net *n, const struct mk_report *r, const struct mk_bcp_derive *dv)
{
	n->r = r;
	if ((n->ix = mk_report_index_new(r)) == NULL)
		return -1;
	if (r->n_convs > 0 && (n->edges = malloc(r->n_convs * sizeof(*n->edges))) == NULL)
		return -1;
	if ((n->first = calloc(r->n_assets + 1, sizeof(*n->first))) == NULL ||
	    (n->asset_system = malloc((r->n_assets + 1) * sizeof(*n->asset_system))) == NULL)
		return -1;
	for (size_t i = 0; i <= r->n_assets; i++)
		n->asset_system[i] = MK_BCP_NONE;
	for (size_t i = 0; i < r->n_convs; i++) {
		const struct mk_conv_rec *c = &r->convs[i];
		size_t ca, sa;

		if (!is_dependency(dv, c))
			continue;
		ca = mk_report_asset_of(n->ix, &c->client);
		sa = mk_report_asset_of(n->ix, &c->server);
		if (ca == MK_BCP_NONE || sa == MK_BCP_NONE || ca == sa)
			continue;
		n->edges[n->n_edges].client = ca;
		n->edges[n->n_edges++].server = sa;
	}
	if (n->n_edges > 1) {
		size_t w = 1;

		qsort(n->edges, n->n_edges, sizeof(*n->edges), edge_cmp);
		for (size_t i = 1; i < n->n_edges; i++)
			if (edge_cmp(&n->edges[i], &n->edges[w - 1]) != 0)
				n->edges[w++] = n->edges[i];
		n->n_edges = w;
	}
	for (size_t i = 0; i < n->n_edges; i++)
		n->first[n->edges[i].client + 1]++;
	for (size_t a = 0; a < r->n_assets; a++)
		n->first[a + 1] += n->first[a];
	return 0;
}

/* The asset's first role with at least min % that is in set, or -1. */
static int role_in(const struct mk_asset_rec *a, const bool *set, int min)
{
	for (size_t k = 0; k < a->n_roles; k++)
		if (a->roles[k].confidence >= min && a->roles[k].role < MK_ROLE_COUNT &&
		    set[a->roles[k].role])
			return a->roles[k].role;
	return -1;
}

static int first_role(const struct mk_asset_rec *a)
{
	return a->n_roles > 0 && a->roles[0].role < MK_ROLE_COUNT ? a->roles[0].role : -1;
}

static unsigned tier_of(const struct mk_bcp_derive *dv, int role)
{
	return role >= 0 ? dv->tier[role] : dv->n_tiers + 1;
}

/* The name people know a device by: its first name, else its first address. */
static void asset_label(const struct mk_asset_rec *a, char *name, size_t namelen, char *addr,
                        size_t addrlen)
{
	char buf[MK_ADDR_STRLEN];

	addr[0] = '\0';
	if (a->n_ips > 0)
		snprintf(addr, addrlen, "%s", mk_addr_str(&a->ips[0], buf));
	else if (a->mac.family == MK_AF_MAC)
		snprintf(addr, addrlen, "%s", mk_addr_str(&a->mac, buf));
	if (a->n_names > 0 && a->names[0].name != NULL && a->names[0].name[0] != '\0')
		mk_text_sanitize(name, namelen, a->names[0].name, strlen(a->names[0].name));
	else if (addr[0] != '\0')
		snprintf(name, namelen, "%s", addr);
	else
		snprintf(name, namelen, "%.*s", (int)sizeof(a->id), a->id);
}

static size_t asset_by_id(const struct mk_report *r, const char *id)
{
	for (size_t i = 0; i < r->n_assets; i++)
		if (strncmp(r->assets[i].id, id, sizeof(r->assets[i].id)) == 0)
			return i;
	return MK_BCP_NONE;
}

/* Fills the ledger's facts into s (the asset at index ai). */
static int describe(struct mk_bcp_doc *d, const struct mk_report *r, struct mk_bcp_system *s,
                    size_t ai)
{
	const struct mk_bcp_derive *dv = &d->tpl->derive;
	const struct mk_asset_rec *a = &r->assets[ai];
	char name[256], addr[MK_ADDR_STRLEN];

	s->asset_index = ai;
	s->role = role_in(a, dv->critical, dv->min_confidence);
	if (s->role < 0)
		s->role = first_role(a);
	s->tier = tier_of(dv, first_role(a));
	asset_label(a, name, sizeof(name), addr, sizeof(addr));
	if (addr[0] != '\0' && (s->address = mk_bcp_doc_strdup(d, addr)) == NULL)
		return -1;
	if (s->name == NULL || s->name[0] == '\0')
		if ((s->name = mk_bcp_doc_strdup(d, name)) == NULL)
			return -1;
	return 0;
}

/* A critical system of the user's whose device the network gives no reason
 * for: a seed of the search, not a candidate. */
#define SEED_USER 3

struct cand {
	size_t asset;
	unsigned tier;
	enum mk_bcp_why why;
	const char *id;
};

static int cand_cmp(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->tier != b->tier)
		return a->tier < b->tier ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* Entered systems' ledger facts, the candidates, and each system's
 * dependencies.  d->systems holds the entered ones on entry. */
static int derive_systems(struct mk_bcp_doc *d, struct net *n)
{
	const struct mk_report *r = n->r;
	const struct mk_bcp_derive *dv = &d->tpl->derive;
	uint8_t *why = NULL; /* per asset: enum mk_bcp_why */
	size_t *queue = NULL, qh = 0, qt = 0;
	struct cand *cands = NULL;
	size_t n_cands = 0, n_entered = d->n_systems;
	struct mk_bcp_system *all;
	int rc = -1;

	if ((why = calloc(r->n_assets + 1, 1)) == NULL ||
	    (queue = malloc((r->n_assets + 1) * sizeof(*queue))) == NULL)
		goto out;
	for (size_t i = 0; i < n_entered; i++) {
		struct mk_bcp_system *s = &d->systems[i];

		s->role = -1;
		s->tier = dv->n_tiers + 1;
		if (s->asset == NULL ||
		    (s->asset_index = asset_by_id(r, s->asset)) == MK_BCP_NONE) {
			s->asset_index = MK_BCP_NONE;
			continue;
		}
		if (describe(d, r, s, s->asset_index) != 0)
			goto out;
		n->asset_system[s->asset_index] = i;
	}
	/* seeds: critical roles, then the user's critical systems */
	for (size_t a = 0; a < r->n_assets; a++)
		if (role_in(&r->assets[a], dv->critical, dv->min_confidence) >= 0) {
			why[a] = MK_BCP_WHY_ROLE;
			queue[qt++] = a;
		}
	for (size_t i = 0; i < n_entered; i++) {
		size_t a = d->systems[i].asset_index;

		if (a != MK_BCP_NONE && d->systems[i].critical && why[a] == MK_BCP_WHY_NONE) {
			why[a] = SEED_USER;
			queue[qt++] = a;
		}
	}
	while (qh < qt) {
		size_t a = queue[qh++];

		for (size_t e = n->first[a]; e < n->first[a + 1]; e++) {
			size_t b = n->edges[e].server;

			if (why[b] == MK_BCP_WHY_NONE) {
				why[b] = MK_BCP_WHY_DEPENDENCY;
				queue[qt++] = b;
			}
		}
	}
	if ((cands = malloc((r->n_assets + 1) * sizeof(*cands))) == NULL)
		goto out;
	for (size_t a = 0; a < r->n_assets; a++) {
		if (why[a] != MK_BCP_WHY_ROLE && why[a] != MK_BCP_WHY_DEPENDENCY)
			continue;
		if (n->asset_system[a] != MK_BCP_NONE) {
			d->systems[n->asset_system[a]].why = (enum mk_bcp_why)why[a];
			continue;
		}
		cands[n_cands].asset = a;
		cands[n_cands].tier = tier_of(dv, first_role(&r->assets[a]));
		cands[n_cands].why = (enum mk_bcp_why)why[a];
		cands[n_cands++].id = r->assets[a].id;
	}
	qsort(cands, n_cands, sizeof(*cands), cand_cmp);
	if (n_cands > MK_BCP_MAX_CANDIDATES) {
		d->n_candidates_dropped = n_cands - MK_BCP_MAX_CANDIDATES;
		n_cands = MK_BCP_MAX_CANDIDATES;
	}
	if ((all = mk_bcp_doc_alloc(d, n_entered + n_cands, sizeof(*all))) == NULL)
		goto out;
	if (n_entered > 0)
		memcpy(all, d->systems, n_entered * sizeof(*all));
	d->systems = all;
	for (size_t k = 0; k < n_cands; k++) {
		struct mk_bcp_system *s = &all[n_entered + k];
		char id[MK_ASSET_ID_LEN];

		snprintf(id, sizeof(id), "%.*s", (int)sizeof(id) - 1, r->assets[cands[k].asset].id);
		s->entry = MK_BCP_NONE;
		s->critical = true;
		s->why = cands[k].why;
		if ((s->asset = mk_bcp_doc_strdup(d, id)) == NULL ||
		    (s->line = s->manual_fallback = mk_bcp_doc_strdup(d, "")) == NULL ||
		    describe(d, r, s, cands[k].asset) != 0)
			goto out;
		n->asset_system[cands[k].asset] = n_entered + k;
		d->n_systems++;
	}
	/* dependencies between systems */
	for (size_t i = 0; i < d->n_systems; i++) {
		struct mk_bcp_system *s = &d->systems[i];
		size_t a = s->asset_index, cnt = 0;

		if (a == MK_BCP_NONE)
			continue;
		for (size_t e = n->first[a]; e < n->first[a + 1]; e++)
			cnt += n->asset_system[n->edges[e].server] != MK_BCP_NONE;
		if (cnt == 0)
			continue;
		if ((s->depends_on = mk_bcp_doc_alloc(d, cnt, sizeof(*s->depends_on))) == NULL)
			goto out;
		for (size_t e = n->first[a]; e < n->first[a + 1]; e++) {
			size_t t = n->asset_system[n->edges[e].server];

			if (t != MK_BCP_NONE)
				s->depends_on[s->n_depends++] = t;
		}
		/* ascending system index (edges are by asset index) */
		for (size_t x = 1; x < s->n_depends; x++)
			for (size_t y = x; y > 0 && s->depends_on[y - 1] > s->depends_on[y]; y--) {
				size_t tmp = s->depends_on[y];

				s->depends_on[y] = s->depends_on[y - 1];
				s->depends_on[y - 1] = tmp;
			}
	}
	rc = 0;
out:
	free(why);
	free(queue);
	free(cands);
	return rc;
}

/* ---- the recovery order ---- */

static const char *sys_key(const struct mk_bcp_system *s)
{
	return s->asset != NULL ? s->asset : s->name;
}

/* The system's IPv4 address as a number for ordering, or -1 without one. */
static int64_t sys_ipv4(const struct mk_bcp_system *s)
{
	struct in_addr in;

	if (s->address == NULL || inet_pton(AF_INET, s->address, &in) != 1)
		return -1;
	return (int64_t)ntohl(in.s_addr);
}

/* Is system a placed before b?  Lower tier, then address (people read a
 * plan where 192.168.20.11 comes before .12; asset ids follow MACs), then
 * key, then index. */
static bool sys_before(const struct mk_bcp_doc *d, size_t a, size_t b)
{
	const struct mk_bcp_system *x = &d->systems[a], *y = &d->systems[b];
	int64_t ax = sys_ipv4(x), ay = sys_ipv4(y);
	int c;

	if (x->tier != y->tier)
		return x->tier < y->tier;
	if (ax >= 0 && ay >= 0 && ax != ay)
		return ax < ay;
	if ((ax >= 0) != (ay >= 0))
		return ax >= 0;
	c = strcmp(sys_key(x), sys_key(y));
	return c != 0 ? c < 0 : a < b;
}

struct tarjan {
	const struct mk_bcp_doc *d;
	const bool *in; /* per system: still to place and critical */
	int *index, *low, *comp;
	size_t *stack;
	bool *on;
	size_t sp;
	int next, n_comp;
};

static void strong(struct tarjan *t, size_t v)
{
	const struct mk_bcp_system *s = &t->d->systems[v];

	t->index[v] = t->low[v] = t->next++;
	t->stack[t->sp++] = v;
	t->on[v] = true;
	for (size_t k = 0; k < s->n_depends; k++) {
		size_t w = s->depends_on[k];

		if (!t->in[w])
			continue;
		if (t->index[w] < 0) {
			strong(t, w);
			if (t->low[w] < t->low[v])
				t->low[v] = t->low[w];
		} else if (t->on[w] && t->index[w] < t->low[v]) {
			t->low[v] = t->index[w];
		}
	}
	if (t->low[v] == t->index[v]) {
		size_t w;

		do {
			w = t->stack[--t->sp];
			t->on[w] = false;
			t->comp[w] = t->n_comp;
		} while (w != v);
		t->n_comp++;
	}
}

/* The best system of a cycle among the remaining systems that waits on
 * nothing outside itself (a strongly connected component of two or more
 * without dependencies on other remaining systems), or MK_BCP_NONE; *oom is
 * set when memory runs out. */
static size_t break_cycle(const struct mk_bcp_doc *d, const bool *in, bool *oom)
{
	size_t n = d->n_systems, best = MK_BCP_NONE;
	struct tarjan t = {.d = d, .in = in};
	bool *leaves = NULL;
	size_t *size = NULL;

	*oom = true;
	size = calloc(n, sizeof(*size));
	t.index = malloc(n * sizeof(int));
	t.low = malloc(n * sizeof(int));
	t.comp = malloc(n * sizeof(int));
	t.stack = malloc(n * sizeof(size_t));
	t.on = calloc(n, sizeof(bool));
	leaves = malloc(n * sizeof(bool));
	if (t.index == NULL || t.low == NULL || t.comp == NULL || t.stack == NULL || t.on == NULL ||
	    leaves == NULL || size == NULL)
		goto out;
	*oom = false;
	for (size_t v = 0; v < n; v++)
		t.index[v] = -1;
	for (size_t v = 0; v < n; v++)
		if (in[v] && t.index[v] < 0)
			strong(&t, v);
	for (int c = 0; c < t.n_comp; c++)
		leaves[c] = true;
	for (size_t v = 0; v < n; v++) {
		if (!in[v])
			continue;
		size[t.comp[v]]++;
		for (size_t k = 0; k < d->systems[v].n_depends; k++) {
			size_t w = d->systems[v].depends_on[k];

			if (in[w] && t.comp[w] != t.comp[v])
				leaves[t.comp[v]] = false;
		}
	}
	for (size_t v = 0; v < n; v++)
		if (in[v] && leaves[t.comp[v]] && size[t.comp[v]] > 1 &&
		    (best == MK_BCP_NONE || sys_before(d, v, best)))
			best = v;
out:
	free(size);
	free(t.index);
	free(t.low);
	free(t.comp);
	free(t.stack);
	free(t.on);
	free(leaves);
	return best;
}

static int derive_order(struct mk_bcp_doc *d)
{
	size_t n = d->n_systems, n_crit = 0;
	bool *in = NULL;
	size_t *waiting = NULL;
	int rc = -1;

	if (n == 0)
		return 0;
	if ((in = calloc(n, sizeof(*in))) == NULL ||
	    (waiting = calloc(n, sizeof(*waiting))) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (d->systems[i].critical) {
			in[i] = true;
			n_crit++;
		}
	if ((d->order = mk_bcp_doc_alloc(d, n_crit, sizeof(*d->order))) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; in[i] && k < d->systems[i].n_depends; k++)
			waiting[i] += in[d->systems[i].depends_on[k]];
	while (d->n_order < n_crit) {
		size_t best = MK_BCP_NONE, c;
		bool cycle = false, blocked = false, oom;

		for (size_t i = 0; i < n; i++) {
			if (in[i] && waiting[i] == 0 &&
			    (best == MK_BCP_NONE || sys_before(d, i, best)))
				best = i;
			blocked |= in[i] && waiting[i] > 0;
		}
		/* a cycle whose best member ranks before every ready system is
		 * broken now, so the tiers still hold around it */
		if (blocked) {
			c = break_cycle(d, in, &oom);
			if (oom)
				goto out;
			if (c != MK_BCP_NONE && (best == MK_BCP_NONE || sys_before(d, c, best))) {
				best = c;
				cycle = true;
			}
		}
		if (best == MK_BCP_NONE)
			goto out; /* cannot happen: a blocked graph has a terminal cycle */
		in[best] = false;
		d->order[d->n_order].system = best;
		d->order[d->n_order++].cycle = cycle;
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; in[i] && k < d->systems[i].n_depends; k++)
				if (d->systems[i].depends_on[k] == best)
					waiting[i]--;
	}
	rc = 0;
out:
	free(in);
	free(waiting);
	return rc;
}

/* ---- isolation points ---- */

struct zpair {
	int a, b;
};

static int zpair_cmp(const void *x, const void *y)
{
	const struct zpair *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return (p->b > q->b) - (p->b < q->b);
}

static int derive_isolation(struct mk_bcp_doc *d, struct net *n)
{
	const struct mk_report *r = n->r;
	const struct mk_bcp_derive *dv = &d->tpl->derive;
	size_t n_dev = 0, n_pairs = 0, n_bound = 0, cap;
	struct zpair *pairs = NULL;
	struct mk_bcp_isolation *all;
	size_t n_entered = d->n_isolation;
	bool zones = r->zones != NULL && r->asset_zone != NULL;
	int rc = -1;

	for (size_t a = 0; a < r->n_assets; a++)
		n_dev += role_in(&r->assets[a], dv->isolation, dv->min_confidence) >= 0;
	if (n_dev > MK_BCP_MAX_CANDIDATES)
		n_dev = MK_BCP_MAX_CANDIDATES;
	if (zones && r->n_convs > 0) {
		if ((pairs = malloc(r->n_convs * sizeof(*pairs))) == NULL)
			goto out;
		for (size_t i = 0; i < r->n_convs; i++) {
			size_t ca = mk_report_asset_of(n->ix, &r->convs[i].client);
			size_t sa = mk_report_asset_of(n->ix, &r->convs[i].server);
			int za, zb;

			if (ca == MK_BCP_NONE || sa == MK_BCP_NONE)
				continue;
			za = r->asset_zone[ca];
			zb = r->asset_zone[sa];
			if (za < 0 || zb < 0 || za == zb)
				continue;
			pairs[n_pairs].a = za < zb ? za : zb;
			pairs[n_pairs++].b = za < zb ? zb : za;
		}
		qsort(pairs, n_pairs, sizeof(*pairs), zpair_cmp);
		for (size_t i = 0; i < n_pairs; i++)
			n_bound += i == 0 || zpair_cmp(&pairs[i], &pairs[i - 1]) != 0;
	}
	cap = n_entered + n_dev + n_bound;
	if ((all = mk_bcp_doc_alloc(d, cap, sizeof(*all))) == NULL)
		goto out;
	if (n_entered > 0)
		memcpy(all, d->isolation, n_entered * sizeof(*all));
	d->isolation = all;
	/* devices: r->assets is in id order */
	for (size_t a = 0; a < r->n_assets && d->n_isolation < n_entered + n_dev; a++) {
		int role = role_in(&r->assets[a], dv->isolation, dv->min_confidence);
		struct mk_bcp_isolation *p = &all[d->n_isolation];
		char name[256], addr[MK_ADDR_STRLEN], id[MK_ASSET_ID_LEN];

		if (role < 0)
			continue;
		asset_label(&r->assets[a], name, sizeof(name), addr, sizeof(addr));
		snprintf(id, sizeof(id), "%.*s", (int)sizeof(id) - 1, r->assets[a].id);
		p->kind = MK_BCP_ISO_DEVICE;
		p->role = role;
		if ((p->asset = mk_bcp_doc_strdup(d, id)) == NULL ||
		    (p->name = mk_bcp_doc_strdup(d, name)) == NULL ||
		    (p->address = mk_bcp_doc_strdup(d, addr)) == NULL)
			goto out;
		d->n_isolation++;
	}
	for (size_t i = 0; i < n_pairs;) {
		struct mk_bcp_isolation *p = &all[d->n_isolation];
		size_t k = i;

		while (k < n_pairs && zpair_cmp(&pairs[k], &pairs[i]) == 0)
			k++;
		p->kind = MK_BCP_ISO_ZONES;
		p->role = -1;
		p->conversations = k - i;
		for (int z = 0; z < 2; z++) {
			size_t zi = (size_t)(z == 0 ? pairs[i].a : pairs[i].b);
			const char *zid = mk_zones_id(r->zones, zi),
			           *zname = mk_zones_name(r->zones, zi);

			if ((p->zone_id[z] = mk_bcp_doc_strdup(d, zid != NULL ? zid : "")) ==
			        NULL ||
			    (p->zone_name[z] = mk_bcp_doc_strdup(d, zname != NULL ? zname : "")) ==
			        NULL)
				goto out;
		}
		d->n_isolation++;
		i = k;
	}
	rc = 0;
out:
	free(pairs);
	return rc;
}

static void derive_signs(struct mk_bcp_doc *d, const struct mk_report *r)
{
	const struct mk_bcp_tpl *t = d->tpl;

	for (size_t s = 0; s < t->n_signs; s++)
		for (size_t i = 0; r != NULL && i < r->n_alerts; i++) {
			const struct mk_alert_rec *a = &r->alerts[i];

			/* planned (inside a maintenance window) and accepted alerts
			 * are explained: they are no sign */
			if (a->status != MK_ALERT_OPEN && a->status != MK_ALERT_ACKNOWLEDGED)
				continue;
			for (size_t k = 0; k < t->signs[s].n_alerts; k++)
				if (strncmp(a->type, t->signs[s].alerts[k], sizeof(a->type)) == 0) {
					d->sign_seen[s]++;
					break;
				}
		}
}

/* ---- gaps ---- */

struct fill {
	const char *name;
	const char *ja, *en;
};

/* Renders a gap text: {key} replaced by the value of that language. */
static char *render(struct mk_bcp_doc *d, const char *text, const struct fill *f, size_t n, bool ja)
{
	char out[2048];
	size_t o = 0;

	for (const char *p = text; *p != '\0' && o + 1 < sizeof(out);) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		const char *val = NULL;

		for (size_t k = 0; end != NULL && k < n; k++)
			if ((size_t)(end - p - 1) == strlen(f[k].name) &&
			    strncmp(p + 1, f[k].name, (size_t)(end - p - 1)) == 0)
				val = ja ? f[k].ja : f[k].en;
		if (val != NULL) {
			size_t vl = strlen(val);

			if (vl > sizeof(out) - 1 - o)
				vl = sizeof(out) - 1 - o;
			memcpy(out + o, val, vl);
			o += vl;
			p = end + 1;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	/* never cut a character in two */
	{
		char safe[sizeof(out)];

		mk_text_sanitize(safe, sizeof(safe), out, o);
		return mk_bcp_doc_strdup(d, safe);
	}
}

static int gap(struct mk_bcp_doc *d, size_t *cap, enum mk_bcp_gap_id id, size_t system,
               const char *subject, const struct fill *f, size_t n)
{
	const struct mk_bcp_gap_rule *rule = &d->tpl->gaps[id];
	struct mk_bcp_gap *g;

	if (d->n_gaps == *cap) {
		size_t nc = *cap == 0 ? 16 : *cap * 2;
		struct mk_bcp_gap *v = mk_bcp_doc_alloc(d, nc, sizeof(*v));

		if (v == NULL)
			return -1;
		if (d->n_gaps > 0)
			memcpy(v, d->gaps, d->n_gaps * sizeof(*v));
		d->gaps = v; /* the old array stays in allocs until the doc is freed */
		*cap = nc;
	}
	g = &d->gaps[d->n_gaps];
	memset(g, 0, sizeof(*g));
	g->rule = id;
	g->system = system;
	if (subject != NULL && (g->subject = mk_bcp_doc_strdup(d, subject)) == NULL)
		return -1;
	if ((g->text_ja = render(d, rule->text.ja, f, n, true)) == NULL ||
	    (g->text_en = render(d, rule->text.en, f, n, false)) == NULL)
		return -1;
	d->n_gaps++;
	return 0;
}

static int gaps_systems(struct mk_bcp_doc *d, const struct mk_report *r, size_t *cap,
                        const struct mk_bcp_date *cutoff)
{
	const struct mk_bcp_tpl *t = d->tpl;
	size_t n_critical = 0, n_cand = 0;
	char months[16];

	snprintf(months, sizeof(months), "%d", t->derive.months);
	for (size_t i = 0; i < d->n_systems; i++) {
		const struct mk_bcp_system *s = &d->systems[i];
		struct fill f[6] = {{"name", s->name, s->name}, {"months", months, months}};
		bool offline = false;

		if (!s->entered) {
			n_cand++;
			continue;
		}
		if (r != NULL && s->asset != NULL && s->asset_index == MK_BCP_NONE) {
			f[2] = (struct fill){"asset", s->asset, s->asset};
			if (gap(d, cap, MK_GAP_SYSTEM_ASSET_UNKNOWN, i, s->asset, f, 3) != 0)
				return -1;
		}
		if (!s->critical)
			continue;
		n_critical++;
		if ((!s->has_rto && gap(d, cap, MK_GAP_SYSTEM_NO_RTO, i, NULL, f, 2) != 0) ||
		    (!s->has_rpo && gap(d, cap, MK_GAP_SYSTEM_NO_RPO, i, NULL, f, 2) != 0))
			return -1;
		if (s->n_backups == 0) {
			if (gap(d, cap, MK_GAP_SYSTEM_NO_BACKUP, i, NULL, f, 2) != 0)
				return -1;
			continue;
		}
		for (size_t k = 0; k < s->n_backups; k++) {
			const struct mk_bcp_backup *b = &s->backups[k];
			const struct mk_bcp_item *what = &t->backups[b->what];
			char date[16];

			offline |= b->offline;
			f[2] = (struct fill){"what", what->name.ja, what->name.en};
			f[3] = (struct fill){
			    "date", mk_bcp_date_str(&b->restore_tested, date, sizeof(date)), date};
			if (b->restore_tested.y == 0) {
				if (gap(d, cap, MK_GAP_BACKUP_NEVER_TESTED, i, what->id, f, 4) != 0)
					return -1;
			} else if (mk_bcp_date_cmp(&b->restore_tested, cutoff) < 0) {
				if (gap(d, cap, MK_GAP_BACKUP_TEST_OLD, i, what->id, f, 4) != 0)
					return -1;
			}
		}
		if (!offline && gap(d, cap, MK_GAP_SYSTEM_NO_OFFLINE, i, NULL, f, 2) != 0)
			return -1;
	}
	if (n_critical == 0 && gap(d, cap, MK_GAP_NO_SYSTEMS, MK_BCP_NONE, NULL, NULL, 0) != 0)
		return -1;
	if (n_cand > 0) {
		char count[24], ja[1024] = "", en[1024] = "";
		size_t shown = 0;

		snprintf(count, sizeof(count), "%zu", n_cand + d->n_candidates_dropped);
		for (size_t i = 0; i < d->n_systems && shown < 5; i++) {
			size_t lj = strlen(ja), le = strlen(en);

			if (d->systems[i].entered)
				continue;
			snprintf(ja + lj, sizeof(ja) - lj, "%s%s", shown > 0 ? "、" : "",
			         d->systems[i].name);
			snprintf(en + le, sizeof(en) - le, "%s%s", shown > 0 ? ", " : "",
			         d->systems[i].name);
			shown++;
		}
		if (n_cand + d->n_candidates_dropped > shown) {
			size_t lj = strlen(ja), le = strlen(en);

			snprintf(ja + lj, sizeof(ja) - lj, "%s", "…");
			snprintf(en + le, sizeof(en) - le, "%s", ", …");
		}
		struct fill f[2] = {{"count", count, count}, {"names", ja, en}};

		if (gap(d, cap, MK_GAP_CANDIDATES_UNLISTED, MK_BCP_NONE, NULL, f, 2) != 0)
			return -1;
	}
	return 0;
}

static int gaps_rest(struct mk_bcp_doc *d, size_t *cap, const struct mk_bcp_date *cutoff)
{
	const struct mk_bcp_tpl *t = d->tpl;
	char months[16], count[24];
	size_t n_entered = 0, n_cand = 0;
	bool named = false, drilled = false;

	snprintf(months, sizeof(months), "%d", t->derive.months);
	for (size_t i = 0; i < d->n_isolation; i++) {
		n_entered += d->isolation[i].kind == MK_BCP_ISO_ENTERED;
		n_cand += d->isolation[i].kind != MK_BCP_ISO_ENTERED;
	}
	snprintf(count, sizeof(count), "%zu", n_cand);
	if (n_entered == 0) {
		struct fill f[1] = {{"count", count, count}};

		if (gap(d, cap, MK_GAP_NO_ISOLATION, MK_BCP_NONE, NULL, f, 1) != 0)
			return -1;
	}
	for (size_t i = 0; i < d->n_roles; i++)
		named |= d->roles[i].name[0] != '\0';
	if (!named && gap(d, cap, MK_GAP_NO_ROLES, MK_BCP_NONE, NULL, NULL, 0) != 0)
		return -1;
	for (size_t c = 0; c < t->n_contacts; c++) {
		bool reach = false;

		if (!t->contacts[c].required)
			continue;
		for (size_t i = 0; i < d->n_contacts; i++)
			if (d->contacts[i].category == c &&
			    (d->contacts[i].phone[0] != '\0' || d->contacts[i].email[0] != '\0'))
				reach = true;
		if (!reach) {
			struct fill f[1] = {
			    {"category", t->contacts[c].name.ja, t->contacts[c].name.en}};

			if (gap(d, cap, MK_GAP_CONTACT_MISSING, MK_BCP_NONE, t->contacts[c].id, f,
			        1) != 0)
				return -1;
		}
	}
	for (size_t i = 0; i < d->n_drills; i++) {
		const struct mk_bcp_drill_entry *e = &d->drills[i];
		const struct mk_bcp_drill *dr = &t->drills[e->type];
		char every[16], date[16];
		struct fill f[3] = {{"drill", dr->name.ja, dr->name.en},
		                    {"months", every, every},
		                    {"date", date, date}};

		snprintf(every, sizeof(every), "%d", e->every_months);
		mk_bcp_date_str(&e->last_done, date, sizeof(date));
		if (e->last_done.y == 0) {
			if (gap(d, cap, MK_GAP_DRILL_NEVER, MK_BCP_NONE, dr->id, f, 3) != 0)
				return -1;
			continue;
		}
		if (mk_bcp_date_cmp(&e->last_done, cutoff) >= 0)
			drilled = true;
		if (d->today.y != 0) {
			struct mk_bcp_date due =
			    mk_bcp_date_minus_months(d->today, e->every_months);

			if (mk_bcp_date_cmp(&e->last_done, &due) < 0 &&
			    gap(d, cap, MK_GAP_DRILL_OVERDUE, MK_BCP_NONE, dr->id, f, 3) != 0)
				return -1;
		}
	}
	if (!drilled) {
		struct fill f[1] = {{"months", months, months}};

		if (gap(d, cap, MK_GAP_NO_DRILL, MK_BCP_NONE, NULL, f, 1) != 0)
			return -1;
	}
	if (d->company_reviewed.y == 0 || mk_bcp_date_cmp(&d->company_reviewed, cutoff) < 0) {
		struct fill f[1] = {{"months", months, months}};

		if (gap(d, cap, MK_GAP_NOT_REVIEWED, MK_BCP_NONE, NULL, f, 1) != 0)
			return -1;
	}
	return 0;
}

/* Most severe first; equal severities keep the order they were found in. */
static void sort_gaps(struct mk_bcp_doc *d)
{
	for (size_t x = 1; x < d->n_gaps; x++)
		for (size_t y = x; y > 0 && d->tpl->gaps[d->gaps[y - 1].rule].severity <
		                                d->tpl->gaps[d->gaps[y].rule].severity;
		     y--) {
			struct mk_bcp_gap tmp = d->gaps[y];

			d->gaps[y] = d->gaps[y - 1];
			d->gaps[y - 1] = tmp;
		}
}

static int derive_gaps(struct mk_bcp_doc *d, const struct mk_report *r)
{
	struct mk_bcp_date cutoff = mk_bcp_date_minus_months(d->today, d->tpl->derive.months);
	size_t cap = 0;

	/* with no date (now 0) nothing is recent: every date-based gap fires */
	if (d->today.y == 0)
		cutoff = (struct mk_bcp_date){9999, 12, 31};
	if (gaps_systems(d, r, &cap, &cutoff) != 0 || gaps_rest(d, &cap, &cutoff) != 0)
		return -1;
	sort_gaps(d);
	return 0;
}

/* ---- the whole document ---- */

int mk_assess_bcp(struct mk_assessment *as, const struct mk_answers *a, const struct mk_report *r,
                  char *err, size_t errlen)
{
	const struct mk_bcp_tpl *tpl = as->kb != NULL ? as->kb->bcp : NULL;
	struct mk_bcp_doc *d;
	struct net n = {0};

	mk_bcp_doc_free(as->bcp);
	as->bcp = NULL;
	if (tpl == NULL)
		return 0; /* a knowledge base without the BCP template */
	if ((d = doc_new(tpl, as->at_ns)) == NULL)
		goto nomem;
	if (a != NULL && a->bcp_json != NULL &&
	    mk_bcp_entries_read(d, a->bcp_json, strlen(a->bcp_json), err, errlen) != 0) {
		mk_bcp_doc_free(d);
		return -1;
	}
	if ((d->sign_seen = mk_bcp_doc_alloc(d, tpl->n_signs, sizeof(*d->sign_seen))) == NULL)
		goto nomem_doc;
	if (r != NULL) {
		if (net_build(&n, r, &tpl->derive) != 0 || derive_systems(d, &n) != 0 ||
		    derive_isolation(d, &n) != 0)
			goto nomem_doc;
		derive_signs(d, r);
	} else {
		for (size_t i = 0; i < d->n_systems; i++) {
			d->systems[i].role = -1;
			d->systems[i].tier = tpl->derive.n_tiers + 1;
			d->systems[i].asset_index = MK_BCP_NONE;
		}
	}
	for (size_t i = 0; i < d->n_systems; i++)
		if (d->systems[i].name[0] == '\0')
			d->systems[i].name = d->systems[i].asset; /* not in the ledger */
	if (derive_order(d) != 0 || derive_gaps(d, r) != 0)
		goto nomem_doc;
	net_free(&n);
	as->bcp = d;
	return 0;
nomem_doc:
	net_free(&n);
	mk_bcp_doc_free(d);
nomem:
	snprintf(err, errlen, "bcp: out of memory");
	errno = ENOMEM;
	return -1;
}

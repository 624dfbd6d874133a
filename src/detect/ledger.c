/* ledger.c - the change ledger (変更履歴): a bounded table of aggregated
 * operations on controllers.
 *
 * Key: (client, server, protocol, operation class, detail, maintenance
 * window).  An occurrence joins the latest entry of its key when it lies
 * within the gap of that entry's span (first - gap .. last + gap), so a
 * firmware transfer of 5,000 requests is one entry with count 5000, while the
 * same download repeated the next day is a second entry.  The window is part
 * of the key: occurrences inside a maintenance window never merge with those
 * outside it.
 *
 * Ids are a hash of the key and the entry's first time, taken when the entry
 * is created and kept (the first time may move earlier later on), so the
 * store replaces the same row at every snapshot.  An entry created for
 * traffic older than the latest entry of its key (an old capture analysed
 * after a newer one) salts its id with that entry's id so that it never takes
 * the id of an entry stored earlier.
 *
 * Memory: at most cap entries.  Only the latest entry of each key is linked
 * in the hash chains; entries already written out (clean) whose span ended
 * more than the gap before the newest time seen cannot grow any more and are
 * forgotten at export (the database has them).  When the table is full the
 * clean entries are forgotten first; when every entry still waits for its
 * export, the occurrence is dropped and counted (changes.dropped).
 */
#include "detect/ledger_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/facts.h"

#define NO_INDEX UINT32_MAX
#define NS_PER_S 1000000000ull

struct entry {
	uint64_t key; /* hash of the key fields */
	uint64_t idh; /* hash behind rec.id */
	uint32_t next;
	bool linked; /* the latest entry of its key (in a chain) */
	bool dirty;  /* changed since the last export */
	struct mk_change_rec rec;
};

struct mk_ledger {
	struct entry *v;
	size_t n, alloc, cap;
	uint32_t *buckets;
	size_t n_buckets; /* power of two */
	uint64_t gap_ns, now_ns, dropped;
	size_t n_dirty;
};

const char *mk_change_result(const struct mk_change_rec *c)
{
	if (c->ok == 0 && c->failed == 0)
		return "unknown";
	if (c->failed == 0)
		return "ok";
	return c->ok == 0 ? "error" : "mixed";
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void norm(struct mk_addr *a)
{
	size_t n = a->family == MK_AF_MAC     ? 6
	           : a->family == MK_AF_INET  ? 4
	           : a->family == MK_AF_INET6 ? 16
	                                      : 0;

	if (n == 0)
		a->family = MK_AF_NONE;
	memset(a->a + n, 0, sizeof(a->a) - n);
}

static uint64_t key_hash(const struct mk_change_rec *r)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const char *pname = mk_proto_id_name(r->proto), *oname = mk_op_class_name(r->op);

	/* By names, not enum numbers: ids stay stable across builds. */
	h = fnv(h, &r->client.family, 1);
	h = fnv(h, r->client.a, sizeof(r->client.a));
	h = fnv(h, &r->server.family, 1);
	h = fnv(h, r->server.a, sizeof(r->server.a));
	h = fnv(h, pname, strlen(pname) + 1);
	h = fnv(h, oname, strlen(oname) + 1);
	h = fnv(h, r->detail, strlen(r->detail) + 1);
	return fnv(h, &r->window, sizeof(r->window));
}

static bool same_key(const struct mk_change_rec *a, const struct mk_change_rec *b)
{
	return a->proto == b->proto && a->op == b->op && a->window == b->window &&
	       mk_addr_eq(&a->client, &b->client) && mk_addr_eq(&a->server, &b->server) &&
	       strcmp(a->detail, b->detail) == 0;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 64;

	while (p < n && p < ((size_t)1 << 30))
		p <<= 1;
	return p;
}

struct mk_ledger *mk_ledger_new(size_t cap, uint32_t gap_s)
{
	struct mk_ledger *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->cap = cap > 0 ? cap : 1;
	if (l->cap > ((size_t)1 << 30))
		l->cap = (size_t)1 << 30;
	l->gap_ns = (uint64_t)gap_s * NS_PER_S;
	l->n_buckets = pow2_at_least(l->cap);
	l->buckets = malloc(l->n_buckets * sizeof(*l->buckets));
	if (l->buckets == NULL) {
		free(l);
		return NULL;
	}
	memset(l->buckets, 0xff, l->n_buckets * sizeof(*l->buckets));
	return l;
}

void mk_ledger_free(struct mk_ledger *l)
{
	if (l == NULL)
		return;
	free(l->v);
	free(l->buckets);
	free(l);
}

size_t mk_ledger_count(const struct mk_ledger *l)
{
	return l->n;
}

uint64_t mk_ledger_dropped(const struct mk_ledger *l)
{
	return l->dropped;
}

/* The latest entry of rec's key, or NULL. */
static struct entry *find(struct mk_ledger *l, uint64_t key, const struct mk_change_rec *rec)
{
	for (uint32_t i = l->buckets[key & (l->n_buckets - 1)]; i != NO_INDEX; i = l->v[i].next)
		if (l->v[i].key == key && same_key(&l->v[i].rec, rec))
			return &l->v[i];
	return NULL;
}

static void unlink_entry(struct mk_ledger *l, struct entry *e)
{
	uint32_t idx = (uint32_t)(e - l->v);
	uint32_t *slot = &l->buckets[e->key & (l->n_buckets - 1)];

	while (*slot != NO_INDEX) {
		if (*slot == idx) {
			*slot = e->next;
			break;
		}
		slot = &l->v[*slot].next;
	}
	e->linked = false;
	e->next = NO_INDEX;
}

static void rebuild(struct mk_ledger *l)
{
	memset(l->buckets, 0xff, l->n_buckets * sizeof(*l->buckets));
	for (size_t i = 0; i < l->n; i++) {
		struct entry *e = &l->v[i];
		uint32_t *slot = &l->buckets[e->key & (l->n_buckets - 1)];

		e->next = NO_INDEX;
		if (!e->linked)
			continue;
		e->next = *slot;
		*slot = (uint32_t)i;
	}
}

/* Can e grow no more?  Its last occurrence is more than the gap before the
 * newest time seen. */
static bool closed(const struct mk_ledger *l, const struct entry *e)
{
	return l->now_ns > l->gap_ns && e->rec.last_ns < l->now_ns - l->gap_ns;
}

/* Forgets clean entries: those that are closed, or every clean one when
 * all_clean (the table is full). */
static void compact(struct mk_ledger *l, bool all_clean)
{
	size_t w = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct entry *e = &l->v[i];

		if (!e->dirty && (all_clean || closed(l, e)))
			continue;
		if (w != i)
			l->v[w] = *e;
		w++;
	}
	if (w == l->n)
		return;
	l->n = w;
	rebuild(l);
}

/* A new slot at the end of the table, or NULL when full of dirty entries. */
static struct entry *slot_new(struct mk_ledger *l)
{
	if (l->n >= l->cap && l->n_dirty < l->n)
		compact(l, true);
	if (l->n >= l->cap)
		return NULL;
	if (l->n == l->alloc) {
		size_t nalloc = l->alloc ? l->alloc * 2 : 64;
		struct entry *nv;

		if (nalloc > l->cap)
			nalloc = l->cap;
		nv = realloc(l->v, nalloc * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		l->v = nv;
		l->alloc = nalloc;
	}
	return &l->v[l->n++];
}

static void link_entry(struct mk_ledger *l, struct entry *e)
{
	uint32_t *slot = &l->buckets[e->key & (l->n_buckets - 1)];

	e->next = *slot;
	*slot = (uint32_t)(e - l->v);
	e->linked = true;
}

static void mark_dirty(struct mk_ledger *l, struct entry *e)
{
	if (!e->dirty) {
		e->dirty = true;
		l->n_dirty++;
	}
}

static void key_init(struct mk_change_rec *k, const struct mk_addr *client,
                     const struct mk_addr *server, uint16_t proto, uint8_t op, const char *detail,
                     uint32_t window)
{
	memset(k, 0, sizeof(*k));
	k->client = *client;
	k->server = *server;
	norm(&k->client);
	norm(&k->server);
	k->proto = proto;
	k->op = op;
	k->window = window;
	snprintf(k->detail, sizeof(k->detail), "%s", detail != NULL ? detail : "");
}

void mk_ledger_add(struct mk_ledger *l, const struct mk_addr *client, const struct mk_addr *server,
                   uint16_t proto, uint8_t op, const char *detail, uint32_t window, uint64_t ts_ns)
{
	struct mk_change_rec k;
	struct entry *e, *prev;
	uint64_t key, idh;

	key_init(&k, client, server, proto, op, detail, window);
	if (ts_ns > l->now_ns)
		l->now_ns = ts_ns;
	key = key_hash(&k);
	prev = find(l, key, &k);
	if (prev != NULL && ts_ns + l->gap_ns >= prev->rec.first_ns &&
	    ts_ns <= prev->rec.last_ns + l->gap_ns) {
		if (ts_ns < prev->rec.first_ns)
			prev->rec.first_ns = ts_ns;
		if (ts_ns > prev->rec.last_ns)
			prev->rec.last_ns = ts_ns;
		prev->rec.count++;
		mark_dirty(l, prev);
		return;
	}
	idh = fnv(key, &ts_ns, sizeof(ts_ns));
	if (prev != NULL && ts_ns < prev->rec.first_ns)
		idh = fnv(idh, &prev->idh, sizeof(prev->idh));
	/* slot_new may compact the table: find the previous entry again after it. */
	if ((e = slot_new(l)) == NULL) {
		l->dropped++;
		return;
	}
	if ((prev = find(l, key, &k)) != NULL)
		unlink_entry(l, prev);
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->idh = idh;
	e->rec = k;
	snprintf(e->rec.id, sizeof(e->rec.id), "ch-%016" PRIx64, idh);
	e->rec.first_ns = e->rec.last_ns = ts_ns;
	e->rec.count = 1;
	link_entry(l, e);
	mark_dirty(l, e);
}

void mk_ledger_result(struct mk_ledger *l, const struct mk_addr *client,
                      const struct mk_addr *server, uint16_t proto, uint8_t op, const char *detail,
                      uint32_t window, bool ok, uint64_t ts_ns)
{
	struct mk_change_rec k;
	struct entry *e;

	key_init(&k, client, server, proto, op, detail, window);
	e = find(l, key_hash(&k), &k);
	if (e == NULL || ts_ns + l->gap_ns < e->rec.first_ns || ts_ns > e->rec.last_ns + l->gap_ns)
		return;
	if (ok)
		e->rec.ok++;
	else
		e->rec.failed++;
	mark_dirty(l, e);
}

void mk_ledger_load(struct mk_ledger *l, const struct mk_change_rec *rec)
{
	struct mk_change_rec k = *rec;
	struct entry *e;
	uint64_t key;

	norm(&k.client);
	norm(&k.server);
	k.detail[sizeof(k.detail) - 1] = '\0';
	k.id[sizeof(k.id) - 1] = '\0';
	if (k.id[0] == '\0' || k.count == 0)
		return;
	key = key_hash(&k);
	e = find(l, key, &k);
	if (e != NULL) {
		/* Only the latest entry of a key can grow. */
		if (e->dirty || k.last_ns <= e->rec.last_ns)
			return;
		e->rec = k;
		e->idh = fnv(key, k.id, strlen(k.id));
		return;
	}
	if (l->n >= l->cap)
		return; /* the database keeps it; only its continuation is lost */
	if ((e = slot_new(l)) == NULL)
		return;
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->idh = fnv(key, k.id, strlen(k.id));
	e->rec = k;
	link_entry(l, e);
}

size_t mk_ledger_export(struct mk_ledger *l, struct mk_change_rec **out)
{
	struct mk_change_rec *v;
	size_t k = 0;

	*out = NULL;
	if (l->n_dirty > 0) {
		v = malloc(l->n_dirty * sizeof(*v));
		if (v == NULL)
			return (size_t)-1;
		for (size_t i = 0; i < l->n && k < l->n_dirty; i++)
			if (l->v[i].dirty) {
				v[k++] = l->v[i].rec;
				l->v[i].dirty = false;
			}
		l->n_dirty = 0;
		*out = v;
	}
	compact(l, false);
	return k;
}

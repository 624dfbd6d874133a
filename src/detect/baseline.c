/* baseline.c - the learned normal picture and the deviation detectors.
 *
 * Learning collects keys (baseline.h): devices, conversations, protocols per
 * device and side, learnable operation classes per pair, writers to
 * controller protocols, and per device the largest hourly volume and the
 * longest silence.  Sealing ends learning; from then on:
 *
 * - at each snapshot, over the asset and conversation records (derived
 *   findings, counted from the records, so repeated snapshots never double
 *   count):
 *     new_device         an asset that is not learned
 *     new_conversation   a conversation between two learned devices that is
 *                        not learned (and whose protocol is not new for
 *                        either end: new_protocol says that more precisely);
 *                        not to broadcast/multicast (internet hosts are no
 *                        assets, so browsing never alerts)
 *     new_protocol       a learned device speaks a protocol (as client or
 *                        server) it did not speak while learning
 *     new_operation      a learned conversation on a controller protocol
 *                        carries an operation class (read, write, diagnostic,
 *                        other) not seen between the pair while learning
 *     unauthorized_write a write on a controller protocol from a client that
 *                        neither wrote while learning, nor was a client of
 *                        that protocol while learning, nor holds a writer
 *                        role (detect.tsv writer_role) with enough confidence
 * - at each tick (every tick_s of packet time), over the inventory's running
 *   totals:
 *     volume_anomaly     a learned device's bytes in the current clock hour
 *                        exceed max(volume_factor x learned max, floor)
 *     device_silent      a learned device heard in enough learning ticks has
 *                        been silent longer than max(silence_min_s,
 *                        silence_factor x its longest learned silence);
 *                        silence counts from the start of judging at the
 *                        earliest, so a gap between capture files is not one
 *
 * Only what appeared after learning ended is judged: in the run that sealed,
 * records first seen before the seal (flows open at that moment) are learned
 * when they show up.  Dangerous operation classes (program, control,
 * firmware, auth) are never learned; their own alerts (detect.c) fire in
 * learning and judging alike.
 */
#include "detect/baseline_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/ledger.h"
#include "mieruka/util.h"

#define NO_INDEX UINT32_MAX
#define NS_PER_S 1000000000ull
#define NS_PER_HOUR (3600ull * NS_PER_S)

struct bl_item {
	struct mk_baseline_item it;
	uint64_t hash;
	uint32_t next;
	bool dirty;
};

/* A device followed by the tick. */
struct track {
	char id[MK_ASSET_ID_LEN];
	uint64_t hash;
	uint32_t next;
	uint64_t last_total; /* the inventory's byte total at the previous tick */
	uint64_t hour;       /* clock hour (packet time) of hour_bytes */
	uint64_t hour_bytes;
	uint64_t last_seen; /* last_ns at the previous tick */
	bool silent, hour_alerted;
	/* learning */
	uint64_t l_silence, l_ticks, l_hour_max, l_hour_sum, l_hours;
};

struct mk_baseline {
	const struct mk_detect_rules *r;
	struct mk_baseline_meta meta;
	bool meta_dirty;
	uint32_t learn_hours; /* 0: sealed by the caller */
	bool learn_late;      /* sealed in this run: records first seen before are learned */
	uint64_t judge_from;  /* silence is counted from here at the earliest */
	uint64_t run_start;   /* first tick of this run */
	uint64_t now;         /* time of the current tick */
	struct bl_item *items;
	size_t n, cap;
	uint32_t *buckets;
	size_t n_buckets;
	struct track *tracks;
	size_t n_tracks, cap_tracks;
	uint32_t *t_buckets;
	size_t n_t_buckets;
	struct mk_baseline_stats stats;
	int t_new_device, t_new_conv, t_new_proto, t_new_op, t_unauth, t_volume, t_silent;
};

static const char *const state_names[MK_BASELINE_STATE_COUNT] = {"none", "learning", "judging"};
static const char *const kind_names[MK_BK_COUNT] = {"device",    "conversation", "protocol",
                                                    "operation", "writer",       "volume"};

const char *mk_baseline_state_name(unsigned st)
{
	return st < MK_BASELINE_STATE_COUNT ? state_names[st] : "none";
}

int mk_baseline_state_from_name(const char *name)
{
	for (unsigned i = 0; name != NULL && i < MK_BASELINE_STATE_COUNT; i++)
		if (strcmp(state_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *mk_baseline_kind_name(unsigned kind)
{
	return kind < MK_BK_COUNT ? kind_names[kind] : "unknown";
}

int mk_baseline_kind_from_name(const char *name)
{
	for (unsigned i = 0; name != NULL && i < MK_BK_COUNT; i++)
		if (strcmp(kind_names[i], name) == 0)
			return (int)i;
	return -1;
}

bool mk_baseline_op_learnable(unsigned op)
{
	return op == MK_OP_READ || op == MK_OP_WRITE || op == MK_OP_DIAGNOSTIC || op == MK_OP_OTHER;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 64;

	while (p < n && p < ((size_t)1 << 30))
		p <<= 1;
	return p;
}

struct mk_baseline *mk_baseline_new(const struct mk_detect_rules *r)
{
	struct mk_baseline *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->r = r;
	b->n_buckets = pow2_at_least(r->baseline_max_items);
	b->n_t_buckets = pow2_at_least(r->baseline_max_tracked);
	b->buckets = malloc(b->n_buckets * sizeof(*b->buckets));
	b->t_buckets = malloc(b->n_t_buckets * sizeof(*b->t_buckets));
	if (b->buckets == NULL || b->t_buckets == NULL) {
		mk_baseline_free(b);
		return NULL;
	}
	memset(b->buckets, 0xff, b->n_buckets * sizeof(*b->buckets));
	memset(b->t_buckets, 0xff, b->n_t_buckets * sizeof(*b->t_buckets));
	b->t_new_device = mk_detect_type_index(r, "new_device");
	b->t_new_conv = mk_detect_type_index(r, "new_conversation");
	b->t_new_proto = mk_detect_type_index(r, "new_protocol");
	b->t_new_op = mk_detect_type_index(r, "new_operation");
	b->t_unauth = mk_detect_type_index(r, "unauthorized_write");
	b->t_volume = mk_detect_type_index(r, "volume_anomaly");
	b->t_silent = mk_detect_type_index(r, "device_silent");
	return b;
}

void mk_baseline_free(struct mk_baseline *b)
{
	if (b == NULL)
		return;
	free(b->items);
	free(b->buckets);
	free(b->tracks);
	free(b->t_buckets);
	free(b);
}

/* ------------------------------------------------------------ the items */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t item_hash(unsigned kind, const char *key)
{
	uint8_t k = (uint8_t)kind;

	return fnv(fnv(0xcbf29ce484222325ull, &k, 1), key, strlen(key));
}

static struct bl_item *item_find(const struct mk_baseline *b, unsigned kind, const char *key,
                                 uint64_t h)
{
	for (uint32_t i = b->buckets[h & (b->n_buckets - 1)]; i != NO_INDEX; i = b->items[i].next) {
		struct bl_item *e = &b->items[i];

		if (e->hash == h && e->it.kind == kind && strcmp(e->it.key, key) == 0)
			return e;
	}
	return NULL;
}

const struct mk_baseline_item *mk_baseline_find(const struct mk_baseline *b, unsigned kind,
                                                const char *key)
{
	struct bl_item *e = item_find(b, kind, key, item_hash(kind, key));

	return e != NULL ? &e->it : NULL;
}

static bool has(const struct mk_baseline *b, unsigned kind, const char *key)
{
	return mk_baseline_find(b, kind, key) != NULL;
}

/* Finds or adds (kind, key); NULL when the cap refuses it (counted). */
static struct bl_item *item_get(struct mk_baseline *b, unsigned kind, const char *key)
{
	uint64_t h = item_hash(kind, key);
	struct bl_item *e = item_find(b, kind, key, h);
	uint32_t *slot;

	if (e != NULL)
		return e;
	if (b->n >= b->r->baseline_max_items || kind >= MK_BK_COUNT ||
	    strlen(key) >= MK_BASELINE_KEY_LEN || key[0] == '\0') {
		b->stats.items_dropped++;
		return NULL;
	}
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 256;
		struct bl_item *nv;

		if (ncap > b->r->baseline_max_items)
			ncap = b->r->baseline_max_items;
		nv = realloc(b->items, ncap * sizeof(*nv));
		if (nv == NULL) {
			b->stats.items_dropped++;
			return NULL;
		}
		b->items = nv;
		b->cap = ncap;
	}
	e = &b->items[b->n];
	memset(e, 0, sizeof(*e));
	e->it.kind = (uint8_t)kind;
	snprintf(e->it.key, sizeof(e->it.key), "%s", key);
	e->hash = h;
	slot = &b->buckets[h & (b->n_buckets - 1)];
	e->next = *slot;
	*slot = (uint32_t)b->n;
	b->n++;
	e->dirty = true;
	return e;
}

static void set_max(struct bl_item *e, uint64_t *field, uint64_t v)
{
	if (v > *field) {
		*field = v;
		e->dirty = true;
	}
}

/* Learns (kind, key) seen from first to last. */
static struct bl_item *learn(struct mk_baseline *b, unsigned kind, const char *key, uint64_t first,
                             uint64_t last)
{
	struct bl_item *e = item_get(b, kind, key);

	if (e == NULL)
		return NULL;
	if (first != 0 && (e->it.first_ns == 0 || first < e->it.first_ns)) {
		e->it.first_ns = first;
		e->dirty = true;
	}
	set_max(e, &e->it.last_ns, last);
	return e;
}

int mk_baseline_load_item(struct mk_baseline *b, const struct mk_baseline_item *it)
{
	char key[MK_BASELINE_KEY_LEN];
	struct bl_item *e;

	memcpy(key, it->key, sizeof(key));
	key[sizeof(key) - 1] = '\0';
	if ((e = item_get(b, it->kind, key)) == NULL)
		return -1;
	if (it->first_ns != 0 && (e->it.first_ns == 0 || it->first_ns < e->it.first_ns))
		e->it.first_ns = it->first_ns;
	if (it->last_ns > e->it.last_ns)
		e->it.last_ns = it->last_ns;
	for (int i = 0; i < 3; i++)
		if (it->n[i] > e->it.n[i])
			e->it.n[i] = it->n[i];
	e->it.accepted |= it->accepted;
	e->dirty = false; /* the database has it */
	return 0;
}

void mk_baseline_load_meta(struct mk_baseline *b, const struct mk_baseline_meta *m)
{
	b->meta = *m;
	b->meta.source[sizeof(b->meta.source) - 1] = '\0';
	if (b->meta.state >= MK_BASELINE_STATE_COUNT)
		b->meta.state = MK_BASELINE_NONE;
	b->meta_dirty = false;
}

const struct mk_baseline_meta *mk_baseline_meta(const struct mk_baseline *b)
{
	return &b->meta;
}

size_t mk_baseline_count(const struct mk_baseline *b)
{
	return b->n;
}

const struct mk_baseline_stats *mk_baseline_stats(const struct mk_baseline *b)
{
	return &b->stats;
}

size_t mk_baseline_export(struct mk_baseline *b, struct mk_baseline_meta **meta,
                          struct mk_baseline_item **items)
{
	size_t n = 0, k = 0;

	*meta = NULL;
	*items = NULL;
	for (size_t i = 0; i < b->n; i++)
		n += b->items[i].dirty;
	if (b->meta_dirty) {
		if ((*meta = malloc(sizeof(**meta))) == NULL)
			return (size_t)-1;
		**meta = b->meta;
	}
	if (n > 0 && (*items = malloc(n * sizeof(**items))) == NULL) {
		free(*meta);
		*meta = NULL;
		return (size_t)-1;
	}
	for (size_t i = 0; i < b->n && k < n; i++)
		if (b->items[i].dirty) {
			(*items)[k++] = b->items[i].it;
			b->items[i].dirty = false;
		}
	b->meta_dirty = false;
	return k;
}

/* ------------------------------------------------------------- the keys */

static void addr_norm(struct mk_addr *a)
{
	size_t n = a->family == MK_AF_MAC     ? 6
	           : a->family == MK_AF_INET  ? 4
	           : a->family == MK_AF_INET6 ? 16
	                                      : 0;

	if (n == 0)
		a->family = MK_AF_NONE;
	memset(a->a + n, 0, sizeof(a->a) - n);
}

static const char *addr_text(const struct mk_addr *a, char buf[MK_ADDR_STRLEN])
{
	if (a->family == MK_AF_NONE) {
		snprintf(buf, MK_ADDR_STRLEN, "-");
		return buf;
	}
	return mk_addr_str(a, buf);
}

static const char *transport_text(uint8_t t, char buf[8])
{
	if (t == 6)
		return "tcp";
	if (t == 17)
		return "udp";
	if (t == 0)
		return "l2";
	snprintf(buf, 8, "%u", t);
	return buf;
}

void mk_baseline_key_conv(char *out, const struct mk_addr *client, const struct mk_addr *server,
                          uint8_t transport, uint16_t port, uint16_t proto)
{
	char c[MK_ADDR_STRLEN], s[MK_ADDR_STRLEN], t[8];

	snprintf(out, MK_BASELINE_KEY_LEN, "%s|%s|%s|%u|%s", addr_text(client, c),
	         addr_text(server, s), transport_text(transport, t), port, mk_proto_id_name(proto));
}

void mk_baseline_key_protocol(char *out, const char *asset_id, bool server, uint16_t proto)
{
	snprintf(out, MK_BASELINE_KEY_LEN, "%s|%s|%s", asset_id, server ? "server" : "client",
	         mk_proto_id_name(proto));
}

void mk_baseline_key_operation(char *out, const struct mk_addr *client,
                               const struct mk_addr *server, uint16_t proto, unsigned op)
{
	char c[MK_ADDR_STRLEN], s[MK_ADDR_STRLEN];

	snprintf(out, MK_BASELINE_KEY_LEN, "%s|%s|%s|%s", addr_text(client, c),
	         addr_text(server, s), mk_proto_id_name(proto), mk_op_class_name(op));
}

void mk_baseline_key_address(char *out, const struct mk_addr *a)
{
	char t[MK_ADDR_STRLEN];

	snprintf(out, MK_BASELINE_KEY_LEN, "@%s", addr_text(a, t));
}

void mk_baseline_key_writer(char *out, const struct mk_addr *client, uint16_t proto)
{
	char c[MK_ADDR_STRLEN];

	snprintf(out, MK_BASELINE_KEY_LEN, "%s|%s", addr_text(client, c), mk_proto_id_name(proto));
}

void mk_baseline_asset_id(char out[MK_ASSET_ID_LEN], const struct mk_addr *key, bool by_mac)
{
	char s[MK_ADDR_STRLEN];

	if (by_mac)
		snprintf(out, MK_ASSET_ID_LEN, "m-%02x%02x%02x%02x%02x%02x", key->a[0], key->a[1],
		         key->a[2], key->a[3], key->a[4], key->a[5]);
	else
		snprintf(out, MK_ASSET_ID_LEN, "i-%s", mk_addr_str(key, s));
}

/* ------------------------------------------------------------- learning */

void mk_baseline_learn(struct mk_baseline *b, const char *source, uint32_t hours)
{
	if (b->meta.state != MK_BASELINE_LEARNING) {
		b->meta.state = MK_BASELINE_LEARNING;
		b->meta.learn_end_ns = 0;
		/* learning again after judging keeps when it first began */
	}
	snprintf(b->meta.source, sizeof(b->meta.source), "%s", source != NULL ? source : "");
	b->learn_hours = hours;
	b->meta_dirty = true;
}

bool mk_baseline_seal_due(const struct mk_baseline *b, uint64_t now)
{
	return b->meta.state == MK_BASELINE_LEARNING && b->learn_hours > 0 &&
	       b->meta.learn_start_ns != 0 &&
	       now >= b->meta.learn_start_ns + (uint64_t)b->learn_hours * NS_PER_HOUR;
}

void mk_baseline_seal(struct mk_baseline *b, uint64_t now)
{
	if (b->meta.state != MK_BASELINE_LEARNING)
		return;
	b->meta.state = MK_BASELINE_JUDGING;
	if (b->meta.learn_start_ns == 0)
		b->meta.learn_start_ns = now;
	b->meta.learn_end_ns = now;
	b->meta_dirty = true;
	b->learn_late = true;
	b->judge_from = now;
	/* The hour in progress was learned; judging counts afresh. */
	for (size_t i = 0; i < b->n_tracks; i++)
		b->tracks[i].hour_bytes = 0;
}

static struct track *track_find(const struct mk_baseline *b, const char *id, uint64_t h)
{
	for (uint32_t i = b->t_buckets[h & (b->n_t_buckets - 1)]; i != NO_INDEX;
	     i = b->tracks[i].next)
		if (b->tracks[i].hash == h && strcmp(b->tracks[i].id, id) == 0)
			return &b->tracks[i];
	return NULL;
}

static void learn_protocols(struct mk_baseline *b, const char *id, const struct mk_proto_set *set,
                            bool server, uint64_t first, uint64_t last)
{
	char key[MK_BASELINE_KEY_LEN];

	for (unsigned p = 1; p < MK_PROTO_COUNT; p++)
		if (mk_proto_set_has(set, p)) {
			mk_baseline_key_protocol(key, id, server, (uint16_t)p);
			learn(b, MK_BK_PROTOCOL, key, first, last);
		}
}

static void learn_asset(struct mk_baseline *b, const struct mk_asset_rec *a)
{
	struct bl_item *dev = learn(b, MK_BK_DEVICE, a->id, a->first_ns, a->last_ns);
	const struct track *t = track_find(b, a->id, item_hash(MK_BK_DEVICE, a->id));

	learn_protocols(b, a->id, &a->server, true, a->first_ns, a->last_ns);
	learn_protocols(b, a->id, &a->client, false, a->first_ns, a->last_ns);
	if (t == NULL || dev == NULL)
		return;
	set_max(dev, &dev->it.n[0], t->l_silence);
	set_max(dev, &dev->it.n[1], t->l_ticks);
	if (t->l_hour_max > 0 || t->hour_bytes > 0) {
		struct bl_item *vol = learn(b, MK_BK_VOLUME, a->id, a->first_ns, a->last_ns);

		if (vol == NULL)
			return;
		/* the hour in progress counts towards the maximum */
		set_max(vol, &vol->it.n[0],
		        t->l_hour_max > t->hour_bytes ? t->l_hour_max : t->hour_bytes);
		set_max(vol, &vol->it.n[1], t->l_hour_sum);
		set_max(vol, &vol->it.n[2], t->l_hours);
	}
}

void mk_baseline_learn_conv(struct mk_baseline *b, const struct mk_conv_rec *c)
{
	char key[MK_BASELINE_KEY_LEN];
	struct mk_addr cl = c->client, sv = c->server;
	bool controller = c->proto < MK_PROTO_COUNT && b->r->controller[c->proto];

	addr_norm(&cl);
	addr_norm(&sv);
	/* Plants use public ranges inside too: every conversation is learned
	 * (the cap bounds them); only those between assets are judged. */
	mk_baseline_key_conv(key, &cl, &sv, c->transport, c->port, c->proto);
	learn(b, MK_BK_CONVERSATION, key, c->first_ns, c->last_ns);
	/* Its endpoints were there while learning, even one that had not yet
	 * sent a packet (a PLC answers after the learning part ended). */
	if (!mk_addr_is_special(&sv)) {
		mk_baseline_key_address(key, &cl);
		learn(b, MK_BK_DEVICE, key, c->first_ns, c->last_ns);
		mk_baseline_key_address(key, &sv);
		learn(b, MK_BK_DEVICE, key, c->first_ns, c->last_ns);
	}
	if (!controller)
		return;
	for (unsigned op = 0; op < MK_OP_COUNT; op++)
		if (c->ops[op] > 0 && mk_baseline_op_learnable(op)) {
			mk_baseline_key_operation(key, &cl, &sv, c->proto, op);
			learn(b, MK_BK_OPERATION, key, c->first_ns, c->last_ns);
		}
	if (c->ops[MK_OP_WRITE] > 0) {
		mk_baseline_key_writer(key, &cl, c->proto);
		learn(b, MK_BK_WRITER, key, c->first_ns, c->last_ns);
	}
}

void mk_baseline_learn_records(struct mk_baseline *b, const struct mk_asset_rec *assets,
                               size_t n_assets, const struct mk_conv_rec *convs, size_t n_convs)
{
	for (size_t i = 0; i < n_assets; i++)
		learn_asset(b, &assets[i]);
	for (size_t i = 0; i < n_convs; i++)
		mk_baseline_learn_conv(b, &convs[i]);
}

/* -------------------------------------------------------------- judging */

struct addr_ix {
	struct mk_addr a;
	size_t asset;
};

static int addr_ix_cmp(const void *x, const void *y)
{
	return mk_addr_cmp(&((const struct addr_ix *)x)->a, &((const struct addr_ix *)y)->a);
}

static const struct mk_asset_rec *asset_of(const struct addr_ix *ix, size_t n,
                                           const struct mk_asset_rec *assets,
                                           const struct mk_addr *a)
{
	struct addr_ix key = {*a, 0};
	const struct addr_ix *hit;

	if (n == 0 || a->family == MK_AF_NONE)
		return NULL;
	hit = bsearch(&key, ix, n, sizeof(*ix), addr_ix_cmp);
	return hit != NULL ? &assets[hit->asset] : NULL;
}

static struct addr_ix *index_assets(const struct mk_asset_rec *assets, size_t n_assets,
                                    size_t *n_ix)
{
	struct addr_ix *ix;
	size_t want = 0, n = 0;

	*n_ix = 0;
	for (size_t i = 0; i < n_assets; i++)
		want += assets[i].n_ips + (assets[i].mac.family == MK_AF_MAC);
	if (want == 0 || (ix = malloc(want * sizeof(*ix))) == NULL)
		return NULL;
	for (size_t i = 0; i < n_assets; i++) {
		for (size_t k = 0; k < assets[i].n_ips; k++) {
			ix[n].a = assets[i].ips[k];
			addr_norm(&ix[n].a);
			ix[n++].asset = i;
		}
		if (assets[i].mac.family == MK_AF_MAC) {
			ix[n].a = assets[i].mac;
			addr_norm(&ix[n].a);
			ix[n++].asset = i;
		}
	}
	qsort(ix, n, sizeof(*ix), addr_ix_cmp);
	*n_ix = n;
	return ix;
}

static bool device_learned(const struct mk_baseline *b, const struct mk_asset_rec *a)
{
	return a != NULL && has(b, MK_BK_DEVICE, a->id);
}

/* Was one of the asset's addresses an endpoint of a learned conversation? */
static bool address_learned(const struct mk_baseline *b, const struct mk_asset_rec *a)
{
	char key[MK_BASELINE_KEY_LEN];
	struct mk_addr x;

	for (size_t i = 0; i < a->n_ips; i++) {
		x = a->ips[i];
		addr_norm(&x);
		mk_baseline_key_address(key, &x);
		if (has(b, MK_BK_DEVICE, key))
			return true;
	}
	if (a->mac.family != MK_AF_MAC)
		return false;
	x = a->mac;
	addr_norm(&x);
	mk_baseline_key_address(key, &x);
	return has(b, MK_BK_DEVICE, key);
}

/* May the client write to controllers by its role? */
static bool writer_by_role(const struct mk_baseline *b, const struct mk_asset_rec *a)
{
	if (a == NULL || a->n_roles == 0 || a->roles[0].role >= MK_ROLE_COUNT)
		return false;
	return b->r->writer_role[a->roles[0].role] &&
	       a->roles[0].confidence >= b->r->writer_role_min_confidence;
}

static void finding_init(struct mk_detect_finding *f, int type, const struct mk_conv_rec *c)
{
	memset(f, 0, sizeof(*f));
	f->type = type;
	f->subject = "";
	if (c != NULL) {
		f->client = c->client;
		f->server = c->server;
		addr_norm(&f->client);
		addr_norm(&f->server);
		f->transport = c->transport;
		f->port = c->port;
		f->proto = c->proto;
		f->first = c->first_ns;
		f->last = c->last_ns;
		f->count = c->flows > 0 ? c->flows : 1;
	}
}

static void ev_add(struct mk_detect_finding *f, const char *key, uint64_t v)
{
	if (f->n_ev < MK_DETECT_FINDING_EV) {
		f->ev_key[f->n_ev] = key;
		f->ev[f->n_ev++] = v;
	}
}

static void judge_new_device(struct mk_baseline *b, struct mk_detect *d,
                             const struct mk_asset_rec *a)
{
	struct mk_detect_finding f;
	char mac[MK_ADDR_STRLEN], note[MK_DETECT_WORD_LEN];

	finding_init(&f, b->t_new_device, NULL);
	f.client = a->n_ips > 0 ? a->ips[0] : a->mac;
	addr_norm(&f.client);
	f.subject = a->id;
	f.first = a->first_ns;
	f.last = a->last_ns;
	f.count = 1;
	/* What a person recognises it by: a name, else the maker, else the MAC. */
	if (a->n_names > 0 && a->names[0].name != NULL)
		snprintf(note, sizeof(note), "%s", a->names[0].name);
	else if (a->vendor != NULL && a->vendor[0] != '\0')
		snprintf(note, sizeof(note), "%s", a->vendor);
	else if (a->mac.family == MK_AF_MAC)
		snprintf(note, sizeof(note), "%s", mk_addr_str(&a->mac, mac));
	else
		snprintf(note, sizeof(note), "%s", a->id);
	f.note = note;
	ev_add(&f, "packets", a->packets);
	ev_add(&f, "bytes", a->bytes);
	mk_detect_find(d, &f, true);
}

/* Is the record new after learning?  In the run that sealed, what was first
 * seen before the seal is learned now instead (an open flow at sealing). */
static bool judged(const struct mk_baseline *b, uint64_t first_ns)
{
	return !(b->learn_late && first_ns <= b->meta.learn_end_ns);
}

static void judge_conv(struct mk_baseline *b, struct mk_detect *d, const struct mk_conv_rec *c,
                       const struct mk_asset_rec *ca, const struct mk_asset_rec *sa)
{
	char key[MK_BASELINE_KEY_LEN], subj[MK_ALERT_SUBJECT_LEN];
	struct mk_detect_finding f;
	struct mk_addr cl = c->client, sv = c->server;
	bool controller = c->proto < MK_PROTO_COUNT && b->r->controller[c->proto];
	bool cl_known = device_learned(b, ca), sv_known = device_learned(b, sa);
	bool new_proto = false, conv_known, unauth = false, taught = false;

	addr_norm(&cl);
	addr_norm(&sv);
	mk_baseline_key_conv(key, &cl, &sv, c->transport, c->port, c->proto);
	conv_known = has(b, MK_BK_CONVERSATION, key);

	/* new_protocol, for each end that is a learned device */
	for (int side = 0; side < 2 && c->proto != MK_PROTO_UNKNOWN; side++) {
		const struct mk_asset_rec *a = side == 0 ? ca : sa;

		if (!(side == 0 ? cl_known : sv_known))
			continue;
		mk_baseline_key_protocol(key, a->id, side == 1, c->proto);
		const struct mk_baseline_item *pi = mk_baseline_find(b, MK_BK_PROTOCOL, key);

		if (pi != NULL) {
			/* A person accepted this protocol for the device: with any peer. */
			taught |= pi->accepted;
			continue;
		}
		new_proto = true;
		finding_init(&f, b->t_new_proto, c);
		/* one alert per device, protocol and side */
		f.client = side == 0 ? cl : sv;
		f.server = (struct mk_addr){0};
		f.transport = 0;
		f.port = 0;
		snprintf(subj, sizeof(subj), "%.44s|%c", a->id, side == 1 ? 's' : 'c');
		f.subject = subj;
		f.note = side == 1 ? "server" : "client";
		mk_detect_find(d, &f, true);
	}

	/* new_conversation: between learned devices, not to a group address */
	if (!conv_known && !new_proto && !taught && cl_known && sv_known &&
	    !mk_addr_is_special(&sv)) {
		finding_init(&f, b->t_new_conv, c);
		if (controller)
			f.severity = MK_SEV_MEDIUM;
		ev_add(&f, "packets", c->packets);
		ev_add(&f, "bytes", c->bytes);
		if (c->ops[MK_OP_WRITE] > 0)
			ev_add(&f, "write", c->ops[MK_OP_WRITE]);
		if (c->ops[MK_OP_READ] > 0)
			ev_add(&f, "read", c->ops[MK_OP_READ]);
		mk_detect_find(d, &f, true);
	}
	if (!controller)
		return;

	/* unauthorized_write */
	if (c->ops[MK_OP_WRITE] > 0) {
		char pkey[MK_BASELINE_KEY_LEN];
		bool learned_client = false;

		mk_baseline_key_writer(key, &cl, c->proto);
		if (ca != NULL) {
			mk_baseline_key_protocol(pkey, ca->id, false, c->proto);
			learned_client = has(b, MK_BK_PROTOCOL, pkey);
		}
		if (!has(b, MK_BK_WRITER, key) && !learned_client && !writer_by_role(b, ca)) {
			unauth = true;
			finding_init(&f, b->t_unauth, c);
			f.count = c->ops[MK_OP_WRITE];
			ev_add(&f, "write", c->ops[MK_OP_WRITE]);
			mk_detect_find(d, &f, true);
		}
	}

	/* new_operation, on a conversation that was learned */
	if (!conv_known)
		return;
	for (unsigned op = 0; op < MK_OP_COUNT; op++) {
		if (c->ops[op] == 0 || !mk_baseline_op_learnable(op) ||
		    (op == MK_OP_WRITE && unauth))
			continue;
		mk_baseline_key_operation(key, &cl, &sv, c->proto, op);
		if (has(b, MK_BK_OPERATION, key))
			continue;
		finding_init(&f, b->t_new_op, c);
		f.subject = mk_op_class_name(op);
		f.note = mk_op_class_name(op);
		f.count = c->ops[op];
		if (op == MK_OP_WRITE)
			f.severity = MK_SEV_MEDIUM;
		mk_detect_find(d, &f, true);
	}
}

/* Learns the late records of the sealing run: assets and conversations first
 * seen before the seal (their flows were still open then). */
static void learn_late(struct mk_baseline *b, const struct mk_asset_rec *assets, size_t n_assets,
                       const struct mk_conv_rec *convs, size_t n_convs, const struct addr_ix *ix,
                       size_t n_ix)
{
	char key[MK_BASELINE_KEY_LEN];

	for (size_t i = 0; i < n_assets; i++)
		if (!judged(b, assets[i].first_ns) && !has(b, MK_BK_DEVICE, assets[i].id))
			learn(b, MK_BK_DEVICE, assets[i].id, assets[i].first_ns, assets[i].last_ns);
	for (size_t i = 0; i < n_convs; i++) {
		const struct mk_conv_rec *c = &convs[i];
		struct mk_addr cl = c->client, sv = c->server;
		const struct mk_asset_rec *ca, *sa;

		if (judged(b, c->first_ns))
			continue;
		addr_norm(&cl);
		addr_norm(&sv);
		mk_baseline_key_conv(key, &cl, &sv, c->transport, c->port, c->proto);
		if (!has(b, MK_BK_CONVERSATION, key))
			mk_baseline_learn_conv(b, c);
		if (c->proto == MK_PROTO_UNKNOWN)
			continue;
		ca = asset_of(ix, n_ix, assets, &cl);
		sa = asset_of(ix, n_ix, assets, &sv);
		if (ca != NULL) {
			mk_baseline_key_protocol(key, ca->id, false, c->proto);
			learn(b, MK_BK_PROTOCOL, key, c->first_ns, c->last_ns);
		}
		if (sa != NULL) {
			mk_baseline_key_protocol(key, sa->id, true, c->proto);
			learn(b, MK_BK_PROTOCOL, key, c->first_ns, c->last_ns);
		}
	}
}

void mk_baseline_snapshot(struct mk_baseline *b, struct mk_detect *d,
                          const struct mk_asset_rec *assets, size_t n_assets,
                          const struct mk_conv_rec *convs, size_t n_convs)
{
	struct addr_ix *ix;
	size_t n_ix;

	if (b->meta.state == MK_BASELINE_LEARNING) {
		mk_baseline_learn_records(b, assets, n_assets, convs, n_convs);
		return;
	}
	if (b->meta.state != MK_BASELINE_JUDGING)
		return;
	ix = index_assets(assets, n_assets, &n_ix);
	if (b->learn_late)
		learn_late(b, assets, n_assets, convs, n_convs, ix, n_ix);
	for (size_t i = 0; i < n_assets; i++) {
		if (has(b, MK_BK_DEVICE, assets[i].id))
			continue;
		if (address_learned(b, &assets[i])) {
			/* addressed while learning, heard only now: known, not new */
			learn(b, MK_BK_DEVICE, assets[i].id, assets[i].first_ns, assets[i].last_ns);
			continue;
		}
		judge_new_device(b, d, &assets[i]);
	}
	for (size_t i = 0; i < n_convs; i++) {
		struct mk_addr cl = convs[i].client, sv = convs[i].server;

		if (convs[i].proto >= MK_PROTO_COUNT)
			continue;
		addr_norm(&cl);
		addr_norm(&sv);
		judge_conv(b, d, &convs[i], asset_of(ix, n_ix, assets, &cl),
		           asset_of(ix, n_ix, assets, &sv));
	}
	free(ix);
}

/* ----------------------------------------------------------------- tick */

static struct track *track_get(struct mk_baseline *b, const char *id, uint64_t h)
{
	struct track *t = track_find(b, id, h);
	uint32_t *slot;

	if (t != NULL)
		return t;
	if (b->n_tracks >= b->r->baseline_max_tracked) {
		b->stats.tracked_dropped++;
		return NULL;
	}
	if (b->n_tracks == b->cap_tracks) {
		size_t ncap = b->cap_tracks ? b->cap_tracks * 2 : 64;
		struct track *nv;

		if (ncap > b->r->baseline_max_tracked)
			ncap = b->r->baseline_max_tracked;
		if ((nv = realloc(b->tracks, ncap * sizeof(*nv))) == NULL) {
			b->stats.tracked_dropped++;
			return NULL;
		}
		b->tracks = nv;
		b->cap_tracks = ncap;
	}
	t = &b->tracks[b->n_tracks];
	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", id);
	t->hash = h;
	slot = &b->t_buckets[h & (b->n_t_buckets - 1)];
	t->next = *slot;
	*slot = (uint32_t)b->n_tracks;
	b->n_tracks++;
	return t;
}

void mk_baseline_tick_begin(struct mk_baseline *b, uint64_t now)
{
	if (now > b->now)
		b->now = now;
	if (b->run_start == 0)
		b->run_start = b->now;
	if (b->meta.state == MK_BASELINE_LEARNING && b->meta.learn_start_ns == 0) {
		b->meta.learn_start_ns = b->now;
		b->meta_dirty = true;
	}
	if (b->meta.state == MK_BASELINE_JUDGING && b->judge_from == 0)
		b->judge_from = b->now;
}

static void fmt_mb(char *out, uint64_t bytes)
{
	/* MB with three decimals: a sensor's hour of 0.094 MB must not read 0.0 */
	snprintf(out, MK_DETECT_VALUE_LEN, "%" PRIu64 ".%03" PRIu64, bytes / 1000000,
	         bytes % 1000000 / 1000);
}

/* max(floor, factor x learned), without overflow */
static uint64_t scaled_max(uint64_t floor, uint64_t learned, uint32_t factor)
{
	if (factor == 0 || learned <= floor / factor)
		return floor;
	return learned > UINT64_MAX / factor ? UINT64_MAX : learned * factor;
}

static void judge_track(struct mk_baseline *b, struct mk_detect *d, struct track *t,
                        const struct mk_inventory_total *o)
{
	const struct mk_baseline_item *dev = mk_baseline_find(b, MK_BK_DEVICE, t->id);
	const struct mk_baseline_item *vol = mk_baseline_find(b, MK_BK_VOLUME, t->id);
	struct mk_detect_finding f;
	char value[MK_DETECT_VALUE_LEN], limit[MK_DETECT_VALUE_LEN];
	uint64_t since, silence, thr;

	if (dev == NULL)
		return; /* new devices are new_device's */
	finding_init(&f, -1, NULL);
	f.client = o->ip.family != MK_AF_NONE ? o->ip : o->key;
	addr_norm(&f.client);
	f.subject = t->id;
	/* device_silent */
	since = o->last_ns > b->judge_from ? o->last_ns : b->judge_from;
	thr = scaled_max((uint64_t)b->r->silence_min_s * NS_PER_S, dev->n[0], b->r->silence_factor);
	silence = b->now > since ? b->now - since : 0;
	if (dev->n[1] >= b->r->silence_min_ticks && silence > thr) {
		f.type = b->t_silent;
		f.first = since + thr;
		f.last = b->now;
		f.count = t->silent ? 0 : 1;
		snprintf(value, sizeof(value), "%" PRIu64, (uint64_t)(silence / (60 * NS_PER_S)));
		snprintf(limit, sizeof(limit), "%" PRIu64,
		         (uint64_t)((thr + 60 * NS_PER_S - 1) / (60 * NS_PER_S)));
		f.value = value;
		f.limit = limit;
		ev_add(&f, "silent_s", silence / NS_PER_S);
		ev_add(&f, "limit_s", thr / NS_PER_S);
		if (o->last_ns != 0)
			ev_add(&f, "last_seen_s", o->last_ns / NS_PER_S);
		mk_detect_find(d, &f, false);
		t->silent = true;
	}
	/* volume_anomaly */
	if (vol == NULL)
		return;
	thr = scaled_max((uint64_t)b->r->volume_floor_kb * 1000, vol->n[0], b->r->volume_factor);
	if (t->hour_bytes > thr) {
		finding_init(&f, b->t_volume, NULL);
		f.client = o->ip.family != MK_AF_NONE ? o->ip : o->key;
		addr_norm(&f.client);
		f.subject = t->id;
		f.first = b->now;
		f.last = b->now;
		f.count = t->hour_alerted ? 0 : 1;
		fmt_mb(value, t->hour_bytes);
		fmt_mb(limit, vol->n[0]);
		f.value = value;
		f.limit = limit;
		ev_add(&f, "hour_bytes", t->hour_bytes);
		ev_add(&f, "learned_max_bytes", vol->n[0]);
		ev_add(&f, "limit_bytes", thr);
		ev_add(&f, "hour_start_s", t->hour * 3600);
		mk_detect_find(d, &f, false);
		t->hour_alerted = true;
	}
}

void mk_baseline_tick_object(struct mk_baseline *b, struct mk_detect *d,
                             const struct mk_inventory_total *o)
{
	char id[MK_ASSET_ID_LEN];
	struct track *t;
	uint64_t h, hour = b->now / NS_PER_HOUR, delta;
	bool fresh;

	if (b->meta.state == MK_BASELINE_NONE)
		return;
	mk_baseline_asset_id(id, &o->key, o->by_mac);
	h = item_hash(MK_BK_DEVICE, id);
	fresh = track_find(b, id, h) == NULL;
	if ((t = track_get(b, id, h)) == NULL)
		return;
	if (fresh) {
		/* Bytes of an earlier run are no traffic of this hour. */
		t->last_total = o->first_ns >= b->run_start ? 0 : o->bytes;
		t->hour = hour;
		t->last_seen = o->last_ns;
	}
	delta = o->bytes >= t->last_total ? o->bytes - t->last_total : 0;
	t->last_total = o->bytes;
	if (hour != t->hour) {
		if (b->meta.state == MK_BASELINE_LEARNING && t->hour_bytes > 0) {
			if (t->hour_bytes > t->l_hour_max)
				t->l_hour_max = t->hour_bytes;
			t->l_hour_sum += t->hour_bytes;
			t->l_hours++;
		}
		t->hour = hour;
		t->hour_bytes = 0;
		t->hour_alerted = false;
	}
	t->hour_bytes += delta;
	if (o->last_ns > t->last_seen)
		t->silent = false;
	if (b->meta.state == MK_BASELINE_LEARNING) {
		uint64_t silence = b->now > o->last_ns ? b->now - o->last_ns : 0;

		if (silence > t->l_silence)
			t->l_silence = silence;
		if (o->last_ns > t->last_seen || fresh)
			t->l_ticks++;
	} else {
		judge_track(b, d, t, o);
	}
	t->last_seen = o->last_ns;
}

/* --------------------------------------------------------- teaching */

static bool evidence_u64(const struct mk_alert_rec *a, const char *key, uint64_t *out)
{
	for (size_t i = 0; i < a->n_evidence; i++) {
		const char *k = a->evidence[i].key, *v = a->evidence[i].value;
		char *end;

		if (k == NULL || v == NULL || strcmp(k, key) != 0 || *v < '0' || *v > '9')
			continue;
		*out = strtoull(v, &end, 10);
		return *end == '\0';
	}
	return false;
}

int mk_baseline_item_from_alert(const struct mk_alert_rec *a, struct mk_baseline_item *out)
{
	char type[MK_ALERT_TYPE_LEN], subject[MK_ALERT_SUBJECT_LEN];
	struct mk_addr cl = a->client, sv = a->server;
	uint64_t v;

	memcpy(type, a->type, sizeof(type));
	type[sizeof(type) - 1] = '\0';
	memcpy(subject, a->subject, sizeof(subject));
	subject[sizeof(subject) - 1] = '\0';
	mk_window_subject_strip(subject); /* a deviation during planned work */
	addr_norm(&cl);
	addr_norm(&sv);
	memset(out, 0, sizeof(*out));
	out->first_ns = a->first_ns;
	out->last_ns = a->last_ns;
	out->accepted = true;
	if (strcmp(type, "new_device") == 0 && subject[0] != '\0') {
		out->kind = MK_BK_DEVICE;
		snprintf(out->key, sizeof(out->key), "%s", subject);
	} else if (strcmp(type, "new_conversation") == 0) {
		out->kind = MK_BK_CONVERSATION;
		mk_baseline_key_conv(out->key, &cl, &sv, a->transport, a->port, a->proto);
	} else if (strcmp(type, "new_protocol") == 0) {
		size_t n = strlen(subject);

		if (n < 3 || subject[n - 2] != '|' ||
		    (subject[n - 1] != 's' && subject[n - 1] != 'c'))
			return 0;
		out->kind = MK_BK_PROTOCOL;
		subject[n - 2] = '\0';
		mk_baseline_key_protocol(out->key, subject, subject[n - 1] == 's', a->proto);
	} else if (strcmp(type, "new_operation") == 0) {
		int op = -1;

		for (unsigned i = 0; i < MK_OP_COUNT; i++)
			if (strcmp(mk_op_class_name(i), subject) == 0)
				op = (int)i;
		if (op < 0 || !mk_baseline_op_learnable((unsigned)op))
			return 0;
		out->kind = MK_BK_OPERATION;
		mk_baseline_key_operation(out->key, &cl, &sv, a->proto, (unsigned)op);
	} else if (strcmp(type, "unauthorized_write") == 0) {
		out->kind = MK_BK_WRITER;
		mk_baseline_key_writer(out->key, &cl, a->proto);
	} else if (strcmp(type, "volume_anomaly") == 0 && subject[0] != '\0') {
		/* that much in an hour is normal now */
		out->kind = MK_BK_VOLUME;
		snprintf(out->key, sizeof(out->key), "%s", subject);
		if (evidence_u64(a, "hour_bytes", &v))
			out->n[0] = v;
	} else if (strcmp(type, "device_silent") == 0 && subject[0] != '\0') {
		/* that long a silence is normal now */
		out->kind = MK_BK_DEVICE;
		snprintf(out->key, sizeof(out->key), "%s", subject);
		if (evidence_u64(a, "silent_s", &v))
			out->n[0] = v * NS_PER_S;
	} else {
		return 0;
	}
	return 1;
}

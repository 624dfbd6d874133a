/* flow.c - the bidirectional flow table (see flow.h).
 *
 * Layout: a power-of-two array of slots (hash + record index) probed linearly,
 * and a separate array of flow records allocated once, up front, from the
 * memory cap.  Deleting from the slot array uses backward-shift deletion, so
 * there are no tombstones and probe chains never degrade over a long capture.
 * Records never move, so a struct mk_flow pointer stays valid until its on_end
 * call, and expiry can walk the record array with a cursor while the slot array
 * is being rearranged.
 */
#include "mieruka/flow.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "mieruka/ports.h"
#include "mieruka/proto.h"
#include "flow/flow_int.h"

#define NS_PER_S 1000000000ull
#define FLOW_EVICT_WINDOW 8u  /* candidates examined for one eviction */
#define FLOW_LOAD_NUM 3u      /* at most 3/4 of the slots hold flows */
#define FLOW_LOAD_DEN 4u

/* The direction-free key: side a is the lower (address, port) of the two. */
struct flow_key {
	uint8_t a[16], b[16];  /* IP addresses, or MACs for L2 flows */
	uint16_t pa, pb;       /* ports of a and b */
	uint16_t vlan0, vlan1; /* outer and inner VLAN ids */
	uint8_t transport;     /* enum mk_flow_transport */
	uint8_t family;        /* enum mk_af of a and b */
	uint16_t ethertype;    /* L2 flows */
	uint16_t snap_pid;     /* L2 flows on LLC/SNAP */
	uint8_t dsap, pad8;
	uint32_t snap_oui;
	uint32_t pad32;        /* makes the key 7 whole 64-bit words */
};

struct flow_node {
	struct mk_flow flow;   /* first: the public record */
	struct flow_key key;
	uint32_t hash;
	uint32_t next_free;    /* 1-based free-list link, 0 = end */
	bool used;
	bool cli_is_a;         /* the client is side a of the key */
	uint8_t fin;           /* FIN seen from: bit 0 side a, bit 1 side b */
};

struct flow_slot {
	uint32_t hash;
	uint32_t node;         /* 1-based record index, 0 = empty */
};

struct mk_flow_table {
	struct mk_flow_limits lim;
	const struct mk_ports *ports;
	mk_flow_end_fn on_end;
	void *ctx;
	uint64_t seed;
	uint64_t secret[8];    /* per-word hash secrets derived from seed */
	struct flow_slot *slots;
	uint32_t mask;         /* slot count - 1 */
	struct flow_node *nodes;
	uint32_t n_nodes;
	uint32_t free_head;    /* 1-based */
	uint32_t evict_cursor, expire_cursor;
	size_t memory;
	struct mk_flow_stats st;
};

static unsigned long fault_countdown; /* test hook: see flow_int.h */

void mk_flow_fault_nth(unsigned long nth)
{
	fault_countdown = nth;
}

/* True when this allocation must fail (fault injection in tests). */
static bool flow_fault(void)
{
	return fault_countdown != 0 && --fault_countdown == 0;
}

bool mk_flow_fault(void)
{
	return flow_fault();
}

void mk_flow_limits_default(struct mk_flow_limits *lim)
{
	lim->memcap = (size_t)32 << 20; /* ~98,000 flows: a large plant has a few thousand */
	lim->timeout_tcp_ns = 3600 * NS_PER_S;
	/* Long enough for the last ACK and a retransmitted FIN, short enough that
	 * a port reused by the next connection starts a new flow. */
	lim->timeout_tcp_closed_ns = 30 * NS_PER_S;
	lim->timeout_udp_ns = 120 * NS_PER_S;
	lim->timeout_other_ns = 60 * NS_PER_S;
	lim->hash_seed = 0;
}

static uint64_t flow_random_seed(void)
{
	uint64_t s = 0;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s) && s != 0)
		return s;
	/* No entropy yet (early boot): time still varies the layout per run. */
	clock_gettime(CLOCK_REALTIME, &ts);
	s ^= (uint64_t)ts.tv_sec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_nsec;
	return s ? s : 0x2545f4914f6cdd1dull;
}

/* Word-wise comparisons: these run for every packet, and a libc memcmp call
 * of a few bytes costs more than the compare itself. */
static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline bool key_eq(const struct flow_key *x, const struct flow_key *y)
{
	const uint8_t *a = (const uint8_t *)x, *b = (const uint8_t *)y;
	uint64_t d = 0;

	for (size_t i = 0; i < sizeof(*x); i += 8)
		d |= load64(a + i) ^ load64(b + i);
	return d == 0;
}

/* memcmp(x, y, 16) < 0, == 0 or > 0, as -1, 0, 1. */
static inline int addr_order(const uint8_t *x, const uint8_t *y)
{
	uint64_t x0 = __builtin_bswap64(load64(x)), y0 = __builtin_bswap64(load64(y));
	uint64_t x1 = __builtin_bswap64(load64(x + 8)), y1 = __builtin_bswap64(load64(y + 8));

	if (x0 != y0)
		return x0 < y0 ? -1 : 1;
	return x1 < y1 ? -1 : x1 > y1;
}

/* 64x64 -> 128-bit multiply folded to 64 bits (the wyhash "mum" step). */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The key's seven words are mixed in four independent multiplies that the
 * CPU runs in parallel (a word-by-word chain costs ~7 dependent multiplies
 * per packet: this runs for every packet).  Each word is first xored with
 * its own secret derived from the table's random seed, so an attacker who
 * does not know the seed cannot aim many flows at one probe chain. */
static uint32_t flow_hash(const struct mk_flow_table *ft, const struct flow_key *k)
{
	uint64_t w[sizeof(*k) / 8];
	const uint64_t *s = ft->secret;
	uint64_t h;

	_Static_assert(sizeof(struct flow_key) == 7 * 8, "key must be seven words");
	memcpy(w, k, sizeof(w));
	h = mum(w[0] ^ s[0], w[1] ^ s[1]) ^ mum(w[2] ^ s[2], w[3] ^ s[3]) ^
	    mum(w[4] ^ s[4], w[5] ^ s[5]) ^ mum(w[6] ^ s[6], s[7]);
	h = mum(h ^ s[0], s[7] ^ sizeof(w));
	return (uint32_t)(h ^ (h >> 32));
}

/* Builds the key of pkt; false when the packet has no flow. */
static bool flow_key_make(const struct mk_pkt *pkt, struct flow_key *k, bool *src_is_a)
{
	uint8_t src[16] = {0}, dst[16] = {0};
	uint16_t sp = 0, dp = 0;
	uint8_t fam = pkt->src_ip.family;
	int c;

	memset(k, 0, sizeof(*k));
	if (pkt->vlan_count > 0)
		k->vlan0 = pkt->vlan[0];
	if (pkt->vlan_count > 1)
		k->vlan1 = pkt->vlan[1];
	if ((fam == MK_AF_INET || fam == MK_AF_INET6) && pkt->dst_ip.family == fam) {
		size_t alen = fam == MK_AF_INET ? 4 : 16;

		memcpy(src, pkt->src_ip.a, alen);
		memcpy(dst, pkt->dst_ip.a, alen);
		k->family = fam;
		if (pkt->layers & MK_L_TCP) {
			k->transport = MK_FT_TCP;
			sp = pkt->sport;
			dp = pkt->dport;
		} else if (pkt->layers & MK_L_UDP) {
			k->transport = MK_FT_UDP;
			sp = pkt->sport;
			dp = pkt->dport;
		} else {
			k->transport = MK_FT_OTHER;
		}
	} else if (pkt->layers & MK_L_L2APP) {
		k->family = MK_AF_MAC;
		k->transport = MK_FT_L2;
		memcpy(src, pkt->src_mac, 6);
		if (pkt->has_mac)
			memcpy(dst, pkt->dst_mac, 6);
		k->ethertype = pkt->ethertype;
		if (pkt->ethertype == 0) {
			k->dsap = pkt->llc_dsap;
			k->snap_oui = pkt->snap_oui;
			k->snap_pid = pkt->snap_pid;
		}
	} else {
		return false;
	}
	c = addr_order(src, dst);
	if (c == 0)
		c = (int)sp - (int)dp;
	*src_is_a = c <= 0;
	if (*src_is_a) {
		memcpy(k->a, src, 16);
		memcpy(k->b, dst, 16);
		k->pa = sp;
		k->pb = dp;
	} else {
		memcpy(k->a, dst, 16);
		memcpy(k->b, src, 16);
		k->pa = dp;
		k->pb = sp;
	}
	return true;
}

/* Per-flow cost is the record plus its share of slots; the count of records
 * is the largest that fits memcap at a load factor of at most 3/4. */
static bool flow_size(size_t memcap, uint32_t *n_nodes, uint32_t *n_slots)
{
	size_t base = sizeof(struct mk_flow_table);
	size_t best_n = 0, best_s = 0;

	for (size_t s = 16; s <= ((size_t)1 << 30); s <<= 1) {
		size_t room, n;

		if (base > memcap || s * sizeof(struct flow_slot) > memcap - base)
			break;
		room = (memcap - base - s * sizeof(struct flow_slot)) / sizeof(struct flow_node);
		n = s / FLOW_LOAD_DEN * FLOW_LOAD_NUM;
		if (room < n)
			n = room;
		if (n > best_n) {
			best_n = n;
			best_s = s;
		}
	}
	if (best_n == 0)
		return false;
	*n_nodes = (uint32_t)best_n;
	*n_slots = (uint32_t)best_s;
	return true;
}

struct mk_flow_table *mk_flow_table_new(const struct mk_flow_limits *lim,
                                        const struct mk_ports *ports,
                                        mk_flow_end_fn on_end, void *ctx)
{
	struct mk_flow_table *ft;
	uint32_t n_nodes, n_slots;

	ft = flow_fault() ? NULL : calloc(1, sizeof(*ft));
	if (ft == NULL)
		return NULL;
	if (lim != NULL)
		ft->lim = *lim;
	else
		mk_flow_limits_default(&ft->lim);
	if (!flow_size(ft->lim.memcap, &n_nodes, &n_slots)) {
		free(ft);
		return NULL;
	}
	/* calloc: the kernel hands out zero pages lazily, so a large cap costs
	 * resident memory only as flows are used. */
	ft->slots = flow_fault() ? NULL : calloc(n_slots, sizeof(struct flow_slot));
	ft->nodes = flow_fault() ? NULL : calloc(n_nodes, sizeof(struct flow_node));
	if (ft->slots == NULL || ft->nodes == NULL) {
		free(ft->slots);
		free(ft->nodes);
		free(ft);
		return NULL;
	}
	ft->mask = n_slots - 1;
	ft->n_nodes = n_nodes;
	for (uint32_t i = 0; i < n_nodes; i++)
		ft->nodes[i].next_free = i + 2 <= n_nodes ? i + 2 : 0;
	ft->free_head = 1;
	ft->ports = ports;
	ft->on_end = on_end;
	ft->ctx = ctx;
	ft->seed = ft->lim.hash_seed ? ft->lim.hash_seed : flow_random_seed();
	{
		/* splitmix64: eight odd, well-spread secrets from one seed */
		uint64_t x = ft->seed;

		for (size_t i = 0; i < 8; i++) {
			uint64_t z = (x += 0x9e3779b97f4a7c15ull);

			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
			ft->secret[i] = (z ^ (z >> 31)) | 1;
		}
	}
	ft->memory = sizeof(*ft) + (size_t)n_slots * sizeof(struct flow_slot) +
	             (size_t)n_nodes * sizeof(struct flow_node);
	ft->st.capacity = n_nodes;
	return ft;
}

void mk_flow_table_free(struct mk_flow_table *ft)
{
	if (ft == NULL)
		return;
	mk_flow_flush(ft);
	free(ft->slots);
	free(ft->nodes);
	free(ft);
}

static uint64_t flow_timeout(const struct mk_flow_table *ft, const struct flow_node *n)
{
	switch (n->flow.transport) {
	case MK_FT_TCP:
		return n->flow.closed ? ft->lim.timeout_tcp_closed_ns : ft->lim.timeout_tcp_ns;
	case MK_FT_UDP:
		return ft->lim.timeout_udp_ns;
	default:
		return ft->lim.timeout_other_ns;
	}
}

static bool flow_idle(const struct mk_flow_table *ft, const struct flow_node *n, uint64_t now)
{
	return now > n->flow.last_ns && now - n->flow.last_ns > flow_timeout(ft, n);
}

/* Removes slot i and shifts later members of its cluster back so that every
 * entry stays reachable from its home slot without tombstones. */
static void flow_slot_delete(struct mk_flow_table *ft, uint32_t i)
{
	uint32_t j = i;

	for (;;) {
		uint32_t home;

		j = (j + 1) & ft->mask;
		if (ft->slots[j].node == 0)
			break;
		home = ft->slots[j].hash & ft->mask;
		/* Entry j may move to i only if its home is not in (i, j]. */
		if (((j - home) & ft->mask) < ((j - i) & ft->mask))
			continue;
		ft->slots[i] = ft->slots[j];
		i = j;
	}
	ft->slots[i].node = 0;
	ft->slots[i].hash = 0;
}

static void flow_end(struct mk_flow_table *ft, struct flow_node *n, enum mk_flow_end why)
{
	uint32_t idx = (uint32_t)(n - ft->nodes) + 1;
	uint32_t i = n->hash & ft->mask;

	if (ft->on_end != NULL)
		ft->on_end(ft->ctx, &n->flow, why);
	/* The record is in the cluster starting at its home slot: bounded by the
	 * slot count, and the load factor keeps clusters short. */
	for (uint32_t k = 0; k <= ft->mask; k++) {
		if (ft->slots[i].node == idx) {
			flow_slot_delete(ft, i);
			break;
		}
		if (ft->slots[i].node == 0)
			break; /* not reachable: cannot happen, but never loop */
		i = (i + 1) & ft->mask;
	}
	n->used = false;
	n->next_free = ft->free_head;
	ft->free_head = idx;
	ft->st.active--;
	if (why == MK_FLOW_END_TIMEOUT)
		ft->st.timed_out++;
	else if (why == MK_FLOW_END_EVICTED)
		ft->st.evicted++;
}

/* Frees the record idle longest among a few candidates taken round-robin from
 * the record array: an approximation of LRU with bounded work per packet. */
static bool flow_evict(struct mk_flow_table *ft)
{
	struct flow_node *victim = NULL;

	for (uint32_t k = 0; k < FLOW_EVICT_WINDOW && k < ft->n_nodes; k++) {
		struct flow_node *n = &ft->nodes[ft->evict_cursor];

		ft->evict_cursor = ft->evict_cursor + 1 < ft->n_nodes ? ft->evict_cursor + 1 : 0;
		if (n->used && (victim == NULL || n->flow.last_ns < victim->flow.last_ns))
			victim = n;
	}
	if (victim == NULL)
		return false;
	flow_end(ft, victim, MK_FLOW_END_EVICTED);
	return true;
}

/* Decides whether the sender of the flow's first packet is the client. */
static bool flow_sender_is_client(const struct mk_flow_table *ft, const struct flow_key *k,
                                  const struct mk_pkt *pkt, uint8_t *orient)
{
	bool s_svc, d_svc;

	if (k->transport == MK_FT_TCP) {
		uint8_t f = pkt->tcp_flags & (MK_TCP_SYN | MK_TCP_ACK);

		if (f == MK_TCP_SYN) {
			*orient = MK_ORIENT_SYN;
			return true;
		}
		if (f == (MK_TCP_SYN | MK_TCP_ACK)) {
			*orient = MK_ORIENT_SYN;
			return false;
		}
	}
	if (k->transport == MK_FT_TCP || k->transport == MK_FT_UDP) {
		s_svc = mk_ports_is_service(ft->ports, k->transport, pkt->sport);
		d_svc = mk_ports_is_service(ft->ports, k->transport, pkt->dport);
		if (s_svc != d_svc) {
			*orient = MK_ORIENT_PORT;
			return d_svc;
		}
		/* Well-known versus ephemeral: the low port is the service. */
		if (pkt->sport < 1024 && pkt->dport >= 1024) {
			*orient = MK_ORIENT_PORT;
			return false;
		}
		if (pkt->dport < 1024 && pkt->sport >= 1024) {
			*orient = MK_ORIENT_PORT;
			return true;
		}
	}
	*orient = MK_ORIENT_FIRST;
	return true;
}

static void flow_set_mac(struct mk_addr *addr, const uint8_t *mac)
{
	memset(addr, 0, sizeof(*addr));
	addr->family = MK_AF_MAC;
	memcpy(addr->a, mac, 6);
}

static void flow_set_ep(struct mk_endpoint *ep, const struct flow_key *k, const struct mk_addr *ip,
                        const uint8_t *mac, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	if (k->transport != MK_FT_L2)
		ep->ip = *ip;
	if (mac != NULL)
		flow_set_mac(&ep->mac, mac);
	ep->port = port;
}

static void flow_init(struct mk_flow_table *ft, struct flow_node *n, const struct flow_key *k,
                      uint32_t hash, bool src_is_a, const struct mk_pkt *pkt)
{
	struct mk_flow *f = &n->flow;
	const uint8_t *smac = pkt->has_mac || (pkt->layers & MK_L_SLL) ? pkt->src_mac : NULL;
	const uint8_t *dmac = pkt->has_mac ? pkt->dst_mac : NULL;
	struct mk_endpoint snd, rcv;
	uint8_t orient;
	bool sender_cli;

	memset(f, 0, sizeof(*f));
	n->key = *k;
	n->hash = hash;
	n->used = true;
	n->fin = 0;
	sender_cli = flow_sender_is_client(ft, k, pkt, &orient);
	n->cli_is_a = sender_cli == src_is_a;
	flow_set_ep(&snd, k, &pkt->src_ip, smac, k->transport == MK_FT_L2 ? 0 : pkt->sport);
	flow_set_ep(&rcv, k, &pkt->dst_ip, dmac, k->transport == MK_FT_L2 ? 0 : pkt->dport);
	if (k->transport == MK_FT_OTHER) {
		snd.port = 0;
		rcv.port = 0;
	}
	f->cli = sender_cli ? snd : rcv;
	f->srv = sender_cli ? rcv : snd;
	f->transport = k->transport;
	f->orient = orient;
	if (pkt->vlan_count > 0)
		f->vlan = pkt->vlan[(pkt->vlan_count <= MK_VLAN_MAX ? pkt->vlan_count : MK_VLAN_MAX) - 1];
	if (k->transport == MK_FT_L2)
		f->ethertype = pkt->ethertype;
	f->first_ns = pkt->ts_ns;
	f->last_ns = pkt->ts_ns;
	f->app_proto = MK_PROTO_UNKNOWN;
}

static int flow_update(struct flow_node *n, bool src_is_a, const struct mk_pkt *pkt)
{
	struct mk_flow *f = &n->flow;
	int dir = src_is_a == n->cli_is_a ? MK_DIR_TO_SERVER : MK_DIR_TO_CLIENT;

	f->pkts[dir]++;
	f->bytes[dir] += pkt->wirelen;
	if (pkt->ts_ns > f->last_ns)
		f->last_ns = pkt->ts_ns;
	if (pkt->ts_ns < f->first_ns)
		f->first_ns = pkt->ts_ns;
	/* A Linux cooked capture gives only the sender's MAC: learn each side's
	 * from its own packets. */
	if (pkt->has_mac || (pkt->layers & MK_L_SLL)) {
		struct mk_endpoint *snd = dir == MK_DIR_TO_SERVER ? &f->cli : &f->srv;

		if (snd->mac.family == MK_AF_NONE)
			flow_set_mac(&snd->mac, pkt->src_mac);
	}
	if (f->transport == MK_FT_TCP) {
		f->tcp_seen |= pkt->tcp_flags;
		if (pkt->tcp_flags & MK_TCP_FIN)
			n->fin |= src_is_a ? 1 : 2;
		if ((pkt->tcp_flags & MK_TCP_RST) || n->fin == 3)
			f->closed = true;
	}
	return dir;
}

struct mk_flow *mk_flow_lookup(struct mk_flow_table *ft, const struct mk_pkt *pkt, int *dir)
{
	struct flow_key k;
	bool src_is_a;
	uint32_t h, i, idx;
	struct flow_node *n = NULL;

	if (!flow_key_make(pkt, &k, &src_is_a))
		return NULL;
	h = flow_hash(ft, &k);
	i = h & ft->mask;
	for (uint32_t probes = 0; probes <= ft->mask && ft->slots[i].node != 0; probes++) {
		if (ft->slots[i].hash == h) {
			struct flow_node *c = &ft->nodes[ft->slots[i].node - 1];

			if (key_eq(&c->key, &k)) {
				n = c;
				break;
			}
		}
		i = (i + 1) & ft->mask;
	}
	if (n != NULL) {
		bool reuse = k.transport == MK_FT_TCP && n->flow.closed &&
		             (pkt->tcp_flags & (MK_TCP_SYN | MK_TCP_ACK)) == MK_TCP_SYN;

		/* An idle flow whose expiry has not run yet, or a closed connection
		 * whose ports are reused by a new SYN: end it, start afresh. */
		if (flow_idle(ft, n, pkt->ts_ns) || reuse) {
			flow_end(ft, n, MK_FLOW_END_TIMEOUT);
			n = NULL;
		}
	}
	if (n == NULL) {
		if (ft->free_head == 0 && !flow_evict(ft)) {
			ft->st.dropped++;
			return NULL;
		}
		idx = ft->free_head;
		n = &ft->nodes[idx - 1];
		ft->free_head = n->next_free;
		/* Deletions may have moved slots: find the first empty one from home.
		 * There is always one, since records < 3/4 of slots. */
		i = h & ft->mask;
		while (ft->slots[i].node != 0)
			i = (i + 1) & ft->mask;
		ft->slots[i].hash = h;
		ft->slots[i].node = idx;
		flow_init(ft, n, &k, h, src_is_a, pkt);
		ft->st.created++;
		ft->st.active++;
		if (ft->st.active > ft->st.max_active)
			ft->st.max_active = ft->st.active;
	}
	*dir = flow_update(n, src_is_a, pkt);
	return &n->flow;
}

void mk_flow_expire(struct mk_flow_table *ft, uint64_t now_ns, size_t max_slots)
{
	for (size_t k = 0; k < max_slots && k < ft->n_nodes; k++) {
		struct flow_node *n = &ft->nodes[ft->expire_cursor];

		ft->expire_cursor = ft->expire_cursor + 1 < ft->n_nodes ? ft->expire_cursor + 1 : 0;
		if (n->used && flow_idle(ft, n, now_ns))
			flow_end(ft, n, MK_FLOW_END_TIMEOUT);
	}
}

void mk_flow_flush(struct mk_flow_table *ft)
{
	for (uint32_t k = 0; k < ft->n_nodes; k++)
		if (ft->nodes[k].used)
			flow_end(ft, &ft->nodes[k], MK_FLOW_END_SHUTDOWN);
}

void mk_flow_each(const struct mk_flow_table *ft, void (*cb)(void *ctx, const struct mk_flow *f),
                  void *ctx)
{
	for (uint32_t k = 0; k < ft->n_nodes; k++)
		if (ft->nodes[k].used)
			cb(ctx, &ft->nodes[k].flow);
}

const struct mk_flow_stats *mk_flow_stats(const struct mk_flow_table *ft)
{
	return &ft->st;
}

size_t mk_flow_memory(const struct mk_flow_table *ft)
{
	return ft->memory;
}

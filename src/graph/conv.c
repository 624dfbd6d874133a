/* conv.c - the conversation graph (see conv.h): one record per (client,
 * server, transport, server port, protocol) folding every ended flow between
 * them.  Records live in an array grown by doubling up to max_convs; an open
 * addressing index of record numbers finds them.  Nothing is ever removed, so
 * the index needs no deletion scheme. */
#include "mieruka/conv.h"

#include <stdlib.h>
#include <string.h>

#include "mieruka/flow.h"
#include "graph/conv_int.h"

struct mk_conv_table {
	size_t max;
	struct mk_conv_rec *recs;
	size_t n, cap;
	uint32_t *idx;         /* 0 = empty, else record number + 1 */
	size_t idx_size;       /* power of two, > 2 * n */
	uint64_t dropped;
};

static unsigned long fault_countdown; /* test hook: see conv_int.h */

void mk_conv_fault_nth(unsigned long nth)
{
	fault_countdown = nth;
}

/* True when this allocation must fail (fault injection in tests). */
static bool conv_fault(void)
{
	return fault_countdown != 0 && --fault_countdown == 0;
}

struct mk_conv_table *mk_conv_new(size_t max_convs)
{
	struct mk_conv_table *ct = conv_fault() ? NULL : calloc(1, sizeof(*ct));

	if (ct == NULL)
		return NULL;
	/* Record numbers are stored in 32 bits. */
	ct->max = max_convs < UINT32_MAX / 4 ? max_convs : UINT32_MAX / 4;
	return ct;
}

void mk_conv_free(struct mk_conv_table *ct)
{
	if (ct == NULL)
		return;
	free(ct->recs);
	free(ct->idx);
	free(ct);
}

static size_t conv_alen(uint8_t family)
{
	switch (family) {
	case MK_AF_MAC: return 6;
	case MK_AF_INET: return 4;
	case MK_AF_INET6: return 16;
	default: return 0;
	}
}

/* A copy with the bytes beyond the family's length zeroed, so that equal
 * addresses compare and hash equal whatever the producer left there. */
static struct mk_addr conv_addr(const struct mk_addr *a)
{
	struct mk_addr out;

	memset(&out, 0, sizeof(out));
	out.family = a->family;
	memcpy(out.a, a->a, conv_alen(a->family));
	return out;
}

static uint64_t conv_mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 32);
}

static uint32_t conv_hash(const struct mk_conv_rec *r)
{
	uint64_t h = 0x6a09e667f3bcc909ull, w[2];

	memcpy(w, r->client.a, 16);
	h = conv_mix(conv_mix(h, w[0]), w[1]);
	memcpy(w, r->server.a, 16);
	h = conv_mix(conv_mix(h, w[0]), w[1]);
	h = conv_mix(h, (uint64_t)r->client.family | (uint64_t)r->server.family << 8 |
	                    (uint64_t)r->transport << 16 | (uint64_t)r->port << 24 |
	                    (uint64_t)r->proto << 40);
	h ^= h >> 29;
	return (uint32_t)h;
}

static bool conv_same(const struct mk_conv_rec *x, const struct mk_conv_rec *y)
{
	return x->transport == y->transport && x->port == y->port && x->proto == y->proto &&
	       x->client.family == y->client.family && x->server.family == y->server.family &&
	       memcmp(x->client.a, y->client.a, 16) == 0 &&
	       memcmp(x->server.a, y->server.a, 16) == 0;
}

static bool conv_reindex(struct mk_conv_table *ct, size_t size)
{
	uint32_t *idx = conv_fault() ? NULL : calloc(size, sizeof(*idx));

	if (idx == NULL)
		return false;
	for (size_t r = 0; r < ct->n; r++) {
		size_t i = conv_hash(&ct->recs[r]) & (size - 1);

		while (idx[i] != 0)
			i = (i + 1) & (size - 1);
		idx[i] = (uint32_t)r + 1;
	}
	free(ct->idx);
	ct->idx = idx;
	ct->idx_size = size;
	return true;
}

/* Finds the record of key (only its key fields are read) or creates it
 * zeroed; NULL when the cap or memory says no (counted). */
static struct mk_conv_rec *conv_get(struct mk_conv_table *ct, const struct mk_conv_rec *key)
{
	size_t i = 0;
	struct mk_conv_rec *r;

	if (ct->idx_size > 0) {
		i = conv_hash(key) & (ct->idx_size - 1);
		while (ct->idx[i] != 0) {
			r = &ct->recs[ct->idx[i] - 1];
			if (conv_same(r, key))
				return r;
			i = (i + 1) & (ct->idx_size - 1);
		}
	}
	if (ct->n >= ct->max)
		goto drop;
	if (ct->n == ct->cap) {
		size_t nc = ct->cap ? ct->cap * 2 : 64;
		struct mk_conv_rec *nr;

		if (nc > ct->max)
			nc = ct->max;
		nr = conv_fault() ? NULL : realloc(ct->recs, nc * sizeof(*nr));
		if (nr == NULL)
			goto drop;
		ct->recs = nr;
		ct->cap = nc;
	}
	if ((ct->n + 1) * 2 > ct->idx_size) {
		if (!conv_reindex(ct, ct->idx_size ? ct->idx_size * 2 : 128))
			goto drop;
	}
	i = conv_hash(key) & (ct->idx_size - 1);
	while (ct->idx[i] != 0)
		i = (i + 1) & (ct->idx_size - 1);
	r = &ct->recs[ct->n];
	memset(r, 0, sizeof(*r));
	r->client = key->client;
	r->server = key->server;
	r->transport = key->transport;
	r->port = key->port;
	r->proto = key->proto;
	ct->idx[i] = (uint32_t)ct->n + 1;
	ct->n++;
	return r;
drop:
	ct->dropped++;
	return NULL;
}

static void conv_fold(struct mk_conv_rec *r, uint64_t packets, uint64_t bytes, uint64_t first_ns,
                      uint64_t last_ns, const uint64_t ops[MK_OP_COUNT], uint64_t flows)
{
	bool fresh = r->flows == 0 && r->packets == 0;

	r->packets += packets;
	r->bytes += bytes;
	if (fresh || first_ns < r->first_ns)
		r->first_ns = first_ns;
	if (fresh || last_ns > r->last_ns)
		r->last_ns = last_ns;
	for (unsigned k = 0; k < MK_OP_COUNT; k++)
		r->ops[k] += ops[k];
	r->flows += flows;
}

void mk_conv_add_flow(struct mk_conv_table *ct, const struct mk_flow *flow)
{
	struct mk_conv_rec key;
	struct mk_conv_rec *r;

	memset(&key, 0, sizeof(key));
	switch (flow->transport) {
	case MK_FT_TCP:
	case MK_FT_UDP:
		key.client = conv_addr(&flow->cli.ip);
		key.server = conv_addr(&flow->srv.ip);
		key.transport = flow->transport;
		key.port = flow->srv.port;
		break;
	case MK_FT_L2:
		key.client = conv_addr(&flow->cli.mac);
		key.server = conv_addr(&flow->srv.mac);
		break;
	default:
		/* ICMP and other IP protocols: interface.md's COMM has transport
		 * tcp, udp or l2 only, so these flows are counted by the flow table
		 * but make no conversation. */
		return;
	}
	key.proto = flow->app_proto;
	r = conv_get(ct, &key);
	if (r == NULL)
		return;
	conv_fold(r, flow->pkts[0] + flow->pkts[1], flow->bytes[0] + flow->bytes[1], flow->first_ns,
	          flow->last_ns, flow->ops, 1);
}

void mk_conv_load(struct mk_conv_table *ct, const struct mk_conv_rec *rec)
{
	struct mk_conv_rec key = *rec;
	struct mk_conv_rec *r;

	key.client = conv_addr(&rec->client);
	key.server = conv_addr(&rec->server);
	r = conv_get(ct, &key);
	if (r == NULL)
		return;
	conv_fold(r, rec->packets, rec->bytes, rec->first_ns, rec->last_ns, rec->ops, rec->flows);
}

size_t mk_conv_snapshot(const struct mk_conv_table *ct, struct mk_conv_rec **out)
{
	*out = NULL;
	if (ct->n == 0)
		return 0;
	*out = conv_fault() ? NULL : malloc(ct->n * sizeof(**out));
	if (*out == NULL)
		return (size_t)-1;
	memcpy(*out, ct->recs, ct->n * sizeof(**out));
	return ct->n;
}

uint64_t mk_conv_dropped(const struct mk_conv_table *ct)
{
	return ct->dropped;
}

size_t mk_conv_count(const struct mk_conv_table *ct)
{
	return ct->n;
}

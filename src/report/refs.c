/* refs.c - which assets and communications an alert refers to.
 *
 * Alerts carry addresses (src/detect knows packets, not asset ids); the
 * outputs turn them into the asset ids and the indexes of the communications
 * array of the same document.  Two sorted indexes make that O(log n) per
 * alert: addresses (IPs and MACs) -> asset, and (client, server) ->
 * conversation. */
#include "mieruka/report.h"

#include <stdlib.h>
#include <string.h>

struct addr_ref {
	struct mk_addr a;
	size_t i;
};

struct pair_ref {
	struct mk_addr c, s;
	size_t i;
};

struct mk_report_index {
	struct addr_ref *addrs;
	size_t n_addrs;
	struct pair_ref *pairs;
	size_t n_pairs;
};

static void norm(struct mk_addr *a)
{
	size_t n = a->family == MK_AF_MAC     ? 6
	           : a->family == MK_AF_INET  ? 4
	           : a->family == MK_AF_INET6 ? 16
	                                      : 0;

	memset(a->a + n, 0, sizeof(a->a) - n);
}

static int addr_ref_cmp(const void *x, const void *y)
{
	const struct addr_ref *a = x, *b = y;
	int c = mk_addr_cmp(&a->a, &b->a);

	return c != 0 ? c : (a->i > b->i) - (a->i < b->i);
}

static int pair_ref_cmp(const void *x, const void *y)
{
	const struct pair_ref *a = x, *b = y;
	int c = mk_addr_cmp(&a->c, &b->c);

	if (c == 0)
		c = mk_addr_cmp(&a->s, &b->s);
	return c != 0 ? c : (a->i > b->i) - (a->i < b->i);
}

struct mk_report_index *mk_report_index_new(const struct mk_report *r)
{
	struct mk_report_index *ix = calloc(1, sizeof(*ix));
	size_t want = 0;

	if (ix == NULL)
		return NULL;
	for (size_t i = 0; i < r->n_assets; i++)
		want += r->assets[i].n_ips + 1;
	if (want > 0 && (ix->addrs = malloc(want * sizeof(*ix->addrs))) == NULL)
		goto fail;
	for (size_t i = 0; i < r->n_assets; i++) {
		const struct mk_asset_rec *as = &r->assets[i];

		if (as->mac.family == MK_AF_MAC) {
			ix->addrs[ix->n_addrs].a = as->mac;
			norm(&ix->addrs[ix->n_addrs].a);
			ix->addrs[ix->n_addrs++].i = i;
		}
		for (size_t k = 0; k < as->n_ips; k++) {
			ix->addrs[ix->n_addrs].a = as->ips[k];
			norm(&ix->addrs[ix->n_addrs].a);
			ix->addrs[ix->n_addrs++].i = i;
		}
	}
	if (ix->n_addrs > 0)
		qsort(ix->addrs, ix->n_addrs, sizeof(*ix->addrs), addr_ref_cmp);
	if (r->n_convs > 0 && (ix->pairs = malloc(r->n_convs * sizeof(*ix->pairs))) == NULL)
		goto fail;
	for (size_t i = 0; i < r->n_convs; i++) {
		ix->pairs[i].c = r->convs[i].client;
		ix->pairs[i].s = r->convs[i].server;
		norm(&ix->pairs[i].c);
		norm(&ix->pairs[i].s);
		ix->pairs[i].i = i;
	}
	ix->n_pairs = r->n_convs;
	if (ix->n_pairs > 0)
		qsort(ix->pairs, ix->n_pairs, sizeof(*ix->pairs), pair_ref_cmp);
	return ix;
fail:
	mk_report_index_free(ix);
	return NULL;
}

void mk_report_index_free(struct mk_report_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->addrs);
	free(ix->pairs);
	free(ix);
}

/* First index of the sorted array whose key is not below the wanted one. */
static size_t lower_addr(const struct mk_report_index *ix, const struct mk_addr *a)
{
	size_t lo = 0, hi = ix->n_addrs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mk_addr_cmp(&ix->addrs[mid].a, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t lower_pair(const struct mk_report_index *ix, const struct mk_addr *c,
                         const struct mk_addr *s)
{
	size_t lo = 0, hi = ix->n_pairs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = mk_addr_cmp(&ix->pairs[mid].c, c);

		if (cmp == 0)
			cmp = mk_addr_cmp(&ix->pairs[mid].s, s);
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool has(const size_t *v, size_t n, size_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static int size_cmp(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	return (a > b) - (a < b);
}

void mk_report_alert_refs(const struct mk_report_index *ix, const struct mk_report *r,
                          const struct mk_alert_rec *a, size_t *assets, size_t *n_assets,
                          size_t *convs, size_t *n_convs, size_t max)
{
	const struct mk_addr *ends[2] = {&a->client, &a->server};

	*n_assets = *n_convs = 0;
	if (ix == NULL)
		return;
	for (int e = 0; e < 2; e++) {
		struct mk_addr k = *ends[e];

		if (k.family == MK_AF_NONE)
			continue;
		norm(&k);
		for (size_t i = lower_addr(ix, &k); i < ix->n_addrs && *n_assets < max; i++) {
			if (!mk_addr_eq(&ix->addrs[i].a, &k))
				break;
			if (!has(assets, *n_assets, ix->addrs[i].i))
				assets[(*n_assets)++] = ix->addrs[i].i;
		}
	}
	if (a->client.family == MK_AF_NONE || a->server.family == MK_AF_NONE)
		return;
	for (int dir = 0; dir < 2; dir++) {
		struct mk_addr c = dir == 0 ? a->client : a->server,
		               s = dir == 0 ? a->server : a->client;

		norm(&c);
		norm(&s);
		for (size_t i = lower_pair(ix, &c, &s); i < ix->n_pairs && *n_convs < max; i++) {
			const struct mk_conv_rec *cv;

			if (!mk_addr_eq(&ix->pairs[i].c, &c) || !mk_addr_eq(&ix->pairs[i].s, &s))
				break;
			cv = &r->convs[ix->pairs[i].i];
			/* The alert's protocol when it has one: a parser's name for the
			 * operation (cip inside enip) may differ from the conversation's. */
			if (a->proto != MK_PROTO_UNKNOWN && cv->proto != a->proto &&
			    !(a->port != 0 && cv->port == a->port))
				continue;
			if (!has(convs, *n_convs, ix->pairs[i].i))
				convs[(*n_convs)++] = ix->pairs[i].i;
		}
	}
	qsort(assets, *n_assets, sizeof(*assets), size_cmp);
	qsort(convs, *n_convs, sizeof(*convs), size_cmp);
}

size_t mk_report_asset_of(const struct mk_report_index *ix, const struct mk_addr *a)
{
	struct mk_addr k = *a;
	size_t i;

	if (ix == NULL || k.family == MK_AF_NONE)
		return (size_t)-1;
	norm(&k);
	i = lower_addr(ix, &k);
	return i < ix->n_addrs && mk_addr_eq(&ix->addrs[i].a, &k) ? ix->addrs[i].i : (size_t)-1;
}

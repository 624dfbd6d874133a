/* frag.c - IPv4 fragment reassembly under a memory cap, a datagram cap and a timeout.
 * specification: RFC 791 section 3.2 (fragmentation and reassembly); RFC 815 (hole
 * tracking); overlap policy "first copy wins" as in RFC 5722's spirit for IPv4.
 *
 * Only the slow path lives here: fragments are rare on plant networks, so each held
 * piece is one malloc, charged (with its bookkeeping) to limits.frag_memcap.  The
 * slot array and hash buckets are allocated once by mk_frag_init().
 */
#include "decode_int.h"

#include <stdlib.h>
#include <string.h>

/* A disjoint byte range of a datagram's payload; pieces are kept sorted by offset. */
struct mk_frag_piece {
	struct mk_frag_piece *next;
	uint32_t off, len;
	uint8_t data[];
};

struct mk_frag_dg {
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	bool used;
	bool have_last;          /* the MF=0 fragment was seen: total is known */
	uint32_t total;          /* payload bytes of the whole datagram */
	uint32_t have;           /* payload bytes held (pieces are disjoint) */
	uint32_t npieces;
	uint32_t nfrags;         /* fragments accepted, for stats.frag_dropped */
	size_t mem;              /* bytes charged to the memcap */
	uint64_t first_ts;
	struct mk_frag_piece *pieces;
	uint32_t hnext;          /* hash chain, or free list */
	uint32_t older, newer;   /* age list */
};

static uint32_t frag_hash(const struct mk_frag *f, uint32_t src, uint32_t dst, uint16_t id, uint8_t proto)
{
	uint32_t h = src * 0x9e3779b1u;

	h ^= dst + 0x7f4a7c15u + (h << 6) + (h >> 2);
	h ^= ((uint32_t)id << 8 | proto) + 0x165667b1u + (h << 6) + (h >> 2);
	h *= 0x85ebca6bu;
	h ^= h >> 15;
	return h & (f->nbucket - 1);
}

int mk_frag_init(struct mk_frag *f, const struct mk_decode_limits *lim)
{
	uint32_t cap = lim->frag_max_datagrams;

	memset(f, 0, sizeof(*f));
	f->free_head = f->oldest = f->newest = MK_FRAG_NIL;
	if (cap > MK_FRAG_MAX_DATAGRAMS_CAP)
		cap = MK_FRAG_MAX_DATAGRAMS_CAP;
	f->cap = cap;
	if (cap == 0)
		return 0; /* reassembly disabled: every fragment is dropped and counted */
	f->nbucket = 16;
	while (f->nbucket < cap * 2u)
		f->nbucket <<= 1;
	f->dg = calloc(cap, sizeof(*f->dg));
	f->bucket = malloc((size_t)f->nbucket * sizeof(*f->bucket));
	if (f->dg == NULL || f->bucket == NULL) {
		mk_frag_free(f);
		return -1;
	}
	for (uint32_t i = 0; i < f->nbucket; i++)
		f->bucket[i] = MK_FRAG_NIL;
	for (uint32_t i = 0; i < cap; i++)
		f->dg[i].hnext = i + 1 < cap ? i + 1 : MK_FRAG_NIL;
	f->free_head = 0;
	return 0;
}

static void dg_release_pieces(struct mk_frag *f, struct mk_frag_dg *d)
{
	struct mk_frag_piece *p = d->pieces, *next;

	/* Bounded by the list itself and by npieces (<= MK_FRAG_MAX_PIECES). */
	for (uint32_t n = 0; p != NULL && n <= MK_FRAG_MAX_PIECES; n++) {
		next = p->next;
		free(p);
		p = next;
	}
	f->mem -= d->mem;
	d->mem = 0;
	d->pieces = NULL;
}

void mk_frag_free(struct mk_frag *f)
{
	if (f->dg != NULL)
		for (uint32_t i = 0; i < f->cap; i++)
			if (f->dg[i].used)
				dg_release_pieces(f, &f->dg[i]);
	free(f->dg);
	free(f->bucket);
	free(f->out);
	memset(f, 0, sizeof(*f));
}

/* Unlinks slot i from its hash chain, the age list, frees its pieces, returns it to the free list. */
static void dg_remove(struct mk_frag *f, uint32_t i)
{
	struct mk_frag_dg *d = &f->dg[i];
	uint32_t *link = &f->bucket[frag_hash(f, d->src, d->dst, d->id, d->proto)];

	for (uint32_t n = 0; *link != MK_FRAG_NIL && n < f->cap; n++) {
		if (*link == i) {
			*link = d->hnext;
			break;
		}
		link = &f->dg[*link].hnext;
	}
	if (d->older != MK_FRAG_NIL)
		f->dg[d->older].newer = d->newer;
	else
		f->oldest = d->newer;
	if (d->newer != MK_FRAG_NIL)
		f->dg[d->newer].older = d->older;
	else
		f->newest = d->older;
	dg_release_pieces(f, d);
	memset(d, 0, sizeof(*d));
	d->hnext = f->free_head;
	f->free_head = i;
	f->count--;
}

/* Drops a datagram because of a cap or a timeout: its fragments count as dropped. */
static void dg_drop(struct mk_decoder *dec, uint32_t i)
{
	dec->stats.frag_dropped += dec->frag.dg[i].nfrags;
	dg_remove(&dec->frag, i);
}

void mk_frag_expire(struct mk_decoder *dec, uint64_t now)
{
	struct mk_frag *f = &dec->frag;

	/* Time is packet time; a clock that goes backwards expires nothing. */
	for (uint32_t n = 0; f->oldest != MK_FRAG_NIL && n < f->cap; n++) {
		struct mk_frag_dg *d = &f->dg[f->oldest];

		if (now <= d->first_ts || now - d->first_ts <= dec->lim.frag_timeout_ns)
			break;
		dg_drop(dec, f->oldest);
	}
}

static uint32_t dg_find(const struct mk_frag *f, const struct mk_frag_in *in, uint32_t h)
{
	uint32_t i = f->bucket[h];

	for (uint32_t n = 0; i != MK_FRAG_NIL && n < f->cap; n++) {
		const struct mk_frag_dg *d = &f->dg[i];

		if (d->src == in->src && d->dst == in->dst && d->id == in->id && d->proto == in->proto)
			return i;
		i = d->hnext;
	}
	return MK_FRAG_NIL;
}

static uint32_t dg_create(struct mk_decoder *dec, struct mk_pkt *pkt, const struct mk_frag_in *in)
{
	struct mk_frag *f = &dec->frag;
	struct mk_frag_dg *d;
	uint32_t i, h;

	if (f->count >= f->cap && f->oldest != MK_FRAG_NIL) {
		/* Too many datagrams in progress: the oldest is the least likely to complete. */
		mk_decode_event_raise(dec, pkt, MK_DEV_IPV4_FRAG_MEMCAP);
		dg_drop(dec, f->oldest);
	}
	if (f->free_head == MK_FRAG_NIL)
		return MK_FRAG_NIL;
	i = f->free_head;
	d = &f->dg[i];
	f->free_head = d->hnext;
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->src = in->src;
	d->dst = in->dst;
	d->id = in->id;
	d->proto = in->proto;
	d->first_ts = pkt->ts_ns;
	h = frag_hash(f, in->src, in->dst, in->id, in->proto);
	d->hnext = f->bucket[h];
	f->bucket[h] = i;
	d->newer = MK_FRAG_NIL;
	d->older = f->newest;
	if (f->newest != MK_FRAG_NIL)
		f->dg[f->newest].newer = i;
	else
		f->oldest = i;
	f->newest = i;
	f->count++;
	return i;
}

/* Makes room for need more bytes by dropping the oldest other datagrams.
 * Returns false when even that is not enough. */
static bool frag_make_room(struct mk_decoder *dec, struct mk_pkt *pkt, uint32_t keep, size_t need)
{
	struct mk_frag *f = &dec->frag;
	bool raised = false;

	for (uint32_t n = 0; f->mem + need > dec->lim.frag_memcap && n < f->cap; n++) {
		uint32_t victim = f->oldest;

		if (victim == keep)
			victim = f->dg[victim].newer;
		if (victim == MK_FRAG_NIL)
			break;
		if (!raised) {
			mk_decode_event_raise(dec, pkt, MK_DEV_IPV4_FRAG_MEMCAP);
			raised = true;
		}
		dg_drop(dec, victim);
	}
	if (f->mem + need <= dec->lim.frag_memcap)
		return true;
	if (!raised)
		mk_decode_event_raise(dec, pkt, MK_DEV_IPV4_FRAG_MEMCAP);
	return false;
}

/* Drops datagram i and the current fragment. */
static enum mk_frag_verdict frag_fail(struct mk_decoder *dec, uint32_t i)
{
	dec->stats.frag_dropped++;
	if (i != MK_FRAG_NIL)
		dg_drop(dec, i);
	return MK_FRAG_DROPPED;
}

/* Inserts the parts of [off, end) not yet held ("first copy wins").  Sets *overlap
 * when some of it was already held.  Returns false on a cap or allocation failure. */
static bool dg_insert(struct mk_decoder *dec, struct mk_pkt *pkt, uint32_t i, const struct mk_frag_in *in,
		      uint32_t end, bool *overlap)
{
	struct mk_frag *f = &dec->frag;
	struct mk_frag_dg *d = &f->dg[i];
	struct mk_frag_piece **link = &d->pieces;
	uint32_t pos = in->off;

	/* Each round either skips a held piece or adds one: bounded by twice the cap. */
	for (uint32_t n = 0; pos < end && n < 2 * MK_FRAG_MAX_PIECES + 2; n++) {
		struct mk_frag_piece *cur = *link, *np;
		uint32_t gap_end;
		size_t need;

		if (cur != NULL && cur->off + cur->len <= pos) {
			link = &cur->next;
			continue;
		}
		if (cur != NULL && cur->off <= pos) {
			*overlap = true;
			pos = cur->off + cur->len;
			link = &cur->next;
			continue;
		}
		gap_end = cur != NULL && cur->off < end ? cur->off : end;
		if (d->npieces >= MK_FRAG_MAX_PIECES) {
			mk_decode_event_raise(dec, pkt, MK_DEV_IPV4_FRAG_MEMCAP);
			return false;
		}
		need = sizeof(*np) + (gap_end - pos);
		if (!frag_make_room(dec, pkt, i, need))
			return false;
		np = malloc(need);
		if (np == NULL)
			return false;
		np->off = pos;
		np->len = gap_end - pos;
		memcpy(np->data, in->data + (pos - in->off), np->len);
		np->next = cur;
		*link = np;
		link = &np->next;
		d->npieces++;
		d->have += np->len;
		d->mem += need;
		f->mem += need;
		pos = gap_end;
	}
	return pos >= end;
}

enum mk_frag_verdict mk_frag_add(struct mk_decoder *dec, struct mk_pkt *pkt, const struct mk_frag_in *in,
				 const uint8_t **out, uint32_t *out_len)
{
	struct mk_frag *f = &dec->frag;
	struct mk_frag_dg *d;
	bool overlap = false;
	uint32_t i, end = in->off + in->len;

	if (f->cap == 0)
		return frag_fail(dec, MK_FRAG_NIL);
	i = dg_find(f, in, frag_hash(f, in->src, in->dst, in->id, in->proto));
	if (in->hdr_len + end > MK_FRAG_IP_MAX) {
		/* Ping of death: the reassembled datagram would not fit any IPv4 length. */
		mk_decode_event_raise(dec, pkt, MK_DEV_IPV4_FRAG_TOO_LARGE);
		return frag_fail(dec, i);
	}
	if (i == MK_FRAG_NIL) {
		i = dg_create(dec, pkt, in);
		if (i == MK_FRAG_NIL)
			return frag_fail(dec, MK_FRAG_NIL);
	}
	d = &f->dg[i];
	if (!in->more) {
		if (d->have_last) {
			if (end != d->total)
				overlap = true; /* a second, different end: the first one stands */
			end = end < d->total ? end : d->total;
		} else {
			struct mk_frag_piece *p = d->pieces;

			for (uint32_t n = 0; p != NULL && n < MK_FRAG_MAX_PIECES; n++, p = p->next) {
				if (p->off + p->len > end) {
					/* Held bytes beyond the claimed end: no consistent datagram exists. */
					mk_decode_event_raise(dec, pkt, MK_DEV_IPV4_FRAG_OVERLAP);
					return frag_fail(dec, i);
				}
			}
			d->have_last = true;
			d->total = end;
		}
	} else if (d->have_last && end > d->total) {
		overlap = true;
		end = d->total;
	}
	if (in->off < end && !dg_insert(dec, pkt, i, in, end, &overlap))
		return frag_fail(dec, i);
	if (in->off >= end && in->len > 0)
		overlap = true; /* wholly beyond the known end */
	if (overlap)
		mk_decode_event_raise(dec, pkt, MK_DEV_IPV4_FRAG_OVERLAP);
	d->nfrags++;
	if (!d->have_last || d->have != d->total)
		return MK_FRAG_HELD;

	if (f->out == NULL && (f->out = malloc(MK_FRAG_IP_MAX)) == NULL)
		return frag_fail(dec, i);
	struct mk_frag_piece *p = d->pieces;

	for (uint32_t n = 0; p != NULL && n < MK_FRAG_MAX_PIECES; n++, p = p->next)
		memcpy(f->out + p->off, p->data, p->len); /* off + len <= total <= 65535 */
	*out = f->out;
	*out_len = d->total;
	dec->stats.frag_reassembled++;
	dg_remove(f, i);
	return MK_FRAG_DONE;
}

/* sim_harness.h - parser unit tests driven like the core drives them: a
 * recording sink whose facts the test queries (rec_find, expect_attr,
 * has_anomaly...), and a stand-in for one flow (sim_tcp keeps each
 * direction's unconsumed bytes and calls parse() again, as the stream layer
 * does; sim_udp hands over one datagram).  Header-only with static storage on
 * purpose: every test_*.c is its own program and includes it once, after
 * <cmocka.h>, <stdio.h>, <stdlib.h>, <string.h> and "mieruka/proto.h".
 */
#ifndef MK_TEST_SIM_HARNESS_H
#define MK_TEST_SIM_HARNESS_H

#define REC_MAX 128

struct rec_fact {
	uint8_t kind;
	uint8_t host;
	uint8_t op;
	uint8_t role;
	uint8_t confidence;
	char key[40];
	char value[300];
	size_t value_len;
};

static struct rec_fact rec[REC_MAX];
static size_t nrec;

static void rec_sink(void *ctx, const struct mk_fact *f, struct mk_flow *flow,
                     const struct mk_pkt *pkt, int dir)
{
	struct rec_fact *r;

	(void)ctx;
	(void)flow;
	(void)pkt;
	(void)dir;
	assert_true(nrec < REC_MAX);
	r = &rec[nrec++];
	memset(r, 0, sizeof(*r));
	r->kind = f->kind;
	r->host = f->host.kind;
	r->op = f->op;
	r->role = f->role;
	r->confidence = f->confidence;
	if (f->key != NULL)
		snprintf(r->key, sizeof(r->key), "%s", f->key);
	/* Facts borrow their value: copy it now, and check its length is sane. */
	assert_true(f->value_len < sizeof(r->value));
	if (f->value != NULL)
		memcpy(r->value, f->value, f->value_len);
	r->value_len = f->value_len;
}

static inline void rec_reset(void)
{
	nrec = 0;
}

/* The n-th fact of this kind (and key, for attributes), or NULL. */
static inline const struct rec_fact *rec_find(uint8_t kind, const char *key, size_t nth)
{
	for (size_t i = 0; i < nrec; i++) {
		if (rec[i].kind != kind)
			continue;
		if (key != NULL && strcmp(rec[i].key, key) != 0)
			continue;
		if (nth-- == 0)
			return &rec[i];
	}
	return NULL;
}

static inline size_t rec_count(uint8_t kind, const char *key)
{
	size_t n = 0;

	while (rec_find(kind, key, n) != NULL)
		n++;
	return n;
}

static inline void expect_attr(uint8_t host, const char *key, const char *value)
{
	const struct rec_fact *r = rec_find(MK_FACT_ATTR, key, 0);

	if (r == NULL)
		fail_msg("no attribute %s", key);
	assert_int_equal(r->host, host);
	assert_string_equal(r->value, value);
	assert_int_equal(r->value_len, strlen(value));
}

static inline bool has_anomaly(const char *name)
{
	for (size_t i = 0; i < nrec; i++)
		if (rec[i].kind == MK_FACT_ANOMALY && strcmp(rec[i].value, name) == 0)
			return true;
	return false;
}

static inline size_t count_anomaly(const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < nrec; i++)
		if (rec[i].kind == MK_FACT_ANOMALY && strcmp(rec[i].value, name) == 0)
			n++;
	return n;
}

static inline bool has_op(uint8_t op)
{
	for (size_t i = 0; i < nrec; i++)
		if (rec[i].kind == MK_FACT_OPERATION && rec[i].op == op)
			return true;
	return false;
}

/* The core's part for one flow: per-direction buffers of unconsumed bytes. */
#define SIM_BUF 70000

struct sim {
	const struct mk_proto *p;
	void *state;
	uint8_t buf[2][SIM_BUF];
	size_t len[2];
	struct mk_emit out;
};

static inline struct sim *sim_new(const struct mk_proto *p)
{
	struct sim *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->p = p;
	s->state = calloc(1, p->state_size > 0 ? p->state_size : 1);
	assert_non_null(s->state);
	s->out.sink = rec_sink;
	s->out.proto = p->id;
	return s;
}

static inline void sim_free(struct sim *s)
{
	if (s->p->reset != NULL)
		s->p->reset(s->state);
	free(s->state);
	free(s);
}

/* TCP: appends bytes in dir and calls parse() until it stops making progress. */
static inline enum mk_verdict sim_tcp(struct sim *s, enum mk_dir dir, const void *data, size_t n)
{
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	enum mk_verdict v = MK_V_OK;

	assert_true(s->len[d] + n <= SIM_BUF);
	if (n > 0)
		memcpy(s->buf[d] + s->len[d], data, n);
	s->len[d] += n;
	for (int guard = 0; guard < 100000; guard++) {
		struct mk_rd rd;
		size_t consumed = 0;

		mk_rd_init(&rd, s->buf[d], s->len[d]);
		s->out.dir = (int)dir;
		v = s->p->parse(s->state, &rd, dir, &consumed, &s->out);
		assert_true(consumed <= s->len[d]);
		memmove(s->buf[d], s->buf[d] + consumed, s->len[d] - consumed);
		s->len[d] -= consumed;
		if (v != MK_V_OK || s->len[d] == 0)
			return v;
		if (consumed == 0)
			fail_msg("parse returned OK without progress");
	}
	fail_msg("parse loops");
	return v;
}

/* UDP: one datagram, parsed from an exact-size heap copy. */
static inline enum mk_verdict sim_udp(struct sim *s, enum mk_dir dir, const void *data, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	size_t consumed = 0;
	enum mk_verdict v;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, data, n);
	mk_rd_init(&rd, copy, n);
	s->out.dir = (int)dir;
	v = s->p->parse(s->state, &rd, dir, &consumed, &s->out);
	free(copy);
	return v;
}

/* Probe on an exact-size heap copy, so ASan sees an over-read. */
static inline int probe_bytes(const struct mk_proto *p, enum mk_dir dir, const void *data, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int r;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, data, n);
	mk_rd_init(&rd, copy, n);
	r = p->probe(&rd, dir);
	free(copy);
	assert_true(r >= MK_PROBE_NO && r <= MK_PROBE_SURE);
	return r;
}

/* TCP truncation: every prefix must give NEED (or OK with nothing left) and
 * no fact at all; returns how many prefixes were tried. */
static inline void every_truncation_tcp(const struct mk_proto *p, enum mk_dir dir, const uint8_t *msg,
                                        size_t n)
{
	for (size_t cut = 0; cut < n; cut++) {
		struct sim *s = sim_new(p);
		uint8_t *copy = malloc(cut > 0 ? cut : 1);
		struct mk_rd rd;
		size_t consumed = 0;
		enum mk_verdict v;

		assert_non_null(copy);
		memcpy(copy, msg, cut);
		mk_rd_init(&rd, copy, cut);
		rec_reset();
		v = p->parse(s->state, &rd, dir, &consumed, &s->out);
		if (cut > 0 && v != MK_V_NEED)
			fail_msg("cut at %zu of %zu: verdict %d, not NEED", cut, n, (int)v);
		assert_int_equal(consumed, 0);
		if (nrec != 0)
			fail_msg("cut at %zu of %zu: %zu facts from a cut message", cut, n, nrec);
		free(copy);
		sim_free(s);
	}
}

#endif /* MK_TEST_SIM_HARNESS_H */

/* hex_flow.h - parser unit tests from hex vectors, driven like the core
 * drives a TCP flow: unconsumed bytes are kept per direction and offered
 * again with the next bytes, every parse() call sees an exact-size heap copy,
 * and every anomaly must be declared in the descriptor's events.  Used with
 * support/fact_recorder.h.  Header-only with static functions on purpose:
 * each test_*.c is its own program; define P (the struct mk_proto under
 * test) before including it.
 */
#ifndef MK_TEST_HEX_FLOW_H
#define MK_TEST_HEX_FLOW_H

#ifndef P
#error "define P as the protocol under test before including hex_flow.h"
#endif

static unsigned nibble(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	fail_msg("bad hex digit %c", c);
	return 0;
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2;

	assert_true(strlen(h) % 2 == 0 && n <= cap);
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(nibble(h[2 * i]) << 4 | nibble(h[2 * i + 1]));
	return n;
}

static void check_events(const struct rec *r)
{
	for (int i = 0; i < r->n; i++) {
		bool listed = false;

		if (strncmp(r->line[i], "anomaly ", 8) != 0)
			continue;
		for (size_t e = 0; P->events[e] != NULL; e++)
			listed |= strcmp(P->events[e], r->line[i] + 8) == 0;
		if (!listed)
			fail_msg("undeclared event: %s", r->line[i]);
	}
}

/* One flow as the engine drives it: unconsumed bytes are kept per direction
 * and offered again with the next bytes; every call sees an exact-size copy. */
struct sim {
	void *state;
	uint8_t pend[2][8192];
	size_t plen[2];
	struct rec *r;
};

static void sim_init(struct sim *s, struct rec *r)
{
	memset(s, 0, sizeof(*s));
	s->state = calloc(1, P->state_size);
	assert_non_null(s->state);
	s->r = r;
}

static void sim_done(struct sim *s)
{
	free(s->state);
	check_events(s->r);
}

static enum mk_verdict sim_feed(struct sim *s, enum mk_dir dir, const uint8_t *data, size_t n)
{
	unsigned d = dir == MK_DIR_TO_CLIENT;
	size_t total = s->plen[d] + n, off = 0;
	uint8_t *buf = malloc(total ? total : 1);
	struct mk_emit out = {.sink = rec_sink, .ctx = s->r, .dir = (int)dir, .proto = P->id};
	enum mk_verdict v = MK_V_OK;

	assert_non_null(buf);
	memcpy(buf, s->pend[d], s->plen[d]);
	memcpy(buf + s->plen[d], data, n);
	for (int round = 0; off < total && round < 1000; round++) {
		struct mk_rd rd;
		size_t consumed = 0;
		uint8_t *copy = malloc(total - off);

		assert_non_null(copy);
		memcpy(copy, buf + off, total - off);
		mk_rd_init(&rd, copy, total - off);
		v = P->parse(s->state, &rd, dir, &consumed, &out);
		free(copy);
		assert_true(consumed <= total - off);
		off += consumed;
		if (v != MK_V_OK || consumed == 0)
			break;
	}
	assert_true(total - off <= sizeof(s->pend[d]));
	memmove(s->pend[d], buf + off, total - off);
	s->plen[d] = total - off;
	free(buf);
	return v;
}

static enum mk_verdict sim_hex(struct sim *s, enum mk_dir dir, const char *hex)
{
	uint8_t b[1024];
	size_t n = unhex(hex, b, sizeof(b));

	return sim_feed(s, dir, b, n);
}

struct step {
	enum mk_dir dir;
	const char *hex;
};

/* Runs a message sequence on one flow and asserts exactly exp[] came out. */
static void expect_flow(const struct step *steps, size_t n, const char *const *exp)
{
	struct rec *r = calloc(1, sizeof(*r));
	struct sim s;

	assert_non_null(r);
	sim_init(&s, r);
	for (size_t i = 0; i < n; i++)
		sim_hex(&s, steps[i].dir, steps[i].hex);
	rec_expect(r, exp);
	sim_done(&s);
	free(r);
}

static void expect_one(enum mk_dir dir, const char *hex, const char *const *exp)
{
	struct step st = {dir, hex};

	expect_flow(&st, 1, exp);
}

#define TS MK_DIR_TO_SERVER
#define TC MK_DIR_TO_CLIENT
#define N(a) (sizeof(a) / sizeof((a)[0]))

#endif /* MK_TEST_HEX_FLOW_H */

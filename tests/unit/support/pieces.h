/* pieces.h - parser unit tests that feed a stream in pieces sharing one
 * parser state, as the engine does (unconsumed bytes offered again with the
 * next piece, exact-size copies, undeclared events fail), and check a message
 * split at every byte and cut at every length.  Used with
 * support/fact_recorder.h.  Header-only with static functions on purpose:
 * each test_*.c is its own program; define P (the struct mk_proto under
 * test) before including it.
 */
#ifndef MK_TEST_PIECES_H
#define MK_TEST_PIECES_H

#ifndef P
#error "define P as the protocol under test before including pieces.h"
#endif

struct piece {
	enum mk_dir dir;
	const uint8_t *p;
	size_t n;
};

static void check_declared(const struct rec *r, int first)
{
	for (int i = first; i < r->n; i++) {
		bool listed = false;

		if (strncmp(r->line[i], "anomaly ", 8) != 0)
			continue;
		for (size_t e = 0; P->events[e] != NULL; e++)
			listed |= strcmp(P->events[e], r->line[i] + 8) == 0;
		if (!listed)
			fail_msg("undeclared event: %s", r->line[i]);
	}
}

/* Feeds the pieces in order to one fresh state the way the engine does: what
 * parse() leaves unconsumed in a direction is offered again in front of that
 * direction's next piece; every call gets an exact-size heap copy. */
static void run_pieces(const struct piece *pc, size_t npc, struct rec *r)
{
	void *state = calloc(1, P->state_size);
	uint8_t *pend[2] = {NULL, NULL};
	size_t plen[2] = {0, 0};

	assert_non_null(state);
	for (size_t i = 0; i < npc; i++) {
		unsigned d = pc[i].dir == MK_DIR_TO_CLIENT ? 1 : 0;
		size_t total = plen[d] + pc[i].n, off = 0;
		uint8_t *buf = malloc(total > 0 ? total : 1);

		assert_non_null(buf);
		if (plen[d] > 0)
			memcpy(buf, pend[d], plen[d]);
		if (pc[i].n > 0)
			memcpy(buf + plen[d], pc[i].p, pc[i].n);
		free(pend[d]);
		pend[d] = NULL;
		plen[d] = 0;
		for (int round = 0; off < total && round < 1000; round++) {
			size_t left = total - off, consumed = 0;
			uint8_t *copy = malloc(left);
			struct mk_emit out = {
			    .sink = rec_sink, .ctx = r, .dir = (int)pc[i].dir, .proto = P->id};
			struct mk_rd rd;
			enum mk_verdict v;
			int first = r->n;

			assert_non_null(copy);
			memcpy(copy, buf + off, left);
			mk_rd_init(&rd, copy, left);
			v = P->parse(state, &rd, pc[i].dir, &consumed, &out);
			free(copy);
			check_declared(r, first);
			assert_true(consumed <= left);
			assert_true(v == MK_V_OK || v == MK_V_NEED);
			off += consumed;
			if (v == MK_V_NEED || consumed == 0)
				break;
		}
		if (off < total) {
			assert_true(total - off <= P->max_buffer);
			plen[d] = total - off;
			pend[d] = malloc(plen[d]);
			assert_non_null(pend[d]);
			memcpy(pend[d], buf + off, plen[d]);
		}
		free(buf);
	}
	free(pend[0]);
	free(pend[1]);
	free(state);
}

static void run_one(const uint8_t *m, size_t n, enum mk_dir dir, struct rec *r)
{
	struct piece pc = {dir, m, n};

	memset(r, 0, sizeof(*r));
	run_pieces(&pc, 1, r);
}

/* Exact facts of the whole message; the same facts when it arrives in two
 * pieces split at every byte; a subset at every truncation. */
static void check_msg(const uint8_t *m, size_t n, enum mk_dir dir, const char *const *exp)
{
	static struct rec all, part;

	run_one(m, n, dir, &all);
	rec_expect(&all, exp);
	for (size_t cut = 0; cut < n; cut++) {
		struct piece pc[2] = {{dir, m, cut}, {dir, m + cut, n - cut}};

		memset(&part, 0, sizeof(part));
		run_pieces(pc, 2, &part);
		rec_expect(&part, exp);
		run_one(m, cut, dir, &part);
		rec_subset(&part, &all, cut);
	}
}

#endif /* MK_TEST_PIECES_H */

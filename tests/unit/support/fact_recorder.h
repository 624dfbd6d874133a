/* fact_recorder.h - a recording struct mk_emit sink for parser unit tests.
 *
 * Each fact becomes one canonical line "kind host key=value", so expectations
 * read like the facts themselves; run_parse() feeds a parser an exact-size heap
 * copy so AddressSanitizer sees any over-read, and checks that every anomaly it
 * raises is declared in its descriptor's event table.
 */
#ifndef MK_TEST_FACT_RECORDER_H
#define MK_TEST_FACT_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/facts.h"
#include "mieruka/pkt.h"
#include "mieruka/proto.h"

#define REC_MAX 96
#define REC_LEN 640

struct rec {
	int n;
	char line[REC_MAX][REC_LEN];
};

/* The sink: give it a struct rec as ctx. */
void rec_sink(void *ctx, const struct mk_fact *f, struct mk_flow *flow, const struct mk_pkt *pkt,
              int dir);
bool rec_has(const struct rec *r, const char *line);
/* Asserts the recorded facts are exactly exp[] (NULL-terminated), in order. */
void rec_expect(const struct rec *r, const char *const *exp);
/* Asserts every fact of `part` (bar anomalies) also came from the whole message `all`. */
void rec_subset(const struct rec *part, const struct rec *all, size_t cut);
/* Runs one parse over an exact-size heap copy of msg with fresh state. */
enum mk_verdict run_parse(const struct mk_proto *p, const struct mk_pkt *pkt, const uint8_t *msg,
                          size_t len, enum mk_dir dir, struct rec *r, size_t *consumed);

#endif /* MK_TEST_FACT_RECORDER_H */

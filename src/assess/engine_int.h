/* engine_int.h - what the assessment engine's files share (answers.c,
 * score.c, plan.c, checklist.c, assess.c, doc.c; internal to src/assess).
 *
 * Every part computes from the knowledge base and the answers through one
 * context: each countermeasure's answer resolved once to an index into
 * kb->answers (unanswered, or an answer id the knowledge base does not know,
 * is "unknown"), so a part can also score "what if this measure were done"
 * by changing one slot. */
#ifndef MIERUKA_ASSESS_ENGINE_INT_H
#define MIERUKA_ASSESS_ENGINE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "mieruka/assess.h"

#define MK_ANSWERS_MAX 8192               /* answers held at once */
#define MK_ANSWER_NOTE_MAX 2000           /* bytes of a note */
#define MK_ANSWER_BY_MAX 200              /* bytes of "by" */
#define MK_ANSWERS_FILE_MAX (4u << 20)    /* an answers file */
#define MK_ANSWERS_SCHEMA "mieruka-answers/1"

#define MK_NONE ((size_t)-1)

struct mk_assess_ctx {
	const struct mk_kb *kb;
	const struct mk_answers *a;
	size_t *cm_ans;        /* per countermeasure: index into kb->answers */
	size_t ans_unknown;    /* the answer flagged unknown */
	size_t ans_na;         /* the answer flagged na */
	size_t ans_done;       /* "done": it and every answer before it are "in place" */
	size_t ans_partial;    /* "partial": a checklist item with some measures in place */
	size_t ans_worst;      /* the last plain answer ("no"): what unknown counts as for METI */
	int *applicable;       /* per entry: 1 yes, 0 no, -1 unknown */
};

/* 0, or -1 with err (ENOMEM, or a knowledge base without the answers
 * "done", "partial", an unknown one, a not-applicable one). */
int mk_assess_ctx_init(struct mk_assess_ctx *c, const struct mk_kb *kb,
                       const struct mk_answers *a, char *err, size_t errlen);
void mk_assess_ctx_free(struct mk_assess_ctx *c);

/* The answer is a measure in place (done, documented, reviewed). */
bool mk_assess_in_place(const struct mk_assess_ctx *c, size_t answer);
/* Scores one entry point from c (docs/ASSESSMENT.md "Scoring"). */
void mk_assess_score_entry(const struct mk_assess_ctx *c, size_t entry,
                           struct mk_entry_result *out);
/* The sum of an entry's risk scores (0 when not applicable). */
int mk_assess_entry_total(const struct mk_entry_result *r);

/* Lookups by id as indexes (kb.c's lookups; MK_NONE when absent). */
size_t mk_assess_find_entry(const struct mk_kb *kb, const char *id);
size_t mk_assess_find_cm(const struct mk_kb *kb, const char *id);
size_t mk_assess_find_answer(const struct mk_kb *kb, const char *id);
size_t mk_assess_find_risk(const struct mk_kb *kb, const char *id);

/* The plan with the progress read from st (NULL: none); err on failure. */
int mk_assess_plan_err(struct mk_assessment *as, const struct mk_answers *a, struct mk_store *st,
                       char *err, size_t errlen);

#endif /* MIERUKA_ASSESS_ENGINE_INT_H */

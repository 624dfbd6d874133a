/* assess_fixture.h - a small knowledge base built by hand for the
 * assessment engine's tests (test_assess_*.c): the scales of
 * data/kb/scoring.kb (answers, damage table, thresholds 80 / 30 / 50, bands
 * 6 / 3 / 1) and whatever entry points, countermeasures and checklist items a
 * test adds.  Texts are "ja:ID" / "en:ID". */
#ifndef MK_TEST_ASSESS_FIXTURE_H
#define MK_TEST_ASSESS_FIXTURE_H

#include <stddef.h>

#include "mieruka/assess.h"

/* A knowledge base with the scales only. */
struct mk_kb *fx_kb_new(void);
/* An entry point (order = position + 1); impacts stop, leak, tamper, quality. */
size_t fx_entry(struct mk_kb *kb, const char *id, int likelihood, int stop, int leak, int tamper,
                int quality);
/* A countermeasure of the entry points eps ("usb,mfp" or "all"; add entry
 * points first), of type technical (tests set ->types for others). */
size_t fx_cm(struct mk_kb *kb, const char *id, const char *eps, enum mk_kb_stage stage,
             enum mk_kb_cost cost, enum mk_kb_effort effort, int weight);
size_t fx_meti_category(struct mk_kb *kb, const char *id, int weight);
/* cms: the countermeasures naming it, comma-separated. */
size_t fx_meti_item(struct mk_kb *kb, const char *id, size_t category, int priority,
                    const char *cms);
void fx_meti_rank(struct mk_kb *kb, const char *id, int min); /* highest first */
size_t fx_ipa_part(struct mk_kb *kb, const char *id);
size_t fx_ipa_item(struct mk_kb *kb, unsigned no, size_t part, const char *cms);
void fx_ipa_band(struct mk_kb *kb, const char *id, int min);  /* highest first */
/* Links entry points to their countermeasures (after the last fx_cm). */
void fx_kb_finish(struct mk_kb *kb);
void fx_kb_free(struct mk_kb *kb);

#endif

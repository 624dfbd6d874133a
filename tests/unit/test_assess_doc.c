/* test_assess_doc.c - the assessment document (interface.md "Assessment
 * document", docs/ASSESSMENT.md; src/assess/doc.c): written for a hand-made
 * assessment, read back with jansson and checked member by member: schema,
 * entry points in order with applicable true/false/null, risks, suggestions
 * with their evidence, the plan with its extensions, the checklists, the
 * unknown answers and the answers with a hostile note intact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/engine_int.h"
#include "support/assess_fixture.h"

#define T0 1700000000000000000ull /* 2023-11-14T22:13:20Z */

static void set(struct mk_answers *a, const struct mk_kb *kb, const char *key, const char *value,
                const char *note)
{
	char err[512] = "";

	if (mk_answers_set(a, kb, key, value, note, note ? "山田" : NULL, T0, MK_SRC_PERSON, err,
	                   sizeof(err)) != 0)
		fail_msg("set %s=%s: %s", key, value, err);
}

static json_t *document(const struct mk_assessment *as, const struct mk_answers *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_error_t je;
	json_t *root;

	assert_non_null(f);
	assert_int_equal(mk_assess_json(f, as, a), 0);
	fclose(f);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		fail_msg("not JSON: %d:%d: %s\n%s", je.line, je.column, je.text, buf);
	free(buf);
	return root;
}

static const char *str(json_t *o, const char *path)
{
	json_t *v = o;
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = strtok_r(buf, ".", &save); p != NULL; p = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, strtoul(p, NULL, 10)) : json_object_get(v, p);
	if (!json_is_string(v))
		fail_msg("%s is not a string", path);
	return json_string_value(v);
}

static json_int_t num(json_t *o, const char *path)
{
	json_t *v = o;
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = strtok_r(buf, ".", &save); p != NULL; p = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, strtoul(p, NULL, 10)) : json_object_get(v, p);
	if (!json_is_integer(v))
		fail_msg("%s is not an integer", path);
	return json_integer_value(v);
}

static json_t *at(json_t *o, const char *path)
{
	json_t *v = o;
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = strtok_r(buf, ".", &save); p != NULL; p = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, strtoul(p, NULL, 10)) : json_object_get(v, p);
	if (v == NULL)
		fail_msg("%s is missing", path);
	return v;
}

/* Entry points A (in use), B (not), C (not answered); measures:
 *   a.p  A protect free day     no       -> this week
 *   a.d  A detect  low  month   done
 *   b.p  B protect free day     -        (B not in use: not in the plan)
 *   g.x  all protect low day    unknown, physical + organizational
 * METI: one category, item 1-1 (a.p no, g.x unknown): unknown, flagged, as "no".
 * IPA: items 1 (a.d: 4), 2 (g.x: unknown -> -1, listed) and 3 (b.p: B not in
 * use -> not applicable, counted as 4). */
static void test_document(void **state)
{
	const char *hostile = "\"引用\" </script><img onerror=x> \\ 改行\nあり";
	struct mk_kb *kb = fx_kb_new();
	struct mk_answers a = {0};
	struct mk_assessment *as = NULL;
	char err[256] = "";
	json_t *d, *v;
	size_t cat, part;

	(void)state;
	fx_entry(kb, "A", 3, 3, 0, 0, 0);
	fx_entry(kb, "B", 2, 1, 1, 0, 0);
	fx_entry(kb, "C", 1, 0, 2, 0, 0);
	fx_cm(kb, "a.p", "A", MK_STAGE_PROTECT, MK_COST_FREE, MK_EFFORT_DAY, 1);
	fx_cm(kb, "a.d", "A", MK_STAGE_DETECT, MK_COST_LOW, MK_EFFORT_MONTH, 1);
	fx_cm(kb, "b.p", "B", MK_STAGE_PROTECT, MK_COST_FREE, MK_EFFORT_DAY, 1);
	fx_cm(kb, "g.x", "all", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	kb->cms[3].types = 1u << MK_CTYPE_PHYSICAL | 1u << MK_CTYPE_ORGANIZATIONAL;
	fx_kb_finish(kb);
	cat = fx_meti_category(kb, "org", 3);
	fx_meti_item(kb, "1-1", cat, 4, "a.p,g.x");
	fx_meti_rank(kb, "A", 80);
	fx_meti_rank(kb, "D", 0);
	part = fx_ipa_part(kb, "P1");
	fx_ipa_item(kb, 1, part, "a.d");
	fx_ipa_item(kb, 2, part, "g.x");
	fx_ipa_item(kb, 3, part, "b.p");
	fx_ipa_band(kb, "top", 100);
	fx_ipa_band(kb, "low", -25);
	set(&a, kb, "use.A", "yes", NULL);
	set(&a, kb, "use.B", "no", NULL);
	set(&a, kb, "a.p", "no", hostile);
	set(&a, kb, "a.d", "done", NULL);
	set(&a, kb, "g.x", "unknown", NULL);
	assert_int_equal(mk_assess_run(kb, &a, NULL, NULL, T0, &as, err, sizeof(err)), 0);

	/* One suggestion for A and one for no entry point, as evidence.c makes
	 * them (the assessment owns and frees them). */
	as->suggestions = calloc(2, sizeof(*as->suggestions));
	assert_non_null(as->suggestions);
	as->n_suggestions = 2;
	as->suggestions[0] = (struct mk_suggestion){.key = "use.C", .value = "yes", .entry = 2,
	                                            .count = 23};
	as->suggestions[0].items = calloc(21, sizeof(struct mk_ev_item));
	as->suggestions[0].n_items = 21;
	snprintf(as->suggestions[0].items[0].asset, 48, "asset-1");
	snprintf(as->suggestions[0].items[0].address, 64, "192.0.2.7");
	snprintf(as->suggestions[0].items[0].detail, 160, "TeamViewer <b>");
	as->suggestions[0].items[0].first_ns = T0;
	as->suggestions[0].items[0].last_ns = T0 + 1000000000ull;
	as->suggestions[0].text_ja = strdup("外部から23件");
	as->suggestions[0].text_en = strdup("23 from outside");
	as->suggestions[1] = (struct mk_suggestion){.key = "g.x", .value = "no", .entry = (size_t)-1,
	                                            .count = 1};
	as->suggestions[1].text_ja = strdup("平文");
	as->suggestions[1].text_en = strdup("cleartext");

	d = document(as, &a);
	assert_string_equal(str(d, "schema"), "mieruka-assessment/1");
	assert_string_equal(str(d, "generated"), "2023-11-14T22:13:20.000000Z");
	assert_true(json_is_null(at(d, "previous")));

	/* entry points in order, applicable true / false / null */
	v = at(d, "entry_points");
	assert_int_equal(json_array_size(v), 3);
	assert_string_equal(str(v, "0.id"), "A");
	assert_string_equal(str(v, "0.name.ja"), "ja:A");
	assert_string_equal(str(v, "0.name.en"), "en:A");
	assert_true(json_is_true(at(v, "0.applicable")));
	assert_true(json_is_false(at(v, "1.applicable")));
	assert_true(json_is_null(at(v, "2.applicable")));
	/* A: a.p no, g.x unknown -> 0 % -> vuln 3 -> 3; a.d done -> impact 3 - 1 = 2 */
	assert_int_equal(json_array_size(at(v, "0.risks")), 1);
	assert_string_equal(str(v, "0.risks.0.risk"), "stop");
	assert_int_equal(num(v, "0.risks.0.likelihood"), 3);
	assert_int_equal(num(v, "0.risks.0.impact"), 2);
	assert_int_equal(num(v, "0.risks.0.score"), 6);
	assert_string_equal(str(v, "0.risks.0.level"), "high");
	assert_int_equal(num(v, "0.unknown"), 1);
	assert_int_equal(json_array_size(at(v, "1.risks")), 0);
	/* C: threat 1 -> likelihood 1, leak 2 -> 2 low */
	assert_string_equal(str(v, "2.risks.0.risk"), "leak");
	assert_int_equal(num(v, "2.risks.0.score"), 2);
	assert_string_equal(str(v, "2.risks.0.level"), "low");
	assert_string_equal(str(v, "0.countermeasures.0"), "a.p");
	assert_string_equal(str(v, "0.countermeasures.2"), "g.x");
	/* the suggestion: at C, waiting (no current answer), evidence capped at 20 */
	assert_int_equal(json_array_size(at(v, "0.suggestions")), 0);
	assert_int_equal(json_array_size(at(v, "2.suggestions")), 1);
	assert_string_equal(str(v, "2.suggestions.0.question"), "use.C");
	assert_string_equal(str(v, "2.suggestions.0.answer"), "yes");
	assert_true(json_is_null(at(v, "2.suggestions.0.current")));
	assert_int_equal(num(v, "2.suggestions.0.evidence.count"), 23);
	assert_string_equal(str(v, "2.suggestions.0.evidence.text.ja"), "外部から23件");
	assert_int_equal(json_array_size(at(v, "2.suggestions.0.evidence.items")), 20);
	assert_string_equal(str(v, "2.suggestions.0.evidence.items.0.asset"), "asset-1");
	assert_string_equal(str(v, "2.suggestions.0.evidence.items.0.detail"), "TeamViewer <b>");
	assert_string_equal(str(v, "2.suggestions.0.evidence.items.0.last"),
	                    "2023-11-14T22:13:21.000000Z");
	assert_true(json_is_null(at(v, "2.suggestions.0.evidence.items.1.asset")));
	/* the general suggestion, with the current answer */
	assert_string_equal(str(d, "suggestions.0.question"), "g.x");
	assert_string_equal(str(d, "suggestions.0.current"), "unknown");

	/* plan: A now 3 x 2 = 6; a.p or g.x done: 50 % -> vuln 2 -> 2 x 2 = 4, so
	 * each reduces 2 (C stays at likelihood 1); a.p is free this week */
	v = at(d, "plan");
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(str(v, "0.countermeasure"), "a.p");
	assert_true(json_is_true(at(v, "0.this_week")));
	assert_int_equal(num(v, "0.risk_reduced"), 2);
	assert_string_equal(str(v, "0.stage"), "protect");
	assert_string_equal(str(v, "0.type"), "technical");
	assert_string_equal(str(v, "0.cost"), "free");
	assert_string_equal(str(v, "0.effort"), "day");
	assert_string_equal(str(v, "0.title.ja"), "ja:a.p");
	assert_string_equal(str(v, "0.why.en"), "en:a.p");
	assert_string_equal(str(v, "0.how.ja"), "ja:a.p");
	assert_string_equal(str(v, "0.who.ja"), "ja:a.p");
	assert_string_equal(str(v, "0.check.en"), "en:a.p");
	assert_string_equal(str(v, "0.answer"), "no");
	assert_string_equal(str(v, "0.progress"), "new");
	assert_true(json_is_null(at(v, "0.first_planned")));
	assert_string_equal(str(v, "0.entry_points.0"), "A");
	assert_int_equal(json_array_size(at(v, "0.entry_points")), 1);
	assert_string_equal(str(v, "1.countermeasure"), "g.x");
	assert_int_equal(num(v, "1.risk_reduced"), 2);
	assert_string_equal(str(v, "1.type"), "physical");
	assert_string_equal(str(v, "1.types.1"), "organizational");
	/* "all", but B is not in use: A and C */
	assert_int_equal(json_array_size(at(v, "1.entry_points")), 2);
	assert_string_equal(str(v, "1.entry_points.1"), "C");
	assert_int_equal(json_array_size(at(d, "done_since")), 0);

	/* checklists: METI 1-1 = (no, unknown) -> unknown, flagged, as no = 20 */
	v = at(d, "checklists.meti");
	assert_int_equal(num(v, "score"), 20);
	assert_string_equal(str(v, "rank.id"), "D");
	assert_true(json_is_number(at(v, "categories.0.score")));
	assert_true(json_number_value(at(v, "categories.0.score")) == 20.0);
	assert_string_equal(str(v, "items.0.id"), "1-1");
	assert_string_equal(str(v, "items.0.category"), "org");
	assert_string_equal(str(v, "items.0.answer"), "unknown");
	assert_true(json_is_true(at(v, "items.0.flagged")));
	assert_int_equal(num(v, "items.0.priority"), 4);
	v = at(d, "checklists.ipa25");
	assert_int_equal(num(v, "score"), 7); /* 4 - 1 + 4 */
	assert_string_equal(str(v, "band.id"), "low");
	assert_int_equal(num(v, "items.0.points"), 4);
	assert_int_equal(num(v, "items.1.points"), -1);
	assert_string_equal(str(v, "items.1.part"), "P1");
	assert_int_equal(json_array_size(at(v, "unknown")), 1);
	assert_int_equal(num(v, "unknown.0"), 2);
	assert_true(json_is_true(at(v, "items.2.na")));
	assert_int_equal(num(v, "items.2.points"), 4);
	assert_true(json_is_true(at(v, "na_counted_as_done")));

	/* the BCP part is bcp.c's; without entries it is there */
	assert_non_null(json_object_get(d, "bcp"));

	/* unknown: use.C, then g.x (A), then nothing of B (not in use) */
	v = at(d, "unknown_answers");
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(str(v, "0"), "use.C");
	assert_string_equal(str(v, "1"), "g.x");
	assert_int_equal(as->n_unknown, 2);

	/* the answers, with the hostile note byte for byte */
	v = at(d, "answers");
	assert_int_equal(json_array_size(v), 5);
	assert_string_equal(str(v, "0.key"), "a.d");
	assert_string_equal(str(v, "1.key"), "a.p");
	assert_string_equal(str(v, "1.note"), hostile);
	assert_string_equal(str(v, "1.by"), "山田");
	assert_string_equal(str(v, "1.source"), "person");
	assert_string_equal(str(v, "1.at"), "2023-11-14T22:13:20.000000Z");
	assert_true(json_is_null(at(v, "0.note")));

	/* the catalogue: every measure with its answer */
	v = at(d, "countermeasures");
	assert_int_equal(json_array_size(v), 4);
	assert_string_equal(str(v, "3.id"), "g.x");
	assert_string_equal(str(v, "3.entry_points.0"), "all");
	assert_string_equal(str(v, "3.answer"), "unknown");
	assert_true(json_is_null(at(v, "2.answer")));
	assert_string_equal(str(v, "0.confidence"), "P");
	v = at(d, "answer_choices");
	assert_int_equal(json_array_size(v), 7);
	assert_true(json_is_true(at(v, "2.in_place")));  /* done */
	assert_true(json_is_false(at(v, "3.in_place"))); /* partial */

	json_decref(d);
	mk_assess_free(as);
	mk_answers_free(&a);
	fx_kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_assess_kb.c - the knowledge-base parser and loader (src/assess/kb*.c):
 * the format's rules, every validation error with its file and line, the
 * typed model of a small fixture, and the shipped data/kb. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assess/kb_int.h"
#include "support/kb_fixture.h"

/* ---- the parser ---- */

static int parse(const char *text, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	memset(doc, 0, sizeof(*doc));
	return mk_kb_parse_text(doc, "t.kb", text, strlen(text), err, errlen);
}

static void done(struct mk_kb_doc *doc)
{
	mk_kb_arena_free(doc->arena);
	mk_kb_doc_free(doc);
}

static void test_parse_format(void **state)
{
	(void)state;
	struct mk_kb_doc doc;
	char err[256] = "";
	const char *text = "# comment\n"
	                   "[kind one]\r\n"
	                   "a: first  \n"
	                   "b: line 1\n"
	                   "  line 2\n"
	                   "\n"
	                   "  line 3 after a blank line\n"
	                   "c.ja: 日本語\n"
	                   "[kind two]\n"
	                   "x:y\n";
	assert_int_equal(parse(text, &doc, err, sizeof(err)), 0);
	assert_int_equal(doc.n, 2);
	assert_string_equal(doc.v[0].kind, "kind");
	assert_string_equal(doc.v[0].id, "one");
	assert_int_equal(doc.v[0].line, 2);
	assert_int_equal(doc.v[0].n_fields, 3);
	assert_string_equal(mk_kb_get(&doc.v[0], "a"), "first");
	assert_string_equal(mk_kb_get(&doc.v[0], "b"), "line 1\nline 2\nline 3 after a blank line");
	assert_string_equal(mk_kb_get(&doc.v[0], "c.ja"), "日本語");
	assert_int_equal(doc.v[0].fields[2].line, 8);
	assert_string_equal(mk_kb_get(&doc.v[1], "x"), "y");
	assert_null(mk_kb_get(&doc.v[1], "nothing"));
	done(&doc);
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"a: b\n", "t.kb:1: key before the first [KIND ID] header"},
		{"[kind]\n", "t.kb:1: a header is [KIND ID]"},
		{"[kind id\n", "t.kb:1: a header is [KIND ID]"},
		{"[Kind id]\n", "t.kb:1: bad kind (a-z and _ only)"},
		{"[kind ID]\n", "t.kb:1: bad id (1-63 of a-z 0-9 _ . -)"},
		{"[kind a b]\n", "t.kb:1: bad id (1-63 of a-z 0-9 _ . -)"},
		{"[kind id]\nKey: v\n", "t.kb:2: bad key (a-z 0-9 _ . -)"},
		{"[kind id]\njust text\n", "t.kb:2: expected [KIND ID], key: value, a comment or a blank line"},
		{"[kind id]\na: 1\na: 2\n", "t.kb:3: a given twice"},
		{"[kind id]\na:\n[kind id2]\n", "t.kb:2: a has no value"},
		{"[kind id]\n  orphan\n", "t.kb:2: continuation line without a key line before it"},
		{"[kind id]\na: 1\n\tx\n", "t.kb:3: a continuation line starts with two spaces"},
		{"[kind id]\na: 1\n x\n", "t.kb:3: a continuation line starts with two spaces"},
		{"[kind id]\na: 1\n# c\n  x\n", "t.kb:4: continuation line without a key line before it"},
		{"[kind id]\na: \xff\n", "t.kb:2: not valid UTF-8 (byte offset 13)"},
		{"[kind id]\na: \xe3\x81\n", "t.kb:2: not valid UTF-8 (byte offset 13)"},
		{"[kind id]\na: \xc0\x80\n", "t.kb:2: not valid UTF-8 (byte offset 13)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mk_kb_doc doc;
		char err[256] = "";
		assert_int_equal(parse(cases[i].text, &doc, err, sizeof(err)), -1);
		if (strcmp(err, cases[i].want))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
		done(&doc);
	}
	/* a NUL byte inside the text */
	struct mk_kb_doc doc = {0};
	char err[256] = "";
	assert_int_equal(mk_kb_parse_text(&doc, "t.kb", "[k i]\na: \0b\n", 12, err, sizeof(err)), -1);
	assert_string_equal(err, "t.kb:2: NUL byte in the text");
	done(&doc);
}

/* Every prefix of a valid text parses or fails cleanly (no over-read: ASan). */
static void test_parse_truncations(void **state)
{
	(void)state;
	size_t n = strlen(MK_KB_FIXTURE);
	for (size_t len = 0; len <= n; len += (len < 2000 ? 1 : 7)) {
		char *copy = malloc(len ? len : 1);
		memcpy(copy, MK_KB_FIXTURE, len);
		struct mk_kb_doc doc = {0};
		char err[256];
		(void)mk_kb_parse_text(&doc, "t.kb", copy, len, err, sizeof(err));
		done(&doc);
		free(copy);
	}
}

/* ---- the loader over the fixture ---- */

static struct mk_kb *load_fixture(const char *from, const char *to, const char *extra, char *err,
                                  size_t errlen)
{
	char dir[256];
	assert_int_equal(kb_fixture_write(dir, sizeof(dir), from, to, extra), 0);
	struct mk_kb *kb = NULL;
	int rc = mk_kb_load(dir, &kb, err, errlen);
	kb_fixture_remove(dir);
	assert_true((rc == 0) == (kb != NULL));
	return kb;
}

static void test_load_fixture(void **state)
{
	(void)state;
	char err[512] = "";
	struct mk_kb *kb = load_fixture(NULL, NULL, NULL, err, sizeof(err));
	if (!kb)
		fail_msg("%s", err);
	assert_int_equal(kb->n_entries, 2);
	assert_string_equal(kb->entries[0].id, "alpha");
	assert_int_equal(kb->entries[0].likelihood, 3);
	assert_int_equal(kb->entries[0].impact[MK_RISK_STOP], 3);
	assert_int_equal(kb->entries[0].impact[MK_RISK_TAMPER], 0);
	assert_string_equal(kb->entries[0].alias.ja, "");
	assert_int_equal(kb->n_cms, 11);
	assert_int_equal(kb->entries[0].n_cms, 6); /* five of its own and general.rules */
	assert_int_equal(kb->entries[1].n_cms, 6);
	const struct mk_kb_cm *g = mk_kb_cm_by_id(kb, "general.rules");
	assert_non_null(g);
	assert_true(g->all_entry_points);
	assert_int_equal(g->n_eps, 2);
	const struct mk_kb_cm *bl = mk_kb_cm_by_id(kb, "beta.lock");
	assert_int_equal(bl->types, (1u << MK_CTYPE_PHYSICAL) | (1u << MK_CTYPE_ORGANIZATIONAL));
	assert_int_equal(mk_kb_cm_by_id(kb, "beta.protect")->weight, 3);
	assert_int_equal(bl->weight, 1);
	assert_int_equal(bl->cost, MK_COST_LOW);
	assert_int_equal(mk_kb_cm_by_id(kb, "alpha.recover")->effort, MK_EFFORT_PROJECT);
	assert_string_equal(bl->origin.file, "fixture.kb");
	assert_int_equal(bl->origin.confidence, 'P');
	assert_string_equal(bl->origin.sources[0], "src");
	/* the damage table: [threat][vulnerability] */
	assert_int_equal(kb->scoring.damage[3][3], 3);
	assert_int_equal(kb->scoring.damage[3][2], 2);
	assert_int_equal(kb->scoring.damage[3][1], 1);
	assert_int_equal(kb->scoring.damage[2][3], 2);
	assert_int_equal(kb->scoring.damage[2][2], 1);
	assert_int_equal(kb->scoring.damage[1][3], 1);
	assert_int_equal(kb->scoring.vulnerability1, 80);
	assert_int_equal(kb->scoring.mitigation, 50);
	/* answers best first, then unknown, then n/a */
	assert_int_equal(kb->n_answers, 7);
	static const char *const order[] = {"reviewed", "documented", "done", "partial",
	                                    "no",       "unknown",    "na"};
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(kb->answers[i].id, order[i]);
	assert_int_equal(mk_kb_answer_by_id(kb, "unknown")->ipa, -1);
	/* bands highest first */
	assert_int_equal(kb->n_bands, 3);
	assert_string_equal(kb->bands[0].id, "high");
	assert_string_equal(kb->bands[2].id, "low");
	/* checklists and what fills them */
	assert_int_equal(kb->n_meti_items, 2);
	assert_int_equal(kb->meti_items[0].n_cms, 2); /* alpha.remove, general.rules */
	assert_int_equal(kb->n_ipa_items, 2);
	assert_int_equal(kb->ipa_items[1].no, 2);
	assert_int_equal(kb->ipa_items[1].n_cms, 2); /* beta.recover, general.rules */
	assert_string_equal(kb->meti_ranks[0].id, "a");
	assert_string_equal(kb->ipa_bands[1].id, "bottom");
	assert_string_equal(mk_kb_tr(&kb->stages[MK_STAGE_DETECT].name, MK_LANG_EN), "detect");
	assert_string_equal(kb->stages[MK_STAGE_DETECT].csf, "DE, RS");
	mk_kb_free(kb);
}

/* Each mutation of the fixture and the error it must give. */
static void test_load_errors(void **state)
{
	(void)state;
	static const struct {
		const char *from, *to, *extra, *want;
	} cases[] = {
		{NULL, NULL, "[nonsense x]\n", "zz-extra.kb:1: unknown kind [nonsense ...]"},
		{NULL, NULL, "[source src]\ntitle.ja: a\ntitle.en: b\n",
		 "zz-extra.kb:1: [source src] is already defined at fixture.kb:2"},
		{"title.en: Source\n", "", NULL,
		 "fixture.kb:2: [source src] missing title.en (every text needs Japanese and English)"},
		{"[risk quality]", "[risk quantity]", NULL,
		 "fixture.kb:18: [risk quantity] not a risk the program knows"},
		{"rank: 3", "rank: 2", NULL, "fixture.kb:62: [cost high] rank must be 3 (the order is fixed)"},
		{"[answer na]", "[answer maybe]", NULL,
		 "fixture.kb:126: [answer maybe] not an answer the program knows (reviewed, documented, "
		 "done, partial, no, unknown, na)"},
		{"ipa: -1\nflag: unknown", "ipa: -1\nflag: none", NULL,
		 "fixture.kb:118: [answer unknown] flag must be unknown"},
		{"implemented: 50", "implemented: 150", NULL,
		 "fixture.kb:102: [answer partial] implemented must be a whole number from 0 to 100, not "
		 "\"150\""},
		{"damage.2: 2, 1, 1", "damage.2: 2, 1", NULL,
		 "fixture.kb:134: [scoring main] damage.2 needs three numbers (vulnerability 3, 2, 1), got 2"},
		{"damage.1: 1, 1, 1", "damage.1: 1, 4, 1", NULL,
		 "fixture.kb:134: [scoring main] damage.1: \"4\" is not 1, 2 or 3"},
		{"vulnerability.2: 30", "vulnerability.2: 80", NULL,
		 "fixture.kb:134: [scoring main] vulnerability.2 must be lower than vulnerability.1"},
		{"min: 1\nname.ja: 低", "min: 2\nname.ja: 低", NULL,
		 "knowledge base: no [band] with min: 1 (every score needs a band)"},
		{"order: 2\nname.ja: ベータ", "order: 3\nname.ja: ベータ", NULL,
		 "knowledge base: entry point orders must be 1..2 without gaps (beta has 3)"},
		{"order: 2\nname.ja: ベータ", "order: 1\nname.ja: ベータ", NULL,
		 "fixture.kb:179: [entry_point beta] order 1 is also [entry_point alpha]"},
		{"likelihood: 3", "likelihood: 4", NULL,
		 "fixture.kb:163: [entry_point alpha] likelihood must be a whole number from 1 to 3, not "
		 "\"4\""},
		{"impact.stop: 1\nimpact.leak: 0\nimpact.tamper: 3\nimpact.quality: 2",
		 "impact.stop: 0\nimpact.leak: 0\nimpact.tamper: 0\nimpact.quality: 0", NULL,
		 "fixture.kb:179: [entry_point beta] every impact is 0: it leads to no risk"},
		{"sources: src\nconfidence: V", "sources: nowhere\nconfidence: V", NULL,
		 "fixture.kb:163: [entry_point alpha] sources: no [source nowhere]"},
		{"sources: src\nconfidence: V", "sources: src\nconfidence: X", NULL,
		 "fixture.kb:163: [entry_point alpha] confidence: \"X\" is not one of V, S, M, P"},
		{"category: tech", "category: people", NULL,
		 "fixture.kb:215: [meti_item 3-1] category: no [meti_category people]"},
		{"[ipa_item 2]", "[ipa_item two]", NULL,
		 "fixture.kb:245: [ipa_item two] the id of an ipa_item is its number (1-99)"},
		{"entry_points: beta\nstage: recover", "entry_points: gamma\nstage: recover", NULL,
		 "fixture.kb:464: [countermeasure beta.recover] entry_points: no [entry_point gamma]"},
		{"entry_points: beta\nstage: recover", "entry_points: beta, all\nstage: recover", NULL,
		 "fixture.kb:464: [countermeasure beta.recover] entry_points: no [entry_point all] (all "
		 "stands alone)"},
		{"stage: recover\ntype: technical\ncost: high", "stage: restore\ntype: technical\ncost: high",
		 NULL,
		 "fixture.kb:353: [countermeasure alpha.recover] stage: \"restore\" is not one of remove, "
		 "protect, detect, recover"},
		{"type: physical, organizational", "type: physical, human", NULL,
		 "fixture.kb:420: [countermeasure beta.lock] type: \"human\" is not physical, technical or "
		 "organizational"},
		{"cost: high", "cost: expensive", NULL,
		 "fixture.kb:353: [countermeasure alpha.recover] cost: \"expensive\" is not one of free, "
		 "low, medium, high"},
		{"weight: 3\ntitle.ja", "weight: 9\ntitle.ja", NULL,
		 "fixture.kb:397: [countermeasure beta.protect] weight must be a whole number from 1 to 5, "
		 "not \"9\""},
		{"meti: 3-1", "meti: 9-9", NULL,
		 "fixture.kb:330: [countermeasure alpha.detect] meti: no [meti_item 9-9]"},
		{"ipa25: 1\n", "ipa25: 26\n", NULL,
		 "fixture.kb:285: [countermeasure alpha.protect] ipa25: no [ipa_item 26]"},
		{"check.en: check\ncsf: PR.AC\nsources: src\nconfidence: P\n\n[countermeasure alpha.lock]",
		 "check.en: check\ncsf: pr\nsources: src\nconfidence: P\n\n[countermeasure alpha.lock]", NULL,
		 "fixture.kb:285: [countermeasure alpha.protect] csf: \"pr\" is not a CSF category"},
		{"stage: recover\ntype: technical\ncost: high", "stage: detect\ntype: technical\ncost: high",
		 NULL, "fixture.kb:163: entry point alpha has no countermeasure of stage recover"},
		{"stage: protect\ntype: physical\ncost: medium", "stage: protect\ntype: technical\ncost: medium",
		 NULL, "fixture.kb:163: entry point alpha has no countermeasure of type physical"},
		{"[countermeasure beta.detect]\nentry_points: beta", "[countermeasure beta.detect]\nentry_points: alpha",
		 NULL, "fixture.kb:179: entry point beta has 4 countermeasures of its own; at least 5 are needed"},
		{"ipa25: 1\n", "", NULL,
		 "fixture.kb:238: IPA item 1 is filled by no countermeasure (ipa25: 1)"},
		{"meti: 3-1\n", "", NULL,
		 "fixture.kb:215: METI item 3-1 is filled by no countermeasure (meti: 3-1)"},
		{"min: -25", "min: 0", NULL,
		 "knowledge base: IPA items need [ipa_band]s, one with min: -25"},
		{"[source src]\ntitle.ja: 出典", "[source src]\ncolour: red\ntitle.ja: 出典", NULL,
		 "fixture.kb:3: [source src] unknown key colour"},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char err[512] = "";
		struct mk_kb *kb = load_fixture(cases[i].from, cases[i].to, cases[i].extra, err, sizeof(err));
		if (kb) {
			mk_kb_free(kb);
			fail_msg("case %zu loaded; want \"%s\"", i, cases[i].want);
		}
		if (strcmp(err, cases[i].want)) {
			print_error("case %zu: got\n  \"%s\"\nwant\n  \"%s\"\n", i, err, cases[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_load_missing_dir(void **state)
{
	(void)state;
	struct mk_kb *kb = (struct mk_kb *)1;
	char err[512];
	assert_int_equal(mk_kb_load("/nonexistent/kb", &kb, err, sizeof(err)), -1);
	assert_null(kb);
	assert_string_equal(err, "/nonexistent/kb:0: cannot open the knowledge-base directory: No "
	                         "such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_truncations),
		cmocka_unit_test(test_load_fixture),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_missing_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

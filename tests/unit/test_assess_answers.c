/* test_assess_answers.c - the answers (docs/ASSESSMENT.md "Answers";
 * src/assess/answers.c, src/store/sqlite_assess.c): key forms and values
 * checked against the knowledge base, the set kept sorted, the answers file
 * with its errors (bad JSON with line:column, schema, unknown members and
 * keys, bad values, notes without an answer; a bad file changes nothing),
 * the "bcp" member kept as JSON text, and a round trip through the
 * database, including one migrated from the version before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "assess/engine_int.h"
#include "mieruka/store.h"
#include "store/schema.h"
#include "support/assess_fixture.h"

#define T0 1700000000000000000ull

static char tmpdir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_assess_answers_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct mk_kb *small_kb(void)
{
	struct mk_kb *kb = fx_kb_new();

	fx_entry(kb, "usb", 3, 3, 2, 0, 0);
	fx_entry(kb, "office_net", 2, 2, 2, 1, 0);
	fx_cm(kb, "usb.rules", "usb", MK_STAGE_REMOVE, MK_COST_FREE, MK_EFFORT_DAY, 1);
	fx_cm(kb, "usb.scan", "usb", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(kb, "general.backup", "all", MK_STAGE_RECOVER, MK_COST_LOW, MK_EFFORT_MONTH, 1);
	fx_kb_finish(kb);
	return kb;
}

static int set(struct mk_answers *a, const struct mk_kb *kb, const char *key, const char *value,
               char *err, size_t errlen)
{
	err[0] = '\0';
	return mk_answers_set(a, kb, key, value, NULL, NULL, T0, MK_SRC_PERSON, err, errlen);
}

static void test_set_and_validate(void **state)
{
	static const struct {
		const char *key, *value, *err; /* err NULL: accepted */
	} cases[] = {
	    {"use.usb", "yes", NULL},
	    {"use.office_net", "unknown", NULL},
	    {"use.usb", "maybe", "use.usb: \"maybe\" is not yes, no or unknown"},
	    {"use.floppy", "yes", "use.floppy: unknown key (expected use.ENTRY, a countermeasure id, "
	                          "likelihood.ENTRY or impact.ENTRY.RISK of the knowledge base)"},
	    {"usb.rules", "done", NULL},
	    {"general.backup", "na", NULL},
	    {"usb.rules", "yes", "usb.rules: \"yes\" is not an answer (reviewed, documented, done, "
	                         "partial, no, unknown, na)"},
	    {"usb.nothing", "done", "usb.nothing: unknown key (expected use.ENTRY, a countermeasure "
	                            "id, likelihood.ENTRY or impact.ENTRY.RISK of the knowledge base)"},
	    {"likelihood.usb", "1", NULL},
	    {"likelihood.usb", "3", NULL},
	    {"likelihood.usb", "0", "likelihood.usb: \"0\" is not a likelihood (1, 2 or 3)"},
	    {"likelihood.usb", "4", "likelihood.usb: \"4\" is not a likelihood (1, 2 or 3)"},
	    {"likelihood.usb", "+2", "likelihood.usb: \"+2\" is not a likelihood (1, 2 or 3)"},
	    {"impact.usb.stop", "0", NULL},
	    {"impact.office_net.quality", "3", NULL},
	    {"impact.usb.stop", "4", "impact.usb.stop: \"4\" is not an impact (0, 1, 2 or 3)"},
	    {"impact.usb.fire", "1", "impact.usb.fire: unknown key (expected use.ENTRY, a "
	                             "countermeasure id, likelihood.ENTRY or impact.ENTRY.RISK of the "
	                             "knowledge base)"},
	    {"impact.usb", "1", "impact.usb: unknown key (expected use.ENTRY, a countermeasure id, "
	                        "likelihood.ENTRY or impact.ENTRY.RISK of the knowledge base)"},
	    {"", "yes", ": unknown key (expected use.ENTRY, a countermeasure id, likelihood.ENTRY or "
	                "impact.ENTRY.RISK of the knowledge base)"},
	};
	struct mk_kb *kb = small_kb();
	struct mk_answers a = {0};
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = set(&a, kb, cases[i].key, cases[i].value, err, sizeof(err));

		if (cases[i].err == NULL && rc != 0)
			fail_msg("%s=%s refused: %s", cases[i].key, cases[i].value, err);
		if (cases[i].err != NULL) {
			assert_int_equal(rc, -1);
			assert_string_equal(err, cases[i].err);
		}
	}
	/* sorted by key, one per key, the last answer kept */
	assert_int_equal(a.n, 7);
	for (size_t i = 1; i < a.n; i++)
		assert_true(strcmp(a.v[i - 1].key, a.v[i].key) < 0);
	assert_string_equal(mk_answers_get(&a, "likelihood.usb")->value, "3");
	assert_string_equal(mk_answers_get(&a, "use.usb")->value, "yes");
	assert_null(mk_answers_get(&a, "use.floppy"));
	/* a note too long, "by" not UTF-8 */
	{
		char *note = malloc(MK_ANSWER_NOTE_MAX + 2);

		memset(note, 'x', MK_ANSWER_NOTE_MAX + 1);
		note[MK_ANSWER_NOTE_MAX + 1] = '\0';
		assert_int_equal(mk_answers_set(&a, kb, "usb.scan", "no", note, NULL, T0,
		                                MK_SRC_PERSON, err, sizeof(err)),
		                 -1);
		assert_string_equal(err, "usb.scan: the note is longer than 2000 bytes");
		note[MK_ANSWER_NOTE_MAX] = '\0';
		assert_int_equal(mk_answers_set(&a, kb, "usb.scan", "no", note, "山田", T0,
		                                MK_SRC_PERSON, err, sizeof(err)),
		                 0);
		free(note);
		assert_int_equal(mk_answers_set(&a, kb, "usb.scan", "no", NULL, "\xff\xfe", T0,
		                                MK_SRC_PERSON, err, sizeof(err)),
		                 -1);
		assert_string_equal(err, "usb.scan: the name of who answered is not valid UTF-8");
		assert_string_equal(mk_answers_get(&a, "usb.scan")->by, "山田");
	}
	mk_answers_free(&a);
	fx_kb_free(kb);
}

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_file_good(void **state)
{
	struct mk_kb *kb = small_kb();
	struct mk_answers a = {0};
	char err[512] = "";
	const char *path;

	(void)state;
	/* answered before (e.g. from the database): a note may be added to it */
	assert_int_equal(set(&a, kb, "usb.scan", "partial", err, sizeof(err)), 0);
	path = write_file("good.json",
	                  "{ \"schema\": \"mieruka-answers/1\",\n"
	                  "  \"answers\": { \"use.usb\": \"yes\", \"usb.rules\": \"done\",\n"
	                  "               \"impact.usb.stop\": \"3\", \"likelihood.usb\": 2 },\n"
	                  "  \"notes\": { \"usb.rules\": \"規程は2025年に制定、掲示済み\",\n"
	                  "             \"usb.scan\": \"事務所PCのみ\" },\n"
	                  "  \"by\": \"山田 (生産技術課)\",\n"
	                  "  \"bcp\": { \"company\": {\"name\": \"山田製作所\"}, \"policy\": \"x\" } }\n");
	if (mk_answers_load_file(&a, kb, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(a.n, 5);
	assert_string_equal(mk_answers_get(&a, "use.usb")->value, "yes");
	assert_int_equal(mk_answers_get(&a, "use.usb")->source, MK_SRC_FILE);
	assert_string_equal(mk_answers_get(&a, "use.usb")->by, "山田 (生産技術課)");
	assert_null(mk_answers_get(&a, "use.usb")->note);
	assert_string_equal(mk_answers_get(&a, "usb.rules")->note, "規程は2025年に制定、掲示済み");
	assert_string_equal(mk_answers_get(&a, "likelihood.usb")->value, "2");
	assert_string_equal(mk_answers_get(&a, "impact.usb.stop")->value, "3");
	/* the earlier answer keeps its value and gets the note */
	assert_string_equal(mk_answers_get(&a, "usb.scan")->value, "partial");
	assert_string_equal(mk_answers_get(&a, "usb.scan")->note, "事務所PCのみ");
	assert_string_equal(a.bcp_json,
	                    "{\"company\":{\"name\":\"山田製作所\"},\"policy\":\"x\"}");
	/* a second file replaces what it answers and keeps the rest */
	path = write_file("second.json", "{\"schema\": \"mieruka-answers/1\", "
	                                 "\"answers\": {\"usb.rules\": \"reviewed\"}}");
	assert_int_equal(mk_answers_load_file(&a, kb, path, err, sizeof(err)), 0);
	assert_int_equal(a.n, 5);
	assert_string_equal(mk_answers_get(&a, "usb.rules")->value, "reviewed");
	assert_null(mk_answers_get(&a, "usb.rules")->note);
	assert_null(mk_answers_get(&a, "usb.rules")->by);
	assert_non_null(a.bcp_json);
	mk_answers_free(&a);
	fx_kb_free(kb);
}

static void test_file_errors(void **state)
{
	static const struct {
		const char *text, *err; /* err after "PATH" */
	} cases[] = {
	    {"{ \"schema\": \"mieruka-answers/1\",\n  \"answers\": { \"use.usb\": \"yes\", }\n}\n",
	     ":2:34: string or '}' expected near '}'"},
	    {"{\"schema\": \"mieruka-answers/1\",\n\"by\": \"a\",\n\"by\": \"b\"}",
	     ":3:4: duplicate object key near '\"by\"'"},
	    {"", ":1:0: '[' or '{' expected near end of file"},
	    {"[1, 2]", ": an answers file is a JSON object ({\"schema\": \"mieruka-answers/1\", ...})"},
	    {"{\"answers\": {}}", ": schema: missing (\"mieruka-answers/1\" expected)"},
	    {"{\"schema\": \"mieruka-answers/2\"}", ": schema: not \"mieruka-answers/1\""},
	    {"{\"schema\": \"mieruka-answers/1\", \"answer\": {}}",
	     ": answer: unknown member (schema, answers, notes, by, bcp)"},
	    {"{\"schema\": \"mieruka-answers/1\", \"answers\": [\"use.usb\"]}",
	     ": answers: an object of key: answer is needed"},
	    {"{\"schema\": \"mieruka-answers/1\", \"answers\": {\"use.usb\": \"yes\", \"usb.floppy\": "
	     "\"done\"}}",
	     ": answers.usb.floppy: unknown key (expected use.ENTRY, a countermeasure id, "
	     "likelihood.ENTRY or impact.ENTRY.RISK of the knowledge base)"},
	    {"{\"schema\": \"mieruka-answers/1\", \"answers\": {\"usb.rules\": \"finished\"}}",
	     ": answers.usb.rules: \"finished\" is not an answer (reviewed, documented, done, "
	     "partial, no, unknown, na)"},
	    {"{\"schema\": \"mieruka-answers/1\", \"answers\": {\"impact.usb.leak\": 7}}",
	     ": answers.impact.usb.leak: \"7\" is not an impact (0, 1, 2 or 3)"},
	    {"{\"schema\": \"mieruka-answers/1\", \"answers\": {\"use.usb\": true}}",
	     ": answers.use.usb: the answer must be text, e.g. \"done\", \"yes\" or \"2\""},
	    {"{\"schema\": \"mieruka-answers/1\", \"notes\": {\"usb.scan\": \"x\"}}",
	     ": notes.usb.scan: no answer to attach the note to (answer it in \"answers\")"},
	    {"{\"schema\": \"mieruka-answers/1\", \"answers\": {\"usb.scan\": \"no\"}, \"notes\": "
	     "{\"usb.scan\": 3}}",
	     ": notes.usb.scan: a note is text"},
	    {"{\"schema\": \"mieruka-answers/1\", \"by\": 5}", ": by: a name (text) is needed"},
	    {"{\"schema\": \"mieruka-answers/1\", \"bcp\": \"text\"}", ": bcp: an object is needed"},
	    {"{\"schema\": \"mieruka-answers/1\", \"answers\": {\"use.\\u001b[31m\": \"yes\"}}",
	     ": answers.use.?[31m: unknown key (expected use.ENTRY, a countermeasure id, "
	     "likelihood.ENTRY or impact.ENTRY.RISK of the knowledge base)"},
	};
	struct mk_kb *kb = small_kb();
	struct mk_answers a = {0};
	char err[512], want[600];

	(void)state;
	assert_int_equal(set(&a, kb, "usb.rules", "partial", err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		const char *path;

		snprintf(name, sizeof(name), "bad%zu.json", i);
		path = write_file(name, cases[i].text);
		err[0] = '\0';
		assert_int_equal(mk_answers_load_file(&a, kb, path, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s%s", path, cases[i].err);
		if (strcmp(err, want) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, err, want);
		/* nothing applied */
		assert_int_equal(a.n, 1);
		assert_string_equal(mk_answers_get(&a, "usb.rules")->value, "partial");
		assert_null(a.bcp_json);
	}
	/* a file that is not there, and one too large */
	{
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/none.json", tmpdir);
		assert_int_equal(mk_answers_load_file(&a, kb, path, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s: No such file or directory", path);
		assert_string_equal(err, want);
		snprintf(path, sizeof(path), "%s/big.json", tmpdir);
		f = fopen(path, "wb");
		assert_non_null(f);
		for (size_t i = 0; i <= MK_ANSWERS_FILE_MAX; i += 1024) {
			char block[1024];

			memset(block, ' ', sizeof(block));
			fwrite(block, 1, sizeof(block), f);
		}
		fclose(f);
		assert_int_equal(mk_answers_load_file(&a, kb, path, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s: larger than 4 MiB: not an answers file", path);
		assert_string_equal(err, want);
	}
	mk_answers_free(&a);
	fx_kb_free(kb);
}

static struct mk_store *open_store(const char *path)
{
	struct mk_store *st = NULL;
	char err[512] = "";

	if (mk_store_sqlite.open(&st, path, err, sizeof(err)) != 0)
		fail_msg("open %s: %s", path, err);
	return st;
}

static void assert_same(const struct mk_answers *x, const struct mk_answers *y)
{
	assert_int_equal(x->n, y->n);
	for (size_t i = 0; i < x->n; i++) {
		const struct mk_answer *p = &x->v[i], *q = &y->v[i];

		assert_string_equal(p->key, q->key);
		assert_string_equal(p->value, q->value);
		if (p->note == NULL)
			assert_null(q->note);
		else
			assert_string_equal(p->note, q->note);
		if (p->by == NULL)
			assert_null(q->by);
		else
			assert_string_equal(p->by, q->by);
		assert_int_equal(p->at_ns, q->at_ns);
		assert_int_equal(p->source, q->source);
	}
	if (x->bcp_json == NULL)
		assert_null(y->bcp_json);
	else
		assert_string_equal(x->bcp_json, y->bcp_json);
}

static void test_database_round_trip(void **state)
{
	struct mk_kb *kb = small_kb();
	struct mk_answers a = {0}, b = {0}, c = {0};
	struct mk_store *st;
	char path[512], err[512] = "";

	(void)state;
	snprintf(path, sizeof(path), "%s/answers.db", tmpdir);
	assert_int_equal(mk_answers_set(&a, kb, "use.usb", "yes", NULL, "admin", T0, MK_SRC_PERSON,
	                                err, sizeof(err)),
	                 0);
	assert_int_equal(mk_answers_set(&a, kb, "usb.rules", "documented",
	                                "\"引用\" </script> 改行\nあり", "山田", T0 + 5, MK_SRC_FILE,
	                                err, sizeof(err)),
	                 0);
	assert_int_equal(mk_answers_set(&a, kb, "impact.usb.stop", "0", NULL, NULL, T0 + 9,
	                                MK_SRC_PERSON, err, sizeof(err)),
	                 0);
	a.bcp_json = strdup("{\"policy\":\"止めない\"}");
	st = open_store(path);
	assert_int_equal(mk_answers_write(st, &a), 0);
	mk_store_sqlite.close(st);

	st = open_store(path);
	assert_int_equal(mk_answers_read(st, &b), 0);
	assert_same(&a, &b);

	/* a later answer to the same key replaces the earlier one */
	assert_int_equal(mk_answers_set(&b, kb, "usb.rules", "no", NULL, "佐藤", T0 + 20,
	                                MK_SRC_PERSON, err, sizeof(err)),
	                 0);
	assert_int_equal(mk_answers_write(st, &b), 0);
	assert_int_equal(mk_answers_read(st, &c), 0);
	assert_same(&b, &c);
	assert_string_equal(mk_answers_get(&c, "usb.rules")->value, "no");
	assert_null(mk_answers_get(&c, "usb.rules")->note);
	mk_store_sqlite.close(st);

	/* an empty database: no answers, no BCP */
	{
		struct mk_answers e = {0};

		snprintf(path, sizeof(path), "%s/empty.db", tmpdir);
		st = open_store(path);
		assert_int_equal(mk_answers_read(st, &e), 0);
		assert_int_equal(e.n, 0);
		assert_null(e.bcp_json);
		mk_store_sqlite.close(st);
	}
	mk_answers_free(&a);
	mk_answers_free(&b);
	mk_answers_free(&c);
	fx_kb_free(kb);
}

/* A database at the version before the assessment's migration gets the
 * tables when opened. */
static void test_migration(void **state)
{
	struct mk_kb *kb = small_kb();
	struct mk_answers a = {0}, b = {0};
	char path[512], sql[128], err[256];
	size_t upto = 0;
	sqlite3 *db;
	struct mk_store *st;

	(void)state;
	snprintf(path, sizeof(path), "%s/old.db", tmpdir);
	for (size_t i = 0; i < mk_store_n_migrations; i++)
		if (strstr(mk_store_migrations[i], "CREATE TABLE assess_answers") != NULL)
			upto = i;
	assert_true(upto > 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (size_t i = 0; i < upto; i++)
		assert_int_equal(sqlite3_exec(db, mk_store_migrations[i], NULL, NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; PRAGMA user_version=%zu;",
	         MK_STORE_APPLICATION_ID, upto);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	st = open_store(path);
	assert_int_equal(set(&a, kb, "use.usb", "no", err, sizeof(err)), 0);
	assert_int_equal(mk_answers_write(st, &a), 0);
	assert_int_equal(mk_answers_read(st, &b), 0);
	assert_same(&a, &b);
	mk_store_sqlite.close(st);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	{
		sqlite3_stmt *s;

		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL),
		                 SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s, 0), mk_store_schema_version());
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	mk_answers_free(&a);
	mk_answers_free(&b);
	fx_kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_and_validate),
	    cmocka_unit_test(test_file_good),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_database_round_trip),
	    cmocka_unit_test(test_migration),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

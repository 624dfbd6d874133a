/* fuzz_answers.c - fuzz target for the answers file (src/assess/answers.c)
 * and the engine behind it.  An answers file is written by people (or
 * scripts) and the dashboard sends the same JSON: a bad one must be refused
 * with a message, never crash, and change nothing.  What is accepted must
 * hold only answers the knowledge base allows, sorted, must survive being
 * written back as a file and read again unchanged, and must score, plan and
 * render without fault.  The knowledge base is a small hand-made one
 * (tests/unit/support/assess_fixture.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/engine_int.h"
#include "mieruka/util.h"
#include "support/assess_fixture.h"

static struct mk_kb *kb;

static struct mk_kb *make_kb(void)
{
	struct mk_kb *k = fx_kb_new();
	size_t cat, part;

	fx_entry(k, "usb", 3, 3, 2, 0, 0);
	fx_entry(k, "office_net", 2, 2, 2, 1, 0);
	fx_cm(k, "usb.rules", "usb", MK_STAGE_REMOVE, MK_COST_FREE, MK_EFFORT_DAY, 1);
	fx_cm(k, "usb.scan", "usb", MK_STAGE_PROTECT, MK_COST_LOW, MK_EFFORT_DAY, 2);
	fx_cm(k, "office_net.split", "office_net", MK_STAGE_PROTECT, MK_COST_MEDIUM,
	      MK_EFFORT_MONTH, 1);
	fx_cm(k, "office_net.watch", "office_net", MK_STAGE_DETECT, MK_COST_LOW, MK_EFFORT_DAY, 1);
	fx_cm(k, "general.backup", "all", MK_STAGE_RECOVER, MK_COST_LOW, MK_EFFORT_MONTH, 1);
	fx_kb_finish(k);
	cat = fx_meti_category(k, "org", 3);
	fx_meti_item(k, "1-1", cat, 4, "usb.rules,general.backup");
	fx_meti_item(k, "1-2", cat, 2, "office_net.split");
	fx_meti_rank(k, "A", 80);
	fx_meti_rank(k, "D", 0);
	part = fx_ipa_part(k, "P1");
	fx_ipa_item(k, 1, part, "usb.scan,office_net.watch");
	fx_ipa_band(k, "top", 100);
	fx_ipa_band(k, "low", -25);
	return k;
}

/* a as an answers file (the same shape, by and notes per answer dropped
 * except the notes). */
static char *as_file(const struct mk_answers *a, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct mk_json j;

	if (f == NULL)
		abort();
	mk_json_init(&j, f, false);
	mk_json_begin_object(&j);
	mk_json_key(&j, "schema");
	mk_json_string(&j, MK_ANSWERS_SCHEMA);
	mk_json_key(&j, "answers");
	mk_json_begin_object(&j);
	for (size_t i = 0; i < a->n; i++) {
		mk_json_key(&j, a->v[i].key);
		mk_json_string(&j, a->v[i].value);
	}
	mk_json_end_object(&j);
	mk_json_key(&j, "notes");
	mk_json_begin_object(&j);
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].note != NULL) {
			mk_json_key(&j, a->v[i].key);
			mk_json_string(&j, a->v[i].note);
		}
	mk_json_end_object(&j);
	mk_json_end_object(&j);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mk_answers a = {0}, b = {0};
	struct mk_assessment *as = NULL;
	char err[1024], *text;
	size_t len;
	FILE *null;

	if (kb == NULL)
		kb = make_kb();
	if (mk_answers_load_json(&a, kb, "fuzz", (const char *)data, size, err, sizeof(err)) != 0) {
		if (a.n != 0 || a.bcp_json != NULL || err[0] == '\0')
			abort(); /* refused, but changed something or said nothing */
		mk_answers_free(&a);
		return 0;
	}
	for (size_t i = 0; i < a.n; i++) {
		struct mk_answers c = {0};

		if (i > 0 && strcmp(a.v[i - 1].key, a.v[i].key) >= 0)
			abort(); /* not sorted, or a key twice */
		if (mk_answers_set(&c, kb, a.v[i].key, a.v[i].value, a.v[i].note, a.v[i].by, 0,
		                   MK_SRC_PERSON, err, sizeof(err)) != 0)
			abort(); /* accepted from a file, refused one by one */
		mk_answers_free(&c);
	}
	text = as_file(&a, &len);
	if (mk_answers_load_json(&b, kb, "again", text, len, err, sizeof(err)) != 0 || b.n != a.n)
		abort(); /* what was accepted does not read back */
	for (size_t i = 0; i < a.n; i++)
		if (strcmp(a.v[i].key, b.v[i].key) != 0 || strcmp(a.v[i].value, b.v[i].value) != 0 ||
		    (a.v[i].note == NULL) != (b.v[i].note == NULL) ||
		    (a.v[i].note != NULL && strcmp(a.v[i].note, b.v[i].note) != 0))
			abort();
	free(text);
	if (mk_assess_run(kb, &a, NULL, NULL, 1, &as, err, sizeof(err)) != 0)
		abort();
	for (size_t i = 0; i < as->n_plan; i++)
		if (as->plan[i].cm >= kb->n_cms)
			abort();
	null = fopen("/dev/null", "w");
	if (null == NULL || mk_assess_json(null, as, &a) != 0)
		abort();
	fclose(null);
	mk_assess_free(as);
	mk_answers_free(&a);
	mk_answers_free(&b);
	return 0;
}

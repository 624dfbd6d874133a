/* test_assess_kb_data.c - the shipped knowledge base (data/kb) loads, and has
 * what issue 6 and the rest of the program rely on: the 13 entry points in
 * the order of interface.md, at least five countermeasures of their own each
 * across the four stages and three types (the loader enforces it; counted
 * again here), the METI and IPA checklist items, and the countermeasure ids
 * that evidence rules and other code name.  MK_KB_DIR overrides the
 * directory (to check a work-in-progress copy). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assess/kb_int.h"

static struct mk_kb *kb;

static int setup(void **state)
{
	(void)state;
	char dir[1024], err[1024] = "";
	const char *env = getenv("MK_KB_DIR");
	snprintf(dir, sizeof(dir), "%s", env ? env : MK_TEST_SRCDIR "/data/kb");
	if (mk_kb_load(dir, &kb, err, sizeof(err))) {
		fprintf(stderr, "knowledge base does not load: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mk_kb_free(kb);
	return 0;
}

static void test_entry_points(void **state)
{
	(void)state;
	static const char *const ids[] = {"usb",        "brought_pc", "mobile",   "iot",
	                                  "mfp",        "handheld",   "office_net", "internet",
	                                  "wifi",       "maintenance", "cloud",   "parts",
	                                  "new_equipment"};
	assert_int_equal(kb->n_entries, 13);
	for (size_t i = 0; i < 13; i++) {
		const struct mk_kb_entry *e = &kb->entries[i];
		assert_string_equal(e->id, ids[i]);
		size_t own = 0;
		unsigned stages = 0, types = 0;
		for (size_t k = 0; k < e->n_cms; k++) {
			const struct mk_kb_cm *c = &kb->cms[e->cms[k]];
			if (c->all_entry_points)
				continue;
			own++;
			stages |= 1u << c->stage;
			types |= c->types;
		}
		if (own < 5 || stages != 0xf || types != 0x7)
			fail_msg("%s: %zu own countermeasures, stages %x, types %x", e->id, own, stages,
			         types);
		assert_true(e->name.ja[0] && e->name.en[0] && e->threat.ja[0] && e->question.ja[0]);
	}
	/* the seed slide's names are kept as aliases */
	assert_string_equal(kb->entries[9].alias.ja, "保守用回線");
	assert_string_equal(kb->entries[12].alias.ja, "新規購入機器");
}

static void test_checklists(void **state)
{
	(void)state;
	assert_int_equal(kb->n_meti_categories, 4);
	assert_int_equal(kb->n_meti_items, 32);
	assert_int_equal(kb->n_ipa_items, 25);
	for (unsigned i = 0; i < 25; i++)
		assert_int_equal(kb->ipa_items[i].no, i + 1);
	assert_int_equal(kb->n_ipa_parts, 3);
	assert_int_equal(kb->n_meti_ranks, 4);
}

/* Ids that evidence rules, the BCP and the documentation refer to. */
static void test_required_ids(void **state)
{
	(void)state;
	static const char *const ids[] = {
		"brought_pc.approval",      "brought_pc.detect_unregistered",
		"mobile.rules",             "mobile.separate_network",
		"iot.ledger",               "iot.default_passwords",
		"iot.segment",              "mfp.hardening",
		"mfp.no_internet",          "handheld.ledger",
		"handheld.network",         "office_net.separate",
		"office_net.disconnect_point", "internet.inventory",
		"internet.no_direct_control", "internet.no_inbound",
		"wifi.ledger",              "wifi.separate_ssid",
		"wifi.rogue_check",         "maintenance.inventory",
		"maintenance.on_demand",    "maintenance.accounts",
		"maintenance.logs",         "cloud.inventory",
		"cloud.settings",           "new_equipment.ledger",
		"new_equipment.acceptance", "new_equipment.baseline",
		"general.asset_ledger",     "general.secure_logins",
		"general.network_monitoring", "general.incident_contacts",
		"general.backup",           "general.patching",
		"general.antivirus",        "general.passwords",
		"general.accounts",         "general.management",
		"general.policy",           "general.education",
		"general.bcp",              "general.vendor_coordination",
		"general.procurement_requirements",
	};
	for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++)
		if (!mk_kb_cm_by_id(kb, ids[i]))
			fail_msg("no [countermeasure %s]", ids[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_points),
		cmocka_unit_test(test_checklists),
		cmocka_unit_test(test_required_ids),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

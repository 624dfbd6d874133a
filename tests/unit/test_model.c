/* test_model.c - record helpers of model.h: protocol sets and clearing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/model.h"

static void test_proto_set(void **state)
{
	struct mk_proto_set s;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (unsigned id = 0; id < MK_PROTO_COUNT; id++)
		assert_false(mk_proto_set_has(&s, id));
	mk_proto_set_add(&s, MK_PROTO_MODBUS);
	mk_proto_set_add(&s, MK_PROTO_CAPWAP); /* the last id */
	assert_true(mk_proto_set_has(&s, MK_PROTO_MODBUS));
	assert_true(mk_proto_set_has(&s, MK_PROTO_CAPWAP));
	assert_false(mk_proto_set_has(&s, MK_PROTO_S7COMM));
	assert_false(mk_proto_set_has(&s, MK_PROTO_UNKNOWN));
	/* Out of range ids (a newer database row) are ignored, never written. */
	mk_proto_set_add(&s, MK_PROTO_COUNT);
	mk_proto_set_add(&s, 100000);
	assert_false(mk_proto_set_has(&s, MK_PROTO_COUNT));
	assert_false(mk_proto_set_has(&s, 100000));
	mk_proto_set_add(NULL, MK_PROTO_MODBUS);
	assert_false(mk_proto_set_has(NULL, MK_PROTO_MODBUS));
}

static void test_asset_rec_clear(void **state)
{
	struct mk_asset_rec r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ips = calloc(2, sizeof(*r.ips));
	r.n_ips = 2;
	r.vendor = strdup("Siemens AG");
	r.names = calloc(1, sizeof(*r.names));
	r.names[0].name = strdup("plc1");
	r.n_names = 1;
	r.roles = calloc(1, sizeof(*r.roles));
	r.roles[0].reasons = calloc(2, sizeof(char *));
	r.roles[0].reasons[0] = strdup("a");
	r.roles[0].reasons[1] = strdup("b");
	r.roles[0].n_reasons = 2;
	r.n_roles = 1;
	r.identity = calloc(1, sizeof(*r.identity));
	r.identity->vendor = strdup("Siemens");
	r.identity->serial = strdup("S C-123");
	r.os = strdup("Linux");
	r.attrs = calloc(1, sizeof(*r.attrs));
	r.attrs[0].key = strdup("k");
	r.attrs[0].value = strdup("v");
	r.n_attrs = 1;
	r.packets = 5;
	mk_asset_rec_clear(&r); /* ASan reports any leak */
	assert_null(r.ips);
	assert_null(r.identity);
	assert_int_equal(r.n_names, 0);
	assert_int_equal(r.packets, 0);
	mk_asset_rec_clear(&r); /* twice is harmless */
	mk_asset_rec_clear(NULL);
}

static void test_capture_rec_clear(void **state)
{
	struct mk_capture_rec c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.file = strdup("x.pcap");
	c.warnings = calloc(2, sizeof(char *));
	c.warnings[0] = strdup("truncated");
	c.warnings[1] = strdup("odd");
	c.n_warnings = 2;
	mk_capture_rec_clear(&c);
	assert_null(c.file);
	assert_int_equal(c.n_warnings, 0);
	mk_capture_rec_clear(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_set),
		cmocka_unit_test(test_asset_rec_clear),
		cmocka_unit_test(test_capture_rec_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

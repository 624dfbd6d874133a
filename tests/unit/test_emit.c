/* test_emit.c - the parser-side emit helpers: the operation fast path and the
 * lazily formatted operation details. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/facts.h"

struct seen {
	int facts, ops;
	uint8_t op;
	char detail[64];
	bool detail_null;
};

static void sink(void *ctx, const struct mk_fact *f, struct mk_flow *flow, const struct mk_pkt *pkt,
                 int dir)
{
	struct seen *s = ctx;

	(void)flow;
	(void)pkt;
	(void)dir;
	s->facts++;
	s->op = f->op;
	s->detail_null = f->value == NULL;
	if (f->value != NULL)
		snprintf(s->detail, sizeof(s->detail), "%.*s", (int)f->value_len, f->value);
}

static void op_fast(void *ctx, struct mk_flow *flow, const struct mk_pkt *pkt, int dir, uint16_t proto,
                    uint8_t op, const char *detail)
{
	struct seen *s = ctx;

	(void)flow;
	(void)pkt;
	(void)dir;
	(void)proto;
	s->ops++;
	s->op = op;
	s->detail_null = detail == NULL;
	if (detail != NULL)
		snprintf(s->detail, sizeof(s->detail), "%s", detail);
}

/* A plain sink (unit tests, tools) gets every detail, formatted. */
static void test_plain_sink_gets_details(void **state)
{
	struct seen s = {0};
	struct mk_emit out = {.sink = sink, .ctx = &s};

	(void)state;
	assert_true(mk_emit_wants_detail(&out, MK_OP_READ));
	mk_emit_operationf(&out, MK_OP_READ, "fc=%u %s", 3u, "read_holding_registers");
	assert_int_equal(s.facts, 1);
	assert_int_equal(s.op, MK_OP_READ);
	assert_string_equal(s.detail, "fc=3 read_holding_registers");
	assert_false(mk_emit_wants_detail(NULL, MK_OP_READ));
}

/* With the engine's fast path, only the watched classes are formatted; every
 * operation is still delivered (and counted), none through the fact sink. */
static void test_fast_path_formats_only_watched(void **state)
{
	struct seen s = {0};
	struct mk_emit out = {.sink = sink, .ctx = &s, .op = op_fast,
	                      .detail_ops = 1u << MK_OP_PROGRAM | 1u << MK_OP_CONTROL};

	(void)state;
	assert_false(mk_emit_wants_detail(&out, MK_OP_READ));
	assert_true(mk_emit_wants_detail(&out, MK_OP_CONTROL));
	mk_emit_operationf(&out, MK_OP_READ, "fc=%u", 3u);
	assert_int_equal(s.ops, 1);
	assert_true(s.detail_null);
	mk_emit_operationf(&out, MK_OP_CONTROL, "plc_%s", "stop");
	assert_int_equal(s.ops, 2);
	assert_false(s.detail_null);
	assert_string_equal(s.detail, "plc_stop");
	mk_emit_operation(&out, MK_OP_WRITE, "static");
	assert_int_equal(s.ops, 3);
	assert_string_equal(s.detail, "static");
	assert_int_equal(s.facts, 0);
	/* Other facts still take the sink. */
	mk_emit_anomaly(&out, "modbus_function_scan");
	assert_int_equal(s.facts, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_sink_gets_details),
		cmocka_unit_test(test_fast_path_formats_only_watched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

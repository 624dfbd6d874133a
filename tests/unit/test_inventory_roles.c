/* test_inventory_roles.c - the reader of data/rules/roles.tsv (roles.c): the
 * shipped file, malformed lines and every truncation of a valid file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "inventory/roles_int.h"
#include "mieruka/facts.h"

static char path[64];

static void write_tsv(const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_shipped(void **state)
{
	char err[256];
	struct mk_role_rules *rr = mk_role_rules_load(MK_TEST_SRCDIR "/data/rules/roles.tsv", err,
	                                              sizeof(err));
	bool modbus_plc = false;

	(void)state;
	assert_non_null(rr);
	assert_string_equal(err, ""); /* no malformed line in the shipped file */
	assert_int_equal(rr->router_min_ips, 4);
	assert_int_equal(rr->router_confidence, 90);
	assert_true(rr->n > 40);
	for (size_t i = 0; i < rr->n; i++)
		if (rr->rules[i].server && rr->rules[i].proto == MK_PROTO_MODBUS &&
		    rr->rules[i].role == MK_ROLE_PLC)
			modbus_plc = true;
	assert_true(modbus_plc);
	assert_true(rr->controller[MK_PROTO_SLMP] && rr->controller[MK_PROTO_FINS]);
	assert_false(rr->controller[MK_PROTO_HTTP]);
	assert_int_equal(rr->n_op_rules, 3);
	assert_int_equal(rr->poller_min_servers, 3);
	assert_non_null(rr->poller.reason);
	assert_true(rr->routine_control[MK_PROTO_DNP3] && rr->routine_control[MK_PROTO_IEC104]);
	assert_false(rr->routine_control[MK_PROTO_S7COMM]);
	assert_true(rr->n_vendor_rules >= 5);
	mk_role_rules_free(rr);
}

static const char valid[] =
	"# comment\n"
	"set\trouter_min_ips\t6\n"
	"server\tmodbus\tplc\t70\tAnswers Modbus/TCP requests as a server\n"
	"client\tmelsoft\tengineering_workstation\t75\tUses MELSOFT\r\n";

static void test_valid_and_truncations(void **state)
{
	char err[256];
	struct mk_role_rules *rr;

	(void)state;
	write_tsv(valid, sizeof(valid) - 1);
	rr = mk_role_rules_load(path, err, sizeof(err));
	assert_non_null(rr);
	assert_string_equal(err, "");
	assert_int_equal(rr->router_min_ips, 6);
	assert_int_equal(rr->n, 2);
	assert_int_equal(rr->rules[1].server, 0);
	assert_int_equal(rr->rules[1].proto, MK_PROTO_MELSOFT);
	assert_int_equal(rr->rules[1].role, MK_ROLE_ENGINEERING_WORKSTATION);
	assert_int_equal(rr->rules[1].confidence, 75);
	assert_string_equal(rr->rules[1].reason, "Uses MELSOFT");
	mk_role_rules_free(rr);
	for (size_t len = 0; len <= sizeof(valid) - 1; len++) {
		write_tsv(valid, len);
		rr = mk_role_rules_load(path, err, sizeof(err));
		assert_non_null(rr);
		assert_true(rr->n <= 2);
		mk_role_rules_free(rr);
	}
}

static void test_malformed(void **state)
{
	static const char bad[] =
		"server\tnosuchproto\tplc\t70\tx\n"
		"server\tmodbus\tnosuchrole\t70\tx\n"
		"server\tmodbus\tplc\t101\tx\n"
		"server\tmodbus\tplc\t-1\tx\n"
		"server\tmodbus\tplc\t70\t\n"
		"sideways\tmodbus\tplc\t70\tx\n"
		"server\tmodbus\tplc\t70\n"
		"server\tmodbus\tplc\t70\tx\textra\n"
		"set\trouter_min_ips\t0\n"
		"set\tunknown\t1\n"
		"\t\t\t\t\n"
		"client_op\tnosuchop\tplc\t70\tx\n"
		"client_op\tprogram\tnosuchrole\t70\tx\n"
		"client_op\tprogram\tplc\t170\tx\n"
		"poller\thmi\t60\n"
		"poller\thmi\t60\tfirst\n"
		"poller\thmi\t60\tsecond poller line\n"
		"set\tpoller_min_servers\t1\n"
		"routine_control\tnosuchproto\n"
		"vendor\t\tprinter\t40\tx\n"
		"vendor\tBrother\tnosuchrole\t40\tx\n"
		"vendor\tBrother\tprinter\t40\t\n"
		"server\ts7comm\tplc\t85\tok\n";
	char err[256];
	struct mk_role_rules *rr;

	(void)state;
	write_tsv(bad, sizeof(bad) - 1);
	rr = mk_role_rules_load(path, err, sizeof(err));
	assert_non_null(rr);
	assert_int_equal(rr->n, 1);
	assert_int_equal(rr->router_min_ips, 0);
	assert_int_equal(rr->n_op_rules, 0);
	assert_string_equal(rr->poller.reason, "first");
	assert_int_equal(rr->poller_min_servers, 0);
	assert_non_null(strstr(err, "21 malformed"));
	assert_int_equal(rr->n_vendor_rules, 0);
	mk_role_rules_free(rr);
	rr = mk_role_rules_load("/nonexistent/roles.tsv", err, sizeof(err));
	assert_non_null(rr);
	assert_int_equal(rr->n, 0);
	assert_true(strlen(err) > 0);
	mk_role_rules_free(rr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_valid_and_truncations),
		cmocka_unit_test(test_malformed),
	};
	int fd, rc;

	snprintf(path, sizeof(path), "/tmp/mk_test_roles_XXXXXX");
	if ((fd = mkstemp(path)) < 0)
		return 1;
	close(fd);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return rc;
}

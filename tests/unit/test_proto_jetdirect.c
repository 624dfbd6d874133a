/* test_proto_jetdirect.c - unit tests of the raw-printing (port 9100) plug-in
 * (src/proto/jetdirect/jetdirect.c).  Vectors are built to the HP PJL Technical
 * Reference (UEL + @PJL commands), the PostScript header comment and PCL reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/fact_recorder.h"

#include "mieruka/facts.h"
#include "mieruka/pkt.h"
#include "mieruka/proto.h"

/* Probe on an exact-size heap copy, so ASan sees an over-read. */
static int probe_bytes(const struct mk_proto *p, enum mk_dir dir, const void *data, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct mk_rd rd;
	int r;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, data, n);
	mk_rd_init(&rd, copy, n);
	r = p->probe(&rd, dir);
	free(copy);
	assert_true(r == MK_PROBE_NO || r == MK_PROBE_MAYBE || r == MK_PROBE_SURE);
	return r;
}

/* The whole message gives exactly exp; every cut of it gives a subset, and the
 * probe survives every cut.  Returns the verdict of the whole message. */
static enum mk_verdict check_msg(const struct mk_proto *p, const struct mk_pkt *pkt, const uint8_t *m,
                                 size_t n, enum mk_dir dir, const char *const *exp)
{
	static struct rec all, part;
	size_t consumed = 0;
	enum mk_verdict v;

	memset(&all, 0, sizeof(all));
	v = run_parse(p, pkt, m, n, dir, &all, &consumed);
	rec_expect(&all, exp);
	for (size_t cut = 0; cut < n; cut++) {
		memset(&part, 0, sizeof(part));
		consumed = 0;
		run_parse(p, pkt, m, cut, dir, &part, &consumed);
		assert_true(consumed <= cut);
		rec_subset(&part, &all, cut);
		(void)probe_bytes(p, dir, m, cut);
	}
	return v;
}

extern const struct mk_proto mk_proto_jetdirect;
#define P (&mk_proto_jetdirect)

/* PJL Technical Reference ch. 2: UEL, JOB, ENTER LANGUAGE, then the PDL. */
static const char pjl_job[] = "\x1b%-12345X@PJL JOB NAME=\"test\"\r\n"
                              "@PJL ENTER LANGUAGE=POSTSCRIPT\r\n"
                              "%!PS-Adobe-3.0\n/Helvetica findfont 12 scalefont setfont\nshowpage\n"
                              "\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X";

static void test_job(void **unused)
{
	static const char *const exp[] = {"operation other print_job", NULL};

	(void)unused;
	assert_int_equal(check_msg(P, NULL, (const uint8_t *)pjl_job, sizeof(pjl_job) - 1, MK_DIR_TO_SERVER, exp),
	                 MK_V_OK);
}

static void test_once_per_flow(void **unused)
{
	struct rec r;
	void *st = calloc(1, P->state_size);
	struct mk_emit out = {.sink = rec_sink, .ctx = &r, .proto = P->id};
	static const char *const exp[] = {"operation other print_job", NULL};
	static const char *const none[] = {NULL};
	struct mk_rd rd;
	size_t consumed = 0;

	(void)unused;
	assert_non_null(st);
	memset(&r, 0, sizeof(r));
	mk_rd_init(&rd, pjl_job, 20);
	assert_int_equal(P->parse(st, &rd, MK_DIR_TO_SERVER, &consumed, &out), MK_V_OK);
	assert_int_equal(consumed, 20);
	mk_rd_init(&rd, pjl_job + 20, 20);
	P->parse(st, &rd, MK_DIR_TO_SERVER, &consumed, &out);
	rec_expect(&r, exp);
	/* The printer's PJL status back to the client is no job. */
	memset(&r, 0, sizeof(r));
	mk_rd_init(&rd, "@PJL USTATUS DEVICE\r\nCODE=10001\r\n\f", 33);
	P->parse(st, &rd, MK_DIR_TO_CLIENT, &consumed, &out);
	rec_expect(&r, none);
	free(st);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, pjl_job, sizeof(pjl_job) - 1), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "@PJL INFO ID\r\n", 14), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "%!PS-Adobe-3.0\n", 15), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "\x1b" "E\x1b&l0O", 7), MK_PROBE_SURE);
	/* Not a print job: at most MAYBE, which only counts on the hinted port. */
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "GET / HTTP/1.1\r\n\r\n", 18), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "SSH-2.0-OpenSSH_8.9\r\n", 21), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_CLIENT, "@PJL USTATUS\r\n", 14), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "\x1b%-1234", 7), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(P, MK_DIR_TO_SERVER, "", 0), MK_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job),
		cmocka_unit_test(test_once_per_flow),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

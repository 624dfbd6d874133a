/* test_capture_live.c - live capture on the loopback interface: opens, times
 * out with MK_CAP_AGAIN, sees a packet we cause (a UDP datagram sent by the test
 * through an ordinary socket, not by the capture handle), and stops on
 * mk_capture_break().  Skipped when the process may not capture (no
 * CAP_NET_RAW), as in most CI containers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "mieruka/capture.h"

static void test_bad_interface(void **state)
{
	char err[MK_CAPTURE_ERRLEN] = "";
	struct mk_capture *cap = mk_capture_open_live("mk-no-such-if0", 0, err);

	assert_null(cap);
	print_message("%s\n", err);
	assert_non_null(strstr(err, "mk-no-such-if0: "));
}

static void test_loopback(void **state)
{
	char err[MK_CAPTURE_ERRLEN] = "";
	struct mk_capture *cap = mk_capture_open_live("lo", 0, err);
	struct mk_pkt pkt;
	enum mk_capture_rc rc;
	bool seen = false;

	if (cap == NULL) {
		print_message("skipped: %s\n", err);
		skip();
		return;
	}
	/* Send a marked datagram to a closed port on 127.0.0.1. */
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	static const char mark[] = "mieruka-live-test-mark";

	assert_true(s >= 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 50 && !seen; i++) {
		assert_true(sendto(s, mark, sizeof(mark), 0, (struct sockaddr *)&to, sizeof(to)) > 0);
		/* up to ~10 polls per send: packets or MK_CAP_AGAIN, never an error */
		for (int k = 0; k < 10 && !seen; k++) {
			rc = mk_capture_next(cap, &pkt);
			assert_true(rc == MK_CAP_PACKET || rc == MK_CAP_AGAIN);
			if (rc != MK_CAP_PACKET)
				break;
			assert_true(pkt.caplen <= MK_CAPTURE_MAX_CAPLEN);
			assert_true(pkt.ts_ns > UINT64_C(1500000000000000000)); /* after 2017 */
			if (pkt.caplen >= sizeof(mark) &&
			    memcmp(pkt.data + pkt.caplen - sizeof(mark), mark, sizeof(mark)) == 0)
				seen = true;
		}
	}
	close(s);
	assert_true(seen);
	assert_true(mk_capture_stats(cap)->packets >= 1);
	assert_int_equal(mk_capture_stats(cap)->linktypes[0], 1); /* lo is DLT_EN10MB on Linux */
	mk_capture_break(cap);
	assert_int_equal(mk_capture_next(cap, &pkt), MK_CAP_EOF);
	mk_capture_close(cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_interface),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

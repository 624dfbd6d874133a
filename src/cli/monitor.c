/* monitor.c - `mieruka monitor -i IFACE`: passive live capture until SIGINT or
 * SIGTERM, with the database brought up to date periodically and at the end.
 * The capture handle is read-only (see src/capture/live.c): nothing here can
 * transmit. */
#include "cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/capture.h"
#include "mieruka/util.h"

#define CHECKPOINT_EVERY_NS (30ull * 1000000000ull)

static volatile sig_atomic_t stop_requested;
static struct mk_capture *live_cap;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (live_cap != NULL)
		mk_capture_break(live_cap);
}

int mk_cmd_monitor(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"db", required_argument, NULL, 'd'},
		{"snaplen", required_argument, NULL, 's'},
		{"flow-memcap", required_argument, NULL, 1001},
		{"max-assets", required_argument, NULL, 1002},
		{"max-conversations", required_argument, NULL, 1003},
		MK_STREAM_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct mk_session_options so;
	struct mk_stream_cli sc;
	struct mk_session s;
	const char *iface = NULL;
	char err[MK_CAPTURE_ERRLEN] = "";
	struct sigaction sa;
	uint64_t last_checkpoint;
	uint32_t snaplen = 0;
	int opt, rc = MK_EXIT_OK;
	enum mk_capture_rc crc;
	struct mk_pkt pkt;

	memset(&so, 0, sizeof(so));
	so.db_path = "mieruka.db";
	mk_engine_config_default(&so.cfg);
	mk_stream_cli_init(&sc, so.cfg.detect.max_alerts);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:d:s:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i': iface = optarg; break;
		case 'd': so.db_path = optarg; break;
		case 's': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end != '\0' || v < 64 || v > 262144) {
				mk_usage_error("monitor", "--snaplen takes 64 to 262144");
				return MK_EXIT_USAGE;
			}
			snaplen = (uint32_t)v;
			break;
		}
		case 'h':
			return mk_cmd_help(2, (char *[]){"help", "monitor", NULL});
		default:
			switch (mk_parse_stream_option("monitor", opt, optarg, &sc)) {
			case 1:
				continue;
			case -1:
				return MK_EXIT_USAGE;
			default:
				break;
			}
			switch (mk_parse_limit_option(opt, optarg, &so.cfg)) {
			case 1:
				continue;
			case -1:
				mk_usage_error("monitor", "'%s': %s", optarg, mk_msg("cli.bad_limit"));
				return MK_EXIT_USAGE;
			default:
				fprintf(stderr, "%s\n", mk_msg("cli.see_help"));
				return MK_EXIT_USAGE;
			}
		}
	}
	if (iface == NULL || optind != argc) {
		mk_usage_error("monitor", "%s", mk_msg("cli.monitor_needs_iface"));
		return MK_EXIT_USAGE;
	}
	if (mk_stream_cli_check("monitor", &sc, NULL) != 0)
		return MK_EXIT_USAGE;
	so.stream = mk_stream_cli_options(&sc);
	live_cap = mk_capture_open_live(iface, snaplen, err);
	if (live_cap == NULL) {
		mk_error("%s", err);
		return MK_EXIT_INPUT;
	}
	if (mk_session_open(&s, &so) != 0) {
		mk_capture_close(live_cap);
		return MK_EXIT_INPUT;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	mk_info("%s %s", mk_msg("cli.monitor_started"), iface);
	last_checkpoint = mk_now_ns();
	memset(&pkt, 0, sizeof(pkt));
	while (!stop_requested) {
		crc = mk_capture_next(live_cap, &pkt);
		if (crc == MK_CAP_PACKET)
			mk_engine_packet(s.eng, &pkt);
		else if (crc == MK_CAP_ERROR) {
			if (!stop_requested) {
				mk_error("%s", mk_capture_error(live_cap));
				rc = MK_EXIT_INPUT;
			}
			break;
		}
		if (mk_now_ns() - last_checkpoint >= CHECKPOINT_EVERY_NS) {
			mk_session_checkpoint(&s);
			last_checkpoint = mk_now_ns();
		}
	}
	{
		const struct mk_capture_stats *cs = mk_capture_stats(live_cap);

		mk_info("%s: %llu packets, %llu dropped by the kernel", iface,
		        (unsigned long long)cs->packets, (unsigned long long)cs->dropped);
	}
	if (mk_session_finish(&s) != 0)
		rc = MK_EXIT_INPUT;
	mk_session_close(&s);
	mk_capture_close(live_cap);
	live_cap = NULL;
	return rc;
}

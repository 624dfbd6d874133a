/* cli.h - the command-line front end's internal interface. */
#ifndef MIERUKA_CLI_H
#define MIERUKA_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/alert_stream.h"
#include "mieruka/engine.h"
#include "mieruka/report.h"

/* Exit codes of interface.md. */
enum {
	MK_EXIT_OK = 0,
	MK_EXIT_INPUT = 1, /* a capture could not be read at all, or I/O failed */
	MK_EXIT_USAGE = 2,
};

/* One analysis: database, engine, writer thread. */
struct mk_session {
	const char *db_path;
	struct mk_store *store;
	struct mk_store_writer *writer;
	struct mk_engine *eng;
	bool progress;          /* draw a progress bar on stderr */
	bool input_failed;      /* some capture could not be read */
	struct mk_feed *feed;   /* the alert stream, NULL without one (stream.c) */
	/* Learning the baseline from the first part of the input (analyze on a
	 * database without one): bytes still to learn from, 0 = not this way. */
	uint64_t learn_bytes_left;
	uint32_t learn_percent;
	/* ... or until this packet time (analyze --learn-until, the demo's
	 * scenario): packets before it are learned, 0 = not this way. */
	uint64_t learn_until_ns;
	bool quiet;             /* no notes on stderr about learning */
	/* The web server's capture upload (src/web/upload.c): the name the
	 * capture is recorded and reported under instead of its path (NULL = the
	 * path), the reader's message of the last failure (with that name), and
	 * a progress callback every 4096 packets from the reader's byte
	 * position; a nonzero return stops reading (s->cancelled set, the
	 * capture is not recorded). */
	const char *file_label;
	char last_error[512];
	int (*on_progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	bool cancelled;
};

struct mk_session_options {
	const char *db_path;
	bool progress;
	bool relearn;           /* forget the database's baseline before starting */
	bool quiet;
	struct mk_engine_config cfg;
	const struct mk_zones *zones; /* analyze --zones: replaces the database's set first */
	const struct mk_alert_stream_options *stream; /* NULL: no alert stream */
};

int mk_session_open(struct mk_session *s, const struct mk_session_options *opt);
/* Analyses one capture file into the session; returns 0, or -1 when the file
 * could not be read at all (message printed). */
int mk_session_file(struct mk_session *s, const char *path, uint32_t index);
/* Ends the baseline's learning now and says so on stderr (unless quiet):
 * how = "cli.baseline_learned" (--learn captures), "cli.baseline_auto" (first
 * part of the input), "cli.baseline_all" (the whole input). */
/* Plans how the baseline is learned for files[0..n) when the database has
 * none yet: until learn_until_ns of packet time when it is not 0, else from
 * the first learn_capture_percent of the input bytes. */
void mk_session_plan_learning(struct mk_session *s, char *const *files, size_t n,
                              uint64_t learn_until_ns);
void mk_session_seal(struct mk_session *s, const char *how);
/* Writes the engine's current state to the database (off the packet path). */
int mk_session_checkpoint(struct mk_session *s);
/* Ends all flows, writes everything, stops the writer.  0 or -1. */
int mk_session_finish(struct mk_session *s);
void mk_session_close(struct mk_session *s);

/* Reads the whole database into a report (caller frees with mk_report_free). */
int mk_report_load(struct mk_store *st, struct mk_report *r);
void mk_report_free(struct mk_report *r);

/* Outputs shared by analyze and demo. */
struct mk_output_options {
	const char *json_path;  /* NULL, "-" or a file */
	const char *csv_dir;
	bool quiet;
	size_t max_rows;
};
int mk_output_write(struct mk_store *st, const struct mk_output_options *o);

/* Progress bar (stderr, only on a terminal). */
struct mk_progress {
	bool enabled;
	const char *label;
	uint64_t last_draw_ns, start_ns, packets;
};
void mk_progress_start(struct mk_progress *p, bool enabled, const char *label);
void mk_progress_update(struct mk_progress *p, uint64_t done, uint64_t total, uint64_t packets);
void mk_progress_end(struct mk_progress *p);
uint64_t mk_now_ns(void);

/* Accepting an alert teaches the baseline its key (alerts.c; the web API's
 * status change reuses it): 1 taught (*taught filled when non-NULL), 0 the
 * alert teaches nothing or does not exist, -1 store error. */
struct mk_baseline_item;
int mk_alert_teach(struct mk_store *st, const char *id, struct mk_baseline_item *taught);

/* `mieruka zones propose` of report r into out (zones.c; the web API's
 * GET /api/v1/zones reuses it).  0 or -1. */
int mk_zones_propose(FILE *out, const struct mk_report *r);

int mk_cmd_analyze(int argc, char **argv);
int mk_cmd_serve(int argc, char **argv);
int mk_cmd_monitor(int argc, char **argv);
int mk_cmd_demo(int argc, char **argv);
int mk_cmd_export(int argc, char **argv);
int mk_cmd_alerts(int argc, char **argv);
int mk_cmd_changes(int argc, char **argv);
int mk_cmd_maintenance(int argc, char **argv);
int mk_cmd_zones(int argc, char **argv);
int mk_cmd_help(int argc, char **argv);
int mk_cmd_assess(int argc, char **argv);

/* Common options (memory caps): returns 1 if it consumed the option, 0 if not
 * its own, -1 on a bad value (message printed). */
int mk_parse_limit_option(int opt, const char *arg, struct mk_engine_config *cfg);
void mk_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The alert stream (stream.c): --alerts-jsonl, --syslog, --syslog-facility,
 * --syslog-lang, shared by analyze and monitor. */
enum {
	MK_OPT_ALERTS_JSONL = 1101,
	MK_OPT_SYSLOG,
	MK_OPT_SYSLOG_FACILITY,
	MK_OPT_SYSLOG_LANG,
};
#define MK_STREAM_LONGOPTS                                                                       \
	{"alerts-jsonl", required_argument, NULL, MK_OPT_ALERTS_JSONL},                          \
	    {"syslog", required_argument, NULL, MK_OPT_SYSLOG},                                  \
	    {"syslog-facility", required_argument, NULL, MK_OPT_SYSLOG_FACILITY},                \
	    {"syslog-lang", required_argument, NULL, MK_OPT_SYSLOG_LANG}
struct mk_stream_cli {
	struct mk_alert_stream_options o;
	bool facility_given, lang_given;
};
void mk_stream_cli_init(struct mk_stream_cli *c, size_t max_alerts);
/* 1 consumed, 0 not a stream option, -1 bad value (usage message printed). */
int mk_parse_stream_option(const char *cmd, int opt, const char *arg, struct mk_stream_cli *c);
/* After all options: 0, or -1 with a usage message (json_path: analyze's --json). */
int mk_stream_cli_check(const char *cmd, const struct mk_stream_cli *c, const char *json_path);
/* The options for mk_session_options.stream: NULL when nothing is streamed. */
const struct mk_alert_stream_options *mk_stream_cli_options(const struct mk_stream_cli *c);

struct mk_store_writer;
struct mk_feed;
/* Opens the stream and its own database handle, marks the alerts the database
 * holds as sent, starts the thread.  NULL with a message on failure. */
struct mk_feed *mk_feed_start(const struct mk_alert_stream_options *o, const char *db_path,
                              struct mk_store_writer *w);
/* A snapshot was submitted to w: stream once it is committed. */
void mk_feed_kick(struct mk_feed *f);
/* Serves the last kick, stops the thread, reports what was (not) sent. */
void mk_feed_stop(struct mk_feed *f);

#endif /* MIERUKA_CLI_H */

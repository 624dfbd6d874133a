/* alert_stream.h - alerts streamed to a SIEM: JSON lines and syslog (RFC 5424).
 *
 * After each snapshot the session hands the stream what the database now
 * holds (a struct mk_report); the stream sends every alert that is new, or
 * whose count or severity changed, since it last sent it to that output:
 *   - JSON lines: one ALERT object of interface.md per line (the same writer
 *     as the JSON document), with the extension "event": "new" | "update";
 *   - syslog: RFC 5424 messages over UDP (RFC 5426), TCP with octet-counting
 *     framing (RFC 6587 §3.4.1) or a local datagram socket (/dev/log).
 * What was sent is remembered per alert id and output, bounded by the alert
 * cap.  A receiver that is down never stops the analysis: what could not be
 * sent is counted (and tried again at the next snapshot).
 *
 * Syslog is a management output: the receiver must be reached over the
 * management network, never through the monitored (mirror) port, which stays
 * receive-only (docs/ARCHITECTURE.md, "Alert streaming").
 */
#ifndef MIERUKA_ALERT_STREAM_H
#define MIERUKA_ALERT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mieruka/model.h"
#include "mieruka/report.h"

/* ---- syslog target: udp://HOST[:PORT], tcp://HOST[:PORT], unix:PATH ---- */
enum mk_syslog_transport { MK_SYSLOG_UDP, MK_SYSLOG_TCP, MK_SYSLOG_UNIX };

#define MK_SYSLOG_DEFAULT_PORT "514"
#define MK_SYSLOG_DEFAULT_FACILITY 16 /* local0 */

struct mk_syslog_target {
	enum mk_syslog_transport transport;
	char host[256]; /* udp/tcp: name or address; IPv6 without its brackets */
	char port[6];   /* decimal 1..65535 */
	char path[108]; /* unix: the socket's path (sun_path) */
};

/* Parses TARGET; 0, or -1 with the reason (in the current language) in err. */
int mk_syslog_target_parse(const char *text, struct mk_syslog_target *t, char *err, size_t errlen);
/* "udp://[::1]:514" etc., for messages. */
void mk_syslog_target_str(const struct mk_syslog_target *t, char *buf, size_t buflen);
/* A facility name (kern, user, mail, daemon, auth, syslog, lpr, news, uucp,
 * cron, authpriv, ftp, ntp, security, console, clock, local0..local7) or its
 * number 0..23; -1 when neither. */
int mk_syslog_facility_parse(const char *text);

/* Which texts go into a syslog MSG. */
enum mk_stream_lang {
	MK_STREAM_LANG_BOTH, /* English title and detail, then the Japanese title */
	MK_STREAM_LANG_EN,   /* English title and detail */
	MK_STREAM_LANG_JA,   /* Japanese title and detail */
};

/* ---- the RFC 5424 formatter (pure; exposed for tests) ---- */

/* Alert severity -> syslog severity: critical 2 (crit), high 3 (err),
 * medium 4 (warning), low 5 (notice), info 6 (informational). */
unsigned mk_syslog_severity(unsigned mk_severity);

#define MK_SYSLOG_MAX_UDP 2048 /* RFC 5426 §3.2: receivers SHOULD take 2048 */
#define MK_SYSLOG_MAX_TCP 8192 /* octet counting has no limit; rsyslog's default */

struct mk_syslog_format {
	unsigned facility; /* 0..23 */
	enum mk_stream_lang lang;
	const char *hostname; /* NULL or "" -> "-" (NILVALUE) */
	unsigned long procid; /* 0 -> "-" */
	size_t max_len;       /* the whole message, in bytes; cut at a UTF-8 boundary */
};

/* One message:
 *   <PRI>1 TIMESTAMP HOSTNAME mieruka PROCID MSGID [mieruka@32473 ...] BOM MSG
 * PRI = facility * 8 + mk_syslog_severity; TIMESTAMP = the alert's last time
 * (UTC, microseconds); MSGID = the alert type; the SD-PARAMs are id, event,
 * type, severity, client, server, proto, port, count, first (client,
 * server, proto and port left out when the alert has none), values escaped per RFC 5424 §6.3.3; MSG
 * per f->lang.  Control characters of any field become spaces, invalid UTF-8 '?'.  Writes at most
 * min(buflen - 1, f->max_len) bytes plus a NUL (not part of the message);
 * returns the length, 0 when the header does not fit.  *cut (may be NULL)
 * tells whether MSG had to be shortened. */
size_t mk_syslog_format_alert(char *buf, size_t buflen, const struct mk_syslog_format *f,
                              const char *event, const struct mk_alert_rec *a, bool *cut);

/* ---- JSON lines ---- */

/* One line: the ALERT object (mk_report_json_alert) with "event" at its end,
 * compact, then '\n'.  0, or -1 on an I/O error. */
int mk_alert_stream_jsonl(FILE *f, const char *event, const struct mk_report *r,
                          const struct mk_report_index *ix, const struct mk_alert_rec *a);

/* ---- the stream ---- */

struct mk_alert_stream_options {
	const char *jsonl_path; /* NULL, "-" (standard output) or a file (appended) */
	bool syslog;            /* send to syslog_target */
	struct mk_syslog_target syslog_target;
	unsigned facility;        /* default MK_SYSLOG_DEFAULT_FACILITY */
	enum mk_stream_lang lang; /* default MK_STREAM_LANG_BOTH */
	size_t max_alerts;        /* alerts remembered (the detector's cap) */
};
void mk_alert_stream_options_default(struct mk_alert_stream_options *o);

struct mk_alert_stream_stats {
	uint64_t jsonl_written, jsonl_failed; /* lines */
	uint64_t syslog_sent, syslog_failed;  /* messages */
	uint64_t untracked;                   /* alerts not sent: the memory was full */
	uint64_t truncated;                   /* syslog messages cut to the size limit */
};

struct mk_alert_stream;

/* Opens the JSON-lines file and tries the syslog receiver.  An unreachable
 * receiver is a warning (the stream tries again at each emit); NULL with a
 * message in err only when the file cannot be opened or on ENOMEM. */
struct mk_alert_stream *mk_alert_stream_open(const struct mk_alert_stream_options *o, char *err,
                                             size_t errlen);
/* An alert already known before this run (the database): marked as sent to
 * every output, so only its later changes are streamed. */
void mk_alert_stream_seed(struct mk_alert_stream *s, const struct mk_alert_rec *a);
/* Whether a would be streamed by the next emit (to any output). */
bool mk_alert_stream_pending(const struct mk_alert_stream *s, const struct mk_alert_rec *a);
/* Sends every alert of r that is new or changed, for each output. */
void mk_alert_stream_emit(struct mk_alert_stream *s, const struct mk_report *r);
const struct mk_alert_stream_stats *mk_alert_stream_stats(const struct mk_alert_stream *s);
/* Prints what was sent and what could not be (stderr), closes, frees. */
void mk_alert_stream_close(struct mk_alert_stream *s);

#endif /* MIERUKA_ALERT_STREAM_H */

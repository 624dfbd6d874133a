/* keyence_kv.c - KEYENCE KV series host link ("upper link") over TCP (port 8501):
 * ASCII commands ended by CR, responses ended by CR LF.  Every command is
 * classified (reads, writes, forced set/reset, mode changes, monitor
 * registration), error responses E0-E9 become an event, and the answer to the
 * model query "?K" becomes the PLC's identity via data/keyence_kv_models.tsv.
 * specification: KEYENCE KV-8000/KV-7000 Series User's Manual and KV-5500/5000/
 * 3000 Series User's Manual, chapter "Host link communication": command list
 * (CR/CQ connect/disconnect answered CC/CF; M0/M1 change to PROGRAM/RUN; ?K
 * model; ?M mode; ?E error number; ER error clear; RD/RDS/RDE read; WR/WRS/WRE
 * write; WS/WSS timer/counter set value; ST/RS/STS/RSS forced set/reset; MBS/
 * MWS monitor registration, MBR/MWR monitor read; RDC comment read; WRT clock
 * write), device notation (type letters + number, optional .U .S .D .L .H data
 * format) and error responses (E0 device number, E1 command, E2 program not
 * registered, E4 write protected, E5 unit error, E6 no comment).
 */
#include "mieruka/proto.h"
#include "mieruka/util.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KV_LINE_MAX 16384    /* WRS/RDS of 1000 words in .D/.L format fit */
#define KV_LINES_PER_CALL 64 /* the core calls again with the rest */
#define KV_TOKENS_MAX 4      /* only the first tokens are looked at */
#define KV_QUEUE 8           /* outstanding requests remembered per flow */
#define KV_PROBE_SCAN 64     /* bytes a probe looks at for the end of line */
#define KV_MODELS_MAX 256
#define KV_MODEL_NAME 32

enum kv_pending { KV_P_OTHER, KV_P_MODEL };

enum kv_args {
	KV_A_NONE,  /* the command alone */
	KV_A_DEV,   /* device [more] */
	KV_A_COUNT, /* device count [values] */
	KV_A_LIST,  /* device device ... (monitor registration) */
	KV_A_ANY,   /* free arguments (clock) */
};

struct kv_cmd {
	const char *word;
	uint8_t op;   /* enum mk_op_class */
	uint8_t args; /* enum kv_args */
	const char *name;
};

/* The host link command list of the KV manuals (section "Command list"). */
static const struct kv_cmd kv_cmds[] = {
    {"CR", MK_OP_OTHER, KV_A_NONE, "connect"},
    {"CQ", MK_OP_OTHER, KV_A_NONE, "disconnect"},
    {"M0", MK_OP_CONTROL, KV_A_NONE, "mode PROGRAM"},
    {"M1", MK_OP_CONTROL, KV_A_NONE, "mode RUN"},
    {"?K", MK_OP_DIAGNOSTIC, KV_A_NONE, "model_query"},
    {"?M", MK_OP_DIAGNOSTIC, KV_A_NONE, "mode_query"},
    {"?E", MK_OP_DIAGNOSTIC, KV_A_NONE, "error_query"},
    {"ER", MK_OP_OTHER, KV_A_NONE, "error_clear"},
    {"RD", MK_OP_READ, KV_A_DEV, "RD"},
    {"RDS", MK_OP_READ, KV_A_COUNT, "RDS"},
    {"RDE", MK_OP_READ, KV_A_COUNT, "RDE"},
    {"WR", MK_OP_WRITE, KV_A_DEV, "WR"},
    {"WRS", MK_OP_WRITE, KV_A_COUNT, "WRS"},
    {"WRE", MK_OP_WRITE, KV_A_COUNT, "WRE"},
    {"WS", MK_OP_WRITE, KV_A_DEV, "WS"},
    {"WSS", MK_OP_WRITE, KV_A_COUNT, "WSS"},
    {"ST", MK_OP_WRITE, KV_A_DEV, "set"},
    {"RS", MK_OP_WRITE, KV_A_DEV, "reset"},
    {"STS", MK_OP_WRITE, KV_A_COUNT, "set"},
    {"RSS", MK_OP_WRITE, KV_A_COUNT, "reset"},
    {"MBS", MK_OP_READ, KV_A_LIST, "monitor_register_bits"},
    {"MWS", MK_OP_READ, KV_A_LIST, "monitor_register_words"},
    {"MBR", MK_OP_READ, KV_A_NONE, "monitor_read_bits"},
    {"MWR", MK_OP_READ, KV_A_NONE, "monitor_read_words"},
    {"RDC", MK_OP_READ, KV_A_DEV, "comment_read"},
    {"WRT", MK_OP_OTHER, KV_A_ANY, "clock_write"},
};

static const char *const kv_events[] = {
    "keyence_kv_mode_change",
    "keyence_kv_error_response",
    "keyence_kv_bad_command",
    "keyence_kv_bad_line",
    NULL,
};

struct kv_state {
	uint8_t q[KV_QUEUE]; /* enum kv_pending of outstanding requests, oldest at qh */
	uint8_t qh, qn;
	uint8_t plc_said;
	uint8_t model_said;
};

/* ---- model codes (data/keyence_kv_models.tsv) ---- */

static char kv_models[KV_MODELS_MAX][KV_MODEL_NAME];
static pthread_once_t kv_models_once = PTHREAD_ONCE_INIT;

static void kv_models_line(char *line)
{
	char *tab = strchr(line, '\t'), *end;
	unsigned long code;
	size_t n;

	if (line[0] == '#' || tab == NULL)
		return;
	*tab = '\0';
	code = strtoul(line, &end, 10);
	if (end == line || *end != '\0' || code >= KV_MODELS_MAX || kv_models[code][0] != '\0')
		return;
	n = strcspn(tab + 1, "\t\r\n");
	if (n == 0 || n >= KV_MODEL_NAME)
		return;
	memcpy(kv_models[code], tab + 1, n);
	kv_models[code][n] = '\0';
}

static void kv_models_load(void)
{
	char path[1024], line[256];
	FILE *f;

	if (!mk_data_path("keyence_kv_models.tsv", path, sizeof(path)) ||
	    (f = fopen(path, "r")) == NULL)
		return;
	for (unsigned n = 0; n < 10000 && fgets(line, sizeof(line), f) != NULL; n++)
		kv_models_line(line);
	fclose(f);
}

static const char *kv_model_name(unsigned code)
{
	pthread_once(&kv_models_once, kv_models_load);
	return code < KV_MODELS_MAX && kv_models[code][0] != '\0' ? kv_models[code] : NULL;
}

/* ---- lexical helpers ---- */

struct kv_tok {
	const uint8_t *p;
	size_t n;
};

static bool kv_upper(uint8_t c)
{
	return c >= 'A' && c <= 'Z';
}
static bool kv_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}
static bool kv_hex(uint8_t c)
{
	return kv_digit(c) || (c >= 'A' && c <= 'F');
}

/* Splits a line on spaces into at most KV_TOKENS_MAX tokens; returns the count
 * (the rest of the line is counted in *more). */
static unsigned kv_split(const uint8_t *p, size_t n, struct kv_tok *tok, unsigned *more)
{
	unsigned nt = 0;
	size_t i = 0;

	*more = 0;
	while (i < n) {
		size_t s;

		while (i < n && p[i] == ' ')
			i++;
		if (i >= n)
			break;
		s = i;
		while (i < n && p[i] != ' ')
			i++;
		if (nt < KV_TOKENS_MAX) {
			tok[nt].p = p + s;
			tok[nt].n = i - s;
			nt++;
		} else {
			(*more)++;
		}
	}
	return nt;
}

static bool kv_tok_is(const struct kv_tok *t, const char *s)
{
	size_t n = strlen(s);

	return t->n == n && memcmp(t->p, s, n) == 0;
}

/* A device: 1-3 type letters, 1-6 digits (hex for B, W...), optionally
 * ".U/.S/.D/.L/.H" data format or ".n" bit of a word. */
static bool kv_device(const struct kv_tok *t)
{
	size_t i = 0, d;

	while (i < t->n && i < 3 && kv_upper(t->p[i]))
		i++;
	if (i == 0)
		return false;
	d = i;
	while (i < t->n && i - d < 6 && kv_hex(t->p[i]))
		i++;
	if (i == d)
		return false;
	if (i == t->n)
		return true;
	if (t->p[i] != '.' || i + 1 >= t->n)
		return false;
	i++;
	if (t->n - i == 1 && strchr("USDLH", t->p[i]) != NULL)
		return true;
	for (d = i; i < t->n && i - d < 2; i++)
		if (!kv_digit(t->p[i]))
			return false;
	return i == t->n;
}

static bool kv_number(const struct kv_tok *t, unsigned long *v)
{
	unsigned long x = 0;

	if (t->n == 0 || t->n > 6)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		if (!kv_digit(t->p[i]))
			return false;
		x = x * 10 + (unsigned long)(t->p[i] - '0');
	}
	*v = x;
	return true;
}

static const struct kv_cmd *kv_find(const struct kv_tok *t)
{
	for (size_t i = 0; i < sizeof(kv_cmds) / sizeof(kv_cmds[0]); i++)
		if (kv_tok_is(t, kv_cmds[i].word))
			return &kv_cmds[i];
	return NULL;
}

/* Checks a request line against the command's syntax; NULL when it is not one. */
static const struct kv_cmd *kv_request_syntax(const uint8_t *p, size_t n, struct kv_tok *tok,
                                              unsigned *ntok, unsigned long *count)
{
	const struct kv_cmd *c;
	unsigned more;

	*ntok = kv_split(p, n, tok, &more);
	*count = 0;
	if (*ntok == 0 || (c = kv_find(&tok[0])) == NULL)
		return NULL;
	switch (c->args) {
	case KV_A_NONE: return *ntok == 1 ? c : NULL;
	case KV_A_DEV: return *ntok >= 2 && kv_device(&tok[1]) ? c : NULL;
	case KV_A_COUNT:
		return *ntok >= 3 && kv_device(&tok[1]) && kv_number(&tok[2], count) ? c : NULL;
	case KV_A_LIST:
		*count = *ntok - 1 + more;
		return *ntok >= 2 && kv_device(&tok[1]) ? c : NULL;
	default: return *ntok >= 2 ? c : NULL;
	}
}

static bool kv_printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

/* ---- requests and responses ---- */

static void kv_push(struct kv_state *st, uint8_t kind)
{
	if (st->qn == KV_QUEUE) { /* unanswered requests: forget the oldest */
		st->qh = (uint8_t)((st->qh + 1) % KV_QUEUE);
		st->qn--;
	}
	st->q[(st->qh + st->qn) % KV_QUEUE] = kind;
	st->qn++;
}

static uint8_t kv_pop(struct kv_state *st)
{
	uint8_t kind;

	if (st->qn == 0)
		return KV_P_OTHER;
	kind = st->q[st->qh];
	st->qh = (uint8_t)((st->qh + 1) % KV_QUEUE);
	st->qn--;
	return kind;
}

static void kv_request(struct kv_state *st, const uint8_t *p, size_t n, struct mk_emit *out)
{
	struct kv_tok tok[KV_TOKENS_MAX];
	unsigned ntok;
	unsigned long count;
	const struct kv_cmd *c = kv_request_syntax(p, n, tok, &ntok, &count);
	char detail[80];

	if (c == NULL) {
		mk_emit_operation(out, MK_OP_OTHER, "unknown");
		mk_emit_anomaly(out, "keyence_kv_bad_command");
		kv_push(st, KV_P_OTHER);
		return;
	}
	if (c->args == KV_A_DEV)
		snprintf(detail, sizeof(detail), "%s %.*s", c->name,
		         (int)(tok[1].n > 24 ? 24 : tok[1].n), (const char *)tok[1].p);
	else if (c->args == KV_A_COUNT)
		snprintf(detail, sizeof(detail), "%s %.*s count=%lu", c->name,
		         (int)(tok[1].n > 24 ? 24 : tok[1].n), (const char *)tok[1].p, count);
	else if (c->args == KV_A_LIST)
		snprintf(detail, sizeof(detail), "%s count=%lu", c->name, count);
	else
		snprintf(detail, sizeof(detail), "%s", c->name);
	mk_emit_operation(out, (enum mk_op_class)c->op, detail);
	if (c->word[0] == 'M' && (c->word[1] == '0' || c->word[1] == '1'))
		mk_emit_anomaly(out, "keyence_kv_mode_change");
	kv_push(st, kv_tok_is(&tok[0], "?K") ? KV_P_MODEL : KV_P_OTHER);
}

static void kv_response(struct kv_state *st, const uint8_t *p, size_t n, struct mk_emit *out)
{
	uint8_t kind = kv_pop(st);
	unsigned long code;
	struct kv_tok t = {p, n};

	if (n == 2 && p[0] == 'E' && kv_digit(p[1])) {
		mk_emit_anomaly(out, "keyence_kv_error_response");
		return;
	}
	if (!st->plc_said) {
		st->plc_said = 1;
		mk_emit_role(out, mk_host_rel(MK_HOST_SERVER), MK_ROLE_PLC, 80,
		             "answers KEYENCE KV host link commands");
	}
	if (kind == KV_P_MODEL && !st->model_said && n <= 3 && kv_number(&t, &code)) {
		struct mk_identity id = {.vendor = "KEYENCE"};
		char num[8];

		st->model_said = 1;
		id.model = kv_model_name((unsigned)code);
		mk_emit_identity(out, mk_host_rel(MK_HOST_SERVER), &id);
		snprintf(num, sizeof(num), "%lu", code);
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "keyence_kv_model_code", num,
		             strlen(num));
	}
}

/* ---- plug-in ---- */

static int kv_probe(struct mk_rd *rd, enum mk_dir dir)
{
	const uint8_t *p = mk_rd_cur(rd);
	size_t left = mk_rd_left(rd), end = 0;
	struct kv_tok tok[KV_TOKENS_MAX];
	unsigned ntok;
	unsigned long count;
	const struct kv_cmd *c;

	if (p == NULL)
		return MK_PROBE_NO;
	while (end < left && end < KV_PROBE_SCAN && p[end] != '\r')
		end++;
	if (end == left && left < KV_PROBE_SCAN)
		return kv_printable(p, end) ? MK_PROBE_MAYBE : MK_PROBE_NO;
	if (end >= KV_PROBE_SCAN && dir == MK_DIR_TO_SERVER && kv_printable(p, end)) {
		/* a long write ("WRS DM0 100 1 2 ..."): judge its whole first tokens */
		while (end > 0 && p[end - 1] != ' ')
			end--;
		c = kv_request_syntax(p, end, tok, &ntok, &count);
		return c != NULL && (c->args == KV_A_COUNT || c->args == KV_A_LIST) ? MK_PROBE_SURE
		                                                                    : MK_PROBE_NO;
	}
	if (end >= KV_PROBE_SCAN || end == 0 || !kv_printable(p, end))
		return MK_PROBE_NO;
	if (dir == MK_DIR_TO_CLIENT) {
		/* "OK", "E0".."E6", "CC", "CF" are short and generic: never sure */
		if (end + 1 < left && p[end + 1] == '\n' && end <= 3 &&
		    ((end == 2 &&
		      ((p[0] == 'O' && p[1] == 'K') || (p[0] == 'E' && kv_digit(p[1])) ||
		       (p[0] == 'C' && (p[1] == 'C' || p[1] == 'F'))))))
			return MK_PROBE_MAYBE;
		return MK_PROBE_NO;
	}
	c = kv_request_syntax(p, end, tok, &ntok, &count);
	if (c == NULL)
		return MK_PROBE_NO;
	/* device commands and the "?" queries are specific; bare two-letter words
	 * (CR, CQ, ER, M0, M1, MBR, MWR) only keep the flow under watch */
	if (c->args == KV_A_DEV || c->args == KV_A_COUNT || c->args == KV_A_LIST ||
	    c->word[0] == '?')
		return MK_PROBE_SURE;
	return MK_PROBE_MAYBE;
}

static enum mk_verdict kv_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                struct mk_emit *out)
{
	struct kv_state *st = state;

	*consumed = 0;
	for (unsigned n = 0; n < KV_LINES_PER_CALL; n++) {
		const uint8_t *p = mk_rd_cur(rd);
		size_t left = mk_rd_left(rd), end = 0;

		if (p == NULL)
			return MK_V_OK;
		if (p[0] == '\n' || p[0] == '\r') { /* LF of CR LF, or an empty line */
			mk_rd_skip(rd, 1);
			*consumed += 1;
			continue;
		}
		while (end < left && end < KV_LINE_MAX && p[end] != '\r')
			end++;
		if (end == left && left < KV_LINE_MAX && kv_printable(p, left))
			return MK_V_NEED; /* the rest of the line is still to come */
		if (end == left || end >= KV_LINE_MAX || !kv_printable(p, end)) {
			mk_emit_anomaly(out, "keyence_kv_bad_line");
			return MK_V_INVALID;
		}
		if (dir == MK_DIR_TO_SERVER)
			kv_request(st, p, end, out);
		else
			kv_response(st, p, end, out);
		mk_rd_skip(rd, end + 1);
		*consumed += end + 1;
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_keyence_kv = {
    .abi = MK_PROTO_ABI,
    .name = "keyence_kv",
    .id = MK_PROTO_KEYENCE_KV,
    .transports = MK_TRANSPORT_TCP,
    .state_size = sizeof(struct kv_state),
    .max_buffer = KV_LINE_MAX,
    .probe = kv_probe,
    .parse = kv_parse,
    .events = kv_events,
};

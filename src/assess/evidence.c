/* evidence.c - evidence rules: observations in the database that suggest
 * answers of the self-assessment (docs/ASSESSMENT.md "Evidence rules").
 *
 * The rules are data (data/kb/evidence.kb, kind "evidence"); the code knows
 * only the match kinds.  A rule that finds something yields one suggestion per
 * answer it names, each with the evidence items (at most MK_EV_MAX_ITEMS, the
 * rest counted) and its text rendered with {count} and {detail}.  Evidence
 * never answers: a person confirms a suggestion.
 *
 * What an item is, so that {count} says what was seen and no more:
 * - alert: one per alert record (a pair of devices, a protocol, a subject);
 * - every other kind: one per device (asset), the first observation of it;
 *   a device found by two match lines of the same rule is counted once.
 *
 * "External" is an address outside the private and special ranges: an
 * internet address.  Unlike the detector's internet alerts, the
 * documentation ranges (RFC 5737, 2001:db8::/32) count as the internet here:
 * examples and the bundled demo scenario use them for it, and a real plant
 * never sees them. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/evidence_int.h"
#include "assess/kb_int.h"
#include "detect/detect_int.h"
#include "mieruka/detect.h"
#include "mieruka/report.h"
#include "mieruka/util.h"

static const char *const kind_names[MK_EV_KINDS] = {
	"alert", "role", "protocol", "vendor", "hostname", "random_mac", "flat", "sni", "attr",
};

const char *mk_ev_match_kind_name(unsigned kind)
{
	return kind < MK_EV_KINDS ? kind_names[kind] : NULL;
}

bool mk_ev_kind(const char *kind)
{
	return kind != NULL && strcmp(kind, "evidence") == 0;
}

/* ------------------------------------------------------------ loading */

/* "FILE:LINE: [evidence ID] " + fmt, LINE being the line of the match. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *last_blank(char *p)
{
	char *b = NULL;

	for (; *p != '\0'; p++)
		if (is_blank(*p))
			b = p;
	return b;
}

static char *trim(char *p)
{
	char *e;

	while (is_blank(*p))
		p++;
	e = p + strlen(p);
	while (e > p && is_blank(e[-1]))
		*--e = '\0';
	return p;
}

/* Splits text at commas (in place) into trimmed, non-empty items.  -1 when an
 * item is empty, -2 when there are more than max. */
static int split_list(char *text, const char **items, size_t max, size_t *n)
{
	char *p = text;

	*n = 0;
	for (;;) {
		char *c = strchr(p, ',');

		if (c != NULL)
			*c = '\0';
		p = trim(p);
		if (*p == '\0')
			return -1;
		if (*n >= max)
			return -2;
		items[(*n)++] = p;
		if (c == NULL)
			return 0;
		p = c + 1;
	}
}

/* A text to look for: printable ASCII or UTF-8, no control characters. */
static bool text_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > MK_EV_MAX_TEXT)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return false;
	return true;
}

static bool name_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)t[i]) || isdigit((unsigned char)t[i]) || t[i] == '_'))
			return false;
	return true;
}

/* Roles of a comma list without blanks ("plc,hmi") into a bit set. */
static int parse_roles(const struct mk_kb_stanza *s, uint32_t line, char *text, uint32_t *mask,
                       char *err, size_t errlen)
{
	const char *items[MK_ROLE_COUNT + 1];
	size_t n;
	int rc = split_list(text, items, MK_ROLE_COUNT, &n);

	if (rc == -1)
		return mk_kb_fail_line(s, line, err, errlen, "match: empty item in the role list");
	if (rc == -2)
		return mk_kb_fail_line(s, line, err, errlen, "match: more than %d roles",
		                 (int)MK_ROLE_COUNT);
	*mask = 0;
	for (size_t i = 0; i < n; i++) {
		int role = mk_role_from_name(items[i]);

		if (role < 0 || role == MK_ROLE_UNKNOWN)
			return mk_kb_fail_line(s, line, err, errlen,
			                 "match: \"%s\" is not a role (include/mieruka/roles.def)",
			                 items[i]);
		*mask |= 1u << role;
	}
	return 0;
}

/* The alert types of data/rules/alerts.tsv, loaded once per knowledge base
 * load when a rule names an alert. */
struct alert_types {
	struct mk_detect_rules *rules;
	bool tried;
};

static int check_alert_type(const struct mk_kb_stanza *s, uint32_t line, struct alert_types *at,
                            const char *type, char *err, size_t errlen)
{
	char path[4096], why[256] = "";

	if (!at->tried) {
		at->tried = true;
		at->rules = malloc(sizeof(*at->rules));
		if (at->rules == NULL)
			return mk_kb_fail_line(s, line, err, errlen, "out of memory");
		mk_detect_rules_init(at->rules);
		if (!mk_data_path("rules/alerts.tsv", path, sizeof(path)) ||
		    mk_detect_rules_load_alerts(at->rules, path, why, sizeof(why)) < 0) {
			mk_detect_rules_clear(at->rules);
			free(at->rules);
			at->rules = NULL;
			return mk_kb_fail_line(s, line, err, errlen,
			                 "match: the alert types of data/rules/alerts.tsv cannot be "
			                 "read to check \"%s\" (%s)",
			                 type, why[0] ? why : "file not found");
		}
	}
	if (at->rules == NULL)
		return mk_kb_fail_line(s, line, err, errlen, "match: alert types unavailable");
	if (mk_detect_type_index(at->rules, type) < 0)
		return mk_kb_fail_line(s, line, err, errlen,
		                 "match: \"%s\" is not an alert type (data/rules/alerts.tsv)", type);
	return 0;
}

static void alert_types_free(struct alert_types *at)
{
	if (at->rules != NULL) {
		mk_detect_rules_clear(at->rules);
		free(at->rules);
	}
}

/* Which options each kind takes. */
enum {
	OPT_PEER = 1,
	OPT_SIDE = 2,
	OPT_PLANNED = 4,
	OPT_ROLE = 8,
	OPT_MIN = 16,
	OPT_EXCEPT_ROLE = 32,
	OPT_EXCEPT_MAC = 64,
	OPT_DEVICE = OPT_ROLE | OPT_EXCEPT_ROLE | OPT_MIN, /* filters on the device */
};
static const unsigned kind_opts[MK_EV_KINDS] = {
	[MK_EV_ALERT] = OPT_PEER | OPT_PLANNED | OPT_DEVICE,
	[MK_EV_ROLE] = OPT_EXCEPT_ROLE | OPT_MIN,
	[MK_EV_PROTOCOL] = OPT_PEER | OPT_SIDE | OPT_DEVICE,
	[MK_EV_VENDOR] = OPT_DEVICE,
	[MK_EV_HOSTNAME] = OPT_DEVICE,
	[MK_EV_RANDOM_MAC] = OPT_DEVICE | OPT_EXCEPT_MAC,
	[MK_EV_FLAT] = OPT_MIN,
	[MK_EV_SNI] = OPT_DEVICE,
	[MK_EV_ATTR] = OPT_DEVICE,
};

/* "52:54:00,02:42": MAC prefixes of 1-6 bytes. */
static int parse_mac_prefixes(const struct mk_kb_stanza *s, uint32_t line, struct mk_ev_match *m,
                              char *text, char *err, size_t errlen)
{
	const char *items[MK_EV_MAX_MAC_PREFIXES + 1];
	size_t n;
	int rc = split_list(text, items, MK_EV_MAX_MAC_PREFIXES, &n);

	if (rc == -1)
		return mk_kb_fail_line(s, line, err, errlen, "match: empty item in except_mac=");
	if (rc == -2)
		return mk_kb_fail_line(s, line, err, errlen, "match: more than %d MAC prefixes",
		                 MK_EV_MAX_MAC_PREFIXES);
	for (size_t i = 0; i < n; i++) {
		const char *p = items[i];
		size_t len = 0;

		for (;;) {
			int hi = mk_hex_digit(p[0]), lo = hi >= 0 ? mk_hex_digit(p[1]) : -1;

			if (hi < 0 || lo < 0 || len == 6)
				return mk_kb_fail_line(s, line, err, errlen,
				                 "match: except_mac=\"%s\" is not a MAC prefix (52:54:00)",
				                 items[i]);
			m->except_mac[i][len++] = (uint8_t)(hi << 4 | lo);
			p += 2;
			if (*p == '\0')
				break;
			if (*p++ != ':')
				return mk_kb_fail_line(s, line, err, errlen,
				                 "match: except_mac=\"%s\" is not a MAC prefix (52:54:00)",
				                 items[i]);
		}
		m->except_mac_len[i] = (uint8_t)len;
	}
	m->n_except_mac = n;
	return 0;
}

static int word_of(const char *v, const char *const *words, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v, words[i]) == 0)
			return i;
	return -1;
}

static int parse_option(const struct mk_kb_stanza *s, uint32_t line, struct mk_ev_match *m,
                        char *tok, unsigned *given, char *err, size_t errlen)
{
	static const char *const names[] = {"peer", "side",        "planned",   "role",
	                                    "min",  "except_role", "except_mac"};
	static const char *const peers[] = {"any", "external", "internal"};
	static const char *const sides[] = {"any", "client", "server"};
	static const char *const planned[] = {"any", "yes", "no"};
	char *eq = strchr(tok, '='), *v;
	int which, x;
	unsigned bit;

	*eq = '\0';
	v = eq + 1;
	which = word_of(tok, names, 7);
	if (which < 0 || !(kind_opts[m->kind] & (1u << which)))
		return mk_kb_fail_line(s, line, err, errlen, "match: %s takes no option %s=",
		                 kind_names[m->kind], tok);
	bit = 1u << which;
	if (*given & bit)
		return mk_kb_fail_line(s, line, err, errlen, "match: %s= given twice", tok);
	*given |= bit;
	switch (bit) {
	case OPT_PEER:
		if ((x = word_of(v, peers, 3)) < 0)
			return mk_kb_fail_line(s, line, err, errlen,
			                 "match: peer=\"%s\" is not external, internal or any", v);
		m->peer = (enum mk_ev_peer)x;
		return 0;
	case OPT_SIDE:
		if ((x = word_of(v, sides, 3)) < 0)
			return mk_kb_fail_line(s, line, err, errlen,
			                 "match: side=\"%s\" is not client, server or any", v);
		m->side = (enum mk_ev_side)x;
		return 0;
	case OPT_PLANNED:
		if ((x = word_of(v, planned, 3)) < 0)
			return mk_kb_fail_line(s, line, err, errlen,
			                 "match: planned=\"%s\" is not yes, no or any", v);
		m->planned = (enum mk_ev_planned)x;
		return 0;
	case OPT_ROLE:
		return parse_roles(s, line, v, &m->roles, err, errlen);
	case OPT_EXCEPT_ROLE:
		return parse_roles(s, line, v, &m->except_roles, err, errlen);
	case OPT_EXCEPT_MAC:
		return parse_mac_prefixes(s, line, m, v, err, errlen);
	default: {
		unsigned long n;

		if (!mk_parse_ulong(v, 100, &n))
			return mk_kb_fail_line(s, line, err, errlen,
			                 "match: min=\"%s\" is not a confidence from 0 to 100", v);
		m->min_confidence = (int)n;
		return 0;
	}
	}
}

/* One match line (text is an arena copy, modified in place). */
static int parse_match(const struct mk_kb_stanza *s, struct mk_kb_arena *ar, uint32_t line,
                       char *text, struct alert_types *at, struct mk_ev_match *m, char *err,
                       size_t errlen)
{
	char *p = trim(text), *args;
	const char *items[MK_KB_MAX_LIST];
	unsigned given = 0;
	size_t n = 0;
	int kind, rc;

	memset(m, 0, sizeof(*m));
	m->line = line;
	m->min_confidence = 50;
	args = p;
	while (*args != '\0' && !is_blank(*args))
		args++;
	if (*args != '\0')
		*args++ = '\0';
	if ((kind = word_of(p, kind_names, MK_EV_KINDS)) < 0)
		return mk_kb_fail_line(s, line, err, errlen,
		                 "match: unknown kind \"%s\" (alert, role, protocol, vendor, hostname, "
		                 "random_mac, flat, sni, attr)",
		                 p);
	m->kind = (enum mk_ev_match_kind)kind;
	args = trim(args);
	/* options: the trailing blank-separated words holding '=' */
	for (;;) {
		char *sp = last_blank(args), *tok = sp != NULL ? sp + 1 : args;

		if (*tok == '\0' || strchr(tok, '=') == NULL)
			break;
		if (parse_option(s, line, m, tok, &given, err, errlen))
			return -1;
		if (sp == NULL) {
			*args = '\0';
			break;
		}
		*sp = '\0';
		args = trim(args);
	}
	switch (m->kind) {
	case MK_EV_RANDOM_MAC:
		if (*args != '\0')
			return mk_kb_fail_line(s, line, err, errlen, "match: random_mac takes no argument");
		return 0;
	case MK_EV_FLAT: {
		char *b = args;

		while (*b != '\0' && !is_blank(*b))
			b++;
		if (*args == '\0' || *b == '\0')
			return mk_kb_fail_line(s, line, err, errlen,
			                 "match: flat needs two roles (flat office_pc plc)");
		*b++ = '\0';
		b = trim(b);
		for (char *q = b; *q; q++)
			if (is_blank(*q))
				return mk_kb_fail_line(s, line, err, errlen,
				                 "match: flat needs exactly two role lists, without "
				                 "blanks after the commas");
		if (parse_roles(s, line, args, &m->roles, err, errlen) ||
		    parse_roles(s, line, b, &m->roles_b, err, errlen))
			return -1;
		return 0;
	}
	case MK_EV_ATTR: {
		char *b = args;

		while (*b != '\0' && !is_blank(*b))
			b++;
		if (*b != '\0')
			*b++ = '\0';
		if (!name_ok(args))
			return mk_kb_fail_line(s, line, err, errlen,
			                 "match: attr needs an attribute key (a-z 0-9 _) and texts");
		m->attr_key = args;
		args = trim(b);
		break;
	}
	default:
		break;
	}
	if (*args == '\0')
		return mk_kb_fail_line(s, line, err, errlen, "match: %s needs a list", kind_names[kind]);
	rc = split_list(args, items, MK_KB_MAX_LIST, &n);
	if (rc == -1)
		return mk_kb_fail_line(s, line, err, errlen, "match: empty item in the list");
	if (rc == -2)
		return mk_kb_fail_line(s, line, err, errlen, "match: more than %d items", MK_KB_MAX_LIST);
	switch (m->kind) {
	case MK_EV_ROLE:
		for (size_t i = 0; i < n; i++) {
			int role = mk_role_from_name(items[i]);

			if (role < 0 || role == MK_ROLE_UNKNOWN)
				return mk_kb_fail_line(s, line, err, errlen,
				                 "match: \"%s\" is not a role (include/mieruka/roles.def)",
				                 items[i]);
			m->roles |= 1u << role;
		}
		return 0;
	case MK_EV_PROTOCOL:
		for (size_t i = 0; i < n; i++) {
			int proto = mk_proto_id_from_name(items[i]);

			if (proto <= 0)
				return mk_kb_fail_line(s, line, err, errlen,
				                 "match: \"%s\" is not a protocol "
				                 "(include/mieruka/proto_ids.def)",
				                 items[i]);
			mk_proto_set_add(&m->protos, (unsigned)proto);
		}
		return 0;
	case MK_EV_ALERT:
		for (size_t i = 0; i < n; i++)
			if (check_alert_type(s, line, at, items[i], err, errlen))
				return -1;
		break;
	default:
		for (size_t i = 0; i < n; i++)
			if (!text_ok(items[i]))
				return mk_kb_fail_line(s, line, err, errlen,
				                 "match: \"%s\": a text is 1-%d bytes without control "
				                 "characters",
				                 items[i], MK_EV_MAX_TEXT);
		break;
	}
	m->words = mk_kb_alloc(ar, n * sizeof(*m->words));
	if (m->words == NULL)
		return mk_kb_fail_line(s, line, err, errlen, "out of memory");
	for (size_t i = 0; i < n; i++)
		m->words[i] = items[i];
	m->n_words = n;
	return 0;
}

static int parse_matches(struct mk_kb_stanza *s, struct mk_kb_arena *ar, struct alert_types *at,
                         struct mk_ev_rule *rule, char *err, size_t errlen)
{
	struct mk_kb_field *f = NULL;
	struct mk_ev_match tmp[MK_EV_MAX_MATCHES];
	char *copy, *p;
	uint32_t line;

	for (size_t i = 0; i < s->n_fields; i++)
		if (strcmp(s->fields[i].key, "match") == 0)
			f = &s->fields[i];
	if (f == NULL || f->value[0] == '\0')
		return mk_kb_fail(s, err, errlen, "missing match (one observation per line)");
	f->used = true;
	if ((copy = mk_kb_strdup(ar, f->value)) == NULL)
		return mk_kb_fail(s, err, errlen, "out of memory");
	/* One match per line of the value: "match: A" and continuation lines. */
	line = f->line;
	p = copy;
	while (p != NULL) {
		char *nl = strchr(p, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (*trim(p) != '\0') {
			if (rule->n_matches >= MK_EV_MAX_MATCHES)
				return mk_kb_fail_line(s, line, err, errlen, "more than %d match lines",
				                 MK_EV_MAX_MATCHES);
			if (parse_match(s, ar, line, p, at, &tmp[rule->n_matches], err, errlen))
				return -1;
			rule->n_matches++;
		}
		line++;
		p = nl != NULL ? nl + 1 : NULL;
	}
	rule->matches = mk_kb_alloc(ar, rule->n_matches * sizeof(*rule->matches));
	if (rule->matches == NULL)
		return mk_kb_fail(s, err, errlen, "out of memory");
	memcpy(rule->matches, tmp, rule->n_matches * sizeof(*rule->matches));
	return 0;
}

static int parse_suggest(struct mk_kb_stanza *s, struct mk_kb_arena *ar, const struct mk_kb *kb,
                         struct mk_ev_rule *rule, char *err, size_t errlen)
{
	static const char *const uses[] = {"yes", "no", "unknown"};
	const char *items[MK_KB_MAX_LIST];
	size_t n;

	if (mk_kb_list(s, ar, "suggest", items, &n, err, errlen))
		return -1;
	if (n == 0)
		return mk_kb_fail(s, err, errlen, "missing suggest (KEY=VALUE, ...)");
	if (n > MK_EV_MAX_SUGGEST)
		return mk_kb_fail(s, err, errlen, "suggest: more than %d answers", MK_EV_MAX_SUGGEST);
	rule->suggest = mk_kb_alloc(ar, n * sizeof(*rule->suggest));
	if (rule->suggest == NULL)
		return mk_kb_fail(s, err, errlen, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct mk_ev_suggest *sg = &rule->suggest[i];
		char *item = (char *)items[i], *eq = strchr(item, '='), *key, *value;

		if (eq == NULL)
			return mk_kb_fail(s, err, errlen, "suggest: \"%s\" is not KEY=VALUE", item);
		*eq = '\0';
		key = trim(item);
		value = trim(eq + 1);
		for (size_t k = 0; k < i; k++)
			if (strcmp(rule->suggest[k].key, key) == 0)
				return mk_kb_fail(s, err, errlen, "suggest: %s given twice", key);
		if (strncmp(key, "use.", 4) == 0) {
			const struct mk_kb_entry *e = mk_kb_entry_by_id(kb, key + 4);

			if (e == NULL)
				return mk_kb_fail(s, err, errlen, "suggest: no [entry_point %s]", key + 4);
			if (word_of(value, uses, 3) < 0)
				return mk_kb_fail(s, err, errlen,
				                  "suggest: %s=\"%s\": use.EP is yes, no or unknown", key,
				                  value);
			sg->entry = (size_t)(e - kb->entries);
		} else {
			const struct mk_kb_cm *cm = mk_kb_cm_by_id(kb, key);

			if (cm == NULL)
				return mk_kb_fail(s, err, errlen,
				                  "suggest: \"%s\" is neither use.EP nor a countermeasure",
				                  key);
			if (mk_kb_answer_by_id(kb, value) == NULL)
				return mk_kb_fail(s, err, errlen,
				                  "suggest: %s=\"%s\": not an [answer] id", key, value);
			sg->entry = !cm->all_entry_points && cm->n_eps > 0 ? cm->eps[0] : (size_t)-1;
		}
		sg->key = key;
		sg->value = value;
	}
	rule->n_suggest = n;
	return 0;
}

/* Only {count} and {detail}: a misspelt placeholder would show as written. */
static int check_placeholders(struct mk_kb_stanza *s, const char *name, const char *t, char *err,
                              size_t errlen)
{
	for (const char *p = strchr(t, '{'); p != NULL; p = strchr(p + 1, '{')) {
		const char *e = strchr(p, '}');
		size_t n = e != NULL ? (size_t)(e - p - 1) : 0;

		if (e == NULL || !((n == 5 && strncmp(p + 1, "count", 5) == 0) ||
		                   (n == 6 && strncmp(p + 1, "detail", 6) == 0)))
			return mk_kb_fail(s, err, errlen,
			                  "%s: unknown placeholder \"%.20s\" (only {count} and {detail})",
			                  name, p);
	}
	return 0;
}

static int build_rule(struct mk_kb *kb, struct mk_kb_stanza *s, struct mk_kb_arena *ar,
                      struct alert_types *at, struct mk_ev_rule *rule, char *err, size_t errlen)
{
	const char *all;

	rule->id = s->id;
	if (parse_matches(s, ar, at, rule, err, errlen))
		return -1;
	if ((all = mk_kb_get(s, "all")) != NULL) {
		if (strcmp(all, "yes") != 0 && strcmp(all, "no") != 0)
			return mk_kb_fail(s, err, errlen, "all: \"%s\" is not yes or no", all);
		rule->all = strcmp(all, "yes") == 0;
	}
	if (parse_suggest(s, ar, kb, rule, err, errlen) ||
	    mk_kb_text(s, "text", true, &rule->text, err, errlen) ||
	    check_placeholders(s, "text.ja", rule->text.ja, err, errlen) ||
	    check_placeholders(s, "text.en", rule->text.en, err, errlen) ||
	    mk_kb_origin(s, ar, kb, &rule->origin, err, errlen))
		return -1;
	return 0;
}

int mk_ev_build(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	struct alert_types at = {0};
	size_t n = 0;
	int rc = 0;

	kb->rules = NULL;
	kb->n_rules = 0;
	for (size_t i = 0; i < doc->n; i++)
		n += mk_ev_kind(doc->v[i].kind);
	if (n == 0)
		return 0;
	kb->rules = mk_kb_alloc(doc->arena, n * sizeof(*kb->rules));
	if (kb->rules == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < doc->n; i++) {
		if (!mk_ev_kind(doc->v[i].kind))
			continue;
		rc = build_rule(kb, &doc->v[i], doc->arena, &at, &kb->rules[kb->n_rules], err,
		                errlen);
		if (rc == 0)
			kb->n_rules++;
	}
	alert_types_free(&at);
	if (rc != 0) {
		kb->rules = NULL;
		kb->n_rules = 0;
	}
	return rc;
}

void mk_ev_free(struct mk_kb *kb)
{
	/* the rules live in the knowledge base's arena */
	if (kb != NULL) {
		kb->rules = NULL;
		kb->n_rules = 0;
	}
}

/* ------------------------------------------------------------ evaluating */

struct ev_acc {
	struct mk_ev_item items[MK_EV_MAX_ITEMS];
	size_t n, count;
	bool *seen; /* per report asset: already an item of this rule */
};

struct ev_ctx {
	const struct mk_report *r;
	struct mk_report_index *ix;
	struct ev_acc acc;
};

/* Case-insensitive (ASCII) search. */
static bool contains_ci(const char *hay, const char *needle)
{
	return hay != NULL && strcasestr(hay, needle) != NULL;
}

static bool starts_ci(const char *s, const char *prefix)
{
	return s != NULL && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static bool has_role(const struct mk_asset_rec *a, uint32_t mask, int min)
{
	for (size_t k = 0; k < a->n_roles; k++)
		if (a->roles[k].role < 32 && (mask & (1u << a->roles[k].role)) &&
		    a->roles[k].confidence >= min)
			return true;
	return false;
}

/* The address a device is shown by: an IPv4 address, else another IP, else
 * its MAC. */
static void asset_address(const struct mk_asset_rec *a, char buf[MK_ADDR_STRLEN])
{
	const struct mk_addr *best = NULL;

	for (size_t k = 0; k < a->n_ips && best == NULL; k++)
		if (a->ips[k].family == MK_AF_INET)
			best = &a->ips[k];
	if (best == NULL && a->n_ips > 0)
		best = &a->ips[0];
	if (best == NULL && a->mac.family == MK_AF_MAC)
		best = &a->mac;
	if (best != NULL)
		mk_addr_str(best, buf);
	else
		buf[0] = '\0';
}

/* "192.168.1.20 PRN-01 (Brother industries, LTD.)" */
static void asset_describe(const struct mk_asset_rec *a, char *buf, size_t n)
{
	char addr[MK_ADDR_STRLEN];
	const char *name = a->n_names > 0 && a->names[0].name != NULL ? a->names[0].name : NULL;

	asset_address(a, addr);
	snprintf(buf, n, "%s%s%s%s%s%s", addr, name ? " " : "", name ? name : "",
	         a->vendor ? " (" : "", a->vendor ? a->vendor : "", a->vendor ? ")" : "");
}

static void conv_describe(const struct mk_conv_rec *c, char *buf, size_t n)
{
	char cl[MK_ADDR_STRLEN], sv[MK_ADDR_STRLEN], port[8] = "";

	mk_addr_str(&c->client, cl);
	mk_addr_str(&c->server, sv);
	if (c->port != 0)
		snprintf(port, sizeof(port), ":%u", (unsigned)c->port);
	snprintf(buf, n, "%s %s \xe2\x86\x92 %s%s", mk_proto_id_name(c->proto), cl, sv, port);
}

/* Adds one observation.  ai: the device's index in r->assets or (size_t)-1;
 * per_device: counted once per device in the rule. */
static void add_item(struct ev_ctx *x, size_t ai, const char *address, const char *detail,
                     uint64_t first, uint64_t last, bool per_device)
{
	struct ev_acc *acc = &x->acc;
	struct mk_ev_item *it;

	if (per_device && ai != (size_t)-1) {
		if (acc->seen[ai])
			return;
		acc->seen[ai] = true;
	}
	acc->count++;
	if (acc->n >= MK_EV_MAX_ITEMS)
		return;
	it = &acc->items[acc->n++];
	memset(it, 0, sizeof(*it));
	if (ai != (size_t)-1)
		mk_text_sanitize(it->asset, sizeof(it->asset), x->r->assets[ai].id,
		                 strlen(x->r->assets[ai].id));
	mk_text_sanitize(it->address, sizeof(it->address), address, strlen(address));
	mk_text_sanitize(it->detail, sizeof(it->detail), detail, strlen(detail));
	it->first_ns = first;
	it->last_ns = last;
}

static void add_asset(struct ev_ctx *x, size_t ai, const char *what)
{
	const struct mk_asset_rec *a = &x->r->assets[ai];
	char addr[MK_ADDR_STRLEN], desc[512];

	asset_address(a, addr);
	if (what != NULL)
		snprintf(desc, sizeof(desc), "%s %s", addr, what);
	else
		asset_describe(a, desc, sizeof(desc));
	add_item(x, ai, addr, desc, a->first_ns, a->last_ns, true);
}

static bool external(const struct mk_addr *a)
{
	return (a->family == MK_AF_INET || a->family == MK_AF_INET6) && !mk_addr_is_private(a) &&
	       !mk_addr_is_special(a);
}

static size_t asset_of(const struct ev_ctx *x, const struct mk_addr *a)
{
	return a->family == MK_AF_NONE ? (size_t)-1 : mk_report_asset_of(x->ix, a);
}

/* The end of a pair that is "ours": a device of the ledger, the one not on
 * the internet first (plants that number their machines from public ranges
 * still have devices), the client before the server. */
static size_t local_end(const struct ev_ctx *x, const struct mk_addr *c, const struct mk_addr *s,
                        const struct mk_addr **which)
{
	const struct mk_addr *order[4] = {c, s, c, s};
	size_t ai;

	for (int k = 0; k < 4; k++) {
		if (k < 2 && external(order[k]))
			continue;
		if ((ai = asset_of(x, order[k])) != (size_t)-1) {
			*which = order[k];
			return ai;
		}
	}
	*which = !external(c) || external(s) ? c : s;
	return (size_t)-1;
}

static bool peer_ok(enum mk_ev_peer peer, const struct mk_addr *c, const struct mk_addr *s)
{
	bool cp = external(c), sp = external(s);

	switch (peer) {
	case MK_EV_PEER_EXTERNAL:
		return cp != sp;
	case MK_EV_PEER_INTERNAL:
		return !cp && !sp;
	default:
		return true;
	}
}

/* role= and except_role= on the device an observation is about. */
static bool filter_ok(const struct ev_ctx *x, const struct mk_ev_match *m, size_t ai)
{
	const struct mk_asset_rec *a = ai != (size_t)-1 ? &x->r->assets[ai] : NULL;

	if (m->kind == MK_EV_FLAT)
		return true;
	if (m->except_roles != 0 && a != NULL && has_role(a, m->except_roles, m->min_confidence))
		return false;
	if (m->roles == 0 || m->kind == MK_EV_ROLE)
		return true;
	return a != NULL && has_role(a, m->roles, m->min_confidence);
}

static bool mac_excepted(const struct mk_ev_match *m, const struct mk_addr *mac)
{
	for (size_t i = 0; i < m->n_except_mac; i++)
		if (memcmp(mac->a, m->except_mac[i], m->except_mac_len[i]) == 0)
			return true;
	return false;
}

static bool word_in(const struct mk_ev_match *m, const char *s)
{
	for (size_t i = 0; i < m->n_words; i++)
		if (strcmp(m->words[i], s) == 0)
			return true;
	return false;
}

static void eval_alert(struct ev_ctx *x, const struct mk_ev_match *m)
{
	for (size_t i = 0; i < x->r->n_alerts; i++) {
		const struct mk_alert_rec *al = &x->r->alerts[i];
		const struct mk_addr *mine;
		char cl[MK_ADDR_STRLEN] = "", sv[MK_ADDR_STRLEN] = "", addr[MK_ADDR_STRLEN] = "";
		char detail[512], port[8] = "", what[300] = "";
		size_t ai;

		if (!word_in(m, al->type) || !peer_ok(m->peer, &al->client, &al->server))
			continue;
		if ((m->planned == MK_EV_PLANNED_YES && al->status != MK_ALERT_PLANNED) ||
		    (m->planned == MK_EV_PLANNED_NO && al->status == MK_ALERT_PLANNED))
			continue;
		ai = local_end(x, &al->client, &al->server, &mine);
		if (!filter_ok(x, m, ai))
			continue;
		if (mine->family != MK_AF_NONE)
			mk_addr_str(mine, addr);
		if (al->client.family != MK_AF_NONE)
			mk_addr_str(&al->client, cl);
		if (al->server.family != MK_AF_NONE) {
			mk_addr_str(&al->server, sv);
			if (al->port != 0)
				snprintf(port, sizeof(port), ":%u", (unsigned)al->port);
		} else if (ai != (size_t)-1) {
			/* a device alert (new_device): say what the device is */
			const struct mk_asset_rec *a = &x->r->assets[ai];
			const char *name = a->n_names > 0 ? a->names[0].name : NULL;

			snprintf(what, sizeof(what), "%s%s%s%s%s", name ? " " : "", name ? name : "",
			         a->vendor ? " (" : "", a->vendor ? a->vendor : "",
			         a->vendor ? ")" : "");
		}
		snprintf(detail, sizeof(detail), "%s%s%s%s%s%s%s",
		         al->proto != 0 ? mk_proto_id_name(al->proto) : "", al->proto != 0 ? " " : "",
		         cl, sv[0] ? " \xe2\x86\x92 " : "", sv, port, what);
		add_item(x, ai, addr, trim(detail), al->first_ns, al->last_ns, false);
	}
}

static void eval_role(struct ev_ctx *x, const struct mk_ev_match *m)
{
	for (size_t i = 0; i < x->r->n_assets; i++)
		if (has_role(&x->r->assets[i], m->roles, m->min_confidence) && filter_ok(x, m, i))
			add_asset(x, i, NULL);
}

static void eval_protocol(struct ev_ctx *x, const struct mk_ev_match *m)
{
	for (size_t i = 0; i < x->r->n_convs; i++) {
		const struct mk_conv_rec *c = &x->r->convs[i];
		const struct mk_addr *mine;
		char addr[MK_ADDR_STRLEN] = "", detail[512];
		size_t ai;

		if (c->proto >= MK_PROTO_COUNT || !mk_proto_set_has(&m->protos, c->proto) ||
		    !peer_ok(m->peer, &c->client, &c->server))
			continue;
		if (m->side == MK_EV_SIDE_CLIENT) {
			if (external(&c->client))
				continue;
			mine = &c->client;
			ai = asset_of(x, mine);
		} else if (m->side == MK_EV_SIDE_SERVER) {
			if (external(&c->server))
				continue;
			mine = &c->server;
			ai = asset_of(x, mine);
		} else {
			ai = local_end(x, &c->client, &c->server, &mine);
		}
		/* loopback and multicast are no device of the plant */
		if (mk_addr_is_special(mine) || !filter_ok(x, m, ai))
			continue;
		mk_addr_str(mine, addr);
		conv_describe(c, detail, sizeof(detail));
		add_item(x, ai, addr, detail, c->first_ns, c->last_ns, true);
	}
}

static void eval_assets(struct ev_ctx *x, const struct mk_ev_match *m)
{
	for (size_t i = 0; i < x->r->n_assets; i++) {
		const struct mk_asset_rec *a = &x->r->assets[i];
		const char *hit = NULL;

		if (!filter_ok(x, m, i))
			continue;
		switch (m->kind) {
		case MK_EV_VENDOR:
			for (size_t w = 0; w < m->n_words && hit == NULL; w++)
				if (contains_ci(a->vendor, m->words[w]))
					hit = a->vendor;
			if (hit != NULL)
				add_asset(x, i, NULL);
			continue;
		case MK_EV_HOSTNAME:
			for (size_t k = 0; k < a->n_names && hit == NULL; k++)
				for (size_t w = 0; w < m->n_words && hit == NULL; w++)
					if (starts_ci(a->names[k].name, m->words[w]))
						hit = a->names[k].name;
			break;
		case MK_EV_RANDOM_MAC:
			/* locally administered, unicast: a randomised (private) address */
			if (a->mac.family == MK_AF_MAC && (a->mac.a[0] & 0x02) && !(a->mac.a[0] & 0x01) &&
			    !mac_excepted(m, &a->mac)) {
				char mac[MK_ADDR_STRLEN];

				mk_addr_str(&a->mac, mac);
				add_item(x, i, mac, mac, a->first_ns, a->last_ns, true);
			}
			continue;
		case MK_EV_SNI:
			for (size_t k = 0; k < a->n_names && hit == NULL; k++)
				for (size_t w = 0; w < m->n_words && hit == NULL; w++)
					if (contains_ci(a->names[k].name, m->words[w]))
						hit = a->names[k].name;
			for (size_t k = 0; k < a->n_attrs && hit == NULL; k++)
				if (strcmp(a->attrs[k].key, "tls_sni") == 0)
					for (size_t w = 0; w < m->n_words && hit == NULL; w++)
						if (contains_ci(a->attrs[k].value, m->words[w]))
							hit = a->attrs[k].value;
			break;
		case MK_EV_ATTR:
			for (size_t k = 0; k < a->n_attrs && hit == NULL; k++)
				if (strcmp(a->attrs[k].key, m->attr_key) == 0)
					for (size_t w = 0; w < m->n_words && hit == NULL; w++)
						if (contains_ci(a->attrs[k].value, m->words[w]))
							hit = a->attrs[k].value;
			break;
		default:
			continue;
		}
		if (hit != NULL)
			add_asset(x, i, hit);
	}
}

struct net24 {
	uint32_t net;
	size_t asset;
	struct mk_addr ip;
};

static int net24_cmp(const void *p, const void *q)
{
	const struct net24 *a = p, *b = q;

	if (a->net != b->net)
		return a->net < b->net ? -1 : 1;
	return (a->asset > b->asset) - (a->asset < b->asset);
}

static uint32_t ip4_net(const struct mk_addr *a)
{
	return (uint32_t)a->a[0] << 16 | (uint32_t)a->a[1] << 8 | a->a[2];
}

/* flat A B: devices of role A that share an IPv4 /24 with a device of role B
 * or talk to one directly; one item per A device. */
static int eval_flat(struct ev_ctx *x, const struct mk_ev_match *m)
{
	const struct mk_report *r = x->r;
	struct net24 *nets = NULL;
	size_t n_nets = 0, want = 0, *talk = NULL;
	int rc = -1;

	for (size_t i = 0; i < r->n_assets; i++)
		if (has_role(&r->assets[i], m->roles_b, m->min_confidence))
			want += r->assets[i].n_ips;
	if ((want > 0 && (nets = malloc(want * sizeof(*nets))) == NULL) ||
	    (r->n_assets > 0 && (talk = calloc(r->n_assets, sizeof(*talk))) == NULL))
		goto out;
	for (size_t i = 0; i < r->n_assets; i++) {
		const struct mk_asset_rec *a = &r->assets[i];

		if (!has_role(a, m->roles_b, m->min_confidence))
			continue;
		for (size_t k = 0; k < a->n_ips; k++)
			if (a->ips[k].family == MK_AF_INET && !mk_addr_is_special(&a->ips[k])) {
				nets[n_nets].net = ip4_net(&a->ips[k]);
				nets[n_nets].asset = i;
				nets[n_nets++].ip = a->ips[k];
			}
	}
	if (n_nets > 1)
		qsort(nets, n_nets, sizeof(*nets), net24_cmp);
	for (size_t i = 0; i < r->n_convs; i++) {
		const struct mk_conv_rec *c = &r->convs[i];
		size_t ca = asset_of(x, &c->client), sa = asset_of(x, &c->server);

		if (ca == (size_t)-1 || sa == (size_t)-1 || ca == sa)
			continue;
		if (talk[ca] == 0 && has_role(&r->assets[sa], m->roles_b, m->min_confidence))
			talk[ca] = i + 1;
		if (talk[sa] == 0 && has_role(&r->assets[ca], m->roles_b, m->min_confidence))
			talk[sa] = i + 1;
	}
	for (size_t i = 0; i < r->n_assets; i++) {
		const struct mk_asset_rec *a = &r->assets[i];
		char mine[MK_ADDR_STRLEN], other[MK_ADDR_STRLEN], detail[512] = "";

		/* a device of both kinds (a SCADA server that also uses file
		 * shares) is the control side, not an office PC among them */
		if (!has_role(a, m->roles, m->min_confidence) ||
		    has_role(a, m->roles_b, m->min_confidence))
			continue;
		for (size_t k = 0; k < a->n_ips && detail[0] == '\0'; k++) {
			struct net24 key = {.net = ip4_net(&a->ips[k]), .asset = 0};
			size_t lo = 0, hi = n_nets;

			if (a->ips[k].family != MK_AF_INET || mk_addr_is_special(&a->ips[k]))
				continue;
			while (lo < hi) { /* the first entry of the /24 */
				size_t mid = lo + (hi - lo) / 2;

				if (net24_cmp(&nets[mid], &key) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (; lo < n_nets && nets[lo].net == key.net; lo++)
				if (nets[lo].asset != i) {
					mk_addr_str(&a->ips[k], mine);
					mk_addr_str(&nets[lo].ip, other);
					snprintf(detail, sizeof(detail), "%s \xe2\x86\x94 %s", mine, other);
					break;
				}
		}
		if (detail[0] == '\0' && talk[i] != 0)
			conv_describe(&r->convs[talk[i] - 1], detail, sizeof(detail));
		if (detail[0] == '\0')
			continue;
		asset_address(a, mine);
		add_item(x, i, mine, detail, a->first_ns, a->last_ns, true);
	}
	rc = 0;
out:
	free(nets);
	free(talk);
	return rc;
}

static int eval_match(struct ev_ctx *x, const struct mk_ev_match *m)
{
	switch (m->kind) {
	case MK_EV_ALERT:
		eval_alert(x, m);
		return 0;
	case MK_EV_ROLE:
		eval_role(x, m);
		return 0;
	case MK_EV_PROTOCOL:
		eval_protocol(x, m);
		return 0;
	case MK_EV_FLAT:
		return eval_flat(x, m);
	default:
		eval_assets(x, m);
		return 0;
	}
}

/* The rule's text with {count} and {detail}: the first MK_EV_DETAIL_SHOWN
 * item details, then "and N more". */
static char *render(const struct mk_ev_rule *rule, const struct ev_acc *acc, enum mk_lang lang)
{
	const char *tmpl = lang == MK_LANG_JA ? rule->text.ja : rule->text.en;
	const char *sep = lang == MK_LANG_JA ? "\xe3\x80\x81" : ", ";
	char count[24], list[MK_EV_DETAIL_SHOWN * 170 + 200] = "", more[160] = "", n_more[24];
	const char *names[2] = {"count", "detail"}, *values[2] = {count, list};
	size_t shown = acc->n < MK_EV_DETAIL_SHOWN ? acc->n : MK_EV_DETAIL_SHOWN, len;
	char *out;

	snprintf(count, sizeof(count), "%zu", acc->count);
	for (size_t i = 0; i < shown; i++) {
		len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s", i ? sep : "", acc->items[i].detail);
	}
	if (acc->count > shown) {
		const char *mn[1] = {"n"}, *mv[1] = {n_more};

		snprintf(n_more, sizeof(n_more), "%zu", acc->count - shown);
		mk_detect_render(more, sizeof(more), mk_msg_lang("assess.evidence_more_n", lang), mn, mv,
		                 1);
		len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s", more);
	}
	len = strlen(tmpl) + 4 * strlen(list) + 64;
	if ((out = malloc(len)) == NULL)
		return NULL;
	mk_detect_render(out, len, tmpl, names, values, 2);
	return out;
}

static void free_suggestions(struct mk_assessment *as)
{
	for (size_t i = 0; i < as->n_suggestions; i++) {
		free(as->suggestions[i].items);
		free(as->suggestions[i].text_ja);
		free(as->suggestions[i].text_en);
	}
	free(as->suggestions);
	as->suggestions = NULL;
	as->n_suggestions = 0;
}

static int emit(struct mk_assessment *as, size_t *cap, size_t rule_index,
                const struct mk_ev_rule *rule, const struct ev_acc *acc)
{
	for (size_t k = 0; k < rule->n_suggest; k++) {
		struct mk_suggestion *s;

		if (as->n_suggestions == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			struct mk_suggestion *nv = realloc(as->suggestions, ncap * sizeof(*nv));

			if (nv == NULL)
				return -1;
			as->suggestions = nv;
			*cap = ncap;
		}
		s = &as->suggestions[as->n_suggestions];
		memset(s, 0, sizeof(*s));
		s->rule = rule_index;
		s->key = rule->suggest[k].key;
		s->value = rule->suggest[k].value;
		s->entry = rule->suggest[k].entry;
		s->count = acc->count;
		if (acc->n > 0 && (s->items = malloc(acc->n * sizeof(*s->items))) == NULL)
			return -1;
		as->n_suggestions++; /* counted now: free_suggestions frees a partial one */
		if (acc->n > 0)
			memcpy(s->items, acc->items, acc->n * sizeof(*s->items));
		s->n_items = acc->n;
		s->text_ja = render(rule, acc, MK_LANG_JA);
		s->text_en = render(rule, acc, MK_LANG_EN);
		if (s->text_ja == NULL || s->text_en == NULL)
			return -1;
	}
	return 0;
}

int mk_assess_evidence(struct mk_assessment *as, const struct mk_report *r)
{
	const struct mk_kb *kb = as->kb;
	struct ev_ctx x = {.r = r};
	size_t cap = 0;
	int rc = -1;

	free_suggestions(as);
	if (r == NULL || kb == NULL || kb->n_rules == 0)
		return 0;
	if ((x.ix = mk_report_index_new(r)) == NULL ||
	    (r->n_assets > 0 && (x.acc.seen = calloc(r->n_assets, sizeof(bool))) == NULL))
		goto out;
	for (size_t i = 0; i < kb->n_rules; i++) {
		const struct mk_ev_rule *rule = &kb->rules[i];
		bool failed = false;

		x.acc.n = 0;
		x.acc.count = 0;
		if (r->n_assets > 0)
			memset(x.acc.seen, 0, r->n_assets * sizeof(bool));
		for (size_t k = 0; k < rule->n_matches; k++) {
			size_t before = x.acc.count;

			if (eval_match(&x, &rule->matches[k]))
				goto out;
			if (x.acc.count == before && rule->all)
				failed = true;
		}
		if (x.acc.count > 0 && !failed && emit(as, &cap, i, rule, &x.acc))
			goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		free_suggestions(as);
	free(x.acc.seen);
	mk_report_index_free(x.ix);
	return rc;
}

/* ------------------------------------------------------------ JSON */

void mk_ev_json(struct mk_json *j, const struct mk_assessment *as, const struct mk_suggestion *s)
{
	const struct mk_ev_rule *rule =
	    as->kb != NULL && s->rule < as->kb->n_rules ? &as->kb->rules[s->rule] : NULL;
	size_t n = s->n_items < MK_EV_MAX_ITEMS ? s->n_items : MK_EV_MAX_ITEMS;

	mk_json_begin_object(j);
	mk_json_key(j, "rule");
	mk_json_string(j, rule ? rule->id : NULL);
	mk_kb_json_text(j, "text", &(struct mk_kb_text){s->text_ja, s->text_en});
	mk_json_key(j, "count");
	mk_json_uint(j, s->count);
	mk_json_key(j, "items");
	mk_json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		const struct mk_ev_item *it = &s->items[i];

		/* the fixed-size fields, even when a caller left one unterminated */
		mk_json_begin_object(j);
		mk_json_key(j, "asset");
		if (it->asset[0] != '\0')
			mk_json_stringn(j, it->asset, strnlen(it->asset, sizeof(it->asset)));
		else
			mk_json_null(j);
		mk_json_key(j, "address");
		mk_json_stringn(j, it->address, strnlen(it->address, sizeof(it->address)));
		mk_json_key(j, "detail");
		mk_json_stringn(j, it->detail, strnlen(it->detail, sizeof(it->detail)));
		mk_json_key(j, "first");
		if (it->first_ns != 0)
			mk_json_time(j, it->first_ns);
		else
			mk_json_null(j);
		mk_json_key(j, "last");
		if (it->last_ns != 0)
			mk_json_time(j, it->last_ns);
		else
			mk_json_null(j);
		mk_json_end_object(j);
	}
	mk_json_end_array(j);
	/* extensions: the answer suggested and how sure the rule is */
	mk_json_key(j, "key");
	mk_json_string(j, s->key);
	mk_json_key(j, "value");
	mk_json_string(j, s->value);
	if (rule != NULL) {
		char conf[2] = {rule->origin.confidence, '\0'};

		mk_json_key(j, "confidence");
		mk_json_string(j, conf[0] ? conf : NULL);
		mk_json_key(j, "sources");
		mk_json_begin_array(j);
		for (size_t i = 0; i < rule->origin.n_sources; i++)
			mk_json_string(j, rule->origin.sources[i]);
		mk_json_end_array(j);
	}
	mk_json_end_object(j);
}

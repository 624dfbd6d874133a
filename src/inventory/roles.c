/* roles.c - loads data/rules/roles.tsv: which protocol, spoken as server or
 * client, suggests which asset role (with a confidence and an English reason),
 * plus the router-rule parameters.  The knowledge is in the data file; this is
 * only its reader.
 * specification: our own TSV format, described at the top of data/rules/roles.tsv. */
#include "roles_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/facts.h"
#include "mieruka/util.h"

#define ROLES_MAX_RULES 1024
#define ROLES_MAX_LINE 1024

void mk_role_rules_free(struct mk_role_rules *rr)
{
	if (rr == NULL)
		return;
	for (size_t i = 0; i < rr->n; i++)
		free(rr->rules[i].reason);
	for (size_t i = 0; i < rr->n_op_rules; i++)
		free(rr->op_rules[i].reason);
	for (size_t i = 0; i < rr->n_vendor_rules; i++) {
		free(rr->vendor_rules[i].needle);
		free(rr->vendor_rules[i].reason);
	}
	free(rr->poller.reason);
	free(rr->rules);
	free(rr);
}

static bool add_rule(struct mk_role_rules *rr, char **f)
{
	struct mk_role_rule r;
	unsigned long conf;
	int proto = mk_proto_id_from_name(f[1]);
	int role = mk_role_from_name(f[2]);

	if ((strcmp(f[0], "server") != 0 && strcmp(f[0], "client") != 0) || proto < 0 ||
	    role < 0 || !mk_parse_ulong(f[3], 100, &conf) || f[4][0] == '\0')
		return false;
	if (rr->n == rr->cap) {
		size_t ncap = rr->cap ? rr->cap * 2 : 64;
		struct mk_role_rule *nr;

		if (ncap > ROLES_MAX_RULES)
			return false;
		nr = realloc(rr->rules, ncap * sizeof(*nr));
		if (nr == NULL)
			return false;
		rr->rules = nr;
		rr->cap = ncap;
	}
	r.server = strcmp(f[0], "server") == 0;
	if (r.server && role == MK_ROLE_PLC)
		rr->controller[proto] = true;
	r.proto = (uint16_t)proto;
	r.role = (uint8_t)role;
	r.confidence = (uint8_t)conf;
	r.reason = mk_text_dup(f[4], strlen(f[4]));
	if (r.reason == NULL)
		return false;
	rr->rules[rr->n++] = r;
	return true;
}

static int op_from_name(const char *name)
{
	for (unsigned op = 0; op < MK_OP_COUNT; op++)
		if (strcmp(mk_op_class_name(op), name) == 0)
			return (int)op;
	return -1;
}

/* client_op <op> <role> <confidence> <reason> */
static bool add_op_rule(struct mk_role_rules *rr, char **f)
{
	int op = op_from_name(f[1]), role = mk_role_from_name(f[2]);
	unsigned long conf;
	struct mk_role_op_rule *r;

	if (op < 0 || role < 0 || !mk_parse_ulong(f[3], 100, &conf) || f[4][0] == '\0' ||
	    rr->n_op_rules >= sizeof(rr->op_rules) / sizeof(rr->op_rules[0]))
		return false;
	r = &rr->op_rules[rr->n_op_rules];
	if ((r->reason = mk_text_dup(f[4], strlen(f[4]))) == NULL)
		return false;
	r->op = (uint8_t)op;
	r->role = (uint8_t)role;
	r->confidence = (uint8_t)conf;
	rr->n_op_rules++;
	return true;
}

/* vendor <name part> <role> <confidence> <reason> */
static bool add_vendor_rule(struct mk_role_rules *rr, char **f)
{
	int role = mk_role_from_name(f[2]);
	unsigned long conf;
	struct mk_role_vendor_rule *r;

	if (f[1][0] == '\0' || role < 0 || !mk_parse_ulong(f[3], 100, &conf) || f[4][0] == '\0' ||
	    rr->n_vendor_rules >= sizeof(rr->vendor_rules) / sizeof(rr->vendor_rules[0]))
		return false;
	r = &rr->vendor_rules[rr->n_vendor_rules];
	r->needle = mk_text_dup(f[1], strlen(f[1]));
	r->reason = mk_text_dup(f[4], strlen(f[4]));
	if (r->needle == NULL || r->reason == NULL) {
		free(r->needle);
		free(r->reason);
		return false;
	}
	r->role = (uint8_t)role;
	r->confidence = (uint8_t)conf;
	rr->n_vendor_rules++;
	return true;
}

/* poller <role> <confidence> <reason> */
static bool add_poller(struct mk_role_rules *rr, char **f)
{
	int role = mk_role_from_name(f[1]);
	unsigned long conf;

	if (role < 0 || !mk_parse_ulong(f[2], 100, &conf) || f[3][0] == '\0' || rr->poller.reason != NULL)
		return false;
	if ((rr->poller.reason = mk_text_dup(f[3], strlen(f[3]))) == NULL)
		return false;
	rr->poller.role = (uint8_t)role;
	rr->poller.confidence = (uint8_t)conf;
	return true;
}

struct mk_role_rules *mk_role_rules_load(const char *path, char *err, size_t errlen)
{
	struct mk_role_rules *rr = calloc(1, sizeof(*rr));
	char pbuf[4096], line[ROLES_MAX_LINE];
	int bad = 0;
	FILE *f;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (rr == NULL)
		return NULL;
	if (path == NULL) {
		if (!mk_data_path("rules/roles.tsv", pbuf, sizeof(pbuf))) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "roles: data/rules/roles.tsv not found: no protocol roles");
			return rr;
		}
		path = pbuf;
	}
	if ((f = fopen(path, "r")) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "roles: cannot read %s: no protocol roles", path);
		return rr;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *fld[6];
		size_t n, len = strlen(line);
		unsigned long v;

		if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			bad++;
			continue;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		n = mk_split_tabs(line, fld, 6);
		if (n == 3 && strcmp(fld[0], "set") == 0) {
			if (strcmp(fld[1], "router_min_ips") == 0 && mk_parse_ulong(fld[2], 100000, &v) && v > 0)
				rr->router_min_ips = (uint32_t)v;
			else if (strcmp(fld[1], "router_confidence") == 0 && mk_parse_ulong(fld[2], 100, &v))
				rr->router_confidence = (uint8_t)v;
			else if (strcmp(fld[1], "poller_min_servers") == 0 && mk_parse_ulong(fld[2], 255, &v) &&
			         v >= 2)
				rr->poller_min_servers = (uint32_t)v;
			else
				bad++;
			continue;
		}
		if (n == 5 && strcmp(fld[0], "vendor") == 0) {
			if (!add_vendor_rule(rr, fld))
				bad++;
			continue;
		}
		if (n == 5 && strcmp(fld[0], "client_op") == 0) {
			if (!add_op_rule(rr, fld))
				bad++;
			continue;
		}
		if (n == 2 && strcmp(fld[0], "routine_control") == 0) {
			int proto = mk_proto_id_from_name(fld[1]);

			if (proto < 0)
				bad++;
			else
				rr->routine_control[proto] = true;
			continue;
		}
		if (n == 4 && strcmp(fld[0], "poller") == 0) {
			if (!add_poller(rr, fld))
				bad++;
			continue;
		}
		if (n != 5 || !add_rule(rr, fld))
			bad++;
	}
	fclose(f);
	if (bad > 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "roles: %d malformed lines skipped in %s", bad, path);
	return rr;
}

/* zones.c - `mieruka zones import|export|propose`: the zones and conduits of
 * zone_violation (include/mieruka/zones.h), between a zone file and the
 * database.
 *
 *   import FILE   the file's set replaces the database's (a bad file changes
 *                 nothing and exits 2, naming the line and the reason)
 *   export        prints the database's set in the file format
 *   propose       prints a zone file worked out from what the database shows:
 *                 one zone per IPv4 /24 or IPv6 /64 holding assets, named from
 *                 its devices' roles (data/rules/zones.tsv), the assets as
 *                 comments, and the industrial traffic already seen between
 *                 the zones as commented-out conduits for the user to confirm.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/facts.h"
#include "mieruka/store.h"
#include "mieruka/util.h"
#include "mieruka/zones.h"

#define MAX_KINDS 16

/* ---------------------------------------------------- data/rules/zones.tsv */

struct propose_rules {
	char kind[MAX_KINDS][MK_ZONE_ID_LEN];
	char name[MAX_KINDS][2][64]; /* [MK_LANG_EN], [MK_LANG_JA] */
	size_t n_kinds;
	char fallback[2][64];
	int8_t role_kind[MK_ROLE_COUNT]; /* -1: none */
	bool conduit_proto[MK_PROTO_COUNT];
};

static bool rules_line(struct propose_rules *pr, char *line)
{
	char *f[5];
	size_t n = mk_split_tabs(line, f, 5);
	int a;

	if (n == 4 && strcmp(f[0], "kind") == 0 && pr->n_kinds < MAX_KINDS &&
	    strlen(f[1]) + 4 < MK_ZONE_ID_LEN) {
		snprintf(pr->kind[pr->n_kinds], MK_ZONE_ID_LEN, "%s", f[1]);
		snprintf(pr->name[pr->n_kinds][MK_LANG_EN], 64, "%s", f[2]);
		snprintf(pr->name[pr->n_kinds][MK_LANG_JA], 64, "%s", f[3]);
		pr->n_kinds++;
		return true;
	}
	if (n == 3 && strcmp(f[0], "fallback") == 0) {
		snprintf(pr->fallback[MK_LANG_EN], 64, "%s", f[1]);
		snprintf(pr->fallback[MK_LANG_JA], 64, "%s", f[2]);
		return true;
	}
	if (n == 3 && strcmp(f[0], "role") == 0 && (a = mk_role_from_name(f[1])) >= 0) {
		for (size_t k = 0; k < pr->n_kinds; k++)
			if (strcmp(pr->kind[k], f[2]) == 0) {
				pr->role_kind[a] = (int8_t)k;
				return true;
			}
		return false;
	}
	if (n == 2 && strcmp(f[0], "conduit_proto") == 0 &&
	    (a = mk_proto_id_from_name(f[1])) >= 0) {
		pr->conduit_proto[a] = true;
		return true;
	}
	return false;
}

static int rules_load(struct propose_rules *pr)
{
	char path[1024], line[1024];
	unsigned lineno = 0;
	FILE *f;

	memset(pr, 0, sizeof(*pr));
	memset(pr->role_kind, -1, sizeof(pr->role_kind));
	snprintf(pr->fallback[MK_LANG_EN], 64, "network");
	snprintf(pr->fallback[MK_LANG_JA], 64, "network");
	if (!mk_data_path("rules/zones.tsv", path, sizeof(path)) ||
	    (f = fopen(path, "r")) == NULL) {
		mk_error("data file rules/zones.tsv not found (set MIERUKA_DATA)");
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (!rules_line(pr, line))
			mk_warn("%s:%u: malformed line skipped", path, lineno);
	}
	fclose(f);
	return 0;
}

/* ------------------------------------------------------------- proposal */

struct group {
	struct mk_addr net; /* the /24 or /64 */
	uint8_t len;
	size_t first, n; /* range of the sorted member list */
	int kind;        /* index into the rules' kinds, -1: fallback */
	char id[MK_ZONE_ID_LEN];
};

struct member {
	struct mk_addr net;
	struct mk_addr ip;
	size_t asset;
};

/* The address an asset is grouped by: its first usable IPv4 address, else its
 * first global or unique-local IPv6 address (link-local ones are on every
 * link, so they say nothing about where a device is). */
static bool group_addr(const struct mk_asset_rec *a, struct mk_addr *ip)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < a->n_ips; k++) {
			const struct mk_addr *x = &a->ips[k];

			if (mk_addr_is_special(x))
				continue;
			if (pass == 0 && x->family == MK_AF_INET &&
			    !(x->a[0] == 169 && x->a[1] == 254)) {
				*ip = *x;
				return true;
			}
			if (pass == 1 && x->family == MK_AF_INET6 &&
			    !(x->a[0] == 0xfe && (x->a[1] & 0xc0) == 0x80)) {
				*ip = *x;
				return true;
			}
		}
	return false;
}

static int member_cmp(const void *x, const void *y)
{
	const struct member *a = x, *b = y;
	int c = mk_addr_cmp(&a->net, &b->net);

	return c != 0 ? c : mk_addr_cmp(&a->ip, &b->ip);
}

/* The printable form of untrusted record text, one line, cut. */
static void safe(char *out, size_t len, const char *s)
{
	mk_text_sanitize(out, len, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
	if (out[0] == '\0')
		snprintf(out, len, "-");
}

static void print_asset(FILE *f, const struct mk_asset_rec *a, const struct mk_addr *ip)
{
	char ipb[MK_ADDR_STRLEN], mac[MK_ADDR_STRLEN] = "-", vendor[64], name[80], key[64];

	if (a->mac.family == MK_AF_MAC)
		mk_addr_str(&a->mac, mac);
	safe(vendor, sizeof(vendor), a->vendor);
	safe(name, sizeof(name), a->n_names > 0 ? a->names[0].name : NULL);
	snprintf(key, sizeof(key), "role.%s",
	         a->n_roles > 0 ? mk_role_name(a->roles[0].role) : "unknown");
	fprintf(f, "#   %-15s  %-17s  %s  %s  %s\n", mk_addr_str(ip, ipb), mac, mk_msg(key), vendor,
	        name);
}

struct seen {
	size_t from, to;
	uint16_t proto, port;
	uint8_t transport;
	uint64_t flows;
	struct mk_addr client, server; /* an example */
};

static int seen_cmp(const void *x, const void *y)
{
	const struct seen *a = x, *b = y;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

/* Commented-out conduits for the industrial traffic seen between zones. */
static int propose_conduits(FILE *out, const struct propose_rules *pr, const struct mk_report *r,
                            const struct mk_zones *z)
{
	struct mk_zones_map *m = mk_zones_map_new(z, r->assets, r->n_assets);
	struct seen *v = calloc(r->n_convs + 1, sizeof(*v));
	size_t n = 0;

	if (m == NULL || v == NULL) {
		mk_zones_map_free(m);
		free(v);
		return -1;
	}
	for (size_t i = 0; i < r->n_convs; i++) {
		const struct mk_conv_rec *c = &r->convs[i];
		int zc, zs;

		if (c->proto >= MK_PROTO_COUNT || !pr->conduit_proto[c->proto] ||
		    (zc = mk_zones_map_addr(m, &c->client)) < 0 ||
		    (zs = mk_zones_map_addr(m, &c->server)) < 0 || zc == zs)
			continue;
		v[n] = (struct seen){
		    (size_t)zc,   (size_t)zs,
		    c->proto,     c->transport == 6 || c->transport == 17 ? c->port : 0,
		    c->transport, c->flows > 0 ? c->flows : 1,
		    c->client,    c->server};
		n++;
	}
	mk_zones_map_free(m);
	qsort(v, n, sizeof(*v), seen_cmp);
	fprintf(out, "\n# %s\n", mk_msg("zones.propose.conduits"));
	if (n == 0)
		fprintf(out, "# %s\n", mk_msg("zones.propose.no_conduits"));
	for (size_t i = 0; i < n;) {
		size_t j = i;

		/* one line per pair of zones and service, with an example pair */
		while (j < n && seen_cmp(&v[i], &v[j]) == 0)
			j++;
		{
			uint64_t flows = 0;
			char cl[MK_ADDR_STRLEN], sv[MK_ADDR_STRLEN], svc[64];

			for (size_t k = i; k < j; k++)
				flows += v[k].flows;
			if (v[i].port != 0)
				snprintf(svc, sizeof(svc), "%s/%u", mk_proto_id_name(v[i].proto),
				         v[i].port);
			else
				snprintf(svc, sizeof(svc), "%s", mk_proto_id_name(v[i].proto));
			fprintf(out, "# conduit\t%s\t%s\t%s\t# %s -> %s, %llu %s\n",
			        mk_zones_id(z, v[i].from), mk_zones_id(z, v[i].to), svc,
			        mk_addr_str(&v[i].client, cl), mk_addr_str(&v[i].server, sv),
			        (unsigned long long)flows, mk_msg("zones.propose.connections"));
		}
		i = j;
	}
	free(v);
	return 0;
}

static int propose(FILE *out, const struct propose_rules *pr, const struct mk_report *r)
{
	struct member *mv = calloc(r->n_assets + 1, sizeof(*mv));
	struct group *gv = calloc(r->n_assets + 1, sizeof(*gv));
	struct mk_zones *z = mk_zones_new();
	unsigned counter[MAX_KINDS + 1] = {0};
	enum mk_lang lang = mk_i18n_lang();
	size_t nm = 0, ng = 0, skipped = 0;
	int rc = -1;

	if (mv == NULL || gv == NULL || z == NULL)
		goto out;
	for (size_t i = 0; i < r->n_assets; i++) {
		struct mk_addr ip;
		unsigned len;

		if (!group_addr(&r->assets[i], &ip))
			continue;
		len = ip.family == MK_AF_INET ? 24 : 64;
		mv[nm].ip = ip;
		mv[nm].net = ip;
		/* keep the first len bits: /24 and /64 end on byte boundaries */
		memset(mv[nm].net.a + len / 8, 0, sizeof(ip.a) - len / 8);
		mv[nm].asset = i;
		nm++;
	}
	qsort(mv, nm, sizeof(*mv), member_cmp);
	for (size_t i = 0; i < nm; i++) {
		if (ng > 0 && mk_addr_eq(&gv[ng - 1].net, &mv[i].net)) {
			gv[ng - 1].n++;
			continue;
		}
		gv[ng].net = mv[i].net;
		gv[ng].len = mv[i].net.family == MK_AF_INET ? 24 : 64;
		gv[ng].first = i;
		gv[ng].n = 1;
		ng++;
	}
	if (ng > MK_ZONES_MAX_ZONES) {
		skipped = ng - MK_ZONES_MAX_ZONES;
		ng = MK_ZONES_MAX_ZONES;
	}

	fprintf(out, "# %s\n", mk_msg("zones.propose.header"));
	if (ng == 0)
		fprintf(out, "# %s\n", mk_msg("zones.propose.no_assets"));
	for (size_t g = 0; g < ng; g++) {
		struct group *gr = &gv[g];
		unsigned count[MAX_KINDS] = {0}, best = 0;
		char net[MK_ADDR_STRLEN], line[MK_ZONES_MAX_LINE], why[512];
		const char *name;

		gr->kind = -1;
		for (size_t k = gr->first; k < gr->first + gr->n; k++) {
			const struct mk_asset_rec *a = &r->assets[mv[k].asset];

			if (a->n_roles > 0 && a->roles[0].role < MK_ROLE_COUNT &&
			    pr->role_kind[a->roles[0].role] >= 0)
				count[pr->role_kind[a->roles[0].role]]++;
		}
		for (size_t k = 0; k < pr->n_kinds; k++)
			if (count[k] > best) {
				best = count[k];
				gr->kind = (int)k;
			}
		name = gr->kind >= 0 ? pr->name[gr->kind][lang] : pr->fallback[lang];
		{
			/* kind ids are short (rules_line), the counter <= 256: it fits */
			char id[MK_ZONE_ID_LEN + 16];

			snprintf(id, sizeof(id), "%s-%u",
			         gr->kind >= 0 ? pr->kind[gr->kind] : "net",
			         ++counter[gr->kind >= 0 ? gr->kind : MAX_KINDS]);
			memcpy(gr->id, id, sizeof(gr->id) - 1);
			gr->id[sizeof(gr->id) - 1] = '\0';
		}
		mk_addr_str(&gr->net, net);
		fprintf(out, "\n");
		/* Through the parser: what is printed is what import accepts. */
		snprintf(line, sizeof(line), "zone\t%s\t%s %s/%u", gr->id, name, net, gr->len);
		if (mk_zones_parse_line(z, line, why, sizeof(why)) != 0)
			goto bad_line;
		fprintf(out, "%s\n", line);
		snprintf(line, sizeof(line), "subnet\t%s\t%s/%u", gr->id, net, gr->len);
		if (mk_zones_parse_line(z, line, why, sizeof(why)) != 0)
			goto bad_line;
		fprintf(out, "%s\n", line);
		fprintf(out, "# %s (%zu):\n", mk_msg("zones.propose.devices"), gr->n);
		for (size_t k = gr->first; k < gr->first + gr->n; k++)
			print_asset(out, &r->assets[mv[k].asset], &mv[k].ip);
		continue;
	bad_line:
		mk_error("zones propose: %s (%s)", why, line);
		goto out;
	}
	if (skipped > 0)
		fprintf(out, "\n# %s: %zu\n", mk_msg("zones.propose.skipped"), skipped);
	rc = propose_conduits(out, pr, r, z);
out:
	free(mv);
	free(gv);
	mk_zones_free(z);
	return rc;
}

int mk_zones_propose(FILE *out, const struct mk_report *r)
{
	struct propose_rules pr;

	if (rules_load(&pr) != 0)
		return -1;
	return propose(out, &pr, r);
}

/* ------------------------------------------------------------- commands */

static int open_existing(const char *db, struct mk_store **st)
{
	char err[512] = "";

	if (access(db, F_OK) != 0) {
		mk_error("%s: %s", db, mk_msg("cli.no_database"));
		return -1;
	}
	if (mk_store_sqlite.open(st, db, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		return -1;
	}
	return 0;
}

static int cmd_import(const char *db, const char *file)
{
	struct mk_store *st = NULL;
	struct mk_zones *z;
	char err[1024] = "";
	int rc = MK_EXIT_OK;

	if ((z = mk_zones_load(file, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mieruka zones: %s\n", err);
		return MK_EXIT_USAGE;
	}
	if (mk_store_sqlite.open(&st, db, err, sizeof(err)) != 0) {
		mk_error("%s", err);
		mk_zones_free(z);
		return MK_EXIT_INPUT;
	}
	if (mk_store_sqlite.begin(st) != 0 || mk_store_sqlite.put_zones(st, z) != 0 ||
	    mk_store_sqlite.commit(st) != 0) {
		mk_error("%s", mk_store_sqlite.error(st));
		mk_store_sqlite.rollback(st);
		rc = MK_EXIT_INPUT;
	} else {
		printf("%s: %zu %s, %zu %s, %zu %s\n", db, mk_zones_count(z),
		       mk_msg("zones.import.zones"), mk_zones_n_members(z),
		       mk_msg("zones.import.members"), mk_zones_n_conduits(z),
		       mk_msg("zones.import.conduits"));
	}
	mk_store_sqlite.close(st);
	mk_zones_free(z);
	return rc;
}

static int cmd_export(const char *db)
{
	struct mk_store *st = NULL;
	struct mk_zones *z = NULL;
	int rc = MK_EXIT_OK;

	if (open_existing(db, &st) != 0)
		return MK_EXIT_INPUT;
	if (mk_store_sqlite.get_zones(st, &z) != 0) {
		mk_error("%s", mk_store_sqlite.error(st));
		rc = MK_EXIT_INPUT;
	} else {
		printf("# %s %s\n", mk_msg("zones.export.header"), db);
		if (mk_zones_count(z) == 0)
			printf("# %s\n", mk_msg("zones.export.none"));
		if (mk_zones_write(stdout, z) != 0 || fflush(stdout) != 0)
			rc = MK_EXIT_INPUT;
	}
	mk_zones_free(z);
	mk_store_sqlite.close(st);
	return rc;
}

static int cmd_propose(const char *db)
{
	struct propose_rules pr;
	struct mk_store *st = NULL;
	struct mk_report r;
	int rc = MK_EXIT_OK;

	if (rules_load(&pr) != 0)
		return MK_EXIT_INPUT;
	if (open_existing(db, &st) != 0)
		return MK_EXIT_INPUT;
	if (mk_report_load(st, &r) != 0) {
		mk_report_free(&r);
		mk_store_sqlite.close(st);
		return MK_EXIT_INPUT;
	}
	if (propose(stdout, &pr, &r) != 0 || fflush(stdout) != 0) {
		mk_error("zones propose: out of memory or output error");
		rc = MK_EXIT_INPUT;
	}
	mk_report_free(&r);
	mk_store_sqlite.close(st);
	return rc;
}

int mk_cmd_zones(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"lang", required_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *db = "mieruka.db", *sub;
	int opt;

	/* Options may come before or after the subcommand (getopt permutes). */
	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'L':
			if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0) {
				mk_usage_error("zones", "--lang takes ja or en, not '%s'", optarg);
				return MK_EXIT_USAGE;
			}
			mk_i18n_set_lang(strcmp(optarg, "ja") == 0 ? MK_LANG_JA : MK_LANG_EN);
			break;
		case 'h': return mk_cmd_help(2, (char *[]){"help", "zones", NULL});
		default: fprintf(stderr, "%s\n", mk_msg("cli.see_help")); return MK_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		mk_usage_error("zones", "%s", mk_msg("zones.usage.unknown"));
		return MK_EXIT_USAGE;
	}
	sub = argv[optind];
	argc -= optind + 1; /* the words after the subcommand */
	argv += optind + 1;
	if (strcmp(sub, "help") == 0)
		return mk_cmd_help(2, (char *[]){"help", "zones", NULL});
	if (strcmp(sub, "import") == 0) {
		if (argc != 1) {
			mk_usage_error("zones", "%s", mk_msg("zones.usage.import"));
			return MK_EXIT_USAGE;
		}
		return cmd_import(db, argv[0]);
	}
	if (argc != 0) {
		mk_usage_error("zones", "%s: %s", mk_msg("zones.usage.extra"), argv[0]);
		return MK_EXIT_USAGE;
	}
	if (strcmp(sub, "export") == 0)
		return cmd_export(db);
	if (strcmp(sub, "propose") == 0)
		return cmd_propose(db);
	mk_usage_error("zones", "%s: %s", mk_msg("zones.usage.unknown"), sub);
	return MK_EXIT_USAGE;
}

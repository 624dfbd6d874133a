/* zones.c - the zone file format, the zone set, and which zone holds an address.
 *
 * specification: our own line format, documented with an example in
 * data/examples/zones.conf:
 *   zone     ID [NAME...]             NAME = the rest of the line (UTF-8), default ID
 *   subnet   ID ADDRESS[/PREFIX]      IPv4 or IPv6 network (host bits must be zero)
 *   vlan     ID VLAN                  802.1Q id 1-4094: the devices that sent from it
 *   asset    ID MAC|IP|ASSET-ID       one device ("m-001b1b123456" / "i-10.1.2.3" ids too)
 *   conduit  FROM TO [SERVICE...]     clients in FROM may reach servers in TO; SERVICE =
 *                                     PROTO, PROTO/PORT, tcp, udp, tcp/PORT, udp/PORT;
 *                                     no service = any traffic
 * Words are separated by spaces or TABs; '#' at the start of a word starts a
 * comment.  A zone must be defined before a line uses it.  The file is
 * configuration written by people, so every error names the line and the
 * reason, in the reader's language (messages.tsv zones.err.*), and a bad file
 * is refused as a whole.
 *
 * Bounds: MK_ZONES_MAX_* in zones.h; lines longer than MK_ZONES_MAX_LINE are
 * an error, never cut.
 */
#include "mieruka/zones.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/facts.h"
#include "mieruka/util.h"

#define MAX_WORDS (3 + MK_ZONES_MAX_SERVICES)
#define ANY_PROTO (-1)

enum member_kind { MEMBER_SUBNET, MEMBER_VLAN, MEMBER_ASSET };

static const char *const kind_names[] = {"subnet", "vlan", "asset"};

struct zone {
	char id[MK_ZONE_ID_LEN];
	char name[MK_ZONE_NAME_LEN];
};

struct member {
	uint16_t zone;
	uint8_t kind;   /* enum member_kind */
	uint8_t prefix; /* subnet */
	uint16_t vlan;
	struct mk_addr addr; /* subnet network (host bits zero) or the asset's address */
};

struct service {
	int16_t proto;     /* enum mk_proto_id, ANY_PROTO */
	uint8_t transport; /* 0 any, 6, 17 */
	uint16_t port;     /* 0 any */
};

struct conduit {
	uint16_t from, to;
	uint8_t n; /* 0: any traffic */
	struct service s[MK_ZONES_MAX_SERVICES];
};

struct mk_zones {
	struct zone *zones;
	size_t n_zones, cap_zones;
	struct member *members;
	size_t n_members, cap_members;
	struct conduit *conduits;
	size_t n_conduits, cap_conduits;
};

struct mk_zones *mk_zones_new(void)
{
	return calloc(1, sizeof(struct mk_zones));
}

void mk_zones_free(struct mk_zones *z)
{
	if (z == NULL)
		return;
	free(z->zones);
	free(z->members);
	free(z->conduits);
	free(z);
}

size_t mk_zones_count(const struct mk_zones *z)
{
	return z != NULL ? z->n_zones : 0;
}

const char *mk_zones_id(const struct mk_zones *z, size_t zone)
{
	return zone < mk_zones_count(z) ? z->zones[zone].id : "";
}

const char *mk_zones_name(const struct mk_zones *z, size_t zone)
{
	return zone < mk_zones_count(z) ? z->zones[zone].name : "";
}

int mk_zones_find(const struct mk_zones *z, const char *id)
{
	for (size_t i = 0; i < mk_zones_count(z); i++)
		if (strcmp(z->zones[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------- helpers */

static bool grow(void **v, size_t *cap, size_t n, size_t elem, size_t max)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > max)
		ncap = max;
	if (ncap <= n || (nv = realloc(*v, ncap * elem)) == NULL)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

static size_t addr_len(uint8_t family)
{
	return family == MK_AF_INET ? 4 : family == MK_AF_INET6 ? 16 : family == MK_AF_MAC ? 6 : 0;
}

/* Zeroes the bytes the family does not use, so comparisons are exact. */
static struct mk_addr addr_norm(const struct mk_addr *a)
{
	struct mk_addr n = *a;
	size_t len = addr_len(n.family);

	if (len == 0)
		n.family = MK_AF_NONE;
	memset(n.a + len, 0, sizeof(n.a) - len);
	return n;
}

/* The first len bits of a (IPv4/IPv6), the rest zero. */
static struct mk_addr addr_mask(const struct mk_addr *a, unsigned len)
{
	struct mk_addr m = addr_norm(a);
	size_t bytes = addr_len(m.family);

	for (size_t i = 0; i < bytes; i++) {
		unsigned bit = (unsigned)i * 8;

		if (bit >= len)
			m.a[i] = 0;
		else if (bit + 8 > len)
			m.a[i] &= (uint8_t)(0xff00u >> (len - bit));
	}
	return m;
}

/* "reason: word" in why. */
static int reason(char *why, size_t whylen, const char *key, const char *word)
{
	if (why != NULL && whylen > 0) {
		if (word != NULL && word[0] != '\0') {
			char safe[160];

			/* the word is from the file: keep the message printable */
			mk_text_sanitize(safe, sizeof(safe), word, strlen(word));
			snprintf(why, whylen, "%s: %s", mk_msg(key), safe);
		} else {
			snprintf(why, whylen, "%s", mk_msg(key));
		}
	}
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* The next word of *p (NUL-terminated in place), or NULL at the end. */
static char *next_word(char **p)
{
	char *s = *p, *w;

	while (is_space(*s))
		s++;
	if (*s == '\0') {
		*p = s;
		return NULL;
	}
	w = s;
	while (*s != '\0' && !is_space(*s))
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return w;
}

static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= MK_ZONE_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* Valid UTF-8 without control characters: sanitizing changes nothing.  A
 * literal '?' stays '?', so comparing is exact. */
static bool text_ok(const char *s)
{
	char buf[MK_ZONES_MAX_LINE];
	size_t n = strlen(s);

	if (n >= sizeof(buf))
		return false;
	mk_text_sanitize(buf, sizeof(buf), s, n);
	return strcmp(buf, s) == 0;
}

static int zone_ref(const struct mk_zones *z, const char *id, char *why, size_t whylen)
{
	int i = mk_zones_find(z, id);

	if (i < 0)
		reason(why, whylen, "zones.err.unknown_zone", id);
	return i;
}

/* ----------------------------------------------------------- the lines */

static int line_zone(struct mk_zones *z, char *id, char *rest, char *why, size_t whylen)
{
	struct zone *zn;
	char *end;

	if (id == NULL)
		return reason(why, whylen, "zones.err.fields", "zone");
	if (!id_ok(id))
		return reason(why, whylen, "zones.err.id", id);
	if (mk_zones_find(z, id) >= 0)
		return reason(why, whylen, "zones.err.dup_zone", id);
	/* The name is the rest of the line: inner spaces belong to it. */
	while (is_space(*rest))
		rest++;
	end = rest + strlen(rest);
	while (end > rest && is_space(end[-1]))
		*--end = '\0';
	for (char *p = rest; *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	if (!text_ok(rest))
		return reason(why, whylen, "zones.err.text", NULL);
	if (strlen(rest) >= MK_ZONE_NAME_LEN)
		return reason(why, whylen, "zones.err.name", NULL);
	if (z->n_zones >= MK_ZONES_MAX_ZONES)
		return reason(why, whylen, "zones.err.too_many", "zone");
	if (!grow((void **)&z->zones, &z->cap_zones, z->n_zones, sizeof(*z->zones),
	          MK_ZONES_MAX_ZONES))
		return reason(why, whylen, "zones.err.nomem", NULL);
	zn = &z->zones[z->n_zones];
	memset(zn, 0, sizeof(*zn));
	snprintf(zn->id, sizeof(zn->id), "%s", id);
	snprintf(zn->name, sizeof(zn->name), "%s", rest[0] != '\0' ? rest : id);
	z->n_zones++;
	return 0;
}

static bool parse_subnet(const char *text, struct member *m, char *why, size_t whylen)
{
	char buf[80];
	char *slash;
	unsigned long len;
	struct mk_addr net;
	size_t bits;

	if (strlen(text) >= sizeof(buf)) {
		reason(why, whylen, "zones.err.subnet", text);
		return false;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (!mk_addr_parse(&m->addr, buf) ||
	    (m->addr.family != MK_AF_INET && m->addr.family != MK_AF_INET6)) {
		reason(why, whylen, "zones.err.subnet", text);
		return false;
	}
	m->addr = addr_norm(&m->addr);
	bits = addr_len(m->addr.family) * 8;
	len = bits;
	if (slash != NULL && !mk_parse_ulong(slash + 1, bits, &len)) {
		reason(why, whylen, "zones.err.prefix", text);
		return false;
	}
	m->prefix = (uint8_t)len;
	net = addr_mask(&m->addr, (unsigned)len);
	if (!mk_addr_eq(&net, &m->addr)) {
		char suggest[MK_ADDR_STRLEN + 8], a[MK_ADDR_STRLEN];

		snprintf(suggest, sizeof(suggest), "%s/%lu", mk_addr_str(&net, a), len);
		reason(why, whylen, "zones.err.host_bits", suggest);
		return false;
	}
	return true;
}

static bool parse_asset(const char *text, struct member *m)
{
	struct mk_addr a;

	/* Asset ids of the ledger: "m-" + 12 hex digits, "i-" + an IP address. */
	if (strncmp(text, "i-", 2) == 0) {
		if (!mk_addr_parse(&a, text + 2) || a.family == MK_AF_MAC)
			return false;
	} else if (strncmp(text, "m-", 2) == 0) {
		uint8_t mac[6];

		if (strlen(text) != 14)
			return false;
		for (int i = 0; i < 6; i++) {
			int hi = mk_hex_digit(text[2 + i * 2]), lo = mk_hex_digit(text[3 + i * 2]);

			if (hi < 0 || lo < 0)
				return false;
			mac[i] = (uint8_t)(hi << 4 | lo);
		}
		mk_addr_set_mac(&a, mac);
	} else if (!mk_addr_parse(&a, text)) {
		return false;
	}
	m->addr = addr_norm(&a);
	return m->addr.family != MK_AF_NONE;
}

static bool member_same(const struct member *x, const struct member *y)
{
	if (x->kind != y->kind)
		return false;
	if (x->kind == MEMBER_VLAN)
		return x->vlan == y->vlan;
	if (x->kind == MEMBER_SUBNET && x->prefix != y->prefix)
		return false;
	return mk_addr_eq(&x->addr, &y->addr);
}

static void member_text(const struct member *m, char *buf, size_t len)
{
	char a[MK_ADDR_STRLEN];

	if (m->kind == MEMBER_VLAN)
		snprintf(buf, len, "%u", m->vlan);
	else if (m->kind == MEMBER_SUBNET)
		snprintf(buf, len, "%s/%u", mk_addr_str(&m->addr, a), m->prefix);
	else
		snprintf(buf, len, "%s", mk_addr_str(&m->addr, a));
}

static int line_member(struct mk_zones *z, enum member_kind kind, char **w, size_t n, char *why,
                       size_t whylen)
{
	struct member m;
	int zi;

	if (n != 3)
		return reason(why, whylen, "zones.err.fields", w[0]);
	if ((zi = zone_ref(z, w[1], why, whylen)) < 0)
		return -1;
	memset(&m, 0, sizeof(m));
	m.zone = (uint16_t)zi;
	m.kind = (uint8_t)kind;
	if (kind == MEMBER_SUBNET) {
		if (!parse_subnet(w[2], &m, why, whylen))
			return -1;
	} else if (kind == MEMBER_VLAN) {
		unsigned long v;

		if (!mk_parse_ulong(w[2], 4094, &v) || v < 1)
			return reason(why, whylen, "zones.err.vlan", w[2]);
		m.vlan = (uint16_t)v;
	} else if (!parse_asset(w[2], &m)) {
		return reason(why, whylen, "zones.err.asset", w[2]);
	}
	for (size_t i = 0; i < z->n_members; i++)
		if (member_same(&z->members[i], &m)) {
			char what[MK_ZONE_ID_LEN + 96];

			snprintf(what, sizeof(what), "%s (%s)", w[2],
			         z->zones[z->members[i].zone].id);
			return reason(why, whylen, "zones.err.dup_member", what);
		}
	if (z->n_members >= MK_ZONES_MAX_MEMBERS)
		return reason(why, whylen, "zones.err.too_many", w[0]);
	if (!grow((void **)&z->members, &z->cap_members, z->n_members, sizeof(*z->members),
	          MK_ZONES_MAX_MEMBERS))
		return reason(why, whylen, "zones.err.nomem", NULL);
	z->members[z->n_members++] = m;
	return 0;
}

static bool parse_service(const char *text, struct service *s)
{
	char buf[64];
	char *slash;
	unsigned long port = 0;
	int p;

	if (strlen(text) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (!mk_parse_ulong(slash + 1, 65535, &port) || port == 0)
			return false;
	}
	memset(s, 0, sizeof(*s));
	s->proto = ANY_PROTO;
	s->port = (uint16_t)port;
	if (strcmp(buf, "tcp") == 0)
		s->transport = 6;
	else if (strcmp(buf, "udp") == 0)
		s->transport = 17;
	else if ((p = mk_proto_id_from_name(buf)) >= 0)
		s->proto = (int16_t)p;
	else
		return false;
	return true;
}

static void service_text(const struct service *s, char *buf, size_t len)
{
	const char *name = s->proto != ANY_PROTO ? mk_proto_id_name((unsigned)s->proto)
	                   : s->transport == 6   ? "tcp"
	                                         : "udp";

	if (s->port != 0)
		snprintf(buf, len, "%s/%u", name, s->port);
	else
		snprintf(buf, len, "%s", name);
}

static int line_conduit(struct mk_zones *z, char **w, size_t n, char *why, size_t whylen)
{
	struct conduit c;
	int from, to;

	if (n < 3)
		return reason(why, whylen, "zones.err.fields", w[0]);
	if ((from = zone_ref(z, w[1], why, whylen)) < 0 ||
	    (to = zone_ref(z, w[2], why, whylen)) < 0)
		return -1;
	if (from == to)
		return reason(why, whylen, "zones.err.same_zone", w[1]);
	if (n - 3 > MK_ZONES_MAX_SERVICES)
		return reason(why, whylen, "zones.err.too_many", w[0]);
	memset(&c, 0, sizeof(c));
	c.from = (uint16_t)from;
	c.to = (uint16_t)to;
	for (size_t i = 3; i < n; i++)
		if (!parse_service(w[i], &c.s[c.n++]))
			return reason(why, whylen, "zones.err.service", w[i]);
	if (z->n_conduits >= MK_ZONES_MAX_CONDUITS)
		return reason(why, whylen, "zones.err.too_many", w[0]);
	if (!grow((void **)&z->conduits, &z->cap_conduits, z->n_conduits, sizeof(*z->conduits),
	          MK_ZONES_MAX_CONDUITS))
		return reason(why, whylen, "zones.err.nomem", NULL);
	z->conduits[z->n_conduits++] = c;
	return 0;
}

int mk_zones_parse_line(struct mk_zones *z, const char *line, char *why, size_t whylen)
{
	char buf[MK_ZONES_MAX_LINE + 1];
	char *w[MAX_WORDS + 1], *p = buf;
	size_t n = 0, len = strlen(line);

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (len > MK_ZONES_MAX_LINE)
		return reason(why, whylen, "zones.err.line_long", NULL);
	memcpy(buf, line, len + 1);
	/* A comment starts with '#' at the start of a word. */
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '#' && (i == 0 || is_space(buf[i - 1]))) {
			buf[i] = '\0';
			break;
		}
	if ((w[0] = next_word(&p)) == NULL)
		return 0; /* blank or comment */
	if (strcmp(w[0], "zone") == 0) {
		char *id = next_word(&p);

		return line_zone(z, id, p, why, whylen);
	}
	n = 1;
	while (n <= MAX_WORDS && (w[n] = next_word(&p)) != NULL)
		n++;
	if (n > MAX_WORDS)
		return reason(why, whylen, "zones.err.too_many", w[0]);
	for (size_t i = 0; i < n; i++)
		if (!text_ok(w[i]))
			return reason(why, whylen, "zones.err.text", NULL);
	if (strcmp(w[0], "subnet") == 0)
		return line_member(z, MEMBER_SUBNET, w, n, why, whylen);
	if (strcmp(w[0], "vlan") == 0)
		return line_member(z, MEMBER_VLAN, w, n, why, whylen);
	if (strcmp(w[0], "asset") == 0)
		return line_member(z, MEMBER_ASSET, w, n, why, whylen);
	if (strcmp(w[0], "conduit") == 0)
		return line_conduit(z, w, n, why, whylen);
	return reason(why, whylen, "zones.err.keyword", w[0]);
}

struct mk_zones *mk_zones_parse(const char *text, size_t len, const char *name, char *err,
                                size_t errlen)
{
	struct mk_zones *z = mk_zones_new();
	char line[MK_ZONES_MAX_LINE + 1], why[512];
	size_t pos = 0, lineno = 0;

	if (z == NULL) {
		snprintf(err, errlen, "%s: %s", name, mk_msg("zones.err.nomem"));
		return NULL;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3; /* Windows editors start UTF-8 files with a BOM */
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		size_t take = n;

		lineno++;
		if (take > 0 && text[pos + take - 1] == '\r')
			take--;
		if (take > MK_ZONES_MAX_LINE) {
			reason(why, sizeof(why), "zones.err.line_long", NULL);
			goto bad;
		}
		if (memchr(text + pos, '\0', take) != NULL) {
			reason(why, sizeof(why), "zones.err.text", NULL);
			goto bad;
		}
		memcpy(line, text + pos, take);
		line[take] = '\0';
		if (mk_zones_parse_line(z, line, why, sizeof(why)) != 0)
			goto bad;
		pos += n + 1;
	}
	return z;
bad:
	snprintf(err, errlen, "%s:%zu: %s", name, lineno, why);
	mk_zones_free(z);
	return NULL;
}

struct mk_zones *mk_zones_load(const char *path, char *err, size_t errlen)
{
	/* A zone file is a few kilobytes; 16 MiB is far beyond any real one. */
	const size_t max = 16u << 20;
	struct mk_zones *z = NULL;
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s: %s", path, mk_msg("zones.err.read"),
		         strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nt;

			if (cap >= max) {
				snprintf(err, errlen, "%s: %s", path, mk_msg("zones.err.too_big"));
				goto out;
			}
			cap = cap ? cap * 2 : 8192;
			if ((nt = realloc(text, cap)) == NULL) {
				snprintf(err, errlen, "%s: %s", path, mk_msg("zones.err.nomem"));
				goto out;
			}
			text = nt;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, mk_msg("zones.err.read"));
		goto out;
	}
	z = mk_zones_parse(text != NULL ? text : "", len, path, err, errlen);
out:
	free(text);
	fclose(f);
	return z;
}

/* ------------------------------------------------------------- output */

size_t mk_zones_n_members(const struct mk_zones *z)
{
	return z != NULL ? z->n_members : 0;
}

void mk_zones_member(const struct mk_zones *z, size_t i, size_t *zone, const char **kind,
                     char *value, size_t len)
{
	const struct member *m = &z->members[i];

	*zone = m->zone;
	*kind = kind_names[m->kind];
	member_text(m, value, len);
}

size_t mk_zones_n_conduits(const struct mk_zones *z)
{
	return z != NULL ? z->n_conduits : 0;
}

void mk_zones_conduit(const struct mk_zones *z, size_t i, size_t *from, size_t *to, char *services,
                      size_t len)
{
	const struct conduit *c = &z->conduits[i];
	size_t used = 0;

	*from = c->from;
	*to = c->to;
	if (len > 0)
		services[0] = '\0';
	for (uint8_t k = 0; k < c->n && used < len; k++) {
		char one[64];
		int w;

		service_text(&c->s[k], one, sizeof(one));
		w = snprintf(services + used, len - used, "%s%s", k > 0 ? " " : "", one);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}

int mk_zones_write(FILE *f, const struct mk_zones *z)
{
	char value[MK_ADDR_STRLEN + 8], services[MK_ZONES_MAX_SERVICES * 32];

	for (size_t i = 0; i < mk_zones_count(z); i++) {
		fprintf(f, "zone\t%s\t%s\n", z->zones[i].id, z->zones[i].name);
		for (size_t k = 0; k < z->n_members; k++) {
			if (z->members[k].zone != i)
				continue;
			member_text(&z->members[k], value, sizeof(value));
			fprintf(f, "%s\t%s\t%s\n", kind_names[z->members[k].kind], z->zones[i].id,
			        value);
		}
	}
	for (size_t i = 0; i < mk_zones_n_conduits(z); i++) {
		size_t from, to;

		mk_zones_conduit(z, i, &from, &to, services, sizeof(services));
		fprintf(f, "conduit\t%s\t%s%s%s\n", z->zones[from].id, z->zones[to].id,
		        services[0] != '\0' ? "\t" : "", services);
	}
	return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------ lookups */

bool mk_zones_allows(const struct mk_zones *z, size_t from, size_t to, uint16_t proto,
                     uint8_t transport, uint16_t port)
{
	for (size_t i = 0; i < mk_zones_n_conduits(z); i++) {
		const struct conduit *c = &z->conduits[i];

		if (c->from != from || c->to != to)
			continue;
		if (c->n == 0)
			return true;
		for (uint8_t k = 0; k < c->n; k++) {
			const struct service *s = &c->s[k];

			if ((s->proto == ANY_PROTO || s->proto == (int16_t)proto) &&
			    (s->transport == 0 || s->transport == transport) &&
			    (s->port == 0 || (s->port == port && transport != 0)))
				return true;
		}
	}
	return false;
}

struct ix {
	struct mk_addr a;
	uint32_t v;  /* a zone or an asset index */
	uint8_t len; /* prefixes */
};

struct group {
	uint8_t family, len;
	size_t start, end; /* range of pfx */
};

struct mk_zones_map {
	const struct mk_zones *z;
	struct ix *pfx; /* subnets by (family, length descending, network) */
	size_t n_pfx;
	struct group groups[33 + 129];
	size_t n_groups;
	struct ix *explicit; /* asset lines by address */
	size_t n_explicit;
	struct ix *addrs; /* assets' IPs and MACs -> asset */
	size_t n_addrs;
	int16_t vlan_zone[4096]; /* VLAN id -> zone, -1 */
	int32_t *asset_zone, *asset_explicit, *asset_vlan;
	size_t n_assets;
};

static int ix_cmp(const void *x, const void *y)
{
	return mk_addr_cmp(&((const struct ix *)x)->a, &((const struct ix *)y)->a);
}

static int pfx_cmp(const void *x, const void *y)
{
	const struct ix *a = x, *b = y;

	if (a->a.family != b->a.family)
		return a->a.family < b->a.family ? -1 : 1;
	if (a->len != b->len)
		return a->len > b->len ? -1 : 1;
	return mk_addr_cmp(&a->a, &b->a);
}

static const struct ix *ix_find(const struct ix *v, size_t n, const struct mk_addr *a)
{
	struct ix key;

	memset(&key, 0, sizeof(key));
	key.a = *a;
	return n == 0 ? NULL : bsearch(&key, v, n, sizeof(*v), ix_cmp);
}

/* Longest subnet holding a: zone index and prefix length, or -1. */
static int lpm(const struct mk_zones_map *m, const struct mk_addr *a, int *len)
{
	for (size_t g = 0; g < m->n_groups; g++) {
		const struct group *gr = &m->groups[g];
		const struct ix *hit;
		struct mk_addr net;

		if (gr->family != a->family)
			continue;
		net = addr_mask(a, gr->len);
		hit = ix_find(m->pfx + gr->start, gr->end - gr->start, &net);
		if (hit != NULL) {
			if (len != NULL)
				*len = gr->len;
			return (int)hit->v;
		}
	}
	return -1;
}

static int explicit_of(const struct mk_zones_map *m, const struct mk_addr *a)
{
	const struct ix *hit = ix_find(m->explicit, m->n_explicit, a);

	return hit != NULL ? (int)hit->v : -1;
}

/* The zone of an asset's VLANs: only when every VLAN it sent from is in one
 * zone.  A device on several VLANs of different zones (a router, a trunk, a
 * bridge's copies) or on a VLAN without a zone is placed otherwise (by its
 * subnet): a VLAN says where a device is only when it says one thing. */
static int vlan_zone_of(const struct mk_zones_map *m, const struct mk_asset_rec *as)
{
	int zone = -1;

	for (size_t k = 0; k < as->n_vlans && k < MK_ASSET_MAX_VLANS; k++) {
		int vz = m->vlan_zone[as->vlans[k] & 0xfff];

		if (vz < 0 || (zone >= 0 && vz != zone))
			return -1;
		zone = vz;
	}
	return zone;
}

struct mk_zones_map *mk_zones_map_new(const struct mk_zones *z, const struct mk_asset_rec *assets,
                                      size_t n_assets)
{
	struct mk_zones_map *m = calloc(1, sizeof(*m));
	size_t n_sub = 0, n_ex = 0, n_addr = 0;

	if (m == NULL)
		return NULL;
	m->z = z;
	for (size_t i = 0; i < mk_zones_n_members(z); i++) {
		n_sub += z->members[i].kind == MEMBER_SUBNET;
		n_ex += z->members[i].kind == MEMBER_ASSET;
	}
	for (size_t i = 0; i < n_assets; i++)
		n_addr += assets[i].n_ips + (assets[i].mac.family == MK_AF_MAC);
	m->pfx = calloc(n_sub + 1, sizeof(*m->pfx));
	m->explicit = calloc(n_ex + 1, sizeof(*m->explicit));
	m->addrs = calloc(n_addr + 1, sizeof(*m->addrs));
	m->asset_zone = calloc(n_assets + 1, sizeof(*m->asset_zone));
	m->asset_explicit = calloc(n_assets + 1, sizeof(*m->asset_explicit));
	m->asset_vlan = calloc(n_assets + 1, sizeof(*m->asset_vlan));
	if (m->pfx == NULL || m->explicit == NULL || m->addrs == NULL || m->asset_zone == NULL ||
	    m->asset_explicit == NULL || m->asset_vlan == NULL) {
		mk_zones_map_free(m);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(m->vlan_zone) / sizeof(m->vlan_zone[0]); i++)
		m->vlan_zone[i] = -1;
	for (size_t i = 0; i < mk_zones_n_members(z); i++) {
		const struct member *mb = &z->members[i];

		if (mb->kind == MEMBER_VLAN) {
			m->vlan_zone[mb->vlan & 0xfff] = (int16_t)mb->zone;
		} else if (mb->kind == MEMBER_SUBNET) {
			m->pfx[m->n_pfx].a = mb->addr;
			m->pfx[m->n_pfx].len = mb->prefix;
			m->pfx[m->n_pfx++].v = mb->zone;
		} else if (mb->kind == MEMBER_ASSET) {
			m->explicit[m->n_explicit].a = mb->addr;
			m->explicit[m->n_explicit++].v = mb->zone;
		}
	}
	qsort(m->pfx, m->n_pfx, sizeof(*m->pfx), pfx_cmp);
	qsort(m->explicit, m->n_explicit, sizeof(*m->explicit), ix_cmp);
	for (size_t i = 0; i < m->n_pfx; i++) {
		struct group *g = &m->groups[m->n_groups];

		if (m->n_groups > 0 && g[-1].family == m->pfx[i].a.family &&
		    g[-1].len == m->pfx[i].len) {
			g[-1].end = i + 1;
			continue;
		}
		g->family = m->pfx[i].a.family;
		g->len = m->pfx[i].len;
		g->start = i;
		g->end = i + 1;
		m->n_groups++;
	}
	/* Per asset: an asset line naming its MAC or one of its IPs (or its id,
	 * which is one of those), else its VLANs' zone, else the longest subnet
	 * over its IPs. */
	m->n_assets = n_assets;
	for (size_t i = 0; i < n_assets; i++) {
		const struct mk_asset_rec *as = &assets[i];
		int ex = -1, best = -1, best_len = -1;

		if (as->mac.family == MK_AF_MAC) {
			struct mk_addr mac = addr_norm(&as->mac);

			ex = explicit_of(m, &mac);
			m->addrs[m->n_addrs].a = mac;
			m->addrs[m->n_addrs++].v = (uint32_t)i;
		}
		for (size_t k = 0; k < as->n_ips; k++) {
			struct mk_addr ip = addr_norm(&as->ips[k]);
			int zl = -1, zz;

			if (ex < 0)
				ex = explicit_of(m, &ip);
			if ((zz = lpm(m, &ip, &zl)) >= 0 && zl > best_len) {
				best = zz;
				best_len = zl;
			}
			m->addrs[m->n_addrs].a = ip;
			m->addrs[m->n_addrs++].v = (uint32_t)i;
		}
		m->asset_explicit[i] = ex;
		m->asset_vlan[i] = vlan_zone_of(m, as);
		m->asset_zone[i] = ex >= 0 ? ex : m->asset_vlan[i] >= 0 ? m->asset_vlan[i] : best;
	}
	qsort(m->addrs, m->n_addrs, sizeof(*m->addrs), ix_cmp);
	return m;
}

void mk_zones_map_free(struct mk_zones_map *m)
{
	if (m == NULL)
		return;
	free(m->pfx);
	free(m->explicit);
	free(m->addrs);
	free(m->asset_zone);
	free(m->asset_explicit);
	free(m->asset_vlan);
	free(m);
}

int mk_zones_map_asset(const struct mk_zones_map *m, size_t i)
{
	return m != NULL && i < m->n_assets ? m->asset_zone[i] : -1;
}

int mk_zones_map_addr(const struct mk_zones_map *m, const struct mk_addr *addr)
{
	struct mk_addr a;
	const struct ix *as;
	int zi;

	if (m == NULL || mk_zones_count(m->z) == 0)
		return -1;
	a = addr_norm(addr);
	if (a.family == MK_AF_NONE)
		return -1;
	if ((zi = explicit_of(m, &a)) >= 0)
		return zi;
	as = ix_find(m->addrs, m->n_addrs, &a);
	if (a.family == MK_AF_MAC)
		return as != NULL ? m->asset_zone[as->v] : -1;
	if (as != NULL && m->asset_explicit[as->v] >= 0)
		return m->asset_explicit[as->v];
	if (as != NULL && m->asset_vlan[as->v] >= 0)
		return m->asset_vlan[as->v];
	return lpm(m, &a, NULL);
}

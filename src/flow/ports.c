/* ports.c - port hints loaded from data/ports.tsv (see the file's header for
 * the format and the sources).  Lookups are O(1): one 65536-entry index per
 * transport points into a small table of per-port hint sets. */
#include "mieruka/ports.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/facts.h"
#include "flow/flow_int.h"

#define PORTS_LINE_MAX 1024
#define PORTS_MAX_SETS 65535u /* index 0 means "no hint" in a uint16_t index */

struct ports_set {
	uint16_t ids[MK_PORTS_MAX_PER_PORT];
	uint8_t n;
	bool service; /* at least one non-weak hint */
};

struct mk_ports {
	uint16_t idx[2][65536]; /* [0] tcp, [1] udp: 0 or 1 + index into sets */
	struct ports_set *sets;
	size_t n_sets, cap_sets;
};

struct mk_ports *mk_ports_empty(void)
{
	return mk_flow_fault() ? NULL : calloc(1, sizeof(struct mk_ports));
}

void mk_ports_free(struct mk_ports *ports)
{
	if (ports == NULL)
		return;
	free(ports->sets);
	free(ports);
}

static int ports_tindex(uint8_t transport)
{
	if (transport == 6)
		return 0;
	if (transport == 17)
		return 1;
	return -1;
}

static const struct ports_set *ports_get(const struct mk_ports *ports, uint8_t transport,
                                         uint16_t port)
{
	int t = ports_tindex(transport);

	if (ports == NULL || t < 0 || ports->idx[t][port] == 0)
		return NULL;
	return &ports->sets[ports->idx[t][port] - 1];
}

unsigned mk_ports_lookup(const struct mk_ports *ports, uint8_t transport, uint16_t port,
                         uint16_t out[MK_PORTS_MAX_PER_PORT])
{
	const struct ports_set *s = ports_get(ports, transport, port);

	if (s == NULL)
		return 0;
	memcpy(out, s->ids, sizeof(s->ids[0]) * s->n);
	return s->n;
}

bool mk_ports_is_service(const struct mk_ports *ports, uint8_t transport, uint16_t port)
{
	const struct ports_set *s = ports_get(ports, transport, port);

	return s != NULL && s->service;
}

static void ports_err(char *err, size_t errlen, const char *path, unsigned line, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));
static void ports_err(char *err, size_t errlen, const char *path, unsigned line, const char *fmt,
                      ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return;
	n = snprintf(err, errlen, "%s:%u: ", path, line);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Parses a port number 1..65535 from exactly [s, e). */
static bool ports_parse_num(const char *s, const char *e, uint16_t *out)
{
	unsigned long v = 0;

	if (s == e || e - s > 5)
		return false;
	for (const char *p = s; p < e; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* Adds one hint; returns NULL or a reason. */
static const char *ports_add(struct mk_ports *ports, int t, uint16_t port, uint16_t id, bool weak)
{
	struct ports_set *s;

	if (ports->idx[t][port] == 0) {
		if (ports->n_sets >= PORTS_MAX_SETS)
			return "too many ports";
		if (ports->n_sets == ports->cap_sets) {
			size_t nc = ports->cap_sets ? ports->cap_sets * 2 : 64;
			struct ports_set *ns;

			if (nc > PORTS_MAX_SETS)
				nc = PORTS_MAX_SETS;
			ns = mk_flow_fault() ? NULL : realloc(ports->sets, nc * sizeof(*ns));
			if (ns == NULL)
				return "out of memory";
			ports->sets = ns;
			ports->cap_sets = nc;
		}
		s = &ports->sets[ports->n_sets++];
		memset(s, 0, sizeof(*s));
		ports->idx[t][port] = (uint16_t)ports->n_sets;
	}
	s = &ports->sets[ports->idx[t][port] - 1];
	for (unsigned i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return "duplicate hint";
	if (s->n >= MK_PORTS_MAX_PER_PORT)
		return "more than 4 protocols on one port";
	s->ids[s->n++] = id;
	if (!weak)
		s->service = true;
	return NULL;
}

/* Parses one line (NUL-terminated, no newline); returns NULL or a reason. */
static const char *ports_line(struct mk_ports *ports, char *line)
{
	char *f[5];
	unsigned nf = 0;
	char *p = line, *dash;
	int t;
	uint16_t lo, hi;
	int id;
	bool weak = false;

	/* Split on TABs; a field starting with '#' takes the rest of the line. */
	for (;;) {
		char *tab;

		if (nf == 5)
			return "too many fields";
		f[nf++] = p;
		if (*p == '#')
			break;
		tab = strchr(p, '\t');
		if (tab == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (nf < 3)
		return "expected transport, port and proto separated by tabs";
	if (strcmp(f[0], "tcp") == 0)
		t = 0;
	else if (strcmp(f[0], "udp") == 0)
		t = 1;
	else
		return "transport must be tcp or udp";
	dash = strchr(f[1], '-');
	if (dash == NULL) {
		if (!ports_parse_num(f[1], f[1] + strlen(f[1]), &lo))
			return "bad port (1..65535)";
		hi = lo;
	} else {
		if (!ports_parse_num(f[1], dash, &lo) ||
		    !ports_parse_num(dash + 1, dash + 1 + strlen(dash + 1), &hi))
			return "bad port range (lo-hi, 1..65535)";
		if (lo > hi)
			return "port range is reversed";
	}
	id = mk_proto_id_from_name(f[2]);
	if (id <= 0) /* "unknown" is no hint either */
		return "unknown proto name";
	for (unsigned i = 3; i < nf; i++) {
		if (f[i][0] == '#')
			break;
		if (strcmp(f[i], "weak") == 0 && i == 3)
			weak = true;
		else if (f[i][0] != '\0' || i != 3)
			return "expected 'weak' or '# source' after the proto";
	}
	for (uint32_t port = lo; port <= hi; port++) {
		const char *why = ports_add(ports, t, (uint16_t)port, (uint16_t)id, weak);

		if (why != NULL)
			return why;
	}
	return NULL;
}

struct mk_ports *mk_ports_load(const char *path, char *err, size_t errlen)
{
	struct mk_ports *ports;
	FILE *fp;
	char line[PORTS_LINE_MAX + 2];
	unsigned lineno = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	fp = fopen(path, "r");
	if (fp == NULL) {
		ports_err(err, errlen, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	ports = mk_ports_empty();
	if (ports == NULL) {
		ports_err(err, errlen, path, 0, "out of memory");
		fclose(fp);
		return NULL;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t len = strlen(line);
		const char *why;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(fp)) {
			ports_err(err, errlen, path, lineno, "line longer than %d bytes",
			          PORTS_LINE_MAX);
			goto fail;
		}
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		why = ports_line(ports, line);
		if (why != NULL) {
			ports_err(err, errlen, path, lineno, "%s", why);
			goto fail;
		}
	}
	if (ferror(fp)) {
		ports_err(err, errlen, path, lineno, "read error");
		goto fail;
	}
	fclose(fp);
	return ports;
fail:
	fclose(fp);
	mk_ports_free(ports);
	return NULL;
}

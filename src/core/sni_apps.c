/* sni_apps.c - loads data/tls_sni.tsv and matches TLS server names against it
 * (see sni_apps_int.h).  A few dozen rules at most, matched once per TLS flow
 * (its ClientHello), so a linear scan is enough.
 * specification: our own TSV format, described at the top of the file. */
#include "core/sni_apps_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/facts.h"
#include "mieruka/util.h"

#define SNI_LINE_MAX 512

struct sni_rule {
	char domain[MK_SNI_DOMAIN_MAX]; /* lower case, no leading dot */
	size_t len;
	int proto;
};

struct mk_sni_apps {
	struct sni_rule rules[MK_SNI_APPS_MAX];
	size_t n;
};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* A domain: letters, digits, '-' and '.', not starting or ending with '.'. */
static bool domain_ok(const char *d, size_t n)
{
	if (n == 0 || n >= MK_SNI_DOMAIN_MAX || d[0] == '.' || d[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = lower(d[i]);

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
	}
	return true;
}

struct mk_sni_apps *mk_sni_apps_load(const char *path, int *bad, char *err, size_t errlen)
{
	struct mk_sni_apps *s = calloc(1, sizeof(*s));
	char line[SNI_LINE_MAX];
	FILE *f;

	*bad = 0;
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot read %s", path);
		free(s);
		return NULL;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		char *fld[3];
		int proto;

		if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			(*bad)++;
			continue;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		/* domain, proto, and an optional "# source" comment */
		if (mk_split_tabs(line, fld, 3) < 2 || !domain_ok(fld[0], strlen(fld[0])) ||
		    (proto = mk_proto_id_from_name(fld[1])) < 0 || s->n == MK_SNI_APPS_MAX) {
			(*bad)++;
			continue;
		}
		for (size_t i = 0; fld[0][i] != '\0'; i++)
			s->rules[s->n].domain[i] = lower(fld[0][i]);
		s->rules[s->n].len = strlen(fld[0]);
		s->rules[s->n].proto = proto;
		s->n++;
	}
	fclose(f);
	return s;
}

void mk_sni_apps_free(struct mk_sni_apps *s)
{
	free(s);
}

int mk_sni_apps_match(const struct mk_sni_apps *s, const char *name, size_t len)
{
	/* A trailing dot (absolute name) does not change the name. */
	if (len > 0 && name[len - 1] == '.')
		len--;
	for (size_t i = 0; s != NULL && i < s->n; i++) {
		const struct sni_rule *r = &s->rules[i];
		size_t at;
		bool same = true;

		if (len < r->len)
			continue;
		at = len - r->len;
		if (at > 0 && name[at - 1] != '.')
			continue; /* "notanydesk.com" is not under "anydesk.com" */
		for (size_t k = 0; k < r->len && same; k++)
			same = lower(name[at + k]) == r->domain[k];
		if (same)
			return r->proto;
	}
	return -1;
}

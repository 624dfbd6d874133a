/* i18n.c - user-visible text in English and Japanese.
 *
 * The catalogue is data/i18n/messages.tsv, cli.tsv and report.tsv: "key<TAB>en<TAB>ja" per line, '#'
 * comments.  It is loaded once on first use; a missing key shows the key itself
 * (visible in tests, never a crash).
 */
#include "mieruka/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct msg_entry {
	char *key, *text[2];
};

static struct {
	struct msg_entry *v;
	size_t n;
	bool loaded;
	enum mk_lang lang;
} cat;

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct msg_entry *)a)->key, ((const struct msg_entry *)b)->key);
}

/* Unescapes \n and \t in place: messages may span lines. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && (s[1] == 'n' || s[1] == 't')) {
			*w++ = s[1] == 'n' ? '\n' : '\t';
			s++;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static size_t cat_cap;

static void catalogue_load_file(const char *rel)
{
	char path[1024], *line = NULL;
	size_t line_cap = 0;
	FILE *f;
	size_t cap = cat_cap;

	if (!mk_data_path(rel, path, sizeof(path)) || (f = fopen(path, "r")) == NULL)
		return;
	/* getline: help texts are longer than any fixed line buffer would be */
	while (getline(&line, &line_cap, f) != -1) {
		char *key = line, *en, *ja, *nl;

		if ((nl = strpbrk(line, "\r\n")) != NULL)
			*nl = '\0';
		if (line[0] == '#' || line[0] == '\0' || (en = strchr(key, '\t')) == NULL)
			continue;
		*en++ = '\0';
		if ((ja = strchr(en, '\t')) != NULL)
			*ja++ = '\0';
		else
			ja = en;
		if (cat.n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct msg_entry *nv = realloc(cat.v, ncap * sizeof(*nv));

			if (nv == NULL)
				break;
			cat.v = nv;
			cap = ncap;
		}
		cat.v[cat.n].key = strdup(key);
		cat.v[cat.n].text[MK_LANG_EN] = strdup(en);
		cat.v[cat.n].text[MK_LANG_JA] = strdup(ja[0] != '\0' ? ja : en);
		if (cat.v[cat.n].key == NULL || cat.v[cat.n].text[0] == NULL || cat.v[cat.n].text[1] == NULL)
			break;
		unescape(cat.v[cat.n].text[0]);
		unescape(cat.v[cat.n].text[1]);
		cat.n++;
	}
	free(line);
	fclose(f);
	cat_cap = cap;
}

/* The catalogue is split by owner: reports and alerts in messages.tsv, the
 * command line in cli.tsv, the assessment's printable report in report.tsv. */
static void catalogue_load(void)
{
	cat.loaded = true;
	catalogue_load_file("i18n/messages.tsv");
	catalogue_load_file("i18n/cli.tsv");
	catalogue_load_file("i18n/report.tsv");
	qsort(cat.v, cat.n, sizeof(*cat.v), entry_cmp);
}

void mk_i18n_set_lang(enum mk_lang lang)
{
	cat.lang = lang;
}

enum mk_lang mk_i18n_lang(void)
{
	return cat.lang;
}

enum mk_lang mk_i18n_lang_from_env(void)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v != NULL && v[0] != '\0')
			return strncmp(v, "ja", 2) == 0 ? MK_LANG_JA : MK_LANG_EN;
	}
	return MK_LANG_EN;
}

const char *mk_msg_lang(const char *key, enum mk_lang lang)
{
	struct msg_entry probe, *hit;

	if (!cat.loaded)
		catalogue_load();
	probe.key = (char *)key;
	hit = cat.n ? bsearch(&probe, cat.v, cat.n, sizeof(*cat.v), entry_cmp) : NULL;
	return hit != NULL ? hit->text[lang == MK_LANG_JA ? MK_LANG_JA : MK_LANG_EN] : key;
}

const char *mk_msg(const char *key)
{
	return mk_msg_lang(key, cat.lang);
}

/* fingerprint.c - loads the p0f-style OS fingerprint database
 * (data/fingerprints/NAME.fp) and answers DHCP option-55, TTL-class and SSH
 * banner lookups.
 * specification: our own format, described at the top of data/fingerprints/os.fp;
 * option 55 is RFC 2132 section 9.8; SSH version strings are RFC 4253
 * section 4.2.
 * The database is small (tens of entries) and read at start-up; lookups run at
 * snapshot time, not per packet, so linear scans are fine. */
#include "mieruka/fingerprint.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/util.h"

#define FP_MAX_ENTRIES 4096
#define FP_MAX_LINE 1024
#define FP_MAX_CODES 255   /* option 55 holds at most 255 codes */

enum fp_section { FP_SEC_NONE, FP_SEC_DHCP, FP_SEC_TTL, FP_SEC_SSH, FP_SEC_UNKNOWN };

struct fp_label {
	char *os;
	uint8_t confidence;
	bool specific;
};

struct fp_entry {
	uint8_t section;
	uint8_t ttl;       /* FP_SEC_TTL */
	char *sig;         /* FP_SEC_DHCP: normalized list; FP_SEC_SSH: token */
	size_t label;      /* index into labels */
};

struct mk_fingerprints {
	struct fp_label *labels;
	size_t n_labels, cap_labels;
	struct fp_entry *entries;
	size_t n_entries, cap_entries;
};

struct mk_fingerprints *mk_fingerprints_new(void)
{
	return calloc(1, sizeof(struct mk_fingerprints));
}

void mk_fingerprints_free(struct mk_fingerprints *fp)
{
	if (fp == NULL)
		return;
	for (size_t i = 0; i < fp->n_labels; i++)
		free(fp->labels[i].os);
	for (size_t i = 0; i < fp->n_entries; i++)
		free(fp->entries[i].sig);
	free(fp->labels);
	free(fp->entries);
	free(fp);
}

size_t mk_fingerprints_count(const struct mk_fingerprints *fp)
{
	return fp != NULL ? fp->n_entries : 0;
}

/* An SSH banner token: non-empty printable US-ASCII, as RFC 4253 4.2 allows in
 * a version string (the loader has trimmed the blanks around it). */
static bool valid_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < ' ' || *s > '~')
			return false;
	return true;
}

/* Normalizes "1, 3,6" into "1,3,6".  False on anything but decimal codes
 * 0..255 separated by commas. */
static bool normalize_prl(const char *in, char *out, size_t outlen)
{
	size_t o = 0, codes = 0;
	const char *p = in;

	if (in == NULL || outlen == 0)
		return false;
	for (;;) {
		unsigned v = 0, digits = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		while (*p >= '0' && *p <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*p - '0');
			digits++;
			p++;
		}
		if (digits == 0 || digits > 3 || v > 255 || ++codes > FP_MAX_CODES)
			return false;
		{
			int n = snprintf(out + o, outlen - o, "%s%u", o ? "," : "", v);

			if (n < 0 || (size_t)n >= outlen - o)
				return false;
			o += (size_t)n;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}

uint8_t mk_fingerprints_ttl_class(uint8_t ttl)
{
	if (ttl == 0)
		return 0;
	if (ttl <= 32)
		return 32;
	if (ttl <= 64)
		return 64;
	if (ttl <= 128)
		return 128;
	return 255;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static bool add_label(struct mk_fingerprints *fp, const char *text, int section)
{
	struct fp_label *l;
	bool specific;

	if (text[0] == 's' && text[1] == ':')
		specific = true;
	else if (text[0] == 'g' && text[1] == ':')
		specific = false;
	else
		return false;
	text += 2;
	while (*text == ' ')
		text++;
	if (*text == '\0')
		return false;
	if (fp->n_labels == fp->cap_labels) {
		size_t ncap = fp->cap_labels ? fp->cap_labels * 2 : 32;
		struct fp_label *nl;

		if (ncap > FP_MAX_ENTRIES)
			return false;
		nl = realloc(fp->labels, ncap * sizeof(*nl));
		if (nl == NULL)
			return false;
		fp->labels = nl;
		fp->cap_labels = ncap;
	}
	l = &fp->labels[fp->n_labels];
	l->os = mk_text_dup(text, strlen(text));
	if (l->os == NULL)
		return false;
	l->specific = specific;
	if (section == FP_SEC_TTL)
		l->confidence = 20;
	else if (section == FP_SEC_SSH)
		l->confidence = 30; /* a banner is trivially changed */
	else
		l->confidence = specific ? 80 : 50;
	fp->n_labels++;
	return true;
}

static bool add_entry(struct mk_fingerprints *fp, int section, const char *sig)
{
	struct fp_entry e = {.section = (uint8_t)section, .label = fp->n_labels - 1};

	if (section == FP_SEC_DHCP) {
		char norm[FP_MAX_LINE];

		if (!normalize_prl(sig, norm, sizeof(norm)) || (e.sig = strdup(norm)) == NULL)
			return false;
	} else if (section == FP_SEC_SSH) {
		if (!valid_token(sig) || (e.sig = strdup(sig)) == NULL)
			return false;
	} else {
		char *end;
		unsigned long v = strtoul(sig, &end, 10);

		if (end == sig || *end != '\0' || v == 0 || v > 255 ||
		    mk_fingerprints_ttl_class((uint8_t)v) != v)
			return false;
		e.ttl = (uint8_t)v;
	}
	if (fp->n_entries == fp->cap_entries) {
		size_t ncap = fp->cap_entries ? fp->cap_entries * 2 : 64;
		struct fp_entry *ne;

		if (ncap > FP_MAX_ENTRIES) {
			free(e.sig);
			return false;
		}
		ne = realloc(fp->entries, ncap * sizeof(*ne));
		if (ne == NULL) {
			free(e.sig);
			return false;
		}
		fp->entries = ne;
		fp->cap_entries = ncap;
	}
	fp->entries[fp->n_entries++] = e;
	return true;
}

int mk_fingerprints_load_file(struct mk_fingerprints *fp, const char *path)
{
	char line[FP_MAX_LINE];
	int section = FP_SEC_NONE, bad = 0;
	bool have_label = false;
	FILE *f;

	if (fp == NULL || (f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s, *eq, *key, *val;

		if (strchr(line, '\n') == NULL && !feof(f)) {
			int c;

			/* Overlong line: skip the rest of it. */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			bad++;
			continue;
		}
		s = trim(line);
		if (*s == '\0' || *s == ';' || *s == '#')
			continue;
		if (*s == '[') {
			if (strcmp(s, "[dhcp]") == 0)
				section = FP_SEC_DHCP;
			else if (strcmp(s, "[ttl]") == 0)
				section = FP_SEC_TTL;
			else if (strcmp(s, "[ssh]") == 0)
				section = FP_SEC_SSH;
			else
				section = FP_SEC_UNKNOWN; /* a newer file's section: skip quietly */
			have_label = false;
			continue;
		}
		if (section == FP_SEC_UNKNOWN)
			continue;
		if ((eq = strchr(s, '=')) == NULL || section == FP_SEC_NONE) {
			bad++;
			continue;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (strcmp(key, "label") == 0) {
			have_label = add_label(fp, val, section);
			bad += !have_label;
		} else if (strcmp(key, "conf") == 0 && have_label) {
			char *end;
			unsigned long v = strtoul(val, &end, 10);

			if (end == val || *end != '\0' || v > 100)
				bad++;
			else
				fp->labels[fp->n_labels - 1].confidence = (uint8_t)v;
		} else if (strcmp(key, "sig") == 0 && have_label) {
			bad += !add_entry(fp, section, val);
		} else {
			bad++;
		}
	}
	fclose(f);
	return bad;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct mk_fingerprints *mk_fingerprints_load(const char *dir, char *err, size_t errlen)
{
	struct mk_fingerprints *fp = mk_fingerprints_new();
	char dbuf[4096];
	char *names[64];
	size_t n = 0;
	int bad = 0, files = 0;
	DIR *d;
	struct dirent *de;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (fp == NULL)
		return NULL;
	if (dir == NULL) {
		if (!mk_data_path("fingerprints", dbuf, sizeof(dbuf))) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "fingerprints: data/fingerprints not found: no OS guesses");
			return fp;
		}
		dir = dbuf;
	}
	if ((d = opendir(dir)) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "fingerprints: cannot open %s: no OS guesses", dir);
		return fp;
	}
	while ((de = readdir(d)) != NULL && n < sizeof(names) / sizeof(names[0])) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] != '.' && l > 3 && strcmp(de->d_name + l - 3, ".fp") == 0 &&
		    (names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(d);
	/* Sorted, so the order of entries (and first-match results) is stable. */
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[4096 + 256];
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		r = mk_fingerprints_load_file(fp, path);
		if (r > 0)
			bad += r;
		if (r >= 0)
			files++;
		free(names[i]);
	}
	if (err != NULL && errlen > 0) {
		if (files == 0)
			snprintf(err, errlen, "fingerprints: no .fp files in %s", dir);
		else if (bad > 0)
			snprintf(err, errlen, "fingerprints: %d malformed lines skipped in %s", bad, dir);
	}
	return fp;
}

static void fill(const struct mk_fingerprints *fp, const struct fp_entry *e, struct mk_fp_match *out)
{
	const struct fp_label *l = &fp->labels[e->label];

	if (out != NULL) {
		out->os = l->os;
		out->confidence = l->confidence;
		out->specific = l->specific;
	}
}

bool mk_fingerprints_dhcp(const struct mk_fingerprints *fp, const char *prl,
                          struct mk_fp_match *out)
{
	char norm[FP_MAX_LINE];

	if (fp == NULL || !normalize_prl(prl, norm, sizeof(norm)))
		return false;
	/* Specific entries first, so a g: line never shadows an s: one. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < fp->n_entries; i++) {
			const struct fp_entry *e = &fp->entries[i];

			if (e->section == FP_SEC_DHCP &&
			    fp->labels[e->label].specific == (pass == 0) && strcmp(e->sig, norm) == 0) {
				fill(fp, e, out);
				return true;
			}
		}
	return false;
}

bool mk_fingerprints_ttl(const struct mk_fingerprints *fp, uint8_t ttl, struct mk_fp_match *out)
{
	uint8_t cls = mk_fingerprints_ttl_class(ttl);

	if (fp == NULL || cls == 0)
		return false;
	for (size_t i = 0; i < fp->n_entries; i++) {
		const struct fp_entry *e = &fp->entries[i];

		if (e->section == FP_SEC_TTL && e->ttl == cls) {
			fill(fp, e, out);
			return true;
		}
	}
	return false;
}

bool mk_fingerprints_ssh(const struct mk_fingerprints *fp, const char *banner,
                         struct mk_fp_match *out)
{
	if (fp == NULL || banner == NULL)
		return false;
	/* File order: the file lists the more telling token first
	 * ("OpenSSH_for_Windows" before "Windows"). */
	for (size_t i = 0; i < fp->n_entries; i++) {
		const struct fp_entry *e = &fp->entries[i];

		if (e->section == FP_SEC_SSH && strstr(banner, e->sig) != NULL) {
			fill(fp, e, out);
			return true;
		}
	}
	return false;
}

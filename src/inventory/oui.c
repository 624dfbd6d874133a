/* oui.c - MAC address -> organisation name, from the IEEE registries as
 * Debian's ieee-data package ships them (oui.txt, mam.txt, oui36.txt, iab.txt).
 *
 * specification: IEEE Registration Authority public listings (MA-L "company_id"
 * 24-bit, MA-M "OUI-28" 28-bit, MA-S "OUI-36" 36-bit, IAB 36-bit), text format:
 *   "00-1B-1B   (hex)\t\tSiemens AG"            (first 24 bits + name)
 *   "001B1B     (base 16)\t\tSiemens AG"        (MA-L: the 24 bits again)
 *   "900000-9FFFFF     (base 16)\t\tName"       (MA-M/MA-S/IAB: range of the
 *                                                 low 24 bits inside that block)
 * with CRLF line ends and address lines we do not need.
 *
 * Storage: each entry is one uint64_t, (prefix << 28) | offset of the name in a
 * single string pool, in three sorted arrays (24, 28 and 36 bits).  Lookup is
 * three binary searches, longest prefix first.  Names are deduplicated while
 * loading (many blocks belong to the same company), so the whole table with
 * ~50,000 entries stays near 1 MB.  The registry files are local system data,
 * but a damaged file must not crash us: every line is parsed defensively and
 * lines that do not match the format are skipped.
 */
#include "mieruka/oui.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mieruka/util.h"

#define OUI_DEFAULT_DIR "/usr/share/ieee-data"
#define OUI_MAX_FILE (64u << 20)     /* oui.txt is ~5 MB; refuse absurd files */
#define OUI_MAX_ENTRIES (1u << 22)   /* far above the ~50k the IEEE lists hold */
#define OUI_NAME_BITS 28             /* name offsets < 256 MB */
#define OUI_NAME_MASK ((UINT64_C(1) << OUI_NAME_BITS) - 1)

enum { OUI_L, OUI_M, OUI_S, OUI_NTAB };
static const unsigned oui_bits[OUI_NTAB] = {24, 28, 36};

struct oui_tab {
	uint64_t *v;
	size_t n, cap;
};

/* A load running on its own thread (mk_oui_load_background). */
struct oui_bg {
	pthread_t thread;
	pthread_mutex_t mu;
	atomic_bool joined; /* the tables are complete and may be read */
	char dir[4096];
	char err[512];
};

struct mk_oui {
	struct oui_tab tab[OUI_NTAB];
	char *pool;
	size_t pool_len, pool_cap;
	/* Load-time only: open-addressing set of pool offsets for dedupe. */
	uint32_t *dedupe;
	size_t dedupe_cap, dedupe_n;
	struct oui_bg *bg; /* NULL: loaded synchronously */
};

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static bool dedupe_grow(struct mk_oui *o)
{
	size_t ncap = o->dedupe_cap ? o->dedupe_cap * 2 : 1024;
	uint32_t *nd = malloc(ncap * sizeof(*nd));

	if (nd == NULL)
		return false;
	for (size_t i = 0; i < ncap; i++)
		nd[i] = UINT32_MAX;
	for (size_t i = 0; i < o->dedupe_cap; i++) {
		uint32_t off = o->dedupe[i];
		const char *s;
		size_t j;

		if (off == UINT32_MAX)
			continue;
		s = o->pool + off;
		j = name_hash(s, strlen(s)) & (ncap - 1);
		while (nd[j] != UINT32_MAX)
			j = (j + 1) & (ncap - 1);
		nd[j] = off;
	}
	free(o->dedupe);
	o->dedupe = nd;
	o->dedupe_cap = ncap;
	return true;
}

/* Returns the pool offset of name (added if new), or UINT32_MAX on ENOMEM. */
static uint32_t pool_intern(struct mk_oui *o, const char *name, size_t n)
{
	size_t j;

	if ((o->dedupe_n + 1) * 2 > o->dedupe_cap && !dedupe_grow(o))
		return UINT32_MAX;
	j = name_hash(name, n) & (o->dedupe_cap - 1);
	while (o->dedupe[j] != UINT32_MAX) {
		const char *s = o->pool + o->dedupe[j];

		if (strncmp(s, name, n) == 0 && s[n] == '\0')
			return o->dedupe[j];
		j = (j + 1) & (o->dedupe_cap - 1);
	}
	if (o->pool_len + n + 1 > o->pool_cap) {
		size_t ncap = o->pool_cap ? o->pool_cap * 2 : 16 * 1024;
		char *np;

		while (ncap < o->pool_len + n + 1)
			ncap *= 2;
		if (ncap > OUI_NAME_MASK)
			return UINT32_MAX;
		np = realloc(o->pool, ncap);
		if (np == NULL)
			return UINT32_MAX;
		o->pool = np;
		o->pool_cap = ncap;
	}
	memcpy(o->pool + o->pool_len, name, n);
	o->pool[o->pool_len + n] = '\0';
	o->dedupe[j] = (uint32_t)o->pool_len;
	o->dedupe_n++;
	o->pool_len += n + 1;
	return o->dedupe[j];
}

static bool tab_add(struct oui_tab *t, uint64_t key, uint32_t name)
{
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		uint64_t *nv;

		if (ncap > OUI_MAX_ENTRIES)
			return false;
		nv = realloc(t->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return false;
		t->v = nv;
		t->cap = ncap;
	}
	t->v[t->n++] = key << OUI_NAME_BITS | name;
	return true;
}

/* Parses exactly n hex digits at s (with optional sep every 2 digits). */
static bool parse_hex(const char *s, size_t len, size_t n, char sep, uint32_t *out)
{
	uint32_t v = 0;
	size_t pos = 0;

	for (size_t i = 0; i < n; i++) {
		int d;

		if (sep != 0 && i > 0 && i % 2 == 0) {
			if (pos >= len || s[pos] != sep)
				return false;
			pos++;
		}
		if (pos >= len || (d = mk_hex_digit(s[pos])) < 0)
			return false;
		v = v << 4 | (uint32_t)d;
		pos++;
	}
	*out = v;
	return true;
}

/* The "(hex)" or "(base 16)" marker of a line, if any.  Only lines that
 * start with a hex digit can carry one (address lines start with a TAB), so
 * most of the 5 MB are rejected by their first byte. */
static const char *find_marker(const char *line, size_t len, const char *m)
{
	size_t ml = strlen(m);
	const char *p = line, *end = line + len;

	if (len == 0 || mk_hex_digit(line[0]) < 0)
		return NULL;
	while ((p = memchr(p, '(', (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= ml && memcmp(p, m, ml) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* The organisation name after a "(hex)"/"(base 16)" marker, trimmed. */
static size_t take_name(const char *p, const char *end, char *buf, size_t buflen)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* A few dozen IEEE entries end in a stray comma ("Siemens AG,"): it is
	 * an artefact of the registry's export, not part of the name. */
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == ','))
		end--;
	return mk_text_sanitize(buf, buflen, p, (size_t)(end - p));
}

struct oui_parse {
	bool have_prefix;
	uint32_t prefix24;
	size_t entries, skipped;
};

static bool parse_line(struct mk_oui *o, struct oui_parse *ps, const char *line, size_t len)
{
	const char *m;
	char name[256];
	size_t nlen;
	uint32_t a, b;
	uint64_t key;
	int tab;

	if ((m = find_marker(line, len, "(hex)")) != NULL) {
		/* "00-1B-1B   (hex)": remember the 24-bit block for the range line. */
		ps->have_prefix = parse_hex(line, len, 6, '-', &ps->prefix24);
		if (!ps->have_prefix)
			ps->skipped++;
		return true;
	}
	if ((m = find_marker(line, len, "(base 16)")) == NULL)
		return true; /* address lines, headers, blank lines */
	nlen = take_name(m + 9, line + len, name, sizeof(name));
	if (nlen == 0) {
		ps->skipped++;
		return true;
	}
	if (len >= 13 && line[6] == '-' && parse_hex(line, 6, 6, 0, &a) &&
	    parse_hex(line + 7, len - 7, 6, 0, &b)) {
		/* A range of the low 24 bits inside the block of the "(hex)" line. */
		uint32_t size = b - a + 1;

		if (!ps->have_prefix || b < a) {
			ps->skipped++;
			return true;
		}
		if (size == 0x100000 && (a & 0xfffff) == 0) {
			tab = OUI_M;
			key = (uint64_t)ps->prefix24 << 4 | a >> 20;
		} else if (size == 0x1000 && (a & 0xfff) == 0) {
			tab = OUI_S;
			key = (uint64_t)ps->prefix24 << 12 | a >> 12;
		} else {
			ps->skipped++;
			return true;
		}
	} else if (parse_hex(line, len, 6, 0, &a) && (len == 6 || line[6] == ' ' || line[6] == '\t')) {
		tab = OUI_L;
		key = a;
	} else {
		ps->skipped++;
		return true;
	}
	ps->have_prefix = false;
	{
		uint32_t off = pool_intern(o, name, nlen);

		if (off == UINT32_MAX || !tab_add(&o->tab[tab], key, off))
			return false;
	}
	ps->entries++;
	return true;
}

/* Reads one registry file; returns entries added, -1 when missing, -2 on ENOMEM. */
static long load_file(struct mk_oui *o, const char *dir, const char *file)
{
	char path[4096];
	struct oui_parse ps = {0};
	struct stat sb;
	FILE *f;
	char *buf;
	size_t len, pos = 0;
	int n = snprintf(path, sizeof(path), "%s/%s", dir, file);

	if (n < 0 || (size_t)n >= sizeof(path) || (f = fopen(path, "rb")) == NULL)
		return -1;
	if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0 || (uint64_t)sb.st_size > OUI_MAX_FILE) {
		fclose(f);
		return -1;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (buf == NULL) {
		fclose(f);
		return -2;
	}
	len = fread(buf, 1, (size_t)sb.st_size, f);
	fclose(f);
	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl != NULL ? (size_t)(nl - line) : len - pos;

		if (!parse_line(o, &ps, line, ll)) {
			free(buf);
			return -2;
		}
		pos += ll + 1;
	}
	free(buf);
	return (long)ps.entries;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Sorts a table and drops duplicate prefixes (first name of a prefix wins;
 * the registry lists each block once, so duplicates mean a damaged file). */
static void tab_finish(struct oui_tab *t)
{
	size_t w = 0;

	if (t->n == 0)
		return;
	qsort(t->v, t->n, sizeof(*t->v), cmp_u64);
	for (size_t r = 0; r < t->n; r++) {
		if (w > 0 && t->v[w - 1] >> OUI_NAME_BITS == t->v[r] >> OUI_NAME_BITS)
			continue;
		t->v[w++] = t->v[r];
	}
	t->n = w;
	if (w < t->cap) {
		uint64_t *nv = realloc(t->v, w * sizeof(*nv));

		if (nv != NULL) {
			t->v = nv;
			t->cap = w;
		}
	}
}

/* Fills o from the registry files of dir; false on ENOMEM (message in err,
 * o then holds what was read). */
static bool oui_fill(struct mk_oui *o, const char *dir, char *err, size_t errlen)
{
	/* iab.txt holds the older 36-bit Individual Address Blocks (00-50-C2...),
	 * which the MA-L list only names "IEEE Registration Authority". */
	static const char *const files[] = {"oui.txt", "mam.txt", "oui36.txt", "iab.txt"};
	long got[4];

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (dir == NULL || dir[0] == '\0')
		dir = getenv("MIERUKA_OUI_DIR");
	if (dir == NULL || dir[0] == '\0')
		dir = OUI_DEFAULT_DIR;
	for (size_t i = 0; i < 4; i++) {
		got[i] = load_file(o, dir, files[i]);
		if (got[i] == -2) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "oui: out of memory loading %s/%s", dir, files[i]);
			return false;
		}
	}
	free(o->dedupe);
	o->dedupe = NULL;
	o->dedupe_cap = o->dedupe_n = 0;
	if (o->pool_len < o->pool_cap) {
		char *np = realloc(o->pool, o->pool_len ? o->pool_len : 1);

		if (np != NULL) {
			o->pool = np;
			o->pool_cap = o->pool_len;
		}
	}
	for (int t = 0; t < OUI_NTAB; t++)
		tab_finish(&o->tab[t]);
	if (err != NULL && errlen > 0) {
		if (got[0] < 0)
			snprintf(err, errlen, "oui: %s/oui.txt not readable: no vendor names "
			         "(install ieee-data or set MIERUKA_OUI_DIR)", dir);
		else if (got[0] == 0)
			snprintf(err, errlen, "oui: %s/oui.txt has no entries", dir);
	}
	return true;
}

static void oui_clear(struct mk_oui *o)
{
	for (int t = 0; t < OUI_NTAB; t++) {
		free(o->tab[t].v);
		memset(&o->tab[t], 0, sizeof(o->tab[t]));
	}
	free(o->pool);
	free(o->dedupe);
	o->pool = NULL;
	o->dedupe = NULL;
	o->pool_len = o->pool_cap = o->dedupe_cap = o->dedupe_n = 0;
}

struct mk_oui *mk_oui_load(const char *dir, char *err, size_t errlen)
{
	struct mk_oui *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "oui: out of memory");
		return NULL;
	}
	if (!oui_fill(o, dir, err, errlen)) {
		mk_oui_free(o);
		return NULL;
	}
	return o;
}

static void *oui_thread(void *arg)
{
	struct mk_oui *o = arg;

	/* Out of memory: an empty table (no vendor names) and the message. */
	if (!oui_fill(o, o->bg->dir[0] != '\0' ? o->bg->dir : NULL, o->bg->err,
	              sizeof(o->bg->err)))
		oui_clear(o);
	return NULL;
}

struct mk_oui *mk_oui_load_background(const char *dir)
{
	struct mk_oui *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->bg = calloc(1, sizeof(*o->bg));
	if (o->bg == NULL) {
		free(o);
		return mk_oui_load(dir, NULL, 0);
	}
	snprintf(o->bg->dir, sizeof(o->bg->dir), "%s", dir != NULL ? dir : "");
	pthread_mutex_init(&o->bg->mu, NULL);
	atomic_init(&o->bg->joined, false);
	if (pthread_create(&o->bg->thread, NULL, oui_thread, o) != 0) {
		/* no thread: load here and now */
		oui_thread(o);
		atomic_store(&o->bg->joined, true);
	}
	return o;
}

/* Waits for a background load to end (once; later calls cost one load). */
static void oui_ready(const struct mk_oui *o)
{
	struct oui_bg *bg = o->bg;

	if (bg == NULL || atomic_load_explicit(&bg->joined, memory_order_acquire))
		return;
	pthread_mutex_lock(&bg->mu);
	if (!atomic_load_explicit(&bg->joined, memory_order_relaxed)) {
		pthread_join(bg->thread, NULL);
		atomic_store_explicit(&bg->joined, true, memory_order_release);
	}
	pthread_mutex_unlock(&bg->mu);
}

const char *mk_oui_wait(const struct mk_oui *oui)
{
	if (oui == NULL)
		return "";
	oui_ready(oui);
	return oui->bg != NULL ? oui->bg->err : "";
}

void mk_oui_free(struct mk_oui *oui)
{
	if (oui == NULL)
		return;
	if (oui->bg != NULL) {
		oui_ready(oui);
		pthread_mutex_destroy(&oui->bg->mu);
		free(oui->bg);
	}
	oui_clear(oui);
	free(oui);
}

static const char *tab_find(const struct mk_oui *o, const struct oui_tab *t, uint64_t key)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t k = t->v[mid] >> OUI_NAME_BITS;

		if (k == key)
			return o->pool + (t->v[mid] & OUI_NAME_MASK);
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *mk_oui_lookup(const struct mk_oui *oui, const uint8_t mac[6])
{
	uint64_t m48 = 0;

	if (oui == NULL || mac == NULL)
		return NULL;
	oui_ready(oui);
	/* Multicast (I/G bit) and locally administered (U/L bit) addresses are
	 * not assigned by the IEEE: any name would be a false claim. */
	if (mac[0] & 0x03)
		return NULL;
	for (int i = 0; i < 6; i++)
		m48 = m48 << 8 | mac[i];
	for (int t = OUI_NTAB - 1; t >= 0; t--) {
		const char *name = tab_find(oui, &oui->tab[t], m48 >> (48 - oui_bits[t]));

		if (name != NULL)
			return name;
	}
	return NULL;
}

size_t mk_oui_count(const struct mk_oui *oui)
{
	size_t n = 0;

	if (oui == NULL)
		return 0;
	oui_ready(oui);
	for (int t = 0; t < OUI_NTAB; t++)
		n += oui->tab[t].n;
	return n;
}

/* Bytes held by the loaded table (for the memory budget and tests). */
size_t mk_oui_memory(const struct mk_oui *oui)
{
	size_t n;

	if (oui == NULL)
		return 0;
	oui_ready(oui);
	n = sizeof(*oui) + oui->pool_cap;
	for (int t = 0; t < OUI_NTAB; t++)
		n += oui->tab[t].cap * sizeof(uint64_t);
	return n;
}

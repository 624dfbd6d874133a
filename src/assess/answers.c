/* answers.c - the self-assessment's answers (docs/ASSESSMENT.md "Answers"):
 * the sorted set, its validation against the knowledge base, the answers
 * file (JSON, read with jansson) and the database.
 *
 * An answers file is untrusted: it is read whole (at most
 * MK_ANSWERS_FILE_MAX bytes), every member is checked before anything is
 * applied, so a bad file leaves the answers as they were, and errors name
 * the file with the line and column (syntax) or the member (content). */
#include "assess/engine_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mieruka/store.h"

static const char *const use_values[] = {"yes", "no", "unknown"};

/* ---- the set ---- */

void mk_answers_free(struct mk_answers *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].key);
		free(a->v[i].value);
		free(a->v[i].note);
		free(a->v[i].by);
	}
	free(a->v);
	free(a->bcp_json);
	memset(a, 0, sizeof(*a));
}

/* The position of key, or where it would go (*found false). */
static size_t find_pos(const struct mk_answers *a, const char *key, bool *found)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(a->v[mid].key, key);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct mk_answer *mk_answers_get(const struct mk_answers *a, const char *key)
{
	bool found;
	size_t i;

	if (a == NULL || key == NULL || a->n == 0)
		return NULL;
	i = find_pos(a, key, &found);
	return found ? &a->v[i] : NULL;
}

/* Sets key without checking it against a knowledge base (the database's
 * answers, already checked when they were given).  0 or -1 (ENOMEM, full). */
static int put_raw(struct mk_answers *a, const char *key, const char *value, const char *note,
                   const char *by, uint64_t at_ns, enum mk_answer_source source)
{
	struct mk_answer n = {0};
	bool found;
	size_t i = find_pos(a, key, &found);

	n.key = strdup(key);
	n.value = strdup(value);
	n.note = note != NULL ? strdup(note) : NULL;
	n.by = by != NULL ? strdup(by) : NULL;
	n.at_ns = at_ns;
	n.source = source;
	if (n.key == NULL || n.value == NULL || (note != NULL && n.note == NULL) ||
	    (by != NULL && n.by == NULL))
		goto fail;
	if (found) {
		free(a->v[i].key);
		free(a->v[i].value);
		free(a->v[i].note);
		free(a->v[i].by);
		a->v[i] = n;
		return 0;
	}
	if (a->n >= MK_ANSWERS_MAX)
		goto fail;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct mk_answer *nv = realloc(a->v, cap * sizeof(*nv));

		if (nv == NULL)
			goto fail;
		a->v = nv;
		a->cap = cap;
	}
	memmove(&a->v[i + 1], &a->v[i], (a->n - i) * sizeof(*a->v));
	a->v[i] = n;
	a->n++;
	return 0;
fail:
	free(n.key);
	free(n.value);
	free(n.note);
	free(n.by);
	return -1;
}

/* ---- validation ---- */

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p, n;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned k = 1; k <= n; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		p += n + 1;
	}
	return true;
}

/* key as it may appear in a message: sanitised and bounded. */
static const char *shown(const char *key, char *buf, size_t len)
{
	mk_text_sanitize(buf, len, key, strlen(key));
	return buf;
}

static bool parse_level(const char *v, unsigned long min, unsigned long max)
{
	unsigned long n;

	return mk_parse_ulong(v, max, &n) && n >= min;
}

/* Checks key and value against kb; 0, or -1 with the reason (without the
 * key) in err. */
static int check_pair(const struct mk_kb *kb, const char *key, const char *value, char *err,
                      size_t errlen)
{
	const char *rest;
	char vb[64];

	if (mk_assess_find_cm(kb, key) != MK_NONE) {
		size_t off;

		if (mk_assess_find_answer(kb, value) != MK_NONE)
			return 0;
		off = (size_t)snprintf(err, errlen, "\"%s\" is not an answer (",
		                       shown(value, vb, sizeof(vb)));
		for (size_t i = 0; i < kb->n_answers && off < errlen; i++)
			off += (size_t)snprintf(err + off, errlen - off, "%s%s", i ? ", " : "",
			                        kb->answers[i].id);
		if (off < errlen)
			snprintf(err + off, errlen - off, ")");
		return -1;
	}
	if (strncmp(key, "use.", 4) == 0) {
		if (mk_assess_find_entry(kb, key + 4) == MK_NONE)
			goto unknown;
		for (size_t i = 0; i < sizeof(use_values) / sizeof(use_values[0]); i++)
			if (strcmp(value, use_values[i]) == 0)
				return 0;
		snprintf(err, errlen, "\"%s\" is not yes, no or unknown",
		         shown(value, vb, sizeof(vb)));
		return -1;
	}
	if (strncmp(key, "likelihood.", 11) == 0) {
		if (mk_assess_find_entry(kb, key + 11) == MK_NONE)
			goto unknown;
		if (parse_level(value, 1, 3))
			return 0;
		snprintf(err, errlen, "\"%s\" is not a likelihood (1, 2 or 3)",
		         shown(value, vb, sizeof(vb)));
		return -1;
	}
	if (strncmp(key, "impact.", 7) == 0 && (rest = strrchr(key + 7, '.')) != NULL) {
		char ep[128];
		size_t n = (size_t)(rest - (key + 7));

		if (n == 0 || n >= sizeof(ep))
			goto unknown;
		memcpy(ep, key + 7, n);
		ep[n] = '\0';
		if (mk_assess_find_entry(kb, ep) == MK_NONE ||
		    mk_assess_find_risk(kb, rest + 1) == MK_NONE)
			goto unknown;
		if (parse_level(value, 0, 3))
			return 0;
		snprintf(err, errlen, "\"%s\" is not an impact (0, 1, 2 or 3)",
		         shown(value, vb, sizeof(vb)));
		return -1;
	}
unknown:
	snprintf(err, errlen,
	         "unknown key (expected use.ENTRY, a countermeasure id, likelihood.ENTRY or "
	         "impact.ENTRY.RISK of the knowledge base)");
	return -1;
}

/* Checks a note or "by": -1 with the reason in err. */
static int check_text(const char *what, const char *s, size_t max, char *err, size_t errlen)
{
	if (s == NULL)
		return 0;
	if (strlen(s) > max) {
		snprintf(err, errlen, "the %s is longer than %zu bytes", what, max);
		return -1;
	}
	if (!valid_utf8(s)) {
		snprintf(err, errlen, "the %s is not valid UTF-8", what);
		return -1;
	}
	return 0;
}

static int check_all(const struct mk_kb *kb, const char *key, const char *value, const char *note,
                     const char *by, char *err, size_t errlen)
{
	if (key == NULL || value == NULL) {
		snprintf(err, errlen, "an answer needs a key and a value");
		return -1;
	}
	if (check_pair(kb, key, value, err, errlen) != 0 ||
	    check_text("note", note, MK_ANSWER_NOTE_MAX, err, errlen) != 0 ||
	    check_text("name of who answered", by, MK_ANSWER_BY_MAX, err, errlen) != 0)
		return -1;
	return 0;
}

int mk_answers_set(struct mk_answers *a, const struct mk_kb *kb, const char *key,
                   const char *value, const char *note, const char *by, uint64_t at_ns,
                   enum mk_answer_source source, char *err, size_t errlen)
{
	char why[512], k[96];

	if (check_all(kb, key, value, note, by, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", key != NULL ? shown(key, k, sizeof(k)) : "(none)",
		         why);
		return -1;
	}
	if (put_raw(a, key, value, note, by, at_ns, source) != 0) {
		snprintf(err, errlen, "%s: %s", shown(key, k, sizeof(k)),
		         a->n >= MK_ANSWERS_MAX ? "too many answers" : strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/* ---- the answers file ---- */

struct staged {
	const char *key;   /* into the JSON document */
	char value[16];    /* a number's text */
	const char *value_p;
	const char *note;
};

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int fail_member(char *err, size_t errlen, const char *name, const char *member,
                       const char *key, const char *why)
{
	char k[96];

	if (key != NULL)
		snprintf(err, errlen, "%s: %s.%s: %s", name, member, shown(key, k, sizeof(k)), why);
	else
		snprintf(err, errlen, "%s: %s: %s", name, member, why);
	return -1;
}

/* An answer's value: a string, or an integer (likelihood, impact). */
static const char *value_text(json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

int mk_answers_load_json(struct mk_answers *a, const struct mk_kb *kb, const char *name,
                         const char *text, size_t len, char *err, size_t errlen)
{
	static const char *const members[] = {"schema", "answers", "notes", "by", "bcp"};
	json_error_t je;
	json_t *root, *schema, *answers, *notes, *by, *bcp, *v;
	const char *key, *by_s = NULL;
	struct staged *st = NULL;
	size_t n = 0, cap;
	char *bcp_text = NULL, why[512];
	uint64_t now = wall_ns();
	int rc = -1;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", name, je.line, je.column, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: an answers file is a JSON object ({\"schema\": \"%s\", ...})",
		         name, MK_ANSWERS_SCHEMA);
		goto out;
	}
	json_object_foreach(root, key, v) {
		bool known = false;

		for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
			known |= strcmp(key, members[i]) == 0;
		if (!known) {
			fail_member(err, errlen, name, key, NULL,
			            "unknown member (schema, answers, notes, by, bcp)");
			goto out;
		}
	}
	schema = json_object_get(root, "schema");
	if (!json_is_string(schema) || strcmp(json_string_value(schema), MK_ANSWERS_SCHEMA) != 0) {
		fail_member(err, errlen, name, "schema", NULL,
		            schema == NULL ? "missing (\"" MK_ANSWERS_SCHEMA "\" expected)"
		                           : "not \"" MK_ANSWERS_SCHEMA "\"");
		goto out;
	}
	answers = json_object_get(root, "answers");
	notes = json_object_get(root, "notes");
	by = json_object_get(root, "by");
	bcp = json_object_get(root, "bcp");
	if (answers != NULL && !json_is_object(answers)) {
		fail_member(err, errlen, name, "answers", NULL, "an object of key: answer is needed");
		goto out;
	}
	if (notes != NULL && !json_is_object(notes)) {
		fail_member(err, errlen, name, "notes", NULL, "an object of key: note is needed");
		goto out;
	}
	if (by != NULL && !json_is_null(by)) {
		if (!json_is_string(by)) {
			fail_member(err, errlen, name, "by", NULL, "a name (text) is needed");
			goto out;
		}
		by_s = json_string_value(by);
		if (check_text("name", by_s, MK_ANSWER_BY_MAX, why, sizeof(why)) != 0) {
			fail_member(err, errlen, name, "by", NULL, why);
			goto out;
		}
	}
	if (bcp != NULL && !json_is_null(bcp) && !json_is_object(bcp)) {
		fail_member(err, errlen, name, "bcp", NULL, "an object is needed");
		goto out;
	}
	cap = json_object_size(answers) + json_object_size(notes);
	if (cap > MK_ANSWERS_MAX) {
		fail_member(err, errlen, name, "answers", NULL, "too many answers");
		goto out;
	}
	st = calloc(cap ? cap : 1, sizeof(*st));
	if (st == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		goto out;
	}
	json_object_foreach(answers, key, v) {
		struct staged *s = &st[n];

		s->key = key;
		s->value_p = value_text(v, s->value, sizeof(s->value));
		if (s->value_p == NULL) {
			fail_member(err, errlen, name, "answers", key,
			            "the answer must be text, e.g. \"done\", \"yes\" or \"2\"");
			goto out;
		}
		if (check_all(kb, key, s->value_p, NULL, NULL, why, sizeof(why)) != 0) {
			fail_member(err, errlen, name, "answers", key, why);
			goto out;
		}
		n++;
	}
	json_object_foreach(notes, key, v) {
		struct staged *s = NULL;

		if (!json_is_string(v)) {
			fail_member(err, errlen, name, "notes", key, "a note is text");
			goto out;
		}
		for (size_t i = 0; i < n && s == NULL; i++)
			if (strcmp(st[i].key, key) == 0)
				s = &st[i];
		if (s == NULL) {
			/* A note on an answer given before (the database). */
			const struct mk_answer *old = mk_answers_get(a, key);

			if (old == NULL) {
				fail_member(err, errlen, name, "notes", key,
				            "no answer to attach the note to (answer it in \"answers\")");
				goto out;
			}
			s = &st[n++];
			s->key = key;
			s->value_p = old->value;
		}
		s->note = json_string_value(v);
		if (check_text("note", s->note, MK_ANSWER_NOTE_MAX, why, sizeof(why)) != 0) {
			fail_member(err, errlen, name, "notes", key, why);
			goto out;
		}
	}
	if (bcp != NULL && json_is_object(bcp)) {
		bcp_text = json_dumps(bcp, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (bcp_text == NULL) {
			snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
			goto out;
		}
	}
	/* Everything checked: apply.  The values are copied before a note's
	 * entry may replace the answer its value_p points into. */
	for (size_t i = 0; i < n; i++) {
		char *value = strdup(st[i].value_p);

		if (value == NULL || put_raw(a, st[i].key, value, st[i].note, by_s, now,
		                             MK_SRC_FILE) != 0) {
			free(value);
			snprintf(err, errlen, "%s: %s", name,
			         a->n >= MK_ANSWERS_MAX ? "too many answers" : strerror(ENOMEM));
			goto out;
		}
		free(value);
	}
	if (bcp_text != NULL) {
		free(a->bcp_json);
		a->bcp_json = bcp_text;
		bcp_text = NULL;
	}
	rc = 0;
out:
	free(bcp_text);
	free(st);
	json_decref(root);
	return rc;
}

int mk_answers_load_file(struct mk_answers *a, const struct mk_kb *kb, const char *path,
                         char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(MK_ANSWERS_FILE_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -1;
	}
	n = fread(buf, 1, MK_ANSWERS_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		rc = -1;
	} else if (n > MK_ANSWERS_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %u MiB: not an answers file", path,
		         MK_ANSWERS_FILE_MAX >> 20);
		rc = -1;
	} else {
		rc = mk_answers_load_json(a, kb, path, buf, n, err, errlen);
	}
	free(buf);
	fclose(f);
	return rc;
}

/* ---- the database ---- */

static const struct mk_store_ops *ops_of(struct mk_store *st)
{
	return ((struct mk_store_base *)st)->ops;
}

static int read_one(void *ctx, const struct mk_answer_rec *r)
{
	struct mk_answers *a = ctx;
	enum mk_answer_source src =
	    r->source != NULL && strcmp(r->source, "file") == 0 ? MK_SRC_FILE : MK_SRC_PERSON;

	/* Bounded like any answer; an over-long text from another writer is
	 * dropped, not trusted. */
	if (strlen(r->key) > 127 || strlen(r->value) > 63 ||
	    (r->note != NULL && strlen(r->note) > MK_ANSWER_NOTE_MAX) ||
	    (r->by != NULL && strlen(r->by) > MK_ANSWER_BY_MAX))
		return 0;
	return put_raw(a, r->key, r->value, r->note, r->by, r->at_ns, src) == 0 ? 0 : -1;
}

int mk_answers_read(struct mk_store *st, struct mk_answers *a)
{
	const struct mk_store_ops *ops = ops_of(st);
	char *bcp = NULL;
	uint64_t at = 0;
	int rc;

	if (ops->each_answer(st, read_one, a) != 0)
		return -1;
	rc = ops->get_bcp(st, &bcp, &at);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		free(a->bcp_json);
		a->bcp_json = bcp;
	}
	return 0;
}

int mk_answers_write(struct mk_store *st, const struct mk_answers *a)
{
	const struct mk_store_ops *ops = ops_of(st);
	struct mk_answer_rec *v = NULL;
	int rc;

	if (a->n > 0) {
		v = calloc(a->n, sizeof(*v));
		if (v == NULL)
			return -1;
	}
	for (size_t i = 0; i < a->n; i++) {
		v[i] = (struct mk_answer_rec){
		    .key = a->v[i].key,
		    .value = a->v[i].value,
		    .note = a->v[i].note,
		    .by = a->v[i].by,
		    .at_ns = a->v[i].at_ns,
		    .source = a->v[i].source == MK_SRC_FILE ? "file" : "person",
		};
	}
	rc = ops->put_answers(st, v, a->n);
	free(v);
	if (rc == 0 && a->bcp_json != NULL)
		rc = ops->put_bcp(st, a->bcp_json, wall_ns());
	return rc;
}

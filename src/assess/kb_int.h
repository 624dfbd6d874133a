/* kb_int.h - the knowledge-base loader's internal interface (src/assess).
 *
 * kb_parse.c reads data/kb/NAME.kb into stanzas; the typed builders (kb.c for
 * the core kinds, evidence.c for "evidence", bcp.c for "bcp_*") take the
 * stanzas of their kinds, read their keys through the accessors below (which
 * mark keys used, so a stanza's unknown keys are reported), and report errors
 * as "FILE:LINE: reason". */
#ifndef MIERUKA_KB_INT_H
#define MIERUKA_KB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/assess.h"

#define MK_KB_MAX_FILES 64
#define MK_KB_MAX_STANZAS 4096
#define MK_KB_MAX_FIELDS 48
#define MK_KB_MAX_FILE_BYTES (4u << 20)
#define MK_KB_MAX_LIST 64

struct mk_kb_field {
	const char *key, *value;
	uint32_t line;
	bool used;
};
struct mk_kb_stanza {
	const char *kind, *id;
	const char *file;      /* base name */
	uint32_t line;
	struct mk_kb_field fields[MK_KB_MAX_FIELDS];
	size_t n_fields;
};
/* All stanzas of a directory, in file-name order then file order; strings
 * live in the arena. */
struct mk_kb_doc {
	struct mk_kb_stanza *v;
	size_t n;
	struct mk_kb_arena *arena;
};

/* A bump allocator: everything of a loaded knowledge base lives in it. */
struct mk_kb_arena;
struct mk_kb_arena *mk_kb_arena_new(void);
void mk_kb_arena_free(struct mk_kb_arena *a);
void *mk_kb_alloc(struct mk_kb_arena *a, size_t n);  /* zeroed; NULL on ENOMEM */
char *mk_kb_strdup(struct mk_kb_arena *a, const char *s);
char *mk_kb_strndup(struct mk_kb_arena *a, const char *s, size_t n);

/* Parses every .kb file of dir into doc (doc->arena created here).  0, or -1
 * with "FILE:LINE: reason" in err. */
int mk_kb_parse_dir(struct mk_kb_doc *doc, const char *dir, char *err, size_t errlen);
/* Parses one text (name is used in errors) and appends its stanzas. */
int mk_kb_parse_text(struct mk_kb_doc *doc, const char *name, const char *text, size_t len,
                     char *err, size_t errlen);
void mk_kb_doc_free(struct mk_kb_doc *doc); /* frees the stanza array, not the arena */

/* ---- accessors for the builders; each error names the stanza's file:line ---- */
/* The value of key, or NULL; marks it used. */
const char *mk_kb_get(struct mk_kb_stanza *s, const char *key);
/* Required value; -1 with "missing KEY" when absent or empty. */
int mk_kb_need(struct mk_kb_stanza *s, const char *key, const char **out, char *err, size_t errlen);
/* NAME.ja and NAME.en, both required (required=false: both absent -> "", one alone is an error). */
int mk_kb_text(struct mk_kb_stanza *s, const char *name, bool required, struct mk_kb_text *out,
               char *err, size_t errlen);
/* An integer in [min, max]; absent -> def when has_def, else an error. */
int mk_kb_int(struct mk_kb_stanza *s, const char *key, long min, long max, bool has_def, long def,
              long *out, char *err, size_t errlen);
/* A comma-separated list (items trimmed, empty items an error), at most
 * MK_KB_MAX_LIST; absent -> 0 items.  Items point into the arena. */
int mk_kb_list(struct mk_kb_stanza *s, struct mk_kb_arena *arena, const char *key,
               const char **items, size_t *n, char *err, size_t errlen);
/* One of names[0..n); returns its index, or -1 with the allowed values in err. */
int mk_kb_enum(struct mk_kb_stanza *s, const char *key, const char *const *names, size_t n,
               char *err, size_t errlen);
/* sources: (each must exist in kb->sources) and confidence: V/S/M/P, into o. */
int mk_kb_origin(struct mk_kb_stanza *s, struct mk_kb_arena *arena, const struct mk_kb *kb,
                 struct mk_kb_origin *o, char *err, size_t errlen);
/* -1 with "unknown key K" for the first key nobody read. */
int mk_kb_check_used(const struct mk_kb_stanza *s, char *err, size_t errlen);
/* Formats "FILE:LINE: [KIND ID] " + fmt into err, LINE being the stanza's
 * header line (mk_kb_fail) or a given line of it (mk_kb_fail_line: the line
 * of the key at fault); returns -1. */
int mk_kb_fail(const struct mk_kb_stanza *s, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int mk_kb_fail_line(const struct mk_kb_stanza *s, uint32_t line, char *err, size_t errlen,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The builders of the kinds kb.c does not own (each returns 0 when the doc
 * has none of its stanzas, -1 with err on a bad one). */
int mk_ev_build(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen);
void mk_ev_free(struct mk_kb *kb);
int mk_bcp_tpl_build(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen);
void mk_bcp_tpl_free(struct mk_kb *kb);
/* Whether kind belongs to evidence.c / bcp.c (kb.c rejects other unknown kinds). */
bool mk_ev_kind(const char *kind);
bool mk_bcp_kind(const char *kind);

#endif /* MIERUKA_KB_INT_H */

/* util.h - small shared helpers: logging, data files, time, text. */
#ifndef MIERUKA_UTIL_H
#define MIERUKA_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- logging (stderr; operators read it) ---- */
enum mk_log_level { MK_LOG_ERROR, MK_LOG_WARN, MK_LOG_INFO, MK_LOG_DEBUG };
void mk_log_set_level(enum mk_log_level level);
void mk_log(enum mk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define mk_error(...) mk_log(MK_LOG_ERROR, __VA_ARGS__)
#define mk_warn(...) mk_log(MK_LOG_WARN, __VA_ARGS__)
#define mk_info(...) mk_log(MK_LOG_INFO, __VA_ARGS__)

/* ---- data files ---- */
/* Finds data/REL: $MIERUKA_DATA, then the source tree (development builds),
 * then the install prefix.  Writes the path to out; false if not found. */
bool mk_data_path(const char *rel, char *out, size_t outlen);

/* Writes path through "path.tmp" renamed into place, so a failed write never
 * leaves half a file: fill writes the content (0, or -1 on failure).  0, or
 * -1 with "PATH: reason" in err (the temporary file removed). */
int mk_write_file_atomic(const char *path, int (*fill)(FILE *f, void *ctx), void *ctx, char *err,
                         size_t errlen);

/* ---- time ---- */
/* "2023-05-01T09:30:00.123456Z" (UTC, microseconds); buf >= 32 bytes. */
char *mk_time_rfc3339(uint64_t ts_ns, char *buf, size_t buflen);

/* ---- text ---- */
/* Copies src (len bytes, untrusted) into dst as valid UTF-8 with control
 * characters replaced, NUL-terminated, at most dstlen-1 bytes, never cutting a
 * character.  Returns bytes written. */
size_t mk_text_sanitize(char *dst, size_t dstlen, const char *src, size_t len);
/* strdup of a sanitized copy (max 255 bytes); NULL on ENOMEM. */
char *mk_text_dup(const char *src, size_t len);
/* UTF-16LE (n bytes, up to the first NUL) to UTF-8 in buf, at most cap-1
 * bytes, not terminated; surrogate pairs are dropped.  Returns bytes written. */
size_t mk_utf16le_to_utf8(const uint8_t *p, size_t n, char *buf, size_t cap);
/* Data files: splits line at TABs into at most max fields (in place);
 * returns the count. */
size_t mk_split_tabs(char *line, char **fields, size_t max);
/* A plain decimal number 0..max (no sign, no blanks, nothing after it). */
bool mk_parse_ulong(const char *s, unsigned long max, unsigned long *out);
/* The value of a hex digit (either case), or -1. */
int mk_hex_digit(int c);
/* Length of the text field p[0..n) as devices pad it: up to the first NUL,
 * without trailing blanks (space, tab, CR, LF), at most cap. */
size_t mk_text_field_len(const uint8_t *p, size_t n, size_t cap);
/* Display width of UTF-8 text on a terminal (East Asian wide = 2). */
size_t mk_text_width(const char *s);
void *mk_xcalloc(size_t n, size_t size); /* calloc that aborts on ENOMEM at start-up only */
char *mk_strdup(const char *s);          /* NULL-safe strdup, NULL on ENOMEM */

/* ---- i18n: data/i18n/messages.tsv (key, en, ja) ---- */
enum mk_lang { MK_LANG_EN, MK_LANG_JA };
void mk_i18n_set_lang(enum mk_lang lang);
enum mk_lang mk_i18n_lang(void);
enum mk_lang mk_i18n_lang_from_env(void); /* LC_ALL/LC_MESSAGES/LANG ja* -> JA */
/* The text for key in the current language; the key itself when missing. */
const char *mk_msg(const char *key);
const char *mk_msg_lang(const char *key, enum mk_lang lang);

/* ---- JSON writer (streaming, with escaping of untrusted text) ---- */
struct mk_json {
	FILE *f;
	int depth;
	bool need_comma[32];
	bool after_key;
	bool pretty;
};
void mk_json_init(struct mk_json *j, FILE *f, bool pretty);
void mk_json_begin_object(struct mk_json *j);
void mk_json_end_object(struct mk_json *j);
void mk_json_begin_array(struct mk_json *j);
void mk_json_end_array(struct mk_json *j);
void mk_json_key(struct mk_json *j, const char *key);
void mk_json_string(struct mk_json *j, const char *s); /* NULL -> null */
void mk_json_stringn(struct mk_json *j, const char *s, size_t len);
void mk_json_uint(struct mk_json *j, uint64_t v);
void mk_json_int(struct mk_json *j, int64_t v);
void mk_json_double(struct mk_json *j, double v);
void mk_json_bool(struct mk_json *j, bool v);
void mk_json_null(struct mk_json *j);
void mk_json_time(struct mk_json *j, uint64_t ts_ns);

#endif /* MIERUKA_UTIL_H */

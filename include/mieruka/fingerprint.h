/* fingerprint.h - passive operating-system guesses from small text databases
 * (data/fingerprints/NAME.fp, p0f-style, every entry with its provenance).
 *
 * Three signals: the DHCP parameter request list (option 55, in the order the
 * client sent it), the initial IP TTL class (the observed TTL rounded up to
 * the next of 32, 64, 128, 255) and tokens in SSH version strings (distribution
 * names some OpenSSH packages put in their banner).  Labels are "s:" (specific:
 * this exact list was seen from that OS) or "g:" (generic: a family-level,
 * low-confidence hint).
 */
#ifndef MIERUKA_FINGERPRINT_H
#define MIERUKA_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mk_fingerprints;

struct mk_fp_match {
	const char *os;        /* "Windows 10/11"; owned by the database */
	uint8_t confidence;    /* 0..100 */
	bool specific;         /* s: entry (else g:) */
};

/* Loads every *.fp file of dir (NULL = mk_data_path("fingerprints")).  A
 * missing directory gives an empty database and a warning in err; malformed
 * lines are skipped and counted in the warning.  NULL only on ENOMEM. */
struct mk_fingerprints *mk_fingerprints_load(const char *dir, char *err, size_t errlen);
/* Loads one file (tests, or a site's own additions). Returns lines rejected,
 * or -1 when the file cannot be read. */
int mk_fingerprints_load_file(struct mk_fingerprints *fp, const char *path);
struct mk_fingerprints *mk_fingerprints_new(void); /* empty database */
void mk_fingerprints_free(struct mk_fingerprints *fp);
size_t mk_fingerprints_count(const struct mk_fingerprints *fp);

/* Option 55 as decimal codes separated by commas ("1,3,6,15"); blanks are
 * ignored.  Exact list match (order matters). */
bool mk_fingerprints_dhcp(const struct mk_fingerprints *fp, const char *prl,
                          struct mk_fp_match *out);
/* The observed TTL (IPv4) or hop limit (IPv6); 0 never matches. */
bool mk_fingerprints_ttl(const struct mk_fingerprints *fp, uint8_t ttl, struct mk_fp_match *out);
/* An SSH version string ("SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1"): the first
 * [ssh] entry, in file order, whose token occurs in it (case-sensitive
 * substring). */
bool mk_fingerprints_ssh(const struct mk_fingerprints *fp, const char *banner,
                         struct mk_fp_match *out);
/* 32, 64, 128 or 255: the smallest common initial TTL >= ttl (0 for 0). */
uint8_t mk_fingerprints_ttl_class(uint8_t ttl);

#endif /* MIERUKA_FINGERPRINT_H */

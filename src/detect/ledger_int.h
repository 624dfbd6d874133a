/* ledger_int.h - the change ledger's bounded table (internal to src/detect;
 * tests include it).  See include/mieruka/ledger.h for what an entry is. */
#ifndef MIERUKA_DETECT_LEDGER_INT_H
#define MIERUKA_DETECT_LEDGER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mieruka/ledger.h"

struct mk_ledger;

/* A table of at most cap entries; occurrences of one key less than gap_s
 * seconds apart join one entry.  NULL on ENOMEM. */
struct mk_ledger *mk_ledger_new(size_t cap, uint32_t gap_s);
void mk_ledger_free(struct mk_ledger *l);

/* One occurrence at ts_ns.  detail is sanitized text (NUL-terminated, cut to
 * MK_CHANGE_DETAIL_LEN - 1 bytes here).  O(1) expected; when the table is
 * full of entries not yet written out, the occurrence is dropped and counted. */
void mk_ledger_add(struct mk_ledger *l, const struct mk_addr *client, const struct mk_addr *server,
                   uint16_t proto, uint8_t op, const char *detail, uint32_t window, uint64_t ts_ns);

/* The answer to an occurrence of (client, server, proto, op, detail,
 * window): counted as ok or failed on the key's latest entry when the answer
 * comes within the gap of it; ignored otherwise. */
void mk_ledger_result(struct mk_ledger *l, const struct mk_addr *client,
                      const struct mk_addr *server, uint16_t proto, uint8_t op, const char *detail,
                      uint32_t window, bool ok, uint64_t ts_ns);

/* An entry of an earlier run (the database): the latest entry of each key is
 * kept so that later occurrences continue it.  Never marks it for export. */
void mk_ledger_load(struct mk_ledger *l, const struct mk_change_rec *rec);

/* Copies out the entries changed since the previous export (*out: malloc'd,
 * caller frees; NULL when none) and forgets the entries that are written and
 * can no longer grow (their last occurrence is more than the gap before the
 * newest time seen).  Returns the count, or (size_t)-1 on ENOMEM (nothing is
 * lost: the entries stay marked for the next export). */
size_t mk_ledger_export(struct mk_ledger *l, struct mk_change_rec **out);

size_t mk_ledger_count(const struct mk_ledger *l);     /* entries held in memory */
uint64_t mk_ledger_dropped(const struct mk_ledger *l); /* occurrences refused by the cap */

#endif /* MIERUKA_DETECT_LEDGER_INT_H */

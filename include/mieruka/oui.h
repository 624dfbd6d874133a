/* oui.h - MAC address -> organisation, from IEEE registries (Debian ieee-data).
 *
 * Loads oui.txt (MA-L, 24-bit), and when present mam.txt (MA-M, 28-bit) and
 * oui36.txt (MA-S, 36-bit) and iab.txt (IAB, 36-bit); the longest match wins.
 * Names are kept as the IEEE writes them ("Siemens AG").  Directory: the dir
 * argument, else $MIERUKA_OUI_DIR, else /usr/share/ieee-data.
 */
#ifndef MIERUKA_OUI_H
#define MIERUKA_OUI_H

#include <stddef.h>
#include <stdint.h>

struct mk_oui;

/* dir holds oui.txt etc.  NULL dir = the default search path.  Returns an empty
 * (but usable) table with a warning in err when the files are missing. */
struct mk_oui *mk_oui_load(const char *dir, char *err, size_t errlen);
/* The same load on a thread of its own, so start-up does not wait for the
 * 9 MB of registry text: returns at once (NULL only on ENOMEM); the first
 * lookup (or mk_oui_wait) waits for the load to end.  Lookups may then come
 * from any thread. */
struct mk_oui *mk_oui_load_background(const char *dir);
/* Waits for a background load; its message ("" when none: see mk_oui_load). */
const char *mk_oui_wait(const struct mk_oui *oui);
void mk_oui_free(struct mk_oui *oui);
/* NULL when unknown, or for locally administered / multicast addresses. */
const char *mk_oui_lookup(const struct mk_oui *oui, const uint8_t mac[6]);
size_t mk_oui_count(const struct mk_oui *oui);
/* Heap bytes the table holds (about 1 MB for the full IEEE lists). */
size_t mk_oui_memory(const struct mk_oui *oui);

#endif /* MIERUKA_OUI_H */

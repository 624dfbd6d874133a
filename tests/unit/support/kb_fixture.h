/* kb_fixture.h - a small, valid knowledge base for assessment unit tests.
 *
 * MK_KB_FIXTURE is the text of one .kb file: the scales, two entry points
 * ("alpha" with likelihood 3, "beta" with likelihood 2), five countermeasures
 * of their own each (one per stage, all three types), one shared
 * countermeasure ("general.rules", entry_points: all), two METI items and two
 * IPA items.  kb_fixture_write() writes it (optionally with one text replaced
 * and an extra file) into a new temporary directory. */
#ifndef MK_TEST_KB_FIXTURE_H
#define MK_TEST_KB_FIXTURE_H

#include <stddef.h>

extern const char MK_KB_FIXTURE[];

/* Writes MK_KB_FIXTURE (with the first occurrence of from replaced by to when
 * from is not NULL; it must occur) as "fixture.kb", and extra (when not NULL)
 * as "zz-extra.kb", into a new directory under /tmp; its path into dir.
 * Returns 0, or -1 (the replacement text did not occur, or I/O). */
int kb_fixture_write(char *dir, size_t dirlen, const char *from, const char *to, const char *extra);
/* Removes the directory and its files. */
void kb_fixture_remove(const char *dir);

#endif

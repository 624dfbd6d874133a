/* fuzz_kb.c - fuzz target for the knowledge-base loader (src/assess/kb_parse.c
 * and kb.c with the evidence and BCP builders it calls).  The input is the
 * whole knowledge base as one .kb file: written into a scratch directory and
 * loaded with mk_kb_load, so every builder and cross-check sees it.  Seeded
 * with the unit tests' fixture (tests/unit/support/kb_fixture.c) and the
 * shipped data/kb files.  A bad file must be refused with a message, never
 * crash or leak; a good one must give a knowledge base whose indexes all point
 * inside their arrays. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assess/kb_int.h"

static char dir[64];
static char path[96];

static void check(const struct mk_kb *kb)
{
	for (size_t e = 0; e < kb->n_entries; e++)
		for (size_t k = 0; k < kb->entries[e].n_cms; k++)
			if (kb->entries[e].cms[k] >= kb->n_cms)
				abort();
	for (size_t c = 0; c < kb->n_cms; c++)
		for (size_t k = 0; k < kb->cms[c].n_eps; k++)
			if (kb->cms[c].eps[k] >= kb->n_entries)
				abort();
	for (size_t i = 0; i < kb->n_meti_items; i++) {
		if (kb->meti_items[i].category >= kb->n_meti_categories)
			abort();
		for (size_t k = 0; k < kb->meti_items[i].n_cms; k++)
			if (kb->meti_items[i].cms[k] >= kb->n_cms)
				abort();
	}
	for (size_t i = 0; i < kb->n_ipa_items; i++)
		if (kb->ipa_items[i].part >= kb->n_ipa_parts)
			abort();
	if (kb->n_bands == 0 || kb->bands[kb->n_bands - 1].min > 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/mk-fuzz-kb-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/input.kb", dir);
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	struct mk_kb *kb = NULL;
	char err[512] = "";
	if (mk_kb_load(dir, &kb, err, sizeof(err)) == 0) {
		check(kb);
		mk_kb_free(kb);
	} else if (!err[0] || kb) {
		abort(); /* a refusal always says why and leaves nothing */
	}
	return 0;
}

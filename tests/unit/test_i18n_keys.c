/* test_i18n_keys.c - the message catalogues (the data/i18n TSV files) are one table
 * looked up by key (src/util/i18n.c, bsearch): a key defined twice, even in
 * two files, makes the text depend on where the sort puts it.  Each key
 * appears once, and each line has a key, English and Japanese. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/util.h"

#define MAX_KEYS 4096

static char *keys[MAX_KEYS];
static size_t n_keys;
static size_t longest; /* the longest line seen (bytes) */

/* The text as the catalogue gives it: \n and \t unescaped. */
static void unescaped(const char *in, char *out)
{
	for (; *in != '\0'; in++) {
		if (in[0] == '\\' && (in[1] == 'n' || in[1] == 't')) {
			*out++ = in[1] == 'n' ? '\n' : '\t';
			in++;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
}

static void read_catalogue(const char *name)
{
	char path[1024], line[16384];
	FILE *f;
	unsigned no = 0;

	snprintf(path, sizeof(path), "%s/data/i18n/%s", MK_TEST_SRCDIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *tab1, *tab2;

		no++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		tab1 = strchr(line, '\t');
		tab2 = tab1 != NULL ? strchr(tab1 + 1, '\t') : NULL;
		if (tab1 == NULL || tab2 == NULL || tab2[1] == '\0')
			fail_msg("%s:%u: a line needs key<TAB>English<TAB>Japanese", name, no);
		if (strlen(line) > longest)
			longest = strlen(line);
		*tab1 = '\0';
		*tab2 = '\0';
		/* the loaded catalogue holds both texts whole, however long the line */
		{
			static char want[8192];

			unescaped(tab1 + 1, want);
			if (strcmp(mk_msg_lang(line, MK_LANG_EN), want) != 0)
				fail_msg("%s:%u: %s: the English text is not loaded whole", name, no, line);
			unescaped(tab2 + 1, want);
			if (strcmp(mk_msg_lang(line, MK_LANG_JA), want) != 0)
				fail_msg("%s:%u: %s: the Japanese text is not loaded whole", name, no, line);
		}
		for (size_t i = 0; i < n_keys; i++)
			if (strcmp(keys[i], line) == 0)
				fail_msg("%s:%u: key %s is defined twice", name, no, line);
		assert_true(n_keys < MAX_KEYS);
		keys[n_keys] = strdup(line);
		assert_non_null(keys[n_keys]);
		n_keys++;
	}
	fclose(f);
}

static void test_keys_unique(void **state)
{
	(void)state;
	read_catalogue("messages.tsv");
	read_catalogue("cli.tsv");
	read_catalogue("report.tsv");
	assert_true(n_keys > 300);
	assert_true(longest > 4096); /* lines longer than a page are among them (help.analyze) */
	for (size_t i = 0; i < n_keys; i++)
		free(keys[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

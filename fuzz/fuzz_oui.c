/* fuzz_oui.c - fuzz target for the text loaders of the inventory: the IEEE
 * registry parser (oui.c) and the OS fingerprint database (fingerprint.c).
 * Both read files, so the input is written to a private temporary directory as
 * oui.txt, mam.txt and os.fp, then loaded and queried. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/fingerprint.h"
#include "mieruka/oui.h"

static char dir[64];

static void cleanup(void)
{
	static const char *const names[] = {"oui.txt", "mam.txt", "os.fp"};
	char path[128];

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static int write_file(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	if (size > 0 && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], path[128];
	struct mk_oui *o;
	struct mk_fingerprints *fp;
	struct mk_fp_match m;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/mk_fuzz_oui_XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(cleanup);
	}
	if (write_file("oui.txt", data, size) != 0 || write_file("mam.txt", data, size / 2) != 0)
		return 0;
	o = mk_oui_load(dir, err, sizeof(err));
	if (o != NULL) {
		uint8_t mac[6] = {0};

		/* Look up MACs taken from the input, so found prefixes are hit. */
		for (size_t i = 0; i + 6 <= size && i < 64; i += 6) {
			memcpy(mac, data + i, 6);
			mac[0] &= 0xfc;
			(void)mk_oui_lookup(o, mac);
		}
		(void)mk_oui_count(o);
		mk_oui_free(o);
	}
	snprintf(path, sizeof(path), "%s/os.fp", dir);
	if (write_file("os.fp", data, size) != 0)
		return 0;
	fp = mk_fingerprints_new();
	if (fp != NULL) {
		char prl[64];
		size_t n = size < sizeof(prl) - 1 ? size : sizeof(prl) - 1;

		(void)mk_fingerprints_load_file(fp, path);
		memcpy(prl, data, n);
		prl[n] = '\0';
		(void)mk_fingerprints_dhcp(fp, prl, &m);
		(void)mk_fingerprints_ttl(fp, size > 0 ? data[0] : 64, &m);
		mk_fingerprints_free(fp);
	}
	return 0;
}

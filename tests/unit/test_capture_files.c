/* test_capture_files.c - the capture reader on real files: every capture of
 * shared/captures/MANIFEST.tsv (packet counts must match Wireshark's), every
 * deliberately broken file of shared/captures/malformed/ (must not crash), and
 * files written to a temporary directory: plain, gzip (written with gzopen),
 * read through a FIFO, missing, a directory, empty, unreadable. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "mieruka/capture.h"

#ifndef MK_TEST_SHARED
#define MK_TEST_SHARED "../shared"
#endif

static char tmpdir[256];

/* Reads every packet, touching every byte; returns the count. */
static uint64_t read_all(struct mk_capture *cap)
{
	struct mk_pkt pkt;
	uint64_t n = 0;
	volatile uint8_t sink = 0;

	while (mk_capture_next(cap, &pkt) == MK_CAP_PACKET && n < UINT64_C(100000000)) {
		for (uint32_t i = 0; i < pkt.caplen; i++)
			sink ^= pkt.data[i];
		n++;
	}
	(void)sink;
	return n;
}

static size_t warnings_with(struct mk_capture *cap, const char *needle)
{
	const char *const *w;
	size_t n = mk_capture_warnings(cap, &w), hits = 0;

	for (size_t i = 0; i < n; i++)
		hits += strstr(w[i], needle) != NULL;
	return hits;
}

/* Every file of the MANIFEST outside malformed/ must give Wireshark's packet count. */
static void test_manifest_counts(void **state)
{
	char path[1024], line[4096];
	FILE *f;
	unsigned files = 0, bad = 0;

	snprintf(path, sizeof(path), "%s/captures/MANIFEST.tsv", MK_TEST_SHARED);
	f = fopen(path, "r");
	if (f == NULL) {
		print_message("skipped: %s not found (shared captures absent)\n", path);
		skip();
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *col[6] = { 0 }, *p = line, *end;
		int ncol = 0;

		/* file, source_repo, source_path, license, packets, ... (tab separated) */
		while (ncol < 6 && p != NULL) {
			col[ncol++] = p;
			p = strchr(p, '\t');
			if (p != NULL)
				*p++ = '\0';
		}
		if (ncol < 6 || strcmp(col[0], "file") == 0 || strncmp(col[0], "malformed/", 10) == 0)
			continue;
		errno = 0;
		unsigned long long want = strtoull(col[4], &end, 10);

		assert_true(errno == 0 && end != col[4] && *end == '\0');

		char fpath[4096 + 256], err[MK_CAPTURE_ERRLEN];

		snprintf(fpath, sizeof(fpath), "%s/captures/%s", MK_TEST_SHARED, col[0]);
		struct mk_capture *cap = mk_capture_open_file(fpath, 0, err);

		if (cap == NULL) {
			print_message("%s\n", err);
			bad++;
			continue;
		}
		uint64_t got = read_all(cap);

		/* melsoft_129_clean.pcap is cut 111 bytes into its last record (a 173-byte
		 * record at offset 331665 of a 331776-byte file); Wireshark, like us, counts
		 * the 2041 complete packets, so the count matches and we also warn. */
		if (got != want) {
			print_message("%s: %llu packets, MANIFEST says %llu\n", col[0], (unsigned long long)got, want);
			bad++;
		}
		assert_int_equal(mk_capture_stats(cap)->packets, got);
		files++;
		mk_capture_close(cap);
	}
	fclose(f);
	print_message("%u captures checked against MANIFEST.tsv\n", files);
	assert_true(files > 0);
	assert_int_equal(bad, 0);
}

/* Every broken file of malformed/: no crash, no sanitizer report, sane stats. */
static void test_malformed_survive(void **state)
{
	char dpath[1024];
	DIR *d;
	struct dirent *de;
	unsigned files = 0;

	snprintf(dpath, sizeof(dpath), "%s/captures/malformed", MK_TEST_SHARED);
	d = opendir(dpath);
	if (d == NULL) {
		print_message("skipped: %s not found\n", dpath);
		skip();
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char fpath[2048], err[MK_CAPTURE_ERRLEN] = "";
		struct mk_capture *cap;

		if (de->d_name[0] == '.')
			continue;
		snprintf(fpath, sizeof(fpath), "%s/%s", dpath, de->d_name);
		cap = mk_capture_open_file(fpath, 3, err);
		files++;
		if (cap == NULL) {
			assert_non_null(strstr(err, de->d_name)); /* the message names the file */
			continue;
		}
		uint64_t n = read_all(cap);

		assert_int_equal(mk_capture_stats(cap)->packets, n);
		mk_capture_close(cap);
	}
	closedir(d);
	print_message("%u malformed files read\n", files);
	assert_true(files > 0);
}

/* ---- files written to a temporary directory ---- */

/* A generated little-endian microsecond pcap with n records of plen bytes. */
static uint8_t *make_pcap(size_t n, size_t plen, size_t *outlen)
{
	static const uint8_t hdr[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, /* magic, LE, microseconds */
		0x02, 0x00, 0x04, 0x00, /* version 2.4 */
		0, 0, 0, 0,             /* thiszone */
		0, 0, 0, 0,             /* sigfigs */
		0xff, 0xff, 0, 0,       /* snaplen 65535 */
		0x01, 0, 0, 0,          /* Ethernet */
	};
	size_t len = 24 + n * (16 + plen);
	uint8_t *buf = malloc(len), *p;

	assert_non_null(buf);
	memcpy(buf, hdr, 24);
	p = buf + 24;
	for (size_t i = 0; i < n; i++) {
		uint32_t h[4] = { (uint32_t)(1600000000 + i), (uint32_t)(i % 1000000), (uint32_t)plen,
		                  (uint32_t)plen }; /* ts_sec, ts_usec, incl_len, orig_len */

		for (int k = 0; k < 4; k++)
			for (int b = 0; b < 4; b++)
				*p++ = (uint8_t)(h[k] >> (8 * b));
		for (size_t j = 0; j < plen; j++)
			*p++ = (uint8_t)(i + j);
	}
	*outlen = len;
	return buf;
}

static void write_file(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_gz(const char *path, const uint8_t *p, size_t len)
{
	gzFile g = gzopen(path, "wb6");

	assert_non_null(g);
	assert_int_equal(gzwrite(g, p, (unsigned)len), (int)len);
	assert_int_equal(gzclose(g), Z_OK);
}

static int setup_tmp(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_capture_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char p[600];

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
			chmod(p, 0600);
			if (remove(p) != 0)
				rmdir(p);
		}
		closedir(d);
	}
	rmdir(tmpdir);
	return 0;
}

static void test_plain_and_gzip_files(void **state)
{
	size_t len;
	uint8_t *raw = make_pcap(5000, 700, &len); /* 3.6 MB: several gzip refills */
	char p1[600], p2[600], p3[600], err[MK_CAPTURE_ERRLEN];
	struct mk_capture *cap;
	uint64_t done, total;

	snprintf(p1, sizeof(p1), "%s/plain.pcap", tmpdir);
	snprintf(p2, sizeof(p2), "%s/comp.pcap.gz", tmpdir);
	snprintf(p3, sizeof(p3), "%s/comp_without_suffix", tmpdir);
	write_file(p1, raw, len);
	write_gz(p2, raw, len);
	write_gz(p3, raw, len); /* detected by content, not by name */

	const char *paths[] = { p1, p2, p3, p1, p2 };

	/* the last two again with MIERUKA_CAPTURE_MMAP: the mapped-file path */
	for (int i = 0; i < 5; i++) {
		struct stat sb;

		if (i == 3)
			setenv("MIERUKA_CAPTURE_MMAP", "1", 1);
		cap = mk_capture_open_file(paths[i], (uint32_t)i, err);
		assert_non_null(cap);
		assert_int_equal(read_all(cap), 5000);
		assert_int_equal(warnings_with(cap, ""), 0);
		assert_int_equal(mk_capture_stats(cap)->bytes, 5000 * 700);
		assert_int_equal(mk_capture_stats(cap)->first_ns, UINT64_C(1600000000000000000));
		mk_capture_progress(cap, &done, &total);
		assert_int_equal(stat(paths[i], &sb), 0);
		assert_int_equal(total, (uint64_t)sb.st_size);
		assert_int_equal(done, total);
		mk_capture_close(cap);
	}
	unsetenv("MIERUKA_CAPTURE_MMAP");

	/* a truncated gzip file: the packets before the cut, and two warnings */
	FILE *f = fopen(p2, "r+b");
	struct stat sb;

	assert_non_null(f);
	assert_int_equal(stat(p2, &sb), 0);
	assert_int_equal(ftruncate(fileno(f), sb.st_size / 2), 0);
	fclose(f);
	cap = mk_capture_open_file(p2, 0, err);
	assert_non_null(cap);
	uint64_t n = read_all(cap);

	assert_true(n > 0 && n < 5000);
	assert_int_equal(warnings_with(cap, "compressed data ends early"), 1);
	assert_int_equal(warnings_with(cap, "analysed the"), 2);
	mk_capture_close(cap);
	free(raw);
}

/* Input that cannot be mapped (a FIFO, like /dev/stdin from a pipe) is streamed. */
static void stream_through_fifo(const uint8_t *data, size_t len, bool gz, uint64_t want)
{
	char fifo[600], err[MK_CAPTURE_ERRLEN];
	pid_t pid;
	int status;

	snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	remove(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (gz) {
			gzFile g = gzopen(fifo, "wb");

			_exit(g != NULL && gzwrite(g, data, (unsigned)len) == (int)len && gzclose(g) == Z_OK ? 0 : 1);
		}
		FILE *f = fopen(fifo, "wb");

		_exit(f != NULL && fwrite(data, 1, len, f) == len && fclose(f) == 0 ? 0 : 1);
	}
	struct mk_capture *cap = mk_capture_open_file(fifo, 0, err);

	if (cap == NULL)
		print_message("%s\n", err);
	assert_non_null(cap);
	assert_int_equal(read_all(cap), want);
	assert_int_equal(warnings_with(cap, ""), 0);
	mk_capture_close(cap);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	remove(fifo);
}

static void test_fifo(void **state)
{
	size_t len;
	uint8_t *raw = make_pcap(3000, 1000, &len); /* 3 MB, larger than the refill block */

	stream_through_fifo(raw, len, false, 3000);
	stream_through_fifo(raw, len, true, 3000);
	free(raw);
}

static void test_open_errors(void **state)
{
	char p[600], err[MK_CAPTURE_ERRLEN];
	size_t len;
	uint8_t *raw = make_pcap(2, 10, &len);

	snprintf(p, sizeof(p), "%s/missing.pcap", tmpdir);
	assert_null(mk_capture_open_file(p, 0, err));
	assert_non_null(strstr(err, "missing.pcap: cannot open (No such file or directory)"));

	assert_null(mk_capture_open_file(tmpdir, 0, err));
	assert_non_null(strstr(err, "is a directory, not a capture file"));
	assert_non_null(strstr(err, tmpdir));

	snprintf(p, sizeof(p), "%s/empty.pcap", tmpdir);
	write_file(p, raw, 0);
	assert_null(mk_capture_open_file(p, 0, err));
	assert_non_null(strstr(err, "empty.pcap: empty file (0 bytes), not a capture"));

	snprintf(p, sizeof(p), "%s/page.html", tmpdir);
	write_file(p, (const uint8_t *)"<html>", 6);
	assert_null(mk_capture_open_file(p, 0, err));
	assert_non_null(strstr(err, "page.html: not a pcap or pcapng capture (first bytes 3c 68 74 6d)"));

	snprintf(p, sizeof(p), "%s/secret.pcap", tmpdir);
	write_file(p, raw, len);
	assert_int_equal(chmod(p, 0), 0);
	if (geteuid() != 0) {
		assert_null(mk_capture_open_file(p, 0, err));
		assert_non_null(strstr(err, "secret.pcap: cannot open (Permission denied)"));
	} else {
		print_message("running as root: the permission check is not testable\n");
	}
	chmod(p, 0600);
	free(raw);
}

/* Reads one capture from memory or from a file; fills count and warnings. */
static bool read_either(const uint8_t *buf, size_t len, const char *path, uint64_t *n, size_t *nwarn)
{
	char err[MK_CAPTURE_ERRLEN];
	const char *const *w;
	struct mk_capture *cap = path != NULL ? mk_capture_open_file(path, 0, err)
	                                      : mk_capture_open_memory(buf, len, "mem", 0, err);

	if (cap == NULL)
		return false;
	*n = read_all(cap);
	*nwarn = mk_capture_warnings(cap, &w);
	mk_capture_close(cap);
	return true;
}

/* Every cut of two small real captures, read as a file (the refill path) and
 * from memory (the whole-window path): the same packets and warnings. */
static void test_file_every_truncation(void **state)
{
	const char *names[] = { "modbus/bro__modbus__fuzz-72.pcap", "s7comm/s7__step7_s300_stop.pcapng" };

	for (int k = 0; k < 2; k++) {
		char src[1024], dst[600];
		FILE *f;
		uint8_t *full;
		long flen;

		snprintf(src, sizeof(src), "%s/captures/%s", MK_TEST_SHARED, names[k]);
		f = fopen(src, "rb");
		if (f == NULL) {
			print_message("skipped: %s not found\n", src);
			skip();
			return;
		}
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		flen = ftell(f);
		assert_true(flen > 0 && flen < 1000000);
		rewind(f);
		full = malloc((size_t)flen);
		assert_non_null(full);
		assert_int_equal(fread(full, 1, (size_t)flen, f), (size_t)flen);
		fclose(f);
		snprintf(dst, sizeof(dst), "%s/cut", tmpdir);

		uint64_t last = 0;

		for (size_t len = 0; len <= (size_t)flen; len++) {
			uint64_t n1 = 0, n2 = 0;
			size_t w1 = 0, w2 = 0;
			uint8_t *copy = malloc(len > 0 ? len : 1);

			assert_non_null(copy);
			memcpy(copy, full, len);
			write_file(dst, full, len);
			bool o1 = read_either(copy, len, NULL, &n1, &w1);
			bool o2 = read_either(NULL, 0, dst, &n2, &w2);

			assert_int_equal(o1, o2);
			assert_int_equal(n1, n2);
			assert_int_equal(w1, w2);
			assert_true(n1 >= last); /* a longer prefix never loses packets */
			last = n1;
			free(copy);
		}
		print_message("%s: %llu packets at full length\n", names[k], (unsigned long long)last);
		assert_true(last > 0);
		free(full);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_counts),
		cmocka_unit_test(test_malformed_survive),
		cmocka_unit_test(test_plain_and_gzip_files),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_file_every_truncation),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}

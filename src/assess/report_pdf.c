/* report_pdf.c - the printable report as PDF, printed by headless Chromium.
 *
 * The HTML report is already laid out for paper (report_html.c's print CSS),
 * so the PDF is what a browser's "print to PDF" makes of it: Chromium with
 * --headless --print-to-pdf, no header or footer of its own (the page numbers
 * are the CSS's), started with posix_spawn in a process group of its own so a
 * hung print can be stopped whole after the timeout (60 s; Chromium starts
 * helper processes).  It gets a fresh profile directory (removed afterwards):
 * a user's running browser or a read-only home must not matter.  Its stderr
 * is kept (the last 4 KiB) to say why it failed; the PDF is written next to
 * the target as NAME.part, checked to start with "%PDF-" and only then
 * renamed over the target.
 *
 * Which Chromium: $MIERUKA_CHROMIUM (a path or a name on PATH), else the
 * first of chromium, chromium-browser, google-chrome on PATH.
 */
#include "assess/report_int.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PDF_TIMEOUT_S 60
#define STDERR_KEEP 4096

static void fail_msg(char *err, size_t errlen, const char *key, const char *const *kv, size_t nkv)
{
	mk_rpt_fill(err, errlen, mk_msg(key), kv, nkv);
}

/* name with a slash: that file; else the first executable of that name on PATH. */
static bool find_exe(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p;

	if (name == NULL || name[0] == '\0')
		return false;
	if (strchr(name, '/') != NULL) {
		if (access(name, X_OK) != 0)
			return false;
		snprintf(out, len, "%s", name);
		return true;
	}
	if (path == NULL || path[0] == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0';) {
		const char *end = strchr(p, ':');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		struct stat sb;

		if (n > 0 && n + strlen(name) + 2 <= len) {
			snprintf(out, len, "%.*s/%s", (int)n, p, name);
			if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode) && access(out, X_OK) == 0)
				return true;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return false;
}

/* An absolute file:// URL of an existing file, bytes outside the unreserved
 * set and '/' percent-encoded. */
static bool file_url(const char *path, char *out, size_t len)
{
	char abs[PATH_MAX];
	size_t o;

	if (realpath(path, abs) == NULL)
		return false;
	o = (size_t)snprintf(out, len, "file://");
	for (const unsigned char *s = (const unsigned char *)abs; *s != '\0'; s++) {
		if (o + 4 >= len)
			return false;
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr("/-._~", *s) != NULL)
			out[o++] = (char)*s;
		else
			o += (size_t)snprintf(out + o, len - o, "%%%02X", *s);
	}
	out[o] = '\0';
	return true;
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)type, (void)ftw;
	remove(path);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static unsigned timeout_s(void)
{
	const char *e = getenv("MIERUKA_PDF_TIMEOUT_S");
	unsigned long v;

	if (e != NULL && mk_parse_ulong(e, 600, &v) && v >= 1)
		return (unsigned)v;
	return PDF_TIMEOUT_S;
}

/* The last non-empty line of what Chromium said. */
static void last_line(const char *buf, size_t n, char *out, size_t len)
{
	size_t end = n, start;

	while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == '\r' || buf[end - 1] == ' '))
		end--;
	start = end;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	mk_text_sanitize(out, len, buf + start, end - start);
}

/* Appends chunk to the kept tail of stderr (the last STDERR_KEEP bytes). */
static void keep(char *said, size_t *n_said, const char *chunk, size_t r)
{
	if (r > STDERR_KEEP) { /* only the end of a long chunk can be kept */
		chunk += r - STDERR_KEEP;
		r = STDERR_KEEP;
	}
	if (*n_said + r > STDERR_KEEP) {
		size_t drop = *n_said + r - STDERR_KEEP;

		memmove(said, said + drop, *n_said - drop);
		*n_said -= drop;
	}
	memcpy(said + *n_said, chunk, r);
	*n_said += r;
}

static bool is_pdf(const char *path)
{
	char head[5];
	FILE *f = fopen(path, "rb");
	bool ok;

	if (f == NULL)
		return false;
	ok = fread(head, 1, 5, f) == 5 && memcmp(head, "%PDF-", 5) == 0;
	fclose(f);
	return ok;
}

int mk_assess_report_pdf(const char *html_path, const char *pdf_path, char *err, size_t errlen)
{
	static const char *const names[] = {"chromium", "chromium-browser", "google-chrome"};
	const char *env = getenv("MIERUKA_CHROMIUM");
	char exe[PATH_MAX], url[3 * PATH_MAX + 16], out[PATH_MAX], part[PATH_MAX + 8];
	char profile[PATH_MAX], a_profile[PATH_MAX + 32], a_print[PATH_MAX + 32];
	char said[STDERR_KEEP + 1], line[512], num[32];
	const char *tmp = getenv("TMPDIR");
	size_t n_said = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t mask, defs;
	int fds[2] = {-1, -1}, status = 0, rc = -1;
	pid_t pid = -1;
	bool found = false, timed_out = false, spawned = false, no_status = false;
	uint64_t deadline;

	err[0] = '\0';
	if (env != NULL && env[0] != '\0') {
		if (!find_exe(env, exe, sizeof(exe))) {
			const char *kv[2] = {"path", env};

			fail_msg(err, errlen, "ar.pdf.bad_env", kv, 1);
			return -1;
		}
		found = true;
	}
	for (size_t i = 0; !found && i < sizeof(names) / sizeof(names[0]); i++)
		found = find_exe(names[i], exe, sizeof(exe));
	if (!found) {
		fail_msg(err, errlen, "ar.pdf.no_chromium", NULL, 0);
		return -1;
	}
	if (!file_url(html_path, url, sizeof(url))) {
		const char *kv[4] = {"path", html_path, "why", strerror(errno)};

		fail_msg(err, errlen, "ar.pdf.no_html", kv, 2);
		return -1;
	}
	if (pdf_path[0] == '/') {
		snprintf(out, sizeof(out), "%s", pdf_path);
	} else {
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    (size_t)snprintf(out, sizeof(out), "%s/%s", cwd, pdf_path) >= sizeof(out)) {
			const char *kv[4] = {"path", pdf_path, "why", strerror(ENAMETOOLONG)};

			fail_msg(err, errlen, "ar.pdf.write", kv, 2);
			return -1;
		}
	}
	snprintf(part, sizeof(part), "%s.part", out);
	remove(part);
	snprintf(profile, sizeof(profile), "%s/mieruka-chromium-XXXXXX",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(profile) == NULL) {
		const char *kv[2] = {"why", strerror(errno)};

		fail_msg(err, errlen, "ar.pdf.tmpdir", kv, 1);
		return -1;
	}
	snprintf(a_profile, sizeof(a_profile), "--user-data-dir=%s", profile);
	snprintf(a_print, sizeof(a_print), "--print-to-pdf=%s", part);
	{
		char *argv[] = {exe,
		                "--headless",
		                "--no-sandbox",
		                "--disable-gpu",
		                "--no-pdf-header-footer",
		                "--no-first-run",
		                "--disable-extensions",
		                "--disable-dev-shm-usage",
		                a_profile,
		                a_print,
		                url,
		                NULL};

		if (pipe2(fds, O_CLOEXEC) != 0)
			goto spawn_failed;
		posix_spawn_file_actions_init(&fa);
		posix_spawnattr_init(&at);
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
		/* its own process group (stopped whole on timeout), default signals
		 * (a server calling this may ignore SIGPIPE), nothing blocked */
		sigemptyset(&mask);
		sigemptyset(&defs);
		sigaddset(&defs, SIGPIPE);
		sigaddset(&defs, SIGINT);
		sigaddset(&defs, SIGTERM);
		sigaddset(&defs, SIGHUP);
		posix_spawnattr_setsigmask(&at, &mask);
		posix_spawnattr_setsigdefault(&at, &defs);
		posix_spawnattr_setpgroup(&at, 0);
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
		                                  POSIX_SPAWN_SETSIGDEF);
		errno = posix_spawn(&pid, exe, &fa, &at, argv, environ);
		spawned = errno == 0;
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&at);
		close(fds[1]);
		fds[1] = -1;
		if (!spawned)
			goto spawn_failed;
	}

	/* read its stderr until it exits or the time is up; it is reaped only
	 * after its group was killed, so the group id cannot have been reused */
	deadline = now_ms() + (uint64_t)timeout_s() * 1000u;
	for (;;) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		siginfo_t info;

		memset(&info, 0, sizeof(info));
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
			if (info.si_pid == pid)
				break;
		} else if (errno == ECHILD && kill(pid, 0) != 0 && errno == ESRCH) {
			/* a caller that ignores SIGCHLD (the web server) has its children
			 * reaped by the kernel: it ended, how is unknown; the PDF says */
			no_status = true;
			break;
		}
		if (now_ms() >= deadline) {
			timed_out = true;
			break;
		}
		if (poll(fds[0] >= 0 ? &pfd : NULL, fds[0] >= 0 ? 1 : 0, 100) > 0) {
			char chunk[1024];
			ssize_t r = read(fds[0], chunk, sizeof(chunk));

			if (r <= 0) {
				/* closed: only the exit is left to wait for */
				close(fds[0]);
				fds[0] = -1;
				continue;
			}
			keep(said, &n_said, chunk, (size_t)r);
		}
	}
	/* the helpers it started belong to its group, and go with it */
	kill(-pid, SIGKILL);
	while (!no_status && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (no_status)
		status = 0;
	for (int k = 0; fds[0] >= 0 && k < 64; k++) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		char chunk[1024];
		ssize_t r;

		if (poll(&pfd, 1, 0) <= 0 || (r = read(fds[0], chunk, sizeof(chunk))) <= 0)
			break;
		keep(said, &n_said, chunk, (size_t)r);
	}
	last_line(said, n_said, line, sizeof(line));
	if (timed_out) {
		const char *kv[2] = {"s", num};

		snprintf(num, sizeof(num), "%u", timeout_s());
		fail_msg(err, errlen, "ar.pdf.timeout", kv, 1);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *kv[4] = {"code", num, "stderr", line};

		if (WIFSIGNALED(status))
			snprintf(num, sizeof(num), "signal %d", WTERMSIG(status));
		else
			snprintf(num, sizeof(num), "%d", WEXITSTATUS(status));
		fail_msg(err, errlen, "ar.pdf.failed", kv, 2);
	} else if (!is_pdf(part)) {
		const char *kv[4] = {"path", out, "stderr", line};

		fail_msg(err, errlen, "ar.pdf.not_pdf", kv, 2);
	} else if (rename(part, out) != 0) {
		const char *kv[4] = {"path", out, "why", strerror(errno)};

		fail_msg(err, errlen, "ar.pdf.write", kv, 2);
	} else {
		rc = 0;
	}
	goto done;

spawn_failed: {
	const char *kv[4] = {"path", exe, "why", strerror(errno)};

	fail_msg(err, errlen, "ar.pdf.spawn", kv, 2);
}
done:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (rc != 0)
		remove(part);
	nftw(profile, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}

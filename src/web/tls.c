/* tls.c - `serve --tls-cert FILE --tls-key FILE`: reads and checks the pair
 * before libmicrohttpd gets it (web_int.h mk_web_tls_load).
 *
 * libmicrohttpd only says "cannot start" when its GnuTLS refuses the pair; the
 * same GnuTLS (libmicrohttpd's own TLS library) is asked here first, so the
 * user learns which file is wrong and why: missing or unreadable, not a PEM
 * certificate, not a PEM key without a pass phrase, or a key that belongs to
 * another certificate.  An expired certificate is only a warning. */
#include "web/web_int.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mieruka/util.h"

#define TLS_FILE_MAX (1024 * 1024) /* a PEM chain or key is a few KiB */

/* The whole file NUL-terminated (libmicrohttpd takes PEM as a C string), or
 * NULL with the message printed, naming the file. */
static char *read_pem(const char *path, size_t *len)
{
	struct stat sb;
	FILE *f;
	char *buf;
	size_t n;

	if (stat(path, &sb) != 0) {
		mk_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		mk_error("%s: %s", path, mk_msg("cli.serve_tls_not_file"));
		return NULL;
	}
	if (sb.st_size == 0 || sb.st_size > TLS_FILE_MAX) {
		mk_error("%s: %s", path,
		         mk_msg(sb.st_size == 0 ? "cli.serve_tls_empty" : "cli.serve_tls_too_big"));
		return NULL;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		mk_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	n = buf != NULL ? fread(buf, 1, (size_t)sb.st_size, f) : 0;
	if (buf == NULL || ferror(f)) {
		mk_error("%s: %s", path, strerror(buf == NULL ? ENOMEM : EIO));
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void warn_expired(const char *cert_path, gnutls_x509_crt_t crt)
{
	time_t end = gnutls_x509_crt_get_expiration_time(crt);
	char t[40];

	if (end == (time_t)-1 || end >= time(NULL))
		return;
	mk_warn("%s: %s %s", cert_path, mk_msg("cli.serve_tls_expired"),
	        mk_time_rfc3339((uint64_t)end * 1000000000ull, t, sizeof(t)));
}

int mk_web_tls_load(const char *cert_path, const char *key_path, char **cert, char **key)
{
	gnutls_datum_t cd, kd;
	gnutls_x509_crt_t *crts = NULL;
	gnutls_x509_privkey_t pk = NULL;
	gnutls_certificate_credentials_t cred = NULL;
	unsigned n_crts = 0;
	size_t clen = 0, klen = 0;
	int rc = -1, g;

	*cert = *key = NULL;
	if ((*cert = read_pem(cert_path, &clen)) == NULL || (*key = read_pem(key_path, &klen)) == NULL)
		goto out;
	cd.data = (unsigned char *)*cert;
	cd.size = (unsigned)clen;
	kd.data = (unsigned char *)*key;
	kd.size = (unsigned)klen;
	if (gnutls_x509_crt_list_import2(&crts, &n_crts, &cd, GNUTLS_X509_FMT_PEM, 0) < 0 ||
	    n_crts == 0) {
		mk_error("%s: %s", cert_path, mk_msg("cli.serve_tls_cert_bad"));
		goto out;
	}
	if (gnutls_x509_privkey_init(&pk) < 0 ||
	    gnutls_x509_privkey_import2(pk, &kd, GNUTLS_X509_FMT_PEM, NULL, 0) < 0) {
		mk_error("%s: %s", key_path, mk_msg("cli.serve_tls_key_bad"));
		goto out;
	}
	/* the pair, as libmicrohttpd will load it */
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		mk_error("%s", strerror(ENOMEM));
		goto out;
	}
	g = gnutls_certificate_set_x509_key_mem2(cred, &cd, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (g == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
		mk_error("%s: %s: %s", key_path, mk_msg("cli.serve_tls_mismatch"), cert_path);
		goto out;
	}
	if (g < 0) {
		mk_error("%s / %s: %s", cert_path, key_path, gnutls_strerror(g));
		goto out;
	}
	warn_expired(cert_path, crts[0]);
	rc = 0;
out:
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	if (pk != NULL)
		gnutls_x509_privkey_deinit(pk);
	for (unsigned i = 0; i < n_crts; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	if (rc != 0) {
		free(*cert);
		free(*key);
		*cert = *key = NULL;
	}
	return rc;
}

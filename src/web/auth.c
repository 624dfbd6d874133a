/* auth.c - the dashboard's security primitives (auth_int.h).
 *
 * Passwords: libsodium's crypto_pwhash_str with Argon2id and the interactive
 * limits (a login costs ~64 MiB and well under a second).  Session tokens are
 * 256 random bits (randombytes_buf); the database keeps only their BLAKE2b
 * hash, so a stolen database file does not hand out sessions.  The CSRF token
 * is a keyed hash of the session token: the browser gets it from
 * GET /api/v1/me and sends it back in X-CSRF-Token; a cross-site page can do
 * neither. */
#include "web/auth_int.h"

#include <sodium.h>
#include <string.h>

int mk_web_auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int mk_web_password_hash(const char *pw, char out[MK_WEB_PWHASH_LEN])
{
	return crypto_pwhash_str_alg(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                             crypto_pwhash_MEMLIMIT_INTERACTIVE,
	                             crypto_pwhash_ALG_ARGON2ID13) == 0
	           ? 0
	           : -1;
}

bool mk_web_password_verify(const char *hash, const char *pw)
{
	if (hash == NULL || pw == NULL || strnlen(hash, MK_WEB_PWHASH_LEN) >= MK_WEB_PWHASH_LEN)
		return false;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

void mk_web_password_burn(const char *pw)
{
	char h[MK_WEB_PWHASH_LEN];

	if (mk_web_password_hash(pw, h) == 0)
		sodium_memzero(h, sizeof(h));
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, b, n);
}

void mk_web_token_new(char out[MK_WEB_TOKEN_HEX])
{
	unsigned char b[32];

	randombytes_buf(b, sizeof(b));
	to_hex(b, sizeof(b), out);
	sodium_memzero(b, sizeof(b));
}

void mk_web_token_hash(const char *token, char out[MK_WEB_TOKEN_HEX])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
	to_hex(h, sizeof(h), out);
}

void mk_web_csrf_for(const char *token, char out[MK_WEB_TOKEN_HEX])
{
	static const unsigned char key[] = "mieruka csrf token v1";
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), key,
	                   sizeof(key) - 1);
	to_hex(h, sizeof(h), out);
}

bool mk_web_token_equal(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL)
		return false;
	n = strlen(a);
	if (n == 0 || n != strlen(b))
		return false;
	return sodium_memcmp(a, b, n) == 0;
}

bool mk_web_user_name_ok(const char *name)
{
	size_t n = 0;

	if (name == NULL)
		return false;
	for (; name[n] != '\0'; n++) {
		char c = name[n];

		if (n >= 64 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		                 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
		                 c == '-'))
			return false;
	}
	return n > 0;
}

const char *mk_web_password_problem(const char *pw)
{
	size_t n = pw != NULL ? strnlen(pw, MK_WEB_PW_MAX + 1) : 0, chars = 0;

	if (n > MK_WEB_PW_MAX)
		return "password_long";
	/* characters, not bytes: a Japanese pass phrase counts what it shows */
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)pw[i] & 0xC0) != 0x80)
			chars++;
	return chars < MK_WEB_PW_MIN ? "password_short" : NULL;
}

bool mk_web_listen_is_loopback(const char *host)
{
	if (host == NULL)
		return false;
	if (strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
	    strcmp(host, "[::1]") == 0)
		return true;
	/* 127.0.0.0/8 written as a dotted quad */
	if (strncmp(host, "127.", 4) != 0)
		return false;
	for (const char *p = host + 4; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return false;
	return true;
}

bool mk_web_host_is_loopback(const char *h)
{
	char host[64];
	size_t n;

	if (h == NULL || (n = strlen(h)) == 0 || n >= sizeof(host))
		return false;
	memcpy(host, h, n + 1);
	if (host[0] == '[') {
		char *end = strchr(host, ']');

		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return false;
		end[1] = '\0';
	} else {
		char *colon = strchr(host, ':');

		if (colon != NULL)
			*colon = '\0';
	}
	return mk_web_listen_is_loopback(host);
}

uint64_t mk_web_rl_backoff(uint32_t failures)
{
	uint32_t over;

	if (failures < MK_WEB_RL_FREE)
		return 0;
	over = failures - MK_WEB_RL_FREE;
	if (over >= 10)
		return MK_WEB_RL_MAX_WAIT;
	return (1u << over) < MK_WEB_RL_MAX_WAIT ? (1u << over) : MK_WEB_RL_MAX_WAIT;
}

static struct mk_web_rl_slot *rl_find(const struct mk_web_rl *rl, const char *key)
{
	for (size_t i = 0; i < MK_WEB_RL_SLOTS; i++)
		if (rl->slot[i].failures > 0 && strncmp(rl->slot[i].key, key, sizeof(rl->slot[i].key)) == 0)
			return (struct mk_web_rl_slot *)&rl->slot[i];
	return NULL;
}

uint64_t mk_web_rl_check(const struct mk_web_rl *rl, const char *key, uint64_t now_ns)
{
	const struct mk_web_rl_slot *s = rl_find(rl, key);
	uint64_t wait_ns, passed;

	if (s == NULL)
		return 0;
	wait_ns = mk_web_rl_backoff(s->failures) * 1000000000ull;
	passed = now_ns > s->last_ns ? now_ns - s->last_ns : 0;
	if (passed >= wait_ns)
		return 0;
	return (wait_ns - passed + 999999999ull) / 1000000000ull;
}

void mk_web_rl_fail(struct mk_web_rl *rl, const char *key, uint64_t now_ns)
{
	struct mk_web_rl_slot *s = rl_find(rl, key);

	if (s == NULL) {
		/* a free slot, else the one whose last failure is oldest */
		s = &rl->slot[0];
		for (size_t i = 0; i < MK_WEB_RL_SLOTS; i++) {
			if (rl->slot[i].failures == 0) {
				s = &rl->slot[i];
				break;
			}
			if (rl->slot[i].last_ns < s->last_ns)
				s = &rl->slot[i];
		}
		memset(s, 0, sizeof(*s));
		snprintf(s->key, sizeof(s->key), "%s", key);
	}
	if (s->failures < UINT32_MAX)
		s->failures++;
	s->last_ns = now_ns;
}

void mk_web_rl_success(struct mk_web_rl *rl, const char *key)
{
	struct mk_web_rl_slot *s = rl_find(rl, key);

	if (s != NULL)
		memset(s, 0, sizeof(*s));
}

const char *const mk_web_security_headers[][2] = {
	{"Content-Security-Policy",
	 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	 "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
};
const size_t mk_web_n_security_headers =
	sizeof(mk_web_security_headers) / sizeof(mk_web_security_headers[0]);

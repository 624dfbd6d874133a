/* auth_int.h - the dashboard's security primitives (src/web/auth.c): password
 * hashing, session tokens, CSRF tokens, the login rate limiter, the security
 * headers and the loopback rule.  Pure functions over libsodium, unit-tested in
 * tests/unit/test_web_auth.c. */
#ifndef MIERUKA_WEB_AUTH_INT_H
#define MIERUKA_WEB_AUTH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MK_WEB_TOKEN_HEX 65  /* 256 bits as hex + NUL */
#define MK_WEB_PWHASH_LEN 128 /* crypto_pwhash_STRBYTES */
#define MK_WEB_PW_MIN 10
#define MK_WEB_PW_MAX 256

/* 0, or -1 when libsodium cannot start. */
int mk_web_auth_init(void);
/* Argon2id (crypto_pwhash_str, interactive limits): 0 or -1 (ENOMEM). */
int mk_web_password_hash(const char *pw, char out[MK_WEB_PWHASH_LEN]);
bool mk_web_password_verify(const char *hash, const char *pw);
/* A dummy verification of the same cost, so an unknown user name takes as
 * long as a wrong password. */
void mk_web_password_burn(const char *pw);
/* 256 random bits as lower-case hex. */
void mk_web_token_new(char out[MK_WEB_TOKEN_HEX]);
/* What the database keeps of a token: hex BLAKE2b-256. */
void mk_web_token_hash(const char *token, char out[MK_WEB_TOKEN_HEX]);
/* The CSRF token bound to a session token (keyed BLAKE2b, another domain). */
void mk_web_csrf_for(const char *token, char out[MK_WEB_TOKEN_HEX]);
/* Constant-time comparison of two strings (false when either is NULL). */
bool mk_web_token_equal(const char *a, const char *b);
/* A user name: 1-64 of A-Za-z0-9._@- */
bool mk_web_user_name_ok(const char *name);
/* 0 when acceptable, else an error code ("password_short", "password_long"). */
const char *mk_web_password_problem(const char *pw);

/* The loopback rule is decided on the listen address: 127.0.0.0/8, ::1,
 * "localhost". */
bool mk_web_listen_is_loopback(const char *host);
/* A Host header naming a loopback host (with or without port). */
bool mk_web_host_is_loopback(const char *host_header);

/* ---- login rate limit: per client address and per user name ----
 * A fixed table (oldest entry reused when full: bounded memory).  After
 * MK_WEB_RL_FREE failures, each attempt must wait 2^(n - FREE) seconds after
 * the last failure, at most MK_WEB_RL_MAX_WAIT. */
#define MK_WEB_RL_SLOTS 1024
#define MK_WEB_RL_FREE 5
#define MK_WEB_RL_MAX_WAIT 900
struct mk_web_rl_slot {
	char key[80];
	uint32_t failures;
	uint64_t last_ns;
};
struct mk_web_rl {
	struct mk_web_rl_slot slot[MK_WEB_RL_SLOTS];
};
/* Seconds to wait after `failures` failures (0 = may try now). */
uint64_t mk_web_rl_backoff(uint32_t failures);
/* Seconds still to wait for key at now_ns (0: go ahead). */
uint64_t mk_web_rl_check(const struct mk_web_rl *rl, const char *key, uint64_t now_ns);
void mk_web_rl_fail(struct mk_web_rl *rl, const char *key, uint64_t now_ns);
void mk_web_rl_success(struct mk_web_rl *rl, const char *key);

/* The headers every response carries (api.md), NULL-terminated pairs. */
extern const char *const mk_web_security_headers[][2];
extern const size_t mk_web_n_security_headers;

#endif /* MIERUKA_WEB_AUTH_INT_H */

/* test_web_auth.c - the dashboard's security primitives (src/web/auth.c) and
 * the request-body reader (src/web/jsonin.c): Argon2id hash and verify, token
 * and CSRF shapes, constant-time comparison, the rate limiter's back-off
 * arithmetic and table, the security header set, the loopback rules, user
 * name and password checks, and hostile JSON bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/auth_int.h"
#include "web/web_int.h"

static int setup(void **state)
{
	(void)state;
	return mk_web_auth_init();
}

static void test_password(void **state)
{
	char h[MK_WEB_PWHASH_LEN], h2[MK_WEB_PWHASH_LEN];

	(void)state;
	assert_int_equal(mk_web_password_hash("correct horse battery", h), 0);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_true(mk_web_password_verify(h, "correct horse battery"));
	assert_false(mk_web_password_verify(h, "correct horse batterz"));
	assert_false(mk_web_password_verify(h, ""));
	assert_false(mk_web_password_verify("not a hash", "correct horse battery"));
	/* salted: the same password hashes differently */
	assert_int_equal(mk_web_password_hash("correct horse battery", h2), 0);
	assert_string_not_equal(h, h2);
	/* Japanese pass phrases work byte for byte */
	assert_int_equal(mk_web_password_hash("工場の見える化パスワード", h), 0);
	assert_true(mk_web_password_verify(h, "工場の見える化パスワード"));
}

static bool all_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static void test_tokens(void **state)
{
	char a[MK_WEB_TOKEN_HEX], b[MK_WEB_TOKEN_HEX], ha[MK_WEB_TOKEN_HEX], ha2[MK_WEB_TOKEN_HEX],
		ca[MK_WEB_TOKEN_HEX], cb[MK_WEB_TOKEN_HEX];

	(void)state;
	mk_web_token_new(a);
	mk_web_token_new(b);
	assert_true(all_hex(a, 64));
	assert_string_not_equal(a, b);
	mk_web_token_hash(a, ha);
	mk_web_token_hash(a, ha2);
	assert_true(all_hex(ha, 64));
	assert_string_equal(ha, ha2);
	assert_string_not_equal(ha, a);
	/* BLAKE2b-256 of "abc" (RFC 7693 test vector family; libsodium's value) */
	mk_web_token_hash("abc", ha);
	assert_string_equal(ha, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
	mk_web_csrf_for(a, ca);
	mk_web_csrf_for(b, cb);
	assert_true(all_hex(ca, 64));
	assert_string_not_equal(ca, cb);
	assert_string_not_equal(ca, ha);
	mk_web_token_hash(a, ha);
	assert_string_not_equal(ca, ha); /* the CSRF token is not the stored hash */
}

static void test_equal(void **state)
{
	(void)state;
	assert_true(mk_web_token_equal("abcdef", "abcdef"));
	assert_false(mk_web_token_equal("abcdef", "abcdeg"));
	assert_false(mk_web_token_equal("abcdef", "abcde"));
	assert_false(mk_web_token_equal("", ""));
	assert_false(mk_web_token_equal(NULL, "abc"));
	assert_false(mk_web_token_equal("abc", NULL));
}

static void test_backoff(void **state)
{
	(void)state;
	for (uint32_t n = 0; n < MK_WEB_RL_FREE; n++)
		assert_int_equal(mk_web_rl_backoff(n), 0);
	assert_int_equal(mk_web_rl_backoff(5), 1);
	assert_int_equal(mk_web_rl_backoff(6), 2);
	assert_int_equal(mk_web_rl_backoff(7), 4);
	assert_int_equal(mk_web_rl_backoff(14), 512);
	assert_int_equal(mk_web_rl_backoff(15), 900);
	assert_int_equal(mk_web_rl_backoff(1000), 900);
	assert_int_equal(mk_web_rl_backoff(UINT32_MAX), 900);
}

static void test_limiter(void **state)
{
	struct mk_web_rl *rl = calloc(1, sizeof(*rl));
	const uint64_t s = 1000000000ull, t0 = 100 * s;

	(void)state;
	assert_non_null(rl);
	for (int i = 0; i < 4; i++)
		mk_web_rl_fail(rl, "ip:192.0.2.1", t0);
	assert_int_equal(mk_web_rl_check(rl, "ip:192.0.2.1", t0), 0);
	mk_web_rl_fail(rl, "ip:192.0.2.1", t0); /* 5th */
	assert_int_equal(mk_web_rl_check(rl, "ip:192.0.2.1", t0), 1);
	assert_int_equal(mk_web_rl_check(rl, "ip:192.0.2.1", t0 + s), 0);
	mk_web_rl_fail(rl, "ip:192.0.2.1", t0 + s); /* 6th: 2 s */
	assert_int_equal(mk_web_rl_check(rl, "ip:192.0.2.1", t0 + s), 2);
	assert_int_equal(mk_web_rl_check(rl, "ip:192.0.2.1", t0 + s + s / 2), 2); /* rounds up */
	assert_int_equal(mk_web_rl_check(rl, "ip:192.0.2.1", t0 + 3 * s), 0);
	/* other keys are independent */
	assert_int_equal(mk_web_rl_check(rl, "ip:192.0.2.2", t0), 0);
	assert_int_equal(mk_web_rl_check(rl, "user:admin", t0), 0);
	/* success forgets */
	mk_web_rl_success(rl, "ip:192.0.2.1");
	assert_int_equal(mk_web_rl_check(rl, "ip:192.0.2.1", t0 + s), 0);
	/* a full table reuses the oldest slot: bounded, and new keys still count */
	for (int i = 0; i < MK_WEB_RL_SLOTS + 10; i++) {
		char k[32];

		snprintf(k, sizeof(k), "ip:10.0.%d.%d", i / 256, i % 256);
		mk_web_rl_fail(rl, k, t0 + (uint64_t)i);
	}
	for (int i = 0; i < 5; i++)
		mk_web_rl_fail(rl, "user:victim", t0 + 2000);
	assert_int_equal(mk_web_rl_check(rl, "user:victim", t0 + 2000), 1);
	free(rl);
}

static void test_headers(void **state)
{
	bool csp = false, nosniff = false, referrer = false, frame = false;

	(void)state;
	for (size_t i = 0; i < mk_web_n_security_headers; i++) {
		const char *n = mk_web_security_headers[i][0], *v = mk_web_security_headers[i][1];

		if (strcmp(n, "Content-Security-Policy") == 0) {
			csp = true;
			assert_string_equal(v, "default-src 'self'; script-src 'self'; style-src 'self'; "
			                       "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
			                       "frame-ancestors 'none'; form-action 'self'");
		}
		nosniff |= strcmp(n, "X-Content-Type-Options") == 0 && strcmp(v, "nosniff") == 0;
		referrer |= strcmp(n, "Referrer-Policy") == 0 && strcmp(v, "no-referrer") == 0;
		frame |= strcmp(n, "X-Frame-Options") == 0 && strcmp(v, "DENY") == 0;
	}
	assert_true(csp && nosniff && referrer && frame);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(mk_web_listen_is_loopback("127.0.0.1"));
	assert_true(mk_web_listen_is_loopback("127.1.2.3"));
	assert_true(mk_web_listen_is_loopback("::1"));
	assert_true(mk_web_listen_is_loopback("localhost"));
	assert_false(mk_web_listen_is_loopback("0.0.0.0"));
	assert_false(mk_web_listen_is_loopback("::"));
	assert_false(mk_web_listen_is_loopback("192.168.1.10"));
	assert_false(mk_web_listen_is_loopback("127.evil.example"));
	assert_false(mk_web_listen_is_loopback("128.0.0.1"));
	assert_true(mk_web_host_is_loopback("127.0.0.1:8080"));
	assert_true(mk_web_host_is_loopback("localhost:8080"));
	assert_true(mk_web_host_is_loopback("localhost"));
	assert_true(mk_web_host_is_loopback("[::1]:8080"));
	assert_false(mk_web_host_is_loopback("evil.example:8080"));
	assert_false(mk_web_host_is_loopback("127.0.0.1.evil.example"));
	assert_false(mk_web_host_is_loopback("[::1]x"));
	assert_false(mk_web_host_is_loopback(""));
	assert_false(mk_web_host_is_loopback(NULL));
}

static void test_names_passwords(void **state)
{
	char long_name[80], long_pw[300];

	(void)state;
	assert_true(mk_web_user_name_ok("admin"));
	assert_true(mk_web_user_name_ok("taro.yamada@factory-1"));
	assert_false(mk_web_user_name_ok(""));
	assert_false(mk_web_user_name_ok("a b"));
	assert_false(mk_web_user_name_ok("<img>"));
	assert_false(mk_web_user_name_ok("山田"));
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	assert_false(mk_web_user_name_ok(long_name));
	long_name[64] = '\0';
	assert_true(mk_web_user_name_ok(long_name));
	assert_null(mk_web_password_problem("0123456789"));
	assert_string_equal(mk_web_password_problem("012345678"), "password_short");
	assert_null(mk_web_password_problem("見える化パスワード１２")); /* 11 characters */
	assert_string_equal(mk_web_password_problem("見える化パスワード"), "password_short");
	memset(long_pw, 'x', 257);
	long_pw[257] = '\0';
	assert_string_equal(mk_web_password_problem(long_pw), "password_long");
}

static void test_json_in(void **state)
{
	struct mk_web_kv kv[MK_WEB_JSON_MAX_MEMBERS];
	const char *ok = "{ \"user\" : \"a\\u00e9\\ud83d\\ude00\\n\", \"note\": null, \"x\":\"\"}";
	static const char *const bad[] = {
		"", "[]", "{", "{\"a\":1}", "{\"a\":true}", "{\"a\":\"b\"", "{\"a\":\"b\",}",
		"{\"a\":\"b\"} x", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}",
		"{\"a\":\"\\x\"}", "{\"a\":\"b\",\"a\":\"c\"}", "{\"a\":{\"b\":\"c\"}}", "{\"a\":\"\x01\"}",
		"{a:\"b\"}",
	};
	int n;

	(void)state;
	n = mk_web_json_parse(ok, strlen(ok), kv, MK_WEB_JSON_MAX_MEMBERS);
	assert_int_equal(n, 3);
	assert_string_equal(mk_web_json_get(kv, 3, "user")->value, "a\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_true(mk_web_json_get(kv, 3, "note")->is_null);
	assert_null(mk_web_json_get(kv, 3, "note")->value);
	assert_string_equal(mk_web_json_get(kv, 3, "x")->value, "");
	assert_null(mk_web_json_get(kv, 3, "missing"));
	mk_web_json_free(kv, 3);
	n = mk_web_json_parse("{}", 2, kv, MK_WEB_JSON_MAX_MEMBERS);
	assert_int_equal(n, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = mk_web_json_parse(bad[i], strlen(bad[i]), kv, MK_WEB_JSON_MAX_MEMBERS);
		if (n != -1)
			fail_msg("accepted: %s", bad[i]);
	}
	/* more members than allowed */
	{
		char big[1024];
		size_t len = 0;

		len += (size_t)snprintf(big + len, sizeof(big) - len, "{");
		for (int i = 0; i < MK_WEB_JSON_MAX_MEMBERS + 1; i++)
			len += (size_t)snprintf(big + len, sizeof(big) - len, "%s\"k%d\":\"v\"",
			                        i ? "," : "", i);
		len += (size_t)snprintf(big + len, sizeof(big) - len, "}");
		assert_int_equal(mk_web_json_parse(big, len, kv, MK_WEB_JSON_MAX_MEMBERS), -1);
	}
	/* every truncation of the good body is refused, never read past */
	for (size_t cut = 0; cut < strlen(ok); cut++) {
		char *t = malloc(cut ? cut : 1);

		memcpy(t, ok, cut);
		assert_int_equal(mk_web_json_parse(t, cut, kv, MK_WEB_JSON_MAX_MEMBERS), -1);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password), cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_equal),    cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_limiter),  cmocka_unit_test(test_headers),
		cmocka_unit_test(test_loopback), cmocka_unit_test(test_names_passwords),
		cmocka_unit_test(test_json_in),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

/* test_store_web_sessions.c - the dashboard's sessions in the SQLite store
 * (sqlite_web.c): a session is found until it expires, delete_session ends
 * one, delete_user_sessions ends all of a user's but the kept one and no
 * other user's, and says how many it ended. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mieruka/store.h"

#define T0 1700000000000000000ull
#define S 1000000000ull

static char tmpdir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mk_test_store_web_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A store with the users the sessions belong to (sessions reference them). */
static struct mk_store *open_ok(const char *name)
{
	static const char *const users[] = {"admin", "admin2", "viewer"};
	struct mk_store *st = NULL;
	char path[512], err[512] = "";

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if (mk_store_sqlite.open(&st, path, err, sizeof(err)) != 0)
		fail_msg("open %s: %s", path, err);
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		struct mk_web_user u;

		memset(&u, 0, sizeof(u));
		snprintf(u.name, sizeof(u.name), "%s", users[i]);
		snprintf(u.pwhash, sizeof(u.pwhash), "x");
		u.role = i == 2 ? MK_WEB_VIEWER : MK_WEB_ADMIN;
		assert_int_equal(mk_store_sqlite.put_user(st, &u), 0);
	}
	return st;
}

static void put(struct mk_store *st, const char *hash, const char *user, uint64_t expires)
{
	struct mk_web_session se;

	memset(&se, 0, sizeof(se));
	snprintf(se.token_hash, sizeof(se.token_hash), "%s", hash);
	snprintf(se.user, sizeof(se.user), "%s", user);
	se.expires_ns = expires;
	assert_int_equal(mk_store_sqlite.put_session(st, &se, T0), 0);
}

static int found(struct mk_store *st, const char *hash, uint64_t now)
{
	struct mk_web_session se;

	return mk_store_sqlite.get_session(st, hash, now, &se);
}

static void test_expiry_and_logout(void **state)
{
	struct mk_store *st = open_ok("a.db");
	struct mk_web_session se;

	(void)state;
	put(st, "h1", "admin", T0 + 10 * S);
	assert_int_equal(mk_store_sqlite.get_session(st, "h1", T0 + 9 * S, &se), 1);
	assert_string_equal(se.user, "admin");
	assert_true(se.expires_ns == T0 + 10 * S);
	assert_int_equal(found(st, "h1", T0 + 10 * S), 0); /* expired at its time */
	assert_int_equal(found(st, "nope", T0), 0);
	put(st, "h2", "admin", T0 + 10 * S);
	assert_int_equal(mk_store_sqlite.delete_session(st, "h2"), 0);
	assert_int_equal(found(st, "h2", T0), 0);
	assert_int_equal(found(st, "h1", T0), 1);
	mk_store_sqlite.close(st);
}

static void test_delete_user_sessions(void **state)
{
	struct mk_store *st = open_ok("b.db");

	(void)state;
	put(st, "a1", "admin", T0 + 100 * S);
	put(st, "a2", "admin", T0 + 100 * S);
	put(st, "a3", "admin", T0 + 100 * S);
	put(st, "v1", "viewer", T0 + 100 * S);
	put(st, "x1", "admin2", T0 + 100 * S); /* a name that starts like another */
	/* keep a2: a1 and a3 end */
	assert_int_equal(mk_store_sqlite.delete_user_sessions(st, "admin", "a2"), 2);
	assert_int_equal(found(st, "a1", T0), 0);
	assert_int_equal(found(st, "a2", T0), 1);
	assert_int_equal(found(st, "a3", T0), 0);
	assert_int_equal(found(st, "v1", T0), 1);
	assert_int_equal(found(st, "x1", T0), 1);
	/* again: nothing more to end */
	assert_int_equal(mk_store_sqlite.delete_user_sessions(st, "admin", "a2"), 0);
	/* keep nothing: NULL and "" */
	assert_int_equal(mk_store_sqlite.delete_user_sessions(st, "admin", NULL), 1);
	assert_int_equal(found(st, "a2", T0), 0);
	assert_int_equal(mk_store_sqlite.delete_user_sessions(st, "viewer", ""), 1);
	assert_int_equal(found(st, "v1", T0), 0);
	assert_int_equal(found(st, "x1", T0), 1);
	assert_int_equal(mk_store_sqlite.delete_user_sessions(st, "nobody", NULL), 0);
	mk_store_sqlite.close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_expiry_and_logout),
	    cmocka_unit_test(test_delete_user_sessions),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

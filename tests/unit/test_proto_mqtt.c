/* test_proto_mqtt.c - unit tests of the MQTT plug-in (src/proto/mqtt/mqtt.c).
 *
 * Vectors (TCP payloads of one direction), from ../shared/captures/mqtt/:
 *   Q<n>  mqtt-events-invalid-qos__input.pcap frame n
 *   M<n>  mqtt-events-missing-connect__input.pcap frame n
 *   V<n>  mqtt-connect-rules-2__mqtt5_pub_jpeg_connack134.pcap frame n
 *   U<n>  mqtt-events-unassigned-msgtype__input.pcap frame n
 *   P<n>  mqtt-ping__input.pcap frame n
 *   L<n>  mqtt-midstream-split__mqtt-midstream-split.pcap frame n
 * and a few built from the specifications (OASIS MQTT 3.1.1 / 5.0), marked "spec".
 * Reference: `tshark -r FILE -O mqtt -Y frame.number==N`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/fact_recorder.h"

#include "mieruka/facts.h"
#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_mqtt;

/* Q4: CONNECT 3.1.1, clean session, user name and password, keep alive 60. */
static const uint8_t q4_connect[] = {
	0x10, 0x2b, /* CONNECT, remaining length 43 */
	0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, /* "MQTT" */
	0x04, /* level 4 (3.1.1) */
	0xc2, /* flags: user name, password, clean session */
	0x00, 0x3c, /* keep alive 60 */
	0x00, 0x13, 0x6d, 0x79, 0x76, 0x6f, 0x69, 0x63, 0x65, 0x69, 0x73, 0x6d, 0x79, 0x70, 0x61, 0x73,
	0x73, 0x70, 0x6f, 0x72, 0x74, /* client id "myvoiceismypassport" */
	0x00, 0x04, 0x75, 0x73, 0x65, 0x72, /* user name "user" */
	0x00, 0x04, 0x70, 0x61, 0x73, 0x73, /* password "pass" */
};
/* Q6: CONNACK accepted. */
static const uint8_t q6_connack[] = {0x20, 0x02, 0x00, 0x00};
/* Q8: PUBLISH with QoS 3 (invalid), topic "topicX", packet id 1. */
static const uint8_t q8_publish_qos3[] = {
	0x36, 0x1a, 0x00, 0x06, 0x74, 0x6f, 0x70, 0x69, 0x63, 0x58, 0x00, 0x01,
	0x62, 0x61, 0x61, 0x62, 0x61, 0x61, 0x62, 0x6c, 0x61, 0x63, 0x6b, 0x73, 0x68, 0x65, 0x65, 0x70,
};
/* Q9: DISCONNECT. */
static const uint8_t q9_disconnect[] = {0xe0, 0x00};
/* M22: SUBSCRIBE packet id 1, "house/bulbs/bulb1" QoS 1. */
static const uint8_t m22_subscribe[] = {
	0x82, 0x16, 0x00, 0x01, 0x00, 0x11, 0x68, 0x6f, 0x75, 0x73, 0x65, 0x2f, 0x62, 0x75, 0x6c, 0x62,
	0x73, 0x2f, 0x62, 0x75, 0x6c, 0x62, 0x31, 0x01,
};
/* M23: SUBACK packet id 1, granted QoS 1. */
static const uint8_t m23_suback[] = {0x90, 0x03, 0x00, 0x01, 0x01};
/* M30: PUBLISH QoS 2, "house/bulbs/bulb1", packet id 3, payload "OFF". */
static const uint8_t m30_publish[] = {
	0x34, 0x18, 0x00, 0x11, 0x68, 0x6f, 0x75, 0x73, 0x65, 0x2f, 0x62, 0x75, 0x6c, 0x62, 0x73, 0x2f,
	0x62, 0x75, 0x6c, 0x62, 0x31, 0x00, 0x03, 0x4f, 0x46, 0x46,
};
/* M31: PUBREC packet id 3. */
static const uint8_t m31_pubrec[] = {0x50, 0x02, 0x00, 0x03};
/* M81: CONNECT 3.1.1, no credentials, client id "P1". */
static const uint8_t m81_connect[] = {
	0x10, 0x0e, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x02, 0x50, 0x31,
};
/* V4: CONNECT 5.0 with properties (receive maximum 20), empty client id,
 * user "user", password "pass". */
static const uint8_t v4_connect5[] = {
	0x10, 0x1c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0xc2, 0x00, 0x3c,
	0x03, 0x21, 0x00, 0x14, /* properties: length 3, receive maximum 20 */
	0x00, 0x00, /* client id "" (the broker assigns one) */
	0x00, 0x04, 0x75, 0x73, 0x65, 0x72, 0x00, 0x04, 0x70, 0x61, 0x73, 0x73,
};
/* V6: CONNACK 5.0, reason 0x86 (bad user name or password), 47 bytes of properties. */
static const uint8_t v6_connack_refused[] = {
	0x20, 0x32, 0x00, 0x86, 0x2f,
	0x22, 0x00, 0x0a, /* topic alias maximum 10 */
	0x12, 0x00, 0x29, /* assigned client identifier, 41 bytes */
	0x61, 0x75, 0x74, 0x6f, 0x2d, 0x31, 0x42, 0x34, 0x33, 0x45, 0x38, 0x30, 0x30, 0x2d, 0x30, 0x38,
	0x45, 0x33, 0x2d, 0x33, 0x42, 0x41, 0x31, 0x2d, 0x32, 0x45, 0x39, 0x37, 0x2d, 0x45, 0x39, 0x41,
	0x30, 0x42, 0x34, 0x30, 0x36, 0x34, 0x42, 0x46, 0x35,
};
/* U8: a packet of the reserved type 0 (a PUBLISH with its type cleared). */
static const uint8_t u8_reserved[] = {
	0x00, 0x18, 0x00, 0x06, 0x74, 0x6f, 0x70, 0x69, 0x63, 0x58, 0x62, 0x61, 0x61, 0x62, 0x61, 0x61,
	0x62, 0x6c, 0x61, 0x63, 0x6b, 0x73, 0x68, 0x65, 0x65, 0x70,
};
/* P1, P2: PINGREQ, PINGRESP. */
static const uint8_t p1_pingreq[] = {0xc0, 0x00};
static const uint8_t p2_pingresp[] = {0xd0, 0x00};
/* spec 3.10: UNSUBSCRIBE packet id 2, "a/b/c" and "d". */
static const uint8_t spec_unsubscribe[] = {
	0xa2, 0x0c, 0x00, 0x02, 0x00, 0x05, 0x61, 0x2f, 0x62, 0x2f, 0x63, 0x00, 0x01, 0x64,
};
/* spec 3.1: CONNECT 3.1.1 with a will (topic "w/top", message "hi"), client id "c1". */
static const uint8_t spec_connect_will[] = {
	0x10, 0x19, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x06, 0x00, 0x3c,
	0x00, 0x02, 0x63, 0x31, 0x00, 0x05, 0x77, 0x2f, 0x74, 0x6f, 0x70, 0x00, 0x02, 0x68, 0x69,
};
/* spec 3.15: AUTH (5.0), reason 0x18 continue authentication, no properties. */
static const uint8_t spec_auth[] = {0xf0, 0x02, 0x18, 0x00};
/* spec 3.1 (MQTT V3.1): CONNECT "MQIsdp" level 3, client id "x". */
static const uint8_t spec_connect31[] = {
	0x10, 0x0f, 0x00, 0x06, 0x4d, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, 0x02, 0x00, 0x0a, 0x00, 0x01, 0x78,
};

struct vec {
	const char *name;
	const uint8_t *msg;
	size_t len;
	enum mk_dir dir;
	const char *const *want;
};

#define CLIENT_ROLE "role sender iot (30) MQTT client"
#define BROKER_ROLE "role sender server (40) MQTT broker"

static const char *const w_q4[] = {
	"operation auth connect", CLIENT_ROLE, "attr sender mqtt_version=3.1.1",
	"attr sender mqtt_client_id=myvoiceismypassport", "attr sender mqtt_user_name=user",
	"anomaly mqtt_cleartext_credentials", NULL,
};
static const char *const w_broker[] = {BROKER_ROLE, NULL};
static const char *const w_q8[] = {"anomaly mqtt_bad_qos", "operation write publish topicX", NULL};
static const char *const w_disconnect[] = {"operation other disconnect", NULL};
static const char *const w_m22[] = {"operation read subscribe house/bulbs/bulb1", CLIENT_ROLE, NULL};
static const char *const w_m30[] = {"operation write publish house/bulbs/bulb1", NULL};
static const char *const w_none[] = {NULL};
static const char *const w_m81[] = {
	"operation auth connect", CLIENT_ROLE, "attr sender mqtt_version=3.1.1",
	"attr sender mqtt_client_id=P1", NULL,
};
static const char *const w_v4[] = {
	"operation auth connect", CLIENT_ROLE, "attr sender mqtt_version=5.0",
	"attr sender mqtt_user_name=user", "anomaly mqtt_cleartext_credentials", NULL,
};
static const char *const w_v6[] = {BROKER_ROLE, "anomaly mqtt_auth_failed", NULL};
static const char *const w_u8[] = {"anomaly mqtt_reserved_type", NULL};
static const char *const w_p1[] = {"operation other pingreq", CLIENT_ROLE, NULL};
static const char *const w_unsub[] = {"operation other unsubscribe a/b/c +1", CLIENT_ROLE, NULL};
static const char *const w_will[] = {
	"operation auth connect", CLIENT_ROLE, "attr sender mqtt_version=3.1.1",
	"attr sender mqtt_client_id=c1", "attr sender mqtt_will_topic=w/top", NULL,
};
static const char *const w_auth[] = {"operation auth auth", NULL};
static const char *const w_connect31[] = {
	"operation auth connect", CLIENT_ROLE, "attr sender mqtt_version=3.1", "attr sender mqtt_client_id=x",
	NULL,
};

#define TS MK_DIR_TO_SERVER
#define TC MK_DIR_TO_CLIENT
#define V(n, d, w) {#n, n, sizeof(n), d, w}
static const struct vec vecs[] = {
	V(q4_connect, TS, w_q4),
	V(q6_connack, TC, w_broker),
	V(q8_publish_qos3, TS, w_q8),
	V(q9_disconnect, TS, w_disconnect),
	V(m22_subscribe, TS, w_m22),
	V(m23_suback, TC, w_broker),
	V(m30_publish, TS, w_m30),
	V(m31_pubrec, TC, w_none),
	V(m81_connect, TS, w_m81),
	V(v4_connect5, TS, w_v4),
	V(v6_connack_refused, TC, w_v6),
	V(u8_reserved, TS, w_u8),
	V(p1_pingreq, TS, w_p1),
	V(p2_pingresp, TC, w_broker),
	V(spec_unsubscribe, TS, w_unsub),
	V(spec_connect_will, TS, w_will),
	V(spec_auth, TS, w_auth),
	V(spec_connect31, TS, w_connect31),
};
#define NVECS (sizeof(vecs) / sizeof(vecs[0]))

/* ---- a small TCP feeder: like the engine, it keeps what parse() leaves
 * unconsumed (up to max_buffer) and offers it again in front of new bytes ---- */
struct sim {
	void *state;
	uint8_t *pend[2];
	size_t plen[2];
	struct rec rec;
	struct mk_emit out;
};

static struct sim *sim_new(void)
{
	struct sim *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->state = calloc(1, mk_proto_mqtt.state_size);
	assert_non_null(s->state);
	s->out = (struct mk_emit){.sink = rec_sink, .ctx = &s->rec, .proto = mk_proto_mqtt.id};
	return s;
}

static void sim_free(struct sim *s)
{
	free(s->pend[0]);
	free(s->pend[1]);
	free(s->state);
	free(s);
}

static enum mk_verdict sim_feed(struct sim *s, enum mk_dir dir, const uint8_t *data, size_t len)
{
	size_t total = s->plen[dir] + len, off = 0;
	uint8_t *buf = malloc(total > 0 ? total : 1);
	enum mk_verdict v = MK_V_OK;

	assert_non_null(buf);
	if (s->plen[dir] > 0)
		memcpy(buf, s->pend[dir], s->plen[dir]);
	if (len > 0)
		memcpy(buf + s->plen[dir], data, len);
	free(s->pend[dir]);
	s->pend[dir] = NULL;
	s->plen[dir] = 0;
	s->out.dir = (int)dir;
	for (int round = 0; off < total; round++) {
		uint8_t *exact = malloc(total - off); /* exact size, so ASan sees over-reads */
		struct mk_rd rd;
		size_t consumed = 0;

		assert_true(round < 10000);
		assert_non_null(exact);
		memcpy(exact, buf + off, total - off);
		mk_rd_init(&rd, exact, total - off);
		v = mk_proto_mqtt.parse(s->state, &rd, dir, &consumed, &s->out);
		free(exact);
		assert_true(consumed <= total - off);
		if (v == MK_V_INVALID || v == MK_V_NOMEM) {
			free(buf);
			return v;
		}
		off += consumed;
		if (v == MK_V_NEED || consumed == 0)
			break;
	}
	if (off < total) {
		assert_true(total - off <= mk_proto_mqtt.max_buffer);
		s->plen[dir] = total - off;
		s->pend[dir] = malloc(s->plen[dir]);
		assert_non_null(s->pend[dir]);
		memcpy(s->pend[dir], buf + off, s->plen[dir]);
	}
	free(buf);
	return v;
}

static void check_rec(const struct rec *r, const char *const *want)
{
	/* every anomaly must be declared in the descriptor */
	for (int i = 0; i < r->n; i++) {
		bool listed = false;

		if (strncmp(r->line[i], "anomaly ", 8) != 0)
			continue;
		for (size_t e = 0; mk_proto_mqtt.events[e] != NULL; e++)
			listed |= strcmp(mk_proto_mqtt.events[e], r->line[i] + 8) == 0;
		if (!listed)
			fail_msg("undeclared event %s", r->line[i] + 8);
	}
	rec_expect(r, want);
}

static void test_messages(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < NVECS; i++) {
		struct sim *s = sim_new();

		print_message("vector %s\n", vecs[i].name);
		assert_int_equal(sim_feed(s, vecs[i].dir, vecs[i].msg, vecs[i].len), MK_V_OK);
		assert_int_equal(s->plen[vecs[i].dir], 0);
		check_rec(&s->rec, vecs[i].want);
		sim_free(s);
	}
}

/* Each message split at every byte into two parse calls gives the same facts;
 * every truncation gives NEED and no fact at all. */
static void test_split_and_truncation(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < NVECS; i++) {
		for (size_t cut = 0; cut < vecs[i].len; cut++) {
			struct sim *s = sim_new();
			enum mk_verdict v = sim_feed(s, vecs[i].dir, vecs[i].msg, cut);

			if (cut > 0 && v != MK_V_NEED)
				fail_msg("%s cut at %zu: verdict %d, not NEED", vecs[i].name, cut, (int)v);
			if (s->rec.n != 0)
				fail_msg("%s cut at %zu: a fact from a cut message: %s", vecs[i].name, cut,
				         s->rec.line[0]);
			assert_int_not_equal(sim_feed(s, vecs[i].dir, vecs[i].msg + cut, vecs[i].len - cut),
			                     MK_V_INVALID);
			check_rec(&s->rec, vecs[i].want);
			sim_free(s);
		}
	}
}

/* A whole session in one stream per direction, then fed one byte at a time. */
static void test_session(void **unused)
{
	static const char *const want[] = {
		"operation auth connect", CLIENT_ROLE, "attr sender mqtt_version=3.1.1",
		"attr sender mqtt_client_id=myvoiceismypassport", "attr sender mqtt_user_name=user",
		"anomaly mqtt_cleartext_credentials",
		"operation read subscribe house/bulbs/bulb1",
		"operation write publish house/bulbs/bulb1",
		"operation other disconnect",
		BROKER_ROLE,
		NULL,
	};
	uint8_t cli[sizeof(q4_connect) + sizeof(m22_subscribe) + sizeof(m30_publish) + sizeof(q9_disconnect)];
	uint8_t srv[sizeof(q6_connack) + sizeof(m23_suback) + sizeof(m31_pubrec)];
	size_t n = 0, m = 0;

	(void)unused;
	memcpy(cli + n, q4_connect, sizeof(q4_connect)), n += sizeof(q4_connect);
	memcpy(cli + n, m22_subscribe, sizeof(m22_subscribe)), n += sizeof(m22_subscribe);
	memcpy(cli + n, m30_publish, sizeof(m30_publish)), n += sizeof(m30_publish);
	memcpy(cli + n, q9_disconnect, sizeof(q9_disconnect)), n += sizeof(q9_disconnect);
	memcpy(srv + m, q6_connack, sizeof(q6_connack)), m += sizeof(q6_connack);
	memcpy(srv + m, m23_suback, sizeof(m23_suback)), m += sizeof(m23_suback);
	memcpy(srv + m, m31_pubrec, sizeof(m31_pubrec)), m += sizeof(m31_pubrec);
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct sim *s = sim_new();

		if (!bytewise) {
			assert_int_equal(sim_feed(s, TS, cli, n), MK_V_OK);
			assert_int_equal(sim_feed(s, TC, srv, m), MK_V_OK);
		} else {
			for (size_t i = 0; i < n; i++)
				assert_int_not_equal(sim_feed(s, TS, cli + i, 1), MK_V_INVALID);
			for (size_t i = 0; i < m; i++)
				assert_int_not_equal(sim_feed(s, TC, srv + i, 1), MK_V_INVALID);
		}
		check_rec(&s->rec, want);
		sim_free(s);
	}
}

/* L6: a 35771-byte PUBLISH (remaining length b7 97 02 = 35767, topic "topicX",
 * a JPEG): counted from its head, the rest skipped without being buffered;
 * the DISCONNECT after it is still found.  The topic is also cut to 64 bytes. */
static void test_large_publish(void **unused)
{
	static const char *const want[] = {"operation write publish topicX", "operation other disconnect", NULL};
	static uint8_t big[35771];
	char want_long[96];
	const char *const want2[] = {want_long, NULL};
	struct sim *s;

	(void)unused;
	memset(big, 0xaa, sizeof(big));
	memcpy(big, "\x30\xb7\x97\x02\x00\x06topicX", 12);
	for (size_t split = 1; split < 40; split++) {
		s = sim_new();
		assert_int_not_equal(sim_feed(s, TS, big, split), MK_V_INVALID);
		assert_int_not_equal(sim_feed(s, TS, big + split, 20000 - split), MK_V_INVALID);
		assert_true(s->plen[TS] <= 100); /* the body is not buffered */
		assert_int_equal(sim_feed(s, TS, big + 20000, sizeof(big) - 20000), MK_V_OK);
		assert_int_equal(sim_feed(s, TS, q9_disconnect, sizeof(q9_disconnect)), MK_V_OK);
		check_rec(&s->rec, want);
		sim_free(s);
	}
	/* a 100-byte topic in a large PUBLISH: detail cut to 64 bytes, split or not */
	memcpy(big, "\x30\xb7\x97\x02\x00\x64", 6);
	memset(big + 6, 't', 100);
	snprintf(want_long, sizeof(want_long), "operation write publish %.64s", big + 6);
	for (size_t split = 1; split < 120; split += 7) {
		s = sim_new();
		assert_int_not_equal(sim_feed(s, TS, big, split), MK_V_INVALID);
		assert_int_equal(sim_feed(s, TS, big + split, sizeof(big) - split), MK_V_OK);
		check_rec(&s->rec, want2);
		sim_free(s);
	}
}

static void expect_one(enum mk_dir dir, const uint8_t *msg, size_t len, enum mk_verdict verdict,
                       const char *const *want)
{
	struct sim *s = sim_new();

	assert_int_equal(sim_feed(s, dir, msg, len), verdict);
	check_rec(&s->rec, want);
	sim_free(s);
}

static void test_malformed(void **unused)
{
	static const char *const bad_length[] = {"anomaly mqtt_bad_length", NULL};
	static const char *const malformed[] = {"anomaly mqtt_malformed", NULL};
	static const char *const bad_name[] = {"anomaly mqtt_bad_protocol_name", NULL};
	static const char *const bad_cflags[] = {
		"operation auth connect", CLIENT_ROLE, "attr sender mqtt_version=3.1.1",
		"anomaly mqtt_bad_connect_flags", "attr sender mqtt_client_id=P1", NULL,
	};
	static const char *const bad_flags[] = {"anomaly mqtt_bad_flags", "operation read subscribe a", CLIENT_ROLE, NULL};
	static const char *const refused[] = {BROKER_ROLE, "anomaly mqtt_connect_refused", NULL};
	static const char *const oversized[] = {"anomaly mqtt_oversized", NULL};
	static const char *const cut_password[] = {
		"operation auth connect", CLIENT_ROLE, "attr sender mqtt_version=3.1.1",
		"attr sender mqtt_client_id=P1", "attr sender mqtt_user_name=u", "anomaly mqtt_malformed", NULL,
	};
	uint8_t buf[64];
	static uint8_t big[9000];

	(void)unused;
	/* a fifth remaining-length byte */
	expect_one(TS, (const uint8_t *)"\x30\xff\xff\xff\xff\x01", 6, MK_V_INVALID, bad_length);
	/* PUBLISH whose topic length runs past the packet */
	expect_one(TS, (const uint8_t *)"\x30\x04\x00\x09\x61\x62", 6, MK_V_OK, malformed);
	/* CONNECT "MQTT" level 3 */
	memcpy(buf, m81_connect, sizeof(m81_connect));
	buf[8] = 3;
	expect_one(TS, buf, sizeof(m81_connect), MK_V_OK, bad_name);
	buf[8] = 4;
	buf[9] = 0x03; /* reserved flag */
	expect_one(TS, buf, sizeof(m81_connect), MK_V_OK, bad_cflags);
	/* CONNECT cut inside the fixed part */
	expect_one(TS, (const uint8_t *)"\x10\x04\x00\x04\x4d\x51", 6, MK_V_OK, malformed);
	/* SUBSCRIBE with flags 0000, one filter "a" */
	expect_one(TS, (const uint8_t *)"\x80\x06\x00\x01\x00\x01\x61\x00", 8, MK_V_OK, bad_flags);
	/* SUBSCRIBE whose second filter is cut */
	expect_one(TS, (const uint8_t *)"\x82\x09\x00\x01\x00\x01\x61\x00\x00\x05\x62", 11, MK_V_OK, malformed);
	/* CONNACK 3.1.1 refused: 2 identifier rejected; and one cut short */
	expect_one(TC, (const uint8_t *)"\x20\x02\x00\x02", 4, MK_V_OK, refused);
	expect_one(TC, (const uint8_t *)"\x20\x01\x00", 3, MK_V_OK, malformed);
	/* CONNECT with user name and password flags whose password is missing */
	expect_one(TS,
	           (const uint8_t *)"\x10\x11\x00\x04MQTT\x04\xc2\x00\x3c\x00\x02P1\x00\x01u", 19, MK_V_OK,
	           cut_password);
	/* a 9000-byte SUBSCRIBE is skipped unread, not buffered */
	memset(big, 0, sizeof(big));
	memcpy(big, "\x82\xa5\x46", 3); /* remaining length 8997 */
	expect_one(TS, big, 4000, MK_V_OK, oversized);
}

static int probe_bytes(enum mk_dir dir, const uint8_t *msg, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	struct mk_rd rd;
	int r;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, msg, len);
	mk_rd_init(&rd, copy, len);
	r = mk_proto_mqtt.probe(&rd, dir);
	assert_int_equal(mk_rd_left(&rd), len);
	free(copy);
	return r;
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(TS, q4_connect, sizeof(q4_connect)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(TS, v4_connect5, sizeof(v4_connect5)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(TS, spec_connect31, sizeof(spec_connect31)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(TS, q4_connect, 5), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(TC, q4_connect, sizeof(q4_connect)), MK_PROBE_NO); /* CONNECT goes to the server */
	/* L2: the first byte of a CONNACK alone; Q6 whole */
	assert_int_equal(probe_bytes(TC, (const uint8_t *)"\x20", 1), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(TC, q6_connack, sizeof(q6_connack)), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(TS, m30_publish, sizeof(m30_publish)), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(TS, p1_pingreq, sizeof(p1_pingreq)), MK_PROBE_MAYBE);
	assert_int_equal(probe_bytes(TS, q8_publish_qos3, sizeof(q8_publish_qos3)), MK_PROBE_NO);
	assert_int_equal(probe_bytes(TS, (const uint8_t *)"", 0), MK_PROBE_NO);
	assert_int_equal(probe_bytes(TS, (const uint8_t *)"GET / HTTP/1.1\r\n", 16), MK_PROBE_NO);
	assert_int_equal(probe_bytes(TS, (const uint8_t *)"\x16\x03\x01\x02\x00\x01", 6), MK_PROBE_NO);
	assert_int_equal(probe_bytes(TS, (const uint8_t *)"\x10\x0e\x00\x04HTTP\x04", 9), MK_PROBE_NO);
	assert_int_equal(probe_bytes(TS, (const uint8_t *)"SSH-2.0-x\r\n", 11), MK_PROBE_NO);
}

/* After lost bytes the parser waits for a plausible packet start (M: the
 * capture starts after the client's CONNECT). */
static void test_gap(void **unused)
{
	static const char *const want[] = {"operation read subscribe house/bulbs/bulb1", CLIENT_ROLE, NULL};
	struct sim *s = sim_new();

	(void)unused;
	assert_int_equal(mk_proto_mqtt.gap(s->state, TS), MK_V_OK);
	/* the tail of some packet: dropped */
	assert_int_equal(sim_feed(s, TS, (const uint8_t *)"\x62\x75\x6c\x62\x31", 5), MK_V_OK);
	assert_int_equal(sim_feed(s, TS, m22_subscribe, sizeof(m22_subscribe)), MK_V_OK);
	check_rec(&s->rec, want);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_split_and_truncation),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_large_publish),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_gap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

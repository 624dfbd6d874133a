/* mqtt.c - MQTT plug-in (cleartext, TCP 1883): sessions, publish/subscribe
 * requests as operations, client ids and user names, cleartext credentials.
 *
 * specification: OASIS MQTT Version 3.1.1 (2014), sections 2.2 (fixed header,
 * remaining length 2.2.3), 3.1-3.14 (control packets); OASIS MQTT Version 5.0
 * (2019), sections 1.5.5 (variable byte integer), 2.2.2 (properties), 3.1.2.11
 * (CONNECT properties), 3.2.2.2 (CONNACK reason codes), 3.15 (AUTH); MQTT V3.1
 * (IBM, 2010) for the "MQIsdp" protocol name, level 3.
 *
 * Payloads are never stored: a PUBLISH is counted with its topic (cut to 64
 * bytes) and its payload skipped, without buffering when it is large.  MQTT over
 * TLS (8883) is the TLS plug-in's: this one only sees cleartext, so a password
 * in a CONNECT is always a cleartext credential.
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#define MQTT_WHOLE_MAX 8192  /* larger packets: only a PUBLISH's topic is read */
#define MQTT_TOPIC_MAX 64    /* bytes of a topic kept in an operation's detail */
#define MQTT_TEXT_MAX 255
#define MQTT_MAX_PACKETS 1024 /* packets handled per parse call */
#define MQTT_MAX_FILTERS 1024 /* topic filters walked in one SUBSCRIBE */
#define MQTT_ROLE_SERVER_CONFIDENCE 40
#define MQTT_ROLE_CLIENT_CONFIDENCE 30

enum {
	MQTT_RESERVED = 0,
	MQTT_CONNECT = 1,
	MQTT_CONNACK = 2,
	MQTT_PUBLISH = 3,
	MQTT_PUBACK = 4,
	MQTT_PUBREC = 5,
	MQTT_PUBREL = 6,
	MQTT_PUBCOMP = 7,
	MQTT_SUBSCRIBE = 8,
	MQTT_SUBACK = 9,
	MQTT_UNSUBSCRIBE = 10,
	MQTT_UNSUBACK = 11,
	MQTT_PINGREQ = 12,
	MQTT_PINGRESP = 13,
	MQTT_DISCONNECT = 14,
	MQTT_AUTH = 15,
};

/* CONNECT flags, 3.1.2.3. */
enum {
	CONNECT_RESERVED = 0x01,
	CONNECT_WILL = 0x04,
	CONNECT_PASSWORD = 0x40,
	CONNECT_USER_NAME = 0x80,
};

static const char *const mqtt_events[] = {
	"mqtt_bad_length",            /* remaining length longer than 4 bytes */
	"mqtt_malformed",             /* a packet's fields run past its remaining length */
	"mqtt_bad_protocol_name",     /* CONNECT without "MQTT" 4/5 or "MQIsdp" 3 */
	"mqtt_bad_connect_flags",     /* CONNECT reserved flag set */
	"mqtt_bad_flags",             /* fixed-header flags a packet type forbids */
	"mqtt_bad_qos",               /* PUBLISH with QoS 3 */
	"mqtt_reserved_type",         /* packet type 0 */
	"mqtt_cleartext_credentials", /* a CONNECT password outside TLS */
	"mqtt_connect_refused",       /* CONNACK refusing the connection */
	"mqtt_auth_failed",           /* CONNACK: bad user name or password, not authorized */
	"mqtt_oversized",             /* a packet other than PUBLISH over 8 KiB: skipped unread */
	NULL,
};

struct mqtt_state {
	uint32_t skip[2];   /* bytes of an oversized packet still to pass over, per direction */
	bool resync[2];     /* after lost bytes: waiting for a plausible packet start */
	uint8_t version;    /* CONNECT protocol level: 3, 4 or 5; 0 before a CONNECT */
	bool client_role;   /* role hints said once per flow */
	bool server_role;
};

/* Variable byte integer (3.1.1 2.2.3, 5.0 1.5.5) at rd, without consuming:
 * returns its size in bytes, 0 when more bytes are needed, -1 when malformed. */
static int mqtt_varint_peek(const struct mk_rd *rd, size_t at, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		uint8_t b;

		if (!mk_rd_peek_u8(rd, at + (size_t)i, &b))
			return 0;
		*v |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return i + 1;
	}
	return -1;
}

static bool mqtt_varint(struct mk_rd *rd, uint32_t *v)
{
	int n = mqtt_varint_peek(rd, 0, v);

	return n > 0 && mk_rd_skip(rd, (size_t)n);
}

/* A two-byte-length string or binary field (1.5.3, 1.5.6). */
static const uint8_t *mqtt_field(struct mk_rd *rd, uint16_t *len)
{
	*len = mk_rd_be16(rd);
	return mk_rd_ok(rd) ? mk_rd_ptr(rd, *len) : NULL;
}

/* Copies untrusted text for a fact: control bytes become '?', at most max
 * bytes, never ending inside a UTF-8 sequence.  Returns the length. */
static size_t mqtt_text(const uint8_t *p, size_t len, char *buf, size_t max)
{
	size_t n = len < max ? len : max;

	if (n < len)
		while (n > 0 && (p[n] & 0xc0) == 0x80)
			n--;
	for (size_t i = 0; i < n; i++)
		buf[i] = p[i] < 0x20 || p[i] == 0x7f ? '?' : (char)p[i];
	buf[n] = '\0';
	return n;
}

static void mqtt_attr(struct mk_emit *out, const char *key, const uint8_t *p, uint16_t len)
{
	char buf[MQTT_TEXT_MAX + 1];
	size_t n = mqtt_text(p, len, buf, MQTT_TEXT_MAX);

	if (n > 0)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), key, buf, n);
}

/* The sender of a client-only packet is a client; of a broker-only one, the broker. */
static void mqtt_role(struct mqtt_state *s, bool server, struct mk_emit *out)
{
	if (server && !s->server_role) {
		s->server_role = true;
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_SERVER, MQTT_ROLE_SERVER_CONFIDENCE,
		             "MQTT broker");
	} else if (!server && !s->client_role) {
		s->client_role = true;
		mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), MK_ROLE_IOT, MQTT_ROLE_CLIENT_CONFIDENCE,
		             "MQTT client");
	}
}

/* v5 properties (2.2.2): a length, then that many bytes, skipped. */
static bool mqtt_skip_properties(struct mqtt_state *s, struct mk_rd *m)
{
	uint32_t n;

	if (s->version != 5)
		return true;
	return mqtt_varint(m, &n) && mk_rd_skip(m, n);
}

static void mqtt_connect(struct mqtt_state *s, struct mk_rd *m, struct mk_emit *out)
{
	static const char *const versions[] = {[3] = "3.1", [4] = "3.1.1", [5] = "5.0"};
	uint16_t nlen, idlen, len;
	const uint8_t *name = mqtt_field(m, &nlen), *id, *p;
	uint8_t level = mk_rd_u8(m), flags = mk_rd_u8(m);

	mk_rd_skip(m, 2); /* keep alive */
	if (!mk_rd_ok(m)) {
		mk_emit_anomaly(out, "mqtt_malformed");
		return;
	}
	if (!((nlen == 4 && memcmp(name, "MQTT", 4) == 0 && (level == 4 || level == 5)) ||
	      (nlen == 6 && memcmp(name, "MQIsdp", 6) == 0 && level == 3))) {
		mk_emit_anomaly(out, "mqtt_bad_protocol_name");
		return;
	}
	s->version = level;
	mk_emit_operation(out, MK_OP_AUTH, "connect");
	mqtt_role(s, false, out);
	mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "mqtt_version", versions[level],
	             strlen(versions[level]));
	if (flags & CONNECT_RESERVED)
		mk_emit_anomaly(out, "mqtt_bad_connect_flags");
	/* Payload, 3.1.3: client id, [will properties, will topic, will payload],
	 * [user name], [password]. */
	if (!mqtt_skip_properties(s, m) || (id = mqtt_field(m, &idlen)) == NULL) {
		mk_emit_anomaly(out, "mqtt_malformed");
		return;
	}
	mqtt_attr(out, "mqtt_client_id", id, idlen);
	if (flags & CONNECT_WILL) {
		if (!mqtt_skip_properties(s, m) || (p = mqtt_field(m, &len)) == NULL) {
			mk_emit_anomaly(out, "mqtt_malformed");
			return;
		}
		mqtt_attr(out, "mqtt_will_topic", p, len);
		if (mqtt_field(m, &len) == NULL) {
			mk_emit_anomaly(out, "mqtt_malformed");
			return;
		}
	}
	if (flags & CONNECT_USER_NAME) {
		if ((p = mqtt_field(m, &len)) == NULL) {
			mk_emit_anomaly(out, "mqtt_malformed");
			return;
		}
		mqtt_attr(out, "mqtt_user_name", p, len);
	}
	if (flags & CONNECT_PASSWORD) {
		if (mqtt_field(m, &len) == NULL) {
			mk_emit_anomaly(out, "mqtt_malformed");
			return;
		}
		mk_emit_anomaly(out, "mqtt_cleartext_credentials");
	}
}

static void mqtt_connack(struct mqtt_state *s, struct mk_rd *m, struct mk_emit *out)
{
	uint8_t rc;

	mk_rd_skip(m, 1); /* acknowledge flags */
	rc = mk_rd_u8(m);
	if (!mk_rd_ok(m)) {
		mk_emit_anomaly(out, "mqtt_malformed");
		return;
	}
	mqtt_role(s, true, out);
	if (rc == 0)
		return;
	/* 3.1.1 table 3.1: 4 bad user name or password, 5 not authorized;
	 * 5.0 3.2.2.2: 0x86, 0x87, 0x8c bad authentication method. */
	if (rc == 4 || rc == 5 || rc == 0x86 || rc == 0x87 || rc == 0x8c)
		mk_emit_anomaly(out, "mqtt_auth_failed");
	else
		mk_emit_anomaly(out, "mqtt_connect_refused");
}

/* PUBLISH, 3.3: the topic is all that is read, so a large packet's head will do. */
static void mqtt_publish(uint8_t b0, const uint8_t *topic, size_t tlen, struct mk_emit *out)
{
	char detail[16 + MQTT_TOPIC_MAX + 1] = "publish ";
	size_t n = 8;

	if (((b0 >> 1) & 3) == 3)
		mk_emit_anomaly(out, "mqtt_bad_qos");
	if (tlen == 0)
		snprintf(detail + n, sizeof(detail) - n, "(topic alias)"); /* 5.0 3.3.2.3.4 */
	else
		mqtt_text(topic, tlen, detail + n, MQTT_TOPIC_MAX);
	mk_emit_operation(out, MK_OP_WRITE, detail);
}

/* SUBSCRIBE (3.8) and UNSUBSCRIBE (3.10): packet id, [v5 properties], filters. */
static void mqtt_subscribe(struct mqtt_state *s, uint8_t type, struct mk_rd *m, struct mk_emit *out)
{
	const char *verb = type == MQTT_SUBSCRIBE ? "subscribe " : "unsubscribe ";
	char detail[32 + MQTT_TOPIC_MAX + 16];
	size_t n = strlen(verb), more = 0;
	const uint8_t *first;
	uint16_t flen;

	mk_rd_skip(m, 2);
	if (!mk_rd_ok(m) || !mqtt_skip_properties(s, m) || (first = mqtt_field(m, &flen)) == NULL) {
		mk_emit_anomaly(out, "mqtt_malformed");
		return;
	}
	if (type == MQTT_SUBSCRIBE)
		mk_rd_skip(m, 1); /* subscription options */
	for (unsigned i = 0; i < MQTT_MAX_FILTERS && mk_rd_ok(m) && mk_rd_left(m) > 0; i++) {
		uint16_t len;

		if (mqtt_field(m, &len) == NULL)
			break;
		if (type == MQTT_SUBSCRIBE)
			mk_rd_skip(m, 1);
		more++;
	}
	if (!mk_rd_ok(m)) {
		mk_emit_anomaly(out, "mqtt_malformed");
		return;
	}
	memcpy(detail, verb, n);
	n += mqtt_text(first, flen, detail + n, MQTT_TOPIC_MAX);
	if (more > 0)
		snprintf(detail + n, sizeof(detail) - n, " +%zu", more);
	mk_emit_operation(out, type == MQTT_SUBSCRIBE ? MK_OP_READ : MK_OP_OTHER, detail);
	mqtt_role(s, false, out);
}

/* One whole control packet: b0 is the fixed header's first byte, m its
 * remaining length bytes. */
static void mqtt_packet(struct mqtt_state *s, uint8_t b0, struct mk_rd *m, struct mk_emit *out)
{
	uint8_t type = b0 >> 4, flags = b0 & 0x0f;
	const uint8_t *topic;
	uint16_t tlen;

	/* 2.2.2: PUBREL, SUBSCRIBE and UNSUBSCRIBE carry flags 0010, others but
	 * PUBLISH 0000. */
	if (type != MQTT_PUBLISH && type != MQTT_RESERVED &&
	    flags != (type == MQTT_PUBREL || type == MQTT_SUBSCRIBE || type == MQTT_UNSUBSCRIBE ? 2 : 0))
		mk_emit_anomaly(out, "mqtt_bad_flags");
	switch (type) {
	case MQTT_CONNECT:
		mqtt_connect(s, m, out);
		break;
	case MQTT_CONNACK:
		mqtt_connack(s, m, out);
		break;
	case MQTT_PUBLISH:
		if ((topic = mqtt_field(m, &tlen)) == NULL) {
			mk_emit_anomaly(out, "mqtt_malformed");
			break;
		}
		mqtt_publish(b0, topic, tlen, out);
		break;
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		mqtt_subscribe(s, type, m, out);
		break;
	case MQTT_SUBACK:
	case MQTT_PINGRESP:
		mqtt_role(s, true, out);
		break;
	case MQTT_PINGREQ:
		mk_emit_operation(out, MK_OP_OTHER, "pingreq");
		mqtt_role(s, false, out);
		break;
	case MQTT_DISCONNECT:
		mk_emit_operation(out, MK_OP_OTHER, "disconnect");
		break;
	case MQTT_AUTH:
		mk_emit_operation(out, MK_OP_AUTH, "auth");
		break;
	case MQTT_RESERVED:
		mk_emit_anomaly(out, "mqtt_reserved_type");
		break;
	default: /* acknowledgements: nothing to say */
		break;
	}
}

/* After lost bytes: does rd start like a packet (a known type with the flags
 * 2.2.2 requires, and a length that holds within what is here, or a PUBLISH
 * whose topic fits)?  A wrong guess costs one packet's facts. */
static bool mqtt_plausible(const struct mk_rd *rd, uint8_t b0, int h, uint32_t rlen)
{
	uint8_t type = b0 >> 4, flags = b0 & 0x0f;
	uint16_t tlen;

	if (type == MQTT_RESERVED || h <= 0)
		return false;
	if (type == MQTT_PUBLISH) {
		if (((flags >> 1) & 3) == 3 || !mk_rd_peek_be16(rd, 1 + (size_t)h, &tlen))
			return false;
		return tlen > 0 && tlen + 2u <= rlen;
	}
	if (flags != (type == MQTT_PUBREL || type == MQTT_SUBSCRIBE || type == MQTT_UNSUBSCRIBE ? 2 : 0))
		return false;
	return 1 + (size_t)h + rlen <= mk_rd_left(rd);
}

static int mqtt_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t b0, type, b;
	uint32_t rlen;
	uint16_t nlen = 0;
	int h;
	size_t left = mk_rd_left(rd);

	if (!mk_rd_peek_u8(rd, 0, &b0))
		return MK_PROBE_NO;
	type = b0 >> 4;
	h = mqtt_varint_peek(rd, 1, &rlen);
	if (h < 0)
		return MK_PROBE_NO;
	switch (type) {
	case MQTT_CONNECT:
		if (b0 != 0x10 || dir != MK_DIR_TO_SERVER)
			return MK_PROBE_NO;
		if (h == 0 || !mk_rd_peek_be16(rd, 1 + (size_t)h, &nlen))
			return MK_PROBE_MAYBE;
		if (nlen != 4 && nlen != 6)
			return MK_PROBE_NO;
		if (left < 1 + (size_t)h + 2 + nlen + 1)
			return MK_PROBE_MAYBE;
		{
			struct mk_rd t = *rd;
			const uint8_t *p;
			uint8_t level;

			mk_rd_skip(&t, 1 + (size_t)h + 2);
			p = mk_rd_ptr(&t, nlen);
			level = mk_rd_u8(&t);
			if (p != NULL && mk_rd_ok(&t) &&
			    ((nlen == 4 && memcmp(p, "MQTT", 4) == 0 && (level == 4 || level == 5)) ||
			     (nlen == 6 && memcmp(p, "MQIsdp", 6) == 0 && level == 3)))
				return MK_PROBE_SURE;
		}
		return MK_PROBE_NO;
	case MQTT_CONNACK:
		/* flags 0 or 1, then a return or reason code */
		if (b0 != 0x20 || (h > 0 && rlen < 2))
			return MK_PROBE_NO;
		if (h > 0 && mk_rd_peek_u8(rd, 1 + (size_t)h, &b) && b > 1)
			return MK_PROBE_NO;
		return MK_PROBE_MAYBE;
	case MQTT_PUBLISH:
		/* a topic that fits the packet */
		if (h == 0 || ((b0 >> 1) & 3) == 3)
			return h == 0 ? MK_PROBE_MAYBE : MK_PROBE_NO;
		if (!mk_rd_peek_be16(rd, 1 + (size_t)h, &nlen))
			return MK_PROBE_MAYBE;
		if (nlen == 0 || (uint32_t)nlen + 2 > rlen)
			return MK_PROBE_NO;
		for (size_t i = 0; i < nlen && mk_rd_peek_u8(rd, 1 + (size_t)h + 2 + i, &b); i++)
			if (b < 0x20)
				return MK_PROBE_NO;
		return MK_PROBE_MAYBE;
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
	case MQTT_DISCONNECT:
		return (b0 & 0x0f) == 0 && h == 1 && rlen == 0 && left == 2 ? MK_PROBE_MAYBE : MK_PROBE_NO;
	default:
		return MK_PROBE_NO;
	}
}

static enum mk_verdict mqtt_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                  struct mk_emit *out)
{
	struct mqtt_state *s = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	*consumed = 0;
	for (unsigned count = 0; count < MQTT_MAX_PACKETS && mk_rd_left(rd) > 0; count++) {
		size_t left = mk_rd_left(rd), total;
		uint32_t rlen;
		uint8_t b0 = 0;
		int h;

		if (s->skip[d] > 0) {
			size_t k = left < s->skip[d] ? left : s->skip[d];

			mk_rd_skip(rd, k);
			s->skip[d] -= (uint32_t)k;
			*consumed += k;
			continue;
		}
		mk_rd_peek_u8(rd, 0, &b0);
		h = mqtt_varint_peek(rd, 1, &rlen);
		if (h < 0 && s->resync[d]) {
			*consumed += left;
			return MK_V_OK;
		}
		if (h < 0) {
			mk_emit_anomaly(out, "mqtt_bad_length");
			return MK_V_INVALID;
		}
		if (h == 0)
			return MK_V_NEED;
		if (s->resync[d]) {
			if (!mqtt_plausible(rd, b0, h, rlen)) {
				*consumed += left; /* not a packet start: drop this piece */
				return MK_V_OK;
			}
			s->resync[d] = false;
		}
		total = 1 + (size_t)h + rlen;
		if (total <= left) {
			struct mk_rd m;

			mk_rd_skip(rd, 1 + (size_t)h);
			mk_rd_sub(rd, rlen, &m);
			mqtt_packet(s, b0, &m, out);
			*consumed += total;
			continue;
		}
		if (total <= MQTT_WHOLE_MAX)
			return MK_V_NEED;
		/* Too large to wait for: a PUBLISH is counted from its head, anything
		 * else only skipped; the rest passes without being buffered. */
		if (b0 >> 4 == MQTT_PUBLISH) {
			struct mk_rd head = *rd;
			const uint8_t *topic;
			uint16_t tlen;
			size_t want;

			if (!mk_rd_peek_be16(rd, 1 + (size_t)h, &tlen))
				return MK_V_NEED;
			if (tlen + 2u > rlen) {
				mk_emit_anomaly(out, "mqtt_malformed");
			} else {
				/* enough of the topic for the same detail as a whole packet gives */
				want = tlen < MQTT_TOPIC_MAX + 4 ? tlen : MQTT_TOPIC_MAX + 4;
				mk_rd_skip(&head, 1 + (size_t)h + 2);
				if ((topic = mk_rd_ptr(&head, want)) == NULL)
					return MK_V_NEED;
				mqtt_publish(b0, topic, want, out);
			}
		} else {
			mk_emit_anomaly(out, "mqtt_oversized");
		}
		mk_rd_skip(rd, left);
		*consumed += left;
		s->skip[d] = (uint32_t)(total - left);
	}
	return MK_V_OK;
}

/* Bytes were lost: the next packet start is looked for (segments usually
 * begin with one), and an oversized packet being skipped is forgotten. */
static enum mk_verdict mqtt_gap(void *state, enum mk_dir dir)
{
	struct mqtt_state *s = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	s->skip[d] = 0;
	s->resync[d] = true;
	return MK_V_OK;
}

const struct mk_proto mk_proto_mqtt = {
	.abi = MK_PROTO_ABI,
	.name = "mqtt",
	.id = MK_PROTO_MQTT,
	.transports = MK_TRANSPORT_TCP,
	.l2 = NULL,
	.state_size = sizeof(struct mqtt_state),
	.max_buffer = MQTT_WHOLE_MAX,
	.probe = mqtt_probe,
	.parse = mqtt_parse,
	.gap = mqtt_gap,
	.events = mqtt_events,
};

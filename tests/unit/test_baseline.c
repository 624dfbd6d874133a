/* test_baseline.c - src/detect/baseline.c: learning from records, sealing,
 * judging at snapshots (each deviation type, no double counting, late
 * learning of flows open at sealing), dangerous operations never learned, the
 * item cap, accepting an alert teaches, and the tick's volume and silence
 * arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <cmocka.h>

#include "detect/baseline_int.h"
#include "detect/detect_int.h"
#include "mieruka/detect.h"
#include "mieruka/proto.h"

#define ALERTS MK_TEST_SRCDIR "/data/rules/alerts.tsv"
#define DETECT MK_TEST_SRCDIR "/data/rules/detect.tsv"
#define ROLES MK_TEST_SRCDIR "/data/rules/roles.tsv"
#define T0 1700000000000000000ull /* not an hour boundary: 22:13:20 */
#define S 1000000000ull
#define MIN (60 * S)

static const char *detect_path = DETECT; /* a test may point it to its own rules */

static struct mk_detect *new_det(void)
{
	struct mk_detect_limits lim;
	char err[512];
	struct mk_detect *d;

	mk_detect_limits_default(&lim);
	d = mk_detect_new(&lim, ALERTS, detect_path, ROLES, err, sizeof(err));
	assert_non_null(d);
	assert_string_equal(err, "");
	return d;
}

/* ---- records ---- */

struct dev {
	struct mk_asset_rec rec;
	struct mk_addr ip;
	struct mk_role_rec role;
};

static void dev_init(struct dev *v, uint8_t last, uint64_t first, uint64_t lastseen)
{
	memset(v, 0, sizeof(*v));
	v->ip.family = MK_AF_INET;
	v->ip.a[0] = 10;
	v->ip.a[3] = last;
	v->rec.mac.family = MK_AF_MAC;
	v->rec.mac.a[0] = 2;
	v->rec.mac.a[5] = last;
	mk_baseline_asset_id(v->rec.id, &v->rec.mac, true);
	v->rec.ips = &v->ip;
	v->rec.n_ips = 1;
	v->rec.first_ns = first;
	v->rec.last_ns = lastseen;
}

static void dev_role(struct dev *v, unsigned role, uint8_t conf)
{
	v->role.role = (uint8_t)role;
	v->role.confidence = conf;
	v->rec.roles = &v->role;
	v->rec.n_roles = 1;
}

static struct mk_conv_rec conv(const struct dev *c, const struct dev *s, uint16_t proto,
                               uint64_t first, uint64_t last)
{
	struct mk_conv_rec r;

	memset(&r, 0, sizeof(r));
	r.client = c->ip;
	r.server = s->ip;
	r.transport = 6;
	r.port = 502;
	r.proto = proto;
	r.first_ns = first;
	r.last_ns = last;
	r.flows = 1;
	r.packets = 10;
	r.bytes = 1000;
	return r;
}

struct snap {
	struct mk_alert_rec *v;
	size_t n;
};

static void snap_take(struct mk_detect *d, struct snap *s, struct dev *devs, size_t n_devs,
                      const struct mk_conv_rec *convs, size_t n_convs)
{
	struct mk_asset_rec assets[8];

	assert_true(n_devs <= 8);
	for (size_t i = 0; i < n_devs; i++)
		assets[i] = devs[i].rec;
	s->n = mk_detect_snapshot(d, assets, n_devs, convs, n_convs, &s->v);
	assert_true(s->n != (size_t)-1);
}

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		mk_alert_rec_clear(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static size_t count_type(const struct snap *s, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += strcmp(s->v[i].type, type) == 0;
	return n;
}

static const struct mk_alert_rec *find(const struct snap *s, const char *type)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].type, type) == 0)
			return &s->v[i];
	return NULL;
}

static const char *ev(const struct mk_alert_rec *a, const char *key)
{
	for (size_t i = 0; i < a->n_evidence; i++)
		if (strcmp(a->evidence[i].key, key) == 0)
			return a->evidence[i].value;
	return NULL;
}

/* A PLC (10.0.0.10), an HMI (.20) that reads it, a DNS server (.53). */
struct plant {
	struct dev plc, hmi, dns, office;
	struct mk_conv_rec read, query;
};

static void plant_init(struct plant *p)
{
	dev_init(&p->plc, 10, T0, T0 + 50 * S);
	dev_init(&p->hmi, 20, T0, T0 + 50 * S);
	dev_init(&p->dns, 53, T0, T0 + 50 * S);
	dev_init(&p->office, 30, T0, T0 + 50 * S);
	dev_role(&p->plc, MK_ROLE_PLC, 70);
	mk_proto_set_add(&p->plc.rec.server, MK_PROTO_MODBUS);
	mk_proto_set_add(&p->hmi.rec.client, MK_PROTO_MODBUS);
	mk_proto_set_add(&p->dns.rec.server, MK_PROTO_DNS);
	mk_proto_set_add(&p->office.rec.client, MK_PROTO_DNS);
	p->read = conv(&p->hmi, &p->plc, MK_PROTO_MODBUS, T0, T0 + 50 * S);
	p->read.ops[MK_OP_READ] = 40;
	p->query = conv(&p->office, &p->dns, MK_PROTO_DNS, T0, T0 + 50 * S);
	p->query.transport = 17;
	p->query.port = 53;
}

/* Learns the plant for 100 s and seals. */
static struct mk_detect *learned_plant(struct plant *p)
{
	struct mk_detect *d = new_det();
	struct snap s;
	struct dev devs[4];
	struct mk_conv_rec convs[2];

	plant_init(p);
	mk_detect_baseline_learn(d, "capture_start", 0);
	assert_int_equal(mk_detect_baseline_meta(d)->state, MK_BASELINE_LEARNING);
	mk_detect_tick_begin(d, T0);
	devs[0] = p->plc, devs[1] = p->hmi, devs[2] = p->dns, devs[3] = p->office;
	convs[0] = p->read, convs[1] = p->query;
	snap_take(d, &s, devs, 4, convs, 2);
	assert_int_equal(s.n, 0); /* learning raises nothing */
	snap_free(&s);
	mk_detect_baseline_seal(d, T0 + 100 * S);
	assert_int_equal(mk_detect_baseline_meta(d)->state, MK_BASELINE_JUDGING);
	assert_int_equal(mk_detect_baseline_meta(d)->learn_start_ns, T0);
	assert_int_equal(mk_detect_baseline_meta(d)->learn_end_ns, T0 + 100 * S);
	return d;
}

static void test_learn_seal_judge(void **state)
{
	struct plant p;
	struct mk_detect *d;
	struct snap s;
	struct dev devs[5], newdev;
	struct mk_conv_rec convs[5];
	char key[MK_BASELINE_KEY_LEN];
	const struct mk_alert_rec *a;

	(void)state;
	d = learned_plant(&p);
	/* after sealing: a new device that writes to the PLC, the HMI starts writing, the
	 * office PC starts querying the PLC by Modbus too, the HMI talks DNS */
	dev_init(&newdev, 99, T0 + 200 * S, T0 + 300 * S);
	mk_proto_set_add(&newdev.rec.client, MK_PROTO_MODBUS);
	devs[0] = p.plc, devs[1] = p.hmi, devs[2] = p.dns, devs[3] = p.office, devs[4] = newdev;
	convs[0] = p.read;
	convs[0].ops[MK_OP_WRITE] = 3; /* new_operation write */
	convs[1] = p.query;
	convs[2] = conv(&newdev, &p.plc, MK_PROTO_MODBUS, T0 + 200 * S, T0 + 300 * S);
	convs[2].ops[MK_OP_WRITE] = 5; /* unauthorized_write */
	convs[3] =
	    conv(&p.hmi, &p.dns, MK_PROTO_DNS, T0 + 210 * S, T0 + 220 * S); /* new_protocol */
	convs[3].transport = 17;
	convs[3].port = 53;
	convs[4] = conv(&p.office, &p.hmi, MK_PROTO_UNKNOWN, T0 + 230 * S, T0 + 240 * S);
	convs[4].port = 8080; /* new_conversation */
	for (int round = 0; round < 3; round++) {
		snap_take(d, &s, devs, 5, convs, 5);
		assert_int_equal(count_type(&s, "new_device"), 1);
		assert_int_equal(count_type(&s, "unauthorized_write"), 1);
		assert_int_equal(count_type(&s, "new_operation"), 1);
		assert_int_equal(count_type(&s, "new_protocol"), 1);
		assert_int_equal(count_type(&s, "new_conversation"), 1);
		assert_int_equal(s.n, 5);
		/* derived: repeated snapshots never add up */
		a = find(&s, "unauthorized_write");
		assert_int_equal(a->count, 5);
		assert_int_equal(a->severity, MK_SEV_HIGH);
		a = find(&s, "new_operation");
		assert_int_equal(a->count, 3);
		assert_int_equal(a->severity, MK_SEV_MEDIUM);
		assert_string_equal(a->subject, "write");
		assert_non_null(strstr(a->title_ja, "書込み"));
		a = find(&s, "new_device");
		assert_int_equal(a->count, 1);
		assert_int_equal(a->first_ns, T0 + 200 * S);
		assert_string_equal(a->subject, newdev.rec.id);
		assert_int_equal(a->severity, MK_SEV_MEDIUM);
		a = find(&s, "new_protocol");
		assert_int_equal(a->proto, MK_PROTO_DNS);
		assert_string_equal(ev(a, "detail"), "client");
		a = find(&s, "new_conversation");
		assert_int_equal(a->severity, MK_SEV_LOW);
		assert_int_equal(a->port, 8080);
		snap_free(&s);
	}
	/* the learned keys are what baseline.h says */
	mk_baseline_key_writer(key, &p.hmi.ip, MK_PROTO_MODBUS);
	assert_string_equal(key, "10.0.0.20|modbus");
	mk_baseline_key_conv(key, &p.hmi.ip, &p.plc.ip, 6, 502, MK_PROTO_MODBUS);
	assert_string_equal(key, "10.0.0.20|10.0.0.10|tcp|502|modbus");
	mk_baseline_key_protocol(key, p.plc.rec.id, true, MK_PROTO_MODBUS);
	assert_string_equal(key, "m-02000000000a|server|modbus");
	mk_detect_free(d);
}

static void test_late_learning(void **state)
{
	struct plant p;
	struct mk_detect *d;
	struct snap s;
	struct dev devs[5], late;
	struct mk_conv_rec convs[3];

	(void)state;
	d = learned_plant(&p);
	/* a device and a conversation first seen before the seal, reported only now (their
	 * flows were open at sealing): learned, not judged */
	dev_init(&late, 77, T0 + 90 * S, T0 + 300 * S);
	devs[0] = p.plc, devs[1] = p.hmi, devs[2] = p.dns, devs[3] = p.office, devs[4] = late;
	convs[0] = p.read;
	convs[1] = p.query;
	convs[2] = conv(&p.office, &p.plc, MK_PROTO_UNKNOWN, T0 + 95 * S, T0 + 300 * S);
	snap_take(d, &s, devs, 5, convs, 3);
	assert_int_equal(s.n, 0);
	snap_free(&s);
	assert_int_equal(mk_detect_baseline_meta(d)->state, MK_BASELINE_JUDGING);
	mk_detect_free(d);

	/* A later run (no seal in it) judges the same records */
	d = new_det();
	{
		struct mk_baseline_meta m = {MK_BASELINE_JUDGING, "capture_start", T0,
		                             T0 + 100 * S};
		struct mk_baseline_item it;

		memset(&it, 0, sizeof(it));
		it.kind = MK_BK_DEVICE;
		mk_detect_baseline_load_meta(d, &m);
		for (int i = 0; i < 4; i++) {
			snprintf(it.key, sizeof(it.key), "%s", devs[i].rec.id);
			assert_int_equal(mk_detect_baseline_load_item(d, &it), 0);
		}
	}
	snap_take(d, &s, devs, 5, convs, 0);
	assert_int_equal(count_type(&s, "new_device"), 1);
	assert_int_equal(s.n, 1);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_dangerous_never_learned(void **state)
{
	struct mk_detect_rules r;
	struct mk_baseline *b;
	struct dev hmi, plc;
	struct mk_conv_rec c;
	char key[MK_BASELINE_KEY_LEN], err[256];

	(void)state;
	mk_detect_rules_init(&r);
	assert_true(mk_detect_rules_load_alerts(&r, ALERTS, err, sizeof(err)) == 0);
	assert_true(mk_detect_rules_load_detect(&r, DETECT, err, sizeof(err)) == 0);
	r.controller[MK_PROTO_S7COMM] = true;
	b = mk_baseline_new(&r);
	assert_non_null(b);
	dev_init(&hmi, 20, T0, T0);
	dev_init(&plc, 10, T0, T0);
	c = conv(&hmi, &plc, MK_PROTO_S7COMM, T0, T0);
	c.ops[MK_OP_READ] = 1;
	c.ops[MK_OP_PROGRAM] = 4;
	c.ops[MK_OP_CONTROL] = 1;
	c.ops[MK_OP_FIRMWARE] = 1;
	c.ops[MK_OP_AUTH] = 1;
	mk_baseline_learn(b, "learn_captures", 0);
	mk_baseline_learn_conv(b, &c);
	for (unsigned op = 0; op < MK_OP_COUNT; op++) {
		mk_baseline_key_operation(key, &hmi.ip, &plc.ip, MK_PROTO_S7COMM, op);
		if (op == MK_OP_READ)
			assert_non_null(mk_baseline_find(b, MK_BK_OPERATION, key));
		else
			assert_null(mk_baseline_find(b, MK_BK_OPERATION, key));
	}
	assert_string_equal(key, "10.0.0.20|10.0.0.10|s7comm|other");
	/* no write: no writer */
	mk_baseline_key_writer(key, &hmi.ip, MK_PROTO_S7COMM);
	assert_null(mk_baseline_find(b, MK_BK_WRITER, key));
	/* the conversation, "read", and both endpoints as addresses */
	assert_int_equal(mk_baseline_count(b), 4);
	mk_baseline_key_address(key, &plc.ip);
	assert_string_equal(key, "@10.0.0.10");
	assert_non_null(mk_baseline_find(b, MK_BK_DEVICE, key));
	mk_baseline_free(b);
	mk_detect_rules_clear(&r);
}

static void test_cap(void **state)
{
	struct mk_detect_rules r;
	struct mk_baseline *b;
	struct mk_asset_rec assets[20];
	struct dev v[20];
	struct mk_baseline_meta *meta;
	struct mk_baseline_item *items;
	char err[256];
	size_t n;

	(void)state;
	mk_detect_rules_init(&r);
	assert_true(mk_detect_rules_load_alerts(&r, ALERTS, err, sizeof(err)) == 0);
	r.baseline_max_items = 16;
	b = mk_baseline_new(&r);
	for (int i = 0; i < 20; i++) {
		dev_init(&v[i], (uint8_t)(i + 1), T0, T0);
		assets[i] = v[i].rec;
	}
	mk_baseline_learn(b, "live", 72);
	mk_baseline_learn_records(b, assets, 20, NULL, 0);
	assert_int_equal(mk_baseline_count(b), 16);
	assert_int_equal(mk_baseline_stats(b)->items_dropped, 4);
	/* export hands out each new item once, and the meta when it changed */
	n = mk_baseline_export(b, &meta, &items);
	assert_int_equal(n, 16);
	assert_non_null(meta);
	assert_int_equal(meta->state, MK_BASELINE_LEARNING);
	assert_string_equal(meta->source, "live");
	free(meta);
	free(items);
	n = mk_baseline_export(b, &meta, &items);
	assert_int_equal(n, 0);
	assert_null(meta);
	/* live learning ends by itself 72 h after its start */
	mk_baseline_tick_begin(b, T0);
	assert_false(mk_baseline_seal_due(b, T0 + 71 * 3600 * S));
	assert_true(mk_baseline_seal_due(b, T0 + 72 * 3600 * S));
	mk_baseline_free(b);
	mk_detect_rules_clear(&r);
}

/* A flood of new devices spends the deviation-alert budget (detect.tsv
 * baseline_max_alerts), then is counted, not stored; known alerts go on. */
static void test_deviation_budget(void **state)
{
	char path[] = "/tmp/mk_test_budget_XXXXXX";
	struct dev devs[8];
	struct plant p;
	struct mk_detect *d;
	struct snap s;
	FILE *in, *out;
	char line[4096];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	in = fopen(DETECT, "r");
	assert_non_null(out);
	assert_non_null(in);
	while (fgets(line, sizeof(line), in) != NULL)
		fputs(line, out);
	fclose(in);
	fputs("set\tbaseline_max_alerts\t3\n", out);
	fclose(out);
	detect_path = path;
	d = learned_plant(&p);
	detect_path = DETECT;
	unlink(path);
	for (int i = 0; i < 8; i++)
		dev_init(&devs[i], (uint8_t)(100 + i), T0 + 200 * S, T0 + 300 * S);
	snap_take(d, &s, devs, 8, NULL, 0);
	assert_int_equal(count_type(&s, "new_device"), 3);
	assert_int_equal(mk_detect_stats(d)->baseline_alerts_dropped, 5);
	snap_free(&s);
	/* the three known ones stay, and nothing new is created */
	snap_take(d, &s, devs, 8, NULL, 0);
	assert_int_equal(count_type(&s, "new_device"), 3);
	assert_int_equal(mk_detect_stats(d)->baseline_alerts_dropped, 10);
	snap_free(&s);
	mk_detect_free(d);
}

static void test_accept_teaches(void **state)
{
	struct plant p;
	struct mk_detect *d;
	struct snap s;
	struct dev devs[5], newdev;
	struct mk_conv_rec convs[2];
	struct mk_baseline_item it, taught[2];
	struct mk_alert_rec a;
	struct mk_evidence_rec e = {"hour_bytes", "22000000"};

	(void)state;
	d = learned_plant(&p);
	dev_init(&newdev, 99, T0 + 200 * S, T0 + 300 * S);
	devs[0] = p.plc, devs[1] = p.hmi, devs[2] = p.dns, devs[3] = p.office, devs[4] = newdev;
	convs[0] = p.read;
	convs[1] = conv(&p.hmi, &p.dns, MK_PROTO_DNS, T0 + 210 * S, T0 + 220 * S);
	snap_take(d, &s, devs, 5, convs, 2);
	assert_int_equal(s.n, 2);
	/* accepting each teaches its key */
	for (size_t i = 0; i < s.n; i++) {
		assert_int_equal(mk_baseline_item_from_alert(&s.v[i], &it), 1);
		assert_true(it.accepted);
		if (strcmp(s.v[i].type, "new_device") == 0) {
			assert_int_equal(it.kind, MK_BK_DEVICE);
			assert_string_equal(it.key, "m-020000000063");
		} else {
			assert_int_equal(it.kind, MK_BK_PROTOCOL);
			assert_string_equal(it.key, "m-020000000014|client|dns");
		}
		assert_int_equal(mk_detect_baseline_load_item(d, &it), 0);
		taught[i] = it;
	}
	snap_free(&s);
	/* a fresh detector with the taught baseline raises nothing for them */
	{
		struct mk_detect *d2 = new_det();
		struct mk_baseline_meta *meta;
		struct mk_baseline_item *items;
		size_t n = mk_detect_baseline_export(d, &meta, &items);

		assert_true(n > 0 && n != (size_t)-1);
		mk_detect_baseline_load_meta(d2, meta);
		for (size_t i = 0; i < n; i++)
			mk_detect_baseline_load_item(d2, &items[i]);
		for (size_t i = 0; i < 2; i++)
			mk_detect_baseline_load_item(d2, &taught[i]);
		free(meta);
		free(items);
		snap_take(d2, &s, devs, 5, convs, 2);
		assert_int_equal(s.n, 0);
		snap_free(&s);
		mk_detect_free(d2);
	}
	/* dangerous operations and scans teach nothing; volume raises the maximum */
	memset(&a, 0, sizeof(a));
	snprintf(a.type, sizeof(a.type), "plc_program");
	assert_int_equal(mk_baseline_item_from_alert(&a, &it), 0);
	snprintf(a.type, sizeof(a.type), "scan_hosts");
	assert_int_equal(mk_baseline_item_from_alert(&a, &it), 0);
	snprintf(a.type, sizeof(a.type), "new_operation");
	snprintf(a.subject, sizeof(a.subject), "program");
	assert_int_equal(mk_baseline_item_from_alert(&a, &it), 0);
	snprintf(a.type, sizeof(a.type), "volume_anomaly");
	snprintf(a.subject, sizeof(a.subject), "m-020000000014");
	a.evidence = &e;
	a.n_evidence = 1;
	assert_int_equal(mk_baseline_item_from_alert(&a, &it), 1);
	assert_int_equal(it.kind, MK_BK_VOLUME);
	assert_int_equal(it.n[0], 22000000);
	mk_detect_free(d);
}

/* One object of the inventory, for the tick. */
static void tick(struct mk_detect *d, uint64_t now, const struct dev *v, uint64_t bytes,
                 uint64_t last)
{
	struct mk_inventory_total t;

	memset(&t, 0, sizeof(t));
	t.key = v->rec.mac;
	t.ip = v->ip;
	t.by_mac = true;
	t.first_ns = T0;
	t.last_ns = last;
	t.bytes = bytes;
	mk_detect_tick_begin(d, now);
	mk_detect_tick_object(d, &t);
}

static void test_tick_volume_silence(void **state)
{
	struct mk_detect *d = new_det();
	struct dev x;
	struct snap s;
	const struct mk_baseline_item *dev, *vol;
	const struct mk_alert_rec *a;
	uint64_t now = T0, bytes = 0;
	char key[MK_ASSET_ID_LEN];

	(void)state;
	dev_init(&x, 20, T0, T0);
	mk_detect_baseline_learn(d, "capture_start", 0);
	/* learning: 1,000 bytes a minute, heard every minute, for 30 minutes */
	for (int m = 0; m <= 30; m++, now += MIN) {
		tick(d, now, &x, bytes, now);
		bytes += 1000;
	}
	now -= MIN;
	x.rec.last_ns = now;
	snap_take(d, &s, &x, 1, NULL, 0); /* learns the device with its figures */
	assert_int_equal(s.n, 0);
	snap_free(&s);
	mk_detect_baseline_seal(d, now);
	mk_baseline_asset_id(key, &x.rec.mac, true);
	{
		/* the figures: the hour so far (the first tick only sets the base) */
		struct mk_baseline_meta *meta;
		struct mk_baseline_item *items;
		size_t n = mk_detect_baseline_export(d, &meta, &items);

		dev = vol = NULL;
		for (size_t i = 0; i < n; i++) {
			if (items[i].kind == MK_BK_DEVICE && strcmp(items[i].key, key) == 0)
				dev = &items[i];
			if (items[i].kind == MK_BK_VOLUME && strcmp(items[i].key, key) == 0)
				vol = &items[i];
		}
		assert_non_null(dev);
		assert_non_null(vol);
		assert_int_equal(dev->n[0], 0);  /* never silent at a tick */
		assert_int_equal(dev->n[1], 31); /* heard in 31 ticks */
		/* T0 is 22:13:20: minutes 0..30 stay inside the 22:00 hour */
		assert_int_equal(vol->n[0], 30000);
		free(meta);
		free(items);
	}
	/* judging: 11 MB in the next minute: above max(4 x 30 kB, 10 MB) */
	now += MIN;
	bytes += 11000000;
	tick(d, now, &x, bytes, now);
	now += MIN;
	bytes += 1000;
	tick(d, now, &x, bytes, now); /* same hour: no second occurrence */
	snap_take(d, &s, &x, 1, NULL, 0);
	assert_int_equal(count_type(&s, "volume_anomaly"), 1);
	a = find(&s, "volume_anomaly");
	assert_int_equal(a->count, 1);
	/* the figures follow the hour (set, not added) */
	assert_string_equal(ev(a, "hour_bytes"), "11002000");
	assert_string_equal(ev(a, "limit_bytes"), "10000000");
	assert_string_equal(ev(a, "value"), "11.002");
	assert_non_null(strstr(a->title_en, "11.002 MB"));
	snap_free(&s);
	/* silence: last heard at `heard`; 15 minutes (silence_min_s) are allowed */
	{
		uint64_t heard = now;

		for (int m = 1; m <= 15; m++)
			tick(d, heard + (uint64_t)m * MIN, &x, bytes, heard);
		snap_take(d, &s, &x, 1, NULL, 0);
		assert_int_equal(count_type(&s, "device_silent"), 0);
		snap_free(&s);
		tick(d, heard + 16 * MIN, &x, bytes, heard);
		tick(d, heard + 17 * MIN, &x, bytes, heard);
		snap_take(d, &s, &x, 1, NULL, 0);
		a = find(&s, "device_silent");
		assert_non_null(a);
		assert_int_equal(a->count, 1);
		assert_int_equal(a->first_ns, heard + 15 * MIN);
		assert_string_equal(ev(a, "silent_s"), "1020");
		snap_free(&s);
		/* heard again, then silent again: a second occurrence */
		now = heard + 18 * MIN;
		tick(d, now, &x, bytes + 100, now);
		tick(d, now + 20 * MIN, &x, bytes + 100, now);
		snap_take(d, &s, &x, 1, NULL, 0);
		assert_int_equal(find(&s, "device_silent")->count, 2);
		snap_free(&s);
	}
	mk_detect_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_learn_seal_judge),
	    cmocka_unit_test(test_late_learning),
	    cmocka_unit_test(test_dangerous_never_learned),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_deviation_budget),
	    cmocka_unit_test(test_accept_teaches),
	    cmocka_unit_test(test_tick_volume_silence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

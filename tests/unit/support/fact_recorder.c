/* fact_recorder.c - see fact_recorder.h. */
#include "fact_recorder.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void rec_addr(const struct mk_addr *a, char *buf, size_t len)
{
	if (a->family == MK_AF_MAC)
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", a->a[0], a->a[1], a->a[2], a->a[3],
		         a->a[4], a->a[5]);
	else if (a->family == MK_AF_INET)
		inet_ntop(AF_INET, a->a, buf, (socklen_t)len);
	else if (a->family == MK_AF_INET6)
		inet_ntop(AF_INET6, a->a, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
}

static void rec_host(const struct mk_host *h, char *buf, size_t len)
{
	static const char *const rel[] = {"sender", "receiver", "client", "server"};
	char mac[MK_ADDR_STRLEN], ip[MK_ADDR_STRLEN];

	if (h->kind < MK_HOST_EXPLICIT) {
		snprintf(buf, len, "%s", rel[h->kind]);
		return;
	}
	rec_addr(&h->mac, mac, sizeof(mac));
	rec_addr(&h->ip, ip, sizeof(ip));
	snprintf(buf, len, "mac=%s,ip=%s", mac, ip);
}

void rec_sink(void *ctx, const struct mk_fact *f, struct mk_flow *flow, const struct mk_pkt *pkt,
                     int dir)
{
	struct rec *r = ctx;
	char host[128], val[REC_LEN / 2] = "", *line;
	const struct mk_identity *id = &f->identity;

	(void)flow;
	(void)pkt;
	(void)dir;
	assert_true(r->n < REC_MAX);
	if (f->value != NULL) {
		/* A fact's value is length-delimited, capped and free of NULs. */
		assert_true(f->value_len < sizeof(val));
		assert_null(memchr(f->value, 0, f->value_len));
		memcpy(val, f->value, f->value_len);
		val[f->value_len] = '\0';
	}
	rec_host(&f->host, host, sizeof(host));
	line = r->line[r->n++];
	switch (f->kind) {
	case MK_FACT_NAME:
		snprintf(line, REC_LEN, "name %s %s", host, val);
		break;
	case MK_FACT_BINDING:
		snprintf(line, REC_LEN, "binding %s", host);
		break;
	case MK_FACT_IDENTITY:
		snprintf(line, REC_LEN, "identity %s vendor=%s product=%s model=%s firmware=%s serial=%s", host,
		         id->vendor ? id->vendor : "-", id->product ? id->product : "-",
		         id->model ? id->model : "-", id->firmware ? id->firmware : "-",
		         id->serial ? id->serial : "-");
		break;
	case MK_FACT_ATTR:
		snprintf(line, REC_LEN, "attr %s %s=%s", host, f->key, val);
		break;
	case MK_FACT_OS:
		snprintf(line, REC_LEN, "os %s %s (%u)", host, val, f->confidence);
		break;
	case MK_FACT_ROLE:
		snprintf(line, REC_LEN, "role %s %s (%u) %s", host, mk_role_name(f->role), f->confidence, val);
		break;
	case MK_FACT_OPERATION:
		snprintf(line, REC_LEN, "operation %s %s", mk_op_class_name(f->op), val);
		break;
	case MK_FACT_ANOMALY:
		snprintf(line, REC_LEN, "anomaly %s", val);
		break;
	case MK_FACT_RESULT:
		snprintf(line, REC_LEN, "result %s %s %s", mk_op_class_name(f->op), val,
		         f->confidence >= 50 ? "ok" : "failed");
		break;
	default:
		fail_msg("unknown fact kind %u", f->kind);
	}
}

bool rec_has(const struct rec *r, const char *line)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->line[i], line) == 0)
			return true;
	return false;
}

/* Asserts the recorded facts are exactly exp[] (NULL-terminated), in order. */
void rec_expect(const struct rec *r, const char *const *exp)
{
	int n = 0;

	while (exp[n] != NULL)
		n++;
	for (int i = 0; i < r->n || i < n; i++) {
		const char *got = i < r->n ? r->line[i] : "(none)";
		const char *want = i < n ? exp[i] : "(none)";

		if (strcmp(got, want) != 0)
			fail_msg("fact %d:\n  got  %s\n  want %s", i, got, want);
	}
}

/* Asserts every fact of `part` also came from the whole message `all`. */
void rec_subset(const struct rec *part, const struct rec *all, size_t cut)
{
	for (int i = 0; i < part->n; i++)
		if (strncmp(part->line[i], "anomaly ", 8) != 0 && !rec_has(all, part->line[i]))
			fail_msg("cut at %zu gave a wrong fact: %s", cut, part->line[i]);
}

/* Runs one parse over an exact-size heap copy, so ASan sees any over-read. */
enum mk_verdict run_parse(const struct mk_proto *p, const struct mk_pkt *pkt, const uint8_t *msg,
                                 size_t len, enum mk_dir dir, struct rec *r, size_t *consumed)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	void *state = calloc(1, p->state_size > 0 ? p->state_size : 1);
	struct mk_emit out = {.sink = rec_sink, .ctx = r, .pkt = pkt, .dir = (int)dir, .proto = p->id};
	struct mk_rd rd;
	size_t dummy = 0;
	enum mk_verdict v;
	int first;

	assert_non_null(copy);
	assert_non_null(state);
	memcpy(copy, msg, len);
	mk_rd_init(&rd, copy, len);
	first = r->n;
	v = p->parse(state, &rd, dir, consumed != NULL ? consumed : &dummy, &out);
	/* Every anomaly a parser raises is declared in its descriptor's table. */
	for (int i = first; i < r->n; i++) {
		bool listed = false;

		if (strncmp(r->line[i], "anomaly ", 8) != 0)
			continue;
		for (size_t e = 0; p->events != NULL && p->events[e] != NULL; e++)
			listed |= strcmp(p->events[e], r->line[i] + 8) == 0;
		if (!listed)
			fail_msg("undeclared event: %s", r->line[i]);
	}
	if (p->reset != NULL)
		p->reset(state);
	free(state);
	free(copy);
	return v;
}

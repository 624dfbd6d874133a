/* fuzz_proto.c - one fuzz target per protocol plug-in, built once for each name
 * in cmake/protocols.cmake with -DMK_FUZZ_PROTO=mk_proto_NAME.
 *
 * Input format.  UDP and L2 plug-ins: the whole input is one datagram/frame.
 * TCP plug-ins: a sequence of records [direction: 1 byte, bit 0 = to client]
 * [length: 2 bytes big-endian][bytes], fed as ordered stream bytes the way the
 * engine does: what parse() leaves unconsumed is kept (up to max_buffer) and
 * offered again in front of the next bytes of that direction.  Facts go to a
 * sink that checks their strings are readable (ASan catches bad pointers).
 */
#include <stdlib.h>
#include <string.h>

#include "mieruka/proto.h"

#ifndef MK_FUZZ_PROTO
#error "build with -DMK_FUZZ_PROTO=mk_proto_NAME"
#endif

extern const struct mk_proto MK_FUZZ_PROTO;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink_bytes;

static void touch(const char *s, size_t len)
{
	for (size_t i = 0; s != NULL && i < len; i++)
		sink_bytes += (unsigned char)s[i];
}

static void check_sink(void *ctx, const struct mk_fact *f, struct mk_flow *flow,
                       const struct mk_pkt *pkt, int dir)
{
	(void)ctx, (void)flow, (void)pkt, (void)dir;
	touch(f->value, f->value_len);
	if (f->key != NULL)
		touch(f->key, strlen(f->key));
	if (f->identity.vendor)
		touch(f->identity.vendor, strlen(f->identity.vendor));
	if (f->identity.product)
		touch(f->identity.product, strlen(f->identity.product));
	if (f->identity.model)
		touch(f->identity.model, strlen(f->identity.model));
	if (f->identity.firmware)
		touch(f->identity.firmware, strlen(f->identity.firmware));
	if (f->identity.serial)
		touch(f->identity.serial, strlen(f->identity.serial));
}

/* Feeds bytes to parse() like the engine's run_parser(); returns false when
 * the parser gave up on the flow. */
static bool feed(const struct mk_proto *p, void *state, uint8_t **pend, size_t *pend_len,
                 const uint8_t *data, size_t len, int dir, struct mk_emit *out)
{
	size_t total = *pend_len + len, off = 0;
	uint8_t *buf = malloc(total ? total : 1);

	if (buf == NULL)
		return false;
	if (*pend_len)
		memcpy(buf, *pend, *pend_len);
	memcpy(buf + *pend_len, data, len);
	free(*pend);
	*pend = NULL;
	*pend_len = 0;
	for (int round = 0; off < total && round < 4096; round++) {
		struct mk_rd rd;
		size_t consumed = 0;
		enum mk_verdict v;

		mk_rd_init(&rd, buf + off, total - off);
		v = p->parse(state, &rd, (enum mk_dir)dir, &consumed, out);
		if (consumed > total - off)
			__builtin_trap(); /* a parser claimed bytes it was never given */
		if (v == MK_V_INVALID || v == MK_V_NOMEM) {
			free(buf);
			return false;
		}
		off += consumed;
		if (v == MK_V_NEED || consumed == 0)
			break;
	}
	if (off < total && total - off <= p->max_buffer) {
		*pend_len = total - off;
		*pend = malloc(*pend_len);
		if (*pend != NULL)
			memcpy(*pend, buf + off, *pend_len);
		else
			*pend_len = 0;
	}
	free(buf);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mk_proto *p = &MK_FUZZ_PROTO;
	struct mk_emit out = {.sink = check_sink, .proto = p->id};
	void *state = p->state_size ? calloc(1, p->state_size) : NULL;
	struct mk_rd rd;
	size_t consumed = 0;

	if (p->state_size && state == NULL)
		return 0;
	if (p->probe != NULL) {
		mk_rd_init(&rd, data, size);
		(void)p->probe(&rd, MK_DIR_TO_SERVER);
	}
	if (!(p->transports & MK_TRANSPORT_TCP)) {
		mk_rd_init(&rd, data, size);
		(void)p->parse(state, &rd, MK_DIR_TO_SERVER, &consumed, &out);
	} else {
		uint8_t *pend[2] = {NULL, NULL};
		size_t pend_len[2] = {0, 0};
		struct mk_rd in;

		mk_rd_init(&in, data, size);
		for (int rec = 0; rec < 1024 && mk_rd_left(&in) >= 3; rec++) {
			int dir = mk_rd_u8(&in) & 1;
			size_t len = mk_rd_be16(&in);
			const uint8_t *bytes;

			if (len > mk_rd_left(&in))
				len = mk_rd_left(&in);
			bytes = mk_rd_ptr(&in, len);
			if (dir == 0 && rec > 0 && p->gap != NULL && (bytes != NULL && len > 0 && bytes[0] == 0xff))
				(void)p->gap(state, (enum mk_dir)dir);
			out.dir = dir;
			if (!feed(p, state, &pend[dir], &pend_len[dir], bytes, len, dir, &out))
				break;
		}
		free(pend[0]);
		free(pend[1]);
	}
	if (state != NULL && p->reset != NULL)
		p->reset(state);
	free(state);
	return 0;
}

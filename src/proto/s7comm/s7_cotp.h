/* s7_cotp.h - ISO-on-TCP framing shared by the S7comm, S7comm-plus and MMS parsers:
 * one TPKT, the COTP header inside it, and the TSAP parameters of a connection
 * request or confirm.  Header-only (static inline) so each parser stays one
 * plug-in; the S7comm-plus parser includes it from ../s7comm/.
 * specification: RFC 1006 section 6 (TPKT: version 3, reserved, 16-bit length
 * including the header); ITU-T X.224 / ISO 8073 sections 13.3 (CR), 13.4 (CC),
 * 13.7 (DT class 0: LI 2, code 0xf0, TPDU-NR with the EOT bit 0x80),
 * 13.3.4 (parameters: 0xc0 TPDU size, 0xc1 calling TSAP, 0xc2 called TSAP)
 */
#ifndef MK_PROTO_S7_COTP_H
#define MK_PROTO_S7_COTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mieruka/proto.h"
#include "mieruka/rd.h"

#define S7_TPKT_HEADER 4
#define S7_TPKT_MIN 7 /* TPKT header + the 3 bytes of a COTP DT header */

/* COTP TPDU codes (upper nibble of the code octet; CR/CC keep their credit in
 * the lower nibble, class 0 uses 0). */
#define S7_COTP_CR 0xe0
#define S7_COTP_CC 0xd0
#define S7_COTP_DR 0x80
#define S7_COTP_DC 0xc0
#define S7_COTP_DT 0xf0
#define S7_COTP_ER 0x70

#define S7_COTP_TSAP_MAX 32

enum s7_frame {
	S7_FRAME_NEED, /* too few bytes for the TPKT header or its length */
	S7_FRAME_BAD_TPKT,
	S7_FRAME_OK,
};

/* Checks the TPKT header at the reader's position: its declared length in *len. */
static inline enum s7_frame s7_tpkt_peek(const struct mk_rd *rd, uint16_t *len)
{
	uint8_t ver = 0, res = 0;

	if (!mk_rd_peek_u8(rd, 0, &ver))
		return S7_FRAME_NEED;
	if (ver != 3)
		return S7_FRAME_BAD_TPKT;
	if (!mk_rd_peek_u8(rd, 1, &res) || !mk_rd_peek_be16(rd, 2, len))
		return S7_FRAME_NEED;
	if (res != 0 || *len < S7_TPKT_MIN)
		return S7_FRAME_BAD_TPKT;
	return S7_FRAME_OK;
}

/* One COTP TPDU from the bytes after a TPKT header. */
struct s7_cotp {
	uint8_t code;      /* upper nibble of the code octet */
	bool eot;          /* DT: last TPDU of the user message */
	struct mk_rd user; /* DT: user data; CR/CC: the variable part */
	uint8_t calling[S7_COTP_TSAP_MAX], called[S7_COTP_TSAP_MAX];
	uint8_t calling_len, called_len; /* CR/CC: 0 when absent */
};

/* Parses the COTP header of one TPKT payload; false when LI is inconsistent. */
static inline bool s7_cotp_parse(struct mk_rd *tpdu, struct s7_cotp *c)
{
	uint8_t li = mk_rd_u8(tpdu), code = mk_rd_u8(tpdu);
	struct mk_rd var;

	memset(c, 0, sizeof(*c));
	if (!mk_rd_ok(tpdu) || li < 1 || !mk_rd_has(tpdu, (size_t)li - 1))
		return false;
	c->code = code & 0xf0;
	if (c->code == S7_COTP_DT) {
		uint8_t nr;

		if (li < 2)
			return false;
		nr = mk_rd_u8(tpdu);
		c->eot = (nr & 0x80) != 0;
		mk_rd_skip(tpdu, (size_t)li - 2); /* class 0 has no more; tolerate options */
		c->user = *tpdu;
		return mk_rd_ok(tpdu);
	}
	if (c->code == S7_COTP_CR || c->code == S7_COTP_CC) {
		if (li < 6)
			return false;
		mk_rd_skip(tpdu, 5); /* dst-ref, src-ref, class/options */
		if (!mk_rd_sub(tpdu, (size_t)li - 6, &var))
			return false;
		c->user = var;
		for (int i = 0; i < 16 && mk_rd_left(&var) >= 2; i++) {
			uint8_t pc = mk_rd_u8(&var), pl = mk_rd_u8(&var);
			const uint8_t *pv = mk_rd_ptr(&var, pl);

			if (pv == NULL)
				return false;
			if (pc == 0xc1 && pl <= S7_COTP_TSAP_MAX) {
				memcpy(c->calling, pv, pl);
				c->calling_len = pl;
			} else if (pc == 0xc2 && pl <= S7_COTP_TSAP_MAX) {
				memcpy(c->called, pv, pl);
				c->called_len = pl;
			}
		}
		return mk_rd_left(&var) == 0;
	}
	/* DR, DC, ER, AK...: the header is all there is for us. */
	mk_rd_skip(tpdu, (size_t)li - 1);
	return mk_rd_ok(tpdu);
}

/* Peeks the first TPKT of a probe: the COTP code and the offset of the bytes
 * after the COTP header (*user_off, from the TPKT start). */
static inline bool s7_probe_dt(const struct mk_rd *rd, uint8_t *code, size_t *user_off)
{
	uint16_t len = 0;
	uint8_t li = 0, c = 0;

	if (s7_tpkt_peek(rd, &len) != S7_FRAME_OK || !mk_rd_peek_u8(rd, 4, &li) ||
	    !mk_rd_peek_u8(rd, 5, &c))
		return false;
	if ((size_t)li + 5 > len)
		return false;
	*code = c & 0xf0;
	*user_off = (size_t)li + 5;
	return true;
}


/* ---- the TPKT stream of one TCP direction, shared by the ISO-on-TCP parsers ---- */

/* Per-direction framing state (index 0: to server, 1: to client). */
struct iso_stream {
	uint32_t skip[2];  /* bytes of an oversized TPKT still to skip */
	uint8_t cont[2];   /* the last DT lacked EOT: the next DT continues it */
	uint8_t resync[2]; /* after a gap: wait for a TPKT header */
};

enum iso_event {
	ISO_BAD_TPKT, /* not a TPKT: the walk stops (MK_V_INVALID) */
	ISO_BAD_COTP, /* a TPKT whose COTP header is inconsistent: skipped */
	ISO_CONNECT,  /* a connection request or confirm (c->calling/called) */
	ISO_USER,     /* the first DT of a user message (c->user, c->eot) */
};

/* What the parser does with each event; c is NULL for ISO_BAD_TPKT. */
typedef void (*iso_event_fn)(void *ctx, enum iso_event ev, struct s7_cotp *c, enum mk_dir dir,
                             struct mk_emit *out);

/* Walks the whole TPKTs in rd: oversized ones (> tpkt_max) are skipped by
 * their length, after a gap bytes are dropped until a TPKT header, an empty
 * DT without EOT (sent by some stacks before every PDU) starts nothing, and
 * the continuation DTs of a message are not parsed again.  At most max_pdus
 * TPKTs per call (the core calls again with the rest). */
static inline enum mk_verdict iso_stream_walk(struct iso_stream *s, struct mk_rd *rd, enum mk_dir dir,
                                              size_t *consumed, unsigned max_pdus, size_t tpkt_max,
                                              iso_event_fn fn, void *ctx, struct mk_emit *out)
{
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	size_t done = 0;

	*consumed = 0;
	for (unsigned n = 0; n < max_pdus && mk_rd_left(rd) > 0; n++) {
		uint16_t len = 0;
		enum s7_frame f;
		struct mk_rd tpdu;
		struct s7_cotp c;
		bool cont;

		if (s->skip[d] > 0) {
			size_t k = mk_rd_left(rd) < s->skip[d] ? mk_rd_left(rd) : s->skip[d];

			mk_rd_skip(rd, k);
			s->skip[d] -= (uint32_t)k;
			done += k;
			continue;
		}
		f = s7_tpkt_peek(rd, &len);
		if (s->resync[d]) {
			if (f == S7_FRAME_BAD_TPKT) {
				done += mk_rd_left(rd);
				mk_rd_skip(rd, mk_rd_left(rd));
				break;
			}
			if (f == S7_FRAME_OK)
				s->resync[d] = 0;
		}
		if (f == S7_FRAME_NEED) {
			*consumed = done;
			return MK_V_NEED;
		}
		if (f == S7_FRAME_BAD_TPKT) {
			fn(ctx, ISO_BAD_TPKT, NULL, dir, out);
			*consumed = done + mk_rd_left(rd);
			return MK_V_INVALID;
		}
		if (len > tpkt_max) {
			s->skip[d] = len;
			s->cont[d] = 0;
			continue;
		}
		if (!mk_rd_has(rd, len)) {
			*consumed = done;
			return MK_V_NEED;
		}
		mk_rd_sub(rd, len, &tpdu);
		done += len;
		mk_rd_skip(&tpdu, S7_TPKT_HEADER);
		if (!s7_cotp_parse(&tpdu, &c)) {
			fn(ctx, ISO_BAD_COTP, &c, dir, out);
			continue;
		}
		if (c.code == S7_COTP_CR || c.code == S7_COTP_CC) {
			fn(ctx, ISO_CONNECT, &c, dir, out);
			continue;
		}
		if (c.code != S7_COTP_DT)
			continue;
		cont = s->cont[d] != 0;
		s->cont[d] = !c.eot && (cont || mk_rd_left(&c.user) > 0);
		if (cont || mk_rd_left(&c.user) == 0)
			continue; /* a continuation, or an empty DT */
		fn(ctx, ISO_USER, &c, dir, out);
	}
	*consumed = done;
	return MK_V_OK;
}

/* Bytes were lost in dir: forget the message in progress, wait for a header. */
static inline void iso_stream_gap(struct iso_stream *s, enum mk_dir dir)
{
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	s->skip[d] = 0;
	s->cont[d] = 0;
	s->resync[d] = 1;
}

#endif /* MK_PROTO_S7_COTP_H */

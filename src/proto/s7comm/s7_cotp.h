/* s7_cotp.h - ISO-on-TCP framing shared by the S7comm and S7comm-plus parsers:
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

#endif /* MK_PROTO_S7_COTP_H */

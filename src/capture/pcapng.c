/* pcapng.c - the pcapng block reader.
 *
 * specification: draft-ietf-opsawg-pcapng (PCAP Next Generation Dump File
 * Format), sections 3 (general block structure), 4.1 (Section Header Block),
 * 4.2 (Interface Description Block, options if_tsresol and if_tsoffset),
 * 4.3 (Enhanced Packet Block), 4.4 (Simple Packet Block) and appendix A
 * (the obsolete Packet Block).
 *
 * Every block is checked before use: its length is a multiple of 4, at least
 * its type's minimum, inside the input, and equal to its trailing copy; a
 * packet's captured length fits both the block and MK_CAPTURE_MAX_CAPLEN and
 * its interface was described in the current section.  The first failure ends
 * the file with a warning naming the block's offset.  Blocks we do not need
 * (name resolution, statistics, secrets, custom...) are skipped by length.
 */
#include "mieruka/capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"
#include "mieruka/rd.h"

enum ng_type {
	NG_SHB = 0x0A0D0D0A,
	NG_IDB = 0x00000001,
	NG_PB = 0x00000002,  /* obsolete Packet Block */
	NG_SPB = 0x00000003,
	NG_NRB = 0x00000004,
	NG_ISB = 0x00000005,
	NG_EPB = 0x00000006,
	NG_IRIG = 0x00000007,
	NG_ARINC = 0x00000008,
	NG_SJE = 0x00000009, /* systemd journal export */
	NG_DSB = 0x0000000A, /* decryption secrets */
	NG_CB = 0x00000BAD,  /* custom, may be copied */
	NG_CB2 = 0x40000BAD, /* custom, do not copy */
};

/* Minimum total lengths (header, fixed fields, trailer). */
#define NG_MIN_SHB 28u
#define NG_MIN_IDB 20u
#define NG_MIN_EPB 32u
#define NG_MIN_PB 32u
#define NG_MIN_SPB 16u

#define NG_BOM 0x1A2B3C4Du
#define NG_OPT_END 0
#define NG_OPT_TSRESOL 9
#define NG_OPT_TSOFFSET 14
#define NG_MAX_OPTIONS 4096u

static inline uint32_t rd32(struct mk_rd *rd, bool be)
{
	return be ? mk_rd_be32(rd) : mk_rd_le32(rd);
}

static inline uint16_t rd16(struct mk_rd *rd, bool be)
{
	return be ? mk_rd_be16(rd) : mk_rd_le16(rd);
}

static void ng_iface_default(struct mk_cap_iface *ifc)
{
	memset(ifc, 0, sizeof(*ifc));
	ifc->mul = 1000; /* default resolution: microseconds */
}

/* Applies if_tsresol: bit 7 clear = 10^-v seconds, set = 2^-v seconds. */
static bool ng_set_tsresol(struct mk_cap_iface *ifc, uint8_t v)
{
	uint8_t e = v & 0x7f;

	ifc->mul = 0;
	ifc->div = 0;
	ifc->binary = false;
	ifc->shift = 0;
	if ((v & 0x80) == 0) {
		uint64_t p = 1;

		if (e > 19)
			return false;
		for (uint8_t i = 0; i < (e <= 9 ? 9 - e : e - 9); i++)
			p *= 10;
		if (e <= 9)
			ifc->mul = p;
		else
			ifc->div = p;
		return true;
	}
	if (e > 63)
		return false;
	if (e == 0) {
		ifc->mul = 1000000000u;
		return true;
	}
	ifc->binary = true;
	ifc->shift = e;
	return true;
}

static uint64_t ng_ts(const struct mk_cap_iface *ifc, uint64_t u)
{
	uint64_t ns;

	if (ifc->mul != 0) {
		ns = u * ifc->mul;
	} else if (!ifc->binary) {
		ns = u / ifc->div;
	} else {
		uint64_t sec = u >> ifc->shift;
		uint64_t frac = u & ((UINT64_C(1) << ifc->shift) - 1);
		uint8_t sh = ifc->shift;

		/* Keep frac * 1e9 below 2^64: at most 32 fraction bits matter for ns. */
		if (sh > 32) {
			frac >>= sh - 32;
			sh = 32;
		}
		ns = sec * 1000000000u + ((frac * 1000000000u) >> sh);
	}
	return ns + (uint64_t)ifc->offset_s * 1000000000u;
}

/* Reads the block header at the read position: type and total length in the
 * current section's byte order.  0 = clean end, 1 = ok, -1 = damaged (done). */
static int ng_head(struct mk_capture *cap, uint32_t *type, uint32_t *len, enum mk_capture_rc *rc)
{
	struct mk_cap_in *in = &cap->in;
	size_t avail = mk_cap_in_need(in, 12);
	struct mk_rd rd;

	if (avail == 0) {
		*rc = mk_cap_end(cap);
		return 0;
	}
	if (avail < 12) {
		*rc = mk_cap_truncated(cap, "truncated pcapng block header at offset %llu (needs 12 bytes, %zu left)",
		                     (unsigned long long)mk_cap_in_off(in), avail);
		return -1;
	}
	mk_rd_init(&rd, mk_cap_in_cur(in), 12);
	*type = rd32(&rd, cap->be);
	*len = rd32(&rd, cap->be);
	return 1;
}

enum ng_shb_rc {
	NG_SHB_OK,
	NG_SHB_CUT,     /* the input ends inside it */
	NG_SHB_BAD,
};

/* Parses the Section Header Block at the read position and consumes it.
 * On failure the reason is in why (the caller decides: open error or damage). */
static enum ng_shb_rc ng_shb(struct mk_capture *cap, char *why, size_t whylen)
{
	struct mk_cap_in *in = &cap->in;
	uint64_t off = mk_cap_in_off(in);
	size_t avail = mk_cap_in_need(in, NG_MIN_SHB);
	struct mk_rd rd;
	uint32_t bom, len, tail;
	uint16_t major, minor;
	bool be;

	if (avail < 12) {
		snprintf(why, whylen, "truncated pcapng section header at offset %llu (needs %u bytes, %zu left)",
		         (unsigned long long)off, NG_MIN_SHB, avail);
		return NG_SHB_CUT;
	}
	/* The byte-order magic, not the block type (a palindrome), sets the order. */
	mk_rd_init(&rd, mk_cap_in_cur(in) + 8, 4);
	bom = mk_rd_be32(&rd);
	if (bom == NG_BOM) {
		be = true;
	} else if (bom == 0x4D3C2B1Au) {
		be = false;
	} else {
		snprintf(why, whylen, "pcapng section header at offset %llu has a bad byte-order magic %08lx",
		         (unsigned long long)off, (unsigned long)bom);
		return NG_SHB_BAD;
	}
	mk_rd_init(&rd, mk_cap_in_cur(in) + 4, 4);
	len = rd32(&rd, be);
	if (len % 4 != 0 || len < NG_MIN_SHB || len > MK_CAP_MAX_BLOCK) {
		snprintf(why, whylen,
		         "pcapng section header at offset %llu has an invalid length %lu "
		         "(must be a multiple of 4, %u to %u)",
		         (unsigned long long)off, (unsigned long)len, NG_MIN_SHB, MK_CAP_MAX_BLOCK);
		return NG_SHB_BAD;
	}
	avail = mk_cap_in_need(in, len);
	if (avail < len) {
		snprintf(why, whylen, "truncated pcapng section header at offset %llu (needs %lu bytes, %zu left)",
		         (unsigned long long)off, (unsigned long)len, avail);
		return NG_SHB_CUT;
	}
	mk_rd_init(&rd, mk_cap_in_cur(in), len);
	mk_rd_skip(&rd, 12);
	major = rd16(&rd, be);
	minor = rd16(&rd, be);
	mk_rd_skip(&rd, len - 20);
	tail = rd32(&rd, be);
	if (!mk_rd_ok(&rd) || tail != len) {
		snprintf(why, whylen,
		         "pcapng section header at offset %llu: trailing length %lu differs from leading length %lu",
		         (unsigned long long)off, (unsigned long)tail, (unsigned long)len);
		return NG_SHB_BAD;
	}
	if (major != 1) {
		snprintf(why, whylen, "unsupported pcapng version %u.%u at offset %llu (version 1.x is read)", major,
		         minor, (unsigned long long)off);
		return NG_SHB_BAD;
	}
	/* A new section: new byte order, no interfaces yet. */
	cap->be = be;
	cap->n_ifs = 0;
	cap->section_off = off;
	in->pos += len;
	return NG_SHB_OK;
}

/* Interface Description Block body (after type and length, before the trailer). */
static enum mk_capture_rc ng_idb(struct mk_capture *cap, struct mk_rd *body, uint64_t off, bool *ok)
{
	struct mk_cap_iface ifc;
	bool be = cap->be;

	*ok = false;
	if (cap->n_ifs >= MK_CAP_MAX_IFACES)
		return mk_cap_damaged(cap, "interface description block at offset %llu: more than %u interfaces",
		                      (unsigned long long)off, MK_CAP_MAX_IFACES);
	ng_iface_default(&ifc);
	ifc.linktype = rd16(body, be);
	mk_rd_skip(body, 2); /* reserved */
	ifc.snaplen = rd32(body, be);

	/* Options: code, length, value padded to 4.  Bounded by the bytes left
	 * and by NG_MAX_OPTIONS.  A malformed option list only loses options. */
	bool bad = false;

	for (unsigned n = 0; mk_rd_left(body) >= 4 && n < NG_MAX_OPTIONS; n++) {
		uint16_t code = rd16(body, be);
		uint16_t olen = rd16(body, be);
		size_t padded = ((size_t)olen + 3u) & ~(size_t)3u;
		struct mk_rd val;

		if (code == NG_OPT_END)
			break;
		if (!mk_rd_sub(body, padded, &val)) {
			bad = true;
			break;
		}
		if (code == NG_OPT_TSRESOL && olen == 1) {
			uint8_t v = mk_rd_u8(&val);
			struct mk_cap_iface keep = ifc;

			if (!ng_set_tsresol(&ifc, v)) {
				ifc = keep;
				mk_cap_warn(cap,
				            "interface description block at offset %llu: unusable if_tsresol 0x%02x, "
				            "microseconds assumed",
				            (unsigned long long)off, v);
			}
		} else if (code == NG_OPT_TSOFFSET && olen == 8) {
			ifc.offset_s = (int64_t)(be ? mk_rd_be64(&val) : mk_rd_le64(&val));
		}
	}
	if (bad && !cap->warned_options) {
		cap->warned_options = true;
		mk_cap_warn(cap, "interface description block at offset %llu has malformed options (ignored)",
		            (unsigned long long)off);
	}
	if (cap->n_ifs >= cap->cap_ifs) {
		uint32_t ncap = cap->cap_ifs == 0 ? 4 : cap->cap_ifs * 2;
		struct mk_cap_iface *nifs;

		if (ncap > MK_CAP_MAX_IFACES)
			ncap = MK_CAP_MAX_IFACES;
		nifs = realloc(cap->ifs, (size_t)ncap * sizeof(*nifs));
		if (nifs == NULL)
			return mk_cap_damaged(cap, "out of memory for interface %lu at offset %llu",
			                      (unsigned long)cap->n_ifs, (unsigned long long)off);
		cap->ifs = nifs;
		cap->cap_ifs = ncap;
	}
	cap->ifs[cap->n_ifs++] = ifc;
	*ok = true;
	return MK_CAP_EOF;
}

/* Fills pkt from a packet block; the data pointer is into the window. */
static enum mk_capture_rc ng_packet(struct mk_capture *cap, struct mk_pkt *pkt, uint64_t off, uint32_t ifid,
                                    uint64_t units, bool has_ts, uint32_t caplen, uint32_t origlen,
                                    const uint8_t *data, const char *what)
{
	const struct mk_cap_iface *ifc;

	if (ifid >= cap->n_ifs)
		return mk_cap_damaged(cap,
		                      "%s at offset %llu refers to interface %lu, but its section describes %lu",
		                      what, (unsigned long long)off, (unsigned long)ifid, (unsigned long)cap->n_ifs);
	ifc = &cap->ifs[ifid];
	pkt->ts_ns = has_ts ? ng_ts(ifc, units) : cap->last_ts;
	cap->last_ts = pkt->ts_ns;
	pkt->data = data;
	pkt->caplen = caplen;
	pkt->wirelen = origlen > caplen ? origlen : caplen;
	pkt->linktype = ifc->linktype;
	pkt->ifindex = (uint16_t)ifid;
	pkt->file_index = cap->file_index;
	pkt->file_offset = off;
	mk_cap_count(cap, pkt);
	return MK_CAP_PACKET;
}

static const char *ng_name(uint32_t type)
{
	switch (type) {
	case NG_SHB: return "section header block";
	case NG_IDB: return "interface description block";
	case NG_EPB: return "enhanced packet block";
	case NG_SPB: return "simple packet block";
	case NG_PB: return "packet block";
	default: return "pcapng block";
	}
}

static bool ng_known_skipped(uint32_t type)
{
	switch (type) {
	case NG_NRB: case NG_ISB: case NG_IRIG: case NG_ARINC: case NG_SJE: case NG_DSB: case NG_CB: case NG_CB2:
		return true;
	default:
		return false;
	}
}

/* Skips a block we do not parse, checking its trailing length. */
static enum mk_capture_rc ng_skip(struct mk_capture *cap, uint32_t type, uint32_t len, uint64_t off, bool *ok)
{
	struct mk_cap_in *in = &cap->in;
	struct mk_rd rd;
	size_t avail;
	uint32_t tail;

	*ok = false;
	if (!mk_cap_in_skip(in, len - 4)) {
		return mk_cap_truncated(cap, "truncated %s (type 0x%08lx) at offset %llu (needs %lu bytes, %llu left)",
		                      ng_name(type), (unsigned long)type, (unsigned long long)off,
		                      (unsigned long)len, (unsigned long long)(mk_cap_in_off(in) - off));
	}
	avail = mk_cap_in_need(in, 4);
	if (avail < 4)
		return mk_cap_truncated(cap, "truncated %s (type 0x%08lx) at offset %llu (needs %lu bytes, %llu left)",
		                      ng_name(type), (unsigned long)type, (unsigned long long)off,
		                      (unsigned long)len, (unsigned long long)(mk_cap_in_off(in) - off + avail));
	mk_rd_init(&rd, mk_cap_in_cur(in), 4);
	tail = rd32(&rd, cap->be);
	if (tail != len)
		return mk_cap_damaged(cap, "%s at offset %llu: trailing length %lu differs from leading length %lu",
		                      ng_name(type), (unsigned long long)off, (unsigned long)tail,
		                      (unsigned long)len);
	in->pos += 4;
	if (!ng_known_skipped(type) && !cap->warned_unknown_block) {
		cap->warned_unknown_block = true;
		mk_cap_warn(cap,
		            "skipped pcapng block of unknown type 0x%08lx at offset %llu "
		            "(later unknown blocks are skipped silently)",
		            (unsigned long)type, (unsigned long long)off);
	}
	*ok = true;
	return MK_CAP_EOF;
}

static uint32_t ng_min_len(uint32_t type)
{
	switch (type) {
	case NG_IDB: return NG_MIN_IDB;
	case NG_EPB: return NG_MIN_EPB;
	case NG_PB: return NG_MIN_PB;
	case NG_SPB: return NG_MIN_SPB;
	default: return 12;
	}
}

static enum mk_capture_rc ng_next(struct mk_capture *cap, struct mk_pkt *pkt)
{
	struct mk_cap_in *in = &cap->in;

	/* Bounded by the input (each turn consumes a block of >= 12 bytes or
	 * ends) and by MK_CAP_MAX_NONPKT_RUN. */
	for (uint32_t run = 0;; run++) {
		enum mk_capture_rc rc = MK_CAP_EOF;
		uint64_t off = mk_cap_in_off(in);
		uint32_t type, len, tail;
		struct mk_rd rd, body;
		size_t avail;
		bool ok;

		if (run >= MK_CAP_MAX_NONPKT_RUN)
			return mk_cap_damaged(cap, "more than %u pcapng blocks without a packet before offset %llu",
			                      MK_CAP_MAX_NONPKT_RUN, (unsigned long long)off);
		int h = ng_head(cap, &type, &len, &rc);

		if (h <= 0)
			return rc;
		if (type == NG_SHB) {
			char why[256];

			enum ng_shb_rc src = ng_shb(cap, why, sizeof(why));

			if (src == NG_SHB_CUT)
				return mk_cap_truncated(cap, "%s", why);
			if (src != NG_SHB_OK)
				return mk_cap_damaged(cap, "%s", why);
			continue;
		}
		if (len % 4 != 0 || len < ng_min_len(type))
			return mk_cap_damaged(cap,
			                      "%s (type 0x%08lx) at offset %llu has an invalid length %lu "
			                      "(must be a multiple of 4 and at least %lu)",
			                      ng_name(type), (unsigned long)type, (unsigned long long)off,
			                      (unsigned long)len, (unsigned long)ng_min_len(type));
		if (type != NG_IDB && type != NG_EPB && type != NG_SPB && type != NG_PB) {
			rc = ng_skip(cap, type, len, off, &ok);
			if (!ok)
				return rc;
			continue;
		}
		if (len > MK_CAP_MAX_BLOCK)
			return mk_cap_damaged(cap, "%s at offset %llu is too large (%lu bytes, at most %u)",
			                      ng_name(type), (unsigned long long)off, (unsigned long)len,
			                      MK_CAP_MAX_BLOCK);
		avail = mk_cap_in_need(in, len);
		if (avail < len)
			return mk_cap_truncated(cap, "truncated %s at offset %llu (needs %lu bytes, %zu left)",
			                      ng_name(type), (unsigned long long)off, (unsigned long)len, avail);
		mk_rd_init(&rd, mk_cap_in_cur(in), len);
		mk_rd_skip(&rd, 8);
		mk_rd_sub(&rd, len - 12, &body);
		tail = rd32(&rd, cap->be);
		if (tail != len)
			return mk_cap_damaged(cap, "%s at offset %llu: trailing length %lu differs from leading length %lu",
			                      ng_name(type), (unsigned long long)off, (unsigned long)tail,
			                      (unsigned long)len);
		if (type == NG_IDB) {
			rc = ng_idb(cap, &body, off, &ok);
			if (!ok)
				return rc;
			in->pos += len;
			continue;
		}

		uint32_t ifid, caplen, origlen, room;
		uint64_t units = 0;
		bool has_ts = true;

		if (type == NG_SPB) {
			/* No interface id (always 0), no time, captured length implied. */
			ifid = 0;
			has_ts = false;
			origlen = rd32(&body, cap->be);
			room = (uint32_t)mk_rd_left(&body);
			caplen = origlen < room ? origlen : room;
			if (cap->n_ifs > 0 && cap->ifs[0].snaplen != 0 && caplen > cap->ifs[0].snaplen)
				caplen = cap->ifs[0].snaplen;
		} else {
			if (type == NG_EPB) {
				ifid = rd32(&body, cap->be);
			} else {
				ifid = rd16(&body, cap->be);
				mk_rd_skip(&body, 2); /* drops count */
			}
			units = (uint64_t)rd32(&body, cap->be) << 32;
			units |= rd32(&body, cap->be);
			caplen = rd32(&body, cap->be);
			origlen = rd32(&body, cap->be);
			room = (uint32_t)mk_rd_left(&body);
			if (caplen > room)
				return mk_cap_damaged(cap,
				                      "%s at offset %llu claims %lu captured bytes but holds %lu",
				                      ng_name(type), (unsigned long long)off, (unsigned long)caplen,
				                      (unsigned long)room);
		}
		if (caplen > MK_CAPTURE_MAX_CAPLEN)
			return mk_cap_damaged(cap, "%s at offset %llu claims %lu captured bytes (more than the maximum %u)",
			                      ng_name(type), (unsigned long long)off, (unsigned long)caplen,
			                      MK_CAPTURE_MAX_CAPLEN);
		const uint8_t *data = mk_rd_ptr(&body, caplen);

		if (data == NULL && caplen > 0)
			return mk_cap_damaged(cap, "%s at offset %llu is inconsistent", ng_name(type),
			                      (unsigned long long)off);
		if (data == NULL)
			data = mk_cap_in_cur(in) + len; /* zero-length packet: any valid pointer */
		rc = ng_packet(cap, pkt, off, ifid, units, has_ts, caplen, origlen, data, ng_name(type));
		if (rc != MK_CAP_PACKET)
			return rc;
		in->pos += len;
		return rc;
	}
}

bool mk_cap_pcapng_start(struct mk_capture *cap)
{
	char why[256];

	if (ng_shb(cap, why, sizeof(why)) != NG_SHB_OK) {
		snprintf(cap->err, sizeof(cap->err), "%s: %s", cap->name, why);
		return false;
	}
	cap->fmt = MK_CAP_FMT_PCAPNG;
	cap->next = ng_next;
	return true;
}

/* dns_wire.c - DNS message format shared by the dns, mdns, llmnr and nbns plug-ins.
 *
 * specification: RFC 1035 section 4.1 (header, question, resource record) and
 * section 4.1.4 (message compression); RFC 3596 section 2.5 and RFC 1035 3.5 for
 * the ip6.arpa / in-addr.arpa reverse names.
 *
 * Compression pointers are the classic trap (CVE-2017-9445, the "name loop" of
 * many dissectors): a pointer must point strictly before the previous pointer's
 * target (so every chain ends), at most MK_DNS_MAX_JUMPS are followed, and the
 * name's wire length is capped at 255.
 */
#include "proto/dns/dns_wire.h"
#include "mieruka/util.h"

#include <string.h>
#include <strings.h>

static const char *dns_name_read(const struct mk_rd *msg, struct mk_rd *rd, char *out, size_t cap,
                                 size_t *out_len)
{
	struct mk_rd cur = *rd;
	size_t wire = 1, len = 0, limit = rd->off;
	unsigned jumps = 0;
	bool jumped = false;

	if (cap > 0)
		out[0] = '\0';
	*out_len = 0;
	for (unsigned labels = 0; labels <= MK_DNS_NAME_MAX; labels++) {
		uint8_t l = mk_rd_u8(&cur);
		const uint8_t *p;

		if (!mk_rd_ok(&cur))
			return "dns_truncated";
		if ((l & 0xc0) == 0xc0) {
			uint8_t lo = mk_rd_u8(&cur);
			size_t target = ((size_t)(l & 0x3f) << 8) | lo;

			if (!mk_rd_ok(&cur))
				return "dns_truncated";
			if (!jumped) {
				*rd = cur; /* the name's in-place bytes end after its first pointer */
				jumped = true;
			}
			if (target >= limit || ++jumps > MK_DNS_MAX_JUMPS)
				return "dns_bad_name_pointer";
			limit = target;
			mk_rd_init(&cur, msg->buf, msg->len);
			if (!mk_rd_skip(&cur, target))
				return "dns_bad_name_pointer";
			continue;
		}
		if (l & 0xc0)
			return "dns_bad_label_type"; /* 0x40 extended, 0x80 reserved (RFC 6891 obsoleted 0x40) */
		if (l == 0) {
			if (!jumped)
				*rd = cur;
			if (len < cap)
				out[len] = '\0';
			*out_len = len;
			return NULL;
		}
		wire += 1 + (size_t)l;
		if (wire > MK_DNS_NAME_MAX)
			return "dns_name_too_long";
		p = mk_rd_ptr(&cur, l);
		if (p == NULL)
			return "dns_truncated";
		if (len + (len > 0) + l + 1 > cap)
			return "dns_name_too_long";
		if (len > 0)
			out[len++] = '.';
		for (size_t i = 0; i < l; i++)
			out[len++] = (p[i] < 0x20 || p[i] == 0x7f) ? '?' : (char)p[i];
	}
	return "dns_name_too_long";
}

const char *mk_dns_name(const struct mk_rd *msg, struct mk_rd *rd, char *out, size_t cap, size_t *out_len)
{
	const char *err = dns_name_read(msg, rd, out, cap, out_len);

	if (err != NULL) {
		rd->err = true; /* the caller's reader stops too */
		*out_len = 0;
		if (cap > 0)
			out[0] = '\0';
	}
	return err;
}

const char *mk_dns_name_at(const struct mk_rd *msg, size_t off, char *out, size_t cap, size_t *out_len)
{
	struct mk_rd rd;

	mk_rd_init(&rd, msg->buf, msg->len);
	if (!mk_rd_skip(&rd, off)) {
		*out_len = 0;
		return "dns_truncated";
	}
	return mk_dns_name(msg, &rd, out, cap, out_len);
}

static bool dns_header(struct mk_rd *rd, struct mk_dns_hdr *hdr)
{
	hdr->id = mk_rd_be16(rd);
	hdr->flags = mk_rd_be16(rd);
	hdr->qdcount = mk_rd_be16(rd);
	hdr->ancount = mk_rd_be16(rd);
	hdr->nscount = mk_rd_be16(rd);
	hdr->arcount = mk_rd_be16(rd);
	return mk_rd_ok(rd);
}

const char *mk_dns_walk(const struct mk_rd *msg, struct mk_dns_hdr *hdr,
                 void (*fn)(void *ctx, const struct mk_rd *msg, const struct mk_dns_rr *rr,
                            struct mk_emit *out),
                 void *ctx, struct mk_emit *out)
{
	struct mk_rd rd;
	struct mk_dns_rr rr;
	unsigned seen = 0;
	const char *err;

	mk_rd_init(&rd, msg->buf, msg->len);
	if (!dns_header(&rd, hdr)) {
		mk_emit_anomaly(out, "dns_truncated");
		return "dns_truncated";
	}
	for (unsigned i = 0; i < hdr->qdcount; i++, seen++) {
		if (seen >= MK_DNS_MAX_RRS) {
			mk_emit_anomaly(out, "dns_too_many_records");
			return "dns_too_many_records";
		}
		err = mk_dns_name(msg, &rd, rr.name, sizeof(rr.name), &rr.name_len);
		if (err == NULL && !mk_rd_skip(&rd, 4)) /* QTYPE, QCLASS */
			err = "dns_truncated";
		if (err != NULL) {
			mk_emit_anomaly(out, err);
			return err;
		}
	}
	for (uint8_t section = MK_DNS_S_ANSWER; section <= MK_DNS_S_ADDITIONAL; section++) {
		unsigned count = section == MK_DNS_S_ANSWER      ? hdr->ancount
		                 : section == MK_DNS_S_AUTHORITY ? hdr->nscount
		                                                 : hdr->arcount;

		for (unsigned i = 0; i < count; i++, seen++) {
			uint16_t rdlen;

			if (seen >= MK_DNS_MAX_RRS) {
				mk_emit_anomaly(out, "dns_too_many_records");
				return "dns_too_many_records";
			}
			err = mk_dns_name(msg, &rd, rr.name, sizeof(rr.name), &rr.name_len);
			if (err == NULL) {
				rr.type = mk_rd_be16(&rd);
				rr.rclass = mk_rd_be16(&rd);
				rr.ttl = mk_rd_be32(&rd);
				rdlen = mk_rd_be16(&rd);
				rr.rdata_off = rd.off;
				if (!mk_rd_sub(&rd, rdlen, &rr.rdata))
					err = "dns_truncated";
			}
			if (err != NULL) {
				mk_emit_anomaly(out, err);
				return err;
			}
			rr.section = section;
			fn(ctx, msg, &rr, out);
		}
	}
	return NULL;
}

bool mk_dns_plausible(const struct mk_rd *rd, size_t at, struct mk_dns_hdr *hdr)
{
	uint16_t v[6];
	size_t left = mk_rd_left(rd);
	unsigned opcode;

	for (size_t i = 0; i < 6; i++)
		if (!mk_rd_peek_be16(rd, at + 2 * i, &v[i]))
			return false;
	hdr->id = v[0];
	hdr->flags = v[1];
	hdr->qdcount = v[2];
	hdr->ancount = v[3];
	hdr->nscount = v[4];
	hdr->arcount = v[5];
	opcode = (hdr->flags >> 11) & 0xf;
	if (opcode > 5 || opcode == 3)
		return false;
	/* A question takes at least 5 bytes and a record at least 11. */
	return (size_t)hdr->qdcount * 5 + ((size_t)hdr->ancount + hdr->nscount + hdr->arcount) * 11 <=
	       left - at - MK_DNS_HDR_LEN;
}

/* Parses a decimal octet label "0".."255" of exactly n bytes. */
static bool dns_octet(const char *s, size_t n, uint8_t *out)
{
	unsigned v = 0;

	if (n == 0 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 255)
		return false;
	*out = (uint8_t)v;
	return true;
}

bool mk_dns_reverse_addr(const char *name, size_t len, struct mk_addr *addr)
{
	static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";

	if (len > sizeof(v4) - 1 && strncasecmp(name + len - (sizeof(v4) - 1), v4, sizeof(v4) - 1) == 0) {
		uint8_t a[4];
		size_t end = len - (sizeof(v4) - 1), start = 0;

		/* "d.c.b.a": four labels, last octet first. */
		for (int i = 3; i >= 0; i--) {
			size_t stop = start;

			while (stop < end && name[stop] != '.')
				stop++;
			if (!dns_octet(name + start, stop - start, &a[i]))
				return false;
			if ((i > 0 && stop == end) || (i == 0 && stop != end))
				return false;
			start = stop + 1;
		}
		mk_addr_set_ip4(addr, a);
		return true;
	}
	if (len == 63 + sizeof(v6) - 1 &&
	    strncasecmp(name + len - (sizeof(v6) - 1), v6, sizeof(v6) - 1) == 0) {
		/* 32 nibbles "b.a.9.8. ... .0" then ".ip6.arpa": 63 bytes + 9. */
		uint8_t a[16] = {0};

		for (int i = 0; i < 32; i++) {
			int nib = mk_hex_digit(name[2 * i]);

			if (nib < 0 || (i < 31 && name[2 * i + 1] != '.'))
				return false;
			a[15 - i / 2] |= (uint8_t)(i % 2 == 0 ? nib : nib << 4);
		}
		mk_addr_set_ip6(addr, a);
		return true;
	}
	return false;
}

bool mk_dns_rr_address(const struct mk_dns_rr *rr, struct mk_addr *ip)
{
	struct mk_rd rdata = rr->rdata;

	if (rr->type == MK_DNS_T_A && mk_rd_left(&rdata) == 4) {
		mk_addr_set_ip4(ip, mk_rd_ptr(&rdata, 4));
		return true;
	}
	if (rr->type == MK_DNS_T_AAAA && mk_rd_left(&rdata) == 16) {
		mk_addr_set_ip6(ip, mk_rd_ptr(&rdata, 16));
		return true;
	}
	return false;
}

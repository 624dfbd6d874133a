/* dns_wire.h - the DNS message format shared by the dns, mdns, llmnr and nbns plug-ins:
 * header, questions, resource records and compressed names, read only through
 * struct mk_rd.
 *
 * Ownership: everything borrows the message bytes for the duration of a call; a
 * struct mk_dns_rr's rdata reader points into the message and is valid only inside
 * the callback that receives it.
 */
#ifndef MIERUKA_PROTO_DNS_WIRE_H
#define MIERUKA_PROTO_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/facts.h"
#include "mieruka/rd.h"

#define MK_DNS_HDR_LEN 12
#define MK_DNS_NAME_MAX 255   /* RFC 1035 3.1: a name is at most 255 octets on the wire */
#define MK_DNS_NAME_BUF 256   /* dotted text of a name fits here, NUL-terminated */
#define MK_DNS_MAX_JUMPS 32   /* compression pointers followed per name */
#define MK_DNS_MAX_RRS 256    /* questions + records walked per message */

enum mk_dns_type {
	MK_DNS_T_A = 1,
	MK_DNS_T_NS = 2,
	MK_DNS_T_CNAME = 5,
	MK_DNS_T_PTR = 12,
	MK_DNS_T_TXT = 16,
	MK_DNS_T_AAAA = 28,
	MK_DNS_T_SRV = 33,
	MK_DNS_T_ANY = 255,
};

enum mk_dns_section {
	MK_DNS_S_ANSWER = 1,
	MK_DNS_S_AUTHORITY = 2,
	MK_DNS_S_ADDITIONAL = 3,
};

#define MK_DNS_FLAG_QR 0x8000

struct mk_dns_hdr {
	uint16_t id, flags;
	uint16_t qdcount, ancount, nscount, arcount;
};

struct mk_dns_rr {
	char name[MK_DNS_NAME_BUF]; /* owner name, dotted, no trailing dot; "" for the root */
	size_t name_len;
	uint16_t type, rclass;      /* rclass includes mDNS's cache-flush bit */
	uint32_t ttl;
	uint8_t section;            /* enum mk_dns_section */
	struct mk_rd rdata;         /* exactly RDLENGTH bytes */
	size_t rdata_off;           /* offset of rdata in the message (for names in rdata) */
};

/* Reads the name at rd's position in msg (rd must window the same bytes as msg),
 * following compression pointers backwards only, at most MK_DNS_MAX_JUMPS of them,
 * with the wire length capped at MK_DNS_NAME_MAX.  Writes dotted text (bytes below
 * 0x20 and 0x7f become '?'; a '.' inside a label is kept as is) to out[cap].  On success advances rd
 * past the name's in-place bytes and returns NULL; on failure returns the anomaly
 * name ("dns_truncated", "dns_bad_name_pointer", "dns_name_too_long",
 * "dns_bad_label_type"). */
const char *mk_dns_name(const struct mk_rd *msg, struct mk_rd *rd, char *out, size_t cap, size_t *out_len);

/* Reads a name that starts at offset off of msg (used for rdata names). */
const char *mk_dns_name_at(const struct mk_rd *msg, size_t off, char *out, size_t cap, size_t *out_len);

/* Walks one whole message (msg windows exactly the message): header, questions, then
 * every answer/authority/additional record, calling fn for each whole record (msg is
 * passed on, so names inside rdata - PTR, SRV, CNAME - can be read with
 * mk_dns_name_at()).  On malformed input it emits the anomaly and stops; the records
 * before were whole.  Returns NULL when the whole message was read, else the anomaly
 * name (hdr is valid unless that is "dns_truncated" before any record). */
const char *mk_dns_walk(const struct mk_rd *msg, struct mk_dns_hdr *hdr,
                 void (*fn)(void *ctx, const struct mk_rd *msg, const struct mk_dns_rr *rr,
                            struct mk_emit *out),
                 void *ctx, struct mk_emit *out);

/* Pure header check for probes: plausible counts for bytes of this length. */
bool mk_dns_plausible(const struct mk_rd *rd, size_t at, struct mk_dns_hdr *hdr);

/* An A or AAAA record's address (rdata of exactly 4 or 16 bytes); false for
 * any other record or a wrong rdata length. */
bool mk_dns_rr_address(const struct mk_dns_rr *rr, struct mk_addr *ip);

/* "4.3.2.1.in-addr.arpa" / nibbles ".ip6.arpa" -> the address; false otherwise. */
bool mk_dns_reverse_addr(const char *name, size_t len, struct mk_addr *addr);

/* The anomaly names above, for the descriptors' event tables. */
#define MK_DNS_WIRE_EVENTS \
	"dns_truncated", "dns_bad_name_pointer", "dns_name_too_long", "dns_bad_label_type", "dns_too_many_records"

#endif /* MIERUKA_PROTO_DNS_WIRE_H */

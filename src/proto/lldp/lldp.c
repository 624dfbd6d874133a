/* lldp.c - LLDP plug-in: a switch's or device's own name, description,
 * capabilities and management address, from the LLDPDUs it multicasts.
 *
 * specification: IEEE Std 802.1AB-2016 clause 8.5 (basic TLVs: Chassis ID 8.5.2,
 * Port ID 8.5.3, TTL 8.5.4, Port Description 8.5.5, System Name 8.5.6, System
 * Description 8.5.7, System Capabilities 8.5.8, Management Address 8.5.9) and
 * clause 8.4 (LLDPDU format, End Of LLDPDU TLV).
 *
 * The core hands us the frame's payload after the EtherType 0x88cc, i.e. the first
 * TLV.  A TLV whose length runs past the frame ends the walk: the TLVs before it were
 * whole and their facts stand, nothing is taken from the cut one.  Malformed frames
 * return MK_V_OK with an anomaly: MK_V_INVALID would stop the core from reading the
 * sender's later, well-formed frames.
 */
#include "mieruka/proto.h"
#include "mieruka/util.h"

#include <stdio.h>
#include <string.h>

#include "mieruka/pkt.h"

#define LLDP_MAX_TLVS 64      /* a real LLDPDU has about 10-20; 1500 bytes fit 750 empty TLVs */
#define LLDP_MAX_TEXT 255     /* 802.1AB caps every string TLV at 255 octets */

enum {
	LLDP_TLV_END = 0,
	LLDP_TLV_CHASSIS_ID = 1,
	LLDP_TLV_PORT_ID = 2,
	LLDP_TLV_TTL = 3,
	LLDP_TLV_PORT_DESC = 4,
	LLDP_TLV_SYS_NAME = 5,
	LLDP_TLV_SYS_DESC = 6,
	LLDP_TLV_SYS_CAP = 7,
	LLDP_TLV_MGMT_ADDR = 8,
	LLDP_TLV_ORG = 127,
};

/* System capability bits of 8.5.8.1. */
enum {
	LLDP_CAP_OTHER = 1u << 0,
	LLDP_CAP_REPEATER = 1u << 1,
	LLDP_CAP_BRIDGE = 1u << 2,
	LLDP_CAP_WLAN_AP = 1u << 3,
	LLDP_CAP_ROUTER = 1u << 4,
	LLDP_CAP_PHONE = 1u << 5,
	LLDP_CAP_DOCSIS = 1u << 6,
	LLDP_CAP_STATION = 1u << 7,
};

/* Chassis/Port ID subtypes (8.5.2.2, 8.5.3.2) whose value is a MAC or network address. */
#define LLDP_ID_MAC 3    /* port id: MAC address; chassis id uses 4 */
#define LLDP_CHASSIS_MAC 4
#define LLDP_ID_NETADDR 4 /* port id: network address; chassis id uses 5 */
#define LLDP_CHASSIS_NETADDR 5

/* IANA address family numbers used by Management Address (8.5.9.3). */
#define IANA_AF_IPV4 1
#define IANA_AF_IPV6 2

static const char *const lldp_events[] = {
	"lldp_tlv_truncated",    /* a TLV's length runs past the frame */
	"lldp_bad_tlv_length",   /* a fixed-size TLV (TTL, capabilities, ids) has the wrong length */
	"lldp_missing_mandatory",/* the LLDPDU does not start with Chassis ID, Port ID, TTL */
	"lldp_too_many_tlvs",    /* more TLVs than any real LLDPDU carries */
	NULL,
};

static size_t lldp_text_len(const uint8_t *p, size_t n)
{
	return mk_text_field_len(p, n, LLDP_MAX_TEXT);
}

static void lldp_attr_text(struct mk_emit *out, const char *key, const uint8_t *p, size_t n)
{
	size_t len = lldp_text_len(p, n);

	if (len > 0)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), key, (const char *)p, len);
}

/* Chassis ID / Port ID: MAC and network-address subtypes are binary; format them so
 * the attribute reads like Wireshark's; every other subtype is text. */
static void lldp_emit_id(struct mk_emit *out, const char *key, struct mk_rd *tlv, uint8_t mac_subtype,
                         uint8_t net_subtype)
{
	uint8_t subtype = mk_rd_u8(tlv);
	size_t n = mk_rd_left(tlv);
	const uint8_t *p = mk_rd_ptr(tlv, n);
	char buf[64];
	int len;

	if (p == NULL || n == 0) {
		mk_emit_anomaly(out, "lldp_bad_tlv_length");
		return;
	}
	if (subtype == mac_subtype) {
		if (n != 6) {
			mk_emit_anomaly(out, "lldp_bad_tlv_length");
			return;
		}
		len = snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4],
		               p[5]);
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), key, buf, (size_t)len);
	} else if (subtype == net_subtype) {
		/* IANA family + address; only IPv4 is worth a dotted form here. */
		if (n == 5 && p[0] == IANA_AF_IPV4) {
			len = snprintf(buf, sizeof(buf), "%u.%u.%u.%u", p[1], p[2], p[3], p[4]);
			mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), key, buf, (size_t)len);
		}
	} else {
		lldp_attr_text(out, key, p, n);
	}
}

/* Splits the one clearly structured form we know, Cisco's "Cisco IOS Software, C3560
 * Software (...), Version 12.2(44)SE, RELEASE ...", into an identity.  Anything else
 * stays an attribute only: we never guess a vendor from free text. */
static void lldp_identity(struct mk_emit *out, const uint8_t *p, size_t n)
{
	static const char ios[] = "Cisco IOS Software";
	static const char ver[] = ", Version ";
	char text[LLDP_MAX_TEXT + 1], fw[64];
	struct mk_identity id = {0};
	const char *v, *end;
	size_t len;

	memcpy(text, p, n);
	text[n] = '\0';
	if (n >= sizeof(ios) - 1 && memcmp(text, ios, sizeof(ios) - 1) == 0) {
		v = strstr(text, ver);
		if (v == NULL)
			return;
		v += sizeof(ver) - 1;
		end = v + strcspn(v, ", \n");
		len = (size_t)(end - v);
		if (len == 0 || len >= sizeof(fw))
			return;
		memcpy(fw, v, len);
		fw[len] = '\0';
		id.vendor = "Cisco";
		id.firmware = fw;
		mk_emit_identity(out, mk_host_rel(MK_HOST_SENDER), &id);
	}
}

static void lldp_sys_desc(struct mk_emit *out, const uint8_t *p, size_t n)
{
	size_t len = lldp_text_len(p, n);

	if (len == 0)
		return;
	mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "lldp_system_description", (const char *)p, len);
	lldp_identity(out, p, len);
}

/* Enabled capabilities become role hints; "supported" alone proves nothing. */
static void lldp_caps(struct mk_emit *out, struct mk_rd *tlv)
{
	static const struct mk_capability_role map[] = {
		{LLDP_CAP_BRIDGE, "bridge", MK_ROLE_SWITCH},
		{LLDP_CAP_ROUTER, "router", MK_ROLE_ROUTER},
		{LLDP_CAP_WLAN_AP, "WLAN access point", MK_ROLE_WIFI_AP},
		{LLDP_CAP_PHONE, "telephone", MK_ROLE_PHONE},
	};

	if (mk_rd_left(tlv) != 4) {
		mk_emit_anomaly(out, "lldp_bad_tlv_length");
		return;
	}
	(void)mk_rd_be16(tlv); /* supported */
	mk_emit_capability_roles(out, "LLDP system capabilities:", mk_rd_be16(tlv), map,
	                         sizeof(map) / sizeof(map[0]));
}

/* The management address is the sender's: bind it to the frame's source MAC. */
static void lldp_mgmt(struct mk_emit *out, struct mk_rd *tlv)
{
	uint8_t alen = mk_rd_u8(tlv); /* address string length: subtype + address */
	uint8_t family = mk_rd_u8(tlv);
	struct mk_addr ip;
	const uint8_t *a;

	if (!mk_rd_ok(tlv) || alen < 1) {
		mk_emit_anomaly(out, "lldp_bad_tlv_length");
		return;
	}
	a = mk_rd_ptr(tlv, (size_t)alen - 1);
	if (a == NULL) {
		mk_emit_anomaly(out, "lldp_bad_tlv_length");
		return;
	}
	if (family == IANA_AF_IPV4 && alen == 5)
		mk_addr_set_ip4(&ip, a);
	else if (family == IANA_AF_IPV6 && alen == 17)
		mk_addr_set_ip6(&ip, a);
	else
		return;
	if (mk_addr_is_special(&ip) || out->pkt == NULL || !out->pkt->has_mac)
		return;
	mk_emit_advertised_binding(out, out->pkt->src_mac, &ip);
}

static enum mk_verdict mk_lldp_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                     struct mk_emit *out)
{
	unsigned count;

	(void)state;
	(void)dir;
	*consumed = 0;
	for (count = 0; mk_rd_left(rd) > 0; count++) {
		uint16_t hdr;
		unsigned type, len;
		struct mk_rd tlv;

		if (count >= LLDP_MAX_TLVS) {
			mk_emit_anomaly(out, "lldp_too_many_tlvs");
			break;
		}
		hdr = mk_rd_be16(rd);
		type = hdr >> 9;
		len = hdr & 0x1ff;
		if (!mk_rd_ok(rd) || !mk_rd_sub(rd, len, &tlv)) {
			mk_emit_anomaly(out, "lldp_tlv_truncated");
			break;
		}
		/* 8.2: the first three TLVs are Chassis ID, Port ID and TTL, in order. */
		if (count < 3 && type != (unsigned)count + 1) {
			/* Still an LLDP frame (the EtherType says so): report it and keep
			 * the flow, so the sender's next, well-formed LLDPDU is read. */
			mk_emit_anomaly(out, "lldp_missing_mandatory");
			return MK_V_OK;
		}
		switch (type) {
		case LLDP_TLV_END:
			return MK_V_OK;
		case LLDP_TLV_CHASSIS_ID:
			lldp_emit_id(out, "lldp_chassis_id", &tlv, LLDP_CHASSIS_MAC, LLDP_CHASSIS_NETADDR);
			break;
		case LLDP_TLV_PORT_ID:
			lldp_emit_id(out, "lldp_port_id", &tlv, LLDP_ID_MAC, LLDP_ID_NETADDR);
			break;
		case LLDP_TLV_TTL:
			if (len != 2)
				mk_emit_anomaly(out, "lldp_bad_tlv_length");
			break;
		case LLDP_TLV_PORT_DESC:
			if (len > 0)
				lldp_attr_text(out, "lldp_port_description", mk_rd_ptr(&tlv, len), len);
			break;
		case LLDP_TLV_SYS_NAME: {
			const uint8_t *p = len > 0 ? mk_rd_ptr(&tlv, len) : NULL;
			size_t n = p != NULL ? lldp_text_len(p, len) : 0;

			if (n > 0)
				mk_emit_name(out, mk_host_rel(MK_HOST_SENDER), (const char *)p, n);
			break;
		}
		case LLDP_TLV_SYS_DESC:
			if (len > 0)
				lldp_sys_desc(out, mk_rd_ptr(&tlv, len), len);
			break;
		case LLDP_TLV_SYS_CAP:
			lldp_caps(out, &tlv);
			break;
		case LLDP_TLV_MGMT_ADDR:
			lldp_mgmt(out, &tlv);
			break;
		default:
			break; /* organisationally specific and reserved TLVs carry nothing we use */
		}
	}
	/* No End TLV: a short frame or a sender that omits it; the TLVs read were whole. */
	return MK_V_OK;
}

static const struct mk_l2_match lldp_l2[] = {
	{.ethertype = 0x88cc},
	{0},
};

const struct mk_proto mk_proto_lldp = {
	.abi = MK_PROTO_ABI,
	.name = "lldp",
	.id = MK_PROTO_LLDP,
	.transports = MK_TRANSPORT_L2,
	.l2 = lldp_l2,
	.state_size = 0,
	.max_buffer = 0,
	.probe = NULL,
	.parse = mk_lldp_parse,
	.events = lldp_events,
};

/* cdp.c - CDP plug-in: the name, addresses, platform, software and capabilities
 * a Cisco (or CDP-speaking) device announces about itself.
 *
 * specification: Cisco Discovery Protocol versions 1 and 2, as documented in
 * Cisco's "CDP Frame Format" (LLC/SNAP OUI 00:00:0c, PID 0x2000; header: version,
 * TTL, checksum; TLVs: 16-bit type, 16-bit length including the 4-byte header) and
 * Wireshark's packet-cdp.c for the TLV type numbers.
 *
 * The core hands us the payload after the SNAP header, i.e. the version byte.  The
 * checksum is not verified: several non-Cisco implementations get it wrong, and a
 * passive monitor gains nothing by discarding their announcements.
 */
#include "mieruka/proto.h"
#include "mieruka/util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mieruka/pkt.h"

#define CDP_MAX_TLVS 64   /* a real CDP frame has 10-20 TLVs */
#define CDP_MAX_ADDRS 16  /* addresses per Addresses TLV; real devices list 1-3 */
#define CDP_MAX_TEXT 255

enum {
	CDP_TLV_DEVICE_ID = 0x0001,
	CDP_TLV_ADDRESSES = 0x0002,
	CDP_TLV_PORT_ID = 0x0003,
	CDP_TLV_CAPABILITIES = 0x0004,
	CDP_TLV_SOFTWARE = 0x0005,
	CDP_TLV_PLATFORM = 0x0006,
	CDP_TLV_VTP_DOMAIN = 0x0009,
	CDP_TLV_NATIVE_VLAN = 0x000a,
	CDP_TLV_SYSTEM_NAME = 0x0014,
	CDP_TLV_MGMT_ADDRESSES = 0x0016,
};

/* Capability bits of the Capabilities TLV. */
enum {
	CDP_CAP_ROUTER = 0x01,
	CDP_CAP_TRANS_BRIDGE = 0x02,
	CDP_CAP_SR_BRIDGE = 0x04,
	CDP_CAP_SWITCH = 0x08,
	CDP_CAP_HOST = 0x10,
	CDP_CAP_IGMP = 0x20,
	CDP_CAP_REPEATER = 0x40,
	CDP_CAP_PHONE = 0x80,
};

static const char *const cdp_events[] = {
	"cdp_bad_version",       /* version byte is neither 1 nor 2 */
	"cdp_tlv_truncated",     /* a TLV's length runs past the frame */
	"cdp_bad_tlv_length",    /* a TLV length below its 4-byte header, or a fixed TLV of the wrong size */
	"cdp_address_truncated", /* an address entry runs past its TLV */
	"cdp_too_many_tlvs",
	NULL,
};

static size_t cdp_text_len(const uint8_t *p, size_t n)
{
	return mk_text_field_len(p, n, CDP_MAX_TEXT);
}

/* Takes the rest of a TLV as text; returns its length (0 when empty). */
static size_t cdp_text(struct mk_rd *tlv, const uint8_t **out)
{
	size_t n = mk_rd_left(tlv);

	*out = n > 0 ? mk_rd_ptr(tlv, n) : NULL;
	return *out != NULL ? cdp_text_len(*out, n) : 0;
}

static void cdp_attr(struct mk_emit *out, const char *key, struct mk_rd *tlv)
{
	const uint8_t *p;
	size_t n = cdp_text(tlv, &p);

	if (n > 0)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), key, (const char *)p, n);
}

static void cdp_name(struct mk_emit *out, struct mk_rd *tlv)
{
	const uint8_t *p;
	size_t n = cdp_text(tlv, &p);

	if (n > 0)
		mk_emit_name(out, mk_host_rel(MK_HOST_SENDER), (const char *)p, n);
}

/* Addresses / Management Addresses: a 32-bit count, then entries of protocol type,
 * protocol length, protocol, address length, address.  IPv4 is NLPID 0xcc; IPv6 is
 * 802.2 SNAP aa aa 03 00 00 00 86 dd.  Each address belongs to the sender. */
static void cdp_addresses(struct mk_emit *out, struct mk_rd *tlv)
{
	static const uint8_t snap_ipv6[8] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x86, 0xdd};
	uint32_t count = mk_rd_be32(tlv);

	if (!mk_rd_ok(tlv)) {
		mk_emit_anomaly(out, "cdp_bad_tlv_length");
		return;
	}
	for (uint32_t i = 0; i < count && i < CDP_MAX_ADDRS; i++) {
		uint8_t ptype = mk_rd_u8(tlv);
		uint8_t plen = mk_rd_u8(tlv);
		const uint8_t *proto = mk_rd_ptr(tlv, plen);
		uint16_t alen = mk_rd_be16(tlv);
		const uint8_t *a = mk_rd_ptr(tlv, alen);
		struct mk_addr ip;

		if (!mk_rd_ok(tlv) || proto == NULL || a == NULL) {
			mk_emit_anomaly(out, "cdp_address_truncated");
			return;
		}
		if (ptype == 1 && plen == 1 && proto[0] == 0xcc && alen == 4)
			mk_addr_set_ip4(&ip, a);
		else if (ptype == 2 && plen == 8 && memcmp(proto, snap_ipv6, 8) == 0 && alen == 16)
			mk_addr_set_ip6(&ip, a);
		else
			continue;
		if (!mk_addr_is_special(&ip) && out->pkt != NULL && out->pkt->has_mac)
			mk_emit_advertised_binding(out, out->pkt->src_mac, &ip);
	}
}

static void cdp_caps(struct mk_emit *out, struct mk_rd *tlv)
{
	static const struct mk_capability_role map[] = {
		{CDP_CAP_ROUTER, "router", MK_ROLE_ROUTER},
		{CDP_CAP_SWITCH | CDP_CAP_TRANS_BRIDGE, "switch", MK_ROLE_SWITCH},
		{CDP_CAP_PHONE, "phone", MK_ROLE_PHONE},
	};

	if (mk_rd_left(tlv) != 4) {
		mk_emit_anomaly(out, "cdp_bad_tlv_length");
		return;
	}
	mk_emit_capability_roles(out, "CDP capabilities:", mk_rd_be32(tlv), map,
	                         sizeof(map) / sizeof(map[0]));
}

/* "Cisco IOS Software, ... Version 12.2(25)SEG4, RELEASE ..." (and the older
 * "Cisco Internetwork Operating System Software ... Version 12.1(22)EA1, ...")
 * gives vendor and firmware; other software strings stay an attribute. */
static void cdp_software(struct mk_emit *out, struct mk_rd *tlv)
{
	static const char ver[] = "Version ";
	char text[CDP_MAX_TEXT + 1], fw[64];
	struct mk_identity id = {0};
	const uint8_t *p;
	size_t n = cdp_text(tlv, &p), len;
	const char *v;

	if (n == 0)
		return;
	mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "cdp_software_version", (const char *)p, n);
	memcpy(text, p, n);
	text[n] = '\0';
	if (strncmp(text, "Cisco IOS", 9) != 0 && strncmp(text, "Cisco Internetwork Operating System", 35) != 0)
		return;
	v = strstr(text, ver);
	if (v == NULL)
		return;
	v += sizeof(ver) - 1;
	len = strcspn(v, ", \n");
	if (len == 0 || len >= sizeof(fw))
		return;
	memcpy(fw, v, len);
	fw[len] = '\0';
	id.vendor = "Cisco";
	id.firmware = fw;
	mk_emit_identity(out, mk_host_rel(MK_HOST_SENDER), &id);
}

/* Platform "cisco WS-C3560-24TS": the vendor only when the string names Cisco. */
static void cdp_platform(struct mk_emit *out, struct mk_rd *tlv)
{
	char text[CDP_MAX_TEXT + 1];
	struct mk_identity id = {0};
	const uint8_t *p;
	size_t n = cdp_text(tlv, &p);
	const char *product = text;

	if (n == 0)
		return;
	memcpy(text, p, n);
	text[n] = '\0';
	if (strncasecmp(text, "cisco ", 6) == 0) {
		id.vendor = "Cisco";
		product = text + 6;
		while (*product == ' ')
			product++;
	}
	if (*product == '\0')
		return;
	id.product = product;
	mk_emit_identity(out, mk_host_rel(MK_HOST_SENDER), &id);
}

static void cdp_native_vlan(struct mk_emit *out, struct mk_rd *tlv)
{
	char buf[8];
	int len;

	if (mk_rd_left(tlv) != 2) {
		mk_emit_anomaly(out, "cdp_bad_tlv_length");
		return;
	}
	len = snprintf(buf, sizeof(buf), "%u", mk_rd_be16(tlv));
	mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "cdp_native_vlan", buf, (size_t)len);
}

static enum mk_verdict mk_cdp_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                    struct mk_emit *out)
{
	uint8_t version;
	unsigned count;

	(void)state;
	(void)dir;
	*consumed = 0;
	version = mk_rd_u8(rd);
	(void)mk_rd_u8(rd);   /* TTL */
	(void)mk_rd_be16(rd); /* checksum */
	/* Malformed frames return MK_V_OK: MK_V_INVALID would stop the core from
	 * reading the sender's later, well-formed frames. */
	if (!mk_rd_ok(rd)) {
		mk_emit_anomaly(out, "cdp_tlv_truncated");
		return MK_V_OK;
	}
	if (version != 1 && version != 2) {
		mk_emit_anomaly(out, "cdp_bad_version");
		return MK_V_OK;
	}
	for (count = 0; mk_rd_left(rd) > 0; count++) {
		uint16_t type, len;
		struct mk_rd tlv;

		if (count >= CDP_MAX_TLVS) {
			mk_emit_anomaly(out, "cdp_too_many_tlvs");
			break;
		}
		type = mk_rd_be16(rd);
		len = mk_rd_be16(rd);
		if (!mk_rd_ok(rd)) {
			mk_emit_anomaly(out, "cdp_tlv_truncated");
			break;
		}
		if (len < 4) {
			/* A length below the header would loop forever or run backwards. */
			mk_emit_anomaly(out, "cdp_bad_tlv_length");
			break;
		}
		if (!mk_rd_sub(rd, (size_t)len - 4, &tlv)) {
			mk_emit_anomaly(out, "cdp_tlv_truncated");
			break;
		}
		switch (type) {
		case CDP_TLV_DEVICE_ID:
		case CDP_TLV_SYSTEM_NAME:
			cdp_name(out, &tlv);
			break;
		case CDP_TLV_ADDRESSES:
		case CDP_TLV_MGMT_ADDRESSES:
			cdp_addresses(out, &tlv);
			break;
		case CDP_TLV_PORT_ID:
			cdp_attr(out, "cdp_port_id", &tlv);
			break;
		case CDP_TLV_CAPABILITIES:
			cdp_caps(out, &tlv);
			break;
		case CDP_TLV_SOFTWARE:
			cdp_software(out, &tlv);
			break;
		case CDP_TLV_PLATFORM:
			cdp_platform(out, &tlv);
			break;
		case CDP_TLV_VTP_DOMAIN:
			cdp_attr(out, "cdp_vtp_domain", &tlv);
			break;
		case CDP_TLV_NATIVE_VLAN:
			cdp_native_vlan(out, &tlv);
			break;
		default:
			break;
		}
	}
	return MK_V_OK;
}

static const struct mk_l2_match cdp_l2[] = {
	{.ethertype = 0, .snap_oui = 0x00000c, .snap_pid = 0x2000},
	{0},
};

const struct mk_proto mk_proto_cdp = {
	.abi = MK_PROTO_ABI,
	.name = "cdp",
	.id = MK_PROTO_CDP,
	.transports = MK_TRANSPORT_L2,
	.l2 = cdp_l2,
	.state_size = 0,
	.max_buffer = 0,
	.probe = NULL,
	.parse = mk_cdp_parse,
	.events = cdp_events,
};

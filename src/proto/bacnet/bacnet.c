/* bacnet.c - BACnet/IP plug-in: BVLL, NPDU and APDU headers; every request
 * as an operation; I-Am and device-object properties as identity.
 *
 * specification: ANSI/ASHRAE 135-2016, Annex J (BACnet/IP: J.2 BVLL message
 * formats), clause 6.2 (NPDU: version, control, DNET/DADR/SNET/SADR, hop count,
 * network layer messages 6.2.4), clause 20.1 (APDU headers), 20.2.1 (tag
 * encoding), clause 21 (BACnetConfirmedServiceChoice, BACnetUnconfirmedServiceChoice,
 * BACnetObjectType, BACnetPropertyIdentifier, BACnetSegmentation), 15.5
 * (ReadProperty), 15.7 (ReadPropertyMultiple), 16.1 (DeviceCommunicationControl),
 * 16.4 (ReinitializeDevice), 16.10 (Who-Is / I-Am), 12.11 (Device object).
 *
 * Facts about a device (identity, attributes, the building-controller role) are
 * only said when the APDU came from the IP host itself: an NPDU with SNET was
 * routed from another BACnet network and its IP sender is only the router.  A
 * Forwarded-NPDU names its original B/IP source, which the facts are about.
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#include "bacnet_int.h"

#define BVLC_TYPE_BIP 0x81
#define BVLC_HEADER 4
#define BAC_TEXT_MAX 255
#define BAC_DETAIL_MAX 96
#define BAC_ROLE_CONFIDENCE 30
#define BAC_MAX_TAGS 1024 /* tags, results or objects walked in one value or list */

enum {
	BVLC_RESULT = 0x00,
	BVLC_WRITE_BDT = 0x01,
	BVLC_READ_BDT = 0x02,
	BVLC_READ_BDT_ACK = 0x03,
	BVLC_FORWARDED_NPDU = 0x04,
	BVLC_REGISTER_FD = 0x05,
	BVLC_READ_FDT = 0x06,
	BVLC_READ_FDT_ACK = 0x07,
	BVLC_DELETE_FDT_ENTRY = 0x08,
	BVLC_DISTRIBUTE_BROADCAST = 0x09,
	BVLC_ORIGINAL_UNICAST = 0x0a,
	BVLC_ORIGINAL_BROADCAST = 0x0b,
	BVLC_SECURE_BVLL = 0x0c,
};

/* NPDU control octet, clause 6.2.2. */
enum {
	NPDU_NETWORK_MSG = 0x80,
	NPDU_DNET = 0x20,
	NPDU_SNET = 0x08,
	NPDU_RESERVED = 0x50,
};

/* APDU types, clause 20.1.1. */
enum {
	APDU_CONFIRMED = 0,
	APDU_UNCONFIRMED = 1,
	APDU_SIMPLE_ACK = 2,
	APDU_COMPLEX_ACK = 3,
	APDU_SEGMENT_ACK = 4,
	APDU_ERROR = 5,
	APDU_REJECT = 6,
	APDU_ABORT = 7,
};

enum {
	APDU_SEG = 0x08, /* segmented message (confirmed request, complex ack) */
};

/* Application tag numbers, clause 20.2.1.4. */
enum {
	TAG_BOOLEAN = 1,
	TAG_UNSIGNED = 2,
	TAG_CHARSTRING = 7,
	TAG_ENUMERATED = 9,
	TAG_OBJECT_ID = 12,
};

enum {
	OBJ_DEVICE = 8,
	OBJ_FILE = 10,
};

/* BACnetPropertyIdentifier values the identity needs, clause 21. */
enum {
	PROP_APPLICATION_SOFTWARE_VERSION = 12,
	PROP_FIRMWARE_REVISION = 44,
	PROP_MODEL_NAME = 70,
	PROP_OBJECT_IDENTIFIER = 75,
	PROP_OBJECT_NAME = 77,
	PROP_VENDOR_IDENTIFIER = 120,
	PROP_VENDOR_NAME = 121,
};

enum {
	SVC_ATOMIC_READ_FILE = 6,
	SVC_ATOMIC_WRITE_FILE = 7,
	SVC_READ_PROPERTY = 12,
	SVC_READ_PROPERTY_MULTIPLE = 14,
	SVC_WRITE_PROPERTY = 15,
	SVC_WRITE_PROPERTY_MULTIPLE = 16,
	SVC_DEVICE_COMMUNICATION_CONTROL = 17,
	SVC_REINITIALIZE_DEVICE = 20,
	SVC_READ_RANGE = 26,
	USVC_I_AM = 0,
	USVC_WHO_IS = 8,
};

static const char *const bacnet_events[] = {
	"bacnet_truncated",             /* a header or a decoded service ends early */
	"bacnet_bvlc_bad_type",         /* BVLC type is not 0x81 (BACnet/IP) */
	"bacnet_bvlc_bad_length",       /* BVLC length differs from the datagram */
	"bacnet_bvlc_unknown_function", /* BVLC function not in Annex J.2 */
	"bacnet_bvlc_nak",              /* a BVLC-Result with a NAK code */
	"bacnet_npdu_bad_version",      /* NPDU protocol version is not 1 */
	"bacnet_npdu_bad_address",      /* SNET with SLEN 0, or reserved control bits */
	"bacnet_bad_apdu_type",         /* APDU type 8..15 (reserved) */
	"bacnet_unknown_service",       /* a service choice not in clause 21 */
	"bacnet_reject",                /* a Reject-PDU (a request the device refused to parse) */
	"bacnet_abort",                 /* an Abort-PDU */
	"bacnet_cleartext_password",    /* DeviceCommunicationControl/ReinitializeDevice password */
	NULL,
};

struct bac_svc {
	const char *name;
	uint8_t op;
};

/* BACnetConfirmedServiceChoice, clause 21. */
static const struct bac_svc bac_confirmed[] = {
	[0] = {"acknowledge_alarm", MK_OP_OTHER},
	[1] = {"confirmed_cov_notification", MK_OP_OTHER},
	[2] = {"confirmed_event_notification", MK_OP_OTHER},
	[3] = {"get_alarm_summary", MK_OP_READ},
	[4] = {"get_enrollment_summary", MK_OP_READ},
	[5] = {"subscribe_cov", MK_OP_OTHER},
	[6] = {"atomic_read_file", MK_OP_READ},
	[7] = {"atomic_write_file", MK_OP_PROGRAM}, /* writes a file: programs, configurations */
	[8] = {"add_list_element", MK_OP_WRITE},
	[9] = {"remove_list_element", MK_OP_WRITE},
	[10] = {"create_object", MK_OP_WRITE},
	[11] = {"delete_object", MK_OP_WRITE},
	[12] = {"read_property", MK_OP_READ},
	[13] = {"read_property_conditional", MK_OP_READ},
	[14] = {"read_property_multiple", MK_OP_READ},
	[15] = {"write_property", MK_OP_WRITE},
	[16] = {"write_property_multiple", MK_OP_WRITE},
	[17] = {"device_communication_control", MK_OP_CONTROL}, /* can silence a device */
	[18] = {"confirmed_private_transfer", MK_OP_OTHER},
	[19] = {"confirmed_text_message", MK_OP_OTHER},
	[20] = {"reinitialize_device", MK_OP_CONTROL},
	[21] = {"vt_open", MK_OP_OTHER},
	[22] = {"vt_close", MK_OP_OTHER},
	[23] = {"vt_data", MK_OP_OTHER},
	[24] = {"authenticate", MK_OP_AUTH},
	[25] = {"request_key", MK_OP_AUTH},
	[26] = {"read_range", MK_OP_READ},
	[27] = {"life_safety_operation", MK_OP_CONTROL},
	[28] = {"subscribe_cov_property", MK_OP_OTHER},
	[29] = {"get_event_information", MK_OP_READ},
	[30] = {"subscribe_cov_property_multiple", MK_OP_OTHER},
	[31] = {"confirmed_cov_notification_multiple", MK_OP_OTHER},
	[32] = {"confirmed_audit_notification", MK_OP_OTHER},
	[33] = {"audit_log_query", MK_OP_READ},
};

/* BACnetUnconfirmedServiceChoice, clause 21. */
static const struct bac_svc bac_unconfirmed[] = {
	[0] = {"i_am", MK_OP_DIAGNOSTIC},
	[1] = {"i_have", MK_OP_DIAGNOSTIC},
	[2] = {"unconfirmed_cov_notification", MK_OP_OTHER},
	[3] = {"unconfirmed_event_notification", MK_OP_OTHER},
	[4] = {"unconfirmed_private_transfer", MK_OP_OTHER},
	[5] = {"unconfirmed_text_message", MK_OP_OTHER},
	[6] = {"time_synchronization", MK_OP_OTHER},
	[7] = {"who_has", MK_OP_DIAGNOSTIC},
	[8] = {"who_is", MK_OP_DIAGNOSTIC},
	[9] = {"utc_time_synchronization", MK_OP_OTHER},
	[10] = {"write_group", MK_OP_WRITE},
	[11] = {"unconfirmed_cov_notification_multiple", MK_OP_OTHER},
	[12] = {"unconfirmed_audit_notification", MK_OP_OTHER},
	[13] = {"who_am_i", MK_OP_DIAGNOSTIC},
	[14] = {"you_are", MK_OP_WRITE}, /* assigns a device its instance and address */
};

/* Network layer message types, clause 6.2.4. */
static const char *const bac_network_msgs[] = {
	"who_is_router_to_network", "i_am_router_to_network", "i_could_be_router_to_network",
	"reject_message_to_network", "router_busy_to_network", "router_available_to_network",
	"initialize_routing_table", "initialize_routing_table_ack", "establish_connection_to_network",
	"disconnect_connection_to_network", "challenge_request", "security_payload",
	"security_response", "request_key_update", "update_key_set", "update_distribution_key",
	"request_master_key", "set_master_key", "what_is_network_number", "network_number_is",
};

/* BACnetObjectType 0..30, clause 21 (others are shown by number). */
static const char *const bac_object_types[] = {
	"analog-input", "analog-output", "analog-value", "binary-input", "binary-output",
	"binary-value", "calendar", "command", "device", "event-enrollment", "file", "group", "loop",
	"multi-state-input", "multi-state-output", "notification-class", "program", "schedule",
	"averaging", "multi-state-value", "trend-log", "life-safety-point", "life-safety-zone",
	"accumulator", "pulse-converter", "event-log", "global-group", "trend-log-multiple",
	"load-control", "structured-view", "access-door",
};

static const char *const bac_segmentation[] = {"both", "transmit", "receive", "none"};

/* BACnetDeviceCommunicationControl enable-disable, clause 16.1.1.1.2. */
static const char *const bac_dcc_states[] = {"enable", "disable", "disable_initiation"};

/* BACnetReinitializedStateOfDevice, clause 16.4.1.1.1. */
static const char *const bac_reinit_states[] = {
	"coldstart", "warmstart", "start_backup", "end_backup", "start_restore", "end_restore",
	"abort_restore", "activate_changes",
};

/* Who the current APDU is about: the IP sender, or a Forwarded-NPDU's origin. */
struct bac_ctx {
	struct mk_host origin;
	bool routed; /* the NPDU came through a BACnet router (SNET present) */
};

/* ---- tags (clause 20.2.1) ---- */

struct bac_tag {
	uint8_t num;
	bool ctx;
	bool open, close;
	uint32_t len; /* content octets; application booleans carry their value in the tag */
};

static bool bac_tag_read(struct mk_rd *rd, struct bac_tag *t)
{
	uint8_t b = mk_rd_u8(rd), lvt = b & 7;

	memset(t, 0, sizeof(*t));
	t->num = b >> 4;
	t->ctx = (b & 0x08) != 0;
	if (t->num == 15)
		t->num = mk_rd_u8(rd);
	if (t->ctx && lvt == 6) {
		t->open = true;
	} else if (t->ctx && lvt == 7) {
		t->close = true;
	} else if (lvt == 5) {
		uint8_t l = mk_rd_u8(rd);

		if (l == 254)
			t->len = mk_rd_be16(rd);
		else if (l == 255)
			t->len = mk_rd_be32(rd);
		else
			t->len = l;
	} else if (!t->ctx && t->num == TAG_BOOLEAN) {
		t->len = 0;
	} else {
		t->len = lvt;
	}
	return mk_rd_ok(rd);
}

static bool bac_uint(struct mk_rd *rd, uint32_t len, uint32_t *v)
{
	*v = 0;
	if (len == 0 || len > 4)
		return false;
	for (uint32_t i = 0; i < len; i++)
		*v = (*v << 8) | mk_rd_u8(rd);
	return mk_rd_ok(rd);
}

/* Reads a primitive tag of the given class and number holding an unsigned,
 * enumerated or object identifier value. */
static bool bac_get_uint(struct mk_rd *rd, bool ctx, uint8_t num, uint32_t *v)
{
	struct bac_tag t;

	if (!bac_tag_read(rd, &t) || t.ctx != ctx || t.open || t.close || t.num != num)
		return false;
	return bac_uint(rd, t.len, v);
}

/* An optional context tag: reads it only when the next tag is [num]. */
static bool bac_opt_ctx_uint(struct mk_rd *rd, uint8_t num, uint32_t *v)
{
	struct mk_rd save = *rd;

	if (bac_get_uint(rd, true, num, v))
		return true;
	*rd = save;
	return false;
}

static bool bac_expect_tag(struct mk_rd *rd, uint8_t num, bool open)
{
	struct bac_tag t;

	return bac_tag_read(rd, &t) && t.ctx && t.num == num && (open ? t.open : t.close);
}

static int bac_objid_str(uint32_t objid, char *buf, size_t cap)
{
	uint32_t type = objid >> 22, inst = objid & 0x3fffff;

	if (type < sizeof(bac_object_types) / sizeof(bac_object_types[0]))
		return snprintf(buf, cap, "%s,%u", bac_object_types[type], inst);
	return snprintf(buf, cap, "object-type-%u,%u", type, inst);
}

static size_t bac_utf8_put(char *buf, size_t n, size_t cap, uint32_t cp)
{
	if (cp < 0x80 && n + 1 < cap) {
		buf[n++] = (char)cp;
	} else if (cp >= 0x80 && cp < 0x800 && n + 2 < cap) {
		buf[n++] = (char)(0xc0 | (cp >> 6));
		buf[n++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp >= 0x800 && n + 3 < cap) {
		buf[n++] = (char)(0xe0 | (cp >> 12));
		buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[n++] = (char)(0x80 | (cp & 0x3f));
	}
	return n;
}

/* A CharacterString's content (clause 20.2.9: character set, then octets) as
 * NUL-terminated UTF-8 in buf; returns its length, 0 when empty or in a
 * character set not decoded here (DBCS, JIS X 0208, UCS-4). */
static size_t bac_charstring(const uint8_t *p, size_t len, char *buf, size_t cap)
{
	size_t n = 0;

	if (len < 1)
		return 0;
	switch (p[0]) {
	case 0: /* ISO 10646 UTF-8 */
		for (size_t i = 1; i < len && p[i] != 0 && n + 1 < cap; i++)
			buf[n++] = (char)p[i];
		break;
	case 4: /* ISO 10646 UCS-2, big-endian */
		for (size_t i = 1; i + 1 < len; i += 2) {
			uint32_t cp = ((uint32_t)p[i] << 8) | p[i + 1];

			if (cp == 0)
				break;
			if (cp < 0xd800 || cp > 0xdfff)
				n = bac_utf8_put(buf, n, cap, cp);
		}
		break;
	case 5: /* ISO 8859-1 */
		for (size_t i = 1; i < len && p[i] != 0; i++)
			n = bac_utf8_put(buf, n, cap, p[i]);
		break;
	default:
		break;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return n;
}

/* ---- facts ---- */

static void bac_attr_uint(struct mk_emit *out, struct mk_host host, const char *key, uint32_t v)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%u", v);

	mk_emit_attr(out, host, key, buf, (size_t)n);
}

static void bac_vendor_facts(struct mk_emit *out, struct mk_host host, uint32_t vendor)
{
	const char *name = bac_vendor_name(vendor);

	bac_attr_uint(out, host, "bacnet_vendor_id", vendor);
	if (name != NULL) {
		struct mk_identity id = {.vendor = name};

		mk_emit_identity(out, host, &id);
	}
}

/* I-Am (clause 16.10.3): iAmDeviceIdentifier, maxAPDULengthAccepted,
 * segmentationSupported, vendorID, all application-tagged. */
static void bac_i_am(struct mk_rd *rd, const struct bac_ctx *c, struct mk_emit *out)
{
	uint32_t objid = 0, max_apdu = 0, seg = 0, vendor = 0;
	char detail[BAC_DETAIL_MAX] = "i_am";
	bool ok = bac_get_uint(rd, false, TAG_OBJECT_ID, &objid);

	if (ok) {
		char obj[48];

		bac_objid_str(objid, obj, sizeof(obj));
		snprintf(detail, sizeof(detail), "i_am %s", obj);
	}
	mk_emit_operation(out, MK_OP_DIAGNOSTIC, detail);
	ok = ok && bac_get_uint(rd, false, TAG_UNSIGNED, &max_apdu) &&
	     bac_get_uint(rd, false, TAG_ENUMERATED, &seg) &&
	     bac_get_uint(rd, false, TAG_UNSIGNED, &vendor);
	if (!ok) {
		mk_emit_anomaly(out, "bacnet_truncated");
		return;
	}
	if (c->routed || objid >> 22 != OBJ_DEVICE)
		return;
	bac_attr_uint(out, c->origin, "bacnet_device_instance", objid & 0x3fffff);
	bac_attr_uint(out, c->origin, "bacnet_max_apdu", max_apdu);
	if (seg < 4)
		mk_emit_attr(out, c->origin, "bacnet_segmentation", bac_segmentation[seg],
		             strlen(bac_segmentation[seg]));
	bac_vendor_facts(out, c->origin, vendor);
}

/* The detail of a confirmed request: the service name and, where cheap, what
 * it is about.  Decoding stops quietly where the request does not fit. */
/* True when the next tag is context tag [num] with content (a password). */
static bool bac_has_ctx(struct mk_rd *rd, uint8_t num)
{
	struct bac_tag t;

	return bac_tag_read(rd, &t) && t.ctx && !t.open && !t.close && t.num == num && t.len > 0;
}

static void bac_confirmed_detail(uint8_t svc, struct mk_rd *rd, char *buf, size_t cap,
                                 bool *password)
{
	const char *name = bac_confirmed[svc].name;
	uint32_t objid = 0, prop = 0, v = 0;
	char obj[48];

	snprintf(buf, cap, "%s", name);
	switch (svc) {
	case SVC_READ_PROPERTY:
	case SVC_WRITE_PROPERTY:
	case SVC_READ_RANGE:
		/* [0] objectIdentifier, [1] propertyIdentifier */
		if (bac_get_uint(rd, true, 0, &objid) && bac_get_uint(rd, true, 1, &prop)) {
			bac_objid_str(objid, obj, sizeof(obj));
			snprintf(buf, cap, "%s %s prop=%u", name, obj, prop);
		}
		break;
	case SVC_READ_PROPERTY_MULTIPLE:
	case SVC_WRITE_PROPERTY_MULTIPLE:
		/* the first [0] objectIdentifier of the list */
		if (bac_get_uint(rd, true, 0, &objid)) {
			bac_objid_str(objid, obj, sizeof(obj));
			snprintf(buf, cap, "%s %s", name, obj);
		}
		break;
	case SVC_ATOMIC_READ_FILE:
	case SVC_ATOMIC_WRITE_FILE:
		/* fileIdentifier, application-tagged */
		if (bac_get_uint(rd, false, TAG_OBJECT_ID, &objid)) {
			bac_objid_str(objid, obj, sizeof(obj));
			snprintf(buf, cap, "%s %s", name, obj);
		}
		break;
	case SVC_DEVICE_COMMUNICATION_CONTROL:
		/* [0] timeDuration OPTIONAL, [1] enable-disable */
		bac_opt_ctx_uint(rd, 0, &v);
		if (bac_get_uint(rd, true, 1, &v) && v < 3)
			snprintf(buf, cap, "%s %s", name, bac_dcc_states[v]);
		*password = bac_has_ctx(rd, 2); /* [2] password OPTIONAL */
		break;
	case SVC_REINITIALIZE_DEVICE:
		/* [0] reinitializedStateOfDevice */
		if (bac_get_uint(rd, true, 0, &v) && v < 8)
			snprintf(buf, cap, "%s %s", name, bac_reinit_states[v]);
		*password = bac_has_ctx(rd, 1); /* [1] password OPTIONAL */
		break;
	default:
		break;
	}
}

/* What a Device object property says about the device: one primitive
 * application-tagged value (tag, content p[0..len)). */
static void bac_device_property(uint32_t prop, uint8_t tag, const uint8_t *p, uint32_t len,
                                const struct bac_ctx *c, struct mk_emit *out)
{
	char text[BAC_TEXT_MAX + 1];
	struct mk_identity id = {0};
	struct mk_rd vr;
	uint32_t v = 0;
	size_t n = 0;

	mk_rd_init(&vr, p, len);
	if (tag == TAG_CHARSTRING)
		n = bac_charstring(p, len, text, sizeof(text));
	else if ((tag != TAG_UNSIGNED && tag != TAG_OBJECT_ID) || !bac_uint(&vr, len, &v))
		return;
	switch (prop) {
	case PROP_VENDOR_NAME:
	case PROP_MODEL_NAME:
	case PROP_FIRMWARE_REVISION:
		if (n == 0)
			return;
		if (prop == PROP_VENDOR_NAME)
			id.vendor = text;
		else if (prop == PROP_MODEL_NAME)
			id.model = text;
		else
			id.firmware = text;
		mk_emit_identity(out, c->origin, &id);
		break;
	case PROP_APPLICATION_SOFTWARE_VERSION:
		if (n > 0)
			mk_emit_attr(out, c->origin, "bacnet_application_software_version", text, n);
		break;
	case PROP_OBJECT_NAME:
		if (n > 0)
			mk_emit_attr(out, c->origin, "bacnet_device_name", text, n);
		break;
	case PROP_VENDOR_IDENTIFIER:
		if (tag == TAG_UNSIGNED)
			bac_vendor_facts(out, c->origin, v);
		break;
	case PROP_OBJECT_IDENTIFIER:
		if (tag == TAG_OBJECT_ID && v >> 22 == OBJ_DEVICE)
			bac_attr_uint(out, c->origin, "bacnet_device_instance", v & 0x3fffff);
		break;
	default:
		break;
	}
}

/* Walks a constructed value after its opening tag [num] up to the matching
 * closing tag, whatever it holds (nested tags included).  When device is true
 * and the value is one primitive application-tagged item, it is a Device object
 * property: its facts are said, and only once the closing tag shows the value
 * was whole.  Returns false when the value cannot be walked. */
static bool bac_value(struct mk_rd *rd, uint8_t num, uint32_t prop, bool device,
                      const struct bac_ctx *c, struct mk_emit *out)
{
	const uint8_t *first = NULL;
	uint32_t first_len = 0;
	uint8_t first_tag = 0;
	unsigned depth = 0, items = 0;

	for (unsigned n = 0; n < BAC_MAX_TAGS; n++) {
		struct bac_tag t;
		const uint8_t *p;

		if (!bac_tag_read(rd, &t))
			return false;
		if (t.close && depth == 0) {
			if (t.num != num)
				return false;
			if (device && items == 1 && first != NULL)
				bac_device_property(prop, first_tag, first, first_len, c, out);
			return true;
		}
		if (t.open || t.close) {
			depth = t.open ? depth + 1 : depth - 1;
			items += 2; /* a constructed value is not a single item */
			continue;
		}
		p = mk_rd_ptr(rd, t.len);
		if (!mk_rd_ok(rd))
			return false;
		if (items++ == 0 && !t.ctx) {
			first = p;
			first_len = t.len;
			first_tag = t.num;
		}
	}
	return false;
}

/* ReadProperty-ACK (clause 15.5.1.3): [0] objectIdentifier, [1] propertyIdentifier,
 * [2] propertyArrayIndex OPTIONAL, [3] propertyValue.  Device-object properties
 * that name the device become facts about the sender. */
static void bac_read_property_ack(struct mk_rd *rd, const struct bac_ctx *c, struct mk_emit *out)
{
	uint32_t objid, prop, idx;

	if (!bac_get_uint(rd, true, 0, &objid) || !bac_get_uint(rd, true, 1, &prop))
		return;
	if (objid >> 22 != OBJ_DEVICE || bac_opt_ctx_uint(rd, 2, &idx) || !bac_expect_tag(rd, 3, true))
		return;
	bac_value(rd, 3, prop, true, c, out);
}

/* ReadPropertyMultiple-ACK (clause 15.7.1.3): a list of ReadAccessResult:
 * [0] objectIdentifier, [1] { [2] propertyIdentifier, [3] arrayIndex OPTIONAL,
 * [4] { value } or [5] { error } ... }. */
static void bac_read_property_multiple_ack(struct mk_rd *rd, const struct bac_ctx *c,
                                           struct mk_emit *out)
{
	for (unsigned objects = 0; objects < BAC_MAX_TAGS && mk_rd_left(rd) > 0; objects++) {
		uint32_t objid;
		bool device;

		if (!bac_get_uint(rd, true, 0, &objid) || !bac_expect_tag(rd, 1, true))
			return;
		device = objid >> 22 == OBJ_DEVICE;
		for (unsigned results = 0;; results++) {
			struct mk_rd save = *rd;
			struct bac_tag t;
			uint32_t prop, idx;
			bool element;

			if (results >= BAC_MAX_TAGS || !bac_tag_read(rd, &t))
				return;
			if (t.close && t.num == 1)
				break;
			*rd = save;
			if (!bac_get_uint(rd, true, 2, &prop))
				return;
			element = bac_opt_ctx_uint(rd, 3, &idx);
			if (!bac_tag_read(rd, &t) || !t.open || (t.num != 4 && t.num != 5))
				return;
			if (!bac_value(rd, t.num, prop, device && !element && t.num == 4, c, out))
				return;
		}
	}
}

static void bac_answering(const struct bac_ctx *c, struct mk_emit *out)
{
	if (!c->routed)
		mk_emit_role(out, c->origin, MK_ROLE_PLC, BAC_ROLE_CONFIDENCE,
		             "BACnet device (building controller)");
}

static void bac_apdu(struct mk_rd *rd, const struct bac_ctx *c, struct mk_emit *out)
{
	uint8_t b0 = mk_rd_u8(rd), type = b0 >> 4, svc, seq = 0;
	char detail[BAC_DETAIL_MAX];
	bool password = false;

	if (!mk_rd_ok(rd)) {
		mk_emit_anomaly(out, "bacnet_truncated");
		return;
	}
	switch (type) {
	case APDU_CONFIRMED:
		mk_rd_skip(rd, 2); /* max segments / max APDU, invoke id */
		if (b0 & APDU_SEG) {
			seq = mk_rd_u8(rd);
			mk_rd_skip(rd, 1); /* proposed window size */
		}
		svc = mk_rd_u8(rd);
		if (!mk_rd_ok(rd))
			break;
		if (seq != 0)
			return; /* a later segment of a request already counted */
		if (svc >= sizeof(bac_confirmed) / sizeof(bac_confirmed[0])) {
			mk_emit_operationf(out, MK_OP_OTHER, "confirmed_service=%u", svc);
			mk_emit_anomaly(out, "bacnet_unknown_service");
			return;
		}
		bac_confirmed_detail(svc, rd, detail, sizeof(detail), &password);
		mk_emit_operation(out, (enum mk_op_class)bac_confirmed[svc].op, detail);
		if (password)
			mk_emit_anomaly(out, "bacnet_cleartext_password");
		return;
	case APDU_UNCONFIRMED:
		svc = mk_rd_u8(rd);
		if (!mk_rd_ok(rd))
			break;
		if (svc >= sizeof(bac_unconfirmed) / sizeof(bac_unconfirmed[0])) {
			mk_emit_operationf(out, MK_OP_OTHER, "unconfirmed_service=%u", svc);
			mk_emit_anomaly(out, "bacnet_unknown_service");
			return;
		}
		if (svc == USVC_I_AM) {
			bac_i_am(rd, c, out);
			return;
		}
		snprintf(detail, sizeof(detail), "%s", bac_unconfirmed[svc].name);
		if (svc == USVC_WHO_IS) {
			uint32_t lo, hi;

			/* [0] low limit, [1] high limit: both or neither (16.10.1.1) */
			if (bac_opt_ctx_uint(rd, 0, &lo) && bac_opt_ctx_uint(rd, 1, &hi))
				snprintf(detail, sizeof(detail), "who_is %u-%u", lo, hi);
		}
		mk_emit_operation(out, (enum mk_op_class)bac_unconfirmed[svc].op, detail);
		return;
	case APDU_SIMPLE_ACK:
		mk_rd_skip(rd, 2); /* invoke id, service ack choice */
		if (!mk_rd_ok(rd))
			break;
		bac_answering(c, out);
		return;
	case APDU_COMPLEX_ACK:
		mk_rd_skip(rd, 1); /* invoke id */
		if (b0 & APDU_SEG) {
			seq = mk_rd_u8(rd);
			mk_rd_skip(rd, 1);
		}
		svc = mk_rd_u8(rd);
		if (!mk_rd_ok(rd))
			break;
		bac_answering(c, out);
		if (!(b0 & APDU_SEG) && !c->routed && svc == SVC_READ_PROPERTY)
			bac_read_property_ack(rd, c, out);
		else if (!(b0 & APDU_SEG) && !c->routed && svc == SVC_READ_PROPERTY_MULTIPLE)
			bac_read_property_multiple_ack(rd, c, out);
		return;
	case APDU_SEGMENT_ACK:
		mk_rd_skip(rd, 3); /* invoke id, sequence number, actual window size */
		if (!mk_rd_ok(rd))
			break;
		return;
	case APDU_ERROR:
		mk_rd_skip(rd, 2); /* invoke id, service choice */
		if (!mk_rd_ok(rd))
			break;
		bac_answering(c, out);
		return;
	case APDU_REJECT:
	case APDU_ABORT:
		mk_rd_skip(rd, 2); /* invoke id, reason */
		if (!mk_rd_ok(rd))
			break;
		mk_emit_anomaly(out, type == APDU_REJECT ? "bacnet_reject" : "bacnet_abort");
		return;
	default:
		mk_emit_anomaly(out, "bacnet_bad_apdu_type");
		return;
	}
	mk_emit_anomaly(out, "bacnet_truncated");
}

/* NPDU, clause 6.2: version, control, optional DNET/DLEN/DADR, SNET/SLEN/SADR,
 * hop count, then a network layer message or an APDU. */
static void bac_npdu(struct mk_rd *rd, struct bac_ctx *c, struct mk_emit *out)
{
	uint8_t version = mk_rd_u8(rd), ctrl = mk_rd_u8(rd), msg;
	char detail[BAC_DETAIL_MAX];

	if (!mk_rd_ok(rd)) {
		mk_emit_anomaly(out, "bacnet_truncated");
		return;
	}
	if (version != 1) {
		mk_emit_anomaly(out, "bacnet_npdu_bad_version");
		return;
	}
	if (ctrl & NPDU_RESERVED) {
		mk_emit_anomaly(out, "bacnet_npdu_bad_address");
		return;
	}
	if (ctrl & NPDU_DNET) {
		mk_rd_skip(rd, 2);
		mk_rd_skip(rd, mk_rd_u8(rd)); /* DLEN 0 = broadcast on DNET */
	}
	if (ctrl & NPDU_SNET) {
		uint8_t slen;

		mk_rd_skip(rd, 2);
		slen = mk_rd_u8(rd);
		if (mk_rd_ok(rd) && slen == 0) {
			mk_emit_anomaly(out, "bacnet_npdu_bad_address");
			return;
		}
		mk_rd_skip(rd, slen);
		c->routed = true;
	}
	if (ctrl & NPDU_DNET)
		mk_rd_skip(rd, 1); /* hop count */
	if (!mk_rd_ok(rd)) {
		mk_emit_anomaly(out, "bacnet_truncated");
		return;
	}
	if (!(ctrl & NPDU_NETWORK_MSG)) {
		bac_apdu(rd, c, out);
		return;
	}
	msg = mk_rd_u8(rd);
	if (!mk_rd_ok(rd)) {
		mk_emit_anomaly(out, "bacnet_truncated");
		return;
	}
	if (msg < sizeof(bac_network_msgs) / sizeof(bac_network_msgs[0]))
		snprintf(detail, sizeof(detail), "network %s", bac_network_msgs[msg]);
	else
		snprintf(detail, sizeof(detail), "network message=0x%02x", msg);
	mk_emit_operation(out, MK_OP_OTHER, detail);
}

static int bacnet_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t type, func, version, ctrl;
	uint16_t len;
	size_t npdu = BVLC_HEADER;
	bool exact;

	(void)dir;
	if (!mk_rd_peek_u8(rd, 0, &type) || !mk_rd_peek_u8(rd, 1, &func) || !mk_rd_peek_be16(rd, 2, &len))
		return MK_PROBE_NO;
	if (type != BVLC_TYPE_BIP || func > BVLC_SECURE_BVLL || len < BVLC_HEADER)
		return MK_PROBE_NO;
	exact = len == mk_rd_left(rd);
	switch (func) {
	case BVLC_RESULT:
	case BVLC_REGISTER_FD:
		return exact && len == 6 ? MK_PROBE_SURE : MK_PROBE_NO;
	case BVLC_READ_BDT:
	case BVLC_READ_FDT:
		return exact && len == 4 ? MK_PROBE_SURE : MK_PROBE_NO;
	case BVLC_DELETE_FDT_ENTRY:
		return exact && len == 10 ? MK_PROBE_SURE : MK_PROBE_NO;
	case BVLC_WRITE_BDT:
	case BVLC_READ_BDT_ACK:
	case BVLC_READ_FDT_ACK:
		/* 10-byte entries */
		return exact && (len - BVLC_HEADER) % 10 == 0 ? MK_PROBE_SURE : MK_PROBE_NO;
	case BVLC_SECURE_BVLL:
		return exact ? MK_PROBE_MAYBE : MK_PROBE_NO;
	case BVLC_FORWARDED_NPDU:
		npdu += 6;
		break;
	default:
		break;
	}
	if (!mk_rd_peek_u8(rd, npdu, &version) || !mk_rd_peek_u8(rd, npdu + 1, &ctrl))
		return MK_PROBE_NO;
	if (version != 1 || (ctrl & NPDU_RESERVED))
		return MK_PROBE_NO;
	/* Some stacks (and capture generators) get the BVLC length wrong while the
	 * NPDU is sound: worth a MAYBE, which only a port hint turns into a match. */
	return exact ? MK_PROBE_SURE : MK_PROBE_MAYBE;
}

static enum mk_verdict bacnet_parse(void *state, struct mk_rd *rd, enum mk_dir dir,
                                    size_t *consumed, struct mk_emit *out)
{
	size_t total = mk_rd_left(rd);
	uint8_t type = mk_rd_u8(rd), func = mk_rd_u8(rd);
	uint16_t len = mk_rd_be16(rd);
	struct bac_ctx c = {.origin = mk_host_rel(MK_HOST_SENDER)};
	struct mk_rd body;
	uint16_t result;

	(void)state;
	(void)dir;
	*consumed = 0;
	/* UDP 47808 is shared by every device of a site: a bad datagram is reported
	 * and skipped (MK_V_OK), never the end of the flow. */
	if (!mk_rd_ok(rd)) {
		mk_emit_anomaly(out, "bacnet_truncated");
		return MK_V_OK;
	}
	if (type != BVLC_TYPE_BIP) {
		mk_emit_anomaly(out, "bacnet_bvlc_bad_type");
		return MK_V_OK;
	}
	if (len != total) {
		mk_emit_anomaly(out, "bacnet_bvlc_bad_length");
		if (len < BVLC_HEADER || len > total)
			return MK_V_OK;
	}
	mk_rd_sub(rd, len - BVLC_HEADER, &body);
	switch (func) {
	case BVLC_RESULT:
		result = mk_rd_be16(&body);
		if (!mk_rd_ok(&body))
			mk_emit_anomaly(out, "bacnet_truncated");
		else if (result != 0)
			mk_emit_anomaly(out, "bacnet_bvlc_nak");
		break;
	case BVLC_WRITE_BDT:
		mk_emit_operation(out, MK_OP_WRITE, "bvlc write_broadcast_distribution_table");
		break;
	case BVLC_READ_BDT:
		mk_emit_operation(out, MK_OP_DIAGNOSTIC, "bvlc read_broadcast_distribution_table");
		break;
	case BVLC_REGISTER_FD:
		mk_emit_operation(out, MK_OP_OTHER, "bvlc register_foreign_device");
		break;
	case BVLC_READ_FDT:
		mk_emit_operation(out, MK_OP_DIAGNOSTIC, "bvlc read_foreign_device_table");
		break;
	case BVLC_DELETE_FDT_ENTRY:
		mk_emit_operation(out, MK_OP_WRITE, "bvlc delete_foreign_device_table_entry");
		break;
	case BVLC_READ_BDT_ACK:
	case BVLC_READ_FDT_ACK:
	case BVLC_SECURE_BVLL:
		break;
	case BVLC_FORWARDED_NPDU: {
		/* J.2.9: the original source's B/IP address (IPv4 + UDP port) */
		const uint8_t *ip4 = mk_rd_ptr(&body, 6);
		struct mk_addr ip;

		if (ip4 == NULL) {
			mk_emit_anomaly(out, "bacnet_truncated");
			break;
		}
		mk_addr_set_ip4(&ip, ip4);
		c.origin = mk_host_explicit(NULL, &ip);
		bac_npdu(&body, &c, out);
		break;
	}
	case BVLC_DISTRIBUTE_BROADCAST:
	case BVLC_ORIGINAL_UNICAST:
	case BVLC_ORIGINAL_BROADCAST:
		bac_npdu(&body, &c, out);
		break;
	default:
		mk_emit_anomaly(out, "bacnet_bvlc_unknown_function");
		break;
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_bacnet = {
	.abi = MK_PROTO_ABI,
	.name = "bacnet",
	.id = MK_PROTO_BACNET,
	.transports = MK_TRANSPORT_UDP,
	.l2 = NULL,
	.state_size = 0,
	.max_buffer = 0,
	.probe = bacnet_probe,
	.parse = bacnet_parse,
	.events = bacnet_events,
};

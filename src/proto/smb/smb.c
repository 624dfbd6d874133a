/* smb.c - SMB identification over NetBIOS session service framing: dialects
 * offered and chosen, SMB1 in use at all, whether the server requires signing,
 * the NTLMSSP user, domain and workstation of a session setup, the server's own
 * names from the NTLM challenge, and the shares a client connects to.  Large
 * messages (reads, writes) are skipped by their length without buffering.
 * specification: RFC 1002 section 4.3 (session service packets); MS-CIFS
 * 2.2.3.1 (SMB1 header), 2.2.4.52 (NEGOTIATE), 2.2.4.53 (SESSION_SETUP_ANDX),
 * 2.2.4.55 (TREE_CONNECT_ANDX); MS-SMB 2.2.4.6 (extended security session
 * setup); MS-SMB2 2.2.1 (header), 2.2.3-2.2.4 (NEGOTIATE), 2.2.5 (SESSION_SETUP),
 * 2.2.9 (TREE_CONNECT); MS-NLMP 2.2.1.2 (CHALLENGE), 2.2.1.3 (AUTHENTICATE),
 * 2.2.2.1 (AV_PAIR)
 *
 * Cheap, well-known attack patterns (anomaly events, mapped to alerts in
 * data/rules/detect.tsv):
 * - smb1_trans2_session_setup: a TRANSACTION2 request with subcommand 0x000e
 *   (TRANS2_SESSION_SETUP, "reserved, not implemented" in MS-CIFS 2.2.6.14):
 *   EternalBlue's exploit and the DoublePulsar backdoor's ping and execute
 *   requests use it; no Windows or Samba client does.
 * - smb1_nt_trans_oversized: an NT_TRANSACT request (MS-CIFS 2.2.4.62.1)
 *   announcing more than 65535 bytes of parameters or data.  EternalBlue sends
 *   an FEA list larger than 64 KiB this way (CVE-2017-0144, MS17-010);
 *   security descriptors and EA lists, the large NT_TRANSACT payloads of
 *   real clients, cannot exceed 64 KiB.
 * - smb1_doublepulsar_reply: a TRANSACTION2 reply whose Multiplex ID is the
 *   one of the last TRANS2_SESSION_SETUP request plus 0x10 - the DoublePulsar
 *   implant answering (0x41 -> 0x51 ping, 0x42 -> 0x52 execute): the server is
 *   already infected.
 * - smb2_compression_overflow: an SMB 3.1.1 compression transform header
 *   (MS-SMB2 2.2.42) whose OriginalCompressedSegmentSize plus Offset
 *   overflows 32 bits, or whose Offset points past the message: the
 *   SMBGhost exploit (CVE-2020-0796).
 * - smb_psexec: one session connects to the ADMIN$ share and opens the
 *   service control manager pipe (svcctl): how PsExec-style tools copy a
 *   program and start it as a service on another computer.
 */
#include "mieruka/proto.h"
#include "mieruka/util.h"

#include <stdio.h>
#include <string.h>

#define NBSS_HEADER 4
#define SMB_WHOLE_MAX 16384     /* messages parsed whole; larger ones are skipped */
#define SMB_MESSAGES_MAX 2000   /* per direction, then the flow is just labelled */
#define SMB2_COMPOUND_MAX 16
#define SMB_SHARES_MAX 8        /* share names reported per flow */
#define SMB_DIALECTS_MAX 16
#define SMB_TEXT_MAX 255
#define SMB_NAME_MAX 64         /* user, domain and host names, in UTF-8 bytes */
#define SMB2_HEADER 64
#define SMB1_HEADER 32
#define SMB_OS_CONFIDENCE 40    /* NativeOS is self-reported and often generic */

/* NetBIOS session service packet types, RFC 1002 4.3.1. */
#define NBSS_MESSAGE 0x00
#define NBSS_REQUEST 0x81
#define NBSS_POSITIVE 0x82
#define NBSS_NEGATIVE 0x83
#define NBSS_RETARGET 0x84
#define NBSS_KEEPALIVE 0x85

#define SMB1_NEGOTIATE 0x72
#define SMB1_SESSION_SETUP 0x73
#define SMB1_TREE_CONNECT 0x75
#define SMB1_TRANSACTION2 0x32
#define SMB1_NT_TRANSACT 0xa0
#define SMB1_NT_CREATE 0xa2
#define SMB1_FLAGS_REPLY 0x80
#define TRANS2_SESSION_SETUP 0x000e
#define DOUBLEPULSAR_MID_DELTA 0x10
#define SMB1_FLAGS2_UNICODE 0x8000

#define SMB2_NEGOTIATE 0x0000
#define SMB2_SESSION_SETUP 0x0001
#define SMB2_TREE_CONNECT 0x0003
#define SMB2_CREATE 0x0005
#define SMB2_READ 0x0008
#define SMB2_WRITE 0x0009
#define SMB2_FLAGS_RESPONSE 0x00000001

struct smb_state {
	uint8_t done[2];
	uint8_t smb1_said;
	uint8_t signing_said;
	uint8_t anon_said;
	uint8_t bad_said;
	uint8_t shares;
	uint8_t n_dialects;
	uint8_t dialects[SMB_DIALECTS_MAX]; /* SMB1 request: index -> known dialect */
	uint16_t messages[2];
	uint32_t skip[2];                   /* bytes of a large message still to skip */
	uint16_t setup_mid;                 /* MID of the last TRANS2_SESSION_SETUP request */
	uint8_t setup_seen;
	uint8_t admin_share, svcctl, psexec_said;
};

static const char *const smb_events[] = {
	"smb1_used",
	"smb_signing_not_required",
	"smb_anonymous_login",
	"smb_bad_netbios",
	"smb_bad_header",
	"smb_bad_ntlmssp",
	"smb1_trans2_session_setup",
	"smb1_nt_trans_oversized",
	"smb1_doublepulsar_reply",
	"smb2_compression_overflow",
	"smb_psexec",
	NULL,
};

/* SMB1 dialect strings (MS-CIFS 1.7, MS-SMB 1.7); index 0 = unknown. */
static const char *const smb1_dialects[] = {
	"unknown", "PC NETWORK PROGRAM 1.0", "MICROSOFT NETWORKS 1.03", "MICROSOFT NETWORKS 3.0",
	"LANMAN1.0", "LM1.2X002", "DOS LANMAN2.1", "LANMAN2.1", "Samba", "NT LANMAN 1.0",
	"NT LM 0.12", "SMB 2.002", "SMB 2.???",
};

/* ---- text helpers ---- */

/* 8-bit text up to a NUL, at most cap-1 bytes. */
static size_t smb_ascii(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	size_t used = 0;

	while (used < n && used + 1 < cap && p[used] != 0) {
		buf[used] = (char)p[used];
		used++;
	}
	return used;
}

static size_t smb_text(const uint8_t *p, size_t n, bool unicode, char *buf, size_t cap)
{
	return unicode ? mk_utf16le_to_utf8(p, n, buf, cap) : smb_ascii(p, n, buf, cap);
}

static void smb_bad(struct smb_state *st, struct mk_emit *out, const char *event)
{
	if (st->bad_said)
		return;
	st->bad_said = 1;
	mk_emit_anomaly(out, event);
}

/* ---- NTLMSSP ---- */

/* A security buffer field: len(2) maxlen(2) offset(4) into msg. */
static bool ntlm_field(struct mk_rd *hdr, const struct mk_rd *msg, const uint8_t **p, size_t *len)
{
	uint16_t l = mk_rd_le16(hdr);
	uint32_t off;

	mk_rd_skip(hdr, 2);
	off = mk_rd_le32(hdr);
	if (!mk_rd_ok(hdr) || off > msg->len || l > msg->len - off)
		return false;
	*p = msg->buf + off;
	*len = l;
	return true;
}

static void ntlm_challenge(const struct mk_rd *msg, struct mk_emit *out, struct smb_state *st)
{
	struct mk_rd hdr = *msg, av;
	const uint8_t *info, *target;
	size_t ilen, tlen;
	const uint8_t *nb = NULL, *dns = NULL, *dom = NULL;
	size_t nbl = 0, dnsl = 0, doml = 0;
	char text[SMB_NAME_MAX];
	size_t n;

	/* sig(8) type(4) TargetName(8) flags(4) challenge(8) reserved(8) TargetInfo(8) */
	mk_rd_skip(&hdr, 12);
	if (!ntlm_field(&hdr, msg, &target, &tlen))
		goto bad;
	mk_rd_skip(&hdr, 4 + 8 + 8);
	if (!ntlm_field(&hdr, msg, &info, &ilen))
		goto bad;
	mk_rd_init(&av, info, ilen);
	for (int i = 0; i < 32 && mk_rd_left(&av) >= 4; i++) {
		uint16_t id = mk_rd_le16(&av);
		uint16_t len = mk_rd_le16(&av);
		const uint8_t *v = mk_rd_ptr(&av, len);

		if (v == NULL)
			goto bad;
		if (id == 0)
			break; /* MsvAvEOL */
		if (id == 1) {
			nb = v;
			nbl = len;
		} else if (id == 2) {
			dom = v;
			doml = len;
		} else if (id == 3) {
			dns = v;
			dnsl = len;
		}
	}
	/* The DNS name is the fuller; the NetBIOS name is what Windows shows. */
	if (dns != NULL && (n = mk_utf16le_to_utf8(dns, dnsl, text, sizeof(text))) > 0)
		mk_emit_name(out, mk_host_rel(MK_HOST_SERVER), text, n);
	if (nb != NULL && (n = mk_utf16le_to_utf8(nb, nbl, text, sizeof(text))) > 0)
		mk_emit_name(out, mk_host_rel(MK_HOST_SERVER), text, n);
	if (dom != NULL && (n = mk_utf16le_to_utf8(dom, doml, text, sizeof(text))) > 0)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "smb_server_domain", text, n);
	return;
bad:
	smb_bad(st, out, "smb_bad_ntlmssp");
}

static void ntlm_authenticate(const struct mk_rd *msg, struct mk_emit *out, struct smb_state *st)
{
	struct mk_rd hdr = *msg;
	const uint8_t *lm, *nt, *dom, *user, *ws, *key;
	size_t lml, ntl, doml, userl, wsl, keyl;
	uint32_t flags;
	bool unicode;
	char text[SMB_NAME_MAX];
	size_t n;

	mk_rd_skip(&hdr, 12);
	if (!ntlm_field(&hdr, msg, &lm, &lml) || !ntlm_field(&hdr, msg, &nt, &ntl) ||
	    !ntlm_field(&hdr, msg, &dom, &doml) || !ntlm_field(&hdr, msg, &user, &userl) ||
	    !ntlm_field(&hdr, msg, &ws, &wsl) || !ntlm_field(&hdr, msg, &key, &keyl)) {
		smb_bad(st, out, "smb_bad_ntlmssp");
		return;
	}
	flags = mk_rd_le32(&hdr);
	unicode = !mk_rd_ok(&hdr) || (flags & 0x00000001u) != 0; /* NTLMSSP_NEGOTIATE_UNICODE */
	mk_emit_operation(out, MK_OP_AUTH, "ntlmssp");
	if ((n = smb_text(user, userl, unicode, text, sizeof(text))) > 0) {
		mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "smb_user", text, n);
	} else if (!st->anon_said) {
		/* MS-NLMP 3.2.5.1.2: an empty user and empty responses is anonymous. */
		st->anon_said = 1;
		mk_emit_anomaly(out, "smb_anonymous_login");
	}
	/* "." is the client's own machine: a local account, no domain. */
	if ((n = smb_text(dom, doml, unicode, text, sizeof(text))) > 0 && !(n == 1 && text[0] == '.'))
		mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "smb_domain", text, n);
	if ((n = smb_text(ws, wsl, unicode, text, sizeof(text))) > 0) {
		mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "smb_workstation", text, n);
		mk_emit_name(out, mk_host_rel(MK_HOST_CLIENT), text, n);
	}
}

/* Finds "NTLMSSP\0" in a security blob (raw or inside SPNEGO) and reads it. */
static void smb_security_blob(const uint8_t *p, size_t len, struct mk_emit *out, struct smb_state *st)
{
	static const uint8_t sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

	for (size_t i = 0; i + 12 <= len; i++) {
		struct mk_rd msg, t;
		uint32_t type;

		if (memcmp(p + i, sig, sizeof(sig)) != 0)
			continue;
		mk_rd_init(&msg, p + i, len - i);
		t = msg;
		mk_rd_skip(&t, 8);
		type = mk_rd_le32(&t);
		if (type == 2)
			ntlm_challenge(&msg, out, st);
		else if (type == 3)
			ntlm_authenticate(&msg, out, st);
		return;
	}
}

/* PsExec-style: the ADMIN$ share and the svcctl pipe on one session. */
static void smb_psexec_check(struct smb_state *st, struct mk_emit *out)
{
	if (st->admin_share && st->svcctl && !st->psexec_said) {
		st->psexec_said = 1;
		mk_emit_anomaly(out, "smb_psexec");
	}
}

/* Does text (n bytes) end with suffix, ignoring ASCII case? */
static bool smb_ends_with(const char *text, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++) {
		char c = text[n - k + i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != suffix[i])
			return false;
	}
	return true;
}

/* A file or pipe opened by name (SMB2 CREATE, SMB1 NT_CREATE_ANDX). */
static void smb_open(struct smb_state *st, const uint8_t *p, size_t len, bool unicode, struct mk_emit *out)
{
	char text[SMB_NAME_MAX];
	size_t n = smb_text(p, len, unicode, text, sizeof(text));

	/* "svcctl" (SMB2, relative to IPC$) or "\svcctl" (SMB1) */
	if (smb_ends_with(text, n, "SVCCTL") && (n == 6 || text[n - 7] == '\\')) {
		st->svcctl = 1;
		smb_psexec_check(st, out);
	}
}

static void smb_share(struct smb_state *st, const uint8_t *p, size_t len, bool unicode, struct mk_emit *out)
{
	char text[SMB_TEXT_MAX + 1];
	size_t n;

	n = smb_text(p, len, unicode, text, sizeof(text));
	if (n == 0)
		return;
	if (smb_ends_with(text, n, "\\ADMIN$")) {
		st->admin_share = 1;
		smb_psexec_check(st, out);
	}
	if (st->shares >= SMB_SHARES_MAX)
		return;
	st->shares++;
	mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "smb_share", text, n);
}

static const char *smb2_dialect_name(uint16_t d)
{
	switch (d) {
	case 0x0202: return "2.0.2";
	case 0x0210: return "2.1";
	case 0x0222: return "2.2.2";
	case 0x0224: return "2.2.4";
	case 0x0300: return "3.0";
	case 0x0302: return "3.0.2";
	case 0x0310: return "3.1";
	case 0x0311: return "3.1.1";
	case 0x02ff: return "2.???";
	default: return NULL;
	}
}

/* ---- SMB1 ---- */

static void smb1_negotiate(struct smb_state *st, struct mk_rd *bytes, bool reply, struct mk_rd *words,
                           struct mk_emit *out)
{
	if (!reply) {
		char list[SMB_TEXT_MAX + 1];
		size_t used = 0;

		st->n_dialects = 0;
		for (int i = 0; i < 32 && mk_rd_left(bytes) >= 2; i++) {
			const uint8_t *s;
			const uint8_t *nul;
			size_t sl;
			uint8_t code = 0;

			if (mk_rd_u8(bytes) != 0x02)
				break; /* buffer format: dialect */
			s = mk_rd_cur(bytes);
			nul = s != NULL ? memchr(s, 0, mk_rd_left(bytes)) : NULL;
			if (nul == NULL)
				break;
			sl = (size_t)(nul - s);
			mk_rd_skip(bytes, sl + 1);
			for (uint8_t k = 1; k < sizeof(smb1_dialects) / sizeof(smb1_dialects[0]); k++)
				if (strlen(smb1_dialects[k]) == sl && memcmp(s, smb1_dialects[k], sl) == 0)
					code = k;
			if (st->n_dialects < SMB_DIALECTS_MAX)
				st->dialects[st->n_dialects++] = code;
			if (used + sl + 2 < sizeof(list)) {
				if (used > 0)
					list[used++] = ',';
				memcpy(list + used, s, sl);
				used += sl;
			}
		}
		if (used > 0)
			mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "smb_dialects", list, used);
		return;
	}
	/* Response: DialectIndex, then (NT LM 0.12) SecurityMode. */
	{
		uint16_t idx = mk_rd_le16(words);
		uint8_t mode = mk_rd_u8(words);
		bool has_mode = mk_rd_ok(words);
		const char *name;

		if (idx == 0xffff || idx >= st->n_dialects)
			return;
		name = smb1_dialects[st->dialects[idx]];
		mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "smb_dialect", name, strlen(name));
		/* MS-CIFS 2.2.4.52.2: bit 0x08 = signatures required. */
		if (has_mode && st->dialects[idx] == 10 && !(mode & 0x08) && !st->signing_said) {
			st->signing_said = 1;
			mk_emit_anomaly(out, "smb_signing_not_required");
		}
	}
}

/* SMB1 strings in the bytes block are 2-aligned from the header start when
 * Unicode; off is the offset of bytes->buf from that start. */
static void smb1_align(struct mk_rd *bytes, size_t off, bool unicode)
{
	if (unicode && ((off + bytes->off) & 1u))
		mk_rd_skip(bytes, 1);
}

static void smb1_string(struct mk_rd *bytes, bool unicode, const uint8_t **p, size_t *len)
{
	const uint8_t *s = mk_rd_cur(bytes);
	size_t left = mk_rd_left(bytes), n = 0;

	*p = s;
	if (s == NULL) {
		*len = 0;
		return;
	}
	if (unicode) {
		while (n + 1 < left && (s[n] != 0 || s[n + 1] != 0))
			n += 2;
		*len = n;
		mk_rd_skip(bytes, n + 2 <= left ? n + 2 : left);
	} else {
		while (n < left && s[n] != 0)
			n++;
		*len = n;
		mk_rd_skip(bytes, n + 1 <= left ? n + 1 : left);
	}
}

/* NativeOS of an SMB1 session setup ("Windows 5.1", "Unix"): an attribute,
 * and an OS hint when it names Windows (Samba says "Unix" whatever it runs). */
static void smb1_native_os(struct mk_rd *bytes, size_t bytes_off, bool unicode, enum mk_host_kind host,
                           struct mk_emit *out)
{
	const uint8_t *s;
	size_t sl, n;
	char text[SMB_NAME_MAX];

	smb1_align(bytes, bytes_off, unicode);
	smb1_string(bytes, unicode, &s, &sl);
	n = smb_text(s, sl, unicode, text, sizeof(text));
	if (n == 0)
		return;
	mk_emit_attr(out, mk_host_rel(host), "smb_native_os", text, n);
	text[n] = '\0';
	if (n >= 7 && memcmp(text, "Windows", 7) == 0)
		mk_emit_os(out, mk_host_rel(host), text, SMB_OS_CONFIDENCE);
}

/* TRANSACTION2 (MS-CIFS 2.2.4.46): the request's first setup word is the
 * subcommand, at word byte 28 (14 + SetupCount words). */
static void smb1_trans2(struct smb_state *st, struct mk_rd *words, bool reply, uint16_t mid,
                        uint32_t status, struct mk_emit *out)
{
	struct mk_rd w = *words;
	uint8_t setup_count;
	uint16_t sub;

	if (reply) {
		/* The implant answers with STATUS_NOT_IMPLEMENTED and MID + 0x10. */
		if (st->setup_seen && status == 0xc0000002u &&
		    mid == (uint16_t)(st->setup_mid + DOUBLEPULSAR_MID_DELTA))
			mk_emit_anomaly(out, "smb1_doublepulsar_reply");
		return;
	}
	mk_rd_skip(&w, 26); /* counts, offsets, flags, timeout */
	setup_count = mk_rd_u8(&w);
	mk_rd_skip(&w, 1);
	sub = mk_rd_le16(&w);
	if (!mk_rd_ok(&w) || setup_count == 0)
		return;
	if (sub == TRANS2_SESSION_SETUP) {
		st->setup_seen = 1;
		st->setup_mid = mid;
		mk_emit_anomaly(out, "smb1_trans2_session_setup");
	}
}

static void smb1_message(struct smb_state *st, struct mk_rd *m, struct mk_emit *out)
{
	uint8_t cmd, flags, wc;
	uint16_t flags2, bc, mid;
	uint32_t status;
	struct mk_rd words, bytes;
	bool reply, unicode;
	size_t bytes_off;

	if (!st->smb1_said) {
		st->smb1_said = 1;
		mk_emit_anomaly(out, "smb1_used");
	}
	mk_rd_skip(m, 4);
	cmd = mk_rd_u8(m);
	status = mk_rd_le32(m);
	flags = mk_rd_u8(m);
	flags2 = mk_rd_le16(m);
	mk_rd_skip(m, 2 + 8 + 2 + 2 + 2 + 2); /* PIDHigh, signature, reserved, TID, PID, UID */
	mid = mk_rd_le16(m);
	wc = mk_rd_u8(m);
	if (!mk_rd_sub(m, (size_t)wc * 2, &words))
		return;
	bc = mk_rd_le16(m);
	bytes_off = m->off;
	if (!mk_rd_ok(m) || !mk_rd_sub(m, bc, &bytes)) {
		/* Some replies (errors) carry no ByteCount room: nothing to read. */
		mk_rd_init(&bytes, NULL, 0);
	}
	reply = (flags & SMB1_FLAGS_REPLY) != 0;
	unicode = (flags2 & SMB1_FLAGS2_UNICODE) != 0;
	switch (cmd) {
	case SMB1_NEGOTIATE:
		smb1_negotiate(st, &bytes, reply, &words, out);
		break;
	case SMB1_SESSION_SETUP:
		if (reply) {
			/* MS-SMB 2.2.4.6.2 (wc 4, with a security blob) or MS-CIFS
			 * 2.2.4.53.2 (wc 3): then NativeOS. */
			if (wc == 4) {
				uint16_t blen;
				const uint8_t *blob;

				mk_rd_skip(&words, 6);
				blen = mk_rd_le16(&words);
				blob = mk_rd_ptr(&bytes, blen);
				if (blob == NULL)
					break;
				smb_security_blob(blob, blen, out, st);
			} else if (wc != 3) {
				break;
			}
			smb1_native_os(&bytes, bytes_off, unicode, MK_HOST_SERVER, out);
			break;
		}
		if (wc == 12) {
			/* Extended security: SecurityBlobLength at word byte 14. */
			uint16_t blen;
			const uint8_t *blob;

			mk_rd_skip(&words, 14);
			blen = mk_rd_le16(&words);
			blob = mk_rd_ptr(&bytes, blen);
			if (blob == NULL)
				break;
			smb_security_blob(blob, blen, out, st);
			smb1_native_os(&bytes, bytes_off, unicode, MK_HOST_CLIENT, out);
		} else if (wc == 13) {
			/* OEM and Unicode password lengths, then AccountName and
			 * PrimaryDomain in the bytes block. */
			uint16_t oem, uni;
			const uint8_t *s;
			size_t sl;
			char text[SMB_NAME_MAX];
			size_t n;

			mk_rd_skip(&words, 14);
			oem = mk_rd_le16(&words);
			uni = mk_rd_le16(&words);
			if (!mk_rd_skip(&bytes, (size_t)oem + uni))
				break;
			smb1_align(&bytes, bytes_off, unicode);
			smb1_string(&bytes, unicode, &s, &sl);
			mk_emit_operation(out, MK_OP_AUTH, "session_setup");
			if ((n = smb_text(s, sl, unicode, text, sizeof(text))) > 0)
				mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "smb_user", text, n);
			smb1_align(&bytes, bytes_off, unicode);
			smb1_string(&bytes, unicode, &s, &sl);
			if ((n = smb_text(s, sl, unicode, text, sizeof(text))) > 0)
				mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "smb_domain", text, n);
			smb1_native_os(&bytes, bytes_off, unicode, MK_HOST_CLIENT, out);
		}
		break;
	case SMB1_TRANSACTION2:
		smb1_trans2(st, &words, reply, mid, status, out);
		break;
	case SMB1_NT_TRANSACT:
		if (!reply && wc >= 19) {
			uint32_t tparam, tdata;

			mk_rd_skip(&words, 3); /* MaxSetupCount, Reserved1 */
			tparam = mk_rd_le32(&words);
			tdata = mk_rd_le32(&words);
			if (mk_rd_ok(&words) && (tparam > 0xffff || tdata > 0xffff))
				mk_emit_anomaly(out, "smb1_nt_trans_oversized");
		}
		break;
	case SMB1_NT_CREATE:
		if (!reply && wc == 24) {
			uint16_t nlen;
			const uint8_t *s;
			size_t sl;

			mk_rd_skip(&words, 5);
			nlen = mk_rd_le16(&words);
			if (!mk_rd_ok(&words))
				break;
			smb1_align(&bytes, bytes_off, unicode);
			s = mk_rd_cur(&bytes);
			sl = mk_rd_left(&bytes);
			if (s != NULL && nlen <= sl)
				smb_open(st, s, nlen, unicode, out);
		}
		break;
	case SMB1_TREE_CONNECT:
		if (!reply && wc == 4) {
			uint16_t plen;
			const uint8_t *s;
			size_t sl;

			mk_rd_skip(&words, 6);
			plen = mk_rd_le16(&words);
			if (!mk_rd_skip(&bytes, plen))
				break;
			smb1_align(&bytes, bytes_off, unicode);
			smb1_string(&bytes, unicode, &s, &sl);
			smb_share(st, s, sl, unicode, out);
		}
		break;
	default:
		break;
	}
}

/* ---- SMB2 ---- */

static void smb2_one(struct smb_state *st, const struct mk_rd *msg, struct mk_emit *out)
{
	struct mk_rd h = *msg, body;
	uint16_t cmd;
	uint32_t flags;
	bool resp;

	mk_rd_skip(&h, 12);
	cmd = mk_rd_le16(&h);
	mk_rd_skip(&h, 2);
	flags = mk_rd_le32(&h);
	resp = (flags & SMB2_FLAGS_RESPONSE) != 0;
	body = *msg;
	if (!mk_rd_skip(&body, SMB2_HEADER))
		return;
	switch (cmd) {
	case SMB2_NEGOTIATE:
		if (!resp) {
			uint16_t count;
			char list[SMB_TEXT_MAX + 1];
			size_t used = 0;

			mk_rd_skip(&body, 2);
			count = mk_rd_le16(&body);
			mk_rd_skip(&body, 2 + 2 + 4 + 16 + 8);
			for (unsigned i = 0; i < count && i < 32 && mk_rd_has(&body, 2); i++) {
				const char *name = smb2_dialect_name(mk_rd_le16(&body));
				int n;

				if (name == NULL)
					continue;
				n = snprintf(list + used, sizeof(list) - used, "%s%s", used > 0 ? "," : "", name);
				if (n > 0 && (size_t)n < sizeof(list) - used)
					used += (size_t)n;
			}
			if (used > 0)
				mk_emit_attr(out, mk_host_rel(MK_HOST_CLIENT), "smb_dialects", list, used);
		} else {
			uint16_t mode, dialect;
			const char *name;

			mk_rd_skip(&body, 2);
			mode = mk_rd_le16(&body);
			dialect = mk_rd_le16(&body);
			if (!mk_rd_ok(&body))
				return;
			name = smb2_dialect_name(dialect);
			if (name != NULL && dialect != 0x02ff)
				mk_emit_attr(out, mk_host_rel(MK_HOST_SERVER), "smb_dialect", name, strlen(name));
			/* MS-SMB2 2.2.4: SMB2_NEGOTIATE_SIGNING_REQUIRED = 0x0002. */
			if (!(mode & 0x0002) && !st->signing_said) {
				st->signing_said = 1;
				mk_emit_anomaly(out, "smb_signing_not_required");
			}
		}
		break;
	case SMB2_SESSION_SETUP: {
		/* Both ways carry a security buffer: request AUTHENTICATE, response
		 * CHALLENGE.  Request: offset at 12, response: at 4. */
		uint16_t off, len;

		mk_rd_skip(&body, resp ? 4 : 12);
		off = mk_rd_le16(&body);
		len = mk_rd_le16(&body);
		if (mk_rd_ok(&body) && off >= SMB2_HEADER && off <= msg->len && len <= msg->len - off)
			smb_security_blob(msg->buf + off, len, out, st);
		break;
	}
	case SMB2_TREE_CONNECT:
		if (!resp) {
			uint16_t off, len;

			mk_rd_skip(&body, 4);
			off = mk_rd_le16(&body);
			len = mk_rd_le16(&body);
			if (mk_rd_ok(&body) && off >= SMB2_HEADER && off <= msg->len && len <= msg->len - off)
				smb_share(st, msg->buf + off, len, true, out);
		}
		break;
	case SMB2_CREATE:
		if (!resp) {
			/* MS-SMB2 2.2.13: NameOffset and NameLength at body byte 44 */
			uint16_t off, len;

			mk_rd_skip(&body, 44);
			off = mk_rd_le16(&body);
			len = mk_rd_le16(&body);
			if (mk_rd_ok(&body) && off >= SMB2_HEADER && off <= msg->len && len <= msg->len - off)
				smb_open(st, msg->buf + off, len, true, out);
		}
		break;
	case SMB2_READ:
		if (!resp)
			mk_emit_operation(out, MK_OP_READ, "read");
		break;
	case SMB2_WRITE:
		if (!resp)
			mk_emit_operation(out, MK_OP_WRITE, "write");
		break;
	default:
		break;
	}
}

/* A whole SMB2 message, possibly compound (MS-SMB2 3.2.4.1.4). */
static void smb2_message(struct smb_state *st, struct mk_rd *m, struct mk_emit *out)
{
	for (int i = 0; i < SMB2_COMPOUND_MAX && mk_rd_left(m) >= SMB2_HEADER; i++) {
		uint32_t next = 0;
		struct mk_rd one;
		size_t len;

		mk_rd_peek_be32(m, 20, &next);
		next = ((next & 0xffu) << 24) | ((next & 0xff00u) << 8) | ((next >> 8) & 0xff00u) | (next >> 24);
		len = next != 0 ? next : mk_rd_left(m);
		if (len < SMB2_HEADER || len > mk_rd_left(m)) {
			smb_bad(st, out, "smb_bad_header");
			return;
		}
		mk_rd_sub(m, len, &one);
		smb2_one(st, &one, out);
		if (next == 0)
			return;
	}
}

/* ---- SMB 3.1.1 compression ---- */

/* MS-SMB2 2.2.42 SMB2 COMPRESSION_TRANSFORM_HEADER: ProtocolId 0xFC 'SMB',
 * OriginalCompressedSegmentSize, CompressionAlgorithm, Flags, Offset (or
 * Length when chained).  m holds at least the 16-byte header; len is the
 * whole message's length.  CVE-2020-0796 (SMBGhost): the server added size
 * and offset in 32 bits to size its buffer. */
static void smb2_compressed(const struct mk_rd *m, size_t len, struct mk_emit *out)
{
	struct mk_rd h = *m;
	uint32_t size, offset;
	uint16_t flags;

	mk_rd_skip(&h, 4);
	size = mk_rd_le32(&h);
	mk_rd_skip(&h, 2); /* CompressionAlgorithm */
	flags = mk_rd_le16(&h);
	offset = mk_rd_le32(&h);
	if (!mk_rd_ok(&h))
		return;
	if ((uint64_t)size + offset > 0xffffffffu || (!(flags & 1u) && offset > len - 16))
		mk_emit_anomaly(out, "smb2_compression_overflow");
}

/* ---- framing ---- */

static void smb_session_request(struct mk_rd *m, struct mk_emit *out)
{
	/* Called then calling name, each first-level encoded (RFC 1001 14.1):
	 * length 32, 32 letters 'A'+nibble, then a zero label. */
	char name[16];
	size_t n = 0;
	const uint8_t *enc;

	for (int which = 0; which < 2; which++) {
		if (mk_rd_u8(m) != 32 || (enc = mk_rd_ptr(m, 32)) == NULL)
			return;
		mk_rd_skip(m, 1);
		if (which == 0)
			continue;
		for (int i = 0; i < 15; i++) {
			unsigned hi = (unsigned)enc[2 * i] - 'A', lo = (unsigned)enc[2 * i + 1] - 'A';

			if (hi > 15 || lo > 15)
				return;
			name[i] = (char)((hi << 4) | lo);
		}
		n = 15;
		while (n > 0 && name[n - 1] == ' ')
			n--;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)name[i] < 0x21 || (unsigned char)name[i] > 0x7e)
				return;
		if (n > 0 && name[0] != '*')
			mk_emit_name(out, mk_host_rel(MK_HOST_CLIENT), name, n);
	}
}

static int smb_probe(struct mk_rd *rd, enum mk_dir dir)
{
	uint8_t type = 0, b1 = 0, p0 = 0;
	uint32_t proto = 0;
	uint16_t len16 = 0;

	(void)dir;
	if (!mk_rd_peek_u8(rd, 0, &type))
		return MK_PROBE_NO;
	if (type != NBSS_MESSAGE && type != NBSS_REQUEST)
		return MK_PROBE_NO;
	if (!mk_rd_peek_u8(rd, 1, &b1) || !mk_rd_peek_be16(rd, 2, &len16))
		return MK_PROBE_MAYBE;
	if (b1 & 0xfe)
		return MK_PROBE_NO;
	if (type == NBSS_REQUEST)
		return len16 == 68 ? MK_PROBE_SURE : MK_PROBE_NO;
	if (!mk_rd_peek_u8(rd, 4, &p0))
		return MK_PROBE_MAYBE;
	if (p0 != 0xff && p0 != 0xfe && p0 != 0xfd && p0 != 0xfc)
		return MK_PROBE_NO;
	if (!mk_rd_peek_be32(rd, 4, &proto))
		return MK_PROBE_MAYBE;
	if (proto != 0xff534d42 && proto != 0xfe534d42 && proto != 0xfd534d42 &&
	    proto != 0xfc534d42) /* "\xffSMB" etc. */
		return MK_PROBE_NO;
	return MK_PROBE_SURE;
}

static enum mk_verdict smb_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	struct smb_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;

	*consumed = 0;
	for (;;) {
		size_t left = mk_rd_left(rd);
		uint8_t type = 0, b1 = 0;
		uint16_t l16 = 0;
		size_t len;
		struct mk_rd m;
		uint32_t proto = 0;

		if (st->done[d]) {
			*consumed += left;
			mk_rd_skip(rd, left);
			return MK_V_OK;
		}
		if (st->skip[d] > 0) {
			size_t n = st->skip[d] < left ? st->skip[d] : left;

			st->skip[d] -= (uint32_t)n;
			mk_rd_skip(rd, n);
			*consumed += n;
			if (st->skip[d] > 0)
				return MK_V_OK;
			continue;
		}
		if (left == 0)
			return MK_V_OK;
		if (left < NBSS_HEADER)
			return MK_V_NEED;
		mk_rd_peek_u8(rd, 0, &type);
		mk_rd_peek_u8(rd, 1, &b1);
		mk_rd_peek_be16(rd, 2, &l16);
		len = ((size_t)(b1 & 1u) << 16) | l16;
		if ((b1 & 0xfe) != 0 || (type != NBSS_MESSAGE && type != NBSS_REQUEST && type != NBSS_POSITIVE &&
		                         type != NBSS_NEGATIVE && type != NBSS_RETARGET && type != NBSS_KEEPALIVE)) {
			smb_bad(st, out, "smb_bad_netbios");
			st->done[d] = 1;
			continue;
		}
		if (++st->messages[d] > SMB_MESSAGES_MAX) {
			st->done[d] = 1;
			continue;
		}
		if (len > SMB_WHOLE_MAX) {
			/* A bulk read or write: look at its header only, skip the rest. */
			if (left < NBSS_HEADER + SMB2_HEADER) {
				st->messages[d]--;
				return MK_V_NEED;
			}
			mk_rd_skip(rd, NBSS_HEADER);
			mk_rd_sub(rd, SMB2_HEADER, &m);
			mk_rd_peek_be32(&m, 0, &proto);
			if (type == NBSS_MESSAGE && proto == 0xfe534d42)
				smb2_one(st, &m, out);
			else if (type == NBSS_MESSAGE && proto == 0xfc534d42)
				smb2_compressed(&m, len, out);
			*consumed += NBSS_HEADER + SMB2_HEADER;
			st->skip[d] = (uint32_t)(len - SMB2_HEADER);
			continue;
		}
		if (left < NBSS_HEADER + len) {
			st->messages[d]--;
			return MK_V_NEED;
		}
		mk_rd_skip(rd, NBSS_HEADER);
		mk_rd_sub(rd, len, &m);
		*consumed += NBSS_HEADER + len;
		if (type == NBSS_REQUEST) {
			smb_session_request(&m, out);
			continue;
		}
		if (type != NBSS_MESSAGE || len == 0)
			continue;
		if (!mk_rd_peek_be32(&m, 0, &proto)) {
			smb_bad(st, out, "smb_bad_header");
			continue;
		}
		if (proto == 0xff534d42 && len >= SMB1_HEADER + 3) {
			smb1_message(st, &m, out);
		} else if (proto == 0xfe534d42 && len >= SMB2_HEADER) {
			smb2_message(st, &m, out);
		} else if (proto == 0xfd534d42) {
			/* SMB3 transform header: encrypted from here on. */
			st->done[0] = st->done[1] = 1;
		} else if (proto == 0xfc534d42) {
			if (len >= 16)
				smb2_compressed(&m, len, out);
		} else {
			smb_bad(st, out, "smb_bad_header");
		}
	}
}

const struct mk_proto mk_proto_smb = {
	.abi = MK_PROTO_ABI,
	.name = "smb",
	.id = MK_PROTO_SMB,
	.transports = MK_TRANSPORT_TCP,
	.state_size = sizeof(struct smb_state),
	.max_buffer = NBSS_HEADER + SMB_WHOLE_MAX,
	.probe = smb_probe,
	.parse = smb_parse,
	.events = smb_events,
};

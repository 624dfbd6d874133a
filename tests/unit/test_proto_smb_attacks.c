/* test_proto_smb_attacks.c - the attack patterns of the SMB parser
 * (src/proto/smb/smb.c): EternalBlue's TRANS2_SESSION_SETUP and oversized NT
 * Trans, DoublePulsar's MID + 0x10 replies, SMBGhost's compression transform
 * header, and PsExec-style ADMIN$ + svcctl; and the look-alikes that must stay
 * quiet.  Messages are built field by field to MS-CIFS 2.2.3.1 (SMB1 header),
 * 2.2.4.46 (TRANSACTION2), 2.2.4.62 (NT_TRANSACT), 2.2.4.55 (TREE_CONNECT_ANDX),
 * 2.2.4.64 (NT_CREATE_ANDX) and MS-SMB2 2.2.1 (header), 2.2.9 (TREE_CONNECT),
 * 2.2.13 (CREATE), 2.2.42 (COMPRESSION_TRANSFORM_HEADER); the real WannaCry
 * capture is checked end to end by tests/integration/test_netwatch_alerts.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/fact_recorder.h"

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_smb;
#define P (&mk_proto_smb)
#include "support/pieces.h"

struct msg {
	uint8_t b[512];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void u8(struct msg *m, uint8_t v)
{
	put(m, &v, 1);
}

static void le16(struct msg *m, uint16_t v)
{
	u8(m, (uint8_t)v);
	u8(m, (uint8_t)(v >> 8));
}

static void le32(struct msg *m, uint32_t v)
{
	le16(m, (uint16_t)v);
	le16(m, (uint16_t)(v >> 16));
}

/* NBSS session message around the body built so far (from byte 4 on). */
static void nbss_begin(struct msg *m)
{
	m->n = 4;
}

static void nbss_end(struct msg *m)
{
	size_t len = m->n - 4;

	m->b[0] = 0;
	m->b[1] = (uint8_t)(len >> 16);
	m->b[2] = (uint8_t)(len >> 8);
	m->b[3] = (uint8_t)len;
}

/* SMB1 header: command, status, flags (0x80 = reply), MID; no Unicode. */
static void smb1_header(struct msg *m, uint8_t cmd, uint32_t status, uint8_t flags, uint16_t mid)
{
	static const uint8_t proto[4] = {0xff, 'S', 'M', 'B'};
	static const uint8_t zero[8];

	put(m, proto, 4);
	u8(m, cmd);
	le32(m, status);
	u8(m, flags);
	le16(m, 0x0001); /* Flags2: long names, no Unicode */
	le16(m, 0);      /* PIDHigh */
	put(m, zero, 8); /* SecurityFeatures */
	le16(m, 0);      /* Reserved */
	le16(m, 0x0800); /* TID */
	le16(m, 0xfeff); /* PIDLow */
	le16(m, 0x0008); /* UID */
	le16(m, mid);
}

/* TRANSACTION2 request with one setup word (the subcommand), 12 parameter bytes. */
static void trans2_request(struct msg *m, uint16_t mid, uint16_t sub)
{
	static const uint8_t params[12];

	nbss_begin(m);
	smb1_header(m, 0x32, 0, 0x18, mid);
	u8(m, 15);           /* WordCount 14 + SetupCount 1 */
	le16(m, 12);         /* TotalParameterCount */
	le16(m, 0);          /* TotalDataCount */
	le16(m, 1);          /* MaxParameterCount */
	le16(m, 0);          /* MaxDataCount */
	u8(m, 0);            /* MaxSetupCount */
	u8(m, 0);            /* Reserved1 */
	le16(m, 0);          /* Flags */
	le32(m, 0x001a8925); /* Timeout */
	le16(m, 0);          /* Reserved2 */
	le16(m, 12);         /* ParameterCount */
	le16(m, 66);         /* ParameterOffset */
	le16(m, 0);          /* DataCount */
	le16(m, 78);         /* DataOffset */
	u8(m, 1);            /* SetupCount */
	u8(m, 0);            /* Reserved3 */
	le16(m, sub);        /* Setup[0]: the subcommand */
	le16(m, 13);         /* ByteCount */
	u8(m, 0);            /* pad */
	put(m, params, 12);
	nbss_end(m);
}

/* TRANSACTION2 error reply: WordCount 0, ByteCount 0. */
static void trans2_reply(struct msg *m, uint16_t mid, uint32_t status)
{
	nbss_begin(m);
	smb1_header(m, 0x32, status, 0x98, mid);
	u8(m, 0);
	le16(m, 0);
	nbss_end(m);
}

/* NT_TRANSACT request announcing tdata bytes of data (function 0, as EternalBlue). */
static void nt_trans_request(struct msg *m, uint32_t tdata)
{
	nbss_begin(m);
	smb1_header(m, 0xa0, 0, 0x18, 0x42);
	u8(m, 20);      /* WordCount 19 + SetupCount 1 */
	u8(m, 1);       /* MaxSetupCount */
	le16(m, 0);     /* Reserved1 */
	le32(m, 30);    /* TotalParameterCount */
	le32(m, tdata); /* TotalDataCount */
	le32(m, 30);    /* MaxParameterCount */
	le32(m, 0);     /* MaxDataCount */
	le32(m, 30);    /* ParameterCount */
	le32(m, 84);    /* ParameterOffset */
	le32(m, 0);     /* DataCount */
	le32(m, 114);   /* DataOffset */
	u8(m, 1);       /* SetupCount */
	le16(m, 0);     /* Function */
	le16(m, 0);     /* Setup[0] */
	le16(m, 0);     /* ByteCount */
	nbss_end(m);
}

/* SMB1 TREE_CONNECT_ANDX request for path (ASCII). */
static void smb1_tree_connect(struct msg *m, const char *path)
{
	nbss_begin(m);
	smb1_header(m, 0x75, 0, 0x18, 5);
	u8(m, 4);
	u8(m, 0xff); /* no AndX */
	u8(m, 0);
	le16(m, 0);
	le16(m, 0); /* Flags */
	le16(m, 1); /* PasswordLength */
	le16(m, (uint16_t)(1 + strlen(path) + 1 + 6));
	u8(m, 0); /* password */
	put(m, path, strlen(path) + 1);
	put(m, "?????", 6); /* Service */
	nbss_end(m);
}

/* SMB1 NT_CREATE_ANDX request for name (ASCII). */
static void smb1_nt_create(struct msg *m, const char *name)
{
	static const uint8_t zero[8];

	nbss_begin(m);
	smb1_header(m, 0xa2, 0, 0x18, 6);
	u8(m, 24);
	u8(m, 0xff); /* no AndX */
	u8(m, 0);
	le16(m, 0);
	u8(m, 0); /* Reserved */
	le16(m, (uint16_t)strlen(name));
	le32(m, 0);          /* Flags */
	le32(m, 0);          /* RootDirectoryFID */
	le32(m, 0x0002019f); /* DesiredAccess */
	put(m, zero, 8);     /* AllocationSize */
	le32(m, 0);          /* ExtFileAttributes */
	le32(m, 3);          /* ShareAccess */
	le32(m, 1);          /* CreateDisposition: open */
	le32(m, 0);          /* CreateOptions */
	le32(m, 2);          /* ImpersonationLevel */
	u8(m, 0);            /* SecurityFlags */
	le16(m, (uint16_t)(strlen(name) + 1));
	put(m, name, strlen(name) + 1);
	nbss_end(m);
}

static void smb2_header(struct msg *m, uint16_t cmd, uint64_t mid)
{
	static const uint8_t proto[4] = {0xfe, 'S', 'M', 'B'};
	static const uint8_t zero[16];

	put(m, proto, 4);
	le16(m, 64);
	le16(m, 0);
	le32(m, 0);
	le16(m, cmd);
	le16(m, 1);
	le32(m, 0); /* Flags: request */
	le32(m, 0); /* NextCommand */
	le32(m, (uint32_t)mid);
	le32(m, 0);
	le32(m, 0);       /* Reserved */
	le32(m, 1);       /* TreeId */
	put(m, zero, 8);  /* SessionId */
	put(m, zero, 16); /* Signature */
}

static void utf16(struct msg *m, const char *s)
{
	for (; *s != '\0'; s++)
		le16(m, (uint8_t)*s);
}

static void smb2_tree_connect(struct msg *m, const char *path)
{
	nbss_begin(m);
	smb2_header(m, 3, 1);
	le16(m, 9);
	le16(m, 0);
	le16(m, 64 + 8);
	le16(m, (uint16_t)(2 * strlen(path)));
	utf16(m, path);
	nbss_end(m);
}

static void smb2_create(struct msg *m, const char *name)
{
	static const uint8_t zero[16];

	nbss_begin(m);
	smb2_header(m, 5, 2);
	le16(m, 57);
	u8(m, 0);
	u8(m, 0);
	le32(m, 2);          /* ImpersonationLevel */
	put(m, zero, 16);    /* SmbCreateFlags, Reserved */
	le32(m, 0x0012019f); /* DesiredAccess */
	le32(m, 0);
	le32(m, 7);
	le32(m, 1);
	le32(m, 0);
	le16(m, 64 + 56); /* NameOffset */
	le16(m, (uint16_t)(2 * strlen(name)));
	le32(m, 0);
	le32(m, 0);
	utf16(m, name);
	nbss_end(m);
}

static void compression(struct msg *m, uint32_t size, uint16_t flags, uint32_t offset, size_t data)
{
	static const uint8_t proto[4] = {0xfc, 'S', 'M', 'B'};

	nbss_begin(m);
	put(m, proto, 4);
	le32(m, size);
	le16(m, 1); /* LZNT1 */
	le16(m, flags);
	le32(m, offset);
	for (size_t i = 0; i < data; i++)
		u8(m, 0x33);
	nbss_end(m);
}

/* ---- EternalBlue and DoublePulsar ---- */

static void test_trans2_session_setup(void **unused)
{
	static struct msg m;
	static const char *const exp[] = {"anomaly smb1_used", "anomaly smb1_trans2_session_setup",
	                                  NULL};
	static const char *const quiet[] = {"anomaly smb1_used", NULL};

	(void)unused;
	trans2_request(&m, 0x41, 0x000e);
	check_msg(m.b, m.n, MK_DIR_TO_SERVER, exp);
	/* TRANS2_FIND_FIRST2 (0x0001), what Windows sends every day */
	trans2_request(&m, 0x41, 0x0001);
	check_msg(m.b, m.n, MK_DIR_TO_SERVER, quiet);
}

static void test_nt_trans_oversized(void **unused)
{
	static struct msg m;
	static const char *const exp[] = {"anomaly smb1_used", "anomaly smb1_nt_trans_oversized",
	                                  NULL};
	static const char *const quiet[] = {"anomaly smb1_used", NULL};

	(void)unused;
	nt_trans_request(&m, 66512); /* WannaCry's 0x103d0 */
	check_msg(m.b, m.n, MK_DIR_TO_SERVER, exp);
	nt_trans_request(&m, 65536);
	check_msg(m.b, m.n, MK_DIR_TO_SERVER, exp);
	nt_trans_request(&m, 65535);
	check_msg(m.b, m.n, MK_DIR_TO_SERVER, quiet);
	nt_trans_request(&m, 4096);
	check_msg(m.b, m.n, MK_DIR_TO_SERVER, quiet);
}

/* Request and reply through one state, the way a flow sees them. */
static void session(uint16_t req_mid, uint16_t req_sub, uint16_t reply_mid, uint32_t status,
                    const char *const *exp)
{
	static struct msg req, rep;
	static struct rec r;
	struct piece pc[2] = {{MK_DIR_TO_SERVER, NULL, 0}, {MK_DIR_TO_CLIENT, NULL, 0}};

	trans2_request(&req, req_mid, req_sub);
	trans2_reply(&rep, reply_mid, status);
	pc[0].p = req.b;
	pc[0].n = req.n;
	pc[1].p = rep.b;
	pc[1].n = rep.n;
	memset(&r, 0, sizeof(r));
	run_pieces(pc, 2, &r);
	rec_expect(&r, exp);
}

static void test_doublepulsar(void **unused)
{
	static const char *const ping[] = {"anomaly smb1_used", "anomaly smb1_trans2_session_setup",
	                                   "anomaly smb1_doublepulsar_reply", NULL};
	static const char *const clean[] = {"anomaly smb1_used",
	                                    "anomaly smb1_trans2_session_setup", NULL};
	static const char *const normal[] = {"anomaly smb1_used", NULL};
	static struct msg rep;

	(void)unused;
	/* ping 0x41 -> 0x51 and execute 0x42 -> 0x52: the implant answers */
	session(0x41, 0x000e, 0x51, 0xc0000002u, ping);
	session(0x42, 0x000e, 0x52, 0xc0000002u, ping);
	/* an unpatched but clean server echoes the MID */
	session(0x41, 0x000e, 0x41, 0xc0000002u, clean);
	/* MID + 0x10 with another status, or after an ordinary TRANS2: nothing */
	session(0x41, 0x000e, 0x51, 0, clean);
	session(0x41, 0x0001, 0x51, 0xc0000002u, normal);
	/* a reply alone (its request not seen) says nothing */
	trans2_reply(&rep, 0x51, 0xc0000002u);
	check_msg(rep.b, rep.n, MK_DIR_TO_CLIENT, normal);
}

/* ---- SMBGhost ---- */

static void test_compression(void **unused)
{
	static struct msg m;
	static const char *const exp[] = {"anomaly smb2_compression_overflow", NULL};
	static const char *const quiet[] = {NULL};

	(void)unused;
	compression(&m, 0xffffffffu, 0, 16, 48); /* size + offset overflows */
	check_msg(m.b, m.n, MK_DIR_TO_SERVER, exp);
	compression(&m, 4096, 0, 200, 32); /* offset past the message */
	check_msg(m.b, m.n, MK_DIR_TO_SERVER, exp);
	compression(&m, 4096, 0, 0, 32); /* a normal compressed message */
	check_msg(m.b, m.n, MK_DIR_TO_SERVER, quiet);
	compression(&m, 4096, 0, 32, 32); /* uncompressed prefix of 32 bytes */
	check_msg(m.b, m.n, MK_DIR_TO_SERVER, quiet);
	compression(&m, 4096, 1, 400, 32); /* chained: the field is a length */
	check_msg(m.b, m.n, MK_DIR_TO_SERVER, quiet);
}

/* ---- PsExec ---- */

static void run_msgs(const struct msg *a, const struct msg *b, struct rec *r)
{
	struct piece pc[2] = {{MK_DIR_TO_SERVER, a->b, a->n}, {MK_DIR_TO_SERVER, b->b, b->n}};

	memset(r, 0, sizeof(*r));
	run_pieces(pc, 2, r);
}

static void test_psexec(void **unused)
{
	static struct msg tree, admin, pipe, file;
	static struct rec r;

	(void)unused;
	smb2_tree_connect(&admin, "\\\\10.1.0.20\\ADMIN$");
	smb2_create(&pipe, "svcctl");
	smb2_tree_connect(&tree, "\\\\10.1.0.20\\share");
	smb2_create(&file, "svcctl.txt");
	run_msgs(&admin, &pipe, &r);
	assert_true(rec_has(&r, "attr server smb_share=\\\\10.1.0.20\\ADMIN$"));
	assert_true(rec_has(&r, "anomaly smb_psexec"));
	run_msgs(&pipe, &admin, &r); /* either order */
	assert_true(rec_has(&r, "anomaly smb_psexec"));
	run_msgs(&tree, &pipe, &r); /* svcctl without ADMIN$: a remote service query */
	assert_false(rec_has(&r, "anomaly smb_psexec"));
	run_msgs(&admin, &file, &r); /* a file that only starts like the pipe */
	assert_false(rec_has(&r, "anomaly smb_psexec"));
	/* SMB1: TREE_CONNECT_ANDX and NT_CREATE_ANDX "\svcctl", lower case share */
	smb1_tree_connect(&admin, "\\\\HOST\\admin$");
	smb1_nt_create(&pipe, "\\svcctl");
	run_msgs(&admin, &pipe, &r);
	assert_true(rec_has(&r, "anomaly smb_psexec"));
	/* said once per session */
	{
		struct piece pc[3] = {{MK_DIR_TO_SERVER, admin.b, admin.n},
		                      {MK_DIR_TO_SERVER, pipe.b, pipe.n},
		                      {MK_DIR_TO_SERVER, pipe.b, pipe.n}};
		int n = 0;

		memset(&r, 0, sizeof(r));
		run_pieces(pc, 3, &r);
		for (int i = 0; i < r.n; i++)
			n += strcmp(r.line[i], "anomaly smb_psexec") == 0;
		assert_int_equal(n, 1);
	}
	/* every cut of each message: never a crash, never a wrong fact */
	{
		static const char *const exp_pipe[] = {"anomaly smb1_used", NULL};

		check_msg(pipe.b, pipe.n, MK_DIR_TO_SERVER, exp_pipe);
	}
}

static void test_probe_compression(void **unused)
{
	static struct msg m;
	struct mk_rd rd;

	(void)unused;
	compression(&m, 4096, 0, 0, 32);
	mk_rd_init(&rd, m.b, m.n);
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trans2_session_setup),
	    cmocka_unit_test(test_nt_trans_oversized),
	    cmocka_unit_test(test_doublepulsar),
	    cmocka_unit_test(test_compression),
	    cmocka_unit_test(test_psexec),
	    cmocka_unit_test(test_probe_compression),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

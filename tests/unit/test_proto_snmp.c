/* test_proto_snmp.c - unit tests of the SNMP parser.
 * Datagrams are copied from real captures under ../shared/captures/office
 * (file and frame at each vector), annotated TLV by TLV. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_snmp;

#include "support/sim_harness.h"

/* Byte strings as literals: the trailing NUL is not part of the datagram. */
#define V(lit) ((const uint8_t *)(lit)), (sizeof(lit) - 1)

/* snmp__snmpv1_get.pcap frame 1: 172.31.19.54 asks for sysObjectID.0. */
static const char v1_get[] =
	"\x30\x26"                         /* SEQUENCE, 38 bytes */
	"\x02\x01\x00"                     /* version: 0 = SNMPv1 */
	"\x04\x06" "public"                /* community */
	"\xa0\x19"                         /* GetRequest-PDU, 25 bytes */
	"\x02\x01\x26"                     /* request-id 38 */
	"\x02\x01\x00"                     /* error-status 0 */
	"\x02\x01\x00"                     /* error-index 0 */
	"\x30\x0e"                         /* variable-bindings */
	"\x30\x0c"                         /* VarBind */
	"\x06\x08\x2b\x06\x01\x02\x01\x01\x02\x00" /* 1.3.6.1.2.1.1.2.0 sysObjectID */
	"\x05\x00";                        /* NULL */

/* snmp__snmpv1_get.pcap frame 2: the agent 172.31.19.73 answers. */
static const char v1_objid_resp[] =
	"\x30\x38"
	"\x02\x01\x00"                     /* SNMPv1 */
	"\x04\x06" "public"
	"\xa2\x2b"                         /* GetResponse-PDU */
	"\x02\x01\x26" "\x02\x01\x00" "\x02\x01\x00"
	"\x30\x20" "\x30\x1e"
	"\x06\x08\x2b\x06\x01\x02\x01\x01\x02\x00" /* sysObjectID.0 */
	"\x06\x12\x2b\x06\x01\x04\x01\x8f\x51\x01\x01\x01\x82\x29\x5d\x01\x1b\x02\x02\x01";
	/* OID 1.3.6.1.4.1.2001.1.1.1.297.93.1.27.2.2.1 */

/* snmp__snmpv1_get.pcap frame 4: sysName.0 "B6300", sysLocation.0. */
static const char v1_name_resp[] =
	"\x30\x47"
	"\x02\x01\x00" "\x04\x06" "public"
	"\xa2\x3a"
	"\x02\x01\x27" "\x02\x01\x00" "\x02\x01\x00"
	"\x30\x2f"
	"\x30\x11" "\x06\x08\x2b\x06\x01\x02\x01\x01\x05\x00" /* sysName.0 */
	"\x04\x05" "B6300"
	"\x30\x1a" "\x06\x08\x2b\x06\x01\x02\x01\x01\x06\x00" /* sysLocation.0 */
	"\x04\x0e" "Chandra's cube";

/* snmp__snmpwalk-short.pcap frame 2: v2c, long-form lengths, sysDescr.0. */
static const char v2_descr_resp[] =
	"\x30\x81\x90"                     /* SEQUENCE, length 0x90 in long form */
	"\x02\x01\x01"                     /* version 1 = SNMPv2c */
	"\x04\x06" "public"
	"\xa2\x81\x82"                     /* Response-PDU, 130 bytes */
	"\x02\x04\x09\x58\x4e\x45"         /* request-id */
	"\x02\x01\x00" "\x02\x01\x00"
	"\x30\x74" "\x30\x72"
	"\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00" /* sysDescr.0 */
	"\x04\x66"                         /* OCTET STRING, 102 bytes */
	"Linux ubuntu-512mb-sfo2-01 4.4.0-31-generic #50~14.04.1-Ubuntu SMP Wed Jul 13 01:07:32 UTC 2016 x86_64";

/* snmp__snmpv1_set.pcap frame 1: set sysName.0 = "musec", empty community. */
static const char v1_set[] =
	"\x30\x28"
	"\x02\x01\x00" "\x04\x00"          /* SNMPv1, community "" */
	"\xa3\x21"                         /* SetRequest-PDU */
	"\x02\x04\x7b\x08\x6e\x69" "\x02\x01\x00" "\x02\x01\x00"
	"\x30\x13" "\x30\x11"
	"\x06\x08\x2b\x06\x01\x02\x01\x01\x05\x00"
	"\x04\x05" "musec";

/* snmp__snmpv3_get_next.pcap frame 3: v3 noAuthNoPriv GetNext by "username". */
static const char v3_getnext[] =
	"\x30\x79"
	"\x02\x01\x03"                     /* msgVersion 3 */
	"\x30\x10"                         /* msgGlobalData */
	"\x02\x04\x20\x7b\x2f\x72"         /* msgID */
	"\x02\x02\x40\x00"                 /* msgMaxSize 16384 */
	"\x04\x01\x04"                     /* msgFlags: reportable, noAuthNoPriv */
	"\x02\x01\x03"                     /* msgSecurityModel 3 = USM */
	"\x04\x31" "\x30\x2f"              /* msgSecurityParameters: UsmSecurityParameters */
	"\x04\x0d\x80\x00\x1f\x88\x80\xa9\x49\x8e\x5e\x3a\x2c\x30\x43" /* engine id */
	"\x02\x01\xdd" "\x02\x01\xdd"      /* boots, time */
	"\x04\x08" "username"              /* msgUserName */
	"\x04\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" /* auth parameters */
	"\x04\x00"                         /* priv parameters */
	"\x30\x2f"                         /* ScopedPDU */
	"\x04\x0d\x80\x00\x1f\x88\x80\xa9\x49\x8e\x5e\x3a\x2c\x30\x43" /* contextEngineID */
	"\x04\x00"                         /* contextName */
	"\xa1\x1c"                         /* GetNextRequest-PDU */
	"\x02\x04\x20\x7b\x2f\x72" "\x02\x01\x00" "\x02\x01\x00"
	"\x30\x0e" "\x30\x0c" "\x06\x08\x2b\x06\x01\x02\x01\x01\x06\x00" "\x05\x00";

/* snmp__snmp-oid-subidentifier-too-long.pcap frame 1: a sub-identifier of 11
 * octets, beyond any 32-bit value. */
static const char oid_too_long[] =
	"\x30\x2a" "\x02\x01\x00" "\x04\x06" "public"
	"\xa0\x1d" "\x02\x01\x01" "\x02\x01\x00" "\x02\x01\x00"
	"\x30\x12" "\x30\x10"
	"\x06\x0c\x2b\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"
	"\x05\x00";

static void run(const uint8_t *msg, size_t n, enum mk_dir dir)
{
	struct sim *s = sim_new(&mk_proto_snmp);

	rec_reset();
	assert_int_equal(sim_udp(s, dir, msg, n), MK_V_OK);
	sim_free(s);
}

static void test_v1_get(void **unused)
{
	(void)unused;
	run(V(v1_get), MK_DIR_TO_SERVER);
	expect_attr(MK_HOST_SENDER, "snmp_version", "1");
	assert_true(has_anomaly("snmp_default_community"));
	assert_true(has_op(MK_OP_READ));
	assert_string_equal(rec_find(MK_FACT_OPERATION, NULL, 0)->value, "get");
	assert_int_equal(nrec, 3);

	run(V(v1_objid_resp), MK_DIR_TO_CLIENT);
	expect_attr(MK_HOST_SENDER, "snmp_sys_object_id", "1.3.6.1.4.1.2001.1.1.1.297.93.1.27.2.2.1");
	assert_null(rec_find(MK_FACT_OPERATION, NULL, 0));

	run(V(v1_name_resp), MK_DIR_TO_CLIENT);
	assert_non_null(rec_find(MK_FACT_NAME, NULL, 0));
	assert_string_equal(rec_find(MK_FACT_NAME, NULL, 0)->value, "B6300");
	assert_int_equal(rec_find(MK_FACT_NAME, NULL, 0)->host, MK_HOST_SENDER);
}

static void test_v2_descr(void **unused)
{
	(void)unused;
	run(V(v2_descr_resp), MK_DIR_TO_CLIENT);
	expect_attr(MK_HOST_SENDER, "snmp_version", "2c");
	expect_attr(MK_HOST_SENDER, "snmp_sys_descr",
	            "Linux ubuntu-512mb-sfo2-01 4.4.0-31-generic #50~14.04.1-Ubuntu SMP Wed Jul 13 01:07:32 UTC "
	            "2016 x86_64");
	assert_int_equal(nrec, 3); /* version, default community, sysDescr */
}

static void test_set_and_v3(void **unused)
{
	(void)unused;
	run(V(v1_set), MK_DIR_TO_SERVER);
	assert_true(has_op(MK_OP_WRITE));
	assert_false(has_anomaly("snmp_default_community"));
	assert_null(rec_find(MK_FACT_NAME, NULL, 0)); /* a set request names nobody */

	run(V(v3_getnext), MK_DIR_TO_SERVER);
	expect_attr(MK_HOST_SENDER, "snmp_version", "3");
	expect_attr(MK_HOST_CLIENT, "snmp_user", "username");
	assert_true(has_anomaly("snmp_v3_noauth"));
	assert_true(has_op(MK_OP_READ));
}

static void test_malformed(void **unused)
{
	uint8_t buf[sizeof(v1_get)];

	(void)unused;
	run(V(oid_too_long), MK_DIR_TO_SERVER);
	assert_true(has_anomaly("snmp_bad_oid"));

	/* Indefinite length (0x80) is not allowed in SNMP. */
	memcpy(buf, v1_get, sizeof(buf));
	buf[1] = 0x80;
	run(buf, sizeof(buf) - 1, MK_DIR_TO_SERVER);
	assert_true(has_anomaly("snmp_bad_ber"));
	assert_int_equal(nrec, 1);

	/* Five length octets. */
	run(V("\x30\x85\x00\x00\x00\x00\x05\x02\x01\x00\x04\x00"), MK_DIR_TO_SERVER);
	assert_true(has_anomaly("snmp_bad_ber"));
	assert_int_equal(nrec, 1);

	/* version 2 does not exist on the wire. */
	memcpy(buf, v1_get, sizeof(buf));
	buf[4] = 2;
	run(buf, sizeof(buf) - 1, MK_DIR_TO_SERVER);
	assert_true(has_anomaly("snmp_bad_version"));
	assert_int_equal(nrec, 1);

	/* A lying inner length that overruns its parent. */
	memcpy(buf, v1_get, sizeof(buf));
	buf[16] = 0x7f; /* request-id length */
	run(buf, sizeof(buf) - 1, MK_DIR_TO_SERVER);
	assert_true(has_anomaly("snmp_bad_ber"));
	assert_int_equal(nrec, 1);
}

static void test_probe(void **unused)
{
	(void)unused;
	assert_int_equal(probe_bytes(&mk_proto_snmp, MK_DIR_TO_SERVER, V(v1_get)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_snmp, MK_DIR_TO_CLIENT, V(v2_descr_resp)), MK_PROBE_SURE);
	assert_int_equal(probe_bytes(&mk_proto_snmp, MK_DIR_TO_SERVER, V(v3_getnext)), MK_PROBE_SURE);
	/* An LDAP bind request is BER too, but its first INTEGER is a message id
	 * followed by an application tag, not an OCTET STRING and a PDU. */
	assert_int_equal(probe_bytes(&mk_proto_snmp, MK_DIR_TO_SERVER,
	                             V("\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00")), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_snmp, MK_DIR_TO_SERVER, V("GET / HTTP/1.0\r\n")), MK_PROBE_NO);
	assert_int_equal(probe_bytes(&mk_proto_snmp, MK_DIR_TO_SERVER, v1_get, 10), MK_PROBE_NO);
}

/* Every cut datagram: only the snmp_bad_ber anomaly, never a fact from it. */
static void cut_loop(const uint8_t *msg, size_t n)
{
	for (size_t cut = 0; cut < n; cut++) {
		struct sim *s = sim_new(&mk_proto_snmp);

		rec_reset();
		assert_int_equal(sim_udp(s, MK_DIR_TO_CLIENT, msg, cut), MK_V_OK);
		assert_int_equal(nrec, 1);
		assert_true(has_anomaly("snmp_bad_ber"));
		sim_free(s);
	}
}

static void test_truncation(void **unused)
{
	(void)unused;
	cut_loop(V(v1_get));
	cut_loop(V(v1_name_resp));
	cut_loop(V(v2_descr_resp));
	cut_loop(V(v3_getnext));
	cut_loop(V(v1_set));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_get),
		cmocka_unit_test(test_v2_descr),
		cmocka_unit_test(test_set_and_v3),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_proto_dnp3.c - unit tests of the DNP3 plug-in (src/proto/dnp3/dnp3.c).
 *
 * Vectors are TCP payloads from ../shared/captures/dnp3 (file and frame at each;
 * reference: `tshark -r FILE -O dnp3 -Y frame.number==N`), and frames built by
 * dnp3_build() from IEEE 1815-2012 clause 9 (link frame and its CRC) where a
 * capture has no example.  Every vector is checked for its exact
 * facts, every truncation length, and every split into two stream pieces.
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

#include "mieruka/facts.h"
#include "mieruka/proto.h"

extern const struct mk_proto mk_proto_dnp3;
#define P (&mk_proto_dnp3)

/* read request: captures/dnp3/bro__dnp3__dnp3_read.pcap frame 4 (master 3 -> outstation 2,
 * transport FIR|FIN, application fc 1 read, class 0-3 objects) */
static const uint8_t read_req[] = {
    0x05, 0x64, 0x14, 0xc4, 0x02, 0x00, 0x03, 0x00, 0x45, 0x03, 0xc7, 0xc8, 0x01, 0x3c,
    0x02, 0x06, 0x3c, 0x03, 0x06, 0x3c, 0x04, 0x06, 0x3c, 0x01, 0x06, 0x42, 0xac,
};
/* its response: same capture frame 6 (fc 129, IIN 0x0000, 116-octet frame) */
static const uint8_t read_resp[] = {
    0x05, 0x64, 0x74, 0x44, 0x03, 0x00, 0x02, 0x00, 0x68, 0x54, 0xf4, 0xc8, 0x81, 0x00, 0x00,
    0x01, 0x02, 0x00, 0x00, 0x08, 0x81, 0x01, 0x81, 0x01, 0x01, 0x01, 0xd3, 0x74, 0x01, 0x01,
    0x01, 0x0a, 0x02, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x1e, 0x6c,
    0xa4, 0x01, 0x00, 0x00, 0x0e, 0x01, 0xef, 0x03, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00,
    0x01, 0xed, 0x21, 0x78, 0x03, 0x00, 0x00, 0x01, 0x2b, 0xd1, 0xff, 0xff, 0x01, 0xed, 0x03,
    0x00, 0x00, 0x01, 0xe6, 0x2e, 0x41, 0xc9, 0x00, 0x00, 0x01, 0x17, 0x0d, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0xb5, 0x0c, 0x02, 0xc6, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x8a, 0x0d, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x93, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
};
/* a write fragment over four frames: captures/dnp3/bro__dnp3__dnp3_file_write.pcap frames
 * 7, 9, 11, 13 (transport 0x42 FIR seq 2, 0x03, 0x04, 0x85 FIN seq 5; fc 2 write, g70v5) */
static const uint8_t write_multi[] = {
    0x05, 0x64, 0xff, 0xc4, 0x04, 0x00, 0x03, 0x00, 0x37, 0x50, 0x42, 0xc7, 0x02, 0x46, 0x05, 0x5b,
    0x01, 0x46, 0x03, 0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0xcb, 0xfa, 0x80, 0xef, 0xbb, 0xbf,
    0x3c, 0x3f, 0x78, 0x6d, 0x6c, 0x20, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x15, 0xbb, 0x6e, 0x3d,
    0x22, 0x31, 0x2e, 0x30, 0x22, 0x20, 0x65, 0x6e, 0x63, 0x6f, 0x64, 0x69, 0x6e, 0x67, 0x14, 0x1b,
    0x3d, 0x22, 0x75, 0x74, 0x66, 0x2d, 0x38, 0x22, 0x3f, 0x3e, 0x0d, 0x0a, 0x3c, 0x3f, 0x78, 0x6d,
    0x9b, 0x94, 0x6c, 0x2d, 0x73, 0x74, 0x79, 0x6c, 0x65, 0x73, 0x68, 0x65, 0x65, 0x74, 0x20, 0x74,
    0x79, 0x70, 0xed, 0xb3, 0x65, 0x3d, 0x27, 0x74, 0x65, 0x78, 0x74, 0x2f, 0x78, 0x73, 0x6c, 0x27,
    0x20, 0x68, 0x72, 0x65, 0x27, 0x25, 0x66, 0x3d, 0x27, 0x44, 0x4e, 0x50, 0x33, 0x44, 0x65, 0x76,
    0x69, 0x63, 0x65, 0x50, 0x72, 0x6f, 0xf3, 0xbb, 0x66, 0x69, 0x6c, 0x65, 0x4a, 0x61, 0x6e, 0x32,
    0x30, 0x31, 0x30, 0x2e, 0x78, 0x73, 0x6c, 0x74, 0x17, 0x82, 0x27, 0x20, 0x6d, 0x65, 0x64, 0x69,
    0x61, 0x3d, 0x27, 0x73, 0x63, 0x72, 0x65, 0x65, 0x6e, 0x27, 0xc3, 0xab, 0x3f, 0x3e, 0x0d, 0x0a,
    0x3c, 0x44, 0x4e, 0x50, 0x33, 0x44, 0x65, 0x76, 0x69, 0x63, 0x65, 0x50, 0xe3, 0x74, 0x72, 0x6f,
    0x66, 0x69, 0x6c, 0x65, 0x44, 0x6f, 0x63, 0x75, 0x6d, 0x65, 0x6e, 0x74, 0x20, 0x78, 0x35, 0x84,
    0x6d, 0x6c, 0x6e, 0x73, 0x3a, 0x78, 0x73, 0x69, 0x3d, 0x22, 0x68, 0x74, 0x74, 0x70, 0x3a, 0x2f,
    0x00, 0xeb, 0x2f, 0x77, 0x77, 0x77, 0x2e, 0x77, 0x33, 0x2e, 0x6f, 0x72, 0x67, 0x2f, 0x32, 0x30,
    0x30, 0x31, 0x95, 0x8f, 0x2f, 0x58, 0x4d, 0x4c, 0x53, 0x63, 0x68, 0x65, 0x6d, 0x61, 0x2d, 0x69,
    0x6e, 0x73, 0x74, 0x61, 0x4d, 0xd3, 0x6e, 0x63, 0x65, 0x22, 0x20, 0x78, 0x6d, 0x6c, 0x6e, 0x73,
    0x3a, 0x78, 0x73, 0x64, 0x3d, 0x22, 0xd6, 0xec, 0x68, 0x74, 0x74, 0x70, 0x3a, 0x2f, 0x2f, 0x77,
    0x77, 0x77, 0xb7, 0x66, 0x05, 0x64, 0xff, 0xc4, 0x04, 0x00, 0x03, 0x00, 0x37, 0x50, 0x03, 0x2e,
    0x77, 0x33, 0x2e, 0x6f, 0x72, 0x67, 0x2f, 0x32, 0x30, 0x30, 0x31, 0x2f, 0x58, 0x4d, 0x21, 0x99,
    0x4c, 0x53, 0x63, 0x68, 0x65, 0x6d, 0x61, 0x22, 0x20, 0x73, 0x63, 0x68, 0x65, 0x6d, 0x61, 0x56,
    0xe3, 0x1d, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x3d, 0x22, 0x32, 0x2e, 0x30, 0x37, 0x2e, 0x30,
    0x30, 0x22, 0x3b, 0x93, 0x20, 0x78, 0x6d, 0x6c, 0x6e, 0x73, 0x3d, 0x22, 0x68, 0x74, 0x74, 0x70,
    0x3a, 0x2f, 0x2f, 0x77, 0xdf, 0x74, 0x77, 0x77, 0x2e, 0x64, 0x6e, 0x70, 0x33, 0x2e, 0x6f, 0x72,
    0x67, 0x2f, 0x44, 0x4e, 0x50, 0x33, 0xd1, 0xd9, 0x2f, 0x44, 0x65, 0x76, 0x69, 0x63, 0x65, 0x50,
    0x72, 0x6f, 0x66, 0x69, 0x6c, 0x65, 0x2f, 0x4a, 0xe2, 0xd4, 0x61, 0x6e, 0x32, 0x30, 0x31, 0x30,
    0x22, 0x3e, 0x0d, 0x0a, 0x20, 0x20, 0x3c, 0x21, 0x2d, 0x2d, 0x32, 0xf4, 0x44, 0x6f, 0x63, 0x75,
    0x6d, 0x65, 0x6e, 0x74, 0x20, 0x48, 0x65, 0x61, 0x64, 0x65, 0x72, 0x2d, 0x00, 0x6f, 0x2d, 0x3e,
    0x0d, 0x0a, 0x20, 0x20, 0x3c, 0x64, 0x6f, 0x63, 0x75, 0x6d, 0x65, 0x6e, 0x74, 0x48, 0xe1, 0x60,
    0x65, 0x61, 0x64, 0x65, 0x72, 0x3e, 0x0d, 0x0a, 0x20, 0x20, 0x20, 0x20, 0x3c, 0x64, 0x6f, 0x63,
    0xf0, 0x68, 0x75, 0x6d, 0x65, 0x6e, 0x74, 0x4e, 0x61, 0x6d, 0x65, 0x3e, 0x41, 0x20, 0x44, 0x4e,
    0x50, 0x33, 0x6d, 0x7e, 0x20, 0x58, 0x4d, 0x4c, 0x20, 0x46, 0x69, 0x6c, 0x65, 0x3c, 0x2f, 0x64,
    0x6f, 0x63, 0x75, 0x6d, 0xeb, 0x97, 0x65, 0x6e, 0x74, 0x4e, 0x61, 0x6d, 0x65, 0x3e, 0x0d, 0x0a,
    0x20, 0x20, 0x20, 0x20, 0x3c, 0x64, 0xa7, 0x34, 0x6f, 0x63, 0x75, 0x6d, 0x65, 0x6e, 0x74, 0x44,
    0x65, 0x73, 0x63, 0x72, 0x69, 0x70, 0x74, 0x69, 0xd3, 0x8e, 0x6f, 0x6e, 0x3e, 0x54, 0x68, 0x69,
    0x73, 0x20, 0x69, 0x73, 0x20, 0x61, 0x20, 0x44, 0x4e, 0x50, 0x7e, 0x4e, 0x33, 0x20, 0x43, 0x6f,
    0x6d, 0x70, 0x6c, 0x65, 0x74, 0x65, 0xc8, 0xa7, 0x05, 0x64, 0xff, 0xc4, 0x04, 0x00, 0x03, 0x00,
    0x37, 0x50, 0x04, 0x20, 0x44, 0x65, 0x76, 0x69, 0x63, 0x65, 0x20, 0x50, 0x72, 0x6f, 0x66, 0x69,
    0x6c, 0x65, 0x99, 0xc9, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x44, 0x4e, 0x50, 0x20, 0x4f, 0x75, 0x74,
    0x73, 0x74, 0x61, 0x74, 0xd0, 0x7e, 0x69, 0x6f, 0x6e, 0x20, 0x69, 0x6e, 0x20, 0x74, 0x68, 0x65,
    0x20, 0x54, 0x4d, 0x57, 0x20, 0x43, 0x5f, 0x3c, 0x6f, 0x6d, 0x6d, 0x75, 0x6e, 0x69, 0x63, 0x61,
    0x74, 0x69, 0x6f, 0x6e, 0x20, 0x50, 0x72, 0x6f, 0xf1, 0x72, 0x74, 0x6f, 0x63, 0x6f, 0x6c, 0x20,
    0x54, 0x65, 0x73, 0x74, 0x20, 0x48, 0x61, 0x72, 0x6e, 0x65, 0xe6, 0xce, 0x73, 0x73, 0x3c, 0x2f,
    0x64, 0x6f, 0x63, 0x75, 0x6d, 0x65, 0x6e, 0x74, 0x44, 0x65, 0x73, 0x63, 0x9d, 0x86, 0x72, 0x69,
    0x70, 0x74, 0x69, 0x6f, 0x6e, 0x3e, 0x0d, 0x0a, 0x20, 0x20, 0x20, 0x20, 0x3c, 0x72, 0x32, 0x4c,
    0x65, 0x76, 0x69, 0x73, 0x69, 0x6f, 0x6e, 0x48, 0x69, 0x73, 0x74, 0x6f, 0x72, 0x79, 0x20, 0x76,
    0xe0, 0xb8, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x3d, 0x22, 0x32, 0x22, 0x3e, 0x0d, 0x0a, 0x20,
    0x20, 0x20, 0xd6, 0x28, 0x20, 0x20, 0x20, 0x3c, 0x64, 0x61, 0x74, 0x65, 0x3e, 0x32, 0x30, 0x31,
    0x30, 0x2d, 0x31, 0x32, 0x82, 0x00, 0x2d, 0x30, 0x31, 0x3c, 0x2f, 0x64, 0x61, 0x74, 0x65, 0x3e,
    0x0d, 0x0a, 0x20, 0x20, 0x20, 0x20, 0x63, 0x5a, 0x20, 0x20, 0x3c, 0x61, 0x75, 0x74, 0x68, 0x6f,
    0x72, 0x3e, 0x53, 0x74, 0x65, 0x76, 0x65, 0x20, 0x1f, 0x98, 0x4d, 0x63, 0x43, 0x6f, 0x79, 0x3c,
    0x2f, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72, 0x3e, 0x0d, 0x0a, 0xf7, 0x04, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x3c, 0x72, 0x65, 0x61, 0x73, 0x6f, 0x6e, 0x3e, 0x44, 0x6f, 0xba, 0x67, 0x63, 0x75,
    0x6d, 0x65, 0x6e, 0x74, 0x65, 0x64, 0x20, 0x54, 0x65, 0x73, 0x74, 0x20, 0x48, 0x61, 0xa8, 0xd8,
    0x72, 0x6e, 0x65, 0x73, 0x73, 0x20, 0x53, 0x44, 0x4e, 0x50, 0x7e, 0x14, 0x05, 0x64, 0x69, 0xc4,
    0x04, 0x00, 0x03, 0x00, 0xac, 0x52, 0x85, 0x20, 0x44, 0x65, 0x76, 0x69, 0x63, 0x65, 0x20, 0x50,
    0x72, 0x6f, 0x66, 0x69, 0x6c, 0x65, 0x19, 0xb3, 0x3c, 0x2f, 0x72, 0x65, 0x61, 0x73, 0x6f, 0x6e,
    0x3e, 0x0d, 0x0a, 0x20, 0x20, 0x20, 0x20, 0x3c, 0x00, 0x84, 0x2f, 0x72, 0x65, 0x76, 0x69, 0x73,
    0x69, 0x6f, 0x6e, 0x48, 0x69, 0x73, 0x74, 0x6f, 0x72, 0x79, 0x00, 0xd8, 0x3e, 0x0d, 0x0a, 0x20,
    0x20, 0x3c, 0x2f, 0x64, 0x6f, 0x63, 0x75, 0x6d, 0x65, 0x6e, 0x74, 0x48, 0xe5, 0x78, 0x65, 0x61,
    0x64, 0x65, 0x72, 0x3e, 0x0d, 0x0a, 0x3c, 0x2f, 0x44, 0x4e, 0x50, 0x33, 0x44, 0x65, 0xde, 0x1a,
    0x76, 0x69, 0x63, 0x65, 0x50, 0x72, 0x6f, 0x66, 0x69, 0x6c, 0x65, 0x44, 0x6f, 0x63, 0x75, 0x6d,
    0x33, 0xa7, 0x65, 0x6e, 0x74, 0x3e, 0xb8, 0x71,
};
/* cold restart: captures/dnp3/dnp3__cold_restart_and_response.pcap frame 4 (fc 13, 1 -> 10) */
static const uint8_t cold_req[] = {
    0x05, 0x64, 0x08, 0xc4, 0x0a, 0x00, 0x01, 0x00, 0xfc, 0x42, 0xc0, 0xc0, 0x0d, 0x9c, 0x86,
};
/* its response: same capture frame 6 (fc 129, IIN1 0x00, IIN2 0x01 no function code support) */
static const uint8_t cold_resp[] = {
    0x05, 0x64, 0x0a, 0x44, 0x01, 0x00, 0x0a, 0x00, 0x6e,
    0x25, 0xc0, 0xc0, 0x81, 0x00, 0x01, 0xc2, 0xde,
};
/* unsolicited response: captures/dnp3/bro__dnp3__dnp3.pcap frame 4 (fc 130, IIN1 0x10 need time) */
static const uint8_t unsol[] = {
    0x05, 0x64, 0x0a, 0x44, 0x03, 0x00, 0x04, 0x00, 0x7c,
    0xae, 0xe6, 0xf7, 0x82, 0x10, 0x00, 0x4f, 0xbd,
};
/* select: captures/dnp3/bro__dnp3__dnp3_select_operate.pcap frame 4 (fc 3, g12v1 CROB) */
static const uint8_t select_req[] = {
    0x05, 0x64, 0x1a, 0xc4, 0x02, 0x00, 0x03, 0x00, 0x40, 0xf2, 0xc6, 0xc7,
    0x03, 0x0c, 0x01, 0x28, 0x01, 0x00, 0x01, 0x00, 0x03, 0x01, 0x64, 0x00,
    0x00, 0x00, 0x8f, 0xda, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5b,
};
/* record current time: captures/dnp3/bro__dnp3__dnp3_rec_time.pcap frame 4 (fc 24) */
static const uint8_t rectime_req[] = {
    0x05, 0x64, 0x08, 0xc4, 0x02, 0x00, 0x03, 0x00, 0x36, 0xac, 0xe0, 0xc1, 0x18, 0x14, 0x90,
};
/* open file: captures/dnp3/bro__dnp3__dnp3_file_read.pcap frame 4 (fc 25, g70v3 "./test.xml") */
static const uint8_t fileopen_req[] = {
    0x05, 0x64, 0x32, 0xc4, 0x04, 0x00, 0x03, 0x00, 0x9c, 0x8d, 0xf7, 0xce, 0x19, 0x46, 0x03, 0x5b,
    0x01, 0x24, 0x00, 0x1a, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0xb3, 0xc5, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x47, 0xe6, 0x04, 0x04,
    0x00, 0x2e, 0x2f, 0x74, 0x65, 0x73, 0x74, 0x2e, 0x78, 0x6d, 0x6c, 0xed, 0x8f,
};
/* link only: captures/dnp3/bro__dnp3__dnp3_link_only.pcap frame 1 (outstation 1 -> master 100,
 * PRM request link status, no user data) */
static const uint8_t link_status[] = {
    0x05, 0x64, 0x05, 0x49, 0x64, 0x00, 0x01, 0x00, 0x7e, 0x5f,
};

/* ---- a stand-in for the engine: pieces of a stream sharing one state ---- */

struct piece {
	enum mk_dir dir;
	const uint8_t *p;
	size_t n;
};

static void check_declared(const struct rec *r, int first)
{
	for (int i = first; i < r->n; i++) {
		bool listed = false;

		if (strncmp(r->line[i], "anomaly ", 8) != 0)
			continue;
		for (size_t e = 0; P->events[e] != NULL; e++)
			listed |= strcmp(P->events[e], r->line[i] + 8) == 0;
		if (!listed)
			fail_msg("undeclared event: %s", r->line[i]);
	}
}

/* Feeds the pieces in order to one fresh state the way the engine does: what
 * parse() leaves unconsumed in a direction is offered again in front of that
 * direction's next piece; every call gets an exact-size heap copy. */
static void run_pieces(const struct piece *pc, size_t npc, struct rec *r)
{
	void *state = calloc(1, P->state_size);
	uint8_t *pend[2] = {NULL, NULL};
	size_t plen[2] = {0, 0};

	assert_non_null(state);
	for (size_t i = 0; i < npc; i++) {
		unsigned d = pc[i].dir == MK_DIR_TO_CLIENT ? 1 : 0;
		size_t total = plen[d] + pc[i].n, off = 0;
		uint8_t *buf = malloc(total > 0 ? total : 1);

		assert_non_null(buf);
		if (plen[d] > 0)
			memcpy(buf, pend[d], plen[d]);
		if (pc[i].n > 0)
			memcpy(buf + plen[d], pc[i].p, pc[i].n);
		free(pend[d]);
		pend[d] = NULL;
		plen[d] = 0;
		for (int round = 0; off < total && round < 1000; round++) {
			size_t left = total - off, consumed = 0;
			uint8_t *copy = malloc(left);
			struct mk_emit out = {
			    .sink = rec_sink, .ctx = r, .dir = (int)pc[i].dir, .proto = P->id};
			struct mk_rd rd;
			enum mk_verdict v;
			int first = r->n;

			assert_non_null(copy);
			memcpy(copy, buf + off, left);
			mk_rd_init(&rd, copy, left);
			v = P->parse(state, &rd, pc[i].dir, &consumed, &out);
			free(copy);
			check_declared(r, first);
			assert_true(consumed <= left);
			assert_true(v == MK_V_OK || v == MK_V_NEED);
			off += consumed;
			if (v == MK_V_NEED || consumed == 0)
				break;
		}
		if (off < total) {
			assert_true(total - off <= P->max_buffer);
			plen[d] = total - off;
			pend[d] = malloc(plen[d]);
			assert_non_null(pend[d]);
			memcpy(pend[d], buf + off, plen[d]);
		}
		free(buf);
	}
	free(pend[0]);
	free(pend[1]);
	free(state);
}

static void run_one(const uint8_t *m, size_t n, enum mk_dir dir, struct rec *r)
{
	struct piece pc = {dir, m, n};

	memset(r, 0, sizeof(*r));
	run_pieces(&pc, 1, r);
}

/* Exact facts of the whole message; the same facts when it arrives in two
 * pieces split at every byte; a subset at every truncation. */
static void check_msg(const uint8_t *m, size_t n, enum mk_dir dir, const char *const *exp)
{
	static struct rec all, part;

	run_one(m, n, dir, &all);
	rec_expect(&all, exp);
	for (size_t cut = 0; cut < n; cut++) {
		struct piece pc[2] = {{dir, m, cut}, {dir, m + cut, n - cut}};

		memset(&part, 0, sizeof(part));
		run_pieces(pc, 2, &part);
		rec_expect(&part, exp);
		run_one(m, cut, dir, &part);
		rec_subset(&part, &all, cut);
	}
}

/* CRC-16/DNP of IEEE 1815-2012 clause 9, written again here so that frames
 * built by the tests do not borrow the parser's own routine. */
static uint16_t crc_dnp(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++) {
			bool mix = ((crc ^ (p[i] >> b)) & 1u) != 0;

			crc = (uint16_t)(crc >> 1);
			if (mix)
				crc ^= 0xA6BC;
		}
	return (uint16_t)~crc;
}

/* Builds a link frame (9.2): header, then the user data in 16-octet blocks
 * each followed by its CRC.  Returns its size. */
static size_t dnp3_build(uint8_t *f, size_t cap, uint8_t ctl, uint16_t dst, uint16_t src,
                         const uint8_t *data, size_t n)
{
	size_t off = 10;
	uint16_t c;

	assert_true(n <= 250 && cap >= 10 + n + 2 * ((n + 15) / 16));
	f[0] = 0x05;
	f[1] = 0x64;
	f[2] = (uint8_t)(n + 5);
	f[3] = ctl;
	f[4] = (uint8_t)dst;
	f[5] = (uint8_t)(dst >> 8);
	f[6] = (uint8_t)src;
	f[7] = (uint8_t)(src >> 8);
	c = crc_dnp(f, 8);
	f[8] = (uint8_t)c;
	f[9] = (uint8_t)(c >> 8);
	for (size_t used = 0; used < n; used += 16) {
		size_t b = n - used < 16 ? n - used : 16;

		memcpy(f + off, data + used, b);
		c = crc_dnp(f + off, b);
		f[off + b] = (uint8_t)c;
		f[off + b + 1] = (uint8_t)(c >> 8);
		off += b + 2;
	}
	return off;
}

/* ---- tests ---- */

static void test_crc_matches_captures(void **s)
{
	(void)s;
	/* Header CRC of captures/dnp3/bro__dnp3__dnp3_read.pcap frame 4: 0x0345. */
	assert_int_equal(crc_dnp(read_req, 8), 0x0345);
}

static void test_requests(void **s)
{
	(void)s;
	check_msg(read_req, sizeof(read_req), MK_DIR_TO_SERVER,
	          (const char *const[]){"attr client dnp3_address=3", "operation read read",
	                                "role client scada_server (60) DNP3 master", NULL});
	check_msg(select_req, sizeof(select_req), MK_DIR_TO_SERVER,
	          (const char *const[]){"attr client dnp3_address=3", "operation control select",
	                                "role client scada_server (60) DNP3 master", NULL});
	check_msg(cold_req, sizeof(cold_req), MK_DIR_TO_SERVER,
	          (const char *const[]){"attr client dnp3_address=1",
	                                "operation control cold_restart",
	                                "role client scada_server (60) DNP3 master", NULL});
	check_msg(rectime_req, sizeof(rectime_req), MK_DIR_TO_SERVER,
	          (const char *const[]){"attr client dnp3_address=3",
	                                "operation other record_current_time",
	                                "role client scada_server (60) DNP3 master", NULL});
	check_msg(fileopen_req, sizeof(fileopen_req), MK_DIR_TO_SERVER,
	          (const char *const[]){"attr client dnp3_address=3", "operation program file_open",
	                                "role client scada_server (60) DNP3 master", NULL});
}

static void test_responses(void **s)
{
	(void)s;
	check_msg(read_resp, sizeof(read_resp), MK_DIR_TO_CLIENT,
	          (const char *const[]){"attr server dnp3_address=2",
	                                "role server plc (80) DNP3 outstation", NULL});
	check_msg(cold_resp, sizeof(cold_resp), MK_DIR_TO_CLIENT,
	          (const char *const[]){"attr server dnp3_address=10",
	                                "role server plc (80) DNP3 outstation",
	                                "anomaly dnp3_function_unsupported", NULL});
	check_msg(unsol, sizeof(unsol), MK_DIR_TO_CLIENT,
	          (const char *const[]){"attr server dnp3_address=4",
	                                "role server plc (80) DNP3 outstation",
	                                "anomaly dnp3_need_time", NULL});
	/* A link-layer frame only: the sender's address, nothing else. */
	check_msg(link_status, sizeof(link_status), MK_DIR_TO_CLIENT,
	          (const char *const[]){"attr server dnp3_address=1", NULL});
}

/* A fragment reassembled from four frames: one write. */
static void test_multi_frame_fragment(void **s)
{
	(void)s;
	check_msg(write_multi, sizeof(write_multi), MK_DIR_TO_SERVER,
	          (const char *const[]){"attr client dnp3_address=3", "operation write write",
	                                "role client scada_server (60) DNP3 master", NULL});
}

/* A request and its answer on one flow; the second request is counted, the
 * roles and addresses are said once. */
static void test_conversation(void **s)
{
	static struct rec r;
	const struct piece pc[] = {
	    {MK_DIR_TO_SERVER, cold_req, sizeof(cold_req)},
	    {MK_DIR_TO_CLIENT, cold_resp, sizeof(cold_resp)},
	    {MK_DIR_TO_SERVER, cold_req, sizeof(cold_req)},
	    {MK_DIR_TO_CLIENT, cold_resp, sizeof(cold_resp)},
	};

	(void)s;
	memset(&r, 0, sizeof(r));
	run_pieces(pc, 4, &r);
	rec_expect(&r,
	           (const char *const[]){
	               "attr client dnp3_address=1", "operation control cold_restart",
	               "role client scada_server (60) DNP3 master", "attr server dnp3_address=10",
	               "role server plc (80) DNP3 outstation", "anomaly dnp3_function_unsupported",
	               "operation control cold_restart", NULL});
}

static void test_malformed(void **s)
{
	static struct rec r;
	uint8_t m[400], data[40];
	size_t n;

	(void)s;
	/* Header CRC broken (frame 4 of dnp3_read.pcap, destination changed):
	 * the frame and its length are not trusted. */
	memcpy(m, read_req, sizeof(read_req));
	m[4] ^= 0x01;
	run_one(m, sizeof(read_req), MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"anomaly dnp3_bad_crc", NULL});

	/* A data block CRC broken (the function code changed): dropped. */
	memcpy(m, read_req, sizeof(read_req));
	m[12] = 0x02;
	run_one(m, sizeof(read_req), MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"anomaly dnp3_bad_crc", NULL});

	/* Bytes that are no frame, then a good frame: resynchronised. */
	memcpy(m, "\x05\x05\x11\x00", 4);
	memcpy(m + 4, read_req, sizeof(read_req));
	run_one(m, 4 + sizeof(read_req), MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"anomaly dnp3_bad_start", "attr client dnp3_address=3",
	                                     "operation read read",
	                                     "role client scada_server (60) DNP3 master", NULL});

	/* Length octet 3 (< 5, clause 9) with a good header CRC. */
	n = dnp3_build(m, sizeof(m), 0xc4, 1, 2, NULL, 0);
	m[2] = 3;
	{
		uint16_t c = crc_dnp(m, 8);

		m[8] = (uint8_t)c;
		m[9] = (uint8_t)(c >> 8);
	}
	run_one(m, n, MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"anomaly dnp3_bad_length", NULL});

	/* A middle segment without its first (frame 9 of dnp3_file_write.pcap). */
	run_one(write_multi + 292, 292, MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"attr client dnp3_address=3",
	                                     "anomaly dnp3_transport_sequence", NULL});

	/* Application function 0x50 is not defined (4.2.2 function codes). */
	memcpy(data, "\xc0\xc0\x50", 3);
	n = dnp3_build(m, sizeof(m), 0xc4, 10, 1, data, 3);
	run_one(m, n, MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"attr client dnp3_address=1",
	                                     "anomaly dnp3_unknown_function", NULL});

	/* A response too short for its IIN. */
	memcpy(data, "\xc0\xc0\x81\x00", 4);
	n = dnp3_build(m, sizeof(m), 0x44, 1, 10, data, 4);
	run_one(m, n, MK_DIR_TO_CLIENT, &r);
	rec_expect(&r, (const char *const[]){"attr server dnp3_address=10",
	                                     "anomaly dnp3_short_fragment", NULL});

	/* IIN1 device restart + device trouble, IIN2 event buffer overflow and
	 * configuration corrupt (4.2.2.7), from an unsolicited response. */
	memcpy(data, "\xc0\xf0\x82\xc0\x28", 5);
	n = dnp3_build(m, sizeof(m), 0x44, 1, 10, data, 5);
	check_msg(m, n, MK_DIR_TO_CLIENT,
	          (const char *const[]){
	              "attr server dnp3_address=10", "role server plc (80) DNP3 outstation",
	              "anomaly dnp3_device_restart", "anomaly dnp3_device_trouble",
	              "anomaly dnp3_event_overflow", "anomaly dnp3_config_corrupt", NULL});
}

/* Function codes of 4.2.2 and their classes, from built frames. */
static void test_function_table(void **s)
{
	static const struct {
		uint8_t fc;
		const char *line;
	} t[] = {
	    {2, "operation write write"},
	    {4, "operation control operate"},
	    {5, "operation control direct_operate"},
	    {6, "operation control direct_operate_no_ack"},
	    {7, "operation control immediate_freeze"},
	    {12, "operation control freeze_at_time_no_ack"},
	    {14, "operation control warm_restart"},
	    {15, "operation control initialize_data"},
	    {18, "operation control stop_application"},
	    {19, "operation program save_configuration"},
	    {20, "operation other enable_unsolicited"},
	    {21, "operation other disable_unsolicited"},
	    {22, "operation other assign_class"},
	    {23, "operation other delay_measure"},
	    {26, "operation program file_close"},
	    {27, "operation program file_delete"},
	    {30, "operation program file_abort"},
	    {31, "operation program activate_configuration"},
	    {32, "operation auth authenticate_request"},
	    {33, "operation auth authenticate_request_no_ack"},
	};
	static struct rec r;
	uint8_t m[64], data[3] = {0xc0, 0xc0, 0};

	(void)s;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n;

		data[2] = t[i].fc;
		n = dnp3_build(m, sizeof(m), 0xc4, 10, 1, data, 3);
		run_one(m, n, MK_DIR_TO_SERVER, &r);
		rec_expect(&r, (const char *const[]){"attr client dnp3_address=1", t[i].line,
		                                     "role client scada_server (60) DNP3 master",
		                                     NULL});
	}
	/* Confirm (0) acknowledges a response: no operation. */
	data[2] = 0;
	run_one(m, dnp3_build(m, sizeof(m), 0xc4, 10, 1, data, 3), MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"attr client dnp3_address=1", NULL});
}

/* Device attributes (object group 0) in a response to a read of g0v254:
 * variations 252 manufacturer, 250 product and model, 242 software version,
 * 248 serial number, each qualifier 0x00 index 0, data type 1 (VSTR).  Built
 * here; tshark 4.x decodes the frame as "Device Manufacturers Name (Obj:00,
 * Var:252) ... Value: ACME" etc. */
static const uint8_t attr_data[] = {
    0xc0, 0xc0, 0x81, 0x00, 0x00,                                   /* TH, AC, fc 129, IIN */
    0x00, 0xfc, 0x00, 0x00, 0x00, 0x01, 0x04, 'A',  'C',  'M', 'E', /* g0v252 */
    0x00, 0xfa, 0x00, 0x00, 0x00, 0x01, 0x08, 'R',  'T',  'U', '-', '1', '0', '0', '0', /* g0v250 */
    0x00, 0xf2, 0x00, 0x00, 0x00, 0x01, 0x05, '2',  '.',  '3', '.', '1',                /* g0v242 */
    0x00, 0xf8, 0x00, 0x00, 0x00, 0x01, 0x06, 'S',  'N',  '1', '2', '3', '4',           /* g0v248 */
    0x00, 0xf3, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 'B', '2', /* g0v243, 16-bit range */
    0x00, 0xf7, 0x00, 0x00, 0x00, 0x01, 0x03, 'P',  'S',  '1',      /* g0v247 user device name */
};

static void test_device_attributes(void **s)
{
	static struct rec r;
	uint8_t m[128], d[sizeof(attr_data)];
	size_t n = dnp3_build(m, sizeof(m), 0x44, 1, 10, attr_data, sizeof(attr_data));

	(void)s;
	check_msg(m, n, MK_DIR_TO_CLIENT,
	          (const char *const[]){
	              "attr server dnp3_address=10", "role server plc (80) DNP3 outstation",
	              "identity server vendor=ACME product=RTU-1000 model=- firmware=2.3.1 "
	              "serial=SN1234",
	              "attr server dnp3_hardware_version=B2", "attr server dnp3_device_name=PS1",
	              NULL});
	/* A length running past the fragment: what came before is still said. */
	memcpy(d, attr_data, sizeof(d));
	d[11] = 0x20;
	n = dnp3_build(m, sizeof(m), 0x44, 1, 10, d, 16);
	run_one(m, n, MK_DIR_TO_CLIENT, &r);
	rec_expect(&r, (const char *const[]){"attr server dnp3_address=10",
	                                     "role server plc (80) DNP3 outstation", NULL});
	/* An unsolicited response's objects are events, not attributes. */
	memcpy(d, attr_data, sizeof(d));
	d[2] = 0x82;
	n = dnp3_build(m, sizeof(m), 0x44, 1, 10, d, sizeof(d));
	run_one(m, n, MK_DIR_TO_CLIENT, &r);
	rec_expect(&r, (const char *const[]){"attr server dnp3_address=10",
	                                     "role server plc (80) DNP3 outstation", NULL});
}

/* A fragment larger than the kept cap still gives its function once. */
static void test_large_fragment(void **s)
{
	static uint8_t m[20 * 292];
	static struct rec r;
	uint8_t seg[250];
	size_t n = 0;

	(void)s;
	memset(seg, 0x11, sizeof(seg));
	for (int i = 0; i < 20; i++) {
		seg[0] = (uint8_t)((i == 0 ? 0x40 : 0) | (i == 19 ? 0x80 : 0) | (i & 0x3f));
		if (i == 0) {
			seg[1] = 0xc0;
			seg[2] = 0x02; /* write */
		}
		n += dnp3_build(m + n, sizeof(m) - n, 0xc4, 10, 1, seg, sizeof(seg));
		seg[1] = seg[2] = 0x11;
	}
	run_one(m, n, MK_DIR_TO_SERVER, &r);
	rec_expect(&r, (const char *const[]){"attr client dnp3_address=1", "operation write write",
	                                     "role client scada_server (60) DNP3 master", NULL});
}

/* UDP: one datagram per call (IEEE 1815-2012 Annex A.13); the same frames. */
static void test_udp(void **s)
{
	static struct rec r;

	(void)s;
	memset(&r, 0, sizeof(r));
	run_parse(P, NULL, read_req, sizeof(read_req), MK_DIR_TO_SERVER, &r, NULL);
	rec_expect(&r, (const char *const[]){"attr client dnp3_address=3", "operation read read",
	                                     "role client scada_server (60) DNP3 master", NULL});
}

static void test_probe(void **s)
{
	struct mk_rd rd;
	uint8_t m[sizeof(read_req)];

	(void)s;
	mk_rd_init(&rd, read_req, sizeof(read_req));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_SURE);
	mk_rd_init(&rd, link_status, sizeof(link_status));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_CLIENT), MK_PROBE_SURE);
	mk_rd_init(&rd, read_req, 6);
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_MAYBE);
	memcpy(m, read_req, sizeof(m));
	m[3] ^= 0x10;
	mk_rd_init(&rd, m, sizeof(m));
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, "GET / HTTP/1.1\r\n", 16);
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, "\x05\x65", 2);
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
	mk_rd_init(&rd, NULL, 0);
	assert_int_equal(P->probe(&rd, MK_DIR_TO_SERVER), MK_PROBE_NO);
}

static void test_descriptor(void **s)
{
	(void)s;
	assert_string_equal(P->name, mk_proto_id_name(P->id));
	assert_true(P->transports == (MK_TRANSPORT_TCP | MK_TRANSPORT_UDP));
	assert_true(P->max_buffer >= 292);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crc_matches_captures),
	    cmocka_unit_test(test_requests),
	    cmocka_unit_test(test_responses),
	    cmocka_unit_test(test_multi_frame_fragment),
	    cmocka_unit_test(test_conversation),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_function_table),
	    cmocka_unit_test(test_device_attributes),
	    cmocka_unit_test(test_large_fragment),
	    cmocka_unit_test(test_udp),
	    cmocka_unit_test(test_probe),
	    cmocka_unit_test(test_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

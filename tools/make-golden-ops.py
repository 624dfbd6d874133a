#!/usr/bin/env python3
"""Golden operation counts of industrial conversations, from Wireshark's dissection.

Run by hand (needs tshark 4.0; CI does not):
    tools/make-golden-ops.py [--shared ../shared] [--out tests/golden] [CAPTURE-REL-PATH ...]
Without capture arguments it (re)writes the "operations" of every capture in SET below.

For each capture it asks tshark for the function code of every request of the protocols below,
groups the requests by conversation (client, server, transport, server port) and classifies each
function code into mieruka's operation classes with the tables in this file.  The tables are written
from the protocol specifications (cited per table), independently of the parsers in src/proto, so
the golden test compares two readings of the same standard: Wireshark's dissection + this table,
and mieruka's parser.  A conversation with a function code the table does not classify keeps only
its total number of requests ("total"), not per-class counts.

The result goes into tests/golden/<rel path with '/' -> '__'>.json under "operations" (the file is
created when missing; other keys are kept).  Each entry:
    {"client", "server", "transport", "port", "protocol", "total", "ops": {class: n} or null,
     "functions": {"<code>": n}}
Review every change by hand (git diff tests/golden) and write what was checked in "review_ops".
"""
import argparse
import json
import os
import subprocess
import sys

SET = [
    "modbus/modbus_example.pcap",
    "modbus/bro__modbus__modbusSmall.pcap",
    "modbus/ModbusTCP__ModbusTCP.pcap",
    "opcua/open62541_client-server_mainloop-not-localhost.pcap",
    "opcua/open62541_client-server_mainloop-not-localhost-non-standard-port.pcap",
    "opcua/open62541_read_service_test_data_with_history.pcap",
    "dnp3/bro__dnp3__dnp3.pcap",
    "dnp3/bro__dnp3__dnp3_file_read.pcap",
    "dnp3/dnp3__file_write.pcap",
    "dnp3/bro__dnp3__dnp3_select_operate.pcap",
    "dnp3/dnp3__cold_restart_and_response.pcap",
    "iec104/IEC60870-5-104__090813_diverse.pcap",
    "iec104/IEC60870-5-104__TestDissectIec104.pcap",
    "s7comm/s7__S7Comm__s7comm_clean.pcap",
    "s7comm/s7__s7comm_reading_plc_status.pcap",
    "s7comm/s7__snap7_s300_everything.pcapng",
    "s7comm/s7__step7_s300_AuthPassword.pcapng",
    "s7comm/s7__step7_s300_download.pcapng",
    "s7comm/s7__step7_s300_stop.pcapng",
    "s7comm/s7__tia_s300_downloadOb1.pcapng",
    "s7comm/s7__wincc_s300_setup-alarm-read-write.pcapng",
    "bacnet/BACnet__bacnet_test.pcap",
    "mqtt/mqtt-connect-rules__mqtt5_pub_jpeg.pcap",
    "mqtt/mqtt-ping__input.pcap",
    "mqtt/mqtt-limit-2__input.pcap",
    "enip/EthernetIP__enip_test.pcap",
    "enip/EthernetIP__cip_start_plc.pcap",
    "enip/EthernetIP__cip_stop_plc.pcap",
    "enip/openics__EIP-FirmwareChange.pcap",
    "enip/openics__EIP-LockPLCAttempt.pcap",
    "enip/traces__multiple_service_packet_cip.pcapng",
    "enip/traces__set_attribute_single_service_cip.pcapng",
]

READ, WRITE, PROGRAM, CONTROL = "read", "write", "program", "control"
FIRMWARE, AUTH, DIAG, OTHER = "firmware", "auth", "diagnostic", "other"


def modbus_class(code, extra):
    """Modbus Application Protocol V1.1b3 section 6 (public function codes)."""
    c = int(code)
    if c in (1, 2, 3, 4, 20, 24):
        return READ
    if c in (5, 6, 15, 16, 21, 22, 23):
        return WRITE
    if c in (7, 8, 11, 12, 17):
        return DIAG
    if c == 43:
        return DIAG if extra == "14" else OTHER
    if c == 90:
        return None  # Schneider UMAS: classified by sub-function, not in this table
    return OTHER


# OPC UA Part 6 / NodeIds.csv: request encoding ids of the services (Part 4 service sets).
OPCUA = {
    527: READ, 533: READ, 554: READ, 560: READ, 566: READ, 615: READ, 621: READ, 631: READ,
    664: READ, 787: READ, 793: READ, 799: READ, 826: READ, 832: READ, 841: READ, 847: READ,
    751: READ, 763: READ, 769: READ, 775: READ, 781: READ,
    673: WRITE, 700: WRITE,
    712: CONTROL,
    488: PROGRAM, 494: PROGRAM, 500: PROGRAM, 506: PROGRAM,
    428: DIAG, 422: DIAG, 12208: DIAG,
    467: AUTH,
    446: OTHER, 452: OTHER, 461: OTHER, 473: OTHER, 479: OTHER, 437: OTHER, 12211: OTHER,
}


def opcua_class(code, extra):
    return OPCUA.get(int(code))


def dnp3_class(code, extra):
    """IEEE 1815-2012 table 4-1 (application function codes).  0 (confirm) acknowledges a
    response and asks for nothing: not a request.  129-131 are responses.  File functions
    (6.8) that only read are reads: get file info (28), and open (25) / close (26) / abort (30)
    of a file opened for reading (see dnp3_packet)."""
    c = int(code)
    if c == 0 or c >= 128:
        return "skip"
    if c in (1, 28):
        return READ
    if c == 2:
        return WRITE
    if 3 <= c <= 18:
        return CONTROL
    if c == 19 or 25 <= c <= 31:
        return PROGRAM
    if 20 <= c <= 24:
        return OTHER
    if c in (32, 33):
        return AUTH
    return None


# File handles of the capture being read: handle -> operational mode of its open request
# (g70v3 "dnp3.al.file.mode": 0 null, 1 read, 2 write, 3 append), learnt from the handle in the
# response (g70v4) that follows the open.  Reset per capture by make().
DNP3_FILES = {"pending": None, "handles": {}}


def dnp3_packet(r):
    out = []
    modes, handles = r["dnp3.al.file.mode"], r["dnp3.al.file.handle"]
    for code in r["dnp3.al.func"]:
        if code == "":
            continue
        c, cls = int(code), dnp3_class(code, "")
        if c == 25:
            mode = modes[0] if modes and modes[0] else ""
            DNP3_FILES["pending"] = mode
            cls = READ if mode == "1" else PROGRAM
        elif c in (26, 30):
            h = handles[0] if handles and handles[0] else None
            cls = READ if DNP3_FILES["handles"].pop(h, None) == "1" else PROGRAM
        elif c == 129 and DNP3_FILES["pending"] is not None:
            if handles and handles[0]:
                DNP3_FILES["handles"][handles[0]] = DNP3_FILES["pending"]
            DNP3_FILES["pending"] = None
        out.append((code, cls))
    return out


def iec104_asdu_class(typeid, cause, nega):
    """IEC 60870-5-101/104 type identifications in control direction, counted only for cause
    request (5), activation (6) or deactivation (8) without the negative bit."""
    t = int(typeid)
    if int(cause) not in (5, 6, 8) or nega not in ("", "0", "False", "false"):
        return "skip"
    if 45 <= t <= 51 or 58 <= t <= 64 or t == 105:
        return CONTROL
    if t in (100, 101, 102):
        return READ
    if t in (103, 106):
        return OTHER
    if t in (104, 107):
        return DIAG
    if 110 <= t <= 113:
        return WRITE
    if 1 <= t <= 40 or t == 70:
        return "skip"  # monitoring direction
    return None  # file transfer (120-127) and others: not in this table


def iec104_packet(r):
    """One packet's APDUs: U-frame activations (STARTDT/STOPDT/TESTFR act) are "other";
    I-frames are classified by their ASDU."""
    out = []
    for u in r["iec60870_104.utype"]:
        if u:
            v = int(u, 16)
            if v in (0x01, 0x04, 0x10):
                out.append(("u%#x" % v, OTHER))
    tids, causes, negas = r["iec60870_asdu.typeid"], r["iec60870_asdu.causetx"], r["iec60870_asdu.nega"]
    for i, t in enumerate(tids):
        if not t:
            continue
        c = causes[i] if i < len(causes) else "0"
        n = negas[i] if i < len(negas) else ""
        out.append(("%s/%s" % (t, c), iec104_asdu_class(t, c or "0", n)))
    return out


# CIP Vol. 1 appendix A (common services, valid on every class); class-specific services
# (0x4b and up) depend on the class and are left out (total only).
CIP_COMMON = {0x01: READ, 0x03: READ, 0x0e: READ, 0x02: WRITE, 0x04: WRITE, 0x08: WRITE,
              0x09: WRITE, 0x10: WRITE, 0x05: CONTROL, 0x06: CONTROL, 0x07: CONTROL}
# EtherNet/IP (CIP Vol. 2 2-4) encapsulation commands that are requests of their own.
ENIP_CMDS = {0x0001: DIAG, 0x0004: DIAG, 0x0063: DIAG, 0x0064: DIAG, 0x0065: OTHER, 0x0066: OTHER}


def enip_packet(r):
    """A request packet: its encapsulation command, or the CIP services it carries.  Wrappers
    are not requests of their own: Multiple Service Packet (0x0a) counts its inner services,
    Unconnected Send (0x52 on the Connection Manager, class 6) its embedded request."""
    out = []
    for cmd in r["enip.command"]:
        if not cmd:
            continue
        c = int(cmd, 16)
        if c in (0x006f, 0x0070):
            scs, classes = r["cip.sc"], r["cip.class"]
            for i, sc in enumerate(scs):
                if not sc:
                    continue
                s = int(sc, 16)
                k = int(classes[i], 16) if i < len(classes) and classes[i] else -1
                if s == 0x0a or (s == 0x52 and k == 0x06):
                    continue
                out.append(("svc=%#x/class=%#x" % (s, k), CIP_COMMON.get(s)))
        elif c != 0:
            out.append(("cmd=%#06x" % c, ENIP_CMDS.get(c)))
    return out


# S7comm (no public specification: Wireshark's s7comm dissector names the fields) job functions.
S7_JOB = {0xf0: OTHER, 0x04: READ, 0x05: WRITE, 0x1a: PROGRAM, 0x1b: PROGRAM, 0x1c: PROGRAM,
          0x1d: READ, 0x1e: READ, 0x1f: READ, 0x29: CONTROL}  # 0x28 PI: by service name
# Userdata requests by function group: 1 programmer commands, 2 cyclic data, 3 block functions,
# 4 CPU functions (SZL), 5 security, 6 PBC (bsend), 7 time, 15 NC programming.
S7_GROUP = {1: DIAG, 2: READ, 3: READ, 4: DIAG, 5: AUTH, 6: OTHER, 7: OTHER, 15: OTHER}


def s7comm_packet(r):
    """Jobs (ROSCTR 1) in either direction (the CPU itself sends download jobs) and userdata
    requests (ROSCTR 7, type 4).  Acks and userdata responses are not requests."""
    out = []
    rosctr, funcs = r["s7comm.header.rosctr"], r["s7comm.param.func"]
    groups, types = r["s7comm.param.userdata.funcgroup"], r["s7comm.param.userdata.type"]
    fi = gi = 0
    for ro in rosctr:
        if ro == "1" and fi < len(funcs) and funcs[fi]:
            f = int(funcs[fi], 16)
            out.append(("job=%#x" % f, S7_JOB.get(f)))
        if ro in ("1", "3"):
            fi += 1
        if ro == "7" and gi < len(groups) and groups[gi]:
            if gi < len(types) and types[gi] == "4":
                g = int(groups[gi])
                out.append(("userdata group %d" % g, S7_GROUP.get(g)))
            gi += 1
    return out


def mqtt_class(code, extra):
    """MQTT 3.1.1 / 5.0 control packet types; acknowledgements and replies are not requests.
    PUBLISH counts in both directions (a broker publishes to subscribers)."""
    c = int(code)
    return {1: AUTH, 15: AUTH, 3: WRITE, 8: READ, 10: OTHER, 12: OTHER, 14: OTHER}.get(c, "skip")


# ASHRAE 135 clause 21: BACnetConfirmedServiceChoice / BACnetUnconfirmedServiceChoice.
BACNET_CONFIRMED = {12: READ, 14: READ, 26: READ, 6: READ, 15: WRITE, 16: WRITE, 8: WRITE, 9: WRITE,
                    10: WRITE, 11: WRITE, 7: PROGRAM, 17: CONTROL, 20: CONTROL, 5: OTHER, 1: OTHER,
                    2: OTHER}
BACNET_UNCONFIRMED = {0: DIAG, 1: DIAG, 7: DIAG, 8: DIAG, 2: OTHER, 3: OTHER, 4: OTHER, 5: OTHER,
                      6: OTHER, 9: OTHER, 10: WRITE, 11: WRITE}


# ASHRAE 135 Annex J.2: BVLC functions that are requests of their own (the NPDU carriers
# 0x04, 0x09, 0x0a, 0x0b count by what they carry; results and acks are not requests).
BVLC_FUNCS = {0x01: WRITE, 0x02: DIAG, 0x05: OTHER, 0x06: DIAG, 0x08: WRITE}


def bacnet_packet(r):
    """BVLC table requests, confirmed requests (PDU type 0) and unconfirmed requests (type 1);
    network-layer messages count in the total only."""
    out = []
    for f in r["bvlc.function"]:
        if f and int(f, 16) in BVLC_FUNCS:
            out.append(("bvlc %s" % f, BVLC_FUNCS[int(f, 16)]))
    types = r["bacapp.type"]
    conf, unconf = r["bacapp.confirmed_service"], r["bacapp.unconfirmed_service"]
    for t in types:
        if t == "0" and conf and conf[0]:
            out.append(("confirmed %s" % conf[0], BACNET_CONFIRMED.get(int(conf[0]))))
        elif t == "1" and unconf and unconf[0]:
            out.append(("unconfirmed %s" % unconf[0], BACNET_UNCONFIRMED.get(int(unconf[0]))))
    if not types and r["bacnet.mesgtyp"] and r["bacnet.mesgtyp"][0]:
        out.append(("network %s" % r["bacnet.mesgtyp"][0], None))
    return out


def by_code(field, classify, extra=None):
    def packet(r):
        codes = r[field]
        extras = r[extra] if extra else []
        out = []
        for i, code in enumerate(codes):
            if code == "":
                continue
            x = extras[i] if i < len(extras) else ""
            out.append((code if not x else "%s/%s" % (code, x), classify(code, x)))
        return out
    return packet


# protocol: (display filter, fields, well-known server ports, packet -> [(function, class)],
#            requests_only: count only packets sent to the server)
PROTOS = {
    "modbus": ("modbus", ["modbus.func_code", "modbus.mei"], {502},
               by_code("modbus.func_code", modbus_class, "modbus.mei"), True),
    "opcua": ("opcua.servicenodeid.numeric", ["opcua.servicenodeid.numeric"], {4840},
              by_code("opcua.servicenodeid.numeric", opcua_class), True),
    "dnp3": ("dnp3.al.func", ["dnp3.al.func", "dnp3.al.file.mode", "dnp3.al.file.handle"], {20000},
             dnp3_packet, False),
    "s7comm": ("s7comm", ["s7comm.header.rosctr", "s7comm.param.func", "s7comm.param.userdata.funcgroup",
                          "s7comm.param.userdata.type"], {102}, s7comm_packet, False),
    "mqtt": ("mqtt", ["mqtt.msgtype"], {1883}, by_code("mqtt.msgtype", mqtt_class), False),
    "bacnet": ("bvlc", ["bvlc.function", "bacapp.type", "bacapp.confirmed_service", "bacapp.unconfirmed_service",
                                   "bacnet.mesgtyp"], {47808}, bacnet_packet, False),
    "enip": ("enip", ["enip.command", "cip.sc", "cip.class"], {44818}, enip_packet, True),
    "iec104": ("iec60870_104", ["iec60870_104.utype", "iec60870_asdu.typeid", "iec60870_asdu.causetx",
                                "iec60870_asdu.nega"], {2404}, iec104_packet, False),
}

AGG = "\x1e"

# Captures whose protocol runs on a port tshark does not know: tshark -d arguments.
DECODE_AS = {
    "opcua/open62541_client-server_mainloop-not-localhost-non-standard-port.pcap": ["tcp.port==48010,opcua"],
}


def run_tshark(path, dfilter, fields, decode_as=()):
    cmd = ["tshark", "-n", "-r", path]
    for d in decode_as:
        cmd += ["-d", d]
    cmd += ["-Y", dfilter, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
            "-E", "aggregator=" + AGG]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
    return cmd, [line.split("\t") for line in out.decode("utf-8", "replace").split("\n") if line]


def tcp_servers(path):
    """(ip, port) of every SYN's destination: the server side of TCP conversations."""
    _, rows = run_tshark(path, "tcp.flags.syn == 1 && tcp.flags.ack == 0",
                         ["ip.dst", "ipv6.dst", "tcp.dstport"])
    return {((r[0] or r[1]), int(r[2])) for r in rows if r[2]}


def make(shared, rel):
    path = os.path.join(shared, "captures", rel)
    servers = tcp_servers(path)
    made_by, convs = [], {}
    DNP3_FILES["pending"], DNP3_FILES["handles"] = None, {}
    for proto, (dfilter, pfields, ports, classify, requests_only) in PROTOS.items():
        fields = ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
                  "udp.srcport", "udp.dstport"] + pfields
        cmd, rows = run_tshark(path, dfilter, fields, DECODE_AS.get(rel, []))
        made_by.append(" ".join(cmd))
        for row in rows:
            r = dict(zip(fields, row + [""] * (len(fields) - len(row))))
            src, dst = r["ip.src"] or r["ipv6.src"], r["ip.dst"] or r["ipv6.dst"]
            if r["tcp.srcport"]:
                transport, sp, dp = "tcp", int(r["tcp.srcport"]), int(r["tcp.dstport"])
            elif r["udp.srcport"]:
                transport, sp, dp = "udp", int(r["udp.srcport"]), int(r["udp.dstport"])
            else:
                continue
            # The server: the SYN's destination, else the well-known port.
            if transport == "tcp" and (dst, dp) in servers:
                to_server = True
            elif transport == "tcp" and (src, sp) in servers:
                to_server = False
            else:
                to_server = dp in ports and sp not in ports
            if requests_only and not to_server:
                continue
            key = (src, dst, transport, dp, proto) if to_server else (dst, src, transport, sp, proto)
            if transport == "udp" and sp == dp:
                # Same port both ways (BACnet 47808 <-> 47808): no side is the server by port;
                # the pair is kept in a fixed order and matched either way round.
                key = (min(src, dst), max(src, dst), transport, dp, proto)
            for f in pfields:
                r[f] = r[f].split(AGG)
            for name, cls in classify(r):
                if cls == "skip":
                    continue
                e = convs.setdefault(key, {"functions": {}, "ops": {}, "total": 0, "unclassified": 0})
                e["functions"][name] = e["functions"].get(name, 0) + 1
                e["total"] += 1
                if cls is None:
                    e["unclassified"] += 1
                else:
                    e["ops"][cls] = e["ops"].get(cls, 0) + 1
    out = []
    for (c, s, t, p, proto), e in sorted(convs.items()):
        entry = {"client": c, "server": s, "transport": t, "port": p, "protocol": proto,
                 "total": e["total"], "ops": None if e["unclassified"] else e["ops"],
                 "functions": e["functions"]}
        if t == "udp" and p in PROTOS[proto][2] and proto in ("bacnet",):
            entry["unordered"] = True
        out.append(entry)
    return made_by, out


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
    ap.add_argument("--out", default=os.path.join(here, "..", "tests", "golden"))
    ap.add_argument("captures", nargs="*")
    a = ap.parse_args()
    for rel in a.captures or SET:
        gpath = os.path.join(a.out, rel.replace("/", "__") + ".json")
        doc = {"capture": rel}
        if os.path.exists(gpath):
            with open(gpath, encoding="utf-8") as f:
                doc = json.load(f)
        made_by, ops = make(a.shared, rel)
        doc["operations"] = ops
        doc["made_by_ops"] = made_by
        doc.setdefault("review_ops", "")
        with open(gpath, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print("%s: %d industrial conversations" % (rel, len(ops)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

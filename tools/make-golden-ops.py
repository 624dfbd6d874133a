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


# Protocol: (tshark display filter for requests' carrier, function field, extra field,
#            well-known server ports, classifier, transport)
PROTOS = {
    "modbus": ("modbus", "modbus.func_code", "modbus.mei", {502}, modbus_class),
    "opcua": ("opcua.servicenodeid.numeric", "opcua.servicenodeid.numeric", None, {4840},
              opcua_class),
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
    for proto, (dfilter, field, extra, ports, classify) in PROTOS.items():
        fields = ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
                  "udp.srcport", "udp.dstport", field] + ([extra] if extra else [])
        decode_as = DECODE_AS.get(rel, [])
        cmd, rows = run_tshark(path, dfilter, fields, decode_as)
        made_by.append(" ".join(cmd))
        for r in rows:
            src, dst = r[0] or r[2], r[1] or r[3]
            if r[4]:
                transport, sp, dp = "tcp", int(r[4]), int(r[5])
            elif r[6]:
                transport, sp, dp = "udp", int(r[6]), int(r[7])
            else:
                continue
            # Which side is the server: the SYN's destination, else the well-known port.
            if transport == "tcp" and (dst, dp) in servers:
                request = True
            elif transport == "tcp" and (src, sp) in servers:
                request = False
            else:
                request = dp in ports and sp not in ports
            if not request:
                continue
            codes = [c for c in r[8].split(AGG) if c != ""]
            extras = r[9].split(AGG) if extra and len(r) > 9 else []
            key = (src, dst, transport, dp, proto)
            e = convs.setdefault(key, {"functions": {}, "ops": {}, "total": 0, "unclassified": 0})
            for i, code in enumerate(codes):
                x = extras[i] if i < len(extras) else ""
                cls = classify(code, x)
                name = code if not x else "%s/%s" % (code, x)
                e["functions"][name] = e["functions"].get(name, 0) + 1
                e["total"] += 1
                if cls is None:
                    e["unclassified"] += 1
                else:
                    e["ops"][cls] = e["ops"].get(cls, 0) + 1
    out = []
    for (c, s, t, p, proto), e in sorted(convs.items()):
        out.append({"client": c, "server": s, "transport": t, "port": p, "protocol": proto,
                    "total": e["total"], "ops": None if e["unclassified"] else e["ops"],
                    "functions": e["functions"]})
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

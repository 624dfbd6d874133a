#!/usr/bin/env python3
"""The fins parser end to end.

1. The committed captures of tests/captures/fins/ (the npm package omron-fins
   talking to tests/peers/fins/responder.py; see that directory's README): each
   is one conversation client 192.168.3.20 -> PLC 192.168.3.49 labelled fins
   with the operation counts of the responder's request log (requests.log), the
   PLC's identity OMRON CJ2M-CPU31 02.01 from CONTROLLER DATA READ, its PLC role,
   the engineering-workstation hint for the client that sent STOP, and the events
   fins_stop and fins_error_response once each.
2. When --shared has them, the public captures of shared/captures/fins/: the
   conversations and operation counts that tshark's omron dissector shows, and
   the CP1L-EL20DR-D identity of omron__omron_test.pcap.

Usage: test_fins_captures.py --mieruka PATH --shared PATH [--src PATH]
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

FAILS = []

CLIENT, PLC = "192.168.3.20", "192.168.3.49"
ZERO = {"read": 0, "write": 0, "program": 0, "control": 0, "firmware": 0, "auth": 0,
        "diagnostic": 0, "other": 0}
# omron-fins session (client.js): 0101 x3 + 0104 read; 0102, 0103, 0105 write;
# 0401, 0402 control; 0501, 0601, 0701 diagnostic; 0702 clock write (other)
SESSION = {"read": 4, "write": 3, "control": 2, "diagnostic": 3, "other": 1}
EXPECT = {
    "omron_fins_udp.pcap": ("udp", 9600),
    "omron_fins_tcp.pcap": ("tcp", 9600),
    "omron_fins_tcp_19600.pcap": ("tcp", 19600),
}
# public captures: (client, server, transport, port) -> non-zero operations, as
# counted from `tshark -d udp.port==9600,omron -Y omron.command` (commands only)
PUBLIC = {
    "omron.pcap": {
        ("10.4.14.102", "10.130.130.130", "udp", 9600): {
            "read": 32, "write": 3, "program": 19, "control": 11, "auth": 3,
            "diagnostic": 20, "other": 5},
    },
    "omron__omron_test.pcap": {
        ("10.1.1.173", "10.1.1.164", "tcp", 9600): {"diagnostic": 1},
        ("10.1.1.173", "10.1.1.164", "udp", 9600): {"diagnostic": 1},
    },
    "omron_fins_tcp_commands_responses.pcap": {
        ("192.168.0.2", "192.168.0.1", "tcp", 9600): {"control": 2, "diagnostic": 5, "other": 1},
    },
}


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def analyze(mk, pcap, tmp):
    db = os.path.join(tmp, os.path.basename(pcap) + ".db")
    js = os.path.join(tmp, os.path.basename(pcap) + ".json")
    p = subprocess.run([mk, "analyze", "--quiet", "--db", db, "--json", js, pcap],
                       capture_output=True, timeout=120)
    check(p.returncode == 0, "%s: analyze exit 0 (got %d) %s" % (
        pcap, p.returncode, p.stderr.decode("utf-8", "replace")[-300:]))
    with open(js, encoding="utf-8") as f:
        return json.load(f)


def fins_comms(doc):
    return {(c["client"], c["server"], c["transport"], c["port"]): c
            for c in doc.get("communications", []) if c["protocol"] == "fins"}


def committed(mk, capdir, tmp):
    for name, (transport, port) in sorted(EXPECT.items()):
        doc = analyze(mk, os.path.join(capdir, name), tmp)
        comms = doc.get("communications", [])
        check(len(comms) == 1, "%s: one conversation (got %d)" % (name, len(comms)))
        if not comms:
            continue
        c = comms[0]
        check((c["client"], c["server"], c["transport"], c["port"], c["protocol"]) ==
              (CLIENT, PLC, transport, port, "fins"),
              "%s: %s -> %s %s/%d fins (got %s -> %s %s/%s %s)" % (
                  name, CLIENT, PLC, transport, port, c["client"], c["server"],
                  c["transport"], c["port"], c["protocol"]))
        want = dict(ZERO, **SESSION)
        check(c["operations"] == want, "%s: operations %s (got %s)" % (name, SESSION, c["operations"]))
        assets = {ip: x for x in doc.get("assets", []) for ip in x.get("ips", [])}
        plc, cli = assets.get(PLC), assets.get(CLIENT)
        check(plc is not None and cli is not None, "%s: PLC and client are assets" % name)
        if plc is None or cli is None:
            continue
        check(any(r["role"] == "plc" for r in plc.get("roles", [])), "%s: PLC role" % name)
        check("fins" in plc["protocols"]["server"], "%s: PLC serves fins" % name)
        ident = plc.get("identity") or {}
        check((ident.get("vendor"), ident.get("model"), ident.get("firmware"), ident.get("source")) ==
              ("OMRON", "CJ2M-CPU31", "02.01", "fins"),
              "%s: identity OMRON CJ2M-CPU31 02.01 (got %s)" % (name, ident))
        check(any(r["role"] == "engineering_workstation" for r in cli.get("roles", [])),
              "%s: STOP makes the client an engineering workstation hint" % name)
        stats = doc.get("statistics", {})
        for ev in ("fins_stop", "fins_error_response"):
            check(stats.get("anomaly." + ev) == 1, "%s: one %s (got %s)" % (
                name, ev, stats.get("anomaly." + ev)))


def public(mk, shared, tmp):
    capdir = os.path.join(shared, "captures", "fins")
    for name, convs in sorted(PUBLIC.items()):
        path = os.path.join(capdir, name)
        if not os.path.exists(path):
            print("skip: no %s" % path)
            continue
        got = fins_comms(analyze(mk, path, tmp))
        check(set(got) == set(convs), "%s: fins conversations %s (got %s)" % (
            name, sorted(convs), sorted(got)))
        for key, ops in convs.items():
            if key in got:
                check(got[key]["operations"] == dict(ZERO, **ops), "%s %s: operations %s (got %s)" % (
                    name, key, ops, got[key]["operations"]))
    path = os.path.join(capdir, "omron__omron_test.pcap")
    if os.path.exists(path):
        doc = analyze(mk, path, tmp)
        ids = [a.get("identity") for a in doc.get("assets", []) if "10.1.1.164" in a.get("ips", [])]
        check(ids and ids[0] and ids[0].get("vendor") == "OMRON" and
              ids[0].get("model") == "CP1L-EL20DR-D" and ids[0].get("firmware") == "01.00",
              "omron__omron_test.pcap: 10.1.1.164 is OMRON CP1L-EL20DR-D 01.00 (got %s)" % ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src")
    a = ap.parse_args()
    mk = os.path.abspath(a.mieruka)
    src = os.path.abspath(a.src) if a.src else os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    capdir = os.path.join(src, "tests", "captures", "fins")
    if not os.path.isdir(capdir):
        print("skip: no %s" % capdir)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        committed(mk, capdir, tmp)
        public(mk, a.shared, tmp)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The slmp parser end to end on the committed captures of tests/captures/slmp/
(an independent client, npm mcprotocol 0.1.2, and extra_client.py talking to
tests/peers/slmp/responder.py; see that directory's README): each capture is one
conversation client 192.168.3.10 -> PLC 192.168.3.39 labelled slmp with the
operation counts of the responder's request log (requests.log), and the CPU
model the PLC answered reaches the PLC's identity.  Self-contained: no network.

Usage: test_slmp_captures.py --mieruka PATH --shared PATH [--src PATH]
Exit 0 pass, 1 fail.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

FAILS = []

CLIENT, PLC = "192.168.3.10", "192.168.3.39"
ZERO = {"read": 0, "write": 0, "program": 0, "control": 0, "firmware": 0, "auth": 0,
        "diagnostic": 0, "other": 0}

# capture: (server port, non-zero operation counts, PLC model or None)
EXPECT = {
    # mcprotocol: two read cycles of D0-D4 and M10-M17 (4 batch reads), one batch write of D100-D101
    "mcprotocol_1e_binary.pcap": (1281, {"read": 4, "write": 1}, None),
    "mcprotocol_1e_ascii.pcap": (1282, {"read": 4, "write": 1}, None),
    "mcprotocol_3e_binary.pcap": (5000, {"read": 4, "write": 1}, None),
    "mcprotocol_3e_ascii.pcap": (5001, {"read": 4, "write": 1}, None),
    # extra_client.py: CPU model read, remote STOP, remote RUN
    "extra_1e_binary.pcap": (1283, {"diagnostic": 1, "control": 2}, "FX3U/FX3UC"),
    "extra_3e_binary.pcap": (5002, {"diagnostic": 1, "control": 2}, "Q03UDVCPU"),
    "extra_4e_ascii.pcap": (5003, {"diagnostic": 1, "control": 2}, "Q03UDVCPU"),
    "extra_4e_binary.pcap": (6000, {"diagnostic": 1, "control": 2}, "Q03UDVCPU"),
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
    check(p.returncode == 0, "%s: analyze exit 0 (got %d) %s" % (pcap, p.returncode,
                                                                p.stderr.decode("utf-8", "replace")[-300:]))
    with open(js, encoding="utf-8") as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src")
    a = ap.parse_args()
    mk = os.path.abspath(a.mieruka)
    src = os.path.abspath(a.src) if a.src else os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    capdir = os.path.join(src, "tests", "captures", "slmp")
    if not os.path.isdir(capdir):
        print("skip: no %s" % capdir)
        return 77

    with tempfile.TemporaryDirectory() as tmp:
        for name, (port, ops, model) in sorted(EXPECT.items()):
            doc = analyze(mk, os.path.join(capdir, name), tmp)
            comms = doc.get("communications", [])
            check(len(comms) == 1, "%s: one conversation (got %d)" % (name, len(comms)))
            if not comms:
                continue
            c = comms[0]
            check((c["client"], c["server"], c["transport"], c["port"], c["protocol"]) ==
                  (CLIENT, PLC, "tcp", port, "slmp"),
                  "%s: %s -> %s tcp/%d slmp (got %s -> %s %s/%s %s)" % (
                      name, CLIENT, PLC, port, c["client"], c["server"], c["transport"],
                      c["port"], c["protocol"]))
            want = dict(ZERO, **ops)
            check(c["operations"] == want, "%s: operations %s (got %s)" % (name, ops, c["operations"]))
            assets = {ip: x for x in doc.get("assets", []) for ip in x.get("ips", [])}
            plc = assets.get(PLC)
            check(plc is not None, "%s: the PLC is an asset" % name)
            if plc is None:
                continue
            check(any(r["role"] == "plc" for r in plc.get("roles", [])), "%s: PLC role" % name)
            check("slmp" in plc["protocols"]["server"], "%s: PLC serves slmp" % name)
            ident = plc.get("identity")
            if model is None:
                check(ident is None, "%s: no identity claimed (got %s)" % (name, ident))
            else:
                check(ident is not None and ident.get("vendor") == "Mitsubishi Electric" and
                      ident.get("model") == model and ident.get("source") == "slmp",
                      "%s: identity Mitsubishi Electric %s (got %s)" % (name, model, ident))
                cli = assets.get(CLIENT)
                check(cli is not None and any(r["role"] == "engineering_workstation"
                                              for r in cli.get("roles", [])),
                      "%s: remote STOP makes the client an engineering workstation hint" % name)

    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

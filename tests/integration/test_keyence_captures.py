#!/usr/bin/env python3
"""The keyence_kv parser end to end on the committed captures of
tests/captures/keyence_kv/ (tests/peers/keyence_kv/client.py talking KV host
link to responder.py; see that directory's README): each capture is one
conversation client 192.168.3.21 -> PLC 192.168.3.59 labelled keyence_kv with
the operation counts of the session (requests.log), the PLC's identity KEYENCE
KV-8000 from the "?K" answer 57, its PLC role, and the events
keyence_kv_mode_change (M0, M1) and keyence_kv_error_response (E0) counted.
Self-contained: no network.

Usage: test_keyence_captures.py --mieruka PATH --shared PATH [--src PATH]
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

FAILS = []

CLIENT, PLC = "192.168.3.21", "192.168.3.59"
ZERO = {"read": 0, "write": 0, "program": 0, "control": 0, "firmware": 0, "auth": 0,
        "diagnostic": 0, "other": 0}
# client.py: RD, RDS, MBS, MBR, MWS, MWR, RD (E0) read; WR, WRS, ST, RS write;
# M0, M1 control; ?K, ?M, ?E diagnostic; CR, ER, WRT, CQ other
SESSION = {"read": 7, "write": 4, "control": 2, "diagnostic": 3, "other": 4}
EXPECT = {
    "keyence_kv_hostlink.pcap": (8501, SESSION),
    # off the port hint the first line "CR" is only a MAYBE (a bare two-letter
    # word is too weak to claim a flow), so the flow is labelled from "?K" on
    # and the CR is not counted
    "keyence_kv_hostlink_18501.pcap": (18501, dict(SESSION, other=3)),
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src")
    a = ap.parse_args()
    mk = os.path.abspath(a.mieruka)
    src = os.path.abspath(a.src) if a.src else os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    capdir = os.path.join(src, "tests", "captures", "keyence_kv")
    if not os.path.isdir(capdir):
        print("skip: no %s" % capdir)
        return 77

    with tempfile.TemporaryDirectory() as tmp:
        for name, (port, ops) in sorted(EXPECT.items()):
            doc = analyze(mk, os.path.join(capdir, name), tmp)
            comms = doc.get("communications", [])
            check(len(comms) == 1, "%s: one conversation (got %d)" % (name, len(comms)))
            if not comms:
                continue
            c = comms[0]
            check((c["client"], c["server"], c["transport"], c["port"], c["protocol"]) ==
                  (CLIENT, PLC, "tcp", port, "keyence_kv"),
                  "%s: %s -> %s tcp/%d keyence_kv (got %s -> %s %s/%s %s)" % (
                      name, CLIENT, PLC, port, c["client"], c["server"], c["transport"],
                      c["port"], c["protocol"]))
            check(c["operations"] == dict(ZERO, **ops), "%s: operations %s (got %s)" % (
                name, ops, c["operations"]))
            assets = {ip: x for x in doc.get("assets", []) for ip in x.get("ips", [])}
            plc = assets.get(PLC)
            check(plc is not None, "%s: the PLC is an asset" % name)
            if plc is None:
                continue
            check(any(r["role"] == "plc" for r in plc.get("roles", [])), "%s: PLC role" % name)
            check("keyence_kv" in plc["protocols"]["server"], "%s: PLC serves keyence_kv" % name)
            ident = plc.get("identity") or {}
            check((ident.get("vendor"), ident.get("model"), ident.get("source")) ==
                  ("KEYENCE", "KV-8000", "keyence_kv"),
                  "%s: identity KEYENCE KV-8000 (got %s)" % (name, ident))
            stats = doc.get("statistics", {})
            for ev, n in (("keyence_kv_mode_change", 2), ("keyence_kv_error_response", 1)):
                check(stats.get("anomaly." + ev) == n, "%s: %d x %s (got %s)" % (
                    name, n, ev, stats.get("anomaly." + ev)))

    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

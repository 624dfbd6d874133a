#!/usr/bin/env python3
"""Golden tests: mieruka's asset ledger and conversation list against Wireshark's dissection.

Each tests/golden/*.json (written by tools/make-golden.py from tshark output, then reviewed by
hand: tests/golden/README.md) names a capture under shared/captures and what Wireshark shows in it.
For each, run `mieruka analyze --quiet --db <tmp> --json <tmp> CAPTURE` and check:
  sources        every golden source IP is in exactly one asset; that asset's "mac" is the MAC that
                 sent the IP ("expect_mac"; null for a host behind a router, as inventory.h says);
                 when the MAC is set, "vendor" is the IEEE organisation of the MAC (longest match over
                 /usr/share/ieee-data oui.txt, mam.txt, oui36.txt; null for locally administered MACs)
  hostnames      every golden name is in "hostnames" of the asset with that MAC (or holding that IP);
                 compared without regard to case; an mDNS name also matches without ".local"
  conversations  every golden (client, server, transport, port) is in "communications"
Every mismatch is printed.  Standard library only; tshark is not needed here.

Usage: test_golden.py --mieruka PATH --shared PATH --src PROJECT_ROOT [--only SUBSTRING] [--keep DIR]
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import glob
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile

IEEE_DIR = "/usr/share/ieee-data"


class Oui:
    """Longest-prefix MAC -> organisation table over the IEEE registries."""

    def __init__(self, d):
        self.tables = {}      # prefix length in hex digits -> {prefix: org}
        self.loaded = False
        for name in ("oui.txt", "mam.txt", "oui36.txt"):
            p = os.path.join(d, name)
            if os.path.exists(p):
                self._load(p)
                self.loaded = True

    def _load(self, path):
        hexre = re.compile(r"^([0-9A-Fa-f]{2})-([0-9A-Fa-f]{2})-([0-9A-Fa-f]{2})\s+\(hex\)\s+(.*)$")
        b16re = re.compile(r"^([0-9A-Fa-f]{6})(?:-([0-9A-Fa-f]{6}))?\s+\(base 16\)\s*(.*)$")
        prefix, org = None, None
        with open(path, encoding="utf-8", errors="replace") as f:
            for raw in f:
                line = raw.strip()
                m = hexre.match(line)
                if m:
                    prefix = (m.group(1) + m.group(2) + m.group(3)).lower()
                    org = m.group(4).strip()
                    continue
                m = b16re.match(line)
                if m and prefix:
                    lo, hi = m.group(1).lower(), m.group(2)
                    if hi is None:
                        key = prefix
                    else:
                        hi = hi.lower()
                        n = 0
                        while n < 6 and lo[n] == hi[n]:
                            n += 1
                        key = prefix + lo[:n]
                    self.tables.setdefault(len(key), {})[key] = org
                    prefix = None

    def lookup(self, mac):
        h = mac.replace(":", "").lower()
        if len(h) != 12:
            return None
        first = int(h[:2], 16)
        if first & 0x03:          # multicast or locally administered: no organisation
            return None
        for n in sorted(self.tables, reverse=True):
            org = self.tables[n].get(h[:n])
            if org is not None:
                # interface.md: 00:1b:1b -> "Siemens AG" (the registry writes "Siemens AG,")
                return org.strip().rstrip(",").strip()
        return None


def norm_ip(s):
    try:
        return str(ipaddress.ip_address(s))
    except (ValueError, TypeError):
        return s


def norm_mac(s):
    return s.lower() if isinstance(s, str) else s


class Checker:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = []

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed.append(what)
            print("FAIL %s: %s" % (self.name, what), flush=True)
        return ok


def describe(asset):
    return "asset %s (mac %s, ips %s)" % (asset.get("id"), asset.get("mac"), asset.get("ips"))


def check_file(golden, doc, oui, ck):
    assets = doc.get("assets") or []
    by_ip = {}
    by_mac = {}
    for a in assets:
        for ip in a.get("ips") or []:
            by_ip.setdefault(norm_ip(ip), []).append(a)
        if a.get("mac"):
            by_mac.setdefault(norm_mac(a["mac"]), []).append(a)

    for s in golden.get("sources", []):
        ip = norm_ip(s["ip"])
        holders = by_ip.get(ip, [])
        if not ck.check(len(holders) == 1, "source %s is in %d assets (want exactly 1)%s" % (
                ip, len(holders), ": " + "; ".join(describe(a) for a in holders) if holders else "")):
            continue
        a = holders[0]
        got = norm_mac(a.get("mac"))
        if s.get("ambiguous"):
            ck.check(got in s["macs"], "source %s: %s, want mac one of %s" % (ip, describe(a), s["macs"]))
            want = got
        else:
            want = norm_mac(s.get("expect_mac"))
            why = "sent by %s" % ", ".join(s["macs"])
            if want is None:
                why += ", a router: the host is behind it, so the asset is keyed by IP"
            ck.check(got == want, "source %s: mac %s, want %s (%s)" % (ip, got, want, why))
        if want is not None and got == want:
            exp = oui.lookup(want)
            ck.check(a.get("vendor") == exp, "source %s (mac %s): vendor %r, want %r (IEEE registry)" % (
                ip, want, a.get("vendor"), exp))

    for n in golden.get("hostnames", []):
        name = n["name"]
        if n.get("mac"):
            holders = by_mac.get(norm_mac(n["mac"]), [])
            where = "mac %s" % n["mac"]
        else:
            holders = by_ip.get(norm_ip(n["ip"]), [])
            where = "ip %s" % n["ip"]
        if not ck.check(len(holders) == 1, "hostname %r (%s): %d assets with %s (want 1)" % (
                name, n["source"], len(holders), where)):
            continue
        have = [h for h in holders[0].get("hostnames") or [] if isinstance(h, str)]
        want = {name.lower()}
        if n["source"] == "mdns" and name.lower().endswith(".local"):
            want.add(name.lower()[:-len(".local")])
        ck.check(any(h.lower() in want for h in have), "hostname %r (%s) not in hostnames %s of %s" % (
            name, n["source"], have, describe(holders[0])))

    comms = set()
    for c in doc.get("communications") or []:
        comms.add((norm_ip(c.get("client")), norm_ip(c.get("server")), c.get("transport"), c.get("port")))
    for c in golden.get("conversations", []):
        key = (norm_ip(c["client"]), norm_ip(c["server"]), c["transport"], c["port"])
        if key in comms:
            ck.check(True, "")
            continue
        hint = ""
        if any(x[0] == key[1] and x[1] == key[0] and x[2] == key[2] for x in comms):
            hint = " (found with client and server swapped)"
        elif any(x[:3] == key[:3] for x in comms):
            ports = sorted(str(x[3]) for x in comms if x[:3] == key[:3])
            hint = " (same hosts with port %s)" % ",".join(ports)
        ck.check(False, "conversation %s -> %s %s/%s missing from communications%s" % (
            key[0], key[1], key[2], key[3], hint))

    # Device identities the capture states (CIP ListIdentity, S7 SZL, Modbus 43/14, BACnet
    # I-Am, PROFINET DCP, FINS controller data...), written by hand from tshark's dissection.
    for g in golden.get("identities", []):
        where = ("mac %s" % g["mac"]) if g.get("mac") else ("ip %s" % g["ip"])
        holders = by_mac.get(norm_mac(g["mac"]), []) if g.get("mac") else by_ip.get(norm_ip(g["ip"]), [])
        if not ck.check(len(holders) == 1, "identity of %s: %d assets (want 1)" % (where, len(holders))):
            continue
        have = holders[0].get("identity") or {}
        for field in ("vendor", "product", "model", "firmware", "serial", "source"):
            if field in g:
                ck.check(have.get(field) == g[field], "identity of %s: %s %r, want %r" % (
                    where, field, have.get(field), g[field]))

    # Industrial conversations: protocol and requests per operation class, as Wireshark's
    # function codes classified by tools/make-golden-ops.py (total only where a code is not
    # in its tables).
    by_key = {}
    for c in doc.get("communications") or []:
        k = (norm_ip(c.get("client")), norm_ip(c.get("server")), c.get("transport"), c.get("port"))
        by_key.setdefault(k, []).append(c)
    for g in golden.get("operations", []):
        key = (norm_ip(g["client"]), norm_ip(g["server"]), g["transport"], g["port"])
        what = "%s %s -> %s %s/%s" % (g["protocol"], key[0], key[1], key[2], key[3])
        cands = [c for c in by_key.get(key, []) if c.get("protocol") == g["protocol"]]
        if g.get("unordered"):
            rkey = (key[1], key[0], key[2], key[3])
            cands += [c for c in by_key.get(rkey, []) if c.get("protocol") == g["protocol"]]
        if not ck.check(len(cands) >= 1, "%s: no such conversation (have: %s)" % (
                what, ", ".join(sorted({str(c.get("protocol")) for c in by_key.get(key, [])})) or "none")):
            continue
        got = {}
        for c in cands:
            for cls, n in (c.get("operations") or {}).items():
                got[cls] = got.get(cls, 0) + n
        total = sum(got.values())
        ck.check(total == g["total"], "%s: %d requests, want %d (functions %s)" % (
            what, total, g["total"], g["functions"]))
        if g.get("ops") is not None:
            want = {k: v for k, v in g["ops"].items() if v}
            have = {k: v for k, v in got.items() if v}
            ck.check(have == want, "%s: operations %s, want %s (functions %s)" % (
                what, have, want, g["functions"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--only")
    ap.add_argument("--keep", help="keep each JSON output in this directory")
    ap.add_argument("--timeout", type=int, default=300)
    a = ap.parse_args()

    mieruka = os.path.abspath(a.mieruka)
    if not os.access(mieruka, os.X_OK):
        print("SKIP: mieruka binary %s not found" % mieruka)
        return 77
    goldens = sorted(glob.glob(os.path.join(a.src, "tests", "golden", "*.json")))
    if a.only:
        goldens = [g for g in goldens if a.only in os.path.basename(g)]
    if not goldens:
        print("SKIP: no golden files in %s/tests/golden" % a.src)
        return 77
    if not os.path.isdir(os.path.join(a.shared, "captures")):
        print("SKIP: %s/captures not found" % a.shared)
        return 77
    oui = Oui(IEEE_DIR)
    if not oui.loaded:
        print("SKIP: %s/oui.txt not found (install Debian package ieee-data)" % IEEE_DIR)
        return 77

    total_pass, total_fail, bad_files = 0, 0, []
    for g in goldens:
        with open(g, encoding="utf-8") as f:
            golden = json.load(f)
        rel = golden["capture"]
        ck = Checker(rel)
        # "local": a capture kept in this repository (tests/captures), e.g. a public loopback
        # capture moved onto a LAN so that its hosts become assets.
        if golden.get("local"):
            cap = os.path.join(os.path.abspath(a.src), "tests", "captures", rel)
        else:
            cap = os.path.join(a.shared, "captures", rel)
        with tempfile.TemporaryDirectory(prefix="mk-golden-") as tmp:
            js = os.path.join(tmp, "out.json")
            cmd = [mieruka, "analyze", "--quiet", "--db", os.path.join(tmp, "t.db"), "--json", js, cap]
            try:
                p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=a.timeout, cwd=tmp)
                rc, err = p.returncode, p.stderr.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                rc, err = None, "timeout"
            doc = None
            if ck.check(rc == 0, "mieruka analyze exited %s: %s" % (rc, err.strip()[-300:])):
                try:
                    with open(js, "rb") as f:
                        doc = json.loads(f.read().decode("utf-8"))
                except (OSError, ValueError) as e:
                    ck.check(False, "JSON output unreadable: %s" % e)
            if a.keep and os.path.exists(js):
                os.makedirs(a.keep, exist_ok=True)
                with open(js, "rb") as src, open(os.path.join(a.keep, os.path.basename(g)), "wb") as dst:
                    dst.write(src.read())
        if doc is not None:
            check_file(golden, doc, oui, ck)
        total_pass += ck.passed
        total_fail += len(ck.failed)
        print("%-60s %3d passed, %3d failed" % (rel, ck.passed, len(ck.failed)), flush=True)
        if ck.failed:
            bad_files.append(rel)
    if bad_files:
        print("\nfiles with mismatches: %s" % ", ".join(bad_files))
    print("%d passed, %d failed" % (total_pass, total_fail))
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main())

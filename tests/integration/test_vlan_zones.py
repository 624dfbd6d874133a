#!/usr/bin/env python3
"""Zones by VLAN end to end, on the generated capture tests/captures/zones/vlan_zones.pcap.

One /24 (192.168.50.0/24) split by a firewall into VLAN 10 (an HMI and PLC-A), VLAN 20
(PLC-B) and the untagged office port (two PCs); the firewall forwards between them, so a
routed connection is seen on both segments (tests/captures/zones/README.md).

- With `vlan line1 10`, `vlan line2 20`, the /24 as the office subnet and the conduit
  line1 -> line2 modbus/502: exactly two zone_violation alerts, PLC-B -> PLC-A (line2 ->
  line1) and PC -> PLC-B (office -> line2), both high (PLCs on the target side), count 2
  (each connection is one flow per segment).  Nothing for HMI -> PLC-A (inside VLAN 10),
  HMI -> PLC-B (the conduit) or PC -> PC2 (untagged, one subnet).
- Without the conduit, HMI -> PLC-B is a third.
- The same zones without their vlan lines: no violation at all, so the VLAN decided.
- JSON ASSET "vlans" and "zone": the VLAN devices in their VLAN's zone although their
  address is in the office subnet, the untagged PCs in the office, the firewall (VLANs 10
  and 20: two zones) in none.  assets.csv has the vlans column, the terminal ledger a VLAN
  column; `export` reads the VLANs back from the database.

Usage: test_vlan_zones.py --mieruka PATH --shared PATH --src PROJECT_ROOT
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

FAILS = []
ENV = {**os.environ, "LANG": "C", "LC_ALL": "C"}

HMI, PLC_A, PLC_B = "192.168.50.11", "192.168.50.10", "192.168.50.20"
PC, PC2 = "192.168.50.100", "192.168.50.101"
ZONES = """zone office 事務所
subnet office 192.168.50.0/24
zone line1 ライン1
vlan line1 10
zone line2 ライン2
vlan line2 20
"""
CONDUIT = "conduit line1 line2 modbus/502\n"


def check(cond, msg):
    if not cond:
        FAILS.append(msg)


def run(mieruka, *args):
    return subprocess.run([mieruka, *args], capture_output=True, timeout=600, env=ENV)


def analyze(mieruka, db, cap, zones, extra=()):
    out = run(mieruka, "analyze", "--db", db, "--zones", zones, "--json", "-", *extra, cap)
    if out.returncode != 0:
        FAILS.append(f"{zones}: exit {out.returncode}: {out.stderr.decode(errors='replace')[:300]}")
        return None
    return json.loads(out.stdout)


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def violations(doc):
    return sorted((a["evidence"]["client"], a["evidence"]["server"], a["evidence"].get("protocol"),
                   a["evidence"].get("client_zone"), a["evidence"].get("server_zone"),
                   a["severity"], a["count"])
                  for a in doc["alerts"] if a["type"] == "zone_violation")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src", required=True)
    args = ap.parse_args()
    m = args.mieruka
    cap = os.path.join(args.src, "tests", "captures", "zones", "vlan_zones.pcap")
    if not os.path.exists(cap):
        print(f"FAIL: {cap} missing")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        # VLAN zones with the conduit line1 -> line2
        zf = write(os.path.join(tmp, "vlan.conf"), ZONES + CONDUIT)
        db = os.path.join(tmp, "v1.db")
        csvdir = os.path.join(tmp, "csv")
        doc = analyze(m, db, cap, zf, ["--csv", csvdir])
        if doc is not None:
            got = violations(doc)
            want = sorted([
                (PLC_B, PLC_A, "modbus", "line2", "line1", "high", 2),
                (PC, PLC_B, "modbus", "office", "line2", "high", 2),
            ])
            check(got == want, f"violations {got}, want {want}")
            by_ip = {a["ips"][0] if a["ips"] else a["mac"]: a for a in doc["assets"]}
            for key, vlans, zone in ((HMI, [10], "line1"), (PLC_A, [10], "line1"),
                                     (PLC_B, [20], "line2"), (PC, [], "office"),
                                     (PC2, [], "office"), ("02:00:00:00:00:01", [10, 20], None)):
                a = by_ip.get(key)
                check(a is not None, f"asset {key} missing")
                if a is None:
                    continue
                check(a.get("vlans") == vlans, f"asset {key}: vlans {a.get('vlans')}, want {vlans}")
                check((a.get("zone") or {}).get("id") == zone,
                      f"asset {key}: zone {a.get('zone')}, want {zone}")
            # untagged traffic stays the subnet's business: no alert about the PCs' HTTP
            check(not [a for a in doc["alerts"] if a["type"] == "zone_violation"
                       and a["evidence"].get("server") == PC2], "PC -> PC2 raised zone_violation")
            with open(os.path.join(csvdir, "assets.csv"), encoding="utf-8-sig", newline="") as f:
                rows = list(csv.reader(f))
            h = {k: i for i, k in enumerate(rows[0])}
            check("vlans" in h, f"assets.csv header {rows[0]}")
            if "vlans" in h:
                by_mac = {r[h["mac"]]: r[h["vlans"]] for r in rows[1:]}
                check(by_mac.get("00:0e:8c:00:00:11") == "10" and
                      by_mac.get("02:00:00:00:00:01") == "10 20" and
                      by_mac.get("00:15:5d:00:01:00") == "",
                      f"assets.csv vlans {by_mac}")
            # read back from the database: the terminal ledger's VLAN column
            out = run(m, "export", "--db", db)
            text = out.stdout.decode(errors="replace")
            head = [ln for ln in text.splitlines() if "MAC address" in ln]
            fw = [ln for ln in text.splitlines() if "02:00:00:00:00:01" in ln and "router" in ln]
            check(out.returncode == 0 and head and head[0].rstrip().endswith("VLAN") and
                  fw and fw[0].rstrip().endswith("10 20"),
                  f"terminal ledger: {head} {fw}")
            doc2 = json.loads(run(m, "export", "--db", db, "--json", "-").stdout or b"{}")
            check({a["id"]: a.get("vlans") for a in doc2.get("assets", [])} ==
                  {a["id"]: a.get("vlans") for a in doc["assets"]}, "export: VLANs not read back")

        # without the conduit: HMI -> PLC-B too
        zf = write(os.path.join(tmp, "noconduit.conf"), ZONES)
        doc = analyze(m, os.path.join(tmp, "v2.db"), cap, zf)
        if doc is not None:
            got = [v[:2] for v in violations(doc)]
            check(got == sorted([(PLC_B, PLC_A), (PC, PLC_B), (HMI, PLC_B)]),
                  f"without conduit: {violations(doc)}")

        # the same zones without their vlan lines: one subnet, no violation
        zf = write(os.path.join(tmp, "novlan.conf"),
                   "".join(ln + "\n" for ln in ZONES.splitlines() if not ln.startswith("vlan")))
        doc = analyze(m, os.path.join(tmp, "v3.db"), cap, zf)
        if doc is not None:
            check(violations(doc) == [], f"without vlan lines: {violations(doc)}")
            check(all((a.get("zone") or {}).get("id") in ("office", None) for a in doc["assets"]),
                  "without vlan lines: an asset outside the office")
    for f in FAILS:
        print("FAIL:", f)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

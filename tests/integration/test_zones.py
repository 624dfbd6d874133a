#!/usr/bin/env python3
"""Zones and conduits end to end, on real captures of ../shared/captures.

- modbus/ModbusTCP__ModbusTCP.pcap: a SCADA server (141.81.0.10) polls 13 PLCs in the same
  /24.  With the SCADA in an office zone (an asset line, which beats the subnet) and the
  subnet as the control zone, exactly 13 zone_violation alerts (one per PLC, high: the
  control zone holds PLCs), with their counts and zones; the same with the Modbus conduit
  allowed: none; a conduit for another protocol or the other direction does not help; the
  whole plant as one zone: none.  JSON assets carry their zone, CSV assets the zone columns.
- s7comm/s7__step7_s300_download.pcapng: the engineering PC and the PLC in two /24s;
  `zones propose` puts them in two control zones with the S7 traffic as a commented-out
  conduit; the proposal is accepted by `zones import` (round trip), gives one
  zone_violation, and with the conduit line uncommented none.
- a bad zone file: exit 2, the file, line and reason, and the database is not touched.
- import/export of data/examples/zones.conf round-trips.

Usage: test_zones.py --mieruka PATH --shared PATH --src PROJECT_ROOT
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

MODBUS = "modbus/ModbusTCP__ModbusTCP.pcap"
S7 = "s7comm/s7__step7_s300_download.pcapng"
SCADA = "141.81.0.10"
# the PLCs the SCADA server polls, and the Modbus/TCP connections to each (two to .46)
PLCS = {"141.81.0.24": 1, "141.81.0.26": 1, "141.81.0.44": 1, "141.81.0.46": 2,
        "141.81.0.64": 1, "141.81.0.66": 1, "141.81.0.84": 1, "141.81.0.86": 1,
        "141.81.0.104": 1, "141.81.0.143": 1, "141.81.0.144": 1, "141.81.0.163": 1,
        "141.81.0.164": 1}

ZONES = """# the SCADA server in the office zone, by an asset line inside the control subnet
zone office 事務所
asset office 141.81.0.10
zone control 制御 ライン1
subnet control 141.81.0.0/24
"""


def check(cond, msg):
    if not cond:
        FAILS.append(msg)


def run(mieruka, *args):
    return subprocess.run([mieruka, *args], capture_output=True, timeout=600, env=ENV)


def analyze(mieruka, db, files, extra=()):
    out = run(mieruka, "analyze", "--db", db, "--json", "-", *extra, *files)
    if out.returncode != 0:
        FAILS.append(f"{files}: exit {out.returncode}: {out.stderr.decode(errors='replace')[:300]}")
        return None
    return json.loads(out.stdout)


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def violations(doc):
    return [a for a in doc["alerts"] if a["type"] == "zone_violation"]


def modbus_cases(m, caps, tmp):
    cap = os.path.join(caps, MODBUS)
    zf = write(os.path.join(tmp, "modbus.conf"), ZONES)
    csvdir = os.path.join(tmp, "csv")
    doc = analyze(m, os.path.join(tmp, "m1.db"), [cap], ["--zones", zf, "--csv", csvdir])
    if doc is None:
        return
    v = violations(doc)
    check(len(doc["alerts"]) == 13 and len(v) == 13,
          f"{MODBUS}: {len(v)} zone_violation of {len(doc['alerts'])} alerts, want 13 of 13")
    got = {}
    for a in v:
        ev = a["evidence"]
        got[ev.get("server")] = a["count"]
        check(a["severity"] == "high", f"{MODBUS}: severity {a['severity']}, want high")
        check(ev.get("client") == SCADA and ev.get("protocol") == "modbus" and
              ev.get("port") == 502, f"{MODBUS}: evidence {ev}")
        check(ev.get("client_zone") == "office" and ev.get("client_zone_name") == "事務所" and
              ev.get("server_zone") == "control" and ev.get("server_zone_name") == "制御 ライン1",
              f"{MODBUS}: zone evidence {ev}")
        check(len(a["assets"]) == 2 and len(a["communications"]) == 1,
              f"{MODBUS}: alert assets {a['assets']} communications {a['communications']}")
        check("(事務所)" in a["title"]["en"] and "ゾーン「事務所」" in a["detail"]["ja"] and
              "いま行うこと" in a["detail"]["ja"] and "{" not in a["detail"]["ja"],
              f"{MODBUS}: texts {a['title']['en']!r}")
    check(got == PLCS, f"{MODBUS}: violations per server {got}, want {PLCS}")
    zones = {a["ips"][0]: a["zone"] for a in doc["assets"] if a["ips"]}
    check(zones.get(SCADA) == {"id": "office", "name": "事務所"}, f"SCADA zone {zones.get(SCADA)}")
    check(all(zones.get(ip) == {"id": "control", "name": "制御 ライン1"} for ip in PLCS),
          f"PLC zones {[zones.get(ip) for ip in PLCS]}")
    with open(os.path.join(csvdir, "assets.csv"), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    h = {k: i for i, k in enumerate(rows[0])}
    check("zone_id" in h and "zone" in h, f"assets.csv header {rows[0]}")
    if "zone" in h:
        byip = {r[h["ips"]]: (r[h["zone_id"]], r[h["zone"]]) for r in rows[1:]}
        check(byip.get(SCADA) == ("office", "事務所"), f"assets.csv SCADA zone {byip.get(SCADA)}")
    # the terminal summary shows the zone column (and zone_violation) when zones exist
    out = run(m, "export", "--db", os.path.join(tmp, "m1.db"))
    text = out.stdout.decode(errors="replace")
    check(" Zone" in text and "事務所" in text and "Traffic between zones" in text,
          "terminal summary lacks the zone column or the alert")

    # conduits: the right one silences everything, the wrong ones nothing
    for name, extra, want in (
            ("allowed", "conduit office control modbus/502\n", 0),
            ("allowed any", "conduit office control\n", 0),
            ("other protocol", "conduit office control s7comm modbus/503\n", 13),
            ("other direction", "conduit control office modbus\n", 13),
    ):
        zf2 = write(os.path.join(tmp, "m-" + name.replace(" ", "_") + ".conf"), ZONES + extra)
        d2 = analyze(m, os.path.join(tmp, "m-" + name.replace(" ", "_") + ".db"), [cap],
                     ["--zones", zf2])
        if d2 is not None:
            check(len(violations(d2)) == want,
                  f"{MODBUS} with {name} conduit: {len(violations(d2))} violations, want {want}")
            if want == 0:
                check(d2["alerts"] == [], f"{MODBUS} with {name}: alerts {d2['alerts']}")
    # no false alarm: the whole plant as one zone, or no zones at all
    for name, text in (("one zone", "zone plant 工場\nsubnet plant 141.81.0.0/24\n"),
                       ("no zones", "# nothing yet\n")):
        zf3 = write(os.path.join(tmp, name.replace(" ", "_") + ".conf"), text)
        d3 = analyze(m, os.path.join(tmp, name.replace(" ", "_") + ".db"), [cap],
                     ["--zones", zf3])
        if d3 is not None:
            check(d3["alerts"] == [], f"{MODBUS} with {name}: alerts {d3['alerts']}")
            check(all(a["zone"] == ({"id": "plant", "name": "工場"} if name == "one zone" else None)
                      for a in d3["assets"]), f"{MODBUS} with {name}: asset zones")


def propose_cases(m, caps, tmp):
    cap = os.path.join(caps, S7)
    db = os.path.join(tmp, "s7.db")
    doc = analyze(m, db, [cap])
    if doc is None:
        return
    check(violations(doc) == [], f"{S7}: zone_violation without zones")
    out = run(m, "zones", "propose", "--db", db)
    check(out.returncode == 0, f"zones propose: exit {out.returncode} {out.stderr[:300]}")
    prop = out.stdout.decode()
    lines = [l for l in prop.splitlines() if l and not l.startswith("#")]
    want = ["zone\tcontrol-1\tcontrol 134.249.53.0/24", "subnet\tcontrol-1\t134.249.53.0/24",
            "zone\tcontrol-2\tcontrol 134.249.61.0/24", "subnet\tcontrol-2\t134.249.61.0/24"]
    check(lines == want, f"zones propose lines {lines}, want {want}")
    conduit = [l for l in prop.splitlines() if l.startswith("# conduit")]
    check(len(conduit) == 1 and conduit[0].startswith("# conduit\tcontrol-1\tcontrol-2\ts7comm/102\t#"),
          f"proposed conduits {conduit}")
    check("134.249.61.182" in prop and "PLC" in prop, "the proposal does not list the PLC")
    # the proposal as it is: accepted, and the S7 download crosses the zones
    pf = write(os.path.join(tmp, "proposal.conf"), prop)
    out = run(m, "zones", "import", "--db", db, pf)
    check(out.returncode == 0, f"zones import of the proposal: exit {out.returncode} "
                               f"{out.stderr.decode(errors='replace')[:300]}")
    check(out.stdout.decode().strip().endswith("2 zones, 2 members, 0 conduits"),
          f"zones import said {out.stdout!r}")
    d2 = analyze(m, os.path.join(tmp, "s7-zoned.db"), [cap], ["--zones", pf])
    if d2 is not None:
        v = violations(d2)
        check(len(v) == 1 and v[0]["evidence"].get("protocol") == "s7comm" and
              v[0]["severity"] == "high" and v[0]["evidence"].get("server") == "134.249.61.182",
              f"{S7}: violations {[(a['severity'], a['evidence']) for a in v]}")
    # the user confirms the conduit: no violation any more
    confirmed = prop.replace("# conduit\t", "conduit\t")
    pf2 = write(os.path.join(tmp, "confirmed.conf"), confirmed)
    d3 = analyze(m, os.path.join(tmp, "s7-confirmed.db"), [cap], ["--zones", pf2])
    if d3 is not None:
        check(violations(d3) == [], f"{S7} with the confirmed conduit: {violations(d3)}")
    out = run(m, "zones", "export", "--db", os.path.join(tmp, "s7-confirmed.db"))
    check(out.returncode == 0 and "conduit\tcontrol-1\tcontrol-2\ts7comm/102\n" in out.stdout.decode(),
          f"zones export after the confirmed import: {out.stdout!r}")


def error_cases(m, src, tmp):
    db = os.path.join(tmp, "bad.db")
    bad = write(os.path.join(tmp, "bad.conf"),
                "zone office 事務所\nsubnet office 192.168.1.1/24\n")
    out = run(m, "zones", "import", "--db", db, bad)
    err = out.stderr.decode(errors="replace")
    check(out.returncode == 2, f"zones import of a bad file: exit {out.returncode}")
    check(f"{bad}:2: " in err and "192.168.1.0/24" in err, f"zones import message: {err!r}")
    check(not os.path.exists(db), "a bad zone file created the database")
    out = run(m, "analyze", "--db", db, "--zones", bad, "/nonexistent.pcap")
    check(out.returncode == 2 and f"{bad}:2: " in out.stderr.decode(errors="replace"),
          f"analyze --zones with a bad file: exit {out.returncode}")
    check(not os.path.exists(db), "analyze with a bad zone file created the database")
    for args in (["zones"], ["zones", "frobnicate"], ["zones", "import"],
                 ["zones", "export", "extra"]):
        out = run(m, *args)
        check(out.returncode == 2, f"{args}: exit {out.returncode}, want 2")
    out = run(m, "zones", "export", "--db", os.path.join(tmp, "missing.db"))
    check(out.returncode == 1, f"zones export of a missing database: exit {out.returncode}")

    # the example file round-trips through the database
    example = os.path.join(src, "data", "examples", "zones.conf")
    db = os.path.join(tmp, "example.db")
    out = run(m, "zones", "import", "--db", db, example)
    check(out.returncode == 0 and b"4 zones, 7 members, 5 conduits" in out.stdout,
          f"import of the example: {out.returncode} {out.stdout!r} {out.stderr!r}")
    first = run(m, "zones", "export", "--db", db).stdout
    exported = write(os.path.join(tmp, "exported.conf"), first.decode())
    check(run(m, "zones", "import", "--db", db, exported).returncode == 0, "re-import failed")
    check(run(m, "zones", "export", "--db", db).stdout == first, "export changed after re-import")
    check("zone\tline2\tライン2（塗装）" in first.decode(), f"export: {first.decode()[:300]}")
    # help in both languages
    out = subprocess.run([m, "help", "zones"], capture_output=True,
                         env={**os.environ, "LANG": "ja_JP.UTF-8", "LC_ALL": ""})
    check(out.returncode == 0 and "ゾーン" in out.stdout.decode(), "mieruka help zones (ja)")
    out = run(m, "help", "zones")
    check(out.returncode == 0 and b"conduit FROM TO" in out.stdout, "mieruka help zones (en)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src", required=True)
    args = ap.parse_args()
    caps = os.path.join(args.shared, "captures")
    if not all(os.path.exists(os.path.join(caps, c)) for c in (MODBUS, S7)):
        print("skip: shared captures missing")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        modbus_cases(args.mieruka, caps, tmp)
        propose_cases(args.mieruka, caps, tmp)
        error_cases(args.mieruka, args.src, tmp)
    for f in FAILS:
        print("FAIL:", f)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

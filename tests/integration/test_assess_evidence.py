#!/usr/bin/env python3
"""Evidence rules end to end: every rule of data/kb/evidence.kb fires on a capture that
shows its evidence and stays silent on one that does not (issue 6, "Done when").

Each capture is analysed into a fresh database (`mieruka analyze`, with a zone file or a
maintenance window where the case needs one), then `mieruka assess --db DB --json -`
writes the assessment document (interface.md); its evidence objects (docs/ASSESSMENT.md
"Evidence rules") say which rules fired, for which answers and on how many observations.

The captures are the real ones of ../shared/captures where one exists; the CAPWAP access
point, the handheld terminal and the phones are generated (tests/captures/assess/README.md)
and the office PC among PLCs comes from the bundled factory scenario.  A rule of
evidence.kb without a case here is a failure: every rule is tested.

Usage: test_assess_evidence.py --mieruka PATH --shared PATH --src PROJECT_ROOT
Exit 0 pass, 1 fail, 77 skip (no `assess` command yet, or the knowledge base is not
complete yet).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

FAILS = []
ENV = {**os.environ, "LANG": "C", "LC_ALL": "C"}

# zone file for the STEP 7 download: the engineering PC's /24 and the PLC's /24, no conduit
S7_ZONES = ("zone eng Engineering\nsubnet eng 134.249.53.0/24\n"
            "zone line1 Line 1\nsubnet line1 134.249.61.0/24\n")

SSH = "shared:office/ssh__ssh.pcap"
VNC = "shared:office/rfb__vncmac.pcap"
MODBUS_INET = "shared:modbus/bro__modbus__fuzz-72.pcap"
MODBUS_LAN = "shared:modbus/modbus_example.pcap"
SNMP_MFP = "shared:office/snmp__snmpv1_get.pcap"
NMAP = "shared:attack/nmap-vsn.pcap"
FTP = "shared:office/ftp__ftp-password-pass-command.pcap"
REVERSE_SSH = "shared:office/ssh__reverse-ssh.pcap"
MQTT_INET = "shared:mqtt/mqtt-ping__input.pcap"
MQTT_LOOP = "shared:mqtt/mqtt-limit-2__input.pcap"
RPI = "shared:office/dhcp-mud.pcap"
LLDP = "shared:office/LLDP_and_CDP.pcap"
IEC61850 = "shared:iec61850/IEC61850__Sample_File_MMS_and_GOOSE.pcap"
S7 = "shared:s7comm/s7__step7_s300_download.pcapng"
CIP_STOP = "shared:enip/EthernetIP__cip_stop_plc.pcap"
MACBOOK = "shared:office/dhcp-option-108.pcapng"
FACTORY = "src:scenarios/factory/factory-demo.pcapng"
CAPWAP = "src:tests/captures/assess/wifi_capwap.pcap"
HANDHELD = "src:tests/captures/assess/handheld_dhcp.pcap"
PHONES = "src:tests/captures/assess/phones_dhcp.pcap"

# rule: ([(capture, setup, count)], [(capture, setup)]): where it fires with that many
# observations, and where it stays silent.  setup: None, "zones" (S7_ZONES) or "window"
# (a maintenance window over the whole capture, all devices).
CASES = {
    # the scenario's maintenance laptop: RDP to 203.0.113.77 (documentation range = internet)
    "remote_access_outside": ([(SSH, None, 5), (SSH, "window", 5), (REVERSE_SSH, None, 1),
                               (FACTORY, None, 1)],
                              [(VNC, None), (FTP, None)]),
    "remote_access_unplanned": ([(SSH, None, 5), (FACTORY, None, 1)],
                                [(SSH, "window"), (VNC, None)]),
    "control_to_internet": ([(MODBUS_INET, None, 1)], [(MODBUS_LAN, None)]),
    "inbound_from_internet": ([(MODBUS_INET, None, 1)], [(MODBUS_LAN, None)]),
    "printers": ([(SNMP_MFP, None, 1), (NMAP, None, 1)], [(FTP, None)]),
    "mqtt_to_internet": ([(MQTT_INET, None, 1)], [(MQTT_LOOP, None)]),
    "iot_devices": ([(MQTT_INET, None, 1)], [(MQTT_LOOP, None)]),
    "small_computers": ([(RPI, None, 1)], [(FTP, None)]),
    "wifi_access_points": ([(CAPWAP, None, 1)], [(LLDP, None)]),
    "consumer_routers": ([(MODBUS_LAN, None, 1)], [(RPI, None)]),
    "new_devices": ([(IEC61850, None, 4)], [(S7, None)]),
    "new_pcs": ([(CIP_STOP, None, 1)], [(IEC61850, None)]),
    "cleartext_passwords": ([(FTP, None, 1)], [(REVERSE_SSH, None)]),
    "cleartext_login_services": ([(FTP, None, 1)], [(REVERSE_SSH, None)]),
    "office_factory_flat": ([(FACTORY, None, 1)], [(IEC61850, None)]),
    "zone_violations": ([(S7, "zones", 1)], [(S7, None)]),
    "handheld_terminals": ([(HANDHELD, None, 1)], [(PHONES, None)]),
    "phones": ([(PHONES, None, 2)], [(HANDHELD, None)]),
    "random_mac": ([(MACBOOK, None, 1), (PHONES, None, 2)], [(FTP, None), (HANDHELD, None)]),
}


def check(cond, msg):
    if not cond:
        FAILS.append(msg)


def run(mieruka, *args):
    return subprocess.run([mieruka, *args], capture_output=True, timeout=600, env=ENV)


def rules_of(path):
    """{rule id: [(key, value), ...]} of evidence.kb (the suggest: lines)."""
    rules, cur = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\[evidence ([a-z0-9_.-]+)\]", line)
            if m:
                cur = m.group(1)
                rules[cur] = []
            elif cur and line.startswith("suggest:"):
                for item in line.split(":", 1)[1].split(","):
                    k, v = item.strip().split("=")
                    rules[cur].append((k.strip(), v.strip()))
    return rules


def evidence_objects(doc):
    """Every (answer key, value, evidence object) in the document, wherever it is."""
    found = []

    def walk(x):
        if isinstance(x, dict):
            ev = x.get("evidence")
            if isinstance(ev, dict) and "rule" in ev and "items" in ev:
                found.append((ev.get("key"), ev.get("value", x.get("answer")), ev))
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(doc)
    return found


class Runner:
    def __init__(self, args, tmp):
        self.args, self.tmp, self.cache, self.n = args, tmp, {}, 0

    def path(self, cap):
        where, rel = cap.split(":", 1)
        if where == "shared":
            return os.path.join(self.args.shared, "captures", rel)
        return os.path.join(self.args.src, rel)

    def fired(self, cap, setup):
        """{rule: [(key, value, evidence)]} for the capture."""
        if (cap, setup) in self.cache:
            return self.cache[(cap, setup)]
        m = self.args.mieruka
        self.n += 1
        db = os.path.join(self.tmp, f"c{self.n}.db")
        extra = []
        if setup == "zones":
            zf = os.path.join(self.tmp, f"z{self.n}.conf")
            with open(zf, "w", encoding="utf-8") as f:
                f.write(S7_ZONES)
            extra = ["--zones", zf]
        elif setup == "window":
            out = run(m, "maintenance", "add", "--db", db, "--from", "2000-01-01T00:00:00Z",
                      "--to", "2037-01-01T00:00:00Z", "--vendor", "test",
                      "--note", "everything planned")
            check(out.returncode == 0, f"maintenance add: {out.stderr.decode(errors='replace')}")
        out = run(m, "analyze", "--db", db, "-q", *extra, self.path(cap))
        check(out.returncode == 0,
              f"{cap}: analyze exit {out.returncode}: {out.stderr.decode(errors='replace')[:300]}")
        out = run(m, "assess", "--db", db, "--json", "-")
        res = {}
        if out.returncode != 0:
            FAILS.append(f"{cap}: assess exit {out.returncode}: "
                         f"{out.stderr.decode(errors='replace')[:300]}")
        else:
            try:
                doc = json.loads(out.stdout)
            except ValueError as e:
                FAILS.append(f"{cap}: assess --json is not JSON: {e}")
                doc = {}
            for key, value, ev in evidence_objects(doc):
                res.setdefault(ev["rule"], []).append((key, value, ev))
        self.cache[(cap, setup)] = res
        return res


def check_evidence(rule, cap, ev, count):
    """The evidence object of docs/ASSESSMENT.md, honest about what it counted."""
    where = f"{rule} on {cap}"
    check(ev.get("count") == count, f"{where}: count {ev.get('count')}, want {count}")
    items = ev.get("items") or []
    check(len(items) == min(count, 20), f"{where}: {len(items)} items for count {count}")
    for it in items:
        check(set(it) >= {"asset", "address", "detail", "first", "last"} and it["detail"],
              f"{where}: item {it}")
    text = ev.get("text") or {}
    for lang in ("ja", "en"):
        t = text.get(lang) or ""
        check(str(count) in t and "{" not in t, f"{where}: text.{lang} {t!r}")
        if items:
            check(items[0]["detail"] in t, f"{where}: text.{lang} {t!r} lacks the first item")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src", required=True)
    args = ap.parse_args()
    kbdir = os.path.join(args.src, "data", "kb")
    if not os.path.exists(os.path.join(kbdir, "scoring.kb")):
        print("SKIP: data/kb is not complete yet (no scoring.kb)")
        return 77
    probe = run(args.mieruka, "assess", "--help")
    if b"not available" in (probe.stdout + probe.stderr).lower():
        print("SKIP: this mieruka has no assess command yet")
        return 77
    if not os.path.exists(os.path.join(args.shared, "captures", "office", "ssh__ssh.pcap")):
        print("SKIP: ../shared/captures missing")
        return 77

    rules = rules_of(os.path.join(kbdir, "evidence.kb"))
    check(set(rules) == set(CASES),
          f"rules without a case: {sorted(set(rules) - set(CASES))}; "
          f"cases without a rule: {sorted(set(CASES) - set(rules))}")
    with tempfile.TemporaryDirectory() as tmp:
        r = Runner(args, tmp)
        for rule, (fires, silent) in sorted(CASES.items()):
            if rule not in rules:
                continue
            for cap, setup, count in fires:
                got = r.fired(cap, setup).get(rule, [])
                want = sorted(rules[rule])
                check(sorted((k, v) for k, v, _ in got) == want,
                      f"{rule} on {cap} ({setup}): suggested {sorted((k, v) for k, v, _ in got)}, "
                      f"want {want}")
                for _, _, ev in got:
                    check_evidence(rule, cap, ev, count)
            for cap, setup in silent:
                got = r.fired(cap, setup).get(rule)
                check(not got, f"{rule} fired on {cap} ({setup}): "
                      f"{got[0][2].get('text', {}).get('en') if got else ''}")
    for f in FAILS:
        print("FAIL:", f)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

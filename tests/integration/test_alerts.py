#!/usr/bin/env python3
"""Alerts end to end: mieruka analyze --json on real captures of ../shared/captures.

Each attack or engineering capture must raise its alert type (with the severity,
count, assets, communications and both languages of interface.md's ALERT), and a
set of captures of normal operation must raise no alert of severity high or
critical.  A second run on the same database must merge alerts (counts add up,
no duplicates), and --csv must write alerts.csv with a BOM.

Usage: test_alerts.py --mieruka PATH --shared PATH [--src PATH]
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

FAILS = []

# capture -> [(type, severity or None, minimum count)]
EXPECT = {
    # S7 CPU stop from STEP 7: PI service "plc_stop"
    "s7comm/s7__step7_s300_stop.pcapng": [("plc_control", "critical", 1)],
    # STEP 7 download of DB1: request/download/ended + PI _INSE, one alert for the pair
    "s7comm/s7__step7_s300_download.pcapng": [("plc_program", "high", 4)],
    # STEP 7 entering the CPU protection password
    "s7comm/s7__step7_s300_AuthPassword.pcapng": [("plc_auth", "medium", 1)],
    # GX Works: user login/management, then remote STOP
    "melsoft/legitimate_user_addition_plc_stop_test.pcapng": [("plc_auth", "medium", 1),
                                                              ("plc_control", "critical", 1)],
    # CIP Stop service to the controller
    "enip/EthernetIP__cip_stop_plc.pcap": [("plc_control", "critical", 1)],
    # CIP Start is a mode change too, but not a stop
    "enip/EthernetIP__cip_start_plc.pcap": [("plc_control", "high", 1)],
    # ControlFlash-style firmware update: thousands of NVS transfers, ONE alert
    "enip/openics__EIP-FirmwareChange.pcap": [("firmware_change", "high", 5000)],
    # DNP3 cold restart: a telecontrol protocol, but restarts are not routine
    "dnp3/dnp3__cold_restart_and_response.pcap": [("plc_control", "high", 1)],
    # PROFINET DCP Set IP: the IO controller loses the device -> plc_control (detect.tsv)
    "profinet/profinet__PROFINET-RT-DCP__ChangeIPUsingDCP.pcap": [("plc_control", "high", 1)],
    # FTP USER/PASS in clear text
    "office/ftp__ftp-password-pass-command.pcap": [("cleartext_credentials", "medium", 1)],
    # the only Telnet capture of the shared set lives in malformed/ (an IAC edge case,
    # still a Telnet login session)
    "malformed/telnet-iac-check-oobr.pcap": [("cleartext_credentials", "medium", 1),
                                            ("remote_access", "medium", 1)],
    # SMB1 NEGOTIATE/SESSION_SETUP
    "office/smb__raw_ntlm_in_smb.pcap": [("smbv1", "medium", 1)],
    # RDP session
    "office/rdp__rdp-x509.pcap": [("remote_access", "medium", 1)],
    # SNMP with community "public"
    "office/snmp__snmpv1_get.pcap": [("cleartext_credentials", "medium", 1)],
    # Modbus function-code sweep
    "modbus/modbus_example.pcap": [("scan_function_codes", "high", 1)],
    # 10 SYNs to 10 ports of one host within 1 ms
    "attack/bro-simple-scan__port_scan.pcap": [("scan_ports", "high", 10)],
    # an internet host sweeping port 445 over 9 hosts in 1 h 44 min
    "attack/bro-simple-scan__445_scan.pcap": [("scan_hosts", "high", 9)],
    # nmap host discovery: an ARP sweep of a /24
    "attack/nmap-vsn.pcap": [("scan_hosts", "high", 64)],
}

# Normal operation: no high or critical alert.  Why each is normal:
NORMAL = {
    # an HMI polling registers with read/write function codes only
    "modbus/ModbusTCP__ModbusTCP.pcap": "Modbus/TCP polling (read/write registers)",
    "modbus/bro__modbus__modbusSmall.pcap": "a few Modbus reads and writes",
    # a BACnet workstation reading properties (no reinitialize, no file writes)
    "bacnet/BACnet__bacnet_test.pcap": "BACnet ReadProperty / Who-Is",
    # an OPC UA client browsing a server
    "opcua/open62541_browse_next.pcap": "OPC UA Browse/BrowseNext",
    "opcua/open62541_client-server-getEndpoints.pcap": "OPC UA GetEndpoints",
    # IEC 104 station interrogation and single commands: telecontrol routine
    "iec104/IEC60870-5-104__090813_diverse.pcap": "IEC 104 interrogation and commands",
    # S7 HMI reading the CPU status
    "s7comm/s7__s7comm_reading_plc_status.pcap": "S7 SZL reads of the CPU status",
    # NTP with replies before requests: a public server's answer is not an inbound connection
    "office/ntp__misordered-ntp.pcap": "NTP to an internet time server",
    # WinCC setting up alarms, reading and writing variables
    "s7comm/s7__wincc_s300_setup-alarm-read-write.pcapng": "WinCC alarms, reads and writes",
}


def check(cond, msg):
    if not cond:
        FAILS.append(msg)


def analyze(mieruka, db, files, extra=()):
    out = subprocess.run([mieruka, "analyze", "--db", db, "--json", "-", *extra, *files],
                         capture_output=True, timeout=600)
    if out.returncode != 0:
        FAILS.append(f"{files}: exit {out.returncode}: {out.stderr.decode(errors='replace')[:300]}")
        return None
    return json.loads(out.stdout)


def check_alert_shape(name, doc, a):
    keys = list(a.keys())
    check(keys[:9] == ["id", "type", "severity", "time", "assets", "communications", "title",
                       "detail", "evidence"], f"{name}: alert keys {keys}")
    check(a.get("status") in ("open", "planned"), f"{name}: a fresh alert's status {a.get('status')}")
    check(a["severity"] in ("critical", "high", "medium", "low", "info"), f"{name}: severity")
    for part in ("title", "detail"):
        check(set(a[part]) == {"ja", "en"} and all(a[part].values()), f"{name}: {part} languages")
        check("{" not in a[part]["ja"] + a[part]["en"], f"{name}: unfilled placeholder in {part}")
    ids = {x["id"] for x in doc["assets"]}
    check(all(x in ids for x in a["assets"]), f"{name}: alert assets not in the document")
    n = len(doc["communications"])
    check(all(isinstance(i, int) and 0 <= i < n for i in a["communications"]),
          f"{name}: communications indexes out of range")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src")
    args = ap.parse_args()
    caps = os.path.join(args.shared, "captures")
    if not os.path.isdir(caps):
        print("skip: no shared captures")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        for rel, want in EXPECT.items():
            path = os.path.join(caps, rel)
            if not os.path.exists(path):
                FAILS.append(f"{rel}: capture missing")
                continue
            db = os.path.join(tmp, rel.replace("/", "_") + ".db")
            doc = analyze(args.mieruka, db, [path])
            if doc is None:
                continue
            for a in doc["alerts"]:
                check_alert_shape(rel, doc, a)
            for typ, sev, count in want:
                hits = [a for a in doc["alerts"] if a["type"] == typ]
                check(hits, f"{rel}: no {typ} alert (got {[a['type'] for a in doc['alerts']]})")
                if not hits:
                    continue
                best = max(hits, key=lambda a: a["count"])
                if sev is not None:
                    check(any(a["severity"] == sev for a in hits),
                          f"{rel}: {typ} severity {[a['severity'] for a in hits]}, want {sev}")
                check(best["count"] >= count, f"{rel}: {typ} count {best['count']} < {count}")
                if typ not in ("scan_hosts",):
                    check(best["communications"], f"{rel}: {typ} without communications")
        # aggregation: the firmware capture gives exactly one firmware_change alert
        fw = os.path.join(caps, "enip/openics__EIP-FirmwareChange.pcap")
        db = os.path.join(tmp, "merge.db")
        first = analyze(args.mieruka, db, [fw])
        second = analyze(args.mieruka, db, [fw], ["--csv", os.path.join(tmp, "csv")])
        if first and second:
            f1 = [a for a in first["alerts"] if a["type"] == "firmware_change"]
            f2 = [a for a in second["alerts"] if a["type"] == "firmware_change"]
            check(len(f1) == 1 and len(f2) == 1, f"firmware_change alerts: {len(f1)}, {len(f2)}")
            if f1 and f2:
                check(f2[0]["id"] == f1[0]["id"], "re-run changed the alert id")
                check(f2[0]["count"] == 2 * f1[0]["count"],
                      f"re-run count {f2[0]['count']} != 2 x {f1[0]['count']}")
            check(len(second["alerts"]) == len(first["alerts"]), "re-run duplicated alerts")
            check("alerts.dropped" in second["statistics"], "statistics lack alerts.dropped")
            csvp = os.path.join(tmp, "csv", "alerts.csv")
            with open(csvp, "rb") as f:
                data = f.read()
            check(data.startswith(b"\xef\xbb\xbf"), "alerts.csv has no BOM")
            check(b"firmware_change" in data and "ファームウェア".encode() in data,
                  "alerts.csv lacks the alert or its Japanese text")
        # terminal summary: the Alerts table, most severe first
        stop = os.path.join(caps, "s7comm/s7__step7_s300_stop.pcapng")
        out = subprocess.run([args.mieruka, "analyze", "--db", os.path.join(tmp, "t.db"), stop],
                             capture_output=True, timeout=600, env={**os.environ, "LANG": "C"})
        text = out.stdout.decode(errors="replace")
        check("== Alerts" in text and "CRITICAL" in text and "PLC run/stop" in text,
              "terminal summary lacks the Alerts table")
        for rel, why in NORMAL.items():
            path = os.path.join(caps, rel)
            if not os.path.exists(path):
                FAILS.append(f"{rel}: capture missing")
                continue
            doc = analyze(args.mieruka, os.path.join(tmp, rel.replace("/", "_") + ".n.db"), [path])
            if doc is None:
                continue
            bad = [(a["type"], a["severity"]) for a in doc["alerts"]
                   if a["severity"] in ("high", "critical")]
            check(not bad, f"{rel} ({why}): false alarms {bad}")
    for f in FAILS:
        print("FAIL:", f)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

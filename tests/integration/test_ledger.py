#!/usr/bin/env python3
"""The change ledger (変更履歴) and maintenance windows end to end, on real captures.

- s7comm/s7__step7_s300_download.pcapng and enip/openics__EIP-FirmwareChange.pcap give exactly
  the expected ledger entries (pair, protocol, class, detail, count) in the JSON document, in
  changes.csv and in `mieruka changes` (table, --json, --csv, --device, --since); the 5,000-request
  firmware transfer is one entry; a re-run on the same database keeps the ids.
- A maintenance window over the S7 stop capture's time and PLC makes its plc_control alert
  `planned` (by the PLC's IP, by its MAC, or for every device); a window for another device or
  another time does not; a window covering only part of the firmware capture leaves the
  occurrences outside it in an open alert.
- DNP3: reading a file (dnp3/bro__dnp3__dnp3_file_read.pcap) raises no plc_program alert and is no
  change; writing one (dnp3/dnp3__file_write.pcap) is both.
- `mieruka maintenance` add/list/delete and its errors (exit 2 for bad times, end <= start).

Usage: test_ledger.py --mieruka PATH --shared PATH [--src PATH]
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

FAILS = []

S7_DOWNLOAD = "s7comm/s7__step7_s300_download.pcapng"
S7_STOP = "s7comm/s7__step7_s300_stop.pcapng"
FIRMWARE = "enip/openics__EIP-FirmwareChange.pcap"
DNP3_READ = "dnp3/bro__dnp3__dnp3_file_read.pcap"
DNP3_WRITE = "dnp3/dnp3__file_write.pcap"

# (client, server, protocol, operation, detail, count): what tshark shows in each capture.
# STEP 7 downloading DB1 into an S7-300: request download, the CPU asking for the block
# (sent the other way, but the engineering PC is the conversation's client), download ended,
# then PI service _INSE (insert the block).
WANT_S7 = [
    ("134.249.53.130", "134.249.61.182", "s7comm", "program", "request_download DB1", 1),
    ("134.249.53.130", "134.249.61.182", "s7comm", "program", "download_block DB1", 1),
    ("134.249.53.130", "134.249.61.182", "s7comm", "program", "download_ended DB1", 1),
    ("134.249.53.130", "134.249.61.182", "s7comm", "program", "pi=_INSE", 1),
]
# ControlFLASH-style update of a Logix controller: a file-object service, the NVS update
# request, 5,243 NVS transfers (one entry), then a reset of the identity object (class 1).
WANT_FW = [
    ("192.168.10.105", "192.168.10.120", "enip", "firmware", "svc=0x51 class=0xa1", 1),
    ("192.168.10.105", "192.168.10.120", "enip", "firmware", "nvs_update", 1),
    ("192.168.10.105", "192.168.10.120", "enip", "firmware", "nvs_transfer", 5243),
    ("192.168.10.105", "192.168.10.120", "enip", "control", "reset class=0x01", 1),
]
# Results (S7 answers paired with their jobs by PDU reference).  The capture lacks segments
# before the PG's request-download and PI jobs, so those jobs reach the parser only when the
# PLC's answer (which acknowledges them) arrives, after that answer: their results stay
# unknown rather than being guessed.  CIP answers are not paired: unknown.
WANT_RESULT = {"request_download DB1": "unknown", "download_block DB1": "ok",
               "download_ended DB1": "ok", "pi=_INSE": "unknown"}
S7_STOP_PLC = ("134.249.61.163", "00:1b:1b:1a:d6:e0")
S7_STOP_TIME = "2014-04-16T10:29:38Z"


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
    return cond


def run(mk, args, env_lang="C"):
    env = {**os.environ, "LANG": env_lang, "LC_ALL": env_lang}
    out = subprocess.run([mk, *args], capture_output=True, timeout=600, env=env)
    return out.returncode, out.stdout.decode("utf-8", "replace"), out.stderr.decode("utf-8", "replace")


def analyze(mk, db, files, extra=()):
    rc, out, err = run(mk, ["analyze", "--db", db, "--json", "-", *extra, *files])
    if not check(rc == 0, f"analyze {files}: exit {rc}: {err[:300]}"):
        return None
    return json.loads(out)


def entries(changes):
    return sorted((c["client"], c["server"], c["protocol"], c["operation"], c["detail"], c["count"])
                  for c in changes)


def check_change_shape(name, doc, c):
    keys = list(c.keys())
    check(keys == ["id", "first_seen", "last_seen", "client", "server", "assets", "client_asset",
                   "server_asset", "protocol", "operation", "detail", "count", "result", "planned"],
          f"{name}: change keys {keys}")
    check(c["id"].startswith("ch-") and len(c["id"]) == 19, f"{name}: change id {c['id']}")
    ids = {a["id"] for a in doc["assets"]}
    check(c["client_asset"] in ids and c["server_asset"] in ids,
          f"{name}: change assets {c['client_asset']} {c['server_asset']} not in the document")
    check(c["assets"] == [c["client_asset"], c["server_asset"]], f"{name}: assets {c['assets']}")
    check(c["first_seen"] <= c["last_seen"], f"{name}: first after last")
    want = WANT_RESULT.get(c["detail"], "unknown")
    check(c["result"] == want, f"{name}: {c['detail']}: result {c['result']}, want {want}")


def read_csv(path):
    with open(path, "rb") as f:
        data = f.read()
    check(data.startswith(b"\xef\xbb\xbf"), f"{path}: no BOM")
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"))))


def csv_entries(rows):
    return sorted((r["client"], r["server"], r["protocol"], r["operation"], r["detail"], int(r["count"]))
                  for r in rows)


def alerts_of(doc, typ):
    return [a for a in doc["alerts"] if a["type"] == typ]


def test_exact_entries(mk, caps, tmp):
    for rel, want in ((S7_DOWNLOAD, WANT_S7), (FIRMWARE, WANT_FW)):
        name = os.path.basename(rel)
        db = os.path.join(tmp, name + ".db")
        csvdir = os.path.join(tmp, name + ".csv")
        doc = analyze(mk, db, [os.path.join(caps, rel)], ["--csv", csvdir])
        if doc is None:
            continue
        got = entries(doc["changes"])
        check(got == sorted(want), f"{name}: ledger {got}\n   want {sorted(want)}")
        for c in doc["changes"]:
            check_change_shape(name, doc, c)
            check(c["planned"] is None, f"{name}: planned {c['planned']} without a window")
        # the ledger and the alerts agree: every alerting operation is in the ledger
        for typ, cls in (("plc_program", "program"), ("firmware_change", "firmware")):
            n_alert = sum(a["count"] for a in alerts_of(doc, typ))
            n_ledger = sum(c["count"] for c in doc["changes"] if c["operation"] == cls)
            check(n_alert == n_ledger, f"{name}: {typ} count {n_alert} != ledger {n_ledger}")
        rows = read_csv(os.path.join(csvdir, "changes.csv"))
        check(csv_entries(rows) == sorted(want), f"{name}: changes.csv {csv_entries(rows)}")
        check(all(r["result"] == WANT_RESULT.get(r["detail"], "unknown") for r in rows),
              f"{name}: changes.csv results {[(r['detail'], r['result']) for r in rows]}")
        check(list(rows[0].keys())[:13] == ["id", "first_seen", "last_seen", "client", "server",
                                            "client_asset", "server_asset", "protocol", "operation",
                                            "detail", "count", "result", "planned"],
              f"{name}: changes.csv header {list(rows[0].keys())}")
        check({r["id"] for r in rows} == {c["id"] for c in doc["changes"]}, f"{name}: csv ids")
        # mieruka changes: the table (en and ja), --json -, --csv FILE
        rc, out, err = run(mk, ["changes", "--db", db])
        check(rc == 0, f"{name}: changes exit {rc} {err}")
        check(f"(entries: {len(want)})" in out, f"{name}: changes header: {out[:200]}")
        for c, s, p, op, detail, n in want:
            line = [l for l in out.splitlines() if f"{op}: {detail}" in l]
            check(len(line) == 1 and c in line[0] and s in line[0] and f"{n:,}" in line[0],
                  f"{name}: changes table lacks {op}: {detail} x{n}: {line}")
        rc, out, err = run(mk, ["changes", "--db", db], env_lang="ja_JP.UTF-8")
        check(rc == 0 and "変更履歴" in out and "操作元" in out, f"{name}: changes (ja) {out[:200]}")
        rc, out, err = run(mk, ["changes", "--db", db, "--json", "-"])
        if check(rc == 0, f"{name}: changes --json exit {rc} {err}"):
            cj = json.loads(out)
            check(cj["schema"] == "mieruka-changes/1", f"{name}: changes schema")
            check(cj["changes"] == doc["changes"], f"{name}: changes --json differs from analyze")
        out_csv = os.path.join(tmp, name + ".changes.csv")
        rc, out, err = run(mk, ["changes", "--db", db, "--csv", out_csv, "--quiet"])
        check(rc == 0 and out == "", f"{name}: changes --csv exit {rc} out {out!r}")
        if os.path.exists(out_csv):
            check(csv_entries(read_csv(out_csv)) == sorted(want), f"{name}: changes --csv rows")
        # re-run: same entries, same ids, counts added (as alerts do)
        again = analyze(mk, db, [os.path.join(caps, rel)])
        if again is not None:
            check(sorted(c["id"] for c in again["changes"]) == sorted(c["id"] for c in doc["changes"]),
                  f"{name}: re-run changed the ledger ids")
            check(sorted(c["count"] for c in again["changes"]) ==
                  sorted(2 * c["count"] for c in doc["changes"]), f"{name}: re-run counts")
    # filters on a database holding both captures
    db = os.path.join(tmp, "both.db")
    if analyze(mk, db, [os.path.join(caps, S7_DOWNLOAD), os.path.join(caps, FIRMWARE)]) is None:
        return
    for args, want in ((["--device", "134.249.61.182"], WANT_S7),
                       (["--device", "00:ff:e7:0f:40:8d"], WANT_S7),  # the S7 PLC's MAC
                       (["--device", "192.168.10.105"], WANT_FW),
                       (["--device", "10.9.9.9"], []),
                       (["--since", "2015-01-01T00:00:00Z"], WANT_S7),
                       (["--since", "2008-09-02 20:58:40"], []),  # local time: TZ of the test
                       (["--since", "2008-09-02T20:58:40Z"], [w for w in WANT_FW if w[4] != "nvs_update"
                                                             and w[4] != "svc=0x51 class=0xa1"] + WANT_S7)):
        env_args = ["changes", "--db", db, "--json", "-", *args]
        rc, out, err = run(mk, env_args)
        if not check(rc == 0, f"changes {args}: exit {rc} {err}"):
            continue
        got = entries(json.loads(out)["changes"])
        if args[1] == "2008-09-02 20:58:40":
            continue  # depends on the machine's time zone; only that it parses
        check(got == sorted(want), f"changes {args}: {got}")
    for args in (["--since", "yesterday"], ["--device", "plc-1"], ["extra"]):
        rc, out, err = run(mk, ["changes", "--db", db, *args])
        check(rc == 2 and "mieruka help" in err, f"changes {args}: exit {rc} (want 2) {err}")
    rc, out, err = run(mk, ["changes", "--db", os.path.join(tmp, "missing.db")])
    check(rc == 1, f"changes on a missing database: exit {rc}")


def window(mk, db, frm, to, *more):
    rc, out, err = run(mk, ["maintenance", "add", "--db", db, "--from", frm, "--to", to, *more])
    check(rc == 0 and "Recorded maintenance window" in out, f"maintenance add {frm} {to} {more}: {rc} {err}")


def test_windows(mk, caps, tmp):
    stop = os.path.join(caps, S7_STOP)
    ip, mac = S7_STOP_PLC
    cases = [
        # (name, window args, expected status of plc_control)
        ("by ip", ["2014-04-16T10:00:00Z", "2014-04-16T11:00:00Z", "--device", ip], "planned"),
        ("by mac", ["2014-04-16T19:00:00+09:00", "2014-04-16T20:00:00+09:00", "--device", mac], "planned"),
        ("every device", ["2014-04-16T10:29:38Z", "2014-04-16T10:29:39Z"], "planned"),
        ("other device", ["2014-04-16T10:00:00Z", "2014-04-16T11:00:00Z", "--device", "134.249.61.164"], "open"),
        ("other time", ["2014-04-16T10:30:00Z", "2014-04-16T11:00:00Z", "--device", ip], "open"),
        ("ended just before", ["2014-04-16T10:00:00Z", "2014-04-16T10:29:38.4Z"], "open"),
    ]
    for name, args, want in cases:
        db = os.path.join(tmp, "win-" + name.replace(" ", "_") + ".db")
        window(mk, db, *args[:2], *args[2:], "--vendor", "Siemens service", "--note", "CPU stop for OB1")
        doc = analyze(mk, db, [stop])
        if doc is None:
            continue
        pc = alerts_of(doc, "plc_control")
        check(len(pc) == 1 and pc[0]["status"] == want,
              f"window {name}: plc_control {[(a['status'], a['count']) for a in pc]}, want {want}")
        check(len(doc["changes"]) == 1, f"window {name}: {len(doc['changes'])} ledger entries")
        check(all(c["result"] == "ok" for c in doc["changes"]),
              f"window {name}: the stop's answer (frame 2) is its result: {doc['changes']}")
        check(len(doc["maintenance_windows"]) == 1, f"window {name}: {doc['maintenance_windows']}")
        if want == "planned" and pc and doc["changes"] and doc["maintenance_windows"]:
            a = pc[0]
            check(a["evidence"].get("maintenance") == 1 and
                  a["evidence"].get("maintenance_vendor") == "Siemens service" and
                  a["evidence"].get("maintenance_note") == "CPU stop for OB1",
                  f"window {name}: evidence {a['evidence']}")
            check(a["title"]["en"].startswith("[Planned work]") and "予定された作業" in a["title"]["ja"],
                  f"window {name}: titles {a['title']}")
            check(a["severity"] == "critical", f"window {name}: severity {a['severity']}")
            check(doc["changes"][0]["planned"] == 1, f"window {name}: ledger planned {doc['changes'][0]['planned']}")
            check(doc["maintenance_windows"][0]["devices"] == (args[3:4] if len(args) > 2 else []),
                  f"window {name}: document windows {doc['maintenance_windows']}")
            rc, out, err = run(mk, ["analyze", "--db", db, "--quiet", stop])
            rc, out, err = run(mk, ["export", "--db", db])
            check("== Alerts (alerts: 0)" in out and "Alerts during planned work" in out and
                  "window 1" in out, f"window {name}: terminal summary\n{out[:1500]}")
            rc, out, err = run(mk, ["export", "--db", db], env_lang="ja_JP.UTF-8")
            check("予定された作業" in out and "変更履歴" in out, f"window {name}: summary (ja)")
            rc, out, err = run(mk, ["alerts", "--db", db, "--status", "planned"])
            check(rc == 0 and "planned" in out and "plc_control" in out, f"window {name}: alerts --status planned: {out}")
        elif pc and doc["changes"]:
            check("maintenance" not in pc[0]["evidence"], f"window {name}: evidence {pc[0]['evidence']}")
            check(doc["changes"][0]["planned"] is None, f"window {name}: ledger planned")

    # A window over part of the firmware update: the requests inside are planned work, those
    # after it stay an open alert (nothing is hidden), and the counts add up.
    db = os.path.join(tmp, "partial.db")
    window(mk, db, "2008-09-02T20:58:20Z", "2008-09-02T20:58:35Z", "--device", "192.168.10.120",
           "--note", "firmware 20.11")
    doc = analyze(mk, db, [os.path.join(caps, FIRMWARE)])
    if doc is not None:
        fw = alerts_of(doc, "firmware_change")
        st = sorted((a["status"], a["count"]) for a in fw)
        check([s for s, _ in st] == ["open", "planned"], f"partial window: firmware_change {st}")
        check(sum(n for _, n in st) == 5245, f"partial window: counts {st} do not add up to 5245")
        opened = [a for a in fw if a["status"] == "open"]
        planned = [a for a in fw if a["status"] == "planned"]
        if opened and planned:
            check(planned[0]["last_seen"] <= "2008-09-02T20:58:35" and opened[0]["first_seen"] > "2008-09-02T20:58:35",
                  f"partial window: planned until {planned[0]['last_seen']}, open from {opened[0]['first_seen']}")
            check(opened[0]["id"] != planned[0]["id"], "partial window: one id for both")
        tr = sorted((c["planned"] or 0, c["count"]) for c in doc["changes"] if c["detail"] == "nvs_transfer")
        check(len(tr) == 2 and tr[0][0] == 0 and tr[1][0] == 1 and tr[0][1] + tr[1][1] == 5243,
              f"partial window: nvs_transfer entries {tr}")
        ctl = [a for a in alerts_of(doc, "plc_control")]
        check(len(ctl) == 1 and ctl[0]["status"] == "open", "partial window: the reset after the window is open")


def test_dnp3_files(mk, caps, tmp):
    doc = analyze(mk, os.path.join(tmp, "dnp3r.db"), [os.path.join(caps, DNP3_READ)])
    if doc is not None:
        check(not alerts_of(doc, "plc_program"),
              f"dnp3 file read raised plc_program: {[a['evidence'] for a in alerts_of(doc, 'plc_program')]}")
        check(doc["changes"] == [], f"dnp3 file read is in the ledger: {entries(doc['changes'])}")
        ops = [c["operations"] for c in doc["communications"] if c["protocol"] == "dnp3"]
        check(ops and ops[0]["program"] == 0 and ops[0]["read"] == 3, f"dnp3 file read operations {ops}")
    doc = analyze(mk, os.path.join(tmp, "dnp3w.db"), [os.path.join(caps, DNP3_WRITE)])
    if doc is not None:
        pp = alerts_of(doc, "plc_program")
        check(len(pp) == 1 and pp[0]["count"] == 2, f"dnp3 file write: plc_program {pp}")
        got = entries(doc["changes"])
        want = [("192.168.1.2", "192.168.1.1", "dnp3", "program", "file_close", 1),
                ("192.168.1.2", "192.168.1.1", "dnp3", "program", "file_open write", 1)]
        check(got == want, f"dnp3 file write ledger {got}")


def test_maintenance_cli(mk, tmp):
    db = os.path.join(tmp, "cli.db")
    rc, out, err = run(mk, ["maintenance", "list", "--db", db])
    check(rc == 1, f"maintenance list on a missing database: exit {rc}")
    bad = [
        (["--from", "2024-05-01 10:00", "--to", "2024-05-01 09:00"], "end before start"),
        (["--from", "2024-05-01 10:00", "--to", "2024-05-01 10:00"], "end equal to start"),
        (["--from", "2024-05-01T10:00:00Z", "--to", "2024-05-01T10:00:00+00:00"], "equal, two spellings"),
        (["--from", "2024-05-01", "--to", "2024-05-02"], "dates without time"),
        (["--from", "2024-02-30 10:00", "--to", "2024-03-01 10:00"], "no such day"),
        (["--from", "2024-05-01 10:00"], "no end"),
        (["--from", "2024-05-01 10:00", "--to", "2024-05-01 11:00", "--device", "plc-1"], "bad device"),
        (["--from", "2024-05-01 10:00", "--to", "2024-05-01 11:00", "--note", "x" * 300], "long note"),
    ]
    for args, why in bad:
        rc, out, err = run(mk, ["maintenance", "add", "--db", db, *args])
        check(rc == 2 and "mieruka help" in err, f"maintenance add ({why}): exit {rc} (want 2) {err}")
    check(not os.path.exists(db), "a refused add created the database")
    rc, out, err = run(mk, ["maintenance", "add", "--db", db, "--from", "2024-05-01T00:00:00Z",
                            "--to", "2024-05-01T03:00:00Z", "--device", "192.168.0.10",
                            "--device", "00:1B:1B:1A:D6:E0", "--vendor", "ABCエンジニアリング",
                            "--note", "OB1 update"])
    check(rc == 0 and "Recorded maintenance window 1" in out, f"maintenance add: {rc} {out} {err}")
    rc, out, err = run(mk, ["maintenance", "add", "--db", db, "--from", "2024-06-01T00:00:00Z",
                            "--to", "2024-06-01T01:00:00Z"])
    check(rc == 0 and "window 2" in out, f"maintenance add 2: {rc} {out}")
    rc, out, err = run(mk, ["maintenance", "list", "--db", db])
    check(rc == 0 and "192.168.0.10 00:1b:1b:1a:d6:e0" in out and "ABCエンジニアリング" in out
          and "all devices" in out and "2024-05-01 00:00:00" in out.replace("UTC", ""),
          f"maintenance list: {out}")
    rc, out, err = run(mk, ["maintenance", "list", "--db", db], env_lang="ja_JP.UTF-8")
    check(rc == 0 and "すべての機器" in out and "作業業者" in out, f"maintenance list (ja): {out}")
    rc, out, err = run(mk, ["maintenance", "delete", "1", "--db", db])
    check(rc == 0, f"maintenance delete 1: {rc} {err}")
    rc, out, err = run(mk, ["maintenance", "delete", "1", "--db", db])
    check(rc == 1 and "no maintenance window" in err, f"maintenance delete 1 again: {rc} {err}")
    for args in (["delete"], ["delete", "x"], ["delete", "0"], ["frobnicate"], ["list", "--from", "2024-05-01 10:00"]):
        rc, out, err = run(mk, ["maintenance", "--db", db, *args])
        check(rc == 2, f"maintenance {args}: exit {rc} (want 2)")
    rc, out, err = run(mk, ["maintenance", "add", "--db", db, "--from", "2024-07-01T00:00:00Z",
                            "--to", "2024-07-01T01:00:00Z"])
    check(rc == 0 and "window 3" in out, f"a deleted id is not given again: {out}")
    doc_rc, out, err = run(mk, ["export", "--db", db, "--json", "-"])
    if check(doc_rc == 0, f"export: {err}"):
        ws = json.loads(out)["maintenance_windows"]
        check([w["id"] for w in ws] == [2, 3], f"document windows {ws}")


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
    for rel in (S7_DOWNLOAD, S7_STOP, FIRMWARE, DNP3_READ, DNP3_WRITE):
        if not os.path.exists(os.path.join(caps, rel)):
            FAILS.append(f"{rel}: capture missing")
    if FAILS:
        print("\n".join("FAIL: " + f for f in FAILS))
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        test_exact_entries(args.mieruka, caps, tmp)
        test_windows(args.mieruka, caps, tmp)
        test_dnp3_files(args.mieruka, caps, tmp)
        test_maintenance_cli(args.mieruka, tmp)
    for f in FAILS:
        print("FAIL:", f)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

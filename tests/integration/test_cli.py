#!/usr/bin/env python3
"""The command-line contract of interface.md, end to end on real captures:
exit codes (0 / 1 unreadable / 2 usage), error messages that name the file and the
reason, a truncated capture analysed up to the damage with a warning, gzip input,
`--json -` (only JSON on stdout), `--csv` (UTF-8 with BOM), re-running analyze adds
to the same database, several files as one timeline, `export`, and `--help` for every
command in English and Japanese.

Usage: test_cli.py --mieruka PATH --shared PATH [--src PATH]
Exit 0 pass, 1 fail.
"""
import argparse
import csv
import gzip
import json
import os
import subprocess
import sys
import tempfile

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def run(mk, args, cwd, lang="C.UTF-8"):
    env = dict(os.environ, LANG=lang, LC_ALL=lang)
    p = subprocess.run([mk] + args, cwd=cwd, capture_output=True, env=env, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src")
    a = ap.parse_args()
    mk = os.path.abspath(a.mieruka)
    caps = os.path.join(os.path.abspath(a.shared), "captures")
    http = os.path.join(caps, "office", "http__get.pcap")
    mdns = os.path.join(caps, "office", "dns__mdns.pcap")
    dhcp = os.path.join(caps, "office", "dhcp__dhcp.pcap")

    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "t.db")

        # --- unreadable inputs: exit 1, the message names the file and why
        rc, out, err = run(mk, ["analyze", "--db", db, "nosuch.pcap"], tmp)
        check(rc == 1, "missing file: exit 1 (got %d)" % rc)
        check("nosuch.pcap" in err and "No such file" in err, "missing file: message names file and reason")
        check(out == "", "missing file: no summary on stdout")
        notcap = os.path.join(tmp, "notes.txt")
        with open(notcap, "w") as f:
            f.write("this is not a capture\n")
        rc, out, err = run(mk, ["analyze", "--db", db, notcap], tmp)
        check(rc == 1, "not a capture: exit 1 (got %d)" % rc)
        check("notes.txt" in err and "not a pcap or pcapng" in err, "not a capture: clear message")

        # --- truncated mid-record: analysed up to the damage, warning, exit 0
        with open(http, "rb") as f:
            data = f.read()
        trunc = os.path.join(tmp, "trunc.pcap")
        with open(trunc, "wb") as f:
            f.write(data[: len(data) // 2])
        rc, out, err = run(mk, ["analyze", "--quiet", "--db", os.path.join(tmp, "tr.db"),
                                "--json", os.path.join(tmp, "tr.json"), trunc], tmp)
        check(rc == 0, "truncated capture: exit 0 (got %d)" % rc)
        check("trunc.pcap" in err and "truncated" in err and "offset" in err,
              "truncated capture: warning names file, offset")
        with open(os.path.join(tmp, "tr.json"), encoding="utf-8") as f:
            doc = json.load(f)
        check(doc["captures"][0]["packets"] > 0 and doc["captures"][0]["warnings"],
              "truncated capture: packets before the damage counted, warning in JSON")

        # --- usage errors: exit 2
        for args in (["analyze"], ["analyze", "--no-such-option", http], ["analyze", "--max-assets", "x", http],
                     ["no-such-command"], ["monitor"]):
            rc, out, err = run(mk, args, tmp)
            check(rc == 2 and "mieruka help" in err, "usage error %s: exit 2 and a hint (got %d)" % (args, rc))

        # --- gzip, --json -, several files as one timeline
        gz = os.path.join(tmp, "http.pcap.gz")
        with gzip.open(gz, "wb") as f:
            f.write(data)
        rc, out, err = run(mk, ["analyze", "--db", db, "--json", "-", gz, mdns], tmp)
        check(rc == 0, "gzip + pcap: exit 0 (got %d)" % rc)
        try:
            doc = json.loads(out)
            check(True, "--json -: stdout is exactly one JSON document")
        except ValueError:
            doc = None
            check(False, "--json -: stdout is exactly one JSON document")
        if doc:
            check(doc.get("schema") == "mieruka/1", "JSON schema is mieruka/1")
            check([os.path.basename(c["file"]) for c in doc["captures"]] == ["http.pcap.gz", "dns__mdns.pcap"],
                  "captures listed in the order given")
            n_assets_1 = len(doc["assets"])
            n_caps_1 = len(doc["captures"])

        # --- re-running adds to the same database
        rc, out, err = run(mk, ["analyze", "--db", db, "--json", "-", dhcp], tmp)
        check(rc == 0, "second analyze on the same database: exit 0")
        doc2 = json.loads(out) if rc == 0 else None
        if doc and doc2:
            check(len(doc2["captures"]) == n_caps_1 + 1, "second run: captures accumulate")
            check(len(doc2["assets"]) > n_assets_1, "second run: assets accumulate")
            names = {n for x in doc2["assets"] for n in x.get("hostnames", [])}
            check("btest.is.cool" in names, "second run: the DHCP host name is learned")

        # --- export of the database, CSV with BOM
        csvdir = os.path.join(tmp, "csv")
        rc, out, err = run(mk, ["export", "--db", db, "--csv", csvdir, "--quiet"], tmp)
        check(rc == 0, "export --csv: exit 0 (got %d)" % rc)
        for name in ("assets.csv", "communications.csv", "captures.csv"):
            path = os.path.join(csvdir, name)
            ok = os.path.exists(path)
            if ok:
                with open(path, "rb") as f:
                    raw = f.read()
                ok = raw.startswith(b"\xef\xbb\xbf")
                rows = list(csv.reader(raw[3:].decode("utf-8").splitlines()))
                ok = ok and len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows)
            check(ok, "%s: UTF-8 with BOM, rectangular, has rows" % name)
        rc, out, err = run(mk, ["export", "--db", db], tmp)
        check(rc == 0 and "141.142.228.5" in out, "export: summary on the terminal lists the assets")
        rc, out, err = run(mk, ["export", "--db", os.path.join(tmp, "none.db")], tmp)
        check(rc == 1 and "none.db" in err, "export of a missing database: exit 1 naming it (got %d)" % rc)

        # --- alerts: list, accept with a note, the decision survives a re-run
        stop = os.path.join(caps, "s7comm", "s7__step7_s300_stop.pcapng")
        adb = os.path.join(tmp, "alerts.db")
        rc, out, err = run(mk, ["analyze", "--quiet", "--db", adb, stop], tmp)
        rc, out, err = run(mk, ["alerts", "--db", adb], tmp)
        lines = [l for l in out.splitlines() if l.startswith("al-")]
        check(rc == 0 and len(lines) == 1 and "open" in lines[0] and "plc_control" in lines[0],
              "alerts: lists the one open plc_control alert (got %r)" % out)
        aid = lines[0].split()[0] if lines else "al-none"
        rc, out, err = run(mk, ["alerts", "--db", adb, "accept", aid, "--note", "計画停止"], tmp)
        check(rc == 0 and "accepted" in out, "alerts accept: exit 0 (got %d %r)" % (rc, err))
        run(mk, ["analyze", "--quiet", "--db", adb, stop], tmp)
        rc, out, err = run(mk, ["export", "--db", adb, "--json", "-"], tmp)
        al = json.loads(out)["alerts"] if rc == 0 else []
        check(len(al) == 1 and al[0]["status"] == "accepted" and al[0]["status_note"] == "計画停止"
              and al[0]["count"] == 2, "accepted status and note survive a re-run: %r" %
              [(x["status"], x.get("status_note"), x["count"]) for x in al])
        rc, out, err = run(mk, ["alerts", "--db", adb, "--status", "open"], tmp)
        check(rc == 0 and "al-" not in out, "alerts --status open: the accepted one is not listed")
        rc, out, err = run(mk, ["alerts", "--db", adb, "ack", "al-0000000000000000"], tmp)
        check(rc == 1 and "al-0000000000000000" in err, "ack of an unknown id: exit 1 naming it")
        rc, out, err = run(mk, ["alerts", "--db", adb, "close", aid], tmp)
        check(rc == 2, "unknown alerts action: exit 2 (got %d)" % rc)
        rc, out, err = run(mk, ["alerts", "--db", adb, "accept"], tmp)
        check(rc == 2, "accept without an id: exit 2 (got %d)" % rc)
        rc, out, err = run(mk, ["alerts", "--db", os.path.join(tmp, "none.db")], tmp)
        check(rc == 1 and "none.db" in err, "alerts on a missing database: exit 1 naming it")

        # --- the demo tells the scenario's story: the morning is learned
        # (scenarios/factory/scenario.tsv), the maintenance laptop is judged
        ddb = os.path.join(tmp, "demo.db")
        rc, out, err = run(mk, ["demo", "--no-serve", "--db", ddb], tmp)
        check(rc == 0 and "09:59" in err, "demo: exit 0, says learning ended at 09:10 JST (%r)" % err[-300:])
        rc, out, err = run(mk, ["export", "--db", ddb, "--json", "-"], tmp)
        doc = json.loads(out) if rc == 0 else {"alerts": [], "baseline": {}}
        kinds = {(a["type"], a["severity"]) for a in doc["alerts"]}
        newdev = [a for a in doc["alerts"] if a["type"] == "new_device"]
        check(len(newdev) == 1 and "MAINT-PC" in newdev[0]["title"]["en"],
              "demo: exactly one new device, the maintenance laptop: %r" % [a["title"]["en"] for a in newdev])
        check({("scan_hosts", "high"), ("smbv1", "medium"), ("remote_access", "medium")} <= kinds,
              "demo: the sweep, SMBv1 and the RDP session are reported: %r" % sorted(kinds))
        check(not any(a["type"] == "rogue_dhcp" for a in doc["alerts"]),
              "demo: the router's two DHCP legs are not rival servers")
        check(doc.get("baseline", {}).get("state") == "judging", "demo: baseline judging")

        rc, out, err = run(mk, ["analyze", "--db", ddb, "--learn-until", "yesterday", http], tmp)
        check(rc == 2 and "yesterday" in err, "--learn-until with a bad time: exit 2 naming it")
        rc, out, err = run(mk, ["analyze", "--db", ddb, "--learn-until", "2026-03-10 09:10",
                                "--learn", http, mdns], tmp)
        check(rc == 2, "--learn-until with --learn: exit 2 (got %d)" % rc)
        # the same learning as the demo's, by hand: identical baseline end
        adb2 = os.path.join(tmp, "until.db")
        scen = os.path.join(a.src, "scenarios", "factory", "factory-demo.pcapng") if a.src else None
        if scen and os.path.exists(scen):
            rc, out, err = run(mk, ["analyze", "--quiet", "--db", adb2, "--learn-until",
                                    "2026-03-10T09:10:00+09:00", "--json", "-", scen], tmp)
            bl = json.loads(out).get("baseline", {}) if rc == 0 else {}
            check(bl.get("learn_end") == doc.get("baseline", {}).get("learn_end") and
                  bl.get("state") == "judging", "--learn-until: same baseline as the demo (%r)" % bl)

        # --- help for every command, in English and Japanese
        for cmd in ("analyze", "monitor", "demo", "export", "serve", "assess", "alerts"):
            rc, out, err = run(mk, ["help", cmd], tmp)
            check(rc == 0 and "Usage: mieruka " + cmd in out, "help %s (en)" % cmd)
            rc, out, err = run(mk, [cmd, "--help"], tmp, lang="ja_JP.UTF-8")
            check(rc == 0 and "使い方" in out, "%s --help (ja)" % cmd)
        rc, out, err = run(mk, ["--version"], tmp)
        check(rc == 0 and out.startswith("mieruka "), "--version")

    print("%d failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

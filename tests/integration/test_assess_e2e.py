#!/usr/bin/env python3
"""The self-assessment end to end (issue 6): a sample factory answers, the plan, the BCP, the report.

The bundled training scenario (scenarios/factory: a 20-person parts maker, office and control LANs,
a maintenance laptop that opens RDP to the internet and spreads like a worm) is analysed into a
database; tests/integration/data/assess/sample-factory.json holds the answers its production
manager would give (some "don't know", some entry points absent, a BCP with two lines).

- `mieruka assess --answers` stores the answers; the assessment document has the 13 entry points in
  interface.md's order, applicability as answered, every risk's score = likelihood x impact in the
  band the knowledge base gives, the evidence suggestions the scenario shows (MFP present,
  remote access to the internet, a new device), the plan with "free, this week" items first and
  then by risk reduced, the METI and IPA views scored, the BCP with the systems and contacts given,
  a recovery order that puts the PLCs' server side before the HMI, and gaps for what is missing.
- The report renders to PDF; its text holds the section titles, a device of the ledger, an action of
  the plan and the BCP's contact; its pages are saved as PNG under build dir/assess-report-pages/.
- Markdown and CSV exports exist and hold the same plan.
- Progress: answering the first "this week" action as done and assessing again lists it as done
  since the last run, and the other actions as open.
- Interactive mode (--interactive with answers on standard input): an answer is stored as soon as it
  is given; quitting half-way keeps it; the next session offers it as the default.
- Errors: a broken answers file names the file, line and column; an unknown key or value names it;
  a missing database is exit 1.

Usage: test_assess_e2e.py --mieruka PATH --shared PATH [--src PATH]
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)
    return cond


def run(args, stdin=None, env=None):
    e = dict(os.environ, LANG="C")
    if env:
        e.update(env)
    return subprocess.run(args, input=stdin, capture_output=True, text=True, env=e, timeout=300)


ORDER = ["usb", "brought_pc", "mobile", "iot", "mfp", "handheld", "office_net", "internet",
         "wifi", "maintenance", "cloud", "parts", "new_equipment"]
BANDS = [(6, "high"), (3, "medium"), (1, "low")]  # data/kb/scoring.kb
COST_RANK = {"free": 0, "low": 1, "medium": 2, "high": 3}


def band_of(score):
    for low, name in BANDS:
        if score >= low:
            return name
    return None


def check_document(doc, answers, assets_by_ip):
    check(doc.get("schema") == "mieruka-assessment/1", "schema is mieruka-assessment/1")
    eps = doc.get("entry_points", [])
    check([e.get("id") for e in eps] == ORDER, "13 entry points in interface.md order: %s" %
          [e.get("id") for e in eps])
    use = {k[4:]: v for k, v in answers["answers"].items() if k.startswith("use.")}
    for e in eps:
        want = {"yes": True, "no": False}.get(use.get(e["id"], "unknown"))
        check(e.get("applicable") == want, "%s applicable %r (answered %r)" %
              (e["id"], e.get("applicable"), use.get(e["id"])))
        check(isinstance(e["name"].get("ja"), str) and e["name"]["ja"] and e["name"].get("en"),
              "%s has a name in ja and en" % e["id"])
        if want is False:
            check(e.get("risks") == [], "%s: no risks when not present" % e["id"])
            continue
        check(len(e.get("risks", [])) >= 1, "%s has risks" % e["id"])
        for r in e.get("risks", []):
            check(r["risk"] in ("stop", "leak", "tamper", "quality"), "risk id %s" % r["risk"])
            check(1 <= r["likelihood"] <= 3 and 1 <= r["impact"] <= 3,
                  "%s/%s likelihood and impact in 1..3" % (e["id"], r["risk"]))
            check(r["score"] == r["likelihood"] * r["impact"],
                  "%s/%s score %d = %d x %d" % (e["id"], r["risk"], r["score"], r["likelihood"],
                                                r["impact"]))
            check(r["level"] == band_of(r["score"]), "%s/%s level %s for score %d" %
                  (e["id"], r["risk"], r["level"], r["score"]))
        check(len(e.get("countermeasures", [])) >= 5, "%s has >= 5 countermeasures" % e["id"])

    # Evidence from the scenario: the Brother MFP, RDP to the internet, the maintenance laptop.
    sugg = {}
    for e in eps:
        for s in e.get("suggestions", []):
            sugg[s["question"]] = s
    for key, value in (("use.mfp", "yes"), ("use.maintenance", "yes"),
                       ("maintenance.on_demand", "no")):
        s = sugg.get(key)
        if check(s is not None, "a suggestion for %s from the scenario" % key):
            check(s["answer"] == value, "%s suggested %s, not %s" % (key, value, s["answer"]))
            ev = s.get("evidence") or {}
            check(ev.get("count", 0) >= 1 and ev.get("items"), "%s has evidence items" % key)
    mfp = sugg.get("use.mfp")
    if mfp:
        check(any(i.get("address") == "192.168.10.50" for i in mfp["evidence"]["items"]),
              "the MFP suggestion names 192.168.10.50")

    # The plan: this week's free measures first, then risk reduced, then cost.
    plan = doc.get("plan", [])
    check(len(plan) >= 10, "a plan of at least 10 actions (got %d)" % len(plan))
    done = {"done", "documented", "reviewed", "na"}
    for p in plan:
        a = answers["answers"].get(p["countermeasure"])
        check(a not in done, "%s is answered %s and is not in the plan" % (p["countermeasure"], a))
        for k in ("why", "how", "who", "check", "title"):
            check(p.get(k, {}).get("ja") and p[k].get("en"), "%s has %s in ja and en" %
                  (p["countermeasure"], k))
    week = [p.get("this_week") for p in plan]
    check(week == sorted(week, reverse=True), "this-week actions come first")
    for group in (True, False):
        g = [p for p in plan if bool(p.get("this_week")) == group]
        keys = [(-p["risk_reduced"], COST_RANK[p["cost"]]) for p in g]
        check(keys == sorted(keys), "within a group: risk reduced, then cost (%s)" % group)
    for p in plan:
        if p.get("this_week"):
            check(p["cost"] == "free" and p.get("effort") == "day",
                  "%s this week is free and a day's work" % p["countermeasure"])

    cl = doc.get("checklists", {})
    meti, ipa = cl.get("meti", {}), cl.get("ipa25", {})
    check(len(meti.get("items", [])) == 32, "32 METI items")
    check(isinstance(meti.get("score"), (int, float)), "METI total scored")
    check(len(ipa.get("items", [])) == 25, "25 IPA items")
    check(isinstance(ipa.get("score"), (int, float)) and -25 <= ipa["score"] <= 100,
          "IPA score in -25..100")
    pts = [i.get("points") for i in ipa.get("items", [])]
    check(all(p in (4, 2, 0, -1) for p in pts), "IPA points are 4/2/0/-1")
    check(sum(pts) == ipa.get("score"), "IPA score is the sum of its items (%s vs %s)" %
          (sum(pts), ipa.get("score")))

    bcp = doc.get("bcp") or {}
    check(isinstance(bcp, dict) and bcp, "the document has a BCP")
    text = json.dumps(bcp, ensure_ascii=False)
    check("0120-000-111" in text, "the BCP holds the vendor's phone number from the answers")
    order = bcp.get("recovery_order", [])
    ids = [o.get("asset") if isinstance(o, dict) else o for o in order]
    plc = assets_by_ip.get("192.168.20.11")
    hmi = assets_by_ip.get("192.168.20.21")
    if check(plc in ids and hmi in ids, "the recovery order holds the PLC and the HMI"):
        check(ids.index(plc) < ids.index(hmi),
              "the PLC (server of the HMI's polling) is restored before the HMI")
    check(len(bcp.get("gaps", [])) >= 1, "the BCP lists gaps (e.g. no restore test)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    args = ap.parse_args()
    src = os.path.abspath(args.src)
    exe = os.path.abspath(args.mieruka)
    capture = os.path.join(src, "scenarios", "factory", "factory-demo.pcapng")
    answers_src = os.path.join(src, "tests", "integration", "data", "assess", "sample-factory.json")
    pages_dir = os.path.join(os.path.dirname(exe), "assess-report-pages")

    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "factory.db")
        r = run([exe, "analyze", "--quiet", "--db", db, "--learn-until",
                 "2026-03-10T09:10:00+09:00", capture])
        if not check(r.returncode == 0, "analyze the scenario: %s" % r.stderr):
            return 1
        r = run([exe, "export", "--quiet", "--db", db, "--json", os.path.join(tmp, "a.json")])
        if not check(r.returncode == 0, "export the ledger: %s" % r.stderr):
            return 1
        with open(os.path.join(tmp, "a.json"), encoding="utf-8") as f:
            inv = json.load(f)
        assets_by_ip = {}
        for a in inv["assets"]:
            for ip in a["ips"]:
                assets_by_ip[ip] = a["id"]

        with open(answers_src, encoding="utf-8") as f:
            answers = json.load(f)
        # The BCP's systems name assets of this database (their ids come from the MACs).
        for s in answers["bcp"]["systems"]:
            if s.get("asset", "").startswith("ip:"):
                s["asset"] = assets_by_ip.get(s["asset"][3:])
        ans_path = os.path.join(tmp, "answers.json")
        with open(ans_path, "w", encoding="utf-8") as f:
            json.dump(answers, f, ensure_ascii=False, indent=1)

        out_json = os.path.join(tmp, "assessment.json")
        pdf = os.path.join(tmp, "report.pdf")
        md = os.path.join(tmp, "report.md")
        csvdir = os.path.join(tmp, "csv")
        have_chromium = any(shutil.which(c) for c in ("chromium", "chromium-browser",
                                                       "google-chrome"))
        cmd = [exe, "assess", "--db", db, "--answers", ans_path, "--json", out_json,
               "--markdown", md, "--csv", csvdir, "--lang", "ja", "--by", "工場長 山田"]
        if have_chromium:
            cmd += ["--report", pdf]
        r = run(cmd)
        if not check(r.returncode == 0, "assess with the answers file: %s" % r.stderr):
            return 1
        check("セルフリスク評価" in r.stdout, "the terminal summary is in Japanese with --lang ja")
        with open(out_json, encoding="utf-8") as f:
            doc = json.load(f)
        check_document(doc, answers, assets_by_ip)

        # The answers are in the database: assess without the file gives the same document.
        r = run([exe, "assess", "--db", db, "--json", "-", "--no-interactive"])
        if check(r.returncode == 0, "assess from the stored answers: %s" % r.stderr):
            again = json.loads(r.stdout)
            check([e["applicable"] for e in again["entry_points"]] ==
                  [e["applicable"] for e in doc["entry_points"]],
                  "stored answers give the same applicability")
            check([p["countermeasure"] for p in again["plan"]] ==
                  [p["countermeasure"] for p in doc["plan"]], "stored answers give the same plan")
            stored = {a["key"]: a for a in again.get("answers", [])}
            check(stored.get("use.usb", {}).get("by") == "工場長 山田",
                  "who answered is stored with the answer")

        # Markdown and CSV hold the same plan.
        with open(md, encoding="utf-8") as f:
            mdtext = f.read()
        first = doc["plan"][0]["title"]["ja"]
        check(first in mdtext, "the Markdown report holds the first action (%s)" % first)
        plan_csv = os.path.join(csvdir, "plan.csv")
        if check(os.path.exists(plan_csv), "plan.csv written"):
            with open(plan_csv, encoding="utf-8-sig", newline="") as f:
                rows = list(csv.DictReader(f))
            check([r.get("countermeasure") for r in rows] ==
                  [p["countermeasure"] for p in doc["plan"]], "plan.csv lists the plan in order")

        # The PDF report: text and pages.
        if have_chromium and shutil.which("pdftotext"):
            check(os.path.exists(pdf) and open(pdf, "rb").read(5) == b"%PDF-", "a PDF is written")
            text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True,
                                  text=True).stdout
            for want in ("JIMU-PC01", "192.168.20.11", first, "サイバーBCP",
                         "0120-000-111", "USBメモリー", "保守用"):
                check(want in text, "the PDF text holds %r" % want)
            shutil.rmtree(pages_dir, ignore_errors=True)
            os.makedirs(pages_dir)
            subprocess.run(["pdftoppm", "-r", "60", "-png", pdf, os.path.join(pages_dir, "page")],
                           check=False)
            pages = [p for p in os.listdir(pages_dir) if p.endswith(".png")]
            check(len(pages) >= 4, "the report has at least 4 pages (%d)" % len(pages))
            print("report pages saved in", pages_dir)
        else:
            print("chromium or pdftotext missing: the PDF part is not checked")

        # Progress: do the first this-week action and assess again.
        week = [p["countermeasure"] for p in doc["plan"] if p.get("this_week")]
        if check(week, "the plan has this-week actions"):
            step = {"schema": "mieruka-answers/1", "answers": {week[0]: "done"}}
            step_path = os.path.join(tmp, "step.json")
            with open(step_path, "w", encoding="utf-8") as f:
                json.dump(step, f)
            r = run([exe, "assess", "--db", db, "--answers", step_path, "--json", "-"])
            if check(r.returncode == 0, "assess after one action: %s" % r.stderr):
                doc2 = json.loads(r.stdout)
                check(week[0] in [d.get("countermeasure") for d in doc2.get("done_since", [])],
                      "%s is listed as done since the last run: %s" % (week[0],
                                                                      doc2.get("done_since")))
                check(week[0] not in [p["countermeasure"] for p in doc2["plan"]],
                      "a done action leaves the plan")
                check(all(p.get("progress") == "open" for p in doc2["plan"]),
                      "the other actions are open (were in the last plan)")
                check(doc2.get("previous") is not None, "the previous run is named")

        # Interactive: answer two questions, quit, continue.
        idb = os.path.join(tmp, "inter.db")
        shutil.copy(db, idb)
        r = run([exe, "assess", "--db", idb, "--interactive", "--lang", "en"], stdin="y\n2\nq\n")
        check(r.returncode == 0, "interactive session: %s" % r.stderr)
        check("USB" in r.stdout and "saved" in r.stdout, "the session shows the first entry point "
              "and says the answers are saved")
        r = run([exe, "assess", "--db", idb, "--json", "-", "--no-interactive"])
        if check(r.returncode == 0, "read back: %s" % r.stderr):
            st = {a["key"]: a["value"] for a in json.loads(r.stdout).get("answers", [])}
            check(st.get("use.usb") == "yes", "the interactive yes for USB memory is stored")
        r = run([exe, "assess", "--db", idb, "--interactive", "--lang", "en"], stdin="q\n")
        check("[yes]" in r.stdout, "the next session offers the stored answer as the default")

        # Errors.
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"schema": "mieruka-answers/1",\n "answers": {"use.usb": "yes",}\n}\n')
        r = run([exe, "assess", "--db", db, "--answers", bad, "--quiet"])
        check(r.returncode == 1 and (bad + ":2:") in r.stderr,
              "a broken answers file: exit 1 naming file and line (%d, %s)" % (r.returncode,
                                                                              r.stderr.strip()))
        with open(bad, "w") as f:
            json.dump({"schema": "mieruka-answers/1", "answers": {"usb.nonsense": "done"}}, f)
        r = run([exe, "assess", "--db", db, "--answers", bad, "--quiet"])
        check(r.returncode == 1 and "usb.nonsense" in r.stderr,
              "an unknown question is named: %s" % r.stderr.strip())
        with open(bad, "w") as f:
            json.dump({"schema": "mieruka-answers/1", "answers": {"use.usb": "perhaps"}}, f)
        r = run([exe, "assess", "--db", db, "--answers", bad, "--quiet"])
        check(r.returncode == 1 and "perhaps" in r.stderr,
              "a wrong value is named: %s" % r.stderr.strip())
        r = run([exe, "assess", "--db", os.path.join(tmp, "missing.db"), "--quiet"])
        check(r.returncode == 1, "a missing database is exit 1")
        r = run([exe, "assess", "--db", db, "--report", os.path.join(tmp, "r.docx")])
        check(r.returncode == 2, "a report that is neither .html nor .pdf is a usage error")

    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

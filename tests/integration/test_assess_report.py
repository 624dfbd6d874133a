#!/usr/bin/env python3
"""The printable assessment report over real databases, printed to PDF by Chromium.

Two databases: the bundled factory scenario (`mieruka demo --no-serve`) and the attack and
office captures of ../shared/captures analysed together (131 devices from real traffic, names
and all).  For each, tests/report_sample.c renders the hand-made assessment of
tests/unit/support/report_fixture.c over the database's records (until `mieruka assess
--report` is on main): the HTML report, its Markdown, the map as SVG and the CSV files.

Checked:
- the SVG map (standalone and the one inside the HTML) parses with xml.etree, is SVG, and
  draws every asset of the database exactly once (`mieruka export --json` gives them), plus
  the internet node when a device talked to a public address;
- the HTML parses, holds every section, and loads nothing (no script, link, img, iframe,
  object, no external URL in an attribute);
- the PDFs (Japanese): A4 pages and one A3 landscape page (the map), and their text (pdftotext)
  holds the section titles and the names and addresses of the devices; the demo's also the 13
  entry points of the knowledge base and the hostile note as plain text; the pages are saved
  as PNG (pdftoppm -r 60) under BUILD/report-pages/ (the captures' in report-pages/captures/)
  for a person to look at.

Usage: test_assess_report.py --mieruka PATH --shared PATH [--src PATH]
Exit 0 pass, 1 fail, 77 skip (no Chromium, no poppler-utils, or no sample program).
"""
import argparse
import glob
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

FAILS = []
SVG = "{http://www.w3.org/2000/svg}"
SECTIONS = ["cover", "summary", "assets", "map", "alerts", "entries", "plan", "meti", "ipa25",
            "bcp", "sources"]
TITLES_JA = ["まとめ", "ネットワーク上の機器一覧", "ネットワーク構成図", "検知したアラート",
             "入口ごとのリスク", "対策計画", "経済産業省ガイドラインのチェックリスト",
             "サイバーBCP", "出典と確かさ"]


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)
    return cond


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


class Tags(html.parser.HTMLParser):
    """Every start tag with its attributes, and the section ids."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.sections = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "section":
            self.sections.append(dict(attrs).get("id"))


def export(mieruka, db):
    r = run([mieruka, "export", "--db", db, "--json", "-"])
    if not check(r.returncode == 0, f"export {db}: {r.stderr}"):
        return None
    return json.loads(r.stdout)


def public(addr):
    """What the map counts as the internet: an IPv4 address outside the private, shared,
    link-local, loopback, multicast and reserved ranges (IPv6 is not needed here)."""
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)\.(\d+)", addr or "")
    if not m:
        return False
    a, b = int(m.group(1)), int(m.group(2))
    return not (a in (0, 10, 127) or a >= 224 or (a == 172 and 16 <= b <= 31) or
                (a == 192 and b == 168) or (a == 169 and b == 254) or (a == 100 and 64 <= b <= 127))


def check_svg(root, doc, label):
    check(root.tag == SVG + "svg", f"{label}: root is {root.tag}, not svg")
    devices = [g for g in root.iter(SVG + "g") if g.get("class") == "device"]
    glyphs = [g.find(SVG + "text").text for g in devices]
    ips = {ip for a in doc["assets"] for ip in a["ips"]}
    internet = any((public(c["client"]) and c["client"] not in ips and c["server"] in ips) or
                   (public(c["server"]) and c["server"] not in ips and c["client"] in ips)
                   for c in doc["communications"])
    n_assets = len(doc["assets"])
    check(len(devices) == n_assets + (1 if internet else 0),
          f"{label}: {len(devices)} devices drawn, database has {n_assets} (internet {internet})")
    check(glyphs.count("WAN") == (1 if internet else 0), f"{label}: internet node {glyphs.count('WAN')}")
    # every asset's first address is drawn under its node (or the node is named by it)
    texts = {t.text for t in root.iter(SVG + "text")}
    missing = [a["id"] for a in doc["assets"]
               if a["ips"] and a["ips"][0] not in texts and
               not any(t and t.startswith(a["ips"][0][:12]) for t in texts)]
    check(not missing, f"{label}: assets without their address on the map: {missing[:5]}")
    groups = [g for g in root.iter(SVG + "g") if g.get("class") == "group"]
    check(len(groups) >= 1, f"{label}: no group boxes")


ANSWERS = {
    "schema": "mieruka-answers/1",
    "answers": {"use.usb": "yes", "usb.rules": "no", "usb.ledger": "partial", "use.mfp": "no",
                "use.maintenance": "yes", "use.wifi": "unknown", "use.cloud": "no"},
    "notes": {"usb.rules": "<script>alert(1)</script> 規程は未制定"},
    "by": "山田 (生産技術課)",
    "bcp": {"company": {"name": "テスト工場", "site": "本社", "author": "山田"},
            "systems": [{"name": "ライン1 PLC", "critical": True, "rto_hours": 8,
                         "backups": [{"what": "plc_program", "where": "金庫", "when": "毎月",
                                      "offline": True, "restore_tested": None}]}],
            "contacts": [{"category": "vendor", "org": "=cmd|' /C calc'!A0", "name": "佐藤",
                          "phone": "03-0000-0000", "email": "", "note": ""}]},
}


def entry_names(src):
    """name.ja of the 13 entry points of the shipped knowledge base."""
    names = []
    for path in sorted(glob.glob(os.path.join(src, "data", "kb", "ep-*.kb"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        m = re.search(r"^\[entry_point [^\]]+\]\n(?:.*\n)*?name\.ja: (.*)$", text, re.M)
        if m:
            names.append(m.group(1).strip())
    return names


def check_report(mieruka, sample, db, out, lang, pdf, pages_dir, answers=None, entries=()):
    cmd = [sample, "--db", db, "--out", out, "--lang", lang] + (["--pdf"] if pdf else [])
    if answers:
        cmd += ["--answers", answers]
    r = run(cmd)
    if r.returncode == 77:
        return 77
    if not check(r.returncode == 0, f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr}"):
        return 1
    doc = export(mieruka, db)
    if doc is None:
        return 1
    label = f"{os.path.basename(db)} ({lang})"

    # the standalone map and the one in the report: well-formed SVG with every device
    try:
        check_svg(ET.parse(os.path.join(out, "map.svg")).getroot(), doc, label + " map.svg")
    except ET.ParseError as e:
        check(False, f"{label}: map.svg is not well-formed XML: {e}")
    with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
        page = f.read()
    m = re.search(r"<svg .*?</svg>", page, re.S)
    if check(m is not None, f"{label}: no SVG in the HTML report"):
        try:
            check_svg(ET.fromstring(m.group(0)), doc, label + " report.html")
        except ET.ParseError as e:
            check(False, f"{label}: the report's SVG is not well-formed XML: {e}")

    # the HTML: sections, nothing loaded
    tags = Tags()
    tags.feed(page)
    check(tags.sections == SECTIONS, f"{label}: sections {tags.sections}")
    bad = [t for t, _ in tags.tags if t in ("script", "link", "img", "iframe", "object", "embed")]
    check(not bad, f"{label}: tags that load or run something: {bad}")
    ext = [(t, k, v) for t, a in tags.tags for k, v in a.items()
           if v and k in ("src", "href", "action", "data") and not v.startswith("#")]
    check(not ext, f"{label}: attributes pointing outside: {ext[:3]}")
    if lang == "ja":
        for t in TITLES_JA:
            check(f"<h2>{t}</h2>" in page, f"{label}: no heading {t}")

    # the Markdown and CSV files exist and are not empty
    for name in ["report.md"] + [f"csv/{n}" for n in ("risks.csv", "plan.csv", "meti.csv",
                                                      "ipa25.csv", "answers.csv",
                                                      "bcp_contacts.csv", "bcp_systems.csv")]:
        p = os.path.join(out, name)
        check(os.path.exists(p) and os.path.getsize(p) > 3, f"{label}: {name} missing or empty")

    if not pdf:
        return 0
    pdf_path = os.path.join(out, "report.pdf")
    with open(pdf_path, "rb") as f:
        check(f.read(5) == b"%PDF-", f"{label}: report.pdf is not a PDF")
    info = run(["pdfinfo", "-f", "1", "-l", "999", pdf_path]).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    check(len(sizes) >= 10, f"{label}: only {len(sizes)} pages")
    a4 = [s for s in sizes if abs(float(s[0]) - 595) < 2 and abs(float(s[1]) - 842) < 2]
    a3l = [s for s in sizes if abs(float(s[0]) - 1191) < 2 and abs(float(s[1]) - 842) < 2]
    check(sizes and sizes[0] in a4, f"{label}: the cover is not A4 portrait: {sizes[:1]}")
    check(len(a3l) >= 1, f"{label}: no A3 landscape page for the map")
    check(len(a4) + len(a3l) == len(sizes), f"{label}: pages of other sizes: {set(sizes)}")
    # -raw: content order, so a name wrapped in its table cell stays in one piece
    text = run(["pdftotext", "-raw", pdf_path, "-"]).stdout
    flat = re.sub(r"\s+", "", text)
    for t in TITLES_JA:
        check(t in flat, f"{label}: PDF text lacks the section title {t}")
    names = sorted({h for a in doc["assets"] for h in a["hostnames"][:1]})
    missing = [n for n in names if re.sub(r"\s+", "", n) not in flat]
    check(names and not missing, f"{label}: PDF text lacks device names {missing[:5]} of {len(names)}")
    ips = [a["ips"][0] for a in doc["assets"] if a["ips"]]
    missing = [ip for ip in ips if ip not in flat]
    check(not missing, f"{label}: PDF text lacks addresses {missing[:5]}")
    for name in entries:
        check(re.sub(r"\s+", "", name) in flat, f"{label}: PDF text lacks the entry point {name}")
    if answers:
        check("<script>alert(1)</script>規程は未制定" in flat,
              f"{label}: the hostile note is not shown as text")
        today = time.localtime()
        made = f"{today.tm_year}年{today.tm_mon}月{today.tm_mday}日"
        check(made in flat, f"{label}: the cover does not say it was made today ({made})")

    # the pages as images for review
    os.makedirs(pages_dir, exist_ok=True)
    for old in glob.glob(os.path.join(pages_dir, "page-*.png")):
        os.remove(old)
    r = run(["pdftoppm", "-r", "60", "-png", pdf_path, os.path.join(pages_dir, "page")])
    pngs = glob.glob(os.path.join(pages_dir, "page-*.png"))
    check(r.returncode == 0 and len(pngs) == len(sizes),
          f"{label}: {len(pngs)} page images for {len(sizes)} pages: {r.stderr}")
    shutil.copy(pdf_path, os.path.join(pages_dir, "report.pdf"))
    print(f"{label}: {len(sizes)} pages, images in {pages_dir}")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src")
    args = ap.parse_args()
    build = os.path.dirname(os.path.abspath(args.mieruka))
    sample = os.path.join(build, "tests", "mk_report_sample")
    if not os.path.exists(sample):
        print("SKIP: no", sample)
        return 77
    chromium = os.environ.get("MIERUKA_CHROMIUM") or next(
        (c for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None)
    if chromium is None or shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        print("SKIP: needs chromium and poppler-utils (bash scripts/deps.sh test)")
        return 77
    captures = sorted(glob.glob(os.path.join(args.shared, "captures", "attack", "*.pcap*")) +
                      glob.glob(os.path.join(args.shared, "captures", "office", "*.pcap*")))

    with tempfile.TemporaryDirectory() as tmp:
        demo = os.path.join(tmp, "demo.db")
        r = run([args.mieruka, "demo", "--no-serve", "--db", demo])
        if not check(r.returncode == 0, f"demo: exit {r.returncode}: {r.stderr[-500:]}"):
            return 1
        answers = os.path.join(tmp, "answers.json")
        with open(answers, "w", encoding="utf-8") as f:
            json.dump(ANSWERS, f, ensure_ascii=False)
        entries = entry_names(args.src) if args.src else []
        check(not args.src or len(entries) == 13, f"entry points in data/kb: {entries}")
        rc = check_report(args.mieruka, sample, demo, os.path.join(tmp, "demo-ja"), "ja", True,
                          os.path.join(build, "report-pages"), answers, entries)
        if rc == 77:
            print("SKIP: Chromium could not be used")
            return 77
        check_report(args.mieruka, sample, demo, os.path.join(tmp, "demo-en"), "en", False, None,
                     answers)
        if captures:
            real = os.path.join(tmp, "real.db")
            r = run([args.mieruka, "analyze", "--quiet", "--db", real] + captures)
            if check(r.returncode == 0, f"analyze: exit {r.returncode}: {r.stderr[-500:]}"):
                check_report(args.mieruka, sample, real, os.path.join(tmp, "real-ja"), "ja", True,
                             os.path.join(build, "report-pages", "captures"))
    if FAILS:
        print(f"{len(FAILS)} failures")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

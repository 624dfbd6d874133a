#!/usr/bin/env python3
"""The dashboard's source (web/public) keeps the rules the strict CSP and hostile
names need, checked without a browser:

- no HTML parsing of strings: no innerHTML/outerHTML/insertAdjacentHTML/document.write,
  no eval / new Function / string timers;
- index.html: no inline <script> body, no style= or on*= attributes, no <style>;
  scripts and styles only from /static/, no web fonts or other origins;
- every t('key') the pages use exists in both i18n/ja.json and i18n/en.json, and the two
  dictionaries have the same keys; the Japanese one is really Japanese;
- the stable page paths of docs (/, /assets, /assets/ID, /map, /alerts, /changes,
  /assessment, /settings, /captures, /zones, /login, /setup) are all routed by app.js.

Usage: test_web_static.py --mieruka PATH --shared PATH --src PROJECT_ROOT
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import json
import os
import re
import sys

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka")
    ap.add_argument("--shared")
    ap.add_argument("--src", required=True)
    a = ap.parse_args()
    pub = os.path.join(a.src, "web", "public")
    if not os.path.isdir(pub):
        print("SKIP: no web/public")
        return 77
    js = {}
    for root, _, files in os.walk(os.path.join(pub, "static")):
        for f in files:
            if f.endswith(".js") and "vendor" not in root:
                p = os.path.join(root, f)
                js[os.path.relpath(p, pub)] = open(p, encoding="utf-8").read()
    check(len(js) >= 14, f"{len(js)} UI modules found")
    banned = [r"\.innerHTML\b", r"\.outerHTML\b", r"insertAdjacentHTML", r"document\.write", r"\beval\s*\(",
              r"new\s+Function\b", r"setTimeout\(\s*['\"`]", r"setInterval\(\s*['\"`]", r"\.setAttribute\(\s*['\"]style['\"]",
              r"createContextualFragment", r"DOMParser"]
    for name, text in sorted(js.items()):
        # comments may name what is banned
        code = re.sub(r"//[^\n]*", "", text)
        hits = [b for b in banned if re.search(b, code)]
        check(not hits, f"{name}: no HTML parsing or eval ({hits})")

    html = open(os.path.join(pub, "index.html"), encoding="utf-8").read()
    check(not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "index.html: no inline script")
    check(not re.search(r"\sstyle\s*=", html) and "<style" not in html, "index.html: no inline style")
    check(not re.search(r"\son[a-z]+\s*=", html), "index.html: no inline event handlers")
    srcs = re.findall(r"(?:src|href)=\"([^\"]+)\"", html)
    check(all(s.startswith("/static/") or s == "/" or s.startswith("data:") for s in srcs), f"index.html: only /static/ resources ({srcs})")
    css = open(os.path.join(pub, "static", "style.css"), encoding="utf-8").read()
    check("@import" not in css and "url(http" not in css and "@font-face" not in css, "style.css: no web fonts or remote resources")
    check("Noto Sans CJK JP" in css and "IPAexGothic" in css, "style.css: Debian's Japanese fonts")
    check(re.search(r"@page\s*\{[^}]*A3 landscape", css) is not None, "style.css: prints on A3 landscape")

    ja = json.load(open(os.path.join(pub, "static", "i18n", "ja.json"), encoding="utf-8"))
    en = json.load(open(os.path.join(pub, "static", "i18n", "en.json"), encoding="utf-8"))
    check(set(ja) == set(en), f"ja.json and en.json have the same keys ({sorted(set(ja) ^ set(en))[:10]})")
    used = set()
    for text in js.values():
        used |= set(re.findall(r"\bt\('([a-z_]+\.[a-z_0-9.]+)'", text))
    missing = sorted(k for k in used if k not in ja or k not in en)
    check(not missing, f"{len(used)} keys used, all in both dictionaries ({missing[:10]})")
    jp = sum(1 for v in ja.values() if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", v))
    check(jp >= len(ja) * 0.85, f"ja.json is Japanese ({jp} of {len(ja)} texts)")
    check(ja.get("page.assets") == "資産台帳" and en.get("page.assets") == "Asset ledger", "the ledger's names")

    app = js[os.path.join("static", "app.js")]
    for p in ["/", "/assets", "/assets/m-0011", "/map", "/alerts", "/changes", "/assessment", "/settings", "/captures",
              "/zones", "/login", "/setup"]:
        routed = any(re.fullmatch(pat.replace("\\/", "/"), p) for pat in re.findall(r"re: /(.+?)/, page", app))
        check(routed, f"app.js routes {p}")
    for page in re.findall(r"page: '([a-z]+)'", app):
        check(os.path.join("static", "pages", page + ".js") in js, f"pages/{page}.js exists")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

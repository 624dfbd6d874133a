#!/usr/bin/env python3
"""Robustness over every shared capture: `mieruka analyze` must survive each file.

For every file under shared/captures (all of malformed/ too, and the README/MANIFEST, which are
not captures at all) run `mieruka analyze --quiet --db <fresh tmp> --json <tmp>` with a timeout.
A file passes when
  - the exit code is 0 and the JSON document parses (with the top-level keys of interface.md), or
  - the exit code is 1 and stderr carries a message naming the file (a file that cannot be read
    as a capture at all),
and stderr has no sanitizer report ("ERROR: AddressSanitizer", "runtime error:", ...).
Files run two at a time.  Standard library only.

Usage: test_all_captures.py --mieruka PATH --shared PATH [--src PATH] [--timeout S] [--jobs N]
       [--only SUBSTRING]
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "ERROR: UndefinedBehaviorSanitizer", "WARNING: MemorySanitizer")
TOP_KEYS = ("schema", "generator", "captures", "assets", "communications", "alerts")


def check_one(mieruka, path, rel, timeout):
    """Run one file; return None when it passes, else a one-line reason."""
    with tempfile.TemporaryDirectory(prefix="mk-allcap-") as tmp:
        db = os.path.join(tmp, "t.db")
        js = os.path.join(tmp, "out.json")
        cmd = [mieruka, "analyze", "--quiet", "--db", db, "--json", js, path]
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            return "timeout after %ds" % timeout
        err = p.stderr.decode("utf-8", "replace")
        for mark in SANITIZER_MARKS:
            if mark in err:
                line = next((l for l in err.splitlines() if mark in l), mark)
                return "sanitizer report: %s" % line.strip()[:200]
        if p.returncode < 0:
            return "killed by signal %d" % -p.returncode
        if p.returncode == 0:
            try:
                with open(js, "rb") as f:
                    doc = json.loads(f.read().decode("utf-8"))
            except FileNotFoundError:
                return "exit 0 but no JSON file written"
            except (ValueError, UnicodeDecodeError) as e:
                return "exit 0 but JSON invalid: %s" % str(e)[:160]
            if not isinstance(doc, dict):
                return "exit 0 but JSON top level is not an object"
            missing = [k for k in TOP_KEYS if k not in doc]
            if missing:
                return "exit 0 but JSON lacks top-level keys %s" % ",".join(missing)
            return None
        if p.returncode == 1:
            base = os.path.basename(path)
            if not err.strip():
                return "exit 1 with empty stderr"
            if base not in err:
                return "exit 1 but stderr does not name the file: %r" % err.strip()[:200]
            return None
        return "exit %d: %s" % (p.returncode, err.strip()[:200])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src")
    ap.add_argument("--timeout", type=int, default=180)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", help="run only files whose path contains this")
    a = ap.parse_args()

    mieruka = os.path.abspath(a.mieruka)
    if not os.access(mieruka, os.X_OK):
        print("SKIP: mieruka binary %s not found or not executable" % mieruka)
        return 77
    root = os.path.join(a.shared, "captures")
    if not os.path.isdir(root):
        print("SKIP: %s not found (shared captures are not checked out here)" % root)
        return 77

    files = []
    for d, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            full = os.path.join(d, n)
            rel = os.path.relpath(full, root)
            if a.only and a.only not in rel:
                continue
            files.append((full, rel))
    if not files:
        print("SKIP: no files under %s" % root)
        return 77

    def timed(full, rel):
        t = time.monotonic()
        why = check_one(mieruka, full, rel, a.timeout)
        return why, time.monotonic() - t

    failures = []
    passed = 0
    durations = []
    t_start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futs = {ex.submit(timed, full, rel): rel for full, rel in files}
        for fut in concurrent.futures.as_completed(futs):
            rel = futs[fut]
            why, secs = fut.result()
            durations.append((secs, rel))
            if why is None:
                passed += 1
            else:
                failures.append((rel, why))
                print("FAIL %s: %s" % (rel, why), flush=True)

    durations.sort(reverse=True)
    print("%d files in %.0fs; slowest: %s" % (len(files), time.monotonic() - t_start, ", ".join(
        "%s %.1fs" % (rel, secs) for secs, rel in durations[:5])))
    if failures:
        print("\nfailures (%d):" % len(failures))
        for rel, why in sorted(failures):
            print("  %s: %s" % (rel, why))
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

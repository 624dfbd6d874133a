#!/usr/bin/env python3
"""test_monitor.py - `mieruka monitor` on a veth pair between two network
namespaces made by this test, fed by tcpreplay with a capture, must record the
same assets as `mieruka analyze` on that capture, and must send nothing: a
capture on the peer side of the veth sees no packet coming from mieruka's side.

The monitored side has no IP address and IPv6 is disabled on it, so the kernel
itself has no reason to transmit either; anything seen on the peer is ours.
Skips (exit 77) with a clear message where namespaces or tools are missing.
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time

SKIP = 77


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kw)


def skip(msg):
    print(f"SKIP: {msg}")
    sys.exit(SKIP)


def ledger(doc):
    """What must agree between live and file analysis: each asset's id, MAC,
    addresses and names (times and counters differ by nature)."""
    return {a["id"]: (a["mac"], tuple(sorted(a["ips"])), tuple(sorted(a["hostnames"])))
            for a in doc["assets"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src", required=True)
    args = ap.parse_args()

    if os.geteuid() != 0:
        skip("needs root to create network namespaces")
    for tool in ("ip", "tcpreplay", "tcpdump"):
        if shutil.which(tool) is None:
            skip(f"{tool} is not installed (scripts/deps.sh test installs it)")
    capture = os.path.join(args.src, "scenarios/factory/factory-demo.pcapng")
    if not os.path.exists(capture):
        capture = os.path.join(args.shared, "captures/office/dhcp__dhcp.pcap")
    if not os.path.exists(capture):
        skip("no capture to replay")

    tag = f"mk{os.getpid() % 100000}"
    ns_feed, ns_mon = f"{tag}feed", f"{tag}mon"
    tmp = tempfile.mkdtemp(prefix="mieruka-monitor-")
    checks = failures = 0
    try:
        try:
            sh("ip", "netns", "add", ns_feed)
        except subprocess.CalledProcessError as e:
            skip(f"network namespaces are not permitted here: {e.stderr.strip()}")
        sh("ip", "netns", "add", ns_mon)
        sh("ip", "link", "add", f"{tag}a", "type", "veth", "peer", "name", f"{tag}b")
        sh("ip", "link", "set", f"{tag}a", "netns", ns_feed)
        sh("ip", "link", "set", f"{tag}b", "netns", ns_mon)
        for ns, dev in ((ns_feed, f"{tag}a"), (ns_mon, f"{tag}b")):
            sh("ip", "netns", "exec", ns, "sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1")
            sh("ip", "-n", ns, "link", "set", dev, "mtu", "9000", "up")

        # The peer-side witness: everything that arrives at the feeding end.
        witness = os.path.join(tmp, "peer.pcap")
        tcpdump = subprocess.Popen(["ip", "netns", "exec", ns_feed, "tcpdump", "-i", f"{tag}a",
                                    "-Q", "in", "-n", "-U", "-w", witness],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        live_db = os.path.join(tmp, "live.db")
        mon = subprocess.Popen(["ip", "netns", "exec", ns_mon, args.mieruka, "monitor",
                                "-i", f"{tag}b", "--db", live_db],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        if mon.poll() is not None:
            print("FAIL: monitor exited early:", mon.stderr.read())
            return 1
        rep = sh("ip", "netns", "exec", ns_feed, "tcpreplay", "-i", f"{tag}a", "--mbps=100",
                 capture, check=False)
        if rep.returncode != 0:
            print("FAIL: tcpreplay:", rep.stderr.strip()[-400:])
            return 1
        time.sleep(1.5)
        mon.send_signal(signal.SIGTERM)
        out, err = mon.communicate(timeout=60)
        checks += 1
        if mon.returncode != 0:
            failures += 1
            print(f"FAIL: monitor exit status {mon.returncode}: {err.strip()[-800:]}")
        time.sleep(0.5)
        tcpdump.send_signal(signal.SIGINT)
        _, tcpdump_err = tcpdump.communicate(timeout=30)

        # 1. Nothing was transmitted by the monitoring side.
        checks += 1
        count = sh("tcpdump", "-n", "-r", witness, check=False).stdout.strip().splitlines()
        if count:
            failures += 1
            print(f"FAIL: {len(count)} packets came from the monitored side, e.g. {count[:3]}")
        else:
            print("ok: the monitored side sent no packet")

        # 2. The same asset ledger as analysing the file.
        file_db = os.path.join(tmp, "file.db")
        live_json = os.path.join(tmp, "live.json")
        r = sh(args.mieruka, "export", "--quiet", "--db", live_db, "--json", live_json,
               check=False)
        r2 = sh(args.mieruka, "analyze", "--quiet", "--db", file_db, "--json", "-", capture,
                check=False)
        checks += 1
        if r.returncode != 0 or r2.returncode != 0:
            failures += 1
            print("FAIL: analyze failed:", r.stderr[-400:], r2.stderr[-400:])
        else:
            with open(live_json) as f:
                live = ledger(json.load(f))
            offline = ledger(json.loads(r2.stdout))
            if live != offline:
                failures += 1
                only_live = {k: live[k] for k in live.keys() - offline.keys()}
                only_file = {k: offline[k] for k in offline.keys() - live.keys()}
                differ = {k: (live[k], offline[k]) for k in live.keys() & offline.keys()
                          if live[k] != offline[k]}
                print(f"FAIL: ledgers differ: only live {only_live}, only file {only_file}, "
                      f"different {differ}")
            else:
                print(f"ok: live and file analysis agree on {len(live)} assets")
    finally:
        for ns in (ns_feed, ns_mon):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

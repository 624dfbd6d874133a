#!/usr/bin/env python3
"""Write golden expectations for tests/integration/test_golden.py from Wireshark's dissection.

Run by hand (needs tshark; CI does not):
    tools/make-golden.py [--shared ../shared] [--out tests/golden] [CAPTURE-REL-PATH ...]
Without capture arguments it (re)writes the golden file of every capture in SET below.
Each output file tests/golden/<rel path, '/' -> '__'>.json holds:
  sources        every private or link-local IPv4 ip.src, with the eth.src MACs that sent it and
                 the MAC the asset is expected to carry (null behind a router)
  routers        MACs that sent many source IPs (see ROUTER_MIN_IPS) and the IPs they announce
                 themselves (ARP sender, DHCP server identifier, DHCP relay giaddr)
  hostnames      names announced by DHCP option 12, NetBIOS NS registrations and positive
                 responses, mDNS A records in responses, LLDP system name, CDP device id
  conversations  TCP: sender of a SYN without ACK -> destination, destination port;
                 UDP: pairs whose server side is unambiguous (see udp_server_side())
  made_by        the exact tshark commands used
  review         free text notes written by hand after reviewing the file (kept on rewrite)
The generator is a starting point: every file is reviewed by hand (tests/golden/README.md).
"""
import argparse
import ipaddress
import json
import os
import shutil
import subprocess
import sys

# The representative set: small captures covering the name sources and the ICS protocols.
SET = [
    "office/dhcp__dhcp.pcap",
    "office/dhcp-rfc4388.pcap",
    "office/dhcp-option-108.pcapng",
    "office/dhcp-mud.pcap",
    "office/dns__mdns.pcap",
    "office/LLDP_and_CDP.pcap",
    "office/smb__smb_v2_only_non_zero_reserved1.pcap",
    "office/smb__raw_ntlm_in_smb.pcap",
    "office/http__get.pcap",
    "profinet/profinet_io_cm_mixed_1.pcap",
    "attack/bro-simple-scan__445_scan.pcap",
    "attack/bro-simple-scan__port_scan.pcap",
    "attack/nmap-vsn.pcap",
    "modbus/bro__modbus__modbusSmall.pcap",
    "modbus/modbus_example.pcap",
    "s7comm/s7__s7comm_reading_plc_status.pcap",
    "enip/EthernetIP__enip_test.pcap",
    "enip/openics__EIP-FirmwareChange.pcap",
    "dnp3/bro__dnp3__dnp3.pcap",
    "bacnet/BACnet__bacnet_test.pcap",
    "bacnet/bacnet_error_reject_abort.pcap",
]

# A MAC that sends this many distinct IPv4 source addresses is treated as a router (the hosts
# behind it become assets keyed by IP, with mac null).  Mirrors inventory.h router_min_ips;
# the hand review checks every MAC near this threshold.
ROUTER_MIN_IPS = 4     # data/rules/roles.tsv "router_min_ips" (4 leaves room for a multi-homed host)

# Server ports that make a UDP pair unambiguous even above 1023 (ICS and common services).
UDP_SERVICE_PORTS = {
    502, 102, 2222, 44818, 20000, 47808, 4840, 2404, 34962, 34963, 34964, 1883, 5007, 5006,
    9600, 5353, 5355, 1900, 1812, 1813, 3389, 4500, 1194, 5060, 8080, 18245, 18246, 1089, 1090,
    1091, 4000, 5094, 20547,
}

AGG = "\x1e"


def tshark(path, display_filter, fields):
    """Run tshark, return (command as text, rows as lists of per-field lists)."""
    cmd = ["tshark", "-n", "-r", path]
    if display_filter:
        cmd += ["-Y", display_filter]
    cmd += ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
            "-E", "aggregator=" + AGG]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
    rows = []
    for line in out.decode("utf-8", "replace").split("\n"):
        if not line:
            continue
        cols = line.split("\t")
        cols += [""] * (len(fields) - len(cols))
        rows.append([c.split(AGG) if c else [] for c in cols])
    shown = " ".join(("'%s'" % c if (" " in c or "&" in c or "=" in c) and not c.startswith("aggregator")
                      else c) for c in cmd)
    shown = shown.replace("aggregator=" + AGG, "aggregator=$'\\x1e'")
    return shown, rows


def first(v):
    return v[0] if v else ""


def local_v4(ip):
    try:
        a = ipaddress.IPv4Address(ip)
    except ValueError:
        return False
    return (a.is_private or a.is_link_local) and not (a.is_unspecified or a.is_loopback or
                                                     a.is_multicast or ip == "255.255.255.255")


def unicast_ip(ip):
    try:
        a = ipaddress.ip_address(ip)
    except ValueError:
        return False
    # x.x.x.255 is taken for a subnet broadcast (true for every capture in SET; reviewed by hand)
    return not (a.is_multicast or a.is_unspecified or ip == "255.255.255.255" or
                (a.version == 4 and ip.endswith(".255")))


def udp_server_side(p1, p2):
    """Return the server port of a UDP pair, or None when it is ambiguous."""
    s1 = p1 < 1024 or p1 in UDP_SERVICE_PORTS
    s2 = p2 < 1024 or p2 in UDP_SERVICE_PORTS
    if s1 and not s2 and p2 >= 1024:
        return p1
    if s2 and not s1 and p1 >= 1024:
        return p2
    return None


def nb_name(raw):
    """'KW-VLIPC<20> (Server service)' -> ('KW-VLIPC', 0x20)."""
    raw = raw.split(" (")[0]
    if len(raw) >= 4 and raw.endswith(">") and raw[-4] == "<":
        try:
            return raw[:-4].rstrip(), int(raw[-3:-1], 16)
        except ValueError:
            return raw, None
    return raw, None


def make(shared, rel, old):
    path = os.path.join(shared, "captures", rel)
    made_by = []
    cmd, rows = tshark(path, "ip", ["eth.src", "ip.src"])
    made_by.append(cmd)
    by_ip = {}
    ips_of_mac = {}
    for r in rows:
        mac, ip = first(r[0]).lower(), first(r[1])
        if not mac or not ip:
            continue
        by_ip.setdefault(ip, set()).add(mac)
        if ip != "0.0.0.0":
            ips_of_mac.setdefault(mac, set()).add(ip)

    # Addresses a MAC announces for itself: ARP sender, DHCP server id from the server MAC.
    cmd, rows = tshark(path, "arp", ["arp.src.hw_mac", "arp.src.proto_ipv4"])
    made_by.append(cmd)
    announced = {}
    for r in rows:
        mac, ip = first(r[0]).lower(), first(r[1])
        if mac and ip and ip != "0.0.0.0":
            announced.setdefault(mac, set()).add(ip)
    cmd, rows = tshark(path, "dhcp", ["eth.src", "dhcp.option.dhcp_server_id", "dhcp.option.dhcp",
                                      "dhcp.hw.mac_addr", "dhcp.option.hostname", "ip.src",
                                      "dhcp.ip.your", "dhcp.ip.client", "dhcp.ip.relay"])
    made_by.append(cmd)
    dhcp_rows = rows
    for r in rows:
        mac, sid, ip_src, relay = first(r[0]).lower(), first(r[1]), first(r[5]), first(r[8])
        if mac and sid and sid == ip_src:
            announced.setdefault(mac, set()).add(sid)
        # A relay agent sends from its own interface address and puts it in giaddr.
        if mac and relay and relay == ip_src:
            announced.setdefault(mac, set()).add(relay)

    routers = {}
    for mac, ips in ips_of_mac.items():
        if len(ips) >= ROUTER_MIN_IPS:
            routers[mac] = sorted(announced.get(mac, set()) & ips)

    sources = []
    for ip in sorted(by_ip, key=lambda s: ipaddress.IPv4Address(s)):
        if not local_v4(ip):
            continue
        macs = sorted(by_ip[ip])
        direct = [m for m in macs if m not in routers or ip in routers[m]]
        entry = {"ip": ip, "macs": macs}
        if len(direct) == 1:
            entry["expect_mac"] = direct[0]
        elif not direct:
            entry["expect_mac"] = None
        else:
            entry["expect_mac"] = direct[0]
            entry["ambiguous"] = True   # for the hand review: several MACs sent this IP
        sources.append(entry)

    names = []

    def add_name(name, source, mac=None, ip=None):
        if not name:
            return
        e = {"name": name, "source": source}
        if mac:
            e["mac"] = mac
        if ip:
            e["ip"] = ip
        if e not in names:
            names.append(e)

    # DHCP option 12, by client hardware address.
    for r in dhcp_rows:
        if first(r[4]):
            add_name(first(r[4]), "dhcp", mac=first(r[3]).lower())

    # NetBIOS NS: registrations (opcode 5/8, request) and positive responses (query, response,
    # rcode 0): unique names with suffix 00 or 20, for the address in the record.
    cmd, rows = tshark(path, "nbns", ["nbns.flags.opcode", "nbns.flags.response", "nbns.flags.rcode",
                                      "nbns.name", "nbns.addr", "nbns.nb_flags.group"])
    made_by.append(cmd)
    for r in rows:
        opcode, resp, rcode = first(r[0]), first(r[1]), first(r[2])
        if not r[3] or not r[4]:
            continue
        registration = opcode in ("5", "8", "15") and resp in ("0", "False")
        answer = opcode == "0" and resp in ("1", "True") and rcode in ("0", "")
        if not (registration or answer):
            continue
        name, suffix = nb_name(r[3][0] if registration else r[3][-1])
        group = first(r[5]) in ("1", "True")
        if group or suffix not in (0x00, 0x20):
            continue
        for ip in r[4]:
            add_name(name, "nbns", ip=ip)

    # mDNS responses: owner names of A records, for the address in the record.
    cmd, rows = tshark(path, "mdns && dns.flags.response==1",
                       ["dns.resp.name", "dns.resp.type", "dns.a"])
    made_by.append(cmd)
    for r in rows:
        a_owners = [n for n, t in zip(r[0], r[1]) if t == "1"]
        for n, ip in zip(a_owners, r[2]):
            add_name(n, "mdns", ip=ip)

    cmd, rows = tshark(path, "lldp", ["eth.src", "lldp.tlv.system.name"])
    made_by.append(cmd)
    for r in rows:
        add_name(first(r[1]), "lldp", mac=first(r[0]).lower())
    cmd, rows = tshark(path, "cdp", ["eth.src", "cdp.deviceid"])
    made_by.append(cmd)
    for r in rows:
        add_name(first(r[1]), "cdp", mac=first(r[0]).lower())

    convs = {}
    cmd, rows = tshark(path, "tcp.flags.syn==1 && tcp.flags.ack==1",
                       ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport"])
    made_by.append(cmd)
    synack = set()
    for r in rows:
        s, c = first(r[0]) or first(r[2]), first(r[1]) or first(r[3])
        if c and s and first(r[4]):
            synack.add((c, s, int(first(r[4]))))
    cmd, rows = tshark(path, "tcp.flags.syn==1 && tcp.flags.ack==0",
                       ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.dstport"])
    made_by.append(cmd)
    for r in rows:
        c, s = first(r[0]) or first(r[2]), first(r[1]) or first(r[3])
        if c and s and first(r[4]):
            port = int(first(r[4]))
            # "answered" is information for the reader; the test checks every SYN'ed conversation.
            convs[(c, s, "tcp", port)] = (c, s, port) in synack
    cmd, rows = tshark(path, "udp && !icmp && !icmpv6",
                       ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport"])
    made_by.append(cmd)
    for r in rows:
        a, b = first(r[0]) or first(r[2]), first(r[1]) or first(r[3])
        if not (a and b and first(r[4]) and first(r[5])):
            continue
        pa, pb = int(first(r[4])), int(first(r[5]))
        sp = udp_server_side(pa, pb)
        if sp is None:
            continue
        client, server = (b, a) if sp == pa else (a, b)
        if not unicast_ip(server) or not unicast_ip(client):
            continue
        convs[(client, server, "udp", sp)] = None
    conversations = []
    for k in sorted(convs, key=lambda k: (k[2], k[3], k[0], k[1])):
        e = {"client": k[0], "server": k[1], "transport": k[2], "port": k[3]}
        if convs[k] is not None:
            e["answered"] = convs[k]
        conversations.append(e)

    # Hand corrections from the review live in "adjust" and are re-applied on every rewrite:
    #   "drop_sources": [ip], "expect_mac": {ip: mac|null}, "drop_hostnames": [{name, ...}],
    #   "add_hostnames": [{...}], "drop_conversations": [{client, server, transport, port}],
    #   "add_conversations": [{...}]
    adjust = (old or {}).get("adjust", {})
    sources = [e for e in sources if e["ip"] not in adjust.get("drop_sources", [])]
    for e in sources:
        if e["ip"] in adjust.get("expect_mac", {}):
            e["expect_mac"] = adjust["expect_mac"][e["ip"]]
            e.pop("ambiguous", None)
    names = [n for n in names if n not in adjust.get("drop_hostnames", [])]
    names += [n for n in adjust.get("add_hostnames", []) if n not in names]

    def ckey(e):
        return (e["client"], e["server"], e["transport"], e["port"])
    dropped = {ckey(e) for e in adjust.get("drop_conversations", [])}
    conversations = [e for e in conversations if ckey(e) not in dropped]
    conversations += [e for e in adjust.get("add_conversations", [])
                      if ckey(e) not in {ckey(x) for x in conversations}]

    doc = {
        "capture": rel,
        "made_by": made_by,
        "router_min_ips": ROUTER_MIN_IPS,
        "routers": [{"mac": m, "own_ips": routers[m], "source_ips": len(ips_of_mac[m])}
                    for m in sorted(routers)],
        "sources": sources,
        "hostnames": names,
        "conversations": conversations,
        "adjust": adjust,
        "review": (old or {}).get("review", "NOT REVIEWED YET"),
    }
    return doc


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(root), "shared"))
    ap.add_argument("--out", default=os.path.join(root, "tests", "golden"))
    ap.add_argument("captures", nargs="*")
    a = ap.parse_args()
    if shutil.which("tshark") is None:
        print("make-golden: tshark not found (Debian package tshark)", file=sys.stderr)
        return 1
    os.makedirs(a.out, exist_ok=True)
    for rel in a.captures or SET:
        out = os.path.join(a.out, rel.replace("/", "__") + ".json")
        old = None
        if os.path.exists(out):
            with open(out) as f:
                old = json.load(f)
        doc = make(a.shared, rel, old)
        with open(out, "w") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print("%s: %d sources, %d routers, %d names, %d conversations" % (
            out, len(doc["sources"]), len(doc["routers"]), len(doc["hostnames"]),
            len(doc["conversations"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())

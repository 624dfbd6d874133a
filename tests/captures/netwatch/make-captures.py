#!/usr/bin/python3
"""Writes the generated test captures of the network-level detectors and of the
TeamViewer and AnyDesk parsers (no public capture of these exists).

Run from anywhere with Debian's python3-scapy (2.5):
    /usr/bin/python3 tests/captures/netwatch/make-captures.py
It rewrites, byte for byte the same each time (fixed times, addresses, random
fields):
    tests/captures/netwatch/{arp_spoof,ip_change_once,rogue_dhcp,lateral_fanout,
                             psexec,smbghost,ndp_spoof,ndp_change_once}.pcap
    tests/captures/teamviewer/teamviewer.pcap
    tests/captures/anydesk/anydesk.pcap
What each holds, and what mieruka must say about it, is in the README next to
each file and asserted by tests/integration/test_netwatch_alerts.py.
"""
import os
import struct

from scapy.all import (ARP, BOOTP, DHCP, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, IP,
                       IPv6, TCP, UDP, Dot1Q, Ether, Raw, wrpcap)
from scapy.layers.tls.all import (TLS, ServerName, TLS_Ext_ServerName, TLSClientHello,
                                  TLSServerHello)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
T0 = 1700000000.0
BCAST = "ff:ff:ff:ff:ff:ff"


def stamp(pkts, t0=T0, step=0.01):
    """Gives packets without a time increasing times from t0."""
    t = t0
    for p in pkts:
        if getattr(p, "_t", None) is None:
            t += step
            p.time = t
        else:
            p.time = p._t
            t = p._t
    return pkts


def at(p, t):
    p._t = t
    return p


def write(path, pkts):
    wrpcap(path, pkts)
    print(path, len(pkts), "packets")


# ------------------------------------------------------------------ ARP

def arp_reply(mac, ip, dst_mac, dst_ip, t):
    return at(Ether(src=mac, dst=dst_mac) /
              ARP(op=2, hwsrc=mac, psrc=ip, hwdst=dst_mac, pdst=dst_ip), t)


def arp_request(mac, ip, target_ip, t):
    return at(Ether(src=mac, dst=BCAST) /
              ARP(op=1, hwsrc=mac, psrc=ip, hwdst="00:00:00:00:00:00", pdst=target_ip), t)


def dhcp_reply(srv_mac, srv_ip, cli_mac, yiaddr, msg, t, giaddr="0.0.0.0", sid=None,
               router=None, dst_mac=None, dst_ip="255.255.255.255", vlan=None):
    opts = [("message-type", msg), ("server_id", sid or srv_ip), ("lease_time", 3600),
            ("subnet_mask", "255.255.255.0")]
    if router:
        opts.append(("router", router))
    opts.append("end")
    eth = Ether(src=srv_mac, dst=dst_mac or BCAST)
    l3 = (IP(src=srv_ip, dst=dst_ip) / UDP(sport=67, dport=68) /
          BOOTP(op=2, yiaddr=yiaddr, giaddr=giaddr, chaddr=bytes.fromhex(cli_mac.replace(":", "")),
                xid=0x1234) / DHCP(options=opts))
    p = eth / Dot1Q(vlan=vlan) / l3 if vlan is not None else eth / l3
    return at(p, t)


def dhcp_discover(cli_mac, t, vlan=None):
    l3 = (IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) /
          BOOTP(op=1, chaddr=bytes.fromhex(cli_mac.replace(":", "")), xid=0x1234) /
          DHCP(options=[("message-type", "discover"), "end"]))
    eth = Ether(src=cli_mac, dst=BCAST)
    return at(eth / Dot1Q(vlan=vlan) / l3 if vlan is not None else eth / l3, t)


GW_MAC, GW = "00:1b:1b:00:00:01", "192.168.10.1"       # Siemens OUI: the router
H20_MAC, H20 = "00:1b:1b:00:00:20", "192.168.10.20"
H21_MAC, H21 = "00:1b:1b:00:00:21", "192.168.10.21"
EVIL_MAC, EVIL = "02:00:00:00:00:66", "192.168.10.66"    # locally administered: no vendor


def arp_spoof():
    """A router named by DHCP, two hosts, and a machine poisoning all three.

    At T0 every owner announces itself and the router's DHCP ACK names it as the
    router (option 3).  A new device probes for .22 from 0.0.0.0 (RFC 5227: claims
    nothing).  Then three rounds, 2 s apart: the attacker (02:00:00:00:00:66)
    sends ARP replies claiming .1, .20 and .21; 0.5 s later the real owners
    answer again.  Per address: learn, change (-> "changed", 1), then five flips
    back and forth (-> "flip_flop", fires at the 2nd flip with count 2, +1 for
    the 3rd..5th = 5).  The attacker takes over 3 addresses in round one
    (-> "many_ips", count 3) and 3 more in each later round (+6 = 9).  .1 is the
    DHCP router, so its flip_flop and the attacker's many_ips are critical.
    """
    p = []
    t = T0
    p.append(arp_reply(GW_MAC, GW, H20_MAC, H20, t))
    p.append(arp_reply(H20_MAC, H20, GW_MAC, GW, t + 0.1))
    p.append(arp_reply(H21_MAC, H21, GW_MAC, GW, t + 0.2))
    p.append(dhcp_reply(GW_MAC, GW, H20_MAC, H20, "ack", t + 0.3, router=GW,
                        dst_mac=H20_MAC, dst_ip=H20))
    p.append(at(Ether(src="00:1b:1b:00:00:22", dst=BCAST) /
                ARP(op=1, hwsrc="00:1b:1b:00:00:22", psrc="0.0.0.0", pdst="192.168.10.22"),
                t + 0.4))
    for r in range(3):
        t = T0 + 10 + 2 * r
        p.append(arp_reply(EVIL_MAC, GW, H20_MAC, H20, t))
        p.append(arp_reply(EVIL_MAC, H20, GW_MAC, GW, t + 0.01))
        p.append(arp_reply(EVIL_MAC, H21, GW_MAC, GW, t + 0.02))
        p.append(arp_reply(GW_MAC, GW, H20_MAC, H20, t + 0.5))
        p.append(arp_reply(H20_MAC, H20, GW_MAC, GW, t + 0.51))
        p.append(arp_reply(H21_MAC, H21, GW_MAC, GW, t + 0.52))
    return stamp(p)


def ip_change_once():
    """A PLC replaced: 192.168.10.30 answered by 00:1b:1b:00:00:30 (Siemens), then,
    an hour later, by 00:00:bc:00:00:30 (Rockwell Automation) announcing itself (gratuitous ARP) and answering
    requests.  One change: one "changed" alert (medium), no flip_flop, no
    many_ips.  An ARP request from 0.0.0.0 (RFC 5227 probe) before the new device
    takes the address claims nothing."""
    old, new, ip = "00:1b:1b:00:00:30", "00:00:bc:00:00:30", "192.168.10.30"
    p = [arp_reply(old, ip, H20_MAC, H20, T0),
         arp_request(H20_MAC, H20, ip, T0 + 1),
         arp_reply(old, ip, H20_MAC, H20, T0 + 1.001),
         at(Ether(src=new, dst=BCAST) /
            ARP(op=1, hwsrc=new, psrc="0.0.0.0", pdst=ip), T0 + 3600),
         at(Ether(src=new, dst=BCAST) /
            ARP(op=1, hwsrc=new, psrc=ip, pdst=ip), T0 + 3602),      # gratuitous
         arp_request(H20_MAC, H20, ip, T0 + 3700),
         arp_reply(new, ip, H20_MAC, H20, T0 + 3700.001)]
    return stamp(p)


# ----------------------------------------------------------------- DHCP

def rogue_dhcp():
    """Untagged segment: the official server 192.168.10.1 (00:1b:1b:00:00:01)
    answers a client directly (OFFER, ACK); a relay agent 192.168.10.254
    (00:1b:1b:00:00:fe, giaddr set) forwards an OFFER naming server .1 (the same
    server: no alert); then a rogue 192.168.10.99 (02:00:00:00:00:99) sends an
    OFFER and an ACK: one rogue_dhcp alert, count 2, naming .99 and first_server
    .1.  VLAN 20: a single server 10.20.0.1 answers: the first of its segment,
    no alert."""
    c1, c2, c3 = "00:1b:1b:00:10:01", "00:1b:1b:00:10:02", "00:1b:1b:00:10:03"
    p = [dhcp_discover(c1, T0),
         dhcp_reply(GW_MAC, GW, c1, "192.168.10.101", "offer", T0 + 0.01),
         dhcp_reply(GW_MAC, GW, c1, "192.168.10.101", "ack", T0 + 0.02),
         dhcp_discover(c2, T0 + 5),
         dhcp_reply("00:1b:1b:00:00:fe", "192.168.10.254", c2, "192.168.10.102", "offer",
                    T0 + 5.01, giaddr="192.168.10.254", sid=GW),
         dhcp_discover(c3, T0 + 10),
         dhcp_reply("02:00:00:00:00:99", "192.168.10.99", c3, "192.168.10.199", "offer",
                    T0 + 10.01, router="192.168.10.99"),
         dhcp_reply("02:00:00:00:00:99", "192.168.10.99", c3, "192.168.10.199", "ack",
                    T0 + 10.02, router="192.168.10.99"),
         dhcp_discover("00:1b:1b:00:20:01", T0 + 20, vlan=20),
         dhcp_reply("00:1b:1b:00:20:fe", "10.20.0.1", "00:1b:1b:00:20:01", "10.20.0.50",
                    "offer", T0 + 20.01, vlan=20)]
    return stamp(p)


# ------------------------------------------------------------------ NDP

ALL_NODES6 = "ff02::1"
ALL_NODES_MAC = "33:33:00:00:00:01"


def snm(ip6):
    """The solicited-node multicast address and its MAC (RFC 4291 2.7.1, RFC 2464 7)."""
    import ipaddress
    low = ipaddress.IPv6Address(ip6).packed[-3:]
    return ("ff02::1:ff%02x:%02x%02x" % tuple(low),
            "33:33:ff:%02x:%02x:%02x" % tuple(low))


def na(mac, src, target, t, lla=None, r=0, s=0, o=1, hlim=255, dst=ALL_NODES6,
       dst_mac=ALL_NODES_MAC, opt_len=None):
    """A Neighbor Advertisement (RFC 4861 4.4) for target with its target
    link-layer address lla (None: the sender's MAC; False: no option)."""
    p = (Ether(src=mac, dst=dst_mac) / IPv6(src=src, dst=dst, hlim=hlim) /
         ICMPv6ND_NA(tgt=target, R=r, S=s, O=o))
    if lla is not False:
        opt = ICMPv6NDOptDstLLAddr(lladdr=lla or mac)
        if opt_len is not None:
            opt.len = opt_len  # a malformed option
        p = p / opt
    return at(p, t)


def ns(mac, src, target, t, with_slla=True):
    """A Neighbor Solicitation (RFC 4861 4.3) from src for target, to the
    target's solicited-node group; from "::" (duplicate address detection)
    it carries no source link-layer address."""
    group, group_mac = snm(target)
    p = (Ether(src=mac, dst=group_mac) / IPv6(src=src, dst=group, hlim=255) /
         ICMPv6ND_NS(tgt=target))
    if with_slla and src != "::":
        p = p / ICMPv6NDOptSrcLLAddr(lladdr=mac)
    return at(p, t)


def ra(mac, src, t, lifetime=1800):
    """A Router Advertisement (RFC 4861 4.2) with its source link-layer
    address and the prefix fd00:10::/64."""
    return at(Ether(src=mac, dst=ALL_NODES_MAC) / IPv6(src=src, dst=ALL_NODES6, hlim=255) /
              ICMPv6ND_RA(routerlifetime=lifetime) / ICMPv6NDOptSrcLLAddr(lladdr=mac) /
              ICMPv6NDOptPrefixInfo(prefix="fd00:10::", prefixlen=64), t)


GW6 = "fe80::1"                       # the router's link-local address (its RAs' source)
H20_6, H21_6 = "fd00:10::20", "fd00:10::21"
H20_LL = "fe80::21b:1bff:fe00:20"     # EUI-64 of 00:1b:1b:00:00:20
EVIL_LL = "fe80::ff:fe00:66"


def ndp_spoof():
    """NDP spoofing, the IPv6 twin of arp_spoof: the router fe80::1
    (00:1b:1b:00:00:01) advertises itself (RA, lifetime 1800 s) and answers a
    host's solicitation (NA with R, S, O); host fd00:10::20 solicits with its
    source link-layer address, host fd00:10::21 announces itself (unsolicited
    NA, O).  A new device runs duplicate address detection for fd00:10::22 (NS
    from ::, claims nothing).  Then three rounds, 2 s apart: the attacker
    (02:00:00:00:00:66) sends unsolicited override NAs for fe80::1, ::20 and
    ::21 with its own MAC as target link-layer address; 0.5 s later the owners
    advertise again.  Per address: learn, change, five flips: ndp_flip_flop
    count 5; ndp_changed (count 1) for ::20 and ::21 only, since fe80::1 is
    link-local; ndp_many_ips for the attacker, count 9, 3 addresses.  fe80::1
    sent an RA with a lifetime, so its flip_flop and the many_ips are critical.
    """
    p = []
    t = T0
    p.append(ra(GW_MAC, GW6, t))
    p.append(ns(H20_MAC, H20_LL, GW6, t + 0.1))
    p.append(na(GW_MAC, GW6, GW6, t + 0.101, r=1, s=1, o=1, dst=H20_LL, dst_mac=H20_MAC))
    p.append(ns(H20_MAC, H20_6, H21_6, t + 0.2))
    p.append(na(H21_MAC, H21_6, H21_6, t + 0.3))
    p.append(ns("00:1b:1b:00:00:22", "::", "fd00:10::22", t + 0.4))
    for r in range(3):
        t = T0 + 10 + 2 * r
        p.append(na(EVIL_MAC, EVIL_LL, GW6, t, r=1))
        p.append(na(EVIL_MAC, EVIL_LL, H20_6, t + 0.01))
        p.append(na(EVIL_MAC, EVIL_LL, H21_6, t + 0.02))
        p.append(na(GW_MAC, GW6, GW6, t + 0.5, r=1))
        p.append(na(H20_MAC, H20_6, H20_6, t + 0.51))
        p.append(na(H21_MAC, H21_6, H21_6, t + 0.52))
    return stamp(p)


def ndp_change_once():
    """A PLC replaced, over IPv6, and what must not cry wolf.
    fd00:10::30 and its manually set link-local fe80::30 belong to
    00:1b:1b:00:00:30 (Siemens; unsolicited NAs, and an answer to a host's
    solicitation).  An hour later the replacement 00:00:bc:00:00:30 (Rockwell
    Automation) runs duplicate address detection for both (NS from ::: nothing),
    advertises both and answers: one ndp_changed for fd00:10::30 (medium, count
    1), none for fe80::30 (a link-local address moving once).  Then, claiming
    nothing: the router's proxy answer for fd00:10::20 without the override flag,
    an override NA for fd00:10::20 with hop limit 64 (it crossed a router), and
    an NA for fd00:10::21 whose option has length 0 (counted as
    decode.ndp_bad_option)."""
    old, new = "00:1b:1b:00:00:30", "00:00:bc:00:00:30"
    ip, ll = "fd00:10::30", "fe80::30"
    p = [na(old, ip, ip, T0),
         na(old, ll, ll, T0 + 0.01),
         ns(H20_MAC, H20_6, ip, T0 + 1),
         na(old, ip, ip, T0 + 1.001, s=1, dst=H20_6, dst_mac=H20_MAC),
         ns(new, "::", ip, T0 + 3600),
         ns(new, "::", ll, T0 + 3600.01),
         na(new, ip, ip, T0 + 3602),
         na(new, ll, ll, T0 + 3602.01),
         ns(H20_MAC, H20_6, ip, T0 + 3700),
         na(new, ip, ip, T0 + 3700.001, s=1, dst=H20_6, dst_mac=H20_MAC),
         na(GW_MAC, GW6, H20_6, T0 + 3800, r=1, s=1, o=0, dst="fd00:10::99",
            dst_mac="00:1b:1b:00:00:99"),
         na("02:00:00:00:00:77", "fe80::77", H20_6, T0 + 3801, hlim=64),
         na("02:00:00:00:00:78", "fe80::78", H21_6, T0 + 3802, opt_len=0)]
    return stamp(p)


# ------------------------------------------------------------------ TCP

def mac_of(ip):
    return "00:1b:1b:%02x:%02x:%02x" % tuple(int(x) for x in ip.split(".")[1:])


class Conn:
    """A TCP connection with a handshake, data both ways and a FIN each way."""

    def __init__(self, cli, srv, sport, dport, t):
        self.cli, self.srv, self.sport, self.dport, self.t = cli, srv, sport, dport, t
        self.cseq, self.sseq = 1000, 5000
        self.pkts = []

    def _p(self, frm_cli, flags, data=b""):
        self.t += 0.001
        if frm_cli:
            ip = IP(src=self.cli, dst=self.srv)
            tcp = TCP(sport=self.sport, dport=self.dport, flags=flags, seq=self.cseq,
                      ack=self.sseq if "A" in flags else 0)
            eth = Ether(src=mac_of(self.cli), dst=mac_of(self.srv))
        else:
            ip = IP(src=self.srv, dst=self.cli)
            tcp = TCP(sport=self.dport, dport=self.sport, flags=flags, seq=self.sseq,
                      ack=self.cseq)
            eth = Ether(src=mac_of(self.srv), dst=mac_of(self.cli))
        p = eth / ip / tcp
        if data:
            p = p / Raw(data)
        self.pkts.append(at(p, self.t))
        adv = len(data) + (1 if ("S" in flags or "F" in flags) else 0)
        if frm_cli:
            self.cseq += adv
        else:
            self.sseq += adv

    def open(self):
        self._p(True, "S")
        self._p(False, "SA")
        self._p(True, "A")
        return self

    def send(self, data):
        self._p(True, "PA", data)
        return self

    def answer(self, data):
        self._p(False, "PA", data)
        return self

    def close(self):
        self._p(True, "FA")
        self._p(False, "FA")
        self._p(True, "A")
        return self.pkts


def lateral_fanout():
    """10.1.0.50 opens answered sessions (handshake, 2 data segments each way,
    FIN) to SMB 445 of 10.1.0.11-14, RDP 3389 of 10.1.0.15 and WinRM 5985 of
    10.1.0.16 within 60 s: 6 distinct hosts >= lateral_hosts_min 5: one
    lateral_movement alert for 10.1.0.50, count 6 (5 sessions when it fires, +1),
    distinct_hosts 6, services "smb,rdp,winrm", targets the first four.
    10.1.0.51 talks SMB to two servers (no alert); 10.1.0.52 only sends SYNs to
    445 of six hosts (probes: neither lateral_movement nor, below 8 hosts,
    scan_hosts)."""
    p = []
    t = T0
    targets = [("10.1.0.11", 445), ("10.1.0.12", 445), ("10.1.0.13", 445),
               ("10.1.0.14", 445), ("10.1.0.15", 3389), ("10.1.0.16", 5985)]
    for i, (srv, port) in enumerate(targets):
        c = Conn("10.1.0.50", srv, 50000 + i, port, t + 10 * i).open()
        c.send(b"\x01" * 40).answer(b"\x02" * 40).send(b"\x03" * 40).answer(b"\x04" * 40)
        p += c.close()
    for i, srv in enumerate(["10.1.0.11", "10.1.0.12"]):
        c = Conn("10.1.0.51", srv, 51000 + i, 445, t + 5 + 10 * i).open()
        c.send(b"\x05" * 40).answer(b"\x06" * 40).send(b"\x07" * 40).answer(b"\x08" * 40)
        p += c.close()
    for i in range(6):
        p.append(at(Ether(src=mac_of("10.1.0.52"), dst=mac_of("10.1.0.%d" % (60 + i))) /
                    IP(src="10.1.0.52", dst="10.1.0.%d" % (60 + i)) /
                    TCP(sport=52000 + i, dport=445, flags="S", seq=1), t + 2 + i))
    p.sort(key=lambda x: x._t)
    return stamp(p)


def nbss(msg):
    return struct.pack(">I", len(msg)) + msg


def smb2_header(cmd, mid, flags=0, tree=0):
    return (b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 0, 0, cmd, 1, flags, 0, mid, 0, tree, 0x1111)
            + b"\x00" * 16)


def smb2_tree_connect(mid, path):
    name = path.encode("utf-16-le")
    body = struct.pack("<HHHH", 9, 0, 64 + 8, len(name)) + name
    return nbss(smb2_header(3, mid) + body)


def smb2_tree_connect_resp(mid, tree):
    body = struct.pack("<HBBIII", 16, 1, 0, 0, 0, 0x1f01ff)
    return nbss(smb2_header(3, mid, flags=1, tree=tree) + body)


def smb2_create(mid, name, tree):
    n = name.encode("utf-16-le")
    body = struct.pack("<HBBIQQIIIIIHHII", 57, 0, 0, 2, 0, 0, 0x12019f, 0, 7, 1, 0,
                       64 + 56, len(n), 0, 0) + n
    return nbss(smb2_header(5, mid, tree=tree) + body)


def smb2_status_resp(cmd, mid, tree):
    return nbss(smb2_header(cmd, mid, flags=1, tree=tree) + struct.pack("<HH", 9, 0) + b"\x00" * 4)


def psexec():
    """10.1.0.50 -> 10.1.0.20 port 445, one SMB2 session: TREE_CONNECT
    \\\\10.1.0.20\\IPC$, TREE_CONNECT \\\\10.1.0.20\\ADMIN$, CREATE "PSEXESVC.exe"
    on ADMIN$, CREATE "svcctl" on IPC$ (the service control pipe): one
    lateral_movement alert with subject smb_psexec (10.1.0.50 -> 10.1.0.20).
    10.1.0.51 -> 10.1.0.21 connects to \\\\10.1.0.21\\share and opens "svcctl"
    without ADMIN$ (a remote service query): no alert."""
    c = Conn("10.1.0.50", "10.1.0.20", 49700, 445, T0).open()
    c.send(smb2_tree_connect(1, "\\\\10.1.0.20\\IPC$")).answer(smb2_tree_connect_resp(1, 1))
    c.send(smb2_tree_connect(2, "\\\\10.1.0.20\\ADMIN$")).answer(smb2_tree_connect_resp(2, 2))
    c.send(smb2_create(3, "PSEXESVC.exe", 2)).answer(smb2_status_resp(5, 3, 2))
    c.send(smb2_create(4, "svcctl", 1)).answer(smb2_status_resp(5, 4, 1))
    p = c.close()
    c = Conn("10.1.0.51", "10.1.0.21", 49701, 445, T0 + 30).open()
    c.send(smb2_tree_connect(1, "\\\\10.1.0.21\\share")).answer(smb2_tree_connect_resp(1, 1))
    c.send(smb2_create(2, "svcctl", 1)).answer(smb2_status_resp(5, 2, 1))
    p += c.close()
    return stamp(p)


def smb2_negotiate(mid):
    body = struct.pack("<HHHHI16sIHH", 36, 1, 1, 0, 0x7f, b"\x22" * 16, 0, 0, 0) + struct.pack("<H", 0x0311)
    return nbss(smb2_header(0, mid) + body)


def compression_transform(orig_size, offset, payload):
    return nbss(b"\xfcSMB" + struct.pack("<IHHI", orig_size, 1, 0, offset) + payload)


def smbghost():
    """Two SMB 3.1.1 sessions after a NEGOTIATE, each sending one compression
    transform header (MS-SMB2 2.2.42):
    10.1.0.60 -> 10.1.0.70: OriginalCompressedSegmentSize 4096, Offset 0 and 32
    bytes of compressed data (a normal compressed message): no alert;
    10.1.0.61 -> 10.1.0.70: OriginalCompressedSegmentSize 0xffffffff, Offset 16
    (the sum overflows 32 bits, CVE-2020-0796 / SMBGhost): one exploit_attempt
    alert with subject smb2_compression_overflow, critical, count 1."""
    c = Conn("10.1.0.60", "10.1.0.70", 49800, 445, T0).open()
    c.send(smb2_negotiate(0)).answer(smb2_status_resp(0, 0, 0))
    c.send(compression_transform(4096, 0, b"\x33" * 32))
    p = c.close()
    c = Conn("10.1.0.61", "10.1.0.70", 49801, 445, T0 + 5).open()
    c.send(smb2_negotiate(0)).answer(smb2_status_resp(0, 0, 0))
    c.send(compression_transform(0xffffffff, 16, b"\x44" * 16 + b"\x55" * 32))
    p += c.close()
    return stamp(p)


# ------------------------------------------------------- remote access

def tv_msg(cmd, data):
    return b"\x17\x24" + bytes([cmd]) + struct.pack("<H", len(data)) + data


def teamviewer():
    """TeamViewer as the public descriptions have it (see src/proto/teamviewer):
    - TCP 5938, 10.1.0.80 -> 203.0.113.10 (a TeamViewer router on the internet):
      CMD_IDENTIFY (10) each way with 32 data bytes (the 37-byte first payloads
      libprotoident describes), CMD_REQUESTCONNECT (11), then CMD_AUTH_RESPONSE
      (103) from the client: conversation "teamviewer", one auth operation;
    - UDP 5938, 10.1.0.80 -> 10.1.0.81: a datagram with the magic after an
      11-byte counter, and one with the magic at its start: "teamviewer";
    - TCP 80, 10.1.0.80 -> 203.0.113.11: the HTTP fallback
      "GET /din.aspx?s=00000000&id=0&client=DynGate&p=10000001": "teamviewer".
    Each conversation raises remote_access (medium)."""
    c = Conn("10.1.0.80", "203.0.113.10", 50100, 5938, T0).open()
    c.send(tv_msg(10, b"\x00" * 32)).answer(tv_msg(10, b"\x01" * 32))
    c.send(tv_msg(11, b"\x02" * 20)).answer(tv_msg(36, b"")).send(tv_msg(103, b"\x03" * 16))
    p = c.close()
    u = [at(Ether(src=mac_of("10.1.0.80"), dst=mac_of("10.1.0.81")) /
            IP(src="10.1.0.80", dst="10.1.0.81") / UDP(sport=50200, dport=5938) /
            Raw(b"\x00" + b"\x00" * 10 + tv_msg(71, b"\x04" * 8)), T0 + 20),
         at(Ether(src=mac_of("10.1.0.81"), dst=mac_of("10.1.0.80")) /
            IP(src="10.1.0.81", dst="10.1.0.80") / UDP(sport=5938, dport=50200) /
            Raw(tv_msg(71, b"\x05" * 8)), T0 + 20.01)]
    c = Conn("10.1.0.80", "203.0.113.11", 50300, 80, T0 + 30).open()
    c.send(b"GET /din.aspx?s=00000000&id=0&client=DynGate&p=10000001 HTTP/1.1\r\n"
           b"User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; DynGate)\r\n"
           b"Host: master1.teamviewer.com\r\n\r\n")
    c.answer(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    p += u + c.close()
    return stamp(p)


def client_hello(sni=None):
    ext = [TLS_Ext_ServerName(servernames=[ServerName(servername=sni.encode())])] if sni else []
    return bytes(TLS(msg=[TLSClientHello(gmt_unix_time=0x11111111, random_bytes=b"\x22" * 28,
                                         sid=b"", ciphers=[0xc02f, 0xc030, 0x009c], ext=ext)]))


def server_hello():
    return bytes(TLS(msg=[TLSServerHello(gmt_unix_time=0x33333333, random_bytes=b"\x44" * 28,
                                         sid=b"", cipher=0xc02f)]))


def anydesk():
    """AnyDesk: TLS on its ports, or to its network by name:
    - 10.1.0.90 -> 10.1.0.91 TCP 7070 (a direct LAN connection): ClientHello
      without a server name, ServerHello: conversation "anydesk";
    - 10.1.0.90 -> 203.0.113.20 TCP 443, ClientHello naming
      relay-1a2b3c4d.net.anydesk.com: "anydesk" (data/tls_sni.tsv);
    - 10.1.0.90 -> 203.0.113.30 TCP 443, ClientHello naming www.example.com:
      stays "tls" (no remote_access).
    The two anydesk conversations raise remote_access (medium)."""
    p = []
    for i, (srv, port, sni) in enumerate([("10.1.0.91", 7070, None),
                                          ("203.0.113.20", 443, "relay-1a2b3c4d.net.anydesk.com"),
                                          ("203.0.113.30", 443, "www.example.com")]):
        c = Conn("10.1.0.90", srv, 50400 + i, port, T0 + 10 * i).open()
        c.send(client_hello(sni)).answer(server_hello())
        p += c.close()
    return stamp(p)


def main():
    nw = HERE
    write(os.path.join(nw, "arp_spoof.pcap"), arp_spoof())
    write(os.path.join(nw, "ip_change_once.pcap"), ip_change_once())
    write(os.path.join(nw, "rogue_dhcp.pcap"), rogue_dhcp())
    write(os.path.join(nw, "lateral_fanout.pcap"), lateral_fanout())
    write(os.path.join(nw, "psexec.pcap"), psexec())
    write(os.path.join(nw, "smbghost.pcap"), smbghost())
    write(os.path.join(nw, "ndp_spoof.pcap"), ndp_spoof())
    write(os.path.join(nw, "ndp_change_once.pcap"), ndp_change_once())
    os.makedirs(os.path.join(ROOT, "teamviewer"), exist_ok=True)
    os.makedirs(os.path.join(ROOT, "anydesk"), exist_ok=True)
    write(os.path.join(ROOT, "teamviewer", "teamviewer.pcap"), teamviewer())
    write(os.path.join(ROOT, "anydesk", "anydesk.pcap"), anydesk())


if __name__ == "__main__":
    main()

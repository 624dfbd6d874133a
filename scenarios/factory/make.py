#!/usr/bin/python3
"""make.py - writes factory-demo.pcapng, the bundled training scenario (see README.md).

A small Japanese factory: an office LAN (192.168.10.0/24) and a control LAN (192.168.20.0/24)
behind one router (which is also the internet gateway, DHCP server and DNS forwarder).  Twelve
minutes of normal traffic, then a maintenance laptop is plugged into the control LAN, opens an RDP
session to the internet and starts an SMB worm-like sweep on TCP 445.

Deterministic: fixed seed, fixed start time (2026-03-10 09:00 JST = 00:00 UTC), no wall-clock input.
Needs python3-scapy (Debian).  Run:  /usr/bin/python3 scenarios/factory/make.py [-o FILE]
"""
import argparse
import os
import random
import struct

from scapy.all import (ARP, BOOTP, DHCP, DNS, DNSQR, DNSRR, IP, TCP, UDP, Ether, Raw,
                       conf)
from scapy.utils import PcapNgWriter

conf.verb = 0
SEED = 20260310
T0 = 1773100800.0          # 2026-03-10T00:00:00Z = 09:00 JST
DURATION = 12 * 60         # seconds of capture
INTRUSION = 10 * 60        # the maintenance laptop is plugged in here

# ---- the cast (MAC prefixes are real IEEE assignments of /usr/share/ieee-data/oui.txt) ----
ROUTER_OFF = ("ac:44:f2:10:00:01", "192.168.10.1")       # YAMAHA CORPORATION, office leg
ROUTER_CTL = ("ac:44:f2:10:00:02", "192.168.20.1")       # same router, control leg
SWITCH = ("00:15:77:3a:00:10", "192.168.20.2")           # Allied Telesis, sends LLDP
PLC_MELSEC = ("38:e0:8e:21:00:11", "192.168.20.11")      # Mitsubishi Electric, Modbus/TCP
PLC_OMRON = ("3c:f7:d1:21:00:12", "192.168.20.12")       # OMRON, Modbus/TCP
PLC_KEYENCE = ("00:01:fc:21:00:13", "192.168.20.13")     # Keyence, Modbus/TCP
PLC_S7 = ("00:1b:1b:21:00:14", "192.168.20.14")          # Siemens, S7comm
INVERTER = ("38:e0:8e:21:00:15", "192.168.20.15")        # Mitsubishi inverter, Modbus/TCP
POWERMETER = ("3c:f7:d1:21:00:16", "192.168.20.16")      # OMRON power monitor, Modbus/TCP
HMI = ("00:15:a6:21:00:21", "192.168.20.21")             # HMI panel PC (Digital Electronics)
ENG_PC = ("98:e7:43:21:00:30", "192.168.20.30")          # Dell, engineering workstation
FILESRV = ("98:e7:43:10:00:10", "192.168.10.10")         # Dell, file server (SMB)
PRINTER = ("00:80:77:10:00:50", "192.168.10.50")         # Brother MFP
OFFICE = [("98:e7:43:10:01:01", "192.168.10.101", "JIMU-PC01"),
          ("e8:6a:64:10:01:02", "192.168.10.102", "SEIZO-PC02"),
          ("98:e7:43:10:01:03", "192.168.10.103", "KEIRI-PC03")]
MAINT = ("b8:20:8e:66:00:99", "192.168.20.100", "MAINT-PC")   # Panasonic Connect laptop
RDP_SERVER = "203.0.113.77"          # "the internet" (documentation range, RFC 5737)
WEB = [("www.example.co.jp", "203.0.113.10"), ("mail.example.jp", "203.0.113.20"),
       ("portal.example.com", "203.0.113.30")]
BCAST = "ff:ff:ff:ff:ff:ff"

MODBUS_SERVERS = [PLC_MELSEC, PLC_OMRON, PLC_KEYENCE, INVERTER, POWERMETER]

rnd = random.Random(SEED)
frames = []          # (time, packet)


def emit(t, pkt):
    frames.append((t, pkt))


def jitter(ms=5.0):
    return rnd.uniform(0.0002, ms / 1000.0)


class Tcp:
    """One TCP connection with consistent sequence numbers."""

    def __init__(self, cli, srv, sport, cmac=None, smac=None):
        self.c, self.s = cli, srv                 # (mac, ip)
        self.cmac = cmac or cli[0]                # L2 addresses used on the wire (router legs)
        self.smac = smac or srv[0]
        self.cp = rnd.randint(49152, 65000)
        self.sp = sport
        self.cseq = rnd.getrandbits(32)
        self.sseq = rnd.getrandbits(32)

    def _c(self, t, flags, data=b""):
        p = (Ether(src=self.cmac, dst=self.smac) / IP(src=self.c[1], dst=self.s[1], ttl=128) /
             TCP(sport=self.cp, dport=self.sp, flags=flags, seq=self.cseq,
                 ack=0 if flags == "S" else self.sseq, window=64240))
        if data:
            p = p / Raw(data)
        emit(t, p)
        self.cseq = (self.cseq + len(data) + (1 if "S" in flags or "F" in flags else 0)) % 2**32

    def _s(self, t, flags, data=b""):
        p = (Ether(src=self.smac, dst=self.cmac) / IP(src=self.s[1], dst=self.c[1], ttl=64) /
             TCP(sport=self.sp, dport=self.cp, flags=flags, seq=self.sseq, ack=self.cseq,
                 window=8192))
        if data:
            p = p / Raw(data)
        emit(t, p)
        self.sseq = (self.sseq + len(data) + (1 if "S" in flags or "F" in flags else 0)) % 2**32

    def open(self, t):
        self._c(t, "S")
        self.sseq_syn = self.sseq
        self._s(t + 0.0004, "SA")
        self._c(t + 0.0008, "A")
        return t + 0.001

    def request(self, t, req, resp=None, rtt=0.003):
        self._c(t, "PA", req)
        if resp is not None:
            self._s(t + rtt, "PA", resp)
        return t + rtt + 0.0005

    def push_s(self, t, data):
        self._s(t, "PA", data)

    def close(self, t):
        self._c(t, "FA")
        self._s(t + 0.0005, "FA")
        self._c(t + 0.001, "A")


# ---- application payloads (built field by field from the public specifications) ----

def mbap(tid, unit, pdu):
    """Modbus Application Protocol header (Modbus Messaging on TCP/IP Implementation Guide 1.0b)."""
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def modbus_read(tid, fc, addr, count):
    return mbap(tid, 1, struct.pack(">BHH", fc, addr, count))


def modbus_read_resp(tid, fc, count):
    if fc in (1, 2):
        nbytes = (count + 7) // 8
        data = bytes(rnd.getrandbits(8) for _ in range(nbytes))
    else:
        nbytes = count * 2
        data = b"".join(struct.pack(">H", rnd.randint(0, 1200)) for _ in range(count))
    return mbap(tid, 1, struct.pack(">BB", fc, nbytes) + data)


def tpkt(payload):
    return struct.pack(">BBH", 3, 0, len(payload) + 4) + payload     # RFC 1006


def cotp_cr(src_ref, src_tsap, dst_tsap):
    # ISO 8073 connection request: length, CR code 0xe0, dst-ref 0, src-ref, class 0,
    # parameters: TPDU size (0xc0), calling TSAP (0xc1), called TSAP (0xc2)
    params = b"\xc0\x01\x0a" + b"\xc1\x02" + src_tsap + b"\xc2\x02" + dst_tsap
    body = b"\xe0" + struct.pack(">HH", 0, src_ref) + b"\x00" + params
    return bytes([len(body)]) + body


def cotp_cc(dst_ref, src_ref, src_tsap, dst_tsap):
    params = b"\xc0\x01\x0a" + b"\xc1\x02" + src_tsap + b"\xc2\x02" + dst_tsap
    body = b"\xd0" + struct.pack(">HH", dst_ref, src_ref) + b"\x00" + params
    return bytes([len(body)]) + body


COTP_DT = b"\x02\xf0\x80"       # data TPDU, last unit


def s7_header(rosctr, pduref, params, data=b"", err=None):
    hdr = struct.pack(">BBHHHH", 0x32, rosctr, 0, pduref, len(params), len(data))
    if rosctr == 3:
        hdr += b"\x00\x00" if err is None else err
    return hdr + params + data


def s7_setup(pduref, ack=False):
    params = b"\xf0\x00" + struct.pack(">HHH", 1, 1, 480)   # setup communication
    return s7_header(3 if ack else 1, pduref, params)


def s7_read_var(pduref, db, start, nbytes):
    # one item, S7ANY: spec 0x12, len 0x0a, syntax 0x10, transport BYTE (2), length, DB, area 0x84,
    # address in bits (3 bytes)
    item = (b"\x12\x0a\x10\x02" + struct.pack(">HH", nbytes, db) + b"\x84" +
            (start * 8).to_bytes(3, "big"))
    return s7_header(1, pduref, b"\x04\x01" + item)


def s7_read_var_ack(pduref, nbytes):
    data = b"\xff\x04" + struct.pack(">H", nbytes * 8) + bytes(rnd.getrandbits(8) for _ in range(nbytes))
    return s7_header(3, pduref, b"\x04\x01", data)


def tls_client_hello(sni):
    """TLS 1.2 record with a ClientHello carrying server_name (RFC 8446 4.1.2, RFC 6066 3)."""
    name = sni.encode()
    sni_ext = struct.pack(">HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    groups = struct.pack(">HHHHH", 10, 6, 4, 0x001d, 0x0017)
    sigalgs = struct.pack(">HHH", 13, 4, 2) + b"\x04\x03"
    versions = struct.pack(">HHB", 43, 5, 4) + b"\x03\x04\x03\x03"
    exts = sni_ext + groups + sigalgs + versions
    suites = b"\x13\x01\x13\x02\xc0\x2b\xc0\x2f"
    body = (b"\x03\x03" + bytes(rnd.getrandbits(8) for _ in range(32)) + b"\x00" +
            struct.pack(">H", len(suites)) + suites + b"\x01\x00" + struct.pack(">H", len(exts)) + exts)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def tls_server_hello():
    body = (b"\x03\x03" + bytes(rnd.getrandbits(8) for _ in range(32)) + b"\x00" + b"\x13\x01" +
            b"\x00" + struct.pack(">H", 6) + struct.pack(">HHH", 43, 2, 0x0304))
    hs = b"\x02" + len(body).to_bytes(3, "big") + body
    app = b"\x17\x03\x03" + struct.pack(">H", 240) + bytes(rnd.getrandbits(8) for _ in range(240))
    return b"\x16\x03\x03" + struct.pack(">H", len(hs)) + hs + b"\x14\x03\x03\x00\x01\x01" + app


def tls_appdata(n):
    return b"\x17\x03\x03" + struct.pack(">H", n) + bytes(rnd.getrandbits(8) for _ in range(n))


def smb2_negotiate_req():
    # SMB2 header (MS-SMB2 2.2.1): protocol id, size 64, credit charge, status, command 0 NEGOTIATE
    hdr = b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 0, 0, 0, 31, 0, 0, 0, 0xfeff, 0, 0) + b"\x00" * 16
    dialects = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311]
    body = struct.pack("<HHHHI", 36, len(dialects), 1, 0, 0x7f) + bytes(16) + struct.pack("<Q", 0)
    body += b"".join(struct.pack("<H", d) for d in dialects)
    msg = hdr + body
    return struct.pack(">I", len(msg)) + msg          # NetBIOS session message (RFC 1002)


def smb2_negotiate_resp():
    hdr = b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 0, 0, 0, 1, 1, 0, 0, 0xfeff, 0, 0) + b"\x00" * 16
    body = struct.pack("<HHH", 65, 1, 0x0311) + b"\x00\x00" + bytes(16) + struct.pack(
        "<IIIIQQHHI", 0x2f, 8388608, 8388608, 8388608, 0, 0, 128, 0, 0)
    msg = hdr + body
    return struct.pack(">I", len(msg)) + msg


def smb2_echo(msgid, response):
    # SMB2 ECHO (MS-SMB2 2.2.28/2.2.29): command 0x000d, body StructureSize 4, Reserved
    flags = 1 if response else 0
    hdr = b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 0, 0, 0x0d, 1, flags, 0, msgid, 0xfeff, 0,
                                     0x0000400000000001) + b"\x00" * 16
    msg = hdr + struct.pack("<HH", 4, 0)
    return struct.pack(">I", len(msg)) + msg


def smb1_negotiate_req():
    # SMB1 NEGOTIATE (MS-CIFS 2.2.4.52) offering only "NT LM 0.12": what old worms send
    hdr = b"\xffSMB" + b"\x72" + struct.pack("<IBH", 0, 0x18, 0xc853) + bytes(12) + struct.pack(
        "<HHHH", 0xffff, 0xfeff, 0, 0x0040)
    dialects = b"\x02NT LM 0.12\x00"
    msg = hdr + b"\x00" + struct.pack("<H", len(dialects)) + dialects
    return struct.pack(">I", len(msg)) + msg


def nb_encode(name, suffix):
    raw = name.upper().ljust(15)[:15].encode() + bytes([suffix])
    enc = b"".join(bytes([0x41 + (c >> 4), 0x41 + (c & 15)]) for c in raw)
    return b"\x20" + enc + b"\x00"


def nbns_registration(tid, name, suffix, ip):
    # RFC 1002 4.2.2 NAME REGISTRATION REQUEST (broadcast): opcode 5, RD, B
    hdr = struct.pack(">HHHHHH", tid, 0x2910, 1, 0, 0, 1)
    q = nb_encode(name, suffix) + struct.pack(">HH", 0x20, 1)
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 0x20, 1, 300000, 6) + struct.pack(">H", 0) + bytes(
        int(x) for x in ip.split("."))
    return hdr + q + rr


def rdp_x224_cr(user):
    cookie = ("Cookie: mstshash=%s\r\n" % user).encode()
    neg = struct.pack("<BBHI", 1, 0, 8, 0x0b)            # RDP_NEG_REQ: TLS | HYBRID | HYBRID_EX
    x224 = bytes([6 + len(cookie) + len(neg)]) + b"\xe0\x00\x00\x00\x00\x00" + cookie + neg
    return tpkt(x224)


def rdp_x224_cc():
    neg = struct.pack("<BBHI", 2, 0x1f, 8, 2)            # RDP_NEG_RSP: HYBRID selected
    x224 = bytes([6 + len(neg)]) + b"\xd0\x00\x00\x12\x34\x00" + neg
    return tpkt(x224)


# ---- traffic generators ----

def lldp(t, mac, sysname, port):
    def tlv(typ, val):
        return struct.pack(">H", (typ << 9) | len(val)) + val
    body = (tlv(1, b"\x04" + bytes.fromhex(mac.replace(":", ""))) + tlv(2, b"\x05" + port.encode()) +
            tlv(3, struct.pack(">H", 120)) + tlv(5, sysname.encode()) +
            tlv(6, b"Allied Telesis x230-10GP, AlliedWare Plus 5.5.2") +
            tlv(8, b"\x05\x01" + bytes([192, 168, 20, 2]) + b"\x02\x00\x00\x00\x01\x00") + tlv(0, b""))
    emit(t, Ether(src=mac, dst="01:80:c2:00:00:0e", type=0x88cc) / Raw(body))


def arp_exchange(t, asker, target_ip, answerer=None):
    emit(t, Ether(src=asker[0], dst=BCAST) / ARP(op=1, hwsrc=asker[0], psrc=asker[1], pdst=target_ip))
    if answerer:
        emit(t + 0.0003, Ether(src=answerer[0], dst=asker[0]) /
             ARP(op=2, hwsrc=answerer[0], psrc=answerer[1], hwdst=asker[0], pdst=asker[1]))


def dhcp_dora(t, mac, ip, hostname, server, subnet_router):
    xid = rnd.getrandbits(32)
    chaddr = bytes.fromhex(mac.replace(":", ""))
    common = [("hostname", hostname.encode()), ("vendor_class_id", b"MSFT 5.0"),
              ("param_req_list", [1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 121, 249, 252])]
    base = Ether(src=mac, dst=BCAST) / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67)
    emit(t, base / BOOTP(chaddr=chaddr, xid=xid, flags=0x8000) /
         DHCP(options=[("message-type", "discover"), ("client_id", b"\x01" + chaddr)] + common + ["end"]))
    offer_opts = [("server_id", server[1]), ("lease_time", 86400), ("subnet_mask", "255.255.255.0"),
                  ("router", subnet_router), ("name_server", subnet_router), ("domain", b"factory.local")]
    srv = Ether(src=server[0], dst=BCAST) / IP(src=server[1], dst="255.255.255.255") / UDP(sport=67, dport=68)
    emit(t + 0.002, srv / BOOTP(op=2, yiaddr=ip, siaddr=server[1], chaddr=chaddr, xid=xid, flags=0x8000) /
         DHCP(options=[("message-type", "offer")] + offer_opts + ["end"]))
    emit(t + 0.010, base / BOOTP(chaddr=chaddr, xid=xid, flags=0x8000) /
         DHCP(options=[("message-type", "request"), ("client_id", b"\x01" + chaddr),
                       ("requested_addr", ip), ("server_id", server[1])] + common + ["end"]))
    emit(t + 0.012, srv / BOOTP(op=2, yiaddr=ip, siaddr=server[1], chaddr=chaddr, xid=xid, flags=0x8000) /
         DHCP(options=[("message-type", "ack")] + offer_opts + ["end"]))


def dns_lookup(t, client, router, name, answer):
    qid = rnd.getrandbits(16)
    sport = rnd.randint(49152, 65000)
    emit(t, Ether(src=client[0], dst=router[0]) / IP(src=client[1], dst=router[1]) /
         UDP(sport=sport, dport=53) / DNS(id=qid, rd=1, qd=DNSQR(qname=name)))
    emit(t + 0.008, Ether(src=router[0], dst=client[0]) / IP(src=router[1], dst=client[1]) /
         UDP(sport=53, dport=sport) / DNS(id=qid, qr=1, ra=1, rd=1, qd=DNSQR(qname=name),
                                          an=DNSRR(rrname=name, ttl=300, rdata=answer)))
    return t + 0.01


def https_visit(t, pc, router, name, ip):
    t = dns_lookup(t, pc, router, name, ip)
    s = Tcp(pc, ("", ip), 443, cmac=pc[0], smac=router[0])
    t = s.open(t + 0.001)
    t = s.request(t, tls_client_hello(name), tls_server_hello(), rtt=0.020)
    for _ in range(rnd.randint(2, 5)):
        t = s.request(t + rnd.uniform(0.05, 0.5), tls_appdata(rnd.randint(80, 400)),
                      tls_appdata(rnd.randint(200, 1200)), rtt=0.025)
    s.close(t + 0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                        "factory-demo.pcapng"))
    a = ap.parse_args()

    # -- start of the morning: LLDP, DHCP for the office PCs, name announcements --
    for k in range(0, DURATION, 30):
        lldp(k + 1.0, SWITCH[0], "CTRL-SW01", "port1.0.1")
    for i, (mac, ip, host) in enumerate(OFFICE):
        t = 2.0 + i * 3.1
        dhcp_dora(t, mac, ip, host, ROUTER_OFF, ROUTER_OFF[1])
        arp_exchange(t + 0.05, (mac, ip), ROUTER_OFF[1], ROUTER_OFF)
        for rep in range(3):
            tid = rnd.getrandbits(16)
            for suffix in (0x00, 0x20):
                emit(t + 0.2 + rep * 0.75 + suffix / 1000.0,
                     Ether(src=mac, dst=BCAST) / IP(src=ip, dst="192.168.10.255") /
                     UDP(sport=137, dport=137) / Raw(nbns_registration(tid + suffix, host, suffix, ip)))
    # the printer announces itself over mDNS (RFC 6762): A record and an IPP service
    for k in range(0, DURATION, 120):
        t = 5.0 + k
        emit(t, Ether(src=PRINTER[0], dst="01:00:5e:00:00:fb") / IP(src=PRINTER[1], dst="224.0.0.251", ttl=255) /
             UDP(sport=5353, dport=5353) /
             DNS(id=0, qr=1, aa=1, an=DNSRR(rrname="BRN-MFC1F.local", type="A", rclass=0x8001, ttl=120,
                                          rdata=PRINTER[1]) /
                 DNSRR(rrname="_ipp._tcp.local", type="PTR", ttl=4500,
                       rdata="Brother MFC-L2750DW._ipp._tcp.local")))
    # control LAN devices learn each other
    for dev in (HMI, ENG_PC):
        arp_exchange(0.5 + rnd.random(), dev, ROUTER_CTL[1], ROUTER_CTL)
    for n, srv in enumerate(MODBUS_SERVERS + [PLC_S7]):
        arp_exchange(1.0 + n * 0.1, HMI, srv[1], srv)

    # -- HMI polls the Modbus devices every 2 s over one connection each (reads; rare writes) --
    for n, srv in enumerate(MODBUS_SERVERS):
        s = Tcp(HMI, srv, 502)
        start = 2.0 + n * 0.13
        t = s.open(start)
        tid = 0
        plan = [(3, 0, 10), (1, 0, 16), (4, 100, 4)] if n < 3 else [(3, 40, 8)]
        for tick in range(int((DURATION - 4) / 2)):
            t = max(t, start + 0.01 + tick * 2.0)
            for fc, addr, cnt in plan:
                tid = (tid + 1) & 0xffff
                t = s.request(t + jitter(), modbus_read(tid, fc, addr, cnt), modbus_read_resp(tid, fc, cnt),
                              rtt=rnd.uniform(0.002, 0.006))
            if n == 0 and int(t) % 60 < 2 and rnd.random() < 0.5:
                tid = (tid + 1) & 0xffff
                wr = mbap(tid, 1, struct.pack(">BHH", 6, 20, rnd.randint(100, 300)))   # write register
                t = s.request(t + jitter(), wr, wr, rtt=0.004)
    # -- HMI reads a data block of the S7 PLC every 2 s: TPKT/COTP setup, S7 setup, read var --
    s = Tcp(HMI, PLC_S7, 102)
    t = s.open(3.0)
    t = s.request(t, tpkt(cotp_cr(0x0001, b"\x01\x00", b"\x01\x02")), tpkt(cotp_cc(0x0001, 0x4431,
                  b"\x01\x00", b"\x01\x02")))
    t = s.request(t, tpkt(COTP_DT + s7_setup(0x0100)), tpkt(COTP_DT + s7_setup(0x0100, ack=True)))
    ref = 0x0100
    while t < DURATION - 1:
        ref = (ref + 1) & 0xffff
        t = s.request(t + 2.0, tpkt(COTP_DT + s7_read_var(ref, 1, 0, 32)),
                      tpkt(COTP_DT + s7_read_var_ack(ref, 32)), rtt=rnd.uniform(0.004, 0.009))
    # -- the engineering PC checks the PLC once an hour (here once) and uses the file server --
    s = Tcp(ENG_PC, PLC_S7, 102)
    t = s.open(240.0)
    t = s.request(t, tpkt(cotp_cr(0x0002, b"\x01\x00", b"\x01\x02")), tpkt(cotp_cc(0x0002, 0x4432,
                  b"\x01\x00", b"\x01\x02")))
    t = s.request(t, tpkt(COTP_DT + s7_setup(0x0200)), tpkt(COTP_DT + s7_setup(0x0200, ack=True)))
    t = s.request(t + 0.5, tpkt(COTP_DT + s7_read_var(0x0201, 10, 0, 64)),
                  tpkt(COTP_DT + s7_read_var_ack(0x0201, 64)))
    s.close(t + 1)

    # -- office: web (DNS + TLS with SNI), the file server (SMB2), printing --
    for i, (mac, ip, host) in enumerate(OFFICE):
        pc = (mac, ip)
        t = 20.0 + i * 7
        while t < DURATION - 10:
            name, wip = WEB[rnd.randrange(len(WEB))]
            https_visit(t, pc, ROUTER_OFF, name, wip)
            t += rnd.uniform(40, 110)
        s = Tcp(pc, FILESRV, 445)
        t = s.open(30.0 + i * 11)
        t = s.request(t, smb2_negotiate_req(), smb2_negotiate_resp())
        for k in range(10):
            t = s.request(t + rnd.uniform(1, 20), smb2_echo(k + 1, False), smb2_echo(k + 1, True))
        s.close(t + 1)
    s = Tcp((OFFICE[2][0], OFFICE[2][1]), PRINTER, 9100)
    t = s.open(300.0)
    for _ in range(6):
        t = s.request(t + 0.01, b"\x1b%-12345X@PJL JOB\r\n" + bytes(rnd.getrandbits(8) for _ in range(600)))
    s.close(t + 0.2)

    # -- 09:10: the maintenance laptop is plugged into the control LAN --
    t = float(INTRUSION)
    mac, ip, host = MAINT
    maint = (mac, ip)
    dhcp_dora(t, mac, ip, host, ROUTER_CTL, ROUTER_CTL[1])
    arp_exchange(t + 0.05, maint, ROUTER_CTL[1], ROUTER_CTL)
    for suffix in (0x00, 0x20):
        emit(t + 0.3 + suffix / 1000.0, Ether(src=mac, dst=BCAST) / IP(src=ip, dst="192.168.20.255") /
             UDP(sport=137, dport=137) / Raw(nbns_registration(0x5000 + suffix, host, suffix, ip)))
    # remote desktop out to the internet through the router (vendor remote support? or not)
    t = dns_lookup(t + 5, maint, ROUTER_CTL, "support-desk.example.net", RDP_SERVER)
    s = Tcp(maint, ("", RDP_SERVER), 3389, cmac=mac, smac=ROUTER_CTL[0])
    t = s.open(t + 0.01)
    t = s.request(t, rdp_x224_cr("maint"), rdp_x224_cc(), rtt=0.040)
    t = s.request(t, tls_client_hello("support-desk.example.net"), tls_server_hello(), rtt=0.040)
    while t < INTRUSION + 50:
        t = s.request(t + rnd.uniform(0.05, 0.4), tls_appdata(rnd.randint(60, 200)),
                      tls_appdata(rnd.randint(300, 1400)), rtt=0.040)
    # -- 09:11: the SMB worm-like sweep of the control LAN on TCP 445 --
    t = INTRUSION + 60.0
    alive = {d[1]: d for d in [ROUTER_CTL, SWITCH, HMI, ENG_PC, PLC_S7] + MODBUS_SERVERS}
    for last in range(1, 255):
        dst = "192.168.20.%d" % last
        if dst == ip:
            continue
        tt = t + last * 0.02
        arp_exchange(tt, maint, dst, alive.get(dst))
        if dst not in alive:
            continue
        dev = alive[dst]
        sport = rnd.randint(49152, 65000)
        syn = Ether(src=mac, dst=dev[0]) / IP(src=ip, dst=dst, ttl=128) / TCP(
            sport=sport, dport=445, flags="S", seq=rnd.getrandbits(32), window=8192)
        emit(tt + 0.001, syn)
        if dev is ENG_PC:
            continue     # open: handled below
        emit(tt + 0.0015, Ether(src=dev[0], dst=mac) / IP(src=dst, dst=ip) /
             TCP(sport=445, dport=sport, flags="RA", seq=0, ack=syn[TCP].seq + 1))
    # the engineering PC has 445 open: the laptop offers SMBv1 only, again and again
    for k in range(3):
        s = Tcp(maint, ENG_PC, 445)
        tt = s.open(t + 6 + k * 2.5)
        tt = s.request(tt, smb1_negotiate_req(), None)
        s._s(tt + 0.002, "RA")
    # ... and then goes after the office LAN through the router (SYNs only, nobody answers)
    t = INTRUSION + 70.0
    for last in range(1, 255):
        dst = "192.168.10.%d" % last
        emit(t + last * 0.01, Ether(src=mac, dst=ROUTER_CTL[0]) / IP(src=ip, dst=dst, ttl=128) /
             TCP(sport=rnd.randint(49152, 65000), dport=445, flags="S", seq=rnd.getrandbits(32),
                 window=8192))

    frames.sort(key=lambda x: x[0])
    w = PcapNgWriter(a.out)
    for t, p in frames:
        p.time = T0 + round(t, 6)
        w.write(p)
    w.close()
    print("%s: %d packets, %d bytes" % (a.out, len(frames), os.path.getsize(a.out)))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes the generated captures of the evidence rules that no public capture
shows (data/kb/evidence.kb: wifi_access_points, handheld_terminals, phones).

Run from anywhere with Debian's python3-scapy (2.5):
    /usr/bin/python3 tests/captures/assess/make-captures.py
It rewrites, byte for byte the same each time (fixed times, addresses and
transaction ids):
    tests/captures/assess/{wifi_capwap,handheld_dhcp,phones_dhcp}.pcap
What each holds, and which rules must fire on it, is in README.md next to
them and asserted by tests/integration/test_assess_evidence.py.
"""
import os

from scapy.all import BOOTP, DHCP, IP, UDP, Ether, Raw, wrpcap

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1700000000.0
BCAST = "ff:ff:ff:ff:ff:ff"


def stamp(pkts, t0=T0, step=0.5):
    t = t0
    for p in pkts:
        t += step
        p.time = t
    return pkts


def write(name, pkts):
    path = os.path.join(HERE, name)
    wrpcap(path, stamp(pkts))
    print(path, len(pkts), "packets")


# ------------------------------------------------------------------ DHCP (RFC 2131)

SRV_MAC, SRV = "00:1b:1b:00:00:01", "192.168.50.1"   # Siemens OUI: the plant's router


def dhcp_client(mac, xid, yiaddr, options):
    """DISCOVER, OFFER, REQUEST, ACK; the client's options (hostname, vendor
    class) in DISCOVER and REQUEST, as clients send them."""
    ch = bytes.fromhex(mac.replace(":", ""))
    disc = (Ether(src=mac, dst=BCAST) / IP(src="0.0.0.0", dst="255.255.255.255") /
            UDP(sport=68, dport=67) / BOOTP(op=1, chaddr=ch, xid=xid) /
            DHCP(options=[("message-type", "discover")] + options + ["end"]))
    offer = (Ether(src=SRV_MAC, dst=BCAST) / IP(src=SRV, dst="255.255.255.255") /
             UDP(sport=67, dport=68) / BOOTP(op=2, yiaddr=yiaddr, chaddr=ch, xid=xid) /
             DHCP(options=[("message-type", "offer"), ("server_id", SRV), ("lease_time", 3600),
                           ("subnet_mask", "255.255.255.0"), ("router", SRV), "end"]))
    req = (Ether(src=mac, dst=BCAST) / IP(src="0.0.0.0", dst="255.255.255.255") /
           UDP(sport=68, dport=67) / BOOTP(op=1, chaddr=ch, xid=xid) /
           DHCP(options=[("message-type", "request"), ("requested_addr", yiaddr),
                         ("server_id", SRV)] + options + ["end"]))
    ack = (Ether(src=SRV_MAC, dst=BCAST) / IP(src=SRV, dst="255.255.255.255") /
           UDP(sport=67, dport=68) / BOOTP(op=2, yiaddr=yiaddr, chaddr=ch, xid=xid) /
           DHCP(options=[("message-type", "ack"), ("server_id", SRV), ("lease_time", 3600),
                         ("subnet_mask", "255.255.255.0"), ("router", SRV), "end"]))
    return [disc, offer, req, ack]


def handheld_dhcp():
    """A CASIO handheld terminal (OUI 08:00:74, CASIO COMPUTER CO. LTD.) and a
    Siemens PLC-side PC leasing addresses."""
    return (dhcp_client("08:00:74:12:34:56", 0x1001, "192.168.50.31",
                        [("hostname", b"DT-X400-01")]) +
            dhcp_client("00:1b:1b:00:00:40", 0x1002, "192.168.50.40",
                        [("hostname", b"LINE1-PC")]))


def phones_dhcp():
    """An iPhone (private, locally administered MAC, DHCP host name "iPhone")
    and an Android phone (vendor class "android-dhcp-13", RFC 2132 option 60)."""
    return (dhcp_client("6a:3f:21:84:0c:11", 0x2001, "192.168.50.61",
                        [("hostname", b"iPhone")]) +
            dhcp_client("d2:77:5b:10:9e:02", 0x2002, "192.168.50.62",
                        [("vendor_class_id", b"android-dhcp-13"),
                         ("hostname", b"Galaxy-S23")]))


# ------------------------------------------------------------------ CAPWAP (RFC 5415)

AP_MAC, AP = "00:0b:86:00:00:21", "10.1.30.21"     # Aruba OUI: an access point
WLC_MAC, WLC = "00:0b:86:00:00:02", "10.1.30.2"    # the wireless controller


def capwap_control(msg_type, seq, elements):
    # preamble version 0 type 0; HLEN 2 words, RID 0, WBID 1 (IEEE 802.11), flags 0
    header = bytes([0x00, 0x10, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00])
    ctrl = msg_type.to_bytes(4, "big") + bytes([seq]) + (len(elements) + 3).to_bytes(2, "big")
    return header + ctrl + b"\x00" + elements


def wifi_capwap():
    """The access point discovers its controller (Discovery Request, type 1,
    with the Discovery Type element 20 = static configuration), the controller
    answers (Discovery Response, type 2), then the AP opens the DTLS session of
    the control channel (a DTLS 1.2 ClientHello record behind the CAPWAP DTLS
    header, RFC 5415 4.2)."""
    disc_type = (20).to_bytes(2, "big") + (1).to_bytes(2, "big") + b"\x01"
    ac_name = (4).to_bytes(2, "big") + (4).to_bytes(2, "big") + b"WLC1"
    dtls = (bytes([0x01, 0x00, 0x00, 0x00]) +            # CAPWAP DTLS header
            bytes([0x16, 0xfe, 0xfd]) + bytes(8) +       # handshake, DTLS 1.2, epoch+seq
            (12).to_bytes(2, "big") +                    # record length
            bytes([0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))  # ClientHello header, empty
    udp = lambda src, dst, sp, dp, payload: (  # noqa: E731
        Ether(src=AP_MAC if src == AP else WLC_MAC, dst=WLC_MAC if src == AP else AP_MAC) /
        IP(src=src, dst=dst) / UDP(sport=sp, dport=dp) / Raw(payload))
    return [
        udp(AP, WLC, 12223, 5246, capwap_control(1, 0, disc_type)),
        udp(WLC, AP, 5246, 12223, capwap_control(2, 0, ac_name)),
        udp(AP, WLC, 12223, 5246, dtls),
        udp(AP, WLC, 12223, 5246, capwap_control(1, 1, disc_type)),
        udp(WLC, AP, 5246, 12223, capwap_control(2, 1, ac_name)),
    ]


if __name__ == "__main__":
    write("wifi_capwap.pcap", wifi_capwap())
    write("handheld_dhcp.pcap", handheld_dhcp())
    write("phones_dhcp.pcap", phones_dhcp())

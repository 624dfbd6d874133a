#!/usr/bin/env python3
"""Moves a loopback capture onto a plant-like LAN so that mieruka sees assets:
127.0.0.1 on the server port becomes the PLC 192.168.3.39 (02:00:00:00:00:39),
the other side the client 192.168.3.10 (02:00:00:00:00:10).  IPv4 and TCP
checksums are recomputed.  Python 3 standard library only.

Usage: relocate.py IN.pcap OUT.pcap SERVER_PORT
"""
import struct
import sys

PLC = (bytes([192, 168, 3, 39]), bytes.fromhex("020000000039"))
CLIENT = (bytes([192, 168, 3, 10]), bytes.fromhex("020000000010"))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def relocate(frame, port):
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
        return frame
    ip = bytearray(frame[14:])
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    if ip[9] != 6 or len(ip) < tot:
        return frame
    sport = struct.unpack("!H", ip[ihl : ihl + 2])[0]
    src, dst = (PLC, CLIENT) if sport == port else (CLIENT, PLC)
    ip[12:16], ip[16:20] = src[0], dst[0]
    ip[10:12] = b"\0\0"
    ip[10:12] = struct.pack("!H", csum(bytes(ip[:ihl])))
    seg = bytearray(ip[ihl:tot])
    seg[16:18] = b"\0\0"
    pseudo = src[0] + dst[0] + struct.pack("!BBH", 0, 6, len(seg))
    seg[16:18] = struct.pack("!H", csum(pseudo + bytes(seg)))
    ip[ihl:tot] = seg
    return dst[1] + src[1] + frame[12:14] + bytes(ip)


def main():
    src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(src, "rb") as f:
        data = f.read()
    out = bytearray(data[:24])
    if struct.unpack("<I", data[:4])[0] != 0xA1B2C3D4 or struct.unpack("<I", data[20:24])[0] != 1:
        sys.exit("relocate.py: expects a little-endian Ethernet pcap")
    off = 24
    while off + 16 <= len(data):
        ts, tu, cl, wl = struct.unpack("<IIII", data[off : off + 16])
        frame = relocate(data[off + 16 : off + 16 + cl], port)
        out += struct.pack("<IIII", ts, tu, len(frame), len(frame) + (wl - cl)) + frame
        off += 16 + cl
    with open(dst, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()

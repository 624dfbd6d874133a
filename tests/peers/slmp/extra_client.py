#!/usr/bin/env python3
"""The MC protocol commands the npm mcprotocol client does not send: read CPU
model name, remote STOP and remote RUN, each in one frame/code per session.
Built from the published formats (SLMP Reference Manual SH-080956ENG 4.x and
"Read Type Name"/"Remote Run"/"Remote Stop"; FX3U-ENET-ADP User's Manual 7.6).

Usage: extra_client.py PORT FRAME(1E|3E|4E) CODE(binary|ascii)
"""
import socket
import sys


def hx(v, n):
    return ("%0*X" % (2 * n, v)).encode()


def le(v, n):
    return v.to_bytes(n, "little")


def msg_34e(frame, ascii_, serial, cmd, sub, data):
    put = hx if ascii_ else le
    body = put(0x0010, 2) + put(cmd, 2) + put(sub, 2) + data  # timer 4 s
    route = put(0x00, 1) + put(0xFF, 1) + put(0x03FF, 2) + put(0x00, 1)
    if frame == "4E":
        head = (b"5400" if ascii_ else b"\x54\x00") + put(serial, 2) + put(0, 2)
    else:
        head = b"5000" if ascii_ else b"\x50\x00"
    return head + route + put(len(body), 2) + body


def msg_1e(ascii_, cmd):
    put = hx if ascii_ else le
    return put(cmd, 1) + put(0xFF, 1) + put(0x000A, 2)  # PC FFH, timer 2.5 s


def exchange(s, m):
    s.sendall(m)
    return s.recv(4096)


def main():
    port, frame, code = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ascii_ = code == "ascii"
    put = hx if ascii_ else le
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        if frame == "1E":
            for cmd in (0x15, 0x14, 0x13):  # model read, STOP, RUN
                print(exchange(s, msg_1e(ascii_, cmd)))
        else:
            reqs = [
                (0x0101, 0x0000, b""),  # Read Type Name
                (0x1002, 0x0000, put(0x0001, 2)),  # Remote Stop: 0001 (fixed)
                (0x1001, 0x0000, put(0x0001, 2) + put(0x00, 1) + put(0x00, 1)),  # Remote Run
            ]
            for i, (cmd, sub, data) in enumerate(reqs):
                print(exchange(s, msg_34e(frame, ascii_, 0x1230 + i, cmd, sub, data)))


if __name__ == "__main__":
    main()

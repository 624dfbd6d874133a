#!/usr/bin/env python3
"""A minimal KEYENCE KV host link ("upper link") responder, a stand-in KV-8000
CPU on 127.0.0.1 for making test captures.  Python 3 standard library only.

Commands end with CR, responses with CR LF, after the KV-8000/KV-7000 Series
User's Manual, "Host link communication": CR -> CC, CQ -> CF (and the
connection closes), ?K -> 57 (KV-8000), ?M -> the mode (0 PROGRAM, 1 RUN), M0/M1
-> OK, ?E -> 000, ER -> OK, RD/RDS/RDE -> values (zeros; E0 for a DM number
above 65534), WR/WRS/WRE/WS/WSS/ST/RS/STS/RSS/MBS/MWS/WRT -> OK, MBR/MWR ->
the registered devices' values; anything else -> E1.  Every command word is
logged to stderr.

Usage: responder.py PORT   (prints "ready"; one client at a time, until killed)
"""
import re
import socket
import sys

DEV = re.compile(r"^([A-Z]{1,3})([0-9A-F]+)(\.[USDLH])?$")


def answer(line, st):
    words = line.split()
    if not words:
        return "E1"
    cmd = words[0]
    sys.stderr.write(cmd + "\n")
    sys.stderr.flush()
    if cmd == "CR":
        return "CC"
    if cmd == "CQ":
        return "CF"
    if cmd == "?K":
        return "57"
    if cmd == "?M":
        return str(st["mode"])
    if cmd in ("M0", "M1"):
        st["mode"] = int(cmd[1])
        return "OK"
    if cmd == "?E":
        return "000"
    if cmd in ("RD", "RDS", "RDE") and len(words) >= 2:
        m = DEV.match(words[1])
        if not m or (m.group(1) == "DM" and int(m.group(2)) > 65534):
            return "E0"
        n = int(words[2]) if cmd != "RD" and len(words) >= 3 else 1
        return " ".join(["00000"] * n)
    if cmd in ("MBS", "MWS"):
        st[cmd] = len(words) - 1
        return "OK"
    if cmd == "MBR":
        return " ".join(["0"] * st.get("MBS", 0))
    if cmd == "MWR":
        return " ".join(["00000"] * st.get("MWS", 0))
    if cmd in ("WR", "WRS", "WRE", "WS", "WSS", "ST", "RS", "STS", "RSS", "WRT", "ER"):
        return "OK"
    return "E1"


def serve(c):
    st = {"mode": 1}
    buf = b""
    with c:
        while True:
            chunk = c.recv(4096)
            if not chunk:
                return
            buf += chunk
            while b"\r" in buf:
                line, buf = buf.split(b"\r", 1)
                line = line.lstrip(b"\n").decode("ascii", "replace")
                resp = answer(line, st)
                c.sendall(resp.encode("ascii") + b"\r\n")
                if resp == "CF":
                    return


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(1)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        serve(c)


if __name__ == "__main__":
    main()

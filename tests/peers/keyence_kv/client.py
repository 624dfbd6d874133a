#!/usr/bin/env python3
"""A KEYENCE KV host link client session for making test captures (no npm
client for KV host link exists, so this side is written here too, from the
KV-8000/KV-7000 Series User's Manual command formats; it is not an
independent implementation).  Python 3 standard library only.

Session: CR, ?K, ?M, RD DM100, RDS DM100.U 10, WR DM200 1234, WRS DM300 3 1 2 3,
ST R000, RS R000, MBS R000 R001 R002, MBR, MWS DM0 DM1, MWR, M0, M1, ?E,
ER, WRT (clock), RD DM99999 (answered E0), CQ.

Usage: client.py PORT
"""
import socket
import sys

SESSION = [
    "CR", "?K", "?M", "RD DM100", "RDS DM100.U 10", "WR DM200 1234", "WRS DM300 3 1 2 3",
    "ST R000", "RS R000", "MBS R000 R001 R002", "MBR", "MWS DM0 DM1", "MWR", "M0", "M1",
    "?E", "ER", "WRT 26 12 02 10 30 00 3", "RD DM99999", "CQ",
]


def main():
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    f = c.makefile("rb")
    for cmd in SESSION:
        c.sendall(cmd.encode("ascii") + b"\r")
        resp = f.readline().rstrip(b"\r\n").decode("ascii")
        print("%-24s -> %s" % (cmd, resp))
    c.close()


if __name__ == "__main__":
    main()

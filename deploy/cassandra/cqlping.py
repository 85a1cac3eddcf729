#!/usr/bin/env python3
"""Minimal CQL native-protocol (v4) health check, standard library only.

    cqlping.py [--host 127.0.0.1] [--port 9042] [--timeout 5] [--peers]
               [--exec CQL [--consistency ONE]] [--verbose]

Without options it opens a TCP connection, sends a STARTUP frame
({CQL_VERSION: 3.0.0}) and exits 0 only if the server answers READY; that
happens once Cassandra has finished starting and its native transport is up.

--peers additionally runs `SELECT peer, data_center, rack FROM system.peers_v2`
and prints the number of rows (the number of other nodes this node knows) on
stdout; with --verbose each peer is listed on stderr as well.

--exec CQL runs one statement (e.g. CREATE KEYSPACE ...) and prints the
number of rows for a SELECT, or "ok" for anything else. There is no cqlsh
in this setup; this covers simple scripted checks, not general use.

Exit codes: 0 ok, 1 server answered but not as expected (ERROR frame, other
opcode), 2 could not connect / timeout / protocol failure.
"""

import argparse
import socket
import struct
import sys

VERSION_REQ = 0x04
VERSION_RESP = 0x84

OP_ERROR = 0x00
OP_STARTUP = 0x01
OP_READY = 0x02
OP_QUERY = 0x07
OP_RESULT = 0x08

CONSISTENCY = {"ANY": 0, "ONE": 1, "TWO": 2, "THREE": 3, "QUORUM": 4, "ALL": 5,
               "LOCAL_QUORUM": 6, "EACH_QUORUM": 7, "SERIAL": 8, "LOCAL_SERIAL": 9,
               "LOCAL_ONE": 10}

RESULT_ROWS = 0x0002

FLAG_GLOBAL_TABLES_SPEC = 0x0001
FLAG_HAS_MORE_PAGES = 0x0002
FLAG_NO_METADATA = 0x0004


class CQLError(Exception):
    pass


def enc_string(s):
    b = s.encode("utf-8")
    return struct.pack(">H", len(b)) + b


def enc_long_string(s):
    b = s.encode("utf-8")
    return struct.pack(">i", len(b)) + b


def enc_string_map(m):
    out = struct.pack(">H", len(m))
    for k, v in m.items():
        out += enc_string(k) + enc_string(v)
    return out


def frame(stream, opcode, body):
    return struct.pack(">BBhBi", VERSION_REQ, 0, stream, opcode, len(body)) + body


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by server")
        buf += chunk
    return bytes(buf)


def read_frame(sock):
    header = recv_exact(sock, 9)
    version, _flags, stream, opcode, length = struct.unpack(">BBhBi", header)
    if version != VERSION_RESP:
        raise CQLError("unexpected protocol version byte 0x%02x" % version)
    body = recv_exact(sock, length) if length else b""
    return stream, opcode, body


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise CQLError("truncated frame body")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def int(self):
        return struct.unpack(">i", self.take(4))[0]

    def short(self):
        return struct.unpack(">H", self.take(2))[0]

    def string(self):
        return self.take(self.short()).decode("utf-8", "replace")

    def bytes_(self):
        n = self.int()
        return None if n < 0 else self.take(n)

    def option(self):
        """Parse a column type [option]; return its id (nested parts skipped)."""
        tid = self.short()
        if tid == 0x0000:  # custom
            self.string()
        elif tid in (0x0020, 0x0022):  # list, set
            self.option()
        elif tid == 0x0021:  # map
            self.option()
            self.option()
        elif tid == 0x0030:  # UDT
            self.string()
            self.string()
            for _ in range(self.short()):
                self.string()
                self.option()
        elif tid == 0x0031:  # tuple
            for _ in range(self.short()):
                self.option()
        return tid


def error_message(body):
    r = Reader(body)
    code = r.int()
    return "server error 0x%04x: %s" % (code, r.string())


def decode_inet(b):
    if b is None:
        return None
    if len(b) == 4:
        return socket.inet_ntop(socket.AF_INET, b)
    if len(b) == 16:
        return socket.inet_ntop(socket.AF_INET6, b)
    return b.hex()


def startup(sock):
    sock.sendall(frame(1, OP_STARTUP, enc_string_map({"CQL_VERSION": "3.0.0"})))
    _, opcode, body = read_frame(sock)
    if opcode == OP_ERROR:
        raise CQLError(error_message(body))
    if opcode != OP_READY:
        raise CQLError("expected READY (0x02), got opcode 0x%02x" % opcode)


def query(sock, cql, consistency="ONE"):
    """Run one statement; return a list of rows (lists of raw bytes) or None
    for results that carry no rows (Void, SetKeyspace, SchemaChange)."""
    body = enc_long_string(cql) + struct.pack(">HB", CONSISTENCY[consistency], 0)
    sock.sendall(frame(2, OP_QUERY, body))
    _, opcode, body = read_frame(sock)
    if opcode == OP_ERROR:
        raise CQLError(error_message(body))
    if opcode != OP_RESULT:
        raise CQLError("expected RESULT (0x08), got opcode 0x%02x" % opcode)
    r = Reader(body)
    kind = r.int()
    if kind != RESULT_ROWS:
        return None
    flags = r.int()
    ncols = r.int()
    if flags & FLAG_HAS_MORE_PAGES:
        r.bytes_()
    if not flags & FLAG_NO_METADATA:
        if flags & FLAG_GLOBAL_TABLES_SPEC:
            r.string()
            r.string()
        for _ in range(ncols):
            if not flags & FLAG_GLOBAL_TABLES_SPEC:
                r.string()
                r.string()
            r.string()
            r.option()
    rows = []
    for _ in range(r.int()):
        rows.append([r.bytes_() for _ in range(ncols)])
    return rows


def main():
    p = argparse.ArgumentParser(description="CQL native protocol v4 READY check")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9042)
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--peers", action="store_true",
                   help="print the number of rows in system.peers_v2")
    p.add_argument("--exec", metavar="CQL", help="run one CQL statement")
    p.add_argument("--consistency", default="ONE", choices=sorted(CONSISTENCY),
                   help="consistency level for --exec (default ONE)")
    p.add_argument("--verbose", "-v", action="store_true")
    a = p.parse_args()

    try:
        with socket.create_connection((a.host, a.port), timeout=a.timeout) as sock:
            sock.settimeout(a.timeout)
            startup(sock)
            if a.verbose:
                print("READY from %s:%d" % (a.host, a.port), file=sys.stderr)
            if a.peers:
                rows = query(sock, "SELECT peer, data_center, rack FROM system.peers_v2") or []
                print(len(rows))
                if a.verbose:
                    for peer, dc, rack in rows:
                        print("peer %s dc=%s rack=%s" % (
                            decode_inet(peer),
                            dc.decode() if dc is not None else None,
                            rack.decode() if rack is not None else None), file=sys.stderr)
            if a.exec:
                rows = query(sock, a.exec, a.consistency)
                print("ok" if rows is None else len(rows))
    except CQLError as e:
        print("cqlping: %s:%d: %s" % (a.host, a.port, e), file=sys.stderr)
        return 1
    except (OSError, ConnectionError) as e:
        if a.verbose:
            print("cqlping: %s:%d: %s" % (a.host, a.port, e), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

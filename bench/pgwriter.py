#!/usr/bin/env python3
"""A client that writes rows through a PostgreSQL VIP and records which writes
were acknowledged: the measuring instrument of the database failover drills
(tests/e2e/pgsql_test.py, bench/pgsql_failover.py).

It speaks PostgreSQL's wire protocol (version 3, simple queries) itself, with
trust authentication only, so it needs nothing beyond Python; every socket
operation has a deadline, so a primary that lost its power (no RST, no FIN)
costs at most --timeout-ms before the writer reconnects.

  pgwriter.py HOST [--port 5432] [--table baton_writes] [--interval-ms 10]
              [--timeout-ms 300] --out FILE
runs until SIGTERM/SIGINT; FILE gets one line per acknowledged write,
"SEQ MONOTONIC_NS", flushed as it goes. Exit 0.

  pgwriter.py HOST --check FILE   prints "acknowledged N, present N, lost N"
                                  and the first lost sequence numbers; exit 1
                                  if any acknowledged row is missing.

As a library: Conn(host, port, timeout_s).query(sql) -> list of row tuples.
"""
import argparse
import os
import signal
import socket
import struct
import sys
import time


class PgError(Exception):
    pass


class Conn:
    def __init__(self, host, port=5432, timeout_s=0.3, user="postgres", database="postgres"):
        self.sock = socket.create_connection((host, port), timeout=timeout_s)
        self.sock.settimeout(timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        params = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in
                          (("user", user), ("database", database), ("application_name", "pgwriter")))
        body = struct.pack("!I", 196608) + params + b"\0"
        self.sock.sendall(struct.pack("!I", len(body) + 4) + body)
        self._buf = b""
        while True:
            t, data = self._message()
            if t == b"R":
                (code,) = struct.unpack("!I", data[:4])
                if code != 0:
                    raise PgError(f"server asks for authentication {code}: only trust is supported")
            elif t == b"E":
                raise PgError(self._error_text(data))
            elif t == b"Z":
                return

    def _recv(self, n):
        while len(self._buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def _message(self):
        head = self._recv(5)
        (length,) = struct.unpack("!I", head[1:5])
        if length < 4 or length > (1 << 26):
            raise PgError(f"bad message length {length}")
        return head[:1], self._recv(length - 4)

    @staticmethod
    def _error_text(data):
        fields = {}
        for part in data.split(b"\0"):
            if part:
                fields[chr(part[0])] = part[1:].decode(errors="replace")
        return f"{fields.get('S', 'ERROR')}: {fields.get('M', '?')}"

    def query(self, sql):
        q = sql.encode() + b"\0"
        self.sock.sendall(b"Q" + struct.pack("!I", len(q) + 4) + q)
        rows, error = [], None
        while True:
            t, data = self._message()
            if t == b"D":
                (n,) = struct.unpack("!H", data[:2])
                at, row = 2, []
                for _ in range(n):
                    (ln,) = struct.unpack("!i", data[at:at + 4])
                    at += 4
                    if ln < 0:
                        row.append(None)
                    else:
                        row.append(data[at:at + ln].decode())
                        at += ln
                rows.append(tuple(row))
            elif t == b"E":
                error = self._error_text(data)
            elif t == b"Z":
                if error:
                    raise PgError(error)
                return rows

    def close(self):
        try:
            self.sock.sendall(b"X" + struct.pack("!I", 4))
        except OSError:
            pass
        self.sock.close()


def write_loop(args):
    stop = False

    def on_signal(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    timeout = args.timeout_ms / 1000.0
    out = open(args.out, "a", buffering=1)
    conn, seq = None, 0
    # Resume after the highest sequence number already recorded.
    if os.path.getsize(args.out) > 0:
        with open(args.out) as f:
            seq = max(int(line.split()[0]) for line in f if line.strip())
    while not stop:
        try:
            if conn is None:
                conn = Conn(args.host, args.port, timeout)
                conn.query(f"CREATE TABLE IF NOT EXISTS {args.table} (seq bigint PRIMARY KEY, at timestamptz DEFAULT now())")
            seq += 1
            conn.query(f"INSERT INTO {args.table} (seq) VALUES ({seq})")
            out.write(f"{seq} {time.monotonic_ns()}\n")
        except (OSError, ConnectionError, PgError, struct.error):
            # Unknown outcome: the row may or may not be there; it was not
            # acknowledged, so it counts for nothing either way.
            if conn is not None:
                conn.sock.close()
            conn = None
            time.sleep(0.02)
            continue
        time.sleep(args.interval_ms / 1000.0)
    if conn is not None:
        conn.close()
    return 0


def check(args):
    with open(args.check) as f:
        acked = [int(line.split()[0]) for line in f if line.strip()]
    conn = Conn(args.host, args.port, 5.0)
    present = {int(r[0]) for r in conn.query(f"SELECT seq FROM {args.table}")}
    conn.close()
    lost = [s for s in acked if s not in present]
    print(f"acknowledged {len(acked)}, present {len(present)}, lost {len(lost)}"
          + (f" (first: {lost[:10]})" if lost else ""))
    return 1 if lost else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("host")
    ap.add_argument("--port", type=int, default=5432)
    ap.add_argument("--table", default="baton_writes")
    ap.add_argument("--interval-ms", type=float, default=10)
    ap.add_argument("--timeout-ms", type=float, default=300)
    ap.add_argument("--out")
    ap.add_argument("--check")
    args = ap.parse_args()
    if not args.table.replace("_", "").isalnum():
        ap.error(f"--table '{args.table}': letters, digits and '_' only")
    if args.check:
        return check(args)
    if not args.out:
        ap.error("--out FILE (or --check FILE) is required")
    open(args.out, "a").close()
    return write_loop(args)


if __name__ == "__main__":
    sys.exit(main())

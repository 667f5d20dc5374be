#!/usr/bin/env python3
"""Measures the outage a client sees when the server behind a floating IP dies.

Connects to VIP:PORT over TCP every INTERVAL_MS; each server answers with its
name. After WARM_S seconds of probing, runs FAULT_CMD through the shell ({who}
in it is replaced by the name that answered last), then keeps probing until a
different name answers, and prints

    failover_ms=N from=OLD to=NEW

N being the time from the fault command's start to the first answer from NEW.

usage: vip_probe.py VIP PORT FAULT_CMD [INTERVAL_MS=5] [WARM_S=2] [MAX_S=30]
exit: 0 failover seen; 1 no other server answered within MAX_S;
      2 nobody answered before the fault (FAULT_CMD is not run); 64 bad usage.
"""
import socket
import subprocess
import sys
import time

CONNECT_TIMEOUT_S = 0.05


def who_answers(vip, port):
    """The name the server at vip:port sends back, or None (refused, timeout)."""
    try:
        with socket.create_connection((vip, port), timeout=CONNECT_TIMEOUT_S) as conn:
            reply = conn.recv(64)
    except OSError:
        return None
    name = reply.decode(errors="replace").strip()
    return name or None


def parse_args(argv):
    if not 4 <= len(argv) <= 7:
        raise ValueError("expected VIP PORT FAULT_CMD [INTERVAL_MS] [WARM_S] [MAX_S]")
    vip, port, fault_cmd = argv[1], int(argv[2]), argv[3]
    optional = [float(a) for a in argv[4:]]
    interval_ms, warm_s, max_s = optional + [5.0, 2.0, 30.0][len(optional):]
    if interval_ms <= 0 or warm_s < 0 or max_s <= 0:
        raise ValueError("INTERVAL_MS and MAX_S must be positive, WARM_S not negative")
    return vip, port, fault_cmd, interval_ms / 1000.0, warm_s, max_s


def main(argv):
    try:
        vip, port, fault_cmd, interval_s, warm_s, max_s = parse_args(argv)
    except ValueError as e:
        print(f"vip_probe.py: {e}", file=sys.stderr)
        return 64

    # Warm-up: learn who holds the address now.
    holder = None
    warm_end = time.monotonic() + warm_s
    while True:
        holder = who_answers(vip, port) or holder
        if time.monotonic() >= warm_end:
            break
        time.sleep(interval_s)
    if holder is None:
        print(f"no answer from {vip}:{port} before the fault")
        return 2

    fault_start = time.monotonic()
    subprocess.run(fault_cmd.replace("{who}", holder), shell=True, check=False)
    deadline = fault_start + max_s
    while time.monotonic() < deadline:
        name = who_answers(vip, port)
        if name is not None and name != holder:
            elapsed_ms = (time.monotonic() - fault_start) * 1000.0
            print(f"failover_ms={elapsed_ms:.0f} from={holder} to={name}", flush=True)
            return 0
        time.sleep(interval_s)
    print(f"no failover within {max_s:g}s (still {holder} or nobody at {vip}:{port})")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

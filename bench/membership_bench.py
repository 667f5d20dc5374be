#!/usr/bin/env python3
"""Membership benchmark on the netns testbed (root needed).

1. Detection: power-off of a node -> the survivors' agreed new view, measured
   by polling `crm status` on a survivor; median and worst of --drills drills
   (default 20) at token 500 and token 200 (heartbeat interval 100 and 50).
   The figure includes up to ~10 ms of polling granularity.
2. Heartbeat cost per node at 3, 8 and 16 nodes: CPU time of baton-crmd
   (utime+stime from /proc over --seconds) and bytes sent on lan0+hb0.

Prints figures only; never fails because the machine is slow.
"""
import argparse
import os
import re
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTBED = os.path.join(HERE, "..", "tests", "testbed", "testbed")
RUN = os.environ.get("BATON_TESTBED_RUN", "/run/baton-testbed")


def tb(*args, check=True):
    p = subprocess.run([TESTBED, *map(str, args)], capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise RuntimeError(f"testbed {' '.join(map(str, args))}: {p.stderr.strip()}")
    return p


def online(name, node):
    p = tb("crm", name, node, "status", check=False)
    m = re.search(r"Online: \[ ([^\]]*) \]", p.stdout)
    return set(m.group(1).split()) if m else set()


def set_timing(name, nodes, token, interval):
    for i in range(1, nodes + 1):
        path = os.path.join(RUN, name, f"n{i}", "cluster.conf")
        with open(path) as f:
            text = f.read()
        text = re.sub(r"token: \d+", f"token: {token}", text)
        text = re.sub(r"heartbeat_interval: \d+", f"heartbeat_interval: {interval}", text)
        with open(path, "w") as f:
            f.write(text)


def wait(pred, limit):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if pred():
            return time.monotonic() - start
        time.sleep(0.005)
    return None


def detection(token, interval, drills):
    name = f"bd{os.getpid() % 100000}"
    times = []
    try:
        tb("up", name, "--nodes", 3)
        set_timing(name, 3, token, interval)
        for i in (1, 2, 3):
            tb("start", name, i)
        full = {"n1", "n2", "n3"}
        wait(lambda: online(name, 1) == full and online(name, 3) == full, 10)
        for _ in range(drills):
            tb("power", name, 3, "off")
            t0 = time.monotonic()
            t = wait(lambda: online(name, 1) == {"n1", "n2"}, 10)
            if t is not None:
                times.append((time.monotonic() - t0) * 1000)
            tb("power", name, 3, "on")
            wait(lambda: online(name, 1) == full and online(name, 3) == full, 10)
            time.sleep(0.3)
    finally:
        tb("down", name, check=False)
    return times


def cost(nodes, seconds):
    name = f"bc{os.getpid() % 100000}"
    try:
        tb("up", name, "--nodes", nodes)
        for i in range(1, nodes + 1):
            tb("start", name, i)
        all_nodes = {f"n{i}" for i in range(1, nodes + 1)}
        wait(lambda: online(name, 1) == all_nodes, 20)
        pid = int(open(os.path.join(RUN, name, "n1", "baton-crmd.pid")).read().split()[0])

        def cpu():
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        def tx():
            total = 0
            for dev in ("lan0", "hb0"):
                out = tb("exec", name, 1, "cat", f"/sys/class/net/{dev}/statistics/tx_bytes").stdout
                total += int(out.strip())
            return total

        c0, b0, t0 = cpu(), tx(), time.monotonic()
        time.sleep(seconds)
        c1, b1, t1 = cpu(), tx(), time.monotonic()
        return 100.0 * (c1 - c0) / (t1 - t0), (b1 - b0) / (t1 - t0) / 1024.0
    finally:
        tb("down", name, check=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drills", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--sizes", default="3,8,16")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("membership_bench: needs root (network namespaces)")
        return 0
    print(f"{'detection (power-off -> new view)':<36} {'median':>8} {'worst':>8} {'drills':>7}")
    for token, interval in ((500, 100), (200, 50)):
        times = detection(token, interval, args.drills)
        if times:
            print(f"{f'token {token} ms, heartbeat {interval} ms':<36} {statistics.median(times):>6.0f}ms "
                  f"{max(times):>6.0f}ms {len(times):>7}", flush=True)
    print(f"\n{'heartbeat cost, one node':<36} {'CPU':>8} {'sent':>10}")
    for n in (int(x) for x in args.sizes.split(",")):
        cpu, kib = cost(n, args.seconds)
        print(f"{f'{n} nodes':<36} {cpu:>7.2f}% {kib:>6.1f} KiB/s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""IPaddr start -> the client sees the floating IP answer from the new node.

On a 2-node testbed (root), a TCP responder on each node answers its name.
Each drill: the VIP runs on one node and the client's neighbour entry is a
second old (as a real client's would be); the VIP is stopped there; the clock
starts; `crm resource op vip start` runs on the other node; the client, which
opens a new TCP connection every millisecond, stops the clock at the first
answer from the new node. Only the gratuitous ARP can make that happen that
fast: the client's entry still names the old node.

Prints the median and worst over --runs drills for baton's IPaddr and, as the
anchor in the same run, resource-agents' IPaddr2 (same path through baton's
executor), and the agent's own start time. Never fails on time.

usage: sudo python3 bench/ipaddr_bench.py [--runs 20]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BIN = os.environ.get("BATON_BIN_DIR", os.path.join(REPO, "build", "bin"))
TESTBED = os.path.join(REPO, "tests", "testbed", "testbed")
VIP = "198.18.0.100"
PORT = 7000

RESPONDER = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", %d)); s.listen(128)
name = sys.argv[1].encode() + b"\n"
while True:
    c, _ = s.accept()
    try: c.sendall(name)
    except OSError: pass
    c.close()
""" % PORT

# Reads "WHO" lines; for each, opens a non-blocking connection every 1 ms and
# prints the CLOCK_MONOTONIC time of the first answer that is WHO.
PROBE = r"""
import selectors, socket, sys, time
vip, port = sys.argv[1], int(sys.argv[2])
for line in sys.stdin:
    who = line.strip().encode()
    sel = selectors.DefaultSelector(); opened = {}; found = None; deadline = time.monotonic() + 10
    nxt = 0.0
    while found is None and time.monotonic() < deadline:
        now = time.monotonic()
        if now >= nxt:
            s = socket.socket(); s.setblocking(False)
            try: s.connect((vip, port))
            except BlockingIOError: pass
            except OSError: s.close(); s = None
            if s is not None:
                opened[s] = now; sel.register(s, selectors.EVENT_READ)
            nxt = now + 0.001
        for key, _ in sel.select(timeout=0.0005):
            s = key.fileobj
            try: data = s.recv(64)
            except OSError: data = b""
            if data.strip() == who: found = time.monotonic()
            sel.unregister(s); s.close(); del opened[s]
        for s, t in list(opened.items()):
            if now - t > 0.3: sel.unregister(s); s.close(); del opened[s]
    for s in list(opened): sel.unregister(s); s.close()
    print("%.6f" % found if found else "none", flush=True)
"""


def run(*args, **kw):
    return subprocess.run(list(args), check=True, capture_output=True, text=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--agents", default="ocf:baton:IPaddr,ocf:heartbeat:IPaddr2")
    opts = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    env = dict(os.environ, BATON_BIN_DIR=BIN)
    tb = f"ipb{os.getpid()}"
    procs = []
    tmp = f"/tmp/baton-ipaddr-bench-{os.getpid()}"
    os.makedirs(tmp)
    try:
        run(TESTBED, "up", tb, "--nodes", "2", env=env)
        for i in (1, 2):
            procs.append(subprocess.Popen(["ip", "netns", "exec", f"{tb}-n{i}", sys.executable, "-c", RESPONDER, f"n{i}"]))
        probe = subprocess.Popen(["ip", "netns", "exec", f"{tb}-client", sys.executable, "-c", PROBE, VIP, str(PORT)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(probe)

        def op(node, action, agent):
            t = time.monotonic()
            r = subprocess.run(["ip", "netns", "exec", f"{tb}-n{node}", "env", f"HA_RSCTMP={tmp}/n{node}",
                                os.path.join(BIN, "crm"), "resource", "op", "vip", action, "--agent", agent,
                                "--param", f"ip={VIP}", "--param", "cidr_netmask=24"],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"{agent} {action} on n{node}: {r.stdout} {r.stderr}")
            return (time.monotonic() - t) * 1000

        def answered_by(who):
            probe.stdin.write(who + "\n")
            probe.stdin.flush()
            line = probe.stdout.readline().strip()
            return None if line == "none" else float(line)

        for i in (1, 2):
            os.makedirs(f"{tmp}/n{i}", exist_ok=True)
        print(f"IPaddr start -> client-visible, {opts.runs} drills per agent (median / worst)")
        for agent in opts.agents.split(","):
            visible, agent_ms = [], []
            src, dst = 1, 2
            op(src, "start", agent)
            for _ in range(opts.runs):
                if answered_by(f"n{src}") is None:
                    raise RuntimeError(f"client never reached n{src}")
                time.sleep(1.2)  # the client's entry is as old as a real client's
                op(src, "stop", agent)
                probe.stdin.write(f"n{dst}\n")
                probe.stdin.flush()
                t0 = time.monotonic()
                agent_ms.append(op(dst, "start", agent))
                line = probe.stdout.readline().strip()
                if line == "none":
                    print(f"  {agent}: no answer from n{dst} within 10 s")
                else:
                    visible.append((float(line) - t0) * 1000)
                src, dst = dst, src
            op(src, "stop", agent)
            if visible:
                print(f"  {agent:24s} client-visible {statistics.median(visible):6.1f} / {max(visible):6.1f} ms"
                      f"   (crm resource op start returned after {statistics.median(agent_ms):6.1f} ms median;"
                      f" {len(visible)}/{opts.runs} drills)")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        subprocess.run([TESTBED, "down", tb], env=env, capture_output=True)
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Three real baton-crmd processes on loopback addresses (127.0.x.y, two
links): they form one quorate view with one DC; a killed node is noticed
(the time is printed; the check allows 5 s, so a loaded machine does not fail it); a forged heartbeat changes nothing and is counted;
the survivors keep quorum. Ends only the processes it started, by pid, and
removes its temporary directory, also on failure. Prints 'N passed, M failed'.
"""
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("BATON_BIN_DIR", os.path.join(HERE, "..", "..", "build", "bin"))
TOKEN_MS = 500


def config(port, sub):
    nodes = "".join(
        f"    node {{\n        nodeid: {i}\n        name: n{i}\n"
        f"        ring0_addr: 127.{sub}.1.{i}\n        ring1_addr: 127.{sub}.2.{i}\n    }}\n"
        for i in (1, 2, 3))
    return (f"totem {{\n    cluster_name: lb\n    token: {TOKEN_MS}\n    heartbeat_interval: 100\n"
            f"    port: {port}\n}}\nnodelist {{\n{nodes}}}\nquorum {{\n    provider: corosync_votequorum\n}}\n")


def status(tmp, node, cluster=False):
    args = [os.path.join(BIN, "crm")] + (["cluster", "status"] if cluster else ["status"])
    args += ["--socket", os.path.join(tmp, f"n{node}", "crmd.sock")]
    p = subprocess.run(args, capture_output=True, text=True, timeout=5)
    return p.stdout if p.returncode == 0 else ""


def online(text):
    m = re.search(r"Online: \[ ([^\]]*) \]", text)
    return set(m.group(1).split()) if m else set()


def wait_for(pred, limit_s):
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        if pred():
            return time.monotonic() - start
        time.sleep(0.01)
    return None


def main():
    passed = failed = 0
    procs = {}
    tmp = tempfile.mkdtemp(prefix="baton-lb-")

    def check(name, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok   {name}")
        else:
            failed += 1
            print(f"FAIL {name} {detail}")

    try:
        port = random.randint(20000, 40000) // 2 * 2
        sub = random.randint(10, 250)  # a 127.x net of our own for this run
        with open(os.path.join(tmp, "cluster.conf"), "w") as f:
            f.write(config(port, sub))
        with open(os.path.join(tmp, "authkey"), "wb") as f:
            f.write(os.urandom(32))
        os.chmod(os.path.join(tmp, "authkey"), 0o600)
        for i in (1, 2, 3):
            d = os.path.join(tmp, f"n{i}")
            os.mkdir(d)
            log = open(os.path.join(d, "log"), "w")
            procs[i] = subprocess.Popen(
                [os.path.join(BIN, "baton-crmd"), "--config", os.path.join(tmp, "cluster.conf"),
                 "--node", f"n{i}", "--state-dir", d], stdout=log, stderr=log)
            time.sleep(0.3)  # n1 runs longest, so it is the DC (membership/election.h)
        formed = wait_for(lambda: all(online(status(tmp, i)) == {"n1", "n2", "n3"} for i in (1, 2, 3)), 5)
        check("three nodes form one view", formed is not None)
        s = status(tmp, 2)
        check("one DC, with quorum", "Current DC: n1 (version 0.1.0) - partition with quorum" in s, s)
        rings = {re.search(r"Ring ID: (\S+)", status(tmp, i, True)).group(1) for i in (1, 2, 3)}
        check("all agree on the ring id", len(rings) == 1, str(rings))

        # A forged heartbeat (wrong key) to node 1's ring0 port changes nothing.
        before = status(tmp, 1, True)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(5):
            sock.sendto(b"\x08\x01\x12\x04junk\x1a\x20" + os.urandom(32), (f"127.{sub}.1.1", port))
        sock.close()
        time.sleep(0.3)
        after = status(tmp, 1, True)
        dropped = int(re.search(r"dropped \(bad, forged or replayed\): (\d+)", after).group(1))
        check("forged heartbeats are dropped and counted", dropped >= 5, after)
        check("forged heartbeats change no view",
              re.search(r"Ring ID: (\S+)", before).group(1) == re.search(r"Ring ID: (\S+)", after).group(1))

        # Kill node 3: the others agree on a view without it (about token + one heartbeat).
        procs[3].kill()
        procs[3].wait()
        t = wait_for(lambda: online(status(tmp, 1)) == {"n1", "n2"} and online(status(tmp, 2)) == {"n1", "n2"}, 5)
        check(f"a killed node is noticed ({t * 1000 if t else -1:.0f} ms; token {TOKEN_MS} ms)",
              t is not None and t < 5, f"took {t}")
        check("the survivors keep quorum", "partition with quorum" in status(tmp, 1))
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

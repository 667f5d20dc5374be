#!/usr/bin/env python3
"""Failover drills on the netns testbed (root), plus CIB commit latency and idle RSS.

Each drill powers off the node holding the floating IP while
bench/vip_probe.py probes the IP from the client namespace
(a responder on port 7000 on every node answers with the node's name), then
waits until the node is back (the fencing's reboot powers it on; otherwise
`testbed power NAME I on`) and Online everywhere.

Profiles: default (what `testbed up` writes: token 500, heartbeat_interval 100)
and fast (token 200, heartbeat_interval 50, written into the testbed's
cluster.conf files before `testbed start`).

usage: failover.py [--drills N] [--profiles default,fast] [--commits N] [--timeline]
Prints figures; never fails on time (exit 1 only when the testbed cannot be built).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TB = os.path.join(REPO, "tests", "testbed", "testbed")
BIN = os.environ.get("BATON_BIN_DIR", os.path.join(REPO, "build", "bin"))
RUN = os.environ.get("BATON_TESTBED_RUN", "/run/baton-testbed")
PROBE = os.environ.get("VIP_PROBE", os.path.join(REPO, "bench", "vip_probe.py"))
VIP = "198.18.0.100"
NODES = 3

RESPONDER = r'''
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000)); s.listen(64)
while True:
    c, _ = s.accept(); c.sendall(sys.argv[1].encode() + b"\n"); c.close()
'''

PROFILES = {"default": None, "fast": {"token": 200, "heartbeat_interval": 50}}


def run(args, timeout=60, **kw):
    try:
        return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(args, 124, e.stdout or "", "timeout")


def wait_for(pred, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while True:
        try:
            v = pred()
        except Exception:
            v = None
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


class Bed:
    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(RUN, name)
        self.procs = {}  # node -> responder Popen (ours)

    def tb(self, *args, timeout=60):
        return run([TB, *args], timeout=timeout)

    def must(self, *args, timeout=60):
        r = self.tb(*args, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"testbed {' '.join(map(str, args))}: {r.stderr.strip()}")
        return r.stdout

    def node_dir(self, i):
        return os.path.join(self.dir, f"n{i}")

    def powered_on(self, i):
        return not os.path.exists(os.path.join(self.node_dir(i), "powered-off"))

    def pid(self, i, daemon):
        try:
            with open(os.path.join(self.node_dir(i), f"{daemon}.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def tool(self, i, tool, *args, timeout=15):
        env = dict(os.environ, BATON_NODE_DIR=self.node_dir(i))
        return run([os.path.join(BIN, tool), *args], timeout=timeout, env=env)

    def mon(self, i):
        r = self.tool(i, "tools/crm_mon", "-1", "--output-as=xml")
        if r.returncode != 0:
            return None
        root = ET.fromstring(r.stdout)
        dc = root.find("summary/current_dc")
        return {
            "quorum": dc is not None and dc.get("with_quorum") == "true",
            "nodes": {n.get("name"): (n.get("online") == "true" and n.get("unclean") != "true")
                      for n in root.findall("nodes/node")},
            "rsc": {r_.get("id"): [x.get("name") for x in r_.findall("node")] for r_ in root.iter("resource")},
        }

    def live(self):
        return [i for i in range(1, NODES + 1) if self.powered_on(i) and self.pid(i, "baton-crmd")]

    def all_online(self):
        names = [f"n{i}" for i in range(1, NODES + 1)]
        for k in range(1, NODES + 1):
            if not self.powered_on(k):
                return False
            m = self.mon(k)
            if not m or not m["quorum"] or not all(m["nodes"].get(n) for n in names):
                return False
        return True

    def vip_home(self):
        for k in self.live():
            m = self.mon(k)
            if m:
                w = m["rsc"].get("vip", [])
                return w[0] if len(w) == 1 else None
        return None

    def fenced_count(self, node):
        total = 0
        for i in range(1, NODES + 1):
            try:
                with open(os.path.join(self.node_dir(i), "baton-crmd.log"), errors="replace") as f:
                    total += f.read().count(f"{node} was fenced")
            except OSError:
                pass
        return total

    def responder(self, i):
        old = self.procs.get(i)
        if old and old.poll() is None:
            return
        if old:
            old.wait()
        self.procs[i] = subprocess.Popen(["ip", "netns", "exec", f"{self.name}-n{i}", "python3", "-c", RESPONDER,
                                          f"n{i}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def answers(self, who):
        r = run(["ip", "netns", "exec", f"{self.name}-client", "python3", "-c",
                 f"import socket; s=socket.create_connection(('{VIP}', 7000), 0.5); print(s.recv(64).decode().strip())"],
                timeout=5)
        return r.returncode == 0 and r.stdout.strip() == who

    def setup(self, profile):
        self.must("up", self.name, "--nodes", NODES)
        if PROFILES[profile]:
            files = [os.path.join(self.dir, "cluster.conf")] + [
                os.path.join(self.node_dir(i), "cluster.conf") for i in range(1, NODES + 1)]
            for path in files:
                text = open(path).read()
                for key, val in PROFILES[profile].items():
                    text, n = re.subn(rf"(\n\s*{key}:)\s*\S+", rf"\g<1> {val}", text)
                    if n != 1:
                        raise RuntimeError(f"{path}: no '{key}:' line to change")
                open(path, "w").write(text)
        for i in range(1, NODES + 1):
            self.must("start", self.name, i)
        if not wait_for(self.all_online, 30):
            raise RuntimeError("nodes not Online within 30 s")
        hosts = " ".join(f"n{i}" for i in range(1, NODES + 1))
        for cmd in (["primitive", "fence-tb", "stonith:fence_netns", "params", f"testbed={self.name}",
                     f"pcmk_host_list={hosts}"],
                    ["primitive", "vip", "ocf:baton:IPaddr", "params", f"ip={VIP}", "cidr_netmask=24",
                     "op", "monitor", "interval=2s", "timeout=5s"]):
            r = self.tb("crm", self.name, 1, "configure", *cmd)
            if r.returncode != 0:
                raise RuntimeError(f"crm configure {' '.join(cmd)}: {r.stderr.strip()}")
        for i in range(1, NODES + 1):
            self.responder(i)
        if not wait_for(lambda: self.vip_home() and self.answers(self.vip_home()), 30):
            raise RuntimeError("vip not answering within 30 s")

    def teardown(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=5)
            except Exception:
                pass
        self.tb("down", self.name, timeout=120)


def print_timeline(bed, mark, victim):
    """The survivors' crmd log lines of the first 2 s after the power-off, at ms offsets."""
    try:
        t0 = float(open(mark).read())
    except (OSError, ValueError):
        return
    lines = []
    for i in range(1, NODES + 1):
        if f"n{i}" == victim:
            continue
        try:
            with open(os.path.join(bed.node_dir(i), "baton-crmd.log"), errors="replace") as f:
                for line in f:
                    m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{3}) baton-crmd: (.*)", line)
                    if not m:
                        continue
                    t = time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")) + int(m.group(2)) / 1000
                    if 0 <= t - t0 < 2:
                        lines.append((t - t0, f"n{i}", m.group(3)))
        except OSError:
            pass
    for dt, node, text in sorted(lines):
        print(f"      +{dt * 1000:6.0f} ms {node}: {text[:110]}")


def drill(bed, k, timeline=False):
    holder = wait_for(bed.vip_home, 30)
    if not holder:
        return {"drill": k, "victim": "?", "to": "-", "ms": None, "failover": False, "fenced": False,
                "note": "no VIP holder"}
    h = int(holder[1:])
    before = bed.fenced_count(holder)
    mark = os.path.join(bed.dir, "fault-time")
    r = run(["ip", "netns", "exec", f"{bed.name}-client", "python3", PROBE, VIP, 7000,
             f"date +%s.%N > {mark}; {TB} power {bed.name} {h} off >/dev/null", 5, 1, 30], timeout=90)
    out = (r.stdout + r.stderr).strip()
    m = re.search(r"failover_ms=(\d+) from=(\S+) to=(\S+)", out)
    res = {"drill": k, "victim": holder, "to": m.group(3) if m else "-", "ms": int(m.group(1)) if m else None,
           "failover": bool(m and m.group(3) != holder), "note": "" if m else out[-60:]}
    res["fenced"] = bool(wait_for(lambda: bed.fenced_count(holder) > before, 30))
    if timeline:
        print_timeline(bed, mark, holder)
    # The fencing's reboot powers the node on; if it is still off, do it.
    if not wait_for(lambda: bed.powered_on(h), 10):
        bed.tb("power", bed.name, h, "on")
    back = wait_for(bed.all_online, 60)
    if not back:
        res["note"] = (res["note"] + " node not back Online in 60 s").strip()
    bed.responder(h)
    wait_for(lambda: bed.vip_home() and bed.answers(bed.vip_home()), 30)
    time.sleep(0.5)
    return res


def commit_latency(bed, n):
    times = []
    for k in range(n):
        i = k % NODES + 1
        t0 = time.monotonic()
        r = bed.tool(i, "crm", "configure", "property", f"batonbench={k}")
        dt = (time.monotonic() - t0) * 1000
        if r.returncode == 0:
            times.append(dt)
    return times


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drills", type=int, default=20)
    ap.add_argument("--profiles", default="default,fast")
    ap.add_argument("--commits", type=int, default=50)
    ap.add_argument("--timeline", action="store_true", help="print the survivors' log lines after each power-off")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("skipped: needs root (network namespaces)")
        return 77
    summary = []
    extra = {}
    for idx, profile in enumerate(a.profiles.split(",")):
        name = f"fo{os.getpid() % 10000}{idx}"[:8]
        bed = Bed(name)
        try:
            bed.setup(profile)
            conf = open(os.path.join(bed.node_dir(1), "cluster.conf")).read()
            tok = re.search(r"token:\s*(\d+)", conf).group(1)
            hb = re.search(r"heartbeat_interval:\s*(\d+)", conf).group(1)
            print(f"== profile {profile} (token {tok} ms, heartbeat_interval {hb} ms) on testbed {name}", flush=True)
            if idx == 0:
                time.sleep(2)
                extra["rss"] = {d: rss_kb(bed.pid(1, d)) for d in ("baton-crmd", "baton-fenced")}
                lat = commit_latency(bed, a.commits)
                extra["commit"] = lat
            print(f"{'drill':>5} {'victim':>6} {'to':>4} {'outage_ms':>9} {'failover':>8} {'fenced':>6}  note")
            rows = []
            for k in range(1, a.drills + 1):
                res = drill(bed, k, a.timeline)
                rows.append(res)
                print(f"{k:>5} {res['victim']:>6} {res['to']:>4} {str(res['ms'] if res['ms'] is not None else '-'):>9} "
                      f"{'yes' if res['failover'] else 'NO':>8} {'yes' if res['fenced'] else 'NO':>6}  {res['note']}",
                      flush=True)
            ok = [r["ms"] for r in rows if r["failover"] and r["ms"] is not None]
            summary.append((profile, tok, hb, len(rows), len(ok), sum(r["fenced"] for r in rows),
                            statistics.median(ok) if ok else None, max(ok) if ok else None,
                            min(ok) if ok else None))
        except Exception as e:
            print(f"profile {profile}: {type(e).__name__}: {e}", flush=True)
            summary.append((profile, "?", "?", 0, 0, 0, None, None, None))
        finally:
            bed.teardown()
    print()
    print("== failover (client-observed outage after power-off of the VIP holder)")
    print(f"{'profile':<8} {'token':>5} {'hb':>4} {'drills':>6} {'failed over':>11} {'fenced':>6} "
          f"{'median ms':>9} {'worst ms':>8} {'best ms':>7}")
    for p, tok, hb, n, ok, fen, med, worst, best in summary:
        f = lambda v: "-" if v is None else f"{v:.0f}"
        print(f"{p:<8} {tok:>5} {hb:>4} {n:>6} {ok:>11} {fen:>6} {f(med):>9} {f(worst):>8} {f(best):>7}")
    lat = extra.get("commit")
    if lat:
        print(f"\n== CIB commit latency: {len(lat)}/{a.commits} `crm configure property batonbench=N` over 3 nodes: "
              f"p50 {statistics.median(lat):.1f} ms, p99 {pct(lat, 99):.1f} ms, max {max(lat):.1f} ms")
    if extra.get("rss"):
        print("== idle RSS on n1: " + ", ".join(f"{d} {v / 1024:.1f} MiB" if v else f"{d} ?"
                                               for d, v in extra["rss"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

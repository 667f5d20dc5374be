#!/usr/bin/env python3
"""Fencing latency on the netns testbed (root needed).

Request -> confirmed-off latency for one node, --runs times (default 20) per
path; the node is powered back on (untimed) between runs:

  testbed      `testbed power NAME I off` alone (the floor: links down, SIGKILL)
  fence_netns  baton's agent, stdin protocol (agents/fence/fence_netns)
  ipmilan-pw0  fence_ipmilan -> ipmitool -> ipmi_sim -> testbed, power_wait=0
  ipmilan      the same with fence_ipmilan's defaults (power_wait=2)
  baton-fenced `crm node fence nI --action off` -> baton-fenced (in n1's
               namespace, a fence_netns device) -> fence_netns; the CLI's
               success line is the confirmation

Each path is a function fence_once(ctx, node) -> seconds that returns when the
request is answered with success, raises FenceFailed otherwise; the node must
then really be off (checked, untimed). A path through baton-fenced can be
added by writing one more such function and listing it in PATHS.

Prints figures only; never fails because the machine is slow.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TESTBED = os.path.join(REPO, "tests", "testbed", "testbed")
AGENT = os.path.join(REPO, "agents", "fence", "fence_netns")
HARNESS = os.path.join(REPO, "tests", "fencing", "ipmi_harness.sh")
BIN_DIR = os.environ.get("BATON_BIN_DIR", os.path.join(REPO, "build", "bin"))
IPMI_PORT = 9633


class FenceFailed(Exception):
    pass


class Context:
    """The testbed (and BMC) a run works on."""

    def __init__(self, name, nodes, tmp):
        self.name = name
        self.nodes = nodes
        self.tmp = tmp
        self.bmc_dir = None  # set once ipmi_sim runs for the target node
        self.fenced_socket = None  # set once baton-fenced runs
        self.fenced = None         # its Popen


def tb(*args, check=True):
    p = subprocess.run([TESTBED, *map(str, args)], capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise RuntimeError(f"testbed {' '.join(map(str, args))}: {p.stderr.strip()}")
    return p


def really_off(ctx, node):
    ns = f"{ctx.name}-n{node}"
    pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout
    links = subprocess.run(["ip", "-n", ns, "-o", "link", "show", "up"],
                           capture_output=True, text=True).stdout
    return not pids.strip() and all(": lo:" in line for line in links.splitlines())


def timed(argv, stdin):
    start = time.monotonic()
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - start
    if p.returncode != 0:
        err = [l for l in p.stderr.splitlines() if "pipes" not in l]
        raise FenceFailed(f"{os.path.basename(argv[-1])} exit {p.returncode}: "
                          f"{p.stdout.strip()} {' '.join(err)[-300:]}")
    return elapsed


# --- the paths: fence_once(ctx, node) -> seconds ---------------------------

def fence_once_testbed(ctx, node):
    return timed([TESTBED, "power", ctx.name, str(node), "off"], "")


def fence_once_netns(ctx, node):
    return timed([AGENT], f"action=off\nnodename=n{node}\nport=n{node}\ntestbed={ctx.name}\n")


def ipmilan(extra):
    def fence_once(ctx, node):
        if ctx.bmc_dir is None:
            raise FenceFailed("no BMC (ipmi_sim) for the target node")
        stdin = (f"action=off\nnodename=n{node}\nport=n{node}\nip=127.0.0.1\nipport={IPMI_PORT}\n"
                 f"username=admin\npassword=password\nlanplus=1\ncipher=3\n{extra}")
        ns = open(os.path.join(ctx.bmc_dir, "netns")).read().strip()
        return timed(["ip", "netns", "exec", ns, "/usr/sbin/fence_ipmilan"], stdin)
    return fence_once


def fence_once_fenced(ctx, node):
    if ctx.fenced_socket is None:
        raise FenceFailed("baton-fenced is not running")
    return timed([os.path.join(BIN_DIR, "crm"), "node", "fence", f"n{node}", "--action", "off",
                  "--timeout", "20000", "--fenced-socket", ctx.fenced_socket], "")


def start_fenced(ctx, target):
    """baton-fenced in n1's namespace with one fence_netns device for the
    target. Its socket and state are private to the bench, so no crmd of the
    testbed asks it for anything."""
    state = os.path.join(ctx.tmp, "fenced-state")
    os.makedirs(state, exist_ok=True)
    devices = os.path.join(ctx.tmp, "devices.xml")
    with open(devices, "w") as f:
        f.write('<cib admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config/><nodes/>'
                '<resources><primitive id="netns" class="stonith" type="fence_netns">'
                '<instance_attributes id="ia">'
                f'<nvpair id="a1" name="testbed" value="{ctx.name}"/>'
                f'<nvpair id="a2" name="pcmk_host_list" value="n{target}"/>'
                '</instance_attributes></primitive></resources><constraints/></configuration><status/></cib>')
    node_dir = os.path.join(os.environ.get("BATON_TESTBED_RUN", "/run/baton-testbed"), ctx.name, "n1")
    ctx.fenced_socket = os.path.join(ctx.tmp, "fenced.sock")
    log = open(os.path.join(ctx.tmp, "fenced.log"), "w")
    ctx.fenced = subprocess.Popen(
        ["ip", "netns", "exec", f"{ctx.name}-n1", os.path.join(BIN_DIR, "baton-fenced"),
         "--config", os.path.join(node_dir, "cluster.conf"), "--state-dir", state,
         "--socket", ctx.fenced_socket, "--node", "n1", "--devices", devices, "--port", "0",
         "--agents-dir", os.path.dirname(AGENT), "--agents-dir", "/usr/sbin"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    for _ in range(100):
        if "serving on" in open(os.path.join(ctx.tmp, "fenced.log")).read():
            return
        if ctx.fenced.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"baton-fenced did not start; see {ctx.tmp}/fenced.log")


def stop_fenced(ctx):
    if ctx.fenced is not None and ctx.fenced.poll() is None:
        ctx.fenced.terminate()  # ip netns exec execs baton-fenced: this pid is the daemon
        try:
            ctx.fenced.wait(timeout=10)
        except subprocess.TimeoutExpired:
            ctx.fenced.kill()
            ctx.fenced.wait()


PATHS = {
    "testbed": fence_once_testbed,
    "fence_netns": fence_once_netns,
    "ipmilan-pw0": ipmilan("power_wait=0\n"),
    "ipmilan": ipmilan(""),
    "baton-fenced": fence_once_fenced,
}


def drill(ctx, node, path, runs):
    fence_once = PATHS[path]
    times, failures = [], []
    for _ in range(runs):
        tb("power", ctx.name, node, "on")
        time.sleep(0.2)  # let the daemon settle; untimed
        try:
            t = fence_once(ctx, node)
            if not really_off(ctx, node):
                raise FenceFailed("answered success but the node is not off")
            times.append(t)
        except FenceFailed as e:
            failures.append(str(e))
    tb("power", ctx.name, node, "on")
    return times, failures


def report(path, times, failures):
    if times:
        ms = sorted(t * 1000 for t in times)
        print(f"{path:12s} n={len(ms):3d}  median {statistics.median(ms):8.1f} ms  "
              f"min {ms[0]:8.1f} ms  worst {ms[-1]:8.1f} ms", flush=True)
    else:
        print(f"{path:12s} no successful run", flush=True)
    for f in failures[:3]:
        print(f"{'':12s} failure: {f}")
    if len(failures) > 3:
        print(f"{'':12s} ... {len(failures) - 3} more failures")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20, help="fencing requests per path (default 20)")
    ap.add_argument("--ipmi-runs", type=int, default=None,
                    help="runs for the ipmilan paths (default: --runs; each takes ~2-5 s)")
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--target", type=int, default=2, help="node index to fence")
    ap.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated, of {','.join(PATHS)}")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("fence_bench: needs root (network namespaces)", file=sys.stderr)
        return 2
    paths = [p for p in args.paths.split(",") if p]
    for p in paths:
        if p not in PATHS:
            print(f"fence_bench: unknown path '{p}'", file=sys.stderr)
            return 2
    want_ipmi = any(p.startswith("ipmilan") for p in paths)
    if "baton-fenced" in paths and not all(os.access(os.path.join(BIN_DIR, b), os.X_OK)
                                           for b in ("baton-fenced", "crm")):
        print(f"fence_bench: baton-fenced or crm not built in {BIN_DIR}; skipping the baton-fenced path")
        paths = [p for p in paths if p != "baton-fenced"]
    if want_ipmi and not (shutil.which("ipmi_sim") and os.access("/usr/sbin/fence_ipmilan", os.X_OK)):
        print("fence_bench: ipmi_sim or fence_ipmilan missing (scripts/deps.sh); skipping ipmilan paths")
        paths = [p for p in paths if not p.startswith("ipmilan")]
        want_ipmi = False

    ctx = Context(f"fb{os.getpid() % 100000}", args.nodes, tempfile.mkdtemp(prefix="baton-fb."))
    try:
        tb("up", ctx.name, "--nodes", args.nodes)
        for i in range(1, args.nodes + 1):
            tb("start", ctx.name, i)
        if want_ipmi:
            ctx.bmc_dir = os.path.join(ctx.tmp, f"bmc{args.target}")
            subprocess.run([HARNESS, "start", ctx.bmc_dir, ctx.name, str(args.target), str(IPMI_PORT)],
                           check=True, timeout=60)
        if "baton-fenced" in paths:
            start_fenced(ctx, args.target)
        print(f"testbed {ctx.name}: {args.nodes} nodes; fencing n{args.target} (action=off), "
              f"request -> confirmed off", flush=True)
        for p in paths:
            runs = args.ipmi_runs if (p.startswith("ipmilan") and args.ipmi_runs is not None) else args.runs
            times, failures = drill(ctx, args.target, p, runs)
            report(p, times, failures)
    finally:
        stop_fenced(ctx)
        if ctx.bmc_dir:
            subprocess.run([HARNESS, "stop", ctx.bmc_dir], timeout=30)
        tb("down", ctx.name, check=False)
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""PostgreSQL 15 under baton with the unmodified PAF agent, on a 3-node netns
testbed (root; exits 77 when not root or PostgreSQL/PAF are missing).

Synchronous replication; a client in the client namespace writes rows
through the VIP and records which were acknowledged (bench/pgwriter.py).

  setup       the package's PAF files match dpkg's md5sums; one primary,
              two standbys, the VIP on the primary
  switchover  `crm resource move pgsql-ha NODE --promoted`: the promoted role
              and the VIP move to NODE
  kill        kill -9 of the primary's postmaster: recovered, one primary
  poweroff    the primary's node powered off: a standby is promoted after the
              fencing, the VIP follows; the old primary comes back as a
              standby (pg_rewind, then power on)
  async       asynchronous replication, the primary powered off: failed
              over; the acknowledged writes lost are reported, not failed on

After each: every acknowledged row is on the primary (sync), one primary
only, the VIP on the primary's node and nowhere else. A sampler checks during
the drills that no two nodes ever hold the VIP.

usage: pgsql_test.py   Prints "ok|FAIL name detail" and "N passed, M failed".
Logs of a failing run are copied to /tmp/pgsql-test-logs/.
"""
import os
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgsql_cluster as pc  # noqa: E402

LOGDIR = "/tmp/pgsql-test-logs"
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print(f"{'ok' if ok else 'FAIL'} {name} {detail}".rstrip(), flush=True)
    return ok


class VipSampler(threading.Thread):
    def __init__(self, cl):
        super().__init__(daemon=True)
        self.cl, self.stop_ = cl, threading.Event()
        self.samples, self.violations = 0, []

    def run(self):
        while not self.stop_.is_set():
            holders = self.cl.vip_holders()
            self.samples += 1
            if len(holders) > 1:
                self.violations.append((time.monotonic(), holders))
            time.sleep(0.1)


def settled(cl, want_standbys):
    """Healthy, and the instance that takes writes is the primary's."""
    if not cl.healthy(want_standbys):
        return False
    return [f"n{i}" for i in cl.live() if cl.in_recovery(i) is False] == cl.primaries()


def after(cl, name, want_standbys, sync=True):
    ok = pc.wait_for(lambda: settled(cl, want_standbys), 120, 0.5)
    check(f"{name}/healthy", ok, f"roles {cl.roles()} vip {cl.vip_holders()}")
    prim = cl.primaries()
    check(f"{name}/one-primary", len(prim) == 1, f"{prim}")
    check(f"{name}/vip-on-primary", cl.vip_holders() == prim, f"vip {cl.vip_holders()} primary {prim}")
    writable = [f"n{i}" for i in cl.live() if cl.in_recovery(i) is False]
    check(f"{name}/one-writable-instance", writable == prim, f"read-write {writable}, primary {prim}")
    n = len(cl.acks())
    progressed = pc.wait_for(lambda: len(cl.acks()) > n + 5, 30, 0.2)
    check(f"{name}/writes-go-on", bool(progressed), f"{len(cl.acks())} acknowledged")
    good, text = cl.check_writes()
    if sync:
        check(f"{name}/no-acknowledged-write-lost", good, text)
    else:
        print(f"info {name}/loss-window {text}", flush=True)
    return prim[0] if len(prim) == 1 else None


def postmaster_pid(cl, i):
    """The postmaster of node i: the postgres process whose parent is not postgres."""
    for p in pc.run(["ip", "netns", "pids", f"{cl.name}-n{i}"], timeout=5).stdout.split():
        try:
            comm = open(f"/proc/{p}/comm").read().strip()
            ppid = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1]
            pcomm = open(f"/proc/{ppid}/comm").read().strip()
        except OSError:
            continue
        if comm == "postgres" and pcomm != "postgres":
            return int(p)
    return None


def main():
    # A test runner's timeout (SIGTERM) still takes the testbed down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    why = pc.missing_prerequisites()
    if why:
        print(f"SKIP: {why}")
        return 77
    ok, detail = pc.paf_unmodified()
    check("setup/paf-unmodified", ok, detail)
    cl = pc.PgCluster(f"pg{os.getpid() % 100000}", 3, "sync")
    tmp = tempfile.mkdtemp(prefix="pgsql-test.")
    sampler = None
    try:
        cl.up()
        cl.configure(extra=[["property", "stonith-action=off"]])
        ok = pc.wait_for(lambda: cl.healthy(2), 180, 0.5)
        if not check("setup/primary-and-two-standbys", ok, f"roles {cl.roles()} vip {cl.vip_holders()}"):
            raise RuntimeError(cl.crm(1, "status").stdout)
        cl.start_writer(os.path.join(tmp, "acks"))
        sampler = VipSampler(cl)
        sampler.start()
        prim = after(cl, "setup", 2)

        # switchover: move the promoted role to another node.
        target = next(f"n{i}" for i in range(1, cl.n + 1) if f"n{i}" != prim)
        r = cl.crm(1, "resource", "move", "pgsql-ha", target, "--promoted")
        check("switchover/move", r.returncode == 0, (r.stdout + r.stderr).strip())
        ok = pc.wait_for(lambda: cl.primaries() == [target] and cl.vip_holders() == [target], 60, 0.2)
        check("switchover/promoted-on-target", ok, f"primary {cl.primaries()} vip {cl.vip_holders()}")
        r = cl.crm(1, "resource", "clear", "pgsql-ha")
        check("switchover/clear", r.returncode == 0, (r.stdout + r.stderr).strip())
        prim = after(cl, "switchover", 2)

        # kill -9 of the primary's postmaster.
        i = int(prim[1:])
        pid = postmaster_pid(cl, i)
        check("kill/postmaster-found", pid is not None, f"n{i}")
        if pid:
            os.kill(pid, 9)
            # Noticed: the instance shown failed, or another primary.
            ok = pc.wait_for(lambda: "pgsqld" in (cl.failed() or ()) or cl.primaries() not in ([], [prim]), 60, 0.1)
            check("kill/noticed", ok, f"failed {cl.failed()}, primary {cl.primaries()}")
        prim = after(cl, "kill", 2)

        # power-off of the primary's node.
        victim = int(prim[1:])
        cl.must("power", cl.name, victim, "off")
        ok = pc.wait_for(lambda: len(cl.primaries()) == 1 and cl.primaries()[0] != f"n{victim}", 60, 0.1)
        check("poweroff/standby-promoted", ok, f"primary {cl.primaries()}")
        prim = after(cl, "poweroff", 1)
        if prim:
            err = cl.rejoin(victim)
            check("poweroff/old-primary-rewound", err is None, err or "")
            prim = after(cl, "rejoin", 2) if err is None else None

        # async: the same power-off without synchronous standbys.
        if prim:
            for i in cl.live():
                cl.node_sh(i, "runuser", "-u", "postgres", "--", f"{pc.PG_BIN}/psql", "-h", "/run/postgresql", "-XAtqc",
                           "ALTER SYSTEM SET synchronous_standby_names = ''", timeout=10)
                cl.node_sh(i, "runuser", "-u", "postgres", "--", f"{pc.PG_BIN}/psql", "-h", "/run/postgresql", "-XAtqc",
                           "SELECT pg_reload_conf()", timeout=10)
            victim = int(prim[1:])
            cl.must("power", cl.name, victim, "off")
            ok = pc.wait_for(lambda: len(cl.primaries()) == 1 and cl.primaries()[0] != f"n{victim}", 60, 0.1)
            check("async/standby-promoted", ok, f"primary {cl.primaries()}")
            after(cl, "async", 1, sync=False)
    except Exception as e:
        check("run", False, str(e)[-2000:])
    finally:
        if sampler:
            sampler.stop_.set()
            sampler.join(timeout=5)
            check("never-two-vip-holders", not sampler.violations and sampler.samples > 0,
                  f"{sampler.samples} samples; violations {sampler.violations[:3]}")
        if failed:
            cl.keep_logs(LOGDIR)
            print(f"logs in {LOGDIR}")
        cl.down()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0



if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""PostgreSQL failover drills on the netns testbed (root): 3 nodes, PostgreSQL 15
under the unmodified PAF agent, synchronous replication, a client writing
through the VIP (bench/pgwriter.py).

Each drill powers off the primary's node (the fencing is `off`, so it stays
off), measures the outage as the client saw it (the last acknowledged write
before the power-off to the first one after it), checks that every
acknowledged row is on the new primary, and reads where the time went from
the new primary's crmd log (the view without the old primary, its fencing
confirmed, the recovery transition complete). Then the old
primary is brought back as a standby (pg_rewind from the new primary, as an
operator would) and powered on, so every drill starts from three nodes.

usage: pgsql_failover.py [--drills N] [--async]
Prints one line per drill and a last line exactly
  pgsql failover: drills N, failed over N, lost acknowledged L, median_ms X, worst_ms Y
Never fails on time; exit 1 only when the testbed cannot be built.
"""
import argparse
import os
import re
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))
import pgsql_cluster as pc  # noqa: E402


def log_time(cl, i, pattern, after_wall):
    """Wall time (s) of the first line of node i's crmd log matching pattern after after_wall."""
    try:
        text = open(os.path.join(cl.node_dir(i), "baton-crmd.log"), errors="replace").read()
    except OSError:
        return None
    for line in text.splitlines():
        m = re.match(r"(?:<\d>)?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) ", line)
        if not m or not re.search(pattern, line):
            continue
        t = time.mktime(time.strptime(m.group(1)[:19], "%Y-%m-%d %H:%M:%S")) + int(m.group(1)[20:]) / 1000
        if t >= after_wall:
            return t
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--drills", type=int, default=5)
    ap.add_argument("--async", dest="async_", action="store_true", help="asynchronous replication")
    args = ap.parse_args()
    why = pc.missing_prerequisites()
    if why:
        print(f"pgsql_failover: cannot run: {why}")
        return 1
    cl = pc.PgCluster(f"pf{os.getpid() % 100000}", 3, "async" if args.async_ else "sync")
    tmp = tempfile.mkdtemp(prefix="pgsql-failover.")
    outages, lost_total, failed_over = [], 0, 0
    try:
        cl.up()
        cl.configure(extra=[["property", "stonith-action=off"]])
        if not pc.wait_for(lambda: cl.healthy(2), 120, 0.5):
            raise RuntimeError(f"no healthy primary within 120 s: {cl.crm(1, 'status').stdout}")
        cl.start_writer(os.path.join(tmp, "acks"))
        for d in range(1, args.drills + 1):
            if not pc.wait_for(lambda: cl.healthy(2) and len(cl.acks()) > 0, 120, 0.5):
                print(f"drill {d}: cluster not healthy before the drill; stopping")
                break
            prim = cl.primaries()[0]
            victim = int(prim[1:])
            time.sleep(1.0)
            before = len(cl.acks())
            wall0, mono0 = time.time(), time.monotonic()
            cl.must("power", cl.name, victim, "off")
            ok = pc.wait_for(lambda: len(cl.acks()) > before and cl.acks()[-1][1] > mono0 + 0.05
                             and len(cl.primaries()) == 1 and cl.primaries()[0] != prim, 60, 0.05)
            acks = cl.acks()
            last_before = max((t for _, t in acks if t <= mono0), default=mono0)
            first_after = min((t for _, t in acks if t > mono0), default=None)
            if not ok or first_after is None:
                # Later drills would start from a broken cluster: stop, keep the logs.
                print(f"drill {d}: {prim} powered off; no failover within 60 s "
                      f"(primary {cl.primaries()}, {len(cl.acks()) - before} writes acknowledged since)")
                cl.keep_logs(os.path.join(tmp, "logs"))
                print(f"logs in {tmp}/logs")
                break
            failed_over += 1
            outage = (first_after - last_before) * 1000
            outages.append(outage)
            _, text = cl.check_writes()
            m = re.search(r"lost (\d+)", text)
            if m is None:
                print(f"drill {d}: could not read the rows back: {text}")
                break
            lost = int(m.group(1))
            lost_total += lost
            new = cl.primaries()[0]
            j = int(new[1:])
            steps = []
            # What the new primary's crmd logged: the view without the victim,
            # the fencing confirmed, the recovery transition complete.
            fenced = log_time(cl, j, rf"{prim} was fenced", wall0)
            for label, pat, since in (("view", rf"view \S+: \[(?!.*\b{prim}\b)", wall0),
                                      ("fenced", rf"{prim} was fenced", wall0),
                                      ("recovered", r"transition \d+ complete", fenced or wall0)):
                t = log_time(cl, j, pat, since)
                steps.append(f"{label} +{(t - wall0) * 1000:.0f}" if t else f"{label} ?")
            print(f"drill {d}: {prim} off -> {new} primary: outage {outage:.0f} ms, lost acknowledged {lost} "
                  f"({', '.join(steps)} ms)", flush=True)
            err = cl.rejoin(victim)
            if err:
                print(f"drill {d}: {prim} could not rejoin: {err}")
                break
    except Exception as e:  # report and tear down; the figures so far still print
        print(f"pgsql_failover: {e}")
        cl.keep_logs(os.path.join(tmp, "logs"))
        print(f"logs in {tmp}/logs")
    finally:
        cl.down()
    med = statistics.median(outages) if outages else 0
    worst = max(outages) if outages else 0
    print(f"pgsql failover: drills {args.drills}, failed over {failed_over}, lost acknowledged {lost_total}, "
          f"median_ms {med:.0f}, worst_ms {worst:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

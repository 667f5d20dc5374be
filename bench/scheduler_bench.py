#!/usr/bin/env python3
"""Scheduler benchmark: baton's `crm simulate -R` against Pacemaker's
`crm_simulate -R` on synthetic CIBs from bench/gencib.py (--gencib takes another generator with
the same command line: NODES RESOURCES [SEED] [--running]).

For each size (NODES x RESOURCES) and scenario (initial placement; recovery
after node1 fails, gencib --running) it prints the median wall time of
several runs of each tool, the speed-up, each tool's peak RSS, and whether the
two Transition Summaries are equal. Pacemaker is slow on big inputs (minutes
at 32x3000), so its runs are capped: --pcmk-runs, --pcmk-max (largest
resource count it is run on), --pcmk-timeout.

usage: bench/scheduler_bench.py [--sizes 8x1000,16x2000,32x5000] [--runs 5]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd, timeout):
    """Runs cmd; returns (seconds, stdout), or None on timeout."""
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return time.monotonic() - start, p.stdout


def peak_rss(cmd, timeout):
    try:
        p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, timeout=timeout)
        return int(p.stderr.strip().splitlines()[-1]) / 1024.0
    except (subprocess.TimeoutExpired, ValueError, IndexError, FileNotFoundError):
        return float("nan")


def summary(text):
    lines = text.splitlines()
    try:
        i = lines.index("Transition Summary:")
    except ValueError:
        return None
    out = []
    for line in lines[i + 1:]:
        if not line.strip():
            break
        out.append(" ".join(line.split()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="8x1000,16x2000,32x5000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pcmk-runs", type=int, default=3)
    ap.add_argument("--pcmk-max", type=int, default=2000, help="largest resource count to run crm_simulate on")
    ap.add_argument("--pcmk-timeout", type=float, default=900)
    ap.add_argument("--crm", default=os.path.join(ROOT, "build", "bin", "crm"))
    ap.add_argument("--gencib", default=os.path.join(HERE, "gencib.py"))
    args = ap.parse_args()
    have_pcmk = subprocess.run(["which", "crm_simulate"], capture_output=True).returncode == 0

    print(f"{'case':<22} {'baton median':>13} {'crm_simulate':>13} {'speed-up':>9} "
          f"{'baton RSS':>10} {'pcmk RSS':>9}  summaries")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            nodes, rscs = (int(x) for x in size.split("x"))
            for scenario in ("initial", "recovery"):
                cib = os.path.join(tmp, f"{size}-{scenario}.xml")
                gen = [sys.executable, args.gencib, str(nodes), str(rscs)]
                if scenario == "recovery":
                    gen.append("--running")
                with open(cib, "w") as f:
                    subprocess.run(gen, stdout=f, check=True)
                baton_cmd = [args.crm, "simulate", "-x", cib, "-R"]
                times = []
                out = ""
                for _ in range(args.runs):
                    r = run(baton_cmd, 600)
                    times.append(r[0])
                    out = r[1]
                b_med = statistics.median(times)
                b_rss = peak_rss(baton_cmd, 600)
                p_med = float("nan")
                p_rss = float("nan")
                verdict = "not compared"
                if have_pcmk and rscs <= args.pcmk_max:
                    pcmk_cmd = ["crm_simulate", "-x", cib, "-R"]
                    ptimes = []
                    pout = None
                    for _ in range(args.pcmk_runs):
                        r = run(pcmk_cmd, args.pcmk_timeout)
                        if r is None:
                            break
                        ptimes.append(r[0])
                        pout = r[1]
                    if ptimes:
                        p_med = statistics.median(ptimes)
                        p_rss = peak_rss(pcmk_cmd, args.pcmk_timeout)
                        verdict = "equal" if summary(pout) == summary(out) else "DIFFERENT"
                    else:
                        verdict = f"crm_simulate timed out after {args.pcmk_timeout:.0f}s"
                speed = p_med / b_med if p_med == p_med else float("nan")
                print(f"{size + ' ' + scenario:<22} {b_med * 1000:>10.1f} ms {p_med * 1000:>10.1f} ms "
                      f"{speed:>8.1f}x {b_rss:>7.1f} MiB {p_rss:>5.1f} MiB  {verdict}", flush=True)


if __name__ == "__main__":
    main()

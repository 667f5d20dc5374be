#!/usr/bin/env python3
"""Runs baton's `crm simulate -S` on Pacemaker 2.1.5's scheduler corpus and
compares with crm_simulate's expected output, ignoring whitespace as
cts-scheduler does (diff --ignore-all-space --ignore-blank-lines).

Two comparisons per test: the Transition Summary section, and the whole
summary. Prints pass counts per tier. With --check FILE, fails when a test
listed in FILE (one name per line) no longer passes its Transition Summary;
with --update FILE, writes the currently passing tests there.

The corpus is --corpus, else $BATON_PCMK_CORPUS, else
../shared/conformance/pacemaker-2.1.5 beside the repository (a clone may not
have it). When it is missing the run fails, or with --skip-if-missing prints
where it looked and exits 77 (ctest's SKIP_RETURN_CODE).
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys


def normalize(text):
    out = []
    for line in text.splitlines():
        squeezed = "".join(line.split())
        if squeezed:
            out.append(squeezed)
    return out


def section(lines, start, end):
    try:
        i = lines.index(start)
    except ValueError:
        return None
    j = i + 1
    while j < len(lines) and lines[j] != end:
        j += 1
    return lines[i + 1:j]


def run_one(crm, corpus, name):
    xml = os.path.join(corpus, "xml", name + ".xml")
    with open(os.path.join(corpus, "summary", name + ".summary")) as f:
        expected = normalize(f.read())
    try:
        p = subprocess.run([crm, "simulate", "-x", xml, "-S"], capture_output=True, text=True, timeout=60)
        actual = normalize(p.stdout + p.stderr)
        crashed = p.returncode < 0
    except subprocess.TimeoutExpired:
        actual, crashed = ["TIMEOUT"], True
    ts_exp = section(expected, "TransitionSummary:", "ExecutingClusterTransition:")
    ts_act = section(actual, "TransitionSummary:", "ExecutingClusterTransition:")
    return name, ts_exp is not None and ts_exp == ts_act, expected == actual, crashed


SKIPPED = 77


def find_corpus(explicit, root):
    """(path, where it came from). An explicit or environment path is used as
    given, even when it does not exist: it never falls back to the default."""
    if explicit:
        return explicit, "--corpus"
    env = os.environ.get("BATON_PCMK_CORPUS")
    if env is not None:
        return env, "$BATON_PCMK_CORPUS"
    return os.path.normpath(os.path.join(root, "..", "shared", "conformance", "pacemaker-2.1.5")), "default"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--crm", default=os.path.join(root, "build", "bin", "crm"))
    ap.add_argument("--corpus", help="Pacemaker's scheduler corpus (default: $BATON_PCMK_CORPUS, "
                    "else ../shared/conformance/pacemaker-2.1.5 beside the repository)")
    ap.add_argument("--skip-if-missing", action="store_true",
                    help=f"exit {SKIPPED} (skipped) instead of failing when the corpus is absent")
    ap.add_argument("--check", help="fail if a test listed here stops passing")
    ap.add_argument("--update", help="write the passing tests here")
    ap.add_argument("--failures", action="store_true", help="list failing tests")
    ap.add_argument("--whole-failures", action="store_true",
                    help="list tests whose Transition Summary matches but whole summary does not")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    args.corpus, source = find_corpus(args.corpus, root)
    if not args.corpus or not os.path.isfile(os.path.join(args.corpus, "tests.tsv")):
        print(f"Pacemaker scheduler corpus not found: no tests.tsv in {args.corpus!r} ({source}); "
              "set BATON_PCMK_CORPUS to a pacemaker-2.1.5 corpus directory")
        return SKIPPED if args.skip_if_missing else 1

    tests = []
    with open(os.path.join(args.corpus, "tests.tsv")) as f:
        for i, line in enumerate(f):
            if i == 0:
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and (not args.names or parts[0] in args.names):
                tests.append((parts[0], parts[1]))
    tier = dict(tests)
    results = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for name, ts_ok, all_ok, crashed in pool.map(lambda t: run_one(args.crm, args.corpus, t[0]), tests):
            results[name] = (ts_ok, all_ok, crashed)

    tiers = sorted(set(tier.values()))
    total_ts = total_all = 0
    for t in tiers:
        names = [n for n in results if tier[n] == t]
        ts = sum(1 for n in names if results[n][0])
        al = sum(1 for n in names if results[n][1])
        total_ts += ts
        total_all += al
        print(f"tier {t}: transition summary {ts}/{len(names)} ({100.0 * ts / max(1, len(names)):.1f}%), "
              f"whole summary {al}/{len(names)}")
    print(f"all: transition summary {total_ts}/{len(results)}, whole summary {total_all}/{len(results)}")
    crashes = sorted(n for n, r in results.items() if r[2])
    if crashes:
        print("crashed or timed out: " + " ".join(crashes))
    if args.failures:
        for n in sorted(results):
            if not results[n][0]:
                print(f"FAIL tier {tier[n]} {n}")
    if args.whole_failures:
        for n in sorted(results):
            if results[n][0] and not results[n][1]:
                print(f"WHOLE tier {tier[n]} {n}")
    passing = sorted(n for n, r in results.items() if r[0])
    if args.update:
        with open(args.update, "w") as f:
            f.write("\n".join(passing) + "\n")
    status = 0
    if crashes:
        status = 1
    if args.check:
        with open(args.check) as f:
            expected = [l.strip() for l in f if l.strip()]
        lost = [n for n in expected if n in results and not results[n][0]]
        if lost:
            print("REGRESSION: no longer passing: " + " ".join(lost))
            status = 1
        print(f"{len(expected) - len(lost)} passed, {len(lost)} failed")
    return status


if __name__ == "__main__":
    sys.exit(main())

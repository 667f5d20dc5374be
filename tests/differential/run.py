#!/usr/bin/env python3
"""Differential test: baton's `crm simulate -x F -R` against Pacemaker's
`crm_simulate -x F -R` on random small CIBs from gen.py.

For each seed, compares the "Transition Summary:" sections (the lines after
that header up to the first blank line), ignoring runs of whitespace.
Prints each mismatch with both summaries and the path of a kept copy of the
CIB, then a final line "N passed, M failed". Exits non-zero on any mismatch.

    run.py [--seeds A:B] [--crm PATH] [--oracle PATH] [--keep DIR] [--jobs N]

--seeds A:B runs seeds A..B-1 (default 0:200). With --check FILE only seeds
listed there must match (CI uses this: the list grows as baton matches more);
--update FILE writes the matching seeds.
"""
import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402


def transition_summary(text):
    """Lines after 'Transition Summary:' up to the first blank line, with
    runs of whitespace squeezed to one space; None without the header."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "Transition Summary:":
            out = []
            for l in lines[i + 1:]:
                if not l.strip():
                    break
                out.append(" ".join(l.split()))
            return out
    return None


def run(cmd, timeout=60):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return None, "", "TIMEOUT"


def compare(crm, oracle, path):
    """Returns (ok, baton_summary, oracle_summary, note)."""
    rc_b, out_b, err_b = run([crm, "simulate", "-x", path, "-R"])
    rc_o, out_o, err_o = run([oracle, "-x", path, "-R"])
    ts_b = transition_summary(out_b)
    ts_o = transition_summary(out_o)
    note = []
    if rc_b is None or rc_b < 0:
        note.append(f"baton crashed or timed out (rc={rc_b}): {err_b.strip()[-500:]}")
    if ts_o is None:
        note.append(f"crm_simulate printed no Transition Summary (rc={rc_o}): {err_o.strip()[-500:]}")
    if ts_b is None:
        note.append(f"baton printed no Transition Summary (rc={rc_b}): {err_b.strip()[-500:]}")
    ok = ts_b is not None and ts_o is not None and ts_b == ts_o and not note
    return ok, ts_b, ts_o, "; ".join(note)


def one_seed(args, tmp, seed):
    path = os.path.join(tmp, f"seed-{seed}.xml")
    with open(path, "w") as f:
        f.write(gen.generate(seed))
    ok, ts_b, ts_o, note = compare(args.crm, args.oracle, path)
    kept = None
    if not ok:
        os.makedirs(args.keep, exist_ok=True)
        kept = os.path.join(args.keep, f"seed-{seed}.xml")
        shutil.copyfile(path, kept)
    return seed, ok, ts_b, ts_o, note, kept


def main():
    root = os.path.dirname(os.path.dirname(HERE))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="0:200", help="A:B runs seeds A..B-1 (default 0:200)")
    ap.add_argument("--crm", default=os.path.join(root, "build", "bin", "crm"), help="baton's crm binary")
    ap.add_argument("--oracle", default="/usr/sbin/crm_simulate", help="Pacemaker's crm_simulate")
    ap.add_argument("--keep", default="/tmp/baton-differential", help="where failing CIBs are copied")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--check", help="file of seeds that must match; only a regression among them fails")
    ap.add_argument("--update", help="write the matching seeds to this file")
    args = ap.parse_args()
    a, _, b = args.seeds.partition(":")
    seeds = range(int(a), int(b)) if b else range(int(a), int(a) + 1)
    if not os.path.exists(args.oracle):
        print(f"oracle not found: {args.oracle}", file=sys.stderr)
        return 2

    passed = failed = 0
    matching = []
    with tempfile.TemporaryDirectory(prefix="baton-diff-") as tmp:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            for seed, ok, ts_b, ts_o, note, kept in pool.map(lambda s: one_seed(args, tmp, s), seeds):
                if ok:
                    passed += 1
                    matching.append(seed)
                    continue
                failed += 1
                print(f"MISMATCH seed {seed}: {kept}")
                if note:
                    print(f"  note: {note}")
                print("  baton:")
                for l in ts_b or ["(none)"]:
                    print(f"    {l}")
                print("  crm_simulate:")
                for l in ts_o or ["(none)"]:
                    print(f"    {l}")
                sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    if args.update:
        with open(args.update, "w") as f:
            f.write("".join(f"{s}\n" for s in matching))
    if args.check:
        with open(args.check) as f:
            expected = {int(l) for l in f if l.strip()}
        lost = sorted(s for s in expected if s in seeds and s not in matching)
        if lost:
            print("REGRESSION: seeds that matched before and no longer do: " + " ".join(map(str, lost)))
            return 1
        return 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

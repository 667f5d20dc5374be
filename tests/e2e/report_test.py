#!/usr/bin/env python3
"""`crm report` on the netns testbed (root; exits 77 when not root).

Starts a 3-node testbed cluster, runs `crm report -f -10min DEST` on n1 and
checks the tarball: description.txt, the CIB, crm status, every node's
baton-crmd log lines of the window and its cluster.conf, and never the
authkey (by name or by content). Then stops n3 and checks that the report
names it as not a member. Bad input: one error line, non-zero exit,
nothing written. The testbed's name is unique to the run; it is torn down
also on failure, and only processes this test started are touched.

Prints "ok|FAIL name detail" per check and "N passed, M failed".
"""
import os
import subprocess
import sys
import tarfile
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TB = os.path.join(REPO, "tests", "testbed", "testbed")
RUN = os.environ.get("BATON_TESTBED_RUN", "/run/baton-testbed")
NODES = 3

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    if ok and len(str(detail)) > 120:
        detail = str(detail)[:120].replace("\n", " ") + "..."
    print(f"{'ok' if ok else 'FAIL'} {name} {detail}".rstrip(), flush=True)
    return ok


def run(args, timeout=60, **kw):
    try:
        return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(args, 124, e.stdout or "", (e.stderr or "") + " (timeout)")


def must(*args, timeout=60):
    r = run([TB, *args], timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"testbed {' '.join(map(str, args))}: rc={r.returncode} {r.stderr.strip()}")
    return r.stdout


def wait_for(pred, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def members(r_text):
    return "Online: [ " + " ".join(f"n{i}" for i in range(1, NODES + 1)) + " ]" in r_text


def report(name, node, *args, timeout=60):
    return run([TB, "crm", name, node, "report", *args], timeout=timeout)


def read_tar(path):
    """{member path without the top directory: bytes} of a tarball."""
    out = {}
    with tarfile.open(path) as t:
        for m in t.getmembers():
            if m.isfile():
                out[m.name.split("/", 1)[1] if "/" in m.name else m.name] = t.extractfile(m).read()
    return out


def scenario(name, work):
    must("up", name, "--nodes", NODES)
    for i in range(1, NODES + 1):
        must("start", name, i)
    ok = wait_for(lambda: members(run([TB, "crm", name, 1, "status"], timeout=10).stdout), 30)
    if not check("cluster-formed", ok):
        return
    with open(os.path.join(RUN, name, "authkey"), "rb") as f:
        authkey = f.read()

    dest = os.path.join(work, "r1.tar.bz2")
    r = report(name, 1, "-f", "-10min", dest)
    check("report-exit-0", r.returncode == 0, f"rc={r.returncode} {r.stderr.strip()}")
    check("report-says-where", dest in r.stdout, r.stdout.strip())
    if not check("tarball-written", os.path.isfile(dest)):
        return
    files = read_tar(dest)
    for top in ("description.txt", "cib.xml", "crm_status.txt", "fencing_history.txt", "versions.txt"):
        check(f"has-{top}", top in files, " ".join(sorted(files)))
    check("cib-is-xml", files.get("cib.xml", b"").lstrip().startswith(b"<cib"), files.get("cib.xml", b"")[:60])
    for i in range(1, NODES + 1):
        log = files.get(f"n{i}/baton-crmd.log", b"")
        check(f"n{i}-log-in-window", b"baton-crmd:" in log, f"{len(log)} bytes")
        conf = files.get(f"n{i}/cluster.conf", b"")
        check(f"n{i}-cluster-conf", b"nodelist" in conf, f"{len(conf)} bytes")
        check(f"n{i}-node-info", b"uname -a: " in files.get(f"n{i}/node.txt", b""))
    check("no-authkey-file", not any(p.rsplit("/", 1)[-1] == "authkey" for p in files), " ".join(sorted(files)))
    check("no-authkey-bytes", not any(authkey in data for data in files.values()))
    desc = files.get("description.txt", b"").decode(errors="replace")
    check("description-has-command-and-window", "crm report -f -10min" in desc and "window:" in desc)
    check("description-no-missing", "MISSING" not in desc, desc)

    # A window long before the cluster existed holds none of its lines.
    old = os.path.join(work, "old.tar.gz")
    r = report(name, 1, "-f", "2001-01-01 00:00", "-t", "2001-01-01 01:00", old)
    check("old-window-exit-0", r.returncode == 0, r.stderr.strip())
    if os.path.isfile(old):
        logs = [d for p, d in read_tar(old).items() if p.endswith("baton-crmd.log")]
        check("old-window-no-crmd-lines", logs and not any(logs), f"{[len(x) for x in logs]}")

    # Bad input: one line, non-zero, nothing written.
    bad = os.path.join(work, "bad")
    r = report(name, 1, "-f", "next tuesday", bad)
    check("bad-time-refused", r.returncode != 0 and r.stderr.count("\n") == 1 and "is not a time" in r.stderr,
          f"rc={r.returncode} {r.stderr!r}")
    check("bad-time-wrote-nothing", not any(n.startswith("bad") for n in os.listdir(work)), str(os.listdir(work)))
    r = report(name, 1, dest)
    check("existing-dest-refused", r.returncode != 0 and "exists" in r.stderr, r.stderr.strip())

    # A node that is down is named as such; the others still answer.
    must("stop", name, 3)
    wait_for(lambda: "OFFLINE" in run([TB, "crm", name, 1, "status"], timeout=10).stdout, 30)
    down = os.path.join(work, "down.tar.gz")
    r = report(name, 1, "-f", "-10min", down)
    check("down-exit-0", r.returncode == 0, r.stderr.strip())
    if os.path.isfile(down):
        files = read_tar(down)
        desc = files.get("description.txt", b"").decode(errors="replace")
        check("down-node-named", "not members when asked" in desc and "n3" in desc.split("not members")[1], desc)
        check("down-others-answer", "n1/baton-crmd.log" in files and "n2/baton-crmd.log" in files,
              " ".join(sorted(files)))


def main():
    if os.geteuid() != 0:
        print("skipped: needs root (network namespaces)")
        return 77
    name = f"rp{os.getpid() % 100000}"[:8]
    work = tempfile.mkdtemp(prefix="report-test.")
    try:
        scenario(name, work)
    except Exception as e:
        check("scenario", False, f"exception: {type(e).__name__}: {e}")
    finally:
        if failed:
            for i in range(1, NODES + 1):
                log = os.path.join(RUN, name, f"n{i}", "baton-crmd.log")
                if os.path.exists(log):
                    print(f"--- last lines of n{i}'s baton-crmd.log")
                    print("".join(open(log, errors="replace").readlines()[-15:]), end="")
        run([TB, "down", name], timeout=120)
        subprocess.run(["rm", "-rf", work])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

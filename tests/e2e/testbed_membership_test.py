#!/usr/bin/env python3
"""Membership and quorum end to end on the netns testbed (root needed; exits
77 to skip otherwise): three nodes form one view; a powered-off node is gone
from the survivors' view (the time is printed; the check allows 5 s, so a loaded machine does not fail it); cutting only the heartbeat
link changes no view; a node cut off on all links is alone and inquorate
while the others stay quorate; a powered-on node rejoins; in a two-node
cluster (two_node) both halves of a split stay quorate. Uses a testbed
name unique to the run and takes it down on exit, also on failure. Prints
'N passed, M failed'.
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTBED = os.path.join(HERE, "..", "testbed", "testbed")
TOKEN_MS = 500


def tb(*args, check=True):
    p = subprocess.run([TESTBED, *map(str, args)], capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise RuntimeError(f"testbed {' '.join(map(str, args))}: {p.stderr.strip()}")
    return p


def status(name, node, cluster=False):
    args = ["crm", name, node] + (["cluster", "status"] if cluster else ["status"])
    p = tb(*args, check=False)
    return p.stdout if p.returncode == 0 else ""


def online(text):
    m = re.search(r"Online: \[ ([^\]]*) \]", text)
    return set(m.group(1).split()) if m else set()


def quorate(text):
    return "partition with quorum" in text


def wait_for(pred, limit_s):
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        if pred():
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def main():
    if os.geteuid() != 0:
        print("skipped: the testbed needs root")
        return 77
    if not os.path.exists(os.path.join(os.environ.get("BATON_BIN_DIR", os.path.join(HERE, "..", "..", "build", "bin")),
                                       "baton-crmd")):
        print("skipped: baton-crmd is not built")
        return 77
    passed = failed = 0

    def check(what, ok, detail=""):
        nonlocal passed, failed
        passed += bool(ok)
        failed += not ok
        print(("ok   " if ok else "FAIL ") + what + ("" if ok else f" {detail}"))

    name = f"m{os.getpid() % 10**7}"
    pair = f"p{os.getpid() % 10**7}"
    try:
        tb("up", name, "--nodes", 3)
        for i in (1, 2, 3):
            tb("start", name, i)
        all3 = {"n1", "n2", "n3"}
        check("three nodes form one view",
              wait_for(lambda: all(online(status(name, i)) == all3 for i in (1, 2, 3)), 10) is not None)
        dcs = {(re.search(r"Current DC: (\S+)", status(name, i)) or [None, None])[1] for i in (1, 2, 3)}
        check("with quorum and one DC", quorate(status(name, 2)) and len(dcs) == 1 and None not in dcs, str(dcs))

        # Cut only the heartbeat link everywhere: the LAN carries on.
        for a, b in ((1, 2), (1, 3), (2, 3)):
            tb("cut", name, a, b, "hb")
        time.sleep(3)
        s = status(name, 1, cluster=True)
        check("losing the hb link changes no view", online(s) == all3, s)
        check("and shows the link down", re.search(r"ring1: DOWN", s) is not None, s)
        tb("heal", name)

        # Power off node 3: the others agree on a view without it.
        time.sleep(1)
        tb("power", name, 3, "off")
        t = wait_for(lambda: online(status(name, 1)) == {"n1", "n2"} and online(status(name, 2)) == {"n1", "n2"}, 5)
        check(f"power-off noticed ({t * 1000 if t else -1:.0f} ms; token {TOKEN_MS} ms)", t is not None and t < 5,
              f"took {t}")
        check("the two survivors keep quorum", quorate(status(name, 1)))
        tb("power", name, 3, "on")
        check("a powered-on node rejoins",
              wait_for(lambda: all(online(status(name, i)) == all3 for i in (1, 2, 3)), 10) is not None)

        # Cut node 3 off on every link: it alone loses quorum.
        tb("cut", name, 1, 3, "all")
        tb("cut", name, 2, 3, "all")
        check("an isolated node is alone",
              wait_for(lambda: online(status(name, 3)) == {"n3"}, 5) is not None)
        check("and inquorate", "WITHOUT quorum" in status(name, 3) or "Current DC: NONE" in status(name, 3),
              status(name, 3))
        # The others agree on their view a moment later (two nodes must agree; a lone node needs no one).
        check("while the others stay quorate",
              wait_for(lambda: quorate(status(name, 1)) and online(status(name, 1)) == {"n1", "n2"}, 5) is not None,
              status(name, 1))
        tb("heal", name)
        tb("down", name)

        # Two nodes with two_node: a split leaves both halves quorate
        # (fencing decides which survives, in a later issue).
        tb("up", pair, "--nodes", 2)
        for i in (1, 2):
            tb("start", pair, i)
        check("two nodes form one view",
              wait_for(lambda: all(online(status(pair, i)) == {"n1", "n2"} for i in (1, 2)), 10) is not None)
        tb("cut", pair, 1, 2, "all")
        split = wait_for(lambda: online(status(pair, 1)) == {"n1"} and online(status(pair, 2)) == {"n2"}, 5)
        check("a two_node split gives two views", split is not None)
        check("both halves stay quorate", quorate(status(pair, 1)) and quorate(status(pair, 2)),
              status(pair, 1) + status(pair, 2))
    except Exception as e:  # a testbed command failed: report, then clean up
        failed += 1
        print(f"FAIL {e}")
    finally:
        tb("down", name, check=False)
        tb("down", pair, check=False)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""baton as an operator installs it (root; exits 77 when not root, or when a
baton package not made by this test is installed on the machine).

1. `cpack -G DEB` in the build directory; `dpkg -i` + `apt-get -f install`;
   the layout (`dpkg-deb -c`); `systemd-analyze verify` on both units.
2. On a 3-node testbed, each node runs the *installed* files the way the
   units start them (their ExecStart lines, through tests/e2e/service_standin.sh
   in place of systemctl), with /etc/baton, /var/lib/baton and /run/baton its
   own (tests/e2e/installed_node.sh). The cluster is formed only with
   `crm cluster init` on n1 and `crm cluster join` on n2 and n3.
3. Access: a user outside haclient is refused with one line, a haclient
   member may change the configuration.
4. A floating IP (preferring n3) and fence_netns: n3 is powered off; the
   client sees the IP answer from another node; n3 is fenced.
5. `crm cluster remove n3` leaves a 2-node cluster (two_node) that is quorate
   and still commits changes; cluster.conf identical on n1 and n2.
The package is purged at the end (also on failure) and everything made here
is removed.
Prints "ok|FAIL name detail" per check and "N passed, M failed".
"""
import glob
import grp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TB = os.path.join(REPO, "tests", "testbed", "testbed")
BIN = os.environ.get("BATON_BIN_DIR", os.path.join(REPO, "build", "bin"))
BUILD = os.environ.get("BATON_BUILD_DIR", os.path.dirname(BIN))
NODE = os.path.join(REPO, "tests", "e2e", "installed_node.sh")
STANDIN = os.path.join(REPO, "tests", "e2e", "service_standin.sh")
PROBE = os.path.join(REPO, "bench", "vip_probe.py")
VIP = "198.18.0.100"
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")
    sys.stdout.flush()
    return ok


def run(args, timeout=60, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kw)


def wait_for(pred, timeout, step=0.3):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


class Installed:
    """The testbed with installed-package nodes."""

    def __init__(self, name, root):
        self.name, self.root = name, root
        self.env = dict(os.environ, BATON_SERVICE_CMD=STANDIN,
                        BATON_FENCED_EXTRA_ARGS=f"--agents-dir {REPO}/agents/fence")
        self.env.pop("BATON_SOCKET", None)
        self.env.pop("BATON_NODE_DIR", None)
        self.pids = []

    def node(self, i, *args, timeout=60, user=None):
        cmd = [NODE, self.name, i, self.root]
        if user:
            cmd += ["setpriv", f"--reuid={user[0]}", f"--regid={user[1]}", "--clear-groups"]
        return run(cmd + list(args), timeout=timeout, env=self.env)

    def crm(self, i, *args, timeout=60, user=None):
        return self.node(i, "/usr/sbin/crm", *args, timeout=timeout, user=user)

    def prepare(self, i):
        gid = grp.getgrnam("haclient").gr_gid
        for sub, mode in (("etc", 0o755), ("lib", 0o750), ("run", 0o750)):
            d = os.path.join(self.root, f"n{i}", sub)
            os.makedirs(d, exist_ok=True)
            os.chown(d, 0, gid if sub != "etc" else 0)
            os.chmod(d, mode)

    def conf(self, i):
        try:
            with open(os.path.join(self.root, f"n{i}", "etc", "cluster.conf")) as f:
                return f.read()
        except OSError:
            return ""

    def log(self, i):
        out = ""
        for unit in ("baton-crmd", "baton-fenced"):
            try:
                with open(os.path.join(self.root, f"n{i}", "lib", f"{unit}.log")) as f:
                    out += f"--- n{i} {unit}\n" + f.read()[-4000:]
            except OSError:
                pass
        return out


def package_and_install():
    """Returns the .deb's path; installs it."""
    for old in glob.glob(os.path.join(BUILD, "baton_*.deb")):
        os.unlink(old)
    r = run(["cpack", "-G", "DEB"], timeout=900, cwd=BUILD)
    debs = glob.glob(os.path.join(BUILD, "baton_*.deb"))
    if not check("cpack -G DEB makes a package", r.returncode == 0 and len(debs) == 1, r.stdout[-500:] + r.stderr[-500:]):
        return None
    deb = debs[0]
    info = run(["dpkg-deb", "-I", deb]).stdout
    check("Depends come from shlibdeps (libc6, librocksdb, libgrpc++)",
          all(x in info for x in ("libc6", "librocksdb", "libgrpc++")), info)
    check("Conflicts/Replaces crmsh (one /usr/sbin/crm)", "Conflicts: crmsh" in info and "Replaces: crmsh" in info, info)
    listing = run(["dpkg-deb", "-c", deb]).stdout
    for path in ("./usr/sbin/baton-crmd", "./usr/sbin/baton-fenced", "./usr/sbin/crm",
                 "./usr/lib/baton/tools/crm_attribute -> ../../../sbin/crm", "./usr/lib/baton/tools/baton-garp",
                 "./usr/lib/ocf/resource.d/baton/IPaddr", "./usr/lib/ocf/resource.d/baton/Stateful",
                 "./etc/baton/cluster.conf.example", "./lib/systemd/system/baton-crmd.service",
                 "./lib/systemd/system/baton-fenced.service",
                 "./usr/share/doc/baton/examples/pgsql/prepare-node.sh",
                 "./usr/share/doc/baton/examples/pgsql/pgsql.crm"):
        check(f"package holds {path}", path in listing)
    check("package leaves fence_netns and crm_simulate out",
          "fence_netns" not in listing and "sbin/crm_simulate" not in listing)
    r = run(["dpkg", "-i", deb], timeout=300)
    if r.returncode != 0:
        run(["apt-get", "-f", "install", "-y", "-qq"], timeout=600)
    r2 = run(["dpkg", "-s", "baton"])
    check("dpkg -i (+ apt-get -f install) installs it", "Status: install ok installed" in r2.stdout,
          r.stdout[-400:] + r.stderr[-400:])
    check("postinst made the haclient group", run(["getent", "group", "haclient"]).returncode == 0)
    st = os.stat("/var/lib/baton")
    check("/var/lib/baton is 0750 root:haclient",
          oct(st.st_mode & 0o777) == "0o750" and st.st_gid == grp.getgrnam("haclient").gr_gid, oct(st.st_mode))
    st = os.stat("/run/baton")
    check("/run/baton (the sockets) is 0750 root:haclient",
          oct(st.st_mode & 0o777) == "0o750" and st.st_gid == grp.getgrnam("haclient").gr_gid, oct(st.st_mode))
    check("tmpfiles.d makes /run/baton at boot", os.path.exists("/usr/lib/tmpfiles.d/baton.conf"))
    units = ["/lib/systemd/system/baton-fenced.service", "/lib/systemd/system/baton-crmd.service"]
    v = run(["systemd-analyze", "verify", *units], timeout=60)
    # Without systemd as PID 1 (a container) verify may still print its own
    # environment's complaints; ours would name the unit files.
    ours = [line for line in (v.stdout + v.stderr).splitlines() if "baton-" in line]
    check("systemd-analyze verify: both units clean", not ours, "\n".join(ours))
    return deb


def form_cluster(c):
    for i in (1, 2, 3):
        c.prepare(i)
    r = c.crm(1, "cluster", "init", "--name", "n1", "--addr", "198.18.0.1", "--addr", "198.19.0.1",
              "--cluster-name", c.name, timeout=120)
    m = re.search(r"crm cluster join -c (\S+) --token (\S+)", r.stdout)
    if not check("crm cluster init on n1 prints the join command", r.returncode == 0 and m,
                 r.stdout + r.stderr + c.log(1)):
        return False
    key = os.stat(os.path.join(c.root, "n1", "etc", "authkey"))
    check("authkey is 0400", oct(key.st_mode & 0o777) == "0o400", oct(key.st_mode))
    show = c.crm(1, "configure", "show").stdout
    check("init set rsc_defaults resource-stickiness=1",
          re.search(r"rsc_defaults.*?resource-stickiness=1", show, re.S), show)
    again = c.crm(1, "cluster", "init", "--name", "n1", "--addr", "198.18.0.1", "--addr", "198.19.0.1")
    check("a second init is refused, nothing changed", again.returncode != 0 and "already" in again.stderr,
          again.stderr)
    bad = c.crm(2, "cluster", "join", "-c", m.group(1), "--token", m.group(2)[:-1] + ("0" if m.group(2)[-1] != "0" else "1"),
                "--name", "n2", "--addr", "198.18.0.2", "--addr", "198.19.0.2")
    check("join with a wrong token is refused and writes nothing",
          bad.returncode != 0 and not c.conf(2), bad.stdout + bad.stderr)
    for i in (2, 3):
        r = c.crm(i, "cluster", "join", "-c", m.group(1), "--token", m.group(2), "--name", f"n{i}",
                  "--addr", f"198.18.0.{i}", "--addr", f"198.19.0.{i}", timeout=120)
        check(f"crm cluster join on n{i}", r.returncode == 0, r.stdout + r.stderr + c.log(1) + c.log(i))
    online = lambda: all("Online: [ n1 n2 n3 ]" in c.crm(i, "status").stdout for i in (1, 2, 3))
    ok = check("all three online on every node", wait_for(online, 60), c.crm(1, "status").stdout + c.log(1))
    confs = [c.conf(i) for i in (1, 2, 3)]
    check("cluster.conf identical on the three nodes, 3 nodes, config_version 2",
          confs[0] == confs[1] == confs[2] and confs[0].count("node {") == 3 and "config_version: 2" in confs[0],
          confs[0])
    votes = c.crm(1, "cluster", "status").stdout
    check("expected votes followed the joins (3)", re.search(r"Votes: 3 of 3 expected, quorum 2 \(quorate\)", votes),
          votes)
    return ok


def access(c):
    nobody = (65534, 65534)
    r = c.crm(1, "configure", "property", "maintenance-mode=false", user=nobody)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    check("a user outside haclient cannot change the cluster, and is told why in one line",
          r.returncode != 0 and len(lines) == 1 and "haclient" in lines[0], r.stdout + r.stderr)
    r = c.crm(1, "status", user=nobody)
    check("... nor read its status", r.returncode != 0 and "haclient" in r.stderr, r.stdout + r.stderr)
    member = (65534, grp.getgrnam("haclient").gr_gid)
    r = c.crm(1, "configure", "property", "cluster-recheck-interval=2min", user=member)
    show = c.crm(2, "configure", "show").stdout
    check("a haclient member can", r.returncode == 0 and "cluster-recheck-interval=2min" in show,
          r.stdout + r.stderr + show)


def failover(c):
    r1 = c.crm(1, "configure", "primitive", "fence-tb", "stonith:fence_netns", "params", f"testbed={c.name}",
               "pcmk_host_list=n1 n2 n3", "pcmk_reboot_action=off")
    r2 = c.crm(1, "configure", "primitive", "vip", "ocf:baton:IPaddr", "params", f"ip={VIP}", "cidr_netmask=24",
               "op", "monitor", "interval=2s", "timeout=5s")
    r3 = c.crm(1, "configure", "location", "vip-on-n3", "vip", "100:", "n3")
    check("fencing device, VIP and location configured", all(r.returncode == 0 for r in (r1, r2, r3)),
          r1.stderr + r2.stderr + r3.stderr)
    for i in (1, 2, 3):
        p = subprocess.Popen(["ip", "netns", "exec", f"{c.name}-n{i}", "python3", "-c", RESPONDER, f"n{i}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        c.pids.append(p)
    started = wait_for(lambda: re.search(r"vip\s.*Started n3", c.crm(1, "status").stdout), 60)
    if not check("the VIP runs on n3", started, c.crm(1, "status").stdout + c.log(3)):
        return
    r = run(["ip", "netns", "exec", f"{c.name}-client", "python3", PROBE, VIP, 7000,
             f"{TB} power {c.name} 3 off >/dev/null", 5, 1, 30], timeout=90)
    m = re.search(r"failover_ms=(\d+) from=(\S+) to=(\S+)", r.stdout)
    check("power-off of n3: the client is answered by another node", m and m.group(2) == "n3" and m.group(3) != "n3",
          r.stdout + r.stderr + c.log(1) + c.log(2))
    if m:
        print(f"     failover_ms={m.group(1)} (installed package, token 500)")
    fenced = wait_for(lambda: "n3" in c.crm(1, "history", "fencing").stdout or
                      "n3" in c.crm(2, "history", "fencing").stdout, 30)
    check("n3 was fenced", fenced, c.log(1) + c.log(2))


def remove(c):
    r = c.crm(1, "cluster", "remove", "n3", timeout=60)
    check("crm cluster remove n3", r.returncode == 0, r.stdout + r.stderr + c.log(1) + c.log(2))
    confs = [c.conf(i) for i in (1, 2)]
    check("cluster.conf on n1 and n2: identical, two nodes, two_node", confs[0] == confs[1]
          and confs[0].count("node {") == 2 and "two_node: 1" in confs[0] and "name: n3" not in confs[0], confs[0])
    status = c.crm(2, "cluster", "status").stdout
    check("2-node quorum: 2 of 2 votes, quorum 1 (two_node), quorate",
          re.search(r"Votes: 2 of 2 expected, quorum 1 \(quorate\)", status), status)
    r = c.crm(2, "configure", "property", "cluster-recheck-interval=3min")
    check("the 2-node cluster still commits changes", r.returncode == 0, r.stdout + r.stderr)
    again = c.crm(1, "cluster", "remove", "n2")
    check("removing an online node is refused with the reason", again.returncode != 0 and "online" in again.stderr,
          again.stdout + again.stderr)


RESPONDER = r'''
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000)); s.listen(64)
while True:
    c, _ = s.accept(); c.sendall(sys.argv[1].encode() + b"\n"); c.close()
'''


def main():
    if os.geteuid() != 0:
        print("skipped: needs root (installs the package and builds a testbed)")
        return 77
    state = run(["dpkg-query", "-W", "-f=${Status}", "baton"]).stdout
    if "installed" in state and "not-installed" not in state:
        print("skipped: a baton package is already installed on this machine; this test will not replace it")
        return 77
    for tool in ("cpack", "systemd-analyze", "setpriv", "unshare"):
        if shutil.which(tool) is None:
            print(f"FAIL {tool} is not installed (scripts/deps.sh installs it)")
            return 1
    name = f"ins{os.getpid() % 100000}"
    root = tempfile.mkdtemp(prefix="baton-installed-")
    made = [d for d in ("/run/baton", "/var/lib/baton", "/etc/baton") if not os.path.exists(d)]
    made_group = run(["getent", "group", "haclient"]).returncode != 0
    c = Installed(name, root)
    try:
        if package_and_install() is None:
            return 1
        os.makedirs("/run/baton", exist_ok=True)
        r = run([TB, "up", name, "--nodes", 3], timeout=120)
        if not check("testbed up", r.returncode == 0, r.stderr):
            return 1
        if form_cluster(c):
            access(c)
            failover(c)
            remove(c)
    finally:
        for p in c.pids:
            p.kill()
            p.wait()
        for i in (1, 2, 3):
            c.node(i, STANDIN, "stop", timeout=120)
        run([TB, "down", name], timeout=120)
        run(["dpkg", "--purge", "baton"], timeout=300)
        shutil.rmtree(root, ignore_errors=True)
        for d in made:  # what the package and this test made, and no one had before
            shutil.rmtree(d, ignore_errors=True)
        if made_group:
            run(["groupdel", "haclient"])
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

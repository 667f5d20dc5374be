"""A PostgreSQL cluster on the netns testbed, run by baton through the
unmodified PAF agent (ocf:heartbeat:pgsqlms): shared by tests/e2e/pgsql_test.py
and bench/pgsql_failover.py.

Each node has its own /var/lib/postgresql and /run/postgresql (testbed
--private-dir), prepared by packaging/examples/pgsql/prepare-node.sh and
configured by its apply-config.sh, as an operator would. A client in the
client namespace writes through the VIP with bench/pgwriter.py.
"""
import glob
import hashlib
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TB = os.path.join(REPO, "tests", "testbed", "testbed")
BIN = os.environ.get("BATON_BIN_DIR", os.path.join(REPO, "build", "bin"))
RUN = os.environ.get("BATON_TESTBED_RUN", "/run/baton-testbed")
EXAMPLE = os.path.join(REPO, "packaging", "examples", "pgsql")
WRITER = os.path.join(REPO, "bench", "pgwriter.py")
PG_BIN = "/usr/lib/postgresql/15/bin"
PGDATA = "/var/lib/postgresql/15/baton"
AGENT = "/usr/lib/ocf/resource.d/heartbeat/pgsqlms"
VIP = "198.18.0.100"
PAF_PACKAGE = "resource-agents-paf"


def run(args, timeout=60, **kw):
    try:
        return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(args, 124, e.stdout or "", (e.stderr or "") + " (timeout)")


def wait_for(pred, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while True:
        try:
            v = pred()
        except Exception:  # a node restarting, a half-written file: ask again
            v = None
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def missing_prerequisites():
    """Why the PostgreSQL drills cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for f in (f"{PG_BIN}/postgres", f"{PG_BIN}/pg_basebackup", AGENT):
        if not os.path.exists(f):
            return f"{f} missing (scripts/deps.sh installs postgresql-15 and resource-agents-paf)"
    try:
        import pwd
        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres user (the postgresql package creates it)"
    return None


def paf_unmodified():
    """(ok, detail): every file of the PAF package matches dpkg's md5sums."""
    sums = f"/var/lib/dpkg/info/{PAF_PACKAGE}.md5sums"
    try:
        lines = open(sums).read().split("\n")
    except OSError as e:
        return False, f"{sums}: {e.strerror}"
    checked, bad = [], []
    for line in lines:
        if not line.strip():
            continue
        digest, path = line.split(None, 1)
        path = "/" + path.strip()
        if "/ocf/" not in path:
            continue
        try:
            with open(path, "rb") as f:
                if hashlib.md5(f.read()).hexdigest() != digest:
                    bad.append(path)
        except OSError:
            bad.append(path)
        checked.append(path)
    if AGENT not in checked:
        return False, f"{AGENT} is not listed in {sums}"
    return not bad, f"{len(checked)} agent files checked" + (f"; changed: {bad}" if bad else "")


class PgCluster:
    def __init__(self, name, nodes=3, mode="sync"):
        self.name, self.n, self.mode = name, nodes, mode
        self.dir = os.path.join(RUN, name)
        self.writer = None
        self.writer_out = None

    # --- the testbed ---
    def tb(self, *args, timeout=60):
        return run([TB, *args], timeout=timeout)

    def must(self, *args, timeout=120):
        r = self.tb(*args, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"testbed {' '.join(map(str, args))}: rc={r.returncode} {r.stdout.strip()} "
                               f"{r.stderr.strip()}")
        return r.stdout

    def node_dir(self, i):
        return os.path.join(self.dir, f"n{i}")

    def powered_on(self, i):
        return not os.path.exists(os.path.join(self.node_dir(i), "powered-off"))

    def pid(self, i, daemon="baton-crmd"):
        try:
            with open(os.path.join(self.node_dir(i), f"{daemon}.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def live(self):
        return [i for i in range(1, self.n + 1) if self.powered_on(i) and self.pid(i)]

    def tools_env(self, i):
        path = f"{BIN}/tools:{BIN}:" + os.environ.get("PATH", "/usr/bin:/bin")
        return dict(os.environ, BATON_NODE_DIR=self.node_dir(i), PATH=path)

    def node_sh(self, i, *args, timeout=120):
        """A command in node i's namespace and private directories (testbed exec)."""
        return self.tb("exec", self.name, i, *args, timeout=timeout)

    def crm(self, i, *args, timeout=30):
        return self.tb("crm", self.name, i, *args, timeout=timeout)

    # --- state ---
    def mon(self, i):
        r = run([os.path.join(BIN, "tools", "crm_mon"), "-1", "--output-as=xml"], timeout=10, env=self.tools_env(i))
        if r.returncode != 0 or not r.stdout.strip():
            return None
        root = ET.fromstring(r.stdout)
        dc = root.find("summary/current_dc")
        out = {"quorum": dc is not None and dc.get("with_quorum") == "true", "nodes": {}, "rsc": {}, "failed": set()}
        for n in root.findall("nodes/node"):
            out["nodes"][n.get("name")] = n.get("online") == "true" and n.get("unclean") != "true"
        for r_ in root.iter("resource"):
            out["rsc"].setdefault(r_.get("id"), []).extend(
                (x.get("name"), r_.get("role")) for x in r_.findall("node"))
            if r_.get("failed") == "true":
                out["failed"].add(r_.get("id"))
        return out

    def roles(self, i=None):
        """{node: role} of pgsqld instances according to node i (default: first live)."""
        for k in ([i] if i else self.live()):
            m = self.mon(k)
            if m:
                return {node: role for node, role in m["rsc"].get("pgsqld", [])}
        return None

    def primaries(self, i=None):
        r = self.roles(i) or {}
        return sorted(n for n, role in r.items() if role in ("Promoted", "Master"))

    def failed(self, i=None):
        """Resources crm_mon shows as failed (a failed operation not yet recovered), per node i."""
        for k in ([i] if i else self.live()):
            m = self.mon(k)
            if m:
                return m["failed"]
        return None

    def vip_holders(self):
        out = []
        for i in range(1, self.n + 1):
            if not self.powered_on(i):
                continue
            r = run(["ip", "-n", f"{self.name}-n{i}", "-o", "addr", "show", "dev", "lan0"], timeout=5)
            if f" {VIP}/" in r.stdout:
                out.append(f"n{i}")
        return out

    def in_recovery(self, i):
        """True/False from node i's own PostgreSQL, None if it does not answer."""
        r = self.node_sh(i, "runuser", "-u", "postgres", "--", f"{PG_BIN}/psql",
                         "-h", "/run/postgresql", "-XAtqc", "SELECT pg_is_in_recovery()", timeout=10)
        if r.returncode != 0:
            return None
        return r.stdout.strip() == "t"

    def healthy(self, want_standbys):
        """One primary holding the VIP, the others Unpromoted, according to every live node."""
        names = [f"n{i}" for i in range(1, self.n + 1)]
        for k in self.live():
            m = self.mon(k)
            if not m or not m["quorum"]:
                return False
            r = {node: role for node, role in m["rsc"].get("pgsqld", [])}
            prim = [x for x, role in r.items() if role in ("Promoted", "Master")]
            stby = [x for x, role in r.items() if role in ("Unpromoted", "Slave", "Started")]
            if len(prim) != 1 or len(stby) < want_standbys or m["failed"]:
                return False
            vip = m["rsc"].get("pgsql-vip", [])
            if [x for x, _ in vip] != prim:
                return False
            if any(not m["nodes"].get(x) for x in names if self.powered_on(int(x[1:]))):
                return False
        return True

    # --- lifecycle ---
    def up(self):
        self.must("up", self.name, "--nodes", self.n, "--private-dir", "/var/lib/postgresql",
                  "--private-dir", "/run/postgresql")
        prep = os.path.join(EXAMPLE, "prepare-node.sh")
        own = lambda i: f"198.18.0.{i} 198.19.0.{i}"  # noqa: E731
        common = ["--vip", VIP, "--lan", "198.18.0.0/24", f"--{self.mode}"]
        r = self.node_sh(1, prep, "--node", "n1", "--own-ips", own(1), "--primary", *common)
        if r.returncode != 0:
            raise RuntimeError(f"prepare n1: {r.stdout}{r.stderr}")
        for i in range(2, self.n + 1):
            r = self.node_sh(i, prep, "--node", f"n{i}", "--own-ips", own(i), "--from", "198.18.0.1", *common)
            if r.returncode != 0:
                raise RuntimeError(f"prepare n{i}: {r.stdout}{r.stderr}")
        r = self.node_sh(1, "runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", PGDATA, "-m", "fast", "-w",
                         "stop")
        if r.returncode != 0:
            raise RuntimeError(f"stopping n1's setup instance: {r.stdout}{r.stderr}")
        for i in range(1, self.n + 1):
            self.must("start", self.name, i)
        names = [f"n{i}" for i in range(1, self.n + 1)]
        if not wait_for(lambda: all((m := self.mon(k)) and m["quorum"] and all(m["nodes"].get(x) for x in names)
                                    for k in range(1, self.n + 1)), 30):
            raise RuntimeError("nodes not all Online within 30 s")

    def configure(self, extra=()):
        """Fencing, then the example's configuration as one change, then `extra` crm commands."""
        hosts = " ".join(f"n{i}" for i in range(1, self.n + 1))
        for cmd in (["primitive", "fence-tb", "stonith:fence_netns", "params", f"testbed={self.name}",
                     f"pcmk_host_list={hosts}"], ["property", "no-quorum-policy=stop"], *extra):
            r = self.crm(1, "configure", *cmd)
            if r.returncode != 0:
                raise RuntimeError(f"crm configure {' '.join(cmd)}: {r.stdout}{r.stderr}")
        r = run(["ip", "netns", "exec", f"{self.name}-n1", os.path.join(EXAMPLE, "apply-config.sh"), "--vip", VIP,
                 "--cidr", "24", "--nodes", self.n], timeout=60, env=self.tools_env(1))
        if r.returncode != 0:
            raise RuntimeError(f"apply-config.sh: {r.stdout}{r.stderr}")

    def start_writer(self, out):
        self.writer_out = out
        self.writer = subprocess.Popen(["ip", "netns", "exec", f"{self.name}-client", sys.executable, WRITER, VIP,
                                        "--out", out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop_writer(self):
        if self.writer and self.writer.poll() is None:
            self.writer.terminate()
            try:
                self.writer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.writer.kill()
                self.writer.wait()
        self.writer = None

    def acks(self):
        """[(seq, monotonic_s)] acknowledged so far."""
        out = []
        try:
            with open(self.writer_out) as f:
                for line in f:
                    p = line.split()
                    if len(p) == 2:
                        out.append((int(p[0]), int(p[1]) / 1e9))
        except OSError:
            pass
        return out

    def check_writes(self):
        """(ok, text): every acknowledged row is present through the VIP."""
        r = run(["ip", "netns", "exec", f"{self.name}-client", sys.executable, WRITER, VIP, "--check",
                 self.writer_out], timeout=30)
        return r.returncode == 0, (r.stdout + r.stderr).strip()

    def rejoin(self, i):
        """Old primary i (powered off) back as a standby, as an operator would bring it back: pg_rewind
        of its data from the current primary through the VIP, standby.signal, power on. An error, or None."""
        target = os.path.join(self.node_dir(i), "root") + PGDATA
        # pg_rewind first finishes the target's crash recovery in single-user
        # mode, which refuses to run as a standby.
        for f in ("standby.signal", "recovery.signal"):
            try:
                os.unlink(os.path.join(target, f))
            except FileNotFoundError:
                pass
        r = run(["ip", "netns", "exec", f"{self.name}-client", "runuser", "-u", "postgres", "--",
                 f"{PG_BIN}/pg_rewind", "--target-pgdata", target,
                 f"--source-server=host={VIP} user=postgres dbname=postgres"], timeout=120)
        if r.returncode != 0 and "no rewind required" not in (r.stdout + r.stderr):
            return f"pg_rewind: {(r.stdout + r.stderr).strip()[-500:]}"
        run(["runuser", "-u", "postgres", "--", "touch", os.path.join(target, "standby.signal")])
        self.must("power", self.name, i, "on")
        return None

    def keep_logs(self, dst):
        os.makedirs(dst, exist_ok=True)
        for i in range(1, self.n + 1):
            for f in ("baton-crmd.log", "baton-fenced.log"):
                src = os.path.join(self.node_dir(i), f)
                if os.path.exists(src):
                    subprocess.run(["cp", src, os.path.join(dst, f"n{i}-{f}")], check=False)
            for log in glob.glob(os.path.join(self.node_dir(i), "root", "var", "lib", "postgresql", "15", "baton",
                                              "log", "*")):
                subprocess.run(["cp", log, os.path.join(dst, f"n{i}-pg-{os.path.basename(log)}")], check=False)

    def down(self):
        self.stop_writer()
        self.tb("down", self.name, timeout=180)

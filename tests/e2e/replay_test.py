"""Messages between nodes are useless when captured (issue 11, item 4), on the
netns testbed (root; exits 77 when not root).

A 3-node cluster with a fence_netns device. An AF_PACKET socket on n1's port
of the LAN bridge records everything n1 sends from the start: heartbeats to
n2 and n3, its crmd frames to them, and a signed Fence(reboot n3) that the
test sends from n1's namespace to n2's fencer the way a peer fencer does
(HMAC over the call, n2's name and nonce, a request id) - n3 is power-cycled
once. Then, from the client namespace (198.18.0.200) and from n1's own
namespace (a local user on n1, who owns n1's address), the recorded bytes are
sent again to their receiver n2 and to every other node, at once and after
n2's daemons restarted. Nothing may change: no fencing (history, n3's crmd
still the same process), no view change (ring ids), no CIB change (epochs,
configuration). Unsigned Fence and ListDevices from the client are refused.
The refusals are logged, once per kind and source.

Prints "ok|FAIL name detail" per check and "N passed, M failed".
"""
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TB = os.path.join(REPO, "tests", "testbed", "testbed")
BIN = os.environ.get("BATON_BIN_DIR", os.path.join(REPO, "build", "bin"))
RUN = os.environ.get("BATON_TESTBED_RUN", "/run/baton-testbed")
CRMD_PORT, FENCED_PORT = 5405, 5415
LAN = "198.18.0"

passed = failed = 0

# Runs in the LAN bridge's namespace: every frame through port n1 (both
# directions), as u32 length + frame, until killed.
SNIFFER = r'''
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[2], 0))
with open(sys.argv[1], "wb", buffering=0) as out:
    while True:
        f = s.recv(65535)
        out.write(struct.pack(">I", len(f)) + f)
'''

# Runs in the client's (or a node's) namespace: sends what a JSON file lists.
REPLAYER = r'''
import json, socket, sys, time
jobs = json.load(open(sys.argv[1]))
for j in jobs:
    data = [bytes.fromhex(h) for h in j["payloads"]]
    if j["proto"] == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for d in data:
            s.sendto(d, (j["dst"], j["port"]))
        s.close()
        continue
    for d in data:  # one recorded TCP stream per entry, on a new connection
        try:
            s = socket.create_connection((j["dst"], j["port"]), timeout=2)
            s.sendall(d)
            end = time.time() + 1.0
            s.settimeout(0.2)
            while time.time() < end:
                try:
                    if not s.recv(65536):
                        break
                except socket.timeout:
                    pass
            s.close()
        except OSError as e:
            print(f"{j['dst']}:{j['port']}: {e}")
'''


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name} {detail}", flush=True)


def run(args, timeout=30, **kw):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(args, 124, e.stdout or "", e.stderr or "")


def wait_for(pred, timeout, step=0.3):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


class Bed:
    def __init__(self, name, n):
        self.name, self.n = name, n
        self.dir = os.path.join(RUN, name)

    def tb(self, *args, timeout=60):
        return run([TB, *map(str, args)], timeout=timeout)

    def must(self, *args, timeout=60):
        r = self.tb(*args, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"testbed {' '.join(map(str, args))}: {r.stdout}{r.stderr}")
        return r.stdout

    def crm(self, i, *args, timeout=30):
        return self.tb("crm", self.name, i, *args, timeout=timeout)

    def node_dir(self, i):
        return os.path.join(self.dir, f"n{i}")

    def ns(self, i):
        return f"{self.name}-{i}" if i in ("client", "lan") else f"{self.name}-n{i}"

    def log(self, i, which):
        try:
            with open(os.path.join(self.node_dir(i), f"baton-{which}.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def crmd_pid(self, i):
        try:
            with open(os.path.join(self.node_dir(i), "baton-crmd.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def ring(self, i):
        r = self.crm(i, "cluster", "status", timeout=10)
        m = re.search(r"Ring ID: (\d+\.\d+)", r.stdout)
        return m.group(1) if m else None

    def online_everywhere(self):
        for i in range(1, self.n + 1):
            r = self.crm(i, "cluster", "status", timeout=10)
            if r.returncode != 0 or "(quorate)" not in r.stdout:
                return False
            m = re.search(r"Online: \[ (.*?) \]", r.stdout)
            if not m or len(m.group(1).split()) != self.n:
                return False
        return True

    def cib_version(self, i):
        env = dict(os.environ, BATON_NODE_DIR=self.node_dir(i))
        r = run([os.path.join(BIN, "tools", "cibadmin"), "-Q"], timeout=10, env=env)
        if r.returncode != 0:
            return None
        root = ET.fromstring(r.stdout)
        return (root.get("admin_epoch"), root.get("epoch"))

    def fence_history(self, i):
        r = self.crm(i, "history", "fencing", timeout=15)
        return [l for l in r.stdout.splitlines() if " of n" in l]

    def snapshot(self):
        return {
            "rings": [self.ring(i) for i in range(1, self.n + 1)],
            "cib": [self.cib_version(i) for i in range(1, self.n + 1)],
            "config": [self.crm(i, "configure", "show").stdout for i in range(1, self.n + 1)],
            "history": [len(self.fence_history(i)) for i in range(1, self.n + 1)],
            "crmd_pids": [self.crmd_pid(i) for i in range(1, self.n + 1)],
        }


# --- the recording -----------------------------------------------------------

def read_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    at = 0
    while at + 4 <= len(data):
        (n,) = struct.unpack(">I", data[at:at + 4])
        if at + 4 + n > len(data):
            break
        yield data[at + 4:at + 4 + n]
        at += 4 + n


def parse(path):
    """UDP payloads by (src, dst, dport); TCP streams by (src, sport, dst, dport), in order."""
    udp, tcp = {}, {}
    for f in read_frames(path):
        if len(f) < 34 or f[12:14] != b"\x08\x00":
            continue
        ip = f[14:]
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        src, dst, proto = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20])), ip[9]
        l4 = ip[ihl:total]
        if proto == 17 and len(l4) >= 8:
            dport = struct.unpack(">H", l4[2:4])[0]
            udp.setdefault((src, dst, dport), []).append(l4[8:])
        elif proto == 6 and len(l4) >= 20:
            sport, dport, seq = struct.unpack(">HHI", l4[0:8])
            payload = l4[(l4[12] >> 4) * 4:]
            if payload:
                tcp.setdefault((src, sport, dst, dport), {})[seq] = payload
    streams = {}
    for key, segs in tcp.items():
        first = min(segs)
        out, want = b"", first
        for seq in sorted(segs):
            if seq == want:
                out += segs[seq]
                want = seq + len(segs[seq])
        streams[key] = out
    return udp, streams


# --- gRPC by hand (curl speaks HTTP/2) ------------------------------------------

def pb_str(field, s):
    b = s.encode()
    return bytes([field << 3 | 2, len(b)]) + b


def pb_varint(field, v):
    out = bytes([field << 3])
    while True:
        byte = v & 0x7F
        v >>= 7
        out += bytes([byte | (0x80 if v else 0)])
        if not v:
            return out


def grpc_call(bed, ns, dst, method, body, headers=(), timeout=60):
    """curl from namespace `ns`; returns (grpc-status or None, response body)."""
    tmp = tempfile.mkdtemp(prefix="replay-grpc-")
    try:
        with open(os.path.join(tmp, "req"), "wb") as f:
            f.write(b"\0" + struct.pack(">I", len(body)) + body)
        args = ["ip", "netns", "exec", ns, "curl", "-s", "--http2-prior-knowledge", "--max-time", str(timeout),
                "-o", os.path.join(tmp, "resp"), "-D", os.path.join(tmp, "headers"),
                "-H", "content-type: application/grpc", "-H", "te: trailers"]
        for h in headers:
            args += ["-H", h]
        args += ["--data-binary", "@" + os.path.join(tmp, "req"),
                 f"http://{dst}:{FENCED_PORT}/baton.fencing.Fencer/{method}"]
        run(args, timeout=timeout + 5)
        hdrs = open(os.path.join(tmp, "headers"), errors="replace").read() if os.path.exists(
            os.path.join(tmp, "headers")) else ""
        resp = open(os.path.join(tmp, "resp"), "rb").read() if os.path.exists(os.path.join(tmp, "resp")) else b""
        m = re.search(r"grpc-status: *(\d+)", hdrs, re.I)
        return (int(m.group(1)) if m else None), resp[5:]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def pb_fields(data):
    """Length-delimited fields of a flat message: {field: bytes}."""
    out, at = {}, 0
    while at < len(data):
        key = data[at]
        at += 1
        if key & 7 != 2:
            break
        n = data[at]
        at += 1
        out[key >> 3] = data[at:at + n]
        at += n
    return out


def signed_fence(bed, key):
    """n1 -> n2's fencer: Fence(reboot n3), signed as baton-fenced signs peer calls."""
    _, hello = grpc_call(bed, bed.ns(1), f"{LAN}.2", "Hello", b"", timeout=10)
    fields = pb_fields(hello)
    node, nonce = fields.get(1, b"").decode(), fields.get(2, b"").decode()
    if node != "n2" or not nonce:
        raise RuntimeError(f"Hello from n2's fencer: {hello!r}")
    body = pb_str(1, "n3") + pb_str(2, "reboot") + pb_varint(3, 30000) + pb_str(6, "replay-test") + pb_varint(7, 1)
    rid, ts = secrets.token_hex(16), str(int(time.time() * 1000))
    data = "".join(f"{x}\n" for x in ("call", "Fence", "n1", "n2", nonce, rid, ts)).encode() + body
    mac = hmac.new(key, data, hashlib.sha256).hexdigest()
    headers = [f"x-baton-node: n1", "x-baton-to: n2", f"x-baton-nonce: {nonce}", f"x-baton-rid: {rid}",
               f"x-baton-ts: {ts}", f"x-baton-mac: {mac}"]
    return grpc_call(bed, bed.ns(1), f"{LAN}.2", "Fence", body, headers, timeout=60)


# --- the test --------------------------------------------------------------------

def replay(bed, tmp, jobs, ns):
    path = os.path.join(tmp, f"jobs-{ns}.json")
    with open(path, "w") as f:
        json.dump(jobs, f)
    r = run(["ip", "netns", "exec", ns, "python3", "-c", REPLAYER, path], timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"replayer in {ns}: {r.stderr}")


def compare(bed, label, before):
    time.sleep(3)  # what a replay could set off (a view change, a fencing) shows by now
    after = bed.snapshot()
    check(f"{label}: no fencing (history)", after["history"] == before["history"],
          f"{before['history']} -> {after['history']}")
    check(f"{label}: no node restarted", after["crmd_pids"] == before["crmd_pids"],
          f"{before['crmd_pids']} -> {after['crmd_pids']}")
    check(f"{label}: no view change (ring ids)", after["rings"] == before["rings"] and None not in after["rings"],
          f"{before['rings']} -> {after['rings']}")
    check(f"{label}: no CIB change (epochs)", after["cib"] == before["cib"] and None not in after["cib"],
          f"{before['cib']} -> {after['cib']}")
    check(f"{label}: configuration unchanged", after["config"] == before["config"])


def scenario(bed, tmp):
    bed.must("up", bed.name, "--nodes", bed.n)
    capture = os.path.join(tmp, "n1.cap")
    sniffer = subprocess.Popen(["ip", "netns", "exec", bed.ns("lan"), "python3", "-c", SNIFFER, capture, "n1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bed.pids.append(sniffer)
    time.sleep(0.5)
    for i in range(1, bed.n + 1):
        bed.must("start", bed.name, i)
    if not wait_for(bed.online_everywhere, 40):
        raise RuntimeError(f"not all Online: {bed.crm(1, 'cluster', 'status').stdout}")
    r = bed.crm(1, "configure", "primitive", "fence-tb", "stonith:fence_netns", "params", f"testbed={bed.name}",
                "pcmk_host_list=n1 n2 n3")
    check("fence device configured", r.returncode == 0, r.stdout + r.stderr)
    # The crmds register it with their fencers (at once on a configuration change).
    wait_for(lambda: "fence-tb" in bed.log(2, "fenced") or "registered device" in bed.log(2, "fenced"), 20)
    time.sleep(1)

    # Unsigned calls from the client namespace (to n1: n2's and n3's refusal
    # logs are kept for the replays below).
    st, _ = grpc_call(bed, bed.ns("client"), f"{LAN}.1", "Fence", pb_str(1, "n3") + pb_str(2, "reboot"), timeout=10)
    check("unsigned Fence from the client -> UNAUTHENTICATED", st == 16, f"grpc-status {st}")
    st, _ = grpc_call(bed, bed.ns("client"), f"{LAN}.1", "ListDevices", b"", timeout=10)
    check("unsigned ListDevices from the client -> UNAUTHENTICATED", st == 16, f"grpc-status {st}")
    st, _ = grpc_call(bed, bed.ns("client"), f"{LAN}.1", "History", b"", timeout=10)
    check("unsigned History from the client -> UNAUTHENTICATED", st == 16, f"grpc-status {st}")
    check("no fencing from unsigned calls", all(bed.fence_history(i) == [] for i in (1, 2, 3)))

    # A genuine signed peer call: executed once.
    n3_pid = bed.crmd_pid(3)
    key = open(os.path.join(bed.dir, "authkey"), "rb").read()
    st, _ = signed_fence(bed, key)
    check("a signed Fence(reboot n3) from n1's address is accepted", st in (0, None), f"grpc-status {st}")
    check("n3 was power-cycled", wait_for(lambda: bed.crmd_pid(3) not in (None, n3_pid), 30))
    if not wait_for(bed.online_everywhere, 60):
        raise RuntimeError(f"n3 did not rejoin: {bed.crm(1, 'cluster', 'status').stdout}")
    time.sleep(2)
    sniffer.kill()
    sniffer.wait(timeout=5)

    udp, streams = parse(capture)
    hb = {dst: [p.hex() for p in udp.get((f"{LAN}.1", dst, CRMD_PORT), [])] for dst in (f"{LAN}.2", f"{LAN}.3")}
    frames = {dst: [s.hex() for (src, _, d, port), s in streams.items()
                    if src == f"{LAN}.1" and d == dst and port == CRMD_PORT] for dst in (f"{LAN}.2", f"{LAN}.3")}
    fence = [s.hex() for (src, _, d, port), s in streams.items()
             if src == f"{LAN}.1" and d == f"{LAN}.2" and port == FENCED_PORT]
    check("recorded heartbeats n1->n2 and n1->n3", all(len(v) > 10 for v in hb.values()),
          str({k: len(v) for k, v in hb.items()}))
    check("recorded crmd streams n1->n2 and n1->n3", all(v for v in frames.values()),
          str({k: len(v) for k, v in frames.items()}))
    check("recorded the signed Fence call", any(b"x-baton-mac" in bytes.fromhex(s) or len(s) > 200 for s in fence),
          str(len(fence)))

    def jobs():
        out = []
        for dst in (f"{LAN}.1", f"{LAN}.2", f"{LAN}.3"):  # the receiver and every other node
            for recorded in hb.values():
                out.append({"proto": "udp", "dst": dst, "port": CRMD_PORT, "payloads": recorded})
            for recorded in frames.values():
                out.append({"proto": "tcp", "dst": dst, "port": CRMD_PORT, "payloads": recorded})
            out.append({"proto": "tcp", "dst": dst, "port": FENCED_PORT, "payloads": fence})
        return out

    history_before = bed.fence_history(2)
    check("n2's history: the one reboot of n3", len(history_before) == 1, str(history_before))
    for label in ("at once", "after n2 restarted"):
        if label != "at once":
            bed.must("stop", bed.name, 2)
            bed.must("start", bed.name, 2)
            if not wait_for(bed.online_everywhere, 40):
                raise RuntimeError(f"n2 did not rejoin: {bed.crm(1, 'cluster', 'status').stdout}")
            time.sleep(2)
        before = bed.snapshot()
        replay(bed, tmp, jobs(), bed.ns("client"))
        # A local user on n1 owns n1's address: the crmd streams from there.
        replay(bed, tmp, [j for j in jobs() if j["proto"] == "tcp" and j["port"] == CRMD_PORT and
                          j["dst"] != f"{LAN}.1"], bed.ns(1))
        compare(bed, label, before)
        client = re.escape(f"{LAN}.200")
        n1 = re.escape(f"{LAN}.1")
        check(f"{label}: n2's crmd refused the client's connections",
              re.search(rf"refused connection from {client}", bed.log(2, "crmd")))
        check(f"{label}: n2's crmd refused the frames replayed from n1's address",
              re.search(rf"refused frame from {n1}", bed.log(2, "crmd")))
        if label == "at once":
            check(f"{label}: n2's fencer logged the refused replay",
                  re.search(rf"refused Fence from ipv4:{client}: replayed", bed.log(2, "fenced")))
            check(f"{label}: n3's fencer refused the call addressed to n2",
                  re.search(rf"refused Fence from ipv4:{client}: .*addressed it to 'n2'", bed.log(3, "fenced")))
            check(f"{label}: n2's crmd refused the replayed heartbeats",
                  re.search(rf"refused heartbeat from {client}: replayed", bed.log(2, "crmd")))
            check(f"{label}: n3's crmd refused the heartbeats addressed to n2",
                  re.search(rf"refused heartbeat from {client}: addressed to another node", bed.log(3, "crmd")))
        else:
            check(f"{label}: n2's new fencer refused the call signed for its earlier start",
                  re.search(rf"refused Fence from ipv4:{client}: .*earlier start", bed.log(2, "fenced")))
    logged = bed.log(2, "fenced").count(f"refused Fence from ipv4:{LAN}.200")
    check("refused calls are logged rate-limited (one line per source and start)", logged == 2, str(logged))
    logged = bed.log(3, "crmd").count(f"refused heartbeat from {LAN}.200")
    check(f"{sum(map(len, hb.values())) * 6} replayed heartbeats -> at most a line a minute on n3", 1 <= logged <= 2,
          str(logged))


def main():
    if os.geteuid() != 0:
        print("skipped: needs root (network namespaces)")
        return 77
    for tool in ("curl", "ip"):
        if not shutil.which(tool):
            print(f"skipped: {tool} not installed")
            return 77
    bed = Bed(f"rp{os.getpid() % 100000}"[:8], 3)
    bed.pids = []
    tmp = tempfile.mkdtemp(prefix="replay-test-")
    try:
        scenario(bed, tmp)
    except Exception as e:
        check("scenario", False, f"exception: {type(e).__name__}: {e}")
    finally:
        if failed:
            keep = os.path.join("/tmp", "replay-test-logs")
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(bed.dir, keep, ignore=shutil.ignore_patterns("state"), dirs_exist_ok=True)
            print(f"   logs kept in {keep}")
        for p in bed.pids:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=5)
        bed.tb("down", bed.name, timeout=120)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The replicated CIB with three real baton-crmd processes on loopback.

A change made at any node (cibadmin --replace, as Pacemaker's tool) goes
through the DC, is on every node when the command returns, survives the DC's
death, reaches a node that was down or lost its state directory, survives a
full restart, and is refused without quorum, for a stale base or for bad XML,
changing nothing. Ends only the processes it started, by pid, and removes its
temporary directory, also on failure. Prints 'N passed, M failed'.
"""
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("BATON_BIN_DIR", os.path.join(HERE, "..", "..", "build", "bin"))
CIBADMIN = os.path.join(BIN, "tools", "cibadmin")

CIB = """<cib admin_epoch="0" epoch="0" num_updates="0" validate-with="pacemaker-3.9">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">
      <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes/>
    <resources>%s</resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
"""
VIP = '<primitive id="vip" class="ocf" provider="heartbeat" type="Dummy"/>'
WEB = '<primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>'


def config(port, sub):
    nodes = "".join(
        f"    node {{\n        nodeid: {i}\n        name: n{i}\n        ring0_addr: 127.{sub}.1.{i}\n    }}\n"
        for i in (1, 2, 3))
    return (f"totem {{\n    cluster_name: cibtest\n    token: 500\n    heartbeat_interval: 100\n"
            f"    port: {port}\n}}\nnodelist {{\n{nodes}}}\nquorum {{\n    provider: corosync_votequorum\n}}\n")


# The control socket speaks framed protobuf (proto/control.proto): a 4-byte
# big-endian length, then the message. The few fields this test needs are
# encoded by hand, so it needs no Python protobuf package.
def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(number, payload):  # a length-delimited field
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def read_varint(data, at):  # (value, next position)
    value, shift = 0, 0
    while True:
        b = data[at]
        at += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, at


def fields_of(data):  # {number: value} of a message's varint and length-delimited fields
    out, at = {}, 0
    while at < len(data):
        key, at = read_varint(data, at)
        value, at = read_varint(data, at) if key & 7 in (0, 2) else (None, at)
        if key & 7 == 2:
            value, at = data[at:at + value], at + value
        elif key & 7 != 0:
            raise ValueError(f"wire type {key & 7} not expected here")
        out[key >> 3] = value
    return out


def control(sock_path, request):
    """Sends one ControlRequest; returns (code, error, text) of the reply."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sock_path)
    s.sendall(struct.pack(">I", len(request)) + request)
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    (n,) = struct.unpack(">I", out[:4])
    reply = fields_of(out[4:4 + n])
    return reply.get(1, 0), reply.get(2, b"").decode(), reply.get(3, b"").decode()


STATUS = field(1, b"")  # ControlRequest.status, an empty StatusRequest


def cib_replace(xml):  # ControlRequest.cib_replace based on version 0.0.0
    return field(3, field(1, b"") + field(2, xml.encode()))


def main():
    passed = failed = 0
    procs = {}
    tmp = tempfile.mkdtemp(prefix="baton-cib-")

    def check(name, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok   {name}")
        else:
            failed += 1
            print(f"FAIL {name} {detail}")

    def sock(i):
        return os.path.join(tmp, f"n{i}", "crmd.sock")

    def start(i):
        d = os.path.join(tmp, f"n{i}")
        os.makedirs(d, exist_ok=True)
        log = open(os.path.join(d, "log"), "a")
        procs[i] = subprocess.Popen(
            [os.path.join(BIN, "baton-crmd"), "--config", os.path.join(tmp, "cluster.conf"),
             "--node", f"n{i}", "--state-dir", d], stdout=log, stderr=log)

    def stop(i):
        p = procs.pop(i, None)
        if p and p.poll() is None:
            p.kill()
            p.wait()

    def cibadmin(i, *args):
        env = dict(os.environ, BATON_SOCKET=sock(i))
        env.pop("CIB_file", None)
        return subprocess.run([CIBADMIN, *args], capture_output=True, text=True, env=env, timeout=40)

    def query(i):
        r = cibadmin(i, "-Q")
        return r.stdout if r.returncode == 0 else ""

    def version(text):
        m = re.search(r'<cib admin_epoch="(\d+)" epoch="(\d+)"', text)
        return (int(m.group(1)), int(m.group(2))) if m else None

    def dc_of(i):
        try:
            m = re.search(r"Current DC: (\S+) .*with quorum", control(sock(i), STATUS)[2])
            return m.group(1) if m else None
        except OSError:
            return None

    def wait_for(pred, limit_s):
        end = time.monotonic() + limit_s
        while time.monotonic() < end:
            if pred():
                return True
            time.sleep(0.05)
        return False

    def replace(i, resources):
        path = os.path.join(tmp, "new.xml")
        with open(path, "w") as f:
            f.write(CIB % resources)
        return cibadmin(i, "--replace", "--xml-file", path)

    try:
        port = random.randint(20000, 40000)
        sub = random.randint(10, 250)
        with open(os.path.join(tmp, "cluster.conf"), "w") as f:
            f.write(config(port, sub))
        with open(os.path.join(tmp, "authkey"), "wb") as f:
            f.write(os.urandom(32))
        os.chmod(os.path.join(tmp, "authkey"), 0o600)
        for i in (1, 2, 3):
            start(i)
            time.sleep(0.3)  # n1 runs longest, so it is the DC (membership/election.h)
        check("three nodes elect n1", wait_for(lambda: all(dc_of(i) == "n1" for i in (1, 2, 3)), 10))

        r = replace(3, VIP)
        check("a change at a non-DC node commits", r.returncode == 0, r.stderr)
        texts = {i: query(i) for i in (1, 2, 3)}
        check("every node holds it when the command returns",
              all('id="vip"' in t for t in texts.values()), str({i: version(t) for i, t in texts.items()}))
        v1 = version(texts[1])
        check("the version moved to epoch 1", v1 == (0, 1), str(v1))

        code, error, _ = control(sock(2), cib_replace(CIB % WEB))
        check("a change based on a stale version is refused",
              code == 9 and "changed since it was read" in error, f"{code} {error}")  # 9: FAILED_PRECONDITION
        r = cibadmin(2, "--replace", "--xml-text", "<cib><configuration><bogus")
        check("bad XML is refused with a reason", r.returncode != 0 and "not valid" in r.stderr, r.stderr)
        check("refusals change nothing", all(version(query(i)) == v1 and 'id="web"' not in query(i)
                                             for i in (1, 2, 3)))

        stop(1)
        check("n2 takes over as DC", wait_for(lambda: dc_of(2) == "n2" and dc_of(3) == "n2", 10))
        check("the new DC kept the change", 'id="vip"' in query(2))
        r = replace(2, VIP + WEB)
        check("changes go on under the new DC", r.returncode == 0, r.stderr)

        start(1)
        check("a node that rejoins does not take the DC role back",
              wait_for(lambda: dc_of(1) == "n2", 10) and all(dc_of(i) == "n2" for i in (1, 2, 3)),
              str([dc_of(i) for i in (1, 2, 3)]))
        check("a node that was down receives the current CIB",
              wait_for(lambda: 'id="web"' in query(1), 10), query(1)[:200])

        stop(3)
        shutil.rmtree(os.path.join(tmp, "n3"))
        start(3)
        check("a node whose state directory was deleted is resynced",
              wait_for(lambda: 'id="web"' in query(3), 10))

        before = version(query(1))
        stop(2)
        stop(3)
        check("a lone node loses quorum", wait_for(lambda: dc_of(1) is None, 10))
        r = replace(1, VIP)
        check("a change without quorum is refused", r.returncode != 0 and "quorum" in r.stderr, r.stderr)
        check("... and changes nothing", version(query(1)) == before and 'id="web"' in query(1))

        stop(1)
        for i in (1, 2, 3):
            start(i)
            time.sleep(0.3)
        check("the cluster forms again after a full restart",
              wait_for(lambda: all(dc_of(i) == "n1" for i in (1, 2, 3)), 10))
        check("a full restart keeps the configuration",
              wait_for(lambda: all('id="web"' in query(i) and version(query(i)) == before for i in (1, 2, 3)), 5),
              str([version(query(i)) for i in (1, 2, 3)]))
    finally:
        for i in list(procs):
            p = procs.pop(i)
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if failed:
            for i in (1, 2, 3):
                log = os.path.join(tmp, f"n{i}", "log")
                if os.path.exists(log):
                    print(f"--- n{i} log (tail)")
                    print("".join(open(log).readlines()[-15:]))
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes a synthetic Pacemaker CIB (XML, on stdout) for scheduler benchmarks.

usage: gencib.py NODES RESOURCES [SEED=1] [--running] > cib.xml

NODES online nodes node1..nodeN; RESOURCES ocf:pacemaker:Dummy primitives
r0..r(M-1), each with a location preference of 100 for a node picked at random
(seeded). Every 5th resource (r4, r9, ...) is colocated INFINITY with, and
ordered after, the one before it, and prefers that one's node. Without
--running nothing runs (initial placement). With --running every resource
runs on its preferred node except those preferring node1, which is offline
(it just failed): the scheduler must recover them.
"""
import argparse
import hashlib
import random
import sys
import xml.etree.ElementTree as ET

# Digest of an operation without parameters, in Pacemaker's canonical form
# (as crmd/scheduler/digest.h): recorded results then match the configuration.
EMPTY_PARAMS_DIGEST = hashlib.md5(b" <parameters/>\n").hexdigest()
FEATURE_SET = "3.16.2"


def preferences(node_count, resource_count, seed):
    """Preferred node name per resource index."""
    rng = random.Random(seed)
    names = [f"node{i}" for i in range(1, node_count + 1)]
    prefs = []
    for r in range(resource_count):
        follows = r % 5 == 4 and r > 0
        prefs.append(prefs[r - 1] if follows else rng.choice(names))
    return prefs


def nvpair(parent, pid, name, value):
    ET.SubElement(parent, "nvpair", id=pid, name=name, value=value)


def configuration(cib, node_count, prefs):
    conf = ET.SubElement(cib, "configuration")
    props = ET.SubElement(ET.SubElement(conf, "crm_config"), "cluster_property_set", id="cib-bootstrap-options")
    nvpair(props, "cib-bootstrap-options-stonith-enabled", "stonith-enabled", "false")
    nvpair(props, "cib-bootstrap-options-no-quorum-policy", "no-quorum-policy", "ignore")
    nodes = ET.SubElement(conf, "nodes")
    for i in range(1, node_count + 1):
        ET.SubElement(nodes, "node", id=str(i), uname=f"node{i}")
    resources = ET.SubElement(conf, "resources")
    constraints = ET.SubElement(conf, "constraints")
    for r, node in enumerate(prefs):
        ET.SubElement(resources, "primitive", {"id": f"r{r}", "class": "ocf", "provider": "pacemaker",
                                               "type": "Dummy"})
        ET.SubElement(constraints, "rsc_location", id=f"prefer-r{r}", rsc=f"r{r}", node=node, score="100")
        if r % 5 == 4 and r > 0:
            ET.SubElement(constraints, "rsc_colocation", {"id": f"r{r}-with-r{r - 1}", "rsc": f"r{r}",
                                                          "with-rsc": f"r{r - 1}", "score": "INFINITY"})
            ET.SubElement(constraints, "rsc_order", {"id": f"r{r - 1}-then-r{r}", "first": f"r{r - 1}",
                                                     "then": f"r{r}", "kind": "Mandatory"})


def started(lrm_resources, r, node, call_id):
    """The record of r's successful start on node."""
    lrm_rsc = ET.SubElement(lrm_resources, "lrm_resource", {"id": f"r{r}", "class": "ocf",
                                                           "provider": "pacemaker", "type": "Dummy"})
    key = f"1:1:0:gencib-{r}"
    ET.SubElement(lrm_rsc, "lrm_rsc_op", {
        "id": f"r{r}_last_0", "operation_key": f"r{r}_start_0", "operation": "start",
        "crm-debug-origin": "gencib", "crm_feature_set": FEATURE_SET, "transition-key": key,
        "transition-magic": f"0:0;{key}", "call-id": str(call_id), "rc-code": "0", "op-status": "0",
        "interval": "0", "last-rc-change": "1", "exec-time": "1", "queue-time": "0",
        "op-digest": EMPTY_PARAMS_DIGEST, "on_node": node})


def status(cib, node_count, prefs, running):
    st = ET.SubElement(cib, "status")
    for i in range(1, node_count + 1):
        name = f"node{i}"
        online = not (running and i == 1)
        state = (dict(in_ccm="true", crmd="online", join="member", expected="member") if online
                 else dict(in_ccm="false", crmd="offline", join="down", expected="down"))
        node_state = ET.SubElement(st, "node_state", dict(id=str(i), uname=name, **state))
        lrm_resources = ET.SubElement(ET.SubElement(node_state, "lrm", id=str(i)), "lrm_resources")
        if running and online:
            for r, node in enumerate(prefs):
                if node == name:
                    started(lrm_resources, r, name, call_id=r + 2)


def generate(node_count, resource_count, seed=1, running=False):
    """The CIB as an XML string."""
    prefs = preferences(node_count, resource_count, seed)
    cib = ET.Element("cib", {"admin_epoch": "0", "epoch": "1", "num_updates": "1", "dc-uuid": "2",
                             "have-quorum": "1", "validate-with": "pacemaker-3.7"})
    configuration(cib, node_count, prefs)
    status(cib, node_count, prefs, running)
    ET.indent(cib)
    return ET.tostring(cib, encoding="unicode") + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("nodes", type=int)
    ap.add_argument("resources", type=int)
    ap.add_argument("seed", type=int, nargs="?", default=1)
    ap.add_argument("--running", action="store_true",
                    help="resources run on their preferred nodes; node1 is offline (recovery)")
    args = ap.parse_args()
    if args.nodes < 2 or args.resources < 0:
        ap.error("NODES must be at least 2 (node1 goes offline with --running), RESOURCES not negative")
    sys.stdout.write(generate(args.nodes, args.resources, args.seed, args.running))


if __name__ == "__main__":
    main()

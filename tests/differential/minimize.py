#!/usr/bin/env python3
"""Shrinks a CIB on which baton's and crm_simulate's Transition Summaries
differ, keeping the difference.

    minimize.py IN OUT [--crm PATH] [--oracle PATH]
                [--baton-re RE] [--oracle-re RE] [--keep-re RE]

Greedily removes constraints, resources (with their history and the
constraints naming them), group members, nodes, meta attributes, cluster
options, transient attributes and lrm_resource entries, as long as the
summaries still differ and the "interesting" difference remains:
  --baton-re RE   a line only baton prints matches RE
  --oracle-re RE  a line only crm_simulate prints matches RE
  --keep-re RE    some line printed by only one side matches RE
Without any of them, the resource named in the first differing line must
still appear in a differing line.
"""
import argparse
import copy
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import transition_summary  # noqa: E402


def summaries(crm, oracle, text, tmp):
    path = os.path.join(tmp, "m.xml")
    with open(path, "w") as f:
        f.write(text)
    out = []
    for cmd in ([crm, "simulate", "-x", path, "-R"], [oracle, "-x", path, "-R"]):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            ts = transition_summary(p.stdout)
            if p.returncode < 0:
                ts = None
        except subprocess.TimeoutExpired:
            ts = None
        out.append(ts)
    return out


def diff_lines(b, o):
    bo = [l for l in b if l not in o]
    oo = [l for l in o if l not in b]
    if not bo and not oo:  # same lines in another order
        bo = [x for x, y in zip(b, o) if x != y]
        oo = [y for x, y in zip(b, o) if x != y]
    return bo, oo


def rsc_of(line):
    parts = line.split()
    if len(parts) >= 3 and parts[0] == "*":
        return parts[2].split(":")[0] if parts[1] != "Fence" else parts[3]
    return None


def to_text(root):
    return ET.tostring(root, encoding="unicode") + "\n"


def candidates(root):
    """Yields (description, mutated root) for each one-step reduction."""
    cfg = root.find("configuration")
    status = root.find("status")
    resources = cfg.find("resources")
    constraints = cfg.find("constraints")

    def prim_ids(el):
        return [p.get("id") for p in el.iter("primitive")]

    def drop_rsc(r, ids, all_ids):
        cons = r.find("configuration/constraints")
        for c in list(cons):
            refs = {c.get(k) for k in ("rsc", "with-rsc", "first", "then")}
            if refs & set(all_ids):
                cons.remove(c)
        for lrs in r.iter("lrm_resources"):
            for lr in list(lrs):
                if lr.get("id").split(":")[0] in ids:
                    lrs.remove(lr)
        for ia in r.iter("instance_attributes"):
            for nvp in list(ia):
                name = nvp.get("name", "")
                if any(name.endswith("-" + i) or ("-" + i + "#") in name for i in ids):
                    ia.remove(nvp)

    # 1. whole top-level resources
    for i, top in enumerate(list(resources)):
        r = copy.deepcopy(root)
        res = r.find("configuration/resources")
        el = list(res)[i]
        ids = prim_ids(el)
        res.remove(el)
        drop_rsc(r, ids, ids + [el.get("id")])
        yield f"remove resource {top.get('id')}", r
    # 2. group members
    for gi, g in enumerate(resources):
        if g.tag != "group":
            continue
        members = g.findall("primitive")
        if len(members) < 2:
            continue
        for mi, m in enumerate(members):
            r = copy.deepcopy(root)
            rg = list(r.find("configuration/resources"))[gi]
            rm = rg.findall("primitive")[mi]
            rg.remove(rm)
            drop_rsc(r, [m.get("id")], [m.get("id")])
            yield f"remove member {m.get('id')}", r
    # 3. constraints
    for i, c in enumerate(list(constraints)):
        r = copy.deepcopy(root)
        cons = r.find("configuration/constraints")
        cons.remove(list(cons)[i])
        yield f"remove constraint {c.get('id')}", r
    # 4. nodes
    nodes = cfg.find("nodes")
    if len(nodes) > 1:
        for i, n in enumerate(list(nodes)):
            r = copy.deepcopy(root)
            rn = r.find("configuration/nodes")
            el = list(rn)[i]
            rn.remove(el)
            st = r.find("status")
            for ns in list(st):
                if ns.get("uname") == n.get("uname"):
                    st.remove(ns)
            cons = r.find("configuration/constraints")
            for c in list(cons):
                if c.get("node") == n.get("uname"):
                    cons.remove(c)
            if r.get("dc-uuid") == n.get("id"):
                on = [ns for ns in st if ns.get("crmd") == "online"]
                if not on:
                    continue
                r.set("dc-uuid", on[0].get("id"))
            yield f"remove node {n.get('uname')}", r
    # 5. nvpairs in meta attributes, rsc_defaults, crm_config, node attrs,
    #    transient attributes (except #feature-set)
    def nvpair_parents(r):
        out = []
        for ia in r.iter():
            if ia.tag in ("meta_attributes", "instance_attributes", "cluster_property_set"):
                out.append(ia)
        return out

    for pi, parent in enumerate(nvpair_parents(root)):
        for ni, nvp in enumerate(list(parent)):
            if nvp.tag != "nvpair":
                continue
            if nvp.get("name") in ("#feature-set", "dc-version", "cluster-infrastructure", "have-watchdog", "promotable"):
                continue
            r = copy.deepcopy(root)
            rp = nvpair_parents(r)[pi]
            rp.remove(list(rp)[ni])
            yield f"remove nvpair {nvp.get('id')}", r
    # 6. lrm_resource entries and recurring/failure ops
    for si, ns in enumerate(list(status)):
        lrs = ns.find("lrm/lrm_resources")
        if lrs is None:
            continue
        for li, lr in enumerate(list(lrs)):
            r = copy.deepcopy(root)
            rl = list(r.find("status"))[si].find("lrm/lrm_resources")
            rl.remove(list(rl)[li])
            yield f"remove history of {lr.get('id')} on {ns.get('uname')}", r
        for li, lr in enumerate(list(lrs)):
            for oi, op in enumerate(list(lr)):
                if op.get("id", "").endswith("_last_0"):
                    continue
                r = copy.deepcopy(root)
                rl = list(list(r.find("status"))[si].find("lrm/lrm_resources"))[li]
                rl.remove(list(rl)[oi])
                yield f"remove op {op.get('id')} on {ns.get('uname')}", r
    # 7. node_state of offline nodes (never seen)
    for si, ns in enumerate(list(status)):
        if ns.get("crmd") == "online":
            continue
        r = copy.deepcopy(root)
        st = r.find("status")
        st.remove(list(st)[si])
        yield f"remove node_state {ns.get('uname')}", r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("output")
    root_dir = os.path.dirname(os.path.dirname(HERE))
    ap.add_argument("--crm", default=os.path.join(root_dir, "build", "bin", "crm"))
    ap.add_argument("--oracle", default="/usr/sbin/crm_simulate")
    ap.add_argument("--baton-re")
    ap.add_argument("--oracle-re")
    ap.add_argument("--keep-re")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()

    root = ET.parse(args.input).getroot()
    with tempfile.TemporaryDirectory(prefix="baton-min-") as tmp:
        b, o = summaries(args.crm, args.oracle, to_text(root), tmp)
        if b is None or o is None or b == o:
            print("input does not show a mismatch", file=sys.stderr)
            return 2
        bo, oo = diff_lines(b, o)
        target = rsc_of((bo + oo)[0]) if not (args.baton_re or args.oracle_re or args.keep_re) else None

        def interesting(text):
            b, o = summaries(args.crm, args.oracle, text, tmp)
            if b is None or o is None or b == o:
                return False
            bo, oo = diff_lines(b, o)
            if args.baton_re and not any(re.search(args.baton_re, l) for l in bo):
                return False
            if args.oracle_re and not any(re.search(args.oracle_re, l) for l in oo):
                return False
            if args.keep_re and not any(re.search(args.keep_re, l) for l in bo + oo):
                return False
            if target and not any(rsc_of(l) == target for l in bo + oo):
                return False
            return True

        progress = True
        while progress:
            progress = False
            for desc, cand in candidates(root):
                if interesting(to_text(cand)):
                    if args.v:
                        print(desc, file=sys.stderr)
                    root = cand
                    progress = True
                    break
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag in ("meta_attributes", "rsc_defaults", "instance_attributes") and len(child) == 0:
                    parent.remove(child)
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "rsc_defaults" and len(child) == 0:
                    parent.remove(child)
        for el in root.iter():
            el.text = None
            el.tail = None
        ET.indent(root)
        with open(args.output, "w") as f:
            f.write(to_text(root))
        b, o = summaries(args.crm, args.oracle, to_text(root), tmp)
        print(f"{args.output}:")
        print("  baton:")
        for l in b:
            print(f"    {l}")
        print("  crm_simulate:")
        for l in o:
            print(f"    {l}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Generates a random small Pacemaker CIB, deterministic per seed.

    gen.py SEED [OUT]      writes the CIB to OUT (or stdout)

The CIBs exercise the tier-1/2 scheduler features that are common in real
clusters: 2-5 nodes (online, cleanly offline, unclean, standby), fencing on
or off, quorum and no-quorum-policy, ocf:pacemaker:Dummy primitives, a
group, an anonymous clone, a promotable clone of ocf:pacemaker:Stateful,
location/colocation/order constraints, stickiness, target-role,
is-managed, migration-threshold with fail counts, and an operation history
(lrm_rsc_op) that makes resources running, stopped, failed or promoted.
The shapes are copied from Pacemaker 2.1.5's scheduler corpus.

Python standard library only.
"""
import random
import sys
from xml.sax.saxutils import quoteattr

UUID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
# Digests crm_simulate computes for these exact definitions (no
# parameters; monitor interval=10s timeout=20s), so that no resource is
# restarted for a "definition change".
DIGEST_NOPARAMS = "f2317cad3d54cec5d7d7aa7d0bf35cf8"
DIGEST_MON10 = "4811cef7f7f94e3a35a70be7916cb2fd"
BASE_TIME = 1666729883

KEEP_UNDERSCORE = {"on_node", "crm_feature_set", "num_updates", "admin_epoch", "operation_key", "in_ccm"}
FINITE_SCORES = ["100", "200", "50", "1000", "-100", "-50", "-1000", "10"]


def attrs(**kw):
    parts = []
    for k, v in kw.items():
        if v is None:
            continue
        parts.append(f'{k if k in KEEP_UNDERSCORE else k.replace("_", "-")}={quoteattr(str(v))}')
    return " ".join(parts)


class Xml:
    def __init__(self):
        self.lines = []
        self.depth = 0

    def open(self, tag, attr_text=""):
        self.lines.append("  " * self.depth + f"<{tag}{' ' + attr_text if attr_text else ''}>")
        self.depth += 1

    def close(self, tag):
        self.depth -= 1
        self.lines.append("  " * self.depth + f"</{tag}>")

    def leaf(self, tag, attr_text=""):
        self.lines.append("  " * self.depth + f"<{tag}{' ' + attr_text if attr_text else ''}/>")

    def text(self):
        return "\n".join(self.lines) + "\n"


def nv(x, idp, name, value):
    x.leaf("nvpair", f'id={quoteattr(idp + "-" + name.replace("#", "."))} name={quoteattr(name)} value={quoteattr(str(value))}')


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.seed = seed

    def chance(self, p):
        return self.r.random() < p

    # ------------------------------------------------------------------ model
    def build(self):
        r = self.r
        nn = r.randint(2, 5)
        self.nodes = []
        for i in range(1, nn + 1):
            st = r.choices(["online", "offline", "unclean"], [75, 13, 12])[0]
            self.nodes.append({"id": str(i), "uname": f"node{i}", "state": st, "standby": False,
                               "transient": [], "lrm": {}})
        if not any(n["state"] == "online" for n in self.nodes):
            r.choice(self.nodes)["state"] = "online"
        online = [n for n in self.nodes if n["state"] == "online"]
        if len(online) >= 2 and self.chance(0.2):
            r.choice(online)["standby"] = True
        self.online = online
        self.dc = online[0]

        # quorum: mostly have it
        self.have_quorum = self.chance(0.8)
        self.nqp = r.choices([None, "stop", "ignore", "freeze"], [45, 15, 30, 10])[0]
        self.stonith = self.chance(0.6)
        self.stickiness_default = r.choices([None, "0", "1", "100", "INFINITY"], [50, 5, 15, 25, 5])[0]
        self.mt_default = r.choices([None, "1", "3"], [70, 15, 15])[0]
        self.symmetric = True if self.chance(0.9) else False

        # resources: list of top-level entries
        self.tops = []  # dict(kind, id, children/prim...)
        self.prims = {}  # primitive id -> dict
        if self.stonith:
            self.fencing = {"id": "Fencing", "class": "stonith", "type": "fence_xvm", "meta": {}, "ops": False}
            self.prims["Fencing"] = self.fencing
        np_ = r.randint(1, 8)
        for i in range(1, np_ + 1):
            p = self.mkprim(f"rsc{i}")
            self.tops.append({"kind": "primitive", "id": p["id"], "prim": p, "meta": self.mkmeta(top=True)})
        if self.chance(0.35):
            members = [self.mkprim(f"grp-m{i}") for i in range(1, r.randint(2, 3) + 1)]
            self.tops.append({"kind": "group", "id": "grp", "members": members, "meta": self.mkmeta(top=True)})
        if self.chance(0.3):
            p = self.mkprim("cdummy")
            meta = self.mkmeta(top=True)
            if self.chance(0.3):
                meta["clone-max"] = str(r.randint(1, len(self.nodes)))
            if self.chance(0.4):
                meta["interleave"] = "true"
            self.tops.append({"kind": "clone", "id": "cdummy-clone", "prim": p, "meta": meta})
        if self.chance(0.15):
            p = self.mkprim("state", typ="Stateful", ops=False)
            meta = self.mkmeta(top=True)
            meta["promotable"] = "true"
            if self.chance(0.3):
                meta["promoted-max"] = "1"
            self.tops.append({"kind": "promotable", "id": "state-clone", "prim": p, "meta": meta})
        r.shuffle(self.tops)
        self.constraints()
        self.status()

    def mkprim(self, rid, typ="Dummy", ops=True):
        p = {"id": rid, "class": "ocf", "provider": "pacemaker", "type": typ, "ops": ops, "meta": {}}
        if self.chance(0.1):
            p["meta"]["resource-stickiness"] = self.r.choice(["0", "50", "200", "INFINITY"])
        if self.chance(0.1):
            p["meta"]["migration-threshold"] = self.r.choice(["1", "2", "3"])
        self.prims[rid] = p
        return p

    def mkmeta(self, top):
        m = {}
        if self.chance(0.06):
            m["target-role"] = "Stopped"
        if self.chance(0.05):
            m["is-managed"] = "false"
        return m

    def constraints(self):
        r = self.r
        self.locs, self.colos, self.orders = [], [], []
        ids = [t["id"] for t in self.tops]
        kinds = {t["id"]: t["kind"] for t in self.tops}
        uniq = 0
        for _ in range(r.choice([0, 0, 1, 1, 2, 3, 4])):
            rid = r.choice(ids)
            node = r.choice(self.nodes)["uname"]
            score = r.choices(["INFINITY", "-INFINITY"] + FINITE_SCORES, [20, 20] + [6] * len(FINITE_SCORES))[0]
            role = None
            if kinds[rid] == "promotable" and self.chance(0.5):
                role = "Promoted"
            uniq += 1
            self.locs.append({"id": f"loc-{rid}-{node}-{uniq}", "rsc": rid, "node": node, "score": score, "role": role})
        if len(ids) >= 2:
            # Constraints only point "backwards" in a random order, as real
            # configurations do: no dependency cycles.
            for _ in range(r.choice([0, 0, 1, 1, 2, 3])):
                a, b = sorted(r.sample(range(len(ids)), 2))
                rsc, with_ = ids[b], ids[a]
                score = r.choices(["INFINITY", "-INFINITY", "100", "-100", "500", "-500"], [40, 15, 15, 10, 10, 10])[0]
                c = {"id": f"col-{rsc}-{with_}", "rsc": rsc, "with": with_, "score": score,
                     "rsc-role": None, "with-rsc-role": None}
                if kinds[with_] == "promotable" and self.chance(0.6):
                    c["with-rsc-role"] = "Promoted"
                if kinds[rsc] == "promotable" and self.chance(0.4):
                    c["rsc-role"] = "Promoted"
                if all(x["id"] != c["id"] for x in self.colos):
                    self.colos.append(c)
            for _ in range(r.choice([0, 0, 1, 1, 2, 3])):
                a, b = sorted(r.sample(range(len(ids)), 2))
                first, then = ids[a], ids[b]
                o = {"id": f"ord-{first}-{then}", "first": first, "then": then,
                     "kind": r.choices([None, "Mandatory", "Optional"], [50, 20, 30])[0],
                     "symmetrical": r.choices([None, "false"], [80, 20])[0],
                     "first-action": None}
                if kinds[first] == "promotable" and self.chance(0.6):
                    o["first-action"] = "promote"
                    o["then-action"] = "start"
                if all(x["id"] != o["id"] for x in self.orders):
                    self.orders.append(o)

    # ----------------------------------------------------------------- status
    def status(self):
        r = self.r
        self.call = {n["uname"]: 1 for n in self.nodes}
        # Nodes where resources can be found active: online nodes and
        # unclean nodes (a cleanly stopped node has no active resources).
        active_nodes = [n for n in self.nodes if n["state"] in ("online", "unclean")]
        probed = [n for n in self.nodes if n["state"] in ("online", "unclean") or self.chance(0.3)]

        def probe_all(rid, except_=()):
            for n in probed:
                if n["uname"] in except_:
                    continue
                if n["state"] == "online" and self.chance(0.05):
                    continue  # not probed yet (newly joined)
                self.probe(n, rid)

        if self.stonith:
            where = r.choice(self.online) if self.chance(0.9) else None
            for n in probed:
                if where is n:
                    self.hist(n, "Fencing", [("start", 0, 0, 0)], typ="fence_xvm", cls="stonith")
                else:
                    self.probe(n, "Fencing", typ="fence_xvm", cls="stonith")

        for t in self.tops:
            if t["kind"] == "primitive":
                self.prim_history(t["prim"], active_nodes, probed)
            elif t["kind"] == "group":
                # members run together on one node, a prefix of them
                where = r.choice(active_nodes) if self.chance(0.7) else None
                k = len(t["members"]) if self.chance(0.8) else r.randint(0, len(t["members"]))
                for i, p in enumerate(t["members"]):
                    if where is not None and i < k:
                        self.run_on(p, where, probed, fail=self.chance(0.12))
                    else:
                        for n in probed:
                            self.probe(n, p["id"])
            elif t["kind"] == "clone":
                p = t["prim"]
                for n in probed:
                    if n in active_nodes and self.chance(0.7):
                        self.run_one(p, n, fail=self.chance(0.08))
                    else:
                        self.probe(n, p["id"])
            elif t["kind"] == "promotable":
                p = t["prim"]
                promoted_done = False
                for n in probed:
                    if n in active_nodes and self.chance(0.75):
                        promote = (not promoted_done) and self.chance(0.6)
                        promoted_done = promoted_done or promote
                        ops = [("start", 0, 0, 0)]
                        if promote:
                            ops = [("start", 0, 0, 0), ("promote", 0, 0, 0)]
                        self.hist(n, p["id"], ops, typ="Stateful")
                    else:
                        self.probe(n, p["id"], typ="Stateful")
                    if n["state"] == "online" and self.chance(0.8):
                        n["transient"].append((f"master-{p['id']}", r.choice(["5", "10", "10", "100"])))

    def prim_history(self, p, active_nodes, probed):
        r = self.r
        st = r.choices(["running", "stopped", "failed", "startfail", "multi"], [55, 22, 12, 6, 2])[0]
        if st == "stopped":
            for n in probed:
                self.probe(n, p["id"])
            return
        if st == "multi" and len(active_nodes) >= 2:
            a, b = r.sample(active_nodes, 2)
            for n in probed:
                if n is a or n is b:
                    self.run_one(p, n)
                else:
                    self.probe(n, p["id"])
            return
        where = r.choice(active_nodes)
        if st == "startfail":
            where = r.choice(self.online)
            for n in probed:
                if n is where:
                    self.hist(n, p["id"], [("start", 1, 4 if self.chance(0.5) else 0, 0)])
                    n["transient"].append((f"fail-count-{p['id']}#start_0", "INFINITY"))
                    n["transient"].append((f"last-failure-{p['id']}#start_0", str(BASE_TIME + 900)))
                else:
                    self.probe(n, p["id"])
            return
        self.run_on(p, where, probed, fail=(st == "failed"))

    def run_on(self, p, where, probed, fail=False):
        for n in probed:
            if n is where:
                self.run_one(p, n, fail=fail)
            else:
                self.probe(n, p["id"])
        if where not in probed:
            self.run_one(p, where, fail=fail)

    def run_one(self, p, n, fail=False):
        ops = [("start", 0, 0, 0)]
        if p["ops"]:
            if fail:
                ops.append(("monitor", 1, 4 if self.chance(0.5) else 0, 10000))
                cnt = self.r.choice(["1", "1", "2", "3"])
                n["transient"].append((f"fail-count-{p['id']}#monitor_10000", cnt))
                n["transient"].append((f"last-failure-{p['id']}#monitor_10000", str(BASE_TIME + 900)))
            else:
                ops.append(("monitor", 0, 0, 10000))
        self.hist(n, p["id"], ops, typ=p["type"])

    def probe(self, n, rid, typ="Dummy", cls="ocf"):
        self.hist(n, rid, [("monitor", 7, 0, 0)], typ=typ, cls=cls)

    def hist(self, n, rid, ops, typ="Dummy", cls="ocf"):
        # ops: list of (operation, rc, op-status, interval)
        n["lrm"].setdefault(rid, {"type": typ, "class": cls, "ops": []})
        for op in ops:
            n["lrm"][rid]["ops"].append((op, self.call[n["uname"]]))
            self.call[n["uname"]] += 1

    # ----------------------------------------------------------------- render
    def render(self):
        x = Xml()
        x.open("cib", attrs(crm_feature_set="3.16.1", validate_with="pacemaker-3.7", epoch="10", num_updates="0",
                            admin_epoch="0", have_quorum="1" if self.have_quorum else "0",
                            dc_uuid=self.dc["id"]))
        x.open("configuration")
        x.open("crm_config")
        x.open("cluster_property_set", 'id="cib-bootstrap-options"')
        nv(x, "cib-bootstrap-options", "have-watchdog", "false")
        nv(x, "cib-bootstrap-options", "dc-version", "2.1.5")
        nv(x, "cib-bootstrap-options", "cluster-infrastructure", "corosync")
        nv(x, "cib-bootstrap-options", "stonith-enabled", "true" if self.stonith else "false")
        if self.nqp:
            nv(x, "cib-bootstrap-options", "no-quorum-policy", self.nqp)
        if not self.symmetric:
            nv(x, "cib-bootstrap-options", "symmetric-cluster", "false")
        x.close("cluster_property_set")
        x.close("crm_config")
        x.open("nodes")
        for n in self.nodes:
            if n["standby"]:
                x.open("node", attrs(id=n["id"], uname=n["uname"]))
                x.open("instance_attributes", f'id="nodes-{n["id"]}"')
                nv(x, f"nodes-{n['id']}", "standby", "on")
                x.close("instance_attributes")
                x.close("node")
            else:
                x.leaf("node", attrs(id=n["id"], uname=n["uname"]))
        x.close("nodes")
        x.open("resources")
        if self.stonith:
            x.leaf("primitive", 'class="stonith" id="Fencing" type="fence_xvm"')
        for t in self.tops:
            if t["kind"] == "primitive":
                self.render_prim(x, t["prim"], extra_meta=t["meta"])
            elif t["kind"] == "group":
                x.open("group", attrs(id=t["id"]))
                self.render_meta(x, t["id"], t["meta"])
                for p in t["members"]:
                    self.render_prim(x, p)
                x.close("group")
            else:
                x.open("clone", attrs(id=t["id"]))
                self.render_meta(x, t["id"], t["meta"])
                self.render_prim(x, t["prim"])
                x.close("clone")
        x.close("resources")
        x.open("constraints")
        for c in self.locs:
            x.leaf("rsc_location", attrs(id=c["id"], rsc=c["rsc"], role=c["role"], node=c["node"], score=c["score"]))
        for c in self.colos:
            x.leaf("rsc_colocation", attrs(id=c["id"], score=c["score"], rsc=c["rsc"], rsc_role=c["rsc-role"],
                                           with_rsc=c["with"], with_rsc_role=c["with-rsc-role"]))
        for o in self.orders:
            x.leaf("rsc_order", attrs(id=o["id"], kind=o["kind"], first=o["first"], first_action=o["first-action"],
                                      then=o["then"], then_action=o.get("then-action"), symmetrical=o["symmetrical"]))
        x.close("constraints")
        if self.stickiness_default or self.mt_default:
            x.open("rsc_defaults")
            x.open("meta_attributes", 'id="rsc_defaults-meta_attributes"')
            if self.stickiness_default:
                nv(x, "rsc_defaults-meta_attributes", "resource-stickiness", self.stickiness_default)
            if self.mt_default:
                nv(x, "rsc_defaults-meta_attributes", "migration-threshold", self.mt_default)
            x.close("meta_attributes")
            x.close("rsc_defaults")
        x.close("configuration")
        x.open("status")
        for n in self.nodes:
            self.render_node_state(x, n)
        x.close("status")
        x.close("cib")
        return x.text()

    def render_meta(self, x, rid, meta):
        if not meta:
            return
        x.open("meta_attributes", f'id="{rid}-meta_attributes"')
        for k, v in meta.items():
            nv(x, f"{rid}-meta_attributes", k, v)
        x.close("meta_attributes")

    def render_prim(self, x, p, extra_meta=None):
        x.open("primitive", attrs(**{"class": p["class"]}, id=p["id"], provider=p["provider"], type=p["type"]))
        meta = dict(p["meta"])
        meta.update(extra_meta or {})
        self.render_meta(x, p["id"], meta)
        if p["ops"]:
            x.open("operations")
            x.leaf("op", f'id="{p["id"]}-monitor-interval-10s" interval="10s" name="monitor" timeout="20s"')
            x.close("operations")
        x.close("primitive")

    def render_node_state(self, x, n):
        st = n["state"]
        if st == "online":
            a = dict(in_ccm="true", crmd="online", join="member", expected="member")
        elif st == "offline":
            a = dict(in_ccm="false", crmd="offline", join="down", expected="down")
        else:  # unclean: expected up, but gone from the membership
            a = dict(in_ccm="false", crmd="offline", join="down", expected="member")
        x.open("node_state", attrs(id=n["id"], uname=n["uname"], **a, crm_debug_origin="do_update_resource"))
        x.open("transient_attributes", f'id="{n["id"]}"')
        x.open("instance_attributes", f'id="status-{n["id"]}"')
        nv(x, f"status-{n['id']}", "#feature-set", "3.16.1")
        for name, value in n["transient"]:
            nv(x, f"status-{n['id']}", name, value)
        x.close("instance_attributes")
        x.close("transient_attributes")
        x.open("lrm", f'id="{n["id"]}"')
        x.open("lrm_resources")
        for rid, lr in n["lrm"].items():
            prov = None if lr["class"] == "stonith" else "pacemaker"
            x.open("lrm_resource", attrs(id=rid, **{"class": lr["class"]}, provider=prov, type=lr["type"]))
            self.render_ops(x, n, rid, lr["ops"])
            x.close("lrm_resource")
        x.close("lrm_resources")
        x.close("lrm")
        x.close("node_state")

    def render_ops(self, x, n, rid, ops):
        # The last non-recurring op is <rid>_last_0; recurring monitors get
        # <rid>_monitor_<interval>; a failure is also kept as
        # <rid>_last_failure_0.
        last = None
        out = []
        for (op, rc, status, interval), call in ops:
            if interval == 0:
                last = ((op, rc, status, interval), call)
        for (op, rc, status, interval), call in ops:
            if interval == 0 and ((op, rc, status, interval), call) != last:
                continue
            target = 7 if (op == "monitor" and interval == 0) else 0
            opid = f"{rid}_last_0" if interval == 0 else f"{rid}_{op}_{interval}"
            out.append((opid, op, rc, status, interval, call, target))
            if rc not in (target,) and not (op == "monitor" and interval == 0 and rc in (0, 8)):
                out.append((f"{rid}_last_failure_0", op, rc, status, interval, call, target))
        for opid, op, rc, status, interval, call, target in out:
            key = f"{call}:-1:{target}:{UUID}"
            digest = DIGEST_MON10 if interval else DIGEST_NOPARAMS
            x.leaf("lrm_rsc_op", attrs(id=opid, operation_key=f"{rid}_{op}_{interval}", operation=op,
                                       crm_debug_origin="crm_simulate", crm_feature_set="3.16.1",
                                       transition_key=key, transition_magic=f"{status}:{rc};{key}",
                                       exit_reason="", on_node=n["uname"], call_id=call, rc_code=rc,
                                       op_status=status, interval=interval,
                                       last_rc_change=BASE_TIME + (900 if rc not in (0, 7, 8) else 0),
                                       exec_time=0, queue_time=0, op_digest=digest))


def generate(seed):
    g = Gen(seed)
    g.build()
    return g.render()


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    text = generate(int(sys.argv[1]))
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

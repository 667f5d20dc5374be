#!/usr/bin/env bash
# Real OCF agents (resource-agents' IPaddr2 and Dummy, Pacemaker's Dummy and
# Stateful, baton's IPaddr) run one action at a time through baton's executor
# (`crm resource op`), inside a network namespace made for this run. A
# one-node baton-crmd runs there too, so the tools agents call (baton's
# crm_attribute etc., first on their PATH and their HA_SBIN_DIR) reach it:
# Stateful's promotion scores are checked as the cluster sees them.
# Needs root; exit 77 = skipped. Prints "N passed, M failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin_dir=${BATON_BIN_DIR:-$repo/build/bin}
crm=$bin_dir/crm
ocf=/usr/lib/ocf/resource.d

if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (network namespace)"; exit 77; fi
if [ ! -x "$ocf/heartbeat/IPaddr2" ]; then
    echo "SKIP: $ocf/heartbeat/IPaddr2 missing (apt-get install resource-agents)"; exit 77
fi
if [ ! -x "$crm" ]; then echo "FAIL: $crm not built"; exit 1; fi

ns=baton-ex-$$
tmp=$(mktemp -d /tmp/baton-ex.XXXXXX)
crmd_pid=
cleanup() {
    [ -n "$crmd_pid" ] && kill "$crmd_pid" 2>/dev/null && wait "$crmd_pid" 2>/dev/null
    # Only processes inside our own namespace (IPaddr2's background send_arp).
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns" || { echo "FAIL: cannot create namespace $ns"; exit 1; }
ip -n "$ns" link set lo up
# A veth pair with both ends in the namespace (the dummy module may be absent).
ip -n "$ns" link add bx0 type veth peer name bx1
ip -n "$ns" link set bx1 up
ip -n "$ns" addr add 198.18.0.1/24 dev bx0
ip -n "$ns" link set bx0 up

export HA_RSCTMP=$tmp/rsctmp
mkdir -p "$HA_RSCTMP"

# A one-node cluster in the namespace, for the tools agents call.
mkdir -p "$tmp/etc" "$tmp/state"
cat >"$tmp/etc/cluster.conf" <<CONF
totem {
    cluster_name: ex$$
    token: 500
}
nodelist {
    node {
        nodeid: 1
        name: exnode
        ring0_addr: 198.18.0.1
    }
}
quorum {
    provider: corosync_votequorum
}
CONF
head -c 32 /dev/urandom >"$tmp/etc/authkey"; chmod 600 "$tmp/etc/authkey"
export BATON_SOCKET=$tmp/state/crmd.sock
ip netns exec "$ns" "$bin_dir/baton-crmd" --config "$tmp/etc/cluster.conf" --state-dir "$tmp/state" \
    2>"$tmp/crmd.log" &
crmd_pid=$!
for _ in $(seq 400); do [ -S "$BATON_SOCKET" ] && break; sleep 0.05; done

passed=0 failed=0
# op WANT_RC RSC ACTION AGENT [crm args...]
op() {
    local want=$1 rsc=$2 action=$3 agent=$4; shift 4
    local line
    ip netns exec "$ns" env HA_RSCTMP="$HA_RSCTMP" "$crm" resource op "$rsc" "$action" \
        --agent "$agent" --timeout 20000 "$@" >"$tmp/out" 2>"$tmp/err"
    line=$(grep -m1 "^$rsc $action: rc=" "$tmp/out")
    if [[ "$line" == "$rsc $action: rc=$want "* ]]; then
        echo "ok: $agent $action -> $line"
        passed=$((passed + 1))
    else
        echo "FAIL: $agent $action: want rc=$want, got '${line:-no result line}'"
        sed 's/^/    /' "$tmp/out" "$tmp/err" | head -20
        failed=$((failed + 1))
    fi
}
# in_ns COMMAND...: true when the command succeeds inside the namespace
check() {
    local what=$1; shift
    if "$@"; then echo "ok: $what"; passed=$((passed + 1));
    else echo "FAIL: $what"; failed=$((failed + 1)); fi
}
has_addr() { ip -n "$ns" -4 addr show dev bx0 | grep -q "inet $1/"; }

echo "== ocf:heartbeat:IPaddr2"
a=ocf:heartbeat:IPaddr2; p=(--param ip=198.18.0.20 --param cidr_netmask=24)
op 0 vip start $a "${p[@]}"
check "198.18.0.20 on bx0 after start" has_addr 198.18.0.20
op 0 vip monitor $a "${p[@]}"
op 0 vip stop $a "${p[@]}"
check "198.18.0.20 gone after stop" eval '! has_addr 198.18.0.20'
op 7 vip monitor $a "${p[@]}"

echo "== ocf:heartbeat:Dummy"
a=ocf:heartbeat:Dummy; p=(--param state=$tmp/hb-dummy.state)
op 7 hbd monitor $a "${p[@]}"
op 0 hbd start $a "${p[@]}"
op 0 hbd monitor $a "${p[@]}"
op 0 hbd stop $a "${p[@]}"
op 7 hbd monitor $a "${p[@]}"

if [ -x "$ocf/pacemaker/Dummy" ]; then
    echo "== ocf:pacemaker:Dummy"
    a=ocf:pacemaker:Dummy; p=(--param state=$tmp/pcmk-dummy.state)
    op 0 pcd start $a "${p[@]}"
    op 0 pcd monitor $a "${p[@]}"
    op 0 pcd stop $a "${p[@]}"
    op 7 pcd monitor $a "${p[@]}"
else
    echo "skipped: ocf:pacemaker:Dummy not installed"
fi

# score RSC WANT: the promotion score baton-crmd holds for RSC on this node
# ("none" = no such attribute), read with baton's crm_attribute as an operator would.
score() {
    local got
    got=$("$bin_dir/tools/crm_attribute" -N exnode -l reboot -n "master-$1" -G -q 2>/dev/null) || got=none
    [ "$got" = "$2" ]
}
stateful() {
    local a=$1 r=$2; local p=(--param state=$tmp/$r.state)
    op 0 $r start $a "${p[@]}"
    check "$a: promotion score 5 after start" score $r 5
    op 0 $r monitor $a "${p[@]}"
    op 0 $r promote $a "${p[@]}"
    check "$a: promotion score 10 after promote" score $r 10
    op 8 $r monitor $a "${p[@]}"
    op 0 $r demote $a "${p[@]}"
    check "$a: promotion score 5 after demote" score $r 5
    op 0 $r monitor $a "${p[@]}"
    op 0 $r stop $a "${p[@]}"
    check "$a: promotion score removed after stop" score $r none
    op 7 $r monitor $a "${p[@]}"
}
check "baton-crmd answers crm_node -n" eval '[ "$("$bin_dir/tools/crm_node" -n)" = exnode ]'
if [ -x "$ocf/pacemaker/Stateful" ]; then
    # Unmodified: it calls ${HA_SBIN_DIR}/crm_attribute --promotion, which is baton's.
    echo "== ocf:pacemaker:Stateful"
    stateful ocf:pacemaker:Stateful sf
else
    echo "skipped: ocf:pacemaker:Stateful not installed"
fi
echo "== ocf:baton:Stateful"
stateful ocf:baton:Stateful bsf

echo "== ocf:baton:IPaddr"
a=ocf:baton:IPaddr; p=(--param ip=198.18.0.30 --param cidr_netmask=24 --param nic=bx0)
op 0 bip start $a "${p[@]}"
check "198.18.0.30 on bx0 after start" has_addr 198.18.0.30
op 0 bip monitor $a "${p[@]}"
op 0 bip stop $a "${p[@]}"
check "198.18.0.30 gone after stop" eval '! has_addr 198.18.0.30'
op 7 bip monitor $a "${p[@]}"

echo "== bad input"
bad() {
    local what=$1; shift
    "$crm" resource op "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$? n
    n=$(wc -l <"$tmp/err")
    if [ $rc = 2 ] && [ "$n" -ge 1 ]; then echo "ok: $what -> exit 2: $(head -1 "$tmp/err")"; passed=$((passed + 1));
    else echo "FAIL: $what: exit $rc"; cat "$tmp/err"; failed=$((failed + 1)); fi
}
bad "unknown action" r frobnicate --agent ocf:heartbeat:Dummy
bad "malformed --param" r start --agent ocf:heartbeat:Dummy --param novalue
bad "unknown agent" r start --agent ocf:heartbeat:NoSuchAgent
bad "missing --agent" r start

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# Real OCF agents (resource-agents' IPaddr2 and Dummy, Pacemaker's Dummy and
# Stateful, baton's IPaddr) run one action at a time through baton's executor
# (`crm resource op`), inside a network namespace made for this run.
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
cleanup() {
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

if [ -x "$ocf/pacemaker/Stateful" ]; then
    # Stateful calls ${HA_SBIN_DIR}/crm_attribute --promotion; without a
    # cluster Pacemaker's exits 102 ("Could not connect to the CIB") and the
    # agent ignores that: start/promote/demote/stop still return 0, no stub.
    echo "== ocf:pacemaker:Stateful"
    a=ocf:pacemaker:Stateful; p=(--param state=$tmp/stateful.state)
    op 0 sf start $a "${p[@]}"
    op 0 sf monitor $a "${p[@]}"
    op 0 sf promote $a "${p[@]}"
    op 8 sf monitor $a "${p[@]}"
    op 0 sf demote $a "${p[@]}"
    op 0 sf monitor $a "${p[@]}"
    op 0 sf stop $a "${p[@]}"
    op 7 sf monitor $a "${p[@]}"
else
    echo "skipped: ocf:pacemaker:Stateful not installed"
fi

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

#!/usr/bin/env bash
# A floating IP moves from node 1 to node 2 of a testbed, and the client's
# neighbour entry for it follows by gratuitous ARP alone: the client sends
# nothing between the move and the check. Runs baton's IPaddr and, for
# comparison and unmodified, resource-agents' IPaddr2, each through baton's
# executor (`crm resource op`). Needs root; exit 77 = skipped.
# Prints "N passed, M failed". Removes its testbed, also on failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin_dir=${BATON_BIN_DIR:-$repo/build/bin}
testbed=$repo/tests/testbed/testbed
crm=$bin_dir/crm
vip=198.18.0.100
# Mutation check: BATON_ARP_TEST_PARAMS="--param arp_count=0" must fail.
BATON_ARP_TEST_PARAMS=${BATON_ARP_TEST_PARAMS:-}

if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (network namespaces)"; exit 77; fi
if [ ! -x "$crm" ]; then echo "FAIL: $crm not built"; exit 1; fi

tb=arp$$
tmp=$(mktemp -d /tmp/baton-arp.XXXXXX)
cleanup() {
    BATON_BIN_DIR=$bin_dir "$testbed" down "$tb" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export BATON_BIN_DIR=$bin_dir
"$testbed" up "$tb" --nodes 2 >/dev/null || { echo "FAIL: testbed up"; exit 1; }

passed=0 failed=0
check() {
    local what=$1; shift
    if "$@"; then echo "ok: $what"; passed=$((passed + 1));
    else echo "FAIL: $what"; failed=$((failed + 1)); fi
}
mac_of() { ip -n "$tb-n$1" link show lan0 | awk '/link\/ether/ {print $2}'; }
client_mac_for_vip() { ip -n "$tb-client" neigh show "$vip" dev lan0 | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'; }
# op NODE ACTION AGENT PARAMS...: one action through the executor; true on rc 0
op() {
    local node=$1 action=$2 agent=$3; shift 3
    "$testbed" exec "$tb" "$node" env HA_RSCTMP="$tmp/rsctmp-$node" "$crm" resource op vip "$action" \
        --agent "$agent" --param ip=$vip --param cidr_netmask=24 $BATON_ARP_TEST_PARAMS "$@" >"$tmp/out" 2>&1
}
# waits up to 10 s (a bound, not a measurement) for the client's entry to name node $1's MAC
follows() {
    local want; want=$(mac_of "$1")
    for _ in $(seq 200); do
        [ "$(client_mac_for_vip)" = "$want" ] && return 0
        sleep 0.05
    done
    echo "    client has $(client_mac_for_vip) for $vip, node $1 is $want"
    return 1
}
reaches() { "$testbed" exec "$tb" client ping -c 1 -W 1 -q $vip >/dev/null 2>&1; }
mkdir -p "$tmp/rsctmp-1" "$tmp/rsctmp-2"

for agent in ${BATON_ARP_TEST_AGENTS:-ocf:baton:IPaddr ocf:heartbeat:IPaddr2}; do
    echo "== $agent"
    if [ "$agent" = ocf:heartbeat:IPaddr2 ] && [ ! -x /usr/lib/ocf/resource.d/heartbeat/IPaddr2 ]; then
        echo "skipped: IPaddr2 not installed"; continue
    fi
    ip -n "$tb-client" neigh flush dev lan0
    check "$agent starts on node 1" op 1 start $agent
    check "client reaches $vip on node 1" reaches
    check "client's entry names node 1" follows 1
    # Linux ignores a new address for an entry updated in the last second
    # (locktime): a real client's entry is that old too.
    sleep 1.1
    check "$agent stops on node 1" op 1 stop $agent
    check "$agent starts on node 2" op 2 start $agent
    check "client's entry names node 2 without the client asking" follows 2
    check "client reaches $vip on node 2" reaches
    check "$agent stops on node 2" op 2 stop $agent
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

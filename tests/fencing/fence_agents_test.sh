#!/usr/bin/env bash
# Fence agents on the netns testbed: baton's fence_netns (metadata, list,
# status, off/on/reboot with the node's namespace checked, bad input),
# fence-agents' fence_ipmilan against OpenIPMI's ipmi_sim driving the
# testbed's power switch (tests/fencing/ipmi_harness.sh), and fence_dummy.
# Needs root, fence-agents, openipmi and ipmitool (scripts/deps.sh); exit 77
# = skipped. Prints "N passed, M failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export BATON_BIN_DIR=${BATON_BIN_DIR:-$repo/build/bin}
testbed=$repo/tests/testbed/testbed
agent=$repo/agents/fence/fence_netns
harness=$here/ipmi_harness.sh

if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (network namespaces)"; exit 77; fi
for f in /usr/sbin/fence_ipmilan /usr/sbin/fence_dummy /usr/bin/ipmi_sim /usr/bin/ipmitool; do
    if [ ! -x "$f" ]; then
        echo "SKIP: $f missing (scripts/deps.sh installs fence-agents, openipmi, ipmitool)"; exit 77
    fi
done
if [ ! -x "$BATON_BIN_DIR/baton-crmd" ]; then echo "FAIL: $BATON_BIN_DIR/baton-crmd not built"; exit 1; fi

name=fa$(($$ % 100000))
tmp=$(mktemp -d /tmp/baton-fence.XXXXXX)
cleanup() {
    "$harness" stop "$tmp/bmc2" >/dev/null 2>&1
    "$testbed" down "$name" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() {
    failed=$((failed + 1)); echo "FAIL $1"
    sed 's/^/     stdout: /' "$tmp/out"; grep -v -e DeprecationWarning -e 'from pipes import' "$tmp/err" | sed 's/^/     stderr: /'
}

# run CMD... : stdin from $input; sets rc, $tmp/out, $tmp/err.
input=""
run() {
    printf '%b' "$input" | "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}
# check DESC WANT_RC [GREP-IN-STDOUT [GREP-IN-STDERR]]
check() {
    local desc=$1 want=$2 o=${3-} e=${4-}
    if [ "$rc" != "$want" ]; then fail "$desc (exit $rc, want $want)"; return; fi
    if [ -n "$o" ] && ! grep -q -- "$o" "$tmp/out"; then fail "$desc (stdout lacks '$o')"; return; fi
    if [ -n "$e" ] && ! grep -q -- "$e" "$tmp/err"; then fail "$desc (stderr lacks '$e')"; return; fi
    pass "$desc"
}
# netns_agent LINES... : fence_netns with the given stdin lines.
netns_agent() { input=$(printf '%s\\n' "$@"); run "$agent"; }

# Node $1 is really off: no process in its namespace, no link up but lo.
node_off() {
    [ -z "$(ip netns pids "$name-n$1")" ] &&
        ! ip -n "$name-n$1" -o link show up | grep -qv ': lo:'
}
node_on() {
    [ -n "$(ip netns pids "$name-n$1")" ] &&
        [ "$(ip -n "$name-n$1" -o link show up | grep -c -e ': lan0' -e ': hb0')" = 2 ]
}
expect_state() { # DESC I on|off
    if "node_$3" "$2"; then pass "$1"; else
        failed=$((failed + 1)); echo "FAIL $1: pids [$(ip netns pids "$name-n$2" | tr '\n' ' ')]"
        ip -n "$name-n$2" -br link | sed 's/^/     /'
    fi
}

"$testbed" up "$name" --nodes 3 >/dev/null || { echo "FAIL: testbed up"; exit 1; }
for i in 1 2 3; do "$testbed" start "$name" "$i" >/dev/null || { echo "FAIL: testbed start $i"; exit 1; }; done

echo "== fence_netns"
netns_agent action=metadata
check "metadata exits 0" 0 "<resource-agent name=\"fence_netns\""
if python3 - "$tmp/out" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
actions = {a.get("name") for a in root.find("actions")}
params = {p.get("name"): p for p in root.find("parameters")}
need_a = {"on", "off", "reboot", "status", "list", "monitor", "metadata", "validate-all"}
need_p = {"action", "testbed", "port", "plug", "nodename", "testbed_path"}
assert root.tag == "resource-agent" and root.get("shortdesc"), "root"
assert need_a <= actions, f"actions missing: {need_a - actions}"
assert need_p <= set(params), f"parameters missing: {need_p - set(params)}"
assert params["testbed"].get("required") == "1", "testbed not required"
for p in params.values():
    assert p.find("getopt") is not None and p.find("content") is not None and p.find("shortdesc") is not None, p.get("name")
EOF
then pass "metadata is well-formed XML with the expected actions and parameters"
else fail "metadata XML"; fi

netns_agent action=list "testbed=$name"
if [ "$rc" = 0 ] && [ "$(cat "$tmp/out")" = "$(printf 'n1,n1\nn2,n2\nn3,n3')" ]; then pass "list prints port,alias per node"; else fail "list"; fi
netns_agent action=monitor "testbed=$name"
check "monitor" 0
netns_agent action=validate-all "testbed=$name" port=n2
check "validate-all" 0
netns_agent action=status "testbed=$name" port=n2 nodename=n2
check "status of a running node -> 0, Status: ON" 0 "^Status: ON$"

netns_agent action=off "testbed=$name" port=n2 nodename=n2
check "off -> Success: Powered OFF" 0 "^Success: Powered OFF$"
expect_state "after off: n2's namespace empty and links down" 2 off
netns_agent action=status "testbed=$name" port=n2
check "status of an off node -> 2, Status: OFF" 2 "^Status: OFF$"
netns_agent action=off "testbed=$name" nodename=n2
check "off again (host from nodename) -> Already OFF" 0 "^Success: Already OFF$"
expect_state "the other nodes keep running" 1 on
netns_agent action=on "testbed=$name" plug=2
check "on (numeric plug) -> Success: Powered ON" 0 "^Success: Powered ON$"
expect_state "after on: n2 has its daemon and links" 2 on
netns_agent action=status "testbed=$name" port=n2
check "status after on -> 0" 0 "^Status: ON$"
netns_agent action=reboot "testbed=$name" port=web3 "node_map=web3:3"
check "reboot via node_map -> Success: Rebooted" 0 "^Success: Rebooted$"
# The agent confirms off and lets the node boot on its own.
# Generous bound: on a loaded machine the daemon can take seconds to start.
for _ in $(seq 300); do node_on 3 && break; sleep 0.1; done
expect_state "after reboot: n3 runs" 3 on
input=""; run ip netns exec "$name-n1" "$agent" -o off "--testbed=$name" -n n3
check "command line (-o off --testbed= -n), run from n1's namespace" 0 "^Success: Powered OFF$"
expect_state "n3 off" 3 off
input="action=status\n"; run "$agent" --action=status "--testbed=$name" --plug=n3
check "command-line mode ignores stdin; status -> 2" 2 "^Status: OFF$"
"$testbed" power "$name" 3 on >/dev/null

echo "== fence_netns: bad input changes nothing"
netns_agent action=off port=n2
check "missing testbed -> 1 with a reason" 1 "" "ERROR: Failed: You have to set the testbed name"
netns_agent action=off "testbed=$name" port=n7
check "unknown node -> 1 with a reason" 1 "" "no node 'n7' in testbed"
netns_agent action=off "testbed=$name" port=bogus
check "unparsable node -> 1" 1 "" "unknown node 'bogus'"
netns_agent action=off "testbed=$name"
check "no plug/nodename -> 1" 1 "" "You have to enter plug number"
netns_agent action=explode "testbed=$name" port=n2
check "bad action -> 1" 1 "" "Unrecognised action 'explode'"
netns_agent action=status testbed=nosuch port=n2
check "testbed that does not exist -> 1" 1 "" "no testbed 'nosuch'"
netns_agent action=validate-all
check "validate-all without testbed -> 1" 1 "" "validate-all failed"
netns_agent action=status "testbed=$name" port=n2 colour=blue
check "unknown option warned about, still works" 0 "^Status: ON$" "Ignoring unknown option 'colour=blue'"
for i in 1 2 3; do expect_state "n$i untouched by bad requests" "$i" on; done

echo "== fence_ipmilan through ipmi_sim (BMC of n2 in $name-client)"
if "$harness" start "$tmp/bmc2" "$name" 2 9633 >"$tmp/out" 2>"$tmp/err"; then
    pass "ipmi_sim started"
    ipmi() { input=""; run "$harness" fence "$tmp/bmc2" "$@"; }
    ipmi action=status
    check "ipmilan status -> 0" 0 "^Status: ON$"
    ipmi action=off nodename=n2 port=n2
    check "ipmilan off -> Success: Powered OFF" 0 "^Success: Powered OFF$"
    expect_state "after ipmilan off: n2's namespace empty and links down" 2 off
    ipmi action=status
    check "ipmilan status while off -> 2" 2 "^Status: OFF$"
    ipmi action=on
    check "ipmilan on -> Success: Powered ON" 0 "^Success: Powered ON$"
    expect_state "after ipmilan on: n2 back" 2 on
    ipmi action=reboot power_wait=0
    check "ipmilan reboot -> Success: Rebooted" 0 "^Success: Rebooted$"
    expect_state "after ipmilan reboot: n2 runs" 2 on
    ipmi action=off password=wrong
    check "ipmilan wrong password -> 1" 1 "" "Unable to obtain correct plug status"
    expect_state "wrong password changed nothing" 2 on
    # Nothing listens there; power_timeout bounds the wait (28 s otherwise).
    ipmi action=off ipport=9634 power_timeout=4
    check "ipmilan unreachable device -> 1" 1 "" "ERROR"
    expect_state "unreachable device changed nothing" 2 on
    "$harness" stop "$tmp/bmc2"
else
    fail "ipmi_sim did not start"
fi

echo "== fence_dummy"
dummy() { input=$(printf '%s\\n' "$@" "status_file=$tmp/dummy.status"); run /usr/sbin/fence_dummy; }
dummy action=status
check "dummy status without file -> 2" 2 "^Status: OFF$"
dummy action=on
check "dummy on" 0 "^Success: Powered ON$"
dummy action=status
check "dummy status -> 0" 0 "^Status: ON$"
dummy action=off
check "dummy off" 0 "^Success: Powered OFF$"
dummy action=reboot
check "dummy reboot" 0 "^Success: Rebooted$"
dummy action=list
check "dummy has no list" 1 "" "Unrecognised action 'list'"
dummy action=monitor
check "dummy monitor" 0

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# fence_netns's side of the fence-agents protocol that needs neither root nor
# a testbed: metadata XML, option parsing (stdin and command line), errors
# and exit codes, list from a testbed state directory made up here.
# Prints "N passed, M failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
agent=${FENCE_NETNS:-$here/../../agents/fence/fence_netns}
tmp=$(mktemp -d /tmp/baton-fnp.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

passed=0 failed=0
# t DESC WANT_RC STDOUT-REGEX STDERR-REGEX -- CMD... (stdin from $input)
input=""
t() {
    local desc=$1 want=$2 o=$3 e=$4 rc
    shift 5
    printf '%b' "$input" | "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" = "$want" ] && { [ -z "$o" ] || grep -Eq -- "$o" "$tmp/out"; } &&
        { [ -z "$e" ] || grep -Eq -- "$e" "$tmp/err"; }; then
        passed=$((passed + 1)); echo "ok   $desc"
    else
        failed=$((failed + 1)); echo "FAIL $desc (exit $rc, want $want)"
        sed 's/^/     stdout: /' "$tmp/out"; sed 's/^/     stderr: /' "$tmp/err"
    fi
}

input='action=metadata\n'
t "metadata" 0 '^<resource-agent name="fence_netns"' '' -- "$agent"
if python3 -c 'import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
a = {x.get("name") for x in r.find("actions")}
p = {x.get("name") for x in r.find("parameters")}
assert {"on","off","reboot","status","list","monitor","metadata","validate-all"} <= a, a
assert {"action","testbed","port","plug","nodename"} <= p, p' "$tmp/out"; then
    passed=$((passed + 1)); echo "ok   metadata parses, actions and parameters present"
else failed=$((failed + 1)); echo "FAIL metadata XML"; fi

input='  # comment\n\naction="meta-data"\n'
t "stdin: comments, blanks, quotes, meta-data alias" 0 '<actions>' '' -- "$agent"
input='action=reboot\n'
t "command line wins over stdin" 0 '<resource-agent' '' -- "$agent" -o metadata
t "--action=metadata" 0 '<resource-agent' '' -- "$agent" --action=metadata
t "--help" 0 '^Usage:' '' -- "$agent" --help
t "--version" 0 '.' '' -- "$agent" -V
t "unknown command-line option" 1 '' "ERROR: Parse error: option --colour not recognized" -- "$agent" --colour=blue
input='action=dance\ntestbed=x\n'
t "unrecognised action" 1 '' "^[0-9-]+ [0-9:]+,[0-9]{3} ERROR: Failed: Unrecognised action 'dance'" -- "$agent"
input='action=off\nport=n1\n'
t "missing testbed" 1 '' 'You have to set the testbed name' -- "$agent"
input='action=status\ntestbed=Bad_Name\nport=n1\n'
t "bad testbed name" 1 '' "bad testbed name 'Bad_Name'" -- "$agent"
input='action=validate-all\n'
t "validate-all without testbed" 1 '' 'validate-all failed' -- "$agent"
input='action=validate-all\ntestbed=tb1\nport=n1\n'
t "validate-all with testbed" 0 '' '' -- "$agent"
input='action=validate-all\ntestbed=tb1\nnode_map=web1\n'
t "validate-all rejects a bad node_map" 1 '' "bad node_map entry 'web1'" -- "$agent"
input='action=validate-all\ntestbed=tb1\ntestbed_path=/nonexistent\n'
t "validate-all with a missing testbed script" 1 '' "testbed script '/nonexistent' not found" -- "$agent"

# A made-up testbed state directory: list and status errors without root.
mkdir -p "$tmp/run/tb1"
echo 3 >"$tmp/run/tb1/nodes"
export BATON_TESTBED_RUN=$tmp/run
input='action=list\ntestbed=tb1\n'
t "list" 0 '^n1,n1$' '' -- "$agent"
input='action=list\ntestbed=tb1\nseparator=;\nnode_map=db:3\n'
t "list with separator and node_map" 0 '^db;n3$' '' -- "$agent"
input='action=status\ntestbed=tb1\nport=n4\n'
t "node beyond the testbed" 1 '' "no node 'n4' in testbed 'tb1' \\(nodes n1..n3\\)" -- "$agent"
input='action=status\ntestbed=tb1\nport=web\n'
t "unknown node name" 1 '' "unknown node 'web'" -- "$agent"
input='action=off\ntestbed=tb1\n'
t "no host argument" 1 '' 'You have to enter plug number' -- "$agent"
input='action=status\ntestbed=tb2\nport=n1\n'
t "testbed that does not exist" 1 '' "no testbed 'tb2'" -- "$agent"
input='action=list\ntestbed=tb1\nshoe=size\nnodename=n1\n'
t "unknown option warned, nodename silent" 0 '^n2,n2$' "WARNING:root:Parse error: Ignoring unknown option 'shoe=size'" -- "$agent"
if grep -q nodename "$tmp/err"; then failed=$((failed + 1)); echo "FAIL nodename warned about"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# baton-fenced end to end on the netns testbed, driven through the crm CLI:
#   (a) fence_netns powers n2 off (namespace empty, links down); history has
#       the success with device and times, and keeps it across a restart;
#   (b) fence_ipmilan through ipmi_sim (lanplus, cipher 3) powers n4 off;
#   (c) topology for n5: level 1 fence_ipmilan with a wrong password fails,
#       level 2 fence_netns succeeds; history records both;
#   (d) a hanging agent: the request fails at its timeout, the agent's
#       process group is gone, never a success;
#   (e) fence_ipmilan to a closed port: failure recorded, n7 untouched;
#   (f) n3's CLI asks n3's fencer, which has no device: n1's fencer does it
#       (peer delegation, HMAC-signed);
#   (g) an unsigned call (raw gRPC over HTTP/2 with curl) and a fencer with
#       another authkey are refused by n1's fencer, and logged.
# The nodes' "daemon" is a stand-in process (sleep), so that nothing but this
# test asks for fencing. Needs root, fence-agents, openipmi, ipmitool; exit
# 77 = skipped. Prints "N passed, M failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
real_bin=${BATON_BIN_DIR:-$repo/build/bin}
testbed=$repo/tests/testbed/testbed
harness=$here/ipmi_harness.sh

if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (network namespaces)"; exit 77; fi
for f in /usr/sbin/fence_ipmilan /usr/bin/ipmi_sim /usr/bin/ipmitool; do
    if [ ! -x "$f" ]; then echo "SKIP: $f missing (scripts/deps.sh)"; exit 77; fi
done
for b in baton-fenced crm; do
    if [ ! -x "$real_bin/$b" ]; then echo "FAIL: $real_bin/$b not built"; exit 1; fi
done

name=fe$(($$ % 100000))
tmp=$(mktemp -d /tmp/baton-fenced-e2e.XXXXXX)
run=${BATON_TESTBED_RUN:-/run/baton-testbed}/$name
started_pids=()  # fencers this test started (by pid, never by name)

cleanup() {
    local pid
    for pid in "${started_pids[@]}"; do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = baton-fenced ] && kill -TERM "$pid" 2>/dev/null
    done
    "$harness" stop "$tmp/bmc4" >/dev/null 2>&1
    "$testbed" down "$name" >/dev/null 2>&1
    if [ -n "${KEEP_TMP-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The testbed's node daemon: a stand-in that just lives in the namespace.
mkdir -p "$tmp/bin" "$tmp/agents"
printf '#!/bin/sh\nexec sleep 1000000\n' >"$tmp/bin/baton-crmd"
chmod 755 "$tmp/bin/baton-crmd"
ln -s "$real_bin/crm" "$tmp/bin/crm"
# No baton-fenced in the testbed's bin dir: `testbed start` would start one
# per node, and this test starts its own fencers (from $real_bin).
export BATON_BIN_DIR=$tmp/bin  # for testbed, fence_netns and the BMC's chassis helper

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() {
    failed=$((failed + 1)); echo "FAIL $1"
    sed 's/^/     stdout: /' "$tmp/out"; sed 's/^/     stderr: /' "$tmp/err"
}
# crm_on I ARGS... : crm ARGS... in node I's namespace, as an operator there.
crm_on() {
    "$testbed" crm "$name" "$@" >"$tmp/out" 2>"$tmp/err"
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
# check_out DESC PATTERN : the last command's stdout matches PATTERN (grep -E).
check_out() {
    if grep -qE -- "$2" "$tmp/out"; then pass "$1"; else fail "$1 (stdout lacks /$2/)"; fi
}
check_log() { # DESC FILE PATTERN
    if grep -qE -- "$3" "$2"; then pass "$1"; else
        failed=$((failed + 1)); echo "FAIL $1 ($2 lacks /$3/)"; tail -n 20 "$2" | sed 's/^/     log: /'
    fi
}
node_off() {
    [ -z "$(ip netns pids "$name-n$1")" ] && ! ip -n "$name-n$1" -o link show up | grep -qv ': lo:'
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

# start_fencer I DEVICES-FILE|- [extra flags...] : baton-fenced in node I's
# namespace with state in the node's directory; waits until it serves.
start_fencer() {
    local i=$1 devices=$2 ndir=$run/n$1 log pid before
    shift 2
    log=$ndir/baton-fenced.log
    before=$(grep -c "serving on" "$log" 2>/dev/null)
    local args=(--config "$ndir/cluster.conf" --state-dir "$ndir/state" --node "n$i"
        --agents-dir "$tmp/agents" --agents-dir "$repo/agents/fence" --agents-dir /usr/sbin --timeout 20000)
    [ "$devices" = - ] || args+=(--devices "$devices")
    # shellcheck disable=SC2016 # expanded by the inner bash
    ip netns exec "$name-n$i" setsid bash -c 'echo $$ >"$0" && exec "$@"' "$tmp/fencer$i.pid" \
        "$real_bin/baton-fenced" "${args[@]}" "$@" </dev/null >>"$log" 2>&1 &
    local _
    for _ in $(seq 1 100); do
        [ "$(grep -c "serving on" "$log" 2>/dev/null)" -gt "${before:-0}" ] && break
        sleep 0.1
    done
    pid=$(cat "$tmp/fencer$i.pid" 2>/dev/null)
    [ -n "$pid" ] && started_pids+=("$pid")
    if [ "$(grep -c "serving on" "$log" 2>/dev/null)" -le "${before:-0}" ]; then
        echo "FAIL: baton-fenced on n$i did not start"; tail -n 20 "$log"; exit 1
    fi
}
stop_fencer() { # I
    local pid _
    pid=$(cat "$tmp/fencer$1.pid")
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = baton-fenced ] || return 0
    kill -TERM "$pid"
    for _ in $(seq 1 50); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
}

# A fence agent that hangs on any power action: records its pid and its
# child's, then waits forever. Metadata as fence-agents print it.
cat >"$tmp/agents/fence_hang" <<'EOF'
#!/bin/sh
action="" pidfile=/dev/null
while IFS= read -r line; do
  case $line in action=*) action=${line#action=} ;; pidfile=*) pidfile=${line#pidfile=} ;; esac
done
case $action in
metadata)
  cat <<'XML'
<?xml version="1.0" ?>
<resource-agent name="fence_hang" shortdesc="Hangs on power actions (baton's e2e test)">
<parameters>
	<parameter name="action" unique="0" required="1"><getopt mixed="-o"/><content type="string" default="reboot"/><shortdesc lang="en">Fencing action</shortdesc></parameter>
	<parameter name="plug" unique="0" required="0"><getopt mixed="-n"/><content type="string"/><shortdesc lang="en">Node</shortdesc></parameter>
	<parameter name="pidfile" unique="0" required="0"><getopt mixed="--pidfile"/><content type="string"/><shortdesc lang="en">Where to write pids</shortdesc></parameter>
</parameters>
<actions><action name="on"/><action name="off"/><action name="reboot"/><action name="status"/><action name="monitor"/><action name="metadata"/></actions>
</resource-agent>
XML
  exit 0 ;;
monitor|status) exit 0 ;;
*) sleep 1000000 &
   echo "$$ $!" >"$pidfile"
   wait ;;
esac
EOF
chmod 755 "$tmp/agents/fence_hang"

nvpairs() { # ID k=v... : an instance_attributes block
    local id=$1 kv n=0
    shift
    echo "<instance_attributes id=\"$id-ia\">"
    for kv in "$@"; do
        n=$((n + 1))
        echo "<nvpair id=\"$id-$n\" name=\"${kv%%=*}\" value=\"${kv#*=}\"/>"
    done
    echo "</instance_attributes>"
}
device() { # ID TYPE k=v...
    local id=$1 type=$2
    shift 2
    echo "<primitive id=\"$id\" class=\"stonith\" type=\"$type\">"
    nvpairs "$id" "$@"
    echo "</primitive>"
}
ipmi_common=(ip=127.0.0.1 username=admin lanplus=1 cipher=3 power_wait=1 pcmk_host_argument=none)
{
    echo '<cib admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config/><nodes/><resources>'
    device netns_n2 fence_netns "testbed=$name" pcmk_host_list=n2
    device ipmi_n4 fence_ipmilan "${ipmi_common[@]}" ipport=9633 password=password pcmk_host_list=n4
    device ipmi_badpw_n5 fence_ipmilan "${ipmi_common[@]}" ipport=9633 password=wrong pcmk_host_list=n5
    device netns_n5 fence_netns "testbed=$name" pcmk_host_list=n5
    device hang_n6 fence_hang "pidfile=$tmp/hang.pids" pcmk_host_list=n6
    device ipmi_closed_n7 fence_ipmilan "${ipmi_common[@]}" ipport=9699 password=password pcmk_host_list=n7
    echo '</resources><constraints/><fencing-topology>'
    echo '<fencing-level id="fl-n5-1" target="n5" index="1" devices="ipmi_badpw_n5"/>'
    echo '<fencing-level id="fl-n5-2" target="n5" index="2" devices="netns_n5"/>'
    echo '</fencing-topology></configuration><status/></cib>'
} >"$tmp/devices1.xml"

"$testbed" up "$name" --nodes 7 >/dev/null || { echo "FAIL: testbed up"; exit 1; }
for i in 2 3 4 5 6 7; do "$testbed" start "$name" "$i" >/dev/null || { echo "FAIL: testbed start $i"; exit 1; }; done
# n4's BMC lives in n1's namespace, on its loopback (as a management LAN).
"$harness" start "$tmp/bmc4" "$name" 4 9633 "$name-n1" >/dev/null || { echo "FAIL: ipmi_sim"; exit 1; }
start_fencer 1 "$tmp/devices1.xml"
log1=$run/n1/baton-fenced.log

echo "== (a) fence_netns through baton-fenced"
crm_on 1 node fence n2 --action off --timeout 15000
check "crm node fence n2 --action off -> success line" 0 "^off of n2 successful: delegate=n1, client=crm\.[0-9]*, origin=n1, completed='.*devices=netns_n2"
expect_state "n2's namespace has no process and its links are down" 2 off
crm_on 1 history fencing n2 --verbose
check_out "history: the success with device and times" \
    "^  \* off of n2 successful: delegate=n1, client=crm\.[0-9]+, origin=n1, completed='[0-9-]+ [0-9:]+.*', devices=netns_n2, started='.*', duration=[0-9]+ms"
stop_fencer 1
start_fencer 1 "$tmp/devices1.xml"
crm_on 1 history fencing n2
check "history survives a fencer restart" 0 "^  \* off of n2 successful: delegate=n1"
"$testbed" power "$name" 2 on >/dev/null

echo "== (b) fence_ipmilan through ipmi_sim"
crm_on 1 node fence n4 --action off --timeout 20000
check "fence n4 via fence_ipmilan -> success" 0 "^off of n4 successful: .*devices=ipmi_n4"
expect_state "n4 powered off through the BMC" 4 off
grep -q "set power 0" "$tmp/bmc4/chassis.log" && pass "ipmi_sim's chassis control was asked to power off" ||
    { failed=$((failed + 1)); echo "FAIL ipmi_sim chassis.log lacks 'set power 0'"; }
"$testbed" power "$name" 4 on >/dev/null

echo "== (c) topology: level 1 fails (wrong password), level 2 succeeds"
crm_on 1 node fence n5 --action off --timeout 15000
check "fence n5 -> success through level 2" 0 "^off of n5 successful: .*devices=[^ ]*netns_n5"
expect_state "n5 off" 5 off
check_log "fencer ran level 1's fence_ipmilan first" "$log1" "fence_ipmilan action=off for device 'ipmi_badpw_n5'"
check_log "then level 2's fence_netns" "$log1" "fence_netns action=off for device 'netns_n5'"
crm_on 1 history fencing n5 --verbose
check_out "history of n5: the success" "off of n5 successful: delegate=n1.*netns_n5"
check_out "history of n5 records level 1's failure" "off of n5 successful: .*exit-reason='after .*ipmi_badpw_n5"
"$testbed" power "$name" 5 on >/dev/null

echo "== (d) a hanging agent fails at the timeout"
start=$(date +%s%N)
crm_on 1 node fence n6 --action off --timeout 3000
elapsed=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" != 0 ] && ! grep -q successful "$tmp/out"; then pass "hanging device -> failure (exit $rc, ${elapsed} ms)"; else
    fail "hanging device must not succeed (exit $rc)"; fi
[ "$elapsed" -ge 2900 ] && pass "failed no earlier than its timeout" || fail "answered after ${elapsed} ms < 3000"
grep -qE "off of n6 failed" "$tmp/err" && pass "says 'off of n6 failed'" || fail "no failure line"
if [ -s "$tmp/hang.pids" ]; then
    read -r apid cpid <"$tmp/hang.pids"
    sleep 0.3
    gone=1
    for p in $apid $cpid; do [ -e "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat")" != Z ] && gone=0; done
    [ -z "$(ps -o pid= -g "$apid" 2>/dev/null)" ] || gone=0
    [ $gone = 1 ] && pass "the agent's process group is gone" || fail "agent $apid / child $cpid still alive"
else
    fail "the hanging agent never ran (no $tmp/hang.pids)"
fi
expect_state "n6 untouched" 6 on
crm_on 1 history fencing n6
check_out "history of n6: failed, never successful" "off of n6 failed"
grep -q "successful" "$tmp/out" && fail "history of n6 shows a success"

echo "== (e) unreachable device"
crm_on 1 node fence n7 --action off --timeout 6000
if [ "$rc" != 0 ]; then pass "fence_ipmilan to a closed port -> failure (exit $rc)"; else fail "closed port succeeded"; fi
expect_state "n7 untouched" 7 on
crm_on 1 history fencing n7
check_out "history of n7 records the failure" "off of n7 failed"

echo "== (f) n3's fencer delegates to n1's (signed peer calls)"
start_fencer 3 -
crm_on 3 node fence n2 --action off --timeout 15000
check "crm on n3 -> carried out by n1" 0 "^off of n2 successful: delegate=n1, client=crm\.[0-9]*, origin=n3"
expect_state "n2 off" 2 off
crm_on 1 history fencing n2
check_out "n1's history: delegate n1, origin n3" "off of n2 successful: delegate=n1, client=crm\.[0-9]+, origin=n3"
crm_on 3 history fencing n2
check_out "n3's history records it too" "off of n2 successful: delegate=n1, client=crm\.[0-9]+, origin=n3"
"$testbed" power "$name" 2 on >/dev/null

echo "== (g) unauthenticated peers are refused"
# A raw, unsigned gRPC call: HTTP/2 POST of an empty HistoryRequest frame.
printf '\0\0\0\0\0' >"$tmp/empty.grpc"
ip netns exec "$name-n3" curl -s --http2-prior-knowledge -o /dev/null -D "$tmp/headers" \
    -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @"$tmp/empty.grpc" \
    http://198.18.0.1:5415/baton.fencing.Fencer/History >/dev/null 2>&1
grep -qi "grpc-status: 16" "$tmp/headers" && pass "unsigned History call -> UNAUTHENTICATED" ||
    { failed=$((failed + 1)); echo "FAIL unsigned call not refused:"; sed 's/^/     /' "$tmp/headers"; }
check_log "n1's fencer logged the refusal" "$log1" "refused History from ipv4:198\.18\.0\.3"
stop_fencer 3
head -c 32 /dev/urandom >"$tmp/otherkey"
chmod 600 "$tmp/otherkey"
start_fencer 3 - --authkey "$tmp/otherkey"
crm_on 3 node fence n2 --action off --timeout 5000
if [ "$rc" != 0 ]; then pass "a fencer with another authkey gets nothing done (exit $rc)"; else fail "wrong key fenced"; fi
expect_state "n2 untouched" 2 on
check_log "n1's fencer logged the refused peer call" "$log1" "refused (Query|Fence) from ipv4:198\.18\.0\.3"

echo "== bad input sends nothing"
crm_on 1 node fence n2 --action explode
check "bad action -> exit 2, one line" 2 "" "bad action 'explode'"
crm_on 1 node fence
check "no node -> exit 2" 2 "" "exactly one node"
expect_state "n2 untouched by bad requests" 2 on

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

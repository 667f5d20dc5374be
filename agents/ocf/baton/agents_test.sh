#!/usr/bin/env bash
# Tests baton's OCF agents (Dummy, Stateful, IPaddr) with resource-agents'
# ocf-tester plus checks of our own. IPaddr runs inside a network namespace
# made for this run (root needed); nothing touches the root namespace's
# networking. Exit 77 = skipped (no ocf-tester, or not root for the IPaddr part).
set -u

here=$(cd "$(dirname "$0")" && pwd)
tester=$(command -v ocf-tester 2>/dev/null || echo /usr/sbin/ocf-tester)
if [ ! -x "$tester" ]; then
    echo "SKIP: ocf-tester not found (apt-get install resource-agents)"
    exit 77
fi
export OCF_ROOT=${OCF_ROOT:-/usr/lib/ocf}
if [ ! -d "$OCF_ROOT" ]; then
    echo "SKIP: OCF_ROOT $OCF_ROOT missing (ocf-tester needs it)"
    exit 77
fi

tmp=$(mktemp -d /tmp/baton-agents-test.XXXXXX)
ns=""
cleanup() {
    if [ -n "$ns" ]; then
        # background announcers started inside our namespace
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# expect RC DESCRIPTION COMMAND... ; stderr of the last command in $tmp/err
expect() {
    local want=$1 what=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" = "$want" ]; then pass "$what (rc=$rc)"; else
        fail "$what: rc=$rc, want $want"; sed 's/^/    /' "$tmp/out" "$tmp/err"; fi
}

# run_tester LABEL ENV... -- ocf-tester ARGS...
run_tester() {
    local label=$1; shift
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    echo "== ocf-tester: $label"
    local out rc
    out=$(env "${envs[@]}" "$@" 2>&1); rc=$?
    echo "$out" | sed 's/^/    /'
    if [ $rc -eq 0 ] && echo "$out" | grep -q "passed all tests"; then
        pass "ocf-tester $label"
    else
        fail "ocf-tester $label (rc=$rc)"
    fi
}

nofuncs="$tmp/no-shellfuncs"   # OCF_FUNCTIONS_DIR without ocf-shellfuncs
mkdir -p "$nofuncs" "$tmp/rsctmp" "$tmp/bin"

# ---------------------------------------------------------------- Dummy
D="$here/Dummy"
for funcs in with without; do
    fenv=(); [ $funcs = without ] && fenv=(OCF_FUNCTIONS_DIR="$nofuncs")
    run_tester "Dummy ($funcs ocf-shellfuncs)" "${fenv[@]}" HA_RSCTMP="$tmp/rsctmp" -- \
        "$tester" -n dummy-$funcs -o state="$tmp/dummy-$funcs.state" "$D"
    run_tester "Dummy default state path ($funcs ocf-shellfuncs)" "${fenv[@]}" HA_RSCTMP="$tmp/rsctmp" -- \
        "$tester" -n dflt-$funcs "$D"
    # ocf-tester ends with migrate_from, which leaves the instance running
    [ -f "$tmp/rsctmp/Dummy-dflt-$funcs.state" ] && pass "Dummy default state file name" \
        || fail "Dummy did not use \$HA_RSCTMP/Dummy-<instance>.state ($funcs)"
    dx() {  # dx [VAR=VALUE...] ACTION
        local e=(); while [[ $1 == *=* ]]; do e+=("$1"); shift; done
        env "${fenv[@]}" OCF_RESOURCE_INSTANCE=d1 OCF_RESKEY_state="$tmp/d1.state" "${e[@]}" "$D" "$@"
    }
    expect 7 "Dummy monitor when stopped ($funcs)" dx monitor
    expect 0 "Dummy stop when stopped ($funcs)" dx stop
    expect 0 "Dummy start ($funcs)" dx start
    expect 0 "Dummy start again ($funcs)" dx start
    expect 0 "Dummy monitor running ($funcs)" dx monitor
    expect 0 "Dummy reload ($funcs)" dx reload
    expect 0 "Dummy migrate_to ($funcs)" dx migrate_to
    expect 7 "Dummy monitor after migrate_to ($funcs)" dx monitor
    expect 0 "Dummy migrate_from ($funcs)" dx migrate_from
    expect 0 "Dummy stop ($funcs)" dx stop
    expect 7 "Dummy monitor after stop ($funcs)" dx monitor
    expect 6 "Dummy validate-all relative state ($funcs)" dx OCF_RESKEY_state=rel validate-all
    grep -q '^ocf-exit-reason:' "$tmp/err" && pass "Dummy exit reason" || fail "Dummy: no ocf-exit-reason line"
done

# ---------------------------------------------------------------- Stateful
S="$here/Stateful"
# a crm_attribute that records its arguments
cat >"$tmp/bin/crm_attribute" <<STUB
#!/bin/sh
echo "\$*" >> "$tmp/crm_attribute.log"
exit 0
STUB
chmod 755 "$tmp/bin/crm_attribute"
run_tester "Stateful (recording crm_attribute)" PATH="$tmp/bin:$PATH" OCF_RESKEY_CRM_meta_on_node=node-a -- \
    "$tester" -n st1 -o state="$tmp/st1.state" "$S"
for want in "-N node-a -n master-st1 -l reboot -v 5" "-N node-a -n master-st1 -l reboot -v 10" \
            "-N node-a -n master-st1 -l reboot -D"; do
    grep -qxF -- "$want" "$tmp/crm_attribute.log" && pass "Stateful ran crm_attribute $want" \
        || { fail "Stateful never ran crm_attribute $want"; sed 's/^/    /' "$tmp/crm_attribute.log"; }
done
# without ocf-shellfuncs and without any crm_attribute: scores are skipped
run_tester "Stateful (no ocf-shellfuncs, no crm_attribute)" OCF_FUNCTIONS_DIR="$nofuncs" \
    PATH=/usr/bin:/bin HA_SBIN_DIR="$tmp/no-sbin" -- \
    "$tester" -n st2 -o state="$tmp/st2.state" "$S"
sx() {  # sx [VAR=VALUE...] ACTION
    local e=(); while [[ $1 == *=* ]]; do e+=("$1"); shift; done
    env PATH="$tmp/bin:$PATH" OCF_RESOURCE_INSTANCE=st3 OCF_RESKEY_state="$tmp/st3.state" "${e[@]}" "$S" "$@"
}
expect 7 "Stateful monitor when stopped" sx monitor
expect 0 "Stateful stop when stopped" sx stop
expect 0 "Stateful start" sx start
expect 0 "Stateful monitor unpromoted" sx monitor
expect 0 "Stateful promote" sx promote
expect 8 "Stateful monitor promoted" sx monitor
expect 0 "Stateful notify" sx OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=promote notify
expect 0 "Stateful demote" sx demote
expect 0 "Stateful monitor demoted" sx monitor
expect 0 "Stateful stop" sx stop
expect 7 "Stateful monitor after stop" sx monitor
expect 6 "Stateful validate-all bad score" sx OCF_RESKEY_promoted_score=high validate-all

# ---------------------------------------------------------------- IPaddr
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: IPaddr checks need root (network namespace)"
    [ $failures -eq 0 ] && exit 77
    echo "$failures failure(s)"; exit 1
fi
if ! command -v ip >/dev/null 2>&1; then
    echo "SKIP: iproute2 missing"
    [ $failures -eq 0 ] && exit 77
    echo "$failures failure(s)"; exit 1
fi

ns="baton-ag-$$"
if ! ip netns add "$ns"; then
    ns=""; fail "cannot create network namespace"
    echo "$failures failure(s)"; exit 1
fi
# a dummy interface where the kernel has the module, else a veth pair
# (both ends inside the namespace)
if ! ip -n "$ns" link add d0 type dummy 2>/dev/null; then
    ip -n "$ns" link add d0 type veth peer name d0p || { fail "cannot create d0"; exit 1; }
    ip -n "$ns" link set d0p up
fi
ip -n "$ns" link set d0 arp on 2>/dev/null
ip -n "$ns" link set lo up
ip -n "$ns" link set d0 up
ip -n "$ns" addr add 198.18.0.1/24 dev d0
ip -n "$ns" addr add 2001:db8:18::1/64 dev d0 nodad

I="$here/IPaddr"
VIP=198.18.0.10
run_tester "IPaddr (nic and netmask from the routing table)" -- \
    ip netns exec "$ns" "$tester" -n vip1 -o ip=$VIP "$I"
run_tester "IPaddr (explicit nic/netmask, no ocf-shellfuncs)" OCF_FUNCTIONS_DIR="$nofuncs" -- \
    ip netns exec "$ns" "$tester" -n vip2 -o ip=$VIP -o nic=d0 -o cidr_netmask=32 \
    -o arp_count=3 -o arp_interval=50 "$I"
run_tester "IPaddr IPv6" -- \
    ip netns exec "$ns" "$tester" -n vip6 -o ip=2001:db8:18::10 "$I"

ix() { ip netns exec "$ns" env OCF_RESOURCE_INSTANCE=vip OCF_RESKEY_ip=$VIP "$@" "$I" "${ixa[@]}"; }
has_addr() { ip -n "$ns" -o addr show dev d0 | grep -c " $1 "; }

ixa=(validate-all)
expect 6 "IPaddr validate-all bad ip" ix OCF_RESKEY_ip=198.18.0.300
grep -q '^ocf-exit-reason:.' "$tmp/err" && pass "IPaddr bad ip exit reason: $(grep '^ocf-exit-reason:' "$tmp/err")" \
    || fail "IPaddr bad ip: no ocf-exit-reason line"
expect 6 "IPaddr validate-all missing interface" ix OCF_RESKEY_nic=nope0
grep -q '^ocf-exit-reason:.' "$tmp/err" && pass "IPaddr missing nic exit reason: $(grep '^ocf-exit-reason:' "$tmp/err")" \
    || fail "IPaddr missing nic: no ocf-exit-reason line"
expect 6 "IPaddr validate-all without ip" ix OCF_RESKEY_ip=
expect 6 "IPaddr validate-all bad netmask" ix OCF_RESKEY_cidr_netmask=33
expect 6 "IPaddr validate-all bad arp_count" ix OCF_RESKEY_arp_count=x
expect 0 "IPaddr validate-all" ix
ixa=(monitor)
expect 7 "IPaddr probe with missing interface" ix OCF_RESKEY_nic=nope0 OCF_RESKEY_CRM_meta_interval=0
expect 7 "IPaddr monitor when stopped" ix
ixa=(stop)
expect 0 "IPaddr stop when stopped" ix
rx_d0p() {  # packets received by the veth peer (empty without one)
    ip -n "$ns" -s link show dev d0p 2>/dev/null | awk '/RX:/ { getline; print $2; exit }'
}
rx0=$(rx_d0p)
ixa=(start)
t0=$(date +%s%N)
expect 0 "IPaddr start" ix
t1=$(date +%s%N)
rx1=$(rx_d0p)
ms=$(( (t1 - t0) / 1000000 ))
[ $ms -lt 900 ] && pass "IPaddr start returned in ${ms} ms (announcements continue in the background)" \
    || fail "IPaddr start took ${ms} ms"
[ "$(has_addr $VIP/24)" = 1 ] && pass "IPaddr added $VIP/24 to d0" || { fail "$VIP/24 not on d0"; ip -n "$ns" addr show dev d0; }
if [ -n "$rx0" ]; then
    # the peer sees the first gratuitous ARP before start returns, the rest
    # (arp_count=5, 200 ms apart) soon after
    [ $((rx1 - rx0)) -ge 1 ] && pass "first announcement sent before start returned" \
        || fail "no packet on d0p when start returned"
    sleep 1.5
    rx2=$(rx_d0p)
    [ $((rx2 - rx0)) -ge 5 ] && pass "$((rx2 - rx0)) packets announced" \
        || fail "only $((rx2 - rx0)) packets on d0p, want >= 5"
fi
expect 0 "IPaddr start twice" ix
[ "$(has_addr $VIP/24)" = 1 ] && pass "address present once" || fail "address not present exactly once"
ixa=(monitor)
expect 0 "IPaddr monitor running" ix
ixa=(stop)
expect 0 "IPaddr stop" ix
[ "$(has_addr $VIP/24)" = 0 ] && pass "IPaddr removed the address" || fail "address still on d0"
ixa=(monitor)
expect 7 "IPaddr monitor after stop" ix
ixa=(stop)
expect 0 "IPaddr stop when stopped (again)" ix
# the address put on by hand with another mask is still found and removed
ip -n "$ns" addr add $VIP/28 dev d0
ixa=(monitor)
expect 0 "IPaddr monitor finds a manually added address" ix
ixa=(stop)
expect 0 "IPaddr stop removes it" ix
[ "$(has_addr $VIP/28)" = 0 ] && pass "manual address removed" || fail "manual address still on d0"

# background announcers must be gone after arp_count * arp_interval (+1 s arping wait)
sleep 2
left=$(ip netns pids "$ns" | wc -l)
[ "$left" = 0 ] && pass "no processes left in the namespace" || fail "$left process(es) left in $ns"

if [ $failures -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all agent tests passed"
exit 0

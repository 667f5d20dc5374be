#!/usr/bin/env bash
# Self-test of tests/testbed/testbed: builds a 3-node testbed and checks its
# links, partitions, power switch, daemon handling and teardown. Needs root
# and `ip netns`; exits 77 (skipped) without them. The daemons are stand-ins
# (a stub baton-crmd and crm), so the test does not depend on the build.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
testbed=$here/testbed

if [[ $EUID -ne 0 ]]; then
  echo "testbed_test: skipped: needs root (network namespaces)"
  exit 77
fi
if ! ip netns list >/dev/null 2>&1; then
  echo "testbed_test: skipped: 'ip netns' is unavailable"
  exit 77
fi
for tool in ping nft; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "testbed_test: skipped: '$tool' is not installed (run scripts/deps.sh)"
    exit 77
  fi
done

name=$(echo "t$$" | cut -c1-8)
other=$(echo "u$$" | cut -c1-8)
stale=$(echo "v$$" | cut -c1-8)
run_root=${BATON_TESTBED_RUN:-/run/baton-testbed}
work=$(mktemp -d)

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }
check() { # check DESCRIPTION CMD...
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# A testbed of the same name from elsewhere is not ours to take down.
for n in "$name" "$other" "$stale"; do
  if [[ -e $run_root/$n ]] || ip netns list | grep -Eq "^$n-"; then
    echo "testbed_test: a testbed named '$n' already exists; not touching it" >&2
    exit 1
  fi
done

cleanup() {
  local status=$?
  "$testbed" down "$name" >/dev/null 2>&1 || true
  "$testbed" down "$other" >/dev/null 2>&1 || true
  "$testbed" down "$stale" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# reach FROM ADDR: FROM (a node index or "client") answers pings to ADDR;
# retried a little, a link that was just brought up may need a moment.
reach() {
  local _
  for _ in 1 2 3 4 5; do
    "$testbed" exec "$name" "$1" ping -c1 -W1 "$2" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}
# unreachable FROM ADDR: a ping gets no answer.
unreachable() {
  ! "$testbed" exec "$name" "$1" ping -c1 -W1 "$2" >/dev/null 2>&1
}
# dead PID: the process is gone, or is a zombie its new parent has yet to reap.
dead() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
  [[ -z $state || $state == Z || $state == X ]]
}
namespaces_of() { ip netns list | awk '{print $1}' | grep -E "^$1-" || true; }
root_snapshot() {
  ip -o link show | awk -F': ' '{print $2}' | sort
  ip -o addr show | awk '{print $2, $3, $4}' | sort
  ip route show table all | sort
}
# The stand-in daemon records its arguments and namespace and waits for SIGTERM.
mkdir -p "$work/bin" "$work/empty"
cat >"$work/bin/baton-crmd" <<'EOF'
#!/usr/bin/env bash
dir=$(dirname "$2")
echo "$*" >"$dir/stub-args"
trap 'exit 0' TERM
while :; do sleep 0.1; done
EOF
cat >"$work/bin/crm" <<'EOF'
#!/usr/bin/env bash
echo "args=$* node_dir=${BATON_NODE_DIR-unset}"
ip -4 -o addr show dev lan0
EOF
chmod +x "$work/bin/baton-crmd" "$work/bin/crm"
export BATON_BIN_DIR=$work/bin

echo "== usage errors"
for args in "up Bad --nodes 3" "up toolong99 --nodes 3" "up a-b --nodes 3" "up '' --nodes 3" \
  "up $name --nodes 0" "up $name --nodes 17" "up $name --nodes x" "up $name" \
  "up $name --nodes 2 --private-dir relative/dir" "up $name --nodes 2 --private-dir /nonexistent-baton-dir" \
  "up $name --nodes 2 --private-dir /proc"; do
  status=0
  eval "\"\$testbed\" $args" >/dev/null 2>&1 || status=$?
  check "'testbed $args' exits 2" test "$status" -eq 2
done
check "no namespace left by refused ups" test -z "$(namespaces_of "$name")"

echo "== up $name --nodes 3"
before=$(root_snapshot)
"$testbed" up "$name" --nodes 3
expected=$(printf '%s\n' "$name-client" "$name-hb" "$name-lan" "$name-n1" "$name-n2" "$name-n3")
check "namespaces are $name-{n1,n2,n3,client,lan,hb}" test "$(namespaces_of "$name" | sort)" = "$expected"
check "root namespace unchanged (links, addresses, routes)" test "$(root_snapshot)" = "$before"
status=0
"$testbed" up "$name" --nodes 3 >/dev/null 2>&1 || status=$?
check "a second up of $name is refused" test "$status" -ne 0
check "the refused up left the testbed intact" test "$(namespaces_of "$name" | sort)" = "$expected"

dir=$run_root/$name
check "cluster.conf has 3 nodes" test "$(grep -c 'nodeid:' "$dir/cluster.conf")" -eq 3
check "cluster.conf names the cluster" grep -q "cluster_name: $name" "$dir/cluster.conf"
check "cluster.conf: no two_node with 3 nodes" bash -c "! grep -q two_node '$dir/cluster.conf'"
check "cluster.conf: node 3 rings" grep -q 'ring1_addr: 198.19.0.3' "$dir/cluster.conf"
for i in 1 2 3; do
  check "node $i: cluster.conf copied" cmp -s "$dir/cluster.conf" "$dir/n$i/cluster.conf"
  check "node $i: authkey copied, 32 bytes, mode 600" \
    test "$(stat -c '%s %a' "$dir/n$i/authkey")" = "32 600"
  check "node $i: lan0 is 198.18.0.$i" \
    bash -c "'$testbed' exec '$name' $i ip -4 -o addr show dev lan0 | grep -q ' 198.18.0.$i/24'"
  check "node $i: hb0 is 198.19.0.$i" \
    bash -c "'$testbed' exec '$name' $i ip -4 -o addr show dev hb0 | grep -q ' 198.19.0.$i/24'"
done

echo "== full mesh"
for i in 1 2 3; do
  for j in 1 2 3; do
    [[ $i == "$j" ]] && continue
    check "n$i -> 198.18.0.$j (lan)" reach "$i" "198.18.0.$j"
    check "n$i -> 198.19.0.$j (hb)" reach "$i" "198.19.0.$j"
  done
done
check "client -> 198.18.0.1" reach client 198.18.0.1
check "client cannot reach the heartbeat link" unreachable client 198.19.0.1

echo "== cut and heal"
"$testbed" cut "$name" 1 2 hb
check "cut hb: n1 -/-> 198.19.0.2" unreachable 1 198.19.0.2
check "cut hb: n2 -/-> 198.19.0.1" unreachable 2 198.19.0.1
check "cut hb: n1 -> 198.18.0.2 (lan untouched)" reach 1 198.18.0.2
check "cut hb: n1 -> 198.19.0.3 (other peers untouched)" reach 1 198.19.0.3
"$testbed" cut "$name" 1 2 all
check "cut all: n1 -/-> 198.18.0.2" unreachable 1 198.18.0.2
check "cut all: n2 -/-> 198.18.0.1" unreachable 2 198.18.0.1
check "cut all: n1 -/-> 198.19.0.2" unreachable 1 198.19.0.2
check "cut all: n2 -> 198.18.0.3" reach 2 198.18.0.3
check "cut all: client -> 198.18.0.1" reach client 198.18.0.1
"$testbed" heal "$name"
check "heal: n1 -> 198.18.0.2" reach 1 198.18.0.2
check "heal: n1 -> 198.19.0.2" reach 1 198.19.0.2
check "heal: n2 -> 198.19.0.1" reach 2 198.19.0.1
"$testbed" cut "$name" 2 3
check "cut default (all): n2 -/-> 198.18.0.3" unreachable 2 198.18.0.3
check "cut default (all): n3 -/-> 198.19.0.2" unreachable 3 198.19.0.2
"$testbed" heal "$name"
check "heal: n2 -> 198.18.0.3" reach 2 198.18.0.3
status=0
"$testbed" cut "$name" 1 4 >/dev/null 2>&1 || status=$?
check "cut with a node out of range exits 2" test "$status" -eq 2

echo "== start, stop, crm"
status=0
out=$(BATON_BIN_DIR=$work/empty "$testbed" start "$name" 1 2>&1) || status=$?
check "start without the binary exits 1" test "$status" -eq 1
check "start without the binary says 'baton-crmd not built'" grep -q "baton-crmd not built" <<<"$out"
"$testbed" start "$name" 1
pid=$(cat "$dir/n1/baton-crmd.pid")
check "start: pid recorded and running inside $name-n1" bash -c "ip netns pids '$name-n1' | grep -qx '$pid'"
check "start: daemon got --config, --state-dir, its node name and agents' runtime dir" \
  grep -qx -- "--config $dir/n1/cluster.conf --state-dir $dir/n1/state --node n1 --rsctmp $dir/n1/rsctmp" \
  "$dir/n1/stub-args"
"$testbed" start "$name" 1 >/dev/null
check "start twice: still the same daemon" test "$(cat "$dir/n1/baton-crmd.pid")" = "$pid"
out=$("$testbed" crm "$name" 1 status --full)
check "crm: runs crm with the arguments and BATON_NODE_DIR" grep -q "args=status --full node_dir=$dir/n1" <<<"$out"
check "crm: runs inside node 1's namespace" grep -q " 198.18.0.1/24" <<<"$out"
"$testbed" stop "$name" 1
check "stop: daemon gone" dead "$pid"
check "stop: pid file removed" test ! -e "$dir/n1/baton-crmd.pid"
"$testbed" stop "$name" 1 >/dev/null
pass "stop of a stopped node succeeds"

echo "== power"
"$testbed" start "$name" 3
# A stray process in the namespace (started detached: no job to reap).
(
  "$testbed" exec "$name" 3 sleep 600 >/dev/null 2>&1 &
)
sleep 0.3
check "power status: on" test "$("$testbed" power "$name" 3 status)" = on
"$testbed" power "$name" 3 off
check "power off: status says off" test "$("$testbed" power "$name" 3 status)" = off
check "power off: 198.18.0.3 unreachable from n1" unreachable 1 198.18.0.3
check "power off: 198.19.0.3 unreachable from n1" unreachable 1 198.19.0.3
check "power off: 198.18.0.3 unreachable from the client" unreachable client 198.18.0.3
check "power off: no process left in $name-n3" test -z "$(ip netns pids "$name-n3")"
status=0
"$testbed" start "$name" 3 >/dev/null 2>&1 || status=$?
check "start of a powered-off node fails" test "$status" -ne 0
"$testbed" power "$name" 3 on
check "power on: status says on" test "$("$testbed" power "$name" 3 status)" = on
check "power on: n1 -> 198.18.0.3" reach 1 198.18.0.3
check "power on: n1 -> 198.19.0.3" reach 1 198.19.0.3
check "power on: daemon started again" \
  bash -c "ip netns pids '$name-n3' | grep -qx \"\$(cat '$dir/n3/baton-crmd.pid')\""

echo "== a second testbed at the same time, with a private directory"
priv=$(mktemp -d /tmp/baton-testbed-private.XXXXXX)
echo shared >"$priv/on-the-host"
"$testbed" up "$other" --nodes 2 --private-dir "$priv" >/dev/null
"$testbed" exec "$other" 1 bash -c "echo one >'$priv/mine'"
check "$other: a private directory starts empty on each node" \
  test "$("$testbed" exec "$other" 2 ls -A "$priv")" = ""
check "$other: node 1 sees what it wrote there" test "$("$testbed" exec "$other" 1 cat "$priv/mine")" = "one"
check "$other: the host's directory is untouched" test "$(ls -A "$priv")" = "on-the-host"
check "$other: two_node with 2 nodes" grep -q 'two_node: 1' "$run_root/$other/cluster.conf"
check "$other: n1 -> 198.19.0.2" bash -c "'$testbed' exec '$other' 1 ping -c1 -W1 198.19.0.2 >/dev/null"
check "$other: cannot reach $name's 198.18.0.3" \
  bash -c "! '$testbed' exec '$other' 1 ping -c1 -W1 198.18.0.3 >/dev/null 2>&1"
"$testbed" down "$other" >/dev/null
rm -rf "$priv"
check "$other down: its namespaces are gone" test -z "$(namespaces_of "$other")"
check "$other down: $name still works" reach 1 198.18.0.2

echo "== down"
"$testbed" down "$name"
check "down: no namespace named $name-*" test -z "$(namespaces_of "$name")"
check "down: no state dir" test ! -e "$dir"
check "down: root namespace unchanged" test "$(root_snapshot)" = "$before"
check "a second down succeeds" "$testbed" down "$name"

echo "== down without a state dir"
"$testbed" up "$stale" --nodes 1 >/dev/null
(
  "$testbed" exec "$stale" 1 sleep 600 >/dev/null 2>&1 &
)
sleep 0.3
stray=$(ip netns pids "$stale-n1")
check "a stray process runs in $stale-n1" test -n "$stray"
rm -rf "${run_root:?}/$stale"
"$testbed" down "$stale" >/dev/null
for pid in $stray; do
  check "down of leftovers: pid $pid killed" dead "$pid"
done
check "down of leftovers: no namespace named $stale-*" test -z "$(namespaces_of "$stale")"

if ((failures > 0)); then
  echo "testbed_test: $failures check(s) failed" >&2
  exit 1
fi
echo "testbed_test: all checks passed"

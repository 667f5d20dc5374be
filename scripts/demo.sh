#!/usr/bin/env bash
# baton's main job: builds baton, starts a 3-node cluster on the netns
# testbed with fencing (fence_netns, the testbed's power switch) and a
# floating IP, prints `crm status`, powers off the node holding the IP while
# a client in its own namespace probes the IP, and prints the outage the
# client saw and the status afterwards. Root needed; removes everything it
# made on exit (also on failure).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null

tb=tests/testbed/testbed
name=demo$$
name=${name:0:8}
vip=198.18.0.100
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  $tb down "$name" >/dev/null 2>&1 || true
}
trap cleanup EXIT
$tb up "$name" --nodes 3 >/dev/null
for i in 1 2 3; do $tb start "$name" "$i" >/dev/null; done
until $tb crm "$name" 1 status 2>/dev/null | grep -q "Online: \[ n1 n2 n3 \]"; do sleep 0.1; done

echo "== configuring: a fencing device and a floating IP (crm shell syntax)"
set -x
$tb crm "$name" 1 configure primitive fence-tb stonith:fence_netns params testbed="$name" 'pcmk_host_list=n1 n2 n3'
$tb crm "$name" 1 configure primitive vip ocf:baton:IPaddr params ip=$vip cidr_netmask=24 op monitor interval=2s timeout=5s
set +x
# A web-ish responder on every node: answers with the node's name.
for i in 1 2 3; do
  ip netns exec "$name-n$i" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000)); s.listen(64)
while True:
    c, _ = s.accept(); c.sendall(sys.argv[1].encode() + b"\n"); c.close()' "n$i" &
  pids+=($!)
  disown  # the power-off kills it; no job notice for that
done
until $tb crm "$name" 1 status | grep -q "vip.*Started"; do sleep 0.1; done
echo
echo "== crm status"
$tb crm "$name" 1 status
holder=$($tb crm "$name" 1 status | sed -n 's/.*vip.*Started n\([0-9]*\).*/\1/p')
survivor=$((holder % 3 + 1))
echo
echo "== powering off n$holder (it holds $vip); the client probes $vip:7000 every 5 ms"
ip netns exec "$name-client" python3 bench/vip_probe.py $vip 7000 \
  "$tb power $name $holder off >/dev/null" 5 1 30
echo
echo "== crm status on n$survivor afterwards"
sleep 1
$tb crm "$name" "$survivor" status
echo
echo "== fencing history"
$tb crm "$name" "$survivor" history fencing 2>/dev/null ||
  grep -h "fencing\|fenced" /run/baton-testbed/"$name"/n*/baton-crmd.log | tail -3

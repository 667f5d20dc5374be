#!/usr/bin/env bash
# baton's main job, as far as it exists today: builds baton, starts a
# 3-node cluster on the netns testbed, shows `crm status`, powers off one
# node and shows how fast the others agree on a new view. (The floating IP
# and the failover drill with fencing come with the executor, fencing and
# end-to-end issues.) Root needed; removes everything it made on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target baton-crmd crm >/dev/null

tb=tests/testbed/testbed
name=demo$$
name=${name:0:8}
trap '$tb down $name >/dev/null 2>&1 || true' EXIT
$tb up "$name" --nodes 3 >/dev/null
for i in 1 2 3; do $tb start "$name" "$i" >/dev/null; done
until $tb crm "$name" 1 status 2>/dev/null | grep -q "Online: \[ n1 n2 n3 \]"; do sleep 0.1; done
echo "== crm status on n1"
$tb crm "$name" 1 cluster status
echo
echo "== powering off n3"
start=$(date +%s%N)
$tb power "$name" 3 off >/dev/null
until $tb crm "$name" 1 status | grep -q "OFFLINE: \[ n3 \]"; do sleep 0.005; done
end=$(date +%s%N)
echo "n1 and n2 agreed on a view without n3 $(( (end - start) / 1000000 )) ms after the power-off (token 500 ms)"
echo
$tb crm "$name" 1 status

#!/usr/bin/env bash
# Installs everything baton needs to build and test, from Debian 12 packages.
# Idempotent: packages already present are left as they are.
set -euo pipefail
packages=(
  # build
  cmake g++ make pkg-config
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  librocksdb-dev libboost-program-options-dev libpugixml-dev libssl-dev libabsl-dev
  libgtest-dev libgmock-dev
  # fuzzing the XML import (libFuzzer comes with clang)
  clang libclang-rt-14-dev
  # tests: Pacemaker's crm_simulate is the scheduler's differential oracle
  python3 pacemaker-cli-utils
  # tests: the netns testbed
  iproute2 iputils-ping nftables
  # tests: OCF agents
  resource-agents iputils-arping
  # packaging: cpack's Debian package (dpkg-shlibdeps), its postinst (adduser),
  # and the packaging test (systemd-analyze verify; setpriv/unshare in util-linux)
  dpkg-dev adduser systemd util-linux
  # tests: fence agents (fence_ipmilan against OpenIPMI's ipmi_sim, fence_dummy)
  fence-agents openipmi ipmitool
  # tests: PostgreSQL under the PAF agent (ocf:heartbeat:pgsqlms), as users run it
  postgresql-15 resource-agents-paf
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

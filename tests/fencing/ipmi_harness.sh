#!/usr/bin/env bash
# A simulated BMC for one testbed node: OpenIPMI's ipmi_sim on 127.0.0.1
# inside a network namespace (default: the testbed's client namespace), with
# a chassis-control helper that drives `testbed power NAME I off|on|status`.
# fence_ipmilan then fences the node over IPMI 2.0 (lanplus, cipher suite 3,
# admin/password), as in reference/fence-agents.md §11. Root needed.
#
#   ipmi_harness.sh start DIR TESTBED I PORT [NETNS]
#       writes lan.conf, sim.emu, chassis.sh, chassis.env into DIR (created),
#       starts ipmi_sim (pid in DIR/sim.pid), waits until it answers.
#   ipmi_harness.sh fence DIR [key=value...]
#       runs fence_ipmilan inside the BMC's namespace with ip, ipport,
#       username, password, lanplus=1, cipher=3 on stdin, then the given
#       lines (later lines win, e.g. password=wrong); exits with its status.
#   ipmi_harness.sh stop DIR
#       kills the ipmi_sim this harness started (by its pid) and waits.
#
# Exit codes: 0 success, 1 failure, 2 usage error; `fence` passes
# fence_ipmilan's status through.
set -euo pipefail

prog=ipmi_harness.sh
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo=$(cd "$here/../.." && pwd)
testbed_script=${BATON_TESTBED:-$repo/tests/testbed/testbed}
fence_ipmilan=${FENCE_IPMILAN:-/usr/sbin/fence_ipmilan}

die() {
  echo "$prog: $*" >&2
  exit 1
}
usage_error() {
  echo "$prog: $*" >&2
  exit 2
}

# Is process $1 alive (not gone, not a zombie)?
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

write_files() {
  local dir=$1 name=$2 i=$3 port=$4
  cat >"$dir/chassis.env" <<EOF
TESTBED=$testbed_script
NAME=$name
NODE=$i
EOF
  # ipmi_sim runs "<chassis_control> get power..." (expects power:0|1 lines)
  # and "<chassis_control> set power 0|1" (exit 0 = done).
  cat >"$dir/chassis.sh" <<'EOF'
#!/bin/sh
dir=$(dirname "$0")
. "$dir/chassis.env"
verb=$1; shift
case "$verb" in
get) for item in "$@"; do
       case "$item" in
         power) st=$("$TESTBED" power "$NAME" "$NODE" status 2>>"$dir/chassis.log") || exit 1
                case "$st" in on) echo power:1 ;; off) echo power:0 ;; *) exit 1 ;; esac ;;
         boot)  echo boot:default ;;
         *)     exit 1 ;;
       esac
     done ;;
set) while [ $# -ge 2 ]; do
       if [ "$1" = power ]; then
         case "$2" in 0) act=off ;; *) act=on ;; esac
         echo "$(date +%T.%N) set power $2" >>"$dir/chassis.log"
         "$TESTBED" power "$NAME" "$NODE" "$act" >>"$dir/chassis.log" 2>&1 </dev/null || exit 1
       fi
       shift 2
     done ;;
*) exit 1 ;;
esac
exit 0
EOF
  chmod 0755 "$dir/chassis.sh"
  cat >"$dir/lan.conf" <<EOF
name "baton$i"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $port
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "$dir/chassis.sh"
  user 2 true "admin" "password" admin 10 none md2 md5 straight
EOF
  cat >"$dir/sim.emu" <<'EOF'
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
EOF
}

cmd_start() {
  (($# == 4 || $# == 5)) || usage_error "usage: $prog start DIR TESTBED I PORT [NETNS]"
  local dir=$1 name=$2 i=$3 port=$4 ns=${5:-$2-client}
  [[ $port =~ ^[0-9]+$ ]] || usage_error "bad port '$port'"
  command -v ipmi_sim >/dev/null || die "ipmi_sim not installed (apt-get install openipmi)"
  [[ -e /run/netns/$ns ]] || die "no network namespace $ns"
  mkdir -p "$dir/state"
  dir=$(cd "$dir" && pwd)
  write_files "$dir" "$name" "$i" "$port"
  echo "$ns" >"$dir/netns"
  echo "$port" >"$dir/port"
  ip -n "$ns" link set lo up
  # ipmi_sim stays in the foreground with -n; it is ours, by pid.
  ip netns exec "$ns" ipmi_sim -c "$dir/lan.conf" -f "$dir/sim.emu" -s "$dir/state" -n \
    </dev/null >"$dir/sim.log" 2>&1 &
  echo $! >"$dir/sim.pid"
  local _
  for _ in $(seq 1 100); do
    if ip netns exec "$ns" ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U admin -P password \
      -C 3 -N 1 -R 1 chassis power status >/dev/null 2>&1; then
      return 0
    fi
    alive "$(cat "$dir/sim.pid")" || die "ipmi_sim exited; see $dir/sim.log"
    sleep 0.05
  done
  die "ipmi_sim did not answer on 127.0.0.1:$port in $ns; see $dir/sim.log"
}

cmd_fence() {
  (($# >= 1)) || usage_error "usage: $prog fence DIR [key=value...]"
  local dir=$1
  shift
  [[ -f $dir/netns && -f $dir/port ]] || die "$dir: no BMC started there"
  [[ -x $fence_ipmilan ]] || die "$fence_ipmilan not installed (apt-get install fence-agents)"
  local line
  {
    printf 'ip=127.0.0.1\nipport=%s\nusername=admin\npassword=password\nlanplus=1\ncipher=3\n' \
      "$(cat "$dir/port")"
    for line in "$@"; do printf '%s\n' "$line"; done
  } | ip netns exec "$(cat "$dir/netns")" "$fence_ipmilan"
}

cmd_stop() {
  (($# == 1)) || usage_error "usage: $prog stop DIR"
  local dir=$1 pid
  [[ -f $dir/sim.pid ]] || return 0
  pid=$(cat "$dir/sim.pid")
  # Only if that pid is still an ipmi_sim (never a recycled pid).
  if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == ipmi_sim ]]; then
    kill "$pid" 2>/dev/null || true
    local _
    for _ in $(seq 1 40); do
      alive "$pid" || break
      sleep 0.05
    done
    ! alive "$pid" || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/sim.pid"
}

cmd=${1-}
shift || true
case $cmd in
  start) cmd_start "$@" ;;
  fence) cmd_fence "$@" ;;
  stop) cmd_stop "$@" ;;
  *) usage_error "usage: $prog start|fence|stop ..." ;;
esac

#!/usr/bin/env bash
# A stand-in for systemctl on a testbed node (there is no systemd inside a
# network namespace): crm cluster init/join/start/stop call it through
# $BATON_SERVICE_CMD with start|stop|enable|disable|enable-start. It runs the
# installed units' ExecStart lines exactly as written, detached, one pid file
# each in /run/baton, output to /var/lib/baton/<unit>.log; stop sends SIGTERM
# to the coordinator first and waits for its clean leave (as the unit's
# TimeoutStopSec), then the fencer.
# $BATON_FENCED_EXTRA_ARGS is appended to baton-fenced's line, as a drop-in
# would (the testbed's fence_netns is not packaged).
set -euo pipefail
unit_dir=${BATON_UNIT_DIR:-/lib/systemd/system}

exec_start() { sed -n 's/^ExecStart=//p' "$unit_dir/$1.service"; }

running() {
  local pidf=/run/baton/$1.pid
  [[ -f $pidf ]] && kill -0 "$(cat "$pidf")" 2>/dev/null
}

start_unit() {
  local unit=$1 extra=${2:-} line
  running "$unit" && return 0
  line="$(exec_start "$unit") $extra"
  # shellcheck disable=SC2016,SC2086 # the inner bash splits the line as systemd would
  setsid bash -c 'echo $$ >"$0" && exec $1 >>"$2" 2>&1 </dev/null' \
    "/run/baton/$unit.pid" "$line" "/var/lib/baton/$unit.log" &
  for _ in $(seq 300); do running "$unit" && return 0; sleep 0.1; done
  echo "service_standin: $unit did not start" >&2
  return 1
}

stop_unit() {
  local unit=$1 timeout=$2 pid
  running "$unit" || return 0
  pid=$(cat "/run/baton/$unit.pid")
  kill -TERM "$pid"
  for _ in $(seq $((timeout * 10))); do kill -0 "$pid" 2>/dev/null || { rm -f "/run/baton/$unit.pid"; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "/run/baton/$unit.pid"
}

case ${1-} in
  start|enable-start)
    start_unit baton-fenced "${BATON_FENCED_EXTRA_ARGS-}"
    start_unit baton-crmd
    ;;
  stop)
    stop_unit baton-crmd 45
    stop_unit baton-fenced 30
    ;;
  enable|disable) ;;
  *) echo "usage: service_standin.sh start|stop|enable|disable|enable-start" >&2; exit 2 ;;
esac

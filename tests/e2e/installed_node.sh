#!/usr/bin/env bash
# Runs a command "on" testbed node I as if baton were installed there: in the
# node's network namespace, in a private mount namespace where the installed
# package's paths /etc/baton, /var/lib/baton and /run/baton are that node's
# own directories under ROOT/nI (the package itself is installed once, on
# this machine).
#   installed_node.sh TESTBED I ROOT CMD [ARGS...]
set -euo pipefail
tb=$1 i=$2 root=$3
shift 3
dir=$root/n$i
# shellcheck disable=SC2016 # expanded by the inner bash
exec ip netns exec "$tb-n$i" unshare --mount --propagation private bash -c '
  set -e
  mount --bind "$0/etc" /etc/baton
  mount --bind "$0/lib" /var/lib/baton
  mount --bind "$0/run" /run/baton
  exec "$@"' "$dir" "$@"

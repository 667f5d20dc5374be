#!/usr/bin/env bash
# Applies pgsql.crm to the running cluster as one change: the commands are
# run against a copy of the CIB (CIB_file, as with crm_shadow) and the copy
# replaces the cluster's CIB at once, so the cluster never schedules from a
# half-made configuration.
#
#   apply-config.sh --vip IP --cidr N --nodes N [--bindir DIR] [--pgdata DIR] [--crm FILE]
set -euo pipefail
prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
vip="" cidr=24 nodes="" bindir=/usr/lib/postgresql/15/bin pgdata=/var/lib/postgresql/15/baton conf=$here/pgsql.crm
while (($#)); do
  case $1 in
    --vip) vip=${2-}; shift 2 ;;
    --cidr) cidr=${2-}; shift 2 ;;
    --nodes) nodes=${2-}; shift 2 ;;
    --bindir) bindir=${2-}; shift 2 ;;
    --pgdata) pgdata=${2-}; shift 2 ;;
    --crm) conf=${2-}; shift 2 ;;
    *) echo "$prog: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $vip && -n $nodes ]] || { echo "usage: $prog --vip IP [--cidr N] --nodes N [--bindir DIR] [--pgdata DIR]" >&2; exit 2; }
[[ $nodes =~ ^[1-9][0-9]*$ && $cidr =~ ^[0-9]+$ ]] || { echo "$prog: --nodes and --cidr take numbers" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cibadmin -Q >"$work/cib.xml"
while IFS= read -r line; do
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  line=${line//BINDIR/$bindir}
  line=${line//PGDATA/$pgdata}
  line=${line//NODES/$nodes}
  line=${line//VIP/$vip}
  line=${line//CIDR/$cidr}
  # shellcheck disable=SC2086 # crm takes the line as words
  CIB_file=$work/cib.xml crm configure $line || { echo "$prog: refused: $line" >&2; exit 1; }
done <"$conf"
cibadmin --replace --xml-file "$work/cib.xml"
echo "$prog: applied $(grep -c -v -E '^[[:space:]]*(#|$)' "$conf") commands as one change"

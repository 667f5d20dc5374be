#!/usr/bin/env bash
# Prepares one node's PostgreSQL for baton + PAF (ocf:heartbeat:pgsqlms):
# streaming replication from whichever node holds the VIP, so that any node
# can be promoted and the others follow it through the VIP.
#
#   prepare-node.sh --node NAME --vip VIP --own-ips "IP..." --lan CIDR \
#                   (--primary | --from PRIMARY_IP) [--sync|--async]
#                   [--bindir DIR] [--pgdata DIR] [--port N]
#
# Run it as root on the first node with --primary (it creates the instance,
# starts it and leaves it running), then on every other node with --from
# (a base backup of the first), then stop the first instance
# (pg_ctl -D PGDATA -m fast stop, as postgres) and give the cluster the crm
# configuration beside this script (pgsql.crm). From then on only the cluster
# starts and stops PostgreSQL. Refuses to touch an existing PGDATA.
set -euo pipefail

prog=${0##*/}
node="" vip="" own_ips="" lan="" role="" from="" mode=sync
bindir=/usr/lib/postgresql/15/bin
pgdata=/var/lib/postgresql/15/baton
port=5432
socket_dir=/run/postgresql

usage() {
  sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() {
  echo "$prog: $*" >&2
  exit 1
}

while (($#)); do
  case $1 in
    --node) node=${2-}; shift 2 ;;
    --vip) vip=${2-}; shift 2 ;;
    --own-ips) own_ips=${2-}; shift 2 ;;
    --lan) lan=${2-}; shift 2 ;;
    --primary) role=primary; shift ;;
    --from) role=standby; from=${2-}; shift 2 ;;
    --sync) mode=sync; shift ;;
    --async) mode=async; shift ;;
    --bindir) bindir=${2-}; shift 2 ;;
    --pgdata) pgdata=${2-}; shift 2 ;;
    --port) port=${2-}; shift 2 ;;
    -h | --help) usage ;;
    *) echo "$prog: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ -n $node && -n $vip && -n $own_ips && -n $lan && -n $role ]] || usage
[[ $node =~ ^[A-Za-z0-9_.-]+$ ]] || die "--node '$node': letters, digits, '.', '_' and '-' only"
[[ $port =~ ^[0-9]+$ ]] || die "--port '$port' is not a number"
[[ $(id -u) == 0 ]] || die "run as root (it creates files as postgres)"
[[ -x $bindir/postgres ]] || die "no PostgreSQL in --bindir $bindir"
node_conf=$(dirname "$pgdata")/$(basename "$pgdata").node.conf
if [[ -e $pgdata ]] && [[ -n $(ls -A "$pgdata" 2>/dev/null) ]]; then
  die "$pgdata exists and is not empty: refusing to overwrite an instance"
fi

as_pg() { runuser -u postgres -- "$@"; }

[[ -d $(dirname "$pgdata") ]] || install -d -o postgres -g postgres -m 0755 "$(dirname "$pgdata")"
install -d -o postgres -g postgres -m 0700 "$pgdata"
install -d -o postgres -g postgres -m 2775 "$socket_dir"

if [[ $role == primary ]]; then
  # Checksums let pg_rewind bring a failed primary back as a standby.
  as_pg "$bindir/initdb" --data-checksums --auth-local=peer --auth-host=scram-sha-256 -D "$pgdata" -U postgres >/dev/null
  echo "include_dir = 'conf.d'" >>"$pgdata/postgresql.conf"
  # What differs between nodes lives beside PGDATA, not in it: a base backup
  # or pg_rewind copies PGDATA from another node, and must not bring that
  # node's name along.
  echo "include_if_exists = '../$(basename "$pgdata").node.conf'" >>"$pgdata/postgresql.conf"
  install -d -o postgres -g postgres -m 0700 "$pgdata/conf.d"
else
  # Every standby starts as a copy of the first node's instance.
  as_pg "$bindir/pg_basebackup" -h "$from" -p "$port" -U postgres -D "$pgdata" -X stream --checkpoint=fast
fi

# Settings shared by every node (the same file on each).
as_pg tee "$pgdata/conf.d/10-replication.conf" >/dev/null <<EOF
# Written by $prog: the same on every node.
listen_addresses = '*'            # the node's own address and the VIP when it holds it
port = $port
unix_socket_directories = '$socket_dir'  # where PAF's pghost (default /var/run/postgresql) looks
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on                  # standbys answer PAF's monitor queries
hot_standby_feedback = on
wal_log_hints = on                # pg_rewind needs it (checksums give it too)
wal_keep_size = 512MB             # a standby that lags a little catches up without a base backup
# A standby notices a primary that stopped sending within 2 s (default 60 s) ...
wal_receiver_timeout = 2s
wal_receiver_status_interval = 1s
# ... and, once the VIP has moved, reconnects within 0.2 s (default 5 s).
wal_retrieve_retry_interval = 200ms
recovery_target_timeline = 'latest'  # follow the promoted standby's new timeline
EOF
if [[ $mode == sync ]]; then
  as_pg tee "$pgdata/conf.d/20-sync.conf" >/dev/null <<EOF
# Written by $prog --sync: a commit is acknowledged only once a standby has
# it, so promoting a current standby loses no acknowledged write.
synchronous_standby_names = 'ANY 1 (*)'
synchronous_commit = on
EOF
else
  as_pg tee "$pgdata/conf.d/20-sync.conf" >/dev/null <<EOF
# Written by $prog --async: commits do not wait for a standby; a failover can
# lose the writes the promoted standby had not received.
synchronous_standby_names = ''
EOF
fi
# What differs between nodes: the name this node replicates under (PAF
# matches it against the node name) and where it replicates from (the VIP:
# always the current primary).
as_pg tee "$node_conf" >/dev/null <<EOF
# Written by $prog for node $node.
cluster_name = 'pgsql-$node'
primary_conninfo = 'host=$vip port=$port user=postgres application_name=$node connect_timeout=2 keepalives_idle=1 keepalives_interval=1 keepalives_count=2'
EOF

{
  echo "# Written by $prog for node $node."
  echo "local all         all                    peer map=local"
  echo "host  all         all     127.0.0.1/32   trust"
  echo "# Never replicate from oneself: not over the local socket, not from"
  echo "# this node's own addresses, not from the VIP (this node holds it while primary)."
  echo "local replication all                    reject"
  echo "host  replication all     127.0.0.1/32   reject"
  for ip in $own_ips $vip; do
    echo "host  replication all     $ip/32 reject"
  done
  echo "# The other nodes replicate; clients connect from the LAN. (trust keeps the"
  echo "# example short: on a real network use scram-sha-256 and a ~postgres/.pgpass.)"
  echo "host  replication postgres $lan trust"
  echo "host  all         all      $lan trust"
} | as_pg tee "$pgdata/pg_hba.conf" >/dev/null
{
  echo "# Written by $prog: root and postgres may connect as postgres over the socket."
  echo "local root     postgres"
  echo "local postgres postgres"
} | as_pg tee "$pgdata/pg_ident.conf" >/dev/null

if [[ $role == primary ]]; then
  as_pg "$bindir/pg_ctl" -D "$pgdata" -w -l "$pgdata/startup.log" start >/dev/null
  echo "$prog: $node: primary instance running in $pgdata (stop it before the cluster takes over)"
else
  # PAF starts every instance as a standby, then promotes one.
  as_pg touch "$pgdata/standby.signal"
  echo "$prog: $node: standby of $from prepared in $pgdata"
fi

#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for the sweep app's real-cluster tests
# (tests/experiments/test_sweep_slurm.py) and for trying a sweep spec before a real cluster.
#
#   sudo tools/slurm-one-node.sh          # installs what is missing (Debian/Ubuntu), starts, waits for the node
#   sudo tools/slurm-one-node.sh stop     # stops the daemons it started (the packages and the database stay)
#
# It starts munge, MariaDB, slurmdbd (accounting: submitit follows jobs with sacct), slurmctld and slurmd
# (task/affinity: each task is pinned to the cores it was given, as on a cluster), with one partition
# `debug` holding this machine: all its cores, its memory less 2 GiB, and two stand-in GPUs (GRES gpu:2 on
# two placeholder device files) so that SLURM gives every task of a --gpus job its own CUDA_VISIBLE_DEVICES.
# The stand-in GPUs do nothing: on a machine without CUDA, JAX runs on the CPU whatever the variable says.
# Run as root; it writes /etc/slurm/slurm.conf, gres.conf and slurmdbd.conf, and refuses to run where a
# slurm.conf of another set-up exists.
set -euo pipefail
STATE=/var/lib/slurm-one-node           # this cluster's state, and which daemons it started
LOGS=/var/log/slurm

# Never touch a SLURM set-up that is not this script's own.
if [ -e /etc/slurm/slurm.conf ] && ! grep -qx "ClusterName=one-node" /etc/slurm/slurm.conf; then
  echo "slurm-one-node: /etc/slurm/slurm.conf belongs to another SLURM set-up; not touching it" >&2
  exit 1
fi

if [ "${1:-start}" = stop ]; then
  for daemon in slurmd slurmctld slurmdbd mariadbd munged; do
    [ -e "$STATE/started/$daemon" ] || continue          # only the daemons this script started
    pkill -x "$daemon" || true
    for _ in $(seq 100); do pgrep -x "$daemon" >/dev/null || break; sleep 0.1; done
    rm -f "$STATE/started/$daemon"
  done
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "slurm-one-node: run as root (it installs packages and starts daemons)" >&2; exit 1; }

missing=()
for pair in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client slurmdbd:slurmdbd munged:munge mariadbd:mariadb-server; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
fi

HOST=$(hostname -s)
CPUS=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)          # nproc follows OMP_NUM_THREADS otherwise
MEM_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 2048 ))
mkdir -p /run/munge /run/mysqld "$STATE/slurmctld" "$STATE/slurmd" "$STATE/started" "$LOGS" /etc/slurm
chown munge:munge /run/munge
chown mysql:mysql /run/mysqld
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
pgrep -x munged >/dev/null || { runuser -u munge -- /usr/sbin/munged; touch "$STATE/started/munged"; }

if ! pgrep -x mariadbd >/dev/null; then
  [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  rm -f /run/mysqld/mysqld.sock                                      # a stale socket of a killed server
  runuser -u mysql -- /usr/sbin/mariadbd --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock >"$LOGS/mariadb.log" 2>&1 &
  touch "$STATE/started/mariadbd"
fi
for _ in $(seq 300); do mariadb-admin --socket=/run/mysqld/mysqld.sock ping >/dev/null 2>&1 && break; sleep 0.2; done
mariadb-admin --socket=/run/mysqld/mysqld.sock ping >/dev/null 2>&1 \
  || { echo "slurm-one-node: MariaDB does not answer; log: $LOGS/mariadb.log" >&2; exit 1; }
mysql -u root -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db;
  CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurm-one-node';
  ALTER USER 'slurm'@'localhost' IDENTIFIED BY 'slurm-one-node';
  GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"

cat > /etc/slurm/slurmdbd.conf <<CONF
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurm-one-node
StorageLoc=slurm_acct_db
PidFile=/run/slurmdbd.pid
LogFile=$LOGS/slurmdbd.log
CONF
chmod 600 /etc/slurm/slurmdbd.conf

for i in 0 1; do   # character devices (SLURM requires them), the numbers of /dev/null: nothing reads them
  [ -c "$STATE/gpu$i" ] || { rm -f "$STATE/gpu$i"; mknod -m 666 "$STATE/gpu$i" c 1 3; }
done
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=one-node
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerParameters=sched_interval=1
KillWait=5
MinJobAge=600
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
GresTypes=gpu
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
cat > /etc/slurm/gres.conf <<CONF
AutoDetect=off
NodeName=$HOST Name=gpu File=$STATE/gpu[0-1]
CONF

pgrep -x slurmdbd >/dev/null || { /usr/sbin/slurmdbd; touch "$STATE/started/slurmdbd"; }
for _ in $(seq 150); do sacctmgr -i -n show cluster >/dev/null 2>&1 && break; sleep 0.2; done
sacctmgr -i -n show cluster >/dev/null || { echo "slurm-one-node: slurmdbd does not answer; logs in $LOGS" >&2; exit 1; }
sacctmgr -i -n show cluster format=cluster | grep -qw one-node || sacctmgr -i add cluster one-node >/dev/null
for daemon in slurmctld slurmd; do
  pgrep -x "$daemon" >/dev/null && continue
  "/usr/sbin/$daemon" || { echo "slurm-one-node: $daemon did not start; log: $LOGS/$daemon.log" >&2; tail -3 "$LOGS/$daemon.log" >&2; exit 1; }
  touch "$STATE/started/$daemon"
done
for _ in $(seq 150); do sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)$' && break; sleep 0.2; done
sinfo -h -o '%T' | grep -qE '^(idle|mixed|allocated)$' || { echo "slurm-one-node: the node did not come up; logs in $LOGS" >&2; sinfo >&2 || true; exit 1; }
sinfo

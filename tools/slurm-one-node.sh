#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for the sweep app's real-cluster tests
# (tests/experiments/test_sweep_slurm.py) and for trying a sweep spec before a real cluster.
#
#   sudo tools/slurm-one-node.sh          # installs what is missing (Debian/Ubuntu), starts, waits for the node
#   sudo tools/slurm-one-node.sh stop     # stops the daemons (the packages and the accounting database stay)
#
# It starts munge, MariaDB, slurmdbd (accounting: submitit follows jobs with sacct), slurmctld and slurmd
# (task/affinity: each task is pinned to the cores it was given, as on a cluster), with one partition
# `debug` holding this machine: all its cores, its memory less 2 GiB, and two stand-in GPUs (GRES gpu:2 on
# two placeholder device files) so that SLURM gives every task of a --gpus job its own CUDA_VISIBLE_DEVICES.
# The stand-in GPUs do nothing: on a machine without CUDA, JAX runs on the CPU whatever the variable says.
# Run as root; it rewrites /etc/slurm/slurm.conf, gres.conf and slurmdbd.conf.
set -euo pipefail

if [ "${1:-start}" = stop ]; then
  for daemon in slurmd slurmctld slurmdbd mariadbd munged; do
    pkill -x "$daemon" || true
    for _ in $(seq 100); do pgrep -x "$daemon" >/dev/null || break; sleep 0.1; done
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
CPUS=$(nproc)
MEM_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 2048 ))
LOGS=/var/log/slurm
STATE=/var/lib/slurm-one-node
mkdir -p /run/munge /run/mysqld $STATE/slurmctld $STATE/slurmd "$LOGS" /etc/slurm
chown munge:munge /run/munge
chown mysql:mysql /run/mysqld
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged

if ! pgrep -x mariadbd >/dev/null; then
  [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  runuser -u mysql -- /usr/sbin/mariadbd --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock >"$LOGS/mariadb.log" 2>&1 &
  for _ in $(seq 100); do [ -S /run/mysqld/mysqld.sock ] && break; sleep 0.1; done
fi
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

pgrep -x slurmdbd >/dev/null || /usr/sbin/slurmdbd
for _ in $(seq 150); do sacctmgr -i -n show cluster >/dev/null 2>&1 && break; sleep 0.2; done
sacctmgr -i -n show cluster >/dev/null || { echo "slurm-one-node: slurmdbd does not answer; logs in $LOGS" >&2; exit 1; }
sacctmgr -i -n show cluster format=cluster | grep -qw one-node || sacctmgr -i add cluster one-node >/dev/null
for daemon in slurmctld slurmd; do
  pgrep -x "$daemon" >/dev/null || "/usr/sbin/$daemon" || { echo "slurm-one-node: $daemon did not start; log: $LOGS/$daemon.log" >&2; tail -3 "$LOGS/$daemon.log" >&2; exit 1; }
done
for _ in $(seq 150); do sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)$' && break; sleep 0.2; done
sinfo -h -o '%T' | grep -qE '^(idle|mixed|allocated)$' || { echo "slurm-one-node: the node did not come up; logs in $LOGS" >&2; sinfo >&2 || true; exit 1; }
sinfo

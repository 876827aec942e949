#!/bin/bash
# Real Slurm: bring up munged + slurmctld + slurmd on localhost in a temp folder, submit the
# job array that `decodesim sweep --emit-slurm` writes (plus its dependent merge job), wait,
# and check that the merged rows equal a local -j run of the same spec, row for row.
#
# Exit 77 (ctest SKIP) with the reason when Slurm cannot run here: not installed, not root,
# or slurmctld/slurmd will not start. Never passes without having run the array.
# usage: sweep_slurm_test.sh DECODESIM_BINARY SOURCE_DIR
set -uo pipefail
BIN=$1
SRC=$2

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

for exe in munged slurmctld slurmd sbatch scontrol; do
  command -v "$exe" >/dev/null 2>&1 || [[ -x /usr/sbin/$exe ]] ||
    skip "$exe not installed (Debian: apt-get install slurm-wlm munge, or make deps)"
done
[[ $(id -u) == 0 ]] || skip "starting slurmd needs root (CI runs as root)"
export PATH=/usr/sbin:$PATH
# The emitted script must carry DECODESIM_HOME to the tasks; exercise that path.
export DECODESIM_HOME=$SRC

T=$(mktemp -d /tmp/decodesim-slurm.XXXXXX)
PIDS=()
cleanup() {
  # Only the daemons this script started, by pid.
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

HOST=$(hostname -s)
mkdir -p "$T"/{munge,state,spool,log,run}
chmod 700 "$T/munge"

# munge with its own key and socket, so it cannot clash with a system munged.
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge/munge.key"
SOCK=$T/munge/munge.socket
munged --key-file="$T/munge/munge.key" --socket="$SOCK" --pid-file="$T/munge/munged.pid" \
  --log-file="$T/munge/munged.log" --seed-file="$T/munge/munged.seed" --force 2>"$T/munge/start.err" ||
  skip "munged will not start: $(tail -1 "$T/munge/start.err")"
for _ in $(seq 50); do [[ -s $T/munge/munged.pid ]] && break; sleep 0.1; done
PIDS+=("$(cat "$T/munge/munged.pid")")

CPUS=$(nproc)
MEM=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
cat >"$T/slurm.conf" <<EOF
ClusterName=decodesim-test
SlurmctldHost=$HOST
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$SOCK
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
SlurmUser=root
SlurmdUser=root
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$T/slurm.conf

slurmctld -D -i -f "$SLURM_CONF" >"$T/log/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" >"$T/log/slurmd.out" 2>&1 &
PIDS+=($!)
up=0
for _ in $(seq 100); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then up=1; break; fi
  sleep 0.2
done
if [[ $up == 0 ]]; then
  echo "--- slurmctld log"; tail -5 "$T/log/slurmctld.log" "$T/log/slurmctld.out" 2>/dev/null
  echo "--- slurmd log"; tail -5 "$T/log/slurmd.log" "$T/log/slurmd.out" 2>/dev/null
  skip "single-node Slurm did not come up (node state: $(sinfo -h -o %T 2>&1 | head -1))"
fi
echo "slurm up on $HOST: $(sinfo -h -o '%P %T %c CPUs')"

# The sweep: 12 tiny points over 4 array tasks, into a folder with a space in its name.
mkdir -p "$T/work dir"
SPEC="$T/work dir/grid.yaml"
cat >"$SPEC" <<'EOF'
name: slurm grid
base: {system: tpu_v5e, model: tiny, scenario: {context: 256}}
axes:
  - key: tpu.clock_ghz
    values: [0.8, 1.2, 1.6]
  - key: scenario.batch
    range: {from: 1, to: 8, times: 2}
columns: [tokens_per_s, energy_per_token_j, bottleneck]
EOF
OUT="$T/work dir/results"
"$BIN" sweep "$SPEC" --out "$OUT" --emit-slurm "$T/work dir/grid.sbatch" --shards 4 || fail "emit-slurm failed"
cd "$T" || fail "no temp dir"
timeout 300 bash "$T/work dir/grid.sbatch" --wait || {
  tail -20 "$OUT"/slurm/*.out 2>/dev/null
  fail "the Slurm array or its merge job failed"
}
"$BIN" sweep "$SPEC" --out "$T/local" -j 2 --no-progress >/dev/null || fail "local sweep failed"

# Row for row, wall time aside.
norm() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); r.pop("wall_s"); print(json.dumps(r, sort_keys=True))' "$1"; }
command -v python3 >/dev/null || fail "python3 needed to compare rows"
diff <(norm "$OUT/merged/results.jsonl") <(norm "$T/local/results.jsonl") || fail "merged Slurm rows differ from the local run"
n=$(wc -l <"$OUT/merged/results.jsonl")
[[ $n == 12 ]] || fail "expected 12 merged rows, got $n"
ls "$OUT"/shard-{0,1,2,3}/results.jsonl >/dev/null || fail "a shard folder is missing"
echo "PASS: 4 array tasks + merge job on a real single-node Slurm; $n rows equal the local -j 2 run"

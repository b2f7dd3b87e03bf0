#!/usr/bin/env bash
# The checks to run on a lent GPU machine, as one command of under 10 minutes (the device tool's
# limit), from the repository root there:
#
#   bash benchmarks/device_check.sh "$OUT"          # carry .whl (benchmarks/device_wheels.sh fills it here)
#
# 1. the benchmark suites that say most about an accelerator (closed form, the batched solvers with
#    solve_batch's chunk sizes, the precoders, the vmapped sweep), into "$OUT/<device>-<date>.json"
#    (written after every case, so a stage stopped by its time limit keeps what it measured);
# 2. the main job's smoke run (python -m experiments.train +exp=shgnn trainer=smoke): its results
#    table and log;
# 3. the sweep app with one local worker per GPU (executor.gpus_per_worker=1): its chunk logs say
#    which device each chunk ran on.
# Each stage has its own time limit; what it printed is in "$OUT/check.log". Set DEVICE_CHECK_QUICK=1
# for the benchmarks' quick sizes (a dry run of this script on any machine).
set -uo pipefail
OUT=${1:?usage: bash benchmarks/device_check.sh OUT_FOLDER}
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
exec > >(tee -a "$OUT/check.log") 2>&1
export PYTHONUNBUFFERED=1
if ! python3 -c "import hydra, omegaconf, submitit, zarr, qpax" 2>/dev/null && compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/satjax-site .whl/*.whl \
    || { echo "installing the carried wheels failed"; exit 1; }
  export PYTHONPATH=/tmp/satjax-site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
quick=()
[ "${DEVICE_CHECK_QUICK:-0}" = 1 ] && quick=(--quick)
stage() { echo; echo "=== $1 ($(date -u +%T))"; }

stage "devices"
nvidia-smi -L 2>/dev/null || echo "no nvidia-smi"
python3 -c "import jax; print('jax', jax.__version__, jax.default_backend(), jax.devices())" || exit 1

stage "benchmarks: closed_form, batched, precoders, sweep"
device=$(python3 -c "import jax; d = jax.devices()[0]; print((d.device_kind if d.platform != 'cpu' else 'cpu').lower().replace(' ', '-'))")
timeout 330 python3 -m benchmarks.run --suite closed_form --suite batched --suite precoders --suite sweep "${quick[@]}" \
  --no-torch-compile --case-timeout 200 --out "$OUT/$device-$(date -u +%F).json"
echo "benchmarks exit $?"

stage "main job, smoke run"
timeout 150 python3 -m experiments.train +exp=shgnn trainer=smoke hydra.run.dir=/tmp/satjax-smoke
echo "main job exit $?"
cp /tmp/satjax-smoke/results.md "$OUT/smoke-results.md" 2>/dev/null
cp /tmp/satjax-smoke/train.log "$OUT/smoke-train.log" 2>/dev/null

stage "sweep app, one local worker per GPU"
rm -rf /tmp/satjax-sweep.zarr /tmp/satjax-sweep.zarr.work
timeout 90 python3 -m experiments.sweep sweep=downlink_tiny executor.kind=local executor.workers=1 \
  executor.gpus_per_worker=1 store=/tmp/satjax-sweep.zarr progress=false hydra.run.dir=/tmp/satjax-sweep-run
echo "sweep exit $?"
cat /tmp/satjax-sweep.zarr.work/logs/*.log > "$OUT/sweep-chunks.log" 2>/dev/null
stage "done"

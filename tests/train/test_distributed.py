"""Multi-process training for real: two local CPU processes joined by ``jax.distributed.initialize``
(coordinator on localhost, a free port) train the SHGNN smoke run of system A (``+exp=shgnn
trainer=smoke``, made tiny) through the main job's training path (``experiments.runner``) and end
with the parameters one process reaches (to float32 round-off); each process draws only its own
shard of every batch, process 0 alone writes the record, the metrics rows, ``model.eqx`` and the
checkpoints' arrays. The same run as two tasks of one ``srun`` step on a SLURM cluster (where one
answers, ``tests.slurm``) checks ``jax.distributed.initialize()``'s detection of the cluster.

The children are this file run as a script (``python tests/train/test_distributed.py ...``): each
sets single-threaded BLAS first (``experiments.xla_env``), all run under a timeout and are killed
if the test fails.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.slurm import needs_cluster

ROOT = Path(__file__).resolve().parents[2]

#: The smoke run of the main job, made tiny: 4 steps of batch 4, checkpoints and evaluations at
#: steps 2 and 4 on 2 drops, K = 6 users (tau_p = 3) and 12 access points.
OVERRIDES = ["+exp=shgnn", "trainer=smoke", "trainer.num_steps=4", "trainer.checkpoint_every=2",
             "trainer.eval_every=2", "trainer.eval_drops=2", "scenario.num_users=6", "scenario.tau_p=3",
             "scenario.num_aps=12", "scenario.n_v=2", "model.hidden=8", "model.num_layers=1"]
CHILD_TIMEOUT_S = 300
#: The children's XLA flags (the pytest process's own are not passed on): single-threaded Eigen, and
#: LLVM's backend optimizations off, which halves XLA:CPU compile time of these tiny programs and
#: changes no result beyond round-off (all three children compile with the same flags).
XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false --xla_backend_optimization_level=0"


def _child(run_dir: str, out_dir: str, distributed: bool) -> None:
    """One training process (with ``distributed``, one of several: ``trainer.distributed=true``, the
    cluster from ``JAX_*`` variables or SLURM's): train, then save this process's final parameters
    and the rows of the first batch it drew itself."""
    from experiments.xla_env import configure_entry_point

    configure_entry_point()
    import jax
    import numpy as np
    from hydra import compose, initialize_config_dir

    from experiments.common import load_config, set_precision
    from experiments.paper_a.learned import REPORT
    from experiments.runner import initialize_distributed, instantiate_model, train_policy
    from satjax.train import Evaluator
    from satjax.train.trainer import _batch_sampler, data_mesh

    if distributed:
        initialize_distributed()
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = load_config(compose(config_name="config", overrides=[*OVERRIDES, f"trainer.distributed={distributed}"]))
    set_precision(cfg.x64)
    params = cfg.scenario_params()
    task = REPORT.task(cfg, params)
    evaluator = Evaluator(task, jax.random.key(cfg.evaluation.seed), cfg.trainer.eval_drops)
    result = train_policy(cfg, params, task, Path(run_dir), evaluator, {})

    pid = jax.process_index()
    out = Path(out_dir)
    leaves = [np.asarray(x) for x in jax.tree.leaves(result.model) if hasattr(x, "shape")]
    np.savez(out / f"params_{pid}.npz", *leaves)
    init = instantiate_model(cfg.model, params, key=jax.random.fold_in(jax.random.key(cfg.seed), 1))
    np.savez(out / f"init_{pid}.npz", *[np.asarray(x) for x in jax.tree.leaves(init) if hasattr(x, "shape")])
    # the first batch as fit draws it: this process's shards (rows and one leaf's values)
    mesh = data_mesh()
    sharding = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("data"))
    sampler = _batch_sampler(task, cfg.seed, cfg.trainer.batch_size, sharding)
    batch = sampler(0)
    leaf = jax.tree.leaves(batch)[0]
    shards = sorted(((s.index[0].start or 0, np.asarray(s.data)) for s in leaf.addressable_shards),
                    key=lambda t: t[0])
    np.savez(out / f"batch_{pid}.npz", rows=np.array([r for r, _ in shards]),
             **{f"rows_{r}": d for r, d in shards})
    info = {"process_index": pid, "process_count": jax.process_count(), "devices": len(jax.devices()),
            "local_devices": len(jax.local_devices()), "mesh": int(mesh.devices.size),
            "rows_drawn": sorted(sampler.rows.values()),
            "history": result.history}
    (out / f"info_{pid}.json").write_text(json.dumps(info))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _start(run_dir: Path, out_dir: Path, extra_env: dict, launcher: Sequence[str] = (),
           distributed: bool = False) -> subprocess.Popen:
    """Start a child (this file as a script) with ``extra_env``, through ``launcher`` (e.g. ``srun``)
    if given, as one of several processes with ``distributed``; its output goes to
    ``log_<process id | srun | single>.txt`` beside ``out_dir``. No ``JAX_*`` cluster variable the
    child is not given, and no ``SLURM_*`` one but through ``launcher``, reaches it (a test run
    inside an allocation stays a one-process run)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env |= dict(JAX_PLATFORMS="cpu", PYTHONPATH=str(ROOT), XLA_FLAGS=XLA_FLAGS, **extra_env)
    for name in ("JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID"):
        if name not in extra_env:
            env.pop(name, None)
    name = extra_env.get("JAX_PROCESS_ID", launcher[0] if launcher else "single")
    log = open(out_dir.parent / f"log_{name}.txt", "w")
    return subprocess.Popen([*launcher, sys.executable, __file__, str(run_dir), str(out_dir), str(int(distributed))],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_all(procs: list[subprocess.Popen], out_dir: Path) -> None:
    """Wait for every child; on a failure or the timeout kill the others and show the logs."""
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    try:
        while any(p.poll() is None for p in procs):
            if any(p.returncode not in (None, 0) for p in procs) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)       # srun ends its step's tasks on a second Ctrl-C within 1 s
                time.sleep(0.2)
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                p.wait()
    logs = "\n".join(f"--- {f.name}\n{f.read_text()[-3000:]}" for f in sorted(out_dir.glob("log_*.txt")))
    assert all(p.returncode == 0 for p in procs), f"return codes {[p.returncode for p in procs]}\n{logs}"


def _dirs(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """The run and output folders of the one-process run and of the two-process run."""
    single_dir, multi_dir = tmp_path / "single", tmp_path / "multi"
    single_out, multi_out = tmp_path / "single_out", tmp_path / "multi_out"
    for d in (single_out, multi_out):
        d.mkdir()
    return single_dir, single_out, multi_dir, multi_out


def test_two_processes_train_the_smoke_run_like_one(tmp_path):
    single_dir, single_out, multi_dir, multi_out = _dirs(tmp_path)
    address = f"localhost:{_free_port()}"
    procs = [_start(single_dir, single_out, {})]
    procs += [_start(multi_dir, multi_out, {"JAX_COORDINATOR_ADDRESS": address, "JAX_NUM_PROCESSES": "2",
                                            "JAX_PROCESS_ID": str(i)}, distributed=True) for i in range(2)]
    _wait_all(procs, tmp_path)
    _assert_trained_like_one(single_dir, single_out, multi_dir, multi_out)


@pytest.mark.slow
@needs_cluster
def test_two_slurm_tasks_train_the_smoke_run_like_one(tmp_path):
    """The same two-process run as two tasks of one SLURM job step (``srun --ntasks=2``), where
    ``trainer.distributed=true`` leaves ``jax.distributed.initialize()`` to find the coordinator,
    the process count and this process's id in SLURM's environment (no ``JAX_*`` variables).
    In the full set only (``slow``; 21 s in the suite): the default run trains with two processes
    started by hand (the test above), the same path but for the cluster's detection."""
    single_dir, single_out, multi_dir, multi_out = _dirs(tmp_path)
    procs = [_start(single_dir, single_out, {}),
             _start(multi_dir, multi_out, {}, launcher=["srun", "--ntasks=2", "--nodes=1", "--cpus-per-task=1",
                                                         "--export=ALL", f"--time={CHILD_TIMEOUT_S // 60 + 1}"],
                    distributed=True)]
    _wait_all(procs, tmp_path)
    _assert_trained_like_one(single_dir, single_out, multi_dir, multi_out)


def _assert_trained_like_one(single_dir: Path, single_out: Path, multi_dir: Path, multi_out: Path) -> None:
    """The two-process run's checks against the one-process run (the module docstring)."""
    import numpy as np

    one = json.loads((single_out / "info_0.json").read_text())
    info = [json.loads((multi_out / f"info_{i}.json").read_text()) for i in range(2)]
    assert (one["process_count"], one["mesh"]) == (1, 1)
    for i, inf in enumerate(info):
        # initialize, process index and count, a global mesh over both processes' devices
        assert (inf["process_index"], inf["process_count"], inf["devices"], inf["local_devices"], inf["mesh"]) \
            == (i, 2, 2, 1, 2)
        # each process draws only its own half of the batch
        assert inf["rows_drawn"] == [[2 * i, 2 * i + 2]]

    # the same parameters as one process, on both processes (round-off of the cross-process mean)
    ref = np.load(single_out / "params_0.npz")
    for i in range(2):
        got = np.load(multi_out / f"params_{i}.npz")
        assert list(got) == list(ref)
        for name in ref:
            np.testing.assert_allclose(got[name], ref[name], rtol=2e-5, atol=2e-6, err_msg=f"process {i}, {name}")
    # and training moved them far beyond that tolerance (not a comparison of two initial models)
    init = np.load(single_out / "init_0.npz")
    assert max(np.max(np.abs(ref[n] - init[n])) for n in ref) > 1e-3

    # batch rows: process i holds rows [2i, 2i + 2) of the global batch, equal to one process's rows
    whole = np.load(single_out / "batch_0.npz")
    assert list(whole["rows"]) == [0]
    for i in range(2):
        part = np.load(multi_out / f"batch_{i}.npz")
        assert list(part["rows"]) == [2 * i]
        np.testing.assert_array_equal(part[f"rows_{2 * i}"], whole["rows_0"][2 * i:2 * i + 2])

    # files: written once, by process 0; metric rows equal to one process's up to round-off
    rows = [json.loads(ln) for ln in (multi_dir / "metrics.jsonl").read_text().splitlines()]
    rows_one = [json.loads(ln) for ln in (single_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [r["step"] for r in rows_one] == [1, 2, 3, 4]
    assert len((multi_dir / "metrics.csv").read_text().splitlines()) == 1 + 4
    for r, r1 in zip(rows, rows_one):
        for key in ("loss", "grad_norm", "eval_sum_mbps"):
            if r1.get(key) is not None:
                np.testing.assert_allclose(r[key], r1[key], rtol=1e-4, err_msg=f"step {r['step']} {key}")
    assert info[0]["history"] == info[1]["history"] == rows
    assert sorted(int(p.name) for p in (multi_dir / "checkpoints").iterdir() if p.name.isdigit()) == [2, 4]
    assert (multi_dir / "model.eqx").is_file() and (multi_dir / "run.json").is_file()
    # the replicated state's arrays were written by process 0 alone (no replica-parallel split)
    for step in (2, 4):
        state = multi_dir / "checkpoints" / str(step) / "state"
        assert any((state / "ocdbt.process_0").rglob("d/*"))
        assert not any((state / "ocdbt.process_1").rglob("d/*"))


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], sys.argv[3] == "1")

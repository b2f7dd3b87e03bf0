"""The sweep app on 1 and 2 local worker processes: the same 1 000-point sweep, wall time and ratios.

The sweep (``experiments.sweep``, executor ``local``): system A's sum throughput of full power
(the closed form, Theorem 1) at the default ``UplinkParams`` over ``p_max_w`` x ``pilot_power_w``
(40 x 25 = 1 000 points of 64 drops), chunks of 50 points, the program 25 points wide. Each run
starts from an empty store in a temporary folder and includes what a user waits for: worker
start-up, compilation (once per worker), computing and writing the store. Every worker runs
single-threaded BLAS and Eigen (``experiments.xla_env``). XLA:CPU spreads one program over every
core its process may use, so the configurations (:data:`CONFIGS`) are one worker pinned to one
core (the baseline), one worker on every core, two workers pinned to a core each (the default
``executor.cpus_per_worker=0``) and two unpinned; each later case records its speed-up over the
first and over one worker on every core, and checks that it stored the same numbers
(``max_abs_diff_vs_1_worker``, 0 expected: results do not depend on the worker count). Where a
SLURM cluster answers, the same sweep also runs as a job array (:data:`SLURM_CHUNKS_PER_TASK`).
Quick mode (tiny sizes) runs the first and the default two-worker configuration.

``compile_s`` and ``xla_memory_mb`` are those of the chunk program compiled once in the benchmark's
own process (what each worker compiles once; the same program for every configuration).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import Settings, case, time_jax
from experiments.sweep.cluster import cluster_gpus

SUITE = "sweep_scaling"


def _spec(store: Path, workers: int, quick: bool, cpus_per_worker: int | None = 0, chunks_per_task: int = 0):
    """The benchmark's sweep: ``workers`` local workers with ``cpus_per_worker``, or, with
    ``chunks_per_task`` >= 1, a SLURM job array of that many chunks per task, ``workers`` tasks at
    once, one core and no GPU each."""
    from experiments.sweep.spec import ExecutorConfig, SweepConfig

    n_p, n_pilot = (8, 5) if quick else (40, 25)
    params = {"num_users": 4, "num_aps": 6, "n_v": 2, "n_h": 2, "tau_p": 2} if quick else {}
    return SweepConfig(system="uplink", params=params,
                       grid={"p_max_w": np.geomspace(0.01, 1.0, n_p).tolist(),
                             "pilot_power_w": np.geomspace(0.01, 1.0, n_pilot).tolist()},
                       drops=2 if quick else 64, policies=["full_power"], metrics=["sum_mbps"],
                       chunk_size=20 if quick else 50, batch_size=10 if quick else 25, store=str(store), progress=False,
                       executor=ExecutorConfig(kind="local", workers=workers, poll_s=0.2, cpus_per_worker=cpus_per_worker)
                       if not chunks_per_task else
                       ExecutorConfig(kind="slurm", slurm_array_parallelism=workers, chunks_per_task=chunks_per_task,
                                      cpus_per_task=1, gpus_per_task=0, mem_gb=2, poll_s=0.2))


def _program_stats(spec, settings: Settings) -> dict:
    """Compile time and XLA memory of the chunk program, compiled here."""
    import jax.numpy as jnp

    from experiments.sweep.engine import batch_program
    from experiments.sweep.spec import plan

    p = plan(spec, check_metrics=False)
    program = batch_program(p, 0)
    b = spec.batch_size
    values = {k: jnp.full((b,), float(p.point_values(0)[k])) for k in p.swept_physical()}
    stats = time_jax(program, values, jnp.arange(b), repeats=1, per=b * spec.drops)
    return {"compile_s": stats["compile_s"], "xla_memory_mb": stats.get("xla_memory_mb", float("nan"))}


#: (workers, executor.cpus_per_worker): one worker on one core, one worker on every core (XLA:CPU
#: spreads its program over them), two workers pinned to a core each (the default), two unpinned.
CONFIGS = ((1, 1), (1, 0), (2, 0), (2, -1))
#: The baseline every other configuration is compared with.
BASE = CONFIGS[0]
#: Where a SLURM cluster answers (``experiments.sweep.cluster``; ``tools/slurm-one-node.sh`` starts
#: one here): a job array, two tasks at once on a core each, of 1 and of 10 chunks per task (each
#: task is a process of its own: it starts and compiles once for its chunks).
SLURM_CHUNKS_PER_TASK = (1, 10)


def run(settings: Settings):
    import xarray as xr

    from experiments.sweep.driver import run_sweep

    walls, stored = {}, {}
    # in the current folder, not /tmp: a cluster's nodes must see the stores
    with tempfile.TemporaryDirectory(dir=".", prefix=".sweep_scaling-") as tmp:
        # the chunk program is the same for every configuration (only executor and store differ)
        program = _program_stats(_spec(Path(tmp) / "program.zarr", BASE[0], settings.quick, BASE[1]), settings)
        configs = [(w, c, 0) for w, c in ((BASE, CONFIGS[2]) if settings.quick else CONFIGS)]
        if not settings.quick and cluster_gpus() is not None:
            configs += [(2, None, k) for k in SLURM_CHUNKS_PER_TASK]     # (tasks at once, -, chunks per task)
        for workers, cpus, chunks_per_task in configs:
            spec = _spec(Path(tmp) / f"w{workers}c{cpus}k{chunks_per_task}.zarr", workers, settings.quick, cpus,
                         chunks_per_task)
            t0 = time.perf_counter()
            store = run_sweep(spec)
            wall = time.perf_counter() - t0
            key = (workers, cpus) if not chunks_per_task else ("slurm", chunks_per_task)
            walls[key] = wall
            stored[key] = xr.open_zarr(store)["sum_mbps__full_power"].values
            points = int(np.prod(stored[key].shape[:-1]))
            extra = {}
            if key != BASE:
                extra = {"speedup_vs_1_worker_on_1_core": walls[BASE] / wall,
                         "max_abs_diff_vs_1_worker": float(np.max(np.abs(stored[key] - stored[BASE])))}
                if (1, 0) in walls:
                    extra["speedup_vs_1_worker_on_every_core"] = walls[1, 0] / wall
                if chunks_per_task and CONFIGS[2] in walls:
                    extra["speedup_vs_2_local_workers"] = walls[CONFIGS[2]] / wall
            name = (f"workers={workers},cpus_per_worker={cpus}" if not chunks_per_task else
                    f"slurm,tasks_at_once={workers},chunks_per_task={chunks_per_task}")
            executor = ({"workers": workers, "cpus_per_worker": cpus} if not chunks_per_task else
                        {"executor": "slurm", "tasks_at_once": workers, "chunks_per_task": chunks_per_task,
                         "cpus_per_task": 1})
            yield case(SUITE, f"sweep_scaling:{name}", "satjax",
                       {"points": points, "drops": spec.drops, "chunk_size": spec.chunk_size,
                        "batch_size": spec.batch_size, **executor, "system": spec.system, "policy": "full_power"},
                       points * spec.drops,
                       {"median_s": wall, "min_s": wall, "max_s": wall, "repeats": 1,
                        "per_scenario_ms": 1e3 * wall / (points * spec.drops), "wall_s_including_compile": wall,
                        **program}, **extra)

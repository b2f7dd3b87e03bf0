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
(``max_abs_diff_vs_1_worker``, 0 expected: results do not depend on the worker count). Quick mode
(tiny sizes) runs the first and the default two-worker configuration.

``compile_s`` and ``xla_memory_mb`` are those of the chunk program compiled once in the benchmark's
own process (what each worker compiles once; the same program for every configuration).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import Settings, case, time_jax

SUITE = "sweep_scaling"


def _spec(store: Path, workers: int, quick: bool, cpus_per_worker: int = 0):
    from experiments.sweep.spec import ExecutorConfig, SweepConfig

    n_p, n_pilot = (8, 5) if quick else (40, 25)
    params = {"num_users": 4, "num_aps": 6, "n_v": 2, "n_h": 2, "tau_p": 2} if quick else {}
    return SweepConfig(system="uplink", params=params,
                       grid={"p_max_w": np.geomspace(0.01, 1.0, n_p).tolist(),
                             "pilot_power_w": np.geomspace(0.01, 1.0, n_pilot).tolist()},
                       drops=2 if quick else 64, policies=["full_power"], metrics=["sum_mbps"],
                       chunk_size=20 if quick else 50, batch_size=10 if quick else 25, store=str(store), progress=False,
                       executor=ExecutorConfig(kind="local", workers=workers, poll_s=0.2,
                                                         cpus_per_worker=cpus_per_worker))


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


def run(settings: Settings):
    import xarray as xr

    from experiments.sweep.driver import run_sweep

    walls, stored = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        # the chunk program is the same for every configuration (only executor and store differ)
        program = _program_stats(_spec(Path(tmp) / "program.zarr", BASE[0], settings.quick, BASE[1]), settings)
        for workers, cpus in (BASE, CONFIGS[2]) if settings.quick else CONFIGS:
            spec = _spec(Path(tmp) / f"w{workers}c{cpus}.zarr", workers, settings.quick, cpus)
            t0 = time.perf_counter()
            store = run_sweep(spec)
            wall = time.perf_counter() - t0
            walls[workers, cpus] = wall
            stored[workers, cpus] = xr.open_zarr(store)["sum_mbps__full_power"].values
            points = int(np.prod(stored[workers, cpus].shape[:-1]))
            extra = {}
            if (workers, cpus) != BASE:
                extra = {"speedup_vs_1_worker_on_1_core": walls[BASE] / wall,
                         "max_abs_diff_vs_1_worker": float(np.max(np.abs(stored[workers, cpus] - stored[BASE])))}
                if (1, 0) in walls:
                    extra["speedup_vs_1_worker_on_every_core"] = walls[1, 0] / wall
            yield case(SUITE, f"sweep_scaling:workers={workers},cpus_per_worker={cpus}", "satjax",
                       {"points": points, "drops": spec.drops, "chunk_size": spec.chunk_size,
                        "batch_size": spec.batch_size, "workers": workers, "cpus_per_worker": cpus,
                        "system": spec.system, "policy": "full_power"}, points * spec.drops,
                       {"median_s": wall, "min_s": wall, "max_s": wall, "repeats": 1,
                        "per_scenario_ms": 1e3 * wall / (points * spec.drops), "wall_s_including_compile": wall,
                        **program}, **extra)

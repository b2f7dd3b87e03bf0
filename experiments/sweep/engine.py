"""One chunk of a sweep: the compiled program of its static shape, run on its points, written to
its region of the store.

The program (:func:`batch_program`) is ``jit(vmap)`` over ``batch_size`` points: for each point
the swept physical values (traced) replace the group's parameters, the point's key is
``fold_in(PRNGKey(seed), point index)`` (``PRNGKey(seed)`` itself with ``same_drops``), its drops
are ``system.sample_batch`` under the first half of ``split(point key)`` (drop ``j`` from
``fold_in(., j)``), and every policy is scored by the system's task with key
``fold_in(second half, j)`` for drop ``j``. A chunk calls it on consecutive batches of its points
(the last batch padded with copies of the chunk's last point, their results dropped), so every
point runs in the same executable whatever the chunk size, the number of workers or the devices:
results do not depend on them. A policy that runs a ``Solve``-mode loop (``satjax.optim.is_iterative``)
is scored through ``satjax.optim.solve_batch`` — on the CPU one drop, and one point, after another,
each solver stopping at its own iteration count instead of the batch's slowest.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments.sweep import store as zstore
from experiments.sweep.spec import Plan, spec_hash, to_plain
from experiments.xla_env import usable_cores
from satjax.optim import batch_strategy, solve_batch

log = logging.getLogger(__name__)
#: Compiled chunk programs of this process: (spec hash, static values) -> program.
_PROGRAMS: dict[tuple, object] = {}


def batch_program(plan: Plan, first_point: int):
    """``run(values, index) -> {variable: [B, drops]}``: the chunk program of one static shape.

    Args:
        plan: the sweep.
        first_point: a point of the group (its static values and fixed parameters are the
            program's; its swept physical values are replaced by ``values``).

    Returns:
        A jitted function of ``values`` (swept physical field -> ``[B]`` array) and ``index``
        (``[B]`` int, the points' flat indices).
    """
    system, spec = plan.system, plan.spec
    base = plan.params_of(plan.point_values(first_point))
    policies = {name: system.policy(name, **to_plain(spec.policy_settings.get(name, {}))) for name in plan.policies}
    root = jax.random.key(spec.seed)
    drops = spec.drops

    def one_point(values, index):
        params = base.replace(**values) if values else base
        task = system.task(params)
        k_examples, k_policy = jax.random.split(root if spec.same_drops else jax.random.fold_in(root, index))
        examples = jax.vmap(system.example)(system.sample_batch(k_examples, params, drops))
        drop_index = jnp.arange(drops)
        out = {}
        for name, policy in policies.items():
            scores = solve_batch(lambda ex, j, policy=policy: task.score(policy, ex, jax.random.fold_in(k_policy, j)),
                                 examples, drop_index, strategy=batch_strategy(policy))
            out |= {f"{m}__{name}": scores[m] for m in plan.metrics}
        return out

    points = batch_strategy(*policies.values())
    return jax.jit(lambda values, index: solve_batch(one_point, values, index, strategy=points))


def run_chunk(plan: Plan, chunk: int) -> dict:
    """Compute chunk ``chunk`` and write it to the store; returns a summary (points, seconds)."""
    spec = plan.spec
    t0 = time.perf_counter()
    key = plan.static_key(chunk)
    points = plan.chunk_points(chunk)
    cache_key = (spec_hash(spec), key)
    first = cache_key not in _PROGRAMS
    if first:
        _PROGRAMS[cache_key] = batch_program(plan, int(points[0]))
    program = _PROGRAMS[cache_key]
    n, batch = points.size, spec.batch_size
    padded = np.concatenate([points, np.full((-n) % batch, points[-1])])
    dtype = np.float64 if spec.x64 else np.float32
    names = plan.swept_physical()
    rows = [plan.point_values(i) for i in padded]
    values = {k: np.asarray([to_plain(r[k]) for r in rows], dtype) for k in names}
    outs = [program({k: v[s:s + batch] for k, v in values.items()}, padded[s:s + batch])
            for s in range(0, padded.size, batch)]
    results = {name: np.concatenate([np.asarray(o[name]) for o in outs])[:n] for name, _, _ in plan.variables()}
    region_shape = tuple(s.stop - s.start for s in plan.region(chunk))
    results = {k: v.reshape(*region_shape, spec.drops) for k, v in results.items()}
    t_compute = time.perf_counter() - t0
    zstore.write_chunk(plan, chunk, results)
    return {"chunk": chunk, "points": n, "calls": len(outs), "static": dict(key), "compiled": first,
            "compute_s": t_compute, "seconds": time.perf_counter() - t0}


def _blas_threads() -> str:
    """The thread counts of the BLAS libraries loaded in this process (``threadpoolctl``)."""
    from threadpoolctl import threadpool_info

    return ",".join(sorted({str(i["num_threads"]) for i in threadpool_info() if i.get("user_api") == "blas"})) or "none"


def _cores_text() -> str:
    """The cores this process may run on (``executor.cpus_per_worker`` pins local workers), or
    ``any`` where the platform does not say."""
    cores = usable_cores()
    return "any" if cores is None else ",".join(map(str, cores))


def _slurm_task_text() -> str:
    """``, SLURM task <array job>_<index>`` (or ``<job>``) in a SLURM job, else nothing."""
    env = os.environ
    if "SLURM_ARRAY_JOB_ID" in env and "SLURM_ARRAY_TASK_ID" in env:
        return f", SLURM task {env['SLURM_ARRAY_JOB_ID']}_{env['SLURM_ARRAY_TASK_ID']}"
    return f", SLURM job {env['SLURM_JOB_ID']}" if "SLURM_JOB_ID" in env else ""


def _claim(store: str, run_id: str, chunk: int) -> bool:
    """Claim chunk ``chunk`` for this worker in run ``run_id`` (exclusive file creation)."""
    folder = zstore.work_dir(store) / "claims" / run_id
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(folder / f"chunk-{chunk:06d}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _chunk_logger(store: str, chunk: int) -> tuple[logging.Logger, logging.Handler]:
    path = zstore.chunk_log(store, chunk)
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"satjax.sweep.chunk{chunk}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    return logger, handler


def summary_line(s: dict, plan: Plan) -> str:
    """One line of a finished chunk (the chunk log's last line, the driver's log)."""
    static = " ".join(f"{k}={v}" for k, v in s["static"].items())
    return (f"chunk {s['chunk']} (of {plan.num_chunks}) done: {s['points']} points x {plan.spec.drops} drops "
            f"{'at ' + static + ' ' if static else ''}in {s['seconds']:.2f} s "
            f"({'compiled' if s['compiled'] else 'cached program'}, {s['calls']} calls)")


def work(store: str, chunks: list[int], run_id: str, claim: bool) -> list[int]:
    """A worker: run each chunk of ``chunks`` that is not done (and, with ``claim``, that no other
    worker of run ``run_id`` has claimed); returns the chunks it ran. Each chunk appends to its log
    (``start`` line, then the summary line, or the error)."""
    plan = zstore.load_plan(store)
    with jax.enable_x64(bool(plan.spec.x64)):          # this process's setting is restored after (debug: the driver)
        return _work(plan, store, chunks, run_id, claim)


def _work(plan: Plan, store: str, chunks: list[int], run_id: str, claim: bool) -> list[int]:
    done = zstore.done_chunks(store)
    ran = []
    for chunk in chunks:
        if done[chunk] or (claim and not _claim(store, run_id, chunk)):
            continue
        logger, handler = _chunk_logger(store, chunk)
        try:
            logger.info("start chunk %d (run %s, host %s, pid %d%s, cores %s, devices %s, CUDA_VISIBLE_DEVICES %s, "
                        "BLAS threads %s)", chunk, run_id, socket.gethostname(), os.getpid(), _slurm_task_text(),
                        _cores_text(), jax.devices(), os.environ.get("CUDA_VISIBLE_DEVICES", "unset"), _blas_threads())
            summary = run_chunk(plan, chunk)
            logger.info("%s", summary_line(summary, plan))
        except BaseException as err:
            logger.exception("chunk %d failed: %s", chunk, err)
            raise
        finally:
            logger.removeHandler(handler)
            handler.close()
        ran.append(chunk)
    return ran


def read_summary(store: str | Path, chunk: int) -> str:
    """The last line of chunk ``chunk``'s log (its summary once done)."""
    path = zstore.chunk_log(store, chunk)
    lines = path.read_text().strip().splitlines() if path.exists() else []
    return lines[-1].split(" ", 2)[-1] if lines else f"chunk {chunk} done"

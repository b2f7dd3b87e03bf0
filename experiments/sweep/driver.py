"""The sweep driver: validate, lay out the store, hand the unfinished chunks to submitit, follow.

:func:`run_sweep` checks the whole spec (:func:`experiments.sweep.spec.plan`) and the store (a
store made by another spec is refused) before any job starts, creates the store's layout if it
is new, and submits only the chunks whose ``chunk_done`` is False:

* ``debug``: ``submitit.DebugExecutor``, one chunk after the other in this process;
* ``local``: ``submitit.LocalExecutor``, ``executor.workers`` processes, each taking the next chunk
  nobody has claimed in this run (so a fast worker takes more chunks);
* ``slurm``: ``submitit.AutoExecutor(cluster="slurm")``, a job array with one chunk per task
  (``executor.chunks_per_task`` consecutive chunks per task when > 1). The
  task of each chunk is recorded (``<store>.work/slurm_tasks.json``); a later run of the same spec
  follows the tasks still queued or running (``squeue``) instead of submitting their chunks
  again, and submits only the chunks with no such task.

While the jobs run it shows tqdm bars over chunks and points (with their ETA) and logs one
summary line per finished chunk (the last line of that chunk's log).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import time
from pathlib import Path

from experiments.sweep import store as zstore
from experiments.sweep.cluster import JOB_NAME
from experiments.sweep.engine import read_summary
from experiments.sweep.spec import Plan, SweepConfig, plan
from experiments.xla_env import usable_cores

log = logging.getLogger("experiments.sweep")


def prepare(spec: SweepConfig) -> Plan:
    """Every check of a spec and its store (a store of another spec is refused); nothing is written."""
    spec = dataclasses.replace(spec, store=str(Path(spec.store).absolute()))
    p = plan(spec)
    if zstore.exists(spec.store):
        zstore.check_belongs(p)
    return p


def _executor(p: Plan, folder: Path):
    """The submitit executor of ``p``'s ``executor`` settings, its files in ``folder``."""
    import submitit

    ex = p.spec.executor
    if ex.kind == "debug":
        return submitit.DebugExecutor(folder)
    if ex.kind == "local":
        executor = submitit.LocalExecutor(folder)
        executor.update_parameters(timeout_min=ex.timeout_min)
        return executor
    executor = submitit.AutoExecutor(folder, cluster="slurm")
    optional = {f"slurm_{k}": getattr(ex, k) for k in ("partition", "account", "qos", "constraint")
                if getattr(ex, k) is not None}
    executor.update_parameters(timeout_min=ex.timeout_min, nodes=1, tasks_per_node=1, gpus_per_node=ex.gpus_per_task,
                               cpus_per_task=ex.cpus_per_task, mem_gb=ex.mem_gb,
                               slurm_array_parallelism=ex.slurm_array_parallelism, name=JOB_NAME, **optional)
    return executor


def worker_cpus(worker: int, workers: int, cpus_per_worker: int, available: list[int] | None = None) -> list[int] | None:
    """The cores local worker ``worker`` of ``workers`` is pinned to (``ExecutorConfig.cpus_per_worker``):
    ``cpus_per_worker`` consecutive cores of ``available`` (default: the cores this process may
    use), an equal share when it is 0, wrapping round when there are fewer cores than asked; ``None``
    (no pinning) when it is -1 or the platform has no affinity masks (``usable_cores``)."""
    available = usable_cores() if available is None else available
    if cpus_per_worker < 0 or available is None:
        return None
    c = cpus_per_worker or max(1, len(available) // workers)
    return sorted({available[(worker * c + i) % len(available)] for i in range(c)})


def submitit_folder(store: str | Path) -> Path:
    """``<store>.work/submitit/``: the jobs' files (pickled calls, results, stdout and stderr)."""
    return zstore.work_dir(store) / "submitit"


def _tasks_file(store: str | Path) -> Path:
    """``<store>.work/slurm_tasks.json``: chunk -> the SLURM task last submitted for it."""
    return zstore.work_dir(store) / "slurm_tasks.json"


def record_tasks(store: str, jobs_of_chunk: dict[int, object]) -> None:
    """Record the SLURM task of each chunk just submitted (the file is replaced atomically; a
    chunk's newest task wins).

    Args:
        store: the sweep's store.
        jobs_of_chunk: chunk -> its submitit job (a task may hold several chunks).
    """
    path = _tasks_file(store)
    tasks = json.loads(path.read_text()) if path.exists() else {}
    tasks |= {str(c): job.job_id for c, job in jobs_of_chunk.items()}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(tasks, indent=1, sort_keys=True))
    tmp.replace(path)


def live_tasks(store: str, chunks: list[int]) -> dict[int, object]:
    """The recorded SLURM tasks of ``chunks`` that the controller still holds
    (``cluster.queued_tasks``: queued, running, suspended), to follow instead of submitting again.

    Args:
        store: the sweep's store.
        chunks: the chunks not done.

    Returns:
        chunk -> submitit job; empty where nothing was recorded (``debug`` and ``local`` runs) or
        SLURM is not installed here.
    """
    path = _tasks_file(store)
    if not chunks or not path.exists() or shutil.which("squeue") is None:
        return {}
    tasks = json.loads(path.read_text())
    recorded = {c: tasks[str(c)] for c in chunks if str(c) in tasks}
    if not recorded:
        return {}
    import submitit

    from experiments.sweep.cluster import queued_tasks

    queued = queued_tasks()
    return {c: submitit.SlurmJob(submitit_folder(store), task) for c, task in recorded.items() if task in queued}


def submit(p: Plan, executor, todo: list[int], run_id: str) -> list:
    """Submit the chunks ``todo`` to ``executor`` (:func:`_executor`; the ``debug`` executor's jobs
    run when their result is asked)."""
    from experiments.sweep.worker import work

    store, ex = p.spec.store, p.spec.executor
    if ex.kind == "debug":
        return [executor.submit(work, store, [c], run_id, False) for c in todo]
    if ex.kind == "local":
        jobs = []
        for w in range(ex.workers):
            if ex.gpus_per_worker:
                gpus = list(range(w * ex.gpus_per_worker, (w + 1) * ex.gpus_per_worker))
                executor.update_parameters(gpus_per_node=ex.gpus_per_worker, visible_gpus=gpus)
            jobs.append(executor.submit(work, store, todo, run_id, True, worker_cpus(w, ex.workers, ex.cpus_per_worker)))
        return jobs
    k = ex.chunks_per_task
    groups = [todo[i:i + k] for i in range(0, len(todo), k)]
    jobs = executor.map_array(work, [store] * len(groups), groups, [run_id] * len(groups), [False] * len(groups))
    record_tasks(store, {c: job for group, job in zip(groups, jobs) for c in group})
    return jobs


class _Progress:
    """tqdm bars over chunks and points, and one log line per finished chunk."""

    def __init__(self, p: Plan, todo: list[int]):
        from tqdm.auto import tqdm

        self.plan, self.pending = p, set(todo)
        self.points = {c: p.chunk_points(c).size for c in todo}
        off = not p.spec.progress
        self.chunks_bar = tqdm(total=len(todo), desc="chunks", unit="chunk", disable=off, position=0)
        self.points_bar = tqdm(total=sum(self.points.values()), desc="points", unit="point", disable=off, position=1)

    def update(self) -> None:
        done = zstore.done_chunks(self.plan.spec.store)
        for c in sorted(self.pending):
            if done[c]:
                self.pending.discard(c)
                self.chunks_bar.update(1)
                self.points_bar.update(self.points[c])
                log.info("%s", read_summary(self.plan.spec.store, c))

    def close(self) -> None:
        self.chunks_bar.close()
        self.points_bar.close()


def _quiet_debug_jobs(record: logging.LogRecord) -> bool:
    """Drop submitit's per-job notice of the ``debug`` executor (one per chunk; the chunk logs
    have what matters)."""
    return not record.getMessage().startswith("Logging is written both to stderr/stdout")


def _result_missing(job) -> bool:
    """True when ``job`` wrote no result file, after the same refresh of a network filesystem's
    cached view of the folder that submitit makes (``chmod`` of the folder); False when that refresh
    is not allowed (then submitit's own wait decides)."""
    folder = job.paths.folder
    try:
        folder.chmod(folder.stat().st_mode)
    except OSError:
        return False
    return not job.paths.result_pickle.exists()


def _failure(p: Plan, pending: set[int], jobs: list) -> RuntimeError:
    errors = []
    for job in jobs:
        if _result_missing(job):                   # killed: no result file (submitit would wait 15-30 s for one)
            errors.append(f"job {job.job_id}: ended without a result (state {job.state}: killed, pre-empted or out "
                          f"of time; stderr: {getattr(job.paths, 'stderr', '?')})")
            continue
        try:
            err = job.exception()
        except Exception as e:  # noqa: BLE001 - a job whose state cannot be read
            err = e
        if err is not None:
            errors.append(f"job {job.job_id}: {str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__}"
                          f" (stderr: {getattr(job.paths, 'stderr', '?')})")
    logs = ", ".join(str(zstore.chunk_log(p.spec.store, c)) for c in sorted(pending)[:3])
    return RuntimeError(f"{len(pending)} chunk(s) of {p.spec.store} were not written: {sorted(pending)[:10]}; "
                        f"{'; '.join(errors[:3]) or 'no job reported an error'}; chunk logs: {logs}. "
                        "A rerun of the same spec runs only the unfinished chunks.")


def run_sweep(spec: SweepConfig) -> Path:
    """Run ``spec``'s unfinished chunks and return the store's path (see the module docstring)."""
    p = prepare(spec)
    store = p.spec.store
    executor = _executor(p, submitit_folder(store))        # e.g. no SLURM here: fails before the store exists
    if not zstore.exists(store):
        zstore.create(p)
    done = zstore.done_chunks(store)
    todo = [c for c in range(p.num_chunks) if not done[c]]
    log.info("sweep of system %s: %d points x %d drops in %d chunks of <= %d points (%s); %d done, %d to run on %s; "
             "store %s", p.system.name, p.num_points, p.spec.drops, p.num_chunks, p.spec.chunk_size,
             " x ".join(f"{d}={n}" for d, n in zip(p.dims, p.shape)), p.num_chunks - len(todo), len(todo),
             p.spec.executor.kind, store)
    if not todo:
        return Path(store)
    live = live_tasks(store, todo)
    if live:
        log.info("%d chunk(s) already queued or running, followed, not submitted again: %s", len(live),
                 ", ".join(f"chunk {c} (task {j.job_id})" for c, j in sorted(live.items())[:5]))
        done = zstore.done_chunks(store)          # a task may have ended between the first read and squeue
        todo = [c for c in todo if c in live or not done[c]]
    run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    from tqdm.contrib.logging import logging_redirect_tqdm

    with logging_redirect_tqdm():                  # log lines above the bars, not through them
        finished = _follow(p, executor, todo, run_id, live)
    if finished:
        log.info("sweep done: %s (xarray.open_zarr)", store)
    return Path(store)


def _follow(p: Plan, executor, todo: list[int], run_id: str, live: dict[int, object]) -> bool:
    """Submit the chunks of ``todo`` that have no ``live`` task (chunk -> job of an earlier
    submission still queued or running), and follow those jobs and the new ones until every chunk
    is done (``True``; a failed job raises); ``False`` when told not to wait."""
    progress = _Progress(p, todo)
    try:
        new = [c for c in todo if c not in live]
        followed = list({job.job_id: job for job in live.values()}.values())    # a task may hold several chunks
        jobs = followed + (submit(p, executor, new, run_id) if new else [])
        if p.spec.executor.kind == "debug":
            root = logging.getLogger()
            root.addFilter(_quiet_debug_jobs)
            try:
                for job in jobs:
                    job.result()
                    progress.update()
            finally:
                root.removeFilter(_quiet_debug_jobs)
        elif not p.spec.executor.wait:
            log.info("%d chunk(s) submitted, %d followed (%d jobs: %s); not waiting: rerun the same spec to follow "
                     "them and submit what is left", len(new), len(live), len(jobs), ", ".join(j.job_id for j in jobs[:5]))
            return False
        while progress.pending:
            finished = all(j.done() for j in jobs)
            progress.update()
            if not progress.pending:
                break
            if finished:
                raise _failure(p, progress.pending, jobs)
            time.sleep(p.spec.executor.poll_s)
    finally:
        progress.close()
    return True

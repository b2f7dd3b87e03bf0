"""The sweep app on a real SLURM cluster: job arrays, one GPU per task, a killed task, a rerun.

These tests need a SLURM cluster that answers on this machine (``tests.slurm``: ``sinfo``,
``squeue``, ``sacct`` with accounting; tasks pinned to their cores) and whose nodes see the
temporary folder. ``sudo tools/slurm-one-node.sh`` starts one: this machine as its only node, with
two stand-in GPUs (GRES ``gpu:2``) so SLURM gives each task its own ``CUDA_VISIBLE_DEVICES``.
``.ci/run`` starts it before the suite where it can; elsewhere the module is skipped and the
stand-in ``sbatch`` test of ``test_sweep_app.py`` still checks the batch script. The sweep is ``test_sweep_app``'s: 40 points
in 4 chunks of system B, float64, whose single-process ``vmap`` is the reference (bit for bit).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time

import numpy as np

from experiments.sweep.cluster import answers
from experiments.sweep.spec import ExecutorConfig
from tests.experiments.test_sweep_app import METRICS, _open, _run, _single_vmap, _spec, _starts
from tests.slurm import GPUS, needs_cluster

pytestmark = needs_cluster


def _slurm(**changes) -> ExecutorConfig:
    return ExecutorConfig(**({"kind": "slurm", "gpus_per_task": 1 if GPUS else 0, "cpus_per_task": 1, "mem_gb": 2,
                              "slurm_array_parallelism": 2, "timeout_min": 10, "poll_s": 0.2} | changes))


def _tasks(store) -> dict[str, str]:
    return json.loads((store.parent / f"{store.name}.work" / "slurm_tasks.json").read_text())


def _start_lines(store) -> list[str]:
    from experiments.sweep.store import chunk_log

    return [line for c in range(4) for line in chunk_log(store, c).read_text().splitlines() if " start chunk " in line]


def _assert_equals_one_vmap(store) -> None:
    ds, ref = _open(store), _single_vmap()
    assert ds.chunk_done.values.all()
    for metric in METRICS:
        np.testing.assert_array_equal(ds[f"{metric}__statistical_mrt"].values, ref[metric])


def test_rerun_follows_queued_tasks_and_the_array_equals_one_vmap(tmp_path):
    """``wait: false`` submits one job array and returns: two chunks per task
    (``chunks_per_task=2``; 2 tasks, at most 2 at once); a rerun of the same spec while those tasks
    are queued or running follows them and submits nothing; the store equals one ``vmap`` over all
    40 points bit for bit; each chunk ran once, each task ran its two chunks in one process and
    compiled the program once, pinned by SLURM to the one core it asked for, and with a GPU per
    task each task saw one GPU index in ``CUDA_VISIBLE_DEVICES``."""
    store = tmp_path / "slurm.zarr"
    _run(_spec(store, executor=_slurm(wait=False, chunks_per_task=2)))
    tasks = _tasks(store)
    assert sorted(tasks) == ["0", "1", "2", "3"] and len({t.split("_")[0] for t in tasks.values()}) == 1, tasks
    assert tasks["0"] == tasks["1"] != tasks["2"] == tasks["3"], tasks
    _run(_spec(store, executor=_slurm(chunks_per_task=2)))     # follows the array, submits nothing
    assert _tasks(store) == tasks
    assert len(list((store.parent / f"{store.name}.work" / "submitit").glob("*_submission.sh"))) == 1
    _assert_equals_one_vmap(store)
    assert [_starts(store, c) for c in range(4)] == [1, 1, 1, 1]
    lines = _start_lines(store)
    assert [line.split("SLURM task ")[1].split(",")[0] for line in lines] == [tasks[str(c)] for c in range(4)], lines
    pids = [line.split(" pid ")[1].split(",")[0] for line in lines]
    assert pids[0] == pids[1] != pids[2] == pids[3], pids
    from experiments.sweep.store import chunk_log

    summaries = [chunk_log(store, c).read_text().splitlines()[-1] for c in range(4)]
    assert ["(compiled," in line for line in summaries] == [True, False, True, False], summaries
    assert all(len(line.split(" cores ")[1].split(", devices")[0].split(",")) == 1 for line in lines), lines
    if GPUS:
        assert all(line.split("CUDA_VISIBLE_DEVICES ")[1].split(",")[0].isdigit() for line in lines), lines
    sacct = answers("sacct", "--noheader", "-X", "--parsable2", "--format=JobID,State", "-j",
                    tasks["0"].split("_")[0])
    assert sacct is not None and sorted(sacct.split()) == sorted({f"{t}|COMPLETED" for t in tasks.values()}), sacct


def test_killed_task_is_the_only_chunk_recomputed(tmp_path):
    """A task whose worker process is killed while it computes its chunk (SIGKILL, as the kernel
    does to a task past its memory or a node that dies): SLURM ends the task FAILED, the driver
    reports that chunk unfinished once the other tasks end, and the rerun submits a task for that
    chunk only; the store then equals one ``vmap``. The worker is stopped (SIGSTOP) as soon as its
    chunk log says it started, and killed only once the store shows the chunk not done, so the kill
    lands mid-chunk, not by chance. (``scancel``, even with ``--signal=KILL``, gives the task
    SIGCONT and SIGTERM first, which submitit's workers ignore until SLURM's ``KillWait`` ends: tried
    here, the chunk finished within it and was written and marked.)"""
    from experiments.sweep.store import chunk_log, done_chunks

    store = tmp_path / "cancel.zarr"
    spec = _spec(store, executor=_slurm())
    errors = []

    def drive():
        try:
            _run(spec)
        except RuntimeError as err:
            errors.append(err)

    driver = threading.Thread(target=drive)
    driver.start()
    victim, deadline = None, time.monotonic() + 180
    while victim is None and driver.is_alive() and time.monotonic() < deadline:
        for c in range(4):
            log = chunk_log(store, c)
            text = log.read_text() if log.exists() else ""
            if " start chunk " not in text:
                continue
            pid = int(text.split(" pid ")[1].split(",")[0])
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                continue                                            # already finished
            if done_chunks(store)[c]:
                os.kill(pid, signal.SIGCONT)                        # finished before it was stopped
                continue
            victim = (c, text.split("SLURM task ")[1].split(",")[0])
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    driver.join(timeout=240)
    assert victim is not None and not driver.is_alive()
    chunk, task = victim
    assert len(errors) == 1, errors
    state = answers("sacct", "--noheader", "-X", "--parsable2", "--format=State", "-j", task)
    assert state is not None and state.split() == ["FAILED"], state
    message = str(errors[0])
    assert f"1 chunk(s) of {store} were not written: [{chunk}]" in message and "runs only the unfinished" in message
    assert f"job {task}: ended without a result (state FAILED" in message, message
    first = _tasks(store)
    _run(spec)
    again = _tasks(store)
    assert again[str(chunk)] != task and {c: t for c, t in again.items() if c != str(chunk)} == \
        {c: t for c, t in first.items() if c != str(chunk)}
    assert [_starts(store, c) for c in range(4)] == [2 if c == chunk else 1 for c in range(4)]
    _assert_equals_one_vmap(store)

"""The sweep app on a real SLURM cluster: job arrays, one GPU per task, a killed task, a rerun.

These tests need a SLURM cluster whose only node is this machine (``tests.slurm``: ``sinfo``,
``squeue``, ``sacct`` with accounting; tasks pinned to their cores), so that its tasks see the
temporary folder and the test can signal their processes. ``sudo tools/slurm-one-node.sh`` starts
one, with two stand-in GPUs (GRES ``gpu:2``) so SLURM gives each task its own
``CUDA_VISIBLE_DEVICES``. ``.ci/run`` starts it before the suite where it can; elsewhere the module
is skipped and ``test_sweep_app.py`` still checks the batch script and the follow-or-resubmit logic
with stand-in SLURM commands. The sweep is ``test_sweep_app``'s: 40 points in 4 chunks of system B,
float64, whose single-process ``vmap`` is the reference (bit for bit).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import time

import numpy as np

from experiments.sweep.cluster import answers
from experiments.sweep.spec import ExecutorConfig
from experiments.sweep.store import chunk_log
from tests.experiments.test_sweep_app import (METRICS, _in_thread, _killed_run_error, _open, _run, _single_vmap,
                                              _spec, _start_lines, _starts, _stop_in)
from tests.slurm import GPUS, needs_cluster

pytestmark = needs_cluster

def _slurm(**changes) -> ExecutorConfig:
    return ExecutorConfig(**({"kind": "slurm", "gpus_per_task": 1 if GPUS else 0, "cpus_per_task": 1, "mem_gb": 2,
                              "slurm_array_parallelism": 2, "timeout_min": 10, "poll_s": 0.2} | changes))


def _tasks(store) -> dict[str, str]:
    from experiments.sweep.driver import _tasks_file

    return json.loads(_tasks_file(store).read_text())


def _assert_equals_one_vmap(store) -> None:
    ds, ref = _open(store), _single_vmap()
    assert ds.chunk_done.values.all()
    for metric in METRICS:
        np.testing.assert_array_equal(ds[f"{metric}__statistical_mrt"].values, ref[metric])


def _sacct_states(job: str, tasks: list[str], deadline_s: float = 60) -> list[str]:
    """``<task>|<state>`` of the tasks ``tasks`` of ``job`` once ``sacct`` lists each of them and none
    is pending, running or completing (the driver returns as soon as the store says every chunk is
    done, which can be before SLURM has ended the tasks; and for a moment after they end, ``sacct``
    can list the array as one record ``<job>``)."""
    deadline = time.monotonic() + deadline_s
    while True:
        out = answers("sacct", "--noheader", "-X", "--parsable2", "--format=JobID,State", "-j", job) or ""
        states = sorted(out.split())
        if sorted(s.split("|")[0] for s in states) == sorted(tasks) and \
                not any(s.split("|")[1] in {"PENDING", "RUNNING", "COMPLETING"} for s in states):
            return states
        assert time.monotonic() < deadline, f"tasks {tasks} of {job} not listed as ended: {states}"
        time.sleep(0.5)


def test_rerun_follows_queued_tasks_and_the_array_equals_one_vmap(tmp_path, caplog):
    """``wait: false`` submits one job array and returns: two chunks per task
    (``chunks_per_task=2``; 2 tasks, at most 2 at once); a rerun of the same spec while those tasks
    are queued or running follows them and submits nothing; the store equals one ``vmap`` over all
    40 points bit for bit; each chunk ran once, each task ran its two chunks in one process and
    compiled the program once, pinned by SLURM to the one core it asked for, and with a GPU per
    task each task saw one GPU index in ``CUDA_VISIBLE_DEVICES``."""
    from experiments.sweep.driver import submitit_folder

    store = tmp_path / "slurm.zarr"
    _run(_spec(store, executor=_slurm(wait=False, chunks_per_task=2)))
    tasks = _tasks(store)
    assert sorted(tasks) == ["0", "1", "2", "3"] and len({t.split("_")[0] for t in tasks.values()}) == 1, tasks
    assert tasks["0"] == tasks["1"] != tasks["2"] == tasks["3"], tasks
    with caplog.at_level(logging.INFO, logger="experiments.sweep"):
        _run(_spec(store, executor=_slurm(chunks_per_task=2)))     # follows the array, submits nothing
    followed = [r.getMessage() for r in caplog.records if "already queued or running" in r.getMessage()]
    assert followed and followed[0].startswith("4 chunk(s) already queued or running"), caplog.text
    assert _tasks(store) == tasks
    assert len(list(submitit_folder(store).glob("*_submission.sh"))) == 1
    _assert_equals_one_vmap(store)
    assert [_starts(store, c) for c in range(4)] == [1, 1, 1, 1]
    starts = _start_lines(store)
    assert [s["task"] for s in starts] == [tasks[str(c)] for c in range(4)], starts
    assert starts[0]["pid"] == starts[1]["pid"] != starts[2]["pid"] == starts[3]["pid"], starts   # one process per task
    summaries = [chunk_log(store, c).read_text().splitlines()[-1] for c in range(4)]
    assert ["(compiled," in line for line in summaries] == [True, False, True, False], summaries
    assert all(len(s["cores"].split(",")) == 1 for s in starts), starts                 # one core per task
    if GPUS:
        assert all(s["cuda"].isdigit() for s in starts), starts                         # one GPU index per task
    ids = sorted(set(tasks.values()))
    assert _sacct_states(tasks["0"].split("_")[0], ids) == [f"{t}|COMPLETED" for t in ids]


def test_killed_task_is_the_only_chunk_recomputed(tmp_path):
    """A task whose worker process is killed while it computes its chunk (the sweep in 2 chunks of
    20 points, a task each; SIGKILL, as the kernel does to a task past its memory or a node that
    dies): SLURM ends the task FAILED, the driver reports that chunk unfinished once the other task
    ends, and the rerun submits a task for that chunk only; the store then equals one ``vmap``. The
    worker is stopped (SIGSTOP) as soon as its chunk log says it started, and killed only once the
    store shows the chunk not done, so the kill lands mid-chunk, not by chance. (``scancel``, even
    with ``--signal=KILL``, gives the task SIGCONT and SIGTERM first, which submitit's workers ignore
    until SLURM's ``KillWait`` ends: tried here, the chunk finished within it and was written and
    marked.)"""
    store = tmp_path / "cancel.zarr"
    spec = _spec(store, chunk_size=20, batch_size=5, executor=_slurm())      # 2 chunks, 2 tasks (same numbers)
    driver, errors = _in_thread(spec)
    deadline, victim, chunk = time.monotonic() + 180, None, None
    try:
        for c in range(2):
            if (victim := _stop_in(store, c, driver, deadline)) is not None:
                chunk = c
                break
        assert chunk is not None, "every chunk finished before its task could be stopped"
        [start] = _start_lines(store, chunk)
        task = start["task"]
        assert start["host"] == socket.gethostname() and int(start["pid"]) == victim, (start, victim)
        os.kill(victim, signal.SIGKILL)
        victim = None
    finally:                                           # after a failed check: no task left stopped
        if victim is not None:
            os.kill(victim, signal.SIGKILL)
    message = _killed_run_error(driver, errors, store, chunk, timeout_s=240)
    assert f"job {task}: ended without a result (state FAILED" in message, message
    assert _sacct_states(task, [task]) == [f"{task}|FAILED"]
    first = _tasks(store)
    _run(spec)
    again = _tasks(store)
    assert again[str(chunk)] != task and {c: t for c, t in again.items() if c != str(chunk)} == \
        {c: t for c, t in first.items() if c != str(chunk)}
    assert [_starts(store, c) for c in range(2)] == [2 if c == chunk else 1 for c in range(2)]
    _assert_equals_one_vmap(store)

"""The sweep app (experiments.sweep): chunked, resumable, labelled results equal to one vmap.

Small sizes: system B at its tiny sizes with statistical MRT (a closed form, cheap to compile),
40 points (P_max x the SNR offset snr_db) of 2 drops in float64.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import jax
import numpy as np
import pytest

from experiments.sweep.spec import ExecutorConfig, SweepConfig, plan

ROOT = Path(__file__).resolve().parents[2]
GRID = {"p_max_w": [1.0, 2.0, 5.0, 10.0], "snr_db": [float(x) for x in range(0, 20, 2)]}      # 4 x 10 points
PARAMS = {"n_v": 2, "n_h": 2, "num_users": 2, "num_paths": 2}
METRICS = ["ee_mbit_per_j", "sum_rate"]


def _spec(store, **changes) -> SweepConfig:
    base = dict(system="downlink", params=dict(PARAMS), grid={k: list(v) for k, v in GRID.items()}, drops=2,
                policies=["statistical_mrt"], metrics=list(METRICS), chunk_size=10, batch_size=5, seed=3, x64=True,
                store=str(store), progress=False, executor=ExecutorConfig(kind="debug"))
    return SweepConfig(**(base | changes))


def _run(spec):
    from experiments.sweep.driver import run_sweep

    with jax.enable_x64(True):
        return run_sweep(spec)


def _open(store):
    import xarray as xr

    return xr.open_zarr(store).load()


def _starts(store, chunk) -> int:
    from experiments.sweep.store import chunk_log

    return chunk_log(store, chunk).read_text().count(" start chunk ")


#: A chunk log's start line (``experiments.sweep.engine``): its chunk, host, pid, SLURM task (in a
#: SLURM job), cores and CUDA_VISIBLE_DEVICES.
_START = re.compile(r" start chunk (?P<chunk>\d+) \(run [^,]*, host (?P<host>[^,]*), pid (?P<pid>\d+)"
                    r"(?:, SLURM task (?P<task>[\d_]+))?, cores (?P<cores>[^ ]*), devices .*?, "
                    r"CUDA_VISIBLE_DEVICES (?P<cuda>[^,]*), BLAS")


def _start_lines(store, chunk: int | None = None) -> list[dict[str, str]]:
    """The fields of every start line written so far, chunk by chunk (of ``chunk`` alone if given)."""
    from experiments.sweep.store import chunk_log

    logs = [chunk_log(store, chunk)] if chunk is not None else sorted(chunk_log(store, 0).parent.glob("chunk-*.log"))
    return [m.groupdict() for log in logs if log.exists() for m in _START.finditer(log.read_text())]


def _started_pid(store, chunk) -> int | None:
    """The pid of the worker that wrote chunk ``chunk``'s first start line, or None before it has."""
    lines = _start_lines(store, chunk)
    return int(lines[0]["pid"]) if lines else None


def _in_thread(spec) -> tuple[threading.Thread, list]:
    """``_run(spec)`` started in a thread; the list gets its exception, if any."""
    errors = []

    def drive():
        try:
            _run(spec)
        except Exception as err:  # noqa: BLE001 - the caller checks it
            errors.append(err)

    driver = threading.Thread(target=drive, daemon=True)
    driver.start()
    return driver, errors


def _wait_start(store, chunk, driver, deadline) -> int:
    """The pid of the worker that starts chunk ``chunk`` once it has (the driver still running)."""
    while (pid := _started_pid(store, chunk)) is None:
        assert driver.is_alive() and time.monotonic() < deadline, f"chunk {chunk} never started"
        time.sleep(0.002)
    return pid


def _stop_in(store, chunk, driver, deadline) -> int | None:
    """Wait for the start line of chunk ``chunk``, stop (SIGSTOP) its worker and return its pid if the
    chunk is still unfinished; if it is done already, resume the worker and return None."""
    from experiments.sweep.store import done_chunks

    pid = _wait_start(store, chunk, driver, deadline)
    os.kill(pid, signal.SIGSTOP)
    if not done_chunks(store)[chunk]:
        return pid
    os.kill(pid, signal.SIGCONT)
    return None


def _killed_run_error(driver, failures: list, store, chunk: int, timeout_s: float) -> str:
    """Wait for the driver of a run whose worker was killed on chunk ``chunk``; it must end (not
    hang) with one RuntimeError that names that chunk alone and says a rerun runs only it. Returns
    the error's message."""
    driver.join(timeout=timeout_s)
    assert not driver.is_alive(), "the driver still waits after its worker was killed"
    assert len(failures) == 1 and isinstance(failures[0], RuntimeError), failures
    message = str(failures[0])
    assert f"1 chunk(s) of {store} were not written: [{chunk}];" in message, message
    assert message.endswith("A rerun of the same spec runs only the unfinished chunks."), message
    return message


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The 40-point sweep in 4 chunks on 2 local worker processes (submitit.LocalExecutor), started
    without any thread setting in their environment (each worker sets its own), with one GPU each
    (``gpus_per_worker=1``: worker w gets ``CUDA_VISIBLE_DEVICES=w``; JAX here is CPU-only and
    ignores it). Both workers take chunks: the one that starts chunk 0 is held (SIGSTOP) until the
    other has started chunk 1 (on a loaded machine the second worker may otherwise start after
    the first has run every chunk from its cached program)."""
    store = tmp_path_factory.mktemp("sweep") / "local.zarr"
    spec = _spec(store, executor=ExecutorConfig(kind="local", workers=2, gpus_per_worker=1, poll_s=0.2))
    assert plan(spec).num_chunks == 4
    saved = {k: os.environ.pop(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
             if k in os.environ}
    try:
        driver, errors = _in_thread(spec)
        deadline = time.monotonic() + 300
        held = _stop_in(store, 0, driver, deadline)
        try:
            _wait_start(store, 1, driver, deadline)            # the other worker, while this one is held
        finally:
            if held is not None:
                os.kill(held, signal.SIGCONT)
        driver.join(timeout=300)
        assert not driver.is_alive() and not errors, errors
    finally:
        os.environ.update(saved)
    return store, _open(store)


def _single_vmap():
    """The same numbers from one jit(vmap) over all 40 points in this process: point i of the C-order
    grid uses fold_in(PRNGKey(seed), i); its drops split(.)[0] through the sampler, the policy key
    fold_in(split(.)[1], drop)."""
    import itertools

    import jax.numpy as jnp

    from satjax.systems import get_system

    system = get_system("downlink")
    with jax.enable_x64(True):
        base = system.params(**PARAMS)
        points = np.asarray(list(itertools.product(*GRID.values())), np.float64)
        policy = system.policy("statistical_mrt")

        def one(values, index):
            params = base.replace(**dict(zip(GRID, values)))
            task = system.task(params)
            k_examples, k_policy = jax.random.split(jax.random.fold_in(jax.random.key(3), index))
            examples = jax.vmap(system.example)(system.sample_batch(k_examples, params, 2))
            return jax.vmap(lambda ex, j: task.score(policy, ex, jax.random.fold_in(k_policy, j)))(examples, jnp.arange(2))

        out = jax.jit(jax.vmap(one))(tuple(jnp.asarray(points[:, i]) for i in range(len(GRID))), jnp.arange(len(points)))
        return {k: np.asarray(v).reshape(4, 10, 2) for k, v in out.items()}


def test_two_local_workers_equal_one_vmap_bit_for_bit(local_run):
    store, ds = local_run
    assert ds.chunk_done.values.all() and ds.chunk_done.size == 4
    ref = _single_vmap()
    for metric in METRICS:
        got = ds[f"{metric}__statistical_mrt"]
        assert got.dims == ("p_max_w", "snr_db", "drop")
        np.testing.assert_array_equal(got.values, ref[metric])
        assert np.isfinite(got.values).all()
    # labelled: coordinates with units, the spec and versions in the attributes
    assert ds.p_max_w.attrs["units"] == "W" and ds.snr_db.attrs["units"] == "dB"
    assert list(ds.p_max_w.values) == GRID["p_max_w"]
    assert ds.ee_mbit_per_j__statistical_mrt.attrs["units"] == "Mbit/J"
    assert ds.attrs["system"] == "downlink" and ds.attrs["jax_version"] == jax.__version__ and ds.attrs["git_revision"]
    # both workers took chunks: each chunk ran once, and the chunk logs name two processes
    assert all(_starts(store, c) == 1 for c in range(4))
    from experiments.sweep.store import chunk_log

    logs = [chunk_log(store, c).read_text() for c in range(4)]
    starts = _start_lines(store)
    assert len(starts) == 4 and len({line["pid"] for line in starts}) == 2, logs
    # one GPU per worker, as the worker itself sees it: each pid logged one CUDA_VISIBLE_DEVICES, worker
    # w (the one on worker w's cores) GPU w
    from experiments.sweep.driver import worker_cpus

    visible = {}
    for line in starts:
        visible.setdefault(line["pid"], set()).add((line["cores"], line["cuda"]))
    want = [{(",".join(map(str, worker_cpus(w, 2, 0) or ["any"])), str(w))} for w in range(2)]
    assert sorted(visible.values(), key=sorted) == sorted(want, key=sorted), visible
    assert all("devices [CpuDevice(id=0)]" in text for text in logs), logs  # CPU-only JAX: the variable changes nothing
    assert all("BLAS threads 1)" in text for text in logs), logs          # single-threaded BLAS in every worker
    assert all(" cores " in text for text in logs), logs                     # the cores each worker was pinned to


def test_chunk_count_does_not_change_results(local_run, tmp_path):
    _, ds = local_run
    for chunk_size, batch_size in ((20, 5), (40, 5)):            # 2 chunks, 1 chunk; same program width
        store = tmp_path / f"c{chunk_size}.zarr"
        _run(_spec(store, chunk_size=chunk_size, batch_size=batch_size))
        other = _open(store)
        assert other.chunk_done.size == 40 // chunk_size
        for metric in METRICS:
            np.testing.assert_array_equal(other[f"{metric}__statistical_mrt"].values,
                                          ds[f"{metric}__statistical_mrt"].values)


def test_killed_chunk_is_the_only_one_recomputed(local_run, tmp_path):
    import shutil

    import xarray as xr

    source, ds = local_run
    store = tmp_path / "resume.zarr"
    shutil.copytree(source, store)
    shutil.copytree(f"{source}.work/logs", f"{store}.work/logs")
    var = "ee_mbit_per_j__statistical_mrt"
    # chunk 2 killed mid-write: half its region overwritten, its marker never set
    from experiments.sweep.store import DONE

    xr.Dataset({var: (ds[var].dims, np.zeros((1, 10, 2)))}).to_zarr(
        store, region={"p_max_w": slice(2, 3), "snr_db": slice(0, 10)}, mode="r+")
    xr.Dataset({DONE: (("chunk",), np.array([False]))}).to_zarr(store, region={"chunk": slice(2, 3)}, mode="r+")
    spec = _spec(store)
    _run(spec)
    assert [_starts(store, c) for c in range(4)] == [1, 1, 2, 1]
    rerun = _open(store)
    np.testing.assert_array_equal(rerun[var].values, ds[var].values)
    _run(spec)                                                    # everything done: nothing runs
    assert [_starts(store, c) for c in range(4)] == [1, 1, 2, 1]


def test_worker_killed_mid_chunk_only_that_chunk_reruns(local_run, tmp_path):
    """A real local worker process killed (SIGKILL) while it computes a chunk: the driver ends with
    an error naming that chunk only, and a rerun of the same spec runs that chunk only, giving the
    fixture's numbers bit for bit.

    Deterministic, not a race: a worker is stopped (SIGSTOP) as soon as its chunk's start line is
    in the chunk log, and the store says whether that chunk was still unfinished then (if not, the
    worker is resumed and the next chunk taken). Two workers: the one on chunk 0 is held so that
    the other takes chunk 1, compiles for it (about a second) and is stopped there; one worker would
    run every chunk after the first from its cached program in milliseconds. The first is then
    resumed and finishes every other chunk, and the stopped one is killed."""
    import xarray as xr

    from experiments.sweep.store import chunk_log, done_chunks

    _, ref = local_run
    store = tmp_path / "killed.zarr"
    spec = _spec(store, executor=ExecutorConfig(kind="local", workers=2, poll_s=0.2))
    driver, failures = _in_thread(spec)
    deadline, killed, victim = time.monotonic() + 120, None, None
    held = _stop_in(store, 0, driver, deadline)        # chunk 0's worker, held: the other one takes chunk 1
    try:
        for chunk in range(1, 4):
            if (victim := _stop_in(store, chunk, driver, deadline)) is not None:
                killed = chunk
                break
        assert killed is not None, "every chunk after the first finished before its worker could be stopped"
        if held is not None:
            os.kill(held, signal.SIGCONT)
            held = None
        others = [c for c in range(4) if c != killed]
        while not done_chunks(store)[others].all():   # the other worker takes every other chunk
            assert time.monotonic() < deadline, f"chunks {others} not done: {done_chunks(store)}"
            time.sleep(0.05)
        assert not done_chunks(store)[killed]
        assert " start chunk " in chunk_log(store, killed).read_text().splitlines()[-1]   # mid-chunk
        os.kill(victim, signal.SIGKILL)
        victim = None
    finally:                                           # after a failed check: no worker left stopped
        if victim is not None:
            os.kill(victim, signal.SIGKILL)
        if held is not None:
            os.kill(held, signal.SIGCONT)
    message = _killed_run_error(driver, failures, store, killed, timeout_s=90)
    assert ": ended without a result (state " in message, message     # said at once, not after submitit's 15 s wait
    assert [_starts(store, c) for c in range(4)] == [1, 1, 1, 1]
    _run(spec)
    assert [_starts(store, c) for c in range(4)] == [2 if c == killed else 1 for c in range(4)]
    rerun = _open(store)
    assert rerun.chunk_done.values.all()
    assert set(rerun.data_vars) == set(ref.data_vars)
    for name in ref.data_vars:
        np.testing.assert_array_equal(rerun[name].values, ref[name].values)
    xr.testing.assert_equal(rerun, ref)                   # and the same coordinates (attributes: other executor)


@pytest.mark.parametrize("changes, match", [
    ({"grid": {"p_max": [1.0]}}, "grid.p_max is not a parameter of DownlinkParams"),
    ({"grid": {"p_max_w": [1.0, -2.0]}}, r"grid.p_max_w\[1\] = -2.0: p_max_w must be > 0 W"),
    ({"params": dict(PARAMS, num_users=0)}, "params: num_users must be an integer >= 1"),
    ({"grid": {"p_max_w": []}}, "grid.p_max_w is empty"),
    ({"grid": {"p_max_w": [1.0]}, "params": dict(PARAMS, p_max_w=2.0)}, "grid.p_max_w is also in params"),
    ({"grid": {}, "zip": {"p_max_w": [1.0, 2.0], "snr_db": [3.0]}}, "zip lists must have one length"),
    ({"grid": {}}, "grid and zip are both empty"),
    ({"metrics": ["ee"]}, "metrics: 'ee' is not a metric of system 'downlink'"),
    ({"policies": ["mrt"]}, "policies: 'mrt' is not a policy of system 'downlink'"),
    ({"system": "satellite"}, "system must be one of"),
    ({"batch_size": 11}, "batch_size must be <= chunk_size"),
    ({"policy_settings": {"statistical_mrt": {"iters": 3}}}, "policy_settings.statistical_mrt"),
])
def test_bad_spec_fails_before_anything_runs_naming_the_key(changes, match, tmp_path):
    store = tmp_path / "bad.zarr"
    with pytest.raises(ValueError, match=match):
        _run(_spec(store, **changes)) if "metrics" in changes else _spec(store, **changes)
    assert not store.exists()


def test_store_of_another_spec_is_refused(local_run):
    store, ds = local_run
    with pytest.raises(ValueError, match=rf"store {store} belongs to another spec: drops differs \(store: 2, this spec: 3\)"):
        _run(_spec(store, drops=3))
    other = dict(GRID, p_max_w=[1.0, 2.0, 5.0, 20.0])
    with pytest.raises(ValueError, match="belongs to another spec: grid.p_max_w differs"):
        _run(_spec(store, grid=other))
    assert _open(store).identical(ds)


def test_spec_cannot_name_code_and_cli_rejects_bad_override(tmp_path):
    """The Hydra app refuses a ``_target_`` anywhere in a spec before any store exists; a composed
    spec with an unknown parameter fails naming it."""
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    store = tmp_path / "cli.zarr"
    proc = subprocess.run([sys.executable, "-m", "experiments.sweep", "sweep=downlink_tiny", f"store={store}",
                           f"hydra.run.dir={tmp_path}/run", "+grid._target_=os.system"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "grid._target_ must name a class" in proc.stderr, proc.stderr[-2000:]
    assert not store.exists()
    with pytest.raises(ValueError, match=r"grid.p_max is not a parameter of DownlinkParams \(system .downlink.\); did you mean p_max_w\?"):
        _composed("downlink_tiny", "+grid.p_max=[1.0]")


@pytest.mark.parametrize("override, match", [
    ("executor.wait=false", "executor.wait=false needs executor.kind=slurm: debug jobs run"),
    ("executor.chunks_per_task=0", "executor.chunks_per_task must be an integer >= 1, got 0"),
    ("executor.workers=0", "executor.workers must be an integer >= 1, got 0"),
    ("executor.cpus_per_worker=-2", "executor.cpus_per_worker must be an integer >= -1, got -2"),
    ("executor.kind=cloud", "executor.kind must be one of"),
])
def test_bad_executor_settings_are_refused_naming_the_key(override, match):
    """The executor keys are checked where the spec is composed, before any store or job exists."""
    with pytest.raises(ValueError, match=match):
        _composed("downlink_tiny", override)


def _composed(name: str, *overrides: str) -> SweepConfig:
    from hydra import compose, initialize_config_dir

    from experiments.common import load_config

    with initialize_config_dir(version_base="1.3", config_dir=str(ROOT / "conf")):
        return load_config(compose("sweep", overrides=[f"sweep={name}", *overrides]))


def test_chunks_are_hyperrectangles_of_one_static_shape():
    spec = SweepConfig(system="downlink", params={"n_v": 2, "n_h": 2, "num_paths": 2},
                       grid={"p_max_w": [1.0, 2.0, 3.0], "num_users": [2, 3], "snr_db": [0.0, 5.0, 10.0]},
                       chunk_size=4, batch_size=2, store="unused.zarr")
    p = plan(spec, check_metrics=False)
    assert p.chunk_shape == (1, 1, 3)              # num_users is a size: one value per chunk
    seen = np.concatenate([p.chunk_points(c) for c in range(p.num_chunks)])
    assert sorted(seen) == list(range(18))
    for c in range(p.num_chunks):
        assert len({p.point_values(i)["num_users"] for i in p.chunk_points(c)}) == 1




@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "conf" / "sweep").glob("*.yaml")))
def test_every_spec_of_conf_sweep_plans(name):
    p = plan(_composed(name), check_metrics=False)
    assert p.num_points >= 12 and p.num_chunks >= 2


def test_specs_in_the_docs_plan():
    """Every YAML spec in docs/sweeps.md is a valid spec."""
    import re

    import yaml

    text = (ROOT / "docs" / "sweeps.md").read_text()
    specs = [yaml.safe_load(b) for b in re.findall(r"^```yaml\n(.*?)^```", text, re.S | re.M)]
    specs = [s for s in specs if isinstance(s, dict) and "system" in s]
    assert len(specs) == 2
    for data in specs:
        p = plan(SweepConfig(**(data | {"executor": ExecutorConfig(**data["executor"])})), check_metrics=False)
        assert p.num_chunks >= 4
    assert specs[1] == yaml.safe_load((ROOT / "conf" / "sweep" / "paper_c_ith_energy_uavs.yaml").read_text())


def test_slurm_executor_submits_one_array_task_per_unfinished_chunk(tmp_path, monkeypatch):
    """With ``executor.kind=slurm`` the driver hands submitit a job array (one task per chunk, at most
    ``slurm_array_parallelism`` at once, the GPUs, partition and account of the spec); ``sbatch``,
    ``srun``, ``squeue`` and ``sacct`` are stand-ins here (the real cluster's tests are in
    ``test_sweep_slurm.py``). With ``chunks_per_task=2`` the 4 chunks are 2 tasks; each chunk's task
    is recorded; a rerun while ``squeue`` still lists those tasks submits nothing, and once it lists
    none the rerun submits every unfinished chunk again."""
    from experiments.sweep.driver import _tasks_file

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts, queue = tmp_path / "scripts", tmp_path / "queue.txt"
    scripts.mkdir()
    queue.write_text("")
    tools = {"sbatch": f'n=$(ls {scripts} | wc -l); cat "$@" > {scripts}/$n.sh; echo "Submitted batch job $((987654321 + n))"',
             "srun": "exit 1", "squeue": f"cat {queue}", "sacct": 'echo "JobID|State|NodeList"'}
    for tool, body in tools.items():
        (bin_dir / tool).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    store = tmp_path / "slurm.zarr"
    slurm = dict(kind="slurm", partition="gpu", account="proj", gpus_per_task=1, cpus_per_task=2,
                 slurm_array_parallelism=3, timeout_min=30, wait=False)
    _run(_spec(store, executor=ExecutorConfig(**slurm)))
    script = (scripts / "0.sh").read_text()
    for line in ("#SBATCH --array=0-3%3", "#SBATCH --partition=gpu", "#SBATCH --account=proj",
                 "#SBATCH --gpus-per-node=1", "#SBATCH --cpus-per-task=2", "#SBATCH --time=30",
                 "#SBATCH --job-name=satjax-sweep"):
        assert line in script, script
    assert not _open(store).chunk_done.values.any()             # submitted, nothing ran here

    grouped = tmp_path / "grouped.zarr"
    spec = _spec(grouped, executor=ExecutorConfig(**slurm, chunks_per_task=2))
    _run(spec)
    assert "#SBATCH --array=0-1%2" in (scripts / "1.sh").read_text()       # submitit: at most the task count
    tasks = json.loads(_tasks_file(grouped).read_text())
    assert tasks == {"0": "987654322_0", "1": "987654322_0", "2": "987654322_1", "3": "987654322_1"}, tasks
    queue.write_text("987654322_0\n987654322_1\n987654399_0\n")     # still queued: followed, not submitted
    _run(spec)
    assert sorted(p.name for p in scripts.iterdir()) == ["0.sh", "1.sh"]
    assert json.loads(_tasks_file(grouped).read_text()) == tasks
    queue.write_text("987654322_1\n")                                # task 0 ended, its chunks not done
    _run(spec)
    assert "--array" not in (scripts / "2.sh").read_text()                # one task: submitit sends a plain job
    assert json.loads(_tasks_file(grouped).read_text()) == tasks | {"0": "987654323", "1": "987654323"}


def test_same_drops_and_zipped_lists(tmp_path):
    """With ``same_drops`` (common random numbers) a point's results depend on its values only: the
    zipped points (2, 4), (1, 0), (2, 4) equal the grid's points of those values and each other;
    without it, equal values at two points give other drops. The zipped lists are one dimension
    ``point`` with the fields as its coordinates."""
    def run(name, **changes):
        _run(_spec(tmp_path / f"{name}.zarr", chunk_size=3, batch_size=3, **changes))
        return _open(tmp_path / f"{name}.zarr")

    grid = run("grid", grid={"p_max_w": [1.0, 2.0], "snr_db": [0.0, 4.0]}, same_drops=True)
    zipped = {"p_max_w": [2.0, 1.0, 2.0], "snr_db": [4.0, 0.0, 4.0]}
    same = run("zip_same", grid={}, zip=zipped, same_drops=True)
    other = run("zip_other", grid={}, zip=zipped)
    var = "ee_mbit_per_j__statistical_mrt"
    assert same[var].dims == ("point", "drop") and same.p_max_w.dims == ("point",)
    assert list(same.snr_db.values) == zipped["snr_db"] and same.snr_db.attrs["units"] == "dB"
    for i, (p, snr) in enumerate(zip(*zipped.values())):
        np.testing.assert_array_equal(same[var].values[i], grid[var].sel(p_max_w=p, snr_db=snr).values)
    assert np.all(other[var].values[0] != other[var].values[2])


def test_local_workers_get_one_gpu_each(tmp_path):
    """``executor.gpus_per_worker=1``: worker ``w`` is submitted with GPU ``w`` visible (submitit's
    LocalExecutor turns ``visible_gpus`` into the worker's ``CUDA_VISIBLE_DEVICES``), every worker
    with all the chunks to claim from. What two real workers see is checked on ``local_run``
    (test_two_local_workers_equal_one_vmap_bit_for_bit); this records three."""
    from experiments.sweep.driver import submit

    class Recorder:
        def __init__(self):
            self.params, self.jobs = {}, []

        def update_parameters(self, **params):
            self.params |= params

        def submit(self, fn, *args):
            self.jobs.append((fn.__name__, args, dict(self.params)))

    spec = _spec(tmp_path / "gpus.zarr", executor=ExecutorConfig(kind="local", workers=3, gpus_per_worker=1))
    recorder = Recorder()
    submit(plan(spec, check_metrics=False), recorder, [0, 1, 2, 3], "run")
    assert [(j[2]["gpus_per_node"], j[2]["visible_gpus"]) for j in recorder.jobs] == [(1, [0]), (1, [1]), (1, [2])]
    assert all(j[0] == "work" and j[1][1] == [0, 1, 2, 3] and j[1][3] is True for j in recorder.jobs)


@pytest.mark.parametrize("worker, workers, cpus_per_worker, want", [
    (0, 1, 0, [0, 1, 2, 3]), (0, 2, 0, [0, 1]), (1, 2, 0, [2, 3]), (2, 3, 0, [2]), (1, 1, 0, [0, 1, 2, 3]),
    (0, 1, 1, [0]), (1, 2, 3, [0, 1, 3]), (5, 6, 0, [1]), (0, 2, -1, None)])
def test_local_workers_get_their_own_cores(worker, workers, cpus_per_worker, want):
    """Worker w of N on cores 0-3: an equal share by default, cpus_per_worker consecutive cores
    (wrapping round when there are fewer cores than asked), -1 unpinned."""
    from experiments.sweep.driver import worker_cpus

    assert worker_cpus(worker, workers, cpus_per_worker, available=[0, 1, 2, 3]) == want


def test_layout_up_front_with_a_mode_swept(tmp_path):
    """The store's layout before any chunk: NaN variables, no chunk done, no data chunk on disk; a
    swept mode is a string coordinate (written without warnings)."""
    import warnings

    from experiments.sweep import store as zstore

    spec = SweepConfig(system="uplink", params={"num_users": 3, "num_aps": 4, "n_v": 2, "n_h": 2, "tau_p": 2},
                       grid={"sat_environment": ["dense_urban", "suburban"], "p_max_w": [0.1, 0.2, 0.3]},
                       policies=["full_power"], drops=2, chunk_size=3, batch_size=3, store=str(tmp_path / "m.zarr"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zstore.create(plan(spec, check_metrics=False))
        ds = _open(spec.store)
    assert list(ds.sat_environment.values) == ["dense_urban", "suburban"] and ds.sat_environment.attrs["kind"] == "mode"
    assert ds.sum_mbps__full_power.shape == (2, 3, 2) and np.isnan(ds.sum_mbps__full_power.values).all()
    assert ds.chunk_done.size == 2 and not ds.chunk_done.values.any()
    on_disk = {p.name for p in (tmp_path / "m.zarr" / "sum_mbps__full_power").iterdir()}
    assert on_disk <= {"zarr.json", ".zarray", ".zattrs"}, on_disk                 # metadata only, no data chunk

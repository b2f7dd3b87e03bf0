"""The trainer: it learns, resumes exactly, survives a corrupted checkpoint, and logs as it goes."""

import json
import shutil
import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from satjax.uplink import SHGNN
from satjax.train import (Checkpoints, Evaluator, MetricsLog, NonFiniteLossError, ResumeMismatchError, TrainSettings, fit,
                          make_train_step, read_record)
from satjax.train.checkpoints import array_signature
from satjax.train.record import RECORD_NAME
from satjax.uplink import FullPower, PowerControlTask
from satjax.uplink import UplinkParams

TINY = UplinkParams(num_aps=8, num_users=6, tau_p=3, n_v=2, n_h=2, area_side_m=1000.0)
TASK = PowerControlTask(TINY)
TIMING = ("wall_s", "examples_per_s")


def _model(seed=0):
    return SHGNN(TINY.num_antennas, hidden=16, num_layers=2, key=jax.random.key(seed))


def _settings(**kw):
    base = dict(num_steps=8, batch_size=4, seed=3, log_every=1, eval_every=4, checkpoint_every=2, progress=False)
    return TrainSettings(**(base | kw))


def _params(model):
    return [np.asarray(x) for x in jax.tree.leaves(eqx.filter(model, eqx.is_array))]


def _strip(history):
    return [{k: v for k, v in row.items() if k not in TIMING} for row in history]


@pytest.fixture(scope="module")
def evaluator():
    return Evaluator(TASK, jax.random.key(11), 8)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, evaluator):
    run_dir = tmp_path_factory.mktemp("full")
    return run_dir, fit(_model(), optax.adam(1e-2), TASK, _settings(), run_dir, evaluator=evaluator)


def test_training_improves_the_utility(tmp_path, evaluator):
    model = _model()
    before = evaluator(model)["utility"]
    result = fit(model, optax.adam(1e-2), TASK, _settings(num_steps=60, eval_every=0, checkpoint_every=60),
                 tmp_path, evaluator=evaluator)
    after = evaluator(result.model)["utility"]
    # the loss is -utility; on the fixed evaluation drops it must fall (per-step losses are on
    # fresh random drops of 4 and too noisy to compare)
    assert after > before * 1.02, (before, after)
    assert len(result.history) == 60


def test_metrics_files_and_reference_ratio(tmp_path, evaluator):
    ref = evaluator(FullPower())
    result = fit(_model(), optax.adam(1e-2), TASK, _settings(num_steps=4), tmp_path, evaluator=evaluator,
                 reference=ref, schedule=optax.constant_schedule(1e-2))
    rows = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3, 4]
    header = (tmp_path / "metrics.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["step", "loss", "grad_norm"] and "eval_sum_mbps_vs_reference" in header
    last = rows[-1]
    assert last["learning_rate"] == pytest.approx(1e-2)
    assert last["eval_sum_mbps_vs_reference"] == pytest.approx(last["eval_sum_mbps"] / ref["sum_mbps"])
    assert result.history == rows
    assert (tmp_path / "checkpoints" / "4").is_dir()


class _Interrupt(Exception):
    pass


def _interrupt_at(step):
    def callback(s, row):
        if s == step:
            raise _Interrupt
    return callback


def test_resume_equals_uninterrupted(tmp_path, evaluator, uninterrupted):
    _, full = uninterrupted
    with pytest.raises(_Interrupt):
        fit(_model(), optax.adam(1e-2), TASK, _settings(), tmp_path, evaluator=evaluator, callbacks=[_interrupt_at(5)])
    assert Checkpoints(tmp_path / "checkpoints", every=2).steps() == [2, 4]
    resumed = fit(_model(), optax.adam(1e-2), TASK, _settings(resume=True), tmp_path, evaluator=evaluator)
    assert resumed.resumed_from == 4
    for a, b in zip(_params(resumed.model), _params(full.model)):
        np.testing.assert_array_equal(a, b)
    assert _strip(resumed.history) == _strip(full.history)      # rows 5.. logged again, not twice


def test_corrupted_latest_checkpoint_falls_back(tmp_path, evaluator, uninterrupted):
    src, full = uninterrupted
    shutil.copytree(src / "checkpoints", tmp_path / "checkpoints")
    shutil.copy(src / "metrics.jsonl", tmp_path / "metrics.jsonl")
    latest = tmp_path / "checkpoints" / "8" / "state"
    for f in latest.rglob("*"):
        if f.is_file() and f.stat().st_size > 0 and "manifest" not in f.name:
            f.write_bytes(b"\0" * 7)                            # truncated garbage
    with pytest.warns(RuntimeWarning, match="step 8 .* could not be restored"):
        resumed = fit(_model(), optax.adam(1e-2), TASK, _settings(resume=True), tmp_path, evaluator=evaluator)
    assert resumed.resumed_from == 6
    for a, b in zip(_params(resumed.model), _params(full.model)):
        np.testing.assert_array_equal(a, b)


def test_existing_checkpoints_need_resume(tmp_path, uninterrupted):
    src, _ = uninterrupted
    shutil.copytree(src / "checkpoints", tmp_path / "checkpoints")
    with pytest.raises(ValueError, match="resume=True"):
        fit(_model(), optax.adam(1e-2), TASK, _settings(), tmp_path)


def test_resume_without_checkpoint_starts_fresh_and_says_so(tmp_path, uninterrupted):
    _, full = uninterrupted
    with pytest.warns(RuntimeWarning, match="no restorable checkpoint .* starting from step 0"):
        result = fit(_model(), optax.adam(1e-2), TASK, _settings(resume=True, eval_every=0), tmp_path)
    assert result.resumed_from == 0
    for a, b in zip(_params(result.model), _params(full.model)):
        np.testing.assert_array_equal(a, b)     # evaluation does not change training


def test_killed_before_the_first_checkpoint_then_resumed_logs_every_step_once(tmp_path, evaluator, uninterrupted):
    _, full = uninterrupted
    with pytest.raises(_Interrupt):                                  # dies at step 1: no checkpoint yet (every 2)
        fit(_model(), optax.adam(1e-2), TASK, _settings(), tmp_path, evaluator=evaluator, callbacks=[_interrupt_at(1)])
    assert [r["step"] for r in MetricsLog(tmp_path, ["loss"]).read()] == [1]
    with pytest.warns(RuntimeWarning, match="discarded 1 metric rows"):
        resumed = fit(_model(), optax.adam(1e-2), TASK, _settings(resume=True), tmp_path, evaluator=evaluator)
    steps = [r["step"] for r in resumed.history]
    assert steps == list(range(1, 9))                                # one row per step, none twice
    csv_rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert len(csv_rows) == 1 + 8
    assert _strip(resumed.history) == _strip(full.history)


def test_a_fresh_run_refuses_a_directory_with_metrics_of_another_run(tmp_path):
    MetricsLog(tmp_path, ["loss"]).log(1, {"loss": 0.0})
    with pytest.raises(ValueError, match="already holds metrics rows"):
        fit(_model(), optax.adam(1e-2), TASK, _settings(), tmp_path)


def test_wall_time_is_cumulative_across_a_resume(tmp_path, evaluator):
    with pytest.raises(_Interrupt):
        fit(_model(), optax.adam(1e-2), TASK, _settings(), tmp_path, evaluator=evaluator, callbacks=[_interrupt_at(5)])
    before = {r["step"]: r["wall_s"] for r in MetricsLog(tmp_path, ["loss"]).read()}
    resumed = fit(_model(), optax.adam(1e-2), TASK, _settings(resume=True), tmp_path, evaluator=evaluator)
    walls = [r["wall_s"] for r in resumed.history]
    assert walls == sorted(walls) and walls[4] > before[4]          # step 5 (after the restore at 4) continues


class _Scalar(eqx.Module):
    w: jax.Array


class _DivergingTask(eqx.Module):
    """Loss -w: SGD raises w by the learning rate each step; past w = 1 the loss is NaN (a run
    that diverges at a known step)."""

    def sample(self, key):
        return jax.random.normal(key, ())

    def loss(self, model, example):
        return jnp.where(model.w > 1.0, jnp.nan, -model.w + 0.0 * example)

    def score(self, policy, example, key):
        return {"w": policy.w}


def test_a_non_finite_loss_stops_training_naming_the_step_and_the_last_good_checkpoint(tmp_path):
    # w = 0.55 + 0.1 t: finite for t <= 4 (w = 0.95), NaN at step 6 (w = 1.05 after 5 steps)
    with pytest.raises(NonFiniteLossError, match=r"diverged at step 6: loss nan.*last good checkpoint: step 4"):
        fit(_Scalar(jnp.asarray(0.55)), optax.sgd(0.1), _DivergingTask(), _settings(num_steps=20, eval_every=0),
            tmp_path)
    rows = MetricsLog(tmp_path, ["loss"]).read()
    assert [r["step"] for r in rows] == [1, 2, 3, 4, 5] and all(np.isfinite(r["loss"]) for r in rows)
    assert Checkpoints(tmp_path / "checkpoints", every=2).steps() == [2, 4]        # nothing of the NaN step saved


def test_the_train_step_compiles_once_across_steps_and_models_of_the_same_shape(tmp_path):
    traces = []

    class CountingTask(eqx.Module):
        inner: PowerControlTask

        def sample(self, key):
            return self.inner.sample(key)

        def loss(self, model, example):
            traces.append(1)                                          # runs once per trace, never per step
            return self.inner.loss(model, example)

        def score(self, policy, example, key):
            return self.inner.score(policy, example, key)

    task = CountingTask(TASK)
    opt = optax.adam(1e-2)
    step = make_train_step(task, opt)
    batch = jax.vmap(task.sample)(jax.random.split(jax.random.key(0), 4))
    for seed in (0, 1):                                               # two models, same configuration
        params, static = eqx.partition(_model(seed), eqx.is_array)
        state = {"params": params, "opt_state": opt.init(params), "step": jnp.asarray(0, jnp.int32)}
        for _ in range(3):
            state, stats = step(state, static, batch)
            assert bool(stats["finite"])
    assert len(traces) == 1


@pytest.mark.parametrize("call, match", [
    (lambda d: fit("not a model", optax.adam(1e-2), TASK, _settings(), d), "model"),
    (lambda d: fit(_model(), "adam", TASK, _settings(), d), "optimizer"),
    (lambda d: fit(_model(), optax.adam(1e-2), object(), _settings(), d), "task"),
    (lambda d: fit(_model(), optax.adam(1e-2), TASK, {"num_steps": 3}, d), "settings"),
    (lambda d: fit(_model(), optax.adam(1e-2), TASK, _settings(), d, reference={"sum_mbps": 0.0}),
     r"reference\['sum_mbps'\] must be a finite, non-zero number"),
])
def test_fit_rejects_bad_arguments_by_name(tmp_path, call, match):
    """satjax's ValueError, or the TypeError of the runtime type checker the test suite runs;
    either names the argument."""
    with pytest.raises((ValueError, TypeError), match=match):
        call(tmp_path)


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_steps=0), "num_steps"), (dict(batch_size=0), "batch_size"), (dict(checkpoint_every=0), "checkpoint_every"),
    (dict(seed="0"), "seed"), (dict(seed=-1), "seed must be an integer >= 0"),
    (dict(resume="no"), "resume"), (dict(metrics=("csv", "parquet")), "metrics entries must be in"),
    (dict(metrics="csv"), "metrics must be a list of formats"),
])
def test_bad_settings(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):      # TypeError: the suite's runtime type checker
        _settings(**kwargs)


def test_metrics_log_truncate_and_formats(tmp_path):
    with pytest.raises(ValueError, match="metrics format"):
        MetricsLog(tmp_path, ["loss"], ["parquet"])
    log = MetricsLog(tmp_path, ["loss", "eval"], ["csv", "jsonl"])
    for s in range(1, 6):
        log.log(s, {"loss": -s, **({"eval": 2.0 * s} if s % 2 == 0 else {})})
    log.truncate_after(3)
    assert [r["step"] for r in log.read()] == [1, 2, 3]
    lines = (tmp_path / "metrics.csv").read_text().splitlines()
    assert lines[0] == "step,loss,eval" and lines[2] == "2,-2,4.0" and len(lines) == 4


def test_a_gradient_that_stays_exactly_zero_is_warned_about_once(tmp_path):
    """A model whose outputs saturated (the SHGNN's readout bias far out: every sigmoid is exactly
    1) gets an exactly zero gradient; after ``ZERO_GRADIENT_STEPS`` logged steps of it ``fit`` warns
    once, naming the step it started at, and trains on. A model that learns gets no warning."""
    from satjax.train import ZeroGradientWarning
    from satjax.train.trainer import ZERO_GRADIENT_STEPS

    saturated = eqx.tree_at(lambda m: m.readout.outer.bias, _model(), _model().readout.outer.bias + 1e4)
    n = ZERO_GRADIENT_STEPS + 5
    with pytest.warns(ZeroGradientWarning, match="exactly 0 at every logged step since step 1 ") as caught:
        result = fit(saturated, optax.adam(1e-2), TASK, _settings(num_steps=n, eval_every=0, checkpoint_every=n),
                     tmp_path / "saturated")
    assert [w.category for w in caught].count(ZeroGradientWarning) == 1
    assert len(result.history) == n and all(r["grad_norm"] == 0.0 for r in result.history)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ZeroGradientWarning)
        fit(_model(), optax.adam(1e-2), TASK, _settings(num_steps=n, eval_every=0, checkpoint_every=n), tmp_path / "live")


def test_checkpoints_roundtrip(tmp_path):
    ck = Checkpoints(tmp_path, every=5, keep=2)
    tree = {"a": np.arange(3.0), "b": (np.ones((2, 2), np.float32), np.asarray(4, np.int32))}
    assert not ck.save(3, tree)                       # not due
    for step in (5, 10, 15):
        assert ck.save(step, jax.tree.map(lambda x: x * step, tree), {"step": step})
    assert ck.steps() == [10, 15]                     # keep = 2
    step, state, record = ck.restore_latest(tree)
    assert step == 15 and record == {"step": 15}
    np.testing.assert_array_equal(state["b"][0], 15 * np.ones((2, 2)))
    ck.close()
    with pytest.raises(ValueError, match="every"):
        Checkpoints(tmp_path, every=0)


def test_checkpoints_written_through_orbax_standard_handler_restore(tmp_path):
    """Until 2026-12-05 the state was saved through Orbax's ``StandardCheckpointHandler`` with its
    inner pytree handler replaced (private ``_impl``) by one writing arrays from replica 0 only;
    such a run's checkpoints (written here exactly that way, from ``jax.Array`` leaves) restore
    through the public ``PyTreeCheckpointHandler`` used now, into ``like``'s dtypes, types and
    shardings, with their record, and the run goes on in the same directory."""
    import orbax.checkpoint as ocp

    from satjax.train.checkpoints import _single_replica_writer

    old_writer = ocp.StandardCheckpointHandler()
    old_writer._impl = _single_replica_writer()              # the same pytree handler the old writer swapped in
    like = {"w": jnp.zeros((2, 3), jnp.float32), "opt": (jnp.zeros(4, jnp.float32), jnp.zeros((), jnp.int32))}
    saved = jax.tree.map(lambda x: x + 2, like)
    with ocp.CheckpointManager(tmp_path, options=ocp.CheckpointManagerOptions(create=True),
                               item_handlers={"state": old_writer, "record": ocp.JsonCheckpointHandler()}) as old:
        old.save(4, args=ocp.args.Composite(state=ocp.args.StandardSave(saved), record=ocp.args.JsonSave({"step": 4})))
        old.wait_until_finished()
    ck = Checkpoints(tmp_path, every=2)
    try:
        assert ck.stored_signature(4) == array_signature(like)
        step, state, record = ck.restore_latest(like)
        assert step == 4 and record == {"step": 4}
        for got, want, ref in zip(jax.tree.leaves(state), jax.tree.leaves(saved), jax.tree.leaves(like)):
            assert isinstance(got, jax.Array) and got.dtype == ref.dtype and got.sharding == ref.sharding
            np.testing.assert_array_equal(got, want)
        assert ck.save(6, like) and ck.restore_latest(like)[0] == 6          # the run goes on in the same directory
    finally:
        ck.close()


def test_numpy_scalars_and_bools_are_checkpointed_as_arrays(tmp_path):
    """NumPy scalar leaves (``np.int32``, ``np.bool_``) are stored as 0-d arrays and restore as such."""
    tree = {"count": np.int32(7), "flag": np.bool_(True), "x": np.arange(3.0)}
    ck = Checkpoints(tmp_path, every=1)
    try:
        assert ck.save(1, tree)
        _, state, _ = ck.restore_latest({k: np.asarray(v) for k, v in tree.items()})
        assert int(state["count"]) == 7 and bool(state["flag"]) and state["flag"].dtype == np.bool_
        np.testing.assert_array_equal(state["x"], tree["x"])
    finally:
        ck.close()


def test_tensorboard_rows_when_installed(tmp_path, monkeypatch):
    """With tensorboardX importable, every numeric metric of a row becomes a scalar event."""
    import sys
    import types

    events = []

    class Writer:
        def __init__(self, logdir):
            events.append(("open", logdir))

        def add_scalar(self, tag, value, step):
            events.append((tag, value, step))

        def flush(self):
            pass

        def close(self):
            events.append(("close",))

    monkeypatch.setitem(sys.modules, "tensorboardX", types.SimpleNamespace(SummaryWriter=Writer))
    log = MetricsLog(tmp_path, ["loss"], ["jsonl", "tensorboard"])
    log.log(3, {"loss": -1.5, "note": "x"})
    log.close()
    assert events == [("open", str(tmp_path / "tensorboard")), ("loss", -1.5, 3), ("close",)]
    assert not (tmp_path / "metrics.csv").exists()


def test_the_trainer_fits_a_system_b_precoder_end_to_end(tmp_path):
    """System-neutral: the same fit() trains ScaledMRT on PrecodingTask (loss -EE of bound (9)),
    moving the transmit power towards statistical MRT's EE-optimal fraction of the budget."""
    from satjax.downlink import DownlinkParams, PrecodingTask
    from satjax.downlink import ScaledMRT

    task = PrecodingTask(DownlinkParams(n_h=4, n_v=4, num_users=4, p_max_w=50.0))
    evaluator = Evaluator(task, jax.random.key(5), 16)
    model = ScaledMRT(0.9)
    before = evaluator(model)["ee_mbit_per_j"]
    result = fit(model, optax.adam(0.1), task, _settings(num_steps=60, batch_size=8, eval_every=0, checkpoint_every=60),
                 tmp_path, evaluator=evaluator)
    after = evaluator(result.model)
    assert after["ee_mbit_per_j"] > 1.05 * before and after["power_over_budget"] == 0.0
    # the learned fraction is where the EE of MRT peaks on the evaluation drops (grid search)
    fractions = np.linspace(0.02, 0.98, 49)
    grid = [evaluator(ScaledMRT(float(f)))["ee_mbit_per_j"] for f in fractions]
    best = fractions[int(np.argmax(grid))]
    assert abs(float(result.model.power_fraction()) - best) < 0.06, (float(result.model.power_fraction()), best)


def test_a_full_disk_stops_training_with_one_line_naming_the_path_and_the_last_good_checkpoint(tmp_path, monkeypatch):
    import shutil as shutil_module
    from collections import namedtuple

    real = shutil_module.disk_usage
    usage = namedtuple("usage", "total used free")
    calls = {"n": 0}

    def disk_usage(path):
        calls["n"] += 1                                            # room for the first checkpoint only
        return usage(10**12, 0, 10**12) if calls["n"] == 1 else usage(10**12, 10**12, 1000)

    monkeypatch.setattr("satjax.train.checkpoints.shutil.disk_usage", disk_usage)
    with pytest.raises(OSError, match=r"could not write the checkpoint of step 4 to .*checkpoints .*not enough free "
                                      r"space.*last good checkpoint: step 2 in") as err:
        fit(_model(), optax.adam(1e-2), TASK, _settings(eval_every=0), tmp_path)
    assert "\n" not in str(err.value)
    monkeypatch.setattr("satjax.train.checkpoints.shutil.disk_usage", real)
    assert Checkpoints(tmp_path / "checkpoints", every=2).steps() == [2]


def test_evaluator_chunks_give_the_same_numbers():
    """Scoring in chunks (7 examples in chunks of 3: a short last chunk, padded) equals one batch."""
    import satjax.downlink as dl

    ev = Evaluator(dl.PrecodingTask(dl.DownlinkParams(n_h=2, n_v=2, num_users=2)), jax.random.key(3), 7)
    whole = ev.per_example(dl.StatisticalMRT())
    chunked = ev.per_example(dl.StatisticalMRT(), chunk=3)
    assert set(whole) == set(chunked)
    for k in whole:
        np.testing.assert_allclose(chunked[k], whole[k], rtol=1e-6, err_msg=k)
    with pytest.raises(ValueError, match="chunk"):
        ev.per_example(dl.StatisticalMRT(), chunk=0)


def _files(run_dir):
    """Every file of a run directory with its bytes (to show a refused resume changed nothing)."""
    return {p.relative_to(run_dir): p.read_bytes() for p in sorted(run_dir.rglob("*")) if p.is_file()}


@pytest.fixture
def earlier_run(tmp_path, uninterrupted):
    """A copy of a finished 8-step run (checkpoints 4, 6, 8, metrics, run.json)."""
    src, _ = uninterrupted
    run_dir = tmp_path / "run"
    shutil.copytree(src, run_dir)
    return run_dir


@pytest.mark.parametrize("change, match", [
    (dict(model=lambda: SHGNN(TINY.num_antennas, hidden=8, num_layers=2, key=jax.random.key(0))),
     r"model\.hidden: 16 -> 8"),
    (dict(task=PowerControlTask(TINY.replace(p_max_w=0.1))), r"task\.params\.p_max_w: 'float32\[\] 0\.2.*' -> 'float32\[\] 0\.1"),
    (dict(task=PowerControlTask(TINY, utility="max_min")), r"task\.utility: 'sum_rate' -> 'max_min'"),
    (dict(seed=4), r"settings\.seed: 3 -> 4"),
    (dict(batch_size=8), r"settings\.batch_size: 4 -> 8"),
])
def test_a_resume_of_another_model_task_or_settings_is_refused_and_changes_nothing(earlier_run, change, match):
    before = _files(earlier_run)
    model = change.get("model", _model)()
    task = change.get("task", TASK)
    settings = _settings(resume=True, num_steps=12, **{k: v for k, v in change.items() if k in ("seed", "batch_size")})
    with pytest.raises(ResumeMismatchError, match=match) as err:
        fit(model, optax.adam(1e-2), task, settings, earlier_run)
    assert "start a new run in another directory" in str(err.value)
    assert _files(earlier_run) == before


def test_a_checkpoint_of_another_model_is_not_called_damaged(earlier_run):
    """Without the run's record (a run written before records existed), the checkpoint's arrays
    tell another model from a damaged checkpoint: refused, nothing restarted or overwritten."""
    (earlier_run / RECORD_NAME).unlink()
    before = _files(earlier_run)
    other = SHGNN(TINY.num_antennas, hidden=8, num_layers=2, key=jax.random.key(0))
    with pytest.raises(ResumeMismatchError, match=r"checkpoint of step 8 .* another model or optimizer, not a damaged"):
        fit(other, optax.adam(1e-2), TASK, _settings(resume=True, num_steps=12), earlier_run)
    assert _files(earlier_run) == before


def test_when_no_checkpoint_restores_the_run_is_not_restarted_over_them(earlier_run):
    for step in ("4", "6", "8"):
        for f in (earlier_run / "checkpoints" / step / "state").rglob("*"):
            if f.is_file() and f.stat().st_size > 0:
                f.write_bytes(b"\0" * 7)                            # every checkpoint damaged
    before = _files(earlier_run)
    with pytest.warns(RuntimeWarning, match="could not be restored"):
        with pytest.raises(ValueError, match=r"none of the checkpoints \[4, 6, 8\] .* restores"):
            fit(_model(), optax.adam(1e-2), TASK, _settings(resume=True), earlier_run)
    assert _files(earlier_run) == before


def test_the_record_names_the_run_and_a_fresh_run_refuses_a_recorded_directory(earlier_run, tmp_path):
    recorded = read_record(earlier_run)
    assert recorded["model"]["@class"].endswith(".SHGNN") and recorded["model"][".hidden"] == 16
    assert recorded["settings"] == {"seed": 3, "batch_size": 4} and recorded["config"] is None
    only_record = tmp_path / "only_record"
    only_record.mkdir()
    shutil.copy(earlier_run / RECORD_NAME, only_record / RECORD_NAME)
    with pytest.raises(ValueError, match="already holds the record of a run"):
        fit(_model(), optax.adam(1e-2), TASK, _settings(), only_record)
    # the caller's own config is recorded too, and its keys come first in a refusal
    run = tmp_path / "with_config"
    fit(_model(), optax.adam(1e-2), TASK, _settings(num_steps=2, eval_every=0), run, record={"model": {"hidden": 16}})
    with pytest.raises(ResumeMismatchError, match=r"refused: .* model\.hidden: 16 -> 8\. Nothing .*\(use run_dir=X\)"):
        fit(SHGNN(TINY.num_antennas, hidden=8, num_layers=2, key=jax.random.key(0)), optax.adam(1e-2), TASK,
            _settings(num_steps=4, eval_every=0, resume=True), run, record={"model": {"hidden": 8}},
            new_run_hint="use run_dir=X")

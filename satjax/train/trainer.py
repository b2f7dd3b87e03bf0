"""The model-agnostic trainer: on-the-fly examples, a jitted data-parallel step, checkpoints,
metrics, evaluation on a fixed set.

Reproducibility: the examples of step ``t`` are ``task.sample(fold_in(fold_in(key, t), i))`` for
``i < batch_size`` — a function of the seed, the step and the batch index only, so a resumed run
sees exactly the examples an uninterrupted one would, on any number of devices.

Data parallelism: a 1-D ``data`` mesh over all visible devices; examples are sharded along the
batch axis, parameters and optimizer state replicated; XLA inserts the gradient all-reduce.
Results agree with a single device to float round-off (the batch mean is reduced in another
order).

Several processes (``jax.distributed.initialize`` before ``fit``; one or more devices each): the
mesh spans every process's devices and every process runs ``fit`` with the same arguments. Each
process draws only its own rows of the global batch, from the same per-example keys as one
process; the gradient all-reduce crosses processes (XLA:CPU through Gloo). Process 0 alone
writes the record and the metrics rows; checkpoints are saved collectively through Orbax, the
replicated state's arrays written by process 0 (``Checkpoints``). Every process evaluates on its
own full copy of the evaluation set and gets the same rows, so callbacks decide alike
everywhere; the returned history is read back from process 0's files. Resuming restores on
every process from the run directory, which every process must see (a shared file system).

Sampling and the gradient step are two jitted programs. Fused into one, XLA:CPU (jax 0.10.2)
deadlocked after a few steps on a 2-core machine (every thread parked; reproduced with and
without the thunk runtime, XNNPACK and async dispatch; not with one core) — see
docs/performance.md. Kept apart, the same work ran thousands of steps; the split costs one
extra dispatch per step.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from satjax._checks import check_int_range
from satjax.optim.batched import batch_strategy, solve_batch
from satjax.train.checkpoints import Checkpoints
from satjax.train.metrics import METRIC_FORMATS, MetricsLog
from satjax.train.record import check_resume, describe, read_record, write_record
from satjax.train.task import Task

__all__ = ["TrainSettings", "TrainResult", "Evaluator", "NonFiniteLossError", "ZeroGradientWarning", "data_mesh",
           "example_keys", "fit", "make_train_step"]

logger = logging.getLogger(__name__)

TRAIN_FIELDS = ("loss", "grad_norm", "learning_rate", "examples_per_s", "wall_s")


@dataclass(frozen=True)
class TrainSettings:
    """Settings of ``fit``. Every count is in optimizer steps.

    Attributes:
        num_steps: total optimizer steps.
        batch_size: examples per step (a multiple of the device count).
        seed: seeds the training examples (the model init has its own key).
        log_every: a training row every this many steps.
        eval_every: evaluation every this many steps (and at the last step); 0 = only at the end.
        checkpoint_every: an Orbax checkpoint every this many steps (and at the last step).
        keep_checkpoints: newest checkpoints kept.
        resume: continue from the newest valid checkpoint in ``run_dir/checkpoints``.
        metrics: formats of the metrics log (``csv``, ``jsonl``, ``tensorboard``).
        progress: show a progress bar.
    """

    num_steps: int = 1000
    batch_size: int = 64
    seed: int = 0
    log_every: int = 10
    eval_every: int = 100
    checkpoint_every: int = 200
    keep_checkpoints: int = 3
    resume: bool = False
    metrics: Sequence[str] = ("csv", "jsonl")
    progress: bool = True

    def __post_init__(self):
        check_int_range("num_steps", self.num_steps, 1)
        check_int_range("batch_size", self.batch_size, 1)
        check_int_range("seed", self.seed, 0)
        check_int_range("log_every", self.log_every, 1)
        check_int_range("eval_every", self.eval_every, 0)
        check_int_range("checkpoint_every", self.checkpoint_every, 1)
        check_int_range("keep_checkpoints", self.keep_checkpoints, 1)
        for name in ("resume", "progress"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if isinstance(self.metrics, str) or not all(isinstance(m, str) for m in self.metrics):
            raise ValueError(f"metrics must be a list of formats from {METRIC_FORMATS}, got {self.metrics!r}")
        bad = [m for m in self.metrics if m not in METRIC_FORMATS]
        if bad:
            raise ValueError(f"metrics entries must be in {METRIC_FORMATS}, got {bad}")


@dataclass
class TrainResult:
    """What ``fit`` returns: the trained model, the rows it logged, the step it resumed from
    (0 for a fresh run), the training speed of the last logged interval and the wall time of
    this call."""

    model: Any
    history: list[dict] = field(default_factory=list)
    resumed_from: int = 0
    examples_per_s: float = float("nan")
    seconds: float = float("nan")


def data_mesh(devices: Sequence[jax.Device] | None = None) -> Mesh:
    """A 1-D mesh named ``data`` over ``devices`` (default: all visible devices)."""
    devices = list(jax.devices() if devices is None else devices)
    return Mesh(np.asarray(devices), ("data",))


def example_keys(key, step, batch_size: int):
    """Keys of the examples of one step: ``fold_in(fold_in(key, step), i)``, ``i < batch_size``."""
    return _row_keys(key, step, jnp.arange(batch_size))


def _row_keys(key, step, index):
    """``fold_in(fold_in(key, step), i)`` for each ``i`` of ``index`` (rows of a step's batch)."""
    k = jax.random.fold_in(key, step)
    return jax.vmap(lambda i: jax.random.fold_in(k, i))(index)


class Evaluator:
    """Scores policies on a fixed, seeded evaluation set of ``num`` examples of ``task``.

    The set is drawn once (example ``i`` from ``fold_in(k_examples, i)`` with
    ``k_examples, k_policy = split(key)``: independent of batching) and passed to a jitted scorer
    as an argument (never baked in as a constant). Policies that need a key get
    ``fold_in(k_policy, i)`` for example ``i``. Iterative policies (``satjax.optim.is_iterative``)
    are scored with ``satjax.optim.solve_batch`` (on the CPU one example after another, each
    stopping at its own iteration count), the others with one ``vmap``.
    """

    def __init__(self, task: Task, key, num: int):
        check_int_range("eval examples", num, 1)
        self.task, self.num = task, num
        k_examples, k_policy = jax.random.split(key)
        idx = jnp.arange(num)
        sampler = jax.jit(jax.vmap(task.sample))
        self.examples = jax.block_until_ready(sampler(jax.vmap(lambda i: jax.random.fold_in(k_examples, i))(idx)))
        self.policy_keys = jax.vmap(lambda i: jax.random.fold_in(k_policy, i))(idx)
        self._score = eqx.filter_jit(lambda policy, ex, ks: solve_batch(
            lambda e, k: task.score(policy, e, k), ex, ks, strategy=batch_strategy(policy)))

    def per_example(self, policy, chunk: int | None = None) -> dict[str, np.ndarray]:
        """Every metric of ``task.score`` for each example, as NumPy arrays ``[num]``.

        ``chunk``: score ``chunk`` examples per call (the same numbers; the last call is padded to
        ``chunk`` examples, so every call runs one compiled program). Iterative policies are
        scored with ``satjax.optim.solve_batch`` (one example after another on the CPU), so there
        no example waits for a slower one of its chunk and the chunk only caps memory."""
        if chunk is None or chunk >= self.num:
            out = self._score(policy, self.examples, self.policy_keys)
            return {k: np.asarray(v) for k, v in jax.block_until_ready(out).items()}
        check_int_range("chunk", chunk, 1)
        parts = []
        for start in range(0, self.num, chunk):
            # every chunk has `chunk` examples (the last padded with copies of the final one, their
            # scores dropped): one compiled program for all chunks
            idx = jnp.minimum(jnp.arange(start, start + chunk), self.num - 1)
            take = lambda x, idx=idx: x[idx]  # noqa: E731
            out = self._score(policy, jax.tree.map(take, self.examples), take(self.policy_keys))
            n = min(chunk, self.num - start)
            parts.append({k: np.asarray(v)[:n] for k, v in jax.block_until_ready(out).items()})
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def metric_names(self, policy) -> list[str]:
        """Names of the metrics ``task.score`` returns, from shapes only (nothing is evaluated)."""
        return list(eqx.filter_eval_shape(self._score, policy, self.examples, self.policy_keys).keys())

    def __call__(self, policy) -> dict[str, float]:
        """Mean of every metric over the set."""
        return {k: float(np.mean(v)) for k, v in self.per_example(policy).items()}


def _is_primary() -> bool:
    """This process writes the run's files (process 0; the only process without jax.distributed)."""
    return jax.process_index() == 0


def _sync(name: str) -> None:
    """Wait until every process reaches the barrier ``name`` (nothing to wait for in one process)."""
    if jax.process_count() > 1:
        multihost_utils.sync_global_devices(name)


def _local_copy(tree):
    """A fully replicated tree as this process's own single-device copy, for programs that run on one
    process (the evaluator); the tree itself in a single-process run."""
    if jax.process_count() == 1:
        return tree
    return jax.tree.map(lambda x: x.addressable_data(0) if isinstance(x, jax.Array) else x, tree)


def _batch_sampler(task: Task, seed: int, batch_size: int, sharding: NamedSharding):
    """``sample_batch(step)``: the examples of ``example_keys(key(seed), step, batch_size)`` as one
    global array laid out by ``sharding`` along the batch. Each of this process's devices draws
    only its own rows (one jitted program, run per local device), so no process draws another's
    examples and no collective is needed; the rows of each local device are in
    ``sample_batch.rows`` (``device -> (start, stop)``)."""
    base_key = jax.random.key(seed)
    rows = {d: (sl[0].start or 0, batch_size if sl[0].stop is None else sl[0].stop)
            for d, sl in sharding.addressable_devices_indices_map((batch_size,)).items()}

    @jax.jit
    def draw(step, index):
        return jax.vmap(task.sample)(_row_keys(base_key, step, index))

    def sample_batch(step):
        parts = [draw(step, jax.device_put(jnp.arange(start, stop), d)) for d, (start, stop) in rows.items()]
        return jax.tree.map(lambda *xs: jax.make_array_from_single_device_arrays(
            (batch_size, *xs[0].shape[1:]), sharding, list(xs)), *parts)

    sample_batch.rows = rows
    return sample_batch


def _learning_rate(optimizer_schedule, step):
    return float(optimizer_schedule(step)) if optimizer_schedule is not None else None


class NonFiniteLossError(FloatingPointError):
    """Training stopped because the loss or the gradient stopped being finite (a diverged run):
    the message names the step and the last good checkpoint to resume from."""


class ZeroGradientWarning(UserWarning):
    """The logged gradient norm has been exactly 0 over ``ZERO_GRADIENT_STEPS`` steps: the model no
    longer learns (typically its bounded outputs saturated, docs/ntn.md); training goes on."""


#: Consecutive training steps whose logged gradient norm is exactly 0 before ``fit`` warns once.
ZERO_GRADIENT_STEPS = 20


def make_train_step(task: Task, optimizer: optax.GradientTransformation):
    """The jitted optimizer step ``step(state, static, batch) -> (state, stats)`` for ``task``.

    ``state`` holds the model's arrays (``params``), the optimizer state and the step count;
    ``static`` is the model's non-array part (``eqx.partition(model, eqx.is_array)[1]``) and is
    hashed, so the step compiles once per model *structure* and array shapes: every training step
    and any other model of the same configuration reuse the program. ``stats`` holds the batch
    loss, the global gradient norm and ``finite`` (both finite). Pure: no host round trips.
    """

    def loss_fn(params, static, batch):
        model = eqx.combine(params, static)
        return jnp.mean(jax.vmap(lambda ex: task.loss(model, ex))(batch))

    @eqx.filter_jit
    def step(state, static, batch):
        loss, grads = jax.value_and_grad(loss_fn)(state["params"], static, batch)
        updates, opt_state = optimizer.update(grads, state["opt_state"], state["params"])
        grad_norm = optax.tree.norm(grads)
        new = {"params": optax.apply_updates(state["params"], updates), "opt_state": opt_state,
               "step": state["step"] + 1}
        return new, {"loss": loss, "grad_norm": grad_norm, "finite": jnp.isfinite(loss) & jnp.isfinite(grad_norm)}

    return step


def _check_fit_inputs(model, optimizer, task, settings, evaluator, reference) -> None:
    if not isinstance(model, eqx.Module) or not jax.tree.leaves(eqx.filter(model, eqx.is_inexact_array)):
        raise ValueError(f"model must be an equinox.Module with trainable (floating) arrays, got {type(model).__name__}")
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise ValueError(f"optimizer must be an optax.GradientTransformation, got {type(optimizer).__name__}")
    if not isinstance(task, Task):
        raise ValueError(f"task must implement satjax.train.Task (sample, loss, score), got {type(task).__name__}")
    if not isinstance(settings, TrainSettings):
        raise ValueError(f"settings must be a satjax.train.TrainSettings, got {type(settings).__name__}")
    if evaluator is not None and not isinstance(evaluator, Evaluator):
        raise ValueError(f"evaluator must be a satjax.train.Evaluator, got {type(evaluator).__name__}")
    for name, value in (reference or {}).items():
        if not (isinstance(value, (int, float)) and np.isfinite(value) and value != 0):
            raise ValueError(f"reference[{name!r}] must be a finite, non-zero number (a ratio's denominator), got {value!r}")


def fit(
    model: Any,
    optimizer: optax.GradientTransformation,
    task: Task,
    settings: TrainSettings,
    run_dir: str | Path,
    *,
    evaluator: Evaluator | None = None,
    reference: dict[str, float] | None = None,
    schedule: Callable[[int], float] | None = None,
    callbacks: Sequence[Callable[[int, dict], None]] = (),
    mesh: Mesh | None = None,
    record: Mapping[str, Any] | None = None,
    new_run_hint: str = "",
) -> TrainResult:
    """Train ``model`` (an Equinox module) to minimize ``task.loss`` with ``optimizer``.

    Arguments:
        model: the initial model; its array leaves are trained, everything else is static.
        optimizer: an Optax transformation.
        task: a ``Task``.
        settings: ``TrainSettings``.
        run_dir: where ``metrics.csv``/``metrics.jsonl`` and ``checkpoints/`` go.
        evaluator: scores the model every ``settings.eval_every`` steps; its metrics are logged
            as ``eval_<name>``.
        reference: metric values of a reference policy on the same evaluation set; each logged
            ``eval_<name>`` gets a companion ``eval_<name>_vs_reference`` (ratio).
        schedule: the learning-rate schedule, only to log the rate.
        callbacks: called as ``callback(step, row)`` after every logged row (e.g. to stop a run:
            raising from a callback interrupts training; checkpoints already written remain).
        mesh: the device mesh (default ``data_mesh``).
        record: the caller's JSON-able description of the run (e.g. a job's resolved config),
            kept in ``run_dir/run.json`` beside the model, task and settings ``fit`` records itself.
        new_run_hint: how a caller's user starts a new run (added to a refused resume's message).

    Nothing is lost or written twice: a fresh run records its model (class, fields, array shapes),
    task (fields and values), seed and batch size, and ``record``, in ``run_dir/run.json``. With
    ``settings.resume`` a run whose record differs is refused (``ResumeMismatchError``, a
    ``ValueError`` listing the keys that differ, recorded -> now) before anything is touched, as is
    a checkpoint holding arrays of other shapes (a run without a record); otherwise the newest
    restorable checkpoint is restored and the metrics files are cut back to its step (to nothing
    when there is no checkpoint: the run starts afresh, and says so; when there are checkpoints
    and none restores, a ``ValueError``); ``wall_s`` continues from the restored row. Without ``resume``, a directory that already
    holds a record, checkpoints or metrics is refused. A
    non-finite loss or gradient stops training with ``NonFiniteLossError`` before anything
    of that step is logged or checkpointed; a checkpoint that cannot be written (e.g. a full
    disk) stops it with one ``OSError`` naming the path and the last good checkpoint. A gradient
    norm that is exactly 0 at every logged step over ``ZERO_GRADIENT_STEPS`` steps gives one
    ``ZeroGradientWarning`` naming the step it started at (the run goes on).

    Returns:
        A ``TrainResult``.

    Examples:
        >>> import tempfile
        >>> import jax, optax
        >>> from satjax import uplink as ul
        >>> from satjax.train import Evaluator, TrainSettings, fit
        >>> task = ul.PowerControlTask(ul.UplinkParams(num_aps=8, num_users=4, tau_p=2, n_v=2, n_h=2))
        >>> model = ul.SHGNN(num_antennas=4, hidden=8, num_layers=1, key=jax.random.key(0))
        >>> def settings(steps, resume=False):
        ...     return TrainSettings(num_steps=steps, batch_size=2, log_every=1, eval_every=2, checkpoint_every=2,
        ...                          progress=False, resume=resume)
        >>> run_dir = tempfile.mkdtemp()
        >>> result = fit(model, optax.adam(1e-3), task, settings(4), run_dir, evaluator=Evaluator(task, jax.random.key(1), 4))
        >>> [row["step"] for row in result.history]                 # one metrics row per step
        [1, 2, 3, 4]
        >>> fit(model, optax.adam(1e-3), task, settings(6, resume=True), run_dir).resumed_from   # from its checkpoint
        4
    """
    _check_fit_inputs(model, optimizer, task, settings, evaluator, reference)
    mesh = data_mesh() if mesh is None else mesh
    ndev = mesh.devices.size
    if settings.batch_size % ndev:
        raise ValueError(f"batch_size ({settings.batch_size}) must be a multiple of the number of devices ({ndev})")
    run_dir = Path(run_dir)
    replicated = NamedSharding(mesh, PartitionSpec())
    sharded = NamedSharding(mesh, PartitionSpec("data"))

    params, static = eqx.partition(model, eqx.is_array)
    opt_state = optimizer.init(params)
    state = jax.device_put({"params": params, "opt_state": opt_state, "step": jnp.asarray(0, jnp.int32)}, replicated)

    eval_names = evaluator.metric_names(model) if evaluator is not None else []
    fields = list(TRAIN_FIELDS) + [f"eval_{n}" for n in eval_names]
    if reference:
        fields += [f"eval_{n}_vs_reference" for n in eval_names if n in reference]
    identity = {"config": None if record is None else dict(record), "model": describe(model, values=False),
                "task": describe(task, values=True),
                "settings": {"seed": settings.seed, "batch_size": settings.batch_size}}
    if settings.resume:
        check_resume(run_dir, hint=new_run_hint, **identity)
    primary = _is_primary()
    log = MetricsLog(run_dir, fields, settings.metrics if primary else ())
    ckpt = Checkpoints(run_dir / "checkpoints", every=settings.checkpoint_every, keep=settings.keep_checkpoints)
    start, wall_offset, cut_to = 0, 0.0, None
    # every process reads and checks before any process writes (the barrier below)
    if settings.resume:
        try:
            found = ckpt.restore_latest(state)
        except ValueError:                     # another run's checkpoint (ResumeMismatchError): touch nothing
            ckpt.close()
            log.close()
            raise
        if found is not None:
            start, state, _ = found
            cut_to = start
            kept = [r for r in log.read() if r["step"] <= start]
            wall_offset = float(kept[-1].get("wall_s") or 0.0) if kept else 0.0
            logger.info("resumed from the checkpoint of step %d in %s", start, ckpt.directory)
        else:
            dropped = len(log.read())
            cut_to = 0
            warnings.warn(f"resume: no restorable checkpoint in {ckpt.directory}; starting from step 0"
                          + (f" (discarded {dropped} metric rows of the earlier attempt)" if dropped else ""),
                          RuntimeWarning, stacklevel=2)
    elif ckpt.steps() or log.read() or read_record(run_dir) is not None:
        held = f"checkpoints {ckpt.steps()}" if ckpt.steps() else "metrics rows" if log.read() else "the record of a run"
        ckpt.close()
        raise ValueError(f"{run_dir} already holds {held} of another run; set resume=True to continue that run "
                         "or use another run directory")
    fresh_record = start == 0 or read_record(run_dir) is None
    _sync("satjax.train.fit: run directory checked")
    if primary:
        if cut_to is not None:
            log.truncate_after(cut_to)
        if fresh_record:
            write_record(run_dir, identity)

    sample_batch = _batch_sampler(task, settings.seed, settings.batch_size, sharded)
    train_step = make_train_step(task, optimizer)

    def evaluate(st):
        if evaluator is None:
            return {}
        vals = evaluator(eqx.combine(_local_copy(st["params"]), static))
        row = {f"eval_{k}": v for k, v in vals.items()}
        for k, v in vals.items():
            if reference and k in reference:
                row[f"eval_{k}_vs_reference"] = v / reference[k]
        return row

    def last_good():
        steps = ckpt.steps()
        return f"step {steps[-1]} in {ckpt.directory}" if steps else "none (no checkpoint was written yet)"

    bar = None
    if settings.progress and primary:
        from tqdm.auto import tqdm

        bar = tqdm(total=settings.num_steps, initial=start, desc="train", unit="step", dynamic_ncols=True)
    history, t_last, n_last, speed = [], time.perf_counter(), 0, float("nan")
    zero_since, zero_warned = None, False        # first logged step of the current run of exact zero gradients
    t_start = time.perf_counter()
    last_eval = {}
    try:
        for step in range(start, settings.num_steps):
            batch = sample_batch(step)
            state, out = train_step(state, static, batch)
            done = step + 1
            n_last += settings.batch_size
            if not bool(out["finite"]):
                raise NonFiniteLossError(
                    f"training diverged at step {done}: loss {float(out['loss'])}, gradient norm "
                    f"{float(out['grad_norm'])} (not finite). Nothing of this step was logged or checkpointed; "
                    f"last good checkpoint: {last_good()}. Lower the learning rate or clip gradients "
                    "(optimizer.grad_clip_norm) and resume.")
            is_eval = evaluator is not None and (done == settings.num_steps
                                                 or (settings.eval_every and done % settings.eval_every == 0))
            if done % settings.log_every == 0 or is_eval or done == settings.num_steps:
                out = jax.device_get(out)
                now = time.perf_counter()
                speed = n_last / (now - t_last)
                row = {"loss": float(out["loss"]), "grad_norm": float(out["grad_norm"]),
                       "learning_rate": _learning_rate(schedule, step), "examples_per_s": speed,
                       "wall_s": wall_offset + now - t_start}
                zero_since = (done if zero_since is None else zero_since) if row["grad_norm"] == 0.0 else None
                if zero_since is not None and done - zero_since >= ZERO_GRADIENT_STEPS and not zero_warned:
                    zero_warned = True
                    warnings.warn(f"the gradient norm has been exactly 0 at every logged step since step {zero_since} "
                                  f"(now step {done}): the model no longer learns, typically because its outputs "
                                  "saturated (e.g. a sigmoid readout far from 0). Training goes on; a lower learning "
                                  "rate (trainer.lr) often avoids it (docs/ntn.md).", ZeroGradientWarning, stacklevel=2)
                if is_eval:
                    last_eval = evaluate(state)
                    row.update(last_eval)
                if primary:
                    log.log(done, row)
                history.append({"step": done, **row})
                for cb in callbacks:
                    cb(done, row)
                if bar is not None:
                    post = {"loss": f"{row['loss']:.4g}", "ex/s": f"{speed:.0f}"}
                    for k, v in last_eval.items():     # e.g. eval sum_mbps=521.1, sum_mbps/ref=0.991
                        name = k.removeprefix("eval_")
                        if name.endswith("_vs_reference"):
                            post[name.removesuffix("_vs_reference") + "/ref"] = f"{v:.3f}"
                        else:
                            post[name] = f"{v:.4g}"
                    bar.set_postfix(post)
                t_last, n_last = time.perf_counter(), 0
            try:
                ckpt.save(done, state, {"step": done}, force=done == settings.num_steps)
            except Exception as err:  # noqa: BLE001 - any failure to write is reported once, plainly
                raise OSError(f"could not write the checkpoint of step {done} to {ckpt.directory} "
                              f"({type(err).__name__}: {str(err).splitlines()[0][:200] if str(err) else ''}); "
                              f"last good checkpoint: {last_good()}") from None
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        try:
            ckpt.close()
        finally:
            log.close()
    _sync("satjax.train.fit: done")          # process 0's last rows are written before anyone reads them
    model = eqx.combine(jax.device_get(state["params"]), static)
    return TrainResult(model=model, history=log.read(), resumed_from=start, examples_per_s=speed,
                       seconds=time.perf_counter() - t_start)

"""The model-agnostic trainer: on-the-fly examples, a jitted data-parallel step, checkpoints,
metrics, evaluation on a fixed set.

Reproducibility: the examples of step ``t`` are ``task.sample(fold_in(fold_in(key, t), i))`` for
``i < batch_size`` — a function of the seed, the step and the batch index only, so a resumed run
sees exactly the examples an uninterrupted one would, on any number of devices.

Data parallelism: a 1-D ``data`` mesh over all visible devices; examples are sharded along the
batch axis, parameters and optimizer state replicated; XLA inserts the gradient all-reduce.
Results agree with a single device to float round-off (the batch mean is reduced in another
order).

Sampling and the gradient step are two jitted programs. Fused into one, XLA:CPU (jax 0.10.2)
deadlocked after a few steps on a 2-core machine (every thread parked; reproduced with and
without the thunk runtime, XNNPACK and async dispatch; not with one core) — see
docs/performance.md. Kept apart, the same work ran thousands of steps; the split costs one
extra dispatch per step.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from satjax._checks import check_int_range
from satjax.train.checkpoints import Checkpoints
from satjax.train.metrics import MetricsLog
from satjax.train.task import Task

__all__ = ["TrainSettings", "TrainResult", "Evaluator", "data_mesh", "fit", "example_keys"]

TRAIN_FIELDS = ("loss", "grad_norm", "learning_rate", "examples_per_s", "wall_s")


@dataclass(frozen=True)
class TrainSettings:
    """Settings of :func:`fit`. Every count is in optimizer steps.

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
        check_int_range("log_every", self.log_every, 1)
        check_int_range("eval_every", self.eval_every, 0)
        check_int_range("checkpoint_every", self.checkpoint_every, 1)
        check_int_range("keep_checkpoints", self.keep_checkpoints, 1)


@dataclass
class TrainResult:
    """What :func:`fit` returns: the trained model, the rows it logged, the step it resumed from
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
    k = jax.random.fold_in(key, step)
    return jax.vmap(lambda i: jax.random.fold_in(k, i))(jnp.arange(batch_size))


class Evaluator:
    """Scores policies on a fixed, seeded evaluation set of ``num`` examples of ``task``.

    The set is drawn once (example ``i`` from ``fold_in(k_examples, i)`` with
    ``k_examples, k_policy = split(key)``: independent of batching) and passed to a jitted scorer
    as an argument (never baked in as a constant). Policies that need a key get
    ``fold_in(k_policy, i)`` for example ``i``.
    """

    def __init__(self, task: Task, key, num: int):
        check_int_range("eval examples", num, 1)
        self.task, self.num = task, num
        k_examples, k_policy = jax.random.split(key)
        idx = jnp.arange(num)
        sampler = jax.jit(jax.vmap(task.sample))
        self.examples = jax.block_until_ready(sampler(jax.vmap(lambda i: jax.random.fold_in(k_examples, i))(idx)))
        self.policy_keys = jax.vmap(lambda i: jax.random.fold_in(k_policy, i))(idx)
        self._score = eqx.filter_jit(lambda policy, ex, ks: jax.vmap(lambda e, k: task.score(policy, e, k))(ex, ks))

    def per_example(self, policy) -> dict[str, np.ndarray]:
        """Every metric of ``task.score`` for each example, as NumPy arrays ``[num]``."""
        out = self._score(policy, self.examples, self.policy_keys)
        return {k: np.asarray(v) for k, v in jax.block_until_ready(out).items()}

    def metric_names(self, policy) -> list[str]:
        """Names of the metrics ``task.score`` returns, from shapes only (nothing is evaluated)."""
        return list(eqx.filter_eval_shape(self._score, policy, self.examples, self.policy_keys).keys())

    def __call__(self, policy) -> dict[str, float]:
        """Mean of every metric over the set."""
        return {k: float(np.mean(v)) for k, v in self.per_example(policy).items()}


def _learning_rate(optimizer_schedule, step):
    return float(optimizer_schedule(step)) if optimizer_schedule is not None else None


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
) -> TrainResult:
    """Train ``model`` (an Equinox module) to minimize ``task.loss`` with ``optimizer``.

    Arguments:
        model: the initial model; its array leaves are trained, everything else is static.
        optimizer: an Optax transformation.
        task: a :class:`Task`.
        settings: :class:`TrainSettings`.
        run_dir: where ``metrics.csv``/``metrics.jsonl`` and ``checkpoints/`` go.
        evaluator: scores the model every ``settings.eval_every`` steps; its metrics are logged
            as ``eval_<name>``.
        reference: metric values of a reference policy on the same evaluation set; each logged
            ``eval_<name>`` gets a companion ``eval_<name>_vs_reference`` (ratio).
        schedule: the learning-rate schedule, only to log the rate.
        callbacks: called as ``callback(step, row)`` after every logged row (e.g. to stop a run:
            raising from a callback interrupts training; checkpoints already written remain).
        mesh: the device mesh (default :func:`data_mesh`).

    Returns:
        A :class:`TrainResult`.
    """
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
    log = MetricsLog(run_dir, fields, settings.metrics)
    ckpt = Checkpoints(run_dir / "checkpoints", every=settings.checkpoint_every, keep=settings.keep_checkpoints)
    start = 0
    if settings.resume:
        found = ckpt.restore_latest(state)
        if found is not None:
            start, state, _ = found
            log.truncate_after(start)
    elif ckpt.steps():
        ckpt.close()
        raise ValueError(f"{run_dir / 'checkpoints'} already holds checkpoints {ckpt.steps()}; "
                         "set resume=True to continue that run or use another run directory")

    base_key = jax.random.key(settings.seed)

    @jax.jit
    def sample_batch(step):
        keys = jax.lax.with_sharding_constraint(example_keys(base_key, step, settings.batch_size), sharded)
        return jax.vmap(task.sample)(keys)

    def loss_fn(p, batch):
        m = eqx.combine(p, static)
        return jnp.mean(jax.vmap(lambda ex: task.loss(m, ex))(batch))

    @jax.jit
    def train_step(state, batch):
        loss, grads = jax.value_and_grad(loss_fn)(state["params"], batch)
        updates, opt_state = optimizer.update(grads, state["opt_state"], state["params"])
        new = {"params": optax.apply_updates(state["params"], updates), "opt_state": opt_state,
               "step": state["step"] + 1}
        return new, {"loss": loss, "grad_norm": optax.tree.norm(grads)}

    def evaluate(st):
        if evaluator is None:
            return {}
        vals = evaluator(eqx.combine(st["params"], static))
        row = {f"eval_{k}": v for k, v in vals.items()}
        for k, v in vals.items():
            if reference and k in reference:
                row[f"eval_{k}_vs_reference"] = v / reference[k]
        return row

    bar = None
    if settings.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=settings.num_steps, initial=start, desc="train", unit="step", dynamic_ncols=True)
    history, t_last, n_last, speed = [], time.perf_counter(), 0, float("nan")
    t_start = time.perf_counter()
    last_eval = {}
    try:
        for step in range(start, settings.num_steps):
            batch = sample_batch(step)
            state, out = train_step(state, batch)
            done = step + 1
            n_last += settings.batch_size
            is_eval = evaluator is not None and (done == settings.num_steps
                                                 or (settings.eval_every and done % settings.eval_every == 0))
            if done % settings.log_every == 0 or is_eval or done == settings.num_steps:
                out = jax.device_get(out)
                now = time.perf_counter()
                speed = n_last / (now - t_last)
                row = {"loss": float(out["loss"]), "grad_norm": float(out["grad_norm"]),
                       "learning_rate": _learning_rate(schedule, step), "examples_per_s": speed,
                       "wall_s": now - t_start}
                if is_eval:
                    last_eval = evaluate(state)
                    row.update(last_eval)
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
            ckpt.save(done, state, {"step": done}, force=done == settings.num_steps)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        ckpt.close()
        log.close()
    model = eqx.combine(jax.device_get(state["params"]), static)
    return TrainResult(model=model, history=log.read(), resumed_from=start, examples_per_s=speed,
                       seconds=time.perf_counter() - t_start)

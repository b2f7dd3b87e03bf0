"""The learned-vs-reference job of every system, written once and knowing no system.

:func:`run_learned` takes a :class:`satjax.systems.System` (found by the config's system through
:func:`experiments.schema.TrainConfig.satjax_system`) and a paper's :class:`Report`, and does:
build the model, the optimizer, the task and the evaluation set; score the system's reference
policy (``system.policies[system.reference]`` with the configured settings) on it; fit (ratios
of ``system.metric.name`` to the reference logged while training); hand the trained model to the
report, which tests it beside the reference and the baselines (:func:`compare`, ratios on the
headline metric; :func:`runtime_ms`) and writes the paper's tables; then the training plot and
``results.json`` (:func:`run_record` plus the report's part).

The reports of papers A, B and C live in ``experiments/paper_*/learned.py``; the main job
(:mod:`experiments.train`) picks one by the config's system. Nothing here imports a system.

With ``trainer.distributed=true`` (:func:`initialize_distributed`) every process trains; process 0
alone writes ``model.eqx``, runs the report and writes ``results.json`` and the plots.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import numpy as np
import optax
from omegaconf import OmegaConf

from experiments import schema
from experiments.common import save_figure, time_call, write_json
from satjax.optim import batch_strategy, solve_batch
from satjax.systems import System
from satjax.train import Evaluator, TrainResult, check_resume, fit, read_record

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------- building blocks

#: The environment of a multi-process run started by hand (no cluster to detect): JAX's own
#: coordinator address (``host:port`` of process 0), and the process count and this process's id.
DISTRIBUTED_VARIABLES = ("JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID")


def initialize_distributed() -> None:
    """``jax.distributed.initialize`` for ``trainer.distributed=true``.

    With ``JAX_NUM_PROCESSES`` and ``JAX_PROCESS_ID`` set (and ``JAX_COORDINATOR_ADDRESS``), they
    are used as given (processes started by hand, e.g. two on one machine); otherwise JAX detects
    the cluster (SLURM, Open MPI, ...). Every process must pass the same ``hydra.run.dir``.
    """
    count, pid = (os.environ.get(name) for name in DISTRIBUTED_VARIABLES[1:])
    if count is None and pid is None:
        try:
            jax.distributed.initialize()
        except (ValueError, RuntimeError) as err:
            raise ValueError(f"trainer.distributed=true, but no cluster was detected ({err}); on one machine set "
                             f"{', '.join(DISTRIBUTED_VARIABLES)} in each process's environment") from None
        return
    address = os.environ.get(DISTRIBUTED_VARIABLES[0])
    if address is None or count is None or pid is None or not (count.isdigit() and pid.isdigit()):
        raise ValueError(f"trainer.distributed=true needs {', '.join(DISTRIBUTED_VARIABLES)} all set "
                         f"(host:port, a count >= 1 and an id in [0, count)), got {address!r}, {count!r}, {pid!r}")
    if not (int(count) >= 1 and 0 <= int(pid) < int(count)):
        raise ValueError(f"JAX_PROCESS_ID must be in [0, JAX_NUM_PROCESSES = {count}), got {pid}")
    jax.distributed.initialize(address, num_processes=int(count), process_id=int(pid))


def instantiate_model(model_cfg, params, *, key):
    """Build the model named by ``_target_`` (only classes defined in satjax/experiments; checked
    again here because a config can also be built without the schema) from the config's fields,
    plus the sizes its constructor asks for (``num_antennas``, ``num_users`` of ``params``)."""
    cls = schema.resolve_target("model._target_", model_cfg._target_)
    kwargs = {f.name: getattr(model_cfg, f.name) for f in dataclasses.fields(model_cfg) if f.name != "_target_"}
    accepted = inspect.signature(cls).parameters
    for size in ("num_antennas", "num_users"):
        if size in accepted:
            kwargs[size] = getattr(params, size)
    return cls(key=key, **kwargs)


def build_optimizer(opt: schema.OptimizerConfig, lr: float, num_steps: int):
    """The Optax optimizer and its learning-rate schedule."""
    end = lr * opt.final_lr_fraction
    if opt.schedule == "constant":
        schedule = optax.constant_schedule(lr)
    elif opt.schedule == "cosine":
        schedule = optax.cosine_decay_schedule(lr, num_steps, alpha=opt.final_lr_fraction)
    else:
        warmup = min(opt.warmup_steps, max(num_steps - 1, 0))
        schedule = optax.warmup_cosine_decay_schedule(0.0, lr, warmup, max(num_steps, warmup + 1), end_value=end)
    if opt.name == "adam":
        tx = optax.adam(schedule, b1=opt.b1, b2=opt.b2)
    elif opt.name == "adamw":
        tx = optax.adamw(schedule, b1=opt.b1, b2=opt.b2, weight_decay=opt.weight_decay)
    elif opt.name == "lion":
        tx = optax.lion(schedule, b1=opt.b1, b2=opt.b2, weight_decay=opt.weight_decay)
    else:
        tx = optax.sgd(schedule, momentum=opt.momentum or None)
    if opt.grad_clip_norm > 0:
        tx = optax.chain(optax.clip_by_global_norm(opt.grad_clip_norm), tx)
    return tx, schedule


#: How a user of the main job trains a changed configuration instead (in a refused resume's message).
NEW_RUN_HINT = "pass hydra.run.dir=<a new directory>, or leave it out for a new dated one"


def run_identity(cfg: schema.TrainConfig) -> dict:
    """What makes a main-job run that run, recorded with it (``run.json``): the scenario, the
    model, the optimizer, the seed, the precision and the trainer's batch size, learning rate,
    utility and link. A resume whose identity differs is refused; the step count, evaluation,
    logging and checkpoint settings may change on resume."""
    return {"scenario": dataclasses.asdict(cfg.scenario), "model": dataclasses.asdict(cfg.model),
            "optimizer": dataclasses.asdict(cfg.optimizer), "seed": cfg.seed, "x64": cfg.x64,
            "trainer": {k: getattr(cfg.trainer, k) for k in ("batch_size", "lr", "utility", "link")}}


def check_run_dir(cfg: schema.TrainConfig, run_dir: Path) -> None:
    """Before any work: a resume of ``run_dir`` (and of the runs a report trains beside it in
    ``robust_K*``) with another identity is refused (``satjax.train.ResumeMismatchError`` naming
    each differing key), and so is a fresh run into a directory that holds a recorded run."""
    if not cfg.trainer.resume:
        if read_record(run_dir) is not None:
            raise ValueError(f"{run_dir} already holds a run; set trainer.resume=true to continue it, or "
                             f"{NEW_RUN_HINT}")
        return
    for d in [run_dir, *sorted(run_dir.glob("robust_K*"))]:
        check_resume(d, config=run_identity(cfg), hint=NEW_RUN_HINT)


def train_policy(cfg: schema.TrainConfig, params, task, run_dir: Path, evaluator: Evaluator, reference: dict, *,
                 callbacks=()) -> TrainResult:
    """Build the configured model for the scenario ``params``, train it on ``task`` with the
    configured optimizer (``satjax.train.fit``, recording :func:`run_identity`; evaluation every
    ``trainer.eval_every`` steps, ratios to ``reference``) and save ``model.eqx``; returns the
    :class:`~satjax.train.TrainResult`."""
    model = instantiate_model(cfg.model, params, key=jax.random.fold_in(jax.random.key(cfg.seed), 1))
    tx, schedule = build_optimizer(cfg.optimizer, cfg.trainer.lr, cfg.trainer.num_steps)
    result = fit(model, tx, task, cfg.trainer.settings(cfg.seed), run_dir, evaluator=evaluator, reference=reference,
                 schedule=schedule, callbacks=callbacks, record=run_identity(cfg), new_run_hint=NEW_RUN_HINT)
    if jax.process_index() == 0:
        eqx.tree_serialise_leaves(run_dir / "model.eqx", result.model)
    return result


def run_record(cfg, result, metric: str, reference: str, **training) -> dict:
    """The part of a run's ``results.json`` every system shares: the resolved config, the devices,
    and the training block (steps, resume point, time, throughput, the last evaluation ratio to
    the ``reference`` method on ``metric``, plus the ``training`` extras)."""
    final = [h for h in result.history if h.get(f"eval_{metric}_vs_reference") is not None]
    return {"config": OmegaConf.to_container(OmegaConf.structured(cfg)),
            "devices": [str(d) for d in jax.devices()],
            "training": {"steps": cfg.trainer.num_steps, "resumed_from": result.resumed_from, "seconds": result.seconds,
                         "examples_per_s": result.examples_per_s,
                         f"final_eval_vs_{reference}": final[-1][f"eval_{metric}_vs_reference"] if final else None,
                         **training}}


def runtime_ms(policy, evaluator: Evaluator, repeats: int) -> dict:
    """Runtime per scenario of ``policy``: batched over the evaluation set (an iterative policy through
    ``satjax.optim.solve_batch``, any other as one ``vmap``), and one scenario at a time (jitted;
    compile time reported apart; ``block_until_ready`` throughout)."""
    ex, keys, n = evaluator.examples, evaluator.policy_keys, evaluator.num
    batched = eqx.filter_jit(lambda p, s, k: solve_batch(p, s, k, strategy=batch_strategy(p)))
    b = time_call(batched, policy, ex.scenario if hasattr(ex, "scenario") else ex, keys, repeats=repeats, per=n)
    one = jax.tree.map(lambda x: x[0], ex.scenario if hasattr(ex, "scenario") else ex)
    single = eqx.filter_jit(lambda p, s, k: p(s, k))
    s = time_call(single, policy, one, keys[0], repeats=max(repeats, 5))
    return {"batched_ms": b["per_scenario_ms"], "single_ms": s["per_scenario_ms"],
            "compile_s": max(b["first_call_s"] - b["median_s"], 0.0)}     # first call = compile + one run


def plot_training(history: list[dict], path: Path, *, metric: str, reference: str, loss_label: str, ratio_label: str,
                  target: float = 0.98) -> Path:
    """Training loss and the evaluation ratio ``metric`` (to the ``reference`` method) per step."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    tr = [(h["step"], h["loss"]) for h in history if h.get("loss") is not None]
    ax1.plot(*zip(*tr), lw=1)
    ax1.set(xlabel="step", ylabel=loss_label, title="training loss")
    ev = [(h["step"], h[metric]) for h in history if h.get(metric) is not None]
    if ev:
        ax2.plot(*zip(*ev), "o-", ms=3)
        ax2.axhline(1.0, color="k", lw=0.8, ls="--", label=reference)
        ax2.axhline(target, color="gray", lw=0.8, ls=":", label=f"{100 * target:.0f} %")
        ax2.legend()
    ax2.set(xlabel="step", ylabel=ratio_label, title="evaluation set")
    return save_figure(fig, path)


def standard_error(values: np.ndarray) -> float:
    """Standard error of the mean of ``values`` (NaN for a single value)."""
    return float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")


# ----------------------------------------------------------------------------- the generic job


@dataclasses.dataclass(frozen=True)
class Report:
    """What one paper adds to the generic job: how its task and reference are configured, and its
    tables.

    Attributes:
        task: ``task(cfg, params) -> satjax.train.Task``, the training and test task of the scenario
            ``params`` (the system's own task options from the config).
        reference_settings: ``reference_settings(cfg) -> dict``, the settings of the system's
            reference policy from the config.
        report: ``report(job) -> dict``: tests ``job.result.model`` (with :func:`compare` and
            :func:`runtime_ms`), writes the paper's tables and returns its part of
            ``results.json``; a ``"training"`` entry there adds to :func:`run_record`'s block.
        reference_label: the reference method's name in plots (``"Algorithm 1"``).
        loss_label: the y label of the training loss.
        ratio_label: the y label of the evaluation ratio to the reference.
        reference_chunk: drops per batched call when scoring the reference on the evaluation set
            (``None``: all at once; see ``Evaluator.per_example``).
        every_ratio: log the ratio to the reference of every metric of the task while training
            (``False``: of the headline metric only).
    """

    task: Callable[[Any, Any], Any]
    reference_settings: Callable[[Any], Mapping[str, Any]]
    report: Callable[[Job], dict]
    reference_label: str
    loss_label: str
    ratio_label: str
    reference_chunk: int | None = None
    every_ratio: bool = False


@dataclasses.dataclass(frozen=True)
class Job:
    """One trained model and what it was trained against, handed to a :class:`Report`.

    Attributes:
        cfg: the validated :class:`experiments.schema.TrainConfig`.
        run_dir: the run directory.
        system: the :class:`satjax.systems.System`.
        params: the training scenario's parameters.
        task: the training task (``report.task(cfg, params)``).
        reference_policy: the system's reference policy with the configured settings.
        reference: its metrics on the evaluation set while training (the ratios' denominators).
        result: the :class:`satjax.train.TrainResult` (``result.model`` is the trained model).
        callbacks: the training callbacks (for a report that trains more models).
    """

    cfg: Any
    run_dir: Path
    system: System
    params: Any
    task: Any
    reference_policy: Any
    reference: dict
    result: TrainResult
    callbacks: tuple = ()

    @property
    def metric(self) -> str:
        """The headline metric's key (``system.metric.name``)."""
        return self.system.metric.name


def reference_policy(cfg, system: System, report: Report):
    """``system.policies[system.reference]`` built with the report's settings from ``cfg``."""
    return system.policy(system.reference, **report.reference_settings(cfg))


def train_against_reference(cfg, system: System, report: Report, params, run_dir: Path, *, callbacks=()) -> Job:
    """Task and evaluation set (``trainer.eval_drops`` drops, seed ``evaluation.seed``) of the
    scenario ``params``; the reference policy scored on it; the configured model fitted with the
    ratios to it logged (:func:`train_policy`)."""
    task = report.task(cfg, params)
    evaluator = Evaluator(task, jax.random.key(cfg.evaluation.seed), cfg.trainer.eval_drops)
    policy = reference_policy(cfg, system, report)
    means = {k: float(np.mean(v)) for k, v in evaluator.per_example(policy, chunk=report.reference_chunk).items()}
    reference = means if report.every_ratio else {system.metric.name: means[system.metric.name]}
    result = train_policy(cfg, params, task, run_dir, evaluator, reference, callbacks=callbacks)
    return Job(cfg, run_dir, system, params, task, policy, reference, result, tuple(callbacks))


def compare(policies: Mapping[str, Any], evaluator: Evaluator, metric: str, reference: str, *,
            chunk: int | None = None) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, float]]:
    """Every policy of ``policies`` on ``evaluator``'s fixed set: the per-drop metrics of each
    (``chunk`` drops per batched call) and the ratio of each mean ``metric`` to that of the
    policy named ``reference``."""
    per = {name: evaluator.per_example(p, chunk=chunk) for name, p in policies.items()}
    ref_mean = float(np.mean(per[reference][metric]))
    return per, {name: float(np.mean(v[metric])) / ref_mean for name, v in per.items()}


def run_learned(cfg, run_dir: Path, system: System, report: Report, *, callbacks=()) -> dict:
    """Train the configured model of ``system`` against its reference, hand it to ``report``,
    plot the training and write ``results.json`` (module docstring); returns the results dict."""
    if jax.process_count() > 1 and getattr(cfg.evaluation, "robust", False):
        # the report runs on process 0 alone, so a model it trained would wait for the others forever
        raise ValueError("evaluation.robust=true trains more models inside the report, which only process 0 runs; "
                         "with trainer.distributed=true train each K as its own run (scenario.num_users=K)")
    params = cfg.scenario_params()
    log.info("devices: %s; system %s (paper %s), training at %s", jax.devices(), system.name, system.paper,
             {name: getattr(params, name) for name in params.static_fields()})
    job = train_against_reference(cfg, system, report, params, run_dir, callbacks=callbacks)
    if jax.process_index() != 0:          # a distributed run's other processes: trained, nothing to write
        return run_record(cfg, job.result, job.metric, system.reference)
    extras = report.report(job)
    training = extras.pop("training", {})
    results = run_record(cfg, job.result, job.metric, system.reference, **training) | extras
    write_json(run_dir / "results.json", results)
    plot_training(job.result.history, run_dir / "training.png", metric=f"eval_{job.metric}_vs_reference",
                  reference=report.reference_label, loss_label=report.loss_label, ratio_label=report.ratio_label)
    print(f"training: {cfg.trainer.num_steps} steps in {job.result.seconds:.1f} s; outputs in {run_dir}")
    return results

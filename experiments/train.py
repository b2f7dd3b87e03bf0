"""The main job of satjax: train a learned policy end to end through the physics.

* ``python -m experiments.train +exp=shgnn`` — SHGNN (paper A, Sec. V), Table I against
  Algorithm 1 (overrides e.g. ``trainer.lr=1e-3``, ``model.sat_features=raw``, ``trainer=smoke``,
  ``evaluation.robust=true``; sweeps with ``-m``);
* ``+exp=edge_gnn``, ``+exp=unfolded_wmmse``, ``+exp=linear_unfolding`` — paper B's precoders,
  against Dinkelbach-WMMSE (:mod:`experiments.paper_b.learned`);
* ``+exp=uav_gnn`` — system C's learned powers and hovering times (beyond paper C), against
  Algorithm 3 (:mod:`experiments.paper_c.learned`).

Everything of a run lands in its Hydra run directory (system A's files below; system B's in
:mod:`experiments.paper_b.learned`):

* ``metrics.csv`` / ``metrics.jsonl`` — appended while training (loss, gradient norm, learning
  rate, examples/s, evaluation sum throughput and its ratio to Algorithm 1);
* ``checkpoints/`` — Orbax; ``trainer.resume=true hydra.run.dir=<that directory>`` continues;
* ``model.eqx`` — the trained parameters (``equinox.tree_serialise_leaves``, no pickle);
* ``results.json`` / ``results.csv`` / ``results.md`` — Table I: sum throughput and runtime per
  scenario for GNN-Stable (trained at the scenario's K, tested at every K), GNN-Robust (with
  ``evaluation.robust=true``: one model trained per K), Algorithm 1, full and random power;
* ``training.png``, ``table1.png``.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import equinox as eqx
import jax
import numpy as np
import optax
from omegaconf import DictConfig, OmegaConf

from experiments import schema
from experiments.common import hydra_app, load_config, output_dir, save_figure, set_precision, time_call, write_csv, write_json
from experiments.paper_a.reported import TABLE_1 as PAPER_TABLE1
from experiments.xla_env import configure_entry_point
from satjax.train import Evaluator, check_resume, fit, read_record
from satjax.uplink import Algorithm1Policy, FullPower, PowerControlTask, RandomPower

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- building blocks

def instantiate_model(model_cfg, params, *, key):
    """Build the model named by ``_target_`` (only classes defined in satjax/experiments; checked
    again here because a config can also be built without the schema) from the config's fields,
    plus the sizes its constructor asks for (``num_antennas``, ``num_users`` of ``params``)."""
    import inspect

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


def make_task(cfg: schema.TrainConfig, params) -> PowerControlTask:
    return PowerControlTask(params, utility=cfg.trainer.utility, link=cfg.trainer.link)


def algorithm1_policy(cfg: schema.TrainConfig) -> Algorithm1Policy:
    return Algorithm1Policy(link=cfg.trainer.link, tol=cfg.evaluation.algorithm1_tol,
                            max_iters=cfg.evaluation.algorithm1_max_iters)


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
    """Before any work: a resume of ``run_dir`` (and of its GNN-Robust runs) with another
    identity is refused (``satjax.train.ResumeMismatchError`` naming each differing key), and so
    is a fresh run into a directory that holds a recorded run."""
    if not cfg.trainer.resume:
        if read_record(run_dir) is not None:
            raise ValueError(f"{run_dir} already holds a run; set trainer.resume=true to continue it, or "
                             f"{NEW_RUN_HINT}")
        return
    for d in [run_dir, *sorted(run_dir.glob("robust_K*"))]:
        check_resume(d, config=run_identity(cfg), hint=NEW_RUN_HINT)


def train_policy(cfg: schema.TrainConfig, params, task, run_dir: Path, evaluator: Evaluator, reference: dict, *,
                 callbacks=()):
    """Build the configured model for the scenario ``params``, train it on ``task`` with the
    configured optimizer (``satjax.train.fit``, recording :func:`run_identity`; evaluation every
    ``trainer.eval_every`` steps, ratios to ``reference``) and save ``model.eqx``; returns the
    :class:`~satjax.train.TrainResult`."""
    model = instantiate_model(cfg.model, params, key=jax.random.fold_in(jax.random.key(cfg.seed), 1))
    tx, schedule = build_optimizer(cfg.optimizer, cfg.trainer.lr, cfg.trainer.num_steps)
    result = fit(model, tx, task, cfg.trainer.settings(cfg.seed), run_dir, evaluator=evaluator, reference=reference,
                 schedule=schedule, callbacks=callbacks, record=run_identity(cfg), new_run_hint=NEW_RUN_HINT)
    eqx.tree_serialise_leaves(run_dir / "model.eqx", result.model)
    return result


def train_model(cfg: schema.TrainConfig, params, run_dir: Path, *, callbacks=()):
    """Train one SHGNN on the scenario distribution ``params``; returns the
    :class:`~satjax.train.TrainResult` and Algorithm 1's evaluation metrics.

    Evaluates every ``trainer.eval_every`` steps on ``trainer.eval_drops`` fixed drops against
    Algorithm 1 (the logged ``eval_sum_mbps_vs_reference`` is the fraction of its throughput).
    """
    task = make_task(cfg, params)
    evaluator = Evaluator(task, jax.random.key(cfg.evaluation.seed), cfg.trainer.eval_drops)
    reference = evaluator(algorithm1_policy(cfg))
    return train_policy(cfg, params, task, run_dir, evaluator, reference, callbacks=callbacks), reference


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
    """Runtime per scenario of ``policy``: batched over the evaluation set, and one scenario at a
    time (jitted; compile time reported apart; ``block_until_ready`` throughout)."""
    ex, keys, n = evaluator.examples, evaluator.policy_keys, evaluator.num
    batched = eqx.filter_jit(lambda p, s, k: jax.vmap(p)(s, k))
    b = time_call(batched, policy, ex.scenario if hasattr(ex, "scenario") else ex, keys, repeats=repeats, per=n)
    one = jax.tree.map(lambda x: x[0], ex.scenario if hasattr(ex, "scenario") else ex)
    single = eqx.filter_jit(lambda p, s, k: p(s, k))
    s = time_call(single, policy, one, keys[0], repeats=max(repeats, 5))
    return {"batched_ms": b["per_scenario_ms"], "single_ms": s["per_scenario_ms"],
            "compile_s": max(b["first_call_s"] - b["median_s"], 0.0)}     # first call = compile + one run


def evaluate_table(cfg: schema.TrainConfig, stable, robust: dict | None = None) -> list[dict]:
    """Table I rows: every method on ``evaluation.num_drops`` fixed drops per K."""
    rows = []
    ev = cfg.evaluation
    for k in ev.k_values:
        params = cfg.scenario_params(k)
        evaluator = Evaluator(make_task(cfg, params), jax.random.fold_in(jax.random.key(ev.seed), k), ev.num_drops)
        methods = {"gnn_stable": stable, "algorithm1": algorithm1_policy(cfg), "full_power": FullPower(),
                   "random_power": RandomPower()}
        if robust is not None and k in robust:
            methods["gnn_robust"] = robust[k]
        row = {"K": k, "tau_p": params.tau_p}
        per = {name: evaluator.per_example(pol)["sum_mbps"] for name, pol in methods.items()}
        for name, v in per.items():
            row[f"{name}_mbps"] = float(np.mean(v))
            row[f"{name}_mbps_se"] = float(np.std(v, ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")
        for name in ("gnn_stable", "gnn_robust"):
            if name in per:
                row[f"{name}_vs_algorithm1"] = float(np.mean(per[name]) / np.mean(per["algorithm1"]))
        for name in ("gnn_stable", "algorithm1"):
            for key, v in runtime_ms(methods[name], evaluator, ev.timing_repeats).items():
                row[f"{name}_{key}"] = v
        paper = PAPER_TABLE1.get(k, {})
        row.update({f"paper_{a}": b for a, b in paper.items()})
        rows.append(row)
        log.info("K=%d: GNN-Stable %.1f Mbps (%.1f %% of Algorithm 1 %.1f), full %.1f, random %.1f", k,
                 row["gnn_stable_mbps"], 100 * row["gnn_stable_vs_algorithm1"], row["algorithm1_mbps"],
                 row["full_power_mbps"], row["random_power_mbps"])
    return rows


# ----------------------------------------------------------------------------- reporting

def _markdown(rows: list[dict]) -> str:
    robust = any("gnn_robust_mbps" in r for r in rows)
    head = ["K", "GNN-Stable [Mbps]"] + (["GNN-Robust [Mbps]"] if robust else []) + [
        "Algorithm 1 [Mbps]", "Full [Mbps]", "Random [Mbps]", "GNN / Alg. 1", "GNN [ms/scen.] batched / single",
        "Alg. 1 [ms/scen.] batched / single", "Paper GNN-S / Alg. 1 [Mbps]", "Paper [ms] GNN / Alg. 1"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [str(r["K"]), f"{r['gnn_stable_mbps']:.1f}"]
        if robust:
            cells.append(f"{r['gnn_robust_mbps']:.1f}" if "gnn_robust_mbps" in r else "")
        cells += [f"{r['algorithm1_mbps']:.1f}", f"{r['full_power_mbps']:.1f}", f"{r['random_power_mbps']:.1f}",
                  f"{100 * r['gnn_stable_vs_algorithm1']:.1f} %",
                  f"{r['gnn_stable_batched_ms']:.3f} / {r['gnn_stable_single_ms']:.2f}",
                  f"{r['algorithm1_batched_ms']:.3f} / {r['algorithm1_single_ms']:.2f}",
                  f"{r.get('paper_gnn_stable', '')} / {r.get('paper_algorithm1', '')}",
                  f"{r.get('paper_gnn_ms', '')} / {r.get('paper_algorithm1_ms', '')}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Why our magnitudes differ from the paper's: with the paper's path-loss formula and powers our "
              "ground network is interference-limited, the paper's numbers are those of a noise-limited one "
              "(docs/paper-a.md, \"Ground and space+ground do not match\"; the ordering of the methods agrees)."]
    return "\n".join(lines) + "\n"


def plot_training(history: list[dict], path: Path, *, metric: str = "eval_sum_mbps_vs_reference",
                  reference: str = "Algorithm 1", target: float = 0.98, loss_label: str = "loss (-utility per drop)",
                  ratio_label: str = "sum throughput / Algorithm 1") -> Path:
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


def plot_table(rows: list[dict], path: Path) -> Path:
    import matplotlib.pyplot as plt

    names = [("gnn_stable", "GNN-Stable"), ("gnn_robust", "GNN-Robust"), ("algorithm1", "Algorithm 1"),
             ("full_power", "full power"), ("random_power", "random power")]
    names = [(n, lab) for n, lab in names if f"{n}_mbps" in rows[0]]
    ks = np.arange(len(rows))
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for i, (n, lab) in enumerate(names):
        ax.bar(ks + i * width, [r.get(f"{n}_mbps", np.nan) for r in rows], width,
               yerr=[r.get(f"{n}_mbps_se", 0) for r in rows], label=lab)
        paper = [PAPER_TABLE1.get(r["K"], {}).get(n, np.nan) for r in rows]      # the paper's Table I value
        if n in ("gnn_stable", "gnn_robust", "algorithm1") and np.isfinite(paper).any():
            labelled = "paper's value" in ax.get_legend_handles_labels()[1]
            ax.plot(ks + i * width, paper, "k_", ms=14, mew=2, label=None if labelled else "paper's value")
    ax.set_xticks(ks + width * (len(names) - 1) / 2, [f"K = {r['K']}" for r in rows])
    ax.set(ylabel="mean sum throughput [Mbps]", title="Table I: learned vs model-based power control")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


# ----------------------------------------------------------------------------- the job

def run(cfg: schema.TrainConfig, run_dir: Path, *, callbacks=()) -> dict:
    """Train, evaluate and write every output into ``run_dir``; returns the results dict. The
    scenario's system decides the pipeline (paper A's Table I or paper B's precoders)."""
    set_precision(cfg.x64)
    logging.getLogger("absl").setLevel(logging.WARNING)      # Orbax logs every save step at INFO
    run_dir.mkdir(parents=True, exist_ok=True)
    check_run_dir(cfg, run_dir)
    if cfg.trainer.distributed:
        jax.distributed.initialize()
    if cfg.system == "B":
        from experiments.paper_b.learned import run_precoding

        return run_precoding(cfg, run_dir, callbacks=callbacks)
    if cfg.system == "C":
        from experiments.paper_c.learned import run_uav

        return run_uav(cfg, run_dir, callbacks=callbacks)
    params = cfg.scenario_params()
    log.info("devices: %s; training at K = %d, M = %d, N = %d", jax.devices(), params.num_users, params.num_aps,
             params.num_antennas)
    result, reference = train_model(cfg, params, run_dir, callbacks=callbacks)
    robust = None
    if cfg.evaluation.robust:
        robust = {}
        for k in cfg.evaluation.k_values:
            if k == params.num_users and params.tau_p == max(1, k // 2):
                robust[k] = result.model
                continue
            robust[k] = train_model(cfg, cfg.scenario_params(k), run_dir / f"robust_K{k}", callbacks=callbacks)[0].model
    rows = evaluate_table(cfg, result.model, robust)
    results = run_record(cfg, result, "sum_mbps", "algorithm1", algorithm1_eval_mbps=reference.get("sum_mbps")) | {
        "table1": rows,
        "paper_table1": PAPER_TABLE1,
    }
    write_json(run_dir / "results.json", results)
    write_csv(run_dir / "results.csv", list(rows[0].keys()), [[r.get(k) for k in rows[0]] for r in rows])
    (run_dir / "results.md").write_text(_markdown(rows))
    plot_training(result.history, run_dir / "training.png")
    plot_table(rows, run_dir / "table1.png")
    print(_markdown(rows))
    print(f"training: {cfg.trainer.num_steps} steps in {result.seconds:.1f} s; outputs in {run_dir}")
    return results


@hydra_app(config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    configure_entry_point()
    run(load_config(cfg), output_dir())


if __name__ == "__main__":
    main()

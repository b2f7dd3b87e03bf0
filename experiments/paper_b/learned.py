"""Paper B's report in the main job: ``python -m experiments.train +exp=edge_gnn`` (also
``+exp=unfolded_wmmse``, ``+exp=linear_unfolding``), learned precoders against Dinkelbach-WMMSE.

The generic job (:func:`experiments.runner.run_learned`) trains the configured model unsupervised
(loss (15)/(35) = −EE of bound (9), in Mbit/J) on channels drawn on the fly from the scenario
sampler, evaluating every ``trainer.eval_every`` steps against Dinkelbach-WMMSE on
``trainer.eval_drops`` fixed channels; this report then tests it:

* every method on the fixed, seeded test set of ``evaluation.num_drops`` channels (the paper's
  1 000): the trained model, Dinkelbach-WMMSE and sum-rate WMMSE (solve mode), statistical MRT
  and MMSE — mean EE, its standard error and the ratio to Dinkelbach-WMMSE; per-channel EE for the
  histogram of Fig. 10;
* runtime per channel (jitted, compile apart; batched over the first ``evaluation.timing_drops``
  test channels and one at a time) of the model and of Dinkelbach-WMMSE;
* the trained model zero-shot at the user counts ``evaluation.k_values`` (Fig. 12), beside
  Dinkelbach-WMMSE on the same channels (models built for one size are skipped, with a note).

Writes ``metrics.csv/jsonl``, ``checkpoints/``, ``model.eqx``, ``results.json|csv|md``,
``training.png``, ``fig10_histogram.png`` and ``fig10_ee_per_channel.csv`` into the run directory.
"""

from __future__ import annotations

import logging
from pathlib import Path

import jax
import numpy as np

from experiments.common import save_figure, write_csv
from experiments.paper_b.reported import DEFAULTS as PAPER
from experiments.runner import Job, Report, compare, runtime_ms, standard_error
from satjax.downlink import PrecodingTask
from satjax.train import Evaluator

log = logging.getLogger(__name__)

METRIC = "ee_mbit_per_j"


def _summary(values: np.ndarray) -> dict:
    return {"mean": float(values.mean()), "se": standard_error(values), "p5": float(np.percentile(values, 5)), "p95": float(np.percentile(values, 95))}


def _markdown(methods: dict, runtimes: dict, zero_shot: list[dict], model_name: str) -> str:
    lines = ["| method | mean EE [Mbit/J] | ± SE | 5 % | 95 % | / Dinkelbach-WMMSE |", "|---|---|---|---|---|---|"]
    for name, m in methods.items():
        lines.append(f"| {name} | {m['mean']:.4f} | {m['se']:.4f} | {m['p5']:.4f} | {m['p95']:.4f} | "
                     f"{100 * m['vs_dinkelbach']:.1f} % |")
    lines += ["", "| runtime per channel | batched [ms] | single [ms] | compile [s] |", "|---|---|---|---|"]
    for name, r in runtimes.items():
        lines.append(f"| {name} | {r['batched_ms']:.3f} | {r['single_ms']:.3f} | {r['compile_s']:.1f} |")
    if zero_shot:
        lines += ["", f"| K (zero-shot) | {model_name} [Mbit/J] | Dinkelbach-WMMSE | ratio |", "|---|---|---|---|"]
        for z in zero_shot:
            lines.append(f"| {z['K']} | {z['model']:.4f} | {z['dinkelbach']:.4f} | {100 * z['ratio']:.1f} % |")
    lines.append("")
    lines.append(f"Paper B (Fig. 10): EE of the methods at the Table I defaults about {PAPER['fig10_ee_range_mbit_per_j']} "
                 "Mbit/J; our power model caps every precoder lower (docs/paper-b.md).")
    return "\n".join(lines) + "\n"


def plot_histogram(per_channel: dict[str, np.ndarray], path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.8))
    lo = min(float(v.min()) for v in per_channel.values())
    hi = max(float(v.max()) for v in per_channel.values())
    bins = np.linspace(lo, hi, 30)
    for name, v in per_channel.items():
        ax.hist(v, bins=bins, alpha=0.5, label=name)
    pr = PAPER["fig10_ee_range_mbit_per_j"]
    ax.axvspan(pr[0], pr[1], color="gray", alpha=0.15, label=f"paper's range {pr[0]}-{pr[1]}")
    ax.set(xlabel="EE per channel [Mbit/J]", ylabel="channels", title="Fig. 10: EE over the test channels")
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def report(job: Job) -> dict:
    """Test the trained precoder (module docstring); returns paper B's part of ``results.json``."""
    cfg, system, trained = job.cfg, job.system, job.result.model
    ev = cfg.evaluation
    test = Evaluator(job.task, jax.random.fold_in(jax.random.key(ev.seed), 1), ev.num_drops)
    policies = {"model": trained, system.reference: job.reference_policy,
                "wmmse": system.policy("wmmse", tol=ev.tol, max_iters=ev.inner_max_iters),
                **{name: system.policy(name) for name in ("statistical_mrt", "statistical_mmse")}}
    per, ratios = compare(policies, test, METRIC, system.reference, chunk=ev.timing_drops)
    per_channel = {name: v[METRIC] for name, v in per.items()}
    methods = {name: {**_summary(v), "vs_dinkelbach": ratios[name]} for name, v in per_channel.items()}
    timing = Evaluator(job.task, jax.random.fold_in(jax.random.key(ev.seed), 1), min(ev.timing_drops, ev.num_drops))
    runtimes = {name: runtime_ms(policies[name], timing, ev.timing_repeats) for name in ("model", system.reference)}
    runtimes["model"]["speedup_vs_dinkelbach_batched"] = (runtimes[system.reference]["batched_ms"]
                                                          / runtimes["model"]["batched_ms"])
    zero_shot = []
    size_specific = hasattr(trained, "num_users")
    for k in ev.k_values:
        if size_specific and k != job.params.num_users:
            log.info("zero-shot at K = %d skipped: %s is built for K = %d", k, type(trained).__name__,
                     job.params.num_users)
            continue
        task_k = make_task(cfg, cfg.scenario_params(k))
        ev_k = Evaluator(task_k, jax.random.fold_in(jax.random.key(ev.seed), 100 + int(k)), ev.zero_shot_drops)
        m, d = ev_k(trained)[METRIC], ev_k(job.reference_policy)[METRIC]
        zero_shot.append({"K": int(k), "model": m, "dinkelbach": d, "ratio": m / d})

    name = type(trained).__name__
    write_csv(job.run_dir / "fig10_ee_per_channel.csv", ["channel", *per_channel],
              [(i, *(float(v[i]) for v in per_channel.values())) for i in range(ev.num_drops)])
    plot_histogram({name: per_channel["model"], "Dinkelbach-WMMSE": per_channel[system.reference],
                    "statistical MRT": per_channel["statistical_mrt"]}, job.run_dir / "fig10_histogram.png")
    write_csv(job.run_dir / "results.csv", ["method", "mean_ee_mbit_per_j", "se", "p5", "p95", "vs_dinkelbach"],
              [(k, m["mean"], m["se"], m["p5"], m["p95"], m["vs_dinkelbach"]) for k, m in methods.items()])
    md = _markdown(methods, runtimes, zero_shot, name)
    (job.run_dir / "results.md").write_text(md)
    print(md)
    return {"test_set": {"channels": ev.num_drops, "methods": methods}, "runtime_per_channel": runtimes,
            "zero_shot": zero_shot, "paper": PAPER}


def make_task(cfg, params) -> PrecodingTask:
    """The precoding task of the scenario ``params`` (the system's task; no options)."""
    return PrecodingTask(params)


def dinkelbach_settings(cfg) -> dict:
    """Dinkelbach-WMMSE (solve mode) with the configured stopping rules."""
    ev = cfg.evaluation
    return {"tol": ev.tol, "max_iters": ev.max_iters, "inner_tol": ev.tol, "inner_max_iters": ev.inner_max_iters}


REPORT = Report(task=make_task, reference_settings=dinkelbach_settings, report=report,
                reference_label="Dinkelbach-WMMSE", loss_label="loss (-EE [Mbit/J])", ratio_label="EE / Dinkelbach-WMMSE")

"""Paper A's report in the main job: ``python -m experiments.train +exp=shgnn`` (SHGNN, Sec. V),
Table I against Algorithm 1.

The generic job (:func:`experiments.runner.run_learned`) trains the SHGNN on power control
(``trainer.utility``, ``trainer.link``) against Algorithm 1 on ``trainer.eval_drops`` fixed drops;
this report then builds Table I:

* at every K of ``evaluation.k_values`` (tau_p = K/2), ``evaluation.num_drops`` fixed drops:
  sum throughput of GNN-Stable (trained at the scenario's K, tested at every K), GNN-Robust (with
  ``evaluation.robust=true``: one model trained per K, in ``robust_K<K>/``), Algorithm 1, full and
  random power, the ratios to Algorithm 1, and the runtimes of the GNN and of Algorithm 1;
* the paper's Table I beside them.

Writes ``results.csv``, ``results.md`` and ``table1.png`` (the generic job adds ``metrics.csv/jsonl``,
``checkpoints/``, ``model.eqx``, ``results.json`` and ``training.png``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import jax
import numpy as np

from experiments.common import save_figure, write_csv
from experiments.paper_a.reported import TABLE_1 as PAPER_TABLE1
from experiments.runner import Job, Report, compare, runtime_ms, standard_error, train_against_reference
from satjax.train import Evaluator
from satjax.uplink import PowerControlTask

log = logging.getLogger(__name__)

#: Baselines of Table I beside the GNNs and Algorithm 1 (names of ``satjax.uplink.POLICIES``).
BASELINES = ("full_power", "random_power")


def make_task(cfg, params) -> PowerControlTask:
    """Power control of the scenario ``params`` with the configured utility and link."""
    return PowerControlTask(params, utility=cfg.trainer.utility, link=cfg.trainer.link)


def algorithm1_settings(cfg) -> dict:
    """Algorithm 1 (solve mode) with the configured link and stopping rule."""
    return {"link": cfg.trainer.link, "tol": cfg.evaluation.algorithm1_tol, "max_iters": cfg.evaluation.algorithm1_max_iters}


def _robust_models(job: Job) -> dict | None:
    """GNN-Robust: one model per K of ``evaluation.k_values`` (the trained one where K and tau_p match)."""
    cfg = job.cfg
    if not cfg.evaluation.robust:
        return None
    robust = {}
    for k in cfg.evaluation.k_values:
        if k == job.params.num_users and job.params.tau_p == max(1, k // 2):
            robust[k] = job.result.model
            continue
        robust[k] = train_against_reference(cfg, job.system, REPORT, cfg.scenario_params(k), job.run_dir / f"robust_K{k}",
                                            callbacks=job.callbacks).result.model
    return robust


def evaluate_table(job: Job, robust: dict | None = None) -> list[dict]:
    """Table I rows: every method on ``evaluation.num_drops`` fixed drops per K."""
    cfg, system, metric = job.cfg, job.system, job.metric
    rows = []
    ev = cfg.evaluation
    for k in ev.k_values:
        params = cfg.scenario_params(k)
        evaluator = Evaluator(make_task(cfg, params), jax.random.fold_in(jax.random.key(ev.seed), k), ev.num_drops)
        methods = {"gnn_stable": job.result.model, system.reference: job.reference_policy,
                   **{name: system.policy(name) for name in BASELINES}}
        if robust is not None and k in robust:
            methods["gnn_robust"] = robust[k]
        per, ratios = compare(methods, evaluator, metric, system.reference)
        row = {"K": k, "tau_p": params.tau_p}
        for name, v in per.items():
            row[f"{name}_mbps"] = float(np.mean(v[metric]))
            row[f"{name}_mbps_se"] = standard_error(v[metric])
        for name in ("gnn_stable", "gnn_robust"):
            if name in per:
                row[f"{name}_vs_{system.reference}"] = ratios[name]
        for name in ("gnn_stable", system.reference):
            for key, v in runtime_ms(methods[name], evaluator, ev.timing_repeats).items():
                row[f"{name}_{key}"] = v
        row.update({f"paper_{a}": b for a, b in PAPER_TABLE1.get(k, {}).items()})
        rows.append(row)
        log.info("K=%d: GNN-Stable %.1f Mbps (%.1f %% of Algorithm 1 %.1f), full %.1f, random %.1f", k,
                 row["gnn_stable_mbps"], 100 * row["gnn_stable_vs_algorithm1"], row["algorithm1_mbps"],
                 row["full_power_mbps"], row["random_power_mbps"])
    return rows


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


def report(job: Job) -> dict:
    """Table I of the trained SHGNN (module docstring); returns paper A's part of ``results.json``."""
    rows = evaluate_table(job, _robust_models(job))
    write_csv(job.run_dir / "results.csv", list(rows[0].keys()), [[r.get(k) for k in rows[0]] for r in rows])
    md = _markdown(rows)
    (job.run_dir / "results.md").write_text(md)
    plot_table(rows, job.run_dir / "table1.png")
    print(md)
    return {"training": {"algorithm1_eval_mbps": job.reference.get(job.metric)}, "table1": rows,
            "paper_table1": PAPER_TABLE1}


REPORT = Report(task=make_task, reference_settings=algorithm1_settings, report=report, reference_label="Algorithm 1",
                loss_label="loss (-utility per drop)", ratio_label="sum throughput / Algorithm 1", every_ratio=True)

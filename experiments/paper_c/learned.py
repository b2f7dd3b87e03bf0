"""System C's learned policy in the main job: ``python -m experiments.train +exp=uav_gnn``.

Trains :class:`satjax.uav.UavGNN` unsupervised (loss = −overall efficiency (15) with the
deterministic-equivalent rates, in kbit/Hz) on drops of :class:`satjax.uav.UavParams` sampled on
the fly, evaluating every ``trainer.eval_every`` steps against Algorithm 3 on
``trainer.eval_drops`` fixed drops, then:

* every method on the fixed, seeded test set of ``evaluation.num_drops`` drops: the trained model,
  Algorithm 3 and ``evaluation.baselines`` (initial point, Schemes 1 and 3, Algorithm 6) — mean
  overall and minimum efficiency, the ratio to Algorithm 3 and the largest constraint residual;
* runtime per drop, the model and Algorithm 3 alike: jitted, batched over
  ``evaluation.timing_drops`` test drops and one at a time, compile apart;
* the trained model zero-shot at the group sizes ``evaluation.k_values`` beside Algorithm 3.

Every policy is pure JAX and scored batched, in chunks of ``CHUNK`` drops. Writes ``metrics.csv/jsonl``,
``checkpoints/``, ``model.eqx``, ``results.json|csv|md``, ``per_drop.csv`` and ``training.png``
into the run directory.
"""

from __future__ import annotations

import logging
from pathlib import Path

import jax
import numpy as np

from experiments.common import write_csv, write_json
from satjax.train import Evaluator
from satjax.uav import POLICIES, Algorithm3Policy, UavEfficiencyTask

log = logging.getLogger(__name__)

METRIC = "overall_bit_per_hz"


def _algorithm3(cfg) -> Algorithm3Policy:
    return Algorithm3Policy(max_iters=cfg.evaluation.algorithm3_max_iters, tol=cfg.evaluation.algorithm3_tol)


#: Drops per batched call of an iterative policy (a ``vmap``ped solve runs until its slowest drop stops).
CHUNK = 64


def per_drop(policy, evaluator: Evaluator) -> dict[str, np.ndarray]:
    """Every metric of :func:`satjax.uav.decision_metrics` per drop of ``evaluator``'s set, batched
    in chunks of ``CHUNK`` drops."""
    return evaluator.per_example(policy, chunk=CHUNK)


def _summary(v: dict[str, np.ndarray], ref_mean: float) -> dict:
    o = v[METRIC]
    return {"overall_mean": float(o.mean()), "overall_se": float(o.std(ddof=1) / np.sqrt(o.size)) if o.size > 1
            else float("nan"), "min_mean": float(v["min_bit_per_hz"].mean()),
            "vs_algorithm3": float(o.mean()) / ref_mean, "max_violation": float(v["max_violation"].max())}


def _markdown(methods: dict, runtimes: dict, zero_shot: list[dict], name: str) -> str:
    lines = ["| method | mean overall efficiency [bit/Hz] | ± SE | / Algorithm 3 | mean minimum efficiency [bit/Hz] "
             "| max. constraint residual |", "|---|---|---|---|---|---|"]
    for k, m in methods.items():
        lines.append(f"| {k} | {m['overall_mean']:.1f} | {m['overall_se']:.1f} | {100 * m['vs_algorithm3']:.1f} % | "
                     f"{m['min_mean']:.1f} | {m['max_violation']:.2e} |")
    lines += ["", "| runtime per drop | batched [ms] | single [ms] | compile [s] |", "|---|---|---|---|"]
    for k, r in runtimes.items():
        lines.append(f"| {k} | {r.get('batched_ms', float('nan')):.3f} | {r['single_ms']:.3f} | "
                     f"{r.get('compile_s', float('nan')):.1f} |")
    if zero_shot:
        lines += ["", f"| K_g (zero-shot) | {name} [bit/Hz] | Algorithm 3 [bit/Hz] | ratio |", "|---|---|---|---|"]
        for z in zero_shot:
            lines.append(f"| {z['K']} | {z['model']:.1f} | {z['algorithm3']:.1f} | {100 * z['ratio']:.1f} % |")
    lines += ["", "Overall efficiency (15) with the deterministic-equivalent rates; a residual <= 0 means every "
              "constraint of (14) holds. Beyond paper C: the paper has no learned policy (docs/paper-c.md)."]
    return "\n".join(lines) + "\n"


def run_uav(cfg, run_dir: Path, *, callbacks=()) -> dict:
    """Train and evaluate system C's learned policy (module docstring); returns the results dict."""
    from experiments.train import plot_training, run_record, runtime_ms, train_policy

    params = cfg.scenario.to_params()
    task = UavEfficiencyTask(params, "float64" if cfg.x64 else "float32")
    log.info("devices: %s; system C, training at G = %d, K_g = %d, L = %d, N = %d, M = %d", jax.devices(),
             params.num_groups, params.users_per_group, params.num_uavs, params.num_subchannels, params.num_sat_users)
    ev = cfg.evaluation
    alg3 = _algorithm3(cfg)
    evaluator = Evaluator(task, jax.random.key(ev.seed), cfg.trainer.eval_drops)
    reference = {METRIC: float(per_drop(alg3, evaluator)[METRIC].mean())}
    result = train_policy(cfg, params, task, run_dir, evaluator, reference, callbacks=callbacks)
    trained = result.model

    test = Evaluator(task, jax.random.fold_in(jax.random.key(ev.seed), 1), ev.num_drops)
    policies = {"model": trained, "algorithm3": alg3} | {b: POLICIES[b]() for b in ev.baselines}
    per = {k: per_drop(p, test) for k, p in policies.items()}
    ref_mean = float(per["algorithm3"][METRIC].mean())
    methods = {k: _summary(v, ref_mean) for k, v in per.items()}

    timing = Evaluator(task, jax.random.fold_in(jax.random.key(ev.seed), 1), min(ev.timing_drops, ev.num_drops))
    runtimes = {"model": runtime_ms(trained, timing, ev.timing_repeats),
                "algorithm3": runtime_ms(alg3, timing, ev.timing_repeats)}
    for mode in ("batched", "single"):
        runtimes["model"][f"speedup_vs_algorithm3_{mode}"] = (runtimes["algorithm3"][f"{mode}_ms"]
                                                              / runtimes["model"][f"{mode}_ms"])

    zero_shot = []
    for k in ev.k_values:
        task_k = UavEfficiencyTask(cfg.scenario_params(k), task.dtype)
        ev_k = Evaluator(task_k, jax.random.fold_in(jax.random.key(ev.seed), 100 + int(k)), ev.zero_shot_drops)
        m = float(per_drop(trained, ev_k)[METRIC].mean())
        a = float(per_drop(alg3, ev_k)[METRIC].mean())
        zero_shot.append({"K": int(k), "model": m, "algorithm3": a, "ratio": m / a})

    name = type(trained).__name__
    write_csv(run_dir / "per_drop.csv", ["drop", *(f"{k}_{m}" for k in per for m in (METRIC, "min_bit_per_hz"))],
              [(i, *(float(per[k][m][i]) for k in per for m in (METRIC, "min_bit_per_hz"))) for i in range(ev.num_drops)])
    plot_training(result.history, run_dir / "training.png", metric=f"eval_{METRIC}_vs_reference",
                  reference="Algorithm 3", target=0.98, loss_label="loss (-overall efficiency [kbit/Hz])",
                  ratio_label="overall efficiency / Algorithm 3")
    results = run_record(cfg, result, METRIC, "algorithm3", algorithm3_eval_bit_per_hz=reference[METRIC]) | {
        "test_set": {"drops": ev.num_drops, "methods": methods},
        "runtime_per_drop": runtimes,
        "zero_shot": zero_shot,
    }
    write_json(run_dir / "results.json", results)
    write_csv(run_dir / "results.csv", ["method", "overall_mean", "overall_se", "vs_algorithm3", "min_mean", "max_violation"],
              [(k, m["overall_mean"], m["overall_se"], m["vs_algorithm3"], m["min_mean"], m["max_violation"])
               for k, m in methods.items()])
    md = _markdown(methods, runtimes, zero_shot, name)
    (run_dir / "results.md").write_text(md)
    print(md)
    print(f"training: {cfg.trainer.num_steps} steps in {result.seconds:.1f} s; outputs in {run_dir}")
    return results

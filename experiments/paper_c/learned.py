"""System C's report in the main job: ``python -m experiments.train +exp=uav_gnn``, the learned
policy against Algorithm 3.

The generic job (:func:`experiments.runner.run_learned`) trains :class:`satjax.uav.UavGNN`
unsupervised (loss = −overall efficiency (15) with the deterministic-equivalent rates, in kbit/Hz)
on drops of :class:`satjax.uav.UavParams` sampled on the fly, evaluating every ``trainer.eval_every`` steps against Algorithm 3 on
``trainer.eval_drops`` fixed drops; this report then tests it:

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

import jax
import numpy as np

from experiments.common import write_csv
from experiments.runner import Job, Report, compare, runtime_ms, standard_error
from satjax.train import Evaluator
from satjax.uav import UavEfficiencyTask

log = logging.getLogger(__name__)

METRIC = "overall_bit_per_hz"


#: Drops per batched call of the evaluator (caps memory; inside a call an iterative policy solves
#: one drop after another, ``satjax.optim.solve_batch``, so the chunk does not change its numbers).
CHUNK = 64


def per_drop(policy, evaluator: Evaluator) -> dict[str, np.ndarray]:
    """Every metric of :func:`satjax.uav.decision_metrics` per drop of ``evaluator``'s set, batched
    in chunks of ``CHUNK`` drops."""
    return evaluator.per_example(policy, chunk=CHUNK)


def _summary(v: dict[str, np.ndarray], vs_algorithm3: float) -> dict:
    o = v[METRIC]
    return {"overall_mean": float(o.mean()), "overall_se": standard_error(o), "min_mean": float(v["min_bit_per_hz"].mean()),
            "vs_algorithm3": vs_algorithm3, "max_violation": float(v["max_violation"].max())}


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


def report(job: Job) -> dict:
    """Test the trained policy (module docstring); returns system C's part of ``results.json``."""
    cfg, system, trained = job.cfg, job.system, job.result.model
    ev = cfg.evaluation
    alg3 = job.reference_policy
    test = Evaluator(job.task, jax.random.fold_in(jax.random.key(ev.seed), 1), ev.num_drops)
    policies = {"model": trained, system.reference: alg3} | {b: system.policy(b) for b in ev.baselines}
    per, ratios = compare(policies, test, METRIC, system.reference, chunk=CHUNK)
    methods = {k: _summary(v, ratios[k]) for k, v in per.items()}

    timing = Evaluator(job.task, jax.random.fold_in(jax.random.key(ev.seed), 1), min(ev.timing_drops, ev.num_drops))
    runtimes = {"model": runtime_ms(trained, timing, ev.timing_repeats),
                "algorithm3": runtime_ms(alg3, timing, ev.timing_repeats)}
    for mode in ("batched", "single"):
        runtimes["model"][f"speedup_vs_algorithm3_{mode}"] = (runtimes["algorithm3"][f"{mode}_ms"]
                                                              / runtimes["model"][f"{mode}_ms"])

    zero_shot = []
    for k in ev.k_values:
        task_k = make_task(cfg, cfg.scenario_params(k))
        ev_k = Evaluator(task_k, jax.random.fold_in(jax.random.key(ev.seed), 100 + int(k)), ev.zero_shot_drops)
        m = float(per_drop(trained, ev_k)[METRIC].mean())
        a = float(per_drop(alg3, ev_k)[METRIC].mean())
        zero_shot.append({"K": int(k), "model": m, "algorithm3": a, "ratio": m / a})

    name = type(trained).__name__
    write_csv(job.run_dir / "per_drop.csv", ["drop", *(f"{k}_{m}" for k in per for m in (METRIC, "min_bit_per_hz"))],
              [(i, *(float(per[k][m][i]) for k in per for m in (METRIC, "min_bit_per_hz"))) for i in range(ev.num_drops)])
    write_csv(job.run_dir / "results.csv", ["method", "overall_mean", "overall_se", "vs_algorithm3", "min_mean",
                                            "max_violation"],
              [(k, m["overall_mean"], m["overall_se"], m["vs_algorithm3"], m["min_mean"], m["max_violation"])
               for k, m in methods.items()])
    md = _markdown(methods, runtimes, zero_shot, name)
    (job.run_dir / "results.md").write_text(md)
    print(md)
    return {"training": {"algorithm3_eval_bit_per_hz": job.reference[METRIC]},
            "test_set": {"drops": ev.num_drops, "methods": methods}, "runtime_per_drop": runtimes,
            "zero_shot": zero_shot}


def make_task(cfg, params) -> UavEfficiencyTask:
    """System C's efficiency task of the scenario ``params`` in the configured precision."""
    return UavEfficiencyTask(params, "float64" if cfg.x64 else "float32")


def algorithm3_settings(cfg) -> dict:
    """Algorithm 3 with the configured stopping rule."""
    return {"max_iters": cfg.evaluation.algorithm3_max_iters, "tol": cfg.evaluation.algorithm3_tol}


REPORT = Report(task=make_task, reference_settings=algorithm3_settings, report=report, reference_label="Algorithm 3",
                loss_label="loss (-overall efficiency [kbit/Hz])", ratio_label="overall efficiency / Algorithm 3",
                reference_chunk=CHUNK)

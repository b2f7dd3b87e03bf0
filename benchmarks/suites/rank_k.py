"""Paper B's exact precoder update (23) in K x K algebra against the N_t x N_t eigen-decomposition,
and the learned precoders against the best Dinkelbach-WMMSE: time per channel at N_t = 64, 256,
1024 (square UPAs), K = 10 (Table I), float32, default scenario otherwise.

Cases (``params["algebra"]``: ``"rank_k"`` or ``"full"``, ``satjax.downlink.ExactUpdate``):

* ``precoder_update`` — one WMMSE step (21)-(23) at Dinkelbach price EE(MRT), batch 1;
* ``dinkelbach_wmmse_solve`` — Algorithm 2 with the exact update, solve mode (relative tolerance
  1e-5, as the ``downlink`` suite), batch 1 and a batch (``vmap``: runs until its slowest channel
  stops); at N_t = 1024 batch 1 only and the ``"full"`` algebra timed once;
* ``unfolded_wmmse_inference`` (3 Dinkelbach x 5 WMMSE x 4 Taylor layers, untrained: timings do
  not depend on the values), the same model with its Taylor inverse in factored form
  (``unfolded_wmmse_rank_k_inference``, ``satjax.downlink.lowrank.TaylorInverseRankK``) and
  ``edge_gnn_inference`` (hidden 64, 3 layers), batch 1 and the
  batch, each with ``speedup_vs_best_dinkelbach`` (the fastest per-channel Dinkelbach-WMMSE of
  this size, over both algebras and both batch sizes, divided by the model's per-channel time) and
  ``speedup_vs_best_full_dinkelbach`` (the same over the ``"full"`` algebra only).

Every compile is separate (ahead of time, ``compile_s``); every timing blocks on the result.
``python -m benchmarks.run --suite rank_k``, or alone: ``python -m benchmarks.suites.rank_k [--quick] [--out FILE]``.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import numpy as np

from benchmarks.common import Settings, case, time_jax
from satjax.downlink import (
    DownlinkParams,
    EdgeGNN,
    ExactUpdate,
    UnfoldedDinkelbachWMMSE,
    dinkelbach_wmmse,
    energy_efficiency,
    sample_downlink_scenario,
    statistical_mrt,
    wmmse_step,
)
from satjax.downlink.lowrank import TaylorInverseRankK
from satjax.optim import Solve

SUITE = "rank_k"
TOL = 1e-5
ALGEBRAS = ("rank_k", "full")


def _solver(algebra):
    update = ExactUpdate(algebra)
    return jax.jit(jax.vmap(lambda p: dinkelbach_wmmse(p, mode=Solve(TOL, 30), inner=Solve(TOL, 200),
                                                       update=update)[2].num_iters))


def _step(algebra):
    update = ExactUpdate(algebra)

    def step(p):
        b = statistical_mrt(p.v, p.p_max_w)
        return wmmse_step(b, p, energy_efficiency(p, b), update)
    return jax.jit(jax.vmap(step))


def run(settings: Settings):
    nt_values, k = ((16,), 4) if settings.quick else ((64, 256, 1024), 10)
    unfolded = UnfoldedDinkelbachWMMSE(num_outer=3, num_inner=5, num_layers=4)
    gnn = EdgeGNN(hidden=16 if settings.quick else 64, num_layers=2 if settings.quick else 3, key=jax.random.key(1))
    nets = {"unfolded_wmmse_inference": unfolded,
            "unfolded_wmmse_rank_k_inference": eqx.tree_at(lambda m: m.inverse, unfolded,
                                                           TaylorInverseRankK(unfolded.inverse)),
            "edge_gnn_inference": gnn}
    models = {name: jax.jit(lambda net, s: jax.vmap(lambda x: net(x))(s)) for name in nets}
    for nt in nt_values:
        side = math.isqrt(nt)
        params = DownlinkParams(n_h=side, n_v=side, num_users=k)
        big = 4 if settings.quick else {64: 16, 256: 4}.get(nt)
        batches = (1,) if big is None else (1, big)
        keys = jax.random.split(jax.random.key(nt), max(batches))
        scen = jax.vmap(lambda key: sample_downlink_scenario(key, params))(keys)
        desc = {"N_t": nt, "K": k}
        largest = nt == max(nt_values) and not settings.quick
        repeats = 1 if largest else (2 if settings.quick else max(3, settings.repeats // 2))
        one = jax.tree.map(lambda x: x[:1], scen)
        for algebra in ALGEBRAS:
            yield case(SUITE, "precoder_update", "satjax", {**desc, "algebra": algebra}, 1,
                       time_jax(_step(algebra), one.problem, repeats=repeats, settings=settings))
        best = {}
        for algebra in ALGEBRAS:
            solve = _solver(algebra)
            for b in batches:
                sub = jax.tree.map(lambda x: x[:b], scen)
                stats = time_jax(solve, sub.problem, repeats=1 if largest else repeats, per=b, settings=settings)
                best[(algebra, b)] = stats["per_scenario_ms"]
                extra = {}
                if not (largest and algebra == "full"):           # one more full-size run: skipped at 1024
                    iters = np.asarray(solve(sub.problem))
                    extra = {"iterations_mean": float(iters.mean()), "iterations_max": int(iters.max())}
                yield case(SUITE, "dinkelbach_wmmse_solve", "satjax", {**desc, "algebra": algebra}, b, stats, **extra)
        best_any = min(best.values())
        best_full = min(v for (algebra, _), v in best.items() if algebra == "full")
        for name, fn in models.items():
            for b in batches:
                sub = jax.tree.map(lambda x: x[:b], scen)
                stats = time_jax(fn, nets[name], sub, repeats=repeats, per=b, settings=settings)
                yield case(SUITE, name, "satjax", desc, b, stats,
                           speedup_vs_best_dinkelbach=best_any / stats["per_scenario_ms"],
                           speedup_vs_best_full_dinkelbach=best_full / stats["per_scenario_ms"])


if __name__ == "__main__":
    import argparse
    from pathlib import Path

    from benchmarks.common import environment, table, write_results
    from experiments.xla_env import configure_entry_point

    configure_entry_point()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    settings = Settings(quick=args.quick)
    env = environment()
    cases = []
    for c in run(settings):
        cases.append(c)
        print(table([c]).splitlines()[-1], {k: c[k] for k in c if k.startswith("speedup") or k == "compile_s"},
              flush=True)
        if args.out is not None:
            write_results(args.out, env, settings, cases, {})

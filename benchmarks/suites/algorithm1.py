"""Paper A's Algorithm 1 (statistics -> closed-form terms -> iterations to convergence) against
NumPy, PyTorch and the paper's runtimes (Table I).

K in {20, 30, 40, 50} users (tau_p = K/2), M = 40 APs, N = 25 satellite antennas, float32, solve
mode with relative tolerance 1e-6 and at most 1000 iterations, from full power. satjax and
PyTorch run a batch until its slowest scenario stops (satjax ``vmap`` of the ``while_loop``;
PyTorch freezes converged scenarios); NumPy goes one scenario at a time, as a researcher's loop
would, over the first 16 scenarios — the "batch 1" of satjax solves the same 16 one after another
(``lax.map``). For satjax the two halves (closed-form terms; iterations) are also timed apart.
"""

from __future__ import annotations

import time

import jax
import numpy as np

from benchmarks.common import Settings, case, time_eager, time_jax
from benchmarks.reference import numpy_uplink
from benchmarks.reference.convert import plain_arrays
from experiments.paper_a.reported import TABLE_1
from satjax.uplink import UplinkParams, algorithm1, sample_uplink_scenarios, siso_problem

SUITE = "algorithm1"


def _solve(stats, p_max):
    return algorithm1(siso_problem(stats), p_max)


def run(settings: Settings):
    k_values = (20,) if settings.quick else (20, 30, 40, 50)
    batch, singles = (8, 4) if settings.quick else (256, 16)
    repeats = max(2, settings.repeats // 2)
    solve = jax.jit(jax.vmap(_solve))
    # "batch 1": the first `singles` scenarios one after another (lax.map: each stops at its own
    # count), the same scenarios the NumPy loop solves
    one_at_a_time = jax.jit(lambda st, p: jax.lax.map(lambda a: _solve(*a), (st, p)))
    terms = jax.jit(jax.vmap(siso_problem))
    iterations = jax.jit(jax.vmap(lambda problem, p: algorithm1(problem, p).rho))
    for k in k_values:
        desc = {"K": k, "M": 40, "N": 25, "tau_p": k // 2}
        scen = sample_uplink_scenarios(jax.random.key(k), UplinkParams(num_users=k, num_aps=40, tau_p=k // 2), batch)
        for b, f in ((1, one_at_a_time), (batch, solve)):
            sub = jax.tree.map(lambda x: x[:singles if b == 1 else b], scen)
            n = singles if b == 1 else b
            stats = time_jax(f, sub.stats, sub.p_max_w, repeats=repeats, per=n)        # first use: compile timed
            iters = np.asarray(f(sub.stats, sub.p_max_w).trace.num_iters)
            yield case(SUITE, "algorithm1", "satjax", desc, b, stats, scenarios=n, iterations_mean=float(iters.mean()),
                       iterations_max=int(iters.max()))
        yield case(SUITE, "terms_only", "satjax", desc, batch, time_jax(terms, scen.stats, repeats=repeats, per=batch))
        problems = terms(scen.stats)
        yield case(SUITE, "iterations_only", "satjax", desc, batch,
                   time_jax(iterations, problems, scen.p_max_w, repeats=repeats, per=batch))
        yield from _torch(scen, desc, batch, repeats)
        yield from _numpy(scen, desc, singles)
        yield case(SUITE, "algorithm1", "paper", desc, 1, {"per_scenario_ms": float(TABLE_1[k]["algorithm1_ms"])})


def _numpy(scen, desc, num):
    """One scenario at a time over ``num`` scenarios (float32 inputs, as satjax); reported at batch 1."""
    singles = [plain_arrays(*jax.tree.map(lambda x: x[i], (scen.stats, scen.p_max_w))) for i in range(num)]
    numpy_uplink.algorithm1(*singles[0][0], **singles[0][1])          # warm-up, excluded
    iters = []
    t0 = time.perf_counter()
    for args, scalars in singles:
        iters.append(numpy_uplink.algorithm1(*args, **scalars)[1])
    per = 1e3 * (time.perf_counter() - t0) / num
    yield case(SUITE, "algorithm1", "numpy", desc, 1, {"per_scenario_ms": per, "scenarios": num},
               iterations_mean=float(np.mean(iters)))


def _torch(sub, desc, b, repeats):
    try:
        from benchmarks.reference import torch_uplink
    except ImportError:
        return
    import torch

    args, scalars = plain_arrays(sub.stats, sub.p_max_w, "torch")
    with torch.no_grad():
        stats = time_eager(lambda: torch_uplink.algorithm1(*args, **scalars), repeats=repeats, per=b)
        iters = torch_uplink.algorithm1(*args, **scalars)[1].cpu().numpy()
    yield case(SUITE, "algorithm1", "torch", desc, b, stats, iterations_mean=float(iters.mean()), iterations_max=int(iters.max()))

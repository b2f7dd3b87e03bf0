"""Time paper A's Algorithm 1 (channel statistics -> closed-form terms -> iterations); write JSON.

    python -m benchmarks.algorithm1 [--quick] [--out benchmarks/results/algorithm1-<device>.json]

K in {20, 30, 40, 50} users (tau_p = K/2), M = 40 APs, N = 25 satellite antennas, float32, solve
mode with the default tolerance (1e-6 relative) and cap (1000 iterations), from full power. Each
case times a batch of 1 and of 1024 scenarios (``vmap``: a batch runs until its slowest scenario
stops), compile time separate, steady state median/min/max, ``block_until_ready`` everywhere. The
NumPy reference (benchmarks/reference/numpy_uplink.py, float64, one scenario at a time) runs on
the same scenarios in the same process; the paper's runtimes (Table I) are printed beside.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import jax
import numpy as np

from benchmarks.common import header, report, summarize, time_call
from benchmarks.reference.numpy_uplink import algorithm1 as numpy_algorithm1
from satjax.uplink import UplinkParams, algorithm1_solve, algorithm1_solve_siso, sample_uplink_scenarios, siso_problem

#: Paper A, Table I: Algorithm 1 runtime per scenario [ms].
PAPER_MS = {20: 621.0, 30: 1667.0, 40: 2939.0, 50: 5089.0}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="K in {20, 50}, small batches, few repeats")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    repeats = 2 if args.quick else 5
    batches = (1, 16) if args.quick else (1, 1024)
    k_values = (20, 50) if args.quick else (20, 30, 40, 50)
    results = header({"K": list(k_values), "M": 40, "N": 25, "dtype": "float32", "tol": 1e-6, "max_iters": 1000,
                      "repeats": repeats})
    results["paper_ms"] = PAPER_MS
    f = jax.jit(jax.vmap(lambda st, p: algorithm1_solve(st, p)))
    # the two halves of f, to see where the time goes: closed-form terms, then the iterations
    terms = jax.jit(jax.vmap(siso_problem))

    iterations = jax.jit(jax.vmap(lambda problem: algorithm1_solve_siso(problem).rho))
    for k in k_values:
        params = UplinkParams(num_users=k, num_aps=40, tau_p=k // 2)
        scen = sample_uplink_scenarios(jax.random.key(k), params, max(batches))
        for b in batches:
            sub = jax.tree.map(lambda x: x[:b], scen)
            first, times = time_call(f, sub.stats, sub.p_max, repeats=repeats)
            iters = np.asarray(f(sub.stats, sub.p_max).trace.num_iters)
            results["cases"].append({"case": "algorithm1", "K": k, "batch": b, "iterations_mean": float(iters.mean()),
                                     "iterations_max": int(iters.max()), **summarize(first, times, b)})
            first, times = time_call(terms, sub.stats, sub.p_max, repeats=repeats)
            results["cases"].append({"case": "closed_form_terms_only", "K": k, "batch": b, **summarize(first, times, b)})
            problems = terms(sub.stats, sub.p_max)
            first, times = time_call(iterations, problems, repeats=repeats)
            results["cases"].append({"case": "iterations_only", "K": k, "batch": b, **summarize(first, times, b)})
        nb = 4 if args.quick else 16
        arrays = [jax.tree.map(lambda x: np.asarray(x[i]), scen) for i in range(nb)]
        t0 = time.perf_counter()
        np_iters = []
        for a in arrays:
            st = a.stats
            np_iters.append(numpy_algorithm1(st.beta_ap.astype(float), st.g_bar.astype(complex), st.r_sat.astype(complex), st.pilot,
                                             a.p_max.astype(float), pilot_power=float(st.pilot_power), tau_p=st.tau_p,
                                             noise_ap=float(st.noise_ap), noise_sat=float(st.noise_sat))[1])
        np_ms = 1e3 * (time.perf_counter() - t0) / nb
        results["cases"].append({"case": "numpy_reference", "K": k, "batch": 1, "per_scenario_ms": np_ms,
                                 "iterations_mean": float(np.mean(np_iters))})
    results["ratios"] = {}
    for k in k_values:
        by = {(c["case"], c["batch"]): c["per_scenario_ms"] for c in results["cases"] if c["K"] == k}
        big = max(batches)
        results["ratios"][str(k)] = {"numpy_over_satjax_batched": by[("numpy_reference", 1)] / by[("algorithm1", big)],
                                     "numpy_over_satjax_single": by[("numpy_reference", 1)] / by[("algorithm1", 1)],
                                     "paper_over_satjax_batched": PAPER_MS[k] / by[("algorithm1", big)]}
    report(results, "algorithm1", args.out)
    return results


if __name__ == "__main__":
    main()

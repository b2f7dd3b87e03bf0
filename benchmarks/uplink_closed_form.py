"""Time system A's closed-form SINR and Monte Carlo; write JSON.

    python -m benchmarks.uplink_closed_form [--quick] [--out benchmarks/results/uplink-<device>.json]

Closed form at K = 50, M = 40, N = 25 for batches of 1, 64 and 1024 scenarios (float32), the
NumPy reference on the same scenarios (ratio measured in the same run), and Monte Carlo with
10^4 realizations at K = 20. Compile time is reported separately from steady state; every
timing ends with ``block_until_ready``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import jax
import numpy as np

from benchmarks.common import header, report, summarize, time_call
from benchmarks.reference.numpy_uplink import closed_form_sinr as numpy_sinr
from satjax.uplink import UplinkParams, sample_uplink_scenarios, sinr_closed_form, sinr_monte_carlo


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small batches and few repeats")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    repeats = 3 if args.quick else 10
    batches = (1, 16) if args.quick else (1, 64, 1024)
    params = UplinkParams(num_users=50, num_aps=40, tau_p=25)
    results = header({"K": 50, "M": 40, "N": 25, "dtype": "float32", "repeats": repeats})
    scen = sample_uplink_scenarios(jax.random.key(0), params, max(batches))
    f = jax.jit(jax.vmap(sinr_closed_form))
    for b in batches:
        sub = jax.tree.map(lambda x: x[:b], scen)
        first, times = time_call(f, sub.stats, sub.p_max, repeats=repeats)
        results["cases"].append({"case": "closed_form", "batch": b, **summarize(first, times, b)})
    # NumPy reference, one scenario at a time (float64 as NumPy users would), same scenarios
    nb = min(16, max(batches))
    arrays = [jax.tree.map(lambda x: np.asarray(x[i]), scen) for i in range(nb)]
    t = []
    for _ in range(max(1, repeats // 3)):
        t0 = time.perf_counter()
        for a in arrays:
            numpy_sinr(a.stats.beta_ap.astype(float), a.stats.g_bar.astype(complex), a.stats.r_sat.astype(complex), a.stats.pilot,
                       a.p_max.astype(float), pilot_power=float(a.stats.pilot_power), tau_p=a.stats.tau_p,
                       noise_ap=float(a.stats.noise_ap), noise_sat=float(a.stats.noise_sat))
        t.append((time.perf_counter() - t0) / nb)
    np_ms = 1e3 * statistics.median(t)
    results["cases"].append({"case": "numpy_reference", "batch": 1, "per_scenario_ms": np_ms})
    big = max(batches)
    jax_ms = next(c["per_scenario_ms"] for c in results["cases"] if c["case"] == "closed_form" and c["batch"] == big)
    results["ratios"] = {f"numpy_over_satjax_batch{big}": np_ms / jax_ms}
    # Monte Carlo, K = 20
    mc_params = UplinkParams()
    sc = jax.tree.map(lambda x: x[0], sample_uplink_scenarios(jax.random.key(1), mc_params, 1))
    ns = 1_000 if args.quick else 10_000
    g = jax.jit(lambda key, st, r: sinr_monte_carlo(key, st, r, num_samples=ns))
    first, times = time_call(g, jax.random.key(2), sc.stats, sc.p_max, repeats=max(1, repeats // 3))
    s = summarize(first, times, 1)
    s["realizations_per_s"] = ns / s["steady_median_s"]
    results["cases"].append({"case": "monte_carlo_K20", "num_samples": ns, **s})

    report(results, "uplink", args.out)
    return results


if __name__ == "__main__":
    main()

"""Time system B's model-based precoders (paper B, Figs. 8-9); write JSON.

    python -m benchmarks.downlink_precoding [--quick] [--out benchmarks/results/downlink_precoding-<device>.json]

N_t in {16, 64, 256} (square UPAs) x K in {4, 9, 16, 32}, float32, default scenario otherwise
(SNR 0 dB after the array gain). Cases: Dinkelbach + WMMSE (EE, solve mode, tolerances 1e-5),
sum-rate WMMSE (solve mode), MMSE precoder (instantaneous-CSI baseline, closed form). Each case
times a batch of 1 and of 64 scenarios (``vmap``: a batch runs until its slowest scenario
stops), compile time separate, steady-state median/min/max, ``block_until_ready`` everywhere.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import jax
import numpy as np

from benchmarks.common import header, report, summarize, time_call
from satjax.downlink import DownlinkParams, dinkelbach_wmmse_solve, mmse_precoder, sample_downlink_scenario, wmmse_solve

TOL = 1e-5


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N_t = 16, K = 4, batches 1 and 4, two repeats")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    repeats = 2 if args.quick else 5
    batches = (1, 4) if args.quick else (1, 64)
    nt_values = (16,) if args.quick else (16, 64, 256)
    k_values = (4,) if args.quick else (4, 9, 16, 32)
    results = header({"N_t": list(nt_values), "K": list(k_values), "dtype": "float32", "tol": TOL, "repeats": repeats})
    methods = {
        "dinkelbach_wmmse": jax.jit(jax.vmap(lambda p: dinkelbach_wmmse_solve(p, tol=TOL, inner_tol=TOL)[2].num_iters)),
        "wmmse": jax.jit(jax.vmap(lambda p: wmmse_solve(p, tol=TOL)[1].num_iters)),
        "mmse": jax.jit(jax.vmap(lambda p: mmse_precoder(p.v, p.p_max, p.noise))),       # v as a stand-in channel
    }
    for nt in nt_values:
        side = math.isqrt(nt)
        for k in k_values:
            params = DownlinkParams(nx=side, ny=side, num_users=k)
            keys = jax.random.split(jax.random.key(nt * 100 + k), max(batches))
            problems = jax.vmap(lambda key: sample_downlink_scenario(key, params).problem)(keys)
            for b in batches:
                sub = jax.tree.map(lambda x: x[:b], problems)
                for name, f in methods.items():
                    first, times = time_call(f, sub, repeats=repeats)
                    case = {"case": name, "N_t": nt, "K": k, "batch": b, **summarize(first, times, b)}
                    if name != "mmse":
                        iters = np.asarray(f(sub))
                        case.update(iterations_mean=float(iters.mean()), iterations_max=int(iters.max()))
                    results["cases"].append(case)
    report(results, "downlink_precoding", args.out)
    return results


if __name__ == "__main__":
    main()

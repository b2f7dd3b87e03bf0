"""System B's model-based precoders (paper B, Figs. 8-9): Dinkelbach + WMMSE (EE), sum-rate
WMMSE (both solve mode, relative tolerance 1e-5 as in the paper) and the MMSE precoder (closed
form), time per scenario.

N_t in {16, 64, 256} (square UPAs) x K in {4, 9, 16, 32}, float32, default scenario otherwise.
Batches of 1 and 64 (``vmap``: a batch runs until its slowest scenario stops); at N_t = 256 the
batch is 16 (each Dinkelbach outer iteration there solves 256 x 256 systems ~10^3 times).
"""

from __future__ import annotations

import math

import jax
import numpy as np

from benchmarks.common import Settings, case, time_jax
from satjax.downlink import DownlinkParams, dinkelbach_wmmse, mmse_precoder, sample_downlink_scenario, wmmse
from satjax.optim import Solve

SUITE = "downlink"
TOL = 1e-5
METHODS = {
    "dinkelbach_wmmse": lambda p: dinkelbach_wmmse(p, mode=Solve(TOL, 30), inner=Solve(TOL, 200))[2].num_iters,
    "wmmse": lambda p: wmmse(p, mode=Solve(TOL, 200))[1].num_iters,
    "mmse": lambda p: mmse_precoder(p.v, p.p_max_w, p.noise_w),             # v as a stand-in channel
}


def run(settings: Settings):
    nt_values, k_values = ((16,), (4,)) if settings.quick else ((16, 64, 256), (4, 9, 16, 32))
    repeats = 2 if settings.quick else max(3, settings.repeats // 2)
    fns = {name: jax.jit(jax.vmap(f)) for name, f in METHODS.items()}
    for nt in nt_values:
        side = math.isqrt(nt)
        batches = (1, 4) if settings.quick else (1, 16 if nt >= 256 else 64)
        for k in k_values:
            params = DownlinkParams(n_h=side, n_v=side, num_users=k)
            keys = jax.random.split(jax.random.key(nt * 100 + k), max(batches))
            problems = jax.vmap(lambda key: sample_downlink_scenario(key, params).problem)(keys)
            for b in batches:
                sub = jax.tree.map(lambda x: x[:b], problems)
                for name, f in fns.items():
                    stats = time_jax(f, sub, repeats=repeats, per=b, settings=settings)     # first use: compile timed
                    extra = {}
                    if name != "mmse":
                        iters = np.asarray(f(sub))
                        extra = {"iterations_mean": float(iters.mean()), "iterations_max": int(iters.max())}
                    yield case(SUITE, name, "satjax", {"N_t": nt, "K": k}, b, stats, **extra)

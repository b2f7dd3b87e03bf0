"""System C: the deterministic-equivalent rate of every candidate (g, k, n) (eqs. (16)-(17),
bisection fixed point) and the dual water-filling P-step of Algorithm 2, against a NumPy
reference of the same rate (written here, same bisection); and the whole of Algorithms 3 and 6
(``satjax.uav.algorithm3`` / ``algorithm6`` in solve mode, one scenario and ``vmap``ped batches)
against their NumPy + SciPy (HiGHS) versions ``benchmarks.reference.numpy_uav`` — both in float64
(the reference's precision), checked equal in tests/uav/test_benchmark_reference.py. The NumPy
versions run the scenarios of a batch one after the other.

Workload: the default ``UavParams()`` (G = 3, K_g = 4, L = 4, N = 8, N_r = 4) in float32,
batches of drops (satjax ``vmap``; NumPy vectorises over the batch axis). Quick mode: G = 2,
K_g = 2, L = 2, N = 3, N_r = 2.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.common import Settings, case, time_eager, time_jax
from benchmarks.reference import numpy_uav
from satjax.uav import UavParams, algorithm3, algorithm6, candidate_rates, initial_point, sample_uav_scenario
from satjax.uav import algorithms as _alg
from satjax.uav.rates import BISECTION_STEPS

SUITE = "uav"


def numpy_candidate_rates(lam, p, noise, num_rx):
    """NumPy reference of :func:`satjax.uav.candidate_rates` for a batch ``lam [B, G, K, L, N]``,
    ``p [B, G, L, N]``, ``noise [B]``."""
    a = np.moveaxis(lam * p[:, :, None] / noise[:, None, None, None, None], 3, 4)      # [B, G, K, N, L]
    lo, hi = np.zeros(a.shape[:-1], a.dtype), np.ones(a.shape[:-1], a.dtype)
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        below = mid + np.sum(a * mid[..., None] / (1 + num_rx * a * mid[..., None]), axis=-1) < 1
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    w = 0.5 * (lo + hi)
    return (np.sum(np.log1p(num_rx * w[..., None] * a), axis=-1) / np.log(2)
            + num_rx * ((w - 1) / np.log(2) - np.log2(w)))


def run(settings: Settings):
    params = (UavParams(num_uavs=2, num_groups=2, users_per_group=2, num_sat_users=2, num_subchannels=3, num_rx_antennas=2)
              if settings.quick else UavParams())
    batches = (4,) if settings.quick else (1, 64, 1024)
    desc = {"G": params.num_groups, "K_g": params.users_per_group, "L": params.num_uavs, "N": params.num_subchannels,
            "N_r": params.num_rx_antennas}
    keys = jax.random.split(jax.random.key(0), max(batches))
    scen = jax.vmap(lambda k: sample_uav_scenario(k, params))(keys)
    x, p, tau = jax.vmap(initial_point)(scen)
    rates = jax.jit(jax.vmap(candidate_rates))
    for b in batches:
        sub = jax.tree.map(lambda a: a[:b], (scen, x, p, tau))
        s_b, x_b, p_b, tau_b = sub
        yield case(SUITE, "candidate_rates", "satjax", desc, b,
                   time_jax(rates, s_b, p_b, repeats=settings.repeats, per=b, settings=settings))
        lam, pn, noise = np.asarray(s_b.lam), np.asarray(p_b), np.asarray(s_b.noise_w)
        yield case(SUITE, "candidate_rates", "numpy", desc, b, time_eager(
            lambda: numpy_candidate_rates(lam, pn, noise, params.num_rx_antennas), repeats=settings.repeats, per=b))
    b = batches[-1] if settings.quick else 64
    s_b, x_b, p_b, tau_b = jax.tree.map(lambda a: a[:b], (scen, x, p, tau))
    w_b = jax.vmap(_alg._slack)(s_b, p_b)
    pstep = jax.jit(jax.vmap(lambda s, xx, t, w, pp: _alg._pstep_sum(s, xx, t, w, pp, 500, 2.0)[0]))
    yield case(SUITE, "power_step_500_dual_iters", "satjax", desc, b,
               time_jax(pstep, s_b, x_b, tau_b, w_b, p_b, repeats=max(2, settings.repeats // 2), per=b, settings=settings))
    yield from _bcd_cases(params, desc, settings)


def _bcd_cases(params, desc, settings: Settings) -> list[dict]:
    """Algorithms 3 and 6 (defaults: at most 10 BCD iterations, tol 1e-4) in float64, satjax and
    NumPy/SciPy, on batches of 1 and ``(2 if quick else 8)`` scenarios (and 64 for satjax alone)."""
    batches = (1, 2) if settings.quick else (1, 8, 64)
    repeats_np = max(2, settings.repeats // 3)
    out = []
    with jax.enable_x64(True):                                     # computed inside, yielded outside the context
        keys = jax.random.split(jax.random.key(1), max(batches))
        scen = jax.vmap(lambda k: sample_uav_scenario(k, params, jnp.float64))(keys)
        for name, solve, reference in (("algorithm3", algorithm3, numpy_uav.algorithm3),
                                       ("algorithm6", algorithm6, numpy_uav.algorithm6)):
            solve_batch = jax.jit(jax.vmap(solve))
            for b in batches:
                if b == 1:
                    stats = time_jax(jax.jit(solve), jax.tree.map(lambda a: a[0], scen), repeats=settings.repeats,
                                     settings=settings)
                else:
                    stats = time_jax(solve_batch, jax.tree.map(lambda a, b=b: a[:b], scen), repeats=settings.repeats,
                                     per=b, settings=settings)
                out.append(case(SUITE, name, "satjax", desc, b, stats))
                if b <= 8:
                    arrays = [numpy_uav.scenario_arrays(jax.tree.map(lambda a, i=i: a[i], scen)) for i in range(b)]
                    out.append(case(SUITE, name, "numpy", desc, b, time_eager(
                        lambda arrays=arrays, reference=reference: [reference(a) for a in arrays],
                        repeats=repeats_np, per=b)))
    return out

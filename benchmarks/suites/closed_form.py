"""System A: closed-form SINR (Theorem 1) against NumPy and PyTorch, its scaling in K, M, N with
XLA's FLOP count (roofline), and Monte Carlo realizations per second.

Headline workload: K = 50 users, M = 40 APs, N = 25 satellite antennas (5 x 5), tau_p = 25,
float32/complex64 in every implementation, batches of scenarios (satjax ``vmap``; the references
vectorize over the batch axis). Scaling: K up to 1000, M up to 400, N up to 256 at batch 1, and
the corner K = 1000, M = 400, N = 256.
"""

from __future__ import annotations

import math

import jax
import numpy as np

from benchmarks.common import Settings, case, time_eager, time_jax, torch_compiled
from benchmarks.reference import numpy_uplink
from benchmarks.reference.convert import plain_arrays
from satjax.uplink import UplinkParams, closed_form_sinr, monte_carlo_sinr, sample_uplink_scenarios

SUITE = "closed_form"


def _params(k, m, n, tau_p):
    side = math.isqrt(n)
    return UplinkParams(num_users=k, num_aps=m, n_v=side, n_h=side, tau_p=tau_p)


def _torch_fns(settings: Settings):
    try:
        from benchmarks.reference import torch_uplink
    except ImportError:
        return {}
    fns = {"torch": torch_uplink.closed_form_sinr}
    if settings.torch_compile and not settings.quick:
        fns["torch.compile"] = torch_compiled(torch_uplink.closed_form_sinr)
    return fns


def compare(k, m, n, tau_p, batches, settings: Settings, name: str, seed: int = 0, repeats: int | None = None):
    """satjax, NumPy and PyTorch on the same scenarios for every batch size; yields cases."""
    repeats = repeats or settings.repeats
    params = _params(k, m, n, tau_p)
    desc = {"K": k, "M": m, "N": n, "tau_p": tau_p}
    scen = sample_uplink_scenarios(jax.random.key(seed), params, max(batches))
    rho = 0.5 * scen.p_max_w
    f = jax.jit(jax.vmap(closed_form_sinr))
    torch_fns = _torch_fns(settings)
    for b in batches:
        sub, r = jax.tree.map(lambda x: x[:b], scen), rho[:b]
        yield case(SUITE, name, "satjax", desc, b, time_jax(f, sub.stats, r, repeats=repeats, per=b, settings=settings,
                                                           roofline=True))
        (beta, g, rs, pilot, _), scalars = plain_arrays(sub.stats, sub.p_max_w, "numpy")
        rn = np.asarray(r)
        yield case(SUITE, name, "numpy", desc, b, time_eager(
            lambda: numpy_uplink.closed_form_sinr(beta, g, rs, pilot, rn, **scalars), repeats=repeats, per=b))
        if torch_fns:
            import torch

            targs, _ = plain_arrays(sub.stats, sub.p_max_w, "torch")
            rt = torch.from_numpy(np.array(rn)).to(targs[0].device)
            for impl, fn in torch_fns.items():
                with torch.no_grad():
                    stats = time_eager(lambda fn=fn: fn(*targs[:4], rt, **scalars), repeats=repeats, per=b)
                yield case(SUITE, name, impl, desc, b, stats)
        del sub


def monte_carlo(settings: Settings):
    """Monte Carlo SINR (eq. (20) by sampling channels, estimates and MRC): realizations/s."""
    params = UplinkParams()                                            # K = 20, M = 40, N = 25
    sc = jax.tree.map(lambda x: x[0], sample_uplink_scenarios(jax.random.key(1), params, 1))
    ns = 500 if settings.quick else 10_000
    g = jax.jit(lambda key, st, r: monte_carlo_sinr(key, st, r, num_samples=ns))
    stats = time_jax(g, jax.random.key(2), sc.stats, sc.p_max_w, repeats=max(2, settings.repeats // 3), settings=settings)
    stats["realizations_per_s"] = ns / stats["median_s"]
    yield case(SUITE, "monte_carlo", "satjax", {"K": 20, "M": 40, "N": 25, "samples": ns}, 1, stats)


def run(settings: Settings):
    if settings.quick:
        yield from compare(10, 8, 4, 5, (1, 8), settings, "closed_form")
        yield from monte_carlo(settings)
        return
    yield from compare(50, 40, 25, 25, (1, 64, 256), settings, "closed_form")
    scaling = [(200, 40, 25), (1000, 40, 25), (50, 100, 25), (50, 400, 25), (50, 40, 64), (50, 40, 256)]
    for k, m, n in scaling:
        yield from compare(k, m, n, 25, (1,), settings, "scaling")
    yield from compare(1000, 400, 256, 25, (1,), settings, "scaling", repeats=1)     # minutes per NumPy call
    yield from monte_carlo(settings)

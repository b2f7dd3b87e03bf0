"""Random small system-A statistics covering every regime the closed form must handle."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from satjax.uplink import ChannelStats

REGIMES = ("generic", "rayleigh_sat", "los_dominant", "correlated", "orthogonal_pilots")


def random_stats(seed: int, regime: str = "generic", *, m: int = 5, k: int = 4, n_v: int = 2, n_h: int = 2,
                 noise_scale: float = 1.0) -> tuple[ChannelStats, np.ndarray]:
    """Small random statistics and data powers in JAX's default float dtype (float64 inside
    ``jax.enable_x64(True)``). ``noise_scale`` scales every channel power and noise together
    (the SINR must not change)."""
    rng = np.random.default_rng(seed)
    n = n_v * n_h
    tau_p = k if regime == "orthogonal_pilots" else max(1, k // 2)
    beta_ap = rng.lognormal(mean=0.0, sigma=1.0, size=(m, k))
    los_scale = {"rayleigh_sat": 0.0, "los_dominant": 3.0}.get(regime, 0.7)
    g_bar = los_scale * (rng.standard_normal((k, n)) + 1j * rng.standard_normal((k, n))) / np.sqrt(2)
    r = []
    for _ in range(k):
        if regime == "correlated":
            a = rng.standard_normal((n, 1)) + 1j * rng.standard_normal((n, 1))
            rk = a @ a.conj().T + 1e-3 * np.eye(n)
        else:
            a = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
            rk = a @ a.conj().T / n
        if regime == "los_dominant":
            rk = 0.05 * rk
        r.append(0.5 * (rk + rk.conj().T))
    r_sat = np.stack(r)
    pilot = np.arange(k) % tau_p
    rho = rng.uniform(0.2, 1.5, size=k)
    s = noise_scale
    stats = ChannelStats.from_arrays(
        jnp.asarray(s * beta_ap), jnp.asarray(np.sqrt(s) * g_bar), jnp.asarray(s * r_sat), jnp.asarray(pilot),
        pilot_power=jnp.asarray(rng.uniform(0.5, 2.0)), tau_p=tau_p,
        noise_ap=jnp.asarray(s * 1.0), noise_sat=jnp.asarray(s * rng.uniform(0.5, 2.0)),
    )
    return stats, jnp.asarray(rho)


def stats_arrays(stats: ChannelStats) -> dict:
    """Keyword arguments of :meth:`ChannelStats.from_arrays` for ``stats``."""
    return dict(pilot_power=stats.pilot_power, tau_p=stats.tau_p, noise_ap=stats.noise_ap, noise_sat=stats.noise_sat)


def positional(stats: ChannelStats):
    return stats.beta_ap, stats.g_bar, stats.r_sat, stats.pilot


def split_keys(key, num):
    return jax.random.split(key, num)


def permute_users(stats: ChannelStats, perm) -> ChannelStats:
    """The same scenario with users relabelled: user i of the result is user perm[i]."""
    return stats.__class__(
        beta_ap=stats.beta_ap[:, perm], g_bar=stats.g_bar[perm], r_sat=stats.r_sat[perm], pilot=stats.pilot[perm],
        pilot_power=stats.pilot_power, noise_ap=stats.noise_ap, noise_sat=stats.noise_sat,
        user_mask=stats.user_mask[perm], ap_mask=stats.ap_mask, tau_p=stats.tau_p,
    )

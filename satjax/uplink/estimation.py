"""MMSE channel estimation with pilot reuse (paper A, Lemma 1, eqs. (6)-(11))."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._linalg import inv
from satjax._numerics import safe_sqrt
from satjax._types import Array, ArrayLike, Complex, Float
from satjax.uplink.pilots import pilot_sharing
from satjax.uplink.statistics import ChannelStats

__all__ = ["MMSEStats", "mmse_statistics", "mmse_estimate"]


class MMSEStats(eqx.Module):
    r"""Statistics of the MMSE estimates (Lemma 1).

    Attributes:
        c: ``[M, K]`` AP estimator gains $c_{mk}$, eq. (7).
        c_unit: ``[M, K]`` $c_{mk}/\sqrt{p\tau_p}$ — the gain without the pilot amplitude, so
            products like $\sqrt{p\tau_p}c_{mk}$ are written $p\tau_p\,c^{unit}_{mk}$
            and stay differentiable at $p = 0$.
        gamma: ``[M, K]`` estimate variances $\gamma_{mk} = \mathbb{E}|\hat g_{mk}|^2$, eq. (8).
        phi_r: ``[K, N, N]`` $\boldsymbol{\Phi}_k\mathbf{R}_k$, with
            $\boldsymbol{\Phi}_k = (\sum_{k'\in\mathcal{P}_k} p\tau_p\mathbf{R}_{k'} + \sigma_s^2\mathbf{I})^{-1}$.
        psi: ``[K, N, N]`` covariance $p\tau_p\mathbf{R}_k\boldsymbol{\Phi}_k\mathbf{R}_k$
            of the satellite estimate around its mean, eq. (10).
        sharing: ``[K, K]`` bool pilot-reuse indicator, eq. (1).
    """

    c: Float[ArrayLike, "M K"]
    c_unit: Float[ArrayLike, "M K"]
    gamma: Float[ArrayLike, "M K"]
    phi_r: Complex[ArrayLike, "K N N"]
    psi: Complex[ArrayLike, "K N N"]
    sharing: Array


def mmse_statistics(stats: ChannelStats) -> MMSEStats:
    r"""Estimator gains and estimate covariances of Lemma 1.

    AP side, eqs. (7)-(8) (eq. (8) as printed has $\sigma_s^2$ in the denominator; the AP
    noise $\sigma_a^2$ is right, see docs/deviations.md D2):

    $$
    c_{mk} = \frac{\sqrt{p\tau_p}\,\beta_{mk}}{\sum_{k'\in\mathcal{P}_k} p\tau_p\beta_{mk'} + \sigma_a^2},
    \qquad \gamma_{mk} = \sqrt{p\tau_p}\,\beta_{mk}\,c_{mk}.
    $$

    Satellite side, eqs. (9)-(10): $\boldsymbol{\Psi}_k = p\tau_p\mathbf{R}_k\boldsymbol{\Phi}_k\mathbf{R}_k$.

    Args:
        stats: the ``ChannelStats`` (pilot indices out of ``[0, tau_p)`` raise, also under ``jit``).

    Returns:
        ``MMSEStats``: ``c``, ``c_unit``, ``gamma`` ``[M, K]``, ``phi_r``, ``psi`` ``[K, N, N]``
        (complex) and the pilot-reuse indicator ``sharing [K, K]`` (bool), in the units of
        ``stats``.
    """
    ptau = stats.pilot_power * stats.tau_p
    # out-of-range pilots would be dropped by the segment sum and clamped by the gather: plausible
    # numbers from a wrong input. Checked at run time (also under jit; free when the result is
    # dead code, and one comparison otherwise).
    pilot = eqx.error_if(stats.pilot, jnp.any(stats.user_mask & ((stats.pilot < 0) | (stats.pilot >= stats.tau_p))),
                         f"pilot indices must be in [0, tau_p) = [0, {stats.tau_p})")
    stats = eqx.tree_at(lambda s: s.pilot, stats, pilot)
    s = pilot_sharing(stats.pilot, stats.user_mask)
    sf = s.astype(stats.beta_ap.dtype)
    denom_ap = ptau * stats.beta_ap @ sf + stats.noise_ap                      # [M, K] (S symmetric)
    c_unit = stats.beta_ap / denom_ap
    c = safe_sqrt(ptau) * c_unit                     # sqrt(p tau_p) beta / denom, eq. (7)
    gamma = ptau * stats.beta_ap * c_unit            # sqrt(p tau_p) beta c, eq. (8), without sqrt(.)^2
    # Satellite: one received-pilot covariance per pilot (users sharing a pilot share Phi_k),
    # inverted once per pilot (tau_p inverses instead of K solves; Q built by a segment sum, not
    # a K x K x N^2 product), one matrix at a time on CPU (satjax._linalg: the XLA:CPU stall).
    n = stats.num_antennas
    eye = jnp.eye(n, dtype=stats.r_sat.dtype)
    r_real = jnp.where(stats.user_mask[:, None, None], stats.r_sat, 0)
    q = ptau * jax.ops.segment_sum(r_real, stats.pilot, num_segments=stats.tau_p) + stats.noise_sat * eye[None]
    q_inv = inv(q)                                                               # [P, N, N], Phi per pilot
    phi_r = q_inv[stats.pilot] @ stats.r_sat                                     # Phi_k R_k
    psi = ptau * stats.r_sat @ phi_r
    psi = 0.5 * (psi + jnp.conj(jnp.swapaxes(psi, -1, -2)))                    # exact Hermitian symmetry
    return MMSEStats(c=c, c_unit=c_unit, gamma=gamma, phi_r=phi_r, psi=psi, sharing=s)


def mmse_estimate(
    stats: ChannelStats,
    mmse: MMSEStats,
    y_ap: Complex[ArrayLike, "M K"],
    y_sat: Complex[ArrayLike, "K N"],
) -> tuple[Complex[ArrayLike, "M K"], Complex[ArrayLike, "K N"]]:
    r"""MMSE estimates from the projected pilot signals, eqs. (6) and (9).

    $$
    \hat g_{mk} = c_{mk}\, y_{pmk}, \qquad
    \hat{\mathbf{g}}_k = \bar{\mathbf{g}}_k + \sqrt{p\tau_p}\,\mathbf{R}_k\boldsymbol{\Phi}_k
    \big(\mathbf{y}_{pk} - \sqrt{p\tau_p}\textstyle\sum_{k'\in\mathcal{P}_k}\bar{\mathbf{g}}_{k'}\big)
    $$

    (eq. (9) as printed writes the pilot-signal mean as $\sum p\tau_p\bar{\mathbf g}_k$;
    the mean of eq. (5) is the expression above, docs/deviations.md D1).

    Args:
        stats: the ``ChannelStats``.
        mmse: ``mmse_statistics(stats)``.
        y_ap: ``[M, K]`` $y_{pmk}$, AP pilot signals projected on each user's pilot, eq. (3).
        y_sat: ``[K, N]`` $\mathbf{y}_{pk}$, satellite pilot signals projected, eq. (5).

    Returns:
        ``(g_ap_hat, g_sat_hat)``: complex estimates ``[M, K]`` and ``[K, N]`` (amplitude units
        of the statistics).
    """
    sqrt_ptau = safe_sqrt(stats.pilot_power * stats.tau_p)
    g_ap_hat = mmse.c.astype(y_ap.dtype) * y_ap
    y_mean = sqrt_ptau * mmse.sharing.astype(stats.g_bar.dtype) @ stats.g_bar           # [K, N]
    r_phi = jnp.conj(jnp.swapaxes(mmse.phi_r, -1, -2))                                   # R_k Phi_k
    g_sat_hat = stats.g_bar + sqrt_ptau * jnp.einsum("kij,kj->ki", r_phi, y_sat - y_mean)
    return g_ap_hat, g_sat_hat

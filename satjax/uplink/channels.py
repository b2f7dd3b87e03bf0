"""Small-scale fading and pilot-signal samplers of system A (paper A, eqs. (2)-(5))."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from satjax._linalg import hermitian_sqrt
from satjax._numerics import safe_sqrt
from satjax._types import ArrayLike, Complex, PRNGKeyArray
from satjax.uplink.pilots import pilot_book
from satjax.uplink.statistics import ChannelStats

__all__ = ["hermitian_sqrt", "sample_channels", "sample_pilot_signals"]


def _cn(key, shape, dtype):
    """Standard circularly-symmetric complex Gaussian CN(0, 1) samples."""
    return jax.random.normal(key, shape, dtype)


def sample_channels(
    key: PRNGKeyArray, stats: ChannelStats, r_sqrt: Complex[ArrayLike, "K N N"]
) -> tuple[Complex[ArrayLike, "M K"], Complex[ArrayLike, "K N"]]:
    r"""One realization of the AP and satellite channels.

    $g_{mk} \sim \mathcal{CN}(0, \beta_{mk})$ (Rayleigh) and
    $\mathbf{g}_k = \bar{\mathbf{g}}_k + \mathbf{R}_k^{1/2}\mathbf{w}_k$ (Rician), Sec. II.
    ``r_sqrt`` is ``hermitian_sqrt`` of ``stats.r_sat``, computed once per scenario.

    Args:
        key: PRNG key of this realization.
        stats: the ``ChannelStats`` (gains linear, covariances in the unit of the statistics).
        r_sqrt: ``[K, N, N]`` complex Hermitian square roots of ``stats.r_sat``.

    Returns:
        ``(g_ap, g_sat)``: AP channels ``[M, K]`` and satellite channels ``[K, N]`` (complex,
        amplitude: square root of the statistics' power unit).
    """
    k_ap, k_sat = jax.random.split(key)
    cdt = stats.g_bar.dtype
    g_ap = safe_sqrt(stats.beta_ap).astype(cdt) * _cn(k_ap, stats.beta_ap.shape, cdt)
    w = _cn(k_sat, stats.g_bar.shape, cdt)
    g_sat = stats.g_bar + jnp.einsum("kij,kj->ki", r_sqrt, w)
    return g_ap, g_sat


def sample_pilot_signals(
    key: PRNGKeyArray, stats: ChannelStats, g_ap: Complex[ArrayLike, "M K"], g_sat: Complex[ArrayLike, "K N"]
) -> tuple[Complex[ArrayLike, "M K"], Complex[ArrayLike, "K N"]]:
    r"""Received pilot signals, projected on each user's pilot.

    Builds $\mathbf{y}_{pm}^T = \sum_k \sqrt{p\tau_p} g_{mk}\boldsymbol\phi_k^H + \mathbf{w}_{pm}^H$
    (eq. (2)) and $\mathbf{Y}_p = \sum_k\sqrt{p\tau_p}\mathbf{g}_k\boldsymbol\phi_k^H + \mathbf{W}_p$
    (eq. (4)) with the DFT pilot book, then projects on $\boldsymbol\phi_k$ (eqs. (3), (5)).

    Args:
        key: PRNG key of the pilot noise.
        stats: the ``ChannelStats`` (pilot power and noise variances [W] or the normalized unit).
        g_ap: ``[M, K]`` complex AP channels (``sample_channels``).
        g_sat: ``[K, N]`` complex satellite channels.

    Returns:
        ``y_ap [M, K]`` and ``y_sat [K, N]`` (complex, amplitude units of the statistics).
    """
    k_ap, k_sat = jax.random.split(key)
    cdt = stats.g_bar.dtype
    m, n, tau_p = stats.num_aps, stats.num_antennas, stats.tau_p
    sqrt_ptau = safe_sqrt(stats.pilot_power * tau_p).astype(cdt)
    phi = pilot_book(tau_p, cdt)[:, stats.pilot]                                    # [P, K]
    noise_ap = jnp.sqrt(stats.noise_ap).astype(cdt) * _cn(k_ap, (m, tau_p), cdt)
    noise_sat = jnp.sqrt(stats.noise_sat).astype(cdt) * _cn(k_sat, (n, tau_p), cdt)
    y_ap_full = sqrt_ptau * g_ap @ jnp.conj(phi.T) + noise_ap                       # [M, P], eq. (2)
    y_sat_full = sqrt_ptau * g_sat.T @ jnp.conj(phi.T) + noise_sat                  # [N, P], eq. (4)
    return y_ap_full @ phi, (y_sat_full @ phi).T

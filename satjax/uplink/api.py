"""Plain-array entry points of system A for users who bring their own channel statistics.

These are the validated boundary of the package: shapes, dtypes and ranges are checked here
(value checks only on concrete inputs, so the functions still work under ``jit``, ``vmap`` and
``grad``), then the pure scenario-object functions do the work.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from satjax._checks import (
    check_choice,
    check_finite,
    check_int_range,
    check_ndim,
    check_nonnegative,
    check_positive,
    check_shape,
    is_concrete,
)
from satjax._types import complex_dtype
from satjax.uplink.monte_carlo import sinr_monte_carlo
from satjax.uplink.power_control import SCHEDULING_THRESHOLD, algorithm1_solve
from satjax.uplink.sinr import LINKS, sinr_closed_form
from satjax.uplink.statistics import ChannelStats

__all__ = ["make_channel_stats", "closed_form_sinr", "monte_carlo_sinr", "algorithm1", "pad_stats"]


def make_channel_stats(
    beta_ap,
    g_bar,
    r_sat,
    pilot,
    *,
    pilot_power,
    tau_p: int,
    noise_ap,
    noise_sat,
    user_mask=None,
    ap_mask=None,
) -> ChannelStats:
    """Validate plain arrays and bundle them as :class:`ChannelStats`.

    Raises ``ValueError`` naming the parameter for wrong shapes, ``K = 0``, ``M = 0``,
    ``tau_p < 1``, pilots outside ``[0, tau_p)``, negative/NaN gains or powers, non-positive
    noise, or a non-Hermitian ``r_sat``.
    """
    check_int_range("tau_p", tau_p, 1)
    check_ndim("beta_ap", beta_ap, 2, "[M, K]")
    m, k = np.shape(beta_ap)
    if k == 0:
        raise ValueError("beta_ap has K = 0 users: need at least one user")
    if m == 0:
        raise ValueError("beta_ap has M = 0 APs: need at least one AP (use link='space' to ignore them)")
    check_ndim("g_bar", g_bar, 2, "[K, N]")
    n = np.shape(g_bar)[1]
    if n == 0:
        raise ValueError("g_bar has N = 0 antennas: need at least one")
    check_shape("g_bar", g_bar, (k, n))
    check_shape("r_sat", r_sat, (k, n, n))
    check_shape("pilot", pilot, (k,))
    for name, x in (("pilot_power", pilot_power), ("noise_ap", noise_ap), ("noise_sat", noise_sat)):
        check_shape(name, x, ())
    check_nonnegative("beta_ap", beta_ap)
    check_finite("g_bar", g_bar)
    check_finite("r_sat", r_sat)
    check_nonnegative("pilot_power", pilot_power, "W")
    check_positive("noise_ap", noise_ap, "W")
    check_positive("noise_sat", noise_sat, "W")
    if not jnp.issubdtype(jnp.asarray(pilot).dtype, jnp.integer):
        raise ValueError(f"pilot must hold integers, got dtype {jnp.asarray(pilot).dtype}")
    if is_concrete(pilot):
        p = np.asarray(pilot)
        if p.min() < 0 or p.max() >= tau_p:
            raise ValueError(f"pilot indices must be in [0, tau_p) = [0, {tau_p}), got range [{p.min()}, {p.max()}]")
    if is_concrete(r_sat):
        r = np.asarray(r_sat)
        scale = max(float(np.abs(r).max()), np.finfo(np.float64).tiny)
        if np.abs(r - np.conj(np.swapaxes(r, -1, -2))).max() > 1e-4 * scale:
            raise ValueError("r_sat must be Hermitian: r_sat[k] == r_sat[k].conj().T for every user k")
    user_mask = jnp.ones((k,), bool) if user_mask is None else jnp.asarray(user_mask, bool)
    ap_mask = jnp.ones((m,), bool) if ap_mask is None else jnp.asarray(ap_mask, bool)
    check_shape("user_mask", user_mask, (k,))
    check_shape("ap_mask", ap_mask, (m,))

    rdt = jnp.result_type(jnp.asarray(beta_ap).dtype, jnp.real(jnp.asarray(g_bar)).dtype, jnp.real(jnp.asarray(r_sat)).dtype)
    if not jnp.issubdtype(rdt, jnp.floating):
        rdt = jnp.result_type(float)
    cdt = complex_dtype(rdt)
    return ChannelStats(
        beta_ap=jnp.asarray(beta_ap, rdt),
        g_bar=jnp.asarray(g_bar, cdt),
        r_sat=jnp.asarray(r_sat, cdt),
        pilot=jnp.asarray(pilot, jnp.int32),
        pilot_power=jnp.asarray(pilot_power, rdt),
        noise_ap=jnp.asarray(noise_ap, rdt),
        noise_sat=jnp.asarray(noise_sat, rdt),
        user_mask=user_mask,
        ap_mask=ap_mask,
        tau_p=tau_p,
    )


def _check_rho(rho, k, dtype):
    check_shape("rho", rho, (k,))
    check_nonnegative("rho", rho, "W")
    return jnp.asarray(rho, dtype)


_sinr_closed_form_jit = eqx.filter_jit(sinr_closed_form)


def closed_form_sinr(
    beta_ap,
    g_bar,
    r_sat,
    pilot,
    rho,
    *,
    pilot_power,
    tau_p: int,
    noise_ap,
    noise_sat,
    link: str = "space_ground",
    user_mask=None,
    ap_mask=None,
):
    r"""Closed-form ergodic SINR with MRC, paper A Theorem 1 (eqs. (22)-(28), corrected).

    Args:
        beta_ap: real ``[M, K]`` AP large-scale fading :math:`\beta_{mk}` (linear).
        g_bar: complex ``[K, N]`` satellite LoS means :math:`\bar{\mathbf g}_k`.
        r_sat: complex Hermitian PSD ``[K, N, N]`` satellite covariances :math:`\mathbf R_k`.
        pilot: int ``[K]`` pilot index of each user in ``[0, tau_p)``.
        rho: real ``[K]`` data powers :math:`\rho_k` [W].
        pilot_power: pilot power per symbol ``p`` [W].
        tau_p: pilot length (number of orthonormal pilots).
        noise_ap: AP noise variance :math:`\sigma_a^2` [W] (> 0).
        noise_sat: satellite noise variance :math:`\sigma_s^2` [W] (> 0).
        link: ``"space_ground"`` (eq. (22)), ``"space"`` (eq. (26)) or ``"ground"`` (eq. (25)).
        user_mask, ap_mask: optional bool ``[K]``, ``[M]``; False marks padding.

    Returns:
        ``[K]`` SINR (linear), in the input's float dtype; 0 for padded users.
    """
    check_choice("link", link, LINKS)
    stats = make_channel_stats(
        beta_ap, g_bar, r_sat, pilot, pilot_power=pilot_power, tau_p=tau_p,
        noise_ap=noise_ap, noise_sat=noise_sat, user_mask=user_mask, ap_mask=ap_mask,
    )
    return _sinr_closed_form_jit(stats, _check_rho(rho, stats.num_users, stats.beta_ap.dtype), link)


def monte_carlo_sinr(
    key,
    beta_ap,
    g_bar,
    r_sat,
    pilot,
    rho,
    *,
    pilot_power,
    tau_p: int,
    noise_ap,
    noise_sat,
    link: str = "space_ground",
    num_samples: int = 10_000,
    chunk_size: int = 1024,
    user_mask=None,
    ap_mask=None,
):
    """Monte Carlo estimate of the effective SINR of eq. (20) with MRC (same arguments as
    :func:`closed_form_sinr`, plus a PRNG key and the number of realizations)."""
    check_choice("link", link, LINKS)
    check_int_range("num_samples", num_samples, 1)
    check_int_range("chunk_size", chunk_size, 1)
    stats = make_channel_stats(
        beta_ap, g_bar, r_sat, pilot, pilot_power=pilot_power, tau_p=tau_p,
        noise_ap=noise_ap, noise_sat=noise_sat, user_mask=user_mask, ap_mask=ap_mask,
    )
    rho = _check_rho(rho, stats.num_users, stats.beta_ap.dtype)
    return sinr_monte_carlo(key, stats, rho, num_samples=num_samples, chunk_size=chunk_size, link=link)


_algorithm1_jit = eqx.filter_jit(algorithm1_solve)


def algorithm1(
    beta_ap,
    g_bar,
    r_sat,
    pilot,
    p_max,
    *,
    pilot_power,
    tau_p: int,
    noise_ap,
    noise_sat,
    link: str = "space_ground",
    tol: float = 1e-6,
    max_iters: int = 1000,
    threshold: float = SCHEDULING_THRESHOLD,
    rho_init=None,
    user_mask=None,
    ap_mask=None,
):
    r"""Paper A, Algorithm 1: sum-throughput power control and user scheduling (eqs. (29)-(44)).

    Same channel arguments as :func:`closed_form_sinr`, plus:

    Args:
        p_max: real ``[K]`` power budgets :math:`P_{\max,k}` [W] (>= 0).
        tol: relative tolerance of the stopping rule (43) on the sum rate (> 0).
        max_iters: iteration cap (>= 1).
        threshold: user k is scheduled when :math:`\rho_k > \theta P_{\max,k}`, eq. (44), in (0, 1).
        rho_init: optional ``[K]`` starting powers [W] (clipped to the budgets); full power if None.

    Returns:
        ``(rho, scheduled, trace)``: powers ``[K]`` [W], bool ``[K]`` scheduled set, and an
        :class:`satjax.optim.IterationTrace` whose ``objective`` ``[max_iters + 1]`` is the sum
        spectral efficiency :math:`\sum_k\log_2(1+\mathrm{SINR}_k)` [bit/s/Hz] at the start and
        after every iteration (multiply by ``B (1 - tau_p/tau_c)`` for bit/s), with ``num_iters``
        and ``converged``.
    """
    check_choice("link", link, LINKS)
    check_positive("tol", tol)
    check_int_range("max_iters", max_iters, 1)
    check_positive("threshold", threshold)
    if threshold >= 1:
        raise ValueError(f"threshold must be in (0, 1) (a fraction of p_max), got {threshold}")
    stats = make_channel_stats(
        beta_ap, g_bar, r_sat, pilot, pilot_power=pilot_power, tau_p=tau_p,
        noise_ap=noise_ap, noise_sat=noise_sat, user_mask=user_mask, ap_mask=ap_mask,
    )
    rdt = stats.beta_ap.dtype
    p_max = jnp.asarray(p_max, rdt)
    check_shape("p_max", p_max, (stats.num_users,))
    check_nonnegative("p_max", p_max, "W")
    if rho_init is not None:
        rho_init = _check_rho(rho_init, stats.num_users, rdt)
    res = _algorithm1_jit(stats, p_max, link=link, tol=float(tol), max_iters=max_iters,
                          rho_init=rho_init, threshold=float(threshold))
    return res.rho, res.scheduled, res.trace


def pad_stats(stats: ChannelStats, num_users: int, num_aps: int) -> ChannelStats:
    """Pad statistics to ``num_users`` users and ``num_aps`` APs with masked entries.

    Padded entries hold zeros (pilot 0) and mask False, so they change nothing for real users.
    """
    k, m = stats.num_users, stats.num_aps
    check_int_range("num_users", num_users, k)
    check_int_range("num_aps", num_aps, m)
    dk, dm = num_users - k, num_aps - m
    return ChannelStats(
        beta_ap=jnp.pad(stats.beta_ap, ((0, dm), (0, dk))),
        g_bar=jnp.pad(stats.g_bar, ((0, dk), (0, 0))),
        r_sat=jnp.pad(stats.r_sat, ((0, dk), (0, 0), (0, 0))),
        pilot=jnp.pad(stats.pilot, (0, dk)),
        pilot_power=stats.pilot_power,
        noise_ap=stats.noise_ap,
        noise_sat=stats.noise_sat,
        user_mask=jnp.pad(stats.user_mask, (0, dk)),
        ap_mask=jnp.pad(stats.ap_mask, (0, dm)),
        tau_p=stats.tau_p,
    )

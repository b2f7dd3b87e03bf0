r"""Linear precoders of system B (paper B, baselines of Sec. V), all scaled to the total power
budget :math:`\sum_k \|b_k\|^2 = P_{\max}` (constraint (10b) met with equality).

Instantaneous CSI (``h`` complex ``[N_t, K]``, column k = :math:`h_k`): MRT, ZF, RZF, MMSE.
Statistical CSI: MRT on the array responses :math:`v_k`. Every function is pure and
``jit``/``vmap``/``grad``-able; a common scale keeps the direction of each precoder and splits
the power as the unnormalized precoder does.
"""

from __future__ import annotations

import jax.numpy as jnp

from satjax._types import Array, Complex, Float
from satjax.downlink.rates import transmit_power

__all__ = ["scale_to_power", "mrt", "zero_forcing", "regularized_zero_forcing", "mmse_precoder", "statistical_mrt"]


def scale_to_power(b: Complex[Array, "Nt K"], p_max: Float[Array, ""]) -> Complex[Array, "Nt K"]:
    r"""``b`` times the real scalar that makes :math:`\sum_k \|b_k\|^2 = P_{\max}` (0 stays 0)."""
    p = transmit_power(b)
    scale = jnp.where(p > 0, jnp.sqrt(p_max / jnp.where(p > 0, p, 1)), 0)
    return b * scale.astype(b.dtype)


def mrt(h: Complex[Array, "Nt K"], p_max) -> Complex[Array, "Nt K"]:
    """Maximum-ratio transmission, :math:`b_k \\propto h_k`."""
    return scale_to_power(h, p_max)


def regularized_zero_forcing(h: Complex[Array, "Nt K"], p_max, reg) -> Complex[Array, "Nt K"]:
    r"""RZF: :math:`B \propto H (H^H H + \delta I_K)^{-1}`, ``reg`` = :math:`\delta \ge 0`.

    :math:`\delta \to 0` gives ZF (needs :math:`K \le N_t`); :math:`\delta \to \infty` gives MRT.
    """
    k = h.shape[1]
    a = jnp.conj(h).T @ h + reg * jnp.eye(k, dtype=h.dtype)
    return scale_to_power(h @ jnp.linalg.inv(a), p_max)


def zero_forcing(h: Complex[Array, "Nt K"], p_max) -> Complex[Array, "Nt K"]:
    r"""ZF: :math:`B \propto H (H^H H)^{-1}`, so :math:`h_k^H b_\ell = 0` for :math:`k \ne \ell`
    (needs :math:`K \le N_t` and linearly independent channels)."""
    return regularized_zero_forcing(h, p_max, 0.0)


def mmse_precoder(h: Complex[Array, "Nt K"], p_max, noise) -> Complex[Array, "Nt K"]:
    r"""MMSE (Wiener) precoder: RZF with :math:`\delta = K N_0 / P_{\max}`."""
    return regularized_zero_forcing(h, p_max, h.shape[1] * noise / p_max)


def statistical_mrt(v: Complex[Array, "Nt K"], p_max) -> Complex[Array, "Nt K"]:
    """MRT on the statistical CSI: :math:`b_k \\propto v_k` (equal power per user, as
    :math:`\\|v_k\\|^2 = N_t` for every user)."""
    return scale_to_power(v, p_max)

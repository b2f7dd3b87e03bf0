r"""Linear precoders of system B (paper B, baselines of Sec. V) and the power normalization.

MRT, ZF, RZF, MMSE and statistical MRT are scaled to the total power budget,
$\sum_k \|b_k\|^2 = P_{\max}$ (constraint (10b) met with equality); a common scale keeps the
direction of each precoder and splits the power as the unnormalized precoder does.
``project_to_budget`` is the normalization $\Pi$ of eqs. (14)/(34), used by every learned
precoder: unchanged inside the budget, scaled onto it outside.

Instantaneous CSI: ``h`` complex ``[N_t, K]``, column k = $h_k$. Statistical CSI: MRT on the
array responses $v_k$. Every function is pure and ``jit``/``vmap``/``grad``-able; called on
concrete arrays they check their inputs (``ValueError`` naming the parameter).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from satjax._checks import (
    check_finite,
    check_ndim,
    check_nonnegative,
    check_positive,
    check_real,
    check_shape,
    is_concrete,
)
from satjax._linalg import inv
from satjax._numerics import safe_sqrt
from satjax._types import ArrayLike, Complex, Int, Real
from satjax.downlink.rates import transmit_power

__all__ = ["scale_to_power", "project_to_budget", "mrt", "zero_forcing", "regularized_zero_forcing",
           "mmse_precoder", "statistical_mrt"]


def _check_channels(name: str, h, p_max, *, max_users_le_antennas: bool = False) -> None:
    check_ndim(name, h, 2, "[N_t, K]")
    nt, k = jnp.shape(h)
    if nt == 0 or k == 0:
        raise ValueError(f"{name} must have N_t >= 1 antennas and K >= 1 users, got shape {(nt, k)}")
    if max_users_le_antennas and k > nt:
        raise ValueError(f"{name} has K = {k} users but N_t = {nt} antennas: zero forcing needs K <= N_t "
                         "(use regularized_zero_forcing or mmse_precoder)")
    check_finite(name, h)
    check_real("p_max", p_max)
    check_shape("p_max", p_max, ())
    check_nonnegative("p_max", p_max, "W")


#: Largest max-abs residual |A A^-1 - I| of the Gram inverse accepted under ``jit`` (D74): beyond it the
#: inverse is noise (a rank-deficient H gives NaN or a residual >= 0.5, measured) and the precoder NaN.
INVERSE_RESIDUAL_TOL = 0.1


def _check_gram_invertible(h, reg) -> None:
    r"""On concrete ``h``/``reg``: $H^H H + \delta I$ must be invertible in ``h``'s precision
    (smallest eigenvalue above ``K eps`` times the largest), else a ``ValueError`` naming the
    rank deficiency."""
    if not is_concrete(h, reg):
        return
    hv = np.asarray(h, np.complex128)
    k = hv.shape[1]
    eig = np.linalg.eigvalsh(hv.conj().T @ hv + float(np.asarray(reg)) * np.eye(k))
    eps = float(jnp.finfo(jnp.asarray(h).dtype).eps)
    if eig[0] > k * eps * eig[-1]:
        return
    rank = int(np.linalg.matrix_rank(hv, tol=np.sqrt(k * eps) * np.linalg.norm(hv, 2)))
    if float(np.asarray(reg)) == 0:
        raise ValueError(f"h is rank deficient: rank {rank} < K = {k} users (duplicate, zero or linearly dependent "
                         "user channels), so zero forcing has no solution; use regularized_zero_forcing with reg > 0 "
                         "or mmse_precoder")
    raise ValueError(f"reg = {float(np.asarray(reg)):g} is too small for h of rank {rank} < K = {k}: "
                     f"H^H H + reg I is singular in {jnp.asarray(h).dtype}")


def scale_to_power(b: Complex[ArrayLike, "Nt K"], p_max: Real[ArrayLike, ""]) -> Complex[ArrayLike, "Nt K"]:
    r"""``b`` times the real scalar that makes $\sum_k \|b_k\|^2 = P_{\max}$. An all-zero ``b``
    stays zero; a NaN anywhere gives NaN.

    Args:
        b: ``[N_t, K]`` complex precoders [sqrt(W)].
        p_max: ``[]`` total power $P_{\max}$ [W].

    Returns:
        ``[N_t, K]`` complex precoders with $\sum_k \|b_k\|^2 = P_{\max}$ [sqrt(W)].
    """
    p = transmit_power(b)
    zero = p == 0
    scale = jnp.where(zero, 0, safe_sqrt(p_max / jnp.where(zero, 1, p)))
    return b * scale.astype(b.dtype)


def project_to_budget(b: Complex[ArrayLike, "Nt K"], p_max: Real[ArrayLike, ""]) -> Complex[ArrayLike, "Nt K"]:
    r"""Power normalization $\Pi$ of paper B, eqs. (14) and (34):

    $$
    \Pi(B) = B \cdot \min\!\big(1, \sqrt{P_{\max}/\|B\|_F^2}\big)
    $$

    ``b`` unchanged when it meets the budget, scaled onto it otherwise; always feasible,
    differentiable, and idempotent. NaN input stays NaN.

    Args:
        b: ``[N_t, K]`` complex precoders [sqrt(W)].
        p_max: ``[]`` total power budget $P_{\max}$ [W].

    Returns:
        ``[N_t, K]`` complex precoders [sqrt(W)] with $\sum_k \|b_k\|^2 \le P_{\max}$.
    """
    p = transmit_power(b)
    over = p > p_max
    scale = jnp.where(over, safe_sqrt(p_max / jnp.where(over, p, 1)), 1)
    return b * scale.astype(b.dtype)


def mrt(h: Complex[ArrayLike, "Nt K"], p_max: Real[ArrayLike, ""]) -> Complex[ArrayLike, "Nt K"]:
    """Maximum-ratio transmission, $b_k \\propto h_k$, at the budget ``p_max`` [W].

    Args:
        h: ``[N_t, K]`` complex channels (column k = $h_k$; checked: 2-D, N_t, K >= 1, finite).
        p_max: ``[]`` total power budget $P_{\\max}$ [W] (real, >= 0).

    Returns:
        ``[N_t, K]`` complex precoders [sqrt(W)] with $\\sum_k \\|b_k\\|^2 = P_{\\max}$.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from satjax.downlink import mrt
        >>> key_re, key_im = jax.random.split(jax.random.key(0))
        >>> h = jax.random.normal(key_re, (16, 4)) + 1j * jax.random.normal(key_im, (16, 4))   # [N_t, K]
        >>> b = mrt(h, 10.0)                                          # 10 W
        >>> b.shape, round(float(jnp.sum(jnp.abs(b) ** 2)), 3)       # the whole budget
        ((16, 4), 10.0)
    """
    _check_channels("h", h, p_max)
    return scale_to_power(h, p_max)


def regularized_zero_forcing(h: Complex[ArrayLike, "Nt K"], p_max: Real[ArrayLike, ""],
                             reg: Real[ArrayLike, ""]) -> Complex[ArrayLike, "Nt K"]:
    r"""RZF: $B \propto H (H^H H + \delta I_K)^{-1}$, ``reg`` = $\delta \ge 0$, at the
    budget ``p_max`` [W].

    $\delta \to 0$ gives ZF (needs $K \le N_t$); $\delta \to \infty$ gives MRT.

    On concrete input a Gram matrix $H^H H + \delta I$ that is singular in ``h``'s precision
    (``reg = 0`` with duplicate, zero or dependent channels) raises a ``ValueError``; under ``jit``
    the precoder is NaN when the computed inverse misses $A A^{-1} = I$ by more than
    ``INVERSE_RESIDUAL_TOL`` (never a finite precoder from a garbage inverse).

    Args:
        h: ``[N_t, K]`` complex channels (column k = $h_k$; checked: 2-D, N_t, K >= 1, finite).
        p_max: ``[]`` total power budget $P_{\max}$ [W] (real, >= 0).
        reg: ``[]`` regularization $\delta \ge 0$ [dimensionless, in units of the channel gain].

    Returns:
        ``[N_t, K]`` complex precoders [sqrt(W)] with $\sum_k \|b_k\|^2 = P_{\max}$.
    """
    _check_channels("h", h, p_max)
    check_real("reg", reg)
    check_nonnegative("reg", reg)
    _check_gram_invertible(h, reg)
    h = jnp.asarray(h)
    k = h.shape[1]
    eye = jnp.eye(k, dtype=h.dtype)
    a = jnp.conj(h).T @ h + reg * eye
    a_inv = inv(a)
    ok = jnp.max(jnp.abs(a @ a_inv - eye)) < INVERSE_RESIDUAL_TOL                  # False for NaN too
    return jnp.where(ok, scale_to_power(h @ a_inv, p_max), jnp.nan)


def zero_forcing(h: Complex[ArrayLike, "Nt K"], p_max: Real[ArrayLike, ""]) -> Complex[ArrayLike, "Nt K"]:
    r"""ZF: $B \propto H (H^H H)^{-1}$, so $h_k^H b_\ell = 0$ for $k \ne \ell$
    (needs $K \le N_t$ and linearly independent channels).

    Args:
        h: ``[N_t, K]`` complex channels (column k = $h_k$; checked: 2-D, N_t, K >= 1, finite).
        p_max: ``[]`` total power budget $P_{\max}$ [W] (real, >= 0).

    Returns:
        ``[N_t, K]`` complex precoders [sqrt(W)] with $\sum_k \|b_k\|^2 = P_{\max}$.
    """
    _check_channels("h", h, p_max, max_users_le_antennas=True)
    return regularized_zero_forcing(h, p_max, 0.0)


def mmse_precoder(h: Complex[ArrayLike, "Nt K"], p_max: Real[ArrayLike, ""], noise: Real[ArrayLike, ""],
                  num_users: Int[ArrayLike, ""] | int | None = None) -> Complex[ArrayLike, "Nt K"]:
    r"""MMSE (Wiener) precoder: RZF with $\delta = K N_0 / P_{\max}$ (``p_max > 0``, ``noise >= 0``).

    ``num_users`` is the number $K$ of real users in $\delta$ (default: the columns of ``h``;
    for a padded problem pass the count of its user mask, so padding changes nothing).

    Args:
        h: ``[N_t, K]`` complex channels (column k = $h_k$; checked: 2-D, N_t, K >= 1, finite).
        p_max: ``[]`` total power budget $P_{\max}$ [W] (real, > 0).
        noise: ``[]`` noise power $N_0 \ge 0$ [W].
        num_users: optional ``[]`` integer number $K$ of real users, a Python int or an integer
            array, in ``[0, h.shape[1]]`` (default: ``h``'s columns).

    Returns:
        ``[N_t, K]`` complex precoders [sqrt(W)] with $\sum_k \|b_k\|^2 = P_{\max}$.
    """
    _check_channels("h", h, p_max)
    check_positive("p_max", p_max, "W")
    check_real("noise", noise)
    check_nonnegative("noise", noise, "W")
    if num_users is None:
        k = np.shape(h)[1]
    else:
        k = num_users
        if np.ndim(k) != 0 or not jnp.issubdtype(jnp.result_type(k), jnp.integer):        # a bool is no integer
            raise ValueError(f"num_users must be an integer scalar (a Python int or an integer array of shape ()), "
                             f"got {k!r}")
        if is_concrete(k) and not 0 <= int(k) <= np.shape(h)[1]:
            raise ValueError(f"num_users must be an integer in [0, K] = [0, {np.shape(h)[1]}] (the real users among "
                             f"h's columns), got {int(k)}")
    return regularized_zero_forcing(h, p_max, k * noise / p_max)


def statistical_mrt(v: Complex[ArrayLike, "Nt K"], p_max: Real[ArrayLike, ""]) -> Complex[ArrayLike, "Nt K"]:
    """MRT on the statistical CSI: $b_k \\propto v_k$ (equal power per user, as
    $\\|v_k\\|^2 = N_t$ for every user).

    Args:
        v: ``[N_t, K]`` complex array responses (column k = $v_k$; checked: 2-D, N_t, K >= 1, finite).
        p_max: ``[]`` total power budget $P_{\\max}$ [W] (real, >= 0).

    Returns:
        ``[N_t, K]`` complex precoders [sqrt(W)] with $\\sum_k \\|b_k\\|^2 = P_{\\max}$.
    """
    _check_channels("v", v, p_max)
    return scale_to_power(v, p_max)

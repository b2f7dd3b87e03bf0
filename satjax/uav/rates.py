r"""System C physics: the deterministic-equivalent rate (16)-(17), leakage (7), efficiencies
(8)-(10) and the constraints (1)-(2), (11)-(14) as residuals.

Layout: ``lam[g,k,l,n]``, ``phi[g,m,l,n]``, ``y[g,m,n]``, powers ``p[g,l,n]`` [W], assignment
``x[g,k,n]`` in {0, 1} (or [0, 1] when relaxed), hovering times ``tau[g]`` [s].

**Deterministic equivalent** (spec Sec. 2.2, symmetric slack $w_r = w$ because all receive
antennas of a user see the same path loss). With $a_l = \lambda_l p_l/\sigma^2$:

$$
f(\mathbf a, w) = \sum_l \log_2(1 + N_r w a_l) + N_r[(w - 1)\log_2 e - \log_2 w]   \quad (16)
$$

$$
w + \sum_l \frac{a_l w}{1 + N_r a_l w} = 1                                        \quad (17)
$$

(17) has a unique root $w^* \in (0, 1]$, found by ``BISECTION_STEPS`` bisection steps
inside ``jit``; $\tilde R = f(\mathbf a, w^*)$ is the minimum of $f$ over w (P2), so by
the envelope theorem (P3) its gradient is that of $f$ at a fixed $w^*$: the root is
wrapped in ``stop_gradient`` and autodiff is exact.

**Validation.** Every function checks what it can see: shapes and dtypes always (complex and
float16 refused), values on concrete input (a ``ValueError`` naming the argument: NaN or inf,
negative gains, powers or hovering times, an assignment ``x`` other than 0/1, ``num_rx < 1``).
Under ``jit``/``vmap``/``grad`` the values are unknown and not checked: a NaN in gives NaN out.
``constraint_residuals`` and ``max_violation`` measure violations, so they accept negative powers
or times and a fractional ``x`` (reported as positive residuals) and refuse only what they cannot
measure (wrong shapes, NaN, inf) (D74).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from satjax._checks import (
    check_binary,
    check_finite,
    check_int_range,
    check_ndim,
    check_nonnegative,
    check_positive,
    check_real,
    check_shape,
    float_dtype,
    is_concrete,
)
from satjax._numerics import LN2, log2_1p
from satjax._types import ArrayLike, Bool, complex_dtype, Float, PRNGKeyArray, Real
from satjax.uav.scenario import UavScenario

__all__ = [
    "BISECTION_STEPS",
    "slack_fixed_point",
    "rate_given_slack",
    "deterministic_rate",
    "snr_terms",
    "candidate_rates",
    "leakage",
    "overall_efficiency",
    "user_efficiency",
    "min_efficiency",
    "energy_use",
    "power_use",
    "constraint_residuals",
    "max_violation",
    "monte_carlo_rate",
    "check_decision",
]

#: A decision argument (``x``, ``p``, ``tau``, ``rates``) is a real (or, for ``x``, boolean) array of
#: the annotated shape, or (nested) Python sequences that ``np.asarray`` turns into one (not checked by
#: a run-time type checker); shapes, dtypes and values are checked by each function.
_XArg = Real[ArrayLike, "G K N"] | Bool[ArrayLike, "G K N"] | Sequence[Any]
_PArg = Real[ArrayLike, "G L N"] | Sequence[Any]
_TauArg = Real[ArrayLike, " G"] | Sequence[Any]
_RatesArg = Real[ArrayLike, "G K N"] | Sequence[Any]

#: Bisection steps for w* of (17): the bracket (0, 1] shrinks to 2^-64, below float64 resolution.
BISECTION_STEPS = 64
_LOG2E = 1.0 / math.log(2.0)


def _check_gains(name: str, a, dims: str) -> None:
    """A real, finite, non-negative (concrete) gain array of at least one dimension, last axis >= 1."""
    if np.ndim(a) < 1 or np.shape(a)[-1] < 1:
        raise ValueError(f"{name} must be an array {dims} with at least one UAV on its last axis, got shape "
                         f"{tuple(np.shape(a))}")
    float_dtype(name, a)
    check_real(name, a)
    check_nonnegative(name, a)


def _check_snr(a, num_rx) -> None:
    check_int_range("num_rx", num_rx, 1)
    _check_gains("a", a, "[..., L]")


def _check_real_array(name: str, x, in_domain: bool, unit: str) -> None:
    float_dtype(name, x)
    check_real(name, x)
    (check_nonnegative if in_domain else check_finite)(name, x, *((unit,) if in_domain else ()))


def check_decision(scenario, x, p, tau=None, *, in_domain: bool = True, prefix: str = "") -> jax.Array:
    r"""Validate a decision of system C against ``scenario`` (a ``ValueError`` naming the argument).

    Always: ``scenario`` is a ``UavScenario``; ``x [G, K, N]``, ``p [G, L, N]``, ``tau [G]``
    (each optional: None skips it) have the scenario's sizes and real, non-float16 dtypes (``x``
    may be boolean). On concrete values: finite; with ``in_domain`` also ``x`` in {0, 1},
    ``p >= 0`` [W], ``tau >= 0`` [s] (without it, out-of-domain values are left for
    ``constraint_residuals``). ``prefix`` starts every argument name in the messages (e.g.
    ``"init: "``).

    Returns:
        ``[]`` bool, False only when a traced (unchecked) value breaks these rules, so that a
        caller under ``jit`` can make its result NaN instead of a plausible number.
    """
    _check_scenario(scenario)
    g, k, l, n, _ = scenario.sizes
    return _check_values(x, p, tau, {"x": (g, k, n), "p": (g, l, n), "tau": (g,)}, in_domain, prefix)


def _check_scenario(scenario) -> None:
    if not isinstance(scenario, UavScenario):
        raise ValueError(f"scenario must be a satjax.uav.UavScenario (system C), got {type(scenario).__name__}")


def _check_xp(x, p, tau=None) -> None:
    """``x [G, K, N]``, ``p [G, L, N]`` and ``tau [G]`` with common G and N, values in domain."""
    check_ndim("x", x, 3, "[G, K, N]")
    g, _, n = np.shape(x)
    check_ndim("p", p, 3, "[G, L, N]")
    if np.shape(p)[0] != g or np.shape(p)[2] != n:
        raise ValueError(f"p must have shape [G={g}, L, N={n}] to match x [G, K, N] = {np.shape(x)}, got {np.shape(p)}")
    _check_values(x, p, tau, {"x": np.shape(x), "p": np.shape(p), "tau": (g,)}, True, "")


def _check_values(x, p, tau, shapes, in_domain: bool, prefix: str) -> jax.Array:
    valid = jnp.asarray(True)
    for name, v, unit in (("x", x, ""), ("p", p, "W"), ("tau", tau, "s")):
        if v is None:
            continue
        check_shape(prefix + name, v, shapes[name])
        if name == "x" and (v.dtype if hasattr(v, "dtype") else np.asarray(v).dtype) == np.bool_:
            continue
        binary = name == "x" and in_domain
        if binary:
            float_dtype(prefix + name, v)
            check_binary(prefix + name, v)
        else:
            _check_real_array(prefix + name, v, in_domain, unit)
        if not is_concrete(v):                                   # checked above when concrete
            v = jnp.asarray(v)
            ok = ((v == 0) | (v == 1)) if binary else (jnp.isfinite(v) & (v >= 0 if in_domain else True))
            valid = valid & jnp.all(ok)
    return valid


def _check_rates(scenario, rates) -> None:
    if rates is not None:
        g, k, _, n, _ = scenario.sizes
        check_shape("rates", rates, (g, k, n))
        _check_real_array("rates", rates, True, "bit/s/Hz")


def slack_fixed_point(a: Float[ArrayLike, "*batch L"], num_rx: int | Any) -> Float[ArrayLike, "*batch"]:
    r"""Root $w^* \in (0, 1]$ of (17), $w + \sum_l a_l w/(1 + N_r a_l w) = 1$, by
    bisection (fixed step count, ``jit``/``vmap``-safe). Returned under ``stop_gradient`` (P3).
    ``a = 0`` gives ``w* = 1``.

    Args:
        a: ``[..., L]`` SNR terms $a_l = \lambda_l p_l/\sigma^2 \ge 0$ (linear).
        num_rx: $N_r \ge 1$ receive antennas.

    Returns:
        ``[...]`` the slack $w^*$ (dimensionless)."""
    _check_snr(a, num_rx)
    return _slack(jnp.asarray(a), num_rx)


def _slack(a, num_rx):

    def lhs(w):
        return w + jnp.sum(a * w[..., None] / (1.0 + num_rx * a * w[..., None]), axis=-1)

    lo = jnp.zeros(a.shape[:-1], a.dtype)
    hi = jnp.ones(a.shape[:-1], a.dtype)

    def body(_, bracket):
        lo, hi = bracket
        mid = 0.5 * (lo + hi)
        below = lhs(mid) < 1.0
        return jnp.where(below, mid, lo), jnp.where(below, hi, mid)

    lo, hi = jax.lax.fori_loop(0, BISECTION_STEPS, body, (jax.lax.stop_gradient(lo), jax.lax.stop_gradient(hi)))
    return jax.lax.stop_gradient(0.5 * (lo + hi))


def rate_given_slack(a: Float[ArrayLike, "*batch L"], w: Real[ArrayLike, "..."],
                     num_rx: int | Any) -> Float[ArrayLike, "*batch"]:
    r"""$f(\mathbf a, w)$ of (16) [bit/s/Hz]: modified rate plus compensation term, for SNR
    terms ``a [..., L] >= 0`` and a slack ``w > 0`` broadcastable to ``a.shape[:-1]`` (its
    minimum over w is at $w^*$ of (17), P2).

    Args:
        a: ``[..., L]`` SNR terms $a_l = \lambda_l p_l/\sigma^2 \ge 0$ (linear).
        w: ``[...]`` (or broadcastable) slack $w > 0$ (dimensionless).
        num_rx: $N_r \ge 1$ receive antennas (an integer; checked).

    Returns:
        ``[...]`` $f(\mathbf a, w)$ [bit/s/Hz].
    """
    _check_snr(a, num_rx)
    check_real("w", w)
    if jnp.broadcast_shapes(np.shape(w), np.shape(a)[:-1]) != np.shape(a)[:-1]:
        raise ValueError(f"w must broadcast to a.shape[:-1] = {np.shape(a)[:-1]}, got shape {np.shape(w)}")
    check_positive("w", w)
    return _rate(jnp.asarray(a), w, num_rx)


def _rate(a, w, num_rx):
    w = jnp.asarray(w, a.dtype)
    modified = jnp.sum(log2_1p(num_rx * w[..., None] * a), axis=-1)
    compensation = num_rx * ((w - 1.0) * _LOG2E - jnp.log2(w))
    return modified + compensation


def deterministic_rate(a: Float[ArrayLike, "*batch L"], num_rx: int | Any) -> Float[ArrayLike, "*batch"]:
    r"""$\tilde R = f(\mathbf a, w^*)$, eqs. (16)-(17) [bit/s/Hz]; gradient by the envelope
    theorem (P3).

    Args:
        a: ``[..., L]`` SNR terms $a_l = \lambda_l p_l/\sigma^2 \ge 0$ (linear).
        num_rx: $N_r \ge 1$ receive antennas.

    Returns:
        ``[...]`` $\tilde R$ [bit/s/Hz]."""
    _check_snr(a, num_rx)
    a = jnp.asarray(a)
    return _rate(a, _slack(a, num_rx), num_rx)


def snr_terms(lam: Float[ArrayLike, "G K L N"], p: Float[ArrayLike, "G L N"],
              noise_w: Real[ArrayLike, ""]) -> Float[ArrayLike, "G K N L"]:
    r"""$a_{g,k,n,l} = \lambda_{g,k,l,n} p_{g,l,n}/\sigma^2$, UAV axis last (``lam`` linear,
    ``p`` [W], ``noise_w`` [W] > 0).

    Args:
        lam: ``[G, K, L, N]`` large-scale gains $\lambda$ (linear, >= 0).
        p: ``[G, L, N]`` powers [W] >= 0.
        noise_w: ``[]`` noise power $\sigma^2$ [W] > 0.

    Returns:
        ``[G, K, N, L]`` SNR terms $a$ (linear).
    """
    check_ndim("lam", lam, 4, "[G, K, L, N]")
    g, _, l, n = np.shape(lam)
    check_shape("p", p, (g, l, n))
    check_shape("noise_w", noise_w, ())
    _check_gains("lam", lam, "[G, K, L, N]")
    _check_real_array("p", p, True, "W")
    check_real("noise_w", noise_w)
    check_positive("noise_w", noise_w, "W")
    return _snr(jnp.asarray(lam), jnp.asarray(p), noise_w)


def _snr(lam, p, noise_w):
    return jnp.moveaxis(lam * p[:, None, :, :] / noise_w, 2, 3)


def candidate_rates(scenario: UavScenario | Any,
                    p: _PArg) -> Float[ArrayLike, "G K N"]:
    r"""$\tilde R_{g,k,n}$ of (16) for **every** candidate (g, k, n) (spec Sec. 2.3), given
    the powers; exactly 0 for padded users (their gains are 0).

    Args:
        scenario: the ``UavScenario`` (anything else: a ``ValueError``).
        p: ``[G, L, N]`` powers [W] >= 0.

    Returns:
        ``[G, K, N]`` deterministic-equivalent rates [bit/s/Hz].
    """
    _check_scenario(scenario)
    g, _, l, n, _ = scenario.sizes
    check_shape("p", p, (g, l, n))
    _check_real_array("p", p, True, "W")
    return _candidate_rates(scenario, jnp.asarray(p))


def _candidate_rates(scenario, p):
    a = _snr(scenario.lam, p, scenario.noise_w)
    return _rate(a, _slack(a, scenario.num_rx_antennas), scenario.num_rx_antennas)


def _occupied(x: ArrayLike) -> ArrayLike:
    """$s_{g,n} = \\sum_k x_{g,k,n}$."""
    return jnp.sum(x, axis=1)


def leakage(scenario: UavScenario | Any, x: _XArg,
            p: _PArg) -> Float[ArrayLike, "G M"]:
    r"""Mean leakage to satellite users, eq. (7) [W]:
    $\bar I_{g,m} = \sum_n s_{g,n} y_{g,m,n} \sum_l \phi_{g,m,l,n} p_{g,l,n}$.

    Args:
        scenario: the ``UavScenario`` (anything else: a ``ValueError``).
        x: ``[G, K, N]`` assignment in {0, 1} (float or bool).
        p: ``[G, L, N]`` powers [W] >= 0.

    Returns:
        ``[G, M]`` mean leakage $\bar I_{g,m}$ [W].
    """
    valid = check_decision(scenario, x, p)
    return _nan_unless(valid, _leakage(scenario, jnp.asarray(x), jnp.asarray(p)))


def _leakage(scenario, x, p):
    per_sub = jnp.sum(scenario.phi * p[:, None, :, :], axis=2)                        # [G, M, N]
    return jnp.sum(_occupied(x)[:, None, :] * scenario.y * per_sub, axis=-1)


def user_efficiency(scenario: UavScenario | Any, x: _XArg,
                    p: _PArg, tau: _TauArg,
                    rates: _RatesArg | None = None) -> Float[ArrayLike, "G K"]:
    r"""$\tau_g \sum_n x_{g,k,n} \tilde R_{g,k,n}$ [bit/Hz], the terms of (8) and (10).

    Args:
        scenario: a ``UavScenario``.
        x: ``[G, K, N]`` assignment in {0, 1}.
        p: ``[G, L, N]`` powers [W] >= 0.
        tau: ``[G]`` hovering times [s] >= 0.
        rates: optional ``[G, K, N]`` candidate rates [bit/s/Hz] (``candidate_rates(scenario, p)``).

    Returns:
        ``[G, K]`` per-user efficiency [bit/Hz] (0 for padded users).
    """
    valid = check_decision(scenario, x, p, tau)
    _check_rates(scenario, rates)
    x, p, tau = jnp.asarray(x), jnp.asarray(p), jnp.asarray(tau)
    rates = _candidate_rates(scenario, p) if rates is None else jnp.asarray(rates)
    return _nan_unless(valid, tau[:, None] * jnp.sum(x * rates, axis=-1))


def _nan_unless(valid, value):
    """``value``, or NaN where a traced decision broke ``check_decision``'s rules (a negative
    power or time, a fractional assignment): under ``jit`` such input gives NaN, never a
    plausible number."""
    return jnp.where(valid, value, jnp.nan)


def overall_efficiency(scenario: UavScenario | Any, x: _XArg,
                       p: _PArg, tau: _TauArg,
                       rates: _RatesArg | None = None) -> Float[ArrayLike, ""]:
    r"""Overall data transmission efficiency, eq. (15) (the large-scale form of (8)) [bit/Hz].

    Args:
        scenario: the ``UavScenario`` (anything else: a ``ValueError``).
        x: ``[G, K, N]`` assignment in {0, 1} (float or bool).
        p: ``[G, L, N]`` powers [W] >= 0.
        tau: ``[G]`` hovering times [s] >= 0.
        rates: optional ``[G, K, N]`` candidate rates [bit/s/Hz] (``candidate_rates(scenario, p)``).

    Returns:
        ``[]`` overall efficiency $\tilde\eta$ [bit/Hz].
    """
    return jnp.sum(user_efficiency(scenario, x, p, tau, rates))          # validated there


def min_efficiency(scenario: UavScenario | Any, x: _XArg,
                   p: _PArg, tau: _TauArg,
                   rates: _RatesArg | None = None) -> Float[ArrayLike, ""]:
    r"""Minimum efficiency (10) over real users (padded users excluded) [bit/Hz].

    Args:
        scenario: the ``UavScenario`` (anything else: a ``ValueError``).
        x: ``[G, K, N]`` assignment in {0, 1} (float or bool).
        p: ``[G, L, N]`` powers [W] >= 0.
        tau: ``[G]`` hovering times [s] >= 0.
        rates: optional ``[G, K, N]`` candidate rates [bit/s/Hz] (``candidate_rates(scenario, p)``).

    Returns:
        ``[]`` the smallest per-user efficiency over real users [bit/Hz].
    """
    eff = user_efficiency(scenario, x, p, tau, rates)
    return jnp.min(jnp.where(scenario.user_mask, eff, jnp.inf))


def power_use(x: _XArg,
              p: _PArg) -> Float[ArrayLike, "G L"]:
    r"""$e_{g,l} = \sum_n s_{g,n} p_{g,l,n}$ [W]: the left side of (13), and the per-slot
    energy rate of (12)/(21d). ``x [G, K, N]`` in {0, 1}, ``p [G, L, N]`` [W] >= 0.

    Args:
        x: ``[G, K, N]`` assignment in {0, 1} (float or bool).
        p: ``[G, L, N]`` powers [W] >= 0.

    Returns:
        ``[G, L]`` power use $e_{g,l}$ [W].
    """
    _check_xp(x, p)
    return _power_use(jnp.asarray(x), jnp.asarray(p))


def _power_use(x, p):
    return jnp.sum(_occupied(x)[:, None, :] * p, axis=-1)


def energy_use(x: _XArg, p: _PArg,
               tau: _TauArg) -> Float[ArrayLike, " L"]:
    r"""Communication energy of each UAV, left side of (12) [J]: $\sum_g \tau_g e_{g,l}$
    (``tau [G]`` [s] >= 0).

    Args:
        x: ``[G, K, N]`` assignment in {0, 1} (float or bool).
        p: ``[G, L, N]`` powers [W] >= 0.
        tau: ``[G]`` hovering times [s] >= 0.

    Returns:
        ``[L]`` energy of each UAV [J].
    """
    _check_xp(x, p, tau)
    return _energy_use(jnp.asarray(x), jnp.asarray(p), jnp.asarray(tau))


def _energy_use(x, p, tau):
    return jnp.sum(tau[:, None] * _power_use(x, p), axis=0)


def constraint_residuals(scenario: UavScenario | Any, x: _XArg,
                         p: _PArg,
                         tau: _TauArg) -> dict[str, Float[ArrayLike, "..."]]:
    r"""Every constraint of (14) as a relative residual, ``<= 0`` when satisfied:

    * ``interference`` ``[G, M]`` (14b): $\bar I_{g,m}/I_{th} - 1$;
    * ``hover_total`` (14c): $\sum_g\tau_g/T - 1$;
    * ``tau_max`` ``[G]`` / ``tau_nonneg`` ``[G]`` (14d);
    * ``energy`` ``[L]`` (14e): $\sum_g \tau_g e_{g,l}/E_l - 1$;
    * ``power`` ``[G, L]`` (14f): $e_{g,l}/P_{max} - 1$; ``power_nonneg`` ``[G, L, N]``
      (relative to P_max);
    * ``one_user`` ``[G, N]`` (14g): $\sum_k x - 1$; ``binary`` ``[G, K, N]`` (14h):
      $|x(1-x)|$, exactly 0 for binary x.

    Negative ``p`` or ``tau`` and a fractional ``x`` are measured (positive residuals), not
    refused; wrong shapes, NaN and inf are refused (``check_decision`` with ``in_domain=False``).

    Args:
        scenario: the ``UavScenario`` (anything else: a ``ValueError``).
        x: ``[G, K, N]`` assignment (fractional values are measured).
        p: ``[G, L, N]`` powers [W] (negative values are measured).
        tau: ``[G]`` hovering times [s] (negative values are measured).

    Returns:
        Name -> residual array (shapes above; dimensionless, relative to each limit).
    """
    check_decision(scenario, x, p, tau, in_domain=False)
    x, p, tau = jnp.asarray(x), jnp.asarray(p), jnp.asarray(tau)
    s = scenario
    return {
        "interference": _leakage(s, x, p) / s.interference_threshold_w - 1.0,
        "hover_total": jnp.sum(tau) / s.hover_budget_s - 1.0,
        "tau_max": tau / s.tau_max_s - 1.0,
        "tau_nonneg": -tau / s.tau_max_s,
        "energy": _energy_use(x, p, tau) / s.energy_per_uav_j - 1.0,
        "power": _power_use(x, p) / s.p_max_w - 1.0,
        "power_nonneg": -p / s.p_max_w,
        "one_user": _occupied(x) - 1.0,
        "binary": jnp.abs(x * (1.0 - x)),
    }


def max_violation(scenario: UavScenario | Any, x: _XArg,
                  p: _PArg,
                  tau: _TauArg) -> Float[ArrayLike, ""]:
    """Largest relative residual of ``constraint_residuals`` (``<= 0``: feasible).

    Args:
        scenario: the ``UavScenario`` (anything else: a ``ValueError``).
        x: ``[G, K, N]`` assignment.
        p: ``[G, L, N]`` powers [W].
        tau: ``[G]`` hovering times [s].

    Returns:
        ``[]`` the largest relative residual (dimensionless).
    """
    return jnp.max(jnp.stack([jnp.max(v) for v in constraint_residuals(scenario, x, p, tau).values()]))


def _logdet_hpd(a):
    """log det of Hermitian positive-definite ``a [..., n, n]`` by an unrolled Cholesky (pure
    jnp: no LAPACK call, so large Monte Carlo batches are fine on XLA:CPU, D41)."""
    n = a.shape[-1]
    chol = [[None] * n for _ in range(n)]
    logdet = jnp.zeros(a.shape[:-2], jnp.real(a).dtype)
    for j in range(n):
        d = jnp.real(a[..., j, j]) - sum((jnp.abs(chol[j][q]) ** 2 for q in range(j)), jnp.zeros_like(logdet))
        ljj = jnp.sqrt(d)
        logdet = logdet + 2.0 * jnp.log(ljj)
        chol[j][j] = ljj
        for i in range(j + 1, n):
            s = a[..., i, j] - sum((chol[i][q] * jnp.conj(chol[j][q]) for q in range(j)), jnp.zeros_like(a[..., i, j]))
            chol[i][j] = s / ljj
    return logdet


def monte_carlo_rate(key: PRNGKeyArray, a: Float[ArrayLike, " L"], num_rx: int | Any,
                     num_samples: int | Any) -> tuple[Float[ArrayLike, ""], Float[ArrayLike, ""]]:
    r"""Monte Carlo of the ergodic MIMO rate (9), $\mathbb E\log_2\det(\mathbf I_{N_r} +
    \mathbf S\,\mathrm{diag}(\mathbf a)\,\mathbf S^H)$ with $[\mathbf S]_{r,l}\sim\mathcal{CN}(0,1)$
    i.i.d. (model (3), (5) with $\mathbf Q$ diagonal). Returns (mean, standard error)
    [bit/s/Hz]. The ground truth of ``deterministic_rate``.

    Args:
        key: PRNG key.
        a: ``[L]`` SNR terms >= 0 (linear).
        num_rx: $N_r \ge 1$.
        num_samples: number of draws, >= 2 (the standard error needs two).

    Returns:
        ``(mean, stderr)``: ``[]`` the sample mean of the rate and its standard error [bit/s/Hz].
    """
    check_int_range("num_samples", num_samples, 2)
    check_ndim("a", a, 1, "[L]")
    _check_snr(a, num_rx)
    a = jnp.asarray(a)
    s = jax.random.normal(key, (num_samples, num_rx, a.shape[-1]), complex_dtype(a.dtype))
    m = jnp.eye(num_rx, dtype=s.dtype)[None] + jnp.einsum("srl,l,sql->srq", s, a.astype(s.dtype), jnp.conj(s))
    r = _logdet_hpd(m) / LN2
    return jnp.mean(r), jnp.std(r) / math.sqrt(num_samples)

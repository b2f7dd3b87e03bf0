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
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from satjax._numerics import LN2, log2_1p
from satjax._types import ArrayLike, Bool, Float, PRNGKeyArray, complex_dtype

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
]

#: Bisection steps for w* of (17): the bracket (0, 1] shrinks to 2^-64, below float64 resolution.
BISECTION_STEPS = 64
_LOG2E = 1.0 / math.log(2.0)


def slack_fixed_point(a: Float[ArrayLike, "... L"], num_rx: int) -> Float[ArrayLike, "..."]:
    r"""Root $w^* \in (0, 1]$ of (17), $w + \sum_l a_l w/(1 + N_r a_l w) = 1$, by
    bisection (fixed step count, ``jit``/``vmap``-safe). Returned under ``stop_gradient`` (P3).
    ``a = 0`` gives ``w* = 1``."""
    a = jnp.asarray(a)

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


def rate_given_slack(a: Float[ArrayLike, "... L"], w: Float[ArrayLike, "..."], num_rx: int) -> Float[ArrayLike, "..."]:
    r"""$f(\mathbf a, w)$ of (16) [bit/s/Hz]: modified rate plus compensation term."""
    a = jnp.asarray(a)
    w = jnp.asarray(w, a.dtype)
    modified = jnp.sum(log2_1p(num_rx * w[..., None] * a), axis=-1)
    compensation = num_rx * ((w - 1.0) * _LOG2E - jnp.log2(w))
    return modified + compensation


def deterministic_rate(a: Float[ArrayLike, "... L"], num_rx: int) -> Float[ArrayLike, "..."]:
    r"""$\tilde R = f(\mathbf a, w^*)$, eqs. (16)-(17) [bit/s/Hz]; gradient by the envelope
    theorem (P3)."""
    return rate_given_slack(a, slack_fixed_point(a, num_rx), num_rx)


def snr_terms(lam: Float[ArrayLike, "G K L N"], p: Float[ArrayLike, "G L N"],
              noise_w: Float[ArrayLike, ""]) -> Float[ArrayLike, "G K N L"]:
    r"""$a_{g,k,n,l} = \lambda_{g,k,l,n} p_{g,l,n}/\sigma^2$, UAV axis last."""
    a = lam * p[:, None, :, :] / noise_w
    return jnp.moveaxis(a, 2, 3)


def candidate_rates(scenario, p: Float[ArrayLike, "G L N"]) -> Float[ArrayLike, "G K N"]:
    r"""$\tilde R_{g,k,n}$ of (16) for **every** candidate (g, k, n) (spec Sec. 2.3), given
    the powers; exactly 0 for padded users (their gains are 0)."""
    return deterministic_rate(snr_terms(scenario.lam, p, scenario.noise_w), scenario.num_rx_antennas)


def _occupied(x: Float[ArrayLike, "G K N"]) -> Float[ArrayLike, "G N"]:
    """$s_{g,n} = \\sum_k x_{g,k,n}$."""
    return jnp.sum(x, axis=1)


def leakage(scenario, x: Float[ArrayLike, "G K N"], p: Float[ArrayLike, "G L N"]) -> Float[ArrayLike, "G M"]:
    r"""Mean leakage to satellite users, eq. (7) [W]:
    $\bar I_{g,m} = \sum_n s_{g,n} y_{g,m,n} \sum_l \phi_{g,m,l,n} p_{g,l,n}$."""
    per_sub = jnp.sum(scenario.phi * p[:, None, :, :], axis=2)                        # [G, M, N]
    return jnp.sum(_occupied(x)[:, None, :] * scenario.y * per_sub, axis=-1)


def user_efficiency(scenario, x, p, tau, rates=None) -> Float[ArrayLike, "G K"]:
    r"""$\tau_g \sum_n x_{g,k,n} \tilde R_{g,k,n}$ [bit/Hz], the terms of (8) and (10)."""
    rates = candidate_rates(scenario, p) if rates is None else rates
    return tau[:, None] * jnp.sum(x * rates, axis=-1)


def overall_efficiency(scenario, x, p, tau, rates=None) -> Float[ArrayLike, ""]:
    r"""Overall data transmission efficiency, eq. (15) (the large-scale form of (8)) [bit/Hz]."""
    return jnp.sum(user_efficiency(scenario, x, p, tau, rates))


def min_efficiency(scenario, x, p, tau, rates=None) -> Float[ArrayLike, ""]:
    r"""Minimum efficiency (10) over real users (padded users excluded) [bit/Hz]."""
    eff = user_efficiency(scenario, x, p, tau, rates)
    return jnp.min(jnp.where(scenario.user_mask, eff, jnp.inf))


def power_use(x: Float[ArrayLike, "G K N"], p: Float[ArrayLike, "G L N"]) -> Float[ArrayLike, "G L"]:
    r"""$e_{g,l} = \sum_n s_{g,n} p_{g,l,n}$ [W]: the left side of (13), and the per-slot
    energy rate of (12)/(21d)."""
    return jnp.sum(_occupied(x)[:, None, :] * p, axis=-1)


def energy_use(x, p, tau) -> Float[ArrayLike, " L"]:
    r"""Communication energy of each UAV, left side of (12) [J]: $\sum_g \tau_g e_{g,l}$."""
    return jnp.sum(tau[:, None] * power_use(x, p), axis=0)


def constraint_residuals(scenario, x, p, tau) -> dict:
    r"""Every constraint of (14) as a relative residual, ``<= 0`` when satisfied:

    * ``interference`` ``[G, M]`` (14b): $\bar I_{g,m}/I_{th} - 1$;
    * ``hover_total`` (14c): $\sum_g\tau_g/T - 1$;
    * ``tau_max`` ``[G]`` / ``tau_nonneg`` ``[G]`` (14d);
    * ``energy`` ``[L]`` (14e): $\sum_g \tau_g e_{g,l}/E_l - 1$;
    * ``power`` ``[G, L]`` (14f): $e_{g,l}/P_{max} - 1$; ``power_nonneg`` ``[G, L, N]``
      (relative to P_max);
    * ``one_user`` ``[G, N]`` (14g): $\sum_k x - 1$; ``binary`` ``[G, K, N]`` (14h):
      $|x(1-x)|$, exactly 0 for binary x.
    """
    s = scenario
    return {
        "interference": leakage(s, x, p) / s.interference_threshold_w - 1.0,
        "hover_total": jnp.sum(tau) / s.hover_budget_s - 1.0,
        "tau_max": tau / s.tau_max_s - 1.0,
        "tau_nonneg": -tau / s.tau_max_s,
        "energy": energy_use(x, p, tau) / s.energy_per_uav_j - 1.0,
        "power": power_use(x, p) / s.p_max_w - 1.0,
        "power_nonneg": -p / s.p_max_w,
        "one_user": _occupied(x) - 1.0,
        "binary": jnp.abs(x * (1.0 - x)),
    }


def max_violation(scenario, x, p, tau) -> Float[ArrayLike, ""]:
    """Largest relative residual of ``constraint_residuals`` (``<= 0``: feasible)."""
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


def monte_carlo_rate(key: PRNGKeyArray, a: Float[ArrayLike, " L"], num_rx: int, num_samples: int):
    r"""Monte Carlo of the ergodic MIMO rate (9), $\mathbb E\log_2\det(\mathbf I_{N_r} +
    \mathbf S\,\mathrm{diag}(\mathbf a)\,\mathbf S^H)$ with $[\mathbf S]_{r,l}\sim\mathcal{CN}(0,1)$
    i.i.d. (model (3), (5) with $\mathbf Q$ diagonal). Returns (mean, standard error)
    [bit/s/Hz]. The ground truth of ``deterministic_rate``."""
    a = jnp.asarray(a)
    s = jax.random.normal(key, (num_samples, num_rx, a.shape[-1]), complex_dtype(a.dtype))
    m = jnp.eye(num_rx, dtype=s.dtype)[None] + jnp.einsum("srl,l,sql->srq", s, a.astype(s.dtype), jnp.conj(s))
    r = _logdet_hpd(m) / LN2
    return jnp.mean(r), jnp.std(r) / math.sqrt(num_samples)

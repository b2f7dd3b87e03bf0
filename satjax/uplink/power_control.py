r"""Algorithm 1 of paper A: joint power control and user scheduling (Sec. IV, eqs. (29)-(44)).

Problem (29) maximizes the sum ergodic throughput over $0 \le \rho_k \le P_{\max,k}$.
Theorem 1 makes every SINR a ratio of affine functions of the powers,

$$
\mathrm{SINR}_k = \frac{\rho_k a_k^2}{\delta_k}, \qquad
\delta_k = \sum_{k'} B_{kk'}\rho_{k'} + n_k ,
$$

with $a_k = |\mathbb E z_{kk}|$ (the SISO gain of eq. (30)),
$B_{kk'} = \mathrm{Var}\,z_{kk'} + [k' \ne k]\,|\mathbb E z_{kk'}|^2$ and $n_k$ the
noise term (all from ``satjax.uplink.closed_form_terms``, so $\delta_k$ *is* the SINR
denominator, eq. (37)). With $\tilde\rho_k = \sqrt{\rho_k}$ the SISO-equivalent MSE of
eq. (32) is $e_k = (\tilde\rho_k v_k a_k - 1)^2 + v_k^2\delta_k$, and problem (34),

$$
\min_{\alpha \ge 0,\ 0 \le \tilde\rho_k \le \sqrt{P_{\max,k}},\ v}
\sum_k \alpha_k e_k - \ln\alpha_k ,
$$

is solved by block-coordinate descent, each block in closed form from the stationarity of the
Lagrangian (Appendix C):

* (36) $v_k = \tilde\rho_k a_k / (\tilde\rho_k^2 a_k^2 + \delta_k)$;
* (38)-(39) $\alpha_k = 1/e_k$;
* (40)-(42) $\tilde\rho_k = \min(a_k\alpha_k v_k / t_k, \sqrt{P_{\max,k}})$ with
  $t_k = \alpha_k a_k^2 v_k^2 + \sum_{k''}\alpha_{k''}v_{k''}^2 B_{k''k}$.

Each block update cannot increase the objective, which at the optimal $v,\alpha$ equals
$K - \sum_k \ln(1 + \mathrm{SINR}_k)$: the sum rate is non-decreasing over iterations.
The scheduled set (44) is $\{k: \rho_k^* > \theta P_{\max,k}\}$, see
``SCHEDULING_THRESHOLD``. Deviations from the printed (36)-(42): docs/deviations.md (D12-D16).

One driver, ``algorithm1``, runs the one step function ``algorithm1_step`` in solve mode
(``satjax.optim.Solve``, the default) or unrolled (``satjax.optim.Unroll``, differentiable).
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax.numpy as jnp

from satjax._numerics import masked_ratio, safe_sqrt
from satjax._types import ArrayLike, Bool, Float, Real
from satjax.optim.iterate import IterationTrace, Mode, Solve, check_mode, iterate
from satjax.uplink.objectives import sum_spectral_efficiency
from satjax.uplink.sinr import SisoProblem, check_powers, interference_plus_noise

__all__ = [
    "SCHEDULING_THRESHOLD",
    "Algorithm1Result",
    "algorithm1",
    "algorithm1_step",
    "combiner",
    "mse",
    "power_denominator",
    "scheduled_users",
]

#: Relative power threshold $\theta$ deciding "ρ_k* > 0" in eq. (44): user k is scheduled
#: when $\rho_k > \theta P_{\max,k}$ (-60 dB). Algorithm 1 drives an unscheduled user's
#: power towards 0 geometrically but never reaches it, while users at an interior stationary
#: point can hold small powers (measured down to 1e-6 of the budget). See docs/paper-a.md for
#: the measured distribution and the agreement with the KKT test (eq. (44) at a KKT point).
SCHEDULING_THRESHOLD = 1e-6


def combiner(problem: SisoProblem, rho_tilde: Float[ArrayLike, " K"], delta: Float[ArrayLike, " K"] | None = None) -> Float[ArrayLike, " K"]:
    r"""MMSE combiner of the SISO model, eq. (36): $v_k = \tilde\rho_k a_k/(\tilde\rho_k^2a_k^2+\delta_k)$.

    ``delta`` (``interference_plus_noise`` at $\tilde\rho^2$) may be passed when known."""
    a = problem.gain
    delta = interference_plus_noise(problem, rho_tilde**2) if delta is None else delta
    return masked_ratio(rho_tilde * a, rho_tilde**2 * a**2 + delta, problem.user_mask)


def mse(problem: SisoProblem, rho_tilde: Float[ArrayLike, " K"], v: Float[ArrayLike, " K"],
        delta: Float[ArrayLike, " K"] | None = None) -> Float[ArrayLike, " K"]:
    r"""SISO mean-square error, eqs. (32)/(39): $e_k = (\tilde\rho_kv_ka_k-1)^2 + v_k^2\delta_k$."""
    delta = interference_plus_noise(problem, rho_tilde**2) if delta is None else delta
    return (rho_tilde * v * problem.gain - 1.0) ** 2 + v**2 * delta


def power_denominator(problem: SisoProblem, v: Float[ArrayLike, " K"], alpha: Float[ArrayLike, " K"]) -> Float[ArrayLike, " K"]:
    r"""$t_k = \alpha_ka_k^2v_k^2 + \sum_{k''}\alpha_{k''}v_{k''}^2B_{k''k}$, eq. (42) (LaTeX form; D13).

    Half the second derivative of $\sum_k\alpha_ke_k$ in $\tilde\rho_k$."""
    w = alpha * v**2
    return w * problem.gain**2 + problem.interference.T @ w


def algorithm1_step(rho_tilde: Float[ArrayLike, " K"], problem: SisoProblem, p_max: Float[ArrayLike, " K"]) -> Float[ArrayLike, " K"]:
    r"""One iteration of Algorithm 1 (steps 2-4): update $v$ (36), $\alpha$ (38) and
    $\tilde\rho$ (40)-(42). The state is $\tilde\rho = \sqrt{\rho}$ ``[K]``.

    A user whose combiner is exactly 0 (it transmits nothing, e.g. a zero budget) stays at 0:
    its update (41) is $0/t_k$, and $t_k = 0$ when every user is silent. Any other
    non-finite value propagates.

    Args:
        rho_tilde: ``[K]`` current $\tilde\rho = \sqrt{\rho}$ [sqrt(W)].
        problem: the ``SisoProblem``.
        p_max: ``[K]`` power budgets [W] (0 for padded users).

    Returns:
        ``[K]`` the next $\tilde\rho$ [sqrt(W)], in ``[0, sqrt(p_max)]``.
    """
    mask = problem.user_mask
    delta = interference_plus_noise(problem, rho_tilde**2)                 # (37), shared by (36) and (39)
    v = combiner(problem, rho_tilde, delta)
    alpha = masked_ratio(jnp.ones_like(v), mse(problem, rho_tilde, v, delta), mask)   # (38): e_k > 0
    silent = v == 0
    rho_bar = masked_ratio(problem.gain * alpha * v, power_denominator(problem, v, alpha), mask & ~silent)
    return jnp.clip(rho_bar, 0.0, safe_sqrt(p_max))


def scheduled_users(rho: Float[ArrayLike, " K"], p_max: Float[ArrayLike, " K"],
                    threshold: float = SCHEDULING_THRESHOLD) -> Bool[ArrayLike, " K"]:
    r"""Scheduled set of eq. (44), judged numerically: $\rho_k > \theta P_{\max,k}$.

    Args:
        rho: ``[K]`` powers [W].
        p_max: ``[K]`` power budgets [W].
        threshold: $\theta$, a fraction of ``p_max`` (default ``SCHEDULING_THRESHOLD``).

    Returns:
        ``[K]`` bool, True for scheduled users (never for a zero budget).
    """
    return (rho > threshold * p_max) & (p_max > 0)


class Algorithm1Result(eqx.Module):
    r"""Output of Algorithm 1 for one scenario.

    Attributes:
        rho: ``[K]`` powers $\rho_k^*$ [W].
        scheduled: ``[K]`` bool, the set $\mathcal Q^*$ of eq. (44).
        trace: sum spectral efficiency [bit/s/Hz] per iteration, iteration count, convergence flag.
    """

    rho: Float[ArrayLike, " K"]
    scheduled: Bool[ArrayLike, " K"]
    trace: IterationTrace


def algorithm1(problem: SisoProblem, p_max: Real[ArrayLike, " K"], *, mode: Mode | Any = Solve(tol=1e-6, max_iters=1000),
               rho_init: Real[ArrayLike, " K"] | None = None, threshold: float = SCHEDULING_THRESHOLD) -> Algorithm1Result:
    r"""Paper A, Algorithm 1: sum-throughput power control and user scheduling (eqs. (29)-(44)).

    Args:
        problem: the SISO form of Theorem 1 (``satjax.uplink.siso_problem``; computed once
            per scenario, so every iteration is O(K^2)).
        p_max: ``[K]`` power budgets $P_{\max,k}$ [W] (>= 0).
        mode: ``satjax.optim.Solve`` (default: relative tolerance 1e-6 on the sum rate — the
            scale-free form of eq. (43) — at most 1 000 iterations; forward only, each scenario
            stops at its own count under ``vmap``) or ``satjax.optim.Unroll`` (fixed depth,
            differentiable in the statistics and budgets: deep unfolding).
        rho_init: optional ``[K]`` starting powers [W] (clipped to the budgets); full power if None.
        threshold: user k is scheduled when $\rho_k > \theta P_{\max,k}$, eq. (44), in (0, 1).

    Returns:
        ``Algorithm1Result``: powers ``[K]`` [W], the scheduled set, and the
        ``satjax.optim.IterationTrace`` of the sum spectral efficiency
        $\sum_k\log_2(1+\mathrm{SINR}_k)$ [bit/s/Hz] (multiply by
        ``satjax.uplink.throughput_scale_bps`` for bit/s).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from satjax import uplink as ul
        >>> from satjax.optim import Unroll
        >>> params = ul.UplinkParams(num_aps=8, num_users=4, tau_p=2, n_v=2, n_h=2)
        >>> scenario = ul.sample_uplink_scenario(jax.random.key(0), params)
        >>> problem, p_max = ul.siso_problem(scenario.stats), jnp.full(4, params.p_max_w)
        >>> result = ul.algorithm1(problem, p_max)                  # Solve mode: until the objective settles
        >>> result.rho.shape, bool(jnp.all(result.rho <= p_max)), bool(result.trace.converged)
        ((4,), True, True)
        >>> n = int(result.trace.num_iters)                        # the same decision from Unroll(n), differentiable
        >>> bool(jnp.allclose(ul.algorithm1(problem, p_max, mode=Unroll(n)).rho, result.rho))
        True
    """
    k = problem.num_users
    check_mode(mode)
    check_powers("p_max", p_max, k)
    if rho_init is not None:
        check_powers("rho_init", rho_init, k)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1) (a fraction of p_max), got {threshold!r}")
    p_max = jnp.where(problem.user_mask, p_max, 0).astype(problem.gain.dtype)
    rho0 = p_max if rho_init is None else jnp.clip(rho_init, 0, p_max)
    rho_tilde, trace = iterate(lambda r: algorithm1_step(r, problem, p_max), safe_sqrt(jnp.where(problem.user_mask, rho0, 0)),
                               lambda r: sum_spectral_efficiency(problem, r**2), mode)
    rho = rho_tilde**2
    return Algorithm1Result(rho, scheduled_users(rho, p_max, threshold) & problem.user_mask, trace)

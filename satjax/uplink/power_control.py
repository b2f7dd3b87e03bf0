r"""Algorithm 1 of paper A: joint power control and user scheduling (Sec. IV, eqs. (29)-(44)).

Problem (29) maximizes the sum ergodic throughput over :math:`0 \le \rho_k \le P_{\max,k}`.
Theorem 1 makes every SINR a ratio of affine functions of the powers,

.. math::
    \mathrm{SINR}_k = \frac{\rho_k a_k^2}{\delta_k}, \qquad
    \delta_k = \sum_{k'} B_{kk'}\rho_{k'} + n_k ,

with :math:`a_k = \mathbb E z_{kk}` (real, the SISO gain of eq. (30)),
:math:`B_{kk'} = \mathrm{Var}\,z_{kk'} + [k' \ne k]\,|\mathbb E z_{kk'}|^2` and :math:`n_k` the
noise term (all from :func:`satjax.uplink.closed_form_terms`, so :math:`\delta_k` *is* the SINR
denominator, eq. (37)). With :math:`\tilde\rho_k = \sqrt{\rho_k}` the SISO-equivalent MSE of
eq. (32) is :math:`e_k = (\tilde\rho_k v_k a_k - 1)^2 + v_k^2\delta_k`, and problem (34),

.. math::
    \min_{\alpha \ge 0,\ 0 \le \tilde\rho_k \le \sqrt{P_{\max,k}},\ v}
    \sum_k \alpha_k e_k - \ln\alpha_k ,

is solved by block-coordinate descent, each block in closed form from the stationarity of the
Lagrangian (Appendix C):

* (36) :math:`v_k = \tilde\rho_k a_k / (\tilde\rho_k^2 a_k^2 + \delta_k)`;
* (38)-(39) :math:`\alpha_k = 1/e_k`;
* (40)-(42) :math:`\tilde\rho_k = \min(a_k\alpha_k v_k / t_k, \sqrt{P_{\max,k}})` with
  :math:`t_k = \alpha_k a_k^2 v_k^2 + \sum_{k''}\alpha_{k''}v_{k''}^2 B_{k''k}`.

Each block update cannot increase the objective, which at the optimal :math:`v,\alpha` equals
:math:`K - \sum_k \ln(1 + \mathrm{SINR}_k)`: the sum rate is non-decreasing over iterations.
The scheduled set (44) is :math:`\{k: \rho_k^* > \theta P_{\max,k}\}`, see
:data:`SCHEDULING_THRESHOLD`. Deviations from the printed (36)-(42): docs/deviations.md (D12-D16).
"""

from __future__ import annotations

import equinox as eqx

import jax.numpy as jnp

from satjax._types import Array, Bool, Float
from satjax.optim.iterate import IterationTrace, solve, unroll
from satjax.uplink.sinr import Link, closed_form_terms
from satjax.uplink.statistics import ChannelStats

__all__ = [
    "SCHEDULING_THRESHOLD",
    "SisoProblem",
    "Algorithm1Result",
    "siso_problem",
    "interference_plus_noise",
    "siso_sinr",
    "sum_spectral_efficiency",
    "combiner",
    "mse",
    "power_denominator",
    "algorithm1_step",
    "algorithm1_solve",
    "algorithm1_solve_siso",
    "algorithm1_unrolled",
    "scheduled_users",
]

#: Relative power threshold :math:`\theta` deciding "ρ_k* > 0" in eq. (44): user k is scheduled
#: when :math:`\rho_k > \theta P_{\max,k}` (-60 dB). Algorithm 1 drives an unscheduled user's
#: power towards 0 geometrically but never reaches it, while users at an interior stationary
#: point can hold small powers (measured down to 1e-6 of the budget). See docs/paper-a.md for
#: the measured distribution and the agreement with the KKT test (eq. (44) at a KKT point).
SCHEDULING_THRESHOLD = 1e-6


class SisoProblem(eqx.Module):
    r"""The SISO-equivalent interference channel of eq. (30), one scenario.

    Attributes:
        gain: ``[K]`` :math:`a_k = \mathbb E z_{kk}` (AP-noise units).
        interference: ``[K, K]`` :math:`B_{kk'}`, power of user k' leaking into the detection of
            user k per watt (row k = victim), including user k's own beamforming-gain uncertainty.
        noise: ``[K]`` :math:`n_k`.
        p_max: ``[K]`` power budgets [W].
        user_mask: ``[K]`` bool, False for padding.
    """

    gain: Float[Array, " K"]
    interference: Float[Array, "K K"]
    noise: Float[Array, " K"]
    p_max: Float[Array, " K"]
    user_mask: Bool[Array, " K"]


def siso_problem(stats: ChannelStats, p_max: Float[Array, " K"], link: Link = "space_ground") -> SisoProblem:
    """Build the SISO-equivalent problem (eq. (30)) from the validated closed-form terms."""
    terms = closed_form_terms(stats, link)
    k = stats.num_users
    mean_abs2 = jnp.real(terms.mean_z) ** 2 + jnp.imag(terms.mean_z) ** 2
    b = terms.var_z + jnp.where(jnp.eye(k, dtype=bool), 0, mean_abs2)
    p_max = jnp.where(stats.user_mask, p_max, 0).astype(b.dtype)
    return SisoProblem(gain=jnp.real(jnp.diagonal(terms.mean_z)), interference=b, noise=terms.noise,
                       p_max=p_max, user_mask=stats.user_mask)


def _safe_div(num, den):
    ok = den > 0
    return jnp.where(ok, num / jnp.where(ok, den, 1), 0)


def interference_plus_noise(problem: SisoProblem, rho: Float[Array, " K"]) -> Float[Array, " K"]:
    r""":math:`\delta_k = \sum_{k'} B_{kk'}\rho_{k'} + n_k`, eq. (37) (LaTeX form; D12)."""
    return problem.interference @ rho + problem.noise


def siso_sinr(problem: SisoProblem, rho: Float[Array, " K"]) -> Float[Array, " K"]:
    r""":math:`\rho_k a_k^2/\delta_k` — equal to :func:`satjax.uplink.sinr_closed_form`."""
    return _safe_div(rho * problem.gain**2, interference_plus_noise(problem, rho))


def sum_spectral_efficiency(problem: SisoProblem, rho: Float[Array, " K"]) -> Float[Array, ""]:
    r""":math:`\sum_k \log_2(1 + \mathrm{SINR}_k)` [bit/s/Hz], the objective of (29) per unit
    bandwidth and pre-log."""
    return jnp.sum(jnp.log2(1.0 + siso_sinr(problem, rho)))


def combiner(problem: SisoProblem, rho_tilde: Float[Array, " K"], delta: Float[Array, " K"] | None = None) -> Float[Array, " K"]:
    r"""MMSE combiner of the SISO model, eq. (36): :math:`v_k = \tilde\rho_k a_k/(\tilde\rho_k^2a_k^2+\delta_k)`.

    ``delta`` (:func:`interference_plus_noise` at :math:`\tilde\rho^2`) may be passed when known."""
    a = problem.gain
    delta = interference_plus_noise(problem, rho_tilde**2) if delta is None else delta
    return _safe_div(rho_tilde * a, rho_tilde**2 * a**2 + delta)


def mse(problem: SisoProblem, rho_tilde: Float[Array, " K"], v: Float[Array, " K"],
        delta: Float[Array, " K"] | None = None) -> Float[Array, " K"]:
    r"""SISO mean-square error, eqs. (32)/(39): :math:`e_k = (\tilde\rho_kv_ka_k-1)^2 + v_k^2\delta_k`."""
    delta = interference_plus_noise(problem, rho_tilde**2) if delta is None else delta
    return (rho_tilde * v * problem.gain - 1.0) ** 2 + v**2 * delta


def power_denominator(problem: SisoProblem, v: Float[Array, " K"], alpha: Float[Array, " K"]) -> Float[Array, " K"]:
    r""":math:`t_k = \alpha_ka_k^2v_k^2 + \sum_{k''}\alpha_{k''}v_{k''}^2B_{k''k}`, eq. (42) (LaTeX form; D13).

    Half the second derivative of :math:`\sum_k\alpha_ke_k` in :math:`\tilde\rho_k`."""
    w = alpha * v**2
    return w * problem.gain**2 + problem.interference.T @ w


def algorithm1_step(rho_tilde: Float[Array, " K"], problem: SisoProblem) -> Float[Array, " K"]:
    r"""One iteration of Algorithm 1 (steps 2-4): update :math:`v` (36), :math:`\alpha` (38) and
    :math:`\tilde\rho` (40)-(42). The state is :math:`\tilde\rho = \sqrt{\rho}` ``[K]``."""
    delta = interference_plus_noise(problem, rho_tilde**2)                 # (37), shared by (36) and (39)
    v = combiner(problem, rho_tilde, delta)
    alpha = _safe_div(jnp.ones_like(v), mse(problem, rho_tilde, v, delta))  # e_k > 0 unless a_k = 0
    rho_bar = _safe_div(problem.gain * alpha * v, power_denominator(problem, v, alpha))
    return jnp.where(problem.user_mask, jnp.clip(rho_bar, 0.0, jnp.sqrt(problem.p_max)), 0)


def scheduled_users(rho: Float[Array, " K"], p_max: Float[Array, " K"],
                    threshold: float = SCHEDULING_THRESHOLD) -> Bool[Array, " K"]:
    r"""Scheduled set of eq. (44), judged numerically: :math:`\rho_k > \theta P_{\max,k}`."""
    return (rho > threshold * p_max) & (p_max > 0)


class Algorithm1Result(eqx.Module):
    """Output of Algorithm 1 for one scenario.

    Attributes:
        rho: ``[K]`` powers :math:`\\rho_k^*` [W].
        scheduled: ``[K]`` bool, the set :math:`\\mathcal Q^*` of eq. (44).
        trace: sum spectral efficiency [bit/s/Hz] per iteration, iteration count, convergence flag.
    """

    rho: Float[Array, " K"]
    scheduled: Bool[Array, " K"]
    trace: IterationTrace


def _start(problem, rho_init):
    rho0 = problem.p_max if rho_init is None else jnp.clip(rho_init, 0, problem.p_max)
    return jnp.sqrt(jnp.where(problem.user_mask, rho0, 0))


def _step_and_metric(problem):
    return (lambda r: algorithm1_step(r, problem)), (lambda r: sum_spectral_efficiency(problem, r**2))


def _result(problem, rho_tilde, trace, threshold):
    rho = rho_tilde**2
    return Algorithm1Result(rho, scheduled_users(rho, problem.p_max, threshold) & problem.user_mask, trace)


def algorithm1_solve_siso(problem: SisoProblem, *, tol: float = 1e-6, max_iters: int = 1000,
                          rho_init: Float[Array, " K"] | None = None,
                          threshold: float = SCHEDULING_THRESHOLD) -> Algorithm1Result:
    """:func:`algorithm1_solve` on a prebuilt :class:`SisoProblem` (the closed-form terms
    computed once elsewhere, e.g. shared with other methods on the same scenario)."""
    step, metric = _step_and_metric(problem)
    rho_tilde, trace = solve(step, _start(problem, rho_init), metric, tol=tol, max_iters=max_iters)
    return _result(problem, rho_tilde, trace, threshold)


def algorithm1_solve(stats: ChannelStats, p_max: Float[Array, " K"], *, link: Link = "space_ground",
                     tol: float = 1e-6, max_iters: int = 1000, rho_init: Float[Array, " K"] | None = None,
                     threshold: float = SCHEDULING_THRESHOLD) -> Algorithm1Result:
    r"""Algorithm 1 in solve mode: iterate until the relative change of the sum rate is at most
    ``tol`` (relative form of eq. (43)) or ``max_iters``. Forward only; under ``vmap`` each scenario
    stops at its own count. Starts from full power unless ``rho_init`` is given."""
    return algorithm1_solve_siso(siso_problem(stats, p_max, link), tol=tol, max_iters=max_iters,
                                 rho_init=rho_init, threshold=threshold)


def algorithm1_unrolled(stats: ChannelStats, p_max: Float[Array, " K"], *, num_iters: int,
                        link: Link = "space_ground", rho_init: Float[Array, " K"] | None = None,
                        threshold: float = SCHEDULING_THRESHOLD, checkpoint: bool = False) -> Algorithm1Result:
    """Algorithm 1 unrolled for exactly ``num_iters`` iterations (``lax.scan``): differentiable in
    the statistics and budgets (deep unfolding). Same step function as :func:`algorithm1_solve`."""
    problem = siso_problem(stats, p_max, link)
    step, metric = _step_and_metric(problem)
    rho_tilde, trace = unroll(step, _start(problem, rho_init), metric, num_iters, checkpoint=checkpoint)
    return _result(problem, rho_tilde, trace, threshold)

r"""System C resource allocation: block coordinate descent over subchannels X, powers P (with the
slack W of (17)) and hovering times tau (paper C, Sec. III-IV; spec Sec. 3).

* ``algorithm1_subchannels`` — time-sharing relaxation (22) solved through its dual
  (23)-(33): score $\Theta$ (27), argmax rule (26), projected subgradient (28)-(30);
* ``algorithm2_power`` — alternation (34)-(35): dual multi-level water-filling with projected
  subgradient (P-step), then the fixed point (17) (W-step), with the monotonicity safeguard;
* ``hovering_time_lp`` — LP (21) by an interior-point method in JAX (qpax), inside ``jit``;
* ``algorithm3`` — BCD for the overall efficiency (15);
* ``algorithm4_subchannels`` — greedy max-min allocation (coverage phase for Property 1, then
  greedy);
* ``algorithm5_power`` — max-min power (55)-(60) by dual subgradient with exponentiated user
  weights, W-step and safeguard;
* ``maxmin_hovering_time`` — closed form of (49) (spec Sec. 3.5);
* ``algorithm6`` — BCD for the minimum efficiency (10).

The iterative algorithms (2, 3, 5, 6) are step functions run by ``satjax.optim.iterate``: a
``mode`` argument chooses ``satjax.optim.Solve`` (``lax.while_loop`` until the relative change of
the objective is at most ``tol``; under ``vmap`` every scenario stops on its own test) or
``satjax.optim.Unroll`` (a fixed number of steps, ``lax.scan``, reverse-differentiable). Every
function here is pure JAX (``jit``/``vmap``); the BCD results are one pytree, ``BcdResult``.

Constraints are dualised in relative form (usage / limit - 1), so the multipliers are in units of
the objective (bit/Hz) whatever the scale of I_th, E_l or P_max; step sizes are
$\delta_0 S/\sqrt{i+1}$ with S the objective scale. A dual iterate's primal point is made
feasible by the common scaling $\mathbf P \leftarrow \mathbf P/\max(1, \max \text{usage/limit})$
(every constraint is linear and homogeneous in P for fixed X, tau), and the best feasible
primal point over the dual iterations is kept. Every block returns a point that satisfies all
constraints and does not lower the objective (the safeguards of spec Sec. 3.2-3.3).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from satjax._checks import check_int_range, check_nonnegative, check_shape, is_concrete
from satjax._linalg import small_lp_max
from satjax._types import ArrayLike, Float
from satjax.optim.iterate import IterationTrace, Mode, Solve, Unroll, check_mode, iterate
from satjax.uav.rates import (
    candidate_rates,
    constraint_residuals,
    energy_use,
    leakage,
    max_violation,
    min_efficiency,
    overall_efficiency,
    power_use,
    slack_fixed_point,
    snr_terms,
)
from satjax.uav.scenario import UavScenario

__all__ = [
    "BcdResult",
    "BLOCKS",
    "initial_point",
    "feasibility_scale",
    "algorithm1_subchannels",
    "algorithm2_power",
    "hovering_time_lp",
    "algorithm3",
    "algorithm4_subchannels",
    "algorithm5_power",
    "maxmin_hovering_time",
    "maxmin_hovering_time_lp",
    "algorithm6",
]

_LOG2E = 1.0 / math.log(2.0)

# Called eagerly by initial_point and maxmin_hovering_time_lp: compiled once per shape (an eager call
# would re-trace the bisection loop on every call).
_rates = eqx.filter_jit(candidate_rates)
#: Relative slack left in the scaled-to-feasibility points (guards round-off in the 1e-6 checks).
_FEAS_MARGIN = 1e-9
#: Relative constraint residual up to which a user's start point ``init`` counts as feasible.
INIT_RTOL = 1e-6

_X = Float[ArrayLike, "G K N"]
_P = Float[ArrayLike, "G L N"]
_TAU = Float[ArrayLike, " G"]


def feasibility_scale(scenario: UavScenario, x: _X, p: _P, tau: _TAU) -> Float[ArrayLike, ""]:
    r"""Largest factor $\le 1$ by which ``p`` can be multiplied so that interference (14b),
    energy (14e) and power (14f) hold (they are linear in p).

    Args:
        scenario: the ``UavScenario``.
        x: ``[G, K, N]`` subchannel assignment in {0, 1}.
        p: ``[G, L, N]`` powers [W].
        tau: ``[G]`` hovering times [s].

    Returns:
        ``[]`` the factor $(1 - 10^{-9})/\max(1, \max \text{usage/limit})$ (dimensionless).
    """
    use = jnp.concatenate([
        jnp.ravel(leakage(scenario, x, p) / scenario.interference_threshold_w),
        jnp.ravel(energy_use(x, p, tau) / scenario.energy_per_uav_j),
        jnp.ravel(power_use(x, p) / scenario.p_max_w),
    ])
    return (1.0 - _FEAS_MARGIN) / jnp.maximum(1.0, jnp.max(use))


def _best_user_assignment(scenario, rates):
    """Every subchannel to the user with the largest rate (real users only)."""
    r = jnp.where(scenario.user_mask[:, :, None], rates, -jnp.inf)
    return jax.nn.one_hot(jnp.argmax(r, axis=1), rates.shape[1], axis=1, dtype=rates.dtype)


def initial_point(scenario: UavScenario) -> tuple[_X, _P, _TAU]:
    r"""Feasible start of the BCD (spec Sec. 3.4 step 1): $\tau_g = \min(T/G, \tau_{max})$,
    every subchannel to its best user, equal power $P_{max}/N$ scaled down until
    interference and energy hold.

    Args:
        scenario: the ``UavScenario``.

    Returns:
        ``(x, p, tau)``: assignment ``[G, K, N]`` in {0, 1}, powers ``[G, L, N]`` [W], hovering
        times ``[G]`` [s].
    """
    tau, p = equal_times(scenario), equal_power(scenario)
    x = _initial_assignment(scenario, p)
    return x, p * feasibility_scale(scenario, x, p, tau), tau


def equal_times(scenario: UavScenario) -> _TAU:
    """Hovering times ``[G]`` [s]: the budget shared equally, capped at ``tau_max_s``."""
    g = scenario.sizes[0]
    return jnp.full((g,), jnp.minimum(scenario.hover_budget_s / g, scenario.tau_max_s), scenario.lam.dtype)


def equal_power(scenario: UavScenario) -> _P:
    """Powers ``[G, L, N]`` [W]: each UAV's budget ``p_max_w`` split equally over the N subchannels."""
    g, _, l, n, _ = scenario.sizes
    return jnp.full((g, l, n), scenario.p_max_w / n, scenario.lam.dtype)


def _initial_assignment(scenario: UavScenario, p: _P | None = None) -> _X:
    """The subchannel assignment of ``initial_point`` alone (every subchannel to the user with the
    largest deterministic-equivalent rate at equal power ``p``, default ``equal_power``), without
    its powers and times."""
    return _best_user_assignment(scenario, _rates(scenario, equal_power(scenario) if p is None else p))


def _usage(scenario, x, p, tau):
    """Relative usages (interference [G, M], energy [L], power [G, L])."""
    return (leakage(scenario, x, p) / scenario.interference_threshold_w,
            energy_use(x, p, tau) / scenario.energy_per_uav_j,
            power_use(x, p) / scenario.p_max_w)


def _feasible(scenario, x, p, tau, rtol=1e-9):
    i, e, w = _usage(scenario, x, p, tau)
    return (jnp.max(i) <= 1 + rtol) & (jnp.max(e) <= 1 + rtol) & (jnp.max(w) <= 1 + rtol)


# ------------------------------------------------------------------------------ boundary checks

#: The constraint of (14) behind each entry of ``constraint_residuals``, for error messages.
_CONSTRAINT_NAMES = {"interference": "interference (14b)", "hover_total": "total hovering time (14c)",
                     "tau_max": "tau <= tau_max (14d)", "tau_nonneg": "tau >= 0 (14d)", "energy": "energy (14e)",
                     "power": "power (14f)", "power_nonneg": "p >= 0", "one_user": "one user per subchannel (14g)",
                     "binary": "binary x (14h)"}


def _check_real_users(scenario) -> jax.Array:
    """``ValueError`` when a concrete ``scenario.user_mask`` has no real user; returns the traced
    flag "some user is real" (results are set to NaN where it is False)."""
    mask = scenario.user_mask
    if is_concrete(mask) and not np.any(np.asarray(mask)):
        raise ValueError("scenario.user_mask must mark at least one real user; every user is padded")
    return jnp.any(mask)


def _check_decision(scenario, x, p, tau=None, prefix: str = ""):
    """Shapes of ``x [G, K, N]``, ``p [G, L, N]`` and ``tau [G]`` (each optional: None skips it);
    on concrete values ``x`` in {0, 1} and ``p``, ``tau`` finite and >= 0, else a ``ValueError``
    naming the argument. Returns the traced flag "valid" (False only for traced bad values)."""
    g, k, l, n, _ = scenario.sizes
    ok = jnp.asarray(True)
    if x is not None:
        check_shape(f"{prefix}x", x, (g, k, n))
        if is_concrete(x) and not np.all(np.isin(np.asarray(x), (0, 1))):
            raise ValueError(f"{prefix}x must be a binary assignment (entries 0 or 1), got values "
                             f"{np.unique(np.asarray(x))[:5]}")
        ok = ok & jnp.all((x == 0) | (x == 1))
    if p is not None:
        check_shape(f"{prefix}p", p, (g, l, n))
        check_nonnegative(f"{prefix}p", p, "W")
        ok = ok & jnp.all(jnp.isfinite(p) & (p >= 0))
    if tau is not None:
        check_shape(f"{prefix}tau", tau, (g,))
        check_nonnegative(f"{prefix}tau", tau, "s")
        ok = ok & jnp.all(jnp.isfinite(tau) & (tau >= 0))
    return ok


def _checked_init(scenario, init):
    """A user's start point ``init = (x, p, tau)`` in the scenario's dtype: shapes, binary ``x``,
    finite non-negative ``p``/``tau`` and every constraint of (14) within ``INIT_RTOL`` (relative),
    else a ``ValueError`` naming ``init`` and the violated constraint. Traced values are not
    inspected: an infeasible traced start makes the whole result NaN (D72)."""
    if not (isinstance(init, (tuple, list)) and len(init) == 3):
        raise ValueError(f"init must be a tuple (x, p, tau), got {type(init).__name__}")
    dtype = scenario.lam.dtype
    x, p, tau = (jnp.asarray(a, dtype) for a in init)
    ok = _check_decision(scenario, x, p, tau, prefix="init: ")
    res = constraint_residuals(scenario, x, p, tau)
    if is_concrete(scenario, x, p, tau):
        violated = [f"{_CONSTRAINT_NAMES[name]} (relative residual {float(jnp.max(r)):.3g})"
                    for name, r in res.items() if float(jnp.max(r)) > INIT_RTOL]
        if violated:
            raise ValueError(f"init is infeasible: it violates {', '.join(violated)}, beyond {INIT_RTOL:g} (start "
                             "from a feasible point, e.g. satjax.uav.initial_point, or scale p with "
                             "satjax.uav.feasibility_scale)")
        return x, p, tau
    ok = ok & (max_violation(scenario, x, p, tau) <= INIT_RTOL)
    nan = jnp.asarray(jnp.nan, dtype)
    return x, jnp.where(ok, p, nan), jnp.where(ok, tau, nan)


# ----------------------------------------------------------------------------------- Algorithm 1

def algorithm1_subchannels(scenario: UavScenario, x_prev: _X, p: _P, tau: _TAU, num_iters: int = 200,
                           step: float = 0.5) -> _X:
    r"""Algorithm 1: subchannel allocation by time-sharing relaxation and its dual.

    Score (27), in relative form:

    $$
    \Theta_{g,k,n} = \tau_g\tilde R_{g,k,n} - \sum_m \frac{\alpha_{g,m}}{I_{th}} y_{g,m,n}
    \sum_l\phi_{g,m,l,n}p_{g,l,n} - \sum_l\Big(\frac{\beta_l\tau_g}{E_l} + \frac{\nu_{g,l}}{P_{max}}\Big)p_{g,l,n}
    $$

    (26): $x_{g,k,n} = 1$ iff k maximises $\Theta_{g,\cdot,n}$ and $\Theta > 0$;
    multipliers by projected subgradient (28)-(30) with steps $\delta_0 S/\sqrt{i+1}$. The
    dual maximiser is binary.

    Args:
        scenario: the ``UavScenario``.
        x_prev: ``[G, K, N]`` current assignment in {0, 1} (kept when no dual iterate beats it).
        p: ``[G, L, N]`` powers [W] (fixed in this block).
        tau: ``[G]`` hovering times [s] (fixed).
        num_iters: dual subgradient iterations (>= 1).
        step: $\delta_0$ of the step sizes (> 0).

    Returns:
        ``[G, K, N]`` the best feasible binary iterate, or ``x_prev`` when none beats it
        (safeguard, spec Sec. 3.2 step 3).
    """
    _check_decision(scenario, x_prev, p, tau, prefix="")
    _check_iters_step(num_iters, step)
    return _algorithm1(scenario, x_prev, p, tau, num_iters, step)


@eqx.filter_jit
def _algorithm1(scenario, x_prev, p, tau, num_iters: int, step: float):
    """The jitted body of ``algorithm1_subchannels`` (called inside Algorithm 3 unchecked)."""
    s = scenario
    rates = candidate_rates(s, p)                                                     # W^(t) from P^(t)
    gain = tau[:, None, None] * rates                                                 # [G, K, N]
    gain = jnp.where(s.user_mask[:, :, None], gain, -jnp.inf)
    scale = jnp.maximum(jnp.max(jnp.where(s.user_mask[:, :, None], gain, 0)), 1e-30)
    leak_sub = s.y * jnp.sum(s.phi * p[:, None, :, :], axis=2) / s.interference_threshold_w   # [G, M, N]
    energy_sub = tau[:, None, None] * p / s.energy_per_uav_j[None, :, None]                   # [G, L, N]
    power_sub = p / s.p_max_w                                                                  # [G, L, N]
    g, k, l, n, m = s.sizes
    best_k = jax.nn.one_hot(jnp.argmax(gain, axis=1), k, axis=1, dtype=p.dtype)               # argmax is k-only

    def select(alpha, beta, nu):
        cost = (jnp.sum(alpha[:, :, None] * leak_sub, axis=1) + jnp.sum(beta[None, :, None] * energy_sub, axis=1)
                + jnp.sum(nu[:, :, None] * power_sub, axis=1))                               # [G, N]
        theta = gain - cost[:, None, :]
        on = jnp.max(theta, axis=1) > 0
        return best_k * on[:, None, :].astype(p.dtype)

    obj_prev = jnp.sum(jnp.where(x_prev > 0, gain, 0))

    def body(i, carry):
        alpha, beta, nu, best_x, best_obj = carry
        x = select(alpha, beta, nu)
        use_i, use_e, use_p = _usage(s, x, p, tau)
        obj = jnp.sum(jnp.where(x > 0, gain, 0))
        better = _feasible(s, x, p, tau) & (obj > best_obj)
        best_x = jnp.where(better, x, best_x)
        best_obj = jnp.where(better, obj, best_obj)
        d = step * scale / jnp.sqrt(i + 1.0)
        alpha = _dual_step(alpha, use_i, d)                                               # (28), (31)
        beta = _dual_step(beta, use_e, d)                                                 # (29), (32)
        nu = _dual_step(nu, use_p, d)                                                     # (30), (33)
        return alpha, beta, nu, best_x, best_obj

    init = (jnp.zeros((g, m), p.dtype), jnp.zeros((l,), p.dtype), jnp.zeros((g, l), p.dtype), x_prev, obj_prev)
    *_, best_x, _ = jax.lax.fori_loop(0, num_iters, body, init)
    return best_x



# ----------------------------------------------------------------------------------- Algorithm 2

@eqx.filter_jit
def _slack(scenario, p):
    """W-step (35): w* of (17) for every candidate (g, k, n) at powers p. ``[G, K, N]``."""
    return slack_fixed_point(snr_terms(scenario.lam, p, scenario.noise_w), scenario.num_rx_antennas)


def _slack_implicit(scenario, p):
    r"""``_slack`` with the implicit derivative of the root of (17), for unrolled mode: the value is
    the bisection root $w_0$ exactly; the derivative is that of one Newton step
    $w_0 - F(w_0)/F_w(w_0)$ with $F(w) = w + \sum_l a_l w/(1 + N_r a_l w) - 1$, i.e.
    $dw = -F_a\,da/F_w$ (the rates need no such term, envelope theorem (P3), but the P-steps use
    w as data). ``[G, K, N]``."""
    w0 = _slack(scenario, p)
    a = snr_terms(scenario.lam, p, scenario.noise_w)                                          # [G, K, N, L]
    nr = scenario.num_rx_antennas
    resid = w0 + jnp.sum(a * w0[..., None] / (1.0 + nr * a * w0[..., None]), axis=-1) - 1.0
    slope = 1.0 + jnp.sum(a / (1.0 + nr * a * w0[..., None]) ** 2, axis=-1)
    newton = -resid / slope
    return w0 + (newton - jax.lax.stop_gradient(newton))


def _assigned_gamma(scenario, x, w):
    r"""$\gamma_{g,l,n} = N_r w_{g,k(g,n),n}\lambda_{g,k(g,n),l,n}/\sigma^2$ of the assigned user
    (0 on unused subchannels). ``[G, L, N]``."""
    gam = scenario.num_rx_antennas * w[:, :, None, :] * scenario.lam / scenario.noise_w       # [G, K, L, N]
    return jnp.sum(x[:, :, None, :] * gam, axis=1)


def _dual_step(mult, use, d):
    r"""Projected subgradient step on a relative constraint: $[\mu + d\,\mathrm{clip}(u - 1, -1, 1)]^+$
    (the clipped subgradient keeps one wildly violated constraint from throwing the multiplier far
    off when the dual starts with every price at 0)."""
    return jnp.maximum(mult + d * jnp.clip(use - 1.0, -1.0, 1.0), 0.0)


def _capped_water_fill(weight, gamma, cost, cap):
    r"""Water-filling over the box $0 \le p \le P_{max}$: $p = \min([\,w\log_2 e/c - 1/\gamma\,]^+,
    P_{max})$ (0 where $\gamma = 0$), written so that reverse-mode autodiff stays finite
    where all prices are ~0 (there $w\log_2 e/c$ overflows and its derivative $-w/c^2$ is inf times
    a zero cotangent): where the level exceeds ``cap`` + 1/gamma the cap is returned without dividing
    by the cost."""
    safe_gamma = jnp.where(gamma > 0, gamma, 1.0)
    capped = cost < weight * _LOG2E / (cap + 1.0 / safe_gamma)
    safe_cost = jnp.where(capped, 1.0, jnp.maximum(cost, 1e-300))
    level = weight * _LOG2E / safe_cost
    p = jnp.where(capped, cap, jnp.clip(level - 1.0 / safe_gamma, 0.0, cap))
    return jnp.where(gamma > 0, p, 0.0)


def _dual_costs(scenario, x, tau, alpha, beta, nu):
    r"""$c_{g,l,n}$: priced resource use of one watt on (g, l, n) (relative constraints)."""
    s = scenario
    used = jnp.sum(x, axis=1)                                                                # [G, N]
    c_i = jnp.sum(alpha[:, :, None, None] * s.y[:, :, None, :] * s.phi, axis=1) / s.interference_threshold_w
    c_e = beta[None, :, None] * tau[:, None, None] / s.energy_per_uav_j[None, :, None]
    c_p = nu[:, :, None] / s.p_max_w
    return used[:, None, :] * (c_i + c_e + c_p)


@eqx.filter_jit
def _pstep_sum(scenario, x, tau, w, p_prev, num_iters: int, step: float):
    r"""P-step (34) with W fixed: maximise $\sum_{g,n}\tau_g\sum_l\log_2(1+\gamma_{g,l,n}p_{g,l,n})$
    under (34b)-(34e) by dual water-filling over the box $0 \le p \le P_{max}$ (implied by the
    power limit (13); without the cap, all prices at 0 put p at 1e300 W in float64 and at inf in
    float32, D77) + projected subgradient. Returns the best feasible
    (scaled) primal iterate (or ``p_prev`` when none beats it) and the smallest dual value seen,
    an upper bound on the P-step optimum (weak duality), so the gap certifies the step."""
    s = scenario
    g, _, l, n, m = s.sizes
    gamma = _assigned_gamma(s, x, w)
    used = jnp.sum(x, axis=1)
    weight = tau[:, None, None] * used[:, None, :]                                           # [G, 1, N] -> bcast

    def value(p):
        return jnp.sum(weight * jnp.log1p(gamma * p)) * _LOG2E

    n_used = jnp.maximum(jnp.sum(used, axis=-1), 1.0)                                        # [G]
    scale = jnp.maximum(jnp.sum(tau * n_used) * _LOG2E / g, 1e-30)
    nu0 = jnp.broadcast_to((tau * n_used * _LOG2E)[:, None], (g, l))                         # p ~ P_max / n_used

    def body(i, carry):
        alpha, beta, nu, best_p, best_v, dual = carry
        cost = _dual_costs(s, x, tau, alpha, beta, nu)
        p = _capped_water_fill(weight, gamma, cost, s.p_max_w)                             # argmax of the Lagrangian on the box (D77)
        use_i, use_e, use_p = _usage(s, x, p, tau)
        lagrangian = (value(p) - jnp.sum(alpha * (use_i - 1.0)) - jnp.sum(beta * (use_e - 1.0))
                      - jnp.sum(nu * (use_p - 1.0)))
        dual = jnp.minimum(dual, lagrangian)
        p_feas = p * feasibility_scale(s, x, p, tau)
        v = value(p_feas)
        better = v > best_v
        best_p = jnp.where(better, p_feas, best_p)
        best_v = jnp.where(better, v, best_v)
        d = step * scale / jnp.sqrt(i + 1.0)
        return _dual_step(alpha, use_i, d), _dual_step(beta, use_e, d), _dual_step(nu, use_p, d), best_p, best_v, dual

    init = (jnp.zeros((g, m), tau.dtype), jnp.zeros((l,), tau.dtype), nu0, p_prev, value(p_prev),
            jnp.asarray(jnp.inf, tau.dtype))
    *_, best_p, _, dual = jax.lax.fori_loop(0, num_iters, body, init)
    return best_p, dual


def _safeguarded(objective, args, p_old, p_hat, obj_old, differentiable: bool, max_halvings: int = 20):
    r"""Accept ``p_hat`` if ``objective(args, p)`` does not decrease; otherwise damp towards
    ``p_old`` (spec Sec. 3.3 caveat), halving $\theta$; keep ``p_old`` if nothing helps. Returns
    ``(p, objective)``.

    The search for $\theta$ is a ``lax.while_loop`` on values under ``stop_gradient`` (``args``
    included: the choice of $\theta$ is discrete). With ``differentiable`` the accepted point and
    its objective are recomputed outside the loop, so reverse-mode autodiff sees
    $p_{old} + \theta(\hat p - p_{old})$ (one more objective evaluation); without, the loop's
    own values are returned (the same numbers)."""
    sg = jax.lax.stop_gradient
    args0, old0, hat0, obj0 = sg(args), sg(p_old), sg(p_hat), sg(obj_old)

    def cond(c):
        j, _, accepted, _, _ = c
        return (j < max_halvings) & ~accepted

    def body(c):
        j, theta, _, _, _ = c
        cand = old0 + theta * (hat0 - old0)
        val = objective(args0, cand)
        accepted = val >= obj0
        return j + 1, jnp.where(accepted, theta, 0.5 * theta), accepted, cand, val

    init = (jnp.asarray(0), jnp.asarray(1.0, p_old.dtype), jnp.asarray(False), old0, obj0)
    _, theta, accepted, cand, val = jax.lax.while_loop(cond, body, init)
    if differentiable:
        cand = p_old + theta * (p_hat - p_old)
        val = objective(args, cand)
    return jnp.where(accepted, cand, p_old), jnp.where(accepted, val, obj_old)


def _power_iterations(scenario, x, p, tau, objective, pstep, mode: Mode):
    """The driver shared by Algorithms 2 and 5, one ``satjax.optim.iterate`` over the state
    ``(p, w, objective)``: P-step ``pstep(w, p)``, safeguard, W-step (35). Unused subchannels get
    p = 0 first. Returns ``(p, w, trace)``."""
    used = jnp.sum(x, axis=1)
    p = p * (used[:, None, :] > 0)                                                           # unused -> 0 (feasible: less use)
    differentiable = mode.differentiable
    slack = _slack_implicit if differentiable else _slack

    def at(args, pp):
        sc, xx, tt = args
        return objective(sc, xx, pp, tt)

    def step(state):
        p, w, obj = state
        p_new, obj_new = _safeguarded(at, (scenario, x, tau), p, pstep(w, p), obj, differentiable)
        return p_new, slack(scenario, p_new), obj_new

    (p, w, _), trace = iterate(step, (p, slack(scenario, p), objective(scenario, x, p, tau)), lambda st: st[2], mode)
    return p, w, trace


def _check_iters_step(num_iters, step):
    check_int_range("num_iters", num_iters, 1)
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not 0 < step < math.inf:
        raise ValueError(f"step must be a finite number > 0, got {step!r}")


def _check_power_args(scenario, x, p, tau, mode, num_dual, step):
    check_mode(mode)
    _check_iters_step(num_dual, step)
    _check_decision(scenario, x, p, tau)


@eqx.filter_jit
def _algorithm2(scenario, x, p, tau, mode, num_dual, step):
    return _power_iterations(scenario, x, p, tau, overall_efficiency,
                             lambda w, pp: _pstep_sum(scenario, x, tau, w, pp, num_dual, step)[0], mode)


def algorithm2_power(scenario: UavScenario, x: _X, p: _P, tau: _TAU, *, mode: Mode = Solve(tol=1e-6, max_iters=10),
                     num_dual: int = 500, step: float = 2.0) -> tuple[_P, Float[ArrayLike, "G K N"], IterationTrace]:
    r"""Algorithm 2: coordinated power allocation for fixed X and tau.

    Alternates the P-step (34) (with W fixed; closed form
    $p = [\tau_g\log_2 e/c_{g,l,n} - 1/\gamma_{g,k(g,n),l,n}]^+$, multipliers by projected
    subgradient) and the W-step (35) (fixed point (17) for every candidate), accepting a P-step
    only if $\tilde\eta$ does not decrease (else damped). Unused subchannels get p = 0.

    Args:
        scenario: the ``UavScenario``.
        x: ``[G, K, N]`` assignment in {0, 1} (fixed).
        p: ``[G, L, N]`` start powers [W] (feasible).
        tau: ``[G]`` hovering times [s] (fixed).
        mode: ``satjax.optim.Solve`` (default: stop when the relative change of $\tilde\eta$ is
            at most 1e-6, at most 10 P/W rounds) or ``satjax.optim.Unroll`` (a fixed number of
            rounds, reverse-differentiable).
        num_dual: subgradient iterations of each P-step (>= 1).
        step: $\delta_0$ of the P-step's step sizes (> 0).

    Returns:
        ``(p, w, trace)``: powers ``[G, L, N]`` [W], the slack ``[G, K, N]`` of (17) at them, and
        the ``satjax.optim.IterationTrace`` of $\tilde\eta$ (15) [bit/Hz].
    """
    _check_power_args(scenario, x, p, tau, mode, num_dual, step)
    return _algorithm2(scenario, x, p, tau, mode, num_dual, step)


# ------------------------------------------------------------------------------ hovering time (21)

def _tau_rows(scenario, x, p):
    """(c [G], e [G, L]) of LP (21)."""
    return jnp.sum(x * candidate_rates(scenario, p), axis=(1, 2)), power_use(x, p)


def _shrink_tau(scenario, tau, e):
    """Clip to [0, tau_max] and scale so (14c) and (14e) hold exactly (the LP solver's iterate
    meets them to its tolerance only)."""
    tau = jnp.clip(tau, 0.0, scenario.tau_max_s)
    use = jnp.concatenate([jnp.sum(tau, keepdims=True) / scenario.hover_budget_s,
                           (tau @ e) / scenario.energy_per_uav_j])
    return tau * (1.0 - _FEAS_MARGIN) / jnp.maximum(1.0, jnp.max(use))


def hovering_time_lp(scenario: UavScenario, x: _X, p: _P, tau_prev: _TAU | None = None) -> _TAU:
    r"""LP (21): $\max_\tau \sum_g \tau_g c_g$ s.t. $\sum_g\tau_g\le T$,
    $0\le\tau_g\le\tau_{max}$, $\sum_g\tau_g e_{g,l}\le E_l$, with
    $c_g = \sum_{k,n}x\tilde R$, $e_{g,l} = \sum_n s_{g,n}p_{g,l,n}$.

    Solved in JAX (``satjax._linalg.small_lp_max``, qpax's interior-point method) in the variables
    $u_g = \tau_g/\min(\tau_{max}, T)$ with every row divided by its right-hand side, then
    clipped and scaled into the constraints (``_shrink_tau``). Pure JAX (``jit``/``vmap``); the
    tests hold its objective to HiGHS (``scipy.optimize.linprog``) within 1e-9 + 1e-11 relative in
    float64 (1e-9 is the feasibility margin) and 2e-6 in float32. No derivative through the LP
    solver (``stop_gradient``).

    Args:
        scenario: the ``UavScenario``.
        x: ``[G, K, N]`` assignment, entries 0 or 1.
        p: ``[G, L, N]`` powers [W], finite and >= 0.
        tau_prev: optional ``[G]`` current hovering times [s]: the result is then never worse than
            ``tau_prev`` (BCD monotonicity against solver tolerances), and a non-finite solver
            result is replaced by it; without, a non-finite result is an error.

    Returns:
        ``[G]`` hovering times [s]. Bad concrete inputs (NaN or negative ``p``, a non-binary
        ``x``) raise a ``ValueError`` naming them; under ``jit`` they give NaN.
    """
    ok = _check_decision(scenario, x, p, tau_prev)
    return jnp.where(ok, _hovering_time_lp(scenario, x, p, tau_prev, ok), jnp.nan)


@eqx.filter_jit
def _hovering_time_lp(scenario, x, p, tau_prev=None, valid=True):
    """The jitted body of ``hovering_time_lp`` (called inside Algorithm 3 unchecked); ``valid``
    False (bad traced inputs) skips the non-finite error, the caller returns NaN."""
    c, e = _tau_rows(scenario, x, p)
    g = c.shape[0]
    # u = tau / unit with unit = min(tau_max, T): u <= 1 is then tau <= tau_max exactly, or (when
    # tau_max > T) implied by sum(tau) <= T, and no bound row is scaled by a huge tau_max.
    unit = jnp.minimum(scenario.tau_max_s, scenario.hover_budget_s)
    rows = jnp.concatenate([jnp.full((1, g), 1.0, c.dtype) / scenario.hover_budget_s,
                            e.T / scenario.energy_per_uav_j[:, None]]) * unit                    # [1 + L, G]
    sg = jax.lax.stop_gradient                                   # no derivative through the solver's loop
    u = small_lp_max(sg(c), sg(rows), jnp.ones((rows.shape[0],), c.dtype))
    tau = _shrink_tau(scenario, u * unit, e)
    finite = jnp.all(jnp.isfinite(tau))
    if tau_prev is None:
        msg = "hovering-time LP (21): the interior-point solver returned a non-finite tau"
        return eqx.error_if(tau, ~finite & valid, msg)
    return jnp.where(finite & (c @ tau >= c @ tau_prev), tau, tau_prev)


# ------------------------------------------------------------------------------ BCD (Algorithms 3, 6)

class BcdResult(eqx.Module):
    """Output of ``algorithm3`` / ``algorithm6`` (a pytree: ``vmap`` stacks it).

    Attributes:
        x: ``[G, K, N]`` subchannel assignment in {0, 1}.
        p: ``[G, L, N]`` powers [W].
        tau: ``[G]`` hovering times [s].
        trace: the ``satjax.optim.IterationTrace`` of the objective [bit/Hz] (overall efficiency
            (15) for Algorithm 3, minimum efficiency (10) for Algorithm 6): ``trace.objective
            [T + 1]`` at the start (entry 0) and after every outer iteration (in solve mode the
            entries after the stop repeat the final value), ``trace.num_iters`` the outer
            iterations run, ``trace.converged`` the stopping rule held.
        block_objective: ``[T, 3]`` the objective [bit/Hz] after each block (``BLOCKS``:
            subchannels, power, hovering) of each outer iteration (rows from ``num_iters`` on
            repeat the final values).
        block_violation: ``[T, 3]`` the largest relative constraint residual
            (``satjax.uav.max_violation``) after each block, likewise.
        initial_violation: ``[]`` that of the start point.
    """

    x: Float[ArrayLike, "G K N"]
    p: Float[ArrayLike, "G L N"]
    tau: Float[ArrayLike, " G"]
    trace: IterationTrace
    block_objective: Float[ArrayLike, "T 3"]
    block_violation: Float[ArrayLike, "T 3"]
    initial_violation: Float[ArrayLike, ""]

    @property
    def objective(self) -> Float[ArrayLike, "..."]:
        """The final objective [bit/Hz] (``trace.objective[..., -1]``; a batch under ``vmap``)."""
        return self.trace.objective[..., -1]


#: Block names of Algorithms 3 and 6 (the columns of ``BcdResult.block_objective``), in order.
BLOCKS = ("subchannels", "power", "hovering")


def _bcd(s, start, objective, blocks, mode: Mode) -> BcdResult:
    """The BCD shared by Algorithms 3 and 6, one ``satjax.optim.iterate``: a step applies
    ``blocks`` (each ``(x, p, tau) -> (x, p, tau)``) in turn and records the objective and the
    largest constraint residual after every block in rows of the state (rows from the current
    iteration on, so a stopped run's rows repeat its final values). The metric is the objective
    after the last block. All results are NaN when no user is real (a traced all-padded mask)."""
    x, p, tau = start
    obj0 = objective(x, p, tau)
    depth = mode.max_steps
    rows = jnp.arange(depth)[:, None]

    def step(state):
        x, p, tau, it, _, bobj, bviol = state
        values, viols = [], []
        for block in blocks:
            x, p, tau = block(x, p, tau)
            values.append(objective(x, p, tau))
            viols.append(max_violation(s, x, p, tau))
        bobj = jnp.where(rows >= it, jnp.stack(values), bobj)
        bviol = jnp.where(rows >= it, jnp.stack(viols), bviol)
        return x, p, tau, it + 1, values[-1], bobj, bviol

    zeros = jnp.zeros((depth, len(blocks)), obj0.dtype)
    init = (x, p, tau, jnp.asarray(0), obj0, zeros, zeros)
    (x, p, tau, _, _, bobj, bviol), trace = iterate(step, init, lambda st: st[4], mode)
    real = jnp.any(s.user_mask)
    nan_unless_real = lambda a: jnp.where(real, a, jnp.nan)  # noqa: E731
    x, p, tau, bobj, bviol = map(nan_unless_real, (x, p, tau, bobj, bviol))
    trace = eqx.tree_at(lambda t: t.objective, trace, nan_unless_real(trace.objective))
    return BcdResult(x, p, tau, trace, bobj, bviol, max_violation(s, *start))


def _power_mode(mode: Mode, power_mode: Mode | None) -> Mode:
    """The inner mode of Algorithms 2/5 inside Algorithms 3/6: ``power_mode`` if given (checked),
    else ``Unroll(10)`` when ``mode`` is differentiable (``Unroll``: a ``while_loop`` inside would not
    be reverse-differentiable) and ``Solve(tol=1e-6, max_iters=10)`` otherwise."""
    check_mode(mode)
    if power_mode is None:
        return Unroll(10) if mode.differentiable else Solve(tol=1e-6, max_iters=10)
    check_mode(power_mode, "power_mode")
    if mode.differentiable and not power_mode.differentiable:
        raise ValueError(f"power_mode must be satjax.optim.Unroll(...) (a differentiable mode) when mode is {mode!r}, "
                         f"got {power_mode!r}: a Solve loop inside cannot be reverse-differentiated")
    return power_mode


def _start(scenario, init):
    """``init`` checked (``_checked_init``), or None for ``initial_point`` (computed inside ``jit``)."""
    _check_real_users(scenario)
    return None if init is None else _checked_init(scenario, init)


# ----------------------------------------------------------------------------------- Algorithm 3

def algorithm3(scenario: UavScenario, *, mode: Mode = Solve(tol=1e-4, max_iters=10), power_mode: Mode | None = None,
               alg1_iters: int = 200, alg2_dual: int = 500, init: tuple | None = None) -> BcdResult:
    r"""Algorithm 3: BCD for the overall efficiency (18), Algorithm 1 -> Algorithm 2 -> LP (21),
    from the feasible ``initial_point`` (or ``init``). Every block keeps all constraints and never
    lowers $\tilde\eta$ (chain (42)-(45)).

    ``jit``/``vmap``-able: ``jax.vmap(algorithm3)(scenarios)`` solves a batch in one compiled call,
    each scenario stopping on its own test in solve mode (a stopped scenario's state is frozen
    while the others continue, so its result does not depend on the batch).

    Args:
        scenario: the ``UavScenario`` (at least one real user).
        mode: the outer BCD loop: ``satjax.optim.Solve`` (default: stop when the relative change
            of $\tilde\eta$ is at most 1e-4, at most 10 iterations) or ``satjax.optim.Unroll``
            (a fixed number of iterations, reverse-differentiable in the scenario's physical
            parameters through the power blocks; the subchannel choices and the LP's solver are
            piecewise constant, no derivative).
        power_mode: the loop of Algorithm 2 inside each iteration (default
            ``Solve(tol=1e-6, max_iters=10)``, or ``Unroll(10)`` when ``mode`` is differentiable, as ``Unroll``).
        alg1_iters: dual iterations of Algorithm 1 (>= 1).
        alg2_dual: dual iterations of each P-step of Algorithm 2 (>= 1).
        init: optional feasible start ``(x [G, K, N], p [G, L, N] [W], tau [G] [s])``; an
            infeasible one is refused with a ``ValueError`` naming the violated constraint.

    Returns:
        ``BcdResult``: ``x [G, K, N]``, ``p [G, L, N]`` [W], ``tau [G]`` [s], the trace of
        $\tilde\eta$ [bit/Hz] and the per-block objective and constraint residual.

    Examples:
        >>> import jax
        >>> import satjax
        >>> from satjax import uav
        >>> system = satjax.get_system("uav")
        >>> scenario = uav.sample_uav_scenario(jax.random.key(0), system.params(**system.tiny))
        >>> result = uav.algorithm3(scenario)
        >>> result.x.shape, result.p.shape, result.tau.shape       # [G, K, N], [G, L, N] W, [G] s
        ((2, 2, 3), (2, 2, 3), (2,))
        >>> bool(uav.max_violation(scenario, result.x, result.p, result.tau) <= 1e-5)   # feasible
        True
    """
    power_mode = _power_mode(mode, power_mode)
    check_int_range("alg1_iters", alg1_iters, 1)
    check_int_range("alg2_dual", alg2_dual, 1)
    return _algorithm3(scenario, _start(scenario, init), mode, power_mode, alg1_iters, alg2_dual)


@eqx.filter_jit
def _algorithm3(s, start, mode, power_mode, alg1_iters, alg2_dual) -> BcdResult:
    start = initial_point(s) if start is None else start
    blocks = (lambda x, p, tau: (_algorithm1(s, x, p, tau, alg1_iters, 0.5), p, tau),
              lambda x, p, tau: (x, _algorithm2(s, x, p, tau, power_mode, alg2_dual, 2.0)[0], tau),
              lambda x, p, tau: (x, p, _hovering_time_lp(s, x, p, tau)))
    return _bcd(s, start, lambda x, p, tau: overall_efficiency(s, x, p, tau), blocks, mode)


# ----------------------------------------------------------------------------------- Algorithm 4

def _check_enough_subchannels(scenario):
    """Property 1 needs N >= K_g (real users of every group): a ``ValueError`` naming both when the
    mask is concrete; under ``jit`` an ``equinox`` runtime error with the same message."""
    _, _, _, n, _ = scenario.sizes
    msg = "num_subchannels N must be >= users_per_group K_g for the max-min algorithms (Property 1)"
    real = jnp.sum(scenario.user_mask, axis=1)
    if isinstance(real, jax.core.Tracer):
        return lambda x: eqx.error_if(x, n < jnp.max(real), msg)
    if n < int(jnp.max(real)):
        raise ValueError(f"{msg}, got N={n} < K_g={int(jnp.max(real))}")
    return lambda x: x


def _greedy_maxmin_group(c, real):
    """Algorithm 4 on one group: ``c [K, N]`` per-user subchannel values, ``real [K]`` the real
    users. N steps, one subchannel each: coverage phase while a real user is unserved, then greedy."""
    k, n = c.shape

    def step(_, carry):
        x, avail, eff, unserved = carry
        value = jnp.where(avail[None, :], c, -jnp.inf)                                      # [K, N]
        best_n = jnp.argmax(value, axis=1)                                                   # each user's best
        best_v = jnp.take_along_axis(value, best_n[:, None], axis=1)[:, 0]
        covering = jnp.any(unserved)
        k_cover = jnp.argmin(jnp.where(unserved, best_v, jnp.inf))                           # worst best among unserved
        k_greedy = jnp.argmin(jnp.where(real, eff, jnp.inf))                                 # lowest running efficiency
        kk = jnp.where(covering, k_cover, k_greedy)
        nn = best_n[kk]
        x = x.at[kk, nn].set(1.0)
        return x, avail.at[nn].set(False), eff.at[kk].add(c[kk, nn]), unserved.at[kk].set(False)

    init = (jnp.zeros((k, n), c.dtype), jnp.ones((n,), bool), jnp.zeros((k,), c.dtype), real)
    return jax.lax.fori_loop(0, n, step, init)[0]


def algorithm4_subchannels(scenario: UavScenario, x_prev: _X | None, p: _P, tau: _TAU) -> _X:
    r"""Algorithm 4: greedy max-min subchannel allocation, per group (groups are independent).

    $c_{k,n} = \tau_g\tilde R_{g,k,n}$. Coverage phase (Property 1): K_g times, the unserved
    user whose best available subchannel is worst takes it. Greedy phase: while subchannels
    remain, the user with the lowest running efficiency takes its best available one (ties: the
    lowest index). Every subchannel is assigned (Theorem 2: interference, energy and power are then
    those of ``x_prev``, which assigned every subchannel too). Pure JAX (a ``fori_loop`` of N
    steps per group, ``vmap`` over groups).

    Args:
        scenario: the ``UavScenario``; needs $N \ge K_g$ (else a ``ValueError`` naming both).
        x_prev: ``[G, K, N]`` current assignment in {0, 1}, returned if the greedy minimum is lower
            (safeguard), or None.
        p: ``[G, L, N]`` powers [W] (fixed).
        tau: ``[G]`` hovering times [s] (fixed).

    Returns:
        ``[G, K, N]`` the assignment, every subchannel to exactly one real user.
    """
    _check_decision(scenario, x_prev, p, tau)
    guard = _check_enough_subchannels(scenario)                       # before jit: a ValueError
    return guard(_algorithm4(scenario, x_prev, p, tau))


@eqx.filter_jit
def _algorithm4(scenario, x_prev, p, tau):
    c = tau[:, None, None] * candidate_rates(scenario, p)
    x = jax.vmap(_greedy_maxmin_group)(c, scenario.user_mask)
    if x_prev is None:
        return x
    worse = min_efficiency(scenario, x, p, tau) < min_efficiency(scenario, x_prev, p, tau)
    return jnp.where(worse, x_prev, x)


# ----------------------------------------------------------------------------------- Algorithm 5

#: Step of Algorithm 5's exponentiated user weights, a multiple of ``step``:
#: $\omega \leftarrow \omega\exp(-0.5\,\delta_0/\sqrt{i+1}\,(u/\bar u - 1))$. The former 2.0 amplified
#: round-off (a 1e-12 change of the input moved Algorithm 6 by up to 13 %); 0.5 keeps the spread
#: within 4.2e-4 on 24 default-size drops (docs/paper-c.md, D71).
_WEIGHT_STEP = 0.5

@eqx.filter_jit
def _pstep_maxmin(scenario, x, tau, w, p_prev, num_iters: int, step: float):
    r"""P-step (58) with W fixed: $\max_P \min_{g,k}\tau_g\sum_n x f(P, w)$ under
    (58c)-(58f), through the Lagrangian (60): user weights $\omega$ (exponentiated
    subgradient on the simplex, damped by ``_WEIGHT_STEP``) and relative-constraint multipliers
    (projected subgradient); the Lagrangian's maximiser is water-filling over the box
    $0 \le p \le P_{max}$ (implied by (58f); without the cap, all prices at 0 put p near 1e300).
    The best feasible (scaled) primal iterate is returned, or ``p_prev``."""
    s = scenario
    g, k, l, n, m = s.sizes
    gamma = _assigned_gamma(s, x, w)
    nr = s.num_rx_antennas
    comp = nr * ((w - 1.0) * _LOG2E - jnp.log2(w))                                            # [G, K, N]

    def utilities(p):
        a = snr_terms(s.lam, p, s.noise_w)                                                     # [G, K, N, L]
        f = jnp.sum(jnp.log1p(nr * w[..., None] * a), axis=-1) * _LOG2E + comp
        u = tau[:, None] * jnp.sum(x * f, axis=-1)
        return jnp.where(s.user_mask, u, jnp.inf)

    def value(p):
        return jnp.min(utilities(p))

    n_used = jnp.maximum(jnp.sum(x, axis=(1, 2)), 1.0)                                      # [G]
    k_total = jnp.maximum(jnp.sum(s.user_mask), 1)
    u0 = utilities(p_prev)
    scale = jnp.maximum(jnp.sum(jnp.where(s.user_mask, u0, 0.0)) / k_total, 1e-30)              # mean over real users
    omega0 = jnp.where(s.user_mask, 1.0 / k_total, 0.0)                                      # simplex over users
    nu0 = jnp.broadcast_to((tau * n_used * _LOG2E / k_total)[:, None], (g, l))                # p ~ P_max / n_used

    def body(i, carry):
        omega, alpha, beta, nu, best_p, best_v = carry
        wt = tau[:, None] * jnp.sum(x * omega[:, :, None], axis=1)                           # [G, N]
        cost = _dual_costs(s, x, tau, alpha, beta, nu)
        p = _capped_water_fill(wt[:, None, :], gamma, cost, s.p_max_w)                    # box 0 <= p <= P_max
        p_feas = p * feasibility_scale(s, x, p, tau)
        u = utilities(p_feas)
        v = jnp.min(u)
        better = v > best_v
        best_p = jnp.where(better, p_feas, best_p)
        best_v = jnp.where(better, v, best_v)
        use_i, use_e, use_p = _usage(s, x, p, tau)
        d = step * scale / jnp.sqrt(i + 1.0)
        u_real = jnp.where(s.user_mask, u, 0.0)
        rel = u_real / jnp.maximum(jnp.sum(u_real) / k_total, 1e-30)
        omega = jnp.where(s.user_mask, omega * jnp.exp(-_WEIGHT_STEP * step / jnp.sqrt(i + 1.0) * (rel - 1.0)), 0.0)
        omega = omega / jnp.sum(omega)
        return omega, _dual_step(alpha, use_i, d), _dual_step(beta, use_e, d), _dual_step(nu, use_p, d), best_p, best_v

    init = (omega0, jnp.zeros((g, m), tau.dtype), jnp.zeros((l,), tau.dtype), nu0, p_prev, jnp.min(u0))
    *_, best_p, _ = jax.lax.fori_loop(0, num_iters, body, init)
    return best_p



@eqx.filter_jit
def _algorithm5(scenario, x, p, tau, mode, num_dual, step):
    return _power_iterations(scenario, x, p, tau, min_efficiency,
                             lambda w, pp: _pstep_maxmin(scenario, x, tau, w, pp, num_dual, step), mode)


def algorithm5_power(scenario: UavScenario, x: _X, p: _P, tau: _TAU, *, mode: Mode = Solve(tol=1e-6, max_iters=10),
                     num_dual: int = 500, step: float = 2.0) -> tuple[_P, Float[ArrayLike, "G K N"], IterationTrace]:
    r"""Algorithm 5: max-min power allocation (55)-(60): P-step (58) with W fixed (Theorem 3
    decouples P and W), W-step (59), each P-step accepted only if the minimum efficiency does not
    decrease (else damped).

    Args:
        scenario: the ``UavScenario``.
        x: ``[G, K, N]`` assignment in {0, 1} (fixed).
        p: ``[G, L, N]`` start powers [W] (feasible).
        tau: ``[G]`` hovering times [s] (fixed).
        mode: ``satjax.optim.Solve`` (default: stop when the relative change of the minimum
            efficiency is at most 1e-6, at most 10 P/W rounds) or ``satjax.optim.Unroll``.
        num_dual: subgradient iterations of each P-step (>= 1).
        step: $\delta_0$ of the P-step's step sizes (> 0).

    Returns:
        ``(p, w, trace)``: powers ``[G, L, N]`` [W], the slack ``[G, K, N]`` of (17) at them, and
        the ``satjax.optim.IterationTrace`` of the minimum efficiency (10) [bit/Hz].
    """
    _check_power_args(scenario, x, p, tau, mode, num_dual, step)
    return _algorithm5(scenario, x, p, tau, mode, num_dual, step)


# --------------------------------------------------------------------------- max-min hovering (49)

def maxmin_hovering_time(scenario: UavScenario, x: _X, p: _P, tau_prev: _TAU | None = None) -> _TAU:
    r"""Closed form of the max-min hovering problem (49) (spec Sec. 3.5): with
    $\underline c_g = \min_k \sum_n x\tilde R > 0$,

    $$
    t^* = \min\Big\{\frac{T}{\sum_g 1/\underline c_g},\ \min_g\tau_{max}\underline c_g,\
    \min_l\frac{E_l}{\sum_g e_{g,l}/\underline c_g}\Big\},\qquad \tau_g = t^*/\underline c_g.
    $$

    If some $\underline c_g = 0$ the optimum is 0 for every tau and ``tau_prev`` (or
    $\min(T/G,\tau_{max})$ scaled to feasibility) is returned. Pure JAX.

    Args:
        scenario: the ``UavScenario``.
        x: ``[G, K, N]`` assignment in {0, 1}.
        p: ``[G, L, N]`` powers [W].
        tau_prev: optional ``[G]`` current hovering times [s] (the fallback).

    Returns:
        ``[G]`` hovering times [s].
    """
    _check_decision(scenario, x, p, tau_prev)
    return _maxmin_hovering_time(scenario, x, p, tau_prev)


@eqx.filter_jit
def _maxmin_hovering_time(scenario, x, p, tau_prev=None):
    per_user = jnp.sum(x * candidate_rates(scenario, p), axis=-1)                           # [G, K]
    c = jnp.min(jnp.where(scenario.user_mask, per_user, jnp.inf), axis=1)                    # [G]
    e = power_use(x, p)                                                                      # [G, L]
    g = c.shape[0]
    positive = jnp.all(c > 0)
    inv = 1.0 / jnp.where(c > 0, c, 1.0)
    denom = inv @ e                                                                          # [L]
    energy_t = jnp.where(denom > 0, scenario.energy_per_uav_j / jnp.where(denom > 0, denom, 1.0), jnp.inf)
    t = jnp.minimum(jnp.minimum(scenario.hover_budget_s / jnp.sum(inv), scenario.tau_max_s * jnp.min(c)),
                    jnp.min(energy_t))
    closed = _shrink_tau(scenario, t * inv, e)
    if tau_prev is None:
        fallback = _shrink_tau(scenario, jnp.full((g,), jnp.minimum(scenario.hover_budget_s / g, scenario.tau_max_s),
                                                  c.dtype), e)
    else:
        fallback = jnp.asarray(tau_prev, c.dtype)
    return jnp.where(positive, closed, fallback)


def maxmin_hovering_time_lp(scenario: UavScenario, x: _X, p: _P) -> tuple[np.ndarray, float]:
    r"""(49) by ``scipy.optimize.linprog`` (HiGHS), outside ``jit``: the check of the closed form
    ``maxmin_hovering_time``. $\max t$ s.t. $t \le \tau_g c_{g,k}$, (21b)-(21d).

    Args:
        scenario: the ``UavScenario`` (concrete).
        x: ``[G, K, N]`` assignment in {0, 1}.
        p: ``[G, L, N]`` powers [W].

    Returns:
        ``(tau, t)``: hovering times ``[G]`` [s] (NumPy) and the optimal minimum efficiency [bit/Hz].
    """
    _check_decision(scenario, x, p)
    from scipy.optimize import linprog

    rates = _rates(scenario, p)
    per_user = np.asarray(jnp.sum(x * rates, axis=-1), np.float64)
    mask = np.asarray(scenario.user_mask)
    e = np.asarray(power_use(x, p), np.float64)
    g, k = per_user.shape
    rows, b = [], []
    for gi in range(g):
        for ki in range(k):
            if mask[gi, ki]:
                row = np.zeros(g + 1)
                row[gi], row[-1] = -per_user[gi, ki], 1.0
                rows.append(row)
                b.append(0.0)
    rows.append(np.concatenate([np.ones(g), [0.0]]))
    b.append(float(scenario.hover_budget_s))
    for li in range(e.shape[1]):
        rows.append(np.concatenate([e[:, li], [0.0]]))
        b.append(float(scenario.energy_per_uav_j[li]))
    cost = np.zeros(g + 1)
    cost[-1] = -1.0
    res = linprog(cost, A_ub=np.array(rows), b_ub=np.array(b),
                  bounds=[(0.0, float(scenario.tau_max_s))] * g + [(None, None)], method="highs")
    if res.status != 0:
        raise RuntimeError(f"max-min hovering LP (49) failed: {res.message}")
    return res.x[:g], -res.fun



# ----------------------------------------------------------------------------------- Algorithm 6

def _maxmin_tau_step(s, x, p, tau):
    """(49) in closed form, kept only if the minimum efficiency does not decrease."""
    new = _maxmin_hovering_time(s, x, p, tau)
    better = min_efficiency(s, x, p, new) >= min_efficiency(s, x, p, tau)
    return jnp.where(better, new, tau)


def algorithm6(scenario: UavScenario, *, mode: Mode = Solve(tol=1e-4, max_iters=10), power_mode: Mode | None = None,
               alg5_dual: int = 500, init: tuple | None = None) -> BcdResult:
    r"""Algorithm 6: BCD for the minimum efficiency (46), Algorithm 4 -> Algorithm 5 -> (49) in
    closed form, from ``initial_point`` (or ``init``) with its subchannels re-assigned by
    Algorithm 4 (every subchannel assigned and every user covered, as Theorem 2 and Property 1
    need). Every block keeps all constraints and never lowers the minimum efficiency.
    ``jit``/``vmap``-able like ``algorithm3``.

    Args:
        scenario: the ``UavScenario`` (at least one real user; $N \ge K_g$, else a
            ``ValueError`` naming both on a concrete scenario).
        mode: the outer BCD loop, ``satjax.optim.Solve`` (default: relative change of the
            minimum efficiency at most 1e-4, at most 10 iterations) or ``satjax.optim.Unroll``.
        power_mode: the loop of Algorithm 5 inside each iteration (default
            ``Solve(tol=1e-6, max_iters=10)``, or ``Unroll(10)`` when ``mode`` is differentiable, as ``Unroll``).
        alg5_dual: dual iterations of each P-step of Algorithm 5 (>= 1).
        init: optional feasible start ``(x, p, tau)`` as in ``algorithm3`` (its ``x`` is
            re-assigned by Algorithm 4).

    Returns:
        ``BcdResult`` with the trace of the minimum efficiency (10) [bit/Hz].
    """
    power_mode = _power_mode(mode, power_mode)
    check_int_range("alg5_dual", alg5_dual, 1)
    start = _start(scenario, init)
    guard = _check_enough_subchannels(scenario)                          # once, before jit when concrete
    return guard(_algorithm6(scenario, start, mode, power_mode, alg5_dual))


@eqx.filter_jit
def _algorithm6(s, start, mode, power_mode, alg5_dual) -> BcdResult:
    x, p, tau = initial_point(s) if start is None else start
    x = _algorithm4(s, None, p, tau)                                             # covers every user (Property 1)
    blocks = (lambda x, p, tau: (_algorithm4(s, x, p, tau), p, tau),
              lambda x, p, tau: (x, _algorithm5(s, x, p, tau, power_mode, alg5_dual, 2.0)[0], tau),
              lambda x, p, tau: (x, p, _maxmin_tau_step(s, x, p, tau)))
    return _bcd(s, (x, p, tau), lambda x, p, tau: min_efficiency(s, x, p, tau), blocks, mode)

r"""System C resource allocation: block coordinate descent over subchannels X, powers P (with the
slack W of (17)) and hovering times tau (paper C, Sec. III-IV; spec Sec. 3).

* ``algorithm1_subchannels`` — time-sharing relaxation (22) solved through its dual
  (23)-(33): score $\Theta$ (27), argmax rule (26), projected subgradient (28)-(30);
* ``algorithm2_power`` — alternation (34)-(35): dual multi-level water-filling with projected
  subgradient (P-step), then the fixed point (17) (W-step), with the monotonicity safeguard;
* ``hovering_time_lp`` — LP (21) by an interior-point method in JAX (qpax), inside ``jit``;
* ``algorithm3_solve`` — BCD for the overall efficiency (15) as one pure JAX program
  (``jit``/``vmap`` over scenarios); ``algorithm3`` — the same with a Python trace of every block;
* ``algorithm4_subchannels`` — greedy max-min allocation (coverage phase for Property 1, then
  greedy);
* ``algorithm5_power`` — max-min power (55)-(60) by dual subgradient with exponentiated user
  weights, W-step and safeguard;
* ``maxmin_hovering_time`` — closed form of (49) (spec Sec. 3.5);
* ``algorithm6_solve`` / ``algorithm6`` — BCD for the minimum efficiency (10), pure JAX / with a
  Python trace.

Constraints are dualised in relative form (usage / limit - 1), so the multipliers are in units of
the objective (bit/Hz) whatever the scale of I_th, E_l or P_max; step sizes are
$\delta_0 S/\sqrt{i+1}$ with S the objective scale. A dual iterate's primal point is made
feasible by the common scaling $\mathbf P \leftarrow \mathbf P/\max(1, \max \text{usage/limit})$
(every constraint is linear and homogeneous in P for fixed X, tau), and the best feasible
primal point over the dual iterations is kept. Every block returns a point that satisfies all
constraints and does not lower the objective (the safeguards of spec Sec. 3.2-3.3).
"""

from __future__ import annotations

import dataclasses
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from satjax._checks import check_int_range
from satjax._linalg import small_lp_max
from satjax.uav.rates import (
    candidate_rates,
    energy_use,
    leakage,
    max_violation,
    min_efficiency,
    overall_efficiency,
    power_use,
    slack_fixed_point,
    snr_terms,
)

__all__ = [
    "BcdResult",
    "initial_point",
    "algorithm1_subchannels",
    "algorithm2_power",
    "hovering_time_lp",
    "BcdSolution",
    "ALGORITHM3_BLOCKS",
    "algorithm3_solve",
    "algorithm3",
    "algorithm4_subchannels",
    "algorithm5_power",
    "maxmin_hovering_time",
    "maxmin_hovering_time_lp",
    "algorithm6",
    "algorithm6_solve",
    "ALGORITHM6_BLOCKS",
    "feasibility_scale",
    "check_bcd_args",
]

_LOG2E = 1.0 / math.log(2.0)

# Called eagerly by initial_point and maxmin_hovering_time_lp: compiled once per shape (an eager call
# would re-trace the bisection loop on every call).
_rates = eqx.filter_jit(candidate_rates)
#: Relative slack left in the scaled-to-feasibility points (guards round-off in the 1e-6 checks).
_FEAS_MARGIN = 1e-9


@dataclasses.dataclass
class BcdResult:
    """Output of ``algorithm3`` / ``algorithm6``.

    ``x [G, K, N]``, ``p [G, L, N]`` [W], ``tau [G]`` [s]; ``objective`` the final value;
    ``history`` the objective after every outer iteration (entry 0: the initial point);
    ``trace`` one ``(iteration, block, objective, max_violation)`` row per block."""

    x: np.ndarray
    p: np.ndarray
    tau: np.ndarray
    objective: float
    history: list
    trace: list
    iterations: int


def feasibility_scale(scenario, x, p, tau) -> jax.Array:
    r"""Largest factor $\le 1$ by which ``p`` can be multiplied so that interference (14b),
    energy (14e) and power (14f) hold (they are linear in p): $1/\max(1, \max \text{usage/limit})$,
    times $1 - 10^{-9}$."""
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


def initial_point(scenario):
    r"""Feasible start of the BCD (spec Sec. 3.4 step 1): $\tau_g = \min(T/G, \tau_{max})$,
    every subchannel to its best user, equal power $P_{max}/N$ scaled down until
    interference and energy hold."""
    g, _, l, n, _ = scenario.sizes
    dtype = scenario.lam.dtype
    tau = jnp.full((g,), jnp.minimum(scenario.hover_budget_s / g, scenario.tau_max_s), dtype)
    p = jnp.full((g, l, n), scenario.p_max_w / n, dtype)
    x = _best_user_assignment(scenario, _rates(scenario, p))
    return x, p * feasibility_scale(scenario, x, p, tau), tau


def _usage(scenario, x, p, tau):
    """Relative usages (interference [G, M], energy [L], power [G, L])."""
    return (leakage(scenario, x, p) / scenario.interference_threshold_w,
            energy_use(x, p, tau) / scenario.energy_per_uav_j,
            power_use(x, p) / scenario.p_max_w)


def _feasible(scenario, x, p, tau, rtol=1e-9):
    i, e, w = _usage(scenario, x, p, tau)
    return (jnp.max(i) <= 1 + rtol) & (jnp.max(e) <= 1 + rtol) & (jnp.max(w) <= 1 + rtol)


# ----------------------------------------------------------------------------------- Algorithm 1

@eqx.filter_jit
def algorithm1_subchannels(scenario, x_prev, p, tau, num_iters: int = 200, step: float = 0.5):
    r"""Algorithm 1: subchannel allocation by time-sharing relaxation and its dual.

    Score (27), in relative form:

    $$
    \Theta_{g,k,n} = \tau_g\tilde R_{g,k,n} - \sum_m \frac{\alpha_{g,m}}{I_{th}} y_{g,m,n}
    \sum_l\phi_{g,m,l,n}p_{g,l,n} - \sum_l\Big(\frac{\beta_l\tau_g}{E_l} + \frac{\nu_{g,l}}{P_{max}}\Big)p_{g,l,n}
    $$

    (26): $x_{g,k,n} = 1$ iff k maximises $\Theta_{g,\cdot,n}$ and $\Theta > 0$;
    multipliers by projected subgradient (28)-(30) with steps $\delta_0 S/\sqrt{i+1}$. The
    dual maximiser is binary. Returns the best feasible iterate, or ``x_prev`` when none beats it
    (safeguard, spec Sec. 3.2 step 3). ``x [G, K, N]``."""
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


def _water_fill(weight, gamma, cost):
    r"""$p = [\,w\log_2 e/c - 1/\gamma\,]^+$ (0 where $\gamma = 0$)."""
    safe_gamma = jnp.where(gamma > 0, gamma, 1.0)
    level = weight * _LOG2E / jnp.maximum(cost, 1e-300)
    return jnp.where(gamma > 0, jnp.maximum(level - 1.0 / safe_gamma, 0.0), 0.0)


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
    under (34b)-(34e) by dual water-filling + projected subgradient. Returns the best feasible
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
        p = _water_fill(weight, gamma, cost)                                                 # argmax of the Lagrangian
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


def _safeguarded(objective, p_old, p_hat, obj_old, max_halvings: int = 20):
    """Accept ``p_hat`` if the objective does not decrease; otherwise damp towards ``p_old``
    (spec Sec. 3.3 caveat), halving theta; keep ``p_old`` if nothing helps. Traced
    (``lax.while_loop``): returns ``(p, objective)``."""

    def cond(c):
        j, _, accepted, _, _ = c
        return (j < max_halvings) & ~accepted

    def body(c):
        j, theta, _, _, _ = c
        cand = p_old + theta * (p_hat - p_old)
        val = objective(cand)
        return j + 1, 0.5 * theta, val >= obj_old, cand, val

    init = (jnp.asarray(0), jnp.asarray(1.0, p_old.dtype), jnp.asarray(False), p_old, obj_old)
    _, _, accepted, cand, val = jax.lax.while_loop(cond, body, init)
    return jnp.where(accepted, cand, p_old), jnp.where(accepted, val, obj_old)


def _relative_change_small(new, old, tol):
    return jnp.abs(new - old) <= tol * jnp.maximum(jnp.abs(old), 1e-30)


def _power_bcd(scenario, x, p, tau, objective, pstep, num_outer: int, tol: float):
    """The driver shared by Algorithms 2 and 5: P-step, safeguard, W-step (35), until the relative
    change of ``objective`` is at most ``tol`` or ``num_outer`` steps. Traced."""
    used = jnp.sum(x, axis=1)
    p = p * (used[:, None, :] > 0)                                                           # unused -> 0 (feasible: less use)

    def cond(c):
        i, _, _, _, done = c
        return (i < num_outer) & ~done

    def body(c):
        i, p, w, obj, _ = c
        p_hat = pstep(w, p)
        p, new = _safeguarded(objective, p, p_hat, obj)
        return i + 1, p, _slack(scenario, p), new, _relative_change_small(new, obj, tol)

    init = (jnp.asarray(0), p, _slack(scenario, p), objective(p), jnp.asarray(False))
    _, p, w, _, _ = jax.lax.while_loop(cond, body, init)
    return p, w


@eqx.filter_jit
def algorithm2_power(scenario, x, p, tau, num_outer: int = 10, num_dual: int = 500, step: float = 2.0,
                     tol: float = 1e-6):
    r"""Algorithm 2: coordinated power allocation for fixed X and tau.

    Alternates the P-step (34) (with W fixed; closed form
    $p = [\tau_g\log_2 e/c_{g,l,n} - 1/\gamma_{g,k(g,n),l,n}]^+$, multipliers by projected
    subgradient) and the W-step (35) (fixed point (17) for every candidate), accepting a P-step
    only if $\tilde\eta$ does not decrease (else damped). Unused subchannels get p = 0.
    Stops when the relative change of $\tilde\eta$ is at most ``tol``. Returns ``(p, w)``.
    Pure JAX (``jit``/``vmap``)."""
    return _power_bcd(scenario, x, p, tau, lambda pp: overall_efficiency(scenario, x, pp, tau),
                      lambda w, pp: _pstep_sum(scenario, x, tau, w, pp, num_dual, step)[0], num_outer, tol)


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


@eqx.filter_jit
def hovering_time_lp(scenario, x, p, tau_prev=None):
    r"""LP (21): $\max_\tau \sum_g \tau_g c_g$ s.t. $\sum_g\tau_g\le T$,
    $0\le\tau_g\le\tau_{max}$, $\sum_g\tau_g e_{g,l}\le E_l$, with
    $c_g = \sum_{k,n}x\tilde R$, $e_{g,l} = \sum_n s_{g,n}p_{g,l,n}$.

    Solved in JAX (``satjax._linalg.small_lp_max``, qpax's interior-point method) in the variables
    $u_g = \tau_g/\min(\tau_{max}, T)$ with every row divided by its right-hand side, then
    clipped and scaled into the constraints (``_shrink_tau``). Pure JAX (``jit``/``vmap``); the
    tests hold its objective to HiGHS (``scipy.optimize.linprog``) within 1e-9 + 1e-11 relative in
    float64 (1e-9 is the feasibility margin) and 2e-6 in float32. With ``tau_prev`` the result is
    never worse than ``tau_prev`` (BCD monotonicity against solver tolerances), and a non-finite
    solver result is replaced by it; without, a non-finite result is an error."""
    c, e = _tau_rows(scenario, x, p)
    g = c.shape[0]
    # u = tau / unit with unit = min(tau_max, T): u <= 1 is then tau <= tau_max exactly, or (when
    # tau_max > T) implied by sum(tau) <= T, and no bound row is scaled by a huge tau_max.
    unit = jnp.minimum(scenario.tau_max_s, scenario.hover_budget_s)
    rows = jnp.concatenate([jnp.full((1, g), 1.0, c.dtype) / scenario.hover_budget_s,
                            e.T / scenario.energy_per_uav_j[:, None]]) * unit                    # [1 + L, G]
    u = small_lp_max(c, rows, jnp.ones((rows.shape[0],), c.dtype))
    tau = _shrink_tau(scenario, u * unit, e)
    finite = jnp.all(jnp.isfinite(tau))
    if tau_prev is None:
        return eqx.error_if(tau, ~finite, "hovering-time LP (21): the interior-point solver returned a non-finite tau")
    return jnp.where(finite & (c @ tau >= c @ tau_prev), tau, tau_prev)


# ----------------------------------------------------------------------------------- Algorithm 3

class BcdSolution(eqx.Module):
    """Pure-array output of ``algorithm3_solve`` / ``algorithm6_solve`` (a pytree: ``vmap`` stacks it).

    ``x [G, K, N]``, ``p [G, L, N]`` [W], ``tau [G]`` [s], ``objective`` the final value;
    ``history [max_iters + 1]`` the objective after every outer iteration (entry 0: the initial
    point; constant once the run has stopped); ``block_objective [max_iters, 3]`` and
    ``block_violation [max_iters, 3]`` the objective and largest relative constraint residual
    after each block (subchannels, power, hovering) of each iteration (rows from
    ``iterations`` on repeat the final values); ``initial_violation`` that of the start point;
    ``iterations`` the outer iterations run."""

    x: jax.Array
    p: jax.Array
    tau: jax.Array
    objective: jax.Array
    history: jax.Array
    block_objective: jax.Array
    block_violation: jax.Array
    initial_violation: jax.Array
    iterations: jax.Array


#: Block names of the traces of Algorithms 3 and 6, in order.
ALGORITHM3_BLOCKS = ALGORITHM6_BLOCKS = ("subchannels", "power", "hovering")


def check_bcd_args(max_iters, tol):
    """``max_iters`` an integer >= 1 and ``tol`` a number > 0, else a ``ValueError`` naming them."""
    check_int_range("max_iters", max_iters, 1)
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise ValueError(f"tol must be a number > 0, got {tol!r}")


def _bcd(s, start, objective, blocks, max_iters: int, tol: float) -> BcdSolution:
    """The BCD loop shared by Algorithms 3 and 6: apply ``blocks`` (each ``(x, p, tau) -> (x, p,
    tau)``) in turn until the relative change of ``objective`` is at most ``tol`` or
    ``max_iters``; record the objective and the largest constraint residual after every block.
    A ``lax.while_loop``: under ``vmap`` a stopped scenario's state is frozen."""
    x, p, tau = start
    obj0 = objective(x, p, tau)
    dtype = obj0.dtype
    steps = jnp.arange(max_iters + 1)
    nb = len(blocks)

    def cond(c):
        it, *_, done = c
        return (it < max_iters) & ~done

    def body(c):
        it, x, p, tau, obj, hist, bobj, bviol, _ = c
        values, viols = [], []
        for block in blocks:
            x, p, tau = block(x, p, tau)
            values.append(objective(x, p, tau))
            viols.append(max_violation(s, x, p, tau))
        new = values[-1]
        row = steps[:max_iters, None] >= it
        bobj = jnp.where(row, jnp.stack(values), bobj)
        bviol = jnp.where(row, jnp.stack(viols), bviol)
        hist = jnp.where(steps > it, new, hist)
        return it + 1, x, p, tau, new, hist, bobj, bviol, _relative_change_small(new, obj, tol)

    init_c = (jnp.asarray(0), x, p, tau, obj0, jnp.full((max_iters + 1,), obj0), jnp.zeros((max_iters, nb), dtype),
              jnp.zeros((max_iters, nb), dtype), jnp.asarray(False))
    it, x, p, tau, obj, hist, bobj, bviol, _ = jax.lax.while_loop(cond, body, init_c)
    return BcdSolution(x, p, tau, obj, hist, bobj, bviol, max_violation(s, *start), it)


@eqx.filter_jit
def algorithm3_solve(scenario, max_iters: int = 10, tol: float = 1e-4, alg1_iters: int = 200, alg2_outer: int = 10,
                     alg2_dual: int = 500, init=None) -> BcdSolution:
    r"""Algorithm 3 as one pure JAX program: BCD for the overall efficiency (18), Algorithm 1 ->
    Algorithm 2 -> LP (21), from the feasible ``initial_point`` (or ``init = (x, p, tau)``), until
    the relative change of $\tilde\eta$ is at most ``tol`` or ``max_iters``. Every block keeps
    all constraints and never lowers $\tilde\eta$ (chain (42)-(45)).

    ``jit``/``vmap``-able: ``jax.vmap(algorithm3_solve)(scenarios)`` solves a batch in one
    compiled call, each scenario stopping on its own test (a stopped scenario's state is frozen
    while the others continue, so its result does not depend on the batch). ``algorithm3`` wraps
    this for one scenario with a Python trace."""
    check_bcd_args(max_iters, tol)
    s = scenario
    start = initial_point(s) if init is None else tuple(jnp.asarray(a, s.lam.dtype) for a in init)
    blocks = (lambda x, p, tau: (algorithm1_subchannels(s, x, p, tau, alg1_iters), p, tau),
              lambda x, p, tau: (x, algorithm2_power(s, x, p, tau, alg2_outer, alg2_dual)[0], tau),
              lambda x, p, tau: (x, p, hovering_time_lp(s, x, p, tau)))
    return _bcd(s, start, lambda x, p, tau: overall_efficiency(s, x, p, tau), blocks, max_iters, tol)


def _bcd_result(sol: BcdSolution, blocks) -> BcdResult:
    sol = jax.tree.map(np.asarray, sol)                                  # one device-to-host copy per field
    it = int(sol.iterations)
    trace = [(0, "init", float(sol.history[0]), float(sol.initial_violation))]
    for i in range(it):
        trace += [(i + 1, b, float(sol.block_objective[i, j]), float(sol.block_violation[i, j]))
                  for j, b in enumerate(blocks)]
    return BcdResult(sol.x, sol.p, sol.tau, float(sol.objective), [float(v) for v in sol.history[:it + 1]], trace, it)


def algorithm3(scenario, max_iters: int = 10, tol: float = 1e-4, alg1_iters: int = 200, alg2_outer: int = 10,
               alg2_dual: int = 500, init=None) -> BcdResult:
    r"""Algorithm 3 on one scenario (``algorithm3_solve``), with the objective ``history`` and
    one ``trace`` row per block as Python lists (``BcdResult``)."""
    check_bcd_args(max_iters, tol)
    return _bcd_result(algorithm3_solve(scenario, max_iters, tol, alg1_iters, alg2_outer, alg2_dual, init),
                       ALGORITHM3_BLOCKS)


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


def algorithm4_subchannels(scenario, x_prev, p, tau):
    r"""Algorithm 4: greedy max-min subchannel allocation, per group (groups are independent).

    $c_{k,n} = \tau_g\tilde R_{g,k,n}$. Coverage phase (Property 1): K_g times, the unserved
    user whose best available subchannel is worst takes it. Greedy phase: while subchannels
    remain, the user with the lowest running efficiency takes its best available one (ties: the
    lowest index). Every subchannel is assigned (Theorem 2: interference, energy and power are then
    those of ``x_prev``, which assigned every subchannel too). Safeguard: returns ``x_prev`` if the
    greedy minimum is lower. Needs $N \ge K_g$. Pure JAX (a ``fori_loop`` of N steps per group,
    ``vmap`` over groups)."""
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

@eqx.filter_jit
def _pstep_maxmin(scenario, x, tau, w, p_prev, num_iters: int, step: float):
    r"""P-step (58) with W fixed: $\max_P \min_{g,k}\tau_g\sum_n x f(P, w)$ under
    (58c)-(58f), through the Lagrangian (60): user weights $\omega$ (exponentiated
    subgradient on the simplex) and relative-constraint multipliers (projected subgradient). The
    best feasible (scaled) primal iterate is returned, or ``p_prev``."""
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
    scale = jnp.maximum(jnp.mean(jnp.where(s.user_mask, u0, 0.0)) * k_total / jnp.sum(s.user_mask), 1e-30)
    omega0 = jnp.where(s.user_mask, 1.0 / k_total, 0.0)                                      # simplex over users
    nu0 = jnp.broadcast_to((tau * n_used * _LOG2E / k_total)[:, None], (g, l))                # p ~ P_max / n_used

    def body(i, carry):
        omega, alpha, beta, nu, best_p, best_v = carry
        wt = tau[:, None] * jnp.sum(x * omega[:, :, None], axis=1)                           # [G, N]
        cost = _dual_costs(s, x, tau, alpha, beta, nu)
        p = _water_fill(wt[:, None, :], gamma, cost)
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
        omega = jnp.where(s.user_mask, omega * jnp.exp(-2.0 * step / jnp.sqrt(i + 1.0) * (rel - 1.0)), 0.0)
        omega = omega / jnp.sum(omega)
        return omega, _dual_step(alpha, use_i, d), _dual_step(beta, use_e, d), _dual_step(nu, use_p, d), best_p, best_v

    init = (omega0, jnp.zeros((g, m), tau.dtype), jnp.zeros((l,), tau.dtype), nu0, p_prev, jnp.min(u0))
    *_, best_p, _ = jax.lax.fori_loop(0, num_iters, body, init)
    return best_p


@eqx.filter_jit
def algorithm5_power(scenario, x, p, tau, num_outer: int = 10, num_dual: int = 500, step: float = 2.0,
                     tol: float = 1e-6):
    r"""Algorithm 5: max-min power allocation (55)-(60): P-step (58) with W fixed (Theorem 3
    decouples P and W), W-step (59), safeguarded on the minimum efficiency; stops when its
    relative change is at most ``tol``. Returns ``(p, w)``. Pure JAX (``jit``/``vmap``)."""
    return _power_bcd(scenario, x, p, tau, lambda pp: min_efficiency(scenario, x, pp, tau),
                      lambda w, pp: _pstep_maxmin(scenario, x, tau, w, pp, num_dual, step), num_outer, tol)


# --------------------------------------------------------------------------- max-min hovering (49)

@eqx.filter_jit
def maxmin_hovering_time(scenario, x, p, tau_prev=None):
    r"""Closed form of the max-min hovering problem (49) (spec Sec. 3.5): with
    $\underline c_g = \min_k \sum_n x\tilde R > 0$,

    $$
    t^* = \min\Big\{\frac{T}{\sum_g 1/\underline c_g},\ \min_g\tau_{max}\underline c_g,\
    \min_l\frac{E_l}{\sum_g e_{g,l}/\underline c_g}\Big\},\qquad \tau_g = t^*/\underline c_g.
    $$

    If some $\underline c_g = 0$ the optimum is 0 for every tau and ``tau_prev`` (or
    $\min(T/G,\tau_{max})$ scaled to feasibility) is returned. Pure JAX."""
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


def maxmin_hovering_time_lp(scenario, x, p):
    r"""(49) by ``scipy.optimize.linprog`` (HiGHS): $\max t$ s.t. $t \le \tau_g c_{g,k}$,
    (21b)-(21d). Variables ``(tau [G], t)``. Returns ``(tau, t)`` (the check of the closed form)."""
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
    new = maxmin_hovering_time(s, x, p, tau)
    better = min_efficiency(s, x, p, new) >= min_efficiency(s, x, p, tau)
    return jnp.where(better, new, tau)


def algorithm6_solve(scenario, max_iters: int = 10, tol: float = 1e-4, alg5_outer: int = 10, alg5_dual: int = 500,
                     init=None) -> BcdSolution:
    r"""Algorithm 6 as one pure JAX program: BCD for the minimum efficiency (46), Algorithm 4 ->
    Algorithm 5 -> (49) in closed form, from ``initial_point`` (or ``init``) with its subchannels
    re-assigned by Algorithm 4 (every subchannel assigned and every user covered, as Theorem 2 and
    Property 1 need). Every block keeps all constraints and never lowers the minimum efficiency.
    ``jit``/``vmap``-able like ``algorithm3_solve``. Checks $N \ge K_g$ first (a ``ValueError``
    naming both on a concrete scenario)."""
    guard = _check_enough_subchannels(scenario)                          # once, before jit when concrete
    return guard(_algorithm6_solve(scenario, max_iters, tol, alg5_outer, alg5_dual, init))


@eqx.filter_jit
def _algorithm6_solve(scenario, max_iters: int = 10, tol: float = 1e-4, alg5_outer: int = 10, alg5_dual: int = 500,
                      init=None) -> BcdSolution:
    """The jitted body of ``algorithm6_solve``."""
    check_bcd_args(max_iters, tol)
    s = scenario
    x, p, tau = initial_point(s) if init is None else (jnp.asarray(a, s.lam.dtype) for a in init)
    x = _algorithm4(s, None, p, tau)                                             # covers every user (Property 1)
    blocks = (lambda x, p, tau: (_algorithm4(s, x, p, tau), p, tau),
              lambda x, p, tau: (x, algorithm5_power(s, x, p, tau, alg5_outer, alg5_dual)[0], tau),
              lambda x, p, tau: (x, p, _maxmin_tau_step(s, x, p, tau)))
    return _bcd(s, (x, p, tau), lambda x, p, tau: min_efficiency(s, x, p, tau), blocks, max_iters, tol)


def algorithm6(scenario, max_iters: int = 10, tol: float = 1e-4, alg5_outer: int = 10, alg5_dual: int = 500,
               init=None) -> BcdResult:
    r"""Algorithm 6 on one scenario (``algorithm6_solve``), with the minimum-efficiency ``history``
    and one ``trace`` row per block as Python lists (``BcdResult``)."""
    check_bcd_args(max_iters, tol)
    return _bcd_result(algorithm6_solve(scenario, max_iters, tol, alg5_outer, alg5_dual, init), ALGORITHM6_BLOCKS)

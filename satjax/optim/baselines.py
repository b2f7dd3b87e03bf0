r"""Baseline power allocations: full power, random power, and projected gradient ascent.

All take per-user budgets ``p_max[K]`` [W] and return powers in $[0, P_{\max,k}]$.
``projected_gradient`` maximizes *any* differentiable objective of the powers with an
Optax optimizer, from several starting points (multi-start), and keeps the best iterate.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import optax

from satjax._checks import check_int_range, check_positive
from satjax._types import ArrayLike, Float, PRNGKeyArray

__all__ = ["full_power", "random_power", "projected_gradient"]


def full_power(p_max: Float[ArrayLike, " K"]) -> Float[ArrayLike, " K"]:
    """Every user at its budget, $\\rho_k = P_{\\max,k}$ (paper A, Fig. 8, "equal power")."""
    return p_max


def random_power(key: PRNGKeyArray, p_max: Float[ArrayLike, " K"]) -> Float[ArrayLike, " K"]:
    """Independent uniform powers $\\rho_k \\sim U[0, P_{\\max,k}]$ (paper A, Fig. 8)."""
    return jax.random.uniform(key, p_max.shape, p_max.dtype) * p_max


#: Lower end of the log-power box of ``projected_gradient``: e^-30 ~ 1e-13 of the budget.
LOG_FRACTION_MIN = -30.0


def projected_gradient(
    objective: Callable[[Float[ArrayLike, " K"]], Float[ArrayLike, ""]],
    p_max: Float[ArrayLike, " K"],
    key: PRNGKeyArray,
    *,
    num_starts: int = 8,
    num_steps: int = 500,
    learning_rate: float = 0.3,
) -> tuple[Float[ArrayLike, " K"], Float[ArrayLike, ""]]:
    r"""Maximize ``objective(rho)`` over $0 < \rho_k \le P_{\max,k}$ by projected Adam in log power.

    The iterate is the log-fraction $y_k = \ln(\rho_k / P_{\max,k})$, projected onto
    $[-30, 0]$ after each Adam step (Optax); $y_k = -30$ (1e-13 of the budget) is "off".
    Powers of a sum-rate optimum span many orders of magnitude, and a linear-power iterate
    stalls on the users that should be small (measured on 20 drops at K = 20: a linear-power
    iterate ends 7.5 % below Algorithm 1's mean sum rate, a square-root-power iterate 0.7 %
    below, the log-power iterate 0.002 % above). The step size decays from
    ``learning_rate`` to ``1e-3 * learning_rate`` on a cosine schedule. Start 0 is full power, the
    others have $y_k \sim U[-5, 0]$ (seeded by ``key``); the starts run in parallel
    (``vmap``) and the best iterate seen on any start is returned.

    Args:
        objective: differentiable scalar function of the powers ``[K]`` [W] to maximize.
        p_max: ``[K]`` budgets [W] (>= 0; a zero budget pins the user at 0).
        key: PRNG key for the random starts.
        num_starts: number of starting points (>= 1).
        num_steps: Adam steps per start (>= 1).
        learning_rate: initial Adam step size on $y$ (> 0).

    Returns:
        ``(rho, value)``: the best powers ``[K]`` [W] and their objective.
    """
    check_int_range("num_starts", num_starts, 1)
    check_int_range("num_steps", num_steps, 1)
    check_positive("learning_rate", learning_rate)
    optimizer = optax.adam(optax.cosine_decay_schedule(learning_rate, num_steps, alpha=1e-3))
    k = p_max.shape[0]

    def powers(y):
        return p_max * jnp.exp(y)

    value_and_grad = jax.value_and_grad(lambda y: objective(powers(y)))

    def run(y0):
        def body(carry, _):
            y, opt_state, best_y, best_f = carry
            f, g = value_and_grad(y)
            better = f > best_f
            best_y = jnp.where(better, y, best_y)
            best_f = jnp.where(better, f, best_f)
            updates, opt_state = optimizer.update(-g, opt_state, y)        # ascent: minimize -f
            y = jnp.clip(optax.apply_updates(y, updates), LOG_FRACTION_MIN, 0.0)
            return (y, opt_state, best_y, best_f), None

        init = (y0, optimizer.init(y0), y0, jnp.asarray(-jnp.inf, y0.dtype))
        (y, _, best_y, best_f), _ = jax.lax.scan(body, init, length=num_steps)
        f = objective(powers(y))
        return jnp.where(f > best_f, y, best_y), jnp.maximum(f, best_f)

    starts = jax.random.uniform(key, (num_starts, k), p_max.dtype, minval=-5.0, maxval=0.0)
    starts = starts.at[0].set(0.0)
    ys, fs = jax.vmap(run)(starts)
    best = jnp.argmax(fs)
    return powers(ys[best]), fs[best]

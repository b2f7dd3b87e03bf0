r"""Baselines of paper C, Sec. V (spec Sec. 4.3; Schemes 1 and 2 are reconstructed, their bullet
text is blank in the source, docs/paper-c.md, D66, D94, D95).

* **Scheme 1** — large-scale-CSI resource allocation that ignores the interference temperature:
  Algorithm 3 with $I_{th} = \infty$, then every power divided by the common factor that
  restores (14b) ("divided by a large constant"). Approaches Algorithm 3 as $I_{th}$ grows.
* **Scheme 2** — interference-aware, but with free-space interference channels (no shadowing, no
  gases: ``scenario.phi_free_space``): Algorithm 3 on that model. The prose divides only
  Schemes 1 and 3 by a constant; Scheme 2's plan meets (14b) only on its own model, so on the
  true $\phi$ it is enforced by ``on_violation`` (D95): ``"mute"`` (default) switches off, in
  each slot, every subchannel that a satellite user whose limit the plan breaks occupies;
  ``"scale"`` divides the powers by the common factor like Schemes 1 and 3 (the former
  default); ``"none"`` returns the plan as it is (it may violate (14b); for measurements only).
* **Scheme 3** — cellular-style: subchannels by path loss with the method of ref. [41] (Shen,
  Andrews, Evans 2005, equal proportionality constants), equal power $P_{max}/N$, equal hovering
  time $\min(T/G, \tau_{max})$, powers divided by the common factor that restores (14b).
  ``subchannel_rule="proportional"`` (default, [41], D94): in each group, first every real user
  in index order takes its best free subchannel, then, while subchannels remain, the user with
  the smallest accumulated rate takes its best free one; the rates are the deterministic
  equivalents (16)-(17) at equal power. ``subchannel_rule="best_user"``: each subchannel to the
  user with the largest $\sum_l\lambda_{g,k,l,n}$ (the former default; a user may get none).

Every scheme returns ``(x, p, tau)``, feasible except Scheme 2 with ``on_violation="none"``, and
is pure JAX (``jit``/``vmap``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_choice
from satjax._types import ArrayLike, Float
from satjax.uav.algorithms import algorithm3, equal_power, equal_times, feasibility_scale
from satjax.uav.rates import candidate_rates, leakage
from satjax.uav.scenario import UavScenario

__all__ = ["SCHEMES", "SCHEME2_ON_VIOLATION", "SCHEME3_RULES", "enforce_interference", "scheme1", "scheme2", "scheme3", "run_scheme"]

#: Scheme 3's subchannel rules (D94): ref. [41]'s proportional-rate allocation, or every
#: subchannel to its strongest user.
SCHEME3_RULES = ("proportional", "best_user")

#: How Scheme 2's free-space plan is made to meet (14b) on the true interference channels (D95).
SCHEME2_ON_VIOLATION = ("mute", "scale", "none")

#: A threshold far above any leakage (W): "ignore the interference temperature".
_NO_LIMIT_W = 1e30

_Decision = tuple[Float[ArrayLike, "G K N"], Float[ArrayLike, "G L N"], Float[ArrayLike, " G"]]


def _proportional_rate_group(rate, real):
    """Ref. [41]'s subchannel allocation on one group with equal proportionality constants:
    ``rate [K, N]`` each user's rate on each subchannel, ``real [K]`` the real users. N steps, one
    subchannel each: while a real user has none, the lowest-index such user takes its best free
    subchannel; then the real user with the smallest accumulated rate (ties: the lowest index)
    does. Returns ``x [K, N]`` in {0, 1}, every subchannel to one real user."""
    k, n = rate.shape

    def step(_, carry):
        x, free, total, unserved = carry
        kk = jnp.where(jnp.any(unserved), jnp.argmax(unserved), jnp.argmin(jnp.where(real, total, jnp.inf)))
        nn = jnp.argmax(jnp.where(free, rate[kk], -jnp.inf))
        return (x.at[kk, nn].set(1.0), free.at[nn].set(False), total.at[kk].add(rate[kk, nn]),
                unserved.at[kk].set(False))

    init = (jnp.zeros((k, n), rate.dtype), jnp.ones((n,), bool), jnp.zeros((k,), rate.dtype), real)
    return jax.lax.fori_loop(0, n, step, init)[0]


def scheme3(scenario: UavScenario, subchannel_rule: str = "proportional") -> _Decision:
    r"""Scheme 3: path-loss subchannel allocation, equal power and hovering time, scaled.

    Args:
        scenario: the ``UavScenario``.
        subchannel_rule: ``"proportional"`` (ref. [41]: every real user first gets its best
            subchannel, then the user with the smallest accumulated rate takes its best free one;
            rates (16)-(17) at the equal powers) or ``"best_user"`` (each subchannel to the user
            with the largest $\sum_l\lambda$); else a ``ValueError`` naming them.

    Returns:
        ``(x, p, tau)``: assignment ``[G, K, N]``, powers ``[G, L, N]`` [W], hovering times
        ``[G]`` [s], feasible. With ``"proportional"`` and $N \ge K_g$ every real user has a
        subchannel.
    """
    check_choice("subchannel_rule", subchannel_rule, SCHEME3_RULES)
    return _scheme3(scenario, subchannel_rule)


@eqx.filter_jit
def _scheme3(scenario, subchannel_rule):
    k, dtype = scenario.sizes[1], scenario.lam.dtype
    tau, p = equal_times(scenario), equal_power(scenario)
    if subchannel_rule == "proportional":
        x = jax.vmap(_proportional_rate_group)(candidate_rates(scenario, p), scenario.user_mask)
    else:
        strength = jnp.where(scenario.user_mask[:, :, None], jnp.sum(scenario.lam, axis=2), -jnp.inf)   # [G, K, N]
        x = jax.nn.one_hot(jnp.argmax(strength, axis=1), k, axis=1, dtype=dtype)
    return enforce_interference(scenario, x, p, tau, "scale")


def scheme1(scenario: UavScenario, **alg3_kwargs: Any) -> _Decision:
    """Scheme 1: Algorithm 3 ignoring (14b), powers then scaled to meet it.

    Args:
        scenario: the ``UavScenario``.
        **alg3_kwargs: passed to ``satjax.uav.algorithm3`` (e.g. ``mode``).

    Returns:
        ``(x [G, K, N], p [G, L, N] [W], tau [G] [s])``, feasible.
    """
    plan = algorithm3(scenario.with_limits(interference_threshold_w=_NO_LIMIT_W), **alg3_kwargs)
    return enforce_interference(scenario, plan.x, plan.p, plan.tau, "scale")


def enforce_interference(scenario: UavScenario, x: Float[ArrayLike, "G K N"], p: Float[ArrayLike, "G L N"],
                         tau: Float[ArrayLike, " G"], on_violation: str = "mute") -> _Decision:
    r"""A plan made to meet (14b) on the true $\phi$ of ``scenario`` (Scheme 2's enforcement, D95).

    Args:
        scenario: the ``UavScenario`` (its ``phi`` is the truth).
        x: ``[G, K, N]`` assignment in {0, 1}.
        p: ``[G, L, N]`` powers [W] meeting (14e)-(14f).
        tau: ``[G]`` hovering times [s].
        on_violation: ``"mute"``: in each slot g, every subchannel n that a satellite user m with
            $\bar I_{g,m} > I_{th}$ (7) occupies ($y_{g,m,n} = 1$) is switched off (p = 0), so
            such a user sees no leakage and the others less; ``"scale"``: all powers times
            ``feasibility_scale``; ``"none"``: unchanged. Else a ``ValueError`` naming them.

    Returns:
        ``(x [G, K, N], p [G, L, N] [W], tau [G] [s])``; (14b) holds unless ``"none"``, and energy
        and power use only fall.
    """
    check_choice("on_violation", on_violation, SCHEME2_ON_VIOLATION)
    if on_violation == "scale":
        return x, p * feasibility_scale(scenario, x, p, tau), tau
    if on_violation == "mute":
        broken = leakage(scenario, x, p) > scenario.interference_threshold_w                    # [G, M]
        muted = jnp.any(broken[:, :, None] & (scenario.y > 0.5), axis=1)                        # [G, N]
        p = jnp.where(muted[:, None, :], jnp.zeros_like(p), p)
    return x, p, tau


def scheme2(scenario: UavScenario, on_violation: str = "mute", **alg3_kwargs: Any) -> _Decision:
    r"""Scheme 2: Algorithm 3 on free-space interference channels, enforced on the true ones.

    Args:
        scenario: the ``UavScenario``.
        on_violation: how the plan is made to meet (14b) on the true $\phi$
            (``enforce_interference``, D95): ``"mute"`` (default), ``"scale"`` or ``"none"``.
        **alg3_kwargs: passed to ``satjax.uav.algorithm3`` (e.g. ``mode``).

    Returns:
        ``(x [G, K, N], p [G, L, N] [W], tau [G] [s])``, feasible unless ``on_violation="none"``.
    """
    check_choice("on_violation", on_violation, SCHEME2_ON_VIOLATION)
    plan = algorithm3(dataclasses.replace(scenario, phi=scenario.phi_free_space), **alg3_kwargs)
    return enforce_interference(scenario, plan.x, plan.p, plan.tau, on_violation)


SCHEMES = {"scheme1": scheme1, "scheme2": scheme2, "scheme3": scheme3}


def run_scheme(name: str, scenario: UavScenario, **kwargs: Any) -> _Decision:
    """``SCHEMES[name](scenario, **kwargs)``.

    Args:
        name: ``"scheme1"``, ``"scheme2"`` or ``"scheme3"`` (else a ``ValueError`` naming them).
        scenario: the ``UavScenario``.
        **kwargs: passed to the scheme (Schemes 1-2: ``satjax.uav.algorithm3``'s keywords;
            Scheme 2 also ``on_violation``, Scheme 3 ``subchannel_rule``).

    Returns:
        ``(x [G, K, N], p [G, L, N] [W], tau [G] [s])``, feasible (Scheme 2 with
        ``on_violation="none"`` excepted).
    """
    check_choice("scheme", name, SCHEMES)
    return SCHEMES[name](scenario, **kwargs)

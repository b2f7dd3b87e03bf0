r"""Baselines of paper C, Sec. V (spec Sec. 4.3; Schemes 1 and 2 are reconstructed, their bullet
text is blank in the source, docs/paper-c.md and D66).

* **Scheme 1** — large-scale-CSI resource allocation that ignores the interference temperature:
  Algorithm 3 with $I_{th} = \infty$, then every power divided by the common factor that
  restores (14b) ("divided by a large constant"). Approaches Algorithm 3 as $I_{th}$ grows.
* **Scheme 2** — interference-aware, but with free-space interference channels (no shadowing, no
  gases: ``scenario.phi_free_space``): Algorithm 3 on that model, then checked against the true
  $\phi$ and scaled to feasibility like Scheme 1.
* **Scheme 3** — cellular-style: each subchannel to the user with the smallest path loss
  (largest $\sum_l\lambda_{g,k,l,n}$), equal power $P_{max}/N$, equal hovering time
  $\min(T/G, \tau_{max})$, powers scaled to feasibility.

Every scheme returns a feasible ``(x, p, tau)`` and is pure JAX (``jit``/``vmap``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp

from satjax._checks import check_choice
from satjax._types import ArrayLike, Float
from satjax.uav.algorithms import algorithm3, feasibility_scale
from satjax.uav.scenario import UavScenario

__all__ = ["SCHEMES", "scheme1", "scheme2", "scheme3", "run_scheme"]

#: A threshold far above any leakage (W): "ignore the interference temperature".
_NO_LIMIT_W = 1e30

_Decision = tuple[Float[ArrayLike, "G K N"], Float[ArrayLike, "G L N"], Float[ArrayLike, " G"]]


def scheme3(scenario: UavScenario) -> _Decision:
    """Scheme 3: path-loss subchannel allocation, equal power and hovering time, scaled.

    Args:
        scenario: the ``UavScenario``.

    Returns:
        ``(x, p, tau)``: assignment ``[G, K, N]``, powers ``[G, L, N]`` [W], hovering times
        ``[G]`` [s], feasible.
    """
    g, k, l, n, _ = scenario.sizes
    dtype = scenario.lam.dtype
    strength = jnp.where(scenario.user_mask[:, :, None], jnp.sum(scenario.lam, axis=2), -jnp.inf)   # [G, K, N]
    x = jax.nn.one_hot(jnp.argmax(strength, axis=1), k, axis=1, dtype=dtype)
    tau = jnp.full((g,), jnp.minimum(scenario.hover_budget_s / g, scenario.tau_max_s), dtype)
    p = jnp.full((g, l, n), scenario.p_max_w / n, dtype)
    return x, p * feasibility_scale(scenario, x, p, tau), tau


def _rescaled(scenario, result):
    x, p, tau = result.x, result.p, result.tau
    return x, p * feasibility_scale(scenario, x, p, tau), tau


def scheme1(scenario: UavScenario, **alg3_kwargs: Any) -> _Decision:
    """Scheme 1: Algorithm 3 ignoring (14b), powers then scaled to meet it.

    Args:
        scenario: the ``UavScenario``.
        **alg3_kwargs: passed to ``satjax.uav.algorithm3`` (e.g. ``mode``).

    Returns:
        ``(x [G, K, N], p [G, L, N] [W], tau [G] [s])``, feasible.
    """
    blind = scenario.with_limits(interference_threshold_w=_NO_LIMIT_W)
    return _rescaled(scenario, algorithm3(blind, **alg3_kwargs))


def scheme2(scenario: UavScenario, **alg3_kwargs: Any) -> _Decision:
    """Scheme 2: Algorithm 3 on free-space interference channels, scaled on the true ones.

    Args:
        scenario: the ``UavScenario``.
        **alg3_kwargs: passed to ``satjax.uav.algorithm3`` (e.g. ``mode``).

    Returns:
        ``(x [G, K, N], p [G, L, N] [W], tau [G] [s])``, feasible.
    """
    free = dataclasses.replace(scenario, phi=scenario.phi_free_space)
    return _rescaled(scenario, algorithm3(free, **alg3_kwargs))


SCHEMES = {"scheme1": scheme1, "scheme2": scheme2, "scheme3": scheme3}


def run_scheme(name: str, scenario: UavScenario, **kwargs: Any) -> _Decision:
    """``SCHEMES[name](scenario, **kwargs)``.

    Args:
        name: ``"scheme1"``, ``"scheme2"`` or ``"scheme3"`` (else a ``ValueError`` naming them).
        scenario: the ``UavScenario``.
        **kwargs: passed to the scheme (Schemes 1-2: ``satjax.uav.algorithm3``'s keywords).

    Returns:
        ``(x [G, K, N], p [G, L, N] [W], tau [G] [s])``, feasible.
    """
    check_choice("scheme", name, SCHEMES)
    return SCHEMES[name](scenario, **kwargs)

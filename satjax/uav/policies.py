r"""System C's resource-allocation policies: ``policy(scenario, key) -> UavDecision`` (the
subchannel assignment ``x [G, K, N]``, powers ``p [G, L, N]`` [W] and hovering times ``tau [G]``
[s] of paper C), as ``satjax.policies.Policy`` modules. Learned policies
(``satjax.uav.UavGNN``) have the same signature.

* ``Algorithm3Policy``, ``Algorithm6Policy`` — the BCD algorithms (overall / minimum
  efficiency);
* ``SchemePolicy`` — baselines Schemes 1-3 of the paper (``satjax.uav.baselines``), by name
  (``Scheme1Policy`` ... ``Scheme3Policy`` are the same with the name fixed);
* ``InitialPointPolicy`` — the feasible start of the BCD (``satjax.uav.initial_point``).

Every policy here is pure JAX: ``jax.vmap(policy)(scenarios, keys)`` solves a batch in one
compiled call. Every policy here returns a feasible decision. Deterministic: the key is ignored.
``POLICIES`` maps names to the classes (``POLICIES[name]()`` builds the default), as in systems
A and B.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_choice
from satjax._types import Array, ArrayLike, Float, PRNGKeyArray, Shaped
from satjax.optim.iterate import Solve
from satjax.uav.algorithms import algorithm3, algorithm6, initial_point
from satjax.uav.baselines import SCHEMES, run_scheme
from satjax.uav.scenario import UavScenario

__all__ = ["UavDecision", "Algorithm3Policy", "Algorithm6Policy", "SchemePolicy", "Scheme1Policy", "Scheme2Policy",
           "Scheme3Policy", "InitialPointPolicy", "POLICIES", "decide_each"]


class UavDecision(eqx.Module):
    """A decision of system C: subchannel assignment ``x [G, K, N]`` (binary), powers
    ``p [G, L, N]`` [W] and hovering times ``tau [G]`` [s]. Iterates as ``x, p, tau``."""

    x: Float[ArrayLike, "G K N"]
    p: Float[ArrayLike, "G L N"]
    tau: Float[ArrayLike, " G"]

    @classmethod
    def of(cls, scenario: UavScenario, x: Float[ArrayLike, "G K N"], p: Float[ArrayLike, "G L N"],
           tau: Float[ArrayLike, " G"]) -> "UavDecision":
        """From any arrays (e.g. those of a ``satjax.uav.BcdResult``), in the scenario's dtype.

        Args:
            scenario: the ``UavScenario`` (its dtype is used).
            x: ``[G, K, N]`` assignment in {0, 1}.
            p: ``[G, L, N]`` powers [W].
            tau: ``[G]`` hovering times [s].

        Returns:
            The ``UavDecision``.
        """
        dtype = scenario.lam.dtype
        return cls(jnp.asarray(x, dtype), jnp.asarray(p, dtype), jnp.asarray(tau, dtype))

    def __iter__(self):
        return iter((self.x, self.p, self.tau))


class _BcdPolicy(eqx.Module):
    """Algorithm 3 or 6 in solve mode: at most ``max_iters`` outer iterations, stopping when the
    objective changes by at most ``tol`` (relative); the subclass names the algorithm."""

    iterative: ClassVar[bool] = True          # a Solve-mode loop: batch with satjax.optim.solve_batch
    algorithm: eqx.AbstractClassVar[Callable[..., object]]

    max_iters: int = eqx.field(default=10, static=True)
    tol: float = eqx.field(default=1e-4, static=True)

    def __check_init__(self):
        Solve(tol=self.tol, max_iters=self.max_iters)          # validates tol and max_iters

    def __call__(self, scenario: UavScenario, key: PRNGKeyArray | None = None) -> UavDecision:
        """The algorithm's decision on ``scenario`` (``key`` unused)."""
        r = type(self).algorithm(scenario, mode=Solve(tol=self.tol, max_iters=self.max_iters))
        return UavDecision.of(scenario, r.x, r.p, r.tau)


class Algorithm3Policy(_BcdPolicy):
    """Algorithm 3 in solve mode (BCD for the overall efficiency (15), ``satjax.uav.algorithm3``):
    at most ``max_iters`` outer iterations, stopping when the objective changes by at most ``tol``
    (relative)."""

    algorithm: ClassVar[Callable[..., object]] = staticmethod(algorithm3)


class Algorithm6Policy(_BcdPolicy):
    """Algorithm 6 in solve mode (BCD for the minimum efficiency (10), ``satjax.uav.algorithm6``):
    at most ``max_iters`` outer iterations, stopping when the objective changes by at most ``tol``
    (relative)."""

    algorithm: ClassVar[Callable[..., object]] = staticmethod(algorithm6)


class SchemePolicy(eqx.Module):
    """Baseline ``name`` in ``("scheme1", "scheme2", "scheme3")`` (``satjax.uav.run_scheme``)."""

    name: str = eqx.field(default="scheme3", static=True)

    def __check_init__(self):
        check_choice("name", self.name, SCHEMES)

    def __call__(self, scenario: UavScenario, key: PRNGKeyArray | None = None) -> UavDecision:
        """The decision of the scheme on ``scenario`` (``key`` unused)."""
        return UavDecision.of(scenario, *run_scheme(self.name, scenario))


class Scheme1Policy(SchemePolicy):
    """Scheme 1 (``satjax.uav.scheme1``): ``SchemePolicy("scheme1")`` as a class of its own."""

    name: str = eqx.field(default="scheme1", static=True)


class Scheme2Policy(SchemePolicy):
    """Scheme 2 (``satjax.uav.scheme2``): ``SchemePolicy("scheme2")`` as a class of its own."""

    name: str = eqx.field(default="scheme2", static=True)


class Scheme3Policy(SchemePolicy):
    """Scheme 3 (``satjax.uav.scheme3``): ``SchemePolicy("scheme3")`` as a class of its own."""

    name: str = eqx.field(default="scheme3", static=True)


class InitialPointPolicy(eqx.Module):
    """The BCD's feasible start (``satjax.uav.initial_point``): every subchannel to its best
    user, equal power scaled to feasibility, $\\tau_g = \\min(T/G, \\tau_{max})$."""

    def __call__(self, scenario: UavScenario, key: PRNGKeyArray | None = None) -> UavDecision:
        """The start point on ``scenario`` (``key`` unused)."""
        return UavDecision.of(scenario, *initial_point(scenario))


#: Policy classes by name, for configs and experiment scripts: ``POLICIES[name]()`` is the default
#: policy (every one pure JAX, ``jit``/``vmap``-able).
POLICIES: dict[str, type] = {
    "algorithm3": Algorithm3Policy,
    "algorithm6": Algorithm6Policy,
    "scheme1": Scheme1Policy,
    "scheme2": Scheme2Policy,
    "scheme3": Scheme3Policy,
    "initial_point": InitialPointPolicy,
}


def decide_each(policy: Callable[[UavScenario, PRNGKeyArray | None], UavDecision], scenarios: UavScenario,
                keys: Shaped[Array, "B *key"] | None = None) -> UavDecision:
    """Run ``policy`` on each scenario of a batch one at a time, in Python (for a user's policy
    that cannot be ``vmap``-ped; every policy of ``POLICIES`` can).

    Args:
        policy: ``policy(scenario, key) -> UavDecision``.
        scenarios: a ``UavScenario`` whose leaves have a leading batch axis ``[B, ...]``.
        keys: optional ``[B]`` PRNG keys (typed keys ``[B]`` or raw ``[B, 2]``; None passes ``key=None``).

    Returns:
        The stacked decisions: ``x [B, G, K, N]``, ``p [B, G, L, N]`` [W], ``tau [B, G]`` [s].
    """
    n = jax.tree.leaves(scenarios)[0].shape[0]
    out = []
    for i in range(n):
        one = jax.tree.map(lambda a: a[i], scenarios)
        out.append(policy(one, None if keys is None else keys[i]))
    return jax.tree.map(lambda *a: jnp.stack(a), *out)

r"""System C's resource-allocation policies: ``policy(scenario, key) -> UavDecision`` (the
subchannel assignment ``x [G, K, N]``, powers ``p [G, L, N]`` [W] and hovering times ``tau [G]``
[s] of paper C), as ``satjax.policies.Policy`` modules. Learned policies
(``satjax.uav.UavGNN``) have the same signature.

* ``Algorithm3Policy``, ``Algorithm6Policy`` — the BCD algorithms (overall / minimum
  efficiency);
* ``SchemePolicy`` — baselines Schemes 1-3 of the paper (``satjax.uav.baselines``);
* ``InitialPointPolicy`` — the feasible start of the BCD (``satjax.uav.initial_point``).

Every policy here is pure JAX (Algorithms 3 and 6 through ``satjax.uav.algorithm3_solve`` /
``algorithm6_solve``): ``jax.vmap(policy)(scenarios, keys)`` solves a batch in one compiled call.
Every policy here returns a feasible decision. Deterministic: the key is ignored.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_choice
from satjax._types import ArrayLike, Float, PRNGKeyArray
from satjax.uav.algorithms import algorithm3_solve, algorithm6_solve, check_bcd_args, initial_point
from satjax.uav.baselines import SCHEMES, run_scheme
from satjax.uav.scenario import UavScenario

__all__ = ["UavDecision", "Algorithm3Policy", "Algorithm6Policy", "SchemePolicy", "InitialPointPolicy", "POLICIES",
           "JITTABLE", "decide_each"]


class UavDecision(eqx.Module):
    """A decision of system C: subchannel assignment ``x [G, K, N]`` (binary), powers
    ``p [G, L, N]`` [W] and hovering times ``tau [G]`` [s]. Iterates as ``x, p, tau``."""

    x: Float[ArrayLike, "G K N"]
    p: Float[ArrayLike, "G L N"]
    tau: Float[ArrayLike, " G"]

    @classmethod
    def of(cls, scenario: UavScenario, x, p, tau) -> "UavDecision":
        """From any arrays (e.g. a ``satjax.uav.BcdResult``), in the scenario's dtype."""
        dtype = scenario.lam.dtype
        return cls(jnp.asarray(x, dtype), jnp.asarray(p, dtype), jnp.asarray(tau, dtype))

    def __iter__(self):
        return iter((self.x, self.p, self.tau))


class Algorithm3Policy(eqx.Module):
    """Algorithm 3 (BCD for the overall efficiency (15), ``satjax.uav.algorithm3``)."""

    max_iters: int = eqx.field(default=10, static=True)
    tol: float = eqx.field(default=1e-4, static=True)

    def __check_init__(self):
        check_bcd_args(self.max_iters, self.tol)

    def __call__(self, scenario: UavScenario, key: PRNGKeyArray | None = None) -> UavDecision:
        r = algorithm3_solve(scenario, max_iters=self.max_iters, tol=self.tol)
        return UavDecision.of(scenario, r.x, r.p, r.tau)


class Algorithm6Policy(eqx.Module):
    """Algorithm 6 (BCD for the minimum efficiency (10), ``satjax.uav.algorithm6``)."""

    max_iters: int = eqx.field(default=10, static=True)
    tol: float = eqx.field(default=1e-4, static=True)

    def __check_init__(self):
        check_bcd_args(self.max_iters, self.tol)

    def __call__(self, scenario: UavScenario, key: PRNGKeyArray | None = None) -> UavDecision:
        r = algorithm6_solve(scenario, max_iters=self.max_iters, tol=self.tol)
        return UavDecision.of(scenario, r.x, r.p, r.tau)


class SchemePolicy(eqx.Module):
    """Baseline ``name`` in ``("scheme1", "scheme2", "scheme3")`` (``satjax.uav.run_scheme``)."""

    name: str = eqx.field(default="scheme3", static=True)

    def __check_init__(self):
        check_choice("name", self.name, SCHEMES)

    def __call__(self, scenario: UavScenario, key: PRNGKeyArray | None = None) -> UavDecision:
        return UavDecision.of(scenario, *run_scheme(self.name, scenario))


class InitialPointPolicy(eqx.Module):
    """The BCD's feasible start (``satjax.uav.initial_point``): every subchannel to its best
    user, equal power scaled to feasibility, $\\tau_g = \\min(T/G, \\tau_{max})$."""

    def __call__(self, scenario: UavScenario, key: PRNGKeyArray | None = None) -> UavDecision:
        return UavDecision.of(scenario, *initial_point(scenario))


#: Policies by name, for configs and experiment scripts.
POLICIES: dict[str, eqx.Module] = {
    "algorithm3": Algorithm3Policy(),
    "algorithm6": Algorithm6Policy(),
    "scheme1": SchemePolicy("scheme1"),
    "scheme2": SchemePolicy("scheme2"),
    "scheme3": SchemePolicy("scheme3"),
    "initial_point": InitialPointPolicy(),
}

#: Names in ``POLICIES`` that are pure JAX (``jit``/``vmap``-able).
JITTABLE = ("algorithm3", "algorithm6", "scheme1", "scheme2", "scheme3", "initial_point")


def decide_each(policy, scenarios: UavScenario, keys=None) -> UavDecision:
    """Run ``policy`` on each scenario of a batch (leading axis) one at a time, in Python (for a
    user's policy that cannot be ``vmap``-ped; every policy of ``POLICIES`` can). Returns the
    stacked decisions."""
    n = jax.tree.leaves(scenarios)[0].shape[0]
    out = []
    for i in range(n):
        one = jax.tree.map(lambda a: a[i], scenarios)
        out.append(policy(one, None if keys is None else keys[i]))
    return jax.tree.map(lambda *a: jnp.stack(a), *out)

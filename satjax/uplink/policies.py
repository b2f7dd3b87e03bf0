"""System A's power-allocation policies: ``policy(scenario, key) -> powers [K]`` in ``[0, p_max]`` [W].

Every method of paper A (Fig. 8's baselines, Algorithm 1) and a multi-start projected-gradient
solver for any named utility, as ``satjax.policies.Policy`` modules. Learned models
(``satjax.uplink.SHGNN``) have the same signature.
"""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx

from satjax._checks import check_choice, check_int_range, check_positive
from satjax._types import ArrayLike, Float, PRNGKeyArray
from satjax.optim.baselines import full_power, projected_gradient, random_power
from satjax.optim.iterate import Solve
from satjax.optim.utilities import UTILITIES
from satjax.uplink.objectives import utility_of_powers
from satjax.uplink.power_control import algorithm1
from satjax.uplink.scenario import UplinkScenario
from satjax.uplink.sinr import LINKS, siso_problem

__all__ = ["FullPower", "RandomPower", "Algorithm1Policy", "ProjectedGradientPolicy", "POLICIES"]


class FullPower(eqx.Module):
    """Every user at its budget (paper A, Fig. 8)."""

    def __call__(self, scenario: UplinkScenario, key: PRNGKeyArray | None = None) -> Float[ArrayLike, " K"]:
        return full_power(scenario.p_max_w)


class RandomPower(eqx.Module):
    """Uniform random powers in ``[0, p_max]`` (paper A, Fig. 8), drawn from ``key``."""

    def __call__(self, scenario: UplinkScenario, key: PRNGKeyArray) -> Float[ArrayLike, " K"]:
        return random_power(key, scenario.p_max_w)


class Algorithm1Policy(eqx.Module):
    """Paper A, Algorithm 1 in solve mode (see ``satjax.uplink.algorithm1``)."""

    iterative: ClassVar[bool] = True          # a Solve-mode loop: batch with satjax.optim.solve_batch

    link: str = eqx.field(default="space_ground", static=True)
    tol: float = eqx.field(default=1e-6, static=True)
    max_iters: int = eqx.field(default=1000, static=True)

    def __check_init__(self):
        check_choice("link", self.link, LINKS)
        Solve(tol=self.tol, max_iters=self.max_iters)          # validates tol and max_iters

    def __call__(self, scenario: UplinkScenario, key: PRNGKeyArray | None = None) -> Float[ArrayLike, " K"]:
        problem = siso_problem(scenario.stats, self.link)
        return algorithm1(problem, scenario.p_max_w, mode=Solve(tol=self.tol, max_iters=self.max_iters)).rho


class ProjectedGradientPolicy(eqx.Module):
    """Multi-start projected Adam on the closed form, for any named utility
    (``satjax.optim.projected_gradient``); the random starts come from ``key``."""

    utility: str = eqx.field(default="sum_rate", static=True)
    link: str = eqx.field(default="space_ground", static=True)
    num_starts: int = eqx.field(default=8, static=True)
    num_steps: int = eqx.field(default=500, static=True)
    learning_rate: float = eqx.field(default=0.3, static=True)

    def __check_init__(self):
        check_choice("utility", self.utility, tuple(UTILITIES))
        check_choice("link", self.link, LINKS)
        check_int_range("num_starts", self.num_starts, 1)
        check_int_range("num_steps", self.num_steps, 1)
        check_positive("learning_rate", self.learning_rate)

    def __call__(self, scenario: UplinkScenario, key: PRNGKeyArray) -> Float[ArrayLike, " K"]:
        problem = siso_problem(scenario.stats, self.link)       # terms computed once

        def objective(rho):
            return utility_of_powers(problem, rho, self.utility)

        rho, _ = projected_gradient(objective, scenario.p_max_w, key, num_starts=self.num_starts,
                                    num_steps=self.num_steps, learning_rate=self.learning_rate)
        return rho


#: Policies by name, for configs and experiment scripts.
POLICIES: dict[str, type] = {
    "full_power": FullPower,
    "random_power": RandomPower,
    "algorithm1": Algorithm1Policy,
    "projected_gradient": ProjectedGradientPolicy,
}

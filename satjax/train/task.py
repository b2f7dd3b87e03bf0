"""What the trainer trains on: the :class:`Task` protocol, and system A's power-control task.

A task turns a PRNG key into one training example (a scenario drawn from the physics, plus
anything the loss needs that does not depend on the model), and scores a model or any policy on
an example. The trainer never looks inside examples, so it trains any model on any task.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import equinox as eqx
import jax.numpy as jnp

from satjax._checks import check_choice
from satjax._types import Array, Float, PRNGKeyArray
from satjax.optim.utilities import UTILITIES
from satjax.uplink.objectives import siso_utility
from satjax.uplink.power_control import SisoProblem, siso_problem, sum_spectral_efficiency
from satjax.uplink.scenario import UplinkParams, UplinkScenario, sample_uplink_scenario
from satjax.uplink.sinr import LINKS
from satjax.uplink.throughput import prelog

__all__ = ["Task", "PowerControlExample", "PowerControlTask"]


@runtime_checkable
class Task(Protocol):
    """A training objective over examples drawn from a key.

    ``sample(key)`` returns one example (a PyTree of arrays); ``loss(model, example)`` the scalar
    to minimize; ``score(policy, example, key)`` a dict of scalar evaluation metrics for any
    policy (learned or not). All three are pure and work on one example; the trainer ``vmap``s.
    """

    def sample(self, key: PRNGKeyArray) -> Any: ...

    def loss(self, model: Any, example: Any) -> Float[Array, ""]: ...

    def score(self, policy: Any, example: Any, key: PRNGKeyArray) -> dict[str, Float[Array, ""]]: ...


class PowerControlExample(eqx.Module):
    """One drop of system A and its SISO-equivalent problem (the closed-form terms of Theorem 1,
    which do not depend on the powers, computed once per drop)."""

    scenario: UplinkScenario
    problem: SisoProblem


class PowerControlTask(eqx.Module):
    r"""Paper A, eq. (51): unsupervised power control, loss = -utility of the closed-form SINR.

    With ``utility="sum_rate"`` the loss is :math:`-\sum_k \log_2(1 + \mathrm{SINR}_k)` per drop;
    eq. (51)'s factor :math:`B(1 - \tau_p/\tau_c)` is a constant and only rescales it
    (:attr:`mbps_per_se` converts back for reporting).

    Arguments:
        params: the scenario distribution (static).
        utility: a name in :data:`satjax.optim.UTILITIES`.
        link: ``"space_ground"`` (default), ``"ground"`` or ``"space"``.
    """

    params: UplinkParams = eqx.field(static=True)
    utility: str = eqx.field(default="sum_rate", static=True)
    link: str = eqx.field(default="space_ground", static=True)

    def __check_init__(self):
        check_choice("utility", self.utility, tuple(UTILITIES))
        check_choice("link", self.link, LINKS)

    @property
    def mbps_per_se(self) -> float:
        """Sum throughput [Mbps] per bit/s/Hz of sum spectral efficiency, eq. (21)."""
        return self.params.bandwidth_hz * prelog(self.params.tau_p, self.params.tau_c) / 1e6

    def sample(self, key: PRNGKeyArray) -> PowerControlExample:
        scenario = sample_uplink_scenario(key, self.params)
        return PowerControlExample(scenario, siso_problem(scenario.stats, scenario.p_max, self.link))

    def loss(self, model, example: PowerControlExample) -> Float[Array, ""]:
        return -siso_utility(example.problem, model(example.scenario, None), self.utility)

    def score(self, policy, example: PowerControlExample, key: PRNGKeyArray) -> dict[str, Float[Array, ""]]:
        rho = policy(example.scenario, key)
        se = sum_spectral_efficiency(example.problem, rho)
        return {"utility": siso_utility(example.problem, rho, self.utility),
                "sum_mbps": se * jnp.asarray(self.mbps_per_se, se.dtype)}

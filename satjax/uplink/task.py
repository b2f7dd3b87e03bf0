"""System A's training task: unsupervised power control, paper A eq. (51)."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp

from satjax._checks import check_choice
from satjax._types import ArrayLike, Float, PRNGKeyArray
from satjax.optim.utilities import UTILITIES
from satjax.uplink.objectives import sum_spectral_efficiency, utility_of_powers
from satjax.uplink.scenario import UplinkParams, UplinkScenario, sample_uplink_scenario
from satjax.uplink.sinr import LINKS, SisoProblem, siso_problem
from satjax.uplink.throughput import throughput_scale_bps

__all__ = ["PowerControlExample", "PowerControlTask"]


class PowerControlExample(eqx.Module):
    """One drop of system A and its SISO-equivalent problem (the closed-form terms of Theorem 1,
    which do not depend on the powers, computed once per drop)."""

    scenario: UplinkScenario
    problem: SisoProblem


class PowerControlTask(eqx.Module):
    r"""Paper A, eq. (51): unsupervised power control, loss = -utility of the closed-form SINR.

    A ``satjax.train.Task``. With ``utility="sum_rate"`` the loss is
    $-\sum_k \log_2(1 + \mathrm{SINR}_k)$ per drop; eq. (51)'s factor
    $B(1 - \tau_p/\tau_c)$ is a constant and only rescales it (``mbps_per_se``
    converts back for reporting).

    Attributes:
        params: the scenario distribution (its physical fields are arrays: a task is a PyTree).
        utility: a name in ``satjax.optim.UTILITIES``.
        link: ``"space_ground"`` (default), ``"ground"`` or ``"space"``.
    """

    params: UplinkParams
    utility: str = eqx.field(default="sum_rate", static=True)
    link: str = eqx.field(default="space_ground", static=True)

    def __check_init__(self):
        self.check_settings(utility=self.utility, link=self.link)

    @staticmethod
    def check_settings(*, utility: str, link: str) -> None:
        """The task's setting checks, also used by the config schema (one rule, one place)."""
        check_choice("utility", utility, tuple(UTILITIES))
        check_choice("link", link, LINKS)

    @property
    def mbps_per_se(self) -> Float[ArrayLike, ""]:
        """Sum throughput [Mbps] per bit/s/Hz of sum spectral efficiency, eq. (21)."""
        p = self.params
        return throughput_scale_bps(bandwidth_hz=p.bandwidth_hz, tau_p=p.tau_p, tau_c=p.tau_c) / 1e6

    def sample(self, key: PRNGKeyArray) -> PowerControlExample:
        scenario = sample_uplink_scenario(key, self.params)
        return PowerControlExample(scenario, siso_problem(scenario.stats, self.link))

    def loss(self, model, example: PowerControlExample) -> Float[ArrayLike, ""]:
        return -utility_of_powers(example.problem, model(example.scenario, None), self.utility)

    def score(self, policy, example: PowerControlExample, key: PRNGKeyArray) -> dict[str, Float[ArrayLike, ""]]:
        rho = policy(example.scenario, key)
        se = sum_spectral_efficiency(example.problem, rho)
        return {"utility": utility_of_powers(example.problem, rho, self.utility),
                "sum_mbps": se * jnp.asarray(self.mbps_per_se, se.dtype)}

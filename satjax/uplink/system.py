"""System A declared as one ``satjax.systems.System`` (``satjax.uplink.SYSTEM``)."""

from __future__ import annotations

import jax.numpy as jnp

from satjax._checks import check_int_range
from satjax._types import ArrayLike, Float
from satjax.optim.iterate import IterationTrace, Mode
import jax

from satjax.systems import DecisionSpec, Metric, System
from satjax.uplink.models import SHGNN
from satjax.uplink.policies import POLICIES
from satjax.uplink.power_control import algorithm1
from satjax.uplink.scenario import UplinkParams, UplinkScenario, sample_uplink_scenario
from satjax.uplink.sinr import siso_problem
from satjax.uplink.task import PowerControlExample, PowerControlTask

__all__ = ["SYSTEM", "pad_users", "real_users"]


def pad_users(scenario: UplinkScenario, num_users: int) -> UplinkScenario:
    """``scenario`` with users appended up to ``num_users``: zero statistics, zero budget, mask
    False (``ChannelStats.pad``), so they change nothing for the real users."""
    k = scenario.stats.num_users
    check_int_range("num_users", num_users, k)
    extra = num_users - k
    return UplinkScenario(ap_pos=scenario.ap_pos, user_pos=jnp.pad(scenario.user_pos, ((0, extra), (0, 0))),
                          sat_pos=scenario.sat_pos, beta_sat=jnp.pad(scenario.beta_sat, (0, extra)),
                          stats=scenario.stats.pad(num_users, scenario.stats.num_aps),
                          p_max_w=jnp.pad(scenario.p_max_w, (0, extra)), tau_c=scenario.tau_c)


def real_users(rho: Float[ArrayLike, " K"], num_users: int) -> Float[ArrayLike, " k"]:
    """The powers ``[num_users]`` of the first ``num_users`` (real) users."""
    return rho[..., :num_users]


def _decision_like(scenario: UplinkScenario) -> jax.ShapeDtypeStruct:
    """The decision on ``scenario``: the powers ``rho [K]`` [W] (real, the scenario's dtype)."""
    return jax.ShapeDtypeStruct(jnp.shape(scenario.p_max_w), jnp.result_type(scenario.p_max_w))


def _example(scenario: UplinkScenario) -> PowerControlExample:
    return PowerControlExample(scenario, siso_problem(scenario.stats))


def _algorithm1(scenario: UplinkScenario, mode: Mode) -> tuple[Float[ArrayLike, " K"], IterationTrace]:
    """Algorithm 1 (eqs. (29)-(44)) on the space-ground SISO problem: powers ``[K]`` [W], trace."""
    result = algorithm1(siso_problem(scenario.stats), scenario.p_max_w, mode=mode)
    return result.rho, result.trace


SYSTEM = System(
    name="uplink",
    paper="A",
    title="uplink cell-free massive MIMO with a LEO satellite",
    docs="docs/paper-a.md",
    params_class=UplinkParams,
    scenario_class=UplinkScenario,
    sample=sample_uplink_scenario,
    example=_example,
    task=PowerControlTask,
    policies=POLICIES,
    reference="algorithm1",
    metric=Metric("sum_mbps", "Mbit/s", "sum throughput (eq. (21)) with the closed-form SINR (Theorem 1)"),
    decision=DecisionSpec("the transmit powers rho [K] in W (one array)", _decision_like),
    models={"shgnn": SHGNN},
    algorithms={"algorithm1": _algorithm1},
    pad_users=pad_users,
    real_users=real_users,
    tiny={"num_users": 3, "num_aps": 4, "n_v": 2, "n_h": 2, "tau_p": 2},
    resize=lambda num_users: {"num_users": num_users, "tau_p": max(1, num_users // 2)},
    differentiable=("full_power", "p_max_w"),
)

"""System C declared as one ``satjax.systems.System`` (``satjax.uav.SYSTEM``)."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from satjax._checks import check_int_range
from satjax.optim.iterate import IterationTrace, Mode, Unroll
from satjax.systems import DecisionSpec, Metric, System
from satjax.uav.algorithms import algorithm3, algorithm6
from satjax.uav.models import UavGNN
from satjax.uav.policies import POLICIES, UavDecision
from satjax.uav.scenario import UavParams, UavScenario, sample_uav_scenario
from satjax.uav.task import UavEfficiencyTask

__all__ = ["SYSTEM", "pad_users", "real_users"]


def pad_users(scenario: UavScenario, num_users: int) -> UavScenario:
    """``scenario`` with every group padded to ``num_users`` users (K_g): zero gains ``lam``,
    mask False, so padded users are never assigned a subchannel and change nothing for the
    real ones."""
    k = scenario.lam.shape[1]
    check_int_range("num_users", num_users, k)
    extra = num_users - k

    def users(a):
        return jnp.pad(a, ((0, 0), (0, extra)) + ((0, 0),) * (a.ndim - 2))

    return dataclasses.replace(scenario, lam=users(scenario.lam), user_mask=users(scenario.user_mask),
                               user_pos=users(scenario.user_pos))


def real_users(decision: UavDecision, num_users: int) -> UavDecision:
    """The decision with the assignment ``x [G, num_users, N]`` of the first ``num_users`` users of
    each group (powers and hovering times are per UAV and slot, unchanged)."""
    return UavDecision(decision.x[..., :num_users, :], decision.p, decision.tau)


def _decision_like(scenario: UavScenario) -> UavDecision:
    """The decision on ``scenario``: ``UavDecision(x [G, K, N], p [G, L, N], tau [G])`` in the
    dtype of the scenario's gains."""
    g, k, l, n = jnp.shape(scenario.lam)
    dtype = jnp.result_type(scenario.lam)
    return jax.eval_shape(lambda: UavDecision(jnp.zeros((g, k, n), dtype), jnp.zeros((g, l, n), dtype),
                                              jnp.zeros((g,), dtype)))


def _example(scenario: UavScenario) -> UavScenario:
    return scenario


def _algorithm3(scenario: UavScenario, mode: Mode) -> tuple[UavDecision, IterationTrace]:
    """Algorithm 3 (BCD for the overall efficiency (15)), outer loop in ``mode``, Algorithm 2 inside
    at a fixed depth (``Unroll(10)``, so both modes run the same inner steps): the decision and
    the trace of the overall efficiency [bit/Hz]."""
    r = algorithm3(scenario, mode=mode, power_mode=Unroll(10))
    return UavDecision(r.x, r.p, r.tau), r.trace


def _algorithm6(scenario: UavScenario, mode: Mode) -> tuple[UavDecision, IterationTrace]:
    """Algorithm 6 (BCD for the minimum efficiency (10)), outer loop in ``mode``, Algorithm 5 inside
    at a fixed depth (``Unroll(10)``): the decision and the trace of the minimum efficiency
    [bit/Hz]."""
    r = algorithm6(scenario, mode=mode, power_mode=Unroll(10))
    return UavDecision(r.x, r.p, r.tau), r.trace


SYSTEM = System(
    name="uav",
    paper="C",
    title="cell-free satellite-UAV networks",
    docs="docs/paper-c.md",
    params_class=UavParams,
    scenario_class=UavScenario,
    sample=sample_uav_scenario,
    example=_example,
    task=UavEfficiencyTask,
    policies=POLICIES,
    reference="algorithm3",
    metric=Metric("overall_bit_per_hz", "bit/Hz", "overall efficiency (15), deterministic-equivalent rates (16)-(17)"),
    decision=DecisionSpec("UavDecision(x [G, K, N] assignment in {0, 1}, p [G, L, N] powers in W, tau [G] "
                          "hovering times in s)", _decision_like),
    models={"uav_gnn": UavGNN},
    algorithms={"algorithm3": _algorithm3, "algorithm6": _algorithm6},
    pad_users=pad_users,
    real_users=real_users,
    tiny={"num_uavs": 2, "num_groups": 2, "users_per_group": 2, "num_sat_users": 2, "num_subchannels": 3,
          "num_rx_antennas": 2},
    resize=lambda num_users: {"users_per_group": num_users},
    differentiable=("initial_point", "noise_figure_db"),
)

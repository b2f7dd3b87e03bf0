"""System C declared as one ``satjax.systems.System`` (``satjax.uav.SYSTEM``)."""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp

from satjax._checks import check_int_range
from satjax.systems import Metric, System
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


def _example(scenario: UavScenario) -> UavScenario:
    return scenario


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
    policies={n: (p if isinstance(p, type) else (lambda p=p: p)) for n, p in POLICIES.items()},
    reference="algorithm3",
    metric=Metric("overall_bit_per_hz", "bit/Hz", "overall efficiency (15), deterministic-equivalent rates (16)-(17)"),
    models={"uav_gnn": UavGNN},
    algorithms={},
    pad_users=pad_users,
    real_users=real_users,
    tiny={"num_uavs": 2, "num_groups": 2, "users_per_group": 2, "num_sat_users": 2, "num_subchannels": 3,
          "num_rx_antennas": 2},
    differentiable=("initial_point", "noise_figure_db"),
)

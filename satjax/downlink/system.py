"""System B declared as one ``satjax.systems.System`` (``satjax.downlink.SYSTEM``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from satjax._checks import check_int_range
from satjax._types import ArrayLike, Complex
from satjax.downlink.models import EdgeGNN, LinearUnfoldedWMMSE, ScaledMRT, UnfoldedDinkelbachWMMSE
from satjax.downlink.policies import POLICIES
from satjax.downlink.scenario import DownlinkParams, DownlinkScenario, sample_downlink_scenario
from satjax.downlink.task import PrecodingTask
from satjax.downlink.wmmse import dinkelbach_wmmse, wmmse
from satjax.optim.iterate import IterationTrace, Mode
from satjax.systems import DecisionSpec, Metric, System

__all__ = ["SYSTEM", "pad_users", "real_users"]


def pad_users(scenario: DownlinkScenario, num_users: int) -> DownlinkScenario:
    """``scenario`` with users appended up to ``num_users``: no channel (``PrecodingProblem.pad``),
    zero paths, Dopplers and delays; they get zero precoders and change nothing for the real
    users."""
    k = scenario.problem.num_users
    check_int_range("num_users", num_users, k)
    extra = num_users - k

    def rows(a):
        return jnp.pad(a, ((0, extra),) + ((0, 0),) * (a.ndim - 1))

    return DownlinkScenario(user_pos=rows(scenario.user_pos), sat_pos=scenario.sat_pos, alpha=rows(scenario.alpha),
                            nu_sat=rows(scenario.nu_sat), tau_min=rows(scenario.tau_min), nu_ut=rows(scenario.nu_ut),
                            tau_ut=rows(scenario.tau_ut),
                            problem=scenario.problem.pad(scenario.problem.num_antennas, num_users))


def real_users(b: Complex[ArrayLike, "Nt K"], num_users: int) -> Complex[ArrayLike, "Nt k"]:
    """The precoders ``[N_t, num_users]`` of the first ``num_users`` (real) users."""
    return b[..., :num_users]


def _decision_like(scenario: DownlinkScenario) -> jax.ShapeDtypeStruct:
    """The decision on ``scenario``: the precoders ``B [N_t, K]`` (complex, the dtype of ``v``)."""
    v = scenario.problem.v
    return jax.ShapeDtypeStruct(jnp.shape(v), jnp.result_type(v))


def _example(scenario: DownlinkScenario) -> DownlinkScenario:
    return scenario


def _dinkelbach_wmmse(scenario: DownlinkScenario, mode: Mode) -> tuple[Complex[ArrayLike, "Nt K"], IterationTrace]:
    """Algorithm 2 (Dinkelbach around WMMSE, exact inverse), outer loop in ``mode``, inner WMMSE
    solved: precoders ``[N_t, K]``, trace of the EE [bit/J]."""
    b, _, trace = dinkelbach_wmmse(scenario.problem, mode=mode)
    return b, trace


def _wmmse(scenario: DownlinkScenario, mode: Mode) -> tuple[Complex[ArrayLike, "Nt K"], IterationTrace]:
    """Sum-rate WMMSE (21)-(24) under the budget: precoders ``[N_t, K]``, trace of the sum rate."""
    return wmmse(scenario.problem, mode=mode)


SYSTEM = System(
    name="downlink",
    paper="B",
    title="downlink LEO massive-MIMO precoding for energy efficiency",
    docs="docs/paper-b.md",
    params_class=DownlinkParams,
    scenario_class=DownlinkScenario,
    sample=sample_downlink_scenario,
    example=_example,
    task=PrecodingTask,
    policies=POLICIES,
    reference="dinkelbach_wmmse",
    metric=Metric("ee_mbit_per_j", "Mbit/J", "energy efficiency (10a) with the rate bound (9)"),
    decision=DecisionSpec("the precoders B [N_t, K] in sqrt(W) (one complex array; column k is user k's)",
                          _decision_like),
    models={"edge_gnn": EdgeGNN, "unfolded_wmmse": UnfoldedDinkelbachWMMSE,
            "linear_unfolding": LinearUnfoldedWMMSE, "scaled_mrt": ScaledMRT},
    algorithms={"dinkelbach_wmmse": _dinkelbach_wmmse, "wmmse": _wmmse},
    pad_users=pad_users,
    real_users=real_users,
    tiny={"n_v": 2, "n_h": 2, "num_users": 2, "num_paths": 2},
    resize=lambda num_users: {"num_users": num_users},
    differentiable=("statistical_mrt", "p_max_w"),
)

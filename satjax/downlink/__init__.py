"""System B: downlink LEO massive-MIMO precoding for energy efficiency (paper B).

Basic use::

    params = DownlinkParams()                                  # Table I
    scenario = sample_downlink_scenario(key, params)
    b, ee, trace = dinkelbach_wmmse(scenario.problem)          # Algorithm 2 (exact inverse)
    energy_efficiency(scenario.problem, b)                     # objective (10a), bound (9) [bit/J]

Bring your own statistical CSI with ``PrecodingProblem.from_arrays`` (validated). The learned
precoders (``EdgeGNN``, ``UnfoldedDinkelbachWMMSE``, ``LinearUnfoldedWMMSE``, ``ScaledMRT``) are in
``satjax.downlink.models``.
"""

from satjax.downlink.csi import estimated_channel
from satjax.downlink.models import (
    NUM_EDGE_FEATURES,
    EdgeGNN,
    LinearUnfoldedWMMSE,
    ScaledMRT,
    TaylorInverse,
    TaylorLayer,
    UnfoldedDinkelbachWMMSE,
    edge_features,
)
from satjax.downlink.policies import POLICIES, DinkelbachWMMSEPolicy, StatisticalMMSE, StatisticalMRT, WMMSEPolicy
from satjax.downlink.precoders import (
    mmse_precoder,
    mrt,
    project_to_budget,
    regularized_zero_forcing,
    scale_to_power,
    statistical_mrt,
    zero_forcing,
)
from satjax.downlink.problem import PrecodingProblem, energy_efficiency, sum_rate_bound
from satjax.downlink.rates import (
    ergodic_rate_monte_carlo,
    gram,
    rate,
    rate_bound,
    sinr,
    sinr_bound,
    total_power,
    transmit_power,
)
from satjax.downlink.scenario import (
    SNR_CONVENTIONS,
    DownlinkParams,
    DownlinkScenario,
    channel_response,
    repoint_satellite,
    sample_downlink_scenario,
    sample_downlink_scenarios,
)
from satjax.downlink.task import LOSS_UNIT, PrecodingTask
from satjax.downlink.wmmse import (
    BISECTION_STEPS,
    ExactUpdate,
    NewtonSchulzUpdate,
    budget_precoders,
    budget_precoders_rank_k,
    dinkelbach_step,
    dinkelbach_wmmse,
    exact_update,
    wmmse,
    wmmse_step,
)
from satjax.downlink.system import SYSTEM

__all__ = [
    "SYSTEM",
    # basic: parameters, scenarios, the problem and its objective, the algorithms, precoders
    "DownlinkParams",
    "DownlinkScenario",
    "PrecodingProblem",
    "sample_downlink_scenario",
    "sample_downlink_scenarios",
    "energy_efficiency",
    "sum_rate_bound",
    "dinkelbach_wmmse",
    "wmmse",
    "statistical_mrt",
    "mmse_precoder",
    "regularized_zero_forcing",
    "zero_forcing",
    "mrt",
    "project_to_budget",
    # policies and training
    "POLICIES",
    "StatisticalMRT",
    "StatisticalMMSE",
    "WMMSEPolicy",
    "DinkelbachWMMSEPolicy",
    "PrecodingTask",
    "LOSS_UNIT",
    # learned precoders (Secs. III-IV)
    "EdgeGNN",
    "UnfoldedDinkelbachWMMSE",
    "LinearUnfoldedWMMSE",
    "ScaledMRT",
    "TaylorInverse",
    "TaylorLayer",
    "edge_features",
    "NUM_EDGE_FEATURES",
    # building blocks
    "BISECTION_STEPS",
    "SNR_CONVENTIONS",
    "NewtonSchulzUpdate",
    "budget_precoders",
    "budget_precoders_rank_k",
    "exact_update",
    "ExactUpdate",
    "channel_response",
    "repoint_satellite",
    "dinkelbach_step",
    "ergodic_rate_monte_carlo",
    "estimated_channel",
    "gram",
    "rate",
    "rate_bound",
    "scale_to_power",
    "sinr",
    "sinr_bound",
    "total_power",
    "transmit_power",
    "wmmse_step",
]

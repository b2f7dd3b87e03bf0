"""System A: uplink cell-free massive MIMO with a LEO satellite (paper A).

Basic use::

    params = UplinkParams(num_users=20)
    scenario = sample_uplink_scenario(key, params)
    sinr = closed_form_sinr(scenario.stats, scenario.p_max_w)                  # Theorem 1
    res = algorithm1(siso_problem(scenario.stats), scenario.p_max_w)          # Algorithm 1

Bring your own statistics with ``ChannelStats.from_arrays`` (validated); every function
below then takes them. The learned model is ``SHGNN`` (Sec. V, ``satjax.uplink.models``).
"""

from satjax.uplink.channels import hermitian_sqrt, sample_channels, sample_pilot_signals
from satjax.uplink.estimation import MMSEStats, mmse_estimate, mmse_statistics
from satjax.uplink.models import AP_FEATURES, SAT_FEATURES, SHGNN, GraphInputs, graph_inputs
from satjax.uplink.monte_carlo import RealizationTerms, monte_carlo_sinr, monte_carlo_terms, sample_realization
from satjax.uplink.objectives import spectral_efficiency, sum_spectral_efficiency, utility_of_powers
from satjax.uplink.pilots import default_pilots, pilot_book, pilot_sharing
from satjax.uplink.policies import POLICIES, Algorithm1Policy, FullPower, ProjectedGradientPolicy, RandomPower
from satjax.uplink.power_control import (
    SCHEDULING_THRESHOLD,
    Algorithm1Result,
    algorithm1,
    algorithm1_step,
    scheduled_users,
)
from satjax.uplink.scenario import UplinkParams, UplinkScenario, sample_uplink_scenario, sample_uplink_scenarios
from satjax.uplink.sinr import (
    LINKS,
    SinrTerms,
    SisoProblem,
    closed_form_sinr,
    closed_form_terms,
    closed_form_terms_by_link,
    interference_plus_noise,
    siso_problem,
    siso_sinr,
)
from satjax.uplink.statistics import ChannelStats, apply_masks, normalize, power_scale, satellite_statistics
from satjax.uplink.task import PowerControlExample, PowerControlTask
from satjax.uplink.throughput import prelog, throughput_bps, throughput_scale_bps
from satjax.uplink.system import SYSTEM

__all__ = [
    "SYSTEM",
    # basic: parameters, scenarios, the closed form, Monte Carlo, Algorithm 1, throughput
    "UplinkParams",
    "UplinkScenario",
    "ChannelStats",
    "sample_uplink_scenario",
    "sample_uplink_scenarios",
    "closed_form_sinr",
    "monte_carlo_sinr",
    "siso_problem",
    "algorithm1",
    "throughput_bps",
    "throughput_scale_bps",
    "spectral_efficiency",
    "sum_spectral_efficiency",
    "utility_of_powers",
    # policies and training
    "POLICIES",
    "FullPower",
    "RandomPower",
    "Algorithm1Policy",
    "ProjectedGradientPolicy",
    "PowerControlTask",
    "PowerControlExample",
    # learned model (Sec. V)
    "SHGNN",
    "GraphInputs",
    "graph_inputs",
    "AP_FEATURES",
    "SAT_FEATURES",
    # building blocks
    "LINKS",
    "SCHEDULING_THRESHOLD",
    "Algorithm1Result",
    "MMSEStats",
    "RealizationTerms",
    "SinrTerms",
    "SisoProblem",
    "algorithm1_step",
    "apply_masks",
    "closed_form_terms",
    "closed_form_terms_by_link",
    "default_pilots",
    "hermitian_sqrt",
    "interference_plus_noise",
    "mmse_estimate",
    "mmse_statistics",
    "monte_carlo_terms",
    "normalize",
    "pilot_book",
    "pilot_sharing",
    "power_scale",
    "prelog",
    "sample_channels",
    "sample_pilot_signals",
    "sample_realization",
    "satellite_statistics",
    "scheduled_users",
    "siso_sinr",
]

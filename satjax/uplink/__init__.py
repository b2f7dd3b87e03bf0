"""System A: uplink cell-free massive MIMO with a LEO satellite (paper A).

Public API:

* plain arrays: :func:`closed_form_sinr`, :func:`monte_carlo_sinr`, :func:`algorithm1`,
  :func:`make_channel_stats`;
* scenario objects: :class:`UplinkParams`, :func:`sample_uplink_scenario`, :class:`ChannelStats`,
  :func:`sinr_closed_form`, :func:`sinr_monte_carlo`, :func:`closed_form_terms`,
  :func:`monte_carlo_terms`, :func:`mmse_statistics`, :func:`throughput_bps`;
* optimization (Sec. IV): :func:`algorithm1_solve`, :func:`algorithm1_unrolled`,
  :func:`algorithm1_step`, :func:`siso_problem`, :func:`utility_of_powers`.
"""

from satjax.uplink.api import algorithm1, closed_form_sinr, make_channel_stats, monte_carlo_sinr, pad_stats
from satjax.uplink.channels import hermitian_sqrt, sample_channels, sample_pilot_signals
from satjax.uplink.estimation import MMSEStats, mmse_estimate, mmse_statistics
from satjax.uplink.monte_carlo import RealizationTerms, monte_carlo_terms, sample_realization, sinr_monte_carlo
from satjax.uplink.objectives import siso_utility, spectral_efficiency, utility_of_powers
from satjax.uplink.pilots import default_pilots, pilot_book, pilot_sharing
from satjax.uplink.power_control import (
    SCHEDULING_THRESHOLD,
    Algorithm1Result,
    SisoProblem,
    algorithm1_solve,
    algorithm1_solve_siso,
    algorithm1_step,
    algorithm1_unrolled,
    scheduled_users,
    siso_problem,
    sum_spectral_efficiency,
)
from satjax.uplink.scenario import UplinkParams, UplinkScenario, sample_uplink_scenario, sample_uplink_scenarios
from satjax.uplink.sinr import LINKS, SinrTerms, closed_form_terms, sinr_closed_form, sinr_from_terms
from satjax.uplink.statistics import ChannelStats, apply_masks, normalize, satellite_statistics
from satjax.uplink.throughput import prelog, throughput_bps

__all__ = [
    "LINKS",
    "SCHEDULING_THRESHOLD",
    "Algorithm1Result",
    "SisoProblem",
    "algorithm1",
    "algorithm1_solve",
    "algorithm1_solve_siso",
    "algorithm1_step",
    "algorithm1_unrolled",
    "scheduled_users",
    "siso_problem",
    "siso_utility",
    "spectral_efficiency",
    "sum_spectral_efficiency",
    "utility_of_powers",
    "ChannelStats",
    "MMSEStats",
    "RealizationTerms",
    "SinrTerms",
    "UplinkParams",
    "UplinkScenario",
    "apply_masks",
    "closed_form_sinr",
    "closed_form_terms",
    "default_pilots",
    "hermitian_sqrt",
    "make_channel_stats",
    "mmse_estimate",
    "mmse_statistics",
    "monte_carlo_sinr",
    "monte_carlo_terms",
    "normalize",
    "pad_stats",
    "pilot_book",
    "pilot_sharing",
    "prelog",
    "sample_channels",
    "sample_pilot_signals",
    "sample_realization",
    "sample_uplink_scenario",
    "sample_uplink_scenarios",
    "satellite_statistics",
    "sinr_closed_form",
    "sinr_from_terms",
    "sinr_monte_carlo",
    "throughput_bps",
]

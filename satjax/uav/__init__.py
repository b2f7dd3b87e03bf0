"""System C: cell-free satellite-UAV network for wide-area IoT (paper C, Liu et al., IEEE JSAC 2021).

Basic use::

    params = UavParams()                                     # spec Sec. 4.2 placeholders (ours)
    scenario = sample_uav_scenario(key, params)              # lambda, phi, y from P.525 + P.676 + shadowing
    result = algorithm3(scenario)                            # BCD, overall efficiency (15): BcdResult
    batch = jax.vmap(algorithm3)(scenarios)                  # a batch in one call, each stops on its own test
    fair = algorithm6(scenario, mode=Solve(tol=1e-4, max_iters=10))   # BCD, minimum efficiency (10)
    unrolled = algorithm3(scenario, mode=Unroll(3))          # fixed depth, reverse-differentiable
    overall_efficiency(scenario, result.x, result.p, result.tau)

``Solve`` and ``Unroll`` are ``satjax.optim``'s modes. Bring your own large-scale CSI with ``UavScenario.from_arrays`` (validated).

Policies (``policy(scenario, key) -> UavDecision``, ``satjax.uav.policies``) and the training
task ``UavEfficiencyTask`` (loss = -overall efficiency) plug system C into
``satjax.train``; the learned policy is ``UavGNN`` (``satjax.uav.models``).
"""

from satjax.uav.algorithms import (
    BcdResult,
    algorithm1_subchannels,
    algorithm2_power,
    algorithm3,
    algorithm4_subchannels,
    algorithm5_power,
    algorithm6,
    feasibility_scale,
    hovering_time_lp,
    initial_point,
    maxmin_hovering_time,
)
from satjax.uav.baselines import run_scheme, scheme1, scheme2, scheme3
from satjax.uav.models import UavGNN, uav_features
from satjax.uav.policies import (
    POLICIES,
    Algorithm3Policy,
    Algorithm6Policy,
    InitialPointPolicy,
    SchemePolicy,
    UavDecision,
    decide_each,
)
from satjax.uav.rates import (
    candidate_rates,
    constraint_residuals,
    deterministic_rate,
    energy_use,
    leakage,
    max_violation,
    min_efficiency,
    monte_carlo_rate,
    overall_efficiency,
    power_use,
    rate_given_slack,
    slack_fixed_point,
    snr_terms,
    user_efficiency,
)
from satjax.uav.scenario import UavParams, UavScenario, sample_uav_scenario, sample_uav_scenarios, subchannel_frequencies_hz, uav_ground_loss_db
from satjax.uav.coverage import coverage_grid, received_power_w
from satjax.uav.task import LOSS_UNIT, UavEfficiencyTask, decision_metrics
from satjax.uav.system import SYSTEM

__all__ = [
    "SYSTEM",
    # basic: parameters, scenarios, objectives, the two BCD algorithms
    "UavParams",
    "UavScenario",
    "sample_uav_scenario",
    "sample_uav_scenarios",
    "overall_efficiency",
    "min_efficiency",
    "algorithm3",
    "algorithm6",
    "BcdResult",
    # physics
    "deterministic_rate",
    "slack_fixed_point",
    "rate_given_slack",
    "snr_terms",
    "candidate_rates",
    "leakage",
    "user_efficiency",
    "power_use",
    "energy_use",
    "constraint_residuals",
    "max_violation",
    "monte_carlo_rate",
    "subchannel_frequencies_hz",
    "uav_ground_loss_db",
    "received_power_w",
    "coverage_grid",
    # blocks of the BCD
    "initial_point",
    "feasibility_scale",
    "algorithm1_subchannels",
    "algorithm2_power",
    "hovering_time_lp",
    "algorithm4_subchannels",
    "algorithm5_power",
    "maxmin_hovering_time",
    # baselines
    "run_scheme",
    "scheme1",
    "scheme2",
    "scheme3",
    # policies and the training task (satjax.policies / satjax.train)
    "UavDecision",
    "Algorithm3Policy",
    "Algorithm6Policy",
    "SchemePolicy",
    "InitialPointPolicy",
    "POLICIES",
    "decide_each",
    "UavEfficiencyTask",
    "decision_metrics",
    "LOSS_UNIT",
    # learned model (beyond paper C)
    "UavGNN",
    "uav_features",
]

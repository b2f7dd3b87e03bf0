"""System B: downlink LEO massive-MIMO precoding for energy efficiency (paper B).

Landed: rates and energy efficiency (eqs. (5), (7)-(10)), linear precoders (MRT, ZF, RZF, MMSE,
statistical MRT), WMMSE and Dinkelbach + WMMSE in solve and unrolled modes (eqs. (16)-(24)),
validated plain-array entry points, the scenario sampler (users in the footprint, Doppler,
delays, power model (6), SNR conventions), imperfect CSI. Still to come: the paper's figures and
benchmarks.
"""

from satjax.downlink.precoders import (
    mmse_precoder,
    mrt,
    regularized_zero_forcing,
    scale_to_power,
    statistical_mrt,
    zero_forcing,
)
from satjax.downlink.rates import (
    energy_efficiency_bound,
    ergodic_rate_monte_carlo,
    gram,
    rate_bound,
    sinr,
    sinr_bound,
    total_power,
    transmit_power,
)

__all__ = [
    "energy_efficiency_bound",
    "ergodic_rate_monte_carlo",
    "gram",
    "mmse_precoder",
    "mrt",
    "rate_bound",
    "regularized_zero_forcing",
    "scale_to_power",
    "sinr",
    "sinr_bound",
    "statistical_mrt",
    "total_power",
    "transmit_power",
    "zero_forcing",
]
from satjax.downlink.wmmse import (  # noqa: E402
    PrecodingProblem,
    dinkelbach_step,
    dinkelbach_wmmse_solve,
    dinkelbach_wmmse_unrolled,
    wmmse_solve,
    wmmse_step,
)

__all__ += [
    "PrecodingProblem",
    "dinkelbach_step",
    "dinkelbach_wmmse_solve",
    "dinkelbach_wmmse_unrolled",
    "wmmse_solve",
    "wmmse_step",
]
from satjax.downlink.api import dinkelbach_wmmse, energy_efficiency, precoding_problem  # noqa: E402

__all__ += ["dinkelbach_wmmse", "energy_efficiency", "precoding_problem"]
from satjax.downlink.scenario import (  # noqa: E402
    SNR_CONVENTIONS,
    DownlinkParams,
    DownlinkScenario,
    channel_response,
    sample_downlink_scenario,
)

__all__ += ["SNR_CONVENTIONS", "DownlinkParams", "DownlinkScenario", "channel_response", "sample_downlink_scenario"]
from satjax.downlink.csi import estimated_channel  # noqa: E402

__all__ += ["estimated_channel"]

"""System B's precoding policies: ``policy(scenario, key) -> b [N_t, K]`` (complex, column k =
$b_k$, $\\sum_k\\|b_k\\|^2 \\le P_{\\max}$).

The model-based precoders of paper B on the statistical CSI the transmitter has
($v_k$, $\\gamma_k$), as ``satjax.policies.Policy`` modules; learned precoders
(``satjax.downlink.models``) have the same signature. MMSE/RZF here use the statistical channel
$\\sqrt{\\gamma_k} v_k$; with instantaneous CSI call ``satjax.downlink.mmse_precoder``
on ``satjax.downlink.channel_response``.
"""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp

from satjax._types import ArrayLike, Complex, PRNGKeyArray
from satjax._numerics import safe_sqrt
from satjax.downlink.precoders import mmse_precoder, statistical_mrt
from satjax.downlink.scenario import DownlinkScenario
from satjax.downlink.wmmse import dinkelbach_wmmse, wmmse
from satjax.optim.iterate import Solve

__all__ = ["StatisticalMRT", "StatisticalMMSE", "WMMSEPolicy", "DinkelbachWMMSEPolicy", "POLICIES"]


class StatisticalMRT(eqx.Module):
    """MRT on the array responses at full power (``satjax.downlink.statistical_mrt``)."""

    def __call__(self, scenario: DownlinkScenario, key: PRNGKeyArray | None = None) -> Complex[ArrayLike, "Nt K"]:
        p = scenario.problem
        return statistical_mrt(p.v, p.p_max_w)


class StatisticalMMSE(eqx.Module):
    """MMSE precoder on the statistical channel $\\sqrt{\\gamma_k}v_k$ at full power."""

    def __call__(self, scenario: DownlinkScenario, key: PRNGKeyArray | None = None) -> Complex[ArrayLike, "Nt K"]:
        p = scenario.problem
        return mmse_precoder(p.v * safe_sqrt(p.gamma)[None, :].astype(p.v.dtype), p.p_max_w, p.noise_w,
                             num_users=jnp.sum(p.users))


class WMMSEPolicy(eqx.Module):
    """Sum-rate WMMSE in solve mode (``satjax.downlink.wmmse``, ``rho = 0``)."""

    iterative: ClassVar[bool] = True          # a Solve-mode loop: batch with satjax.optim.solve_batch

    tol: float = eqx.field(default=1e-5, static=True)
    max_iters: int = eqx.field(default=200, static=True)

    def __check_init__(self):
        Solve(tol=self.tol, max_iters=self.max_iters)

    def __call__(self, scenario: DownlinkScenario, key: PRNGKeyArray | None = None) -> Complex[ArrayLike, "Nt K"]:
        return wmmse(scenario.problem, mode=Solve(tol=self.tol, max_iters=self.max_iters))[0]


class DinkelbachWMMSEPolicy(eqx.Module):
    """Paper B, Algorithm 2 with the exact inverse in solve mode (``satjax.downlink.dinkelbach_wmmse``)."""

    iterative: ClassVar[bool] = True          # a Solve-mode loop: batch with satjax.optim.solve_batch

    tol: float = eqx.field(default=1e-5, static=True)
    max_iters: int = eqx.field(default=30, static=True)
    inner_tol: float = eqx.field(default=1e-5, static=True)
    inner_max_iters: int = eqx.field(default=200, static=True)

    def __check_init__(self):
        Solve(tol=self.tol, max_iters=self.max_iters)
        Solve(tol=self.inner_tol, max_iters=self.inner_max_iters)

    def __call__(self, scenario: DownlinkScenario, key: PRNGKeyArray | None = None) -> Complex[ArrayLike, "Nt K"]:
        b, _, _ = dinkelbach_wmmse(scenario.problem, mode=Solve(tol=self.tol, max_iters=self.max_iters),
                                   inner=Solve(tol=self.inner_tol, max_iters=self.inner_max_iters))
        return b


#: Policies by name, for configs and experiment scripts.
POLICIES: dict[str, type] = {
    "statistical_mrt": StatisticalMRT,
    "statistical_mmse": StatisticalMMSE,
    "wmmse": WMMSEPolicy,
    "dinkelbach_wmmse": DinkelbachWMMSEPolicy,
}

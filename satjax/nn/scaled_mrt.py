r"""The smallest learned precoder: statistical MRT at a learned fraction of the budget.

$b = \mathrm{MRT}(v)\cdot\sqrt{\sigma(\theta)}$, i.e. transmit power $\sigma(\theta)P_{\max}$
with one trainable logit $\theta$. Trained on ``satjax.downlink.PrecodingTask``, it
learns the energy-efficient transmit power of MRT for the scenario distribution — a baseline,
and the proof that the trainer fits a system-B precoder end to end through the physics.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._types import ArrayLike, Complex, Float, PRNGKeyArray
from satjax.downlink.precoders import statistical_mrt
from satjax.downlink.scenario import DownlinkScenario

__all__ = ["ScaledMRT"]


class ScaledMRT(eqx.Module):
    """Statistical MRT at power $\\sigma(\\theta) P_{\\max}$ (one parameter, ``logit`` = θ).

    A ``satjax.policies.Policy`` for system B: ``model(scenario, key) -> b [N_t, K]``.

    Arguments:
        power_fraction: initial fraction of the budget, in (0, 1).
    """

    logit: Float[ArrayLike, ""]

    def __init__(self, power_fraction: float = 0.5, *, key: PRNGKeyArray | None = None, dtype=jnp.float32):
        if isinstance(power_fraction, bool) or not isinstance(power_fraction, (int, float)) or not 0 < power_fraction < 1:
            raise ValueError(f"power_fraction must be in (0, 1), got {power_fraction!r}")
        self.logit = jnp.asarray(jnp.log(power_fraction / (1 - power_fraction)), dtype)

    def power_fraction(self) -> Float[ArrayLike, ""]:
        return jax.nn.sigmoid(self.logit)

    def __call__(self, scenario: DownlinkScenario, key: PRNGKeyArray | None = None) -> Complex[ArrayLike, "Nt K"]:
        p = scenario.problem
        return statistical_mrt(p.v, self.power_fraction().astype(p.p_max.dtype) * p.p_max)

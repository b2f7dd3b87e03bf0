r"""System B's training task: unsupervised energy-efficient precoding, paper B eqs. (15)/(35)."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp

from satjax._types import ArrayLike, Float, PRNGKeyArray
from satjax.downlink.problem import energy_efficiency, sum_rate_bound
from satjax.downlink.rates import transmit_power
from satjax.downlink.scenario import DownlinkParams, DownlinkScenario, sample_downlink_scenario

__all__ = ["PrecodingTask", "LOSS_UNIT"]

#: The loss and the reported EE are in Mbit/J (EE of the paper's scenarios is O(1) in this unit).
LOSS_UNIT = 1e6


class PrecodingTask(eqx.Module):
    r"""Paper B, eqs. (15)/(35): unsupervised precoding, loss = $-\mathrm{EE}$ of the bound (9).

    A ``satjax.train.Task``: examples are drops of ``DownlinkParams`` drawn on the fly;
    ``loss(model, scenario)`` is $-\mathrm{EE}(\text{model}(scenario))$ in Mbit/J (the
    model's output is used as is: every satjax precoder meets the budget by construction —
    learned ones end with ``satjax.downlink.project_to_budget`` — and ``score`` reports the
    transmit power, so an infeasible model shows);
    ``score`` reports EE [Mbit/J], the sum rate bound [bit/s/Hz] and the transmit power [W].

    Attributes:
        params: the scenario distribution (a PyTree: its physical fields are arrays).
    """

    params: DownlinkParams

    def sample(self, key: PRNGKeyArray) -> DownlinkScenario:
        return sample_downlink_scenario(key, self.params)

    def loss(self, model, example: DownlinkScenario) -> Float[ArrayLike, ""]:
        return -energy_efficiency(example.problem, model(example, None)) / LOSS_UNIT

    def score(self, policy, example: DownlinkScenario, key: PRNGKeyArray) -> dict[str, Float[ArrayLike, ""]]:
        b = policy(example, key)
        p = example.problem
        return {"ee_mbit_per_j": energy_efficiency(p, b) / LOSS_UNIT, "sum_rate": sum_rate_bound(p, b),
                "power_w": transmit_power(b), "power_over_budget": jnp.maximum(transmit_power(b) / p.p_max_w - 1, 0)}

r"""System C's training task: unsupervised resource allocation for the overall efficiency, paper C
eqs. (8)/(15) with the deterministic-equivalent rates (16)-(17)."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax.numpy as jnp

from satjax._checks import check_choice
from satjax._types import ArrayLike, Float, PRNGKeyArray
from satjax.uav.policies import UavDecision
from satjax.uav.rates import max_violation, min_efficiency, overall_efficiency
from satjax.uav.scenario import UavParams, UavScenario, sample_uav_scenario

__all__ = ["UavEfficiencyTask", "LOSS_UNIT", "decision_metrics", "DTYPES"]

#: The loss is in kbit/Hz (the overall efficiency of the default scenario is O(100) in this unit).
LOSS_UNIT = 1e3
DTYPES = ("float32", "float64")


def decision_metrics(scenario: UavScenario,
                     decision: UavDecision | tuple[Float[ArrayLike, "G K N"], Float[ArrayLike, "G L N"],
                                                   Float[ArrayLike, " G"]] | Any
                     ) -> dict[str, Float[ArrayLike, ""]]:
    """Overall efficiency (15) and minimum efficiency (10) [bit/Hz] of ``decision = (x, p, tau)``,
    and its largest relative constraint residual (``<= 0``: feasible, ``satjax.uav.max_violation``).

    Args:
        scenario: the ``UavScenario``.
        decision: ``(x [G, K, N], p [G, L, N] [W], tau [G] [s])``, a ``UavDecision`` or a 3-tuple
            (anything else: a ``ValueError``).

    Returns:
        ``{"overall_bit_per_hz", "min_bit_per_hz"}`` [bit/Hz] and ``"max_violation"``
        (dimensionless), each ``[]``.
    """
    try:
        x, p, tau = decision                                                  # validated by the rates functions
    except (TypeError, ValueError) as err:
        raise ValueError(f"decision must unpack to (x, p, tau) (a satjax.uav.UavDecision or a 3-tuple), got "
                         f"{type(decision).__name__}") from err
    return {"overall_bit_per_hz": overall_efficiency(scenario, x, p, tau),
            "min_bit_per_hz": min_efficiency(scenario, x, p, tau),
            "max_violation": max_violation(scenario, x, p, tau)}


class UavEfficiencyTask(eqx.Module):
    r"""Paper C, eq. (15): loss = $-\tilde\eta$ (overall efficiency with the
    deterministic-equivalent rates) in kbit/Hz of the model's decision ``(x, p, tau)``.

    A ``satjax.train.Task``: examples are drops of ``UavParams`` drawn on the fly
    (``satjax.uav.sample_uav_scenario`` in ``dtype``). The decision is used as is: learned
    policies meet every constraint by construction (``satjax.uav.UavGNN``), and ``score``
    reports the largest constraint residual, so an infeasible policy shows. ``score`` reports the
    overall and minimum efficiency [bit/Hz] and ``max_violation`` (``decision_metrics``).

    Attributes:
        params: the scenario distribution (a PyTree: its physical fields are arrays).
        dtype: ``"float32"`` or ``"float64"`` (the latter needs x64 enabled).
    """

    params: UavParams
    dtype: str = eqx.field(default="float32", static=True)

    def __check_init__(self):
        if not isinstance(self.params, UavParams):
            raise ValueError(f"params must be a satjax.uav.UavParams, got {type(self.params).__name__}")
        check_choice("dtype", self.dtype, DTYPES)

    def sample(self, key: PRNGKeyArray) -> UavScenario:
        return sample_uav_scenario(key, self.params, jnp.dtype(self.dtype))

    def loss(self, model, example: UavScenario) -> Float[ArrayLike, ""]:
        x, p, tau = model(example, None)
        return -overall_efficiency(example, x, p, tau) / LOSS_UNIT

    def score(self, policy, example: UavScenario, key: PRNGKeyArray) -> dict[str, Float[ArrayLike, ""]]:
        return decision_metrics(example, policy(example, key))

"""Objectives of the powers for system A: spectral efficiencies and named utilities.

The closed-form SINR (Theorem 1) is differentiable in the powers, so every utility here is a
training loss for learned policies and an objective for gradient solvers alike.
"""

from __future__ import annotations

import jax.numpy as jnp

from satjax._types import Array, Float
from satjax.optim.utilities import get_utility
from satjax.uplink.sinr import Link, sinr_closed_form
from satjax.uplink.statistics import ChannelStats

__all__ = ["spectral_efficiency", "utility_of_powers"]


def spectral_efficiency(stats: ChannelStats, rho: Float[Array, " K"], link: Link = "space_ground") -> Float[Array, " K"]:
    r"""Per-user :math:`\log_2(1 + \mathrm{SINR}_k)` [bit/s/Hz] from the closed form (eq. (21)
    without the pre-log and bandwidth); 0 for padded users."""
    return jnp.log2(1.0 + sinr_closed_form(stats, rho, link))


def utility_of_powers(stats: ChannelStats, rho: Float[Array, " K"], utility: str = "sum_rate",
                      link: Link = "space_ground") -> Float[Array, ""]:
    """The named utility (:data:`satjax.optim.UTILITIES`) of the spectral efficiencies at ``rho``."""
    return get_utility(utility)(spectral_efficiency(stats, rho, link), stats.user_mask)

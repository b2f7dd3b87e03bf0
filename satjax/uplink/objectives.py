"""Objectives of the powers for system A: spectral efficiencies and named utilities.

The closed-form SINR (Theorem 1) is differentiable in the powers, so every utility here is a
training loss for learned policies and an objective for gradient solvers alike.
"""

from __future__ import annotations

import jax.numpy as jnp

from satjax._types import Array, Float
from satjax.optim.utilities import get_utility
from satjax.uplink.power_control import SisoProblem, siso_sinr
from satjax.uplink.sinr import Link, sinr_closed_form
from satjax.uplink.statistics import ChannelStats

__all__ = ["spectral_efficiency", "utility_of_powers", "siso_utility"]


def spectral_efficiency(stats: ChannelStats, rho: Float[Array, " K"], link: Link = "space_ground") -> Float[Array, " K"]:
    r"""Per-user :math:`\log_2(1 + \mathrm{SINR}_k)` [bit/s/Hz] from the closed form (eq. (21)
    without the pre-log and bandwidth); 0 for padded users."""
    return jnp.log2(1.0 + sinr_closed_form(stats, rho, link))


def utility_of_powers(stats: ChannelStats, rho: Float[Array, " K"], utility: str = "sum_rate",
                      link: Link = "space_ground") -> Float[Array, ""]:
    """The named utility (:data:`satjax.optim.UTILITIES`) of the spectral efficiencies at ``rho``."""
    return get_utility(utility)(spectral_efficiency(stats, rho, link), stats.user_mask)


def siso_utility(problem: SisoProblem, rho: Float[Array, " K"], utility: str = "sum_rate") -> Float[Array, ""]:
    """:func:`utility_of_powers` on a precomputed :class:`SisoProblem` (the closed-form terms do
    not depend on the powers): O(K^2) per evaluation, for iterative solvers."""
    return get_utility(utility)(jnp.log2(1.0 + siso_sinr(problem, rho)), problem.user_mask)

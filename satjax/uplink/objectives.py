"""Objectives of the powers for system A: spectral efficiencies and named utilities.

All work on the ``satjax.uplink.SisoProblem`` of a scenario (Theorem 1's power-independent
terms, computed once by ``satjax.uplink.siso_problem``), so each evaluation is O(K^2) and
differentiable in the powers: every utility here is a training loss for learned policies and an
objective for gradient solvers alike.
"""

from __future__ import annotations

from satjax._numerics import log2_1p
from satjax._types import ArrayLike, Float
from satjax.optim.utilities import get_utility, sum_rate
from satjax.uplink.sinr import SisoProblem, siso_sinr

__all__ = ["spectral_efficiency", "sum_spectral_efficiency", "utility_of_powers"]


def spectral_efficiency(problem: SisoProblem, rho: Float[ArrayLike, " K"]) -> Float[ArrayLike, " K"]:
    r"""Per-user $\log_2(1 + \mathrm{SINR}_k)$ [bit/s/Hz] (eq. (21) without the pre-log and
    bandwidth, computed as ``log1p``); 0 for padded users.

    Args:
        problem: the ``SisoProblem`` of the scenario (``satjax.uplink.siso_problem``).
        rho: ``[K]`` data powers [W].

    Returns:
        ``[K]`` spectral efficiency [bit/s/Hz].
    """
    return log2_1p(siso_sinr(problem, rho))


def sum_spectral_efficiency(problem: SisoProblem, rho: Float[ArrayLike, " K"]) -> Float[ArrayLike, ""]:
    r"""$\sum_k \log_2(1 + \mathrm{SINR}_k)$ [bit/s/Hz]: the objective of problem (29) per unit
    bandwidth and pre-log (the ``sum_rate`` utility).

    Args:
        problem: the ``SisoProblem`` of the scenario.
        rho: ``[K]`` data powers [W].

    Returns:
        ``[]`` sum spectral efficiency over real users [bit/s/Hz].
    """
    return sum_rate(spectral_efficiency(problem, rho), problem.user_mask)


def utility_of_powers(problem: SisoProblem, rho: Float[ArrayLike, " K"], utility: str = "sum_rate") -> Float[ArrayLike, ""]:
    """The named utility (``satjax.optim.UTILITIES``) of the spectral efficiencies at ``rho``.

    Args:
        problem: the ``SisoProblem`` of the scenario.
        rho: ``[K]`` data powers [W].
        utility: a name in ``satjax.optim.UTILITIES`` (e.g. ``"sum_rate"``; else a ``ValueError``).

    Returns:
        ``[]`` the utility of the per-user spectral efficiencies (``sum_rate``: [bit/s/Hz]).
    """
    return get_utility(utility)(spectral_efficiency(problem, rho), problem.user_mask)

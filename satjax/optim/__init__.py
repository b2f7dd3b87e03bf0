"""Optimization building blocks shared by all systems: iteration drivers, utilities, baselines,
the Newton–Schulz matrix inverse."""

from satjax.optim.baselines import full_power, projected_gradient, random_power
from satjax.optim.iterate import IterationTrace, solve, unroll
from satjax.optim.matrix_inverse import inverse_residual, newton_schulz_init, newton_schulz_inverse
from satjax.optim.utilities import UTILITIES, get_utility, max_min, max_min_smooth, proportional_fair, sum_rate

__all__ = [
    "UTILITIES",
    "IterationTrace",
    "full_power",
    "get_utility",
    "inverse_residual",
    "max_min",
    "max_min_smooth",
    "newton_schulz_init",
    "newton_schulz_inverse",
    "projected_gradient",
    "proportional_fair",
    "random_power",
    "solve",
    "sum_rate",
    "unroll",
]

"""Optimization building blocks shared by all systems: iteration drivers and their modes, the
batch driver ``solve_batch``,
utilities, baselines, the Newton–Schulz matrix inverse."""

from satjax.optim.batched import STRATEGIES, batch_strategy, default_batch_size, is_iterative, solve_batch
from satjax.optim.baselines import full_power, projected_gradient, random_power
from satjax.optim.iterate import IterationTrace, Mode, Solve, Unroll, iterate, solve, unroll
from satjax.optim.matrix_inverse import inverse_residual, newton_schulz_init, newton_schulz_inverse
from satjax.optim.utilities import UTILITIES, get_utility, max_min, max_min_smooth, proportional_fair, sum_rate

__all__ = [
    # drivers and modes
    "Solve",
    "Unroll",
    "Mode",
    "iterate",
    "IterationTrace",
    "solve",
    "unroll",
    # batches of solvers
    "solve_batch",
    "default_batch_size",
    "is_iterative",
    "batch_strategy",
    "STRATEGIES",
    # utilities
    "UTILITIES",
    "get_utility",
    "sum_rate",
    "proportional_fair",
    "max_min",
    "max_min_smooth",
    # baselines and building blocks
    "full_power",
    "random_power",
    "projected_gradient",
    "newton_schulz_inverse",
    "newton_schulz_init",
    "inverse_residual",
]

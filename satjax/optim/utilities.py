r"""Network utilities of per-user spectral efficiencies, selectable by name.

Every utility maps spectral efficiencies ``se[K]`` [bit/s/Hz] and a user mask to a scalar to
*maximize*; padded users (mask False) never count. All are differentiable; ``max_min`` is the
exact minimum (for evaluation; its gradient is a subgradient on one user), ``max_min_smooth`` its
log-sum-exp relaxation for training.

==========================  ==============================================================
name                        utility
==========================  ==============================================================
``sum_rate``                $\sum_k \mathrm{SE}_k$ (paper A, problem (29))
``proportional_fair``       $\sum_k \ln(\mathrm{SE}_k + \epsilon)$, $\epsilon = 10^{-6}$
``max_min``                 $\min_k \mathrm{SE}_k$
``max_min_smooth``          $-t\ln\sum_k e^{-\mathrm{SE}_k/t}$, $t = 0.1$ bit/s/Hz
==========================  ==============================================================

The soft minimum is below the exact one by at most $t\ln K$.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from satjax._checks import check_choice
from satjax._types import ArrayLike, Bool, Float

__all__ = ["UTILITIES", "get_utility", "sum_rate", "proportional_fair", "max_min", "max_min_smooth"]

#: Offset inside the logarithm of ``proportional_fair`` [bit/s/Hz]: keeps it finite for a
#: user with zero rate while changing nothing for rates above ~1e-4 bit/s/Hz.
PF_EPSILON = 1e-6
#: Temperature of ``max_min_smooth`` [bit/s/Hz].
SOFTMIN_TEMPERATURE = 0.1


def sum_rate(se: Float[ArrayLike, " K"], mask: Bool[ArrayLike, " K"]) -> Float[ArrayLike, ""]:
    """Sum spectral efficiency of the real users [bit/s/Hz]."""
    return jnp.sum(jnp.where(mask, se, 0))


def proportional_fair(se: Float[ArrayLike, " K"], mask: Bool[ArrayLike, " K"], epsilon: float = PF_EPSILON) -> Float[ArrayLike, ""]:
    """Proportional fairness $\\sum_k \\ln(\\mathrm{SE}_k + \\epsilon)$ over real users."""
    return jnp.sum(jnp.where(mask, jnp.log(jnp.where(mask, se, 1.0) + epsilon), 0))


def max_min(se: Float[ArrayLike, " K"], mask: Bool[ArrayLike, " K"]) -> Float[ArrayLike, ""]:
    """Exact minimum spectral efficiency over real users."""
    return jnp.min(jnp.where(mask, se, jnp.inf))


def max_min_smooth(se: Float[ArrayLike, " K"], mask: Bool[ArrayLike, " K"],
                   temperature: float = SOFTMIN_TEMPERATURE) -> Float[ArrayLike, ""]:
    """Soft minimum $-t\\ln\\sum_k e^{-\\mathrm{SE}_k/t}$ over real users (differentiable)."""
    z = jnp.where(mask, -se / temperature, -jnp.inf)
    return -temperature * jax.nn.logsumexp(z)


Utility = Callable[[Float[ArrayLike, " K"], Bool[ArrayLike, " K"]], Float[ArrayLike, ""]]

#: The utilities selectable by name (configs, policies, training losses).
UTILITIES: dict[str, Utility] = {
    "sum_rate": sum_rate,
    "proportional_fair": proportional_fair,
    "max_min": max_min,
    "max_min_smooth": max_min_smooth,
}


def get_utility(name: str) -> Utility:
    """The utility called ``name``; ``ValueError`` listing the choices otherwise."""
    check_choice("utility", name, tuple(UTILITIES))
    return UTILITIES[name]

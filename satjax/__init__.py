"""satjax: a differentiable JAX simulator for integrated satellite-terrestrial networks.

Subpackages: :mod:`satjax.uplink` (system A), :mod:`satjax.optim` (iteration drivers, utilities,
baselines), :mod:`satjax.policies` (the policy protocol), :mod:`satjax.geometry`, :mod:`satjax.propagation`,
:mod:`satjax.units`. The library never changes ``jax.config``; enable float64 yourself with
``jax.config.update("jax_enable_x64", True)`` or ``with jax.enable_x64(True):``.
"""

from satjax import geometry, optim, policies, propagation, units, uplink

__version__ = "0.1.0"

__all__ = ["__version__", "geometry", "optim", "policies", "propagation", "units", "uplink"]

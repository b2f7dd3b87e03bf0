"""satjax: a differentiable JAX simulator for integrated satellite-terrestrial networks.

Systems: ``satjax.uplink`` (paper A: uplink cell-free massive MIMO with a LEO satellite),
``satjax.downlink`` (paper B: downlink LEO massive-MIMO precoding for energy efficiency),
``satjax.uav`` (paper C: cell-free satellite-UAV network). Each system is one declared
``satjax.systems.System`` (``satjax.uplink.SYSTEM``, ...), found by name with
``satjax.get_system("uplink")``; each has its learned models in its
``models`` module (``satjax.uplink.SHGNN``, ``satjax.downlink.EdgeGNN``, ``satjax.uav.UavGNN``, ...).
Shared: ``satjax.params`` (static sizes, array physics; ``sweep``), ``satjax.optim``
(iteration drivers and modes, utilities, baselines), ``satjax.policies`` (the policy protocol),
``satjax.nn`` (generic layers), ``satjax.train`` (the model-agnostic trainer),
``satjax.geometry``, ``satjax.propagation``, ``satjax.units``, ``satjax.constants``.

The library never changes ``jax.config``; enable float64 yourself with
``jax.config.update("jax_enable_x64", True)`` or ``with jax.enable_x64(True):``.
"""

import importlib

from satjax import constants, downlink, geometry, nn, optim, params, policies, propagation, systems, units, uav, uplink
from satjax.params import Params, sweep
from satjax.policies import Policy
from satjax.systems import System, get_system

__version__ = "0.1.0"

__all__ = ["__version__", "sweep", "Params", "Policy", "System", "get_system", "systems", "uplink", "downlink", "uav", "nn", "train", "optim", "params",
           "policies", "geometry", "propagation", "units", "constants", "interop"]


def __getattr__(name):
    # satjax.train pulls in Orbax and TensorStore (~1 s), satjax.interop Flax: imported on first use.
    if name in ("train", "interop"):
        return importlib.import_module(f"satjax.{name}")
    raise AttributeError(f"module 'satjax' has no attribute {name!r}")

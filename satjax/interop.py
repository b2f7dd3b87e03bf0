"""Equinox <-> Flax NNX: use satjax's Equinox models inside a Flax NNX model, and the reverse.

Neither library wraps the other. satjax's models (``satjax.uplink.SHGNN``, the precoders of
``satjax.downlink``) are Equinox modules; a Flax user trains with ``nnx.Optimizer``, which only sees
``nnx.Param`` variables. ``EquinoxInNNX`` holds an Equinox module as one ``nnx.Param`` per
floating array leaf, so ``nnx.Optimizer(model, tx, wrt=nnx.Param)`` trains them and ``nnx.grad``
gives exactly the gradients of the pure-Equinox module. ``NNXInEquinox`` is the reverse: an
NNX module as an Equinox module whose array leaves are the NNX module's parameters, so
``eqx.filter_grad``, Optax and ``satjax.train.fit`` train it.

Examples:

    >>> import jax, jax.numpy as jnp, optax
    >>> from flax import nnx
    >>> import satjax
    >>> from satjax.interop import EquinoxInNNX
    >>> params = satjax.uplink.UplinkParams(num_aps=8, num_users=4, tau_p=2, n_v=2, n_h=2)
    >>> scenario = satjax.uplink.sample_uplink_scenario(jax.random.key(1), params)
    >>> shgnn = satjax.uplink.SHGNN(num_antennas=4, hidden=8, num_layers=1, key=jax.random.key(0))
    >>> layer = EquinoxInNNX(shgnn)                 # an nnx.Module holding shgnn's arrays as nnx.Param
    >>> bool(jnp.array_equal(layer(scenario), shgnn(scenario)))
    True
    >>> opt = nnx.Optimizer(layer, optax.adam(1e-3), wrt=nnx.Param)
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
from flax import nnx

__all__ = ["EquinoxBuffer", "EquinoxInNNX", "NNXInEquinox"]


class EquinoxBuffer(nnx.Variable):
    """A non-floating array of a wrapped Equinox module (integer indices, masks): carried along,
    never trained (not an ``nnx.Param``)."""


class EquinoxInNNX(nnx.Module):
    """An Equinox module as a Flax NNX module.

    Every floating array leaf of ``module`` becomes an ``nnx.Param`` (trained by
    ``nnx.Optimizer(..., wrt=nnx.Param)``), every other array an ``EquinoxBuffer``; the rest
    (static fields, functions, structure) is kept as is. Calling the wrapper rebuilds the Equinox
    module from the current variables and calls it, so outputs and gradients are those of the
    Equinox module.

    Arguments:
        module: any Equinox module (or PyTree) to call.
    """

    def __init__(self, module: Any):
        if not isinstance(module, eqx.Module):
            raise ValueError(f"module must be an equinox.Module, got {type(module).__name__}")
        arrays, static = eqx.partition(module, eqx.is_array)
        leaves, treedef = jax.tree.flatten(arrays)
        self.leaves = nnx.List([nnx.Param(x) if eqx.is_inexact_array(x) else EquinoxBuffer(x) for x in leaves])
        self._treedef = treedef
        self._static = static

    @property
    def module(self) -> Any:
        """The Equinox module with the current values (e.g. to save it with
        ``equinox.tree_serialise_leaves`` or to hand it to ``satjax.train.fit``)."""
        arrays = jax.tree.unflatten(self._treedef, [v.get_value() for v in self.leaves])
        return eqx.combine(arrays, self._static)

    def __call__(self, *args, **kwargs):
        return self.module(*args, **kwargs)


class NNXInEquinox(eqx.Module):
    """A Flax NNX module as an Equinox module.

    The module is split into its graph definition (static), its ``nnx.Param`` state (the trainable
    array leaves: ``eqx.filter_grad`` and Optax see exactly these) and any other state (batch
    statistics, RNG counters), held frozen: calls are pure, so updates an NNX module makes to its
    own state during a call are discarded, and no gradient flows into it.

    Arguments:
        module: any ``flax.nnx.Module``.
    """

    graphdef: Any = eqx.field(static=True)
    params: Any
    rest: Any

    def __init__(self, module: Any):        # loose: the ValueError below names a wrong type
        if not isinstance(module, nnx.Module):
            raise ValueError(f"module must be a flax.nnx.Module, got {type(module).__name__}")
        self.graphdef, self.params, self.rest = nnx.split(module, nnx.Param, ...)

    @property
    def module(self) -> nnx.Module:
        """A fresh NNX module with the current parameters."""
        return nnx.merge(self.graphdef, self.params, self.rest)

    def __call__(self, *args, **kwargs):
        rest = jax.tree.map(jax.lax.stop_gradient, self.rest)
        return nnx.merge(self.graphdef, self.params, rest)(*args, **kwargs)

"""Generic building blocks of satjax's learned models (Equinox): an affine map and a two-layer MLP
on the last axis of arrays with any leading axes (edges, vertices, batches), and a masked mean.
Nothing here knows a system: the models themselves live with their system
(``satjax.uplink.models``, ``satjax.downlink.models``, ``satjax.uav.models``)."""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._types import ArrayLike, Bool, Float, PRNGKeyArray

__all__ = ["Dense", "MLP", "masked_mean"]


class Dense(eqx.Module):
    """Affine map on the last axis, ``x @ weight + bias`` (any leading axes); Equinox's default
    uniform(±1/sqrt(fan_in)) initialization. ``bias=False`` gives a linear map with no bias leaf
    (nothing to train)."""

    weight: Float[ArrayLike, "i o"]
    bias: Float[ArrayLike, " o"] | None

    def __init__(self, in_size: int, out_size: int, *, key: PRNGKeyArray, dtype=jnp.float32,
                 fan_in: int | None = None, bias: bool = True):
        kw, kb = jax.random.split(key)
        lim = 1 / math.sqrt(max(fan_in or in_size, 1))
        self.weight = jax.random.uniform(kw, (in_size, out_size), dtype, -lim, lim)
        self.bias = jax.random.uniform(kb, (out_size,), dtype, -lim, lim) if bias else None

    def __call__(self, x):
        y = x @ self.weight
        return y if self.bias is None else y + self.bias.reshape((1,) * (x.ndim - 1) + (-1,))


class MLP(eqx.Module):
    """Linear–ReLU–Linear on the last axis (the MLPs of eqs. (48)-(50))."""

    inner: Dense
    outer: Dense

    def __init__(self, in_size: int, hidden: int, out_size: int, *, key: PRNGKeyArray, dtype=jnp.float32):
        k1, k2 = jax.random.split(key)
        self.inner = Dense(in_size, hidden, key=k1, dtype=dtype)
        self.outer = Dense(hidden, out_size, key=k2, dtype=dtype)

    def __call__(self, *xs):
        return self.outer(jax.nn.relu(self.inner(jnp.concatenate(xs, axis=-1))))


def masked_mean(x: Float[ArrayLike, "..."], mask: Bool[ArrayLike, "..."], axis: int) -> Float[ArrayLike, "..."]:
    """Mean of ``x`` over ``axis`` counting only entries where ``mask`` (broadcast to ``x``'s
    leading axes) is True; 0 where no entry is valid. Masked entries get zero weight *and* zero
    gradient."""
    w = mask.astype(x.dtype)
    w = w.reshape(w.shape + (1,) * (x.ndim - w.ndim))
    total = jnp.sum(jnp.where(w > 0, x, 0) * w, axis=axis)
    return total / jnp.maximum(jnp.sum(w, axis=axis), 1)

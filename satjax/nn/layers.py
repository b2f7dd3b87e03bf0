"""Generic building blocks of satjax's learned models (Equinox): an affine map and a two-layer MLP
on the last axis of arrays with any leading axes (edges, vertices, batches), a masked mean, and the
input checks every model runs at its boundary (parameter dtype, PRNG key, one unbatched input of
the right class, finite values). Nothing here knows a system: the models themselves live with their
system (``satjax.uplink.models``, ``satjax.downlink.models``, ``satjax.uav.models``)."""

from __future__ import annotations

import math
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from satjax._checks import check_finite, is_concrete
from satjax._types import ArrayLike, Bool, Float, PRNGKeyArray

__all__ = ["Dense", "MLP", "masked_mean", "check_one_input", "check_finite_leaves", "check_key", "parameter_dtype"]

#: Parameter dtypes of satjax's models. float16/bfloat16 are refused: the models' inputs span tens
#: of decades (powers in W, path gains), and their outputs feed physics computed in float32/64.
PARAMETER_DTYPES = ("float32", "float64")


def parameter_dtype(dtype) -> jnp.dtype:
    """``dtype`` of a model's parameters as a NumPy dtype; ``ValueError`` naming ``dtype`` unless
    it is float32 or float64 (float16, bfloat16, integers and complex are refused)."""
    try:
        dt = jnp.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype must be one of {PARAMETER_DTYPES}, got {dtype!r}") from None
    if dt.name not in PARAMETER_DTYPES:
        hint = " (too narrow for the models' inputs, which span tens of decades)" if dt.name in (
            "float16", "bfloat16") else ""
        raise ValueError(f"dtype must be one of {PARAMETER_DTYPES}, got {dt.name}{hint}")
    return dt


def check_key(name: str, key) -> None:
    """Raise unless ``key`` is a JAX PRNG key (a typed key, or a legacy ``uint32[2]`` key)."""
    if isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key) and key.ndim == 0:
        return
    if np.shape(key) == (2,) and getattr(key, "dtype", None) == jnp.uint32:
        return
    raise ValueError(f"{name} must be one PRNG key (jax.random.key(seed)), got "
                     f"{type(key).__name__}{'' if key is None else f' of shape {np.shape(key)}'}")


def check_one_input(name: str, value, cls: type, expected: str, *, leaf: str, axes: str) -> None:
    """Raise unless ``value`` is one unbatched ``cls`` (named ``expected`` in the message, e.g.
    ``"satjax.uav.UavScenario"``): an instance whose array ``leaf`` has the axes ``axes`` (e.g.
    ``"G K L N"``). A batch (extra leading axes) or another system's input gets a message saying
    what was expected. Only classes and shapes are checked: this runs under ``jit`` too."""
    what = f"{name} must be a {expected} for one drop (use jax.vmap for a batch)"
    if not isinstance(value, cls):
        raise ValueError(f"{what}, got {type(value).__module__}.{type(value).__qualname__}")
    shape, dims = tuple(np.shape(getattr(value, leaf))), axes.split()
    if len(shape) != len(dims):
        extra = f": {len(shape) - len(dims)} extra leading axes, a batch?" if len(shape) > len(dims) else ""
        raise ValueError(f"{what}, got {name}.{leaf} of shape {shape}, expected [{', '.join(dims)}]{extra}")


def check_finite_leaves(name: str, tree) -> None:
    """Raise if a concrete floating leaf of ``tree`` holds NaN or inf, naming the leaf (e.g.
    ``scenario.problem.gamma``). Traced leaves are skipped: under ``jit`` a NaN input gives NaN
    outputs, never a plausible number."""
    for path, leaf in jax.tree_util.tree_leaves_with_path(tree):
        dtype = leaf.dtype if hasattr(leaf, "dtype") else np.result_type(leaf)
        if is_concrete(leaf) and jnp.issubdtype(dtype, jnp.inexact):
            check_finite(f"{name}.{jax.tree_util.keystr(path, simple=True, separator='.')}" if path else name, leaf)


class Dense(eqx.Module):
    """Affine map on the last axis, ``x @ weight + bias`` (any leading axes); Equinox's default
    uniform(±1/sqrt(fan_in)) initialization. ``bias=False`` gives a linear map with no bias leaf
    (nothing to train)."""

    weight: Float[ArrayLike, "i o"]
    bias: Float[ArrayLike, " o"] | None

    def __init__(self, in_size: int, out_size: int, *, key: PRNGKeyArray, dtype=jnp.float32,
                 fan_in: int | None = None, bias: bool = True):
        dtype = parameter_dtype(dtype)
        kw, kb = jax.random.split(key)
        lim = 1 / math.sqrt(max(fan_in or in_size, 1))
        self.weight = jax.random.uniform(kw, (in_size, out_size), dtype, -lim, lim)
        self.bias = jax.random.uniform(kb, (out_size,), dtype, -lim, lim) if bias else None

    def __call__(self, x):
        y = x @ self.weight
        return y if self.bias is None else y + self.bias.reshape((1,) * (x.ndim - 1) + (-1,))


class MLP(eqx.Module):
    """Linear–activation–Linear on the last axis (the MLPs of eqs. (48)-(50)); ``activation``
    defaults to ReLU."""

    inner: Dense
    outer: Dense
    activation: Callable = eqx.field(static=True)

    def __init__(self, in_size: int, hidden: int, out_size: int, *, key: PRNGKeyArray, dtype=jnp.float32,
                 activation: Callable = jax.nn.relu):
        k1, k2 = jax.random.split(key)
        self.inner = Dense(in_size, hidden, key=k1, dtype=dtype)
        self.outer = Dense(hidden, out_size, key=k2, dtype=dtype)
        self.activation = activation

    def __call__(self, *xs):
        return self.outer(self.activation(self.inner(jnp.concatenate(xs, axis=-1))))


def masked_mean(x: Float[ArrayLike, "..."], mask: Bool[ArrayLike, "..."], axis: int) -> Float[ArrayLike, "..."]:
    r"""Mean of ``x`` over ``axis`` counting only entries where ``mask`` (broadcast to ``x``'s
    leading axes) is True, $\sum_i m_i x_i / \max(1, \sum_i m_i)$: 0 where no entry is valid.
    Masked entries get zero weight *and* zero gradient."""
    w = mask.astype(x.dtype)
    w = w.reshape(w.shape + (1,) * (x.ndim - w.ndim))
    total = jnp.sum(jnp.where(w > 0, x, 0) * w, axis=axis)
    return total / jnp.maximum(jnp.sum(w, axis=axis), 1)

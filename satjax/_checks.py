"""Boundary validators: they raise ``ValueError`` naming the parameter and its allowed range.

Shape and static checks always run. Value checks (finite, ranges) run only on concrete
inputs: under ``jit``/``vmap``/``grad`` tracing they are skipped, because traced values are
unknown and satjax never raises from inside a compiled function.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import jax
import numpy as np

__all__ = [
    "is_concrete",
    "check_choice",
    "check_finite",
    "check_int_range",
    "check_nonnegative",
    "check_positive",
    "check_shape",
    "check_ndim",
]


def is_concrete(*xs) -> bool:
    """True when no leaf of ``xs`` is a JAX tracer (values can be inspected)."""
    return not any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree.leaves(xs))


def _values(x) -> np.ndarray | None:
    return np.asarray(x) if is_concrete(x) else None


def check_finite(name: str, x) -> None:
    """Raise if a concrete ``x`` holds NaN or inf."""
    v = _values(x)
    if v is not None and not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite (no NaN or inf); got {np.count_nonzero(~np.isfinite(v))} bad entries")


def check_nonnegative(name: str, x, unit: str = "") -> None:
    """Raise if a concrete ``x`` is NaN, inf or negative."""
    check_finite(name, x)
    v = _values(x)
    if v is not None and np.any(v < 0):
        raise ValueError(f"{name} must be >= 0{(' ' + unit) if unit else ''}; got min {v.min()!r}")


def check_positive(name: str, x, unit: str = "") -> None:
    """Raise if a concrete ``x`` is NaN, inf or not strictly positive."""
    check_finite(name, x)
    v = _values(x)
    if v is not None and np.any(v <= 0):
        raise ValueError(f"{name} must be > 0{(' ' + unit) if unit else ''}; got min {v.min()!r}")


def check_shape(name: str, x, shape: Sequence[int]) -> None:
    """Raise if ``x`` does not have exactly ``shape``."""
    got = tuple(np.shape(x))
    if got != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {got}")


def check_ndim(name: str, x, ndim: int, dims: str) -> None:
    """Raise if ``x`` is not ``ndim``-dimensional; ``dims`` names the axes, e.g. ``"[M, K]"``."""
    if np.ndim(x) != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array {dims}, got shape {tuple(np.shape(x))}")


def check_int_range(name: str, value, lo: int | None = None, hi: int | None = None) -> None:
    """Raise unless ``value`` is an integer with ``lo <= value <= hi`` (either bound optional)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        rng = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        raise ValueError(f"{name} must be in {rng}, got {value}")


def check_choice(name: str, value, choices: Iterable) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")

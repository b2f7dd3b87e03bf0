"""Boundary validators: they raise ``ValueError`` naming the parameter and its allowed range.

Shape and static checks always run. Value checks (finite, ranges) run only on concrete
inputs: under ``jit``/``vmap``/``grad`` tracing they are skipped, because traced values are
unknown and satjax never raises from inside a compiled function.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "is_concrete",
    "check_hermitian_psd",
    "check_mask",
    "check_real",
    "float_dtype",
    "check_choice",
    "check_finite",
    "check_int_range",
    "check_nonnegative",
    "check_positive",
    "check_shape",
    "check_ndim",
    "check_binary",
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
        if hi is None:
            raise ValueError(f"{name} must be an integer >= {lo}, got {value}")
        rng = f"[{'-inf' if lo is None else lo}, {hi}]"
        raise ValueError(f"{name} must be an integer in {rng}, got {value}")


def check_choice(name: str, value, choices: Iterable) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def _dtype(x):
    return x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype


def check_real(name: str, x) -> None:
    """Raise if ``x`` is complex (its imaginary part would be dropped silently) or not numeric."""
    dt = _dtype(x)
    if jnp.issubdtype(dt, jnp.complexfloating):
        raise ValueError(f"{name} must be real, got a complex array ({dt})")
    if not (jnp.issubdtype(dt, jnp.floating) or jnp.issubdtype(dt, jnp.integer)) or dt == np.bool_:
        raise ValueError(f"{name} must be a real number array, got dtype {dt}")


def float_dtype(*named) -> jnp.dtype:
    """The real float dtype of a computation on ``named`` = (name, array, name, array, ...):
    float64 if any input is float64/complex128 (and x64 is on), else float32. float16/bfloat16
    inputs are rejected by name: satjax's powers span ~30 orders of magnitude."""
    dts = []
    for name, x in zip(named[::2], named[1::2]):
        dt = _dtype(x)
        if dt == jnp.float16 or dt == jnp.bfloat16:
            raise ValueError(f"{name}: {dt} is not supported (use float32 or float64)")
        if not (jnp.issubdtype(dt, jnp.inexact) or jnp.issubdtype(dt, jnp.integer)):
            raise ValueError(f"{name} must be a numeric array, got dtype {dt}")
        dts.append(jnp.finfo(dt).dtype if jnp.issubdtype(dt, jnp.inexact) else jnp.dtype(jnp.float32))
    wide = any(d == jnp.float64 for d in dts) and jax.config.read("jax_enable_x64")
    return jnp.dtype(jnp.float64 if wide else jnp.float32)


def check_hermitian_psd(name: str, r, rtol: float = 1e-4) -> None:
    """Raise if a concrete stack of matrices ``r [..., N, N]`` is not Hermitian positive
    semidefinite (to ``rtol`` of its largest entry / eigenvalue), or holds NaN/inf."""
    check_finite(name, r)
    v = _values(r)
    if v is None:
        return
    scale = max(float(np.abs(v).max(initial=0.0)), np.finfo(np.float64).tiny)
    if np.abs(v - np.conj(np.swapaxes(v, -1, -2))).max(initial=0.0) > rtol * scale:
        raise ValueError(f"{name} must be Hermitian: {name}[k] == {name}[k].conj().T for every k")
    h = 0.5 * (v + np.conj(np.swapaxes(v, -1, -2)))
    w = np.linalg.eigvalsh(h.astype(np.complex128))
    if w.size and w.min() < -rtol * max(float(np.abs(w).max()), np.finfo(np.float64).tiny):
        raise ValueError(f"{name} must be positive semidefinite, got an eigenvalue {w.min():.3g} "
                         f"(largest {np.abs(w).max():.3g})")


def check_mask(name: str, mask, n: int | Sequence[int], *, nonempty: bool = False):
    """A boolean mask of length ``n`` (or of shape ``n`` when a tuple; all True when ``mask`` is
    None). Integer masks must hold only 0/1; fractional or other values raise (a mask selects, it
    does not weight). ``nonempty``: a concrete mask must hold at least one True."""
    shape = (n,) if isinstance(n, (int, np.integer)) else tuple(n)
    if mask is None:
        return jnp.ones(shape, bool)
    check_shape(name, mask, shape)
    dt = _dtype(mask)
    if dt != np.bool_:
        v = _values(mask)
        if jnp.issubdtype(dt, jnp.complexfloating) or (v is not None and not np.all((v == 0) | (v == 1))):
            raise ValueError(f"{name} must be boolean (True = real entry, False = padding), got values "
                             f"{np.unique(v)[:5] if v is not None else dt}")
    mask = jnp.asarray(mask).astype(bool)
    if nonempty and is_concrete(mask) and not np.any(np.asarray(mask)):
        raise ValueError(f"{name} marks every entry as padding (all False): at least one real entry is needed")
    return mask


def check_binary(name: str, x) -> None:
    """Raise if a concrete ``x`` holds anything but 0 and 1 (NaN included), or is complex."""
    if _dtype(x) == np.bool_:
        return
    check_real(name, x)
    v = _values(x)
    if v is not None and not np.all((v == 0) | (v == 1)):
        bad = v[~((v == 0) | (v == 1))]
        raise ValueError(f"{name} must hold only 0 and 1; got {bad.size} other "
                         f"entries, e.g. {bad.ravel()[0]!r}")


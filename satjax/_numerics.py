"""Numerical primitives every system uses: one home for each.

* ``abs2`` — $|x|^2$ without the square root of ``jnp.abs`` (exact gradient at 0);
* ``masked_ratio`` — ``num / den`` where a mask says the entry is real, exactly 0 where it is
  padding; a real entry whose ratio is not finite (``0/0``, NaN input) stays NaN. This is the only
  way satjax divides by a quantity that can vanish: padding must give exact zeros, anything else
  that goes wrong must show (docs/architecture.md, "Non-finite values are never hidden");
* ``log2_1p`` — $\\log_2(1 + x)$ accurate for small ``x`` (a float32 ``log2(1 + x)``
  loses every digit below ``x ~ 6e-8``);
* ``safe_sqrt`` — $\\sqrt{x}$ whose gradient at ``x = 0`` is 0 instead of ``inf``, for
  quantities that are squared again downstream (amplitudes of powers that may be zero).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from satjax._types import ArrayLike, Bool, Inexact

__all__ = ["abs2", "masked_ratio", "log2_1p", "safe_sqrt", "LN2"]

LN2 = math.log(2.0)


def abs2(x: Inexact[ArrayLike, "..."]) -> ArrayLike:
    """$|x|^2$ of a real or complex array, as a real array (``re^2 + im^2``)."""
    if jnp.iscomplexobj(x):
        return jnp.real(x) ** 2 + jnp.imag(x) ** 2
    return x * x


def masked_ratio(num: ArrayLike, den: ArrayLike, mask: Bool[ArrayLike, "..."]) -> ArrayLike:
    """``num / den`` where ``mask``; exactly 0 (value and gradient) where not.

    Only the mask decides what is padding: a real entry with ``den = 0`` or a NaN input gives NaN,
    never a plausible 0 that would zero every gradient downstream.
    """
    return jnp.where(mask, num / jnp.where(mask, den, 1), 0)


def log2_1p(x: ArrayLike) -> ArrayLike:
    r"""$\log_2(1 + x)$ computed as ``log1p(x) / ln 2`` (accurate for ``|x| << 1``)."""
    return jnp.log1p(x) / jnp.asarray(LN2, jnp.result_type(x))


@jax.custom_jvp
def safe_sqrt(x: ArrayLike) -> ArrayLike:
    r"""$\sqrt{x}$ for ``x >= 0`` with derivative $1/(2\sqrt{x})$ for ``x > 0`` and 0 at
    ``x = 0`` (the one-sided limit is infinite; 0 is the subgradient that keeps ``sqrt(x)^2``
    differentiable as ``x``)."""
    return jnp.sqrt(x)


@safe_sqrt.defjvp
def _safe_sqrt_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    y = jnp.sqrt(x)
    pos = y > 0
    return y, jnp.where(pos, dx / (2 * jnp.where(pos, y, 1)), 0)

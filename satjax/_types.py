"""Array type aliases and dtype helpers shared across satjax.

Annotations use ``ArrayLike`` (JAX or NumPy arrays, NumPy and Python scalars of the right
kind) for what satjax accepts and returns, so the runtime checks the test suite runs (jaxtyping
with beartype) hold for NumPy inputs and for the NumPy leaves of parameter objects too.

Dimension vocabulary (used in every jaxtyping annotation of the package):
``K`` users, ``M`` access points, ``N`` satellite antennas (``N_V * N_H``),
``S`` Monte Carlo samples, ``T`` iterations, ``P`` pilots (``tau_p``).

Dtypes: ``Real`` (integer or floating) for a physical quantity a user may write as a Python
integer (``p_max=1``), ``Float`` for computed real arrays, ``Integer`` (signed or unsigned) for
indices, ``Bool`` for masks.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax.typing import DTypeLike
from jaxtyping import Array, ArrayLike, Bool, Complex, Float, Inexact, Int, Integer, PRNGKeyArray, Real, Shaped

__all__ = [
    "Array",
    "ArrayLike",
    "Bool",
    "Complex",
    "DTypeLike",
    "Float",
    "Inexact",
    "Int",
    "Integer",
    "PRNGKeyArray",
    "Real",
    "Shaped",
    "complex_dtype",
    "real_dtype",
]


def complex_dtype(dtype) -> jnp.dtype:
    """Complex dtype matching a real (or complex) dtype: float32 -> complex64, float64 -> complex128."""
    wide = jnp.dtype(dtype) in (jnp.dtype(jnp.float64), jnp.dtype(jnp.complex128))
    return jnp.dtype(jnp.complex128 if wide else jnp.complex64)


def real_dtype(dtype) -> jnp.dtype:
    """Real dtype matching a (real or complex) dtype: complex64 -> float32, complex128 -> float64."""
    return jnp.finfo(jnp.dtype(dtype)).dtype

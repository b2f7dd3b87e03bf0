"""Uniform planar array (UPA) response and spatial correlation at the satellite.

The satellite carries an ``N_V x N_H`` UPA with half-wavelength spacing in the x-y plane
(nadir-pointing). Element ``(v, h)`` sits at ``(h, v) * lambda/2``; its index in the flattened
``N = N_V * N_H`` vector is ``v * N_H + h``.
"""

from __future__ import annotations

import jax.numpy as jnp

from satjax._types import ArrayLike, Complex, Float, complex_dtype

__all__ = ["upa_element_grid", "upa_response", "upa_gaussian_correlation"]


def upa_element_grid(n_v: int, n_h: int, dtype=jnp.float32) -> Float[ArrayLike, "N 2"]:
    """Element indices ``(h, v)`` in units of half a wavelength, flattened row-major over ``v``."""
    v, h = jnp.meshgrid(jnp.arange(n_v, dtype=dtype), jnp.arange(n_h, dtype=dtype), indexing="ij")
    return jnp.stack([h.ravel(), v.ravel()], axis=-1)


def upa_response(u: Float[ArrayLike, "3"], n_v: int, n_h: int) -> Complex[ArrayLike, " N"]:
    r"""Array response of the UPA towards direction ``u`` (unit vector from the array).

    $$
    [\mathbf{a}(\mathbf{u})]_{(v,h)} = e^{j\pi (h u_x + v u_y)}
    $$

    Entries have unit modulus, so ``||a||^2 = N``. Implements the UPA response of paper A,
    Sec. II (the paper does not print it; see docs/deviations.md).
    """
    grid = upa_element_grid(n_v, n_h, u.dtype)                           # [N, 2]
    phase = jnp.pi * (grid @ u[:2])                                      # [N]
    return jnp.exp(1j * phase.astype(complex_dtype(u.dtype)))


def upa_gaussian_correlation(
    u: Float[ArrayLike, "3"], n_v: int, n_h: int, spread: Float[ArrayLike, ""]
) -> Complex[ArrayLike, "N N"]:
    r"""Normalized spatial correlation of a scattered wave around direction ``u``.

    Local-scattering model: the direction cosines ``(u_x, u_y)`` of the scattered paths are
    Gaussian around the nominal direction with standard deviation ``spread`` in each axis, so

    $$
    [\tilde{\mathbf{R}}]_{ij} = a_i a_j^* \exp\!\big(-\tfrac{\pi^2 \sigma^2}{2}
    \|\mathbf{n}_i - \mathbf{n}_j\|^2\big)
    $$

    with ``n_i`` the element grid in half wavelengths. ``R`` is Hermitian positive
    semidefinite with unit diagonal (``tr R = N``); ``spread -> 0`` gives the rank-one
    ``a a^H``, large ``spread`` tends to ``I``.
    """
    grid = upa_element_grid(n_v, n_h, u.dtype)
    a = upa_response(u, n_v, n_h)
    diff = grid[:, None, :] - grid[None, :, :]
    decay = jnp.exp(-0.5 * (jnp.pi * spread) ** 2 * jnp.sum(diff * diff, axis=-1))
    return a[:, None] * jnp.conj(a)[None, :] * decay.astype(a.dtype)

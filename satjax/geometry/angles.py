"""Angles between ground users and the satellite in the scenario's Cartesian frame.

Paper A places all nodes in one 3-D Cartesian frame (flat Earth, z up); we keep that frame.
"""

from __future__ import annotations

import jax.numpy as jnp

from satjax._types import ArrayLike, Float

__all__ = ["elevation_azimuth", "direction_cosines"]


def elevation_azimuth(
    user_pos: Float[ArrayLike, "K 3"], sat_pos: Float[ArrayLike, "3"]
) -> tuple[Float[ArrayLike, " K"], Float[ArrayLike, " K"]]:
    """Elevation and azimuth of the satellite seen from each user [rad].

    Elevation is measured from the local horizontal plane (90 deg = zenith); azimuth is measured
    in the x-y plane from the x axis, counter-clockwise.
    """
    d = sat_pos[None, :] - user_pos                                   # [K, 3]
    horizontal = jnp.sqrt(d[:, 0] ** 2 + d[:, 1] ** 2)
    return jnp.arctan2(d[:, 2], horizontal), jnp.arctan2(d[:, 1], d[:, 0])


def direction_cosines(user_pos: Float[ArrayLike, "K 3"], sat_pos: Float[ArrayLike, "3"]) -> Float[ArrayLike, "K 3"]:
    """Unit vectors from the satellite towards each user, ``(u_x, u_y, u_z)``.

    For a nadir-pointing planar array in the x-y plane, ``u_x = sin(theta) cos(phi)`` and
    ``u_y = sin(theta) sin(phi)`` with ``theta`` the off-nadir angle and ``phi`` the azimuth.
    """
    d = user_pos - sat_pos[None, :]
    return d / jnp.linalg.norm(d, axis=-1, keepdims=True)

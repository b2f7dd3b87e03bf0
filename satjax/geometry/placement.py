"""Node placement: APs and users dropped uniformly in a square area (paper A, Sec. VI)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from satjax._types import ArrayLike, Float, PRNGKeyArray

__all__ = ["drop_uniform_square", "pairwise_distance"]


def drop_uniform_square(
    key: PRNGKeyArray, num: int, side_m: Float[ArrayLike, ""], height_m: Float[ArrayLike, ""], dtype=jnp.float32
) -> Float[ArrayLike, "n 3"]:
    """Drop ``num`` nodes uniformly in the square ``[0, side_m]^2`` at a fixed height.

    Args:
        key: PRNG key.
        num: number of nodes (static).
        side_m: side of the square area [m].
        height_m: antenna height above ground [m].

    Returns:
        Positions ``[num, 3]`` in metres; the square's corner is the origin.
    """
    xy = jax.random.uniform(key, (num, 2), dtype, 0.0, side_m)
    z = jnp.full((num, 1), height_m, dtype)
    return jnp.concatenate([xy, z], axis=-1)


def pairwise_distance(a: Float[ArrayLike, "m 3"], b: Float[ArrayLike, "k 3"]) -> Float[ArrayLike, "m k"]:
    """3-D Euclidean distance between every row of ``a`` and every row of ``b`` [m]."""
    diff = a[:, None, :] - b[None, :, :]
    return jnp.sqrt(jnp.sum(diff * diff, axis=-1))

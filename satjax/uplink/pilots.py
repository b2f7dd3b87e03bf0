"""Pilot assignment and the pilot-reuse pattern of paper A, eq. (1)."""

from __future__ import annotations

import jax.numpy as jnp

from satjax._types import ArrayLike, Bool, Complex, Int

__all__ = ["default_pilots", "pilot_book", "pilot_sharing"]


def default_pilots(num_users: int, tau_p: int) -> Int[ArrayLike, " K"]:
    """Pilot index of user ``k`` is ``k mod tau_p`` (paper A, Sec. VI)."""
    return jnp.arange(num_users, dtype=jnp.int32) % tau_p


def pilot_book(tau_p: int, dtype=jnp.complex64) -> Complex[ArrayLike, "P P"]:
    r"""``tau_p`` orthonormal pilot sequences as columns: the unitary DFT matrix.

    Column ``t`` is $\phi_t \in \mathbb{C}^{\tau_p}$ with $\phi_t^H\phi_{t'} = \delta_{tt'}$.
    """
    n = jnp.arange(tau_p)
    return (jnp.exp(-2j * jnp.pi * jnp.outer(n, n) / tau_p) / jnp.sqrt(tau_p)).astype(dtype)


def pilot_sharing(pilot: Int[ArrayLike, " K"], user_mask: Bool[ArrayLike, " K"]) -> Bool[ArrayLike, "K K"]:
    r"""Pilot-reuse indicator $[S]_{kk'} = 1\{k' \in \mathcal{P}_k\}$, eq. (1).

    The diagonal is set for real users; padded users share no pilot with anybody.
    """
    same = pilot[:, None] == pilot[None, :]
    return same & user_mask[:, None] & user_mask[None, :]

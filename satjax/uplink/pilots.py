"""Pilot assignment and the pilot-reuse pattern of paper A, eq. (1)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from satjax._checks import check_int_range, check_shape, is_concrete
from satjax._types import ArrayLike, Bool, Complex, DTypeLike, Int, Integer

__all__ = ["default_pilots", "pilot_book", "pilot_sharing", "check_pilots"]


def check_pilots(pilot, tau_p: int | None) -> None:
    """``pilot`` a 1-D integer array ``[K]``; on concrete values (and a known ``tau_p``) every
    index in ``[0, tau_p)``, else a ``ValueError`` naming ``pilot``. Shapes and the dtype are
    checked before any tracing; under ``jit`` the indices are values, checked where they are used."""
    if np.ndim(pilot) != 1:
        raise ValueError(f"pilot must be a 1-D integer array [K], got shape {tuple(np.shape(pilot))}")
    if not jnp.issubdtype(jnp.result_type(pilot), jnp.integer):
        raise ValueError(f"pilot must hold integers, got dtype {jnp.result_type(pilot)}")
    if tau_p is not None and is_concrete(pilot) and np.size(pilot):
        p = np.asarray(pilot)
        if p.min() < 0 or p.max() >= tau_p:
            raise ValueError(f"pilot indices must be in [0, tau_p) = [0, {tau_p}), got range [{p.min()}, {p.max()}]")


def default_pilots(num_users: int, tau_p: int) -> Int[ArrayLike, " K"]:
    """Pilot index of user ``k`` is ``k mod tau_p`` (paper A, Sec. VI); ``num_users``, ``tau_p`` >= 1.

    Args:
        num_users: number of users ``K`` (>= 1).
        tau_p: number of orthonormal pilots (>= 1).

    Returns:
        ``[K]`` int32 pilot indices in ``[0, tau_p)``.
    """
    check_int_range("num_users", num_users, 1)
    check_int_range("tau_p", tau_p, 1)
    return jnp.arange(num_users, dtype=jnp.int32) % tau_p


def pilot_book(tau_p: int, dtype: DTypeLike = jnp.complex64) -> Complex[ArrayLike, "P P"]:
    r"""``tau_p`` orthonormal pilot sequences as columns: the unitary DFT matrix.

    Column ``t`` is $\phi_t \in \mathbb{C}^{\tau_p}$ with $\phi_t^H\phi_{t'} = \delta_{tt'}$.

    Args:
        tau_p: pilot length ``P`` (>= 1).
        dtype: complex dtype of the book (complex64 or complex128).

    Returns:
        ``[P, P]`` unitary DFT matrix (dimensionless), column ``t`` = pilot ``t``.
    """
    check_int_range("tau_p", tau_p, 1)
    n = jnp.arange(tau_p)
    return (jnp.exp(-2j * jnp.pi * jnp.outer(n, n) / tau_p) / jnp.sqrt(tau_p)).astype(dtype)


def pilot_sharing(pilot: Integer[ArrayLike, " K"], user_mask: Bool[ArrayLike, " K"]) -> Bool[ArrayLike, "K K"]:
    r"""Pilot-reuse indicator $[S]_{kk'} = 1\{k' \in \mathcal{P}_k\}$, eq. (1).

    The diagonal is set for real users; padded users share no pilot with anybody.

    Args:
        pilot: ``[K]`` integer pilot index of each user (checked: 1-D, integer).
        user_mask: ``[K]`` bool, False for padding (checked: shape, boolean).

    Returns:
        ``[K, K]`` bool, True where users ``k`` and ``k'`` are real and share a pilot.
    """
    check_pilots(pilot, None)
    check_shape("user_mask", user_mask, np.shape(pilot))
    if jnp.result_type(user_mask) != jnp.bool_:
        raise ValueError(f"user_mask must be a boolean array (True = real user), got dtype {jnp.result_type(user_mask)}")
    pilot, user_mask = jnp.asarray(pilot), jnp.asarray(user_mask)
    same = pilot[:, None] == pilot[None, :]
    return same & user_mask[:, None] & user_mask[None, :]

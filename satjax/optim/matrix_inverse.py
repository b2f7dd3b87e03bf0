r"""Matrix inverse by the Newton–Schulz iteration (paper B, eq. (29)).

Eq. (29) is the first-order Taylor expansion of $P^{-1}$ around an approximation
$X = P_0^{-1}$: $X \leftarrow 2X - X P X$. Iterated, it is the Newton–Schulz
iteration; the residual $E = I - P X$ squares every step ($E \leftarrow E^2$), so it
converges quadratically once $\|E\| < 1$. The initialization
$X_0 = P^H / (\|P\|_1 \|P\|_\infty)$ gives $\|I - P X_0\|_2 < 1$ for every
nonsingular $P$ (Pan & Schreiber, 1991), so the iteration converges from it; the number
of steps needed grows like $\log_2 \kappa(P)$.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from satjax._checks import check_int_range
from satjax._types import Array, ArrayLike, Inexact

__all__ = ["newton_schulz_init", "newton_schulz_scale", "newton_schulz_inverse", "inverse_residual"]


def newton_schulz_scale(p: Inexact[ArrayLike, "... N N"]) -> Array:
    r"""$\|P\|_1 \|P\|_\infty$ (max column sum times max row sum of $|P_{ij}|$; 1 for
    $P = 0$), the scale of ``newton_schulz_init``. $O(N^2)$ and needs every entry."""
    a = jnp.abs(p)
    scale = jnp.max(jnp.sum(a, axis=-2), axis=-1) * jnp.max(jnp.sum(a, axis=-1), axis=-1)
    return jnp.where(scale > 0, scale, 1)


def newton_schulz_init(p: Inexact[ArrayLike, "... N N"]) -> Inexact[ArrayLike, "... N N"]:
    r"""$X_0 = P^H / (\|P\|_1 \|P\|_\infty)$ (max column sum times max row sum)."""
    return jnp.conj(jnp.swapaxes(p, -1, -2)) / newton_schulz_scale(p)[..., None, None].astype(p.dtype)


def newton_schulz_inverse(p: Inexact[ArrayLike, "... N N"], num_iters: int,
                          x0: Inexact[ArrayLike, "... N N"] | None = None) -> Inexact[ArrayLike, "... N N"]:
    """Approximate $P^{-1}$ with ``num_iters`` steps of eq. (29), ``X <- 2X - X P X``.

    Pure, differentiable (a ``lax.scan`` of matrix products) and batched over leading axes. For a
    singular or badly conditioned ``P`` it stays finite (the iterates are bounded by the
    initialization's contraction) but is not the inverse; check ``inverse_residual``.
    """
    check_int_range("num_iters", num_iters, 0)
    x = newton_schulz_init(p) if x0 is None else x0

    def step(x, _):
        return 2 * x - x @ p @ x, None

    x, _ = jax.lax.scan(step, x, None, length=num_iters)
    return x


def inverse_residual(p: Inexact[ArrayLike, "... N N"], x: Inexact[ArrayLike, "... N N"]) -> Array:
    """Spectral norm of ``I - P X`` (0 for the exact inverse)."""
    eye = jnp.eye(p.shape[-1], dtype=p.dtype)
    return jnp.linalg.norm(eye - p @ x, ord=2, axis=(-2, -1))

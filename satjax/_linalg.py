r"""Dense linear algebra on small matrices, one home for every LAPACK call satjax makes.

**Why not ``jnp.linalg`` directly.** On CPU, jaxlib 0.10 runs a *batched* LAPACK call (``eigh``,
``inv``/LU, ``cholesky``, ...) of enough work by splitting the batch over XLA's intra-op thread
pool and blocking on a counter. When every pool thread is itself blocked that way (two batched
LAPACK calls scheduled at once on a 2-core machine), no thread is left to run the chunks and
the program hangs forever at 0 % CPU (docs/performance.md, "XLA:CPU stall": minimal reproducer,
stall rates, backtraces). A LAPACK call on a *single* matrix always runs inline. So on CPU every
function here factorizes one matrix at a time — also under ``vmap``, through
``jax.custom_batching.sequential_vmap`` — and on other backends it calls the batched
routine (cuSOLVER batches well and has no such pool).

**Derivatives.** ``inv`` and ``hermitian_sqrt`` carry closed-form JVPs (matrix products
only), so they work under ``jvp``, ``grad`` and ``vmap`` alike; ``eigh`` has no derivative
and is for primal computations inside functions that define their own (e.g. the implicit
derivative of ``satjax.downlink.budget_precoders``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.custom_batching import sequential_vmap

from satjax._types import Array, ArrayLike, Inexact

__all__ = ["eigh", "inv", "hermitian_sqrt", "one_matrix_at_a_time", "small_lp_max"]


def one_matrix_at_a_time() -> bool:
    """True where LAPACK calls are made one matrix at a time: on the CPU backend of jaxlib < 0.11
    (the stall above); elsewhere the batched routines are used."""
    if jax.default_backend() != "cpu":
        return False
    import jaxlib

    major, minor = (int(x) for x in jaxlib.__version__.split(".")[:2])
    return (major, minor) < (0, 11)


_eigh_one = sequential_vmap(lambda a: jnp.linalg.eigh(a))
_inv_one = sequential_vmap(lambda a: jnp.linalg.inv(a))


def _per_matrix(f_one, f_batched, a):
    if not one_matrix_at_a_time():
        return f_batched(a)
    n = a.shape[-1]
    flat = a.reshape(-1, n, n)
    out = jax.vmap(f_one)(flat)                     # vmap of a sequential_vmap function: a loop
    return jax.tree.map(lambda x: x.reshape(*a.shape[:-2], *x.shape[1:]), out)


def eigh(a: Inexact[ArrayLike, "... N N"]) -> tuple[Array, Array]:
    """Eigen-decomposition of Hermitian matrices (``jnp.linalg.eigh``, eigenvalues ascending),
    any leading axes. No derivative: use inside functions with their own JVP."""
    return _per_matrix(_eigh_one, jnp.linalg.eigh, jax.lax.stop_gradient(a))


def _inv_primal(a):
    return _per_matrix(_inv_one, jnp.linalg.inv, a)


@jax.custom_jvp
def inv(a: Inexact[ArrayLike, "... N N"]) -> Inexact[ArrayLike, "... N N"]:
    r"""Matrix inverse, any leading axes, with $dA^{-1} = -A^{-1}\,dA\,A^{-1}$."""
    return _inv_primal(a)


@inv.defjvp
def _inv_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    x = _inv_primal(a)
    return x, -x @ da @ x


def _sqrt_parts(r):
    w, v = eigh(r)
    s = jnp.sqrt(jnp.maximum(w, 0.0))
    return s, v


@jax.custom_jvp
def hermitian_sqrt(r: Inexact[ArrayLike, "... N N"]) -> Inexact[ArrayLike, "... N N"]:
    r"""PSD square root $R^{1/2}$ of Hermitian positive semidefinite matrices via the
    eigen-decomposition (works for singular $R$), any leading axes.

    JVP: $dS$ solves $S\,dS + dS\,S = dR$; in the eigenbasis
    $(Q^H dS\,Q)_{ij} = (Q^H dR\,Q)_{ij}/(s_i + s_j)$ (0 where $s_i + s_j = 0$).

    Args:
        r: ``[..., N, N]`` Hermitian PSD matrices (real or complex).

    Returns:
        ``[..., N, N]`` their PSD square roots $R^{1/2}$ (units: square root of ``r``'s).
    """
    s, v = _sqrt_parts(r)
    return (v * s[..., None, :].astype(v.dtype)) @ jnp.conj(jnp.swapaxes(v, -1, -2))


@hermitian_sqrt.defjvp
def _hermitian_sqrt_jvp(primals, tangents):
    (r,), (dr,) = primals, tangents
    s, v = _sqrt_parts(r)
    vh = jnp.conj(jnp.swapaxes(v, -1, -2))
    out = (v * s[..., None, :].astype(v.dtype)) @ vh
    den = s[..., :, None] + s[..., None, :]
    ok = den > 0
    inner = jnp.where(ok, (vh @ dr @ v) / jnp.where(ok, den, 1).astype(v.dtype), 0)
    return out, v @ inner @ vh


def _lp_max_one(c, a, h):
    import qpax

    n = c.shape[-1]
    scale = jnp.maximum(jnp.max(jnp.abs(c)), jnp.finfo(c.dtype).tiny)
    g = jnp.concatenate([a, jnp.eye(n, dtype=a.dtype), -jnp.eye(n, dtype=a.dtype)])
    rhs = jnp.concatenate([h, jnp.ones((n,), a.dtype), jnp.zeros((n,), a.dtype)])
    with jax.numpy_rank_promotion("allow"):                      # qpax broadcasts implicitly
        out = qpax.solve_qp(jnp.zeros((n, n), a.dtype), -c / scale, jnp.zeros((0, n), a.dtype),
                            jnp.zeros((0,), a.dtype), g, rhs, solver_tol=0.0, max_iter=_LP_ITERS)
    return jax.lax.stop_gradient(out[0])


#: Interior-point iterations of ``small_lp_max``: always this many (stopping tolerance 0, see below).
_LP_ITERS = 50
_lp_max_seq = sequential_vmap(_lp_max_one)


def small_lp_max(c: Inexact[ArrayLike, " n"], a: Inexact[ArrayLike, "m n"], h: Inexact[ArrayLike, " m"]) -> Array:
    r"""$\arg\max_{\mathbf u} \mathbf c^T\mathbf u$ s.t. $A\mathbf u \le \mathbf h$, $0 \le \mathbf u \le 1$, for
    small dense LPs whose variables the caller has scaled to $[0, 1]$ and whose rows to
    right-hand sides of order 1 (the interior-point method needs that conditioning in float32).

    Solved by ``qpax``'s primal-dual interior-point method (a QP with $Q = 0$), exactly
    ``_LP_ITERS`` = 50 iterations (stopping tolerance 0; qpax floors its slacks at
    $\sqrt{\epsilon}$, so its own test would stop float64 runs at a 1e-8 residual): pure JAX, so
    ``jit``/``vmap`` work and the LP can sit inside a compiled loop, at a fixed cost. Through
    ``satjax.uav.hovering_time_lp`` the tests hold the objective to HiGHS within 2e-6 (float32)
    and 1e-11 (float64, beyond its 1e-9 feasibility margin); constraints hold to the same order,
    so callers that need exact feasibility scale the result. On CPU (jaxlib < 0.11) a
    batch of LPs runs one at a time (the Cholesky factorizations are LAPACK calls, module
    docstring). No derivative (``stop_gradient``)."""
    if one_matrix_at_a_time():
        return _lp_max_seq(c, a, h)
    return _lp_max_one(c, a, h)

"""Validated plain-array entry points of system B (the contract other tools test against).

``v`` is complex ``[N_t, K]`` with column k = v_k, ``gamma`` real ``[K]``, precoders ``b`` complex
``[N_t, K]`` with column k = b_k; powers in W; energy efficiency in bit/J with the rate bound (9).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from satjax._checks import check_finite, check_int_range, check_ndim, check_nonnegative, check_positive, check_shape
from satjax._types import complex_dtype, real_dtype
from satjax.downlink.rates import energy_efficiency_bound
from satjax.downlink.wmmse import PrecodingProblem, dinkelbach_wmmse_solve

__all__ = ["energy_efficiency", "dinkelbach_wmmse", "precoding_problem"]


def precoding_problem(v, gamma, *, p_max, noise, bandwidth_hz, xi, p_static_w) -> PrecodingProblem:
    """Check the inputs (shapes, ranges; ``ValueError`` naming the parameter) and bundle them."""
    check_ndim("v", v, 2, "[N_t, K]")
    v = jnp.asarray(v)
    cdt = complex_dtype(v.dtype if jnp.issubdtype(v.dtype, jnp.inexact) else jnp.float32)
    rdt = real_dtype(cdt)
    v = v.astype(cdt)
    nt, k = v.shape
    check_finite("v", v)
    gamma = jnp.asarray(gamma, rdt)
    check_shape("gamma", gamma, (k,))
    check_nonnegative("gamma", gamma, "W/W")
    check_positive("p_max", p_max, "W")
    check_nonnegative("noise", noise, "W")
    check_positive("bandwidth_hz", bandwidth_hz, "Hz")
    check_positive("xi", xi)
    check_nonnegative("p_static_w", p_static_w, "W")
    as_r = lambda x: jnp.asarray(x, rdt)  # noqa: E731
    return PrecodingProblem(v=v, gamma=gamma, noise=as_r(noise), p_max=as_r(p_max), bandwidth_hz=as_r(bandwidth_hz),
                            xi=as_r(xi), p_static_w=as_r(p_static_w))


def energy_efficiency(b, v, gamma, *, noise, bandwidth_hz, xi, p_static_w):
    r"""Energy efficiency :math:`B_w \sum_k \bar{\mathcal R}_k / (\xi \sum_k \|b_k\|^2 + P_t)` [bit/J],
    eqs. (5), (9), (10a)."""
    check_ndim("b", b, 2, "[N_t, K]")
    problem = precoding_problem(v, gamma, p_max=1.0, noise=noise, bandwidth_hz=bandwidth_hz, xi=xi,
                                p_static_w=p_static_w)
    check_shape("b", b, problem.v.shape)
    b = jnp.asarray(b, problem.v.dtype)
    return energy_efficiency_bound(b, problem.v, problem.gamma, problem.noise, problem.bandwidth_hz, problem.xi,
                                   problem.p_static_w)


_dinkelbach_jit = jax.jit(dinkelbach_wmmse_solve, static_argnames=("tol", "max_iters", "inner_tol", "inner_max_iters"))


def dinkelbach_wmmse(v, gamma, *, p_max, noise, bandwidth_hz, xi, p_static_w, tol: float = 1e-5,
                     max_iters: int = 30, inner_tol: float = 1e-5, inner_max_iters: int = 200):
    """Dinkelbach + WMMSE (paper B, Algorithm 2 with the exact inverse) from statistical MRT.

    Returns:
        ``(b, ee, trace)``: precoders ``[N_t, K]`` with :math:`\\sum_k\\|b_k\\|^2 \\le P_{\\max}`,
        the energy efficiency [bit/J], and the :class:`satjax.optim.IterationTrace` of the EE
        over the outer (Dinkelbach) iterations.
    """
    check_positive("tol", tol)
    check_positive("inner_tol", inner_tol)
    check_int_range("max_iters", max_iters, 1)
    check_int_range("inner_max_iters", inner_max_iters, 1)
    problem = precoding_problem(v, gamma, p_max=p_max, noise=noise, bandwidth_hz=bandwidth_hz, xi=xi,
                                p_static_w=p_static_w)
    return _dinkelbach_jit(problem, tol=float(tol), max_iters=max_iters, inner_tol=float(inner_tol),
                           inner_max_iters=inner_max_iters)

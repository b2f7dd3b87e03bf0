r"""WMMSE and Dinkelbach + WMMSE precoding on statistical CSI (paper B, Sec. IV-A, eqs. (16)-(24)).

Subproblem (16) for a fixed Dinkelbach parameter :math:`\rho` maximizes
:math:`F_\rho(B) = B_w \sum_k \bar{\mathcal R}_k - \rho P^{total}` under :math:`\sum_k\|b_k\|^2 \le
P_{\max}`. With rates in bit/s/Hz (log base 2), the WMMSE equivalence (18) holds for the nats
objective :math:`\sum_k \ln(1+\mathrm{SINR}_k) - c\sum_k\|b_k\|^2` with
:math:`c = \rho\,\xi \ln 2 / B_w`; block-coordinate descent over (u, ω, B) then reads
(docs/deviations.md, D29–D31, derivation):

* receivers (21) with the conjugate: :math:`u_k = (\sqrt{\gamma_k} v_k^H b_k)^* / T_k`,
  :math:`T_k = \sum_i \gamma_k |v_k^H b_i|^2 + N_0`;
* weights (22): :math:`\omega_k = 1/e_k` with the MSE (19) at :math:`u_k`, i.e. :math:`1 + \mathrm{SINR}_k`;
* precoders (23)-(24): :math:`b_k = \omega_k \sqrt{\gamma_k}\, u_k^* (A + (c + \lambda) I)^{-1} v_k`,
  :math:`A = \sum_i \omega_i |u_i|^2 \gamma_i v_i v_i^H`, where the power multiplier
  :math:`\lambda \ge 0` (the printed :math:`a^{opt}`) is 0 if that already meets the budget and
  otherwise the root of :math:`\sum_k \|b_k(\lambda)\|^2 = P_{\max}`, found by bisection on the
  eigen-decomposition of :math:`A` (the power is decreasing in :math:`\lambda`).

Each BCD step cannot decrease :math:`F_\rho`; warm-started from the previous precoders,
:math:`F_{\rho_n}(B_{n-1}) = 0` by (17), so the energy efficiency never decreases across
Dinkelbach iterations. ``c = 0`` is plain sum-rate WMMSE.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._types import Array, Complex, Float
from satjax.downlink.precoders import statistical_mrt
from satjax.downlink.rates import energy_efficiency_bound, gram, rate_bound, total_power, transmit_power
from satjax.optim.iterate import IterationTrace, solve, unroll

__all__ = [
    "PrecodingProblem",
    "wmmse_step",
    "wmmse_solve",
    "dinkelbach_step",
    "dinkelbach_wmmse_solve",
    "dinkelbach_wmmse_unrolled",
    "BISECTION_STEPS",
]

#: Bisection steps for the power multiplier (halves the bracket each time; 60 reach float64 round-off).
BISECTION_STEPS = 60
#: Eigenvalues of A + cI below this fraction of the largest are treated as its null space.
RANGE_TOL = 1e-6


class PrecodingProblem(eqx.Module):
    """Statistical CSI and power model of one system-B scenario (all arrays, so ``vmap`` can batch
    over any of them).

    Attributes:
        v: ``[N_t, K]`` complex array responses (column k = v_k).
        gamma: ``[K]`` channel power :math:`\\mathbb E|g_k|^2` (W/W).
        noise: ``[]`` :math:`N_0` [W].
        p_max: ``[]`` total transmit power budget [W].
        bandwidth_hz: ``[]`` :math:`B_w` [Hz].
        xi: ``[]`` inverse power-amplifier efficiency.
        p_static_w: ``[]`` :math:`P_t` of eq. (6) [W].
    """

    v: Complex[Array, "Nt K"]
    gamma: Float[Array, " K"]
    noise: Float[Array, ""]
    p_max: Float[Array, ""]
    bandwidth_hz: Float[Array, ""]
    xi: Float[Array, ""]
    p_static_w: Float[Array, ""]

    def sum_rate(self, b: Complex[Array, "Nt K"]) -> Float[Array, ""]:
        r""":math:`\sum_k \bar{\mathcal R}_k` of eq. (9) [bit/s/Hz]."""
        return jnp.sum(rate_bound(b, self.v, self.gamma, self.noise))

    def energy_efficiency(self, b: Complex[Array, "Nt K"]) -> Float[Array, ""]:
        """Objective (10a) with the rate bound (9) [bit/J]."""
        return energy_efficiency_bound(b, self.v, self.gamma, self.noise, self.bandwidth_hz, self.xi, self.p_static_w)

    def dinkelbach_gap(self, b: Complex[Array, "Nt K"], rho) -> Float[Array, ""]:
        r""":math:`F(\rho) = B_w \sum_k \bar{\mathcal R}_k - \rho P^{total}` of eq. (16a) at ``b`` [bit/s]."""
        return self.bandwidth_hz * self.sum_rate(b) - rho * total_power(b, self.xi, self.p_static_w)


def _penalty(problem, rho):
    """c = rho xi ln2 / B_w: the power price in the nats-per-symbol WMMSE objective."""
    return rho * problem.xi * math.log(2) / problem.bandwidth_hz


def _receivers_weights(problem, b):
    """u_k (21, conjugated) and omega_k = 1/e_k (22) at precoders b."""
    sg = jnp.sqrt(problem.gamma)
    a = sg * jnp.diagonal(jnp.conj(problem.v).T @ b)                          # sqrt(gamma_k) v_k^H b_k
    t = problem.gamma * jnp.sum(gram(problem.v, b), axis=1) + problem.noise     # T_k
    u = jnp.conj(a) / t
    mse = 1 - (jnp.real(a) ** 2 + jnp.imag(a) ** 2) / t                       # e_k at the optimal u_k
    return u, 1 / mse


def _precoders(problem, u, w, c):
    """Eq. (23) with the multiplier lambda chosen so the budget (16b) holds (module docstring)."""
    v = problem.v
    sg = jnp.sqrt(problem.gamma)
    coef = w * (jnp.real(u) ** 2 + jnp.imag(u) ** 2) * problem.gamma             # omega |u|^2 gamma
    a = (v * coef[None, :].astype(v.dtype)) @ jnp.conj(v).T
    a = 0.5 * (a + jnp.conj(a).T)
    d, q = jnp.linalg.eigh(a)
    dc = jnp.maximum(d, 0) + c
    # Pseudo-inverse on the range of A + cI: every r_k lies in span{v_i} = range(A) (exactly;
    # round-off leaves ~eps-sized components on the null space, which must not be amplified).
    valid = dc > RANGE_TOL * jnp.max(dc)
    dc = jnp.where(valid, dc, 1.0)
    r = v * (w * sg * jnp.conj(u))[None, :].astype(v.dtype)                   # omega sqrt(gamma) u^* v_k
    z = jnp.conj(q).T @ r
    y2 = jnp.where(valid, jnp.sum(jnp.real(z) ** 2 + jnp.imag(z) ** 2, axis=1), 0)   # [Nt]

    def power(lam):
        return jnp.sum(y2 / (dc + lam) ** 2)

    hi0 = jnp.sqrt(jnp.sum(y2) / problem.p_max)                              # power(hi0) <= p_max

    def bisect(_, bracket):
        lo, hi = bracket
        mid = 0.5 * (lo + hi)
        over = power(mid) > problem.p_max
        return jnp.where(over, mid, lo), jnp.where(over, hi, mid)

    _, hi = jax.lax.fori_loop(0, BISECTION_STEPS, bisect, (jnp.zeros_like(hi0), hi0))
    lam = jnp.where(power(0.0) <= problem.p_max, 0.0, hi)
    scale = jnp.where(valid, 1 / (dc + lam), 0)
    return q @ (scale[:, None].astype(v.dtype) * z)


def wmmse_step(b: Complex[Array, "Nt K"], problem: PrecodingProblem, rho=0.0) -> Complex[Array, "Nt K"]:
    """One BCD iteration (21) -> (22) -> (23) for Dinkelbach parameter ``rho`` [bit/J]
    (``rho = 0``: sum-rate WMMSE under the power budget)."""
    u, w = _receivers_weights(problem, b)
    return _precoders(problem, u, w, _penalty(problem, rho))


def _inner_metric(problem, rho):
    """F_rho + rho P_t: the subproblem objective without its constant; positive near the optimum,
    so the relative stopping rule is meaningful (F_rho itself starts at 0)."""
    def metric(b):
        return problem.bandwidth_hz * problem.sum_rate(b) - rho * problem.xi * transmit_power(b)
    return metric


def wmmse_solve(problem: PrecodingProblem, b0: Complex[Array, "Nt K"] | None = None, *, tol: float = 1e-5,
                max_iters: int = 200, rho=0.0) -> tuple[Complex[Array, "Nt K"], IterationTrace]:
    """WMMSE to convergence (relative tolerance on the subproblem objective) from ``b0``
    (default: statistical MRT at full power)."""
    b0 = statistical_mrt(problem.v, problem.p_max) if b0 is None else b0
    return solve(lambda b: wmmse_step(b, problem, rho), b0, _inner_metric(problem, rho), tol=tol, max_iters=max_iters)


def dinkelbach_step(state, problem: PrecodingProblem, *, inner_tol: float, inner_max_iters: int):
    """One Dinkelbach iteration: solve subproblem (16) at ``rho_n`` by warm-started WMMSE, then
    ``rho_{n+1}`` by eq. (17). ``state = (b, rho)``."""
    b, rho = state
    b, _ = wmmse_solve(problem, b, tol=inner_tol, max_iters=inner_max_iters, rho=rho)
    return b, problem.energy_efficiency(b)


def _start(problem, b0):
    b0 = statistical_mrt(problem.v, problem.p_max) if b0 is None else b0
    return b0, problem.energy_efficiency(b0)


def dinkelbach_wmmse_solve(problem: PrecodingProblem, b0: Complex[Array, "Nt K"] | None = None, *,
                           tol: float = 1e-5, max_iters: int = 30, inner_tol: float = 1e-5,
                           inner_max_iters: int = 200):
    r"""Algorithm 2 (Dinkelbach + WMMSE, exact inverse) in solve mode.

    Outer loop stops when the energy efficiency changes by at most ``tol`` relative
    (:math:`F(\rho_n) = P^{total}_n(\mathrm{EE}_n - \mathrm{EE}_{n-1})`, so this is the rule
    :math:`F(\rho_n) \le \varepsilon_1` in relative form); each subproblem's WMMSE stops at
    relative change ``inner_tol`` (:math:`\varepsilon_2`).

    Returns:
        ``(b, ee, trace)``: precoders ``[N_t, K]``, EE [bit/J], and the EE per outer iteration.
    """
    step = lambda s: dinkelbach_step(s, problem, inner_tol=inner_tol, inner_max_iters=inner_max_iters)  # noqa: E731
    (b, ee), trace = solve(step, _start(problem, b0), lambda s: s[1], tol=tol, max_iters=max_iters)
    return b, ee, trace


def dinkelbach_wmmse_unrolled(problem: PrecodingProblem, b0: Complex[Array, "Nt K"] | None = None, *,
                              num_outer: int, num_inner: int, checkpoint: bool = False):
    """Unrolled mode: ``num_outer`` Dinkelbach updates, each after ``num_inner`` WMMSE steps
    (``lax.scan``, differentiable); the same step functions as the solve mode."""
    def outer(state):
        b, rho = state
        b, _ = unroll(lambda x: wmmse_step(x, problem, rho), b, lambda x: jnp.zeros(()), num_inner,
                      checkpoint=checkpoint)
        return b, problem.energy_efficiency(b)

    (b, ee), trace = unroll(outer, _start(problem, b0), lambda s: s[1], num_outer, checkpoint=checkpoint)
    return b, ee, trace

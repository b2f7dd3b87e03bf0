r"""WMMSE and Dinkelbach + WMMSE precoding on statistical CSI (paper B, Sec. IV-A, eqs. (16)-(24)).

Subproblem (16) for a fixed Dinkelbach parameter $\rho$ maximizes
$F_\rho(B) = B_w \sum_k \bar{\mathcal R}_k - \rho P^{total}$ under $\sum_k\|b_k\|^2 \le
P_{\max}$. With rates in bit/s/Hz (log base 2), the WMMSE equivalence (18) holds for the nats
objective $\sum_k \ln(1+\mathrm{SINR}_k) - c\sum_k\|b_k\|^2$ with
$c = \rho\,\xi \ln 2 / B_w$; block-coordinate descent over (u, ω, B) then reads
(docs/deviations.md, D29–D31, derivation):

* receivers (21) with the conjugate: $u_k = (\sqrt{\gamma_k} v_k^H b_k)^* / T_k$,
  $T_k = \sum_i \gamma_k |v_k^H b_i|^2 + N_0$;
* weights (22): $\omega_k = 1/e_k$ with the MSE (19) at $u_k$, i.e. $1 + \mathrm{SINR}_k$;
* precoders (23)-(24): $b_k = \omega_k \sqrt{\gamma_k}\, u_k^* (A + (c + \lambda) I)^{-1} v_k$,
  $A = \sum_i \omega_i |u_i|^2 \gamma_i v_i v_i^H$, where the power multiplier
  $\lambda \ge 0$ (the printed $a^{opt}$) is 0 if that already meets the budget and
  otherwise the root of $\sum_k \|b_k(\lambda)\|^2 = P_{\max}$, found by bisection on the
  eigen-decomposition of $A$ (the power is decreasing in $\lambda$). $A$ has rank $K$: by
  default (``exact_update``, $K < N_t$) the eigen-decomposition, bisection and pseudo-inverse
  run on the $K \times K$ matrix $D^{1/2}V^HVD^{1/2}$ (``satjax.downlink.lowrank``).

**Differentiation.** The precoder map $(A, R, c, P_{\max}) \mapsto B$ of (23) has a custom
JVP from the implicit-function theorem instead of autodiff through the eigen-decomposition
(degenerate eigenvalues: $A$ has rank $K < N_t$) and the bisection (which autodiff
would see as a fixed fraction of its bracket): with $M = A + (c+\lambda)I$,

$$
dB = M^{+}\big(dR - dA\,B - (dc + d\lambda)B\big), \qquad
d\lambda = \frac{2\,\mathrm{Re\,tr}\big(B^H M^{+}(dR - dA\,B - dc\,B)\big) - dP_{\max}}
{2\,\mathrm{Re\,tr}(B^H M^{+} B)}
$$

when the budget binds ($\lambda > 0$, from differentiating $\|B\|_F^2 = P_{\max}$) and
$d\lambda = 0$ when it is slack. Reverse mode transposes this JVP, so unrolled
(deep-unfolded) WMMSE and Dinkelbach-WMMSE have exact gradients in both regimes (tested
against finite differences).

Each BCD step cannot decrease $F_\rho$; warm-started from the previous precoders,
$F_{\rho_n}(B_{n-1}) = 0$ by (17), so the energy efficiency never decreases across
Dinkelbach iterations. ``c = 0`` is plain sum-rate WMMSE.

One step function each (``wmmse_step``, ``dinkelbach_step``) and one driver each
(``wmmse``, ``dinkelbach_wmmse``), the mode (``satjax.optim.Solve`` /
``satjax.optim.Unroll``) an argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_finite, check_real, check_shape
from satjax._linalg import eigh
from satjax._numerics import abs2, safe_sqrt
from satjax._types import ArrayLike, Bool, Complex, Float, Real
from satjax.downlink.precoders import statistical_mrt
from satjax.downlink.lowrank import BISECTION_STEPS, budget_multiplier, budget_precoders_rank_k, dense_factors
from satjax.downlink.problem import PrecodingProblem, energy_efficiency, sum_rate_bound
from satjax.downlink.rates import gram, transmit_power
from satjax.optim.iterate import IterationTrace, Mode, Solve, check_mode, iterate

__all__ = [
    "wmmse",
    "wmmse_step",
    "dinkelbach_wmmse",
    "dinkelbach_step",
    "budget_precoders",
    "exact_update",
    "ExactUpdate",
    "budget_precoders_rank_k",
    "NewtonSchulzUpdate",
    "BISECTION_STEPS",
]


def _penalty(problem: PrecodingProblem, rho):
    """c = rho xi ln2 / B_w: the power price in the nats-per-symbol WMMSE objective."""
    return rho * problem.xi * math.log(2) / problem.bandwidth_hz


def _receivers_weights(problem: PrecodingProblem, b):
    """u_k (21, conjugated) and omega_k = 1/e_k (22) at precoders b.

    e_k = (interference + N_0) / T_k at the optimal u_k, so omega_k = 1 + SINR_k exactly, without
    the cancellation of 1 - |a_k|^2/T_k at high SINR."""
    sg = safe_sqrt(problem.gamma)
    a = sg * jnp.diagonal(jnp.conj(problem.v).T @ b)                          # sqrt(gamma_k) v_k^H b_k
    g = gram(problem.v, b)
    k = g.shape[0]
    rest = problem.gamma * jnp.sum(jnp.where(jnp.eye(k, dtype=bool), 0, g), axis=1) + problem.noise_w
    t = rest + abs2(a)                                                          # T_k
    return jnp.conj(a) / t, t / rest


def _eigen_solve(a, r, c, p_max):
    """Forward pass of ``budget_precoders``: eigen-decomposition, multiplier by bisection,
    then $(A + (c+\\lambda)I)^{+}R$. Returns B and what the JVP reuses."""
    d, q = eigh(a)
    z = jnp.conj(q).T @ r
    lam, scale = budget_multiplier(jnp.maximum(d, 0) + c, jnp.sum(abs2(z), axis=1), p_max)
    scale = scale.astype(q.dtype)
    return q @ (scale[:, None] * z), (q, scale, lam)


@jax.custom_jvp
def budget_precoders(a: Complex[ArrayLike, "Nt Nt"], r: Complex[ArrayLike, "Nt K"], c: Float[ArrayLike, ""],
                     p_max: Float[ArrayLike, ""]) -> Complex[ArrayLike, "Nt K"]:
    r"""$B = (A + (c + \lambda) I)^{+} R$, eq. (23), with $\lambda \ge 0$ the multiplier
    of the budget $\|B\|_F^2 \le P_{\max}$ (0 when slack, else the root of
    $\|B(\lambda)\|_F^2 = P_{\max}$).

    Args:
        a: ``[N_t, N_t]`` Hermitian PSD $A = \sum_i \omega_i|u_i|^2\gamma_i v_i v_i^H$.
        r: ``[N_t, K]`` right-hand sides $\omega_k\sqrt{\gamma_k}u_k^* v_k$ (in range(A)).
        c: ``[]`` power price $c \ge 0$.
        p_max: ``[]`` budget [W].

    Returns:
        ``[N_t, K]`` complex precoders [sqrt(W)] with $\|B\|_F^2 \le P_{\max}$.

    Differentiable by the implicit-function theorem (module docstring), in both the binding and
    the slack regime.
    """
    return _eigen_solve(a, r, c, p_max)[0]


@budget_precoders.defjvp
def _budget_precoders_jvp(primals, tangents):
    a, r, c, p_max = primals
    da, dr, dc, dp = tangents
    b, (q, scale, lam) = _eigen_solve(a, r, c, p_max)

    def m_pinv(y):                                          # (A + (c + lambda) I)^+ y
        return q @ (scale[:, None] * (jnp.conj(q).T @ y))

    g = m_pinv(dr - da @ b - dc.astype(b.dtype) * b)
    mb = m_pinv(b)
    num = 2 * jnp.real(jnp.sum(jnp.conj(b) * g)) - dp
    den = 2 * jnp.real(jnp.sum(jnp.conj(b) * mb))
    binding = lam > 0
    dlam = jnp.where(binding, num / jnp.where(binding, den, 1), 0)
    return b, g - dlam.astype(b.dtype) * mb


class NewtonSchulzUpdate(eqx.Module):
    r"""The precoder update of eq. (23) with the inverse of paper B's Algorithm 2 before training:
    $B = \Pi\big(X_L R\big)$, $X_L$ after ``num_iters`` Newton–Schulz (first-order
    Taylor, eq. (29)) steps on $M = A + cI$ from $X_0 = M^H/(\|M\|_1\|M\|_\infty)$,
    the power multiplier replaced by $\lambda = 0$ and the normalization $\Pi$ of
    eq. (34) (``satjax.downlink.project_to_budget``).

    This is what the GNN deep unfolding (``satjax.downlink.UnfoldedDinkelbachWMMSE``) computes at
    its Newton–Schulz initialization. It needs $c > 0$ (Dinkelbach: $\rho > 0$), where
    $M$ is nonsingular; it is exact when the budget is slack and the inverse converged.
    """

    num_iters: int = eqx.field(static=True)

    def __check_init__(self):
        from satjax._checks import check_int_range

        check_int_range("num_iters", self.num_iters, 0)

    def __call__(self, a, r, c, p_max, antenna_mask=None):
        from satjax.downlink.precoders import project_to_budget
        from satjax.optim.matrix_inverse import newton_schulz_inverse

        m = a + c.astype(a.dtype) * jnp.eye(a.shape[-1], dtype=a.dtype)
        return project_to_budget(newton_schulz_inverse(m, self.num_iters) @ r, p_max)


class ExactUpdate(eqx.Module):
    r"""The exact precoder update of eq. (23): $B = (A + (c+\lambda)I)^{+}R$ with the bisected
    power multiplier, ``update(A, R, c, p_max, antenna_mask)`` (``budget_precoders``, the
    $N_t \times N_t$ eigen-decomposition of any $A$).

    Inside ``wmmse_step`` it is called with the factors instead (``low_rank``: $A = V
    \mathrm{diag}(d) V^H$, $R = V\mathrm{diag}(s)$, never formed) and, with ``algebra``:

    * ``"auto"`` (default): the $K \times K$ algebra of ``satjax.downlink.budget_precoders_rank_k``
      when $K < N_t$, the $N_t \times N_t$ one otherwise (whichever matrix is smaller);
    * ``"rank_k"``: always the $K \times K$ algebra;
    * ``"full"``: always the $N_t \times N_t$ eigen-decomposition of $A$ (the former default,
      kept for comparison).

    All three agree to round-off, values and derivatives (tests/downlink/test_rank_k.py).
    """

    algebra: str = eqx.field(static=True, default="auto")

    def __check_init__(self):
        if self.algebra not in ALGEBRAS:
            raise ValueError(f"algebra must be one of {ALGEBRAS}, got {self.algebra!r}")

    def __call__(self, a, r, c, p_max, antenna_mask=None):
        return budget_precoders(a, r, c, p_max)

    def low_rank(self, v, d, s, c, p_max, antenna_mask=None):
        """Eq. (23) from the factors: ``v [N_t, K]``, ``d [K]`` real, ``s [K]`` complex (``dense_factors``)."""
        nt, k = v.shape
        if self.algebra == "rank_k" or (self.algebra == "auto" and k < nt):
            return budget_precoders_rank_k(v, d, s, c, p_max)
        a, r = dense_factors(v, d, s)
        return budget_precoders(a, r, c, p_max)


#: The ``algebra`` settings of ``ExactUpdate``.
ALGEBRAS = ("auto", "rank_k", "full")

#: The default precoder update of ``wmmse_step``: ``ExactUpdate()`` (``algebra="auto"``).
exact_update = ExactUpdate()


def _precoders(problem: PrecodingProblem, u, w, c, update=exact_update):
    """Eq. (23): the factors of A and of the right-hand sides, then the precoder update ``update``
    (``exact_update`` unless another is given, e.g. a learned inverse). An update with a
    ``low_rank`` method gets the factors ``(V, d, s)``; any other the matrices ``(A, R)``."""
    v = problem.v
    d = w * abs2(u) * problem.gamma                                             # omega |u|^2 gamma
    s = w * safe_sqrt(problem.gamma) * jnp.conj(u)                              # omega sqrt(gamma) u^*
    c = jnp.asarray(c, problem.gamma.dtype)
    low_rank = getattr(update, "low_rank", None)
    if low_rank is not None:
        return low_rank(v, d, s, c, problem.p_max_w, problem.antenna_mask)
    return update(*dense_factors(v, d, s), c, problem.p_max_w, problem.antenna_mask)


def wmmse_step(b: Complex[ArrayLike, "Nt K"], problem: PrecodingProblem, rho: Float[ArrayLike, ""] = 0.0,
               update: Callable[..., Complex[ArrayLike, "Nt K"]] = exact_update) -> Complex[ArrayLike, "Nt K"]:
    """One BCD iteration (21) -> (22) -> (23) for Dinkelbach parameter ``rho`` [bit/J]
    (``rho = 0``: sum-rate WMMSE under the power budget). ``update(A, R, c, p_max, antenna_mask)``
    turns eq. (23)'s matrix and right-hand sides into precoders: ``exact_update`` (default),
    ``NewtonSchulzUpdate``, or a learned one.

    Args:
        b: ``[N_t, K]`` complex current precoders [sqrt(W)].
        problem: the ``PrecodingProblem``.
        rho: ``[]`` Dinkelbach parameter [bit/J].
        update: ``update(A, R, c, p_max, antenna_mask) -> [N_t, K]``, the precoder update of eq. (23).

    Returns:
        ``[N_t, K]`` complex next precoders [sqrt(W)].
    """
    u, w = _receivers_weights(problem, b)
    return _precoders(problem, u, w, _penalty(problem, rho), update)


def _inner_metric(problem: PrecodingProblem, rho):
    """F_rho + rho P_t: the subproblem objective without its constant; positive near the optimum,
    so the relative stopping rule is meaningful (F_rho itself starts at 0)."""
    def metric(b):
        return problem.bandwidth_hz * sum_rate_bound(problem, b) - rho * problem.xi * transmit_power(b)
    return metric


def _initial(problem: PrecodingProblem, b0):
    if b0 is None:
        return statistical_mrt(problem.v, problem.p_max_w)
    check_shape("b0", b0, problem.v.shape)
    return jnp.asarray(b0, problem.v.dtype)


@eqx.filter_jit
def _wmmse(problem, b0, mode, rho, update):
    return iterate(lambda b: wmmse_step(b, problem, rho, update), b0, _inner_metric(problem, rho), mode)


def wmmse(problem: PrecodingProblem, b0: Complex[ArrayLike, "Nt K"] | None = None, *,
          mode: Mode | Any = Solve(tol=1e-5, max_iters=200), rho: Real[ArrayLike, ""] = 0.0,
          update: Callable[..., Complex[ArrayLike, "Nt K"]] = exact_update
          ) -> tuple[Complex[ArrayLike, "Nt K"], IterationTrace]:
    r"""WMMSE (21)-(24) for subproblem (16) at Dinkelbach parameter ``rho`` (``rho = 0``: sum-rate
    WMMSE under the budget), from ``b0`` (default: statistical MRT at full power).

    Args:
        problem: the ``PrecodingProblem``.
        b0: optional complex ``[N_t, K]`` starting precoders.
        mode: ``satjax.optim.Solve`` (relative change of $F_\rho + \rho P_t$ at most
            ``tol``) or ``satjax.optim.Unroll`` (fixed depth, differentiable).
        rho: ``[]`` Dinkelbach parameter [bit/J] (real, finite; checked).
        update: the precoder update of eq. (23) (``wmmse_step``).

    Returns:
        ``(b, trace)``: precoders ``[N_t, K]`` with $\sum_k\|b_k\|^2 \le P_{\max}$ and the
        ``satjax.optim.IterationTrace`` of the subproblem objective.
    """
    check_mode(mode)
    check_real("rho", rho)
    check_shape("rho", rho, ())
    check_finite("rho", rho)
    return _wmmse(problem, _initial(problem, b0), mode, jnp.asarray(rho, problem.gamma.dtype), update)


def dinkelbach_step(state: tuple[Complex[ArrayLike, "Nt K"], Float[ArrayLike, ""]], problem: PrecodingProblem,
                    inner: Mode, update: Callable[..., Complex[ArrayLike, "Nt K"]] = exact_update
                    ) -> tuple[Complex[ArrayLike, "Nt K"], Float[ArrayLike, ""]]:
    """One Dinkelbach iteration, ``state = (b, rho)``: solve subproblem (16) at ``rho_n`` by WMMSE
    warm-started at ``b`` (in mode ``inner``), then ``rho_{n+1}`` = EE of the result, eq. (17).

    Args:
        state: ``(b, rho)``: complex precoders ``[N_t, K]`` [sqrt(W)] and the Dinkelbach
            parameter ``[]`` [bit/J].
        problem: the ``PrecodingProblem``.
        inner: the mode of the WMMSE loop (``satjax.optim.Solve`` or ``satjax.optim.Unroll``).
        update: the precoder update of eq. (23) (``wmmse_step``).

    Returns:
        ``(b, ee)``: precoders ``[N_t, K]`` [sqrt(W)] and their energy efficiency ``[]`` [bit/J].
    """
    b, rho = state
    b, _ = iterate(lambda x: wmmse_step(x, problem, rho, update), b, _inner_metric(problem, rho), inner)
    return b, energy_efficiency(problem, b)


@eqx.filter_jit
def _dinkelbach_wmmse(problem, b0, mode, inner, update, restart=False):
    ee0 = energy_efficiency(problem, b0)
    if restart:        # Algorithm 2 as printed: rho_0 = 0, every subproblem solved from b0
        state0 = (b0, jnp.zeros_like(ee0))
        def step(s):
            return dinkelbach_step((b0, s[1]), problem, inner, update)
    else:              # ours: rho_0 = EE(b0), warm start (the EE never decreases)
        state0 = (b0, ee0)
        def step(s):
            return dinkelbach_step(s, problem, inner, update)
    (b, ee), trace = iterate(step, state0, lambda s: s[1], mode)
    return b, ee, trace


def dinkelbach_wmmse(problem: PrecodingProblem, b0: Complex[ArrayLike, "Nt K"] | None = None, *,
                     mode: Mode | Any = Solve(tol=1e-5, max_iters=30), inner: Mode | Any = Solve(tol=1e-5, max_iters=200),
                     update: Callable[..., Complex[ArrayLike, "Nt K"]] = exact_update, restart: bool | Any = False
                     ) -> tuple[Complex[ArrayLike, "Nt K"], Float[ArrayLike, ""], IterationTrace]:
    r"""Paper B, Algorithm 2 with the exact inverse: Dinkelbach (16)-(17) around WMMSE (21)-(24).

    Args:
        problem: the ``PrecodingProblem``.
        b0: optional complex ``[N_t, K]`` starting precoders (default statistical MRT at full power).
        mode: the outer (Dinkelbach) loop: ``satjax.optim.Solve`` — stop when the EE changes
            by at most ``tol`` relative ($F(\rho_n) = P^{total}_n(\mathrm{EE}_n -
            \mathrm{EE}_{n-1})$, so this is the rule $F(\rho_n) \le \varepsilon_1$ in relative
            form) — or ``satjax.optim.Unroll`` (fixed number of Dinkelbach updates).
        inner: the WMMSE loop of each subproblem, likewise ($\varepsilon_2$).
        update: the precoder update of eq. (23): ``exact_update`` (eigen-decomposition, in
            $K \times K$ algebra when $K < N_t$, and bisected multiplier, the default;
            ``ExactUpdate(algebra="full")`` for the $N_t \times N_t$ one), ``NewtonSchulzUpdate`` (Algorithm 2's Taylor
            inverse) or a learned one (``satjax.downlink.UnfoldedDinkelbachWMMSE``).
        restart: ``False`` (default, ours): $\rho_0 = \mathrm{EE}(b_0)$ and each subproblem
            warm-started at the previous precoders, so the EE never decreases. ``True``:
            Algorithm 2 as printed, $\rho_0 = 0$ and every Dinkelbach iteration re-initialises
            the precoders at ``b0`` (docs/deviations.md D96).

    Returns:
        ``(b, ee, trace)``: precoders ``[N_t, K]`` with $\sum_k\|b_k\|^2 \le P_{\max}$, the
        energy efficiency [bit/J], and the ``satjax.optim.IterationTrace`` of the EE over the
        outer iterations. Differentiable end to end when both loops are unrolled.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from satjax import downlink as dl
        >>> params = dl.DownlinkParams(n_h=2, n_v=2, num_users=2)
        >>> problem = dl.sample_downlink_scenario(jax.random.key(0), params).problem
        >>> b, ee, trace = dl.dinkelbach_wmmse(problem)
        >>> b.shape, b.dtype                                        # [N_t, K] precoders
        ((4, 2), dtype('complex64'))
        >>> bool(jnp.sum(jnp.abs(b) ** 2) <= params.p_max_w * (1 + 1e-5))   # within the budget
        True
        >>> bool(ee >= trace.objective[0])                          # never below its start
        True
    """
    check_mode(mode)
    check_mode(inner, "inner")
    if not isinstance(restart, bool):
        raise ValueError(f"restart must be True or False, got {restart!r}")
    return _dinkelbach_wmmse(problem, _initial(problem, b0), mode, inner, update, restart)

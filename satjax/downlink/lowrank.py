r"""Eq. (23) in $K \times K$ algebra: the matrix of the precoder update has rank $K$.

The precoder update (23) of WMMSE solves $B = (A + (c + \lambda) I)^{+} R$ with

$$
A = V D V^H, \qquad R = V S, \qquad D = \mathrm{diag}(\omega_k |u_k|^2 \gamma_k) \succeq 0,
\quad S = \mathrm{diag}(\omega_k \sqrt{\gamma_k}\, u_k^*),
$$

$V = [v_1, \dots, v_K]$ ($N_t \times K$). $A$ has rank at most $K \le N_t$, so nothing
needs an $N_t \times N_t$ matrix. With $Y = V D^{1/2}$ and $R = Y T$,
$T = D^{-1/2} S$ (0 for users with $d_k = 0$, whose $s_k$ is then 0 as well), the
$K \times K$ matrix $H = Y^H Y = D^{1/2} (V^H V) D^{1/2} = W \Lambda W^H$ has the
nonzero eigenvalues of $A$, the eigenvectors of $A$ on its range are $Y w_i/\sqrt{\Lambda_i}$,
and (push-through identity)

$$
B(\mu) = Y\, W\, \mathrm{diag}\big(f(\Lambda + \mu)\big)\, W^H T, \qquad
\|B(\mu)\|_F^2 = \sum_i \frac{\Lambda_i\, \|(W^H T)_{i,:}\|^2}{(\Lambda_i + \mu)^2},
$$

$\mu = c + \lambda$, $f(m) = 1/m$ on the directions the full update keeps (``RANGE_TOL``)
and 0 on the rest. The power is the same function of $\lambda$ as in the eigen-decomposition
of $A$ (its null space carries none of $R$), so the same bisection finds the same multiplier.
Cost: $O(K^2 N_t)$ for the Gram matrix and the products, $O(K^3)$ for the eigen-decomposition
and $O(K)$ per bisection step, instead of $O(N_t^3)$ and $O(N_t)$.

**Derivative.** The implicit-function JVP of ``satjax.downlink.budget_precoders``,
$dB = M^{+}(g - d\lambda\, B)$, $g = dR - dA\,B - dc\,B$, with $dA$ and $dR$ written
through the factors ($dA = dV D V^H + V dD V^H + V D dV^H$, $dR = dV S + V dS$: no
derivative of $\sqrt{d}$, so users with $d_k = 0$ are fine) and the pseudo-inverse of
$M = A + \mu I$ applied as $M^{+}G = \alpha G + Y W \mathrm{diag}(\varphi) W^H Y^H G$:
Woodbury, $\alpha = 1/\mu$, $\varphi_i = -1/(\mu(\Lambda_i + \mu))$, where the full
update keeps the null space of $A$; otherwise $\alpha = 0$, $\varphi_i = f(\Lambda_i+\mu)/\Lambda_i$
(the kept directions have $\Lambda_i > 0$). $g$ has components outside the range of $V$
($dV$ moves it), so the null-space term is needed.

Known limit, shared with the $N_t \times N_t$ JVP: where $c + \lambda$ is below ``RANGE_TOL`` of
the largest eigenvalue (a slack budget with $c = 0$ or so small a price), the null space is dropped and the JVP
holds the range of $A$ fixed: the derivative in $V$ then misses the term
$P_{\mathrm{null}}\,dV\,X$ ($B = VX$) of the pseudo-inverse's derivative (finite differences
disagree there; every other regime is tested against them).
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._linalg import eigh
from satjax._numerics import abs2
from satjax._types import ArrayLike, Complex, Float

__all__ = ["budget_precoders_rank_k", "dense_factors", "TaylorInverseRankK", "BISECTION_STEPS", "RANGE_TOL"]

#: Bisection steps for the power multiplier (halves the bracket each time; 60 reach float64 round-off).
BISECTION_STEPS = 60
#: Eigenvalues of A + cI below this fraction of the largest are treated as its null space.
RANGE_TOL = 1e-6


def budget_multiplier(dc: Float[ArrayLike, " n"], y2: Float[ArrayLike, " n"], p_max: Float[ArrayLike, ""]):
    r"""The power multiplier of eq. (23) on a spectral decomposition, and the pseudo-inverse's
    scaling: the transmit power at multiplier $\lambda$ is $\sum_i y2_i / (dc_i + \lambda)^2$.

    Args:
        dc: ``[n]`` eigenvalues of $A + cI$ (those of $A$ clipped at 0, plus $c$).
        y2: ``[n]`` squared norms of the right-hand sides' components along each eigenvector.
        p_max: ``[]`` budget [W].

    Returns:
        ``(lam, scale)``: the multiplier ``[]`` (0 when the budget is slack, else the root of
        the power equation by ``BISECTION_STEPS`` bisection steps) and ``[n]`` the
        pseudo-inverse's eigenvalues $1/(dc_i + \lambda)$, 0 on the directions below
        ``RANGE_TOL`` times the largest (the null space when $c + \lambda$ is that small).
    """
    # The bisection works on the range of A + cI: every r_k lies in span{v_i} = range(A) (exactly;
    # round-off leaves ~eps-sized components on the null space, which must not be amplified when
    # c = lambda = 0).
    valid = dc > RANGE_TOL * jnp.max(dc)
    dcv = jnp.where(valid, dc, 1.0)
    y2 = jnp.where(valid, y2, 0)

    def power(lam):
        return jnp.sum(y2 / (dcv + lam) ** 2)

    hi0 = jnp.sqrt(jnp.sum(y2) / p_max)                                        # power(hi0) <= p_max

    def bisect(_, bracket):
        lo, hi = bracket
        mid = 0.5 * (lo + hi)
        over = power(mid) > p_max
        return jnp.where(over, mid, lo), jnp.where(over, hi, mid)

    _, hi = jax.lax.fori_loop(0, BISECTION_STEPS, bisect, (jnp.zeros_like(hi0), hi0))
    lam = jnp.where(power(0.0) <= p_max, 0.0, hi)
    m = dc + lam                                      # eigenvalues of M = A + (c + lambda) I
    return lam, jnp.where(m > RANGE_TOL * jnp.max(m), 1 / jnp.where(m > 0, m, 1), 0)


def dense_factors(v: Complex[ArrayLike, "Nt K"], d: Float[ArrayLike, " K"], s: Complex[ArrayLike, " K"]
                  ) -> tuple[Complex[ArrayLike, "Nt Nt"], Complex[ArrayLike, "Nt K"]]:
    """The ``N_t x N_t`` matrix $A = V\\,\\mathrm{diag}(d)\\,V^H$ (Hermitian to the last bit) and
    the right-hand sides $R = V\\,\\mathrm{diag}(s)$ of eq. (23).

    Args:
        v: ``[N_t, K]`` complex array responses $v_k$.
        d: ``[K]`` real weights $d_k = \\omega_k|u_k|^2\\gamma_k \\ge 0$.
        s: ``[K]`` complex coefficients $s_k = \\omega_k\\sqrt{\\gamma_k}u_k^*$.

    Returns:
        ``(A, R)``: ``[N_t, N_t]`` and ``[N_t, K]`` complex.
    """
    a = (v * d[None, :].astype(v.dtype)) @ jnp.conj(v).T
    return 0.5 * (a + jnp.conj(a).T), v * s[None, :].astype(v.dtype)


def _rank_k_solve(v, d, s, c, p_max):
    """Forward pass of ``budget_precoders_rank_k``; returns B and what the JVP reuses."""
    d = jnp.maximum(d, 0)
    sd = jnp.sqrt(d)
    h = sd[:, None] * (jnp.conj(v).T @ v) * sd[None, :]                       # D^1/2 V^H V D^1/2  [K, K]
    ev, w = eigh(0.5 * (h + jnp.conj(h).T))
    ev = jnp.maximum(ev, 0)
    t = jnp.where(d > 0, s / jnp.where(d > 0, sd, 1), 0)                       # T = D^-1/2 S
    z = jnp.conj(w).T * t[None, :].astype(w.dtype)                             # W^H T  [K, K]
    lam, scale = budget_multiplier(ev + c, ev * jnp.sum(abs2(z), axis=1), p_max)
    y = v * sd[None, :].astype(v.dtype)                                        # Y = V D^1/2
    return y @ (w @ (scale[:, None].astype(w.dtype) * z)), (y, ev, w, scale, lam)


@jax.custom_jvp
def budget_precoders_rank_k(v: Complex[ArrayLike, "Nt K"], d: Float[ArrayLike, " K"], s: Complex[ArrayLike, " K"],
                            c: Float[ArrayLike, ""], p_max: Float[ArrayLike, ""]) -> Complex[ArrayLike, "Nt K"]:
    r"""``satjax.downlink.budget_precoders`` for $A = V\,\mathrm{diag}(d)\,V^H$ and
    $R = V\,\mathrm{diag}(s)$ in $K \times K$ algebra (module docstring): $B = (A + (c +
    \lambda) I)^{+} R$, eq. (23), with $\lambda \ge 0$ the multiplier of
    $\|B\|_F^2 \le P_{\max}$. Equal to the $N_t \times N_t$ eigen-decomposition's result to
    round-off (values and derivatives, tested in float64); $O(K^2 N_t + K^3)$.

    Args:
        v: ``[N_t, K]`` complex array responses $v_k$.
        d: ``[K]`` real weights $d_k = \omega_k|u_k|^2\gamma_k \ge 0$.
        s: ``[K]`` complex coefficients $s_k = \omega_k\sqrt{\gamma_k}u_k^*$, 0 wherever
            $d_k = 0$ (so that $R$ lies in the range of $A$, as in eq. (23)).
        c: ``[]`` power price $c \ge 0$.
        p_max: ``[]`` budget [W].

    Returns:
        ``[N_t, K]`` complex precoders [sqrt(W)] with $\|B\|_F^2 \le P_{\max}$.
    """
    return _rank_k_solve(v, d, s, c, p_max)[0]


@budget_precoders_rank_k.defjvp
def _budget_precoders_rank_k_jvp(primals, tangents):
    v, d, s, c, p_max = primals
    dv, dd, ds, dc, dp = tangents
    b, (y, ev, w, scale, lam) = _rank_k_solve(v, d, s, c, p_max)
    mu = c + lam
    cdt = b.dtype
    # M^+ G = alpha G + Y W diag(phi) W^H Y^H G (module docstring)
    keeps_null = mu > RANGE_TOL * (jnp.max(ev) + mu)
    alpha = jnp.where(keeps_null, 1 / jnp.where(keeps_null, mu, 1), 0)
    phi = jnp.where(keeps_null, -alpha / (ev + jnp.where(keeps_null, mu, 1)),
                    jnp.where(scale > 0, scale / jnp.where(scale > 0, ev, 1), 0))
    yw = y @ w

    def m_pinv(g):
        return alpha.astype(cdt) * g + yw @ (phi[:, None].astype(cdt) * (jnp.conj(yw).T @ g))

    vhb = jnp.conj(v).T @ b                                                     # V^H B  [K, K]
    dd, d = dd.astype(cdt), d.astype(cdt)
    # g = dR - dA B - dc B with dR = dV S + V dS, dA = dV D V^H + V dD V^H + V D dV^H
    g = (dv @ (jnp.diag(s.astype(cdt)) - d[:, None] * vhb)
         + v @ (jnp.diag(ds.astype(cdt)) - dd[:, None] * vhb - d[:, None] * (jnp.conj(dv).T @ b))
         - dc.astype(cdt) * b)
    mg, mb = m_pinv(g), m_pinv(b)
    num = 2 * jnp.real(jnp.sum(jnp.conj(b) * mg)) - dp
    den = 2 * jnp.real(jnp.sum(jnp.conj(b) * mb))
    binding = lam > 0
    dlam = jnp.where(binding, num / jnp.where(binding, den, 1), 0)
    return b, mg - dlam.astype(cdt) * mb


# --- the learned Taylor inverse of the GNN deep unfolding in factored form ---


def _real_linear(m):
    """A real 2 x 2 matrix ``m[e, b]`` acting on (Re, Im) as $z \\mapsto \\alpha z + \\beta \\bar z$."""
    alpha = 0.5 * jax.lax.complex(m[0, 0] + m[1, 1], m[1, 0] - m[0, 1])
    beta = 0.5 * jax.lax.complex(m[0, 0] - m[1, 1], m[1, 0] + m[0, 1])
    return alpha, beta


class _Factored:
    """Matrices $p\\,P + U C U^H$ on the real antennas ($P$ = their diagonal mask) with the
    fixed basis $U = [V, \\bar V, w]$ ($w$ the mask vector), as ``(p, C)``. Closed under
    products, entrywise conjugation, entrywise real-linear maps and the row/column means of
    ``satjax.downlink.TaylorLayer``; ``gram`` $= U^H U$."""

    def __init__(self, v, w):
        k = v.shape[1]
        self.k = k
        u = jnp.concatenate([v, jnp.conj(v), w[:, None].astype(v.dtype)], axis=1)       # [Nt, 2K + 1]
        self.u, self.gram = u, jnp.conj(u).T @ u
        self.swap = jnp.concatenate([jnp.arange(k, 2 * k), jnp.arange(k), jnp.array([2 * k])])   # U[:, swap] = conj(U)
        self.count = jnp.maximum(jnp.sum(w), 1)
        self.e = jnp.zeros((2 * k + 1,), v.dtype).at[2 * k].set(1)

    def mul(self, x, y):
        (p1, c1), (p2, c2) = x, y
        return p1 * p2, p1 * c2 + p2 * c1 + c1 @ self.gram @ c2

    def conj(self, x):
        p, c = x
        return jnp.conj(p), jnp.conj(c)[self.swap][:, self.swap]

    def map(self, m, x):
        alpha, beta = _real_linear(m)
        (p, c), (pc, cc) = x, self.conj(x)
        return alpha * p + beta * pc, alpha * c + beta * cc

    def add(self, *xs):
        return sum(x[0] for x in xs), sum(x[1] for x in xs)

    def row_sums(self, x):
        """$w\\,w^T X$: every row replaced by the column sums over the real rows."""
        p, c = x
        return jnp.zeros_like(p), p * jnp.outer(self.e, self.e) + jnp.outer(self.e, self.gram[-1] @ c)

    def col_sums(self, x):
        """$X\\,w\\,w^T$: every column replaced by the row sums over the real columns."""
        p, c = x
        return jnp.zeros_like(p), p * jnp.outer(self.e, self.e) + jnp.outer(c @ self.gram[:, -1], self.e)

    def pooled(self, x, exclude_self):
        """Means over $i'$ (rows) and $j'$ (columns), as ``TaylorLayer``."""
        if exclude_self:
            n = jnp.maximum(self.count - 1, 1)
            rows, cols = self.add(self.row_sums(x), self.scale(x, -1)), self.add(self.col_sums(x), self.scale(x, -1))
        else:
            n = self.count
            rows, cols = self.row_sums(x), self.col_sums(x)
        return self.scale(rows, 1 / n), self.scale(cols, 1 / n)

    @staticmethod
    def scale(x, a):
        return a * x[0], a * x[1]

    def layer(self, layer, f, m):
        """One ``TaylorLayer`` (linear: $\\sigma$ = identity) on factored ``f`` with ``m`` = $M$."""
        g = (f, self.mul(self.mul(f, m), f))                                      # (F, FMF)

        def mix(weights):
            return self.add(*(self.map(weights[a], g[a]) for a in range(2)))

        rows, _ = self.pooled(mix(layer.s), getattr(layer, "exclude_self", False))
        _, cols = self.pooled(mix(layer.d), getattr(layer, "exclude_self", False))
        return self.add(mix(layer.c), rows, cols)

    def apply(self, x, v, s):
        """$X R$ for $R = V\\,\\mathrm{diag}(s)$ (``[N_t, K]``)."""
        p, c = x
        return p * (v * s[None, :]) + self.u @ (c @ (self.gram[:, : self.k] * s[None, :]))


class TaylorInverseRankK(eqx.Module):
    r"""``satjax.downlink.TaylorInverse`` (the learned inverse of the GNN deep unfolding, eqs.
    (27)-(33)) in factored form: the same parameters, the same precoders $\Pi(F^{(L)}R)$ to
    round-off, without an $N_t \times N_t$ product.

    Every layer is linear in (Re, Im) ($\sigma$ = identity), so each $F^{(\ell)}$ stays of the
    form $p\,I + U C U^H$ with $U = [V, \bar V, \mathbf 1]$ ($2K+1$ columns): the product
    $FMF$ ($M = cI + VDV^H$), the entrywise real-linear maps (which conjugate entries:
    $\bar V$) and the row/column means (rank one along $\mathbf 1$) all map that form to
    itself, on $(p, C)$ in $O(K^3)$. Padded antennas: $I$ is their mask and $\mathbf 1$ the
    mask vector. Cost per update: $O(N_t^2 K)$ for the initial scale
    $\|M\|_1\|M\|_\infty$ (it needs every $|M_{ij}|$), $O(N_t K^2)$ for $U^H U$ and
    $F R$, $O(L K^3)$ for the layers — against $O(L N_t^3)$ for the dense layers.

    A ReLU $\sigma$ (``activation="relu"``) acts entry by entry on $F$ and leaves this form:
    that layer is inherently $N_t \times N_t$ (``ValueError``).

    Use: ``eqx.tree_at(lambda m: m.inverse, model, TaylorInverseRankK(model.inverse))`` for an
    ``UnfoldedDinkelbachWMMSE`` ``model`` (trained parameters kept, still trainable).

    Arguments:
        inverse: the ``TaylorInverse`` whose parameters are used.
    """

    inverse: Any

    def __check_init__(self):
        for layer in self.inverse.layers:
            activation = getattr(layer, "activation", "identity")
            if activation != "identity":
                raise ValueError(f"TaylorInverseRankK needs linear Taylor layers (activation 'identity'), got "
                                 f"{activation!r}: an entrywise activation of F has no rank-K form")

    def __call__(self, a, r, c, p_max, antenna_mask=None):
        return self.inverse(a, r, c, p_max, antenna_mask)

    def low_rank(self, v, d, s, c, p_max, antenna_mask=None):
        """The precoder update from the factors of eq. (23) (``dense_factors``)."""
        from satjax.downlink.precoders import project_to_budget
        from satjax.optim.matrix_inverse import newton_schulz_scale

        nt = v.shape[0]
        w = jnp.ones((nt,), bool) if antenna_mask is None else antenna_mask
        alg = _Factored(v, w)
        cdt = v.dtype
        k = v.shape[1]
        a, _ = dense_factors(v, d, s)
        scale = newton_schulz_scale(a + c.astype(cdt) * jnp.eye(nt, dtype=cdt)).astype(cdt)
        m = (c.astype(cdt), jnp.zeros((2 * k + 1, 2 * k + 1), cdt).at[:k, :k].set(jnp.diag(d.astype(cdt))))
        f = alg.scale(m, 1 / scale)                                              # F0 = M^H / scale (M Hermitian)
        for i in range(self.inverse.num_layers):
            f = alg.layer(self.inverse.layers[0 if self.inverse.share_layers else i], f, m)
        return project_to_budget(alg.apply(f, v, s.astype(cdt)), p_max)

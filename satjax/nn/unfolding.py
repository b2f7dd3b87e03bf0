r"""Deep-unfolded precoders of paper B (Sec. IV, Algorithm 2) and the linear deep-unfolding baseline.

Both keep the model-based structure — Dinkelbach (16)-(17) around WMMSE (21)-(24), every receiver
(21) and weight (22) in closed form — and learn only the precoder update (23), the step with a
matrix inverse $M^{-1}$, $M = A + cI$ (``satjax.downlink.wmmse_step`` with a
learned ``update``). How the power multiplier is handled inside the networks (docs/deviations.md
D43): $\lambda = 0$, then the normalization $\Pi$ of eq. (34). Where the budget is slack
$\lambda = 0$ is the exact KKT point; where it binds (at the Table I defaults it binds on every
drop: the SNR of 0 dB makes the rate power-limited), $\Pi$ scales the $\lambda = 0$
solution onto the budget — an approximation training adapts to — and no bisection runs inside the
network (its cost and its implicit gradient are what the learned layers are meant to avoid).

**GNN deep unfolding** (``UnfoldedDinkelbachWMMSE``, eqs. (27)-(33)). $M^{-1}$ is
computed by $L$ edge-update layers on the complete antenna–antenna graph, whose edge
``(i, j)`` carries $F_{ij}$ (complex, as the two real channels Re, Im). With
$g_{ij} = [F_{ij}, (FMF)_{ij}]$ (the first-order Taylor term of eq. (29)),

$$
F_{ij} \leftarrow \sigma\Big(c^\top g_{ij} + s^\top \mathrm{mean}_{i'} g_{i'j}
+ d^\top \mathrm{mean}_{j'} g_{ij'}\Big)
$$

where each entry of ``c``, ``s``, ``d`` is a real 2 × 2 matrix acting on (Re, Im) — the paper's
$J_{\ell+1} \times J_\ell$ matrices with $J = 2$ — and term (d) of eq. (32) is omitted,
as the paper does. Deviations (docs/deviations.md D44): the pooling is a masked *mean* over the
real antennas instead of a sum (the learned coefficients then transfer across $N_t$);
$F^{(0)} = M^H/(\|M\|_1\|M\|_\infty)$ (D32) instead of $M$ itself; and the
initialization is the Newton–Schulz point $c = (2I, -I)$, $s = d = 0$,
$\sigma$ = identity, so the untrained network *is* the unrolled Dinkelbach-WMMSE with the
Newton–Schulz inverse (``satjax.downlink.NewtonSchulzUpdate``; tested equal). The paper
initializes every trainable matrix at zero, which makes $F \equiv 0$ and the precoders
zero. $\sigma$ stays the identity (the local linear approximation the paper motivates).

**Linear deep unfolding** (``LinearUnfoldedWMMSE``), the paper's baseline after Hu et al.,
"Iterative algorithm induced deep-unfolding neural networks: precoding design for multiuser MIMO
systems", IEEE TWC 2021 (IAIDNN, paper B's ref. [40]): WMMSE unrolled into ``num_layers`` layers,
layer ``l`` replacing $M^{-1}$ by the trainable linear form
$D^{-1}X_l + M Y_l + Z_l$ ($D^{-1}$ the reciprocal of $M$'s diagonal, the
"element-wise nonlinear operation $P^+$" of paper B Sec. IV-C; $X_l, Y_l, Z_l$
complex $N_t \times N_t$) and adding a trainable offset $O_l$ (complex
$N_t \times K$) to the precoders before $\Pi$. Complex parameters are stored as
(Re, Im) pairs: every satjax model's parameters are real. Initialization: $X_l = I$,
$Y_l = Z_l = O_l = 0$ (the Jacobi approximation of the inverse). One Dinkelbach update
(the EE of the current precoders) precedes each layer. The parameters are
$N_t \times N_t$: a model serves one array size and one user count.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_int_range
from satjax._types import ArrayLike, Complex, Float, Inexact, PRNGKeyArray
from satjax.downlink.precoders import project_to_budget, statistical_mrt
from satjax.downlink.problem import PrecodingProblem, energy_efficiency
from satjax.downlink.scenario import DownlinkScenario
from satjax.downlink.wmmse import dinkelbach_wmmse, wmmse_step
from satjax.optim.iterate import Unroll
from satjax.optim.matrix_inverse import newton_schulz_init

__all__ = ["TaylorLayer", "TaylorInverse", "UnfoldedDinkelbachWMMSE", "LinearUnfoldedWMMSE"]


def _as_channels(z: Inexact[ArrayLike, "..."]) -> Float[ArrayLike, "... 2"]:
    return jnp.stack([jnp.real(z), jnp.imag(z)], axis=-1)


def _as_complex(x: Float[ArrayLike, "... 2"], dtype) -> Complex[ArrayLike, "..."]:
    return jax.lax.complex(x[..., 0], x[..., 1]).astype(dtype)


class TaylorLayer(eqx.Module):
    """One edge-update layer of eq. (31)/(33) on the antenna–antenna graph (module docstring).

    ``c``, ``s``, ``d``: ``[2, 2, 2]`` — for the two components of $g$ (``F``, ``FMF``), a
    real 2 × 2 matrix acting on (Re, Im)."""

    c: Float[ArrayLike, "2 2 2"]
    s: Float[ArrayLike, "2 2 2"]
    d: Float[ArrayLike, "2 2 2"]

    def __init__(self, dtype=jnp.float32):
        eye = jnp.eye(2, dtype=dtype)
        self.c = jnp.stack([2 * eye, -eye])             # Newton–Schulz: F <- 2F - FMF
        self.s = jnp.zeros((2, 2, 2), dtype)
        self.d = jnp.zeros((2, 2, 2), dtype)

    def __call__(self, f: Complex[ArrayLike, "N N"], m: Complex[ArrayLike, "N N"],
                 mask: ArrayLike | None = None) -> Complex[ArrayLike, "N N"]:
        g = jnp.stack([_as_channels(f), _as_channels(f @ m @ f)], axis=-2)     # [N, N, 2 (F, FMF), 2 (re, im)]
        n = f.shape[0]
        if mask is None:
            mask = jnp.ones((n,), bool)
        w = mask.astype(g.dtype)
        count = jnp.maximum(jnp.sum(w), 1)
        over_rows = jnp.einsum("ijab,i->jab", g, w) / count                       # mean over i' of g_{i'j}
        over_cols = jnp.einsum("ijab,j->iab", g, w) / count                       # mean over j' of g_{ij'}
        out = (jnp.einsum("ijab,aeb->ije", g, self.c) + jnp.einsum("jab,aeb->je", over_rows, self.s)[None]
               + jnp.einsum("iab,aeb->ie", over_cols, self.d)[:, None])
        valid = mask[:, None] & mask[None, :]
        return jnp.where(valid, _as_complex(out, f.dtype), 0)


class TaylorInverse(eqx.Module):
    r"""The learned precoder update of the GNN deep unfolding: $B = \Pi(F^{(L)} R)$ with
    $F^{(L)} \approx (A + cI)^{-1}$ from ``num_layers`` ``TaylorLayer`` s (one set of
    parameters per layer, or one shared by all). Called as the ``update`` of
    ``satjax.downlink.wmmse_step``."""

    layers: tuple[TaylorLayer, ...]
    num_layers: int = eqx.field(static=True)
    share_layers: bool = eqx.field(static=True)

    def __init__(self, num_layers: int, share_layers: bool = False, dtype=jnp.float32):
        check_int_range("num_layers", num_layers, 1)
        self.num_layers, self.share_layers = num_layers, bool(share_layers)
        self.layers = (TaylorLayer(dtype),) if share_layers else tuple(TaylorLayer(dtype) for _ in range(num_layers))

    def inverse(self, m: Complex[ArrayLike, "N N"], mask: ArrayLike | None = None) -> Complex[ArrayLike, "N N"]:
        f = newton_schulz_init(m)
        for i in range(self.num_layers):
            f = self.layers[0 if self.share_layers else i](f, m, mask)
        return f

    def __call__(self, a, r, c, p_max, antenna_mask=None):
        m = a + c.astype(a.dtype) * jnp.eye(a.shape[-1], dtype=a.dtype)
        return project_to_budget(self.inverse(m, antenna_mask) @ r, p_max)


class UnfoldedDinkelbachWMMSE(eqx.Module):
    r"""Paper B's GNN deep unfolding (Algorithm 2): ``num_outer`` Dinkelbach updates around
    ``num_inner`` WMMSE steps each (``lax.scan``, differentiable; ``checkpoint`` rematerializes
    every step in the backward pass so memory stays bounded), the inverse of eq. (23) replaced by
    the learned ``TaylorInverse`` of ``num_layers`` layers. Untrained, it is the unrolled
    Dinkelbach-WMMSE with the Newton–Schulz inverse (module docstring).

    A ``satjax.policies.Policy`` for system B: ``model(scenario, key=None) -> b [N_t, K]``.
    Its parameters do not depend on $N_t$ or $K$: one model serves every size.
    """

    inverse: TaylorInverse
    num_outer: int = eqx.field(static=True)
    num_inner: int = eqx.field(static=True)
    checkpoint: bool = eqx.field(static=True)

    def __init__(self, *, num_outer: int = 3, num_inner: int = 5, num_layers: int = 4, share_layers: bool = False,
                 checkpoint: bool = True, key: PRNGKeyArray | None = None, dtype=jnp.float32):
        self.check_settings(num_outer=num_outer, num_inner=num_inner, num_layers=num_layers)
        self.inverse = TaylorInverse(num_layers, share_layers, dtype)
        self.num_outer, self.num_inner, self.checkpoint = num_outer, num_inner, bool(checkpoint)

    @staticmethod
    def check_settings(*, num_outer: int, num_inner: int, num_layers: int, **_) -> None:
        """Setting checks (``ValueError`` naming the setting), also used by the config schema."""
        check_int_range("num_outer", num_outer, 1)
        check_int_range("num_inner", num_inner, 1)
        check_int_range("num_layers", num_layers, 1)

    def precoders(self, problem: PrecodingProblem) -> Complex[ArrayLike, "Nt K"]:
        b, _, _ = dinkelbach_wmmse(problem, mode=Unroll(self.num_outer, checkpoint=self.checkpoint),
                                   inner=Unroll(self.num_inner, checkpoint=self.checkpoint), update=self.inverse)
        return b

    def __call__(self, scenario: DownlinkScenario, key: PRNGKeyArray | None = None) -> Complex[ArrayLike, "Nt K"]:
        return self.precoders(scenario.problem)


class LinearInverseLayer(eqx.Module):
    """One IAIDNN layer's precoder update: $B = \\Pi((D^{-1}X + MY + Z)R + O)$ (module docstring).

    The complex matrices are stored as real ``[..., 2]`` arrays (Re, Im): every satjax model has
    real parameters only, so any Optax optimizer steps them correctly (gradient descent on a
    complex JAX array would need the conjugate gradient)."""

    x: Float[ArrayLike, "Nt Nt 2"]
    y: Float[ArrayLike, "Nt Nt 2"]
    z: Float[ArrayLike, "Nt Nt 2"]
    o: Float[ArrayLike, "Nt K 2"]

    def __init__(self, num_antennas: int, num_users: int, dtype=jnp.float32):
        self.x = _as_channels(jnp.eye(num_antennas, dtype=dtype))
        self.y = jnp.zeros((num_antennas, num_antennas, 2), dtype)
        self.z = jnp.zeros((num_antennas, num_antennas, 2), dtype)
        self.o = jnp.zeros((num_antennas, num_users, 2), dtype)

    def __call__(self, a, r, c, p_max, antenna_mask=None):
        m = a + c.astype(a.dtype) * jnp.eye(a.shape[-1], dtype=a.dtype)
        d_inv = 1 / jnp.diagonal(m)                                            # real positive: A is PSD, c > 0
        x, y, z, o = (_as_complex(t, a.dtype) for t in (self.x, self.y, self.z, self.o))
        w = d_inv[:, None] * x + m @ y + z
        b = w @ r + o
        if antenna_mask is not None:
            b = jnp.where(antenna_mask[:, None], b, 0)
        return project_to_budget(b, p_max)


class LinearUnfoldedWMMSE(eqx.Module):
    """Linear deep unfolding (IAIDNN after Hu et al., TWC 2021; module docstring): ``num_layers``
    WMMSE layers with trainable linear inverses, one Dinkelbach update before each.

    A ``satjax.policies.Policy`` for system B built for one array size and user count.
    """

    layers: tuple[LinearInverseLayer, ...]
    num_antennas: int = eqx.field(static=True)
    num_users: int = eqx.field(static=True)

    def __init__(self, num_antennas: int, num_users: int, *, num_layers: int = 5, key: PRNGKeyArray | None = None,
                 dtype=jnp.float32):
        check_int_range("num_antennas", num_antennas, 1)
        check_int_range("num_users", num_users, 1)
        self.check_settings(num_layers=num_layers)
        self.layers = tuple(LinearInverseLayer(num_antennas, num_users, dtype) for _ in range(num_layers))
        self.num_antennas, self.num_users = num_antennas, num_users

    @staticmethod
    def check_settings(*, num_layers: int, **_) -> None:
        """Setting checks (``ValueError`` naming the setting), also used by the config schema."""
        check_int_range("num_layers", num_layers, 1)

    def precoders(self, problem: PrecodingProblem) -> Complex[ArrayLike, "Nt K"]:
        if problem.v.shape != (self.num_antennas, self.num_users):
            raise ValueError(f"this LinearUnfoldedWMMSE was built for N_t = {self.num_antennas}, K = {self.num_users}; "
                             f"the scenario has N_t x K = {problem.v.shape}")
        b = statistical_mrt(problem.v, problem.p_max)
        for layer in self.layers:
            b = wmmse_step(b, problem, energy_efficiency(problem, b), update=layer)
        return b

    def __call__(self, scenario: DownlinkScenario, key: PRNGKeyArray | None = None) -> Complex[ArrayLike, "Nt K"]:
        return self.precoders(scenario.problem)

r"""System B's learned precoders (paper B): the end-to-end edge GNN (Sec. III), the GNN deep
unfolding of Dinkelbach-WMMSE (Sec. IV, Algorithm 2), the linear deep-unfolding baseline (IAIDNN)
and the smallest learned precoder (statistical MRT at a learned power). Each is a
``satjax.policies.Policy`` for system B: ``model(scenario, key=None) -> b [N_t, K]`` within the
budget.

**End-to-end edge GNN** (``EdgeGNN``, eqs. (11)-(15), Algorithm 1). The graph is the complete
bipartite antenna–user graph; every edge ``(n, k)`` carries a feature vector, initially (eq. (11))
$[\mathrm{Re}\,v_{nk}, \mathrm{Im}\,v_{nk}]$ plus what the loss needs to know about user k and
the power model (ours, docs/deviations.md D42):

* $s_k = \log_{10}(P_{\max}\gamma_k N_t / (K N_0))$ — user k's receive SNR at full power
  split equally, in decades (every scenario of the paper has its own noise and budget);
* $e = \log_{10}(\xi P_{\max} / P_t)$ — how the transmit power compares with the static
  power of eq. (6), the trade-off the energy efficiency makes (same for every edge).

Layer $\ell$ (dense, masked message passing on ``[N_t, K, H]`` arrays):

* aggregation (12): $d_{nk} = [\,\mathrm{mean}_{n_1 \ne n} \mathrm{MLP}_1(a_{n_1k}),\;
  \mathrm{mean}_{k_1 \ne k} \mathrm{MLP}_2(a_{nk_1})\,]$ — over the other antennas of the same user
  and the other users of the same antenna (AGG = mean, concatenated);
* combination (13): $a_{nk} \leftarrow \mathrm{ReLU}(\mathrm{MLP}_3(a_{nk}, d_{nk}))$.

Every MLP is Linear–ReLU–Linear with 64 hidden units (the paper's "two-layer MLP, 64 hidden").
The last layer's edge features are mapped by a linear readout to $(\mathrm{Re}, \mathrm{Im})$
of $b_{nk}$, and the precoder is normalized by $\Pi$ (eq. (14)).

Equivariant to permuting antennas and users (shared per-edge maps, means); padded antennas and
users (``PrecodingProblem.antenna_mask``/``user_mask``) are excluded from every mean and get zero
precoders, so one trained model runs on any $N_t$ and $K$ (padded == unpadded, tested).

**Deep unfolding** (``UnfoldedDinkelbachWMMSE``, ``LinearUnfoldedWMMSE``). Both keep the
model-based structure — Dinkelbach (16)-(17) around WMMSE (21)-(24), every receiver (21) and
weight (22) in closed form — and learn only the precoder update (23), the step with a
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
zero. $\sigma$ is the identity by default — not only at initialization: our layer has no
activation, so the learned inverse is a polynomial in $M$ (the local linear approximation the
paper motivates), and the pooling includes the edge itself. The paper's $\sigma$ (ReLU, its only
named activation) and the pooling over $i' \ne i$, $j' \ne j$ of (33) are options
(``activation``, ``exclude_self``; D44, D97).

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

**Scaled MRT** (``ScaledMRT``): the smallest learned precoder, statistical MRT at a learned fraction
of the budget, $b = \mathrm{MRT}(v)\cdot\sqrt{\sigma(\theta)}$, i.e. transmit power $\sigma(\theta)P_{\max}$
with one trainable logit $\theta$. Trained on ``satjax.downlink.PrecodingTask``, it
learns the energy-efficient transmit power of MRT for the scenario distribution — a baseline,
and the proof that the trainer fits a system-B precoder end to end through the physics.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_int_range, check_nonnegative, check_positive
from satjax._types import ArrayLike, Bool, Complex, Float, Inexact, PRNGKeyArray
from satjax.downlink.precoders import project_to_budget, statistical_mrt
from satjax.downlink.problem import PrecodingProblem, energy_efficiency
from satjax.downlink.scenario import DownlinkScenario
from satjax.downlink.wmmse import dinkelbach_wmmse, wmmse_step
from satjax.nn.layers import MLP, Dense, check_finite_leaves, check_key, check_one_input, parameter_dtype
from satjax.optim.iterate import Unroll
from satjax.optim.matrix_inverse import newton_schulz_init

__all__ = ["EdgeGNN", "UnfoldedDinkelbachWMMSE", "LinearUnfoldedWMMSE", "ScaledMRT", "TaylorInverse", "TaylorLayer",
           "edge_features", "NUM_EDGE_FEATURES", "TAYLOR_ACTIVATIONS"]

# --- the models' input checks ---


def _checked(problem: Any, name: str = "problem", *, log_features: bool = False) -> PrecodingProblem:
    """``problem`` if it is one unbatched ``PrecodingProblem`` with finite inputs, a budget, noise
    and ``xi`` > 0 and ``gamma``, ``p_static_w`` >= 0 (``ValueError`` naming the field otherwise;
    values only when concrete). ``log_features``: also ``p_static_w`` > 0 and ``gamma`` > 0 on the
    real users (the edge GNN's features are their logarithms)."""
    check_one_input(name, problem, PrecodingProblem, "satjax.downlink.PrecodingProblem", leaf="v", axes="Nt K")
    check_finite_leaves(name, problem)
    for field in ("p_max_w", "noise_w", "xi"):
        check_positive(f"{name}.{field}", getattr(problem, field), "W" if field != "xi" else "")
    check_nonnegative(f"{name}.gamma", problem.gamma)
    check_nonnegative(f"{name}.p_static_w", problem.p_static_w, "W")
    if log_features:
        check_positive(f"{name}.p_static_w", problem.p_static_w, "W")
        check_positive(f"{name}.gamma of the real users", jnp.where(problem.users, problem.gamma, 1.0))
    return problem


class LearnedPrecoder(eqx.Module):
    """A learned precoder of system B: ``model(scenario, key=None) -> b [N_t, K]`` and
    ``model.precoders(problem)``, both on one drop (``vmap`` for a batch) and both checking their
    input first (one unbatched input of system B, finite values, positive budget)."""

    _log_features: ClassVar[bool] = False

    @abc.abstractmethod
    def _precoders(self, problem: PrecodingProblem) -> Complex[ArrayLike, "Nt K"]:
        ...

    def precoders(self, problem: Any) -> Complex[ArrayLike, "Nt K"]:
        """Precoders ``[N_t, K]`` (complex) for one ``PrecodingProblem``, within its budget."""
        return self._precoders(_checked(problem, log_features=self._log_features))

    def __call__(self, scenario: Any, key: PRNGKeyArray | None = None) -> Complex[ArrayLike, "Nt K"]:
        """Precoders ``[N_t, K]`` for one ``satjax.downlink.DownlinkScenario`` (the key is unused)."""
        check_one_input("scenario", scenario, DownlinkScenario, "satjax.downlink.DownlinkScenario",
                        leaf="nu_sat", axes="K")
        return self._precoders(_checked(scenario.problem, "scenario.problem", log_features=self._log_features))


# --- end-to-end edge GNN (Sec. III) ---

NUM_EDGE_FEATURES = 4


def edge_features(problem: Any) -> Float[ArrayLike, "Nt K 4"]:
    """Initial edge features ``[N_t, K, 4]``: Re/Im of $v_{nk}$ (eq. (11)), the user's
    full-power SNR in decades and the power-model ratio in decades (module docstring); zero on
    padded edges. ``problem``: one drop (checked like ``EdgeGNN.precoders``).

    Args:
        problem: the ``PrecodingProblem`` of one drop.

    Returns:
        ``[N_t, K, 4]`` edge features (dimensionless).
    """
    return _edge_features(_checked(problem, log_features=True))


def _edge_features(problem: PrecodingProblem) -> Float[ArrayLike, "Nt K 4"]:
    nt_real = jnp.sum(problem.antennas)
    k_real = jnp.sum(problem.users)
    snr = problem.p_max_w * problem.gamma * nt_real / (k_real * problem.noise_w)
    users = problem.users
    s = jnp.where(users, jnp.log10(jnp.where(users, snr, 1.0)), 0.0)
    e = jnp.log10(problem.xi * problem.p_max_w / problem.p_static_w)
    v = problem.v
    nt, k = v.shape
    feats = jnp.stack([jnp.real(v), jnp.imag(v), jnp.broadcast_to(s[None, :], (nt, k)),
                       jnp.broadcast_to(e, (nt, k))], axis=-1)
    valid = problem.antennas[:, None] & users[None, :]
    return jnp.where(valid[..., None], feats, 0).astype(problem.gamma.dtype)


def _mean_of_others(x, mask, axis):
    """Mean of ``x [N, K, H]`` over ``axis`` excluding each entry itself, over valid entries
    (``mask`` broadcast like ``x[..., 0]``); 0 where no other valid entry exists."""
    w = mask.astype(x.dtype)[..., None]
    total = jnp.sum(x * w, axis=axis, keepdims=True)
    count = jnp.sum(w, axis=axis, keepdims=True)
    return (total - x * w) / jnp.maximum(count - w, 1)


class EdgeLayer(eqx.Module):
    """One edge-update layer: aggregation (12) and combination (13)."""

    over_antennas: MLP          # MLP_1: messages from the other antennas of the same user
    over_users: MLP             # MLP_2: messages from the other users of the same antenna
    combine: MLP                # MLP_3

    def __init__(self, in_size: int, hidden: int, *, key: PRNGKeyArray, dtype=jnp.float32):
        k1, k2, k3 = jax.random.split(key, 3)
        self.over_antennas = MLP(in_size, hidden, hidden, key=k1, dtype=dtype)
        self.over_users = MLP(in_size, hidden, hidden, key=k2, dtype=dtype)
        self.combine = MLP(in_size + 2 * hidden, hidden, hidden, key=k3, dtype=dtype)

    def __call__(self, a: Float[ArrayLike, "Nt K F"], valid: Bool[ArrayLike, "Nt K"]) -> Float[ArrayLike, "Nt K H"]:
        d_ant = _mean_of_others(self.over_antennas(a), valid, axis=0)
        d_user = _mean_of_others(self.over_users(a), valid, axis=1)
        out = jax.nn.relu(self.combine(a, d_ant, d_user))
        return jnp.where(valid[..., None], out, 0)


class EdgeGNN(LearnedPrecoder):
    r"""Paper B's end-to-end edge GNN precoder (Sec. III): $L$ edge-update layers on the
    antenna–user graph, a linear readout to $b_{nk}$ and the normalization $\Pi$.

    A ``satjax.policies.Policy`` for system B: ``model(scenario, key=None) -> b [N_t, K]``
    (complex; $\sum_k\|b_k\|^2 \le P_{\max}$). ``precoders`` takes the problem directly.
    Works on one scenario (``vmap`` for batches) of any size.

    Arguments:
        hidden: width of every edge state and MLP hidden layer (paper: 64).
        num_layers: edge-update layers $L$ (>= 1; ours 3, the paper's Sec. V one graph layer).
        readout_hidden: 0 (ours): a linear readout to $(\mathrm{Re}, \mathrm{Im})\,b_{nk}$;
            $H > 0$: the paper's "two-layer MLP with ReLU" after the graph layer,
            Linear–ReLU–Linear with $H$ hidden units (paper: 64). The paper option is
            ``num_layers=1, readout_hidden=64`` (``conf/model/edge_gnn_paper.yaml``).
        key: PRNG key for the initialization.
    """

    layers: tuple[EdgeLayer, ...]
    readout: Dense | MLP
    hidden: int = eqx.field(static=True)
    _log_features: ClassVar[bool] = True

    def __init__(self, *, hidden: int = 64, num_layers: int = 3, readout_hidden: int | Any = 0, key: Any,
                 dtype=jnp.float32):
        self.check_settings(hidden=hidden, num_layers=num_layers, readout_hidden=readout_hidden)
        dtype = parameter_dtype(dtype)
        check_key("key", key)
        keys = jax.random.split(key, num_layers + 1)
        sizes = [NUM_EDGE_FEATURES] + [hidden] * num_layers
        self.layers = tuple(EdgeLayer(sizes[i], hidden, key=keys[i], dtype=dtype) for i in range(num_layers))
        self.readout = (Dense(hidden, 2, key=keys[-1], dtype=dtype) if readout_hidden == 0
                        else MLP(hidden, readout_hidden, 2, key=keys[-1], dtype=dtype))
        self.hidden = hidden

    @staticmethod
    def check_settings(*, hidden: int, num_layers: int, readout_hidden: int | Any = 0, **_) -> None:
        """Setting checks (``ValueError`` naming the setting), also used by the config schema."""
        check_int_range("hidden", hidden, 1)
        check_int_range("num_layers", num_layers, 1)
        check_int_range("readout_hidden", readout_hidden, 0)

    def _precoders(self, problem: PrecodingProblem) -> Complex[ArrayLike, "Nt K"]:
        valid = problem.antennas[:, None] & problem.users[None, :]
        a = _edge_features(problem)
        for layer in self.layers:
            a = layer(a, valid)
        out = self.readout(a)                                                  # [Nt, K, 2]
        b = jax.lax.complex(out[..., 0], out[..., 1]).astype(problem.v.dtype)
        return project_to_budget(jnp.where(valid, b, 0), problem.p_max_w)


# --- deep unfolding (Sec. IV) ---


def _check_taylor_options(activation: Any, exclude_self: Any) -> None:
    if not isinstance(activation, str) or activation not in TAYLOR_ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(TAYLOR_ACTIVATIONS)}, got {activation!r}")
    if not isinstance(exclude_self, bool):
        raise ValueError(f"exclude_self must be True or False, got {exclude_self!r}")


def _as_channels(z: Inexact[ArrayLike, "..."]) -> Float[ArrayLike, "... 2"]:
    return jnp.stack([jnp.real(z), jnp.imag(z)], axis=-1)


def _as_complex(x: Float[ArrayLike, "... 2"], dtype) -> Complex[ArrayLike, "..."]:
    return jax.lax.complex(x[..., 0], x[..., 1]).astype(dtype)


#: The activations $\sigma$ of eqs. (31)/(33) a ``TaylorLayer`` can apply to the (Re, Im) channels:
#: ``"identity"`` (ours, D44) or ``"relu"`` (the paper's only named activation, Algorithm 1 / Sec. V).
TAYLOR_ACTIVATIONS = {"identity": lambda x: x, "relu": jax.nn.relu}


class TaylorLayer(eqx.Module):
    r"""One edge-update layer of eq. (31)/(33) on the antenna–antenna graph (module docstring).

    ``c``, ``s``, ``d``: ``[2, 2, 2]`` — for the two components of $g$ (``F``, ``FMF``), a
    real 2 × 2 matrix acting on (Re, Im). ``activation``: $\sigma$, a name in
    ``TAYLOR_ACTIVATIONS``, applied to each real channel. ``exclude_self``: pool over the other
    rows/columns only, $i' \ne i$ and $j' \ne j$, as in (33) (``False``: over all, ours, D44)."""

    c: Float[ArrayLike, "2 2 2"]
    s: Float[ArrayLike, "2 2 2"]
    d: Float[ArrayLike, "2 2 2"]
    activation: str = eqx.field(static=True)
    exclude_self: bool = eqx.field(static=True)

    def __init__(self, dtype=jnp.float32, *, activation: str | Any = "identity", exclude_self: bool | Any = False):
        _check_taylor_options(activation, exclude_self)
        eye = jnp.eye(2, dtype=parameter_dtype(dtype))
        self.c = jnp.stack([2 * eye, -eye])             # Newton–Schulz: F <- 2F - FMF
        self.s = jnp.zeros((2, 2, 2), dtype)
        self.d = jnp.zeros((2, 2, 2), dtype)
        self.activation, self.exclude_self = activation, exclude_self

    def __call__(self, f: Complex[ArrayLike, "N N"], m: Complex[ArrayLike, "N N"],
                 mask: ArrayLike | None = None) -> Complex[ArrayLike, "N N"]:
        g = jnp.stack([_as_channels(f), _as_channels(f @ m @ f)], axis=-2)     # [N, N, 2 (F, FMF), 2 (re, im)]
        n = f.shape[0]
        if mask is None:
            mask = jnp.ones((n,), bool)
        w = mask.astype(g.dtype)
        valid = mask[:, None] & mask[None, :]
        if self.exclude_self:                       # (33): i' != i, j' != j (g is zero off the real antennas)
            g = jnp.where(valid[..., None, None], g, 0)
            count = jnp.maximum(jnp.sum(w) - 1, 1)
            over_rows = (jnp.sum(g, axis=0, keepdims=True) - g) / count           # mean over i' != i of g_{i'j}
            over_cols = (jnp.sum(g, axis=1, keepdims=True) - g) / count           # mean over j' != j of g_{ij'}
        else:
            count = jnp.maximum(jnp.sum(w), 1)
            over_rows = (jnp.einsum("ijab,i->jab", g, w) / count)[None]          # mean over i' of g_{i'j}
            over_cols = (jnp.einsum("ijab,j->iab", g, w) / count)[:, None]       # mean over j' of g_{ij'}
        out = (jnp.einsum("ijab,aeb->ije", g, self.c) + jnp.einsum("ijab,aeb->ije", over_rows, self.s)
               + jnp.einsum("ijab,aeb->ije", over_cols, self.d))
        out = TAYLOR_ACTIVATIONS[self.activation](out)
        return jnp.where(valid, _as_complex(out, f.dtype), 0)


class TaylorInverse(eqx.Module):
    r"""The learned precoder update of the GNN deep unfolding: $B = \Pi(F^{(L)} R)$ with
    $F^{(L)} \approx (A + cI)^{-1}$ from ``num_layers`` ``TaylorLayer`` s (one set of
    parameters per layer, or one shared by all). Called as the ``update`` of
    ``satjax.downlink.wmmse_step``."""

    layers: tuple[TaylorLayer, ...]
    num_layers: int = eqx.field(static=True)
    share_layers: bool = eqx.field(static=True)

    def __init__(self, num_layers: int, share_layers: bool = False, dtype=jnp.float32, *,
                 activation: str | Any = "identity", exclude_self: bool | Any = False):
        check_int_range("num_layers", num_layers, 1)
        dtype = parameter_dtype(dtype)
        self.num_layers, self.share_layers = num_layers, bool(share_layers)
        options = {"activation": activation, "exclude_self": exclude_self}
        self.layers = ((TaylorLayer(dtype, **options),) if share_layers
                       else tuple(TaylorLayer(dtype, **options) for _ in range(num_layers)))

    def inverse(self, m: Complex[ArrayLike, "N N"], mask: ArrayLike | None = None) -> Complex[ArrayLike, "N N"]:
        f = newton_schulz_init(m)
        for i in range(self.num_layers):
            f = self.layers[0 if self.share_layers else i](f, m, mask)
        return f

    def __call__(self, a, r, c, p_max, antenna_mask=None):
        m = a + c.astype(a.dtype) * jnp.eye(a.shape[-1], dtype=a.dtype)
        return project_to_budget(self.inverse(m, antenna_mask) @ r, p_max)


class UnfoldedDinkelbachWMMSE(LearnedPrecoder):
    r"""Paper B's GNN deep unfolding (Algorithm 2): ``num_outer`` Dinkelbach updates around
    ``num_inner`` WMMSE steps each (``lax.scan``, differentiable; ``checkpoint`` rematerializes
    every step in the backward pass so memory stays bounded), the inverse of eq. (23) replaced by
    the learned ``TaylorInverse`` of ``num_layers`` layers. Untrained, it is the unrolled
    Dinkelbach-WMMSE with the Newton–Schulz inverse (module docstring).

    A ``satjax.policies.Policy`` for system B: ``model(scenario, key=None) -> b [N_t, K]``.
    Its parameters do not depend on $N_t$ or $K$: one model serves every size.

    Options (defaults ours; the paper's layers as written are ``activation="relu"``,
    ``exclude_self=True``, ``restart=True``, ``conf/model/unfolded_wmmse_paper.yaml``):
    ``activation`` is $\sigma$ of (31)/(33) (``TAYLOR_ACTIVATIONS``: ``"identity"``, ours, or
    ``"relu"``); ``exclude_self`` pools over $i' \ne i$, $j' \ne j$ as (33) does;
    ``restart`` runs Algorithm 2 as printed ($\rho_0 = 0$, precoders re-initialised at
    statistical MRT before every Dinkelbach update; ``dinkelbach_wmmse(restart=True)``).
    """

    inverse: TaylorInverse
    num_outer: int = eqx.field(static=True)
    num_inner: int = eqx.field(static=True)
    checkpoint: bool = eqx.field(static=True)
    restart: bool = eqx.field(static=True)

    def __init__(self, *, num_outer: int = 3, num_inner: int = 5, num_layers: int = 4, share_layers: bool = False,
                 checkpoint: bool = True, activation: str | Any = "identity", exclude_self: bool | Any = False,
                 restart: bool | Any = False, key: PRNGKeyArray | None = None, dtype=jnp.float32):
        self.check_settings(num_outer=num_outer, num_inner=num_inner, num_layers=num_layers, activation=activation,
                            exclude_self=exclude_self, restart=restart)
        self.inverse = TaylorInverse(num_layers, share_layers, dtype, activation=activation, exclude_self=exclude_self)
        self.num_outer, self.num_inner, self.checkpoint = num_outer, num_inner, bool(checkpoint)
        self.restart = restart

    @staticmethod
    def check_settings(*, num_outer: int, num_inner: int, num_layers: int, activation: str | Any = "identity",
                       exclude_self: bool | Any = False, restart: bool | Any = False, **_) -> None:
        """Setting checks (``ValueError`` naming the setting), also used by the config schema."""
        check_int_range("num_outer", num_outer, 1)
        check_int_range("num_inner", num_inner, 1)
        check_int_range("num_layers", num_layers, 1)
        _check_taylor_options(activation, exclude_self)
        if not isinstance(restart, bool):
            raise ValueError(f"restart must be True or False, got {restart!r}")

    def _precoders(self, problem: PrecodingProblem) -> Complex[ArrayLike, "Nt K"]:
        b, _, _ = dinkelbach_wmmse(problem, mode=Unroll(self.num_outer, checkpoint=self.checkpoint),
                                   inner=Unroll(self.num_inner, checkpoint=self.checkpoint), update=self.inverse,
                                   restart=self.restart)
        return b


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
        dtype = parameter_dtype(dtype)
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


class LinearUnfoldedWMMSE(LearnedPrecoder):
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

    def _precoders(self, problem: PrecodingProblem) -> Complex[ArrayLike, "Nt K"]:
        if problem.v.shape != (self.num_antennas, self.num_users):
            raise ValueError(f"this LinearUnfoldedWMMSE was built for N_t = {self.num_antennas}, K = {self.num_users}; "
                             f"the scenario has N_t x K = {problem.v.shape}")
        b = statistical_mrt(problem.v, problem.p_max_w)
        for layer in self.layers:
            b = wmmse_step(b, problem, energy_efficiency(problem, b), update=layer)
        return b


# --- scaled MRT ---


class ScaledMRT(LearnedPrecoder):
    """Statistical MRT at power $\\sigma(\\theta) P_{\\max}$ (one parameter, ``logit`` = θ).

    A ``satjax.policies.Policy`` for system B: ``model(scenario, key) -> b [N_t, K]``.

    Arguments:
        power_fraction: initial fraction of the budget, in (0, 1).
    """

    logit: Float[ArrayLike, ""]

    def __init__(self, power_fraction: float = 0.5, *, key: PRNGKeyArray | None = None, dtype=jnp.float32):
        if isinstance(power_fraction, bool) or not isinstance(power_fraction, (int, float)) or not 0 < power_fraction < 1:
            raise ValueError(f"power_fraction must be in (0, 1), got {power_fraction!r}")
        self.logit = jnp.asarray(jnp.log(power_fraction / (1 - power_fraction)), parameter_dtype(dtype))

    def power_fraction(self) -> Float[ArrayLike, ""]:
        return jax.nn.sigmoid(self.logit)

    def _precoders(self, problem: PrecodingProblem) -> Complex[ArrayLike, "Nt K"]:
        return statistical_mrt(problem.v, self.power_fraction().astype(problem.p_max_w.dtype) * problem.p_max_w)

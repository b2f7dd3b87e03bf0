r"""End-to-end edge GNN precoder of paper B, Sec. III (eqs. (11)-(15), Algorithm 1).

The graph is the complete bipartite antenna–user graph; every edge ``(n, k)`` carries a feature
vector, initially (eq. (11)) $[\mathrm{Re}\,v_{nk}, \mathrm{Im}\,v_{nk}]$ plus what the loss
needs to know about user k and the power model (ours, docs/deviations.md D42):

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
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_int_range
from satjax._types import ArrayLike, Bool, Complex, Float, PRNGKeyArray
from satjax.downlink.precoders import project_to_budget
from satjax.downlink.problem import PrecodingProblem
from satjax.downlink.scenario import DownlinkScenario
from satjax.nn.layers import MLP, Dense

__all__ = ["EdgeGNN", "edge_features", "NUM_EDGE_FEATURES"]

NUM_EDGE_FEATURES = 4


def edge_features(problem: PrecodingProblem) -> Float[ArrayLike, "Nt K 4"]:
    """Initial edge features ``[N_t, K, 4]``: Re/Im of $v_{nk}$ (eq. (11)), the user's
    full-power SNR in decades and the power-model ratio in decades (module docstring); zero on
    padded edges."""
    nt_real = jnp.sum(problem.antennas)
    k_real = jnp.sum(problem.users)
    snr = problem.p_max * problem.gamma * nt_real / (k_real * problem.noise)
    users = problem.users
    s = jnp.where(users, jnp.log10(jnp.where(users, snr, 1.0)), 0.0)
    e = jnp.log10(problem.xi * problem.p_max / problem.p_static_w)
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


class EdgeGNN(eqx.Module):
    r"""Paper B's end-to-end edge GNN precoder (Sec. III): $L$ edge-update layers on the
    antenna–user graph, a linear readout to $b_{nk}$ and the normalization $\Pi$.

    A ``satjax.policies.Policy`` for system B: ``model(scenario, key=None) -> b [N_t, K]``
    (complex; $\sum_k\|b_k\|^2 \le P_{\max}$). ``precoders`` takes the problem directly.
    Works on one scenario (``vmap`` for batches) of any size.

    Arguments:
        hidden: width of every edge state and MLP hidden layer (paper: 64).
        num_layers: edge-update layers $L$ (>= 1).
        key: PRNG key for the initialization.
    """

    layers: tuple[EdgeLayer, ...]
    readout: Dense
    hidden: int = eqx.field(static=True)

    def __init__(self, *, hidden: int = 64, num_layers: int = 3, key: PRNGKeyArray, dtype=jnp.float32):
        self.check_settings(hidden=hidden, num_layers=num_layers)
        keys = jax.random.split(key, num_layers + 1)
        sizes = [NUM_EDGE_FEATURES] + [hidden] * num_layers
        self.layers = tuple(EdgeLayer(sizes[i], hidden, key=keys[i], dtype=dtype) for i in range(num_layers))
        self.readout = Dense(hidden, 2, key=keys[-1], dtype=dtype)
        self.hidden = hidden

    @staticmethod
    def check_settings(*, hidden: int, num_layers: int) -> None:
        """Setting checks (``ValueError`` naming the setting), also used by the config schema."""
        check_int_range("hidden", hidden, 1)
        check_int_range("num_layers", num_layers, 1)

    def precoders(self, problem: PrecodingProblem) -> Complex[ArrayLike, "Nt K"]:
        """Precoders ``[N_t, K]`` for ``problem``, within the budget (eq. (14))."""
        valid = problem.antennas[:, None] & problem.users[None, :]
        a = edge_features(problem)
        for layer in self.layers:
            a = layer(a, valid)
        out = self.readout(a)                                                  # [Nt, K, 2]
        b = jax.lax.complex(out[..., 0], out[..., 1]).astype(problem.v.dtype)
        return project_to_budget(jnp.where(valid, b, 0), problem.p_max)

    def __call__(self, scenario: DownlinkScenario, key: PRNGKeyArray | None = None) -> Complex[ArrayLike, "Nt K"]:
        return self.precoders(scenario.problem)

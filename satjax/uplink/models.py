r"""System A's learned model: SHGNN, the satellite heterogeneous graph neural network of paper A,
Sec. V (eqs. (45)-(50)).

The heterogeneous wireless interference graph (HWIG) has three vertex types — APs, users and the
satellite — and two edge types: AP–user (every pair) and satellite–user (every user). Both are
complete, so message passing is written with dense, masked array operations: an AP–user message
tensor is ``[M, K, H]`` and pooling is a masked mean over one of its axes. Padded users/APs
(mask False) send nothing and their outputs are zero, so one model serves every K ≤ K_max and
M ≤ M_max, including sizes never seen in training.

Features (Sec. V-C.1):

* user vertices start from $P_{\max,k}$ [W]; APs and the satellite from 1;
* AP–user edges: $\beta_{mk}$ in dB relative to the AP noise, standardized
  (``(10 log10(beta/sigma_a^2) - mean) / std``);
* satellite–user edges, selectable (``sat_features``):

  - ``"raw"``: eq. (47), $[\mathrm{Re}\,\bar g_k, \mathrm{Im}\,\bar g_k, \mathrm{Re\,vec}\,R_k,
    \mathrm{Im\,vec}\,R_k]$ — ``2N + 2N^2`` numbers, in noise units ($\bar g_k/\sigma_s$,
    $N R_k/\sigma_s^2$, so entries are O(1));
  - ``"compact"``: the two per-user satellite statistics that enter Theorem 1's desired-signal
    term, $\|\bar g_k\|^2/\sigma_s^2$ and $\mathrm{tr}\,\Psi_k/\sigma_s^2$ (the LoS and
    estimated-scattering powers), in dB and standardized — 2 numbers.

Message inputs follow the general HetGNN aggregation (45), $q_1(d_n, e_{mn})$ with the
*neighbour's* state $d_n$. Eqs. (48) and (50) as printed feed the receiving vertex's own
state instead, which would leave APs' and users' states unconnected (no vertex would ever see
another vertex's state); see docs/deviations.md D21.

Cost: every message MLP is Linear–ReLU–Linear and the pooling is a mean, so the last Linear is
applied after pooling (``mean(W relu(z) + b) = W mean(relu(z)) + b``, exact), and the first
Linear of a concatenation is a sum of Linears (the neighbour part computed once per vertex).
Per AP–user edge and layer this leaves O(H) work instead of O(H^2).
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_choice, check_int_range, check_nonnegative, check_shape
from satjax._types import ArrayLike, Bool, Float, PRNGKeyArray, Real
from satjax.nn.layers import MLP, Dense, check_finite_leaves, check_key, check_one_input, parameter_dtype
from satjax.uplink.pilots import pilot_sharing
from satjax.uplink.scenario import UplinkScenario
from satjax.uplink.statistics import ChannelStats

__all__ = ["AP_FEATURES", "SAT_FEATURES", "GraphInputs", "SHGNN", "graph_inputs"]

#: Satellite–user edge feature sets (see the module docstring).
SAT_FEATURES = ("raw", "compact")
#: AP–user edge feature sets: beta alone (paper), or with the pilot-contamination ratio gamma/beta.
AP_FEATURES = ("beta", "beta_contamination")

#: Standardization of the dB edge features, measured on 10^4 drops of the default paper-A
#: scenario (K = 30): 10 log10(beta/sigma_a^2) has mean 6.1 dB and std 13.2 dB; the compact
#: satellite features 10 log10(||g_bar||^2/sigma_s^2) 9.2 ± 3.0 dB and 10 log10(tr Psi/sigma_s^2)
#: -5.1 ± 5.0 dB (docs/deviations.md D22). They only condition the inputs; any scenario works.
AP_DB_MEAN, AP_DB_STD = 6.0, 13.0
SAT_DB_MEAN, SAT_DB_STD = (9.0, -14.7), (3.0, 3.0)


def _safe_db(x, mask):
    """10 log10(x) where mask, 0 elsewhere (no -inf or NaN gradient from padded zeros)."""
    return jnp.where(mask, 10 * jnp.log10(jnp.where(mask, x, 1)), 0)


class GraphInputs(eqx.Module):
    """The HWIG of one scenario, as dense padded arrays.

    Attributes:
        ap_user: ``[M, K, E]`` AP–user edge features (E = 1, or 2 with contamination).
        sat_user: ``[K, F]`` satellite–user edge features (F = 2N + 2N^2 raw, 3 compact).
        p_max_w: ``[K]`` user budgets [W] (user vertex input, and the output scale).
        user_mask: ``[K]`` bool.
        ap_mask: ``[M]`` bool.
    """

    ap_user: Float[ArrayLike, "M K E"]
    sat_user: Float[ArrayLike, "K F"]
    p_max_w: Float[ArrayLike, " K"]
    user_mask: Bool[ArrayLike, " K"]
    ap_mask: Bool[ArrayLike, " M"]


def _contamination(power, pilot, user_mask, ptau, noise):
    r"""Pilot-contamination ratio $p\tau_p x_k / (p\tau_p \sum_{k' \in P_k} x_{k'} + \sigma^2)$
    per user (last axis) for per-user powers ``x`` — the MMSE gain $\gamma/\beta$ of eq. (8)
    for an AP; for the satellite the same ratio of per-antenna powers tr R / N."""
    sharing = pilot_sharing(pilot, user_mask).astype(power.dtype)
    return ptau * power / (ptau * power @ sharing + noise)


def _check_model_inputs(stats: Any, p_max: ArrayLike, *, prefix: str = "", budget: str = "p_max") -> None:
    """The checks of every SHGNN entry point (``ValueError`` naming the argument): one unbatched
    ``ChannelStats`` (``vmap`` for a batch), ``p_max`` of shape ``[K]``, every floating input
    finite and the budgets >= 0 (named ``budget`` in the messages). Values are checked only when
    concrete (under ``jit`` a NaN stays a NaN in the powers)."""
    check_one_input(f"{prefix}stats", stats, ChannelStats, "satjax.uplink.ChannelStats", leaf="beta_ap", axes="M K")
    check_shape(budget, p_max, (stats.beta_ap.shape[1],))
    check_finite_leaves(f"{prefix}stats", stats)
    check_nonnegative(budget, p_max, "W")


def graph_inputs(stats: Any, p_max: Real[ArrayLike, " K"], sat_features: str = "compact",
                 ap_features: str = "beta") -> GraphInputs:
    """Vertex and edge features of Sec. V-C.1 from one scenario's statistics (see module docs).

    Args:
        stats: one drop's ``ChannelStats`` (``M`` APs, ``K`` users, ``N`` satellite antennas).
        p_max: ``[K]`` user budgets [W], >= 0.
        sat_features: ``"raw"`` or ``"compact"``.
        ap_features: ``"beta"`` or ``"beta_contamination"``.

    Returns:
        ``GraphInputs`` (dense, padded arrays; zero on padded users and APs).
    """
    check_choice("sat_features", sat_features, SAT_FEATURES)
    check_choice("ap_features", ap_features, AP_FEATURES)
    _check_model_inputs(stats, p_max)
    return _graph_inputs(stats, p_max, sat_features, ap_features)


def _graph_inputs(stats: ChannelStats, p_max, sat_features: str, ap_features: str) -> GraphInputs:
    rdt = stats.beta_ap.dtype
    valid = stats.ap_mask[:, None] & stats.user_mask[None, :]
    ptau = stats.pilot_power * stats.tau_p
    ap_db = _safe_db(stats.beta_ap / stats.noise_ap, valid)
    ap = [(ap_db - AP_DB_MEAN) / AP_DB_STD]
    if ap_features == "beta_contamination":
        ap.append(_contamination(stats.beta_ap, stats.pilot, stats.user_mask, ptau, stats.noise_ap))
    ap_user = jnp.where(valid[..., None], jnp.stack(ap, axis=-1), 0)
    um = stats.user_mask[:, None]
    n = stats.num_antennas
    if sat_features == "raw":
        g = stats.g_bar / jnp.sqrt(stats.noise_sat).astype(stats.g_bar.dtype)
        r = (n * stats.r_sat / stats.noise_sat.astype(stats.r_sat.dtype)).reshape(stats.num_users, n * n)
        sat = jnp.concatenate([g.real, g.imag, r.real, r.imag], axis=-1).astype(rdt)
    else:
        los = jnp.sum(jnp.abs(stats.g_bar) ** 2, axis=-1) / stats.noise_sat
        scatter = jnp.real(jnp.trace(stats.r_sat, axis1=-2, axis2=-1)) / n
        db = jnp.stack([_safe_db(los, stats.user_mask), _safe_db(scatter / stats.noise_sat, stats.user_mask)], -1)
        db = (db - jnp.asarray(SAT_DB_MEAN, rdt)[None, :]) / jnp.asarray(SAT_DB_STD, rdt)[None, :]
        q = _contamination(scatter, stats.pilot, stats.user_mask, ptau, stats.noise_sat)
        sat = jnp.concatenate([db, q[:, None]], axis=-1)
    return GraphInputs(ap_user=ap_user.astype(rdt), sat_user=jnp.where(um, sat, 0).astype(rdt),
                       p_max_w=jnp.where(stats.user_mask, p_max, 0).astype(rdt),
                       user_mask=stats.user_mask, ap_mask=stats.ap_mask)


class PooledMessage(eqx.Module):
    r"""$\mathrm{MEAN}_n\,\mathrm{MLP}(e_{mn}, d_n)$ over a complete bipartite edge set, with
    the pooled-after-last-Linear form (exact; see the module docstring)."""

    edge: Dense
    state: Dense
    outer: Dense

    def __init__(self, edge_size: int, state_size: int, hidden: int, *, key: PRNGKeyArray, dtype=jnp.float32):
        k1, k2, k3 = jax.random.split(key, 3)
        # The first Linear on [e, d] as two column blocks (initialized like the joint Linear).
        fan_in = edge_size + state_size
        self.edge = Dense(edge_size, hidden, key=k1, dtype=dtype, fan_in=fan_in)
        self.state = Dense(state_size, hidden, key=k2, dtype=dtype, fan_in=fan_in, bias=False)
        self.outer = Dense(hidden, hidden, key=k3, dtype=dtype)

    def __call__(self, edges, states, mask, axis: int):
        """``edges [M, K, E]``; ``states`` of the neighbours, ``[K, D]`` (pool over users,
        ``axis=1``) or ``[M, D]`` (pool over APs, ``axis=0``); ``mask`` of the neighbours."""
        s = self.state(states)
        s = s[None] if axis == 1 else s[:, None]
        # finite everywhere: graph_inputs zeroes padded features, so masked entries are finite and
        # a zero weight gives them zero value and zero gradient
        h = jax.nn.relu(self.edge(edges) + s)                                   # [M, K, H]
        w = mask.astype(h.dtype)
        w = w / jnp.maximum(jnp.sum(w), 1)                                      # mean over valid neighbours
        # The masked mean as a contraction with the weights (a dot): XLA:CPU then reads the [M, K, H]
        # activations once, instead of materializing a broadcast mask of the same size (2x faster).
        pooled = jnp.einsum("mkh,k->mh", h, w) if axis == 1 else jnp.einsum("mkh,m->kh", h, w)
        return self.outer(pooled)


class SHGNNLayer(eqx.Module):
    """One HetGNN layer: the three update parts (48) APs, (49) satellite, (50) users; all from
    the previous layer's states (synchronous update). The last layer of a model updates the
    users only (``users_only``): its AP and satellite states would feed nothing."""

    ap_aggregate: PooledMessage | None       # MLP1
    ap_combine: MLP | None                   # MLP2
    sat_message: PooledMessage | None        # MLP3 (pooled over users)
    sat_combine: MLP | None                  # MLP4
    user_from_aps: PooledMessage             # MLP5
    user_from_sat: MLP                       # MLP6
    user_combine: MLP                        # MLP7

    def __init__(self, ap_size: int, sat_size: int, user_size: int, ap_edge: int, sat_edge: int, hidden: int,
                 *, key: PRNGKeyArray, dtype=jnp.float32, users_only: bool = False):
        k = jax.random.split(key, 7)                 # the same keys with or without the AP/satellite parts
        h = hidden
        if users_only:
            self.ap_aggregate = self.ap_combine = self.sat_message = self.sat_combine = None
        else:
            self.ap_aggregate = PooledMessage(ap_edge, user_size, h, key=k[0], dtype=dtype)
            self.ap_combine = MLP(ap_size + h, h, h, key=k[1], dtype=dtype)
            self.sat_message = PooledMessage(sat_edge, user_size, h, key=k[2], dtype=dtype)
            self.sat_combine = MLP(sat_size + h, h, h, key=k[3], dtype=dtype)
        self.user_from_aps = PooledMessage(ap_edge, ap_size, h, key=k[4], dtype=dtype)
        self.user_from_sat = MLP(sat_edge + sat_size, h, h, key=k[5], dtype=dtype)
        self.user_combine = MLP(user_size + 2 * h, h, h, key=k[6], dtype=dtype)

    def __call__(self, b, s, u, g: GraphInputs):
        """``b [M, D]`` APs, ``s [D]`` satellite, ``u [K, D]`` users -> the same with D = hidden
        (``b`` and ``s`` come back unchanged in a users-only layer)."""
        a_user_ap = self.user_from_aps(g.ap_user, b, g.ap_mask, axis=0)                     # (50)
        a_user_sat = self.user_from_sat(g.sat_user, jnp.broadcast_to(s, (u.shape[0], s.shape[-1])))
        u_new = jax.nn.relu(self.user_combine(u, a_user_ap, a_user_sat))
        if self.ap_aggregate is None:
            return b, s, u_new
        a_ap = self.ap_aggregate(g.ap_user, u, g.user_mask, axis=1)                         # (48)
        b_new = jax.nn.relu(self.ap_combine(b, a_ap))
        a_sat = self.sat_message(g.sat_user[None], u, g.user_mask, axis=1)[0]             # (49)
        s_new = jax.nn.relu(self.sat_combine(s, a_sat))
        return b_new, s_new, u_new


class SHGNN(eqx.Module):
    r"""Paper A's SHGNN: D HetGNN layers then $p^* = P_{\max} \odot \sigma(\mathrm{MLP8}(u^{(D)}))$.

    Satisfies the ``satjax.policies.Policy`` protocol: ``model(scenario, key) -> powers [K]``
    (the key is unused; the model is deterministic). ``powers`` takes the statistics directly.
    Works on one scenario; ``vmap`` for batches. Sizes (K, M) come from the inputs: the same
    parameters run on any number of users and APs.

    Arguments:
        num_antennas: satellite antennas N (fixes the raw feature size 2N + 2N^2).
        hidden: width H of every vertex state and MLP hidden layer.
        num_layers: number of HetGNN layers D (>= 1).
        sat_features: ``"raw"`` (eq. (47)) or ``"compact"``.
        key: PRNG key for the initialization.
    """

    layers: tuple[SHGNNLayer, ...]
    readout: MLP                                    # MLP8
    num_antennas: int = eqx.field(static=True)
    hidden: int = eqx.field(static=True)
    sat_features: str = eqx.field(static=True)
    ap_features: str = eqx.field(static=True)

    def __init__(self, num_antennas: int, *, hidden: int = 64, num_layers: int = 3, sat_features: str = "compact",
                 ap_features: str = "beta", key: Any, dtype=jnp.float32):
        check_int_range("num_antennas", num_antennas, 1)
        self.check_settings(hidden=hidden, num_layers=num_layers, sat_features=sat_features, ap_features=ap_features)
        dtype = parameter_dtype(dtype)
        check_key("key", key)
        self.num_antennas, self.hidden, self.sat_features = num_antennas, hidden, sat_features
        self.ap_features = ap_features
        sat_edge = 2 * num_antennas + 2 * num_antennas**2 if sat_features == "raw" else 3
        ap_edge = 2 if ap_features == "beta_contamination" else 1
        keys = jax.random.split(key, num_layers + 1)
        layers, d = [], 1
        for i in range(num_layers):
            layers.append(SHGNNLayer(d, d, d, ap_edge, sat_edge, hidden, key=keys[i], dtype=dtype,
                                     users_only=i == num_layers - 1))
            d = hidden
        self.layers = tuple(layers)
        self.readout = MLP(hidden, hidden, 1, key=keys[-1], dtype=dtype)

    @staticmethod
    def check_settings(*, hidden: int, num_layers: int, sat_features: str, ap_features: str) -> None:
        """The model's setting checks (``ValueError`` naming the setting), also used by the config
        schema so a rule lives in one place."""
        check_int_range("hidden", hidden, 1)
        check_int_range("num_layers", num_layers, 1)
        check_choice("sat_features", sat_features, SAT_FEATURES)
        check_choice("ap_features", ap_features, AP_FEATURES)

    def _check(self, stats: Any, p_max, prefix: str = "", budget: str = "p_max") -> None:
        _check_model_inputs(stats, p_max, prefix=prefix, budget=budget)
        if stats.num_antennas != self.num_antennas and self.sat_features == "raw":
            raise ValueError(f"the scenario has N = {stats.num_antennas} satellite antennas; this raw-feature "
                             f"SHGNN was built for num_antennas = {self.num_antennas}")

    def inputs(self, stats: Any, p_max: Real[ArrayLike, " K"]) -> GraphInputs:
        """The model's ``GraphInputs`` for one drop (``graph_inputs`` with the model's feature sets)."""
        self._check(stats, p_max)
        return _graph_inputs(stats, p_max, self.sat_features, self.ap_features)

    def powers(self, stats: Any, p_max: Real[ArrayLike, " K"]) -> Float[ArrayLike, " K"]:
        """Transmit powers ``[K]`` in ``[0, p_max]`` [W]; 0 for padded users.

        Args:
            stats: one drop's ``ChannelStats`` (``vmap`` for a batch).
            p_max: ``[K]`` user budgets [W], >= 0.
        """
        self._check(stats, p_max)
        return self._powers(stats, p_max)

    def _powers(self, stats: ChannelStats, p_max) -> Float[ArrayLike, " K"]:
        g = _graph_inputs(stats, p_max, self.sat_features, self.ap_features)
        dt = g.ap_user.dtype
        b = jnp.ones((g.ap_mask.shape[0], 1), dt)
        s = jnp.ones((1,), dt)
        u = g.p_max_w[:, None]
        for layer in self.layers:
            b, s, u = layer(b, s, u, g)
        out = jax.nn.sigmoid(self.readout(u)[:, 0]) * g.p_max_w
        return jnp.where(g.user_mask, out, 0)

    def __call__(self, scenario: Any, key: PRNGKeyArray | None = None) -> Float[ArrayLike, " K"]:
        """Powers ``[K]`` [W] for one ``satjax.uplink.UplinkScenario`` (``vmap`` for a batch)."""
        check_one_input("scenario", scenario, UplinkScenario, "satjax.uplink.UplinkScenario", leaf="p_max_w", axes="K")
        self._check(scenario.stats, scenario.p_max_w, prefix="scenario.", budget="scenario.p_max_w")
        return self._powers(scenario.stats, scenario.p_max_w)

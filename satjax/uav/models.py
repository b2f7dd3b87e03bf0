r"""System C's learned model, ``UavGNN``: a resource-allocation policy (beyond paper C, which has no
learned method; docs/deviations.md D68).

The subchannel assignment is that of the BCD's initial point (``satjax.uav.initial_point``:
every subchannel to the user with the largest deterministic-equivalent rate at equal power). The
model chooses the powers $p_{g,l,n}$ and hovering times $\tau_g$.

**Graph.** One vertex per (slot g, UAV l, subchannel n), fully connected along each of the three
axes (the UAV–subchannel graph of every slot, slots linked through their shared budgets). The
input features are dimensionless and log-scaled, from the large-scale CSI only
(``uav_features``):

* $\log_{10}(1 + \lambda_{g,k(g,n),l,n} P_{max}/\sigma^2)$ — the link to the user the
  subchannel is assigned to, at full power;
* $\log_{10}(1 + \sum_m y_{g,m,n}\phi_{g,m,l,n} P_{max}/I_{th})$ — the leakage to the
  satellite users at full power, relative to the threshold;

  both standardized (``LINK_MEAN``/``LINK_STD``, ``LEAK_MEAN``/``LEAK_STD``, measured on the
  default scenario);
* $\log_{10}(P_{max} T / E_l)$ and $\log_{10}(G\tau_{max}/T)$ — how the energy and
  hovering-time limits compare with the power and time budgets (same for every vertex).

**Layer** (permutation-equivariant in g, l and n; also in the users k and satellite users m,
which enter only through sums): $h \leftarrow h + \mathrm{MLP}([h, \bar h^{(l)},
\bar h^{(n)}, \bar h^{(g)}, \bar h^{(l,n)}])$ (the first layer without the $h +$, its input
has 4 features) with $\bar h^{(a)}$ the mean over axis a and the MLP Linear–SiLU–Linear. A
smooth activation and centred inputs leave no parameter without a gradient: with raw
(uncentred) features, ReLU MLPs and a ReLU after every layer, 69–73 % of the parameters got
exactly zero gradient on 16 default drops at initialization (hidden units negative on every
vertex of every drop), a share that centring alone cut to 43–48 %, and that is 0 now (tested).

**Readout, feasible by construction.** Per-vertex logits $z$ and per-(g, l) levels
$b$: $p_{g,l,n} = P_{max}\,\sigma(b_{g,l})\,\mathrm{softmax}_n(z_{g,l,n})$ over the
subchannels in use, so the power limit (14f) holds; per-slot logits $u$:
$\tau_g = \tau_{max}\sigma(u_g)\cdot\min(1, T/\sum_g\tau_{max}\sigma(u_g))$, so (14c)-(14d)
hold. Energy (14e) and interference (14b) are linear and homogeneous in P for fixed x and τ, and
each couples only some of the powers, so the powers are finally scaled block by block
(``feasible_powers``): each UAV's by $1/\max(1, E^{use}_l/E_l)$, then each slot's by
$1/\max(1, \max_m \bar I_{g,m}/I_{th})$ (scaling down never breaks a constraint already
met). One common scale for all powers (``satjax.uav.feasibility_scale``) would let the
tightest UAV or slot throttle every other one (on the default run's 200 test drops, with the
earlier ReLU architecture: 90.6 % of Algorithm 3 with the blockwise scale, 89.6 % with the common
one; docs/paper-c.md).

Padded users (``UavScenario.user_mask``) are never assigned a subchannel and enter nothing else,
so the model's decision is the same with or without them (tested).
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

import numpy as np

from satjax._checks import check_int_range, check_nonnegative, check_positive, check_shape, is_concrete
from satjax._types import ArrayLike, Float, PRNGKeyArray
from satjax.nn.layers import MLP, Dense, check_finite_leaves, check_key, check_one_input, parameter_dtype
from satjax.uav.algorithms import _FEAS_MARGIN, _initial_assignment
from satjax.uav.policies import UavDecision
from satjax.uav.rates import energy_use, leakage
from satjax.uav.scenario import UavScenario

__all__ = ["UavGNN", "uav_features", "feasible_powers", "NUM_UAV_FEATURES"]

NUM_UAV_FEATURES = 4
#: Standardization of the link and leakage features (decades), measured on 10^3 drops of the default
#: scenario (``UavParams()``): link 4.50 ± 0.69, leakage 1.59 ± 0.78. They only condition the
#: inputs (centred features give every hidden unit both signs across vertices); any scenario works.
LINK_MEAN, LINK_STD = 4.5, 0.7
LEAK_MEAN, LEAK_STD = 1.6, 0.8
#: Scenario fields the features divide by or take the logarithm of: > 0 (with their units).
_POSITIVE = {"p_max_w": "W", "noise_w": "W", "interference_threshold_w": "W", "hover_budget_s": "s", "tau_max_s": "s",
             "energy_per_uav_j": "J"}


def _check_scenario(scenario: Any, name: str = "scenario") -> None:
    """One unbatched ``UavScenario`` with finite inputs, gains >= 0 and positive limits
    (``ValueError`` naming the field; values only when concrete, so under ``jit`` a NaN input
    gives NaN powers)."""
    check_one_input(name, scenario, UavScenario, "satjax.uav.UavScenario", leaf="lam", axes="G K L N")
    check_finite_leaves(name, scenario)
    for field in ("lam", "phi", "y"):
        check_nonnegative(f"{name}.{field}", getattr(scenario, field))
    for field, unit in _POSITIVE.items():
        check_positive(f"{name}.{field}", getattr(scenario, field), unit)


def _check_assignment(scenario: UavScenario, x: Any) -> None:
    """``x [G, K, N]``: 0/1, at most one user per subchannel, none to a padded user."""
    g, k, _, n, _ = scenario.sizes
    check_shape("x", x, (g, k, n))
    if not is_concrete(x, scenario.user_mask):
        return
    v = np.asarray(x)
    if not np.all((v == 0) | (v == 1)):
        raise ValueError("x must hold only 0 and 1 (a subchannel assignment, not a fraction)")
    if np.any(v.sum(axis=1) > 1):
        raise ValueError("x assigns a subchannel to more than one user of a group (at most one per (g, n))")
    if np.any(v * ~np.asarray(scenario.user_mask)[:, :, None]):
        raise ValueError("x assigns a subchannel to a padded user (scenario.user_mask is False there)")


def uav_features(scenario: Any, x: Float[ArrayLike, "G K N"]) -> Float[ArrayLike, "G L N 4"]:
    """Input features ``[G, L, N, 4]`` of the vertices (module docstring) for the assignment ``x``.

    Args:
        scenario: one drop (``vmap`` for a batch).
        x: ``[G, K, N]`` 0/1 subchannel assignment, at most one user per subchannel.

    Returns:
        ``[G, L, N, 4]`` vertex features (dimensionless, normalized).
    """
    _check_scenario(scenario)
    _check_assignment(scenario, x)
    return _features(scenario, x)


def _features(scenario: UavScenario, x) -> Float[ArrayLike, "G L N 4"]:
    s = scenario
    g, _, l, n, _ = s.sizes
    lam_assigned = jnp.einsum("gkn,gkln->gln", x, s.lam)                               # lambda of the assigned user
    link = (jnp.log10(1.0 + lam_assigned * s.p_max_w / s.noise_w) - LINK_MEAN) / LINK_STD
    leak = jnp.einsum("gmn,gmln->gln", s.y, s.phi)
    leak = (jnp.log10(1.0 + leak * s.p_max_w / s.interference_threshold_w) - LEAK_MEAN) / LEAK_STD
    energy = jnp.broadcast_to(jnp.log10(s.p_max_w * s.hover_budget_s / s.energy_per_uav_j)[None, :, None], (g, l, n))
    time = jnp.broadcast_to(jnp.log10(g * s.tau_max_s / s.hover_budget_s), (g, l, n))
    return jnp.stack([link, leak, energy, time], axis=-1)


def feasible_powers(scenario: Any, x: Float[ArrayLike, "G K N"], p: Float[ArrayLike, "G L N"],
                    tau: Float[ArrayLike, " G"]) -> Float[ArrayLike, "G L N"]:
    r"""Powers ``p`` scaled so that energy (14e) and interference (14b) hold: UAV l's powers by
    $1/\max(1, E^{use}_l/E_l)$, then slot g's by $1/\max(1, \max_m \bar I_{g,m}/I_{th})$,
    times $1 - 10^{-9}$. The power limit (14f) is the caller's (met by construction in
    ``UavGNN``). Differentiable almost everywhere; powers already feasible are only multiplied
    by $1 - 10^{-9}$."""
    _check_scenario(scenario)
    return _feasible_powers(scenario, x, p, tau)


def _feasible_powers(scenario: UavScenario, x, p, tau) -> Float[ArrayLike, "G L N"]:
    s = scenario
    per_uav = 1.0 / jnp.maximum(1.0, energy_use(x, p, tau) / s.energy_per_uav_j)                  # [L]
    p = p * per_uav[None, :, None]
    per_slot = 1.0 / jnp.maximum(1.0, jnp.max(leakage(s, x, p), axis=1) / s.interference_threshold_w)   # [G]
    return p * per_slot[:, None, None] * (1.0 - _FEAS_MARGIN)


def _mean(h, axes):
    return jnp.broadcast_to(jnp.mean(h, axis=axes, keepdims=True), h.shape)


class UavLayer(eqx.Module):
    """One equivariant layer on the ``[G, L, N, H]`` vertex states (module docstring): an SiLU MLP of
    the state and its means, added to the state when the sizes match (residual).

    The MLP's first linear map acts on the concatenation ``[h, mean_l h, mean_n h, mean_g h,
    mean_{l,n} h]``; it is evaluated block by block, each block of its weight on the mean *before*
    broadcasting (a mean over L has G·N rows, not G·L·N): the same function and parameters as
    ``MLP(concatenate(...))``, with 2.9x fewer multiply-adds in that map at the default size
    (tested equal to the concatenated form)."""

    mlp: MLP

    def __init__(self, in_size: int, hidden: int, *, key: PRNGKeyArray, dtype=jnp.float32):
        self.mlp = MLP(5 * in_size, hidden, hidden, key=key, dtype=dtype, activation=jax.nn.silu)

    def __call__(self, h: Float[ArrayLike, "G L N F"]) -> Float[ArrayLike, "G L N H"]:
        inner = self.mlp.inner
        w = jnp.split(inner.weight, 5, axis=0)                        # blocks of h, mean_l, mean_n, mean_g, mean_ln
        pre = h @ w[0] + inner.bias.reshape((1,) * (h.ndim - 1) + (-1,))
        for block, axes in zip(w[1:], (1, 2, 0, (1, 2))):
            pre = pre + jnp.mean(h, axis=axes, keepdims=True) @ block
        out = self.mlp.outer(self.mlp.activation(pre))
        return h + out if h.shape == out.shape else out

    def concatenated(self, h: Float[ArrayLike, "G L N F"]) -> Float[ArrayLike, "G L N H"]:
        """The layer written as the MLP of the concatenated state and means (the reference form of
        the module docstring; ``__call__`` is the same function, evaluated block by block)."""
        out = self.mlp(h, _mean(h, 1), _mean(h, 2), _mean(h, 0), _mean(h, (1, 2)))
        return h + out if h.shape == out.shape else out


class UavGNN(eqx.Module):
    r"""Learned powers and hovering times for system C on the initial point's subchannels.

    A ``satjax.policies.Policy`` for system C: ``model(scenario, key=None) ->``
    ``satjax.uav.UavDecision`` ``(x, p, tau)``, feasible by construction (module docstring).
    Works on one scenario (``vmap`` for batches) of any size (G, K, L, N, M), trained at one.

    Arguments:
        hidden: width of the vertex states and MLP hidden layers.
        num_layers: equivariant layers (>= 1).
        key: PRNG key for the initialization.
        dtype: of the parameters.
    """

    layers: tuple[UavLayer, ...]
    power_logits: Dense
    power_level: Dense
    hover_logits: Dense
    hidden: int = eqx.field(static=True)

    def __init__(self, *, hidden: int = 32, num_layers: int = 3, key: Any, dtype=jnp.float32):
        self.check_settings(hidden=hidden, num_layers=num_layers)
        dtype = parameter_dtype(dtype)
        check_key("key", key)
        keys = jax.random.split(key, num_layers + 3)
        sizes = [NUM_UAV_FEATURES] + [hidden] * num_layers
        self.layers = tuple(UavLayer(sizes[i], hidden, key=keys[i], dtype=dtype) for i in range(num_layers))
        self.power_logits = Dense(hidden, 1, key=keys[-3], dtype=dtype)
        self.power_level = Dense(hidden, 1, key=keys[-2], dtype=dtype)
        self.hover_logits = Dense(hidden, 1, key=keys[-1], dtype=dtype)
        self.hidden = hidden

    @staticmethod
    def check_settings(*, hidden: int, num_layers: int) -> None:
        """Setting checks (``ValueError`` naming the setting), also used by the config schema."""
        check_int_range("hidden", hidden, 1)
        check_int_range("num_layers", num_layers, 1)

    def allocate(self, scenario: Any, x: ArrayLike) -> UavDecision:
        """Powers and hovering times for the assignment ``x``; feasible by construction.

        Args:
            scenario: one drop (``vmap`` for a batch).
            x: ``[G, K, N]`` 0/1 subchannel assignment, at most one user per subchannel.

        Returns:
            ``UavDecision(x, p [G, L, N] W, tau [G] s)``.
        """
        _check_scenario(scenario)
        _check_assignment(scenario, x)
        return self._allocate(scenario, x)

    def _allocate(self, scenario: UavScenario, x) -> UavDecision:
        s = scenario
        dtype = s.lam.dtype
        h = _features(s, x)
        for layer in self.layers:
            h = layer(h)
        in_use = jnp.sum(x, axis=1) > 0                                               # [G, N]
        z = self.power_logits(h)[..., 0]                                              # [G, L, N]
        use = in_use[:, None, :]
        share = jax.nn.softmax(jnp.where(use, z, jnp.finfo(z.dtype).min), axis=-1) * use   # 0 off the used ones
        level = jax.nn.sigmoid(self.power_level(jnp.mean(h, axis=2))[..., 0])          # [G, L]
        p = (s.p_max_w * level[..., None] * share).astype(dtype)
        tau = s.tau_max_s * jax.nn.sigmoid(self.hover_logits(jnp.mean(h, axis=(1, 2)))[..., 0])   # [G]
        tau = (tau * jnp.minimum(1.0, s.hover_budget_s / jnp.sum(tau))).astype(dtype)
        return UavDecision(x, _feasible_powers(s, x, p, tau), tau)

    def __call__(self, scenario: Any, key: PRNGKeyArray | None = None) -> UavDecision:
        """The decision for one ``satjax.uav.UavScenario`` on the initial point's subchannels."""
        _check_scenario(scenario)
        return self._allocate(scenario, jax.lax.stop_gradient(_initial_assignment(scenario)))

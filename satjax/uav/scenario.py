r"""System C scenarios (paper C, Sec. II and V): a UAV swarm of L single-antenna UAVs serving G
groups of K_g UAV users (N_r antennas each), group g in time slot g while the swarm hovers over
it, on N subchannels that M satellite users also occupy ($y_{g,m,n}$, given).

Geometry (ours; the paper used Visualyse 7 on real terrain, docs/paper-c.md): group centres
uniform in a disc of radius ``area_radius_m`` around the origin; users of a group uniform in a
disc of radius ``group_radius_m`` around its centre (height 0); in slot g the UAVs hover at
``uav_altitude_m`` uniformly in a disc of radius ``swarm_radius_m`` above the group centre;
satellite users uniform in area in the annulus ``sat_user_min_distance_m`` ..
``sat_user_max_distance_m`` around the origin (height 0).

Large-scale CSI, spec Sec. 1.5.1: for every (link, subchannel)

$$
\lambda = 10^{-(L_{bf}(d, f_n) + A_{gas}(f_n, \theta, 0, h) + X)/10},\qquad
X \sim \mathcal N(0, \sigma_{sh}^2)
$$

with P.525 free-space loss, P.676-12 inclined-path gaseous attenuation from the ground terminal
(standard atmosphere) and log-normal shadowing X (the terrain effects Visualyse added). By default
(``shadowing="per_link"``) X is drawn once per link and is the same on every subchannel of it:
shadowing comes from obstacles on the path, which do not change over 180 kHz subchannels, so the
CSI of a link then differs across subchannels only by the P.525/P.676 frequency terms (D93).
``shadowing="per_subchannel"`` draws X i.i.d. per (link, subchannel), the former default (no
spatial or frequency correlation): it creates subchannel diversity that real shadowing does not
have. ``shadowing="correlated"`` draws X once per link, correlated in space by Gudmundson's model
(D111): the links of one UAV in slot g to its receivers (the K_g users of group g and the M
satellite users, jointly) have correlation $e^{-\Delta d/d_{cor}}$ for receivers $\Delta d$ apart
(``shadowing_corr_distance_m``, default 50 m); links of different UAVs or slots are independent.
``"correlated_per_subchannel"`` draws such a field independently per subchannel. Subchannel n sits at $f_n = f_c + (n - (N-1)/2) B_{sc}$. Antenna gains are 0 dBi.

Satellite occupancy: $y_{g,m,n} \sim$ Bernoulli(``satellite_load``), independent.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from satjax._checks import (
    check_binary,
    check_int_range,
    check_mask,
    check_ndim,
    check_nonnegative,
    check_positive,
    check_real,
    check_shape,
    float_dtype,
    is_concrete,
)
from satjax._types import ArrayLike, Bool, DTypeLike, Float, PRNGKeyArray
from satjax.params import Params, mode, physical, resolve_dtype, sample_batch, size
from satjax.propagation.itu_r import free_space_loss_db, gaseous_attenuation_inclined_db
from satjax.propagation.shadowing import sample_correlated_shadowing_db, sample_shadowing_db
from satjax.units import db_to_lin, dbm_to_watt, thermal_noise_w

__all__ = ["SHADOWING_MODES", "UavParams", "UavScenario", "sample_uav_scenario", "sample_uav_scenarios", "subchannel_frequencies_hz", "uav_ground_loss_db"]


#: How the log-normal shadowing of a UAV link varies over the subchannels (D93) and in space (D111):
#: ``"per_link"``, one draw per link, the same on all its subchannels (default); ``"per_subchannel"``,
#: i.i.d. per (link, subchannel); ``"correlated"``, one draw per link, the links of one UAV to
#: receivers Δd apart correlated by exp(-Δd / ``shadowing_corr_distance_m``);
#: ``"correlated_per_subchannel"``, such a field drawn independently per subchannel.
SHADOWING_MODES = ("per_link", "per_subchannel", "correlated", "correlated_per_subchannel")


class UavParams(Params):
    """Configuration of system C. The paper's numbers were blanked in the source we have; every
    default is our placeholder from the spec's Sec. 4.2 (docs/paper-c.md, D60). Sizes static;
    every physical quantity an array leaf (SI units or dB/dBm as named)."""

    num_uavs: int = size(4, doc="UAVs L")
    num_groups: int = size(3, doc="user groups / time slots G")
    users_per_group: int = size(4, doc="UAV users per group K_g")
    num_sat_users: int = size(4, doc="satellite users M")
    num_subchannels: int = size(8, doc="subchannels N")
    num_rx_antennas: int = size(4, doc="receive antennas per UAV user N_r")
    carrier_hz: Float[ArrayLike, ""] = physical(2e9, unit="Hz", lo=1e9, hi=50e9,
                                                doc="P.676 Annex 2 holds 1-350 GHz; we test 1-50 GHz")
    subchannel_bandwidth_hz: Float[ArrayLike, ""] = physical(180e3, unit="Hz", lo=0, lo_open=True)
    noise_figure_db: Float[ArrayLike, ""] = physical(7.0, unit="dB", lo=0, hi=30, doc="receiver noise figure (D73)")
    p_max_w: Float[ArrayLike, ""] = physical(0.1, unit="W", lo=0, lo_open=True, doc="per UAV, summed over subchannels (13)")
    hover_budget_s: Float[ArrayLike, ""] = physical(600.0, unit="s", lo=0, lo_open=True, doc="T of (1)")
    tau_max_s: Float[ArrayLike, ""] = physical(300.0, unit="s", lo=0, lo_open=True, doc="tau_max of (2)")
    energy_j: Float[ArrayLike, ""] = physical(40.0, unit="J", lo=0, lo_open=True,
                                              doc="E = sum_l E_l, communication energy (12); E_l = E/L")
    interference_threshold_dbm: Float[ArrayLike, ""] = physical(
        -120.0, unit="dBm", lo=-250, hi=0, hi_open=True,
        doc="I_th of (14b); below 0 dBm, so a value in W (always > 0) is refused (D73)")
    uav_altitude_m: Float[ArrayLike, ""] = physical(100.0, unit="m", lo=0, hi=10e3, lo_open=True,
                                                    doc="P.676 inclined path needs h <= 10 km")
    swarm_radius_m: Float[ArrayLike, ""] = physical(200.0, unit="m", lo=0)
    group_radius_m: Float[ArrayLike, ""] = physical(1000.0, unit="m", lo=0, lo_open=True)
    area_radius_m: Float[ArrayLike, ""] = physical(3000.0, unit="m", lo=0)
    sat_user_min_distance_m: Float[ArrayLike, ""] = physical(1000.0, unit="m", lo=0, lo_open=True)
    sat_user_max_distance_m: Float[ArrayLike, ""] = physical(50e3, unit="m", lo=0, lo_open=True)
    shadowing_std_db: Float[ArrayLike, ""] = physical(6.0, unit="dB", lo=0, hi=20, doc="log-normal shadowing (D73)")
    shadowing: str = mode("per_link", SHADOWING_MODES,
                          doc="one shadowing draw per link, constant over its subchannels, or i.i.d. per (link, subchannel) (D93); "
                              "either one correlated in space (D111)")
    shadowing_corr_distance_m: Float[ArrayLike, ""] = physical(
        50.0, unit="m", lo=0, lo_open=True,
        doc="d_cor of the correlated shadowing modes, exp(-Δd/d_cor); 50 m: TR 38.901 Table 7.5-6, UMa NLOS (D111)")
    satellite_load: Float[ArrayLike, ""] = physical(0.5, lo=0, hi=1, doc="P(y_{g,m,n} = 1)")

    def __check_init__(self):
        if is_concrete(self.sat_user_min_distance_m, self.sat_user_max_distance_m) and \
                float(self.sat_user_min_distance_m) > float(self.sat_user_max_distance_m):
            raise ValueError("sat_user_min_distance_m must be <= sat_user_max_distance_m, got "
                             f"{float(self.sat_user_min_distance_m)} > {float(self.sat_user_max_distance_m)}")

    @property
    def noise_w(self) -> Float[ArrayLike, ""]:
        """sigma^2 = k_B T B_sc F [W] (-174 dBm/Hz + 10 log10(180 kHz) + 7 dB = -114.4 dBm)."""
        return thermal_noise_w(self.subchannel_bandwidth_hz, self.noise_figure_db)


def subchannel_frequencies_hz(carrier_hz: Float[ArrayLike, ""], bandwidth_hz: Float[ArrayLike, ""],
                              num_subchannels: int) -> Float[ArrayLike, " N"]:
    """Centre frequency of each subchannel, $f_c + (n - (N-1)/2) B_{sc}$.

    Args:
        carrier_hz: ``[]`` carrier frequency $f_c$ [Hz].
        bandwidth_hz: ``[]`` subchannel bandwidth $B_{sc}$ [Hz].
        num_subchannels: number of subchannels ``N``.

    Returns:
        ``[N]`` centre frequencies [Hz].
    """
    offsets = jnp.arange(num_subchannels, dtype=jnp.result_type(carrier_hz)) - (num_subchannels - 1) / 2
    return carrier_hz + offsets * bandwidth_hz


_UNITS = {"noise_w": "W", "interference_threshold_w": "W", "p_max_w": "W", "hover_budget_s": "s", "tau_max_s": "s",
          "energy_per_uav_j": "J"}


def _dims(name, g, k, l, n, m) -> str:
    """The expected shape of a scenario array, e.g. ``[G=2, M, L=3, N=4]``."""
    axes = {"lam": "GKLN", "phi": "GMLN", "phi_free_space": "GMLN", "y": "GMN", "user_mask": "GK",
            "energy_per_uav_j": "L"}[name]
    size = {"G": g, "K": k, "L": l, "N": n, "M": m}
    return "[" + ", ".join(a if size[a] is None else f"{a}={size[a]}" for a in axes) + "]"


def _check_gains_4d(name, lam) -> tuple[int, int, int, int]:
    """``lam`` is 4-D ``[G, K, L, N]`` with every size >= 1; returns the sizes."""
    check_ndim(name, lam, 4, "[G, K, L, N]")
    sizes = tuple(int(d) for d in np.shape(lam))
    if min(sizes) < 1:
        raise ValueError(f"{name} [G, K, L, N] = {sizes} has a zero size: every one of G groups, K users, "
                         f"L UAVs and N subchannels must be >= 1")
    return sizes


class UavScenario(eqx.Module):
    """What system C's algorithms see: large-scale CSI, satellite occupancy and the limits.

    Attributes:
        lam: ``[G, K, L, N]`` large-scale gains UAV l -> UAV user (g, k) on subchannel n (linear);
            0 for padded users.
        phi: ``[G, M, L, N]`` large-scale gains UAV l (in slot g) -> satellite user m.
        phi_free_space: ``[G, M, L, N]`` the same links by P.525 free space alone (no gases, no
            shadowing): the interference model of baseline Scheme 2.
        y: ``[G, M, N]`` satellite occupancy in {0, 1} (float).
        user_mask: ``[G, K]`` True for real users (groups of unequal size are padded).
        noise_w, interference_threshold_w, p_max_w, hover_budget_s, tau_max_s: scalars (SI).
        energy_per_uav_j: ``[L]`` E_l of (12).
        num_rx_antennas: N_r (static).
        uav_pos, user_pos, sat_user_pos: ``[G, L, 3]``, ``[G, K, 3]``, ``[M, 3]`` [m] (NaN-free zeros
            when built from arrays without positions).
    """

    lam: Float[ArrayLike, "G K L N"]
    phi: Float[ArrayLike, "G M L N"]
    phi_free_space: Float[ArrayLike, "G M L N"]
    y: Float[ArrayLike, "G M N"]
    user_mask: Bool[ArrayLike, "G K"]
    noise_w: Float[ArrayLike, ""]
    interference_threshold_w: Float[ArrayLike, ""]
    p_max_w: Float[ArrayLike, ""]
    hover_budget_s: Float[ArrayLike, ""]
    tau_max_s: Float[ArrayLike, ""]
    energy_per_uav_j: Float[ArrayLike, " L"]
    uav_pos: Float[ArrayLike, "G L 3"]
    user_pos: Float[ArrayLike, "G K 3"]
    sat_user_pos: Float[ArrayLike, "M 3"]
    num_rx_antennas: int = eqx.field(static=True, default=1)

    @property
    def sizes(self) -> tuple[int, int, int, int, int]:
        """(G, K_g, L, N, M)."""
        g, k, l, n = self.lam.shape
        return g, k, l, n, self.phi.shape[1]

    def __check_init__(self):
        g, k, l, n = _check_gains_4d("lam", self.lam)
        m = jnp.shape(self.phi)[1] if jnp.ndim(self.phi) == 4 else None
        for name, want in (("phi", (g, m, l, n)), ("phi_free_space", (g, m, l, n)), ("y", (g, m, n)),
                           ("user_mask", (g, k)), ("energy_per_uav_j", (l,))):
            got = tuple(jnp.shape(getattr(self, name)))
            if got != want or not m:
                raise ValueError(f"{name} must have shape {_dims(name, g, k, l, n, m or None)} (M >= 1), got {got}")
        check_int_range("num_rx_antennas", self.num_rx_antennas, 1)
        if jnp.result_type(self.user_mask) != jnp.bool_:
            raise ValueError(f"user_mask must be a boolean array (True = real user), got dtype {jnp.result_type(self.user_mask)}")
        if is_concrete(self.user_mask) and not np.any(np.asarray(self.user_mask)):
            raise ValueError("user_mask marks every user as padding (all False): at least one real user is needed")

    @classmethod
    def from_arrays(cls, lam, phi, y, *, noise_w, interference_threshold_w, p_max_w, hover_budget_s, tau_max_s,
                    energy_per_uav_j, num_rx_antennas, user_mask=None, phi_free_space=None) -> "UavScenario":
        """Validated constructor from plain arrays (shapes as in the class docstring; scalars or
        ``[L]`` for ``energy_per_uav_j``).

        Raises:
            ValueError: naming the argument, for wrong shapes or a zero size (G, K, L, N, M >= 1),
                complex, float16, NaN, inf or negative gains, an occupancy ``y`` other than 0/1,
                non-positive limits, a ``user_mask`` that is not boolean or marks every user as
                padding, or ``num_rx_antennas`` not an integer >= 1. Value checks run on concrete
                arrays only (under ``jit`` the caller vouches for them).
        """
        check_int_range("num_rx_antennas", num_rx_antennas, 1)
        g, k, l, n = _check_gains_4d("lam", lam)
        check_ndim("phi", phi, 4, "[G, M, L, N]")
        m = np.shape(phi)[1]
        if np.shape(phi)[0] != g or np.shape(phi)[2:] != (l, n) or m < 1:
            raise ValueError(f"phi must have shape {_dims('phi', g, k, l, n, None)} with M >= 1, got {np.shape(phi)}")
        check_shape("y", y, (g, m, n))
        phi_fs = phi if phi_free_space is None else phi_free_space
        check_shape("phi_free_space", phi_fs, (g, m, l, n))
        named = (("lam", lam), ("phi", phi), ("phi_free_space", phi_fs), ("noise_w", noise_w),
                 ("interference_threshold_w", interference_threshold_w), ("p_max_w", p_max_w),
                 ("hover_budget_s", hover_budget_s), ("tau_max_s", tau_max_s), ("energy_per_uav_j", energy_per_uav_j))
        float_dtype(*[v for pair in named for v in pair])                        # float16 / non-numeric refused
        for name, v in named:
            check_real(name, v)
        for name, v in named[:3]:
            check_nonnegative(name, v)
        check_binary("y", y)                                                    # bool or 0/1 numbers
        dtype = jnp.result_type(jnp.asarray(lam).dtype, float)
        scal = {}
        for name, v in named[3:8]:
            check_shape(name, v, ())
            check_positive(name, v, _UNITS[name])
            scal[name] = jnp.asarray(v, dtype)
        if np.shape(energy_per_uav_j) not in ((), (l,)):
            raise ValueError(f"energy_per_uav_j must be a scalar or have shape [L] = ({l},), got {np.shape(energy_per_uav_j)}")
        check_positive("energy_per_uav_j", energy_per_uav_j, "J")
        energy = jnp.broadcast_to(jnp.asarray(energy_per_uav_j, dtype), (l,))
        mask = check_mask("user_mask", user_mask, (g, k), nonempty=True)
        lam = jnp.where(mask[:, :, None, None], jnp.asarray(lam), 0).astype(dtype)
        return cls(lam=lam, phi=jnp.asarray(phi, dtype), phi_free_space=jnp.asarray(phi_fs, dtype),
                   y=jnp.asarray(y, dtype), user_mask=mask, energy_per_uav_j=energy,
                   uav_pos=jnp.zeros((g, l, 3), dtype), user_pos=jnp.zeros((g, k, 3), dtype),
                   sat_user_pos=jnp.zeros((m, 3), dtype), num_rx_antennas=int(num_rx_antennas), **scal)

    def with_limits(self, **changes) -> "UavScenario":
        """A copy with some of the scalar limits (``interference_threshold_w``, ``p_max_w``,
        ``hover_budget_s``, ``tau_max_s``, ``energy_per_uav_j``) changed and validated."""
        allowed = {"interference_threshold_w", "p_max_w", "hover_budget_s", "tau_max_s", "energy_per_uav_j", "noise_w"}
        bad = set(changes) - allowed
        if bad:
            raise ValueError(f"with_limits accepts {sorted(allowed)}, got {sorted(bad)}")
        l = self.lam.shape[2]
        for name, v in changes.items():
            check_real(name, v)
            if np.shape(v) != () and not (name == "energy_per_uav_j" and np.shape(v) == (l,)):
                raise ValueError(f"{name} must be a scalar{f' or have shape [L] = ({l},)' if name == 'energy_per_uav_j' else ''}"
                                 f", got shape {np.shape(v)}; for many values use jax.vmap over with_limits")
            check_positive(name, v, _UNITS[name])
        if "energy_per_uav_j" in changes:
            changes["energy_per_uav_j"] = jnp.broadcast_to(jnp.asarray(changes["energy_per_uav_j"], self.lam.dtype), (l,))
        changes = {k: jnp.asarray(v, self.lam.dtype) for k, v in changes.items()}
        return eqx.tree_at(lambda s: [getattr(s, k) for k in changes], self, list(changes.values()))


def _uniform_disc(key, shape, radius, dtype):
    kr, ka = jax.random.split(key)
    r = radius * jnp.sqrt(jax.random.uniform(kr, shape, dtype))
    a = jax.random.uniform(ka, shape, dtype, 0, 2 * jnp.pi)
    return r * jnp.cos(a), r * jnp.sin(a)


def uav_ground_loss_db(tx_pos: Float[ArrayLike, "... 3"], rx_pos: Float[ArrayLike, "... 3"],
                       freqs: Float[ArrayLike, " N"], altitude: Float[ArrayLike, ""]
                       ) -> tuple[Float[ArrayLike, "... N"], Float[ArrayLike, "... N"]]:
    """Median path loss [dB] ``[..., N]`` between UAVs ``tx_pos [..., 3]`` at ``altitude`` [m] and
    ground terminals ``rx_pos [..., 3]`` (broadcast leading shapes) on the subchannels ``freqs``
    [Hz]: P.525 free space + P.676-12 inclined path (D62). Returns ``(total, free_space)``.

    Args:
        tx_pos: ``[..., 3]`` UAV positions [m].
        rx_pos: ``[..., 3]`` ground terminal positions [m] (leading shape broadcast with ``tx_pos``).
        freqs: ``[N]`` subchannel centre frequencies [Hz].
        altitude: ``[]`` UAV altitude [m] (elevation angle and gas path).

    Returns:
        ``(total, free_space)``: ``[..., N]`` median loss and its free-space part [dB].
    """
    diff = tx_pos - rx_pos
    dist = jnp.linalg.norm(diff, axis=-1)                                           # [...]
    horiz = jnp.linalg.norm(diff[..., :2], axis=-1)
    elevation = jnp.arctan2(altitude, horiz)
    d, el = dist[..., None], elevation[..., None]
    f = freqs.reshape((1,) * dist.ndim + (-1,))
    free = free_space_loss_db(d, f)
    return free + gaseous_attenuation_inclined_db(f, el, jnp.zeros_like(d), jnp.broadcast_to(altitude, d.shape)), free


def _link_gain(tx_pos, rx_pos, freqs, altitude, shadow_db):
    """Linear large-scale gains ``[..., N]`` between UAVs and ground terminals: the median loss of
    ``uav_ground_loss_db`` + ``shadow_db`` (``[..., N]`` or ``[..., 1]``), and P.525 alone."""
    loss, free = uav_ground_loss_db(tx_pos, rx_pos, freqs, altitude)
    return db_to_lin(-(loss + shadow_db)), db_to_lin(-free + jnp.zeros_like(loss))


def _uav_shadowing_db(kl, kp, p: UavParams, user_pos, sat_user_pos):
    """Shadowing [dB] of the UAV -> user links ``[G, K, L, D]`` and UAV -> satellite user links
    ``[G, M, L, D]`` (D = N per subchannel, else 1) in the mode ``p.shadowing`` (D93, D111). The
    independent modes draw each with its own key (``kl``, ``kp``); the correlated ones draw one
    field per (slot g, UAV l) over the K + M receivers of the slot, with ``kl``."""
    g, k, l, m, n = p.num_groups, p.users_per_group, p.num_uavs, p.num_sat_users, p.num_subchannels
    d = n if p.shadowing.endswith("per_subchannel") else 1
    std = p.shadowing_std_db
    if not p.shadowing.startswith("correlated"):
        return sample_shadowing_db(kl, std, (g, k, l, d)), sample_shadowing_db(kp, std, (g, m, l, d))
    receivers = jnp.concatenate([user_pos, jnp.broadcast_to(sat_user_pos, (g, m, 3))], axis=1)     # [G, K+M, 3]
    field = sample_correlated_shadowing_db(kl, std, receivers[:, None, None], p.shadowing_corr_distance_m,
                                           (g, l, d, k + m))                                       # [G, L, D, K+M]
    field = jnp.transpose(field, (0, 3, 1, 2))                                                     # [G, K+M, L, D]
    return field[:, :k], field[:, k:]


def sample_uav_scenario(key: PRNGKeyArray, params: UavParams, dtype: DTypeLike | None = None) -> UavScenario:
    r"""Draw one drop: positions, large-scale CSI $\lambda, \phi$, satellite occupancy y
    (module docstring). Pure and ``jit``-able; physical fields of ``params`` are traced.

    Args:
        key: PRNG key.
        params: the ``UavParams``.
        dtype: real dtype of the drop: ``None`` (default) for the dtype of ``params``'
            physical fields (``UavParams.dtype``: float64 when they were built with x64 on),
            or float32 / float64 (float16 is refused by name).

    Returns:
        ``UavScenario``: positions [m], gains ``lam [G, K, L, N]`` and ``phi [G, M, L, N]``
        (linear), occupancy ``y [G, M, N]`` and the limits (powers [W], times [s], energies [J]).
    """
    return _sample_uav_scenario(key, params, resolve_dtype(params, dtype, params_class=UavParams))


@eqx.filter_jit
def _sample_uav_scenario(key: PRNGKeyArray, params: UavParams, dtype) -> UavScenario:
    """The jitted sampler behind ``sample_uav_scenario`` (``dtype`` resolved)."""
    p = params.astype(dtype)
    g, k, l, m, n = p.num_groups, p.users_per_group, p.num_uavs, p.num_sat_users, p.num_subchannels
    kc, ku, kv, ks, kl, kp, ky = jax.random.split(key, 7)
    cx, cy = _uniform_disc(kc, (g,), p.area_radius_m, dtype)
    ux, uy = _uniform_disc(ku, (g, k), p.group_radius_m, dtype)
    vx, vy = _uniform_disc(kv, (g, l), p.swarm_radius_m, dtype)
    user_pos = jnp.stack([cx[:, None] + ux, cy[:, None] + uy, jnp.zeros((g, k), dtype)], axis=-1)
    uav_pos = jnp.stack([cx[:, None] + vx, cy[:, None] + vy, jnp.broadcast_to(p.uav_altitude_m, (g, l))], axis=-1)
    kr, ka = jax.random.split(ks)
    r2 = jax.random.uniform(kr, (m,), dtype, p.sat_user_min_distance_m**2, p.sat_user_max_distance_m**2)
    ang = jax.random.uniform(ka, (m,), dtype, 0, 2 * jnp.pi)
    sat_user_pos = jnp.stack([jnp.sqrt(r2) * jnp.cos(ang), jnp.sqrt(r2) * jnp.sin(ang), jnp.zeros((m,), dtype)], axis=-1)

    freqs = subchannel_frequencies_hz(p.carrier_hz, p.subchannel_bandwidth_hz, n)
    shadow_users, shadow_sat = _uav_shadowing_db(kl, kp, p, user_pos, sat_user_pos)
    lam, _ = _link_gain(uav_pos[:, None, :, :], user_pos[:, :, None, :], freqs, p.uav_altitude_m, shadow_users)
    phi, phi_fs = _link_gain(uav_pos[:, None, :, :], sat_user_pos[None, :, None, :], freqs, p.uav_altitude_m, shadow_sat)
    y = (jax.random.uniform(ky, (g, m, n), dtype) < p.satellite_load).astype(dtype)
    return UavScenario(lam=lam, phi=phi, phi_free_space=phi_fs, y=y, user_mask=jnp.ones((g, k), bool), noise_w=p.noise_w,
                       interference_threshold_w=dbm_to_watt(p.interference_threshold_dbm), p_max_w=p.p_max_w,
                       hover_budget_s=p.hover_budget_s, tau_max_s=p.tau_max_s,
                       energy_per_uav_j=jnp.broadcast_to(p.energy_j / l, (l,)), uav_pos=uav_pos, user_pos=user_pos,
                       sat_user_pos=sat_user_pos, num_rx_antennas=p.num_rx_antennas)


def sample_uav_scenarios(key: PRNGKeyArray, params: UavParams, num: int, start: int = 0,
                            dtype: DTypeLike | None = None) -> UavScenario:
    """A batch of drops; drop ``i`` uses ``fold_in(key, start + i)``, so any batching of the
    same indices gives the same scenarios (``satjax.params.sample_batch``, as every system's
    ``SYSTEM.sample_batch`` and ``sample_{uplink,downlink,uav}_scenarios``).

    Args:
        key: PRNG key of the whole batch.
        params: the ``UavParams``.
        num: number of drops ``S`` (>= 1).
        start: index of the first drop (>= 0).
        dtype: real dtype of the drops, as in ``sample_uav_scenario``.

    Returns:
        ``UavScenario`` whose array leaves have a leading axis ``[S, ...]`` (units as in
        ``sample_uav_scenario``).
    """
    return sample_batch(sample_uav_scenario, key, params, num, start, dtype)

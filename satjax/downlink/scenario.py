r"""System B scenarios (paper B, Sec. II-A/B): a LEO satellite with a UPA serving K users in its
footprint through multipath channels with Doppler and delay, and the power model of eq. (6).

Geometry: flat Earth, satellite at $(0, 0, h)$ moving along +x at orbital speed, users
uniform in a disk of radius ``footprint_radius_m`` around the sub-satellite point — or, with
``num_clusters`` = C >= 1, C cluster centres uniform in that disk and user k uniform in a disk of
radius ``cluster_radius_m`` around centre k mod C (correlated array responses within a cluster;
the default draws are unchanged). All paths of user k share the array response $v_k$ towards the
user (eq. (2)). With ``elevation_min_deg`` < 90 the satellite is elsewhere in the sky
(``repoint_satellite``, docs/deviations.md D112): the drop is drawn as at the zenith and seen from
there, with the zenith's noise, so the channel powers below are those of the zenith.

Multipath (eq. (3)), per drop (statistical CSI): ``num_paths`` paths, the first line-of-sight with
a fraction $\kappa/(1+\kappa)$ of the power, the others Rayleigh-distributed amplitudes
sharing the rest, renormalized so $\sum_l \alpha_{kl}^2 = \gamma_k$ exactly; user-side
Dopplers $\nu^{ut}_{kl} = (v_{ut}/\lambda)\cos\phi_{kl}$, delays $\tau^{ut}_{k1} = 0$
and exponential with mean ``delay_spread_s`` for the others; satellite Doppler
$\nu^{sat}_k = V u_{k,x}/\lambda$, minimum delay $\tau^{min}_k = d_k/c$.

"SNR 0 dB" in paper B's Table I is ambiguous, so the channel-power/noise convention is a choice
(``snr_convention``):

* ``"link_budget"`` — $\gamma_k$ from free-space path loss with antenna gains, noise
  $k_B T B_w F$; ``snr_db`` unused;
* ``"transmit"`` — noise set so that $P_{\rm ref}\,\bar\gamma / N_0$ = ``snr_db``
  ($\bar\gamma$ the mean of $\gamma_k$ over the drop): SNR per antenna, before the
  array gain;
* ``"receive"`` — $P_{\rm ref} N_{\rm ref} \bar\gamma / N_0$ = ``snr_db``: SNR after the
  full array gain.

Under ``"transmit"`` and ``"receive"``, $\gamma_k = 1$ for every user (``channel_power="equal"``,
default) or the free-space link-budget gain of ``"link_budget"`` (``channel_power="path_loss"``:
near–far from the slant ranges); the noise then follows from the mean $\bar\gamma$. All of
this holds with the satellite at the zenith; away from it every $\gamma_k$ is the zenith's
times its free-space ratio and the noise stays the zenith's, so the SNR falls below ``snr_db``
and ``"equal"`` users differ (D112).

The SNR is a calibration of the receiver noise at a reference point — by default paper B's
Table I ($P_{\rm ref}$ = ``snr_reference_power_w`` = 10 W, $N_{\rm ref}$ =
``snr_reference_antennas`` = 64) — so sweeping ``p_max_w`` or the array size changes the signal,
not the noise. (Tying the noise to each swept P_max would make every budget see the same SNR and
the EE fall as 1/P_max; tying it to each N_t would cancel the array gain.)
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from satjax._types import Array, ArrayLike, Complex, DTypeLike, Float, PRNGKeyArray, complex_dtype
from satjax.constants import EARTH_RADIUS_M, SPEED_OF_LIGHT_M_S
from satjax.downlink.problem import PrecodingProblem
from satjax.geometry.angles import direction_cosines
from satjax.geometry.arrays import upa_response
from satjax._checks import is_concrete
from satjax.params import Params, mode, physical, resolve_dtype, sample_batch, size
from satjax.propagation.ntn import slant_range_m
from satjax.propagation.pathloss import satellite_large_scale_db
from satjax.units import db_to_lin, thermal_noise_w

__all__ = ["SNR_CONVENTIONS", "CHANNEL_POWERS", "DownlinkParams", "DownlinkScenario", "sample_downlink_scenario", "sample_downlink_scenarios", "channel_response",
           "repoint_satellite"]

SNR_CONVENTIONS = ("link_budget", "transmit", "receive")
CHANNEL_POWERS = ("equal", "path_loss")
#: Standard gravitational parameter of the Earth [m^3/s^2] (circular-orbit speed).
EARTH_MU = 3.986004418e14


class DownlinkParams(Params):
    """Configuration of system B (paper B, Table I; values the paper omits are ours, see
    docs/paper-b.md). Sizes and modes static; every physical quantity an array leaf (SI units or
    dB as named), so sweeps are one ``vmap`` (``satjax.sweep``) and ``jax.grad`` reaches them."""

    n_v: int = size(8, doc="UPA rows")
    n_h: int = size(8, doc="UPA columns")
    num_users: int = size(10, doc="users K")
    num_paths: int = size(4, doc="paths per user L")
    snr_convention: str = mode("receive", SNR_CONVENTIONS, doc="the reading that lands in the paper's EE range")
    snr_reference_antennas: int = size(64, doc="N_ref: array size at which snr_db holds ('receive')")
    channel_power: str = mode("equal", CHANNEL_POWERS,
                              doc="gamma_k under 'transmit'/'receive': 'equal' (1 for every user at the zenith) or 'path_loss' "
                                  "(the free-space link budget of 'link_budget': near-far from the geometry); "
                                  "'link_budget' always uses the path loss")
    num_clusters: int = size(0, lo=0, doc="0: users uniform in the footprint; C >= 1: C cluster centres uniform "
                                          "in the footprint, user k in cluster k mod C, uniform in a disk of "
                                          "radius cluster_radius_m around its centre")
    altitude_m: Float[ArrayLike, ""] = physical(600e3, unit="m", lo=0, lo_open=True)
    footprint_radius_m: Float[ArrayLike, ""] = physical(
        500e3, unit="m", lo=0, lo_open=True,
        doc="radius of the users' disk: 1 000 km edge to edge, the maximum non-GEO beam footprint of 3GPP TR 38.821 "
            "Table 4.2-2 (paper B is silent; docs/paper-b.md)")
    cluster_radius_m: Float[ArrayLike, ""] = physical(
        20e3, unit="m", lo=0, lo_open=True, doc="radius of a user cluster (used when num_clusters >= 1)")
    elevation_min_deg: Float[ArrayLike, ""] = physical(
        90.0, unit="deg", lo=0, hi=90, lo_open=True,
        doc="the satellite's elevation seen from the footprint centre is uniform in [elevation_min_deg, "
            "elevation_max_deg] and its azimuth uniform (90, 90: at the zenith, paper B)")
    elevation_max_deg: Float[ArrayLike, ""] = physical(90.0, unit="deg", lo=0, hi=90, lo_open=True,
                                                       doc="upper end of the satellite's elevation (above)")
    carrier_hz: Float[ArrayLike, ""] = physical(2e9, unit="Hz", lo=0, lo_open=True)
    bandwidth_hz: Float[ArrayLike, ""] = physical(20e6, unit="Hz", lo=0, lo_open=True)
    p_max_w: Float[ArrayLike, ""] = physical(10.0, unit="W", lo=0, lo_open=True)
    amplifier_efficiency: Float[ArrayLike, ""] = physical(0.5, lo=0, hi=1, lo_open=True, doc="1/xi")
    rician_k_db: Float[ArrayLike, ""] = physical(10.0, unit="dB")
    delay_spread_s: Float[ArrayLike, ""] = physical(100e-9, unit="s", lo=0)
    ut_speed_mps: Float[ArrayLike, ""] = physical(1.0, unit="m/s", lo=0)
    gain_sat_dbi: Float[ArrayLike, ""] = physical(6.0, unit="dBi", doc="per element")
    gain_user_dbi: Float[ArrayLike, ""] = physical(0.0, unit="dBi")
    noise_figure_db: Float[ArrayLike, ""] = physical(7.0, unit="dB")
    snr_db: Float[ArrayLike, ""] = physical(0.0, unit="dB")
    snr_reference_power_w: Float[ArrayLike, ""] = physical(10.0, unit="W", lo=0, lo_open=True,
                                                       doc="P_ref: budget at which snr_db holds (Table I)")
    # Power model (6): P_t = N_t P_RFC + P_LO + P_BB, P_RFC = P_DAC + P_mixer + P_LPF + P_BBA
    p_dac_w: Float[ArrayLike, ""] = physical(5.1e-3, unit="W", lo=0)
    p_mixer_w: Float[ArrayLike, ""] = physical(19e-3, unit="W", lo=0)
    p_lpf_w: Float[ArrayLike, ""] = physical(14e-3, unit="W", lo=0)
    p_bba_w: Float[ArrayLike, ""] = physical(5e-3, unit="W", lo=0)
    p_lo_w: Float[ArrayLike, ""] = physical(5e-3, unit="W", lo=0)
    p_bb_w: Float[ArrayLike, ""] = physical(200e-3, unit="W", lo=0)

    def __check_init__(self):
        low, high = self.elevation_min_deg, self.elevation_max_deg       # each one's range: Params' own check
        if is_concrete(low, high) and np.ndim(low) == np.ndim(high) == 0 and 0 < float(low) <= 90 \
                and 0 < float(high) <= 90 and float(low) > float(high):
            raise ValueError("elevation_min_deg must be <= elevation_max_deg, got "
                             f"{float(self.elevation_min_deg)} > {float(self.elevation_max_deg)}")

    def at_elevation(self, elevation_deg: Float[ArrayLike, ""]) -> DownlinkParams:
        """These parameters with the satellite at one elevation [deg] in (0, 90] (and a random
        azimuth): ``elevation_min_deg`` = ``elevation_max_deg`` = ``elevation_deg``.

        Examples:
            >>> import jax, jax.numpy as jnp
            >>> from satjax import downlink as dl
            >>> params = dl.DownlinkParams(n_v=2, n_h=2, num_users=3)
            >>> zenith = dl.sample_downlink_scenario(jax.random.key(0), params)
            >>> low = dl.sample_downlink_scenario(jax.random.key(0), params.at_elevation(20.0))
            >>> bool(jnp.all(low.user_pos == zenith.user_pos))         # the same users...
            True
            >>> bool(jnp.all(low.gamma < zenith.gamma))                # ...reached from farther away
            True
            >>> bool(low.problem.noise_w == zenith.problem.noise_w)     # by the same receivers
            True
        """
        return self.replace(elevation_min_deg=elevation_deg, elevation_max_deg=elevation_deg)

    @classmethod
    def separated(cls, **changes: Any) -> DownlinkParams:
        r"""Our preset where the precoders of paper B separate (docs/paper-b.md, "A regime where the
        methods separate"; docs/deviations.md D99): a 4 × 4 UPA serving K = 12 users (K close to
        $N_t$ = 16) in 4 clusters of radius 50 km placed uniformly in the 500 km footprint
        (correlated array responses within a cluster), $\gamma_k$ from the free-space link budget
        (near–far from the slant ranges), and a receive SNR of 15 dB at this array
        (``snr_convention="receive"``, $N_{
m ref} = N_t$). Every other value is Table I's /
        the default's. Chosen by a measured criterion, not fitted to the paper: statistical MRT
        <= 85 % and the one-layer untrained GNN deep unfolding <= 90 % of Dinkelbach-WMMSE's EE.

        Args:
            **changes: fields to set differently (as ``DownlinkParams(...)`` takes them).

        Returns:
            ``DownlinkParams`` of the preset.
        """
        preset = {"n_v": 4, "n_h": 4, "num_users": 12, "snr_reference_antennas": 16, "snr_db": 15.0,
                  "channel_power": "path_loss", "num_clusters": 4, "cluster_radius_m": 50e3}
        return cls(**{**preset, **changes})

    @property
    def num_antennas(self) -> int:
        return self.n_v * self.n_h

    @property
    def xi(self) -> Float[ArrayLike, ""]:
        """Inverse amplifier efficiency $\\xi$ of eq. (5)."""
        return 1.0 / self.amplifier_efficiency

    @property
    def p_rfc_w(self) -> Float[ArrayLike, ""]:
        return self.p_dac_w + self.p_mixer_w + self.p_lpf_w + self.p_bba_w

    @property
    def static_power_w(self) -> Float[ArrayLike, ""]:
        """$P_t = N_t P_{RFC} + P_{LO} + P_{BB}$, eq. (6) [W]."""
        return self.num_antennas * self.p_rfc_w + self.p_lo_w + self.p_bb_w

    @property
    def wavelength_m(self) -> Float[ArrayLike, ""]:
        return SPEED_OF_LIGHT_M_S / self.carrier_hz

    @property
    def orbital_speed_mps(self) -> Float[ArrayLike, ""]:
        """Circular-orbit speed $\\sqrt{\\mu/(R_E + h)}$ [m/s]."""
        return jnp.sqrt(EARTH_MU / (EARTH_RADIUS_M + self.altitude_m))


class DownlinkScenario(eqx.Module):
    """One drop of system B.

    Attributes:
        user_pos: ``[K, 3]`` [m]; sat_pos: ``[3]`` [m].
        alpha: ``[K, L]`` path amplitudes ($\\sum_l \\alpha_{kl}^2 = \\gamma_k$).
        nu_sat, tau_min: ``[K]`` satellite Doppler [Hz] and minimum delay [s].
        nu_ut, tau_ut: ``[K, L]`` user-side Dopplers [Hz] and delays [s].
        problem: the ``PrecodingProblem`` (statistical CSI ``v``, ``gamma``; noise, budget,
            power model) — the single copy of ``v`` and ``gamma`` (see ``v``, ``gamma``).
    """

    user_pos: Float[ArrayLike, "K 3"]
    sat_pos: Float[ArrayLike, "3"]
    alpha: Float[ArrayLike, "K L"]
    nu_sat: Float[ArrayLike, " K"]
    tau_min: Float[ArrayLike, " K"]
    nu_ut: Float[ArrayLike, "K L"]
    tau_ut: Float[ArrayLike, "K L"]
    problem: PrecodingProblem

    @property
    def v(self) -> Array:
        """``[N_t, K]`` complex array responses (column k = v_k)."""
        return self.problem.v

    @property
    def gamma(self) -> Array:
        """``[K]`` channel powers $\\gamma_k$."""
        return self.problem.gamma


def _noise(params: DownlinkParams, gamma):
    """N_0 [W] under the SNR convention (module docstring)."""
    if params.snr_convention == "link_budget":
        return thermal_noise_w(params.bandwidth_hz, params.noise_figure_db)
    array_gain = params.snr_reference_antennas if params.snr_convention == "receive" else 1
    return params.snr_reference_power_w * array_gain * jnp.mean(gamma) / db_to_lin(params.snr_db)


def _uniform_in_disk(k_radius, k_angle, radius, n, dtype):
    """``[n, 3]`` points uniform in the disk of ``radius`` [m] around the origin, on the ground (z = 0)."""
    r = radius * jnp.sqrt(jax.random.uniform(k_radius, (n,), dtype))
    phi = jax.random.uniform(k_angle, (n,), dtype, 0, 2 * jnp.pi)
    return jnp.stack([r * jnp.cos(phi), r * jnp.sin(phi), jnp.zeros((n,), dtype)], axis=-1)


def sample_downlink_scenario(key: PRNGKeyArray, params: DownlinkParams, dtype: DTypeLike | None = None) -> DownlinkScenario:
    r"""Draw one drop: user positions, path amplitudes, Dopplers and delays (module docstring).

    Pure and ``jit``-able: sizes and modes of ``params`` are static, its physical fields are
    traced (a new value does not recompile; ``jax.grad`` reaches them).

    Args:
        key: PRNG key.
        params: the ``DownlinkParams``.
        dtype: real dtype of the drop: ``None`` (default) for the dtype of ``params``'
            physical fields (``DownlinkParams.dtype``: float64 when they were built with x64 on),
            or float32 / float64 (float16 is refused by name).

    Returns:
        ``DownlinkScenario``: positions [m], path amplitudes ``alpha [K, L]``, Dopplers [Hz],
        delays [s], and the ``PrecodingProblem`` (``v [N_t, K]``, ``gamma [K]``, noise and
        budget [W]).
    """
    return _sample_downlink_scenario(key, params, resolve_dtype(params, dtype, params_class=DownlinkParams))


@eqx.filter_jit
def _sample_downlink_scenario(key: PRNGKeyArray, params: DownlinkParams, dtype) -> DownlinkScenario:
    """The jitted sampler behind ``sample_downlink_scenario`` (``dtype`` resolved)."""
    params = params.astype(dtype)
    k, l = params.num_users, params.num_paths
    kr, kphi, kamp, kdop, kdel = jax.random.split(key, 5)
    user_pos = _uniform_in_disk(kr, kphi, params.footprint_radius_m, k, dtype)          # [K, 3]
    if params.num_clusters >= 1:
        kc_r, kc_phi = jax.random.split(jax.random.fold_in(key, 1))
        centres = _uniform_in_disk(kc_r, kc_phi, params.footprint_radius_m, params.num_clusters, dtype)
        user_pos = centres[jnp.arange(k) % params.num_clusters] + _uniform_in_disk(
            kr, kphi, params.cluster_radius_m, k, dtype)
    zenith = jnp.stack([jnp.zeros((), dtype), jnp.zeros((), dtype), params.altitude_m])
    dist0 = jnp.linalg.norm(user_pos - zenith[None, :], axis=-1)                    # the powers and noise: the zenith's

    if params.snr_convention == "link_budget" or params.channel_power == "path_loss":
        gamma = db_to_lin(satellite_large_scale_db(dist0, params.carrier_hz, params.gain_sat_dbi, params.gain_user_dbi))
    else:
        gamma = jnp.ones((k,), dtype)                                                  # normalized: the SNR sets N0
    kappa = db_to_lin(params.rician_k_db)
    rayleigh = jnp.abs(jax.random.normal(kamp, (k, max(l - 1, 1)), complex_dtype(dtype)))[:, : l - 1]
    if l == 1:
        shares = jnp.ones((k, 1), dtype)
    else:
        nlos = rayleigh**2 / jnp.sum(rayleigh**2, axis=1, keepdims=True) / (1 + kappa)
        shares = jnp.concatenate([jnp.broadcast_to(kappa / (1 + kappa), (k, 1)), nlos], axis=1)
    alpha = jnp.sqrt(shares * gamma[:, None])

    nu_ut = params.ut_speed_mps / params.wavelength_m * jnp.cos(jax.random.uniform(kdop, (k, l), dtype, 0, 2 * jnp.pi))
    tau_ut = jnp.concatenate([jnp.zeros((k, 1), dtype),
                              params.delay_spread_s * jax.random.exponential(kdel, (k, l - 1), dtype)], axis=1)
    noise = _noise(params, gamma)
    sat_pos, velocity = _satellite_state(jax.random.fold_in(key, 5), params, dtype)    # 5: no other draw's key
    v, dist, nu_sat, ratio = _seen_from(user_pos, dist0, sat_pos, velocity, params)
    problem = PrecodingProblem(v=v.astype(complex_dtype(dtype)), gamma=gamma * ratio, noise_w=noise,
                               p_max_w=params.p_max_w, bandwidth_hz=params.bandwidth_hz, xi=params.xi,
                               p_static_w=params.static_power_w)
    return DownlinkScenario(user_pos=user_pos, sat_pos=sat_pos, alpha=alpha * jnp.sqrt(ratio)[:, None], nu_sat=nu_sat,
                            tau_min=dist / SPEED_OF_LIGHT_M_S, nu_ut=nu_ut, tau_ut=tau_ut, problem=problem)


def _seen_from(user_pos, dist0, sat, velocity, params: DownlinkParams):
    r"""The users' geometry seen from a satellite at ``sat [3]`` moving at ``velocity [3]``: array
    responses ``v [N_t, K]`` (eq. (2)), distances ``[K]``, satellite Dopplers $(u_k \cdot
    \dot s)/\lambda$ ``[K]`` and the link budget's free-space power ratio ``[K]`` to the
    distances ``dist0`` (exactly 1 where they are equal)."""
    u = direction_cosines(user_pos, sat)                                                # [K, 3]
    v = jax.vmap(lambda d: upa_response(d, params.n_v, params.n_h))(u).T                  # [Nt, K]
    dist = jnp.linalg.norm(user_pos - sat[None, :], axis=-1)
    nu_sat = jnp.sum(u * velocity[None, :], axis=-1) / params.wavelength_m
    ratio = db_to_lin(satellite_large_scale_db(dist, params.carrier_hz, params.gain_sat_dbi, params.gain_user_dbi)
                      - satellite_large_scale_db(dist0, params.carrier_hz, params.gain_sat_dbi, params.gain_user_dbi))
    return v, dist, nu_sat, ratio


def _satellite_state(key: PRNGKeyArray, params: DownlinkParams, dtype) -> tuple[Array, Array]:
    """The satellite's ENU position ``[3]`` [m] (elevation uniform in the params' range, azimuth
    uniform, TR 38.811's slant range) and velocity ``[3]`` [m/s] (horizontal along +x at orbital
    speed, as at the zenith).

    At 90° the value is exactly ``(0, 0, h)`` (the rounding of the slant-range formula is taken
    out), so the zenith drops are bit for bit those of the zenith-only sampler, while the
    derivatives stay the formula's: the one-sided derivative in the elevation at the zenith. An
    elevation range known only under ``jit`` that is not within (0, 90] with min <= max gives a
    NaN position (hence NaN channels), never a number."""
    ke, ka = jax.random.split(key)
    low, high = params.elevation_min_deg, params.elevation_max_deg
    elevation_deg = low + jax.random.uniform(ke, (), dtype) * (high - low)    # d/d low = 1 - u, d/d high = u, also at low = high
    azimuth = jax.random.uniform(ka, (), dtype, 0, 2 * jnp.pi)
    elevation = jnp.deg2rad(elevation_deg)
    r = slant_range_m(params.altitude_m, elevation)
    horizontal = r * jnp.cos(elevation)
    zero = jnp.zeros((), dtype)
    position = jnp.stack([horizontal * jnp.sin(azimuth), horizontal * jnp.cos(azimuth), r * jnp.sin(elevation)])
    rounding = jnp.where(elevation_deg == 90.0, jnp.stack([zero, zero, params.altitude_m]) - position, 0.0)
    valid = (low > 0) & (low <= high) & (high <= 90)           # checked in DownlinkParams when concrete; NaN if not
    position = jnp.where(valid, position + jax.lax.stop_gradient(rounding), jnp.nan)
    return position, jnp.stack([params.orbital_speed_mps, zero, zero])


def repoint_satellite(scenario: DownlinkScenario, params: DownlinkParams, sat_pos: Float[ArrayLike, "3"],
                      sat_velocity: Float[ArrayLike, "3"]) -> DownlinkScenario:
    r"""The same drop seen from a satellite at another position: the users, their paths, the
    noise and the budget are kept, and the geometry-dependent fields follow — array responses
    $v_k$ (eq. (2), the UPA parallel to the ground, axes x/y), channel powers $\gamma_k$ and
    path amplitudes scaled by the link budget's free-space ratio to the drop's satellite
    (``satellite_large_scale_db``), minimum delays $d_k/c$ and satellite Dopplers
    $\nu^{sat}_k = (u_k \cdot \dot{s})/\lambda = -f_c\dot d_k/c$.

    The receiver noise is the drop's: a satellite away from the zenith reaches the users weaker.
    ``satjax.passes.downlink_at_step`` uses it at every step of a pass; ``sample_downlink_scenario``
    sees each drop from its satellite with the same geometry (``_seen_from``).

    Args:
        scenario: one ``DownlinkScenario`` drawn with ``params``.
        params: its ``DownlinkParams`` (array size, carrier, gains).
        sat_pos: the satellite's position ``[3]`` in the drop's frame (users on z = 0) [m].
        sat_velocity: its velocity ``[3]`` [m/s].

    Returns:
        The ``DownlinkScenario`` seen from ``sat_pos`` (the same, to rounding, where ``sat_pos`` is the drop's).
    """
    dtype = scenario.user_pos.dtype
    sat = jnp.asarray(sat_pos).astype(dtype)
    dist0 = jnp.linalg.norm(scenario.user_pos - scenario.sat_pos[None, :], axis=-1)
    v, dist, nu_sat, ratio = _seen_from(scenario.user_pos, dist0, sat, jnp.asarray(sat_velocity).astype(dtype), params)
    return eqx.tree_at(lambda s: (s.sat_pos, s.alpha, s.nu_sat, s.tau_min, s.problem.v, s.problem.gamma), scenario,
                       (sat, scenario.alpha * jnp.sqrt(ratio)[:, None], nu_sat, dist / SPEED_OF_LIGHT_M_S,
                        v.astype(scenario.problem.v.dtype), scenario.problem.gamma * ratio))


def channel_response(scenario: DownlinkScenario, t: Float[ArrayLike, ""], f: Float[ArrayLike, ""]) -> Complex[ArrayLike, "Nt K"]:
    r"""Instantaneous channels $h_k(t, f)$ of eq. (2) for every user, as columns ``[N_t, K]``:
    $e^{j2\pi(t\nu^{sat}_k - f\tau^{min}_k)} g_k(t, f) v_k$ with $g_k$ of eq. (3).
    ``f`` is the baseband frequency offset within the band [Hz]; ``t`` in s.

    Args:
        scenario: the ``DownlinkScenario``.
        t: ``[]`` time [s].
        f: ``[]`` baseband frequency offset within the band [Hz].

    Returns:
        ``[N_t, K]`` complex channels $h_k(t, f)$ (amplitude: square root of the channel power
        gain $\gamma_k$'s unit).
    """
    cdt = scenario.v.dtype
    two_pi = 2 * jnp.pi
    g = jnp.sum(scenario.alpha * jnp.exp(1j * (two_pi * (t * scenario.nu_ut - f * scenario.tau_ut)).astype(cdt)), axis=1)
    common = jnp.exp(1j * (two_pi * (t * scenario.nu_sat - f * scenario.tau_min)).astype(cdt))
    return scenario.v * (common * g)[None, :]


def sample_downlink_scenarios(key: PRNGKeyArray, params: DownlinkParams, num: int, start: int = 0,
                            dtype: DTypeLike | None = None) -> DownlinkScenario:
    """A batch of drops; drop ``i`` uses ``fold_in(key, start + i)``, so any batching of the
    same indices gives the same scenarios (``satjax.params.sample_batch``, as every system's
    ``SYSTEM.sample_batch`` and ``sample_{uplink,downlink,uav}_scenarios``).

    Args:
        key: PRNG key of the whole batch.
        params: the ``DownlinkParams``.
        num: number of drops ``S`` (>= 1).
        start: index of the first drop (>= 0).
        dtype: real dtype of the drops, as in ``sample_downlink_scenario``.

    Returns:
        ``DownlinkScenario`` whose array leaves have a leading axis ``[S, ...]`` (units as in
        ``sample_downlink_scenario``).
    """
    return sample_batch(sample_downlink_scenario, key, params, num, start, dtype)

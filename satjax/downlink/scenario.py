r"""System B scenarios (paper B, Sec. II-A/B): a LEO satellite with a UPA serving K users in its
footprint through multipath channels with Doppler and delay, and the power model of eq. (6).

Geometry: flat Earth, satellite at :math:`(0, 0, h)` moving along +x at orbital speed, users
uniform in a disk of radius ``footprint_radius_m`` around the sub-satellite point. All paths of
user k share the array response :math:`v_k` towards the user (eq. (2)).

Multipath (eq. (3)), per drop (statistical CSI): ``num_paths`` paths, the first line-of-sight with
a fraction :math:`\kappa/(1+\kappa)` of the power, the others Rayleigh-distributed amplitudes
sharing the rest, renormalized so :math:`\sum_l \alpha_{kl}^2 = \gamma_k` exactly; user-side
Dopplers :math:`\nu^{ut}_{kl} = (v_{ut}/\lambda)\cos\phi_{kl}`, delays :math:`\tau^{ut}_{k1} = 0`
and exponential with mean ``delay_spread_s`` for the others; satellite Doppler
:math:`\nu^{sat}_k = V u_{k,x}/\lambda`, minimum delay :math:`\tau^{min}_k = d_k/c`.

"SNR 0 dB" in paper B's Table I is ambiguous, so the channel-power/noise convention is a choice
(``snr_convention``):

* ``"link_budget"`` — :math:`\gamma_k` from free-space path loss with antenna gains, noise
  :math:`k_B T B_w F`; ``snr_db`` unused;
* ``"transmit"`` — noise set so that :math:`P_{\rm ref}\,\bar\gamma / N_0` = ``snr_db``
  (:math:`\bar\gamma` the mean of :math:`\gamma_k` over the drop): SNR per antenna, before the
  array gain;
* ``"receive"`` — :math:`P_{\rm ref} N_{\rm ref} \bar\gamma / N_0` = ``snr_db``: SNR after the
  full array gain.

The SNR is a calibration of the receiver noise at a reference point — by default paper B's
Table I (:math:`P_{\rm ref}` = ``snr_reference_power_w`` = 10 W, :math:`N_{\rm ref}` =
``snr_reference_antennas`` = 64) — so sweeping ``p_max_w`` or the array size changes the signal,
not the noise. (Tying the noise to each swept P_max would make every budget see the same SNR and
the EE fall as 1/P_max; tying it to each N_t would cancel the array gain.)
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_choice, check_int_range
from satjax._types import Array, Complex, Float, PRNGKeyArray, complex_dtype
from satjax.constants import BOLTZMANN_J_K, EARTH_RADIUS_M, REFERENCE_TEMPERATURE_K, SPEED_OF_LIGHT_M_S
from satjax.downlink.wmmse import PrecodingProblem
from satjax.geometry.angles import direction_cosines
from satjax.geometry.arrays import upa_response
from satjax.propagation.pathloss import satellite_large_scale_db
from satjax.units import db_to_lin

__all__ = ["SNR_CONVENTIONS", "DownlinkParams", "DownlinkScenario", "sample_downlink_scenario", "channel_response"]

SNR_CONVENTIONS = ("link_budget", "transmit", "receive")
#: Standard gravitational parameter of the Earth [m^3/s^2] (circular-orbit speed).
EARTH_MU = 3.986004418e14


def _static(default):
    return eqx.field(static=True, default=default)


class DownlinkParams(eqx.Module):
    """Configuration of system B (paper B, Table I; values the paper omits are ours, see
    docs/paper-b.md). Python scalars, SI units or dB as named."""

    nx: int = _static(8)
    ny: int = _static(8)
    num_users: int = _static(10)
    altitude_m: float = _static(600e3)
    footprint_radius_m: float = _static(100e3)
    carrier_hz: float = _static(2e9)
    bandwidth_hz: float = _static(20e6)
    p_max_w: float = _static(10.0)
    amplifier_efficiency: float = _static(0.5)          # 1/xi
    num_paths: int = _static(4)
    rician_k_db: float = _static(10.0)
    delay_spread_s: float = _static(100e-9)
    ut_speed_mps: float = _static(1.0)
    gain_sat_dbi: float = _static(6.0)                  # per element
    gain_ut_dbi: float = _static(0.0)
    noise_figure_db: float = _static(7.0)
    snr_convention: str = _static("receive")            # the reading that lands in the paper's EE range
    snr_db: float = _static(0.0)
    snr_reference_power_w: float = _static(10.0)        # P_ref: budget at which snr_db holds (Table I)
    snr_reference_antennas: int = _static(64)           # N_ref: array size at which snr_db holds ("receive")
    # Power model (6): P_t = N_t P_RFC + P_LO + P_BB, P_RFC = P_DAC + P_mixer + P_LPF + P_BBA
    p_dac_w: float = _static(5.1e-3)
    p_mixer_w: float = _static(19e-3)
    p_lpf_w: float = _static(14e-3)
    p_bba_w: float = _static(5e-3)
    p_lo_w: float = _static(5e-3)
    p_bb_w: float = _static(200e-3)

    def __check_init__(self):
        for name in ("nx", "ny", "num_users", "num_paths", "snr_reference_antennas"):
            check_int_range(name, getattr(self, name), 1)
        check_choice("snr_convention", self.snr_convention, SNR_CONVENTIONS)
        positive = ("altitude_m", "footprint_radius_m", "carrier_hz", "bandwidth_hz", "p_max_w", "snr_reference_power_w")
        nonneg = ("delay_spread_s", "ut_speed_mps", "p_dac_w", "p_mixer_w", "p_lpf_w", "p_bba_w", "p_lo_w", "p_bb_w")
        for name in positive + nonneg:
            v = getattr(self, name)
            ok = isinstance(v, (int, float)) and math.isfinite(v)
            if not ok or (v <= 0 if name in positive else v < 0):
                raise ValueError(f"{name} must be a finite number {'> 0' if name in positive else '>= 0'}, got {v!r}")
        if not (isinstance(self.amplifier_efficiency, (int, float)) and 0 < self.amplifier_efficiency <= 1):
            raise ValueError(f"amplifier_efficiency (1/xi) must be in (0, 1], got {self.amplifier_efficiency!r}")

    @property
    def num_antennas(self) -> int:
        return self.nx * self.ny

    @property
    def xi(self) -> float:
        return 1.0 / self.amplifier_efficiency

    @property
    def p_rfc_w(self) -> float:
        return self.p_dac_w + self.p_mixer_w + self.p_lpf_w + self.p_bba_w

    @property
    def static_power_w(self) -> float:
        """:math:`P_t = N_t P_{RFC} + P_{LO} + P_{BB}`, eq. (6) [W]."""
        return self.num_antennas * self.p_rfc_w + self.p_lo_w + self.p_bb_w

    @property
    def wavelength_m(self) -> float:
        return SPEED_OF_LIGHT_M_S / self.carrier_hz

    @property
    def orbital_speed_mps(self) -> float:
        return math.sqrt(EARTH_MU / (EARTH_RADIUS_M + self.altitude_m))


class DownlinkScenario(eqx.Module):
    """One drop of system B.

    Attributes:
        user_pos: ``[K, 3]`` [m]; sat_pos: ``[3]`` [m].
        v: ``[N_t, K]`` complex array responses (column k = v_k).
        alpha: ``[K, L]`` path amplitudes; gamma: ``[K]`` = sum of alpha^2.
        nu_sat, tau_min: ``[K]`` satellite Doppler [Hz] and minimum delay [s].
        nu_ut, tau_ut: ``[K, L]`` user-side Dopplers [Hz] and delays [s].
        problem: the :class:`PrecodingProblem` (statistical CSI, noise, budget, power model).
    """

    user_pos: Float[Array, "K 3"]
    sat_pos: Float[Array, "3"]
    v: Complex[Array, "Nt K"]
    alpha: Float[Array, "K L"]
    gamma: Float[Array, " K"]
    nu_sat: Float[Array, " K"]
    tau_min: Float[Array, " K"]
    nu_ut: Float[Array, "K L"]
    tau_ut: Float[Array, "K L"]
    problem: PrecodingProblem


def _noise(params: DownlinkParams, gamma, dtype):
    if params.snr_convention == "link_budget":
        n0 = BOLTZMANN_J_K * REFERENCE_TEMPERATURE_K * params.bandwidth_hz * 10 ** (params.noise_figure_db / 10)
        return jnp.asarray(n0, dtype)
    snr = 10 ** (params.snr_db / 10)
    array_gain = params.snr_reference_antennas if params.snr_convention == "receive" else 1
    return params.snr_reference_power_w * array_gain * jnp.mean(gamma) / snr


@eqx.filter_jit
def sample_downlink_scenario(key: PRNGKeyArray, params: DownlinkParams, dtype=jnp.float32) -> DownlinkScenario:
    """Draw one drop: user positions, path amplitudes, Dopplers and delays (module docstring)."""
    k, l = params.num_users, params.num_paths
    kr, kphi, kamp, kdop, kdel = jax.random.split(key, 5)
    radius = params.footprint_radius_m * jnp.sqrt(jax.random.uniform(kr, (k,), dtype))
    phi = jax.random.uniform(kphi, (k,), dtype, 0, 2 * jnp.pi)
    user_pos = jnp.stack([radius * jnp.cos(phi), radius * jnp.sin(phi), jnp.zeros((k,), dtype)], axis=-1)
    sat_pos = jnp.asarray([0.0, 0.0, params.altitude_m], dtype)
    u = direction_cosines(user_pos, sat_pos)                                           # [K, 3]
    v = jax.vmap(lambda d: upa_response(d, params.ny, params.nx))(u).T                 # [Nt, K]
    dist = jnp.linalg.norm(user_pos - sat_pos[None, :], axis=-1)

    if params.snr_convention == "link_budget":
        gamma = db_to_lin(satellite_large_scale_db(dist, params.carrier_hz, params.gain_sat_dbi, params.gain_ut_dbi))
    else:
        gamma = jnp.ones((k,), dtype)                                                  # normalized: the SNR sets N0
    kappa = 10 ** (params.rician_k_db / 10)
    rayleigh = jnp.abs(jax.random.normal(kamp, (k, max(l - 1, 1)), complex_dtype(dtype)))[:, : l - 1]
    if l == 1:
        shares = jnp.ones((k, 1), dtype)
    else:
        nlos = rayleigh**2 / jnp.sum(rayleigh**2, axis=1, keepdims=True) / (1 + kappa)
        shares = jnp.concatenate([jnp.full((k, 1), kappa / (1 + kappa), dtype), nlos], axis=1)
    alpha = jnp.sqrt(shares * gamma[:, None]).astype(dtype)

    lam = params.wavelength_m
    nu_sat = params.orbital_speed_mps * u[:, 0] / lam
    nu_ut = params.ut_speed_mps / lam * jnp.cos(jax.random.uniform(kdop, (k, l), dtype, 0, 2 * jnp.pi))
    tau_ut = jnp.concatenate([jnp.zeros((k, 1), dtype),
                              params.delay_spread_s * jax.random.exponential(kdel, (k, l - 1), dtype)], axis=1)
    r = lambda x: jnp.asarray(x, dtype)  # noqa: E731
    problem = PrecodingProblem(v=v.astype(complex_dtype(dtype)), gamma=gamma.astype(dtype),
                               noise=_noise(params, gamma, dtype).astype(dtype), p_max=r(params.p_max_w),
                               bandwidth_hz=r(params.bandwidth_hz), xi=r(params.xi),
                               p_static_w=r(params.static_power_w))
    return DownlinkScenario(user_pos=user_pos, sat_pos=sat_pos, v=problem.v, alpha=alpha, gamma=gamma.astype(dtype),
                            nu_sat=nu_sat.astype(dtype), tau_min=(dist / SPEED_OF_LIGHT_M_S).astype(dtype),
                            nu_ut=nu_ut.astype(dtype), tau_ut=tau_ut.astype(dtype), problem=problem)


def channel_response(scenario: DownlinkScenario, t, f) -> Complex[Array, "Nt K"]:
    r"""Instantaneous channels :math:`h_k(t, f)` of eq. (2) for every user, as columns ``[N_t, K]``:
    :math:`e^{j2\pi(t\nu^{sat}_k - f\tau^{min}_k)} g_k(t, f) v_k` with :math:`g_k` of eq. (3).
    ``f`` is the baseband frequency offset within the band [Hz]; ``t`` in s."""
    cdt = scenario.v.dtype
    two_pi = 2 * jnp.pi
    g = jnp.sum(scenario.alpha * jnp.exp(1j * (two_pi * (t * scenario.nu_ut - f * scenario.tau_ut)).astype(cdt)), axis=1)
    common = jnp.exp(1j * (two_pi * (t * scenario.nu_sat - f * scenario.tau_min)).astype(cdt))
    return scenario.v * (common * g)[None, :]

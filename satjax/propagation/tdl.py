r"""Fast fading of a non-terrestrial link: the NTN-TDL profiles of 3GPP TR 38.811 (V15.4.0)
§6.9.2 with the satellite Doppler applied, in JAX.

Table / equation -> function:

* Tables 6.9.2-1 (NTN-TDL-A), 6.9.2-2 (NTN-TDL-B), 6.9.2-3 (NTN-TDL-C, LoS, K = 10.224 dB),
  6.9.2-4 (NTN-TDL-D, LoS, K = 11.707 dB): normalized delays and powers -> ``PROFILES``,
  ``ntn_tdl_profile``, ``tap_powers`` (normalized to unit total power, docs/deviations.md);
* TR 38.901 §7.7.3 delay scaling, $\tau_n = \tau_{n,\rm model}\cdot DS$ -> ``tap_delays_s``
  (every profile's normalized delays have an RMS delay spread of 1, to the tables' rounding);
* the user's maximum Doppler $f_D = v f_c / c$ -> ``max_doppler_hz``;
* Rayleigh taps over time: a sum of sinusoids with random arrival angles and phases
  (Xiao, Zheng, Beaulieu, "Novel sum-of-sinusoids simulation models for Rayleigh and Rician
  fading channels", IEEE Trans. Wireless Commun., 2006), whose ensemble autocorrelation is
  exactly $P\,J_0(2\pi f_D\tau)$ for any number of sinusoids; the LoS (specular) component of the
  first tap of C and D with the Doppler $f_D\cos\theta_{\rm LoS}$ -> ``sample_ntn_tdl``;
* §6.9.2's Doppler of the satellite motion, common to all taps: a phase ramp
  $e^{j\phi_{\rm sat}(t)}$, $\phi_{\rm sat}(t) = 2\pi\int f_{\rm sat}\,dt$, with $f_{\rm sat}$ a
  number (e.g. ``ntn.max_doppler_shift_hz``) or one value per time step (e.g.
  ``satjax.orbits.doppler_shift_hz`` over a pass) -> ``satellite_doppler_phase_rad``;
* the frequency response on a set of subcarriers,
  $H(t, f) = \sum_l h_l(t)\,e^{-j2\pi f\tau_l}$ -> ``frequency_response``.

Inputs are validated at the boundary (``ValueError`` naming the parameter and its range) when
their values are known; under ``jit`` an out-of-range delay spread, speed or carrier gives NaN.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from satjax._checks import check_choice, check_finite, check_int_range, check_ndim, check_nonnegative, check_positive, float_dtype, is_concrete
from satjax._types import Array, ArrayLike, Complex, Float, PRNGKeyArray
from satjax.constants import SPEED_OF_LIGHT_M_S
from satjax.units import db_to_lin

__all__ = [
    "PROFILES",
    "NtnTdlProfile",
    "TdlRealization",
    "frequency_response",
    "max_doppler_hz",
    "ntn_tdl_profile",
    "rms_delay_spread",
    "sample_ntn_tdl",
    "satellite_doppler_phase_rad",
    "tap_delays_s",
    "tap_powers",
]

PROFILES = ("NTN-TDL-A", "NTN-TDL-B", "NTN-TDL-C", "NTN-TDL-D")

#: TR 38.811 Tables 6.9.2-1..4 as printed: rows (normalized delay, power [dB], "LoS" or
#: "Rayleigh"). The LoS row of C and D is the specular part of the first tap; the Rayleigh row
#: at the same delay 0 is its diffuse part.
_TABLES = {
    "NTN-TDL-A": ((0.0, 0.0, "Rayleigh"), (1.0811, -4.675, "Rayleigh"), (2.8416, -6.482, "Rayleigh")),
    "NTN-TDL-B": ((0.0, 0.0, "Rayleigh"), (0.7249, -1.973, "Rayleigh"), (0.7410, -4.332, "Rayleigh"),
                  (5.7392, -11.914, "Rayleigh")),
    "NTN-TDL-C": ((0.0, -0.394, "LoS"), (0.0, -10.618, "Rayleigh"), (14.8124, -23.373, "Rayleigh")),
    "NTN-TDL-D": ((0.0, -0.284, "LoS"), (0.0, -11.991, "Rayleigh"), (0.5596, -9.887, "Rayleigh"),
                  (7.3340, -16.771, "Rayleigh")),
}
#: K-factors printed with Tables 6.9.2-3 and 6.9.2-4 [dB] (LoS power over the first tap's diffuse power).
_K_FACTORS_DB = {"NTN-TDL-C": 10.224, "NTN-TDL-D": 11.707}


class NtnTdlProfile(NamedTuple):
    """One NTN-TDL profile as printed (before normalization).

    Attributes:
        name: ``"NTN-TDL-A"`` ... ``"NTN-TDL-D"``.
        normalized_delays: delay of each tap divided by the delay spread, [L] (the first tap at 0).
        powers_db: mean power of the diffuse (Rayleigh) part of each tap [dB], [L].
        los_power_db: power of the first tap's specular (LoS) part [dB]; None for A and B.
        k_factor_db: the printed K-factor [dB]; None for A and B.
    """

    name: str
    normalized_delays: tuple[float, ...]
    powers_db: tuple[float, ...]
    los_power_db: float | None
    k_factor_db: float | None


class TdlRealization(NamedTuple):
    """Tap gains over time and the tap delays of one NTN-TDL draw.

    Attributes:
        tap_gains: complex gain of each tap at each time, [T, L] (satellite Doppler included).
        delays_s: tap delays [s], [L].
    """

    tap_gains: Complex[Array, "T L"]
    delays_s: Float[Array, " L"]


def _check_profile(profile):
    check_choice("profile", profile, PROFILES)


def ntn_tdl_profile(profile: str) -> NtnTdlProfile:
    """The printed table of an NTN-TDL profile, TR 38.811 Tables 6.9.2-1..4.

    Args:
        profile: ``"NTN-TDL-A"``, ``"NTN-TDL-B"``, ``"NTN-TDL-C"`` or ``"NTN-TDL-D"``.

    Returns:
        ``NtnTdlProfile``: the taps as distinct delays (the LoS row of C and D folded into the
        first tap as ``los_power_db``).
    """
    _check_profile(profile)
    rows = _TABLES[profile]
    los = [p for _, p, kind in rows if kind == "LoS"]
    diffuse = [(d, p) for d, p, kind in rows if kind == "Rayleigh"]
    return NtnTdlProfile(profile, tuple(d for d, _ in diffuse), tuple(p for _, p in diffuse),
                         los[0] if los else None, _K_FACTORS_DB.get(profile))


def _check_k_factor(profile, k_factor_db):
    if k_factor_db is None:
        return
    if profile not in _K_FACTORS_DB:
        raise ValueError(f"k_factor_db applies to the LoS profiles {tuple(_K_FACTORS_DB)} only; "
                         f"{profile} has no LoS tap (pass k_factor_db=None)")
    if np.ndim(k_factor_db) != 0:
        raise ValueError(f"k_factor_db must be a scalar [dB], got shape {np.shape(k_factor_db)}")
    check_finite("k_factor_db", k_factor_db)


def tap_powers(profile: str, k_factor_db: Float[ArrayLike, "..."] | None = None,
               dtype=None) -> tuple[Float[Array, ""], Float[Array, " L"]]:
    r"""Mean powers of an NTN-TDL profile, normalized to a total of 1 (LoS part included).

    The printed profiles are not normalized (their totals are +1.95, +3.16, +0.02 and +0.51 dB for
    A..D). With ``k_factor_db`` (C and D only) the first tap keeps its printed total power and is
    split into a specular part $K/(K+1)$ and a diffuse part $1/(K+1)$ of it; the other taps are
    unchanged; then the profile is normalized (docs/deviations.md).

    Args:
        profile: ``"NTN-TDL-A"`` ... ``"NTN-TDL-D"``.
        k_factor_db: K-factor of the first tap [dB], finite; None: the printed one (10.224 dB for
            C, 11.707 dB for D). Refused for A and B.
        dtype: float dtype of the result (default: float32, float64 under x64 for a float64 K).

    Returns:
        (specular power of the first tap (0 for A and B), diffuse power of each tap [L]).
    """
    _check_profile(profile)
    _check_k_factor(profile, k_factor_db)
    table = ntn_tdl_profile(profile)
    if dtype is None:
        dtype = float_dtype("k_factor_db", 0.0 if k_factor_db is None else k_factor_db)
    diffuse = jnp.asarray(10.0 ** (np.asarray(table.powers_db) / 10.0), dtype)
    los = jnp.asarray(0.0 if table.los_power_db is None else 10.0 ** (table.los_power_db / 10.0), dtype)
    if k_factor_db is not None:
        k = db_to_lin(jnp.asarray(k_factor_db, dtype))
        first = los + diffuse[0]
        los = first * k / (k + 1.0)
        diffuse = diffuse.at[0].set(first / (k + 1.0))
    total = los + jnp.sum(diffuse)
    return los / total, diffuse / total


def rms_delay_spread(powers: Float[ArrayLike, "..."], delays: Float[ArrayLike, "..."]) -> Float[Array, ""]:
    r"""RMS delay spread of a power delay profile,
    $\sqrt{\sum_l P_l\tau_l^2/\sum_l P_l - (\sum_l P_l\tau_l/\sum_l P_l)^2}$.

    Args:
        powers: tap powers (linear), [L].
        delays: tap delays, [L] (any unit; the result has it).

    Returns:
        The RMS delay spread, in the unit of ``delays``.
    """
    check_ndim("powers", powers, 1, "[L]")
    if np.shape(delays) != np.shape(powers):
        raise ValueError(f"delays must have the shape of powers {np.shape(powers)}, got {np.shape(delays)}")
    p, d = jnp.asarray(powers), jnp.asarray(delays)
    mean = jnp.sum(p * d) / jnp.sum(p)
    return jnp.sqrt(jnp.sum(p * d**2) / jnp.sum(p) - mean**2)


def tap_delays_s(profile: str, delay_spread_s: Float[ArrayLike, "..."]) -> Float[Array, " L"]:
    r"""Tap delays of a profile scaled to a delay spread (TR 38.901 §7.7.3):
    $\tau_l = \tau_{l,\rm model}\cdot DS$.

    Args:
        profile: ``"NTN-TDL-A"`` ... ``"NTN-TDL-D"``.
        delay_spread_s: RMS delay spread $DS$ [s], a scalar > 0.

    Returns:
        Delays [s], [L] (the LoS and diffuse parts of the first tap share delay 0). NaN under
        ``jit`` for $DS \le 0$.
    """
    _check_profile(profile)
    if np.ndim(delay_spread_s) != 0:
        raise ValueError(f"delay_spread_s must be a scalar [s], got shape {np.shape(delay_spread_s)}")
    check_positive("delay_spread_s", delay_spread_s, "s")
    ds = jnp.asarray(delay_spread_s, float_dtype("delay_spread_s", delay_spread_s))
    delays = jnp.asarray(ntn_tdl_profile(profile).normalized_delays, ds.dtype) * ds
    return jnp.where(ds > 0, delays, jnp.nan)


def max_doppler_hz(speed_m_s: Float[ArrayLike, "..."], carrier_hz: Float[ArrayLike, "..."]) -> Float[Array, "..."]:
    r"""Maximum Doppler shift of the user's own motion, $f_D = v f_c / c$.

    Args:
        speed_m_s: user speed [m/s], >= 0.
        carrier_hz: carrier frequency [Hz], > 0.

    Returns:
        $f_D$ [Hz], the broadcast shape; NaN under ``jit`` for a negative speed or carrier <= 0.
    """
    check_nonnegative("speed_m_s", speed_m_s, "m/s")
    check_positive("carrier_hz", carrier_hz, "Hz")
    v, f = jnp.asarray(speed_m_s), jnp.asarray(carrier_hz)
    return jnp.where((v >= 0) & (f > 0), v * f / SPEED_OF_LIGHT_M_S, jnp.nan)


def satellite_doppler_phase_rad(times_s: Float[ArrayLike, "..."],
                                satellite_doppler_hz: Float[ArrayLike, "..."]) -> Float[Array, "..."]:
    r"""Phase of the common satellite Doppler, $\phi(t) = 2\pi\int f_{\rm sat}\,dt$.

    A constant $f_{\rm sat}$ gives $\phi(t) = 2\pi f_{\rm sat} t$ exactly. A Doppler per time step
    (a pass) gives $\phi(t_0) = 2\pi f_{\rm sat}(t_0)\,t_0$ and then the trapezoidal rule,
    $\phi(t_{k+1}) = \phi(t_k) + \pi\,(f_k + f_{k+1})(t_{k+1} - t_k)$ (exact for a Doppler linear
    between the steps).

    Args:
        times_s: increasing sample times [s], [T].
        satellite_doppler_hz: Doppler shift of the satellite motion [Hz], a scalar or [T].

    Returns:
        Phase [rad], [T].
    """
    _check_times(times_s, satellite_doppler_hz)
    t = jnp.asarray(times_s)
    f = jnp.asarray(satellite_doppler_hz)
    if f.ndim == 0:
        return 2.0 * jnp.pi * f * t
    increments = jnp.pi * (f[1:] + f[:-1]) * jnp.diff(t)
    start = 2.0 * jnp.pi * f[:1] * t[:1]
    return jnp.concatenate([start, start + jnp.cumsum(increments)])


def _check_times(times_s, satellite_doppler_hz):
    check_ndim("times_s", times_s, 1, "[T]")
    check_finite("times_s", times_s)
    if is_concrete(times_s) and np.any(np.diff(np.asarray(times_s)) <= 0):
        raise ValueError("times_s must be strictly increasing [s]")
    if np.ndim(satellite_doppler_hz) not in (0, 1) or (np.ndim(satellite_doppler_hz) == 1
                                                      and np.shape(satellite_doppler_hz) != np.shape(times_s)):
        raise ValueError(f"satellite_doppler_hz must be a scalar or one value per time step, shape "
                         f"{np.shape(times_s)}; got shape {np.shape(satellite_doppler_hz)}")
    check_finite("satellite_doppler_hz", satellite_doppler_hz)


def sample_ntn_tdl(key: PRNGKeyArray, profile: str, delay_spread_s: Float[ArrayLike, "..."], times_s: Float[ArrayLike, "..."],
                   speed_m_s: Float[ArrayLike, "..."], carrier_hz: Float[ArrayLike, "..."],
                   satellite_doppler_hz: Float[ArrayLike, "..."] = 0.0,
                   k_factor_db: Float[ArrayLike, "..."] | None = None, los_angle_rad: Float[ArrayLike, "..."] = np.pi / 4,
                   num_sinusoids: int = 32) -> TdlRealization:
    r"""Draw the taps of an NTN-TDL channel over time (TR 38.811 §6.9.2).

    Tap $l$ at time $t$ (powers from ``tap_powers``, $f_D$ from ``max_doppler_hz``):

    $$
    h_l(t) = e^{j\phi_{\rm sat}(t)}\Big[\delta_{l0}\sqrt{P_{\rm LoS}}\,
    e^{j(2\pi f_D\cos\theta_{\rm LoS}\,t + \psi)} + \sqrt{P_l/N}\sum_{n=1}^{N}
    e^{j(2\pi f_D\cos\alpha_{l,n}\,t + \varphi_{l,n})}\Big],\quad
    \alpha_{l,n} = \frac{2\pi n - \pi + \vartheta_l}{N}
    $$

    with $\vartheta_l$, $\varphi_{l,n}$, $\psi$ i.i.d. uniform on $[-\pi, \pi)$ and
    $\phi_{\rm sat}$ from ``satellite_doppler_phase_rad``. Each diffuse sum has mean power
    $P_l$ and the ensemble autocorrelation $P_l J_0(2\pi f_D\tau)$ exactly (the $\alpha_{l,n}$
    cover $[0, 2\pi)$ uniformly over $\vartheta_l$); its envelope is Rayleigh as $N\to\infty$
    (fourth moment $(2 - 1/N)P_l^2$ instead of $2P_l^2$).

    Args:
        key: PRNG key.
        profile: ``"NTN-TDL-A"`` ... ``"NTN-TDL-D"``.
        delay_spread_s: RMS delay spread [s], scalar > 0.
        times_s: strictly increasing sample times [s], [T].
        speed_m_s: user speed [m/s], scalar >= 0 (the maximum Doppler of the Rayleigh taps).
        carrier_hz: carrier frequency [Hz], scalar > 0.
        satellite_doppler_hz: Doppler of the satellite motion [Hz], common to all taps; a scalar
            or one value per time step [T].
        k_factor_db: K-factor of the LoS tap [dB] (C and D only); None: the printed one.
        los_angle_rad: angle $\theta_{\rm LoS}$ between the user's velocity and the LoS path
            [rad], finite (default pi/4, Sionna's TR 38.901 TDL default before v2.1; docs/deviations.md).
        num_sinusoids: sinusoids per Rayleigh tap $N$, an integer >= 1.

    Returns:
        ``TdlRealization``: tap gains [T, L] and tap delays in seconds, [L].
    """
    _check_profile(profile)
    _check_times(times_s, satellite_doppler_hz)
    for name, value in (("speed_m_s", speed_m_s), ("carrier_hz", carrier_hz), ("los_angle_rad", los_angle_rad)):
        if np.ndim(value) != 0:
            raise ValueError(f"{name} must be a scalar, got shape {np.shape(value)}")
    check_finite("los_angle_rad", los_angle_rad)
    check_int_range("num_sinusoids", num_sinusoids, 1)
    dtype = float_dtype("times_s", times_s, "delay_spread_s", delay_spread_s, "speed_m_s", speed_m_s,
                        "carrier_hz", carrier_hz, "satellite_doppler_hz", satellite_doppler_hz)
    delays = tap_delays_s(profile, jnp.asarray(delay_spread_s, dtype))
    los_power, diffuse_power = tap_powers(profile, k_factor_db, dtype)
    f_d = max_doppler_hz(jnp.asarray(speed_m_s, dtype), jnp.asarray(carrier_hz, dtype))
    t = jnp.asarray(times_s, dtype)
    num_taps = diffuse_power.shape[0]

    k_theta, k_phi, k_psi = jax.random.split(key, 3)
    theta = jax.random.uniform(k_theta, (num_taps, 1), dtype, -jnp.pi, jnp.pi)
    phi = jax.random.uniform(k_phi, (num_taps, num_sinusoids), dtype, -jnp.pi, jnp.pi)
    psi = jax.random.uniform(k_psi, (), dtype, -jnp.pi, jnp.pi)
    n = jnp.arange(1, num_sinusoids + 1, dtype=dtype)[None, :]
    alpha = (2.0 * jnp.pi * n - jnp.pi + theta) / num_sinusoids                     # [L, N]
    doppler = f_d * jnp.cos(alpha)                                                   # [L, N]
    phase = 2.0 * jnp.pi * doppler[None, :, :] * t[:, None, None] + phi[None, :, :]  # [T, L, N]
    diffuse = jnp.sqrt(diffuse_power / num_sinusoids)[None, :] * jnp.sum(jnp.exp(1j * phase), axis=-1)
    los_phase = 2.0 * jnp.pi * f_d * jnp.cos(jnp.asarray(los_angle_rad, dtype)) * t + psi
    los = jnp.sqrt(los_power) * jnp.exp(1j * los_phase)                              # [T]
    gains = diffuse.at[:, 0].add(los)
    gains = gains * jnp.exp(1j * satellite_doppler_phase_rad(t, jnp.asarray(satellite_doppler_hz, dtype)))[:, None]
    return TdlRealization(gains, delays)


def frequency_response(tap_gains: Complex[ArrayLike, "..."], delays_s: Float[ArrayLike, "..."],
                       frequencies_hz: Float[ArrayLike, "..."]) -> Complex[Array, "..."]:
    r"""Frequency response of a tapped delay line, $H(f) = \sum_l h_l\,e^{-j2\pi f\tau_l}$.

    Args:
        tap_gains: complex tap gains [..., L] (e.g. ``TdlRealization.tap_gains`` [T, L]).
        delays_s: tap delays [s], [L].
        frequencies_hz: subcarrier frequencies relative to the carrier [Hz], [F].

    Returns:
        $H$ [..., F].
    """
    check_ndim("delays_s", delays_s, 1, "[L]")
    check_ndim("frequencies_hz", frequencies_hz, 1, "[F]")
    if np.shape(tap_gains)[-1:] != np.shape(delays_s):
        raise ValueError(f"tap_gains must end in the number of taps {np.shape(delays_s)[0]} (delays_s [L]), "
                         f"got shape {np.shape(tap_gains)}")
    check_finite("delays_s", delays_s)
    check_finite("frequencies_hz", frequencies_hz)
    h = jnp.asarray(tap_gains)
    steering = jnp.exp(-2j * jnp.pi * jnp.asarray(frequencies_hz)[None, :] * jnp.asarray(delays_s)[:, None])  # [L, F]
    return h @ steering.astype(h.dtype)

r"""3GPP TR 38.811 (V15.4.0) large-scale channel of a non-terrestrial link, in JAX.

Table / equation -> function:

* Table 6.6.1-1 (LoS probability per environment and elevation) -> ``los_probability``,
  ``sample_los``;
* Tables 6.6.2-1 (dense urban), 6.6.2-2 (urban), 6.6.2-3 (suburban and rural): shadow-fading
  standard deviation (LoS / NLoS) and clutter loss (NLoS; 0 dB in LoS) for S and Ka band ->
  ``shadow_fading_std_db``, ``clutter_loss_db``;
* §6.6.2, slant range $d$ from altitude and elevation -> ``slant_range_m``;
* §6.6.2, free-space path loss FSPL -> ``itu_r.free_space_loss_db`` (exact constant
  $20\log_{10}(4\pi\cdot10^9/c) = 32.4478$ dB where the TR rounds to 32.45);
* §6.6.4 atmospheric absorption -> ``atmospheric_loss_db`` (our P.676-12, Annex 2);
* §6.6.6.1 ionospheric scintillation (P.531, the TR's 4 GHz fluctuation scaled by
  $f^{-1.5}$) -> ``ionospheric_scintillation_db``;
* §6.6.6.2 tropospheric scintillation (Table 6.6.6.2.1-1, 20 GHz, 99 %) ->
  ``tropospheric_scintillation_db``;
* §6.6.2, total loss $PL = PL_b + PL_g + PL_s (+ PL_e)$, $PL_b = FSPL + SF + CL$ -> ``path_loss_db``;
* Doppler: ``max_doppler_shift_hz`` (TR 38.821's maximum for a ground user at a given
  elevation) and ``satjax.orbits.doppler_shift_hz`` from the exact range rate of a pass.

Elevation between the tables' 10-degree rows is a parameter, ``interpolation``:

* ``"nearest"``: the nearest row, ties rounded up (25 deg -> 30 deg row), as C's ``round`` does
  in ns-3's NTN model; Python's ``round`` (half to even, used by some Python implementations)
  would send 25 deg to the 20 deg row and 35 deg to the 40 deg row. Piecewise constant: its
  gradient in elevation is 0.
* ``"linear"``: linear interpolation between rows (continuous, for gradients).

Both hold the 10 deg row below 10 deg (the TR gives no row below it; docs/deviations.md). Angles
are in radians at the interface, like the rest of satjax; elevations outside [0, pi/2] (and
negative altitudes) are refused with a ``ValueError`` on concrete input and give NaN under
``jit``, where their values are unknown at the boundary.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from satjax._checks import check_choice, check_finite, check_nonnegative, is_concrete
from satjax._types import Array, ArrayLike, Bool, Float, PRNGKeyArray, Shaped
from satjax.orbits import MU_EARTH_M3_S2
from satjax.propagation import itu_r
from satjax.constants import EARTH_RADIUS_M, SPEED_OF_LIGHT_M_S

__all__ = [
    "BANDS",
    "ENVIRONMENTS",
    "INTERPOLATIONS",
    "NTN_ELEVATIONS_DEG",
    "atmospheric_loss_db",
    "band_of_frequency",
    "clutter_loss_db",
    "ionospheric_scintillation_db",
    "los_probability",
    "max_doppler_shift_hz",
    "path_loss_db",
    "sample_los",
    "shadow_fading_std_db",
    "slant_range_m",
    "tropospheric_scintillation_db",
]

ENVIRONMENTS = ("dense_urban", "urban", "suburban", "rural")
BANDS = ("S", "Ka")
INTERPOLATIONS = ("nearest", "linear")
#: Table rows [deg].
NTN_ELEVATIONS_DEG = (10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0)
#: Carrier ranges [Hz] mapped to the tables' bands by ``band_of_frequency``.
_BAND_RANGES_HZ = {"S": (1.9e9, 4.0e9), "Ka": (17.7e9, 40.0e9)}

#: Table 6.6.1-1: LoS probability [%]; suburban and rural share one column.
_LOS_PROBABILITY_PCT = {
    "dense_urban": (28.2, 33.1, 39.8, 46.8, 53.7, 61.2, 73.8, 82.0, 98.1),
    "urban": (24.6, 38.6, 49.3, 61.3, 72.6, 80.5, 91.9, 96.8, 99.2),
    "suburban": (78.2, 86.9, 91.9, 92.9, 93.5, 94.0, 94.9, 95.2, 99.8),
}
_LOS_PROBABILITY_PCT["rural"] = _LOS_PROBABILITY_PCT["suburban"]

#: Tables 6.6.2-1..3, rows 10..90 deg. Key (environment, band) -> (sigma_SF LoS, sigma_SF NLoS,
#: clutter loss NLoS) [dB]; suburban and rural share Table 6.6.2-3.
_SF_CL_DB = {
    ("dense_urban", "S"): ((3.5, 3.4, 2.9, 3.0, 3.1, 2.7, 2.5, 2.3, 1.2),
                           (15.5, 13.9, 12.4, 11.7, 10.6, 10.5, 10.1, 9.2, 9.2),
                           (34.3, 30.9, 29.0, 27.7, 26.8, 26.2, 25.8, 25.5, 25.5)),
    ("dense_urban", "Ka"): ((2.9, 2.4, 2.7, 2.4, 2.4, 2.7, 2.6, 2.8, 0.6),
                            (17.1, 17.1, 15.6, 14.6, 14.2, 12.6, 12.1, 12.3, 12.3),
                            (44.3, 39.9, 37.5, 35.8, 34.6, 33.8, 33.3, 33.0, 32.9)),
    ("urban", "S"): ((4.0,) * 9, (6.0,) * 9, (34.3, 30.9, 29.0, 27.7, 26.8, 26.2, 25.8, 25.5, 25.5)),
    ("urban", "Ka"): ((4.0,) * 9, (6.0,) * 9, (44.3, 39.9, 37.5, 35.8, 34.6, 33.8, 33.3, 33.0, 32.9)),
    ("suburban", "S"): ((1.79, 1.14, 1.14, 0.92, 1.42, 1.56, 0.85, 0.72, 0.72),
                        (8.93, 9.08, 8.78, 10.25, 10.56, 10.74, 10.17, 11.52, 11.52),
                        (19.52, 18.17, 18.42, 18.28, 18.63, 17.68, 16.50, 16.30, 16.30)),
    ("suburban", "Ka"): ((1.9, 1.6, 1.9, 2.3, 2.7, 3.1, 3.0, 3.6, 0.4),
                         (10.7, 10.0, 11.2, 11.6, 11.8, 10.8, 10.8, 10.8, 10.8),
                         (29.5, 24.6, 21.9, 20.0, 18.7, 17.8, 17.2, 16.9, 16.8)),
}
for _band in BANDS:
    _SF_CL_DB[("rural", _band)] = _SF_CL_DB[("suburban", _band)]

#: Table 6.6.6.2.1-1: tropospheric scintillation loss [dB] at 20 GHz, 99 % of the time (Toulouse).
_TROPO_SCINTILLATION_DB = (1.08, 0.48, 0.30, 0.22, 0.17, 0.13, 0.12, 0.12, 0.12)
#: §6.6.6.1.4: peak-to-peak ionospheric fluctuation at 4 GHz [dB] (P.531, equatorial region).
_IONO_FLUCTUATION_4GHZ_DB = 1.1
#: Top of the atmosphere for the gaseous path [m] (P.676's profiles end at 100 km).
_ATMOSPHERE_TOP_M = 100e3


def _check_elevation(elevation_rad):
    check_finite("elevation_rad", elevation_rad)
    if is_concrete(elevation_rad):
        v = np.asarray(elevation_rad)
        if np.any((v < 0) | (v > np.pi / 2)):
            raise ValueError(f"elevation_rad must be in [0, pi/2] rad (0..90 deg), got min {np.degrees(v.min()):.4g} deg, "
                             f"max {np.degrees(v.max()):.4g} deg")


def _check_los(los):
    los = jnp.asarray(los)
    if los.dtype != jnp.bool_:
        raise ValueError(f"los must be a boolean array (True: line of sight), got dtype {los.dtype}")
    return los


def _nan_outside(value, elevation_rad, altitude_m=None):
    """``value`` where the elevation is in [0, pi/2] (and the altitude >= 0), NaN elsewhere: values
    only known under ``jit`` are not checked, so an out-of-range one must not give a number."""
    el = jnp.asarray(elevation_rad)
    valid = (el >= 0) & (el <= jnp.pi / 2)
    if altitude_m is not None:
        valid = valid & (jnp.asarray(altitude_m) >= 0)
    return jnp.where(valid, value, jnp.nan)


def _sf_cl_columns(environment, band):
    """(sigma_SF LoS, sigma_SF NLoS, clutter loss) rows of Tables 6.6.2-1..3 for a validated pair."""
    check_choice("environment", environment, ENVIRONMENTS)
    check_choice("band", band, BANDS)
    return _SF_CL_DB[(environment, band)]


def _table(elevation_rad, values, interpolation):
    """Look a 10..90-deg table up at ``elevation_rad`` (nearest row with ties up, or linear)."""
    check_choice("interpolation", interpolation, INTERPOLATIONS)
    _check_elevation(elevation_rad)
    elevation_rad = jnp.asarray(elevation_rad)
    dtype = jnp.result_type(elevation_rad, float)
    deg = jnp.rad2deg(elevation_rad.astype(dtype))
    table = jnp.asarray(values, dtype)
    if interpolation == "linear":
        value = jnp.interp(deg, jnp.asarray(NTN_ELEVATIONS_DEG, dtype), table)
    else:
        value = table[jnp.clip(jnp.floor(deg / 10.0 + 0.5), 1, 9).astype(jnp.int32) - 1]   # ties up, not to even
    return _nan_outside(value, elevation_rad)


def band_of_frequency(carrier_hz: float) -> str:
    """The table band of a carrier: ``"S"`` for 1.9-4 GHz, ``"Ka"`` for 17.7-40 GHz.

    Args:
        carrier_hz: carrier frequency [Hz] (a host number).

    Returns:
        ``"S"`` or ``"Ka"``; other carriers raise a ``ValueError`` (the TR has no table for them).
    """
    f = float(carrier_hz)
    for band, (lo, hi) in _BAND_RANGES_HZ.items():
        if lo <= f <= hi:
            return band
    raise ValueError(f"carrier_hz must be in the S band [1.9, 4] GHz or the Ka band [17.7, 40] GHz "
                     f"(TR 38.811 Tables 6.6.2-1..3), got {f / 1e9:.4g} GHz")


def los_probability(elevation_rad: Float[ArrayLike, "..."], environment: str, interpolation: str = "nearest") -> Float[Array, "..."]:
    """LoS probability, TR 38.811 Table 6.6.1-1.

    Args:
        elevation_rad: elevation in [0, pi/2] rad.
        environment: ``"dense_urban"``, ``"urban"``, ``"suburban"`` or ``"rural"``.
        interpolation: ``"nearest"`` or ``"linear"`` (module docstring).

    Returns:
        Probability in [0, 1], the shape of ``elevation_rad``.
    """
    check_choice("environment", environment, ENVIRONMENTS)
    return _table(elevation_rad, _LOS_PROBABILITY_PCT[environment], interpolation) / 100.0


def sample_los(key: PRNGKeyArray, elevation_rad: Float[ArrayLike, "..."], environment: str,
               interpolation: str = "nearest") -> Bool[Array, "..."]:
    """Draw the LoS state of each link: Bernoulli with ``los_probability``.

    Args:
        key: PRNG key.
        elevation_rad: elevation in [0, pi/2] rad.
        environment: ``"dense_urban"``, ``"urban"``, ``"suburban"`` or ``"rural"``.
        interpolation: ``"nearest"`` or ``"linear"``.

    Returns:
        Boolean LoS states, the shape of ``elevation_rad``.
    """
    p = los_probability(elevation_rad, environment, interpolation)
    return jax.random.uniform(key, p.shape, p.dtype) < p


def shadow_fading_std_db(elevation_rad: Float[ArrayLike, "..."], los: Shaped[ArrayLike, "..."], environment: str, band: str,
                         interpolation: str = "nearest") -> Float[Array, "..."]:
    """Shadow-fading standard deviation [dB], TR 38.811 Tables 6.6.2-1..3.

    Args:
        elevation_rad: elevation in [0, pi/2] rad.
        los: LoS state (bool), broadcast against ``elevation_rad``.
        environment: ``"dense_urban"``, ``"urban"``, ``"suburban"`` or ``"rural"``.
        band: ``"S"`` or ``"Ka"`` (``band_of_frequency``).
        interpolation: ``"nearest"`` or ``"linear"``.

    Returns:
        sigma_SF [dB], the broadcast shape.
    """
    sigma_los, sigma_nlos, _ = _sf_cl_columns(environment, band)
    return jnp.where(_check_los(los), _table(elevation_rad, sigma_los, interpolation),
                     _table(elevation_rad, sigma_nlos, interpolation))


def clutter_loss_db(elevation_rad: Float[ArrayLike, "..."], los: Shaped[ArrayLike, "..."], environment: str, band: str,
                    interpolation: str = "nearest") -> Float[Array, "..."]:
    """Clutter loss [dB], TR 38.811 Tables 6.6.2-1..3 (NLoS); 0 dB in LoS (§6.6.2).

    Args:
        elevation_rad: elevation in [0, pi/2] rad.
        los: LoS state (bool), broadcast against ``elevation_rad``.
        environment: ``"dense_urban"``, ``"urban"``, ``"suburban"`` or ``"rural"``.
        band: ``"S"`` or ``"Ka"``.
        interpolation: ``"nearest"`` or ``"linear"``.

    Returns:
        CL [dB], the broadcast shape.
    """
    cl = _table(elevation_rad, _sf_cl_columns(environment, band)[2], interpolation)
    return jnp.where(_check_los(los), jnp.zeros_like(cl), cl)


def slant_range_m(altitude_m: Float[ArrayLike, "..."], elevation_rad: Float[ArrayLike, "..."]) -> Float[Array, "..."]:
    r"""Slant range from a ground user to a satellite, TR 38.811 §6.6.2 (spherical Earth,
    $R_E$ = 6371 km):

    $$
    d = \sqrt{R_E^2\sin^2\alpha + h_0^2 + 2h_0R_E} - R_E\sin\alpha
    $$

    Args:
        altitude_m: satellite altitude $h_0$ [m], >= 0.
        elevation_rad: elevation $\alpha$ in [0, pi/2] rad.

    Returns:
        Distance [m], the broadcast shape.
    """
    check_nonnegative("altitude_m", altitude_m, "m")
    _check_elevation(elevation_rad)
    h, s = jnp.asarray(altitude_m), jnp.sin(jnp.asarray(elevation_rad))
    r = EARTH_RADIUS_M
    return _nan_outside(jnp.sqrt((r * s) ** 2 + h**2 + 2.0 * h * r) - r * s, elevation_rad, h)


def atmospheric_loss_db(carrier_hz: Float[ArrayLike, "..."], elevation_rad: Float[ArrayLike, "..."],
                        pressure_hpa: Float[ArrayLike, ""] = itu_r.STANDARD_PRESSURE_HPA,
                        water_vapour_g_m3: Float[ArrayLike, ""] = itu_r.STANDARD_WATER_VAPOUR_G_M3,
                        temperature_k: Float[ArrayLike, ""] = itu_r.STANDARD_TEMPERATURE_K) -> Float[Array, "..."]:
    r"""Gaseous absorption of the Earth-space path [dB], TR 38.811 §6.6.4 via P.676-12 Annex 2:
    $A_{\rm zenith}/\sin\alpha$ above 5 deg and the curved-Earth path below
    (``itu_r.gaseous_attenuation_inclined_db`` from the ground to 100 km, which equals the
    $1/\sin$ form above 5 deg to < 1e-9 relative (measured 2.9e-10 at 20 GHz) and stays finite at 0 deg).

    Args:
        carrier_hz: carrier frequency [Hz].
        elevation_rad: elevation in [0, pi/2] rad.
        pressure_hpa: dry-air pressure at the ground [hPa].
        water_vapour_g_m3: water-vapour density at the ground [g/m^3].
        temperature_k: temperature at the ground [K].

    Returns:
        PL_g [dB], the broadcast shape.
    """
    _check_elevation(elevation_rad)
    loss = itu_r.gaseous_attenuation_inclined_db(carrier_hz, elevation_rad, 0.0, _ATMOSPHERE_TOP_M,
                                                 pressure_hpa, water_vapour_g_m3, temperature_k)
    return _nan_outside(loss, elevation_rad)


def ionospheric_scintillation_db(carrier_hz: Float[ArrayLike, "..."]) -> Float[Array, "..."]:
    r"""Ionospheric scintillation loss [dB], TR 38.811 §6.6.6.1.4 (P.531, regions within about
    20 deg of the magnetic equator): $PL_s = P_{\rm fluc}(f_c)/\sqrt2$ with
    $P_{\rm fluc}(f_c) = P_{\rm fluc}(4\,{\rm GHz})\,(f_c/4\,{\rm GHz})^{-1.5}$,
    $P_{\rm fluc}(4\,{\rm GHz})$ = 1.1 dB, i.e. $\approx 6.22\,f_{\rm GHz}^{-1.5}$ dB. The TR
    neglects it at mid latitudes and above 6 GHz (``path_loss_db``'s ``ionospheric`` flag).

    Args:
        carrier_hz: carrier frequency [Hz], > 0.

    Returns:
        PL_s [dB], the shape of ``carrier_hz``.
    """
    f = jnp.asarray(carrier_hz)
    return _IONO_FLUCTUATION_4GHZ_DB * (f / 4e9) ** -1.5 / jnp.sqrt(2.0)


def tropospheric_scintillation_db(elevation_rad: Float[ArrayLike, "..."], interpolation: str = "nearest") -> Float[Array, "..."]:
    """Tropospheric scintillation loss [dB], TR 38.811 Table 6.6.6.2.1-1 (20 GHz, exceeded 1 % of
    the time); the TR uses it for the Ka band.

    Args:
        elevation_rad: elevation in [0, pi/2] rad.
        interpolation: ``"nearest"`` or ``"linear"``.

    Returns:
        PL_s [dB], the shape of ``elevation_rad``.
    """
    return _table(elevation_rad, _TROPO_SCINTILLATION_DB, interpolation)


def path_loss_db(altitude_m: Float[ArrayLike, "..."], elevation_rad: Float[ArrayLike, "..."], carrier_hz: float,
                 los: Shaped[ArrayLike, "..."], environment: str, shadow_fading_db: Float[ArrayLike, "..."] = 0.0,
                 interpolation: str = "nearest", ionospheric: bool = False,
                 slant_range: Float[ArrayLike, "..."] | None = None) -> Float[Array, "..."]:
    r"""Total large-scale loss of a satellite-ground link [dB], TR 38.811 §6.6.2:

    $$
    PL = \underbrace{FSPL(d, f_c) + SF + CL(\alpha, f_c)}_{PL_b} + PL_g + PL_s
    $$

    with $d$ from ``slant_range_m`` (or ``slant_range`` from an orbit), $SF$ a shadow-fading draw
    (pass ``shadow_fading_db = sigma * N(0, 1)`` with ``shadow_fading_std_db``; default 0, the
    median), $CL$ the clutter loss (NLoS only), $PL_g$ gaseous absorption and $PL_s$ the
    scintillation of the band: tropospheric (Table 6.6.6.2.1-1) in Ka, ionospheric
    (§6.6.6.1.4) in S only when ``ionospheric`` (equatorial/high-latitude users). Building entry
    loss $PL_e$ (§6.6.3, indoor users) is not included.

    Args:
        altitude_m: satellite altitude [m], >= 0.
        elevation_rad: elevation in [0, pi/2] rad.
        carrier_hz: carrier frequency [Hz] (host number; picks the band, ``band_of_frequency``).
        los: LoS state (bool).
        environment: ``"dense_urban"``, ``"urban"``, ``"suburban"`` or ``"rural"``.
        shadow_fading_db: shadow-fading realisation [dB].
        interpolation: ``"nearest"`` or ``"linear"``.
        ionospheric: add S-band ionospheric scintillation.
        slant_range: distance [m] to use instead of ``slant_range_m`` (e.g. from ``satjax.orbits``).

    Returns:
        PL [dB], the broadcast shape.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from satjax.propagation import ntn
        >>> elevation = jnp.deg2rad(jnp.array([10.0, 30.0, 90.0]))
        >>> loss = ntn.path_loss_db(600e3, elevation, 2e9, True, "urban")    # LoS, dB
        >>> loss.shape, bool(jnp.all(jnp.diff(loss) < 0))              # lower toward the zenith
        ((3,), True)
        >>> d_loss = jax.grad(lambda h: ntn.path_loss_db(h, elevation[1], 2e9, True, "urban"))(600e3)
        >>> bool(d_loss > 0)                                          # higher orbit, more loss [dB/m]
        True
    """
    band = band_of_frequency(carrier_hz)
    check_choice("environment", environment, ENVIRONMENTS)
    d = slant_range_m(altitude_m, elevation_rad) if slant_range is None else jnp.asarray(slant_range)
    loss = (itu_r.free_space_loss_db(d, carrier_hz) + shadow_fading_db
            + clutter_loss_db(elevation_rad, los, environment, band, interpolation)
            + atmospheric_loss_db(carrier_hz, elevation_rad))
    if band == "Ka":
        loss = loss + tropospheric_scintillation_db(elevation_rad, interpolation)
    elif ionospheric:
        loss = loss + ionospheric_scintillation_db(carrier_hz)
    return loss


def max_doppler_shift_hz(altitude_m: Float[ArrayLike, "..."], elevation_rad: Float[ArrayLike, "..."],
                         carrier_hz: Float[ArrayLike, "..."]) -> Float[Array, "..."]:
    r"""Doppler shift seen by a fixed ground user at elevation $\alpha$ under a circular orbit that
    passes through its zenith (the maximum at that elevation; the formula behind TR 38.821's Doppler figures):

    $$
    f_D = \frac{f_c}{c}\, v_{\rm sat}\, \frac{R_E}{R_E + h}\cos\alpha, \qquad
    v_{\rm sat} = \sqrt{\mu/(R_E+h)}
    $$

    ($R_E$ = 6371 km, Earth rotation neglected). It is $\dot d$ of the overhead pass by the sine
    rule, which ``tests/propagation/test_ntn.py`` checks against ``satjax.orbits``' range rate.

    Args:
        altitude_m: satellite altitude [m], >= 0.
        elevation_rad: elevation in [0, pi/2] rad.
        carrier_hz: carrier frequency [Hz].

    Returns:
        |f_D| [Hz], the broadcast shape.
    """
    check_nonnegative("altitude_m", altitude_m, "m")
    _check_elevation(elevation_rad)
    r = EARTH_RADIUS_M + jnp.asarray(altitude_m)
    speed = jnp.sqrt(MU_EARTH_M3_S2 / r)
    f_d = jnp.asarray(carrier_hz) / SPEED_OF_LIGHT_M_S * speed * EARTH_RADIUS_M / r * jnp.cos(jnp.asarray(elevation_rad))
    return _nan_outside(f_d, elevation_rad, altitude_m)

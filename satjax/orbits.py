r"""Orbits and passes: Keplerian orbits, Walker-delta constellations, WGS-84 ground points, the
Earth's rotation, look angles, range rate (Doppler), visibility windows and the serving satellite.

Everything is a pure JAX function of arrays (``jit``/``vmap``/``grad``), except the Earth's
rotation angle at the epoch, which is computed once on the host in float64 (``earth_rotation``).

Frames and conventions:

* **ECI**: the inertial frame the orbital elements refer to (for a TLE: TEME; then use
  ``earth_rotation(..., model="gmst82")``). Positions in metres.
* **ECEF**: Earth-fixed, $r_{\rm ECEF} = R_3(\theta(t))\, r_{\rm ECI}$ with
  $\theta(t) = \theta_0 + \omega t$, $t$ in seconds since the epoch (polar motion neglected).
* Ground points are geodetic (WGS-84): latitude, longitude [rad], height [m].
* Elevation and azimuth are topocentric (local east-north-up of the geodetic normal), azimuth
  clockwise from north in $[0, 2\pi)$.

Orbits are two-body Keplerian, optionally with the secular J2 drift of the right ascension of
the ascending node, the argument of perigee and the mean anomaly (Vallado, *Fundamentals of
Astrodynamics*, 4th ed., eqs. 9-41 and 9-42):

$$
\dot\Omega = -\tfrac32 n J_2 \Big(\frac{R}{p}\Big)^2\cos i,\quad
\dot\omega = \tfrac34 n J_2 \Big(\frac{R}{p}\Big)^2 (5\cos^2 i - 1),\quad
\dot M = n\Big[1 + \tfrac34 J_2 \Big(\frac{R}{p}\Big)^2\sqrt{1-e^2}\,(3\cos^2 i - 1)\Big]
$$

with $n = \sqrt{\mu/a^3}$, $p = a(1-e^2)$, $R$ the WGS-84 equatorial radius. No short-period
terms, no drag: against SGP4 this is a km-level model (docs/ntn.md states the measured gaps).
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from satjax._checks import check_choice, check_finite, check_int_range, check_nonnegative, is_concrete
from satjax._types import Array, ArrayLike, Bool, Float, Int
from satjax.constants import SPEED_OF_LIGHT_M_S

__all__ = [
    "EARTH_ROTATION_RATE_RAD_S",
    "J2_EARTH",
    "MU_EARTH_M3_S2",
    "WGS84_A_M",
    "WGS84_F",
    "EarthRotation",
    "GroundPoint",
    "KeplerOrbit",
    "LinkGeometry",
    "Pass",
    "VisibilityEvents",
    "circular_orbit",
    "doppler_shift_hz",
    "earth_rotation",
    "eci_to_ecef",
    "geodetic_to_ecef",
    "ground_point",
    "kepler_orbit",
    "kepler_orbit_from_tle",
    "link_geometry",
    "link_geometry_grid",
    "look_angles",
    "passes",
    "satellite_position_eci",
    "serving_satellite",
    "serving_weights",
    "visibility_events",
    "walker_delta",
]

#: Earth's gravitational parameter GM [m^3/s^2] (WGS-84).
MU_EARTH_M3_S2 = 3.986004418e14
#: Second zonal harmonic J2 (EGM-96 / WGS-84, unnormalised).
J2_EARTH = 1.08262668e-3
#: WGS-84 equatorial radius [m] and flattening.
WGS84_A_M = 6_378_137.0
WGS84_F = 1.0 / 298.257223563
_WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
#: IAU 2000 Earth rotation angle: theta = 2 pi (0.7790572732640 + 1.00273781191135448 T_u),
#: T_u = JD(UT1) - 2451545.0.
_ERA_AT_J2000_TURNS = 0.7790572732640
_ERA_TURNS_PER_DAY = 1.00273781191135448
_J2000_JD = 2451545.0
#: Rotation rate of the Earth rotation angle [rad per UT1 second].
EARTH_ROTATION_RATE_RAD_S = 2.0 * math.pi * _ERA_TURNS_PER_DAY / 86400.0
_MAX_ECCENTRICITY = 0.9
_KEPLER_NEWTON_STEPS = 12


class KeplerOrbit(NamedTuple):
    """Classical orbital elements at the epoch (t = 0). Each field is an array of the same shape
    (one entry per satellite) or a scalar; a pytree, so ``vmap`` maps over satellites.

    Fields: ``semi_major_axis_m`` [m], ``eccentricity`` [-], ``inclination_rad``, ``raan_rad``
    (right ascension of the ascending node), ``arg_perigee_rad``, ``mean_anomaly_rad`` [rad]."""

    semi_major_axis_m: ArrayLike
    eccentricity: ArrayLike
    inclination_rad: ArrayLike
    raan_rad: ArrayLike
    arg_perigee_rad: ArrayLike
    mean_anomaly_rad: ArrayLike


class GroundPoint(NamedTuple):
    """A geodetic (WGS-84) point: ``lat_rad``, ``lon_rad`` [rad], ``height_m`` [m] above the
    ellipsoid. Fields are arrays of one shape (one entry per point) or scalars."""

    lat_rad: ArrayLike
    lon_rad: ArrayLike
    height_m: ArrayLike


class EarthRotation(NamedTuple):
    """ECI -> ECEF rotation angle theta(t) = ``angle_at_epoch_rad`` + ``rate_rad_s`` * t, t in
    seconds since the epoch. Build it with ``earth_rotation``; ``EarthRotation(0.0, 0.0)``
    is a non-rotating Earth (ECEF = ECI)."""

    angle_at_epoch_rad: float
    rate_rad_s: float


class LinkGeometry(NamedTuple):
    """Satellite seen from a ground point: ``elevation_rad``, ``azimuth_rad`` (clockwise from
    north, [0, 2 pi)), ``slant_range_m`` [m] and ``range_rate_m_s`` [m/s] (> 0: receding)."""

    elevation_rad: Array
    azimuth_rad: Array
    slant_range_m: Array
    range_rate_m_s: Array


class VisibilityEvents(NamedTuple):
    """Crossings of the minimum elevation and elevation maxima on a time grid ``t`` [T].

    Per grid interval ``[t[i], t[i+1]]`` (arrays [T-1]): ``crossing_kind`` +1 (rises above the
    minimum), -1 (sets), 0 (none); ``crossing_time_s`` the refined crossing time (NaN where
    ``crossing_kind == 0``); ``culmination_time_s`` and ``culmination_elevation_rad`` the time
    and value of a local elevation maximum inside the interval (NaN where there is none)."""

    crossing_kind: Array
    crossing_time_s: Array
    culmination_time_s: Array
    culmination_elevation_rad: Array


class Pass(NamedTuple):
    """One pass above the minimum elevation (host floats): ``rise_s``, ``culmination_s``,
    ``set_s`` [s since the epoch; rise/set NaN when the pass is cut by the grid's ends] and
    ``max_elevation_rad``."""

    rise_s: float
    culmination_s: float
    set_s: float
    max_elevation_rad: float


# ----------------------------------------------------------------------------------- orbits


def kepler_orbit(semi_major_axis_m: Float[ArrayLike, "*S"], eccentricity: Float[ArrayLike, "*S"],
                 inclination_rad: Float[ArrayLike, "*S"], raan_rad: Float[ArrayLike, "*S"],
                 arg_perigee_rad: Float[ArrayLike, "*S"], mean_anomaly_rad: Float[ArrayLike, "*S"]) -> KeplerOrbit:
    """A validated ``KeplerOrbit`` (fields broadcast to one shape).

    Args:
        semi_major_axis_m: semi-major axis [m]; the perigee must be above the WGS-84 equator
            radius (``a (1 - e) >= 6378137 m``).
        eccentricity: in [0, 0.9] (the Kepler solver's tested range).
        inclination_rad: in [0, pi].
        raan_rad: right ascension of the ascending node [rad].
        arg_perigee_rad: argument of perigee [rad].
        mean_anomaly_rad: mean anomaly at the epoch [rad].

    Returns:
        The orbit; each field an array of the broadcast shape. Under ``jit`` an orbit outside
        these ranges (unknown at trace time) gets a NaN semi-major axis, so everything computed
        from it is NaN.
    """
    fields = [jnp.asarray(x) for x in (semi_major_axis_m, eccentricity, inclination_rad, raan_rad,
                                       arg_perigee_rad, mean_anomaly_rad)]
    names = KeplerOrbit._fields
    for name, x in zip(names, fields):
        check_finite(name, x)
    if is_concrete(fields[1]) and np.any((np.asarray(fields[1]) < 0) | (np.asarray(fields[1]) > _MAX_ECCENTRICITY)):
        raise ValueError(f"eccentricity must be in [0, {_MAX_ECCENTRICITY}], got {np.asarray(fields[1])!r}")
    if is_concrete(fields[2]) and np.any((np.asarray(fields[2]) < 0) | (np.asarray(fields[2]) > np.pi)):
        raise ValueError(f"inclination_rad must be in [0, pi] rad, got {np.asarray(fields[2])!r}")
    if is_concrete(fields[0], fields[1]):
        perigee = np.asarray(fields[0]) * (1.0 - np.asarray(fields[1]))
        if np.any(perigee < WGS84_A_M):
            raise ValueError(f"semi_major_axis_m * (1 - eccentricity) (the perigee radius) must be >= {WGS84_A_M} m "
                             f"(the WGS-84 equatorial radius), got min {perigee.min()!r}")
    a, e, i = fields[0], fields[1], fields[2]
    valid = (e >= 0) & (e <= _MAX_ECCENTRICITY) & (i >= 0) & (i <= jnp.pi) & (a * (1.0 - e) >= WGS84_A_M)
    fields[0] = jnp.where(valid, a, jnp.nan)        # under jit (values unchecked) a bad orbit is NaN, not a number
    return KeplerOrbit(*jnp.broadcast_arrays(*fields))


def kepler_orbit_from_tle(line1: str, line2: str) -> tuple[KeplerOrbit, tuple[float, float]]:
    """The mean elements of a two-line element set as a ``KeplerOrbit`` (host, needs the optional
    ``sgp4`` package to parse and un-Kozai the mean motion).

    The semi-major axis comes from SGP4's Brouwer ("un-Kozai'd") mean motion with our GM; the
    elements are in TEME, so pair the orbit with ``earth_rotation(epoch, model="gmst82")`` and
    ``j2=True``. Against SGP4 itself this is a km-level model (docs/ntn.md). The epoch is the
    TLE's, in UTC: UT1 - UTC (< 0.9 s) is the caller's to add for the rotation.

    Args:
        line1: TLE line 1.
        line2: TLE line 2.

    Returns:
        ``(orbit, (jd_day, jd_fraction))``: scalar-field orbit and the epoch as a split Julian date.
    """
    try:
        from sgp4.api import WGS72, Satrec
    except ImportError as err:                       # pragma: no cover - sgp4 is in the test extra
        raise ImportError("kepler_orbit_from_tle needs the sgp4 package: "
                          'pip install "satjax[orbits]" (or sgp4)') from err
    sat = Satrec.twoline2rv(line1, line2, WGS72)
    if sat.error:
        raise ValueError(f"line1/line2: sgp4 could not initialise this TLE (error code {sat.error})")
    xke = 60.0 / math.sqrt(6378.135**3 / 398600.8)                 # WGS-72 sqrt(GM) [earth radii^1.5 / min]
    n_rad_s = xke / sat.a**1.5 / 60.0                                # Brouwer mean motion
    a = (MU_EARTH_M3_S2 / n_rad_s**2) ** (1.0 / 3.0)
    orbit = kepler_orbit(a, sat.ecco, sat.inclo, sat.nodeo, sat.argpo, sat.mo)
    return orbit, (float(sat.jdsatepoch), float(sat.jdsatepochF))


def circular_orbit(altitude_m: Float[ArrayLike, "*S"], inclination_rad: Float[ArrayLike, "*S"],
                   raan_rad: Float[ArrayLike, "*S"] = 0.0, arg_latitude_rad: Float[ArrayLike, "*S"] = 0.0) -> KeplerOrbit:
    """A circular orbit of radius ``WGS84_A_M + altitude_m`` (altitude above the equator).

    Args:
        altitude_m: altitude above the WGS-84 equatorial radius [m], >= 0.
        inclination_rad: in [0, pi].
        raan_rad: right ascension of the ascending node [rad].
        arg_latitude_rad: argument of latitude at the epoch (angle from the ascending node) [rad].

    Returns:
        The orbit (e = 0, argument of perigee 0, mean anomaly = ``arg_latitude_rad``).
    """
    check_nonnegative("altitude_m", altitude_m, "m")
    altitude_m = jnp.asarray(altitude_m)
    zero = jnp.zeros_like(altitude_m)
    return kepler_orbit(WGS84_A_M + altitude_m, zero, inclination_rad, raan_rad, zero, arg_latitude_rad)


def walker_delta(altitude_m: Float[ArrayLike, ""], inclination_rad: Float[ArrayLike, ""], total: int, planes: int,
                 phasing: int) -> KeplerOrbit:
    r"""A Walker-delta constellation i: T/P/F of circular orbits.

    Plane $j$ ($0 \le j < P$) has RAAN $2\pi j/P$; satellite $k$ ($0 \le k < S = T/P$) of plane
    $j$ has argument of latitude $2\pi k/S + 2\pi F j/T$ at the epoch. Satellites are ordered
    plane by plane (index $jS + k$).

    Args:
        altitude_m: altitude above the WGS-84 equatorial radius [m] (scalar).
        inclination_rad: inclination [rad] (scalar).
        total: T, the number of satellites (>= 1, a multiple of ``planes``).
        planes: P, the number of equally spaced orbital planes (>= 1).
        phasing: F, the relative phasing, in [0, P - 1].

    Returns:
        The orbits, each field of shape [T].
    """
    check_int_range("planes", planes, 1)
    check_int_range("total", total, 1)
    check_int_range("phasing", phasing, 0, planes - 1)
    if total % planes:
        raise ValueError(f"total must be a multiple of planes, got total={total}, planes={planes}")
    per_plane = total // planes
    j, k = np.divmod(np.arange(total), per_plane)
    raan = 2.0 * np.pi * j / planes
    arg_lat = 2.0 * np.pi * k / per_plane + 2.0 * np.pi * phasing * j / total
    altitude_m = jnp.asarray(altitude_m)
    dtype = jnp.result_type(altitude_m, jnp.asarray(inclination_rad), float)
    ones = jnp.ones((total,), dtype)
    return circular_orbit(altitude_m * ones, inclination_rad * ones, jnp.asarray(raan, dtype), jnp.asarray(arg_lat, dtype))


def _secular_rates(orbit: KeplerOrbit):
    """(dRAAN/dt, d(arg perigee)/dt, dM/dt) [rad/s] with the J2 secular terms."""
    a, e, i = orbit.semi_major_axis_m, orbit.eccentricity, orbit.inclination_rad
    n = jnp.sqrt(MU_EARTH_M3_S2 / a**3)
    p = a * (1.0 - e**2)
    k = J2_EARTH * (WGS84_A_M / p) ** 2
    c = jnp.cos(i)
    raan_dot = -1.5 * n * k * c
    argp_dot = 0.75 * n * k * (5.0 * c**2 - 1.0)
    mean_dot = n * (1.0 + 0.75 * k * jnp.sqrt(1.0 - e**2) * (3.0 * c**2 - 1.0))
    return raan_dot, argp_dot, mean_dot


def _eccentric_anomaly(mean_anomaly, e):
    """Solve Kepler's equation E - e sin E = M by a fixed number of Newton steps (differentiable
    through the steps; converged to float64 round-off for e <= 0.9, tested)."""
    m = jnp.remainder(mean_anomaly + jnp.pi, 2.0 * jnp.pi) - jnp.pi
    big_e = jnp.where(e > 0.8, jnp.pi * jnp.sign(m + (m == 0)), m + e * jnp.sin(m))
    big_e = jax.lax.fori_loop(0, _KEPLER_NEWTON_STEPS,
                              lambda _, x: x - (x - e * jnp.sin(x) - m) / (1.0 - e * jnp.cos(x)), big_e)
    return big_e + (mean_anomaly - m)          # back to the input's revolution (continuous in M)


def satellite_position_eci(orbit: KeplerOrbit, t_s: Float[ArrayLike, ""], j2: bool = False) -> Float[Array, "3"]:
    """Position of one satellite in the ECI frame at ``t_s`` seconds after the epoch [m].

    Two-body Kepler propagation (``j2=True``: plus the secular J2 drift of RAAN, argument of
    perigee and mean anomaly, module docstring). ``vmap`` over satellites and times.

    Args:
        orbit: one satellite's elements (scalar fields).
        t_s: time since the epoch [s] (scalar).
        j2: include the secular J2 drift.

    Returns:
        ECI position [3] in metres.
    """
    a, e, i = orbit.semi_major_axis_m, orbit.eccentricity, orbit.inclination_rad
    if j2:
        raan_dot, argp_dot, mean_dot = _secular_rates(orbit)
    else:
        raan_dot, argp_dot, mean_dot = 0.0, 0.0, jnp.sqrt(MU_EARTH_M3_S2 / a**3)
    raan = orbit.raan_rad + raan_dot * t_s
    argp = orbit.arg_perigee_rad + argp_dot * t_s
    big_e = _eccentric_anomaly(orbit.mean_anomaly_rad + mean_dot * t_s, e)
    x_pf = a * (jnp.cos(big_e) - e)                                      # perifocal frame
    y_pf = a * jnp.sqrt(1.0 - e**2) * jnp.sin(big_e)
    cw, sw, co, so, ci, si = jnp.cos(argp), jnp.sin(argp), jnp.cos(raan), jnp.sin(raan), jnp.cos(i), jnp.sin(i)
    # R3(-raan) R1(-i) R3(-argp) applied to (x_pf, y_pf, 0)
    x = (co * cw - so * sw * ci) * x_pf + (-co * sw - so * cw * ci) * y_pf
    y = (so * cw + co * sw * ci) * x_pf + (-so * sw + co * cw * ci) * y_pf
    z = (sw * si) * x_pf + (cw * si) * y_pf
    return jnp.stack([x, y, z])


# ------------------------------------------------------------------------ Earth and frames


def _split_epoch(epoch_jd_ut1):
    if isinstance(epoch_jd_ut1, tuple):
        day, fraction = epoch_jd_ut1
    else:
        day, fraction = epoch_jd_ut1, 0.0
    if not is_concrete(day, fraction):
        raise ValueError("epoch_jd_ut1 must be concrete host numbers (the rotation angle at the epoch is "
                         "computed once in float64 on the host), not traced values")
    day, fraction = float(np.asarray(day, np.float64)), float(np.asarray(fraction, np.float64))
    if not (np.isfinite(day) and np.isfinite(fraction)):
        raise ValueError(f"epoch_jd_ut1 must be finite, got {(day, fraction)!r}")
    return day, fraction


def earth_rotation(epoch_jd_ut1: float | ArrayLike | tuple[float | ArrayLike, float | ArrayLike], model: str = "era") -> EarthRotation:
    r"""The ECI -> ECEF rotation angle at the epoch and its rate, computed on the host in float64.

    ``model="era"``: the IAU 2000 Earth rotation angle (IERS Conventions 2010, eq. 5.15),
    $\theta = 2\pi(0.7790572732640 + 1.00273781191135448\,T_u)$, $T_u$ = JD(UT1) - 2451545.0,
    for elements in the CIRS-like frame of date. ``model="gmst82"``: Greenwich mean sidereal time
    (IAU 1982, the angle SGP4 uses to turn TEME into pseudo-Earth-fixed coordinates; use it for
    elements from a TLE). The rate is the derivative at the epoch (the 1982 model's quadratic term
    changes it by < 1e-12 relative per day).

    Why on the host: in float32 a Julian date (~2.46e6) has a resolution of 0.25 day (up to 90 deg
    of rotation), and even $T_u$ (~1e4 days in 2026) one of about 1e-3 day (84 s, ~0.35 deg,
    ~40 km on the ground). Here the epoch angle is reduced modulo 2 pi in float64 and only
    $\theta_0 + \omega t$ runs in JAX, so with x64 off the error is that of the float32 product
    $\omega t$: measured <= 4.8 m at a 600 km orbit over one day after the epoch (docs/ntn.md).
    Keep $t$ (seconds since the epoch) short in float32.

    Args:
        epoch_jd_ut1: the epoch as a Julian date in UT1, a float or a ``(day, fraction)`` pair
            whose sum is the date (the split keeps float64 precision to ~1e-11 day).
        model: ``"era"`` or ``"gmst82"``.

    Returns:
        The rotation (host floats): angle at the epoch in [0, 2 pi) and rate [rad/s].
    """
    check_choice("model", model, ("era", "gmst82"))
    day, fraction = _split_epoch(epoch_jd_ut1)
    tu = (day - _J2000_JD) + fraction
    if model == "era":
        turns = (day % 1.0) + (fraction % 1.0) + _ERA_AT_J2000_TURNS + (_ERA_TURNS_PER_DAY - 1.0) * tu
        return EarthRotation(2.0 * math.pi * (turns % 1.0), EARTH_ROTATION_RATE_RAD_S)
    t = tu / 36525.0
    gmst_s = 67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * t + 0.093104 * t**2 - 6.2e-6 * t**3
    rate_s_per_s = ((876600.0 * 3600.0 + 8640184.812866) + 2.0 * 0.093104 * t - 3.0 * 6.2e-6 * t**2) / (36525.0 * 86400.0)
    return EarthRotation(2.0 * math.pi * ((gmst_s % 86400.0) / 86400.0), 2.0 * math.pi * rate_s_per_s / 86400.0)


def eci_to_ecef(r_eci_m: Float[ArrayLike, "*B 3"], t_s: Float[ArrayLike, "*B"], rotation: EarthRotation) -> Float[Array, "*B 3"]:
    r"""Rotate ECI positions into the Earth-fixed frame: $R_3(\theta(t))\,r$,
    $\theta(t) = \theta_0 + \omega t$.

    Args:
        r_eci_m: positions [..., 3] in metres.
        t_s: time since the epoch [s], broadcast against ``r_eci_m[..., 0]``.
        rotation: from ``earth_rotation``.

    Returns:
        ECEF positions [..., 3] in metres.
    """
    r = jnp.asarray(r_eci_m)
    theta = rotation.angle_at_epoch_rad + rotation.rate_rad_s * jnp.asarray(t_s, r.dtype)
    c, s = jnp.cos(theta), jnp.sin(theta)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    return jnp.stack(jnp.broadcast_arrays(c * x + s * y, -s * x + c * y, z), axis=-1)


def ground_point(lat_rad: Float[ArrayLike, "*G"], lon_rad: Float[ArrayLike, "*G"],
                 height_m: Float[ArrayLike, "*G"] = 0.0) -> GroundPoint:
    """A validated ``GroundPoint`` (fields broadcast to one shape).

    Args:
        lat_rad: geodetic latitude in [-pi/2, pi/2] rad.
        lon_rad: longitude [rad] (any finite value).
        height_m: height above the WGS-84 ellipsoid [m] (finite).

    Returns:
        The point(s).
    """
    lat, lon, h = (jnp.asarray(x) for x in (lat_rad, lon_rad, height_m))
    for name, x in (("lat_rad", lat), ("lon_rad", lon), ("height_m", h)):
        check_finite(name, x)
    if is_concrete(lat) and np.any(np.abs(np.asarray(lat)) > np.pi / 2):
        raise ValueError(f"lat_rad must be in [-pi/2, pi/2] rad, got {np.asarray(lat)!r}")
    dtype = jnp.result_type(lat, lon, h, float)
    lat = jnp.where(jnp.abs(lat) <= jnp.pi / 2, lat, jnp.nan)       # traced (unchecked) and out of range: NaN
    return GroundPoint(*(x.astype(dtype) for x in jnp.broadcast_arrays(lat, lon, h)))


def geodetic_to_ecef(point: GroundPoint) -> Float[Array, "*G 3"]:
    r"""WGS-84 geodetic -> ECEF [m]: with $N = a/\sqrt{1 - e^2\sin^2\varphi}$,
    $x = (N+h)\cos\varphi\cos\lambda$, $y = (N+h)\cos\varphi\sin\lambda$,
    $z = (N(1-e^2)+h)\sin\varphi$.

    Args:
        point: geodetic point(s).

    Returns:
        ECEF position(s) [..., 3] in metres.
    """
    lat, lon, h = point
    sl, cl = jnp.sin(lat), jnp.cos(lat)
    n = WGS84_A_M / jnp.sqrt(1.0 - _WGS84_E2 * sl**2)
    return jnp.stack([(n + h) * cl * jnp.cos(lon), (n + h) * cl * jnp.sin(lon), (n * (1.0 - _WGS84_E2) + h) * sl], axis=-1)


def _safe_norm2(a, b):
    """sqrt(a^2 + b^2) with a zero (not NaN) derivative where both are 0."""
    q = a**2 + b**2
    positive = q > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, q, 1.0)), 0.0)


def look_angles(sat_ecef_m: Float[ArrayLike, "3"], point: GroundPoint) -> tuple[Float[Array, ""], Float[Array, ""], Float[Array, ""]]:
    """Elevation, azimuth and slant range of a satellite seen from one ground point.

    Args:
        sat_ecef_m: satellite ECEF position [3] in metres.
        point: one ground point (scalar fields).

    Returns:
        ``(elevation_rad, azimuth_rad, slant_range_m)``: elevation above the local horizon
        (geodetic normal), azimuth clockwise from north in [0, 2 pi), distance [m].
    """
    d = jnp.asarray(sat_ecef_m) - geodetic_to_ecef(point)
    lat, lon = point.lat_rad, point.lon_rad
    sl, cl, so, co = jnp.sin(lat), jnp.cos(lat), jnp.sin(lon), jnp.cos(lon)
    east = -so * d[0] + co * d[1]
    north = -sl * co * d[0] - sl * so * d[1] + cl * d[2]
    up = cl * co * d[0] + cl * so * d[1] + sl * d[2]
    elevation = jnp.arctan2(up, _safe_norm2(east, north))
    azimuth = jnp.remainder(jnp.arctan2(east, north), 2.0 * jnp.pi)
    return elevation, azimuth, jnp.sqrt(jnp.sum(d**2))


def _sat_ecef(orbit, t, rotation, j2):
    return eci_to_ecef(satellite_position_eci(orbit, t, j2), t, rotation)


def _slant_range(orbit, point, rotation, j2, t):
    return jnp.sqrt(jnp.sum((_sat_ecef(orbit, t, rotation, j2) - geodetic_to_ecef(point)) ** 2))


def _elevation(orbit, point, rotation, j2, t):
    return look_angles(_sat_ecef(orbit, t, rotation, j2), point)[0]


def link_geometry(orbit: KeplerOrbit, point: GroundPoint, t_s: Float[ArrayLike, ""], rotation: EarthRotation,
                  j2: bool = False) -> LinkGeometry:
    """Look angles, slant range and range rate of one satellite from one ground point at one time.

    The range rate is the exact time derivative of the slant range (``jax.jvp`` through the
    orbit, the Earth's rotation and the geometry), no finite differences.

    Args:
        orbit: one satellite (scalar fields).
        point: one ground point (scalar fields).
        t_s: time since the epoch [s] (scalar).
        rotation: from ``earth_rotation``.
        j2: include the secular J2 drift.

    Returns:
        The geometry (scalars).
    """
    t = jnp.asarray(t_s, jnp.result_type(orbit.semi_major_axis_m, float))
    sat = _sat_ecef(orbit, t, rotation, j2)
    elevation, azimuth, _ = look_angles(sat, point)
    rng, rate = jax.jvp(lambda tt: _slant_range(orbit, point, rotation, j2, tt), (t,), (jnp.ones_like(t),))
    return LinkGeometry(elevation, azimuth, rng, rate)


def link_geometry_grid(orbits: KeplerOrbit, points: GroundPoint, t_s: Float[ArrayLike, " T"], rotation: EarthRotation,
                       j2: bool = False) -> LinkGeometry:
    """``link_geometry`` for every satellite x time x ground point (nested ``vmap``).

    Args:
        orbits: S satellites (fields [S]).
        points: G ground points (fields [G]).
        t_s: times since the epoch [T] in seconds.
        rotation: from ``earth_rotation``.
        j2: include the secular J2 drift.

    Returns:
        The geometry, each field [S, T, G].
    """
    return _link_geometry_grid(orbits, points, jnp.asarray(t_s), rotation, j2)


@partial(jax.jit, static_argnums=4)
def _link_geometry_grid(orbits, points, t, rotation, j2):
    one = lambda o, tt, p: link_geometry(o, p, tt, rotation, j2)  # noqa: E731
    over_g = jax.vmap(one, in_axes=(None, None, 0))
    over_t = jax.vmap(over_g, in_axes=(None, 0, None))
    return jax.vmap(over_t, in_axes=(0, None, None))(orbits, t, points)


def doppler_shift_hz(range_rate_m_s: Float[ArrayLike, "..."], carrier_hz: Float[ArrayLike, "..."]) -> Float[Array, "..."]:
    r"""Doppler shift of the received carrier [Hz], $f_D = -f_c\,\dot d/c$ (positive while the
    satellite approaches). First order in $\dot d/c$ (< 3e-5 for LEO).

    Args:
        range_rate_m_s: time derivative of the slant range [m/s].
        carrier_hz: carrier frequency [Hz].

    Returns:
        Doppler shift [Hz], the broadcast shape.
    """
    return -jnp.asarray(carrier_hz) * jnp.asarray(range_rate_m_s) / SPEED_OF_LIGHT_M_S


# --------------------------------------------------------------------- visibility and passes


def _bisect(fn, lo, hi, steps):
    """Root of ``fn`` in each bracket [lo, hi] (fn(lo) and fn(hi) of opposite signs, or the
    bracket is returned unchanged in width): ``steps`` bisection steps, then the midpoint."""
    f_lo = fn(lo)

    def step(_, bracket):
        a, b, fa = bracket
        mid = 0.5 * (a + b)
        fm = fn(mid)
        left = jnp.sign(fm) == jnp.sign(fa)
        return jnp.where(left, mid, a), jnp.where(left, b, mid), jnp.where(left, fm, fa)

    a, b, _ = jax.lax.fori_loop(0, steps, step, (lo, hi, f_lo))
    return 0.5 * (a + b)


def visibility_events(orbit: KeplerOrbit, point: GroundPoint, t_s: Float[ArrayLike, " T"], rotation: EarthRotation,
                      min_elevation_rad: Float[ArrayLike, ""] = 0.0, j2: bool = False,
                      refine_steps: int = 30) -> VisibilityEvents:
    r"""Rise/set crossings of ``min_elevation_rad`` and elevation maxima, refined between grid points.

    On each grid interval where $\varepsilon(t) - \varepsilon_{\min}$ changes sign, the
    crossing is refined by ``refine_steps`` bisection steps (the interval / 2^steps: 1e-8 s for
    10 s and 30 steps). Maxima: where the exact elevation rate $\dot\varepsilon$ (``jax.jvp``,
    no finite differences) changes sign from + to -, bisection on $\dot\varepsilon$ (robust
    near the zenith, where $\dot\varepsilon$ jumps and Newton steps fail). The grid must be
    fine enough that an interval holds at most one crossing (10-30 s for LEO). Pure, fixed
    shapes: ``jit``, ``vmap`` over satellites and ground points.

    Args:
        orbit: one satellite (scalar fields).
        point: one ground point (scalar fields).
        t_s: increasing time grid [T] (T >= 2), seconds since the epoch.
        rotation: from ``earth_rotation``.
        min_elevation_rad: visibility threshold [rad].
        j2: include the secular J2 drift.
        refine_steps: bisection steps per event (>= 0).

    Returns:
        The events per interval, arrays [T-1].
    """
    check_int_range("refine_steps", refine_steps, 0)
    t = jnp.asarray(t_s, jnp.result_type(orbit.semi_major_axis_m, float))
    if t.ndim != 1 or t.shape[0] < 2:
        raise ValueError(f"t_s must be a 1-D time grid with at least 2 points, got shape {t.shape}")
    return _visibility_events(orbit, point, t, rotation, min_elevation_rad, j2, refine_steps)


@partial(jax.jit, static_argnums=(5, 6))
def _visibility_events(orbit, point, t, rotation, min_elevation_rad, j2, refine_steps):
    elevation = jax.vmap(lambda tt: _elevation(orbit, point, rotation, j2, tt))

    def elevation_rate(tt):
        return jax.vmap(lambda s: jax.jvp(lambda u: _elevation(orbit, point, rotation, j2, u), (s,), (jnp.ones_like(s),))[1])(tt)

    el, el_dot = elevation(t), elevation_rate(t)
    lo, hi = t[:-1], t[1:]
    g = el - min_elevation_rad
    rising = (g[:-1] < 0) & (g[1:] >= 0)
    setting = (g[:-1] >= 0) & (g[1:] < 0)
    crossing = rising | setting
    tc = _bisect(lambda tt: elevation(tt) - min_elevation_rad, lo, hi, refine_steps)
    peak = (el_dot[:-1] > 0) & (el_dot[1:] <= 0)
    tm = _bisect(elevation_rate, lo, hi, refine_steps)
    nan = jnp.full_like(tc, jnp.nan)
    kind = rising.astype(jnp.int32) - setting.astype(jnp.int32)
    return VisibilityEvents(kind, jnp.where(crossing, tc, nan), jnp.where(peak, tm, nan),
                            jnp.where(peak, elevation(tm), nan))


def passes(orbit: KeplerOrbit, point: GroundPoint, t_s: Float[ArrayLike, " T"], rotation: EarthRotation,
           min_elevation_rad: float = 0.0, j2: bool = False) -> list[Pass]:
    """The passes above ``min_elevation_rad`` on a time grid, as a host list (not jittable: the
    number of passes is data-dependent). Built from ``visibility_events``.

    Args:
        orbit: one satellite (scalar fields).
        point: one ground point (scalar fields).
        t_s: increasing time grid [T], seconds since the epoch.
        rotation: from ``earth_rotation``.
        min_elevation_rad: visibility threshold [rad].
        j2: include the secular J2 drift.

    Returns:
        One ``Pass`` per window, in time order; the highest culmination inside each window.
    """
    ev = jax.tree.map(np.asarray, visibility_events(orbit, point, t_s, rotation, min_elevation_rad, j2))
    t0 = jnp.asarray(np.asarray(t_s)[0], jnp.result_type(orbit.semi_major_axis_m, float))
    visible = float(_elevation(orbit, point, rotation, j2, t0)) >= min_elevation_rad
    events = sorted([(float(tc), int(k)) for tc, k in zip(ev.crossing_time_s, ev.crossing_kind) if k != 0]
                    + [(float(tm), 2) for tm in ev.culmination_time_s[np.isfinite(ev.culmination_time_s)]])
    peaks = dict(zip(ev.culmination_time_s.tolist(), ev.culmination_elevation_rad.tolist()))
    out, rise, best = [], (math.nan if visible else None), (math.nan, -math.inf)
    for time, kind in events:
        if kind == 1:
            rise, best = time, (math.nan, -math.inf)
        elif kind == 2 and rise is not None and peaks[time] > best[1]:
            best = (time, peaks[time])
        elif kind == -1 and rise is not None:
            out.append(Pass(rise, best[0], time, best[1]))
            rise = None
    if rise is not None:
        out.append(Pass(rise, best[0], math.nan, best[1]))
    return out


# ------------------------------------------------------------------------- serving satellite


def serving_satellite(elevation_rad: Float[ArrayLike, "S T"], min_elevation_rad: Float[ArrayLike, ""] = 0.0,
                      hysteresis_rad: Float[ArrayLike, ""] = 0.0) -> Int[Array, " T"]:
    """Hard serving-satellite choice per time step, with hysteresis (a ``lax.scan`` over time).

    At each step the serving satellite is kept while it is visible (elevation >= the minimum)
    unless another satellite is higher by more than ``hysteresis_rad``; then (or when the serving
    satellite sets) the highest visible satellite takes over. -1 when none is visible.

    Args:
        elevation_rad: elevations [S, T].
        min_elevation_rad: visibility threshold [rad].
        hysteresis_rad: handover margin [rad], >= 0.

    Returns:
        Serving satellite index per time step [T] (int32, -1: none visible).
    """
    check_nonnegative("hysteresis_rad", hysteresis_rad, "rad")
    el = jnp.asarray(elevation_rad)
    if el.ndim != 2:
        raise ValueError(f"elevation_rad must be a 2-D array [S, T], got shape {el.shape}")

    def step(current, el_t):
        visible = el_t >= min_elevation_rad
        best = jnp.argmax(jnp.where(visible, el_t, -jnp.inf)).astype(jnp.int32)
        any_visible = jnp.any(visible)
        cur_el = jnp.where(current >= 0, el_t[jnp.maximum(current, 0)], -jnp.inf)
        keep = (current >= 0) & (cur_el >= min_elevation_rad) & (el_t[best] <= cur_el + hysteresis_rad)
        new = jnp.where(keep, current, jnp.where(any_visible, best, -1)).astype(jnp.int32)
        return new, new

    _, serving = jax.lax.scan(step, jnp.int32(-1), el.T)
    return serving


def serving_weights(elevation_rad: Float[ArrayLike, "S T"], temperature_rad: Float[ArrayLike, ""],
                    min_elevation_rad: Float[ArrayLike, ""] = 0.0) -> Float[Array, "S T"]:
    r"""Soft serving-satellite weights for training: a softmax over the visible satellites of
    $\varepsilon/\tau$, $w_{s,t} = e^{\varepsilon_{s,t}/\tau}/\sum_{s'\,\rm visible} e^{\varepsilon_{s',t}/\tau}$.
    As $\tau \to 0$ it tends to the highest visible satellite (the hard choice without hysteresis).
    Differentiable in the elevations; columns with no visible satellite are all zero (no serving
    satellite), never NaN.

    Args:
        elevation_rad: elevations [S, T].
        temperature_rad: softmax temperature [rad], > 0.
        min_elevation_rad: visibility threshold [rad].

    Returns:
        Weights [S, T]: each column sums to 1, or to 0 when no satellite is visible.
    """
    check_nonnegative("temperature_rad", temperature_rad, "rad")
    if is_concrete(temperature_rad) and np.any(np.asarray(temperature_rad) == 0):
        raise ValueError("temperature_rad must be > 0 rad (use serving_satellite for the hard choice)")
    el = jnp.asarray(elevation_rad)
    if el.ndim != 2:
        raise ValueError(f"elevation_rad must be a 2-D array [S, T], got shape {el.shape}")
    visible = el >= min_elevation_rad
    any_visible = jnp.any(visible, axis=0, keepdims=True)
    logits = jnp.where(visible, el / temperature_rad, -jnp.inf)
    logits = jnp.where(any_visible, logits, 0.0)
    weights = jax.nn.softmax(logits, axis=0) * any_visible
    return jnp.where(jnp.asarray(temperature_rad) > 0, weights, jnp.nan)      # traced temperature <= 0: NaN

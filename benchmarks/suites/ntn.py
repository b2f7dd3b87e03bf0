"""TR 38.811 large-scale model per link (``satjax.propagation.ntn``): links per second against a
vectorized NumPy implementation of the same math (checked equal in float64 in
``tests/benchmarks/test_ntn_reference.py``).

Workload per link, given its elevation, a uniform draw ``u`` and a standard normal draw ``z``
(drawn once, outside the timing, shared by both implementations): LoS state ``u < P_LoS``
(Table 6.6.1-1), shadow fading ``sigma_SF * z`` and clutter loss (Tables 6.6.2-1..3), slant range
and free-space loss (§6.6.2), gaseous absorption (P.676-12 Annex 2: the exponential profile
above 5 deg, the curved-Earth path below), and the band's scintillation (§6.6.6): the total loss
``path_loss_db`` [dB]. Two workloads: Ka band (20 GHz), urban, ``"linear"`` rows, tropospheric
scintillation; S band (2 GHz), dense urban, ``"nearest"`` rows, ionospheric scintillation. LEO
at 600 km, elevations uniform in [0, 90] deg, float32, 10^6 links per call (256 with ``--quick``).

The NumPy version is in its best configuration: the frequency-only P.676 terms (line sums and
equivalent heights) are computed once per call, the curved-Earth branch only for the links
below 5 deg. satjax's ``path_loss_db`` takes the carrier as a host number and evaluates the
P.676 line sums at the links' shape (XLA decides what it hoists); both are timed as a user
calls them. Compile time is separate (``compile_s``); every timing blocks on the result; the
machine's load and the process CPU time are recorded beside the wall clock
(``benchmarks.suites.orbits.timed_under_load``).
``python -m benchmarks.run --suite ntn``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.common import Settings, case, time_eager, time_jax
from benchmarks.suites.orbits import timed_under_load
from satjax.constants import EARTH_RADIUS_M, SPEED_OF_LIGHT_M_S
from satjax.propagation import itu_r, ntn

SUITE = "ntn"
ALTITUDE_M = 600e3
#: (name, carrier [Hz], environment, interpolation, ionospheric scintillation)
WORKLOADS = (("Ka", 20e9, "urban", "linear", False), ("S", 2e9, "dense_urban", "nearest", True))


def large_scale_db(elevation_rad, u, z, *, carrier_hz: float, environment: str, interpolation: str,
                   ionospheric: bool, altitude_m: float = ALTITUDE_M):
    """satjax: total TR 38.811 loss [dB] of each link, its LoS state drawn as ``u < P_LoS`` and
    its shadow fading as ``sigma_SF * z``."""
    band = ntn.band_of_frequency(carrier_hz)
    los = u < ntn.los_probability(elevation_rad, environment, interpolation)
    sf = ntn.shadow_fading_std_db(elevation_rad, los, environment, band, interpolation) * z
    return ntn.path_loss_db(altitude_m, elevation_rad, carrier_hz, los, environment, sf, interpolation, ionospheric)


def _p676_zenith_terms(f_ghz: float, p: float, rho: float, t: float):
    """P.676-12 (gamma_o, gamma_w) [dB/km] (Annex 1 eqs. (1)-(9)) and (h_o, h_w) [km] (Annex 2
    eqs. (30)-(38)) at one frequency, in float64."""
    theta, e = 300.0 / t, rho * t / 216.7
    f0, a1, a2, a3, a4, a5, a6 = itu_r._OXYGEN_LINES.T
    width = a3 * 1e-4 * (p * theta ** (0.8 - a4) + 1.1 * e * theta)
    width = np.sqrt(width**2 + 2.25e-6)
    delta = (a5 + a6 * theta) * 1e-4 * (p + e) * theta**0.8
    shape = f_ghz / f0 * ((width - delta * (f0 - f_ghz)) / ((f0 - f_ghz) ** 2 + width**2)
                          + (width - delta * (f0 + f_ghz)) / ((f0 + f_ghz) ** 2 + width**2))
    strength = a1 * 1e-7 * p * theta**3 * np.exp(a2 * (1.0 - theta))
    d = 5.6e-4 * (p + e) * theta**0.8
    dry = f_ghz * p * theta**2 * (6.14e-5 / (d * (1.0 + (f_ghz / d) ** 2))
                                  + 1.4e-12 * p * theta**1.5 / (1.0 + 1.9e-5 * f_ghz**1.5))
    gamma_o = 0.1820 * f_ghz * (np.sum(strength * shape) + dry)
    f0, b1, b2, b3, b4, b5, b6 = itu_r._WATER_VAPOUR_LINES.T
    width = b3 * 1e-4 * (p * theta**b4 + b5 * e * theta**b6)
    width = 0.535 * width + np.sqrt(0.217 * width**2 + 2.1316e-12 * f0**2 / theta)
    shape = f_ghz / f0 * (width / ((f0 - f_ghz) ** 2 + width**2) + width / ((f0 + f_ghz) ** 2 + width**2))
    gamma_w = 0.1820 * f_ghz * np.sum(b1 * 1e-1 * e * theta**3.5 * np.exp(b2 * (1.0 - theta)) * shape)
    rp = (p + e) / 1013.25
    t1 = 5.1040 / (1.0 + 0.066 * rp**-2.3) * np.exp(-(((f_ghz - 59.7) / (2.87 + 12.4 * np.exp(-7.9 * rp))) ** 2))
    c2, f2 = itu_r._H0_T2.T
    t2 = np.sum(c2 * np.exp(2.12 * rp) / ((f_ghz - f2) ** 2 + 0.025 * np.exp(2.2 * rp)))
    t3 = (0.0114 * f_ghz / (1.0 + 0.14 * rp**-2.6) * (15.02 * f_ghz**2 - 1353.0 * f_ghz + 5.333e4)
          / (f_ghz**3 - 151.3 * f_ghz**2 + 9629.0 * f_ghz - 6803.0))
    h_o = 6.1 * (0.7832 + 0.00709 * (t - 273.15)) / (1.0 + 0.17 * rp**-1.1) * (1.0 + t1 + t2 + t3)
    h_o = min(h_o, 10.7 * rp**0.3) if f_ghz < 70.0 else h_o
    sigma_w = 1.013 / (1.0 + np.exp(-8.6 * (rp - 0.57)))
    fw, aw, bw = itu_r._HW_LINES.T
    lines_w = np.sum(aw * sigma_w / ((f_ghz - fw) ** 2 + bw * sigma_w))
    h_w = (1.9298 - 0.04166 * (t - 273.15) + 0.0517 * rho) + (1.1674 - 0.00622 * (t - 273.15) + 0.0063 * rho) * lines_w
    return gamma_o, gamma_w, h_o, h_w


def numpy_large_scale_db(elevation_rad: np.ndarray, u: np.ndarray, z: np.ndarray, *, carrier_hz: float,
                         environment: str, interpolation: str, ionospheric: bool,
                         altitude_m: float = ALTITUDE_M) -> np.ndarray:
    """NumPy: the same loss as ``large_scale_db`` (TR 38.811 tables, §6.6.2 slant range and FSPL,
    P.676-12 Annex 2 from the ground to 100 km, §6.6.6 scintillation), vectorized over links."""
    dtype = elevation_rad.dtype
    band = ntn.band_of_frequency(carrier_hz)
    deg = np.rad2deg(elevation_rad)
    rows = np.asarray(ntn.NTN_ELEVATIONS_DEG)
    if interpolation == "linear":
        table = lambda v: np.interp(deg, rows, np.asarray(v)).astype(dtype)                  # noqa: E731
    else:
        row = np.clip(np.floor(deg / 10.0 + 0.5), 1, 9).astype(np.int32) - 1                 # ties up
        table = lambda v: np.asarray(v, dtype)[row]                                          # noqa: E731
    los = u < table(ntn._LOS_PROBABILITY_PCT[environment]) / dtype.type(100.0)
    sigma_los, sigma_nlos, clutter = ntn._SF_CL_DB[(environment, band)]
    loss = np.where(los, table(sigma_los), table(sigma_nlos)) * z + np.where(los, dtype.type(0.0), table(clutter))
    s, r, h = np.sin(elevation_rad), EARTH_RADIUS_M, altitude_m
    d = np.sqrt((r * s) ** 2 + h**2 + 2.0 * h * r) - r * s
    loss += 20.0 * np.log10(4.0 * np.pi * d * carrier_hz / SPEED_OF_LIGHT_M_S)
    g_o, g_w, h_o, h_w = (float(x) for x in _p676_zenith_terms(carrier_hz / 1e9, itu_r.STANDARD_PRESSURE_HPA,
                                                                itu_r.STANDARD_WATER_VAPOUR_G_M3,
                                                                itu_r.STANDARD_TEMPERATURE_K))
    top_km = ntn._ATMOSPHERE_TOP_M / 1e3
    gas = (g_o * h_o * (1.0 - np.exp(-top_km / h_o)) + g_w * h_w * (1.0 - np.exp(-top_km / h_w))) / s
    low = ~(elevation_rad > np.deg2rad(5.0))
    if np.any(low):                                            # P.676 curved-Earth path, ground to 100 km
        el, re = elevation_rad[low], itu_r._EFFECTIVE_EARTH_RADIUS_KM
        el2 = np.arccos(re / (re + top_km) * np.cos(el))

        def term(hi, eli, hh):
            x = np.tan(eli) * np.sqrt((re + hi) / hh)
            return np.sqrt(re + hi) / (0.661 * x + 0.339 * np.sqrt(x**2 + 5.51)) * np.exp(-hi / hh) / np.cos(eli)

        gas[low] = sum(g * np.sqrt(hh) * (term(0.0, el, hh) - term(top_km, el2, hh))
                       for g, hh in ((g_o, h_o), (g_w, h_w)))
    loss += gas
    if band == "Ka":
        loss += table(ntn._TROPO_SCINTILLATION_DB)
    elif ionospheric:
        loss += ntn._IONO_FLUCTUATION_4GHZ_DB * (carrier_hz / 4e9) ** -1.5 / np.sqrt(2.0)
    return loss.astype(dtype)


def links(num: int, dtype=np.float32, seed: int = 0):
    """Elevations uniform in [0, pi/2] rad, the LoS uniforms and the shadow-fading normals."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(0.0, np.pi / 2, num).astype(dtype), rng.uniform(size=num).astype(dtype),
            rng.standard_normal(num).astype(dtype))


def run(settings: Settings):
    num = 256 if settings.quick else 1_000_000
    el, u, z = links(num)
    for band, carrier, env, interp, iono in WORKLOADS:
        kw = {"carrier_hz": carrier, "environment": env, "interpolation": interp, "ionospheric": iono}
        desc = {"links": num, "band": band, "environment": env, "interpolation": interp, "dtype": "float32"}
        f = jax.jit(lambda e, a, b, kw=kw: large_scale_db(e, a, b, **kw))
        args = tuple(jnp.asarray(x) for x in (el, u, z))
        stats = timed_under_load(lambda: time_jax(f, *args, repeats=settings.repeats, per=num, settings=settings),
                                 lambda: f(*args), cpu_repeats=settings.repeats)
        stats["links_per_s"], stats["cpu_links_per_s"] = num / stats["median_s"], num / stats["cpu_s_per_call"]
        ours = np.asarray(f(*args))
        yield case(SUITE, "tr38811_large_scale", "satjax", desc, num, stats)
        numpy_call = lambda kw=kw: numpy_large_scale_db(el, u, z, **kw)  # noqa: E731
        stats = timed_under_load(lambda: time_eager(numpy_call, repeats=settings.repeats, per=num), numpy_call,
                                 cpu_repeats=settings.repeats)
        stats["links_per_s"], stats["cpu_links_per_s"] = num / stats["median_s"], num / stats["cpu_s_per_call"]
        stats["max_abs_diff_db_vs_satjax"] = float(np.max(np.abs(numpy_large_scale_db(el, u, z, **kw) - ours)))
        yield case(SUITE, "tr38811_large_scale", "numpy", desc, num, stats)

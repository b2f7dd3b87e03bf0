"""Orbit layer (``satjax.orbits``): satellite-time-ground triples per second for a Walker-delta
shell, against a vectorized NumPy implementation of the same orbits (checked equal in float64 in
``tests/orbits/test_benchmark_reference.py``) and against skyfield (SGP4 + its full frame chain,
a different and heavier model: its rate is recorded beside the NumPy case as
``skyfield_triples_per_s``). The TR 38.811 large-scale model per link is the ``ntn`` suite.

Workload per triple: elevation, slant range and range rate (satjax: ``jax.jvp``; NumPy: the
analytic velocity) of every satellite seen from every ground point at every time, reduced to the
highest satellite per (time, point): its elevation and range rate, [T, G]. Headline: a
Starlink-like shell, 72 planes x 22 satellites (53 deg, 550 km) x 1 000 steps of 1 s x 100
ground points, float32, time in chunks of 10 steps so memory stays bounded (satjax:
``lax.map`` with ``batch_size``; NumPy: a loop over chunks).

Each case also records the 1-minute load average before and after it (``load_1min``) and the
process CPU time of one more call (``cpu_s_per_call``, ``cpu_triples_per_s``; skyfield:
``skyfield_cpu_triples_per_s``): on a shared machine the CPU time moves less with other users'
load than the wall clock.
"""

from __future__ import annotations

import os
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.common import Settings, block, case, time_eager, time_jax
from satjax import orbits as ob

SUITE = "orbits"
EPOCH_JD_UT1 = (2461379.0, 0.25)
_TIME_CHUNK = 10


def best_link(orbits: ob.KeplerOrbit, points: ob.GroundPoint, t, rotation: ob.EarthRotation):
    """satjax: elevation [T, G] of the highest satellite and its range rate [m/s]."""

    def per_time(tt):
        geo = jax.vmap(lambda o: jax.vmap(lambda p: ob.link_geometry(o, p, tt, rotation))(points))(orbits)   # [S, G]
        best = jnp.argmax(geo.elevation_rad, axis=0)
        rate = jnp.take_along_axis(geo.range_rate_m_s, best[None, :], axis=0)[0]
        return jnp.max(geo.elevation_rad, axis=0), rate

    return jax.lax.map(per_time, t, batch_size=_TIME_CHUNK)


def numpy_best_link(orbits: ob.KeplerOrbit, points: ob.GroundPoint, t: np.ndarray, rotation: ob.EarthRotation):
    """NumPy: the same two-body orbits (no J2), rotation, WGS-84 and look angles, vectorized over
    satellites x times x points in time chunks; the range rate from the analytic velocity."""
    a, e, inc, raan, argp, m0 = (np.asarray(x) for x in orbits)
    dtype = a.dtype
    n = np.sqrt(ob.MU_EARTH_M3_S2 / a**3)
    lat, lon, h = (np.asarray(x) for x in points)
    e2 = ob.WGS84_F * (2.0 - ob.WGS84_F)
    nn = ob.WGS84_A_M / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
    ground = np.stack([(nn + h) * np.cos(lat) * np.cos(lon), (nn + h) * np.cos(lat) * np.sin(lon),
                       (nn * (1.0 - e2) + h) * np.sin(lat)], -1)                              # [G, 3]
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    enu = np.stack([np.stack([-so, co, np.zeros_like(so)], -1), np.stack([-sl * co, -sl * so, cl], -1),
                    np.stack([cl * co, cl * so, sl], -1)], 1)                                 # [G, 3 (e,n,u), 3]
    cw, sw, cO, sO, ci, si = np.cos(argp), np.sin(argp), np.cos(raan), np.sin(raan), np.cos(inc), np.sin(inc)
    p_vec = np.stack([cO * cw - sO * sw * ci, sO * cw + cO * sw * ci, sw * si], -1)           # [S, 3]
    q_vec = np.stack([-cO * sw - sO * cw * ci, -sO * sw + cO * cw * ci, cw * si], -1)
    out_el, out_rate = [], []
    w = rotation.rate_rad_s
    for start in range(0, len(t), _TIME_CHUNK):
        tc = t[start:start + _TIME_CHUNK]                                                     # [C]
        m = (m0[:, None] + n[:, None] * tc[None, :])
        m = np.remainder(m + np.pi, 2 * np.pi) - np.pi
        big_e = np.where(e[:, None] > 0.8, np.pi * np.sign(m + (m == 0)), m + e[:, None] * np.sin(m))
        for _ in range(12):
            big_e = big_e - (big_e - e[:, None] * np.sin(big_e) - m) / (1.0 - e[:, None] * np.cos(big_e))
        ee, aa = e[:, None], a[:, None]
        x_pf, y_pf = aa * (np.cos(big_e) - ee), aa * np.sqrt(1 - ee**2) * np.sin(big_e)
        edot = n[:, None] / (1.0 - ee * np.cos(big_e))
        vx_pf, vy_pf = -aa * np.sin(big_e) * edot, aa * np.sqrt(1 - ee**2) * np.cos(big_e) * edot
        r = x_pf[..., None] * p_vec[:, None] + y_pf[..., None] * q_vec[:, None]               # [S, C, 3]
        v = vx_pf[..., None] * p_vec[:, None] + vy_pf[..., None] * q_vec[:, None]
        th = rotation.angle_at_epoch_rad + w * tc
        c, s = np.cos(th)[None, :], np.sin(th)[None, :]
        r_f = np.stack([c * r[..., 0] + s * r[..., 1], -s * r[..., 0] + c * r[..., 1], r[..., 2]], -1)
        v_f = np.stack([c * v[..., 0] + s * v[..., 1] + w * r_f[..., 1], -s * v[..., 0] + c * v[..., 1] - w * r_f[..., 0],
                        v[..., 2]], -1)                                                       # d/dt of R3(th) r
        d = r_f[:, :, None, :] - ground[None, None]                                           # [S, C, G, 3]
        loc = np.einsum("gij,scgj->scgi", enu, d)
        el = np.arctan2(loc[..., 2], np.hypot(loc[..., 0], loc[..., 1]))
        rate = np.einsum("scgj,scj->scg", d, v_f) / np.linalg.norm(d, axis=-1)
        best = np.argmax(el, axis=0)
        out_el.append(np.max(el, axis=0))
        out_rate.append(np.take_along_axis(rate, best[None], axis=0)[0])
    return np.concatenate(out_el).astype(dtype), np.concatenate(out_rate).astype(dtype)


def workload(planes: int, per_plane: int, steps: int, num_points: int, dtype=np.float32, seed: int = 0):
    """The shell, ground points (uniform over +-60 deg latitude) and 1 s time grid."""
    shell = ob.walker_delta(550e3, np.deg2rad(53.0), planes * per_plane, planes, 1)
    rng = np.random.default_rng(seed)
    lat = np.arcsin(rng.uniform(-np.sin(np.deg2rad(60.0)), np.sin(np.deg2rad(60.0)), num_points))
    lon = rng.uniform(-np.pi, np.pi, num_points)
    cast = lambda x: jnp.asarray(np.asarray(x, np.float64), dtype)  # noqa: E731
    points = ob.ground_point(cast(lat), cast(lon), cast(np.zeros(num_points)))
    return jax.tree.map(cast, shell), points, cast(np.arange(steps, dtype=np.float64))


def _skyfield_rate(num_sats: int, steps: int, num_points: int) -> tuple[float | None, float | None]:
    """Triples per second (wall clock, process CPU time) of skyfield's
    ``(sat - topos).at(times).altaz()`` on SGP4 satellites of the same shell (one call per
    satellite-point pair, vectorized over time)."""
    try:
        from sgp4.api import WGS72, Satrec
        from skyfield.api import EarthSatellite, load, wgs84
    except ImportError:
        return None, None
    ts = load.timescale(builtin=True)
    times = ts.ut1_jd(EPOCH_JD_UT1[0] + EPOCH_JD_UT1[1] + np.arange(steps) / 86400.0)
    n_rev_min = np.sqrt(ob.MU_EARTH_M3_S2 / (ob.WGS84_A_M + 550e3) ** 3) * 60.0
    sats = []
    for k in range(num_sats):
        sat = Satrec()
        sat.sgp4init(WGS72, "i", k + 1, EPOCH_JD_UT1[0] + EPOCH_JD_UT1[1] - 2433281.5, 0.0, 0.0, 0.0, 1e-4, 0.0,
                     np.deg2rad(53.0), 2 * np.pi * k / num_sats, n_rev_min, 2 * np.pi * k / max(num_sats, 1) / 2)
        sats.append(EarthSatellite.from_satrec(sat, ts))
    topos = [wgs84.latlon(10.0 * g, 20.0 * g) for g in range(num_points)]
    t0, c0 = time.perf_counter(), time.process_time()
    for s in sats:
        for p in topos:
            (s - p).at(times).altaz()
    triples = num_sats * num_points * steps
    return triples / (time.perf_counter() - t0), triples / (time.process_time() - c0)


def timed_under_load(timer, call, cpu_repeats: int = 1) -> dict:
    """``timer()``'s statistics (wall clock, from ``benchmarks.common``) plus what the shared
    machine was doing: the 1-minute load average before and after (``load_1min``) and the median
    process CPU time of ``cpu_repeats`` further calls of ``call`` (``cpu_s_per_call``: it excludes
    the time the process waited for a core, so it moves less with other users' load than the wall
    clock; ``call`` must be warm)."""
    before = os.getloadavg()[0]
    stats = timer()
    cpu = []
    for _ in range(cpu_repeats):
        t0 = time.process_time()
        block(call())
        cpu.append(time.process_time() - t0)
    return {**stats, "cpu_s_per_call": statistics.median(cpu), "load_1min": [before, os.getloadavg()[0]]}


def run(settings: Settings):
    planes, per_plane, steps, points = (2, 3, 20, 4) if settings.quick else (72, 22, 1000, 100)
    desc = {"planes": planes, "per_plane": per_plane, "steps": steps, "ground_points": points, "dtype": "float32"}
    triples = planes * per_plane * steps * points
    shell, pts, t = workload(planes, per_plane, steps, points)
    rotation = ob.earth_rotation(EPOCH_JD_UT1)
    f = jax.jit(best_link)
    repeats = max(2, settings.repeats // 3)
    stats = timed_under_load(lambda: time_jax(f, shell, pts, t, rotation, repeats=repeats, per=1, settings=settings),
                             lambda: f(shell, pts, t, rotation))
    stats["triples_per_s"], stats["cpu_triples_per_s"] = triples / stats["median_s"], triples / stats["cpu_s_per_call"]
    yield case(SUITE, "walker_best_link", "satjax", desc, 1, stats)
    np_args = jax.tree.map(np.asarray, (shell, pts)) + (np.asarray(t),)
    numpy_call = lambda: numpy_best_link(*np_args, rotation)  # noqa: E731
    stats = timed_under_load(lambda: time_eager(numpy_call, repeats=repeats, per=1), numpy_call)
    stats["triples_per_s"], stats["cpu_triples_per_s"] = triples / stats["median_s"], triples / stats["cpu_s_per_call"]
    sky = (2, 20, 2) if settings.quick else (4, 1000, 4)
    stats["skyfield_triples_per_s"], stats["skyfield_cpu_triples_per_s"] = _skyfield_rate(*sky)
    stats["skyfield_workload"] = {"satellites": sky[0], "steps": sky[1], "ground_points": sky[2]}
    yield case(SUITE, "walker_best_link", "numpy", desc, 1, stats)


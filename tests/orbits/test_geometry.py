"""satjax.orbits: pass identities, Kepler solver, Walker constellations, float32 rotation error,
exact range rate, gradients vs finite differences (float64), serving satellite, bad inputs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax import orbits as ob
from tests.finite_differences import central_difference

ALT = 600e3
NON_ROTATING = ob.EarthRotation(0.0, 0.0)
ROT = ob.earth_rotation((2461379.0, 0.25))


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def _overhead_setup(t_over=300.0):
    """Equatorial orbit and an equatorial ground point under it at ``t_over`` (rotating Earth)."""
    orbit = ob.circular_orbit(ALT, 0.0, 0.0, 0.0)
    n = np.sqrt(ob.MU_EARTH_M3_S2 / (ob.WGS84_A_M + ALT) ** 3)
    lon = n * t_over - (ROT.angle_at_epoch_rad + ROT.rate_rad_s * t_over)
    return orbit, ob.ground_point(0.0, lon, 0.0)


def test_overhead_pass_reaches_zenith_at_slant_range_equal_altitude_and_doppler_changes_sign():
    orbit, point = _overhead_setup()
    t = jnp.arange(-200.0, 801.0, 10.0)
    geo = jax.jit(jax.vmap(lambda tt: ob.link_geometry(orbit, point, tt, ROT)))(t)
    at = int(np.argmin(np.abs(np.asarray(t) - 300.0)))
    assert abs(float(geo.elevation_rad[at]) - np.pi / 2) < 1e-9
    assert abs(float(geo.slant_range_m[at]) - ALT) < 1e-6
    assert abs(float(geo.range_rate_m_s[at])) < 1e-6
    doppler = ob.doppler_shift_hz(geo.range_rate_m_s, 2e9)
    assert np.all(doppler[:at] > 0) and np.all(doppler[at + 1:] < 0)        # approaching, then receding
    ev = ob.visibility_events(orbit, point, t, ROT, np.deg2rad(10.0))
    peak = np.isfinite(ev.culmination_time_s)
    assert peak.sum() == 1 and abs(ev.culmination_time_s[peak][0] - 300.0) < 1e-3
    assert abs(ev.culmination_elevation_rad[peak][0] - np.pi / 2) < 1e-9
    kinds = np.asarray(ev.crossing_kind)
    assert sorted(kinds[kinds != 0].tolist()) == [-1, 1]


def test_range_rate_is_the_exact_derivative():
    orbit = ob.kepler_orbit(7.2e6, 0.05, 1.1, 0.4, 0.3, 2.0)
    point = ob.ground_point(0.6, 1.9, 120.0)
    geometry = jax.jit(jax.vmap(lambda tt: ob.link_geometry(orbit, point, tt, ROT, j2=True)))
    t, h = jnp.array([100.0, 900.0]), 1e-3
    fd = central_difference(lambda s: geometry(s).slant_range_m, t, h)
    np.testing.assert_allclose(geometry(t).range_rate_m_s, fd, rtol=1e-7, atol=1e-6)


@pytest.mark.parametrize("e", [0.0, 0.1, 0.5, 0.9])
def test_kepler_equation_solved(e):
    m = jnp.linspace(-7.0, 7.0, 41)
    big_e = ob._eccentric_anomaly(m, e)
    np.testing.assert_allclose(big_e - e * jnp.sin(big_e), m, atol=1e-12)


def test_circular_orbit_radius_and_period():
    orbit = ob.circular_orbit(ALT, 0.9, 0.3, 0.2)
    period = 2 * np.pi * np.sqrt((ob.WGS84_A_M + ALT) ** 3 / ob.MU_EARTH_M3_S2)
    r0, r1 = (ob.satellite_position_eci(orbit, t) for t in (0.0, period))
    np.testing.assert_allclose(jnp.linalg.norm(r0), ob.WGS84_A_M + ALT, rtol=1e-14)
    np.testing.assert_allclose(r1, r0, atol=1e-6)


def test_j2_drift_matches_the_secular_rates():
    """Sun-synchronous check: at 98 deg, 600 km the RAAN drifts ~0.9856 deg/day eastwards."""
    orbit = ob.circular_orbit(ALT, np.deg2rad(97.79))
    raan_dot = ob._secular_rates(orbit)[0]
    assert abs(np.rad2deg(float(raan_dot)) * 86400.0 - 0.9856) < 0.01


def test_walker_delta_geometry():
    c = ob.walker_delta(550e3, np.deg2rad(53.0), total=12, planes=3, phasing=1)
    assert c.raan_rad.shape == (12,)
    np.testing.assert_allclose(np.unique(np.round(np.asarray(c.raan_rad), 12)), 2 * np.pi * np.arange(3) / 3)
    # plane j, slot k: argument of latitude 2 pi k / 4 + 2 pi F j / 12
    np.testing.assert_allclose(c.mean_anomaly_rad[5], 2 * np.pi * 1 / 4 + 2 * np.pi * 1 / 12)
    pos = jax.jit(jax.vmap(lambda o: ob.satellite_position_eci(o, 0.0)))(c)
    np.testing.assert_allclose(jnp.linalg.norm(pos, axis=1), ob.WGS84_A_M + 550e3, rtol=1e-14)


def test_grid_shapes_and_vmap_consistency():
    c = ob.walker_delta(550e3, np.deg2rad(53.0), total=4, planes=2, phasing=1)
    pts = ob.ground_point(jnp.array([0.1, 0.8, -0.5]), jnp.array([0.0, 1.0, 2.0]))
    t = jnp.array([0.0, 60.0])
    geo = ob.link_geometry_grid(c, pts, t, ROT, j2=True)
    assert geo.elevation_rad.shape == (4, 2, 3)
    one = jax.jit(ob.link_geometry, static_argnums=4)(jax.tree.map(lambda x: x[3], c), jax.tree.map(lambda x: x[2], pts),
                                                       60.0, ROT, True)
    for a, b in zip(one, geo):
        np.testing.assert_allclose(a, b[3, 1, 2], rtol=1e-12)


def test_float32_rotation_error_is_metres_not_km():
    """The epoch angle is reduced in float64 on the host; only theta0 + w t runs in float32."""
    orbit = ob.circular_orbit(ALT, 0.9, 0.3, 0.2)
    t = np.linspace(0.0, 86400.0, 7)
    with jax.enable_x64(True):
        ref = jax.jit(jax.vmap(lambda tt: ob.eci_to_ecef(ob.satellite_position_eci(orbit, tt), tt, ROT)))(jnp.asarray(t))
    with jax.enable_x64(False):
        o32 = jax.tree.map(lambda x: jnp.asarray(x, jnp.float32), orbit)
        got = jax.jit(jax.vmap(lambda tt: ob.eci_to_ecef(ob.satellite_position_eci(o32, tt), tt, ROT)))(jnp.asarray(t, jnp.float32))
        assert got.dtype == jnp.float32
    # measured: <= 25 m over the day (float32 position round-off ~0.5 m, M = n t and theta = w t
    # each ~1 ulp of ~100 rad); a float32 Julian date would be off by up to 0.25 day
    assert np.max(np.linalg.norm(np.asarray(got, np.float64) - np.asarray(ref), axis=1)) < 100.0


def test_gradients_wrt_altitude_and_inclination_match_finite_differences():
    sat = ob.eci_to_ecef(ob.satellite_position_eci(ob.circular_orbit(800e3, 0.95, 0.2, 0.4), 400.0), 400.0, ROT)
    lat, lon = np.arcsin(sat[2] / np.linalg.norm(sat)), np.arctan2(sat[1], sat[0])
    point = ob.ground_point(lat + 0.05, lon - 0.03, 0.0)                       # ~55 deg elevation at t = 400 s

    @jax.jit
    def geometry(alt, inc, t=400.0):
        g = ob.link_geometry(ob.circular_orbit(alt, inc, 0.2, 0.4), point, t, ROT, j2=True)
        return jnp.stack([g.elevation_rad, g.slant_range_m, g.range_rate_m_s])

    alt, inc = 800e3, 0.95
    assert float(geometry(alt, inc)[0]) > 0.1                                  # a visible, non-zenith link
    jac_alt = jax.jacfwd(geometry, 0)(alt, inc)
    jac_inc = jax.jacrev(geometry, 1)(alt, inc)
    np.testing.assert_allclose(jac_alt, central_difference(lambda a: geometry(a, inc), alt, 1.0), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(jac_inc, central_difference(lambda i: geometry(alt, i), inc, 1e-6), rtol=1e-6, atol=1e-9)


def test_serving_satellite_hysteresis_and_soft_weights():
    el = jnp.deg2rad(jnp.array([[30.0, 40.0, 44.0, 50.0, 5.0, 5.0],
                                [35.0, 42.0, 47.0, 49.0, 60.0, 5.0]]))
    hard = ob.serving_satellite(el, np.deg2rad(10.0), np.deg2rad(4.0))
    # starts on the highest (1), keeps 1, 1 (47 vs 44), 1 (49 vs 50 within 4 deg), 1, none
    np.testing.assert_array_equal(hard, [1, 1, 1, 1, 1, -1])
    hard0 = ob.serving_satellite(el, np.deg2rad(10.0), 0.0)
    np.testing.assert_array_equal(hard0, [1, 1, 1, 0, 1, -1])
    w = ob.serving_weights(el, np.deg2rad(1.0), np.deg2rad(10.0))
    np.testing.assert_allclose(w.sum(axis=0), [1, 1, 1, 1, 1, 0], atol=1e-12)
    np.testing.assert_array_equal(np.argmax(w[:, :5], axis=0), hard0[:5])
    assert float(w[0, 4]) == 0.0                                               # below the mask
    grad = jax.grad(lambda e: ob.serving_weights(e, 0.1, np.deg2rad(10.0))[0, 3])(el)
    assert np.all(np.isfinite(grad)) and float(grad[0, 3]) > 0


@pytest.mark.parametrize("call, match", [
    (lambda: ob.circular_orbit(-1.0, 0.5), "altitude_m must be >= 0"),
    (lambda: ob.circular_orbit(500e3, 3.5), r"inclination_rad must be in \[0, pi\]"),
    (lambda: ob.kepler_orbit(7e6, 0.95, 0.1, 0.0, 0.0, 0.0), r"eccentricity must be in \[0, 0.9\]"),
    (lambda: ob.kepler_orbit(7e6, 0.5, 0.1, 0.0, 0.0, 0.0), "perigee radius"),
    (lambda: ob.ground_point(2.0, 0.0), r"lat_rad must be in \[-pi/2, pi/2\]"),
    (lambda: ob.ground_point(0.1, np.nan), "lon_rad must be finite"),
    (lambda: ob.walker_delta(550e3, 0.9, 10, 3, 1), "total must be a multiple of planes"),
    (lambda: ob.walker_delta(550e3, 0.9, 12, 3, 3), r"phasing must be an integer in \[0, 2\]"),
    (lambda: ob.earth_rotation(2461379.0, "gast"), "model must be one of"),
    (lambda: ob.serving_weights(jnp.zeros((2, 3)), 0.0), "temperature_rad must be > 0"),
    (lambda: ob.serving_satellite(jnp.zeros((2, 3)), 0.0, -1.0), "hysteresis_rad must be >= 0"),
])
def test_bad_inputs_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_out_of_range_orbits_under_jit_are_nan():
    position = jax.jit(lambda h, e: ob.satellite_position_eci(ob.kepler_orbit(ob.WGS84_A_M + h, e, 0.5, 0.0, 0.0, 0.0), 0.0))
    assert np.all(np.isnan(position(-1e3, 0.0))) and np.all(np.isnan(position(1e6, 0.95)))
    assert np.all(np.isfinite(position(1e6, 0.0)))
    assert np.isnan(jax.jit(lambda lat: ob.geodetic_to_ecef(ob.ground_point(lat, 0.0)))(2.0)).all()
    assert np.isnan(jax.jit(lambda tau: ob.serving_weights(jnp.ones((2, 3)), tau))(-0.1)).all()


def test_traced_epoch_is_refused():
    with pytest.raises(ValueError, match="epoch_jd_ut1 must be concrete"):
        jax.jit(lambda d: ob.earth_rotation((d, 0.0)).angle_at_epoch_rad)(2461379.0)

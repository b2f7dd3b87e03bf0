"""The three systems over a LEO pass (satjax.passes): pass geometry identities, each system's
scenario over a short pass at a tiny size, vmap over time = a loop, gradient in altitude = finite
differences (float64), bad inputs named."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import satjax
from satjax import orbits, passes
from satjax.constants import SPEED_OF_LIGHT_M_S
from satjax.downlink import statistical_mrt
from satjax.geometry.angles import elevation_azimuth
from satjax.propagation import ntn
from satjax.uplink.sinr import closed_form_sinr
from tests.finite_differences import central_difference

ROT = orbits.earth_rotation((2461379.0, 0.25))
LAT, LON = np.deg2rad(48.8), np.deg2rad(2.35)
T_OVER = 300.0
#: Seven steps of one pass (the culmination, about 70 deg, between steps 2 and 3).
STEPS = T_OVER + np.array([-200.0, -130.0, -60.0, 0.0, 60.0, 130.0, 200.0])
KEY = jax.random.key(3)
UAV_PARAMS = satjax.get_system("uav").params_class


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def _orbit(altitude_m=600e3, lon_offset_deg=3.0, t_over=T_OVER):
    """A 53-deg circular orbit whose sub-satellite point passes 3 deg of longitude east of the point."""
    return passes.orbit_over_point(altitude_m, np.deg2rad(53.0), LAT, LON + np.deg2rad(lon_offset_deg), t_over, ROT)


def _point():
    return orbits.ground_point(LAT, LON)


def _geometry(altitude_m=600e3, t=STEPS, carrier_hz=3e9):
    return passes.pass_geometry(_orbit(altitude_m), _point(), jnp.asarray(t), ROT, carrier_hz=carrier_hz,
                                environment="dense_urban", min_elevation_rad=np.deg2rad(10.0))


@pytest.fixture(scope="module")
def geometry():
    with jax.enable_x64(True):
        return _geometry()


def test_pass_geometry_identities(geometry):
    el = np.asarray(geometry.elevation_rad)
    assert np.all(geometry.visible) and np.all(np.isfinite(el))
    peak = int(np.argmax(el))
    assert 0 < peak < len(el) - 1 and 20.0 < np.rad2deg(el[peak]) < 80.0
    for loss in (geometry.path_loss_los_db, geometry.path_loss_nlos_db):        # largest at the lowest elevation
        assert int(np.argmax(loss)) == int(np.argmin(el)) and int(np.argmin(loss)) == peak
    assert np.all(np.asarray(geometry.path_loss_nlos_db) > np.asarray(geometry.path_loss_los_db))
    order = np.argsort(el)
    assert np.all(np.diff(np.asarray(geometry.los_probability)[order]) >= 0)
    doppler = np.asarray(geometry.doppler_hz)
    assert np.all(doppler[:peak] > 0) and np.all(doppler[peak + 1:] < 0)      # approaching, then receding
    s, v = np.asarray(geometry.position_enu_m), np.asarray(geometry.velocity_enu_m_s)
    rng = np.asarray(geometry.slant_range_m)
    np.testing.assert_allclose(np.linalg.norm(s, axis=1), rng, rtol=1e-12)
    np.testing.assert_allclose(np.sum(s * v, 1) / rng, geometry.range_rate_m_s, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(np.arcsin(s[:, 2] / rng), el, atol=1e-12)
    expected = ntn.path_loss_db(600e3, el, 3e9, jnp.ones(el.shape, bool), "dense_urban", interpolation="linear",
                                slant_range=rng)
    np.testing.assert_allclose(geometry.path_loss_los_db, expected, rtol=1e-12)


def test_orbit_over_point_culminates_at_the_zenith():
    x, y, z = np.asarray(orbits.geodetic_to_ecef(_point()))
    lat_geocentric = np.arctan2(z, np.hypot(x, y))
    orbit = passes.orbit_over_point(600e3, np.deg2rad(53.0), lat_geocentric, LON, T_OVER, ROT)
    geo = passes.pass_geometry(orbit, _point(), jnp.asarray(STEPS), ROT, carrier_hz=3e9, environment="dense_urban",
                               min_elevation_rad=np.deg2rad(10.0))             # the shapes of _geometry: no recompile
    assert np.rad2deg(float(geo.elevation_rad[3])) > 89.5          # geocentric radial vs geodetic normal: 0.19 deg


def test_steps_below_the_mask_are_nan_and_constellation_hands_over():
    late = _orbit(t_over=T_OVER + 500.0)
    two = orbits.KeplerOrbit(*(jnp.stack([a, b]) for a, b in zip(_orbit(), late)))
    t = jnp.arange(0.0, 1100.0, 100.0)
    geo = passes.pass_geometry(two, _point(), t, ROT, carrier_hz=3e9, environment="urban",
                               min_elevation_rad=np.deg2rad(10.0))
    serving = np.asarray(geo.serving)
    assert serving[3] == 0 and serving[8] == 1 and np.all(np.diff(serving[serving >= 0]) >= 0)
    grid = orbits.link_geometry_grid(two, orbits.GroundPoint(*(jnp.atleast_1d(x) for x in _point())), t, ROT)
    on = serving >= 0
    np.testing.assert_allclose(np.asarray(geo.elevation_rad)[on],
                               np.asarray(grid.elevation_rad)[serving[on], np.flatnonzero(on), 0], rtol=1e-12)
    assert serving[0] == -1                                             # neither satellite above the mask yet
    assert np.all(np.isnan(np.asarray(geo.path_loss_los_db)[0])) and np.all(np.isnan(np.asarray(geo.position_enu_m)[0]))


def test_uplink_over_pass_satellite_link_best_near_culmination_and_vmap_equals_loop(geometry):
    system = satjax.get_system("uplink")
    params = system.params(**system.tiny)
    scenarios = passes.scenarios_over_pass(system, KEY, params, geometry)
    # A's sampler sees the pass's elevation at the area centre
    centre = jnp.full((1, 3), params.area_side_m / 2).at[0, 2].set(0.0)
    el_centre = jax.vmap(lambda s: elevation_azimuth(centre, s)[0][0])(scenarios.sat_pos)
    np.testing.assert_allclose(el_centre, geometry.elevation_rad, atol=1e-12)
    # the satellite link alone (eq. (26), full power): best at the culmination, worst at the lowest step
    rate = jax.vmap(lambda s: jnp.sum(jnp.log2(1 + closed_form_sinr(s.stats, s.p_max_w, "space"))))(scenarios)
    el = np.asarray(geometry.elevation_rad)
    assert int(np.argmax(rate)) == int(np.argmax(el)) and int(np.argmin(rate)) == int(np.argmin(el))
    for i in (0, 3):                                                    # vmap over time = one step at a time
        step = params.replace(sat_position_m=passes.uplink_satellite_position_m(
            jax.tree.map(lambda x: x[i], geometry), params.area_side_m))
        one = system.sample(KEY, step)
        np.testing.assert_allclose(scenarios.stats.g_bar[i], one.stats.g_bar, rtol=1e-10, atol=1e-30)
        np.testing.assert_allclose(scenarios.stats.beta_ap[i], one.stats.beta_ap, rtol=1e-12)


def test_uplink_metric_gradient_in_altitude_matches_finite_differences():
    system = satjax.get_system("uplink")
    params = system.params(**system.tiny)
    full = system.policy("full_power")

    @jax.jit
    def metric(altitude_m):
        geo = _geometry(altitude_m, t=STEPS[2:3])
        return passes.metric_over_pass(system, full, KEY, params, geo)[0]

    # the satellite link's LoS phase turns over in a wavelength (10 cm at 3 GHz): the step must be far below it
    h, alt = 1e-3, 600e3
    grad = float(jax.grad(metric)(jnp.asarray(alt)))
    fd = float(central_difference(metric, alt, h))
    assert abs(fd) > 1e-6                                               # the altitude moves the metric
    np.testing.assert_allclose(grad, fd, rtol=1e-5)


def test_downlink_over_pass_user_at_the_ground_point_sees_the_pass(geometry):
    system = satjax.get_system("downlink")
    params = system.params(**system.tiny)
    snapshot = system.sample(KEY, params)
    snapshot = eqx.tree_at(lambda s: s.user_pos, snapshot, snapshot.user_pos.at[0].set(0.0))
    steps = jax.vmap(lambda g: passes.downlink_at_step(snapshot, params, g))(geometry)
    np.testing.assert_allclose(steps.nu_sat[:, 0], orbits.doppler_shift_hz(geometry.range_rate_m_s, params.carrier_hz),
                               rtol=1e-9)
    np.testing.assert_allclose(steps.tau_min[:, 0], np.asarray(geometry.slant_range_m) / SPEED_OF_LIGHT_M_S, rtol=1e-12)
    ratio = (float(params.altitude_m) / np.asarray(geometry.slant_range_m)) ** 2      # free space vs the zenith
    np.testing.assert_allclose(steps.problem.gamma[:, 0], snapshot.problem.gamma[0] * ratio, rtol=1e-9)
    np.testing.assert_allclose(steps.problem.noise_w, snapshot.problem.noise_w)        # the receiver does not move
    ee = passes.metric_over_pass(system, system.policy("statistical_mrt"), KEY, params, geometry)
    assert np.all(np.isfinite(ee)) and np.all(np.asarray(ee) > 0)


def test_uav_over_a_pass_users_silent_without_a_satellite_and_threshold_follows_its_signal():
    system = satjax.get_system("uav")
    params = system.params(**system.tiny)
    t = jnp.array([0.0, T_OVER - 130.0, T_OVER])                     # below the mask, low, near the culmination
    geo = passes.pass_geometry(_orbit(), _point(), t, ROT, carrier_hz=2e9, environment="suburban",
                               min_elevation_rad=np.deg2rad(10.0))
    assert list(np.asarray(geo.visible)) == [False, True, True]
    reference = float(passes.snapshot_signal_loss_db(600e3, np.pi / 2, 2e9, "suburban"))
    options = {"reference_loss_db": reference}
    scenarios = passes.scenarios_over_pass(system, KEY, params, geo, options)
    snapshot = system.sample(KEY, params)
    g, k, l, n = snapshot.lam.shape
    assert scenarios.lam.shape == (3, g, k, l, n) and scenarios.interference_threshold_w.shape == (3,)
    assert all(np.all(np.isfinite(np.asarray(x))) for x in jax.tree.leaves(scenarios) if jnp.issubdtype(x.dtype, jnp.floating))
    for i in range(3):                                                  # vmap over time = one step at a time
        one = passes.uav_at_step(snapshot, params, jax.tree.map(lambda x: x[i], geo), **options)
        for a, b in zip(jax.tree.leaves(one), jax.tree.leaves(jax.tree.map(lambda x: x[i], scenarios))):
            np.testing.assert_allclose(a, b, rtol=1e-12)
    i_th, i_th0 = np.asarray(scenarios.interference_threshold_w), float(snapshot.interference_threshold_w)
    assert float(jnp.sum(snapshot.y)) > 0
    assert i_th[0] == i_th0 and float(jnp.sum(scenarios.y[0])) == 0.0     # no satellite: nothing to protect
    np.testing.assert_array_equal(scenarios.y[1:], jnp.stack([snapshot.y, snapshot.y]))
    assert i_th0 > i_th[2] > i_th[1]                                    # weaker signal at lower elevation, below the zenith's
    np.testing.assert_array_equal(scenarios.lam[1], snapshot.lam)       # the UAV links do not see the satellite
    np.testing.assert_array_equal(scenarios.phi[2], snapshot.phi)
    for i in (1, 2):               # geometry identity: referenced at the step's own elevation and range, the drop's I_th
        at_step = passes.snapshot_signal_loss_db(600e3, geo.elevation_rad[i], 2e9, "suburban",
                                                 slant_range_m=geo.slant_range_m[i])
        same = passes.uav_at_step(snapshot, params, jax.tree.map(lambda x: x[i], geo), reference_loss_db=float(at_step))
        np.testing.assert_allclose(same.interference_threshold_w, i_th0, rtol=1e-12)
    expected = -10 * np.log10(geo.los_probability * 10 ** (-geo.path_loss_los_db / 10)
                              + (1 - geo.los_probability) * 10 ** (-geo.path_loss_nlos_db / 10))
    np.testing.assert_allclose(i_th[1:], i_th0 * 10 ** ((reference - expected[1:]) / 10), rtol=1e-12)
    eta = passes.metric_over_pass(system, system.policy("initial_point"), KEY, params, geo, step_options=options)
    fixed = passes.metric_over_pass(system, system.policy("initial_point"), KEY, params, geo)
    assert np.all(np.isfinite(eta)) and float(eta[0]) == float(fixed[0]) >= float(fixed[1])   # no limit to meet
    assert np.all(np.asarray(eta[1:]) <= np.asarray(fixed[1:]) * (1 + 1e-12))   # a lower threshold never helps


@pytest.mark.parametrize("call, match", [
    (lambda: passes.scenarios_over_pass("uav", KEY, satjax.get_system("uav").params(), _geometry(),
                                        {"threshold": 1.0}), "step_options"),
    (lambda: passes.uav_at_step(satjax.get_system("uav").sample(KEY, UAV_PARAMS()), UAV_PARAMS(),
                                jax.tree.map(lambda x: x[0], _geometry()), reference_loss_db=float("nan")),
     "reference_loss_db"),
    (lambda: passes.snapshot_signal_loss_db(600e3, 2.0, 2e9, "urban"), "elevation_rad"),
    (lambda: _geometry(carrier_hz=10e9), "carrier_hz"),
    (lambda: passes.pass_geometry(_orbit(), _point(), jnp.array([0.0]), ROT, carrier_hz=3e9, environment="jungle"),
     "environment"),
    (lambda: passes.pass_geometry(_orbit(), _point(), jnp.array([0.0]), ROT, carrier_hz=3e9, environment="urban",
                                  min_elevation_rad=-0.1), "min_elevation_rad"),
    (lambda: passes.pass_geometry(_orbit(), _point(), jnp.zeros((0,)), ROT, carrier_hz=3e9, environment="urban"),
     "t_s"),
    (lambda: passes.pass_geometry(_orbit(), _point(), jnp.array([jnp.nan]), ROT, carrier_hz=3e9, environment="urban"),
     "t_s"),
    (lambda: passes.orbit_over_point(600e3, np.deg2rad(30.0), LAT, LON, 0.0, ROT), "lat_rad"),
    (lambda: passes.metric_over_pass("uav", None, KEY, satjax.get_system("uplink").params(), _geometry()), "params"),
    (lambda: passes.metric_over_pass("paper_d", None, KEY, satjax.get_system("uplink").params(), _geometry()),
     "system"),
])
def test_bad_inputs_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_the_policy_gets_its_own_key_not_the_drops(geometry):
    """A random policy over a pass draws from fold_in(key, POLICY_KEY_TAG), the same at every
    step: here statistical MRT at a power fraction drawn from its key."""
    system = satjax.get_system("downlink")
    params = system.params(**system.tiny)

    def random_fraction(scenario, key):
        return statistical_mrt(scenario.problem.v, scenario.problem.p_max_w * jax.random.uniform(key))

    power = np.asarray(passes.metric_over_pass(system, random_fraction, KEY, params, geometry, metric="power_w"))
    visible = np.asarray(geometry.serving) >= 0
    for key, same in ((jax.random.fold_in(KEY, passes.POLICY_KEY_TAG), True), (KEY, False)):
        expected = float(params.p_max_w * jax.random.uniform(key))
        assert np.allclose(power[visible], expected, rtol=1e-5) == same

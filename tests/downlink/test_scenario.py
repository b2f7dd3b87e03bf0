"""System B scenario sampler (paper B, eqs. (1)-(3), (6)) and the SNR conventions."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.downlink import (
    DownlinkParams,
    channel_response,
    energy_efficiency,
    repoint_satellite,
    sample_downlink_scenario,
    statistical_mrt,
)
from satjax.propagation import ntn
from tests.finite_differences import backward_difference, central_difference

SMALL = DownlinkParams(n_h=4, n_v=2, num_users=5, num_paths=3)


def test_shapes_and_statistical_csi():
    p = SMALL
    s = sample_downlink_scenario(jax.random.key(0), p)
    assert s.v.shape == (8, 5) and s.alpha.shape == (5, 3)
    np.testing.assert_allclose(jnp.abs(s.v), 1.0, rtol=1e-6)                        # UPA: unit modulus
    np.testing.assert_allclose(jnp.sum(s.alpha**2, axis=1), s.gamma, rtol=1e-5)       # gamma = E|g|^2
    kappa = 10 ** (p.rician_k_db / 10)
    np.testing.assert_allclose(s.alpha[:, 0] ** 2 / s.gamma, kappa / (1 + kappa), rtol=1e-5)
    assert np.all(np.linalg.norm(np.asarray(s.user_pos[:, :2]), axis=1) <= p.footprint_radius_m)
    assert np.all(np.asarray(s.tau_ut[:, 0]) == 0) and np.all(np.asarray(s.tau_ut) >= 0)
    np.testing.assert_allclose(s.tau_min * 299_792_458.0, jnp.linalg.norm(s.user_pos - s.sat_pos[None, :], axis=1), rtol=1e-5)
    assert np.all(np.abs(np.asarray(s.nu_sat)) <= p.orbital_speed_mps / p.wavelength_m)


def test_channel_is_along_the_array_response_with_mean_power_gamma():
    s = sample_downlink_scenario(jax.random.key(1), SMALL)
    h = channel_response(s, 1e-3, 2e6)
    ratio = h / s.v                                                                 # same complex factor per column
    np.testing.assert_allclose(ratio, jnp.broadcast_to(ratio[:1], ratio.shape), rtol=1e-4, atol=1e-6 * float(jnp.abs(ratio).max()))
    # time average over many Doppler cycles: E|g_k|^2 = gamma_k (cross terms average out)
    ts = jax.random.uniform(jax.random.key(2), (20_000,), minval=0.0, maxval=20.0)
    fs = jax.random.uniform(jax.random.key(3), (20_000,), minval=-1e7, maxval=1e7)
    power = jax.vmap(lambda t, f: jnp.abs(channel_response(s, t, f)[0]) ** 2)(ts, fs)   # antenna 0, |v| = 1
    mean, se = power.mean(0), power.std(0) / np.sqrt(ts.size)
    assert np.all(np.abs(np.asarray(mean - s.gamma)) < 5 * np.asarray(se))


@pytest.mark.parametrize("convention, gain", [("transmit", 1), ("receive", 8)])
def test_snr_conventions_set_the_noise(convention, gain):
    p = DownlinkParams(n_h=4, n_v=2, num_users=5, snr_convention=convention, snr_db=3.0, snr_reference_power_w=2.0,
                       snr_reference_antennas=8)
    s = sample_downlink_scenario(jax.random.key(4), p)
    snr = float(2.0 * gain * jnp.mean(s.gamma) / s.problem.noise_w)
    np.testing.assert_allclose(10 * np.log10(snr), 3.0, rtol=1e-5)


@pytest.mark.parametrize("convention", ["transmit", "receive"])
def test_noise_is_calibrated_at_the_reference_point_not_per_sweep_value(convention):
    """Sweeping the budget or the array size leaves the receiver noise where the reference put it."""
    noise = [float(sample_downlink_scenario(jax.random.key(4), DownlinkParams(
        n_h=n_h, n_v=4, num_users=5, p_max_w=pm, snr_convention=convention)).problem.noise_w)
        for n_h, pm in [(4, 1.0), (4, 50.0), (8, 10.0)]]
    np.testing.assert_allclose(noise, noise[0], rtol=1e-6)
    gain = 64 if convention == "receive" else 1
    np.testing.assert_allclose(noise[0], 10.0 * gain, rtol=1e-6)                      # gamma = 1, 0 dB


def test_link_budget_uses_free_space_path_loss_and_thermal_noise():
    p = DownlinkParams(n_h=4, n_v=2, num_users=5, snr_convention="link_budget")
    s = sample_downlink_scenario(jax.random.key(5), p)
    d = jnp.linalg.norm(s.user_pos - s.sat_pos[None, :], axis=1)
    fspl_db = 20 * jnp.log10(4 * jnp.pi * d / p.wavelength_m)
    np.testing.assert_allclose(10 * jnp.log10(s.gamma), p.gain_sat_dbi + p.gain_user_dbi - fspl_db, atol=0.01)
    np.testing.assert_allclose(s.problem.noise_w, 1.380649e-23 * 290 * p.bandwidth_hz * 10 ** (p.noise_figure_db / 10), rtol=1e-5)


def test_power_model_eq6():
    p = DownlinkParams()
    rfc = p.p_dac_w + p.p_mixer_w + p.p_lpf_w + p.p_bba_w
    assert p.static_power_w == pytest.approx(64 * rfc + p.p_lo_w + p.p_bb_w)
    assert p.xi == pytest.approx(2.0)


def test_same_key_same_drop_and_vmap():
    a = sample_downlink_scenario(jax.random.key(6), SMALL)
    b = sample_downlink_scenario(jax.random.key(6), SMALL)
    np.testing.assert_array_equal(a.alpha, b.alpha)
    batch = jax.vmap(lambda k: sample_downlink_scenario(k, SMALL))(jax.random.split(jax.random.key(7), 3))
    assert batch.v.shape == (3, 8, 5)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_h=0), "n_h must be an integer >= 1, got 0"), (dict(p_max_w=0.0), "p_max_w must be > 0 W, got 0.0"),
    (dict(amplifier_efficiency=1.5), r"amplifier_efficiency must be in \(0, 1\], got 1.5"),
    (dict(snr_convention="peak"), "snr_convention must be one of"),
    (dict(p_bb_w=-1.0), "p_bb_w must be >= 0 W, got -1.0"),
    (dict(p_bb_w=float("nan")), "p_bb_w must be >= 0 W, got nan"),
    (dict(rician_k_db=float("inf")), "rician_k_db must be finite dB, got inf"),
    (dict(carrier_hz=2e9 + 1j), r"carrier_hz must be a real number Hz"),
    (dict(altitude_m="high"), "altitude_m must be a real number"),
    (dict(altitude_m=[600e3, 700e3]), "altitude_m must be a scalar m, got shape \\(2,\\); to evaluate many values use satjax.sweep"),
    (dict(snr_reference_power_w=0.0), "snr_reference_power_w must be > 0 W, got 0.0"),
    (dict(snr_reference_antennas=0), "snr_reference_antennas must be an integer >= 1, got 0"),
    (dict(num_users=2.5), "num_users"),     # ValueError from satjax, or TypeError from the runtime type checker
    (dict(elevation_min_deg=0.0), r"elevation_min_deg must be in \(0, 90\] deg, got 0.0"),
    (dict(elevation_max_deg=91.0), r"elevation_max_deg must be in \(0, 90\] deg, got 91.0"),
    (dict(elevation_min_deg=95.0), r"elevation_min_deg must be in \(0, 90\] deg, got 95.0"),
    (dict(elevation_min_deg=[30.0, 40.0]), "elevation_min_deg must be a scalar deg, got shape \\(2,\\)"),
    (dict(elevation_min_deg=60.0, elevation_max_deg=30.0), "elevation_min_deg must be <= elevation_max_deg, got 60.0 > 30.0"),
])
def test_bad_parameters(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        DownlinkParams(**kwargs)


@pytest.mark.parametrize("elevation_deg", [15.0, 50.0])
def test_satellite_off_the_zenith_sees_the_same_drop_at_its_elevation(elevation_deg):
    """Below 90° the satellite sits at that elevation and TR 38.811's slant range from the footprint
    centre; users, paths, noise and budget are the zenith drop's, the channel powers fall with the
    free-space loss of the longer path, and the array responses point at the users from there."""
    key = jax.random.key(8)
    zenith = sample_downlink_scenario(key, SMALL)
    s = sample_downlink_scenario(key, SMALL.at_elevation(elevation_deg))
    x, y, z = np.asarray(s.sat_pos, float)
    np.testing.assert_allclose(np.rad2deg(np.arctan2(z, np.hypot(x, y))), elevation_deg, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(s.sat_pos), float(ntn.slant_range_m(600e3, np.deg2rad(elevation_deg))),
                               rtol=1e-5)
    for same in ("user_pos", "nu_ut", "tau_ut"):
        np.testing.assert_array_equal(getattr(s, same), getattr(zenith, same))
    np.testing.assert_array_equal(s.problem.noise_w, zenith.problem.noise_w)             # the receiver does not move
    d, d0 = (np.linalg.norm(np.asarray(a.user_pos - a.sat_pos[None, :], float), axis=1) for a in (s, zenith))
    np.testing.assert_allclose(s.gamma, zenith.gamma * (d0 / d) ** 2, rtol=1e-5)
    np.testing.assert_allclose(jnp.sum(s.alpha**2, axis=1), s.gamma, rtol=1e-5)
    np.testing.assert_allclose(s.tau_min * 299_792_458.0, d, rtol=1e-5)
    u = (np.asarray(s.user_pos, float) - np.asarray(s.sat_pos, float)) / d[:, None]
    # v_k is the UPA response towards user k from the new position: exp(j pi (h u_x + v u_y)), row-major over v
    v_idx, h_idx = np.meshgrid(np.arange(SMALL.n_v), np.arange(SMALL.n_h), indexing="ij")
    expected = np.exp(1j * np.pi * (h_idx.ravel()[:, None] * u[None, :, 0] + v_idx.ravel()[:, None] * u[None, :, 1]))
    np.testing.assert_allclose(s.v, expected, atol=2e-5)
    assert np.max(np.abs(np.asarray(s.v) - np.asarray(zenith.v))) > 0.5            # not the zenith's directions
    np.testing.assert_allclose(s.nu_sat, SMALL.orbital_speed_mps * u[:, 0] / SMALL.wavelength_m, rtol=1e-4, atol=1e-3)


def test_zenith_is_the_default_and_repointing_to_its_own_satellite_changes_nothing():
    s = sample_downlink_scenario(jax.random.key(9), SMALL)
    np.testing.assert_array_equal(s.sat_pos, np.array([0.0, 0.0, 600e3], np.float32))
    same = repoint_satellite(s, SMALL, s.sat_pos, jnp.array([SMALL.orbital_speed_mps, 0.0, 0.0]))
    for a, b in zip(jax.tree.leaves(s), jax.tree.leaves(same)):
        np.testing.assert_allclose(a, b, rtol=1e-6)              # eager here, jitted in the sampler: rounding


def test_satellite_elevation_is_uniform_in_its_range():
    """Elevation ~ U[min, max] and azimuth ~ U[0, 2 pi) over 4 000 drops: Kolmogorov-Smirnov
    distance below its 0.1 % critical value (1.95 / sqrt(n)), fixed seed."""
    from scipy import stats

    params = SMALL.replace(elevation_min_deg=20.0, elevation_max_deg=60.0)
    sat = jax.vmap(lambda k: sample_downlink_scenario(k, params).sat_pos)(jax.random.split(jax.random.key(10), 4000))
    x, y, z = (np.asarray(c, float) for c in sat.T)
    elevation, azimuth = np.rad2deg(np.arctan2(z, np.hypot(x, y))), np.arctan2(x, y) % (2 * np.pi)
    assert elevation.min() >= 20.0 - 1e-3 and elevation.max() <= 60.0 + 1e-3
    critical = 1.95 / np.sqrt(elevation.size)
    assert stats.kstest(elevation, stats.uniform(20.0, 40.0).cdf).statistic < critical
    assert stats.kstest(azimuth, stats.uniform(0.0, 2 * np.pi).cdf).statistic < critical


def _mrt_ee(params, key, **fields):
    """MRT's EE [Mbit/J] of one drop as a function of one value set into ``fields`` (jitted)."""
    def ee(value):
        s = sample_downlink_scenario(key, params.replace(**dict.fromkeys(fields, value)))
        return energy_efficiency(s.problem, statistical_mrt(s.problem.v, s.problem.p_max_w)) / 1e6
    return jax.jit(ee)


def test_energy_efficiency_gradient_in_the_satellite_elevation():
    """d EE / d elevation against finite differences (float64) inside the range and, from below,
    at the top of the range (the zenith: there the position is exact and the derivative is the
    formula's)."""
    with jax.enable_x64(True):
        params = DownlinkParams(n_v=2, n_h=2, num_users=3, num_paths=2)
        ee = _mrt_ee(params, jax.random.key(13), elevation_min_deg=None, elevation_max_deg=None)
        grad = jax.jit(jax.grad(ee))
        for elevation in (30.0, 70.0):
            fd = float(central_difference(ee, elevation, 1e-4))
            assert abs(fd) > 1e-6
            np.testing.assert_allclose(float(grad(elevation)), fd, rtol=1e-5)
        fd = float(backward_difference(ee, 90.0, 1e-4))
        assert abs(fd) > 1e-6                                   # leaving the zenith changes the EE to first order
        np.testing.assert_allclose(float(grad(90.0)), fd, rtol=1e-5)


def test_an_elevation_range_known_only_under_jit_that_is_invalid_gives_nan_channels():
    """Out of (0, 90] or min > max cannot be refused under jit: the channel powers are NaN, not numbers."""
    @jax.jit
    def gamma(low, high):
        return sample_downlink_scenario(jax.random.key(12), SMALL.replace(elevation_min_deg=low,
                                                                          elevation_max_deg=high)).gamma
    assert np.all(np.isfinite(np.asarray(gamma(30.0, 60.0))))
    for low, high in [(60.0, 30.0), (0.0, 30.0), (30.0, 95.0)]:
        assert np.all(np.isnan(np.asarray(gamma(low, high)))), (low, high)


@pytest.mark.parametrize("elevation", [50.0, 90.0])
def test_gradient_in_each_end_of_the_elevation_range_when_they_are_equal(elevation):
    """At min = max each field has its own derivative (the draw is min + u (max - min)): the
    lower end's from below, the upper end's from above (90 deg: from below only for both), and
    they add up to the derivative in the common elevation."""
    with jax.enable_x64(True):
        params = DownlinkParams(n_v=2, n_h=2, num_users=3, num_paths=2).at_elevation(elevation)
        key = jax.random.key(13)
        by_low, by_high = _mrt_ee(params, key, elevation_min_deg=None), _mrt_ee(params, key, elevation_max_deg=None)
        both = _mrt_ee(params, key, elevation_min_deg=None, elevation_max_deg=None)
        g_low, g_high, g_both = (float(jax.grad(f)(elevation)) for f in (by_low, by_high, both))
        np.testing.assert_allclose(g_low, float(backward_difference(by_low, elevation, 1e-4)), rtol=1e-5)
        if elevation < 90.0:                                    # the upper end moves up: derivative from above
            fd_high = float(backward_difference(by_high, elevation, -1e-4))
            assert abs(fd_high) > 1e-7 and abs(g_low) > 1e-7
            np.testing.assert_allclose(g_high, fd_high, rtol=1e-5)
        np.testing.assert_allclose(g_low + g_high, g_both, rtol=1e-9)

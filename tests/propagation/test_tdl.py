"""satjax.propagation.tdl (TR 38.811 §6.9.2 NTN-TDL fast fading): the printed tables (a second
literal copy), their normalization and unit RMS delay spread, tap powers and K-factors by Monte
Carlo, the time autocorrelation against J0, the satellite Doppler as a phase ramp, the frequency
response, jit/vmap/grad, bad inputs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import j0

from satjax.constants import SPEED_OF_LIGHT_M_S
from satjax.propagation import tdl
from tests.finite_differences import central_difference


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


# TR 38.811 Tables 6.9.2-1..4, typed again from the sources named in docs/ntn.md:
# (normalized delays of the diffuse taps, their powers [dB], LoS power [dB], K [dB]).
PRINTED = {
    "NTN-TDL-A": ((0.0, 1.0811, 2.8416), (0.0, -4.675, -6.482), None, None),
    "NTN-TDL-B": ((0.0, 0.7249, 0.7410, 5.7392), (0.0, -1.973, -4.332, -11.914), None, None),
    "NTN-TDL-C": ((0.0, 14.8124), (-10.618, -23.373), -0.394, 10.224),
    "NTN-TDL-D": ((0.0, 0.5596, 7.3340), (-11.991, -9.887, -16.771), -0.284, 11.707),
}


def _draws(profile, keys, times, delay_spread_s=100e-9, speed_m_s=3.0, carrier_hz=2e9, **kw):
    """Tap gains of one draw per key, [M, T, L]."""
    def one(key):
        return tdl.sample_ntn_tdl(key, profile, delay_spread_s, times, speed_m_s, carrier_hz, **kw).tap_gains
    return np.asarray(jax.jit(jax.vmap(one))(keys))


@pytest.mark.parametrize("profile", tdl.PROFILES)
def test_tables_equal_the_printed_values(profile):
    delays, powers, los, k = PRINTED[profile]
    got = tdl.ntn_tdl_profile(profile)
    assert got.name == profile
    assert got.normalized_delays == delays and got.powers_db == powers
    assert got.los_power_db == los and got.k_factor_db == k
    if k is not None:   # the printed K is the LoS row over the first tap's Rayleigh row
        assert abs((los - powers[0]) - k) < 1e-9


@pytest.mark.parametrize("profile, printed_total_db", [
    ("NTN-TDL-A", 1.947), ("NTN-TDL-B", 3.156), ("NTN-TDL-C", 0.020), ("NTN-TDL-D", 0.506)])
def test_normalized_powers_sum_to_one_with_unit_rms_delay_spread(profile, printed_total_db):
    """The printed profiles are not normalized (totals as in the tap_powers docstring); after
    normalization they sum to 1 and every profile has an RMS delay spread of 1 to the tables'
    rounding (measured 0.99994..0.99999), so ``tap_delays_s`` gives the requested DS."""
    delays, powers, los, _ = PRINTED[profile]
    lin = 10.0 ** (np.array(powers + ((los,) if los is not None else ())) / 10.0)
    assert abs(10 * np.log10(lin.sum()) - printed_total_db) < 5e-4
    p_los, p = tdl.tap_powers(profile)
    np.testing.assert_allclose(float(p_los) + float(jnp.sum(p)), 1.0, rtol=1e-14)
    all_p = jnp.concatenate([p_los[None], p])
    ds = 100e-9
    all_d = jnp.concatenate([jnp.zeros(1), tdl.tap_delays_s(profile, ds)])
    np.testing.assert_allclose(tdl.tap_delays_s(profile, ds), np.array(delays) * ds, rtol=1e-15)
    np.testing.assert_allclose(tdl.rms_delay_spread(all_p, all_d), ds, rtol=1e-4)


def test_k_factor_override_splits_the_first_tap():
    p_los, p = tdl.tap_powers("NTN-TDL-D", 5.0)
    q_los, q = tdl.tap_powers("NTN-TDL-D")
    np.testing.assert_allclose(p_los / p[0], 10**0.5, rtol=1e-12)
    np.testing.assert_allclose(p_los + p[0], q_los + q[0], rtol=1e-12)   # first tap's share kept
    np.testing.assert_allclose(p[1:], q[1:], rtol=1e-12)
    np.testing.assert_allclose(q_los / q[0], 10 ** (11.707 / 10), rtol=1e-12)


@pytest.mark.parametrize("profile", tdl.PROFILES)
def test_mean_tap_powers_by_monte_carlo(profile):
    """Mean |h_l|^2 over 4 000 draws within 3 standard errors of the normalized table (the LoS
    part counted in the first tap)."""
    m = 4000
    h = _draws(profile, jax.random.split(jax.random.key(1), m), jnp.array([0.37]), satellite_doppler_hz=4e4)[:, 0, :]
    p_los, p = tdl.tap_powers(profile)
    expected = np.asarray(p).copy()
    expected[0] += float(p_los)
    power = np.abs(h) ** 2
    se = power.std(axis=0, ddof=1) / np.sqrt(m)
    assert np.all(np.abs(power.mean(axis=0) - expected) < 3 * se), (power.mean(axis=0), expected, se)


@pytest.mark.parametrize("profile, k_db", [("NTN-TDL-C", None), ("NTN-TDL-D", None), ("NTN-TDL-D", 3.0)])
def test_rician_k_factor_by_monte_carlo(profile, k_db):
    """Moment estimator of K (Greenstein et al.): P_LoS = sqrt(2 W^2 - E|h|^4), K = P_LoS/(W - P_LoS)
    with W = E|h|^2, on 20 000 draws of the first tap; the standard error from 20 batches.
    The sum of N sinusoids has E|h_d|^4 = (2 - 1/N) P_d^2, which biases the estimate by
    P_d^2/(2 N P_LoS^2) relative (< 2e-4 here), far below the tolerance."""
    m, batches = 20000, 20
    h = _draws(profile, jax.random.split(jax.random.key(2), m), jnp.array([0.11]), k_factor_db=k_db)[:, 0, 0]

    def k_hat(x):
        w, e4 = np.mean(np.abs(x) ** 2), np.mean(np.abs(x) ** 4)
        p_los = np.sqrt(2 * w**2 - e4)
        return p_los / (w - p_los)

    per_batch = np.array([k_hat(b) for b in np.split(h, batches)])
    se = per_batch.std(ddof=1) / np.sqrt(batches)
    expected = 10 ** ((tdl.ntn_tdl_profile(profile).k_factor_db if k_db is None else k_db) / 10)
    assert abs(k_hat(h) - expected) < 3 * se, (k_hat(h), expected, se)


def test_rayleigh_autocorrelation_is_j0_times_the_satellite_doppler():
    """E[h(tau) h*(0)] / P = J0(2 pi f_D tau) exp(j 2 pi f_sat tau) for a Rayleigh tap (NTN-TDL-A,
    first tap; f_D = 100 Hz, f_sat = 40 kHz), each of 11 lags x (real, imaginary) within 4 standard
    errors of 4 000 draws (4 rather than 3: 22 comparisons, Bonferroni)."""
    carrier, f_sat = 2e9, 4e4
    speed = 100.0 * SPEED_OF_LIGHT_M_S / carrier
    f_d = float(tdl.max_doppler_hz(speed, carrier))
    np.testing.assert_allclose(f_d, 100.0, rtol=1e-12)
    tau = jnp.linspace(0.0, 8e-3, 11)
    m = 4000
    h = _draws("NTN-TDL-A", jax.random.split(jax.random.key(3), m), tau, speed_m_s=speed,
               carrier_hz=carrier, satellite_doppler_hz=f_sat)[:, :, 0]
    power = float(tdl.tap_powers("NTN-TDL-A")[1][0])
    prod = h * np.conj(h[:, :1]) / power * np.exp(-2j * np.pi * f_sat * np.asarray(tau))[None, :]
    expected = j0(2 * np.pi * f_d * np.asarray(tau))
    for part, target in ((prod.real, expected), (prod.imag, 0.0 * expected)):
        se = part.std(axis=0, ddof=1) / np.sqrt(m)
        assert np.all(np.abs(part.mean(axis=0) - target) < 4 * se + 1e-12), (part.mean(axis=0), target, se)
    assert expected.min() < -0.3    # the lags reach past the first zero of J0


def test_satellite_doppler_is_the_phase_slope():
    """A still user (f_D = 0): every tap turns at the satellite Doppler, exp(j 2 pi f t) for a
    constant one, exp(j 2 pi (f0 t + a t^2 / 2)) for a Doppler that drifts linearly (the
    trapezoidal integral is exact then), as a pass's per-step Doppler would."""
    t = jnp.linspace(0.0, 2e-4, 41)      # 5 us steps: 0.23 turns per step at 45.4 kHz
    for f_sat, phase in ((45.4e3, 2 * np.pi * 45.4e3 * np.asarray(t)),
                         (45.4e3 - 5e7 * t, 2 * np.pi * (45.4e3 * np.asarray(t) - 5e7 * np.asarray(t) ** 2 / 2))):
        r = tdl.sample_ntn_tdl(jax.random.key(4), "NTN-TDL-D", 50e-9, t, 0.0, 2e9, satellite_doppler_hz=f_sat)
        ratio = np.asarray(r.tap_gains / r.tap_gains[:1])
        np.testing.assert_allclose(ratio, np.exp(1j * phase)[:, None] * np.ones((1, 3)), atol=1e-9)
        slope = np.diff(np.unwrap(np.angle(ratio[:, 1]))) / np.diff(np.asarray(t)) / (2 * np.pi)
        f = np.broadcast_to(np.asarray(f_sat), t.shape)
        np.testing.assert_allclose(slope, 0.5 * (f[1:] + f[:-1]), rtol=1e-9)   # mean Doppler of each step
    np.testing.assert_allclose(tdl.satellite_doppler_phase_rad(t, jnp.full(t.shape, 7.0)),
                               tdl.satellite_doppler_phase_rad(t, 7.0), rtol=1e-14)


def test_pass_doppler_ramp_is_the_carrier_phase_of_the_range():
    """The Doppler of a real pass (``orbits.doppler_shift_hz`` of the exact range rate, one value
    per 0.1 s over the 20 s of an overhead LEO-600 pass around its 90 deg culmination, +10.4 to
    -1.0 kHz), integrated by the ramp, is the carrier phase of the range change,
    -2 pi f_c (d(t) - d(t_0)) / c (up to 6e5 rad), but for the trapezoidal rule's error
    2 pi dt^2/12 (f'(t) - f'(t_0)) (Euler-Maclaurin; 0.21 rad here), which it matches to 1e-4 rad."""
    from satjax import orbits as ob
    orbit = ob.kepler_orbit(6371e3 + 600e3, 0.0, 0.0, 0.0, 0.0, 0.0)
    point = ob.ground_point(0.0, np.deg2rad(3.0), 6371e3 - ob.WGS84_A_M)
    t = jnp.linspace(30.0, 50.0, 201)
    geo = jax.jit(jax.vmap(lambda s: ob.link_geometry(orbit, point, s, ob.EarthRotation(0.0, 0.0))))(t)
    carrier, dt = 2e9, 0.1
    f_sat = ob.doppler_shift_hz(geo.range_rate_m_s, carrier)
    assert float(f_sat[0]) > 1e4 and float(f_sat[-1]) < 0 and float(jnp.max(geo.elevation_rad)) > np.deg2rad(89.9)
    r = tdl.sample_ntn_tdl(jax.random.key(9), "NTN-TDL-A", 1e-7, t - t[0], 0.0, carrier, satellite_doppler_hz=f_sat)
    expected = -2 * np.pi * carrier * np.asarray(geo.slant_range_m - geo.slant_range_m[0]) / SPEED_OF_LIGHT_M_S
    assert np.abs(expected).max() > 5e5
    turn = np.asarray(r.tap_gains[:, 0] / r.tap_gains[0, 0]) * np.exp(-1j * expected)   # the steps alias: compare mod 2 pi
    rate = np.gradient(np.asarray(f_sat), dt, edge_order=2)                              # f' [Hz/s]
    trapezoid_error = 2 * np.pi * dt**2 / 12 * (rate - rate[0])
    assert np.abs(trapezoid_error).max() > 0.1
    np.testing.assert_allclose(np.angle(turn * np.exp(-1j * trapezoid_error)), 0.0, atol=1e-4)


def test_frequency_response_and_its_mean_power():
    r = tdl.sample_ntn_tdl(jax.random.key(5), "NTN-TDL-B", 300e-9, jnp.array([0.0, 1e-3]), 30.0, 2e9)
    f = jnp.arange(-3, 4) * 30e3
    h = tdl.frequency_response(r.tap_gains, r.delays_s, f)
    direct = np.einsum("tl,lf->tf", np.asarray(r.tap_gains),
                       np.exp(-2j * np.pi * np.asarray(r.delays_s)[:, None] * np.asarray(f)[None, :]))
    np.testing.assert_allclose(h, direct, rtol=1e-12)
    np.testing.assert_allclose(h[:, 3], r.tap_gains.sum(axis=1), rtol=1e-12)      # f = 0
    m = 4000
    g = _draws("NTN-TDL-C", jax.random.split(jax.random.key(6), m), jnp.array([0.2]), delay_spread_s=300e-9)[:, 0, :]
    p = np.abs(np.asarray(tdl.frequency_response(g, tdl.tap_delays_s("NTN-TDL-C", 300e-9), f))) ** 2
    se = p.std(axis=0, ddof=1) / np.sqrt(m)
    assert np.all(np.abs(p.mean(axis=0) - 1.0) < 3 * se), (p.mean(axis=0), se)


def test_jit_vmap_and_nan_under_jit():
    t = jnp.linspace(0.0, 2e-4, 41)     # the shapes of the phase-slope test: its eager ops are compiled
    keys = jax.random.split(jax.random.key(7), 2)
    eager = [tdl.sample_ntn_tdl(k, "NTN-TDL-D", 5e-8, t, 10.0, 2e9, 1e4).tap_gains for k in keys]
    batched = jax.jit(jax.vmap(lambda k: tdl.sample_ntn_tdl(k, "NTN-TDL-D", 5e-8, t, 10.0, 2e9, 1e4).tap_gains))(keys)
    np.testing.assert_allclose(batched, np.stack(eager), rtol=1e-12, atol=1e-14)
    jitted = jax.jit(lambda k, ds, v, fs: tdl.sample_ntn_tdl(k, "NTN-TDL-D", ds, t, v, 2e9, fs))
    np.testing.assert_allclose(jitted(keys[0], 5e-8, 10.0, 1e4).tap_gains, eager[0], rtol=1e-12, atol=1e-14)
    assert np.all(np.isnan(jitted(keys[0], -5e-8, 10.0, 1e4).delays_s))
    assert np.all(np.isnan(jitted(keys[0], 5e-8, -10.0, 1e4).tap_gains))


def test_float32_without_x64():
    with jax.enable_x64(False):
        r = tdl.sample_ntn_tdl(jax.random.key(0), "NTN-TDL-B", 1e-7, jnp.linspace(0.0, 1e-3, 5), 3.0, 2e9, 4e4)
        h = tdl.frequency_response(r.tap_gains, r.delays_s, jnp.arange(3) * 15e3)
    assert r.tap_gains.dtype == jnp.complex64 and r.delays_s.dtype == jnp.float32 and h.dtype == jnp.complex64
    assert np.all(np.isfinite(np.asarray(h)))


def test_gradients_equal_finite_differences():
    """d|H(f)|^2 / d(DS) and d|H(f)|^2 / d(speed) at one draw: central differences, float64."""
    t, f = jnp.array([0.0, 2e-3]), jnp.array([-45e3, 15e3, 90e3])

    def power(ds, v):
        r = tdl.sample_ntn_tdl(jax.random.key(8), "NTN-TDL-A", ds, t, v, 2e9, 3e4)
        return jnp.sum(jnp.abs(tdl.frequency_response(r.tap_gains, r.delays_s, f)) ** 2)

    ds, v = 300e-9, 20.0
    g_ds, g_v = jax.jit(jax.grad(power, argnums=(0, 1)))(ds, v)
    power = jax.jit(power)
    fd_ds = central_difference(lambda d: power(d, v), ds, 1e-6 * ds)
    fd_v = central_difference(lambda u: power(ds, u), v, 1e-5)
    np.testing.assert_allclose(g_ds, fd_ds, rtol=1e-6)
    np.testing.assert_allclose(g_v, fd_v, rtol=1e-6)
    assert abs(float(g_ds)) > 0 and abs(float(g_v)) > 0


@pytest.mark.parametrize("kwargs, match", [
    ({"profile": "TDL-A"}, "profile"),
    ({"delay_spread_s": 0.0}, "delay_spread_s"),
    ({"delay_spread_s": float("nan")}, "delay_spread_s"),
    ({"delay_spread_s": jnp.ones(2)}, "delay_spread_s"),
    ({"speed_m_s": -1.0}, "speed_m_s"),
    ({"carrier_hz": 0.0}, "carrier_hz"),
    ({"k_factor_db": float("inf")}, "k_factor_db"),
    ({"profile": "NTN-TDL-A", "k_factor_db": 10.0}, "k_factor_db"),
    ({"times_s": jnp.zeros((2, 2))}, "times_s"),
    ({"times_s": jnp.array([0.0, 1.0, 0.5])}, "times_s"),
    ({"satellite_doppler_hz": jnp.ones(3)}, "satellite_doppler_hz"),
    ({"satellite_doppler_hz": float("nan")}, "satellite_doppler_hz"),
    ({"los_angle_rad": float("nan")}, "los_angle_rad"),
    ({"num_sinusoids": 0}, "num_sinusoids"),
])
def test_bad_inputs_are_named(kwargs, match):
    args = {"key": jax.random.key(0), "profile": "NTN-TDL-C", "delay_spread_s": 1e-7, "times_s": jnp.zeros(1) + jnp.arange(4.0),
            "speed_m_s": 3.0, "carrier_hz": 2e9} | kwargs
    with pytest.raises(ValueError, match=match):
        tdl.sample_ntn_tdl(**args)


def test_helpers_refuse_bad_shapes():
    with pytest.raises(ValueError, match="satellite_doppler_hz"):
        tdl.satellite_doppler_phase_rad(jnp.arange(3.0), jnp.ones(2))
    with pytest.raises(ValueError, match="delays"):
        tdl.rms_delay_spread(jnp.ones(3), jnp.ones(2))
    with pytest.raises(ValueError, match="profile"):
        tdl.tap_delays_s("NTN-TDL-E", 1e-7)


def test_frequency_response_refuses_mismatched_taps():
    with pytest.raises(ValueError, match="tap_gains"):
        tdl.frequency_response(jnp.ones((2, 3), complex), jnp.zeros(2), jnp.zeros(4))
    with pytest.raises(ValueError, match="frequencies_hz"):
        tdl.frequency_response(jnp.ones((2, 2), complex), jnp.zeros(2), jnp.full(4, jnp.inf))

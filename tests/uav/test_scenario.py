"""System C scenario sampler (spec Sec. 1.5.1) and parameter validation."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.propagation.itu_r import free_space_loss_db, gaseous_attenuation_inclined_db
from satjax.uav import UavParams, UavScenario, sample_uav_scenario, subchannel_frequencies_hz
from tests.finite_differences import central_difference
from tests.uav.helpers import TINY


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def test_shapes_geometry_and_occupancy():
    p = UavParams()
    s = sample_uav_scenario(jax.random.key(0), p, jnp.float64)
    assert s.lam.shape == (3, 4, 4, 8) and s.phi.shape == (3, 4, 4, 8) and s.y.shape == (3, 4, 8)
    assert s.num_rx_antennas == 4 and s.energy_per_uav_j.shape == (4,)
    np.testing.assert_allclose(np.sum(s.energy_per_uav_j), 40.0)
    np.testing.assert_allclose(s.uav_pos[..., 2], 100.0)
    centre = s.uav_pos[..., :2].mean(axis=1)                                   # swarm within 200 m of the centre
    assert np.all(np.linalg.norm(np.asarray(s.uav_pos[..., :2] - centre[:, None]), axis=-1) <= 400.0 + 1e-9)
    r_sat = np.linalg.norm(np.asarray(s.sat_user_pos[:, :2]), axis=-1)
    assert np.all((r_sat >= 1000.0) & (r_sat <= 50e3))
    assert set(np.unique(np.asarray(s.y))) <= {0.0, 1.0}
    np.testing.assert_allclose(10 * np.log10(float(s.noise_w)) + 30, -173.98 + 10 * np.log10(180e3) + 7, atol=0.01)  # k_B 290 K
    np.testing.assert_allclose(10 * np.log10(float(s.interference_threshold_w)) + 30, -120.0, atol=1e-9)


def _shadowing_db(params, keys):
    """The residual -10 log10(lambda) - (P.525 + P.676) of the drops of ``keys``: [drops, G, K, L, N]."""
    f = subchannel_frequencies_hz(params.carrier_hz, params.subchannel_bandwidth_hz, params.num_subchannels)
    ff = f.reshape(1, 1, 1, -1)
    shadows = []
    for key in keys:
        s = sample_uav_scenario(jax.random.key(key), params, jnp.float64)
        diff = s.uav_pos[:, None, :, :] - s.user_pos[:, :, None, :]
        d = jnp.linalg.norm(diff, axis=-1)[..., None]
        el = jnp.arctan2(100.0, jnp.linalg.norm(diff[..., :2], axis=-1))[..., None]
        det = free_space_loss_db(d, ff) + gaseous_attenuation_inclined_db(ff, el, jnp.zeros_like(d), jnp.full_like(d, 100.0))
        shadows.append(np.asarray(-10 * jnp.log10(s.lam) - det))
    return np.stack(shadows), s, ff


def test_large_scale_gain_is_p525_plus_p676_plus_lognormal_shadowing():
    """Deterministic part recomputed from the positions; the residual (shadowing) is N(0, 6 dB):
    mean within 5 standard errors of 0, sample std within 5 standard errors of 6 dB. Default
    (``per_link``): one draw per link, the same on every subchannel (40 drops, 1 920 links);
    ``per_subchannel``: i.i.d. per (link, subchannel) (10 drops, 3 840 values)."""
    p = UavParams()                                                           # shares the compiled sampler
    assert p.shadowing == "per_link"
    shadow, _, _ = _shadowing_db(p, range(100, 140))
    assert np.ptp(shadow, axis=-1).max() < 1e-9                               # constant over the subchannels
    per_link = shadow[..., 0].ravel()
    assert abs(per_link.mean()) < 5 * 6.0 / np.sqrt(per_link.size)
    assert abs(per_link.std() / 6.0 - 1) < 5 / np.sqrt(2 * per_link.size)     # s.e. of a std: sigma/sqrt(2n)
    shadow, s, ff = _shadowing_db(p.replace(shadowing="per_subchannel"), range(100, 110))
    assert np.ptp(shadow, axis=-1).min() > 1e-3                               # drawn per subchannel
    shadow = shadow.ravel()                                                   # 3 840 values
    assert abs(shadow.mean()) < 5 * 6.0 / np.sqrt(shadow.size)
    assert abs(shadow.std() / 6.0 - 1) < 0.05                                 # 5 % = 4.4 standard errors
    # free-space interference model of Scheme 2: P.525 only
    dsat = jnp.linalg.norm(s.uav_pos[:, None, :, :] - s.sat_user_pos[None, :, None, :], axis=-1)[..., None]
    np.testing.assert_allclose(-10 * jnp.log10(s.phi_free_space), free_space_loss_db(dsat, ff) + 0 * s.phi, rtol=1e-10)


def test_deterministic_and_key_dependent():
    a = sample_uav_scenario(jax.random.key(1), TINY, jnp.float64)
    b = sample_uav_scenario(jax.random.key(1), TINY, jnp.float64)
    c = sample_uav_scenario(jax.random.key(2), TINY, jnp.float64)
    np.testing.assert_array_equal(a.lam, b.lam)
    assert not np.allclose(a.lam, c.lam)


def test_physical_fields_are_traced_and_differentiable():
    """A new carrier does not recompile, and d lambda / d f_c = -2 lambda / f_c (free space) up to
    the gaseous term, checked against central differences."""
    def mean_log_gain(fc):
        s = sample_uav_scenario(jax.random.key(0), TINY.replace(carrier_hz=fc), jnp.float64)
        return jnp.mean(jnp.log10(s.lam))
    g = jax.grad(mean_log_gain)(jnp.asarray(2e9))
    h = 1e3
    fd = central_difference(mean_log_gain, jnp.asarray(2e9), h)
    np.testing.assert_allclose(g, fd, rtol=1e-5)
    np.testing.assert_allclose(g, -2 / (2e9 * np.log(10)), rtol=1e-3)


@pytest.mark.parametrize("field, value, words", [
    ("energy_j", -5.0, "energy_j must be > 0"),
    ("interference_threshold_dbm", float("nan"), "interference_threshold_dbm must be in [-250, 0) dBm"),
    ("interference_threshold_dbm", 1e-15, "interference_threshold_dbm must be in [-250, 0) dBm"),   # a value in W
    ("interference_threshold_dbm", -400.0, "interference_threshold_dbm must be in [-250, 0) dBm"),
    ("noise_figure_db", 100.0, "noise_figure_db must be in [0, 30] dB"),
    ("noise_figure_db", -3.0, "noise_figure_db must be in [0, 30] dB"),
    ("shadowing_std_db", 50.0, "shadowing_std_db must be in [0, 20] dB"),
    ("uav_altitude_m", 20e3, "uav_altitude_m must be in (0, 10000]"),
    ("satellite_load", 1.5, "satellite_load must be in [0, 1]"),
    ("carrier_hz", 100e9, "carrier_hz must be in [1e+09, 5e+10]"),
])
def test_bad_parameters_name_the_field_and_range(field, value, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        UavParams(**{field: value})


def test_bad_sizes_and_cross_field():
    with pytest.raises(ValueError, match="num_subchannels must be an integer >= 1"):
        UavParams(num_subchannels=0)
    with pytest.raises(ValueError, match="sat_user_min_distance_m must be <= sat_user_max_distance_m"):
        UavParams(sat_user_min_distance_m=60e3)


def test_from_arrays_validates():
    lam = np.ones((1, 2, 2, 3))
    phi = np.ones((1, 1, 2, 3))
    y = np.ones((1, 1, 3))
    kw = dict(noise_w=1.0, interference_threshold_w=1.0, p_max_w=1.0, hover_budget_s=1.0, tau_max_s=1.0,
              energy_per_uav_j=1.0, num_rx_antennas=2)
    s = UavScenario.from_arrays(lam, phi, y, **kw, user_mask=[[True, False]])
    assert float(s.lam[0, 1].max()) == 0.0                                   # padded user: zero gains
    with pytest.raises(ValueError, match="energy_per_uav_j must be > 0"):
        UavScenario.from_arrays(lam, phi, y, **{**kw, "energy_per_uav_j": -1.0})
    with pytest.raises(ValueError, match="interference_threshold_w must be finite"):
        UavScenario.from_arrays(lam, phi, y, **{**kw, "interference_threshold_w": float("nan")})
    with pytest.raises(ValueError, match="lam must be >= 0"):
        UavScenario.from_arrays(-lam, phi, y, **kw)
    with pytest.raises(ValueError, match=r"y must have shape \(1, 1, 3\)"):
        UavScenario.from_arrays(lam, phi, np.ones((1, 2, 3)), **kw)
    with pytest.raises(ValueError, match="y must hold only 0 and 1"):
        UavScenario.from_arrays(lam, phi, 0.5 * y, **kw)
    with pytest.raises(ValueError, match="num_rx_antennas must be an integer >= 1"):
        UavScenario.from_arrays(lam, phi, y, **{**kw, "num_rx_antennas": 0})


def _arrays(g=1, k=2, l=2, n=3, m=1):
    kw = dict(noise_w=1.0, interference_threshold_w=1.0, p_max_w=1.0, hover_budget_s=1.0, tau_max_s=1.0,
              energy_per_uav_j=1.0, num_rx_antennas=2)
    return (np.ones((g, k, l, n)), np.ones((g, m, l, n)), np.ones((g, m, n))), kw


@pytest.mark.parametrize("change, words", [
    (lambda a, kw: ((a[0] * (1 + 1j),) + a[1:], kw), "lam must be real"),
    (lambda a, kw: ((a[0].astype(np.float16),) + a[1:], kw), "lam: float16 is not supported"),
    (lambda a, kw: ((a[0], a[1] * np.inf, a[2]), kw), "phi must be finite"),
    (lambda a, kw: ((a[0], a[1], a[2] * 1j), kw), "y must be real"),
    (lambda a, kw: (a, {**kw, "user_mask": [[True, 0.5]]}), "user_mask must be boolean"),
    (lambda a, kw: (a, {**kw, "user_mask": [[False, False]]}), "user_mask marks every entry as padding"),
    (lambda a, kw: (a, {**kw, "user_mask": [True, False]}), r"user_mask must have shape \(1, 2\)"),
    (lambda a, kw: (_arrays(l=0)[0], kw), "lam .* has a zero size"),
    (lambda a, kw: (_arrays(g=0)[0], kw), "lam .* has a zero size"),
    (lambda a, kw: (_arrays(n=0)[0], kw), "lam .* has a zero size"),
    (lambda a, kw: (_arrays(m=0)[0], kw), r"phi must have shape \[G=1, M, L=2, N=3\] with M >= 1"),
    (lambda a, kw: (a, {**kw, "energy_per_uav_j": [1.0, 2.0, 3.0]}), r"energy_per_uav_j must be a scalar or have shape \[L\]"),
    (lambda a, kw: (a, {**kw, "noise_w": [1.0, 2.0]}), r"noise_w must have shape \(\)"),
    (lambda a, kw: (a, {**kw, "p_max_w": 1j}), "p_max_w must be real"),
    (lambda a, kw: (a, {**kw, "interference_threshold_w": -120.0}), "interference_threshold_w must be > 0 W"),
    (lambda a, kw: (a, {**kw, "num_rx_antennas": 2.0}), "num_rx_antennas must be an integer"),
    (lambda a, kw: (a, {**kw, "phi_free_space": np.ones((1, 1, 2, 2))}), r"phi_free_space must have shape \(1, 1, 2, 3\)"),
])
def test_from_arrays_refuses_bad_input_by_name(change, words):
    arrays, kw = change(*_arrays())
    with pytest.raises(ValueError, match=words):
        UavScenario.from_arrays(*arrays, **kw)


def test_from_arrays_accepts_boolean_occupancy_and_integer_mask():
    (lam, phi, y), kw = _arrays()
    s = UavScenario.from_arrays(lam, phi, y.astype(bool), **kw, user_mask=np.array([[1, 0]]))
    assert s.user_mask.dtype == jnp.bool_ and s.y.dtype == s.lam.dtype and float(s.lam[0, 1].max()) == 0.0


def test_constructor_and_with_limits_check_shapes():
    s = UavScenario.from_arrays(*_arrays()[0], **_arrays()[1])
    fields = {f: getattr(s, f) for f in s.__dataclass_fields__}
    no_sat = {"phi": s.phi[:, :0], "phi_free_space": s.phi[:, :0], "y": s.y[:, :0], "sat_user_pos": s.sat_user_pos[:0]}
    with pytest.raises(ValueError, match=r"phi must have shape \[G=1, M, L=2, N=3\] \(M >= 1\)"):
        UavScenario(**{**fields, **no_sat})
    with pytest.raises(ValueError, match="user_mask marks every user as padding"):
        UavScenario(**{**fields, "user_mask": jnp.zeros((1, 2), bool)})
    with pytest.raises(ValueError, match=r"energy_per_uav_j must be a scalar or have shape \[L\] = \(2,\)"):
        s.with_limits(energy_per_uav_j=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="p_max_w must be a scalar"):
        s.with_limits(p_max_w=[1.0, 2.0])
    with pytest.raises(ValueError, match="interference_threshold_w must be > 0 W"):
        s.with_limits(interference_threshold_w=-120.0)


@pytest.mark.parametrize("i_th_dbm", [-250.0, -1e-3])
def test_extreme_legal_thresholds_stay_finite_in_float32(i_th_dbm):
    """The ends of the legal I_th range give finite scenarios, efficiencies and residuals in
    float32 (I_th = 1e-28 W at -250 dBm; below float32's normal range only under -380 dBm)."""
    from satjax.uav import initial_point, max_violation, overall_efficiency
    with jax.enable_x64(False):
        s = sample_uav_scenario(jax.random.key(3), TINY.replace(interference_threshold_dbm=i_th_dbm), jnp.float32)
        assert s.lam.dtype == jnp.float32 and float(s.interference_threshold_w) > 0
        x, p, tau = initial_point(s)
        values = [overall_efficiency(s, x, p, tau), max_violation(s, x, p, tau)]
    assert all(np.isfinite(np.asarray(v)).all() for v in (x, p, tau, *values))
    assert float(values[1]) <= 1e-6

"""System C's shadowing modes (D93, D111): Gudmundson's spatially correlated shadowing, checked by
Monte Carlo at known receiver distances; the default per-link drops unchanged."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax import sweep
from satjax.propagation.shadowing import gudmundson_correlation, sample_correlated_shadowing_db
from satjax.uav import UavParams, sample_uav_scenario
from satjax.uav.scenario import _uav_shadowing_db
from tests.finite_differences import central_difference
from tests.uav.helpers import TINY

SIGMA, D_COR = 6.0, 50.0
DROPS = 20_000


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def _fisher_z_ok(x, y, rho):
    """The sample correlation of ``x``, ``y`` equals ``rho`` within 3 standard errors of Fisher's
    z = atanh(r) (se 1/sqrt(S - 3))."""
    r = np.corrcoef(x, y)[0, 1]
    return abs(np.arctanh(r) - np.arctanh(rho)) < 3 / np.sqrt(x.size - 3), r


def _draws(params, user_pos, sat_user_pos, num=DROPS):
    """The scenario's shadowing [dB] of ``num`` drops with the receivers at the given positions:
    ``[S, G, K, L, D]`` (users) and ``[S, G, M, L, D]`` (satellite users)."""
    keys = jax.random.split(jax.random.key(7), 2 * num).reshape(num, 2)
    draw = jax.jit(jax.vmap(lambda k: _uav_shadowing_db(k[0], k[1], params, user_pos, sat_user_pos)))
    users, sats = draw(keys)
    return np.asarray(users), np.asarray(sats)


# One slot, two UAVs; users 60 m apart, the satellite user 80 m from the first and 100 m from the
# second (60^2 + 80^2 = 100^2): correlations exp(-1.2), exp(-1.6), exp(-2) at d_cor = 50 m.
USERS = jnp.array([[[0.0, 0.0, 0.0], [60.0, 0.0, 0.0]]])
SAT_USERS = jnp.array([[0.0, 80.0, 0.0]])
SMALL = UavParams(num_uavs=2, num_groups=1, users_per_group=2, num_sat_users=1, num_subchannels=3,
                  shadowing_std_db=SIGMA, shadowing_corr_distance_m=D_COR)


@pytest.mark.parametrize("mode", ["correlated", "correlated_per_subchannel"])
def test_correlation_of_two_links_of_one_uav_is_exp_minus_distance_over_d_cor(mode):
    users, sats = _draws(SMALL.replace(shadowing=mode), USERS, SAT_USERS)
    d = SMALL.num_subchannels if mode == "correlated_per_subchannel" else 1
    assert users.shape == (DROPS, 1, 2, 2, d) and sats.shape == (DROPS, 1, 1, 2, d)
    for n in range(d):
        for l in range(2):
            u0, u1, s0 = users[:, 0, 0, l, n], users[:, 0, 1, l, n], sats[:, 0, 0, l, n]
            for x, y, dist in ((u0, u1, 60.0), (u0, s0, 80.0), (u1, s0, 100.0)):
                ok, r = _fisher_z_ok(x, y, np.exp(-dist / D_COR))
                assert ok, (mode, n, l, dist, r, np.exp(-dist / D_COR))
            for x in (u0, u1, s0):                                            # marginal N(0, sigma^2)
                assert abs(x.std() / SIGMA - 1) < 3 / np.sqrt(2 * DROPS)
                assert abs(x.mean()) < 3 * SIGMA / np.sqrt(DROPS)
        ok, r = _fisher_z_ok(users[:, 0, 0, 0, n], users[:, 0, 0, 1, n], 0.0)   # two UAVs: independent
        assert ok, r
    if d == 1:
        return
    ok, r = _fisher_z_ok(users[:, 0, 0, 0, 0], users[:, 0, 0, 0, 1], 0.0)       # subchannels: independent
    assert ok, r


def test_independent_modes_have_no_spatial_correlation():
    """Control for the test above: the same receivers in the per-link mode are uncorrelated."""
    users, sats = _draws(SMALL, USERS, SAT_USERS, num=5_000)
    for x, y in ((users[:, 0, 0, 0, 0], users[:, 0, 1, 0, 0]), (users[:, 0, 0, 0, 0], sats[:, 0, 0, 0, 0])):
        ok, r = _fisher_z_ok(x, y, 0.0)
        assert ok, r


def test_per_link_drops_are_the_committed_ones():
    """The default mode's drop (TINY, key 0, float64) equals the sampler's output before the
    correlated modes were added (values recorded from that commit), to 1e-12."""
    assert TINY.shadowing == "per_link"
    s = sample_uav_scenario(jax.random.key(0), TINY, jnp.float64)
    lam_before = [[[-9.958058423669115, -9.654669056892297], [-8.131114558575737, -8.709284344797295]],
                  [[-9.6120610997119, -10.56611411201336], [-8.172612068284263, -9.080963288448086]]]
    phi_before = [[[-13.211356584548259, -13.511452552819613], [-12.07639408845603, -11.841531973812295]],
                  [[-13.945487032011087, -13.537998774509582], [-12.33010860517807, -12.386585731892955]]]
    np.testing.assert_allclose(np.log10(np.asarray(s.lam[..., 0])), lam_before, rtol=1e-12, atol=0)
    np.testing.assert_allclose(np.log10(np.asarray(s.phi[..., 0])), phi_before, rtol=1e-12, atol=0)


@pytest.mark.parametrize("mode", ["correlated", "correlated_per_subchannel"])
def test_the_sampler_applies_the_correlated_draw_to_its_own_positions(mode):
    """lam and phi over the same drop without shadowing are 10^(-X/10), X the draw of
    ``_uav_shadowing_db`` at the drop's positions with the sampler's keys; constant over the
    subchannels in the per-link mode; in the scenario's dtype (float32 checked once)."""
    p, key = TINY.replace(shadowing=mode), jax.random.key(3)
    s = sample_uav_scenario(key, p, jnp.float64)
    s0 = sample_uav_scenario(key, p.replace(shadowing_std_db=0.0), jnp.float64)
    _, _, _, _, kl, kp, _ = jax.random.split(key, 7)
    users, sats = eqx.filter_jit(_uav_shadowing_db)(kl, kp, p.astype(jnp.float64), s.user_pos, s.sat_user_pos)
    shape = (2, 2, 2, 3 if mode.endswith("per_subchannel") else 1)
    assert users.shape == shape and sats.shape == shape
    np.testing.assert_allclose(10 * np.log10(np.asarray(s0.lam / s.lam)), np.broadcast_to(users, s.lam.shape), atol=1e-9)
    np.testing.assert_allclose(10 * np.log10(np.asarray(s0.phi / s.phi)), np.broadcast_to(sats, s.phi.shape), atol=1e-9)
    np.testing.assert_array_equal(s.phi_free_space, s0.phi_free_space)
    if mode != "correlated":
        return
    s32 = sample_uav_scenario(key, p, jnp.float32)
    assert s32.lam.dtype == jnp.float32 and np.all(np.isfinite(np.asarray(s32.lam))) and np.all(np.asarray(s32.phi) > 0)


@pytest.mark.parametrize("value", [0.0, -5.0, float("nan"), float("inf")])
def test_bad_correlation_distance_is_named(value):
    with pytest.raises(ValueError, match=r"shadowing_corr_distance_m must be > 0 m"):
        UavParams(shadowing_corr_distance_m=value)


def test_bad_mode_is_named():
    with pytest.raises(ValueError, match=r"shadowing must be one of \('per_link', 'per_subchannel', 'correlated'"):
        UavParams(shadowing="spatial")


def test_coincident_receivers_are_fully_correlated_and_finite():
    """Two receivers at one point: the loaded factor stays finite (float32 and float64), the two
    draws agree to ~sqrt(loading) sigma, and the gradient in the positions is finite."""
    pos = jnp.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [20.0, 0.0, 0.0]])
    for dtype, tol in ((jnp.float32, 1e-1), (jnp.float64, 1e-5)):
        x = sample_correlated_shadowing_db(jax.random.key(0), jnp.asarray(SIGMA, dtype), pos.astype(dtype),
                                           D_COR, (1000, 3))
        assert x.dtype == dtype and np.all(np.isfinite(np.asarray(x)))
        assert np.max(np.abs(np.asarray(x[:, 0] - x[:, 1]))) < tol * SIGMA
        assert np.max(np.abs(np.asarray(x[:, 0] - x[:, 2]))) > SIGMA                       # 20 m away: not the same
    g = jax.grad(lambda q: jnp.sum(gudmundson_correlation(q, D_COR)))(pos)
    assert np.all(np.isfinite(np.asarray(g)))


def test_gradient_in_the_correlation_distance_matches_finite_differences():
    def field_sum(d_cor):
        return jnp.sum(sample_correlated_shadowing_db(jax.random.key(1), SIGMA, USERS[0] * 3, d_cor, (4, 2)) ** 2)

    g = jax.grad(field_sum)(D_COR)
    h = 1e-4
    fd = central_difference(field_sum, D_COR, h)
    assert abs(float(g)) > 1e-3
    np.testing.assert_allclose(float(g), float(fd), rtol=1e-6)


def test_a_sweep_over_the_correlation_distance_compiles_once():
    params = TINY.replace(shadowing="correlated")
    traces = []

    def mean_log_gain(p):
        traces.append(1)
        return jnp.mean(jnp.log10(sample_uav_scenario(jax.random.key(0), p, jnp.float64).lam))

    f = jax.jit(lambda v: sweep(mean_log_gain, params, shadowing_corr_distance_m=v))
    a = f(jnp.array([10.0, 500.0]))
    b = f(jnp.array([50.0, 5000.0]))
    assert len(traces) == 1 and f._cache_size() == 1
    assert np.all(np.isfinite(np.asarray(a))) and np.all(np.isfinite(np.asarray(b)))
    assert len(set(np.asarray(jnp.concatenate([a, b])).tolist())) == 4           # d_cor reaches the drop


def test_gradient_through_the_correlated_sampler_matches_finite_differences():
    """d/d(group_radius_m) of the drop's total log-gain moves the users and so the correlation
    matrix and its Cholesky factor; float64, central differences."""
    params = TINY.replace(shadowing="correlated", shadowing_corr_distance_m=300.0).astype(jnp.float64)

    def total_log_gain(radius):
        s = sample_uav_scenario(jax.random.key(2), params.replace(group_radius_m=radius), jnp.float64)
        return jnp.sum(jnp.log10(s.lam)) + jnp.sum(jnp.log10(s.phi))

    g = jax.grad(total_log_gain)(jnp.float64(1000.0))
    fd = central_difference(total_log_gain, 1000.0, 1e-3)
    assert abs(float(g)) > 1e-3
    np.testing.assert_allclose(float(g), float(fd), rtol=1e-6)

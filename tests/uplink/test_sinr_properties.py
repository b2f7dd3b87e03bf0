"""Closed-form SINR: transformations, dtypes, masking, invariances, gradients, edge cases."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from jax.test_util import check_grads

from satjax.uplink import (
    LINKS,
    ChannelStats,
    UplinkParams,
    closed_form_sinr,
    sample_uplink_scenario,
    throughput_bps,
)
from tests.uplink.helpers import permute_users, positional, random_stats, stats_arrays


def _sum_rate(stats, rho, link="space_ground"):
    return jnp.sum(jnp.log1p(closed_form_sinr(stats, rho, link))) / jnp.log(2.0)


@pytest.mark.parametrize("link", LINKS)
def test_jit_equals_eager(link):
    stats, rho = random_stats(0)
    eager = closed_form_sinr(stats, rho, link)
    jitted = jax.jit(closed_form_sinr, static_argnums=2)(stats, rho, link)
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(eager), rtol=1e-5)


def test_vmap_equals_loop():
    items = [random_stats(s) for s in range(4)]
    stats = jax.tree.map(lambda *x: jnp.stack(x), *[i[0] for i in items])
    rho = jnp.stack([i[1] for i in items])
    batched = jax.vmap(closed_form_sinr)(stats, rho)
    for b, (s, r) in enumerate(items):
        np.testing.assert_allclose(np.asarray(batched[b]), np.asarray(closed_form_sinr(s, r)), rtol=1e-5)


def test_float32_agrees_with_float64():
    """Stated tolerance: 1e-4 relative (SINR computed in noise units)."""
    with jax.enable_x64(True):
        s64, r64 = random_stats(2)
        ref = np.asarray(closed_form_sinr(ChannelStats.from_arrays(*positional(s64), **stats_arrays(s64)), r64))
        s32 = jax.tree.map(lambda x: x.astype(jnp.complex64 if jnp.iscomplexobj(x) else (jnp.float32 if jnp.issubdtype(x.dtype, jnp.floating) else x.dtype)), s64)
        out = closed_form_sinr(ChannelStats.from_arrays(*positional(s32), **stats_arrays(s32)), r64.astype(jnp.float32))
    assert out.dtype == jnp.float32 and ref.dtype == np.float64
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-4)


def test_float32_geometric_scenario_is_finite_and_matches_float64():
    params = UplinkParams(num_users=12)
    s32 = sample_uplink_scenario(jax.random.key(0), params)
    out32 = np.asarray(closed_form_sinr(s32.stats, s32.p_max_w))
    with jax.enable_x64(True):
        s64 = jax.tree.map(lambda x: x.astype(jnp.complex128 if jnp.iscomplexobj(x) else (jnp.float64 if jnp.issubdtype(x.dtype, jnp.floating) else x.dtype)), s32)
        out64 = np.asarray(closed_form_sinr(s64.stats, s64.p_max_w))
    assert np.all(np.isfinite(out32))
    np.testing.assert_allclose(out32, out64, rtol=2e-3)


@pytest.mark.parametrize("link", LINKS)
def test_padding_leaves_real_users_unchanged(link):
    stats, rho = random_stats(4)
    k = stats.num_users
    padded = stats.pad(k + 3, stats.num_aps + 2)
    # garbage in the padded slots must not leak
    padded = padded.__class__(
        beta_ap=padded.beta_ap.at[:, k:].set(7.0).at[stats.num_aps:, :].set(3.0),
        g_bar=padded.g_bar.at[k:].set(2.0 + 1j),
        r_sat=padded.r_sat.at[k:].set(jnp.eye(stats.num_antennas)[None] * 5.0),
        pilot=padded.pilot.at[k:].set(0),
        pilot_power=padded.pilot_power,
        noise_ap=padded.noise_ap,
        noise_sat=padded.noise_sat,
        user_mask=padded.user_mask,
        ap_mask=padded.ap_mask,
        tau_p=padded.tau_p,
    )
    rho_p = jnp.concatenate([rho, jnp.full((3,), 9.0)])
    out = closed_form_sinr(padded, rho_p, link)
    np.testing.assert_allclose(np.asarray(out[:k]), np.asarray(closed_form_sinr(stats, rho, link)), rtol=1e-5)
    assert np.all(np.asarray(out[k:]) == 0)


@settings(deadline=None, max_examples=8)
@given(seed=st.integers(0, 10_000), log_scale=st.floats(-8, 8))
def test_scale_invariance(seed, log_scale):
    """Scaling every channel power and both noises by one factor leaves the SINR unchanged."""
    with jax.enable_x64(True):
        a, rho = random_stats(seed)
        b, _ = random_stats(seed, noise_scale=10.0**log_scale)
        np.testing.assert_allclose(np.asarray(closed_form_sinr(b, rho)), np.asarray(closed_form_sinr(a, rho)), rtol=1e-8)


@settings(deadline=None, max_examples=6)
@given(seed=st.integers(0, 10_000))
def test_permuting_users_permutes_sinr(seed):
    stats, rho = random_stats(seed)
    perm = np.random.default_rng(seed).permutation(stats.num_users)
    permuted = permute_users(stats, perm)
    np.testing.assert_allclose(np.asarray(closed_form_sinr(permuted, rho[perm])), np.asarray(closed_form_sinr(stats, rho))[perm], rtol=1e-5)


@pytest.mark.parametrize("link", LINKS)
def test_gradient_wrt_rho_matches_finite_differences(link):
    with jax.enable_x64(True):
        stats, rho = random_stats(5)
        check_grads(lambda r: _sum_rate(stats, r, link), (rho,), order=1, modes=("fwd", "rev"))


def test_gradient_wrt_statistics_matches_finite_differences():
    with jax.enable_x64(True):
        stats, rho = random_stats(6)

        def f(beta_ap, g_bar):
            s = stats.__class__(
                beta_ap=beta_ap, g_bar=g_bar, r_sat=stats.r_sat, pilot=stats.pilot, pilot_power=stats.pilot_power,
                noise_ap=stats.noise_ap, noise_sat=stats.noise_sat, user_mask=stats.user_mask,
                ap_mask=stats.ap_mask, tau_p=stats.tau_p,
            )
            return _sum_rate(s, rho)

        check_grads(f, (stats.beta_ap, stats.g_bar), order=1, modes=("rev",))


def test_gradient_finite_with_padding_and_zero_power():
    stats, rho = random_stats(8)
    padded = stats.pad(stats.num_users + 2, stats.num_aps)
    rho = jnp.concatenate([rho.at[0].set(0.0), jnp.zeros(2)])
    g = jax.grad(lambda r: _sum_rate(padded, r))(rho)
    assert np.all(np.isfinite(np.asarray(g)))


@pytest.mark.parametrize("snr_db", [-50.0, 0.0, 80.0])
def test_extreme_snr_is_finite(snr_db):
    """Powers from -50 to +80 dB over the noise, float32."""
    stats, rho = random_stats(9)
    scaled = ChannelStats.from_arrays(*positional(stats), pilot_power=stats.pilot_power * 10 ** (snr_db / 10),
                                      tau_p=stats.tau_p, noise_ap=stats.noise_ap, noise_sat=stats.noise_sat)
    out = closed_form_sinr(scaled, rho * 10 ** (snr_db / 10))
    assert np.all(np.isfinite(np.asarray(out))) and np.all(np.asarray(out) >= 0)


def test_user_on_top_of_an_ap_and_zero_power_users_are_finite():
    params = UplinkParams(num_users=6, num_aps=4, area_side_m=10.0)     # everyone within metres of an AP
    sc = sample_uplink_scenario(jax.random.key(1), params)
    rho = sc.p_max_w.at[:3].set(0.0)
    out = np.asarray(closed_form_sinr(sc.stats, rho))
    assert np.all(np.isfinite(out)) and np.all(out[:3] == 0) and np.all(out[3:] > 0)


def test_more_power_helps_alone_and_interference_hurts():
    stats, rho = random_stats(10)
    base = np.asarray(closed_form_sinr(stats, rho))
    up = np.asarray(closed_form_sinr(stats, rho.at[0].multiply(2.0)))
    assert up[0] > base[0] and np.all(up[1:] <= base[1:] + 1e-7)


def test_space_ground_beats_each_link_alone_on_average():
    sc = jax.vmap(lambda k: sample_uplink_scenario(k, UplinkParams()))(jax.random.split(jax.random.key(0), 8))
    rate = lambda link: jax.vmap(lambda s, r: throughput_bps(closed_form_sinr(s, r, link), bandwidth_hz=20e6, tau_p=10, tau_c=10_000).sum())(sc.stats, sc.p_max_w)
    both, space, ground = (float(rate(l).mean()) for l in LINKS)
    assert both > space and both > ground

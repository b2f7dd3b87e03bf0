"""Theorem 1 against Monte Carlo of the system model: term by term and for the SINR itself.

Tolerances are 5 standard errors of the Monte Carlo estimate, with fixed seeds.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.uplink import (
    LINKS,
    SinrTerms,
    apply_masks,
    closed_form_terms,
    hermitian_sqrt,
    mmse_statistics,
    monte_carlo_terms,
    normalize,
    SisoProblem,
    closed_form_sinr,
    sample_realization,
    siso_sinr,
)
from tests.uplink.helpers import REGIMES, random_stats

NUM_SAMPLES = 20_000
Z_MAX = 5.0


def _realizations(key, stats, link, num):
    s = normalize(apply_masks(stats))
    est = mmse_statistics(s)
    r_sqrt = hermitian_sqrt(s.r_sat)
    keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(num))
    out = jax.jit(jax.vmap(lambda kk: sample_realization(kk, s, est, r_sqrt, link)))(keys)
    return np.asarray(out.z), np.asarray(out.noise)


def _zscore(samples, expected):
    mean = samples.mean(0)
    sem = samples.std(0, ddof=1) / np.sqrt(samples.shape[0])
    scale = np.maximum(np.abs(expected), 1.0) * 1e-9          # exact zeros: no spread, no error
    return np.abs(mean - expected) / np.maximum(sem, scale)


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("regime", REGIMES)
def test_terms_within_monte_carlo_error(regime, link):
    with jax.enable_x64(True):
        seed = REGIMES.index(regime) * 10 + LINKS.index(link)
        stats, _ = random_stats(seed, regime)
        cf = closed_form_terms(stats, link)
        z, noise = _realizations(jax.random.key(100 + seed), stats, link, NUM_SAMPLES)
        mean_z = np.asarray(cf.mean_z)
        z_re = _zscore(z.real, mean_z.real)
        z_im = _zscore(z.imag, mean_z.imag)
        z_m2 = _zscore(np.abs(z) ** 2, np.asarray(cf.second_moment))
        z_no = _zscore(noise, np.asarray(cf.noise))
    assert z_re.max() < Z_MAX, f"E z (real) off by {z_re.max():.1f} SE"
    assert z_im.max() < Z_MAX, f"E z (imag) off by {z_im.max():.1f} SE"
    assert z_m2.max() < Z_MAX, f"E|z|^2 off by {z_m2.max():.1f} SE"
    assert z_no.max() < Z_MAX, f"noise off by {z_no.max():.1f} SE"


def _sinr(terms, stats, rho):
    return siso_sinr(SisoProblem.from_terms(terms, stats.user_mask), rho)


def _batched_mc_sinr(key, stats, rho, link, batches, per_batch):
    terms = [monte_carlo_terms(jax.random.fold_in(key, b), stats, num_samples=per_batch, link=link) for b in range(batches)]
    per = np.stack([np.asarray(_sinr(t, stats, rho)) for t in terms])
    mean_z = sum(t.mean_z for t in terms) / batches
    second = sum(t.second_moment for t in terms) / batches
    pooled = SinrTerms(mean_z=mean_z, var_z=second - jnp.abs(mean_z) ** 2, noise=sum(t.noise for t in terms) / batches)
    return np.asarray(_sinr(pooled, stats, rho)), per.std(0, ddof=1) / np.sqrt(batches)


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("regime", ["generic", "los_dominant", "orthogonal_pilots"])
def test_sinr_within_monte_carlo_error(regime, link):
    with jax.enable_x64(True):
        stats, rho = random_stats(7 + REGIMES.index(regime), regime)
        rho = jnp.asarray(rho)
        cf = np.asarray(closed_form_sinr(stats, rho, link))
        mc, se = _batched_mc_sinr(jax.random.key(3), stats, rho, link, batches=20, per_batch=2_000)
    z = np.abs(cf - mc) / se
    assert z.max() < Z_MAX, f"SINR closed form vs MC: {z.max():.1f} SE (cf={cf}, mc={mc})"


def test_sampled_scenario_matches_monte_carlo():
    """A geometric drop (UPA, Rician LoS, shadowing) in float32, all three links."""
    from satjax.uplink import UplinkParams, sample_uplink_scenario

    params = UplinkParams(num_aps=8, num_users=6, tau_p=3, n_v=3, n_h=3)
    sc = sample_uplink_scenario(jax.random.key(5), params)
    for link in LINKS:
        cf = np.asarray(closed_form_sinr(sc.stats, sc.p_max_w, link))
        mc, se = _batched_mc_sinr(jax.random.key(6), sc.stats, sc.p_max_w, link, batches=10, per_batch=2_000)
        z = np.abs(cf - mc) / se
        assert z.max() < Z_MAX, f"{link}: {z.max():.1f} SE (cf={cf}, mc={mc})"


def test_chunk_size_does_not_change_result():
    with jax.enable_x64(True):
        stats, rho = random_stats(1)
        a = monte_carlo_terms(jax.random.key(0), stats, num_samples=1000, chunk_size=64)
        b = monte_carlo_terms(jax.random.key(0), stats, num_samples=1000, chunk_size=1000)
    np.testing.assert_allclose(np.asarray(a.mean_z), np.asarray(b.mean_z), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(a.var_z), np.asarray(b.var_z), rtol=1e-9)
    np.testing.assert_allclose(np.asarray(a.noise), np.asarray(b.noise), rtol=1e-10)


def test_monte_carlo_vmaps_over_scenarios():
    stats = [random_stats(s)[0] for s in range(3)]
    batch = jax.tree.map(lambda *x: jnp.stack(x), *stats)
    f = lambda st: monte_carlo_terms(jax.random.key(0), st, num_samples=256, chunk_size=128).noise
    batched = jax.vmap(f)(batch)
    for i, st in enumerate(stats):
        np.testing.assert_allclose(np.asarray(batched[i]), np.asarray(f(st)), rtol=1e-5)

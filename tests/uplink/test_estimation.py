"""Lemma 1: statistics of the MMSE estimates formed from sampled pilot signals."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.uplink import (
    apply_masks,
    hermitian_sqrt,
    mmse_estimate,
    mmse_statistics,
    normalize,
    pilot_book,
    sample_channels,
    sample_pilot_signals,
)
from tests.uplink.helpers import random_stats

S = 40_000


def _draw(stats, seed):
    s = normalize(apply_masks(stats))
    est = mmse_statistics(s)
    r_sqrt = hermitian_sqrt(s.r_sat)

    def one(key):
        k1, k2 = jax.random.split(key)
        g_ap, g_sat = sample_channels(k1, s, r_sqrt)
        y_ap, y_sat = sample_pilot_signals(k2, s, g_ap, g_sat)
        g_ap_hat, g_sat_hat = mmse_estimate(s, est, y_ap, y_sat)
        return g_ap, g_sat, g_ap_hat, g_sat_hat

    keys = jax.random.split(jax.random.key(seed), S)
    return s, est, [np.asarray(x) for x in jax.jit(jax.vmap(one))(keys)]


@pytest.mark.parametrize("regime", ["generic", "correlated"])
def test_estimate_statistics_match_lemma1(regime):
    with jax.enable_x64(True):
        stats, _ = random_stats(11, regime)
        s, est, (g_ap, g_sat, g_ap_hat, g_sat_hat) = _draw(stats, 0)
        gamma, psi, g_bar = np.asarray(est.gamma), np.asarray(est.psi), np.asarray(s.g_bar)
    # E|g_hat_mk|^2 = gamma_mk (eq. 8), within 5 standard errors
    p = np.abs(g_ap_hat) ** 2
    assert np.all(np.abs(p.mean(0) - gamma) < 5 * p.std(0) / np.sqrt(S))
    # estimate and error uncorrelated: E[g_hat^* e] = 0
    e_ap = g_ap - g_ap_hat
    cross = np.conj(g_ap_hat) * e_ap
    assert np.all(np.abs(cross.mean(0)) < 5 * np.abs(cross).std(0) / np.sqrt(S) + 1e-12)
    # satellite: mean g_bar and covariance p tau_p R Phi R (eq. 10), error uncorrelated (eq. 11)
    d = g_sat_hat - g_bar[None]
    assert np.all(np.abs(d.mean(0)) < 5 * np.abs(d).std(0) / np.sqrt(S))
    cov = np.einsum("ski,skj->kij", d, np.conj(d)) / S
    se = np.sqrt(np.einsum("kii,kjj->kij", np.abs(psi), np.abs(psi)) / S)
    assert np.all(np.abs(cov - psi) < 5 * se + 1e-12)
    e_sat = g_sat - g_sat_hat
    xc = np.einsum("ski,skj->kij", d, np.conj(e_sat)) / S
    assert np.all(np.abs(xc) < 5 * se + 1e-12)


def test_error_covariance_is_r_minus_psi():
    with jax.enable_x64(True):
        stats, _ = random_stats(12, "generic")
        s, est, (_, g_sat, _, g_sat_hat) = _draw(stats, 1)
        expected = np.asarray(s.r_sat - est.psi)
    e = g_sat - g_sat_hat
    cov = np.einsum("ski,skj->kij", e, np.conj(e)) / S
    se = np.sqrt(np.einsum("kii,kjj->kij", np.abs(expected), np.abs(expected)) / S)
    assert np.all(np.abs(cov - expected) < 5 * se + 1e-12)


def test_pilot_book_is_unitary():
    for tau in (1, 2, 5, 10):
        phi = np.asarray(pilot_book(tau))
        np.testing.assert_allclose(phi.conj().T @ phi, np.eye(tau), atol=1e-6)


def test_orthogonal_pilot_phi_reduces_to_single_user():
    """With orthogonal pilots Phi_k = (p tau_p R_k + sigma_s^2 I)^-1 (text after eq. (12))."""
    with jax.enable_x64(True):
        stats, _ = random_stats(3, "orthogonal_pilots")
        est = mmse_statistics(stats)
        ptau = float(stats.pilot_power) * stats.tau_p
        for k in range(stats.num_users):
            r = np.asarray(stats.r_sat[k])
            phi = np.linalg.inv(ptau * r + float(stats.noise_sat) * np.eye(r.shape[0]))
            np.testing.assert_allclose(np.asarray(est.phi_r[k]), phi @ r, rtol=1e-9, atol=1e-12)


def test_complex_normal_has_unit_variance():
    x = np.asarray(jax.random.normal(jax.random.key(0), (200_000,), jnp.complex64))
    assert abs(np.mean(np.abs(x) ** 2) - 1.0) < 0.01
    assert abs(np.mean(x**2)) < 0.01          # circular: no pseudo-covariance

"""System B boundary checks: zero forcing on rank-deficient channels, Monte Carlo sample counts."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.downlink import ergodic_rate_monte_carlo, mmse_precoder, regularized_zero_forcing, zero_forcing
from tests.downlink.helpers import random_instance


def _rank_deficient(kind):
    *_, h = random_instance(0)
    if kind == "duplicate":
        return h.at[:, 1].set(h[:, 0])
    if kind == "zero":
        return h.at[:, 2].set(0)
    return h.at[:, 1].set(3.0 * h[:, 0])                                       # parallel channels


@pytest.mark.parametrize("kind", ["duplicate", "zero", "parallel"])
def test_zero_forcing_names_rank_deficiency(kind):
    h = _rank_deficient(kind)
    with pytest.raises(ValueError, match=r"h is rank deficient: rank 3 < K = 4 users"):
        zero_forcing(h, 1.0)
    with pytest.raises(ValueError, match="h is rank deficient"):
        mmse_precoder(h, 1.0, 0.0)                                             # noise 0: MMSE is ZF
    with pytest.raises(ValueError, match="reg = 1e-30 is too small"):
        regularized_zero_forcing(h, 1.0, 1e-30)


@pytest.mark.parametrize("kind", ["duplicate", "zero", "parallel"])
def test_zero_forcing_under_jit_is_nan_not_garbage(kind):
    b = jax.jit(zero_forcing)(_rank_deficient(kind), jnp.asarray(1.0))
    assert np.all(np.isnan(np.asarray(b)))


def test_regularized_forcing_of_rank_deficient_channels_is_fine():
    """With reg > 0 the Gram matrix is invertible: finite, at the budget, also under jit."""
    h = _rank_deficient("duplicate")
    for b in (regularized_zero_forcing(h, 2.0, 0.1), jax.jit(regularized_zero_forcing)(h, 2.0, 0.1)):
        np.testing.assert_allclose(float(jnp.sum(jnp.abs(b) ** 2)), 2.0, rtol=1e-5)


def test_zero_forcing_of_independent_channels_unchanged_under_jit():
    *_, h = random_instance(1)
    b = jax.jit(zero_forcing)(h, jnp.asarray(1.0))
    off = np.abs(np.asarray(jnp.conj(h).T @ b))
    assert np.all(np.isfinite(np.asarray(b)))
    assert off[~np.eye(4, dtype=bool)].max() < 1e-4 * off.diagonal().min()      # h_k^H b_l = 0, k != l


def test_ergodic_monte_carlo_needs_samples():
    v, alpha, gamma, noise, h = random_instance(0)
    with pytest.raises(ValueError, match="num_samples must be an integer >= 1"):
        ergodic_rate_monte_carlo(jax.random.key(0), v, v, alpha, noise, num_samples=0)

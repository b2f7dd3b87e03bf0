"""System B boundary checks: zero forcing on rank-deficient channels, Monte Carlo sample counts, wrong
shapes and dtypes (the suite's run-time checker and, for a user, the function's own ValueError)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.downlink import (
    PrecodingProblem,
    ergodic_rate_monte_carlo,
    estimated_channel,
    mmse_precoder,
    mrt,
    regularized_zero_forcing,
    wmmse,
    zero_forcing,
)
from satjax.optim import Unroll
from tests.downlink.helpers import random_instance
from tests.typecheck import as_a_user, refused_by_checker_and_function


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


@pytest.mark.parametrize("args, param, match", [
    (lambda h: (h[:, 0], 1.0), "h", r"h must be a 2-D array \[N_t, K\], got shape \(16,\)"),
    (lambda h: (h, jnp.ones(2)), "p_max", r"p_max must have shape \(\), got \(2,\)"),
    (lambda h: (h, 1.0 + 1.0j), "p_max", "p_max must be real"),
])
def test_mrt_wrong_input_checker_names_the_parameter_and_a_user_gets_the_value_error(args, param, match):
    """The annotations of a public function are checked in the suite (jaxtyping + beartype): a
    wrong shape or dtype raises the checker's TypeCheckError naming the parameter; a user, who
    has no checker, gets mrt's own ValueError for the same input."""
    *_, h = random_instance(0)
    refused_by_checker_and_function(lambda: mrt(*args(h)), param, match)


def test_scalar_parameters_of_wmmse_and_estimated_channel_are_checked_by_name():
    """rho of wmmse and error_variance of estimated_channel are real scalars: another shape or a
    complex value is a ValueError naming them (for a user; the suite's checker rejects it first)."""
    v, alpha, gamma, noise, h = random_instance(0)
    p = PrecodingProblem.from_arrays(v, gamma, p_max_w=10.0, noise_w=noise, bandwidth_hz=20e6, xi=2.0, p_static_w=50.0)
    for rho, match in ((jnp.ones(2), r"rho must have shape \(\), got \(2,\)"), (1.0 + 0.5j, "rho must be real"),
                       (jnp.nan, "rho must be finite")):
        with pytest.raises(ValueError, match=match):
            with as_a_user():
                wmmse(p, rho=rho)
    for eps, match in ((jnp.full(4, 0.1), r"error_variance must have shape \(\), got \(4,\)"),
                       (0.1j, "error_variance must be real")):
        with pytest.raises(ValueError, match=match):
            with as_a_user():
                estimated_channel(jax.random.key(0), h, gamma, eps)
    b, _ = wmmse(p, mode=Unroll(2), rho=1)                                     # a Python int is a real scalar
    assert b.shape == v.shape and bool(jnp.all(jnp.isfinite(b)))

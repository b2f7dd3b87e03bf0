"""System B rates, power model and linear precoders (paper B, eqs. (5)-(10))."""

import contextlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.downlink import (
    PrecodingProblem,
    energy_efficiency,
    ergodic_rate_monte_carlo,
    mmse_precoder,
    mrt,
    rate_bound,
    regularized_zero_forcing,
    sinr,
    statistical_mrt,
    total_power,
    transmit_power,
    zero_forcing,
)
from tests.downlink.helpers import random_instance
from tests.typecheck import as_a_user

P_MAX = 10.0


def test_sinr_matches_loop_definition():
    v, alpha, gamma, noise, h = random_instance(0)
    b = jax.random.normal(jax.random.key(0), v.shape) + 1j * jax.random.normal(jax.random.key(1), v.shape)
    b = b.astype(jnp.complex64)
    hn, bn = np.asarray(h, np.complex128), np.asarray(b, np.complex128)
    expected = []
    for k in range(h.shape[1]):
        sig = abs(hn[:, k].conj() @ bn[:, k]) ** 2
        intf = sum(abs(hn[:, k].conj() @ bn[:, i]) ** 2 for i in range(h.shape[1]) if i != k)
        expected.append(sig / (intf + float(noise)))
    np.testing.assert_allclose(sinr(h, b, noise), expected, rtol=1e-4)


@pytest.mark.parametrize("precoder", ["mrt", "zf", "rzf", "mmse", "stat_mrt"])
def test_power_constraint_met_with_equality(precoder):
    v, alpha, gamma, noise, h = random_instance(1)
    b = {"mrt": lambda: mrt(h, P_MAX), "zf": lambda: zero_forcing(h, P_MAX),
         "rzf": lambda: regularized_zero_forcing(h, P_MAX, 0.3), "mmse": lambda: mmse_precoder(h, P_MAX, noise),
         "stat_mrt": lambda: statistical_mrt(v, P_MAX)}[precoder]()
    assert b.shape == h.shape
    np.testing.assert_allclose(transmit_power(b), P_MAX, rtol=1e-5)


def test_zero_forcing_nulls_interference():
    v, alpha, gamma, noise, h = random_instance(2)
    g = jnp.abs(jnp.conj(h).T @ zero_forcing(h, P_MAX))
    off = g - jnp.diag(jnp.diagonal(g))
    assert float(jnp.max(off)) < 1e-4 * float(jnp.min(jnp.diagonal(g)))


def test_rzf_tends_to_zf_and_mrt():
    v, alpha, gamma, noise, h = random_instance(3)
    np.testing.assert_allclose(regularized_zero_forcing(h, P_MAX, 1e-6), zero_forcing(h, P_MAX), rtol=1e-3, atol=1e-4)
    big = regularized_zero_forcing(h, P_MAX, 1e7)
    np.testing.assert_allclose(big, mrt(h, P_MAX), rtol=1e-3, atol=1e-4)


def test_mmse_beats_zf_and_mrt_at_its_design_point():
    """Sum rate of MMSE >= min(ZF, MRT) on average over draws (it interpolates the two)."""
    wins = 0
    for seed in range(10):
        v, alpha, gamma, noise, h = random_instance(seed, snr_db=5.0)
        rates = {name: float(jnp.sum(jnp.log2(1 + sinr(h, f(), noise)))) for name, f in {
            "mmse": lambda: mmse_precoder(h, P_MAX, noise), "zf": lambda: zero_forcing(h, P_MAX),
            "mrt": lambda: mrt(h, P_MAX)}.items()}
        wins += rates["mmse"] >= min(rates["zf"], rates["mrt"]) - 1e-5
    assert wins == 10


def test_upper_bound_exceeds_monte_carlo_ergodic_rate():
    v, alpha, gamma, noise, h = random_instance(4, paths=4)
    b = statistical_mrt(v, P_MAX)
    bound = rate_bound(b, v, gamma, noise)
    n = 20_000
    mc = ergodic_rate_monte_carlo(jax.random.key(0), b, v, alpha, noise, num_samples=n)
    # Jensen: R_k <= R_bar_k; the Monte Carlo error of a mean of log2(1 + c|g|^2) is far below
    # the gap for Rayleigh-like g (checked: std/sqrt(n) < 0.02 bit/s/Hz here)
    assert np.all(np.asarray(mc) <= np.asarray(bound))
    assert np.all(np.asarray(bound) - np.asarray(mc) < 1.5)           # and the bound is not loose


def test_energy_efficiency_units_and_power_model():
    v, alpha, gamma, noise, h = random_instance(5)
    b = statistical_mrt(v, P_MAX)
    xi, p_static = 2.0, 50.0
    np.testing.assert_allclose(total_power(b, xi, p_static), xi * P_MAX + p_static, rtol=1e-6)
    problem = PrecodingProblem.from_arrays(v, gamma, p_max_w=P_MAX, noise_w=noise, bandwidth_hz=20e6, xi=xi, p_static_w=p_static)
    ee = energy_efficiency(problem, b)
    np.testing.assert_allclose(ee, 20e6 * jnp.sum(rate_bound(b, v, gamma, noise)) / (xi * P_MAX + p_static), rtol=1e-5)


def test_rates_jit_vmap_grad():
    v, alpha, gamma, noise, h = random_instance(6)
    b = statistical_mrt(v, P_MAX)
    problem = PrecodingProblem.from_arrays(v, gamma, p_max_w=P_MAX, noise_w=noise, bandwidth_hz=20e6, xi=2.0, p_static_w=50.0)
    f = jax.jit(lambda bb: energy_efficiency(problem, bb))
    g = jax.grad(lambda bb: jnp.real(f(bb)))(b)
    assert g.shape == b.shape and np.all(np.isfinite(np.asarray(g)))
    batch = jnp.stack([b, 2 * b])
    out = jax.vmap(lambda bb: rate_bound(bb, v, gamma, noise))(batch)
    np.testing.assert_allclose(out[0], rate_bound(b, v, gamma, noise), rtol=1e-6)


def test_estimated_channel_error_statistics():
    from satjax.downlink import estimated_channel

    v, alpha, gamma, noise, h = random_instance(7)
    np.testing.assert_array_equal(estimated_channel(jax.random.key(0), h, gamma, 0.0), h)
    keys = jax.random.split(jax.random.key(1), 2000)
    err = jax.vmap(lambda k: estimated_channel(k, h, gamma, 0.1) - h)(keys)          # [S, Nt, K]
    power = jnp.mean(jnp.abs(err) ** 2, axis=(0, 1))                                  # per user
    # 2000 x 16 samples of an exponential: relative standard error 1/sqrt(32000) = 0.56 %
    np.testing.assert_allclose(power, 0.1 * gamma, rtol=0.03)
    with pytest.raises(ValueError, match="error_variance must be >= 0"):
        estimated_channel(jax.random.key(2), h, gamma, -0.1)


def test_zero_forcing_on_estimated_channel_leaks_interference():
    """ZF designed on h_hat no longer nulls interference on h; the leakage grows with the error."""
    from satjax.downlink import estimated_channel

    v, alpha, gamma, noise, h = random_instance(8)
    leak = []
    for eps in (0.0, 0.01, 0.1):
        b = zero_forcing(estimated_channel(jax.random.key(3), h, gamma, eps), P_MAX)
        g = jnp.abs(jnp.conj(h).T @ b) ** 2
        leak.append(float(jnp.sum(g) - jnp.trace(g)))
    assert leak[0] < 1e-6 * leak[2] and leak[0] < leak[1] < leak[2]


#: ``user``: the input is one the annotation rejects (1-D ``h``, complex ``p_max``), so the suite's
#: run-time checker would raise first; the call runs as a user's does, without it.
@pytest.mark.parametrize("call, match, user", [
    (lambda h: zero_forcing(h[:, :3], -1.0), "p_max must be >= 0", False),
    (lambda h: zero_forcing(h[:2], 1.0), "zero forcing needs K <= N_t", False),
    (lambda h: zero_forcing(h[:, 0], 1.0), r"h must be a 2-D array \[N_t, K\]", True),
    (lambda h: mmse_precoder(h.at[0, 0].set(jnp.nan), 1.0, 0.1), "h must be finite", False),
    (lambda h: mmse_precoder(h, 0.0, 0.1), "p_max must be > 0", False),
    (lambda h: mmse_precoder(h, 1.0, -0.1), "noise must be >= 0", False),
    (lambda h: regularized_zero_forcing(h, 1.0, -1.0), "reg must be >= 0", False),
    (lambda h: statistical_mrt(h, 1.0 + 1.0j), "p_max must be real", True),
    (lambda h: mrt(h[:, :0], 1.0), "K >= 1 users", False),
    (lambda h: mmse_precoder(h, 1.0, 0.1, num_users=h.shape[1] + 1), r"num_users must be an integer in \[0, K\]", False),
    (lambda h: mmse_precoder(h, 1.0, 0.1, num_users=2.0), "num_users must be an integer scalar", True),
    (lambda h: mmse_precoder(h, 1.0, 0.1, num_users=jnp.array([2, 2])), "num_users must be an integer scalar", True),
])
def test_precoders_reject_bad_input_by_name(call, match, user):
    v, alpha, gamma, noise, h = random_instance(9)
    with pytest.raises(ValueError, match=match):
        with as_a_user() if user else contextlib.nullcontext():
            call(h)


def test_project_to_budget_is_feasible_idempotent_and_leaves_feasible_precoders_alone():
    from satjax.downlink import project_to_budget

    v, alpha, gamma, noise, h = random_instance(10)
    inside = statistical_mrt(v, 0.5 * P_MAX)
    np.testing.assert_array_equal(project_to_budget(inside, P_MAX), inside)
    outside = 3.0 * statistical_mrt(v, P_MAX)
    projected = project_to_budget(outside, P_MAX)
    np.testing.assert_allclose(transmit_power(projected), P_MAX, rtol=1e-6)
    np.testing.assert_allclose(projected, outside / 3.0, rtol=1e-5)                  # a pure rescaling
    np.testing.assert_array_equal(project_to_budget(projected, P_MAX), projected)
    assert np.all(np.isnan(np.asarray(project_to_budget(outside.at[0, 0].set(jnp.nan), P_MAX)[0, 0])))
    g = jax.grad(lambda s: transmit_power(project_to_budget(s * outside, P_MAX)))(1.0)
    assert float(g) == pytest.approx(0.0, abs=1e-3)                                    # on the budget: flat


def test_low_sinr_rates_are_accurate_in_float32():
    """log2(1 + x) loses every digit below x ~ 6e-8 in float32; the log1p form keeps them."""
    v, alpha, gamma, noise, h = random_instance(11)
    b = statistical_mrt(v, 1e-7)
    r32 = np.asarray(rate_bound(b, v, gamma, noise))
    with jax.enable_x64(True):
        c = lambda x: jnp.asarray(np.asarray(x), jnp.complex128 if jnp.iscomplexobj(x) else jnp.float64)  # noqa: E731
        r64 = np.asarray(rate_bound(c(b), c(v), c(gamma), c(noise)))
    np.testing.assert_allclose(r32, r64, rtol=1e-5)

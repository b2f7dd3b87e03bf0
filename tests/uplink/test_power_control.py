"""Algorithm 1 (paper A, Sec. IV): printed updates vs the closed form, monotonicity, stationarity,
baselines ordering, equivariance, modes, batching and bad input."""

import contextlib

import chex
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jax.test_util import check_grads

from satjax.optim import UTILITIES, Solve, Unroll, full_power, random_power
from satjax.uplink import (
    LINKS,
    ChannelStats,
    UplinkParams,
    algorithm1,
    algorithm1_step,
    closed_form_sinr,
    interference_plus_noise,
    power_scale,
    sample_uplink_scenarios,
    siso_problem,
    siso_sinr,
    sum_spectral_efficiency,
)
from satjax.uplink.power_control import combiner, mse, power_denominator
from tests.typecheck import as_a_user
from tests.uplink import printed_algorithm1 as printed
from tests.uplink.helpers import REGIMES, permute_users, positional, random_stats, stats_arrays


def _solve(stats, p_max, link="space_ground", tol=1e-6, max_iters=1000, **kw):
    return algorithm1(siso_problem(stats, link), p_max, mode=Solve(tol=tol, max_iters=max_iters), **kw)


def _unrolled(stats, p_max, num_iters, link="space_ground", checkpoint=False, **kw):
    return algorithm1(siso_problem(stats, link), p_max, mode=Unroll(num_iters, checkpoint=checkpoint), **kw)


def _np(stats):
    return dict(beta=np.asarray(stats.beta_ap), g_bar=np.asarray(stats.g_bar), r_sat=np.asarray(stats.r_sat),
                pilot=np.asarray(stats.pilot), p=float(stats.pilot_power), tau_p=stats.tau_p,
                noise_ap=float(stats.noise_ap), noise_sat=float(stats.noise_sat))


# --- the SISO reformulation equals the validated closed form and the printed equations ---------

@pytest.mark.parametrize("regime", REGIMES)
def test_siso_sinr_equals_closed_form(regime):
    with jax.enable_x64(True):
        stats, rho = random_stats(11, regime)
        for link in LINKS:
            problem = siso_problem(stats, link)
            np.testing.assert_allclose(siso_sinr(problem, rho), closed_form_sinr(stats, rho, link), rtol=1e-10)


@pytest.mark.parametrize("regime", REGIMES)
def test_delta_and_gain_equal_printed_eqs_30_37(regime):
    """delta_k (37) is the SINR denominator and a_k the gain of (30), as printed in LaTeX. satjax
    works in the power unit s of ``power_scale`` (a_k ~ power, delta_k ~ power^2); the printed forms
    are in watts."""
    with jax.enable_x64(True):
        stats, rho = random_stats(12, regime)
        problem = siso_problem(stats)
        ref = _np(stats)
        s = float(power_scale(stats))
        np.testing.assert_allclose(problem.gain * s, printed.printed_gain(**ref), rtol=1e-9)
        np.testing.assert_allclose(interference_plus_noise(problem, rho) * s**2, printed.printed_delta(np.asarray(rho), **ref),
                                   rtol=1e-9)


@pytest.mark.parametrize("regime", REGIMES)
def test_t_equals_printed_eq_42_and_the_lagrangian_derivative(regime):
    with jax.enable_x64(True):
        stats, rho = random_stats(13, regime)
        problem = siso_problem(stats)
        rng = np.random.default_rng(0)
        v = jnp.asarray(rng.uniform(0.1, 1.0, rho.shape))
        alpha = jnp.asarray(rng.uniform(0.5, 2.0, rho.shape))
        t = power_denominator(problem, v, alpha)
        s = float(power_scale(stats))                          # t ~ a^2 ~ power^2 at fixed v, alpha
        np.testing.assert_allclose(t * s**2, printed.printed_t(np.asarray(v), np.asarray(alpha), **_np(stats)), rtol=1e-9)
        # d/d rho_tilde of sum_k alpha_k e_k = 2 t rho_tilde - 2 a alpha v  (Appendix C, (78)-(80))
        rt = jnp.sqrt(rho)
        grad = jax.grad(lambda r: jnp.sum(alpha * mse(problem, r, v)))(rt)
        np.testing.assert_allclose(grad, 2 * t * rt - 2 * problem.gain * alpha * v, rtol=1e-9)


def test_combiner_minimizes_the_mse_eq_36():
    with jax.enable_x64(True):
        stats, rho = random_stats(14)
        problem = siso_problem(stats)
        rt = jnp.sqrt(rho)
        v = combiner(problem, rt)
        dv = jax.grad(lambda vv: jnp.sum(mse(problem, rt, vv)))(v)
        np.testing.assert_allclose(dv, 0, atol=1e-12)
        # at the MMSE combiner, e_k = 1 / (1 + SINR_k) (the sum-MSE/sum-rate link of (33))
        np.testing.assert_allclose(mse(problem, rt, v), 1 / (1 + siso_sinr(problem, rho)), rtol=1e-10)


# --- the algorithm -----------------------------------------------------------------------------

@settings(deadline=None, max_examples=8)
@given(seed=st.integers(0, 10_000), regime=st.sampled_from(REGIMES), link=st.sampled_from(LINKS))
def test_sum_rate_non_decreasing_feasible_finite(seed, regime, link):
    stats, _ = random_stats(seed, regime, k=6)
    p_max = jnp.asarray(np.random.default_rng(seed).uniform(0.1, 2.0, 6), stats.beta_ap.dtype)
    res = _unrolled(stats, p_max, num_iters=40, link=link)
    obj = np.asarray(res.trace.objective)
    assert np.all(np.isfinite(obj)) and np.all(np.isfinite(res.rho))
    assert np.all(np.diff(obj) >= -1e-5 * np.abs(obj[1:]))            # float32 round-off only
    assert np.all(res.rho >= 0) and np.all(res.rho <= p_max * (1 + 1e-6))


def test_monotone_on_sampled_scenarios():
    scen = sample_uplink_scenarios(jax.random.key(3), UplinkParams(num_users=12, tau_p=6, num_aps=10), 4)
    res = jax.vmap(lambda s, p: _unrolled(s, p, num_iters=60))(scen.stats, scen.p_max_w)
    obj = np.asarray(res.trace.objective)
    assert np.all(np.diff(obj, axis=1) >= -1e-5 * np.abs(obj[:, 1:]))
    assert np.all(obj[:, -1] > obj[:, 0])                               # it does improve on full power


def _projected_gradient_residual(stats, p_max, rho):
    """Per-user KKT residual of max sum-SE over the box, in bit/s/Hz per unit log-power."""
    problem = siso_problem(stats)
    g = jax.grad(lambda r: sum_spectral_efficiency(problem, r))(rho)
    at_top = rho >= p_max * (1 - 1e-9)
    # interior: rho_k * df/drho_k = 0; at P_max: df/drho >= 0; near 0: df/drho <= 0
    scaled = rho * g
    return jnp.where(at_top, jnp.minimum(p_max * g, 0), jnp.where(rho > 1e-9 * p_max, scaled, jnp.maximum(p_max * g, 0)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_output_is_a_stationary_point_theorem_2(seed):
    with jax.enable_x64(True):
        stats, _ = random_stats(seed, k=6)
        p_max = jnp.full((6,), 1.0)
        res = _solve(stats, p_max, tol=1e-14, max_iters=20_000)
        residual = np.asarray(_projected_gradient_residual(stats, p_max, res.rho))
        scale = float(res.trace.objective[-1])
        assert np.max(np.abs(residual)) < 1e-5 * scale, residual


def test_beats_full_power_which_beats_random_on_average():
    """Sum rate over 60 seeded K = 20 drops: Algorithm 1 > full power > random power, paired
    differences beyond 3 standard errors. Random power is averaged over 32 draws per drop (its
    expectation), so the standard error is that of the drops."""
    num = 60
    scen = sample_uplink_scenarios(jax.random.key(7), UplinkParams(num_users=20, tau_p=10), num)
    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.key(8), i))(jnp.arange(num))

    def rates(s, key):
        problem = siso_problem(s.stats)
        alg = _solve(s.stats, s.p_max_w).rho
        rand = jax.vmap(lambda k: sum_spectral_efficiency(problem, random_power(k, s.p_max_w)))(jax.random.split(key, 32))
        return jnp.stack([sum_spectral_efficiency(problem, alg), sum_spectral_efficiency(problem, full_power(s.p_max_w)),
                          rand.mean()])

    r = np.asarray(jax.jit(jax.vmap(rates))(scen, keys))
    for better, worse in ((0, 1), (1, 2)):
        d = r[:, better] - r[:, worse]
        se = d.std(ddof=1) / np.sqrt(d.size)
        assert d.mean() > 3 * se, (better, worse, d.mean(), se)


@settings(deadline=None, max_examples=5)
@given(seed=st.integers(0, 10_000))
def test_permuting_users_permutes_powers(seed):
    with jax.enable_x64(True):
        stats, _ = random_stats(seed, k=6)
        p_max = jnp.asarray(np.random.default_rng(seed).uniform(0.1, 2.0, 6))
        perm = np.random.default_rng(seed + 1).permutation(6)
        a = _unrolled(stats, p_max, num_iters=30)
        b = _unrolled(permute_users(stats, perm), p_max[perm], num_iters=30)
        np.testing.assert_allclose(b.rho, a.rho[perm], rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(b.trace.objective, a.trace.objective, rtol=1e-10)


def test_zero_budget_user_is_off_and_unscheduled():
    stats, _ = random_stats(21, k=5)
    p_max = jnp.asarray([1.0, 0.0, 1.0, 1.0, 1.0], stats.beta_ap.dtype)
    res = _solve(stats, p_max)
    assert float(res.rho[1]) == 0.0 and not bool(res.scheduled[1])
    assert np.all(np.isfinite(res.rho)) and bool(res.trace.converged)
    # all budgets zero: nothing to do, nothing scheduled, sum rate 0
    res0 = _solve(stats, jnp.zeros_like(p_max))
    assert np.all(np.asarray(res0.rho) == 0) and not np.any(res0.scheduled)
    assert float(res0.trace.objective[-1]) == 0.0


def test_padded_users_change_nothing():
    stats, _ = random_stats(22, k=5)
    p_max = jnp.ones(5, stats.beta_ap.dtype)
    a = _unrolled(stats, p_max, num_iters=25)
    b = _unrolled(stats.pad(8, stats.num_aps + 2), jnp.ones(8, stats.beta_ap.dtype), num_iters=25)
    np.testing.assert_allclose(b.rho[:5], a.rho, rtol=1e-5)
    assert np.all(np.asarray(b.rho[5:]) == 0) and not np.any(b.scheduled[5:])


def test_solve_equals_unrolled_at_convergence_depth():
    stats, _ = random_stats(23, k=6)
    p_max = jnp.ones(6, stats.beta_ap.dtype)
    s = _solve(stats, p_max, tol=1e-5)
    n = int(s.trace.num_iters)
    u = _unrolled(stats, p_max, num_iters=n)
    np.testing.assert_allclose(u.rho, s.rho, rtol=1e-6)
    np.testing.assert_allclose(u.trace.objective, s.trace.objective[: n + 1], rtol=1e-6)
    np.testing.assert_array_equal(u.scheduled, s.scheduled)


def test_vmap_equals_per_scenario_and_traces_once():
    with jax.enable_x64(True):
        scen = sample_uplink_scenarios(jax.random.key(4), UplinkParams(num_users=8, tau_p=4, num_aps=6), 3,
                                       dtype=jnp.float64)

        @jax.jit
        @chex.assert_max_traces(n=1)
        def batched(stats, p_max):
            return jax.vmap(lambda s, p: _solve(s, p, tol=1e-8))(stats, p_max)

        res = batched(scen.stats, scen.p_max_w)
        batched(scen.stats, scen.p_max_w)
        counts = []
        for i in range(3):
            one = _solve(jax.tree.map(lambda x: x[i], scen.stats), scen.p_max_w[i], tol=1e-8)
            counts.append(int(one.trace.num_iters))
            assert int(res.trace.num_iters[i]) == counts[-1]
            np.testing.assert_allclose(res.rho[i], one.rho, rtol=1e-9, atol=1e-20)
        assert len(set(counts)) > 1                     # each scenario stopped at its own count


def test_step_is_jittable_and_pure():
    stats, rho = random_stats(24)
    problem = siso_problem(stats)
    rt = jnp.sqrt(rho)
    p_max = jnp.ones_like(rt)
    np.testing.assert_allclose(jax.jit(algorithm1_step)(rt, problem, p_max), algorithm1_step(rt, problem, p_max), rtol=1e-6)


def test_unrolled_gradient_matches_finite_differences():
    with jax.enable_x64(True):
        stats, _ = random_stats(25, k=4)

        def final_rate(p_max, beta_ap):
            s = eqx.tree_at(lambda x: x.beta_ap, stats, beta_ap)
            return _unrolled(s, p_max, num_iters=5).trace.objective[-1]

        check_grads(final_rate, (jnp.full((4,), 0.7), stats.beta_ap), order=1, modes=("rev",), eps=1e-6)
        g = jax.grad(lambda p: _unrolled(stats, p, num_iters=200, checkpoint=True).trace.objective[-1])(jnp.ones(4))
        assert np.all(np.isfinite(g))


@pytest.mark.parametrize("utility", ["sum_rate", "proportional_fair", "max_min", "max_min_smooth"])
def test_utility_of_powers_equals_the_utility_of_the_closed_form(utility):
    from satjax.uplink import utility_of_powers
    with jax.enable_x64(True):
        stats, rho = random_stats(28)
        se = jnp.log2(1 + closed_form_sinr(stats, rho))
        np.testing.assert_allclose(utility_of_powers(siso_problem(stats), rho, utility),
                                   UTILITIES[utility](se, stats.user_mask), rtol=1e-10)


# --- plain arrays ------------------------------------------------------------------------------

def test_plain_arrays_through_from_arrays_match_the_scenario_api():
    stats, _ = random_stats(26, k=5)
    p_max = jnp.ones(5, stats.beta_ap.dtype)
    own = ChannelStats.from_arrays(*positional(stats), **stats_arrays(stats))
    res = _solve(own, p_max)
    ref = _solve(stats, p_max)
    np.testing.assert_allclose(res.rho, ref.rho, rtol=1e-6)
    np.testing.assert_array_equal(res.scheduled, ref.scheduled)
    assert res.trace.objective.shape == (1001,) and bool(res.trace.converged)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(p_max=-np.ones(5)), "p_max must be >= 0"),
        (dict(p_max=np.ones(4)), "p_max must have shape"),
        (dict(p_max=np.full(5, np.nan)), "p_max must be finite"),
        (dict(rho_init=-np.ones(5)), "rho_init must be >= 0"),
        (dict(rho_init=np.ones(3)), "rho_init must have shape"),
        (dict(tol=0.0), "tol must be a finite number > 0"),
        (dict(tol=-1e-3), "tol must be a finite number > 0"),
        (dict(max_iters=0), "max_iters must be an integer >= 1"),
        (dict(link="uplink"), "link must be one of"),
        (dict(threshold=1.5), "threshold must be in"),
    ],
)
def test_bad_input(kw, match):
    stats, _ = random_stats(27, k=5)
    p_max = kw.pop("p_max", np.ones(5))
    # rho_init [3] beside p_max [5] disagree on K: the suite's run-time checker refuses that first;
    # as_a_user() runs the call as a user does, to reach algorithm1's own ValueError
    user = as_a_user() if match == "rho_init must have shape" else contextlib.nullcontext()
    with pytest.raises(ValueError, match=match), user:
        _solve(stats, p_max, **kw)

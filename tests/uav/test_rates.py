"""Deterministic-equivalent rate (16)-(17) vs Monte Carlo of (9), its fixed point, the envelope
gradient, leakage (7) vs Monte Carlo of (4), efficiencies and constraint residuals (spec Sec. 5,
items 1-4)."""

import contextlib
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.uav import (
    UavScenario,
    candidate_rates,
    constraint_residuals,
    deterministic_rate,
    energy_use,
    leakage,
    max_violation,
    min_efficiency,
    monte_carlo_rate,
    overall_efficiency,
    power_use,
    rate_given_slack,
    slack_fixed_point,
    snr_terms,
    user_efficiency,
)
from tests.finite_differences import central_difference
from tests.typecheck import as_a_user


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


REFERENCE = [  # spec Sec. 2.2: N_r, lambda, p, sigma^2, w*, R~
    (4, [1, .5, .2, .1], [1, 1, 1, 1], 0.1, 0.263614, 12.2978),
    (2, [1, .5, .2, .1], [1, 1, 1, 1], 0.1, 0.118971, 7.3576),
    (1, [1.0], [1.0], 1.0, 0.618034, 0.8374),
]


@pytest.mark.parametrize("nr, lam, p, s2, w_ref, r_ref", REFERENCE)
def test_reference_table(nr, lam, p, s2, w_ref, r_ref):
    a = jnp.asarray(lam) * jnp.asarray(p) / s2
    w = slack_fixed_point(a, nr)
    np.testing.assert_allclose(w, w_ref, atol=1e-6)
    np.testing.assert_allclose(deterministic_rate(a, nr), r_ref, atol=1e-4)
    if nr == 1:                                                           # golden-ratio conjugate
        np.testing.assert_allclose(w, (math.sqrt(5) - 1) / 2, rtol=1e-14)


# Monte Carlo of (9): 40 000 draws per case (standard error ~0.005 bit/s/Hz). The deterministic
# equivalent is an asymptotic approximation that *underestimates* the ergodic rate; the spec (P4)
# puts the bias at about 1 % for N_r >= 2. Measured on these cases (seed 7): 0.44, 0.72, 1.20, 0.57,
# 0.24 % (the 1.20 % at N_r = L = 2 with a weak second UAV). Tolerance: 1 % of the rate + 5 standard
# errors, and the sign of the bias.
MC_CASES = [
    (4, np.array([1, .5, .2, .1]) / 0.1),
    (2, np.array([1, .5, .2, .1]) / 0.1),
    (2, np.array([3.0, 0.2])),
    (3, np.array([0.5, 8.0, 1.0, 30.0, 0.05])),
    (4, np.array([100.0, 1.0])),
]


@pytest.mark.parametrize("nr, a", MC_CASES)
def test_monte_carlo_agreement(nr, a):
    mc, se = monte_carlo_rate(jax.random.key(7), jnp.asarray(a), nr, 40_000)
    de = deterministic_rate(jnp.asarray(a), nr)
    assert float(se) < 0.01
    assert abs(float(de - mc)) <= 0.01 * float(mc) + 5 * float(se), (float(de), float(mc), float(se))
    assert float(de) <= float(mc) + 5 * float(se)                        # underestimates (P4)


def test_monte_carlo_matches_spec_reference_values():
    """The spec's own Monte Carlo (2e5 draws) of the N_r = 4 case: 12.346 +- 0.003."""
    mc, se = monte_carlo_rate(jax.random.key(11), jnp.asarray([10.0, 5.0, 2.0, 1.0]), 4, 40_000)
    assert abs(float(mc) - 12.346) < 5 * math.hypot(float(se), 0.003)


def test_fixed_point_stationary_and_minimum():
    """w* in (0, 1); df/dw = 0 there; f(w) >= f(w*) on a grid (P2)."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        nr = int(rng.integers(1, 5))
        a = jnp.asarray(10 ** rng.uniform(-1, 2, size=int(rng.integers(1, 6))))
        w = slack_fixed_point(a, nr)
        assert 0 < float(w) < 1
        dfdw = jax.grad(lambda ww: rate_given_slack(a, ww, nr))(w)
        assert abs(float(dfdw)) < 1e-9 * (1 + float(jnp.sum(a)))
        grid = jnp.linspace(1e-3, 1.0, 2000)
        vals = jax.vmap(lambda ww: rate_given_slack(a, ww, nr))(grid)
        assert float(jnp.min(vals)) >= float(rate_given_slack(a, w, nr)) - 1e-12


def test_envelope_gradient_matches_central_differences():
    """jax.grad through stop_gradient(w*) equals central differences of the full R~ (P3)."""
    a0 = jnp.asarray([2.0, 0.7, 15.0, 0.1])
    g = jax.grad(lambda a: deterministic_rate(a, 3))(a0)
    closed = math.log2(math.e) * 3 * slack_fixed_point(a0, 3) / (1 + 3 * slack_fixed_point(a0, 3) * a0)  # P3, d/da_l
    np.testing.assert_allclose(g, closed, rtol=1e-10)
    for i in range(4):
        h = 1e-5 * float(a0[i])
        fd = central_difference(lambda ai: deterministic_rate(a0.at[i].set(ai), 3), a0[i], h)
        np.testing.assert_allclose(g[i], fd, rtol=1e-6)
    # no NaN at a = 0 (an unused subchannel): w* = 1, R~ = 0, finite gradient
    assert float(deterministic_rate(jnp.zeros(3), 2)) == 0.0
    assert np.all(np.isfinite(jax.grad(lambda a: deterministic_rate(a, 2))(jnp.zeros(3))))


def test_jit_vmap_batch():
    a = jnp.asarray(10 ** np.random.default_rng(1).uniform(-1, 2, size=(6, 5, 3)))
    batched = jax.jit(lambda aa: deterministic_rate(aa, 2))(a)
    loop = np.array([[float(deterministic_rate(a[i, j], 2)) for j in range(5)] for i in range(6)])
    np.testing.assert_allclose(batched, loop, rtol=1e-12)


def _small_scenario():
    rng = np.random.default_rng(5)
    g, k, l, n, m = 2, 2, 3, 4, 2
    return UavScenario.from_arrays(
        rng.uniform(0.1, 1.0, (g, k, l, n)), rng.uniform(0.1, 1.0, (g, m, l, n)), rng.integers(0, 2, (g, m, n)),
        noise_w=0.1, interference_threshold_w=5.0, p_max_w=2.0, hover_budget_s=10.0, tau_max_s=6.0,
        energy_per_uav_j=[20.0, 30.0, 25.0], num_rx_antennas=2), (g, k, l, n, m)


def test_leakage_is_the_expectation_of_the_instantaneous_interference():
    """(7) = E over f ~ CN(0, Phi) of (4): sum_n s y f^H Q f, Monte Carlo within 5 standard errors."""
    s, (g, k, l, n, m) = _small_scenario()
    x = jnp.zeros((g, k, n)).at[:, 0, :].set(1.0).at[1, 0, 2].set(0.0)       # one subchannel unused in slot 1
    p = jnp.asarray(np.random.default_rng(2).uniform(0.0, 0.5, (g, l, n)))
    key = jax.random.key(3)
    draws = 20_000
    s_tilde = jax.random.normal(key, (draws, g, m, l, n), jnp.complex128)
    f = jnp.sqrt(s.phi)[None] * s_tilde
    inst = jnp.sum(jnp.sum(x, axis=1)[None, :, None, :] * s.y[None] * jnp.sum(jnp.abs(f) ** 2 * p[None, :, None], axis=3), axis=-1)
    mean, se = inst.mean(0), inst.std(0) / math.sqrt(draws)
    assert np.all(np.abs(np.asarray(mean - leakage(s, x, p))) < 5 * np.asarray(se))


def test_efficiencies_and_residuals():
    s, (g, k, l, n, m) = _small_scenario()
    x = jnp.zeros((g, k, n)).at[:, 0, :2].set(1.0).at[:, 1, 2:].set(1.0)
    p = jnp.full((g, l, n), 0.1)
    tau = jnp.asarray([4.0, 5.0])
    eff = overall_efficiency(s, x, p, tau)
    a = jnp.moveaxis(s.lam * p[:, None] / s.noise_w, 2, 3)
    r = deterministic_rate(a, 2)
    np.testing.assert_allclose(eff, float(jnp.sum(tau[:, None, None] * x * r)), rtol=1e-12)
    per_user = tau[:, None] * jnp.sum(x * r, axis=-1)
    np.testing.assert_allclose(min_efficiency(s, x, p, tau), float(per_user.min()), rtol=1e-12)
    res = constraint_residuals(s, x, p, tau)
    np.testing.assert_allclose(res["hover_total"], 9.0 / 10.0 - 1)
    np.testing.assert_allclose(res["power"], 0.4 / 2.0 - 1)                   # 4 used subchannels x 0.1 W
    np.testing.assert_allclose(res["energy"], (4 * 0.4 + 5 * 0.4) / np.array([20.0, 30.0, 25.0]) - 1)
    assert float(jnp.max(res["binary"])) == 0.0 and float(jnp.max(res["one_user"])) == 0.0
    # a NaN power is refused on concrete input and never turned into a plausible number under jit
    with pytest.raises(ValueError, match="p must be finite"):
        overall_efficiency(s, x, p.at[0, 0, 0].set(jnp.nan), tau)
    assert np.isnan(float(jax.jit(overall_efficiency)(s, x, p.at[0, 0, 0].set(jnp.nan), tau)))


def _decision():
    s, (g, k, l, n, m) = _small_scenario()
    x = jnp.zeros((g, k, n)).at[:, 0, :2].set(1.0).at[:, 1, 2:].set(1.0)
    return s, x, jnp.full((g, l, n), 0.1), jnp.asarray([4.0, 5.0])


EVALUATIONS = [overall_efficiency, min_efficiency, user_efficiency]


def _assert_refused(fn, which, bad, words, user=False):
    """``fn`` on the test decision with argument ``which`` replaced by ``bad(it)`` raises ``words``
    (``user``: run as a user does, for a shape or dtype the annotation already refuses)."""
    s, x, p, tau = _decision()
    args = {"x": x, "p": p, "tau": tau}
    args[which] = bad(args[which])
    with pytest.raises(ValueError, match=words), (as_a_user() if user else contextlib.nullcontext()):
        fn(s, args["x"], args["p"], args["tau"])


@pytest.mark.parametrize("fn", EVALUATIONS + [constraint_residuals, max_violation])
@pytest.mark.parametrize("which, bad, words, user", [
    ("p", lambda p: p.at[0, 1, 2].set(jnp.nan), "p must be finite", False),
    ("tau", lambda t: t.at[1].set(jnp.inf), "tau must be finite", False),
    ("x", lambda x: x.at[0, 0, 0].set(jnp.nan), "x must", False),
    ("p", lambda p: p[:, :, :-1], r"p must have shape \(2, 3, 4\)", True),      # N differs from x's
    ("x", lambda x: x[:, :1], r"x must have shape \(2, 2, 4\)", False),
    ("tau", lambda t: t[:1], r"tau must have shape \(2,\)", True),            # G differs from x's
    ("p", lambda p: p.astype(jnp.complex128), "p must be real", True),
    ("tau", lambda t: t.astype(jnp.float16), "tau: float16 is not supported", False),
])
def test_evaluations_refuse_what_they_cannot_measure(fn, which, bad, words, user):
    _assert_refused(fn, which, bad, words, user)


@pytest.mark.parametrize("fn", EVALUATIONS)
@pytest.mark.parametrize("which, bad, words", [
    ("p", lambda p: p.at[0, 0, 0].set(-0.1), "p must be >= 0 W"),
    ("tau", lambda t: t.at[0].set(-1.0), "tau must be >= 0 s"),
    ("x", lambda x: x.at[0, 0, 0].set(0.5), "x must hold only 0 and 1"),
])
def test_efficiencies_refuse_values_outside_the_domain(fn, which, bad, words):
    _assert_refused(fn, which, bad, words)


def test_residuals_measure_out_of_domain_values_instead_of_refusing_them():
    """A negative power or time or a fractional x is what the residuals are for: reported > 0."""
    s, x, p, tau = _decision()
    res = constraint_residuals(s, x.at[0, 0, 0].set(0.5), p.at[0, 0, 0].set(-0.1), tau.at[0].set(-1.0))
    assert float(res["binary"][0, 0, 0]) == 0.25
    np.testing.assert_allclose(res["power_nonneg"][0, 0, 0], 0.1 / 2.0)
    np.testing.assert_allclose(res["tau_nonneg"][0], 1.0 / 6.0)
    assert float(max_violation(s, x, p, tau.at[0].set(-1.0))) > 0


def test_helpers_and_scenario_argument_are_checked():
    s, x, p, tau = _decision()
    with pytest.raises(ValueError, match="scenario must be a satjax.uav.UavScenario"):
        overall_efficiency({"lam": s.lam}, x, p, tau)
    with pytest.raises(ValueError, match="p must be >= 0 W"):
        leakage(s, x, -p)
    with pytest.raises(ValueError, match="x must hold only 0 and 1"):
        power_use(0.5 * x, p)
    with pytest.raises(ValueError, match=r"p must have shape \[G=2, L, N=4\]"), as_a_user():
        power_use(x, p[:1])
    with pytest.raises(ValueError, match="tau must be >= 0 s"):
        energy_use(x, p, -tau)
    with pytest.raises(ValueError, match="p must be >= 0 W"):
        candidate_rates(s, -p)
    with pytest.raises(ValueError, match="noise_w must be > 0 W"):
        snr_terms(s.lam, p, -1.0)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        snr_terms(-s.lam, p, 1.0)
    with pytest.raises(ValueError, match=r"rates must have shape \(2, 2, 4\)"), as_a_user():
        overall_efficiency(s, x, p, tau, rates=jnp.ones((2, 2)))
    with pytest.raises(ValueError, match="rates must be finite"):
        overall_efficiency(s, x, p, tau, rates=jnp.full((2, 2, 4), jnp.nan))


def _as_a_user(fn, *args):
    """``fn(*args)`` as a user runs it (no run-time type checker): for inputs whose dtype or shape
    the annotation already refuses, so that the function's own ValueError is what is tested."""
    with as_a_user():
        return fn(*args)


@pytest.mark.parametrize("call, words", [
    (lambda a: deterministic_rate(a, 0), "num_rx must be an integer >= 1"),
    (lambda a: deterministic_rate(a, 2.0), "num_rx must be an integer"),
    (lambda a: deterministic_rate(-a, 2), "a must be >= 0"),
    (lambda a: deterministic_rate(a.at[0].set(-jnp.inf), 2), "a must be finite"),
    (lambda a: _as_a_user(deterministic_rate, a.astype(jnp.complex128), 2), "a must be real"),
    (lambda a: deterministic_rate(a[:0], 2), "at least one UAV"),
    (lambda a: slack_fixed_point(a.at[1].set(jnp.nan), 2), "a must be finite"),
    (lambda a: rate_given_slack(a, 0.0, 2), "w must be > 0"),
    (lambda a: rate_given_slack(a, jnp.ones(3), 2), r"w must broadcast to a.shape\[:-1\]"),
    (lambda a: monte_carlo_rate(jax.random.key(0), a, 2, 0), "num_samples must be an integer >= 2"),
    (lambda a: monte_carlo_rate(jax.random.key(0), a, 0, 100), "num_rx must be an integer >= 1"),
    (lambda a: monte_carlo_rate(jax.random.key(0), -a, 2, 100), "a must be >= 0"),
    (lambda a: _as_a_user(monte_carlo_rate, jax.random.key(0), a[None], 2, 100), r"a must be a 1-D array \[L\]"),
])
def test_rate_functions_refuse_bad_input(call, words):
    with pytest.raises(ValueError, match=words):
        call(jnp.asarray([1.0, 0.5, 2.0]))


def test_traced_nan_stays_nan():
    """Under jit the values are not checked: NaN in, NaN out (never a plausible number)."""
    a = jnp.asarray([1.0, jnp.nan, 2.0])
    assert np.isnan(float(jax.jit(deterministic_rate, static_argnums=1)(a, 2)))
    s, x, p, tau = _decision()
    for fn in (overall_efficiency, min_efficiency, max_violation):
        assert np.isnan(float(jax.jit(fn)(s, x, p, tau.at[0].set(jnp.nan)))), fn.__name__
    # out of the domain but finite (a negative time or power, a fractional assignment): NaN too
    for bad in ((x, p, -tau), (x, -p, tau), (0.5 * x, p, tau)):
        for fn in (overall_efficiency, min_efficiency):
            assert np.isnan(float(jax.jit(fn)(s, *bad))), fn.__name__
    assert np.all(np.isnan(np.asarray(jax.jit(leakage)(s, x, -p))))


def test_check_decision_prefix_and_traced_flag():
    """``check_decision`` names the argument with the caller's prefix on concrete input, and under
    jit returns the flag "valid" (False for a negative power, a NaN time or a fractional x)."""
    from satjax.uav.rates import check_decision
    s, x, p, tau = _decision()
    with pytest.raises(ValueError, match="init: p must be >= 0 W"):
        check_decision(s, x, -p, tau, prefix="init: ")
    flag = jax.jit(lambda x, p, tau: check_decision(s, x, p, tau))
    assert bool(flag(x, p, tau)) and bool(check_decision(s, x, p, None))
    assert not bool(flag(x, -p, tau))
    assert not bool(flag(x, p, tau.at[0].set(jnp.nan)))
    assert not bool(flag(0.5 * x, p, tau))
    assert bool(jax.jit(lambda p: check_decision(s, x, p, tau, in_domain=False))(-p))     # measured, not refused
    # plain Python lists and a boolean x are decisions too
    eff = overall_efficiency(s, np.asarray(x).tolist(), np.asarray(p).tolist(), np.asarray(tau).tolist())
    np.testing.assert_allclose(eff, overall_efficiency(s, x.astype(bool), p, tau), rtol=1e-12)

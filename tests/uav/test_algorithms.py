"""Algorithms 1-6 and the baselines of system C (spec Sec. 5, items 5-12) at tiny sizes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import linprog

from satjax.optim import Solve, Unroll
from satjax.uav import (
    UavParams,
    UavScenario,
    algorithm1_subchannels,
    algorithm2_power,
    algorithm3,
    algorithm4_subchannels,
    algorithm6,
    constraint_residuals,
    energy_use,
    hovering_time_lp,
    initial_point,
    leakage,
    maxmin_hovering_time,
    min_efficiency,
    overall_efficiency,
    power_use,
    run_scheme,
    sample_uav_scenario,
    scheme1,
    scheme2,
    scheme3,
)
from satjax.uav import algorithms as alg
from satjax.uav.algorithms import maxmin_hovering_time_lp
from tests.finite_differences import central_difference
from tests.uav.helpers import TINY, tiny_scenario

RTOL = 1e-6


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


@pytest.fixture(scope="module")
def runs():
    with jax.enable_x64(True):
        s = tiny_scenario(0)
        return s, algorithm3(s), algorithm6(s)


def _assert_feasible(s, x, p, tau):
    res = constraint_residuals(s, jnp.asarray(x), jnp.asarray(p), jnp.asarray(tau))
    for name, v in res.items():
        assert float(jnp.max(v)) <= RTOL, (name, float(jnp.max(v)))


def _block_values(r):
    """Objective and constraint residual at the start and after every block of the iterations run."""
    it = int(r.trace.num_iters)
    values = [float(r.trace.objective[0])] + [float(v) for v in np.ravel(r.block_objective[:it])]
    violations = [float(r.initial_violation)] + [float(v) for v in np.ravel(r.block_violation[:it])]
    return values, violations


def test_algorithm3_feasible_after_every_block_and_monotone(runs):
    s, r3, _ = runs
    values, violations = _block_values(r3)
    assert all(v <= RTOL for v in violations), violations                  # every block feasible
    assert all(b >= a * (1 - 1e-12) for a, b in zip(values, values[1:])), values
    assert 1 <= int(r3.trace.num_iters) <= 5 and bool(r3.trace.converged)
    assert r3.objective > r3.trace.objective[0]                             # the BCD improves on the start
    _assert_feasible(s, r3.x, r3.p, r3.tau)
    assert set(np.unique(r3.x)) <= {0.0, 1.0}
    np.testing.assert_allclose(overall_efficiency(s, r3.x, r3.p, r3.tau), r3.objective, rtol=1e-12)


def test_algorithm6_feasible_after_every_block_and_monotone(runs):
    s, _, r6 = runs
    values, violations = _block_values(r6)
    assert all(v <= RTOL for v in violations), violations
    assert all(b >= a * (1 - 1e-12) for a, b in zip(values, values[1:])), values
    _assert_feasible(s, r6.x, r6.p, r6.tau)
    assert np.all(r6.x.sum(axis=1) == 1)                                     # every subchannel assigned
    assert np.all(r6.x.sum(axis=2) >= 1)                                     # every user served (Property 1)
    np.testing.assert_allclose(min_efficiency(s, r6.x, r6.p, r6.tau), r6.objective, rtol=1e-12)


def test_power_step_is_certified_by_its_dual_bound():
    """P-step (34): the best feasible primal value is within 1e-6 of the dual upper bound."""
    s = tiny_scenario(1)
    x, p, tau = initial_point(s)
    w = alg._slack(s, p)
    p_hat, dual = alg._pstep_sum(s, x, tau, w, p, 500, 2.0)
    gamma = alg._assigned_gamma(s, x, w)
    weight = tau[:, None, None] * jnp.sum(x, axis=1)[:, None, :]
    primal = float(jnp.sum(weight * jnp.log2(1 + gamma * p_hat)))
    assert primal <= float(dual) * (1 + 1e-12)
    assert (float(dual) - primal) / primal < 1e-6
    _assert_feasible(s, x, p_hat, tau)


def test_power_step_reduces_to_water_filling_with_loose_limits():
    """Item 12: I_th, E -> infinity: the P-step separates per (slot, UAV) into water-filling over
    the subchannels under P_max (one group is the spec's case; every slot behaves like one)."""
    s = tiny_scenario(2).with_limits(interference_threshold_w=1e30, energy_per_uav_j=1e30)
    x, p, tau = initial_point(s)
    w = alg._slack(s, p)
    p_hat, _ = alg._pstep_sum(s, x, tau, w, p, 2000, 2.0)
    pmax = float(s.p_max_w)
    for g in range(2):
        gamma = np.asarray(alg._assigned_gamma(s, x, w))[g]                 # [L, N]
        for l in range(gamma.shape[0]):
            lo, hi = 0.0, pmax + 1.0 / gamma[l].min()
            for _ in range(200):                                             # water level by bisection
                mu = 0.5 * (lo + hi)
                lo, hi = (mu, hi) if np.maximum(mu - 1 / gamma[l], 0).sum() < pmax else (lo, mu)
            np.testing.assert_allclose(np.asarray(p_hat)[g, l], np.maximum(mu - 1 / gamma[l], 0), rtol=1e-6,
                                       atol=1e-9 * pmax)


def test_hovering_lp_single_group():
    """Item 12: G = 1 gives tau = min(T, tau_max, min_l E_l / e_l)."""
    s = tiny_scenario(3, TINY.replace(num_groups=1))
    x, p, _ = initial_point(s)
    for limits in ({}, {"tau_max_s": 700.0}, {"tau_max_s": 700.0, "energy_per_uav_j": 1.0}):
        sc = s.with_limits(**limits)
        e = np.asarray(power_use(x, p))[0]
        expected = min(float(sc.hover_budget_s), float(sc.tau_max_s), float(np.min(np.asarray(sc.energy_per_uav_j) / e)))
        np.testing.assert_allclose(hovering_time_lp(sc, x, p), [expected], rtol=1e-8)


def test_hovering_lp_matches_brute_force_vertices():
    s = tiny_scenario(4)
    x, p, tau0 = initial_point(s)
    tau = np.asarray(hovering_time_lp(s, x, p))
    c = np.asarray(jnp.sum(x * alg.candidate_rates(s, p), axis=(1, 2)))
    _assert_feasible(s, x, p, tau)
    grid = np.stack(np.meshgrid(*[np.linspace(0, float(s.tau_max_s), 61)] * 2), -1).reshape(-1, 2)
    ok = (grid.sum(1) <= float(s.hover_budget_s)) & np.all(grid @ np.asarray(power_use(x, p)) <= np.asarray(s.energy_per_uav_j), axis=1)
    assert c @ tau >= (grid[ok] @ c).max() * (1 - 1e-8)                      # tau keeps a 1e-9 margin


@pytest.mark.parametrize("dtype, rtol", [(jnp.float64, 1e-9 + 1e-11), (jnp.float32, 2e-6)])   # 1e-9: the feasibility margin
def test_hovering_lp_equals_highs(dtype, rtol):
    """LP (21) in JAX (qpax interior point, scaled variables) against HiGHS on many LPs: random
    assignments and powers, limits from slack to binding (T, tau_max, one energy budget, all) and
    tau_max far above T."""
    rng = np.random.default_rng(0)
    worst = 0.0
    for seed in range(4):
        s0 = tiny_scenario(seed, TINY.replace(num_groups=3, num_uavs=3))
        g, k, l, n, _ = s0.sizes
        for trial in range(10):
            x = jax.nn.one_hot(rng.integers(0, k, (g, n)), k, axis=1, dtype=jnp.float64)
            p = jnp.asarray(rng.uniform(0, 1, (g, l, n)) * float(s0.p_max_w) / n)
            e = np.asarray(power_use(x, p))
            limits = [{}, {"tau_max_s": float(s0.hover_budget_s) / 4}, {"tau_max_s": 1e12},          # 1e12: no limit
                      {"energy_per_uav_j": 0.3 * float(s0.hover_budget_s) * e.mean(axis=0)},
                      {"tau_max_s": float(s0.hover_budget_s) / 2, "energy_per_uav_j": 0.2 * float(s0.hover_budget_s) * e.mean()}]
            s = s0.with_limits(**limits[trial % len(limits)])
            c = np.asarray(jnp.sum(x * alg.candidate_rates(s, p), axis=(1, 2)))
            ref = linprog(-c, A_ub=np.vstack([np.ones((1, g)), e.T]),
                          b_ub=np.concatenate([[float(s.hover_budget_s)], np.asarray(s.energy_per_uav_j)]),
                          bounds=[(0, float(s.tau_max_s))] * g, method="highs")
            with jax.enable_x64(dtype == jnp.float64):
                cast = lambda a: jnp.asarray(a, dtype)  # noqa: E731
                s_d = jax.tree.map(lambda a: cast(a) if jnp.issubdtype(a.dtype, jnp.floating) else a, s)
                tau = np.asarray(hovering_time_lp(s_d, cast(x), cast(p)), np.float64)
            res = constraint_residuals(s, x, p, jnp.asarray(tau))
            for name in ("hover_total", "tau_max", "tau_nonneg", "energy"):           # the LP's constraints
                assert float(jnp.max(res[name])) <= (0.0 if dtype == jnp.float64 else RTOL), (name, res[name])
            worst = max(worst, (-ref.fun - c @ tau) / -ref.fun)
    assert worst <= rtol, worst


def test_algorithm3_vmapped_equals_one_at_a_time():
    """``jax.vmap(algorithm3)``: each scenario stops on its own test and gets exactly the
    result it gets alone (different iteration counts in one batch). The drops have shadowing per
    subchannel: with the default per-link shadowing every tiny drop of seeds 0-15 stops after 2
    iterations, and the batch would not mix stopping times."""
    scenarios = [tiny_scenario(seed, TINY.replace(shadowing="per_subchannel")) for seed in range(4)]
    batch = jax.tree.map(lambda *a: jnp.stack(a), *scenarios)
    mode = Solve(tol=1e-4, max_iters=4)
    out = jax.jit(jax.vmap(lambda s: algorithm3(s, mode=mode)))(batch)
    iterations = set()
    for i, s in enumerate(scenarios):
        one = algorithm3(s, mode=mode)
        iterations.add(int(one.trace.num_iters))
        assert int(out.trace.num_iters[i]) == int(one.trace.num_iters)
        np.testing.assert_allclose(out.trace.objective[i], one.trace.objective, rtol=1e-12)
        np.testing.assert_array_equal(out.x[i], one.x)
        np.testing.assert_allclose(out.p[i], one.p, rtol=1e-12, atol=0)
        np.testing.assert_allclose(out.tau[i], one.tau, rtol=1e-12, atol=0)
    assert len(iterations) > 1, iterations                                   # the batch mixes stopping times


def test_maxmin_tau_closed_form_equals_linprog():
    """Item 9: (49) closed form == HiGHS, in the time-, tau_max- and energy-limited regimes."""
    s0 = tiny_scenario(5)
    x, p, _ = initial_point(s0)
    x = algorithm4_subchannels(s0, None, p, jnp.ones(2))
    for limits in ({}, {"tau_max_s": 50.0}, {"energy_per_uav_j": 0.05}, {"hover_budget_s": 30.0}):
        s = s0.with_limits(**limits)
        tau = np.asarray(maxmin_hovering_time(s, x, p))
        tau_lp, t_lp = maxmin_hovering_time_lp(s, x, p)
        t = float(min_efficiency(s, x, p, jnp.asarray(tau)))
        np.testing.assert_allclose(t, t_lp, rtol=1e-7)
        _assert_feasible(s, x, p, tau)
        # the optimal tau is not unique when one group binds; the closed form takes the least time
        per_group = np.asarray(jnp.min(jnp.sum(x * alg.candidate_rates(s, p), axis=-1), axis=1))
        np.testing.assert_allclose(tau * per_group, t, rtol=1e-7)
        assert np.all(tau <= tau_lp * (1 + 1e-7))


def test_theorem2_reassigning_users_keeps_interference_energy_power():
    """Item 7: with P fixed, any full assignment has the same leakage, energy and power use."""
    s = tiny_scenario(6)
    _, p, tau = initial_point(s)
    g, k, _, n, _ = s.sizes
    rng = np.random.default_rng(0)
    ref = None
    for _ in range(5):
        x = jnp.asarray(np.eye(k)[rng.integers(0, k, (g, n))].transpose(0, 2, 1))
        vals = [np.asarray(v) for v in (leakage(s, x, p), energy_use(x, p, tau), power_use(x, p))]
        if ref is None:
            ref = vals
        for a, b in zip(vals, ref):
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_algorithm4_property1_and_errors():
    """Item 8: N >= K_g: every user at least one subchannel, every subchannel assigned; N < K_g
    raises naming the parameter."""
    s = tiny_scenario(7)                                                   # N = 3 >= K_g = 2
    _, p, tau = initial_point(s)
    x = np.asarray(algorithm4_subchannels(s, None, p, tau))
    assert np.all(x.sum(axis=1) == 1) and np.all(x.sum(axis=2) >= 1)
    bad = UavScenario.from_arrays(np.ones((1, 3, 2, 2)), np.ones((1, 1, 2, 2)), np.zeros((1, 1, 2)), noise_w=1.0,
                                  interference_threshold_w=1.0, p_max_w=1.0, hover_budget_s=1.0, tau_max_s=1.0,
                                  energy_per_uav_j=1.0, num_rx_antennas=1)
    with pytest.raises(ValueError, match="num_subchannels N must be >= users_per_group K_g"):
        algorithm4_subchannels(bad, None, jnp.ones((1, 2, 2)), jnp.ones(1))


def test_algorithm1_picks_best_user_and_switches_off_costly_subchannels():
    s = tiny_scenario(8)
    x0, p, tau = initial_point(s)
    loose = s.with_limits(interference_threshold_w=1e30, energy_per_uav_j=1e30, p_max_w=1e30)
    x = np.asarray(algorithm1_subchannels(loose, jnp.zeros_like(x0), p, tau))
    best = np.asarray(jnp.argmax(alg.candidate_rates(s, p), axis=1))
    assert np.all(x.sum(axis=1) == 1) and np.all(np.argmax(x, axis=1) == best)
    # a budget that fits only part of the load: the result is feasible and never worse than x_prev
    tight = s.with_limits(energy_per_uav_j=0.5 * np.asarray(energy_use(x0, p, tau)).min())
    x_prev = jnp.zeros_like(x0)
    x_t = algorithm1_subchannels(tight, x_prev, p, tau)
    _assert_feasible(tight, x_t, p, tau)
    assert 0 < float(jnp.sum(x_t)) < x0.shape[0] * x0.shape[2]
    assert float(overall_efficiency(tight, x_t, p, tau)) > 0


def test_algorithm2_safeguard_is_monotone():
    s = tiny_scenario(9)
    x, p, tau = initial_point(s)
    before = float(overall_efficiency(s, x, p, tau))
    p2, _, trace = algorithm2_power(s, x, p, tau)
    assert float(overall_efficiency(s, x, p2, tau)) >= before
    np.testing.assert_allclose(trace.objective[-1], overall_efficiency(s, x, p2, tau), rtol=1e-12)
    assert np.all(np.diff(np.asarray(trace.objective)) >= 0)
    _assert_feasible(s, x, p2, tau)


def test_scheme1_equals_algorithm3_without_interference_limit():
    """Scheme 1 -> Algorithm 3 as I_th grows (equal when (14b) never binds)."""
    s = tiny_scenario(0).with_limits(interference_threshold_w=1e30)
    mode = Solve(tol=1e-4, max_iters=3)
    r3 = algorithm3(s, mode=mode)
    x, p, tau = scheme1(s, mode=mode)
    np.testing.assert_allclose(overall_efficiency(s, x, p, tau), r3.objective, rtol=1e-6)


def _ordering(seeds, params=TINY, iters=4):
    rows = []
    mode = Solve(tol=1e-4, max_iters=iters)
    for seed in seeds:
        s = tiny_scenario(seed, params)
        r3, r6 = algorithm3(s, mode=mode), algorithm6(s, mode=mode)
        row = {"alg3": (r3.x, r3.p, r3.tau), "alg6": (r6.x, r6.p, r6.tau)}
        for name in ("scheme1", "scheme2", "scheme3"):
            row[name] = run_scheme(name, s, **({} if name == "scheme3" else {"mode": mode}))
        for name, (x, p, tau) in row.items():
            _assert_feasible(s, x, p, tau)
        rows.append({name: (float(overall_efficiency(s, *map(jnp.asarray, v))),
                            float(min_efficiency(s, *map(jnp.asarray, v)))) for name, v in row.items()})
    overall = {name: np.mean([r[name][0] for r in rows]) for name in rows[0]}
    minimum = {name: np.mean([r[name][1] for r in rows]) for name in rows[0]}
    return overall, minimum


def _check_ordering(overall, minimum):
    for name in ("scheme1", "scheme2", "scheme3"):
        assert overall["alg3"] >= overall[name] * (1 - 1e-9), (name, overall)
    for name in ("alg3", "scheme1", "scheme2", "scheme3"):
        assert minimum["alg6"] >= minimum[name] * (1 - 1e-9), (name, minimum)


def test_baseline_ordering_small():
    """Item 10 at tiny size (3 snapshots; the 20-snapshot version is marked slow)."""
    _check_ordering(*_ordering(range(3)))


@pytest.mark.slow
def test_baseline_ordering_20_snapshots():
    _check_ordering(*_ordering(range(20)))


def test_errors_name_the_parameter():
    s = tiny_scenario(0)
    with pytest.raises(ValueError, match="scheme must be one of"):
        run_scheme("scheme9", s)
    with pytest.raises((ValueError, TypeError), match="mode"):      # the tests' type checker, else ours
        algorithm3(s, mode=10)
    with pytest.raises(ValueError, match="power_mode must be satjax.optim.Unroll"):
        algorithm6(s, mode=Unroll(2), power_mode=Solve())
    with pytest.raises(ValueError, match="alg1_iters must be an integer >= 1"):
        algorithm3(s, alg1_iters=0)
    with pytest.raises(ValueError, match="energy_per_uav_j must be > 0"):
        s.with_limits(energy_per_uav_j=-1.0)
    with pytest.raises(ValueError, match="with_limits accepts"):
        s.with_limits(carrier_hz=1.0)


def test_scheme1_approaches_algorithm3_as_ith_grows():
    """Item 10: the gap between Algorithm 3 and Scheme 1 shrinks with I_th and closes once (14b)
    stops binding (measured on 8 snapshots: 89 %, 32 %, 0.7 %, 0 % at -150, -120, -100, -80 dBm)."""
    from satjax.units import dbm_to_watt

    gaps = []
    mode = Solve(tol=1e-4, max_iters=3)
    for i_th in (-140.0, -110.0, -80.0):
        a3 = s1 = 0.0
        for seed in range(2):
            s = tiny_scenario(seed).with_limits(interference_threshold_w=float(dbm_to_watt(i_th)))
            a3 += float(algorithm3(s, mode=mode).objective)
            s1 += float(overall_efficiency(s, *scheme1(s, mode=mode)))
        gaps.append((a3 - s1) / a3)
    assert gaps[0] > gaps[1] > gaps[2] >= -1e-9, gaps
    assert gaps[0] > 0.1 and gaps[2] < 1e-6, gaps


def test_algorithm3_efficiency_grows_with_energy():
    """Item 11 (energy only): mean over 3 snapshots of Algorithm 3's overall efficiency is
    increasing in E (measured: 29 396, 33 565, 35 904 bit/Hz at E = 5, 20, 80 J). Algorithm 6's
    minimum is *not* monotone in E on these snapshots (4 594, 4 961, 4 974, 4 543 at 5, 20, 40,
    80 J, with D71's damped weights): docs/paper-c.md."""
    means = []
    for energy in (5.0, 20.0, 80.0):
        means.append(np.mean([float(algorithm3(tiny_scenario(seed).with_limits(energy_per_uav_j=energy / 2),
                                               mode=Solve(tol=1e-4, max_iters=3)).objective) for seed in range(3)]))
    assert means[0] < means[1] < means[2], means


def _batch_means(params, drops=8, iters=4):
    s = jax.vmap(lambda i: sample_uav_scenario(jax.random.fold_in(jax.random.key(0), i), params, jnp.float64))(
        jnp.arange(drops))
    a3 = jax.vmap(lambda x: algorithm3(x, mode=Solve(tol=1e-4, max_iters=iters)))(s).objective
    return float(jnp.mean(a3)), s


def test_efficiency_grows_with_uavs_and_subchannels():
    """Item 11 (L and N), 8 drops per point, each point one vmapped call: Algorithm 3's mean overall
    efficiency is higher with more UAVs (measured 20 772 -> 36 381 bit/Hz from L = 1 to 3) and more
    subchannels (24 538 -> 42 155 from N = 2 to 4), and so is Algorithm 6's mean minimum efficiency
    with N (4 388 -> 8 355). Algorithm 6 in L is not asserted (5 371 at L = 2, 5 501 at L = 3 with
    D71's damped weights; before them 5 543 and 5 304, and it is not monotone in E either:
    docs/paper-c.md)."""
    by_l = [_batch_means(TINY.replace(num_uavs=v))[0] for v in (1, 3)]
    assert by_l[0] < by_l[1], by_l
    by_n, minimum = [], []
    for v in (2, 4):
        mean3, s = _batch_means(TINY.replace(num_subchannels=v))
        by_n.append(mean3)
        minimum.append(float(jnp.mean(jax.vmap(lambda x: algorithm6(x, mode=Solve(tol=1e-4, max_iters=4)))(s).objective)))
    assert by_n[0] < by_n[1], by_n
    assert minimum[0] < minimum[1], minimum


def test_unroll_equals_solve_at_its_iteration_count():
    """One step function, two modes: ``Unroll(n)`` with n the solve mode's iteration count gives the
    solve mode's decision and trace (Algorithms 3 and 6, the same inner ``power_mode``)."""
    s = tiny_scenario(2)
    for algorithm in (algorithm3, algorithm6):
        kw = {"power_mode": Unroll(2), ("alg2_dual" if algorithm is algorithm3 else "alg5_dual"): 100}
        solved = algorithm(s, mode=Solve(tol=1e-4, max_iters=4), **kw)
        it = int(solved.trace.num_iters)
        unrolled = algorithm(s, mode=Unroll(it), **kw)
        np.testing.assert_array_equal(unrolled.x, solved.x)
        np.testing.assert_allclose(unrolled.p, solved.p, rtol=1e-12, atol=0)
        np.testing.assert_allclose(unrolled.tau, solved.tau, rtol=1e-12, atol=0)
        np.testing.assert_allclose(unrolled.trace.objective, solved.trace.objective[:it + 1], rtol=1e-12)
        np.testing.assert_allclose(unrolled.block_objective, solved.block_objective[:it], rtol=1e-12)


def _central_difference(f, v, h):
    """Central difference at relative step ``h``: at the points ``v (1 +- h)`` (those the tests
    check the discrete choices at)."""
    return central_difference(lambda t: f(v * t), 1.0, h) / v


@pytest.mark.parametrize("name, limit, value", [("algorithm3", "interference_threshold_w", 1e-16),
                                                ("algorithm6", "energy_per_uav_j", 2.0)])
def test_unrolled_bcd_gradient_equals_finite_differences(name, limit, value):
    """Unroll-mode BCD is differentiable in a physical limit: ``jax.grad`` of the final objective
    w.r.t. I_th (Algorithm 3) / the energy budget E of every UAV (Algorithm 6), at I_th = -130 dBm
    and E = 2 J (Algorithm 3: the default E), equals central differences (float64, the subchannel
    choices the same at both points; measured 6e-11 and 3e-9 relative). Exact because the W-step's
    root carries its implicit derivative in unrolled mode (the rates need none, P3); the LP (21)
    has none (its vertex does not move here). The derivative is that of a piecewise-smooth
    program: at I_th = -120 dBm, E = 2 J a choice inside Algorithm 5 (best dual iterate or
    safeguard) flips within +-1e-5 relative and the central difference jumps (685 445 vs -13.5)."""
    energy = 2.0 if name == "algorithm6" else 20.0
    s0 = tiny_scenario(0).with_limits(interference_threshold_w=1e-16, energy_per_uav_j=energy)
    algorithm = {"algorithm3": algorithm3, "algorithm6": algorithm6}[name]
    kw = {"mode": Unroll(2), "power_mode": Unroll(2)}
    kw |= {"alg1_iters": 50, "alg2_dual": 100} if name == "algorithm3" else {"alg5_dual": 100}

    def result(v):
        return algorithm(s0.with_limits(**{limit: v}), **kw)

    def objective(v):
        return result(v).objective

    grad = float(jax.grad(objective)(jnp.asarray(value)))
    h = 1e-5
    np.testing.assert_array_equal(result(value * (1 + h)).x, result(value * (1 - h)).x)
    fd = float(_central_difference(objective, value, h))
    assert abs(grad * value) > 1e-2 * float(objective(value)), (grad, fd)     # the limit binds: a real derivative
    np.testing.assert_allclose(grad, fd, rtol=1e-6)


def test_infeasible_start_is_refused_by_name():
    """Issue: ``init=(x, 100 p, tau)`` once returned a result 99x over the power limit. An
    infeasible or malformed start is a ``ValueError`` naming ``init`` and the constraint; a
    feasible one is used as is; under ``jit`` an infeasible start gives NaN."""
    s = tiny_scenario(0)
    x, p, tau = initial_point(s)
    mode = Solve(tol=1e-4, max_iters=2)
    with pytest.raises(ValueError, match=r"init is infeasible: it violates interference \(14b\).*power \(14f\)"):
        algorithm3(s, init=(x, 100 * p, tau), mode=mode)
    with pytest.raises(ValueError, match=r"init is infeasible: it violates total hovering time \(14c\)"):
        algorithm6(s, init=(x, p, 10 * tau + float(s.hover_budget_s)), mode=mode)
    with pytest.raises(ValueError, match="init: x must be a binary assignment"):
        algorithm3(s, init=(0.5 * x, p, tau), mode=mode)
    with pytest.raises(ValueError, match="init: p must be finite"):
        algorithm3(s, init=(x, p.at[0, 0, 0].set(jnp.nan), tau), mode=mode)
    with pytest.raises(ValueError, match=r"init: tau must have shape \(2,\)"):
        algorithm3(s, init=(x, p, tau[:1]), mode=mode)
    with pytest.raises((ValueError, TypeError), match="init"):         # the tests' type checker, else ours
        algorithm3(s, init=x, mode=mode)
    default, given = algorithm3(s, mode=mode), algorithm3(s, init=(x, p, tau), mode=mode)
    np.testing.assert_array_equal(given.trace.objective, default.trace.objective)
    traced = jax.jit(lambda p: algorithm3(s, init=(x, p, tau), mode=mode).objective)
    assert np.isnan(float(traced(100 * p))) and np.isfinite(float(traced(p)))


def test_hovering_lp_and_closed_form_refuse_bad_decisions():
    """NaN or negative powers and a non-binary assignment are refused by name (concrete input) and
    give NaN under ``jit`` (they once gave finite hovering times)."""
    s = tiny_scenario(1)
    x, p, tau = initial_point(s)
    for bad_x, bad_p, match in ((x, p.at[0, 0, 0].set(jnp.nan), "p must be finite"),
                                (x, -p, "p must be >= 0 W"),
                                (0.5 * x, p, "x must be a binary assignment")):
        with pytest.raises(ValueError, match=match):
            hovering_time_lp(s, bad_x, bad_p)
        with pytest.raises(ValueError, match=match):
            maxmin_hovering_time(s, bad_x, bad_p)
        assert np.all(np.isnan(jax.jit(lambda x, p: hovering_time_lp(s, x, p, tau))(bad_x, bad_p)))
        assert np.all(np.isnan(jax.jit(lambda x, p: hovering_time_lp(s, x, p))(bad_x, bad_p)))
    with pytest.raises(ValueError, match="tau must be >= 0 s"):
        hovering_time_lp(s, x, p, -tau)
    assert np.all(np.isfinite(jax.jit(lambda x, p: hovering_time_lp(s, x, p, tau))(x, p)))


def test_all_padded_user_set_is_refused_by_name():
    """Algorithms 3 and 6 on a scenario without a real user: a ``ValueError`` naming the mask (they
    once returned 0 and inf); under ``vmap`` the result is NaN."""
    import equinox as eqx

    s = tiny_scenario(0)
    # built without the constructor's own check (a scenario refuses an all-padded mask itself)
    empty = jax.tree.map(lambda a: a, s)
    empty = eqx.tree_at(lambda sc: (sc.user_mask, sc.lam), empty, (jnp.zeros_like(s.user_mask), jnp.zeros_like(s.lam)))
    mode = Solve(tol=1e-4, max_iters=2)
    for algorithm in (algorithm3, algorithm6):
        with pytest.raises(ValueError, match="scenario.user_mask must mark at least one real user"):
            algorithm(empty, mode=mode)
    batch = jax.tree.map(lambda a, b: jnp.stack([a, b]), s, empty)
    out = jax.vmap(lambda sc: algorithm3(sc, mode=mode))(batch)
    assert np.isfinite(float(out.objective[0])) and np.isnan(float(out.objective[1]))
    assert np.all(np.isnan(out.p[1]))

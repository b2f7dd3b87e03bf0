"""System C's policies and task (satjax.uav.policies, satjax.uav.task): each policy returns what
its algorithm returns, the pure-JAX ones under jit and vmap, and the task scores decisions with
the paper's metrics."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.optim import Solve, is_iterative, solve_batch
from satjax.uav import (
    LOSS_UNIT,
    POLICIES,
    Algorithm3Policy,
    Algorithm6Policy,
    InitialPointPolicy,
    SchemePolicy,
    UavDecision,
    UavEfficiencyTask,
    algorithm3,
    algorithm6,
    decide_each,
    decision_metrics,
    initial_point,
    max_violation,
    min_efficiency,
    overall_efficiency,
    run_scheme,
)
from tests.uav.helpers import TINY, tiny_scenario


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def _same(decision, x, p, tau):
    np.testing.assert_array_equal(decision.x, x)
    np.testing.assert_allclose(decision.p, p, rtol=1e-12, atol=0)
    np.testing.assert_allclose(decision.tau, tau, rtol=1e-12, atol=0)


def test_policies_return_their_algorithms_decisions():
    s = tiny_scenario(0)
    mode = Solve(tol=1e-4, max_iters=3)
    r3, r6 = algorithm3(s, mode=mode), algorithm6(s, mode=mode)
    _same(Algorithm3Policy(max_iters=3)(s, None), r3.x, r3.p, r3.tau)
    _same(Algorithm6Policy(max_iters=3)(s, None), r6.x, r6.p, r6.tau)
    for name in ("scheme1", "scheme2", "scheme3"):
        _same(SchemePolicy(name)(s, None), *run_scheme(name, s))
    _same(InitialPointPolicy()(s, None), *initial_point(s))
    assert set(POLICIES) == {"algorithm3", "algorithm6", "scheme1", "scheme2", "scheme3", "initial_point"}
    for name in ("scheme1", "scheme2", "scheme3"):
        assert isinstance(POLICIES[name](), SchemePolicy) and POLICIES[name]().name == name


def test_every_policy_is_feasible():
    """``POLICIES`` holds classes, as in systems A and B: ``POLICIES[name]()`` is the default."""
    s = tiny_scenario(1)
    for name, cls in POLICIES.items():
        assert isinstance(cls, type), name
        d = cls()(s, None)
        assert isinstance(d, UavDecision) and d.p.dtype == s.lam.dtype, name
        assert float(max_violation(s, *d)) <= 1e-9, name


def test_every_policy_jits_and_vmaps_and_decide_each_stacks():
    task = UavEfficiencyTask(TINY, "float64")
    batch = jax.vmap(task.sample)(jax.random.split(jax.random.key(2), 3))
    for name in POLICIES:
        policy = POLICIES[name]()
        vmapped = eqx.filter_jit(lambda p, b: jax.vmap(p)(b))(policy, batch)
        looped = decide_each(policy, batch)
        for i in range(3):                                   # every policy vmaps to feasible decisions
            drop = jax.tree.map(lambda a, i=i: a[i], batch)
            assert float(max_violation(drop, *jax.tree.map(lambda a, i=i: a[i], vmapped))) <= 1e-9, name
        if is_iterative(policy):
            # A vmapped while loop runs every drop to the slowest one's count, and Algorithm 6 moves
            # with the batch's round-off by up to its documented batch sensitivity (docs/performance.md,
            # reproducibility; 0.9 % here). The batch driver satjax uses, solve_batch, is one drop
            # after another on the CPU: equal to the loop.
            batched = eqx.filter_jit(lambda p, b: solve_batch(p, b))(policy, batch)
        else:
            batched = vmapped
        for a, b in zip(batched, looped):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=name)
    stacked = decide_each(Algorithm3Policy(max_iters=2), batch)
    assert stacked.p.shape == (3, TINY.num_groups, TINY.num_uavs, TINY.num_subchannels)


def test_task_loss_and_metrics_are_the_papers_quantities():
    task = UavEfficiencyTask(TINY, "float64")
    s = task.sample(jax.random.key(3))
    policy = InitialPointPolicy()
    x, p, tau = initial_point(s)
    np.testing.assert_allclose(task.loss(policy, s), -overall_efficiency(s, x, p, tau) / LOSS_UNIT, rtol=1e-14)
    m = task.score(policy, s, jax.random.key(0))
    assert m == decision_metrics(s, policy(s))
    np.testing.assert_allclose(m["overall_bit_per_hz"], overall_efficiency(s, x, p, tau), rtol=1e-14)
    np.testing.assert_allclose(m["min_bit_per_hz"], min_efficiency(s, x, p, tau), rtol=1e-14)
    assert float(m["max_violation"]) <= 0


def test_task_samples_the_scenario_of_its_params():
    task = UavEfficiencyTask(TINY, "float64")
    s = task.sample(jax.random.key(4))
    assert s.sizes == (TINY.num_groups, TINY.users_per_group, TINY.num_uavs, TINY.num_subchannels, TINY.num_sat_users)
    assert s.lam.dtype == jnp.float64


@pytest.mark.parametrize("build, match", [
    (lambda: Algorithm3Policy(max_iters=0), "max_iters must be an integer >= 1"),
    (lambda: Algorithm6Policy(tol=0.0), "tol must be a finite number > 0"),
    (lambda: SchemePolicy("scheme4"), "name"),
    (lambda: UavEfficiencyTask(TINY, "float16"), "dtype"),
])
def test_bad_settings_are_named(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_task_params_of_another_type_are_named():
    """Under the test suite's run-time type checking the annotation catches it first; without it,
    the task's own check does. Either error names ``params``."""
    with pytest.raises((ValueError, TypeError), match="params"):
        UavEfficiencyTask("TINY")

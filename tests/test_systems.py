"""Conformance of every registered system to ``satjax.systems.System``, one parametrized suite.

For each system of the registry: the declaration conforms and is documented; a 64-point sweep
over a physical parameter is one compiled program; ``vmap`` of the reference policy equals a
loop; every iterative algorithm gives the same decision in ``Solve`` mode and in an ``Unroll``
of the same depth (and a longer one stays at the fixed point); ``grad`` of the headline metric
w.r.t. a physical parameter equals central finite differences (float64); padded users change
nothing for the real users, for every deterministic policy; every policy and algorithm returns the
declared decision (``System.decision``) and another one is refused; a bad parameter is refused by
name.
"""

from __future__ import annotations

import collections
import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from beartype.roar import BeartypeCallHintParamViolation

import satjax
from satjax.optim import Solve, Unroll
from satjax.systems import REGISTRY, Metric, System, check_system, get_system, system_names
from tests.finite_differences import central_difference

ROOT = Path(__file__).resolve().parents[1]
NAMES = system_names()


def _tiny(system, **overrides):
    return system.params(**{**system.tiny, **overrides})


def _metric_fn(system, policy_name, key):
    """Headline metric of ``policy_name`` on the drop ``key`` of the given parameters."""
    policy = system.policy(policy_name)

    def metric(params):
        scenario = system.sample(key, params)
        return system.task(params).score(policy, system.example(scenario), key)[system.metric.name]

    return metric


class _CompileCounter:
    """Counts XLA backend compilations (``jax.monitoring`` events) inside a ``with`` block."""

    def __init__(self):
        self.counts = collections.Counter()
        self.active = False
        self.registered = False

    def _listen(self, event, duration, **kwargs):
        if self.active:
            self.counts[event] += 1

    def __enter__(self):
        if not self.registered:                       # once, and only in a worker that runs these tests
            jax.monitoring.register_event_duration_secs_listener(self._listen)
            self.registered = True
        self.counts.clear()
        self.active = True
        return self

    def __exit__(self, *exc):
        self.active = False

    @property
    def compilations(self) -> int:
        return self.counts["/jax/core/compile/backend_compile_duration"]


COMPILES = _CompileCounter()


def test_the_registry_names_three_systems_and_refuses_unknown_names():
    assert NAMES == ("uplink", "downlink", "uav")
    with pytest.raises(ValueError, match=r"system must be one of \['uplink', 'downlink', 'uav'\], got 'sat'"):
        get_system("sat")


@pytest.mark.parametrize("name", NAMES)
def test_declaration_conforms_and_is_documented(name):
    system = get_system(name)
    check_system(system)
    assert getattr(satjax, name).SYSTEM is system and REGISTRY[name] == f"satjax.{name}"
    assert isinstance(system.metric, Metric) and system.metric.unit
    assert (ROOT / system.docs).is_file()
    architecture = (ROOT / "docs" / "architecture.md").read_text()
    assert f"`satjax.{name}`" in architecture, f"docs/architecture.md does not document system {name!r}"
    for policy in system.policies.values():                    # every policy builds with its defaults
        assert callable(policy())


@pytest.mark.parametrize("broken, match", [
    (dict(reference="nope"), "reference 'nope' is not one of its policies"),
    (dict(tiny={"not_a_size": 1}), "tiny names"),
    (dict(differentiable=("full_power", "num_users")), "differentiable must be"),
    (dict(params_class=dict), "params_class must be"),
    (dict(sample=lambda key: key), "sample must accept 2"),
    (dict(resize=lambda k: {"not_a_size": k}), "resize must map a user count to static fields"),
])
def test_a_declaration_that_does_not_conform_is_refused(broken, match):
    fields = {f.name: getattr(get_system("uplink"), f.name) for f in dataclasses.fields(System)}
    with pytest.raises(TypeError, match=match):
        System(**{**fields, **broken})


@pytest.mark.parametrize("name", NAMES)
def test_a_64_point_sweep_compiles_once_without_jit(name):
    system = get_system(name)
    policy, field = system.differentiable
    params = _tiny(system)
    metric = _metric_fn(system, policy, jax.random.key(0))
    base = float(np.asarray(getattr(params, field)))
    values = jnp.linspace(0.5 * base, 1.5 * base, 64)
    values2 = values * 1.1
    with COMPILES:
        out = satjax.sweep(metric, params, **{field: values})
        jax.block_until_ready(out)
    assert COMPILES.compilations == 1, COMPILES.counts
    with COMPILES:
        jax.block_until_ready(satjax.sweep(metric, params, **{field: values2}))
    assert COMPILES.compilations == 0, COMPILES.counts                  # new values: no new program
    pointwise = jax.jit(metric)
    for i in (0, 63):
        np.testing.assert_allclose(out[i], pointwise(params.replace(**{field: values[i]})), rtol=2e-5)


def _keys(n):
    return jax.vmap(lambda i: jax.random.fold_in(jax.random.key(3), i))(jnp.arange(n))


@pytest.mark.parametrize("name", NAMES)
def test_vmap_of_the_reference_policy_equals_a_loop(name):
    system = get_system(name)
    with jax.enable_x64(True):
        params = _tiny(system)
        keys = _keys(3)
        scenarios = jax.vmap(lambda k: system.sample(k, params))(keys)
        policy = system.policy(system.reference)
        batched = jax.jit(jax.vmap(policy))(scenarios, keys)
        single = jax.jit(policy)
        for i in range(3):
            one = single(jax.tree.map(lambda a: a[i], scenarios), keys[i])
            for a, b in zip(jax.tree.leaves(one), jax.tree.leaves(batched)):
                np.testing.assert_allclose(np.asarray(b)[i], np.asarray(a), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_solve_and_unroll_agree_for_every_algorithm(name):
    system = get_system(name)
    assert system.algorithms, f"system {name!r} declares no iterative algorithm"
    with jax.enable_x64(True):
        scenario = system.sample(jax.random.key(1), _tiny(system))
        for algo, run in system.algorithms.items():
            solved, trace = jax.jit(run, static_argnums=1)(scenario, Solve(tol=1e-10, max_iters=200))
            system.check_decision(solved, scenario, algo)                 # the declared decision
            depth = int(trace.num_iters)
            assert depth >= 1, algo
            same, utrace = jax.jit(run, static_argnums=1)(scenario, Unroll(depth))
            longer, _ = jax.jit(run, static_argnums=1)(scenario, Unroll(depth + 10))
            np.testing.assert_allclose(utrace.objective[-1], trace.objective[depth], rtol=1e-9, err_msg=algo)
            for a, b, c in zip(jax.tree.leaves(solved), jax.tree.leaves(same), jax.tree.leaves(longer)):
                np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-8, atol=1e-12, err_msg=algo)
                np.testing.assert_allclose(np.asarray(c), np.asarray(a), rtol=1e-4, atol=1e-8, err_msg=algo)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_wrt_a_physical_parameter_matches_finite_differences(name):
    system = get_system(name)
    policy, field = system.differentiable
    with jax.enable_x64(True):
        params = _tiny(system)
        metric = _metric_fn(system, policy, jax.random.key(2))

        def f(x):
            return metric(params.replace(**{field: x}))

        x0 = jnp.asarray(getattr(params, field))
        h = 1e-6 * float(x0)
        g = float(jax.grad(f)(x0))
        fd = float(central_difference(f, x0, h))
        assert np.isfinite(g) and g != 0
        np.testing.assert_allclose(g, fd, rtol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_padded_users_change_nothing_for_the_real_users(name):
    """Every deterministic policy (random ones draw per user, so padding changes their draws)."""
    system = get_system(name)
    with jax.enable_x64(True):
        params = _tiny(system)
        k = system.tiny.get("num_users", system.tiny.get("users_per_group"))
        scenario = system.sample(jax.random.key(4), params)
        padded = system.pad_users(scenario, k + 2)
        task = system.task(params)
        key0, key1 = jax.random.key(0), jax.random.key(1)
        # the headline metric of a given decision, one compiled program per shape for every policy
        score = jax.jit(lambda example, decision: task.score(lambda s, key: decision, example, key0)[system.metric.name])
        checked = []
        for pname, cls in system.policies.items():
            policy = jax.jit(cls())
            plain = policy(scenario, key0)
            system.check_decision(plain, scenario, pname)                 # every policy: the declared decision
            if not all(np.array_equal(a, b) for a, b in zip(jax.tree.leaves(plain), jax.tree.leaves(policy(scenario, key1)))):
                continue                                           # draws from its key: not comparable
            checked.append(pname)
            pad = system.real_users(policy(padded, key0), k)
            for a, b in zip(jax.tree.leaves(plain), jax.tree.leaves(pad)):
                np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-7, atol=1e-12, err_msg=pname)
            m_plain = score(system.example(scenario), plain)
            m_pad = score(system.example(padded), policy(padded, key0))
            np.testing.assert_allclose(m_pad, m_plain, rtol=1e-7, err_msg=pname)
        assert system.reference in checked


@pytest.mark.parametrize("name", NAMES)
def test_a_decision_of_another_shape_or_system_is_refused(name):
    """``System.check_decision`` (a user's own policy's output): the declared pytree, shapes and
    dtypes are accepted; another system's decision, a transposed one or a wrong dtype are refused,
    naming the decision and what it must be."""
    system = get_system(name)
    scenario = system.sample(jax.random.key(0), _tiny(system))
    like = system.decision.like(scenario)
    right = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), like)
    system.check_decision(right, scenario)
    other = get_system(NAMES[(NAMES.index(name) + 1) % len(NAMES)])
    other_scenario = other.sample(jax.random.key(0), _tiny(other))
    foreign = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), other.decision.like(other_scenario))
    with pytest.raises(ValueError, match=f"my_policy must be .*system '{name}'"):
        system.check_decision(foreign, scenario, "my_policy")
    leaves, tree = jax.tree.flatten(right)
    wrong_shape = jax.tree.unflatten(tree, [jnp.zeros(a.shape + (2,), a.dtype) for a in leaves])
    with pytest.raises(ValueError, match="leaf 0 has shape"):
        system.check_decision(wrong_shape, scenario)
    wrong_dtype = jax.tree.unflatten(tree, [jnp.zeros(a.shape, jnp.int32) for a in leaves])
    with pytest.raises(ValueError, match="dtype int32"):
        system.check_decision(wrong_dtype, scenario)


@pytest.mark.parametrize("name", NAMES)
def test_a_bad_parameter_is_refused_by_name(name):
    system = get_system(name)
    _, field = system.differentiable
    with pytest.raises(ValueError, match=field):
        _tiny(system, **{field: float("nan")})
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        system.sample(jax.random.key(0), _tiny(system), jnp.float16)
    with pytest.raises(ValueError, match="policy must be one of"):
        system.policy("no_such_policy")
    other = get_system(NAMES[(NAMES.index(name) + 1) % len(NAMES)])
    # satjax's own ValueError; under the tests beartype checks the annotation first and names it too
    with pytest.raises((ValueError, TypeError, BeartypeCallHintParamViolation), match=f"(?s)params.*{system.params_class.__name__}"):
        system.sample(jax.random.key(0), _tiny(other))


@pytest.mark.parametrize("name", NAMES)
def test_the_sampler_works_in_the_dtype_of_its_parameters(name):
    system = get_system(name)
    with jax.enable_x64(True):
        scenario = system.sample(jax.random.key(0), _tiny(system))
    assert {a.dtype for a in jax.tree.leaves(scenario) if jnp.issubdtype(a.dtype, jnp.floating)} == {np.dtype("float64")}
    scenario = system.sample(jax.random.key(0), _tiny(system))
    assert {a.dtype for a in jax.tree.leaves(scenario) if jnp.issubdtype(a.dtype, jnp.floating)} == {np.dtype("float32")}


@pytest.mark.parametrize("name", NAMES)
def test_a_batch_of_drops_does_not_depend_on_how_it_is_cut(name):
    system = get_system(name)
    params, key = _tiny(system), jax.random.key(5)
    whole = system.sample_batch(key, params, 4)
    tail = system.sample_batch(key, params, 2, start=2)
    third = system.sample(jax.random.fold_in(key, 2), params)
    named = getattr(getattr(satjax, name), f"sample_{name}_scenarios")(key, params, 2, start=2)   # one name per system
    for a, b, c, d in zip(jax.tree.leaves(whole), jax.tree.leaves(tail), jax.tree.leaves(third), jax.tree.leaves(named)):
        np.testing.assert_array_equal(np.asarray(a)[2:], np.asarray(b))
        np.testing.assert_array_equal(np.asarray(a)[2], np.asarray(c))
        np.testing.assert_array_equal(np.asarray(d), np.asarray(b))

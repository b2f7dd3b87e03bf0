"""solve_batch: a batch of Solve-mode solvers gives each scenario its one-at-a-time result (bitwise,
one scenario per chunk), chunks of any size cover odd batches, bad arguments are named."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.optim import STRATEGIES, Solve, batch_strategy, default_batch_size, is_iterative, solve, solve_batch
from satjax.systems import get_system, systems

#: Every iterative algorithm of every system in Solve mode, in both precisions; system C's (the
#: slowest to compile) one precision each, float32 for Algorithm 3, float64 for Algorithm 6.
ALGORITHMS = [(s, name, dtype) for s in systems() for name in s.algorithms for dtype in ("float32", "float64")
              if s.name != "uav" or (name, dtype) in {("algorithm3", "float32"), ("algorithm6", "float64")}]
MODES = {"uplink": Solve(tol=1e-6, max_iters=300), "downlink": Solve(tol=1e-5, max_iters=30),
         "uav": Solve(tol=1e-4, max_iters=10)}
NUM = 3


def _newton_sqrt(a):
    """sqrt(a) by Newton from 1 in Solve mode: the iteration count grows with |log a|."""
    return solve(lambda x: 0.5 * (x + a / x), jnp.ones_like(a), lambda x: x, tol=1e-7, max_iters=100)


def _one_at_a_time(fn, batch):
    single = jax.jit(fn)
    outs = [single(*jax.tree.map(lambda x, i=i: x[i], batch)) for i in range(jax.tree.leaves(batch)[0].shape[0])]
    return jax.tree.map(lambda *xs: np.stack(xs), *outs)


def _assert_bitwise(out, ref):
    for a, b in zip(jax.tree.leaves(out), jax.tree.leaves(ref), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("system, name, dtype", ALGORITHMS, ids=[f"{s.name}-{n}-{d}" for s, n, d in ALGORITHMS])
def test_each_solver_batched_is_bitwise_one_at_a_time(system, name, dtype):
    """Decisions and traces (objective, iteration count, convergence flag) of every drop of a batch
    equal those of the drop solved alone under ``jax.jit``, bit for bit, in both precisions."""
    with jax.enable_x64(dtype == "float64"):
        params = system.params_class(**system.tiny)
        drops = system.sample_batch(jax.random.key(11), params, NUM, dtype=jnp.dtype(dtype))
        run, mode = system.algorithms[name], MODES[system.name]
        fn = lambda s: run(s, mode)  # noqa: E731
        out = jax.jit(lambda d: solve_batch(fn, d))(drops)
        ref = _one_at_a_time(fn, (drops,))
        assert ref[1].objective.dtype == np.dtype(dtype)
    _assert_bitwise(out, ref)


def test_each_drop_stops_at_its_own_count():
    """The toy solver's drops need 1 to many iterations; batched, each keeps its own count and value."""
    a = jnp.asarray([1.0, 4.0, 1e-4, 1e6, 2.0, 9.0, 0.25])
    x, trace = jax.jit(lambda v: solve_batch(_newton_sqrt, v))(a)
    ref_x, ref_trace = _one_at_a_time(_newton_sqrt, (a,))
    assert len(set(np.asarray(trace.num_iters).tolist())) >= 4                      # counts really differ
    np.testing.assert_array_equal(trace.num_iters, ref_trace.num_iters)
    np.testing.assert_array_equal(x, ref_x)
    np.testing.assert_allclose(x, np.sqrt(np.asarray(a)), rtol=1e-6)


@pytest.mark.parametrize("batch_size", [1, 2, 3, 4, 7, 10, None])
def test_chunks_cover_odd_batches(batch_size):
    """7 drops in chunks of 1, 2, 3, 4 (a shorter last chunk), 7, more than 7 or all at once: every
    drop's result is the plain vmap's (a chunk is a vmap of its drops) and its own value."""
    a = jnp.asarray([1.0, 4.0, 1e-4, 1e6, 2.0, 9.0, 0.25])
    out = solve_batch(_newton_sqrt, a, batch_size=batch_size)
    ref = solve_batch(_newton_sqrt, a, strategy="vmap")
    np.testing.assert_allclose(out[0], ref[0], rtol=1e-6)
    np.testing.assert_array_equal(out[1].num_iters, _one_at_a_time(_newton_sqrt, (a,))[1].num_iters)
    assert out[0].shape == (7,) and out[1].objective.shape == (7, 101)


def test_several_arguments_pytrees_and_an_empty_batch():
    """Several batched arguments (pytrees) are split together; a batch of 0 gives 0 results."""
    def fn(pair, scale):
        x, trace = _newton_sqrt(pair["a"] * scale)
        return {"root": x, "plus_b": x + pair["b"]}

    pair = {"a": jnp.asarray([4.0, 9.0, 16.0]), "b": jnp.asarray([1.0, 2.0, 3.0])}
    scale = jnp.asarray([1.0, 4.0, 0.25])
    out = solve_batch(fn, pair, scale, batch_size=2)
    np.testing.assert_allclose(out["root"], [2.0, 6.0, 2.0], rtol=1e-6)
    np.testing.assert_allclose(out["plus_b"], [3.0, 8.0, 5.0], rtol=1e-6)
    empty = solve_batch(fn, jax.tree.map(lambda x: x[:0], pair), scale[:0])
    assert empty["root"].shape == (0,)


def test_iterative_policies_say_so():
    """Exactly the Solve-mode policies of the systems declare themselves iterative; a batch with one
    of them is mapped, any other batch is one vmap."""
    iterative = {(s.name, n) for s in systems() for n, cls in s.policies.items() if is_iterative(cls())}
    assert iterative == {("uplink", "algorithm1"), ("downlink", "wmmse"), ("downlink", "dinkelbach_wmmse"),
                         ("uav", "algorithm3"), ("uav", "algorithm6")}
    uplink = get_system("uplink")
    assert batch_strategy(uplink.policy("full_power"), uplink.policy("algorithm1")) == "map"
    assert batch_strategy(uplink.policy("full_power")) == "vmap" and batch_strategy() == "vmap"


def test_default_is_one_at_a_time_on_cpu():
    assert jax.default_backend() != "cpu" or default_batch_size() == 1
    assert STRATEGIES == ("map", "vmap")


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
    ({"batch_size": -3}, "batch_size must be an integer >= 1"),
    ({"batch_size": 2.0}, "batch_size must be an integer"),
    ({"batch_size": True}, "batch_size must be an integer"),
    ({"strategy": "compact"}, r"strategy must be one of \('map', 'vmap'\), got 'compact'"),
    ({"strategy": "vmap", "batch_size": 4}, "batch_size applies to strategy='map' only"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        solve_batch(_newton_sqrt, jnp.ones(3), **kwargs)


def test_bad_batches_are_named():
    with pytest.raises(ValueError, match="fn must be callable"):
        solve_batch("algorithm1", jnp.ones(3))
    with pytest.raises(ValueError, match="at least one array argument"):
        solve_batch(_newton_sqrt)
    with pytest.raises(ValueError, match=r"same leading \(batch\) size, got \[2, 3\]"):
        solve_batch(lambda a, b: a + b, jnp.ones(3), jnp.ones(2))
    with pytest.raises(ValueError, match="leading batch axis; got a scalar leaf"):
        solve_batch(lambda a, b: a * b, jnp.ones(3), jnp.asarray(2.0))

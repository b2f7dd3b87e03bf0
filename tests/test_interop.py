"""satjax.interop: Equinox modules trained by nnx.Optimizer, NNX modules trained by Equinox/Optax,
with the gradients of the pure modules."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from satjax.interop import EquinoxBuffer, EquinoxInNNX, NNXInEquinox


class WithBuffer(eqx.Module):
    mlp: eqx.nn.MLP
    index: jax.Array          # an integer array: carried, never trained

    def __call__(self, x):
        return self.mlp(x)[self.index]


def _loss(module, x):
    return jnp.sum(jnp.tanh(module(x)) ** 2)


def test_equinox_in_nnx_same_outputs_and_gradients():
    m = WithBuffer(eqx.nn.MLP(3, 4, 8, 2, key=jax.random.key(0)), jnp.array([0, 2]))
    w = EquinoxInNNX(m)
    x = jax.random.normal(jax.random.key(1), (3,))
    np.testing.assert_array_equal(w(x), m(x))
    g_nnx = nnx.grad(_loss)(w, x)
    g_eqx = eqx.filter_grad(_loss)(m, x)
    ours = [v.get_value() for v in jax.tree.leaves(g_nnx, is_leaf=lambda v: isinstance(v, nnx.Variable))]
    theirs = jax.tree.leaves(eqx.filter(g_eqx, eqx.is_inexact_array))
    assert len(ours) == len(theirs) == 6
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert len(jax.tree.leaves(nnx.state(w, EquinoxBuffer))) == 1


def test_nnx_optimizer_trains_a_wrapped_equinox_module_like_optax():
    m = eqx.nn.MLP(3, 1, 8, 2, key=jax.random.key(0))
    x = jax.random.normal(jax.random.key(1), (16, 3))
    loss = lambda mod: jnp.mean(jax.vmap(mod)(x) ** 2)         # noqa: E731
    w = EquinoxInNNX(m)
    opt = nnx.Optimizer(w, optax.adam(1e-2), wrt=nnx.Param)

    @nnx.jit
    def step(w, opt):
        value, g = nnx.value_and_grad(loss)(w)
        opt.update(w, g)
        return value

    tx = optax.adam(1e-2)
    params, static = eqx.partition(m, eqx.is_inexact_array)
    state = tx.init(params)
    for _ in range(5):
        first = step(w, opt)
        g = eqx.filter_grad(lambda p: loss(eqx.combine(p, static)))(params)
        updates, state = tx.update(g, state, params)
        params = optax.apply_updates(params, updates)
    assert float(loss(w.module)) < float(first)
    for a, b in zip(jax.tree.leaves(eqx.filter(w.module, eqx.is_inexact_array)), jax.tree.leaves(params)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(jax.tree.leaves(params)[0], jax.tree.leaves(eqx.filter(m, eqx.is_inexact_array))[0])


class TwoLayer(nnx.Module):
    def __init__(self, rngs):
        self.a = nnx.Linear(3, 8, rngs=rngs)
        self.b = nnx.Linear(8, 1, rngs=rngs)
        self.calls = nnx.BatchStat(jnp.zeros(()))              # non-parameter state: frozen in the wrapper

    def __call__(self, x):
        return self.b(nnx.relu(self.a(x))) + self.calls[...]


def test_nnx_in_equinox_same_outputs_gradients_and_training():
    module = TwoLayer(nnx.Rngs(0))
    e = NNXInEquinox(module)
    x = jax.random.normal(jax.random.key(1), (16, 3))
    loss = lambda mod: jnp.mean(mod(x) ** 2)                  # noqa: E731
    np.testing.assert_array_equal(e(x), module(x))
    g_eqx = eqx.filter_grad(loss)(e)
    g_nnx = nnx.grad(loss)(module)                             # w.r.t. nnx.Param
    ours = jax.tree.leaves(g_eqx.params)
    theirs = jax.tree.leaves(nnx.state(g_nnx, nnx.Param))
    assert len(ours) == len(theirs) == 4
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert all(float(jnp.max(jnp.abs(t))) == 0 for t in jax.tree.leaves(g_eqx.rest))   # frozen
    tx = optax.adam(1e-2)
    state = tx.init(eqx.filter(e, eqx.is_inexact_array))

    @eqx.filter_jit
    def step(e, state):
        value, g = eqx.filter_value_and_grad(loss)(e)
        updates, state = tx.update(g, state, eqx.filter(e, eqx.is_inexact_array))
        return eqx.apply_updates(e, updates), state, value

    first = float(loss(e))
    for _ in range(5):
        e, state, _ = step(e, state)
    assert float(loss(e)) < first
    assert float(e.module.calls[...]) == 0.0


def test_wrappers_name_a_wrong_module():
    with pytest.raises(ValueError, match="module must be an equinox.Module"):
        EquinoxInNNX(nnx.Linear(2, 2, rngs=nnx.Rngs(0)))
    with pytest.raises(ValueError, match="module must be a flax.nnx.Module"):
        NNXInEquinox(eqx.nn.Linear(2, 2, key=jax.random.key(0)))

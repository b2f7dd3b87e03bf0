"""Baselines: full and random power, multi-start projected gradient on known optima."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.optim import full_power, projected_gradient, random_power


def test_full_and_random_power(getkey):
    p_max = jnp.asarray([0.1, 0.2, 0.0])
    np.testing.assert_array_equal(full_power(p_max), p_max)
    key = getkey()
    r = random_power(key, p_max)
    assert np.all((r >= 0) & (r <= p_max)) and float(r[2]) == 0.0
    np.testing.assert_array_equal(r, random_power(key, p_max))            # same key, same draw
    draws = jax.vmap(lambda k: random_power(k, p_max))(jax.random.split(getkey(), 4000))
    # uniform on [0, p_max]: mean p_max/2 with standard error p_max / sqrt(12 * 4000)
    np.testing.assert_allclose(draws.mean(0)[:2], p_max[:2] / 2, atol=float(5 * 0.2 / np.sqrt(12 * 4000)))


def test_projected_gradient_interior_and_boundary_optimum(getkey):
    # f(rho) = sum(log(1 + rho) - c rho): separable concave, optimum clip(1/c - 1, 0, p_max).
    # The log-power iterate approaches a zero optimum only asymptotically (gradient ~ rho), so
    # the value is checked to the first-order loss of a 1e-4 power left on that user.
    c = jnp.asarray([0.5, 2.0, 0.25])
    p_max = jnp.asarray([3.0, 1.0, 2.0])
    rho, value = projected_gradient(lambda r: jnp.sum(jnp.log1p(r) - c * r), p_max, getkey())
    expected = np.clip(1 / np.asarray(c) - 1, 0, np.asarray(p_max))      # [1, 0, 2]
    np.testing.assert_allclose(rho, expected, atol=1e-3)
    assert float(value) == pytest.approx(float(np.sum(np.log1p(expected) - np.asarray(c) * expected)), abs=1e-4)


def test_projected_gradient_multistart_escapes_local_optimum(getkey):
    # bumps in y = ln(rho / p_max): a local max at rho = 0.8 (next to the full-power start) and
    # the global one at rho = 0.05
    def f(rho):
        y = jnp.log(rho[0])
        return jnp.exp(-((y - np.log(0.8)) / 0.5) ** 2) + 2 * jnp.exp(-((y - np.log(0.05)) / 0.5) ** 2)

    p_max = jnp.asarray([1.0])
    one, _ = projected_gradient(f, p_max, getkey(), num_starts=1)          # start 0 = full power
    many, _ = projected_gradient(f, p_max, getkey(), num_starts=16)
    assert float(one[0]) == pytest.approx(0.8, rel=1e-3)
    assert float(many[0]) == pytest.approx(0.05, rel=1e-3)


@pytest.mark.parametrize("kw", [dict(num_starts=0), dict(num_steps=0), dict(learning_rate=-1.0)])
def test_bad_settings(kw, getkey):
    name = next(iter(kw))
    with pytest.raises(ValueError, match=name):
        projected_gradient(lambda r: jnp.sum(r), jnp.ones(2), getkey(), **kw)

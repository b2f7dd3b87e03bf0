"""Named utilities: values, masks, smooth-min bound, name lookup."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.optim import UTILITIES, get_utility, max_min, max_min_smooth, proportional_fair, sum_rate
from satjax.optim.utilities import SOFTMIN_TEMPERATURE

SE = jnp.asarray([1.5, 2.0, 0.5, 7.0])
MASK = jnp.asarray([True, True, True, False])     # last user is padding


def test_values_ignore_padding():
    assert float(sum_rate(SE, MASK)) == pytest.approx(4.0)
    assert float(proportional_fair(SE, MASK)) == pytest.approx(np.log(1.5 + 1e-6) + np.log(2 + 1e-6) + np.log(0.5 + 1e-6), rel=1e-5)
    assert float(max_min(SE, MASK)) == pytest.approx(0.5)


def test_smooth_min_bounds():
    soft = float(max_min_smooth(SE, MASK))
    exact = float(max_min(SE, MASK))
    assert exact - SOFTMIN_TEMPERATURE * np.log(3) <= soft <= exact


def test_zero_rate_user_is_finite():
    se = jnp.asarray([0.0, 1.0])
    mask = jnp.asarray([True, True])
    for name, f in UTILITIES.items():
        v, g = jax.value_and_grad(f)(se, mask)
        assert np.isfinite(v) and np.all(np.isfinite(g)), name


def test_gradients_point_to_the_worst_user():
    g = jax.grad(max_min_smooth)(SE, MASK)
    assert int(jnp.argmax(g)) == 2 and float(g[3]) == 0.0


def test_unknown_name():
    with pytest.raises(ValueError, match="utility must be one of"):
        get_utility("sum_throughput")

"""The NumPy reference of the 'uav' benchmark suite computes the same rates as satjax."""

import jax
import numpy as np
import pytest

from benchmarks.suites.uav import numpy_candidate_rates
from satjax.uav import candidate_rates, initial_point
from tests.uav.helpers import tiny_scenario


def test_numpy_reference_equals_satjax():
    with jax.enable_x64(True):
        s = tiny_scenario(1)
        _, p, _ = initial_point(s)
        ref = numpy_candidate_rates(np.asarray(s.lam)[None], np.asarray(p)[None], np.asarray(s.noise_w)[None],
                                    s.num_rx_antennas)[0]
        np.testing.assert_allclose(candidate_rates(s, p), ref, rtol=1e-12)


@pytest.mark.parametrize("name", ["algorithm3", "algorithm6"])
def test_numpy_scipy_bcd_equals_satjax(name):
    """The benchmark's NumPy + SciPy Algorithms 3 and 6 follow satjax's pure-JAX ones to round-off:
    the same objective after every iteration, the same decision. (At the default size Algorithm
    5's max-min P-step amplifies round-off, 1e-16 to 1e-7 in 500 subgradient steps, and the two
    can part after its second outer iteration: docs/paper-c.md.)"""
    from benchmarks.reference import numpy_uav
    from satjax import uav

    solve, reference = getattr(uav, f"{name}_solve"), getattr(numpy_uav, name)
    with jax.enable_x64(True):
        for seed in (0, 2):
            s = tiny_scenario(seed)
            ours = solve(s, max_iters=4)
            x, p, tau, history = reference(numpy_uav.scenario_arrays(s), max_iters=4)
            assert len(history) == int(ours.iterations) + 1
            np.testing.assert_allclose(history, np.asarray(ours.history)[:len(history)], rtol=1e-12)
            np.testing.assert_array_equal(x, ours.x)
            np.testing.assert_allclose(p, ours.p, rtol=1e-10, atol=1e-12 * float(s.p_max_w))
            np.testing.assert_allclose(tau, ours.tau, rtol=1e-10)

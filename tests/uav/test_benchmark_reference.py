"""The NumPy reference of the 'uav' benchmark suite computes the same rates as satjax."""

import jax
import numpy as np

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

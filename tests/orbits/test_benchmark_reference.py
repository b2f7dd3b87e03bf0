"""The orbit benchmark's NumPy implementation computes the same numbers as satjax (float64), so
its triples per second compare equal work."""

import jax
import numpy as np

from benchmarks.suites.orbits import best_link, numpy_best_link, workload
from satjax import orbits as ob


def test_numpy_orbits_match_satjax_in_float64():
    with jax.enable_x64(True):
        shell, points, t = workload(2, 3, 25, 5, dtype=np.float64)
        # break the shell's symmetry: two satellites can have the same elevation, and argmax ties
        shell = shell._replace(mean_anomaly_rad=shell.mean_anomaly_rad + np.random.default_rng(0).uniform(0, 0.1, 6))
        t = t * 40.0                                                        # 0..960 s: satellites rise and set
        rotation = ob.earth_rotation((2461379.0, 0.25))
        el, rate = jax.jit(best_link)(shell, points, t, rotation)
        ref_el, ref_rate = numpy_best_link(*jax.tree.map(np.asarray, (shell, points)), np.asarray(t), rotation)
        assert el.shape == (25, 5)
        np.testing.assert_allclose(el, ref_el, rtol=0, atol=1e-12)
        np.testing.assert_allclose(rate, ref_rate, rtol=1e-10, atol=1e-7)
        assert np.ptp(np.asarray(rate)) > 1e3                              # the range rates are not trivial

"""The NTN benchmark's NumPy implementation computes the same loss as satjax (float64), so its
links per second compare equal work. (Exactly halfway between two rows, "nearest" may pick
either row in the last bit: under ``jit`` XLA folds ``rad2deg(x) / 10`` into one multiplication,
so the test draws elevations at random and at the rows, not at the midpoints.)"""

import jax
import numpy as np
import pytest

from benchmarks.suites.ntn import WORKLOADS, large_scale_db, links, numpy_large_scale_db


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w[0] for w in WORKLOADS])
def test_numpy_large_scale_loss_matches_satjax_in_float64(workload):
    _, carrier, env, interp, iono = workload
    kw = {"carrier_hz": carrier, "environment": env, "interpolation": interp, "ionospheric": iono}
    with jax.enable_x64(True):
        el, u, z = links(4000, np.float64, seed=3)
        el[:9] = np.deg2rad(np.arange(10.0, 100.0, 10.0))                # the table rows themselves
        ours = np.asarray(jax.jit(lambda e, a, b: large_scale_db(e, a, b, **kw))(el, u, z))
        ref = numpy_large_scale_db(el, u, z, **kw)
    assert ref.dtype == np.float64 and np.all(np.isfinite(ref))
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)
    # both branches of P.676 (below / above 5 deg) and both LoS states are exercised
    assert np.sum(el < np.deg2rad(5.0)) > 50 and 0.2 < np.mean(ref > np.median(ref)) < 0.8
    assert np.ptp(ref) > 30.0

"""The NumPy reference computes the same math as satjax (so timings compare equal work)."""

import jax
import numpy as np

from benchmarks.reference.numpy_uplink import closed_form_sinr as numpy_sinr
from satjax.uplink import sinr_closed_form
from tests.uplink.helpers import random_stats


def test_numpy_reference_agrees_with_satjax():
    with jax.enable_x64(True):
        for seed, regime in enumerate(["generic", "correlated", "orthogonal_pilots"]):
            stats, rho = random_stats(seed, regime)
            ours = np.asarray(sinr_closed_form(stats, rho))
            ref = numpy_sinr(np.asarray(stats.beta_ap), np.asarray(stats.g_bar), np.asarray(stats.r_sat), np.asarray(stats.pilot),
                             np.asarray(rho), pilot_power=float(stats.pilot_power), tau_p=stats.tau_p,
                             noise_ap=float(stats.noise_ap), noise_sat=float(stats.noise_sat))
            np.testing.assert_allclose(ours, ref, rtol=1e-9)


def test_benchmark_quick_run_writes_json(tmp_path):
    from benchmarks.uplink_closed_form import main

    res = main(["--quick", "--out", str(tmp_path / "b.json")])
    assert (tmp_path / "b.json").exists()
    assert all(c.get("per_scenario_ms", 1) > 0 for c in res["cases"])


def test_numpy_algorithm1_agrees_with_satjax():
    from benchmarks.reference.numpy_uplink import algorithm1 as numpy_algorithm1
    from satjax.uplink import algorithm1_solve

    with jax.enable_x64(True):
        stats, _ = random_stats(3, k=6)
        p_max = np.full(6, 0.8)
        ours = algorithm1_solve(stats, p_max, tol=1e-8)
        rho, iters = numpy_algorithm1(np.asarray(stats.beta_ap), np.asarray(stats.g_bar), np.asarray(stats.r_sat),
                                      np.asarray(stats.pilot), p_max, pilot_power=float(stats.pilot_power), tau_p=stats.tau_p,
                                      noise_ap=float(stats.noise_ap), noise_sat=float(stats.noise_sat), tol=1e-8)
        assert iters == int(ours.trace.num_iters)
        np.testing.assert_allclose(rho, ours.rho, rtol=1e-9, atol=1e-15)


def test_algorithm1_benchmark_quick_run_writes_json(tmp_path):
    import json

    from benchmarks.algorithm1 import main

    res = main(["--quick", "--out", str(tmp_path / "a.json")])
    saved = json.loads((tmp_path / "a.json").read_text())
    assert saved["device"] == res["device"] and set(saved["ratios"]) == {"20", "50"}
    assert all(c["per_scenario_ms"] > 0 for c in saved["cases"])


def test_downlink_precoding_benchmark_quick_run_writes_json(tmp_path):
    import json

    from benchmarks.downlink_precoding import main

    res = main(["--quick", "--out", str(tmp_path / "b.json")])
    saved = json.loads((tmp_path / "b.json").read_text())
    assert saved["device"] == res["device"]
    cases = {(c["case"], c["N_t"], c["K"], c["batch"]) for c in saved["cases"]}
    assert len(cases) == 3 * 2                                           # 3 methods x 2 batch sizes
    assert all(c["per_scenario_ms"] > 0 and c["compile_s_est"] >= 0 for c in saved["cases"])
    assert all(c["iterations_mean"] >= 1 for c in saved["cases"] if c["case"] != "mmse")

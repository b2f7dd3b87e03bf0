"""The NumPy reference computes the same math as satjax (so timings compare equal work)."""

import jax
import numpy as np
import pytest

from benchmarks.reference.numpy_uplink import closed_form_sinr as numpy_sinr
from satjax.optim import Solve
from satjax.uplink import algorithm1, closed_form_sinr, siso_problem
from tests.uplink.helpers import random_stats


def test_numpy_reference_agrees_with_satjax():
    with jax.enable_x64(True):
        for seed, regime in enumerate(["generic", "correlated", "orthogonal_pilots"]):
            stats, rho = random_stats(seed, regime)
            ours = np.asarray(closed_form_sinr(stats, rho))
            ref = numpy_sinr(np.asarray(stats.beta_ap), np.asarray(stats.g_bar), np.asarray(stats.r_sat), np.asarray(stats.pilot),
                             np.asarray(rho), pilot_power=float(stats.pilot_power), tau_p=stats.tau_p,
                             noise_ap=float(stats.noise_ap), noise_sat=float(stats.noise_sat))
            np.testing.assert_allclose(ours, ref, rtol=1e-9)


def test_numpy_algorithm1_agrees_with_satjax():
    from benchmarks.reference.numpy_uplink import algorithm1 as numpy_algorithm1
    with jax.enable_x64(True):
        stats, _ = random_stats(3, k=6)
        p_max = np.full(6, 0.8)
        ours = algorithm1(siso_problem(stats), p_max, mode=Solve(tol=1e-8))
        rho, iters = numpy_algorithm1(np.asarray(stats.beta_ap), np.asarray(stats.g_bar), np.asarray(stats.r_sat),
                                      np.asarray(stats.pilot), p_max, pilot_power=float(stats.pilot_power), tau_p=stats.tau_p,
                                      noise_ap=float(stats.noise_ap), noise_sat=float(stats.noise_sat), tol=1e-8)
        assert iters == int(ours.trace.num_iters)
        np.testing.assert_allclose(rho, ours.rho, rtol=1e-9, atol=1e-15)


def _check_results_file(out, res, *, smoke: bool):
    """The results file has the environment, positive timings, a compile time and memory for every
    satjax case, and a ratio for every reference case measured beside satjax."""
    import json

    from benchmarks.suites import SUITES

    doc = json.loads(out.read_text())
    assert doc["device"] and doc["jax"] and doc["date"] and doc["settings"]["quick"] is True
    assert doc["settings"]["max_cases"] == (2 if smoke else None)
    assert doc["peak_matmul"]["gflops_per_s"] > 0
    assert not res["failed"], res["failed"]
    assert {c["suite"] for c in doc["cases"]} == set(SUITES) and len(doc["cases"]) == len(res["cases"])
    per_suite = {s: sum(c["suite"] == s for c in doc["cases"]) for s in SUITES}
    assert all(n == 2 for n in per_suite.values()) if smoke else all(n >= 2 for n in per_suite.values()), per_suite
    for c in doc["cases"]:
        assert c["per_scenario_ms"] > 0, c
        if c["suite"] == "sweep":                      # wall time including compilation, one call per way
            assert c["wall_s_including_compile"] > 0 and c["max_rel_diff_vs_vmap"] < 1e-5, c
        elif c["impl"] == "satjax":
            assert c["compile_s"] > 0 and c["min_s"] <= c["median_s"] <= c["max_s"] and c["xla_memory_mb"] > 0, c
    impls = {c["impl"] for c in doc["cases"]}
    assert {"satjax", "numpy"} <= impls and ({"torch", "paper"} <= impls or smoke)
    refs = [c for c in doc["cases"] if c["impl"] in ("numpy", "torch") and c["batch"] in
            {d["batch"] for d in doc["cases"] if d["impl"] == "satjax" and d["case"] == c["case"] and d["params"] == c["params"]}]
    assert len(doc["ratios"]) >= len(refs) > 0
    assert all(r["over_satjax"] > 0 for r in doc["ratios"])
    closed = [c for c in doc["cases"] if c["suite"] == "closed_form" and c["impl"] == "satjax" and c["case"] == "closed_form"]
    assert closed and all(c["flops"] > 0 and 0 < c["fraction_of_peak"] for c in closed)


def test_smoke_run_of_every_suite_writes_a_valid_results_file(tmp_path):
    """``python -m benchmarks.run --quick --max-cases 2``: the first two cases of every suite (satjax
    and a reference) at tiny sizes, each suite in its child process, into one results file."""
    from benchmarks.run import main

    out = tmp_path / "r.json"
    _check_results_file(out, main(["--quick", "--max-cases", "2", "--out", str(out)]), smoke=True)


@pytest.mark.slow
def test_quick_run_of_every_suite_writes_a_valid_results_file(tmp_path):
    """``python -m benchmarks.run --quick``: every case of every suite at tiny sizes (about 3-5 min)."""
    from benchmarks.run import main

    out = tmp_path / "r.json"
    _check_results_file(out, main(["--quick", "--out", str(out)]), smoke=False)


def test_results_of_separate_suite_runs_accumulate_in_one_file(tmp_path):
    from benchmarks.common import Settings, write_results

    out = tmp_path / "r.json"
    a = {"suite": "a", "case": "x", "impl": "satjax", "params": {}, "batch": 1, "per_scenario_ms": 2.0}
    b = {"suite": "b", "case": "y", "impl": "satjax", "params": {}, "batch": 1, "per_scenario_ms": 1.0}
    b_ref = {**b, "impl": "numpy", "per_scenario_ms": 5.0}
    write_results(out, {"device": "cpu"}, Settings(), [a], {})
    write_results(out, {"device": "cpu"}, Settings(), [b, b_ref], {})
    import json

    doc = json.loads(out.read_text())
    assert [c["suite"] for c in doc["cases"]] == ["a", "b", "b"]
    assert doc["ratios"] == [{"suite": "b", "case": "y", "params": {}, "batch": 1, "impl": "numpy", "over_satjax": 5.0}]


@pytest.mark.parametrize("argv, match", [(["--repeats", "0"], "--repeats must be >= 1"),
                                         (["--out", "."], "--out must be a .json file path"),
                                         (["--max-cases", "0"], "--max-cases must be >= 1"),
                                         (["--suite", "nope"], "invalid choice")])
def test_benchmark_cli_rejects_bad_arguments(argv, match, capsys):
    from benchmarks.run import main

    with pytest.raises(SystemExit):
        main(argv)
    assert match in capsys.readouterr().err


def test_a_child_that_does_not_start_in_time_is_a_failed_case():
    """The start-up limit is separate from the case limit: a child not up within it is stopped and
    recorded as a failed ``start`` case."""
    from benchmarks.common import Settings
    from benchmarks.run import run_suites
    from tests.benchmarks import stalling_suite

    cases = run_suites({"stalling": stalling_suite.run}, Settings(quick=True), case_timeout=8.0, startup_timeout=0.01)
    assert [(c["case"], c["failed"]) for c in cases] == [("start", "child process did not start within 0.01 s")]


def test_a_stalled_suite_is_reported_as_a_failed_case_and_the_run_goes_on():
    """A suite that stops producing cases is stopped after ``case_timeout`` and recorded as a failed
    case naming where it was; the next suite still runs (and is stopped in turn)."""
    from benchmarks.common import Settings
    from benchmarks.run import run_suites
    from tests.benchmarks import stalling_suite

    # The child's start-up (Python and JAX imports) has its own limit, so the case limit measures the
    # suite alone and holds on a loaded machine too (the stalling suite's first case is immediate;
    # with a limit shared with start-up, 8 s was too short at a load average of 7-13).
    cases = run_suites({"stalling": stalling_suite.run, "also_stalling": stalling_suite.run}, Settings(quick=True),
                       case_timeout=3.0)
    assert [(c["suite"], c["case"]) for c in cases] == [("stalling", "first"), ("stalling", "after first"),
                                                        ("stalling", "first"), ("also_stalling", "after first")]
    assert [c.get("failed") is not None for c in cases] == [False, True, False, True]   # the second suite still ran
    for failed in cases[1], cases[3]:
        assert "no case within 3 s" in failed["failed"] and "stalling_suite.py" in failed["where"], failed

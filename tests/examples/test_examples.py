"""Every script of examples/ at tiny size, each with a check of what it claims.

The examples run in one child process (``tests/examples/run_tiny.py``: one interpreter start, and
the user's view, without the suite's run-time type checks), with rank promotion raising as in the
rest of the suite; the checkpoint example loads the run directory of a main-job smoke run made
here.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import equinox as eqx
import jax
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
# Tiny programs run in microseconds and compile in seconds: LLVM's backend optimizations off
# halves XLA:CPU compile time (sampler 6.7 -> 3.6 s) and changes no result beyond round-off.
FAST_COMPILE = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false"
                " --xla_backend_optimization_level=0").strip()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("examples")
    env = dict(os.environ, JAX_PLATFORMS="cpu", JAX_NUMPY_RANK_PROMOTION="raise", XLA_FLAGS=FAST_COMPILE)
    run = base / "run"
    proc = subprocess.run([sys.executable, "-m", "experiments.train", "+exp=shgnn", "trainer=smoke", "trainer.num_steps=3",
                           "model.hidden=8", "model.num_layers=1", "evaluation.num_drops=2", f"hydra.run.dir={run}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = base / "out"
    out.mkdir()
    proc = subprocess.run([sys.executable, "-m", "tests.examples.run_tiny", str(out), str(run)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    outcomes = json.loads((out / "outcomes.json").read_text())
    return out, outcomes


def _result(runs, name):
    out, outcomes = runs
    assert name in outcomes, f"{name} did not run"
    assert outcomes[name]["ok"], outcomes[name]["error"]
    return outcomes[name]["result"], out / name


def test_flax_nnx_model_trains_through_the_closed_form(runs):
    r, folder = _result(runs, "flax_nnx_power_control")
    # on fixed evaluation drops, nnx.Optimizer moved the model uphill
    assert r["sum_mbps"]["flax_mlp"] > r["sum_mbps"]["flax_mlp_untrained"]
    assert 0.5 < r["fraction_of_algorithm1"] < 1.05
    assert json.loads((folder / "result.json").read_text())["sum_mbps"] == pytest.approx(r["sum_mbps"])
    assert (folder / "training.png").stat().st_size > 0


def test_equinox_model_trains_through_the_closed_form(runs):
    from examples import equinox_power_control as ex

    r, folder = _result(runs, "equinox_power_control")
    assert r["sum_mbps"]["equinox_mlp"] > r["sum_mbps"]["equinox_mlp_untrained"]
    assert 0.5 < r["fraction_of_algorithm1"] < 1.05
    saved = eqx.tree_deserialise_leaves(folder / "model.eqx", ex.PowerMLP(16, key=jax.random.key(5)))
    assert not np.allclose(saved.mlp.layers[0].weight, ex.PowerMLP(16, key=jax.random.key(0)).mlp.layers[0].weight)


def test_shgnn_inside_a_flax_model_trains_both(runs):
    r, folder = _result(runs, "shgnn_in_flax")
    assert r["max_change_shgnn_params"] > 0 and r["max_change_backoff_params"] > 0
    assert r["sum_mbps"]["shgnn_with_backoff"] > r["sum_mbps"]["shgnn_with_backoff_untrained"]
    assert (folder / "shgnn.eqx").stat().st_size > 0


def test_sweep_is_one_program_and_monotone(runs):
    r, folder = _result(runs, "sweep_pmax")
    assert r["compiles"] == 1                                    # a second sweep with new values reused it
    for link, curve in r["mean_sum_se"].items():
        assert np.all(np.diff(curve) > 0), link                  # full power: more budget, more rate
    both, ground = np.array(r["mean_sum_se"]["space_ground"]), np.array(r["mean_sum_se"]["ground"])
    assert np.all(both >= ground - 1e-5)                         # the satellite only adds
    assert (folder / "sweep.png").stat().st_size > 0


def test_gradient_design_finds_the_grid_optimum(runs):
    r, folder = _result(runs, "design_pilot_power")
    assert r["gradient_objective"] > r["objective_at_start"]
    assert r["gradient_objective"] >= 0.99 * r["grid_objective"]
    assert abs(r["gradient_fraction"] - r["grid_fraction"]) < 0.2
    assert (folder / "design.png").stat().st_size > 0


def test_custom_utility_and_policy_against_algorithm1(runs):
    table, folder = _result(runs, "custom_utility_policy")
    # the user's policy optimizes the user's utility: it beats both references on it
    assert table["fair_gradient"]["alpha2_utility"] > table["algorithm1"]["alpha2_utility"]
    assert table["fair_gradient"]["alpha2_utility"] > table["full_power"]["alpha2_utility"]
    # and Algorithm 1 (a sum-rate maximizer) wins on the sum
    assert table["algorithm1"]["sum_mbps"] >= table["fair_gradient"]["sum_mbps"]
    assert "fair_gradient" in (folder / "scores.md").read_text()


def test_checkpoint_of_a_main_job_run_is_a_policy(runs):
    r, _ = _result(runs, "checkpoint_policy")
    assert r["trained_at_users"] == 30 and r["tested_at_users"] == 6
    assert 0 < r["sum_mbps"]["trained_shgnn"] <= 1.05 * r["sum_mbps"]["algorithm1"]


def test_unfolded_precoder_as_a_layer(runs):
    r, _ = _result(runs, "unfolded_precoder_layer")
    assert r["max_power_over_budget"] < 1e-5
    ee = r["ee_mbit_per_j"]
    assert ee["dinkelbach_wmmse"] >= 0.95 * ee["user_model_trained"] > 0
    assert ee["user_model_trained"] >= ee["user_model_untrained"] - 1e-6
    assert r["power_w"]["user_model_trained"] <= 10.0 + 1e-4


@pytest.mark.parametrize("module, argv, match", [
    ("sweep_pmax", ["--tiny", "--points", "1"], "--points"),
    ("design_pilot_power", ["--tiny", "--budget-w", "0"], "--budget-w"),
])
def test_bad_arguments_are_named(module, argv, match, tmp_path):
    import importlib

    with pytest.raises(ValueError, match=match):
        importlib.import_module(f"examples.{module}").main([str(tmp_path), *argv])


def test_checkpoint_example_names_a_missing_run(tmp_path):
    from examples import checkpoint_policy as ex

    with pytest.raises(ValueError, match="run_dir: .*config.yaml not found"):
        ex.main([str(tmp_path), str(tmp_path / "out"), "--tiny"])
    with pytest.raises(ValueError, match="--users"):
        ex.main([str(tmp_path), str(tmp_path / "out"), "--users", "1"])

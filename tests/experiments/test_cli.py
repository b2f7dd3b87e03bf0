"""The paper-A experiment entry points run end to end on tiny settings and reject bad overrides."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

TINY = {
    "throughput_cdf": ["num_drops=3", "mc_drops=1", "mc_samples=50", "scenario.num_users=4", "scenario.tau_p=2", "scenario.num_aps=6"],
    "pilot_length": ["num_drops=2", "tau_p_values=[1,2]", "tau_c_values=[200]", "scenario.num_aps=6"],
    "power_control": ["k_values=[4,6]", "cdf_k=4", "num_drops=3", "pg_drops=2", "pg_steps=20", "pg_starts=2", "fig7_iters=5",
                      "scenario.num_aps=6"],
}
OUTPUTS = {
    "throughput_cdf": ["summary.json"],
    "pilot_length": ["summary.json", "fig5_fig6_pilot_length.csv"],
    "power_control": ["summary.json", "fig7_convergence.csv", "fig8_sum_throughput.csv", "fig9_fig10_scheduling.csv",
                      "fig7_convergence.png", "fig8_cdf.png", "fig9_fig10_scheduling.png"],
}


def _run(module, overrides, tmp_path):
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    return subprocess.run([sys.executable, "-m", f"experiments.paper_a.{module}", f"hydra.run.dir={tmp_path}", *overrides],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("module", sorted(TINY))
def test_experiment_runs(module, tmp_path):
    proc = _run(module, TINY[module], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in OUTPUTS[module]:
        assert (tmp_path / name).is_file(), name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "paper" in summary
    if module == "power_control":
        for entry in summary["per_k"].values():
            m = entry["mean_sum_mbps"]
            assert m["algorithm1"] >= m["full"] * (1 - 1e-6)


def _load(config_name, overrides):
    """The app's config composed in-process and validated as the app validates it
    (:func:`experiments.common.load_config`)."""
    from hydra import compose, initialize_config_dir

    from experiments import schema  # noqa: F401  (registers the schemas)
    from experiments.common import load_config

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return load_config(compose(config_name=config_name, overrides=overrides))


def test_a_bad_override_is_a_clear_error_on_the_command_line(tmp_path):
    """The command line shows the validation's message (the other bad overrides: in-process)."""
    proc = _run("power_control", ["cdf_k=7"], tmp_path)
    assert proc.returncode != 0
    assert "cdf_k must be one of" in proc.stderr


@pytest.mark.parametrize("config_name, override, match", [
    ("power_control", "num_drops=0", "num_drops must be >= 1"),
    ("power_control", "cdf_k=7", "cdf_k must be one of"),
    ("power_control", "tol=-1", "tol must be > 0"),
    ("power_control", "+tolerance=1", "unknown config key tolerance: did you mean tol?"),
])
def test_bad_override_is_a_clear_error(config_name, override, match):
    with pytest.raises(Exception, match=re.escape(match)):
        _load(config_name, [override])


def test_paper_b_energy_efficiency_runs(tmp_path):
    # the scenario and Fig. 13 at Fig. 7's size (N_t = 4, K = 2): Figs. 11-13 and the defaults' point
    # share its programs (fewer distinct shapes to compile)
    overrides = ["num_drops=2", "p_max_values=[1.0,10.0]", "fig7_configs=[[2,2,2]]", "mc_samples=50", "nt_side_values=[2,3]",
                 "k_values=[2,3]", "csi_error_dbw=[-10.0]", "csi_samples=4", "runtime_k_values=[2]", "runtime_side_values=[2]",
                 "timing_repeats=1", "scenario.n_h=2", "scenario.n_v=2", "scenario.num_users=2", "fig13_config=[2,2,2]"]
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-m", "experiments.paper_b.energy_efficiency", f"hydra.run.dir={tmp_path}",
                           *overrides], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    for name in ("fig7", "fig11", "fig12", "fig13", "fig8_fig9_runtime"):
        assert summary[name], name
    for row in summary["fig7"]:
        assert row["ee_monte_carlo"] <= row["ee_bound"] * (1 + 1e-5)          # Jensen: (8) <= (9)
    for row in summary["fig11"] + summary["fig12"]:
        assert row["dinkelbach"] >= row["mrt"] * (1 - 1e-5)
    for name in ("fig7_ee_vs_pmax.png", "fig13_ee_vs_csi_error.png", "fig8_runtime_vs_k.png"):
        assert (tmp_path / name).is_file()


@pytest.mark.parametrize("override, match", [
    ("scenario.n_h=0", "scenario.n_h must be an integer >= 1"),
    ("scenario.snr_convention=peak", "scenario.snr_convention must be one of"),
    ("csi_error_dbw=[50.0]", "csi_error_dbw must be non-empty finite values <= 30 dBW"),
    ("runs=[/nonexistent/run]", "runs: '/nonexistent/run' is not a directory"),
    ("num_drops=0", "num_drops must be >= 1"),
])
def test_paper_b_bad_overrides(override, match):
    with pytest.raises(Exception, match=re.escape(match)):
        _load("energy_efficiency", [override])


def test_paper_b_bad_override_on_the_command_line(tmp_path):
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-m", "experiments.paper_b.energy_efficiency", f"hydra.run.dir={tmp_path}",
                           "csi_error_dbw=[50.0]"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "csi_error_dbw must be non-empty finite values <= 30 dBW" in proc.stderr, \
        proc.stderr[-2000:]


def test_defaults_that_depend_on_another_field_follow_it():
    from experiments.schema import PowerControlConfig, ThroughputCdfConfig

    assert PowerControlConfig(num_drops=5).pg_drops == 5 and PowerControlConfig().pg_drops == 50
    assert ThroughputCdfConfig(num_drops=7).mc_drops == 7 and ThroughputCdfConfig().mc_drops == 20
    with pytest.raises(ValueError, match="pg_drops must be <= num_drops"):
        PowerControlConfig(num_drops=5, pg_drops=6)


def test_importing_the_entry_points_has_no_side_effects():
    code = ("import os; os.environ.pop('XLA_FLAGS', None); import experiments, benchmarks, experiments.train, "
            "experiments.paper_b.energy_efficiency, benchmarks.run; assert 'XLA_FLAGS' not in os.environ; "
            "import jax._src.xla_bridge as xb; assert not xb._backends, 'a JAX backend was initialized on import'")
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_library_imports_nothing_from_experiments_or_benchmarks():
    import ast

    for path in (ROOT / "satjax").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not name.split(".")[0] in ("experiments", "benchmarks", "hydra", "tests"), (path, name)
    # and experiments never import benchmarks
    for path in (ROOT / "experiments").rglob("*.py"):
        assert "benchmarks" not in {n.split(".")[0] for n in _imports(path)}, path


def _imports(path):
    import ast

    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append(node.module or "")
    return out

"""Paper B's Figs. 8, 9, 11-13 with trained models: the figure pipeline (padding, zero-shot sizes,
the CSI error fed to the inputs, runtimes) on tiny sizes, in process, with untrained models; runs
loaded only at the figures' scenario; Fig. 13 alone at the separated preset from the command line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import equinox as eqx
import jax
import numpy as np
import pytest

from experiments.paper_b import energy_efficiency as app
from experiments.schema import EnergyEfficiencyConfig, ScenarioBConfig
from satjax.downlink import dinkelbach_wmmse, energy_efficiency
from satjax.downlink import EdgeGNN, LinearUnfoldedWMMSE, UnfoldedDinkelbachWMMSE
from satjax.optim import Solve


@pytest.fixture(scope="module")
def setup():
    cfg = EnergyEfficiencyConfig(scenario=ScenarioBConfig(n_h=2, n_v=2, num_users=2), num_drops=3, max_iters=10,
                                 inner_max_iters=30, csi_samples=3, fig13_config=[2, 2, 2],
                                 csi_error_dbw=[-20.0, 0.0], runtime_k_values=[2], runtime_side_values=[2],
                                 runtime_batch=2, timing_repeats=1)
    learned = {"edge_gnn": app.Learned(EdgeGNN(hidden=8, num_layers=2, key=jax.random.key(0)), 4, 2, False),
               "deep_unfolding": app.Learned(UnfoldedDinkelbachWMMSE(num_outer=2, num_inner=2, num_layers=3), 4, 2, False),
               "linear_deep_unfolding": app.Learned(LinearUnfoldedWMMSE(4, 2, num_layers=2, key=jax.random.key(1)), 4, 2,
                                                    True)}
    return cfg, learned


@eqx.filter_jit
def _model_ee(model, problem):
    """EE [bit/J] of ``model``'s precoders on one unpadded ``problem``, compiled (one program per
    model and size, not one per operation of every drop)."""
    return energy_efficiency(problem, model.precoders(problem))


def _direct(cfg, params, salt, model):
    """Mean EE [Mbit/J] of ``model`` on the figure's drops of ``params``, unpadded, one by one."""
    scen = app._drops(cfg, params, salt)
    ees = [_model_ee(model, s.problem) for s in (jax.tree.map(lambda x: x[i], scen) for i in range(cfg.num_drops))]
    return float(np.mean(ees)) / 1e6


def test_learned_columns_of_padded_figure_equal_the_models_on_unpadded_drops(setup):
    cfg, learned = setup
    points = [cfg.scenario.to_params(num_users=k) for k in (1, 2)] + [cfg.scenario.to_params(n_h=3, n_v=3)]
    rows = app.model_based_points(cfg, points, 12, learned)
    for row, p in zip(rows, points):
        for name in ("edge_gnn", "deep_unfolding"):                  # any size: zero-shot on padded problems
            assert row[name] == pytest.approx(_direct(cfg, p, 12, learned[name].model), rel=1e-4), (name, p.num_users)
        size = (p.num_antennas, p.num_users)
        lin = row["linear_deep_unfolding"]
        assert np.isnan(lin) if size != (4, 2) else lin == pytest.approx(
            _direct(cfg, p, 12, learned["linear_deep_unfolding"].model), rel=1e-4)
        assert row["dinkelbach"] >= row["mrt"] * (1 - 1e-5)
        for name in ("mmse_instantaneous", "rzf_instantaneous"):
            assert 0 < row[name] < 10


def test_fig13_feeds_the_error_to_the_inputs_and_scores_on_the_truth(setup):
    cfg, learned = setup
    rows = app.fig13(cfg, learned)
    assert [r["error_dbw"] for r in rows] == [-np.inf, -20.0, 0.0]
    assert [r["error_variance"] for r in rows] == pytest.approx([0.0, 0.01, 1.0])
    # error-free row: exactly the methods on the true statistics
    params = cfg.scenario.to_params(n_h=2, n_v=2, num_users=2)
    scen = app._drops(cfg, params, 13)
    modes = dict(mode=Solve(tol=cfg.tol, max_iters=cfg.max_iters), inner=Solve(tol=cfg.tol, max_iters=cfg.inner_max_iters))
    ref = np.mean([energy_efficiency(s.problem, dinkelbach_wmmse(s.problem, **modes)[0])
                   for s in (jax.tree.map(lambda x: x[i], scen) for i in range(cfg.num_drops))]) / 1e6
    assert rows[0]["dinkelbach"] == pytest.approx(ref, rel=1e-4)
    assert rows[0]["deep_unfolding"] == pytest.approx(_direct(cfg, params, 13, learned["deep_unfolding"].model), rel=1e-4)
    # an error as strong as the channel itself costs the statistical optimum EE
    assert rows[-1]["dinkelbach"] < rows[0]["dinkelbach"]
    assert "linear_deep_unfolding" not in rows[0] or np.isnan(rows[0]["linear_deep_unfolding"])


def test_runtime_rows_time_every_size_agnostic_method_single_and_batched(setup):
    cfg, learned = setup
    rows = app.runtime(cfg, learned)
    assert [(r["nt"], r["k"]) for r in rows] == [(64, 2), (4, 9)]
    for r in rows:
        for name in ("dinkelbach_wmmse", "wmmse", "mmse", "edge_gnn", "deep_unfolding"):
            assert r[f"{name}_ms"] > 0 and r[f"{name}_batched_ms"] > 0, name
        assert "linear_deep_unfolding_ms" not in r


def test_bad_figure_config_names_the_key(tmp_path):
    with pytest.raises(ValueError, match="fig13_config must be"):
        EnergyEfficiencyConfig(fig13_config=[8, 8])
    with pytest.raises(ValueError, match="runtime_batch must be"):
        EnergyEfficiencyConfig(runtime_batch=0)
    with pytest.raises(ValueError, match="is not a directory"):
        EnergyEfficiencyConfig(runs=[str(tmp_path / "missing")])

    with pytest.raises(ValueError, match=r"figures must be a non-empty subset of .*got \['fig10'\]"):
        EnergyEfficiencyConfig(figures=["fig10"])
    with pytest.raises(ValueError, match="figures must be"):
        EnergyEfficiencyConfig(figures=["fig13", "fig13"])


ROOT = Path(__file__).resolve().parents[2]
#: The separated preset at a tiny size (the physics of ``scenario=paper_b_separated``).
TINY_SEPARATED = ["scenario=paper_b_separated", "scenario.n_h=2", "scenario.n_v=2", "scenario.num_users=4"]


def _edge_gnn_run(path: Path, overrides: list[str]) -> Path:
    """A run directory of the main job's edge GNN (untrained weights) composed from ``overrides``."""
    import equinox as eqx
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from experiments.common import load_config
    from experiments.runner import instantiate_model

    args = ["+exp=edge_gnn", "model.hidden=8", "model.num_layers=1", *overrides]
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = load_config(compose(config_name="config", overrides=args))
    (path / ".hydra").mkdir(parents=True)
    OmegaConf.save(OmegaConf.create(args), path / ".hydra" / "overrides.yaml")
    eqx.tree_serialise_leaves(path / "model.eqx", instantiate_model(cfg.model, cfg.scenario.to_params(), key=jax.random.key(0)))
    return path


def test_runs_of_another_scenario_are_refused_naming_the_fields(tmp_path):
    from hydra import compose, initialize_config_dir

    from experiments.common import load_config

    run = _edge_gnn_run(tmp_path / "run", ["scenario=paper_b_separated"])
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        separated_small = load_config(compose(config_name="energy_efficiency", overrides=TINY_SEPARATED)).scenario
    learned = app.load_learned([str(run)], separated_small)            # sizes may differ: zero-shot
    assert list(learned) == ["edge_gnn"] and (learned["edge_gnn"].nt, learned["edge_gnn"].k) == (16, 12)
    with pytest.raises(ValueError, match=r"runs: .*another scenario.*scenario\.snr_reference_antennas: 16 there, 64 here.*"
                                         r"scenario\.snr_db: 15\.0 there, 0\.0 here"):
        app.load_learned([str(run)], ScenarioBConfig())


def test_fig13_alone_at_the_separated_preset_from_the_command_line(tmp_path):
    run = _edge_gnn_run(tmp_path / "run", ["scenario=paper_b_separated"])
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "experiments.paper_b.energy_efficiency", f"hydra.run.dir={out}", *TINY_SEPARATED,
           "figures=[fig13]", "fig13_config=[2,2,4]", "num_drops=2", "csi_samples=2", "csi_error_dbw=[0.0]",
           "max_iters=5", "inner_max_iters=20", f"runs=[{run}]"]
    proc = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, JAX_PLATFORMS="cpu"), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["figures"] == ["fig13"] and "fig7" not in summary and "fig11" not in summary
    assert [r["error_dbw"] for r in summary["fig13"]] == [-np.inf, 0.0]
    assert all((r["nt"], r["k"]) == (4, 4) and r["edge_gnn"] > 0 for r in summary["fig13"])
    # path-loss channel powers of the preset (not gamma = 1): the figure reports their mean
    assert summary["fig13"][0]["mean_gamma_db"] < -140
    assert (out / "fig13_ee_vs_csi_error.png").is_file() and not (out / "fig7_ee_vs_pmax.png").exists()
    assert summary["defaults"]["dinkelbach"] >= summary["defaults"]["mrt"] * (1 - 1e-5)

"""Paper B's Figs. 8, 9, 11-13 with trained models: the figure pipeline (padding, zero-shot sizes,
the CSI error fed to the inputs, runtimes) on tiny sizes, in process, with untrained models."""

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


def _direct(cfg, params, salt, model):
    """Mean EE [Mbit/J] of ``model`` on the figure's drops of ``params``, unpadded, one by one."""
    scen = app._drops(cfg, params, salt)
    ees = [energy_efficiency(s.problem, model.precoders(s.problem))
           for s in (jax.tree.map(lambda x: x[i], scen) for i in range(cfg.num_drops))]
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

"""Fig. 10 of paper B combines several main-job runs: one histogram, one CSV, and a refusal to mix
runs evaluated at different scenarios or on different test channels."""

import csv
import json

import numpy as np
import pytest

from experiments.paper_b.fig10 import combine


SEPARATED = {"n_h": 4, "n_v": 4, "num_users": 12, "snr_db": 15.0, "channel_power": "path_loss", "num_clusters": 4}


def _fake_run(path, target, model_ee, reference_ee, scenario=SEPARATED):
    path.mkdir()
    (path / "results.json").write_text(json.dumps({"config": {"model": {"_target_": target}, "scenario": scenario}}))
    with open(path / "fig10_ee_per_channel.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["channel", "model", "dinkelbach_wmmse", "wmmse", "statistical_mrt", "statistical_mmse"])
        for i, (m, r) in enumerate(zip(model_ee, reference_ee)):
            w.writerow([i, m, r, r, 0.9 * r, 0.95 * r])


def test_runs_on_the_same_channels_are_combined(tmp_path):
    rng = np.random.default_rng(0)
    ref = 1.1 + 0.05 * rng.standard_normal(20)
    _fake_run(tmp_path / "a", "satjax.downlink.EdgeGNN", 0.9 * ref, ref)
    _fake_run(tmp_path / "b", "satjax.downlink.UnfoldedDinkelbachWMMSE", 0.99 * ref, ref * (1 + 1e-7))
    png = combine(tmp_path / "out", [tmp_path / "a", tmp_path / "b"])
    assert png.is_file()
    table = np.genfromtxt(tmp_path / "out" / "fig10_ee_per_channel.csv", delimiter=",", names=True)
    assert table.dtype.names == ("channel", "EdgeGNN", "UnfoldedDinkelbachWMMSE", "dinkelbach_wmmse", "statistical_mrt")
    np.testing.assert_allclose(table["UnfoldedDinkelbachWMMSE"], 0.99 * ref, rtol=1e-12)


def test_runs_on_different_channels_are_refused(tmp_path):
    ref = np.linspace(1.0, 1.2, 10)
    _fake_run(tmp_path / "a", "satjax.downlink.EdgeGNN", ref, ref)
    _fake_run(tmp_path / "b", "satjax.downlink.LinearUnfoldedWMMSE", ref, ref[::-1])
    with pytest.raises(ValueError, match="different test channels"):
        combine(tmp_path / "out", [tmp_path / "a", tmp_path / "b"])
    with pytest.raises(FileNotFoundError, match="fig10_ee_per_channel.csv not found"):
        combine(tmp_path / "out", [tmp_path / "missing"])


def test_runs_at_different_scenarios_are_refused_naming_the_fields(tmp_path):
    ref = np.linspace(20.0, 22.0, 10)
    _fake_run(tmp_path / "a", "satjax.downlink.EdgeGNN", ref, ref)
    _fake_run(tmp_path / "b", "satjax.downlink.UnfoldedDinkelbachWMMSE", ref, ref,
              scenario={**SEPARATED, "snr_db": 0.0, "num_clusters": 0})
    with pytest.raises(ValueError, match=r"different scenarios \(scenario\.num_clusters: 0 vs 4, scenario\.snr_db"):
        combine(tmp_path / "out", [tmp_path / "a", tmp_path / "b"])
    assert not (tmp_path / "out").exists()

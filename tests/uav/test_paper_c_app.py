"""Paper C figure app (experiments/paper_c/figures.py) at tiny size: CSV + PNG for every figure,
rows consistent with the library, and named configuration errors."""

import csv
import subprocess
import sys

import jax
import numpy as np
import pytest

from experiments.paper_c.figures import PaperCConfig, ScenarioCConfig, run

TINY = ScenarioCConfig(num_uavs=2, num_groups=2, users_per_group=2, num_sat_users=2, num_subchannels=3, num_rx_antennas=2)


def test_every_figure_writes_csv_and_png(tmp_path):
    config = PaperCConfig(num_drops=1, max_iters=1, i_th_dbm=[-120.0, -90.0], energy_j=[40.0], l_values=[2],
                          n_values=[3], scenario=TINY)
    try:
        rows = run(config, tmp_path)
    finally:
        jax.config.update("jax_enable_x64", False)
    names = {p.name for p in tmp_path.iterdir()}
    for stem in ("fig2_convergence", "fig3_overall_vs_ith", "fig5_coverage", "fig4_minimum_vs_ith", "fig6_7_vs_uavs_overall",
                 "fig6_7_vs_uavs_minimum", "fig8_9_vs_subchannels_overall", "fig8_9_vs_subchannels_minimum"):
        assert f"{stem}.png" in names, stem
    with open(tmp_path / "fig3_4_vs_ith.csv") as f:
        table = list(csv.DictReader(f))
    assert {r["method"] for r in table} == {"alg3", "alg6", "scheme1", "scheme2", "scheme3"}
    for i_th in ("-120.0", "-90.0"):
        at = {r["method"]: r for r in table if r["i_th_dbm"] == i_th}
        overall = {m: float(r["overall_bit_per_hz"]) for m, r in at.items()}
        assert overall["alg3"] >= max(overall[m] for m in ("scheme1", "scheme2", "scheme3")) * (1 - 1e-9)
    with open(tmp_path / "fig5_coverage.csv") as f:                      # one slot, every subchannel
        cover = list(csv.DictReader(f))
    assert [int(r["subchannel"]) for r in cover] == list(range(TINY.num_subchannels))
    assert all(0.0 <= float(r["served_fraction"]) <= 1.0 for r in cover)
    assert all(0 <= int(r["transmitting_uavs"]) <= TINY.num_uavs for r in cover)
    # Fig. 2 rows are Algorithm 3/6 histories: non-decreasing
    for name in ("alg3", "alg6"):
        hist = [r[3] for r in rows["fig2"] if r[0] == name]
        assert np.all(np.diff(hist) >= -1e-9 * abs(hist[0]))


def test_config_errors_name_the_key():
    with pytest.raises(ValueError, match="figures must be a subset of"):
        PaperCConfig(figures=["fig1"])
    with pytest.raises(ValueError, match="scenario.num_subchannels must be an integer >= 1"):
        PaperCConfig(scenario=ScenarioCConfig(num_subchannels=0))
    with pytest.raises(ValueError, match="scenario.energy_j must be > 0"):
        PaperCConfig(energy_j=[-1.0])
    with pytest.raises(ValueError, match="coverage_grid_points must be >= 2"):
        PaperCConfig(coverage_grid_points=1)
    with pytest.raises(ValueError, match="scenario.p_max_w"):           # every physical field is a key
        PaperCConfig(scenario=ScenarioCConfig(p_max_w=-0.1))


def test_hydra_entry_point_rejects_unknown_keys(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "experiments.paper_c.figures", f"hydra.run.dir={tmp_path}",
                           "+num_drop=3"], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "unknown config key num_drop: did you mean num_drops?" in proc.stderr

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
                          n_values=[3], grid_energy_j=[10.0, 1000.0], grid_i_th_dbm=[-130.0, -30.0], scenario=TINY)
    try:
        rows = run(config, tmp_path)
    finally:
        jax.config.update("jax_enable_x64", False)
    names = {p.name for p in tmp_path.iterdir()}
    for stem in ("fig2_convergence", "fig3_overall_vs_ith", "fig5_coverage", "fig4_minimum_vs_ith", "fig6_7_vs_uavs_overall",
                 "fig6_7_vs_uavs_minimum", "fig8_9_vs_subchannels_overall", "fig8_9_vs_subchannels_minimum",
                 "energy_ith"):
        assert f"{stem}.png" in names, stem
    with open(tmp_path / "fig3_4_vs_ith.csv") as f:
        table = list(csv.DictReader(f))
    assert {r["method"] for r in table} == {"alg3", "alg6", "scheme1", "scheme2", "scheme2_scale", "scheme3",
                                            "scheme3_best_user"}
    for i_th in ("-120.0", "-90.0"):
        at = {r["method"]: r for r in table if r["i_th_dbm"] == i_th}
        overall = {m: float(r["overall_bit_per_hz"]) for m, r in at.items()}
        assert overall["alg3"] >= max(v for m, v in overall.items() if m != "alg3") * (1 - 1e-9)
        assert float(at["scheme3"]["minimum_bit_per_hz"]) > 0             # ref. [41]: every user has a subchannel
    # E x I_th map: at 1 000 J (P_max T per UAV is 60 J) energy cannot bind, at -30 dBm interference
    # cannot; the gain columns are the ratios of neighbouring rows
    with open(tmp_path / "energy_ith.csv") as f:
        grid = list(csv.DictReader(f))
    assert len(grid) == 2 * 2 * 2
    for r in grid:
        assert 0 <= float(r["energy_binds_share"]) <= 1 and 0 <= float(r["interference_binds_share"]) <= 1
        if float(r["energy_j"]) == 1000.0:
            assert float(r["energy_binds_share"]) == 0.0
        if float(r["i_th_dbm"]) == -30.0:
            assert float(r["interference_binds_share"]) == 0.0
    val = {(r["algorithm"], float(r["energy_j"]), float(r["i_th_dbm"])): r for r in grid}
    for alg in ("alg3", "alg6"):
        low = val[alg, 10.0, -130.0]
        eff = float(low["efficiency_bit_per_hz"])
        np.testing.assert_allclose(float(low["gain_next_energy"]),
                                   float(val[alg, 1000.0, -130.0]["efficiency_bit_per_hz"]) / eff - 1, rtol=1e-12)
        np.testing.assert_allclose(float(low["gain_next_i_th"]),
                                   float(val[alg, 10.0, -30.0]["efficiency_bit_per_hz"]) / eff - 1, rtol=1e-12)
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
    with pytest.raises(ValueError, match="scenario.energy_j must be > 0"):
        PaperCConfig(grid_energy_j=[0.0])
    with pytest.raises(ValueError, match="scenario.interference_threshold_dbm"):
        PaperCConfig(grid_i_th_dbm=[10.0])
    with pytest.raises(ValueError, match="binding_tolerance must be in"):
        PaperCConfig(binding_tolerance=0.0)
    with pytest.raises(ValueError, match="coverage_grid_points must be >= 2"):
        PaperCConfig(coverage_grid_points=1)
    with pytest.raises(ValueError, match="scenario.p_max_w"):           # every physical field is a key
        PaperCConfig(scenario=ScenarioCConfig(p_max_w=-0.1))


def test_hydra_entry_point_rejects_unknown_keys(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "experiments.paper_c.figures", f"hydra.run.dir={tmp_path}",
                           "+num_drop=3"], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "unknown config key num_drop: did you mean num_drops?" in proc.stderr

"""The passes app (experiments.passes) at a tiny size, in-process: a short pass and a two-satellite
Walker shell, every output written, the numbers consistent with the geometry; bad overrides named."""

from __future__ import annotations

import csv
from pathlib import Path

import jax
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ["step_s=150", "walker_total=2", "walker_planes=1", "walker_phasing=0", "walker_window_s=120", "walker_step_s=60",
        "algorithm1=false", "uplink={num_users: 2, num_aps: 2, n_v: 2, n_h: 2, tau_p: 2}",
        "downlink={n_v: 2, n_h: 2, num_users: 2, num_paths: 2}"]


def _config(overrides):
    from hydra import compose, initialize_config_dir

    import experiments.passes  # noqa: F401  (registers the schema)
    from experiments.common import load_config

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return load_config(compose(config_name="passes", overrides=overrides))


def test_passes_app_tiny(tmp_path):
    from experiments import passes as app

    cfg = _config(TINY)
    with jax.enable_x64(True):
        out = app.run(cfg)
    summary = app.summarize(out)
    files = app.write_outputs(out, summary, tmp_path, cfg.environment)
    assert {f.name for f in files} >= {"passes.csv", "summary.json", "pass_geometry.png", "pass_systems.png",
                                       "walker_geometry.png", "walker_systems.png"}
    rows = list(csv.DictReader(open(tmp_path / "passes.csv")))
    single = [r for r in rows if r["geometry"] == "pass"]
    assert [float(r["t_s"]) for r in single] == [0.0, 150.0, 300.0, 450.0, 600.0]
    visible = [r for r in single if int(r["serving"]) >= 0]
    assert len(visible) == 3 and summary["pass"]["visible_steps"] == 3
    el = np.array([float(r["elevation_deg"]) for r in visible])
    mbps = np.array([float(r["a_space_ground_mbps"]) for r in visible])
    ee = np.array([float(r["b_dinkelbach_ee_mbit_per_j"]) for r in visible])
    assert int(np.argmax(el)) == 1 and 10.0 < el.min() < el.max() < 90.0
    assert np.all(np.isfinite(mbps)) and np.all(np.isfinite(ee)) and np.all(ee > 0)
    ground = float(visible[0]["a_ground_mbps"])
    assert np.all(mbps > ground)                            # the satellite adds throughput at every visible step
    assert len([r for r in rows if r["geometry"] == "walker"]) == 2


@pytest.mark.parametrize("override, match", [("step_s=0", "step_s"), ("min_elevation_deg=95", "min_elevation_deg"),
                                             ("carrier_ghz=10", "carrier_ghz"), ("environment=jungle", "environment")])
def test_bad_overrides_are_named(override, match):
    with pytest.raises(ValueError, match=match):
        _config([override])                                   # refused when the config is loaded

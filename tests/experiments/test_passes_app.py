"""The passes app (experiments.passes) at a tiny size, in-process: a short pass and a two-satellite
Walker shell, every output written, the numbers consistent with the geometry; a trained-run
directory (an untrained SHGNN saved in the main job's run format) applied zero-shot beside
Algorithm 1, runs of another model or size refused naming the key; bad overrides named."""

from __future__ import annotations

import csv
from pathlib import Path

import jax
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ["step_s=150", "walker_total=2", "walker_planes=1", "walker_phasing=0", "walker_window_s=120", "walker_step_s=60",
        "algorithm1=false", "uplink={num_users: 2, num_aps: 2, n_v: 2, n_h: 2, tau_p: 2}",
        "downlink={n_v: 2, n_h: 2, num_users: 2, num_paths: 2}", "algorithm3=false", "uav_baseline=initial_point"]
#: The main job's overrides of a system-A run at the sizes of TINY.
SHGNN_RUN = ["+exp=shgnn", "scenario.num_users=2", "scenario.num_aps=2", "scenario.n_v=2", "scenario.n_h=2",
             "scenario.tau_p=2"]


def _config(overrides):
    from hydra import compose, initialize_config_dir

    import experiments.passes  # noqa: F401  (registers the schema)
    from experiments.common import load_config

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return load_config(compose(config_name="passes", overrides=overrides))


def _run_dir(path: Path, overrides: list[str]) -> Path:
    """A main-job run directory (``.hydra/overrides.yaml`` + ``model.eqx``) holding the untrained
    model that ``overrides`` configure: what ``load_run`` reads."""
    import equinox as eqx
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from experiments.common import load_config
    from experiments.runner import instantiate_model

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = load_config(compose(config_name="config", overrides=overrides))
    model = instantiate_model(cfg.model, cfg.scenario.to_params(), key=jax.random.key(0))
    (path / ".hydra").mkdir(parents=True)
    OmegaConf.save(OmegaConf.create(overrides), path / ".hydra" / "overrides.yaml")
    eqx.tree_serialise_leaves(path / "model.eqx", model)
    return path


def test_passes_app_tiny(tmp_path, caplog):
    from experiments import passes as app

    cfg = _config(TINY)
    with jax.enable_x64(True), caplog.at_level("INFO", logger="experiments.passes"):
        out = app.run(cfg)
    assert "no trained run for edge_gnn, linear_unfolding" in caplog.text and "learned rows are skipped" in caplog.text
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
    assert not any("shgnn" in h for h in rows[0]) and "ratio_to_reference" not in summary["pass"]
    # system C: every step (finite also without a satellite), I_th follows the signal (the zenith's at most)
    eta = np.array([float(r["c_initial_point_bit_per_hz"]) for r in single])
    threshold = np.array([float(r["c_threshold_dbm"]) for r in visible])
    assert np.all(np.isfinite(eta)) and np.all(eta[[0, 4]] >= eta[1:4].max())     # no satellite: no limit
    assert int(np.argmax(threshold)) == 1 and threshold.max() < cfg.uav.get("interference_threshold_dbm", -120.0)
    assert np.isnan(float(single[0]["c_threshold_dbm"]))


def test_trained_run_applied_zero_shot_beside_algorithm1(tmp_path, caplog):
    from experiments import passes as app

    run = _run_dir(tmp_path / "shgnn_run", SHGNN_RUN)
    cfg = _config([*TINY, "walker_total=0", "dinkelbach=false", "uav_baseline=", "algorithm1=true", f"models.shgnn={run}"])
    with jax.enable_x64(True), caplog.at_level("INFO", logger="experiments.passes"):
        out = app.run(cfg)
    assert "models.shgnn: SHGNN" in caplog.text and "applied zero-shot" in caplog.text
    summary = app.summarize(out)
    app.write_outputs(out, summary, tmp_path, cfg.environment)
    rows = [r for r in csv.DictReader(open(tmp_path / "passes.csv")) if int(r["serving"]) >= 0]
    learned = np.array([float(r["a_shgnn_mbps"]) for r in rows])
    algorithm1 = np.array([float(r["a_algorithm1_mbps"]) for r in rows])
    assert len(rows) == 3 and np.all(np.isfinite(learned)) and np.all(learned > 0)
    ratio = summary["pass"]["ratio_to_reference"]["a_shgnn_mbps"]
    assert ratio["reference"] == "a_algorithm1_mbps"
    np.testing.assert_allclose([ratio["min"], ratio["mean"]], [np.min(learned / algorithm1), np.mean(learned / algorithm1)])


def test_mismatched_models_are_refused(tmp_path):
    from experiments import passes as app

    run = _run_dir(tmp_path / "shgnn_run", SHGNN_RUN)
    with jax.enable_x64(True):
        with pytest.raises(ValueError, match=r"models\.edge_gnn=.*SHGNN, not EdgeGNN"):
            app.run(_config([*TINY, f"models.edge_gnn={run}"]))
        with pytest.raises(ValueError, match=r"models\.shgnn=.*num_users = 2 \(run\) vs 3 \(pass\)"):
            app.run(_config([*TINY, "uplink={num_users: 3, num_aps: 2, n_v: 2, n_h: 2, tau_p: 2}", f"models.shgnn={run}"]))
    with pytest.raises(ValueError, match=r"models\.shgnn=.*overrides\.yaml not found.*\+exp=shgnn"):
        app.run(_config([*TINY, f"models.shgnn={tmp_path}"]))


def test_drops_average_the_columns_and_the_first_drop_is_the_single_drop_run():
    """drops=2: each metric column (system B's Dinkelbach-WMMSE, A's ground-only throughput) is the
    mean of drop 0 (the seed's key: what drops=1 computes, the library's call with that key) and
    drop 1 (fold_in(fold_in(key, DROPS_TAG), 1)); the summary records the drops."""
    import satjax
    from experiments import passes as app
    from satjax import passes
    from satjax.uplink import PowerControlTask

    overrides = [*TINY, "walker_total=0", "uav_baseline=", "algorithm3=false"]
    with jax.enable_x64(True):
        two = app.run(_config([*overrides, "drops=2"]))["pass"]
        cfg = _config(overrides)
        key = jax.random.key(cfg.seed)
        keys = (key, jax.random.fold_in(jax.random.fold_in(key, app.DROPS_TAG), 1))
        system = satjax.get_system("downlink")
        params = system.params(altitude_m=cfg.altitude_km * 1e3, **cfg.downlink)
        policy = system.policy("dinkelbach_wmmse")
        ee_of = jax.jit(lambda k: passes.metric_over_pass(system, policy, k, params, two["geometry"]))
        ground = PowerControlTask(satjax.get_system("uplink").params(**cfg.uplink), link="ground")
        full = satjax.get_system("uplink").policy("full_power")
        ground_of = jax.jit(lambda k: ground.score(full, ground.sample(k), k)["sum_mbps"])
        ee, a_ground = [np.asarray(ee_of(k)) for k in keys], [float(ground_of(k)) for k in keys]
    column = "b_dinkelbach_ee_mbit_per_j"
    visible = np.asarray(two["geometry"].serving) >= 0
    assert np.all(np.abs(ee[1][visible] / ee[0][visible] - 1) > 1e-3) and abs(a_ground[1] / a_ground[0] - 1) > 1e-3
    np.testing.assert_allclose(two[column], (ee[0] + ee[1]) / 2, rtol=1e-9)
    np.testing.assert_allclose(two["a_ground_mbps"], np.mean(a_ground), rtol=1e-9)
    assert app.summarize({"pass": two}, 2)["pass"]["drops"] == 2


def test_a_visible_step_that_is_not_finite_is_logged(monkeypatch, caplog):
    import jax.numpy as jnp

    from experiments import passes as app
    from satjax import passes

    from satjax.uplink import PowerControlTask

    monkeypatch.setattr(passes, "metric_over_pass", lambda system, policy, key, params, geometry, step_options=None:
                        jnp.full(geometry.t_s.shape, jnp.nan))
    monkeypatch.setattr(PowerControlTask, "score", lambda self, policy, example, key: {"sum_mbps": jnp.nan})
    with jax.enable_x64(True), caplog.at_level("WARNING", logger="experiments.passes"):
        app.run(_config([*TINY, "walker_total=0", "uav_baseline=", "algorithm3=false"]))
    assert "b_dinkelbach_ee_mbit_per_j over pass: not finite at 3 visible step(s)" in caplog.text
    assert "a_ground_mbps: not finite" in caplog.text


@pytest.mark.parametrize("override, match", [("step_s=0", "step_s"), ("min_elevation_deg=95", "min_elevation_deg"),
                                             ("drops=0", "drops"),
                                             ("carrier_ghz=10", "carrier_ghz"), ("environment=jungle", "environment"),
                                             ("uav_threshold=loose", "uav_threshold"), ("uav_baseline=scheme9", "uav_baseline"),
                                             ("+models.resnet=/tmp", "models.resnet"),
                                             ("models.shgnn=/no/such/run", "models.shgnn")])
def test_bad_overrides_are_named(override, match):
    with pytest.raises(ValueError, match=match):
        _config([override])                                   # refused when the config is loaded

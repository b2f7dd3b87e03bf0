"""The main job: ``python -m experiments.train +exp=shgnn`` end to end (smoke preset), config
validation with clear errors, and data parallelism (1 device == 4 forced host devices)."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from experiments import schema  # noqa: F401  (registers the schemas)

ROOT = Path(__file__).resolve().parents[2]
CONF = str(ROOT / "conf")


# The smoke runs compile far longer than they compute: LLVM's backend optimizations off (as in
# tests/examples) took the paper-B sweep from 99 to 63 s of CPU; the checks are the same.
FAST_COMPILE = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()


def _run(args, cwd=ROOT, env_extra=None, timeout=900):
    env = dict(os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS=FAST_COMPILE) | (env_extra or {})
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _compose(overrides):
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        return compose(config_name="config", overrides=overrides)


def test_smoke_run_writes_everything_and_resumes(tmp_path):
    # the run, then its continuation in a fresh process (as after a pre-emption: nothing but the run
    # directory carries over), both from the command line; the run checked on its copy made between
    first_dir, run_dir = tmp_path / "first", tmp_path / "run"
    [(code, err)] = _cli_cases([["+exp=shgnn", "trainer=smoke", f"hydra.run.dir={run_dir}"],
                                {"copy": [str(run_dir), str(first_dir)]}], timeout=900)
    # continue the same run to 9 steps: resumes from step 6, logs steps 7..9 only
    [(resumed_code, resumed_err)] = _cli_cases([["+exp=shgnn", "trainer=smoke", "trainer.num_steps=9",
                                                 "trainer.resume=true", f"hydra.run.dir={run_dir}"]], timeout=900)
    assert code == 0, err[-3000:]
    assert resumed_code == 0, resumed_err[-3000:]
    for name in ("metrics.csv", "metrics.jsonl", "model.eqx", "results.json", "results.csv", "results.md",
                 "training.png", "table1.png"):
        assert (first_dir / name).is_file(), name
    assert sorted(int(p.name) for p in (first_dir / "checkpoints").iterdir() if p.name.isdigit()) == [3, 6]
    results = json.loads((first_dir / "results.json").read_text())
    assert [r["K"] for r in results["table1"]] == [10]       # a model trained at K = 30, tested at K = 10
    for r in results["table1"]:
        assert r["algorithm1_mbps"] >= r["full_power_mbps"] * (1 - 1e-6)
        assert r["gnn_stable_batched_ms"] > 0 and r["algorithm1_single_ms"] > 0
    rows = (first_dir / "metrics.csv").read_text().splitlines()
    assert len(rows) == 1 + 6
    steps = [json.loads(x)["step"] for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 10))
    assert json.loads((run_dir / "results.json").read_text())["training"]["resumed_from"] == 6
    # a resume with another model size is refused before any work, naming the key; the run is untouched
    # (the job's own check, called in-process: the command line's error path is
    # test_type_errors_and_unknown_experiment_from_the_command_line's)
    from experiments.common import load_config
    from experiments.train import run

    before = _run_files(run_dir)
    cfg = load_config(_compose(["+exp=shgnn", "trainer=smoke", "trainer.num_steps=12", "trainer.resume=true",
                                "model.hidden=32"]))
    with pytest.raises(ValueError, match="resume refused") as refused:
        run(cfg, run_dir)
    assert "model.hidden: 64 -> 32" in str(refused.value) and "hydra.run.dir=<a new directory>" in str(refused.value)
    assert _run_files(run_dir) == before
    # so is a fresh run into that directory
    with pytest.raises(ValueError, match="already holds a run; set trainer.resume=true"):
        run(load_config(_compose(["+exp=shgnn", "trainer=smoke"])), run_dir)
    assert _run_files(run_dir) == before


def _run_files(run_dir):
    """The files of a run with their bytes, but Hydra's own (``.hydra/``, the job log), which Hydra
    rewrites on every call before the job starts."""
    return {p.relative_to(run_dir): p.read_bytes() for p in sorted(run_dir.rglob("*"))
            if p.is_file() and ".hydra" not in p.parts and p.suffix != ".log"}


@pytest.mark.parametrize("override, match", [
    ("trainer.lr=-1", "trainer.lr must be a finite number > 0"),
    ("trainer.batch_size=0", "trainer.batch_size must be an integer >= 1, got 0"),
    ("trainer.utility=max_sum", "trainer.utility must be one of"),
    ("trainer.metrics=[csv,parquet]", "trainer.metrics entries must be in"),
    ("trainer.checkpoint_every=0", "trainer.checkpoint_every must be an integer >= 1"),
    ("seed=-1", "seed must be an integer >= 0"),
    ("model.num_layers=0", "model.num_layers must be an integer >= 1"),
    ("model.hidden=0", "model.hidden must be an integer >= 1"),
    ("model.sat_features=full", "model.sat_features must be one of"),
    ("model._target_=os.system", "model._target_ must name a class in"),
    ("model._target_=experiments.xla_env.os.system", "model._target_ must name a class defined in satjax or experiments"),
    ("model._target_=satjax.uplink.nothing_here", "model._target_: cannot import"),
    ("model._target_=satjax.units.db_to_lin", "model._target_ must name a class defined in satjax or experiments"),
    ("optimizer.name=adagrad", "optimizer.name must be one of"),
    ("optimizer.b2=1.5", r"optimizer.b2 must be in \[0, 1\)"),
    ("evaluation.k_values=[1]", "evaluation.k_values must be"),
    ("scenario.num_aps=0", "scenario.num_aps must be an integer >= 1"),
    ("scenario.rician_k_db=nan", "scenario.rician_k_db must be finite dB, got nan"),
    ("scenario.p_max_w=inf", "scenario.p_max_w must be >= 0 W, got inf"),
    ("+trainer.lrr=0.1", "unknown config key trainer.lrr: did you mean trainer.lr?"),
    ("+scenario.p_max=0.1", "unknown config key scenario.p_max: did you mean scenario.p_max_w?"),
    ("+banana=1", "unknown config key banana"),
])
def test_bad_overrides_are_named(override, match):
    from experiments.common import load_config

    cfg = _compose(["+exp=shgnn", override])
    with pytest.raises(Exception, match=match):
        load_config(cfg)


#: Runs ``python -m experiments.train ARGS`` for each ``ARGS`` of the JSON list in ``argv[1]``, one
#: after the other in this one process (``runpy``, as ``-m`` does: one Python and JAX start-up for
#: every case), each case's stderr after a ``=== case`` line and closed by ``=== exit CODE``. An
#: entry ``{"copy": [SRC, DST]}`` copies the directory ``SRC`` to ``DST`` (a run's state between cases).
CLI_CASES_SCRIPT = """
import json, runpy, shutil, sys
for args in json.loads(sys.argv[1]):
    if isinstance(args, dict):
        shutil.copytree(*args["copy"])
        continue
    sys.argv = ["-m", *args]
    print("=== case", file=sys.stderr, flush=True)
    try:
        runpy.run_module("experiments.train", run_name="__main__", alter_sys=True)
    except SystemExit as e:
        print(f"=== exit {0 if e.code is None else e.code}", file=sys.stderr, flush=True)   # exit(None) is 0
    else:
        print("=== exit 0", file=sys.stderr, flush=True)
"""


def _cli_cases(cases, timeout=120):
    """``(exit code, stderr)`` of ``python -m experiments.train`` with each argument list of
    ``cases`` (``{"copy": ...}`` entries: no result), all run in one child process
    (:data:`CLI_CASES_SCRIPT`)."""
    proc = _run(["-c", CLI_CASES_SCRIPT, json.dumps(cases)], timeout=timeout)
    parts = proc.stderr.split("=== case\n")[1:]
    assert proc.returncode == 0 and len(parts) == sum(isinstance(c, list) for c in cases), proc.stderr[-3000:]
    out = []
    for part in parts:
        text, _, code = part.rpartition("=== exit ")
        out.append((int(code.strip()) if code.strip().isdigit() else code.strip(), text))
    return out


def test_type_errors_and_unknown_experiment_from_the_command_line(tmp_path):
    (nope, many, lr, lrr) = _cli_cases([
        ["+exp=nope", f"hydra.run.dir={tmp_path}"],
        ["+exp=shgnn", "trainer.num_steps=many", f"hydra.run.dir={tmp_path}"],
        ["+exp=shgnn", "trainer.lr=-1", f"hydra.run.dir={tmp_path / 'bad'}"],
        ["+exp=shgnn", "+trainer.lrr=0.1", f"hydra.run.dir={tmp_path / 'bad'}"]])
    assert nope[0] not in (0, None) and "Could not find 'exp/nope'" in nope[1]
    for name in ("shgnn", "edge_gnn", "unfolded_wmmse"):              # Hydra lists the available options
        assert name in nope[1], name
    assert many[0] not in (0, None) and "trainer.num_steps" in many[1]
    assert lr[0] not in (0, None) and "trainer.lr must be a finite number > 0" in lr[1]
    assert lrr[0] not in (0, None) and "did you mean trainer.lr?" in lrr[1]
    assert not (tmp_path / "bad").exists()                         # a run that failed validation leaves nothing behind


def test_multirun_through_the_submitit_launcher_trains_gnn_robust_in_every_job(tmp_path):
    """``-m`` with hydra-submitit-launcher's local launcher (the path of ``hydra/launcher=slurm``:
    each job a process of its own, its config shipped by pickle) runs one job per seed; with
    ``evaluation.robust=true`` each job also trains GNN-Robust, one model per test size (paper A,
    Table I). (The composed config's classes must unpickle to the schema's own: before they were
    bound to their module names, every submitit job failed the schema's ``isinstance`` check.)"""
    proc = _run(["-m", "experiments.train", "-m", "+exp=shgnn", "trainer=smoke", "trainer.num_steps=2",
                 "trainer.checkpoint_every=2", "evaluation.num_drops=2", "evaluation.robust=true", "seed=0,1",
                 "scenario.num_aps=12", "scenario.n_v=2", "model.hidden=8", "model.num_layers=1",
                 "hydra/launcher=submitit_local", f"hydra.sweep.dir={tmp_path}"], timeout=2 * 900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = sorted(p for p in tmp_path.iterdir() if (p / "results.json").is_file())
    assert len(runs) == 2
    first, second = (json.loads((p / "metrics.jsonl").read_text().splitlines()[0]) for p in runs)
    assert first["loss"] != second["loss"]                          # different seeds, different drops
    for run_dir in runs:
        assert (run_dir / "robust_K10" / "model.eqx").is_file()
        row = json.loads((run_dir / "results.json").read_text())["table1"][0]
        assert row["K"] == 10 and row["gnn_robust_mbps"] > 0 and "gnn_robust_vs_algorithm1" in row
        assert "GNN-Robust" in (run_dir / "results.md").read_text()


def test_default_experiment_config():
    cfg = OmegaConf.to_object(_compose(["+exp=shgnn"]))
    assert cfg.scenario.num_users == 30 and cfg.scenario.tau_p == 15
    assert cfg.model._target_ == "satjax.uplink.SHGNN" and cfg.evaluation.k_values == [20, 30, 40, 50]
    smoke = OmegaConf.to_object(_compose(["+exp=shgnn", "trainer=smoke"]))
    assert smoke.trainer.num_steps < 20 and smoke.evaluation.num_drops < 10


DEVICES_SCRIPT = """
import sys, numpy as np
from experiments.xla_env import configure_xla_cpu
configure_xla_cpu()
import jax, equinox as eqx, optax
from satjax.uplink import SHGNN
from satjax.train import Evaluator, TrainSettings, fit
from satjax.uplink import PowerControlTask, UplinkParams
task = PowerControlTask(UplinkParams(num_aps=8, num_users=6, tau_p=3, n_v=2, n_h=2, area_side_m=1000.0))
model = SHGNN(4, hidden=16, num_layers=2, key=jax.random.key(0))
ev = Evaluator(task, jax.random.key(1), 8)
res = fit(model, optax.adam(1e-2), task, TrainSettings(num_steps=5, batch_size=8, eval_every=5, checkpoint_every=5,
          progress=False), sys.argv[1], evaluator=ev)
leaves = [np.asarray(x) for x in jax.tree.leaves(eqx.filter(res.model, eqx.is_array))]
np.savez(sys.argv[2], n=jax.device_count(), loss=[r["loss"] for r in res.history], *leaves)
"""


def test_one_device_equals_four_devices(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(DEVICES_SCRIPT)
    out = {}
    for n in (1, 4):
        flags = f"{FAST_COMPILE} --xla_force_host_platform_device_count={n}"    # keeps the suite's fast-compile flag
        proc = _run([str(script), str(tmp_path / f"run{n}"), str(tmp_path / f"out{n}.npz")], env_extra={
            "XLA_FLAGS": flags, "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 0, proc.stderr[-3000:]
        out[n] = np.load(tmp_path / f"out{n}.npz")
    assert int(out[1]["n"]) == 1 and int(out[4]["n"]) == 4
    np.testing.assert_allclose(out[4]["loss"], out[1]["loss"], rtol=1e-5)
    names = [k for k in out[1].files if k.startswith("arr_")]
    assert names
    for k in names:
        np.testing.assert_allclose(out[4][k], out[1][k], rtol=1e-4, atol=1e-6)


def test_trainer_config_maps_onto_library_settings():
    cfg = OmegaConf.to_object(_compose(["+exp=shgnn", "trainer.num_steps=7", "trainer.resume=true", "seed=5"]))
    s = cfg.trainer.settings(cfg.seed)
    assert (s.num_steps, s.resume, s.seed, s.batch_size, s.metrics) == (7, True, 5, cfg.trainer.batch_size, ("csv", "jsonl"))


PRECODERS = ["edge_gnn", "unfolded_wmmse", "linear_unfolding"]
TINY_B = ["scenario.n_h=4", "scenario.n_v=4", "scenario.num_users=4"]


def test_system_b_precoder_experiments_run_end_to_end(tmp_path):
    """The same main job trains paper B's precoders (smoke preset; one ``-m`` sweep over the three
    experiments, one job each in one process, so the reference methods compile once): metrics,
    checkpoints, model, results against Dinkelbach-WMMSE, the Fig. 10 histogram. Trained and
    tested at N_t = 16, K = 4 (not Table I's 64 x 10: the same programs, less to compute)."""
    proc = _run(["-m", "experiments.train", "-m", f"+exp={','.join(PRECODERS)}", "trainer=smoke", "evaluation.num_drops=6",
                 *TINY_B, f"hydra.sweep.dir={tmp_path}"], timeout=len(PRECODERS) * 900)   # three jobs in one process
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = {p: OmegaConf.load(p / ".hydra" / "overrides.yaml") for p in tmp_path.iterdir() if (p / ".hydra").is_dir()}
    run_dirs = {exp: [p for p, overrides in jobs.items() if f"+exp={exp}" in overrides] for exp in PRECODERS}
    assert all(len(dirs) == 1 for dirs in run_dirs.values()) and len(jobs) == len(PRECODERS), run_dirs
    for exp, (run_dir,) in run_dirs.items():
        for name in ("metrics.csv", "model.eqx", "results.json", "results.md", "training.png", "fig10_histogram.png",
                     "fig10_ee_per_channel.csv"):
            assert (run_dir / name).is_file(), (exp, name)
        results = json.loads((run_dir / "results.json").read_text())
        methods = results["test_set"]["methods"]
        assert set(methods) == {"model", "dinkelbach_wmmse", "wmmse", "statistical_mrt", "statistical_mmse"}
        assert methods["dinkelbach_wmmse"]["vs_dinkelbach"] == 1.0
        assert methods["dinkelbach_wmmse"]["mean"] >= methods["statistical_mrt"]["mean"]
        assert results["runtime_per_channel"]["model"]["batched_ms"] > 0
        rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
        assert [r["step"] for r in rows] == list(range(1, 7)) and "eval_ee_mbit_per_j_vs_reference" in rows[-1], exp
    # the trained deep unfolding reloads from its run: EE vs N_t and vs layers (the figure app, in-process)
    from experiments.paper_b.generalization import main as generalization

    (run_dir,) = run_dirs["unfolded_wmmse"]
    out = tmp_path / "generalization"
    generalization([str(out), str(run_dir), "--drops", "2", "--sides", "2", "3", "--layers", "1", "2",
                    "--elevations", "30", "90"])
    nt = list(csv.DictReader(open(out / "ee_vs_nt.csv")))
    assert [int(r["N_t"]) for r in nt] == [4, 9] and all(0 < float(r["ratio"]) <= 1.05 for r in nt)
    layers = list(csv.DictReader(open(out / "ee_vs_layers.csv")))
    assert [r["variant"] for r in layers] == ["untrained (Newton-Schulz)"] * 2 + ["trained"]
    assert (out / "ee_vs_nt.png").is_file() and (out / "ee_vs_layers.png").is_file()
    elevation = list(csv.DictReader(open(out / "ee_vs_elevation.csv")))
    assert [float(r["elevation_deg"]) for r in elevation] == [30.0, 90.0] and (out / "ee_vs_elevation.png").is_file()
    ee = {float(r["elevation_deg"]): float(r["dinkelbach"]) for r in elevation}
    assert 0 < ee[30.0] < ee[90.0] and all(0 < float(r["ratio"]) <= 1.05 for r in elevation)   # farther: weaker
    from experiments.paper_b.energy_efficiency import load_learned     # the figure app's loader

    learned = load_learned([run_dir])
    assert list(learned) == ["deep_unfolding"] and (learned["deep_unfolding"].nt, learned["deep_unfolding"].k) == (16, 4)
    assert not learned["deep_unfolding"].size_specific


TINY_C = ["scenario.num_groups=2", "scenario.users_per_group=2", "scenario.num_uavs=2", "scenario.num_subchannels=3",
          "scenario.num_sat_users=2", "evaluation.num_drops=4", "evaluation.k_values=[3]", "evaluation.zero_shot_drops=2",
          "evaluation.timing_drops=4", "evaluation.baselines=[initial_point,scheme3]", "evaluation.algorithm3_max_iters=3"]


def test_system_c_learned_policy_runs_end_to_end(tmp_path):
    """The same main job trains system C's learned allocation (smoke preset, tiny scenario):
    metrics, checkpoints, model, every method feasible on the test set, Algorithm 3 the reference,
    the zero-shot row."""
    run_dir = tmp_path / "uav_gnn"
    proc = _run(["-m", "experiments.train", "+exp=uav_gnn", "trainer=smoke", *TINY_C, f"hydra.run.dir={run_dir}"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("metrics.csv", "metrics.jsonl", "model.eqx", "results.json", "results.md", "results.csv",
                 "per_drop.csv", "training.png"):
        assert (run_dir / name).is_file(), name
    results = json.loads((run_dir / "results.json").read_text())
    methods = results["test_set"]["methods"]
    assert set(methods) == {"model", "algorithm3", "initial_point", "scheme3"}
    assert methods["algorithm3"]["vs_algorithm3"] == 1.0
    assert methods["algorithm3"]["overall_mean"] >= methods["initial_point"]["overall_mean"]
    assert all(m["max_violation"] <= 1e-9 for m in methods.values())
    assert [z["K"] for z in results["zero_shot"]] == [3] and results["zero_shot"][0]["ratio"] > 0
    assert results["runtime_per_drop"]["model"]["batched_ms"] > 0
    rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 7)) and "eval_overall_bit_per_hz_vs_reference" in rows[-1]


@pytest.mark.parametrize("overrides, match", [
    (["+exp=uav_gnn", "model.hidden=0"], "model.hidden must be an integer >= 1"),
    (["+exp=uav_gnn", "scenario.num_uavs=0"], "scenario.num_uavs"),
    (["+exp=uav_gnn", "scenario.p_max_w=-1"], "scenario.p_max_w"),
    (["+exp=uav_gnn", "evaluation.baselines=[algorithm3]"], "evaluation.baselines entries must be in"),
    (["+exp=uav_gnn", "evaluation.algorithm3_tol=0"], "evaluation.algorithm3_tol must be > 0"),
    (["+exp=uav_gnn", "model=edge_gnn"],
     r"trains on scenarios of system 'downlink' \(paper B\), "
     r"but the scenario is one of system 'uav' \(paper C\)"),
    (["+exp=edge_gnn", "model=uav_gnn"],
     r"trains on scenarios of system 'uav' \(paper C\), "
     r"but the scenario is one of system 'downlink' \(paper B\)"),
])
def test_bad_system_c_configs_are_named(overrides, match):
    from experiments.common import load_config

    with pytest.raises(Exception, match=match):
        load_config(_compose(overrides))


@pytest.mark.parametrize("overrides, match", [
    (["+exp=edge_gnn", "model.num_layers=0"], "model.num_layers must be an integer >= 1"),
    (["+exp=edge_gnn", "model.hidden=0"], "model.hidden must be an integer >= 1"),
    (["+exp=unfolded_wmmse", "model.num_outer=-1"], "model.num_outer must be an integer >= 1"),
    (["+exp=linear_unfolding", "model.num_layers=0"], "model.num_layers must be an integer >= 1"),
    (["+exp=edge_gnn", "model._target_=satjax.downlink.Nothing"], "model._target_: cannot import"),
    (["+exp=edge_gnn", "scenario.n_h=0"], "scenario.n_h must be an integer >= 1"),
    (["+exp=edge_gnn", "evaluation.num_drops=0"], "evaluation.num_drops must be >= 1"),
    (["+exp=edge_gnn", "model=shgnn"],
     r"trains on scenarios of system 'uplink' \(paper A\), "
     r"but the scenario is one of system 'downlink' \(paper B\)"),
    (["+exp=shgnn", "model=edge_gnn"],
     r"trains on scenarios of system 'downlink' \(paper B\), "
     r"but the scenario is one of system 'uplink' \(paper A\)"),
])
def test_bad_system_b_configs_are_named(overrides, match):
    from experiments.common import load_config

    with pytest.raises(Exception, match=match):
        load_config(_compose(overrides))


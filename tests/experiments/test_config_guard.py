"""No config runs code, and every config of the main job is validated whole before any work.

One allowlist (``experiments.schema.check_config_targets``) decides what a config may name: every
door Hydra or the job would build something from is tried, in-process on the composed config and
through each command-line entry point (where Hydra would build its callbacks, launcher, sweeper
and logging before the job starts): nothing of it runs, and the error names the key.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from experiments import schema
from experiments.common import load_config

ROOT = Path(__file__).resolve().parents[2]
CONF = str(ROOT / "conf")
NOT_ALLOWED = r"must name a class in \('satjax\.', 'experiments\.'\)"


def _compose(overrides, config_name="config"):
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        return compose(config_name=config_name, overrides=overrides, return_hydra_config=True)


@pytest.mark.parametrize("overrides, match", [
    (["+hydra.callbacks.p._target_=builtins.print"], r"hydra\.callbacks\.p\._target_ " + NOT_ALLOWED),
    (["+hydra.callbacks.p._target_=builtins.open", "+hydra.callbacks.p._args_=[x,w]"], r"hydra\.callbacks\.p\._target_"),
    (["+hydra.callbacks.p._target_=builtins.open", "+hydra.callbacks.p._partial_=true"], r"hydra\.callbacks\.p\._target_"),
    (["+hydra.callbacks.p._target_=satjax.train.Checkpoints", "+hydra.callbacks.p._args_=[{_target_:builtins.open}]"],
     r"hydra\.callbacks\.p\._args_\[0\]\._target_ " + NOT_ALLOWED),
    (["+hydra.callbacks.p._target_=experiments.xla_env.os.system"],
     r"hydra\.callbacks\.p\._target_ must name a class defined in satjax or experiments"),
    (["+hydra.callbacks.p._target_=${oc.env:HOME}"], r"hydra\.callbacks\.p\._target_ must be a literal class name"),
    (["hydra.launcher._target_=builtins.print"], r"hydra\.launcher\._target_ must be one of Hydra's own"),
    (["hydra.launcher._target_=satjax.train.Checkpoints"], r"hydra\.launcher\._target_ must be one of Hydra's own"),
    (["+hydra.launcher.x._target_=builtins.open"], r"hydra\.launcher\.x\._target_ " + NOT_ALLOWED),
    (["hydra.sweeper._target_=hydra_plugins.evil.Sweeper"], r"hydra\.sweeper\._target_ must be one of Hydra's own"),
    (["+model.extra._target_=builtins.open"], r"model\.extra\._target_ " + NOT_ALLOWED),
    (["+scenario.x.y._target_=builtins.exec"], r"scenario\.x\.y\._target_ " + NOT_ALLOWED),
    (["+optimizer.x=[1,{_target_:builtins.exec}]"], r"optimizer\.x\[1\]\._target_ " + NOT_ALLOWED),
    (["+evaluation.x._target_=satjax.units.db_to_lin"], r"evaluation\.x\._target_ must name a class defined in satjax"),
    (["model._target_=os.system"], r"model\._target_ " + NOT_ALLOWED),
    (["+hydra.job_logging.handlers.evil.class=subprocess.Popen"],
     r"hydra\.job_logging\.handlers\.evil\.class must name a class in \('logging\.', 'colorlog\.'\)"),
    (["+hydra.job_logging.handlers.evil.class=logging.os.system"],
     r"hydra\.job_logging\.handlers\.evil\.class must name a class defined in logging or colorlog"),
    (["hydra.hydra_logging.handlers.console.stream=ext://antigravity"],
     r"hydra\.hydra_logging\.handlers\.console\.stream may reach only"),
])
def test_every_door_of_the_composed_config_is_refused_by_name(overrides, match):
    cfg = _compose(["+exp=shgnn", *overrides])
    with pytest.raises(ValueError, match=match):
        schema.check_config_targets(cfg)


@pytest.mark.parametrize("node, match", [
    ({"hydra": {"callbacks": {"p": "${oc.decode:'{_target_: builtins.print}'}"}}}, r"hydra\.callbacks\.p: .*oc\.decode"),
    ({"model": {"x": "${oc.create:{_target_: builtins.print}}"}}, r"model\.x: .*oc\.create"),
    ({"a": {"b": "${a}"}, "c": {"_target_": "builtins.print"}}, r"c\._target_"),     # a cycle resolves to nothing
    (OmegaConf.to_container(OmegaConf.from_dotlist(["x" + ".x" * 70 + "=1"])), "nested more than 64 levels deep"),
])
def test_nodes_built_from_strings_and_cycles_are_refused(node, match):
    with pytest.raises(ValueError, match=match):
        schema.check_config_targets(OmegaConf.create(node))


@pytest.mark.parametrize("exp", ["shgnn", "edge_gnn", "unfolded_wmmse", "linear_unfolding", "uav_gnn"])
def test_the_shipped_configs_pass_whole(exp):
    cfg = _compose([f"+exp={exp}"])
    schema.check_config_targets(cfg)                  # Hydra's own launcher, sweeper and logging included
    cfg = _compose([f"+exp={exp}"])
    OmegaConf.set_struct(cfg, False)
    del cfg["hydra"]
    load_config(cfg)


@pytest.mark.parametrize("config_name", ["throughput_cdf", "pilot_length", "power_control", "energy_efficiency", "paper_c"])
def test_the_figure_app_configs_pass(config_name):
    import experiments.paper_c.figures  # noqa: F401  (registers the paper C schema)

    schema.check_config_targets(_compose([], config_name))


def test_hydra_plugins_are_accepted_by_name_only_where_they_belong():
    slurm = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"
    schema.check_config_targets(OmegaConf.create({"hydra": {"launcher": {"_target_": slurm}}}))
    with pytest.raises(ValueError, match=r"hydra\.callbacks\.p\._target_"):
        schema.check_config_targets(OmegaConf.create({"hydra": {"callbacks": {"p": {"_target_": slurm}}}}))


# --------------------------------------------------------------------------- every entry point

APPS = {"experiments.train": ["+exp=shgnn"], "experiments.paper_a.throughput_cdf": [],
        "experiments.paper_a.pilot_length": [], "experiments.paper_a.power_control": [],
        "experiments.paper_b.energy_efficiency": [], "experiments.paper_c.figures": []}


def _run(module, overrides, tmp_path):
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    return subprocess.run([sys.executable, "-m", module, *overrides], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("module", sorted(APPS))
def test_no_entry_point_runs_a_callback_of_a_config(module, tmp_path):
    """Hydra builds callbacks before the job starts: the check runs when the config is composed."""
    planted = tmp_path / "planted"
    proc = _run(module, [*APPS[module], "+hydra.callbacks.p._target_=builtins.open", f"+hydra.callbacks.p._args_=[{planted},w]",
                         f"hydra.run.dir={tmp_path / 'run'}"], tmp_path)
    assert proc.returncode != 0
    assert "hydra.callbacks.p._target_ must name a class in ('satjax.', 'experiments.'), got 'builtins.open'" in proc.stderr
    assert not planted.exists() and not (tmp_path / "run").exists()


def test_a_search_path_cannot_import_a_package(tmp_path):
    """``hydra.searchpath=[pkg://X]`` makes Hydra import X while composing (``this`` prints the Zen
    of Python on import)."""
    proc = _run("experiments.train", ["+exp=shgnn", "hydra.searchpath=[pkg://this]", f"hydra.run.dir={tmp_path / 'run'}"],
                tmp_path)
    assert proc.returncode != 0 and "hydra.searchpath: 'pkg://this' would import a package outside" in proc.stderr
    assert "Zen of Python" not in proc.stdout + proc.stderr
    with pytest.raises(ValueError, match="hydra.searchpath"):
        schema.check_search_path("pkg://os")
    schema.check_search_path("pkg://hydra.conf")
    schema.check_search_path("file:///anywhere")


@pytest.mark.parametrize("overrides, key", [
    (["+hydra.launcher.x._target_=builtins.open", "+hydra.launcher.x._args_=[{planted},w]"], "hydra.launcher.x._target_"),
    (["hydra.sweeper._target_=builtins.open", "+hydra.sweeper._args_=[{planted},w]"], "hydra.sweeper._target_"),
    (["seed=0,1", "+model.x._target_=builtins.open", "+model.x._args_=[{planted},w]"], "model.x._target_"),
    (["+hydra.job_logging.handlers.x.class=pathlib.Path", "+hydra.job_logging.handlers.x.args=[{planted}]"],
     "hydra.job_logging.handlers.x.class"),
])
def test_no_sweep_runs_code_of_a_config(overrides, key, tmp_path):
    planted = tmp_path / "planted"
    proc = _run("experiments.train", ["-m", "+exp=shgnn", "trainer.lr=-1", *(o.format(planted=planted) for o in overrides),
                                      f"hydra.sweep.dir={tmp_path / 'sweep'}"], tmp_path)
    assert proc.returncode != 0 and f"{key} must" in proc.stderr, proc.stderr[-2000:]
    assert "trainer.lr" not in proc.stderr                       # refused before any job started
    assert not planted.exists()


# --------------------------------------------------------------------------- validated whole

@pytest.mark.parametrize("overrides, match", [
    (["+exp=uav_gnn", "scenario.num_subchannels=2"],
     r"scenario\.num_subchannels \(N = 2\) must be >= scenario\.users_per_group \(K_g = 4\) for evaluation\.baselines "
     r"\['algorithm6'\]"),
    (["+exp=uav_gnn", "model._target_=satjax.downlink.EdgeGNN"],
     r"trains on scenarios of system 'downlink' \(paper B\), "
     r"but the scenario is one of system 'uav' \(paper C\)"),
    # the edge GNN's config carries readout_hidden (Sec. V's readout), which UavGNN does not take
    (["+exp=edge_gnn", "model._target_=satjax.uav.UavGNN"],
     r"model\.readout_hidden is not a setting of satjax\.uav\.UavGNN \(it takes \['hidden', 'num_layers'\]\)"),
    (["+exp=shgnn", "model._target_=satjax.downlink.EdgeGNN"],
     r"model\.sat_features is not a setting of satjax\.downlink\.EdgeGNN \(it takes \['hidden', 'num_layers', 'readout_hidden'\]\)"),
    (["+exp=edge_gnn", "model._target_=satjax.uplink.SHGNN"], r"model\.readout_hidden is not a setting of satjax\.uplink\.SHGNN"),
    (["+exp=uav_gnn", "model._target_=satjax.train.Checkpoints"], r"model\.hidden is not a setting of satjax\.train\.Checkpoints"),
    (["+exp=shgnn", "evaluation.k_values=[20,100000]"],
     r"evaluation\.k_values: 100000 gives an invalid evaluation scenario \(scenario\.tau_p must be in \[1, tau_c\]"),
    (["+exp=shgnn", "trainer.link=nowhere"], "trainer.link must be one of"),
])
def test_late_failures_are_refused_up_front_by_name(overrides, match):
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    with pytest.raises(ValueError, match=match):
        load_config(cfg)


def test_checks_that_belong_to_another_system_do_not_apply():
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        uav = load_config(compose(config_name="config", overrides=[
            "+exp=uav_gnn", "scenario.num_subchannels=2", "evaluation.baselines=[initial_point,scheme3]"]))
        edge = load_config(compose(config_name="config", overrides=["+exp=edge_gnn", "trainer.utility=anything"]))
    assert uav.scenario_params().num_subchannels == 2          # no Algorithm 6: N < K_g is a valid drop for the rest
    assert edge.trainer.utility == "anything"                  # system A's utility means nothing to system B


def test_the_trainer_config_has_the_library_defaults():
    """One set of defaults: every TrainSettings field but the seed, with its default."""
    import dataclasses

    from satjax.train import TrainSettings

    mine = {f.name: (f.default if f.default is not dataclasses.MISSING else f.default_factory())
            for f in dataclasses.fields(schema.TrainerConfig)}
    for f in dataclasses.fields(TrainSettings):
        if f.name != "seed":
            assert mine[f.name] == (list(f.default) if isinstance(f.default, tuple) else f.default), f.name
    assert set(mine) - {f.name for f in dataclasses.fields(TrainSettings)} == {"lr", "utility", "link", "eval_drops",
                                                                              "distributed"}


@pytest.mark.parametrize("exp, trainer", [("shgnn", "default"), ("edge_gnn", "edge_gnn"), ("unfolded_wmmse", "unfolded_wmmse"),
                                          ("linear_unfolding", "linear_unfolding"), ("uav_gnn", "uav_gnn")])
def test_each_experiment_keeps_its_own_trainer_numbers(exp, trainer):
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        cfg = load_config(compose(config_name="config", overrides=[f"+exp={exp}"]))
    for key, value in OmegaConf.to_container(OmegaConf.load(ROOT / "conf" / "trainer" / f"{trainer}.yaml")).items():
        assert getattr(cfg.trainer, key) == value, key
    settings = cfg.trainer.settings(cfg.seed)
    assert (settings.num_steps, settings.batch_size) == (cfg.trainer.num_steps, cfg.trainer.batch_size)

"""The generic main job's pieces: every config system has a registered satjax system and a
report; ``compare`` scores every policy on the same set and divides means by the reference's."""

import jax
import numpy as np

import satjax
from experiments import schema
from experiments.runner import compare
from experiments.train import REPORTS
from satjax.train import Evaluator


def test_every_registered_system_has_a_scenario_config_an_evaluation_and_a_report():
    """The shell keys systems by registry name only: reports, scenario configs and evaluation
    schemas have exactly the registry's names, and each scenario config's ``TrainConfig.system``
    is its name (the paper letter stays in the class name, ``Scenario{System.paper}Config``)."""
    names = set(satjax.systems.system_names())
    assert set(REPORTS) == set(schema.SCENARIO_CONFIGS) == set(schema.EVALUATION_OF_SYSTEM) == names
    assert not hasattr(schema, "SYSTEM_NAMES") and not hasattr(schema, "SYSTEM_PACKAGES")
    for name, scenario in schema.SCENARIO_CONFIGS.items():
        system = satjax.get_system(name)
        assert scenario.__name__ == f"Scenario{system.paper}Config"
        assert type(scenario().to_params()) is system.params_class
        for model in system.models:                    # the model -> system lookup gives the name too
            assert schema.model_system(schema.MODEL_CONFIGS[model]()._target_) == name, model
    assert schema.model_system("satjax.train.Checkpoints") is None


def test_a_config_of_no_or_two_systems_is_refused_naming_the_systems():
    import pytest

    with pytest.raises(ValueError, match=r"scenario must be the scenario config of a registered system "
                                         r"\(ScenarioAConfig \(uplink\), ScenarioBConfig \(downlink\), "
                                         r"ScenarioCConfig \(uav\)\), got dict"):
        schema.TrainConfig(scenario={"num_users": 4})
    with pytest.raises(ValueError, match=r"evaluation must be PrecodingEvaluationConfig for system 'downlink' "
                                         r"\(paper B\), got EvaluationConfig"):
        schema.TrainConfig(scenario=schema.ScenarioBConfig(), model=schema.MODEL_CONFIGS["edge_gnn"](),
                           evaluation=schema.EvaluationConfig())


def test_the_config_system_is_the_registry_name():
    """``TrainConfig.system`` of each experiment is the registry name of the system it trains on."""
    from pathlib import Path

    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    conf = Path(__file__).resolve().parents[2] / "conf"
    want = {"shgnn": "uplink", "edge_gnn": "downlink", "unfolded_wmmse": "downlink", "linear_unfolding": "downlink",
            "uav_gnn": "uav"}
    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
        for exp, name in want.items():
            cfg = OmegaConf.to_object(compose(config_name="config", overrides=[f"+exp={exp}"]))
            assert cfg.system == name and cfg.satjax_system().name == name, exp
            assert isinstance(cfg.evaluation, schema.EVALUATION_OF_SYSTEM[name]) and name in REPORTS, exp


def test_compare_divides_each_mean_by_the_reference_mean():
    system = satjax.get_system("uplink")
    task = system.task(system.params(**system.tiny))
    evaluator = Evaluator(task, jax.random.key(3), 4)
    policies = {name: system.policy(name) for name in ("full_power", "random_power")}
    per, ratios = compare(policies, evaluator, system.metric.name, "full_power")
    assert set(per) == set(policies) and all(v[system.metric.name].shape == (4,) for v in per.values())
    full, rand = (np.mean(per[n][system.metric.name]) for n in ("full_power", "random_power"))
    assert ratios["full_power"] == 1.0
    assert ratios["random_power"] == float(rand) / float(full) and ratios["random_power"] != 1.0


def test_model_configs_mirror_every_registered_model():
    """One set of defaults: each learned model of each registered system has a config whose fields
    and defaults are its constructor's (but what the job gives), stored as ``<name>_schema``."""
    import dataclasses
    import inspect

    from hydra.core.config_store import ConfigStore

    models = {name: cls for system in satjax.systems.systems() for name, cls in system.models.items()}
    assert set(schema.MODEL_CONFIGS) == set(models)
    stored = ConfigStore.instance().list("model")
    for name, cls in models.items():
        config = schema.MODEL_CONFIGS[name]
        assert f"{name}_schema.yaml" in stored, name
        assert schema.resolve_target("model._target_", config()._target_) is cls
        given = {f.name: f.default for f in dataclasses.fields(config) if f.name != "_target_"}
        assert given == {n: p.default for n, p in inspect.signature(cls).parameters.items() if n not in schema.JOB_GIVEN}


def test_every_model_yaml_validates_with_its_systems_experiment():
    """Every ``conf/model/*.yaml`` builds on the schema of a registered model (``<name>_schema``)
    and composes, with an experiment of the model's system, into that model's config: the values
    the file sets, the constructor's defaults for the rest (``conf/model/<name>.yaml`` sets none)."""
    from pathlib import Path

    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    conf = Path(__file__).resolve().parents[2] / "conf"

    def composed(overrides):
        with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
            return OmegaConf.to_object(compose(config_name="config", overrides=overrides))

    exp_of_system = {composed([f"+exp={p.stem}"]).system: p.stem for p in sorted((conf / "exp").glob("*.yaml"))}
    system_of_model = {name: system.name for system in satjax.systems.systems() for name in system.models}
    files = sorted((conf / "model").glob("*.yaml"))
    assert {p.stem for p in files} >= {"shgnn", "edge_gnn", "unfolded_wmmse", "linear_unfolding", "uav_gnn"}
    for path in files:
        raw = OmegaConf.load(path)
        (model,) = [d.removesuffix("_schema") for d in raw.defaults if d.endswith("_schema")]
        assert model in schema.MODEL_CONFIGS, path.name
        own = {k: v for k, v in raw.items() if k != "defaults"}
        assert not (own and path.stem == model), f"{path.name} sets values; the schema holds the defaults"
        cfg = composed([f"+exp={exp_of_system[system_of_model[model]]}", f"model={path.stem}"])
        assert type(cfg.model) is schema.MODEL_CONFIGS[model], path.name
        assert cfg.model == schema.MODEL_CONFIGS[model](**own), path.name


def test_every_mirrored_config_class_pickles_by_reference():
    """The scenario, model and trainer configs are made at import time (``make_dataclass``); each
    is bound to its name in ``experiments.schema`` so a launcher's job process (submitit) unpickles
    the same class — plain ``pickle`` refuses a class it cannot find by name, so this fails if one
    is not."""
    import pickle

    classes = [*schema.SCENARIO_CONFIGS.values(), *schema.MODEL_CONFIGS.values(), schema.TrainerConfig]
    for cls in classes:
        assert cls.__module__ == "experiments.schema" and pickle.loads(pickle.dumps(cls)) is cls, cls
    cfg = schema.TrainConfig()
    assert type(pickle.loads(pickle.dumps(cfg)).scenario) is schema.SCENARIO_CONFIGS["uplink"]

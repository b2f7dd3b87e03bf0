"""The generic main job's pieces: every config system has a registered satjax system and a
report; ``compare`` scores every policy on the same set and divides means by the reference's."""

import jax
import numpy as np

import satjax
from experiments import schema
from experiments.runner import compare
from experiments.train import REPORTS
from satjax.train import Evaluator


def test_every_config_system_has_a_registered_system_and_a_report():
    assert set(REPORTS) == set(schema.SYSTEM_NAMES) == set(schema.SYSTEM_PACKAGES)
    for letter, name in schema.SYSTEM_NAMES.items():
        system = satjax.get_system(name)
        assert system.paper == letter and schema.SYSTEM_PACKAGES[letter] == satjax.systems.REGISTRY[name]


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

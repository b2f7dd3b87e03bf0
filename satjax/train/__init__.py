"""The model-agnostic trainer of satjax.

* ``fit`` — on-the-fly examples from a ``Task``, a jitted data-parallel step over a 1-D
  ``data`` mesh, Orbax checkpoints with exact resume, metrics appended to CSV/JSONL, a progress bar;
* ``Evaluator`` — a fixed, seeded evaluation set scoring any policy;
* ``run.json`` — the record of a run (``satjax.train.record``): a resume of another model, task
  or settings is refused (``ResumeMismatchError``), never written over the earlier run;
* ``Task`` — the protocol a system's task implements (``satjax.uplink.PowerControlTask``,
  ``satjax.downlink.PrecodingTask``).

The library never imports Hydra; ``experiments/train.py`` is the configured entry point.
"""

from satjax.train.checkpoints import Checkpoints
from satjax.train.metrics import METRIC_FORMATS, MetricsLog
from satjax.train.record import ResumeMismatchError, check_resume, read_record
from satjax.train.task import Task
from satjax.train.trainer import (
    Evaluator,
    NonFiniteLossError,
    TrainResult,
    TrainSettings,
    ZeroGradientWarning,
    data_mesh,
    example_keys,
    fit,
    make_train_step,
)

__all__ = [
    "fit",
    "TrainSettings",
    "TrainResult",
    "Evaluator",
    "Task",
    "make_train_step",
    "NonFiniteLossError",
    "ZeroGradientWarning",
    "ResumeMismatchError",
    "check_resume",
    "read_record",
    "METRIC_FORMATS",
    "Checkpoints",
    "MetricsLog",
    "data_mesh",
    "example_keys",
]

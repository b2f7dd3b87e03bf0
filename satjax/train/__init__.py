"""The model-agnostic trainer of satjax.

* :func:`fit` — on-the-fly examples from a :class:`Task`, a jitted data-parallel step over a 1-D
  ``data`` mesh, Orbax checkpoints with exact resume, metrics appended to CSV/JSONL, a progress bar;
* :class:`Evaluator` — a fixed, seeded evaluation set scoring any policy;
* :class:`PowerControlTask` — paper A's unsupervised power control (loss (51) = -utility).

The library never imports Hydra; ``experiments/train.py`` is the configured entry point.
"""

from satjax.train.checkpoints import Checkpoints
from satjax.train.metrics import METRIC_FORMATS, MetricsLog
from satjax.train.task import PowerControlExample, PowerControlTask, Task
from satjax.train.trainer import Evaluator, TrainResult, TrainSettings, data_mesh, example_keys, fit

__all__ = [
    "METRIC_FORMATS",
    "Checkpoints",
    "Evaluator",
    "MetricsLog",
    "PowerControlExample",
    "PowerControlTask",
    "Task",
    "TrainResult",
    "TrainSettings",
    "data_mesh",
    "example_keys",
    "fit",
]

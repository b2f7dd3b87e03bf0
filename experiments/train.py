"""The main job of satjax: train a learned policy end to end through the physics and compare it
with its system's reference method.

* ``python -m experiments.train +exp=shgnn`` — SHGNN (paper A, Sec. V), Table I against
  Algorithm 1 (overrides e.g. ``trainer.lr=1e-3``, ``model.sat_features=raw``, ``trainer=smoke``,
  ``evaluation.robust=true``; sweeps with ``-m``; :mod:`experiments.paper_a.learned`);
* ``+exp=edge_gnn``, ``+exp=unfolded_wmmse``, ``+exp=linear_unfolding`` — paper B's precoders,
  against Dinkelbach-WMMSE (:mod:`experiments.paper_b.learned`);
* ``+exp=uav_gnn`` — system C's learned powers and hovering times (beyond paper C), against
  Algorithm 3 (:mod:`experiments.paper_c.learned`).

One job for every system (:func:`experiments.runner.run_learned`, given the config's
:class:`satjax.systems.System`); the paper's report, picked from :data:`REPORTS` by the config's
system's registry name (``TrainConfig.system``: ``uplink``, ``downlink``, ``uav``), adds its
tables. Everything of a run lands in its Hydra run directory:

* ``metrics.csv`` / ``metrics.jsonl`` — appended while training (loss, gradient norm, learning
  rate, examples/s, evaluation metrics and their ratio to the reference method);
* ``checkpoints/`` — Orbax; ``trainer.resume=true hydra.run.dir=<that directory>`` continues;
* ``model.eqx`` — the trained parameters (``equinox.tree_serialise_leaves``, no pickle);
* ``results.json`` / ``results.csv`` / ``results.md`` — the report's tables (paper A: Table I,
  sum throughput and runtime per K for GNN-Stable, GNN-Robust with ``evaluation.robust=true``,
  Algorithm 1, full and random power);
* ``training.png`` and the report's figures (paper A: ``table1.png``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from omegaconf import DictConfig

from experiments import schema
from experiments.common import hydra_app, load_config, output_dir, set_precision
from experiments.paper_a.learned import REPORT as PAPER_A
from experiments.paper_b.learned import REPORT as PAPER_B
from experiments.paper_c.learned import REPORT as PAPER_C
from experiments.runner import Report, check_run_dir, initialize_distributed, run_learned
from experiments.xla_env import configure_entry_point

#: The report of each system, by registry name (``TrainConfig.system``; ``satjax.systems.REGISTRY``).
REPORTS: dict[str, Report] = {"uplink": PAPER_A, "downlink": PAPER_B, "uav": PAPER_C}


def run(cfg: schema.TrainConfig, run_dir: Path, *, callbacks=()) -> dict:
    """Train, evaluate and write every output into ``run_dir``; returns the results dict. The
    config's system picks the report (paper A's Table I, paper B's precoders, system C's policy)."""
    set_precision(cfg.x64)
    logging.getLogger("absl").setLevel(logging.WARNING)      # Orbax logs every save step at INFO
    run_dir.mkdir(parents=True, exist_ok=True)
    check_run_dir(cfg, run_dir)
    if cfg.trainer.distributed:
        initialize_distributed()
    return run_learned(cfg, run_dir, cfg.satjax_system(), REPORTS[cfg.system], callbacks=callbacks)


@hydra_app(config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    configure_entry_point()
    run(load_config(cfg), output_dir())


if __name__ == "__main__":
    main()

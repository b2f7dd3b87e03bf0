"""Load the trained model of a main-job run directory and use it as a policy.

A run of ``python -m experiments.train +exp=shgnn`` leaves ``model.eqx`` (the final parameters,
``equinox.tree_serialise_leaves``) and ``.hydra/config.yaml`` (the resolved configuration). The
configuration rebuilds an untrained model of the same structure, which the file then fills; the
result is an ordinary satjax policy, ``model(scenario, key) -> powers``, scored here at another
number of users against Algorithm 1 and full power.

    python -m examples.checkpoint_policy outputs/train/<date>/<time> out/ckpt [--users 20] [--tiny]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import equinox as eqx
import jax

from examples._util import start, write_json


def load_shgnn(run_dir: Path):
    """``(UplinkParams of the training scenario, trained SHGNN)`` of a main-job run directory."""
    from omegaconf import OmegaConf

    from satjax.uplink import SHGNN
    from satjax.uplink import UplinkParams

    config, weights = run_dir / ".hydra" / "config.yaml", run_dir / "model.eqx"
    for path in (config, weights):
        if not path.is_file():
            raise ValueError(f"run_dir: {path} not found; pass the directory of a finished "
                             "`python -m experiments.train +exp=shgnn` run")
    cfg = OmegaConf.to_container(OmegaConf.load(config))
    model_cfg = dict(cfg["model"])
    if model_cfg.pop("_target_") != "satjax.uplink.SHGNN":
        raise ValueError(f"run_dir: {run_dir} trained {cfg['model']['_target_']}, not satjax.uplink.SHGNN")
    params = UplinkParams(**cfg["scenario"])
    skeleton = SHGNN(params.n_v * params.n_h, **model_cfg, key=jax.random.key(0))   # values replaced below
    return params, eqx.tree_deserialise_leaves(weights, skeleton)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("run_dir", type=Path, help="a finished main-job run directory (+exp=shgnn)")
    p.add_argument("out", type=Path, help="output folder")
    p.add_argument("--users", type=int, default=20, help="number of users K of the test drops (tau_p = K/2)")
    p.add_argument("--tiny", action="store_true", help="8 test drops instead of 256")
    args = p.parse_args(argv)
    if args.users < 2:
        raise ValueError(f"--users must be >= 2, got {args.users}")
    out = start(args)
    from satjax.train import Evaluator
    from satjax.uplink import Algorithm1Policy, FullPower, PowerControlTask

    train_params, model = load_shgnn(args.run_dir)
    task = PowerControlTask(train_params.replace(num_users=args.users, tau_p=args.users // 2))
    evaluator = Evaluator(task, jax.random.key(7), 8 if args.tiny else 256)
    scores = {name: evaluator(policy)["sum_mbps"] for name, policy in
              [("trained_shgnn", model), ("algorithm1", Algorithm1Policy()), ("full_power", FullPower())]}
    result = {"run_dir": str(args.run_dir), "trained_at_users": train_params.num_users, "tested_at_users": args.users,
              "sum_mbps": scores, "fraction_of_algorithm1": scores["trained_shgnn"] / scores["algorithm1"]}
    write_json(out, "result.json", result)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])

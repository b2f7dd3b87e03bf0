"""Shared plumbing of the examples: the output folder, JSON, the XLA flags of satjax's entry points."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def parser(doc: str) -> argparse.ArgumentParser:
    """An argument parser with the output folder and ``--tiny``."""
    p = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    p.add_argument("out", type=Path, help="output folder (created; existing files are overwritten)")
    p.add_argument("--tiny", action="store_true", help="tiny sizes: a seconds-long check")
    return p


def start(args) -> Path:
    """What every example's ``main`` does first: XLA flags (as satjax's own entry points), the folder."""
    from experiments.xla_env import configure_entry_point

    configure_entry_point()
    args.out.mkdir(parents=True, exist_ok=True)
    return args.out


def write_json(out: Path, name: str, payload: dict) -> Path:
    path = out / name
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(json.dumps(payload, indent=2))
    return path


def small_uplink(tiny: bool, **real):
    """System A's scenario distribution: the paper's sizes, or a tiny one (M = 8, K = 4)."""
    from satjax.uplink import UplinkParams

    if tiny:
        return UplinkParams(num_aps=8, num_users=4, tau_p=2, n_v=2, n_h=2)
    return UplinkParams(**real)

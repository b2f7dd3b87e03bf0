"""Whether a SLURM cluster answers here, for the tests that run on one (the sweep app's job arrays,
multi-process training under ``srun``); ``sudo tools/slurm-one-node.sh`` starts a one-node cluster
on this machine, and ``.ci/run`` does so before the suite where it can."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def answers(*command: str) -> str | None:
    """``command``'s output if it exits 0 within 10 s, else ``None``."""
    if shutil.which(command[0]) is None:
        return None
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def cluster_gpus() -> int | None:
    """GPUs (GRES ``gpu``) of the first node that is up, or ``None`` where no SLURM cluster with
    accounting (``sacct``) answers."""
    nodes = answers("sinfo", "--noheader", "--format=%a %T %G")
    if not nodes or answers("sacct", "--noheader", "-X", "--starttime=now") is None:
        return None
    for line in nodes.splitlines():
        avail, state, gres = (line.split(maxsplit=2) + ["", "", ""])[:3]
        if avail == "up" and state.rstrip("*") in {"idle", "mixed", "allocated", "completing"}:
            gpu = [g for g in gres.split(",") if g.startswith("gpu:")]
            return int(gpu[0].split(":")[-1].split("(")[0]) if gpu else 0
    return None


#: The GPUs of the cluster's first node that is up (``None``: no cluster).
GPUS = cluster_gpus()
#: Skips a test where no SLURM cluster answers.
needs_cluster = pytest.mark.skipif(GPUS is None, reason="no SLURM cluster answers here (sinfo, sacct); "
                                   "`sudo tools/slurm-one-node.sh` starts a one-node cluster on this machine")

"""What the SLURM cluster says (its command-line tools): the tasks it still holds, and whether one
answers here at all (the real-cluster tests and the ``sweep_scaling`` benchmark ask)."""

from __future__ import annotations

import shutil
import subprocess


def answers(*command: str, timeout_s: float = 10.0) -> str | None:
    """``command``'s standard output if it exits 0 within ``timeout_s``, else ``None`` (also when
    the program is not installed)."""
    if shutil.which(command[0]) is None:
        return None
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def cluster_gpus() -> int | None:
    """GPUs (GRES ``gpu``) of the first node that is up, 0 if it has none, or ``None`` where no
    SLURM cluster with accounting (``sinfo``, ``sacct``) answers."""
    nodes = answers("sinfo", "--noheader", "--format=%a %T %G")
    if not nodes or answers("sacct", "--noheader", "-X", "--starttime=now") is None:
        return None
    for line in nodes.splitlines():
        avail, state, gres = (line.split(maxsplit=2) + ["", "", ""])[:3]
        if avail == "up" and state.rstrip("*") in {"idle", "mixed", "allocated", "completing"}:
            gpu = [g for g in gres.split(",") if g.startswith("gpu:")]
            return int(gpu[0].split(":")[-1].split("(")[0]) if gpu else 0
    return None


def queued_tasks() -> set[str]:
    """The ids of this user's SLURM tasks the controller still holds (queued, running, suspended,
    completing; ``squeue --user=<this user> --array``, one line per array task:
    ``<array job>_<index>``)."""
    import getpass

    try:
        out = subprocess.run(["squeue", f"--user={getpass.getuser()}", "--noheader", "--array", "--format=%i"],
                             capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as err:
        out = subprocess.CompletedProcess([], 1, "", str(err))
    if out.returncode != 0:
        raise RuntimeError(f"squeue failed ({out.stderr.strip() or out.returncode}), so it is unknown which of the "
                           "sweep's SLURM tasks still run; retry when the controller answers (nothing was submitted)")
    return {line.strip() for line in out.stdout.splitlines() if line.strip()}

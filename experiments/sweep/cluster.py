"""What the SLURM cluster says (its command-line tools): the sweep tasks it still holds, and
whether a cluster answers here at all, with how many GPUs (the real-cluster tests and the
``sweep_scaling`` benchmark ask)."""

from __future__ import annotations

import getpass
import re
import shutil
import socket
import subprocess

#: The job name of every sweep task (``experiments.sweep.driver``'s submitit executor).
JOB_NAME = "satjax-sweep"
#: ``sinfo`` node states (``%T``) of a node that takes jobs; a trailing ``*`` (not responding) is not one.
UP_STATES = frozenset({"idle", "mixed", "allocated", "completing"})


def answers(*command: str, timeout_s: float = 10.0) -> str | None:
    """Run a command and keep what it printed if it worked.

    Args:
        *command: the program and its arguments.
        timeout_s: how long it may take [s].

    Returns:
        Its standard output if it exits 0 within ``timeout_s``; ``None`` otherwise, also when the
        program is not installed.
    """
    if shutil.which(command[0]) is None:
        return None
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def gres_gpus(gres: str) -> int:
    """The GPU count of a node's generic resources as ``sinfo --format=%G`` prints them
    (``gpu:2``, ``gpu:a100:4(S:0-1)``, ``gpu:2,shard:8``; ``(null)``: 0)."""
    counts = [int(m.group(1)) for g in gres.split(",") if (m := re.match(r"gpu(?::[^:(,]+)?:(\d+)", g.strip()))]
    return sum(counts)


def cluster_gpus(local_only: bool = False) -> int | None:
    """Whether a SLURM cluster with accounting answers here, and its GPUs.

    Args:
        local_only: ask for a cluster whose only node is this machine (as ``tools/slurm-one-node.sh``
            starts), where a job sees this machine's files and processes.

    Returns:
        The GPUs (GRES ``gpu``) of the first node that is up (0 if it has none), or ``None`` where
        ``sinfo`` or ``sacct`` does not answer, no node is up, or (``local_only``) a node is another
        machine.
    """
    nodes = answers("sinfo", "--noheader", "--format=%n %a %T %G")
    if not nodes or answers("sacct", "--noheader", "-X", "--starttime=now") is None:
        return None
    rows = [(line.split(maxsplit=3) + ["", "", "", ""])[:4] for line in nodes.splitlines() if line.strip()]
    if local_only and {name for name, *_ in rows} != {socket.gethostname().split(".")[0]}:
        return None
    for _, avail, state, gres in rows:
        if avail == "up" and state in UP_STATES:
            return gres_gpus(gres)
    return None


def queued_tasks() -> set[str]:
    """The sweep tasks of this user that the controller still holds (queued, running, suspended,
    completing): ``squeue --user=<this user> --name=satjax-sweep --array``, one id per array task,
    ``<array job>_<index>``.

    Returns:
        The task ids.

    Raises:
        RuntimeError: ``squeue`` failed (then it is unknown which tasks still run).
    """
    try:
        out = subprocess.run(["squeue", f"--user={getpass.getuser()}", f"--name={JOB_NAME}", "--noheader", "--array",
                              "--format=%i"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as err:
        out = subprocess.CompletedProcess([], 1, "", str(err))
    if out.returncode != 0:
        raise RuntimeError(f"squeue failed ({out.stderr.strip() or out.returncode}), so it is unknown which of the "
                           "sweep's SLURM tasks still run; retry when the controller answers (nothing was submitted)")
    return {line.strip() for line in out.stdout.splitlines() if line.strip()}

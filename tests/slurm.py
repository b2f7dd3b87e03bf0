"""Whether a SLURM cluster answers here, for the tests that run on one (the sweep app's job arrays,
multi-process training under ``srun``); ``sudo tools/slurm-one-node.sh`` starts a one-node cluster
on this machine, and ``.ci/run`` does so before the suite where it can."""

from __future__ import annotations

import pytest

from experiments.sweep.cluster import cluster_gpus

#: The GPUs of a SLURM cluster whose only node is this machine (its jobs see this machine's files and
#: processes), or ``None`` where there is no such cluster.
GPUS = cluster_gpus(local_only=True)
#: Skips a test where no such cluster answers.
needs_cluster = pytest.mark.skipif(GPUS is None, reason="no SLURM cluster of this machine alone answers here (sinfo, "
                                   "sacct); `sudo tools/slurm-one-node.sh` starts one")

"""Whether a SLURM cluster answers here, for the tests that run on one (the sweep app's job arrays,
multi-process training under ``srun``); ``sudo tools/slurm-one-node.sh`` starts a one-node cluster
on this machine, and ``.ci/run`` does so before the suite where it can."""

from __future__ import annotations

import pytest

from experiments.sweep.cluster import cluster_gpus

#: The GPUs of the cluster's first node that is up (``None``: no cluster answers).
GPUS = cluster_gpus()
#: Skips a test where no SLURM cluster answers.
needs_cluster = pytest.mark.skipif(GPUS is None, reason="no SLURM cluster answers here (sinfo, sacct); "
                                   "`sudo tools/slurm-one-node.sh` starts a one-node cluster on this machine")

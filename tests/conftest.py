"""Shared test configuration: XLA CPU flags, one core per xdist worker, strict rank promotion,
key fixture."""

import atexit
import os
import shutil
import tempfile

from experiments.xla_env import configure_threads, configure_xla_cpu

configure_xla_cpu()  # before any JAX computation: see experiments/xla_env.py
configure_threads()  # one BLAS thread per worker (and per subprocess a test starts): no busy-wait thrash

# Each pytest-xdist worker runs on its own core (and so do the subprocesses it starts). XLA:CPU
# sizes its thread pools from the affinity mask; with more than one schedulable core we saw rare
# deadlocks (every thread parked) in vmap-heavy programs even with single-threaded Eigen — one
# stalled a CI run in the closed-form benchmark test — and none on one core (docs/performance.md).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and hasattr(os, "sched_setaffinity"):
    _cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {_cores[int(_worker[2:]) % len(_cores)]})

# One on-disk JAX compilation cache for the whole run, shared by the xdist workers and every
# subprocess a test starts (CLI smoke/resume runs, benchmark children): a program compiled once is
# loaded, not recompiled, by the others. Made by the controller (no worker id yet), removed at its
# exit; a user's own JAX_COMPILATION_CACHE_DIR is kept.
if not _worker and "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    _cache_dir = tempfile.mkdtemp(prefix="satjax-tests-jax-cache-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _cache_dir
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.3")
    atexit.register(shutil.rmtree, _cache_dir, ignore_errors=True)

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def getkey():
    """A fresh, deterministic PRNG key on every call within a test."""
    counter = iter(range(1_000_000))
    return lambda: jax.random.key(next(counter))

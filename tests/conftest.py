"""Shared test configuration: XLA CPU flags, one core per xdist worker, strict rank promotion,
key fixture."""

import os

from experiments.xla_env import configure_threads, configure_xla_cpu

configure_xla_cpu()  # before any JAX computation: see experiments/xla_env.py
# The tests compile far more than they compute (tiny sizes): LLVM's backend optimizations off
# (XLA's own HLO passes still run) cut the CPU time of tests/test_systems.py,
# tests/uav/test_algorithms.py and tests/downlink/test_wmmse.py from 205 to 165 s with the same
# results. Applies to the workers and to every subprocess a test starts; a user's XLA_FLAGS setting
# of it is kept.
if "--xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()
configure_threads()  # one BLAS thread per worker (and per subprocess a test starts): no busy-wait thrash

# Each pytest-xdist worker runs on its own core (and so do the subprocesses it starts). XLA:CPU
# sizes its thread pools from the affinity mask; with more than one schedulable core we saw rare
# deadlocks (every thread parked) in vmap-heavy programs even with single-threaded Eigen — one
# stalled a CI run in the closed-form benchmark test — and none on one core (docs/performance.md).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and hasattr(os, "sched_setaffinity"):
    _cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {_cores[int(_worker[2:]) % len(_cores)]})

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_programs():
    """Drop JAX's compiled programs and trace caches after each test module, so a worker does not
    accumulate every executable of the run (two late-run worker crashes inside XLA's CPU compiler
    were seen with 1 000 tests per run; tests never rely on another module's compilations)."""
    yield
    jax.clear_caches()


@pytest.fixture
def getkey():
    """A fresh, deterministic PRNG key on every call within a test."""
    counter = iter(range(1_000_000))
    return lambda: jax.random.key(next(counter))

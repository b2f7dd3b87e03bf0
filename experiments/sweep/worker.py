"""The function submitit runs in a worker process (or in the driver, for the ``debug`` executor).

This module imports only the standard library at the top: :func:`work` sets the process's thread
and XLA settings (one BLAS/OpenMP thread, single-threaded Eigen; ``experiments.xla_env``) before
anything imports JAX, so two workers on two cores never thrash each other's BLAS threads.
"""

from __future__ import annotations


def work(store: str, chunks: list[int], run_id: str, claim: bool, cpus: list[int] | None = None) -> list[int]:
    """Run the chunks of ``chunks`` of the sweep in ``store`` that are not done; returns those it
    ran (:func:`experiments.sweep.engine.work`). ``cpus``: the cores this process is pinned to
    first (before JAX starts its thread pools; ``experiments.sweep.driver.worker_cpus``), or
    ``None``."""
    import os

    if cpus is not None:
        os.sched_setaffinity(0, cpus)
    from experiments.xla_env import configure_entry_point

    configure_entry_point()
    from experiments.sweep import engine

    return engine.work(store, chunks, run_id, claim)

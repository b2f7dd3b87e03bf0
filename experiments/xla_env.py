"""Process-level XLA settings for satjax's command-line entry points (never the library).

Eigen threads: XLA:CPU's multi-threaded Eigen pool wedged — every worker parked,
``block_until_ready`` waiting forever — on ``vmap``-heavy programs with batched LAPACK calls
(2 cores, jax 0.10.2), before ``satjax._linalg`` ran LAPACK one matrix at a time on CPU
(docs/performance.md, "XLA:CPU stall"). Re-measured since, with one BLAS thread: 10 of 10 runs
of the batch-64 closed form finished with multi-threaded Eigen and with two host devices, and
neither was faster than one thread (median 1.04x and 1.12x the time, on a shared machine).
The entry points keep single-threaded Eigen, which was also faster when measured on a quiet
machine (closed form at K = 50, batch 1024: 2.7 s vs 3.1 s; Monte Carlo 10^4 samples: 0.91 vs
1.08 s). A user who sets ``--xla_cpu_multi_thread_eigen`` in ``XLA_FLAGS`` keeps their choice.

Thread hygiene: jaxlib's CPU LAPACK kernels (``eigh``, ``inv``, ...) run on SciPy's OpenBLAS,
whose idle threads busy-wait. Two JAX processes side by side on a 2-core machine each ran 15-20x
slower than alone (batch-64 closed form: 53 and 39 vs 2.9 ms per scenario); with one BLAS thread
per process both ran at full speed (2.0x the throughput of one), and one process alone got 26 %
faster (docs/performance.md). Every satjax process — entry points, test workers, benchmark
children, sweep workers — therefore runs BLAS/OpenMP single-threaded (``configure_threads``),
unless the user set the thread count themselves.
"""

from __future__ import annotations

import os

FLAG = "--xla_cpu_multi_thread_eigen"

#: Thread-count variables of the BLAS/OpenMP runtimes satjax's dependencies load.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def usable_cores() -> list[int] | None:
    """The cores this process may run on (its affinity mask, sorted), or ``None`` where the platform
    does not say (no ``os.sched_getaffinity``)."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None


def configure_xla_cpu() -> None:
    """Add ``--xla_cpu_multi_thread_eigen=false`` to ``XLA_FLAGS`` unless the user set it.

    Must run before JAX initializes its backend (first array operation): every entry point's
    ``main`` calls it first (importing ``experiments`` or ``benchmarks`` changes nothing).
    """
    flags = os.environ.get("XLA_FLAGS", "")
    if FLAG not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {FLAG}=false".strip()


def configure_threads() -> None:
    """One BLAS/OpenMP thread for this process and every process it starts.

    Sets each of ``THREAD_VARIABLES`` to ``"1"`` unless the user set it (child processes read it
    when their BLAS loads), and limits the BLAS libraries this process has already loaded (NumPy's
    and SciPy's OpenBLAS, the one jaxlib's LAPACK kernels use) with ``threadpoolctl``, unless the
    user set ``OPENBLAS_NUM_THREADS``.
    """
    user_set = "OPENBLAS_NUM_THREADS" in os.environ
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    if not user_set:
        import scipy.linalg  # noqa: F401  (loads SciPy's OpenBLAS, so the limit below reaches it)
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")


def configure_entry_point() -> None:
    """What every satjax command-line entry point does first: :func:`configure_xla_cpu`,
    :func:`configure_threads`, and keep JAX's backend probing (``Unable to initialize backend
    'tpu'``) out of the run's log."""
    import logging

    configure_xla_cpu()
    configure_threads()
    logging.getLogger("jax._src.xla_bridge").setLevel(logging.WARNING)

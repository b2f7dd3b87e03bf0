"""Process-level XLA settings for satjax's command-line entry points (never the library).

XLA:CPU's multi-threaded Eigen pool can wedge — every worker parked, ``block_until_ready``
waiting forever — on ``vmap``-heavy programs. We hit it on 2 cores with batched closed forms
and with the Monte Carlo scan (jax 0.10.2); it is reported upstream-side by other projects with
the same workaround. Single-threaded Eigen removes it and, on our 2-core CPU, is also faster
(closed form at K = 50, batch 1024: 2.7 s vs 3.1 s; Monte Carlo 10^4 samples: 0.91 vs 1.08 s).
A user who sets ``--xla_cpu_multi_thread_eigen`` in ``XLA_FLAGS`` keeps their choice.
"""

from __future__ import annotations

import os

FLAG = "--xla_cpu_multi_thread_eigen"


def configure_xla_cpu() -> None:
    """Add ``--xla_cpu_multi_thread_eigen=false`` to ``XLA_FLAGS`` unless the user set it.

    Must run before JAX initializes its backend (first array operation): every entry point's
    ``main`` calls it first (importing ``experiments`` or ``benchmarks`` changes nothing).
    """
    flags = os.environ.get("XLA_FLAGS", "")
    if FLAG not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {FLAG}=false".strip()


def configure_entry_point() -> None:
    """What every satjax command-line entry point does first: :func:`configure_xla_cpu`, and keep
    JAX's backend probing (``Unable to initialize backend 'tpu'``) out of the run's log."""
    import logging

    configure_xla_cpu()
    logging.getLogger("jax._src.xla_bridge").setLevel(logging.WARNING)

"""Hydra entry points and paper-figure scripts of satjax (outside the library).

Importing this package has no side effects; each entry point's ``main`` sets the process-level
XLA flags it needs (:func:`experiments.xla_env.configure_xla_cpu`) before any JAX work.
"""

"""Hydra entry points and paper-figure scripts of satjax (outside the library)."""

from experiments.xla_env import configure_xla_cpu

configure_xla_cpu()

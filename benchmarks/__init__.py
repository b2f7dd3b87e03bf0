"""satjax benchmarks: ``python -m benchmarks.run [--suite NAME] [--quick]`` (see benchmarks/run.py)."""

from experiments.xla_env import configure_xla_cpu

configure_xla_cpu()

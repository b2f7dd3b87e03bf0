"""satjax benchmarks (run as modules, e.g. ``python -m benchmarks.uplink_closed_form``)."""

from experiments.xla_env import configure_xla_cpu

configure_xla_cpu()
